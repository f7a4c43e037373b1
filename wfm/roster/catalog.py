"""Shift and contract catalogue (TOML), validated on load.

A catalogue names *shift types* (length, start windows, meal and breaks with
their windows) and *contracts* (which shift types an agent may work, the
days-on/days-off pattern, rest and consecutive-day rules, weekly hours, pay and
headcount limits). ``models/shifts.toml`` is the default catalogue: the two
contracts of DOMAIN.md section 4 (5-on-2 with 8-hour shifts, 1-on-1
with 12-hour shifts) paid from a base of 2 800 CNY a month.

Every mistake raises :class:`wfm.errors.InputError` naming the file and the
dotted TOML key (for example ``shift_types.day8.meal.latest_min``), every
problem at once; the file's schema is :mod:`wfm.roster.catalog_schema`.

Units: lengths in minutes unless the key says ``_h`` (hours); clock times are
local wall-clock ``HH:MM``; break windows are offsets in minutes from the
shift start (``earliest_min`` .. ``latest_min`` is where the break may *start*).

Pattern kinds of a contract:

``weekly``
    ``work_days_per_week`` days in each 7-day week of the horizon; the
    ``7 - work_days_per_week`` days off form one block in the cyclic week
    when ``days_off_consecutive`` (Sunday-Monday counts as adjacent: with the
    same pattern every week the two days are back to back). 5-on-2.
``alternate``
    works every other day (day d, d+2, d+4 ...): two phases. 1-on-1.
``flexible``
    any working days subject to ``max_consecutive_days`` (used for the public
    retail benchmark, where staff have minute limits instead of patterns).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

PATTERN_KINDS = ("weekly", "alternate", "flexible")


@dataclass(frozen=True)
class BreakRule:
    """A break or meal: ``length_min`` minutes starting between ``earliest_min``
    and ``latest_min`` minutes after the shift start. ``paid`` only matters for
    paid-hour totals; either way the agent is off the phones."""

    name: str
    length_min: int
    earliest_min: int
    latest_min: int
    paid: bool = True
    is_meal: bool = False


@dataclass(frozen=True)
class ShiftType:
    """A shift template. ``lengths_min``: allowed lengths (usually one);
    ``start_windows``: inclusive (first, last) start offsets in minutes after
    local midnight, stepped by ``start_step_min``; ``breaks``: meal and breaks
    ordered by window, windows not overlapping."""

    key: str
    lengths_min: tuple[int, ...]
    start_windows: tuple[tuple[int, int], ...]
    start_step_min: int
    breaks: tuple[BreakRule, ...]

    def start_offsets(self) -> list[int]:
        """All allowed start offsets (minutes after local midnight), sorted."""
        out = set()
        for lo, hi in self.start_windows:
            out.update(range(lo, hi + 1, self.start_step_min))
        return sorted(out)

    def unpaid_min(self) -> int:
        return sum(b.length_min for b in self.breaks if not b.paid)

    def off_phone_min(self) -> int:
        return sum(b.length_min for b in self.breaks)


@dataclass(frozen=True)
class Contract:
    """An employment contract (see the module docstring for ``pattern``)."""

    key: str
    name: str
    pattern: str
    shift_types: tuple[str, ...]
    paid_days_per_month: float
    min_rest_h: float
    max_consecutive_days: int
    max_weekly_hours: float | None
    work_days_per_week: int | None = None
    days_off_consecutive: bool = True
    min_headcount: int = 0
    max_headcount: int | None = None
    base_monthly: float = 2800.0

    @property
    def daily_rate(self) -> float:
        """Pay for one worked shift: base / paid days a month (DOMAIN.md s.4)."""
        return self.base_monthly / self.paid_days_per_month


@dataclass(frozen=True)
class Catalog:
    """A validated catalogue. Penalties are per agent-hour short of (under) or
    above (over) the requirement, in the pay currency."""

    shift_types: dict[str, ShiftType]
    contracts: dict[str, Contract]
    under_per_agent_hour: float
    over_per_agent_hour: float
    currency: str = "CNY"
    source: str = "<catalog>"


def parse_catalog(data: dict, source: str = "<catalog>") -> Catalog:
    """Validate a catalogue given as a dict (the parsed TOML).

    Every problem is reported at once, as ``source: dotted.key: problem
    (expected ...)``; the schema is :mod:`wfm.roster.catalog_schema`.
    """
    # pydantic's side of wfm: imported only when a catalogue is read
    from wfm.config import validate_config
    from wfm.roster.catalog_schema import CatalogFile

    names = data.get("shift_types") if isinstance(data, dict) else None
    context = {"shift_types": set(names) if isinstance(names, dict) else set()}
    return validate_config(CatalogFile, data, source, context=context).to_catalog(source)


def load_catalog(path) -> Catalog:
    """Read and validate a TOML catalogue (see the module docstring)."""
    from wfm.config import read_toml

    return parse_catalog(read_toml(path, "shift catalogue"), str(path))


def default_catalog_path() -> Path:
    """The bundled ``models/shifts.toml`` (installed as ``wfm.models``)."""
    from wfm.resources import bundled

    return bundled("models", "shifts.toml")
