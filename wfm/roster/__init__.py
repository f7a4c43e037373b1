"""Rostering: multi-week tour scheduling with breaks and named agents.

Public API:

* :func:`build_roster` -> :class:`RosterResult` (the CLI ``wfm roster``);
* :func:`load_catalog` / :func:`parse_catalog` (shift and contract catalogue);
* :func:`read_requirements`, :func:`read_agents`;
* :func:`check_roster` (independent rule checker);
* :func:`coverage_from_roster`, :func:`judge_coverage`, :func:`schedule_accuracy`;
* :func:`write_roster` (roster.csv, coverage.csv, agents.csv, summary.json).
"""

from wfm.roster.agents import Agent, read_agents
from wfm.roster.build import RosterResult, build_roster
from wfm.roster.catalog import Catalog, load_catalog, parse_catalog
from wfm.roster.check import check_roster
from wfm.roster.coverage import coverage_from_roster, judge_coverage, schedule_accuracy
from wfm.roster.demand import build_horizon, read_requirements


def write_roster(result: RosterResult, outdir) -> dict:
    """Write roster.csv, coverage.csv, agents.csv, violations.csv and
    summary.json into ``outdir`` (atomically); returns the paths."""
    from pathlib import Path

    from wfm.io import write_csv, write_json

    out = Path(outdir)
    paths = {
        "roster": write_csv(result.roster, out / "roster.csv"),
        "coverage": write_csv(result.coverage, out / "coverage.csv"),
        "agents": write_csv(result.agents, out / "agents.csv"),
        "violations": write_csv(result.violations, out / "violations.csv"),
        "summary": write_json(result.summary, out / "summary.json"),
    }
    return {k: str(v) for k, v in paths.items()}


__all__ = [
    "Agent", "Catalog", "RosterResult", "build_horizon", "build_roster", "check_roster", "coverage_from_roster",
    "judge_coverage", "load_catalog", "parse_catalog", "read_agents", "read_requirements", "schedule_accuracy",
    "write_roster",
]
