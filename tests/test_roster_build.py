"""build_roster end to end: checked, judged, always a roster; CLI."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from wfm.errors import InputError
from wfm.roster import build_roster, check_roster, coverage_from_roster, load_catalog, write_roster
from wfm.roster.agents import agents_from_frame

ROOT = Path(__file__).resolve().parents[1]
CAT = load_catalog(ROOT / "models" / "shifts.toml")


def requirements(days=7, peak=8.0, base=1.0, interval=60, start="2026-03-02"):
    ts = pd.date_range(start, periods=days * 1440 // interval, freq=f"{interval}min", tz="Asia/Shanghai")
    h = (ts.hour + ts.minute / 60).to_numpy()
    r = base + (peak - base) * np.maximum(np.exp(-0.5 * ((h - 10.5) / 1.6) ** 2), 0.8 * np.exp(-0.5 * ((h - 15.5) / 1.8) ** 2))
    req = np.ceil(r)
    return pd.DataFrame({"queue": "main", "interval_start": ts, "interval_min": interval,
                         "offered": req * 10, "aht_s": 240.0, "required_agents": req})


@pytest.fixture(scope="module")
def small():
    return build_roster(requirements(), CAT, 1, time_limit_s=8, close_gap=False)


def test_roster_is_clean_and_coverage_is_consistent(small):
    res = small
    assert len(res.roster) > 0
    assert res.violations.empty, res.violations.head()
    assert res.summary["rule_violations"] == 0
    assert res.summary["unfilled_shifts"] == []
    # coverage.csv recomputed from the roster's own timestamps
    net = coverage_from_roster(res.roster, res.horizon)
    assert np.allclose(res.coverage["scheduled_agents"], net)
    ah = res.summary["agent_hours"]
    assert ah["scheduled_on_phones"] == pytest.approx(net.sum())  # 60-minute intervals
    assert ah["required"] == pytest.approx(res.horizon.required.sum())
    # paid hours = 8 or 12 per shift (paid meals)
    sh = res.roster.shifts
    assert ah["paid"] == pytest.approx(8 * (sh["contract"] == "five_two").sum() + 12 * (sh["contract"] == "one_one").sum())
    # shortfall agrees with the coverage table
    short = np.maximum(res.horizon.required - net, 0)
    assert res.summary["shortfall"]["agent_hours_short"] == pytest.approx(short.sum())
    assert res.summary["lp_bound"] <= res.summary["objective"] + 1e-6
    assert 0 <= res.summary["gap"] < 0.2
    # generated names
    assert sh["agent_id"].str.fullmatch(r"A\d{3}").all()
    # times are tz-aware in the roster and carry the offset in its file form
    assert str(sh["shift_start"].dt.tz) == "Asia/Shanghai"
    assert res.roster.file_table()["shift_start"].str.endswith("+08:00").all()


def test_service_comes_from_the_staffing_module(small):
    from wfm.staffing import service_for_agents

    res = small
    req = requirements()
    # agents on the phones minute by minute, from the roster's own times
    r = res.roster
    minutes = res.horizon.start + pd.to_timedelta(np.arange(res.horizon.n_intervals * 60), unit="min")
    on = np.zeros(len(minutes))
    for x in r.shifts.itertuples():
        on += (minutes >= x.shift_start) & (minutes < x.shift_end)
    for x in r.segments.itertuples():
        on -= (minutes >= x.start) & (minutes < x.end)
    quarters = on.reshape(-1, 4, 15)
    assert (quarters == quarters[:, :, :1]).all()  # constant within each quarter hour: 15-min resolution
    assert set(res.coverage["service_method"]) == {"erlang-c, 15-min sub-intervals"}
    # each quarter judged at its own agents with a quarter of the hour's calls; the hour's SL is their mean
    q = req.assign(aht_s=req["aht_s"].where(req["aht_s"] > 0, 1.0)).loc[req.index.repeat(4)]
    q = q.assign(offered=q["offered"] / 4, interval_min=15)
    sv = service_for_agents(q, quarters[:, :, 0].ravel())
    expect = sv["service_level"].to_numpy().reshape(-1, 4).mean(axis=1)
    got = res.coverage["service_level"].to_numpy()
    ok = req["offered"].to_numpy() > 0
    assert np.allclose(got[ok], expect[ok])
    # the 60-minute average misjudges the hours whose quarters differ
    flat = service_for_agents(req.assign(aht_s=req["aht_s"].where(req["aht_s"] > 0, 1.0)),
                              res.coverage["scheduled_agents"].to_numpy())["service_level"].to_numpy()
    assert not np.allclose(got[ok], flat[ok])
    # more agents on the phones than required -> service at least the required agents' service
    assert np.nanmin(res.coverage["asa_s"]) >= 0


def test_schedule_accuracy_definition(small):
    c = small.coverage
    acc = 1 - np.abs(c["scheduled_agents"] - c["required_agents"]).sum() / c["required_agents"].sum()
    assert small.summary["schedule_accuracy"] == pytest.approx(acc)


def test_impossible_demand_returns_roster_and_shortfall():
    cat = load_catalog(ROOT / "models" / "shifts.toml")
    res = build_roster(requirements(peak=12), cat, 1, time_limit_s=4,
                       headcount={"five_two": (0, 3), "one_one": (0, 0)})
    s = res.summary
    assert len(res.roster) > 0 and res.violations.empty
    assert s["shortfall"]["intervals_short"] > 0
    assert s["shortfall"]["agent_hours_short"] > 0
    assert s["shortfall"]["worst_intervals"][0]["short_agents"] > 0
    extra = s["close_gap"]["extra_headcount"]
    assert sum(extra.values()) > 0


def test_demand_no_shift_can_reach_is_reported():
    req = requirements(peak=3)
    # a catalogue with day shifts only (06:00-23:00) cannot staff 03:00
    cat = load_catalog(ROOT / "models" / "shifts.toml")
    import dataclasses

    day_only = dataclasses.replace(cat, contracts={"five_two": dataclasses.replace(cat.contracts["five_two"], shift_types=("day8",))})
    req.loc[req["interval_start"].dt.hour == 3, "required_agents"] = 4
    res = build_roster(req, day_only, 1, time_limit_s=4)
    cg = res.summary["close_gap"]
    assert cg["still_short_intervals"] >= 7  # 03:00 on each day
    assert res.violations.empty


def test_named_agents(tmp_path):
    rows = []
    for i in range(14):
        rows.append({"id": f"E{i:02d}", "name": f"Agent {i}", "contract": "five_two" if i < 10 else "1-on-1",
                     "availability": "", "unavailable_dates": "", "preferred_start": "", "fixed_days_off": ""})
    rows[0]["fixed_days_off"] = "Sat;Sun"
    rows[1]["unavailable_dates"] = "2026-03-04"
    rows[2]["availability"] = "Mon-Sun 06:00-16:00"
    rows[3]["preferred_start"] = "09:00"
    rows[4]["fixed_days_off"] = "Mon;Wed;Fri"  # three days off cannot fit 5-on-2
    rows[5]["availability"] = "Mon-Sun 01:00-03:00"  # no shift fits
    p = tmp_path / "agents.csv"
    pd.DataFrame(rows).to_csv(p, index=False)
    res = build_roster(requirements(peak=9), CAT, 1, str(p), time_limit_s=8, close_gap=False)
    assert res.violations.empty, res.violations
    st = res.agents.set_index("agent_id")
    assert st.loc["E04", "status"] == "not placed" and "fixed days off" in st.loc["E04", "reason"]
    assert st.loc["E05", "status"] == "not placed" and "availability" in st.loc["E05", "reason"]
    r = res.roster.shifts
    assert not (pd.to_datetime(r.loc[r.agent_id == "E00", "date"]).dt.day_of_week >= 5).any()
    assert pd.Timestamp("2026-03-04") not in set(r.loc[r.agent_id == "E01", "date"])
    assert (r.loc[r.agent_id == "E01"].shape[0]) <= 5
    e2 = r[r.agent_id == "E02"]
    assert (pd.to_datetime(e2["shift_end"]).dt.hour <= 16).all()
    # everyone placed works a full tour: 5 shifts (5-on-2, E01 minus leave) or 3-4 (1-on-1)
    placed = st[st.status == "placed"]
    assert set(placed.loc[placed.contract == "five_two", "shifts"]) <= {4, 5}
    assert set(placed.loc[placed.contract == "one_one", "shifts"]) <= {3, 4}
    assert {"E04", "E05"} == {u["agent_id"] for u in res.summary["unplaced_agents"]}


def test_same_inputs_same_roster():
    from wfm.roster import parse_catalog

    cat = parse_catalog({
        "pay": {"base_monthly": 300.0},
        "penalties": {"under_per_agent_hour": 7.0, "over_per_agent_hour": 1.0},
        "shift_types": {"s4": {"length_h": 4, "earliest_start": "08:00", "latest_start": "12:00", "start_step_min": 60,
                               "breaks": [{"length_min": 30, "earliest_min": 60, "latest_min": 150}]}},
        "contracts": {"alt": {"pattern": "alternate", "shift_types": ["s4"], "paid_days_per_month": 15,
                              "min_rest_h": 11, "max_consecutive_days": 1},
                      "wk": {"pattern": "weekly", "work_days_per_week": 5, "shift_types": ["s4"],
                             "paid_days_per_month": 21.75, "min_rest_h": 11, "max_consecutive_days": 6}},
    })
    req = requirements(days=7, peak=6, base=0)
    # a work budget ample for the proof (about 8.5 reference s), whatever the load
    a = build_roster(req, cat, 1, time_limit_s=120, work_limit_s=30, close_gap=False)
    b = build_roster(req, cat, 1, time_limit_s=120, work_limit_s=30, close_gap=False)
    assert a.summary["status"] == b.summary["status"] == "optimal"
    pd.testing.assert_frame_equal(a.roster.shifts, b.roster.shifts)
    pd.testing.assert_frame_equal(a.roster.segments, b.roster.segments)
    pd.testing.assert_frame_equal(a.coverage, b.coverage)
    assert a.violations.empty


def test_work_budget_not_the_clock_ends_the_search():
    """A week at 30 minutes that no solver proves optimal in the budget: the
    search stops on its deterministic work budget, far inside the wall-clock
    limit, so two runs return the same roster to the byte."""
    req = requirements(peak=30, base=2, interval=30)
    runs = [build_roster(req, CAT, 1, time_limit_s=300, work_limit_s=4, close_gap=False) for _ in range(2)]
    for r in runs:
        assert r.summary["repeatable"] is True
        assert r.summary["status"] == "feasible"  # the budget, not a proof, ended it
        assert 0 < r.summary["work_s"] <= 4 + 1e-9
        assert r.violations.empty
    pd.testing.assert_frame_equal(runs[0].roster.file_table(), runs[1].roster.file_table())
    pd.testing.assert_frame_equal(runs[0].coverage, runs[1].coverage)
    assert runs[0].summary["objective"] == runs[1].summary["objective"]


def test_wall_clock_safety_net_is_reported():
    """A work budget the wall-clock limit cannot hold: still a checked
    roster, flagged as possibly different on a rerun."""
    req = requirements(peak=30, base=2, interval=30)
    res = build_roster(req, CAT, 1, time_limit_s=1, work_limit_s=1000, close_gap=False)
    assert res.summary["repeatable"] is False
    assert any("wall-clock" in n for n in res.summary["notes"])
    assert res.violations.empty
    assert res.summary["work_s"] < 1000


def test_bad_inputs_raise_input_error(tmp_path):
    with pytest.raises(InputError, match="required_agents"):
        build_roster(pd.DataFrame({"interval_start": ["2026-03-02T00:00:00+08:00"]}), CAT, 1)
    with pytest.raises(InputError, match="needs 14"):
        build_roster(requirements(days=7), CAT, 2)
    with pytest.raises(InputError, match="unknown contract"):
        agents_from_frame(pd.DataFrame({"id": ["x"], "contract": ["6-on-1"]}), CAT, source="agents.csv")
    with pytest.raises(InputError, match="agents.csv:2: availability"):
        agents_from_frame(pd.DataFrame({"id": ["x"], "contract": ["five_two"], "availability": ["8-5"]}), CAT, source="agents.csv")


def test_cli_writes_outputs(tmp_path):
    from wfm.cli.roster import roster

    req = requirements(days=7, peak=5)
    p = tmp_path / "req.csv"
    out = req.assign(interval_start=req["interval_start"].map(lambda t: t.isoformat()))
    out.to_csv(p, index=False)
    runner = CliRunner()
    res = runner.invoke(roster, [str(p), "--catalog", str(ROOT / "models" / "shifts.toml"), "--weeks", "1",
                                 "-o", str(tmp_path / "out"), "--time-limit", "4"])
    assert res.exit_code == 0, res.output
    r = pd.read_csv(tmp_path / "out" / "roster.csv")
    for col in ("agent_id", "contract", "date", "shift_start", "shift_end", "meal_start", "meal_end", "breaks"):
        assert col in r.columns
    c = pd.read_csv(tmp_path / "out" / "coverage.csv")
    for col in ("interval_start", "required_agents", "scheduled_agents", "service_level", "asa_s", "p_abandon"):
        assert col in c.columns
    s = json.loads((tmp_path / "out" / "summary.json").read_text())
    for k in ("status", "objective", "lp_bound", "best_bound", "head_count_bound", "gap", "agent_hours", "shortfall"):
        assert k in s
    assert s["lp_bound"] - 1e-6 <= s["best_bound"] <= s["objective"] + 1e-6
    assert s["gap"] == pytest.approx((s["objective"] - s["best_bound"]) / s["objective"])
    hc = s["head_count_bound"]  # the LP pays for 14.11 agents here: the branches are at most 14 / at least 15
    assert hc is not None and abs(hc["total_agents_in_lp"] - round(hc["total_agents_in_lp"])) > 1e-6
    assert hc["bound"] == pytest.approx(min(hc["bound_at_most"], hc["bound_at_least"]))
    assert s["lp_bound"] < hc["bound"] <= s["best_bound"] + 1e-6
    assert f"best bound {s['best_bound']:.1f}" in res.output
    assert (f"unfilled shifts: {len(s['unfilled_shifts'])}; "
            f"shifts moved from the model's start: {len(s['retimed_shifts'])}") in res.output
    # the checker, run on the file as written, agrees
    v = check_roster(r.fillna(""), CAT, horizon_start=pd.Timestamp("2026-03-02").date(), days=7)
    assert v.empty
    bad = runner.invoke(roster, [str(p), "--catalog", str(tmp_path / "none.toml"), "-o", str(tmp_path / "o2")])
    assert isinstance(bad.exception, InputError)


def test_write_roster(small, tmp_path):
    paths = write_roster(small, tmp_path)
    assert set(paths) == {"roster", "coverage", "agents", "violations", "summary"}
    assert json.loads(Path(paths["summary"]).read_text())["status"] == small.summary["status"]


def test_contract_mix_sets_a_minimum_share():
    """contract_mix {"5-on-2": 0.7}: at least 70 % of the rostered team on 5-on-2."""
    def share(res, key):
        heads = res.roster.shifts.groupby("contract")["agent_id"].nunique()
        return heads.get(key, 0) / heads.sum()

    free = build_roster(requirements(), CAT, 1, time_limit_s=8, close_gap=False)
    assert share(free, "five_two") < 0.7  # so the mix below has to change the team
    mixed = build_roster(requirements(), CAT, 1, time_limit_s=8, close_gap=False,
                         contract_mix={"5-on-2": 0.7})
    assert share(mixed, "five_two") >= 0.7
    assert mixed.violations.empty
    # One more constraint on the same model can only raise its LP bound.
    assert free.summary["lp_bound"] <= mixed.summary["lp_bound"] + 1e-6
    with pytest.raises(InputError, match="contract_mix"):
        build_roster(requirements(), CAT, 1, time_limit_s=8, contract_mix={"2-on-5": 0.5})
    with pytest.raises(InputError, match="more than 1"):
        build_roster(requirements(), CAT, 1, time_limit_s=8,
                     contract_mix={"1-on-1": 0.6, "5-on-2": 0.6})



def _six_day_catalog(length_h, earliest, latest, step_min):
    """One shift type ``s`` and a 6-days-a-week contract ``six`` (11 h rest):
    pay 4 a shift, under-staffing 9 and over-staffing 2 per agent-hour."""
    from wfm.roster.catalog import parse_catalog

    return parse_catalog({
        "pay": {"base_monthly": 100.0},
        "penalties": {"under_per_agent_hour": 9.0, "over_per_agent_hour": 2.0},
        "shift_types": {"s": {"length_h": length_h, "earliest_start": earliest, "latest_start": latest,
                              "start_step_min": step_min}},
        "contracts": {"six": {"pattern": "weekly", "shift_types": ["s"], "work_days_per_week": 6,
                              "paid_days_per_month": 25, "min_rest_h": 11, "max_consecutive_days": 6}},
    })

def test_availability_windows_enter_the_model_brute_force():
    """Named agents' availability is a model constraint, not only an
    assignment rule: two of three agents may work mornings only, so each
    day's afternoon shifts are at most the one unrestricted agent working.
    The roster's cost equals a brute-force enumeration over every days-off
    choice and start (which never gives a restricted agent an afternoon),
    and no shift is left unfilled."""
    cat = _six_day_catalog(4, "09:00", "13:00", 240)
    rng = np.random.default_rng(3)
    morning = rng.integers(0, 3, 7)
    afternoon = rng.integers(1, 4, 7)
    ts = pd.date_range("2026-03-02", periods=7 * 24, freq="60min", tz="Asia/Shanghai")
    req = np.array([(morning[d] if 9 <= h < 13 else afternoon[d] if 13 <= h < 17 else 0)
                    for d in range(7) for h in range(24)], float)
    df = pd.DataFrame({"interval_start": ts, "required_agents": req})
    agents = agents_from_frame(pd.DataFrame([
        {"id": "E1", "contract": "six", "availability": ""},
        {"id": "E2", "contract": "six", "availability": "Mon-Sun 09:00-13:00"},
        {"id": "E3", "contract": "six", "availability": "Mon-Sun 09:00-13:00"},
    ]), cat)
    res = build_roster(df, cat, 1, agents, time_limit_s=20, close_gap=False)
    assert res.summary["status"] == "optimal"
    assert res.summary["unfilled_shifts"] == [] and res.violations.empty

    def pen(r, v):
        return 4 * (9.0 * max(r - v, 0) + 2.0 * max(v - r, 0))

    def day_cost(d, e1, restricted):
        starts = [0, 1] if e1 else [None]  # E1 in the morning (0) or the afternoon (1)
        return 4.0 * (e1 + restricted) + min(
            pen(morning[d], restricted + (s == 0)) + pen(afternoon[d], int(s == 1)) for s in starts)

    brute = min(sum(day_cost(d, int(d != o1), int(d != o2) + int(d != o3)) for d in range(7))
                for o1 in range(7) for o2 in range(7) for o3 in range(7))
    assert res.summary["objective"] == pytest.approx(brute, abs=1e-6)
    r = res.roster.shifts
    late = r[r["shift_start"].dt.hour == 13]
    assert set(late["agent_id"]) <= {"E1"}


def test_idle_agent_works_the_nearest_legal_start_of_an_unfilled_shift():
    """Counts that leave an agent on duty with no legal shift (a night, then
    an early start 7 h after it ends) are mended at assignment: the agent
    works the legal start nearest the model's, 11 h after the night ends
    (23:00 + 8 h + 11 h = 18:00), which pushes the next day's 09:00 to
    13:00 in turn; nothing is left unfilled and both moves are reported."""
    from wfm.roster.agents import Agent
    from wfm.roster.assign import assign_shifts, assign_tours
    from wfm.roster.demand import build_horizon, validate_requirements
    from wfm.roster.model import Group, TourModel
    from wfm.roster.solution import Solution

    cat = _six_day_catalog(8, "00:00", "23:00", 60)
    ts = pd.date_range("2026-03-02", periods=7 * 24, freq="60min", tz="Asia/Shanghai")
    hz = build_horizon(validate_requirements(pd.DataFrame({"interval_start": ts, "required_agents": 1.0})), days=7)
    m = TourModel(hz, cat, [Group("g", "six", size=1, members=("E1",))])
    values = m.zeros()
    values[m.cols.p["g", 0, m.patterns["six"].index((6,))]] = 1.0
    planned = {0: 23, 1: 6, 2: 9, 3: 9, 4: 9, 5: 9}
    opt = {(o.day, o.start_clock // 60): i for i, o in enumerate(m.options)}
    for d, hour in planned.items():
        values[m.cols.x[opt[d, hour]]] = 1.0
    vals = Solution(m, values)
    asg = assign_shifts(m, vals, {"E1": Agent("E1", "E1", "six")}, assign_tours(m, vals))
    assert asg.unfilled == []
    worked = {m.options[s["option"]].day: m.options[s["option"]].start_clock // 60 for s in asg.shifts}
    assert worked == {0: 23, 1: 18, 2: 13, 3: 9, 4: 9, 5: 9}
    assert asg.retimed == [("E1", opt[1, 6], opt[1, 18]), ("E1", opt[2, 9], opt[2, 13])]


def test_a_binding_catalogue_cap_is_named_and_a_wider_override_lifts_it():
    """The catalogue caps 5-on-2 at 3 agents and has no 1-on-1: demand of 12
    is left short, and the gap closer, free of the caps, says how many more
    5-on-2 agents it takes and that the cap of 3 must rise to that. Given a
    wider limit through `headcount`, the roster may use it (the catalogue's
    cap no longer binds)."""
    import dataclasses

    cat = load_catalog(ROOT / "models" / "shifts.toml")
    tight = dataclasses.replace(cat, contracts={
        "five_two": dataclasses.replace(cat.contracts["five_two"], max_headcount=3),
        "one_one": dataclasses.replace(cat.contracts["one_one"], max_headcount=0)})
    res = build_roster(requirements(peak=12), tight, 1, time_limit_s=30, work_limit_s=2)
    s = res.summary
    assert s["headcount"]["five_two"] == 3 and s["shortfall"]["intervals_short"] > 0
    extra = s["close_gap"]["extra_headcount"]["five_two"]
    assert extra > 0
    caps = {c["contract"]: c for c in s["close_gap"]["caps_to_raise"]}
    assert caps["five_two"]["max_headcount"] == 3 and caps["five_two"]["max_headcount_needed"] == 3 + extra
    wider = build_roster(requirements(peak=12), tight, 1, time_limit_s=30, work_limit_s=2, close_gap=False,
                         headcount={"five_two": (0, 3 + extra), "one_one": (0, 0)})
    assert 3 < wider.summary["headcount"]["five_two"] <= 3 + extra
    assert wider.summary["shortfall"]["agent_hours_short"] < s["shortfall"]["agent_hours_short"]
