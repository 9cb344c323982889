"""Schema validation runs in jsonschema-rs first and in Python's jsonschema only for the messages:
both must agree on what is valid, on real dashboards and on broken variants of them."""
import copy
import json
from pathlib import Path

from hypothesis import given, settings, strategies as st

from obskit.verify.grafana_schema import _validator, schema_dir, validate_dashboard

GOLDEN = sorted(Path(__file__).parent.joinpath("golden", "grafana").rglob("*.json"))
DOCS = [d for d in (json.loads(p.read_text()) for p in GOLDEN if "dashboards" in p.parts)
        if "apiVersion" not in d]          # classic dashboards (schema v2: test_grafana_v2.py)
V2_DOCS = [d for d in (json.loads(p.read_text()) for p in GOLDEN if "dashboards" in p.parts) if "apiVersion" in d]
PANELS = [p for d in DOCS for p in d.get("panels", []) if p.get("type") != "row"]


def _agree(validator, instance) -> None:
    fast = validator.fast.is_valid(instance)
    full = not list(validator.full.iter_errors(instance))
    assert fast == full, (fast, full, instance)


def _custom(panel):
    config = panel.get("fieldConfig")
    defaults = config.get("defaults") if isinstance(config, dict) else None
    return defaults.get("custom") if isinstance(defaults, dict) else None


def _checks(panel):
    d = str(schema_dir())
    yield _validator(d, "dashboard", "Panel"), panel
    kind = panel.get("type")
    for definition, part in (("Options", panel.get("options")), ("FieldConfig", _custom(panel))):
        v = _validator(d, kind, definition) if kind in ("stat", "timeseries", "table", "text") else None
        if v is not None and part is not None:
            yield v, part
    for t in panel.get("targets") if isinstance(panel.get("targets"), list) else []:
        yield _validator(d, "prometheus", None), t


def test_golden_dashboards_are_found_and_valid():
    assert len(DOCS) >= 5 and len(PANELS) >= 20
    for doc in DOCS:
        assert validate_dashboard(doc) == []
        _agree(_validator(str(schema_dir()), "dashboard", None), doc)


def test_v2_golden_dashboards_agree_in_both_validators():
    """The schema derived from grafana-foundation-sdk's v2 types: jsonschema-rs and jsonschema agree."""
    from obskit.verify.grafana_schema import _v2_validator
    assert len(V2_DOCS) >= 5
    for doc in V2_DOCS:
        _agree(_v2_validator(doc["apiVersion"]), doc)


json_values = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(-3, 30), st.floats(-1, 2),
                                     st.sampled_from(["", "auto", "list", "table", "percentunit", "A", "none",
                                                      "bottom", "x" * 50])),
                           lambda c: st.one_of(st.lists(c, max_size=3), st.dictionaries(st.sampled_from(
                               ["mode", "h", "w", "x", "y", "value", "color", "calcs", "id"]), c, max_size=3)),
                           max_leaves=6)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(range(len(PANELS)) if PANELS else [0]), st.data())
def test_both_validators_agree_on_broken_panels(index, data):
    panel = copy.deepcopy(PANELS[index])
    # break one field somewhere in the panel: a top-level field, an option or a target field
    where = data.draw(st.sampled_from(["top", "options", "defaults", "custom", "target", "gridPos"]))
    value = data.draw(json_values)
    if where == "top":
        panel[data.draw(st.sampled_from(sorted(panel) + ["bogus"]))] = value
    elif where == "options" and isinstance(panel.get("options"), dict):
        panel["options"][data.draw(st.sampled_from(sorted(panel["options"]) + ["bogus"]))] = value
    elif where in ("defaults", "custom") and isinstance(panel.get("fieldConfig"), dict):
        target = panel["fieldConfig"]["defaults"]
        if where == "custom":
            target = target.setdefault("custom", {})
        target[data.draw(st.sampled_from(sorted(target) + ["unit", "thresholds", "decimals"]))] = value
    elif where == "target" and panel.get("targets"):
        t = panel["targets"][0]
        t[data.draw(st.sampled_from(sorted(t) + ["interval"]))] = value
    elif where == "gridPos":
        panel["gridPos"][data.draw(st.sampled_from(["h", "w", "x", "y"]))] = value
    for validator, instance in _checks(panel):
        _agree(validator, instance)


def test_a_broken_dashboard_reports_the_python_messages():
    doc = copy.deepcopy(DOCS[0])
    panel = next(p for p in doc["panels"] if p.get("type") != "row")
    panel["gridPos"]["h"] = "tall"
    problems = validate_dashboard(doc)
    assert any("gridPos/h: 'tall' is not of type 'integer'" in p for p in problems), problems


def test_table_cell_options_as_grafana_writes_them():
    """``{"type": "auto"}`` (Grafana's default) and a coloured background are valid cell options; an
    unknown display mode or an option of another cell type is not, in both validators."""
    v = _validator(str(schema_dir()), "table", "FieldConfig")
    base = {"align": "auto", "inspect": False}
    for cell, valid in (({"type": "auto"}, True), ({"type": "color-background", "mode": "gradient"}, True),
                        ({"type": "color-text"}, True), ({"type": "gauge", "mode": "lcd"}, True),
                        ({"type": "nope"}, False), ({"type": "auto", "mode": "gradient", "alt": "x"}, False)):
        instance = dict(base, cellOptions=cell)
        _agree(v, instance)
        assert (not list(v.full.iter_errors(instance))) is valid, cell
