"""Render and validate 1,000 generated dashboards; prints the time of each stage.

500 services with an availability and a latency SLO each give 500 SLO detail and 500 RED
dashboards (plus the SLO overview, reported apart). Run: python bench/dashboards.py [services]
"""
import json
import sys
import time
from pathlib import Path

from obskit import SLO, LatencySLI, RatioSLI
from obskit.compile.dashboards.project import compile_dashboards
from obskit.project import Project, Settings
from obskit.render.grafana import render
from obskit.verify.grafana_schema import validate_dashboard


def slos(services: int):
    out = []
    for i in range(services):
        job = f'job="svc-{i}"'
        out.append(SLO(service=f"svc-{i}", name="availability", objective=99.9,
                       sli=RatioSLI(total=f"http_requests_total{{{job}}}",
                                    errors=f'http_requests_total{{{job},code=~"5.."}}')))
        out.append(SLO(service=f"svc-{i}", name="latency", objective=99.0,
                       sli=LatencySLI(histogram=f"http_request_duration_seconds{{{job}}}", threshold=0.5,
                                      buckets=(0.1, 0.5, 1.0))))
    return out


def main(services: int = 500) -> None:
    t0 = time.perf_counter()
    project = Project(root=Path("."), settings=Settings(), definitions=tuple(slos(services)))
    t1 = time.perf_counter()
    compiled, diags = compile_dashboards(project)
    assert not diags, diags
    t2 = time.perf_counter()
    rendered = {d.uid: render(d, 42) for d in compiled.dashboards}
    t3 = time.perf_counter()
    problems = [p for data in rendered.values() for p in validate_dashboard(json.loads(data), 42)]
    t4 = time.perf_counter()
    assert not problems, problems[:5]
    per_service = len(rendered) - 1
    size = sum(len(b) for b in rendered.values())
    print(f"services: {services}  dashboards: {per_service} (+1 SLO overview with {2 * services} SLOs)")
    print(f"define SLOs   {t1 - t0:7.3f} s")
    print(f"compile       {t2 - t1:7.3f} s")
    print(f"render        {t3 - t2:7.3f} s  ({size / 1e6:.1f} MB of JSON)")
    print(f"validate      {t4 - t3:7.3f} s  (document, panels, options, queries)")
    print(f"render+validate per dashboard: {1000 * (t4 - t2) / len(rendered):.2f} ms")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 500)
