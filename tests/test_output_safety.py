"""Every CSV the product writes is safe to open in a spreadsheet.

The commands run on inputs seeded with hostile text (queue names, agent ids
and names, a scenario name and description, campaign and account ids such
as ``=HYPERLINK("x")``, ``+cmd|' /C calc'!A0``, ``@SUM(1)``, ``-2+3``, a
leading tab or carriage return, Chinese names), and every CSV they write is
scanned, header included, for a cell a spreadsheet would run: text starting
with = + - @ tab or CR that is not a plain decimal number (the rule is
restated here, independently of :mod:`wfm.io`). Every CSV starts with a
UTF-8 byte-order mark, except the tables of a saved forecast model (plain
files that pandas reads back; see :mod:`wfm.forecast.persist`). The product
reads its own outputs back as the text they were written from.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from wfm.cli import cli
from wfm.sample import generate_history

ROOT = Path(__file__).resolve().parents[1]
BOM = b"\xef\xbb\xbf"
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")

QUEUES = ['=HYPERLINK("x")', "+cmd|' /C calc'!A0", "@SUM(1)", "-2+3", "\tTab", "\rCR", "热线"]
PREFIXES = ["=", "+", "-", "@", "\t", "\r", "李"]
# a scenario name is a folder name too: formula-like, but without the characters
# a folder name may not hold (the validation refuses '=HYPERLINK("x")' for its quotes)
SCENARIO_NAME = "=HYPERLINK(x)"


def runs_in_a_spreadsheet(cell: str) -> bool:
    """Would a spreadsheet take this CSV cell as a formula?"""
    return bool(cell) and cell[0] in "=+-@\t\r" and not _PLAIN_NUMBER.fullmatch(cell)


def csv_cells(path: Path) -> list[list[str]]:
    raw = path.read_bytes()
    text = raw[len(BOM):] if raw.startswith(BOM) else raw
    return list(csv.reader(io.StringIO(text.decode("utf-8"), newline="")))


def scan(folder: Path, *, plain: tuple[str, ...] = ()) -> dict[Path, list[list[str]]]:
    """Every CSV under ``folder``: none holds a cell that runs, and each
    starts with a BOM unless it lies under one of the ``plain`` folders.
    Returns the parsed files."""
    files = sorted(folder.rglob("*.csv"))
    assert files, f"no CSV written under {folder}"
    found = {}
    for p in files:
        rows = csv_cells(p)
        running = [(i + 1, c) for i, r in enumerate(rows) for c in r if runs_in_a_spreadsheet(c)]
        assert not running, f"{p}: {len(running)} formula-like cells, e.g. {running[:3]}"
        if not any(part in plain for part in p.relative_to(folder).parts):
            assert p.read_bytes().startswith(BOM), f"{p}: no byte-order mark"
        found[p] = rows
    return found


def cells(found: dict[Path, list[list[str]]]) -> set[str]:
    return {c for rows in found.values() for r in rows for c in r}


def write_input(df: pd.DataFrame, path: Path) -> Path:
    # CR LF line ends, so that pandas quotes the carriage returns in the text
    df.to_csv(path, index=False, lineterminator="\r\n")
    return path


def invoke(*args, cwd: Path | None = None):
    res = CliRunner().invoke(cli, [str(a) for a in args])
    assert res.exit_code == 0, res.output
    return res


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """A one-week plan of seven hostile queues and 60 named agents with
    hostile ids and names, under a hostile scenario name."""
    d = tmp_path_factory.mktemp("hostile")
    h = generate_history(days=56)
    hist = pd.concat([h.assign(queue=q) for q in QUEUES], ignore_index=True)
    hist["interval_start"] = [t.isoformat() for t in hist["interval_start"]]
    write_input(hist, d / "history.csv")
    n = 60
    ids = [f"{PREFIXES[i % 7]}{'HYPERLINK(' if i % 7 == 0 else ''}A{i:03d}" for i in range(n)]
    names = [f"{PREFIXES[(i + 3) % 7]}名字{i}" for i in range(n)]
    write_input(pd.DataFrame({"id": ids, "name": names, "contract": ["five_two"] * 50 + ["one_one"] * 10}),
                d / "agents.csv")
    (d / "s.toml").write_text(f"""[scenario]
name = {json.dumps(SCENARIO_NAME)}
description = "+cmd|' /C calc'!A0 @SUM(1)"
[data]
sample_days = 56
[forecast]
horizon_weeks = 1
backtest_origins = 1
[roster]
agents = "agents.csv"
time_limit_s = 300
work_limit_s = 3
gap_rel = 0.0001
[overrides]
volume_factor = {1 / len(QUEUES)}
""", encoding="utf-8")
    invoke("plan", d / "s.toml", "--history", d / "history.csv", "-o", d / "out")
    (plan_dir,) = [p.parent for p in (d / "out").rglob("summary.json") if (p.parent / "plan.log").exists()]
    return {"dir": d, "plan": plan_dir, "history": hist, "ids": ids}


def test_plan_writes_no_cell_that_runs(hostile):
    found = scan(hostile["dir"] / "out")
    plan = hostile["plan"]
    names = {p.relative_to(plan).as_posix() for p in found}
    assert {"history.csv", "backtest.csv", "forecast.csv", "staffing.csv", "daily.csv", "roster/roster.csv",
            "roster/agents.csv", "roster/coverage.csv", "simulation/intervals.csv"} <= names
    # the hostile text did reach the outputs, made inert
    everything = cells(found)
    assert {"'=HYPERLINK(\"x\")", "'+cmd|' /C calc'!A0", "'@SUM(1)", "'-2+3", "热线"} <= everything
    roster_ids = {r[0] for r in found[plan / "roster" / "roster.csv"][1:]}
    assert "'=HYPERLINK(A000" in roster_ids and "'-HYPERLINK(A002" not in roster_ids
    # the workbook stores text as text: no formula cell anywhere
    wb = openpyxl.load_workbook(plan / "plan.xlsx", read_only=True)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            assert not any(c.data_type == "f" for c in row), ws.title


def test_the_product_reads_its_own_outputs_back(hostile):
    """roster.csv (read as `wfm roster --previous` and `wfm simulate` read
    it) gives the agents' ids as the agents file gave them; `wfm simulate`
    runs on the plan's roster folder and staffing.csv."""
    from wfm.roster import load_catalog
    from wfm.roster.agents import read_agents
    from wfm.roster.catalog import default_catalog_path
    from wfm.roster.table import read_roster

    plan = hostile["plan"]
    agents = {a.id: a.name for a in read_agents(hostile["dir"] / "agents.csv", load_catalog(default_catalog_path()))}
    roster = read_roster(plan / "roster" / "roster.csv", contracts={"five_two": "five_two", "one_one": "one_one",
                                                                    "5-on-2": "5-on-2", "1-on-1": "1-on-1"})
    assert set(roster.shifts["agent_id"]) <= set(agents) and '=HYPERLINK(A000' in set(roster.shifts["agent_id"])
    from wfm.tables import read_csv

    table = read_csv(plan / "roster" / "agents.csv", "agents.csv")
    assert dict(zip(table["agent_id"], table["name"], strict=True)) == agents
    staffing = read_csv(plan / "staffing.csv", "staffing.csv")
    assert set(staffing["queue"]) == {q.strip() for q in QUEUES}
    sim = hostile["dir"] / "sim"
    invoke("simulate", plan / "roster", "--forecast", plan / "staffing.csv", "--replications", 5, "-o", sim)
    scan(sim)


def _wfm(*args, cwd: Path) -> subprocess.CompletedProcess:
    """`wfm ...` in a fresh process (this checkout's package), stdout and stderr apart."""
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    return subprocess.run([sys.executable, "-c", "from wfm.cli import main; main()", *map(str, args)],
                          cwd=cwd, env=env, capture_output=True, text=True, timeout=900)


def test_wfm_roster_on_the_plans_staffing_gives_the_plans_roster(hostile):
    """`wfm roster` covers the plan's absence allowance by default (0.10, the
    scenario's roster.absence_shrinkage): on the plan's own staffing.csv and
    agents, with the plan's search budget, it writes the plan's roster; the
    solver's banner is not on stdout."""
    plan, d = hostile["plan"], hostile["dir"]
    run = _wfm("roster", plan / "staffing.csv", "--agents", d / "agents.csv", "--time-limit", 300,
               "--work-limit", 3, "-o", d / "r", cwd=d)
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("status ") and "HiGHS" not in run.stdout.replace("(highs)", "")
    # (coverage.csv judges the service by the plan's Erlang A, the command's by Erlang C)
    for name in ("roster.csv", "agents.csv"):
        assert (d / "r" / name).read_bytes() == (plan / "roster" / name).read_bytes(), name
    scan(d / "r")
    # without the allowance the roster covers less: another roster
    invoke("roster", plan / "staffing.csv", "--agents", d / "agents.csv", "--time-limit", 300,
           "--work-limit", 3, "--absence", 0, "-o", d / "r0")
    assert (d / "r0" / "roster.csv").read_bytes() != (plan / "roster" / "roster.csv").read_bytes()


def test_roster_absence_default_is_the_scenarios():
    import dataclasses

    from wfm.cli.roster import roster
    from wfm.scenario import RosterSection

    (opt,) = [p for p in roster.params if p.name == "absence_rate"]
    (field,) = [f for f in dataclasses.fields(RosterSection) if f.name == "absence_shrinkage"]
    assert opt.default == field.default == 0.10
    assert "roster.absence_shrinkage" in opt.help


def test_staff_and_forecast_write_no_cell_that_runs(hostile):
    d = hostile["dir"] / "fc"
    d.mkdir()
    hist = hostile["dir"] / "history.csv"
    week = write_input(hostile["history"].groupby("queue").head(7 * 48), hostile["dir"] / "week.csv")
    invoke("staff", week, "-o", d / "staff" / "staffing.csv")
    invoke("forecast", "backtest", hist, "--models", "weekday_avg,svd", "--origins", 1, "--train-weeks", 4,
           "-o", d / "backtest" / "scores.csv")
    invoke("forecast", "fit", hist, "--model", "svd", "--event", "09-10:2.0:=EVIL()", "-o", d / "model")
    invoke("forecast", "predict", d / "model", "--start", "2025-09-29", "--days", 7, "-o", d / "predict" / "fc.csv")
    found = scan(d, plain=("model",))
    predicted = found[d / "predict" / "fc.csv"]
    assert "'=HYPERLINK(\"x\")" in {r[0] for r in predicted[1:]}
    assert "'-2+3" in cells(found)
    # the saved model loads back (plain files) and predicts for every queue
    assert {r[predicted[0].index("queue")] for r in predicted[1:]} == {
        "'" + q if q[0] in "=+-@" else q for q in (q.strip() for q in QUEUES)}


def test_compare_header_and_cells_are_inert(tmp_path):
    paths = []
    for i, name in enumerate([SCENARIO_NAME, "-2+3"]):
        p = tmp_path / f"s{i}.toml"
        p.write_text(f"""[scenario]
name = {json.dumps(name)}
[data]
sample_days = 56
[forecast]
horizon_weeks = 1
backtest_origins = 1
[roster]
enabled = false
[overrides]
volume_factor = {1.0 + i / 10}
""", encoding="utf-8")
        paths.append(p)
    invoke("compare", *paths, "-o", tmp_path / "out", "-j", 1)
    found = scan(tmp_path / "out")
    header = found[tmp_path / "out" / "comparison.csv"][0]
    assert f"'{SCENARIO_NAME}" in header and "'-2+3" in header


def test_export_and_kpi_write_no_cell_that_runs(hostile):
    from wfm.roster.table import read_roster

    plan, d = hostile["plan"], hostile["dir"] / "kpi"
    d.mkdir()
    roster_csv = plan / "roster" / "roster.csv"
    sh = read_roster(roster_csv, contracts={"five_two": "five_two", "one_one": "one_one"}).shifts
    first = sh.sort_values(["agent_id", "shift_start"]).groupby("agent_id").head(1).head(6)
    iso = "%Y-%m-%dT%H:%M:%S%z"
    states = write_input(pd.DataFrame({
        "agent_id": first["agent_id"], "state": "available",
        "start": first["shift_start"].dt.strftime(iso), "end": first["shift_end"].dt.strftime(iso),
        "team": ["=T1", "@T2", "-T3", "+T4", "\tT5", "团队"]}), d / "states.csv")
    t0 = pd.Timestamp("2025-09-29T09:00:00+08:00")
    results = write_input(pd.DataFrame({
        "queue": QUEUES[:4], "interval_start": [(t0 + pd.Timedelta(minutes=30 * i)).isoformat() for i in range(4)],
        "offered": 100, "aht_s": 180, "handled": 90, "abandoned": 10, "answered_within_target": 80,
        "talk_total_s": 16200}),
        d / "results.csv")
    dials = write_input(pd.DataFrame({
        "account_id": ["=1+1", "@A", "+86 138", "-9+1"], "outcome": ["sale", "busy", "invalid", "sale"],
        "agent_id": first["agent_id"].iloc[:4].tolist(), "campaign": ["=C", "-C", "@C", "+C"], "talk_s": 60}),
        d / "dials.csv")
    kpis = write_input(pd.DataFrame({"agent_id": ["=a", "-b"], "adherence": [0.99, 0.9], "utilisation": 0.7,
                                     "not_ready_break_ratio": 0.05, "late_15": 0, "late_30": 0, "absence": 0}),
                       d / "k.csv")
    out = d / "out"
    invoke("export", "roster", roster_csv, "-o", out / "export" / "roster.csv")
    invoke("export", "roster", roster_csv, "-o", out / "export" / "roster.xlsx", "--with-pay")
    invoke("export", "roster", roster_csv, "--format", "ics", "-o", out / "export" / "ics")
    invoke("kpi", "agents", "--states", states, "--roster", roster_csv, "--by", "team", "-o", out / "agents.csv")
    invoke("kpi", "service", "--results", results, "-o", out / "service.csv")
    invoke("kpi", "accuracy", "--forecast", results, "--results", results, "-o", out / "accuracy.csv")
    invoke("kpi", "outbound", "--dials", dials, "--by", "campaign", "-o", out / "outbound.csv")
    invoke("kpi", "scorecard", "--kpis", kpis, "-o", out / "scorecard.csv")
    invoke("kpi", "pay", "--roster", roster_csv, "-o", out / "pay.csv")
    invoke("kpi", "report", "--states", states, "--roster", roster_csv, "--results", results, "--dials", dials,
           "-o", out / "report")
    found = scan(out)
    everything = cells(found)
    assert {"'=HYPERLINK(A000", "'=T1", "'=C", "'=a", "'=HYPERLINK(\"x\")"} <= everything
    assert len(list((out / "export" / "ics").glob("*.ics"))) == sh["agent_id"].nunique()
