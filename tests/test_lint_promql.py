"""The lint's PromQL analysis checked against real PromQL evaluation: for each expression and label,
what ``output_labels`` claims (the result carries exactly these labels, or cannot carry one) must match what promtool
evaluates for ``group by (label) (expr)``; and ``has_condition`` claims are checked the same way
(an expression "with a condition" returns nothing on inputs that do not meet it)."""
import pytest

from obskit.duration import Duration
from obskit.promql_ast import has_condition, output_labels, parse
from obskit.verify.promtool_tests import ExprCheck, PromtoolTest, PromtoolTestFile
from obskit.verify.runner import assert_pass
from obskit.verify.series import Series

BASE = {"job": "j", "instance": "i", "pod": "p"}
VALUES = {"job": "j", "instance": "i", "pod": "p", "team": "t", "dst": "v", "val": "5", "le": "1"}
SERIES = (
    Series("x", BASE).count(11, 1),
    Series("y", {**BASE, "team": "t"}).hold(11, 5),
    Series("b_bucket", {"job": "j", "instance": "i", "le": "1"}).count(11, 1),
    Series("b_bucket", {"job": "j", "instance": "i", "le": "+Inf"}).count(11, 2),
)
EXPRS = [
    "x", "rate(x[5m])", "sum(rate(x[5m]))", "sum by (job) (x)", "sum without (pod) (x)",
    "histogram_quantile(0.9, sum by (le, job) (rate(b_bucket[5m])))", 'absent(nope{job="j", instance=~"i"})',
    "x / on (job, instance, pod) group_left (team) y", "x * on (job) y", "x * ignoring (team) y",
    'label_replace(sum(x), "dst", "v", "", "")', "topk(1, x)", 'count_values("val", y)',
    "x and ignoring (team) y", "max_over_time(x[5m])", "sum by (job, pod) (x) > 1", "count(y) > 0",
    "x - on (pod) group_right (team, instance) y", "clamp_max(x, 3)", "avg without (instance, pod) (y)",
]
LABELS = ["job", "instance", "pod", "team", "le", "dst", "val"]


def _checks():
    checks = []
    for expr in EXPRS:
        ls = output_labels(parse(expr))
        for label in LABELS:
            if not ls.exact and ls.has(label):
                continue   # "may carry it": depends on the input series, not a claim to check
            expected = ((("__name__", ""), (label, VALUES[label])) if ls.has(label) else ())
            checks.append(ExprCheck(Duration(300), f"group by ({label}) ({expr})",
                                    ((tuple(l for l in expected if l[0] != "__name__"), 1.0),)))
    return tuple(checks)


def test_output_labels_match_promql(promtool):
    test = PromtoolTest(name="output labels", interval=Duration(60), series=SERIES, expr_checks=_checks())
    assert_pass([PromtoolTestFile(name="lint-output-labels", subject="lint", groups=(),
                                  evaluation_interval=Duration(60), tests=(test,))])


# expression → whether it has a condition; with inputs that do NOT meet it (x ≈ 5, y = 5)
CONDITIONS = [("x > 100", True), ("sum(x) > 100", True), ("absent(x)", True), ("x and on (job) nope", True),
              ("x unless ignoring (team) y", True), ("(x > 100) * 2", True), ("x > 100 or y > 100", True),
              ("x", False), ("sum(rate(x[5m]))", False), ("x > bool 100", False), ("sum(x) or vector(0)", False),
              ("x > 100 or y", False)]


@pytest.mark.parametrize("expr,expected", CONDITIONS)
def test_has_condition_claims(expr, expected):
    assert has_condition(parse(expr)) is expected


def test_expressions_with_a_condition_can_return_nothing(promtool):
    """Every expression claimed to have a condition evaluates to nothing on these inputs; every one
    claimed not to returns something: the claim is what PromQL does, not a guess."""
    checks = []
    for expr, cond in CONDITIONS:
        # count(expr) is empty for an empty result; "or vector(0)" turns that into 0
        checks.append(ExprCheck(Duration(300), f"count({expr}) > bool 0 or vector(0)",
                                (((), 0.0 if cond else 1.0),)))
    test = PromtoolTest(name="conditions", interval=Duration(60), series=SERIES, expr_checks=tuple(checks))
    assert_pass([PromtoolTestFile(name="lint-conditions", subject="lint", groups=(),
                                  evaluation_interval=Duration(60), tests=(test,))])


def test_the_label_checks_are_not_vacuous():
    checks = _checks()
    assert len(checks) >= 60
    assert sum(1 for c in checks if c.samples[0][0] == ()) >= 50      # "cannot carry it" claims
    assert sum(1 for c in checks if c.samples[0][0] != ()) >= 8       # "carries exactly these" claims
