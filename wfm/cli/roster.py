"""`wfm roster`: requirements (staffing output) -> roster.csv, coverage.csv, summary.json."""

from __future__ import annotations

import click

from wfm.cli.options import (
    TABLE_SUFFIXES,
    Choice,
    Command,
    InputFile,
    Number,
    OutputFolder,
    Whole,
    gather,
    tz_option,
)


def _catalog(path: str) -> None:
    from wfm.roster.catalog import load_catalog

    load_catalog(path)


@click.command("roster", cls=Command,
               columns=(("REQUIREMENTS", "wfm.roster.demand:REQUIREMENTS"),
                        ("--agents", "wfm.roster.agents:AGENTS_CSV")))
@click.argument("requirements", type=InputFile("a staffing output (CSV, Excel or Parquet)", TABLE_SUFFIXES))
@click.option("--agents", "agents_path", type=InputFile("an agents CSV", (".csv", ".txt")), default=None,
              help="agents.csv (id, name, contract, availability, unavailable_dates, preferred_start, fixed_days_off); "
                   "without it the team is sized and named A001, A002, ...")
@click.option("--catalog", "catalog_path", type=InputFile("a shift catalogue (TOML)", (".toml",), loader=_catalog),
              default=None, help="shift and contract catalogue (TOML; default models/shifts.toml)")
@click.option("--weeks", type=Whole(ge=1, le=6), default=None,
              help="horizon in weeks, 1 to 6 (default: the whole weeks of the requirements)")
@click.option("-o", "--outdir", type=OutputFolder(), required=True, help="output directory")
@click.option("--solver", type=Choice(["highs", "cbc"]), default="highs", show_default=True)
@click.option("--time-limit", "time_limit_s", type=Number(ge=1, le=86400), default=60.0, show_default=True,
              help="hard wall-clock limit for the tour model (s)")
@click.option("--work-limit", "work_limit_s", type=Number(ge=0, le=86400), default=None,
              help="deterministic work budget in reference seconds (default 0.5 x --time-limit): "
                   "the same inputs and budget give the same roster")
@tz_option(help="Time zone of naive timestamps in the requirements (IANA name).")
@click.option("--target-s", type=Number(ge=0, le=3600), default=20.0, show_default=True,
              help="service-level answer target (s)")
@click.option("--previous", "previous_path", type=InputFile("a roster CSV (wfm roster's roster.csv)",
                                                           TABLE_SUFFIXES), default=None,
              help="the previous roster.csv: its shifts running into this horizon count in the coverage, and "
                   "(with --agents) rest, consecutive days and 1-on-1 alternation continue across the boundary")
@click.option("--absence", "absence_rate", type=Number(ge=0, lt=1), default=0.10,
              show_default=True,
              help="unplanned absence to cover on top of the requirements (a share of the scheduled agents: "
                   "the roster covers required / (1 - share)); the plan uses its scenario's "
                   "roster.absence_shrinkage (0.10 in the baseline), so the same share gives the plan's roster")
def roster(requirements, agents_path, catalog_path, weeks, outdir, solver, time_limit_s, work_limit_s, tz, target_s,
           previous_path, absence_rate):
    """Roster the staffing output REQUIREMENTS (CSV with interval_start, required_agents, ...).

    The columns of REQUIREMENTS and of --agents are listed below.
    """
    from wfm.roster import build_roster, write_roster
    from wfm.roster.agents import read_agents
    from wfm.roster.catalog import default_catalog_path, load_catalog
    from wfm.roster.demand import read_requirements
    from wfm.roster.table import read_roster

    catalog = load_catalog(catalog_path or default_catalog_path())
    names = {**{k: k for k in catalog.contracts}, **{c.name: c.name for c in catalog.contracts.values()}}
    # every input read (and its problems reported) before the solver starts
    d = gather(requirements=lambda: read_requirements(requirements, tz=tz),
               agents=agents_path and (lambda: read_agents(agents_path, catalog)),
               previous=previous_path and (lambda: read_roster(previous_path, tz=tz, contracts=names)))
    res = build_roster(requirements, catalog, weeks, d["agents"], solver=solver, time_limit_s=time_limit_s,
                       work_limit_s=work_limit_s, tz=tz, target_s=target_s, previous_roster=previous_path,
                       absence_rate=absence_rate)
    paths = write_roster(res, outdir)
    s = res.summary
    click.echo(f"status {s['status']} ({s['solver']}), objective {s['objective']:.1f}, LP bound {s['lp_bound']:.1f}, "
               f"best bound {s['best_bound']:.1f}, gap {100 * s['gap']:.2f}% (to the best bound); work {s['work_s']:.1f} of {s['work_limit_s']:.1f} reference s"
               + ("" if s["repeatable"] else " (cut by the wall-clock limit: a rerun may differ)"))
    ah = s["agent_hours"]
    click.echo(f"agent-hours: required {ah['required']:.1f}, on the phones {ah['scheduled_on_phones']:.1f}, paid {ah['paid']:.1f}")
    if s["carry_in"]["previous_shifts"]:
        ci = s["carry_in"]
        click.echo(f"previous roster: {ci['previous_shifts']} shifts, {ci['on_phone_agent_hours']:.1f} agent-hours on the phones "
                   f"in this horizon, {ci['agents_continued']} agents continued")
    sf = s["shortfall"]
    click.echo(f"short: {sf['intervals_short']} intervals, {sf['agent_hours_short']:.1f} agent-hours; "
               f"rule violations: {s['rule_violations']}; unplaced agents: {len(s['unplaced_agents'])}; "
               f"unfilled shifts: {len(s['unfilled_shifts'])}; shifts moved from the model's start: {len(s['retimed_shifts'])}; "
               f"shifts lengthened to meet minimum minutes: {len(s['stretched_shifts'])}")
    for k, v in paths.items():
        click.echo(f"wrote {k}: {v}")
