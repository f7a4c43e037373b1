"""`wfm staff`: required agents per interval, or the service of given agents."""

from __future__ import annotations

import click

from wfm.cli.options import (
    TABLE_SUFFIXES,
    Choice,
    Command,
    InputFile,
    IntervalMinutes,
    Number,
    OutputFile,
    Whole,
    fraction,
    rule,
    tz_option,
)

#: Longest service threshold, ASA target and patience the staffing models take, seconds.
MAX_WAIT_S = 3600.0
MAX_PATIENCE_S = 86400.0


@rule("model", "patience_s")
def _erlang_a_needs_patience(model, patience_s, **_):
    if model == "erlang-a" and patience_s is None:
        yield "patience_s", "Erlang A needs the callers' mean patience", "--patience-s SECONDS (> 0)"
    if model == "erlang-c" and patience_s is not None:
        yield "patience_s", "Erlang C has no caller patience", "--model erlang-a, or no --patience-s"


@rule("model", "abandon")
def _abandon_needs_erlang_a(model, abandon, **_):
    if model == "erlang-c" and abandon:
        yield "abandon", "Erlang C has no abandonment", "--model erlang-a for an abandonment target"


@click.command(cls=Command, checks=(_erlang_a_needs_patience, _abandon_needs_erlang_a),
               columns=(("INPUT (interval table)", "wfm.intervals:INTERVALS"),))
@click.argument("input_path", metavar="INPUT", type=InputFile("an interval table (CSV, Excel or Parquet)",
                                                              TABLE_SUFFIXES))
@click.option("-o", "--output", "output", required=True, type=OutputFile((".csv",)),
              help="Output CSV (written atomically).")
@click.option("--model", type=Choice(["erlang-c", "erlang-a"]), default="erlang-c",
              show_default=True, help="Queueing model; erlang-a needs --patience-s.")
@click.option("--sl", type=fraction(upper_open=True), default=0.8, show_default=True,
              help="Service-level target: fraction answered within --target-s, below 1 (0 switches off).")
@click.option("--target-s", type=Number(ge=0, le=MAX_WAIT_S), default=20.0, show_default=True,
              help="Service-level threshold, seconds.")
@click.option("--asa-s", type=Number(gt=0, le=MAX_WAIT_S, off=0), default=20.0, show_default=True,
              help="Max average speed of answer, seconds (0 switches off).")
@click.option("--abandon", type=fraction(lower_open=True, off=0), default=None,
              help="Max abandonment rate (Erlang A; 0 switches off) [default: 0.05 with erlang-a].")
@click.option("--occupancy", type=fraction(lower_open=True), default=None,
              help="Max occupancy, e.g. 0.85 [default: no cap].")
@click.option("--shrinkage", type=fraction(upper_open=True), default=0.0, show_default=True,
              help="Share of paid time off the phones, below 1; scheduled = required / (1 - s).")
@click.option("--patience-s", type=Number(gt=0, le=MAX_PATIENCE_S), default=None,
              help="Mean caller patience, seconds (Erlang A).")
@click.option("--min-agents", type=Whole(ge=0, le=100_000), default=1, show_default=True,
              help="Floor for intervals with volume.")
@click.option("--productive-fraction", type=fraction(lower_open=True), default=1.0, show_default=True,
              help="Share of agent time on deferred items (e-mail, tickets ...), above 0.")
@tz_option
@click.option("--interval-min", type=IntervalMinutes(), default=None,
              help="Interval length in minutes [default: inferred: 15, 30 or 60].")
def staff(input_path, output, model, sl, target_s, asa_s, abandon, occupancy, shrinkage,
          patience_s, min_agents, productive_fraction, tz, interval_min):
    """Required agents per interval (or, with an `agents` column, the service they give).

    INPUT is an interval table (CSV, Excel or Parquet) with columns queue,
    interval_start, offered, aht_s [, channel, handled, abandoned, agents]
    (listed below).
    """
    from wfm.intervals import read_intervals
    from wfm.io import iso_timestamps, write_csv
    from wfm.staffing import ServiceTargets, required_agents, scheduled_agents, service_for_agents

    if model == "erlang-a" and abandon is None:
        abandon = 0.05
    targets = ServiceTargets(
        service_level=sl or None, target_s=target_s, max_asa_s=asa_s or None,
        max_abandon=abandon or None, max_occupancy=occupancy,
    )
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
