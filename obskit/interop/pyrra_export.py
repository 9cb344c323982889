"""obskit SLOs → Pyrra ``ServiceLevelObjective`` objects (``pyrra.dev/v1alpha1``), one file each.

What Pyrra can say is written as Pyrra fields (docs/interop.md has the table): objective → ``target``,
period → ``window``, the SLI → ``indicator.ratio`` / ``latency`` / ``latencyNative`` / ``bool_gauge``
(``by`` → ``grouping``), SLO labels → ``pyrra.dev/<k>`` object labels (Pyrra propagates exactly those
to its rules), ``alert_name`` → ``alerting.name``, no tiers → ``burnrates: false``, no missing-SLI alert
→ ``absent: false`` (both → ``disabled: true``).

Pyrra's burn-rate alerts are fixed: a critical and a warning alert on four windows that scale with the
SLO window (:func:`obskit.interop.pyrra.windows`). An SLO whose tiers are exactly those, or the
Workbook's (obskit's default: the same two tiers and severities, other factors, ``changed``), is
exported; anything Pyrra's alerts cannot carry — a RawSLI, other windows, one tier without the other,
other severities, a tier's own labels or annotations, label values Kubernetes refuses — is an
``unsupported`` finding naming the SLO and its file:line, and the SLO is skipped; with ``lossy`` it is
exported anyway (where an indicator exists) with a ``lost`` finding per thing dropped.

What obskit needs to rebuild the same rules and Pyrra has no field for (the Workbook policy,
``min_events``, the missing-SLI alert's ``for`` and severity, owner, runbook, window shape, the
histogram's buckets, names Kubernetes would refuse) goes in ``obskit.dev/...`` annotations, which
``obskit import pyrra`` reads back: export → import gives the same rules.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from obskit.compile import conventions as conv
from obskit.compile.sli import le_matcher
from obskit.duration import Duration
from obskit.interop.findings import Finding
from obskit.interop.pyrra import A, LABEL_PREFIX, absent_for, standard_windows
from obskit.model.policy import AlertingPolicy, Tier
from obskit.model.sli import AvailabilitySLI, LatencySLI, RatioSLI
from obskit.model.slo import SLO
from obskit.promql import Matcher, fmt_number
from obskit.render.yamlfmt import dump

API = "pyrra.dev/v1alpha1"
KIND = "ServiceLevelObjective"
#: Kubernetes: a label value (and a label name's part after the prefix), a namespace (DNS-1123 label)
_K8S_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_NEGATED = {"=": "!=", "!=": "=", "=~": "!~", "!~": "=~"}
GLOBAL_NOTE = ("Pyrra's alerts differ from obskit's in names and labels: every burn alert is named "
               "alerting.name (default ErrorBudgetBurn) with labels slo=<name>, severity, long, short and the "
               "pyrra.dev/ labels (no obskit_service/obskit_slo/obskit_tier: routes and inhibitions on those do "
               "not match), each held for a 'for' (2m/15m/1h/3h at 28d); the missing-metric alert is "
               "SLOMetricAbsent, critical")


@dataclass(frozen=True)
class ExportedSLO:
    """One Pyrra object: its file name, the SLO it came from and the file's text."""

    filename: str           # <namespace>.<name>.yaml
    slo_id: str
    doc: dict
    text: str


class _Notes:
    """Findings about one SLO, located at its definition (file:line)."""

    def __init__(self, slo: SLO, root: Optional[str]):
        loc = getattr(slo, "location", None)
        self.source = str(loc.relative_to(root) if loc is not None and root else loc or "project")
        self.subject = f"SLO {slo.id}"
        self.items: List[Finding] = []
        self.unsupported: List[str] = []     # what Pyrra cannot say (the SLO is skipped unless lossy)
        self.fatal = False                   # nothing to export at all (no indicator)

    def changed(self, message: str) -> None:
        self.items.append(Finding(self.source, self.subject, "changed", message))

    def cannot(self, message: str, fatal: bool = False) -> None:
        self.unsupported.append(message)
        self.fatal = self.fatal or fatal


def _metric(selector) -> dict:
    return {"metric": str(selector)}


def errors_from_good(sli: RatioSLI):
    """``good`` = ``total`` plus one matcher → the errors selector with that matcher negated (the two
    partition total's series exactly), else None."""
    good, total = sli.good, sli.total
    extra = [m for m in good.matchers if m not in total.matchers]
    if good.metric != total.metric or len(extra) != 1 or len(good.matchers) != len(total.matchers) + 1 \
            or any(m not in good.matchers for m in total.matchers):
        return None
    m = extra[0]
    return total.with_matchers(Matcher(m.name, _NEGATED[m.op], m.value))


def _milliseconds(seconds: float) -> Optional[str]:
    ms = round(seconds * 1000)
    if ms <= 0 or abs(ms - seconds * 1000) > 1e-6:
        return None
    return str(Duration(ms // 1000)) + (f"{ms % 1000}ms" if ms % 1000 else "") if ms >= 1000 else f"{ms}ms"


def _indicator(slo: SLO, n: _Notes, ann: dict) -> Optional[dict]:
    sli, grouping = slo.sli, {"grouping": list(slo.sli.by)} if slo.sli.by else {}
    if isinstance(sli, RatioSLI):
        errors = sli.errors if sli.errors is not None else errors_from_good(sli)
        if errors is None:
            n.cannot(f"good={sli.good}: Pyrra counts errors; a good selector that is not total with one more "
                     "matcher has no errors selector", fatal=True)
            return None
        if sli.errors is None:
            n.changed(f"good={sli.good} is written as errors={errors} (total's series without the good ones)")
        return {"ratio": {"errors": _metric(errors), "total": _metric(sli.total), **grouping}}
    if isinstance(sli, LatencySLI) and sli.native:
        latency = _milliseconds(sli.threshold)
        if latency is None:
            n.cannot(f"threshold {fmt_number(sli.threshold)}s is not a whole number of milliseconds "
                     "(latencyNative.latency)", fatal=True)
            return None
        return {"latencyNative": {"latency": latency, "total": _metric(sli.native_histogram), **grouping}}
    if isinstance(sli, LatencySLI):
        h = sli.histogram
        if tuple(sli.buckets) != (sli.threshold,):
            ann[A + "buckets"] = ",".join(fmt_number(b) for b in sli.buckets)
        le = fmt_number(sli.threshold)
        if le_matcher(sli.threshold).op != "=":
            n.changed(f'le="{le}": Pyrra matches the bucket as written; obskit matches both "{le}" and "{le}.0" '
                      f'(Prometheus 3 normalises le to "{le}.0": write that there)')
        bucket = h.renamed(h.metric + "_bucket").with_matchers(Matcher("le", "=", le))
        return {"latency": {"success": _metric(bucket), "total": _metric(h.renamed(h.metric + "_count")), **grouping}}
    if isinstance(sli, AvailabilitySLI):
        return {"bool_gauge": {"metric": str(sli.gauge), **grouping}}
    n.cannot("RawSLI: Pyrra's indicators are selectors (ratio, latency, latencyNative, bool_gauge), not a "
             "PromQL error ratio", fatal=True)
    return None


def _windows_of(tier: Optional[Tier], period: Duration) -> List[Tuple[float, int, int]]:
    return [(round(w.factor_for(period), 6), w.long.seconds, w.short.seconds) for w in tier.windows] if tier else []


def _same(tier: Optional[Tier], expected: List[Tuple[float, Duration, Duration]], period: Duration) -> bool:
    return _windows_of(tier, period) == [(round(f, 6), l.seconds, s.seconds) for f, l, s in expected]


def _describe(tier: Tier, period: Duration) -> str:
    return ", ".join(f"{fmt_number(w.factor_for(period))}× over {w.long}/{w.short}" for w in tier.windows)


def _alerting(slo: SLO, n: _Notes, ann: dict) -> dict:
    policy: AlertingPolicy = slo.alerting
    period = slo.period
    out: dict = {}
    if slo.alert_name:
        out["name"] = slo.alert_name
    else:
        n.changed(f"no alert_name: Pyrra names the burn alert ErrorBudgetBurn, obskit "
                  f"{conv.burn_alert_name(slo.service, slo.name)}")
    page, ticket = policy.page, policy.ticket
    if page is None and ticket is None:
        out["burnrates"] = False
    elif page is None or ticket is None:
        n.cannot(f"only a {'page' if ticket is None else 'ticket'} tier: Pyrra writes both its critical and its "
                 "warning burn-rate alerts, or neither (burnrates: false)")
    else:
        std = standard_windows(period, slo.objective)
        workbook = (Tier.page(), Tier.ticket())
        if _same(page, std["page"], period) and _same(ticket, std["ticket"], period):
            pass
        elif all(_windows_of(t, period) == _windows_of(w, period) for t, w in zip((page, ticket), workbook)):
            ann[A + "policy"] = "workbook"
            n.changed("the Workbook's windows (" + _describe(page, period) + "; " + _describe(ticket, period)
                      + ") become Pyrra's fixed ones (" + "; ".join(", ".join(
                          f"{fmt_number(f)}× over {l}/{s}" for f, l, s in std[t]) for t in ("page", "ticket"))
                      + f"); {A}policy: workbook brings the Workbook's back on import")
        else:
            for t in (page, ticket):
                n.cannot(f"{t.name} windows {_describe(t, period)}: Pyrra's burn-rate windows are fixed "
                         f"({', '.join(f'{fmt_number(f)}× over {l}/{s}' for f, l, s in std[t.name]) or 'none'} at "
                         f"{period} and {fmt_number(slo.objective)} %)")
        for t, sev in ((page, "critical"), (ticket, "warning")):
            if t.severity != sev:
                n.cannot(f"{t.name} severity {t.severity!r}: Pyrra's {t.name} alert is severity={sev}")
            for attr in ("labels", "annotations"):
                if getattr(t, attr):
                    n.cannot(f"{t.name} tier {attr} " + ", ".join(f"{k}={v!r}" for k, v in getattr(t, attr))
                             + ": Pyrra's alerts carry no per-alert " + attr)
    if policy.min_events is None:
        n.changed("Pyrra has no quiet-service guard: its alerts fire on a single failed request of a quiet service")
    else:
        ann[A + "min-events"] = fmt_number(float(policy.min_events))
        n.changed(f"min_events={fmt_number(float(policy.min_events))}: Pyrra has no such guard (kept in "
                  f"{A}min-events for the way back)")
    if policy.absent_for is None:
        out["absent"] = False
    elif policy.absent_for != absent_for(period) or policy.absent_severity != "critical":
        ann[A + "absent-for"] = str(policy.absent_for)
        ann[A + "absent-severity"] = policy.absent_severity
        n.changed(f"missing-SLI alert after {policy.absent_for} ({policy.absent_severity}): Pyrra's fires after "
                  f"{absent_for(period)} (critical) (kept in {A}absent-for/absent-severity for the way back)")
    if out.get("burnrates") is False and out.get("absent") is False:
        out = {k: v for k, v in out.items() if k not in ("burnrates", "absent")}
        out["disabled"] = True
    return out


def _labels(slo: SLO, n: _Notes, k8s_labels: Sequence[Tuple[str, str]]) -> Dict[str, str]:
    out = dict(k8s_labels)
    for k, v in slo.labels:
        if len(k) > 63 or not _K8S_VALUE.match(k) or len(v) > 63 or not _K8S_VALUE.match(v):
            n.cannot(f"label {k}={v!r}: not a Kubernetes label ({LABEL_PREFIX}{k}), so Pyrra cannot propagate it")
            continue
        out[LABEL_PREFIX + k] = v
    return out


def _names(slo: SLO, namespace: Optional[str], n: _Notes, ann: dict) -> Tuple[str, str]:
    ns = namespace or slo.service.replace("_", "-")
    # one namespace for every service: the service in the name keeps two services' SLOs apart
    name = (slo.name if ns == slo.service.replace("_", "-") else f"{slo.service}-{slo.name}").replace("_", "-")
    if name != slo.name:
        ann[A + "slo-name"] = slo.name
        if "_" in slo.name:
            n.changed(f"name {slo.name!r} is written {name!r} (Kubernetes names have no '_')")
    if ns != slo.service:
        ann[A + "service"] = slo.service
    if len(ns) > 63 or not _DNS_LABEL.match(ns):
        n.cannot(f"namespace {ns!r} is not a Kubernetes namespace (63 characters at most)", fatal=True)
    if len(name) > 253:
        n.cannot(f"name {name!r} is longer than Kubernetes' 253 characters", fatal=True)
    return ns, name


def export_one(slo: SLO, *, k8s_labels=(), namespace: Optional[str] = None, lossy: bool = False,
               root: Optional[str] = None) -> Tuple[Optional[ExportedSLO], List[Finding]]:
    n = _Notes(slo, root)
    ann: Dict[str, str] = {}
    ns, name = _names(slo, namespace, n, ann)
    indicator = _indicator(slo, n, ann)
    alerting = _alerting(slo, n, ann)
    labels = _labels(slo, n, k8s_labels)
    for attr, key in (("owner", "owner"), ("runbook_url", "runbook-url")):
        if getattr(slo, attr):
            ann[A + key] = getattr(slo, attr)
    if slo.runbook_url:
        n.changed(f"runbook_url: Pyrra's alerts carry no runbook (kept in {A}runbook-url)")
    if slo.window_shape != "preaggregated":
        ann[A + "window-shape"] = slo.window_shape
    if n.unsupported and (n.fatal or not lossy):
        why = "; ".join(n.unsupported)
        tail = "" if n.fatal else " (--lossy exports it without these)"
        return None, [Finding(n.source, n.subject, "unsupported", f"not exported, Pyrra cannot express: {why}{tail}")]
    found = n.items + [Finding(n.source, n.subject, "lost", f"exported without it (--lossy): {u}")
                       for u in n.unsupported]
    meta: dict = {"name": name, "namespace": ns}
    if labels:
        meta["labels"] = labels
    if ann:
        meta["annotations"] = dict(sorted(ann.items()))
    spec: dict = {}
    if slo.description:
        spec["description"] = slo.description
    spec.update({"target": fmt_number(slo.objective), "window": str(slo.period), "indicator": indicator})
    if alerting:
        spec["alerting"] = alerting
    doc = {"apiVersion": API, "kind": KIND, "metadata": meta, "spec": spec}
    source = n.source.rsplit(":", 1)[0]
    text = conv.GENERATED_HEADER.format(sources=source) + dump(doc)
    return ExportedSLO(f"{ns}.{name}.yaml", slo.id, doc, text), found


def export(slos: Sequence[SLO], *, k8s_labels=(), namespace: Optional[str] = None, lossy: bool = False,
           root: Optional[str] = None) -> Tuple[List[ExportedSLO], List[Finding]]:
    """Every SLO Pyrra can express (all that have an indicator with ``lossy``), sorted by file name,
    and the findings (``unsupported``: skipped)."""
    out, findings = [], []
    for slo in sorted(slos, key=lambda s: s.id):
        exported, found = export_one(slo, k8s_labels=k8s_labels, namespace=namespace, lossy=lossy, root=root)
        findings += found
        if exported is not None:
            out.append(exported)
    if out:
        findings.append(Finding("Pyrra export", "every exported SLO", "changed", GLOBAL_NOTE))
    return sorted(out, key=lambda e: e.filename), findings


def stream(exported: Sequence[ExportedSLO]) -> str:
    """All objects as one multi-document YAML stream (for stdout or ``kubectl apply -f -``)."""
    return "".join(("---\n" if i else "") + e.text for i, e in enumerate(exported))


def write(exported: Sequence[ExportedSLO], out: Path) -> List[Path]:
    """One file per object in ``out``; files of an earlier export (obskit's header) no longer
    produced are removed. Returns the files written."""
    out.mkdir(parents=True, exist_ok=True)
    names = {e.filename for e in exported}
    head = conv.GENERATED_HEADER.split("{sources}")[0]
    for old in sorted(out.glob("*.yaml")):
        if old.name not in names and old.read_text(errors="replace").startswith(head):
            old.unlink()
    paths = []
    for e in exported:
        path = out / e.filename
        path.write_text(e.text)
        paths.append(path)
    return paths


__all__ = ["API", "ExportedSLO", "export", "export_one", "stream", "write"]
