"""The small things of the first hour (#15 item 8): objective=0.999, init's pytest file, --no-plots links,
a file-only Secret, the preset's status label."""
import subprocess
import sys

import pytest

from obskit import SLO, RatioSLI, presets
from obskit.errors import DefinitionError

SLI = RatioSLI(total='http_requests_total{job="api"}', errors='http_requests_total{job="api",code=~"5.."}')


@pytest.mark.parametrize("objective, hint", [(0.999, "did you mean 99.9?"), (0.95, "did you mean 95?")])
def test_objective_as_a_fraction_hints_the_percentage(objective, hint):
    with pytest.raises(DefinitionError) as exc:
        SLO(service="api", name="a", objective=objective, sli=SLI)
    [d] = exc.value.diagnostics
    assert d.code == "bad-objective" and "is a percentage" in d.message and d.hint == hint


def test_init_tests_follow_the_project_not_the_example_file(tmp_path):
    from obskit.scaffold import FILES, init
    assert "example.py" not in FILES["tests/test_example.py"]
    init(tmp_path / "p")
    (tmp_path / "p" / "slos" / "example.py").rename(tmp_path / "p" / "slos" / "checkout.py")
    r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
                       cwd=tmp_path / "p", capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def test_no_plots_means_no_plot_links():
    from obskit.report.attributes import Measurement, Scenario
    from obskit.report.writer import Section, index_html, markdown
    sc = Scenario(slo_id="api-a", tier="page", label="6x burn", burn=6, step=60, history=3600, length=3600,
                  recovery=3600, phases=())
    sections = [Section("api-a", "api / a", [Measurement(sc, (3700,), 60.0, 30 * 86400)])]
    assert ".png" in markdown(sections, []) and ".png" in index_html(sections, [])
    md, page = markdown(sections, [], plots=False), index_html(sections, [], plots=False)
    assert ".png" not in md and "plot" not in md.split("\n## ")[1]
    assert ".png" not in page and "<img" not in page


def test_file_only_secret(tmp_path):
    from obskit.build import build
    from obskit.model.alertmanager import Secret
    assert Secret(path="/run/secrets/slack-url").file_only and not Secret(name="am", key="k").file_only
    with pytest.raises(ValueError, match="name= and key=.*or path= alone"):
        Secret()
    (tmp_path / "p" / "alerts").mkdir(parents=True)
    (tmp_path / "p" / "alerts" / "routing.py").write_text(
        "from obskit.model.alertmanager import Alertmanager, Receiver, Route, Slack, Secret\n"
        "am = Alertmanager(route=Route(receiver='team'), receivers=[Receiver(name='team', integrations=[\n"
        "    Slack(channel='#alerts', api_url=Secret(path='/run/secrets/slack-url'))])])\n")
    result = build(tmp_path / "p", tmp_path / "out", verify=False)
    assert "api_url_file: /run/secrets/slack-url" in result.files["alertmanager/alertmanager.yml"].decode()
    # an AlertmanagerConfig can refer to Kubernetes Secrets only: none is written
    assert not any(p.startswith("kubernetes/") and "alertmanager" in p for p in result.files)


def test_preset_status_label():
    assert str(presets.prometheus_client_http_availability({"job": "api"}).errors) == \
        'http_requests_total{job="api",status=~"5.."}'
    assert str(presets.prometheus_client_http_availability({"job": "api"}, status_label="code").errors) == \
        'http_requests_total{job="api",code=~"5.."}'
    assert 'status_code=~"5.."' in str(presets.nginx_ingress_availability(status_label="status_code").errors)
