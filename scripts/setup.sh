#!/usr/bin/env bash
# Install everything obskit needs on a Debian machine (run as root):
# - promtool, prometheus (package prometheus) and amtool, alertmanager (prometheus-alertmanager);
# - Python's venv, Node.js and strace (fault tests) where missing;
# - Ceph's alert rules and dashboards (ceph-prometheus-alerts, ceph-grafana-dashboards: import tests);
# - obskit with its test dependencies in .venv (Debian's Python refuses system-wide pip installs);
# - the LogQL grammar (npm package @grafana/lezer-logql) used to check LogQL;
# - Prometheus 3.x (newest and LTS), Alertmanager 0.35, an OpenTelemetry Collector and Jaeger v2,
#   built from the pinned Go modules in tools/ by scripts/build-tools.sh (cached; skipped without Go).
# Prints how long each step took.
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
command -v promtool >/dev/null || need+=(prometheus)
command -v amtool >/dev/null || need+=(prometheus-alertmanager)
command -v python3 >/dev/null || need+=(python3)
python3 -c 'import venv, ensurepip' 2>/dev/null || need+=(python3-venv)
command -v npm >/dev/null || need+=(nodejs npm)
command -v strace >/dev/null || need+=(strace)   # the build fault tests inject faults with it
# Ceph's published alerts and dashboards: real rule sets and old-schema dashboards for the import tests
[ -f /etc/prometheus/ceph/ceph_default_alerts.yml ] || need+=(ceph-prometheus-alerts)
[ -d /etc/grafana/dashboards/ceph-dashboard ] || need+=(ceph-grafana-dashboards)
step() { local t=$SECONDS; "$@"; echo "setup: $* took $(( SECONDS - t )) s"; }
apt_install() {
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
}
[ "${#need[@]}" -eq 0 ] || step apt_install
[ -x .venv/bin/python ] || python3 -m venv .venv
step .venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test]'
step npm ci --prefix obskit/verify/logql --no-audit --no-fund --loglevel=error  # LogQL grammar (docs/logs-and-traces.md)
step scripts/build-tools.sh
