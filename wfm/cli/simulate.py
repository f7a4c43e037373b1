"""`wfm simulate`: the service a roster delivers, by discrete-event simulation."""

from __future__ import annotations

from pathlib import Path

import click

from wfm.cli.options import fraction, tz_option
from wfm.errors import InputError, Problem

DEMAND_COLUMNS = ("queue", "interval_start", "interval_min", "channel", "offered", "aht_s")


@click.command("simulate")
@click.argument("roster_dir", type=click.Path(file_okay=False))
@click.option("--forecast", "forecast_path", type=click.Path(dir_okay=False), default=None,
              help="Interval table of the calls (offered, aht_s): a plan's staffing.csv or forecast.csv "
                   "[default: staffing.csv, else forecast.csv, beside ROSTER_DIR].")
@click.option("--replications", type=click.IntRange(min=1), default=200, show_default=True)
@click.option("--seed", type=int, default=20251111, show_default=True)
@click.option("--absence", "absence_rate", type=float, default=None, callback=fraction("--absence"),
              help="Share of agent-shifts absent [default: the roster's own allowance, in its summary.json].")
@click.option("--patience-s", type=float, default=None,
              help="Mean caller patience, s [default: the roster's, else 120]; 0 = none (Erlang C).")
@click.option("--target-s", type=float, default=20.0, show_default=True, help="Service-level threshold, s.")
@click.option("--sl", type=float, default=0.8, show_default=True, callback=fraction("--sl"),
              help="Service-level target (0 switches it off).")
@click.option("--asa-s", type=float, default=20.0, show_default=True, help="ASA target, s (0 switches it off).")
@click.option("--abandon", type=float, default=0.05, show_default=True, callback=fraction("--abandon"),
              help="Abandonment target (0 switches it off).")
@click.option("--handle-cv", type=float, default=None,
              help="Lognormal handle times with this coefficient of variation [default: exponential].")
@click.option("--day-volume-sd", type=float, default=0.0, show_default=True,
              help="Day-level volume risk: sd of the log of a daily factor (mean 1).")
@tz_option
@click.option("-o", "--output", "out_dir", required=True, type=click.Path(file_okay=False),
              help="Folder for intervals.csv, days.csv and summary.json.")
def simulate(roster_dir, forecast_path, replications, seed, absence_rate, patience_s, target_s, sl, asa_s,
             abandon, handle_cv, day_volume_sd, tz, out_dir):
    """Simulate the roster in ROSTER_DIR (its roster.csv) against the calls.

    Prints the simulated service against each target, overall and the days
    that miss; writes per interval and per day figures with 95 % intervals.
    """
    import json

    from wfm.intervals import validate_intervals
    from wfm.kpi.inputs import read_table
    from wfm.roster.table import read_roster
    from wfm.simulate import simulate_roster
    from wfm.simulate.outputs import service_lines, service_summary, write_simulation
    from wfm.staffing import ServiceTargets

    folder = Path(roster_dir)
    roster_csv = folder / "roster.csv"
    if not roster_csv.exists():
        raise InputError(Problem(str(roster_csv), None, None, "file not found", "a roster folder of wfm roster or wfm plan"))
    if forecast_path is None:
        for name in ("staffing.csv", "forecast.csv"):
            if (folder.parent / name).exists():
                forecast_path = str(folder.parent / name)
                break
        else:
            raise click.UsageError("no staffing.csv or forecast.csv beside ROSTER_DIR: give --forecast")
    meta = {}
    if (folder / "summary.json").exists():
        try:
            meta = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
        except (ValueError, OSError):
            meta = {}
    if absence_rate is None:
        absence_rate = float(meta.get("absence_rate") or 0.0)
    if patience_s is None:
        patience_s = meta.get("service", {}).get("patience_s") if isinstance(meta.get("service"), dict) else None
        patience_s = 120.0 if patience_s is None else patience_s
    roster = read_roster(roster_csv, tz=tz, contracts=_contracts(meta))
    # a plan's staffing.csv carries many more columns: the calls are these
    table = read_table(forecast_path)
    demand = validate_intervals(table[[c for c in DEMAND_COLUMNS if c in table.columns]],
                                source=str(forecast_path), tz=tz)
    if "channel" in demand:
        demand = demand[demand["channel"] == "voice"]
    result = simulate_roster(roster, demand, replications=replications, seed=seed, absence_rate=absence_rate,
                             patience_s=patience_s or None, target_s=target_s, handle_cv=handle_cv,
                             day_volume_sd=day_volume_sd)
    targets = ServiceTargets(sl or None, target_s, max_asa_s=asa_s or None, max_abandon=abandon or None)
    service = service_summary(result, targets)
    paths = write_simulation(result, out_dir, service=service)
    for line in service_lines(service):
        click.echo(line)
    click.echo(f"wrote {', '.join(paths.values())}")


def _contracts(meta: dict) -> dict | None:
    """Contract keys a roster folder's summary names (a custom catalogue's)."""
    hc = meta.get("headcount")
    return {k: k for k in hc} if isinstance(hc, dict) else None
