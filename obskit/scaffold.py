"""``obskit init``: a new project that builds and tests green at once.

The files are kept here as text (no package data to ship): one SLO, one threshold alert with a test,
one dashboard, Alertmanager routing with a route test, obskit.toml, README.md and a pytest example.
"""
from __future__ import annotations

from pathlib import Path
from typing import Dict, List

FILES: Dict[str, str] = {
    "obskit.toml": '''\
# obskit project settings (all optional); see the obskit documentation for every key.
[project]
prometheus_version = "2.42"     # the oldest Prometheus the rules must load in
alertmanager_version = "0.25"

[grafana]
version = "12"                  # the Grafana the dashboards target (11, 12 or 13)
prometheus_datasource_uid = "prometheus"   # the uid of the Prometheus datasource dashboards query
''',
    "slos/example.py": '''\
"""An example SLO: 99.9 % of the API's requests succeed over 30 days.

Change the selectors to your service's request counter. `obskit build` writes the recording rules
and burn-rate alerts; `obskit test` proves with promtool when they fire; `obskit report` measures it.
"""
from obskit import SLO, AlertingPolicy, RatioSLI, SLOScenario, At, healthy, outage

api_availability = SLO(
    service="example-api",
    name="availability",
    objective=99.9,
    description="Share of API requests answered without a 5xx.",
    sli=RatioSLI(
        total='http_requests_total{job="example-api"}',
        errors='http_requests_total{job="example-api",code=~"5.."}',
    ),
    # The page tier only, to keep the first `obskit test` fast. Delete `alerting=` for the SRE
    # Workbook's page and ticket tiers (the ticket tier's 3-day windows make its tests slower).
    alerting=AlertingPolicy(ticket=None),
)

# A scenario test: `obskit test` runs it with promtool.
outage_pages = SLOScenario(
    name="a 15 minute outage pages within minutes, and stops after recovery",
    slo=api_availability,
    phases=(healthy("6h5m"), outage("15m"), healthy("1h")),
    expect=(At(time="6h5m"), At(time="6h8m", firing=("page",)), At(time="7h20m")),
)
''',
    "alerts/example.py": '''\
"""A threshold alert with its test (`obskit test` runs it with promtool)."""
from obskit.model.rules import AlertRule, RuleGroup
from obskit.verify.alert_tests import AlertTest, Firing, Silent
from obskit.verify.series import Series

target_down = AlertRule(
    name="ExampleApiTargetDown",
    expr='up{job="example-api"} == 0',
    for_="5m",
    severity="critical",
    summary="example-api target {{ $labels.instance }} is down",
    description="Prometheus could not scrape {{ $labels.instance }} for 5 minutes.",
)

example_api = RuleGroup(name="example-api", rules=(target_down,))

target_down_test = AlertTest(
    name="a target down for 10 minutes fires after 5",
    rules=example_api,
    series=(Series("up", {"job": "example-api", "instance": "api-0"}).hold(5, 1).hold(15, 0),),
    expect=(
        Silent(alert="ExampleApiTargetDown", at="8m"),
        Firing(alert="ExampleApiTargetDown", at="12m", labels={"job": "example-api", "instance": "api-0"}),
    ),
)
''',
    "alerts/routing.py": '''\
"""Alertmanager routing: critical alerts to the on-call webhook, everything else to the team's."""
from obskit.model.alertmanager import Alertmanager, Receiver, Route, RouteTest, Webhook

alertmanager = Alertmanager(
    route=Route(
        receiver="team",
        group_by=["alertname", "obskit_service"],
        routes=[Route(receiver="oncall", matchers=['severity="critical"'])],
    ),
    receivers=[
        Receiver(name="team", integrations=[Webhook(url="http://alert-receiver.example:8080/team")]),
        Receiver(name="oncall", integrations=[Webhook(url="http://alert-receiver.example:8080/oncall")]),
    ],
)

route_tests = [
    RouteTest(name="a page goes to on-call",
              labels={"alertname": "ExampleApiAvailabilityBudgetBurn", "severity": "critical",
                      "obskit_service": "example-api", "obskit_tier": "page"},
              receivers=("oncall",)),
    RouteTest(name="a warning goes to the team",
              labels={"alertname": "Something", "severity": "warning"}, receivers=("team",)),
]
''',
    "dashboards/example.py": '''\
"""A hand-written dashboard (obskit also generates SLO and service dashboards by itself)."""
from obskit.model.dashboards import Dashboard

api = Dashboard({
    "title": "Example API",
    "tags": ["example"],
    "panels": [{
        "type": "timeseries", "title": "Requests per second",
        "gridPos": {"x": 0, "y": 0, "w": 24, "h": 8},
        "datasource": {"type": "prometheus", "uid": "${datasource}"},
        "targets": [{"refId": "A", "expr": 'sum by (code) (rate(http_requests_total{job="example-api"}[5m]))'}],
    }],
}, folder="Example")
''',
    "tests/test_example.py": '''\
"""Project tests in pytest, next to `obskit test`: build the project and prove its scenarios. They read
the project as obskit does (every file of slos/, alerts/, ...), so they keep working when you rename,
move or delete the example."""
from pathlib import Path

import pytest

from obskit.build import build
from obskit.compile.slo import compile_slo
from obskit.loader import load_project
from obskit.verify.runner import assert_pass
from obskit.verify.scenario import SLOScenario

ROOT = Path(__file__).resolve().parent.parent


def test_builds(tmp_path):
    result = build(ROOT, tmp_path / "build", verify=False)
    assert result.files


def test_scenarios_pass():
    project = load_project(ROOT)
    scenarios = project.of(SLOScenario)
    if not scenarios:
        pytest.skip("the project has no SLOScenario")
    assert_pass([s.test_file(compile_slo(s.slo, project.settings)) for s in scenarios])
''',
    "README.md": '''\
# {name}

Monitoring as code with [obskit](https://github.com/): SLOs, alerts, dashboards and routing in Python.

| folder | what |
| --- | --- |
| `slos/` | SLOs (`SLO`, `SLOScenario`) |
| `alerts/` | threshold alerts (`RuleGroup`, `AlertTest`) and Alertmanager routing |
| `dashboards/` | hand-written Grafana dashboards |
| `tests/` | pytest tests of the project |

```sh
obskit build            # writes build/: Prometheus rules, Alertmanager config, dashboards
obskit test             # proves the alerts and routes with promtool and amtool
obskit report           # when does each SLO alert fire? tables and plots in report/
```
''',
    ".gitignore": "build/\n.build.*\nreport/\n__pycache__/\n",
}


class InitError(Exception):
    pass


def init(directory: Path, name: str = "") -> List[Path]:
    """Write the project into ``directory`` (created; must be empty or absent)."""
    directory = Path(directory)
    if directory.exists() and any(directory.iterdir()):
        raise InitError(f"{directory} is not empty; choose a new or empty directory")
    written = []
    for rel, text in FILES.items():
        path = directory / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text.replace("{name}", name or directory.resolve().name))
        written.append(path)
    return written
