"""The one roster type: file round trip, coverage against a brute-force
minute count, the roster's cost by the payslip rule, service at attendance."""

from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd
import pytest

from wfm.errors import InputError
from wfm.kpi.pay import cost_by_contract, roster_cost
from wfm.roster.catalog import default_catalog_path, load_catalog
from wfm.roster.coverage import judge_coverage, schedule_accuracy
from wfm.roster.demand import build_horizon, validate_requirements
from wfm.roster.table import Roster, as_roster, make_roster, read_roster

TZ = "Asia/Shanghai"
CAT = load_catalog(default_catalog_path())


def _roster() -> Roster:
    """Two agents, three shifts: a day with meal and two breaks, a night
    across midnight with a meal, a day with a meeting."""
    t = pd.Timestamp
    shifts = pd.DataFrame({
        "agent_id": ["B", "A", "A"], "name": ["Bo", "An", "An"], "contract": ["five_two", "five_two", "five_two"],
        "shift_type": ["day8", "day8", "night8"],
        "shift_start": [t("2026-03-02 09:00", tz=TZ), t("2026-03-02 08:00", tz=TZ), t("2026-03-03 22:00", tz=TZ)],
        "shift_end": [t("2026-03-02 17:00", tz=TZ), t("2026-03-02 16:00", tz=TZ), t("2026-03-04 06:00", tz=TZ)],
        "paid_hours": [8.0, 8.0, 8.0]})
    segments = pd.DataFrame({
        "shift_id": [1, 1, 1, 2, 0],
        "activity": ["break", "meal", "break", "meal", "meeting"],
        "start": [t("2026-03-02 09:00", tz=TZ), t("2026-03-02 12:00", tz=TZ), t("2026-03-02 14:30", tz=TZ),
                  t("2026-03-04 01:00", tz=TZ), t("2026-03-02 09:00", tz=TZ)],
        "end": [t("2026-03-02 09:15", tz=TZ), t("2026-03-02 13:00", tz=TZ), t("2026-03-02 14:45", tz=TZ),
                t("2026-03-04 02:00", tz=TZ), t("2026-03-02 09:15", tz=TZ)]})
    return make_roster(shifts, segments, TZ)


def test_make_roster_sorts_and_renumbers():
    r = _roster()
    assert r.shifts["agent_id"].tolist() == ["A", "A", "B"]
    assert r.shifts["date"].tolist() == [pd.Timestamp("2026-03-02"), pd.Timestamp("2026-03-03"),
                                         pd.Timestamp("2026-03-02")]
    # segments follow their shifts: A's day is now shift 0, B's shift 2
    assert r.segments["shift_id"].tolist() == [0, 0, 0, 1, 2]
    assert r.segments["activity"].tolist() == ["break", "meal", "break", "meal", "meeting"]


def test_file_round_trip(tmp_path):
    r = _roster()
    table = r.file_table()
    assert table.loc[0, "meal_start"] == "2026-03-02T12:00:00+08:00"
    assert table.loc[0, "breaks"] == ("2026-03-02T09:00:00+08:00/2026-03-02T09:15:00+08:00;"
                                      "2026-03-02T14:30:00+08:00/2026-03-02T14:45:00+08:00")
    assert table.loc[2, "activities"] == "2026-03-02T09:00:00+08:00/2026-03-02T09:15:00+08:00 meeting"
    p = tmp_path / "roster.csv"
    table.to_csv(p, index=False)
    back = read_roster(p, tz=TZ)
    for col in ("agent_id", "shift_start", "shift_end", "paid_hours"):
        assert back.shifts[col].tolist() == r.shifts[col].tolist()
    pd.testing.assert_frame_equal(back.segments, r.segments)
    # the same file read in another zone is the same instants
    utc = read_roster(p, tz="UTC")
    assert (utc.shifts["shift_start"] == r.shifts["shift_start"]).all()
    assert utc.file_table()["shift_start"].iloc[0] == "2026-03-02T00:00:00+00:00"


def test_reader_names_file_row_and_column(tmp_path):
    table = _roster().file_table()
    table.loc[1, "shift_end"] = "not a time"
    p = tmp_path / "roster.csv"
    table.to_csv(p, index=False)
    with pytest.raises(InputError) as e:
        read_roster(p, tz=TZ)
    assert f"{p}:3" in str(e.value) and "shift_end" in str(e.value)


def test_on_phone_agents_against_minute_count():
    """Against a brute-force count, minute by minute, of shifts running less
    segments running, averaged over each 30-minute interval."""
    r = _roster()
    starts = pd.date_range("2026-03-02 06:00", "2026-03-04 08:00", freq="30min", tz=TZ)
    got = r.on_phone_agents(starts, 30)
    minutes = pd.date_range(starts[0], starts[-1] + pd.Timedelta(minutes=29), freq="1min")
    on = np.zeros(len(minutes))
    for s in r.shifts.itertuples():
        on += (minutes >= s.shift_start) & (minutes < s.shift_end)
    for g in r.segments.itertuples():
        on -= (minutes >= g.start) & (minutes < g.end)
    expect = on.reshape(len(starts), 30).mean(axis=1)
    np.testing.assert_array_equal(got, expect)
    assert got.max() == 2.0 and got[starts.get_loc(pd.Timestamp("2026-03-02 09:00", tz=TZ))] == 1.0


def test_clock_items_and_select():
    r = _roster()
    assert r.clock_items(["break"]).tolist() == ["09:00-09:15;14:30-14:45", "", ""]
    assert r.clock_items(["meeting"], named=True).tolist() == ["", "", "09:00-09:15 meeting"]
    a = r.select(r.shifts["agent_id"] == "A")
    assert len(a) == 2 and a.segments["shift_id"].tolist() == [0, 0, 0, 1]
    b = r.select(r.shifts["agent_id"] == "B")
    assert b.segments["shift_id"].tolist() == [0] and b.segments["activity"].tolist() == ["meeting"]


def test_as_roster_takes_a_table_or_the_canonical_frame():
    r = _roster()
    from_text = as_roster(r.file_table(), tz=TZ)
    pd.testing.assert_frame_equal(from_text.segments, r.segments)
    assert as_roster(r) is r


def test_roster_cost_is_the_payslip_rule():
    """Two agents, five-on-two: 10 shifts in March and 1 in April for A, 1 for
    B; each line rounded half-up to the cent on its own: 2800/21.75 x n."""
    days = [pd.Timestamp("2026-03-02", tz=TZ) + pd.Timedelta(days=d) for d in range(10)]
    days += [pd.Timestamp("2026-04-01", tz=TZ)]
    rows = [("A", d) for d in days] + [("B", pd.Timestamp("2026-03-02", tz=TZ))]
    shifts = pd.DataFrame({"agent_id": [a for a, _ in rows], "contract": "five_two",
                           "shift_start": [d + pd.Timedelta(hours=9) for _, d in rows],
                           "shift_end": [d + pd.Timedelta(hours=17) for _, d in rows], "paid_hours": 8.0})
    roster = make_roster(shifts, pd.DataFrame(columns=["shift_id", "activity", "start", "end"]), TZ)
    # no statutory holiday in these dates (Qingming 2026 is April 5)
    lines = roster_cost(roster, CAT)
    rate = Decimal(2800) / Decimal("21.75")

    def line(n):
        return (rate * n).quantize(Decimal("0.01"), ROUND_HALF_UP)

    got = {(r.agent_id, r.month): Decimal(str(r.cost)) for r in lines.itertuples()}
    assert got == {("A", "2026-03"): line(10), ("A", "2026-04"): line(1), ("B", "2026-03"): line(1)}
    by = cost_by_contract(lines, CAT).set_index("contract")
    assert Decimal(str(by.loc["5-on-2", "cost"])) == line(10) + 2 * line(1) == Decimal("1544.84")
    assert by.loc["5-on-2", "shifts"] == 12 and by.loc["1-on-1", "shifts"] == 0
    # the 12 shifts priced as one line would give a cent less: the rule matters
    assert line(12) == Decimal("1544.83")


def test_judge_coverage_at_attendance_and_schedule_accuracy():
    """Service of 10 scheduled agents at 90 % attendance equals the service of
    9 agents (Erlang C, checked against the staffing module on its own)."""
    from wfm.staffing import service_for_agents

    ts = pd.date_range("2026-03-02", periods=48, freq="30min", tz=TZ)
    req = validate_requirements(pd.DataFrame({"interval_start": ts, "required_agents": 8.0, "offered": 100.0,
                                              "aht_s": 120.0}), tz=TZ)
    hz = build_horizon(req, days=1, tz=TZ)
    net = np.full(hz.n_intervals, 10.0)
    cov = judge_coverage(hz, net, req, attendance=0.9)
    alone = service_for_agents(pd.DataFrame({"queue": "main", "interval_start": ts[:1], "interval_min": 30,
                                             "offered": [100.0], "aht_s": [120.0]}), np.array([9.0]))
    assert cov["expected_agents"].iloc[0] == pytest.approx(9.0)
    assert cov["service_level"].iloc[0] == pytest.approx(alone["service_level"].iloc[0], rel=1e-12)
    assert cov["occupancy"].iloc[0] == pytest.approx(100 * 120 / 1800 / 9)
    # |10 - 8| per interval over 8 required: 0.75, at full or expected attendance alike
    assert schedule_accuracy(net, hz.required) == pytest.approx(0.75)
    assert schedule_accuracy(net * 0.9, hz.required * 0.9) == pytest.approx(0.75)
