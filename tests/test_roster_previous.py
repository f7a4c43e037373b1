"""Rolling rosters: the previous roster's night shifts, rest and runs of
working days carry into the new horizon (wfm.roster.previous)."""

import pandas as pd
import pytest
from click.testing import CliRunner

from wfm.cli import cli
from wfm.errors import InputError
from wfm.roster import build_roster
from wfm.roster.agents import Agent
from wfm.roster.catalog import parse_catalog
from wfm.roster.check import check_roster

TZ = "Asia/Shanghai"
START = pd.Timestamp("2026-03-02", tz=TZ)  # a Monday


def _catalog():
    """24/7: 8 h day shifts at 06:00 or 14:00 and 8 h nights at 22:00
    (5-on-2, 11 h rest, at most 6 days in a row), 12 h days at 07:00 (1-on-1)."""
    return parse_catalog({
        "pay": {"base_monthly": 100.0},
        "penalties": {"under_per_agent_hour": 9.0, "over_per_agent_hour": 2.0},
        "shift_types": {
            "d8": {"length_h": 8, "earliest_start": "06:00", "latest_start": "14:00", "start_step_min": 480},
            "n8": {"length_h": 8, "earliest_start": "22:00", "latest_start": "22:00"},
            "d12": {"length_h": 12, "earliest_start": "07:00", "latest_start": "07:00"},
        },
        "contracts": {
            "five": {"pattern": "weekly", "shift_types": ["d8", "n8"], "work_days_per_week": 5,
                     "paid_days_per_month": 21.75, "min_rest_h": 11, "max_consecutive_days": 6},
            "alt": {"pattern": "alternate", "shift_types": ["d12"], "paid_days_per_month": 15.5,
                    "min_rest_h": 11, "max_consecutive_days": 1},
        },
    })


def _requirements(level=2.0):
    ts = pd.date_range(START, periods=7 * 24, freq="60min")
    return pd.DataFrame({"interval_start": ts, "required_agents": level})


def _shift(agent, contract, start, hours, meal=None):
    s = START + pd.Timedelta(hours=start)
    row = {"agent_id": agent, "contract": contract, "shift_start": s.isoformat(),
           "shift_end": (s + pd.Timedelta(hours=hours)).isoformat(), "meal_start": "", "meal_end": "", "breaks": ""}
    if meal is not None:
        m = START + pd.Timedelta(hours=meal)
        row.update(meal_start=m.isoformat(), meal_end=(m + pd.Timedelta(hours=1)).isoformat())
    return row


def test_previous_night_shifts_cover_the_first_hours():
    """Two nights from 22:00 the day before (one with a meal 02:00-03:00)
    put 2 agents on the phones 00:00-06:00 of day 0, 1 during the meal:
    11 agent-hours the new roster cannot give (its first shift starts at
    06:00), now in the coverage and no longer short."""
    cat = _catalog()
    prev = pd.DataFrame([_shift("X1", "five", -2, 8, meal=2), _shift("X2", "five", -2, 8)])
    without = build_roster(_requirements(), cat, weeks=1, time_limit_s=30, close_gap=False)
    with_prev = build_roster(_requirements(), cat, weeks=1, time_limit_s=30, close_gap=False, previous_roster=prev)
    first = with_prev.coverage["scheduled_agents"].to_numpy(float)[:6]
    assert first.tolist() == [2, 2, 1, 2, 2, 2]
    assert without.coverage["scheduled_agents"].to_numpy(float)[:6].tolist() == [0] * 6
    assert with_prev.summary["carry_in"]["on_phone_agent_hours"] == pytest.approx(11.0)
    assert with_prev.summary["shortfall"]["agent_hours_short"] == pytest.approx(
        without.summary["shortfall"]["agent_hours_short"] - 11.0)


def test_rest_runs_and_alternation_continue_across_the_boundary():
    """E1 worked five days in a row before the horizon, the last a night to
    06:00 on day 0: with 11 h rest and at most 6 days in a row, E1 starts no
    earlier than 17:00 on day 0 and works at most one day before a day off.
    1-on-1: E2 worked the day before (off on day 0, then every other day),
    E3 two days before (works day 0). Checked on the roster's timestamps."""
    cat = _catalog()
    prev = pd.DataFrame([_shift("E1", "five", -24 * k + 6, 8) for k in range(5, 1, -1)]
                        + [_shift("E1", "five", -2, 8), _shift("E2", "alt", -17, 12), _shift("E3", "alt", -41, 12)])
    agents = [Agent("E1", "E1", "five"), Agent("E2", "E2", "alt"), Agent("E3", "E3", "alt"),
              Agent("E4", "E4", "five")]
    res = build_roster(_requirements(1.0), cat, weeks=1, agents=agents, time_limit_s=30, close_gap=False,
                       previous_roster=prev)
    assert res.violations.empty, res.violations
    r = res.roster.shifts.assign(s_=res.roster.shifts["shift_start"])
    days = {a: sorted({(t.tz_convert(TZ).normalize() - START).days for t in g["s_"]}) for a, g in r.groupby("agent_id")}
    e1 = r[r["agent_id"] == "E1"].sort_values("s_")
    assert e1["s_"].iloc[0] >= START + pd.Timedelta(hours=17)
    assert not (0 in days["E1"] and 1 in days["E1"])  # 5 before + at most 1
    assert days["E2"] and all(d % 2 == 1 for d in days["E2"])
    assert days["E3"] and all(d % 2 == 0 for d in days["E3"])
    assert res.summary["carry_in"]["agents_continued"] == 3
    # the checker alone (within the horizon) and the boundary check agree on the published file
    assert check_roster(res.roster, cat, horizon_start=START.date(), days=7, agents={a.id: a for a in agents}).empty


def test_boundary_check_flags_a_roster_that_ignores_the_previous_one():
    """The independent boundary check is not vacuous: the same agents
    rostered without the previous roster break its rest and alternation."""
    from wfm.roster.previous import boundary_violations, read_previous_roster

    cat = _catalog()
    prev = pd.DataFrame([_shift("E2", "alt", -17, 12), _shift("E3", "alt", -41, 12)])
    agents = [Agent("E2", "E2", "alt"), Agent("E3", "E3", "alt"), Agent("E4", "E4", "five")]
    res = build_roster(_requirements(1.0), cat, weeks=1, agents=agents, time_limit_s=30, close_gap=False)
    carry = read_previous_roster(prev, res.horizon, cat)
    sh = res.roster.shifts
    worked0 = set(sh.loc[sh["shift_start"] < START + pd.Timedelta(days=1), "agent_id"])
    v = boundary_violations(res.roster, carry, cat, res.horizon)
    # exactly the 1-on-1 agents whose phase does not continue are flagged:
    # E2 (worked the day before) if it works day 0, E3 (two days before) if not
    expect = ({"E2"} if "E2" in worked0 else set()) | (set() if "E3" in worked0 else {"E3"})
    assert expect  # one of the two phases is always wrong for one of them
    assert set(v.loc[v["rule"] == "alternation", "agent_id"]) == expect


def test_bad_previous_roster_names_file_row_and_column(tmp_path):
    cat = _catalog()
    bad = pd.DataFrame([_shift("X1", "five", -2, 8), _shift("X2", "five", -2, 8)])
    bad.loc[1, "shift_end"] = "tomorrow"
    p = tmp_path / "prev.csv"
    bad.to_csv(p, index=False)
    with pytest.raises(InputError) as e:
        build_roster(_requirements(), cat, weeks=1, time_limit_s=30, previous_roster=str(p))
    assert f"{p}:3" in str(e.value) and "shift_end" in str(e.value)
    inside = pd.DataFrame([_shift("X1", "five", 6, 8)])
    with pytest.raises(InputError, match="starts at or after the new horizon"):
        build_roster(_requirements(), cat, weeks=1, time_limit_s=30, previous_roster=inside)
    req = tmp_path / "req.csv"
    _requirements().to_csv(req, index=False)
    out = CliRunner().invoke(cli, ["roster", str(req), "--previous", str(p), "-o", str(tmp_path / "o")])
    assert out.exit_code == 2 and f"{p}:3" in out.output and "shift_end" in out.output


def test_last_nights_cover_the_hours_after_the_horizon():
    """3 agents are needed 00:00-06:00, 2 06:00-22:00 and 1 22:00-24:00; only the 22:00 nights
    reach those hours, and no shift starts before 06:00. Rostering week 1
    of a two-week requirement, the model also counts the first six hours
    after the horizon (the next roster cannot reach them), so the last day
    gets its 3 nights like every other day and the next week inherits
    exactly its requirement. (With a one-week file there is nothing to
    count them on: the last nights then only answer to 22:00-24:00, and
    this model made them its cheapest place for spare agents: 4 nights.)"""
    from wfm.roster.demand import build_horizon, validate_requirements
    from wfm.roster.previous import read_previous_roster

    cat = _catalog()
    ts = pd.date_range(START, periods=14 * 24, freq="60min")
    two_weeks = pd.DataFrame({"interval_start": ts, "required_agents": [3.0 if t.hour < 6 else 2.0 if t.hour < 22 else 1.0 for t in ts]})
    res = build_roster(two_weeks, cat, weeks=1, time_limit_s=30, close_gap=False)
    short_file = build_roster(two_weeks.iloc[:7 * 24], cat, weeks=1, time_limit_s=30, close_gap=False)

    def nights(r, day):
        sh = r.roster.shifts
        return int(((sh["shift_type"] == "n8") & (sh["shift_start"] == START + pd.Timedelta(days=day, hours=22))).sum())

    assert res.summary["tail"]["intervals"] == 6 and res.summary["tail"]["required_agent_hours"] == 18.0
    assert short_file.summary["tail"]["intervals"] == 0
    assert [nights(res, d) for d in range(7)] == [3] * 7
    week2 = build_horizon(validate_requirements(two_weeks.iloc[7 * 24:]), weeks=1, tz=TZ)
    carry = read_previous_roster(res.roster, week2)
    assert carry.coverage[:6].tolist() == [3.0] * 6
