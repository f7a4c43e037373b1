"""The interval table: reading and validating per-interval contact data.

This module owns the data contract for *interval tables*: one row per queue
and interval, giving the contacts offered and their average handle time.
Every other part of ``wfm`` (forecasting, staffing, rostering) consumes the
canonical frame returned by :func:`read_intervals` / :func:`validate_intervals`.

Input columns
-------------
Column names are matched exactly (case-sensitive) after stripping surrounding
whitespace. Any other column is an error, with a "did you mean" hint for near
misses (``AHT`` -> ``aht_s``, ``calls`` -> ``offered``, ``interval start`` ->
``interval_start`` ...).

==================  ========  ====================================================
column              required  meaning
==================  ========  ====================================================
``queue``           no        queue / skill name; absent -> every row is "main"
``interval_start``  yes       ISO 8601 start of the interval, e.g.
                              ``2025-11-11T09:00`` (naive: local wall-clock time
                              in the configured IANA zone ``tz``) or
                              ``2025-11-11T09:00:00+08:00`` / ``...Z`` (the offset
                              is honoured and the time converted to ``tz``);
                              naive and offset rows may be mixed
``offered``         yes       contacts offered in the interval, number >= 0
                              (fractional allowed: forecasts are fractional)
``aht_s``           yes [1]   average handle time in seconds, > 0 where
                              offered > 0 (may be blank where offered == 0)
``handled``         no        contacts handled, number >= 0 (blank allowed)
``abandoned``       no        contacts abandoned, number >= 0 (blank allowed)
``agents``          no        agents on the phones, number >= 0 (blank allowed)
``offered_lower``,  no        a forecast's prediction-interval bounds, >= 0
``offered_upper``
``model``,          no        a forecast's model name and calendar day type:
``calendar``                  text, passed through unchanged
``channel``         no        voice | email | ticket | forum | outbound |
                              backoffice (case-insensitive); absent or blank ->
                              "voice"
``interval_min``    no        interval length in minutes, constant per queue;
                              accepted so that a canonical frame written to a
                              file reads back unchanged
==================  ========  ====================================================

[1] only when ``require_aht=True`` (the default). With ``require_aht=False``
the column may be absent (``aht_s`` is then all NaN) and blanks are allowed;
values that *are* given must still be valid numbers (> 0 where offered > 0,
never negative).

Blank means an empty or whitespace-only cell, or one of ``nan``, ``na``,
``n/a``, ``null``, ``none`` (case-insensitive) in a numeric column. Rows in
which every cell is blank are ignored (but still counted for row numbers).

Interval length
---------------
Per queue, the interval length is, in this order of precedence:

1. the ``interval_min`` argument (any positive integer number of minutes that
   divides 1440);
2. the ``interval_min`` column, if present;
3. inferred: the most common positive step between consecutive distinct
   timestamps of the queue (ties go to the smaller step). On regular data with
   gaps this is the smallest step. It must be 15, 30 or 60 minutes. The most
   common step rather than the smallest is used so that a single stray row
   (``10:45`` in 30-minute data) is reported instead of silently turning the
   whole queue into 15-minute data with gaps (which would double the staffing);
4. a queue with a single timestamp takes the most common length of the other
   queues, or 30 minutes if there is no other queue.

Every timestamp must be aligned: its local wall-clock time (in ``tz``) must be
a whole number of interval lengths after local midnight, with zero seconds.
Steps between consecutive timestamps of a queue must be multiples of the
length (gaps are allowed). A row that starts less than one interval after
the previous row of its queue is reported as an *inconsistent interval
length* (naming both rows); other off-grid rows as *not aligned*. Steps are measured in elapsed time, so the
23- and 25-hour days of daylight-saving zones are handled: on the autumn
transition day in ``Europe/Berlin`` the 02:00-03:00 hour occurs twice, both
times on the wall-clock grid.

Naive timestamps in a DST gap (e.g. ``2025-03-30T02:30`` in Europe/Berlin)
do not exist and are reported. Naive timestamps in the repeated autumn hour
are ambiguous: per queue, the first row (in file order) with a given wall-clock
time is taken as the earlier (summer-time) instant and a second row with the
same wall-clock time as the later (standard-time) instant; write explicit
offsets to avoid relying on this.

Errors
------
All violations are collected and raised together as one
:class:`wfm.errors.InputError` (at most 50 listed, then ``... and N more
problems``), each rendered ``file:row: column: problem (expected ...)``.
``row`` is the spreadsheet row: the header is row 1 and the first data row is
row 2. For Parquet files and DataFrames the row is the position in the table
+ 2 as well, so the numbering is the same whatever the format. (A CSV field
with an embedded line break shifts the numbering of later rows.)

Canonical output
----------------
A new DataFrame (the caller's frame or file is never modified), sorted by
``queue`` then ``interval_start``, with a fresh RangeIndex and columns, in
this order:

=================  ====================================  =====================
column             dtype                                 notes
=================  ====================================  =====================
``queue``          ``str`` (pandas default string dtype)  "main" if absent
``interval_start`` ``datetime64[ns, <tz>]``              aware, in ``tz``
``interval_min``   ``int64``                             constant per queue
``channel``        ``str``                               "voice" if absent
``offered``        ``float64``                           >= 0
``aht_s``          ``float64``                           > 0 where offered > 0;
                                                         NaN allowed only when
                                                         ``require_aht=False``
                                                         or offered == 0
``handled``        ``float64``                           only if in the input
``abandoned``      ``float64``                           only if in the input
``agents``         ``float64``                           only if in the input
``offered_lower``, ``float64``                           only if in the input
``offered_upper``
``model``,         ``str``                               only if in the input
``calendar``
=================  ====================================  =====================
"""

from __future__ import annotations

import csv
import difflib
import os
import re
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from wfm import DEFAULT_TZ
from wfm.errors import InputError, Problem

__all__ = [
    "CHANNELS",
    "SUPPORTED_INTERVAL_MIN",
    "read_intervals",
    "validate_intervals",
]

#: Channel values accepted in the ``channel`` column.
CHANNELS = ("voice", "email", "ticket", "forum", "outbound", "backoffice")
#: Interval lengths (minutes) accepted when the length is inferred.
SUPPORTED_INTERVAL_MIN = (15, 30, 60)
#: Most problems listed in one InputError before "... and N more problems".
MAX_PROBLEMS = 50

_DEFAULT_QUEUE = "main"
_DEFAULT_CHANNEL = "voice"
_SINGLE_ROW_DEFAULT_MIN = 30

# Every input column, in output order (interval_min is derived when absent).
_KNOWN = (
    "queue",
    "interval_start",
    "interval_min",
    "channel",
    "offered",
    "aht_s",
    "handled",
    "abandoned",
    "agents",
    "offered_lower",
    "offered_upper",
    "model",
    "calendar",
)
_NUMERIC = ("interval_min", "offered", "aht_s", "handled", "abandoned", "agents",
            "offered_lower", "offered_upper")
_OPTIONAL_COUNTS = ("handled", "abandoned", "agents", "offered_lower", "offered_upper")
# Descriptive text a forecast carries along (which model, which calendar day
# type); passed through unchanged so a forecast file can be staffed directly.
_PASSTHROUGH_TEXT = ("model", "calendar")
_RANK = {c: i for i, c in enumerate(_KNOWN)}

_DESCRIBE = {
    "queue": "a queue name",
    "interval_start": "an ISO 8601 interval start such as 2025-11-11T09:00",
    "offered": "contacts offered per interval (a number >= 0)",
    "aht_s": "average handle time in seconds (a number > 0)",
    "handled": "contacts handled (a number >= 0)",
    "abandoned": "contacts abandoned (a number >= 0)",
    "agents": "agents on the phones (a number >= 0)",
    "offered_lower": "lower bound of a forecast's prediction interval (a number >= 0)",
    "offered_upper": "upper bound of a forecast's prediction interval (a number >= 0)",
    "model": "the forecast model's name (text)",
    "calendar": "the calendar day type of a forecast (text)",
    "channel": "one of " + ", ".join(CHANNELS),
    "interval_min": "the interval length in minutes",
}

# Common names planners use for our columns (keys normalised by _norm_name).
_SYNONYMS = {
    "calls": "offered",
    "volume": "offered",
    "contacts": "offered",
    "offered_calls": "offered",
    "calls_offered": "offered",
    "contacts_offered": "offered",
    "arrivals": "offered",
    "aht": "aht_s",
    "handle_time": "aht_s",
    "handling_time": "aht_s",
    "avg_handle_time": "aht_s",
    "average_handle_time": "aht_s",
    "aht_sec": "aht_s",
    "aht_secs": "aht_s",
    "aht_seconds": "aht_s",
    "aht_min": "aht_s",
    "aht_mins": "aht_s",
    "aht_minutes": "aht_s",
    "start": "interval_start",
    "time": "interval_start",
    "timestamp": "interval_start",
    "datetime": "interval_start",
    "date_time": "interval_start",
    "start_time": "interval_start",
    "interval": "interval_start",
    "period": "interval_start",
    "skill": "queue",
    "split": "queue",
    "queue_name": "queue",
    "skillset": "queue",
    "answered": "handled",
    "calls_handled": "handled",
    "abandons": "abandoned",
    "abandoned_calls": "abandoned",
    "staff": "agents",
    "media": "channel",
    "media_type": "channel",
    "interval_length": "interval_min",
    "interval_minutes": "interval_min",
}

# Text that means "no value" in a numeric column.
_MISSING_TOKENS = frozenset({"", "nan", "na", "n/a", "null", "none"})
# Years accepted in timestamps: catches typos such as 0205 and keeps the
# nanosecond datetime range safe.
_YEAR_MIN, _YEAR_MAX = 1900, 2199
_NS_PER_MIN = 60_000_000_000
_MIN_NS = np.datetime64(f"{_YEAR_MIN}-01-01T00:00", "ns").astype(np.int64)
_MAX_NS = np.datetime64(f"{_YEAR_MAX + 1}-01-01T00:00", "ns").astype(np.int64)
_ISO_EXAMPLE = "ISO 8601 such as 2025-11-11T09:00 or 2025-11-11T09:00+08:00"


# --------------------------------------------------------------------------
# public API
# --------------------------------------------------------------------------


def read_intervals(
    path: str | os.PathLike,
    *,
    tz: str = DEFAULT_TZ,
    interval_min: int | None = None,
    require_aht: bool = True,
) -> pd.DataFrame:
    """Read an interval table from CSV, Excel or Parquet and validate it.

    Parameters
    ----------
    path:
        ``.csv`` (UTF-8, with or without BOM; GB18030 is tried if the file is
        not UTF-8), ``.xlsx``/``.xlsm`` (first sheet, header in row 1, read
        with openpyxl) or ``.parquet``/``.pq``. Any other extension is an
        :class:`~wfm.errors.InputError`. The file is only read, never changed.
    tz:
        IANA time zone of naive timestamps and of the returned
        ``interval_start`` column.
    interval_min:
        Interval length in minutes for every queue. ``None`` infers it per
        queue (must then be 15, 30 or 60); a given value may be any positive
        integer dividing 1440.
    require_aht:
        If true (default) ``aht_s`` must be present and given wherever
        ``offered > 0``.

    Returns
    -------
    The canonical interval table (see the module docstring).

    Raises
    ------
    InputError
        Missing or unreadable file, unknown extension, or any violation found
        by :func:`validate_intervals`; every problem is listed with the
        spreadsheet row (header = row 1).
    """
    name = str(path)
    p = Path(path)
    if not p.exists():
        raise InputError(
            Problem(name, None, None, "file not found",
                    "an existing CSV, Excel (.xlsx) or Parquet file")
        )
    if not p.is_file():
        raise InputError(
            Problem(name, None, None, "is not a file",
                    "a CSV, Excel (.xlsx) or Parquet file")
        )
    ext = p.suffix.lower()
    if ext == ".csv":
        df = _read_csv(p, name)
    elif ext in (".xlsx", ".xlsm"):
        df = _read_excel(p, name)
    elif ext in (".parquet", ".pq"):
        df = _read_parquet(p, name)
    else:
        hint = " (save it as .xlsx or .csv)" if ext == ".xls" else ""
        raise InputError(
            Problem(name, None, None, f"unsupported file extension {ext or '(none)'!r}{hint}",
                    ".csv, .xlsx or .parquet")
        )
    return validate_intervals(
        df, source=name, tz=tz, interval_min=interval_min, require_aht=require_aht
    )


def validate_intervals(
    df: pd.DataFrame,
    *,
    source: str = "<dataframe>",
    tz: str = DEFAULT_TZ,
    interval_min: int | None = None,
    require_aht: bool = True,
) -> pd.DataFrame:
    """Check an interval table and return its canonical form.

    ``df`` holds the raw columns (any dtypes: text, numbers, naive or aware
    datetimes). It is not modified. Row numbers in problems are the position
    in ``df`` + 2, matching the spreadsheet row of a file whose header is
    row 1. ``source`` names the input in problems.

    See the module docstring for the columns, the interval-length rules and
    the returned frame. Raises :class:`~wfm.errors.InputError` listing every
    problem found.
    """
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"validate_intervals expects a pandas DataFrame, got {type(df).__name__}")
    return _Validator(df, source, tz, interval_min, require_aht).run()


# --------------------------------------------------------------------------
# readers: return the raw table with the header names exactly as in the file
# --------------------------------------------------------------------------


def _empty(name: str, what: str = "file is empty") -> InputError:
    return InputError(
        Problem(name, None, None, what,
                "a header row (queue, interval_start, offered, aht_s, ...) and data rows")
    )


def _read_csv(p: Path, name: str) -> pd.DataFrame:
    if p.stat().st_size == 0:
        raise _empty(name)
    last_err: Exception | None = None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return _read_csv_encoded(p, name, encoding)
        except UnicodeDecodeError as exc:
            last_err = exc
    raise InputError(
        Problem(name, None, None, f"cannot decode the file as text ({last_err})",
                "a UTF-8 encoded CSV file")
    )


def _read_csv_encoded(p: Path, name: str, encoding: str) -> pd.DataFrame:
    with open(p, newline="", encoding=encoding) as fh:
        header = next(csv.reader(fh), None)
    if header is None or not any(h.strip() for h in header):
        raise _empty(name, "file is empty" if header is None else "header row (row 1) is blank")
    k = len(header)
    stripped = [h.strip() for h in header]
    # Numeric columns: let the C parser convert numbers (fast); "" and the usual
    # NA spellings become NaN. Text columns keep every string (a queue called
    # "NA" is a queue), so values are taken as they are.
    numeric_pos = [i for i, h in enumerate(stripped) if h in _NUMERIC]
    na = sorted(_MISSING_TOKENS | {t.upper() for t in _MISSING_TOKENS} | {"NaN", "N/A", "Null", "None"})
    try:
        df = pd.read_csv(
            p,
            header=0,
            names=list(range(k)),
            index_col=False,
            dtype={i: "str" for i in range(k) if i not in numeric_pos},
            keep_default_na=False,
            na_values={i: na for i in numeric_pos},
            skip_blank_lines=False,
            encoding=encoding,
            engine="c",
            low_memory=False,
        )
    except pd.errors.ParserError as exc:
        m = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(exc))
        if m:
            raise InputError(
                Problem(name, int(m.group(2)), None,
                        f"row has {m.group(3)} fields but the header has {m.group(1)}",
                        "one value per header column (quote values that contain commas)")
            ) from None
        raise InputError(Problem(name, None, None, f"cannot parse CSV: {exc}", "a valid CSV file")) from None
    except pd.errors.EmptyDataError:
        raise _empty(name) from None
    df.columns = header
    return df


def _read_excel(p: Path, name: str) -> pd.DataFrame:
    try:
        raw = pd.read_excel(p, sheet_name=0, header=None, engine="openpyxl", dtype=object)
    except Exception as exc:  # openpyxl raises a variety of errors for bad files
        raise InputError(
            Problem(name, None, None, f"cannot read as an Excel workbook ({type(exc).__name__}: {exc})",
                    "a valid .xlsx file")
        ) from None
    if raw.shape[0] == 0 or raw.shape[1] == 0:
        raise _empty(name, "first sheet is empty")
    header = ["" if pd.isna(v) else str(v) for v in raw.iloc[0].tolist()]
    if not any(h.strip() for h in header):
        raise _empty(name, "header row (row 1) of the first sheet is blank")
    df = raw.iloc[1:].reset_index(drop=True)
    df.columns = header
    return df


def _read_parquet(p: Path, name: str) -> pd.DataFrame:
    if p.stat().st_size == 0:
        raise _empty(name)
    try:
        df = pd.read_parquet(p)
    except Exception as exc:
        raise InputError(
            Problem(name, None, None, f"cannot read as Parquet ({type(exc).__name__}: {exc})",
                    "a valid Parquet file")
        ) from None
    return df.reset_index(drop=True)


# --------------------------------------------------------------------------
# column parsing helpers (vectorised)
# --------------------------------------------------------------------------


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
        blank_all &= _blank(df.iloc[:, i])
        if not blank_all.any():
            break
    return np.flatnonzero(~blank_all)


def _is_textlike(s: pd.Series) -> bool:
    return not (
        pd.api.types.is_numeric_dtype(s.dtype) or pd.api.types.is_datetime64_any_dtype(s.dtype)
    )


def _as_text(s: pd.Series) -> pd.Series:
    """Values as stripped strings (NaN where missing)."""
    if not (pd.api.types.is_string_dtype(s.dtype) and s.dtype != object):
        s = s.astype("str")
    return s.str.strip()


def _blank(s: pd.Series) -> np.ndarray:
    """True where a cell is empty (NaN/None or only whitespace)."""
    na = s.isna().to_numpy()
    if _is_textlike(s):
        na = na | _as_text(s).eq("").fillna(False).to_numpy(dtype=bool)
    return na


def _numbers(s: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Parse a column as float64.

    Returns ``(values, missing, bad)``: ``missing`` marks blank cells (NaN in
    ``values``), ``bad`` marks cells that are not numbers (NaN in ``values``).
    Infinite values are returned as such for the caller to reject.
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
        text = _as_text(sub)
        is_missing = (sub.isna() | text.str.lower().isin(_MISSING_TOKENS)).to_numpy(dtype=bool)
        is_missing = is_missing & ~weird[idx]
        missing[idx] = is_missing
        bad[idx] = ~is_missing
    return values, missing, bad


def _offset_mask(text: pd.Series) -> np.ndarray:
    """True where an ISO 8601 string carries a UTC offset (``Z``, ``+08:00``, ``-0500``).

    Only the part after the 10-character date is looked at, so the dashes of
    the date itself never count as a negative offset.
    """
    tail = text.str.slice(10)
    return tail.str.contains(r"[Zz+-]", regex=True).fillna(False).to_numpy(dtype=bool)


@dataclass
class _Times:
    utc_ns: np.ndarray  # int64 instants (UTC ns); meaningful where ok
    ok: np.ndarray  # parsed, in range and existing
    missing: np.ndarray
    bad: np.ndarray  # unparseable
    out_of_range: np.ndarray
    nonexistent: np.ndarray  # naive local time inside a DST gap


def _timestamps(s: pd.Series, tz: str, queue_codes: np.ndarray) -> _Times:
    n = len(s)
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
        if s.dtype == object and pd.api.types.infer_dtype(s, skipna=True) not in ("string", "empty"):
            # Excel gives datetime objects (naive) mixed with text cells
            conv = s.map(lambda v: v.isoformat() if hasattr(v, "isoformat") else v)
            text = _as_text(conv)
        else:
            text = _as_text(s)
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
        inr = (years >= _YEAR_MIN) & (years <= _YEAR_MAX)
        out_of_range[positions[~inr]] = True
        return positions[inr], idx[inr].as_unit("ns").asi8

    for pos, idx in aware_parts:
        pos, ns = _to_ns(pos, idx)
        utc_ns[pos] = ns
        parsed_ok[pos] = True

    nonexistent = np.zeros(n, dtype=bool)
    if naive_vals is not None and len(naive_vals):
        pos, wall = _to_ns(np.flatnonzero(naive_mask), naive_vals)
        wall_idx = pd.DatetimeIndex(wall.view("datetime64[ns]"))
        loc = wall_idx.tz_localize(tz, ambiguous="NaT", nonexistent="NaT")
        trouble = np.asarray(loc.isna())
        ns = loc.tz_convert("UTC").tz_localize(None).asi8.copy()
        if trouble.any():
            tpos = np.flatnonzero(trouble)
            sub = wall_idx[tpos]
            as_dst = sub.tz_localize(tz, ambiguous=np.ones(len(tpos), dtype=bool), nonexistent="NaT")
            gap = np.asarray(as_dst.isna())
            nonexistent[pos[tpos[gap]]] = True
            amb = tpos[~gap]
            if len(amb):
                # first row (file order) of a queue + wall time -> summer time,
                # later ones -> standard time
                key = pd.DataFrame({"q": queue_codes[pos[amb]], "t": wall[amb]})
                is_dst = ~key.duplicated(keep="first").to_numpy()
                res = wall_idx[amb].tz_localize(tz, ambiguous=is_dst)
                ns[amb] = res.tz_convert("UTC").tz_localize(None).asi8
            ok_local = ~trouble
            ok_local[amb] = True
        else:
            ok_local = np.ones(len(pos), dtype=bool)
        utc_ns[pos[ok_local]] = ns[ok_local]
        parsed_ok[pos[ok_local]] = True

    return _Times(utc_ns, parsed_ok, missing, bad, out_of_range, nonexistent)


def _norm_name(name: str) -> str:
    key = name.strip().lower()
    key = re.sub(r"[()\[\]{}]", " ", key)
    key = re.sub(r"[\s\-./]+", "_", key)
    return key.strip("_")


def _suggest(name: str) -> str | None:
    """Best guess of the canonical column meant by an unknown column name."""
    key = _norm_name(name)
    if key in _KNOWN:
        return key
    if key in _SYNONYMS:
        return _SYNONYMS[key]
    candidates = list(_KNOWN) + list(_SYNONYMS)
    match = difflib.get_close_matches(key, candidates, n=1, cutoff=0.75)
    if match:
        return _SYNONYMS.get(match[0], match[0])
    return None


def _fmt_num(v: float) -> str:
    return f"{v:g}"


def _fmt_minutes(ns: int | np.integer) -> str:
    return f"{int(ns) / _NS_PER_MIN:g}"


def _fmt_wall(ns: int | np.integer) -> str:
    ts = pd.Timestamp(int(ns))
    return ts.strftime("%Y-%m-%d %H:%M:%S" if ts.second or ts.nanosecond or ts.microsecond
                       else "%Y-%m-%d %H:%M")


# --------------------------------------------------------------------------
# problem collection: row problems are kept as index arrays and only the
# first MAX_PROBLEMS are formatted, so a million bad rows stay cheap
# --------------------------------------------------------------------------


@dataclass
class _RowIssue:
    pos: np.ndarray  # positions (sorted) into the non-blank data rows
    rank: int  # column order for sorting problems within a row
    make: Callable[[int], Problem]


class _Problems:
    def __init__(self, source: str, rows: np.ndarray | None = None):
        self.source = source
        self.general: list[Problem] = []
        self.issues: list[_RowIssue] = []
        self.rows = rows

    def add(self, column: str | None, problem: str, expected: str | None = None, row=None):
        self.general.append(Problem(self.source, row, column, problem, expected))

    def add_rows(self, mask_or_pos: np.ndarray, column: str, make: Callable[[int], Problem]):
        arr = np.asarray(mask_or_pos)
        pos = np.flatnonzero(arr) if arr.dtype == bool else np.sort(arr.astype(np.int64))
        if len(pos):
            self.issues.append(_RowIssue(pos, _RANK.get(column, len(_RANK)), make))

    def problem(self, pos: int, column: str, problem: str, expected: str | None) -> Problem:
        return Problem(self.source, int(self.rows[pos]), column, problem, expected)

    def __bool__(self) -> bool:
        return bool(self.general or self.issues)

    def raise_if_any(self) -> None:
        if not self:
            return
        total = len(self.general) + sum(len(i.pos) for i in self.issues)
        shown = list(self.general[:MAX_PROBLEMS])
        room = MAX_PROBLEMS - len(shown)
        if room > 0 and self.issues:
            cand = []
            for k, issue in enumerate(self.issues):
                for p in issue.pos[:room]:
                    cand.append((int(p), issue.rank, k))
            cand.sort()
            shown += [self.issues[k].make(p) for p, _, k in cand[:room]]
        if total > len(shown):
            shown.append(Problem(self.source, None, None, f"... and {total - len(shown)} more problems"))
        raise InputError(shown)


# --------------------------------------------------------------------------
# the validator
# --------------------------------------------------------------------------


class _Validator:
    """Runs the checks of :func:`validate_intervals` (orchestration only)."""

    def __init__(self, df, source, tz, interval_min, require_aht):
        self.df = df
        self.source = source
        self.tz = tz
        self.interval_min = interval_min
        self.require_aht = require_aht
        self.P = _Problems(source)

    # -- header ----------------------------------------------------------
    def _check_options(self) -> None:
        P = self.P
        try:
            if not isinstance(self.tz, str) or not self.tz:
                raise ValueError
            zoneinfo.ZoneInfo(self.tz)
        except (ValueError, zoneinfo.ZoneInfoNotFoundError):
            P.add(None, f"unknown time zone {self.tz!r}", "an IANA time zone such as Asia/Shanghai")
            self.tz = None
        im = self.interval_min
        if im is not None:
            if isinstance(im, bool) or not isinstance(im, (int, np.integer)) or im <= 0 or 1440 % im:
                P.add(None, f"interval_min={im!r} is not a whole number of minutes dividing a day",
                      "a positive integer dividing 1440, e.g. 15, 30 or 60")
                self.interval_min = None
            else:
                self.interval_min = int(im)

    def _check_header(self) -> dict[str, int]:
        """Map canonical column -> position; report header problems."""
        P, df = self.P, self.df
        names = ["" if c is None else str(c) for c in df.columns]
        stripped = [n.strip() for n in names]
        found: dict[str, int] = {}
        seen: dict[str, int] = {}
        if len(names) == 1 and any(sep in names[0] for sep in (";", "\t", "|")):
            sep = next(s for s in (";", "\t", "|") if s in names[0])
            P.add(None, f"the header is a single column that looks {sep!r}-separated",
                  "comma-separated values")
            return found
        for i, name in enumerate(stripped):
            if name == "":
                if not _blank(df.iloc[:, i]).all():
                    P.add(f"column {i + 1}", "has values but no header name",
                          "a header name such as " + ", ".join(_KNOWN[:6]))
                continue
            if name in seen:
                P.add(name, f"column appears more than once (columns {seen[name] + 1} and {i + 1})",
                      "each column once")
                continue
            seen[name] = i
            if name in _KNOWN:
                found[name] = i
                continue
            guess = _suggest(name)
            problem = f"unknown column {name!r}"
            if guess is not None:
                problem += f"; did you mean {guess!r}?"
                if guess == "aht_s" and any(t.startswith("min") for t in _norm_name(name).split("_")):
                    problem += " (aht_s is in seconds: multiply minutes by 60)"
                elif guess == name.lower():
                    problem += " (column names are case-sensitive)"
            P.add(name, problem, "only these columns: " + ", ".join(_KNOWN))
        required = ["interval_start", "offered"] + (["aht_s"] if self.require_aht else [])
        index_names = {str(n) for n in getattr(df.index, "names", []) if n is not None}
        for col in required:
            if col not in found:
                hint = ""
                if col in index_names:
                    hint = " (it is the DataFrame index: call reset_index() first)"
                P.add(col, "missing required column" + hint, "a column named "
                      f"{col}: {_DESCRIBE[col]}")
        return found

    # -- main --------------------------------------------------------------
    def run(self) -> pd.DataFrame:
        P, df = self.P, self.df
        self._check_options()
        if df.shape[1] == 0:
            P.add(None, "no columns (the table is empty)",
                  "a header row (queue, interval_start, offered, aht_s, ...) and data rows")
            P.raise_if_any()
        cols = self._check_header()

        # drop rows in which every cell is blank, remembering spreadsheet rows
        keep = nonblank_rows(df)
        rows = keep + 2
        P.rows = rows
        n = len(keep)
        if n == 0:
            P.add(None, "no data rows" + (" (only a header)" if len(df) == 0 else " (all rows are blank)"),
                  "at least one row of interval data below the header")
            P.raise_if_any()
        dropped = n != len(df)

        def col(name: str) -> pd.Series | None:
            if name not in cols:
                return None
            s = df.iloc[:, cols[name]]
            if dropped:
                s = s.iloc[keep]
            return s.reset_index(drop=True)

        # -- queue
        qs = col("queue")
        if qs is None:
            queue = pd.Series(np.full(n, _DEFAULT_QUEUE, dtype=object)).astype("str")
            q_ok = np.ones(n, dtype=bool)
        else:
            queue = _as_text(qs)
            q_missing = (queue.isna() | queue.eq("")).to_numpy(dtype=bool)
            q_ok = ~q_missing
            P.add_rows(q_missing, "queue", lambda p: P.problem(
                p, "queue", "missing queue name",
                "a queue name (or no queue column at all for a single queue)"))
        q_codes, q_names = pd.factorize(queue, sort=True)
        q_names = np.asarray(q_names, dtype=object)

        # -- channel
        cs = col("channel")
        if cs is None:
            channel = pd.Series(np.full(n, _DEFAULT_CHANNEL, dtype=object)).astype("str")
        else:
            ctext = _as_text(cs)
            channel = ctext.str.lower().fillna("").replace("", _DEFAULT_CHANNEL)
            unknown = ~channel.isin(CHANNELS).to_numpy(dtype=bool)
            P.add_rows(unknown, "channel", lambda p: P.problem(
                p, "channel", f"unknown channel {ctext.iloc[p]!r}", _DESCRIBE["channel"]))
            channel = channel.astype("str")

        # -- numeric columns
        raw_text: dict[str, pd.Series] = {}

        def raw(name: str, p: int) -> str:
            s = raw_text[name]
            v = s.iloc[p]
            return repr(v.strip() if isinstance(v, str) else v)

        def numbers(name: str):
            s = col(name)
            if s is None:
                return None
            raw_text[name] = s
            values, missing, bad = _numbers(s)
            P.add_rows(bad, name, lambda p: P.problem(
                p, name, f"{raw(name, p)} is not a number", _DESCRIBE[name]))
            inf = np.isinf(values)
            P.add_rows(inf, name, lambda p: P.problem(
                p, name, f"{_fmt_num(values[p])} is not a finite number", _DESCRIBE[name]))
            return values, missing, bad | inf

        offered = numbers("offered")
        if offered is not None:
            off_v, off_missing, off_bad = offered
            P.add_rows(off_missing, "offered", lambda p: P.problem(
                p, "offered", "missing value", _DESCRIBE["offered"] + "; 0 when none were offered"))
            neg = off_v < 0
            P.add_rows(neg, "offered", lambda p: P.problem(
                p, "offered", f"{_fmt_num(off_v[p])} is negative", _DESCRIBE["offered"]))
            off_pos = off_v > 0
        else:
            off_v = np.full(n, np.nan)
            off_pos = np.zeros(n, dtype=bool)

        aht = numbers("aht_s")
        if aht is not None:
            aht_v, aht_missing, _ = aht
            neg = aht_v < 0
            P.add_rows(neg, "aht_s", lambda p: P.problem(
                p, "aht_s", f"{_fmt_num(aht_v[p])} is negative", _DESCRIBE["aht_s"]))
            zero = (aht_v == 0) & off_pos
            P.add_rows(zero, "aht_s", lambda p: P.problem(
                p, "aht_s", f"0 seconds for an interval with offered {_fmt_num(off_v[p])} > 0",
                _DESCRIBE["aht_s"]))
            if self.require_aht:
                need = aht_missing & off_pos
                P.add_rows(need, "aht_s", lambda p: P.problem(
                    p, "aht_s", f"missing value for an interval with offered {_fmt_num(off_v[p])} > 0",
                    _DESCRIBE["aht_s"] + " wherever offered > 0"))
        else:
            aht_v = np.full(n, np.nan)

        extra: dict[str, np.ndarray] = {}
        for name in _OPTIONAL_COUNTS:
            got = numbers(name)
            if got is None:
                continue
            v = got[0]
            neg = v < 0
            P.add_rows(neg, name, lambda p, name=name, v=v: P.problem(
                p, name, f"{_fmt_num(v[p])} is negative", _DESCRIBE[name]))
            extra[name] = v

        # interval_min column (optional)
        im_col = numbers("interval_min")
        im_row = None
        if im_col is not None:
            im_v, im_missing, im_bad = im_col
            valid = ~(im_missing | im_bad) & (im_v > 0) & (im_v == np.round(im_v))
            valid &= np.where(valid, 1440 % np.where(valid, im_v, 1) == 0, False)
            P.add_rows(~valid & ~im_bad, "interval_min", lambda p: P.problem(
                p, "interval_min",
                "missing value" if im_missing[p] else f"{_fmt_num(im_v[p])} minutes does not divide a day",
                "a positive whole number of minutes dividing 1440, e.g. 15, 30 or 60"))
            im_row = np.where(valid, im_v, np.nan)

        # -- timestamps
        ts = col("interval_start")
        if ts is None or self.tz is None:
            out = None
        else:
            out = self._timeline(ts, q_codes, q_names, q_ok, im_row, rows)

        P.raise_if_any()
        assert out is not None
        utc_ns, length_min = out

        # -- assemble the canonical frame
        order = np.lexsort((utc_ns, q_codes))
        data = {
            "queue": queue.iloc[order].reset_index(drop=True).astype("str"),
            "interval_start": pd.DatetimeIndex(utc_ns[order].view("datetime64[ns]"))
            .tz_localize("UTC")
            .tz_convert(self.tz),
            "interval_min": length_min[q_codes[order]].astype(np.int64),
            "channel": channel.iloc[order].reset_index(drop=True).astype("str"),
            "offered": off_v[order].astype(np.float64),
            "aht_s": aht_v[order].astype(np.float64),
        }
        for name, v in extra.items():
            data[name] = v[order].astype(np.float64)
        for name in _PASSTHROUGH_TEXT:
            text = col(name)
            if text is not None:
                data[name] = text.iloc[order].reset_index(drop=True).fillna("").astype("str")
        result = pd.DataFrame(data)
        result.index = pd.RangeIndex(len(result))
        return result

    # -- timestamps, duplicates, interval length, alignment ------------------
    def _timeline(self, ts, q_codes, q_names, q_ok, im_row, rows):
        P, tz = self.P, self.tz
        n = len(ts)
        raw_ts = ts

        def raw(p):
            v = raw_ts.iloc[p]
            return repr(v.strip() if isinstance(v, str) else str(v))

        T = _timestamps(ts, tz, q_codes)
        P.add_rows(T.missing, "interval_start", lambda p: P.problem(
            p, "interval_start", "missing value", _ISO_EXAMPLE))
        P.add_rows(T.bad, "interval_start", lambda p: P.problem(
            p, "interval_start", f"{raw(p)} is not a valid timestamp", _ISO_EXAMPLE))
        P.add_rows(T.out_of_range, "interval_start", lambda p: P.problem(
            p, "interval_start", f"{raw(p)} is outside the years {_YEAR_MIN}-{_YEAR_MAX}",
            "a plausible date"))
        P.add_rows(T.nonexistent, "interval_start", lambda p: P.problem(
            p, "interval_start",
            f"{raw(p)} does not exist in {tz} (the clocks skip it when daylight saving time starts)",
            "an existing local time, or a UTC offset such as +01:00"))

        good = T.ok & q_ok
        gpos = np.flatnonzero(good)
        n_q = len(q_names)
        length_ns = np.full(n_q, _SINGLE_ROW_DEFAULT_MIN * _NS_PER_MIN, dtype=np.int64)
        if len(gpos) == 0:
            return T.utc_ns, length_ns // _NS_PER_MIN

        # local wall-clock time as naive ns (for alignment)
        inst = T.utc_ns[gpos]
        wall = (
            pd.DatetimeIndex(inst.view("datetime64[ns]"))
            .tz_localize("UTC")
            .tz_convert(tz)
            .tz_localize(None)
            .asi8
        )
        qc = q_codes[gpos]

        # duplicates: same queue and instant; the first file row is the original
        order = np.lexsort((gpos, inst, qc))
        s_q, s_t, s_pos = qc[order], inst[order], gpos[order]
        same = np.zeros(len(order), dtype=bool)
        same[1:] = (s_q[1:] == s_q[:-1]) & (s_t[1:] == s_t[:-1])
        grp_start = np.maximum.accumulate(np.where(~same, np.arange(len(order)), 0))
        first_pos = s_pos[grp_start]
        dup_pos = s_pos[same]
        dup_first = np.full(n, -1, dtype=np.int64)
        dup_first[dup_pos] = first_pos[same]

        def dup_problem(p):
            f = int(dup_first[p])
            return P.problem(
                p, "interval_start",
                f"duplicate of row {int(rows[f])} (same queue {q_names[q_codes[p]]!r} and "
                f"interval_start {raw(p)})",
                "one row per queue and interval")

        P.add_rows(dup_pos, "interval_start", dup_problem)

        # distinct instants per queue, in time order
        u = ~same
        u_q, u_t, u_pos = s_q[u], s_t[u], s_pos[u]
        u_wall = wall[order][u]
        has_prev = np.zeros(len(u_q), dtype=bool)
        has_prev[1:] = u_q[1:] == u_q[:-1]
        step = np.zeros(len(u_q), dtype=np.int64)
        step[1:] = u_t[1:] - u_t[:-1]
        wstep = np.zeros(len(u_q), dtype=np.int64)
        wstep[1:] = u_wall[1:] - u_wall[:-1]
        prev_pos = np.full(len(u_q), -1, dtype=np.int64)
        prev_pos[1:] = u_pos[:-1]
        prev_pos[~has_prev] = -1

        # interval length per queue
        source = np.array(["inferred from the most common step between rows"] * n_q, dtype=object)
        length_ok = np.ones(n_q, dtype=bool)
        queues_with_steps = np.unique(u_q[has_prev])
        if self.interval_min is not None:
            length_ns[:] = self.interval_min * _NS_PER_MIN
            source[:] = "given as interval_min"
            if im_row is not None:
                self._check_column_against_option(im_row, good, q_codes, q_names)
        elif im_row is not None:
            length_ns, src_ok = self._lengths_from_column(im_row, good, q_codes, q_names, length_ns)
            source[src_ok] = "from the interval_min column"
            length_ok &= src_ok | ~np.isin(np.arange(n_q), np.unique(qc))
        else:
            sq, ss = u_q[has_prev], step[has_prev]
            if len(sq):
                counts = pd.DataFrame({"q": sq, "s": ss}).value_counts(sort=False).reset_index()
                counts = counts.sort_values(["q", "count", "s"], ascending=[True, False, True])
                best = counts.drop_duplicates("q", keep="first")
                length_ns[best["q"].to_numpy()] = best["s"].to_numpy()
            # queues with a single instant: the other queues' usual length, else 30
            single = np.setdiff1d(np.unique(qc), queues_with_steps)
            if len(single):
                supported = [q for q in queues_with_steps
                             if length_ns[q] in {m * _NS_PER_MIN for m in SUPPORTED_INTERVAL_MIN}]
                if supported:
                    vals, cnt = np.unique(length_ns[supported], return_counts=True)
                    fill = vals[np.argmax(cnt)]
                    source[single] = "taken from the other queues: this queue has a single timestamp"
                else:
                    fill = _SINGLE_ROW_DEFAULT_MIN * _NS_PER_MIN
                    source[single] = ("assumed for a queue with a single timestamp; "
                                      "pass interval_min to set it")
                length_ns[single] = fill
            for q in queues_with_steps:
                L = int(length_ns[q])
                if L not in {m * _NS_PER_MIN for m in SUPPORTED_INTERVAL_MIN}:
                    length_ok[q] = False
                    where = np.flatnonzero(has_prev & (u_q == q) & (step == L))
                    p = int(u_pos[where[0]])
                    P.add("interval_start",
                          f"queue {q_names[q]!r} has {_fmt_minutes(L)}-minute intervals (the most "
                          f"common step between its rows, first at row {int(rows[p])})",
                          "15, 30 or 60 minutes, or pass interval_min=<minutes> for another length "
                          "that divides 1440",
                          row=int(rows[p]))

        # alignment on the local wall clock
        Lrow = length_ns[qc]
        aligned = (wall % Lrow) == 0
        checked = length_ok[qc]
        misaligned = checked & ~aligned
        # step information for each row (via its distinct instant)
        u_index = np.empty(len(order), dtype=np.int64)
        u_index[:] = np.cumsum(u) - 1  # sorted position -> distinct index
        row_u = np.empty(n, dtype=np.int64)
        row_u[s_pos] = u_index
        u_aligned = (u_wall % length_ns[u_q]) == 0
        step_bad = has_prev & (step % length_ns[u_q] != 0) & (wstep % length_ns[u_q] != 0)

        mis_pos = gpos[misaligned]

        def mis_problem(p):
            q = q_codes[p]
            L = int(length_ns[q])
            k = row_u[p]
            w = _fmt_wall(pd.Timestamp(int(T.utc_ns[p]), tz="UTC").tz_convert(tz).tz_localize(None).value)
            if prev_pos[k] >= 0 and 0 < step[k] < L:  # comes sooner than one interval
                return P.problem(
                    p, "interval_start",
                    f"interval length inconsistent in queue {q_names[q]!r}: {w} starts "
                    f"{_fmt_minutes(step[k])} min after row {int(rows[prev_pos[k]])}, but the queue "
                    f"has {_fmt_minutes(L)}-minute intervals ({source[q]})",
                    f"starts on the {_fmt_minutes(L)}-minute grid; pass interval_min if the data "
                    "really has shorter intervals")
            return P.problem(
                p, "interval_start",
                f"{w} is not aligned to the {_fmt_minutes(L)}-minute intervals of queue "
                f"{q_names[q]!r} ({source[q]})",
                f"a local time a multiple of {_fmt_minutes(L)} min after midnight with 0 seconds")

        P.add_rows(mis_pos, "interval_start", mis_problem)

        # steps between aligned rows that are still not multiples of the length
        # (only possible across unusual DST shifts)
        odd = step_bad & u_aligned & length_ok[u_q]
        odd[1:] &= u_aligned[:-1]
        odd_pos = u_pos[odd]

        def odd_problem(p):
            q = q_codes[p]
            k = row_u[p]
            L = int(length_ns[q])
            return P.problem(
                p, "interval_start",
                f"interval length inconsistent in queue {q_names[q]!r}: starts "
                f"{_fmt_minutes(step[k])} min after row {int(rows[prev_pos[k]])}, not a multiple "
                f"of its {_fmt_minutes(L)}-minute intervals ({source[q]})",
                f"steps that are multiples of {_fmt_minutes(L)} min")

        P.add_rows(odd_pos, "interval_start", odd_problem)
        return T.utc_ns, length_ns // _NS_PER_MIN

    def _check_column_against_option(self, im_row, good, q_codes, q_names):
        want = float(self.interval_min)
        diff = good & ~np.isnan(im_row) & (im_row != want)
        self.P.add_rows(diff, "interval_min", lambda p: self.P.problem(
            p, "interval_min", f"{_fmt_num(im_row[p])} differs from interval_min={self.interval_min} "
            "given as an option", f"{self.interval_min} or no interval_min column"))

    def _lengths_from_column(self, im_row, good, q_codes, q_names, length_ns):
        """Per-queue length from the interval_min column (first valid value)."""
        n_q = len(q_names)
        ok = np.zeros(n_q, dtype=bool)
        valid = good & ~np.isnan(im_row)
        pos = np.flatnonzero(valid)
        if len(pos):
            frame = pd.DataFrame({"q": q_codes[pos], "v": im_row[pos], "p": pos})
            first = frame.drop_duplicates("q", keep="first")
            qs = first["q"].to_numpy()
            length_ns = length_ns.copy()
            length_ns[qs] = (first["v"].to_numpy() * _NS_PER_MIN).astype(np.int64)
            ok[qs] = True
            ref = dict(zip(qs.tolist(), first["p"].tolist(), strict=True))
            differ = frame["v"].to_numpy() * _NS_PER_MIN != length_ns[frame["q"].to_numpy()]
            P = self.P
            P.add_rows(pos[differ], "interval_min", lambda p: P.problem(
                p, "interval_min",
                f"{_fmt_num(im_row[p])} differs from {_fmt_minutes(length_ns[q_codes[p]])} in row "
                f"{int(P.rows[ref[int(q_codes[p])]])} of queue {q_names[q_codes[p]]!r}",
                "one interval length per queue"))
        return length_ns, ok
