"""``--report DIR``: one PNG per SLO and policy, ``report.md``, ``index.html`` and ``backtest.json``,
in the style of ``obskit report`` (its writer's helpers and matplotlib set-up).

Each plot: the error ratio over the current window (5 m) with the incidents shaded; per tier, the burn
rate (error ratio / budget) of each window against its threshold; when each alert fired; the budget
left over the rolling period (history before ``--from`` not counted)."""
from __future__ import annotations

import html
import json
from pathlib import Path
from typing import List

import numpy as np

from obskit.live.backtest.output import rfc3339, table, to_dict
from obskit.live.backtest.run import Backtest, Replayed
from obskit.live.backtest.score import Budget
from obskit.report.plots import _pyplot
from obskit.report.writer import slug

COLORS = ("tab:blue", "tab:orange", "tab:green", "tab:purple")


def plot_name(r: Replayed) -> str:
    return f"plots/{slug(r.slo_id)}-{slug(r.policy)}.png"


def _days(t_ms: np.ndarray, start: float) -> np.ndarray:
    return (t_ms / 1000.0 - start) / 86400.0


def _top(vec) -> np.ndarray:
    """The largest value over the groups at each time (NaN where none has one)."""
    stacked = np.vstack(list(vec.values()))
    out = np.full(stacked.shape[1], np.nan)
    seen = ~np.isnan(stacked).all(axis=0)
    out[seen] = np.nanmax(stacked[:, seen], axis=0)
    return out


def plot(bt: Backtest, r: Replayed, path: Path) -> Path:
    plt = _pyplot()
    ev, slo = r.evaluation, r.evaluation.compiled.slo
    tiers = [a for a in ev.alerts if a.windows]
    fig, ax = plt.subplots(3 + len(tiers), 1, figsize=(10, 3 + 2.2 * (2 + len(tiers))), sharex=True)
    fig.suptitle(f"{slo.service}/{slo.name} ({slo.objective:g}% over {slo.period}), policy {r.policy}", fontsize=12)
    x = _days(ev.times, bt.start)
    ratio = _top(ev.current_ratio) if ev.current_ratio else np.zeros(len(x))
    ax[0].plot(x, ratio, color="tab:red", lw=0.7)
    ax[0].axhline(slo.error_budget, color="grey", ls=":", lw=1, label=f"budget rate {slo.error_budget:g}")
    ax[0].set_yscale("symlog", linthresh=slo.error_budget)
    ax[0].set_ylim(bottom=0)
    ax[0].set_ylabel("error ratio (5m)")
    ax[0].legend(loc="upper left", fontsize=7)
    for i, trace in enumerate(tiers, start=1):
        tx = _days(trace.times, bt.start)
        for k, w in enumerate(trace.windows):
            c = COLORS[k % len(COLORS)]
            for vec, style, label in ((w.long_ratio, "-", f"{w.long}"), (w.short_ratio, "--", f"{w.short}")):
                if vec:
                    burn = _top(vec) / slo.error_budget
                    ax[i].plot(tx, burn, color=c, ls=style, lw=0.7 if style == "-" else 0.5, label=label)
            ax[i].axhline(w.factor, color=c, ls=":", lw=1.2, label=f"{w.factor:g}x")
        ax[i].set_yscale("symlog", linthresh=1)
        ax[i].set_ylim(bottom=0)
        ax[i].set_ylabel(f"{trace.tier}: burn rate")
        ax[i].legend(loc="upper left", fontsize=6, ncol=3)
    fire_ax = ax[len(tiers) + 1]
    for k, trace in enumerate(ev.alerts):
        fired = np.zeros(len(trace.times), dtype=bool)
        for v in trace.firing.values():
            fired |= v
        fire_ax.fill_between(_days(trace.times, bt.start), k, k + 0.8 * fired, step="post", color="tab:red", alpha=0.7)
    fire_ax.set_yticks([k + 0.4 for k in range(len(ev.alerts))], [a.tier for a in ev.alerts])
    fire_ax.set_ylabel("firing")
    budget = Budget(ev)
    ax[-1].plot(x, budget.remaining(), color="tab:green")
    ax[-1].axhline(0, color="grey", ls=":", lw=1)
    ax[-1].set_ylabel("budget left")
    ax[-1].set_xlabel(f"days from {rfc3339(bt.start)}")
    for a in ax:
        for inc in bt.incidents:
            a.axvspan((inc.start - bt.start) / 86400, (inc.end - bt.start) / 86400, color="tab:orange", alpha=0.15, lw=0)
        a.grid(alpha=0.3)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=80, metadata={"Software": None})
    plt.close(fig)
    return path


def write_report(bt: Backtest, out: Path, plots: bool = True) -> List[Path]:
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    files: List[Path] = []
    if plots:
        files += [plot(bt, r, out / plot_name(r)) for r in bt.replayed]
    text = table(bt)
    md = ["# obskit backtest", "", "```", text, "```", ""]
    if plots:
        md += [f"![{r.slo_id} {r.policy}]({plot_name(r)})" for r in bt.replayed] + [""]
    (out / "report.md").write_text("\n".join(md))
    e = html.escape
    page = ["<!doctype html>", "<html><head><meta charset='utf-8'><title>obskit backtest</title>",
            "<style>body{font-family:sans-serif;max-width:1100px;margin:2em auto}img{max-width:100%}</style>",
            "</head><body>", "<h1>obskit backtest</h1>", f"<pre>{e(text)}</pre>"]
    if plots:
        page += [f"<h2>{e(r.slo_id)}, policy {e(r.policy)}</h2><img src='{e(plot_name(r))}' alt='{e(r.slo_id)}'>"
                 for r in bt.replayed]
    page.append("</body></html>")
    (out / "index.html").write_text("\n".join(page) + "\n")
    (out / "backtest.json").write_text(json.dumps(to_dict(bt), indent=2, sort_keys=True) + "\n")
    return files + [out / "report.md", out / "index.html", out / "backtest.json"]
