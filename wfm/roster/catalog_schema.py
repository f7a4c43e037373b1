"""The shift catalogue's schema (see :mod:`wfm.roster.catalog` for the file and
:mod:`wfm.config` for the idiom): pydantic models that validate the parsed
TOML and build the frozen :class:`~wfm.roster.catalog.Catalog`.

Rules inside one table (a break's window, a shift type's breaks against its
length, a contract's headcount limits) are checked with the table; rules
between a contract and its shift types (weekly hours, rest between alternate
days) once the whole file has the right shape. A contract naming a shift type
the file does not define is reported with everything else: the names travel
in the validation context.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, ValidationInfo, field_validator, model_validator

from wfm.config import (
    Clock,
    ConfigModel,
    Expect,
    Flag,
    Number,
    Text,
    Whole,
    broken,
    clock_minutes,
    invalid,
)
from wfm.roster.catalog import PATTERN_KINDS, BreakRule, Catalog, Contract, ShiftType

__all__ = ["CatalogFile", "BreakTable", "ShiftTypeTable", "ContractTable"]



def _window(v):
    try:
        lo, hi = (clock_minutes(x) for x in v.split("-"))
    except (AttributeError, ValueError):
        raise invalid(f"{v!r} is not a window", "HH:MM-HH:MM") from None
    if hi < lo or hi >= 1440:
        raise invalid(f"{v!r}: the last start must be at or after the first and before 24:00",
                      "HH:MM-HH:MM within one day")
    return v


Window = Annotated[str, BeforeValidator(_window), Expect("HH:MM-HH:MM")]


class BreakTable(ConfigModel):
    """A meal or break: where it may start, in minutes after the shift start."""

    name: Text | None = None
    length_min: Whole = Field(gt=0, le=1440, description="Length, minutes.")
    earliest_min: Whole = Field(ge=0, le=1440, description="Earliest start, minutes after the shift start.")
    latest_min: Whole = Field(ge=0, le=1440, description="Latest start, minutes after the shift start.")
    paid: Flag = True

    @model_validator(mode="after")
    def _window(self):
        if self.latest_min < self.earliest_min:
            raise broken(("latest_min", f"{self.latest_min} is before earliest_min {self.earliest_min}",
                          f">= {self.earliest_min}"))
        return self

    def to_rule(self, default_name: str, is_meal: bool) -> BreakRule:
        return BreakRule(name=self.name or default_name, length_min=self.length_min,
                         earliest_min=self.earliest_min, latest_min=self.latest_min,
                         paid=self.paid, is_meal=is_meal)


class ShiftTypeTable(ConfigModel):
    """A shift template: its length(s), start windows, meal and breaks."""

    description: Text | None = None
    length_h: Number | None = Field(None, gt=0, le=24, description="The one length, hours.")
    min_length_h: Number | None = Field(None, gt=0, le=24, description="Shortest length, hours.")
    max_length_h: Number | None = Field(None, gt=0, le=24, description="Longest length, hours.")
    length_step_min: Whole = Field(15, ge=1, le=1440, description="Step between lengths, minutes.")
    earliest_start: Clock | None = None
    latest_start: Clock | None = None
    start_windows: list[Window] | None = Field(
        None, min_length=1, description='Start windows, ["HH:MM-HH:MM", ...] (instead of '
                                        "earliest_start and latest_start).")
    start_step_min: Whole = Field(30, ge=1, le=1440, description="Step between starts, minutes.")
    meal: BreakTable | None = None
    breaks: list[BreakTable] = Field(default_factory=list)

    def lengths_min(self) -> tuple[int, ...]:
        """The allowed lengths, minutes (the shift type's ``lengths_min``)."""
        if self.length_h is not None:
            return (round(self.length_h * 60),)
        return tuple(range(round(self.min_length_h * 60), round(self.max_length_h * 60) + 1,
                           self.length_step_min))

    def windows(self) -> list[tuple[int, int]]:
        """Start windows as (first, last) minutes after local midnight."""
        if self.start_windows is not None:
            pairs = [w.split("-") for w in self.start_windows]
            return [(clock_minutes(a), clock_minutes(b)) for a, b in pairs]
        return [(clock_minutes(self.earliest_start), clock_minutes(self.latest_start))]

    def break_rules(self) -> list[BreakRule]:
        """Meal and breaks, ordered by window (the shift type's ``breaks``)."""
        rules = [self.meal.to_rule("meal", True)] if self.meal else []
        rules += [b.to_rule(f"break{i + 1}", False) for i, b in enumerate(self.breaks)]
        return sorted(rules, key=lambda b: (b.earliest_min, b.latest_min))

    @model_validator(mode="after")
    def _fits(self):
        problems = []
        if self.length_h is None:
            if self.min_length_h is None and self.max_length_h is None:
                problems.append(("length_h", "missing", "length_h, or min_length_h and max_length_h"))
            elif self.min_length_h is None or self.max_length_h is None:
                key = "min_length_h" if self.min_length_h is None else "max_length_h"
                problems.append((key, "missing", "a number > 0 and <= 24 (with the other bound)"))
            elif self.max_length_h < self.min_length_h:
                problems.append(("max_length_h", f"{self.max_length_h:g} is below min_length_h "
                                 f"{self.min_length_h:g}", f">= {self.min_length_h:g}"))
        if self.start_windows is None:
            missing = [k for k in ("earliest_start", "latest_start") if getattr(self, k) is None]
            problems += [(k, "missing", "HH:MM (or start_windows)") for k in missing]
            if not missing:
                lo, hi = self.windows()[0]
                if hi < lo or hi >= 1440:
                    problems.append(("latest_start", "must be at or after earliest_start and "
                                     "before 24:00", "HH:MM"))
        if problems:
            raise broken(*problems)
        shortest = min(self.lengths_min())
        rules = self.break_rules()
        for b in rules:
            if b.latest_min + b.length_min > shortest:
                problems.append(("meal" if b.is_meal else "breaks",
                                 f"{b.name} may end {b.latest_min + b.length_min} min after the start, "
                                 f"past the shift's end ({shortest} min)",
                                 f"latest_min + length_min <= {shortest}"))
        for a, b in zip(rules, rules[1:], strict=False):
            if a.latest_min + a.length_min > b.earliest_min:
                problems.append(("breaks", f"windows of {a.name} and {b.name} overlap (a {a.name} "
                                 f"started at {a.latest_min} min runs past {b.earliest_min} min)",
                                 "break windows that do not overlap"))
        if problems:
            raise broken(*problems)
        return self

    def to_shift_type(self, key: str) -> ShiftType:
        return ShiftType(key=key, lengths_min=self.lengths_min(),
                         start_windows=tuple(sorted(self.windows())),
                         start_step_min=self.start_step_min, breaks=tuple(self.break_rules()))


class ContractTable(ConfigModel):
    """An employment contract (the pattern kinds: :mod:`wfm.roster.catalog`)."""

    description: Text | None = None
    name: Text | None = None
    pattern: Literal[PATTERN_KINDS] = Field(description="Days-on/days-off pattern.")
    shift_types: list[Text] = Field(min_length=1, description="Shift types the contract works.")
    paid_days_per_month: Number = Field(gt=0, le=31, description="Paid days a month (pay per shift "
                                                                 "= base / paid days).")
    min_rest_h: Number = Field(11.0, ge=0, le=48, description="Least rest between shifts, hours.")
    max_consecutive_days: Whole = Field(6, ge=1, le=42, description="Most working days in a row.")
    max_weekly_hours: Number | None = Field(None, gt=0, le=168, description="Most paid hours a week.")
    work_days_per_week: Whole | None = Field(None, ge=1, le=6,
                                             description="Working days a week (weekly pattern).")
    days_off_consecutive: Flag = True
    min_headcount: Whole = Field(0, ge=0, le=100_000)
    max_headcount: Whole | None = Field(None, ge=0, le=100_000)

    @field_validator("shift_types")
    @classmethod
    def _defined(cls, names: list[str], info: ValidationInfo) -> list[str]:
        known = (info.context or {}).get("shift_types")
        if known:  # none at all is reported at shift_types
            missing = [n for n in names if n not in known]
            if missing:
                raise invalid(", ".join(f"unknown shift type {n!r}" for n in missing),
                              ", ".join(sorted(known)))
        return names

    @model_validator(mode="after")
    def _consistent(self):
        problems = []
        if self.pattern == "weekly" and self.work_days_per_week is None:
            problems.append(("work_days_per_week", "missing", "a whole number >= 1 and <= 6"))
        if self.max_headcount is not None and self.max_headcount < self.min_headcount:
            problems.append(("max_headcount", f"{self.max_headcount} is below min_headcount "
                             f"{self.min_headcount}", f">= {self.min_headcount}"))
        wdpw = self.work_days_per_week
        if self.pattern == "weekly" and wdpw is not None and self.days_off_consecutive \
                and self.max_consecutive_days < wdpw:
            problems.append(("max_consecutive_days",
                             f"{self.max_consecutive_days} is shorter than the {wdpw} working days "
                             "between blocks of days off", f">= {wdpw}"))
        if problems:
            raise broken(*problems)
        return self

    def to_contract(self, key: str, base_monthly: float) -> Contract:
        wdpw = self.work_days_per_week if self.pattern == "weekly" else None
        return Contract(
            key=key, name=self.name or key, pattern=self.pattern,
            shift_types=tuple(self.shift_types), paid_days_per_month=self.paid_days_per_month,
            min_rest_h=self.min_rest_h, max_consecutive_days=self.max_consecutive_days,
            max_weekly_hours=self.max_weekly_hours, work_days_per_week=wdpw,
            days_off_consecutive=self.days_off_consecutive, min_headcount=self.min_headcount,
            max_headcount=self.max_headcount, base_monthly=base_monthly)


class PayTable(ConfigModel):
    base_monthly: Number = Field(2800.0, ge=0, le=1e7, description="Monthly base pay.")
    currency: Text = "CNY"


class PenaltiesTable(ConfigModel):
    under_per_agent_hour: Number = Field(ge=0, le=1e6, description="Cost of an agent-hour short.")
    over_per_agent_hour: Number = Field(0.0, ge=0, le=1e6, description="Cost of an agent-hour over.")


class CatalogFile(ConfigModel):
    """A whole catalogue file."""

    sections = True

    description: Text | None = None
    pay: PayTable = Field(default_factory=PayTable)
    penalties: PenaltiesTable
    shift_types: dict[str, ShiftTypeTable] = Field(
        min_length=1, description="[shift_types.NAME] tables, at least one.")
    contracts: dict[str, ContractTable] = Field(
        min_length=1, description="[contracts.NAME] tables, at least one.")

    @model_validator(mode="after")
    def _contracts_fit_their_shifts(self):
        problems = []
        for key, c in self.contracts.items():
            where = f"contracts.{key}"
            unknown = [s for s in c.shift_types if s not in self.shift_types]
            if unknown:  # reported by the contract itself when the names were in the context
                problems.append((f"{where}.shift_types", f"unknown shift type {unknown[0]!r}",
                                 ", ".join(sorted(self.shift_types))))
                continue
            sts = [self.shift_types[s] for s in c.shift_types]
            if c.max_weekly_hours is not None and c.pattern != "flexible":
                longest = max(max(s.lengths_min()) - sum(b.length_min for b in s.break_rules()
                                                         if not b.paid) for s in sts) / 60
                days = {"weekly": c.work_days_per_week or 0, "alternate": 4}[c.pattern]
                if days * longest > c.max_weekly_hours + 1e-9:
                    problems.append((f"{where}.max_weekly_hours",
                                     f"{days} shifts of {longest:g} paid hours make {days * longest:g} h "
                                     f"in a week, above {c.max_weekly_hours:g}",
                                     f">= {days * longest:g} or shorter shifts"))
            if c.pattern == "alternate":
                # shifts two days apart must leave the minimum rest
                starts = [s.to_shift_type("").start_offsets() for s in sts]
                latest_end = max(max(o) + max(s.lengths_min()) for o, s in zip(starts, sts, strict=True))
                earliest_start = min(min(o) for o in starts)
                gap_h = (2 * 1440 + earliest_start - latest_end) / 60
                if gap_h < c.min_rest_h:
                    problems.append((f"{where}.min_rest_h",
                                     f"a shift ending at {latest_end} min and one starting two days "
                                     f"later at {earliest_start} min leave {gap_h:g} h",
                                     f"<= {gap_h:g} or narrower start windows"))
        if problems:
            raise broken(*problems)
        return self

    def to_catalog(self, source: str) -> Catalog:
        shift_types = {k: st.to_shift_type(k) for k, st in self.shift_types.items()}
        contracts = {k: c.to_contract(k, self.pay.base_monthly) for k, c in self.contracts.items()}
        return Catalog(shift_types=shift_types, contracts=contracts,
                       under_per_agent_hour=self.penalties.under_per_agent_hour,
                       over_per_agent_hour=self.penalties.over_per_agent_hour,
                       currency=self.pay.currency, source=source)
