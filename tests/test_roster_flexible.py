"""Flexible contracts with named agents (part-timers with minute limits).

The rounded LP never keeps these agents' rules, so the solver needs another
start: a skeleton of who works which day and how long
(:func:`wfm.roster.solve.flexible_start`). Checked here: a brute-force
optimum, the rules on a roster built on almost no budget (by the
independent checker and by recounting the roster), and agents whose
minimum cannot be reached."""

import itertools

import numpy as np
import pandas as pd

from wfm.roster import build_roster
from wfm.roster.agents import Agent
from wfm.roster.catalog import parse_catalog
from wfm.roster.check import check_roster

PAY = 10.0  # per shift (base 220 / 22 paid days)
UNDER, OVER = 9.0, 2.0  # per agent-hour


def _catalog(min_h, max_h, windows, max_consecutive=2, rest_h=12):
    return parse_catalog({
        "pay": {"base_monthly": PAY * 22},
        "penalties": {"under_per_agent_hour": UNDER, "over_per_agent_hour": OVER},
        "shift_types": {"p": {"min_length_h": min_h, "max_length_h": max_h, "length_step_min": 60,
                              "start_step_min": 120, "start_windows": windows}},
        "contracts": {"part": {"pattern": "flexible", "shift_types": ["p"], "paid_days_per_month": 22,
                               "min_rest_h": rest_h, "max_consecutive_days": max_consecutive}},
    })


def _requirements(days, rng):
    ts = pd.date_range("2026-03-02", periods=days * 24, freq="60min", tz="Asia/Shanghai")
    req = np.zeros(days * 24)
    for d in range(days):
        req[d * 24 + 8:d * 24 + 15] = rng.integers(0, 3, 7)
    return pd.DataFrame({"interval_start": ts, "required_agents": req}), req


def _roster_cost(res, req):
    net = res.coverage["scheduled_agents"].to_numpy(float)
    return PAY * len(res.roster) + UNDER * np.clip(req - net, 0, None).sum() + OVER * np.clip(net - req, 0, None).sum()


def test_flexible_named_roster_matches_brute_force():
    """Two part-timers, three days, shifts of 2 or 3 h starting 08:00, 10:00
    or 12:00, at most two days in a row, minute limits: every combination of
    (off, or start x length) per agent and day is enumerated; the roster's
    cost, recounted from the roster and its coverage, equals the best one."""
    cat = _catalog(2, 3, ["08:00-12:00"])
    days = 3
    rng = np.random.default_rng(11)
    df, req = _requirements(days, rng)
    agents = [Agent("P1", "P1", "part", min_minutes=300, max_minutes=420),
              Agent("P2", "P2", "part", min_minutes=0, max_minutes=300)]
    res = build_roster(df, cat, agents=agents, days=days, tz="Asia/Shanghai", time_limit_s=60, close_gap=False)
    assert res.summary["rule_violations"] == 0
    assert res.summary["unfilled_shifts"] == []
    choices = [None] + [(s, L) for s in (8, 10, 12) for L in (2, 3)]
    lims = [(300, 420), (0, 300)]
    best = np.inf
    for pick in itertools.product(choices, repeat=2 * days):
        ok = True
        net = np.zeros(days * 24)
        for a in range(2):
            mine = pick[a * days:(a + 1) * days]
            mins = sum(60 * c[1] for c in mine if c)
            if not lims[a][0] <= mins <= lims[a][1] or all(mine):  # all three days = 3 in a row
                ok = False
                break
            for d, c in enumerate(mine):
                if c:
                    net[d * 24 + c[0]:d * 24 + c[0] + c[1]] += 1
        if not ok:
            continue
        cost = PAY * sum(1 for c in pick if c) + UNDER * np.clip(req - net, 0, None).sum() + OVER * np.clip(net - req, 0, None).sum()
        best = min(best, cost)
    assert _roster_cost(res, req) == best
    assert abs(res.summary["objective"] - best) < 1e-6


def test_flexible_members_get_a_legal_roster_on_almost_no_budget():
    """With a work budget too small for the MIP (which used to end in "no
    integer roster"), the skeleton start is published: every agent within
    their minutes, rest and consecutive-day rules, no shift unfilled."""
    cat = _catalog(4, 6, ["08:00-14:00"], max_consecutive=3, rest_h=12)
    days = 7
    df, req = _requirements(days, np.random.default_rng(5))
    lims = {"P1": (1200, 1800), "P2": (900, 1500), "P3": (0, 1200), "P4": (600, None)}
    agents = [Agent(a, a, "part", min_minutes=lo, max_minutes=hi) for a, (lo, hi) in lims.items()]
    res = build_roster(df, cat, agents=agents, days=days, tz="Asia/Shanghai", time_limit_s=60,
                       work_limit_s=0.01, close_gap=False)
    s = res.summary
    assert any("skeleton" in n for n in s["notes"]), s["notes"]
    assert s["solution_source"] == "warm_start"
    assert s["unfilled_shifts"] == [] and s["rule_violations"] == 0
    assert check_roster(res.roster, cat, horizon_start=pd.Timestamp("2026-03-02").date(), days=days,
                        agents={a.id: a for a in agents}).empty
    r = res.roster.shifts.assign(s_=res.roster.shifts["shift_start"], e_=res.roster.shifts["shift_end"])
    for a, (lo, hi) in lims.items():
        mine = r[r["agent_id"] == a].sort_values("s_")
        minutes = ((mine["e_"] - mine["s_"]).dt.total_seconds() / 60).sum()
        assert lo <= minutes <= (hi if hi is not None else np.inf), (a, minutes)
        gaps = (mine["s_"].iloc[1:].to_numpy() - mine["e_"].iloc[:-1].to_numpy()) / np.timedelta64(1, "h")
        assert (gaps >= 12).all()
        days_worked = sorted({t.date() for t in mine["s_"]})
        run = 1
        for x, y in zip(days_worked, days_worked[1:], strict=False):
            run = run + 1 if (y - x).days == 1 else 1
            assert run <= 3
    # more budget can only help: the MIP starts from the same skeleton
    more = build_roster(df, cat, agents=agents, days=days, tz="Asia/Shanghai", time_limit_s=60,
                        work_limit_s=5, close_gap=False)
    assert more.summary["objective"] <= s["objective"] + 1e-9


def test_unreachable_minimum_minutes_is_reported_not_solved():
    """At most 2 days in a row over 7 days is 5 days; 5 x 6 h = 1 800 min
    cannot meet a 2 000 min minimum: that agent is reported as not placed
    (with the reason) and the others are rostered."""
    cat = _catalog(4, 6, ["08:00-14:00"], max_consecutive=2)
    df, _req = _requirements(7, np.random.default_rng(2))
    agents = [Agent("P1", "P1", "part", min_minutes=2000), Agent("P2", "P2", "part", min_minutes=600)]
    res = build_roster(df, cat, agents=agents, days=7, tz="Asia/Shanghai", time_limit_s=60, close_gap=False)
    row = res.agents.set_index("agent_id").loc["P1"]
    assert row["status"] == "not placed" and "1800" in row["reason"] and "2 days in a row" in row["reason"]
    assert res.agents.set_index("agent_id").loc["P2", "status"] == "placed"
    assert res.summary["rule_violations"] == 0


def test_assignment_lengthens_a_shift_to_meet_minimum_minutes():
    """The model splits a day's shift minutes among flexible agents
    continuously, so two 2 h shifts may stand for agents needing 3 h and
    1 h. The assignment then works one of them 3 h (same start, a length
    the catalogue allows) and reports it, rather than leave the agent short."""
    from wfm.roster.agents import group_agents
    from wfm.roster.assign import assign_shifts, assign_tours
    from wfm.roster.demand import build_horizon, validate_requirements
    from wfm.roster.model import TourModel
    from wfm.roster.solution import Solution

    cat = _catalog(1, 3, ["08:00-08:00"])
    df, _req = _requirements(1, np.random.default_rng(0))
    hz = build_horizon(validate_requirements(df), days=1, tz="Asia/Shanghai")
    agents = [Agent("P1", "P1", "part", min_minutes=180, max_minutes=180), Agent("P2", "P2", "part", max_minutes=120)]
    grouping = group_agents(agents, cat, hz)
    m = TourModel(hz, cat, grouping.groups)
    two_h = [i for i, o in enumerate(m.options) if o.length_min == 120]
    three_h = [i for i, o in enumerate(m.options) if o.length_min == 180]
    assert len(two_h) == 1 and len(three_h) == 1
    values = m.zeros()
    values[m.cols.x[two_h[0]]] = 2.0
    vals = Solution(m, values)
    asg = assign_shifts(m, vals, {a.id: a for a in agents}, assign_tours(m, vals))
    assert asg.stretched == [("P1", two_h[0], three_h[0])]
    assert sorted((s["agent_id"], m.options[s["option"]].length_min) for s in asg.shifts) == [("P1", 180), ("P2", 120)]
    assert asg.unfilled == [] and not any("below min_minutes" in n for n in asg.notes)
