import pytest
from hypothesis import given, strategies as st

from obskit.duration import Duration, DurationError


@pytest.mark.parametrize("text,seconds", [("5m", 300), ("1h30m", 5400), ("30d", 2592000), ("1w", 604800),
                                          ("2h", 7200), ("90s", 90), ("1y", 31536000)])
def test_parse(text, seconds):
    assert Duration.parse(text).seconds == seconds


@pytest.mark.parametrize("bad", ["", "5", "5x", "m5", "1m1h", "5m ", "-5m", "0m", "1.5h", "500ms", "5 m"])
def test_parse_rejects(bad):
    if bad == "5m ":  # surrounding whitespace is tolerated
        assert Duration.parse(bad).seconds == 300
        return
    with pytest.raises(DurationError):
        Duration.parse(bad)


def test_unknown_unit_message_names_units():
    with pytest.raises(DurationError, match="y, w, d, h, m, s"):
        Duration.parse("5x")


@given(st.integers(min_value=1, max_value=10 * 365 * 86400))
def test_round_trip(seconds):
    d = Duration(seconds)
    assert Duration.parse(str(d)) == d
