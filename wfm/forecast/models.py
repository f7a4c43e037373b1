"""Interval volume forecasters with one contract.

Every forecaster takes its parameters in the constructor, learns from an
interval table with ``fit(history) -> self`` (one model per queue) and returns
an interval table from ``predict(start, days)``:

``queue, interval_start, interval_min, channel, offered, offered_lower,
offered_upper, aht_s, model, calendar``

- ``offered``: forecast contacts in the interval (the median-type point
  forecast the models produce);
- ``offered_lower`` / ``offered_upper``: a central prediction interval at
  ``pi_level`` (80 % by default): point +- z * sqrt(var), z = Phi^-1(0.9),
  var = (point * sigma_day)^2 + dispersion * point, where sigma_day is the
  model's in-sample relative error of day totals (log scale) and dispersion
  the quasi-Poisson variance/mean of intervals around day total x profile.
  Lower bounds are floored at 0. The backtest reports the achieved coverage.
- ``aht_s``: AHT forecast, level x intraday profile (NaN without AHT history);
- ``model``: the model that produced the row (differs from the requested one
  when it fell back, see ``notes_``); ``calendar``: why the day is special.

Models (``name``: class):

- ``seasonal_naive``: :class:`SeasonalNaive` -- the same interval on the last
  clean day of the same weekday (normally last week).
- ``weekday_avg``: :class:`WeekdayAverage` -- mean of the last N clean days of
  the same weekday, interval by interval.
- ``daily_ses`` / ``daily_ets`` / ``daily_arima``: :class:`DailyProfile` -- day
  totals (log scale, weekday effects; exponential smoothing, statsmodels ETS or
  regression with AR(1) errors) x shrunk intraday profile.
- ``svd``: :class:`SvdForecaster` -- Shen & Huang (2008) dimension reduction of
  the day x interval matrix, component scores forecast with AR(1) + weekday.
- ``combination``: :class:`Combination` -- weighted mean of member models.
- ``flat_mean``: :class:`FlatMean` -- recent mean day x profile, the last-resort
  fallback (never fails while the queue has a day of data).
- ``auto``: :class:`AutoForecaster` -- picks per queue by rolling-origin backtest.

Calendar effects (see :mod:`wfm.forecast.calendar`) are handled by the base
class for every model: special days are cleaned out of training and their
factors multiply the forecast.
"""

from __future__ import annotations

import datetime as dt
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import norm

from wfm.errors import InputError, Problem

from .calendar import CalendarConfig, day_kinds
from .history import (
    CLEANED_COLUMNS,
    WEEKDAY_NAMES,
    PreparedQueue,
    date_range_days,
    prepare_queue,
    queue_histories,
    slot_label,
    slot_minute,
)

__all__ = [
    "Forecaster",
    "SeasonalNaive",
    "WeekdayAverage",
    "DailyProfile",
    "SvdForecaster",
    "Combination",
    "FlatMean",
    "AutoForecaster",
    "MODELS",
    "make_model",
    "NotEnoughHistory",
    "DEFAULT_CANDIDATES",
    "PREDICTION_COLUMNS",
]

PREDICTION_COLUMNS = [
    "queue",
    "interval_start",
    "interval_min",
    "channel",
    "offered",
    "offered_lower",
    "offered_upper",
    "aht_s",
    "model",
    "calendar",
]

NOTES_COLUMNS = ["queue", "requested_model", "model", "message"]

DEFAULT_SIGMA = 0.10  # relative day error used when history is too short to measure one


class NotEnoughHistory(Exception):
    """A model cannot be fitted on this queue's history (message says why)."""


@dataclass
class Horizon:
    """Rows to forecast for one queue.

    ``steps[i]``: how many open days after the last history day row i is
    (1 = the next open day); ``weekdays[i]``: the weekday whose pattern row i
    takes; ``seq_weekdays[j]``: weekday of the (j+1)-th open day after history.
    """

    steps: np.ndarray
    weekdays: np.ndarray
    seq_weekdays: np.ndarray


MODELS: dict[str, type[Forecaster]] = {}


def _register(cls):
    MODELS[cls.name] = cls
    return cls


def _sigma(log_resid, default=DEFAULT_SIGMA) -> float:
    r = np.asarray(log_resid, float)
    r = r[np.isfinite(r)]
    return float(np.sqrt(np.mean(r**2))) if len(r) >= 3 else default


def _weekday_table(values: np.ndarray, slots) -> pd.DataFrame:
    return pd.DataFrame(
        np.asarray(values, float), index=list(WEEKDAY_NAMES), columns=[slot_label(s) for s in slots]
    )


def _require_per_weekday(prep: PreparedQueue, k: int, model: str) -> None:
    for w in prep.qh.open_weekdays:
        n = int((prep.clean & (prep.weekdays == w)).sum())
        if n < k:
            raise NotEnoughHistory(
                f"{model} needs {k} clean {WEEKDAY_NAMES[w]}day(s), history has {n}".replace("dayday", "day")
            )


def _require_weeks(prep: PreparedQueue, weeks: int, model: str) -> None:
    n = len(prep.Y)
    if prep.Yi is None or n < weeks * prep.m:
        raise NotEnoughHistory(
            f"{model} needs {weeks} weeks of history ({weeks * prep.m} open days), history has {n} open day(s)"
        )


class Forecaster:
    """Base class: calendar cleaning, per-queue fitting with fallback, prediction.

    Common parameters (every model accepts them):

    - ``calendar``: :class:`CalendarConfig` (CN holidays by default);
    - ``profile_weeks``, ``profile_decay``, ``profile_shrink``: intraday
      profile estimation (see :func:`wfm.forecast.history.intraday_profile`);
    - ``aht_weeks``: weeks of history for the AHT level and profile;
    - ``pi_level``: coverage of the prediction interval (0.8).

    After ``fit``: ``queues_`` (fitted state per queue, plain data), ``cleaned_``
    (days removed from training, with reasons) and ``notes_`` (fallbacks and
    warnings per queue).
    """

    name = "base"
    _param_names: tuple[str, ...] = ()
    _common = ("profile_weeks", "profile_decay", "profile_shrink", "aht_weeks", "pi_level")

    def __init__(
        self,
        *,
        calendar: CalendarConfig | None = None,
        profile_weeks: int = 8,
        profile_decay: float = 0.85,
        profile_shrink: float = 0.25,
        aht_weeks: int = 4,
        pi_level: float = 0.8,
    ):
        self.calendar = calendar if calendar is not None else CalendarConfig()
        self.profile_weeks = int(profile_weeks)
        self.profile_decay = float(profile_decay)
        self.profile_shrink = float(profile_shrink)
        self.aht_weeks = int(aht_weeks)
        if not 0 < pi_level < 1:
            raise ValueError(f"pi_level must be in (0, 1), got {pi_level}")
        self.pi_level = float(pi_level)

    # -- parameters ---------------------------------------------------------
    def common_params(self) -> dict:
        return {k: getattr(self, k) for k in self._common} | {"calendar": self.calendar}

    def own_params(self) -> dict:
        return {k: getattr(self, k) for k in self._param_names}

    def get_params(self) -> dict:
        """Constructor parameters (JSON-able; calendar as a dict)."""
        p = self.own_params() | self.common_params()
        p["calendar"] = self.calendar.to_dict()
        return p

    def clone(self) -> Forecaster:
        """A new unfitted forecaster with the same parameters."""
        return type(self)(**(self.own_params() | self.common_params()))

    def __repr__(self) -> str:
        own = ", ".join(f"{k}={v!r}" for k, v in self.own_params().items())
        return f"{type(self).__name__}({own})"

    # -- fitting ------------------------------------------------------------
    def prepare(self, prep_qh) -> PreparedQueue:
        return prepare_queue(
            prep_qh,
            self.calendar,
            profile_weeks=self.profile_weeks,
            profile_decay=self.profile_decay,
            profile_shrink=self.profile_shrink,
            aht_weeks=self.aht_weeks,
        )

    def fit(self, history: pd.DataFrame) -> Forecaster:
        """Fit one model per queue of the interval table ``history``."""
        self.queues_: dict[str, dict] = {}
        cleaned, notes = [], []
        for q, qh in queue_histories(history).items():
            prep = self.prepare(qh)
            rec = self._fit_queue(prep)
            self.queues_[q] = rec
            cleaned.append(prep.cleaned)
            for msg in rec["notes"]:
                notes.append({"queue": q, "requested_model": self.name, "model": rec["model"], "message": msg})
        self.cleaned_ = (
            pd.concat(cleaned, ignore_index=True) if cleaned else pd.DataFrame(columns=CLEANED_COLUMNS)
        )
        self.notes_ = pd.DataFrame(notes, columns=NOTES_COLUMNS)
        return self

    def _fit_queue(self, prep: PreparedQueue) -> dict:
        notes = list(prep.notes)
        used, state = None, None
        if prep.qh.all_zero:
            fb = FlatMean(**self.common_params())
            state, used = fb._fit_state(prep), fb.name
            if self.name != fb.name:
                notes.append(f"{self.name} not used: no offered contacts in the history; fallback {used} forecasts 0")
        else:
            try:
                state, used = self._fit_state(prep), self.name
            except NotEnoughHistory as e:
                reason = str(e)
                for fb in (WeekdayAverage(**self.common_params()), FlatMean(**self.common_params())):
                    if fb.name == self.name:
                        continue
                    try:
                        state, used = fb._fit_state(prep), fb.name
                        notes.append(f"{self.name} not used: {reason}; fallback {used}")
                        break
                    except NotEnoughHistory as e2:
                        reason = f"{reason}; {fb.name}: {e2}"
        for key, row in prep.factors.iterrows():
            if row["source"] == "history":
                continue
            if key == "holiday" and row["source"] == "prior":
                notes.append(
                    f"holiday factor {row['factor']:.2f} is the configured default (no open holiday in the history)"
                )
        seen = set(prep.factors.index)
        for ev in self.calendar.events:
            if ev.uplift is None and f"event:{ev.name}" not in seen:
                notes.append(f"event {ev.name}: uplift 'auto' but the event is not in the history; factor 1.00")
        return self._record(prep, used, state, notes)

    def _record(self, prep: PreparedQueue, used: str, state: dict, notes: list[str]) -> dict:
        qh = prep.qh
        return {
            "queue": qh.queue,
            "channel": qh.channel,
            "interval_min": int(qh.interval_min),
            "tz": qh.tz,
            "slots": [slot_label(s) for s in qh.slots],
            "open_weekdays": [int(w) for w in qh.open_weekdays],
            "open_slots": _weekday_table(qh.open_slots.astype(int), qh.slots),
            "first_date": qh.dates[0].date().isoformat(),
            "last_date": qh.dates[-1].date().isoformat(),
            "requested_model": self.name,
            "model": used,
            "state": state,
            "factors": prep.factors.reset_index(),
            "dispersion": float(prep.dispersion),
            "aht_level": prep.aht_level,
            "aht_profile": _weekday_table(prep.aht_profile, qh.slots),
            "clean_days": int(prep.n_clean),
            "notes": notes,
        }

    def _fit_state(self, prep: PreparedQueue) -> dict:  # pragma: no cover - abstract
        raise NotImplementedError

    @classmethod
    def _predict_state(cls, state: dict, hz: Horizon) -> tuple[np.ndarray, np.ndarray]:
        """Return (point forecast (rows, slots), relative day sigma (rows,))."""
        raise NotImplementedError  # pragma: no cover

    # -- prediction ---------------------------------------------------------
    def _check_fitted(self):
        if not hasattr(self, "queues_"):
            raise RuntimeError(f"{type(self).__name__} is not fitted: call fit(history) first")

    def predict(self, start, days: int = 7) -> pd.DataFrame:
        """Forecast ``days`` calendar days from ``start`` (a date) for every queue."""
        self._check_fitted()
        if int(days) < 1:
            raise InputError(Problem("--days", None, None, f"days must be >= 1, got {days}"))
        frames = [predict_queue(rec, start, int(days), self.calendar, self.pi_level) for rec in self.queues_.values()]
        frames = [f for f in frames if len(f)]
        if not frames:
            return pd.DataFrame(columns=PREDICTION_COLUMNS)
        return pd.concat(frames, ignore_index=True)


def _factor(rec_factors: pd.DataFrame, key: str, calendar: CalendarConfig) -> float:
    f = rec_factors.loc[rec_factors["key"] == key, "factor"]
    if len(f):
        return float(f.iloc[0])
    if key == "holiday":
        return float(calendar.holiday_factor_default)
    if key.startswith("event:"):
        for ev in calendar.events:
            if key == f"event:{ev.name}":
                return float(ev.uplift) if ev.uplift is not None else 1.0
    return 1.0


def predict_queue(rec: dict, start, days: int, calendar: CalendarConfig, pi_level: float) -> pd.DataFrame:
    """Forecast one fitted queue record (see :meth:`Forecaster.predict`)."""
    dates = date_range_days(start, days)
    last = dt.date.fromisoformat(rec["last_date"])
    if dates[0] <= last:
        raise InputError(
            Problem(
                "--start",
                None,
                None,
                f"queue {rec['queue']}: forecast start {dates[0]} is not after the last history day {last}",
                f"a start date from {last + dt.timedelta(days=1)} on",
            )
        )
    open_wd = [int(w) for w in rec["open_weekdays"]]
    kinds = day_kinds(dates, open_wd, calendar)
    seq = [
        last + dt.timedelta(days=i)
        for i in range(1, (dates[-1] - last).days + 1)
        if (last + dt.timedelta(days=i)).weekday() in open_wd
    ]
    seq_wd = np.array([d.weekday() for d in seq], int)
    seq_ord = np.array([d.toordinal() for d in seq], int)
    weekday_pool = [w for w in open_wd if w < 5] or open_wd
    row_date, row_step, row_wd, row_label = [], [], [], []
    for d in dates:
        k = kinds.loc[d]
        if k["in_lieu"]:
            variants = weekday_pool
        elif d.weekday() in open_wd:
            variants = [d.weekday()]
        else:
            continue
        step = max(int(np.searchsorted(seq_ord, d.toordinal(), side="right")), 1)
        for w in variants:
            row_date.append(d)
            row_step.append(step)
            row_wd.append(w)
            row_label.append(k["label"])
    if not row_date:
        return pd.DataFrame(columns=PREDICTION_COLUMNS)
    if len(seq_wd) == 0:
        seq_wd = np.array([row_wd[0]])
    hz = Horizon(np.array(row_step), np.array(row_wd), seq_wd)
    mean, sig = MODELS[rec["model"]]._predict_state(rec["state"], hz)
    slots = np.array([slot_minute(s) for s in rec["slots"]])
    open_slots = rec["open_slots"].to_numpy(float) > 0
    aht_prof = rec["aht_profile"].to_numpy(float)
    z = float(norm.ppf(0.5 + pi_level / 2))
    out = []
    rd = np.array([d.toordinal() for d in row_date])
    for d in sorted(set(row_date)):
        idx = np.where(rd == d.toordinal())[0]
        wds = [row_wd[i] for i in idx]
        m = mean[idx].mean(axis=0)
        s = float(np.mean(sig[idx]))
        k = kinds.loc[d]
        f = 1.0
        for key in k["keys"]:
            f *= _factor(rec["factors"], key, calendar)
        m = np.maximum(m * f, 0.0)
        mask = open_slots[wds].any(axis=0)
        var = (m * s) ** 2 + rec["dispersion"] * m
        half = z * np.sqrt(var)
        if rec["aht_level"] is None:
            aht = np.full(len(slots), np.nan)
        else:
            aht = rec["aht_level"] * aht_prof[wds].mean(axis=0)
        starts = pd.Timestamp(d) + pd.to_timedelta(slots, unit="min")
        out.append(
            pd.DataFrame(
                {
                    "interval_start": starts[mask],
                    "offered": m[mask],
                    "offered_lower": np.maximum(m - half, 0.0)[mask],
                    "offered_upper": (m + half)[mask],
                    "aht_s": aht[mask],
                    "calendar": k["label"],
                }
            )
        )
    res = pd.concat(out, ignore_index=True)
    ts = res["interval_start"].astype("datetime64[ns]")
    if rec["tz"]:
        # daylight saving: wall-clock intervals that do not exist (spring) are dropped;
        # the repeated autumn hour is forecast once, as its first (summer-time) occurrence
        amb = np.ones(len(ts), bool)
        ts = ts.dt.tz_localize(rec["tz"], ambiguous=amb, nonexistent="NaT")
    res["interval_start"] = ts
    res = res[res["interval_start"].notna()].reset_index(drop=True)
    res["queue"] = rec["queue"]
    res["interval_min"] = int(rec["interval_min"])
    res["channel"] = rec["channel"]
    res["model"] = rec["model"]
    return res[PREDICTION_COLUMNS]


# ---------------------------------------------------------------------------
# models
# ---------------------------------------------------------------------------


def _weekday_values(table: pd.DataFrame, weekdays: np.ndarray) -> np.ndarray:
    return table.to_numpy(float)[weekdays]


@_register
class SeasonalNaive(Forecaster):
    """Same interval, last clean day of the same weekday (normally one week back).

    Needs one clean day per open weekday. Relative day sigma: RMS of
    log(T_d / T_prev) over consecutive clean same-weekday days.
    """

    name = "seasonal_naive"

    def _fit_state(self, prep):
        _require_per_weekday(prep, 1, self.name)
        S = prep.Y.shape[1]
        last = np.full((7, S), np.nan)
        resid = []
        for w in prep.qh.open_weekdays:
            idx = np.where(prep.clean & (prep.weekdays == w))[0]
            last[w] = prep.Y[idx[-1]]
            tot = np.nansum(prep.Y[idx], axis=1)
            with np.errstate(divide="ignore", invalid="ignore"):
                resid.extend(np.log(tot[1:] / tot[:-1]))
        return {"last_day": _weekday_table(last, prep.qh.slots), "log_sigma": _sigma(resid)}

    @classmethod
    def _predict_state(cls, state, hz):
        m = _weekday_values(state["last_day"], hz.weekdays)
        return np.nan_to_num(m), np.full(len(m), state["log_sigma"])


@_register
class WeekdayAverage(Forecaster):
    """Mean of the last ``weeks`` clean same-weekday days, interval by interval.

    Needs one clean day per open weekday (uses fewer than ``weeks`` when that
    is all there is). Relative day sigma: RMS of log(T_d / mean of the previous
    up to ``weeks`` same-weekday clean totals) in history.
    """

    name = "weekday_avg"
    _param_names = ("weeks",)

    def __init__(self, weeks: int = 4, **common):
        if int(weeks) < 1:
            raise ValueError("weeks must be >= 1")
        self.weeks = int(weeks)
        super().__init__(**common)

    def _fit_state(self, prep):
        _require_per_weekday(prep, 1, self.name)
        S = prep.Y.shape[1]
        avg = np.full((7, S), np.nan)
        resid = []
        for w in prep.qh.open_weekdays:
            idx = np.where(prep.clean & (prep.weekdays == w))[0]
            avg[w] = prep.Y[idx[-self.weeks :]].mean(axis=0)
            tot = np.nansum(prep.Y[idx], axis=1)
            for j in range(1, len(tot)):
                base = tot[max(0, j - self.weeks) : j].mean()
                if base > 0 and tot[j] > 0:
                    resid.append(np.log(tot[j] / base))
        return {"weeks": self.weeks, "mean_day": _weekday_table(avg, prep.qh.slots), "log_sigma": _sigma(resid)}

    @classmethod
    def _predict_state(cls, state, hz):
        m = _weekday_values(state["mean_day"], hz.weekdays)
        return np.nan_to_num(m), np.full(len(m), state["log_sigma"])


@_register
class FlatMean(Forecaster):
    """Mean day total of the last ``weeks`` weeks x intraday profile per weekday.

    The last-resort fallback: uses clean days, or any day with data when none
    is clean, and never fails. Day sigma: RMS log deviation of those totals
    from their mean (10 % when fewer than 3 days).
    """

    name = "flat_mean"
    _param_names = ("weeks",)

    def __init__(self, weeks: int = 4, **common):
        self.weeks = int(weeks)
        super().__init__(**common)

    def _fit_state(self, prep):
        tot = np.nansum(prep.qh.volume, axis=1)
        use = prep.clean.copy()
        if not use.any():
            use = prep.qh.present.copy()
        idx = np.where(use)[0][-self.weeks * max(prep.m, 1) :]
        level = float(tot[idx].mean()) if len(idx) else 0.0
        with np.errstate(divide="ignore"):
            resid = np.log(tot[idx] / level) if level > 0 else []
        return {
            "weeks": self.weeks,
            "day_total": level,
            "profile": _weekday_table(prep.profile, prep.qh.slots),
            "log_sigma": _sigma(resid) if level > 0 else 0.0,
        }

    @classmethod
    def _predict_state(cls, state, hz):
        m = state["day_total"] * _weekday_values(state["profile"], hz.weekdays)
        return m, np.full(len(m), state["log_sigma"])


class DailyProfile(Forecaster):
    """Day totals x intraday profile.

    Day totals are modelled on the log scale, over the open-day sequence
    (imputed where days were removed), with a weekday effect:

    - ``method="ses"``: weekday effects = mean log total of each weekday over the
      last ``weekday_weeks`` weeks (centred); the weekday-adjusted series is
      exponentially smoothed (statsmodels ``SimpleExpSmoothing``; smoothing
      ``alpha``, estimated by maximum likelihood when None). Forecast: final
      level + weekday effect.
    - ``method="ets"``: statsmodels ``ETSModel`` ETS(A,N,A) on log totals with
      period = open days per week, parameters by maximum likelihood.
    - ``method="arima"``: statsmodels ``SARIMAX``: regression on weekday
      dummies with AR(1) errors; forecast x'b + phi^h u_T.

    The volume is exp(log forecast) (the median of a log-normal day total) times
    the intraday profile. Needs 3 weeks of history and 2 clean days per weekday.
    Relative day sigma: RMS of in-sample one-step log residuals on clean days.
    """

    _param_names = ("method", "alpha", "weekday_weeks")

    def __init__(self, method: str = "ses", alpha: float | None = 0.1, weekday_weeks: int = 16, **common):
        if method not in ("ses", "ets", "arima"):
            raise ValueError(f"method must be ses, ets or arima, got {method!r}")
        self.method = method
        self.alpha = None if alpha is None else float(alpha)
        self.weekday_weeks = int(weekday_weeks)
        super().__init__(**common)

    @property
    def name(self) -> str:  # type: ignore[override]
        return f"daily_{self.method}"

    def _fit_state(self, prep):
        _require_weeks(prep, 3, self.name)
        _require_per_weekday(prep, 2, self.name)
        T = prep.Yi.sum(axis=1)
        lt = np.log(np.maximum(T, 1.0))
        wd = prep.weekdays
        open_wd = list(prep.qh.open_weekdays)
        m = len(open_wd)
        wlog = np.full(7, np.nan)
        phi, u_last, level = 0.0, 0.0, 0.0
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if self.method == "ses":
                from statsmodels.tsa.holtwinters import SimpleExpSmoothing

                recent = np.arange(len(lt)) >= len(lt) - self.weekday_weeks * m
                for w in open_wd:
                    wlog[w] = lt[recent & (wd == w)].mean()
                wlog -= np.nanmean(wlog)
                z = lt - wlog[wd]
                if self.alpha is None:
                    res = SimpleExpSmoothing(z, initialization_method="estimated").fit()
                else:
                    res = SimpleExpSmoothing(z, initialization_method="known", initial_level=float(z[:m].mean())).fit(
                        smoothing_level=self.alpha, optimized=False
                    )
                level = float(res.forecast(1)[0])
                resid = z - np.asarray(res.fittedvalues)
            elif self.method == "ets":
                from statsmodels.tsa.exponential_smoothing.ets import ETSModel

                res = ETSModel(lt, error="add", trend=None, seasonal="add", seasonal_periods=m).fit(disp=False)
                fc = np.asarray(res.forecast(m))
                nxt = _next_weekdays(prep.qh.dates[-1].date(), open_wd, m)
                for j, w in enumerate(nxt):
                    wlog[w] = fc[j]
                resid = np.asarray(res.resid)
            else:
                from statsmodels.tsa.statespace.sarimax import SARIMAX

                D = (wd[:, None] == np.array(open_wd)[None, :]).astype(float)
                res = SARIMAX(lt, exog=D, order=(1, 0, 0), trend="n").fit(disp=False)
                p = dict(zip(res.model.param_names, np.asarray(res.params), strict=True))
                for j, w in enumerate(open_wd):
                    wlog[w] = p[f"x{j + 1}"]
                phi = float(p["ar.L1"])
                u_last = float(lt[-1] - D[-1] @ np.array([wlog[w] for w in open_wd]))
                resid = np.asarray(res.resid)
        resid = np.where(prep.clean, resid, np.nan)
        return {
            "method": self.method,
            "level_log": level,
            "weekday_log": [None if not np.isfinite(v) else float(v) for v in wlog],
            "ar_phi": phi,
            "ar_last": u_last,
            "profile": _weekday_table(prep.profile, prep.qh.slots),
            "log_sigma": _sigma(resid[1:]),
        }

    @classmethod
    def _predict_state(cls, state, hz):
        wlog = np.array([np.nan if v is None else v for v in state["weekday_log"]], float)
        log_tot = state["level_log"] + wlog[hz.weekdays] + state["ar_phi"] ** hz.steps * state["ar_last"]
        tot = np.exp(np.nan_to_num(log_tot, nan=-np.inf))
        m = tot[:, None] * _weekday_values(state["profile"], hz.weekdays)
        return m, np.full(len(m), state["log_sigma"])


MODELS["daily_ses"] = DailyProfile
MODELS["daily_ets"] = DailyProfile
MODELS["daily_arima"] = DailyProfile


def _next_weekdays(last: dt.date, open_wd, k: int) -> list[int]:
    out, d = [], last
    while len(out) < k:
        d += dt.timedelta(days=1)
        if d.weekday() in open_wd:
            out.append(d.weekday())
    return out


@_register
class SvdForecaster(Forecaster):
    """Shen & Huang (2008) SVD forecaster of the day x interval matrix.

    Shen, H. and Huang, J. Z. (2008), "Interday forecasting and intraday
    updating of call center arrivals", MSOM 10(3), 391-410.

    X = transform(Y) (``"sqrt"``: sqrt(y), variance-stabilising for Poisson
    counts; ``"log"``: log(y + 1)) over the open-day sequence (removed days
    imputed) is factored by SVD, X ~ B V' with the first ``n_components``
    components. Each score series b_k(t) is forecast with statsmodels
    ``AutoReg``: b_k(t) = phi_k b_k(t-1) + gamma_k[weekday(t)] + e. The
    forecast row is back-transformed: max(x, 0)^2 + 1/4 for sqrt (the 1/4 is
    Var(sqrt(N)) of a Poisson count), exp(x) - 1 for log. Needs 3 weeks of
    history and 2 clean days per weekday. Day sigma: RMS log error of the
    in-sample one-step fitted day totals on clean days.
    """

    name = "svd"
    _param_names = ("n_components", "transform")

    def __init__(self, n_components: int = 3, transform: str = "sqrt", **common):
        if transform not in ("sqrt", "log"):
            raise ValueError("transform must be sqrt or log")
        self.n_components = int(n_components)
        self.transform = transform
        super().__init__(**common)

    def _fit_state(self, prep):
        from statsmodels.tsa.ar_model import AutoReg

        _require_weeks(prep, 3, self.name)
        _require_per_weekday(prep, 2, self.name)
        open_wd = list(prep.qh.open_weekdays)
        Yi = np.maximum(prep.Yi, 0.0)
        X = np.sqrt(Yi) if self.transform == "sqrt" else np.log1p(Yi)
        U, s, Vt = np.linalg.svd(X, full_matrices=False)
        K = max(1, min(self.n_components, int((s > 1e-9 * max(s[0], 1e-300)).sum())))
        B = U[:, :K] * s[:K]
        D = (prep.weekdays[:, None] == np.array(open_wd)[None, :]).astype(float)
        phi = np.zeros(K)
        gamma = np.full((K, 7), np.nan)
        Bfit = np.full_like(B, np.nan)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for k in range(K):
                res = AutoReg(B[:, k], lags=1, trend="n", exog=D).fit()
                p = dict(zip(res.model.exog_names, np.asarray(res.params), strict=True))
                phi[k] = p["y.L1"]
                for j, w in enumerate(open_wd):
                    gamma[k, w] = p[f"x{j + 1}"]
                Bfit[1:, k] = np.asarray(res.fittedvalues)
        Xfit = Bfit @ Vt[:K]
        Yfit = _inverse(Xfit, self.transform)
        with np.errstate(divide="ignore", invalid="ignore"):
            r = np.log(Yfit.sum(axis=1) / np.nansum(prep.Y, axis=1))
        r[~prep.clean] = np.nan
        return {
            "transform": self.transform,
            "components": pd.DataFrame(
                Vt[:K], index=[f"pc{k + 1}" for k in range(K)], columns=[slot_label(x) for x in prep.qh.slots]
            ),
            "score_phi": [float(x) for x in phi],
            "score_last": [float(x) for x in B[-1]],
            "score_weekday": pd.DataFrame(gamma, index=[f"pc{k + 1}" for k in range(K)], columns=list(WEEKDAY_NAMES)),
            "log_sigma": _sigma(r),
        }

    @classmethod
    def _predict_state(cls, state, hz):
        V = state["components"].to_numpy(float)
        phi = np.array(state["score_phi"], float)
        gamma = state["score_weekday"].to_numpy(float)  # (K, 7)
        H = int(hz.steps.max())
        seq = np.zeros((H + 1, len(phi)))
        seq[0] = state["score_last"]
        for j in range(1, H + 1):
            w = hz.seq_weekdays[min(j - 1, len(hz.seq_weekdays) - 1)]
            seq[j] = phi * seq[j - 1] + np.nan_to_num(gamma[:, w])
        b = phi[None, :] * seq[hz.steps - 1] + np.nan_to_num(gamma[:, hz.weekdays].T)
        m = _inverse(b @ V, state["transform"])
        return m, np.full(len(m), state["log_sigma"])


def _inverse(X, transform):
    if transform == "sqrt":
        return np.where(X > 0, X**2 + 0.25, 0.0)
    return np.maximum(np.expm1(X), 0.0)


@_register
class Combination(Forecaster):
    """Weighted mean of member forecasts (equal weights by default).

    ``mode="mean"`` averages the interval forecasts; ``mode="shape"`` takes
    the intraday shape of the first member and scales it to the weighted mean
    of the members' day totals (e.g. SVD shape x daily-model level: pass
    weights (0, 1) to take the level from the second member only).

    ``members``: model names or forecaster instances (their own parameters are
    kept; common parameters come from the combination). A member that cannot
    be fitted on a queue is left out there (noted); the combination falls back
    only when none can. Day sigma: weighted mean of the members'.
    """

    name = "combination"
    _param_names = ("members", "weights", "mode")

    def __init__(self, members=("svd", "daily_ses"), weights=None, mode: str = "mean", **common):
        super().__init__(**common)
        if mode not in ("mean", "shape"):
            raise ValueError("mode must be mean or shape")
        self.mode = mode
        specs = []
        for mbr in members:
            if isinstance(mbr, Forecaster):
                specs.append({"model": mbr.name, "params": _jsonable(mbr.own_params())})
            elif isinstance(mbr, dict):
                specs.append({"model": mbr["model"], "params": dict(mbr.get("params", {}))})
            else:
                specs.append({"model": str(mbr), "params": {}})
        if not specs:
            raise ValueError("a combination needs at least one member")
        if weights is not None and len(weights) != len(specs):
            raise ValueError("weights must have one value per member")
        self.members = specs
        self.weights = None if weights is None else [float(w) for w in weights]

    def _member(self, spec) -> Forecaster:
        return make_model(spec["model"], **spec["params"], **self.common_params())

    def _fit_state(self, prep):
        states, weights, failed = [], [], []
        for j, spec in enumerate(self.members):
            mdl = self._member(spec)
            try:
                states.append({"model": mdl.name, "state": mdl._fit_state(prep)})
                weights.append(1.0 if self.weights is None else self.weights[j])
            except NotEnoughHistory as e:
                failed.append(f"{spec['model']}: {e}")
        if not states:
            raise NotEnoughHistory("no member can be fitted (" + "; ".join(failed) + ")")
        w = np.array(weights) / np.sum(weights)
        return {"members": states, "weights": [float(x) for x in w], "mode": self.mode, "left_out": failed}

    @classmethod
    def _predict_state(cls, state, hz):
        mean, sig, first = 0.0, 0.0, None
        for w, mbr in zip(state["weights"], state["members"], strict=True):
            m, s = MODELS[mbr["model"]]._predict_state(mbr["state"], hz)
            first = m if first is None else first
            mean = mean + w * m
            sig = sig + w * s
        if state.get("mode", "mean") == "shape":
            tot = first.sum(axis=1, keepdims=True)
            shape = np.divide(first, tot, out=np.zeros_like(first), where=tot > 0)
            mean = shape * mean.sum(axis=1, keepdims=True)
        return mean, sig


def _jsonable(params: dict) -> dict:
    out = {}
    for k, v in params.items():
        if isinstance(v, CalendarConfig):
            continue
        out[k] = list(v) if isinstance(v, tuple) else v
    return out


def make_model(name: str, **params) -> Forecaster:
    """Build a forecaster by model name (``MODELS`` keys), e.g.
    ``make_model("weekday_avg", weeks=4)``; ``daily_ets`` is DailyProfile(method="ets")."""
    if name in ("daily_ses", "daily_ets", "daily_arima"):
        params.setdefault("method", name.split("_", 1)[1])
        return DailyProfile(**params)
    if name == "auto":
        return AutoForecaster(**params)
    if name not in MODELS:
        raise InputError(
            Problem("--model", None, None, f"unknown forecast model {name!r}", "one of " + ", ".join(sorted(MODELS) + ["auto"]))
        )
    return MODELS[name](**params)


#: Candidates the automatic selection backtests, in tie-break order.
DEFAULT_CANDIDATES = ("seasonal_naive", "weekday_avg", "daily_ses", "daily_ets", "svd", "combination")


class AutoForecaster(Forecaster):
    """Per queue, the candidate with the lowest interval WAPE in a rolling-origin backtest.

    ``candidates``: model names; ``n_origins`` weekly origins, ``horizon_days``
    and ``train_weeks`` as in :func:`wfm.forecast.backtest.backtest`. After
    fitting, ``backtest_`` holds the scores and ``selected_`` the model per
    queue. A queue too short to backtest gets ``weekday_avg`` (noted).
    """

    name = "auto"
    _param_names = ("candidates", "n_origins", "horizon_days", "train_weeks")

    def __init__(self, candidates=DEFAULT_CANDIDATES, n_origins: int = 4, horizon_days: int = 7, train_weeks: int = 16, **common):
        self.candidates = list(candidates)
        self.n_origins = int(n_origins)
        self.horizon_days = int(horizon_days)
        self.train_weeks = int(train_weeks)
        super().__init__(**common)

    def fit(self, history: pd.DataFrame) -> AutoForecaster:
        from .backtest import backtest

        models = [make_model(c, **self.common_params()) for c in self.candidates]
        self.queues_, cleaned, notes, scores = {}, [], [], []
        self.selected_ = {}
        for q, qh in queue_histories(history).items():
            sub = history[history["queue"].astype(str) == q]
            bt = backtest(sub, models, n_origins=self.n_origins, horizon_days=self.horizon_days, train_weeks=self.train_weeks)
            choice, why = None, None
            if len(bt.scores):
                scores.append(bt.scores)
                sel = bt.scores[(bt.scores["selected"]) & (bt.scores["level"] == "interval")]
                if len(sel):
                    choice = sel["model"].iloc[0]
                    why = f"selected {choice} by backtest: interval WAPE {sel['wape'].iloc[0]:.3f} over {int(sel['origins'].iloc[0])} origin(s)"
            if choice is None:
                choice = "weekday_avg"
                why = "not enough history to backtest; using weekday_avg"
            mdl = make_model(choice, **self.common_params())
            prep = mdl.prepare(qh)
            rec = mdl._fit_queue(prep)
            rec["requested_model"] = "auto"
            rec["notes"] = [why] + rec["notes"]
            self.queues_[q] = rec
            self.selected_[q] = rec["model"]
            cleaned.append(prep.cleaned)
            for msg in rec["notes"]:
                notes.append({"queue": q, "requested_model": "auto", "model": rec["model"], "message": msg})
        self.backtest_ = pd.concat(scores, ignore_index=True) if scores else pd.DataFrame()
        self.cleaned_ = pd.concat(cleaned, ignore_index=True) if cleaned else pd.DataFrame(columns=CLEANED_COLUMNS)
        self.notes_ = pd.DataFrame(notes, columns=NOTES_COLUMNS)
        return self
