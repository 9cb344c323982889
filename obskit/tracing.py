"""OpenTelemetry spans for obskit's own phases (build, test), through ``opentelemetry-api`` only.

Without an SDK the API is a no-op: nothing is recorded or exported and the cost is a few function
calls. A user who wants traces of CI runs installs ``opentelemetry-sdk`` and an exporter and sets a
tracer provider (for example with ``opentelemetry-instrument`` and ``OTEL_TRACES_EXPORTER=otlp``).

``span`` is both a context manager and a decorator::

    with span("obskit.verify", target="loki"):
        ...

    @span("obskit.build")
    def build(...): ...
"""
from __future__ import annotations

import contextlib
from typing import Iterator

from opentelemetry import trace

TRACER_NAME = "obskit"
_ATTRIBUTE_TYPES = (str, bool, int, float)


def _attributes(attributes: dict) -> dict:
    """OpenTelemetry attribute values are str, bool, int, float or sequences of them; None is dropped,
    anything else is written as its ``str``."""
    out = {}
    for key, value in attributes.items():
        if value is None:
            continue
        if isinstance(value, _ATTRIBUTE_TYPES):
            out[f"obskit.{key}"] = value
        elif isinstance(value, (list, tuple)) and all(isinstance(v, _ATTRIBUTE_TYPES) for v in value):
            out[f"obskit.{key}"] = list(value)
        else:
            out[f"obskit.{key}"] = str(value)
    return out


@contextlib.contextmanager
def span(name: str, **attributes) -> Iterator[trace.Span]:
    """One span named ``name`` with attributes ``obskit.<key>``; an exception escaping the block is
    recorded on the span and sets its status to ERROR (then propagates)."""
    from obskit import __version__

    # Looked up on every call so that a tracer provider set after import is honoured.
    tracer = trace.get_tracer(TRACER_NAME, __version__)
    with tracer.start_as_current_span(name, attributes=_attributes(attributes)) as current:
        yield current
