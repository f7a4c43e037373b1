"""Agent KPIs from the state log over the roster (wfm.kpi.timeline, wfm.kpi.wfm_kpis).

The numbers in the hand-computed scenario are worked out in the comments
from the clock times, second by second; a brute-force minute-by-minute
enumeration checks adherence on random cases.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from wfm.kpi.inputs import validate_leave, validate_roster, validate_state_log
from wfm.kpi.timeline import build_timeline, roster_coverage, schedule_segments
from wfm.kpi.wfm_kpis import (
    adherence,
    agent_kpis,
    attendance_events,
    conformance,
    not_ready_break_ratio,
    occupancy,
    share_adhering,
    shrinkage,
    time_in_states,
    utilisation,
)

TZ = "Asia/Shanghai"


@pytest.fixture(scope="module")
def scenario():
    roster = validate_roster(pd.DataFrame([
        # A: day shift, meal 12-13, breaks 10:00-10:15 and 15:00-15:15
        ("A", "5-on-2", "2025-10-09T09:00", "2025-10-09T17:00", "12:00", "13:00",
         "10:00-10:15;15:00-15:15", "T1"),
        # B: night shift crossing midnight, meal 00:00-01:00
        ("B", "1-on-1", "2025-10-09T20:00", "2025-10-10T08:00", "00:00", "01:00", "", "T1"),
        # C: scheduled, never logs in
        ("C", "5-on-2", "2025-10-09T09:00", "2025-10-09T17:00", "", "", "", "T2"),
    ], columns=["agent_id", "contract", "shift_start", "shift_end", "meal_start", "meal_end",
                "breaks", "team"]))
    log = validate_state_log(pd.DataFrame([
        ("A", "available", "2025-10-09T08:50", "2025-10-09T10:00"),
        ("A", "break", "2025-10-09T10:00", "2025-10-09T10:18"),
        ("A", "talk", "2025-10-09T10:18", "2025-10-09T12:00"),
        ("A", "meal", "2025-10-09T12:00", "2025-10-09T12:55"),
        ("A", "talk", "2025-10-09T12:55", "2025-10-09T13:00"),
        ("A", "acw", "2025-10-09T13:00", "2025-10-09T14:00"),
        ("A", "not_ready", "2025-10-09T14:00", "2025-10-09T14:30"),
        ("A", "hold", "2025-10-09T14:30", "2025-10-09T15:00"),
        ("A", "talk", "2025-10-09T15:00", "2025-10-09T15:15"),
        ("A", "available", "2025-10-09T15:15", "2025-10-09T17:00"),
        ("A", "talk", "2025-10-09T17:00", "2025-10-09T17:20"),
        ("B", "talk", "2025-10-09T19:58", "2025-10-09T23:30"),
        ("B", "meal", "2025-10-09T23:30", "2025-10-10T00:30"),  # crosses midnight
        ("B", "available", "2025-10-10T00:30", "2025-10-10T06:00"),
        ("B", "training", "2025-10-10T06:00", "2025-10-10T07:30"),
        ("B", "logged_out", "2025-10-10T07:30", "2025-10-10T08:00"),
        ("D", "talk", "2025-10-09T10:00", "2025-10-09T11:00"),  # no schedule
    ], columns=["agent_id", "state", "start", "end"]))
    return roster, log, build_timeline(log, roster)


def row(df, agent):
    return df.set_index("agent_id").loc[agent]


def test_adherence_by_hand(scenario):
    _, _, tl = scenario
    # A, scheduled 8 h = 28800 s. In adherence: 09-10 available 3600, break 10:00-10:15 900,
    # talk 10:18-12 6120, meal 12-12:55 3300, acw 13-14 3600, hold 14:30-15 1800,
    # available 15:15-17 6300 = 25620. Out: break overrun 10:15-10:18 180, talk in meal
    # 12:55-13 300, not_ready 14-14:30 1800, talk in break 15-15:15 900 = 3180.
    a0 = adherence(tl, tolerance_min=0)
    assert row(a0, "A")["scheduled_s"] == 28800
    assert row(a0, "A")["adherent_s"] == 25620
    assert row(a0, "A")["adherence"] == pytest.approx(25620 / 28800)
    # with 5 minutes of tolerance the 3- and 5-minute episodes are forgiven: 25620 + 480
    a5 = adherence(tl, tolerance_min=5)
    assert row(a5, "A")["adherent_s"] == 26100
    assert row(a5, "A")["raw_adherent_s"] == 25620
    assert row(a5, "A")["adherence"] == pytest.approx(26100 / 28800)
    # B, 12 h = 43200 s: talk 20-23:30 12600, meal 00-00:30 1800, available 01-06 18000 adhere;
    # meal 23:30-00 (1800), available 00:30-01 (1800) and training 06-07:30 + logged out
    # 07:30-08 (one 2-hour episode) do not: 32400 / 43200 = 0.75 whatever the tolerance.
    assert row(a0, "B")["adherent_s"] == 32400
    assert row(a5, "B")["adherence"] == pytest.approx(0.75)
    # C never logged in: 0; D has no schedule: NaN
    assert row(a5, "C")["adherence"] == 0.0
    assert row(a5, "D")["scheduled_s"] == 0
    assert np.isnan(row(a5, "D")["adherence"])


def test_tolerance_boundary_is_inclusive(scenario):
    _, _, tl = scenario
    # A's episodes last 3, 5, 15 and 30 minutes
    got = {tol: row(adherence(tl, tolerance_min=tol), "A")["adherent_s"] for tol in (2.99, 3, 4.99, 15, 30)}
    assert got == {2.99: 25620, 3: 25800, 4.99: 25800, 15: 27000, 30: 28800}


def test_team_adherence_and_share_adhering(scenario):
    _, _, tl = scenario
    teams = adherence(tl, tolerance_min=5, by=["team"]).set_index("team")
    # T1 = A + B: (26100 + 32400) / (28800 + 43200)
    assert teams.loc["T1", "adherence"] == pytest.approx(58500 / 72000)
    assert teams.loc["T2", "adherence"] == 0.0
    per_agent = adherence(tl, tolerance_min=5, by=["agent_id", "team"])
    s = share_adhering(per_agent, threshold=0.90)
    # A (0.90625) adheres; B (0.75) and C (0) do not; D (no schedule) is not counted
    assert s[["agents", "adhering"]].iloc[0].tolist() == [3, 1]
    assert s["share_adhering"].iat[0] == pytest.approx(1 / 3)
    by_team = share_adhering(per_agent, threshold=0.90, by=["team"]).set_index("team")
    assert by_team.loc["T1", "share_adhering"] == 0.5
    assert by_team.loc["T2", "share_adhering"] == 0.0


def test_conformance_utilisation_occupancy_ratios(scenario):
    _, _, tl = scenario
    c = conformance(tl)
    # A logged in 08:50-17:20 = 30600 s over 28800 scheduled
    assert row(c, "A")["conformance"] == pytest.approx(30600 / 28800)
    # B logged in 19:58-07:30 = 41520 s over 43200
    assert row(c, "B")["conformance"] == pytest.approx(41520 / 43200)
    assert row(c, "C")["conformance"] == 0.0
    assert np.isnan(row(c, "D")["conformance"])
    u = utilisation(tl)
    # A productive: available 4200 + 6300, talk 6120 + 300 + 900 + 1200, hold 1800, acw 3600
    assert row(u, "A")["productive_s"] == 24420
    assert row(u, "A")["utilisation"] == pytest.approx(24420 / 30600)
    # B productive: talk 12720 + available 19800 over 41520 logged in
    assert row(u, "B")["utilisation"] == pytest.approx(32520 / 41520)
    us = utilisation(tl, denominator="scheduled")
    assert row(us, "A")["utilisation"] == pytest.approx(24420 / 28800)
    o = occupancy(tl)
    assert row(o, "A")["occupancy"] == pytest.approx((8520 + 1800 + 3600) / 24420)
    nr = not_ready_break_ratio(tl)
    # not ready 1800 + break 1080 (10:00-10:18) over 30600
    assert row(nr, "A")["not_ready_break_ratio"] == pytest.approx(2880 / 30600)
    assert row(nr, "B")["not_ready_break_ratio"] == 0.0


def test_shrinkage_by_category(scenario):
    _, _, tl = scenario
    s = shrinkage(tl)
    a = row(s, "A")
    assert a["shrinkage_meal"] == pytest.approx(3300 / 28800)
    assert a["shrinkage_break"] == pytest.approx(1080 / 28800)
    assert a["shrinkage_not_ready"] == pytest.approx(1800 / 28800)
    assert a["shrinkage_logged_out"] == 0.0
    assert a["shrinkage"] == pytest.approx(6180 / 28800)
    assert a["planned_shrinkage"] == pytest.approx((3600 + 1800) / 28800)
    b = row(s, "B")
    assert b["shrinkage_meal"] == pytest.approx(3600 / 43200)
    assert b["shrinkage_training"] == pytest.approx(5400 / 43200)
    assert b["shrinkage_logged_out"] == pytest.approx(1800 / 43200)
    assert b["shrinkage"] == pytest.approx(0.25)
    assert row(s, "C")["shrinkage"] == 1.0
    # agent_kpis gives the same numbers in one pass
    k = agent_kpis(tl, tolerance_min=5)
    assert row(k, "B")["shrinkage"] == pytest.approx(0.25)
    assert row(k, "A")["adherence"] == pytest.approx(26100 / 28800)


def test_state_crossing_midnight_splits_by_calendar_date_but_counts_on_the_shift_date(scenario):
    _, _, tl = scenario
    by_date = time_in_states(tl[tl["agent_id"] == "B"], by=["date"]).set_index("date")
    oct9, oct10 = pd.Timestamp("2025-10-09"), pd.Timestamp("2025-10-10")
    assert by_date.loc[oct9, "meal_s"] == 1800  # 23:30-00:00
    assert by_date.loc[oct10, "meal_s"] == 1800  # 00:00-00:30
    assert by_date.loc[oct9, "talk_s"] == 12720
    assert by_date.loc[oct10, "available_s"] == 19800
    by_shift = adherence(tl, tolerance_min=0, by=["agent_id", "work_date"])
    b = by_shift[by_shift["agent_id"] == "B"]
    assert b["work_date"].tolist() == [oct9]  # the whole night counts on 9 October
    assert b["scheduled_s"].tolist() == [43200]


def test_attendance_events_late_early_absent_and_leave(scenario):
    roster, log, tl = scenario
    ev = attendance_events(tl, roster).set_index("agent_id")
    assert ev.loc["A", ["late_min", "early_min"]].tolist() == [0.0, 0.0]
    # B left at 07:30, 30 minutes early: one 30-minute event
    assert ev.loc["B", "early_min"] == 30.0
    assert ev.loc["B", ["late_15", "late_30", "absence"]].tolist() == [0, 1, 0]
    assert ev.loc["C", ["absent", "absence"]].tolist() == [True, 1]
    leave = validate_leave(pd.DataFrame({"agent_id": ["C"], "date": ["2025-10-09"], "leave_type": ["sick"]}))
    ev2 = attendance_events(tl, roster, leave).set_index("agent_id")
    assert ev2.loc["C", ["on_leave", "absent", "absence"]].tolist() == [True, False, 0]


def test_late_arrival_bands():
    roster = validate_roster(pd.DataFrame({
        "agent_id": ["E", "E", "E"], "contract": ["5-on-2"] * 3,
        "shift_start": ["2025-10-13T09:00", "2025-10-14T09:00", "2025-10-15T09:00"],
        "shift_end": ["2025-10-13T17:00", "2025-10-14T17:00", "2025-10-15T17:00"]}))
    log = validate_state_log(pd.DataFrame({
        "agent_id": ["E"] * 3, "state": ["talk"] * 3,
        # 14 min late (not counted); 15 min late and 20 min early; 30 min late and 16 early
        "start": ["2025-10-13T09:14", "2025-10-14T09:15", "2025-10-15T09:30"],
        "end": ["2025-10-13T17:00", "2025-10-14T16:40", "2025-10-15T16:44"]}))
    ev = attendance_events(build_timeline(log, roster), roster)
    assert ev["late_min"].tolist() == [14.0, 15.0, 30.0]
    assert ev["late_15"].tolist() == [0, 2, 1]
    assert ev["late_30"].tolist() == [0, 0, 1]


def test_schedule_segments_fill_work_between_activities(scenario):
    roster, _, _ = scenario
    seg = schedule_segments(roster)
    a = seg[seg["agent_id"] == "A"]
    assert a["activity"].astype(str).tolist() == ["work", "break", "work", "meal", "work", "break", "work"]
    secs = ((a["end"] - a["start"]).dt.total_seconds()).tolist()
    assert secs == [3600, 900, 6300, 3600, 7200, 900, 6300]


def test_roster_coverage_fractional_intervals(scenario):
    roster, _, _ = scenario
    starts = pd.Series(pd.to_datetime(["2025-10-09 09:00", "2025-10-09 10:00", "2025-10-09 12:00",
                                       "2025-10-09 17:00", "2025-10-10 00:00"]).tz_localize(TZ))
    cov = roster_coverage(roster, starts, 30)
    # 09:00 A and C; 10:00 A on break for 15 of 30 min + C; 12:00 A at meal + C;
    # 17:00 nobody; 00:00 B at meal
    assert cov.tolist() == pytest.approx([2.0, 1.5, 1.0, 0.0, 0.0])
    assert roster_coverage(roster, starts.iloc[[1]], 15).tolist() == [1.0]


def test_agent_with_no_log_and_no_schedule():
    roster = validate_roster(pd.DataFrame({"agent_id": ["X"], "contract": ["5-on-2"],
                                           "shift_start": ["2025-10-09T09:00"], "shift_end": ["2025-10-09T10:00"]}))
    tl = build_timeline(None, roster)
    assert tl["state"].astype(str).unique().tolist() == ["logged_out"]
    assert adherence(tl)["adherence"].tolist() == [0.0]
    log = validate_state_log(pd.DataFrame({"agent_id": ["Y"], "state": ["talk"],
                                           "start": ["2025-10-09T09:00"], "end": ["2025-10-09T09:10"]}))
    tl2 = build_timeline(log, None)
    assert (tl2["activity"].astype(str) == "off").all()
    assert np.isnan(adherence(tl2)["adherence"].iat[0])


# --------------------------------------------------------------------------
# brute force: minute-by-minute enumeration on random cases
# --------------------------------------------------------------------------

STATES = ["available", "talk", "hold", "acw", "break", "meal", "training", "not_ready", "logged_out"]
MATCH = {"work": {"available", "talk", "hold", "acw"}, "meal": {"meal"}, "break": {"break"}}


def _clock(m):
    return f"{m // 60 % 24:02d}:{m % 60:02d}"


def random_case(rng, n_agents=4):
    day0 = pd.Timestamp("2025-10-13 00:00")
    r_rows, s_rows, minute_truth = [], [], {}
    for a in range(n_agents):
        agent = f"A{a}"
        start = int(rng.integers(0, 20)) * 60 + int(rng.integers(0, 4)) * 15  # may cross midnight
        length = 480
        meal = start + 180 + int(rng.integers(0, 8)) * 15
        brk = start + 60 + int(rng.integers(0, 4)) * 15
        sched = np.full(3 * 1440, "", dtype=object)
        sched[start:start + length] = "work"
        sched[meal:meal + 60] = "meal"
        sched[brk:brk + 15] = "break"
        r_rows.append((agent, "5-on-2", (day0 + pd.Timedelta(minutes=start)).isoformat(),
                       (day0 + pd.Timedelta(minutes=start + length)).isoformat(), _clock(meal),
                       _clock(meal + 60), f"{_clock(brk)}-{_clock(brk + 15)}"))
        # states: random minute-aligned segments around the shift, with gaps
        t = start - int(rng.integers(0, 30))
        actual = np.full(3 * 1440, "logged_out", dtype=object)
        while t < start + length + 30:
            d = int(rng.integers(1, 40))
            st = STATES[int(rng.integers(0, len(STATES)))]
            if rng.random() < 0.15:  # a gap in the log
                t += d
                continue
            s_rows.append((agent, st, (day0 + pd.Timedelta(minutes=t)).isoformat(),
                           (day0 + pd.Timedelta(minutes=t + d)).isoformat()))
            actual[t:t + d] = st
            t += d
        minute_truth[agent] = (sched, actual)
    roster = validate_roster(pd.DataFrame(r_rows, columns=["agent_id", "contract", "shift_start",
                                                           "shift_end", "meal_start", "meal_end", "breaks"]))
    log = validate_state_log(pd.DataFrame(s_rows, columns=["agent_id", "state", "start", "end"]))
    return roster, log, minute_truth


def brute_adherence(sched, actual, tol_min):
    on = sched != ""
    ok = np.array([a in MATCH.get(s, ()) for s, a in zip(sched, actual, strict=False)])
    bad = on & ~ok
    forgiven = np.zeros(len(bad), dtype=bool)
    i = 0
    while i < len(bad):
        if bad[i]:
            j = i
            while j < len(bad) and bad[j]:
                j += 1
            if j - i <= tol_min:
                forgiven[i:j] = True
            i = j
        else:
            i += 1
    return int(on.sum()) * 60, int((on & (ok | forgiven)).sum()) * 60, \
        int((actual != "logged_out").sum()) * 60


@pytest.mark.parametrize("seed", range(8))
def test_adherence_matches_minute_enumeration(seed):
    rng = np.random.default_rng(seed)
    roster, log, truth = random_case(rng)
    tl = build_timeline(log, roster)
    for tol in (0, 4, 10):
        got = adherence(tl, tolerance_min=tol).set_index("agent_id")
        for agent, (sched, actual) in truth.items():
            scheduled, adherent, _ = brute_adherence(sched, actual, tol)
            assert got.loc[agent, "scheduled_s"] == scheduled
            assert got.loc[agent, "adherent_s"] == adherent, (seed, tol, agent)
    conf = conformance(tl).set_index("agent_id")
    for agent, (sched, actual) in truth.items():
        _, _, logged = brute_adherence(sched, actual, 0)
        assert conf.loc[agent, "logged_in_s"] == logged


def test_daylight_saving_night_is_seven_real_hours():
    # Europe/Berlin, 30 March 2025: 02:00 -> 03:00, so 22:00-06:00 lasts 7 hours
    tz = "Europe/Berlin"
    roster = validate_roster(pd.DataFrame({"agent_id": ["N"], "contract": ["5-on-2"],
                                           "shift_start": ["2025-03-29T22:00"], "shift_end": ["2025-03-30T06:00"],
                                           "breaks": ["04:00-04:15"]}), tz=tz)
    log = validate_state_log(pd.DataFrame({"agent_id": ["N"] * 3, "state": ["talk", "break", "talk"],
                                           "start": ["2025-03-29T22:00", "2025-03-30T04:00", "2025-03-30T04:15"],
                                           "end": ["2025-03-30T04:00", "2025-03-30T04:15", "2025-03-30T06:00"]}),
                             tz=tz)
    tl = build_timeline(log, roster)
    a = adherence(tl).iloc[0]
    assert (a["scheduled_s"], a["adherence"]) == (7 * 3600, 1.0)
    by_date = time_in_states(tl, by=["date"]).set_index("date")
    assert by_date.loc[pd.Timestamp("2025-03-29"), "talk_s"] == 2 * 3600
    assert by_date.loc[pd.Timestamp("2025-03-30"), "talk_s"] == 4 * 3600 + 45 * 60  # 00-04 is 3 h real
