"""`wfm plan`, `wfm compare` and `wfm sample`: the whole chain for scenarios."""

from __future__ import annotations

from pathlib import Path

import click

from wfm.errors import InputError


@click.command()
@click.argument("scenario_path", metavar="[SCENARIO]", required=False,
                type=click.Path(dir_okay=False))
@click.option("-o", "--out", "out_root", default="wfm-out", show_default=True,
              type=click.Path(file_okay=False),
              help="Output root; the plan goes into OUT/<scenario name>/.")
@click.option("--history", type=click.Path(dir_okay=False), default=None,
              help="Interval history to plan from (overrides the scenario's data.history).")
def plan(scenario_path, out_root, history):
    """Run the planning chain end to end for a scenario file.

    With no SCENARIO it runs the bundled baseline (the sample history with
    Chinese holidays and a Double-11 surge) into ./wfm-out/baseline/.
    """
    import dataclasses

    from wfm.plan import Plan
    from wfm.scenario import Scenario, load_scenario

    scenario = load_scenario(scenario_path) if scenario_path else Scenario()
    if history is not None:
        if not Path(history).exists():
            raise InputError(f"{history}: no such file")
        scenario = dataclasses.replace(
            scenario, data=dataclasses.replace(scenario.data, history=str(Path(history).resolve())))
    def progress(msg):
        click.echo(f"[{scenario.name}] {msg}", err=True)

    result = Plan(scenario, progress=progress).run(Path(out_root) / scenario.name)
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


@click.command()
@click.argument("scenario_paths", metavar="SCENARIO...", nargs=-1, required=True,
                type=click.Path(dir_okay=False))
@click.option("-o", "--out", "out_root", default="wfm-out", show_default=True,
              type=click.Path(file_okay=False),
              help="Output root: each plan in OUT/<name>/, the table in OUT/comparison.csv.")
@click.option("-j", "--processes", type=int, default=None,
              help="Parallel processes [default: one per scenario, at most the CPU count].")
def compare(scenario_paths, out_root, processes):
    """Run scenarios side by side and compare them with the first.

    Writes OUT/comparison.csv (one row per headline figure, one column per
    scenario, then each scenario's difference from the first).
    """
    from wfm.compare import compare as run_compare
    from wfm.compare import format_table
    from wfm.io import write_csv

    table, summaries = run_compare(list(scenario_paths), out_root, processes)
    path = write_csv(table, Path(out_root) / "comparison.csv")
    click.echo(format_table(table, [s["scenario"] for s in summaries]))
    click.echo(f"comparison -> {path}")


@click.command()
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="CSV to write.")
@click.option("--start", default="2025-08-04", show_default=True, help="First day (YYYY-MM-DD).")
@click.option("--days", type=int, default=140, show_default=True)
@click.option("--interval-min", type=click.Choice(["15", "30", "60"]), default="30",
              show_default=True)
@click.option("--seed", type=int, default=20251111, show_default=True)
def sample(output, start, days, interval_min, seed):
    """Write the bundled sample history (seeded) as an interval table CSV."""
    from wfm.sample import write_sample

    write_sample(output, start=start, days=days, interval_min=int(interval_min), seed=seed)
    click.echo(f"sample history ({days} days, {interval_min}-min intervals) -> {output}")


