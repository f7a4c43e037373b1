"""Queue KPIs from actual results, and forecast / staffing / schedule accuracy.

Expected values are arithmetic on the small tables below (written out in the
assertions); required agents are checked against an independent Erlang C
written here from the textbook sum formula.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from wfm.kpi.inputs import validate_forecasts, validate_results, validate_roster
from wfm.kpi.wfm_kpis import (
    forecast_accuracy,
    schedule_forecast_accuracy,
    select_snapshot,
    service_kpis,
    staffing_forecast_accuracy,
    summarise_accuracy,
)

TZ = "Asia/Shanghai"


@pytest.fixture(scope="module")
def results():
    return validate_results(pd.DataFrame({
        "interval_start": ["2025-10-09T09:00", "2025-10-09T09:30", "2025-10-10T09:00"],
        "offered": [100, 50, 100], "handled": [90, 50, 100], "abandoned": [10, 0, 0],
        "answered_within_target": [72, 45, 90], "abandoned_within_target": [4, 0, 0],
        "answer_wait_total_s": [900, 250, 500],
        "talk_total_s": [16200, 9000, 20000], "hold_total_s": [900, 0, 0], "acw_total_s": [1800, 1000, 0],
    }))


def test_service_kpis_per_day_by_hand(results):
    d = service_kpis(results, by=("queue", "date")).iloc[0]
    assert d["date"] == pd.Timestamp("2025-10-09")
    assert (d["offered"], d["handled"], d["abandoned"]) == (150, 140, 10)
    assert d["service_level"] == pytest.approx(117 / 150)
    assert d["asa_s"] == pytest.approx(1150 / 140)
    assert d["abandon_rate"] == pytest.approx(10 / 150)
    assert d["aht_s"] == pytest.approx((16200 + 900 + 1800 + 9000 + 1000) / 140)
    assert d["att_s"] == pytest.approx(25200 / 140)
    assert d["acw_s"] == pytest.approx(2800 / 140)
    assert d["hold_s"] == pytest.approx(900 / 140)


def test_service_level_bases(results):
    one = results.iloc[:2]
    ex = service_kpis(one, by=(), sl_method="exclude_short_abandons").iloc[0]
    assert ex["service_level"] == pytest.approx(117 / (150 - 4))
    hd = service_kpis(one, by=(), sl_method="handled").iloc[0]
    assert hd["service_level"] == pytest.approx(117 / 140)


def test_service_levels_interval_week_month(results):
    iv = service_kpis(results, by=("queue", "interval"))
    assert iv["service_level"].tolist() == pytest.approx([0.72, 0.9, 0.9])
    wk = service_kpis(results, by=("week",))
    assert wk["week"].tolist() == [pd.Timestamp("2025-10-06")]  # Monday of 9 and 10 October
    assert wk["offered"].tolist() == [250]
    mo = service_kpis(results, by=("month",))
    assert mo["month"].tolist() == [pd.Timestamp("2025-10-01")]


def test_aht_from_given_aht_when_no_talk_totals():
    r = validate_results(pd.DataFrame({"interval_start": ["2025-10-09T09:00", "2025-10-09T09:30"],
                                       "offered": [10, 30], "handled": [10, 30], "aht_s": [100, 200],
                                       "agents": [2, 4]}))
    t = service_kpis(r, by=()).iloc[0]
    assert t["aht_s"] == pytest.approx((10 * 100 + 30 * 200) / 40)
    # occupancy = handle seconds / (agents x 1800 s)
    assert t["occupancy"] == pytest.approx(7000 / (6 * 1800))
    assert "service_level" not in t


@pytest.fixture(scope="module")
def forecast():
    return validate_forecasts(pd.DataFrame({
        "interval_start": ["2025-10-09T09:00", "2025-10-09T09:30", "2025-10-10T09:00"],
        "offered": [110, 40, 80], "aht_s": [200, 190, 180]}))


def test_forecast_accuracy_by_interval_and_day(forecast, results):
    iv = forecast_accuracy(forecast, results, level="interval")
    assert iv["volume_accuracy"].tolist() == pytest.approx([0.9, 0.8, 0.8])
    day = forecast_accuracy(forecast, results, level="day")
    assert day["forecast_offered"].tolist() == [150, 80]
    assert day["volume_accuracy"].tolist() == pytest.approx([1.0, 0.8])
    f_aht = (110 * 200 + 40 * 190) / 150
    a_aht = 28900 / 140
    assert day["forecast_aht_s"].iat[0] == pytest.approx(f_aht)
    assert day["actual_aht_s"].iat[0] == pytest.approx(a_aht)
    assert day["aht_accuracy"].iat[0] == pytest.approx(1 - abs(f_aht - a_aht) / a_aht)
    s_day = summarise_accuracy(day).set_index("queue")
    assert s_day.loc["(all)", "volume_accuracy"] == pytest.approx(1 - 20 / 250)
    assert s_day.loc["(all)", "aht_accuracy"] == pytest.approx(
        1 - (140 * abs(f_aht - a_aht) + 100 * 20) / (140 * a_aht + 100 * 200))
    s_iv = summarise_accuracy(iv).set_index("queue")
    assert s_iv.loc["main", "volume_accuracy"] == pytest.approx(1 - 40 / 250)
    assert s_iv.loc["main", "volume_within_tolerance"] == pytest.approx(1 / 3)  # 10 % is inside
    wk = forecast_accuracy(forecast, results, level="week")
    assert wk["volume_accuracy"].tolist() == pytest.approx([1 - 20 / 250])


def test_accuracy_is_floored_and_undefined_without_actuals():
    f = validate_forecasts(pd.DataFrame({"interval_start": ["2025-10-09T09:00", "2025-10-09T09:30"],
                                         "offered": [300, 5], "aht_s": [180, 180]}))
    a = validate_results(pd.DataFrame({"interval_start": ["2025-10-09T09:00", "2025-10-09T09:30"],
                                       "offered": [100, 0], "handled": [100, 0], "talk_total_s": [18000, 0]}))
    t = forecast_accuracy(f, a, level="interval")
    assert t["volume_accuracy"].iat[0] == 0.0  # 1 - 200/100 floored at 0
    assert np.isnan(t["volume_accuracy"].iat[1])


def test_snapshot_as_made_before_the_day(results):
    snaps = validate_forecasts(pd.DataFrame({
        "made_at": ["2025-10-08T12:00", "2025-10-09T08:00", "2025-10-08T12:00"],
        "interval_start": ["2025-10-09T09:00", "2025-10-09T09:00", "2025-10-09T09:30"],
        "offered": [110, 100, 40], "aht_s": [200, 200, 190]}))
    chosen = select_snapshot(snaps)
    # the 08:00 re-forecast of the same day is not "as made" before the day
    assert chosen["offered"].tolist() == [110, 40]
    assert "made_at" not in chosen
    assert len(select_snapshot(snaps, lead_days=1)) == 0  # nothing made by 8 October 00:00
    acc = forecast_accuracy(snaps, results, level="day")
    assert acc["volume_accuracy"].tolist() == pytest.approx([1.0])


# --------------------------------------------------------------------------
# staffing and schedule accuracy against a textbook Erlang C
# --------------------------------------------------------------------------


def erlang_c_required(load: float, aht_s: float, sl: float = 0.8, t_s: float = 20.0) -> int:
    """Smallest n with 1 - C(n, a) exp(-(n - a) t / AHT) >= sl (sum formula)."""
    n = max(1, math.ceil(load))
    while True:
        if n > load:
            s = sum(load ** k / math.factorial(k) for k in range(n))
            top = load ** n / math.factorial(n) * n / (n - load)
            c = top / (s + top)
            if 1 - c * math.exp(-(n - load) * t_s / aht_s) >= sl:
                return n
        n += 1


@pytest.fixture(scope="module")
def actual180():
    # AHT exactly 180 s: loads 10 and 5 Erlangs in 30-minute intervals
    return validate_results(pd.DataFrame({"interval_start": ["2025-10-09T09:00", "2025-10-09T09:30"],
                                          "offered": [100, 50], "handled": [90, 50],
                                          "talk_total_s": [90 * 180, 50 * 180]}))


def test_staffing_forecast_accuracy(actual180):
    n1, n2 = erlang_c_required(10, 180), erlang_c_required(5, 180)
    f = validate_forecasts(pd.DataFrame({"interval_start": ["2025-10-09T09:00", "2025-10-09T09:30"],
                                         "offered": [100, 50], "aht_s": [180, 180],
                                         "required_agents": [12, 6]}))
    t = staffing_forecast_accuracy(f, actual180, level="day").iloc[0]
    assert t["forecast_agent_hours"] == 9.0
    assert t["actual_agent_hours"] == (n1 + n2) / 2
    assert t["accuracy"] == pytest.approx(1 - abs(9.0 - (n1 + n2) / 2) / ((n1 + n2) / 2))
    # without a required_agents column the forecast is staffed the same way: identical inputs
    f2 = f.drop(columns="required_agents")
    t2 = staffing_forecast_accuracy(f2, actual180, level="interval")
    assert t2["forecast_agent_hours"].tolist() == [n1 / 2, n2 / 2]
    assert t2["accuracy"].tolist() == [1.0, 1.0]


def test_schedule_forecast_accuracy(actual180):
    n1, n2 = erlang_c_required(10, 180), erlang_c_required(5, 180)
    roster = validate_roster(pd.DataFrame({
        "agent_id": [f"a{i}" for i in range(8)], "contract": ["5-on-2"] * 8,
        "shift_start": ["2025-10-09T09:00"] * 8, "shift_end": ["2025-10-09T17:00"] * 8,
        # four agents take a break 09:30-09:45: 2 agent-intervals lost at 09:30
        "breaks": ["09:30-09:45"] * 4 + [""] * 4}))
    t = schedule_forecast_accuracy(roster, actual180, level="interval")
    assert t["forecast_agent_hours"].tolist() == pytest.approx([8 * 0.5, 6 * 0.5])
    assert t["actual_agent_hours"].tolist() == [n1 / 2, n2 / 2]
    d = schedule_forecast_accuracy(roster, actual180, level="day").iloc[0]
    assert d["accuracy"] == pytest.approx(1 - abs(7.0 - (n1 + n2) / 2) / ((n1 + n2) / 2))
