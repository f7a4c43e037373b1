"""Pay rules of DOMAIN.md section 4, checked to the cent against hand arithmetic.

Rates: 5-on-2 hourly = 2800 / 21.75 / 8 = 2800 / 174; 1-on-1 hourly =
2800 / 15.5 / 12 = 2800 / 186. Every expected amount below is written as
that fraction times hours and multiplier, rounded half-up by hand.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pandas as pd
import pytest

from wfm.kpi.inputs import validate_agents, validate_leave, validate_roster, validate_state_log
from wfm.kpi.pay import (
    daily_rate,
    holiday_pay,
    hourly_rate,
    leave_deduction,
    overtime_pay,
    pay_date,
    pay_hours,
    payroll,
    round_cents,
    statutory_holidays,
)
from wfm.kpi.timeline import build_timeline


def test_worked_case_from_the_source_to_the_cent():
    # 2800 / 21.75 / 8 x 3 x 1.5 = 72.4137... -> 72.41
    assert overtime_pay(3, 2800, "5-on-2") == Decimal("72.41")
    # 1-on-1: 2800 / 15.5 / 12 x 3 x 1.5 = 12600 / 186 = 67.7419... -> 67.74
    assert overtime_pay(3, 2800, "1-on-1") == Decimal("67.74")
    assert hourly_rate(2800, "5-on-2") == Decimal(2800) / Decimal(174)
    assert round_cents(daily_rate(2800, "5-on-2")) == Decimal("128.74")  # 128.7356...
    assert round_cents(daily_rate(2800, "1-on-1")) == Decimal("180.65")  # 180.6451...


def test_round_half_up_not_half_even_nor_binary_float():
    assert round_cents(Decimal("2.675")) == Decimal("2.68")  # float 2.675 is 2.67499999...
    assert round_cents(Decimal("2.665")) == Decimal("2.67")  # banker's rounding would give 2.66
    assert round_cents("0.005") == Decimal("0.01")


def test_holiday_pay_and_leave_deductions():
    # a full 8 h shift with a 1 h meal on a statutory holiday: 7 h x 3 x 2800/174 = 337.931 -> 337.93
    assert holiday_pay(7, 2800, "5-on-2") == Decimal("337.93")
    # 12 h shift with 1 h meal on a holiday, 1-on-1: 11 x 3 x 2800/186 = 496.774 -> 496.77
    assert holiday_pay(11, 2800, "1-on-1") == Decimal("496.77")
    assert leave_deduction({"personal": 1}, 2800, "5-on-2") == Decimal("128.74")
    assert leave_deduction({"sick": 1}, 2800, "5-on-2") == Decimal("51.49")  # 0.4 x 128.7356
    assert leave_deduction({"annual": 3}, 2800, "5-on-2") == Decimal("0.00")
    # one rounding for the whole line: 128.7356 + 25.7471 = 154.4828 -> 154.48
    assert leave_deduction({"personal": 1, "sick": 0.5}, 2800, "5-on-2") == Decimal("154.48")


def test_statutory_holidays_match_the_state_council_notices():
    # 国办发明电〔2024〕12号 (2025): 13 statutory days, bridge days excluded
    d = dt.date
    assert sorted(statutory_holidays(2025)) == [
        d(2025, 1, 1), d(2025, 1, 28), d(2025, 1, 29), d(2025, 1, 30), d(2025, 1, 31),
        d(2025, 4, 4), d(2025, 5, 1), d(2025, 5, 2), d(2025, 5, 31),
        d(2025, 10, 1), d(2025, 10, 2), d(2025, 10, 3), d(2025, 10, 6)]
    # 2024 still had 11 (Spring Festival 3 days, Labour Day 1)
    assert sorted(statutory_holidays(2024)) == [
        d(2024, 1, 1), d(2024, 2, 10), d(2024, 2, 11), d(2024, 2, 12), d(2024, 4, 4), d(2024, 5, 1),
        d(2024, 6, 10), d(2024, 9, 17), d(2024, 10, 1), d(2024, 10, 2), d(2024, 10, 3)]
    assert dt.date(2025, 10, 7) not in statutory_holidays(2025)  # a moved weekend, not statutory


def test_pay_date_moves_to_the_nearest_working_day():
    assert pay_date(2025, 9) == dt.date(2025, 10, 15)  # a Wednesday
    # 15 Feb 2025 is a Saturday: Friday 14th is 1 day away, Monday 17th 2
    assert pay_date(2025, 1) == dt.date(2025, 2, 14)
    # 15 Jun 2025 is a Sunday: Monday 16th (1 day) beats Friday 13th (2 days)
    assert pay_date(2025, 5) == dt.date(2025, 6, 16)
    # 15 Sep 2024 (Sunday) is in the Mid-Autumn break; Saturday 14th was a make-up working day
    assert pay_date(2024, 8) == dt.date(2024, 9, 14)
    assert pay_date(2025, 12) == dt.date(2026, 1, 15)


@pytest.fixture(scope="module")
def night_into_holiday():
    roster = validate_roster(pd.DataFrame({
        "agent_id": ["P", "P"], "contract": ["5-on-2", "5-on-2"],
        "shift_start": ["2025-09-30T22:00", "2025-10-09T09:00"],
        "shift_end": ["2025-10-01T06:00", "2025-10-09T17:00"],
        "meal_start": ["02:00", "12:00"], "meal_end": ["03:00", "13:00"]}))
    log = validate_state_log(pd.DataFrame([
        ("P", "available", "2025-09-30T21:50", "2025-09-30T22:00"),  # 10 min early: overtime
        ("P", "talk", "2025-09-30T22:00", "2025-10-01T02:00"),       # 2 h on 30 Sep, 2 h on 1 Oct
        ("P", "meal", "2025-10-01T02:00", "2025-10-01T03:00"),
        ("P", "available", "2025-10-01T03:00", "2025-10-01T06:30"),  # 30 min past the shift, holiday
        ("P", "talk", "2025-10-09T09:00", "2025-10-09T12:00"),
        ("P", "meal", "2025-10-09T12:00", "2025-10-09T13:00"),
        ("P", "talk", "2025-10-09T13:00", "2025-10-09T18:00"),       # 1 h overtime
        ("P", "meal", "2025-10-09T18:00", "2025-10-09T18:30"),       # meal in overtime: excluded
        ("P", "talk", "2025-10-09T18:30", "2025-10-09T19:00"),       # 0.5 h overtime
    ], columns=["agent_id", "state", "start", "end"]))
    return roster, log


def test_pay_hours_from_the_state_log(night_into_holiday):
    roster, log = night_into_holiday
    h = pay_hours(roster, build_timeline(log, roster)).set_index("month")
    sep, oct_ = h.loc["2025-09"], h.loc["2025-10"]
    # September (the night shift of 30 Sep): 8 h worked, 1 h meal, 10 min overtime before it,
    # holiday 00:00-02:00 + 03:00-06:00 = 5 h on 1 October (meal excluded)
    assert sep["shifts"] == 1 and sep["scheduled_h"] == 8.0 and sep["worked_h"] == 8.0
    assert sep["meal_h"] == 1.0
    assert sep["overtime_h"] == pytest.approx(10 / 60)
    assert sep["holiday_h"] == 5.0 and sep["holiday_days"] == 1
    # October: 9 Oct shift 8 h; meal 1 h + 0.5 h; overtime 1 h + 0.5 h; the 30 minutes after
    # the night shift fall on 1 October outside any shift: holiday, not overtime
    assert oct_["worked_h"] == 8.0 and oct_["meal_h"] == 1.5
    assert oct_["overtime_h"] == 1.5
    assert oct_["holiday_h"] == 0.5
    money = payroll(pay_hours(roster, build_timeline(log, roster))).set_index("month")
    # OT Sep: 1/6 h x 1.5 x 2800/174 = 700/174 = 4.0230 -> 4.02
    assert money.loc["2025-09", "overtime_pay"] == 4.02
    # holiday Sep: 5 x 3 x 2800/174 = 241.379 -> 241.38
    assert money.loc["2025-09", "holiday_pay"] == 241.38
    # OT Oct: 1.5 x 1.5 x 2800/174 = 36.2069 -> 36.21; holiday Oct: 0.5 x 3 x 2800/174 = 24.14
    assert money.loc["2025-10", "overtime_pay"] == 36.21
    assert money.loc["2025-10", "holiday_pay"] == 24.14
    # gross = base 2800 + subsidy 300 (basic staff) + 4.02 + 241.38
    assert money.loc["2025-09", "gross_pay"] == 3345.40
    assert money.loc["2025-09", "pay_date"] == pd.Timestamp("2025-10-15")


def test_pay_hours_roster_only_and_grace(night_into_holiday):
    roster, log = night_into_holiday
    h = pay_hours(roster).set_index("month")
    assert h.loc["2025-09", "holiday_h"] == 5.0  # the rostered shift minus its meal on 1 Oct
    assert h.loc["2025-09", "overtime_h"] == 0.0
    assert h.loc["2025-10", "worked_h"] == 8.0 and h.loc["2025-10", "meal_h"] == 1.0
    g = pay_hours(roster, build_timeline(log, roster), overtime_grace_min=15).set_index("month")
    assert g.loc["2025-09", "overtime_h"] == 0.0  # 10 minutes <= 15: not overtime
    assert g.loc["2025-10", "overtime_h"] == 1.5


def test_long_rostered_shift_is_overtime_and_leave_is_deducted():
    roster = validate_roster(pd.DataFrame({
        "agent_id": ["Q", "Q"], "contract": ["5-on-2", "5-on-2"],
        "shift_start": ["2025-10-13T08:00", "2025-10-16T09:00"],
        "shift_end": ["2025-10-13T18:00", "2025-10-16T17:00"]}))
    leave = validate_leave(pd.DataFrame({"agent_id": ["Q", "Q"], "date": ["2025-10-14", "2025-10-15"],
                                         "leave_type": ["personal", "sick"], "days": [1, 0.5]}))
    h = pay_hours(roster, None, leave)
    assert h["overtime_h"].tolist() == [2.0]  # a 10 h shift on an 8 h contract
    assert h[["personal_days", "sick_days"]].iloc[0].tolist() == [1.0, 0.5]
    agents = validate_agents(pd.DataFrame({"agent_id": ["Q"], "base_pay": [3000], "star": [2]}))
    m = payroll(h, agents, bonus={"Q": 300}).iloc[0]
    # base 3000: OT 2 x 1.5 x 3000/174 = 51.724 -> 51.72; leave (1 + 0.2) x 3000/21.75 = 165.517 -> 165.52
    assert m["overtime_pay"] == 51.72
    assert m["leave_deduction"] == 165.52
    assert (m["post_allowance"], m["subsidy"], m["bonus"]) == (600.0, 700.0, 300.0)
    assert m["gross_pay"] == pytest.approx(3000 + 600 + 700 + 300 + 51.72 - 165.52)


def test_unexcused_absence_detected_from_the_log():
    roster = validate_roster(pd.DataFrame({
        "agent_id": ["R", "R"], "contract": ["1-on-1", "1-on-1"],
        "shift_start": ["2025-10-13T08:00", "2025-10-15T08:00"],
        "shift_end": ["2025-10-13T20:00", "2025-10-15T20:00"]}))
    log = validate_state_log(pd.DataFrame({"agent_id": ["R"], "state": ["talk"],
                                           "start": ["2025-10-13T08:00"], "end": ["2025-10-13T20:00"]}))
    h = pay_hours(roster, build_timeline(log, roster))
    assert h["unexcused_days"].tolist() == [1.0]
    assert payroll(h)["leave_deduction"].tolist() == [180.65]  # 2800 / 15.5
    # with a sick-leave record for that day it is sick leave, not absence
    leave = validate_leave(pd.DataFrame({"agent_id": ["R"], "date": ["2025-10-15"], "leave_type": ["sick"]}))
    h2 = pay_hours(roster, build_timeline(log, roster), leave)
    assert h2[["unexcused_days", "sick_days"]].iloc[0].tolist() == [0.0, 1.0]
    assert payroll(h2)["leave_deduction"].tolist() == [72.26]  # 0.4 x 180.645 = 72.258


def test_agent_without_contract_is_flagged_not_paid():
    roster = validate_roster(pd.DataFrame({"agent_id": ["S"], "contract": ["5-on-2"],
                                           "shift_start": ["2025-10-13T09:00"], "shift_end": ["2025-10-13T17:00"]}))
    log = validate_state_log(pd.DataFrame({"agent_id": ["T"], "state": ["talk"],
                                           "start": ["2025-10-13T09:00"], "end": ["2025-10-13T10:00"]}))
    m = payroll(pay_hours(roster, build_timeline(log, roster))).set_index("agent_id")
    assert m.loc["T", "note"].startswith("no contract")
    assert pd.isna(m.loc["T", "gross_pay"])
    assert m.loc["S", "note"] == ""


def test_contract_terms_from_the_roster_catalogue():
    from wfm.kpi.pay import contract_terms_from_catalog
    from wfm.roster.catalog import default_catalog_path, load_catalog

    terms = contract_terms_from_catalog(load_catalog(default_catalog_path()))
    assert (terms["five_two"].paid_days_per_month, terms["five_two"].shift_hours) == (Decimal("21.75"), 8)
    assert (terms["one_one"].paid_days_per_month, terms["one_one"].shift_hours) == (Decimal("15.5"), 12)
    assert overtime_pay(3, 2800, terms["5-on-2"]) == Decimal("72.41")


def test_custom_contract_terms_in_pay_hours():
    from wfm.kpi.terms import ContractTerms

    terms = {"part_time": ContractTerms("part-time", Decimal("21.75"), Decimal("4"))}
    roster = validate_roster(pd.DataFrame({"agent_id": ["p"], "contract": ["part_time"],
                                           "shift_start": ["2025-10-13T09:00"], "shift_end": ["2025-10-13T14:00"]}),
                             contracts=terms)
    h = pay_hours(roster, contracts=terms)
    assert h["overtime_h"].tolist() == [1.0]  # a 5 h shift on a 4 h contract
    # 2800 / (21.75 x 4) x 1 x 1.5 = 4200 / 87 = 48.2759 -> 48.28
    assert payroll(h, contracts=terms)["overtime_pay"].tolist() == [48.28]


def test_part_months_are_paid_by_their_worked_days():
    """A roster over 2025-10-27 .. 2025-11-30 covers November wholly and
    October in part: October pays 5 shifts x 2800/21.75, November the
    monthly base; post allowance and subsidy in October are in proportion
    (5/21.75), leave deductions as in any month."""
    from wfm.kpi.pay import full_months, month_base_pay

    assert full_months((dt.date(2025, 10, 27), dt.date(2025, 11, 30))) == {"2025-11"}
    assert full_months((dt.date(2025, 11, 1), dt.date(2025, 12, 31))) == {"2025-11", "2025-12"}
    assert full_months((dt.date(2025, 11, 2), dt.date(2025, 11, 30))) == set()
    assert month_base_pay(2800, "5-on-2", 5, False) == Decimal("643.68")  # 5 x 128.7356...
    assert month_base_pay(2800, "5-on-2", 5, True) == Decimal("2800.00")
    starts = [f"2025-10-{d}T09:00" for d in (27, 28, 29, 30, 31)] + [f"2025-11-{d:02d}T09:00" for d in (3, 4)]
    roster = validate_roster(pd.DataFrame({"agent_id": "Q", "contract": "5-on-2", "shift_start": starts,
                                           "shift_end": [s.replace("T09", "T17") for s in starts]}))
    agents = validate_agents(pd.DataFrame({"agent_id": ["Q"], "star": [1]}))
    h = pay_hours(roster)
    m = payroll(h, agents, period=(dt.date(2025, 10, 27), dt.date(2025, 11, 30))).set_index("month")
    assert m.loc["2025-10", "base_pay"] == 643.68 and not m.loc["2025-10", "full_month"]
    assert m.loc["2025-11", "base_pay"] == 2800.0 and m.loc["2025-11", "full_month"]
    # allowance 400 and subsidy 500 for one star, x 5 / 21.75 in October
    assert (m.loc["2025-10", "post_allowance"], m.loc["2025-10", "subsidy"]) == (91.95, 114.94)
    assert (m.loc["2025-11", "post_allowance"], m.loc["2025-11", "subsidy"]) == (400.0, 500.0)
    assert m.loc["2025-10", "roster_pay"] == 643.68
    # without a period every month is paid in full, as before
    assert payroll(h, agents).set_index("month").loc["2025-10", "base_pay"] == 2800.0


def test_roster_cost_and_pay_days_by_hand():
    """A 5-on-2 agent's 10-hour shift on a working day (2 h overtime) and an
    8-hour shift with a 1-hour meal on National Day 2025-10-01 (7 holiday
    hours at 3 x the hourly rate): per day and per month by hand."""
    from wfm.kpi.pay import pay_days, roster_cost
    from wfm.roster.catalog import default_catalog_path, load_catalog

    cat = load_catalog(default_catalog_path())
    roster = validate_roster(pd.DataFrame({
        "agent_id": ["Q", "Q"], "contract": ["five_two", "five_two"],
        "shift_start": ["2025-09-30T08:00", "2025-10-01T09:00"],
        "shift_end": ["2025-09-30T18:00", "2025-10-01T17:00"],
        "meal_start": ["", "2025-10-01T12:00"], "meal_end": ["", "2025-10-01T13:00"]}),
        contracts={"five_two": None})
    hour = Decimal(2800) / Decimal(174)
    d = pay_days(roster, cat).set_index("date")
    assert d.loc["2025-09-30", "overtime_h"] == 2.0 and d.loc["2025-09-30", "holiday_h"] == 0.0
    assert d.loc["2025-10-01", "holiday_h"] == 7.0 and d.loc["2025-10-01", "meal_h"] == 1.0
    assert Decimal(str(d.loc["2025-09-30", "day_pay"])) == round_cents(hour * 8 + hour * Decimal("1.5") * 2)
    assert Decimal(str(d.loc["2025-10-01", "day_pay"])) == round_cents(hour * 8 + hour * 3 * 7)
    lines = roster_cost(roster, cat).set_index("month")
    # one shift in each month: each a part month, paid by its day
    assert Decimal(str(lines.loc["2025-09", "cost"])) == round_cents(hour * 8) + round_cents(hour * 3)
    assert Decimal(str(lines.loc["2025-10", "cost"])) == round_cents(hour * 8) + round_cents(hour * 21)
