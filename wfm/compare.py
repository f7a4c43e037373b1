"""Run several scenarios and compare their headline figures side by side.

Each scenario runs its whole plan (into ``OUT/<scenario name>/``) in its own
process; the comparison is a table with one row per headline figure, one
column per scenario, and beside each later scenario its difference from the
first (absolute, and relative where that means something).
"""

from __future__ import annotations

import os
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pandas as pd

from wfm.errors import InputError, Problem, argument_problem
from wfm.scenario import Scenario, load_scenario

#: Headline figures and how to read them (unit, direction that is better).
FIGURES: dict[str, tuple[str, str]] = {
    "simulated_service_level": ("fraction", "higher"),
    "simulated_service_level_lo": ("fraction", "higher"),
    "simulated_service_level_hi": ("fraction", "higher"),
    "simulated_asa_s": ("seconds", "lower"),
    "simulated_abandon_rate": ("fraction", "lower"),
    "simulated_occupancy": ("fraction", ""),
    "meets_targets": ("yes/no", "higher"),
    "days_missing_targets": ("days", "lower"),
    "offered_contacts": ("contacts", ""),
    "required_agent_hours": ("agent-hours", "lower"),
    "scheduled_agent_hours": ("agent-hours", "lower"),
    "peak_scheduled_agents": ("agents", "lower"),
    "planned_service_level": ("fraction", "higher"),
    "planned_asa_s": ("seconds", "lower"),
    "planned_abandon_rate": ("fraction", "lower"),
    "planned_occupancy": ("fraction", ""),
    "forecast_interval_accuracy": ("fraction", "higher"),
    "forecast_day_accuracy": ("fraction", "higher"),
    "agents_total": ("agents", "lower"),
    "agents_5-on-2": ("agents", ""),
    "agents_1-on-1": ("agents", ""),
    "paid_hours": ("hours", "lower"),
    "cost_cny": ("CNY", "lower"),
    "rostered_service_level": ("fraction", "higher"),
    "rostered_asa_s": ("seconds", "lower"),
    "rostered_abandon_rate": ("fraction", "lower"),
    "understaffed_intervals": ("intervals", "lower"),
    "schedule_accuracy": ("fraction", "higher"),
    "roster_gap_to_bound": ("fraction", "lower"),
}


def _run_one(args) -> dict:
    scenario, out_root = args
    from wfm.io import inside
    from wfm.plan import Plan

    t0 = time.perf_counter()
    inside(out_root, scenario.name)
    result = Plan(scenario).run(Path(out_root) / scenario.name)
    summary = dict(result.summary)
    summary["wall_s"] = time.perf_counter() - t0
    return summary


def run_scenarios(scenarios: list[Scenario], out_root: str | Path = "wfm-out",
                  processes: int | None = None) -> list[dict]:
    """Plan every scenario (in parallel processes when ``processes`` > 1); summaries in order.

    ``processes``: at most this many plans at once (default: one per
    scenario, at most the CPU count). Every scenario is checked first
    (distinct names, folders inside ``out_root``,
    :func:`wfm.scenario.scenario_problems`), all problems reported together.
    """
    if processes is not None and (isinstance(processes, bool) or int(processes) != processes
                                  or processes < 1):
        raise InputError(argument_problem("processes", f"{processes!r} processes",
                                          "a whole number >= 1"))
    from wfm.io import inside
    from wfm.scenario import scenario_problems

    names = [s.name for s in scenarios]
    dupes = sorted({n for n in names if names.count(n) > 1})
    problems = [Problem(s.source or s.name, None, "scenario.name",
                        f"name {s.name!r} is used by more than one scenario",
                        "distinct names: each plan gets the folder of its name")
                for s in scenarios if s.name in dupes]
    for s in scenarios:
        try:
            inside(out_root, s.name)
        except InputError as exc:
            problems += exc.problems
        problems += [p for p in scenario_problems(s) if p not in problems]
    if problems:
        raise InputError(problems)
    processes = processes or min(len(scenarios), os.cpu_count() or 1)
    jobs = [(s, str(out_root)) for s in scenarios]
    if processes <= 1 or len(jobs) == 1:
        return [_run_one(j) for j in jobs]
    with ProcessPoolExecutor(max_workers=processes) as pool:
        return list(pool.map(_run_one, jobs))


def comparison_table(summaries: list[dict]) -> pd.DataFrame:
    """Rows: headline figures; columns: each scenario, then `<name> - <first>` differences.

    Differences are later minus first; ``<name> vs <first> %`` is the relative
    change where the first value is non-zero.
    """
    base = summaries[0]

    def num(v):  # yes/no figures as 1/0, so every column stays numeric
        return float(v) if isinstance(v, bool) else v

    keys = [k for k in FIGURES if any(k in s.get("headline", {}) for s in summaries)]
    extra = sorted({k for s in summaries for k in s.get("headline", {}) if k not in FIGURES})
    rows = []
    for key in keys + extra:
        unit, better = FIGURES.get(key, ("", ""))
        row = {"figure": key, "unit": unit, "better": better}
        for s in summaries:
            row[s["scenario"]] = num(s.get("headline", {}).get(key))
        b = num(base.get("headline", {}).get(key))
        for s in summaries[1:]:
            v = num(s.get("headline", {}).get(key))
            diff = None if v is None or b is None else v - b
            row[f"{s['scenario']} - {base['scenario']}"] = diff
            row[f"{s['scenario']} vs {base['scenario']} %"] = (
                None if diff is None or not b else 100.0 * diff / b)
        rows.append(row)
    return pd.DataFrame(rows)


def compare(paths: list[str | Path], out_root: str | Path = "wfm-out",
            processes: int | None = None) -> tuple[pd.DataFrame, list[dict]]:
    """Load, run and compare scenario files; returns (table, summaries).

    Every file is loaded and checked before any plan runs: the problems of
    all of them are reported together."""
    scenarios, problems = [], []
    for p in paths:
        try:
            scenarios.append(load_scenario(p))
        except InputError as exc:
            problems += exc.problems
    if problems:
        raise InputError(problems)
    summaries = run_scenarios(scenarios, out_root, processes)
    return comparison_table(summaries), summaries


def format_table(table: pd.DataFrame, names: list[str]) -> str:
    """The comparison as aligned text: fractions as %, the rest with thousands separators."""
    def fmt(value, unit, diff=False):
        if value is None or pd.isna(value):
            return "-"
        sign = "+" if diff and value > 0 else ""
        if unit == "fraction":
            return f"{sign}{100 * value:.2f}{' pt' if diff else ' %'}"
        if abs(value) >= 100 or float(value).is_integer():
            return f"{sign}{value:,.0f}"
        return f"{sign}{value:,.2f}"

    header = ["figure", "unit", *names, *[f"{n} vs {names[0]}" for n in names[1:]]]
    lines = []
    for _, row in table.iterrows():
        cells = [row["figure"], row["unit"]]
        cells += [fmt(row[n], row["unit"]) for n in names]
        cells += [fmt(row[f"{n} - {names[0]}"], row["unit"], diff=True) for n in names[1:]]
        lines.append(cells)
    widths = [max(len(str(c)) for c in col) for col in zip(header, *lines, strict=True)]
    out = ["  ".join(h.ljust(w) if i < 2 else h.rjust(w)
                     for i, (h, w) in enumerate(zip(header, widths, strict=True)))]
    for cells in lines:
        out.append("  ".join(str(c).ljust(w) if i < 2 else str(c).rjust(w)
                             for i, (c, w) in enumerate(zip(cells, widths, strict=True))))
    return "\n".join(out)
