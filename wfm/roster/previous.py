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
The file is read by the one roster reader (:func:`wfm.roster.table.read_roster`:
``agent_id``, ``contract``, ``shift_start``, ``shift_end``, optional meal,
breaks and activities); a shift must start before the new horizon does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from wfm.errors import InputError, Problem
from wfm.roster.coverage import coverage_from_roster
from wfm.roster.demand import Horizon
from wfm.roster.table import Roster, read_roster


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


def read_previous_roster(source, horizon: Horizon, catalog=None) -> CarryIn:
    """Read a previous roster (path, DataFrame or :class:`Roster`) for
    ``horizon`` through the one roster reader
    (:func:`wfm.roster.table.read_roster`); bad rows raise
    :class:`InputError` naming the file, row and column. ``catalog``: its
    contracts' keys and names are accepted in the ``contract`` column."""
    name = "<previous roster>" if isinstance(source, pd.DataFrame | Roster) else str(source)
    contracts = None
    if catalog is not None:
        contracts = {**{k: k for k in catalog.contracts}, **{c.name: c.name for c in catalog.contracts.values()}}
    if not isinstance(source, pd.DataFrame | Roster) and not Path(source).exists():
        raise InputError(Problem(name, None, None, "file not found", "a roster CSV (wfm roster's roster.csv)"))
    roster = read_roster(source, tz=horizon.tz, contracts=contracts, name=name)
    sh = roster.shifts
    late = sh[sh["shift_start"] >= horizon.start]
    if len(late):
        raise InputError([Problem(name, None, "shift_start",
                                  f"agent {r.agent_id!r}: the shift at {r.shift_start.isoformat()} starts at or after "
                                  f"the new horizon ({horizon.start.isoformat()})", "shifts of the previous roster only")
                          for r in late.head(50).itertuples()])
    coverage = coverage_from_roster(roster, horizon)
    h0 = horizon.start
    end_min = ((sh["shift_end"] - h0).dt.total_seconds() / 60).to_numpy(float)
    # -1 = the day before the horizon
    day = ((sh["date"] - pd.Timestamp(h0.date())).dt.days).to_numpy()
    last_end: dict[str, float] = {}
    worked: dict[str, set] = {}
    for a, e, d in zip(sh["agent_id"].astype(str), end_min, day, strict=True):
        last_end[a] = max(last_end.get(a, -np.inf), float(e))
        worked.setdefault(a, set()).add(int(d))
    run_in = {}
    for a, days in worked.items():
        r = 0
        while -(r + 1) in days:
            r += 1
        run_in[a] = r
    two_before = frozenset(a for a, days in worked.items() if -2 in days)
    return CarryIn(coverage, last_end, run_in, two_before, int(len(sh)))


def boundary_violations(roster: Roster, carry: CarryIn, catalog, horizon: Horizon) -> pd.DataFrame:
    """Rules across the boundary with the previous roster, checked on the
    new roster's timestamps (independently of how it was built): minimum
    rest after the last previous shift, the consecutive-day limit counting
    the run worked before, and 1-on-1 alternation. Same columns as
    :func:`wfm.roster.check.check_roster`."""
    out: list[dict] = []
    if len(roster):
        h0 = horizon.start.tz_convert("UTC")
        day0 = horizon.start.date()
        for aid, g in roster.shifts.groupby("agent_id", sort=True):
            aid = str(aid)
            if aid not in carry.last_end_min:
                continue
            c = str(g["contract"].iloc[0])
            ct = catalog.contracts.get(c) or next((x for x in catalog.contracts.values() if x.name == c), None)
            if ct is None:
                continue
            starts = sorted(g["shift_start"])
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
