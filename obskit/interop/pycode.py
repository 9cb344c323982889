"""Write SLO objects as a Python module a human keeps: one ``SLO(...)`` call per SLO, keyword per
line, defaults left out, the findings as comments above the SLO they concern."""
from __future__ import annotations

import keyword
import re
import textwrap
from typing import List, Sequence

from obskit.duration import Duration
from obskit.interop.findings import ImportedModule, ImportedSLO
from obskit.model.policy import AlertingPolicy, BurnWindow, Tier
from obskit.model.sli import AvailabilitySLI, LatencySLI, RatioSLI, RawSLI
from obskit.model.slo import SLO

_DEFAULT_POLICY = AlertingPolicy()


def identifier(name: str) -> str:
    """A Python identifier from an SLO or file name (``requests-availability`` → ``requests_availability``)."""
    text = re.sub(r"[^0-9a-zA-Z_]+", "_", name).strip("_").lower() or "slo"
    if text[0].isdigit():
        text = "slo_" + text
    return text + "_" if keyword.iskeyword(text) else text


def _s(value) -> str:
    """A string literal; PromQL reads best single-quoted (its own quotes are double), and raw when
    it holds backslashes (``le=~"10|10\\.0"`` stays as written)."""
    text = str(value)
    if "\\" in text and "'" not in text and "\n" not in text and not text.endswith("\\"):
        return f"r'{text}'"
    return repr(text)


def _num(value: float) -> str:
    value = float(value)
    return str(int(value)) if value == int(value) else repr(value)


def _call(name: str, args: Sequence[str], indent: int) -> str:
    """``name(a, b)`` on one line when short, else one argument per line."""
    one = f"{name}({', '.join(args)})"
    if len(one) + indent <= 100 and "\n" not in one:
        return one
    pad = " " * (indent + 4)
    body = "".join(f"{pad}{a},\n" for a in args)
    return f"{name}(\n{body}{' ' * indent})"


def sli_code(sli, indent: int) -> str:
    args: List[str] = []
    if isinstance(sli, RatioSLI):
        args.append(f"total={_s(sli.total)}")
        if sli.errors is not None:
            args.append(f"errors={_s(sli.errors)}")
        if sli.good is not None:
            args.append(f"good={_s(sli.good)}")
        name = "RatioSLI"
    elif isinstance(sli, LatencySLI) and sli.native:
        args += [f"native_histogram={_s(sli.native_histogram)}", f"threshold={_num(sli.threshold)}"]
        name = "LatencySLI"
    elif isinstance(sli, LatencySLI):
        args += [f"histogram={_s(sli.histogram)}", f"threshold={_num(sli.threshold)}",
                 f"buckets=({', '.join(_num(b) for b in sli.buckets)}{',' if len(sli.buckets) == 1 else ''})"]
        name = "LatencySLI"
    elif isinstance(sli, AvailabilitySLI):
        args.append(f"gauge={_s(sli.gauge)}")
        name = "AvailabilitySLI"
    elif isinstance(sli, RawSLI):
        text = sli.error_ratio.strip()
        if "\n" in text:
            pad = " " * (indent + 8)
            lines = "".join(f"{pad}{_s(line + chr(10))}\n" for line in text.splitlines())
            args.append(f"error_ratio=(\n{lines}{' ' * (indent + 4)})")
        else:
            args.append(f"error_ratio={_s(text)}")
        name = "RawSLI"
    else:  # pragma: no cover - every model SLI kind is listed above
        raise TypeError(f"cannot write a {type(sli).__name__}")
    if sli.by:
        args.append(f"by=({', '.join(_s(b) for b in sli.by)},)")
    return _call(name, args, indent)


def _window(w: BurnWindow) -> str:
    args = [f"long={_s(w.long)}", f"short={_s(w.short)}"]
    args.append(f"budget_share={_num(w.budget_share)}" if w.budget_share is not None else f"factor={_num(w.factor)}")
    return f"BurnWindow({', '.join(args)})"


def _tier(t: Tier, indent: int) -> str:
    pad = " " * (indent + 4)
    if not (t.labels or t.annotations):
        windows = "".join(f"{pad}{_window(w)},\n" for w in t.windows)
        return f"Tier(name={_s(t.name)}, severity={_s(t.severity)}, windows=(\n{windows}{' ' * indent}))"
    # with labels or annotations of its own: one keyword a line
    inner = " " * (indent + 8)
    windows = "".join(f"{inner}{_window(w)},\n" for w in t.windows)
    lines = [f"name={_s(t.name)}", f"severity={_s(t.severity)}", f"windows=(\n{windows}{pad})"]
    for attr in ("labels", "annotations"):
        items = [f"{_s(k)}: {_s(v)}" for k, v in getattr(t, attr)]
        if not items:
            continue
        one = f"{attr}={{{', '.join(items)}}}"
        lines.append(one if indent + 4 + len(one) <= 100 else
                     f"{attr}={{\n" + "".join(f"{inner}{i},\n" for i in items) + pad + "}")
    return "Tier(\n" + "".join(f"{pad}{line},\n" for line in lines) + " " * indent + ")"


def policy_code(p: AlertingPolicy, indent: int, comments: dict) -> str:
    pad = " " * (indent + 4)
    lines = []
    for attr in ("page", "ticket"):
        tier = getattr(p, attr)
        lines.append(f"{pad}{attr}={_tier(tier, indent + 4) if tier is not None else 'None'},")
    if p.min_events is not None:
        lines.append(f"{pad}min_events={_num(p.min_events)},")
    if p.absent_for != _DEFAULT_POLICY.absent_for:
        lines.append(f"{pad}absent_for={_s(p.absent_for) if p.absent_for is not None else 'None'},")
    elif "absent_for" in comments:
        lines.append(f"{pad}absent_for={_s(p.absent_for)},  # {comments['absent_for']}")
    if p.absent_severity != _DEFAULT_POLICY.absent_severity:
        lines.append(f"{pad}absent_severity={_s(p.absent_severity)},")
    return "AlertingPolicy(\n" + "\n".join(lines) + f"\n{' ' * indent})"


def slo_code(item: ImportedSLO, comments: dict) -> str:
    s: SLO = item.slo
    out = []
    for f in item.findings:
        for i, line in enumerate(textwrap.wrap(f"{f.kind}: {f.message}", 96)):
            out.append(("# " if i == 0 else "#   ") + line)
    args = [f"service={_s(s.service)}", f"name={_s(s.name)}", f"objective={_num(s.objective)}"]
    if str(s.period) != "30d":
        args.append(f"period={_s(s.period)}")
    if s.description:
        args.append(f"description={_s(s.description)}")
    args.append(f"sli={sli_code(s.sli, 4)}")
    if s.labels:
        args.append("labels={" + ", ".join(f"{_s(k)}: {_s(v)}" for k, v in s.labels) + "}")
    if s.owner:
        args.append(f"owner={_s(s.owner)}")
    if s.runbook_url:
        args.append(f"runbook_url={_s(s.runbook_url)}")
    if s.alert_name:
        args.append(f"alert_name={_s(s.alert_name)}")
    shape = getattr(s, "window_shape", "preaggregated")
    if shape != "preaggregated":
        args.append(f"window_shape={_s(shape)}")
    args.append(f"alerting={policy_code(s.alerting, 4, comments)}")
    out.append(f"{item.variable} = SLO(")
    out += [f"    {a}," for a in args]
    out.append(")")
    return "\n".join(out)


def module_code(m: ImportedModule, absent_note: str = "") -> str:
    """The whole module's source text."""
    kinds = {type(i.slo.sli).__name__ for i in m.slos}
    names = ["SLO", "AlertingPolicy", "BurnWindow", "Tier", *sorted(kinds)]
    doc = [f"{m.description}", ""]
    doc += textwrap.wrap(f"Imported from {m.source} ({m.source_format}) by `obskit import`. This file is "
                         "now the source of truth: edit it, then `obskit build` and `obskit test`.", 96)
    if m.findings:
        doc += ["", "Findings of the import are comments above the SLO they concern (`lost`: not carried",
                "over; `changed`: carried over with a difference in behaviour)."]
    head = '"""' + "\n".join(doc).strip() + '\n"""\n' + f"from obskit import {', '.join(dict.fromkeys(names))}"
    parts = [head]
    comments = {"absent_for": absent_note} if absent_note else {}
    for item in m.slos:
        parts.append(slo_code(item, comments))
    for u in m.unconverted:
        block = [f"# NOT CONVERTED: {u.subject}: {u.reason}", "# The source, kept for reference:"]
        block += [f"#   {line}".rstrip() for line in u.text.rstrip().splitlines()]
        parts.append("\n".join(block))
    return "\n\n\n".join(parts) + "\n"
