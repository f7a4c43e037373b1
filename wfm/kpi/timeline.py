"""The agent timeline: the state log laid over the published schedule.

Every time-based agent KPI (adherence, conformance, utilisation, occupancy,
not-ready ratio, shrinkage, pay hours) is a sum over the *pieces* of this
timeline, so it is built once, vectorised, and documented here.

:func:`schedule_segments` turns the canonical roster into scheduled
activities (``work``, ``meal``, ``break``, ``meeting``, ``training``):
``work`` is the shift time not covered by meal, breaks and activities.

:func:`build_timeline` cuts each agent's time at every boundary of a state,
of a scheduled activity and at every local midnight, and keeps the pieces
covered by a state or by the schedule. A piece therefore has one actual
state and one scheduled activity throughout, and lies within one local
calendar day. Time not covered by the state log is ``logged_out``; time
outside every shift has activity ``off``. Times are handled at millisecond
resolution (sub-millisecond parts are truncated).

Timeline columns
----------------
==============  ==========================  =================================
column          dtype                       meaning
==============  ==========================  =================================
``agent_id``    category                    agent
``team``        category (only if known)    from the roster, else the log
                                            ("" for an agent without one)
``start``       datetime64[ns, tz]          piece start
``end``         datetime64[ns, tz]          piece end
``seconds``     float64                     end - start, seconds
``state``       category (STATES)           actual state
``activity``    category (ACTIVITIES+off)   scheduled activity
``shift_id``    int64                       row of the roster, -1 off shift
``shift_date``  datetime64[ns] (naive)      the roster date, NaT off shift
``date``        datetime64[ns] (naive)      local calendar date of the piece
``work_date``   datetime64[ns] (naive)      shift_date on shift, else date
==============  ==========================  =================================

Sorted by agent and start; pieces of one agent never overlap.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from wfm.kpi.terms import ACTIVITIES, STATES
from wfm.roster.table import Roster, as_roster

__all__ = ["ACTIVITY_CODES", "schedule_segments", "build_timeline", "roster_coverage"]

#: Activity categories of the timeline (``off`` = outside every shift).
ACTIVITY_CODES = ACTIVITIES + ("off",)
_NS_PER_MS = 1_000_000
_NAT = np.iinfo(np.int64).min


def _ns(s: pd.Series) -> np.ndarray:
    """tz-aware datetime Series -> int64 UTC ns (NaT -> int64 min)."""
    return pd.DatetimeIndex(s).as_unit("ns").asi8


def _tz_of(s: pd.Series) -> str:
    tz = getattr(s.dtype, "tz", None)
    if tz is None:
        raise TypeError("expected a tz-aware datetime column (use the validate_* functions first)")
    return str(tz)


def schedule_segments(roster) -> pd.DataFrame:
    """Scheduled activities of a roster, one row per segment.

    Parameters
    ----------
    roster:
        A :class:`wfm.roster.table.Roster` (or a roster table, read with
        :func:`wfm.roster.table.as_roster`).

    Returns
    -------
    DataFrame with ``agent_id``, ``shift_id`` (roster row position),
    ``date`` (shift date), ``activity`` (one of ACTIVITIES), ``start``,
    ``end`` (tz-aware), sorted by agent and start. Meal, breaks and
    activities come from the roster's segments; ``work`` fills the rest of
    the shift.
    """
    roster = as_roster(roster)
    shifts = roster.shifts
    tz = roster.tz
    n = len(shifts)
    s0 = _ns(shifts["shift_start"])
    e0 = _ns(shifts["shift_end"])
    seg = roster.segments
    sub = pd.DataFrame({"shift_id": seg["shift_id"].to_numpy(dtype=np.int64), "activity": seg["activity"].to_numpy(),
                        "s": _ns(seg["start"]), "e": _ns(seg["end"])})
    sub = sub.sort_values(["shift_id", "s"], kind="stable")
    sid = sub["shift_id"].to_numpy(dtype=np.int64)
    ss = sub["s"].to_numpy(dtype=np.int64)
    se = sub["e"].to_numpy(dtype=np.int64)
    # work gaps: from the shift start (or the previous item's end) to the next item's start
    first = np.ones(len(sid), dtype=bool)
    first[1:] = sid[1:] != sid[:-1]
    prev_end = np.empty(len(sid), dtype=np.int64)
    if len(sid):
        prev_end[1:] = se[:-1]
        prev_end[first] = s0[sid[first]]
    gap_s, gap_e, gap_id = prev_end, ss, sid
    last = np.ones(len(sid), dtype=bool)
    last[:-1] = sid[:-1] != sid[1:]
    tail_s, tail_e, tail_id = se[last], e0[sid[last]], sid[last]
    no_items = np.setdiff1d(np.arange(n), sid)
    work = pd.DataFrame({
        "shift_id": np.concatenate([gap_id, tail_id, no_items]),
        "activity": "work",
        "s": np.concatenate([gap_s, tail_s, s0[no_items]]),
        "e": np.concatenate([gap_e, tail_e, e0[no_items]]),
    })
    work = work[work["e"] > work["s"]]
    seg = pd.concat([sub, work], ignore_index=True)
    sid = seg["shift_id"].to_numpy(dtype=np.int64)
    out = pd.DataFrame({
        "agent_id": shifts["agent_id"].to_numpy()[sid],
        "shift_id": sid,
        "date": shifts["date"].to_numpy()[sid],
        "activity": pd.Categorical(seg["activity"].to_numpy(), categories=ACTIVITIES),
        "start": pd.DatetimeIndex(seg["s"].to_numpy().view("datetime64[ns]")).tz_localize("UTC").tz_convert(tz),
        "end": pd.DatetimeIndex(seg["e"].to_numpy().view("datetime64[ns]")).tz_localize("UTC").tz_convert(tz),
    })
    out["agent_id"] = out["agent_id"].astype("str")
    return out.sort_values(["agent_id", "start"], kind="stable").reset_index(drop=True)


def build_timeline(state_log: pd.DataFrame | None, roster=None) -> pd.DataFrame:
    """Lay the state log over the schedule (see the module docstring).

    Parameters
    ----------
    state_log:
        Output of :func:`wfm.kpi.inputs.validate_state_log`, or None (then
        every scheduled piece is ``logged_out``).
    roster:
        A :class:`wfm.roster.table.Roster` (or a roster table), or None
        (then every piece is ``off``).

    Agents in only one of the two tables are kept: an agent with no
    schedule has only ``off`` pieces (its scheduled time is 0), an agent
    with no log is ``logged_out`` throughout its shifts.
    """
    if state_log is None and roster is None:
        raise ValueError("build_timeline needs a state log, a roster or both")
    if roster is not None:
        roster = as_roster(roster, tz=_tz_of(state_log["start"]) if state_log is not None else None)
    tz = _tz_of(state_log["start"]) if state_log is not None else roster.tz
    seg = schedule_segments(roster) if roster is not None and len(roster) else None
    names = []
    if state_log is not None:
        names.append(pd.unique(state_log["agent_id"].astype("str")))
    if seg is not None:
        names.append(pd.unique(seg["agent_id"].astype("str")))
    agents = np.sort(np.unique(np.concatenate([np.asarray(x, dtype=object) for x in names]).astype(str))) \
        if names else np.array([], dtype=str)

    # -- arrays in ms, relative; compound keys agent * M + t
    def to_ms(s):
        return _ns(s) // _NS_PER_MS

    def codes_of(col):
        return pd.Categorical(col.astype("str"), categories=agents).codes.astype(np.int64)

    if state_log is not None and len(state_log):
        st_a = codes_of(state_log["agent_id"])
        st_s, st_e = to_ms(state_log["start"]), to_ms(state_log["end"])
        st_c = pd.Categorical(state_log["state"], categories=STATES).codes.astype(np.int8)
        keep = st_e > st_s
        st_a, st_s, st_e, st_c = st_a[keep], st_s[keep], st_e[keep], st_c[keep]
    else:
        st_a = st_s = st_e = np.zeros(0, dtype=np.int64)
        st_c = np.zeros(0, dtype=np.int8)
    if seg is not None:
        sc_a = codes_of(seg["agent_id"])
        sc_s, sc_e = to_ms(seg["start"]), to_ms(seg["end"])
        sc_c = seg["activity"].cat.codes.to_numpy().astype(np.int8)
        sc_id = seg["shift_id"].to_numpy(dtype=np.int64)
        keep = sc_e > sc_s
        sc_a, sc_s, sc_e, sc_c, sc_id = sc_a[keep], sc_s[keep], sc_e[keep], sc_c[keep], sc_id[keep]
    else:
        sc_a = sc_s = sc_e = sc_id = np.zeros(0, dtype=np.int64)
        sc_c = np.zeros(0, dtype=np.int8)
    if len(st_s) + len(sc_s) == 0:
        return _empty_timeline(tz, agents)
    t_min = min(int(x.min()) for x in (st_s, sc_s) if len(x))
    t_max = max(int(x.max()) for x in (st_e, sc_e) if len(x))
    t0 = t_min - 1
    # local midnights covering the data
    lo = pd.Timestamp(t_min * _NS_PER_MS, tz="UTC").tz_convert(tz).normalize() - pd.Timedelta(days=1)
    hi = pd.Timestamp(t_max * _NS_PER_MS, tz="UTC").tz_convert(tz).normalize() + pd.Timedelta(days=2)
    days = pd.date_range(lo.tz_localize(None), hi.tz_localize(None), freq="D")
    mid_ns = days.tz_localize(tz, ambiguous=True, nonexistent="shift_forward").as_unit("ns").asi8
    mid = mid_ns // _NS_PER_MS - t0
    M = int(max(t_max - t0, mid.max())) + 2
    if len(agents) * M >= 2**62:
        raise ValueError("time span too long for the timeline keys; split the period")

    def key(a, t):
        out = a.astype(np.int64)
        out *= M
        out += t
        out -= t0
        return out

    # agents' spans (for the midnights), then the compound keys; inputs freed as we go
    t_lo = np.full(len(agents), np.iinfo(np.int64).max)
    t_hi = np.full(len(agents), np.iinfo(np.int64).min)
    for a_, s_, e_ in ((st_a, st_s, st_e), (sc_a, sc_s, sc_e)):
        if len(a_):
            np.minimum.at(t_lo, a_, s_ - t0)
            np.maximum.at(t_hi, a_, e_ - t0)
    st_ks, st_ke = key(st_a, st_s), key(st_a, st_e)
    del st_s, st_e, st_a
    if len(st_ks) and np.any(st_ks[1:] < st_ks[:-1]):
        o = np.argsort(st_ks, kind="stable")
        st_ks, st_ke, st_c = st_ks[o], st_ke[o], st_c[o]
        del o
    sc_ks, sc_ke = key(sc_a, sc_s), key(sc_a, sc_e)
    o = np.argsort(sc_ks, kind="stable")
    sc_ks, sc_ke, sc_c, sc_id = sc_ks[o], sc_ke[o], sc_c[o], sc_id[o]
    # midnights inside each agent's span
    present = t_hi >= t_lo
    i_lo = np.searchsorted(mid, t_lo, "right")
    i_hi = np.searchsorted(mid, t_hi, "left")
    cnt = np.where(present, np.maximum(i_hi - i_lo, 0), 0)
    rep_a = np.repeat(np.arange(len(agents), dtype=np.int64), cnt)
    offs = np.arange(cnt.sum()) - np.repeat(np.cumsum(cnt) - cnt, cnt)
    mid_k = rep_a * M + mid[np.repeat(i_lo, cnt) + offs]
    del rep_a, offs

    # every boundary once; the parts are sorted runs, which a stable sort merges fast
    B = np.concatenate([st_ks, st_ke, sc_ks, sc_ke, mid_k])
    B.sort(kind="stable")
    if len(B):
        B = B[np.r_[True, B[1:] != B[:-1]]]
    left = B[:-1]
    a_left = left // M
    keep = a_left == B[1:] // M  # consecutive boundaries of one agent
    j = np.searchsorted(st_ks, left, "right") - 1
    np.clip(j, 0, None, out=j)
    in_st = (st_ke[j] > left) & (st_ks[j] <= left) if len(st_ks) else np.zeros(len(left), dtype=bool)
    logged_out = STATES.index("logged_out")
    st_code = np.where(in_st, st_c[j] if len(st_c) else logged_out, logged_out).astype(np.int8)
    del j, in_st, st_ks, st_ke, st_c
    k = np.searchsorted(sc_ks, left, "right") - 1
    np.clip(k, 0, None, out=k)
    in_sc = (sc_ke[k] > left) & (sc_ks[k] <= left) if len(sc_ks) else np.zeros(len(left), dtype=bool)
    keep &= in_sc | (st_code != logged_out)
    idx = np.flatnonzero(keep)
    del keep
    right = B[1:][idx]
    left = left[idx]
    a_left = a_left[idx]
    st_code = st_code[idx]
    in_sc = in_sc[idx]
    k = k[idx]
    del B, idx
    off = len(ACTIVITY_CODES) - 1
    act = np.where(in_sc, sc_c[k] if len(sc_c) else off, off).astype(np.int8)
    shift_id = np.where(in_sc, sc_id[k] if len(sc_id) else -1, -1).astype(np.int64)
    del k, in_sc
    base = a_left * M
    rel = left - base
    seconds = (right - left).astype(np.float64) / 1000.0
    del left
    s_ns = (rel + t0) * _NS_PER_MS
    e_ns = (right - base + t0) * _NS_PER_MS
    del right, base
    day_i = np.searchsorted(mid, rel, "right") - 1
    del rel
    date = days.to_numpy().astype("datetime64[ns]")[day_i]
    del day_i
    if roster is not None and len(roster):
        rdates = roster.shifts["date"].to_numpy().astype("datetime64[ns]")
        shift_date = rdates[np.clip(shift_id, 0, None)]
        shift_date[shift_id < 0] = np.datetime64("NaT")
    else:
        shift_date = np.full(len(s_ns), np.datetime64("NaT"), dtype="datetime64[ns]")
    work_date = np.where(shift_id >= 0, shift_date, date)
    out = {
        "agent_id": pd.Categorical.from_codes(a_left, categories=agents),
        "start": pd.DatetimeIndex(s_ns.view("datetime64[ns]")).tz_localize("UTC").tz_convert(tz),
        "end": pd.DatetimeIndex(e_ns.view("datetime64[ns]")).tz_localize("UTC").tz_convert(tz),
        "seconds": seconds,
        "state": pd.Categorical.from_codes(st_code, categories=STATES),
        "activity": pd.Categorical.from_codes(act, categories=ACTIVITY_CODES),
        "shift_id": shift_id,
        "shift_date": shift_date,
        "date": date,
        "work_date": work_date,
    }
    tl = pd.DataFrame(out, copy=False)
    team = _team_of(agents, state_log, None if roster is None else roster.shifts)
    if team is not None:
        names, codes = np.unique(team.astype(str), return_inverse=True)
        tl.insert(1, "team", pd.Categorical.from_codes(codes[a_left], categories=names))
    return tl


def _team_of(agents, state_log, roster):
    teams = {}
    for df in (state_log, roster):  # the roster wins
        if df is not None and "team" in df:
            t = df[["agent_id", "team"]].drop_duplicates("agent_id", keep="first")
            teams.update(dict(zip(t["agent_id"].astype("str"), t["team"].astype("str"), strict=True)))
    if not teams:
        return None
    return np.array([teams.get(a, "") for a in agents], dtype=object)


def _empty_timeline(tz, agents) -> pd.DataFrame:
    return pd.DataFrame({
        "agent_id": pd.Categorical([], categories=agents),
        "start": pd.DatetimeIndex([], dtype=f"datetime64[ns, {tz}]"),
        "end": pd.DatetimeIndex([], dtype=f"datetime64[ns, {tz}]"),
        "seconds": np.zeros(0),
        "state": pd.Categorical([], categories=STATES),
        "activity": pd.Categorical([], categories=ACTIVITY_CODES),
        "shift_id": np.zeros(0, dtype=np.int64),
        "shift_date": np.zeros(0, dtype="datetime64[ns]"),
        "date": np.zeros(0, dtype="datetime64[ns]"),
        "work_date": np.zeros(0, dtype="datetime64[ns]"),
    })


def roster_coverage(roster, interval_start: pd.Series, interval_min: int | pd.Series,
                    *, activity: str = "work") -> np.ndarray:
    """Agents scheduled in ``activity`` (default on the phones) per interval.

    Parameters
    ----------
    roster: a :class:`wfm.roster.table.Roster` (or a roster table).
    interval_start: tz-aware interval starts (any order, duplicates allowed).
    interval_min: interval length(s) in minutes.

    Returns
    -------
    float array: the time-average number of agents in the activity over each
    interval, ``integral of N(t) dt / interval length`` (a 15-minute break
    in a 30-minute interval takes half an agent off); for ``work`` this is
    :meth:`wfm.roster.table.Roster.on_phone_agents`, for another activity
    the same integral over its segments.
    """
    roster = as_roster(roster)
    if activity == "work":
        return roster.on_phone_agents(interval_start, interval_min)
    seg = roster.segments[roster.segments["activity"] == activity]
    # the activity's segments as shifts of their own: the same exact integral
    only = Roster(pd.DataFrame({"shift_start": seg["start"].to_numpy(), "shift_end": seg["end"].to_numpy()}),
                  roster.segments.iloc[0:0], roster.tz)
    return only.on_phone_agents(interval_start, interval_min)
