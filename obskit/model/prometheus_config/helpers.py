"""Ready-made relabel steps and scrape configs for the usual Kubernetes conventions.

The ``prometheus.io/scrape``, ``/port``, ``/path`` and ``/scheme`` annotations are a convention
(from the Prometheus example configuration and Helm charts), not a Kubernetes feature: these helpers
write the relabel steps that implement it, for pods or for services behind endpoints.
"""
from __future__ import annotations

import re
from typing import Mapping, Optional, Sequence, Tuple

from obskit.model.prometheus_config.discovery import KubernetesSD, KubernetesSelector
from obskit.model.prometheus_config.job import ScrapeConfig
from obskit.model.prometheus_config.relabel import Relabel

ANNOTATION_PREFIX = "prometheus.io"
_OBJECT = {"pod": "pod", "endpoints": "service", "endpointslice": "service", "service": "service",
           "node": "node", "ingress": "ingress"}


def sanitize(name: str) -> str:
    """A Kubernetes label/annotation name as Prometheus writes it into a meta label."""
    return re.sub(r"[^a-zA-Z0-9_]", "_", name)


def meta_label(obj: str, kind: str, name: str) -> str:
    """``meta_label("pod", "annotation", "prometheus.io/scrape")`` →
    ``__meta_kubernetes_pod_annotation_prometheus_io_scrape``."""
    return f"__meta_kubernetes_{obj}_{kind}_{sanitize(name)}"


def _obj(role: str) -> str:
    return _OBJECT[role]


def keep_annotated(role: str = "pod", annotation: str = f"{ANNOTATION_PREFIX}/scrape") -> Relabel:
    """Keep only targets whose pod (or service) is annotated ``prometheus.io/scrape: "true"``."""
    return Relabel(action="keep", source_labels=(meta_label(_obj(role), "annotation", annotation),), regex="true")


def keep_label(role: str, label: str, value: str) -> Relabel:
    """Keep only targets whose pod (or service) label ``label`` equals ``value``."""
    return Relabel(action="keep", source_labels=(meta_label(_obj(role), "label", label),), regex=re.escape(value))


def address_from_annotation(role: str = "pod", annotation: str = f"{ANNOTATION_PREFIX}/port") -> Relabel:
    """Replace the port of ``__address__`` with the one in the ``prometheus.io/port`` annotation."""
    return Relabel(action="replace", source_labels=("__address__", meta_label(_obj(role), "annotation", annotation)),
                   regex=r"([^:]+)(?::\d+)?;(\d+)", replacement="$1:$2", target_label="__address__")


def path_from_annotation(role: str = "pod", annotation: str = f"{ANNOTATION_PREFIX}/path") -> Relabel:
    """Use the ``prometheus.io/path`` annotation as metrics path when it is set."""
    return Relabel(action="replace", source_labels=(meta_label(_obj(role), "annotation", annotation),),
                   regex="(.+)", target_label="__metrics_path__")


def scheme_from_annotation(role: str = "pod", annotation: str = f"{ANNOTATION_PREFIX}/scheme") -> Relabel:
    """Use the ``prometheus.io/scheme`` annotation (http or https) when it is set."""
    return Relabel(action="replace", source_labels=(meta_label(_obj(role), "annotation", annotation),),
                   regex="(https?)", target_label="__scheme__")


def map_labels(role: str = "pod") -> Relabel:
    """Copy every pod (or service/node) label to a target label of the same (sanitised) name."""
    return Relabel(action="labelmap", regex=f"__meta_kubernetes_{_obj(role)}_label_(.+)")


def copy_meta(source: str, target: str) -> Relabel:
    """Copy one meta label (e.g. ``__meta_kubernetes_namespace``) to a target label."""
    return Relabel(action="replace", source_labels=(source,), target_label=target)


def _selectors(role: str, match_labels: Optional[Mapping[str, str]]) -> Tuple[KubernetesSelector, ...]:
    if not match_labels:
        return ()
    label = ",".join(f"{k}={v}" for k, v in sorted(match_labels.items()))
    return (KubernetesSelector(role=_obj(role) if role != "endpoints" else "service", label=label),)


def _annotation_steps(role: str, scrape: bool, port: bool, path: bool, scheme: bool) -> list:
    steps = []
    if scrape:
        steps.append(keep_annotated(role))
    if scheme:
        steps.append(scheme_from_annotation(role))
    if path:
        steps.append(path_from_annotation(role))
    if port:
        steps.append(address_from_annotation(role))
    return steps


def kubernetes_pods(job_name: str, *, namespaces: Sequence[str] = (), match_labels: Optional[Mapping[str, str]] = None,
                    annotation_scrape: bool = True, annotation_port: bool = True, annotation_path: bool = True,
                    annotation_scheme: bool = False, pod_labels: bool = True, target_labels: bool = True,
                    relabel: Sequence[Relabel] = (), **options) -> ScrapeConfig:
    """Pods discovered through the Kubernetes API (``role: pod``).

    ``match_labels`` becomes a server-side label selector; the ``annotation_*`` switches add the
    ``prometheus.io/*`` annotation steps; ``pod_labels`` copies pod labels, ``target_labels`` adds
    ``namespace`` and ``pod``. ``relabel`` steps come last; other keywords go to :class:`ScrapeConfig`.
    """
    steps = _annotation_steps("pod", annotation_scrape, annotation_port, annotation_path, annotation_scheme)
    if pod_labels:
        steps.append(map_labels("pod"))
    if target_labels:
        steps += [copy_meta("__meta_kubernetes_namespace", "namespace"),
                  copy_meta("__meta_kubernetes_pod_name", "pod")]
    sd = KubernetesSD(role="pod", namespaces=tuple(namespaces), selectors=_selectors("pod", match_labels))
    return ScrapeConfig(job_name=job_name, kubernetes=(sd,), relabel_configs=tuple(steps) + tuple(relabel), **options)


def kubernetes_service_endpoints(job_name: str, *, namespaces: Sequence[str] = (),
                                 match_labels: Optional[Mapping[str, str]] = None, role: str = "endpoints",
                                 annotation_scrape: bool = True, annotation_port: bool = True,
                                 annotation_path: bool = True, annotation_scheme: bool = True,
                                 service_labels: bool = True, target_labels: bool = True,
                                 relabel: Sequence[Relabel] = (), **options) -> ScrapeConfig:
    """The endpoints behind annotated services (``role: endpoints`` or ``endpointslice``): the
    ``prometheus.io/*`` annotations are read from the Service."""
    steps = _annotation_steps(role, annotation_scrape, annotation_port, annotation_path, annotation_scheme)
    if service_labels:
        steps.append(map_labels(role))
    if target_labels:
        steps += [copy_meta("__meta_kubernetes_namespace", "namespace"),
                  copy_meta("__meta_kubernetes_service_name", "service"),
                  copy_meta("__meta_kubernetes_pod_name", "pod")]
    sd = KubernetesSD(role=role, namespaces=tuple(namespaces), selectors=_selectors(role, match_labels))
    return ScrapeConfig(job_name=job_name, kubernetes=(sd,), relabel_configs=tuple(steps) + tuple(relabel), **options)


def kubernetes_nodes(job_name: str, *, port: Optional[int] = 9100, node_labels: bool = True,
                     relabel: Sequence[Relabel] = (), **options) -> ScrapeConfig:
    """Every node (``role: node``). Node discovery yields the kubelet address (port 10250);
    ``port`` rewrites it, e.g. to node-exporter's 9100 (``None`` keeps the kubelet)."""
    steps = []
    if port is not None:
        steps.append(Relabel(source_labels=("__address__",), regex="(.*):10250", replacement=f"${{1}}:{port}",
                             target_label="__address__"))
    if node_labels:
        steps.append(map_labels("node"))
    return ScrapeConfig(job_name=job_name, kubernetes=(KubernetesSD(role="node"),),
                        relabel_configs=tuple(steps) + tuple(relabel), **options)
