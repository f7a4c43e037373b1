"""Interval volume forecasters: the models (the contract is :mod:`wfm.forecast.base`).

Every forecaster takes its parameters in the constructor, learns from an
interval table with ``fit(history) -> self`` (one model per queue) and returns
an interval table from ``predict(start, days)``:

``queue, interval_start, interval_min, channel, offered, offered_lower,
offered_upper, aht_s, model, calendar, open, day_log_mean, day_log_sd``

- ``offered``: forecast contacts in the interval (the median-type point
  forecast the models produce);
- ``offered_lower`` / ``offered_upper``: a central prediction interval at
  ``pi_level`` (80 % by default), calibrated out of sample: ``fit`` runs a
  rolling-origin backtest of the model (``risk_origins`` weekly origins, 8
  by default) and the bounds are the quantiles of the actual given a
  lognormal day-level volume factor with the backtest's log mean and
  predictive sd (``day_log_mean``, ``day_log_sd``: the sd widened for the
  few weeks it rests on) and the backtest's intraday dispersion
  (:mod:`wfm.forecast.risk`); never narrower than the Poisson interval
  point -+ z sqrt(point), floored at 0. When the history is too short for
  that (noted), point +- z sqrt((point sigma)^2 + dispersion point), sigma
  the in-sample relative day error. The backtest reports the achieved
  coverage, at interval and day level.
- ``aht_s``: AHT forecast, level x intraday profile (NaN without AHT history
  and in closed intervals);
- ``model``: the model that produced the row (differs from the requested one
  when it fell back, see ``notes_``); ``calendar``: why the day is special;
- ``open``: False in an interval the queue does not work (a closed weekday,
  a time of day that never had contacts on that weekday, a day whose
  calendar factor is 0), where offered and bounds are 0: every interval of
  the horizon has a row, so a closed interval and a missing one differ;
- ``day_log_mean``, ``day_log_sd``: the day's volume factor (actual day
  total / forecast day total) is taken as lognormal with these log mean and
  sd (0 and the in-sample sigma when uncalibrated); the sd is what
  ``wfm.simulate.simulate_roster(day_volume_sd=...)`` takes, see
  :func:`wfm.forecast.risk.day_volume_sd`.

Models (``name``: class; each has its fitted state as ``Class.State``):

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

import dataclasses
import datetime as dt
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from wfm.errors import Problem, argument_problem

from .backtest import backtest
from .base import (
    COMMON_PARAMS,
    MODELS,
    PREDICTION_COLUMNS,
    Forecaster,
    Horizon,
    ModelState,
    NotEnoughHistory,
    QueueFit,
    check_choice,
    check_integer,
    check_number,
    day_sigma,
    make_model,
    require_per_weekday,
    require_weeks,
    weekday_table,
)
from .history import WEEKDAY_NAMES, PreparedQueue, check_history, slot_label
from .risk import DayRisk, estimate_day_risk

__all__ = [
    "Forecaster",
    "SeasonalNaive",
    "WeekdayAverage",
    "DailyProfile",
    "SvdForecaster",
    "Combination",
    "MemberState",
    "FlatMean",
    "AutoForecaster",
    "MODELS",
    "make_model",
    "NotEnoughHistory",
    "DEFAULT_CANDIDATES",
    "PREDICTION_COLUMNS",
    "Horizon",
    "ModelState",
    "QueueFit",
]


def _weekday_values(table: pd.DataFrame, weekdays: np.ndarray) -> np.ndarray:
    return table.to_numpy(float)[weekdays]


class SeasonalNaive(Forecaster):
    """Same interval, last clean day of the same weekday (normally one week back).

    Needs one clean day per open weekday. Relative day sigma: RMS of
    log(T_d / T_prev) over consecutive clean same-weekday days.
    """

    name = "seasonal_naive"

    @dataclass(frozen=True, eq=False)
    class State(ModelState):
        last_day: pd.DataFrame  # weekday x "HH:MM": the last clean day of each weekday
        log_sigma: float

    def fit_state(self, prepared: PreparedQueue) -> SeasonalNaive.State:
        prep = prepared
        require_per_weekday(prep, 1, self.name)
        S = prep.Y.shape[1]
        last = np.full((7, S), np.nan)
        resid = []
        for w in prep.qh.open_weekdays:
            idx = np.where(prep.clean & (prep.weekdays == w))[0]
            last[w] = prep.Y[idx[-1]]
            tot = np.nansum(prep.Y[idx], axis=1)
            with np.errstate(divide="ignore", invalid="ignore"):
                resid.extend(np.log(tot[1:] / tot[:-1]))
        return self.State(last_day=weekday_table(last, prep.qh.slots), log_sigma=day_sigma(resid))

    @classmethod
    def predict_state(cls, state: SeasonalNaive.State, horizon: Horizon):
        m = _weekday_values(state.last_day, horizon.weekdays)
        return np.nan_to_num(m), np.full(len(m), state.log_sigma)


class WeekdayAverage(Forecaster):
    """Mean of the last ``weeks`` clean same-weekday days, interval by interval.

    Needs one clean day per open weekday (uses fewer than ``weeks`` when that
    is all there is). Relative day sigma: RMS of log(T_d / mean of the previous
    up to ``weeks`` same-weekday clean totals) in history.
    """

    name = "weekday_avg"

    def __init__(self, weeks: int = 4, **common):
        super().__init__(**common)
        self.weeks = weeks

    @dataclass(frozen=True, eq=False)
    class State(ModelState):
        weeks: int
        mean_day: pd.DataFrame  # weekday x "HH:MM" mean of the last clean same-weekday days
        log_sigma: float

    def check_params(self) -> list[Problem]:
        return super().check_params() + check_integer("weeks", self.weeks)

    def fit_state(self, prepared: PreparedQueue) -> WeekdayAverage.State:
        prep, weeks = prepared, int(self.weeks)
        require_per_weekday(prep, 1, self.name)
        S = prep.Y.shape[1]
        avg = np.full((7, S), np.nan)
        resid = []
        for w in prep.qh.open_weekdays:
            idx = np.where(prep.clean & (prep.weekdays == w))[0]
            avg[w] = prep.Y[idx[-weeks:]].mean(axis=0)
            tot = np.nansum(prep.Y[idx], axis=1)
            for j in range(1, len(tot)):
                base = tot[max(0, j - weeks) : j].mean()
                if base > 0 and tot[j] > 0:
                    resid.append(np.log(tot[j] / base))
        return self.State(weeks=weeks, mean_day=weekday_table(avg, prep.qh.slots), log_sigma=day_sigma(resid))

    @classmethod
    def predict_state(cls, state: WeekdayAverage.State, horizon: Horizon):
        m = _weekday_values(state.mean_day, horizon.weekdays)
        return np.nan_to_num(m), np.full(len(m), state.log_sigma)


class FlatMean(Forecaster):
    """Mean day total of the last ``weeks`` weeks x intraday profile per weekday.

    The last-resort fallback: uses clean days, or any day with data when none
    is clean, and never fails. Day sigma: RMS log deviation of those totals
    from their mean (10 % when fewer than 3 days).
    """

    name = "flat_mean"

    def __init__(self, weeks: int = 4, **common):
        super().__init__(**common)
        self.weeks = weeks

    @dataclass(frozen=True, eq=False)
    class State(ModelState):
        weeks: int
        day_total: float  # mean contacts per open day
        profile: pd.DataFrame  # weekday x "HH:MM" intraday shares
        log_sigma: float

    def check_params(self) -> list[Problem]:
        return super().check_params() + check_integer("weeks", self.weeks)

    def fit_state(self, prepared: PreparedQueue) -> FlatMean.State:
        prep, weeks = prepared, int(self.weeks)
        tot = np.nansum(prep.qh.volume, axis=1)
        use = prep.clean.copy()
        if not use.any():
            use = prep.qh.present.copy()
        idx = np.where(use)[0][-weeks * max(prep.m, 1) :]
        level = float(tot[idx].mean()) if len(idx) else 0.0
        with np.errstate(divide="ignore"):
            resid = np.log(tot[idx] / level) if level > 0 else []
        return self.State(
            weeks=weeks,
            day_total=level,
            profile=weekday_table(prep.profile, prep.qh.slots),
            log_sigma=day_sigma(resid) if level > 0 else 0.0,
        )

    @classmethod
    def predict_state(cls, state: FlatMean.State, horizon: Horizon):
        m = state.day_total * _weekday_values(state.profile, horizon.weekdays)
        return m, np.full(len(m), state.log_sigma)


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

    variants = {"daily_ses": {"method": "ses"}, "daily_ets": {"method": "ets"}, "daily_arima": {"method": "arima"}}

    def __init__(self, method: str = "ses", alpha: float | None = 0.1, weekday_weeks: int = 16, **common):
        super().__init__(**common)
        self.method = method
        self.alpha = alpha
        self.weekday_weeks = weekday_weeks

    @property
    def name(self) -> str:  # type: ignore[override]
        return f"daily_{self.method}"

    @dataclass(frozen=True, eq=False)
    class State(ModelState):
        method: str
        level_log: float  # smoothed weekday-adjusted log level (ses), else 0
        weekday_log: tuple[float | None, ...]  # per weekday Mon..Sun; None when closed
        ar_phi: float  # AR(1) coefficient of the errors (arima), else 0
        ar_last: float  # last in-sample error (arima), else 0
        profile: pd.DataFrame  # weekday x "HH:MM" intraday shares
        log_sigma: float

    def check_params(self) -> list[Problem]:
        return (super().check_params() + check_choice("method", self.method, ("ses", "ets", "arima"))
                + check_number("alpha", self.alpha, 0, 1, low_open=True, optional=True)
                + check_integer("weekday_weeks", self.weekday_weeks))

    def fit_state(self, prepared: PreparedQueue) -> DailyProfile.State:
        prep = prepared
        require_weeks(prep, 3, self.name)
        require_per_weekday(prep, 2, self.name)
        alpha = None if self.alpha is None else float(self.alpha)
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

                recent = np.arange(len(lt)) >= len(lt) - int(self.weekday_weeks) * m
                for w in open_wd:
                    wlog[w] = lt[recent & (wd == w)].mean()
                wlog -= np.nanmean(wlog)
                z = lt - wlog[wd]
                if alpha is None:
                    res = SimpleExpSmoothing(z, initialization_method="estimated").fit()
                else:
                    res = SimpleExpSmoothing(z, initialization_method="known", initial_level=float(z[:m].mean())).fit(
                        smoothing_level=alpha, optimized=False
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
        return self.State(
            method=self.method,
            level_log=level,
            weekday_log=tuple(None if not np.isfinite(v) else float(v) for v in wlog),
            ar_phi=phi,
            ar_last=u_last,
            profile=weekday_table(prep.profile, prep.qh.slots),
            log_sigma=day_sigma(resid[1:]),
        )

    @classmethod
    def predict_state(cls, state: DailyProfile.State, horizon: Horizon):
        wlog = np.array([np.nan if v is None else v for v in state.weekday_log], float)
        log_tot = state.level_log + wlog[horizon.weekdays] + state.ar_phi ** horizon.steps * state.ar_last
        tot = np.exp(np.nan_to_num(log_tot, nan=-np.inf))
        m = tot[:, None] * _weekday_values(state.profile, horizon.weekdays)
        return m, np.full(len(m), state.log_sigma)


def _next_weekdays(last: dt.date, open_wd, k: int) -> list[int]:
    out, d = [], last
    while len(out) < k:
        d += dt.timedelta(days=1)
        if d.weekday() in open_wd:
            out.append(d.weekday())
    return out


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

    def __init__(self, n_components: int = 3, transform: str = "sqrt", **common):
        super().__init__(**common)
        self.n_components = n_components
        self.transform = transform

    @dataclass(frozen=True, eq=False)
    class State(ModelState):
        transform: str
        components: pd.DataFrame  # pc1.. x "HH:MM": the right singular vectors V'
        score_phi: tuple[float, ...]  # AR(1) coefficient per component
        score_last: tuple[float, ...]  # last in-sample score per component
        score_weekday: pd.DataFrame  # pc1.. x Mon..Sun weekday effect (NaN when closed)
        log_sigma: float

    def check_params(self) -> list[Problem]:
        return (super().check_params() + check_integer("n_components", self.n_components)
                + check_choice("transform", self.transform, ("sqrt", "log")))

    def fit_state(self, prepared: PreparedQueue) -> SvdForecaster.State:
        from statsmodels.tsa.ar_model import AutoReg

        prep = prepared
        require_weeks(prep, 3, self.name)
        require_per_weekday(prep, 2, self.name)
        open_wd = list(prep.qh.open_weekdays)
        Yi = np.maximum(prep.Yi, 0.0)
        X = np.sqrt(Yi) if self.transform == "sqrt" else np.log1p(Yi)
        U, s, Vt = np.linalg.svd(X, full_matrices=False)
        K = max(1, min(int(self.n_components), int((s > 1e-9 * max(s[0], 1e-300)).sum())))
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
        pcs = [f"pc{k + 1}" for k in range(K)]
        return self.State(
            transform=self.transform,
            components=pd.DataFrame(Vt[:K], index=pcs, columns=[slot_label(x) for x in prep.qh.slots]),
            score_phi=tuple(float(x) for x in phi),
            score_last=tuple(float(x) for x in B[-1]),
            score_weekday=pd.DataFrame(gamma, index=pcs, columns=list(WEEKDAY_NAMES)),
            log_sigma=day_sigma(r),
        )

    @classmethod
    def predict_state(cls, state: SvdForecaster.State, horizon: Horizon):
        V = state.components.to_numpy(float)
        phi = np.array(state.score_phi, float)
        gamma = state.score_weekday.to_numpy(float)  # (K, 7)
        H = int(horizon.steps.max())
        seq = np.zeros((H + 1, len(phi)))
        seq[0] = state.score_last
        for j in range(1, H + 1):
            w = horizon.seq_weekdays[min(j - 1, len(horizon.seq_weekdays) - 1)]
            seq[j] = phi * seq[j - 1] + np.nan_to_num(gamma[:, w])
        b = phi[None, :] * seq[horizon.steps - 1] + np.nan_to_num(gamma[:, horizon.weekdays].T)
        m = _inverse(b @ V, state.transform)
        return m, np.full(len(m), state.log_sigma)


def _inverse(X, transform):
    if transform == "sqrt":
        return np.where(X > 0, X**2 + 0.25, 0.0)
    return np.maximum(np.expm1(X), 0.0)


@dataclass(frozen=True, eq=False)
class MemberState:
    """One fitted member of a :class:`Combination`: its model name and state."""

    model: str
    state: ModelState


class Combination(Forecaster):
    """Weighted mean of member forecasts (equal weights by default).

    ``mode="mean"`` averages the interval forecasts; ``mode="shape"`` takes
    the intraday shape of the first member and scales it to the weighted mean
    of the members' day totals (e.g. SVD shape x daily-model level: pass
    weights (0, 1) to take the level from the second member only).

    ``members``: model names, forecaster instances or ``{"model": name,
    "params": {...}}`` (their own parameters are kept; common parameters come
    from the combination). A member that cannot be fitted on a queue is left
    out there (noted); the combination falls back only when none can. Day
    sigma: weighted mean of the members'.
    """

    name = "combination"

    def __init__(self, members=("svd", "daily_ses"), weights=None, mode: str = "mean", **common):
        super().__init__(**common)
        self.members = members
        self.weights = weights
        self.mode = mode

    @dataclass(frozen=True, eq=False)
    class State(ModelState):
        members: tuple[MemberState, ...]  # the members fitted on this queue
        weights: tuple[float, ...]  # their weights, summing to 1
        mode: str = "mean"
        left_out: tuple[str, ...] = ()  # members that could not be fitted, with the reason

    def member_specs(self) -> list[tuple[str, dict]]:
        """(model name, own parameters) of each member, as ``members`` gives them."""
        specs = []
        for mbr in self.members:
            if isinstance(mbr, Forecaster):
                specs.append((mbr.name, {k: v for k, v in mbr.get_params().items() if k not in COMMON_PARAMS}))
            elif isinstance(mbr, Mapping):
                specs.append((mbr.get("model"), dict(mbr.get("params", {}))))
            else:
                specs.append((mbr, {}))
        return specs

    def check_params(self) -> list[Problem]:
        problems = super().check_params() + check_choice("mode", self.mode, ("mean", "shape"))
        if isinstance(self.members, str) or not isinstance(self.members, Sequence) or not self.members:
            return problems + [argument_problem("members", f"got {self.members!r}",
                                                "a non-empty list of model names or forecasters")]
        for name, params in self.member_specs():
            if name not in MODELS or issubclass(MODELS[name], AutoForecaster):
                problems.append(argument_problem("members", f"unknown member model {name!r}",
                                                 "names from " + ", ".join(sorted(n for n in MODELS if n != "auto"))))
                continue
            try:
                member = make_model(name, **params)
            except TypeError as e:
                problems.append(argument_problem("members", f"member {name}: {e}"))
                continue
            for p in member.check_params():
                problems.append(argument_problem("members", f"member {name}: {p.column}: {p.problem}", p.expected))
        w = self.weights
        if w is not None:
            if isinstance(w, str) or not isinstance(w, Sequence) or len(w) != len(self.members):
                problems.append(argument_problem("weights", f"got {w!r}", "one number >= 0 per member"))
            else:
                bad = [p for x in w for p in check_number("weights", x, 0)]
                if not bad and sum(w) <= 0:
                    bad.append(argument_problem("weights", f"got {w!r}", "at least one weight > 0"))
                problems += bad
        return problems

    def fit_state(self, prepared: PreparedQueue) -> Combination.State:
        states, weights, failed = [], [], []
        for j, (name, params) in enumerate(self.member_specs()):
            mdl = make_model(name, **params, **self.common_params())
            try:
                states.append(MemberState(mdl.name, mdl.fit_state(prepared)))
                weights.append(1.0 if self.weights is None else float(self.weights[j]))
            except NotEnoughHistory as e:
                failed.append(f"{name}: {e}")
        if not states:
            raise NotEnoughHistory("no member can be fitted (" + "; ".join(failed) + ")")
        w = np.array(weights) / np.sum(weights)
        return self.State(members=tuple(states), weights=tuple(float(x) for x in w), mode=self.mode,
                          left_out=tuple(failed))

    @classmethod
    def predict_state(cls, state: Combination.State, horizon: Horizon):
        mean, sig, first = 0.0, 0.0, None
        for w, mbr in zip(state.weights, state.members, strict=True):
            m, s = MODELS[mbr.model].predict_state(mbr.state, horizon)
            first = m if first is None else first
            mean = mean + w * m
            sig = sig + w * s
        if state.mode == "shape":
            tot = first.sum(axis=1, keepdims=True)
            shape = np.divide(first, tot, out=np.zeros_like(first), where=tot > 0)
            mean = shape * mean.sum(axis=1, keepdims=True)
        return mean, sig


#: Candidates the automatic selection backtests, in tie-break order.
DEFAULT_CANDIDATES = ("seasonal_naive", "weekday_avg", "daily_ses", "daily_ets", "svd", "combination")


class AutoForecaster(Forecaster):
    """Per queue, the candidate with the lowest interval WAPE in a rolling-origin backtest.

    ``candidates``: model names; ``n_origins`` weekly origins, ``horizon_days``
    and ``train_weeks`` as in :func:`wfm.forecast.backtest.backtest`. After
    fitting, ``backtest_`` holds the scores and ``selected_`` the model per
    queue. A queue too short to backtest gets ``weekday_avg`` (noted). It has
    no state of its own: each queue keeps the chosen model's.
    """

    name = "auto"

    def __init__(self, candidates=DEFAULT_CANDIDATES, n_origins: int = 4, horizon_days: int = 7, train_weeks: int = 16,
                 **common):
        super().__init__(**common)
        self.candidates = candidates
        self.n_origins = n_origins
        self.horizon_days = horizon_days
        self.train_weeks = train_weeks

    def check_params(self) -> list[Problem]:
        problems = super().check_params()
        c = self.candidates
        if isinstance(c, str) or not isinstance(c, Sequence) or not c:
            problems.append(argument_problem("candidates", f"got {c!r}", "a non-empty list of model names"))
        else:
            for name in c:
                if name not in MODELS or issubclass(MODELS[name], AutoForecaster):
                    problems.append(argument_problem("candidates", f"unknown model {name!r}",
                                                     "names from " + ", ".join(sorted(n for n in MODELS if n != "auto"))))
        for key in ("n_origins", "horizon_days", "train_weeks"):
            problems += check_integer(key, getattr(self, key))
        return problems

    def fit(self, history: pd.DataFrame) -> AutoForecaster:
        self.validate()
        check_history(history)
        models = [make_model(c, **self.common_params()) for c in self.candidates]
        self._choices: dict[str, tuple[str, str]] = {}
        self._risks: dict[str, DayRisk] = {}
        scores = []
        for key, _ in history.groupby("queue", sort=True):
            q = str(key)
            sub = history[history["queue"].astype(str) == q]
            bt = backtest(sub, models, n_origins=int(self.n_origins), horizon_days=int(self.horizon_days),
                          train_weeks=int(self.train_weeks))
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
            elif self.risk_origins and bt.day_errors is not None:
                e = bt.day_errors
                risk = estimate_day_risk(e[(e["queue"] == q) & (e["model"] == choice)], origins=int(self.risk_origins))
                if risk is not None:
                    self._risks[q] = risk
            self._choices[q] = (choice, why)
        super().fit(history)
        self.selected_ = {q: rec.model for q, rec in self.queues_.items()}
        self.backtest_ = pd.concat(scores, ignore_index=True) if scores else pd.DataFrame()
        return self

    def calibrate(self, history: pd.DataFrame) -> dict[str, DayRisk]:
        """The chosen model's day-level risk from the selection backtest's
        day errors (its ``risk_origins`` most recent origins): the same
        origins and windows the chosen model's own calibration would use."""
        return dict(self._risks)

    def fit_queue(self, prepared: PreparedQueue) -> QueueFit:
        """The model chosen for this queue by the backtest in :meth:`fit`, fitted."""
        choice, why = self._choices[prepared.qh.queue]
        rec = make_model(choice, **self.common_params()).fit_queue(prepared)
        return dataclasses.replace(rec, requested_model=self.name, notes=(why, *rec.notes))
