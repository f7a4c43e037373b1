"""Fingerprints of the plan and of the benchmark rosters (run by hand).

    python benchmarks/plan_fingerprint.py [--only plan|week|month] [--json OUT.json]

A refactor that keeps behaviour keeps these hashes. Each roster is reduced to
a canonical text (one line per shift: agent, contract, shift type, start,
end, meal, breaks, paid hours, every time as UTC ISO 8601), whatever type the
roster table holds internally, and hashed with SHA-256 (first 10 hex digits).

* ``week`` / ``month``: ``build_roster`` on the two-peak instance of
  ``bench_roster.py`` (one and four weeks, HiGHS, the work budget of 30
  reference seconds that a 60 s limit gives by default, under a 600 s wall
  clock so that the wall clock never ends the search on a loaded machine:
  ``repeatable`` must print True).
* ``plan``: the bundled baseline scenario through :class:`wfm.plan.Plan`, with
  the wall-clock limit raised to 600 s and the work budget fixed at the
  default 15 reference seconds; forecast, staffing, coverage and the roster
  hashed from the tables the plan returns.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))


def _h(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:10]


def _utc(v) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NaT or (isinstance(v, str) and not v):
        return ""
    return pd.Timestamp(v).tz_convert("UTC").isoformat()


def _breaks(v) -> str:
    """Breaks as text (``start/end;...``) or as a list of (start, end) pairs."""
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return ""
    if isinstance(v, str):
        pairs = [p.split("/") for p in v.split(";") if p]
    else:
        pairs = list(v)
    return ";".join(f"{_utc(a)}/{_utc(b)}" for a, b in pairs)


def roster_fingerprint(roster) -> str:
    if hasattr(roster, "file_table"):  # wfm.roster.Roster: its file form
        roster = roster.file_table()
    lines = []
    for r in roster.to_dict("records"):
        lines.append("|".join([str(r["agent_id"]), str(r["contract"]), str(r["shift_type"]),
                               _utc(r["shift_start"]), _utc(r["shift_end"]), _utc(r.get("meal_start")),
                               _utc(r.get("meal_end")), _breaks(r.get("breaks")), f"{float(r['paid_hours']):.4f}"]))
    return _h("\n".join(sorted(lines)))


def table_fingerprint(df: pd.DataFrame, cols: list[str]) -> str:
    parts = []
    for c in cols:
        s = df[c]
        if isinstance(s.dtype, pd.DatetimeTZDtype) or (s.dtype == object and c.endswith("start")):
            parts.append(",".join(_utc(v) for v in s))
        elif pd.api.types.is_numeric_dtype(s):
            parts.append(",".join(f"{v:.6g}" for v in s.to_numpy(float)))
        else:
            parts.append(",".join(map(str, s)))
    return _h("\n".join(parts))


def bench_instance(weeks: int) -> dict:
    from bench_roster import two_peak_requirements

    from wfm.roster import build_roster

    req = two_peak_requirements(weeks)
    t = time.perf_counter()
    res = build_roster(req, ROOT / "models" / "shifts.toml", weeks, time_limit_s=600.0, work_limit_s=30.0)
    s = res.summary
    return {"instance": f"{weeks} week(s)", "objective": round(s["objective"], 4),
            "lp_bound": round(s["lp_bound"], 4), "headcount": s["headcount"], "shifts": len(res.roster),
            "roster": roster_fingerprint(res.roster),
            "coverage": table_fingerprint(res.coverage, ["required_agents", "scheduled_agents"]),
            "repeatable": s["repeatable"], "wall_s": round(time.perf_counter() - t, 1)}


def bench_plan() -> dict:
    from wfm.plan import Plan
    from wfm.resources import bundled
    from wfm.scenario import load_scenario

    sc = load_scenario(bundled("scenarios", "baseline.toml"))
    sc = dataclasses.replace(sc, roster=dataclasses.replace(sc.roster, time_limit_s=600.0, work_limit_s=15.0))
    t = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        res = Plan(sc).run(Path(tmp) / "baseline")
    r = res.roster
    return {"instance": "plan baseline",
            "forecast": table_fingerprint(res.forecast.forecast, ["interval_start", "offered", "offered_lower",
                                                                  "offered_upper", "aht_s"]),
            "staffing": table_fingerprint(res.staffing, ["interval_start", "required_agents", "scheduled_agents",
                                                         "service_level", "asa_s", "p_abandon"]),
            "roster": roster_fingerprint(r.roster), "shifts": len(r.roster),
            "coverage": table_fingerprint(r.coverage, ["required_agents", "scheduled_agents", "service_level"]),
            "objective": round(r.summary["objective"], 4), "cost_cny": res.summary["headline"]["cost_cny"],
            "repeatable": r.summary["repeatable"], "wall_s": round(time.perf_counter() - t, 1)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", choices=["plan", "week", "month"], default=None)
    ap.add_argument("--json", default=None)
    a = ap.parse_args()
    rows = []
    if a.only in (None, "plan"):
        rows.append(bench_plan())
        print(rows[-1], flush=True)
    if a.only in (None, "week"):
        rows.append(bench_instance(1))
        print(rows[-1], flush=True)
    if a.only in (None, "month"):
        rows.append(bench_instance(4))
        print(rows[-1], flush=True)
    if a.json:
        Path(a.json).write_text(json.dumps(rows, indent=2, default=str))


if __name__ == "__main__":
    main()
