"""One backtest: the project's SLOs (and alternative policies) replayed over fetched history, scored."""
from __future__ import annotations

import importlib
import sys
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

from obskit.compile.slo import compile_slo
from obskit.compile.windows import base_window
from obskit.live.backtest.errors import BacktestError
from obskit.live.backtest.incidents import Incident
from obskit.live.backtest.rate import Dialect
from obskit.live.backtest.score import AlertScore, score
from obskit.live.backtest.samples import select
from obskit.live.backtest.sli import kind_for
from obskit.live.backtest.windows import Evaluation, evaluate, longest_window
from obskit.model.policy import AlertingPolicy

PROJECT_POLICY = "project"


@dataclass(frozen=True)
class Replayed:
    """One SLO under one policy."""

    slo_id: str
    policy: str
    evaluation: Evaluation
    scores: Tuple[AlertScore, ...]


@dataclass
class Timings:
    query: float = 0.0
    compute: float = 0.0
    requests: int = 0


@dataclass(frozen=True)
class Backtest:
    source: str
    dialect: Dialect
    start: float
    end: float
    incidents: Tuple[Incident, ...]
    policies: Tuple[str, ...]
    replayed: Tuple[Replayed, ...]
    skipped: Tuple[str, ...]
    timings: Timings = field(default_factory=Timings)


def select_slos(project, wanted: Sequence[str]):
    """The project's SLOs named by ``--slo`` (SERVICE/NAME or SERVICE-NAME), all when none is named."""
    if not wanted:
        return list(project.slos)
    by_name = {}
    for s in project.slos:
        by_name[f"{s.service}/{s.name}"] = by_name[s.id] = s
    unknown = [w for w in wanted if w not in by_name]
    if unknown:
        known = ", ".join(sorted(f"{s.service}/{s.name}" for s in project.slos)) or "none"
        raise BacktestError(f"--slo {unknown[0]}: no such SLO in {project.root} (the project defines: {known})")
    return list(dict.fromkeys(by_name[w] for w in wanted))


def load_policy(spec: str, root: Path) -> Tuple[str, AlertingPolicy]:
    """``MODULE:NAME`` (a module importable from the project directory) to (NAME, the policy)."""
    module, sep, name = spec.partition(":")
    if not sep or not module or not name:
        raise BacktestError(f"--policy {spec}: give MODULE:NAME, e.g. policies:fast_page")
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    try:
        mod = importlib.import_module(module)
    except ImportError as exc:
        raise BacktestError(f"--policy {spec}: cannot import {module!r} from {root} ({exc})") from None
    policy = getattr(mod, name, None)
    where = getattr(mod, "__file__", module)
    if policy is None:
        raise BacktestError(f"--policy {spec}: {where} defines no {name!r}")
    if not isinstance(policy, AlertingPolicy):
        raise BacktestError(f"--policy {spec}: {where}: {name} is a {type(policy).__name__}, not an AlertingPolicy")
    if name == PROJECT_POLICY:
        name = f"{module}:{name}"
    return name, policy


def _phases(source, compiled) -> Dict[str, float]:
    """The server's own evaluation phase of each rule group, when the source is a server running them."""
    api = getattr(source, "api", None)
    if api is None:
        return {}
    from obskit.live.backtest.fetch import server_phases
    return server_phases(api, [g.name for c in compiled for g in c.groups()])


def _fetch(source, cache: Dict, sel, since: float, end: float) -> list:
    """The series of ``sel``, fetched once: a selector that narrows one already fetched over the same span
    (``errors`` under ``total``: same metric, more matchers) is matched in memory."""
    for (metric, matchers, frm), found in cache.items():
        if metric == sel.metric and frm == since and set(matchers) <= set(sel.matchers):
            return select(found, sel)
    found = source.series(sel, int(since * 1000), int(end * 1000))
    cache[(sel.metric, sel.matchers, since)] = found
    return found


def fetch_span(compiled, settings, start: float) -> float:
    """How far before ``start`` samples are needed: the longest window, the base window and the lookback."""
    longest = max(longest_window(c).seconds for c in compiled)
    return start - longest - base_window(settings.scrape_interval).seconds - 300


def backtest(project, source, slos: Sequence, start: float, end: float, *, incidents: Sequence[Incident] = (),
             policies: Sequence[Tuple[str, AlertingPolicy]] = (), phases: Optional[Mapping[str, float]] = None,
             progress=None) -> Backtest:
    """Replay every SLO of ``slos`` under its own policy and each of ``policies`` on samples of ``source``
    (:mod:`obskit.live.backtest.fetch`) over [start, end] (Unix seconds)."""
    if end <= start:
        raise BacktestError(f"--to must be after --from (got {start:.0f} .. {end:.0f})")
    settings = project.settings
    timings = Timings()
    incidents = tuple(i for i in incidents if i.end >= start and i.start <= end)   # the replayed span only
    labels = (PROJECT_POLICY,) + tuple(name for name, _ in policies)
    replayed: List[Replayed] = []
    skipped: List[str] = []
    cache: Dict[tuple, list] = {}
    for slo in slos:
        variants = [(PROJECT_POLICY, slo)] + [(n, replace(slo, alerting=p)) for n, p in policies]
        compiled = [(n, compile_slo(s, settings)) for n, s in variants]
        try:
            kind = kind_for(slo.sli)
        except BacktestError as exc:
            skipped.append(f"{slo.service}/{slo.name}: {exc}")
            continue
        since = fetch_span([c for _, c in compiled], settings, start)
        slo_phases = phases if phases is not None else _phases(source, [c for _, c in compiled])
        data = {str(sel): _fetch(source, cache, sel, since, end) for sel in kind.selectors() + (kind.presence(),)}
        started = time.perf_counter()
        for name, c in compiled:
            ev = evaluate(c, data, int(start * 1000), int(end * 1000), dialect=source.dialect, settings=settings,
                          history_ms=int((start - since) * 1000), phases=slo_phases)
            scores = tuple(score(tr, ev, incidents, end - start) for tr in ev.alerts)
            replayed.append(Replayed(slo.id, name, ev, scores))
        timings.compute += time.perf_counter() - started
        if progress:
            progress(f"replayed {slo.service}/{slo.name}")
    timings.query, timings.requests = source.clock.seconds, source.clock.requests
    return Backtest(source.describe(), source.dialect, start, end, tuple(incidents), labels, tuple(replayed),
                    tuple(skipped), timings)
