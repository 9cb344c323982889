"""Synthetic series: promtool's values notation, checked by a model of its expansion and by promtool."""
import re

from hypothesis import given, settings, strategies as st

from obskit.duration import Duration
from obskit.verify.promtool_tests import ExprCheck, PromtoolTest, PromtoolTestFile
from obskit.verify.runner import run_files
from obskit.verify.series import Series, fmt


def expand(notation: str):
    """promtool 2.42's expansion: a+bxn / a-bxn / axn give n+1 samples by repeated addition,
    _xn gives n missing samples, _ one, stale a staleness marker."""
    out = []
    for tok in notation.split():
        if tok == "_":
            out.append(None)
        elif tok == "stale":
            out.append("stale")
        elif m := re.fullmatch(r"_x(\d+)", tok):
            out += [None] * int(m.group(1))
        elif m := re.fullmatch(r"(-?[\d.]+)([+-])([\d.]+)x(\d+)", tok):
            a, b = float(m.group(1)), float(m.group(3)) * (1 if m.group(2) == "+" else -1)
            for _ in range(int(m.group(4)) + 1):
                out.append(a)
                a += b
        elif m := re.fullmatch(r"(-?[\d.]+)x(\d+)", tok):
            out += [float(m.group(1))] * (int(m.group(2)) + 1)
        else:
            out.append(float(tok))
    return out


def test_fmt_has_no_exponent_and_round_trips():
    for v in (1e-7, 123456789.125, 0.1 + 0.2, 2.0):
        assert "e" not in fmt(v) and float(fmt(v)) == v


def test_counter_gauge_gap_stale():
    s = Series("x", {"a": "1"}).count(3, 2).gap(2).count(2, 0.5).stale()
    assert s.name == 'x{a="1"}'
    assert expand(s.notation()) == [0, 2, 4, None, None, 4.5, 5.0, "stale"]
    g = Series("up").values([1, 1, None, 0, 0, 0])
    assert expand(g.notation()) == [1, 1, None, 0, 0, 0]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 50), st.floats(0, 1000, allow_nan=False)), min_size=1, max_size=8))
def test_counters_never_decrease(segments):
    """Rounding must never look like a counter reset, whatever the rates."""
    s = Series("c")
    for steps, inc in segments:
        s.count(steps, inc)
    values = expand(s.notation())
    assert len(values) == sum(n for n, _ in segments)
    assert all(b >= a for a, b in zip(values, values[1:]))


def test_promtool_reads_the_notation_as_intended(promtool):
    s = Series("c_total", {"job": "x"}).count(61, 0.125).gap(3).count(10, 0.75)
    g = Series("up", {"job": "x"}).values([1] * 30 + [0] * 30).stale()
    f = PromtoolTestFile(
        name="series", subject="series", groups=(), evaluation_interval=Duration(60),
        tests=(PromtoolTest(name="notation", interval=Duration(60), series=(s, g), expr_checks=(
            ExprCheck(Duration(3600), 'c_total{job="x"}', ((( ("__name__", "c_total"), ("job", "x")), 7.5),)),
            ExprCheck(Duration(3600 + 60 * 4), 'c_total{job="x"}', ((( ("__name__", "c_total"), ("job", "x")), 8.25),)),
            ExprCheck(Duration(1800), 'up', ((( ("__name__", "up"), ("job", "x")), 0.0),)),
            ExprCheck(Duration(3600 + 30), 'up', ()),   # the staleness marker ends the series
        )),),
    )
    (r,) = run_files([f])
    assert r.ok, r.describe()
