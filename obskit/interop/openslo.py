"""OpenSLO v1 documents ↔ obskit SLOs (export: obskit/interop/openslo_export.py).

Import reads ``SLO``, ``SLI``, ``AlertPolicy``, ``AlertCondition``, ``Service`` and ``DataSource``
objects (inline or referenced by name). Export writes one ``Service`` per service and one ``SLO`` per
obskit SLO, with its SLI and one ``AlertPolicy`` per burn window inline.

OpenSLO v1 cannot say everything obskit does (short windows, tier names, budget shares,
``min_events``, the absent alert); export writes those as ``obskit.dev/...`` annotations, which
import reads back, so export → import gives the same SLO.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from obskit.compile import conventions as conv
from obskit.duration import Duration
from obskit.interop.common import SourceError, build, dump_yaml, json_strings, read_documents
from obskit.interop.findings import Finding, ImportedModule, ImportedSLO, Notes, Unconverted
from obskit.interop.pycode import identifier
from obskit.interop.queries import counter_selector, has_window, plain_rate, to_dollar_window
from obskit.model.policy import AlertingPolicy, BurnWindow, Tier
from obskit.model.sli import RatioSLI, RawSLI
from obskit.model.slo import SLO
from obskit.promql import fmt_number

API = "openslo/v1"
A = conv.OPENSLO_ANNOTATION_PREFIX
DEFAULT_SEVERITY = {"page": "critical", "ticket": "warning"}
PAGE_SEVERITIES = ("page", "critical", "sev1", "sev-1", "p1", "high", "urgent", "emergency")
_UNITS = {"m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_CALENDAR = {"M": 30 * 86400, "Q": 90 * 86400, "Y": 365 * 86400}
_OPS = {"lte": "<=", "lt": "<", "gte": ">=", "gt": ">"}


# --- durations -----------------------------------------------------------------------------------
def shorthand(d: Duration) -> Optional[str]:
    """obskit duration → OpenSLO duration-shorthand (one number, one unit), None if impossible."""
    for unit, secs in (("w", 7 * 86400), ("d", 86400), ("h", 3600), ("m", 60)):
        if d.seconds % secs == 0:
            if unit == "w":   # 28d reads better than 4w and both are valid
                continue
            return f"{d.seconds // secs}{unit}"
    return None


def parse_shorthand(text, notes: Notes, subject: str, what: str) -> Optional[Duration]:
    m = re.fullmatch(r"\s*(\d+)([mhdwMQY])\s*", str(text))
    if not m:
        notes.lost(subject, f"{what} {text!r} is not an OpenSLO duration-shorthand")
        return None
    n, unit = int(m.group(1)), m.group(2)
    if unit in _CALENDAR:
        d = Duration(n * _CALENDAR[unit])
        notes.changed(subject, f"{what} {text}: calendar units become a fixed {d} rolling window")
        return d
    return Duration(n * _UNITS[unit])


# --- import --------------------------------------------------------------------------------------
class _Index:
    def __init__(self, docs: Sequence[dict]):
        self.by_kind: Dict[str, Dict[str, dict]] = {}
        for d in docs:
            name = str((d.get("metadata") or {}).get("name", ""))
            self.by_kind.setdefault(str(d.get("kind")), {})[name] = d

    def get(self, kind: str, name: str) -> Optional[dict]:
        return self.by_kind.get(kind, {}).get(name)


def _prom_query(metric: dict, index: _Index, notes: Notes, subject: str) -> Optional[str]:
    src = (metric or {}).get("metricSource") or {}
    kind = src.get("type")
    if kind is None and src.get("metricSourceRef"):
        ds = index.get("DataSource", src["metricSourceRef"])
        kind = ((ds or {}).get("spec") or {}).get("type")
    if str(kind).lower() != "prometheus":
        notes.lost(subject, f"metric source of type {kind!r}: obskit reads Prometheus only")
        return None
    query = (src.get("spec") or {}).get("query")
    if not query:
        notes.lost(subject, "Prometheus metric source without spec.query")
        return None
    return str(query).strip()


def _ratio(rm: dict, index: _Index, notes: Notes, subject: str, by: Tuple[str, ...]):
    if rm.get("raw") is not None:
        q = _prom_query(rm["raw"], index, notes, subject)
        if q is None:
            return None
        inner = to_dollar_window(q) if has_window(q) else f"avg_over_time(({q})[$window:])"
        if not has_window(q):
            notes.changed(subject, "raw ratio: averaged over each window with a subquery at the rule "
                                   "evaluation interval")
        text = inner if rm.get("rawType") == "failure" else f"1 - ({inner})"
        return build(lambda: RawSLI(error_ratio=text, by=by), notes, subject)
    total_q = _prom_query(rm.get("total"), index, notes, subject) if rm.get("total") else None
    part = "bad" if rm.get("bad") is not None else "good"
    part_q = _prom_query(rm.get(part), index, notes, subject) if rm.get(part) else None
    if total_q is None or part_q is None:
        if rm.get("total") is None or rm.get(part) is None:
            notes.lost(subject, "ratioMetric needs total and one of good/bad (or raw)")
        return None
    counter = rm.get("counter", True)
    if counter:
        sels = [plain_rate(q) for q in (part_q, total_q)]
        if all(sels) and sels[0].by == sels[1].by:
            by = by or sels[0].by
            sel = (str(sels[0].selector), str(sels[1].selector))
        else:
            cs = [counter_selector(q) for q in (part_q, total_q)]
            sel = (str(cs[0]), str(cs[1])) if all(cs) else None
        if sel is not None:
            kw = {"errors" if part == "bad" else "good": sel[0]}
            return build(lambda: RatioSLI(total=sel[1], by=by, **kw), notes, subject)
        if has_window(part_q) and has_window(total_q):
            num, den = to_dollar_window(part_q), to_dollar_window(total_q)
        else:
            num, den = f"sum(increase(({part_q})[$window:]))", f"sum(increase(({total_q})[$window:]))"
            notes.changed(subject, "counter queries that are not plain selectors are read with increase() "
                                   "over a subquery at the rule evaluation interval")
    else:
        num, den = f"sum_over_time(({part_q})[$window:])", f"sum_over_time(({total_q})[$window:])"
        notes.changed(subject, "gauge ratio (counter: false): good and total are summed over each window with "
                               "a subquery at the rule evaluation interval")
    text = f"({num})\n/\n({den})" if part == "bad" else f"1 - ({num})\n/\n({den})"
    return build(lambda: RawSLI(error_ratio=text, by=by), notes, subject)


def _threshold(tm: dict, objective: dict, index, notes: Notes, subject: str):
    q = _prom_query(tm, index, notes, subject)
    op = _OPS.get(str(objective.get("op")))
    if q is None:
        return None
    if op is None or objective.get("value") is None:
        notes.lost(subject, "thresholdMetric needs an objective with op (lte/lt/gte/gt) and value")
        return None
    if has_window(q):
        notes.lost(subject, "thresholdMetric query must not use a window placeholder")
        return None
    notes.changed(subject, f"threshold SLI: the error ratio is the share of evaluation steps in the window at "
                           f"which not ({q} {op} {objective['value']}), via a subquery")
    text = f"1 - avg_over_time(({q} {op} bool {fmt_number(float(objective['value']))})[$window:])"
    return build(lambda: RawSLI(error_ratio=text), notes, subject)


def _inline_or_ref(item, kind: str, ref_key: str, index: _Index, notes: Notes, subject: str) -> Optional[dict]:
    """An inline object, ``{<ref_key>: name}``, or a bare name (``alertPolicies: ["name"]``)."""
    if isinstance(item, (str, int, float)) and not isinstance(item, bool):
        item = {ref_key: str(item)}
    if not isinstance(item, dict):
        notes.lost(subject, f"{kind} entry {item!r} is neither an object, a {ref_key} nor a name")
        return None
    if ref_key in item:
        found = index.get(kind, str(item[ref_key]))
        if found is None:
            notes.lost(subject, f"{kind} {item[ref_key]!r} is referenced but not defined in the imported files")
        return found
    return item


def _listed(value) -> list:
    """OpenSLO lists that documents also write as one item (or one bare name)."""
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _tiers(slo_doc: dict, period: Duration, index: _Index, notes: Notes, subject: str):
    policies = _listed((slo_doc.get("spec") or {}).get("alertPolicies"))
    windows: Dict[str, list] = {"page": [], "ticket": []}
    severity: Dict[str, str] = {}
    extra: Dict[str, dict] = {"page": {}, "ticket": {}}
    no_data = False
    for item in policies:
        pol = _inline_or_ref(item, "AlertPolicy", "alertPolicyRef", index, notes, subject)
        if pol is None:
            continue
        pspec = pol.get("spec") or {}
        pmeta = pol.get("metadata") or {}
        ann = pmeta.get("annotations") or {}
        no_data = no_data or bool(pspec.get("alertWhenNoData"))
        if pspec.get("alertWhenResolved"):
            notes.lost(subject, f"alert policy {pmeta.get('name')}: alertWhenResolved is receiver configuration "
                                "(send_resolved in Alertmanager)")
        targets = [t if isinstance(t, str) else (t.get("targetRef") or (t.get("metadata") or {}).get("name"))
                   for t in _listed(pspec.get("notificationTargets")) if isinstance(t, (str, dict))]
        if targets:
            notes.lost(subject, f"alert policy {pmeta.get('name')}: notification targets {targets} are routing; "
                                "write them as Alertmanager routes on severity/obskit_tier")
        for citem in _listed(pspec.get("conditions")):
            cond = _inline_or_ref(citem, "AlertCondition", "conditionRef", index, notes, subject)
            if cond is None:
                continue
            cspec = cond.get("spec") or {}
            c = cspec.get("condition") or {}
            cname = (cond.get("metadata") or {}).get("name") or pmeta.get("name")
            if str(c.get("kind", "burnrate")).lower() != "burnrate":
                notes.lost(subject, f"alert condition {cname}: kind {c.get('kind')!r} (obskit alerts on burn rates)")
                continue
            long = parse_shorthand(c.get("lookbackWindow"), notes, subject, f"alert condition {cname} lookbackWindow")
            if long is None or c.get("threshold") is None:
                notes.lost(subject, f"alert condition {cname}: needs threshold and lookbackWindow")
                continue
            after = str(c.get("alertAfter") or "0m")
            if not re.fullmatch(r"0+[a-zA-Z]*", after):
                notes.lost(subject, f"alert condition {cname}: alertAfter {after} (obskit burn alerts fire without "
                                    "a delay; the short window keeps them from flapping)")
            sev = str(cspec.get("severity") or "")
            tier = ann.get(A + "tier") or ((cond.get("metadata") or {}).get("annotations") or {}).get(A + "tier")
            if tier not in ("page", "ticket"):
                tier = "page" if sev.lower() in PAGE_SEVERITIES else "ticket"
                notes.changed(subject, f"alert condition {cname}: severity {sev!r} becomes the {tier} tier")
            if not sev:
                sev = DEFAULT_SEVERITY[tier]    # any other severity is kept as it is (the team routes on it)
            if tier in severity and severity[tier] != sev:
                notes.lost(subject, f"alert condition {cname}: severity {sev!r} differs from {severity[tier]!r} of "
                                    f"the other {tier} conditions; obskit uses one severity a tier")
            severity.setdefault(tier, sev)
            for attr in ("labels", "annotations"):
                if A + "tier-" + attr in ann:
                    extra[tier][attr] = json_strings(ann[A + "tier-" + attr], notes, subject, f"{tier} tier {attr}")
            short = ann.get(A + "short-window")
            share = ann.get(A + "budget-share")
            if short is None:
                short_s = long.seconds // 12 if long.seconds % 12 == 0 else max(60, round(long.seconds / 12 / 60) * 60)
                short = str(Duration(short_s))
                notes.changed(subject, f"alert condition {cname}: OpenSLO gives one window; obskit adds the "
                                       f"Workbook's short window {short} (long/12), which only shortens the reset")
            kw = {"budget_share": float(share)} if share is not None else {"factor": float(c["threshold"])}
            w = build(lambda: BurnWindow(long=str(long), short=short, **kw), notes, subject)
            if w is not None:
                windows[tier].append(w)
    tiers = {}
    for name in ("page", "ticket"):
        if windows[name]:
            tiers[name] = build(lambda: Tier(name=name, severity=severity[name], windows=tuple(windows[name]),
                                             **extra[name]), notes, subject)
        else:
            tiers[name] = None
    if not policies:
        notes.changed(subject, "no alert policies: no burn-rate alerts (delete alerting= for the Workbook defaults)")
    return tiers, no_data


def _slos_from(doc: dict, index: _Index, notes: Notes) -> Tuple[List[Tuple[SLO, tuple]], List[Unconverted]]:
    meta, spec = doc.get("metadata") or {}, doc.get("spec") or {}
    ann = meta.get("annotations") or {}
    service = str(spec.get("service") or "")
    name = str(ann.get(A + "slo-name") or meta.get("name") or "")
    subject = f"SLO {service}/{name}"
    start = len(notes.items)
    method = str(spec.get("budgetingMethod") or "Occurrences")
    if method != "Occurrences":
        notes.lost(subject, f"budgetingMethod {method}: obskit budgets occurrences (good/total events); "
                            "timeslice budgeting is not reproduced")
    period = Duration(30 * 86400)
    tw = _listed(spec.get("timeWindow") or spec.get("timeWindows"))
    if tw and isinstance(tw[0], dict):
        w = tw[0]
        if "duration" in w:
            period = parse_shorthand(w["duration"], notes, subject, "timeWindow") or period
            if not Duration(86400) <= period <= Duration(400 * 86400):
                notes.changed(subject, f"timeWindow {w['duration']}: an implausible SLO period (usually 7d to 90d); "
                                       "kept as given, check it")
        if w.get("calendar") is not None or w.get("isRolling") is False:
            notes.changed(subject, "calendar-aligned time window: obskit periods are rolling")
    labels = {}
    for k, v in (meta.get("labels") or {}).items():
        if isinstance(v, list):
            notes.changed(subject, f"label {k}: list value {v} joined with ','")
            v = ",".join(map(str, v))
        key = re.sub(r"[^a-zA-Z0-9_]", "_", str(k))
        if key != k:
            notes.changed(subject, f"label {k!r} is written {key!r} (Prometheus label names)")
        labels[key] = str(v)
    ind = spec.get("indicator")
    if ind is None and spec.get("indicatorRef"):
        ind = index.get("SLI", str(spec["indicatorRef"]))
        if ind is None:
            notes.lost(subject, f"SLI {spec['indicatorRef']!r} is referenced but not defined in the imported files")
    ispec = (ind or {}).get("spec") or {}
    by = tuple(b for b in str(ann.get(A + "by", "")).split(",") if b)
    objectives = [o for o in _listed(spec.get("objectives")) if isinstance(o, dict)]
    if not objectives:
        notes.lost(subject, "no objectives")
    tiers, no_data = _tiers(doc, period, index, notes, subject)
    absent_for = ann.get(A + "absent-for", "10m" if no_data else None)
    if absent_for == "none":
        absent_for = None
    if not no_data and A + "absent-for" not in ann:
        notes.changed(subject, "no alert policy has alertWhenNoData: the missing-SLI alert is off (absent_for=None)")
    out, unconverted = [], []
    for i, obj in enumerate(objectives):
        if "targetPercent" in obj:
            objective = float(obj["targetPercent"])
        elif "target" in obj:
            objective = round(float(obj["target"]) * 100, 10)
        else:
            notes.lost(subject, f"objective {i}: needs target or targetPercent")
            continue
        slo_name = name if len(objectives) == 1 else f"{name}-{identifier(str(obj.get('displayName') or i)).replace('_', '-')}"
        if len(objectives) > 1:
            notes.changed(subject, f"objective {obj.get('displayName') or i} becomes its own SLO {slo_name!r}")
        if ispec.get("thresholdMetric") is not None:
            sli = _threshold(ispec["thresholdMetric"], obj, index, notes, subject)
        elif ispec.get("ratioMetric") is not None:
            sli = _ratio(ispec["ratioMetric"], index, notes, subject, by)
        else:
            if ind is not None:
                notes.lost(subject, "SLI has neither ratioMetric nor thresholdMetric")
            sli = None
        slo = None
        if sli is not None:
            policy = build(lambda: AlertingPolicy(
                page=tiers["page"], ticket=tiers["ticket"], absent_for=absent_for,
                min_events=float(ann[A + "min-events"]) if A + "min-events" in ann else None,
                **({"absent_severity": ann[A + "absent-severity"]} if A + "absent-severity" in ann else {})),
                notes, subject)
            if policy is not None:
                slo = build(lambda: SLO(
                    service=service, name=slo_name, objective=objective, period=str(period),
                    description=str(spec.get("description") or ""), sli=sli, labels=labels,
                    owner=str(ann.get(A + "owner", "")), runbook_url=str(ann.get(A + "runbook-url", "")),
                    alert_name=ann.get(A + "alert-name"), alerting=policy,
                    **({"window_shape": ann[A + "window-shape"]} if A + "window-shape" in ann else {})),
                    notes, subject)
        if slo is None:
            unconverted.append(Unconverted(subject, "see the findings", dump_yaml(doc)))
        else:
            out.append((slo, tuple(notes.items[start:])))
    return out, unconverted


def convert(paths: Sequence[Path]) -> List[ImportedModule]:
    """All OpenSLO documents of ``paths`` (references resolve across files): one module per service."""
    docs, origin = [], {}
    from obskit.interop import openslo_v1alpha
    for p in paths:
        for d in read_documents(p):
            if str(d.get("apiVersion")) == openslo_v1alpha.API:      # the form Sloth reads
                translated = openslo_v1alpha.to_v1(d, str(p))
            elif str(d.get("apiVersion")) == API:
                translated = [d]
            else:
                raise SourceError(f"{p}: apiVersion {d.get('apiVersion')!r} is not {API} (or "
                                  f"{openslo_v1alpha.API}, the form Sloth reads)")
            for t in translated:
                docs.append(t)
                origin[id(t)] = str(p)
    index = _Index(docs)
    services = {str((d.get("metadata") or {}).get("name")): d for d in docs if d.get("kind") == "Service"}
    grouped: Dict[str, list] = {}
    for d in docs:
        if d.get("kind") != "SLO":
            continue
        notes = Notes(origin[id(d)])
        slos, unconverted = _slos_from(d, index, notes)
        service = str((d.get("spec") or {}).get("service") or "")
        grouped.setdefault(service, []).append((d, slos, unconverted, notes))
    modules = []
    for service, items in sorted(grouped.items()):
        slos, unconv, findings, used = [], [], [], set()
        for d, converted, unconverted, notes in items:
            for slo, mine in converted:
                var = identifier(slo.name)
                while var in used:
                    var += "_"
                used.add(var)
                slos.append(ImportedSLO(var, slo, mine))
            unconv += unconverted
            findings += notes.items
        sdoc = services.get(service) or {}
        desc = ((sdoc.get("spec") or {}).get("description") or (sdoc.get("metadata") or {}).get("displayName")
                or f"SLOs of {service}.")
        sources = sorted({origin[id(d)] for d, *_ in items})
        modules.append(ImportedModule(
            module=identifier(service or "slos"), source=", ".join(sources), source_format="OpenSLO v1",
            description=str(desc).strip(), slos=tuple(slos), unconverted=tuple(unconv),
            findings=tuple(dict.fromkeys(findings))))
    return modules

