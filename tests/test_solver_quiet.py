"""The solver keeps quiet: HiGHS's start-up banner goes to the log, not stdout."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

PROBE = """
import logging, sys
records = []
logging.getLogger("wfm.roster").addHandler(type("H", (logging.Handler,), {"emit": lambda s, r: records.append(r.getMessage())})())
logging.getLogger("wfm.roster").setLevel(logging.INFO)
from wfm.roster.model import highs_banner
import highspy
banner = highs_banner()
highspy.Highs()  # a later solver object prints nothing either
assert highs_banner() is banner
print("stdout:", "after")
sys.stderr.write("banner=" + banner.splitlines()[0] + "\\n")
sys.stderr.write("logged=" + str(records == [banner]) + "\\n")
"""


def test_highs_banner_goes_to_the_log_not_stdout():
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    run = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=120, check=True)
    assert run.stdout == "stdout: after\n"
    assert "banner=Running HiGHS" in run.stderr and "logged=True" in run.stderr
