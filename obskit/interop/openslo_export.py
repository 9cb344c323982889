"""obskit SLOs → OpenSLO v1 documents: one ``Service`` per service and one ``SLO`` per obskit SLO, with
its SLI and one ``AlertPolicy`` per burn window inline. What OpenSLO v1 cannot say (short windows, tier
names, budget shares, a tier's own labels and annotations, ``min_events``, the absent alert, owner,
runbook, window shape) is written as ``obskit.dev/...`` annotations, which :mod:`obskit.interop.openslo`
reads back, so export → import gives the same SLO.
"""
from __future__ import annotations

import json
from typing import List, Sequence, Tuple

from obskit.compile import conventions as conv
from obskit.compile.sli import le_matcher
from obskit.interop.findings import Finding, Notes
from obskit.interop.openslo import API, A, shorthand
from obskit.interop.queries import to_sloth_window
from obskit.model.sli import AvailabilitySLI, LatencySLI, RatioSLI
from obskit.model.slo import SLO
from obskit.promql import fmt_number
from obskit.render.yamlfmt import dump

def _n(value: float):
    return int(value) if float(value) == int(value) else float(value)


def _source(query: str) -> dict:
    return {"metricSource": {"type": "Prometheus", "spec": {"query": query}}}


def _indicator(slo: SLO, notes: Notes, subject: str) -> dict:
    sli = slo.sli
    if isinstance(sli, RatioSLI):
        part = {"bad": _source(str(sli.errors))} if sli.errors is not None else {"good": _source(str(sli.good))}
        rm = {"counter": True, **part, "total": _source(str(sli.total))}
    elif isinstance(sli, LatencySLI) and sli.native:
        # OpenSLO ratio sources are counters or gauges; a native histogram's good share is a fraction
        notes.changed(subject, "native-histogram LatencySLI: exported as a raw failure ratio "
                               "(1 - histogram_fraction) with Sloth's {{.window}} placeholder")
        h = f"sum(rate({sli.native_histogram}[{{{{.window}}}}]))"
        rm = {"rawType": "failure",
              "raw": _source(f"1 - histogram_fraction(-Inf, {fmt_number(sli.threshold)}, {h})")}
    elif isinstance(sli, LatencySLI):
        bucket = sli.histogram.renamed(sli.histogram.metric + "_bucket").with_matchers(le_matcher(sli.threshold))
        rm = {"counter": True, "good": _source(str(bucket)),
              "total": _source(str(sli.histogram.renamed(sli.histogram.metric + "_count")))}
    elif isinstance(sli, AvailabilitySLI):
        rm = {"counter": False, "good": _source(f"sum({sli.gauge})"), "total": _source(f"count({sli.gauge})")}
    else:
        notes.changed(subject, "RawSLI: exported as a raw failure ratio whose query keeps Sloth's {{.window}} "
                               "placeholder; tools other than obskit and Sloth need it replaced")
        rm = {"rawType": "failure", "raw": _source(to_sloth_window(sli.error_ratio.strip()))}
    return {"metadata": {"name": conv.OPENSLO_SLI_NAME.format(slo_id=slo.id)}, "spec": {"ratioMetric": rm}}


def _policies(slo: SLO, notes: Notes, subject: str) -> List[dict]:
    out = []
    no_data = slo.alerting.absent_for is not None
    for tier in slo.alerting.tiers:
        for w in tier.windows:
            long = shorthand(w.long)
            if long is None:
                notes.lost(subject, f"{tier.name} window {w.long} cannot be written as an OpenSLO duration-shorthand")
                continue
            name = conv.OPENSLO_POLICY_NAME.format(slo_id=slo.id, tier=tier.name, window=long)
            ann = {A + "tier": tier.name, A + "short-window": str(w.short)}
            if w.budget_share is not None:
                ann[A + "budget-share"] = fmt_number(w.budget_share)
            for attr in ("labels", "annotations"):      # the tier's own, on its alert only
                if getattr(tier, attr):
                    ann[A + "tier-" + attr] = json.dumps(dict(getattr(tier, attr)), sort_keys=True)
            out.append({
                "kind": "AlertPolicy",
                "metadata": {"name": name, "annotations": ann},
                "spec": {
                    "description": f"{tier.name}: burn rate over {w.long} (and {w.short}) above "
                                   f"{fmt_number(w.factor_for(slo.period))}",
                    "alertWhenBreaching": True, "alertWhenResolved": False, "alertWhenNoData": no_data,
                    "conditions": [{
                        "kind": "AlertCondition",
                        "metadata": {"name": name},
                        "spec": {"severity": tier.severity,
                                 "condition": {"kind": "burnrate", "threshold": _n(w.factor_for(slo.period)),
                                               "lookbackWindow": long, "alertAfter": "0m"}},
                    }],
                    "notificationTargets": [],
                },
            })
    return out


def export(slos: Sequence[SLO], source: str = "project") -> Tuple[str, List[Finding]]:
    """The OpenSLO v1 multi-document YAML for ``slos`` and what it could not express."""
    notes = Notes(source)
    docs = []
    for service in sorted({s.service for s in slos}):
        docs.append({"apiVersion": API, "kind": "Service", "metadata": {"name": service},
                     "spec": {"description": f"Service {service} (exported by obskit)"}})
    for slo in sorted(slos, key=lambda s: s.id):
        subject = f"SLO {slo.id}"
        period = shorthand(slo.period)
        if period is None:
            notes.lost(subject, f"period {slo.period} cannot be written as an OpenSLO duration-shorthand")
            continue
        ann = {A + "slo-name": slo.name}
        if slo.owner:
            ann[A + "owner"] = slo.owner
        if slo.runbook_url:
            ann[A + "runbook-url"] = slo.runbook_url
        if slo.alert_name:
            ann[A + "alert-name"] = slo.alert_name
        if slo.sli.by:
            ann[A + "by"] = ",".join(slo.sli.by)
        if getattr(slo, "window_shape", "preaggregated") != "preaggregated":
            ann[A + "window-shape"] = slo.window_shape
        if slo.alerting.min_events is not None:
            ann[A + "min-events"] = fmt_number(float(slo.alerting.min_events))
            notes.changed(subject, "min_events has no OpenSLO equivalent: kept as annotation obskit.dev/min-events")
        ann[A + "absent-for"] = str(slo.alerting.absent_for) if slo.alerting.absent_for is not None else "none"
        ann[A + "absent-severity"] = slo.alerting.absent_severity
        meta = {"name": slo.id, "displayName": f"{slo.service} {slo.name}"}
        if slo.labels:
            meta["labels"] = dict(slo.labels)
        meta["annotations"] = ann
        spec = {"description": slo.description} if slo.description else {}
        spec.update({
            "service": slo.service,
            "indicator": _indicator(slo, notes, subject),
            "timeWindow": [{"duration": period, "isRolling": True}],
            "budgetingMethod": "Occurrences",
            "objectives": [{"displayName": slo.name, "target": round(slo.objective / 100, 12)}],
        })
        policies = _policies(slo, notes, subject)
        if policies:
            spec["alertPolicies"] = policies
        docs.append({"apiVersion": API, "kind": "SLO", "metadata": meta, "spec": spec})
    text = conv.GENERATED_HEADER.format(sources=source) + "".join("---\n" + dump(d) for d in docs)
    return text, notes.items
