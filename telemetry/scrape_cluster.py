"""Cluster-level scrape jobs several reference platforms (docs/reference-deployments/) need (their
alerts and dashboards read kube-state-metrics, cAdvisor and kubelet series). Options only: each
platform's module makes its own ``ScrapeConfig(**...)``, so errors point at that platform's line."""
from obskit.model.scrape import KubernetesSD, Relabel, TLSConfig, map_labels

SA = "/var/run/secrets/kubernetes.io/serviceaccount"
_KUBELET_AUTH = dict(scheme="https", tls_config=TLSConfig(ca_file=f"{SA}/ca.crt"), bearer_token_file=f"{SA}/token")

#: kube-state-metrics (replicas, restarts, HPA, resource requests/limits); its series describe other
#: objects, so their namespace/pod labels are kept
KUBE_STATE_METRICS = dict(job_name="kube-state-metrics", targets=["kube-state-metrics.kube-system.svc:8080"],
                          honor_labels=True)

#: cAdvisor in every kubelet (container CPU, memory, OOM, throttling)
CADVISOR = dict(job_name="kubernetes-cadvisor", kubernetes=[KubernetesSD(role="node")],
                metrics_path="/metrics/cadvisor", relabel_configs=[map_labels("node")],
                metric_relabel_configs=[Relabel(action="labeldrop", regex="id|name")],  # per-cgroup noise
                **_KUBELET_AUTH)

#: the kubelets themselves (volume stats, pod lifecycle)
KUBELET = dict(job_name="kubelet", kubernetes=[KubernetesSD(role="node")], relabel_configs=[map_labels("node")],
               **_KUBELET_AUTH)
