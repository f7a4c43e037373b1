"""Roster benchmarks (run by hand; minutes, not part of the test suite).

    python benchmarks/bench_roster.py [--time-limit 60] [--only tour|full|named|retail|long|pyworkforce] [--long 300]

1. Tour model on a two-peak demand of 5-80 agents, 30-minute intervals, both
   contracts of models/shifts.toml: one week and four weeks, HiGHS and CBC.
   Columns: variables, constraints, solver, wall time, LP bound (root
   relaxation), integer objective, gap to the best bound, scheduled agent-hours
   on the phones / required agent-hours (integer roster and LP relaxation),
   understaffed intervals, rule violations found by the checker.
2. 300 named agents (agents.csv with fixed days off, leave, availability and
   preferred starts): time of the named assignment.
3. Public retail instances (../shared/benchmarks/retail_matsp): our penalty
   (staff-periods above the cover, tasks summed) beside the published
   solution's, plus under/over minutes.
4. pyworkforce beside us on the one-week instance (``--only pyworkforce``,
   with ``PYWORKFORCE_PYTHON=/path/to/python-with-pyworkforce``: it runs in
   its own interpreter; PyPI offers 0.5.1 for Python 3.11, 0.5.4 needs 3.12).
   Its ``MinRequiredResources`` (OR-Tools CP-SAT, one day at a time, the
   requirement as a hard floor, cost per shift = our daily pay rate) gets
   every start and length of our catalogue; it has no breaks or meals, no
   days off and no shifts across midnight (a night shift wraps onto the
   same day's early hours, which is what a pyworkforce user would do). Its
   shifts are then judged like ours: meals and breaks placed greedily in
   their windows, coverage net of them, our pay and penalties.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from wfm.roster import build_roster, load_catalog  # noqa: E402
from wfm.roster.build import shortfall  # noqa: E402
from wfm.roster.demand import build_horizon, validate_requirements  # noqa: E402
from wfm.roster.model import Group, TourModel  # noqa: E402
from wfm.roster.solve import recompute, solve_lp, solve_model, with_shifts  # noqa: E402

SHARED = ROOT.parent / "shared" / "benchmarks" / "retail_matsp"


def two_peak_requirements(weeks: int, interval: int = 30, peak: float = 80.0, low: float = 5.0, start="2026-03-02"):
    """Offered calls on a two-peak day (10:30 and 15:30), weekends at 85 %;
    required agents from the staffing module (Erlang C, 80/20, AHT 300 s),
    scaled so the busiest interval needs ``peak`` agents, never below ``low``."""
    from wfm.staffing import ServiceTargets, required_agents

    n = weeks * 7 * 1440 // interval
    ts = pd.date_range(start, periods=n, freq=f"{interval}min", tz="Asia/Shanghai")
    h = (ts.hour + ts.minute / 60).to_numpy()
    shape = 0.03 + np.maximum(np.exp(-0.5 * ((h - 10.5) / 1.6) ** 2), 0.8 * np.exp(-0.5 * ((h - 15.5) / 1.8) ** 2))
    shape *= np.where(ts.day_of_week.to_numpy() >= 5, 0.85, 1.0)
    lo_s, hi_s = 1.0, 5000.0
    for _ in range(40):  # scale so the peak needs `peak` agents
        mid = (lo_s + hi_s) / 2
        tab = pd.DataFrame({"queue": "main", "interval_start": ts, "interval_min": interval,
                            "channel": "voice", "offered": mid * shape, "aht_s": 300.0})
        r = required_agents(tab, ServiceTargets(0.8, 20.0), min_agents=int(low))
        if r["required_agents"].max() > peak:
            hi_s = mid
        else:
            lo_s = mid
    tab["offered"] = lo_s * shape
    r = required_agents(tab, ServiceTargets(0.8, 20.0), min_agents=int(low))
    return r


def tour_row(req, weeks, solver, time_limit, repeat=False):
    cat = load_catalog(ROOT / "models" / "shifts.toml")
    hz = build_horizon(validate_requirements(req), weeks=weeks)
    groups = [Group(c, c, None, ct.min_headcount, ct.max_headcount) for c, ct in cat.contracts.items()]
    m = TourModel(hz, cat, groups)
    t = time.perf_counter()
    info, vals = solve_model(m, solver=solver, time_limit_s=time_limit)
    wall = time.perf_counter() - t
    same = None
    if repeat:  # a second run on a fresh model: the same roster?
        info2, vals2 = solve_model(TourModel(hz, cat, groups), solver=solver, time_limit_s=time_limit)
        ints = m.cols.integer
        same = info2.objective == info.objective and bool(
            np.all(np.abs(vals2.values[ints] - vals.values[ints]) < 1e-9))
    net = vals.net_coverage()
    lp_net = m.net_coverage(solve_lp(m, "highs", 60, False).values)
    req_h = hz.required.sum() * hz.interval_min / 60
    sf = shortfall(hz, net)
    return {
        "instance": f"{weeks} week{'s' if weeks > 1 else ''}", "solver": solver, "variables": info.n_variables,
        "constraints": info.n_constraints, "integer vars": info.n_integer, "time s": round(wall, 1),
        "LP bound": round(info.lp_bound, 1), "best bound": round(info.best_bound, 1), "objective": round(info.objective, 1),
        "gap to LP %": round(100 * (info.objective - info.lp_bound) / info.objective, 2),
        "head-count bound": round(info.head_count_bound, 1),
        "gap to best bound %": round(100 * info.gap, 2),
        "status": info.status, "source": info.source,
        "work s": info.work_s, "work limit s": info.work_limit_s, "repeatable": info.repeatable,
        "same roster on rerun": same,
        "phases (step, wall s, work s)": [(p, round(w, 1), round(k, 1)) for p, w, k in info.phases],
        "sched/req h": round(net.sum() * hz.interval_min / 60 / req_h, 4),
        "LP sched/req h": round(lp_net.sum() * hz.interval_min / 60 / req_h, 4),
        "short intervals": sf["intervals_short"], "short agent-h": round(sf["agent_hours_short"], 1),
        "headcount": vals.head_counts(),
    }


def bench_tour(time_limit):
    rows = []
    for weeks in (1, 4):
        req = two_peak_requirements(weeks)
        print(f"# {weeks} week(s): required agents {req['required_agents'].min()}-{req['required_agents'].max()}, "
              f"{len(req)} intervals", flush=True)
        for solver in ("highs", "cbc"):
            r = tour_row(req, weeks, solver, time_limit, repeat=solver == "highs")
            print(r, flush=True)
            rows.append(r)
    return rows


def bench_full(time_limit):
    """build_roster end to end on four weeks (checker, service)."""
    req = two_peak_requirements(4)
    t = time.perf_counter()
    res = build_roster(req, ROOT / "models" / "shifts.toml", 4, time_limit_s=time_limit)
    s = res.summary
    out = {"wall s": round(time.perf_counter() - t, 1), "status": s["status"], "gap": round(s["gap"], 4),
           "violations": s["rule_violations"], "unfilled": len(s["unfilled_shifts"]),
           "schedule_accuracy": round(s["schedule_accuracy"], 4), "service": s.get("service"),
           "timing": s["timing_s"], "headcount": s["headcount"]}
    print(out, flush=True)
    return out


def named_agents_csv(path: Path, n5: int, n1: int, start="2026-03-02"):
    rng = np.random.default_rng(2026)
    rows = []
    for i in range(n5 + n1):
        c = "five_two" if i < n5 else "one_one"
        row = {"id": f"E{i + 1:03d}", "name": f"Agent {i + 1}", "contract": c, "availability": "",
               "unavailable_dates": "", "preferred_start": "", "fixed_days_off": ""}
        u = rng.random()
        if c == "five_two" and u < 0.10:
            row["fixed_days_off"] = "Sat;Sun"
        elif u < 0.20:
            d = pd.Timestamp(start) + pd.Timedelta(days=int(rng.integers(0, 28)))
            row["unavailable_dates"] = f"{d.date()}..{(d + pd.Timedelta(days=2)).date()}"
        elif c == "five_two" and u < 0.30:
            row["availability"] = "Mon-Sun 06:00-20:00"
        elif c == "five_two" and u < 0.40:
            row["preferred_start"] = ["08:00", "09:00", "12:00"][int(rng.integers(0, 3))]
        rows.append(row)
    pd.DataFrame(rows).to_csv(path, index=False)


def bench_named(time_limit):
    import tempfile

    req = two_peak_requirements(4, peak=110, low=8)
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "agents.csv"
        named_agents_csv(p, 200, 100)
        t = time.perf_counter()
        res = build_roster(req, ROOT / "models" / "shifts.toml", 4, str(p), time_limit_s=time_limit, close_gap=False)
        wall = time.perf_counter() - t
    s = res.summary
    out = {"agents": 300, "wall s": round(wall, 1), "assignment s": round(s["timing_s"]["assignment"], 2),
           "status": s["status"], "gap": round(s["gap"], 4), "violations": s["rule_violations"],
           "unfilled shifts": len(s["unfilled_shifts"]), "unplaced": len(s["unplaced_agents"]),
           "partly placed": int((res.agents["status"] == "partly placed").sum()),
           "shifts": len(res.roster)}
    print(out, flush=True)
    return out


def bench_retail(time_limit):
    from wfm.roster.coverage import coverage_from_roster
    from wfm.roster.retail import (
        published_penalty,
        read_retail,
        read_retail_solution,
        retail_penalty,
        retail_setup,
    )

    rows = []
    for name, work in itertools.product(("1_7_10_1", "10_7_20_3"), (None, time_limit)):
        inst = read_retail(SHARED / f"{name}.txt")
        sol = SHARED / f"{name}.strandmark_solution.xml"
        _, pub_cover = read_retail_solution(sol, inst)
        pub = retail_penalty(pub_cover, inst)
        pub_sum = retail_penalty(pub_cover.sum(axis=1), inst)
        req, cat, agents, days, uw, ow = retail_setup(inst)
        t = time.perf_counter()
        res = build_roster(req, cat, None, agents, days=days, tz="UTC", pay_weight=0.0, under_weight=uw,
                           over_weight=ow, time_limit_s=time_limit, work_limit_s=work, close_gap=False)
        wall = time.perf_counter() - t
        net = coverage_from_roster(res.roster, res.horizon)
        ours = retail_penalty(np.round(net[24:24 + inst.periods]).astype(int), inst)
        rows.append({"instance": name, "work budget s": res.summary["work_limit_s"],
                     "published penalty": published_penalty(sol), "recomputed": pub["penalty"],
                     "published over-periods (tasks summed)": pub_sum["over_periods"],
                     "ours over-periods": ours["over_periods"], "ours under-periods": ours["under_periods"],
                     "ours over min": ours["over_minutes"], "ours under min": ours["under_minutes"],
                     "model objective": round(res.summary["objective"], 1),
                     "LP bound": round(res.summary["lp_bound"], 1), "status": res.summary["status"],
                     "violations": res.summary["rule_violations"], "unfilled": len(res.summary["unfilled_shifts"]),
                     "time s": round(wall, 1)})
        print(rows[-1], flush=True)
    return rows


PYWORKFORCE_SCRIPT = """
import json, sys, time
from importlib.metadata import version
from pyworkforce.scheduling import MinRequiredResources
a = json.load(sys.stdin)
t0 = time.perf_counter()
s = MinRequiredResources(num_days=a["days"], periods=a["periods"], shifts_coverage=a["coverage"],
                         required_resources=a["required"], max_period_concurrency=a["max_period"],
                         max_shift_concurrency=a["max_shift"], cost_dict=a["cost"],
                         max_search_time=a["time_limit"], num_search_workers=1)
sol = s.solve()
print(json.dumps([version("pyworkforce"), time.perf_counter() - t0, sol]))
"""


def bench_pyworkforce(time_limit):
    """pyworkforce's day-by-day shift scheduler on the one-week instance,
    judged by our rules (see the module docstring): on the requirement as
    it is, and on the requirement grossed up for the 1.5 h a shift spends
    off the phones (divided by 1 - 1.5/8, as a planner would with a
    shrinkage factor, since pyworkforce has no breaks)."""
    rows = []
    for gross_up in (1.0, 1.0 / (1 - 1.5 / 8)):
        rows.append(_pyworkforce_week(time_limit, gross_up))
    return rows


def _pyworkforce_week(time_limit, gross_up):
    py = os.environ.get("PYWORKFORCE_PYTHON")
    if not py:
        print("pyworkforce: not run (set PYWORKFORCE_PYTHON to a Python that has pyworkforce)")
        return None
    req = two_peak_requirements(1)
    cat = load_catalog(ROOT / "models" / "shifts.toml")
    hz = build_horizon(validate_requirements(req), weeks=1)
    groups = [Group(c, c, None, ct.min_headcount, ct.max_headcount) for c, ct in cat.contracts.items()]
    m = TourModel(hz, cat, groups)
    per = 1440 // hz.interval_min
    shifts = {}
    for o in m.options:
        if o.day == 0:
            name = f"{o.contract}|{o.shift_type}|{o.start_clock}|{o.length_min}"
            cover = [0] * per
            for k in range(o.length_min // hz.interval_min):
                cover[(o.start_clock // hz.interval_min + k) % per] = 1  # wraps past midnight onto the same day
            shifts[name] = cover
    cost = {k: int(round(100 * cat.contracts[k.split("|")[0]].daily_rate)) for k in shifts}  # CP-SAT needs integers
    required = np.ceil(hz.required.reshape(hz.days, per) * gross_up - 1e-9).astype(int)
    payload = {"days": hz.days, "periods": per, "coverage": shifts, "required": required.tolist(),
               "max_period": int(required.max() * 3), "max_shift": int(required.max() * 2), "cost": cost,
               "time_limit": float(time_limit)}
    t = time.perf_counter()
    out = subprocess.run([py, "-c", PYWORKFORCE_SCRIPT], input=json.dumps(payload), capture_output=True, text=True)
    wall = time.perf_counter() - t
    if out.returncode != 0:
        print("pyworkforce failed:", out.stderr.strip().splitlines()[-1:])
        return None
    ver, solve_s, sol = json.loads(out.stdout)
    row = {"pyworkforce": ver, "requirement x": round(gross_up, 4), "status": sol["status"], "solve s": round(solve_s, 1), "wall s": round(wall, 1)}
    if sol["status"] not in ("OPTIMAL", "FEASIBLE"):
        print(row)
        return row
    index = {(o.day, f"{o.contract}|{o.shift_type}|{o.start_clock}|{o.length_min}"): i for i, o in enumerate(m.options)}
    x_int = np.zeros(len(m.options), dtype=int)
    for r in sol["resources_shifts"]:
        if r["resources"]:
            x_int[index[r["day"], r["shift"]]] += int(r["resources"])
    vals = recompute(m, with_shifts(m, m.zeros(), x_int))
    net = m.net_coverage(vals)
    gross = np.zeros(m.n)
    for i, o in enumerate(m.options):
        for k in range(o.length_min // hz.interval_min):
            t_ = (o.start_min // hz.interval_min) + k
            if t_ < m.n:
                gross[int(t_)] += x_int[i]
    pay = float(sum(cat.contracts[o.contract].daily_rate * x_int[i] for i, o in enumerate(m.options)))
    by_contract = {c: int(sum(x_int[i] for i, o in enumerate(m.options) if o.contract == c)) for c in m.contract_keys}
    row.update({"shifts": by_contract, "pay CNY": round(pay, 1),
                "objective (our pay + penalties, meals placed, no tours)": round(m.objective_value(vals), 1),
                "LP bound of our model": round(solve_lp(m, "highs", 60, False).objective, 1),
                "understaffed intervals, shifts counted whole": int(np.sum(gross < hz.required - 1e-9)),
                "understaffed intervals, net of meals and breaks": int(np.sum(net < hz.required - 1e-9)),
                "on-phone agent-hours / required": round(float(net.sum() / hz.required.sum()), 4)})
    print(row, flush=True)
    return row


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--only", choices=["tour", "full", "named", "retail", "long", "pyworkforce"], default=None)
    ap.add_argument("--long", type=float, default=None, help="also run four weeks with HiGHS for this many seconds")
    a = ap.parse_args()
    if a.only in (None, "tour"):
        bench_tour(a.time_limit)
    if a.long:
        print(tour_row(two_peak_requirements(4), 4, "highs", a.long), flush=True)
    if a.only in (None, "full"):
        bench_full(a.time_limit)
    if a.only in (None, "named"):
        bench_named(a.time_limit)
    if a.only in (None, "retail"):
        bench_retail(a.time_limit)
    if a.only in (None, "pyworkforce"):
        bench_pyworkforce(a.time_limit)


if __name__ == "__main__":
    main()
