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
