"""Forecast risk: the day-level volume factor and the prediction interval.

A forecast is wrong in two ways. Its *level* is off for the whole day (the
day's volume factor ``F = actual day total / forecast day total``), and the
intervals scatter around the day's shape (Poisson noise and more). The
in-sample error of a model's day totals understates the first: it is a
one-step error on the days the model was fitted to. Here it is measured out
of sample, from a rolling-origin backtest (:func:`wfm.forecast.backtest`):

- :func:`day_errors`: per backtest origin and day, ``log_ratio = log(actual
  day total / forecast day total)`` and the intraday chi-square of the
  intervals around the forecast rescaled to the actual day total;
- :func:`estimate_day_risk`: from the most recent origins, the log factor's
  mean and standard deviation on ordinary days (no calendar label), how many
  independent days they are worth (the days of one origin share its level
  error) and the out-of-sample intraday dispersion, as a :class:`DayRisk`;
- :func:`predictive_log_sd`: the sd the next day's log factor is given:
  Student-t predictive on the effective days, matched at ``pi_level``;
- :func:`prediction_bounds`: the interval bounds that follow, never narrower
  than the Poisson interval; :func:`day_bounds` the same for day totals;
- :func:`day_volume_sd` / :func:`day_risk_table`: a fitted forecaster's risk
  per queue (for :func:`wfm.simulate.simulate_roster`'s ``day_volume_sd``).

The risk model of an interval with point forecast ``m`` on a day with log
factor ``log F ~ N(mu, sd^2)``::

    Y | F ~ Normal(m F, phi m F)        (quasi-Poisson, phi >= 1)

so ``Var Y ~ (m sd)^2 + phi m`` for small ``sd``: day-level uncertainty grows
with the volume, intraday noise with its square root. ``phi`` is the mean of
``(y - e)^2 / e`` over the backtest's intervals, ``e`` the forecast scaled to
the actual day total (Poisson counts give 1). ``sd`` is the
predictive one: the estimate rests on a few weeks, and a new day's factor
given ``n`` independent past ones is Student-t, ``mu + s sqrt(1 + 1/n)
t(n - 1)`` (e.g. Gelman et al., *Bayesian Data Analysis*, 3rd ed., sec. 3.2);
``n`` is the effective number of days, ``days / (1 + (k - 1) rho)`` with ``k``
days per origin and ``rho`` their intraclass correlation (Kish's design
effect; on the US bank data rho is 0.5-0.7: a week's days are off
together, and 34 days of 8 origins count as 12-14).

Not modelled, and why: the growth of the factor's spread with the horizon
step (on the US bank data the RMS log error is 6.4, 6.4, 6.1, 5.7 % in
horizon weeks 1-4 for daily_ses, flat), correlation between the days of one
horizon (a per-day draw is what the simulator takes), and the uncertainty of
a calendar factor itself: special days (holidays, events, days after a
holiday) are left out of the estimate, counted in ``special_days`` with
their RMS log error for information, and given the ordinary days' factor.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import ndtr
from scipy.stats import norm
from scipy.stats import t as student_t

__all__ = [
    "DAY_ERROR_COLUMNS",
    "DAY_RISK_COLUMNS",
    "DEFAULT_RISK_ORIGINS",
    "MIN_RISK_DAYS",
    "DayRisk",
    "day_bounds",
    "day_errors",
    "day_risk_table",
    "day_volume_sd",
    "effective_days",
    "estimate_day_risk",
    "poisson_bounds",
    "pooled_day_volume_sd",
    "prediction_bounds",
    "predictive_log_sd",
]

#: Backtest origins whose day errors calibrate a fitted model (``risk_origins``).
DEFAULT_RISK_ORIGINS = 8

#: Fewest ordinary days (from at least two origins) a calibration uses; fewer:
#: the in-sample interval is kept.
MIN_RISK_DAYS = 10

#: Columns of :func:`day_errors`.
DAY_ERROR_COLUMNS = [
    "queue", "model", "origin", "date", "step", "calendar", "actual", "forecast", "log_ratio",
    "intraday_chi2", "intraday_cells", "lower", "upper",
]

#: Columns of :func:`day_risk_table`.
DAY_RISK_COLUMNS = [
    "queue", "model", "source", "log_mean", "log_sd", "predictive_sd", "dispersion", "days", "origins",
    "effective_days", "special_days", "special_log_rms",
]

_NODES, _WEIGHTS = np.polynomial.hermite.hermgauss(24)
_WEIGHTS = _WEIGHTS / math.sqrt(math.pi)


@dataclass(frozen=True)
class DayRisk:
    """One queue's day-level forecast risk, estimated out of sample.

    - ``log_mean``, ``log_sd``: mean and standard deviation of ``log(actual
      day total / forecast day total)`` over ordinary days of the backtest
      (``log_mean`` < 0: the forecast ran high);
    - ``dispersion``: out-of-sample intraday variance / mean (>= 1; NaN when
      the backtest had no interval to measure it);
    - ``days`` / ``origins``: ordinary days and origins it rests on;
    - ``effective_days``: what the days are worth as independent ones
      (between ``origins`` and ``days``, see :func:`effective_days`);
    - ``source``: "backtest";
    - ``special_days`` / ``special_log_rms``: calendar-special days of the
      same origins and their RMS log error (information; not applied).
    """

    log_mean: float
    log_sd: float
    dispersion: float
    days: int
    origins: int
    effective_days: float
    source: str = "backtest"
    special_days: int = 0
    special_log_rms: float = float("nan")


def _z(pi_level: float) -> float:
    return float(norm.ppf(0.5 + float(pi_level) / 2))


def effective_days(log_ratio, origin) -> float:
    """Kish's effective sample size of day errors grouped by origin:
    ``n / (1 + (k - 1) rho)``, ``k = n / origins`` the mean days per origin,
    ``rho`` the intraclass correlation from the one-way ANOVA estimator
    ``(MSB - MSW) / (MSB + (k0 - 1) MSW)`` (clipped to [0, 1]; ``k0`` the
    ANOVA's size for unequal groups). Between the number of origins (days
    wholly correlated) and ``n`` (independent)."""
    r = np.asarray(log_ratio, float)
    codes = pd.factorize(np.asarray(origin))[0]
    n, g = len(r), int(codes.max()) + 1 if len(r) else 0
    if g < 2 or n <= g:
        return float(n)
    k_i = np.bincount(codes, minlength=g).astype(float)
    mean_i = np.bincount(codes, weights=r, minlength=g) / k_i
    msb = float(np.sum(k_i * (mean_i - r.mean()) ** 2) / (g - 1))
    msw = float(np.sum((r - mean_i[codes]) ** 2) / (n - g))
    k0 = (n - np.sum(k_i**2) / n) / (g - 1)
    den = msb + (k0 - 1) * msw
    rho = min(max((msb - msw) / den, 0.0), 1.0) if den > 0 else 0.0
    return float(min(max(n / (1 + (n / g - 1) * rho), g), n))


def predictive_log_sd(risk: DayRisk, pi_level: float = 0.8) -> float:
    """The sd of a normal log factor with the predictive Student-t's
    ``pi_level`` quantile: ``log_sd sqrt(1 + 1/n) t_{n-1}(q) / z(q)``, ``n``
    the effective days, ``q = (1 + pi_level) / 2``."""
    n = max(float(risk.effective_days), 2.0)
    q = (1 + float(pi_level)) / 2
    return float(risk.log_sd * math.sqrt(1 + 1 / n) * student_t.ppf(q, n - 1) / norm.ppf(q))


def poisson_bounds(offered, pi_level: float = 0.8) -> tuple[np.ndarray, np.ndarray]:
    """The Poisson prediction interval ``m -+ z sqrt(m)`` (normal
    approximation, z = Phi^-1(0.5 + pi_level / 2)), the lower bound floored
    at 0: the narrowest interval any forecast of counts can honestly give."""
    m = np.maximum(np.asarray(offered, float), 0.0)
    half = _z(pi_level) * np.sqrt(m)
    return np.maximum(m - half, 0.0), m + half


def prediction_bounds(offered, log_mean, log_sd, dispersion, pi_level: float = 0.8) -> tuple[np.ndarray, np.ndarray]:
    """Central ``pi_level`` prediction interval of interval counts.

    ``offered``: point forecasts m (contacts per interval); ``log_mean`` and
    ``log_sd``: the day factor's log mean and sd (scalars or one per row);
    ``dispersion``: phi >= 1. The bounds are the ``(1 -+ pi_level) / 2``
    quantiles of the mixture ``Y | F ~ N(m F, phi m F)``, ``log F ~ N(mu,
    sd^2)``, integrated over F by 24-point Gauss-Hermite quadrature and
    solved by bisection; then widened to contain the Poisson interval
    (:func:`poisson_bounds`) and floored at 0. m = 0 gives (0, 0).
    """
    m = np.maximum(np.asarray(offered, float), 0.0)
    mu = np.broadcast_to(np.asarray(log_mean, float), m.shape)
    sd = np.broadcast_to(np.maximum(np.asarray(log_sd, float), 0.0), m.shape)
    phi = np.broadcast_to(np.maximum(np.asarray(dispersion, float), 1.0), m.shape)
    p_lo, p_hi = poisson_bounds(m, pi_level)
    lower, upper = p_lo.copy(), p_hi.copy()
    busy = m > 0
    if busy.any():
        mb = m[busy]
        f = np.exp(mu[busy, None] + sd[busy, None] * math.sqrt(2.0) * _NODES[None, :])
        centre = mb[:, None] * f
        scale = np.sqrt(phi[busy, None] * centre)
        for q, out, pick in (((1 - pi_level) / 2, lower, np.minimum), ((1 + pi_level) / 2, upper, np.maximum)):
            lo = (centre - 9 * scale).min(axis=1)
            hi = (centre + 9 * scale).max(axis=1)
            for _ in range(40):  # the bracket shrinks 1e12-fold: far below a contact
                mid = 0.5 * (lo + hi)
                below = (ndtr((mid[:, None] - centre) / scale) * _WEIGHTS).sum(axis=1) < q
                lo = np.where(below, mid, lo)
                hi = np.where(below, hi, mid)
            out[busy] = pick(out[busy], 0.5 * (lo + hi))
    return np.maximum(lower, 0.0), upper


def day_bounds(total, log_mean, log_sd, pi_level: float = 0.8) -> tuple[np.ndarray, np.ndarray]:
    """Central ``pi_level`` interval of a day total with forecast ``total``:
    ``total x exp(mu -+ z sd)`` (the log factor's quantiles), widened to
    contain the Poisson interval of the total."""
    t = np.maximum(np.asarray(total, float), 0.0)
    z = _z(pi_level)
    mu = np.asarray(log_mean, float)
    sd = np.maximum(np.asarray(log_sd, float), 0.0)
    p_lo, p_hi = poisson_bounds(t, pi_level)
    return np.minimum(t * np.exp(mu - z * sd), p_lo), np.maximum(t * np.exp(mu + z * sd), p_hi)


def day_errors(points: pd.DataFrame) -> pd.DataFrame:
    """Day-level errors of backtest points (:data:`DAY_ERROR_COLUMNS`).

    ``points``: one row per scored interval with ``queue, model, origin,
    date, actual, forecast``, optionally ``calendar`` (the day's label, ""
    for an ordinary day) and ``day_lower``/``day_upper``. Per queue, model,
    origin and date: the totals, ``step`` (1 = the first day after the
    origin with actuals), ``log_ratio = log(actual / forecast)`` (NaN unless
    both are > 0), and over the intervals with ``e = forecast x actual
    total / forecast total > 0.5``: ``intraday_chi2 = sum (y - e)^2 / e``
    and ``intraday_cells`` (their number).
    """
    if points is None or len(points) == 0:
        return pd.DataFrame(columns=DAY_ERROR_COLUMNS)
    p = points
    keys = ["queue", "model", "origin", "date"]
    parts = [pd.factorize(p[k], sort=True) for k in keys]
    dims = tuple(max(len(u), 1) for _, u in parts)
    flat = np.ravel_multi_index(tuple(c for c, _ in parts), dims)
    uniq, first, code = np.unique(flat, return_index=True, return_inverse=True)
    n = len(uniq)
    y = p["actual"].to_numpy(float)
    fc = p["forecast"].to_numpy(float)
    A = np.bincount(code, weights=y, minlength=n)
    F = np.bincount(code, weights=fc, minlength=n)
    with np.errstate(divide="ignore", invalid="ignore"):
        e = fc * (A / F)[code]
    ok = np.isfinite(e) & (e > 0.5)
    chi = np.where(ok, (y - np.where(ok, e, 0.0)) ** 2 / np.where(ok, e, 1.0), 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where((A > 0) & (F > 0), np.log(A / np.where(F > 0, F, 1.0)), np.nan)
    # rows are sorted by (queue, model, origin, date): step counts days within an origin
    run = uniq // dims[-1]
    start = np.r_[0, np.flatnonzero(np.diff(run)) + 1]
    d = {k: p[k].to_numpy()[first] for k in keys}
    d.update(
        step=np.arange(n) - np.repeat(start, np.diff(np.r_[start, n])) + 1,
        calendar=p["calendar"].fillna("").astype(str).to_numpy()[first] if "calendar" in p else np.full(n, ""),
        actual=A, forecast=F, log_ratio=ratio,
        intraday_chi2=np.bincount(code, weights=chi, minlength=n),
        intraday_cells=np.bincount(code, weights=ok, minlength=n).astype(int),
        lower=p["day_lower"].to_numpy(float)[first] if "day_lower" in p else np.full(n, np.nan),
        upper=p["day_upper"].to_numpy(float)[first] if "day_upper" in p else np.full(n, np.nan),
    )
    return pd.DataFrame(d, columns=DAY_ERROR_COLUMNS)


def estimate_day_risk(errors: pd.DataFrame, origins: int | None = None) -> DayRisk | None:
    """The day factor's distribution from one queue's and model's :func:`day_errors`.

    Uses the ``origins`` most recent origins (all when None). On ordinary
    days (empty ``calendar``) with a finite ``log_ratio``: ``log_mean`` =
    their mean, ``log_sd`` = their standard deviation (n - 1),
    ``effective_days`` by :func:`effective_days`, ``dispersion`` = sum of
    ``intraday_chi2`` / sum of ``intraday_cells``, at least 1 (the
    quasi-Poisson variance / mean). Intraday errors are heavy-tailed (on the
    US bank data this mean is 2.5, a median-based figure 1.7-1.8), yet on
    held-out weeks the mean is the one that gives the 80 % interval its 80 %
    (median-based: 77-78 %).
    None when fewer than :data:`MIN_RISK_DAYS` ordinary days or fewer than
    two origins qualify (the caller keeps the in-sample interval).
    """
    if errors is None or len(errors) == 0:
        return None
    use = sorted(errors["origin"].unique())
    if origins is not None:
        use = use[-int(origins):] if origins > 0 else []
    e = errors[errors["origin"].isin(use)]
    r = e["log_ratio"].to_numpy(float)
    special = e["calendar"].fillna("").astype(str).to_numpy() != ""
    ordinary = ~special & np.isfinite(r)
    n = int(ordinary.sum())
    n_orig = int(e.loc[ordinary, "origin"].nunique())
    if n < MIN_RISK_DAYS or n_orig < 2:
        return None
    cells = float(e.loc[ordinary, "intraday_cells"].sum())
    phi = float(e.loc[ordinary, "intraday_chi2"].sum()) / cells if cells > 0 else float("nan")
    sp = r[special & np.isfinite(r)]
    return DayRisk(
        log_mean=float(np.mean(r[ordinary])),
        log_sd=float(np.std(r[ordinary], ddof=1)),
        dispersion=max(phi, 1.0) if np.isfinite(phi) else float("nan"),
        days=n,
        origins=n_orig,
        effective_days=effective_days(r[ordinary], e["origin"].to_numpy()[ordinary]),
        special_days=int(special.sum()),
        special_log_rms=float(np.sqrt(np.mean(sp**2))) if len(sp) else float("nan"),
    )


def day_risk_table(model) -> pd.DataFrame:
    """A fitted forecaster's day-level risk per queue (:data:`DAY_RISK_COLUMNS`).

    ``source`` "backtest": estimated by :func:`estimate_day_risk`, with
    ``predictive_sd`` = :func:`predictive_log_sd` at the model's
    ``pi_level`` (the ``day_log_sd`` its forecasts carry); "in-sample": the
    model's in-sample relative day error (``log_mean`` 0, ``dispersion`` the
    in-sample one), used when the history was too short to calibrate or
    ``risk_origins`` is 0.
    """
    from .base import in_sample_sigma

    rows = []
    for q, rec in model.queues_.items():
        risk = rec.risk
        if risk is None:
            sigma = in_sample_sigma(rec)
            rows.append({"queue": q, "model": rec.model, "source": "in-sample", "log_mean": 0.0,
                         "log_sd": sigma, "predictive_sd": sigma, "dispersion": rec.dispersion,
                         "days": rec.clean_days, "origins": 0, "effective_days": float("nan"), "special_days": 0,
                         "special_log_rms": float("nan")})
        else:
            rows.append({"queue": q, "model": rec.model, "source": risk.source, "log_mean": risk.log_mean,
                         "log_sd": risk.log_sd, "predictive_sd": predictive_log_sd(risk, model.pi_level),
                         "dispersion": risk.dispersion, "days": risk.days, "origins": risk.origins,
                         "effective_days": risk.effective_days, "special_days": risk.special_days,
                         "special_log_rms": risk.special_log_rms})
    return pd.DataFrame(rows, columns=DAY_RISK_COLUMNS)


def day_volume_sd(model) -> dict[str, float]:
    """{queue: sd of the log day factor}: what
    ``wfm.simulate.simulate_roster(day_volume_sd=...)`` takes to draw one
    volume factor per day. ``model``: a fitted forecaster (the predictive sd,
    ``predictive_sd`` of :func:`day_risk_table`) or a forecast table with
    ``queue`` and ``day_log_sd`` (the same figure, as ``predict`` wrote it:
    one value per queue)."""
    if isinstance(model, pd.DataFrame):
        first = model.groupby(model["queue"].astype(str), sort=True)["day_log_sd"].first()
        return {str(q): float(s) for q, s in first.items()}
    t = day_risk_table(model)
    return {str(q): float(s) for q, s in zip(t["queue"], t["predictive_sd"], strict=True)}


def pooled_day_volume_sd(forecast: pd.DataFrame | None) -> float:
    """The day-level volume risk of one pooled voice queue: each queue's sd
    of the log day factor (``day_log_sd``), weighted by its forecast
    contacts; 0 when the table has no ``day_log_sd`` (no risk to draw).
    Only voice rows count where the table has a ``channel`` column: the
    simulation serves calls."""
    if forecast is None or "day_log_sd" not in forecast or not len(forecast):
        return 0.0
    if "channel" in forecast:
        forecast = forecast[forecast["channel"] == "voice"]
    forecast = forecast.assign(day_log_sd=pd.to_numeric(forecast["day_log_sd"], errors="coerce"),
                               offered=pd.to_numeric(forecast["offered"], errors="coerce"))
    per = forecast.groupby(forecast["queue"].astype(str)).agg(sd=("day_log_sd", "first"), w=("offered", "sum"))
    per = per[np.isfinite(per["sd"]) & (per["w"] > 0)]
    return float(np.average(per["sd"], weights=per["w"])) if len(per) else 0.0
