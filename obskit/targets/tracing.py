"""Tracing → ``jaeger/<name>/config.yaml`` (Jaeger v2), ``jaeger/<name>/sampling_strategies.json``,
``otel/<name>/collector.yaml``, ``tempo/<name>/tempo.yaml``. No Jaeger or collector binary can be installed here: verify runs the
Python validators of ``obskit.render.otel`` and ``obskit.render.jaeger`` on the written files."""
from __future__ import annotations

import json
from typing import Dict

import yaml

from obskit.compile import tracing as compile_tracing
from obskit.errors import ToolError
from obskit.model.tracing import JaegerV2
from obskit.model.tracing_otel import OtelCollector
from obskit.model.tracing_tempo import TempoConfig
from obskit.project import Project
from obskit.render import jaeger as render_jaeger
from obskit.render import otel as render_otel

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
        if problems:
            raise ToolError("trace configuration failed validation:\n  " + "\n  ".join(problems))
