"""The Prometheus server configuration as typed definitions (see :mod:`obskit.model.scrape`)."""
from obskit.model.prometheus_config.discovery import FileSD, KubernetesSD, KubernetesSelector, StaticConfig
from obskit.model.prometheus_config.helpers import (
    address_from_annotation, copy_meta, keep_annotated, keep_label, kubernetes_nodes, kubernetes_pods,
    kubernetes_service_endpoints, map_labels, meta_label, path_from_annotation, scheme_from_annotation,
)
from obskit.model.prometheus_config.job import ScrapeConfig, TLSConfig
from obskit.model.prometheus_config.relabel import ACTIONS, Relabel
from obskit.model.prometheus_config.remote import BasicAuth, QueueConfig, RemoteWrite
from obskit.model.prometheus_config.server import BUILT_RULES, Alertmanagers, PrometheusConfig

__all__ = ["PrometheusConfig", "Alertmanagers", "ScrapeConfig", "Relabel", "StaticConfig", "FileSD",
           "KubernetesSD", "KubernetesSelector", "TLSConfig", "ACTIONS", "BUILT_RULES", "kubernetes_pods",
           "kubernetes_service_endpoints", "kubernetes_nodes", "keep_annotated", "keep_label",
           "address_from_annotation", "path_from_annotation", "scheme_from_annotation", "map_labels",
           "copy_meta", "meta_label", "RemoteWrite", "QueueConfig", "BasicAuth"]
