import pytest

from obskit import LatencySLI, RatioSLI
from obskit.duration import Duration
from obskit.promql import Matcher, Selector
from obskit.verify.synth import Unsupported, series_labels, solve_label, synthesize
from obskit.verify.timeline import burn, healthy


def test_solve_regex_and_negatives():
    assert solve_label("code", [Matcher("code", "=~", "5..")]) == "5aa"
    assert solve_label("code", [Matcher("code", "=~", "Unknown|Internal")]) == "Unknown"
    assert solve_label("code", [Matcher("code", "!~", "5..")]) is None
    assert solve_label("code", [], [Matcher("code", "=~", "5..")]) is None   # absent label fails =~"5.."
    with pytest.raises(Unsupported):
        solve_label("x", [Matcher("x", "=", "a"), Matcher("x", "=", "b")])


def test_good_series_matches_total_but_not_errors():
    total = Selector.parse('http_requests_total{job="api"}')
    errors = Selector.parse('http_requests_total{job="api",code=~"5.."}')
    good = series_labels([total], errors)
    assert total.matches(total.metric, good) and not errors.matches(errors.metric, good)
    bad = series_labels([total, errors])
    assert errors.matches(errors.metric, bad)


def test_by_labels_get_values():
    assert series_labels([Selector.parse('x{job="a"}')], by=("region",)) == {"job": "a", "region": "synthetic"}


def test_ratio_series_add_up():
    sli = RatioSLI(total='req_total{job="a"}', errors='req_total{job="a",code=~"5.."}')
    err, ok = synthesize(sli, (healthy("10m"), burn(10, "10m")), Duration(60), 0.001)
    assert err.samples == ok.samples == 21
    assert err.notation() == "0x10 6+6x9"           # 10 rps × 60 s × 10 × 0.001 errors per sample
    assert ok.notation() == "0+600x10 6594+594x9"   # the other 594 requests per sample


def test_latency_uses_le_forms_of_both_prometheus_versions():
    sli = LatencySLI(histogram='h_seconds{job="a"}', threshold=1, buckets=(0.5, 1))
    names = [s.name for s in synthesize(sli, (healthy("5m"),), Duration(60), 0.01)]
    assert names == ['h_seconds_bucket{job="a", le="1"}', 'h_seconds_bucket{job="a", le="+Inf"}',
                     'h_seconds_count{job="a"}']
