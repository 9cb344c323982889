"""OpenTelemetry Collector YAML (plain collectors and Jaeger v2), and a validator of such documents.

:func:`validate` checks a config document against the collector's structure (kept in agreement
with the real collector and Jaeger v2 by tests/test_collector_real.py): sections and their keys,
component ids (``type[/name]``) and the keys of the component types obskit writes (from the
components' ``config.go``), tail-sampling policy types and their blocks, ``service.pipelines`` ids and signals, every reference in a pipeline or in
``service.extensions`` resolving (connectors included), and Jaeger v2's storage references.

The package: :mod:`.collector` (the collector's YAML), :mod:`.validate` (:func:`validate`, the
checker of collector documents) and :mod:`.tempo` (Tempo's config and :func:`validate_tempo`).
"""
from obskit.render.otel.collector import collector_dict, component_dict, render_collector  # noqa: F401
from obskit.render.otel.tempo import render_tempo, tempo_dict, validate_tempo  # noqa: F401
from obskit.render.otel.validate import KNOWN, POLICY_TYPES, SECTIONS, validate  # noqa: F401
