"""Scenario files: defaults, inheritance, validation messages."""

from __future__ import annotations

import dataclasses
import json
import tomllib

import pytest

from wfm.errors import InputError
from wfm.resources import bundled, bundled_scenarios
from wfm.scenario import Scenario, load_scenario, scenario_from_dict, scenario_json_schema


def _core(s: Scenario) -> Scenario:
    return dataclasses.replace(s, source=None, description="")


def test_baseline_file_equals_builtin_defaults():
    assert _core(load_scenario(bundled("scenarios", "baseline.toml"))) == _core(Scenario())


def test_every_bundled_scenario_loads_and_differs_from_baseline():
    base = load_scenario(bundled("scenarios", "baseline.toml"))
    names = set()
    for path in bundled_scenarios():
        s = load_scenario(path)
        names.add(s.name)
        assert s.name == path.stem
        if s.name != "baseline":
            assert s.description
            assert dataclasses.replace(_core(s), name="baseline") != _core(base)
    assert {"baseline", "double11_surge", "sl85_20", "one_on_one_mix", "low_shrinkage"} <= names


def write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_inheritance_changes_only_the_given_keys(tmp_path):
    write(tmp_path, "base.toml", '[scenario]\nname = "base"\n[service]\nshrinkage = 0.2\n'
          'service_level = 0.9\n[forecast]\nevents = { "11-11" = 2.0, "06-18" = 1.5 }\n')
    write(tmp_path, "child.toml", '[scenario]\ninherits = "base.toml"\n[service]\nshrinkage = 0.25\n'
          '[forecast]\nevents = { "11-11" = 3.0 }\n')
    write(tmp_path, "grandchild.toml", '[scenario]\ninherits = "child.toml"\n'
          '[overrides]\nvolume_factor = 1.1\n')
    s = load_scenario(tmp_path / "grandchild.toml")
    assert s.name == "grandchild"  # names are not inherited
    assert s.service.shrinkage == 0.25
    assert s.service.service_level == 0.9
    assert s.forecast.events == {"11-11": 3.0, "06-18": 1.5}  # tables merge key by key
    assert s.overrides.volume_factor == 1.1
    assert s.service.max_asa_s == Scenario().service.max_asa_s


def test_paths_are_relative_to_the_file_that_names_them(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "h.csv").write_text("interval_start,offered,aht_s\n")
    (tmp_path / "sub").mkdir()
    write(tmp_path, "base.toml", '[data]\nhistory = "data/h.csv"\n')
    write(tmp_path / "sub", "child.toml", '[scenario]\ninherits = "../base.toml"\n')
    s = load_scenario(tmp_path / "sub" / "child.toml")
    assert s.data.history == str((tmp_path / "data" / "h.csv").resolve())


def test_false_switches_a_target_off(tmp_path):
    s = load_scenario(write(tmp_path, "s.toml", "[service]\nmax_asa_s = false\n"))
    assert s.service.max_asa_s is None
    assert s.service.targets().max_asa_s is None


@pytest.mark.parametrize("text,needles", [
    ("[service]\nshrinkage = 1.2\n", ["s.toml", "service.shrinkage", "1.2", "< 1"]),
    ("[service]\nservic_level = 0.8\n", ["service.servic_level", "did you mean 'service_level'"]),
    ("[servce]\nshrinkage = 0.2\n", ["[servce]", "did you mean 'service'"]),
    ("[service]\nmodel = \"erlang-x\"\n", ["service.model", "erlang-c, erlang-a"]),
    ("[data]\nhistory = \"nope.csv\"\n", ["data.history", "not found"]),
    ("[data]\ntime_zone = \"Mars/Olympus\"\n", ["data.time_zone", "IANA"]),
    ("[forecast]\nevents = { \"13-45\" = 2 }\n", ["forecast.events", "MM-DD"]),
    ("[service]\nmodel = \"erlang-a\"\npatience_s = false\n", ["service.patience_s", "patience"]),
    ("[service]\nmodel = \"erlang-c\"\nmax_abandon = 0.05\n", ["service.max_abandon", "no abandonment"]),
    ("[service\nx=1\n", ["s.toml", "not valid TOML"]),
    # NaN, inf, quoted numbers and true for a number are not numbers
    ("[service]\nservice_level = nan\n", ["service.service_level", "nan", "a number >= 0 and < 1"]),
    ("[service]\nmax_asa_s = inf\n", ["service.max_asa_s", "inf", "a number > 0 and <= 3600 or false"]),
    ("[service]\ntarget_s = \"20\"\n", ["service.target_s", "'20'", "a number >= 0"]),
    ("[service]\nmax_abandon = true\n", ["service.max_abandon", "True", "or false"]),
    ("[service]\nmin_agents = 2.5\n", ["service.min_agents", "2.5", "a whole number >= 0"]),
    ("[service]\nmax_abandon = 1.5\n", ["service.max_abandon", "1.5", "a number > 0 and <= 1"]),
    ("[data]\nsample_start = \"2025-13-01\"\n", ["data.sample_start", "YYYY-MM-DD"]),
    ("[overrides]\ndates = { \"2025-11-31\" = 1.2 }\n", ["overrides.dates.2025-11-31", "YYYY-MM-DD"]),
    ("[roster]\nsolver = \"gurobi\"\n", ["roster.solver", "one of highs, cbc"]),
    ("[roster]\nheadcount = { five_two = -1 }\n", ["roster.headcount.five_two", ">= 0"]),
    ("[forecast]\nmodel = \"hw\"\n", ["forecast.model", "unknown model 'hw'", "auto or one of"]),
    ("[scenario]\nname = \"a/b\"\n", ["scenario.name", "holds a path separator"]),
    ("service = 3\n", ["s.toml: service:", "a table"]),
])
def test_validation_names_file_key_and_expectation(tmp_path, text, needles):
    with pytest.raises(InputError) as err:
        load_scenario(write(tmp_path, "s.toml", text))
    msg = str(err.value)
    for needle in needles:
        assert needle in msg, (needle, msg)


def test_all_problems_reported_together(tmp_path):
    with pytest.raises(InputError) as err:
        load_scenario(write(tmp_path, "s.toml", "[service]\nshrinkage = -1\ntarget_s = \"x\"\n"
                                                 "[pay]\nbase = 1\n"))
    keys = {p.column for p in err.value.problems}
    assert keys == {"service.shrinkage", "service.target_s", "pay.base"}
    # a rule between the keys of one table comes with the other tables' problems
    with pytest.raises(InputError) as err:
        load_scenario(write(tmp_path, "s.toml", '[service]\nmodel = "erlang-c"\nmax_abandon = 0.05\n'
                                                 '[data]\ntime_zone = "Mars/Olympus"\n[roster]\nweeks = 9\n'
                                                 '[servce]\n'))
    assert {p.column for p in err.value.problems} == {
        "service.max_abandon", "data.time_zone", "roster.weeks", "servce"}
    assert all(p.file == str(tmp_path / "s.toml") and p.expected for p in err.value.problems)


def test_no_keys_means_every_default():
    assert scenario_from_dict({}) == Scenario(name="scenario", source="<scenario>")


def test_json_schema_describes_the_file():
    from wfm.forecast import MODELS

    schema = scenario_json_schema()
    json.dumps(schema)  # plain JSON
    assert schema["additionalProperties"] is False
    defs = schema["$defs"]
    sections = {name: defs[ref["$ref"].split("/")[-1]]
                for name, ref in schema["properties"].items()}
    assert set(sections) == {"scenario", "data", "forecast", "service", "roster", "pay", "overrides"}
    shrink = sections["service"]["properties"]["shrinkage"]
    assert (shrink["minimum"], shrink["exclusiveMaximum"], shrink["default"]) == (0, 1, 0.3)
    assert {"const": False} in sections["service"]["properties"]["max_asa_s"]["anyOf"]
    assert sections["forecast"]["properties"]["model"]["enum"] == ["auto", *MODELS]
    assert sections["service"]["properties"]["model"]["enum"] == ["erlang-c", "erlang-a"]
    # every key a bundled scenario writes is in the schema, with the same default as the code
    for path in bundled_scenarios():
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
        for section, table in raw.items():
            assert set(table) <= set(sections[section]["properties"]), (path.name, section)
    for name, section in sections.items():
        if name == "scenario":
            continue
        defaults = dataclasses.asdict(getattr(Scenario(), name))
        for key, prop in section["properties"].items():
            assert prop.get("default") == defaults[key], (name, key)


def test_inheritance_loop_and_missing_parent(tmp_path):
    write(tmp_path, "a.toml", '[scenario]\ninherits = "b.toml"\n')
    write(tmp_path, "b.toml", '[scenario]\ninherits = "a.toml"\n')
    with pytest.raises(InputError, match="loops"):
        load_scenario(tmp_path / "a.toml")
    write(tmp_path, "c.toml", '[scenario]\ninherits = "zzz.toml"\n')
    with pytest.raises(InputError, match="not found"):
        load_scenario(tmp_path / "c.toml")
    with pytest.raises(InputError, match="missing.toml: file not found"):
        load_scenario(tmp_path / "missing.toml")


def test_previous_roster_path_is_resolved_and_checked(tmp_path):
    (tmp_path / "last").mkdir()
    (tmp_path / "last" / "roster.csv").write_text("agent_id,shift_start,shift_end\n")
    write(tmp_path, "rolling.toml", '[roster]\nprevious_roster = "last/roster.csv"\n')
    s = load_scenario(tmp_path / "rolling.toml")
    assert s.roster.previous_roster == str((tmp_path / "last" / "roster.csv").resolve())
    write(tmp_path, "missing.toml", '[roster]\nprevious_roster = "nowhere.csv"\n')
    with pytest.raises(InputError) as e:
        load_scenario(tmp_path / "missing.toml")
    assert "roster.previous_roster" in str(e.value) and "file not found" in str(e.value)
