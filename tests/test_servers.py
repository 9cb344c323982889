"""The test servers themselves: a server that cannot start says why, with its last log lines."""
from __future__ import annotations

import pytest

from servers import require, start_alertmanager, start_prometheus, versions


@pytest.mark.parametrize("version", versions("prometheus"))
def test_a_prometheus_that_fails_to_start_shows_its_log(tmp_path, version):
    tool = require("prometheus", version)
    with pytest.raises(RuntimeError) as exc:
        start_prometheus(tool, tmp_path, "global: {scrape_interval: 15s}\nno_such_key: 1\n")
    text = str(exc.value)
    assert f"{tool.label} exited with" in text and "no_such_key" in text


@pytest.mark.parametrize("version", versions("alertmanager"))
def test_an_alertmanager_that_fails_to_start_shows_its_log(tmp_path, version):
    tool = require("alertmanager", version)
    with pytest.raises(RuntimeError) as exc:
        start_alertmanager(tool, tmp_path, "route: {receiver: nowhere}\nreceivers: [{name: x}]\n")
    assert f"{tool.label} exited with" in str(exc.value) and "nowhere" in str(exc.value)
