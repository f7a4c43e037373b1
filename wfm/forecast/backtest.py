"""Rolling-origin backtest and model selection.

For each queue, origins are training cut-off dates one ``step_days`` apart
(weekly by default), the latest leaving ``horizon_days`` of actuals after it.
At an origin the model is fitted on the last ``train_weeks`` weeks up to and
including the origin (fewer at the start of the data; at least
``min_train_days`` calendar days) and forecasts the next ``horizon_days``.
Errors are pooled over all origins and scored at interval level and at day
level (day totals). Hyndman & Athanasopoulos, *Forecasting: Principles and
Practice* (3rd ed.), sec. 5.10 "time series cross-validation".
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import metrics as M
from .base import Forecaster, make_model
from .history import check_history

SCORE_COLUMNS = [
    "queue",
    "model",
    "level",
    "wape",
    "mape",
    "smape",
    "mase",
    "bias",
    "accuracy",
    "poisson_floor_wape",
    "fit_predict_s",
    "selected",
    "coverage",
    "origins",
    "fallbacks",
]


@dataclass
class BacktestResult:
    """``scores``: one row per queue, model and level (SCORE_COLUMNS).
    ``points``: every scored interval (queue, model, origin, interval_start,
    date, actual, forecast, lower, upper, mase_scale_interval,
    mase_scale_day, used_model). ``origins``: per queue and origin, the
    training window and the fit+predict seconds per model."""

    scores: pd.DataFrame
    points: pd.DataFrame
    origins: pd.DataFrame


def rolling_origins(last_date, n_origins: int, *, horizon_days: int = 7, step_days: int = 7) -> list[dt.date]:
    """Training cut-off dates, ascending: last_date - horizon_days - i * step_days."""
    last = pd.Timestamp(last_date).date()
    return sorted(last - dt.timedelta(days=horizon_days + i * step_days) for i in range(int(n_origins)))


def _local(ts: pd.Series) -> pd.Series:
    return ts.dt.tz_localize(None) if getattr(ts.dt, "tz", None) is not None else ts


def naive_scales(train: pd.DataFrame) -> tuple[float, float]:
    """MASE scales of one queue's training table: mean |y(t) - y(t - 7 days)| at
    interval level (same local wall-clock interval) and for day totals."""
    loc = _local(train["interval_start"])
    s = pd.Series(train["offered"].to_numpy(float), index=loc.to_numpy())
    s = s.groupby(level=0).sum()
    prev = s.copy()
    prev.index = prev.index + pd.Timedelta(days=7)
    common = s.index.intersection(prev.index)
    si = float(np.mean(np.abs(s[common].to_numpy() - prev[common].to_numpy()))) if len(common) else np.nan
    d = s.groupby(s.index.normalize()).sum()
    dp = d.copy()
    dp.index = dp.index + pd.Timedelta(days=7)
    cd = d.index.intersection(dp.index)
    sd = float(np.mean(np.abs(d[cd].to_numpy() - dp[cd].to_numpy()))) if len(cd) else np.nan
    return si, sd


def backtest(
    history: pd.DataFrame,
    models: Sequence[Forecaster | str] | Mapping[str, Forecaster],
    *,
    n_origins: int = 4,
    horizon_days: int = 7,
    train_weeks: int = 16,
    step_days: int = 7,
    min_train_days: int = 7,
) -> BacktestResult:
    """Rolling-origin backtest of ``models`` on every queue of ``history``.

    ``models``: forecasters (used as templates, cloned per origin), model
    names, or a mapping label -> forecaster. Returns :class:`BacktestResult`;
    in ``scores`` the model with the lowest interval WAPE per queue (ties:
    lowest day WAPE, then list order) has ``selected`` True on both levels.
    ``fit_predict_s`` is the mean seconds per origin (one queue, one
    horizon); ``coverage`` the share of actual intervals inside the
    prediction interval; ``fallbacks`` the origins where another model stood in.
    """
    check_history(history)
    if isinstance(models, Mapping):
        items = list(models.items())
    else:
        items = []
        for m in models:
            mdl = make_model(m) if isinstance(m, str) else m
            items.append((mdl.name, mdl))
    labels = [lab for lab, _ in items]
    if len(set(labels)) != len(labels):
        raise ValueError(f"model labels must be unique, got {labels}")
    pts, orig_rows = [], []
    for q, g in history.groupby(history["queue"].astype(str), sort=True):
        loc = _local(g["interval_start"])
        gdate = loc.dt.normalize().dt.date
        first, last = gdate.min(), gdate.max()
        for origin in rolling_origins(last, n_origins, horizon_days=horizon_days, step_days=step_days):
            t0 = max(first, origin - dt.timedelta(days=7 * train_weeks - 1))
            if (origin - t0).days + 1 < min_train_days:
                continue
            train = g[(gdate >= t0) & (gdate <= origin)]
            test = g[(gdate > origin) & (gdate <= origin + dt.timedelta(days=horizon_days))]
            if len(train) == 0 or len(test) == 0:
                continue
            si, sd = naive_scales(train)
            act = pd.DataFrame(
                {
                    "interval_start": test["interval_start"].to_numpy(),
                    "actual": test["offered"].to_numpy(float),
                }
            )
            act["interval_start"] = test["interval_start"].reset_index(drop=True)
            for lab, tmpl in items:
                mdl = tmpl.clone()
                tic = time.perf_counter()
                mdl.fit(train)
                fc = mdl.predict(origin + dt.timedelta(days=1), horizon_days)
                sec = time.perf_counter() - tic
                used = mdl.queues_[q].model
                j = act.merge(
                    fc[["interval_start", "offered", "offered_lower", "offered_upper"]],
                    on="interval_start",
                    how="left",
                )
                j[["offered", "offered_lower", "offered_upper"]] = j[
                    ["offered", "offered_lower", "offered_upper"]
                ].fillna(0.0)
                pts.append(
                    pd.DataFrame(
                        {
                            "queue": q,
                            "model": lab,
                            "origin": origin,
                            "interval_start": j["interval_start"],
                            "date": _local(j["interval_start"]).dt.normalize().dt.date,
                            "actual": j["actual"],
                            "forecast": j["offered"],
                            "lower": j["offered_lower"],
                            "upper": j["offered_upper"],
                            "mase_scale_interval": si,
                            "mase_scale_day": sd,
                            "used_model": used,
                        }
                    )
                )
                orig_rows.append(
                    {
                        "queue": q,
                        "model": lab,
                        "origin": origin,
                        "train_start": t0,
                        "train_days": (origin - t0).days + 1,
                        "fit_predict_s": sec,
                        "used_model": used,
                    }
                )
    points = pd.concat(pts, ignore_index=True) if pts else pd.DataFrame()
    origins = pd.DataFrame(orig_rows)
    scores = score_points(points, origins, labels)
    return BacktestResult(scores=scores, points=points, origins=origins)


def score_points(points: pd.DataFrame, origins: pd.DataFrame, order: list[str] | None = None) -> pd.DataFrame:
    """Score pooled backtest points per queue, model and level; mark the selection."""
    if points is None or len(points) == 0:
        return pd.DataFrame(columns=SCORE_COLUMNS)
    rows = []
    for (q, lab), p in points.groupby(["queue", "model"], sort=False):
        o = origins[(origins["queue"] == q) & (origins["model"] == lab)]
        fp = float(o["fit_predict_s"].mean())
        n_or = int(o["origin"].nunique())
        fb = o[o["used_model"] != o["model"]]
        fbtxt = "; ".join(f"{u} at {k} origin(s)" for u, k in fb["used_model"].value_counts().items())
        a, f = p["actual"].to_numpy(), p["forecast"].to_numpy()
        rows.append(
            _score_row(q, lab, "interval", a, f, p["mase_scale_interval"].to_numpy(), fp, n_or, fbtxt,
                       M.interval_coverage(a, p["lower"], p["upper"]))
        )
        d = p.groupby(["origin", "date"]).agg(
            actual=("actual", "sum"), forecast=("forecast", "sum"), scale=("mase_scale_day", "first")
        )
        rows.append(
            _score_row(q, lab, "day", d["actual"].to_numpy(), d["forecast"].to_numpy(), d["scale"].to_numpy(), fp,
                       n_or, fbtxt, np.nan)
        )
    scores = pd.DataFrame(rows, columns=SCORE_COLUMNS)
    order = order or list(dict.fromkeys(scores["model"]))
    rank = {m: i for i, m in enumerate(order)}
    for q, s in scores.groupby("queue"):
        iv = s[s["level"] == "interval"].set_index("model")
        dy = s[s["level"] == "day"].set_index("model")
        cand = sorted(
            iv.index,
            key=lambda m: (
                np.inf if not np.isfinite(iv.loc[m, "wape"]) else iv.loc[m, "wape"],
                np.inf if not np.isfinite(dy.loc[m, "wape"]) else dy.loc[m, "wape"],
                rank.get(m, 0),
            ),
        )
        if cand:
            scores.loc[(scores["queue"] == q) & (scores["model"] == cand[0]), "selected"] = True
    return scores


def _score_row(q, lab, level, a, f, scale, fp, n_or, fbtxt, cov) -> dict:
    return {
        "queue": q,
        "model": lab,
        "level": level,
        "wape": M.wape(a, f),
        "mape": M.mape(a, f),
        "smape": M.smape(a, f),
        "mase": M.mase(a, f, scale),
        "bias": M.bias(a, f),
        "accuracy": M.accuracy(a, f),
        "poisson_floor_wape": M.poisson_floor_wape(a),
        "fit_predict_s": fp,
        "selected": False,
        "coverage": cov,
        "origins": n_or,
        "fallbacks": fbtxt,
    }


def select_models(scores: pd.DataFrame) -> dict[str, str]:
    """{queue: selected model label} from backtest scores."""
    s = scores[(scores["selected"]) & (scores["level"] == "interval")]
    return dict(zip(s["queue"], s["model"], strict=True))
