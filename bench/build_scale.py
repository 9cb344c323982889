#!/usr/bin/env python3
"""Build-scale benchmark: `obskit build` of N generated SLOs; prints wall time and peak memory.

    python bench/build_scale.py                 # 1,000 and 10,000 SLOs
    python bench/build_scale.py 1000 10000 50000 --verify

Each size runs in a fresh subprocess so that peak RSS (ru_maxrss) belongs to that build alone.
SLOs are spread over 100 services (one rule file each) and mix ratio and latency SLIs.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

MODULE = '''
from obskit import SLO, AlertingPolicy, RatioSLI, presets

SLOS = []
for i in range({n}):
    service = f"svc-{{i % 100}}"
    if i % 2:
        sli = RatioSLI(total=f'http_requests_total{{{{job="{{service}}",route="r{{i}}"}}}}',
                       errors=f'http_requests_total{{{{job="{{service}}",route="r{{i}}",code=~"5.."}}}}')
    else:
        sli = presets.prometheus_client_http_latency(0.25, {{"job": service, "route": f"r{{i}}"}})
    SLOS.append(SLO(service=service, name=f"slo-{{i}}", objective=99.9, sli=sli,
                    alerting=AlertingPolicy(min_events=100)))
'''

CHILD = '''
import json, resource, sys, time
from obskit.build import build
t0 = time.perf_counter()
result = build(sys.argv[1], sys.argv[2], verify=sys.argv[3] == "1")
elapsed = time.perf_counter() - t0
size = sum(len(b) for b in result.files.values())
print(json.dumps({"seconds": elapsed, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "files": len(result.files), "bytes": size}))
'''


def run(n: int, verify: bool) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        proj = Path(tmp) / "p"
        (proj / "slos").mkdir(parents=True)
        (proj / "slos" / "generated.py").write_text(textwrap.dedent(MODULE.format(n=n)))
        t0 = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", CHILD, str(proj), str(Path(tmp) / "out"), "1" if verify else "0"],
                             capture_output=True, text=True)
        if out.returncode:
            raise SystemExit(out.stderr)
        data = json.loads(out.stdout.strip().splitlines()[-1])
        data["process_seconds"] = time.perf_counter() - t0
        return data


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("sizes", nargs="*", type=int, default=[1000, 10000])
    ap.add_argument("--verify", action="store_true", help="also run promtool check rules")
    args = ap.parse_args()
    print(f"{'SLOs':>8} {'build s':>9} {'process s':>10} {'peak RSS MB':>12} {'files':>6} {'MB out':>7} {'ms/SLO':>7}")
    for n in args.sizes:
        d = run(n, args.verify)
        print(f"{n:>8} {d['seconds']:>9.2f} {d['process_seconds']:>10.2f} {d['peak_rss_mb']:>12.0f} "
              f"{d['files']:>6} {d['bytes'] / 1e6:>7.1f} {1000 * d['seconds'] / n:>7.2f}")


if __name__ == "__main__":
    main()
