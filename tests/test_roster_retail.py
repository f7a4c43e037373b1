"""Public retail instances: reader and penalty mapping against the published values."""

from pathlib import Path

import numpy as np
import pytest

from wfm.roster.retail import (
    published_penalty,
    read_retail,
    read_retail_solution,
    retail_penalty,
    retail_setup,
)

SHARED = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "retail_matsp"
pytestmark = pytest.mark.skipif(not SHARED.exists(), reason="shared benchmarks not present")


@pytest.mark.parametrize("name,published", [("1_7_10_1", 383), ("10_7_20_3", 193)])
def test_penalty_of_published_solutions(name, published):
    inst = read_retail(SHARED / f"{name}.txt")
    assert inst.days == 7 and inst.periods == 7 * 96
    assert len(inst.staff) == int(name.split("_")[2]) and inst.tasks == int(name.split("_")[3])
    sol = SHARED / f"{name}.strandmark_solution.xml"
    shifts, cover = read_retail_solution(sol, inst)
    assert published_penalty(sol) == published
    pen = retail_penalty(cover, inst)
    assert pen["penalty"] == published  # the reference checker's sum of squared excess
    assert pen["under_periods"] == 0  # cover below Min is infeasible there
    # the published solutions keep the rules we map: 6-10 h shifts, >= 14 h rest
    assert all(24 <= s["periods"] <= 40 for s in shifts)
    by = {}
    for s in shifts:
        by.setdefault(s["employee"], []).append(s)
    for lst in by.values():
        lst.sort(key=lambda s: s["start_period"])
        for a, b in zip(lst, lst[1:], strict=False):
            assert b["start_period"] - a["start_period"] - a["periods"] >= 14 * 4


def test_setup_maps_the_horizon():
    inst = read_retail(SHARED / "1_7_10_1.txt")
    req, cat, agents, days, uw, ow = retail_setup(inst)
    assert days == 8 and len(req) == 8 * 96
    # the instance starts at 06:00 on day 1: the first 24 quarter-hours are outside it
    assert (req["required_agents"].to_numpy()[:24] == 0).all() and (uw[:24] == 0).all() and (ow[:24] > 100).all()
    assert np.array_equal(req["required_agents"].to_numpy()[24:24 + inst.periods], inst.min_cover.sum(axis=1))
    assert [a.max_minutes for a in agents][:3] == [2400, 2400, 1200]
    assert cat.shift_types["retail"].lengths_min == tuple(range(360, 601, 15))
