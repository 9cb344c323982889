"""When does an alert fire? Measured by promtool, not computed.

A probe is one synthetic scenario with a silence check (``exp_alerts: []``) at every evaluation step.
promtool reports each check that fails with the alerts it got instead, so one run gives the alert's
labels at every step: the firing periods. Many probes go in one test file (one promtool run).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from obskit.compile.ir import RuleGroup
from obskit.duration import Duration
from obskit.errors import ToolError
from obskit.verify.promtool_tests import AlertCheck, PromtoolTest, PromtoolTestFile
from obskit.verify.runner import run_files
from obskit.verify.series import Series

Labels = Dict[str, str]


@dataclass(frozen=True)
class Probe:
    name: str
    series: Tuple[Series, ...]
    alertname: str
    times: Tuple[int, ...]             # eval times (seconds) to check


def probe_file(name: str, subject: str, groups: Sequence[RuleGroup], interval: Duration,
               probes: Sequence[Probe], series_interval: Optional[Duration] = None) -> PromtoolTestFile:
    """Rules evaluated every ``interval``; input samples every ``series_interval`` (default: the same)."""
    tests = tuple(PromtoolTest(name=p.name, interval=series_interval or interval, series=p.series,
                               alert_checks=tuple(AlertCheck(Duration(t), p.alertname) for t in p.times))
                  for p in probes)
    return PromtoolTestFile(name=name, subject=subject, groups=tuple(groups), evaluation_interval=interval,
                            tests=tests)


_BLOCK = re.compile(r"^\s*name: (?P<name>.*),\s*$")
_CHECK = re.compile(r"^\s*alertname: (?P<alert>[^,]*), time: (?P<time>[^,]*),\s*$")
_LABELS = re.compile(r"Labels:\{(?P<body>.*)\}")
_PAIR = re.compile(r'([A-Za-z_][A-Za-z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse_failures(output: str) -> Dict[str, Dict[int, List[Labels]]]:
    """promtool's failure report → {test name: {eval seconds: [labels of each alert it got]}}."""
    out: Dict[str, Dict[int, List[Labels]]] = {}
    test: Optional[str] = None
    at: Optional[int] = None
    for line in output.splitlines():
        m = _BLOCK.match(line)
        if m:
            test, at = m.group("name"), None
            continue
        m = _CHECK.match(line)
        if m and test is not None:
            at = Duration.parse(m.group("time").strip()).seconds
            out.setdefault(test, {}).setdefault(at, [])
            continue
        m = _LABELS.search(line)
        if m and test is not None and at is not None:
            labels = {k: bytes(v, "utf-8").decode("unicode_escape") for k, v in _PAIR.findall(m.group("body"))}
            out[test][at].append(labels)
    return out


def firing(files: Sequence[PromtoolTestFile], workers: Optional[int] = None,
           keep: Optional[Path] = None) -> Dict[str, Dict[int, List[Labels]]]:
    """Run the probe files; for every probe, the alerts firing at each checked time (absent: silent)."""
    result: Dict[str, Dict[int, List[Labels]]] = {}
    for f, outcome in zip(files, run_files(files, workers=workers, keep=keep)):
        failures = parse_failures(outcome.output) if not outcome.ok else {}
        if not outcome.ok and not failures:
            raise ToolError(f"promtool could not run {f.name}:\n{outcome.output}")
        for t in f.tests:
            result[t.name] = failures.get(t.name, {})
    return result


def firing_times(found: Dict[int, List[Labels]], match: Optional[Labels] = None) -> List[int]:
    """Sorted times at which an alert whose labels include ``match`` was firing."""
    match = match or {}
    return sorted(t for t, alerts in found.items()
                  if any(all(a.get(k) == v for k, v in match.items()) for a in alerts))
