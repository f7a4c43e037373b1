"""`wfm plan`, `wfm compare` and `wfm sample`: the whole chain for scenarios."""

from __future__ import annotations

from pathlib import Path

import click

from wfm.cli.options import (
    TABLE_SUFFIXES,
    Choice,
    Command,
    Date,
    InputFile,
    OutputFile,
    OutputFolder,
    Whole,
)

_SCENARIO = InputFile("a scenario file (TOML)", (".toml",))


def plan_folder(out_root: str, name: str) -> Path:
    """OUT/<name> as given, checked to lie inside OUT (:func:`wfm.io.inside`)
    and to be a folder that can be written."""
    from wfm.errors import InputError, argument_problem
    from wfm.io import inside, output_problem

    inside(out_root, name)
    folder = Path(out_root) / name
    problem = output_problem(folder, folder=True)
    if problem:
        raise InputError(argument_problem("out_root", problem, f"a folder for the plan {name!r}"))
    return folder


@click.command(cls=Command)
@click.argument("scenario_path", metavar="[SCENARIO]", required=False, type=_SCENARIO)
@click.option("-o", "--out", "out_root", default="wfm-out", show_default=True, type=OutputFolder(),
              help="Output root; the plan goes into OUT/<scenario name>/.")
@click.option("--history", type=InputFile("an interval table (CSV, Excel or Parquet)", TABLE_SUFFIXES),
              default=None, help="Interval history to plan from (overrides the scenario's data.history).")
def plan(scenario_path, out_root, history):
    """Run the planning chain end to end for a scenario file.

    With no SCENARIO it runs the bundled baseline (the sample history with
    Chinese holidays and a Double-11 surge) into ./wfm-out/baseline/. The
    scenario and every file it names (history, shift catalogue, agents,
    previous roster) are checked before the first step runs.
    """
    import dataclasses

    from wfm.plan import Plan
    from wfm.scenario import Scenario, check_scenario, load_scenario

    scenario = load_scenario(scenario_path) if scenario_path else Scenario()
    if history is not None:
        scenario = dataclasses.replace(
            scenario, data=dataclasses.replace(scenario.data, history=str(Path(history).resolve())))
    check_scenario(scenario)
    out_dir = plan_folder(out_root, scenario.name)
    click.get_current_context().meta["wfm.log"] = str(out_dir / "plan.log")

    def progress(msg):
        click.echo(f"[{scenario.name}] {msg}", err=True)

    result = Plan(scenario, progress=progress).run(out_dir)
    s = result.summary
    click.echo(f"plan '{s['scenario']}': {s['intervals']} intervals, queues {', '.join(s['queues'])}")
    if s.get("service"):
        from wfm.simulate.outputs import service_lines

        for line in service_lines(s["service"]):
            click.echo(f"  {line}")
        click.echo("  the requirement (staffing.csv), before rostering:")
    click.echo(f"  offered contacts      {s['offered_contacts']:,.0f}")
    click.echo(f"  required agent-hours  {s['required_agent_hours']:,.1f} (on the phones)")
    click.echo(f"  scheduled agent-hours {s['scheduled_agent_hours']:,.1f} "
               f"(shrinkage {scenario.service.shrinkage:.0%})")
    for key, label, fmt in (("planned_service_level", "service level", "{:.1%}"),
                            ("planned_asa_s", "ASA", "{:.1f} s"),
                            ("planned_abandon_rate", "abandonment", "{:.2%}"),
                            ("planned_occupancy", "occupancy", "{:.1%}")):
        if s.get(key) is not None:
            click.echo(f"  {'requirement ' + label:<26}{fmt.format(s[key])}")
    if result.roster is not None:
        agents = ", ".join(f"{r.agents} on {r.contract}" for r in result.roster.cost.itertuples())
        click.echo(f"  roster                {s['agents_total']} agents ({agents}), "
                   f"{s['paid_hours']:,.0f} paid hours, {s['cost_cny']:,.0f} CNY")
        if s.get("rostered_service_level") is not None:
            click.echo(f"  roster, analytic      {s['rostered_service_level']:.1%} service level at expected "
                       f"attendance; {s['understaffed_intervals']} intervals short "
                       f"(roster/coverage.csv)")
    click.echo(f"outputs in {result.out_dir}/: "
               + ", ".join(sorted(p.name + ("/" if p.is_dir() else "") for p in result.out_dir.iterdir()
                                 if not p.name.startswith("."))))


@click.command(cls=Command)
@click.argument("scenario_paths", metavar="SCENARIO...", nargs=-1, required=True, type=_SCENARIO)
@click.option("-o", "--out", "out_root", default="wfm-out", show_default=True, type=OutputFolder(),
              help="Output root: each plan in OUT/<name>/, the table in OUT/comparison.csv.")
@click.option("-j", "--processes", type=Whole(ge=1, le=256), default=None,
              help="Parallel processes [default: one per scenario, at most the CPU count].")
def compare(scenario_paths, out_root, processes):
    """Run scenarios side by side and compare them with the first.

    Every scenario (and every file it names) is checked before any plan
    runs. Writes OUT/comparison.csv (one row per headline figure, one
    column per scenario, then each scenario's difference from the first).
    """
    from wfm.compare import compare as run_compare
    from wfm.compare import format_table
    from wfm.io import inside, write_csv

    click.get_current_context().meta["wfm.log"] = str(Path(out_root) / "compare.log")
    table, summaries = run_compare(list(scenario_paths), out_root, processes)
    path = write_csv(table, inside(out_root, "comparison.csv"))
    click.echo(format_table(table, [s["scenario"] for s in summaries]))
    click.echo(f"comparison -> {path}")


@click.command(cls=Command)
@click.option("-o", "--output", required=True, type=OutputFile((".csv",)), help="CSV to write.")
@click.option("--start", type=Date(), default="2025-08-04", show_default=True, help="First day (YYYY-MM-DD).")
@click.option("--days", type=Whole(ge=1, le=3660), default=140, show_default=True)
@click.option("--interval-min", type=Choice(["15", "30", "60"]), default="30",
              show_default=True)
@click.option("--seed", type=Whole(ge=0, le=2**32 - 1), default=20251111, show_default=True)
def sample(output, start, days, interval_min, seed):
    """Write the bundled sample history (seeded) as an interval table CSV."""
    from wfm.sample import write_sample

    write_sample(output, start=start, days=days, interval_min=int(interval_min), seed=seed)
    click.echo(f"sample history ({days} days, {interval_min}-min intervals) -> {output}")
