"""The independent rule checker finds each planted violation and passes a clean roster."""

import datetime as dt
from pathlib import Path

import pandas as pd

from wfm.roster.agents import Agent
from wfm.roster.catalog import load_catalog
from wfm.roster.check import check_roster
from wfm.roster.table import make_roster

CAT = load_catalog(Path(__file__).resolve().parents[1] / "models" / "shifts.toml")
START = dt.date(2026, 3, 2)  # a Monday


def shift(agent, contract, day, start="08:00", shift_type="day8", hours=8, meal=(3, 0), breaks=((1, 0), (6, 30))):
    """Row of a roster; meal/breaks given as (hours, minutes) after the start."""
    d = START + dt.timedelta(days=day)
    s = pd.Timestamp(f"{d}T{start}:00+08:00")
    e = s + pd.Timedelta(hours=hours)
    ms = s + pd.Timedelta(hours=meal[0], minutes=meal[1]) if meal else None
    br = ";".join(f"{(s + pd.Timedelta(hours=h, minutes=m)).isoformat()}/{(s + pd.Timedelta(hours=h, minutes=m + 15)).isoformat()}" for h, m in breaks)
    return {"agent_id": agent, "name": agent, "contract": contract, "date": str(d), "shift_type": shift_type,
            "shift_start": s.isoformat(), "shift_end": e.isoformat(),
            "meal_start": ms.isoformat() if ms is not None else "", "meal_end": (ms + pd.Timedelta(hours=1)).isoformat() if ms is not None else "",
            "breaks": br, "paid_hours": hours}


def five_two_week(agent, off=(5, 6), **kw):
    return [shift(agent, "five_two", d, **kw) for d in range(7) if d not in off]


def as_roster(rows):
    """The rows as a Roster built directly (no reader: the reader would
    already refuse overlapping breaks; the checker must find them itself)."""
    segs = []
    for i, r in enumerate(rows):
        if r["meal_start"]:
            segs.append((i, "meal", r["meal_start"], r["meal_end"]))
        for part in filter(None, r["breaks"].split(";")):
            a, b = part.split("/")
            segs.append((i, "break", a, b))
    shifts = pd.DataFrame(rows).drop(columns=["meal_start", "meal_end", "breaks"])
    shifts["date"] = pd.to_datetime(shifts["date"])
    segments = pd.DataFrame(segs, columns=["shift_id", "activity", "start", "end"])
    segments["start"] = pd.to_datetime(segments["start"])
    segments["end"] = pd.to_datetime(segments["end"])
    return make_roster(shifts, segments, "Asia/Shanghai")


def rules(rows, agents=None, days=7):
    return set(check_roster(as_roster(rows), CAT, horizon_start=START, days=days, agents=agents)["rule"])


def test_clean_roster_has_no_violations():
    rows = five_two_week("A1") + five_two_week("A2", off=(0, 1))
    rows += [shift("B1", "one_one", d, start="08:00", shift_type="day12", hours=12, meal=(5, 0), breaks=((2, 0), (9, 0))) for d in (0, 2, 4, 6)]
    assert rules(rows) == set()


def test_days_off_count_and_adjacency():
    assert "days_off" in rules(five_two_week("A1", off=(6,)))  # six working days
    assert "days_off" in rules(five_two_week("A1", off=(1, 4)))  # days off not together
    # Sunday + Monday count as adjacent in the cyclic week
    assert "days_off" not in rules(five_two_week("A1", off=(0, 6)))


def test_rest_between_shifts():
    rows = five_two_week("A1")
    rows[0] = shift("A1", "five_two", 0, start="15:00")  # ends 23:00, next starts 08:00: 9 h
    assert "rest" in rules(rows)


def test_consecutive_days_across_weeks():
    rows = [shift("A1", "five_two", d) for d in range(14) if d not in (0, 1, 12, 13)]  # 10 days in a row
    assert "consecutive_days" in rules(rows, days=14)


def test_meal_and_breaks_windows():
    rows = five_two_week("A1")
    rows[0] = shift("A1", "five_two", 0, meal=(6, 0))  # meal window 180-300 min
    rows[1] = shift("A1", "five_two", 1, breaks=((1, 0),))  # one break missing
    rows[2] = shift("A1", "five_two", 2, breaks=((0, 15), (6, 30)))  # first break before its window
    found = check_roster(as_roster(rows), CAT, horizon_start=START, days=7)
    assert set(found["rule"]) == {"meal", "breaks"}
    assert set(found["date"]) == {str(START), str(START + dt.timedelta(days=1)), str(START + dt.timedelta(days=2))}


def test_one_on_one_alternation():
    rows = [shift("B1", "one_one", d, shift_type="day12", hours=12, meal=(5, 0), breaks=((2, 0), (9, 0))) for d in (0, 2, 3, 5)]
    found = rules(rows)
    assert "alternation" in found
    assert "consecutive_days" in found  # max 1 day in a row


def test_shift_type_start_and_length():
    rows = five_two_week("A1")
    rows[0] = shift("A1", "five_two", 0, start="05:00")  # before day8's 06:00 earliest start
    rows[1] = shift("A1", "five_two", 1, shift_type="day12", hours=12)  # not a 5-on-2 shift type
    assert {"shift_type"} <= rules(rows)


def test_agent_rules():
    ag = Agent("A1", "A1", "five_two", windows={d: [(480, 960)] for d in range(7)},
               unavailable=frozenset({START + dt.timedelta(days=2)}), fixed_days_off=frozenset({0}))
    rows = five_two_week("A1", start="09:00")  # works Monday (fixed off), Wednesday (leave), 09-17 past 16:00
    found = rules(rows, agents={"A1": ag})
    assert {"fixed_days_off", "unavailable", "availability"} <= found


def test_weekly_hours():
    rows = [shift("B1", "one_one", d, shift_type="day12", hours=12, meal=(5, 0), breaks=((2, 0), (9, 0))) for d in (0, 2, 4, 6)]
    assert "weekly_hours" not in rules(rows)  # 48 h allowed
    raw_cat = load_catalog(Path(__file__).resolve().parents[1] / "models" / "shifts.toml")
    assert raw_cat.contracts["one_one"].max_weekly_hours == 48
