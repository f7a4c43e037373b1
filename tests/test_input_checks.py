"""The mechanisms behind the bad-input corpus (tests/test_bad_inputs.py):
safe names and contained output paths, writable-location checks, the
internal-error handler, the library's argument errors, and the help that
lists every input's columns."""

from __future__ import annotations

import math
import os
import tempfile

import click
import pytest
from click.testing import CliRunner

from wfm.cli import ERROR_LOG, cli
from wfm.errors import ArgumentError, InputError
from wfm.io import file_name_problem, inside, output_problem, safe_file_name

# --------------------------------------------------------------------------
# names from data become safe file names; paths stay inside the output folder
# --------------------------------------------------------------------------

UNSAFE = ["..", ".", "", "   ", "a/b", "a\\b", "a\x00b", "tab\there", "CON", "nul.txt", "x:y", "what?",
          " lead", "trail ", "dot.", "é" * 200]


@pytest.mark.parametrize("name", UNSAFE)
def test_unsafe_names_are_named_and_made_safe(name, tmp_path):
    assert file_name_problem(name) is not None
    safe = safe_file_name(name)
    assert file_name_problem(safe) is None and len(safe) <= 80
    # a safe name is a file directly inside the folder: it can be created there
    p = inside(tmp_path, safe)
    assert p.parent == tmp_path.resolve()
    p.write_text("x", encoding="utf-8")


def test_safe_names_stay_as_they_are_and_unsafe_ones_stay_apart():
    for name in ("baseline", "double11 surge", "双十一", "A001", "q.v2"):
        assert file_name_problem(name) is None and safe_file_name(name) == name
    made = {safe_file_name(n) for n in ("a/b", "a\\b", "a:b", "a?b")}
    assert len(made) == 4  # the same cleaned text, told apart by the hash of the original
    assert safe_file_name("a/b") == safe_file_name("a/b")


def test_inside_refuses_every_way_out(tmp_path):
    root = tmp_path / "out"
    root.mkdir()
    assert inside(root, "plan", "roster.csv") == (root / "plan" / "roster.csv").resolve()
    (root / "link").symlink_to(tmp_path)
    for parts in (("..",), ("../x",), ("a", "..", ".."), ("/etc/passwd",), ("link", "x"), (".",), ("",)):
        with pytest.raises(InputError, match="outside the output folder"):
            inside(root, *parts)


def test_a_scenario_named_to_escape_is_stopped_before_any_plan(tmp_path):
    import dataclasses

    from wfm.compare import run_scenarios
    from wfm.scenario import Scenario

    bad = dataclasses.replace(Scenario(), name="..")  # built in code, past the file's schema
    with pytest.raises(InputError, match="outside the output folder"):
        run_scenarios([bad], tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_a_file_name_that_is_no_folder_name_gives_a_safe_default_name(tmp_path):
    from wfm.scenario import load_scenario

    p = tmp_path / "..toml"  # its stem is "."
    p.write_text("[service]\nshrinkage = 0.2\n", encoding="utf-8")
    name = load_scenario(p).name
    assert name != "." and file_name_problem(name) is None


def test_output_locations(tmp_path):
    f = tmp_path / "file.csv"
    f.write_text("x", encoding="utf-8")
    assert output_problem(tmp_path / "new" / "deeper" / "o.csv") is None  # missing folders are created later
    assert output_problem(tmp_path / "new", folder=True) is None
    assert "existing folder" in output_problem(tmp_path)
    assert "existing file" in output_problem(f, folder=True)
    assert "is a file, not a folder" in output_problem(f / "o.csv")
    assert "cannot be created" in output_problem("/proc/nonexistent/out.csv")
    assert "NUL" in output_problem("a\x00b.csv")
    # the check leaves nothing behind
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file.csv"]


# --------------------------------------------------------------------------
# internal errors: a line saying so, the traceback in a log, exit status 1
# --------------------------------------------------------------------------

GOOD = "queue,interval_start,offered,aht_s\nq,2025-11-11T09:00,100,180\n"


def _boom(*args, **kwargs):
    raise RuntimeError("boom")


def test_an_internal_error_is_logged_beside_the_output(tmp_path, monkeypatch):
    import wfm.staffing

    src = tmp_path / "in.csv"
    src.write_text(GOOD, encoding="utf-8")
    monkeypatch.setattr(wfm.staffing, "required_agents", _boom)
    res = CliRunner().invoke(cli, ["staff", str(src), "-o", str(tmp_path / "o.csv")])
    assert res.exit_code == 1
    assert isinstance(res.exception, SystemExit) and "Traceback" not in res.output
    log = tmp_path / ERROR_LOG
    assert f"internal error: RuntimeError: boom (details in {log})" in res.output
    text = log.read_text(encoding="utf-8")
    assert "Traceback" in text and "RuntimeError: boom" in text and "wfm staff" in text
    assert not (tmp_path / "o.csv").exists()


def test_an_internal_error_of_a_plan_goes_to_its_plan_log(tmp_path, monkeypatch):
    import wfm.plan

    scen = tmp_path / "s.toml"
    scen.write_text('[scenario]\nname = "mine"\n', encoding="utf-8")
    monkeypatch.setattr(wfm.plan.Plan, "run", _boom)
    res = CliRunner().invoke(cli, ["plan", str(scen), "-o", str(tmp_path / "out")])
    assert res.exit_code == 1, res.output
    log = tmp_path / "out" / "mine" / "plan.log"
    assert f"(details in {log})" in res.output
    assert "RuntimeError: boom" in log.read_text(encoding="utf-8")


def test_without_an_output_folder_the_log_goes_to_the_temporary_folder(tmp_path, monkeypatch):
    import wfm.staffing

    src = tmp_path / "in.csv"
    src.write_text(GOOD, encoding="utf-8")
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    monkeypatch.setattr(wfm.staffing, "required_agents", _boom)
    res = CliRunner().invoke(cli, ["staff", str(src), "-o", str(tmp_path / "not" / "yet" / "o.csv")])
    assert res.exit_code == 1
    logs = list(tmp.glob("wfm-error-*.log"))
    assert len(logs) == 1 and f"(details in {logs[0]})" in res.output


def test_user_errors_and_click_errors_are_not_internal():
    from wfm.cli import RootGroup

    @click.group(cls=RootGroup)
    def root():
        pass

    @root.command()
    @click.argument("what")
    def go(what):
        if what == "input":
            raise InputError("bad input")
        if what == "usage":
            raise click.UsageError("bad usage")
        if what == "oserror":
            raise PermissionError(13, "Permission denied", "/some/file.csv")
        raise KeyError(what)

    runner = CliRunner()
    assert runner.invoke(root, ["go", "input"]).exit_code == 2
    assert runner.invoke(root, ["go", "usage"]).exit_code == 2
    res = runner.invoke(root, ["go", "oserror"])
    assert res.exit_code == 2 and "error: /some/file.csv: Permission denied" in res.output
    res = runner.invoke(root, ["go", "other"])
    assert res.exit_code == 1 and "internal error: KeyError: 'other'" in res.output


# --------------------------------------------------------------------------
# the library: argument problems are InputErrors and ValueErrors
# --------------------------------------------------------------------------


def test_argument_errors_are_input_errors_and_value_errors():
    import pandas as pd

    from wfm import staffing as st

    df = pd.DataFrame({"offered": [100.0], "aht_s": [180.0], "interval_min": [30]})
    cases = [
        (lambda: st.required_agents(df, min_agents=-3), "min_agents"),
        (lambda: st.required_agents(df, productive_fraction=0), "productive_fraction"),
        (lambda: st.required_agents(df, model="erlang-a", patience_s=0), "patience_s"),
        (lambda: st.required_agents(df, model="erlang-a", patience_s=math.inf), "patience_s"),
        (lambda: st.required_agents(df, shrinkage=math.nan), "shrinkage"),
        (lambda: st.required_agents(df.assign(offered=1e308, aht_s=1e308)), "intervals"),
        (lambda: st.required_agents(df.assign(aht_s=math.nan)), "intervals"),
        (lambda: st.ServiceTargets(target_s=math.inf), "target_s"),
        (lambda: st.ServiceTargets(service_level=math.nan), "service_level"),
        (lambda: st.deferred_agents([1], [60], 30, productive_fraction=0), "productive_fraction"),
    ]
    for call, argument in cases:
        with pytest.raises(ArgumentError) as err:
            call()
        assert isinstance(err.value, ValueError) and isinstance(err.value, InputError)
        assert err.value.problems[0].column == argument, argument


def test_availability_reads_weekdays_only():
    from wfm.roster.agents import parse_availability

    assert parse_availability("Monday-Friday 08:00-20:00")[4] == [(480, 1200)]
    assert parse_availability("Sat-Mon 22:00-06:00")[0] == [(1320, 1800)]  # a range wraps the week
    assert parse_availability("周一-周五 09:00-18:00")[0] == [(540, 1080)]
    for text in ("Mongoose-Fright 08:00-20:00", "Mo-Fr 08:00-20:00", "Moon 08:00-20:00", "Mon 08:00-08:00"):
        with pytest.raises(ValueError):
            parse_availability(text)


def test_scenario_problems_read_the_files_a_scenario_names(tmp_path):
    import dataclasses

    from wfm.scenario import Scenario, scenario_problems

    hist = tmp_path / "h.csv"
    hist.write_text(GOOD, encoding="utf-8")
    prev = tmp_path / "prev.csv"
    prev.write_text("agent_id,contract,shift_start,shift_end\nA,5-on-2,2025-11-12T08:00,2025-11-12T16:00\n",
                    encoding="utf-8")
    s = Scenario()
    s = dataclasses.replace(s, source="s.toml",
                            data=dataclasses.replace(s.data, history=str(hist)),
                            roster=dataclasses.replace(s.roster, previous_roster=str(prev)))
    problems = {p.column: p.problem for p in scenario_problems(s)}
    # the plan starts on 2025-11-12 (the day after the history): the previous roster runs into it
    assert "start on or after the plan's first day 2025-11-12" in problems["roster.previous_roster"]
    early = dataclasses.replace(s, forecast=dataclasses.replace(s.forecast, horizon_start="2025-11-01"))
    problems = {p.column: p.problem for p in scenario_problems(early)}
    assert "not after the last day of the history (2025-11-11)" in problems["forecast.horizon_start"]


def test_kpi_accuracy_needs_intervals_in_common():
    import pandas as pd

    from wfm.kpi.inputs import common_intervals, validate_forecasts, validate_results

    f = validate_forecasts(pd.DataFrame({"interval_start": ["2025-10-13T09:00"], "offered": [1.0]}))
    r = validate_results(pd.DataFrame({"interval_start": ["2025-10-13T09:00", "2025-10-13T09:30"],
                                       "offered": [1, 2], "handled": [1, 2]}))
    assert common_intervals(f, r) == 1
    with pytest.raises(InputError, match="no interval in common"):
        common_intervals(f, r.iloc[1:])


# --------------------------------------------------------------------------
# help tells the truth: each command lists its inputs' columns
# --------------------------------------------------------------------------


@pytest.mark.parametrize("command,columns", [
    (["kpi", "agents"], ["agent_id", "state", "duration_s", "shift_start", "meal_start"]),
    (["kpi", "service"], ["interval_start", "handled", "answered_within_target"]),
    (["kpi", "accuracy"], ["made_at", "required_agents", "handled", "shift_end"]),
    (["kpi", "outbound"], ["account_id", "outcome", "talk_s"]),
    (["kpi", "scorecard"], ["leave_type", "full_month"]),
    (["kpi", "pay"], ["base_pay", "leave_type"]),
    (["kpi", "report"], ["account_id", "made_at", "leave_type"]),
    (["export", "roster"], ["shift_start", "breaks"]),
    (["staff"], ["interval_start", "offered", "aht_s", "channel"]),
    (["roster"], ["required_agents", "availability", "fixed_days_off"]),
    (["forecast", "backtest"], ["interval_start", "offered"]),
])
def test_help_lists_the_input_columns(command, columns):
    res = CliRunner().invoke(cli, [*command, "--help"])
    assert res.exit_code == 0
    assert "columns:" in res.output
    for column in columns:
        assert column in res.output, (command, column)


def test_kpi_help_no_longer_sends_the_user_to_python():
    res = CliRunner().invoke(cli, ["kpi", "--help"])
    assert res.exit_code == 0 and "python -c" not in res.output and "--help" in res.output


def test_every_parameter_of_every_command_is_declared_checked():
    """No plain click type is left: each parameter's value goes through a check of wfm.cli.options."""
    from wfm.cli import options

    checked = (options.Number, options.Choice, options.Zone, options.Date, options.Month, options.InputFile,
               options.InputFolder, options.OutputFile, options.OutputFolder, options.Text)
    plain = []

    def walk(cmd, path):
        if isinstance(cmd, click.Group):
            for name, sub in cmd.commands.items():
                walk(sub, [*path, name])
            return
        assert isinstance(cmd, options.Command), path
        for p in cmd.params:
            if isinstance(p, click.Option) and (p.is_flag or p.name in ("help", "version")):
                continue
            # the forecast command's own types: events, countries, model lists
            if not isinstance(p.type, checked) and type(p.type).__module__ != "wfm.cli.forecast":
                plain.append((" ".join(path), p.name, type(p.type).__name__))

    walk(cli, [])
    assert plain == []


def test_no_error_log_is_left_by_a_successful_or_user_error_run(tmp_path):
    src = tmp_path / "in.csv"
    src.write_text(GOOD, encoding="utf-8")
    assert CliRunner().invoke(cli, ["staff", str(src), "-o", str(tmp_path / "o.csv")]).exit_code == 0
    assert CliRunner().invoke(cli, ["staff", str(src), "-o", str(tmp_path / "p.csv"), "--sl", "2"]).exit_code == 2
    assert not (tmp_path / ERROR_LOG).exists()
    assert sorted(os.listdir(tmp_path)) == ["in.csv", "o.csv"]


# --------------------------------------------------------------------------
# every option of every command, fed values no option accepts
# --------------------------------------------------------------------------


def _commands():
    from wfm.cli import options

    out = []

    def walk(cmd, path):
        if isinstance(cmd, click.Group):
            for name, sub in sorted(cmd.commands.items()):
                walk(sub, [*path, name])
        else:
            for p in cmd.params:
                if isinstance(p, click.Option) and not p.is_flag and isinstance(p.type, options.Number):
                    out.append((path, max(p.opts, key=len), p.type))
                elif isinstance(p, click.Option) and isinstance(p.type, (options.Choice, options.Zone)):
                    out.append((path, max(p.opts, key=len), p.type))

    walk(cli, [])
    return out


OPTIONS = _commands()


def test_every_number_option_has_a_bounded_range():
    from wfm.cli import options

    for path, flag, t in OPTIONS:
        if isinstance(t, options.Number):
            assert (t.le is not None or t.lt is not None) and (t.ge is not None or t.gt is not None), (path, flag)


@pytest.mark.parametrize("path,flag,kind", OPTIONS, ids=[f"{' '.join(p)} {f}" for p, f, _ in OPTIONS])
def test_no_option_takes_a_value_out_of_its_domain(path, flag, kind, tmp_path):
    from wfm.cli import options

    if isinstance(kind, options.Number):
        values = ["nan", "inf", "-inf", "1e308", "-1e308", "lots", ""]
    elif isinstance(kind, options.Zone):
        values = ["Mars/Olympus", "", "Asia/Shanghai\x00"]
    else:
        values = ["no-such-choice"]
    for value in values:
        res = CliRunner().invoke(cli, [*path, flag, value])
        assert res.exit_code == 2, (path, flag, value, res.output)
        assert isinstance(res.exception, SystemExit) and "Traceback" not in res.output
        assert f"option {flag}:" in res.output, (path, flag, value, res.output)


def _scenario_number_keys():
    import typing

    from wfm.scenario_schema import ScenarioFile

    keys = []
    for section, f in ScenarioFile.model_fields.items():
        model = f.annotation
        for key, g in model.model_fields.items():
            text = str(g.annotation)
            if ("float" in text or "int" in text) and "dict" not in text and typing.get_origin(g.annotation) is not dict:
                keys.append(f"{section}.{key}")
    return keys


SCENARIO_NUMBERS = _scenario_number_keys()


def test_the_scenario_has_number_keys_to_sweep():
    assert {"service.target_s", "service.patience_s", "roster.time_limit_s", "overrides.volume_factor",
            "data.interval_min", "forecast.horizon_weeks"} <= set(SCENARIO_NUMBERS)


@pytest.mark.parametrize("key", SCENARIO_NUMBERS)
def test_no_scenario_number_takes_nan_inf_or_a_huge_value(key, tmp_path):
    from wfm.scenario import load_scenario

    section, name = key.split(".")
    for value in ("nan", "inf", "-inf", "1e308", "-1e308"):
        p = tmp_path / "s.toml"
        p.write_text(f"[{section}]\n{name} = {value}\n", encoding="utf-8")
        with pytest.raises(InputError) as err:
            load_scenario(p)
        assert [q.column for q in err.value.problems] == [key], (key, value, err.value)


BUNDLED = (__import__("pathlib").Path(__file__).resolve().parents[1] / "models" / "shifts.toml").read_text(
    encoding="utf-8").splitlines()
# every line of the bundled catalogue that sets a number: (line index, key)
CATALOG_NUMBERS = [(i, line.split("=")[0].strip()) for i, line in enumerate(BUNDLED)
                   if __import__("re").fullmatch(r"[a-z_]+ = [0-9.]+", line.strip())]


@pytest.mark.parametrize("line,key", CATALOG_NUMBERS, ids=[f"{i}:{k}" for i, k in CATALOG_NUMBERS])
def test_no_catalogue_number_takes_nan_inf_or_a_huge_value(line, key, tmp_path):
    from wfm.roster.catalog import load_catalog

    for value in ("nan", "inf", "-inf", "1e308", "-1e308"):
        lines = list(BUNDLED)
        lines[line] = f"{key} = {value}"
        p = tmp_path / "c.toml"
        p.write_text("\n".join(lines) + "\n", encoding="utf-8")
        with pytest.raises(InputError) as err:
            load_catalog(p)
        assert any(str(q.column).endswith(key) for q in err.value.problems), (key, value, err.value)


def test_a_scenario_built_in_code_is_checked_by_the_file_schema():
    import dataclasses

    from wfm.scenario import Scenario, check_scenario

    s = Scenario()
    assert check_scenario(s) is s
    bad = dataclasses.replace(s, name="..", service=dataclasses.replace(s.service, target_s=math.inf),
                              forecast=dataclasses.replace(s.forecast, holidays_country="XX"))
    with pytest.raises(InputError) as err:
        check_scenario(bad)
    assert {p.column for p in err.value.problems} == {"scenario.name", "service.target_s",
                                                       "forecast.holidays_country"}
