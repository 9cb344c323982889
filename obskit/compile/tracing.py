"""Tracing definitions (Jaeger sampling, Jaeger v2, OpenTelemetry Collector) → typed plans; checks."""
from __future__ import annotations

from typing import List

from obskit.errors import Diagnostic


def check_tracing(project) -> List[Diagnostic]:
    return []
