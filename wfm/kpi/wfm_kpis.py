"""Workforce-management KPIs: the planner's own measures (DOMAIN.md sections 1-2).

Agent KPIs take the *timeline* of :func:`wfm.kpi.timeline.build_timeline`
(the state log laid over the published roster); queue KPIs take the actual
interval results of :func:`wfm.kpi.inputs.validate_results`; accuracy KPIs
take forecast snapshots (:func:`wfm.kpi.inputs.validate_forecasts`) and the
roster as well. Every ratio is a fraction (0.93 = 93 %); times are seconds;
a ratio whose denominator is 0 is NaN.

Grouping: ``by`` names timeline columns, usually ``("agent_id",)``,
``("team",)``, ``("agent_id", "work_date")`` (per agent and day: a night
shift counts on the day it starts) or ``()`` for the whole centre.

Formulas (source: DOMAIN.md; "x_s" is time in state x)
------------------------------------------------------------------
============================  ===============================================
schedule adherence            time in the scheduled activity / scheduled time
                              (section 2; time-based, see :func:`adherence`)
share of agents adhering      agents with adherence >= threshold / agents with
                              scheduled time (section 2, target >= 99 %)
conformance                   logged-in time / scheduled time
utilisation (productivity)    (available + talk + hold + acw) / logged-in
                              time (or / scheduled paid time) (>= 70 %)
occupancy                     (talk + hold + acw) / (talk + hold + acw +
                              available)
not-ready + break ratio       (not_ready + break) / logged-in time (< 6 %)
shrinkage by category         time in each non-productive state during
                              scheduled time / scheduled time
service level                 answered within T / offered (section 1; other
                              bases selectable, see :func:`service_kpis`)
ASA                           answer wait of answered calls / answered
abandon rate                  abandoned / offered (<= 5 %)
AHT, ATT, ACW                 (talk + hold + ACW), talk, ACW seconds / handled
forecast accuracy             1 - sum |F - A| / sum A over the periods of a
                              level (interval, day, week), floored at 0
staffing forecast accuracy    the same with agent-hours required from the
                              forecast vs from the actual traffic
schedule forecast accuracy    the same with rostered on-phone agent-hours vs
                              agent-hours the actual traffic required
============================  ===============================================
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from wfm.errors import InputError, Problem
from wfm.kpi.terms import (
    ADHERENCE_MATCH,
    HANDLING_STATES,
    LOGGED_IN_STATES,
    PRODUCTIVE_STATES,
    STATES,
)
from wfm.kpi.timeline import ACTIVITY_CODES, roster_coverage
from wfm.roster.table import as_roster

__all__ = [
    "time_in_states",
    "adherence",
    "share_adhering",
    "conformance",
    "utilisation",
    "occupancy",
    "not_ready_break_ratio",
    "shrinkage",
    "attendance_events",
    "agent_kpis",
    "service_kpis",
    "select_snapshot",
    "forecast_accuracy",
    "summarise_accuracy",
    "required_from_actual",
    "staffing_forecast_accuracy",
    "schedule_forecast_accuracy",
    "period_key",
]

_S = {s: i for i, s in enumerate(STATES)}
_A = {a: i for i, a in enumerate(ACTIVITY_CODES)}
_OFF = _A["off"]


def _ratio(num, den):
    num = np.asarray(num, dtype=float)
    den = np.asarray(den, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)


def _groups(tl: pd.DataFrame, by: Iterable[str]) -> tuple[np.ndarray, pd.DataFrame]:
    """Group codes (one per piece) and the key frame (one row per group)."""
    by = list(by)
    missing = [c for c in by if c not in tl.columns]
    if missing:
        raise ValueError(f"cannot group by {missing}: the timeline has {list(tl.columns)}")
    if not by:
        return np.zeros(len(tl), dtype=np.int64), pd.DataFrame(index=[0])
    g = tl.groupby(by, sort=True, observed=True, dropna=False)
    codes = g.ngroup().to_numpy()
    keys = g.size().reset_index()[by]
    return codes, keys



def _timeline_arrays(timeline: pd.DataFrame, by):
    """Group codes and keys, piece seconds, state and activity codes, and
    whether each piece lies in scheduled time: what every timeline KPI sums."""
    codes, keys = _groups(timeline, by)
    sec = timeline["seconds"].to_numpy(dtype=float)
    st = timeline["state"].cat.codes.to_numpy().astype(np.int64)
    act = timeline["activity"].cat.codes.to_numpy().astype(np.int64)
    return codes, keys, sec, st, act, act != _OFF

def time_in_states(timeline: pd.DataFrame, by: Iterable[str] = ("agent_id",)) -> pd.DataFrame:
    """Seconds per state, in and out of schedule, per group.

    Returns the group keys plus, in seconds: ``scheduled_s`` (shift time),
    ``logged_in_s`` (every state but logged_out), ``<state>_s`` for each
    state of :data:`~wfm.kpi.terms.STATES` over all time (logged_out only
    counts inside shifts: outside them it is not measured), and
    ``sched_<state>_s``: the same inside scheduled time only; also
    ``scheduled_<activity>_s`` for each scheduled activity.
    """
    codes, keys, sec, st, act, on = _timeline_arrays(timeline, by)
    n_g = len(keys)
    ns = len(STATES)
    tot = np.bincount(codes * ns + st, weights=sec, minlength=n_g * ns).reshape(n_g, ns)
    ins = np.bincount((codes * ns + st)[on], weights=sec[on], minlength=n_g * ns).reshape(n_g, ns)
    na = len(ACTIVITY_CODES)
    sch = np.bincount(codes * na + act, weights=sec, minlength=n_g * na).reshape(n_g, na)
    out = keys.reset_index(drop=True).copy()
    out["scheduled_s"] = sch[:, :_OFF].sum(axis=1)
    out["logged_in_s"] = tot[:, [_S[s] for s in LOGGED_IN_STATES]].sum(axis=1)
    for s in STATES:
        out[f"{s}_s"] = tot[:, _S[s]]
    for s in STATES:
        out[f"sched_{s}_s"] = ins[:, _S[s]]
    for a in ACTIVITY_CODES[:-1]:
        out[f"scheduled_{a}_s"] = sch[:, _A[a]]
    return out


def _match_matrix(match: Mapping[str, Iterable[str]]) -> np.ndarray:
    m = np.zeros((len(ACTIVITY_CODES), len(STATES)), dtype=bool)
    for act, states in match.items():
        for s in states:
            m[_A[act], _S[s]] = True
    return m


def adherence(timeline: pd.DataFrame, *, tolerance_min: float = 0.0,
              by: Iterable[str] = ("agent_id",),
              match: Mapping[str, Iterable[str]] = ADHERENCE_MATCH) -> pd.DataFrame:
    """Time-based schedule adherence (DOMAIN.md section 2).

    ``adherence = adherent_s / scheduled_s`` where ``scheduled_s`` is the
    shift time and ``adherent_s`` the part of it in which the agent's state
    matches the scheduled activity (``match``: ``work`` -> available, talk,
    hold or acw; ``meal`` -> meal; ``break`` -> break; ``meeting`` ->
    meeting; ``training`` -> training). Time not in the log is logged_out,
    which matches nothing.

    Tolerance: an *episode* out of adherence (a contiguous stretch of
    scheduled time in which the state does not match, possibly across
    activity changes and midnight) lasting at most ``tolerance_min``
    minutes is forgiven: counted as adherent. A 3-minute late return from a
    break is forgiven with a 5-minute tolerance; a 6-minute one is not (all
    6 minutes count against). The tolerance applies per episode, not per
    shift total.

    Returns the group keys plus ``scheduled_s``, ``adherent_s`` (after
    tolerance), ``out_of_adherence_s`` (= scheduled - adherent),
    ``raw_adherent_s`` (before tolerance) and ``adherence`` (NaN for a
    group with no scheduled time, e.g. an agent with no schedule).
    """
    if tolerance_min < 0:
        raise ValueError("tolerance_min must be >= 0")
    codes, keys, sec, st, act, on = _timeline_arrays(timeline, by)
    n_g = len(keys)
    ok = _match_matrix(match)[act, st]
    bad = on & ~ok
    forgiven = np.zeros(len(sec), dtype=bool)
    if tolerance_min > 0 and bad.any():
        # episodes: runs of consecutive bad pieces of one agent that touch in time
        idx = np.flatnonzero(bad)
        agent = timeline["agent_id"].cat.codes.to_numpy()[idx]
        s_ns = pd.DatetimeIndex(timeline["start"]).as_unit("ns").asi8[idx]
        e_ns = pd.DatetimeIndex(timeline["end"]).as_unit("ns").asi8[idx]
        new = np.ones(len(idx), dtype=bool)
        new[1:] = (agent[1:] != agent[:-1]) | (s_ns[1:] != e_ns[:-1])
        run = np.cumsum(new) - 1
        run_len = np.bincount(run, weights=sec[idx])
        forgiven[idx] = run_len[run] <= tolerance_min * 60.0 + 1e-9
    good = on & (ok | forgiven)
    scheduled = np.bincount(codes[on], weights=sec[on], minlength=n_g)
    raw = np.bincount(codes[on & ok], weights=sec[on & ok], minlength=n_g)
    adh = np.bincount(codes[good], weights=sec[good], minlength=n_g)
    out = keys.reset_index(drop=True).copy()
    out["scheduled_s"] = scheduled
    out["adherent_s"] = adh
    out["out_of_adherence_s"] = scheduled - adh
    out["raw_adherent_s"] = raw
    out["adherence"] = _ratio(adh, scheduled)
    return out


def share_adhering(adherence_table: pd.DataFrame, *, threshold: float = 0.95,
                   by: Iterable[str] = ()) -> pd.DataFrame:
    """Share of agents who kept to their schedule (DOMAIN.md section 2, target >= 99 %).

    ``adherence_table``: output of :func:`adherence` with one row per agent
    (``by=("agent_id",)`` or ``("agent_id", "team")``). An agent keeps to
    the schedule when its adherence (after tolerance) is at least
    ``threshold`` (the source gives no per-agent threshold: 0.95 is the
    product's default). Agents without scheduled time are not counted.

    Returns the ``by`` keys plus ``agents`` (with scheduled time),
    ``adhering`` and ``share_adhering``.
    """
    t = adherence_table[adherence_table["scheduled_s"] > 0]
    flag = (t["adherence"] >= threshold - 1e-12).astype(int)
    by = list(by)
    if by:
        g = t.assign(_f=flag).groupby(by, sort=True, observed=True)
        out = g.agg(agents=("_f", "size"), adhering=("_f", "sum")).reset_index()
    else:
        out = pd.DataFrame({"agents": [len(t)], "adhering": [int(flag.sum())]})
    out["share_adhering"] = _ratio(out["adhering"], out["agents"])
    return out


def conformance(timeline: pd.DataFrame, *, by: Iterable[str] = ("agent_id",)) -> pd.DataFrame:
    """Conformance: logged-in time / scheduled time, whenever it was worked.

    Unlike adherence it ignores *when*: logging in an hour late and staying
    an hour longer gives 100 %. Overtime makes it exceed 1. Returns keys,
    ``scheduled_s``, ``logged_in_s``, ``conformance``.
    """
    t = time_in_states(timeline, by)
    out = t[list(by) + ["scheduled_s", "logged_in_s"]].copy() if list(by) else \
        t[["scheduled_s", "logged_in_s"]].copy()
    out["conformance"] = _ratio(t["logged_in_s"], t["scheduled_s"])
    return out


def _keys(t, by):
    return t[list(by)].copy() if list(by) else pd.DataFrame(index=t.index)


def utilisation(timeline: pd.DataFrame, *, by: Iterable[str] = ("agent_id",),
                denominator: str = "logged_in") -> pd.DataFrame:
    """Productivity / utilisation (DOMAIN.md section 2, target >= 70 %).

    ``(available + talk + hold + acw) / logged-in time`` (``denominator=
    "logged_in"``, the default) or ``/ scheduled (paid) time``
    (``"scheduled"``); the source allows either ("logged-in or paid
    time"). Returns keys, ``productive_s``, the denominator and
    ``utilisation``.
    """
    if denominator not in ("logged_in", "scheduled"):
        raise ValueError("denominator must be 'logged_in' or 'scheduled'")
    t = time_in_states(timeline, by)
    out = _keys(t, by)
    out["productive_s"] = t[[f"{s}_s" for s in PRODUCTIVE_STATES]].sum(axis=1)
    den = f"{denominator}_s"
    out[den] = t[den]
    out["utilisation"] = _ratio(out["productive_s"], out[den])
    return out


def occupancy(timeline: pd.DataFrame, *, by: Iterable[str] = ("agent_id",)) -> pd.DataFrame:
    """Occupancy: handling time / (handling + available), handling = talk + hold + acw."""
    t = time_in_states(timeline, by)
    out = _keys(t, by)
    out["handling_s"] = t[[f"{s}_s" for s in HANDLING_STATES]].sum(axis=1)
    out["available_s"] = t["available_s"]
    out["occupancy"] = _ratio(out["handling_s"], out["handling_s"] + out["available_s"])
    return out


def not_ready_break_ratio(timeline: pd.DataFrame, *, by: Iterable[str] = ("agent_id",)) -> pd.DataFrame:
    """Not-ready + break ratio (DOMAIN.md section 2, target < 6 %).

    ``(not_ready + break) / logged-in time``. Meals are not counted (the
    source names "示忙和休息": shown-busy and rest). Returns keys,
    ``not_ready_s``, ``break_s``, ``logged_in_s``, ``not_ready_break_ratio``.
    """
    t = time_in_states(timeline, by)
    out = _keys(t, by)
    out["not_ready_s"] = t["not_ready_s"]
    out["break_s"] = t["break_s"]
    out["logged_in_s"] = t["logged_in_s"]
    out["not_ready_break_ratio"] = _ratio(out["not_ready_s"] + out["break_s"], out["logged_in_s"])
    return out


#: Shrinkage categories: actual states during scheduled time that are not productive.
SHRINKAGE_CATEGORIES = ("meal", "break", "meeting", "training", "not_ready", "logged_out")


def shrinkage(timeline: pd.DataFrame, *, by: Iterable[str] = ("agent_id",)) -> pd.DataFrame:
    """Shrinkage by category: the share of scheduled (paid) time not productive.

    For each category c of :data:`SHRINKAGE_CATEGORIES`:
    ``shrinkage_c = time in state c during scheduled time / scheduled time``
    (``logged_out`` = absent: scheduled but not logged in), and
    ``shrinkage = sum of the categories = 1 - productive share``.
    ``planned_shrinkage`` is the share of scheduled time *scheduled* as meal,
    break, meeting or training; ``unplanned_shrinkage = shrinkage -
    planned`` (may be negative when agents work through planned breaks).
    Time outside shifts (overtime) is not part of shrinkage.
    """
    t = time_in_states(timeline, by)
    out = _keys(t, by)
    out["scheduled_s"] = t["scheduled_s"]
    total = np.zeros(len(t))
    for c in SHRINKAGE_CATEGORIES:
        v = _ratio(t[f"sched_{c}_s"], t["scheduled_s"])
        out[f"shrinkage_{c}"] = v
        total = total + np.nan_to_num(v)
    out["shrinkage"] = np.where(t["scheduled_s"] > 0, total, np.nan)
    planned = sum(t[f"scheduled_{a}_s"] for a in ("meal", "break", "meeting", "training"))
    out["planned_shrinkage"] = _ratio(planned, t["scheduled_s"])
    out["unplanned_shrinkage"] = out["shrinkage"] - out["planned_shrinkage"]
    return out


def attendance_events(timeline: pd.DataFrame, roster, leave: pd.DataFrame | None = None,
                      *, bands_min: tuple[float, float] = (15.0, 30.0)) -> pd.DataFrame:
    """Lateness, early leaving and absence per rostered shift (for deductions).

    ``late_min`` = minutes from the shift start to the first logged-in
    moment inside the shift; ``early_min`` = minutes from the last
    logged-in moment inside the shift to its end; ``absent`` = no logged-in
    time in the shift. A shift on a day with a leave record is ``on_leave``
    and neither late nor absent.

    Deduction classes (DOMAIN.md section 5, source: "无故迟到、早退15分钟扣除1分,
    30分钟以上2分。无故旷工...一天扣除5分"): ``late_15`` counts late arrivals and
    early departures of at least ``bands_min[0]`` and less than
    ``bands_min[1]`` minutes, ``late_30`` those of at least ``bands_min[1]``;
    lateness under ``bands_min[0]`` is not counted (product choice: the
    source names 15 minutes as the first step). ``absence`` is an absent
    shift without leave.

    Returns one row per roster shift: ``agent_id``, ``date``,
    ``shift_id``, ``late_min``, ``early_min``, ``absent``, ``on_leave``,
    ``late_15``, ``late_30``, ``absence`` (counts 0/1/2).
    """
    roster = as_roster(roster).shifts
    n = len(roster)
    sid = timeline["shift_id"].to_numpy()
    logged = (timeline["state"] != "logged_out").to_numpy() & (sid >= 0)
    s_ns = pd.DatetimeIndex(timeline["start"]).as_unit("ns").asi8
    e_ns = pd.DatetimeIndex(timeline["end"]).as_unit("ns").asi8
    first = np.full(n, np.iinfo(np.int64).max)
    last = np.full(n, np.iinfo(np.int64).min)
    np.minimum.at(first, sid[logged], s_ns[logged])
    np.maximum.at(last, sid[logged], e_ns[logged])
    absent = first == np.iinfo(np.int64).max
    r0 = pd.DatetimeIndex(roster["shift_start"]).as_unit("ns").asi8
    r1 = pd.DatetimeIndex(roster["shift_end"]).as_unit("ns").asi8
    late = np.where(absent, np.nan, (first - r0) / 6e10)
    early = np.where(absent, np.nan, (r1 - last) / 6e10)
    on_leave = np.zeros(n, dtype=bool)
    if leave is not None and len(leave):
        k = pd.MultiIndex.from_arrays([leave["agent_id"].astype("str"), leave["date"]])
        on_leave = pd.MultiIndex.from_arrays([roster["agent_id"].astype("str"),
                                              roster["date"]]).isin(k)
    lo, hi = bands_min
    with np.errstate(invalid="ignore"):
        l15 = ((late >= lo) & (late < hi)).astype(int) + ((early >= lo) & (early < hi)).astype(int)
        l30 = (late >= hi).astype(int) + (early >= hi).astype(int)
    l15 = np.where(on_leave, 0, l15)
    l30 = np.where(on_leave, 0, l30)
    return pd.DataFrame({
        "agent_id": roster["agent_id"].to_numpy(), "date": roster["date"].to_numpy(),
        "shift_id": np.arange(n), "late_min": late, "early_min": early,
        "absent": absent & ~on_leave, "on_leave": on_leave,
        "late_15": l15, "late_30": l30, "absence": (absent & ~on_leave).astype(int),
    })


def agent_kpis(timeline: pd.DataFrame, *, by: Iterable[str] = ("agent_id",), tolerance_min: float = 5.0,
               utilisation_denominator: str = "logged_in") -> pd.DataFrame:
    """All time-based agent KPIs in one table (adherence with tolerance,
    conformance, utilisation, occupancy, not-ready + break ratio, shrinkage
    by category), computed from one :func:`time_in_states` pass."""
    by = list(by)
    t = time_in_states(timeline, by)
    adh = adherence(timeline, tolerance_min=tolerance_min, by=by)
    out = _keys(t, by)
    out["scheduled_s"] = t["scheduled_s"]
    out["logged_in_s"] = t["logged_in_s"]
    out["adherence"] = adh["adherence"].to_numpy()
    out["out_of_adherence_s"] = adh["out_of_adherence_s"].to_numpy()
    out["conformance"] = _ratio(t["logged_in_s"], t["scheduled_s"])
    prod = t[[f"{s}_s" for s in PRODUCTIVE_STATES]].sum(axis=1)
    out["productive_s"] = prod
    den = t["logged_in_s"] if utilisation_denominator == "logged_in" else t["scheduled_s"]
    out["utilisation"] = _ratio(prod, den)
    hand = t[[f"{s}_s" for s in HANDLING_STATES]].sum(axis=1)
    out["occupancy"] = _ratio(hand, hand + t["available_s"])
    out["not_ready_break_ratio"] = _ratio(t["not_ready_s"] + t["break_s"], t["logged_in_s"])
    total = np.zeros(len(t))
    for c in SHRINKAGE_CATEGORIES:
        v = _ratio(t[f"sched_{c}_s"], t["scheduled_s"])
        out[f"shrinkage_{c}"] = v
        total = total + np.nan_to_num(v)
    out["shrinkage"] = np.where(t["scheduled_s"] > 0, total, np.nan)
    return out


# --------------------------------------------------------------------------
# queue KPIs from actual interval results
# --------------------------------------------------------------------------


def period_key(ts: pd.Series, level: str) -> pd.Series:
    """Period of tz-aware timestamps: ``interval`` (as is), ``date`` / ``day``
    (local date), ``week`` (local Monday), ``month`` (first local day);
    naive datetime64 values are returned for the calendar levels."""
    if level == "interval":
        return ts
    local = ts.dt.tz_localize(None) if getattr(ts.dtype, "tz", None) is not None else ts
    day = local.dt.normalize()
    if level in ("date", "day"):
        return day
    if level == "week":
        return day - pd.to_timedelta(day.dt.day_of_week, unit="D")
    if level == "month":
        return day - pd.to_timedelta(day.dt.day - 1, unit="D")
    raise ValueError(f"unknown level {level!r} (expected interval, day, week or month)")


_LEVELS = ("interval", "date", "day", "week", "month")


def _period_frame(df: pd.DataFrame, by: Iterable[str]) -> tuple[pd.DataFrame, list[str]]:
    cols = []
    out = df.copy()
    for b in by:
        if b in _LEVELS:
            name = "interval_start" if b == "interval" else ("date" if b == "day" else b)
            out[name] = period_key(df["interval_start"], b)
            cols.append(name)
        elif b in df.columns:
            cols.append(b)
        else:
            raise ValueError(f"cannot group by {b!r}")
    return out, cols


def service_kpis(results: pd.DataFrame, *, by: Iterable[str] = ("queue", "date"),
                 sl_method: str = "offered") -> pd.DataFrame:
    """Service level, ASA, abandonment, AHT, ATT, ACW (DOMAIN.md section 1).

    ``results``: :func:`wfm.kpi.inputs.validate_results` output. ``by``:
    columns (``queue``, ``channel``) and levels (``interval``, ``date``,
    ``week``, ``month``). Totals are summed per group, then:

    * ``service_level`` = answered_within_target / base, with base per
      ``sl_method``: ``"offered"`` (default: abandons count as failures),
      ``"exclude_short_abandons"`` (offered - abandoned_within_target:
      callers who hung up before T are left out), ``"handled"``;
    * ``asa_s`` = answer_wait_total_s / handled;
    * ``abandon_rate`` = abandoned / offered;
    * ``att_s``, ``hold_s``, ``acw_s`` = talk/hold/acw totals / handled;
    * ``aht_s`` = (talk + hold + acw) / handled, or, without talk totals,
      the handled-weighted mean of the given ``aht_s``;
    * ``occupancy`` = handle seconds / (agents x interval seconds) when the
      results have an ``agents`` column.

    A KPI whose inputs are absent is left out.
    """
    if sl_method not in ("offered", "exclude_short_abandons", "handled"):
        raise ValueError("sl_method must be offered, exclude_short_abandons or handled")
    df, cols = _period_frame(results, by)
    df = df.copy()
    if "talk_total_s" in df:
        h = df["talk_total_s"].fillna(0)
        for c in ("hold_total_s", "acw_total_s"):
            if c in df:
                h = h + df[c].fillna(0)
        df["_handle_s"] = h
    elif "aht_s" in df and df["aht_s"].notna().any():
        df["_handle_s"] = df["aht_s"].fillna(0) * df["handled"].fillna(0)
    if "agents" in df and "_handle_s" in df:
        df["_agent_s"] = df["agents"].fillna(0) * df["interval_min"] * 60.0
    sums = [c for c in ("offered", "handled", "abandoned", "answered_within_target",
                        "abandoned_within_target", "answer_wait_total_s", "talk_total_s",
                        "hold_total_s", "acw_total_s", "_handle_s", "_agent_s") if c in df]
    if cols:
        g = df.groupby(cols, sort=True, observed=True)[sums].sum(min_count=1).reset_index()
    else:
        g = df[sums].sum(min_count=1).to_frame().T
    out = g[cols + [c for c in ("offered", "handled", "abandoned") if c in g]].copy()
    if "answered_within_target" in g:
        if sl_method == "offered":
            base = g["offered"]
        elif sl_method == "handled":
            base = g["handled"]
        else:
            if "abandoned_within_target" not in g:
                raise InputError(Problem("<results>", None, "abandoned_within_target",
                                         "missing column for sl_method exclude_short_abandons",
                                         "calls abandoned before the threshold"))
            base = g["offered"] - g["abandoned_within_target"].fillna(0)
        out["answered_within_target"] = g["answered_within_target"]
        out["service_level"] = _ratio(g["answered_within_target"], base)
    if "answer_wait_total_s" in g:
        out["asa_s"] = _ratio(g["answer_wait_total_s"], g["handled"])
    if "abandoned" in g:
        out["abandon_rate"] = _ratio(g["abandoned"], g["offered"])
    if "_handle_s" in g:
        out["aht_s"] = _ratio(g["_handle_s"], g["handled"])
    for src, name in (("talk_total_s", "att_s"), ("hold_total_s", "hold_s"), ("acw_total_s", "acw_s")):
        if src in g:
            out[name] = _ratio(g[src], g["handled"])
    if "_agent_s" in g:
        out["occupancy"] = _ratio(g["_handle_s"], g["_agent_s"])
    return out


# --------------------------------------------------------------------------
# forecast, staffing and schedule accuracy
# --------------------------------------------------------------------------


def select_snapshot(forecasts: pd.DataFrame, *, lead_days: int = 0) -> pd.DataFrame:
    """The forecast *as made* for each queue and interval.

    With a ``made_at`` column (several snapshots), keep per queue and
    interval the latest snapshot made no later than local midnight at the
    start of the interval's day minus ``lead_days`` days (``lead_days=0``:
    the forecast available when the day began; 7: a week ahead). Intervals
    no snapshot qualifies for are dropped. Without ``made_at`` the table is
    returned as it is.
    """
    if "made_at" not in forecasts:
        return forecasts.reset_index(drop=True)
    day = forecasts["interval_start"].dt.normalize() - pd.Timedelta(days=lead_days)
    ok = forecasts["made_at"] <= day
    f = forecasts[ok.to_numpy()].sort_values(["queue", "interval_start", "made_at"], kind="stable")
    f = f.drop_duplicates(["queue", "interval_start"], keep="last")
    return f.drop(columns="made_at").reset_index(drop=True)


def _actual_handle(actual: pd.DataFrame, prefix: str = "") -> tuple[np.ndarray, np.ndarray]:
    """(handled, handle seconds) of actual results (columns named ``prefix +``
    name); handle seconds from the talk/hold/acw totals, else handled x aht_s
    (NaN where unknown)."""
    def col(c):
        return actual[prefix + c].to_numpy(dtype=float) if prefix + c in actual else None

    handled = col("handled")
    if handled is None:
        handled = col("offered")
    talk = col("talk_total_s")
    if talk is not None:
        h = talk.copy()
        for c in ("hold_total_s", "acw_total_s"):
            v = col(c)
            if v is not None:
                h = h + np.nan_to_num(v)
    elif col("aht_s") is not None:
        h = handled * col("aht_s")
    else:
        h = np.full(len(actual), np.nan)
    return handled, h


def _join(forecast: pd.DataFrame, actual: pd.DataFrame) -> pd.DataFrame:
    f = forecast.rename(columns={c: f"f_{c}" for c in forecast.columns
                                 if c not in ("queue", "interval_start")})
    a = actual.rename(columns={c: f"a_{c}" for c in actual.columns
                               if c not in ("queue", "interval_start")})
    return f.merge(a, on=["queue", "interval_start"], how="inner", validate="one_to_one")


def _accuracy(f, a) -> np.ndarray:
    """max(0, 1 - |F - A| / A) (NaN where A = 0)."""
    return np.clip(1.0 - _ratio(np.abs(np.asarray(f, float) - np.asarray(a, float)), a), 0.0, None)


def forecast_accuracy(forecast: pd.DataFrame, actual: pd.DataFrame, *, level: str = "day",
                      lead_days: int = 0) -> pd.DataFrame:
    """Call-volume and AHT forecast accuracy per queue and period (DOMAIN.md
    section 2: "match between forecast and actual volume", target >= 90 %).

    ``forecast``: snapshots (:func:`select_snapshot` picks the forecast as
    made, ``lead_days`` before the day); ``actual``: results. Only intervals
    present in both are compared. Per queue and period of ``level``
    (interval, day, week, month):

    * ``forecast_offered`` F, ``actual_offered`` A (sums);
      ``volume_error = F - A``; ``volume_accuracy = max(0, 1 - |F - A| / A)``;
    * ``forecast_aht_s`` = sum(F_i x AHT_i) / F (forecast-weighted);
      ``actual_aht_s`` = handle seconds / handled;
      ``aht_accuracy = max(0, 1 - |forecast AHT - actual AHT| / actual AHT)``;
    * ``actual_handled``, ``intervals``.

    :func:`summarise_accuracy` turns the table into headline figures.
    """
    f = select_snapshot(forecast, lead_days=lead_days)
    j = _join(f, actual)
    handled, handle_s = _actual_handle(j, prefix="a_")
    j = j.assign(
        period=period_key(j["interval_start"], level),
        _f_work=j["f_offered"] * j["f_aht_s"] if "f_aht_s" in j else np.nan,
        _f_aht_w=np.where(j["f_aht_s"].notna(), j["f_offered"], 0.0) if "f_aht_s" in j else 0.0,
        _a_handled=np.where(np.isfinite(handle_s), handled, 0.0),
        _a_work=np.nan_to_num(handle_s),
    )
    g = j.groupby(["queue", "period"], sort=True).agg(
        intervals=("f_offered", "size"),
        forecast_offered=("f_offered", "sum"),
        actual_offered=("a_offered", "sum"),
        _f_work=("_f_work", "sum"),
        _f_aht_w=("_f_aht_w", "sum"),
        actual_handled=("_a_handled", "sum"),
        _a_work=("_a_work", "sum"),
    ).reset_index()
    g["volume_error"] = g["forecast_offered"] - g["actual_offered"]
    g["volume_accuracy"] = _accuracy(g["forecast_offered"], g["actual_offered"])
    g["forecast_aht_s"] = _ratio(g["_f_work"], g["_f_aht_w"])
    g["actual_aht_s"] = _ratio(g["_a_work"], g["actual_handled"])
    g["aht_accuracy"] = _accuracy(g["forecast_aht_s"], g["actual_aht_s"])
    g = g.rename(columns={"period": "interval_start" if level == "interval" else level})
    return g.drop(columns=["_f_work", "_f_aht_w", "_a_work"])


def summarise_accuracy(table: pd.DataFrame, *, forecast: str = "forecast_offered",
                       actual: str = "actual_offered", tolerance: float = 0.10,
                       by: Iterable[str] = ("queue",), name: str = "volume") -> pd.DataFrame:
    """Headline accuracy over the periods of an accuracy table.

    ``<name>_accuracy = max(0, 1 - sum |F - A| / sum A)`` over the periods
    (1 - WAPE: big periods weigh more) and ``<name>_within_tolerance``: the
    share of periods with A > 0 and |F - A| / A <= ``tolerance``. With the
    ``aht`` columns present (forecast tables), ``aht_accuracy`` is
    ``max(0, 1 - sum handled |F_aht - A_aht| / sum handled A_aht)``. One row per
    ``by`` group plus a row ``"(all)"`` when grouping.
    """
    by = list(by)

    def one(t):
        F = t[forecast].to_numpy(float)
        A = t[actual].to_numpy(float)
        row = {"periods": len(t), f"{name}_forecast": F.sum(), f"{name}_actual": A.sum()}
        row[f"{name}_accuracy"] = float(max(0.0, 1.0 - np.abs(F - A).sum() / A.sum())) \
            if A.sum() > 0 else np.nan
        pos = A > 0
        row[f"{name}_within_tolerance"] = float(np.mean(np.abs(F[pos] - A[pos]) / A[pos] <= tolerance + 1e-12)) \
            if pos.any() else np.nan
        if "forecast_aht_s" in t and "actual_aht_s" in t:
            w = t["actual_handled"].to_numpy(float)
            fa, aa = t["forecast_aht_s"].to_numpy(float), t["actual_aht_s"].to_numpy(float)
            ok = np.isfinite(fa) & np.isfinite(aa) & (w > 0)
            den = (w[ok] * aa[ok]).sum()
            row["aht_accuracy"] = float(max(0.0, 1 - (w[ok] * np.abs(fa[ok] - aa[ok])).sum() / den)) \
                if den > 0 else np.nan
        return row

    rows = []
    if by:
        for key, t in table.groupby(by, sort=True):
            key = key if isinstance(key, tuple) else (key,)
            rows.append({**dict(zip(by, key, strict=True)), **one(t)})
        rows.append({**{b: "(all)" for b in by}, **one(table)})
    else:
        rows.append(one(table))
    return pd.DataFrame(rows)


def required_from_actual(actual: pd.DataFrame, *, targets=None, model: str = "erlang-c",
                         patience_s: float | None = None, fallback_aht_s: pd.Series | None = None,
                         ) -> pd.DataFrame:
    """Agents the actual traffic required, per queue and interval.

    The actual offered volume with the actual AHT (handle seconds /
    handled; where nothing was handled, ``fallback_aht_s`` (aligned to
    ``actual``'s rows, e.g. the forecast AHT) or the queue's mean) run
    through :func:`wfm.staffing.required_agents` with ``targets`` (default:
    80 % in 20 s, DOMAIN.md section 1). Returns ``queue``,
    ``interval_start``, ``interval_min``, ``required_agents``.
    """
    from wfm.staffing import ServiceTargets, required_agents

    targets = targets or ServiceTargets(0.8, 20.0)
    handled, handle_s = _actual_handle(actual)
    aht = _ratio(handle_s, handled)
    if fallback_aht_s is not None:
        aht = np.where(np.isfinite(aht), aht, np.asarray(fallback_aht_s, float))
    q = actual["queue"].to_numpy()
    mean = pd.Series(handle_s).groupby(q).sum(min_count=1) / pd.Series(
        np.where(np.isfinite(handle_s), handled, 0)).groupby(q).sum()
    aht = np.where(np.isfinite(aht), aht, mean.reindex(q).to_numpy())
    iv = actual[["queue", "interval_start", "interval_min", "channel", "offered"]].copy()
    iv["aht_s"] = np.where(np.isfinite(aht) & (aht > 0), aht, 180.0)
    iv.loc[iv["offered"] <= 0, "aht_s"] = iv.loc[iv["offered"] <= 0, "aht_s"].fillna(180.0)
    req = required_agents(iv, targets, model=model, patience_s=patience_s)
    return req[["queue", "interval_start", "interval_min", "required_agents"]]


def _agent_hours_accuracy(keys: pd.DataFrame, f_agents, a_agents, level: str, by_queue: bool) -> pd.DataFrame:
    h = keys["interval_min"].to_numpy(float) / 60.0
    t = keys[["queue", "interval_start"]].copy() if by_queue else keys[["interval_start"]].copy()
    t["period"] = period_key(keys["interval_start"], level)
    t["forecast_agent_hours"] = np.asarray(f_agents, float) * h
    t["actual_agent_hours"] = np.asarray(a_agents, float) * h
    cols = (["queue"] if by_queue else []) + ["period"]
    g = t.groupby(cols, sort=True).agg(intervals=("period", "size"),
                                       forecast_agent_hours=("forecast_agent_hours", "sum"),
                                       actual_agent_hours=("actual_agent_hours", "sum")).reset_index()
    g["error_agent_hours"] = g["forecast_agent_hours"] - g["actual_agent_hours"]
    g["accuracy"] = _accuracy(g["forecast_agent_hours"], g["actual_agent_hours"])
    return g.rename(columns={"period": "interval_start" if level == "interval" else level})


def staffing_forecast_accuracy(forecast: pd.DataFrame, actual: pd.DataFrame, *, targets=None,
                               model: str = "erlang-c", patience_s: float | None = None,
                               level: str = "day", lead_days: int = 0) -> pd.DataFrame:
    """Staffing forecast accuracy (DOMAIN.md section 2: "staff required from the
    forecast vs staff actually required", target >= 90 %).

    Required agents from the forecast (its ``required_agents`` column when
    given, else :func:`wfm.staffing.required_agents` on the forecast volume
    and AHT) against :func:`required_from_actual`, both with ``targets``.
    Per queue and period: ``forecast_agent_hours``, ``actual_agent_hours``
    (sums of agents x interval hours), ``error_agent_hours`` and
    ``accuracy = max(0, 1 - |F - A| / A)``; summarise with
    ``summarise_accuracy(t, forecast="forecast_agent_hours",
    actual="actual_agent_hours", name="staffing")``.
    """
    from wfm.staffing import ServiceTargets, required_agents

    targets = targets or ServiceTargets(0.8, 20.0)
    f = select_snapshot(forecast, lead_days=lead_days)
    j = _join(f, actual)
    if "f_required_agents" in j and j["f_required_agents"].notna().all():
        rf = j["f_required_agents"].to_numpy(float)
    else:
        iv = j[["queue", "interval_start", "f_interval_min", "f_channel", "f_offered", "f_aht_s"]]
        iv = iv.rename(columns=lambda c: c[2:] if c.startswith("f_") else c)
        rf = required_agents(iv, targets, model=model, patience_s=patience_s)["required_agents"].to_numpy(float)
    a = j[["queue", "interval_start"]].copy()
    for c in actual.columns:
        if f"a_{c}" in j:
            a[c] = j[f"a_{c}"].to_numpy()
    fallback = j["f_aht_s"] if "f_aht_s" in j else None
    ra = required_from_actual(a, targets=targets, model=model, patience_s=patience_s,
                              fallback_aht_s=fallback)["required_agents"].to_numpy(float)
    keys = a[["queue", "interval_start", "interval_min"]]
    return _agent_hours_accuracy(keys, rf, ra, level, by_queue=True)


def schedule_forecast_accuracy(roster: pd.DataFrame, actual: pd.DataFrame, *, targets=None,
                               model: str = "erlang-c", patience_s: float | None = None,
                               level: str = "day") -> pd.DataFrame:
    """Schedule forecast accuracy (DOMAIN.md section 2: "scheduled (rostered)
    staff vs staff the actual traffic needed", target >= 90 %).

    Rostered agents on the phones per interval (:func:`roster_coverage`:
    shift time outside meal, breaks and activities, time-averaged over the
    interval) against the agents the actual traffic required
    (:func:`required_from_actual`, summed over queues: the roster serves
    all queues). Per period: ``forecast_agent_hours`` (rostered),
    ``actual_agent_hours`` (required), ``error_agent_hours``, ``accuracy``.
    """
    req = required_from_actual(actual, targets=targets, model=model, patience_s=patience_s)
    per = req.groupby("interval_start", sort=True).agg(interval_min=("interval_min", "first"),
                                                       required_agents=("required_agents", "sum")).reset_index()
    cov = roster_coverage(roster, per["interval_start"], per["interval_min"].to_numpy())
    return _agent_hours_accuracy(per, cov, per["required_agents"], level, by_queue=False)
