"""Calendar effects: public holidays, in-lieu working days, events, special days.

A day in a queue's history or horizon can be special for several reasons; each
reason is a *key* with a multiplicative day factor on volume:

- ``holiday``: a public holiday of ``country`` (from the ``holidays`` package).
- ``post_holiday_k``: the k-th open day after a public holiday (catch-up).
- ``month_start_k`` / ``month_end_k``: the k-th open day from the start / end of
  a month (billing, pay and statement days; off unless configured).
- ``event:NAME``: a user event such as Double-11 (11 November), with a given
  uplift or one estimated from history.

In-lieu working days (weekend days that are officially worked, e.g. in China
the Sunday before Spring Festival; ``holidays`` lists them as
``weekend_workdays``) are marked ``in_lieu``: in the forecast they are treated
as an average Monday-Friday day, not as the weekend day they fall on.

Special days are removed from training data (and reported); their factors are
estimated from history by :func:`estimate_day_factors` and applied to the
forecast.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from wfm.errors import InputError, argument_problem

__all__ = [
    "Event",
    "CalendarConfig",
    "DOUBLE_11",
    "events_from_mapping",
    "day_kinds",
    "estimate_day_factors",
    "detect_outliers",
]


@dataclass(frozen=True)
class Event:
    """A user event with a multiplicative volume uplift.

    Either recurring every year on ``month_day`` = (month, day) or one-off on
    ``date``; it lasts ``days`` consecutive calendar days. ``uplift`` is the
    factor on the whole day's volume (2.5 = 250 % of a normal day); ``None``
    means "estimate it from history" (factor 1.0 when the event never occurs in
    the history, reported as such).
    """

    name: str
    uplift: float | None = None
    month_day: tuple[int, int] | None = None
    date: dt.date | None = None
    days: int = 1

    def __post_init__(self):
        if (self.month_day is None) == (self.date is None):
            raise ValueError(f"event {self.name!r}: give exactly one of month_day or date")
        if self.uplift is not None and not self.uplift >= 0:
            raise ValueError(f"event {self.name!r}: uplift must be >= 0, got {self.uplift}")
        if self.days < 1:
            raise ValueError(f"event {self.name!r}: days must be >= 1")

    def dates(self, years) -> list[dt.date]:
        """The event's calendar days falling in the given years (and spill-over)."""
        starts = []
        if self.date is not None:
            starts = [self.date]
        else:
            m, d = self.month_day
            for y in years:
                try:
                    starts.append(dt.date(y, m, d))
                except ValueError:  # 29 February in a non-leap year
                    continue
        return [s + dt.timedelta(days=i) for s in starts for i in range(self.days)]

    @classmethod
    def parse(cls, spec: str) -> Event:
        """Parse ``DATE:UPLIFT[:NAME[:DAYS]]``.

        DATE is ``MM-DD`` (every year) or ``YYYY-MM-DD`` (once); UPLIFT is a
        number or ``auto`` (estimate from history). Example: ``11-11:2.5:Double-11``.
        """
        parts = spec.split(":")
        bad = InputError(
            argument_problem(
                "spec",
                f"cannot read event {spec!r}",
                "MM-DD:UPLIFT[:NAME[:DAYS]] or YYYY-MM-DD:UPLIFT[:NAME[:DAYS]], e.g. 11-11:2.5:Double-11",
            )
        )
        if len(parts) < 2 or len(parts) > 4:
            raise bad
        when, up = parts[0].strip(), parts[1].strip()
        name = parts[2].strip() if len(parts) > 2 and parts[2].strip() else when
        try:
            days = int(parts[3]) if len(parts) > 3 else 1
            uplift = None if up.lower() == "auto" else float(up)
            if re.fullmatch(r"\d{1,2}-\d{1,2}", when):
                m, d = (int(x) for x in when.split("-"))
                dt.date(2000, m, d)  # validates (2000 is a leap year)
                return cls(name, uplift, month_day=(m, d), days=days)
            if re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}", when):
                return cls(name, uplift, date=dt.date.fromisoformat(when), days=days)
        except ValueError:
            raise bad from None
        raise bad

    def to_dict(self) -> dict:
        d = asdict(self)
        d["month_day"] = list(self.month_day) if self.month_day else None
        d["date"] = self.date.isoformat() if self.date else None
        return d

    @classmethod
    def from_dict(cls, d: dict) -> Event:
        return cls(
            d["name"],
            d.get("uplift"),
            month_day=tuple(d["month_day"]) if d.get("month_day") else None,
            date=dt.date.fromisoformat(d["date"]) if d.get("date") else None,
            days=int(d.get("days", 1)),
        )


#: Double-11 (Singles' Day) shopping festival with the 2.5x surge used as an example.
DOUBLE_11 = Event("Double-11", 2.5, month_day=(11, 11))


@dataclass(frozen=True)
class CalendarConfig:
    """Which days are special, and how to treat them.

    - ``country``: ISO code for the ``holidays`` package ("CN" default, None = no
      public holidays); ``subdiv`` an optional province/state.
    - ``events``: user events (see :class:`Event`).
    - ``post_holiday_days``: how many open days after a holiday get their own
      factor (``post_holiday_1``, ``post_holiday_2``, ...).
    - ``month_start_days`` / ``month_end_days``: the same for the first/last open
      days of each month (0 = off).
    - ``holiday_factor_default``: factor for a holiday when the history has no
      open holiday to estimate it from. Default 1.0 = no adjustment (we do not
      guess; the forecast notes say the factor is a default).
    - ``factor_prior_days``: ridge weight, in days, pulling estimated factors
      towards their prior (1.0, or the default above) -- a factor seen once
      moves half-way (in logs) from the prior to the observation.
    - ``outlier_z``: a clean day whose total deviates from its same-weekday
      baseline by more than this many robust standard deviations (in logs) is
      an outlier and removed from training.
    """

    country: str | None = "CN"
    subdiv: str | None = None
    events: tuple[Event, ...] = ()
    post_holiday_days: int = 2
    month_start_days: int = 0
    month_end_days: int = 0
    holiday_factor_default: float = 1.0
    factor_prior_days: float = 1.0
    outlier_z: float = 4.0

    def to_dict(self) -> dict:
        d = asdict(self)
        d["events"] = [e.to_dict() for e in self.events]
        return d

    @classmethod
    def from_dict(cls, d: dict) -> CalendarConfig:
        d = dict(d)
        d["events"] = tuple(Event.from_dict(e) for e in d.get("events", []))
        return cls(**d)

    def holiday_table(self, years) -> tuple[dict[dt.date, str], set[dt.date]]:
        """(public holidays {date: name}, in-lieu working days) for ``years``."""
        if not self.country:
            return {}, set()
        import holidays

        try:
            h = holidays.country_holidays(self.country, subdiv=self.subdiv, years=sorted(set(years)))
        except NotImplementedError:
            raise InputError(
                argument_problem(
                    "country",
                    f"the holidays package has no calendar for {self.country!r}",
                    "an ISO 3166 country code such as CN, US, GB",
                )
            ) from None
        ys = set(years)
        workdays = {d for d in getattr(h, "weekend_workdays", set()) if d.year in ys}
        return {d: str(n) for d, n in h.items()}, workdays


def _bridge_weekends(hol: dict[dt.date, str], lieu: set[dt.date]) -> dict[dt.date, str]:
    """Add Saturdays/Sundays lying between two holidays (e.g. the weekend inside
    China's National Day week), which are days off although the ``holidays``
    package lists only the official holiday dates."""
    out = dict(hol)
    for d, name in hol.items():
        nxt = d + dt.timedelta(days=1)
        run = []
        while nxt.weekday() >= 5 and nxt not in hol and nxt not in lieu:
            run.append(nxt)
            nxt += dt.timedelta(days=1)
        if run and nxt in hol:
            for w in run:
                out[w] = f"{name} (weekend inside the holiday)"
    return out


def events_from_mapping(uplifts: dict[str, float], name: str = "event") -> tuple[Event, ...]:
    """{"MM-DD": uplift} -> recurring one-day events named "<name> MM-DD"
    (the form of :data:`wfm.sample.SAMPLE_EVENTS`)."""
    out = []
    for md, up in uplifts.items():
        m, d = (int(x) for x in md.split("-"))
        out.append(Event(f"{name} {md}", float(up), month_day=(m, d)))
    return tuple(out)


def _as_dates(dates) -> list[dt.date]:
    return [pd.Timestamp(d).date() for d in dates]


def day_kinds(dates, open_weekdays, config: CalendarConfig) -> pd.DataFrame:
    """Classify each date for a queue open on ``open_weekdays`` (0 = Monday).

    Returns one row per date (index: the dates as ``datetime.date``) with columns
    ``holiday`` (name or ""), ``in_lieu`` (bool), ``open`` (whether the queue
    works that day, holidays included), ``keys`` (tuple of factor keys, see the
    module docstring) and ``label`` (a readable summary, "" for a normal day).

    An *open day* is a date on an open weekday or an in-lieu working day that is
    not a public holiday; post-holiday and month-start/end days count open days.
    Dates may be in any order; the calendar around them (a month either side)
    is generated so that counting across the range edges is right.
    """
    days = _as_dates(dates)
    if not days:
        return pd.DataFrame(columns=["holiday", "in_lieu", "open", "keys", "label"])
    lo, hi = min(days) - dt.timedelta(days=40), max(days) + dt.timedelta(days=40)
    hol, lieu = config.holiday_table(range(lo.year, hi.year + 1))
    hol = _bridge_weekends(hol, lieu)
    open_wd = set(int(w) for w in open_weekdays)
    event_days: dict[dt.date, list[Event]] = {}
    for ev in config.events:
        for d in ev.dates(range(lo.year, hi.year + 1)):
            event_days.setdefault(d, []).append(ev)

    span = [lo + dt.timedelta(days=i) for i in range((hi - lo).days + 1)]

    def works(d):  # the centre's working day (open weekday or in-lieu), holiday or not
        return d.weekday() in open_wd or (d in lieu and bool(open_wd & {0, 1, 2, 3, 4}))

    open_day = {d: works(d) and d not in hol for d in span}
    post: dict[dt.date, int] = {}
    if config.post_holiday_days > 0:
        k = None
        for d in span:
            if d in hol and works(d):
                k = 0
            elif open_day[d] and k is not None:
                k += 1
                if k <= config.post_holiday_days:
                    post[d] = k
                else:
                    k = None
    mstart: dict[dt.date, int] = {}
    mend: dict[dt.date, int] = {}
    opens = [d for d in span if open_day[d]]
    by_month: dict[tuple[int, int], list[dt.date]] = {}
    for d in opens:
        by_month.setdefault((d.year, d.month), []).append(d)
    for (y, m), ds in by_month.items():
        # only months fully inside the generated span are counted
        first, last = dt.date(y, m, 1), (dt.date(y + (m == 12), m % 12 + 1, 1) - dt.timedelta(days=1))
        if first < lo or last > hi:
            continue
        for i, d in enumerate(ds[: config.month_start_days]):
            mstart[d] = i + 1
        for i, d in enumerate(reversed(ds[-config.month_end_days :] if config.month_end_days else [])):
            mend[d] = i + 1

    rows = []
    for d in days:
        keys = []
        labels = []
        h = hol.get(d, "")
        if h and works(d):
            keys.append("holiday")
            labels.append(f"holiday: {h}")
        elif h:
            labels.append(f"holiday (closed weekday): {h}")
        il = d in lieu
        if il:
            labels.append("in-lieu working day")
        if d in post:
            keys.append(f"post_holiday_{post[d]}")
            labels.append(f"day {post[d]} after a holiday")
        if d in mstart:
            keys.append(f"month_start_{mstart[d]}")
            labels.append(f"open day {mstart[d]} of the month")
        if d in mend:
            keys.append(f"month_end_{mend[d]}")
            labels.append(f"open day {mend[d]} from month end")
        for ev in event_days.get(d, []):
            keys.append(f"event:{ev.name}")
            labels.append(f"event: {ev.name}")
        rows.append(
            {
                "holiday": h,
                "in_lieu": il,
                "open": bool(works(d)),
                "keys": tuple(keys),
                "label": "; ".join(labels),
            }
        )
    return pd.DataFrame(rows, index=pd.Index(days, name="date"))


def _baseline(totals, weekdays, ordinal, clean, i, window_days, robust=False) -> float:
    """Mean (median when ``robust``) total of clean same-weekday days within
    +-window_days of day i, excluding i."""
    sel = clean & (weekdays == weekdays[i]) & (np.abs(ordinal - ordinal[i]) <= window_days)
    sel[i] = False
    if not sel.any():
        return float("nan")
    return float(np.median(totals[sel]) if robust else totals[sel].mean())


def estimate_day_factors(
    totals,
    weekdays,
    dates,
    keys_per_day,
    clean,
    *,
    priors: dict[str, float] | None = None,
    prior_days: float = 1.0,
    window_days: int = 21,
) -> pd.DataFrame:
    """Estimate multiplicative day factors for calendar keys from history.

    For each day carrying keys, the ratio r = total / baseline is formed, the
    baseline being the mean total of *clean* same-weekday days within
    +-``window_days``. The model is log r_i = sum_k x_ik b_k (x_ik = 1 when day
    i carries key k), fitted by ridge regression towards the prior log factors:
    b = (X'X + lam I)^-1 (X'y + lam b0), lam = ``prior_days``. Keys carried by
    no usable day get their prior. Ratios are floored at 0.01 so a closed
    (zero-volume) day gives a factor near zero, not minus infinity.

    Returns a DataFrame indexed by key with columns ``factor``, ``days`` (days
    used) and ``source`` ("history" or "prior").
    """
    totals = np.asarray(totals, float)
    weekdays = np.asarray(weekdays)
    ordinal = np.array([pd.Timestamp(d).toordinal() for d in dates])
    clean = np.asarray(clean, bool)
    priors = priors or {}
    all_keys = sorted({k for ks in keys_per_day for k in ks} | set(priors))
    if not all_keys:
        return pd.DataFrame(columns=["factor", "days", "source"])
    col = {k: j for j, k in enumerate(all_keys)}
    X, y = [], []
    for i, ks in enumerate(keys_per_day):
        if not ks or not np.isfinite(totals[i]):
            continue
        base = _baseline(totals, weekdays, ordinal, clean, i, window_days)
        if not (base > 0):
            continue
        row = np.zeros(len(all_keys))
        for k in ks:
            row[col[k]] = 1.0
        X.append(row)
        y.append(np.log(max(totals[i] / base, 0.01)))
    b0 = np.array([np.log(priors.get(k, 1.0)) if priors.get(k, 1.0) > 0 else np.log(0.01) for k in all_keys])
    n_used = np.zeros(len(all_keys), int)
    if X:
        X = np.array(X)
        y = np.array(y)
        n_used = X.sum(0).astype(int)
        lam = max(prior_days, 1e-9)
        A = X.T @ X + lam * np.eye(len(all_keys))
        b = np.linalg.solve(A, X.T @ y + lam * b0)
    else:
        b = b0
    return pd.DataFrame(
        {
            "factor": np.exp(b),
            "days": n_used,
            "source": np.where(n_used > 0, "history", "prior"),
        },
        index=pd.Index(all_keys, name="key"),
    )


def detect_outliers(totals, weekdays, dates, clean, *, z: float = 4.0, window_days: int = 28):
    """Flag clean days whose total is far from the same-weekday baseline.

    r_i = log(total_i / baseline_i), baseline = median of the other clean
    same-weekday days within +-``window_days``; scale = 1.4826 * MAD of r over
    clean days (floored at 0.01); a day is an outlier when |r_i - median r| >
    ``z`` * scale. A zero-volume day whose baseline is positive is always an
    outlier. Returns (mask, ratio) arrays; ratio = total / baseline.
    """
    totals = np.asarray(totals, float)
    weekdays = np.asarray(weekdays)
    clean = np.asarray(clean, bool)
    ordinal = np.array([pd.Timestamp(d).toordinal() for d in dates])
    n = len(totals)
    ratio = np.full(n, np.nan)
    for i in np.where(clean)[0]:
        base = _baseline(totals, weekdays, ordinal, clean, i, window_days, robust=True)
        if base > 0:
            ratio[i] = totals[i] / base
    out = np.zeros(n, bool)
    zero = clean & (ratio == 0)
    out |= zero
    pos = np.isfinite(ratio) & (ratio > 0)
    if pos.sum() >= 5:
        r = np.log(ratio[pos])
        med = np.median(r)
        scale = max(1.4826 * np.median(np.abs(r - med)), 0.01)
        idx = np.where(pos)[0]
        out[idx[np.abs(r - med) > z * scale]] = True
    return out, ratio

