"""Tests for wfm.kpi.inputs: the measurement tables (state log, roster,
results, forecasts, leave, agents, dials).

Expected row numbers, times and messages are worked out by hand from the
small inputs written here (header = row 1), never copied from the output.
"""

from __future__ import annotations

import openpyxl
import pandas as pd
import pytest

from wfm.errors import InputError
from wfm.kpi.inputs import (
    read_roster,
    read_state_log,
    validate_agents,
    validate_dials,
    validate_forecasts,
    validate_leave,
    validate_results,
    validate_roster,
    validate_state_log,
)

TZ = "Asia/Shanghai"


def problems(fn, *args, **kw) -> list[str]:
    with pytest.raises(InputError) as info:
        fn(*args, **kw)
    return [str(p) for p in info.value.problems]


def ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz=TZ)


# --------------------------------------------------------------------------
# state log
# --------------------------------------------------------------------------


def states_frame(rows):
    return pd.DataFrame(rows, columns=["agent_id", "state", "start", "end"])


def test_state_log_canonical_form_sorted_and_typed():
    df = states_frame([
        ("b", "talk", "2025-10-01T09:00", "2025-10-01T09:05"),
        ("a", "Wrap", "2025-10-01T09:05", "2025-10-01T09:06"),  # synonym of acw
        ("a", "IDLE", "2025-10-01T01:00:00Z", "2025-10-01T01:05:00Z"),  # 09:00-09:05 local
        ("a", "示忙", "2025-10-01T09:06", "2025-10-01T09:10"),
    ])
    out = validate_state_log(df)
    assert list(out.columns) == ["agent_id", "state", "start", "end", "duration_s"]
    assert out["agent_id"].tolist() == ["a", "a", "a", "b"]
    assert out["state"].astype(str).tolist() == ["available", "acw", "not_ready", "talk"]
    assert out["start"].iloc[0] == ts("2025-10-01 09:00")
    assert str(out["start"].dtype) == f"datetime64[ns, {TZ}]"
    assert out["duration_s"].tolist() == [300.0, 60.0, 240.0, 300.0]


def test_state_log_duration_column_instead_of_end():
    df = pd.DataFrame({"agent_id": ["a"], "state": ["talk"], "start": ["2025-10-01T23:58"],
                       "duration_s": [300]})
    out = validate_state_log(df)
    assert out["end"].iat[0] == ts("2025-10-02 00:03")  # crosses midnight


def test_overlapping_states_name_both_rows():
    df = states_frame([
        ("a", "talk", "2025-10-01T09:00", "2025-10-01T09:10"),
        ("a", "acw", "2025-10-01T09:08", "2025-10-01T09:12"),   # starts inside row 2
        ("b", "talk", "2025-10-01T09:08", "2025-10-01T09:12"),   # another agent: fine
    ])
    assert problems(validate_state_log, df, source="log.csv") == [
        "log.csv:3: start: overlaps row 2 of agent 'a' talk 2025-10-01 09:00 to 2025-10-01 09:10 "
        "(expected states of one agent that do not overlap (a state ends before the next starts))"
    ]


def test_overlap_with_a_long_earlier_state_is_found():
    # row 4 overlaps row 2 (09:00-10:00), not its direct predecessor row 3
    df = states_frame([
        ("a", "training", "2025-10-01T09:00", "2025-10-01T10:00"),
        ("a", "talk", "2025-10-01T09:10", "2025-10-01T09:20"),
        ("a", "acw", "2025-10-01T09:30", "2025-10-01T09:40"),
    ])
    got = problems(validate_state_log, df, source="log.csv")
    assert len(got) == 2
    assert got[0].startswith("log.csv:3: start: overlaps row 2 of agent 'a' training")
    assert got[1].startswith("log.csv:4: start: overlaps row 2 of agent 'a' training")


def test_touching_states_do_not_overlap():
    df = states_frame([("a", "talk", "2025-10-01T09:00", "2025-10-01T09:10"),
                       ("a", "acw", "2025-10-01T09:10", "2025-10-01T09:10"),  # zero length
                       ("a", "available", "2025-10-01T09:10", "2025-10-01T09:30")])
    assert len(validate_state_log(df)) == 3


def test_state_log_all_problems_at_once():
    df = states_frame([
        ("a", "talking", "2025-10-01T09:00", "2025-10-01T09:05"),  # synonym: fine
        ("a", "lunchbreak", "2025-10-01T09:05", "2025-10-01T09:06"),  # unknown state
        ("", "talk", "2025-10-01T09:06", "2025-10-01T09:07"),  # missing agent
        ("a", "talk", "2025-10-01T09:30", "2025-10-01T09:20"),  # ends before it starts
        ("a", "talk", "yesterday", "2025-10-01T09:40"),  # bad timestamp
    ])
    got = problems(validate_state_log, df, source="s.csv")
    assert got == [
        "s.csv:3: state: unknown value 'lunchbreak' (expected one of available, talk, hold, acw, break, "
        "meal, training, meeting, not_ready, logged_out)",
        "s.csv:4: agent_id: missing value (expected an agent identifier)",
        "s.csv:5: end: ends 2025-10-01 09:20, before it starts 2025-10-01 09:30 "
        "(expected an end at or after the start)",
        "s.csv:6: start: 'yesterday' is not a valid timestamp "
        "(expected ISO 8601 such as 2025-11-11T09:00 or 2025-11-11T09:00+08:00)",
    ]


def test_state_log_header_problems():
    df = pd.DataFrame({"agent": ["a"], "state": ["talk"], "Start": ["2025-10-01T09:00"],
                       "end": ["2025-10-01T09:05"], "extra": ["x"]})
    got = problems(validate_state_log, df, source="s.csv")
    assert "s.csv: agent: unknown column 'agent'; did you mean 'agent_id'? (expected columns " \
           "agent_id, state, start, end, duration_s, team)" in got
    assert any(g.startswith("s.csv: Start: unknown column 'Start'; did you mean 'start'? "
                            "(column names are case-sensitive)") for g in got)
    assert any(g.startswith("s.csv: agent_id: missing required column") for g in got)
    # "extra" is not near any known name: ignored, no problem about it
    assert not any("extra" in g for g in got)


def test_state_log_needs_end_or_duration():
    df = pd.DataFrame({"agent_id": ["a"], "state": ["talk"], "start": ["2025-10-01T09:00"]})
    assert problems(validate_state_log, df, source="s.csv") == [
        "s.csv: end: missing required column (expected a column end (or duration_s): when the state ended)"]


def test_read_state_log_from_csv_with_bom_and_excel(tmp_path):
    p = tmp_path / "log.csv"
    p.write_text("\ufeffagent_id,state,start,end\nA,talk,2025-10-01T09:00,2025-10-01T09:05\n",
                 encoding="utf-8")
    out = read_state_log(p)
    assert out["end"].iat[0] == ts("2025-10-01 09:05")
    x = tmp_path / "log.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["agent_id", "state", "start", "end"])
    ws.append(["A", "talk", pd.Timestamp("2025-10-01 09:00").to_pydatetime(), "2025-10-01T09:05"])
    wb.save(x)
    out2 = read_state_log(x)
    assert out2["start"].iat[0] == ts("2025-10-01 09:00")
    assert out2["end"].iat[0] == ts("2025-10-01 09:05")


# --------------------------------------------------------------------------
# roster
# --------------------------------------------------------------------------

ROSTER_COLS = ["agent_id", "contract", "shift_start", "shift_end", "meal_start", "meal_end", "breaks"]


def roster_frame(rows, **extra):
    df = pd.DataFrame(rows, columns=ROSTER_COLS)
    for k, v in extra.items():
        df[k] = v
    return df


def test_roster_night_shift_clock_times_resolve_to_next_morning():
    df = roster_frame([("n1", "1-on-1", "2025-10-01T20:00", "2025-10-02T08:00", "01:30", "02:30",
                        "23:45-00:00;05:00-05:15")])
    out = validate_roster(df)
    r = out.iloc[0]
    assert r["date"] == pd.Timestamp("2025-10-01")
    assert r["meal_start"] == ts("2025-10-02 01:30")
    assert r["meal_end"] == ts("2025-10-02 02:30")
    assert r["breaks"] == "23:45-00:00;05:00-05:15"


def test_roster_contract_aliases_and_extra_columns():
    df = roster_frame([
        ("a", "five_two", "2025-10-01T09:00", "2025-10-01T17:00", "", "", ""),
        ("b", "做一休一", "2025-10-01T08:00", "2025-10-01T20:00", "", "", ""),
        ("c", "5-on-2", "", "", "", "", ""),  # a day off: dropped
    ], shift_type=["day8", "day12", ""])
    out = validate_roster(df)
    assert out["contract"].tolist() == ["5-on-2", "1-on-1"]
    assert out["shift_type"].tolist() == ["day8", "day12"]
    assert out["meal_start"].isna().all()
    assert out["breaks"].tolist() == ["", ""]


def test_roster_problems_all_at_once():
    df = roster_frame([
        ("a", "4-on-3", "2025-10-01T09:00", "2025-10-01T17:00", "12:00", "13:00", "10:00-10:15"),
        ("a", "5-on-2", "2025-10-02T09:00", "2025-10-02T08:00", "", "", ""),
        ("b", "5-on-2", "2025-10-01T09:00", "2025-10-01T17:00", "18:00", "18:30", "10:00-10:15"),
        ("c", "5-on-2", "2025-10-01T09:00", "2025-10-01T17:00", "12:00", "13:00", "12:30-12:45"),
        ("d", "5-on-2", "2025-10-01T09:00", "2025-10-01T17:00", "", "", "10h-10:15"),
        ("e", "5-on-2", "2025-10-01T09:00", "2025-10-01T17:00", "12:00", "", ""),
    ])
    got = problems(validate_roster, df, source="r.csv")
    assert got == [
        "r.csv:2: contract: unknown contract '4-on-3' (expected one of 5-on-2, 1-on-1)",
        "r.csv:3: shift_end: 2025-10-02 08:00 is not after shift_start 2025-10-02 09:00 "
        "(expected an end after the start)",
        "r.csv:4: meal_start: meal 18:00-18:30 is outside the shift 09:00-17:00 "
        "(expected meal, breaks and activities inside the shift)",
        "r.csv:5: breaks: break 12:30-12:45 overlaps meal 12:00-13:00 "
        "(expected meal, breaks and activities that do not overlap)",
        "r.csv:6: breaks: cannot read '10h-10:15' (expected breaks as HH:MM-HH:MM items separated by "
        "';', e.g. 10:15-10:30;15:00-15:15)",
        "r.csv:7: meal_end: missing value (meal_start is given) (expected both meal times or neither)",
    ]


def test_roster_overlapping_shifts_and_contract_changes():
    df = roster_frame([
        ("a", "5-on-2", "2025-10-01T09:00", "2025-10-01T17:00", "", "", ""),
        ("a", "1-on-1", "2025-10-01T16:00", "2025-10-02T04:00", "", "", ""),
    ])
    got = problems(validate_roster, df, source="r.csv")
    assert "r.csv:3: contract: agent 'a' has contract '1-on-1' here but '5-on-2' in row 2 " \
           "(expected one contract per agent)" in got
    assert "r.csv:3: shift_start: overlaps row 2 of agent 'a' 2025-10-01 09:00 to 2025-10-01 17:00 " \
           "(expected shifts of one agent that do not overlap)" in got


def test_roster_date_must_match_shift_start():
    df = roster_frame([("a", "5-on-2", "2025-10-01T22:00", "2025-10-02T06:00", "", "", "")],
                      date=["2025-10-02"])
    assert problems(validate_roster, df, source="r.csv") == [
        "r.csv:2: date: 2025-10-02 is not the local date of shift_start 2025-10-01 22:00 "
        "(expected the date on which the shift starts)"]


def test_roster_activities_and_typo_column(tmp_path):
    df = roster_frame([("a", "5-on-2", "2025-10-01T09:00", "2025-10-01T17:00", "12:00", "13:00", "")],
                      activities=["09:00-09:15 meeting; 14:00-15:00 training"])
    out = validate_roster(df)
    assert out["activities"].iat[0] == "09:00-09:15 meeting;14:00-15:00 training"
    bad = df.rename(columns={"breaks": "braeks"})
    got = problems(validate_roster, bad, source="r.csv")
    assert got[0].startswith("r.csv: braeks: unknown column 'braeks'; did you mean 'breaks'?")
    p = tmp_path / "r.csv"
    df.to_csv(p, index=False)
    assert read_roster(p)["activities"].iat[0] == "09:00-09:15 meeting;14:00-15:00 training"


# --------------------------------------------------------------------------
# results and forecasts
# --------------------------------------------------------------------------


def test_results_extras_follow_their_rows_after_sorting():
    df = pd.DataFrame({
        "queue": ["q2", "q1", "q1"],
        "interval_start": ["2025-10-01T09:00", "2025-10-01T09:30", "2025-10-01T09:00"],
        "offered": [5, 20, 10], "handled": [5, 18, 9], "abandoned": [0, 2, 1],
        "answered_within_target": [4, 15, 8], "talk_total_s": [500, 3600, 1800],
    })
    out = validate_results(df)
    assert out["queue"].tolist() == ["q1", "q1", "q2"]
    assert out["offered"].tolist() == [10, 20, 5]
    assert out["answered_within_target"].tolist() == [8, 15, 4]
    assert out["talk_total_s"].tolist() == [1800, 3600, 500]


def test_results_consistency_problems_name_rows():
    df = pd.DataFrame({
        "interval_start": ["2025-10-01T09:30", "2025-10-01T09:00"],
        "offered": [10, 20], "handled": [12, 18], "abandoned": [1, 2],
        "answered_within_target": [8, 19],
    })
    assert problems(validate_results, df, source="res.csv") == [
        "res.csv:2: handled: handled 12 + abandoned 1 > offered 10 (expected handled + abandoned <= offered)",
        "res.csv:3: answered_within_target: 19 answered within target > handled 18 "
        "(expected answered_within_target <= handled)",
    ]


def test_results_interval_problems_come_from_the_interval_contract():
    df = pd.DataFrame({"interval_start": ["2025-10-01T09:00", "2025-10-01T09:00"],
                       "offered": [1, 2], "handled": [1, "x"]})
    got = problems(validate_results, df, source="res.csv")
    assert any(g.startswith("res.csv:3: interval_start: duplicate of row 2") for g in got)
    assert "res.csv:3: handled: 'x' is not a number (expected contacts handled (a number >= 0))" in got


def test_forecast_snapshots_validated_separately():
    f = pd.DataFrame({
        "made_at": ["2025-09-30T12:00"] * 2 + ["2025-10-01T06:00"] * 2,
        "interval_start": ["2025-10-01T09:00", "2025-10-01T09:30"] * 2,
        "offered": [11, 12, 13, 14], "aht_s": [180] * 4, "required_agents": [3, 4, 5, 6],
    })
    out = validate_forecasts(f)
    assert out["made_at"].tolist() == [ts("2025-09-30 12:00")] * 2 + [ts("2025-10-01 06:00")] * 2
    assert out["required_agents"].tolist() == [3, 4, 5, 6]
    f.loc[3, "interval_start"] = "2025-10-01T09:00"
    got = problems(validate_forecasts, f, source="f.csv")
    assert got[0].startswith("f.csv:5: interval_start: duplicate of row 4 ")


# --------------------------------------------------------------------------
# leave, agents, dials
# --------------------------------------------------------------------------


def test_leave_types_and_duplicates():
    df = pd.DataFrame({"agent_id": ["a", "a", "b", "b"],
                       "date": ["2025-10-09", "2025-10-10", "2025-10-09", "2025-10-09"],
                       "leave_type": ["事假", "Sick", "annual", "holiday"], "days": [1, 0.5, 1, 2]})
    got = problems(validate_leave, df, source="l.csv")
    assert got == [
        "l.csv:5: leave_type: unknown value 'holiday' (expected one of personal, sick, annual, unexcused)",
        "l.csv:5: days: 2 is out of range (expected the share of the day taken (0 < days <= 1))",
        "l.csv:5: date: duplicate of row 4 (expected one leave record per agent and day)",
    ]
    ok = validate_leave(df.iloc[:3])
    assert ok["leave_type"].tolist() == ["personal", "sick", "annual"]
    assert ok["days"].tolist() == [1.0, 0.5, 1.0]


def test_agents_and_dials():
    ag = validate_agents(pd.DataFrame({"agent_id": ["a", "b"], "star": [2, ""], "base_pay": [3000, None],
                                       "full_month": ["yes", "no"]}))
    assert ag["star"].tolist() == [2, 0]
    assert ag["full_month"].tolist() == [True, False]
    bad = pd.DataFrame({"agent_id": ["a"], "star": [4]})
    assert problems(validate_agents, bad, source="a.csv") == [
        "a.csv:2: star: 4 is out of range (expected star level 0, 1, 2 or 3)"]
    d = validate_dials(pd.DataFrame({"account_id": ["1", "1"], "outcome": ["忙音", "Sale"]}))
    assert d["outcome"].tolist() == ["busy", "sale"]
    assert problems(validate_dials, pd.DataFrame({"account_id": ["1"], "outcome": ["maybe"]}),
                    source="d.csv")[0].startswith("d.csv:2: outcome: unknown value 'maybe'")


def test_roster_as_wfm_roster_writes_it():
    # the format of wfm.roster.coverage.roster_table: catalogue keys, ISO start/end break items
    df = pd.DataFrame({
        "agent_id": ["A001"], "name": ["Li Lei"], "contract": ["five_two"], "date": ["2025-08-11"],
        "shift_type": ["day8"], "shift_start": ["2025-08-11T07:00:00+08:00"],
        "shift_end": ["2025-08-11T15:00:00+08:00"], "meal_start": ["2025-08-11T11:30:00+08:00"],
        "meal_end": ["2025-08-11T12:30:00+08:00"],
        "breaks": ["2025-08-11T08:30:00+08:00/2025-08-11T08:45:00+08:00;"
                   "2025-08-11T14:00:00+08:00/2025-08-11T14:15:00+08:00"],
        "paid_hours": [8.0]})
    out = validate_roster(df)
    r = out.iloc[0]
    assert r["contract"] == "5-on-2"
    assert r["breaks"] == "08:30-08:45;14:00-14:15"
    assert (r["name"], r["shift_type"]) == ("Li Lei", "day8")
    bad = df.copy()
    bad["breaks"] = ["2025-08-11T16:00:00+08:00/2025-08-11T16:15:00+08:00"]
    assert problems(validate_roster, bad, source="roster.csv") == [
        "roster.csv:2: breaks: break 16:00-16:15 is outside the shift 07:00-15:00 "
        "(expected meal, breaks and activities inside the shift)"]


def test_roster_with_a_catalogue_contract():
    from decimal import Decimal

    from wfm.kpi.terms import ContractTerms

    terms = {"part_time": ContractTerms("part-time", Decimal("21.75"), Decimal("4"))}
    df = roster_frame([("p", "part_time", "2025-10-13T09:00", "2025-10-13T13:00", "", "", ""),
                       ("q", "five_two", "2025-10-13T09:00", "2025-10-13T17:00", "", "", "")])
    assert validate_roster(df, contracts=terms)["contract"].tolist() == ["part_time", "5-on-2"]
    assert problems(validate_roster, df, source="r.csv")[0] == \
        "r.csv:2: contract: unknown contract 'part_time' (expected one of 5-on-2, 1-on-1)"


def test_roster_local_times_on_a_daylight_saving_day_are_reported():
    # Europe/Berlin skips 02:00-03:00 on 2025-03-30: a night shift 22:00-06:00
    # from the 29th cannot have its meal at 02:30 local time; a naive ISO
    # meal time in the gap is reported the same way as any naive timestamp
    df = roster_frame([
        ("n1", "5-on-2", "2025-03-29T22:00", "2025-03-30T06:00", "02:30", "03:30", ""),
        ("n2", "5-on-2", "2025-03-29T22:00", "2025-03-30T06:00", "2025-03-30T02:30", "2025-03-30T03:30", ""),
    ])
    assert problems(validate_roster, df, source="r.csv", tz="Europe/Berlin") == [
        "r.csv:2: meal_start: '02:30' does not exist or is ambiguous in Europe/Berlin on that day "
        "(expected unambiguous local times, or ISO 8601 times with offsets)",
        "r.csv:3: meal_start: '2025-03-30T02:30' does not exist in Europe/Berlin (the clocks skip it "
        "when daylight saving time starts) (expected an existing local time, or a UTC offset such as +01:00)",
    ]
