"""The tour MILP against brute-force enumeration on tiny instances."""

import dataclasses
import itertools

import numpy as np
import pandas as pd
import pytest

from wfm.roster.catalog import parse_catalog
from wfm.roster.demand import build_horizon, validate_requirements
from wfm.roster.model import Group, TourModel
from wfm.roster.solve import (
    RATES,
    constraint_violations,
    fractional_variables,
    head_count_bound,
    solve_lp,
    solve_model,
)


def _horizon(req_by_day_hour, days, start="2026-03-02"):
    ts = pd.date_range(start, periods=days * 24, freq="60min", tz="Asia/Shanghai")
    req = np.array([req_by_day_hour.get((d, h), 0) for d in range(days) for h in range(24)], float)
    df = validate_requirements(pd.DataFrame({"interval_start": ts, "required_agents": req}))
    return build_horizon(df, days=days)


def _pen(r, v, under, over):
    return under * max(r - v, 0) + over * max(v - r, 0)


ALT = {
    "pay": {"base_monthly": 300.0},
    "penalties": {"under_per_agent_hour": 7.0, "over_per_agent_hour": 1.0},
    "shift_types": {"s4": {"length_h": 4, "earliest_start": "08:00", "latest_start": "10:00", "start_step_min": 120,
                           "breaks": [{"length_min": 60, "earliest_min": 60, "latest_min": 120}]}},
    "contracts": {"alt": {"pattern": "alternate", "shift_types": ["s4"], "paid_days_per_month": 15,
                          "min_rest_h": 11, "max_consecutive_days": 1}},
}


def test_alternate_with_implicit_breaks_matches_brute_force():
    rng = np.random.default_rng(7)
    days = 4
    req = {(d, h): int(rng.integers(0, 4)) for d in range(days) for h in range(8, 14)}
    cat = parse_catalog(ALT)
    hz = _horizon(req, days)
    m = TourModel(hz, cat, [Group("alt", "alt", None, 0, None)])
    info, vals = solve_model(m, time_limit_s=30)
    assert info.status == "optimal"
    pay = 300.0 / 15

    def day_cost(d, W):
        best = float("inf")
        for a in range(W + 1):  # a shifts at 08:00, W - a at 10:00
            for i in range(a + 1):  # i of them break at 09:00, the rest at 10:00
                for j in range(W - a + 1):  # j of the 10:00 shifts break at 11:00, the rest at 12:00
                    cost = 0.0
                    for h in range(8, 14):
                        on = (a if 8 <= h < 12 else 0) + ((W - a) if 10 <= h < 14 else 0)
                        on -= {9: i, 10: a - i, 11: j, 12: W - a - j}.get(h, 0)
                        cost += _pen(req[d, h], on, 7.0, 1.0)
                    best = min(best, cost)
        return best + pay * W

    brute = min(sum(day_cost(d, (q0, q1)[d % 2]) for d in range(days)) for q0 in range(6) for q1 in range(6))
    assert info.objective == pytest.approx(brute, abs=1e-6)
    assert info.lp_bound <= info.objective + 1e-6
    assert not fractional_variables(m, vals)
    assert not constraint_violations(m, vals)



def _alt_day_cost(req, d, W):
    """Brute force: the cheapest shifts and breaks of W ALT agents on day d
    (a at 08:00, W - a at 10:00; i of the early ones break at 09:00, j of
    the late ones at 11:00), pay included."""
    best = float("inf")
    for a in range(W + 1):
        for i in range(a + 1):
            for j in range(W - a + 1):
                on = {h: (a if 8 <= h < 12 else 0) + ((W - a) if 10 <= h < 14 else 0)
                      - {9: i, 10: a - i, 11: j, 12: W - a - j}.get(h, 0) for h in range(8, 14)}
                best = min(best, sum(_pen(req[d, h], on[h], 7.0, 1.0) for h in range(8, 14)))
    return best + 300.0 / 15 * W


def _alt_model_and_bad_start(seed=7, days=4):
    """The alternate-contract instance with its optimal tours but every shift
    at 08:00 and every break at its earliest time; the brute-force cost of
    the best shifts for each day's shift count."""
    from wfm.roster.solve import polish

    rng = np.random.default_rng(seed)
    req = {(d, h): int(rng.integers(2, 12)) for d in range(days) for h in range(8, 14)}
    cat = parse_catalog(ALT)
    m = TourModel(_horizon(req, days), cat, [Group("alt", "alt", None, 0, None)])
    _info, opt = solve_model(m, time_limit_s=30)
    bad = np.array(opt.values)
    per_day = {}
    for i, o in enumerate(m.options):
        per_day[o.day] = per_day.get(o.day, 0) + int(opt[m.x[i]])
    for i, o in enumerate(m.options):
        bad[m.cols.x[i]] = float(per_day[o.day]) if o.start_clock == 8 * 60 else 0.0
    for bg, bcols in zip(m.break_groups, m.cols.b, strict=True):
        for k, j in enumerate(bcols):
            bad[j] = float(per_day[bg.day]) if k == 0 else 0.0
    bad = polish(m, bad)
    assert not constraint_violations(m, bad)

    return m, bad, sum(_alt_day_cost(req, d, per_day[d]) for d in range(days))


def test_day_neighbourhood_reaches_brute_force_day_optimum():
    """With the tours fixed, re-optimising one day at a time (starts integer,
    breaks relaxed, then integer breaks placed) finds each day's best shifts
    and breaks, as enumerated by brute force, from a poor start."""
    from wfm.roster.solve import day_by_day, objective_value

    m, bad, brute = _alt_model_and_bad_start()
    assert objective_value(m, bad) > brute + 1.0  # the start is not already optimal
    got = day_by_day(m, bad, passes=2)
    assert not constraint_violations(m, got) and not fractional_variables(m, got)
    assert objective_value(m, got) == pytest.approx(brute, abs=1e-6)
    for j in list(m.cols.q.values()) + list(m.cols.N.values()):
        assert got[j] == bad[j]


def test_place_breaks_is_optimal_for_fixed_shifts():
    """Integer break times for fixed shifts: feasible, integral, shifts and
    tours untouched, never worse than the breaks given, and as cheap as the
    best break placement found by enumeration (shifts at 08:00 only: i of the
    day's W shifts break at 09:00, the rest at 10:00)."""
    from wfm.roster.solve import objective_value, place_breaks

    m, bad, _ = _alt_model_and_bad_start()
    got = place_breaks(m, bad)
    assert got is not None
    assert not constraint_violations(m, got) and not fractional_variables(m, got)
    for j in m.cols.x:
        assert got[j] == bad[j]
    req = m.h.required.reshape(m.D, 24)
    best = 0.0
    for d in range(m.D):
        W = int(sum(bad[m.cols.x[i]] for i, o in enumerate(m.options) if o.day == d))
        best += 300.0 / 15 * W + min(
            sum(_pen(req[d, h], (W if 8 <= h < 12 else 0) - {9: i, 10: W - i}.get(h, 0), 7.0, 1.0) for h in range(8, 14))
            for i in range(W + 1))
    assert objective_value(m, got) == pytest.approx(best, abs=1e-6)
    assert objective_value(m, got) <= objective_value(m, bad) + 1e-9


WEEKLY = {
    "pay": {"base_monthly": 100.0},
    "penalties": {"under_per_agent_hour": 9.0, "over_per_agent_hour": 2.0},
    "shift_types": {"s4": {"length_h": 4, "earliest_start": "09:00", "latest_start": "09:00"}},
    "contracts": {"six": {"pattern": "weekly", "shift_types": ["s4"], "work_days_per_week": 6,
                          "paid_days_per_month": 25, "min_rest_h": 11, "max_consecutive_days": 6}},
}


def _weekly_brute(r, max_agents=5):
    """Cheapest roster of the WEEKLY catalogue for day requirements ``r``
    (09:00-13:00), by enumerating head counts and days-off patterns."""
    pay = 100.0 / 25
    brute = float("inf")
    for N in range(max_agents + 1):
        # number of agents whose one day off is day k (7 patterns)
        for comp in itertools.product(range(N + 1), repeat=7):
            if sum(comp) != N:
                continue
            cost = 0.0
            for d in range(7):
                W = N - comp[d]
                cost += pay * W + 4 * _pen(r[d], W, 9.0, 2.0)
            brute = min(brute, cost)
    return brute


def _weekly_model(r):
    req = {(d, h): int(r[d]) for d in range(7) for h in range(9, 13)}
    return TourModel(_horizon(req, 7), parse_catalog(WEEKLY), [Group("six", "six", None, 0, None)])


def test_weekly_patterns_match_brute_force():
    r = np.random.default_rng(3).integers(0, 4, size=7)
    m = _weekly_model(r)
    info, vals = solve_model(m, time_limit_s=30)
    assert info.status == "optimal"
    assert info.objective == pytest.approx(_weekly_brute(r), abs=1e-6)


def test_solution_arrays_follow_the_model_columns():
    """A solution is an array over the model's columns: the objective, every
    constraint row and the coverage read from it equal PuLP's own evaluation
    of the model's expressions at the same values; a broken row is reported
    by its PuLP name; head counts are read per group."""
    import pulp

    from wfm.roster.solution import constraint_list

    m = _weekly_model([1, 2, 1, 1, 2, 1, 1])
    _info, sol = solve_model(m, time_limit_s=30)
    assert len(sol) == m.n_variables == len(m.prob.variables())
    for v in m.prob.variables():
        v.varValue = sol[v]
    assert m.objective_value(sol) == pytest.approx(pulp.value(m.prob.objective), abs=1e-9)
    lhs = m.rows.constant + m.rows.matrix @ np.asarray(sol)
    for r, c in enumerate(constraint_list(m.prob)):
        assert m.rows.names[r] == c.name
        assert lhs[r] == pytest.approx(c.value(), abs=1e-9)
    net = sol.net_coverage()
    for t, terms in enumerate(m.cover_terms):
        assert net[t] == pytest.approx(sum(sol[v] * f for v, f in terms), abs=1e-12)
    assert sol.head_counts() == {"six": round(sol[m.N["six"]])} and sol.head_counts()["six"] >= 1
    broken = np.array(sol.values)
    broken[m.cols.N["six"]] += 1
    assert "size_six" in constraint_violations(m, broken)
    assert not constraint_violations(m, sol)


def test_head_count_bound_is_valid_and_tighter_than_the_lp():
    """One agent needed every day, six-day contract: the LP pays for 7/6
    agents (28 = 7 days x 4); whole agents cost 60 (one agent, one day
    uncovered: 6 x 4 + 4 h x 9) or 88 (two, five days over-staffed: 12 x 4 +
    5 x 4 h x 2). The head-count branches are exactly these, and the bound
    is the brute-force optimum."""
    m = _weekly_model([1] * 7)
    lp = solve_lp(m, "highs", 30, False)
    lp_obj = lp.objective
    assert lp_obj == pytest.approx(28.0)
    bound, branch, cut = head_count_bound(m, lp_obj, lp.highs)
    assert not cut
    assert branch.lp_value == pytest.approx(7 / 6)
    assert (branch.below, branch.above) == (pytest.approx(60.0), pytest.approx(88.0))
    assert bound == pytest.approx(60.0) == _weekly_brute([1] * 7)
    info, _ = solve_model(_weekly_model([1] * 7), time_limit_s=30)
    assert info.head_count_bound == pytest.approx(60.0)
    assert info.lp_bound == pytest.approx(28.0)
    assert info.head_count_bound <= info.best_bound <= info.objective + 1e-6
    assert info.objective == pytest.approx(60.0)
    # large models run the branches in a forked child beside the searches: same answer
    forked, _ = solve_model(_weekly_model([1] * 7), time_limit_s=30,
                            rates=dataclasses.replace(RATES, head_count_fork_lp_s=0.0))
    assert ("head_count_bound (waited for)" in [p[0] for p in forked.phases])
    assert forked.head_count_bound == info.head_count_bound
    assert forked.head_count_branch == info.head_count_branch
    # never above the brute-force optimum; above the LP where its head count
    # is fractional (the first four), equal to it where not
    for i, r in enumerate(([3, 2, 2, 2, 2, 2, 2], [2, 1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 1, 3, 1],
                           [2, 2, 1, 2, 2, 2, 2], [1, 0, 1, 1, 2, 1, 0], [2, 3, 1, 1, 2, 1, 3])):
        m = _weekly_model(r)
        lp = solve_lp(m, "highs", 30, False)
        lp_obj = lp.objective
        bound, branch, _ = head_count_bound(m, lp_obj, lp.highs)
        assert lp_obj - 1e-9 <= bound <= _weekly_brute(r) + 1e-6
        fractional = i < 4
        assert (branch is not None) == fractional
        assert (bound > lp_obj + 1.0) == fractional
    # CBC: no HiGHS object, the LP bound unchanged
    assert head_count_bound(m, 5.0, None) == (5.0, None, False)


def test_cbc_agrees_and_solutions_are_integral():
    rng = np.random.default_rng(11)
    req = {(d, h): int(rng.integers(0, 4)) for d in range(4) for h in range(8, 14)}
    cat = parse_catalog(ALT)
    hz = _horizon(req, 4)
    m1 = TourModel(hz, cat, [Group("alt", "alt", None, 0, None)])
    i1, _ = solve_model(m1, solver="highs", time_limit_s=30)
    m2 = TourModel(hz, cat, [Group("alt", "alt", None, 0, None)])
    i2, v2 = solve_model(m2, solver="cbc", time_limit_s=30)
    assert i2.solver == "cbc"
    assert i2.objective == pytest.approx(i1.objective, abs=1e-6)
    assert not fractional_variables(m2, v2)


def test_cbc_stopped_early_never_publishes_fractions():
    """With a node limit of 0 CBC may stop without an integer solution; the
    result must still be an integral, feasible roster."""
    rng = np.random.default_rng(5)
    req = {(d, h): int(rng.integers(0, 9)) for d in range(6) for h in range(8, 14)}
    cat = parse_catalog(ALT)
    m = TourModel(_horizon(req, 6), cat, [Group("alt", "alt", None, 0, None)])
    info, vals = solve_model(m, solver="cbc", time_limit_s=20, node_limit=0, improve=False)
    assert not fractional_variables(m, vals)
    assert not constraint_violations(m, vals)
    assert info.status in ("optimal", "feasible", "heuristic")
    assert info.best_bound <= info.objective + 1e-6


def _week_model(limits=None):
    from pathlib import Path

    from wfm.roster.catalog import load_catalog

    cat = load_catalog(Path(__file__).resolve().parents[1] / "models" / "shifts.toml")
    ts = pd.date_range("2026-03-02", periods=7 * 48, freq="30min", tz="Asia/Shanghai")
    h = (ts.hour + ts.minute / 60).to_numpy()
    req = np.ceil(2 + 28 * np.maximum(np.exp(-0.5 * ((h - 10.5) / 1.6) ** 2), 0.8 * np.exp(-0.5 * ((h - 15.5) / 1.8) ** 2)))
    hz = build_horizon(validate_requirements(pd.DataFrame({"interval_start": ts, "required_agents": req})), days=7)
    limits = limits or {}
    groups = [Group(c, c, None, *limits.get(c, (ct.min_headcount, ct.max_headcount))) for c, ct in cat.contracts.items()]
    return TourModel(hz, cat, groups)


def test_tour_search_improves_within_limits():
    """The tour search changes tours and head counts only to a cheaper,
    feasible roster (every constraint of the model re-checked on the result),
    and never past a contract's head-count limits."""
    from wfm.roster.solve import local_search, objective_value, rounded_start, tour_search

    m = _week_model()
    lp = solve_lp(m, "highs", 60, False).values
    start = local_search(m, rounded_start(m, lp))
    got = tour_search(m, start)
    assert not constraint_violations(m, got) and not fractional_variables(m, got)
    assert objective_value(m, got) < objective_value(m, start) - 1.0
    tours = list(m.cols.p.values()) + list(m.cols.q.values()) + list(m.cols.N.values())
    assert any(got[j] != start[j] for j in tours)
    # pin every contract at the rounded LP count: head counts may not move
    pinned = {c: (int(start[m.cols.N[c]]),) * 2 for c in m.N}
    m2 = _week_model(pinned)
    lp2 = solve_lp(m2, "highs", 60, False).values
    got2 = tour_search(m2, local_search(m2, rounded_start(m2, lp2)))
    assert all(got2[m2.cols.N[c]] == pinned[c][0] for c in m2.N)
    assert not constraint_violations(m2, got2)


def test_cumulative_round_keeps_tours_and_running_totals():
    """Rounding the tours-fixed LP on running totals: a feasible integer
    roster with the same tours, each day's starts within half an agent of the
    LP's running totals (so no run of starts drifts by more than one)."""
    from wfm.roster.solve import cumulative_round, rounded_start, tours_fixed_lp

    m = _week_model()
    lp = solve_lp(m, "highs", 60, False)
    start = rounded_start(m, lp.values)
    fixed_lp = tours_fixed_lp(m, start, "highs")
    fixed = fixed_lp.values
    assert fixed_lp.status == "Optimal" and fixed_lp.objective >= solve_lp(m, "highs", 60, False).objective - 1e-6  # bounds restored
    got = cumulative_round(m, fixed, start)
    assert not constraint_violations(m, got) and not fractional_variables(m, got)
    for v in list(m.p.values()) + list(m.tr.values()) + list(m.q.values()) + list(m.N.values()):
        assert got[m.cols.position[v]] == start[m.cols.position[v]]
    worst = 0.0
    for idxs in m.day_opts.values():
        lp_run = int_run = 0.0
        for i in sorted(idxs, key=lambda i: m.options[i].start_min):
            lp_run += fixed[m.cols.x[i]]
            int_run += got[m.cols.x[i]]
            worst = max(worst, abs(int_run - lp_run))
    assert worst <= 0.5 + 1e-6
    assert any(abs(fixed[j] - round(fixed[j])) > 1e-6 for j in m.cols.x)  # there was something to round


def test_searches_keep_availability_rows():
    """Named groups with availability windows: the rounded start is mended
    (repair_availability) and the local, tour and day searches only make
    moves that keep constraint 6, with rows that bind (the restricted group
    could cover more of the late demand than the rows let it)."""
    from pathlib import Path

    from wfm.roster.catalog import load_catalog
    from wfm.roster.model import windows_key
    from wfm.roster.solve import (
        day_by_day,
        local_search,
        objective_value,
        repair_availability,
        rounded_start,
        tour_search,
    )

    cat = load_catalog(Path(__file__).resolve().parents[1] / "models" / "shifts.toml")
    ts = pd.date_range("2026-03-02", periods=7 * 48, freq="30min", tz="Asia/Shanghai")
    h = (ts.hour + ts.minute / 60).to_numpy()
    req = np.ceil(2 + 20 * np.exp(-0.5 * ((h - 17.0) / 2.5) ** 2))  # a late peak
    hz = build_horizon(validate_requirements(pd.DataFrame({"interval_start": ts, "required_agents": req})), days=7)
    day_only = windows_key({wd: [(6 * 60, 16 * 60)] for wd in range(7)})
    groups = [Group("free", "five_two", size=8), Group("early", "five_two", size=14, windows=day_only)]
    m = TourModel(hz, cat, groups)
    assert m.avail_rows
    lp = solve_lp(m, "highs", 60, False).values
    start = repair_availability(m, rounded_start(m, lp))
    assert not constraint_violations(m, start)
    steps = [local_search(m, start)]
    steps.append(tour_search(m, steps[-1]))
    steps.append(day_by_day(m, local_search(m, steps[-1]), passes=1, day_checks=200))
    for got in steps:
        assert not constraint_violations(m, got) and not fractional_variables(m, got)
    assert objective_value(m, steps[-1]) <= objective_value(m, start)
    # a start with too many late shifts on the last day is mended
    from wfm.roster.solve import polish

    late = np.array(start)
    xc = m.cols.x
    last = [i for i, o in enumerate(m.options) if o.day == 6 and o.shift_type == "day8"]
    latest = max(last, key=lambda i: m.options[i].start_min)
    late[xc[latest]] = sum(start[xc[i]] for i in last)
    for i in last:
        if i != latest:
            late[xc[i]] = 0.0
    for bg, bcols in zip(m.break_groups, m.cols.b, strict=True):
        if bg.day == 6 and bg.shift_type == "day8":
            for j, u in zip(bcols, bg.slots, strict=True):
                late[j] = late[xc[latest]] if u == m.options[latest].start_min + bg.first_off else 0.0
    late = polish(m, late)
    assert all(n.startswith("avail") for n in constraint_violations(m, late)) and constraint_violations(m, late)
    mended = repair_availability(m, late)
    assert not constraint_violations(m, mended)
    # the rows bind: late shifts on some day equal the free agents working it
    binding = sum(1 for r in m.avail_rows
                  if sum(steps[-1][xc[i]] for i in r.options) == m.availability_capacity(r, steps[-1]))
    assert binding > 0


def _alt_brute(req, days):
    """Brute-force optimum of the ALT instance: every pair of phase sizes,
    every day's best shifts and breaks for its count."""
    return min(sum(_alt_day_cost(req, d, (q0, q1)[d % 2]) for d in range(days)) for q0 in range(13) for q1 in range(13))


@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_priced_tour_moves_find_the_brute_force_tours(solver):
    """Tours re-chosen with whole shifts: from a roster whose every day is
    already at its best shifts (day neighbourhood) but with one agent too
    many in a phase, pricing each day's shifts with one agent fewer or more
    and choosing tours by those prices, then the day neighbourhood again,
    reaches the optimum enumerated by brute force; the day neighbourhood
    alone cannot (its tours are fixed)."""
    from wfm.roster.solve import day_by_day, objective_value, polish, priced_tour_moves

    days = 4
    rng = np.random.default_rng(11)
    req = {(d, h): int(rng.integers(2, 12)) for d in range(days) for h in range(8, 14)}
    m = TourModel(_horizon(req, days), parse_catalog(ALT), [Group("alt", "alt", None, 0, None)])
    brute = _alt_brute(req, days)
    _info, opt = solve_model(m, time_limit_s=30)
    assert objective_value(m, opt) == pytest.approx(brute, abs=1e-6)
    # one more agent in phase 0: the extra shift on its days at 08:00 with an early break
    bad = np.array(opt.values)
    q0 = m.cols.q["alt", 0]
    bad[q0] += 1
    bad[m.cols.N["alt"]] += 1
    for d in (0, 2):
        i = next(i for i, o in enumerate(m.options) if o.day == d and o.start_clock == 8 * 60)
        bad[m.cols.x[i]] += 1
        gi = next(gi for gi, bg in enumerate(m.break_groups) if bg.day == d)
        bad[m.cols.b[gi][0]] += 1
    bad = day_by_day(m, polish(m, bad), passes=2, solver=solver)
    assert not constraint_violations(m, bad)
    assert objective_value(m, bad) > brute + 1.0  # the day neighbourhood cannot drop the agent
    got = priced_tour_moves(m, bad, solver=solver)
    assert got is not bad
    assert not constraint_violations(m, got) and not fractional_variables(m, got)
    assert got[q0] == bad[q0] - 1
    got = day_by_day(m, got, passes=2, solver=solver)
    assert not constraint_violations(m, got) and not fractional_variables(m, got)
    assert objective_value(m, got) == pytest.approx(brute, abs=1e-6)
    # from the optimum nothing is cheaper: the roster comes back unchanged
    opt_values = np.array(opt.values)
    assert priced_tour_moves(m, opt_values, solver=solver) is opt_values


def test_solve_model_runs_priced_rounds_when_the_day_neighbourhood_has_converged():
    """In the pipeline (models too large for the full MIP; the threshold is
    lowered here), budget left after the day neighbourhood goes to rounds of
    priced tour moves; the roster is feasible, integral, never worse than
    without them, and the same on a rerun."""
    from wfm.roster.solve import objective_value

    days = 4
    rng = np.random.default_rng(11)
    req = {(d, h): int(rng.integers(2, 12)) for d in range(days) for h in range(8, 14)}
    large = dataclasses.replace(RATES, large_model_integers=1)

    def run(rates):
        m = TourModel(_horizon(req, days), parse_catalog(ALT), [Group("alt", "alt", None, 0, None)])
        return m, *solve_model(m, time_limit_s=60, work_limit_s=20, rates=rates)

    m, info, vals = run(large)
    assert "priced_tour_moves" in [p[0] for p in info.phases]
    assert not constraint_violations(m, vals) and not fractional_variables(m, vals)
    _m2, info2, vals2 = run(large)
    assert np.array_equal(vals2.values, vals.values)
    m3, info3, vals3 = run(dataclasses.replace(large, price_round_min_share=1e9))
    assert "priced_tour_moves" not in [p[0] for p in info3.phases]
    assert info.objective <= info3.objective + 1e-6
    assert objective_value(m, vals) == pytest.approx(info.objective)
