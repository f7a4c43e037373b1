"""Staffing speed and memory: required agents for 100,000 intervals.

Run by hand:  python benchmarks/bench_staffing.py [--intervals 100000]
Optional:     PYWORKFORCE_PYTHON=/path/to/python-with-pyworkforce  (it runs in
              its own interpreter because its newest releases need another
              Python than ours; the version found is printed).

Loads are uniform on 0..5,000 Erlangs (AHT 180 s, 30-minute intervals). All
targets are on: 80 % in 20 s, ASA <= 20 s, occupancy <= 85 %, and for
Erlang A (patience 120 s) abandonment <= 5 %. Three ways are timed in one run,
so the ratios hold on a noisy shared machine:

* wfm vectorised (the product);
* the same math called interval by interval (a scalar loop), timed on a
  random subsample and scaled to the full count;
* pyworkforce's ErlangC.required_positions (service level + occupancy only:
  it has no ASA target and, in the versions on PyPI for Python 3.11, no
  Erlang A), also on a subsample and scaled.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess

import numpy as np
import pandas as pd
from _timing import measure  # benchmarks/_timing.py: scripts run from this folder

from wfm.staffing import ServiceTargets, min_agents_meeting, required_agents

AHT_S = 180.0
INTERVAL_MIN = 30


def make_intervals(n: int, seed: int = 0) -> pd.DataFrame:
    load = np.random.default_rng(seed).uniform(0, 5000, n)
    return pd.DataFrame({"offered": load * INTERVAL_MIN * 60 / AHT_S, "aht_s": AHT_S,
                         "interval_min": INTERVAL_MIN})


def pyworkforce_seconds(df: pd.DataFrame, python: str) -> tuple[str, float, list[int]]:
    script = """
import json, sys, time
from importlib.metadata import version
from pyworkforce.queuing import ErlangC
offered = json.load(sys.stdin)
out = []
t0 = time.perf_counter()
for x in offered:
    e = ErlangC(transactions=x, aht=3.0, asa=20 / 60, interval=30, shrinkage=0.0)
    out.append(e.required_positions(service_level=0.8, max_occupancy=0.85)["raw_positions"])
print(json.dumps([version("pyworkforce"), time.perf_counter() - t0, out]))
"""
    res = subprocess.run([python, "-c", script], input=json.dumps(df["offered"].tolist()),
                         capture_output=True, text=True, check=True)
    ver, sec, out = json.loads(res.stdout)
    return ver, sec, out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--intervals", type=int, default=100_000)
    ap.add_argument("--loop-sample", type=int, default=2_000)
    args = ap.parse_args()

    df = make_intervals(args.intervals)
    sub = df.sample(args.loop_sample, random_state=1).reset_index(drop=True)
    scale = args.intervals / args.loop_sample
    cases = {
        "erlang-c": (ServiceTargets(0.8, 20, max_asa_s=20, max_occupancy=0.85), {}),
        "erlang-a": (ServiceTargets(0.8, 20, max_asa_s=20, max_abandon=0.05, max_occupancy=0.85),
                     {"patience_s": 120.0}),
    }
    rows = []
    vec_seconds = {}
    for model, (targets, kw) in cases.items():
        required_agents(df.head(100), targets, model=model, **kw)  # warm imports
        res, sec, peak = measure(
            lambda t=targets, m=model, k=kw: required_agents(df, t, model=m, **k))
        vec_seconds[model] = sec
        rows.append((f"wfm {model}, vectorised", args.intervals, sec, peak, 1.0))

        load = sub["offered"].to_numpy() * AHT_S / (INTERVAL_MIN * 60)
        pat = kw.get("patience_s", np.inf)

        def loop(model=model, targets=targets, pat=pat, load=load):
            # The same numpy search, called once per interval with a scalar:
            # what a non-vectorised implementation of this math costs.
            return [int(min_agents_meeting(model, np.array([x]), np.array([AHT_S]), targets,
                                            pat, 1.0)[0]) for x in load]

        looped, lsec, lpeak = measure(loop, memory=False)
        want = required_agents(sub, targets, model=model, **kw).required_agents.tolist()
        assert looped == want, "scalar loop and vectorised disagree"
        rows.append((f"wfm {model}, scalar loop (x{scale:.0f} of {len(sub)})", args.intervals,
                     lsec * scale, lpeak, lsec * scale / sec))

    py = os.environ.get("PYWORKFORCE_PYTHON")
    pw_note = "pyworkforce: not run (set PYWORKFORCE_PYTHON)"
    if py:
        ver, psec, pout = pyworkforce_seconds(sub, py)
        mine = required_agents(sub, ServiceTargets(0.8, 20, max_occupancy=0.85)).required_agents
        agree = float(np.mean(np.asarray(pout) == mine.to_numpy()))
        rows.append((f"pyworkforce {ver} ErlangC, SL+occupancy (x{scale:.0f} of {len(sub)})",
                     args.intervals, psec * scale, float("nan"), psec * scale / vec_seconds["erlang-c"]))
        pw_note = (f"pyworkforce {ver}: same answer as wfm (SL + occupancy targets) on "
                   f"{agree:.1%} of the {len(sub)} sampled intervals")

    print(f"required agents, {args.intervals:,} intervals, loads 0-5,000 Erlangs, all targets on")
    print(f"{'method':<58} {'seconds':>9} {'peak MiB':>9} {'x vectorised C/A':>17}")
    for name, _n, sec, peak, ratio in rows:
        print(f"{name:<58} {sec:9.2f} {peak:9.1f} {ratio:17.1f}")
    print(f"Erlang A / Erlang C (vectorised): {vec_seconds['erlang-a'] / vec_seconds['erlang-c']:.1f}x")
    print(pw_note)


if __name__ == "__main__":
    main()
