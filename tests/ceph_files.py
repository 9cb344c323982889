"""Ceph's published rules and dashboards, from Debian's packages (never copied into the repository).

``scripts/setup.sh`` installs ``ceph-prometheus-alerts`` and ``ceph-grafana-dashboards``; a test that
needs them skips on a machine without them, and fails under CI=true (like ``servers.require``)."""
from __future__ import annotations

from pathlib import Path
from typing import List

import pytest

from servers import IN_CI

ALERTS = Path("/etc/prometheus/ceph/ceph_default_alerts.yml")
DASHBOARDS = Path("/etc/grafana/dashboards/ceph-dashboard")
PACKAGES = {ALERTS: "ceph-prometheus-alerts", DASHBOARDS: "ceph-grafana-dashboards"}


def require(path: Path) -> Path:
    if not path.exists():
        msg = f"{path} is missing: apt-get install -y {PACKAGES[path]} (scripts/setup.sh installs it)"
        if IN_CI:
            pytest.fail(msg + "; CI must have it.", pytrace=False)
        pytest.skip(msg)
    return path


def alerts() -> Path:
    return require(ALERTS)


def dashboards() -> List[Path]:
    return sorted(require(DASHBOARDS).glob("*.json"))
