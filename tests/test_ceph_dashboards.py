"""Ceph's 13 published dashboards (Debian's ceph-grafana-dashboards): every Prometheus query parses
once Grafana's variables are read as Grafana fills them in. Before, 3 of the 184 queries failed:
``topk($topk, ...)`` had ``$topk`` read as a series name where PromQL needs a scalar."""
from __future__ import annotations

import json

import pytest

import ceph_files
from obskit.promql import grafana_query_problem
from obskit.verify.grafana_schema import promql_problem


def _panels(items):
    for p in items or []:
        yield p
        yield from _panels(p.get("panels"))


def _queries():
    out = []
    for path in ceph_files.dashboards():
        doc = json.loads(path.read_text())
        rows = [p for r in doc.get("rows") or [] for p in r.get("panels") or []]
        for p in _panels((doc.get("panels") or []) + rows):
            for t in p.get("targets") or []:
                if isinstance(t.get("expr"), str) and t["expr"].strip():
                    out.append((path.name, p.get("title"), t["expr"]))
    return out


def test_every_ceph_dashboard_query_parses():
    queries = _queries()
    assert len(ceph_files.dashboards()) == 13 and len(queries) == 184
    assert [(f, t, promql_problem(e)) for f, t, e in queries if promql_problem(e)] == []
    assert sum("topk($" in e.replace(" ", "") for _, _, e in queries) >= 3


@pytest.mark.parametrize("expr", [
    "topk($topk, rate(x{job=~\"$job\"}[$__rate_interval]))",
    "bottomk(${n}, x)", "quantile($q, up)", "histogram_quantile($q, sum by (le) (rate(h_bucket[5m])))",
    "clamp_max(x{a=\"$a\"}, $max)", "sum(rate(x[5m] offset $offset))", "$metric{job=\"$job\"}",
    "topk($n, $metric)", "x > $threshold",
])
def test_grafana_variables_in_scalar_and_other_positions(expr):
    assert grafana_query_problem(expr) is None


@pytest.mark.parametrize("expr", ["sum(rate(x[5m])", "topk($n)", "rate(x{job=\"$job\"})"])
def test_broken_queries_are_still_reported(expr):
    assert grafana_query_problem(expr)
