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

{COLUMNS}

``aht_s`` is required only when ``require_aht=True`` (the default). With ``require_aht=False``
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
offsets to avoid relying on this. This is the one daylight-saving policy of
every input table (:mod:`wfm.tables.parse`).

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
``calendar``,
``open``,
``day_log_mean``,
``day_log_sd``
=================  ====================================  =====================
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

from wfm import DEFAULT_TZ
from wfm.tables import (
    MAX_PROBLEMS,
    Column,
    Problems,
    Schema,
    Table,
    as_text,
    control_chars,
    first_control,
    numbers,
    raw_text,
    raw_value,
    read_table,
    report_times,
    timestamps,
)

__all__ = [
    "CHANNELS",
    "INTERVALS",
    "MAX_AGENTS",
    "MAX_AHT_S",
    "MAX_CONTACTS",
    "MAX_PROBLEMS",
    "SUPPORTED_INTERVAL_MIN",
    "read_intervals",
    "validate_intervals",
]

#: Channel values accepted in the ``channel`` column.
CHANNELS = ("voice", "email", "ticket", "forum", "outbound", "backoffice")
#: Interval lengths (minutes) accepted when the length is inferred.
SUPPORTED_INTERVAL_MIN = (15, 30, 60)

#: Largest count of contacts in one interval, longest handle time (a day) and
#: most agents an interval table may give: far beyond any contact centre, and
#: small enough that the load (offered x aht_s) stays an ordinary number.
MAX_CONTACTS = 1e7
MAX_AHT_S = 86400.0
MAX_AGENTS = 1e6

_DEFAULT_QUEUE = "main"
_DEFAULT_CHANNEL = "voice"
_SINGLE_ROW_DEFAULT_MIN = 30
_NS_PER_MIN = 60_000_000_000

#: The interval table's schema: every column, in output order (``aht_s`` is
#: required unless ``require_aht=False``; ``interval_min`` is derived when
#: absent).
INTERVALS = Schema(
    what="interval data below the header",
    columns=(
        Column("queue", "a queue name", doc='absent -> every row is "main"'),
        Column("interval_start", "an ISO 8601 interval start such as 2025-11-11T09:00", "timestamp",
               required=True,
               doc="naive: local wall-clock time in the zone ``tz``; ``2025-11-11T09:00:00+08:00`` or "
                   "``...Z``: the offset is honoured and the time converted to ``tz``; naive and "
                   "offset rows may be mixed"),
        Column("interval_min", "the interval length in minutes", "number", minimum=1, integer=True,
               doc="constant per queue; accepted so that a canonical frame written to a file reads "
                   "back unchanged"),
        Column("channel", "one of " + ", ".join(CHANNELS), "choice",
               doc='case-insensitive; absent or blank -> "voice"'),
        Column("offered", "contacts offered per interval (a number >= 0)", "number",
               required=True, minimum=0, maximum=MAX_CONTACTS,
               doc="fractional allowed: forecasts are fractional"),
        Column("aht_s", "average handle time in seconds (a number > 0)", "number",
               required=True, minimum=0, maximum=MAX_AHT_S,
               doc="> 0 where offered > 0 (may be blank where offered == 0)"),
        Column("handled", "contacts handled (a number >= 0)", "number", minimum=0,
               maximum=MAX_CONTACTS, doc="blank allowed"),
        Column("abandoned", "contacts abandoned (a number >= 0)", "number", minimum=0,
               maximum=MAX_CONTACTS, doc="blank allowed"),
        Column("agents", "agents on the phones (a number >= 0)", "number", minimum=0,
               maximum=MAX_AGENTS, doc="blank allowed"),
        Column("offered_lower", "lower bound of a forecast's prediction interval (a number >= 0)",
               "number", minimum=0, maximum=MAX_CONTACTS),
        Column("offered_upper", "upper bound of a forecast's prediction interval (a number >= 0)",
               "number", minimum=0, maximum=MAX_CONTACTS),
        Column("model", "the forecast model's name (text)", doc="passed through unchanged"),
        Column("calendar", "the calendar day type of a forecast (text)", doc="passed through unchanged"),
        Column("open", "whether the queue works a forecast interval (true/false)", doc="passed through unchanged"),
        Column("day_log_mean", "a forecast day factor's log mean", doc="passed through unchanged"),
        Column("day_log_sd", "a forecast day factor's log sd", doc="passed through unchanged"),
    ),
    # Common names planners use for our columns (keys normalised by norm_name).
    synonyms={
        "calls": "offered", "volume": "offered", "contacts": "offered", "offered_calls": "offered",
        "calls_offered": "offered", "contacts_offered": "offered", "arrivals": "offered",
        "aht": "aht_s", "handle_time": "aht_s", "handling_time": "aht_s", "avg_handle_time": "aht_s",
        "average_handle_time": "aht_s", "aht_sec": "aht_s", "aht_secs": "aht_s",
        "aht_seconds": "aht_s", "aht_min": "aht_s", "aht_mins": "aht_s", "aht_minutes": "aht_s",
        "start": "interval_start", "time": "interval_start", "timestamp": "interval_start",
        "datetime": "interval_start", "date_time": "interval_start", "start_time": "interval_start",
        "interval": "interval_start", "period": "interval_start",
        "skill": "queue", "split": "queue", "queue_name": "queue", "skillset": "queue",
        "answered": "handled", "calls_handled": "handled", "abandons": "abandoned",
        "abandoned_calls": "abandoned", "staff": "agents", "media": "channel", "media_type": "channel",
        "interval_length": "interval_min", "interval_minutes": "interval_min",
    },
    unknown="error",
    ordered_problems=True,
    header_hint="a header row (queue, interval_start, offered, aht_s, ...) and data rows",
    examples=6,
)
_NUMERIC = tuple(c.name for c in INTERVALS.columns if c.kind == "number")
_OPTIONAL_COUNTS = ("handled", "abandoned", "agents", "offered_lower", "offered_upper")
# Descriptive text a forecast carries along (which model, which calendar day
# type); passed through unchanged so a forecast file can be staffed directly.
_PASSTHROUGH_TEXT = ("model", "calendar", "open", "day_log_mean", "day_log_sd")

if __doc__:
    __doc__ = __doc__.replace("{COLUMNS}", INTERVALS.doc_table())


def _describe(name: str) -> str:
    return INTERVALS.meaning(name)


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
        with openpyxl) or ``.parquet``/``.pq`` (:func:`wfm.tables.read_table`).
        Any other extension is an :class:`~wfm.errors.InputError`. The file
        is only read, never changed.
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
    df = read_table(path, numeric=_NUMERIC, header_hint=INTERVALS.header_hint)
    return validate_intervals(
        df, source=str(path), tz=tz, interval_min=interval_min, require_aht=require_aht
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
# formatting
# --------------------------------------------------------------------------


def _fmt_num(v: float) -> str:
    return f"{v:g}"


def _fmt_minutes(ns: int | np.integer) -> str:
    return f"{int(ns) / _NS_PER_MIN:g}"


def _fmt_wall(ns: int | np.integer) -> str:
    ts = pd.Timestamp(int(ns))
    return ts.strftime("%Y-%m-%d %H:%M:%S" if ts.second or ts.nanosecond or ts.microsecond
                       else "%Y-%m-%d %H:%M")


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

    def _check_interval_min(self, P: Problems) -> None:
        im = self.interval_min
        if im is not None:
            if isinstance(im, bool) or not isinstance(im, (int, np.integer)) or im <= 0 or 1440 % im:
                P.add(None, f"interval_min={im!r} is not a whole number of minutes dividing a day",
                      "a positive integer dividing 1440, e.g. 15, 30 or 60")
                self.interval_min = None
            else:
                self.interval_min = int(im)

    # -- main --------------------------------------------------------------
    def run(self) -> pd.DataFrame:
        required = ("interval_start", "offered") + (("aht_s",) if self.require_aht else ())
        T = Table(self.df, INTERVALS, self.source, tz=self.tz, required=required,
                  options=self._check_interval_min)
        self.tz = T.tz
        self.P = P = T.P
        T.require_rows()
        rows = T.rows
        n = T.n
        col = T.col

        # -- queue
        qs = col("queue")
        if qs is None:
            queue = pd.Series(np.full(n, _DEFAULT_QUEUE, dtype=object)).astype("str")
            q_ok = np.ones(n, dtype=bool)
        else:
            queue = as_text(qs)
            q_missing = (queue.isna() | queue.eq("")).to_numpy(dtype=bool)
            q_ok = ~q_missing
            P.add_rows(q_missing, "queue", lambda p: P.problem(
                p, "queue", "missing queue name",
                "a queue name (or no queue column at all for a single queue)"))
            q_control = control_chars(queue)
            P.add_rows(q_control, "queue", lambda p: P.problem(
                p, "queue", f"holds a control character ({first_control(queue.iloc[p])})",
                "a queue name of printable text"))
            q_ok &= ~q_control
        q_codes, q_names = pd.factorize(queue, sort=True)
        q_names = np.asarray(q_names, dtype=object)

        # -- channel
        cs = col("channel")
        if cs is None:
            channel = pd.Series(np.full(n, _DEFAULT_CHANNEL, dtype=object)).astype("str")
        else:
            ctext = as_text(cs)
            channel = ctext.str.lower().fillna("").replace("", _DEFAULT_CHANNEL)
            unknown = ~channel.isin(CHANNELS).to_numpy(dtype=bool)
            P.add_rows(unknown, "channel", lambda p: P.problem(
                p, "channel", f"unknown channel {ctext.iloc[p]!r}", _describe("channel")))
            channel = channel.astype("str")

        # -- numeric columns
        def numbers_of(name: str):
            s = col(name)
            if s is None:
                return None
            values, missing, bad = numbers(s)
            P.add_rows(bad, name, lambda p: P.problem(
                p, name, f"{raw_value(s, p)} is not a number", _describe(name)))
            inf = np.isinf(values)
            P.add_rows(inf, name, lambda p: P.problem(
                p, name, f"{_fmt_num(values[p])} is not a finite number", _describe(name)))
            top = INTERVALS.column(name).maximum
            big = ~inf & (values > top) if top is not None else np.zeros(len(values), dtype=bool)
            P.add_rows(big, name, lambda p: P.problem(
                p, name, f"{_fmt_num(values[p])} is too large", f"at most {_fmt_num(top)}: {_describe(name)}"))
            return values, missing, bad | inf | big

        offered = numbers_of("offered")
        if offered is not None:
            off_v, off_missing, off_bad = offered
            P.add_rows(off_missing, "offered", lambda p: P.problem(
                p, "offered", "missing value", _describe("offered") + "; 0 when none were offered"))
            neg = off_v < 0
            P.add_rows(neg, "offered", lambda p: P.problem(
                p, "offered", f"{_fmt_num(off_v[p])} is negative", _describe("offered")))
            off_pos = off_v > 0
        else:
            off_v = np.full(n, np.nan)
            off_pos = np.zeros(n, dtype=bool)

        aht = numbers_of("aht_s")
        if aht is not None:
            aht_v, aht_missing, _ = aht
            neg = aht_v < 0
            P.add_rows(neg, "aht_s", lambda p: P.problem(
                p, "aht_s", f"{_fmt_num(aht_v[p])} is negative", _describe("aht_s")))
            zero = (aht_v == 0) & off_pos
            P.add_rows(zero, "aht_s", lambda p: P.problem(
                p, "aht_s", f"0 seconds for an interval with offered {_fmt_num(off_v[p])} > 0",
                _describe("aht_s")))
            if self.require_aht:
                need = aht_missing & off_pos
                P.add_rows(need, "aht_s", lambda p: P.problem(
                    p, "aht_s", f"missing value for an interval with offered {_fmt_num(off_v[p])} > 0",
                    _describe("aht_s") + " wherever offered > 0"))
        else:
            aht_v = np.full(n, np.nan)

        extra: dict[str, np.ndarray] = {}
        for name in _OPTIONAL_COUNTS:
            got = numbers_of(name)
            if got is None:
                continue
            v = got[0]
            neg = v < 0
            P.add_rows(neg, name, lambda p, name=name, v=v: P.problem(
                p, name, f"{_fmt_num(v[p])} is negative", _describe(name)))
            extra[name] = v

        # interval_min column (optional)
        im_col = numbers_of("interval_min")
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

        for name in _PASSTHROUGH_TEXT:
            if col(name) is not None:
                text = as_text(col(name))
                P.add_rows(control_chars(text), name, lambda p, name=name, text=text: P.problem(
                    p, name, f"holds a control character ({first_control(text.iloc[p])})",
                    "printable text"))

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

        def raw(p):
            return raw_text(ts, p)

        T = timestamps(ts, tz, q_codes)
        report_times(P, "interval_start", ts, T, tz)

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
