"""Scale-out rule output (Mimir/Cortex namespaces, Thanos Ruler files) and SLO rule group sizing.

Golden files for both layouts, promtool on every generated file (Mimir files without their
``namespace:`` key), the wrapper shape mimirtool reads, the Mimir limit warnings, and a property test
of the group planner: at most 20 rules a group, every rule exactly once, readers after what they read.
"""
from __future__ import annotations

from conftest import render_and_verify

import re
import textwrap
from collections import Counter
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from obskit.build import render_project
from obskit.compile import conventions as conv
from obskit.compile.ir import AlertingRule, RecordingRule
from obskit.compile.project import compile_project
from obskit.compile.slo import compile_slo
from obskit.errors import DefinitionError, ToolError
from obskit.loader import load_project
from obskit.project import Project, Settings
from obskit.targets.scaleout import ScaleOut, check_mimir_namespace
from golden import assert_golden

GOLDEN = Path(__file__).parent / "golden" / "scaleout"
CASES = sorted(p.name for p in GOLDEN.iterdir() if (p / "obskit.toml").is_file())
PREFIXES = (conv.MIMIR_RULES_DIR + "/", conv.THANOS_RULES_DIR + "/")


def scaleout_files(project_dir: Path) -> dict:
    return {k: v for k, v in render_project(load_project(project_dir)).items() if k.startswith(PREFIXES)}


@pytest.mark.parametrize("case", CASES)
def test_golden(case):
    files = scaleout_files(GOLDEN / case)
    assert files
    assert_golden(files, GOLDEN / case / "expected")


def test_cases_cover_both_layouts():
    assert set(CASES) == set(conv.RULER_LAYOUTS)


def test_off_by_default():
    project = load_project(Path(__file__).parent / "golden" / "slo" / "ratio")
    assert project.settings.ruler_layout is None
    assert ScaleOut().render(project) == {}


def test_namespaces_are_the_prometheus_rule_files():
    """One namespace per SLO service and per module of hand-written rules; every group of the
    Prometheus build appears in exactly one namespace, under the same name and with the same rules."""
    rendered = render_project(load_project(GOLDEN / "mimir"))
    prom = {Path(k).stem: yaml.safe_load(v) for k, v in rendered.items() if k.startswith("prometheus/rules/")}
    mimir = {Path(k).stem: yaml.safe_load(v) for k, v in rendered.items() if k.startswith(conv.MIMIR_RULES_DIR)}
    assert sorted(mimir) == sorted(prom) == ["checkout", "platform-alerts", "search"]
    for ns, doc in mimir.items():
        assert list(doc) == ["namespace", "groups"] and doc["namespace"] == ns
        assert doc["groups"] == prom[ns]["groups"]


def test_thanos_files_are_plain_prometheus_rule_files():
    rendered = render_project(load_project(GOLDEN / "thanos"))
    for k, v in rendered.items():
        if k.startswith(conv.THANOS_RULES_DIR):
            assert v == rendered[f"prometheus/rules/{Path(k).stem}.yml"]   # no partial_response_strategy


@pytest.mark.parametrize("case", CASES)
def test_every_generated_file_passes_promtool(case, promtool, tmp_path):
    files = scaleout_files(GOLDEN / case)
    for rel, data in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(data)
    ScaleOut().verify(tmp_path, files)      # promtool check rules on every file (Mimir: groups only)


def test_verify_fails_on_a_broken_expression(promtool, tmp_path):
    files = scaleout_files(GOLDEN / "mimir")
    rel = f"{conv.MIMIR_RULES_DIR}/search.yaml"
    broken = files[rel].replace(b"sum(rate(", b"sum(rate((", 1)
    assert broken != files[rel]
    files[rel] = broken
    for k, v in files.items():
        (tmp_path / k).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / k).write_bytes(v)
    with pytest.raises(ToolError, match="promtool check rules failed"):
        ScaleOut().verify(tmp_path, files)


def test_mimir_wrapper_shape_is_checked():
    good = scaleout_files(GOLDEN / "mimir")[f"{conv.MIMIR_RULES_DIR}/search.yaml"]
    path = f"{conv.MIMIR_RULES_DIR}/search.yaml"
    assert check_mimir_namespace(path, good) == []
    doc = yaml.safe_load(good)
    assert check_mimir_namespace(f"{conv.MIMIR_RULES_DIR}/other.yaml", good)       # namespace ≠ file name
    extra = yaml.safe_dump({**doc, "source_tenants": ["a"]}).encode()
    assert any("keys" in p for p in check_mimir_namespace(path, extra))
    twice = yaml.safe_dump({"namespace": "search", "groups": doc["groups"] * 2}, sort_keys=False).encode()
    assert any("unique" in p for p in check_mimir_namespace(path, twice))
    assert check_mimir_namespace(path, b"namespace: search\ngroups: []\n")
    assert check_mimir_namespace(path, b"namespace: search\n---\ngroups: []\n")


# --- settings and Mimir limit warnings -------------------------------------------------------------
def _project(tmp_path: Path, toml: str, slos: str = "", alerts: str = "") -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "obskit.toml").write_text(toml)
    if slos:
        (tmp_path / "slos").mkdir()
        (tmp_path / "slos" / "s.py").write_text(textwrap.dedent(slos))
    if alerts:
        (tmp_path / "alerts").mkdir()
        (tmp_path / "alerts" / "big.py").write_text(textwrap.dedent(alerts))
    return tmp_path


def test_unknown_layout_is_a_definition_error(tmp_path):
    with pytest.raises(DefinitionError, match=r"ruler_layout 'cortex' is not one of \['mimir', 'thanos'\]"):
        load_project(_project(tmp_path, '[project]\nruler_layout = "cortex"\n'))


MANY_SLOS = """
from obskit import SLO, RatioSLI
slos = [SLO(service=f"svc{i % 3}", name=f"s{i}", objective=99.9,
            sli=RatioSLI(total=f'requests_total{{job="j{i}"}}', errors=f'errors_total{{job="j{i}"}}'))
        for i in range(N)]
"""


def _warnings(project, code):
    return [d for d in project.warnings if d.code == code]


def test_warns_when_a_tenant_passes_mimirs_group_limit(tmp_path):
    # two groups per SLO with the default policy: 35 SLOs are 70 groups (at the limit), 36 are 72
    at_limit = load_project(_project(tmp_path / "a", '[project]\nruler_layout = "mimir"\n', MANY_SLOS.replace("N", "35")))
    assert not _warnings(at_limit, "ruler-tenant-groups")
    over = load_project(_project(tmp_path / "b", '[project]\nruler_layout = "mimir"\n', MANY_SLOS.replace("N", "36")))
    (w,) = _warnings(over, "ruler-tenant-groups")
    assert "72 rule groups in 3 namespaces" in w.message and "ruler_max_rule_groups_per_tenant" in w.message
    assert w.severity == "warning" and w.location.file == "obskit.toml"
    thanos = load_project(_project(tmp_path / "c", '[project]\nruler_layout = "thanos"\n', MANY_SLOS.replace("N", "36")))
    assert not _warnings(thanos, "ruler-tenant-groups")      # Thanos has no such limit


BIG_GROUP = """
from obskit.model.rules import RecordingRule, RuleGroup
big = RuleGroup(name="big", rules=tuple(
    RecordingRule(record=f"job:thing{i}:sum", expr=f"sum by (job) (thing{i})") for i in range(N)))
"""


def test_warns_on_a_hand_written_group_mimir_would_refuse(tmp_path):
    ok = load_project(_project(tmp_path / "a", '[project]\nruler_layout = "mimir"\n', alerts=BIG_GROUP.replace("N", "20")))
    assert not _warnings(ok, "ruler-group-too-big")
    big = load_project(_project(tmp_path / "b", '[project]\nruler_layout = "mimir"\n', alerts=BIG_GROUP.replace("N", "21")))
    (w,) = _warnings(big, "ruler-group-too-big")
    assert "21 rules" in w.message and "'big-alerts'" in w.message and w.location.file == "alerts/big.py"


# --- the group planner -----------------------------------------------------------------------------
def _reads(expr: str, record: str) -> bool:
    """Oracle independent of the planner's: the record name as a whole PromQL identifier."""
    return re.search(rf"(?<![A-Za-z0-9_:]){re.escape(record)}(?![A-Za-z0-9_:])", expr) is not None


def _all_rules(c):
    return list(c.window_rules) + list(c.metadata_rules) + [a for _, a in c.tier_alerts] + (
        [c.absent_alert] if c.absent_alert else [])


def _check_slo_groups(c):
    groups = c.groups()
    placed = [r for g in groups for r in g.rules]
    assert Counter(map(id, placed)) == Counter(map(id, _all_rules(c)))          # each rule exactly once
    for g in groups:
        assert 0 < len(g.rules) <= conv.MAX_RULES_PER_GROUP, g.name
        for i, rule in enumerate(g.rules):
            later = [r.record for r in g.rules[i + 1:] if isinstance(r, RecordingRule)]
            assert not [name for name in later if _reads(rule.expr, name)], (g.name, rule)
    chain = [g for g in groups if not g.name.endswith(tuple(f"-{conv.SLO_GROUP_SLOW}{s}" for s in ("", "-2")))]
    slow_records = {r.record for g in groups if g not in chain for r in g.rules if isinstance(r, RecordingRule)}
    for g in chain:      # no alert of the 1m chain reads a window recorded in the slow (4m) group
        for rule in g.rules:
            assert not [n for n in slow_records if _reads(rule.expr, n)], (g.name, rule)
    if len(chain) == 1:
        # one alerting group: every alert reads windows of the same evaluation
        recorded_in = {r.record: g.name for g in groups for r in g.rules if isinstance(r, RecordingRule)}
        for rule in chain[0].rules:
            if isinstance(rule, AlertingRule):
                for name, where in recorded_in.items():
                    if _reads(rule.expr, name):
                        assert where == chain[0].name, (rule.alert, name)
    return groups


DURATIONS = st.sampled_from(["12m", "24m", "36m", "1h", "2h", "3h", "6h", "12h", "1d", "2d", "3d", "4d"])


@st.composite
def slo_strategy(draw, i: int = 0):
    from obskit import SLO, AlertingPolicy, BurnWindow, RatioSLI, Tier

    def tier(name, severity):
        longs = draw(st.lists(DURATIONS, min_size=1, max_size=12, unique=True))
        return Tier(name=name, severity=severity,
                    windows=tuple(BurnWindow(long=w, factor=draw(st.sampled_from([1, 2, 6, 14.4]))) for w in longs))
    page = tier("page", "critical") if draw(st.booleans()) else None
    ticket = tier("ticket", "warning") if draw(st.booleans()) or page is None else None
    return SLO(service=f"svc{draw(st.integers(0, 2))}", name=f"slo{i}", objective=draw(st.sampled_from([99.0, 99.9])),
               period=draw(st.sampled_from(["7d", "28d", "30d"])),
               window_shape=draw(st.sampled_from(["preaggregated", "raw"])),
               sli=RatioSLI(total=f'requests_total{{job="j{i}"}}', errors=f'errors_total{{job="j{i}"}}'),
               alerting=AlertingPolicy(page=page, ticket=ticket, absent_for=draw(st.sampled_from([None, "10m"])),
                                       min_events=draw(st.sampled_from([None, 20]))))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_groups_property(data):
    """For random numbers of SLOs and windows: no group above 20 rules, every rule exactly once, and
    within a group every recording rule a later rule reads comes first (Prometheus evaluates in order)."""
    n = data.draw(st.integers(1, 4))
    try:
        slos = [data.draw(slo_strategy(i)) for i in range(n)]
    except DefinitionError:
        assume(False)
    interval = data.draw(st.sampled_from([30, 60, 300]))
    project = Project(root=Path("/nonexistent"), settings=Settings(evaluation_interval=interval),
                      definitions=tuple(slos))
    compiled = compile_project(project)
    names = []
    for c in compiled.slos:
        groups = _check_slo_groups(c)
        names += [g.name for g in groups]
        budget = [g for g in groups if f"-{conv.SLO_GROUP_SLOW}" in g.name]
        assert budget and all(g.interval == (conv.SLO_SLOW_INTERVAL if interval < 240 else None) for g in budget)
    assert len(names) == len(set(names))
    assert sorted(g.name for rf in compiled.rule_files for g in rf.groups) == sorted(names)


def test_split_chain_is_deterministic_and_named():
    from obskit import SLO, AlertingPolicy, BurnWindow, RatioSLI, Tier
    page = Tier(name="page", severity="critical",
                windows=tuple(BurnWindow(long=f"{h}h", factor=2) for h in range(1, 13)))
    # the raw shape: the alert reads its 24 recorded windows, so they are in the alerting chain
    slo = SLO(service="a", name="b", objective=99.9, window_shape="raw",
              sli=RatioSLI(total="t_total", errors="e_total"), alerting=AlertingPolicy(page=page, ticket=None))
    first, second = compile_slo(slo).groups(), compile_slo(slo).groups()
    assert first == second
    assert [g.name for g in first] == ["obskit-slo-a-b-sli", "obskit-slo-a-b-sli-2", "obskit-slo-a-b-slow"]
    assert [len(g.rules) for g in first] == [20, 5, 7]     # 24 windows + alert + absent; the figures slow
    _check_slo_groups(compile_slo(slo))
    # pre-aggregated: the alert computes its windows inline, the 24 recorded windows (dashboards only)
    # split the slow chain
    slo = SLO(service="a", name="b", objective=99.9, sli=RatioSLI(total="t_total", errors="e_total"),
              alerting=AlertingPolicy(page=page, ticket=None))
    pre = compile_slo(slo).groups()
    assert [g.name for g in pre] == ["obskit-slo-a-b-sli", "obskit-slo-a-b-slow", "obskit-slo-a-b-slow-2"]
    assert [len(g.rules) for g in pre] == [4, 20, 10]      # 2 base + alert + absent; 24 windows + 30d + 5 figures
    _check_slo_groups(compile_slo(slo))


def test_period_window_stays_with_an_alert_that_reads_it():
    from obskit import SLO, AlertingPolicy, BurnWindow, RatioSLI, Tier
    ticket = Tier(name="ticket", severity="warning", windows=(BurnWindow(long="7d", short="1d", factor=1),))
    slo = SLO(service="a", name="b", objective=99.9, period="7d", sli=RatioSLI(total="t_total", errors="e_total"),
              alerting=AlertingPolicy(page=None, ticket=ticket))
    groups = compile_slo(slo).groups()
    (with_alert,) = [g for g in groups if any(getattr(r, "alert", "").endswith("BudgetBurn") for r in g.rules)]
    records = [getattr(r, "record", None) for r in with_alert.rules]
    assert "slo:sli_error:ratio_rate7d" in records
    assert sum(getattr(r, "record", None) == "slo:sli_error:ratio_rate7d" for g in groups for r in g.rules) == 1
    # a ticket-only policy (1d short window) is a slow tier: its alert and windows run every 4m,
    # the window before the alert; the base rates stay in the 1m chain
    assert with_alert.name.endswith("-slow") and with_alert.interval == conv.SLO_SLOW_INTERVAL


GROUP_LABELS = """
from obskit.model.rules import AlertRule, RuleGroup
g = RuleGroup(name="g", labels={"team": "a"}, rules=(
    AlertRule(name="A", expr="x > 1", severity="info", summary="s", description="d"),
))
"""


@pytest.mark.parametrize("layout", ["thanos", "mimir"])
def test_ruler_files_are_checked_with_the_floors_promtool(layout, tmp_path):
    """Group labels (Prometheus 3.0) in a project whose floor is 3.5: the ruler files pass verify
    because it runs promtool 3.5.1; Debian's 2.42 would refuse them."""
    from servers import require
    from obskit.verify import promtool as pt
    new, old = require("promtool", "3.5"), require("promtool", "2.42")
    proj = tmp_path / "p"
    (proj / "alerts").mkdir(parents=True)
    (proj / "alerts" / "mod.py").write_text(GROUP_LABELS)
    (proj / "obskit.toml").write_text(f'[project]\nprometheus_version = "3.5"\nruler_layout = "{layout}"\n')
    target = ScaleOut()
    out = tmp_path / "out"
    render_and_verify(target, load_project(proj), out)
    if layout == "thanos":
        paths = sorted(out.rglob("*.yaml"))
        assert paths and pt.check_rules(paths, tool=new).ok
        assert not pt.check_rules(paths, tool=old).ok


def test_thanos_rules_check_accepts_the_thanos_output_and_the_build_runs_it(tmp_path):
    """The real ``thanos tools rules-check`` (tools/thanos) on obskit's Thanos Ruler files; a broken
    file fails it, so the build's check is not a formality."""
    from servers import require
    from obskit.errors import ToolError
    from obskit.targets.scaleout import check_thanos
    require("thanos")
    rendered = render_project(load_project(GOLDEN / "thanos"))
    paths = []
    for rel, data in rendered.items():
        if rel.startswith(conv.THANOS_RULES_DIR + "/"):
            p = tmp_path / rel.replace("/", "_")
            p.write_bytes(data)
            paths.append(str(p))
    assert paths
    check_thanos(paths)
    bad = tmp_path / "bad.yaml"
    bad.write_text("groups:\n- name: g\n  rules:\n  - alert: A\n    expr: sum(\n")
    with pytest.raises(ToolError, match="rules-check failed"):
        check_thanos([str(bad)])


@pytest.mark.parametrize("interval", [30, 60, 240, 300])
def test_fast_alerts_compute_windows_inline_only_beside_a_slow_group(interval):
    """With a slow (4m) group, the page alert computes its windows from the base rates and the -sli
    group holds 4 rules; the windows are recorded once, in the slow group. Without one (an interval of
    4m or more) every alert reads the recorded windows, recorded before it in -sli: computing them
    inline as well would evaluate them twice."""
    from obskit import SLO, RatioSLI
    slo = SLO(service="a", name="b", objective=99.9, sli=RatioSLI(total="t_total", errors="e_total"))
    c = compile_slo(slo, Settings(evaluation_interval=interval))
    groups = c.groups()
    sli = groups[0]
    page = c.alert_for("page")
    windows_read = {n for n in c.reads(page) if n.startswith("slo:sli_error:ratio_rate")}
    if interval < 240:
        assert [getattr(r, "record", None) or r.alert for r in sli.rules] == [
            "slo:sli_errors:rate2m", "slo:sli_total:rate2m", page.alert, c.absent_alert.alert]
        assert not windows_read and "sum_over_time(slo:sli_errors:rate2m" in page.expr
        slow = {r.record for g in groups[1:] for r in g.rules if isinstance(r, RecordingRule)}
        assert {"slo:sli_error:ratio_rate5m", "slo:sli_error:ratio_rate6h"} <= slow
    else:
        assert windows_read == {f"slo:sli_error:ratio_rate{w}" for w in ("5m", "30m", "1h", "6h")}
        records = [r.record for r in sli.rules if isinstance(r, RecordingRule)]
        assert windows_read <= set(records) and sli.rules.index(page) > max(
            records.index(n) for n in windows_read)
    _check_slo_groups(c)
