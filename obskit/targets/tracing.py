"""Tracing → ``jaeger/<name>/config.yaml`` (Jaeger v2), ``jaeger/<name>/sampling_strategies.json``,
``otel/<name>/collector.yaml``, ``tempo/<name>/tempo.yaml``. Verify runs the Python validators of
``obskit.render.otel`` and ``obskit.render.jaeger`` on the written files, then, when installed, the
real programs: ``otelcol validate`` on every collector config and ``jaeger validate`` on every Jaeger
v2 config (a missing program is skipped with a note; Tempo has no program here)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import yaml

from obskit.compile import tracing as compile_tracing
from obskit.errors import ToolError
from obskit.model.tracing import JaegerV2
from obskit.model.tracing.otel import OtelCollector
from obskit.model.tracing.tempo import TempoConfig
from obskit.project import Project
from obskit.render import jaeger as render_jaeger
from obskit.render import otel as render_otel
from obskit.verify import tools

#: What a collector built without a telemetry factory answers to every config: the program is broken.
BROKEN_BUILD = "Factories.Telemetry must not be nil"


def real_validate(tool: tools.Tool, config: Path) -> Tuple[bool, str]:
    """``<tool> validate --config=FILE`` (run in the file's folder): (ok, what it said)."""
    config = Path(config)
    res = tools.run(tool.name, ["validate", f"--config={config.name}"], timeout=120, cwd=str(config.parent),
                    tool=tool)
    lines = [ln for ln in res.output.splitlines() if ln.strip() and "application version" not in ln]
    # the collector prints the error twice (cobra's "Error: ..." and log.Fatal's timestamped line)
    import re
    kept = [ln for ln in lines if not re.match(r"^\d{4}/\d\d/\d\d ", ln)] or lines
    text = "\n".join(dict.fromkeys(kept))   # the collector prints its error twice
    if BROKEN_BUILD in text:
        raise ToolError(f"{tool.label} at {tool.path} cannot load any config ({BROKEN_BUILD}): it was built "
                        "without a telemetry factory; rebuild it with scripts/build-tools.sh")
    return res.ok, text


def _program_for(path: str) -> Optional[str]:
    if path.endswith(".yaml") and path.startswith("otel/"):
        return "otelcol"
    if path.endswith(".yaml") and path.startswith("jaeger/"):
        return "jaeger"
    return None


def check_with_programs(directory: Path, paths: List[str]) -> Tuple[List[str], List[str]]:
    """(problems, notes): the real validate of each written collector / Jaeger v2 config."""
    problems: List[str] = []
    notes: List[str] = []
    by_program: Dict[str, List[str]] = {}
    for path in paths:
        prog = _program_for(path)
        if prog:
            by_program.setdefault(prog, []).append(path)
    for prog, ps in sorted(by_program.items()):
        try:
            tool = tools.pick(prog)
        except ToolError as exc:
            notes.append(f"{len(ps)} {prog} config(s) checked by obskit's validator only: {exc}")
            continue
        try:
            for path in ps:
                ok, text = real_validate(tool, Path(directory) / path)
                if not ok:
                    problems.append(f"{path}: {tool.label} validate refused it:\n    "
                                    + "\n    ".join(text.splitlines()[-8:]))
        except ToolError as exc:
            notes.append(f"{len(ps)} {prog} config(s) checked by obskit's validator only: {exc}")
    return problems, notes

SAMPLING_NOTE = "# Serves {path} (written next to this file) on the remote_sampling endpoints.\n"


class TracingTarget:
    name = "tracing"

    def render(self, project: Project) -> Dict[str, bytes]:
        files: Dict[str, bytes] = {}
        root = project.root
        for j in project.of(JaegerV2):
            note = SAMPLING_NOTE.format(path=j.sampling_path) if j.sampling else ""
            files[compile_tracing.jaeger_config_path(j)] = render_otel.render_collector(
                compile_tracing.jaeger_plan(j, root), note)
        for path, sampling in compile_tracing.sampling_files(project):
            files[path] = render_jaeger.render_sampling(sampling)
        for c in project.of(OtelCollector):
            files[compile_tracing.collector_path(c)] = render_otel.render_collector(
                compile_tracing.collector_plan(c, root))
        for t in project.of(TempoConfig):
            files[compile_tracing.tempo_path(t)] = render_otel.render_tempo(t, (t.location.relative_to(str(root)),))
        return files

    def verify(self, directory, files: Dict[str, bytes]) -> None:
        problems = []
        for path in sorted(files):
            if path.startswith("jaeger/") and path.endswith(".json"):
                problems += [f"{path}: {msg}" for _, msg in render_jaeger.validate_sampling(json.loads(files[path]))]
            elif path.startswith("tempo/") and path.endswith(".yaml"):
                problems += [f"{path}: {msg}" for msg in render_otel.validate_tempo(yaml.safe_load(files[path]))]
            elif (path.startswith("jaeger/") or path.startswith("otel/")) and path.endswith(".yaml"):
                problems += [f"{path}: {msg}" for msg in render_otel.validate(yaml.safe_load(files[path]))]
        if not problems:
            real, notes = check_with_programs(Path(directory), sorted(files))
            for note in notes:
                print(f"obskit: note: {note}")
            problems += real
        if problems:
            raise ToolError("trace configuration failed validation:\n  " + "\n  ".join(problems))
