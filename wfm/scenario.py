"""Scenario files: everything a plan depends on, in one readable TOML file.

A scenario is a frozen :class:`Scenario` made of one small dataclass per
section; its defaults are written here and nowhere else. Files are validated
completely by the schema in :mod:`wfm.scenario_schema` (the idiom of
:mod:`wfm.config`): every unknown key (with a hint for near misses), wrong
type or out-of-range value is reported at once as ``file: section.key:
problem (expected ...)``. :func:`scenario_json_schema` gives the schema as
JSON Schema, for forms and editors. :func:`check_scenario` then reads the
files a scenario names (history, shift catalogue, agents, previous roster)
and checks the scenario against them, so that every problem is found before
a plan's first step.

A scenario may inherit from another and change a few keys::

    [scenario]
    name = "double11"
    inherits = "baseline.toml"      # relative to this file

    [overrides]
    volume_factor = 1.15

Tables are merged key by key (the child wins); paths in a file are relative
to that file; ``false`` switches a target off (TOML has no null).

Sections and defaults (the defaults are the built-in baseline, equal to
``scenarios/baseline.toml``):

=============  ===============================================================
[scenario]     name, description, inherits
[data]         history ("sample" or an interval-table file), time_zone,
               interval_min, sample_seed, sample_start, sample_days
[forecast]     model ("auto": chosen per queue by backtest), horizon_weeks,
               horizon_start (default: the day after the history),
               backtest_origins, training_weeks, holidays_country,
               events ("MM-DD" = uplift, e.g. "11-11" = 2.5)
[service]      model (erlang-c | erlang-a), service_level, target_s,
               max_asa_s, max_abandon, max_occupancy, patience_s, shrinkage,
               min_agents
[roster]       enabled (false: stop after staffing, for quick what-ifs),
               catalog ("bundled" or a TOML file), agents (CSV, optional),
               previous_roster (the last roster.csv, optional: its night
               shifts cover the first hours, rest and runs continue),
               weeks (default: forecast.horizon_weeks), headcount
               (contract = max agents), contract_mix (contract = minimum
               share of the agents), absence_shrinkage (unplanned absence
               the roster covers on top; breaks and meals it places itself),
               solver (highs | cbc), time_limit_s (hard wall-clock limit of
               each solve), work_limit_s (deterministic work budget in
               reference seconds; default 0.5 x time_limit_s), gap_rel (stop
               when proven within this share of the optimum)
[pay]          base_monthly (CNY)
[overrides]    volume_factor, aht_delta_s, dates ("YYYY-MM-DD" = volume factor)
=============  ===============================================================
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

from wfm import DEFAULT_TZ
from wfm.errors import InputError, Problem
from wfm.staffing import ServiceTargets


@dataclass(frozen=True)
class DataSection:
    history: str = "sample"
    time_zone: str = DEFAULT_TZ
    interval_min: int | None = None
    sample_seed: int = 20251111
    sample_start: str = "2025-06-02"
    sample_days: int = 147


@dataclass(frozen=True)
class ForecastSection:
    model: str = "auto"
    horizon_weeks: int = 4
    horizon_start: str | None = None
    backtest_origins: int = 4
    training_weeks: int = 16
    holidays_country: str = "CN"
    # Double-11 and its ramp (DOMAIN.md section 4 names it as the peak event).
    events: dict = field(default_factory=lambda: {
        "11-09": 1.3, "11-10": 1.6, "11-11": 2.5, "11-12": 1.8, "11-13": 1.3})


@dataclass(frozen=True)
class ServiceSection:
    model: str = "erlang-a"
    service_level: float | None = 0.8
    target_s: float = 20.0
    max_asa_s: float | None = 20.0
    max_abandon: float | None = 0.05
    max_occupancy: float | None = None
    patience_s: float | None = 120.0
    shrinkage: float = 0.30
    min_agents: int = 1

    def targets(self) -> ServiceTargets:
        return ServiceTargets(
            service_level=self.service_level, target_s=self.target_s,
            max_asa_s=self.max_asa_s,
            max_abandon=self.max_abandon if self.model == "erlang-a" else None,
            max_occupancy=self.max_occupancy,
        )


@dataclass(frozen=True)
class RosterSection:
    enabled: bool = True
    catalog: str = "bundled"
    agents: str | None = None
    previous_roster: str | None = None
    weeks: int | None = None
    headcount: dict = field(default_factory=dict)
    contract_mix: dict = field(default_factory=dict)
    # Breaks and meals are placed by the roster itself; what the roster must
    # still cover on top is unplanned absence (sickness, leave, lateness).
    absence_shrinkage: float = 0.10
    solver: str = "highs"
    time_limit_s: float = 30.0
    # The roster search stops on a deterministic work budget, so the same
    # scenario gives the same roster; the wall-clock limit is a safety net
    # (summary.json says when it cut the search).
    work_limit_s: float | None = None
    # Stop when the roster is proven within this share of the optimum.
    gap_rel: float = 0.01


@dataclass(frozen=True)
class PaySection:
    base_monthly: float = 2800.0


@dataclass(frozen=True)
class OverridesSection:
    volume_factor: float = 1.0
    aht_delta_s: float = 0.0
    dates: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Scenario:
    """A complete, validated planning scenario."""

    name: str = "baseline"
    description: str = ""
    source: str | None = None  # the file it was read from
    data: DataSection = field(default_factory=DataSection)
    forecast: ForecastSection = field(default_factory=ForecastSection)
    service: ServiceSection = field(default_factory=ServiceSection)
    roster: RosterSection = field(default_factory=RosterSection)
    pay: PaySection = field(default_factory=PaySection)
    overrides: OverridesSection = field(default_factory=OverridesSection)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


_PATH_KEYS = {("data", "history"), ("roster", "catalog"), ("roster", "agents"), ("roster", "previous_roster")}
_SPECIAL_PATHS = {"sample", "bundled"}


# ------------------------------------------------------------------ loading
def _merge(base: dict, child: dict) -> dict:
    out = dict(base)
    for k, v in child.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _merge(out[k], v)
        else:
            out[k] = v
    return out


def _resolve_paths(raw: dict, folder: Path) -> dict:
    """Make the file paths of one scenario file absolute, relative to its folder."""
    out = {k: (dict(v) if isinstance(v, dict) else v) for k, v in raw.items()}
    for section, key in _PATH_KEYS:
        v = out.get(section, {}).get(key) if isinstance(out.get(section), dict) else None
        if isinstance(v, str) and v not in _SPECIAL_PATHS and not Path(v).is_absolute():
            out[section][key] = str((folder / v).resolve())
    return out


def _raw_with_parents(path: Path, seen: tuple[Path, ...]) -> dict:
    path = path.resolve()
    if path in seen:
        chain = " -> ".join(p.name for p in (*seen, path))
        raise InputError(Problem(str(path), None, "scenario.inherits",
                                 f"inheritance loops: {chain}"))
    from wfm.config import read_toml  # pydantic's side of wfm: only when a file is read

    raw = _resolve_paths(read_toml(path, "scenario file"), path.parent)
    head = raw.get("scenario", {})
    parent = head.get("inherits") if isinstance(head, dict) else None
    if parent is None:
        return raw
    if not isinstance(parent, str):
        raise InputError(Problem(str(path), None, "scenario.inherits", "not a file name",
                                 "a scenario file path, relative to this file"))
    parent_path = path.parent / parent
    if not parent_path.exists():
        raise InputError(Problem(str(path), None, "scenario.inherits",
                                 f"parent scenario {parent!r} not found",
                                 "a scenario file path, relative to this file"))
    base = _raw_with_parents(parent_path, (*seen, path))
    base.pop("scenario", None)  # name and description are not inherited
    return _merge(base, raw)


def load_scenario(path: str | Path) -> Scenario:
    """Read, merge (``inherits``) and validate a scenario file."""
    path = Path(path)
    raw = _raw_with_parents(path, ())
    return scenario_from_dict(raw, source=str(path), default_name=path.stem)


def scenario_from_dict(raw: dict, *, source: str = "<scenario>",
                       default_name: str = "scenario") -> Scenario:
    """Validate a scenario given as nested dicts (as TOML reads it; paths as given).

    Every problem is reported at once, as ``source: section.key: problem
    (expected ...)`` (:func:`wfm.config.validate_config`).
    """
    from wfm.config import validate_config
    from wfm.scenario_schema import ScenarioFile

    return validate_config(ScenarioFile, raw, source).to_scenario(source, default_name)


def scenario_problems(scenario: Scenario) -> list[Problem]:
    """Every problem of ``scenario`` that the files it names reveal, before
    any step runs: the history file (its own rows), the shift catalogue (its own file and keys), head counts
    and contract shares of contracts it lacks, a head count that leaves no
    agent, the agents file and previous roster read against the catalogue
    (their own rows), and a ``forecast.horizon_start`` that is not after the
    history. Problems of the scenario's own keys name ``section.key``; its
    file's shape was checked when it was loaded (:func:`load_scenario`).
    """
    import datetime as dt

    source = scenario.source or scenario.name
    problems: list[Problem] = []

    def collect(fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except InputError as exc:
            problems.extend(exc.problems)
            return None

    # a scenario built in code (or changed after loading) meets the file's schema too
    raw = scenario.to_dict()
    raw["scenario"] = {"name": raw.pop("name"), "description": raw.pop("description")}
    raw.pop("source")
    if collect(scenario_from_dict, raw, source=source) is None:
        return problems

    data, fc, r = scenario.data, scenario.forecast, scenario.roster
    tz = data.time_zone
    history_end = None
    if data.history == "sample":
        history_end = (dt.date.fromisoformat(data.sample_start)
                       + dt.timedelta(days=data.sample_days - 1))
    else:  # read here too, so that its problems come with every other before the plan starts
        from wfm.intervals import read_intervals

        history = collect(read_intervals, data.history, tz=tz, interval_min=data.interval_min)
        if history is not None:
            history_end = history["interval_start"].dt.tz_convert(tz).max().date()
    start = dt.date.fromisoformat(fc.horizon_start) if fc.horizon_start else (
        None if history_end is None else history_end + dt.timedelta(days=1))
    if fc.horizon_start and history_end is not None and start <= history_end:
        problems.append(Problem(source, None, "forecast.horizon_start",
                                f"{start} is not after the last day of the history ({history_end})",
                                f"a first planned day from {history_end + dt.timedelta(days=1)} on, "
                                "or false (the day after the history)"))
    if r.enabled:
        problems += _roster_problems(scenario, source, start, collect)
    return problems


def _roster_problems(scenario: Scenario, source: str, start, collect) -> list[Problem]:
    """The ``[roster]`` section against the files it names (:func:`scenario_problems`)."""
    from wfm.errors import did_you_mean
    from wfm.roster.catalog import default_catalog_path, load_catalog

    r = scenario.roster
    problems: list[Problem] = []
    catalog = collect(load_catalog, default_catalog_path() if r.catalog == "bundled" else r.catalog)
    if catalog is None:
        return problems
    names = {**{k: k for k in catalog.contracts}, **{c.name: k for k, c in catalog.contracts.items()}}
    listed = ", ".join(f"{k} ({c.name})" for k, c in catalog.contracts.items())
    for key in ("headcount", "contract_mix"):
        for name in getattr(r, key):
            if name not in names:
                problems.append(Problem(source, None, f"roster.{key}.{name}",
                                        f"unknown contract{did_you_mean(name, list(names))}", listed))
    caps = {k: c.max_headcount for k, c in catalog.contracts.items()}
    for name, most in r.headcount.items():
        if name in names:
            caps[names[name]] = most
    if not r.agents and caps and all(c == 0 for c in caps.values()):
        problems.append(Problem(source, None, "roster.headcount",
                                "every contract is capped at 0 agents: nobody can be rostered",
                                "a head count above 0 for at least one contract"))
    for name, share in r.contract_mix.items():
        if name in names and share > 0 and caps.get(names[name]) == 0:
            problems.append(Problem(source, None, f"roster.contract_mix.{name}",
                                    f"a share of {share:g} of a contract capped at 0 agents",
                                    "0, or a head count above 0"))
    if r.agents:
        from wfm.roster.agents import read_agents

        collect(read_agents, r.agents, catalog)
    if r.previous_roster:
        from wfm.roster.table import read_roster

        prev = collect(read_roster, r.previous_roster, tz=scenario.data.time_zone,
                       contracts={**{k: k for k in catalog.contracts},
                                  **{c.name: c.name for c in catalog.contracts.values()}})
        if prev is not None and start is not None and len(prev.shifts):
            import pandas as pd

            first = pd.Timestamp(start).tz_localize(scenario.data.time_zone, nonexistent="shift_forward",
                                                    ambiguous=True)
            late = int((prev.shifts["shift_start"] >= first).sum())
            if late:
                problems.append(Problem(source, None, "roster.previous_roster",
                                        f"{late} shift(s) of {r.previous_roster} start on or after the "
                                        f"plan's first day {start}",
                                        "the roster of the period before the plan"))
    return problems


def check_scenario(scenario: Scenario) -> Scenario:
    """``scenario`` when :func:`scenario_problems` finds nothing; else an
    :class:`InputError` listing every problem. Run before the plan's first step."""
    problems = scenario_problems(scenario)
    if problems:
        raise InputError(problems)
    return scenario


def scenario_json_schema() -> dict:
    """The JSON schema of a scenario file (every key, its type, range, default and
    meaning), for forms and editors; ``false`` is how a file switches a target off."""
    from wfm.scenario_schema import scenario_json_schema as schema

    return schema()


def apply_overrides(intervals, overrides: OverridesSection):
    """What-if changes to an interval table (a copy; the input is not modified).

    ``offered x volume_factor x dates[local date]`` and ``aht_s + aht_delta_s``
    (never below 1 s). Forecast bounds (``offered_lower``/``offered_upper``)
    scale with the volume.
    """
    import numpy as np

    out = intervals.copy()
    factor = np.full(len(out), overrides.volume_factor)
    if overrides.dates:
        day = out["interval_start"].dt.strftime("%Y-%m-%d")
        factor = factor * day.map(overrides.dates).fillna(1.0).to_numpy(dtype=float)
    for col in ("offered", "offered_lower", "offered_upper"):
        if col in out.columns:
            out[col] = out[col].astype(float) * factor
    if overrides.aht_delta_s and "aht_s" in out.columns:
        out["aht_s"] = np.maximum(out["aht_s"].astype(float) + overrides.aht_delta_s, 1.0)
    return out
