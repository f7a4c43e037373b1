"""The published roster as a KPI input: :func:`validate_roster` and the
parsers of its meal, breaks and activities.

One row per agent shift (the published schedule; the ``roster.csv`` of
``wfm roster``); checked by the table engine (:mod:`wfm.tables`) against
:data:`ROSTER`:

{COLUMNS}

Clock times (``HH:MM``) are local times in ``tz`` and belong to the shift:
the first such wall-clock time at or after the shift start (so ``02:00`` in
a 22:00-06:00 night shift is the next morning); an end clock at or before
its start clock is on the following day. A clock time that does not exist
or is ambiguous on a daylight-saving day is reported (nothing orders it;
write ISO 8601 times with offsets instead). Meal, breaks and activities
must lie inside the shift and must not overlap each other. A row whose
shift_start and shift_end are both blank is a day off and is dropped.
Shifts of one agent must not overlap, and one agent has one contract.

Returned (:func:`validate_roster`): ``agent_id``, ``contract`` (canonical
name), ``date`` (``datetime64[ns]``, local midnight, naive),
``shift_start``, ``shift_end``, ``meal_start``, ``meal_end``
(``datetime64[ns, tz]``, NaT when no meal), ``breaks``, ``activities``
(canonical text, "" when none), ``team`` and any other columns as given
(``wfm roster``'s ``name``, ``shift_type``, ``paid_hours`` ...); sorted by
agent and shift start. Breaks and activities are written back as local
``HH:MM-HH:MM`` items, whatever the input form.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import numpy as np
import pandas as pd

from wfm import DEFAULT_TZ
from wfm.kpi.terms import ACTIVITIES, CONTRACT_ALIASES, CONTRACTS
from wfm.tables import (
    ISO_EXAMPLE,
    NAT,
    Column,
    Schema,
    Table,
    as_text,
    aware,
    blank,
    clock_minutes,
    fmt_local,
    local_wall_ns,
    norm_name,
    read_table,
    report_overlaps,
    resolve_clock_times,
    timestamps,
)

__all__ = ["ROSTER", "parse_clock_items", "parse_items", "read_roster", "resolve_clock_items",
           "validate_roster"]

_ISO = ISO_EXAMPLE
_DAY_NS = 24 * 3600 * 1_000_000_000

#: The published roster's schema.
ROSTER = Schema(
    what="shifts",
    columns=(
        Column("agent_id", "an agent identifier", required=True),
        Column("contract", "a contract: " + ", ".join(CONTRACTS), "choice", required=True,
               doc="also ``five_two``, ``one_one``, ``做五休二``, ``做一休一``, or a name given in "
                   "``contracts=``"),
        Column("date", "the shift's local date YYYY-MM-DD", "date",
               doc="must be the local date of shift_start; derived when absent"),
        Column("shift_start", "the shift start, " + _ISO, "timestamp", required=True),
        Column("shift_end", "the shift end, " + _ISO, "timestamp", required=True,
               doc="after shift_start, at most 24 h later"),
        Column("meal_start", "the meal start: " + _ISO + ", or a clock time HH:MM", "timestamp or clock"),
        Column("meal_end", "the meal end: " + _ISO + ", or a clock time HH:MM", "timestamp or clock",
               doc="both meal times or neither"),
        Column("breaks", "breaks as HH:MM-HH:MM items separated by ';', e.g. 10:15-10:30;15:00-15:15",
               "items", doc="or ISO 8601 ``start/end`` items, as ``wfm roster`` writes them"),
        Column("activities",
               "activities as 'HH:MM-HH:MM name' items separated by ';', e.g. 09:00-09:15 meeting",
               "items", doc="name one of " + ", ".join(ACTIVITIES)),
        Column("team", "a team name"),
    ),
    synonyms={"agent": "agent_id", "agentid": "agent_id", "employee_id": "agent_id",
              "start": "shift_start", "end": "shift_end", "shift_begin": "shift_start",
              "shift_finish": "shift_end", "lunch_start": "meal_start", "lunch_end": "meal_end",
              "day": "date", "shift_date": "date", "break": "breaks", "pattern": "contract",
              "activity": "activities"},
)

if __doc__:
    __doc__ = __doc__.replace("{COLUMNS}", ROSTER.doc_table())

_ITEM_RE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*(?:\s([A-Za-z_]+))?\s*$")


def parse_clock_items(text: pd.Series, *, default_name: str | None = "break",
                      names: tuple[str, ...] = ACTIVITIES) -> tuple[pd.DataFrame, pd.Series]:
    """Split ``"HH:MM-HH:MM[ name];..."`` cells into one row per item.

    Returns ``(items, bad)``: ``items`` has columns ``row`` (position of the
    cell), ``start_min``, ``end_min`` (minutes after local midnight;
    ``end_min`` may be 1440 for 24:00), ``name``; ``bad`` maps positions of
    malformed cells to the offending item text. With ``default_name`` the
    name may be omitted (breaks); without it, it is required (activities).
    """
    t = text.fillna("").astype("str")
    parts = t.str.split(";").explode()
    parts = parts[parts.str.strip() != ""]
    if len(parts) == 0:
        return pd.DataFrame({"row": [], "start_min": [], "end_min": [], "name": []}), pd.Series(dtype="str")
    m = parts.str.extract(_ITEM_RE)
    h1, m1, h2, m2 = (pd.to_numeric(m[i], errors="coerce") for i in range(4))
    name = m[4].str.lower()
    if default_name is not None:
        name = name.fillna(default_name)
    ok = m[0].notna() & (h1 <= 24) & (h2 <= 24) & (m1 < 60) & (m2 < 60)
    s_min = h1 * 60 + m1
    e_min = h2 * 60 + m2
    ok &= (s_min <= 1440) & (e_min <= 1440)
    ok &= name.isin(names).fillna(False)
    bad = parts[~ok.fillna(False)]
    bad = bad[~bad.index.duplicated(keep="first")]
    good = ok.fillna(False)
    items = pd.DataFrame({
        "row": parts.index[good.to_numpy()].to_numpy(dtype=np.int64),
        "start_min": s_min[good].to_numpy(dtype=np.int64),
        "end_min": e_min[good].to_numpy(dtype=np.int64),
        "name": name[good].astype("str").to_numpy(),
    })
    return items, bad


def resolve_clock_items(shift_start_utc: np.ndarray, start_min: np.ndarray, end_min: np.ndarray,
                        tz: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Local clock minutes -> UTC ns instants within a shift.

    The start is the first wall-clock ``start_min`` at or after the shift
    start's wall clock; the end is ``end_min`` on the same local day, or the
    next day when it is at or before the start clock. Returns
    ``(start_ns, end_ns, ok)``; ``ok`` is false where a local time does
    not exist or is ambiguous (daylight-saving changes). The engine's
    :func:`wfm.tables.resolve_clock_times` with the shift start as anchor.
    """
    return resolve_clock_times(shift_start_utc, start_min, end_min, tz)


_ISO_ITEM_RE = re.compile(r"^\s*(\d{4}-\d{2}-\d{2}[T ][0-9:.]+(?:Z|[+-]\d{2}:?\d{2})?)\s*/\s*"
                          r"(\d{4}-\d{2}-\d{2}[T ][0-9:.]+(?:Z|[+-]\d{2}:?\d{2})?)\s*(?:\s([A-Za-z_]+))?\s*$")


def _iso_ns(text: pd.Series, tz: str, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """ISO 8601 item times -> (UTC ns, NAT where unreadable; nonexistent
    mask): the table engine's parser, each cell its own group."""
    r = timestamps(text.reset_index(drop=True), tz, rows)
    return np.where(r.ok, r.utc_ns, NAT), r.nonexistent


def parse_items(text: pd.Series, shift_start_ns: np.ndarray, tz: str, *,
                default_name: str | None = "break",
                names: tuple[str, ...] = ACTIVITIES) -> tuple[pd.DataFrame, pd.Series, np.ndarray]:
    """Breaks / activities cells -> one row per item with its instants.

    A cell holds items separated by ``;``, each either local clock times
    ``HH:MM-HH:MM[ name]`` (resolved within the shift by
    :func:`resolve_clock_items`) or ISO 8601 instants ``start/end[ name]``
    (the format ``wfm roster`` writes, e.g.
    ``2025-10-01T10:15:00+08:00/2025-10-01T10:30:00+08:00``). The name is
    optional with ``default_name`` (breaks) and required without it
    (activities). ``shift_start_ns`` gives each cell's shift start (UTC ns).

    Returns ``(items, bad, unresolved)``: ``items`` with ``row`` (cell
    position), ``start_ns``, ``end_ns``, ``name`` and ``text`` (canonical
    ``HH:MM-HH:MM[ name]`` in local time); ``bad`` maps cell positions to
    the first item that cannot be read; ``unresolved`` lists cell positions
    with a local time that does not exist or is ambiguous in ``tz``.
    """
    cols = ["row", "start_ns", "end_ns", "name", "text"]
    t = text.fillna("").astype("str")
    parts = t.str.split(";").explode()
    parts = parts[parts.str.strip() != ""]
    if len(parts) == 0:
        return pd.DataFrame({c: [] for c in cols}), pd.Series(dtype="str"), np.zeros(0, dtype=np.int64)
    rows = parts.index.to_numpy(dtype=np.int64)
    ok = np.zeros(len(parts), dtype=bool)
    s_ns = np.full(len(parts), NAT, dtype=np.int64)
    e_ns = np.full(len(parts), NAT, dtype=np.int64)
    name = np.full(len(parts), "", dtype=object)
    unresolved = np.zeros(len(parts), dtype=bool)
    # clock items
    m = parts.str.extract(_ITEM_RE)
    h1, m1, h2, m2 = (pd.to_numeric(m[i], errors="coerce").to_numpy(dtype=float) for i in range(4))
    with np.errstate(invalid="ignore"):
        is_clock = m[0].notna().to_numpy() & (h1 <= 24) & (h2 <= 24) & (m1 < 60) & (m2 < 60) & \
            (h1 * 60 + m1 <= 1440) & (h2 * 60 + m2 <= 1440)
    nm = m[4].str.lower().to_numpy(dtype=object)
    if is_clock.any():
        k = np.flatnonzero(is_clock)
        a, b, rok = resolve_clock_items(np.asarray(shift_start_ns)[rows[k]],
                                        (h1[k] * 60 + m1[k]).astype(np.int64) % 1440,
                                        (h2[k] * 60 + m2[k]).astype(np.int64) % 1440, tz)
        s_ns[k], e_ns[k] = a, b
        ok[k] = rok
        unresolved[k] = ~rok
        name[k] = nm[k]
    # ISO items
    rest = np.flatnonzero(~is_clock)
    if len(rest):
        mi = parts.iloc[rest].str.extract(_ISO_ITEM_RE)
        is_iso = mi[0].notna().to_numpy()
        k = rest[is_iso]
        if len(k):
            a, gap_a = _iso_ns(mi[0][is_iso], tz, rows[k])
            b, gap_b = _iso_ns(mi[1][is_iso], tz, rows[k])
            good = (a != NAT) & (b != NAT)
            s_ns[k], e_ns[k] = a, b
            ok[k] = good
            unresolved[k] = gap_a | gap_b
            name[k] = mi[2][is_iso].str.lower().to_numpy(dtype=object)
    if default_name is not None:
        name = np.array([x if isinstance(x, str) and x else default_name for x in name], dtype=object)
    ok &= np.array([x in names for x in name])
    bad_mask = ~ok & ~unresolved
    bad = parts[bad_mask]
    bad = bad[~bad.index.duplicated(keep="first")]
    g = np.flatnonzero(ok)
    local = lambda v: pd.DatetimeIndex(v.view("datetime64[ns]")).tz_localize("UTC").tz_convert(tz)  # noqa: E731
    txt = np.asarray(local(s_ns[g]).strftime("%H:%M")) + "-" + np.asarray(local(e_ns[g]).strftime("%H:%M"))
    if default_name is None:
        txt = txt + " " + name[g].astype(str)
    items = pd.DataFrame({"row": rows[g], "start_ns": s_ns[g], "end_ns": e_ns[g],
                          "name": name[g].astype(str), "text": txt.astype(object)})
    return items, bad, np.unique(rows[unresolved])


def read_roster(path, *, tz: str = DEFAULT_TZ, contracts: Mapping | None = None) -> pd.DataFrame:
    """Read and validate a published roster (see the module docstring)."""
    return validate_roster(read_table(path), source=str(path), tz=tz, contracts=contracts)


def validate_roster(df: pd.DataFrame, *, source: str = "<dataframe>", tz: str = DEFAULT_TZ,
                    contracts: Mapping | None = None) -> pd.DataFrame:
    """Check a published roster and return its canonical form.

    ``contracts``: extra contract names allowed besides 5-on-2 and 1-on-1
    (a mapping name -> :class:`~wfm.kpi.terms.ContractTerms`). Columns and
    rules: module docstring.
    """
    T = Table(df, ROSTER, source, tz=tz)
    P = T.P
    T.require_rows("shifts")
    allowed = dict(CONTRACT_ALIASES)
    for k in (contracts or {}):  # the standard names keep their canonical spelling
        allowed.setdefault(k, k)
        allowed.setdefault(norm_name(k), k)
    names = tuple(dict.fromkeys(list(CONTRACTS) + list(contracts or {})))
    agent, a_missing = T.text("agent_id")
    codes = pd.factorize(agent)[0] if agent is not None else np.zeros(T.n, dtype=np.int64)

    # day-off rows: both shift times blank
    off = np.zeros(T.n, dtype=bool)
    if "shift_start" in T.cols and "shift_end" in T.cols:
        off = blank(T.col("shift_start")) & blank(T.col("shift_end"))
    contract = None
    cs = T.col("contract")
    if cs is not None:
        ct = as_text(cs).fillna("")
        uniq, inv = np.unique(ct.to_numpy(dtype=object).astype(str), return_inverse=True)
        canon = []
        for u in uniq:
            canon.append(allowed.get(u) or allowed.get(u.lower()) or allowed.get(norm_name(u))
                         or allowed.get(u.replace(" ", "")))
        contract = np.array([c or "" for c in canon], dtype=object)[inv]
        miss = ct.eq("").to_numpy(dtype=bool)
        P.add_rows(miss, "contract", lambda p: P.problem(p, "contract", "missing value",
                                                          "one of " + ", ".join(names)))
        P.add_rows((contract == "") & ~miss, "contract", lambda p: P.problem(
            p, "contract", f"unknown contract {ct.iloc[p]!r}", "one of " + ", ".join(names)))
        if agent is not None:
            known = (contract != "") & ~a_missing
            frame = pd.DataFrame({"a": codes, "c": contract})[known]
            first = frame.groupby("a", sort=False)["c"].transform("first")
            firstpos = frame.reset_index().groupby("a", sort=False)["index"].transform("first")
            differ = frame["c"] != first
            dpos = frame.index.to_numpy()[differ.to_numpy()]
            fp = dict(zip(frame.index.to_numpy(), firstpos.to_numpy(), strict=True))
            P.add_rows(dpos, "contract", lambda p: P.problem(
                p, "contract", f"agent {agent.iloc[p]!r} has contract {contract[p]!r} here but "
                f"{contract[fp[p]]!r} in row {int(P.rows[fp[p]])}", "one contract per agent"))

    # shift times (day-off rows are skipped)
    ss = T.col("shift_start")
    se = T.col("shift_end")
    start = end = None
    s_ok = e_ok = np.zeros(T.n, dtype=bool)
    if ss is not None and T.tz is not None:
        start, s_ok = T.times("shift_start", codes, required=False)
        P.add_rows(blank(ss) & ~off, "shift_start", lambda p: P.problem(
            p, "shift_start", "missing value (shift_end is given)", _ISO))
    if se is not None and T.tz is not None:
        end, e_ok = T.times("shift_end", codes, required=False)
        P.add_rows(blank(se) & ~off, "shift_end", lambda p: P.problem(
            p, "shift_end", "missing value (shift_start is given)", _ISO))
    both = s_ok & e_ok & ~off
    if start is not None and end is not None:
        length = end - start
        back = both & (length <= 0)
        P.add_rows(back, "shift_end", lambda p: P.problem(
            p, "shift_end", f"{fmt_local(end[p], T.tz)} is not after shift_start "
            f"{fmt_local(start[p], T.tz)}", "an end after the start"))
        long = both & (length > _DAY_NS)
        P.add_rows(long, "shift_end", lambda p: P.problem(
            p, "shift_end", f"the shift lasts {length[p] / 3.6e12:g} h", "at most 24 hours"))
        both &= ~(back | long)
        if agent is not None:
            report_overlaps(P, codes, start, end, both & ~a_missing, agent, "shift_start", T.tz,
                            what="shifts of one agent that do not overlap")
    # local date of the shift
    local_date = None
    if start is not None:
        st = np.where(both, start, 0)
        wall = local_wall_ns(st, T.tz)
        local_date = (wall - wall % _DAY_NS).view("datetime64[ns]")
        if "date" in T.cols:
            d, d_ok = T.dates("date", required=False)
            given = d.astype("datetime64[ns]")
            differ = both & d_ok & (given != local_date)
            P.add_rows(differ, "date", lambda p: P.problem(
                p, "date", f"{str(d[p])} is not the local date of shift_start "
                f"{fmt_local(start[p], T.tz)}", "the date on which the shift starts"))

    # sub-activities: meal, breaks, activities -> (row, start_ns, end_ns, name, column)
    subs = []
    if start is not None and end is not None:
        subs = _roster_subactivities(T, start, end, both)
    P.raise_if_any()

    keep = np.flatnonzero(both)
    order = keep[np.lexsort((start[keep], codes[keep]))]
    meal_s = np.full(T.n, NAT, dtype=np.int64)
    meal_e = np.full(T.n, NAT, dtype=np.int64)
    breaks_txt = np.full(T.n, "", dtype=object)
    acts_txt = np.full(T.n, "", dtype=object)
    if len(subs):
        sub = subs
        m = sub[sub["column"] == "meal"]
        meal_s[m["row"].to_numpy()] = m["start_ns"].to_numpy()
        meal_e[m["row"].to_numpy()] = m["end_ns"].to_numpy()
        for col, arr in (("breaks", breaks_txt), ("activities", acts_txt)):
            b = sub[sub["column"] == col].sort_values(["row", "start_ns"])
            if len(b):
                txt = b["text"].groupby(b["row"]).agg(";".join)
                arr[txt.index.to_numpy()] = txt.to_numpy()
    out = {
        "agent_id": agent.iloc[order].reset_index(drop=True).astype("str"),
        "contract": pd.Series(contract[order], dtype="str"),
        "date": pd.Series(local_date[order]),
        "shift_start": aware(start[order], T.tz),
        "shift_end": aware(end[order], T.tz),
        "meal_start": aware(meal_s[order], T.tz),
        "meal_end": aware(meal_e[order], T.tz),
        "breaks": pd.Series(breaks_txt[order], dtype="str"),
        "activities": pd.Series(acts_txt[order], dtype="str"),
    }
    team, _ = T.text("team", required=False)
    if team is not None:
        out["team"] = team.iloc[order].reset_index(drop=True)
    for name, s in T.extras().items():
        out[name] = s.iloc[order].reset_index(drop=True)
    result = pd.DataFrame(out)
    return result.sort_values(["agent_id", "shift_start"], kind="stable").reset_index(drop=True)


def _roster_subactivities(T: Table, start, end, both) -> pd.DataFrame:
    """Parse meal, breaks and activities; report problems; return one row per item."""
    P, tz = T.P, T.tz
    frames = []
    # meal
    ms, me = T.col("meal_start"), T.col("meal_end")
    if ms is not None or me is not None:
        if ms is None or me is None:
            P.add("meal_start" if ms is None else "meal_end", "missing column (the other meal column is given)",
                  "both meal_start and meal_end, or neither")
        else:
            bs, be = blank(ms), blank(me)
            P.add_rows(both & bs & ~be, "meal_start", lambda p: P.problem(
                p, "meal_start", "missing value (meal_end is given)", "both meal times or neither"))
            P.add_rows(both & be & ~bs, "meal_end", lambda p: P.problem(
                p, "meal_end", "missing value (meal_start is given)", "both meal times or neither"))
            has = both & ~bs & ~be
            s_ns, s_ok, _ = _meal_time(T, "meal_start", ms, start, has)
            e_ns, e_ok, e_clock = _meal_time(T, "meal_end", me, start, has)
            # a clock end at or before its start lies on the next day
            fix = has & s_ok & e_ok & e_clock & (e_ns <= s_ns)
            e_ns = np.where(fix, e_ns + _DAY_NS, e_ns)
            ok = has & s_ok & e_ok
            rows = np.flatnonzero(ok)
            frames.append(pd.DataFrame({"row": rows, "start_ns": s_ns[rows], "end_ns": e_ns[rows],
                                        "name": "meal", "column": "meal", "text": ""}))
    for col, default in (("breaks", "break"), ("activities", None)):
        s = T.col(col)
        if s is None:
            continue
        items, bad, unres = parse_items(as_text(s.astype("str") if s.dtype == object else s),
                                        np.where(both, start, 0), tz, default_name=default)
        badpos = bad.index.to_numpy(dtype=np.int64)
        badpos = badpos[both[badpos]]
        expected = T.meaning(col)
        P.add_rows(badpos, col, lambda p, bad=bad, col=col, expected=expected: P.problem(
            p, col, f"cannot read {bad.loc[p].strip()!r}", expected))
        unres = unres[both[unres]]
        P.add_rows(unres, col, lambda p, col=col: P.problem(
            p, col, f"a clock time does not exist or is ambiguous in {tz}",
            "unambiguous local times, or ISO 8601 start/end with offsets"))
        if len(items):
            items = items[both[items["row"].to_numpy()]]
            frames.append(pd.DataFrame({"row": items["row"].to_numpy(), "start_ns": items["start_ns"].to_numpy(),
                                        "end_ns": items["end_ns"].to_numpy(), "name": items["name"].to_numpy(),
                                        "column": col, "text": items["text"].to_numpy()}))
    if not frames:
        return pd.DataFrame()
    sub = pd.concat(frames, ignore_index=True)
    if not len(sub):
        return sub
    r = sub["row"].to_numpy()
    outside = (sub["start_ns"].to_numpy() < start[r]) | (sub["end_ns"].to_numpy() > end[r])
    zero = sub["end_ns"].to_numpy() <= sub["start_ns"].to_numpy()
    for k in np.flatnonzero(outside | zero):
        row = int(r[k])
        col = sub["column"].iat[k]
        what = f"{sub['name'].iat[k]} {_clock(sub['start_ns'].iat[k], tz)}-{_clock(sub['end_ns'].iat[k], tz)}"
        if zero[k]:
            P.add_rows(np.array([row]), "meal_end" if col == "meal" else col, lambda p, w=what, c=col: P.problem(
                p, "meal_end" if c == "meal" else c, f"{w} has no length", "an end after the start"))
        else:
            P.add_rows(np.array([row]), "meal_start" if col == "meal" else col, lambda p, w=what, c=col: P.problem(
                p, "meal_start" if c == "meal" else c,
                f"{w} is outside the shift {_clock(start[p], tz)}-{_clock(end[p], tz)}",
                "meal, breaks and activities inside the shift"))
    sub = sub[~(outside | zero)]
    sub = sub.sort_values(["row", "start_ns"], kind="stable").reset_index(drop=True)
    same = np.zeros(len(sub), dtype=bool)
    rr = sub["row"].to_numpy()
    same[1:] = rr[1:] == rr[:-1]
    run_end = pd.Series(sub["end_ns"].to_numpy()).groupby(rr).cummax().to_numpy()
    prev_run = np.r_[NAT, run_end[:-1]]
    ov = same & (sub["start_ns"].to_numpy() < prev_run)
    for k in np.flatnonzero(ov):
        row = int(rr[k])
        col = sub["column"].iat[k]
        col = "meal_start" if col == "meal" else col
        w = f"{sub['name'].iat[k]} {_clock(sub['start_ns'].iat[k], tz)}-{_clock(sub['end_ns'].iat[k], tz)}"
        j = k - 1
        o = f"{sub['name'].iat[j]} {_clock(sub['start_ns'].iat[j], tz)}-{_clock(sub['end_ns'].iat[j], tz)}"
        P.add_rows(np.array([row]), col, lambda p, w=w, o=o, c=col: P.problem(
            p, c, f"{w} overlaps {o}", "meal, breaks and activities that do not overlap"))
    return sub[~ov].reset_index(drop=True)


def _clock(ns, tz) -> str:
    return pd.Timestamp(int(ns), tz="UTC").tz_convert(tz).strftime("%H:%M")


def _meal_time(T: Table, name: str, s: pd.Series, shift_start: np.ndarray, has: np.ndarray):
    """Meal time: ISO timestamp, or a HH:MM clock resolved within the shift.
    Returns ``(utc_ns, ok, is_clock)``."""
    P, tz = T.P, T.tz
    n = len(s)
    out = np.full(n, NAT, dtype=np.int64)
    ok = np.zeros(n, dtype=bool)

    def nonexistent(rows: np.ndarray, text):
        P.add_rows(rows, name, lambda p: P.problem(
            p, name, f"{text(p)} does not exist in {tz} (the clocks skip it when daylight saving time "
            "starts)", "an existing local time, or a UTC offset such as +01:00"))

    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        r = timestamps(s, tz)
        good = has & r.ok
        out[good] = r.utc_ns[good]
        ok |= good
        P.add_rows(has & ~r.ok & ~r.nonexistent, name, lambda p: P.problem(
            p, name, "not a valid time", T.meaning(name)))
        nonexistent(has & r.nonexistent, lambda p: repr(str(s.iloc[p])))
        return out, ok, np.zeros(n, dtype=bool)
    t = as_text(s.astype("str") if s.dtype == object else s).fillna("")
    minutes, is_clock, valid = clock_minutes(t, stripped=True)
    if (has & is_clock).any():
        pos = np.flatnonzero(has & is_clock)
        m = minutes[pos]
        s_ns, _, rok = resolve_clock_times(shift_start[pos], m % 1440, (m + 1) % 1440, tz)
        good = valid[pos] & rok
        out[pos[good]] = s_ns[good]
        ok[pos[good]] = True
        P.add_rows(pos[~valid[pos]], name, lambda p: P.problem(
            p, name, f"{t.iloc[p]!r} is not a valid clock time", T.meaning(name)))
        P.add_rows(pos[valid[pos] & ~rok], name, lambda p: P.problem(
            p, name, f"{t.iloc[p]!r} does not exist or is ambiguous in {tz} on that day",
            "unambiguous local times, or ISO 8601 times with offsets"))
    iso = has & ~is_clock
    if iso.any():
        pos = np.flatnonzero(iso)
        r = timestamps(s.iloc[pos].reset_index(drop=True), tz)
        out[pos[r.ok]] = r.utc_ns[r.ok]
        ok[pos[r.ok]] = True
        P.add_rows(pos[~r.ok & ~r.nonexistent], name, lambda p: P.problem(
            p, name, f"{t.iloc[p]!r} is not a valid timestamp or clock time", T.meaning(name)))
        nonexistent(pos[r.nonexistent], lambda p: repr(t.iloc[p]))
    return out, ok, is_clock
