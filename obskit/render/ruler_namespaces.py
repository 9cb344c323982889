"""Rule namespaces for horizontally scaled rulers.

- Grafana Mimir / Cortex (``mimirtool rules load|sync|diff``, ``cortextool rules ...``): one YAML
  document per file with ``namespace:`` and ``groups:`` (mimirtool's ``RuleNamespace``; without
  ``namespace:`` it would take the file name, so it is always written).
- Thanos Ruler: plain Prometheus rule files. Thanos reads an optional per-group
  ``partial_response_strategy``; obskit leaves it out, so the default ``abort`` applies: an alert must
  not be evaluated on a partial answer (a missing store can hide the errors that should page), and
  the files stay loadable by promtool and Prometheus as they are.
"""
from __future__ import annotations

from typing import Dict

from obskit.compile.ir import RuleFile
from obskit.render import prometheus_rules
from obskit.render.yamlfmt import dump


def mimir_dict(rule_file: RuleFile, namespace: str) -> Dict[str, object]:
    return {"namespace": namespace, **prometheus_rules.groups_dict(rule_file.groups)}


def render_mimir(rule_file: RuleFile, namespace: str) -> bytes:
    return (prometheus_rules.header(rule_file) + dump(mimir_dict(rule_file, namespace))).encode()


def render_thanos(rule_file: RuleFile) -> bytes:
    return prometheus_rules.render(rule_file)
