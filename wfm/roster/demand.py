"""Requirements for the roster: the staffing output laid on the roster horizon.

The staffing step (``wfm.staffing.required_agents``) gives, per queue and
interval, ``required_agents`` (net agents on the phones). The roster covers the
sum over queues per interval (one pooled team). The horizon starts at local
midnight of the first interval's date and runs for whole days; intervals of
the horizon absent from the requirements (a closed night, a partial first day)
need 0 agents.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from wfm import DEFAULT_TZ
from wfm.errors import InputError, Problem, argument_problem


@dataclass(frozen=True)
class Horizon:
    """The roster's time grid.

    ``start``: tz-aware local midnight of day 0; ``days``: horizon length;
    ``interval_min``: grid step in minutes; ``required``: agents needed on the
    phones per interval (float, length ``n_intervals``);
    ``day_offset_min[d]``: minutes from ``start`` to local midnight of day d
    (1440*d without daylight-saving changes; one extra entry for the end).
    """

    start: pd.Timestamp
    days: int
    interval_min: int
    required: np.ndarray
    day_offset_min: np.ndarray
    tz: str = DEFAULT_TZ
    ignored_intervals: int = 0
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def n_intervals(self) -> int:
        return len(self.required)

    @property
    def interval_starts(self) -> pd.DatetimeIndex:
        return self.start + pd.to_timedelta(np.arange(self.n_intervals) * self.interval_min, unit="min")

    def minute_of(self, day: int, clock_min: float) -> float:
        """Minutes from the horizon start to ``clock_min`` after local midnight of ``day``."""
        return float(self.day_offset_min[day] + clock_min)

    def timestamp(self, minute: float) -> pd.Timestamp:
        """Tz-aware timestamp ``minute`` minutes after the horizon start."""
        return self.start + pd.Timedelta(minutes=float(minute))

    def dates(self) -> list:
        return [(self.start + pd.Timedelta(days=d)).date() for d in range(self.days)]


def _day_offsets(start_local_date, days: int, tz: str) -> tuple[pd.Timestamp, np.ndarray]:
    midnights = [pd.Timestamp(start_local_date) + pd.Timedelta(days=d) for d in range(days + 1)]
    loc = [m.tz_localize(tz, nonexistent="shift_forward", ambiguous=True) for m in midnights]
    off = np.array([(x - loc[0]).total_seconds() / 60 for x in loc])
    return loc[0], off


def read_requirements(path, *, tz: str = DEFAULT_TZ) -> pd.DataFrame:
    """Read a staffing-output CSV (or Parquet/Excel) for the roster.

    Needs ``interval_start`` (ISO 8601; an offset is respected, naive times are
    taken as local time in ``tz``) and ``required_agents``. Optional:
    ``queue`` (default "main"), ``interval_min`` (else the smallest step
    between timestamps), ``offered`` and ``aht_s`` (for the service check),
    ``scheduled_agents``. Returns those columns with ``interval_start``
    tz-aware in ``tz``, sorted by queue and time.
    """
    p = Path(path)
    name = str(path)
    if not p.exists():
        raise InputError(Problem(name, None, None, "file not found", "a staffing output CSV"))
    try:
        if p.suffix.lower() in (".parquet", ".pq"):
            df = pd.read_parquet(p)
        elif p.suffix.lower() in (".xlsx", ".xls"):
            df = pd.read_excel(p)
        else:
            df = pd.read_csv(p)
    except Exception as e:  # noqa: BLE001 - any reader failure is a user file problem
        raise InputError(Problem(name, None, None, f"cannot read: {e}", "a CSV file")) from None
    return validate_requirements(df, source=name, tz=tz)


def validate_requirements(df: pd.DataFrame, *, source: str = "<dataframe>", tz: str = DEFAULT_TZ) -> pd.DataFrame:
    """Check a requirement table (see :func:`read_requirements`)."""
    problems: list[Problem] = []
    for col in ("interval_start", "required_agents"):
        if col not in df.columns:
            problems.append(Problem(source, None, col, "column missing", "the staffing output (interval_start, required_agents, ...)"))
    if problems:
        raise InputError(problems)
    out = pd.DataFrame(index=range(len(df)))
    out["queue"] = df["queue"].astype(str).to_numpy() if "queue" in df.columns else "main"
    raw = df["interval_start"]
    if isinstance(raw.dtype, pd.DatetimeTZDtype):
        ts = raw.dt.tz_convert(tz)
    elif pd.api.types.is_datetime64_any_dtype(raw):
        ts = raw.dt.tz_localize(tz, nonexistent="shift_forward", ambiguous=True)
    else:
        text = raw.astype(str).str.strip()
        has_off = text.str.contains(r"(?:[+-]\d\d:?\d\d|Z)$", regex=True)
        ts = pd.Series(pd.NaT, index=df.index, dtype=f"datetime64[ns, {tz}]")
        if has_off.any():
            parsed = pd.to_datetime(text[has_off], utc=True, errors="coerce", format="ISO8601")
            ts.loc[has_off] = parsed.dt.tz_convert(tz)
        if (~has_off).any():
            parsed = pd.to_datetime(text[~has_off], errors="coerce", format="ISO8601")
            ts.loc[~has_off] = parsed.dt.tz_localize(tz, nonexistent="shift_forward", ambiguous=True)
    bad = ts.isna().to_numpy()
    for i in np.flatnonzero(bad)[:20]:
        problems.append(Problem(source, int(i) + 2, "interval_start", f"{raw.iloc[i]!r} is not a timestamp", "ISO 8601, e.g. 2026-03-02T08:30:00+08:00"))
    out["interval_start"] = ts.reset_index(drop=True)
    req = pd.to_numeric(df["required_agents"], errors="coerce").to_numpy(dtype=float)
    for i in np.flatnonzero(~np.isfinite(req) | (req < 0))[:20]:
        problems.append(Problem(source, int(i) + 2, "required_agents", f"{df['required_agents'].iloc[i]!r} is not a number >= 0", "agents >= 0"))
    out["required_agents"] = req
    for col in ("offered", "aht_s", "scheduled_agents", "interval_min"):
        if col in df.columns:
            v = pd.to_numeric(df[col], errors="coerce").to_numpy(dtype=float)
            if col in ("offered", "interval_min"):
                for i in np.flatnonzero(~np.isfinite(v) | (v < 0))[:20]:
                    problems.append(Problem(source, int(i) + 2, col, f"{df[col].iloc[i]!r} is not a number >= 0"))
            out[col] = v
    if problems:
        raise InputError(problems)
    if "channel" in df.columns:
        out["channel"] = df["channel"].astype(str).to_numpy()
    out = out.sort_values(["queue", "interval_start"], kind="stable").reset_index(drop=True)
    dup = out.duplicated(["queue", "interval_start"]).to_numpy()
    if dup.any():
        i = int(np.flatnonzero(dup)[0])
        raise InputError(Problem(source, None, "interval_start", f"queue {out['queue'].iloc[i]!r} repeats {out['interval_start'].iloc[i].isoformat()}", "one row per queue and interval"))
    if "interval_min" in out.columns:
        vals = np.unique(out["interval_min"].to_numpy())
        if len(vals) != 1 or vals[0] <= 0 or vals[0] != int(vals[0]):
            raise InputError(Problem(source, None, "interval_min", f"values {vals.tolist()} differ or are not whole minutes", "one interval length (15, 30 or 60)"))
        out["interval_min"] = int(vals[0])
    else:
        steps = []
        for _, g in out.groupby("queue", sort=True):
            minutes = ((g["interval_start"] - g["interval_start"].iloc[0]).dt.total_seconds() / 60).to_numpy()
            d = np.round(np.diff(minutes)).astype(np.int64)
            steps.extend(d[d > 0].tolist())
        if not steps:
            raise InputError(Problem(source, None, "interval_min", "cannot infer the interval length from one row", "an interval_min column"))
        out["interval_min"] = int(min(steps))
    return out


def build_horizon(req: pd.DataFrame, *, weeks: int | None = None, days: int | None = None,
                  tz: str = DEFAULT_TZ, target: str = "required_agents", source: str = "requirements",
                  start_date=None) -> Horizon:
    """Lay the summed requirement on a horizon of ``weeks`` weeks (or ``days``).

    ``weeks=None`` and ``days=None`` take the whole weeks the requirement spans
    (at least one). Raises InputError when the requirement ends more than one
    day before the horizon does (a roster over days nobody forecast is a
    mistake, not a plan) or when timestamps are off the interval grid.
    """
    interval = int(req["interval_min"].iloc[0])
    if 1440 % interval:
        raise InputError(Problem(source, None, "interval_min", f"{interval} does not divide a day", "15, 30 or 60"))
    ts = req["interval_start"]
    first = ts.min()
    first_date = start_date if start_date is not None else first.tz_convert(tz).date()
    span_days = int(np.ceil(((ts.max() - pd.Timestamp(first_date).tz_localize(tz)).total_seconds() / 60 + interval) / 1440))
    if days is None:
        if weeks is None:
            weeks = max(1, span_days // 7)
        if not 1 <= int(weeks) <= 6:
            raise InputError(argument_problem("weeks", f"{weeks} weeks", "1 to 6 weeks"))
        days = 7 * int(weeks)
    if days < 1:
        raise InputError(argument_problem("days", f"{days}", ">= 1"))
    if span_days < days - 1:
        raise InputError(Problem(source, None, "interval_start",
                                 f"the requirements cover {span_days} day(s) from {first_date}, the roster horizon needs {days}",
                                 f"requirements for {days} days, or fewer weeks"))
    start, off = _day_offsets(first_date, days, tz)
    n = int(round(off[-1] / interval))
    minutes = (ts - start).dt.total_seconds().to_numpy() / 60
    idx_f = minutes / interval
    idx = np.round(idx_f).astype(np.int64)
    off_grid = np.abs(idx_f - idx) > 1e-6
    if off_grid.any():
        i = int(np.flatnonzero(off_grid)[0])
        raise InputError(Problem(source, None, "interval_start", f"{ts.iloc[i].isoformat()} is off the {interval}-minute grid", "interval starts on the grid from local midnight"))
    inside = (idx >= 0) & (idx < n)
    required = np.zeros(n)
    np.add.at(required, idx[inside], req[target].to_numpy(dtype=float)[inside])
    notes = []
    ignored = int((~inside).sum())
    if ignored:
        notes.append(f"{ignored} requirement rows fall outside the {days}-day horizon and were ignored")
    return Horizon(start, int(days), interval, required, off, tz, ignored, tuple(notes))
