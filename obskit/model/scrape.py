"""Prometheus server configuration as code: what users import in ``telemetry/*.py``.

    from obskit.model.scrape import PrometheusConfig, ScrapeConfig, Relabel, kubernetes_pods

The definitions live in :mod:`obskit.model.prometheus_config`; this module is their public face.
"""
from obskit.model.prometheus_config import (
    ACTIONS, BUILT_RULES, Alertmanagers, BasicAuth, FileSD, KubernetesSD, KubernetesSelector, PrometheusConfig, Relabel,
    QueueConfig, RemoteWrite, ScrapeConfig, StaticConfig, TLSConfig, address_from_annotation, copy_meta, keep_annotated, keep_label,
    kubernetes_nodes, kubernetes_pods, kubernetes_service_endpoints, map_labels, meta_label, path_from_annotation,
    scheme_from_annotation,
)

__all__ = ["PrometheusConfig", "Alertmanagers", "ScrapeConfig", "Relabel", "StaticConfig", "FileSD",
           "KubernetesSD", "KubernetesSelector", "TLSConfig", "ACTIONS", "BUILT_RULES", "kubernetes_pods",
           "kubernetes_service_endpoints", "kubernetes_nodes", "keep_annotated", "keep_label",
           "address_from_annotation", "path_from_annotation", "scheme_from_annotation", "map_labels",
           "copy_meta", "meta_label", "RemoteWrite", "QueueConfig", "BasicAuth"]
