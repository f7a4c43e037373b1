"""Rostering: multi-week tour scheduling with breaks and named agents.

Public API:

* :func:`build_roster` -> :class:`RosterResult` (the CLI ``wfm roster``);
* :class:`Roster` (the one roster table type), :func:`read_roster`;
* :func:`load_catalog` / :func:`parse_catalog` (shift and contract catalogue);
* :func:`read_requirements`, :func:`read_agents`;
* :func:`check_roster` (independent rule checker);
* :func:`coverage_from_roster`, :func:`judge_coverage`, :func:`schedule_accuracy`;
* :func:`write_roster` (roster.csv, coverage.csv, agents.csv, violations.csv, summary.json).

Names are imported on first use, so that reading a roster
(``wfm.roster.table``) does not load the solver and PuLP.
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "Agent": "wfm.roster.agents", "read_agents": "wfm.roster.agents",
    "RosterResult": "wfm.roster.build", "build_roster": "wfm.roster.build",
    "Catalog": "wfm.roster.catalog", "load_catalog": "wfm.roster.catalog", "parse_catalog": "wfm.roster.catalog",
    "check_roster": "wfm.roster.check",
    "coverage_from_roster": "wfm.roster.coverage", "judge_coverage": "wfm.roster.coverage",
    "schedule_accuracy": "wfm.roster.coverage",
    "build_horizon": "wfm.roster.demand", "read_requirements": "wfm.roster.demand",
    "Roster": "wfm.roster.table", "read_roster": "wfm.roster.table",
}


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'wfm.roster' has no attribute {name!r}")


def write_roster(result, outdir) -> dict:
    """Write roster.csv, coverage.csv, agents.csv, violations.csv and
    summary.json into ``outdir`` (atomically); returns the paths."""
    from pathlib import Path

    from wfm.io import iso_timestamps, write_csv, write_json

    out = Path(outdir)
    paths = {
        "roster": write_csv(result.roster.file_table(), out / "roster.csv"),
        "coverage": write_csv(iso_timestamps(result.coverage), out / "coverage.csv"),
        "agents": write_csv(result.agents, out / "agents.csv"),
        "violations": write_csv(result.violations, out / "violations.csv"),
        "summary": write_json(result.summary, out / "summary.json"),
    }
    return {k: str(v) for k, v in paths.items()}


__all__ = sorted([*_EXPORTS, "write_roster"])
