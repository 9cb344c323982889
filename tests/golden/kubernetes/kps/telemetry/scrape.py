"""The team's scrape jobs, as a ServiceMonitor and a PodMonitor in its namespace."""
from obskit.model.scrape import PrometheusConfig, kubernetes_pods, kubernetes_service_endpoints

server = PrometheusConfig(scrape_interval="30s", evaluation_interval="30s", rule_files=())
services = kubernetes_service_endpoints("checkout", match_labels={"app": "checkout"})
pods = kubernetes_pods("checkout-workers", match_labels={"app": "checkout-worker"}, annotation_scheme=True)
