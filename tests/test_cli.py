"""The CLI, driven with click's CliRunner: outputs, evaluation mode, user errors."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from wfm.cli import cli
from wfm.staffing import erlang_c_metrics


@pytest.fixture()
def runner():
    return CliRunner()


def write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


GOOD = (
    "queue,interval_start,offered,aht_s\n"
    "hotline,2025-11-11T09:00,100,180\n"
    "hotline,2025-11-11T09:30,0,\n"
    "hotline,2025-11-11T10:00,250,200\n"
)


def test_plan_with_no_arguments_writes_every_output(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    res = runner.invoke(cli, ["plan"])
    assert res.exit_code == 0, res.output
    out = tmp_path / "wfm-out" / "baseline"
    names = {p.name for p in out.iterdir()}
    assert {"history.csv", "backtest.csv", "cleaned_days.csv", "forecast.csv", "staffing.csv",
            "daily.csv", "summary.json", "plan.log", "report.html", "plan.xlsx",
            "kpi_summary.json"} <= names
    staffing = pd.read_csv(out / "staffing.csv")
    forecast = pd.read_csv(out / "forecast.csv")
    history = pd.read_csv(out / "history.csv")
    summary = json.loads((out / "summary.json").read_text())
    # The horizon: every 30-minute interval of four weeks from the day after the
    # history; open 08:00-22:00 (the sample's closed hours never had a call),
    # the closed ones flagged, with no calls and no agents.
    assert len(staffing) == len(forecast) == summary["intervals"] == 28 * 48
    is_open = forecast["open"].astype(bool)
    assert is_open.sum() == 28 * 28
    assert (forecast.interval_start[is_open].str[11:16].between("08:00", "21:30")).all()
    assert (forecast.loc[~is_open, "offered"] == 0).all() and (staffing.loc[~is_open, "scheduled_agents"] == 0).all()
    last_day = pd.Timestamp(history.interval_start.max()[:10])
    assert staffing.interval_start.min() == f"{(last_day + pd.Timedelta(days=1)):%Y-%m-%d}T00:00:00+08:00"
    assert staffing.interval_start[is_open].min() == f"{(last_day + pd.Timedelta(days=1)):%Y-%m-%d}T08:00:00+08:00"
    np.testing.assert_allclose(staffing.offered, forecast.offered)  # baseline: no overrides
    # Double-11 (in the horizon) carries the scenario's 2.5 uplift over the same weekday.
    day = forecast.assign(d=forecast.interval_start.str[:10]).groupby("d").offered.sum()
    assert day["2025-11-11"] / day["2025-11-18"] == pytest.approx(2.5, rel=1e-6)
    # Headline figures re-derived from the interval table they summarise.
    hours = staffing["interval_min"] / 60
    assert summary["scheduled_agent_hours"] == pytest.approx((staffing.scheduled_agents * hours).sum())
    busy = staffing[staffing.offered > 0]
    assert summary["planned_service_level"] == pytest.approx(
        np.average(busy.service_level, weights=busy.offered))
    # Every staffed interval meets the default targets of DOMAIN.md section 1.
    assert (busy.service_level >= 0.8 - 1e-9).all()
    assert (busy.asa_s <= 20 + 1e-9).all()
    assert (busy.p_abandon <= 0.05 + 1e-9).all()
    assert (staffing.scheduled_agents >= np.ceil(staffing.required_agents / 0.7 - 1e-9)).all()
    assert staffing.interval_start.str.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$").all()
    # Forecast accuracy in the summary is the selected model's backtest WAPE.
    bt = pd.read_csv(out / "backtest.csv")
    sel = bt[bt.selected & (bt.level == "interval")]
    assert summary["forecast_interval_accuracy"] == pytest.approx(1 - sel.wape.mean())
    assert "the roster's service (simulated" in res.output and "requirement service level" in res.output
    # The roster: rule-clean, covering the requirement grossed up for absence.
    rdir = out / "roster"
    roster = pd.read_csv(rdir / "roster.csv")
    coverage = pd.read_csv(rdir / "coverage.csv")
    cost = pd.read_csv(rdir / "cost.csv").set_index("contract")
    assert len(pd.read_csv(rdir / "violations.csv")) == 0
    merged = coverage.merge(staffing[["interval_start", "required_agents"]], on="interval_start",
                            suffixes=("", "_net"))
    assert len(merged) == len(staffing)
    np.testing.assert_allclose(merged.required_agents, merged.required_agents_net / 0.9)
    np.testing.assert_allclose(coverage.expected_agents, coverage.scheduled_agents * 0.9)
    assert summary["agents_total"] == roster.agent_id.nunique() == cost.agents.sum()
    # Cost: each shift at the contract's daily rate (domain notes, section 4),
    # one pay line per agent and month rounded half-up to the cent, as a payslip is.
    from decimal import ROUND_HALF_UP, Decimal

    roster["name_"] = roster.contract.map({"five_two": "5-on-2", "one_one": "1-on-1"})
    roster["month"] = roster.date.str[:7]
    for name, paid_days in (("5-on-2", "21.75"), ("1-on-1", "15.5")):
        mine = roster[roster.name_ == name]
        assert cost.loc[name, "shifts"] == len(mine)
        lines = mine.groupby(["agent_id", "month"]).size()
        expect = sum((Decimal(2800) / Decimal(paid_days) * int(n)).quantize(Decimal("0.01"), ROUND_HALF_UP)
                     for n in lines)
        assert Decimal(str(cost.loc[name, "cost"])) == expect
    assert summary["cost_cny"] == pytest.approx(cost.cost.sum())
    kpis = json.loads((out / "kpi_summary.json").read_text())
    assert kpis["roster"]["roster_cost_cny"] == pytest.approx(summary["cost_cny"], abs=1e-9)
    assert summary["roster"]["rule_violations"] == 0
    # The headline leads with the roster's simulated service, and a separate
    # run of `wfm simulate` on the same roster finds the same figures.
    svc = summary["service"]
    assert svc["method"] == "simulation" and svc["replications"] == 200 and svc["absence_rate"] == 0.1
    assert list(summary["headline"])[0] == "simulated_service_level"
    assert svc["overall"]["met"]["abandon_rate"] is False  # the baseline roster abandons too many
    assert not svc["meets_targets"] and "2025-11-11" in {d["date"] for d in svc["days"] if not d["meets_targets"]}
    again = runner.invoke(cli, ["simulate", str(rdir), "-o", str(tmp_path / "sim")])
    assert again.exit_code == 0, again.output
    assert json.loads((tmp_path / "sim" / "summary.json").read_text())["service"]["overall"] == svc["overall"]
    assert "MISSED" in res.output and "MISSED" in again.output
    sim_days = pd.read_csv(out / "simulation" / "days.csv")
    assert len(sim_days) == 28 and (sim_days.service_level_lo <= sim_days.service_level).all()
    assert kpis["targets"][0]["basis"] == "simulated roster"
    # For HR: pay per agent and month, hours per agent and day, a calendar per agent; and
    # `wfm kpi pay` on the plan's roster pays the roster what the plan says it costs, to the cent
    pay = pd.read_csv(out / "pay.csv")
    days = pd.read_csv(out / "pay_days.csv")
    assert pay["cost"].sum() == pytest.approx(summary["cost_cny"], abs=0.005)
    assert days["paid_hours"].sum() == pytest.approx(summary["paid_hours"]) and len(days) == len(roster)
    assert sorted(p.name for p in (out / "ics").iterdir()) == sorted(f"agent_{a}.ics" for a in roster.agent_id.unique())
    kp = runner.invoke(cli, ["kpi", "pay", "--roster", str(rdir / "roster.csv"), "-o", str(tmp_path / "kpay.csv")])
    assert kp.exit_code == 0, kp.output
    from decimal import Decimal as D

    paid = sum(D(str(v)) for v in pd.read_csv(tmp_path / "kpay.csv")["roster_pay"])
    assert paid == D(str(summary["cost_cny"])).quantize(D("0.01"))
    assert {"roster", "coverage", "cost", "pay", "pay_days"} <= set(
        __import__("openpyxl").load_workbook(out / "plan.xlsx", read_only=True).sheetnames)


SMALL_PLAN = """[scenario]
name = "small"
[data]
sample_days = 56
[forecast]
horizon_weeks = 1
backtest_origins = 1
[roster]
time_limit_s = 120
work_limit_s = 3
gap_rel = 0.02
"""


def test_plan_is_deterministic(runner, tmp_path):
    scen = tmp_path / "small.toml"
    scen.write_text(SMALL_PLAN, encoding="utf-8")
    a, b = tmp_path / "a", tmp_path / "b"
    assert runner.invoke(cli, ["plan", str(scen), "-o", str(a)]).exit_code == 0
    assert runner.invoke(cli, ["plan", str(scen), "-o", str(b)]).exit_code == 0
    a, b = a / "small", b / "small"
    for name in ("history.csv", "forecast.csv", "staffing.csv", "daily.csv"):
        assert (a / name).read_bytes() == (b / name).read_bytes()
    # Backtest scores are identical; only the measured fit/predict seconds differ.
    pd.testing.assert_frame_equal(pd.read_csv(a / "backtest.csv").drop(columns="fit_predict_s"),
                                  pd.read_csv(b / "backtest.csv").drop(columns="fit_predict_s"))
    # The roster search stops on its deterministic work budget (3 reference
    # seconds, far inside the 120 s wall-clock safety net): same roster.
    runs = [json.loads((d / "summary.json").read_text())["roster"] for d in (a, b)]
    assert all(r["rule_violations"] == 0 and r["repeatable"] for r in runs)
    assert runs[0]["status"] != "optimal"  # the budget, not a proof, ended the search
    for name in ("roster.csv", "coverage.csv", "agents.csv"):
        assert (a / "roster" / name).read_bytes() == (b / "roster" / name).read_bytes(), name


def test_staff_solves_the_published_example(runner, tmp_path):
    src = write(tmp_path, "in.csv", GOOD)
    before = src.read_bytes()
    out = tmp_path / "out.csv"
    res = runner.invoke(cli, ["staff", str(src), "-o", str(out), "--asa-s", "0",
                              "--shrinkage", "0.3"])
    assert res.exit_code == 0, res.output
    df = pd.read_csv(out)
    assert src.read_bytes() == before  # input untouched
    assert list(df.required_agents[:2]) == [14, 0]
    assert list(df.scheduled_agents[:2]) == [20, 0]
    for col in ("service_level", "asa_s", "p_wait", "p_abandon", "occupancy", "scheduled_agents"):
        assert col in df.columns
    assert df.interval_start[0] == "2025-11-11T09:00:00+08:00"


def test_staff_evaluates_an_agents_column(runner, tmp_path):
    src = write(tmp_path, "in.csv",
                "interval_start,offered,aht_s,agents\n2025-11-11T09:00,100,180,14\n"
                "2025-11-11T09:30,100,180,9\n")
    out = tmp_path / "out.csv"
    res = runner.invoke(cli, ["staff", str(src), "-o", str(out), "--shrinkage", "0.3"])
    assert res.exit_code == 0, res.output
    df = pd.read_csv(out)
    assert "required_agents" not in df.columns
    m = erlang_c_metrics(np.array([14.0, 9.0]), 10.0, 180.0, 20.0)
    np.testing.assert_allclose(df.service_level, m.service_level)
    assert df.asa_s[1] == np.inf or str(df.asa_s[1]) == "inf"
    assert list(df.scheduled_agents) == [20, 13]


def test_staff_erlang_a_with_abandon_target(runner, tmp_path):
    src = write(tmp_path, "in.csv", GOOD)
    out = tmp_path / "out.csv"
    res = runner.invoke(cli, ["staff", str(src), "-o", str(out), "--model", "erlang-a",
                              "--patience-s", "60", "--abandon", "0.03", "--occupancy", "0.85"])
    assert res.exit_code == 0, res.output
    df = pd.read_csv(out)
    busy = df[df.offered > 0]
    assert (busy.p_abandon <= 0.03).all() and (busy.occupancy <= 0.85).all()
    assert (busy.method == "erlang-a").all()


@pytest.mark.parametrize("args,needle", [
    (["--model", "erlang-a"], "--patience-s"),
    (["--abandon", "0.05"], "erlang-a"),
    (["--sl", "1.5"], "option --sl: invalid value 1.5 (expected a number >= 0 and < 1)"),
    (["--shrinkage", "1"], "option --shrinkage: invalid value 1 (expected a number >= 0 and < 1)"),
])
def test_staff_usage_errors_exit_2_without_traceback(runner, tmp_path, args, needle):
    src = write(tmp_path, "in.csv", GOOD)
    res = runner.invoke(cli, ["staff", str(src), "-o", str(tmp_path / "o.csv"), *args])
    assert res.exit_code == 2
    assert needle in res.output
    assert "Traceback" not in res.output
    assert not (tmp_path / "o.csv").exists()


def test_missing_input_file(runner, tmp_path):
    res = runner.invoke(cli, ["staff", str(tmp_path / "nope.csv"), "-o", str(tmp_path / "o.csv")])
    assert res.exit_code == 2
    assert "nope.csv" in res.output
    assert "Traceback" not in res.output


# Each bad input of the data contract, end to end through the CLI: message and exit status.
BAD_INPUTS = {
    "empty": ("", ["empty"]),
    "negative": ("interval_start,offered,aht_s\n2025-11-11T09:00,-3,180\n",
                 ["bad.csv:2", "offered", "expected"]),
    "non_numeric": ("interval_start,offered,aht_s\n2025-11-11T09:00,lots,180\n",
                    ["bad.csv:2", "offered", "lots"]),
    "aht_zero": ("interval_start,offered,aht_s\n2025-11-11T09:00,10,0\n",
                 ["bad.csv:2", "aht_s", "expected"]),
    "duplicate": ("interval_start,offered,aht_s\n2025-11-11T09:00,10,180\n"
                  "2025-11-11T09:30,10,180\n2025-11-11T09:00,12,180\n",
                  ["bad.csv:4", "interval_start", "duplicate"]),
    "misaligned": ("interval_start,offered,aht_s\n2025-11-11T09:00,10,180\n"
                   "2025-11-11T09:30,10,180\n2025-11-11T10:07,10,180\n",
                   ["bad.csv:4", "interval_start", "expected"]),
    "unknown_column": ("interval_start,offered,AHT\n2025-11-11T09:00,10,180\n",
                       ["AHT", "aht_s"]),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_inputs_exit_2_with_located_message(runner, tmp_path, case):
    text, needles = BAD_INPUTS[case]
    src = write(tmp_path, "bad.csv", text)
    out = tmp_path / "o.csv"
    res = runner.invoke(cli, ["staff", str(src), "-o", str(out)])
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output
    for needle in needles:
        assert needle in res.output, (needle, res.output)
    assert not out.exists()


def test_all_problems_reported_at_once(runner, tmp_path):
    src = write(tmp_path, "bad.csv", "interval_start,offered,aht_s\n2025-11-11T09:00,-1,180\n"
                "2025-11-11T09:30,5,-2\n")
    res = runner.invoke(cli, ["staff", str(src), "-o", str(tmp_path / "o.csv")])
    assert res.exit_code == 2
    assert "bad.csv:2" in res.output and "bad.csv:3" in res.output
    assert "2 problems" in res.output


def test_sample_command_round_trips_through_staff(runner, tmp_path):
    s = tmp_path / "s.csv"
    assert runner.invoke(cli, ["sample", "-o", str(s), "--days", "7"]).exit_code == 0
    res = runner.invoke(cli, ["staff", str(s), "-o", str(tmp_path / "o.csv")])
    assert res.exit_code == 0, res.output
    assert len(pd.read_csv(tmp_path / "o.csv")) == 7 * 48


# --------------------------------------------------------------------------
# library problems through the CLI: arguments become flags, files keep their keys
# --------------------------------------------------------------------------


def test_option_problems_name_the_flag_all_at_once(runner, tmp_path):
    # each option's declared type checks it; every problem is listed, in the order given
    out = tmp_path / "s.csv"
    res = runner.invoke(cli, ["sample", "-o", str(out), "--days", "0", "--start", "soon"])
    assert res.exit_code == 2
    errors = [line for line in res.output.splitlines() if line.startswith("error:")]
    assert errors == [
        "error: option --days: invalid value 0 (expected a whole number >= 1 and <= 3660)",
        "error: option --start: 'soon' is not a date (expected YYYY-MM-DD, e.g. 2025-11-11)",
    ]
    assert "Traceback" not in res.output and not out.exists()


def test_library_argument_problems_name_the_flag(runner, tmp_path):
    # write_sample checks its own arguments; through the root the flag is named
    import click

    from wfm.cli import RootGroup
    from wfm.sample import write_sample

    @click.group(cls=RootGroup)
    def root():
        pass

    @root.command()
    @click.option("--days", type=int)
    def go(days):
        write_sample(tmp_path / "s.csv", days=days)

    res = CliRunner().invoke(root, ["go", "--days", "0"])
    assert res.exit_code == 2
    assert "error: option --days: days is 0 (expected a whole number >= 1)" in res.output


def test_compare_processes_problem_names_the_flag(runner, tmp_path):
    from wfm.resources import bundled

    paths = [str(bundled("scenarios", f)) for f in ("baseline.toml", "sl85_20.toml")]
    res = runner.invoke(cli, ["compare", *paths, "-j", "0", "-o", str(tmp_path / "o")])
    assert res.exit_code == 2, res.output
    assert "error: option --processes: invalid value 0 (expected a whole number >= 1 and <= 256)" in res.output
    assert not (tmp_path / "o").exists()


def test_flag_mapping_uses_the_parameter_name():
    import click

    from wfm.cli import RootGroup
    from wfm.errors import InputError, argument_problem

    @click.group(cls=RootGroup)
    def root():
        pass

    @root.command()
    @click.option("-n", "--n-days", "days", type=int)
    def go(days):
        raise InputError([argument_problem("days", f"{days} days", "more"),
                          argument_problem("speed", "too fast")])

    res = CliRunner().invoke(root, ["go", "-n", "3"])
    assert res.exit_code == 2
    assert "error: option --n-days: 3 days (expected more)" in res.output
    assert "error: argument speed: too fast" in res.output  # no flag sets it: the name stays


def test_bad_scenario_file_lists_file_and_keys(runner, tmp_path):
    scen = write(tmp_path, "bad.toml", "[service]\nshrinkage = 1.5\nmax_abandon = nan\n"
                 "[roster]\nsolvr = \"highs\"\n")
    res = runner.invoke(cli, ["plan", str(scen), "-o", str(tmp_path / "o")])
    assert res.exit_code == 2, res.output
    assert f"{scen}: service.shrinkage: invalid value 1.5 (expected a number >= 0 and < 1)" in res.output
    assert f"{scen}: service.max_abandon: invalid value nan" in res.output
    assert f"{scen}: roster.solvr: unknown key; did you mean 'solver'?" in res.output
    assert "3 problems" in res.output and not (tmp_path / "o").exists()


def test_scheduled_agents_is_the_shrinkage_gross_up():
    from wfm.errors import InputError
    from wfm.staffing import scheduled_agents

    # ceil(n / (1 - s)); 7 / 0.7 is 10 agents, not 11 (floating point gives 10.000000000000002)
    assert scheduled_agents([0, 7, 7.1, 14], 0.3).tolist() == [0, 10, 11, 20]
    assert scheduled_agents([5], 0.0).tolist() == [5]
    with pytest.raises(InputError, match="argument shrinkage"):
        scheduled_agents([5], 1.0)


def test_help_does_not_import_the_configuration_schemas():
    import subprocess
    import sys
    from pathlib import Path

    code = ("import sys; from click.testing import CliRunner; from wfm.cli import cli; "
            "assert CliRunner().invoke(cli, ['--help']).exit_code == 0; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'pydantic'"
            " or m in ('wfm.config', 'wfm.scenario_schema')))")
    run = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).resolve().parents[1],
                         capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "[]"


def test_plan_states_its_limits_on_stderr_and_in_the_summary(runner, tmp_path):
    """Three days of history: the backtest cannot run as asked and the
    forecast falls back; both are said on stderr and in summary.json."""
    hist = tmp_path / "hist.csv"
    assert runner.invoke(cli, ["sample", "-o", str(hist), "--days", "28"]).exit_code == 0
    h = pd.read_csv(hist)
    h[h.interval_start < "2025-08-07"].to_csv(hist, index=False)
    scen = write(tmp_path, "short.toml", '[scenario]\nname = "short"\n[forecast]\nhorizon_weeks = 1\n'
                                        '[roster]\nenabled = false\n')
    res = runner.invoke(cli, ["plan", str(scen), "--history", str(hist), "-o", str(tmp_path / "out")])
    assert res.exit_code == 0, res.output
    limits = json.loads((tmp_path / "out" / "short" / "summary.json").read_text())["limits"]
    kinds = {x["kind"] for x in limits}
    assert {"short_history", "fallback_model"} <= kinds
    assert "warning: the history holds 3 day(s)" in res.stderr
    assert "fallback model flat_mean" in res.stderr
