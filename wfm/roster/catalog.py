"""Shift and contract catalogue (TOML), validated on load.

A catalogue names *shift types* (length, start windows, meal and breaks with
their windows) and *contracts* (which shift types an agent may work, the
days-on/days-off pattern, rest and consecutive-day rules, weekly hours, pay and
headcount limits). ``models/shifts.toml`` is the default catalogue: the two
contracts of ../shared/domain.md section 4 (5-on-2 with 8-hour shifts, 1-on-1
with 12-hour shifts) paid from a base of 2 800 CNY a month.

Every mistake raises :class:`wfm.errors.InputError` naming the file and the
dotted TOML key (for example ``shift_types.day8.meal.latest_min``).

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

import math
import tomllib
from dataclasses import dataclass
from pathlib import Path

from wfm.errors import InputError, Problem

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
        """Pay for one worked shift: base / paid days a month (domain.md s.4)."""
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


def _clock(text, problems, source, key) -> int | None:
    """'HH:MM' -> minutes after midnight (24:00 allowed as 1440)."""
    if not isinstance(text, str) or text.count(":") != 1:
        problems.append(Problem(source, None, key, f"{text!r} is not a clock time", "HH:MM"))
        return None
    h, m = text.split(":")
    if not (h.isdigit() and m.isdigit()) or not (0 <= int(h) <= 24 and 0 <= int(m) < 60):
        problems.append(Problem(source, None, key, f"{text!r} is not a clock time", "HH:MM"))
        return None
    v = int(h) * 60 + int(m)
    if v > 1440:
        problems.append(Problem(source, None, key, f"{text!r} is after 24:00", "HH:MM <= 24:00"))
        return None
    return v


def _num(tbl, name, key, problems, source, *, default=None, required=True, integer=False, lo=None, hi=None, lo_open=False):
    full = f"{key}.{name}"
    if name not in tbl:
        if required and default is None:
            problems.append(Problem(source, None, full, "missing", "a number"))
        return default
    v = tbl[name]
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        problems.append(Problem(source, None, full, f"{v!r} is not a number", "a number"))
        return default
    if integer and int(v) != v:
        problems.append(Problem(source, None, full, f"{v!r} is not a whole number", "an integer"))
        return default
    if lo is not None and (v <= lo if lo_open else v < lo):
        problems.append(Problem(source, None, full, f"{v!r} is too small", f"{'>' if lo_open else '>='} {lo}"))
        return default
    if hi is not None and v > hi:
        problems.append(Problem(source, None, full, f"{v!r} is too large", f"<= {hi}"))
        return default
    return int(v) if integer else float(v)


def _break(tbl, name, key, problems, source, is_meal) -> BreakRule | None:
    if not isinstance(tbl, dict):
        problems.append(Problem(source, None, key, "must be a table", "{length_min=..., earliest_min=..., latest_min=...}"))
        return None
    n0 = len(problems)
    length = _num(tbl, "length_min", key, problems, source, integer=True, lo=0, lo_open=True)
    e = _num(tbl, "earliest_min", key, problems, source, integer=True, lo=0)
    la = _num(tbl, "latest_min", key, problems, source, integer=True, lo=0)
    paid = tbl.get("paid", True)
    if not isinstance(paid, bool):
        problems.append(Problem(source, None, f"{key}.paid", f"{paid!r} is not true/false", "true or false"))
    unknown = set(tbl) - {"length_min", "earliest_min", "latest_min", "paid", "name"}
    for u in sorted(unknown):
        problems.append(Problem(source, None, f"{key}.{u}", "unknown key", "length_min, earliest_min, latest_min, paid"))
    if len(problems) > n0:
        return None
    if la < e:
        problems.append(Problem(source, None, f"{key}.latest_min", f"{la} is before earliest_min {e}", f">= {e}"))
        return None
    return BreakRule(str(tbl.get("name", name)), length, e, la, bool(paid), is_meal)


def _shift_type(key: str, tbl, problems, source) -> ShiftType | None:
    base = f"shift_types.{key}"
    if not isinstance(tbl, dict):
        problems.append(Problem(source, None, base, "must be a table"))
        return None
    n0 = len(problems)
    known = {"length_h", "min_length_h", "max_length_h", "length_step_min", "earliest_start",
             "latest_start", "start_windows", "start_step_min", "meal", "breaks", "description"}
    for u in sorted(set(tbl) - known):
        problems.append(Problem(source, None, f"{base}.{u}", "unknown key", ", ".join(sorted(known))))
    # lengths
    if "length_h" in tbl:
        lh = _num(tbl, "length_h", base, problems, source, lo=0, lo_open=True, hi=24)
        lengths = (round(lh * 60),) if lh is not None else ()
    elif "min_length_h" in tbl or "max_length_h" in tbl:
        a = _num(tbl, "min_length_h", base, problems, source, lo=0, lo_open=True, hi=24)
        b = _num(tbl, "max_length_h", base, problems, source, lo=0, lo_open=True, hi=24)
        step = _num(tbl, "length_step_min", base, problems, source, integer=True, lo=1, default=15)
        if a is not None and b is not None and b < a:
            problems.append(Problem(source, None, f"{base}.max_length_h", f"{b} is below min_length_h {a}", f">= {a}"))
            lengths = ()
        elif a is not None and b is not None and step:
            lengths = tuple(range(round(a * 60), round(b * 60) + 1, step))
        else:
            lengths = ()
    else:
        problems.append(Problem(source, None, f"{base}.length_h", "missing", "length_h, or min_length_h and max_length_h"))
        lengths = ()
    step = _num(tbl, "start_step_min", base, problems, source, integer=True, lo=1, default=30)
    windows: list[tuple[int, int]] = []
    if "start_windows" in tbl:
        sw = tbl["start_windows"]
        if not isinstance(sw, list) or not sw:
            problems.append(Problem(source, None, f"{base}.start_windows", "must be a non-empty list", '["HH:MM-HH:MM", ...]'))
        else:
            for i, w in enumerate(sw):
                k = f"{base}.start_windows[{i}]"
                if not isinstance(w, str) or w.count("-") != 1:
                    problems.append(Problem(source, None, k, f"{w!r} is not a window", "HH:MM-HH:MM"))
                    continue
                lo_s, hi_s = w.split("-")
                lo, hi = _clock(lo_s.strip(), problems, source, k), _clock(hi_s.strip(), problems, source, k)
                if lo is None or hi is None:
                    continue
                if hi < lo or hi >= 1440:
                    problems.append(Problem(source, None, k, f"{w!r}: last start must be at or after the first and before 24:00", "HH:MM-HH:MM within one day"))
                    continue
                windows.append((lo, hi))
    else:
        lo = _clock(tbl.get("earliest_start"), problems, source, f"{base}.earliest_start")
        hi = _clock(tbl.get("latest_start"), problems, source, f"{base}.latest_start")
        if lo is not None and hi is not None:
            if hi < lo or hi >= 1440:
                problems.append(Problem(source, None, f"{base}.latest_start", "must be at or after earliest_start and before 24:00", "HH:MM"))
            else:
                windows.append((lo, hi))
    brs: list[BreakRule] = []
    if "meal" in tbl:
        b = _break(tbl["meal"], "meal", f"{base}.meal", problems, source, True)
        if b:
            brs.append(b)
    raw = tbl.get("breaks", [])
    if not isinstance(raw, list):
        problems.append(Problem(source, None, f"{base}.breaks", "must be a list of tables"))
        raw = []
    for i, bt in enumerate(raw):
        b = _break(bt, f"break{i + 1}", f"{base}.breaks[{i}]", problems, source, False)
        if b:
            brs.append(b)
    if len(problems) > n0 or not lengths:
        return None
    brs.sort(key=lambda b: (b.earliest_min, b.latest_min))
    shortest = min(lengths)
    for b in brs:
        if b.latest_min + b.length_min > shortest:
            problems.append(Problem(source, None, f"{base}.{'meal' if b.is_meal else 'breaks'}",
                                    f"{b.name} may end {b.latest_min + b.length_min} min after the start, past the shift's end ({shortest} min)",
                                    f"latest_min + length_min <= {shortest}"))
    for a, b in zip(brs, brs[1:], strict=False):
        if a.latest_min + a.length_min > b.earliest_min:
            problems.append(Problem(source, None, f"{base}.breaks",
                                    f"windows of {a.name} and {b.name} overlap (a {a.name} started at {a.latest_min} min runs past {b.earliest_min} min)",
                                    "break windows that do not overlap"))
    if len(problems) > n0:
        return None
    return ShiftType(key, lengths, tuple(sorted(windows)), step, tuple(brs))


def parse_catalog(data: dict, source: str = "<catalog>") -> Catalog:
    """Validate a catalogue given as a dict (the parsed TOML)."""
    problems: list[Problem] = []
    for u in sorted(set(data) - {"pay", "penalties", "shift_types", "contracts", "description"}):
        problems.append(Problem(source, None, u, "unknown section", "pay, penalties, shift_types, contracts"))
    pay = data.get("pay", {})
    base = _num(pay, "base_monthly", "pay", problems, source, lo=0, default=2800.0, required=False)
    currency = str(pay.get("currency", "CNY"))
    pen = data.get("penalties", {})
    under = _num(pen, "under_per_agent_hour", "penalties", problems, source, lo=0)
    over = _num(pen, "over_per_agent_hour", "penalties", problems, source, lo=0, default=0.0, required=False)
    sts_raw = data.get("shift_types")
    if not isinstance(sts_raw, dict) or not sts_raw:
        problems.append(Problem(source, None, "shift_types", "missing or empty", "at least one [shift_types.NAME] table"))
        sts_raw = {}
    shift_types = {}
    for k, v in sts_raw.items():
        st = _shift_type(k, v, problems, source)
        if st:
            shift_types[k] = st
    cs_raw = data.get("contracts")
    if not isinstance(cs_raw, dict) or not cs_raw:
        problems.append(Problem(source, None, "contracts", "missing or empty", "at least one [contracts.NAME] table"))
        cs_raw = {}
    contracts = {}
    for k, tbl in cs_raw.items():
        key = f"contracts.{k}"
        if not isinstance(tbl, dict):
            problems.append(Problem(source, None, key, "must be a table"))
            continue
        n0 = len(problems)
        known = {"name", "pattern", "shift_types", "paid_days_per_month", "min_rest_h", "max_consecutive_days",
                 "max_weekly_hours", "work_days_per_week", "days_off_consecutive", "min_headcount",
                 "max_headcount", "description"}
        for u in sorted(set(tbl) - known):
            problems.append(Problem(source, None, f"{key}.{u}", "unknown key", ", ".join(sorted(known))))
        pattern = tbl.get("pattern")
        if pattern not in PATTERN_KINDS:
            problems.append(Problem(source, None, f"{key}.pattern", f"{pattern!r} is not a pattern", " or ".join(PATTERN_KINDS)))
        sts = tbl.get("shift_types")
        if not isinstance(sts, list) or not sts or not all(isinstance(s, str) for s in sts):
            problems.append(Problem(source, None, f"{key}.shift_types", "must be a non-empty list of shift type names"))
            sts = []
        for s in sts:
            if s not in sts_raw:
                problems.append(Problem(source, None, f"{key}.shift_types", f"unknown shift type {s!r}", ", ".join(sorted(sts_raw))))
        pdm = _num(tbl, "paid_days_per_month", key, problems, source, lo=0, lo_open=True, hi=31)
        rest = _num(tbl, "min_rest_h", key, problems, source, lo=0, default=11.0, required=False)
        maxc = _num(tbl, "max_consecutive_days", key, problems, source, integer=True, lo=1, default=6, required=False)
        mwh = _num(tbl, "max_weekly_hours", key, problems, source, lo=0, lo_open=True, required=False)
        wdpw = None
        if pattern == "weekly":
            wdpw = _num(tbl, "work_days_per_week", key, problems, source, integer=True, lo=1, hi=6)
        consec = tbl.get("days_off_consecutive", True)
        if not isinstance(consec, bool):
            problems.append(Problem(source, None, f"{key}.days_off_consecutive", f"{consec!r} is not true/false", "true or false"))
        mn = _num(tbl, "min_headcount", key, problems, source, integer=True, lo=0, default=0, required=False)
        mx = _num(tbl, "max_headcount", key, problems, source, integer=True, lo=0, required=False)
        if mn is not None and mx is not None and mx < mn:
            problems.append(Problem(source, None, f"{key}.max_headcount", f"{mx} is below min_headcount {mn}", f">= {mn}"))
        if len(problems) > n0:
            continue
        c = Contract(k, str(tbl.get("name", k)), pattern, tuple(sts), pdm, rest, maxc, mwh, wdpw,
                     bool(consec), mn, mx, base)
        # rules that must be satisfiable by the pattern itself
        if pattern == "weekly" and wdpw is not None and maxc is not None:
            if consec and maxc < wdpw:
                problems.append(Problem(source, None, f"{key}.max_consecutive_days",
                                        f"{maxc} is shorter than the {wdpw} working days between blocks of days off",
                                        f">= {wdpw}"))
        if pattern == "alternate" and maxc is not None and maxc < 1:
            problems.append(Problem(source, None, f"{key}.max_consecutive_days", "must be >= 1"))
        if mwh is not None and all(s in shift_types for s in sts):
            longest = max(max(shift_types[s].lengths_min) - shift_types[s].unpaid_min() for s in sts) / 60
            days = {"weekly": wdpw or 0, "alternate": 4, "flexible": min(7, maxc or 7)}[pattern]
            if pattern != "flexible" and days * longest > mwh + 1e-9:
                problems.append(Problem(source, None, f"{key}.max_weekly_hours",
                                        f"{days} shifts of {longest:g} paid hours make {days * longest:g} h in a week, above {mwh:g}",
                                        f">= {days * longest:g} or shorter shifts"))
        if pattern == "alternate" and all(s in shift_types for s in sts):
            # shifts two days apart must leave the minimum rest
            latest_end = max(max(shift_types[s].start_offsets()) + max(shift_types[s].lengths_min) for s in sts)
            earliest_start = min(min(shift_types[s].start_offsets()) for s in sts)
            gap_h = (2 * 1440 + earliest_start - latest_end) / 60
            if gap_h < rest:
                problems.append(Problem(source, None, f"{key}.min_rest_h",
                                        f"a shift ending at {latest_end} min and one starting two days later at {earliest_start} min leave {gap_h:g} h",
                                        f"<= {gap_h:g} or narrower start windows"))
        contracts[k] = c
    if problems:
        raise InputError(problems)
    return Catalog(shift_types, contracts, under, over, currency, source)


def load_catalog(path) -> Catalog:
    """Read and validate a TOML catalogue (see the module docstring)."""
    p = Path(path)
    name = str(path)
    if not p.exists():
        raise InputError(Problem(name, None, None, "file not found", "a TOML shift catalogue"))
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise InputError(Problem(name, None, None, f"not valid TOML: {e}", "a TOML shift catalogue")) from None
    return parse_catalog(data, name)


def default_catalog_path() -> Path:
    """The bundled ``models/shifts.toml`` (installed as ``wfm.models``)."""
    from wfm.resources import bundled

    return bundled("models", "shifts.toml")
