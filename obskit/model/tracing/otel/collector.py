"""The collector as a whole: pipelines and :class:`OtelCollector` (the definition users write), and
the checks across components: ids per section, every pipeline's ids defined and fitting its signal,
connectors used on both sides, listen endpoints unique."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Dict, Mapping, Optional, Sequence, Tuple

from obskit.location import Location
from obskit.model.base import Definition, Problems, locate, set_attr
from obskit.model.tracing.otel.base import _ID, _NAME, SIGNALS, Component, endpoint_ok


# ------------------------------------------------------------------------------------------ pipelines
@dataclass(frozen=True, kw_only=True)
class Pipeline:
    """``service.pipelines.<signal>[/<name>]``: receivers → processors (in order) → exporters."""

    signal: str
    receivers: Sequence[str]
    exporters: Sequence[str]
    processors: Sequence[str] = ()
    name: Optional[str] = None

    @property
    def id(self) -> str:
        return f"{self.signal}/{self.name}" if self.name else str(self.signal)


SECTIONS = ("receivers", "processors", "exporters", "connectors", "extensions")
_KIND_OF_SECTION = {"receivers": "receiver", "processors": "processor", "exporters": "exporter",
                    "connectors": "connector", "extensions": "extension"}


def check_components(p: Problems, section: str, components, extra_types: Tuple[type, ...] = ()) -> Dict[str, object]:
    """Validate one section's {id: component}; returns it as a dict (ids as given)."""
    if not isinstance(components, Mapping):
        p.add("bad-component", f"{section} must be a mapping of component id to component")
        return {}
    out = {}
    for cid, comp in components.items():
        where = f"{section[:-1]} {cid!r}"
        if not isinstance(cid, str) or not _ID.match(cid):
            p.add("bad-id", f"{where}: id must be 'type' or 'type/name' (lowercase type)")
            continue
        if not isinstance(comp, Component) or comp.KIND != _KIND_OF_SECTION[section]:
            p.add("bad-component", f"{where}: {comp!r} is not a {_KIND_OF_SECTION[section]}")
            continue
        if cid.split("/", 1)[0] != comp.TYPE:
            p.add("bad-id", f"{where}: the id's type must be {comp.TYPE!r} for {type(comp).__name__} "
                            f"(e.g. '{comp.TYPE}' or '{comp.TYPE}/{cid.split('/')[-1]}')")
        comp.problems(p, where)
        out[cid] = comp
    return out


def check_pipelines(p: Problems, pipelines, receivers: Mapping, processors: Mapping, exporters: Mapping,
                    connectors: Mapping = None) -> tuple:
    connectors = dict(connectors or {})
    items = tuple(pipelines) if isinstance(pipelines, (list, tuple)) else ()
    if not items:
        p.add("no-pipelines", "service needs at least one pipeline")
    ids = set()
    used = set()
    for pl in items:
        if not isinstance(pl, Pipeline):
            p.add("bad-pipeline", f"pipelines must hold Pipeline, got {pl!r}")
            continue
        where = f"pipeline {pl.id!r}"
        if pl.signal not in SIGNALS:
            p.add("bad-pipeline", f"{where}: signal {pl.signal!r} is not one of {', '.join(SIGNALS)}")
        if pl.name is not None and not re.match(r"^[A-Za-z0-9_.\-]+$", str(pl.name)):
            p.add("bad-pipeline", f"{where}: name {pl.name!r} may hold letters, digits, '_', '.', '-'")
        if pl.id in ids:
            p.add("bad-pipeline", f"{where}: defined twice")
        ids.add(pl.id)
        for role, defined, required in (("receivers", {**connectors, **receivers}, True),
                                        ("processors", processors, False),
                                        ("exporters", {**connectors, **exporters}, True)):
            refs = list(getattr(pl, role))
            if required and not refs:
                p.add("bad-pipeline", f"{where}: needs at least one of its {role}")
            if len(set(refs)) != len(refs):
                p.add("bad-pipeline", f"{where}: {role} lists a component twice")
            for ref in refs:
                used.add((role, ref))
                if ref not in defined:
                    known = ", ".join(sorted(defined)) or "none"
                    p.add("dangling-reference", f"{where}: {role[:-1]} {ref!r} is not defined (defined: {known})")
                elif ref in connectors and ref not in (receivers if role == "receivers" else exporters):
                    signals = connectors[ref].TO if role == "receivers" else connectors[ref].FROM
                    if pl.signal in SIGNALS and pl.signal not in signals:
                        p.add("bad-pipeline", f"{where}: connector {ref!r} ({connectors[ref].TYPE}) cannot be in the "
                                              f"{role} of a {pl.signal} pipeline (only {', '.join(signals)})")
                elif pl.signal in SIGNALS and pl.signal not in defined[ref].SIGNALS:
                    p.add("bad-pipeline", f"{where}: {role[:-1]} {ref!r} ({defined[ref].TYPE}) does not support "
                                          f"{pl.signal}")
        procs = list(pl.processors)
        ml = [i for i, ref in enumerate(procs) if ref in processors and processors[ref].TYPE == "memory_limiter"]
        if ml and ml[0] != 0:
            p.add("bad-pipeline", f"{where}: memory_limiter must be the first processor, as the collector "
                                  "documentation requires, or it cannot refuse data before others buffer it")
    for cid in connectors:
        roles = {role for role, ref in used if ref == cid and role != "processors"}
        if roles != {"receivers", "exporters"}:
            p.add("bad-pipeline", f"connector {cid!r} must be an exporter of one pipeline and a receiver of "
                                  "another (the collector refuses a connector used on one side only)")
    return items


@dataclass(frozen=True, kw_only=True, eq=False)
class OtelCollector(Definition):
    """An OpenTelemetry Collector configuration → ``otel/<name>/collector.yaml``."""

    name: str
    receivers: Mapping[str, Component]
    exporters: Mapping[str, Component]
    pipelines: Sequence[Pipeline]
    processors: Mapping[str, Component] = field(default_factory=dict)
    connectors: Mapping[str, Component] = field(default_factory=dict)
    extensions: Mapping[str, Component] = field(default_factory=dict)
    telemetry_metrics_port: Optional[int] = 8888
    location: Location = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        p = Problems(f"OTel collector {self.name!r}", locate(self))
        if not isinstance(self.name, str) or not _NAME.match(self.name):
            p.add("bad-name", f"name {self.name!r} must be lowercase letters, digits, '-' or '_'")
        sections = {s: check_components(p, s, getattr(self, s)) for s in SECTIONS}
        for s, comps in sections.items():
            set_attr(self, s, dict(sorted(comps.items())) if s != "processors" else comps)
        set_attr(self, "pipelines", check_pipelines(p, self.pipelines, sections["receivers"],
                                                    sections["processors"], sections["exporters"],
                                                    sections["connectors"]))
        check_ports(p, self)
        p.done()


def listen_endpoints(components: Mapping[str, Component]):
    """(component id, field, endpoint) of every listening component."""
    for cid, comp in components.items():
        for f in ("grpc", "http", "thrift_http", "thrift_compact", "thrift_binary", "endpoint"):
            v = getattr(comp, f, None)
            if comp.KIND in ("receiver", "extension") and isinstance(v, str) and endpoint_ok(v):
                yield cid, f, v


def check_ports(p: Problems, collector) -> None:
    seen = {}
    for section in ("receivers", "extensions"):
        for cid, f, ep in listen_endpoints(getattr(collector, section)):
            port = int(ep.rsplit(":", 1)[1])
            if port in seen:
                p.add("port-clash", f"{cid} {f} and {seen[port]} both listen on port {port}")
            seen[port] = f"{cid} {f}"
