"""Seeded, realistic contact-centre history for demos, ``wfm plan`` and tests.

The generator draws an interval table in the canonical form of
``wfm.intervals`` (columns ``queue``, ``interval_start`` (tz-aware),
``interval_min``, ``channel``, ``offered``, ``aht_s``, ``handled``,
``abandoned``) from a documented stochastic model, so that forecasting and
staffing code can be checked against a known truth.

Model (all parameters in :class:`SampleShape`; defaults in brackets)
--------------------------------------------------------------------
Expected contacts offered in interval *i* of local date *d*::

    lambda(d, i) = base_daily_calls * day_factor(d) * trend(d) * share(i)

* ``share(i)`` -- intraday shape, :func:`intraday_shape`: over the open hours
  ``[open_hour, close_hour)`` the intensity at the interval midpoint ``h``
  (hours after local midnight) is ::

      w_m * exp(-(h - h_m)^2 / (2 s_m^2)) + w_a * exp(-(h - h_a)^2 / (2 s_a^2)) + floor

  (morning peak ``h_m`` [10:00], afternoon peak ``h_a`` [14:45], lunch dip in
  between, ``floor`` [0.12] keeps an evening tail); closed intervals get 0 and
  the shares of a day sum to 1.
* ``day_factor(d)`` -- :func:`day_calendar`, the product of

  - the weekday factor [Mon 1.15, Tue 1.08, Wed 1.04, Thu 1.02, Fri 0.98,
    Sat 0.75, Sun 0.65] -- relative to a "factor 1" day of
    ``base_daily_calls`` contacts;
  - a *holiday block* factor [0.45] for every day in a run of consecutive
    non-working days containing at least one public holiday (so Golden Week
    1-8 Oct 2025 including its weekend is one block); public holidays and
    official working days come from the ``holidays`` package
    (``holidays.country_holidays("CN")``, whose ``is_working_day`` knows the
    in-lieu working Saturdays/Sundays such as 28 Sep and 11 Oct 2025);
  - an in-lieu working Saturday/Sunday gets the weekday level
    ``working_weekend_factor`` [1.0] instead of its weekend factor;
  - a post-holiday rebound [1.3] on the first working day after a block;
  - an event uplift from ``events`` (``"MM-DD" -> factor``; default
    :data:`SAMPLE_EVENTS`, the Double-11 surge 9-13 Nov: 1.3, 1.6, 2.5, 1.8, 1.3).
* ``trend(d) = 1 + trend_per_year * (d - start) / 365.25`` [+5 %/year].

Random parts (one ``numpy.random.Generator`` per queue, from
``numpy.random.SeedSequence(seed).spawn``; draws in a fixed order):

1. AHT drift per day: stationary AR(1) ``x_t = phi x_{t-1} + e_t`` with
   standard deviation ``aht_drift_sd_s`` [4 s] and ``phi`` [0.97] -- a slow
   wander of a few seconds.
2. ``offered ~ Poisson(lambda(d, i))``.
3. Interval mean handle time. The profile AHT is
   ``mu(d, i) = (aht_s + x_d) * m(i)`` with ``m`` rising linearly by
   ``aht_evening_uplift`` [+10 %] from ``aht_ramp_start_h`` [17:00] to
   ``aht_ramp_end_h`` [21:00] and normalised so that the volume-weighted mean
   of ``m`` over a day is exactly 1 (a day without drift averages ``aht_s``).
   Individual handle times are Gamma with mean ``mu`` and coefficient of
   variation ``handle_cv`` [1: exponential], so the mean of ``N = offered``
   of them is ``Gamma(shape=N k, scale=mu / (N k))`` with ``k = 1/cv^2``
   (variance ``mu^2 cv^2 / N``: the noise shrinks with volume). Intervals with
   ``offered == 0`` (including closed hours) report ``aht_s = mu`` so the
   table stays staffable.
4. ``abandoned ~ Binomial(offered, p)`` with ``p`` rising with the load
   relative to normal, ``rel = lambda / (base_daily_calls * share)``, as a
   logistic ``p = p_min + (p_max - p_min) / (1 + exp(-slope (rel - rel_mid)))``
   [2 % .. 8 %, midpoint 1.6, slope 3]; ``handled = offered - abandoned``.

:func:`expected_offered` returns ``lambda`` (no noise) so tests can check the
generator against its own documented formula.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from wfm import DEFAULT_TZ
from wfm.errors import InputError, Problem, argument_problem
from wfm.io import write_csv

__all__ = [
    "DEFAULT_SHAPE",
    "SAMPLE_EVENTS",
    "SampleShape",
    "abandon_probability",
    "aht_profile",
    "day_calendar",
    "expected_offered",
    "generate_history",
    "intraday_shape",
    "write_sample",
]

#: Default event uplifts: the Double-11 (Singles' Day) shopping surge with its ramp.
SAMPLE_EVENTS: Mapping[str, float] = {
    "11-09": 1.3,
    "11-10": 1.6,
    "11-11": 2.5,
    "11-12": 1.8,
    "11-13": 1.3,
}


@dataclass(frozen=True)
class SampleShape:
    """Shape parameters of the sample generator (see the module docstring).

    Hours are local clock hours after midnight (14.75 = 14:45).
    """

    #: Volume factor by weekday, Monday first, relative to a "factor 1" day.
    weekday_factors: tuple[float, ...] = (1.15, 1.08, 1.04, 1.02, 0.98, 0.75, 0.65)
    morning_peak_h: float = 10.0
    morning_sd_h: float = 1.2
    morning_weight: float = 1.0
    afternoon_peak_h: float = 14.75
    afternoon_sd_h: float = 1.5
    afternoon_weight: float = 0.9
    #: Constant added over open hours: the evening tail.
    evening_floor: float = 0.12
    holiday_factor: float = 0.45
    rebound_factor: float = 1.3
    working_weekend_factor: float = 1.0
    trend_per_year: float = 0.05
    aht_evening_uplift: float = 0.10
    aht_ramp_start_h: float = 17.0
    aht_ramp_end_h: float = 21.0
    aht_drift_sd_s: float = 4.0
    aht_drift_phi: float = 0.97
    #: Coefficient of variation of one handle time (1 = exponential).
    handle_cv: float = 1.0
    abandon_min: float = 0.02
    abandon_max: float = 0.08
    abandon_mid_rel: float = 1.6
    abandon_slope: float = 3.0


DEFAULT_SHAPE = SampleShape()

_EVENT_KEY = re.compile(r"^(\d{2})-(\d{2})$")


# --------------------------------------------------------------------------- checks


def _check_common(
    start, days, interval_min, open_hour, close_hour, base_daily_calls, tz, queues
) -> tuple[dt.date, list[str]]:
    problems: list[Problem] = []

    def bad(column: str, problem: str, expected: str) -> None:
        problems.append(argument_problem(column, problem, expected))

    start_date = None
    try:
        ts = pd.Timestamp(start)
        if ts.tzinfo is not None:
            ts = ts.tz_convert(tz)
        start_date = ts.date()
    except (ValueError, TypeError):
        bad("start", f"cannot read start date {start!r}", "a date such as 2025-08-04")
    if not isinstance(days, (int, np.integer)) or isinstance(days, bool) or days < 1:
        bad("days", f"days is {days!r}", "a whole number >= 1")
    if (
        not isinstance(interval_min, (int, np.integer))
        or isinstance(interval_min, bool)
        or interval_min < 1
        or 1440 % interval_min
    ):
        bad("interval_min", f"interval_min is {interval_min!r}", "a divisor of 1440, e.g. 15, 30, 60")
    if not (0 <= open_hour < close_hour <= 24):
        bad("open_hour", f"open {open_hour!r} .. close {close_hour!r}", "0 <= open_hour < close_hour <= 24")
    if not (base_daily_calls >= 0 and math.isfinite(base_daily_calls)):
        bad("base_daily_calls", f"base_daily_calls is {base_daily_calls!r}", "a finite number >= 0")
    try:
        pd.Timestamp("2000-01-01").tz_localize(tz)
    except Exception:  # noqa: BLE001 -- any failure means an unknown zone
        bad("tz", f"unknown time zone {tz!r}", "an IANA zone such as Asia/Shanghai")
    if isinstance(queues, str):
        queues = (queues,)
    queue_list = [str(q) for q in queues]
    if not queue_list or len(set(queue_list)) != len(queue_list) or any(not q for q in queue_list):
        bad("queues", f"queues is {queues!r}", "one or more distinct non-empty names")
    if problems:
        raise InputError(problems)
    return start_date, queue_list


def _check_events(events: Mapping[str, float] | None) -> dict[tuple[int, int], float]:
    if events is None:
        events = SAMPLE_EVENTS
    out: dict[tuple[int, int], float] = {}
    problems = []
    for key, factor in events.items():
        m = _EVENT_KEY.match(str(key))
        ok = m is not None
        if ok:
            month, day = int(m.group(1)), int(m.group(2))
            try:
                dt.date(2024, month, day)  # leap year: 02-29 allowed
            except ValueError:
                ok = False
        if not ok:
            problems.append(argument_problem("events", f"{key!r} is not a month-day", "MM-DD, e.g. 11-11"))
            continue
        try:
            f = float(factor)
        except (TypeError, ValueError):
            f = float("nan")
        if not (f >= 0 and math.isfinite(f)):
            problems.append(argument_problem("events", f"{key}: factor {factor!r}", "a finite number >= 0"))
            continue
        out[(month, day)] = f
    if problems:
        raise InputError(problems)
    return out


# ------------------------------------------------------------------------ science


def intraday_shape(
    interval_min: int = 30,
    open_hour: float = 8,
    close_hour: float = 22,
    shape: SampleShape = DEFAULT_SHAPE,
) -> np.ndarray:
    """Share of a day's contacts in each interval of the day (sums to 1).

    Returns an array of ``1440 // interval_min`` shares, interval 0 starting at
    local midnight. Open intervals (midpoint in ``[open_hour, close_hour)``)
    get the two-Gaussian-plus-floor intensity of the module docstring at their
    midpoint; closed intervals get 0.
    """
    n = 1440 // interval_min
    mid_h = (np.arange(n) + 0.5) * interval_min / 60.0
    s = shape
    raw = (
        s.morning_weight * np.exp(-0.5 * ((mid_h - s.morning_peak_h) / s.morning_sd_h) ** 2)
        + s.afternoon_weight * np.exp(-0.5 * ((mid_h - s.afternoon_peak_h) / s.afternoon_sd_h) ** 2)
        + s.evening_floor
    )
    raw = np.where((mid_h >= open_hour) & (mid_h < close_hour), raw, 0.0)
    total = raw.sum()
    if total <= 0:
        raise InputError(argument_problem("open_hour", "no open interval", "close_hour > open_hour"))
    return raw / total


def aht_profile(
    interval_min: int = 30,
    open_hour: float = 8,
    close_hour: float = 22,
    shape: SampleShape = DEFAULT_SHAPE,
) -> np.ndarray:
    """Intraday AHT multiplier ``m`` per interval of the day (dimensionless).

    Rises linearly by ``aht_evening_uplift`` between ``aht_ramp_start_h`` and
    ``aht_ramp_end_h`` (flat outside), normalised so that
    ``sum(share * m) == 1`` with ``share = intraday_shape(...)``.
    """
    n = 1440 // interval_min
    mid_h = (np.arange(n) + 0.5) * interval_min / 60.0
    s = shape
    span = max(s.aht_ramp_end_h - s.aht_ramp_start_h, 1e-9)
    raw = 1.0 + s.aht_evening_uplift * np.clip((mid_h - s.aht_ramp_start_h) / span, 0.0, 1.0)
    share = intraday_shape(interval_min, open_hour, close_hour, shape)
    return raw / float(np.dot(share, raw))


def abandon_probability(rel_load, shape: SampleShape = DEFAULT_SHAPE) -> np.ndarray:
    """Abandonment probability for a load ``rel_load`` times the normal one.

    ``p = p_min + (p_max - p_min) / (1 + exp(-slope * (rel_load - rel_mid)))``.
    """
    s = shape
    rel = np.asarray(rel_load, dtype=float)
    return s.abandon_min + (s.abandon_max - s.abandon_min) / (
        1.0 + np.exp(-s.abandon_slope * (rel - s.abandon_mid_rel))
    )


def _holiday_calendar(country: str | None, first: dt.date, last: dt.date):
    if country is None:
        return None
    import holidays

    try:
        return holidays.country_holidays(country, years=range(first.year, last.year + 1))
    except NotImplementedError as exc:
        raise InputError(
            argument_problem("country", f"no holiday calendar for {country!r}", "e.g. CN")
        ) from exc


def day_calendar(
    start="2025-08-04",
    days: int = 140,
    *,
    events: Mapping[str, float] | None = None,
    country: str | None = "CN",
    shape: SampleShape = DEFAULT_SHAPE,
) -> pd.DataFrame:
    """Day-level volume factors of the sample model, one row per local date.

    Columns: ``date`` (datetime64, midnight, naive local date), ``weekday``
    (0 = Monday), ``day_type`` (``weekday`` | ``weekend`` | ``holiday`` |
    ``working_weekend``), ``holiday_name`` (str, "" if none), ``rebound``
    (bool, first working day after a holiday block), ``event_factor``,
    ``day_factor`` (weekday/holiday/working-weekend factor x rebound x event)
    and ``trend_factor``. A full day's expected volume is
    ``base_daily_calls * day_factor * trend_factor``.
    """
    start_date, _ = _check_common(start, days, 30, 0, 24, 0.0, "UTC", ("q",))
    ev = _check_events(events)
    s = shape
    if len(s.weekday_factors) != 7:
        raise InputError(argument_problem("weekday_factors", "not 7 factors", "Mon..Sun"))
    # Look around the span so blocks crossing its edges are classified right.
    lo = start_date - dt.timedelta(days=40)
    hi = start_date + dt.timedelta(days=days + 40)
    cal = _holiday_calendar(country, lo, hi)
    n_all = (hi - lo).days + 1
    dates = [lo + dt.timedelta(days=k) for k in range(n_all)]
    if cal is None:
        working = [d.weekday() < 5 for d in dates]
        public = [False] * n_all
    else:
        working = [bool(cal.is_working_day(d)) for d in dates]
        public = [d in cal for d in dates]
    # Runs of non-working days; a run with a public holiday is a holiday block.
    in_block = [False] * n_all
    rebound = [False] * n_all
    k = 0
    while k < n_all:
        if working[k]:
            k += 1
            continue
        j = k
        while j < n_all and not working[j]:
            j += 1
        if any(public[k:j]):
            for m in range(k, j):
                in_block[m] = True
            if j < n_all:
                rebound[j] = True
        k = j
    rows = []
    for k in range(n_all):
        d = dates[k]
        if not (start_date <= d < start_date + dt.timedelta(days=days)):
            continue
        wd = d.weekday()
        base = s.weekday_factors[wd]
        if in_block[k]:
            day_type = "holiday"
            factor = base * s.holiday_factor
        elif working[k] and wd >= 5:
            day_type = "working_weekend"
            factor = s.working_weekend_factor
        elif wd >= 5 or not working[k]:
            day_type = "weekend"
            factor = base
        else:
            day_type = "weekday"
            factor = base
        name = cal.get(d, "") if cal is not None else ""
        ef = ev.get((d.month, d.day), 1.0)
        if rebound[k]:
            factor *= s.rebound_factor
        factor *= ef
        trend = 1.0 + s.trend_per_year * (d - start_date).days / 365.25
        rows.append((pd.Timestamp(d), wd, day_type, str(name), rebound[k], ef, factor, trend))
    return pd.DataFrame(
        rows,
        columns=[
            "date",
            "weekday",
            "day_type",
            "holiday_name",
            "rebound",
            "event_factor",
            "day_factor",
            "trend_factor",
        ],
    )


def _interval_grid(start_date: dt.date, days: int, interval_min: int, tz: str):
    """Interval starts (tz-aware), local day index and local interval-of-day index."""
    def midnight(d: dt.date) -> pd.Timestamp:
        return pd.Timestamp(d).tz_localize(tz, nonexistent="shift_forward", ambiguous=True)

    starts = pd.date_range(
        midnight(start_date),
        midnight(start_date + dt.timedelta(days=days)),
        freq=f"{interval_min}min",
        inclusive="left",
    ).as_unit("ns")
    local = starts.tz_localize(None)
    day_idx = ((local.normalize() - pd.Timestamp(start_date)) // pd.Timedelta(days=1)).to_numpy()
    minute = (local.hour * 60 + local.minute).to_numpy()
    slot = minute // interval_min
    return starts, day_idx.astype(np.int64), slot.astype(np.int64)


def expected_offered(
    start="2025-08-04",
    days: int = 140,
    *,
    queues: Sequence[str] = ("hotline",),
    interval_min: int = 30,
    tz: str = DEFAULT_TZ,
    open_hour: float = 8,
    close_hour: float = 22,
    base_daily_calls: float = 2400,
    aht_s: float = 180.0,
    events: Mapping[str, float] | None = None,
    country: str | None = "CN",
    shape: SampleShape = DEFAULT_SHAPE,
) -> pd.DataFrame:
    """Noiseless expectation of the sample generator, interval by interval.

    Returns columns ``queue``, ``interval_start`` (tz-aware), ``interval_min``,
    ``expected_offered`` (``lambda`` of the module docstring, contacts per
    interval), ``profile_aht_s`` (``aht_s * m``: the expected interval AHT
    before the random daily drift) and ``abandon_p`` (the abandonment
    probability used for ``abandoned``). Same arguments and row order as
    :func:`generate_history` (minus ``seed``).
    """
    start_date, queue_list = _check_common(
        start, days, interval_min, open_hour, close_hour, base_daily_calls, tz, queues
    )
    if not (aht_s > 0 and math.isfinite(aht_s)):
        raise InputError(argument_problem("aht_s", f"aht_s is {aht_s!r}", "a number > 0"))
    cal = day_calendar(start_date, days, events=events, country=country, shape=shape)
    share = intraday_shape(interval_min, open_hour, close_hour, shape)
    m = aht_profile(interval_min, open_hour, close_hour, shape)
    starts, day_idx, slot = _interval_grid(start_date, days, interval_min, tz)
    day_level = (cal["day_factor"] * cal["trend_factor"]).to_numpy()[day_idx]
    normal = base_daily_calls * share[slot]
    lam = normal * day_level
    rel = np.divide(lam, normal, out=np.ones_like(lam), where=normal > 0)
    p = abandon_probability(rel, shape)
    one = pd.DataFrame(
        {
            "interval_start": starts,
            "interval_min": np.full(len(starts), interval_min, dtype=np.int64),
            "expected_offered": lam,
            "profile_aht_s": aht_s * m[slot],
            "abandon_p": p,
        }
    )
    frames = []
    for q in queue_list:
        f = one.copy()
        f.insert(0, "queue", q)
        frames.append(f)
    return pd.concat(frames, ignore_index=True)


def generate_history(
    start="2025-08-04",
    days: int = 140,
    *,
    queues: Sequence[str] = ("hotline",),
    interval_min: int = 30,
    seed: int = 20251111,
    tz: str = DEFAULT_TZ,
    open_hour: float = 8,
    close_hour: float = 22,
    base_daily_calls: float = 2400,
    aht_s: float = 180.0,
    events: Mapping[str, float] | None = None,
    country: str | None = "CN",
    shape: SampleShape = DEFAULT_SHAPE,
) -> pd.DataFrame:
    """Draw a seeded contact-centre history (canonical interval table).

    Parameters
    ----------
    start, days : first local date and number of days (every interval of every
        day is present; closed hours have ``offered == 0``).
    queues : queue names; each queue gets the same model and its own random
        stream (``SeedSequence(seed).spawn``), so adding queues does not change
        the first one.
    interval_min : interval length in minutes (a divisor of 1440).
    seed : seed of the random streams; same arguments -> identical frame.
    tz : IANA zone of ``interval_start`` (local clock drives the shapes).
    open_hour, close_hour : opening hours, local clock.
    base_daily_calls : contacts offered on a "factor 1" day (weekday factor 1,
        no holiday/event, at ``start``).
    aht_s : volume-weighted mean AHT of a day without drift, seconds.
    events : ``{"MM-DD": factor}`` uplifts; ``None`` -> :data:`SAMPLE_EVENTS`,
        ``{}`` -> no events.
    country : ``holidays`` country code for public holidays and in-lieu
        working days (``None``: Saturday/Sunday weekends only).
    shape : :class:`SampleShape` parameters.

    Returns
    -------
    DataFrame with ``queue``, ``interval_start`` (datetime64[ns, tz]),
    ``interval_min`` (int), ``channel`` ("voice"), ``offered``, ``aht_s``,
    ``handled``, ``abandoned`` (floats; counts are whole numbers), sorted by
    queue then interval_start.
    """
    exp = expected_offered(
        start,
        days,
        queues=queues,
        interval_min=interval_min,
        tz=tz,
        open_hour=open_hour,
        close_hour=close_hour,
        base_daily_calls=base_daily_calls,
        aht_s=aht_s,
        events=events,
        country=country,
        shape=shape,
    )
    s = shape
    k_shape = 1.0 / (s.handle_cv**2)
    queue_list = list(dict.fromkeys(exp["queue"]))
    per_queue = len(exp) // len(queue_list)
    start_date = exp["interval_start"].iloc[0].tz_localize(None).date()
    local = exp["interval_start"].iloc[:per_queue].dt.tz_localize(None)
    day_idx = ((local.dt.normalize() - pd.Timestamp(start_date)) // pd.Timedelta(days=1)).to_numpy()
    children = np.random.SeedSequence(seed).spawn(len(queue_list))
    out = []
    for qi, q in enumerate(queue_list):
        rng = np.random.default_rng(children[qi])
        block = exp.iloc[qi * per_queue : (qi + 1) * per_queue]
        lam = block["expected_offered"].to_numpy()
        # 1. AHT drift per day: stationary AR(1).
        innov = rng.normal(0.0, 1.0, size=days)
        drift = np.empty(days)
        drift[0] = s.aht_drift_sd_s * innov[0]
        e_sd = s.aht_drift_sd_s * math.sqrt(max(1.0 - s.aht_drift_phi**2, 0.0))
        for t in range(1, days):
            drift[t] = s.aht_drift_phi * drift[t - 1] + e_sd * innov[t]
        # 2. Poisson arrivals.
        offered = rng.poisson(lam).astype(np.int64)
        # 3. Interval mean handle time: mean of `offered` Gamma(k, mu/k) times.
        mu = (block["profile_aht_s"].to_numpy() / aht_s) * np.maximum(aht_s + drift[day_idx], 1.0)
        g_shape = np.maximum(offered, 1) * k_shape
        draw = rng.gamma(g_shape, mu / g_shape)
        aht = np.where(offered > 0, draw, mu)
        # 4. Abandonment.
        abandoned = rng.binomial(offered, block["abandon_p"].to_numpy())
        out.append(
            pd.DataFrame(
                {
                    "queue": q,
                    "interval_start": block["interval_start"].reset_index(drop=True),
                    "interval_min": block["interval_min"].to_numpy(),
                    "channel": "voice",
                    "offered": offered.astype(float),
                    "aht_s": aht,
                    "handled": (offered - abandoned).astype(float),
                    "abandoned": abandoned.astype(float),
                }
            )
        )
    return pd.concat(out, ignore_index=True)


def write_sample(path: str | os.PathLike, **kwargs) -> Path:
    """Generate a history (``generate_history(**kwargs)``) and write it as CSV.

    Written atomically with :func:`wfm.io.write_csv`; ``interval_start`` is ISO
    8601 with the UTC offset, e.g. ``2025-11-11T09:00:00+08:00``; counts are
    written as whole numbers and ``aht_s`` to 0.01 s. Returns the path.
    """
    df = generate_history(**kwargs)
    out = df.copy()
    out["interval_start"] = [t.isoformat() for t in df["interval_start"]]
    for col in ("offered", "handled", "abandoned"):
        out[col] = out[col].astype(np.int64)
    out["aht_s"] = out["aht_s"].round(2)
    return write_csv(out, path)
