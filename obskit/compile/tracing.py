"""Tracing definitions → typed collector plans (Jaeger v2 is a collector with Jaeger's extensions),
output paths, and the cross-definition project check."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar, Dict, List, Mapping, Optional, Tuple

from obskit.errors import Diagnostic
from obskit.location import Location
from obskit.model.tracing import JaegerSampling, JaegerV2, TraceStore
from obskit.model.tracing.otel import Component, OtelCollector, Pipeline

JAEGER_STORE = "traces"   # the jaeger_storage backend name obskit generates


# Jaeger v2's own components (cmd/jaeger/internal/extension/...); only obskit creates them.
@dataclass(frozen=True, kw_only=True)
class JaegerStorageExtension(Component):
    TYPE: ClassVar[str] = "jaeger_storage"
    KIND: ClassVar[str] = "extension"
    backends: Mapping[str, TraceStore]


@dataclass(frozen=True, kw_only=True)
class JaegerQueryExtension(Component):
    TYPE: ClassVar[str] = "jaeger_query"
    KIND: ClassVar[str] = "extension"
    traces: str
    http: str
    grpc: str


@dataclass(frozen=True, kw_only=True)
class RemoteSamplingExtension(Component):
    TYPE: ClassVar[str] = "remote_sampling"
    KIND: ClassVar[str] = "extension"
    path: str
    reload_interval: str
    default_sampling_probability: Optional[float]
    http: str
    grpc: str


@dataclass(frozen=True, kw_only=True)
class JaegerStorageExporter(Component):
    TYPE: ClassVar[str] = "jaeger_storage_exporter"
    KIND: ClassVar[str] = "exporter"
    SIGNALS: ClassVar[Tuple[str, ...]] = ("traces",)
    trace_storage: str


@dataclass(frozen=True)
class CollectorPlan:
    """What render/otel/collector.py writes: sections in order, pipelines, and the extensions the service starts."""

    name: str
    receivers: Dict[str, Component]
    processors: Dict[str, Component]
    exporters: Dict[str, Component]
    extensions: Dict[str, Component]
    pipelines: Tuple[Pipeline, ...]
    connectors: Dict[str, Component] = field(default_factory=dict)
    telemetry_metrics_port: Optional[int] = 8888
    service_name: Optional[str] = None
    sources: Tuple[Location, ...] = field(default=(), compare=False)


def _where(loc: Location, root) -> Location:
    return loc.relative_to(str(root)) if root is not None else loc


def collector_plan(c: OtelCollector, root=None) -> CollectorPlan:
    return CollectorPlan(name=c.name, receivers=dict(c.receivers), processors=dict(c.processors),
                         exporters=dict(c.exporters), extensions=dict(c.extensions), pipelines=tuple(c.pipelines),
                         connectors=dict(c.connectors), telemetry_metrics_port=c.telemetry_metrics_port, sources=(_where(c.location, root),))


def jaeger_plan(j: JaegerV2, root=None) -> CollectorPlan:
    extensions: Dict[str, Component] = {
        "jaeger_storage": JaegerStorageExtension(backends={JAEGER_STORE: j.storage}),
        "jaeger_query": JaegerQueryExtension(traces=JAEGER_STORE, http=j.query_http, grpc=j.query_grpc),
    }
    sources = [_where(j.location, root)]
    if j.sampling is not None:
        default = j.sampling.default
        extensions["remote_sampling"] = RemoteSamplingExtension(
            path=j.sampling_path, reload_interval=j.sampling_reload_interval,
            default_sampling_probability=float(default.param) if default.type == "probabilistic" else None,
            http=j.sampling_http, grpc=j.sampling_grpc)
        sources.append(_where(j.sampling.location, root))
    pipeline = Pipeline(signal="traces", receivers=tuple(j.receivers), processors=tuple(j.processors),
                        exporters=("jaeger_storage_exporter",))
    return CollectorPlan(name=j.name, receivers=dict(j.receivers), processors=dict(j.processors),
                         exporters={"jaeger_storage_exporter": JaegerStorageExporter(trace_storage=JAEGER_STORE)},
                         extensions=extensions, pipelines=(pipeline,), service_name="jaeger",
                        telemetry_metrics_port=j.telemetry_metrics_port,
                         sources=tuple(sorted(set(sources))))


# ------------------------------------------------------------------------------------------- paths
def jaeger_config_path(j: JaegerV2) -> str:
    return f"jaeger/{j.name}/config.yaml"


def sampling_path_for(owner_name: str) -> str:
    return f"jaeger/{owner_name}/sampling_strategies.json"


def collector_path(c: OtelCollector) -> str:
    return f"otel/{c.name}/collector.yaml"


def tempo_path(t) -> str:
    return f"tempo/{t.name}/tempo.yaml"


def sampling_files(project) -> List[Tuple[str, JaegerSampling]]:
    """Every sampling file: one per JaegerV2 with sampling (in its directory), one per JaegerSampling
    no JaegerV2 uses (in a directory of its own name)."""
    out: List[Tuple[str, JaegerSampling]] = []
    used = set()
    for j in project.of(JaegerV2):
        if j.sampling is not None:
            out.append((sampling_path_for(j.name), j.sampling))
            used.add(id(j.sampling))
    for s in project.of(JaegerSampling):
        if id(s) not in used:
            out.append((sampling_path_for(s.name), s))
    return out


# ----------------------------------------------------------------------------------- project check
def check_tracing(project) -> List[Diagnostic]:
    """Two definitions writing the same file, and names used twice."""
    diags: List[Diagnostic] = []
    owners: Dict[str, Tuple[str, Location]] = {}

    def claim(path: str, obj: str, loc: Location) -> None:
        if path in owners and owners[path][1] != loc:
            diags.append(Diagnostic("duplicate-output", f"writes {path}, which {owners[path][0]} at "
                                    f"{owners[path][1].relative_to(str(project.root))} also writes", obj, loc,
                                    hint="give it another name"))
        else:
            owners[path] = (obj, loc)

    for j in project.of(JaegerV2):
        claim(jaeger_config_path(j), f"Jaeger v2 {j.name!r}", j.location)
    for path, s in sampling_files(project):
        claim(path, f"Jaeger sampling {s.name!r}", s.location)
    for c in project.of(OtelCollector):
        claim(collector_path(c), f"OTel collector {c.name!r}", c.location)
    from obskit.model.tracing.tempo import TempoConfig
    for t in project.of(TempoConfig):
        claim(tempo_path(t), f"Tempo {t.name!r}", t.location)
    return diags
