"""Named agents: reading ``agents.csv`` and grouping agents for the model.

Columns (header names, case-insensitive):

* ``id`` (required, unique), ``name`` (optional), ``contract`` (required: a
  contract key of the catalogue, e.g. ``five_two``, or its name, ``5-on-2``);
* ``availability`` (optional): ``;``-separated windows ``[DAYS ]HH:MM-HH:MM``,
  DAYS a comma list of weekdays or ranges ``Mon-Fri`` (a weekday is ``Mon``
  .. ``Sun``, ``Monday`` .. ``Sunday`` or ``周一`` .. ``周日``, in any case;
  any other word is an error); a window
  ending before its start runs past midnight (``22:00-07:00``); no DAYS
  means every day; blank means any time. A shift must lie inside one window of
  its start day.
* ``unavailable_dates`` (optional): ``;``-separated ISO dates or ranges
  ``2026-03-05..2026-03-07`` (leave: the agent works none of them);
* ``preferred_start`` (optional ``HH:MM``);
* ``fixed_days_off`` (optional): weekdays the agent never works (``Sat;Sun``);
* ``min_minutes`` / ``max_minutes`` (optional): paid minutes over the horizon
  (used by flexible contracts); blank for no limit (a written ``nan`` or
  ``inf`` is an error).

The columns are declared once in :data:`AGENTS_CSV` and checked by the
table engine (:mod:`wfm.tables`): any other column is ignored; every
problem is listed with its spreadsheet row (header = row 1; wholly blank
rows are skipped but counted).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from wfm.errors import InputError, Problem
from wfm.roster.catalog import Catalog
from wfm.roster.demand import Horizon
from wfm.roster.model import Group, transition_ok, weekly_patterns, window_allows, windows_key
from wfm.tables import Column, Schema, Table, clock_minute, clock_minutes, numbers, read_csv

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
#: Most paid minutes over a horizon (six weeks of every minute).
_MAX_MINUTES = 6 * 7 * 1440.0


@dataclass(frozen=True)
class Agent:
    """One agent. ``windows``: weekday (0=Mon) -> list of (start, end) minutes
    after midnight (end may exceed 1440); None = any time."""

    id: str
    name: str
    contract: str
    windows: dict | None = None
    unavailable: frozenset = frozenset()
    preferred_start: int | None = None
    fixed_days_off: frozenset = frozenset()
    min_minutes: float = 0.0
    max_minutes: float | None = None
    row: int | None = None

    def available(self, weekday: int, start_clock: int, length_min: int) -> bool:
        """Does a shift starting ``start_clock`` on ``weekday`` fit a window?"""
        return window_allows(self.windows, weekday, start_clock, length_min)


def _clock(text: str) -> int | None:
    return clock_minute(text.strip())


#: The spellings of each weekday (compared without case): the English names,
#: their usual abbreviations and the Chinese 周一 .. 周日 / 星期一 .. 星期日.
_DAY_NAMES = {name: d for d, names in enumerate((
    ("mon", "monday", "周一", "星期一"), ("tue", "tues", "tuesday", "周二", "星期二"),
    ("wed", "weds", "wednesday", "周三", "星期三"), ("thu", "thur", "thurs", "thursday", "周四", "星期四"),
    ("fri", "friday", "周五", "星期五"), ("sat", "saturday", "周六", "星期六"),
    ("sun", "sunday", "周日", "周天", "星期日", "星期天"),
)) for name in names}


def _day(token: str) -> int | None:
    return _DAY_NAMES.get(token.strip().lower())


def _days(text: str) -> set[int] | None:
    """Weekdays (0 = Monday) of ``Mon,Wed`` or ``Mon-Fri`` (a range may wrap:
    ``Sat-Mon``); None when a token is not a weekday (``Mongoose-Fright``)."""
    out: set[int] = set()
    for part in re.split(r"[,\s]+", text.strip()):
        if not part:
            continue
        if "-" in part:
            a, b = part.split("-", 1)
            i, j = _day(a), _day(b)
            if i is None or j is None:
                return None
            k = i
            while True:
                out.add(k)
                if k == j:
                    break
                k = (k + 1) % 7
        elif _day(part) is not None:
            out.add(_day(part))
        else:
            return None
    return out


def parse_availability(text: str) -> dict | None:
    """'Mon-Fri 08:00-20:00; Sat 09:00-13:00' -> {0: [(480, 1200)], ...}; raises ValueError."""
    if text is None or not str(text).strip():
        return None
    out: dict[int, list] = {d: [] for d in range(7)}
    for win in str(text).split(";"):
        win = win.strip()
        if not win:
            continue
        m = re.fullmatch(r"(?:(.+?)\s+)?(\d{1,2}:\d{2})\s*-\s*(\d{1,2}:\d{2})", win)
        if not m:
            raise ValueError(f"{win!r} is not a window")
        days = set(range(7)) if m.group(1) is None else _days(m.group(1))
        lo, hi = _clock(m.group(2)), _clock(m.group(3))
        if days is None:
            raise ValueError(f"{win!r}: {m.group(1)!r} is not a weekday or a range of weekdays")
        if lo is None or hi is None:
            raise ValueError(f"{win!r}: not a clock time HH:MM-HH:MM")
        if hi == lo:
            raise ValueError(f"{win!r} is an empty window (it starts where it ends)")
        if hi <= lo:
            hi += 1440
        for d in days:
            out[d].append((lo, hi))
    return out


def parse_dates(text: str) -> set[dt.date]:
    out: set[dt.date] = set()
    if text is None or not str(text).strip():
        return out
    for part in re.split(r"[;,\s]+", str(text).strip()):
        if not part:
            continue
        if ".." in part:
            a, b = part.split("..", 1)
            d0, d1 = dt.date.fromisoformat(a), dt.date.fromisoformat(b)
            if d1 < d0:
                raise ValueError(f"{part!r} ends before it starts")
            while d0 <= d1:
                out.add(d0)
                d0 += dt.timedelta(days=1)
        else:
            out.add(dt.date.fromisoformat(part))
    return out


#: ``agents.csv``: one row per named agent (header names case-insensitive;
#: any other column is ignored).
AGENTS_CSV = Schema(
    what="agents",
    columns=(
        Column("id", "an agent id", required=True, doc="unique"),
        Column("name", "the agent's name", doc="default: the id"),
        Column("contract", "a contract key or name of the catalogue", "choice", required=True),
        Column("availability", "windows [DAYS ]HH:MM-HH:MM separated by ';'", "items",
               doc="e.g. 'Mon-Fri 08:00-20:00; Sat 09:00-13:00'; blank: any time"),
        Column("unavailable_dates", "ISO dates or ranges a..b separated by ';'", "items"),
        Column("preferred_start", "HH:MM", "clock"),
        Column("fixed_days_off", "weekdays the agent never works, e.g. Sat;Sun", "items"),
        Column("min_minutes", "paid minutes over the horizon, at least (a number >= 0)", "number", minimum=0),
        Column("max_minutes", "paid minutes over the horizon, at most (a number >= 0)", "number", minimum=0),
    ),
    unknown="ignore",
    case_sensitive=False,
    missing_expected="id, contract (name, availability, unavailable_dates, preferred_start, fixed_days_off optional)",
)


def read_agents(path, catalog: Catalog) -> list[Agent]:
    """Read and validate ``agents.csv`` (see the module docstring)."""
    p = Path(path)
    if not p.is_file():
        raise InputError(Problem(str(path), None, None, "file not found", "an agents CSV"))
    return agents_from_frame(read_csv(p, str(path)), catalog, source=str(path))


def _per_value(text: pd.Series, parse):
    """``parse`` each distinct cell once: (values, errors) lists by row."""
    codes, uniques = pd.factorize(text)
    done = []
    for u in uniques:
        try:
            done.append((parse(u), None))
        except ValueError as e:
            done.append((None, str(e)))
    return [done[c] for c in codes]


def agents_from_frame(df: pd.DataFrame, catalog: Catalog, *, source: str = "<agents>") -> list[Agent]:
    """Check an agents table (:data:`AGENTS_CSV`) and return its agents.

    Every problem is reported with its row (the header is row 1; blank
    rows are skipped but counted); a row without an id is reported once.
    """
    T = Table(df, AGENTS_CSV, source, tz=None)
    P = T.P
    P.raise_if_any()
    n = T.n

    def text(col):
        t = T.text(col, required=False)[0]
        return t if t is not None else pd.Series([""] * n, dtype="str")

    aid = text("id")
    has_id = (aid != "").to_numpy()
    P.add_rows(~has_id, "id", lambda p: P.problem(p, "id", "empty", "an agent id"))
    repeat = aid.duplicated(keep="first").to_numpy() & has_id
    P.add_rows(repeat, "id", lambda p: P.problem(p, "id", f"{aid.iloc[p]!r} repeats", "unique ids"))
    by_name = {c.name.lower(): k for k, c in catalog.contracts.items()}
    contract = text("contract")
    key = np.array([c if c in catalog.contracts else by_name.get(c.lower()) for c in contract], dtype=object)
    names = ", ".join(list(catalog.contracts) + [x.name for x in catalog.contracts.values()])
    P.add_rows(has_id & pd.isna(key), "contract", lambda p: P.problem(
        p, "contract", f"unknown contract {contract.iloc[p]!r}", names))
    windows = _per_value(text("availability"), parse_availability)
    P.add_rows(has_id & np.array([e is not None for _, e in windows], dtype=bool), "availability",
               lambda p: P.problem(p, "availability", windows[p][1], "e.g. 'Mon-Fri 08:00-20:00; Sat 09:00-13:00'"))
    dates = _per_value(text("unavailable_dates"), parse_dates)
    P.add_rows(has_id & np.array([e is not None for _, e in dates], dtype=bool), "unavailable_dates",
               lambda p: P.problem(p, "unavailable_dates", dates[p][1], "ISO dates or ranges a..b separated by ';'"))
    pref_text = text("preferred_start")
    pref, _, pref_ok = clock_minutes(pref_text)
    pref_ok &= pref < 1440
    given = (pref_text != "").to_numpy()
    P.add_rows(has_id & given & ~pref_ok, "preferred_start", lambda p: P.problem(
        p, "preferred_start", f"{pref_text.iloc[p]!r} is not a clock time", "HH:MM"))
    fixed_text = text("fixed_days_off")
    fixed = _per_value(fixed_text, lambda t: _days(t.replace(";", ",")) if t else set())
    bad_fixed = np.array([v is None for v, _ in fixed], dtype=bool)
    P.add_rows(has_id & bad_fixed, "fixed_days_off", lambda p: P.problem(
        p, "fixed_days_off", f"{fixed_text.iloc[p]!r} is not a list of weekdays", "e.g. Sat;Sun"))
    mins = {}
    for col in ("min_minutes", "max_minutes"):
        s = text(col)
        v, missing, bad = numbers(s)
        # blank means "no limit"; a written nan or inf is a mistake, not a limit
        written = missing & (s != "").to_numpy()
        wrong = has_id & (bad | written | ~(np.isnan(v) | (np.isfinite(v) & (v >= 0) & (v <= _MAX_MINUTES))))
        P.add_rows(wrong, col, lambda p, s=s, col=col: P.problem(
            p, col, f"{s.iloc[p]!r} is not a number of minutes",
            f"a number >= 0 and <= {_MAX_MINUTES:g}, or blank for no limit"))
        mins[col] = np.where(wrong, np.nan, v)
    lo, hi = mins["min_minutes"], mins["max_minutes"]
    P.add_rows(has_id & (hi < lo), "max_minutes", lambda p: P.problem(p, "max_minutes", "below min_minutes",
                                                                       ">= min_minutes"))
    P.raise_if_any()
    name = text("name")
    out = [Agent(aid.iloc[p], name.iloc[p] or aid.iloc[p], key[p], windows[p][0], frozenset(dates[p][0]),
                 int(pref[p]) if given[p] else None, frozenset(fixed[p][0]),
                 0.0 if np.isnan(lo[p]) else float(lo[p]), None if np.isnan(hi[p]) else float(hi[p]),
                 int(T.rows[p]))
           for p in range(n) if has_id[p]]
    if not out:
        raise InputError(Problem(source, None, None, "no agents", "at least one agent row"))
    return out


def generated_agents(counts: dict[str, int], catalog: Catalog) -> list[Agent]:
    """A001, A002 ... for a team sized by the model, contracts in catalogue order."""
    out = []
    k = 0
    for c in catalog.contracts:
        for _ in range(int(counts.get(c, 0))):
            k += 1
            out.append(Agent(f"A{k:03d}", f"A{k:03d}", c))
    return out


@dataclass
class Grouping:
    groups: list[Group]
    unplaceable: dict[str, str] = field(default_factory=dict)
    agent_group: dict[str, str] = field(default_factory=dict)


def _weekday(h: Horizon, d: int) -> int:
    return (h.start + pd.Timedelta(days=d)).weekday()


def _max_flexible_minutes(a: Agent, catalog: Catalog, h: Horizon, off_days: frozenset) -> float:
    """Most minutes a flexible agent can work over the horizon: per day the
    longest shift their availability admits, on at most ``max_consecutive_days``
    days in a row (a dynamic programme over the days, state = current run)."""
    ct = catalog.contracts[a.contract]
    M = ct.max_consecutive_days
    best_day = []
    for d in range(h.days):
        wd = _weekday(h, d)
        L = 0
        if d not in off_days:
            for s in ct.shift_types:
                st = catalog.shift_types[s]
                L = max([L] + [Ln for o in st.start_offsets() for Ln in st.lengths_min if a.available(wd, o, Ln)])
        best_day.append(L)
    neg = -math.inf
    run = [0.0] + [neg] * M  # run[r]: best total with the last r days worked
    for L in best_day:
        new = [max(run)] + [neg] * M
        if L > 0:
            for r in range(M):
                if run[r] > neg:
                    new[r + 1] = max(new[r + 1], run[r] + L)
        run = new
    return float(max(run))


def group_agents(agents: list[Agent], catalog: Catalog, horizon: Horizon, *,
                 run_in: dict[str, int] | None = None, two_before: frozenset = frozenset()) -> Grouping:
    """Put named agents into model groups (same contract, allowed patterns, availability windows,
    leave days and minute limits); agents whose rules cannot be met are
    returned in ``unplaceable`` with the reason. ``run_in``: days each agent
    worked in a row up to the day before the horizon; ``two_before``: agents
    who worked two days before it (see :mod:`wfm.roster.previous`): weekly
    agents' first-week patterns keep the consecutive-day limit counting
    those days, and 1-on-1 agents keep alternating."""
    run_in = run_in or {}
    h = horizon
    W = -(-h.days // 7)
    dates = h.dates()
    res = Grouping([])
    sig_members: dict[tuple, list[str]] = {}
    sig_group: dict[tuple, dict] = {}
    for a in sorted(agents, key=lambda a: a.id):
        ct = catalog.contracts[a.contract]
        leave = {d for d in range(h.days) if dates[d] in a.unavailable}
        fixed = {d for d in range(h.days) if _weekday(h, d) in a.fixed_days_off}
        if len(leave | fixed) == h.days:
            res.unplaceable[a.id] = "unavailable on every day of the horizon"
            continue
        # availability must admit at least one shift of the contract
        ok_any = False
        for s in ct.shift_types:
            st = catalog.shift_types[s]
            for wd in range(7):
                if any(a.available(wd, o, L) for o in st.start_offsets() for L in st.lengths_min):
                    ok_any = True
                    break
            if ok_any:
                break
        if not ok_any:
            res.unplaceable[a.id] = f"availability excludes every shift of contract {ct.name}"
            continue
        allowed: tuple = ()
        off_days = frozenset(leave)
        if ct.pattern == "weekly":
            pats = weekly_patterns(ct.work_days_per_week, ct.days_off_consecutive, ct.max_consecutive_days)
            fixed_pos = {(d % 7) for d in fixed}
            # weekday positions repeat every week: a fixed weekday is one position
            base = [k for k, off in enumerate(pats) if fixed_pos <= set(off)]
            if not base:
                names = ", ".join(DAYS[x].title() for x in sorted(a.fixed_days_off))
                res.unplaceable[a.id] = (f"fixed days off {names} do not fit {ct.name} "
                                         f"({7 - ct.work_days_per_week} days off{' together' if ct.days_off_consecutive else ''})")
                continue
            # the run of days worked before the horizon continues into week 0
            r = run_in.get(a.id, 0)

            def lead(k, pats=pats, leave=leave):
                n = 0
                while n < 7 and n not in pats[k] and n not in leave:
                    n += 1
                return n

            base0 = [k for k in base if lead(k) + r <= ct.max_consecutive_days]
            if not base0:
                res.unplaceable[a.id] = (f"worked {r} days in a row before the horizon: no {ct.name} pattern "
                                         f"keeps {ct.max_consecutive_days} days in a row at most")
                continue
            per_week = []
            for w in range(W):
                lv = {d % 7 for d in leave if d // 7 == w}
                cands = base0 if w == 0 else base
                best = max(len(lv & set(pats[k])) for k in cands)
                per_week.append([k for k in cands if len(lv & set(pats[k])) == best])
            # keep only patterns on a path that respects max consecutive days
            fwd = [set(per_week[0])]
            for w in range(1, W):
                fwd.append({k2 for k2 in per_week[w] if any(transition_ok(pats[k], pats[k2], ct.max_consecutive_days) for k in fwd[-1])})
            if not fwd[-1]:
                # fall back to the unrestricted fixed-compatible patterns
                fwd = [set(base0)]
                for _w in range(1, W):
                    fwd.append({k2 for k2 in base if any(transition_ok(pats[k], pats[k2], ct.max_consecutive_days) for k in fwd[-1])})
                if not fwd[-1]:
                    res.unplaceable[a.id] = f"fixed days off leave no {ct.name} week sequence within {ct.max_consecutive_days} consecutive days"
                    continue
            bwd = [set() for _ in range(W)]
            bwd[-1] = fwd[-1]
            for w in range(W - 2, -1, -1):
                bwd[w] = {k for k in fwd[w] if any(transition_ok(pats[k], pats[k2], ct.max_consecutive_days) for k2 in bwd[w + 1])}
            allowed = tuple(tuple(sorted(b)) for b in bwd)
        elif ct.pattern == "alternate":
            off_days = frozenset(leave | fixed)
            # alternation continues from the previous roster: phase 0 works day 0
            allowed = ((1,),) if run_in.get(a.id, 0) else ((0,),) if a.id in two_before else ((0, 1),)
        else:
            off_days = frozenset(leave | fixed)
            reach = _max_flexible_minutes(a, catalog, h, off_days)
            if a.min_minutes > reach + 1e-9:
                res.unplaceable[a.id] = (f"min_minutes {a.min_minutes:g} cannot be reached: at most {reach:g} min "
                                         f"(longest shift on every day the agent may work, at most "
                                         f"{ct.max_consecutive_days} days in a row, days off and leave kept)")
                continue
        sig = (a.contract, allowed, off_days, a.min_minutes, a.max_minutes, windows_key(a.windows))
        sig_members.setdefault(sig, []).append(a.id)
    for k, (sig, members) in enumerate(sorted(sig_members.items(), key=lambda kv: kv[1][0])):
        c, allowed, off_days, mn, mx, windows = sig
        gkey = f"{c}__g{k}"
        res.groups.append(Group(gkey, c, size=len(members), allowed=allowed, off_days=off_days,
                                members=tuple(members), min_minutes=mn, max_minutes=mx, windows=windows))
        for m in members:
            res.agent_group[m] = gkey
    del sig_group
    return res
