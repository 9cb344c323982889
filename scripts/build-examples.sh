#!/usr/bin/env bash
# The main job on the bundled definitions: build the quick-start example and the repository's own
# reference monitoring (slos/, alerts/, dashboards/, telemetry/), then prove the example's alerts.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"
obskit build examples/quickstart
obskit test examples/quickstart
obskit build .
