"""Scenario files: everything a plan depends on, in one readable TOML file.

A scenario is a frozen :class:`Scenario` made of one small dataclass per
section. Files are read with :mod:`tomllib` and validated completely: every
unknown key (with a hint for near misses), wrong type or out-of-range value is
reported at once as ``file: section.key: problem (expected ...)``.

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
import datetime as dt
import difflib
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from wfm import DEFAULT_TZ
from wfm.errors import InputError, Problem
from wfm.staffing import ServiceTargets

_OFF = None  # what `false` means for an optional target


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
    # Double-11 and its ramp (domain.md section 4 names it as the peak event).
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


_SECTIONS = {
    "data": DataSection,
    "forecast": ForecastSection,
    "service": ServiceSection,
    "roster": RosterSection,
    "pay": PaySection,
    "overrides": OverridesSection,
}
_PATH_KEYS = {("data", "history"), ("roster", "catalog"), ("roster", "agents"), ("roster", "previous_roster")}
_SPECIAL_PATHS = {"sample", "bundled"}


# ------------------------------------------------------------------- checks
def _num(lo=None, hi=None, lo_open=False, hi_open=False, integer=False, optional=False):
    def check(v):
        if v is False and optional:
            return _OFF, None
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            return None, ("a whole number" if integer else "a number") + (" or false" if optional else "")
        if integer and not float(v).is_integer():
            return None, "a whole number"
        if lo is not None and (v < lo or (lo_open and v == lo)):
            return None, f"a number {'>' if lo_open else '>='} {lo}" + (f" and {'<' if hi_open else '<='} {hi}" if hi is not None else "")
        if hi is not None and (v > hi or (hi_open and v == hi)):
            return None, f"a number {'<' if hi_open else '<='} {hi}" + (f" and {'>' if lo_open else '>='} {lo}" if lo is not None else "")
        return (int(v) if integer else float(v)), None
    return check


def _text(choices=None, optional=False):
    def check(v):
        if v is False and optional:
            return _OFF, None
        if not isinstance(v, str) or not v.strip():
            return None, "a text value" if choices is None else "one of " + ", ".join(choices)
        if choices is not None and v not in choices:
            return None, "one of " + ", ".join(choices)
        return v, None
    return check


def _date(optional=False):
    def check(v):
        if v is False and optional:
            return _OFF, None
        if isinstance(v, dt.date) and not isinstance(v, dt.datetime):
            return v.isoformat(), None
        if isinstance(v, str):
            try:
                return dt.date.fromisoformat(v).isoformat(), None
            except ValueError:
                pass
        return None, "a date YYYY-MM-DD"
    return check


def _table(key_check, value_check, what):
    def check(v):
        if not isinstance(v, dict):
            return None, f"a table of {what}"
        out = {}
        for k, x in v.items():
            k2 = key_check(k)
            x2, bad = value_check(x)
            if k2 is None or bad:
                return None, f"a table of {what} (problem at {k!r})"
            out[k2] = x2
        return out, None
    return check


def _month_day(k):
    try:
        dt.date.fromisoformat(f"2024-{k}")  # leap year: 02-29 is a valid event day
        return k
    except (TypeError, ValueError):
        return None


def _iso_day(k):
    try:
        return dt.date.fromisoformat(str(k)).isoformat()
    except ValueError:
        return None


_CHECKS: dict[tuple[str, str], Any] = {
    ("data", "history"): _text(),
    ("data", "time_zone"): _text(),
    ("data", "interval_min"): _num(lo=1, integer=True, optional=True),
    ("data", "sample_seed"): _num(lo=0, integer=True),
    ("data", "sample_start"): _date(),
    ("data", "sample_days"): _num(lo=28, integer=True),
    ("forecast", "model"): _text(),
    ("forecast", "horizon_weeks"): _num(lo=1, hi=6, integer=True),
    ("forecast", "horizon_start"): _date(optional=True),
    ("forecast", "backtest_origins"): _num(lo=1, hi=52, integer=True),
    ("forecast", "training_weeks"): _num(lo=2, integer=True),
    ("forecast", "holidays_country"): _text(optional=True),
    ("forecast", "events"): _table(_month_day, _num(lo=0, lo_open=True), '"MM-DD" = uplift'),
    ("service", "model"): _text(("erlang-c", "erlang-a")),
    ("service", "service_level"): _num(lo=0, hi=1, hi_open=True, optional=True),
    ("service", "target_s"): _num(lo=0),
    ("service", "max_asa_s"): _num(lo=0, lo_open=True, optional=True),
    ("service", "max_abandon"): _num(lo=0, hi=1, lo_open=True, optional=True),
    ("service", "max_occupancy"): _num(lo=0, hi=1, lo_open=True, optional=True),
    ("service", "patience_s"): _num(lo=0, lo_open=True, optional=True),
    ("service", "shrinkage"): _num(lo=0, hi=1, hi_open=True),
    ("service", "min_agents"): _num(lo=0, integer=True),
    ("roster", "enabled"): lambda v: (v, None) if isinstance(v, bool) else (None, "true or false"),
    ("roster", "catalog"): _text(),
    ("roster", "agents"): _text(optional=True),
    ("roster", "previous_roster"): _text(optional=True),
    ("roster", "weeks"): _num(lo=1, hi=6, integer=True, optional=True),
    ("roster", "headcount"): _table(lambda k: k, _num(lo=0, integer=True), "contract = max agents"),
    ("roster", "contract_mix"): _table(lambda k: k, _num(lo=0, hi=1),
                                        "contract = minimum share of the agents (0..1)"),
    ("roster", "absence_shrinkage"): _num(lo=0, hi=1, hi_open=True),
    ("roster", "solver"): _text(("highs", "cbc")),
    ("roster", "time_limit_s"): _num(lo=1),
    ("roster", "work_limit_s"): _num(lo=0),
    ("roster", "gap_rel"): _num(lo=0, hi=1),
    ("pay", "base_monthly"): _num(lo=0, lo_open=True),
    ("overrides", "volume_factor"): _num(lo=0),
    ("overrides", "aht_delta_s"): _num(),
    ("overrides", "dates"): _table(_iso_day, _num(lo=0), '"YYYY-MM-DD" = volume factor'),
}


def _hint(name: str, options) -> str:
    close = difflib.get_close_matches(name.lower(), list(options), n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


# ------------------------------------------------------------------ loading
def _read_toml(path: Path) -> dict:
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise InputError(Problem(str(path), None, None, "no such scenario file")) from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(Problem(str(path), None, None, f"not valid TOML: {exc}")) from None


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
    raw = _resolve_paths(_read_toml(path), path.parent)
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
    """Validate a scenario given as nested dicts (as TOML reads it)."""
    problems: list[Problem] = []

    def bad(key, problem, expected=None):
        problems.append(Problem(source, None, key, problem, expected))

    allowed = {"scenario", *_SECTIONS}
    for section in raw:
        if section not in allowed:
            bad(section, f"unknown section [{section}]{_hint(section, allowed)}",
                "one of " + ", ".join(f"[{s}]" for s in sorted(allowed)))
    head = raw.get("scenario", {})
    name, description = default_name, ""
    if isinstance(head, dict):
        for k, v in head.items():
            if k == "name":
                if isinstance(v, str) and v.strip() and "/" not in v and "\\" not in v:
                    name = v.strip()
                else:
                    bad("scenario.name", "not a usable name", "text without slashes")
            elif k == "description":
                description = str(v)
            elif k != "inherits":
                bad(f"scenario.{k}", f"unknown key{_hint(k, ['name', 'description', 'inherits'])}",
                    "name, description or inherits")

    sections = {}
    for section, cls in _SECTIONS.items():
        given = raw.get(section, {})
        if not isinstance(given, dict):
            bad(section, "is not a table", f"a [{section}] table")
            continue
        names = [f.name for f in fields(cls)]
        values = {}
        for k, v in given.items():
            if k not in names:
                bad(f"{section}.{k}", f"unknown key{_hint(k, names)}",
                    "one of " + ", ".join(names))
                continue
            value, expected = _CHECKS[(section, k)](v)
            if expected:
                bad(f"{section}.{k}", f"invalid value {v!r}", expected)
            else:
                values[k] = value
        sections[section] = cls(**values)

    if not problems:
        from wfm.forecast import MODELS

        if sections["forecast"].model not in ("auto", *MODELS):
            bad("forecast.model", f"unknown model {sections['forecast'].model!r}"
                f"{_hint(sections['forecast'].model, MODELS)}", "auto or one of " + ", ".join(MODELS))
        svc = sections["service"]
        if svc.model == "erlang-a" and svc.patience_s is None:
            bad("service.patience_s", "Erlang A needs the callers' mean patience",
                "a number of seconds > 0")
        if svc.model == "erlang-c" and "max_abandon" in raw.get("service", {}) \
                and svc.max_abandon is not None:
            bad("service.max_abandon", "Erlang C has no abandonment",
                'model = "erlang-a" or max_abandon = false')
        for section, key in _PATH_KEYS:
            v = getattr(sections[section], key)
            if v is not None and v not in _SPECIAL_PATHS and not Path(v).exists():
                bad(f"{section}.{key}", f"file not found: {v}", "an existing file")
        try:
            import zoneinfo

            zoneinfo.ZoneInfo(sections["data"].time_zone)
        except Exception:
            bad("data.time_zone", f"unknown time zone {sections['data'].time_zone!r}",
                "an IANA name such as Asia/Shanghai")
    if problems:
        raise InputError(problems)
    return Scenario(name=name, description=description, source=source, **sections)


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
