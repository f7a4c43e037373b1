"""The forecaster contract: one base class, one typed state per model and queue.

A forecaster follows the scikit-learn / statsforecast estimator idiom:

- the constructor stores each parameter, unchanged, as an attribute of the same
  name and does nothing else; :meth:`Forecaster.get_params` returns them exactly
  as given and :meth:`Forecaster.clone` builds an unfitted copy from them;
- ``fit(history) -> self`` checks the parameters (problems name the argument,
  see :func:`wfm.errors.argument_problem`) and the interval table, then fits
  every queue; after it ``queues_`` maps queue -> :class:`QueueFit`,
  ``cleaned_`` lists the days left out of training and ``notes_`` the
  fallbacks and warnings;
- ``predict(start, days) -> DataFrame`` with :data:`PREDICTION_COLUMNS`.

Writing a model is writing one subclass::

    class Drift(Forecaster):
        name = "drift"                       # registers the class in MODELS

        def __init__(self, weeks=4, **common):
            super().__init__(**common)
            self.weeks = weeks               # stored as given

        @dataclass(frozen=True, eq=False)
        class State(ModelState):             # what predict needs, nothing else
            day_total: float
            profile: pd.DataFrame            # weekday x "HH:MM" shares
            log_sigma: float

        def check_params(self):              # optional: more parameter checks
            return super().check_params() + check_integer("weeks", self.weeks)

        def fit_state(self, prepared):       # PreparedQueue -> State
            ...

        @classmethod
        def predict_state(cls, state, horizon):  # -> (offered, day sigma)
            ...

The base class does everything shared by the models: calendar cleaning and
factors, the intraday and AHT profiles, the fallback to simpler models when
a queue's history is too short, the prediction interval and the AHT
forecast, registration (``make_model("drift", weeks=2)``) and persistence
(:mod:`wfm.forecast.persist` saves any state dataclass field by field).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import inspect
import math
import numbers
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd
from scipy.stats import norm

from wfm.errors import InputError, Problem, argument_problem

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
from .risk import (
    DEFAULT_RISK_ORIGINS,
    DayRisk,
    estimate_day_risk,
    prediction_bounds,
    predictive_log_sd,
)

__all__ = [
    "COMMON_PARAMS",
    "DEFAULT_SIGMA",
    "Forecaster",
    "Horizon",
    "MODELS",
    "ModelState",
    "NOTES_COLUMNS",
    "NotEnoughHistory",
    "PREDICTION_COLUMNS",
    "QueueFit",
    "check_choice",
    "check_integer",
    "check_number",
    "day_grid",
    "day_sigma",
    "in_sample_sigma",
    "make_model",
    "predict_queue",
    "require_per_weekday",
    "require_weeks",
    "weekday_table",
]

#: Columns of ``predict``: see :mod:`wfm.forecast.models` for their meaning.
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
    "open",
    "day_log_mean",
    "day_log_sd",
]

#: Columns of ``notes_``: one row per note, the model asked for and the one used.
NOTES_COLUMNS = ["queue", "requested_model", "model", "message"]

#: Parameters every forecaster accepts (see :class:`Forecaster`).
COMMON_PARAMS = ("calendar", "profile_weeks", "profile_decay", "profile_shrink", "aht_weeks", "pi_level",
                 "risk_origins")

DEFAULT_SIGMA = 0.10  # relative day error used when history is too short to measure one

#: Model name -> class; a subclass of :class:`Forecaster` with a ``name`` adds itself.
MODELS: dict[str, type[Forecaster]] = {}


class NotEnoughHistory(Exception):
    """A model cannot be fitted on this queue's history (message says why)."""


@dataclass(frozen=True)
class Horizon:
    """Rows to forecast for one queue.

    ``steps[i]``: how many open days after the last history day row i is
    (1 = the next open day); ``weekdays[i]``: the weekday (0 = Monday) whose
    pattern row i takes; ``seq_weekdays[j]``: weekday of the (j+1)-th open day
    after history. An in-lieu working day gives one row per Monday-Friday
    pattern, averaged afterwards.
    """

    steps: np.ndarray
    weekdays: np.ndarray
    seq_weekdays: np.ndarray


@dataclass(frozen=True, eq=False)
class ModelState:
    """Base of a model's fitted state on one queue: everything its
    ``predict_state`` uses (a model's state is all that is saved of it).

    Subclass it per model as a frozen dataclass (``eq=False`` when it holds
    tables). Fields are numbers, strings, None, tuples of those, dates,
    DataFrames (written as CSV, index and columns as text) and nested states
    (a field typed :class:`ModelState` next to a ``model`` field naming the
    model whose state it is).
    """


@dataclass(frozen=True, eq=False)
class QueueFit:
    """What ``fit`` learnt on one queue: the model's state and the shared estimates.

    - ``slots``: interval starts of the day ("HH:MM"); ``open_weekdays``
      (0 = Monday); ``open_slots``: weekday x slot, 1 where the queue works;
    - ``first_date`` / ``last_date``: the history's first and last day;
    - ``requested_model`` / ``model``: the model asked for and the one fitted
      (a fallback when the history was too short for the first);
    - ``state``: the fitted model's :class:`ModelState`;
    - ``factors``: day factors by calendar key (columns key, factor, days, source);
    - ``dispersion``: variance / mean of interval counts around day total x
      profile (quasi-Poisson, >= 1);
    - ``aht_level`` (s, None without AHT history) and ``aht_profile``
      (weekday x slot multiplier);
    - ``clean_days``: days used for training; ``notes``: fallbacks, defaults;
    - ``risk``: the day-level risk estimated from a rolling-origin backtest
      (:class:`~wfm.forecast.risk.DayRisk`); None: the prediction interval
      uses the in-sample day sigma (and ``dispersion``).
    """

    queue: str
    channel: str
    interval_min: int
    tz: str | None
    slots: tuple[str, ...]
    open_weekdays: tuple[int, ...]
    open_slots: pd.DataFrame
    first_date: dt.date
    last_date: dt.date
    requested_model: str
    model: str
    state: ModelState
    factors: pd.DataFrame
    dispersion: float
    aht_level: float | None
    aht_profile: pd.DataFrame
    clean_days: int
    notes: tuple[str, ...]
    risk: DayRisk | None = None


# -- helpers for models -----------------------------------------------------


def day_sigma(log_resid, default: float = DEFAULT_SIGMA) -> float:
    """Relative day error: RMS of the finite log residuals of day totals,
    ``default`` when fewer than 3 are finite."""
    r = np.asarray(log_resid, float)
    r = r[np.isfinite(r)]
    return float(np.sqrt(np.mean(r**2))) if len(r) >= 3 else default


def weekday_table(values, slots) -> pd.DataFrame:
    """A (7, slots) array as a table: index Mon..Sun, columns "HH:MM"."""
    return pd.DataFrame(
        np.asarray(values, float), index=list(WEEKDAY_NAMES), columns=[slot_label(s) for s in slots]
    )


def require_per_weekday(prep: PreparedQueue, k: int, model: str) -> None:
    """Raise :class:`NotEnoughHistory` unless every open weekday has ``k`` clean days."""
    for w in prep.qh.open_weekdays:
        n = int((prep.clean & (prep.weekdays == w)).sum())
        if n < k:
            raise NotEnoughHistory(
                f"{model} needs {k} clean {WEEKDAY_NAMES[w]}day(s), history has {n}".replace("dayday", "day")
            )


def require_weeks(prep: PreparedQueue, weeks: int, model: str) -> None:
    """Raise :class:`NotEnoughHistory` unless the open-day sequence spans ``weeks`` weeks."""
    n = len(prep.Y)
    if prep.Yi is None or n < weeks * prep.m:
        raise NotEnoughHistory(
            f"{model} needs {weeks} weeks of history ({weeks * prep.m} open days), history has {n} open day(s)"
        )


# -- parameter checks (each returns a list of problems, empty when fine) -------


def _is_integer(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def check_integer(name: str, value, low: int = 1) -> list[Problem]:
    """``value`` is an integer >= ``low``."""
    if _is_integer(value) and value >= low:
        return []
    return [argument_problem(name, f"got {value!r}", f"an integer >= {low}")]


def check_number(name: str, value, low: float | None = None, high: float | None = None, *,
                 low_open: bool = False, high_open: bool = False, optional: bool = False) -> list[Problem]:
    """``value`` is a finite real number in the range (None when ``optional``)."""
    if value is None and optional:
        return []
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)
    if ok and low is not None:
        ok = value > low if low_open else value >= low
    if ok and high is not None:
        ok = value < high if high_open else value <= high
    if ok:
        return []
    lo = "-inf" if low is None else f"{low:g}"
    hi = "inf" if high is None else f"{high:g}"
    span = f"{'(' if low_open or low is None else '['}{lo}, {hi}{')' if high_open or high is None else ']'}"
    return [argument_problem(name, f"got {value!r}", f"a number in {span}" + (" or None" if optional else ""))]


def check_choice(name: str, value, choices: Sequence) -> list[Problem]:
    """``value`` is one of ``choices``."""
    if isinstance(value, str | int | float | type(None)) and value in choices:
        return []
    return [argument_problem(name, f"got {value!r}", "one of " + ", ".join(map(str, choices)))]


# -- the base class ---------------------------------------------------------


class Forecaster:
    """Base class: parameters, calendar cleaning, per-queue fitting with fallback, prediction.

    Common parameters (every model accepts them):

    - ``calendar``: :class:`CalendarConfig` (None: CN holidays, the default config);
    - ``profile_weeks``, ``profile_decay``, ``profile_shrink``: intraday
      profile estimation (see :func:`wfm.forecast.history.intraday_profile`);
    - ``aht_weeks``: weeks of history for the AHT level and profile;
    - ``pi_level``: coverage of the prediction interval (0.8);
    - ``risk_origins``: rolling origins of the backtest that calibrates the
      prediction interval in ``fit`` (:mod:`wfm.forecast.risk`; 0: the
      in-sample day sigma only).

    A model subclass sets ``name`` (or ``variants``: name -> the parameters it
    implies, as ``daily_ses`` is ``DailyProfile(method="ses")``), a nested
    ``State`` dataclass, and implements :meth:`fit_state` and
    :meth:`predict_state`; see the module docstring.

    After ``fit``: ``queues_`` ({queue: :class:`QueueFit`}), ``cleaned_``
    (days removed from training, with reasons) and ``notes_`` (fallbacks and
    warnings per queue).
    """

    name: ClassVar[str] = "base"
    #: Other registry names of the class and the parameters each implies.
    variants: ClassVar[dict[str, dict]] = {}
    #: The model's fitted state on one queue.
    State: ClassVar[type[ModelState]] = ModelState
    #: Tried in order when the model cannot be fitted on a queue.
    fallbacks: ClassVar[tuple[str, ...]] = ("weekday_avg", "flat_mean")
    #: Fitted on a queue without any offered contact (it forecasts 0).
    empty_queue_model: ClassVar[str] = "flat_mean"

    def __init__(
        self,
        *,
        calendar: CalendarConfig | None = None,
        profile_weeks: int = 8,
        profile_decay: float = 0.85,
        profile_shrink: float = 0.25,
        aht_weeks: int = 4,
        pi_level: float = 0.8,
        risk_origins: int = DEFAULT_RISK_ORIGINS,
    ):
        self.calendar = calendar
        self.profile_weeks = profile_weeks
        self.profile_decay = profile_decay
        self.profile_shrink = profile_shrink
        self.aht_weeks = aht_weeks
        self.pi_level = pi_level
        self.risk_origins = risk_origins

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        own = cls.__dict__
        names = list(own.get("variants", {}))
        if isinstance(own.get("name"), str):
            names.insert(0, own["name"])
        for n in names:
            old = MODELS.get(n)
            if old is not None and (old.__module__, old.__qualname__) != (cls.__module__, cls.__qualname__):
                raise TypeError(f"forecast model name {n!r} is taken by {old.__module__}.{old.__qualname__}")
            MODELS[n] = cls

    # -- parameters ---------------------------------------------------------
    @classmethod
    def param_names(cls) -> tuple[str, ...]:
        """The constructor's parameter names: the model's own, then :data:`COMMON_PARAMS`."""
        names: list[str] = []
        for klass in cls.__mro__:
            init = klass.__dict__.get("__init__")
            if init is not None:
                for p in inspect.signature(init).parameters.values():
                    if p.name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD) and p.name not in names:
                        names.append(p.name)
            if klass is Forecaster:
                break
        return tuple(names)

    def get_params(self) -> dict:
        """Constructor parameters, exactly as given."""
        return {k: getattr(self, k) for k in self.param_names()}

    def common_params(self) -> dict:
        """The :data:`COMMON_PARAMS` as given (passed on to member and fallback models)."""
        return {k: getattr(self, k) for k in COMMON_PARAMS}

    def clone(self, **params) -> Forecaster:
        """A new unfitted forecaster with the same parameters (``params`` replace some)."""
        return type(self)(**{**self.get_params(), **params})

    def __repr__(self) -> str:
        own = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items() if k not in COMMON_PARAMS)
        return f"{type(self).__name__}({own})"

    def check_params(self) -> list[Problem]:
        """Every problem with the parameters (``fit`` raises them); extend with ``super()``."""
        problems = []
        if self.calendar is not None and not isinstance(self.calendar, CalendarConfig):
            problems.append(argument_problem("calendar", f"got {type(self.calendar).__name__}",
                                             "a wfm.forecast.CalendarConfig or None"))
        problems += check_integer("profile_weeks", self.profile_weeks)
        problems += check_number("profile_decay", self.profile_decay, 0, 1, low_open=True)
        problems += check_number("profile_shrink", self.profile_shrink, 0, 1)
        problems += check_integer("aht_weeks", self.aht_weeks)
        problems += check_number("pi_level", self.pi_level, 0, 1, low_open=True, high_open=True)
        problems += check_integer("risk_origins", self.risk_origins, low=0)
        return problems

    def validate(self) -> None:
        """Raise :class:`wfm.errors.InputError` listing every parameter problem."""
        problems = self.check_params()
        if problems:
            raise InputError(problems)

    def calendar_config(self) -> CalendarConfig:
        """The calendar in use (the default :class:`CalendarConfig` when None was given)."""
        return self.calendar if self.calendar is not None else CalendarConfig()

    # -- the hooks a model implements ----------------------------------------
    def fit_state(self, prepared: PreparedQueue) -> ModelState:
        """Fit the model on one cleaned queue and return its ``State``.

        ``prepared``: :class:`wfm.forecast.history.PreparedQueue` (``Y`` days x
        slots with removed days NaN, ``Yi`` imputed, ``clean``, ``weekdays``,
        ``profile``, ``qh`` the raw queue history ...). Raise
        :class:`NotEnoughHistory` when the history is too short: the base class
        then fits the ``fallbacks``.
        """
        raise NotImplementedError(f"{type(self).__name__} must implement fit_state")

    @classmethod
    def predict_state(cls, state: ModelState, horizon: Horizon) -> tuple[np.ndarray, np.ndarray]:
        """Point forecast (rows, slots) of contacts per interval and the relative
        day sigma (rows,) of each :class:`Horizon` row, from ``state`` alone.
        Calendar factors, bounds, AHT and closed intervals are the base class's."""
        raise NotImplementedError(f"{cls.__name__} must implement predict_state")

    # -- fitting ------------------------------------------------------------
    def prepare(self, queue_history) -> PreparedQueue:
        """Clean one :class:`~wfm.forecast.history.QueueHistory` (shared by every model)."""
        return prepare_queue(
            queue_history,
            self.calendar_config(),
            profile_weeks=int(self.profile_weeks),
            profile_decay=float(self.profile_decay),
            profile_shrink=float(self.profile_shrink),
            aht_weeks=int(self.aht_weeks),
        )

    def fit(self, history: pd.DataFrame) -> Forecaster:
        """Fit one model per queue of the interval table ``history``."""
        self.validate()
        return self.fit_histories(queue_histories(history), history)

    def prepare_key(self) -> tuple:
        """The parameters :meth:`prepare` depends on (models sharing them clean a queue alike)."""
        return (repr(self.calendar_config()), self.profile_weeks, self.profile_decay, self.profile_shrink,
                self.aht_weeks)

    def fit_histories(self, histories: dict, history: pd.DataFrame, cache: dict | None = None) -> Forecaster:
        """:meth:`fit` from ``histories`` = :func:`~wfm.forecast.history.queue_histories`
        of ``history``, built once for several models (the backtest fits six on
        each origin); ``cache``: a dict those models share, {(queue,
        :meth:`prepare_key`): (prepared queue, seconds it took)}, filled here.
        A subclass that overrides ``fit`` must be fitted with ``fit``."""
        self.validate()
        fits: dict[str, QueueFit] = {}
        cleaned, notes, empty = [], [], set()
        for q, qh in histories.items():
            if qh.all_zero:
                empty.add(q)
            key = (q, self.prepare_key())
            if cache is not None and key in cache:
                prep = cache[key][0]
            else:
                tic = time.perf_counter()
                prep = self.prepare(qh)
                if cache is not None:
                    cache[key] = (prep, time.perf_counter() - tic)
            rec = self.fit_queue(prep)
            fits[q] = rec
            cleaned.append(prep.cleaned)
            for msg in rec.notes:
                notes.append({"queue": q, "requested_model": rec.requested_model, "model": rec.model, "message": msg})
        if self.risk_origins:
            risks = self.calibrate(history)
            for q, rec in fits.items():
                risk = risks.get(q)
                extra = () if risk is not None or q in empty else (
                    f"prediction interval from in-sample errors: the history is too short to calibrate it on "
                    f"{int(self.risk_origins)} backtest origin(s)",)
                fits[q] = dataclasses.replace(rec, risk=risk, notes=rec.notes + extra)
                for msg in extra:
                    notes.append({"queue": q, "requested_model": rec.requested_model, "model": rec.model, "message": msg})
        self.queues_ = fits
        self.cleaned_ = (
            pd.concat(cleaned, ignore_index=True) if cleaned else pd.DataFrame(columns=CLEANED_COLUMNS)
        )
        self.notes_ = pd.DataFrame(notes, columns=NOTES_COLUMNS)
        return self

    def calibrate(self, history: pd.DataFrame) -> dict[str, DayRisk]:
        """{queue: day-level risk} from a rolling-origin backtest of this model
        on ``history``: ``risk_origins`` weekly origins, a week ahead, up to 16
        weeks of training each (:func:`wfm.forecast.backtest`), the day errors
        read by :func:`~wfm.forecast.risk.estimate_day_risk`. A queue missing
        from the result keeps the in-sample interval."""
        from .backtest import backtest

        bt = backtest(history, {self.name: self.clone(risk_origins=0)}, n_origins=int(self.risk_origins))
        out = {}
        for q, e in bt.day_errors.groupby("queue"):
            risk = estimate_day_risk(e)
            if risk is not None:
                out[str(q)] = risk
        return out

    def set_day_risk(self, risks) -> Forecaster:
        """Replace the fitted queues' day-level risk ({queue: DayRisk or None}); returns self."""
        self.check_fitted()
        self.queues_ = {q: dataclasses.replace(rec, risk=risks[q]) if q in risks else rec
                        for q, rec in self.queues_.items()}
        return self

    def fit_queue(self, prepared: PreparedQueue) -> QueueFit:
        """Fit one prepared queue: this model, else its fallbacks; with notes."""
        notes = list(prepared.notes)
        common = self.common_params()
        used, state = None, None
        if prepared.qh.all_zero:
            fb = make_model(self.empty_queue_model, **common)
            state, used = fb.fit_state(prepared), fb.name
            if self.name != fb.name:
                notes.append(f"{self.name} not used: no offered contacts in the history; fallback {used} forecasts 0")
        else:
            try:
                state, used = self.fit_state(prepared), self.name
            except NotEnoughHistory as e:
                reason = str(e)
                for name in self.fallbacks:
                    fb = make_model(name, **common)
                    if fb.name == self.name:
                        continue
                    try:
                        state, used = fb.fit_state(prepared), fb.name
                        notes.append(f"{self.name} not used: {reason}; fallback {used}")
                        break
                    except NotEnoughHistory as e2:
                        reason = f"{reason}; {fb.name}: {e2}"
        for key, row in prepared.factors.iterrows():
            if row["source"] == "history":
                continue
            if key == "holiday" and row["source"] == "prior":
                notes.append(
                    f"holiday factor {row['factor']:.2f} is the configured default (no open holiday in the history)"
                )
        seen = set(prepared.factors.index)
        for ev in self.calendar_config().events:
            if ev.uplift is None and f"event:{ev.name}" not in seen:
                notes.append(f"event {ev.name}: uplift 'auto' but the event is not in the history; factor 1.00")
        qh = prepared.qh
        return QueueFit(
            queue=qh.queue,
            channel=qh.channel,
            interval_min=int(qh.interval_min),
            tz=qh.tz,
            slots=tuple(slot_label(s) for s in qh.slots),
            open_weekdays=tuple(int(w) for w in qh.open_weekdays),
            open_slots=weekday_table(qh.open_slots.astype(int), qh.slots),
            first_date=qh.dates[0].date(),
            last_date=qh.dates[-1].date(),
            requested_model=self.name,
            model=used,
            state=state,
            factors=prepared.factors.reset_index(),
            dispersion=float(prepared.dispersion),
            aht_level=prepared.aht_level,
            aht_profile=weekday_table(prepared.aht_profile, qh.slots),
            clean_days=int(prepared.n_clean),
            notes=tuple(notes),
        )

    # -- prediction ---------------------------------------------------------
    def check_fitted(self) -> None:
        """Raise RuntimeError unless ``fit`` (or :func:`~wfm.forecast.persist.load_model`) ran."""
        if not hasattr(self, "queues_"):
            raise RuntimeError(f"{type(self).__name__} is not fitted: call fit(history) first")

    def predict(self, start, days: int = 7) -> pd.DataFrame:
        """Forecast ``days`` calendar days from ``start`` (a date) for every queue:
        every interval of those days, ``open`` False (and 0) where the queue
        does not work (:func:`predict_queue`)."""
        self.check_fitted()
        if not _is_integer(days) or days < 1:
            raise InputError(argument_problem("days", f"must be >= 1, got {days!r}", "an integer >= 1"))
        try:
            start = pd.Timestamp(start).date()
        except (TypeError, ValueError):
            raise InputError(argument_problem("start", f"not a date: {start!r}", "YYYY-MM-DD")) from None
        frames = [predict_queue(rec, start, int(days), self.calendar_config(), float(self.pi_level))
                  for rec in self.queues_.values()]
        frames = [f for f in frames if len(f)]
        if not frames:
            return pd.DataFrame(columns=PREDICTION_COLUMNS)
        return pd.concat(frames, ignore_index=True)


def make_model(name: str, **params) -> Forecaster:
    """Build a forecaster by model name (``MODELS`` keys), e.g.
    ``make_model("weekday_avg", weeks=4)``; a variant name adds its parameters
    (``daily_ets`` is ``DailyProfile(method="ets")``; ``params`` win)."""
    if name not in MODELS:
        raise InputError(argument_problem("name", f"unknown forecast model {name!r}", "one of " + ", ".join(sorted(MODELS))))
    cls = MODELS[name]
    return cls(**{**cls.variants.get(name, {}), **params})


def _factor(factors: pd.DataFrame, key: str, calendar: CalendarConfig) -> float:
    f = factors.loc[factors["key"] == key, "factor"]
    if len(f):
        return float(f.iloc[0])
    if key == "holiday":
        return float(calendar.holiday_factor_default)
    if key.startswith("event:"):
        for ev in calendar.events:
            if key == f"event:{ev.name}":
                return float(ev.uplift) if ev.uplift is not None else 1.0
    return 1.0


def in_sample_sigma(rec: QueueFit) -> float:
    """The model's in-sample relative day error on one fitted queue (the
    day sigma its ``predict_state`` gives for the first open weekday)."""
    w = int(rec.open_weekdays[0]) if rec.open_weekdays else 0
    one = np.array([w])
    _, sig = MODELS[rec.model].predict_state(rec.state, Horizon(np.array([1]), one, one))
    return float(np.asarray(sig, float)[0])


def day_grid(slots: Sequence[str], interval_min: int) -> np.ndarray:
    """Minutes after local midnight of every interval of a day: the grid of
    ``interval_min`` through the first of ``slots`` ("HH:MM"), with any slot
    off that grid added."""
    mins = np.array([slot_minute(s) for s in slots], int)
    step = max(int(interval_min), 1)
    grid = np.arange(int(mins[0]) % step if len(mins) else 0, 1440, step)
    return np.union1d(grid, mins) if len(mins) and not np.isin(mins, grid).all() else grid


def _localise(naive: pd.DatetimeIndex, tz: str | None) -> tuple[pd.Series, np.ndarray]:
    """Wall-clock interval starts as instants in ``tz``, with the row each
    instant comes from: a time that does not exist (spring forward) has no
    instant, a repeated one (autumn) two."""
    if not tz:
        return pd.Series(naive), np.arange(len(naive))
    ts = pd.Series(naive)
    first = ts.dt.tz_localize(tz, ambiguous=np.ones(len(ts), bool), nonexistent="NaT")
    if first.notna().all():
        offset = first.dt.tz_localize(None).to_numpy() - first.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy()
        if (offset == offset[0]).all():  # no clock change in the horizon: every time once
            return first, np.arange(len(naive))
    second = ts.dt.tz_localize(tz, ambiguous=np.zeros(len(ts), bool), nonexistent="NaT")
    keep = np.flatnonzero(first.notna().to_numpy())
    again = np.flatnonzero((first.notna() & (first != second)).to_numpy())
    src = np.concatenate([keep, again])
    inst = pd.concat([first.iloc[keep], second.iloc[again]], ignore_index=True)
    order = np.argsort(inst.to_numpy(), kind="stable")
    return inst.iloc[order].reset_index(drop=True), src[order]


def predict_queue(rec: QueueFit, start: dt.date, days: int, calendar: CalendarConfig, pi_level: float) -> pd.DataFrame:
    """Forecast one fitted queue for ``days`` calendar days from ``start`` (:data:`PREDICTION_COLUMNS`).

    The model's point forecast per open day (in-lieu working days: the mean of
    the Monday-Friday patterns) times the day's calendar factors; AHT = level
    x profile. Bounds: with a calibrated ``rec.risk``
    (:class:`~wfm.forecast.risk.DayRisk`),
    :func:`~wfm.forecast.risk.prediction_bounds` (the day factor's log mean
    and predictive sd from the backtest, the out-of-sample intraday
    dispersion); without
    one (history too short, ``risk_origins=0``, a model saved before format
    3) point +- z sqrt((point sigma)^2 + dispersion point), sigma the model's
    in-sample relative day error; z = Phi^-1(0.5 + pi_level / 2), floored at 0.

    Every interval of every day is returned (:func:`day_grid`, in the queue's
    zone: a spring-forward day has the intervals that exist, the repeated
    autumn hour both occurrences with the same forecast). ``open`` is False
    where the queue does not work: a weekday it is closed, a time of day that
    never had contacts on that weekday, a day whose calendar factor is 0;
    there offered and bounds are 0 and aht_s is NaN.
    """
    dates = date_range_days(start, days)
    last = rec.last_date
    if dates[0] <= last:
        raise InputError(
            argument_problem(
                "start",
                f"queue {rec.queue}: forecast start {dates[0]} is not after the last history day {last}",
                f"a start date from {last + dt.timedelta(days=1)} on",
            )
        )
    open_wd = [int(w) for w in rec.open_weekdays]
    kinds = day_kinds(dates, open_wd, calendar)
    seq = [
        last + dt.timedelta(days=i)
        for i in range(1, (dates[-1] - last).days + 1)
        if (last + dt.timedelta(days=i)).weekday() in open_wd
    ]
    seq_wd = np.array([d.weekday() for d in seq], int)
    seq_ord = np.array([d.toordinal() for d in seq], int)
    weekday_pool = [w for w in open_wd if w < 5] or open_wd
    row_day, row_step, row_wd = [], [], []
    for i, d in enumerate(dates):
        k = kinds.loc[d]
        if k["in_lieu"]:
            variants = weekday_pool
        elif d.weekday() in open_wd:
            variants = [d.weekday()]
        else:
            continue
        step = max(int(np.searchsorted(seq_ord, d.toordinal(), side="right")), 1)
        for w in variants:
            row_day.append(i)
            row_step.append(step)
            row_wd.append(w)
    S, n_d = len(rec.slots), len(dates)
    M = np.zeros((n_d, S))
    is_open = np.zeros((n_d, S), bool)
    aht = np.full((n_d, S), np.nan)
    sig_day = np.zeros(n_d)
    if row_day:
        if len(seq_wd) == 0:
            seq_wd = np.array([row_wd[0]])
        hz = Horizon(np.array(row_step), np.array(row_wd), seq_wd)
        mean, sig = MODELS[rec.model].predict_state(rec.state, hz)
        open_slots = rec.open_slots.to_numpy(float) > 0
        aht_prof = rec.aht_profile.to_numpy(float)
        rd = np.array(row_day)
        for i in sorted(set(row_day)):
            idx = np.where(rd == i)[0]
            wds = [row_wd[j] for j in idx]
            f = 1.0
            for key in kinds.loc[dates[i]]["keys"]:
                f *= _factor(rec.factors, key, calendar)
            mask = open_slots[wds].any(axis=0) & (f > 0)
            is_open[i] = mask
            M[i] = np.where(mask, np.maximum(mean[idx].mean(axis=0) * f, 0.0), 0.0)
            sig_day[i] = float(np.mean(sig[idx]))
            if rec.aht_level is not None:
                aht[i] = np.where(mask, rec.aht_level * aht_prof[wds].mean(axis=0), np.nan)
    risk = rec.risk
    if risk is None:
        mu_day, sd_day = np.zeros(n_d), sig_day
        half = float(norm.ppf(0.5 + pi_level / 2)) * np.sqrt((M * sd_day[:, None]) ** 2 + rec.dispersion * M)
        lower, upper = np.maximum(M - half, 0.0), M + half
    else:
        mu_day, sd_day = np.full(n_d, risk.log_mean), np.full(n_d, predictive_log_sd(risk, pi_level))
        phi = risk.dispersion if np.isfinite(risk.dispersion) else rec.dispersion
        lower, upper = prediction_bounds(M.ravel(), risk.log_mean, sd_day[0], phi, pi_level)
        lower, upper = lower.reshape(M.shape), upper.reshape(M.shape)

    grid = day_grid(rec.slots, rec.interval_min)
    col = np.full(len(grid), -1)
    col[np.searchsorted(grid, [slot_minute(s) for s in rec.slots])] = np.arange(S)
    G = len(grid)
    di = np.repeat(np.arange(n_d), G)
    gc = np.tile(col, n_d)
    has = gc >= 0
    gcs = np.where(has, gc, 0)
    naive = pd.DatetimeIndex(np.repeat(pd.to_datetime(dates).to_numpy(), G)) + pd.to_timedelta(np.tile(grid, n_d), unit="min")
    ts, src = _localise(naive, rec.tz)
    di, gcs, opened = di[src], gcs[src], (has & is_open[di, gcs])[src]

    def take(a, fill):
        return np.where(opened, a[di, gcs], fill)

    labels = kinds["label"].reindex(dates).to_numpy()
    res = pd.DataFrame({
        "queue": rec.queue,
        "interval_start": ts,
        "interval_min": int(rec.interval_min),
        "channel": rec.channel,
        "offered": take(M, 0.0),
        "offered_lower": take(lower, 0.0),
        "offered_upper": take(upper, 0.0),
        "aht_s": take(aht, np.nan),
        "model": rec.model,
        "calendar": labels[di],
        "open": opened,
        "day_log_mean": mu_day[di],
        "day_log_sd": sd_day[di],
    })
    return res[PREDICTION_COLUMNS]
