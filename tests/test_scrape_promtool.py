"""Python's relabel and regex validation against the real promtool (Prometheus 2.42, Debian).

* every error the model reports for a case Prometheus also refuses is refused by promtool;
* property (hypothesis): whatever relabel steps the model accepts, promtool accepts in a static
  scrape config, including steps drawn from a mix of valid and broken field values;
* property: a regex passes the Python RE2 check exactly when promtool compiles it;
* every prometheus*.yml of the reference build passes promtool 3.5.1 and 3.16.0 whole (Kubernetes
  discovery included), and the build checks with the floor's promtool, stripping only for one
  without Kubernetes discovery.
"""
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from conftest import render_and_verify
from obskit.errors import DefinitionError
from obskit.model.prometheus_config import regex as rx
from obskit.model.scrape import ACTIONS, Relabel
from obskit.render.prometheus_config import relabel_dict
from tests.conftest import require_tool
from tests.test_scrape_model import INVALID, VALID


def promtool_check(steps):
    """promtool check config on one static job with these relabel_configs (plain dicts)."""
    from obskit.verify.tools import run
    doc = {"scrape_configs": [{"job_name": "probe", "static_configs": [{"targets": ["localhost:9090"]}],
                               "relabel_configs": steps, "metric_relabel_configs": steps}]}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "prometheus.yml"
        path.write_text(yaml.safe_dump(doc))
        return run("promtool", ["check", "config", str(path)])


def test_every_valid_action_passes_promtool(promtool):
    res = promtool_check([relabel_dict(Relabel(**kw)) for kw in VALID.values()])
    assert res.ok, res.output


REFUSED_BY_BOTH = [(kw, code) for kw, code, _w, both in INVALID if both]


@pytest.mark.parametrize("kwargs,code", REFUSED_BY_BOTH, ids=[f"{c}-{i}" for i, (_, c) in enumerate(REFUSED_BY_BOTH)])
def test_errors_match_promtool(kwargs, code, promtool):
    with pytest.raises(DefinitionError):
        Relabel(**kwargs)
    raw = {k: (list(v) if isinstance(v, (list, tuple)) else v) for k, v in kwargs.items()}
    res = promtool_check([raw])
    assert not res.ok, f"promtool accepted {raw} that obskit refuses as {code}"


# --- property: accepted by obskit ⇒ accepted by promtool ------------------------------------------------
label_names = st.from_regex(r"[a-zA-Z_][a-zA-Z0-9_]{0,12}", fullmatch=True)
bad_label_names = st.sampled_from(["1abc", "a-b", "a.b", "", "ä"])
regex_parts = st.sampled_from([
    "(.*)", "(.+)", "[a-z]+", "a|b", r"\d+", r"([^:]+):(\d+)", "x{1,3}", "(?i)abc", r"\p{L}+", "[[:alpha:]]",
    r"\Q.*\E", "(?P<n>a)", "^a$", r"\.", "",
    # refused by Prometheus:
    "(?=a)", "(", "a{1001}", r"\C", "(?<n>a)", r"(a)\1", "a++", "[z-a]", "*",
])
regexes = st.lists(regex_parts, min_size=1, max_size=3).map("".join)
templates = st.sampled_from(["$1", "${1}", "$1:$2", "x_$1", "label_${1}", "", "1bad", "a-b", "${name}"])


@st.composite
def relabel_kwargs(draw):
    action = draw(st.sampled_from(ACTIONS + ("bogus",)))
    kw = {"action": draw(st.sampled_from([action, action.upper()]))}
    if draw(st.booleans()):
        kw["source_labels"] = draw(st.lists(st.one_of(label_names, bad_label_names), min_size=1, max_size=3))
    if draw(st.integers(0, 4)) == 0:
        kw["separator"] = draw(st.sampled_from([";", ",", "/", ""]))
    if draw(st.booleans()):
        kw["regex"] = draw(regexes)
    if draw(st.booleans()):
        kw["target_label"] = draw(st.one_of(label_names, bad_label_names, templates))
    if draw(st.booleans()):
        kw["replacement"] = draw(templates)
    if draw(st.integers(0, 3)) == 0:
        kw["modulus"] = draw(st.integers(-1, 20))
    return kw


def _accepted(kwargs_list):
    steps = []
    for kw in kwargs_list:
        try:
            steps.append(Relabel(**kw))
        except DefinitionError:
            continue
    return steps


@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(st.lists(relabel_kwargs(), min_size=1, max_size=12))
@example([{"action": "hashmod", "source_labels": ["a"], "target_label": "b", "modulus": 3},
          {"action": "replace", "target_label": "label_${1}", "source_labels": ["x"], "regex": "(.*)"}])
def test_whatever_obskit_accepts_promtool_accepts(kwargs_list):
    require_tool("promtool")
    steps = _accepted(kwargs_list)
    if not steps:
        return
    res = promtool_check([relabel_dict(s) for s in steps])
    assert res.ok, f"{res.output}\nsteps: {[relabel_dict(s) for s in steps]}"


# --- property: the RE2 check agrees with Go's regexp in promtool --------------------------------------------
regex_alphabet = st.sampled_from(list("ab.()[]{}|*+?^$\\:;-,0129PLCZzdwsQE<>=!") + ["(?", "(?P<", "(?<", "\\p{", "[[:"])


@settings(max_examples=50, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(regex_alphabet, min_size=1, max_size=8).map("".join))
@example(r"\p{Greek}+")
@example("(?U)a*")
@example("a**")
def test_regex_check_agrees_with_promtool(pattern):
    require_tool("promtool")
    ours = rx.problem(pattern)
    res = promtool_check([{"action": "keep", "source_labels": ["a"], "regex": pattern}])
    assert (ours is None) == res.ok, f"pattern {pattern!r}: obskit says {ours!r}; promtool: {res.output}"


# --- the reference build, whole, under the Go-built promtools (with Kubernetes discovery) -------------------
REFERENCE_PROMTOOLS = [v for v in __import__("servers").versions("promtool") if not v.startswith("2.")]


@pytest.fixture(scope="module")
def reference_build(tmp_path_factory):
    """Every file of the repository's reference build (obskit's render of the repo root), on disk so
    that the configs' relative rule_files resolve."""
    from obskit.build import render_project
    from obskit.loader import load_project
    root = Path(__file__).resolve().parent.parent
    out = tmp_path_factory.mktemp("reference-build")
    for rel, data in render_project(load_project(root)).items():
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_bytes(data)
    return out


@pytest.mark.parametrize("version", REFERENCE_PROMTOOLS)
def test_reference_configs_pass_promtool_3_unstripped(version, reference_build):
    """Every generated prometheus*.yml, kubernetes_sd_configs included, passes promtool check config of
    3.5.1 and 3.16.0 (which are built with Kubernetes discovery); the build's check uses the same
    promtool for a 3.x floor and strips nothing."""
    from servers import require
    from obskit.targets.prometheus_config import check_config, has_kubernetes_sd
    tool = require("promtool", version)
    assert has_kubernetes_sd(tool)
    configs = sorted(p.relative_to(reference_build).as_posix()
                     for p in (reference_build / "prometheus").glob("prometheus*.yml"))
    assert len(configs) >= 5
    with_k8s = 0
    for rel in configs:
        with_k8s += "kubernetes_sd_configs" in (reference_build / rel).read_text()
        result, stripped = check_config(reference_build, rel, tool=tool)
        assert stripped == []
        assert result.ok, f"{tool.label} on {rel}:\n{result.output}"
    assert with_k8s, "the reference build should scrape through Kubernetes discovery somewhere"


def test_debian_promtool_is_detected_without_kubernetes_sd():
    """The stripped copy is kept only for a promtool that refuses kubernetes_sd_configs (Debian's 2.42),
    found by running it, not by its version."""
    from servers import require
    from obskit.targets.prometheus_config import has_kubernetes_sd
    assert not has_kubernetes_sd(require("promtool", "2.42"))


@pytest.mark.parametrize("floor,stripped", [("2.42", True), ("3.5", False), ("3.16", False)])
def test_build_checks_config_with_the_floors_promtool(floor, stripped, tmp_path, capsys):
    """obskit build's config check runs the promtool of prometheus_version, whole when it can."""
    from servers import require
    from obskit.build import render_project
    from obskit.loader import load_project
    from obskit.targets.prometheus_config import PrometheusConfigTarget
    require("promtool", floor)
    (tmp_path / "telemetry").mkdir()
    (tmp_path / "telemetry" / "scrape.py").write_text(
        "from obskit.model.scrape import PrometheusConfig, kubernetes_pods\n"
        "server = PrometheusConfig(rule_files=())\n"
        'pods = kubernetes_pods("pods", namespaces=["shop"])\n')
    (tmp_path / "obskit.toml").write_text(f'[project]\nprometheus_version = "{floor}"\n')
    target = PrometheusConfigTarget()
    render_and_verify(target, load_project(tmp_path), tmp_path / "out")
    err = capsys.readouterr().err
    assert ("checked everything but the kubernetes_sd_configs of pods" in err) == stripped, err
    assert ("promtool 2.42" in err) == stripped
