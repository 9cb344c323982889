"""The rule-cost benchmark's data: backfilled history, its compaction, and the live counters after it.

Raw counters for N SLOs (15 instances x 2 status codes, 1m samples) plus the recorded series the shapes
read back over long windows (obskit's base rates, Sloth's 5m ratio behind its 30-day mean) are written as
OpenMetrics for ``promtool tsdb create-blocks-from openmetrics``; a Prometheus then compacts promtool's
2h blocks as a running one would hold them; from the end of the history an exporter on 127.0.0.1 serves
the same counters, continuing at the same rates, so every rule reads fresh samples and writes its
results into the head (results older than the backfilled blocks would be discarded as out of bounds).
"""
from __future__ import annotations

import http.server
import json
import subprocess
import threading
import time
from pathlib import Path

from obskit.compile import conventions as conv
from obskit.compile.windows import base_window
from obskit.verify.tools import ToolError, pick

INSTANCES = 15
RPS, ERROR_SHARE = 5.0, 0.0005          # 0.5x the 99.9 % budget: no tier fires


def write_openmetrics(path: Path, n: int, start: int, end: int, interval: int) -> int:
    """Raw counters (1m) and the recorded series the shapes read over long windows (every ``interval``)."""
    lines, step = 0, 60
    b = base_window(60)   # the bench's counters are scraped every minute (obskit's default)
    base = conv.errors_rate_record(b), conv.total_rate_record(b)
    with path.open("w") as fh:
        fh.write("# TYPE http_requests counter\n")
        for i in range(n):
            for inst in range(INSTANCES):
                for code, share in (("200", 1 - ERROR_SHARE), ("500", ERROR_SHARE)):
                    per_step = RPS * share * step
                    labels = f'code="{code}",instance="i{inst}",job="svc{i}"'
                    fh.write("".join(f"http_requests_total{{{labels}}} {k * per_step:.3f} {start + k * step}\n"
                                     for k in range((end - start) // step + 1)))
                    lines += (end - start) // step + 1
        recorded = [(base[0], 'obskit_service="svc{i}",obskit_slo="availability"', RPS * ERROR_SHARE * INSTANCES),
                    (base[1], 'obskit_service="svc{i}",obskit_slo="availability"', RPS * INSTANCES),
                    ("slo:sli_error:ratio_rate5m",
                     'sloth_id="svc{i}-availability",sloth_service="svc{i}",sloth_slo="availability",sloth_window="5m"',
                     ERROR_SHARE)]
        for name, labels, value in recorded:
            fh.write(f"# TYPE {name.replace(':', '_')} gauge\n")
            for i in range(n):
                ls = labels.format(i=i)
                fh.write("".join(f"{name}{{{ls}}} {value} {t}\n" for t in range(start, end + 1, interval)))
                lines += (end - start) // interval + 1
        fh.write("# EOF\n")
    return lines


def compact(blocks: Path, workdir: Path) -> str:
    """Let the oldest Prometheus compact the backfilled blocks (promtool writes 2h blocks, and a long
    window over 2h blocks pays a per-block cost no running Prometheus pays), until their number holds."""
    tool = pick("prometheus", "2.42") if has("prometheus", "2.42") else pick("prometheus")
    workdir.mkdir()
    (workdir / "prometheus.yml").write_text("global: {}\n")
    proc = subprocess.Popen([tool.path, f"--config.file={workdir / 'prometheus.yml'}", f"--storage.tsdb.path={blocks}",
                             f"--web.listen-address=127.0.0.1:{free_port()}", "--storage.tsdb.retention.time=60d",
                             "--log.level=warn"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=workdir)
    try:
        count, stable, begin = -1, 0, time.time()
        while stable < 10 or time.time() < begin + 90:   # its compaction loop first runs after a minute
            time.sleep(3)
            now = sum(1 for b in blocks.iterdir() if (b / "meta.json").exists())
            stable, count = (stable + 1, count) if now == count else (0, now)
    finally:
        proc.terminate()
        proc.wait(timeout=60)
    spans = sorted((json.loads((b / "meta.json").read_text())["maxTime"] - json.loads((b / "meta.json").read_text())["minTime"]) // 3_600_000
                   for b in blocks.iterdir() if (b / "meta.json").exists())
    return f"{len(spans)} blocks of " + ", ".join(f"{h}h" for h in spans)


def has(name: str, version: str) -> bool:
    try:
        pick(name, version)
        return True
    except ToolError:
        return False


def free_port() -> int:
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Counters:
    """The live side of the history: an exporter on 127.0.0.1 serving every SLO's counters as they
    continue from the backfilled ones (same rates), scraped every minute by each Prometheus."""

    def __init__(self, n: int, start: int):
        counters = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                body = counters.text().encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/plain; version=0.0.4")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *a):
                pass

        self.n, self.start = n, start
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def text(self) -> str:
        minutes = (time.time() - self.start) / 60
        out = ["# TYPE http_requests_total counter"]
        for i in range(self.n):
            for inst in range(INSTANCES):
                for code, share in (("200", 1 - ERROR_SHARE), ("500", ERROR_SHARE)):
                    out.append(f'http_requests_total{{code="{code}",instance="i{inst}",job="svc{i}"}} '
                               f"{minutes * RPS * share * 60:.3f}")
        return "\n".join(out) + "\n"

    def scrape_config(self) -> str:
        return (f"scrape_configs:\n  - job_name: counters\n    honor_labels: true\n    scrape_interval: 60s\n"
                f"    static_configs:\n      - targets: ['127.0.0.1:{self.port}']\n")
