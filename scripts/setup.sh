#!/usr/bin/env bash
# Install everything obskit needs on Debian (run as root): promtool/amtool from Debian's packages,
# and obskit itself with its test dependencies.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v promtool >/dev/null || ! command -v amtool >/dev/null; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends prometheus prometheus-alertmanager >/dev/null
fi
python3 -m pip install -q -e '.[test]'
npm ci --prefix obskit/verify/logql --no-audit --no-fund --loglevel=error  # LogQL grammar (docs/logs-and-traces.md)
