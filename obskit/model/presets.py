"""SLIs for common instrumentation, so teams need not remember metric names.

Each preset takes label matchers (a dict or a matcher string such as ``'job="api"'``) and returns an
ordinary SLI object.
"""
from __future__ import annotations

from typing import Mapping, Sequence, Union

from prometheus_client import Histogram

from obskit.errors import DefinitionError, Diagnostic
from obskit.model.base import got, locate_call
from obskit.model.sli import LatencySLI, RatioSLI
from obskit.promql import is_valid_label_name, quote

Filters = Union[str, Mapping[str, str], None]

#: prometheus_client's Histogram default buckets (also its HTTP exporters' defaults).
PROMETHEUS_CLIENT_BUCKETS = tuple(float(b) for b in Histogram.DEFAULT_BUCKETS if b != float("inf"))
#: OpenTelemetry HTTP semantic conventions' advisory boundaries for http.server.request.duration (s).
OTEL_HTTP_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0)
#: ingress-nginx's request duration buckets (prometheus/client_golang DefBuckets).
NGINX_INGRESS_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
#: go-grpc-prometheus handling-time buckets (client_golang DefBuckets).
GRPC_BUCKETS = NGINX_INGRESS_BUCKETS
#: gRPC codes that mean the server failed (not the caller's fault).
GRPC_SERVER_ERROR_CODES = ("Unknown", "DeadlineExceeded", "Unimplemented", "Internal", "Unavailable", "DataLoss")


def _fail(message: str, hint: str = "") -> None:
    """A wrong argument to a preset: a located definition error at the caller's line (raised: the
    preset cannot build its SLI)."""
    raise DefinitionError([Diagnostic("bad-type", message, "preset", locate_call(), hint)])


def _check_filters(filters: Filters) -> None:
    if filters is None or isinstance(filters, str):
        return
    if not isinstance(filters, Mapping) or not all(isinstance(k, str) and isinstance(v, str) for k, v in filters.items()):
        _fail(f"filters must be a dict of label name to value or a matcher string, got {got(filters)}",
              'e.g. {"job": "api"} or \'job="api"\'')


def _check_by(by) -> Sequence[str]:
    if isinstance(by, str):
        return (by,)
    if not isinstance(by, (list, tuple)) or not all(isinstance(b, str) for b in by):
        _fail(f"by must be a label name or a tuple of label names, got {got(by)}", 'e.g. by=("region",)')
    return tuple(by)


def _check_label(name: str, value) -> None:
    if not isinstance(value, str) or not is_valid_label_name(value):
        _fail(f"{name} must be a label name, got {got(value)}", f'e.g. {name}="code"')


def _matchers(filters: Filters) -> str:
    _check_filters(filters)
    if not filters:
        return ""
    if isinstance(filters, str):
        return filters.strip().strip("{}")
    # a label name outside the legacy character set (an OTel attribute kept as is, "service.name") is
    # written quoted, Prometheus 3's UTF-8 syntax
    return ",".join(f"{k if is_valid_label_name(k) else quote(k)}={quote(v)}" for k, v in sorted(filters.items()))


def _quoted_metric(metric: str, filters: Filters, *extra: str) -> str:
    """A selector whose metric name needs quoting: ``{"a.b_count",job="x"}``."""
    return "{" + ",".join([quote(metric)] + [p for p in (_matchers(filters), *extra) if p]) + "}"


def _sel(metric: str, filters: Filters, *extra: str) -> str:
    parts = [p for p in (_matchers(filters), *extra) if p]
    return metric + ("{" + ",".join(parts) + "}" if parts else "")


def _ratio(metric: str, filters: Filters, error_matcher: str, by: Sequence[str]) -> RatioSLI:
    return RatioSLI(total=_sel(metric, filters), errors=_sel(metric, filters, error_matcher), by=_check_by(by))


def _latency(base: str, filters: Filters, threshold: float, buckets, by) -> LatencySLI:
    return LatencySLI(histogram=_sel(base, filters), threshold=threshold, buckets=buckets, by=_check_by(by))


# prometheus-client HTTP exporters (prometheus-flask-exporter, starlette-exporter, ...)
def prometheus_client_http_availability(filters: Filters = None, *, status_label: str = "status",
                                        by: Sequence[str] = ()) -> RatioSLI:
    """Non-5xx share of ``http_requests_total``; ``status_label`` is the label holding the HTTP status.

    The common Python exporters' names: prometheus-flask-exporter ``status`` (the default here),
    prometheus-fastapi-instrumentator ``status`` (values grouped as ``5xx``, which ``=~"5.."`` matches),
    starlette-exporter ``status_code`` (``status_label="status_code"``); client_golang's promhttp
    ``code``, ingress-nginx ``status``."""
    _check_label("status_label", status_label)
    return _ratio("http_requests_total", filters, f'{status_label}=~"5.."', by)


def prometheus_client_http_latency(threshold: float, filters: Filters = None, *,
                                   buckets=PROMETHEUS_CLIENT_BUCKETS, by: Sequence[str] = ()) -> LatencySLI:
    """Share of requests faster than ``threshold`` from ``http_request_duration_seconds``."""
    return _latency("http_request_duration_seconds", filters, threshold, buckets, by)


# OpenTelemetry HTTP semantic conventions, exported to Prometheus
#: How the OTel metric ``http.server.request.duration`` (unit s) and its attribute
#: ``http.response.status_code`` are named in Prometheus, by the ``names=`` of the OTel presets: the
#: value of Prometheus 3's ``otlp: translation_strategy:`` setting (or the exporter's equivalent) each
#: form comes from, the histogram's base name and the status-code label.
OTEL_NAMINGS = {
    # UnderscoreEscapingWithSuffixes (the OTLP receiver's default; also the collector's prometheus /
    # prometheusremotewrite exporters): dots become underscores, the unit is a suffix
    "underscore": ("http_server_request_duration_seconds", "http_response_status_code"),
    # NoUTF8EscapingWithSuffixes: names kept as sent plus the unit suffix, queried quoted (Prometheus 3.0+)
    "utf8": ("http.server.request.duration_seconds", "http.response.status_code"),
}


def _otel_names(names: str):
    try:
        return OTEL_NAMINGS[names]
    except (KeyError, TypeError):
        _fail(f"names must be one of {', '.join(map(repr, OTEL_NAMINGS))}, got {names!r}")


def otel_http_availability(filters: Filters = None, *, by: Sequence[str] = (), names: str = "underscore") -> RatioSLI:
    """Non-5xx share of the OTel semconv ``http.server.request.duration`` histogram's count.

    ``names`` says how the metric is named in Prometheus (see :data:`OTEL_NAMINGS`):

    - ``"underscore"`` (default): ``http_server_request_duration_seconds_count`` with
      ``http_response_status_code``, what Prometheus's OTLP receiver stores with
      ``otlp: {translation_strategy: UnderscoreEscapingWithSuffixes}`` (its default) and what every
      Prometheus version can query;
    - ``"utf8"``: ``{"http.server.request.duration_seconds_count"}`` with ``"http.response.status_code"``,
      what Prometheus 3 stores with ``translation_strategy: NoUTF8EscapingWithSuffixes``. The quoted
      UTF-8 syntax needs ``prometheus_version`` 3.0 or newer (refused at build otherwise).

    Filter label names are the stored ones too: ``{"job": "api"}`` (``job`` is ``service.name``) in
    both forms, an attribute such as ``{"server.address": ...}`` only in the UTF-8 form.
    """
    metric, status = _otel_names(names)
    error = f'{status if is_valid_label_name(status) else quote(status)}=~"5.."'
    if names == "underscore":
        return _ratio(metric + "_count", filters, error, by)
    return RatioSLI(total=_quoted_metric(metric + "_count", filters),
                    errors=_quoted_metric(metric + "_count", filters, error), by=_check_by(by))


def otel_http_latency(threshold: float, filters: Filters = None, *, buckets=OTEL_HTTP_BUCKETS,
                      by: Sequence[str] = (), names: str = "underscore") -> LatencySLI:
    """Share of requests faster than ``threshold`` seconds from the OTel semconv
    ``http.server.request.duration`` histogram (classic, explicit buckets: the SDK default).

    ``names`` as for :func:`otel_http_availability`: ``"underscore"`` (default) reads
    ``http_server_request_duration_seconds_bucket`` / ``_count``; ``"utf8"`` reads
    ``{"http.server.request.duration_seconds_bucket"}`` / ``_count`` (Prometheus 3.0+,
    ``translation_strategy: NoUTF8EscapingWithSuffixes``)."""
    metric, _ = _otel_names(names)
    if names == "underscore":
        return _latency(metric, filters, threshold, buckets, by)
    return LatencySLI(histogram=_quoted_metric(metric, filters), threshold=threshold, buckets=buckets, by=_check_by(by))


# ingress-nginx controller
def nginx_ingress_availability(filters: Filters = None, *, status_label: str = "status",
                               by: Sequence[str] = ()) -> RatioSLI:
    """Non-5xx share of ``nginx_ingress_controller_requests`` (ingress-nginx labels the HTTP status ``status``)."""
    _check_label("status_label", status_label)
    return _ratio("nginx_ingress_controller_requests", filters, f'{status_label}=~"5.."', by)


def nginx_ingress_latency(threshold: float, filters: Filters = None, *, buckets=NGINX_INGRESS_BUCKETS,
                          by: Sequence[str] = ()) -> LatencySLI:
    return _latency("nginx_ingress_controller_request_duration_seconds", filters, threshold, buckets, by)


# gRPC servers (go-grpc-prometheus / grpc-ecosystem middleware)
def grpc_availability(filters: Filters = None, *, error_codes: Sequence[str] = GRPC_SERVER_ERROR_CODES,
                      by: Sequence[str] = ()) -> RatioSLI:
    return _ratio("grpc_server_handled_total", filters, f'grpc_code=~"{"|".join(error_codes)}"', by)


def grpc_latency(threshold: float, filters: Filters = None, *, buckets=GRPC_BUCKETS,
                 by: Sequence[str] = ()) -> LatencySLI:
    return _latency("grpc_server_handling_seconds", filters, threshold, buckets, by)


# OpenTelemetry Collector spanmetrics connector (obskit's SpanMetricsConnector: namespace
# traces.span.metrics, histogram unit s), in Prometheus with underscore translation and suffixes
# (Prometheus 3's OTLP receiver default, or the collector's prometheus exporter with suffixes on).
#: obskit's SpanMetricsConnector buckets (the connector's defaults), in seconds.
SPANMETRICS_BUCKETS = (0.002, 0.004, 0.006, 0.008, 0.01, 0.05, 0.1, 0.2, 0.4, 0.8, 1, 1.4, 2, 5, 10, 15)
SPANMETRICS_SERVER = 'span_kind="SPAN_KIND_SERVER"'


def spanmetrics_availability(filters: Filters = None, *, by: Sequence[str] = ()) -> RatioSLI:
    """Non-error share of server spans, from ``traces_span_metrics_calls_total`` (filter on ``service_name``)."""
    return RatioSLI(total=_sel("traces_span_metrics_calls_total", filters, SPANMETRICS_SERVER),
                    errors=_sel("traces_span_metrics_calls_total", filters, SPANMETRICS_SERVER,
                                'status_code="STATUS_CODE_ERROR"'), by=_check_by(by))


def spanmetrics_latency(threshold: float, filters: Filters = None, *, buckets=SPANMETRICS_BUCKETS,
                        by: Sequence[str] = ()) -> LatencySLI:
    """Share of server spans faster than ``threshold`` seconds, from ``traces_span_metrics_duration_seconds``."""
    return LatencySLI(histogram=_sel("traces_span_metrics_duration_seconds", filters, SPANMETRICS_SERVER),
                      threshold=threshold, buckets=buckets, by=_check_by(by))
