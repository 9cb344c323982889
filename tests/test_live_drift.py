"""Drift without a server: the comparison of obskit/live/drift.py on the rules obskit really generates.

- property: any re-spelling of a generated expression (whitespace, matcher order, a duration in other
  units) is not drift, and changing one number or one matcher value always is;
- which server groups are obskit's (extra) and which are someone else's (unmanaged);
- a group interval against obskit.toml's evaluation_interval, rule order, ``for``, labels and
  annotations, two rules of one name paired in order;
- the exit code when both a budget is exhausted and the rules drifted (4 wins).
"""
from __future__ import annotations

import re
from dataclasses import replace

from hypothesis import given, settings, strategies as st

from obskit import SLO, LatencySLI, RatioSLI
from obskit.compile.slo import compile_slo
from obskit.duration import Duration
from obskit.live.budgets import SeriesStatus, SLOStatus
from obskit.live.drift import Drift, GroupDrift, compare
from obskit.live.exprs import normalise
from obskit.live.server_rules import LiveGroup, LiveRule, from_api, from_build
from obskit.promql import _outside_quotes as _outside
from obskit.live.status import EXIT_BUDGET_EXHAUSTED, EXIT_DRIFT, StatusReport

SLOS = (
    SLO(service="shop", name="availability", objective=99.9,
        sli=RatioSLI(total='http_requests_total{job="shop",method!="OPTIONS"}',
                     errors='http_requests_total{job="shop",method!="OPTIONS",code=~"5.."}', by=("region",))),
    SLO(service="shop", name="latency", objective=99, window_shape="raw",
        sli=LatencySLI(histogram='http_request_duration_seconds{job="shop"}', threshold=0.3, buckets=(0.1, 0.3, 1))),
)
GROUPS = tuple(g for s in SLOS for g in compile_slo(s).groups())
EXPRS = tuple(dict.fromkeys(r.expr for g in GROUPS for r in g.rules))


def respell(expr: str, data) -> str:
    """The same expression written differently, chosen by hypothesis."""
    def matchers(m):
        parts = re.findall(r'[a-zA-Z_]\w*\s*(?:=~|!~|!=|=)\s*"(?:[^"\\]|\\.)*"', m.group(1))
        if len(parts) < 2:
            return m.group(0)
        return "{" + ", ".join(data.draw(st.permutations(parts))) + "}"
    text = re.sub(r"\{([^{}]*)\}", matchers, expr)
    if data.draw(st.booleans()):
        text = re.sub(r"\[(\d+)m\]", lambda m: f"[{int(m.group(1)) * 60}s]", text)
    if data.draw(st.booleans()):
        text = re.sub(r"sum by \(([^)]*)\) \(", lambda m: f"sum by({m.group(1)})(", text)
    spaces = data.draw(st.sampled_from(["", " ", "\n  "]))
    text = _outside(text, lambda part: re.sub(r"\s*([(),])\s*", lambda m: spaces + m.group(1) + spaces, part))
    return text


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(EXPRS), st.data())
def test_a_respelt_expression_is_not_drift(expr, data):
    other = respell(expr, data)
    assert normalise(other) == normalise(expr), (expr, other)


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(EXPRS), st.data())
def test_a_changed_number_or_value_is_drift(expr, data):
    spots = [m for m in re.finditer(r'(?<![\w.])\d+(\.\d+)?(?![\w.])|"[^"]+"', expr)]
    spot = data.draw(st.sampled_from(spots))
    text = spot.group(0)
    changed = f'"{text[1:-1]}x"' if text.startswith('"') else str(float(text) + 1.5)
    other = expr[:spot.start()] + changed + expr[spot.end():]
    assert normalise(other) != normalise(expr), (expr, other)


def _built():
    return tuple(from_build(g, "shop") for g in GROUPS)


def _server(groups, file="/etc/prometheus/rules/shop.yml"):
    return tuple(replace(g, file=file, location=None, generated=False,
                         interval_seconds=g.interval_seconds if g.interval_seconds is not None else 60.0)
                 for g in groups)


def test_the_built_groups_against_themselves_are_in_sync_and_foreign_groups_are_unmanaged():
    built = _built()
    foreign = LiveGroup("node-exporter", "/etc/prometheus/rules/node.yml", (LiveRule("alert", "NodeDown", "up == 0"),),
                        60.0)
    drift = compare(built, _server(built) + (foreign,), 60.0)
    assert not drift.drifted and drift.unmanaged == ("node-exporter",)
    assert drift.in_sync == tuple(g.name for g in built)


def test_an_unknown_group_is_extra_when_it_looks_like_obskits():
    built = _built()
    in_our_file = LiveGroup("leftover", "/etc/prometheus/rules/shop.yml", (), 60.0)
    by_prefix = LiveGroup("obskit-slo-old-thing-sli", "/elsewhere/x.yml", (), 60.0)
    same_stem = LiveGroup("manual", "/other/dir/shop.yaml", (), 60.0)
    drift = compare(built, _server(built) + (in_our_file, by_prefix, same_stem), 60.0)
    assert [(g.group, g.status) for g in drift.groups] == [("leftover", "extra"), ("obskit-slo-old-thing-sli", "extra"),
                                                           ("manual", "extra")]


def test_interval_order_for_labels_and_annotations_are_compared():
    built = _built()
    server = list(_server(built))
    first = server[0]
    rules = list(first.rules)
    alert_at = next(i for i, r in enumerate(rules) if r.kind == "alert")
    alert = rules[alert_at]
    rules[alert_at] = replace(alert, for_seconds=300.0, labels=alert.labels + (("team", "web"),),
                              annotations=tuple((k, v + "!") if k == "summary" else (k, v) for k, v in alert.annotations))
    rules[0], rules[1] = rules[1], rules[0]
    server[0] = replace(first, rules=tuple(rules), interval_seconds=30.0)
    drift = compare(built, tuple(server), 60.0)
    (g,) = drift.groups
    assert (g.group, g.status) == (first.name, "changed")
    fields = {c.field: c for c in g.changes}
    assert set(fields) == {"interval", "order"}
    assert fields["interval"].built == "1m (the evaluation_interval of obskit.toml)" and fields["interval"].server == "30s"
    (r,) = g.rules
    assert r.rule == f"alert {alert.name}" and [c.field for c in r.changes] == ["for", "annotations", "labels"]
    assert {c.field: (c.built, c.server) for c in r.changes}["labels"] == ("{}", "{team='web'}")


def test_two_rules_of_one_name_are_paired_in_order():
    a1, a2 = LiveRule("alert", "X", "a > 1"), LiveRule("alert", "X", "a > 2")
    built = (LiveGroup("g", "f", (a1, a2)),)
    same = compare(built, (LiveGroup("g", "f", (a1, a2), 60.0),), 60.0)
    assert not same.drifted
    one_lost = compare(built, (LiveGroup("g", "f", (a1,), 60.0),), 60.0)
    assert [(r.rule, r.status) for r in one_lost.groups[0].rules] == [("alert X", "missing")]


def test_the_rules_api_shape_is_read():
    data = {"groups": [{"name": "g", "file": "/r/shop.yml", "interval": 60, "limit": 0, "rules": [
        {"type": "alerting", "name": "A", "query": "up == 0", "duration": 300, "keepFiringFor": 60,
         "labels": {"severity": "page"}, "annotations": {"summary": "s"}, "health": "ok"},
        {"type": "recording", "name": "r:x", "query": "sum(up)", "health": "err", "lastError": "boom"}]}]}
    (g,) = from_api(data)
    assert g.rules[0] == LiveRule("alert", "A", "up == 0", 300.0, 60.0, (("severity", "page"),), (("summary", "s"),),
                                  "ok")
    assert (g.rules[1].kind, g.rules[1].last_error) == ("record", "boom")
    drift = compare((LiveGroup("g", "shop", (LiveRule("alert", "A", "up==0", 300.0, 60.0, (("severity", "page"),),
                                                       (("summary", "s"),)), LiveRule("record", "r:x", "sum (up)"))),),
                    (g,), 60.0)
    assert not drift.drifted and drift.failing == (("g", "record r:x", "boom"),)


def test_an_exhausted_budget_wins_over_drift():
    spent = SLOStatus("a", "b", 99.9, Duration(86400 * 30), 0.001, None,
                      (SeriesStatus((), -0.2, "raw", ()),))
    fine = replace(spent, series=(SeriesStatus((), 0.5, "raw", ()),))
    drifted = Drift((GroupDrift("missing", "g"),), (), ())
    in_sync = Drift((), ("g",), ())
    code = lambda slo, drift: StatusReport(0.0, (slo,), (), drift, 0).exit_code()   # noqa: E731
    assert code(fine, in_sync) == 0
    assert code(fine, drifted) == EXIT_DRIFT == 3
    assert code(spent, in_sync) == EXIT_BUDGET_EXHAUSTED == 4
    assert code(spent, drifted) == 4
