"""Dashboard JSON is written by orjson; the bytes must be exactly the standard library's."""
import json
import math

from hypothesis import given, settings, strategies as st

from obskit.render.grafana import dump, stdlib_dump

text = st.text(alphabet=st.one_of(st.sampled_from(list('abcXYZ019 _-.:#{}[]\'"\\|>%@!*&?,=+()$~\n\t\r\b\f/éü€'
                                                       '\x00\x01\x1f\x7f\u2028\u2029\ufeff')),
                                  st.characters(blacklist_categories=("Cs",))), max_size=20)
numbers = st.one_of(st.integers(-2**63, 2**64 - 1), st.floats(allow_nan=False, allow_infinity=False),
                    st.sampled_from([0.0, -0.0, 1e-5, 1.5e-7, 0.0001, 1e16, 1e15, 123456789012345678.0, 5e-324,
                                     1.7976931348623157e308, 10.0, 0.1 + 0.2, 2**64, -2**63 - 1, 10**30]))
scalars = st.one_of(text, numbers, st.booleans(), st.none())
trees = st.recursive(scalars, lambda children: st.one_of(st.lists(children, max_size=4),
                                                          st.dictionaries(text, children, max_size=4)),
                     max_leaves=20)


@settings(max_examples=250, deadline=None)
@given(st.dictionaries(text, trees, max_size=6))
def test_same_bytes_as_the_standard_library(doc):
    assert dump(doc) == stdlib_dump(doc)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 2), text), max_size=5))
def test_non_string_keys_and_tuples_as_the_standard_library(items):
    doc = {"k": {i: v for i, v in items}, "t": tuple(v for _, v in items)}
    assert dump(doc) == stdlib_dump(doc)


def test_dashboard_shape():
    doc = {"panels": [{"id": 1, "gridPos": {"h": 4, "w": 4, "x": 0, "y": 0}, "title": "SLI (30d)",
                       "fieldConfig": {"defaults": {"thresholds": {"steps": [{"color": "red", "value": None},
                                                                             {"color": "green", "value": 0.999}]},
                                                    "decimals": 3}, "overrides": []},
                       "targets": [{"expr": 'slo:objective{obskit_service="api"}', "instant": True}]}],
           "templating": {"list": []}, "title": "Überblick"}
    out = dump(doc)
    assert out == stdlib_dump(doc)
    assert out.startswith(b'{\n  "panels": [\n    {\n      "fieldConfig": {')
    assert "Überblick".encode() in out and out.endswith(b"}\n")


def test_floats_orjson_writes_otherwise_fall_back():
    for value in (1e-05, 2.5e-05, 1.5e-07, 5e-324):
        assert dump({"v": value}) == (json.dumps({"v": value}, indent=2) + "\n").encode()


def test_non_finite_numbers_are_json_null():
    # Python's encoder writes NaN, which is not JSON; dump writes null (authored dashboards holding
    # NaN keep Python's rendering: see render()).
    assert dump({"v": math.nan, "w": math.inf}) == b'{\n  "v": null,\n  "w": null\n}\n'
