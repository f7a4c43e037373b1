"""Simulator benchmarks (run by hand).

    python benchmarks/bench_simulate.py [--only speed|accuracy] [--replications 200]

1. Speed: replications per second against horizon length (1, 2, 4, 6 weeks)
   and team size (about 20, 100, 300, 1,000 agents). The rosters are the
   bundled baseline plan's roster (48 agents, 4 weeks) tiled: k copies of
   every shift (agents renamed) serve k times the calls, and the four weeks
   repeat, shifted by four weeks, for six; one and two weeks are its first
   days. The first call of a run compiles the event loop (cached on disk
   afterwards); the table times a second call.
2. Accuracy of the analytic figures: the plan's coverage.csv judges each
   interval with Erlang A at the expected agents; per interval with calls,
   its service level minus the simulated one (200 replications, 10 %
   absence): mean, p5, p95 and the share within +-2 points, for the
   interval average and for the roster's own 15-minute resolution.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from wfm.roster.table import make_roster  # noqa: E402
from wfm.simulate import simulate_roster  # noqa: E402


def baseline():
    """The bundled plan: its roster, staffing table and coverage."""
    from wfm.plan import Plan

    tmp = tempfile.mkdtemp()
    res = Plan().run(Path(tmp) / "baseline")
    return res


def tiled(roster, demand, copies: float, weeks: int):
    """``copies`` x the team and calls; the horizon cut or repeated to ``weeks``.
    A fraction keeps that share of the agents (every agent whose number
    falls in it) with that share of the calls."""
    if copies < 1:
        ids = sorted(roster.shifts["agent_id"].unique())
        # agents spread evenly over the team: i is kept when floor((i + 1) c) > floor(i c)
        keep = {a for i, a in enumerate(ids) if int((i + 1) * copies) > int(i * copies)}
        roster = roster.select(roster.shifts["agent_id"].isin(keep).to_numpy())
        demand = demand.assign(offered=demand["offered"] * len(keep) / len(ids))
        copies = 1
    sh, seg = roster.shifts, roster.segments
    t0 = demand["interval_start"].min()
    span = pd.Timedelta(weeks=4)
    frames_sh, frames_seg, frames_d = [], [], []
    reps = int(np.ceil(weeks / 4))
    for rep in range(reps):
        for c in range(copies):
            off = span * rep
            s = sh.assign(agent_id=sh["agent_id"] + f"_{c}", shift_start=sh["shift_start"] + off,
                          shift_end=sh["shift_end"] + off)
            base = len(frames_sh) * len(sh)
            frames_sh.append(s)
            frames_seg.append(seg.assign(shift_id=seg["shift_id"] + base, start=seg["start"] + off,
                                         end=seg["end"] + off))
        frames_d.append(demand.assign(interval_start=demand["interval_start"] + span * rep,
                                      offered=demand["offered"] * copies))
    s_all = pd.concat(frames_sh, ignore_index=True)
    g_all = pd.concat(frames_seg, ignore_index=True)
    d_all = pd.concat(frames_d, ignore_index=True)
    end = t0 + pd.Timedelta(weeks=weeks)
    d_all = d_all[d_all["interval_start"] < end]
    keep = (s_all["shift_start"] < end).to_numpy()
    r = make_roster(s_all, g_all, roster.tz)
    return r.select((r.shifts["shift_start"] < end).to_numpy()), d_all, int(keep.sum())


def bench_speed(res, replications):
    roster, demand = res.roster.roster, res.staffing
    simulate_roster(roster, demand, replications=2, seed=0, patience_s=120.0)  # compile
    rows = []
    for copies, weeks in [(0.4, 4), (1, 1), (1, 2), (1, 4), (1, 6), (2, 4), (6, 4), (20, 4), (20, 6)]:
        r, d, _ = tiled(roster, demand, copies, weeks)
        n_agents = r.shifts["agent_id"].nunique()
        calls = d["offered"].sum()
        t = time.perf_counter()
        simulate_roster(r, d, replications=replications, seed=1, patience_s=120.0, absence_rate=0.1)
        wall = time.perf_counter() - t
        rows.append({"weeks": weeks, "agents": n_agents, "agent-shifts": len(r), "calls per replication": round(calls),
                     "replications": replications, "seconds": round(wall, 2),
                     "replications / s": round(replications / wall, 1),
                     "calls / s (millions)": round(calls * replications / wall / 1e6, 2)})
        print(rows[-1], flush=True)
    return rows


def bench_accuracy(res, replications):
    from wfm.roster.coverage import judge_coverage
    from wfm.roster.demand import build_horizon, validate_requirements

    roster = res.roster.roster
    sc = res.scenario
    sim = simulate_roster(roster, res.staffing, replications=replications, seed=1, patience_s=sc.service.patience_s,
                          absence_rate=sc.roster.absence_shrinkage, target_s=sc.service.target_s)
    simt = sim.intervals.set_index("interval_start")["service_level"]
    cov = res.roster.coverage
    req = validate_requirements(res.staffing.assign(
        required_agents=res.staffing["required_agents"] / (1 - sc.roster.absence_shrinkage)), tz=sc.data.time_zone)
    hz = build_horizon(req, weeks=4, tz=sc.data.time_zone)
    flat = judge_coverage(hz, cov["scheduled_agents"].to_numpy(float), req, target_s=sc.service.target_s,
                          model=sc.service.model, patience_s=sc.service.patience_s,
                          attendance=1 - sc.roster.absence_shrinkage)
    rows = []
    for name, table in (("interval average (30 min)", flat), ("roster resolution (coverage.csv)", cov)):
        s = table.set_index("interval_start")["service_level"]
        ok = (table.set_index("interval_start")["offered"] > 1) & s.notna()
        err = 100 * (s[ok] - simt.reindex(s[ok].index))
        rows.append({"analytic method": name, "intervals": int(ok.sum()), "mean pt": round(err.mean(), 2),
                     "p5 pt": round(np.percentile(err, 5), 2), "p95 pt": round(np.percentile(err, 95), 2),
                     "within +-2 pt": round(float((err.abs() <= 2).mean()), 3)})
        print(rows[-1], flush=True)
    o = sim.overall.iloc[0]
    print({"simulated overall SL": round(o.service_level, 4), "abandon": round(o.abandon_rate, 4)})
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", choices=["speed", "accuracy"], default=None)
    ap.add_argument("--replications", type=int, default=200)
    a = ap.parse_args()
    res = baseline()
    if a.only in (None, "speed"):
        bench_speed(res, a.replications)
    if a.only in (None, "accuracy"):
        bench_accuracy(res, a.replications)


if __name__ == "__main__":
    main()
