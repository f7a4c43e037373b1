"""`wfm simulate`: the service a roster delivers, by discrete-event simulation."""

from __future__ import annotations

from pathlib import Path

import click

from wfm.cli.options import (
    TABLE_SUFFIXES,
    Command,
    InputFile,
    InputFolder,
    Number,
    OutputFolder,
    Whole,
    fraction,
    gather,
    rule,
    tz_option,
)
from wfm.errors import InputError

DEMAND_COLUMNS = ("queue", "interval_start", "interval_min", "channel", "offered", "aht_s")


@rule("roster_dir", "forecast_path")
def _calls_found(roster_dir, forecast_path, **_):
    if forecast_path is None and not any((Path(roster_dir).parent / n).is_file() for n in _CALLS):
        yield ("forecast_path", f"no staffing.csv or forecast.csv beside {roster_dir}",
               "--forecast FILE: an interval table of the calls (offered, aht_s)")


_CALLS = ("staffing.csv", "forecast.csv")


@click.command("simulate", cls=Command, checks=(_calls_found,),
               columns=(("--forecast (the calls)", "wfm.intervals:INTERVALS"),))
@click.argument("roster_dir", type=InputFolder("a roster folder of wfm roster or wfm plan", "roster.csv"))
@click.option("--forecast", "forecast_path", type=InputFile("an interval table (CSV, Excel or Parquet)",
                                                           TABLE_SUFFIXES), default=None,
              help="Interval table of the calls (offered, aht_s): a plan's staffing.csv or forecast.csv "
                   "[default: staffing.csv, else forecast.csv, beside ROSTER_DIR].")
@click.option("--replications", type=Whole(ge=1, le=100_000), default=200, show_default=True)
@click.option("--seed", type=Whole(ge=0, le=2**63 - 1), default=20251111, show_default=True)
@click.option("--absence", "absence_rate", type=fraction(upper_open=True), default=None,
              help="Share of agent-shifts absent, below 1 [default: the roster's own allowance, in its summary.json].")
@click.option("--patience-s", type=Number(gt=0, le=86400, off=0), default=None,
              help="Mean caller patience, s [default: the roster's, else 120]; 0 = none (Erlang C).")
@click.option("--target-s", type=Number(ge=0, le=3600), default=20.0, show_default=True,
              help="Service-level threshold, s.")
@click.option("--sl", type=fraction(upper_open=True), default=0.8, show_default=True,
              help="Service-level target, below 1 (0 switches it off).")
@click.option("--asa-s", type=Number(gt=0, le=3600, off=0), default=20.0, show_default=True,
              help="ASA target, s (0 switches it off).")
@click.option("--abandon", type=fraction(lower_open=True, off=0), default=0.05, show_default=True,
              help="Abandonment target (0 switches it off).")
@click.option("--handle-cv", type=Number(gt=0, le=10), default=None,
              help="Lognormal handle times with this coefficient of variation [default: exponential].")
@click.option("--day-volume-sd", type=Number(ge=0, le=2), default=None,
              help="Day-level volume risk: sd of the log of a daily factor (mean 1) [default: the forecast's "
                   "own (its day_log_sd column, in the calls table or in forecast.csv beside ROSTER_DIR), "
                   "else 0].")
@tz_option
@click.option("-o", "--output", "out_dir", required=True, type=OutputFolder(),
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
    if forecast_path is None:
        forecast_path = str(next(folder.parent / n for n in _CALLS if (folder.parent / n).is_file()))
    meta = {}
    if (folder / "summary.json").exists():
        try:
            meta = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
        except (ValueError, OSError):
            meta = {}
    if absence_rate is None:
        absence_rate = _meta_number(folder, meta.get("absence_rate"), "absence_rate", 0.0, lambda v: 0 <= v < 1,
                                    "a share 0 <= absence_rate < 1, or --absence")
    if patience_s is None:
        service = meta.get("service") if isinstance(meta.get("service"), dict) else {}
        patience_s = _meta_number(folder, service.get("patience_s"), "service.patience_s", 120.0,
                                  lambda v: 0 < v <= 86400, "seconds > 0, or --patience-s")

    calls_risk = []

    def calls():
        # a plan's staffing.csv carries many more columns: the calls are these
        table = read_table(forecast_path)
        calls_risk.append(_table_day_risk(table))
        return validate_intervals(table[[c for c in DEMAND_COLUMNS if c in table.columns]],
                                  source=str(forecast_path), tz=tz)

    d = gather(roster=lambda: read_roster(roster_csv, tz=tz, contracts=_contracts(meta)), demand=calls)
    roster, demand = d["roster"], d["demand"]
    if day_volume_sd is None:
        day_volume_sd = calls_risk[0] if calls_risk and calls_risk[0] is not None \
            else _forecast_day_risk(folder.parent / "forecast.csv")
    if "channel" in demand:
        demand = demand[demand["channel"] == "voice"]
    if len(demand) and len(roster.shifts):
        import pandas as pd

        from wfm.kpi.inputs import common_time

        ends = demand["interval_start"] + pd.to_timedelta(demand["interval_min"], unit="min")
        common_time((roster.shifts["shift_start"].min(), roster.shifts["shift_end"].max()),
                    (demand["interval_start"].min(), ends.max()), str(roster_csv), str(forecast_path))
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



def _table_day_risk(table) -> float | None:
    """The pooled day-level volume risk of a table with ``day_log_sd``
    (:func:`wfm.forecast.pooled_day_volume_sd`), None when it has none."""
    from wfm.forecast.risk import pooled_day_volume_sd

    if {"day_log_sd", "queue", "offered"} <= set(table.columns):
        return pooled_day_volume_sd(table)
    return None


def _forecast_day_risk(beside: Path) -> float:
    """The day-level volume risk ``wfm plan`` simulates with, from its
    forecast.csv beside the roster folder when the calls table has none;
    0 without that file (a file that cannot be read only loses the default)."""
    from wfm.kpi.inputs import read_table

    if not beside.is_file():
        return 0.0
    try:
        risk = _table_day_risk(read_table(beside))
    except (InputError, OSError, ValueError):
        return 0.0
    return 0.0 if risk is None else risk


def _meta_number(folder: Path, value, key: str, default: float, ok, expected: str) -> float:
    """A number the roster folder's summary.json gives (``default`` when it
    gives none); a value that is not a number in range is an InputError."""
    import math

    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or not ok(value):
        from wfm.errors import Problem

        raise InputError(Problem(str(folder / "summary.json"), None, key, f"invalid value {value!r}", expected))
    return float(value)
