"""PNG plots of one measured incident: error ratio, burn rate per window with the thresholds, the
alert's firing periods (measured by promtool) and the error budget remaining.

The error ratio, window burn rates and budget are computed from the synthetic timeline itself
(constant request rate, so a window's burn rate is the mean burn over it); the firing periods are
promtool's."""
from __future__ import annotations

from pathlib import Path

from obskit.model.policy import Tier
from obskit.report.attributes import Measurement


def _pyplot():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def plot(m: Measurement, tier: Tier, error_budget: float, period_seconds: int, path: Path) -> Path:
    import numpy as np
    plt = _pyplot()
    sc = m.scenario
    step = sc.step
    t = np.arange(0, sc.total + step, step)
    b = np.where((t > sc.start) & (t <= sc.end), sc.burn, 0.0)
    spent = np.cumsum(b * step)
    hours = (t - sc.start) / 3600.0

    def window_burn(w: int):
        k = max(1, w // step)
        shifted = np.concatenate([np.zeros(k), spent[:-k]]) if k < len(spent) else np.zeros(len(spent))
        return (spent - shifted) / w

    fig, ax = plt.subplots(4, 1, figsize=(9, 9.5), sharex=True,
                           gridspec_kw={"height_ratios": [2, 3, 1, 2]})
    fig.suptitle(f"{sc.slo_id}: {sc.tier} tier, {sc.label}", fontsize=12)
    ax[0].plot(hours, b * error_budget, color="tab:red", drawstyle="steps-post")
    ax[0].axhline(error_budget, color="grey", ls=":", lw=1, label=f"budget rate {error_budget:g}")
    ax[0].set_ylabel("error ratio")
    ax[0].legend(loc="upper left", fontsize=8)
    colors = ("tab:blue", "tab:orange", "tab:green", "tab:purple")
    for i, w in enumerate(tier.windows):
        c = colors[i % len(colors)]
        factor = w.factor_for(_period(period_seconds))
        ax[1].plot(hours, window_burn(w.long.seconds), color=c, label=f"{w.long} window")
        ax[1].plot(hours, window_burn(w.short.seconds), color=c, ls="--", lw=0.8, label=f"{w.short} window")
        ax[1].axhline(factor, color=c, ls=":", lw=1.2, label=f"threshold {factor:g}x")
    ax[1].set_ylabel("burn rate (x budget)")
    top = 1.15 * max([sc.burn] + [w.factor_for(_period(period_seconds)) for w in tier.windows])
    if top > 30:                        # outages: thresholds and burn orders of magnitude apart
        ax[1].set_yscale("symlog", linthresh=1)
    ax[1].set_ylim(0, top)
    ax[1].legend(loc="upper left", fontsize=7, ncol=2)
    fired = np.isin(t, np.array(m.firing, dtype=int))
    ax[2].fill_between(hours, 0, fired.astype(float), step="post", color="tab:red", alpha=0.6)
    ax[2].set_yticks([0, 1], ["ok", "firing"])
    ax[2].set_ylabel("alert")
    ax[3].plot(hours, 1 - spent / period_seconds, color="tab:green")
    ax[3].axhline(0, color="grey", ls=":", lw=1)
    ax[3].set_ylabel("budget remaining")
    ax[3].set_xlabel("hours from the start of the incident")
    for a in ax:
        a.axvline(0, color="black", lw=0.6)
        a.axvline((sc.end - sc.start) / 3600.0, color="black", lw=0.6, ls="--")
        a.grid(alpha=0.3)
    if m.detection is not None:
        ax[2].axvline(m.detection / 3600.0, color="tab:red", lw=1)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=80, metadata={"Software": None})
    plt.close(fig)
    return path


def _period(seconds: int):
    from obskit.duration import Duration
    return Duration(seconds)
