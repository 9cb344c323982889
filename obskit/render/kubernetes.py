"""Prometheus Operator ``PrometheusRule`` objects."""
from __future__ import annotations

from typing import Optional

from obskit.compile import conventions as conv
from obskit.compile.ir import RuleFile
from obskit.render.prometheus_rules import groups_dict, header
from obskit.render.yamlfmt import dump


def render(rule_file: RuleFile, namespace: Optional[str] = None) -> bytes:
    metadata = {"name": conv.prometheus_rule_name(rule_file.name)}
    if namespace:
        metadata["namespace"] = namespace
    metadata["labels"] = {"app.kubernetes.io/managed-by": "obskit"}
    doc = {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PrometheusRule",
        "metadata": metadata,
        "spec": groups_dict(rule_file.groups),
    }
    return (header(rule_file) + dump(doc)).encode()
