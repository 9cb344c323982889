"""Against a real Grafana: runs only when GRAFANA_URL and GRAFANA_TOKEN are set (skipped otherwise,
in CI too: no Grafana server can be installed there). Everything it creates lives under a random
uid prefix and is removed at the end.

    GRAFANA_URL=http://localhost:3000 GRAFANA_TOKEN=glsa_... python -m pytest tests/test_apply_live.py
"""
from __future__ import annotations

import io
import os
import uuid

import pytest

from grafana_standin import dashboard, write_output
from obskit.apply import normalise as N
from obskit.apply.client import Credentials, GrafanaClient
from obskit.cli.commands.grafana_common import EXIT_CHANGES, run
from obskit.cli.main import parser

pytestmark = pytest.mark.skipif(not (os.environ.get("GRAFANA_URL") and os.environ.get("GRAFANA_TOKEN")),
                                reason="set GRAFANA_URL and GRAFANA_TOKEN to run against a real Grafana")


@pytest.fixture
def live(tmp_path):
    prefix = f"obskit-live-{uuid.uuid4().hex[:8]}"
    client = GrafanaClient(os.environ["GRAFANA_URL"], Credentials.from_env())
    yield prefix, client, tmp_path / "out"
    for hit in client.search(tag=N.MANAGED_TAG):
        if hit.get("uid", "").startswith(prefix):
            client.delete_dashboard(hit["uid"])
    for suffix in ("f", "g"):
        client.delete_folder(f"{prefix}-{suffix}")
    if client.get_datasource(f"{prefix}-ds"):
        client.delete_datasource(f"{prefix}-ds")


def cli(out, *argv):
    args = parser().parse_args([argv[0], "--from", str(out), *argv[1:]])
    o, e = io.StringIO(), io.StringIO()
    rc = run(args, apply=argv[0] == "apply", stdout=o, stderr=e)
    return rc, o.getvalue() + e.getvalue()


def test_live_apply_idempotent_drift_prune(live):
    prefix, client, out = live
    folders = {f"{prefix}-f": f"{prefix} F", f"{prefix}-g": f"{prefix} G"}
    dash = {f"{prefix}-f": [dashboard(f"{prefix}-a", f"{prefix} A", 2)],
            f"{prefix}-g": [dashboard(f"{prefix}-b", f"{prefix} B")]}
    ds = [{"name": f"{prefix} prom", "type": "prometheus", "uid": f"{prefix}-ds", "url": "http://prometheus:9090",
           "access": "proxy", "jsonData": {"timeInterval": "30s"}}]
    write_output(out, folders, dash, ds)
    rc, text = cli(out, "apply", "--owner", prefix)   # its own owner: --prune below cannot touch anything else
    assert rc == 0, text
    rc, text = cli(out, "apply", "--owner", prefix)
    assert rc == 0 and "0 created, 0 updated" in text and " 0 write(s)" in text, text   # Grafana adds nothing we compare
    rc, text = cli(out, "diff", "--owner", prefix)
    assert rc == 0, text

    remote = client.get_dashboard(f"{prefix}-a")
    edited = dict(remote["dashboard"], title=f"{prefix} A edited in the UI")
    client.save_dashboard(edited, f"{prefix}-f", overwrite=False, message="simulated UI edit")
    rc, text = cli(out, "apply", "--owner", prefix)
    assert rc == EXIT_CHANGES and "drift" in text, text
    rc, text = cli(out, "apply", "--force", "--owner", prefix)
    assert rc == 0, text

    write_output(out, {f"{prefix}-f": folders[f"{prefix}-f"]}, {f"{prefix}-f": dash[f"{prefix}-f"]}, ds)
    rc, text = cli(out, "apply", "--prune", "--owner", prefix)
    assert rc == 0, text
    assert client.get_dashboard(f"{prefix}-b") is None and client.get_folder(f"{prefix}-g") is None
    assert client.get_dashboard(f"{prefix}-a") is not None
