"""Which platform each built rule file belongs to: the key a Prometheus' default ``rule_files``
(its ``platform``) selects by.

A platform is a lowercase name with ``-`` (``llm-gateway``). SLO rule files (``rules/<service>.yml``)
belong to the SLO's service; hand-written rule files (``rules/<module>-alerts.yml``) to their module's
stem (``alerts/llm_gateway.py`` → ``llm-gateway``); Loki rules to their ``LokiRules`` name. Pure.
"""
from __future__ import annotations

from typing import Dict, Tuple

from obskit.compile import conventions as conv
from obskit.project import Project


def platform_key(name: str) -> str:
    """``llm_gateway`` / ``LLM-Gateway`` → ``llm-gateway``."""
    return name.strip().lower().replace("_", "-")


def rule_file_platforms(project: Project) -> Dict[str, str]:
    """Built Prometheus rule file (``rules/<name>.yml``, relative to prometheus.yml) → platform."""
    from obskit.compile.rules import module_stem
    from obskit.model.rules import RuleGroup

    out: Dict[str, str] = {}
    for slo in project.slos:
        out[f"rules/{conv.rule_file_name(slo.service)}.yml"] = platform_key(slo.service)
    for g in project.of(RuleGroup):
        stem = module_stem(g)
        out[f"rules/{conv.alert_rule_file_name(stem)}.yml"] = platform_key(stem)
    return dict(sorted(out.items()))


def platform_rule_files(project: Project, platform: str) -> Tuple[str, ...]:
    """The built rule files of one platform, sorted."""
    key = platform_key(platform)
    return tuple(f for f, p in rule_file_platforms(project).items() if p == key)
