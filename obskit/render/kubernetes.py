"""Prometheus Operator ``PrometheusRule`` objects (monitoring.coreos.com/v1).

Names, namespace, labels and annotations come from ``[kubernetes]`` (obskit/render/k8s_meta.py):
kube-prometheus-stack's Prometheus selects rules by ``ruleSelector`` (by default
``release: <release name>``), so ``[kubernetes] labels = { release = "..." }`` is what makes it load them.
"""
from __future__ import annotations

from typing import Iterable, Optional

from obskit.compile.ir import RuleFile, RuleGroup
from obskit.project import Settings
from obskit.render import k8s_meta
from obskit.render.prometheus_rules import groups_dict, groups_yaml
from obskit.render.yamlfmt import dump


def rule_dict(groups: Iterable[RuleGroup], name: str, settings: Settings) -> dict:
    return {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PrometheusRule",
        "metadata": k8s_meta.metadata(settings, name),
        "spec": groups_dict(tuple(groups)),
    }


def render_rule(groups: Iterable[RuleGroup], name: str, sources: Iterable[str], settings: Settings,
                note: str = "") -> bytes:
    groups = tuple(groups)
    doc = rule_dict((), name, settings)
    del doc["spec"]                      # written after the rest: the rule file's groups text, shifted
    return (k8s_meta.header(sources, note) + dump(doc) + "spec:\n" + groups_yaml(groups, indent=2)).encode()


def render(rule_file: RuleFile, settings: Optional[Settings] = None, name: Optional[str] = None) -> bytes:
    """The PrometheusRule of an SLO rule file (one per service): ``<prefix>-<service>``."""
    settings = settings or Settings()
    name = name or k8s_meta.slo_rule_name(settings, rule_file.name)
    return render_rule(rule_file.groups, name, (loc.file for loc in rule_file.sources), settings)
