"""Proof with the real tools: promtool wrappers, synthetic series, scenario and timing tests."""
