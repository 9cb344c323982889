"""obskit: observability as code.

Define SLOs in Python, compile them to Prometheus rules and burn-rate alerts, prove them with promtool.
"""
__version__ = "0.1.0"

from obskit.model import (  # noqa: E402
    SLO, AlertingPolicy, AvailabilitySLI, BurnWindow, LatencySLI, RatioSLI, RawSLI, Tier,
)
from obskit.model import presets  # noqa: E402
from obskit.verify.scenario import At, SLOScenario  # noqa: E402
from obskit.verify.timeline import burn, errors, gap, healthy, outage, quiet  # noqa: E402

__all__ = ["SLO", "RatioSLI", "LatencySLI", "AvailabilitySLI", "RawSLI", "AlertingPolicy", "BurnWindow",
           "Tier", "presets", "SLOScenario", "At", "healthy", "burn", "errors", "outage", "quiet", "gap"]
