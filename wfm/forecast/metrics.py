"""Forecast accuracy measures and the Poisson accuracy floor.

All functions take array-likes of actual and forecast volumes (contacts per
interval or per day) and return plain floats. Ratios are fractions, not
percentages (0.065 means 6.5 %).

References: Hyndman & Koehler (2006), "Another look at measures of forecast
accuracy", IJF 22(4) -- MAPE, sMAPE, MASE; Kolassa & Schuetz (2007) -- WAPE
(the MAD/mean ratio) as the volume-weighted error planners use.
"""

from __future__ import annotations

import numpy as np
from scipy.special import gammaln

__all__ = [
    "wape",
    "mape",
    "smape",
    "mase",
    "bias",
    "accuracy",
    "poisson_mean_abs_dev",
    "poisson_floor_wape",
    "interval_coverage",
]


def _pair(actual, forecast) -> tuple[np.ndarray, np.ndarray]:
    a = np.asarray(actual, dtype=float).ravel()
    f = np.asarray(forecast, dtype=float).ravel()
    if a.shape != f.shape:
        raise ValueError(f"actual has {a.size} values, forecast {f.size}")
    ok = np.isfinite(a) & np.isfinite(f)
    return a[ok], f[ok]


def wape(actual, forecast) -> float:
    """Weighted absolute percentage error: sum |F - A| / sum A.

    The headline measure: errors weighted by volume, defined whenever the total
    actual volume is positive (NaN otherwise).
    """
    a, f = _pair(actual, forecast)
    total = a.sum()
    return float(np.abs(f - a).sum() / total) if total > 0 else float("nan")


def mape(actual, forecast) -> float:
    """Mean absolute percentage error: mean of |F - A| / A over A > 0.

    Intervals with zero actual volume are skipped (the ratio is undefined);
    NaN when no actual is positive.
    """
    a, f = _pair(actual, forecast)
    pos = a > 0
    if not pos.any():
        return float("nan")
    return float(np.mean(np.abs(f[pos] - a[pos]) / a[pos]))


def smape(actual, forecast) -> float:
    """Symmetric MAPE: mean of 2 |F - A| / (|F| + |A|), skipping F = A = 0.

    Bounded by 2 (200 %). NaN when every pair is (0, 0).
    """
    a, f = _pair(actual, forecast)
    den = np.abs(a) + np.abs(f)
    ok = den > 0
    if not ok.any():
        return float("nan")
    return float(np.mean(2.0 * np.abs(f[ok] - a[ok]) / den[ok]))


def mase(actual, forecast, scale) -> float:
    """Mean absolute scaled error: mean of |F - A| / scale.

    ``scale`` is the in-sample mean absolute error of the seasonal naive
    forecast (same interval one week earlier) on the training data; it may be a
    scalar or one value per point (pooling several backtest origins, each with
    its own training window). Points with a non-positive scale are skipped.
    """
    a, f = np.asarray(actual, float).ravel(), np.asarray(forecast, float).ravel()
    s = np.broadcast_to(np.asarray(scale, float), a.shape).ravel()
    ok = np.isfinite(a) & np.isfinite(f) & np.isfinite(s) & (s > 0)
    if not ok.any():
        return float("nan")
    return float(np.mean(np.abs(f[ok] - a[ok]) / s[ok]))


def bias(actual, forecast) -> float:
    """Relative bias: sum (F - A) / sum A; positive means over-forecast."""
    a, f = _pair(actual, forecast)
    total = a.sum()
    return float((f - a).sum() / total) if total > 0 else float("nan")


def accuracy(actual, forecast) -> float:
    """Forecast accuracy as the KPI defines it: 1 - WAPE."""
    return 1.0 - wape(actual, forecast)


def poisson_mean_abs_dev(lam) -> np.ndarray:
    """E|N - lam| for N ~ Poisson(lam), exactly.

    Closed form (e.g. Johnson, Kemp & Kotz, *Univariate Discrete
    Distributions*, 3rd ed., sec. 4.3):
    ``E|N - lam| = 2 exp(-lam) lam^(k+1) / k!`` with ``k = floor(lam)``,
    evaluated in log space so it is accurate for large ``lam``. Zero at lam = 0.
    """
    lam = np.asarray(lam, dtype=float)
    out = np.zeros_like(lam)
    pos = lam > 0
    lp = lam[pos]
    k = np.floor(lp)
    out[pos] = 2.0 * np.exp(-lp + (k + 1.0) * np.log(lp) - gammaln(k + 1.0))
    return out


def poisson_floor_wape(volumes) -> float:
    """Expected WAPE of a perfect forecast of Poisson arrivals at these volumes.

    If each interval's count is Poisson with mean ``lam_i`` (taken as the
    observed volume) and the forecast is exactly ``lam_i``, the expected error
    is ``sum_i E|N_i - lam_i| / sum_i lam_i``. No forecast of the mean can beat
    it on average; at 30-50 calls per interval it is about 11-14 %.
    """
    lam = np.asarray(volumes, dtype=float).ravel()
    lam = lam[np.isfinite(lam)]
    total = lam.sum()
    return float(poisson_mean_abs_dev(lam).sum() / total) if total > 0 else float("nan")


def interval_coverage(actual, lower, upper) -> float:
    """Share of actuals inside the prediction interval [lower, upper]."""
    a = np.asarray(actual, float).ravel()
    lo = np.asarray(lower, float).ravel()
    hi = np.asarray(upper, float).ravel()
    ok = np.isfinite(a) & np.isfinite(lo) & np.isfinite(hi)
    if not ok.any():
        return float("nan")
    return float(np.mean((a[ok] >= lo[ok]) & (a[ok] <= hi[ok])))
