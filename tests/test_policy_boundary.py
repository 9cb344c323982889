"""The detection-time model agrees with the generated rule's strict ``>``: a steady burn of exactly
the factor never fires (Pyrra's whole-number factors hit this boundary in the timing tests)."""
from obskit.duration import Duration
from obskit.model.policy import BurnWindow, Tier

PERIOD = Duration.parse("28d")


def test_burn_equal_to_the_factor_never_fires():
    w = BurnWindow(long="1h", short="5m", factor=14)
    assert w.detection_time(PERIOD, 14.0) is None
    assert w.detection_time(PERIOD, 13.9) is None
    assert w.detection_time(PERIOD, 28.0) == 1800.0


def test_tier_takes_the_first_window_that_can_fire():
    tier = Tier(name="page", severity="critical",
                windows=(BurnWindow(long="1h", short="5m", factor=14), BurnWindow(long="6h", short="30m", factor=7)))
    assert tier.detection_time(PERIOD, 14.0) == 6 * 3600 * 7 / 14      # the 1h window is on its boundary
