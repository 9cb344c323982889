"""Golden case: a second service gets its own namespace; the raw window shape."""
from obskit import SLO, RatioSLI

latency = SLO(
    service="search", name="errors", objective=99.0, window_shape="raw",
    sli=RatioSLI(total='search_requests_total', errors='search_errors_total'),
)
