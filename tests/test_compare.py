"""wfm compare: differences follow from the scenarios' inputs; parallel equals serial."""

from __future__ import annotations

import pandas as pd
import pytest
from click.testing import CliRunner

from wfm.cli import cli
from wfm.compare import comparison_table, run_scenarios
from wfm.errors import InputError
from wfm.scenario import load_scenario

SMALL = """[scenario]
name = "{name}"
[data]
sample_days = 35
[forecast]
horizon_weeks = 1
backtest_origins = 1
[roster]
time_limit_s = 6
gap_rel = 0.02
{extra}
"""


def scenario(tmp_path, name, extra=""):
    p = tmp_path / f"{name}.toml"
    p.write_text(SMALL.format(name=name, extra=extra), encoding="utf-8")
    return p


def test_compare_differences_follow_the_inputs(tmp_path):
    base = scenario(tmp_path, "base")
    more = scenario(tmp_path, "more", "[overrides]\nvolume_factor = 1.15\n")
    faster = scenario(tmp_path, "faster", "[overrides]\naht_delta_s = -10\n")
    res = CliRunner().invoke(cli, ["compare", str(base), str(more), str(faster),
                                   "-o", str(tmp_path / "out"), "-j", "2"])
    assert res.exit_code == 0, res.output
    table = pd.read_csv(tmp_path / "out" / "comparison.csv").set_index("figure")
    assert table.loc["offered_contacts", "more"] == pytest.approx(
        1.15 * table.loc["offered_contacts", "base"])
    assert table.loc["offered_contacts", "more vs base %"] == pytest.approx(15.0)
    # Required agents are monotone in the load: more volume never needs fewer.
    for fig in ("required_agent_hours", "scheduled_agent_hours"):
        assert table.loc[fig, "more - base"] > 0
        assert table.loc[fig, "faster - base"] < 0
    # 15 % more volume needs more paid agent time on the roster.
    assert table.loc["paid_hours", "more - base"] > 0
    for name in ("base", "more", "faster"):
        assert (tmp_path / "out" / name / "summary.json").exists()
    assert "more vs base" in res.output


def test_parallel_equals_serial(tmp_path):
    off = "enabled = false\n"  # staffing-only what-ifs: exact, and no solver time limit
    paths = [scenario(tmp_path, "a", off), scenario(tmp_path, "b", off + "[service]\nshrinkage = 0.2\n")]
    scen = [load_scenario(p) for p in paths]
    serial = comparison_table(run_scenarios(scen, tmp_path / "s", processes=1))
    parallel = comparison_table(run_scenarios(scen, tmp_path / "p", processes=2))
    pd.testing.assert_frame_equal(serial, parallel)


def test_duplicate_scenario_names_are_rejected(tmp_path):
    a = scenario(tmp_path, "same")
    (tmp_path / "other").mkdir()
    b = scenario(tmp_path / "other", "same")
    with pytest.raises(InputError, match="more than one scenario"):
        run_scenarios([load_scenario(a), load_scenario(b)], tmp_path / "o")
