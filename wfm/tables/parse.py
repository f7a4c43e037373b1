"""Vectorised cell parsers: text, numbers, ISO 8601 timestamps, dates,
yes/no and local clock times.

Each parser takes a column (a Series of any dtype: text read from CSV,
numbers and datetimes from Excel or Parquet, or a typed DataFrame's column)
and returns arrays: the values and masks saying which cells were blank and
which could not be read. Parsers never word a problem; the table
(:class:`wfm.tables.Table`) does, with the row and column.

Blank: an empty or whitespace-only cell, NaN or None; in a numeric column
also ``nan``, ``na``, ``n/a``, ``null``, ``none`` (any case).

Time zones: one policy for every table
-----------------------------------------
Timestamps are ISO 8601. One with an offset (``+08:00``, ``Z``) is that
instant; a naive one is local wall-clock time in the zone ``tz``; a
tz-aware datetime column is taken as it is. Daylight saving time:

* a naive local time the clocks skip (``2025-03-30T02:30`` in
  Europe/Berlin) does not exist: it is flagged (``nonexistent``) and the
  table reports it with its file, row and column;
* a naive local time the clocks repeat (the autumn hour) is resolved by
  order: within a group of rows (a queue of an interval table, an agent of
  a state log or roster) the first row, in file order, with that wall-clock
  time is the earlier (summer-time) instant and a second row with the same
  wall-clock time the later (standard-time) one. Files that write offsets
  never rely on this.

Local clock times (``HH:MM``, a meal or a break inside a shift) have no
order to resolve them by: :func:`resolve_clock_times` flags both a skipped
and a repeated local time, and the table reports it.
"""

from __future__ import annotations

import re
import zoneinfo
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = [
    "ISO_EXAMPLE",
    "MISSING_TOKENS",
    "NAT",
    "YEAR_MAX",
    "YEAR_MIN",
    "Times",
    "as_text",
    "aware",
    "blank",
    "clock_minute",
    "clock_minutes",
    "control_chars",
    "dates",
    "first_control",
    "fmt_local",
    "known_tz",
    "local_wall_ns",
    "nonblank_rows",
    "numbers",
    "resolve_clock_times",
    "timestamps",
    "yes_no",
]

#: Text that means "no value" in a numeric column (compared in lower case).
MISSING_TOKENS = frozenset({"", "nan", "na", "n/a", "null", "none"})
#: Years accepted in timestamps: catches typos such as 0205 and keeps the
#: nanosecond datetime range safe.
YEAR_MIN, YEAR_MAX = 1900, 2199
#: How a timestamp should look (the ``expected`` of timestamp problems).
ISO_EXAMPLE = "ISO 8601 such as 2025-11-11T09:00 or 2025-11-11T09:00+08:00"
#: int64 nanoseconds standing for "no time" (NaT).
NAT = np.iinfo(np.int64).min
_NS_PER_MIN = 60_000_000_000
_DAY_NS = 1440 * _NS_PER_MIN
_YES = frozenset({"yes", "y", "true", "t", "1", "是"})
_NO = frozenset({"no", "n", "false", "f", "0", "否"})
_CLOCK_RE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*$")


# --------------------------------------------------------------------------
# text, blanks
# --------------------------------------------------------------------------


def _is_textlike(s: pd.Series) -> bool:
    return not (pd.api.types.is_numeric_dtype(s.dtype) or pd.api.types.is_datetime64_any_dtype(s.dtype))


def as_text(s: pd.Series) -> pd.Series:
    """Values as stripped strings (NaN where missing)."""
    if not (pd.api.types.is_string_dtype(s.dtype) and s.dtype != object):
        s = s.astype("str")
    return s.str.strip()


_CONTROL = r"[\x00-\x1f\x7f]"


def control_chars(t: pd.Series) -> np.ndarray:
    """True where a text cell holds a control character (NUL, tab, line break
    ...): never part of a name, and unsafe in the files names end up in."""
    codes, uniques = pd.factorize(t)  # names repeat: look at each once
    bad = pd.Series(uniques, dtype="str").str.contains(_CONTROL, regex=True, na=False).to_numpy(dtype=bool)
    return np.append(bad, False)[codes]


def first_control(text: str) -> str:
    """The first control character of ``text``, as a problem quotes it (``'\\x00'``)."""
    m = re.search(_CONTROL, str(text))
    return repr(m.group(0)) if m else "''"


def blank(s: pd.Series) -> np.ndarray:
    """True where a cell is empty (NaN/None or only whitespace)."""
    na = s.isna().to_numpy()
    if _is_textlike(s):
        na = na | as_text(s).eq("").fillna(False).to_numpy(dtype=bool)
    return na


def nonblank_rows(df: pd.DataFrame) -> np.ndarray:
    """Positions of the rows with at least one non-blank cell.

    Wholly blank rows (a spreadsheet's trailing empty lines) are skipped by
    every table reader; the positions keep the spreadsheet row numbers
    (position + 2) of the rows that remain.
    """
    n_all = len(df)
    if not n_all:
        return np.zeros(0, dtype=np.int64)
    blank_all = np.ones(n_all, dtype=bool)
    for i in range(df.shape[1]):
        blank_all &= blank(df.iloc[:, i])
        if not blank_all.any():
            break
    return np.flatnonzero(~blank_all)


def _object_text(s: pd.Series) -> pd.Series:
    """Stripped text of a column whose cells may be datetimes (Excel) or text."""
    if s.dtype == object and pd.api.types.infer_dtype(s, skipna=True) not in ("string", "empty"):
        s = s.map(lambda v: v.isoformat() if hasattr(v, "isoformat") else v)
    return as_text(s)


# --------------------------------------------------------------------------
# numbers
# --------------------------------------------------------------------------


def numbers(s: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Parse a column as float64.

    Returns ``(values, missing, bad)``: ``missing`` marks blank cells (NaN in
    ``values``), ``bad`` marks cells that are not numbers (NaN in ``values``:
    text, booleans, dates). Infinite values are returned as such for the
    caller to reject.
    """
    n = len(s)
    if pd.api.types.is_bool_dtype(s.dtype):
        values = np.full(n, np.nan)
        missing = s.isna().to_numpy()
        return values, missing, ~missing
    if pd.api.types.is_numeric_dtype(s.dtype):
        values = s.to_numpy(dtype="float64", na_value=np.nan)
        return values, np.isnan(values), np.zeros(n, dtype=bool)
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        missing = s.isna().to_numpy()
        return np.full(n, np.nan), missing, ~missing
    kind = pd.api.types.infer_dtype(s, skipna=True) if s.dtype == object else "string"
    if kind not in ("string", "integer", "floating", "mixed-integer-float", "decimal", "empty"):
        # booleans and dates in an object column are not numbers (per-element
        # check only for such unusual columns)
        weird = s.map(lambda v: isinstance(v, (bool, np.bool_)) or hasattr(v, "isoformat")).to_numpy(
            dtype=bool)
    else:
        weird = np.zeros(n, dtype=bool)
    values = pd.to_numeric(s.where(~weird) if weird.any() else s, errors="coerce")
    values = values.to_numpy(dtype="float64", na_value=np.nan)
    failed = np.isnan(values)
    missing = np.zeros(n, dtype=bool)
    bad = np.zeros(n, dtype=bool)
    if failed.any():
        idx = np.flatnonzero(failed)
        sub = s.iloc[idx]
        text = as_text(sub)
        is_missing = (sub.isna() | text.str.lower().isin(MISSING_TOKENS)).to_numpy(dtype=bool)
        is_missing = is_missing & ~weird[idx]
        missing[idx] = is_missing
        bad[idx] = ~is_missing
    return values, missing, bad


# --------------------------------------------------------------------------
# timestamps
# --------------------------------------------------------------------------


def known_tz(tz) -> bool:
    """Is ``tz`` an IANA time-zone name this machine knows?"""
    try:
        if not isinstance(tz, str) or not tz:
            return False
        zoneinfo.ZoneInfo(tz)
    except (ValueError, zoneinfo.ZoneInfoNotFoundError):
        return False
    return True


def _offset_mask(text: pd.Series) -> np.ndarray:
    """True where an ISO 8601 string carries a UTC offset (``Z``, ``+08:00``, ``-0500``).

    Only the part after the 10-character date is looked at, so the dashes of
    the date itself never count as a negative offset.
    """
    tail = text.str.slice(10)
    return tail.str.contains(r"[Zz+-]", regex=True).fillna(False).to_numpy(dtype=bool)


@dataclass(frozen=True)
class Times:
    """A parsed timestamp column (:func:`timestamps`); arrays of one length."""

    utc_ns: np.ndarray  # int64 instants (UTC ns); meaningful where ok
    ok: np.ndarray  # parsed, in range and existing
    missing: np.ndarray  # blank
    bad: np.ndarray  # not a timestamp
    out_of_range: np.ndarray  # outside the years YEAR_MIN..YEAR_MAX
    nonexistent: np.ndarray  # naive local time the clocks skip (DST starts)


def timestamps(s: pd.Series, tz: str, groups: np.ndarray | None = None) -> Times:
    """Parse a column of ISO 8601 timestamps (or datetimes) to UTC instants.

    Naive values are local wall-clock times in ``tz`` (module docstring for
    daylight saving time; ``groups``: int codes of the rows' groups, such as
    queue or agent codes, within which a repeated wall-clock time is the
    later instant; None: the whole column is one group).
    """
    n = len(s)
    if groups is None:
        groups = np.zeros(n, dtype=np.int64)
    utc_ns = np.zeros(n, dtype=np.int64)
    parsed_ok = np.zeros(n, dtype=bool)
    missing = s.isna().to_numpy()
    bad = np.zeros(n, dtype=bool)
    naive_mask = np.zeros(n, dtype=bool)
    naive_vals = None  # DatetimeIndex of naive rows (as wall-clock times)

    if isinstance(s.dtype, pd.DatetimeTZDtype):
        idx = pd.DatetimeIndex(s)
        ok = ~missing
        utc = idx[ok].tz_convert("UTC").tz_localize(None)
        aware_parts = [(np.flatnonzero(ok), utc)]
    elif pd.api.types.is_datetime64_dtype(s.dtype):
        naive_mask = ~missing
        naive_vals = pd.DatetimeIndex(s[naive_mask])
        aware_parts = []
    else:
        # Excel gives datetime objects (naive) mixed with text cells
        text = _object_text(s)
        missing = text.isna().to_numpy() | text.eq("").fillna(False).to_numpy(dtype=bool)
        present = ~missing
        has_off = _offset_mask(text) & present
        naive_mask = present & ~has_off
        aware_parts = []
        if has_off.any():
            pos = np.flatnonzero(has_off)
            try:
                got = pd.to_datetime(text.iloc[pos], format="ISO8601", errors="coerce", utc=True)
            except (ValueError, OverflowError):
                got = pd.Series(pd.NaT, index=text.index[pos], dtype="datetime64[ns, UTC]")
            got = pd.DatetimeIndex(got).tz_localize(None)
            good = ~got.isna()
            bad[pos[~good]] = True
            aware_parts = [(pos[good], got[good])]
        if naive_mask.any():
            pos = np.flatnonzero(naive_mask)
            try:
                got = pd.to_datetime(text.iloc[pos], format="ISO8601", errors="coerce")
            except (ValueError, OverflowError):
                got = pd.Series(pd.NaT, index=text.index[pos], dtype="datetime64[ns]")
            if isinstance(got.dtype, pd.DatetimeTZDtype):  # an offset slipped past the mask
                got = pd.Series(pd.NaT, index=got.index, dtype="datetime64[ns]")
            got = pd.DatetimeIndex(got)
            good = ~got.isna()
            bad[pos[~good]] = True
            naive_mask = np.zeros(n, dtype=bool)
            naive_mask[pos[good]] = True
            naive_vals = got[good]

    out_of_range = np.zeros(n, dtype=bool)

    def _to_ns(positions: np.ndarray, idx: pd.DatetimeIndex) -> tuple[np.ndarray, np.ndarray]:
        years = idx.year.to_numpy()
        inr = (years >= YEAR_MIN) & (years <= YEAR_MAX)
        out_of_range[positions[~inr]] = True
        return positions[inr], idx[inr].as_unit("ns").asi8

    for pos, idx in aware_parts:
        pos, ns = _to_ns(pos, idx)
        utc_ns[pos] = ns
        parsed_ok[pos] = True

    nonexistent = np.zeros(n, dtype=bool)
    if naive_vals is not None and len(naive_vals):
        pos, wall = _to_ns(np.flatnonzero(naive_mask), naive_vals)
        ns, ok_local, gap = _localize(wall, tz, groups[pos])
        nonexistent[pos[gap]] = True
        utc_ns[pos[ok_local]] = ns[ok_local]
        parsed_ok[pos[ok_local]] = True

    return Times(utc_ns, parsed_ok, missing, bad, out_of_range, nonexistent)


def _localize(wall: np.ndarray, tz: str, groups: np.ndarray):
    """Wall-clock ns in ``tz`` -> (UTC ns, ok, nonexistent) by the module's DST policy."""
    wall_idx = pd.DatetimeIndex(wall.view("datetime64[ns]"))
    loc = wall_idx.tz_localize(tz, ambiguous="NaT", nonexistent="NaT")
    trouble = np.asarray(loc.isna())
    ns = loc.tz_convert("UTC").tz_localize(None).asi8.copy()
    gap = np.zeros(len(wall), dtype=bool)
    if not trouble.any():
        return ns, np.ones(len(wall), dtype=bool), gap
    tpos = np.flatnonzero(trouble)
    as_dst = wall_idx[tpos].tz_localize(tz, ambiguous=np.ones(len(tpos), dtype=bool), nonexistent="NaT")
    in_gap = np.asarray(as_dst.isna())
    gap[tpos[in_gap]] = True
    amb = tpos[~in_gap]
    if len(amb):
        # first row (file order) of a group + wall time -> summer time,
        # later ones -> standard time
        key = pd.DataFrame({"q": groups[amb], "t": wall[amb]})
        is_dst = ~key.duplicated(keep="first").to_numpy()
        res = wall_idx[amb].tz_localize(tz, ambiguous=is_dst)
        ns[amb] = res.tz_convert("UTC").tz_localize(None).asi8
    return ns, ~gap, gap


def aware(ns: np.ndarray, tz: str) -> pd.Series:
    """int64 UTC ns (NaT where :data:`NAT`) -> a tz-aware Series in ``tz``."""
    idx = pd.DatetimeIndex(np.asarray(ns, dtype=np.int64).view("datetime64[ns]")).tz_localize("UTC")
    return pd.Series(idx.tz_convert(tz))


def local_wall_ns(utc_ns: np.ndarray, tz: str) -> np.ndarray:
    """UTC ns -> local wall-clock time in ``tz`` as naive ns (for grids and dates)."""
    return (pd.DatetimeIndex(np.asarray(utc_ns, dtype=np.int64).view("datetime64[ns]"))
            .tz_localize("UTC").tz_convert(tz).tz_localize(None).asi8)


def fmt_local(ns: int, tz: str) -> str:
    """A UTC ns instant as local ``YYYY-MM-DD HH:MM`` (``:SS`` when not 0)."""
    ts = pd.Timestamp(int(ns), tz="UTC").tz_convert(tz)
    return ts.strftime("%Y-%m-%d %H:%M:%S" if ts.second else "%Y-%m-%d %H:%M")


# --------------------------------------------------------------------------
# dates, yes/no
# --------------------------------------------------------------------------


def dates(s: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Parse ``YYYY-MM-DD`` dates (or midnight datetimes).

    Returns ``(days, missing, bad)``: ``days`` as ``datetime64[D]`` (NaT
    where missing or bad). A datetime with a time of day is bad; text may
    carry ``T00:00`` or ``T00:00:00``.
    """
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        idx = pd.DatetimeIndex(s)
        if idx.tz is not None:
            idx = idx.tz_localize(None)
        missing = np.asarray(idx.isna())
        bad = ~missing & np.asarray(idx != idx.normalize())
        return idx.normalize().to_numpy().astype("datetime64[D]"), missing, bad
    conv = s.map(lambda v: v.isoformat() if hasattr(v, "isoformat") else v) if s.dtype == object else s
    t = as_text(conv)
    missing = (t.isna() | t.eq("")).to_numpy(dtype=bool)
    t10 = t.str.slice(0, 10)
    okfmt = t.str.fullmatch(r"\d{4}-\d{2}-\d{2}(T00:00(:00)?)?").fillna(False).to_numpy(dtype=bool)
    got = pd.DatetimeIndex(pd.to_datetime(t10.where(okfmt), format="%Y-%m-%d", errors="coerce"))
    bad = ~missing & np.asarray(got.isna())
    return got.to_numpy().astype("datetime64[D]"), missing, bad


def yes_no(s: pd.Series, default: bool) -> tuple[np.ndarray, np.ndarray]:
    """Parse yes/no cells (yes, y, true, t, 1, 是 / no, n, false, f, 0, 否; any
    case). Returns ``(values, bad)``; blank cells take ``default``."""
    if pd.api.types.is_bool_dtype(s.dtype):
        return s.fillna(default).to_numpy(dtype=bool), np.zeros(len(s), dtype=bool)
    t = as_text(s.astype("str") if s.dtype == object else s).str.lower().fillna("")
    yes = t.isin(_YES).to_numpy(dtype=bool)
    no = t.isin(_NO).to_numpy(dtype=bool)
    is_blank = t.eq("").to_numpy(dtype=bool) | s.isna().to_numpy()
    return np.where(is_blank, default, yes), ~(yes | no | is_blank)


# --------------------------------------------------------------------------
# local clock times
# --------------------------------------------------------------------------


def clock_minute(text: str) -> int | None:
    """``HH:MM`` -> minutes after local midnight (0 to 1440, ``24:00`` is
    1440), or None when it is not a clock time."""
    m = _CLOCK_RE.match(text)
    if not m or int(m.group(1)) > 24 or int(m.group(2)) > 59:
        return None
    v = int(m.group(1)) * 60 + int(m.group(2))
    return v if v <= 1440 else None


def clock_minutes(s: pd.Series, *, stripped: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Vectorised :func:`clock_minute` over a column.

    Returns ``(minutes, is_clock, ok)``: ``is_clock`` where the cell has the
    ``H:MM``/``HH:MM`` shape, ``ok`` where it is also a valid time (hours
    <= 24, minutes < 60, at most 24:00); ``minutes`` is 0 elsewhere.
    ``stripped``: ``s`` is already stripped text without NaN.
    """
    t = s if stripped else as_text(s.astype("str") if s.dtype == object else s).fillna("")
    m = t.str.extract(_CLOCK_RE)
    is_clock = m[0].notna().to_numpy()
    hh = np.zeros(len(t), dtype=np.int64)
    mm = np.zeros(len(t), dtype=np.int64)
    if is_clock.any():
        hh[is_clock] = m[0][is_clock].astype(np.int64).to_numpy()
        mm[is_clock] = m[1][is_clock].astype(np.int64).to_numpy()
    minutes = hh * 60 + mm
    ok = is_clock & (hh <= 24) & (mm < 60) & (minutes <= 1440)
    return np.where(ok, minutes, 0), is_clock, ok


def resolve_clock_times(anchor_utc: np.ndarray, start_min: np.ndarray, end_min: np.ndarray,
                        tz: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Local clock minutes -> UTC ns instants after an anchor (a shift start).

    The start is the first wall-clock ``start_min`` at or after the anchor's
    wall clock; the end is ``end_min`` on the same local day, or the next
    day when it is at or before the start clock. Returns
    ``(start_ns, end_ns, ok)``; ``ok`` is false where a local time does not
    exist or is ambiguous (daylight-saving changes).
    """
    anchor_wall = local_wall_ns(anchor_utc, tz)
    day0 = anchor_wall - anchor_wall % _DAY_NS  # local midnight (wall) of the anchor
    s_wall = day0 + start_min * _NS_PER_MIN
    s_wall = np.where(s_wall < anchor_wall, s_wall + _DAY_NS, s_wall)
    e_wall = s_wall - (s_wall - day0) % _DAY_NS + end_min * _NS_PER_MIN
    e_wall = np.where(e_wall <= s_wall, e_wall + _DAY_NS, e_wall)

    def loc(w):
        idx = pd.DatetimeIndex(w.view("datetime64[ns]")).tz_localize(tz, ambiguous="NaT", nonexistent="NaT")
        ok = ~np.asarray(idx.isna())
        return np.where(ok, idx.asi8, NAT), ok

    s, ok1 = loc(s_wall)
    e, ok2 = loc(e_wall)
    return s, e, ok1 & ok2
