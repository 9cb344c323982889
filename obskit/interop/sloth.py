"""Sloth specs → obskit SLOs.

Reads Sloth's ``prometheus/v1`` spec and its Kubernetes ``PrometheusServiceLevel`` (``sloth.slok.dev/v1``).

SLI choice: an ``events`` SLI whose two queries have the plain ``sum(rate(SELECTOR[{{.window}}]))``
shape becomes a :class:`~obskit.model.sli.RatioSLI` of the two selectors, not a RawSLI. The error
ratio is the same one Sloth records, and with selectors obskit can also synthesise test series (the
generated alert-timing tests run), watch the counter for absence, apply ``min_events``, record 0 rather
than NaN on a quiet service, and use pre-aggregated windows. Any other query shape becomes a
:class:`~obskit.model.sli.RawSLI` with ``{{.window}}`` written as ``$window``.

Alerting: Sloth's page (14.4x over 1h/5m, 6x over 6h/30m) and ticket (3x over 1d/2h, 1x over 3d/6h)
windows are the SRE Workbook's budget shares (2 %, 5 %, 10 %, 10 %) over a 30-day period, written as
explicit :class:`~obskit.model.policy.BurnWindow` tiers.
"""
from __future__ import annotations

from pathlib import Path
from typing import List, Optional, Tuple

from obskit.compile import conventions as conv
from obskit.interop.common import SourceError, build, dump_yaml, get, read_documents, unknown_keys
from obskit.interop.findings import ImportedModule, ImportedSLO, Notes, Unconverted
from obskit.interop.pycode import identifier
from obskit.interop.queries import latency_shape, plain_rate, to_dollar_window
from obskit.model.policy import AlertingPolicy, BurnWindow, Tier
from obskit.model.sli import LatencySLI, RatioSLI, RawSLI
from obskit.model.slo import SLO, RESERVED_LABELS

#: Sloth's default alert windows at 30 days (sloth: internal/alert/windows.go defaults).
SLOTH_PAGE = ({"long": "1h", "short": "5m", "budget_share": 0.02},
              {"long": "6h", "short": "30m", "budget_share": 0.05})
SLOTH_TICKET = ({"long": "1d", "short": "2h", "budget_share": 0.10},
                {"long": "3d", "short": "6h", "budget_share": 0.10})
DEFAULT_SEVERITY = {"page": "critical", "ticket": "warning"}

_SPEC_KEYS = ("version", "service", "labels", "slos", "slo_plugins", "sloPlugins")
_SLO_KEYS = ("name", "objective", "description", "labels", "sli", "alerting", "plugins", "interval")
#: Sloth SLO plugins (``slo_plugins``/``plugins`` chains) whose effect obskit's own rules already
#: cover or that change no rule: Sloth's default rule generators, its debug logger, validators
_HARMLESS_PLUGINS = {
    "sloth.dev/core/debug/v1": "logs only",
    "sloth.dev/core/sli_rules/v1": "Sloth's default SLI recording rules; obskit writes its own",
    "sloth.dev/core/metadata_rules/v1": "Sloth's default metadata rules; obskit writes its own",
    "sloth.dev/core/alert_rules/v1": "Sloth's default alert rules; obskit writes its own",
    "sloth.dev/core/validate/v1": "validates the spec; obskit validates its own definitions",
    "sloth.dev/contrib/validate_victoria_metrics/v1": "validates for VictoriaMetrics; obskit checks PromQL",
    "sloth.dev/contrib/info_labels/v1": "labels on Sloth's sloth_slo_info series, which obskit does not write",
}
_ALERTING_KEYS = ("name", "labels", "annotations", "page_alert", "pageAlert", "ticket_alert", "ticketAlert")
_TIER_KEYS = ("disable", "labels", "annotations")
ABSENT_NOTE = "obskit addition (Sloth has no missing-SLI alert); None removes it"


_KINDS = ("PrometheusServiceLevel", "ManagedPrometheusServiceLevel")


def _is_sloth(doc: dict) -> Optional[str]:
    if doc.get("version") == "prometheus/v1":
        return "Sloth prometheus/v1"
    if str(doc.get("apiVersion", "")).startswith("sloth.slok.dev/") and doc.get("kind") in _KINDS:
        return f"Sloth {doc['kind']} (sloth.slok.dev/v1)"
    return None


def text(value) -> str:
    """A YAML scalar as the string Sloth's Go decoder makes of it (``true`` stays ``true``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _labels(raw, notes: Notes, subject: str, what: str) -> dict:
    out = {}
    for k, v in (raw or {}).items():
        k = str(k)
        if k in RESERVED_LABELS or k.startswith("obskit_"):
            notes.lost(subject, f"{what} label {k}={v!r}: obskit sets {k!r} itself")
            continue
        out[k] = text(v)
    return out


def _plugins(chain_spec, notes: Notes, subject: str, what: str) -> None:
    """Sloth SLO plugins: the harmless ones are ``changed``, any that adds or changes rules ``lost``."""
    chain = (chain_spec or {}).get("chain") or [] if isinstance(chain_spec, dict) else []
    for item in chain:
        pid = str((item or {}).get("id", "?")) if isinstance(item, dict) else str(item)
        if pid in _HARMLESS_PLUGINS:
            notes.changed(subject, f"{what} plugin {pid}: {_HARMLESS_PLUGINS[pid]}")
        else:
            notes.lost(subject, f"{what} plugin {pid}: it adds or changes Sloth's rules (Go code inside Sloth); "
                                "obskit does not reproduce them")


def _sli(sli: dict, notes: Notes, subject: str):
    events, raw, plugin = get(sli, "events"), get(sli, "raw"), get(sli, "plugin")
    if plugin is not None:
        notes.lost(subject, f"SLI plugin {get(plugin, 'id', default='?')!r}: plugins run Go code inside Sloth; "
                            "write the SLI's PromQL as a RawSLI by hand")
        return None
    if events is not None:
        err, total = get(events, "error_query", "errorQuery"), get(events, "total_query", "totalQuery")
        if not err or not total:
            notes.lost(subject, "events SLI needs error_query and total_query")
            return None
        e, t = plain_rate(err), plain_rate(total)
        if e and t and e.by == t.by and e.function == t.function:
            return build(lambda: RatioSLI(total=str(t.selector), errors=str(e.selector), by=e.by), notes, subject)
        lat = latency_shape(err, total)
        if lat is not None:      # errors = all - fast requests of one classic histogram
            notes.changed(subject, f"events queries are _count - _bucket{{le=\"{lat.threshold:g}\"}} of one histogram: "
                                   f"a LatencySLI with buckets=({lat.threshold:g},) (add the histogram's other "
                                   "boundaries for richer generated tests)")
            return build(lambda: LatencySLI(histogram=str(lat.histogram), threshold=lat.threshold,
                                            buckets=(lat.threshold,), by=lat.by), notes, subject)
        notes.changed(subject, "events queries are not both sum(rate(SELECTOR[{{.window}}])): kept as a RawSLI "
                               "(no generated timing tests or min_events for it)")
        text = f"({to_dollar_window(err.strip())})\n/\n({to_dollar_window(total.strip())})"
        return build(lambda: RawSLI(error_ratio=text), notes, subject)
    if raw is not None:
        q = get(raw, "error_ratio_query", "errorRatioQuery")
        if not q:
            notes.lost(subject, "raw SLI needs error_ratio_query")
            return None
        return build(lambda: RawSLI(error_ratio=to_dollar_window(q.strip())), notes, subject)
    notes.lost(subject, "SLI has none of events, raw or plugin")
    return None


def _tier(name: str, spec: Optional[dict], common: Tuple[dict, dict], series_labels: dict, notes: Notes,
          subject: str) -> Optional[Tier]:
    """One of Sloth's ``page_alert``/``ticket_alert``: its labels and annotations (over the
    ``alerting`` ones shared by both alerts, as Sloth merges them) become the tier's own, on that
    tier's alert only; ``severity`` is the tier's severity."""
    spec = spec or {}
    for k in unknown_keys(spec, _TIER_KEYS):
        notes.lost(subject, f"{name}_alert.{k}={spec[k]!r} has no obskit equivalent "
                            "(obskit burn alerts fire without a 'for' delay)")
    if spec.get("disable"):
        return None
    raw = {**common[0], **{str(k): text(v) for k, v in (spec.get("labels") or {}).items()}}
    severity = raw.pop("severity", None)
    if severity is None:
        severity = DEFAULT_SEVERITY[name]
        notes.changed(subject, f"{name} alert: Sloth sets no severity label unless given; obskit's {name} "
                               f"alert carries severity={severity!r}")
    # any other severity (e.g. 'pageteam') is kept as it is: the team's routes match it
    labels = {}
    for k, v in sorted(_labels(raw, notes, subject, f"{name} alert").items()):
        if k in series_labels and series_labels[k] == v:
            continue                      # the SLO's own label already puts it on the alert
        if k in series_labels:
            has = f"carry {k}={series_labels[k]!r}" if series_labels[k] is not None else f"are grouped by {k}"
            notes.lost(subject, f"{name} alert label {k}={v!r}: the SLO's series {has}; a tier label cannot "
                                "replace a series label (it would merge the series' alerts)")
            continue
        labels[k] = v
    annotations = {**common[1], **{str(k): text(v) for k, v in (spec.get("annotations") or {}).items()}}
    windows = tuple(BurnWindow(**w) for w in (SLOTH_PAGE if name == "page" else SLOTH_TICKET))
    return build(lambda: Tier(name=name, severity=severity, windows=windows, labels=labels,
                              annotations=annotations), notes, subject)


def _slo(service: str, spec_labels: dict, raw: dict, notes: Notes, window_shape: Optional[str] = None
         ) -> Tuple[Optional[SLO], str]:
    name = str(raw.get("name", ""))
    subject = f"SLO {service}/{name}"
    for k in unknown_keys(raw, _SLO_KEYS):
        notes.lost(subject, f"field {k!r} is not understood by the importer")
    _plugins(raw.get("plugins"), notes, subject, "SLO")
    if raw.get("interval"):
        notes.changed(subject, f"interval {raw['interval']!r}: obskit evaluates the SLO's rules at the project's "
                               "evaluation interval (pre-aggregated windows keep long windows cheap)")
    sli = _sli(raw.get("sli") or {}, notes, subject)
    alerting = raw.get("alerting") or {}
    for k in unknown_keys(alerting, _ALERTING_KEYS):
        notes.lost(subject, f"alerting.{k} is not understood by the importer")
    labels = dict(spec_labels)
    labels.update(_labels(raw.get("labels"), notes, subject, "SLO"))
    # Sloth's alerting labels and annotations are on both alerts only (not on the recorded series):
    # they become both tiers' labels and annotations
    alert_labels = {str(k): text(v) for k, v in (alerting.get("labels") or {}).items()}
    annotations = {str(k): text(v) for k, v in (alerting.get("annotations") or {}).items()}
    runbook = annotations.pop("runbook_url", None) or annotations.pop("runbook", None) or ""
    alert_name = alerting.get("name")
    if alert_name and alert_name != conv.camel(alert_name):
        notes.changed(subject, f"alert name {alert_name!r} is written {conv.camel(alert_name)!r} (obskit alert "
                               "names are CamelCase)")
        alert_name = conv.camel(alert_name)
    if not alerting:
        notes.changed(subject, "no alerting section: Sloth then writes no alerts; obskit neither (page=None, ticket=None)")
        page = ticket = None
    else:
        common = (alert_labels, annotations)
        series = {**{b: None for b in getattr(sli, "by", ())}, **labels}
        page = _tier("page", get(alerting, "page_alert", "pageAlert"), common, series, notes, subject)
        ticket = _tier("ticket", get(alerting, "ticket_alert", "ticketAlert"), common, series, notes, subject)
    if sli is None:
        return None, subject
    slo = build(lambda: SLO(
        service=service, name=name, objective=raw.get("objective"), description=str(raw.get("description") or ""),
        sli=sli, labels=labels, runbook_url=str(runbook),
        alert_name=alert_name or None,
        alerting=AlertingPolicy(page=page, ticket=ticket),
        **({"window_shape": window_shape} if window_shape else {}),
    ), notes, subject)
    return slo, subject


def convert(path: Path, window_shape: Optional[str] = None) -> List[ImportedModule]:
    """Every Sloth document in ``path`` as one module per service. ``window_shape="raw"`` gives the
    SLOs Sloth's exact rule shape (every window over the raw series) instead of obskit's default."""
    docs = read_documents(path)
    out = []
    for doc in docs:
        fmt = _is_sloth(doc)
        if fmt is None:
            if doc.get("kind") == "AlertWindows":
                raise SourceError(f"{path}: a Sloth AlertWindows (alert windows for sloth --slo-period-windows-path), "
                                  "not an SLO spec: import the SLO specs and write these windows as BurnWindow "
                                  "tiers (obskit.model.policy)")
            raise SourceError(f"{path}: not a Sloth spec (want version: prometheus/v1 or "
                              "apiVersion: sloth.slok.dev/v1, kind: PrometheusServiceLevel)")
        notes = Notes(str(path))
        spec = doc if doc.get("version") else (doc.get("spec") or {})
        if not doc.get("version"):
            meta = doc.get("metadata") or {}
            if meta.get("namespace"):
                notes.changed(f"{doc['kind']} {meta.get('name')}",
                              f"namespace {meta['namespace']!r}: set it once for the project in obskit.toml "
                              "([project] namespace = ...)")
            if doc["kind"] == "ManagedPrometheusServiceLevel":
                notes.changed(f"{doc['kind']} {meta.get('name')}", "Sloth writes Google Managed Prometheus Rules "
                              "objects for it; obskit writes rule files and PrometheusRule objects")
        service = str(spec.get("service", ""))
        for k in unknown_keys(spec, _SPEC_KEYS):
            notes.lost(f"service {service}", f"field {k!r} is not understood by the importer "
                       "(Sloth plugins and options have no obskit equivalent)")
        _plugins(get(spec, "slo_plugins", "sloPlugins"), notes, f"service {service}", "service")
        spec_labels = _labels(spec.get("labels"), notes, f"service {service}", "service")
        slos, unconverted, used = [], [], set()
        for raw in spec.get("slos") or []:
            before = len(notes.items)
            slo, subject = _slo(service, spec_labels, raw, notes, window_shape)
            mine = tuple(f for f in notes.items[before:])
            if slo is None:
                unconverted.append(Unconverted(subject, "see the findings", dump_yaml(raw)))
                continue
            var = identifier(slo.name)
            while var in used:
                var += "_"
            used.add(var)
            slos.append(ImportedSLO(var, slo, mine))
        out.append(ImportedModule(
            module=identifier(service), source=str(path), source_format=fmt,
            description=f"SLOs of {service}.", slos=tuple(slos), unconverted=tuple(unconverted),
            findings=tuple(notes.items)))
    return out
