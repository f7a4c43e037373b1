"""`wfm staff`: required agents per interval, or the service of given agents."""

from __future__ import annotations

import click

from wfm.cli.options import fraction, tz_option


@click.command()
@click.argument("input_path", metavar="INPUT", type=click.Path(dir_okay=False))
@click.option("-o", "--output", "output", required=True, type=click.Path(dir_okay=False),
              help="Output CSV (written atomically).")
@click.option("--model", type=click.Choice(["erlang-c", "erlang-a"]), default="erlang-c",
              show_default=True, help="Queueing model; erlang-a needs --patience-s.")
@click.option("--sl", type=float, default=0.8, show_default=True, callback=fraction("--sl"),
              help="Service-level target: fraction answered within --target-s (0 switches off).")
@click.option("--target-s", type=float, default=20.0, show_default=True,
              help="Service-level threshold, seconds.")
@click.option("--asa-s", type=float, default=20.0, show_default=True,
              help="Max average speed of answer, seconds (0 switches off).")
@click.option("--abandon", type=float, default=None, callback=fraction("--abandon"),
              help="Max abandonment rate (Erlang A) [default: 0.05 with erlang-a].")
@click.option("--occupancy", type=float, default=None, callback=fraction("--occupancy"),
              help="Max occupancy, e.g. 0.85 [default: no cap].")
@click.option("--shrinkage", type=float, default=0.0, show_default=True,
              callback=fraction("--shrinkage"),
              help="Share of paid time off the phones; scheduled = required / (1 - s).")
@click.option("--patience-s", type=float, default=None,
              help="Mean caller patience, seconds (Erlang A).")
@click.option("--min-agents", type=int, default=1, show_default=True,
              help="Floor for intervals with volume.")
@click.option("--productive-fraction", type=float, default=1.0, show_default=True,
              help="Share of agent time on deferred items (e-mail, tickets ...).")
@tz_option
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
    from wfm.staffing import ServiceTargets, required_agents, scheduled_agents, service_for_agents

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
    intervals = read_intervals(input_path, tz=tz, interval_min=interval_min)
    pat = patience_s if model == "erlang-a" else None
    if "agents" in intervals.columns:
        result = service_for_agents(intervals, target_s=target_s, model=model, patience_s=pat)
        result["scheduled_agents"] = scheduled_agents(result["agents"], shrinkage)
        what = "evaluated the given agents"
    else:
        result = required_agents(intervals, targets, model=model, patience_s=pat,
                                 shrinkage=shrinkage, min_agents=min_agents,
                                 productive_fraction=productive_fraction)
        what = "required agents"
    write_csv(iso_timestamps(result), output)
    click.echo(f"{what} for {len(result)} intervals ({model}) -> {output}")


