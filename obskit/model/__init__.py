"""What users write: typed, immutable, validated definitions."""
from obskit.model.policy import AlertingPolicy, BurnWindow, Tier
from obskit.model.sli import SLI, AvailabilitySLI, LatencySLI, RatioSLI, RawSLI
from obskit.model.slo import SLO

__all__ = ["SLO", "SLI", "RatioSLI", "LatencySLI", "AvailabilitySLI", "RawSLI",
           "AlertingPolicy", "BurnWindow", "Tier"]
