"""obskit SLOs → Sloth ``prometheus/v1`` specs: one document per service, in one YAML stream.

The mapping is the import's (:mod:`obskit.interop.sloth`) the other way: a ``RatioSLI`` becomes an
``events`` SLI of ``sum(rate(SELECTOR[{{.window}}]))`` queries (``sum by (...)`` with ``by``; a ``good``
selector that is ``total`` with one more matcher becomes the errors selector with that matcher
negated), which import reads back as the same ``RatioSLI``; the other SLI kinds become ``events`` of
obskit's own bad and all event queries (native latency, availability) or a ``raw`` error ratio
(``RawSLI``), which import reads back as a ``RawSLI`` (``changed``); a classic ``LatencySLI`` becomes
``_count - _bucket{le="t"}`` over ``_count``, which import reads back as the same ``LatencySLI``. Tiers: Sloth's windows are the Workbook's
(obskit's default), a tier's ``severity``, labels and annotations go in ``page_alert``/``ticket_alert``,
a missing tier is ``disable: true``, the runbook is the alerts' ``runbook_url`` annotation.

``lost`` (the export is partial): windows other than Sloth's, a period other than 30 days (Sloth's
spec has none: ``sloth generate --default-slo-period``), ``min_events``, a missing-SLI alert other
than the one import adds (10m, warning), the owner.
"""
from __future__ import annotations

from typing import Dict, List, Sequence, Tuple

from obskit.compile import conventions as conv
from obskit.compile.sli import le_matcher, queries
from obskit.duration import Duration
from obskit.interop.findings import Finding, Notes
from obskit.interop.pyrra_export import errors_from_good
from obskit.interop.queries import to_sloth_window
from obskit.interop.sloth import SLOTH_PAGE, SLOTH_TICKET
from obskit.model.policy import AlertingPolicy, BurnWindow, Tier
from obskit.model.sli import LatencySLI, RatioSLI, RawSLI
from obskit.model.slo import SLO
from obskit.promql import Matcher, fmt_number, sum_by
from obskit.render.yamlfmt import dump

W = "{{.window}}"
PERIOD = Duration(30 * 86400)
_DEFAULT_ABSENT = AlertingPolicy()          # what import adds: absent_for 10m, warning


def _rate(selector, by) -> str:
    return sum_by(by, f"rate({selector}[{W}])")


def _sli(slo: SLO, notes: Notes, subject: str) -> dict:
    sli = slo.sli
    if isinstance(sli, RatioSLI):
        errors = sli.errors if sli.errors is not None else errors_from_good(sli)
        if errors is not None:
            if sli.errors is None:
                notes.changed(subject, f"good={sli.good} is written as the errors selector {errors}")
            return {"events": {"error_query": _rate(errors, sli.by), "total_query": _rate(sli.total, sli.by)}}
        notes.changed(subject, "a good selector that is not total with one more matcher: exported as "
                               "total - good events (imported back as a RawSLI)")
        return {"events": {"error_query": f"{_rate(sli.total, sli.by)} - {_rate(sli.good, sli.by)}",
                           "total_query": _rate(sli.total, sli.by)}}
    if isinstance(sli, RawSLI):
        return {"raw": {"error_ratio_query": to_sloth_window(sli.error_ratio.strip())}}
    if isinstance(sli, LatencySLI) and not sli.native:
        h, le = sli.histogram, fmt_number(sli.threshold)
        count, bucket = h.renamed(h.metric + "_count"), h.renamed(h.metric + "_bucket").with_matchers(Matcher("le", "=", le))
        if le_matcher(sli.threshold).op != "=":
            notes.changed(subject, f'le="{le}": Sloth matches the bucket as written; obskit matches both "{le}" and '
                                   f'"{le}.0" (Prometheus 3 normalises le to "{le}.0")')
        return {"events": {"error_query": f"{_rate(count, sli.by)} - {_rate(bucket, sli.by)}",
                           "total_query": _rate(count, sli.by)}}
    bad, total = queries(sli).rates(W)
    notes.changed(subject, f"{type(sli).__name__}: exported as events of obskit's bad and all event queries "
                           "(Sloth has no such SLI; imported back as a RawSLI of the same ratio)")
    return {"events": {"error_query": bad, "total_query": total}}


def _same(tier: Tier, catalog, period: Duration) -> bool:
    mine = [(w.long.seconds, w.short.seconds, round(w.factor_for(period), 6)) for w in tier.windows]
    want = [(b.long.seconds, b.short.seconds, round(b.factor_for(period), 6)) for b in
            (BurnWindow(**w) for w in catalog)]
    return mine == want


def _tier(tier, catalog, slo: SLO, notes: Notes, subject: str) -> dict:
    if tier is None:
        return {"disable": True}
    if not _same(tier, catalog, slo.period):
        windows = ", ".join(f"{fmt_number(w.factor_for(slo.period))}× over {w.long}/{w.short}" for w in tier.windows)
        notes.lost(subject, f"{tier.name} windows {windows}: Sloth's are fixed (the Workbook's: "
                            f"{'14.4× over 1h/5m, 6× over 6h/30m' if tier.name == 'page' else '3× over 1d/2h, 1× over 3d/6h'})")
    out: dict = {"labels": {"severity": tier.severity, **dict(tier.labels)}}
    if tier.annotations:
        out["annotations"] = dict(tier.annotations)
    return out


def _slo(slo: SLO, notes: Notes) -> dict:
    subject = f"SLO {slo.id}"
    policy = slo.alerting
    if slo.period != PERIOD:
        notes.lost(subject, f"period {slo.period}: Sloth's spec has none (30 days unless sloth generate "
                            f"--default-slo-period={slo.period}); import reads 30d")
    if slo.owner:
        notes.lost(subject, f"owner {slo.owner!r}: Sloth's spec has no owner")
    if policy.min_events is not None:
        notes.lost(subject, f"min_events={fmt_number(float(policy.min_events))}: Sloth has no quiet-service guard")
    if (policy.absent_for, policy.absent_severity) != (_DEFAULT_ABSENT.absent_for, _DEFAULT_ABSENT.absent_severity):
        notes.lost(subject, f"missing-SLI alert {policy.absent_for or 'off'} ({policy.absent_severity}): Sloth has "
                            f"none; import adds obskit's ({_DEFAULT_ABSENT.absent_for}, {_DEFAULT_ABSENT.absent_severity})")
    out: dict = {"name": slo.name, "objective": slo.objective}
    if slo.description:
        out["description"] = slo.description
    if slo.labels:
        out["labels"] = dict(slo.labels)
    out["sli"] = _sli(slo, notes, subject)
    alerting: dict = {"name": slo.alert_name or conv.burn_alert_name(slo.service, slo.name)}
    page = _tier(policy.page, SLOTH_PAGE, slo, notes, subject)
    ticket = _tier(policy.ticket, SLOTH_TICKET, slo, notes, subject)
    _shared(alerting, page, ticket)
    alerting["page_alert"], alerting["ticket_alert"] = page, ticket
    if slo.runbook_url:
        alerting.setdefault("annotations", {})["runbook_url"] = slo.runbook_url
    out["alerting"] = {k: alerting[k] for k in ("name", "labels", "annotations", "page_alert", "ticket_alert")
                       if k in alerting}
    return out


def _shared(alerting: dict, page: dict, ticket: dict) -> None:
    """Labels and annotations both alerts carry alike go in ``alerting`` (Sloth's "on every alert")."""
    if page.get("disable") or ticket.get("disable"):
        return
    for key in ("labels", "annotations"):
        a, b = page.get(key) or {}, ticket.get(key) or {}
        common = {k: v for k, v in a.items() if k != "severity" and b.get(k) == v}
        if not common:
            continue
        alerting[key] = {**alerting.get(key, {}), **common}
        for tier in (page, ticket):
            tier[key] = {k: v for k, v in tier[key].items() if k not in common}
            if not tier[key]:
                del tier[key]


def export(slos: Sequence[SLO], source: str = "project") -> Tuple[str, List[Finding]]:
    """The Sloth specs for ``slos`` (one ``prometheus/v1`` document per service) and what they could
    not express."""
    notes = Notes(source)
    by_service: Dict[str, list] = {}
    for slo in sorted(slos, key=lambda s: s.id):
        by_service.setdefault(slo.service, []).append(_slo(slo, notes))
    docs = [{"version": "prometheus/v1", "service": service, "slos": items}
            for service, items in sorted(by_service.items())]
    text = conv.GENERATED_HEADER.format(sources=source) + "".join("---\n" + dump(d) for d in docs)
    return text, notes.items


__all__ = ["export"]
