"""A plan folder is wholly the previous run or wholly the new one: killed
runs at several steps leave the old folder byte for byte, a finished run
leaves nothing stale, and a folder the product did not write is never
replaced."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from wfm.errors import InputError
from wfm.folder import MARKER, recover, staged_folder

SCENARIO = """[scenario]
name = "k"
[data]
sample_days = 56
[forecast]
horizon_weeks = 1
backtest_origins = 1
[roster]
enabled = {roster}
time_limit_s = 120
work_limit_s = 2
gap_rel = 0.02
[overrides]
volume_factor = {volume}
"""


def _snapshot(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _plan(tmp_path, scenario: Path, out: Path, kill_at: str | None = None) -> int:
    """Run `wfm plan` in a subprocess; with ``kill_at``, SIGKILL it as soon as
    it reports that step on stderr."""
    cmd = [sys.executable, "-m", "wfm.cli", "plan", str(scenario), "-o", str(out)]
    proc = subprocess.Popen(cmd, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])})
    if kill_at is None:
        proc.communicate(timeout=600)
        return proc.returncode
    for line in proc.stderr:
        if f"{kill_at} ..." in line:
            os.kill(proc.pid, signal.SIGKILL)
            break
    proc.wait(timeout=600)
    return proc.returncode


def test_killed_plans_leave_the_old_folder_and_a_finished_one_leaves_nothing_stale(tmp_path):
    old_scen = tmp_path / "old.toml"
    old_scen.write_text(SCENARIO.format(roster="true", volume=1.0), encoding="utf-8")
    new_scen = tmp_path / "new.toml"
    new_scen.write_text(SCENARIO.format(roster="false", volume=1.2), encoding="utf-8")
    out = tmp_path / "out"
    assert _plan(tmp_path, old_scen, out) == 0
    before = _snapshot(out / "k")
    assert "roster/roster.csv" in before and "summary.json" in before
    for step in ("forecast", "staffing", "exports", "report"):
        assert _plan(tmp_path, new_scen, out, kill_at=step) == -signal.SIGKILL
        assert _snapshot(out / "k") == before, step
    assert _plan(tmp_path, new_scen, out) == 0
    after = _snapshot(out / "k")
    # wholly the new run: its summary, and no roster/ left from the old one
    assert after["summary.json"] != before["summary.json"]
    assert not any(name.startswith("roster/") for name in after)
    # killed runs left no temporary folders behind once a run has finished
    assert sorted(p.name for p in out.iterdir()) == ["k"]


def test_a_failed_run_leaves_the_folder_untouched(tmp_path):
    final = tmp_path / "plan"
    with staged_folder(final) as work:
        (work / "a.txt").write_text("first", encoding="utf-8")
    with pytest.raises(RuntimeError), staged_folder(final) as work:
        (work / "a.txt").write_text("second", encoding="utf-8")
        raise RuntimeError("the run failed")
    assert (final / "a.txt").read_text(encoding="utf-8") == "first"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan"]


def test_a_swap_killed_between_its_renames_is_recovered(tmp_path):
    final = tmp_path / "plan"
    with staged_folder(final) as work:
        (work / "a.txt").write_text("first", encoding="utf-8")
    os.rename(final, tmp_path / ".plan.old-xyz")  # as if killed after the first rename
    recover(final)
    assert (final / "a.txt").read_text(encoding="utf-8") == "first" and (final / MARKER).exists()


def test_a_folder_the_product_did_not_write_is_not_replaced(tmp_path):
    mine = tmp_path / "Documents"
    mine.mkdir()
    (mine / "letter.txt").write_text("keep me", encoding="utf-8")
    with pytest.raises(InputError, match="did not write"), staged_folder(mine):
        pass
    assert (mine / "letter.txt").read_text(encoding="utf-8") == "keep me"
