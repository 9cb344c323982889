"""Pyrra ``ServiceLevelObjective`` objects (``pyrra.dev/v1alpha1``) → obskit SLOs.

The mapping (docs/interop.md has it as a table):

* ``metadata.name`` → the SLO's name; ``metadata.namespace`` → its service (Pyrra has no service:
  one module per namespace); ``metadata.labels`` ``pyrra.dev/<k>: v`` → SLO label ``k`` (Pyrra
  propagates exactly those to its rules); the other labels select the object for the Prometheus
  Operator (``changed``: obskit takes them from ``obskit.toml`` ``[kubernetes] labels``).
* ``spec.target`` (percent, a string) → ``objective``; ``spec.window`` → ``period``;
  ``spec.description`` → ``description``.
* ``indicator.ratio`` {errors, total} → ``RatioSLI(total=, errors=, by=grouping)``;
  ``indicator.latency`` {success ``x_bucket{le="t"}``, total ``x_count``} → ``LatencySLI(histogram=x,
  threshold=t, buckets=(t,))``; ``indicator.latencyNative`` {total, latency} →
  ``LatencySLI(native_histogram=, threshold=<latency in seconds>)`` (needs ``prometheus_version`` 3.0);
  ``indicator.bool_gauge`` → ``AvailabilitySLI(gauge=, by=grouping)``.
* Alerting: Pyrra's four burn-rate windows for its SLO window W (``slo/rules.go`` ``Windows``), scaled
  from 28 days and rounded to the minute: factor 14 over W/672 and W/8064 (1h/5m at 28d), 7 over
  W/112 and W/1344 (6h/30m) — severity critical, obskit's page tier — and 2 over W/28 and W/336
  (1d/2h), 1 over W/7 and W/112 (4d/6h) — severity warning, the ticket tier. Fixed factors (they
  do not follow the period in Pyrra). A window that can never fire at this target (factor × budget
  ≥ 100 %) is left out (``changed``). Pyrra's ``for`` (2m/15m/1h/3h at 28d) has no obskit
  equivalent: obskit's alerts fire up to that much earlier (``changed``).
  ``alerting.burnrates: false`` or ``disabled: true`` → no tiers; ``absent`` (default true) →
  ``absent_for`` = Pyrra's absent ``for`` (W/20160, 2m at 28d, at least 1m), ``absent_severity``
  critical; ``absent: false`` → ``absent_for=None``. ``alerting.name`` → ``alert_name`` (Pyrra's
  default names every SLO's alert ``ErrorBudgetBurn``; obskit's default is one name per SLO,
  ``changed``). ``absentName``, ``partial_response_strategy`` and ``burnRateType: dynamic`` have no
  obskit equivalent (``lost``).
* ``metadata.annotations`` ``obskit.dev/...``: what ``obskit export pyrra`` (pyrra_export.py) keeps
  there because Pyrra has no field for it (the Workbook policy, ``min_events``, the missing-SLI
  alert's ``for``/severity, names, owner, runbook, window shape, buckets) is read back.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from obskit.duration import Duration, DurationError
from obskit.interop.common import SourceError, build, dump_yaml, read_documents
from obskit.interop.findings import ImportedModule, ImportedSLO, Notes, Unconverted
from obskit.interop.pycode import identifier
from obskit.model.policy import AlertingPolicy, BurnWindow, Tier
from obskit.model.sli import AvailabilitySLI, LatencySLI, RatioSLI
from obskit.model.slo import SLO
from obskit.promql import PromQLError, Selector

API = "pyrra.dev/"
LABEL_PREFIX = "pyrra.dev/"
DAY = 86400
#: (severity, tier, factor, long divisor, short divisor, for divisor) of W = the SLO window
WINDOWS = (("critical", "page", 14, 28 * 24, 28 * 24 * 12, 28 * 24 * 30),
           ("critical", "page", 7, 28 * 4, 28 * 24 * 2, 28 * 24 * 4),
           ("warning", "ticket", 2, 28, 28 * 12, 28 * 24),
           ("warning", "ticket", 1, 7, 28 * 4, 28 * 8))
_SPEC_KEYS = ("description", "target", "window", "indicator", "alerting", "partial_response_strategy")
_ALERTING_KEYS = ("disabled", "burnrates", "absent", "name", "absentName", "burnRateType")
#: annotations obskit's export writes for what Pyrra's object has no field for (read back on import)
A = "obskit.dev/"
_ANNOTATIONS = ("slo-name", "service", "owner", "runbook-url", "window-shape", "buckets", "policy", "min-events",
                "absent-for", "absent-severity")


#: obskit's ``le`` matcher for a whole-number threshold (``le=~"1|1\\.0"``, both spellings of the bucket)
_LE_EITHER = re.compile(r"(\d+)\|\1\\\.0")


def _round_minute(seconds: float) -> int:
    """Go's ``Duration.Round(time.Minute)``: half away from zero."""
    return int((seconds + 30) // 60 * 60)


def windows(window: Duration) -> List[Tuple[str, str, float, Duration, Duration, Duration]]:
    """Pyrra's burn-rate windows for an SLO window: (severity, tier, factor, long, short, for)."""
    out = []
    for severity, tier, factor, long_d, short_d, for_d in WINDOWS:
        out.append((severity, tier, float(factor), Duration(max(60, _round_minute(window.seconds / long_d))),
                    Duration(max(60, _round_minute(window.seconds / short_d))),
                    Duration(max(60, _round_minute(window.seconds / for_d)))))
    return out


def can_fire(factor: float, objective: float) -> bool:
    """Whether a burn of ``factor`` × the budget is below 100 % errors (else the window never fires)."""
    return factor * (1 - objective / 100) < 1


def standard_windows(window: Duration, objective: float) -> Dict[str, List[Tuple[float, Duration, Duration]]]:
    """Pyrra's windows as obskit writes them for this SLO: tier → [(factor, long, short)], without the
    windows that can never fire at ``objective``."""
    out: Dict[str, List[Tuple[float, Duration, Duration]]] = {"page": [], "ticket": []}
    for _sev, tier, factor, long, short, _for in windows(window):
        if can_fire(factor, objective):
            out[tier].append((factor, long, short))
    return out


def absent_for(window: Duration) -> Duration:
    """Pyrra's ``for`` of its missing-metric alert (2m at 28 days, at least 1m)."""
    return Duration(max(60, _round_minute(window.seconds / (28 * 24 * 30))))


def _duration(text, notes: Notes, subject: str, what: str) -> Optional[Duration]:
    try:
        return Duration.parse(str(text).strip())
    except DurationError as exc:
        notes.lost(subject, f"{what} {text!r}: {exc}")
        return None


def _seconds(text: str) -> Optional[float]:
    """A Prometheus duration with sub-second units (``200ms``, ``1s``, ``1m30s``) in seconds."""
    units = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400, "y": 365 * 86400}
    parts = re.findall(r"(\d+(?:\.\d+)?)(ms|[smhdwy])", str(text).strip())
    if not parts or "".join(a + b for a, b in parts) != str(text).strip():
        return None
    return sum(float(n) * units[u] for n, u in parts)


def _selector(raw, notes: Notes, subject: str, what: str) -> Optional[Selector]:
    metric = (raw or {}).get("metric") if isinstance(raw, dict) else None
    if not metric:
        notes.lost(subject, f"{what}: needs metric")
        return None
    try:
        return Selector.parse(str(metric))
    except PromQLError as exc:
        notes.lost(subject, f"{what}: {exc} (Pyrra needs a plain selector too)")
        return None


def _grouping(ind: dict) -> Tuple[str, ...]:
    return tuple(str(g) for g in (ind.get("grouping") or ()))


def _sli(indicator: dict, notes: Notes, subject: str, buckets: Optional[str] = None):
    kinds = [k for k in ("ratio", "latency", "latencyNative", "bool_gauge", "boolGauge") if indicator.get(k)]
    if len(kinds) != 1:
        notes.lost(subject, "indicator needs exactly one of ratio, latency, latencyNative, bool_gauge")
        return None
    kind = kinds[0]
    ind = indicator[kind]
    by = _grouping(ind)
    if kind == "ratio":
        errors, total = _selector(ind.get("errors"), notes, subject, "ratio errors"), \
            _selector(ind.get("total"), notes, subject, "ratio total")
        if errors is None or total is None:
            return None
        return build(lambda: RatioSLI(total=str(total), errors=str(errors), by=by), notes, subject)
    if kind == "latency":
        success, total = _selector(ind.get("success"), notes, subject, "latency success"), \
            _selector(ind.get("total"), notes, subject, "latency total")
        if success is None or total is None:
            return None
        le = [m.value if m.op == "=" else m.value.split("|")[0] for m in success.matchers
              if m.name == "le" and (m.op == "=" or _LE_EITHER.fullmatch(m.value))]
        rest = tuple(m for m in success.matchers if m.name != "le")
        if not le or not success.metric.endswith("_bucket") or not total.metric.endswith("_count"):
            notes.lost(subject, "latency: success must be <histogram>_bucket{le=\"<threshold>\"} and total "
                                "<histogram>_count (the shape obskit's LatencySLI reads)")
            return None
        base = success.metric[:-len("_bucket")]
        if total.metric[:-len("_count")] != base or set(map(str, total.matchers)) != set(map(str, rest)):
            notes.lost(subject, f"latency: total {total} is not the _count of the same histogram and matchers as "
                                f"success {success}")
            return None
        try:
            threshold = float(le[0])
            bounds = tuple(float(b) for b in buckets.split(",")) if buckets else (threshold,)
        except ValueError:
            notes.lost(subject, f"latency: le {le[0]!r} (or {A}buckets {buckets!r}) is not a number")
            return None
        if not buckets:
            notes.changed(subject, f"latency: Pyrra names only the threshold bucket; buckets=({le[0]},) (add "
                                   "the histogram's other boundaries for richer generated tests)")
        return build(lambda: LatencySLI(histogram=str(Selector(base, rest)), threshold=threshold,
                                        buckets=bounds, by=by), notes, subject)
    if kind == "latencyNative":
        total = _selector(ind.get("total"), notes, subject, "latencyNative total")
        seconds = _seconds(ind.get("latency", ""))
        if total is None:
            return None
        if seconds is None or seconds <= 0:
            notes.lost(subject, f"latencyNative latency {ind.get('latency')!r} is not a duration")
            return None
        notes.changed(subject, "latencyNative: a native-histogram LatencySLI needs prometheus_version = \"3.0\" "
                               "or newer in obskit.toml")
        return build(lambda: LatencySLI(native_histogram=str(total), threshold=seconds, by=by), notes, subject)
    gauge = _selector(ind, notes, subject, "bool_gauge")
    if gauge is None:
        return None
    return build(lambda: AvailabilitySLI(gauge=str(gauge), by=by), notes, subject)


def _policy(alerting: dict, window: Duration, objective: float, ann: dict, notes: Notes, subject: str):
    for k in alerting:
        if k not in _ALERTING_KEYS:
            notes.lost(subject, f"alerting.{k} is not understood by the importer")
    if str(alerting.get("burnRateType", "static")) != "static":
        notes.lost(subject, f"alerting.burnRateType {alerting['burnRateType']!r}: Pyrra's traffic-dependent "
                            "thresholds have no obskit equivalent; imported with the static windows")
    if alerting.get("absentName"):
        notes.lost(subject, f"alerting.absentName {alerting['absentName']!r}: obskit names the missing-SLI alert "
                            "<Service><Slo>SLIAbsent")
    burn = alerting.get("burnrates", True) is not False and alerting.get("disabled") is not True
    absent = alerting.get("absent", True) is not False and alerting.get("disabled") is not True
    budget = 1 - objective / 100
    tiers: Dict[str, List[BurnWindow]] = {"page": [], "ticket": []}
    fors = []
    if burn and ann.get(A + "policy") == "workbook":
        notes.changed(subject, f"{A}policy: workbook (exported by obskit): the Workbook's windows "
                               "(Tier.page(), Tier.ticket()); Pyrra itself alerts on its own windows")
        return _policy_of(Tier.page(), Tier.ticket(), window, ann, absent, notes, subject)
    if burn:
        for severity, tier, factor, long, short, for_ in windows(window):
            if not can_fire(factor, objective):
                notes.changed(subject, f"{tier} window {long}: factor {factor:g} × budget {budget:g} ≥ 100 % errors, "
                                       "so it can never fire (Pyrra writes it anyway): left out")
                continue
            w = build(lambda: BurnWindow(long=str(long), short=str(short), factor=factor), notes, subject)
            if w is not None:
                tiers[tier].append(w)
                fors.append(f"{long}: {for_}")
        if fors:
            notes.changed(subject, "Pyrra holds each burn-rate alert for a 'for' (" + ", ".join(fors) + "); obskit's "
                                   "burn alerts have none (the short window keeps them from flapping), so they "
                                   "fire up to that much earlier")
    else:
        notes.changed(subject, "burn-rate alerts off (burnrates: false / disabled): page=None, ticket=None")
    page = build(lambda: Tier(name="page", severity="critical", windows=tuple(tiers["page"])), notes, subject) \
        if tiers["page"] else None
    ticket = build(lambda: Tier(name="ticket", severity="warning", windows=tuple(tiers["ticket"])), notes, subject) \
        if tiers["ticket"] else None
    return _policy_of(page, ticket, window, ann, absent, notes, subject)


def _policy_of(page, ticket, window: Duration, ann: dict, absent: bool, notes: Notes, subject: str):
    """The policy with Pyrra's missing-metric alert, or what obskit's export kept in annotations."""
    kw = {"absent_for": str(absent_for(window)) if absent else None, "absent_severity": "critical"}
    if absent and A + "absent-for" in ann:
        kw["absent_for"] = ann[A + "absent-for"]
    if A + "absent-severity" in ann:
        kw["absent_severity"] = ann[A + "absent-severity"]
    if A + "min-events" in ann:
        try:
            kw["min_events"] = float(ann[A + "min-events"])
        except ValueError:
            notes.lost(subject, f"{A}min-events {ann[A + 'min-events']!r} is not a number")
    return build(lambda: AlertingPolicy(page=page, ticket=ticket, **kw), notes, subject)


def _slo(doc: dict, notes: Notes) -> Tuple[Optional[SLO], str, str]:
    meta, spec = doc.get("metadata") or {}, doc.get("spec") or {}
    ann = {str(k): str(v) for k, v in (meta.get("annotations") or {}).items() if str(k).startswith(A)}
    name = ann.get(A + "slo-name") or str(meta.get("name") or "")
    service = ann.get(A + "service") or str(meta.get("namespace") or "pyrra")
    subject = f"SLO {service}/{name}"
    for k in sorted(ann):
        if k[len(A):] not in _ANNOTATIONS:
            notes.lost(subject, f"annotation {k} is not one obskit's export writes")
    if not meta.get("namespace") and A + "service" not in ann:
        notes.changed(subject, "no metadata.namespace: the SLO's service is 'pyrra' (obskit SLOs belong to a service)")
    for k in spec:
        if k not in _SPEC_KEYS:
            notes.lost(subject, f"spec.{k} is not understood by the importer")
    if spec.get("partial_response_strategy"):
        notes.lost(subject, f"partial_response_strategy {spec['partial_response_strategy']!r}: Thanos Ruler only; "
                            "obskit writes none")
    labels, other = {}, []
    for k, v in (meta.get("labels") or {}).items():
        if str(k).startswith(LABEL_PREFIX):
            key = re.sub(r"[^a-zA-Z0-9_]", "_", str(k)[len(LABEL_PREFIX):])
            labels[key] = str(v)
        else:
            other.append(f"{k}={v}")
    if other:
        notes.changed(subject, f"metadata labels {', '.join(other)} select the object for the Prometheus Operator; "
                               "obskit takes its objects' labels from obskit.toml [kubernetes] labels")
    try:
        objective = float(str(spec.get("target")))
    except ValueError:
        notes.lost(subject, f"target {spec.get('target')!r} is not a number")
        return None, service, subject
    if 0 < objective < 1:
        notes.changed(subject, f"target {spec.get('target')} is a fraction; Pyrra reads it as a percentage too "
                               f"({objective} %), so does obskit")
    window = _duration(spec.get("window"), notes, subject, "window")
    sli = _sli(spec.get("indicator") or {}, notes, subject, ann.get(A + "buckets"))
    if window is None or sli is None:
        return None, service, subject
    alerting = spec.get("alerting") or {}
    alert_name = alerting.get("name") or None
    if alert_name is None:
        notes.changed(subject, "Pyrra names every SLO's burn alert ErrorBudgetBurn (told apart by its slo label); "
                               "obskit names it <Service><Slo>BudgetBurn with obskit_service/obskit_slo labels")
    policy = _policy(alerting, window, objective, ann, notes, subject)
    if policy is None:
        return None, service, subject
    slo = build(lambda: SLO(service=service, name=name, objective=objective, period=str(window),
                            description=str(spec.get("description") or "").strip(), sli=sli, labels=labels,
                            alert_name=alert_name, alerting=policy, owner=ann.get(A + "owner", ""),
                            runbook_url=ann.get(A + "runbook-url", ""),
                            window_shape=ann.get(A + "window-shape", "preaggregated")), notes, subject)
    return slo, service, subject


def is_pyrra(doc: dict) -> bool:
    return str(doc.get("apiVersion", "")).startswith(API) and doc.get("kind") == "ServiceLevelObjective"


def convert(paths: Sequence[Path]) -> List[ImportedModule]:
    """Every ServiceLevelObjective of ``paths``: one module per namespace (the SLOs' service)."""
    grouped: Dict[str, list] = {}
    for path in paths:
        for doc in read_documents(Path(path)):
            if doc.get("kind") == "List" and isinstance(doc.get("items"), list):
                items = doc["items"]
            else:
                items = [doc]
            for item in items:
                if not isinstance(item, dict) or not is_pyrra(item):
                    raise SourceError(f"{path}: not a Pyrra ServiceLevelObjective (want apiVersion: "
                                      f"pyrra.dev/v1alpha1, kind: ServiceLevelObjective), got "
                                      f"{item.get('kind') if isinstance(item, dict) else type(item).__name__}")
                notes = Notes(str(path))
                slo, service, subject = _slo(item, notes)
                grouped.setdefault(service, []).append((path, item, slo, subject, notes))
    modules = []
    for service, items in sorted(grouped.items()):
        slos, unconverted, findings, used = [], [], [], set()
        for path, item, slo, subject, notes in items:
            findings += notes.items
            if slo is None:
                unconverted.append(Unconverted(subject, "see the findings", dump_yaml(item)))
                continue
            var = identifier(slo.name)
            while var in used:
                var += "_"
            used.add(var)
            slos.append(ImportedSLO(var, slo, tuple(notes.items)))
        sources = sorted({str(p) for p, *_ in items})
        modules.append(ImportedModule(
            module=identifier(service), source=", ".join(sources), source_format="Pyrra ServiceLevelObjective",
            description=f"SLOs of {service} (Pyrra namespace {service}).", slos=tuple(slos),
            unconverted=tuple(unconverted), findings=tuple(findings)))
    return modules


__all__ = ["convert", "windows", "is_pyrra"]
