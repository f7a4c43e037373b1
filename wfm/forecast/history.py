"""Turn an interval table into per-queue day x interval matrices, and clean them.

The forecasters work on one matrix per queue: rows are the queue's *open-day
sequence* (every date from the first to the last day of history whose weekday
the queue works -- a Monday-Friday queue has 5 rows a week, a 7-day queue 7),
columns are the intervals of the day (minutes after local midnight). Days with
no data stay in the sequence as missing rows, so that "one week back" is always
the same weekday and day-series models keep their weekly period; they are
imputed for the models that need complete rows, and reported.

:func:`prepare_queue` removes from training every day that is missing,
incomplete, special by the calendar (holiday, in-lieu working day, day after a
holiday, event, configured month start/end) or an outlier, and returns the list
of those days with reasons: nothing is dropped silently.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from wfm.errors import InputError, Problem

from .calendar import CalendarConfig, day_kinds, detect_outliers, estimate_day_factors

WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

CLEANED_COLUMNS = ["queue", "date", "weekday", "reason", "detail", "offered"]


def slot_label(minute: int) -> str:
    """Minutes after midnight -> "HH:MM"."""
    return f"{int(minute) // 60:02d}:{int(minute) % 60:02d}"


def slot_minute(label: str) -> int:
    """"HH:MM" -> minutes after midnight."""
    h, m = label.split(":")
    return int(h) * 60 + int(m)


def check_history(df: pd.DataFrame, source: str = "<history>") -> None:
    """Raise InputError listing every reason ``df`` is not a usable interval table."""
    problems = []
    if not isinstance(df, pd.DataFrame):
        raise InputError(Problem(source, None, None, "history is not a table", "a pandas DataFrame"))
    for col in ("queue", "interval_start", "offered"):
        if col not in df.columns:
            problems.append(
                Problem(source, None, col, "column missing", "the interval table of wfm.intervals")
            )
    if problems:
        raise InputError(problems)
    if len(df) == 0:
        raise InputError(Problem(source, None, None, "history has no rows", "at least one day of intervals"))
    if not pd.api.types.is_datetime64_any_dtype(df["interval_start"]):
        raise InputError(Problem(source, None, "interval_start", "not a date-time column", "timestamps"))
    off = pd.to_numeric(df["offered"], errors="coerce")
    bad = ~np.isfinite(off.to_numpy(float)) | (off.to_numpy(float) < 0)
    for i in np.where(bad)[0][:20]:
        problems.append(
            Problem(source, int(i) + 2, "offered", f"invalid value {df['offered'].iloc[i]!r}", "a number >= 0")
        )
    if problems:
        raise InputError(problems)


@dataclass
class QueueHistory:
    """One queue's history as a day x interval matrix over its open-day sequence."""

    queue: str
    channel: str
    interval_min: int
    tz: str | None
    slots: np.ndarray  # minutes after local midnight, ascending
    dates: pd.DatetimeIndex  # open-day sequence (naive midnights)
    volume: np.ndarray  # (days, slots); NaN = no data
    aht: np.ndarray  # (days, slots) seconds; NaN = unknown
    present: np.ndarray  # day had any rows
    missing_slots: np.ndarray  # open slots without a row on a present day
    open_weekdays: tuple[int, ...]
    open_slots: np.ndarray  # (7, slots) bool: slot worked on that weekday
    off_sequence: list = field(default_factory=list)  # (date, total) on closed weekdays
    all_zero: bool = False

    @property
    def weekdays(self) -> np.ndarray:
        return self.dates.day_of_week.to_numpy()


def _local_naive(ts: pd.Series) -> pd.Series:
    if getattr(ts.dt, "tz", None) is None:
        return ts
    return ts.dt.tz_localize(None)  # wall-clock time in the data's own zone


def queue_histories(history: pd.DataFrame, source: str = "<history>") -> dict[str, QueueHistory]:
    """Split the interval table by queue and build each queue's matrix."""
    check_history(history, source)
    out = {}
    for queue, g in history.groupby("queue", sort=True):
        out[str(queue)] = _one_queue(str(queue), g, source)
    return out


def _one_queue(queue: str, g: pd.DataFrame, source: str) -> QueueHistory:
    ts = g["interval_start"]
    tz = str(ts.dt.tz) if getattr(ts.dt, "tz", None) is not None else None
    loc = _local_naive(ts)
    minute = (loc.dt.hour * 60 + loc.dt.minute).to_numpy()
    day = loc.dt.normalize()
    if "interval_min" in g.columns and g["interval_min"].notna().any():
        interval_min = int(pd.to_numeric(g["interval_min"]).dropna().iloc[0])
    else:
        u = np.unique(minute)
        interval_min = int(np.min(np.diff(u))) if len(u) > 1 else 60
    channel = str(g["channel"].iloc[0]) if "channel" in g.columns else "voice"
    offered = pd.to_numeric(g["offered"]).to_numpy(float)
    if "aht_s" in g.columns:
        aht = pd.to_numeric(g["aht_s"], errors="coerce").to_numpy(float)
    else:
        aht = np.full(len(g), np.nan)
    work = pd.DataFrame(
        {
            "day": day.to_numpy(),
            "slot": minute,
            "offered": offered,
            "aht_w": np.where(np.isfinite(aht), aht * offered, np.nan),
            "aht_n": np.where(np.isfinite(aht), offered, np.nan),
        }
    )
    # duplicates (e.g. the repeated hour when daylight saving ends) are summed
    agg = work.groupby(["day", "slot"]).agg(
        offered=("offered", "sum"), aht_w=("aht_w", "sum"), aht_n=("aht_n", "sum")
    )
    vol = agg["offered"].unstack("slot")
    ahtw = agg["aht_w"].unstack("slot").reindex_like(vol)
    ahtn = agg["aht_n"].unstack("slot").reindex_like(vol)
    slots = vol.columns.to_numpy(int)
    pdays = pd.DatetimeIndex(vol.index)
    V = vol.to_numpy(float)
    has = np.isfinite(V)
    totals = np.nansum(V, axis=1)
    pw = pdays.day_of_week.to_numpy()

    first, last = pdays.min(), pdays.max()
    span = pd.date_range(first, last, freq="D")
    occ = np.bincount(span.day_of_week, minlength=7)
    pos = np.bincount(pw[totals > 0], minlength=7)
    npres = np.bincount(pw, minlength=7)
    all_zero = bool(totals.sum() == 0)
    basis = npres if all_zero else pos
    open_wd = tuple(int(w) for w in range(7) if occ[w] == 0 or basis[w] >= 0.5 * occ[w])
    if not open_wd:
        open_wd = tuple(sorted(set(pw.tolist())))

    S = len(slots)
    open_slots = np.zeros((7, S), bool)
    # A slot is open on a weekday when it ever had contacts then: intervals
    # present in the file but always empty (closed hours written as zeros)
    # must forecast nothing, or staffing floors put agents on an empty line.
    active = np.nan_to_num(V) > 0
    if active.any():
        any_open = active.any(axis=0)
    else:
        any_open = has.mean(axis=0) >= 0.5 if len(has) else np.ones(S, bool)
    for w in range(7):
        rows = pw == w
        if rows.any() and active[rows].any():
            open_slots[w] = active[rows].any(axis=0)
        elif rows.any() and not active.any():
            open_slots[w] = has[rows].mean(axis=0) >= 0.5
        else:
            open_slots[w] = any_open
    for w in range(7):
        if not open_slots[w].any():
            open_slots[w] = any_open

    seq = span[np.isin(span.day_of_week, open_wd)]
    n = len(seq)
    volume = np.full((n, S), np.nan)
    ahtm = np.full((n, S), np.nan)
    pos_in_seq = pd.Series(np.arange(n), index=seq)
    present = np.zeros(n, bool)
    missing_slots = np.zeros(n, int)
    off = []
    with np.errstate(invalid="ignore", divide="ignore"):
        A = ahtw.to_numpy(float) / ahtn.to_numpy(float)
    for i, d in enumerate(pdays):
        if d not in pos_in_seq.index:
            off.append((d.date(), float(totals[i])))
            continue
        j = int(pos_in_seq[d])
        present[j] = True
        row = V[i].copy()
        closed = ~open_slots[d.weekday()]
        row[~has[i] & closed] = 0.0
        missing_slots[j] = int((~has[i] & ~closed).sum())
        volume[j] = row
        ahtm[j] = np.where(A[i] > 0, A[i], np.nan)
    return QueueHistory(
        queue=queue,
        channel=channel,
        interval_min=interval_min,
        tz=tz,
        slots=slots,
        dates=seq,
        volume=volume,
        aht=ahtm,
        present=present,
        missing_slots=missing_slots,
        open_weekdays=open_wd,
        open_slots=open_slots,
        off_sequence=off,
        all_zero=all_zero,
    )


@dataclass
class PreparedQueue:
    """A queue's history after cleaning, with shared estimates for the models."""

    qh: QueueHistory
    Y: np.ndarray  # cleaned volume, NaN rows for every removed day
    clean: np.ndarray  # bool per sequence day
    Yi: np.ndarray | None  # Y with removed days imputed (None without clean days)
    weekdays: np.ndarray
    profile: np.ndarray  # (7, slots) intraday shares per weekday, rows sum to 1 on open weekdays
    dispersion: float  # variance / mean of interval counts around total x profile
    factors: pd.DataFrame  # day factors by calendar key (factor, days, source)
    cleaned: pd.DataFrame  # CLEANED_COLUMNS
    notes: list[str]
    aht_level: float | None
    aht_profile: np.ndarray  # (7, slots) multiplier on aht_level

    @property
    def m(self) -> int:
        return len(self.qh.open_weekdays)

    @property
    def n_clean(self) -> int:
        return int(self.clean.sum())


def impute_days(Y: np.ndarray, weekdays: np.ndarray, clean: np.ndarray, k: int = 2) -> np.ndarray | None:
    """Fill each non-clean row with the mean of the k nearest clean same-weekday rows
    on each side (so up to 2k rows); if its weekday has no clean day, with the
    mean of all clean rows. None when no row is clean."""
    if not clean.any():
        return None
    Yi = Y.copy()
    idx = np.arange(len(Y))
    allmean = Y[clean].mean(axis=0)
    for i in np.where(~clean)[0]:
        same = clean & (weekdays == weekdays[i])
        before = idx[same & (idx < i)][-k:]
        after = idx[same & (idx > i)][:k]
        use = np.concatenate([before, after])
        Yi[i] = Y[use].mean(axis=0) if len(use) else allmean
    return Yi


def intraday_profile(
    Y, weekdays, clean, open_slots, *, weeks: int = 8, decay: float = 0.85, shrink: float = 0.25
) -> np.ndarray:
    """Intraday shares per weekday, shrunk across recent weeks and weekdays.

    For each clean day d in the last ``weeks`` weeks of the sequence the shares
    y_ds / T_d are weighted by ``decay`` ** (weeks back); the weekday profile is
    the weighted mean over days of that weekday, mixed with the pooled profile
    of all weekdays: p_w = (1 - shrink) p_w + shrink p_pooled, then closed slots
    of the weekday are zeroed and the row renormalised. Weekdays without clean
    days get the pooled profile. Returns a (7, slots) array.
    """
    n, S = Y.shape
    prof = np.zeros((7, S))
    tot = np.nansum(Y, axis=1)
    use = clean & (tot > 0)
    per_week = max(len(set(weekdays.tolist())), 1)
    cut = max(n - weeks * per_week, 0)
    use[:cut] = False
    if not use.any():
        use = clean & (tot > 0)
    if not use.any():
        for w in range(7):
            row = open_slots[w].astype(float)
            prof[w] = row / row.sum() if row.sum() else row
        return prof
    age = (n - 1 - np.arange(n)) / per_week
    wts = np.where(use, decay**age, 0.0)
    shares = np.zeros_like(Y)
    shares[use] = Y[use] / tot[use, None]
    pooled = (shares * wts[:, None]).sum(0) / wts.sum()
    for w in range(7):
        ww = np.where(weekdays == w, wts, 0.0)
        p = (shares * ww[:, None]).sum(0) / ww.sum() if ww.sum() > 0 else pooled
        p = (1 - shrink) * p + shrink * pooled
        p = np.where(open_slots[w], p, 0.0)
        s = p.sum()
        prof[w] = p / s if s > 0 else np.where(open_slots[w], 1.0 / max(open_slots[w].sum(), 1), 0.0)
    return prof


def aht_model(qh: QueueHistory, clean, profile_weeks: int = 4, pseudo_contacts: float = 20.0):
    """AHT per interval as level x profile.

    level = offered-weighted mean AHT over the clean days of the last
    ``profile_weeks`` weeks; profile[w, s] = (sum aht*offered + c * level) /
    (sum offered + c) / level over days of weekday w at slot s, c =
    ``pseudo_contacts`` -- a slot with few contacts stays near the level.
    Returns (level or None when no AHT is known, (7, slots) profile).
    """
    n, S = qh.volume.shape
    per_week = max(len(qh.open_weekdays), 1)
    ok = clean.copy()
    ok[: max(n - profile_weeks * per_week, 0)] = False
    V = np.where(np.isfinite(qh.aht), qh.volume, 0.0)
    V = np.where(ok[:, None], np.nan_to_num(V), 0.0)
    W = np.where(ok[:, None], np.nan_to_num(qh.aht * qh.volume), 0.0)
    if V.sum() <= 0:
        ok = clean & qh.present
        V = np.where(ok[:, None] & np.isfinite(qh.aht), np.nan_to_num(qh.volume), 0.0)
        W = np.where(ok[:, None], np.nan_to_num(qh.aht * qh.volume), 0.0)
        if V.sum() <= 0:
            return None, np.ones((7, S))
    level = float(W.sum() / V.sum())
    prof = np.ones((7, S))
    wd = qh.weekdays
    for w in range(7):
        rows = wd == w
        num = W[rows].sum(0) + pseudo_contacts * level
        den = V[rows].sum(0) + pseudo_contacts
        prof[w] = num / den / level
    return level, prof


def prepare_queue(
    qh: QueueHistory,
    calendar: CalendarConfig,
    *,
    profile_weeks: int = 8,
    profile_decay: float = 0.85,
    profile_shrink: float = 0.25,
    aht_weeks: int = 4,
) -> PreparedQueue:
    """Clean one queue's history and estimate what all models share.

    Removes (and reports, one row per day in ``cleaned``) missing days,
    incomplete days, calendar-special days and outliers; estimates calendar
    day factors, the intraday profile, the interval dispersion and the AHT
    model.
    """
    n, S = qh.volume.shape
    wd = qh.weekdays
    dates = qh.dates
    kinds = day_kinds(list(dates) + [d for d, _ in qh.off_sequence], qh.open_weekdays, calendar)
    totals = np.nansum(qh.volume, axis=1)
    totals[~qh.present] = np.nan
    reasons: list[tuple[str, str] | None] = [None] * n
    keys_for_factors: list[tuple[str, ...]] = [()] * n
    fixed = {f"event:{e.name}": e.uplift for e in calendar.events if e.uplift is not None}
    adj_totals = totals.copy()
    for i, d in enumerate(dates):
        k = kinds.loc[d.date()]
        if not qh.present[i]:
            reasons[i] = ("missing", f"no data ({k['label']})" if k["label"] else "no data")
            continue
        if qh.missing_slots[i] > 0:
            reasons[i] = ("incomplete", f"{qh.missing_slots[i]} of {int(qh.open_slots[d.weekday()].sum())} intervals missing")
            continue
        if k["keys"] or k["in_lieu"]:
            reasons[i] = ("calendar", k["label"])
            ks = tuple(x for x in k["keys"] if x not in fixed)
            for x in k["keys"]:
                if x in fixed and fixed[x] > 0:
                    adj_totals[i] /= fixed[x]
            keys_for_factors[i] = ks
    clean = np.array([r is None for r in reasons])
    if not qh.all_zero:
        out, ratio = detect_outliers(totals, wd, dates, clean, z=calendar.outlier_z)
        for i in np.where(out)[0]:
            reasons[i] = ("outlier", f"day total {totals[i]:.0f} is {ratio[i]:.2f} x its same-weekday baseline")
        clean &= ~out
    priors = {"holiday": calendar.holiday_factor_default}
    factors = estimate_day_factors(
        adj_totals, wd, dates, keys_for_factors, clean, priors=priors, prior_days=calendar.factor_prior_days
    )
    for key, up in fixed.items():
        factors.loc[key] = [up, 0, "user"]

    rows = []
    for i, r in enumerate(reasons):
        if r is not None:
            rows.append(
                {
                    "queue": qh.queue,
                    "date": dates[i].date(),
                    "weekday": WEEKDAY_NAMES[wd[i]],
                    "reason": r[0],
                    "detail": r[1],
                    "offered": totals[i],
                }
            )
    for d, tot in qh.off_sequence:
        label = kinds.loc[d]["label"] if d in kinds.index else ""
        rows.append(
            {
                "queue": qh.queue,
                "date": d,
                "weekday": WEEKDAY_NAMES[d.weekday()],
                "reason": "closed weekday",
                "detail": ("; ".join(x for x in [label, "the queue is closed on this weekday in most weeks"] if x)),
                "offered": tot,
            }
        )
    cleaned = pd.DataFrame(rows, columns=CLEANED_COLUMNS).sort_values(["date"]).reset_index(drop=True)

    Y = qh.volume.copy()
    Y[~clean] = np.nan
    Yi = impute_days(Y, wd, clean)
    profile = intraday_profile(
        Y, wd, clean, qh.open_slots, weeks=profile_weeks, decay=profile_decay, shrink=profile_shrink
    )
    dispersion = _dispersion(Y, wd, clean, profile, profile_weeks, len(qh.open_weekdays))
    aht_level, aht_profile = aht_model(qh, clean, aht_weeks)
    notes = []
    if qh.all_zero:
        notes.append("the queue has no offered contacts in the history")
    nmiss = int((~qh.present).sum())
    if nmiss:
        notes.append(f"{nmiss} open day(s) without data in the history (imputed for day-series models)")
    return PreparedQueue(
        qh=qh,
        Y=Y,
        clean=clean,
        Yi=Yi,
        weekdays=wd,
        profile=profile,
        dispersion=dispersion,
        factors=factors,
        cleaned=cleaned,
        notes=notes,
        aht_level=aht_level,
        aht_profile=aht_profile,
    )


def _dispersion(Y, wd, clean, profile, weeks, per_week) -> float:
    """Mean of (y - e)^2 / e over recent clean cells, e = day total x profile
    (a quasi-Poisson dispersion; 1 for Poisson counts). Floored at 1."""
    n = len(Y)
    use = clean.copy()
    use[: max(n - weeks * per_week, 0)] = False
    if not use.any():
        return 1.0
    T = np.nansum(Y[use], axis=1)
    E = T[:, None] * profile[wd[use]]
    ok = E > 0.5
    if not ok.any():
        return 1.0
    return float(max(np.mean((Y[use][ok] - E[ok]) ** 2 / E[ok]), 1.0))


def date_range_days(start, days: int) -> list[dt.date]:
    s = pd.Timestamp(start).date()
    return [s + dt.timedelta(days=i) for i in range(int(days))]
