"""`wfm kpi ...` and `wfm export ...` through click's CliRunner (under the root
group's error handling, as `wfm` runs them)."""

from __future__ import annotations

import json

import click
import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from wfm.cli import RootGroup
from wfm.cli.kpi import export, kpi


@click.group(cls=RootGroup)
def root():
    """Test root with the real InputError handling."""


root.add_command(kpi)
root.add_command(export)


def run(*args):
    r = CliRunner().invoke(root, [str(a) for a in args], catch_exceptions=False)
    return r


@pytest.fixture()
def files(tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "agent_id,contract,shift_start,shift_end,meal_start,meal_end,breaks,team\n"
        # an 11-hour shift on a 5-on-2 contract: 3 hours of planned overtime
        "A,5-on-2,2025-10-13T08:00,2025-10-13T19:00,12:00,13:00,,T1\n"
        "B,5-on-2,2025-10-13T09:00,2025-10-13T10:00,,,09:30-09:45,T1\n", encoding="utf-8")
    states = tmp_path / "states.csv"
    states.write_text(
        "agent_id,state,start,end\n"
        "B,available,2025-10-13T09:00,2025-10-13T09:30\n"
        "B,break,2025-10-13T09:30,2025-10-13T09:45\n"
        "B,not_ready,2025-10-13T09:45,2025-10-13T10:00\n", encoding="utf-8")
    results = tmp_path / "results.csv"
    results.write_text(
        "interval_start,offered,handled,abandoned,answered_within_target,talk_total_s\n"
        "2025-10-13T09:00,100,90,10,80,16200\n"
        "2025-10-13T09:30,50,50,0,45,9000\n", encoding="utf-8")
    forecast = tmp_path / "forecast.csv"
    forecast.write_text("interval_start,offered,aht_s\n2025-10-13T09:00,110,180\n2025-10-13T09:30,40,180\n",
                        encoding="utf-8")
    dials = tmp_path / "dials.csv"
    dials.write_text("account_id,agent_id,outcome,talk_s\n1,B,sale,100\n2,B,busy,0\n3,B,invalid,0\n",
                     encoding="utf-8")
    return {"roster": roster, "states": states, "results": results, "forecast": forecast,
            "dials": dials, "dir": tmp_path}


def test_kpi_agents_csv(files):
    out = files["dir"] / "agents.csv"
    r = run("kpi", "agents", "--states", files["states"], "--roster", files["roster"], "-o", out)
    assert r.exit_code == 0, r.output
    t = pd.read_csv(out, encoding="utf-8-sig").set_index("agent_id")
    # B: 09:00-09:30 available, 09:30-09:45 break as scheduled, 09:45-10:00 not ready (15 min > 5)
    assert t.loc["B", "adherence"] == pytest.approx(0.75)
    assert t.loc["A", "adherence"] == 0.0  # never logged in


def test_kpi_pay_json_worked_case(files):
    out = files["dir"] / "pay.json"
    r = run("kpi", "pay", "--roster", files["roster"], "-o", out)
    assert r.exit_code == 0, r.output
    rows = {x["agent_id"]: x for x in json.loads(out.read_text(encoding="utf-8"))}
    assert rows["A"]["overtime_h"] == 3.0
    assert rows["A"]["overtime_pay"] == 72.41  # 2800 / 21.75 / 8 x 3 x 1.5
    assert rows["A"]["pay_date"] == "2025-11-14"  # 15 Nov 2025 is a Saturday


def test_kpi_service_accuracy_outbound(files):
    d = files["dir"]
    assert run("kpi", "service", "--results", files["results"], "-o", d / "s.csv").exit_code == 0
    s = pd.read_csv(d / "s.csv", encoding="utf-8-sig")
    assert s["service_level"].tolist() == pytest.approx([125 / 150])
    r = run("kpi", "accuracy", "--forecast", files["forecast"], "--results", files["results"],
            "--roster", files["roster"], "-o", d / "acc.xlsx")
    assert r.exit_code == 0, r.output
    assert "volume accuracy (day) 100.0%" in r.output
    wb = openpyxl.load_workbook(d / "acc.xlsx")
    assert wb.sheetnames[:4] == ["summary", "forecast_accuracy", "staffing_accuracy", "schedule_accuracy"]
    r = run("kpi", "outbound", "--dials", files["dials"], "--list-size", 4, "-o", d / "o.csv")
    assert r.exit_code == 0, r.output
    o = pd.read_csv(d / "o.csv", encoding="utf-8-sig").iloc[0]
    assert o["corruption_rate"] == 0.25 and o["reachable_rate"] == pytest.approx(1 / 3)


def test_kpi_scorecard_from_a_kpi_table(files):
    d = files["dir"]
    k = d / "k.csv"
    k.write_text("agent_id,adherence,utilisation,not_ready_break_ratio,late_15,late_30,absence\n"
                 "a,0.99,0.72,0.05,1,0,0\n", encoding="utf-8")
    r = run("kpi", "scorecard", "--kpis", k, "--bonus-base", 600, "-o", d / "sc.csv")
    assert r.exit_code == 0, r.output
    sc = pd.read_csv(d / "sc.csv", encoding="utf-8-sig").iloc[0]
    assert (sc["score"], sc["grade"], sc["bonus"]) == (99.0, "A", 600.0)


def test_kpi_report_writes_workbook_csvs_and_summary(files):
    d = files["dir"] / "rep"
    r = run("kpi", "report", "--states", files["states"], "--roster", files["roster"],
            "--results", files["results"], "--forecast", files["forecast"], "--dials", files["dials"],
            "-o", d)
    assert r.exit_code == 0, r.output
    summary = json.loads((d / "kpi_summary.json").read_text(encoding="utf-8"))
    assert summary["headline"]["service_level"] == pytest.approx(125 / 150)
    kpis = {t["kpi"] for t in summary["targets"]}
    assert {"service_level", "volume_accuracy", "share_adhering", "utilisation"} <= kpis
    wb = openpyxl.load_workbook(d / "kpi_report.xlsx")
    assert {"summary", "agents", "pay", "scorecard", "service_daily", "outbound", "about"} <= set(wb.sheetnames)
    assert (d / "kpi_pay.csv").exists()


def test_bad_input_exits_2_listing_every_problem_and_writes_nothing(files):
    bad = files["dir"] / "bad.csv"
    bad.write_text("agent_id,contract,shift_start,shift_end\n"
                   "A,4-on-3,2025-10-13T08:00,2025-10-13T07:00\n", encoding="utf-8")
    out = files["dir"] / "never.csv"
    r = CliRunner().invoke(root, ["kpi", "pay", "--roster", str(bad), "-o", str(out)])
    assert r.exit_code == 2
    assert f"error: {bad}:2: contract: unknown contract '4-on-3'" in r.output
    assert f"error: {bad}:2: shift_end: 2025-10-13 07:00 is not after shift_start" in r.output
    assert "2 problems in the input; nothing written." in r.output
    assert not out.exists()


def test_problems_of_several_files_come_together(files):
    bad_states = files["dir"] / "bs.csv"
    bad_states.write_text("agent_id,state,start,end\nB,dancing,2025-10-13T09:00,2025-10-13T09:30\n",
                          encoding="utf-8")
    bad_roster = files["dir"] / "br.csv"
    bad_roster.write_text("agent_id,contract,shift_start,shift_end\nB,5-on-2,,2025-10-13T10:00\n",
                          encoding="utf-8")
    r = CliRunner().invoke(root, ["kpi", "agents", "--states", str(bad_states), "--roster", str(bad_roster),
                                  "-o", str(files["dir"] / "x.csv")])
    assert r.exit_code == 2
    assert "unknown value 'dancing'" in r.output
    assert "shift_start: missing value (shift_end is given)" in r.output


def test_export_roster_formats_and_workbook(files):
    d = files["dir"]
    assert run("export", "roster", files["roster"], "-o", d / "r.xlsx", "--with-pay").exit_code == 0
    wb = openpyxl.load_workbook(d / "r.xlsx")
    assert wb.sheetnames == ["roster", "pay_hours", "about"]
    assert wb["roster"]["C2"].number_format.startswith("yyyy-mm-dd")
    assert run("export", "roster", files["roster"], "-o", d / "ics").exit_code == 0
    assert sorted(p.name for p in (d / "ics").iterdir()) == ["agent_A.ics", "agent_B.ics"]
    assert run("export", "roster", files["roster"], "-o", d / "r.csv").exit_code == 0
    csvf = d / "evil.csv"
    csvf.write_text("who,when,n\n=HYPERLINK(\"x\"),2025-10-13T09:00:00+08:00,-3\n", encoding="utf-8")
    r = run("export", "workbook", csvf, files["results"], "-o", d / "wb.xlsx")
    assert r.exit_code == 0, r.output
    ws = openpyxl.load_workbook(d / "wb.xlsx")["evil"]
    assert (ws["A2"].value, ws["A2"].data_type) == ('=HYPERLINK("x")', "s")
    assert ws["B2"].is_date and ws["B2"].value.hour == 9
    assert (ws["C2"].value, ws["C2"].data_type) == (-3, "n")


# --------------------------------------------------------------------------
# the library functions the commands call
# --------------------------------------------------------------------------


def test_coerce_types_types_whole_columns_only():
    from wfm.export import coerce_types

    raw = pd.DataFrame({
        "n": ["1", "-2.5", ""], "id": ["007", "12", "3"], "d": ["2025-10-13", "2025-10-14", ""],
        "off": ["2025-10-13T09:00:00+00:00", "2025-10-13T10:00Z", ""],
        "naive": ["2025-10-13T09:00", "2025-10-13 10:30", ""], "mixed": ["1", "x", "2"],
    })
    out = coerce_types(raw, "Asia/Shanghai")
    assert out["n"].tolist()[:2] == [1.0, -2.5] and pd.isna(out["n"].iat[2])
    assert out["id"].tolist() == ["007", "12", "3"]  # a leading zero keeps identifiers text
    assert out["d"].iat[0] == pd.Timestamp("2025-10-13") and pd.isna(out["d"].iat[2])
    assert out["off"].iat[0] == pd.Timestamp("2025-10-13T17:00", tz="Asia/Shanghai")
    assert out["off"].iat[1] == pd.Timestamp("2025-10-13T18:00", tz="Asia/Shanghai")
    assert out["naive"].iat[1] == pd.Timestamp("2025-10-13T10:30", tz="Asia/Shanghai")
    assert out["mixed"].tolist() == ["1", "x", "2"]
    assert raw["n"].tolist() == ["1", "-2.5", ""]  # a copy


def test_scorecard_kpis_sum_attendance_per_agent():
    from wfm.kpi.scorecard import scorecard_kpis, with_full_month

    per_agent = pd.DataFrame({"agent_id": ["a", "b"], "adherence": [0.99, 0.9]})
    att = pd.DataFrame({"agent_id": ["a", "a", "c"], "late_15": [1, 1, 1], "late_30": [0, 1, 0],
                        "absence": [0, 0, 1]})
    got = scorecard_kpis(per_agent, att).set_index("agent_id")
    assert got.loc["a", ["late_15", "late_30", "absence"]].tolist() == [2, 1, 0]
    assert got.loc["b", ["late_15", "late_30", "absence"]].tolist() == [0, 0, 0]  # no shifts counted
    assert "c" not in got.index  # attendance of an agent without KPIs is not scored
    agents = pd.DataFrame({"agent_id": ["a"], "full_month": [False]})
    merged = with_full_month(got.reset_index().assign(full_month=True), agents).set_index("agent_id")
    assert pd.notna(merged.loc["a", "full_month"]) and not merged.loc["a", "full_month"]
    assert pd.isna(merged.loc["b", "full_month"])  # the agents table decides, not the old column
    assert with_full_month(per_agent, None) is per_agent


def test_kpi_table_and_bonus_readers(tmp_path):
    from wfm.errors import InputError
    from wfm.kpi.scorecard import read_bonuses, read_kpi_table

    k = tmp_path / "k.csv"
    k.write_text(" agent_id ,adherence,quality,full_month\na,0.99,A,true\nb,,B,false\n", encoding="utf-8")
    t = read_kpi_table(k)
    assert list(t.columns) == ["agent_id", "adherence", "quality", "full_month"]
    assert t["adherence"].iat[0] == 0.99 and pd.isna(t["adherence"].iat[1])
    assert t["quality"].tolist() == ["A", "B"]  # rating labels stay text
    (tmp_path / "n.csv").write_text("id,adherence\na,1\n", encoding="utf-8")
    with pytest.raises(InputError, match="agent_id: missing required column"):
        read_kpi_table(tmp_path / "n.csv")
    b = tmp_path / "b.csv"
    b.write_text("agent_id,bonus\n1,500\n2,n/a\n", encoding="utf-8")
    assert read_bonuses(b) == {"1": 500.0, "2": 0.0}
    with pytest.raises(InputError, match="needs agent_id and bonus"):
        read_bonuses(k)


def test_write_kpi_report_writes_what_it_returns(tmp_path):
    from wfm.kpi.summary import KpiReport, write_kpi_report

    rep = KpiReport(views={"agents": pd.DataFrame({"agent_id": ["a"], "adherence": [0.5]})},
                    summary={"targets": [{"kpi": "adherence", "value": 0.5, "target": ">= 0.99",
                                          "met": False}]})
    paths = write_kpi_report(rep, tmp_path / "r")
    assert [p.name for p in paths] == ["kpi_report.xlsx", "kpi_agents.csv", "kpi_summary.json"]
    assert json.loads(paths[-1].read_text(encoding="utf-8")) == rep.summary
    assert openpyxl.load_workbook(paths[0]).sheetnames == ["summary", "agents", "about"]
    assert pd.read_csv(paths[1], encoding="utf-8-sig")["adherence"].tolist() == [0.5]
