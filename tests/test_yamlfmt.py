"""The fast YAML path must give exactly PyYAML's bytes, whatever the data."""
from hypothesis import given, settings, strategies as st

from obskit.render.yamlfmt import dump, pyyaml_dump

text = st.text(alphabet=st.sampled_from(list("abcXYZ019 _-.:#{}[]'\"\\|>%@!*&?,=+()$~\n\t/é")), max_size=30)
scalars = st.one_of(text, st.sampled_from(["yes", "no", "on", "null", "~", "1.0", "0x1F", "2024-01-01", "a: b",
                                           "x\ny", " x\ny", "x \ny", "x\n", "_", "y", "- a"]),
                    st.integers(-10**6, 10**6), st.floats(allow_nan=False), st.booleans(), st.none())
keys = st.one_of(text, st.sampled_from(["record", "expr", "labels", "on", "yes"]))
trees = st.recursive(scalars, lambda children: st.one_of(st.lists(children, max_size=4),
                                                          st.dictionaries(keys, children, max_size=4)),
                     max_leaves=20)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.dictionaries(keys, trees, min_size=1, max_size=5), st.lists(trees, min_size=1, max_size=5)))
def test_same_bytes_as_pyyaml(data):
    assert dump(data) == pyyaml_dump(data)


def test_rule_file_shape():
    data = {"groups": [{"name": "g", "rules": [{"record": "a:b:c", "expr": "sum(x)\n/\nsum(y)",
                                                "labels": {"team": "x y", "on": "yes"}}], "e": []}, {}]}
    assert dump(data) == pyyaml_dump(data)
    assert "expr: |-\n      sum(x)" in dump(data)


@settings(max_examples=100, deadline=None)
@given(st.lists(trees, min_size=1, max_size=4))
def test_a_sequence_written_again_at_another_depth(seq):
    # the emitter keeps recent sequences and shifts them: a rule file's groups, then the same groups
    # under spec: in the PrometheusRule object
    for data in ({"groups": seq}, {"kind": "x", "spec": {"groups": seq}}, {"spec": {"a": {"groups": seq}}},
                 {"groups": seq}, [{"groups": seq}]):
        assert dump(data) == pyyaml_dump(data)


def test_equal_but_differently_typed_sequences_are_not_confused():
    for seq in ([{"v": 1}], [{"v": 1.0}], [{"v": True}], [{"v": "1"}], [{"w": 1, "v": 1}], [{"v": 1, "w": 1}],
                [-0.0], [0.0], [{"v": -0.0}], [{"v": 0.0}]):      # 0.0 == -0.0: memos must tell them apart
        data = {"spec": {"groups": seq}}
        assert dump(data) == pyyaml_dump(data)


def test_sequences_of_other_than_plain_data_are_written_too():
    class Name(str):
        pass

    assert dump({"groups": [{"name": Name("a")}]}) == "groups:\n- name: a\n"
    assert dump({"spec": {"groups": [{"name": Name("a")}]}}) == "spec:\n  groups:\n  - name: a\n"


def test_promql_with_label_matchers_and_rule_names():
    exprs = ['sum(rate(http_requests_total{job="api",code=~"5.."}[5m]))',
             'slo:sli_error:ratio_rate5m{obskit_service="api"} > (14.4 * 0.001)', "label_replace(x, 'a', '$1', 'b', '(.*)')",
             'a:b: c', 'x:', 'x #comment', 'x#y', '"quoted"', "'q'", 'a :b', 'a: b']
    data = {"groups": [{"name": "g", "rules": [{"record": "a:b", "expr": e} for e in exprs]}]}
    assert dump(data) == pyyaml_dump(data)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab1 -:#'\"{}[]|>%@`!&*?,.~=+<")), min_size=1, max_size=40))
def test_one_line_strings_quoted_or_plain_as_pyyaml(value):
    """The printable-ASCII path (plain, or single-quoted when PyYAML would quote) at the depths of a
    rule's annotation and of a PrometheusRule's."""
    for data in ({"description": value}, {"a": [{"annotations": {"summary": value}}]}):
        assert dump(data) == pyyaml_dump(data)


def test_rule_annotations_with_templates():
    for value in ['The {{ $labels.job }} SLO: {{ $value | humanizePercentage }} failed.', "it's 5m: 'quoted'",
                  '{{ with query "up" }}{{ . | first | value }}{{ end }}', "a #b", "a: b", "ends with:", "- x", "yes"]:
        data = {"groups": [{"name": "g", "rules": [{"alert": "A", "expr": "up", "annotations": {"d": value}}]}]}
        assert dump(data) == pyyaml_dump(data)
