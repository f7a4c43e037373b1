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
from wfm.tables import Column, Schema, Table, aware, numbers, raw_text, read_table, timestamps


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


#: The requirements the roster covers: the staffing output (any other column
#: is ignored).
REQUIREMENTS = Schema(
    what="requirements",
    columns=(
        Column("queue", "a queue name", doc='absent or blank -> "main"; queues are summed'),
        Column("interval_start", "ISO 8601, e.g. 2026-03-02T08:30:00+08:00", "timestamp", required=True,
               doc="an offset is respected; naive times are local in ``tz``"),
        Column("required_agents", "agents >= 0", "number", required=True, minimum=0,
               doc="net agents on the phones"),
        Column("offered", "contacts offered (a number >= 0)", "number", minimum=0,
               doc="for the service check"),
        Column("aht_s", "average handle time in seconds", "number", doc="for the service check"),
        Column("scheduled_agents", "agents to schedule after shrinkage", "number"),
        Column("interval_min", "the interval length in minutes (15, 30 or 60)", "number", minimum=0,
               doc="one value for the whole table; else the smallest step between timestamps"),
        Column("channel", "the queue's channel", doc="passed through"),
    ),
    unknown="ignore",
    missing_expected="the staffing output (interval_start, required_agents, ...)",
)
_NUMBERS = ("required_agents", "offered", "aht_s", "scheduled_agents", "interval_min")


def read_requirements(path, *, tz: str = DEFAULT_TZ) -> pd.DataFrame:
    """Read a staffing output (CSV, Excel or Parquet) as the roster's requirements.

    Needs ``interval_start`` (ISO 8601; an offset is respected, naive times are
    taken as local time in ``tz``) and ``required_agents``. Optional:
    ``queue`` (default "main"), ``interval_min`` (else the smallest step
    between timestamps), ``offered`` and ``aht_s`` (for the service check),
    ``scheduled_agents``, ``channel``. Returns those columns with
    ``interval_start`` tz-aware in ``tz``, sorted by queue and time
    (:func:`validate_requirements`).
    """
    if not Path(path).exists():
        raise InputError(Problem(str(path), None, None, "file not found", "a staffing output CSV"))
    df = read_table(path, numeric=_NUMBERS)
    return validate_requirements(df, source=str(path), tz=tz)


def _cell(s: pd.Series, p: int) -> str:
    v = s.iloc[p]
    if isinstance(v, str):
        return repr(v.strip())
    if isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool):
        return f"{float(v):g}"
    return repr(v)


def validate_requirements(df: pd.DataFrame, *, source: str = "<dataframe>", tz: str = DEFAULT_TZ) -> pd.DataFrame:
    """Check a requirement table (:data:`REQUIREMENTS`, see :func:`read_requirements`).

    Every problem is reported with its file, row and column (the table
    engine, :mod:`wfm.tables`): a value that is not a timestamp or not a
    number >= 0, a naive local time that does not exist in ``tz`` (the one
    daylight-saving policy of :mod:`wfm.tables.parse`; a repeated autumn
    hour is resolved by file order per queue), a repeated queue and
    interval, an ``interval_min`` column that is not one whole number.
    """
    T = Table(df, REQUIREMENTS, source, tz=tz)
    P = T.P
    P.raise_if_any()
    n = T.n
    qt = T.text("queue", required=False)[0]
    queue = qt.where(qt != "", "main") if qt is not None else pd.Series(np.full(n, "main", dtype=object))
    q_codes, q_names = pd.factorize(queue, sort=True)
    raw = T.col("interval_start")
    r = timestamps(raw, tz, q_codes)
    expected = "ISO 8601, e.g. 2026-03-02T08:30:00+08:00"
    P.add_rows(~r.ok & ~r.nonexistent, "interval_start", lambda p: P.problem(
        p, "interval_start", f"{_cell(raw, p)} is not a timestamp", expected))
    P.add_rows(r.nonexistent, "interval_start", lambda p: P.problem(
        p, "interval_start",
        f"{raw_text(raw, p)} does not exist in {tz} (the clocks skip it when daylight saving time starts)",
        "an existing local time, or a UTC offset such as +01:00"))
    values = {}
    for col in _NUMBERS:
        s = T.col(col)
        if s is None:
            continue
        v, missing, bad = numbers(s)
        if col in ("required_agents", "offered", "interval_min"):
            wrong = ~np.isfinite(v) | (v < 0)
            exp = "agents >= 0" if col == "required_agents" else None
            P.add_rows(wrong, col, lambda p, s=s, col=col, exp=exp: P.problem(
                p, col, f"{_cell(s, p)} is not a number >= 0", exp))
        values[col] = v  # aht_s, scheduled_agents: a value that is no number is left blank
    P.raise_if_any()
    # sorted by queue then time (stable: file order among equals)
    order = np.lexsort((r.utc_ns, q_codes))
    qs, ns = q_codes[order], r.utc_ns[order]
    same_q = np.zeros(n, dtype=bool)
    same_q[1:] = qs[1:] == qs[:-1]
    dup = np.zeros(n, dtype=bool)
    dup[1:] = same_q[1:] & (ns[1:] == ns[:-1])
    if dup.any():
        for k in np.flatnonzero(dup):
            P.add("interval_start", f"queue {q_names[qs[k]]!r} repeats "
                  f"{pd.Timestamp(int(ns[k]), tz='UTC').tz_convert(tz).isoformat()}",
                  "one row per queue and interval", row=int(T.rows[order[k]]))
        P.raise_if_any()
    # a datetime column keeps its resolution (as the staffing step made it)
    unit = pd.DatetimeIndex(raw).unit if pd.api.types.is_datetime64_any_dtype(raw.dtype) else "ns"
    out = pd.DataFrame({"queue": pd.Series(np.asarray(q_names, dtype=object)[qs], dtype="str"),
                        "interval_start": aware(ns, tz).dt.as_unit(unit)})
    for col in _NUMBERS:
        if col in values:
            out[col] = values[col][order]
    if T.has("channel"):
        out["channel"] = T.text("channel", required=False)[0].to_numpy()[order]
    if "interval_min" in out.columns:
        vals = np.unique(out["interval_min"].to_numpy())
        if len(vals) != 1 or vals[0] <= 0 or vals[0] != int(vals[0]):
            raise InputError(Problem(source, None, "interval_min", f"values {vals.tolist()} differ or are not whole minutes", "one interval length (15, 30 or 60)"))
        out["interval_min"] = int(vals[0])
    else:
        # the smallest step between the timestamps of a queue, in whole minutes
        first = np.maximum.accumulate(np.where(same_q, 0, np.arange(n))) if n else np.zeros(0, dtype=np.int64)
        minutes = (ns - ns[first]) / 1e9 / 60
        d = np.round(np.diff(minutes))[same_q[1:]]
        d = d[d > 0]
        if not len(d):
            raise InputError(Problem(source, None, "interval_min", "cannot infer the interval length from one row", "an interval_min column"))
        out["interval_min"] = int(d.min())
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
