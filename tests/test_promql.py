import pytest

from obskit.promql import Matcher, PromQLError, Selector, check_syntax, fmt_number, sum_by


def test_selector_parse_and_render():
    s = Selector.parse('http_requests_total{job="api",code=~"5.."}')
    assert s.metric == "http_requests_total"
    assert s.matchers == (Matcher("job", "=", "api"), Matcher("code", "=~", "5.."))
    assert str(s) == 'http_requests_total{job="api",code=~"5.."}'


@pytest.mark.parametrize("bad,words", [("", "empty selector"), ("   ", "empty selector"),
                                       ('x{job="a"', "syntax error"), ("rate(x[5m])", "not a plain"),
                                       ('{job="a"}', "metric name"), ('x{code=~"("}', "compile|syntax")])
def test_selector_rejects(bad, words):
    with pytest.raises(PromQLError, match=words):
        Selector.parse(bad)


def test_matcher_semantics_are_anchored():
    m = Matcher("code", "=~", "5..")
    assert m.matches("500") and not m.matches("1500") and not m.matches(None)
    assert Matcher("code", "!~", "5..").matches(None)
    assert Matcher("code", "!=", "500").matches("200")


def test_check_syntax():
    check_syntax("sum(rate(x[5m])) > 1")
    with pytest.raises(PromQLError, match="unclosed left parenthesis"):
        check_syntax("sum(rate(x[5m])")


def test_helpers():
    assert sum_by((), "x") == "sum(x)"
    assert sum_by(("a", "b"), "x") == "sum by (a, b) (x)"
    assert fmt_number(0.999) == "0.999" and fmt_number(30.0) == "30" and fmt_number(14.4) == "14.4"
    assert fmt_number(99.95 / 100) == "0.9995"
