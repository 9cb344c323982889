"""High production deployment (docs/reference-deployments/high-production-deployment.md):
"Prometheus scrapes metrics (API latency, CPU/GPU utilization)", Grafana alerts, HPA on CPU/GPU load
and request latency, for a FastAPI API and an Ollama (Gemma 2B) model server on GPU nodes in EKS.

The write-up names neither metrics nor thresholds; all thresholds here are our choice, stated in
each description. Metric names are conventional: prometheus-fastapi-instrumentator's
``http_request_duration_highr_seconds`` histogram (job ``validation-api``), cAdvisor and
kube-state-metrics for CPU, NVIDIA's dcgm-exporter (``DCGM_FI_DEV_GPU_UTIL`` in percent,
``DCGM_FI_DEV_FB_USED``/``DCGM_FI_DEV_FB_FREE`` in MiB) for the GPUs.
"""
from obskit.model.rules import AlertRule, RuleGroup
from obskit.verify.alert_tests import firing_and_silent
from obskit.verify.series import Series

API = 'http_request_duration_highr_seconds_bucket{job="validation-api"}'
CPU = 'namespace="production",container=~"api|ollama"'
LABELS = {"service": "validation-api"}

api_latency = AlertRule(
    name="ValidationApiLatencyHigh",
    expr=f"histogram_quantile(0.95, sum by (le) (rate({API}[5m]))) > 1", for_="10m", severity="warning",
    summary="Validation API P95 latency above 1s", labels=LABELS,
    description="P95 API latency is {{ $value | humanizeDuration }} (threshold 1s).")
api_latency_critical = AlertRule(
    name="ValidationApiLatencyCritical",
    expr=f"histogram_quantile(0.95, sum by (le) (rate({API}[5m]))) > 5", for_="5m", severity="critical",
    summary="Validation API P95 latency above 5s", labels=LABELS,
    description="P95 API latency is {{ $value | humanizeDuration }} (threshold 5s): listings wait on the LLM.")
cpu = AlertRule(
    name="ValidationCPUUtilizationHigh",
    expr=(f"sum by (namespace, pod) (rate(container_cpu_usage_seconds_total{{{CPU}}}[5m]))\n"
          f'  / sum by (namespace, pod) (kube_pod_container_resource_limits{{{CPU},resource="cpu"}}) > 0.8'),
    for_="15m", severity="warning", summary="Validation pod CPU above 80% of its limit", labels=LABELS,
    description="{{ $labels.pod }} uses {{ $value | humanizePercentage }} of its CPU limit (threshold 80%).")
api_down = AlertRule(
    name="ValidationApiDown", expr='sum(up{job="validation-api"}) == 0', for_="2m", severity="critical",
    summary="Validation API down: no pod answers", labels=LABELS,
    description="None of the validation-api pods has answered the scrape for 2 minutes (our choice; the "
                "write-up's HPA keeps at least one running).")
gpu = AlertRule(
    name="ValidationGPUUtilizationHigh", expr="avg by (Hostname, gpu) (DCGM_FI_DEV_GPU_UTIL) > 90",
    for_="15m", severity="warning", summary="GPU utilisation above 90%", labels=LABELS,
    description="GPU {{ $labels.gpu }} on {{ $labels.Hostname }} is {{ $value }}% busy (threshold 90%): "
                "inference is GPU-bound, scale out the model servers.")
gpu_memory = AlertRule(
    name="ValidationGPUMemoryHigh",
    expr=("avg by (Hostname, gpu) (DCGM_FI_DEV_FB_USED / (DCGM_FI_DEV_FB_USED + DCGM_FI_DEV_FB_FREE)) > 0.9"),
    for_="10m", severity="warning", summary="GPU memory above 90%", labels=LABELS,
    description="GPU {{ $labels.gpu }} on {{ $labels.Hostname }} has {{ $value | humanizePercentage }} of "
                "its memory in use (threshold 90%).")

production = RuleGroup(name="validation-api", rules=(api_latency, api_latency_critical, api_down, cpu, gpu,
                                                      gpu_memory))


# --- tests ---------------------------------------------------------------------------------------
GPU = {"Hostname": "ip-10-0-3-17", "gpu": "0", "modelName": "NVIDIA A10G"}
GPU_KEY = {"Hostname": GPU["Hostname"], "gpu": "0"}
POD = {"namespace": "production", "pod": "ollama-0", "container": "ollama"}
POD_KEY = {"namespace": "production", "pod": "ollama-0"}


def _api(le_counts: dict) -> list:
    return [Series("http_request_duration_highr_seconds_bucket", {"job": "validation-api", "le": le}).count(30, n)
            for le, n in le_counts.items()]


def _gpu_memory(used: float, free: float) -> list:
    return [Series("DCGM_FI_DEV_FB_USED", GPU).hold(20, used), Series("DCGM_FI_DEV_FB_FREE", GPU).hold(20, free)]


tests = [
    *firing_and_silent(api_latency, at="25m",
                       firing=_api({"0.5": 80, "1": 94, "2.5": 100, "+Inf": 100}),
                       silent=_api({"0.5": 80, "1": 96, "2.5": 100, "+Inf": 100})),
    *firing_and_silent(api_latency_critical, at="20m",
                       firing=_api({"1": 80, "5": 94, "10": 100, "+Inf": 100}),
                       silent=_api({"1": 80, "5": 96, "10": 100, "+Inf": 100})),
    *firing_and_silent(api_down, at="5m",
                       firing=[Series("up", {"job": "validation-api", "instance": f"10.0.1.{i}:8000"}).hold(10, 0)
                               for i in (1, 2)],
                       silent=[Series("up", {"job": "validation-api", "instance": "10.0.1.1:8000"}).hold(10, 0),
                               Series("up", {"job": "validation-api", "instance": "10.0.1.2:8000"}).hold(10, 1)]),
    *firing_and_silent(cpu, at="25m", labels=POD_KEY,
                       firing=[Series("container_cpu_usage_seconds_total", POD).count(30, 102),   # 1.7 of 2 cores
                               Series("kube_pod_container_resource_limits", {**POD, "resource": "cpu"}).hold(30, 2)],
                       silent=[Series("container_cpu_usage_seconds_total", POD).count(30, 90),    # 1.5 of 2 cores
                               Series("kube_pod_container_resource_limits", {**POD, "resource": "cpu"}).hold(30, 2)]),
    *firing_and_silent(gpu, at="20m", labels=GPU_KEY,
                       firing=[Series("DCGM_FI_DEV_GPU_UTIL", GPU).hold(25, 95)],
                       silent=[Series("DCGM_FI_DEV_GPU_UTIL", GPU).hold(25, 85)]),
    *firing_and_silent(gpu_memory, at="15m", labels=GPU_KEY,
                       firing=_gpu_memory(22000, 1000), silent=_gpu_memory(20000, 3000)),
]
