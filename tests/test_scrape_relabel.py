"""What the relabel steps do, run by the real Prometheus (Debian's 2.42).

Debian's Prometheus has no Kubernetes discovery, so each Kubernetes job runs with its
``kubernetes_sd_configs`` replaced by a ``file_sd_configs`` file holding the targets Kubernetes
discovery would produce: the same ``__address__`` (pod IP and container port, or node kubelet
address) and ``__meta_kubernetes_*`` labels. Prometheus applies the job's relabel steps and its
targets API shows the result. Every address is on 127.0.0.0/8 and the scrape interval is an hour,
so nothing outside this machine is contacted.
"""
import json
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest
import yaml

from obskit.model.scrape import kubernetes_nodes, kubernetes_pods
from obskit.render.prometheus_config import job_dict
from tests.conftest import require_tool

POD = "__meta_kubernetes_pod_"


def pod_target(ip, port, *, app, annotations=None, namespace="llm-gateway", name="gw-0", port_name=""):
    labels = {f"{POD}label_app": app, "__meta_kubernetes_namespace": namespace, f"{POD}name": name,
              f"{POD}container_port_number": str(port), f"{POD}container_port_name": port_name}
    for key, value in (annotations or {}).items():
        labels[f"{POD}annotation_" + key.replace(".", "_").replace("/", "_")] = value
    return {"targets": [f"{ip}:{port}"], "labels": labels}


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def discover(jobs_and_targets):
    """Run Prometheus with each job's discovery replaced by file_sd; returns
    {job: (sorted active scrape URLs with their labels, number dropped)}."""
    require_tool("prometheus")
    with tempfile.TemporaryDirectory(prefix="obskit-relabel-") as tmp:
        tmp = Path(tmp)
        jobs = []
        for job, groups in jobs_and_targets:
            for g in groups:
                assert all(t.startswith("127.") for t in g["targets"]), "loopback only"
            (tmp / f"{job.job_name}.json").write_text(json.dumps(groups))
            d = job_dict(job)
            d.pop("kubernetes_sd_configs", None)
            d.pop("static_configs", None)
            d["file_sd_configs"] = [{"files": [str(tmp / f"{job.job_name}.json")]}]
            jobs.append(d)
        (tmp / "prometheus.yml").write_text(yaml.safe_dump(
            {"global": {"scrape_interval": "1h", "scrape_timeout": "1s"}, "scrape_configs": jobs}))
        port = _free_port()
        proc = subprocess.Popen(["prometheus", f"--config.file={tmp / 'prometheus.yml'}",
                                 f"--storage.tsdb.path={tmp / 'data'}", f"--web.listen-address=127.0.0.1:{port}"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/targets?state=any", timeout=2) as r:
                        data = json.load(r)["data"]
                    # file_sd hands each file over whole: once every job shows a target, all are in
                    seen = {Path(t["discoveredLabels"]["__meta_filepath"]).stem
                            for t in data["activeTargets"] + data["droppedTargets"]}
                    if len(seen) >= len(jobs) or time.monotonic() > deadline:
                        break
                except OSError:
                    if time.monotonic() > deadline:
                        raise
                time.sleep(0.2)
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    out = {}
    for job, _ in jobs_and_targets:
        active = sorted((t["scrapeUrl"], tuple(sorted(t["labels"].items())))
                        for t in data["activeTargets"] if t["labels"]["job"] == job.job_name)
        dropped = sum(1 for t in data["droppedTargets"]
                      if Path(t["discoveredLabels"]["__meta_filepath"]).stem == job.job_name)
        out[job.job_name] = (active, dropped)
    return out


ANNOTATED = {"prometheus.io/scrape": "true", "prometheus.io/port": "9090", "prometheus.io/path": "/metrics"}
GATEWAY_PODS = [
    # the write-up's Deployment: ports http 8080 and metrics 9090, annotated for 9090
    pod_target("127.0.0.5", 8080, app="llm-gateway", annotations=ANNOTATED, port_name="http"),
    pod_target("127.0.0.5", 9090, app="llm-gateway", annotations=ANNOTATED, port_name="metrics"),
    # another app in the namespace, and a gateway pod without the scrape annotation
    pod_target("127.0.0.6", 6379, app="redis", annotations=ANNOTATED, name="redis-0"),
    pod_target("127.0.0.7", 8080, app="llm-gateway", annotations={}, name="gw-1"),
]


@pytest.fixture(scope="module")
def results():
    import importlib
    ref = importlib.import_module("telemetry.scrape_gateway")
    fixed = kubernetes_pods("llm-gateway-fixed", namespaces=["llm-gateway"], match_labels={"app": "llm-gateway"})
    custom_path = kubernetes_pods("custom-path")
    nodes = kubernetes_nodes("nodes")
    return discover([
        (ref.llm_gateway, GATEWAY_PODS),
        (fixed, GATEWAY_PODS[:2]),  # the selector app=llm-gateway is applied by the API server
        (custom_path, [pod_target("127.0.0.8", 8000, app="x", name="x-0", namespace="shop",
                                  annotations={"prometheus.io/scrape": "true", "prometheus.io/path": "/stats"})]),
        (nodes, [{"targets": ["127.0.0.9:10250"],
                  "labels": {"__meta_kubernetes_node_name": "n1", "__meta_kubernetes_node_label_zone": "a"}}]),
    ])


def test_gateway_as_written_scrapes_both_container_ports(results):
    """The write-up's address step never matches (one source label, a regex wanting two), so both
    container ports stay targets: obskit's relabel-never-matches error is right."""
    active, dropped = results["llm-gateway"]
    assert [url for url, _ in active] == ["http://127.0.0.5:8080/metrics", "http://127.0.0.5:9090/metrics"]
    assert dropped == 2  # the redis pod and the unannotated gateway pod


def test_helper_rewrites_to_the_annotated_port(results):
    active, dropped = results["llm-gateway-fixed"]
    assert [url for url, _ in active] == ["http://127.0.0.5:9090/metrics"]  # both ports → one target
    labels = dict(active[0][1])
    assert labels["namespace"] == "llm-gateway" and labels["pod"] == "gw-0" and labels["app"] == "llm-gateway"
    assert not any(k.startswith("__") for k in labels)


def test_path_annotation_and_default_port(results):
    active, _ = results["custom-path"]
    assert [url for url, _ in active] == ["http://127.0.0.8:8000/stats"]


def test_node_exporter_port_rewrite(results):
    active, _ = results["nodes"]
    assert [url for url, _ in active] == ["http://127.0.0.9:9100/metrics"]
    assert dict(active[0][1])["zone"] == "a"
