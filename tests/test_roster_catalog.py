"""Shift and contract catalogue: the default file, validation, days-off patterns."""

import itertools
import tomllib
from pathlib import Path

import pytest

from wfm.errors import InputError
from wfm.roster.catalog import load_catalog, parse_catalog
from wfm.roster.model import transition_ok, weekly_patterns

ROOT = Path(__file__).resolve().parents[1]
CATALOG = ROOT / "models" / "shifts.toml"


def test_default_catalog_follows_domain_section_4():
    cat = load_catalog(CATALOG)
    ft, oo = cat.contracts["five_two"], cat.contracts["one_one"]
    # DOMAIN.md s.4: base 2800 CNY, 21.75 / 15.5 paid days a month, 8 h / 12 h shifts
    assert ft.daily_rate == pytest.approx(2800 / 21.75)
    assert oo.daily_rate == pytest.approx(2800 / 15.5)
    assert ft.work_days_per_week == 5 and ft.days_off_consecutive
    assert oo.pattern == "alternate"
    assert {cat.shift_types[s].lengths_min for s in ft.shift_types} == {(480,)}
    assert {cat.shift_types[s].lengths_min for s in oo.shift_types} == {(720,)}
    assert ft.min_rest_h == 11 and oo.min_rest_h == 11
    # every shift type has one paid 60-minute meal and two 15-minute breaks
    for st in cat.shift_types.values():
        meals = [b for b in st.breaks if b.is_meal]
        assert len(meals) == 1 and meals[0].length_min == 60 and meals[0].paid
        assert sorted(b.length_min for b in st.breaks if not b.is_meal) == [15, 15]


def _raw():
    return tomllib.loads(CATALOG.read_text())


def test_errors_name_file_and_key_all_at_once():
    raw = _raw()
    raw["shift_types"]["day8"]["meal"]["latest_min"] = 460  # meal would run past the 8 h shift
    raw["contracts"]["five_two"]["shift_types"] = ["day8", "nope"]
    raw["shift_types"]["night8"]["earliest_start"] = "25:00"
    with pytest.raises(InputError) as e:
        parse_catalog(raw, "cat.toml")
    text = str(e.value)
    assert "cat.toml: shift_types.day8.meal" in text
    assert "unknown shift type 'nope'" in text
    assert "shift_types.night8.earliest_start" in text
    assert len(e.value.problems) >= 3


def test_overlapping_break_windows_rejected():
    raw = _raw()
    raw["shift_types"]["day12"]["breaks"][0]["latest_min"] = 300  # runs into the meal window (240..)
    with pytest.raises(InputError, match="overlap"):
        parse_catalog(raw, "cat.toml")


def test_weekly_hours_must_admit_the_pattern():
    raw = _raw()
    raw["contracts"]["five_two"]["max_weekly_hours"] = 36  # 5 x 8 h = 40 h
    with pytest.raises(InputError, match="max_weekly_hours"):
        parse_catalog(raw, "cat.toml")


def test_missing_file_and_bad_toml(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        load_catalog(tmp_path / "none.toml")
    p = tmp_path / "bad.toml"
    p.write_text("[pay\n")
    with pytest.raises(InputError, match="not valid TOML"):
        load_catalog(p)


@pytest.mark.parametrize("change,key,needles", [
    (lambda r: r["penalties"].update(under_per_agent_hour=float("nan")),
     "penalties.under_per_agent_hour", ["nan", "a number >= 0"]),
    (lambda r: r["pay"].update(base_monthly=float("inf")), "pay.base_monthly", ["inf"]),
    (lambda r: r["shift_types"]["day8"].update(length_h="8"), "shift_types.day8.length_h",
     ["'8'", "a number > 0 and <= 24"]),
    (lambda r: r["shift_types"]["day8"]["breaks"][0].update(lenght_min=15),
     "shift_types.day8.breaks[0].lenght_min", ["did you mean 'length_min'"]),
    (lambda r: r["shift_types"]["day8"].update(start_windows=["06:00-09:00", "9-10"]),
     "shift_types.day8.start_windows[1]", ["'9-10' is not a window", "HH:MM-HH:MM"]),
    (lambda r: r["contracts"]["five_two"].update(pattern="4-on-3"), "contracts.five_two.pattern",
     ["one of weekly, alternate, flexible"]),
    (lambda r: r["contracts"]["five_two"].update(max_headcount=2, min_headcount=3),
     "contracts.five_two.max_headcount", ["below min_headcount 3"]),
    (lambda r: r["contracts"]["five_two"].pop("work_days_per_week"),
     "contracts.five_two.work_days_per_week", ["missing"]),
    (lambda r: r.update(penalty={}), "penalty", ["unknown section [penalty]", "did you mean 'penalties'"]),
    (lambda r: r.pop("penalties"), "penalties", ["missing", "a table"]),
    # a key that is not a bare TOML key is quoted, as the file writes it
    (lambda r: r["contracts"].update({"five two": {**r["contracts"]["five_two"], "pattern": "x"}}),
     'contracts."five two".pattern', ["'x'"]),
])
def test_each_problem_names_its_key(change, key, needles):
    raw = _raw()
    change(raw)
    with pytest.raises(InputError) as e:
        parse_catalog(raw, "cat.toml")
    assert [p.column for p in e.value.problems] == [key]
    text = str(e.value)
    assert text.startswith(f"cat.toml: {key}: ")
    for needle in needles:
        assert needle in text, (needle, text)


def test_default_catalog_round_trips_through_the_validator():
    # what the bundled file says, as numbers (independent of the validator)
    raw = _raw()
    raw["contracts"]["five_two"].pop("max_consecutive_days")
    cat = parse_catalog(raw, "cat.toml")
    day8 = cat.shift_types["day8"]
    assert day8.start_offsets() == list(range(6 * 60, 15 * 60 + 1, 30))
    assert [(b.name, b.earliest_min, b.latest_min, b.is_meal) for b in day8.breaks] == [
        ("break1", 60, 150, False), ("meal", 180, 300, True), ("break2", 375, 435, False)]
    assert (cat.under_per_agent_hour, cat.over_per_agent_hour, cat.currency) == (120.0, 1.0, "CNY")
    assert cat.contracts["five_two"].max_consecutive_days == 6  # the default


def test_days_off_patterns_by_enumeration():
    # consecutive days off in the cyclic week: one block per starting day
    pats = weekly_patterns(5, True, 6)
    assert len(pats) == 7
    assert all(len(p) == 2 for p in pats)
    # not consecutive: every pair of days, C(7, 2)
    assert len(weekly_patterns(5, False, 7)) == 21
    # a 6-day-max rule removes pairs that leave 6 working days in a row inside
    # the week only when ... never for 5 working days; 4-day max removes some
    four = weekly_patterns(5, False, 4)
    for off in four:
        run = best = 0
        for j in range(7):
            run = 0 if j in off else run + 1
            best = max(best, run)
        assert best <= 4


def test_transition_rule_matches_brute_force_runs():
    pats = weekly_patterns(5, True, 6)
    for a, b in itertools.product(pats, pats):
        days = [j not in a for j in range(7)] + [j not in b for j in range(7)]
        run = best = 0
        for w in days:
            run = run + 1 if w else 0
            best = max(best, run)
        assert transition_ok(a, b, 6) == (best <= 6)
