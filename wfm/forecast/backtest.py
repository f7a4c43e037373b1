"""Rolling-origin backtest and model selection.

For each queue, origins are training cut-off dates one ``step_days`` apart
(weekly by default), the latest leaving ``horizon_days`` of actuals after it.
At an origin the model is fitted on the last ``train_weeks`` weeks up to and
including the origin (fewer at the start of the data; at least
``min_train_days`` calendar days) and forecasts the next ``horizon_days``.
Errors are pooled over all origins and scored at interval level and at day
level (day totals). Hyndman & Athanasopoulos, *Forecasting: Principles and
Practice* (3rd ed.), sec. 5.10 "time series cross-validation".

Prediction intervals are scored as the model would give them at each
origin: a model with ``risk_origins`` R > 0 calibrates its interval on the R
origins before the one scored (:mod:`wfm.forecast.risk`), so the backtest
runs R warm-up origins before the first scored one and, at every origin,
sets the model's day-level risk from the day errors of the R most recent
origins whose actuals precede it: out of sample, as ``fit`` does with its
own backtest. Point forecasts do not depend on it.
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
from .history import check_history, queue_histories
from .risk import DAY_ERROR_COLUMNS, day_bounds, day_errors, estimate_day_risk

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
    mase_scale_day, used_model, calendar, day_lower, day_upper: the day
    total's prediction interval). ``origins``: per queue and origin, the
    training window, the fit+predict seconds per model and ``scored``
    (False: a warm-up origin of the interval calibration). ``day_errors``:
    :func:`wfm.forecast.risk.day_errors` of every origin, warm-up ones
    included, with ``scored``."""

    scores: pd.DataFrame
    points: pd.DataFrame
    origins: pd.DataFrame
    day_errors: pd.DataFrame | None = None


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
    risk_origins: int | None = None,
) -> BacktestResult:
    """Rolling-origin backtest of ``models`` on every queue of ``history``.

    ``models``: forecasters (used as templates, cloned per origin), model
    names, or a mapping label -> forecaster. Returns :class:`BacktestResult`;
    in ``scores`` the model with the lowest interval WAPE per queue (ties:
    lowest day WAPE, then list order) has ``selected`` True on both levels.
    ``fit_predict_s`` is the mean seconds per origin (one queue, one
    horizon); ``coverage`` the share of actual intervals (interval level)
    or day totals (day level) inside the prediction interval; ``fallbacks``
    the origins where another model stood in. ``risk_origins``: the
    calibration origins of every model (None: each model's own
    ``risk_origins``; 0: in-sample intervals). Models are fitted with
    ``risk_origins=0``, their risk set by the backtest (module docstring).
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
    calib = {lab: int(getattr(tmpl, "risk_origins", 0) if risk_origins is None else risk_origins) for lab, tmpl in items}
    warmup = max(calib.values(), default=0)
    pts, orig_rows, errs = [], [], []
    for q, g in history.groupby(history["queue"].astype(str), sort=True):
        loc = _local(g["interval_start"])
        gdate = loc.dt.normalize().dt.date
        first, last = gdate.min(), gdate.max()
        every = rolling_origins(last, n_origins + warmup, horizon_days=horizon_days, step_days=step_days)
        seen: dict[str, list[tuple[dt.date, pd.DataFrame]]] = {lab: [] for lab in labels}
        for k, origin in enumerate(every):
            scored = k >= len(every) - n_origins
            t0 = max(first, origin - dt.timedelta(days=7 * train_weeks - 1))
            if (origin - t0).days + 1 < min_train_days:
                continue
            train = g[(gdate >= t0) & (gdate <= origin)]
            test = g[(gdate > origin) & (gdate <= origin + dt.timedelta(days=horizon_days))]
            if len(train) == 0 or len(test) == 0:
                continue
            si, sd = naive_scales(train)
            act = pd.DataFrame({"interval_start": test["interval_start"].reset_index(drop=True),
                                "actual": test["offered"].to_numpy(float)})
            histories, prepared = None, {}
            for lab, tmpl in items:
                if not scored and k < len(every) - n_origins - calib[lab]:
                    continue
                mdl = tmpl.clone(risk_origins=0) if hasattr(tmpl, "risk_origins") else tmpl.clone()
                tic = time.perf_counter()
                extra = 0.0
                if type(mdl).fit is Forecaster.fit:
                    # the models of one origin share its queue histories and their cleaning;
                    # each is charged their time as if it had built them alone
                    if histories is None:
                        histories = queue_histories(train)
                        hist_s = time.perf_counter() - tic
                    else:
                        extra += hist_s
                    extra += sum(sec for key, (_, sec) in prepared.items() if key[1] == mdl.prepare_key())
                    mdl.fit_histories(histories, train, prepared)
                else:
                    mdl.fit(train)
                if calib[lab] and scored:
                    before = [e for o, e in seen[lab] if o + dt.timedelta(days=horizon_days) <= origin]
                    risk = estimate_day_risk(pd.concat(before[-calib[lab]:], ignore_index=True)) if before else None
                    if risk is not None:
                        mdl.set_day_risk({q: risk})
                fc = mdl.predict(origin + dt.timedelta(days=1), horizon_days)
                sec = time.perf_counter() - tic + extra
                used = mdl.queues_[q].model
                j = act.merge(
                    fc[["interval_start", "offered", "offered_lower", "offered_upper", "calendar",
                        "day_log_mean", "day_log_sd"]],
                    on="interval_start",
                    how="left",
                )
                j[["offered", "offered_lower", "offered_upper", "day_log_mean", "day_log_sd"]] = j[
                    ["offered", "offered_lower", "offered_upper", "day_log_mean", "day_log_sd"]
                ].fillna(0.0)
                date = _local(j["interval_start"]).dt.normalize().dt.date
                dcode, _ = pd.factorize(date)
                dfirst = np.unique(dcode, return_index=True)[1]
                lo, hi = day_bounds(np.bincount(dcode, weights=j["offered"].to_numpy(float)),
                                    j["day_log_mean"].to_numpy(float)[dfirst], j["day_log_sd"].to_numpy(float)[dfirst],
                                    float(mdl.pi_level))
                pt = pd.DataFrame(
                    {
                        "queue": q,
                        "model": lab,
                        "origin": origin,
                        "interval_start": j["interval_start"],
                        "date": date,
                        "actual": j["actual"],
                        "forecast": j["offered"],
                        "lower": j["offered_lower"],
                        "upper": j["offered_upper"],
                        "mase_scale_interval": si,
                        "mase_scale_day": sd,
                        "used_model": used,
                        "calendar": j["calendar"].fillna("").astype(str),
                        "day_lower": lo[dcode],
                        "day_upper": hi[dcode],
                    }
                )
                de = day_errors(pt)
                seen[lab].append((origin, de))
                errs.append(de.assign(scored=scored))
                if scored:
                    pts.append(pt)
                orig_rows.append(
                    {
                        "queue": q,
                        "model": lab,
                        "origin": origin,
                        "train_start": t0,
                        "train_days": (origin - t0).days + 1,
                        "fit_predict_s": sec,
                        "used_model": used,
                        "scored": scored,
                    }
                )
    points = pd.concat(pts, ignore_index=True) if pts else pd.DataFrame()
    origins = pd.DataFrame(orig_rows)
    scores = score_points(points, origins[origins["scored"]] if len(origins) else origins, labels)
    errors = (pd.concat(errs, ignore_index=True) if errs
              else pd.DataFrame(columns=[*DAY_ERROR_COLUMNS, "scored"]))
    return BacktestResult(scores=scores, points=points, origins=origins, day_errors=errors)


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
        agg = {"actual": ("actual", "sum"), "forecast": ("forecast", "sum"), "scale": ("mase_scale_day", "first")}
        if "day_lower" in p and "day_upper" in p:
            agg.update(lower=("day_lower", "first"), upper=("day_upper", "first"))
        d = p.groupby(["origin", "date"]).agg(**agg)
        cov = M.interval_coverage(d["actual"], d["lower"], d["upper"]) if "lower" in d else np.nan
        rows.append(
            _score_row(q, lab, "day", d["actual"].to_numpy(), d["forecast"].to_numpy(), d["scale"].to_numpy(), fp,
                       n_or, fbtxt, cov)
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
