"""The previous roster: what it carries into a new horizon (rolling rosters).

A 24/7 centre rosters week after week. The night shifts of the last roster
still cover the first hours of the new one, and the agents who worked them
must keep their rest and their consecutive-day limit across the boundary.
:func:`read_previous_roster` reads a ``roster.csv`` written by ``wfm
roster`` (or any file with its columns) and returns a :class:`CarryIn`:

* ``coverage``: net agents on the phones per interval of the new horizon
  from shifts that started before it (meals and breaks taken out), added to
  the new roster's coverage and taken off the requirement the model sees;
* ``last_end_min``: per agent, the end of their last shift, in minutes from
  the horizon start (negative when it ended before): no new shift may start
  less than the contract's minimum rest after it;
* ``run_in_days``: per agent, the calendar days worked in a row up to the
  day before the horizon (0 if they were off that day) and whether they
  worked the day before that (``worked_two_days_before``): the consecutive
  day limit and the 1-on-1 alternation continue from them.

Days are local calendar days of the horizon's time zone, by shift start.
Required columns: ``agent_id``, ``shift_start``, ``shift_end`` (ISO 8601
with offset); ``meal_start``, ``meal_end``, ``breaks``
(``start/end;start/end``) are optional. A shift must start before the new
horizon does.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from wfm.errors import InputError, Problem
from wfm.io import read_text_csv
from wfm.roster.coverage import coverage_from_roster
from wfm.roster.demand import Horizon

REQUIRED = ("agent_id", "shift_start", "shift_end")


@dataclass(frozen=True)
class CarryIn:
    """What the previous roster carries into the horizon (module docstring)."""

    coverage: np.ndarray
    last_end_min: dict[str, float] = field(default_factory=dict)
    run_in_days: dict[str, int] = field(default_factory=dict)
    worked_two_days_before: frozenset = frozenset()
    shifts: int = 0


def no_carry_in(horizon: Horizon) -> CarryIn:
    return CarryIn(np.zeros(horizon.n_intervals))


def _times(df: pd.DataFrame, col: str, source: str, problems: list[Problem], optional: bool = False) -> pd.Series:
    out = pd.Series(pd.NaT, index=df.index, dtype="datetime64[ns, UTC]")
    for i, v in df[col].items():
        text = str(v).strip()
        if not text and optional:
            continue
        try:
            ts = pd.Timestamp(text)
        except (ValueError, TypeError):
            ts = None
        if ts is None or ts is pd.NaT or ts.tzinfo is None:
            problems.append(Problem(source, int(i) + 2, col, f"{text!r} is not a time with a UTC offset",
                                    "ISO 8601 with offset, e.g. 2026-03-01T22:00:00+08:00"))
            continue
        out.loc[i] = ts.tz_convert("UTC")
    return out


def read_previous_roster(source, horizon: Horizon) -> CarryIn:
    """Read a previous roster (path or DataFrame) for ``horizon``; bad rows
    raise :class:`InputError` naming the file, row and column."""
    name = str(source) if not isinstance(source, pd.DataFrame) else "<previous roster>"
    df = source.copy() if isinstance(source, pd.DataFrame) else read_text_csv(source, "a roster CSV (wfm roster's roster.csv)")
    df = df.rename(columns={c: str(c).strip().lower() for c in df.columns}).reset_index(drop=True)
    missing = [c for c in REQUIRED if c not in df.columns]
    if missing:
        raise InputError([Problem(name, None, c, "column missing",
                                  "agent_id, shift_start, shift_end (meal_start, meal_end, breaks optional)") for c in missing])
    for c in ("meal_start", "meal_end", "breaks"):
        if c not in df.columns:
            df[c] = ""
    df = df.fillna("").astype(str)
    problems: list[Problem] = []
    start = _times(df, "shift_start", name, problems)
    end = _times(df, "shift_end", name, problems)
    _times(df, "meal_start", name, problems, optional=True)
    _times(df, "meal_end", name, problems, optional=True)
    h0 = horizon.start.tz_convert("UTC")
    for i in df.index:
        if pd.isna(start[i]) or pd.isna(end[i]):
            continue
        if end[i] <= start[i]:
            problems.append(Problem(name, int(i) + 2, "shift_end", "not after shift_start", "a shift that ends after it starts"))
        elif start[i] >= h0:
            problems.append(Problem(name, int(i) + 2, "shift_start", f"starts at or after the new horizon ({horizon.start.isoformat()})",
                                    "shifts of the previous roster only"))
        if not str(df.at[i, "agent_id"]).strip():
            problems.append(Problem(name, int(i) + 2, "agent_id", "empty", "the agent's id"))
    for i, cell in df["breaks"].items():
        for part in [p for p in cell.split(";") if p.strip()]:
            bits = part.split("/")
            ok = len(bits) == 2
            if ok:
                try:
                    ok = all(pd.Timestamp(b.strip()).tzinfo is not None for b in bits)
                except (ValueError, TypeError):
                    ok = False
            if not ok:
                problems.append(Problem(name, int(i) + 2, "breaks", f"{part!r} is not start/end",
                                        "start/end;start/end with ISO 8601 times with offset"))
    if problems:
        raise InputError(problems)
    coverage = coverage_from_roster(df, horizon)
    last_end: dict[str, float] = {}
    worked: dict[str, set] = {}
    day0 = horizon.start.date()
    for i in df.index:
        a = str(df.at[i, "agent_id"]).strip()
        e = float((end[i] - h0).total_seconds() / 60)
        last_end[a] = max(last_end.get(a, -np.inf), e)
        d = (start[i].tz_convert(horizon.start.tz).date() - day0).days  # -1 = the day before the horizon
        worked.setdefault(a, set()).add(d)
    run_in = {}
    for a, days in worked.items():
        r = 0
        while -(r + 1) in days:
            r += 1
        run_in[a] = r
    two_before = frozenset(a for a, days in worked.items() if -2 in days)
    return CarryIn(coverage, last_end, run_in, two_before, int(len(df)))


def boundary_violations(roster: pd.DataFrame, carry: CarryIn, catalog, horizon: Horizon) -> pd.DataFrame:
    """Rules across the boundary with the previous roster, checked on the
    new roster's timestamps (independently of how it was built): minimum
    rest after the last previous shift, the consecutive-day limit counting
    the run worked before, and 1-on-1 alternation. Same columns as
    :func:`wfm.roster.check.check_roster`."""
    out: list[dict] = []
    if len(roster):
        h0 = horizon.start.tz_convert("UTC")
        day0 = horizon.start.date()
        for aid, g in roster.groupby("agent_id", sort=True):
            aid = str(aid)
            if aid not in carry.last_end_min:
                continue
            ct = catalog.contracts.get(str(g["contract"].iloc[0]))
            if ct is None:
                continue
            starts = sorted(pd.Timestamp(t) for t in g["shift_start"])
            first = starts[0]
            gap_h = ((first.tz_convert("UTC") - h0).total_seconds() / 60 - carry.last_end_min[aid]) / 60
            if gap_h < ct.min_rest_h - 1e-9:
                out.append({"agent_id": aid, "date": str(first.date()), "rule": "rest",
                            "detail": f"{gap_h:.2f} h after the previous roster's last shift (minimum {ct.min_rest_h:g} h)"})
            days = {(t.tz_convert(horizon.start.tz).date() - day0).days for t in starts}
            r = carry.run_in_days.get(aid, 0)
            lead = 0
            while lead in days:
                lead += 1
            if r and r + lead > ct.max_consecutive_days:
                out.append({"agent_id": aid, "date": str(day0), "rule": "consecutive days",
                            "detail": f"{r} days before the horizon + {lead} in it > {ct.max_consecutive_days}"})
            if ct.pattern == "alternate" and ((r and 0 in days) or (aid in carry.worked_two_days_before and not r and 0 not in days and 1 in days)):
                out.append({"agent_id": aid, "date": str(day0), "rule": "alternation",
                            "detail": "1-on-1 days do not alternate across the boundary with the previous roster"})
    return pd.DataFrame(out, columns=["agent_id", "date", "rule", "detail"])
