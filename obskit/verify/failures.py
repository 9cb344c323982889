"""promtool's failure report read back into the expectations it came from: the test, the file:line where
the expectation was written, which alert with which labels, expected against got.

promtool prints a failed ``alert_rule_test`` as ``name: <test>, alertname: <a>, time: <t>`` followed by
``exp:[...]`` and ``got:[...]`` blocks of ``Labels:{...}``, and a failed ``promql_expr_test`` as
``expr: "<expr>", time: <t>`` with ``exp:`` and ``got:`` sample lists but no test name (2.42, 3.5 and
3.16 alike): obskit writes each expression with a comment naming its check
(:func:`~obskit.verify.promtool_tests.check_tag`) to find it again.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

from obskit.verify.promtool_tests import AlertCheck, ExprCheck, Origin, PromtoolTestFile

Labels = Dict[str, str]

_NAME = re.compile(r"^\s*name: (?P<name>.*),\s*$")
_ALERT = re.compile(r"^\s*alertname: (?P<alert>.*), time: (?P<time>[^,\s]*),\s*$")
_EXPR = re.compile(r'^\s*expr: (?P<expr>".*"), time: (?P<time>[^,\s]*),\s*$')
_TAG = re.compile(r"# obskit check (\d+)\.(\d+)")
_SECTION = re.compile(r"^\s*(?P<which>exp|got):(?P<rest>.*)$")
_LABELS = re.compile(r"Labels:\{(?P<body>.*)\}")
_SAMPLE = re.compile(r'\{(?P<body>(?:[^"}]|"(?:[^"\\]|\\.)*")*)\}\s+(?P<value>[^,\s]+)')
_PAIR = re.compile(r'([A-Za-z_][A-Za-z0-9_.]*|"(?:[^"\\]|\\.)*")="((?:[^"\\]|\\.)*)"')
_UNIT = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400, "y": 365 * 86400}


@dataclass
class Reported:
    """One failed check as promtool printed it."""

    kind: str                        # "alert" or "expr"
    time: float                      # seconds
    test: Optional[str] = None       # alert checks: the test's name
    alert: str = ""
    tag: Optional[Tuple[int, int]] = None   # expression checks: (test index, check index)
    exp: List[Labels] = field(default_factory=list)
    got: List[Labels] = field(default_factory=list)


@dataclass(frozen=True)
class Failure:
    """One expectation that did not hold, in words: ``lines[0]`` the expectation as written, the rest
    what differed."""

    test: str
    origin: Optional[Origin]
    lines: Tuple[str, ...]

    def text(self, indent: str = "    ", root: Optional[str] = None) -> str:
        """With the expectation's file:line first (relative to ``root``, default: the working directory)."""
        first, *rest = self.lines
        return "\n".join([indent + _where(self.origin, root) + first] + [indent + "  " + r for r in rest])


def _seconds(text: str) -> float:
    total, pos = 0.0, 0
    for m in re.finditer(r"(\d+)(ms|[ywdhms])", text):
        total += int(m.group(1)) * _UNIT[m.group(2)]
        pos = m.end()
    return total if pos == len(text) else -1.0


def _labels(body: str) -> Labels:
    out = {}
    for k, v in _PAIR.findall(body):
        k = k[1:-1] if k.startswith('"') else k
        out[k] = bytes(v, "utf-8").decode("unicode_escape")
    return out


def parse(output: str) -> List[Reported]:
    """Every failed check in promtool's report (checks of files that did not load: none)."""
    found: List[Reported] = []
    test: Optional[str] = None
    current: Optional[Reported] = None
    section = ""
    for line in output.splitlines():
        m = _NAME.match(line)
        if m:
            test, current = m.group("name"), None
            continue
        m = _ALERT.match(line)
        if m:
            current = Reported("alert", _seconds(m.group("time")), test, m.group("alert"))
            found.append(current)
            section = ""
            continue
        m = _EXPR.match(line)
        if m:
            tag = _TAG.search(m.group("expr"))
            current = Reported("expr", _seconds(m.group("time")),
                               tag=(int(tag.group(1)), int(tag.group(2))) if tag else None)
            found.append(current)
            section = ""
            continue
        if current is None:
            continue
        m = _SECTION.match(line)
        if m:
            section = m.group("which")
            if current.kind == "expr":
                rest = m.group("rest").strip()
                getattr(current, section).extend(_labels(s.group("body")) for s in _SAMPLE.finditer(rest))
            continue
        m = _LABELS.search(line)
        if m and section and current.kind == "alert":
            getattr(current, section).append(_labels(m.group("body")))
    return found


def _show(labels: Labels, drop: Sequence[str] = ()) -> str:
    return "{" + ", ".join(f'{k}="{v}"' for k, v in sorted(labels.items()) if k not in drop) + "}"


def _diff(exp: List[Labels], got: List[Labels], drop: Sequence[str]) -> List[str]:
    """What differs between the expected and the got alert instances."""
    missing = [e for e in exp if e not in got]
    extra = [g for g in got if g not in exp]
    if len(missing) == 1 and len(extra) == 1:
        e, g = missing[0], extra[0]
        keys = sorted(set(e) | set(g))
        diffs = [f"{k}: expected {e[k]!r}, got {g[k]!r}" if k in e and k in g else
                 (f"{k}: expected {e[k]!r}, got no such label" if k in e else f"{k}: got {g[k]!r}, not expected")
                 for k in keys if e.get(k) != g.get(k) and k not in drop]
        return [f"fired with other labels: {'; '.join(diffs)} (expected {_show(e, drop)})"]
    everyone = missing + extra
    common = set.intersection(*(set(x.items()) for x in everyone)) if len(everyone) > 1 else set()
    hide = tuple(drop) + tuple(k for k, _ in common)
    out = [f"expected firing, not firing: {_show(e, hide)}" for e in missing]
    out += [f"firing, not expected: {_show(g, hide)}" for g in extra]
    if common and out:
        out.append(f"(all with {_show(dict(common), drop)})")
    return out


def _fmt_time(seconds: float) -> str:
    from obskit.duration import Duration
    return str(Duration(int(seconds))) if seconds == int(seconds) else f"{seconds}s"


def _where(origin: Optional[Origin], root: Optional[str] = None) -> str:
    if origin is None or origin.location is None:
        return ""
    return f"{origin.location.relative_to(root or os.getcwd())}: "


def explain(file: PromtoolTestFile, output: str) -> List[Failure]:
    """The failed checks of ``file`` in words (empty when promtool's report names none, e.g. a rule file
    that did not load: then only the raw report says what happened)."""
    by_name: Dict[str, int] = {}
    for i, t in enumerate(file.tests):
        by_name.setdefault(t.name, i)
    out: List[Failure] = []
    for r in parse(output):
        if r.kind == "alert":
            ti = by_name.get(r.test or "")
            if ti is None:
                continue
            test = file.tests[ti]
            check: Optional[AlertCheck] = next((c for c in test.alert_checks if c.alertname == r.alert
                                                and c.eval_time.seconds == r.time), None)
            origin = check.origin if check else None
            head = origin.what if origin else f"{r.alert} at {_fmt_time(r.time)}"
            body = [f"{r.alert} at {_fmt_time(r.time)}: {line}" for line in _diff(r.exp, r.got, ("alertname",))]
            if not r.exp and r.got:
                body = [f"{r.alert} at {_fmt_time(r.time)}: expected silent, firing: {_show(g, ('alertname',))}"
                        for g in r.got]
            out.append(Failure(test.name, origin, (head, *body)))
        elif r.tag is not None and r.tag[0] < len(file.tests) and r.tag[1] < len(file.tests[r.tag[0]].expr_checks):
            test = file.tests[r.tag[0]]
            check_e: ExprCheck = test.expr_checks[r.tag[1]]
            origin = check_e.origin
            drop = ("alertname", "alertstate")
            if origin is None:
                head = f"expression at {_fmt_time(r.time)}: {check_e.expr}"
                body = [f"expected {[_show(l) for l, _ in check_e.samples] or 'no result'}, got "
                        f"{[_show(g) for g in r.got] or 'no result'}"]
            else:
                head = origin.what
                claim = f"{origin.alert}: expected {origin.meaning}" if origin.meaning else origin.alert
                if not r.exp:
                    body = [f"{claim}, but it fired: {_show(g, drop)}" for g in r.got]
                elif not r.got:
                    body = [f"{claim}, but it did not fire: {_show(e, drop)}" for e in r.exp]
                else:
                    body = [f"{claim}: {line}" for line in _diff(r.exp, r.got, drop)]
            out.append(Failure(test.name, origin, (head, *body)))
    return out
