"""Kubernetes discovery: every role, the annotation helpers, selectors, and the operator forms."""
from obskit.model.scrape import (
    KubernetesSD, KubernetesSelector, PrometheusConfig, Relabel, ScrapeConfig, kubernetes_nodes,
    kubernetes_pods, kubernetes_service_endpoints,
)

server = PrometheusConfig(scrape_interval="15s", evaluation_interval="15s", rule_files=())

pods = kubernetes_pods("shop-pods", namespaces=["shop", "payments"], match_labels={"app": "shop"},
                       annotation_scheme=True, scrape_interval="30s")
endpoints = kubernetes_service_endpoints("shop-services", match_labels={"tier": "backend"},
                                         metric_relabel_configs=[Relabel(action="labeldrop", regex="uid")])
slices = ScrapeConfig(
    job_name="slices",
    kubernetes=[KubernetesSD(role="endpointslice", own_namespace=True, selectors=[
        KubernetesSelector(role="service", label="app in (a, b),!legacy,env!=dev,team"),
        KubernetesSelector(role="pod", label="app=a")])],
    relabel_configs=[Relabel(action="keep", source_labels=["__meta_kubernetes_endpointslice_port_name"],
                             regex="metrics")],
)
nodes = kubernetes_nodes("node-exporter")
kubelet = kubernetes_nodes("kubelet", port=None, node_labels=False, scheme="https")
probes = ScrapeConfig(
    job_name="service-probes", metrics_path="/probe", params={"module": ["http_2xx"]},
    kubernetes=[KubernetesSD(role="service", namespaces=["shop"])],
    relabel_configs=[
        Relabel(source_labels=["__address__"], target_label="__param_target"),
        Relabel(target_label="__address__", replacement="blackbox-exporter:9115"),
        Relabel(source_labels=["__param_target"], target_label="instance"),
    ],
)
ingresses = ScrapeConfig(job_name="ingresses", kubernetes=[KubernetesSD(role="ingress")])
