"""Which copies of the rules a build writes, and ``promtool check rules`` over them.

Rules are written once where one copy serves (``[project] rule_output``, :func:`outputs`): rule files
(``prometheus/rules/*.yml``), PrometheusRule objects (``kubernetes/*-prometheusrule.yaml``) or both.
Whatever is written, promtool checks every rule: rules written only as PrometheusRule objects are
checked from their rule-file form, written for that into a temporary folder.

Many rule files are split by size into one ``promtool check rules`` per core, run side by side:
promtool checks one file after another, and a big project's check is the longest part of its build.
"""
from __future__ import annotations

import os
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

from obskit.project import Project, rule_outputs

#: a promtool run checks at least this many bytes of rules (a run costs some 50 ms to start)
MIN_CHUNK_BYTES = 2_000_000


def outputs(project: Project) -> Tuple[bool, bool]:
    """``(rule files, PrometheusRule objects)`` this project's build writes: the settings'
    :func:`~obskit.project.rule_outputs`; by default also the rule files when a Prometheus config of
    the project loads them (its ``rule_files``)."""
    files, objects = rule_outputs(project.settings)
    if not files and project.settings.rule_output is None:
        from obskit.model.prometheus_config.server import PrometheusConfig
        files = bool(project.of(PrometheusConfig))
    return files, objects


def chunks(paths: Sequence[Path], sizes: Sequence[int], workers: int) -> List[List[Path]]:
    """``paths`` in at most ``workers`` runs of about equal size (each at least MIN_CHUNK_BYTES), in
    order: the runs' outputs read in file order."""
    total = sum(sizes)
    count = max(1, min(workers, len(paths), total // MIN_CHUNK_BYTES or 1))
    out: List[List[Path]] = [[]]
    done = 0
    for path, size in zip(paths, sizes):
        if out[-1] and done >= total * len(out) / count:
            out.append([])
        out[-1].append(path)
        done += size
    return out


def check(paths: Sequence[Path], tool, workers: int = 0):
    """``promtool check rules`` of ``paths``: ``(ok, output)``, the outputs in file order."""
    from obskit.verify import promtool
    if not workers:
        workers = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    parts = chunks(list(paths), [Path(p).stat().st_size for p in paths], workers)
    if len(parts) == 1:
        res = promtool.check_rules(parts[0], tool=tool)
        return res.ok, res.output
    with ThreadPoolExecutor(max_workers=len(parts), thread_name_prefix="obskit-promtool") as pool:
        results = list(pool.map(lambda part: promtool.check_rules(part, tool=tool), parts))
    return all(r.ok for r in results), "".join(r.output for r in results)


def check_with_unwritten(directory: Path, written: Sequence[str], unwritten: Dict[str, bytes], tool):
    """Check the staged rule files ``written`` (relative to ``directory``) and ``unwritten`` ones (path →
    bytes: rules written only as PrometheusRule objects), the latter from a temporary folder."""
    with tempfile.TemporaryDirectory(prefix="obskit-rules-") as tmp:
        paths = [Path(directory) / p for p in written]
        for rel, data in sorted(unwritten.items()):
            path = Path(tmp) / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            paths.append(path)
        if not paths:
            return True, ""
        return check(paths, tool)
