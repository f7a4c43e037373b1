"""PNG plot of a forecast against actuals (matplotlib, Agg canvas, no display)."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from wfm.io import write_atomic

from . import metrics as M


def _gapped(x: pd.Series, *ys):
    """Insert a NaN point where consecutive intervals are more than one
    interval apart, so lines break over closed hours and days."""
    x = pd.Series(pd.DatetimeIndex(x))
    step = x.diff().min() if len(x) > 1 else pd.Timedelta(0)
    gap = x.diff() > step
    if not gap.any() or len(x) < 2:
        return (x, *[pd.Series(y).to_numpy(float) for y in ys])
    rows = []
    for i in range(len(x)):
        if gap.iloc[i]:
            rows.append((x.iloc[i - 1] + step, *[float("nan")] * len(ys)))
        rows.append((x.iloc[i], *[float(pd.Series(y).iloc[i]) for y in ys]))
    cols = list(zip(*rows, strict=True))
    return (pd.Series(cols[0]), *[pd.Series(c).to_numpy(float) for c in cols[1:]])


def plot_forecast(
    forecast: pd.DataFrame,
    path: str | os.PathLike,
    actual: pd.DataFrame | None = None,
    *,
    title: str | None = None,
) -> Path:
    """Write a PNG: one panel per queue with the forecast, its prediction band
    (``offered_lower``..``offered_upper``) and, when given, the actual
    ``offered`` of the same intervals; the panel title carries the interval
    and day WAPE when actuals overlap the forecast."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    queues = list(dict.fromkeys(forecast["queue"].astype(str)))
    if not queues:
        raise ValueError("the forecast has no rows to plot")
    fig = Figure(figsize=(12, 3.2 * len(queues)), dpi=100)
    FigureCanvasAgg(fig)
    axes = fig.subplots(len(queues), 1, squeeze=False)[:, 0]
    for ax, q in zip(axes, queues, strict=True):
        f = forecast[forecast["queue"].astype(str) == q].sort_values("interval_start")
        x = f["interval_start"].dt.tz_localize(None) if f["interval_start"].dt.tz is not None else f["interval_start"]
        x, lo, hi, mid = _gapped(x, f["offered_lower"].to_numpy(), f["offered_upper"].to_numpy(), f["offered"].to_numpy())
        ax.fill_between(x, lo, hi, color="tab:blue", alpha=0.2, lw=0, label="prediction interval")
        ax.plot(x, mid, color="tab:blue", lw=1.2, label=f"forecast ({f['model'].iloc[0]})" if "model" in f else "forecast")
        label = q
        if actual is not None:
            a = actual[actual["queue"].astype(str) == q]
            j = f[["interval_start", "offered"]].merge(
                a[["interval_start", "offered"]], on="interval_start", suffixes=("_f", "")
            )
            if len(j):
                xa = j["interval_start"].dt.tz_localize(None) if j["interval_start"].dt.tz is not None else j["interval_start"]
                day = j.groupby(xa.dt.date.to_numpy())[["offered", "offered_f"]].sum()
                xg, yg = _gapped(xa, j["offered"].to_numpy())
                ax.plot(xg, yg, color="black", lw=0.9, label="actual")
                label += (
                    f" -- interval WAPE {M.wape(j['offered'], j['offered_f']):.1%}, "
                    f"day WAPE {M.wape(day['offered'], day['offered_f']):.1%}, "
                    f"Poisson floor {M.poisson_floor_wape(j['offered']):.1%}"
                )
        ax.set_title(label, fontsize=10)
        ax.set_ylabel("contacts per interval")
        ax.legend(loc="upper right", fontsize=8)
        ax.grid(alpha=0.3)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return write_atomic(path, lambda tmp: fig.savefig(tmp, format="png"))
