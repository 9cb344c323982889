"""Traces as code: Jaeger (:mod:`.jaeger`: sampling strategies, Jaeger v2), the OpenTelemetry Collector
(:mod:`.otel`: receivers, processors, exporters, pipelines) and Tempo (:mod:`.tempo`).

``from obskit.model.tracing import ...`` gives Jaeger's and the shared names, as before the split into a
package; the collector's and Tempo's are imported from their modules.
"""
from obskit.model.tracing.jaeger import *  # noqa: F401,F403  (the public API of obskit.model.tracing)
