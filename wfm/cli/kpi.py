"""Command line for KPIs and exports: ``wfm kpi ...`` and ``wfm export ...``.

Thin click layers over :mod:`wfm.kpi` and :mod:`wfm.export`. Inputs are
validated (all problems at once, exit status 2 via the root group); outputs
are written atomically, in the format the extension names (``.csv``:
spreadsheet-safe UTF-8 CSV, ``.xlsx``: Excel workbook, ``.json``).
"""

from __future__ import annotations

from pathlib import Path

import click

from wfm.cli.options import (
    TABLE_SUFFIXES,
    Choice,
    CommandGroup,
    InputFile,
    Month,
    Number,
    OutputFile,
    OutputFolder,
    Text,
    Whole,
    fraction,
    gather,
    rule,
    tz_option,
)
from wfm.errors import InputError, Problem

_OUT_HELP = "Output file: .csv, .xlsx or .json (written atomically)."
_TABLE = "a table file (CSV, Excel or Parquet)"


def _table(what: str) -> InputFile:
    return InputFile(f"{what}: {_TABLE}", TABLE_SUFFIXES)


def _out_option(f=None, *, suffixes=(".csv", ".xlsx", ".json")):
    option = click.option("-o", "--output", "output", required=True, type=OutputFile(suffixes),
                          help="Output file: " + ", ".join(suffixes) + " (written atomically).")
    return option if f is None else option(f)


def _write(df, path, view, tz, notes=None):
    from wfm.export import write_table

    write_table(df, path, view=view, tz=tz, notes=notes)


def _load_catalog(path: str):
    from wfm.roster.catalog import load_catalog

    return load_catalog(path)


def _load_scheme(path: str):
    from wfm.kpi.scorecard import load_scheme

    return load_scheme(path)


def _catalog_terms(path: str | None):
    """Contract pay terms from a roster catalogue (``--catalog``), or None."""
    if path is None:
        return None
    from wfm.kpi.pay import contract_terms_from_catalog

    return contract_terms_from_catalog(_load_catalog(path))


_catalog_option = click.option(
    "--catalog", type=InputFile("a shift catalogue (TOML)", (".toml",), loader=_load_catalog), default=None,
    help="Roster catalogue (TOML) for contracts other than 5-on-2 and 1-on-1.")
_scheme_type = InputFile("a scorecard scheme (TOML)", (".toml",), loader=_load_scheme)
_TOLERANCE = Number(ge=0, le=1440)

# the input schemas a command's help lists
_S = {"states": ("--states (agent state log)", "wfm.kpi.inputs:STATE_LOG"),
      "roster": ("--roster (published roster)", "wfm.kpi.roster_input:ROSTER"),
      "results": ("--results (interval results)", "wfm.kpi.inputs:RESULTS"),
      "forecast": ("--forecast (forecast snapshots)", "wfm.kpi.inputs:FORECASTS"),
      "leave": ("--leave (leave records)", "wfm.kpi.inputs:LEAVE"),
      "agents": ("--agents (agents table)", "wfm.kpi.inputs:AGENTS"),
      "dials": ("--dials (dialling log)", "wfm.kpi.inputs:DIALS")}


def _columns(*kinds: str) -> tuple:
    return tuple(_S[k] for k in kinds)


def _load(kind: str, path: str | None, tz: str, contracts=None):
    if path is None:
        return None
    from wfm.kpi import inputs as I

    readers = {
        "states": lambda: I.read_state_log(path, tz=tz),
        "roster": lambda: I.read_roster(path, tz=tz, contracts=contracts),
        "results": lambda: I.read_results(path, tz=tz),
        "forecast": lambda: I.read_forecasts(path, tz=tz),
        "leave": lambda: I.read_leave(path),
        "agents": lambda: I.read_agents(path),
        "dials": lambda: I.read_dials(path, tz=tz),
    }
    return readers[kind]()


def _load_all(tz, contracts=None, **paths):
    """Read every given input, collecting the problems of all files at once;
    a state log and a roster read together must share some time."""
    d = gather(**{kind: (lambda kind=kind, path=path: _load(kind, path, tz, contracts)) if path else None
                  for kind, path in paths.items()})
    if d.get("states") is not None and d.get("roster") is not None and len(d["states"]) and len(d["roster"]):
        from wfm.kpi.inputs import common_time

        st, ro = d["states"], d["roster"]
        common_time((ro["shift_start"].min(), ro["shift_end"].max()), (st["start"].min(), st["end"].max()),
                    paths["roster"], paths["states"])
    return d


def _targets(sl, target_s, asa_s):
    from wfm.staffing import ServiceTargets

    return ServiceTargets(service_level=sl or None, target_s=target_s, max_asa_s=asa_s or None)


@rule("model", "patience_s")
def _erlang_a_needs_patience(model, patience_s, **_):
    if model == "erlang-a" and patience_s is None:
        yield "patience_s", "Erlang A needs the callers' mean patience", "--patience-s SECONDS (> 0)"


_BY = {"agent": ["agent_id"], "agent-day": ["agent_id", "work_date"], "team": ["team"],
       "team-day": ["team", "work_date"], "day": ["work_date"], "centre": []}


@click.group("kpi", cls=CommandGroup)
def kpi():
    """Measure after the plan: adherence, accuracy, service, outbound, scorecard, pay.

    Inputs are CSV, Excel (.xlsx) or Parquet tables; each subcommand's
    --help lists the columns of its inputs (wfm kpi agents --help ...).
    """


@kpi.command("agents", columns=_columns("states", "roster"))
@click.option("--states", "states", required=True, type=_table("an agent state log"),
              help="Agent state log (agent_id, state, start, end|duration_s [, team]).")
@click.option("--roster", "roster", type=_table("a roster"), default=None,
              help="Published roster (agent_id, contract, shift_start, shift_end, meal..., breaks).")
@click.option("--by", type=Choice(list(_BY)), default="agent", show_default=True,
              help="Grouping of the rows.")
@click.option("--tolerance-min", type=_TOLERANCE, default=5.0, show_default=True,
              help="Adherence: out-of-adherence episodes this short (minutes) are forgiven.")
@click.option("--utilisation-base", type=Choice(["logged-in", "scheduled"]), default="logged-in",
              show_default=True, help="Denominator of utilisation.")
@tz_option
@_out_option
def agents_cmd(states, roster, by, tolerance_min, utilisation_base, tz, output):
    """Adherence, conformance, utilisation, occupancy, not-ready ratio, shrinkage."""
    from wfm.kpi.timeline import build_timeline
    from wfm.kpi.wfm_kpis import agent_kpis

    d = _load_all(tz, states=states, roster=roster)
    tl = build_timeline(d["states"], d["roster"])
    keys = _BY[by]
    if "team" in keys and "team" not in tl:
        from wfm.errors import argument_problem

        raise InputError(argument_problem("by", f"--by {by} needs a team column", "a team column in the "
                                          "roster or the state log, or another grouping"))
    out = agent_kpis(tl, by=keys, tolerance_min=tolerance_min,
                     utilisation_denominator=utilisation_base.replace("-", "_"))
    _write(out, output, "agents", tz)
    click.echo(f"agent KPIs for {len(out)} rows ({by}) -> {output}")


@kpi.command("service", columns=_columns("results"))
@click.option("--results", required=True, type=_table("interval results"),
              help="Actual interval results (interval_start, offered, handled, abandoned, ...).")
@click.option("--level", type=Choice(["interval", "date", "week", "month", "total"]), default="date",
              show_default=True, help="Period of the rows.")
@click.option("--sl-method", type=Choice(["offered", "exclude_short_abandons", "handled"]),
              default="offered", show_default=True, help="Denominator of the service level.")
@tz_option
@_out_option
def service_cmd(results, level, sl_method, tz, output):
    """Service level, ASA, abandonment, AHT, ATT, ACW per queue and period."""
    from wfm.kpi.wfm_kpis import service_kpis

    r = _load("results", results, tz)
    by = ("queue",) if level == "total" else ("queue", level)
    out = service_kpis(r, by=by, sl_method=sl_method)
    _write(out, output, "service", tz)
    click.echo(f"service KPIs for {len(out)} rows -> {output}")


@kpi.command("accuracy", checks=(_erlang_a_needs_patience,), columns=_columns("forecast", "results", "roster"))
@click.option("--forecast", required=True, type=_table("forecast snapshots"),
              help="Forecast snapshots (interval table [+ made_at, required_agents]).")
@click.option("--results", required=True, type=_table("interval results"), help="Actual interval results.")
@click.option("--roster", type=_table("a roster"), default=None,
              help="Published roster: adds schedule forecast accuracy.")
@click.option("--level", type=Choice(["interval", "day", "week", "month"]), default="day",
              show_default=True)
@click.option("--lead-days", type=Whole(ge=0, le=366), default=0, show_default=True,
              help="Use the snapshot made this many days before each day.")
@click.option("--sl", type=fraction(upper_open=True), default=0.8, show_default=True,
              help="Service-level target, below 1 (0 switches it off).")
@click.option("--target-s", type=Number(ge=0, le=3600), default=20.0, show_default=True)
@click.option("--asa-s", type=Number(gt=0, le=3600, off=0), default=0.0, show_default=True,
              help="Max ASA, s (0: off).")
@click.option("--model", type=Choice(["erlang-c", "erlang-a"]), default="erlang-c", show_default=True)
@click.option("--patience-s", type=Number(gt=0, le=86400), default=None, help="Mean patience, s (Erlang A).")
@tz_option
@_out_option(suffixes=(".csv", ".xlsx"))
def accuracy_cmd(forecast, results, roster, level, lead_days, sl, target_s, asa_s, model, patience_s,
                 tz, output):
    """Forecast (volume, AHT), staffing and schedule forecast accuracy."""
    import pandas as pd

    from wfm.export import write_csv, write_workbook
    from wfm.kpi import wfm_kpis as K
    from wfm.kpi.inputs import common_intervals

    d = _load_all(tz, forecast=forecast, results=results, roster=roster)
    common_intervals(d["forecast"], d["results"], forecast, results)
    targets = _targets(sl, target_s, asa_s)
    pat = patience_s if model == "erlang-a" else None
    fa = K.forecast_accuracy(d["forecast"], d["results"], level=level, lead_days=lead_days)
    sa = K.staffing_forecast_accuracy(d["forecast"], d["results"], targets=targets, model=model,
                                      patience_s=pat, level=level, lead_days=lead_days)
    views = {"forecast_accuracy": fa, "staffing_accuracy": sa}
    summ = [K.summarise_accuracy(fa, name="volume"),
            K.summarise_accuracy(sa, forecast="forecast_agent_hours", actual="actual_agent_hours",
                                 name="staffing")]
    if d["roster"] is not None:
        sch = K.schedule_forecast_accuracy(d["roster"], d["results"], targets=targets, model=model,
                                           patience_s=pat, level=level)
        views["schedule_accuracy"] = sch
        summ.append(K.summarise_accuracy(sch, forecast="forecast_agent_hours",
                                         actual="actual_agent_hours", name="schedule", by=()))
    summary = pd.concat(summ, ignore_index=True)
    if output.lower().endswith(".xlsx"):
        write_workbook({"summary": summary, **views}, output, tz=tz)
    else:
        from wfm.io import inside

        write_csv(summary, output)
        for name, v in views.items():
            write_csv(v, inside(Path(output).parent, f"{Path(output).stem}_{name}.csv"))
    v = summary[summary.get("queue", pd.Series(dtype=str)) == "(all)"]
    if len(v) and "volume_accuracy" in v:
        click.echo(f"volume accuracy ({level}) {v['volume_accuracy'].iat[0]:.1%}")
    click.echo(f"accuracy tables -> {output}")


@rule("list_size", "unusable_in_list")
def _unusable_within_list(list_size, unusable_in_list, **_):
    if list_size is not None and unusable_in_list > list_size:
        yield ("unusable_in_list", f"{unusable_in_list} unusable records in a list of {list_size}",
               f"at most --list-size ({list_size})")


@kpi.command("outbound", checks=(_unusable_within_list,), columns=_columns("dials", "states", "roster"))
@click.option("--dials", required=True, type=_table("a dialling log"),
              help="Dialling log (account_id, outcome [, agent_id, campaign, prep_s, talk_s, acw_s]).")
@click.option("--list-size", type=Whole(ge=0, le=10**9), default=None, help="Records in the calling list.")
@click.option("--unusable-in-list", type=Whole(ge=0, le=10**9), default=0, show_default=True,
              help="Records screened out as unusable before dialling.")
@click.option("--states", type=_table("an agent state log"), default=None,
              help="State log of the outbound agents (for hours, per-hour figures, utilisation).")
@click.option("--roster", type=_table("a roster"), default=None,
              help="Roster of the outbound agents (paid hours).")
@click.option("--by", type=Choice(["campaign", "agent", "total"]), default="total", show_default=True)
@tz_option
@_out_option
def outbound_cmd(dials, list_size, unusable_in_list, states, roster, by, tz, output):
    """Outbound campaign KPIs: corruption, reachable, completed and hit rates, per hour ..."""
    from wfm.kpi import outbound as ob
    from wfm.kpi.timeline import build_timeline

    d = _load_all(tz, dials=dials, states=states, roster=roster)
    tl = build_timeline(d["states"], d["roster"]) if d["states"] is not None else None
    if by == "agent":
        hours = ob.outbound_hours(tl) if tl is not None else None
        if "agent_id" not in d["dials"]:
            raise InputError(Problem(dials, None, "agent_id", "missing column for --by agent",
                                     "an agent_id column"))
        out = ob.outbound_agent_kpis(d["dials"], hours)
    elif by == "campaign":
        if "campaign" not in d["dials"]:
            raise InputError(Problem(dials, None, "campaign", "missing column for --by campaign",
                                     "a campaign column"))
        out = ob.outbound_kpis(d["dials"], by=("campaign",))
    else:
        kw = {}
        if tl is not None:
            h = ob.outbound_hours(tl, by=[]).iloc[0]
            kw = {"productive_h": h["productive_h"], "paid_h": h["paid_h"], "worked_h": h["worked_h"]}
        out = ob.outbound_kpis(d["dials"], list_size=list_size, unusable_in_list=unusable_in_list, **kw)
    _write(out, output, "outbound", tz)
    click.echo(f"outbound KPIs ({by}) -> {output}")


@rule("kpis", "states", "roster")
def _one_kpi_source(kpis, states, roster, **_):
    if (kpis is None) == (states is None):
        yield "kpis", "give either --kpis or --states (with --roster)", "one of the two"
    if states is not None and roster is None:
        yield "roster", "--states needs --roster", "the published roster of the agents"


@kpi.command("scorecard", checks=(_one_kpi_source,), columns=_columns("states", "roster", "leave", "agents"))
@click.option("--kpis", type=_table("a per-agent KPI table"), default=None,
              help="Per-agent KPI table (agent_id + the columns the scheme scores).")
@click.option("--states", type=_table("an agent state log"), default=None,
              help="Or: state log (with --roster) to measure the KPIs here.")
@click.option("--roster", type=_table("a roster"), default=None)
@click.option("--leave", type=_table("leave records"), default=None, help="Leave records.")
@click.option("--agents", type=_table("an agents table"), default=None,
              help="Agents table (full_month: no bonus for a partial month).")
@click.option("--scheme", type=_scheme_type, default=None,
              help="Scheme TOML [default: adherence/utilisation/not-ready bands + attendance deductions].")
@click.option("--bonus-base", type=Number(ge=0, le=1e6), default=None,
              help="Bonus base, CNY [default: 500 or the scheme's].")
@click.option("--tolerance-min", type=_TOLERANCE, default=5.0, show_default=True)
@tz_option
@_out_option
def scorecard_cmd(kpis, states, roster, leave, agents, scheme, bonus_base, tolerance_min, tz, output):
    """Monthly agent scorecard: weighted scores, grade A-E, bonus."""
    import dataclasses

    from wfm.kpi import inputs as I
    from wfm.kpi import scorecard as sc

    sch = sc.load_scheme(scheme) if scheme else sc.default_scheme()
    if bonus_base is not None:
        sch = dataclasses.replace(sch, bonus_base=bonus_base)
    if kpis is not None:
        table = _finite_numbers(sc.read_kpi_table(kpis), kpis)
    else:
        from wfm.kpi.timeline import build_timeline
        from wfm.kpi.wfm_kpis import agent_kpis, attendance_events

        d = _load_all(tz, states=states, roster=roster, leave=leave)
        tl = build_timeline(d["states"], d["roster"])
        table = sc.scorecard_kpis(agent_kpis(tl, by=["agent_id"], tolerance_min=tolerance_min),
                                  attendance_events(tl, d["roster"], d["leave"]))
    if agents is not None:
        table = sc.with_full_month(table, I.read_agents(agents))
    out = sc.score_agents(table, sch)
    _write(out, output, "scorecard", tz)
    click.echo(f"scorecard for {len(out)} agents: " +
               ", ".join(f"{g} {n}" for g, n in out["grade"].value_counts().sort_index().items())
               + f" -> {output}")


@kpi.command("pay", columns=_columns("roster", "states", "leave", "agents"))
@click.option("--roster", required=True, type=_table("a roster"), help="Published roster.")
@click.option("--states", type=_table("an agent state log"), default=None,
              help="State log: pay what was worked (else the roster as worked).")
@click.option("--leave", type=_table("leave records"), default=None, help="Leave records.")
@click.option("--agents", type=_table("an agents table"), default=None,
              help="Agents table (base_pay, star).")
@click.option("--bonus", type=_table("a scorecard output (agent_id, bonus)"), default=None,
              help="Scorecard output (agent_id, bonus) to add the performance bonus.")
@click.option("--base", type=Number(gt=0, le=1e7), default=2800.0, show_default=True,
              help="Monthly base pay, CNY.")
@click.option("--overtime-grace-min", type=Number(ge=0, le=1440), default=0.0, show_default=True,
              help="Unscheduled time per day (minutes) up to this is not overtime.")
@click.option("--month", type=Month(), default=None, help="Only this month (YYYY-MM).")
@_catalog_option
@tz_option
@_out_option
def pay_cmd(roster, states, leave, agents, bonus, base, overtime_grace_min, month, catalog, tz, output):
    """Pay hours and pay per agent and month (overtime, holidays, leave)."""
    from wfm.kpi.pay import pay_hours, payroll
    from wfm.kpi.scorecard import read_bonuses
    from wfm.kpi.timeline import build_timeline

    terms = _catalog_terms(catalog)
    d = _load_all(tz, terms, roster=roster, states=states, leave=leave, agents=agents)
    tl = build_timeline(d["states"], d["roster"]) if d["states"] is not None else None
    hours = pay_hours(d["roster"], tl, d["leave"], overtime_grace_min=overtime_grace_min, contracts=terms)
    if month is not None:
        hours = hours[hours["month"] == month].reset_index(drop=True)
        if hours.empty:
            from wfm.errors import argument_problem

            raise InputError(argument_problem("month", f"no pay hours in {month}",
                                              "a month the roster covers"))
    bmap = _bonuses(read_bonuses, bonus) if bonus is not None else None
    # the pay period is what the roster covers: part months are paid by their worked days
    period = (d["roster"]["date"].min(), d["roster"]["date"].max())
    out = payroll(hours, d["agents"], base=base, bonus=bmap, contracts=terms, period=period)
    _write(out, output, "pay", tz, notes={"money": "CNY, each pay line rounded half-up to the cent"})
    click.echo(f"pay for {out['agent_id'].nunique()} agents, {len(out)} agent-months, "
               f"gross {out['gross_pay'].sum():,.2f} CNY (of which the roster's pay "
               f"{out['roster_pay'].sum():,.2f}) -> {output}")


@rule("states", "roster", "results", "forecast", "dials")
def _something_to_measure(states, roster, results, forecast, dials, **_):
    if not any((states, roster, results, forecast, dials)):
        yield ("states", "nothing to measure",
               "at least one of --states, --roster, --results, --forecast, --dials")


@kpi.command("report", checks=(_something_to_measure,),
             columns=_columns("states", "roster", "results", "forecast", "leave", "agents", "dials"))
@click.option("--states", type=_table("an agent state log"), default=None, help="Agent state log.")
@click.option("--roster", type=_table("a roster"), default=None, help="Published roster.")
@click.option("--results", type=_table("interval results"), default=None, help="Actual interval results.")
@click.option("--forecast", type=_table("forecast snapshots"), default=None, help="Forecast snapshots.")
@click.option("--leave", type=_table("leave records"), default=None, help="Leave records.")
@click.option("--agents", type=_table("an agents table"), default=None, help="Agents table.")
@click.option("--dials", type=_table("a dialling log"), default=None, help="Outbound dialling log.")
@click.option("--scheme", type=_scheme_type, default=None, help="Scorecard scheme TOML.")
@click.option("--tolerance-min", type=_TOLERANCE, default=5.0, show_default=True)
@click.option("--adherence-threshold", type=fraction(), default=0.95, show_default=True,
              help="Adherence an agent needs to count as adhering (0..1).")
@click.option("--level", type=Choice(["interval", "day", "week", "month"]), default="day",
              show_default=True, help="Period of the accuracy tables.")
@click.option("-o", "--out", "out_dir", required=True, type=OutputFolder(),
              help="Output folder: kpi_report.xlsx, one CSV per view, kpi_summary.json.")
@_catalog_option
@tz_option
def report_cmd(states, roster, results, forecast, leave, agents, dials, scheme, tolerance_min,
               adherence_threshold, level, out_dir, catalog, tz):
    """Every KPI the inputs allow, as a workbook, CSVs and a summary vs targets."""
    from wfm.kpi import scorecard as sc
    from wfm.kpi.summary import kpi_report, write_kpi_report

    terms = _catalog_terms(catalog)
    d = _load_all(tz, terms, states=states, roster=roster, results=results, forecast=forecast, leave=leave,
                  agents=agents, dials=dials)
    if d["forecast"] is not None and d["results"] is not None:
        from wfm.kpi.inputs import common_intervals

        common_intervals(d["forecast"], d["results"], forecast, results)
    rep = kpi_report(contracts=terms, state_log=d["states"], roster=d["roster"], results=d["results"],
                     forecasts=d["forecast"], leave=d["leave"], agents=d["agents"], dials=d["dials"],
                     tolerance_min=tolerance_min, adherence_threshold=adherence_threshold, level=level,
                     scheme=sc.load_scheme(scheme) if scheme else None)
    paths = write_kpi_report(rep, out_dir, tz=tz)
    for row in rep.summary["targets"]:
        mark = "ok  " if row["met"] else ("MISS" if row["met"] is False else "n/a ")
        val = "-" if row["value"] is None else f"{row['value']:.4g}"
        click.echo(f"  {mark} {row['kpi']:<24} {val:>10}  (target {row['target']})")
    click.echo(f"{len(rep.views)} views -> {out_dir}/ ({', '.join(p.name for p in paths)})")


# --------------------------------------------------------------------------
# export
# --------------------------------------------------------------------------


@click.group("export", cls=CommandGroup)
def export():
    """Schedules and tables for HR: CSV, Excel workbook, iCalendar per agent."""


_FORMATS = {".csv": "csv", ".xlsx": "xlsx"}


def roster_export_format(output: str, fmt: str) -> str | None:
    """The format ``--format`` names, or ``auto``'s: from the extension, a
    path without one (or an existing folder) meaning ics; None when neither tells."""
    if fmt != "auto":
        return fmt
    if Path(output).is_dir():
        return "ics"
    ext = Path(output).suffix.lower()
    return _FORMATS.get(ext, "ics" if ext == "" else None)


@rule("output", "fmt", "with_pay")
def _export_target(output, fmt, with_pay, **_):
    from wfm.io import output_problem

    kind = roster_export_format(output, fmt)
    if kind is None:
        yield ("output", f"cannot tell the format of {output}",
               "a .csv or .xlsx file, a folder for .ics calendars, or --format")
        return
    if kind in _FORMATS.values() and Path(output).suffix.lower() != f".{kind}":
        yield ("output", f"{output} does not end in .{kind} (--format {kind})", f"a file name ending in .{kind}")
    problem = output_problem(output, folder=kind == "ics")
    if problem:
        yield ("output", problem if problem.startswith(output) else f"{output}: {problem}",
               "a folder for the calendars (new or existing)" if kind == "ics" else "a file that can be written")
    if with_pay and kind != "xlsx":
        yield ("with_pay", f"pay hours go on a sheet of a workbook, not in {kind} output",
               "an .xlsx output (or leave out --with-pay)")


@export.command("roster", checks=(_export_target,), columns=_columns("roster"))
@click.argument("roster", type=_table("a roster"))
@click.option("-o", "--output", required=True, type=Text("a file or folder path"),
              help="A .csv or .xlsx file, or a folder for --format ics.")
@click.option("--format", "fmt", type=Choice(["auto", "csv", "xlsx", "ics"]), default="auto",
              show_default=True, help="auto: from the output extension (a folder means ics).")
@click.option("--with-pay", is_flag=True, help="Add a sheet of pay hours (xlsx only).")
@tz_option
def export_roster(roster, output, fmt, with_pay, tz):
    """Validate a roster and export it (CSV, Excel workbook, or .ics per agent)."""
    from wfm.export import write_csv, write_icalendar, write_workbook

    click.get_current_context().meta["wfm.outputs"] = [(output, roster_export_format(output, fmt) == "ics")]
    r = _load("roster", roster, tz)
    fmt = roster_export_format(output, fmt)
    if fmt == "ics":
        paths = write_icalendar(r, output)
        click.echo(f"{len(paths)} calendars -> {output}/")
        return
    if fmt == "csv":
        write_csv(r, output)
    else:
        sheets = {"roster": r}
        if with_pay:
            from wfm.kpi.pay import pay_hours

            sheets["pay_hours"] = pay_hours(r)
        write_workbook(sheets, output, tz=tz)
    click.echo(f"roster of {r['agent_id'].nunique()} agents, {len(r)} shifts -> {output}")


@rule("tables")
def _distinct_sheets(tables, **_):
    stems = [Path(t).stem for t in tables]
    for stem in sorted({s for s in stems if stems.count(s) > 1}):
        yield ("tables", f"two tables named {stem!r} would be the same sheet",
               "tables with distinct file names (one sheet each)")


@export.command("workbook", checks=(_distinct_sheets,))
@click.argument("tables", nargs=-1, required=True, type=_table("a table"))
@click.option("-o", "--output", required=True, type=OutputFile((".xlsx",)), help="The .xlsx to write.")
@tz_option
def export_workbook(tables, output, tz):
    """Combine CSV/Excel/Parquet TABLES into one workbook, one sheet per file.

    Columns whose every value is an ISO 8601 timestamp become Excel
    date-times (in --tz), YYYY-MM-DD columns dates, numeric columns numbers;
    text that could run as a formula stays inert text.
    """
    from wfm.export import coerce_types, write_workbook
    from wfm.kpi.inputs import read_table

    d = gather(**{f"t{i}": (lambda t=t: read_table(t)) for i, t in enumerate(tables)})
    sheets = {Path(t).stem: coerce_types(d[f"t{i}"], tz) for i, t in enumerate(tables)}
    write_workbook(sheets, output, tz=tz)
    click.echo(f"{len(sheets)} sheets -> {output}")


def _finite_numbers(table, path):
    """``table`` (a per-agent KPI table) when its numeric cells are finite; the
    infinite ones are an InputError with their rows."""
    import numpy as np

    problems = []
    for c in table.columns:
        if c != "agent_id" and table[c].dtype.kind == "f":
            for pos in np.flatnonzero(np.isinf(table[c].to_numpy())):
                problems.append(Problem(str(path), int(pos) + 2, c, f"{table[c].iat[pos]} is not a finite number",
                                        "a finite number"))
    if problems:
        raise InputError(problems[:50])
    return table


def _bonuses(read, path) -> dict:
    """The bonuses of a scorecard output, each a finite number >= 0 (else an InputError)."""
    import math

    out = read(path)
    bad = [(a, v) for a, v in out.items() if not (math.isfinite(v) and 0 <= v <= 1e7)]
    if bad:
        raise InputError([Problem(str(path), None, "bonus", f"agent {a!r}: bonus {v!r}",
                                  "a number of CNY >= 0") for a, v in bad[:50]])
    return out
