"""Command line: a thin click layer over the Python API.

Every command calls a function you can call yourself (``wfm.plan.Plan.run``,
``wfm.staffing.required_agents`` ...). User mistakes end with the problems
listed on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import click

from wfm import __version__
from wfm.errors import InputError


class _Root(click.Group):
    """Root group: turns InputError into a clean message and exit status 2."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except InputError as exc:
            for problem in exc.problems:
                click.echo(f"error: {problem}", err=True)
            n = len(exc.problems)
            click.echo(f"wfm: {n} problem{'s' if n != 1 else ''} in the input; nothing written.",
                       err=True)
            ctx.exit(2)


@click.group(cls=_Root, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="wfm")
def cli():
    """wfm: contact-centre workforce planning (forecast, staffing, roster, KPIs)."""


def main(argv=None):
    """Console-script entry point."""
    return cli.main(args=argv, prog_name="wfm")


# ------------------------------------------------------------------ options
def _fraction(name):
    def check(ctx, param, value):
        if value is not None and not 0 <= value <= 1:
            raise click.BadParameter(f"{value} is not a fraction (expected 0..1)", param_hint=name)
        return value
    return check


@cli.command()
@click.argument("input_path", metavar="INPUT", type=click.Path(dir_okay=False))
@click.option("-o", "--output", "output", required=True, type=click.Path(dir_okay=False),
              help="Output CSV (written atomically).")
@click.option("--model", type=click.Choice(["erlang-c", "erlang-a"]), default="erlang-c",
              show_default=True, help="Queueing model; erlang-a needs --patience-s.")
@click.option("--sl", type=float, default=0.8, show_default=True, callback=_fraction("--sl"),
              help="Service-level target: fraction answered within --target-s (0 switches off).")
@click.option("--target-s", type=float, default=20.0, show_default=True,
              help="Service-level threshold, seconds.")
@click.option("--asa-s", type=float, default=20.0, show_default=True,
              help="Max average speed of answer, seconds (0 switches off).")
@click.option("--abandon", type=float, default=None, callback=_fraction("--abandon"),
              help="Max abandonment rate (Erlang A) [default: 0.05 with erlang-a].")
@click.option("--occupancy", type=float, default=None, callback=_fraction("--occupancy"),
              help="Max occupancy, e.g. 0.85 [default: no cap].")
@click.option("--shrinkage", type=float, default=0.0, show_default=True,
              callback=_fraction("--shrinkage"),
              help="Share of paid time off the phones; scheduled = required / (1 - s).")
@click.option("--patience-s", type=float, default=None,
              help="Mean caller patience, seconds (Erlang A).")
@click.option("--min-agents", type=int, default=1, show_default=True,
              help="Floor for intervals with volume.")
@click.option("--productive-fraction", type=float, default=1.0, show_default=True,
              help="Share of agent time on deferred items (e-mail, tickets ...).")
@click.option("--tz", default="Asia/Shanghai", show_default=True,
              help="Time zone of naive timestamps (IANA name).")
@click.option("--interval-min", type=int, default=None,
              help="Interval length in minutes [default: inferred: 15, 30 or 60].")
def staff(input_path, output, model, sl, target_s, asa_s, abandon, occupancy, shrinkage,
          patience_s, min_agents, productive_fraction, tz, interval_min):
    """Required agents per interval (or, with an `agents` column, the service they give).

    INPUT is an interval table (CSV, Excel or Parquet) with columns queue,
    interval_start, offered, aht_s [, channel, handled, abandoned, agents].
    """
    from wfm.intervals import read_intervals
    from wfm.io import iso_timestamps, write_csv
    from wfm.staffing import ServiceTargets, required_agents, service_for_agents

    if model == "erlang-a" and patience_s is None:
        raise click.UsageError("--model erlang-a needs --patience-s (mean caller patience, s)")
    if model == "erlang-c" and abandon is not None:
        raise click.UsageError("--abandon needs --model erlang-a (Erlang C has no abandonment)")
    if shrinkage >= 1:
        raise click.UsageError("--shrinkage must be below 1")
    if model == "erlang-a" and abandon is None:
        abandon = 0.05
    try:
        targets = ServiceTargets(
            service_level=sl or None, target_s=target_s, max_asa_s=asa_s or None,
            max_abandon=abandon or None, max_occupancy=occupancy or None,
        )
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    if not Path(input_path).exists():
        raise InputError(f"{input_path}: no such file")
    intervals = read_intervals(input_path, tz=tz, interval_min=interval_min)
    pat = patience_s if model == "erlang-a" else None
    if "agents" in intervals.columns:
        result = service_for_agents(intervals, target_s=target_s, model=model, patience_s=pat)
        result["scheduled_agents"] = _scheduled(result["agents"], shrinkage)
        what = "evaluated the given agents"
    else:
        result = required_agents(intervals, targets, model=model, patience_s=pat,
                                 shrinkage=shrinkage, min_agents=min_agents,
                                 productive_fraction=productive_fraction)
        what = "required agents"
    write_csv(iso_timestamps(result), output)
    click.echo(f"{what} for {len(result)} intervals ({model}) -> {output}")


def _scheduled(agents, shrinkage):
    import numpy as np

    return np.ceil(agents.to_numpy(dtype=float) / (1.0 - shrinkage) - 1e-9).astype(int)


@cli.command()
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
    click.echo(f"  offered contacts      {s['offered_contacts']:,.0f}")
    click.echo(f"  required agent-hours  {s['required_agent_hours']:,.1f} (on the phones)")
    click.echo(f"  scheduled agent-hours {s['scheduled_agent_hours']:,.1f} "
               f"(shrinkage {scenario.service.shrinkage:.0%})")
    for key, label, fmt in (("planned_service_level", "service level", "{:.1%}"),
                            ("planned_asa_s", "ASA", "{:.1f} s"),
                            ("planned_abandon_rate", "abandonment", "{:.2%}"),
                            ("planned_occupancy", "occupancy", "{:.1%}")):
        if s.get(key) is not None:
            click.echo(f"  planned {label:<14}{fmt.format(s[key])}")
    if result.roster is not None:
        agents = ", ".join(f"{r.agents} on {r.contract}" for r in result.roster.cost.itertuples())
        click.echo(f"  roster                {s['agents_total']} agents ({agents}), "
                   f"{s['paid_hours']:,.0f} paid hours, {s['cost_cny']:,.0f} CNY")
        if s.get("rostered_service_level") is not None:
            click.echo(f"  rostered service level {s['rostered_service_level']:.1%} at expected "
                       f"attendance; {s['understaffed_intervals']} intervals short "
                       f"(roster/summary.json)")
    click.echo(f"outputs in {result.out_dir}/: "
               + ", ".join(sorted(p.name for p in result.out_dir.iterdir() if p.is_file())))


@cli.command()
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


@cli.command()
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


# Sub-command groups that live in their own modules.
for _module, _attr in (("wfm.cli_forecast", "forecast"), ("wfm.cli_kpi", "kpi"),
                       ("wfm.cli_kpi", "export"), ("wfm.cli_roster", "roster")):
    cli.add_command(getattr(importlib.import_module(_module), _attr))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
