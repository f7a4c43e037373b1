"""KPI speed and memory: 500 agents x 31 days of state logs (about 2 million rows).

Run by hand:  python benchmarks/bench_kpi.py [--agents 500] [--days 31] [--states-per-shift 180]

A seeded synthetic month: every agent works a 5-on-2 pattern of 8-hour day
shifts (starts 07:00-13:00 on the half hour, a 1-hour meal and two 15-minute
breaks in the roster); the state log of each shift is ``states-per-shift``
states cycling available -> talk -> hold -> talk -> acw with exponential
durations, logging in up to 10 minutes late or early, meal and breaks taken
near (not exactly at) their scheduled times, and some states running past
local midnight (evening shifts end at 21:00; a share of agents stays
logged in for overtime). Steps timed, each on its own, then the peak memory
of each by ``tracemalloc`` in a second, untimed run:

* validate the state log given as a typed DataFrame (tz-aware datetimes);
* validate it given as ISO 8601 text (as read from CSV);
* build the timeline (state log over the roster);
* agent KPIs per agent (adherence with a 5-minute tolerance, conformance,
  utilisation, occupancy, not-ready ratio, shrinkage by category);
* agent KPIs per agent and day;
* attendance events (lateness, absence) per shift;
* pay hours per agent and month (overtime, holidays, absences);
* the whole report in one call (timeline, agent KPIs per agent, agent-day
  and team, attendance, scorecard, pay hours and payroll), from validated
  inputs.
"""

from __future__ import annotations

import argparse
import platform

import numpy as np
import pandas as pd
from _timing import measure  # benchmarks/_timing.py (scripts run from this folder)

from wfm.kpi.inputs import validate_roster, validate_state_log
from wfm.kpi.pay import pay_hours
from wfm.kpi.summary import kpi_report
from wfm.kpi.timeline import build_timeline
from wfm.kpi.wfm_kpis import agent_kpis, attendance_events

TZ = "Asia/Shanghai"
PATTERN = np.array(["available", "talk", "hold", "talk", "acw"], dtype=object)


def make_month(agents: int = 500, days: int = 31, per_shift: int = 180, seed: int = 7,
               start: str = "2025-10-01") -> tuple[pd.DataFrame, pd.DataFrame]:
    """(raw roster, raw state log with tz-aware datetimes), fully vectorised."""
    rng = np.random.default_rng(seed)
    day0 = pd.Timestamp(start, tz=TZ)
    d = np.arange(days)
    a = np.arange(agents)
    off1 = rng.integers(0, 7, agents)  # first day off of the week pattern
    works = ((d[None, :] - off1[:, None]) % 7 >= 2)  # 5 on, 2 off
    ai, di = np.nonzero(works)
    n = len(ai)
    start_min = 7 * 60 + 30 * rng.integers(0, 13, agents)[ai]  # 07:00 .. 13:00
    s_ns = (day0.value + di * 86_400 * 10**9 + start_min * 60 * 10**9).astype(np.int64)
    e_ns = s_ns + 8 * 3600 * 10**9
    meal_off = 240  # minutes after the start
    roster = pd.DataFrame({
        "agent_id": np.char.add("A", a.astype(str).astype("U4"))[ai],
        "contract": "5-on-2",
        "shift_start": pd.DatetimeIndex(s_ns.view("datetime64[ns]")).tz_localize("UTC").tz_convert(TZ),
        "shift_end": pd.DatetimeIndex(e_ns.view("datetime64[ns]")).tz_localize("UTC").tz_convert(TZ),
    })
    clock = lambda m: np.char.add(np.char.zfill((m // 60 % 24).astype(str), 2),  # noqa: E731
                                  np.char.add(":", np.char.zfill((m % 60).astype(str), 2)))
    roster["meal_start"] = clock(start_min + meal_off)
    roster["meal_end"] = clock(start_min + meal_off + 60)
    b1 = start_min + 120
    b2 = start_min + 390
    roster["breaks"] = np.char.add(np.char.add(np.char.add(clock(b1), "-"), clock(b1 + 15)),
                                   np.char.add(";", np.char.add(np.char.add(clock(b2), "-"), clock(b2 + 15))))
    roster["team"] = np.char.add("T", (a // 20).astype(str))[ai]

    # state log: per shift, per_shift states filling [login, logout)
    late = rng.normal(0, 4, n).clip(-10, 10) * 60 * 10**9
    stay = np.where(rng.random(n) < 0.1, rng.integers(10, 90, n) * 60 * 10**9, rng.normal(0, 3, n) * 60 * 10**9)
    t_in = (s_ns + late).astype(np.int64)
    t_out = (e_ns + stay).astype(np.int64)
    w = rng.exponential(1.0, (n, per_shift))
    w[:, ::5] *= 0.3  # short available gaps
    cum = np.cumsum(w, axis=1)
    frac = np.concatenate([np.zeros((n, 1)), cum / cum[:, -1:]], axis=1)
    edges = (t_in[:, None] + frac * (t_out - t_in)[:, None]).astype(np.int64)
    edges = edges // 10**9 * 10**9  # whole seconds, as ACD logs are
    st = np.tile(PATTERN[np.arange(per_shift) % len(PATTERN)], (n, 1))
    rel = (edges[:, :-1] - s_ns[:, None]) / 6e10  # minutes after the shift start
    jitter = rng.normal(0, 3, (n, 1))
    st[(rel >= meal_off + jitter) & (rel < meal_off + 60 + jitter)] = "meal"
    for b in (120, 390):
        st[(rel >= b + jitter) & (rel < b + 15 + jitter)] = "break"
    st[(rel >= 200) & (rel < 205)] = "not_ready"
    keep = edges[:, 1:] > edges[:, :-1]
    agent = np.repeat(roster["agent_id"].to_numpy(), per_shift).reshape(n, per_shift)
    log = pd.DataFrame({
        "agent_id": agent[keep],
        "state": st[keep],
        "start": pd.DatetimeIndex(edges[:, :-1][keep].view("datetime64[ns]")).tz_localize("UTC").tz_convert(TZ),
        "end": pd.DatetimeIndex(edges[:, 1:][keep].view("datetime64[ns]")).tz_localize("UTC").tz_convert(TZ),
    })
    return roster, log




def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--agents", type=int, default=500)
    ap.add_argument("--days", type=int, default=31)
    ap.add_argument("--states-per-shift", type=int, default=180)
    ap.add_argument("--no-memory", action="store_true")
    args = ap.parse_args()
    mem = not args.no_memory

    raw_roster, raw_log = make_month(args.agents, args.days, args.states_per_shift)
    text_log = raw_log.assign(start=raw_log["start"].dt.strftime("%Y-%m-%dT%H:%M:%S%z"),
                              end=raw_log["end"].dt.strftime("%Y-%m-%dT%H:%M:%S%z"))
    print(f"{args.agents} agents x {args.days} days: {len(raw_roster):,} shifts, "
          f"{len(raw_log):,} state rows; python {platform.python_version()}, pandas {pd.__version__}")
    rows = []
    roster, t, m = measure(lambda: validate_roster(raw_roster, tz=TZ), mem)
    rows.append(("validate roster", len(raw_roster), t, m))
    log, t, m = measure(lambda: validate_state_log(raw_log, tz=TZ), mem)
    rows.append(("validate state log (typed)", len(raw_log), t, m))
    _, t, m = measure(lambda: validate_state_log(text_log, tz=TZ), mem)
    rows.append(("validate state log (ISO text)", len(raw_log), t, m))
    tl, t, m = measure(lambda: build_timeline(log, roster), mem)
    rows.append(("build timeline", len(tl), t, m))
    per_agent, t, m = measure(lambda: agent_kpis(tl, by=["agent_id", "team"], tolerance_min=5), mem)
    rows.append(("agent KPIs per agent", len(per_agent), t, m))
    per_day, t, m = measure(lambda: agent_kpis(tl, by=["agent_id", "work_date"], tolerance_min=5), mem)
    rows.append(("agent KPIs per agent-day", len(per_day), t, m))
    att, t, m = measure(lambda: attendance_events(tl, roster), mem)
    rows.append(("attendance events per shift", len(att), t, m))
    hours, t, m = measure(lambda: pay_hours(roster, tl), mem)
    rows.append(("pay hours per agent-month", len(hours), t, m))
    total = sum(r[2] for r in rows if "ISO text" not in r[0])
    rep, t, m = measure(lambda: kpi_report(state_log=log, roster=roster), mem)
    rows.append(("kpi_report: timeline, all agent views, scorecard, payroll (one call)",
                 sum(len(v) for v in rep.views.values()), t, m))
    print()
    print("| step | rows out | seconds | peak MiB |")
    print("|---|---:|---:|---:|")
    for name, n, sec, peak in rows[:-1]:
        print(f"| {name} | {n:,} | {sec:.2f} | {peak:.0f} |")
    print(f"| **sum: validation (typed input) + timeline + KPIs + pay** | | **{total:.2f}** | |")
    name, n, sec, peak = rows[-1]
    print(f"| {name} | {n:,} | {sec:.2f} | {peak:.0f} |")
    print()
    print(f"centre adherence {np.average(per_agent['adherence'], weights=per_agent['scheduled_s']):.3f}, "
          f"utilisation {per_agent['productive_s'].sum() / per_agent['logged_in_s'].sum():.3f}, "
          f"overtime {hours['overtime_h'].sum():,.0f} h, holiday {hours['holiday_h'].sum():,.0f} h")


if __name__ == "__main__":
    main()
