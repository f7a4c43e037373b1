"""The KPI report orchestration and the planned-KPI summary for `wfm plan`."""

from __future__ import annotations

import pandas as pd
import pytest

from wfm.kpi.inputs import validate_roster
from wfm.kpi.summary import check_targets, plan_kpi_summary

TZ = "Asia/Shanghai"


def test_check_targets_directions():
    rows = {r["kpi"] + r["target"]: r["met"] for r in check_targets(
        {"service_level": 0.8, "abandon_rate": 0.051, "not_ready_break_ratio": 0.06, "att_s": 100.0,
         "asa_s": None, "unknown_kpi": 1.0})}
    assert rows == {"service_level>= 0.8": True, "abandon_rate<= 0.05": False,
                    "not_ready_break_ratio< 0.06": False,  # the target is strictly below 6 %
                    "att_s>= 120": False, "att_s<= 210": True, "asa_s<= 20": None}


def test_plan_kpi_summary_by_hand():
    staffing = pd.DataFrame({
        "queue": ["q", "q"],
        "interval_start": pd.to_datetime(["2025-10-13 09:00", "2025-10-13 09:30"]).tz_localize(TZ),
        "interval_min": [30, 30], "offered": [100.0, 50.0], "required_agents": [4, 2],
        "service_level": [0.85, 0.75], "asa_s": [10.0, 30.0], "p_abandon": [0.01, 0.03]})
    roster = validate_roster(pd.DataFrame({
        "agent_id": ["a", "b", "c"], "contract": ["5-on-2"] * 3,
        "shift_start": ["2025-10-13T09:00"] * 3, "shift_end": ["2025-10-13T17:00"] * 3}))
    s = plan_kpi_summary(staffing, roster)
    assert s["planned"]["service_level"] == pytest.approx((100 * 0.85 + 50 * 0.75) / 150)
    assert s["planned"]["asa_s"] == pytest.approx((1000 + 1500) / 150)
    assert s["planned"]["abandon_rate"] == pytest.approx(2.5 / 150)
    r = s["roster"]
    assert r["required_agent_hours"] == 3.0  # (4 + 2) x 0.5 h
    assert r["rostered_on_phone_agent_hours"] == 3.0  # 3 agents x 2 intervals x 0.5 h
    assert r["short_agent_hours"] == 0.5  # one agent short at 09:00
    # interval by interval: |3 - 4| + |3 - 2| = 2 of 6 required agents off
    assert r["schedule_accuracy"] == pytest.approx(1 - 2 / 6)
    assert r["paid_hours"] == 24.0
    assert r["roster_cost_cny"] == 3 * 128.74  # one shift each at 2800 / 21.75
    met = {t["kpi"]: t["met"] for t in s["targets"]}
    assert met == {"service_level": True, "asa_s": True, "abandon_rate": True, "schedule_accuracy": False}
