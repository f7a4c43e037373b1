"""The scenario file's schema: one pydantic model per ``[section]`` (see :mod:`wfm.config`).

The models validate a merged scenario (inheritance and relative paths are
resolved by :mod:`wfm.scenario` first) and build the frozen
:class:`wfm.scenario.Scenario`. Defaults are read from its dataclasses, so a
key missing from the file and a key missing from the model mean the same.
The descriptions are the keys' documentation in the JSON schema
(:func:`wfm.scenario.scenario_json_schema`), from which a form can be drawn.
"""

from __future__ import annotations

import zoneinfo
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, field_validator, model_validator

from wfm import DEFAULT_TZ
from wfm.config import (
    ConfigModel,
    IsoDate,
    MonthDay,
    Number,
    Switchable,
    Text,
    Whole,
    broken,
    default_of,
    hint,
    invalid,
)
from wfm.scenario import (
    DataSection,
    ForecastSection,
    OverridesSection,
    PaySection,
    RosterSection,
    Scenario,
    ServiceSection,
)

__all__ = ["ScenarioFile", "scenario_json_schema"]


def _nonblank(v: str) -> str:
    if not v.strip():
        raise invalid("empty text", "text")
    if any(ord(c) < 32 or ord(c) == 127 for c in v):
        bad = next(c for c in v if ord(c) < 32 or ord(c) == 127)
        raise invalid(f"holds a control character ({bad!r})", "printable text")
    return v


def _file_or(*special: str):
    """A validator: an existing file (paths are absolute by now), or a special word."""
    def check(v: str) -> str:
        if v not in special and not Path(v).exists():
            raise invalid(f"file not found: {v}",
                          "an existing file" + "".join(f' or "{s}"' for s in special))
        return v
    return check


def _zone(v: str) -> str:
    try:
        zoneinfo.ZoneInfo(v)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise invalid(f"unknown time zone {v!r}", f"an IANA name such as {DEFAULT_TZ}") from None
    return v


Name = Annotated[str, Field(strict=True), AfterValidator(_nonblank)]

#: Upper ends of the ranges: far beyond any real scenario, small enough that
#: every step computes with ordinary numbers.
MAX_WAIT_S = 3600.0  # service threshold, ASA target, AHT change
MAX_PATIENCE_S = 86400.0
MAX_FACTOR = 100.0  # volume factors and event uplifts
MAX_HEADCOUNT = 100_000
#: Interval lengths a plan works in.
PLAN_INTERVAL_MIN = (15, 30, 60)


def _interval_min(v: int) -> int:
    if v not in PLAN_INTERVAL_MIN:
        raise invalid(f"invalid value {v}", "15, 30 or 60 minutes, or false (inferred from the history)")
    return v


def _plausible_date(v: str) -> str:
    if not 1900 <= int(v[:4]) <= 2199:
        raise invalid(f"{v} is outside the years 1900-2199", "a plausible date YYYY-MM-DD")
    return v


def _country(v: str) -> str:
    import holidays  # only when a file names a country

    known = holidays.list_supported_countries()
    code = v.upper()
    if code not in known:
        raise invalid(f"no public-holiday calendar for {v!r}{hint(v, sorted(known))}",
                      "an ISO 3166 country code such as CN, US, GB, or false for none")
    return code


def _usable_name(v: str) -> str:
    from wfm.io import file_name_problem

    problem = file_name_problem(v)
    if problem:
        raise invalid(f"{v!r} is not a usable folder name: {problem}",
                      'a safe folder name: not "." or "..", without / \\ : * ? " < > | or control '
                      "characters, no space at either end")
    return v


class HeadSection(ConfigModel):
    """``[scenario]``: what the plan is called; ``inherits`` is resolved before validation."""

    name: Annotated[str, Field(strict=True), AfterValidator(_usable_name)] | None = Field(
        None, description="Name of the plan and of its output folder (default: the file name).")
    description: Text = Field("", description="One line saying what the scenario changes.")
    inherits: Text | None = Field(
        None, description="Scenario file this one changes, relative to this file.")


class DataModel(ConfigModel):
    history: Annotated[Name, AfterValidator(_file_or("sample"))] = Field(
        **default_of(DataSection, "history"),
        description='"sample" (the bundled history) or an interval table (CSV, Excel, Parquet).')
    time_zone: Annotated[Name, AfterValidator(_zone)] = Field(
        **default_of(DataSection, "time_zone"), description="IANA zone of naive timestamps.")
    interval_min: Switchable(Annotated[Whole, AfterValidator(_interval_min)]) = Field(
        **default_of(DataSection, "interval_min"),
        description="Interval length in minutes, 15, 30 or 60 (false: inferred from the history).")
    sample_seed: Whole = Field(**default_of(DataSection, "sample_seed"), ge=0, le=2**32 - 1,
                               description="Seed of the sample history.")
    sample_start: Annotated[IsoDate, AfterValidator(_plausible_date)] = Field(
        **default_of(DataSection, "sample_start"), description="First day of the sample history.")
    sample_days: Whole = Field(**default_of(DataSection, "sample_days"), ge=28, le=3660,
                               description="Days of sample history.")


class ForecastModel(ConfigModel):
    model: Name = Field(**default_of(ForecastSection, "model"),
                        description='"auto" (chosen per queue by backtest) or a forecast model.')
    horizon_weeks: Whole = Field(**default_of(ForecastSection, "horizon_weeks"), ge=1, le=6,
                                 description="Weeks planned.")
    horizon_start: Switchable(Annotated[IsoDate, AfterValidator(_plausible_date)]) = Field(
        **default_of(ForecastSection, "horizon_start"),
        description="First planned day (false: the day after the history).")
    backtest_origins: Whole = Field(**default_of(ForecastSection, "backtest_origins"), ge=1, le=52,
                                    description="Rolling origins of the model-choosing backtest.")
    training_weeks: Whole = Field(**default_of(ForecastSection, "training_weeks"), ge=2, le=520,
                                  description="Weeks of history each fit uses.")
    holidays_country: Switchable(Annotated[Name, AfterValidator(_country)]) = Field(
        **default_of(ForecastSection, "holidays_country"),
        description="Country whose public holidays move the volume, an ISO 3166 code (false: none).")
    events: dict[MonthDay, Annotated[Number, Field(gt=0, le=MAX_FACTOR)]] = Field(
        **default_of(ForecastSection, "events"),
        description='Volume multipliers on days of the year, "MM-DD" = uplift.')

    @field_validator("model")
    @classmethod
    def _known_model(cls, v: str) -> str:
        from wfm.forecast import MODELS  # the registry; heavy, so only when a file names a model

        if v not in ("auto", *MODELS):
            raise invalid(f"unknown model {v!r}{hint(v, list(MODELS))}",
                          "auto or one of " + ", ".join(MODELS))
        return v


class ServiceModel(ConfigModel):
    model: Literal["erlang-c", "erlang-a"] = Field(
        **default_of(ServiceSection, "model"), description="Queueing model.")
    service_level: Switchable(Number) = Field(
        **default_of(ServiceSection, "service_level"), ge=0, lt=1,
        description="Share of offered contacts answered within target_s (false: no target).")
    target_s: Number = Field(**default_of(ServiceSection, "target_s"), ge=0, le=MAX_WAIT_S,
                             description="Service-level threshold, seconds.")
    max_asa_s: Switchable(Number) = Field(
        **default_of(ServiceSection, "max_asa_s"), gt=0, le=MAX_WAIT_S,
        description="Longest average speed of answer, seconds (false: no limit).")
    max_abandon: Switchable(Number) = Field(
        **default_of(ServiceSection, "max_abandon"), gt=0, le=1,
        description="Largest abandonment rate, Erlang A only (false: no limit).")
    max_occupancy: Switchable(Number) = Field(
        **default_of(ServiceSection, "max_occupancy"), gt=0, le=1,
        description="Largest occupancy (false: no cap).")
    patience_s: Switchable(Number) = Field(
        **default_of(ServiceSection, "patience_s"), gt=0, le=MAX_PATIENCE_S,
        description="Callers' mean patience, seconds (Erlang A).")
    shrinkage: Number = Field(**default_of(ServiceSection, "shrinkage"), ge=0, lt=1,
                              description="Share of paid time off the phones.")
    min_agents: Whole = Field(**default_of(ServiceSection, "min_agents"), ge=0, le=MAX_HEADCOUNT,
                              description="Fewest agents in an interval with volume.")

    @model_validator(mode="after")
    def _model_fits_targets(self):
        problems = []
        if self.model == "erlang-a" and self.patience_s is None:
            problems.append(("patience_s", "Erlang A needs the callers' mean patience",
                             "a number of seconds > 0"))
        if self.model == "erlang-c" and "max_abandon" in self.model_fields_set \
                and self.max_abandon is not None:
            problems.append(("max_abandon", "Erlang C has no abandonment",
                             'model = "erlang-a" or max_abandon = false'))
        if problems:
            raise broken(*problems)
        return self


class RosterModel(ConfigModel):
    enabled: Annotated[bool, Field(strict=True)] = Field(
        **default_of(RosterSection, "enabled"), description="false: stop after staffing.")
    catalog: Annotated[Name, AfterValidator(_file_or("bundled"))] = Field(
        **default_of(RosterSection, "catalog"),
        description='"bundled" (models/shifts.toml) or a shift catalogue (TOML).')
    agents: Switchable(Annotated[Name, AfterValidator(_file_or())]) = Field(
        **default_of(RosterSection, "agents"),
        description="Named agents (CSV; false: the team is sized and named A001, ...).")
    previous_roster: Switchable(Annotated[Name, AfterValidator(_file_or())]) = Field(
        **default_of(RosterSection, "previous_roster"),
        description="The last roster.csv: its shifts cover the first hours, rest and runs continue.")
    weeks: Switchable(Whole) = Field(**default_of(RosterSection, "weeks"), ge=1, le=6,
                                     description="Weeks rostered (false: forecast.horizon_weeks).")
    headcount: dict[str, Annotated[Whole, Field(ge=0, le=MAX_HEADCOUNT)]] = Field(
        **default_of(RosterSection, "headcount"), description="contract = most agents.")
    contract_mix: dict[str, Annotated[Number, Field(ge=0, le=1)]] = Field(
        **default_of(RosterSection, "contract_mix"),
        description="contract = smallest share of the agents (0..1).")
    absence_shrinkage: Number = Field(
        **default_of(RosterSection, "absence_shrinkage"), ge=0, lt=1,
        description="Unplanned absence the roster covers on top (breaks and meals it places).")
    solver: Literal["highs", "cbc"] = Field(**default_of(RosterSection, "solver"),
                                            description="MIP solver.")
    time_limit_s: Number = Field(**default_of(RosterSection, "time_limit_s"), ge=1, le=86400,
                                 description="Hard wall-clock limit of each solve, seconds.")
    work_limit_s: Number | None = Field(
        **default_of(RosterSection, "work_limit_s"), ge=0, le=86400,
        description="Deterministic work budget, reference seconds (default 0.5 x time_limit_s).")
    gap_rel: Number = Field(**default_of(RosterSection, "gap_rel"), ge=0, le=1,
                            description="Stop when proven within this share of the optimum.")


class PayModel(ConfigModel):
    base_monthly: Number = Field(**default_of(PaySection, "base_monthly"), gt=0, le=1e7,
                                 description="Monthly base pay, CNY.")


class OverridesModel(ConfigModel):
    volume_factor: Number = Field(**default_of(OverridesSection, "volume_factor"), ge=0, le=MAX_FACTOR,
                                  description="Every interval's volume times this.")
    aht_delta_s: Number = Field(**default_of(OverridesSection, "aht_delta_s"), ge=-MAX_WAIT_S,
                                le=MAX_WAIT_S, description="Seconds added to every handling time.")
    dates: dict[IsoDate, Annotated[Number, Field(ge=0, le=MAX_FACTOR)]] = Field(
        **default_of(OverridesSection, "dates"),
        description='Volume factors on single days, "YYYY-MM-DD" = factor.')


_SECTIONS = {"data": DataSection, "forecast": ForecastSection, "service": ServiceSection,
             "roster": RosterSection, "pay": PaySection, "overrides": OverridesSection}


class ScenarioFile(ConfigModel):
    """A whole scenario file, inheritance resolved (see :mod:`wfm.scenario`)."""

    sections = True

    scenario: HeadSection = Field(default_factory=HeadSection)
    data: DataModel = Field(default_factory=DataModel)
    forecast: ForecastModel = Field(default_factory=ForecastModel)
    service: ServiceModel = Field(default_factory=ServiceModel)
    roster: RosterModel = Field(default_factory=RosterModel)
    pay: PayModel = Field(default_factory=PayModel)
    overrides: OverridesModel = Field(default_factory=OverridesModel)

    @model_validator(mode="after")
    def _sections_agree(self):
        problems = []
        start = self.forecast.horizon_start
        if start is not None and self.data.history == "sample":
            import datetime as dt

            first = dt.date.fromisoformat(self.data.sample_start)
            after = first + dt.timedelta(days=self.data.sample_days)
            if dt.date.fromisoformat(start) < after:
                problems.append(("forecast.horizon_start",
                                 f"{start} is not after the sample history ({first} to "
                                 f"{after - dt.timedelta(days=1)})",
                                 f"a first planned day from {after} on, or false (the day after the history)"))
        mix = sum(self.roster.contract_mix.values())
        if mix > 1 + 1e-9:
            problems.append(("roster.contract_mix", f"the smallest shares add up to {mix:g}",
                             "shares adding up to at most 1"))
        if problems:
            raise broken(*problems)
        return self

    def to_scenario(self, source: str, default_name: str) -> Scenario:
        """The frozen :class:`Scenario` these tables describe; without a
        ``[scenario] name`` it is the file name made safe as a folder name."""
        from wfm.io import safe_file_name

        sections = {name: cls(**getattr(self, name).model_dump()) for name, cls in _SECTIONS.items()}
        return Scenario(name=self.scenario.name or safe_file_name(default_name, fallback="scenario"),
                        description=self.scenario.description, source=source, **sections)


def scenario_json_schema() -> dict:
    """The JSON schema (draft 2020-12) of a scenario file, forecast models enumerated."""
    from wfm.forecast import MODELS

    schema = ScenarioFile.model_json_schema()
    model = schema["$defs"]["ForecastModel"]["properties"]["model"]
    model["enum"] = ["auto", *MODELS]
    return schema
