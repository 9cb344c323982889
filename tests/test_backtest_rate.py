"""The backtest's rate math against promtool: random counters with resets, gaps, series that start
late and samples exactly on range boundaries; every value obskit computes locally is written as the
expected sample of a ``promql_expr_test`` and promtool (3.16 and Debian's 2.42) evaluates the same
expression: the test passes only when they agree."""
from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

import servers
from obskit.live.backtest import rate as R
from obskit.live.backtest.rate import Dialect

STEP = 60_000
RANGES = (("2m", 120_000), ("5m", 300_000), ("7m30s", 450_000), ("1m", 60_000))


def _series(rng, n: int):
    """(promtool values text, t ms, v): a counter with resets, gaps and a late start."""
    values, t, v = [], [], []
    level = float(rng.integers(0, 3)) if rng.random() < 0.5 else float(rng.integers(0, 500))
    start = int(rng.integers(0, 6)) if rng.random() < 0.4 else 0
    for i in range(n):
        if i < start or rng.random() < 0.12:
            values.append("_")
            continue
        if rng.random() < 0.08:
            level = float(rng.integers(0, 4))          # a reset
        else:
            level += float(rng.integers(0, 20)) + (0.5 if rng.random() < 0.3 else 0.0)
        values.append(repr(level))
        t.append(i * STEP)
        v.append(level)
    return " ".join(values), np.array(t, dtype=np.int64), np.array(v)


def _expected(fn, t, v, at, rng_ms, dialect):
    T = np.array([at], dtype=np.int64)
    if fn == "instant":
        return R.instant(t, v, T, dialect)[0]
    if fn == "sum_over_time":
        return R.sum_over_time(t, v, T, rng_ms, dialect)[0]
    if fn == "count_over_time":
        return R.count_over_time(t, v, T, rng_ms, dialect)[0]
    return R.rate(t, v, T, rng_ms, dialect, is_rate=(fn == "rate"))[0]


def _test_file(path: Path, dialect: Dialect, seed: int) -> int:
    rng = np.random.default_rng(seed)
    lines = ["rule_files: []", "evaluation_interval: 1m", "tests:"]
    checks = 0
    for case in range(12):
        text, t, v = _series(rng, 40)
        lines += ["  - interval: 1m", "    input_series:", f"      - series: 'c{{case=\"{case}\"}}'",
                  f"        values: '{text}'", "    promql_expr_test:"]
        for at_min in (3, 7, 12, 20, 27, 33, 39, 44):
            at = at_min * STEP
            for fn in ("rate", "increase", "sum_over_time", "count_over_time", "instant"):
                for name, rng_ms in (RANGES if fn != "instant" else (("", 0),)):
                    expr = f"c[{name}]" if fn != "instant" else "c"
                    expr = expr if fn == "instant" else f"{fn}({expr})"
                    want = _expected(fn, t, v, at, rng_ms, dialect)
                    lines += [f"      - expr: '{expr}'", f"        eval_time: {at_min}m"]
                    if np.isnan(want):
                        lines.append("        exp_samples: []")
                    else:
                        labels = f'c{{case="{case}"}}' if fn == "instant" else f'{{case="{case}"}}'
                        lines += ["        exp_samples:", f"          - labels: '{labels}'",
                                  f"            value: {float(want)!r}"]
                    checks += 1
    path.write_text("\n".join(lines) + "\n")
    return checks


@pytest.mark.tools
@pytest.mark.parametrize("version", ["2.42", "3.5", "3.16"])
def test_rate_math_equals_promtool(tmp_path, version):
    tool = servers.require("promtool", version)
    dialect = Dialect.for_version(tool.version)
    path = tmp_path / "rate.test.yml"
    checks = _test_file(path, dialect, seed=17)
    assert checks > 1000
    r = subprocess.run([tool.path, "test", "rules", str(path)], capture_output=True, text=True)
    assert r.returncode == 0, (r.stdout + r.stderr)[-4000:]


@pytest.mark.tools
def test_the_other_dialect_disagrees(tmp_path):
    """The dialects matter: Prometheus 3's promtool refuses values computed with 2.42's closed ranges."""
    tool = servers.require("promtool", "3.16")
    path = tmp_path / "rate.test.yml"
    _test_file(path, Dialect.for_version("2.42.0"), seed=17)
    r = subprocess.run([tool.path, "test", "rules", str(path)], capture_output=True, text=True)
    assert r.returncode == 1


def test_dialects_by_version():
    assert Dialect.for_version("2.42.0") == Dialect(left_open=False, zero_clamp_last=False)
    assert Dialect.for_version("2.51.0") == Dialect(left_open=False, zero_clamp_last=True)
    assert Dialect.for_version("3.16.0") == Dialect(left_open=True, zero_clamp_last=True)
    assert Dialect.for_version("v3.5.1") == Dialect()
    assert Dialect.for_version("garbage") == Dialect()
