"""End-to-end speed: `wfm plan` on the baseline and `wfm compare` on six scenarios.

Run by hand:  python benchmarks/bench_plan.py [--repeat 1]

Each measurement runs the real command in a fresh Python process (so import
time counts, as it does for a planner) and reads its peak resident memory
from the operating system (ru_maxrss of the finished children, the largest
child for a parallel compare). Serial and parallel compare run back to back
in one go, so their ratio is meaningful on a shared machine.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ["baseline", "double11_surge", "sl85_20", "aht_minus10", "low_shrinkage",
             "one_on_one_mix"]


def run(args: list[str]) -> tuple[float, float]:
    """(wall seconds, peak RSS MiB of the process tree) of ``python -m wfm.cli args``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "wfm.cli", *args], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    # ru_maxrss of children is the largest single child so far (KiB on Linux).
    return wall, max(after, before) / 1024


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args()
    files = [str(ROOT / "scenarios" / f"{s}.toml") for s in SCENARIOS]
    rows = []
    with tempfile.TemporaryDirectory() as out:
        for _ in range(args.repeat):
            rows.append(("wfm plan (baseline)", *run(["plan", "-o", f"{out}/p"])))
            serial = run(["compare", *files, "-o", f"{out}/s", "-j", "1"])
            parallel = run(["compare", *files, "-o", f"{out}/c", "-j", "2"])
            rows.append(("wfm compare, 6 scenarios, 1 process", *serial))
            rows.append(("wfm compare, 6 scenarios, 2 processes", *parallel))
            rows.append(("  parallel speed-up (serial / parallel wall)", serial[0] / parallel[0],
                         float("nan")))
    print(f"{'run':<48} {'wall s':>8} {'peak MiB':>9}")
    for name, wall, mib in rows:
        print(f"{name:<48} {wall:8.2f} {mib:9.0f}")


if __name__ == "__main__":
    main()
