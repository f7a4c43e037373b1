"""Measurement inputs: state log, actual interval results, published roster,
forecast snapshots, leave, agents and the outbound dialling log.

Each table has a ``read_*`` function (CSV, Excel ``.xlsx`` or Parquet, like
:func:`wfm.intervals.read_intervals`) and a ``validate_*`` function (a
DataFrame in any dtypes) returning a canonical frame. Validation follows the
interval-table contract of :mod:`wfm.intervals` and reuses its parsers:

* every problem is collected and raised together as one
  :class:`wfm.errors.InputError` (at most 50 listed, then "... and N more"),
  rendered ``file:row: column: problem (expected ...)``, where ``row`` is the
  spreadsheet row (header = row 1, first data row = row 2; for DataFrames the
  position + 2);
* timestamps are ISO 8601; naive ones are local wall-clock time in ``tz``,
  ones with an offset (``+08:00``, ``Z``) are converted to ``tz``;
  tz-aware datetime columns are accepted as they are;
* rows in which every cell is blank are ignored (still counted for row
  numbers);
* column names are matched exactly after stripping spaces. A column whose
  name is close to a known one (``Start``, ``agent``, ``shift start``) is an
  error with a "did you mean" hint; any other extra column is ignored (the
  roster keeps it, because rostering tools add their own columns).

Tables
------
**State log** (:func:`validate_state_log`): one row per agent state.

=============  ========  ==================================================
column         required  meaning
=============  ========  ==================================================
``agent_id``   yes       agent identifier (text)
``state``      yes       one of :data:`wfm.kpi.terms.STATES` (case-insensitive;
                         common ACD spellings such as ``wrap``, ``aux``,
                         ``lunch``, ``示忙`` are mapped)
``start``      yes       when the state began
``end``        [1]       when it ended (>= start)
``duration_s`` [1]       seconds in the state (>= 0), instead of ``end``
``team``       no        team name
=============  ========  ==================================================

[1] exactly one of ``end`` and ``duration_s``. States of one agent must not
overlap (a state may start exactly when the previous one ends). Time not
covered by the log counts as ``logged_out``. Returned columns: ``agent_id``,
[``team``], ``state`` (categorical over STATES), ``start``, ``end``
(``datetime64[ns, tz]``), ``duration_s`` (float), sorted by agent and start.

**Roster** (:func:`validate_roster`): one row per agent shift (the published
schedule; the ``roster.csv`` of ``wfm roster``).

================  ========  ================================================
column            required  meaning
================  ========  ================================================
``agent_id``      yes       agent identifier
``contract``      yes       ``5-on-2`` or ``1-on-1`` (also ``five_two``,
                            ``one_one``, ``做五休二``, ``做一休一``), or a name
                            given in ``contracts=``
``shift_start``   yes       ISO 8601 timestamp
``shift_end``     yes       ISO 8601 timestamp, after shift_start, at most
                            24 h later
``date``          no        the shift's day (YYYY-MM-DD); must be the local
                            date of shift_start; derived when absent
``meal_start``    no        ISO 8601 timestamp or local clock ``HH:MM``
``meal_end``      no        likewise; both or neither
``breaks``        no        ``HH:MM-HH:MM`` items separated by ``;``, e.g.
                            ``10:15-10:30;15:00-15:15``
``activities``    no        ``HH:MM-HH:MM name`` (or ``start/end name``)
                            items separated by ``;``, name one of meeting,
                            training, break, meal, e.g. ``09:00-09:15 meeting``
``team``          no        team name
================  ========  ================================================

Clock times (``HH:MM``) are local times in ``tz`` and belong to the shift:
the first such wall-clock time at or after the shift start (so ``02:00`` in
a 22:00-06:00 night shift is the next morning); an end clock at or before
its start clock is on the following day. Meal, breaks and activities must
lie inside the shift and must not overlap each other. A row whose
shift_start and shift_end are both blank is a day off and is dropped. Shifts
of one agent must not overlap, and one agent has one contract. Returned:
``agent_id``, ``contract`` (canonical name), ``date`` (``datetime64[ns]``,
local midnight, naive), ``shift_start``, ``shift_end``, ``meal_start``,
``meal_end`` (``datetime64[ns, tz]``, NaT when no meal), ``breaks``,
``activities`` (canonical text, "" when none), ``team`` and any other
columns as given (``wfm roster``'s ``name``, ``shift_type``,
``paid_hours`` ...); sorted by agent and shift start. Breaks and activities
are written back as local ``HH:MM-HH:MM`` items, whatever the input form.

**Actual interval results** (:func:`validate_results`): the interval table
of :mod:`wfm.intervals` (``queue``, ``interval_start``, ``interval_min``,
``channel``, ``offered`` ...; validated by
:func:`~wfm.intervals.validate_intervals` with ``require_aht=False``)
with ``handled`` required and these optional per-interval *totals* (numbers
>= 0): ``answered_within_target`` (calls answered within the service-level
threshold), ``abandoned_within_target`` (calls abandoned before it),
``answer_wait_total_s`` (summed ring-to-answer seconds of answered calls),
``talk_total_s``, ``hold_total_s``, ``acw_total_s``. Checks:
handled + abandoned <= offered, answered_within_target <= handled,
abandoned_within_target <= abandoned.

**Forecast snapshots** (:func:`validate_forecasts`): interval tables as the
forecast was made, with optional ``made_at`` (when the forecast was made;
one snapshot per value, each validated as an interval table: no duplicate
intervals within a snapshot) and optional ``required_agents`` /
``scheduled_agents`` (numbers >= 0). ``aht_s`` is optional.

**Leave** (:func:`validate_leave`): ``agent_id``, ``date``, ``leave_type``
(``personal`` 事假, ``sick`` 病假, ``annual`` 年假 (paid, no deduction),
``unexcused`` 旷工), optional ``days`` (0 < days <= 1, default 1). One row
per agent and date.

**Agents** (:func:`validate_agents`): ``agent_id`` and optional ``base_pay``
(CNY > 0), ``star`` (0, 1, 2 or 3), ``contract``, ``team``,
``full_month`` (yes/no; no bonus for a partial month). One row per agent.

**Dialling log** (:func:`validate_dials`): one row per outbound dial
attempt: ``account_id``, ``outcome`` (:data:`OUTCOMES`), optional
``agent_id``, ``campaign``, ``dialled_at`` (timestamp), ``prep_s``,
``talk_s``, ``acw_s`` (seconds >= 0).
"""

from __future__ import annotations

import csv
import difflib
import re
import zoneinfo
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from wfm import DEFAULT_TZ
from wfm.errors import InputError, Problem
from wfm.intervals import (
    MAX_PROBLEMS,
    _as_text,
    _blank,
    _norm_name,
    _numbers,
    _Problems,
    _read_excel,
    _read_parquet,
    _timestamps,
    nonblank_rows,
    validate_intervals,
)
from wfm.kpi.terms import ACTIVITIES, CONTRACT_ALIASES, CONTRACTS, STATE_SYNONYMS, STATES

__all__ = [
    "OUTCOMES",
    "OUTCOME_GROUPS",
    "LEAVE_TYPES",
    "read_table",
    "read_state_log",
    "validate_state_log",
    "read_roster",
    "validate_roster",
    "read_results",
    "validate_results",
    "read_forecasts",
    "validate_forecasts",
    "read_leave",
    "validate_leave",
    "read_agents",
    "validate_agents",
    "read_dials",
    "validate_dials",
    "parse_clock_items",
    "parse_items",
    "resolve_clock_items",
]

_ISO = "ISO 8601 such as 2025-11-11T09:00 or 2025-11-11T09:00+08:00"
_NS_PER_S = 1_000_000_000
_NS_PER_MIN = 60 * _NS_PER_S
_DAY_NS = 24 * 3600 * _NS_PER_S

#: Dial outcomes (domain.md section 6): ``invalid`` is an unusable record
#: (wrong or disconnected number, not a target); busy / no_answer /
#: forwarded / callback are unreachable but may be dialled again; refused,
#: completed and sale are reached (refusals included).
OUTCOMES = ("invalid", "busy", "no_answer", "forwarded", "callback", "refused", "completed", "sale")
OUTCOME_GROUPS = {
    "invalid": "invalid",
    "busy": "unreachable", "no_answer": "unreachable", "forwarded": "unreachable",
    "callback": "unreachable",
    "refused": "reached", "completed": "reached", "sale": "reached",
}
_OUTCOME_SYNONYMS = {
    "wrong_number": "invalid", "disconnected": "invalid", "invalid_number": "invalid",
    "not_target": "invalid", "unusable": "invalid", "空号": "invalid", "错号": "invalid",
    "停机": "invalid", "无效": "invalid",
    "engaged": "busy", "忙音": "busy",
    "noanswer": "no_answer", "no_reply": "no_answer", "unanswered": "no_answer", "无人接听": "no_answer",
    "transferred": "forwarded", "呼转": "forwarded",
    "appointment": "callback", "call_back": "callback", "预约": "callback",
    "refusal": "refused", "declined": "refused", "拒绝": "refused", "拒访": "refused",
    "complete": "completed", "survey_completed": "completed", "完成": "completed",
    "success": "sale", "sold": "sale", "成交": "sale", "成功": "sale",
}

#: Leave types and the share of a day's pay deducted (domain.md section 4;
#: unexcused absence is the product's choice: treated like personal leave).
LEAVE_TYPES = ("personal", "sick", "annual", "unexcused")
_LEAVE_SYNONYMS = {
    "personal_leave": "personal", "事假": "personal",
    "sick_leave": "sick", "病假": "sick",
    "annual_leave": "annual", "paid": "annual", "vacation": "annual", "年假": "annual",
    "absent": "unexcused", "absence": "unexcused", "no_show": "unexcused", "旷工": "unexcused",
}

_YES = frozenset({"yes", "y", "true", "t", "1", "是"})
_NO = frozenset({"no", "n", "false", "f", "0", "否"})


# --------------------------------------------------------------------------
# reading
# --------------------------------------------------------------------------


def read_table(path) -> pd.DataFrame:
    """Read a raw table (CSV, ``.xlsx``/``.xlsm`` first sheet, Parquet).

    CSV cells are read as text (UTF-8 with or without BOM, else GB18030) so
    the validators see exactly what the file holds. Raises InputError for a
    missing file, an unknown extension or an unreadable file.
    """
    name = str(path)
    p = Path(path)
    if not p.exists():
        raise InputError(Problem(name, None, None, "file not found",
                                 "an existing CSV, Excel (.xlsx) or Parquet file"))
    if not p.is_file():
        raise InputError(Problem(name, None, None, "is not a file", "a CSV, Excel or Parquet file"))
    ext = p.suffix.lower()
    if ext in (".csv", ".txt"):
        return _read_csv_text(p, name)
    if ext in (".xlsx", ".xlsm"):
        return _read_excel(p, name)
    if ext in (".parquet", ".pq"):
        return _read_parquet(p, name)
    raise InputError(Problem(name, None, None, f"unsupported file extension {ext or '(none)'!r}",
                             ".csv, .xlsx or .parquet"))


def _read_csv_text(p: Path, name: str) -> pd.DataFrame:
    if p.stat().st_size == 0:
        raise InputError(Problem(name, None, None, "file is empty", "a header row and data rows"))
    last: Exception | None = None
    for enc in ("utf-8-sig", "gb18030"):
        try:
            with open(p, newline="", encoding=enc) as fh:
                header = next(csv.reader(fh), None)
            if header is None or not any(h.strip() for h in header):
                raise InputError(Problem(name, None, None, "header row (row 1) is blank",
                                         "a header row and data rows"))
            k = len(header)
            try:
                df = pd.read_csv(p, header=0, names=list(range(k)), index_col=False, dtype="str",
                                 keep_default_na=False, na_values=[], skip_blank_lines=False,
                                 encoding=enc, engine="c", low_memory=False)
            except pd.errors.ParserError as exc:
                m = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(exc))
                if m:
                    raise InputError(Problem(
                        name, int(m.group(2)), None,
                        f"row has {m.group(3)} fields but the header has {m.group(1)}",
                        "one value per header column (quote values that contain commas)")) from None
                raise InputError(Problem(name, None, None, f"cannot parse CSV: {exc}",
                                         "a valid CSV file")) from None
            except pd.errors.EmptyDataError:
                raise InputError(Problem(name, None, None, "file is empty",
                                         "a header row and data rows")) from None
            df.columns = header
            return df
        except UnicodeDecodeError as exc:
            last = exc
    raise InputError(Problem(name, None, None, f"cannot decode the file as text ({last})",
                             "a UTF-8 encoded CSV file"))


# --------------------------------------------------------------------------
# a table being validated: header, blank rows, column access
# --------------------------------------------------------------------------


class _Table:
    """Header and row bookkeeping shared by the validators (orchestration)."""

    def __init__(self, df: pd.DataFrame, source: str, known: Mapping[str, str],
                 required: tuple[str, ...], synonyms: Mapping[str, str] | None = None,
                 tz: str | None = DEFAULT_TZ):
        if not isinstance(df, pd.DataFrame):
            raise TypeError(f"expected a pandas DataFrame, got {type(df).__name__}")
        self.df = df
        self.source = source
        self.known = dict(known)
        self.P = _Problems(source)
        self.tz = tz
        if tz is not None:
            try:
                if not isinstance(tz, str) or not tz:
                    raise ValueError
                zoneinfo.ZoneInfo(tz)
            except (ValueError, zoneinfo.ZoneInfoNotFoundError):
                self.P.add(None, f"unknown time zone {tz!r}", "an IANA time zone such as Asia/Shanghai")
                self.tz = None
        self.cols: dict[str, int] = {}
        self.extra: list[tuple[str, int]] = []
        self._header(required, synonyms or {})
        self._rows()

    def _header(self, required, synonyms):
        P, df = self.P, self.df
        if df.shape[1] == 0:
            P.add(None, "no columns (the table is empty)", "a header row and data rows")
            P.raise_if_any()
        names = ["" if c is None else str(c).strip() for c in df.columns]
        if len(names) == 1 and any(sep in names[0] for sep in (";", "\t", "|")):
            sep = next(s for s in (";", "\t", "|") if s in names[0])
            P.add(None, f"the header is a single column that looks {sep!r}-separated",
                  "comma-separated values")
            P.raise_if_any()
        seen: dict[str, int] = {}
        for i, name in enumerate(names):
            if name == "":
                if not _blank(df.iloc[:, i]).all():
                    P.add(f"column {i + 1}", "has values but no header name",
                          "a header name such as " + ", ".join(list(self.known)[:5]))
                continue
            if name in seen:
                P.add(name, f"column appears more than once (columns {seen[name] + 1} and {i + 1})",
                      "each column once")
                continue
            seen[name] = i
            if name in self.known:
                self.cols[name] = i
                continue
            guess = self._suggest(name, synonyms)
            if guess is not None and guess not in names:
                hint = " (column names are case-sensitive)" if guess == name.lower() else ""
                P.add(name, f"unknown column {name!r}; did you mean {guess!r}?{hint}",
                      "columns " + ", ".join(self.known))
            else:
                self.extra.append((name, i))
        for col in required:
            if col not in self.cols:
                P.add(col, "missing required column", f"a column named {col}: {self.known[col]}")

    def _suggest(self, name, synonyms):
        key = _norm_name(name)
        if key in self.known:
            return key
        if key in synonyms:
            return synonyms[key]
        # near misses (typos) of the canonical names only: an unrelated extra
        # column such as shift_type must not be taken for shift_start
        m = difflib.get_close_matches(key, list(self.known), n=1, cutoff=0.8)
        return m[0] if m else None

    def _rows(self):
        keep = nonblank_rows(self.df)
        self.keep = keep
        self.P.rows = keep + 2
        self.n = len(keep)
        self._dropped = self.n != len(self.df)

    def require_rows(self, what: str):
        if self.n == 0:
            self.P.add(None, "no data rows" + (" (only a header)" if len(self.df) == 0 else
                                               " (all rows are blank)"), f"at least one row of {what}")
            self.P.raise_if_any()

    def col(self, name: str) -> pd.Series | None:
        if name not in self.cols:
            return None
        s = self.df.iloc[:, self.cols[name]]
        if self._dropped:
            s = s.iloc[self.keep]
        return s.reset_index(drop=True)

    def extra_col(self, pos: int) -> pd.Series:
        s = self.df.iloc[:, pos]
        if self._dropped:
            s = s.iloc[self.keep]
        return s.reset_index(drop=True)

    # -- typed column parsers (problems added, arrays returned) -------------
    def text(self, name: str, *, required: bool = True, what: str | None = None):
        """Stripped text (str dtype) and a missing mask; missing reported if required."""
        s = self.col(name)
        if s is None:
            return None, None
        t = _as_text(s)
        missing = (t.isna() | t.eq("")).to_numpy(dtype=bool)
        if required:
            self.P.add_rows(missing, name, lambda p: self.P.problem(
                p, name, "missing value", what or self.known[name]))
        return t.fillna("").astype("str"), missing

    def choice(self, name: str, allowed: tuple[str, ...], synonyms: Mapping[str, str],
               *, required: bool = True):
        """Values normalised (lower case, ``_`` for spaces/dashes) and mapped to ``allowed``."""
        t, missing = self.text(name, required=required)
        if t is None:
            return None, None
        codes, uniques = pd.factorize(t)
        mapped = []
        for u in uniques:
            k = re.sub(r"[\s\-]+", "_", str(u).strip().lower())
            mapped.append(k if k in allowed else synonyms.get(k, synonyms.get(str(u).strip())))
        mapped_arr = np.array([m if m is not None else "" for m in mapped] + [""], dtype=object)
        out = mapped_arr[codes]
        bad = (out == "") & ~missing
        self.P.add_rows(bad, name, lambda p: self.P.problem(
            p, name, f"unknown value {t.iloc[p]!r}", "one of " + ", ".join(allowed)))
        return out, missing | bad

    def times(self, name: str, codes: np.ndarray, *, required: bool = True):
        """UTC nanoseconds (int64) and an ok mask."""
        s = self.col(name)
        if s is None or self.tz is None:
            return None, None
        r = _timestamps(s, self.tz, codes)
        P = self.P

        def raw(p):
            v = s.iloc[p]
            return repr(v.strip() if isinstance(v, str) else str(v))

        if required:
            P.add_rows(r.missing, name, lambda p: P.problem(p, name, "missing value", _ISO))
        P.add_rows(r.bad, name, lambda p: P.problem(p, name, f"{raw(p)} is not a valid timestamp", _ISO))
        P.add_rows(r.out_of_range, name, lambda p: P.problem(
            p, name, f"{raw(p)} is outside the years 1900-2199", "a plausible date"))
        P.add_rows(r.nonexistent, name, lambda p: P.problem(
            p, name, f"{raw(p)} does not exist in {self.tz} (daylight saving time starts)",
            "an existing local time, or a UTC offset"))
        return r.utc_ns, r.ok

    def numbers(self, name: str, *, required: bool = False, minimum: float | None = 0.0,
                maximum: float | None = None, integer: bool = False):
        s = self.col(name)
        if s is None:
            return None, None
        v, missing, bad = _numbers(s)
        P = self.P
        what = self.known[name]

        def raw(p):
            x = s.iloc[p]
            return repr(x.strip() if isinstance(x, str) else x)

        P.add_rows(bad, name, lambda p: P.problem(p, name, f"{raw(p)} is not a number", what))
        inf = np.isinf(v)
        P.add_rows(inf, name, lambda p: P.problem(p, name, f"{v[p]:g} is not a finite number", what))
        if required:
            P.add_rows(missing, name, lambda p: P.problem(p, name, "missing value", what))
        with np.errstate(invalid="ignore"):
            out = np.zeros(len(v), dtype=bool)
            if minimum is not None:
                out |= v < minimum
            if maximum is not None:
                out |= v > maximum
            if integer:
                out |= np.isfinite(v) & (v != np.round(v))
        P.add_rows(out & ~inf, name, lambda p: P.problem(p, name, f"{v[p]:g} is out of range", what))
        ok = ~(missing | bad | inf | out)
        return np.where(ok, v, np.nan), ok

    def dates(self, name: str, *, required: bool = True):
        """Dates as datetime64[D] (NaT where missing or bad)."""
        s = self.col(name)
        if s is None:
            return None, None
        P = self.P
        if pd.api.types.is_datetime64_any_dtype(s.dtype):
            idx = pd.DatetimeIndex(s)
            if idx.tz is not None:
                idx = idx.tz_localize(None)
            missing = np.asarray(idx.isna())
            bad = ~missing & np.asarray(idx != idx.normalize())
            d = idx.normalize().to_numpy().astype("datetime64[D]")
        else:
            conv = s.map(lambda v: v.isoformat() if hasattr(v, "isoformat") else v) \
                if s.dtype == object else s
            t = _as_text(conv)
            missing = (t.isna() | t.eq("")).to_numpy(dtype=bool)
            t10 = t.str.slice(0, 10)
            okfmt = t.str.fullmatch(r"\d{4}-\d{2}-\d{2}(T00:00(:00)?)?").fillna(False).to_numpy(dtype=bool)
            got = pd.to_datetime(t10.where(okfmt), format="%Y-%m-%d", errors="coerce")
            gi = pd.DatetimeIndex(got)
            bad = ~missing & (np.asarray(gi.isna()))
            d = gi.to_numpy().astype("datetime64[D]")
        if required:
            P.add_rows(missing, name, lambda p: P.problem(p, name, "missing value", "a date YYYY-MM-DD"))
        P.add_rows(bad, name, lambda p: P.problem(
            p, name, f"{s.iloc[p]!r} is not a date", "a date YYYY-MM-DD"))
        return d, ~(missing | bad)

    def yes_no(self, name: str, default: bool):
        s = self.col(name)
        if s is None:
            return None
        if pd.api.types.is_bool_dtype(s.dtype):
            return s.fillna(default).to_numpy(dtype=bool)
        t = _as_text(s.astype("str") if s.dtype == object else s).str.lower().fillna("")
        yes = t.isin(_YES).to_numpy(dtype=bool)
        no = t.isin(_NO).to_numpy(dtype=bool)
        blank = t.eq("").to_numpy(dtype=bool) | s.isna().to_numpy()
        bad = ~(yes | no | blank)
        self.P.add_rows(bad, name, lambda p: self.P.problem(
            p, name, f"{s.iloc[p]!r} is not yes or no", "yes or no"))
        return np.where(blank, default, yes)

    def duplicates(self, keys: list[np.ndarray], ok: np.ndarray, column: str, what: str):
        """Report rows whose key repeats an earlier row (file order)."""
        frame = pd.DataFrame({f"k{i}": k for i, k in enumerate(keys)})
        frame = frame[ok]
        dup = frame.duplicated(keep="first").to_numpy()
        if not dup.any():
            return
        pos = frame.index.to_numpy()
        firsts = frame.drop_duplicates(keep="first")
        lookup = {tuple(r): int(i) for i, r in zip(firsts.index, firsts.itertuples(index=False), strict=True)}
        P = self.P
        keyrows = {int(i): tuple(r) for i, r in zip(pos[dup], frame[dup].itertuples(index=False), strict=True)}
        P.add_rows(pos[dup], column, lambda p: P.problem(
            p, column, f"duplicate of row {int(P.rows[lookup[keyrows[p]]])}", what))

    def extras(self) -> dict[str, pd.Series]:
        return {name: self.extra_col(pos) for name, pos in self.extra}


def _aware(ns: np.ndarray, tz: str) -> pd.Series:
    """int64 UTC ns (NaT where the int64 minimum) -> tz-aware Series."""
    idx = pd.DatetimeIndex(np.asarray(ns, dtype=np.int64).view("datetime64[ns]")).tz_localize("UTC")
    return pd.Series(idx.tz_convert(tz))


_NAT = np.iinfo(np.int64).min


def _fmt_local(ns: int, tz: str) -> str:
    ts = pd.Timestamp(int(ns), tz="UTC").tz_convert(tz)
    return ts.strftime("%Y-%m-%d %H:%M:%S" if ts.second else "%Y-%m-%d %H:%M")


def _collect(P: _Problems) -> list[Problem]:
    try:
        P.raise_if_any()
    except InputError as exc:
        return [p for p in exc.problems if not p.problem.startswith("... and ")]
    return []


def _raise(problems: list[Problem], source: str) -> None:
    if not problems:
        return
    problems = sorted(problems, key=lambda p: (p.row is not None, p.row or 0))
    shown = problems[:MAX_PROBLEMS]
    if len(problems) > MAX_PROBLEMS:
        shown.append(Problem(source, None, None, f"... and {len(problems) - MAX_PROBLEMS} more problems"))
    raise InputError(shown)


# --------------------------------------------------------------------------
# state log
# --------------------------------------------------------------------------

_STATE_COLS = {
    "agent_id": "an agent identifier",
    "state": "one of " + ", ".join(STATES),
    "start": "when the state began, " + _ISO,
    "end": "when the state ended (>= start), " + _ISO,
    "duration_s": "seconds in the state (a number >= 0)",
    "team": "a team name",
}
_STATE_SYN = {"agent": "agent_id", "agentid": "agent_id", "agent_name": "agent_id", "staff_id": "agent_id",
              "employee_id": "agent_id", "status": "state", "activity": "state", "state_name": "state",
              "start_time": "start", "begin": "start", "from": "start", "end_time": "end", "stop": "end",
              "to": "end", "finish": "end", "duration": "duration_s", "seconds": "duration_s",
              "group": "team"}


def read_state_log(path, *, tz: str = DEFAULT_TZ) -> pd.DataFrame:
    """Read and validate an agent state log (see the module docstring)."""
    return validate_state_log(read_table(path), source=str(path), tz=tz)


def validate_state_log(df: pd.DataFrame, *, source: str = "<dataframe>",
                       tz: str = DEFAULT_TZ) -> pd.DataFrame:
    """Check an agent state log and return its canonical form.

    Columns and rules: module docstring. Raises InputError listing every
    problem (unknown states, bad or missing times, a state ending before it
    starts, overlapping states of one agent naming both rows ...).
    """
    T = _Table(df, source, _STATE_COLS, ("agent_id", "state", "start"), _STATE_SYN, tz)
    P = T.P
    if "end" not in T.cols and "duration_s" not in T.cols:
        P.add("end", "missing required column", "a column end (or duration_s): when the state ended")
    if "end" in T.cols and "duration_s" in T.cols:
        P.add("duration_s", "both end and duration_s are given", "one of them")
    T.require_rows("agent states")
    agent, a_missing = T.text("agent_id")
    state, s_bad = T.choice("state", STATES, STATE_SYNONYMS)
    codes = pd.factorize(agent, sort=True)[0] if agent is not None else np.zeros(T.n, dtype=np.int64)
    start, s_ok = T.times("start", codes)
    end = e_ok = None
    if "end" in T.cols and "duration_s" not in T.cols:
        end, e_ok = T.times("end", codes)
    elif "duration_s" in T.cols and "end" not in T.cols:
        dur, d_ok = T.numbers("duration_s", required=True)
        if start is not None:
            end = start + np.round(np.nan_to_num(dur) * _NS_PER_S).astype(np.int64)
            e_ok = d_ok
    team, _ = T.text("team", required=False)
    if start is not None and end is not None:
        both = s_ok & e_ok
        back = both & (end < start)
        P.add_rows(back, "end", lambda p: P.problem(
            p, "end", f"ends {_fmt_local(end[p], T.tz)}, before it starts {_fmt_local(start[p], T.tz)}",
            "an end at or after the start"))
        if agent is not None:
            good = both & ~back & ~a_missing
            order = np.lexsort((end, start, codes))
            _check_overlaps(P, codes, start, end, good, agent, "start", T.tz,
                            what="states of one agent that do not overlap (a state ends before the next starts)",
                            label=state if state is not None else None, order=order)
    P.raise_if_any()
    # one sort (agent, start, end) serves the overlap check and the output;
    # agent codes are in sorted order of the names
    out = {
        "agent_id": agent.iloc[order].reset_index(drop=True).astype("str"),
    }
    if team is not None:
        out["team"] = team.iloc[order].reset_index(drop=True)
    st_codes = _state_codes(state)
    out["state"] = pd.Categorical.from_codes(st_codes[order], categories=STATES)
    out["start"] = _aware(start[order], T.tz)
    out["end"] = _aware(end[order], T.tz)
    out["duration_s"] = (end[order] - start[order]) / _NS_PER_S
    return pd.DataFrame(out)


def _state_codes(state: np.ndarray) -> np.ndarray:
    """Canonical state names (object array) -> codes into STATES, via the few uniques."""
    codes, uniq = pd.factorize(state)
    lut = np.array([STATES.index(u) for u in uniq], dtype=np.int8)
    return lut[codes]


def _check_overlaps(P, codes, start, end, good, agent, column, tz, what, label=None, order=None):
    """Report a row that starts before an earlier (in time) row of the same
    agent has ended, naming that row. ``order``: a precomputed
    ``lexsort((end, start, codes))`` of all rows."""
    pos = np.flatnonzero(good)
    if len(pos) < 2:
        return
    if order is None:
        order = pos[np.lexsort((end[pos], start[pos], codes[pos]))]
    else:
        order = order[good[order]]
    a = codes[order]
    s = start[order]
    e = end[order]
    # running maximum of end within each agent
    run = pd.Series(e).groupby(a).cummax().to_numpy()
    prev_max = np.empty_like(run)
    prev_max[0] = _NAT
    prev_max[1:] = run[:-1]
    same = np.zeros(len(order), dtype=bool)
    same[1:] = a[1:] == a[:-1]
    bad = same & (s < prev_max)
    if not bad.any():
        return
    k_of = {int(order[k]): k for k in np.flatnonzero(bad)}

    def make(p):
        k = k_of[p]
        j = k - 1
        best = j
        while j >= 0 and a[j] == a[k]:
            if e[j] > e[best]:
                best = j
            j -= 1
        q = int(order[best])
        lab = f" {label[q]}" if label is not None else ""
        return P.problem(
            p, column,
            f"overlaps row {int(P.rows[q])} of agent {agent.iloc[p]!r}{lab} "
            f"{_fmt_local(start[q], tz)} to {_fmt_local(end[q], tz)}", what)

    P.add_rows(order[bad], column, make)


# --------------------------------------------------------------------------
# roster
# --------------------------------------------------------------------------

_ROSTER_COLS = {
    "agent_id": "an agent identifier",
    "contract": "a contract: " + ", ".join(CONTRACTS),
    "date": "the shift's local date YYYY-MM-DD",
    "shift_start": "the shift start, " + _ISO,
    "shift_end": "the shift end, " + _ISO,
    "meal_start": "the meal start: " + _ISO + ", or a clock time HH:MM",
    "meal_end": "the meal end: " + _ISO + ", or a clock time HH:MM",
    "breaks": "breaks as HH:MM-HH:MM items separated by ';', e.g. 10:15-10:30;15:00-15:15",
    "activities": "activities as 'HH:MM-HH:MM name' items separated by ';', e.g. 09:00-09:15 meeting",
    "team": "a team name",
}
_ROSTER_SYN = {"agent": "agent_id", "agentid": "agent_id", "employee_id": "agent_id",
               "start": "shift_start", "end": "shift_end", "shift_begin": "shift_start",
               "shift_finish": "shift_end", "lunch_start": "meal_start", "lunch_end": "meal_end",
               "day": "date", "shift_date": "date", "break": "breaks", "pattern": "contract",
               "activity": "activities"}
_ITEM_RE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*(?:\s([A-Za-z_]+))?\s*$")
_CLOCK_RE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*$")


def parse_clock_items(text: pd.Series, *, default_name: str | None = "break",
                      names: tuple[str, ...] = ACTIVITIES) -> tuple[pd.DataFrame, pd.Series]:
    """Split ``"HH:MM-HH:MM[ name];..."`` cells into one row per item.

    Returns ``(items, bad)``: ``items`` has columns ``row`` (position of the
    cell), ``start_min``, ``end_min`` (minutes after local midnight;
    ``end_min`` may be 1440 for 24:00), ``name``; ``bad`` maps positions of
    malformed cells to the offending item text. With ``default_name`` the
    name may be omitted (breaks); without it, it is required (activities).
    """
    t = text.fillna("").astype("str")
    parts = t.str.split(";").explode()
    parts = parts[parts.str.strip() != ""]
    if len(parts) == 0:
        return pd.DataFrame({"row": [], "start_min": [], "end_min": [], "name": []}), pd.Series(dtype="str")
    m = parts.str.extract(_ITEM_RE)
    h1, m1, h2, m2 = (pd.to_numeric(m[i], errors="coerce") for i in range(4))
    name = m[4].str.lower()
    if default_name is not None:
        name = name.fillna(default_name)
    ok = m[0].notna() & (h1 <= 24) & (h2 <= 24) & (m1 < 60) & (m2 < 60)
    s_min = h1 * 60 + m1
    e_min = h2 * 60 + m2
    ok &= (s_min <= 1440) & (e_min <= 1440)
    ok &= name.isin(names).fillna(False)
    bad = parts[~ok.fillna(False)]
    bad = bad[~bad.index.duplicated(keep="first")]
    good = ok.fillna(False)
    items = pd.DataFrame({
        "row": parts.index[good.to_numpy()].to_numpy(dtype=np.int64),
        "start_min": s_min[good].to_numpy(dtype=np.int64),
        "end_min": e_min[good].to_numpy(dtype=np.int64),
        "name": name[good].astype("str").to_numpy(),
    })
    return items, bad


def resolve_clock_items(shift_start_utc: np.ndarray, start_min: np.ndarray, end_min: np.ndarray,
                        tz: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Local clock minutes -> UTC ns instants within a shift.

    The start is the first wall-clock ``start_min`` at or after the shift
    start's wall clock; the end is ``end_min`` on the same local day, or the
    next day when it is at or before the start clock. Returns
    ``(start_ns, end_ns, ok)``; ``ok`` is false where a local time does
    not exist or is ambiguous (daylight-saving changes).
    """
    shift_wall = (pd.DatetimeIndex(np.asarray(shift_start_utc).view("datetime64[ns]"))
                  .tz_localize("UTC").tz_convert(tz).tz_localize(None).asi8)
    day0 = shift_wall - shift_wall % _DAY_NS  # local midnight (wall) of the shift start
    s_wall = day0 + start_min * _NS_PER_MIN
    s_wall = np.where(s_wall < shift_wall, s_wall + _DAY_NS, s_wall)
    e_wall = s_wall - (s_wall - day0) % _DAY_NS + end_min * _NS_PER_MIN
    e_wall = np.where(e_wall <= s_wall, e_wall + _DAY_NS, e_wall)

    def loc(w):
        idx = pd.DatetimeIndex(w.view("datetime64[ns]")).tz_localize(tz, ambiguous="NaT",
                                                                      nonexistent="NaT")
        ok = ~np.asarray(idx.isna())
        return np.where(ok, idx.asi8, _NAT), ok

    s, ok1 = loc(s_wall)
    e, ok2 = loc(e_wall)
    return s, e, ok1 & ok2


_ISO_ITEM_RE = re.compile(r"^\s*(\d{4}-\d{2}-\d{2}[T ][0-9:.]+(?:Z|[+-]\d{2}:?\d{2})?)\s*/\s*"
                          r"(\d{4}-\d{2}-\d{2}[T ][0-9:.]+(?:Z|[+-]\d{2}:?\d{2})?)\s*(?:\s([A-Za-z_]+))?\s*$")


def _iso_ns(text: pd.Series, tz: str) -> np.ndarray:
    """ISO 8601 strings -> UTC ns (offsets honoured, naive = local in ``tz``);
    int64 minimum where unparseable or not existing."""
    out = np.full(len(text), _NAT, dtype=np.int64)
    if len(text) == 0:
        return out
    has_off = text.str.contains(r"(?:Z|[+-]\d{2}:?\d{2})$").fillna(False).to_numpy(dtype=bool)
    if has_off.any():
        got = pd.to_datetime(text[has_off], format="ISO8601", utc=True, errors="coerce")
        idx = pd.DatetimeIndex(got).as_unit("ns")
        out[has_off] = np.where(idx.isna(), _NAT, idx.asi8)
    if (~has_off).any():
        got = pd.to_datetime(text[~has_off], format="ISO8601", errors="coerce")
        idx = pd.DatetimeIndex(got).tz_localize(tz, ambiguous="NaT", nonexistent="NaT").as_unit("ns")
        out[~has_off] = np.where(idx.isna(), _NAT, idx.asi8)
    return out


def parse_items(text: pd.Series, shift_start_ns: np.ndarray, tz: str, *,
                default_name: str | None = "break",
                names: tuple[str, ...] = ACTIVITIES) -> tuple[pd.DataFrame, pd.Series, np.ndarray]:
    """Breaks / activities cells -> one row per item with its instants.

    A cell holds items separated by ``;``, each either local clock times
    ``HH:MM-HH:MM[ name]`` (resolved within the shift by
    :func:`resolve_clock_items`) or ISO 8601 instants ``start/end[ name]``
    (the format ``wfm roster`` writes, e.g.
    ``2025-10-01T10:15:00+08:00/2025-10-01T10:30:00+08:00``). The name is
    optional with ``default_name`` (breaks) and required without it
    (activities). ``shift_start_ns`` gives each cell's shift start (UTC ns).

    Returns ``(items, bad, unresolved)``: ``items`` with ``row`` (cell
    position), ``start_ns``, ``end_ns``, ``name`` and ``text`` (canonical
    ``HH:MM-HH:MM[ name]`` in local time); ``bad`` maps cell positions to
    the first item that cannot be read; ``unresolved`` lists cell positions
    with a local time that does not exist or is ambiguous in ``tz``.
    """
    cols = ["row", "start_ns", "end_ns", "name", "text"]
    t = text.fillna("").astype("str")
    parts = t.str.split(";").explode()
    parts = parts[parts.str.strip() != ""]
    if len(parts) == 0:
        return pd.DataFrame({c: [] for c in cols}), pd.Series(dtype="str"), np.zeros(0, dtype=np.int64)
    rows = parts.index.to_numpy(dtype=np.int64)
    ok = np.zeros(len(parts), dtype=bool)
    s_ns = np.full(len(parts), _NAT, dtype=np.int64)
    e_ns = np.full(len(parts), _NAT, dtype=np.int64)
    name = np.full(len(parts), "", dtype=object)
    unresolved = np.zeros(len(parts), dtype=bool)
    # clock items
    m = parts.str.extract(_ITEM_RE)
    h1, m1, h2, m2 = (pd.to_numeric(m[i], errors="coerce").to_numpy(dtype=float) for i in range(4))
    with np.errstate(invalid="ignore"):
        is_clock = m[0].notna().to_numpy() & (h1 <= 24) & (h2 <= 24) & (m1 < 60) & (m2 < 60) & \
            (h1 * 60 + m1 <= 1440) & (h2 * 60 + m2 <= 1440)
    nm = m[4].str.lower().to_numpy(dtype=object)
    if is_clock.any():
        k = np.flatnonzero(is_clock)
        a, b, rok = resolve_clock_items(np.asarray(shift_start_ns)[rows[k]],
                                        (h1[k] * 60 + m1[k]).astype(np.int64) % 1440,
                                        (h2[k] * 60 + m2[k]).astype(np.int64) % 1440, tz)
        s_ns[k], e_ns[k] = a, b
        ok[k] = rok
        unresolved[k] = ~rok
        name[k] = nm[k]
    # ISO items
    rest = np.flatnonzero(~is_clock)
    if len(rest):
        mi = parts.iloc[rest].str.extract(_ISO_ITEM_RE)
        is_iso = mi[0].notna().to_numpy()
        k = rest[is_iso]
        if len(k):
            a = _iso_ns(mi[0][is_iso].str.replace(" ", "T", n=1), tz)
            b = _iso_ns(mi[1][is_iso].str.replace(" ", "T", n=1), tz)
            good = (a != _NAT) & (b != _NAT)
            s_ns[k], e_ns[k] = a, b
            ok[k] = good
            name[k] = mi[2][is_iso].str.lower().to_numpy(dtype=object)
    if default_name is not None:
        name = np.array([x if isinstance(x, str) and x else default_name for x in name], dtype=object)
    ok &= np.array([x in names for x in name])
    bad_mask = ~ok & ~unresolved
    bad = parts[bad_mask]
    bad = bad[~bad.index.duplicated(keep="first")]
    g = np.flatnonzero(ok)
    local = lambda v: pd.DatetimeIndex(v.view("datetime64[ns]")).tz_localize("UTC").tz_convert(tz)  # noqa: E731
    txt = np.asarray(local(s_ns[g]).strftime("%H:%M")) + "-" + np.asarray(local(e_ns[g]).strftime("%H:%M"))
    if default_name is None:
        txt = txt + " " + name[g].astype(str)
    items = pd.DataFrame({"row": rows[g], "start_ns": s_ns[g], "end_ns": e_ns[g],
                          "name": name[g].astype(str), "text": txt.astype(object)})
    return items, bad, np.unique(rows[unresolved])


def read_roster(path, *, tz: str = DEFAULT_TZ, contracts: Mapping | None = None) -> pd.DataFrame:
    """Read and validate a published roster (see the module docstring)."""
    return validate_roster(read_table(path), source=str(path), tz=tz, contracts=contracts)


def validate_roster(df: pd.DataFrame, *, source: str = "<dataframe>", tz: str = DEFAULT_TZ,
                    contracts: Mapping | None = None) -> pd.DataFrame:
    """Check a published roster and return its canonical form.

    ``contracts``: extra contract names allowed besides 5-on-2 and 1-on-1
    (a mapping name -> :class:`~wfm.kpi.terms.ContractTerms`). Columns and
    rules: module docstring.
    """
    T = _Table(df, source, _ROSTER_COLS, ("agent_id", "contract", "shift_start", "shift_end"),
               _ROSTER_SYN, tz)
    P = T.P
    T.require_rows("shifts")
    allowed = dict(CONTRACT_ALIASES)
    for k in (contracts or {}):  # the standard names keep their canonical spelling
        allowed.setdefault(k, k)
        allowed.setdefault(_norm_name(k), k)
    names = tuple(dict.fromkeys(list(CONTRACTS) + list(contracts or {})))
    agent, a_missing = T.text("agent_id")
    codes = pd.factorize(agent)[0] if agent is not None else np.zeros(T.n, dtype=np.int64)

    # day-off rows: both shift times blank
    off = np.zeros(T.n, dtype=bool)
    if "shift_start" in T.cols and "shift_end" in T.cols:
        off = _blank(T.col("shift_start")) & _blank(T.col("shift_end"))
    contract = None
    cs = T.col("contract")
    if cs is not None:
        ct = _as_text(cs).fillna("")
        uniq, inv = np.unique(ct.to_numpy(dtype=object).astype(str), return_inverse=True)
        canon = []
        for u in uniq:
            canon.append(allowed.get(u) or allowed.get(u.lower()) or allowed.get(_norm_name(u))
                         or allowed.get(u.replace(" ", "")))
        contract = np.array([c or "" for c in canon], dtype=object)[inv]
        miss = ct.eq("").to_numpy(dtype=bool)
        P.add_rows(miss, "contract", lambda p: P.problem(p, "contract", "missing value",
                                                          "one of " + ", ".join(names)))
        P.add_rows((contract == "") & ~miss, "contract", lambda p: P.problem(
            p, "contract", f"unknown contract {ct.iloc[p]!r}", "one of " + ", ".join(names)))
        if agent is not None:
            known = (contract != "") & ~a_missing
            frame = pd.DataFrame({"a": codes, "c": contract})[known]
            first = frame.groupby("a", sort=False)["c"].transform("first")
            firstpos = frame.reset_index().groupby("a", sort=False)["index"].transform("first")
            differ = frame["c"] != first
            dpos = frame.index.to_numpy()[differ.to_numpy()]
            fp = dict(zip(frame.index.to_numpy(), firstpos.to_numpy(), strict=True))
            P.add_rows(dpos, "contract", lambda p: P.problem(
                p, "contract", f"agent {agent.iloc[p]!r} has contract {contract[p]!r} here but "
                f"{contract[fp[p]]!r} in row {int(P.rows[fp[p]])}", "one contract per agent"))

    # shift times (day-off rows are skipped)
    ss = T.col("shift_start")
    se = T.col("shift_end")
    start = end = None
    s_ok = e_ok = np.zeros(T.n, dtype=bool)
    if ss is not None and T.tz is not None:
        start, s_ok = T.times("shift_start", codes, required=False)
        P.add_rows(_blank(ss) & ~off, "shift_start", lambda p: P.problem(
            p, "shift_start", "missing value (shift_end is given)", _ISO))
    if se is not None and T.tz is not None:
        end, e_ok = T.times("shift_end", codes, required=False)
        P.add_rows(_blank(se) & ~off, "shift_end", lambda p: P.problem(
            p, "shift_end", "missing value (shift_start is given)", _ISO))
    both = s_ok & e_ok & ~off
    if start is not None and end is not None:
        length = end - start
        back = both & (length <= 0)
        P.add_rows(back, "shift_end", lambda p: P.problem(
            p, "shift_end", f"{_fmt_local(end[p], T.tz)} is not after shift_start "
            f"{_fmt_local(start[p], T.tz)}", "an end after the start"))
        long = both & (length > _DAY_NS)
        P.add_rows(long, "shift_end", lambda p: P.problem(
            p, "shift_end", f"the shift lasts {length[p] / 3.6e12:g} h", "at most 24 hours"))
        both &= ~(back | long)
        if agent is not None:
            _check_overlaps(P, codes, start, end, both & ~a_missing, agent, "shift_start", T.tz,
                            what="shifts of one agent that do not overlap")
    # local date of the shift
    local_date = None
    if start is not None:
        st = np.where(both, start, 0)
        wall = (pd.DatetimeIndex(st.view("datetime64[ns]")).tz_localize("UTC").tz_convert(T.tz)
                .tz_localize(None).asi8)
        local_date = (wall - wall % _DAY_NS).view("datetime64[ns]")
        if "date" in T.cols:
            d, d_ok = T.dates("date", required=False)
            given = d.astype("datetime64[ns]")
            differ = both & d_ok & (given != local_date)
            P.add_rows(differ, "date", lambda p: P.problem(
                p, "date", f"{str(d[p])} is not the local date of shift_start "
                f"{_fmt_local(start[p], T.tz)}", "the date on which the shift starts"))

    # sub-activities: meal, breaks, activities -> (row, start_ns, end_ns, name, column)
    subs = []
    if start is not None and end is not None:
        subs = _roster_subactivities(T, start, end, both)
    P.raise_if_any()

    keep = np.flatnonzero(both)
    order = keep[np.lexsort((start[keep], codes[keep]))]
    meal_s = np.full(T.n, _NAT, dtype=np.int64)
    meal_e = np.full(T.n, _NAT, dtype=np.int64)
    breaks_txt = np.full(T.n, "", dtype=object)
    acts_txt = np.full(T.n, "", dtype=object)
    if len(subs):
        sub = subs
        m = sub[sub["column"] == "meal"]
        meal_s[m["row"].to_numpy()] = m["start_ns"].to_numpy()
        meal_e[m["row"].to_numpy()] = m["end_ns"].to_numpy()
        for col, arr in (("breaks", breaks_txt), ("activities", acts_txt)):
            b = sub[sub["column"] == col].sort_values(["row", "start_ns"])
            if len(b):
                txt = b["text"].groupby(b["row"]).agg(";".join)
                arr[txt.index.to_numpy()] = txt.to_numpy()
    out = {
        "agent_id": agent.iloc[order].reset_index(drop=True).astype("str"),
        "contract": pd.Series(contract[order], dtype="str"),
        "date": pd.Series(local_date[order]),
        "shift_start": _aware(start[order], T.tz),
        "shift_end": _aware(end[order], T.tz),
        "meal_start": _aware(meal_s[order], T.tz),
        "meal_end": _aware(meal_e[order], T.tz),
        "breaks": pd.Series(breaks_txt[order], dtype="str"),
        "activities": pd.Series(acts_txt[order], dtype="str"),
    }
    team, _ = T.text("team", required=False)
    if team is not None:
        out["team"] = team.iloc[order].reset_index(drop=True)
    for name, s in T.extras().items():
        out[name] = s.iloc[order].reset_index(drop=True)
    result = pd.DataFrame(out)
    return result.sort_values(["agent_id", "shift_start"], kind="stable").reset_index(drop=True)


def _roster_subactivities(T: _Table, start, end, both) -> pd.DataFrame:
    """Parse meal, breaks and activities; report problems; return one row per item."""
    P, tz = T.P, T.tz
    frames = []
    # meal
    ms, me = T.col("meal_start"), T.col("meal_end")
    if ms is not None or me is not None:
        if ms is None or me is None:
            P.add("meal_start" if ms is None else "meal_end", "missing column (the other meal column is given)",
                  "both meal_start and meal_end, or neither")
        else:
            bs, be = _blank(ms), _blank(me)
            P.add_rows(both & bs & ~be, "meal_start", lambda p: P.problem(
                p, "meal_start", "missing value (meal_end is given)", "both meal times or neither"))
            P.add_rows(both & be & ~bs, "meal_end", lambda p: P.problem(
                p, "meal_end", "missing value (meal_start is given)", "both meal times or neither"))
            has = both & ~bs & ~be
            s_ns, s_ok = _meal_time(T, "meal_start", ms, start, has)
            e_clock = _as_text(me.astype("str") if me.dtype == object else me).fillna("") \
                .str.fullmatch(_CLOCK_RE.pattern).fillna(False).to_numpy(dtype=bool) \
                if not pd.api.types.is_datetime64_any_dtype(me.dtype) else np.zeros(len(me), bool)
            e_ns, e_ok = _meal_time(T, "meal_end", me, start, has)
            # a clock end at or before its start lies on the next day
            fix = has & s_ok & e_ok & e_clock & (e_ns <= s_ns)
            e_ns = np.where(fix, e_ns + _DAY_NS, e_ns)
            ok = has & s_ok & e_ok
            rows = np.flatnonzero(ok)
            frames.append(pd.DataFrame({"row": rows, "start_ns": s_ns[rows], "end_ns": e_ns[rows],
                                        "name": "meal", "column": "meal", "text": ""}))
    for col, default in (("breaks", "break"), ("activities", None)):
        s = T.col(col)
        if s is None:
            continue
        items, bad, unres = parse_items(_as_text(s.astype("str") if s.dtype == object else s),
                                        np.where(both, start, 0), tz, default_name=default)
        badpos = bad.index.to_numpy(dtype=np.int64)
        badpos = badpos[both[badpos]]
        expected = T.known[col]
        P.add_rows(badpos, col, lambda p, bad=bad, col=col, expected=expected: P.problem(
            p, col, f"cannot read {bad.loc[p].strip()!r}", expected))
        unres = unres[both[unres]]
        P.add_rows(unres, col, lambda p, col=col: P.problem(
            p, col, f"a clock time does not exist or is ambiguous in {tz}",
            "unambiguous local times, or ISO 8601 start/end with offsets"))
        if len(items):
            items = items[both[items["row"].to_numpy()]]
            frames.append(pd.DataFrame({"row": items["row"].to_numpy(), "start_ns": items["start_ns"].to_numpy(),
                                        "end_ns": items["end_ns"].to_numpy(), "name": items["name"].to_numpy(),
                                        "column": col, "text": items["text"].to_numpy()}))
    if not frames:
        return pd.DataFrame()
    sub = pd.concat(frames, ignore_index=True)
    if not len(sub):
        return sub
    r = sub["row"].to_numpy()
    outside = (sub["start_ns"].to_numpy() < start[r]) | (sub["end_ns"].to_numpy() > end[r])
    zero = sub["end_ns"].to_numpy() <= sub["start_ns"].to_numpy()
    for k in np.flatnonzero(outside | zero):
        row = int(r[k])
        col = sub["column"].iat[k]
        what = f"{sub['name'].iat[k]} {_clock(sub['start_ns'].iat[k], tz)}-{_clock(sub['end_ns'].iat[k], tz)}"
        if zero[k]:
            P.add_rows(np.array([row]), "meal_end" if col == "meal" else col, lambda p, w=what, c=col: P.problem(
                p, "meal_end" if c == "meal" else c, f"{w} has no length", "an end after the start"))
        else:
            P.add_rows(np.array([row]), "meal_start" if col == "meal" else col, lambda p, w=what, c=col: P.problem(
                p, "meal_start" if c == "meal" else c,
                f"{w} is outside the shift {_clock(start[p], tz)}-{_clock(end[p], tz)}",
                "meal, breaks and activities inside the shift"))
    sub = sub[~(outside | zero)]
    sub = sub.sort_values(["row", "start_ns"], kind="stable").reset_index(drop=True)
    same = np.zeros(len(sub), dtype=bool)
    rr = sub["row"].to_numpy()
    same[1:] = rr[1:] == rr[:-1]
    run_end = pd.Series(sub["end_ns"].to_numpy()).groupby(rr).cummax().to_numpy()
    prev_run = np.r_[_NAT, run_end[:-1]]
    ov = same & (sub["start_ns"].to_numpy() < prev_run)
    for k in np.flatnonzero(ov):
        row = int(rr[k])
        col = sub["column"].iat[k]
        col = "meal_start" if col == "meal" else col
        w = f"{sub['name'].iat[k]} {_clock(sub['start_ns'].iat[k], tz)}-{_clock(sub['end_ns'].iat[k], tz)}"
        j = k - 1
        o = f"{sub['name'].iat[j]} {_clock(sub['start_ns'].iat[j], tz)}-{_clock(sub['end_ns'].iat[j], tz)}"
        P.add_rows(np.array([row]), col, lambda p, w=w, o=o, c=col: P.problem(
            p, c, f"{w} overlaps {o}", "meal, breaks and activities that do not overlap"))
    return sub[~ov].reset_index(drop=True)


def _clock(ns, tz) -> str:
    return pd.Timestamp(int(ns), tz="UTC").tz_convert(tz).strftime("%H:%M")


def _meal_time(T: _Table, name: str, s: pd.Series, shift_start: np.ndarray, has: np.ndarray):
    """Meal time: ISO timestamp, or a HH:MM clock resolved within the shift."""
    P, tz = T.P, T.tz
    n = len(s)
    out = np.full(n, _NAT, dtype=np.int64)
    ok = np.zeros(n, dtype=bool)
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        r = _timestamps(s, tz, np.zeros(n, dtype=np.int64))
        good = has & r.ok
        out[good] = r.utc_ns[good]
        ok |= good
        P.add_rows(has & ~r.ok, name, lambda p: P.problem(p, name, "not a valid time", T.known[name]))
        return out, ok
    t = _as_text(s.astype("str") if s.dtype == object else s).fillna("")
    m = t.str.extract(_CLOCK_RE)
    is_clock = m[0].notna().to_numpy()
    if (has & is_clock).any():
        pos = np.flatnonzero(has & is_clock)
        hh = pd.to_numeric(m[0].iloc[pos]).to_numpy(dtype=np.int64)
        mm = pd.to_numeric(m[1].iloc[pos]).to_numpy(dtype=np.int64)
        valid = (hh <= 24) & (mm < 60) & (hh * 60 + mm <= 1440)
        minutes = hh * 60 + mm
        s_ns, _, rok = resolve_clock_items(shift_start[pos], minutes % 1440, (minutes + 1) % 1440, tz)
        good = valid & rok
        out[pos[good]] = s_ns[good]
        ok[pos[good]] = True
        P.add_rows(pos[~good], name, lambda p: P.problem(
            p, name, f"{t.iloc[p]!r} is not a valid clock time", T.known[name]))
    iso = has & ~is_clock
    if iso.any():
        pos = np.flatnonzero(iso)
        r = _timestamps(s.iloc[pos].reset_index(drop=True), tz, np.zeros(len(pos), dtype=np.int64))
        out[pos[r.ok]] = r.utc_ns[r.ok]
        ok[pos[r.ok]] = True
        P.add_rows(pos[~r.ok], name, lambda p: P.problem(
            p, name, f"{t.iloc[p]!r} is not a valid timestamp or clock time", T.known[name]))
    return out, ok


# --------------------------------------------------------------------------
# interval-like tables: actual results and forecast snapshots
# --------------------------------------------------------------------------

_INTERVAL_CORE = ("queue", "interval_start", "interval_min", "channel", "offered", "aht_s",
                  "handled", "abandoned", "agents")
_RESULT_EXTRAS = {
    "answered_within_target": "calls answered within the service-level threshold (a number >= 0)",
    "abandoned_within_target": "calls abandoned before the service-level threshold (a number >= 0)",
    "answer_wait_total_s": "summed seconds from ring to answer of the answered calls (>= 0)",
    "talk_total_s": "summed talk seconds of the interval (>= 0)",
    "hold_total_s": "summed hold seconds of the interval (>= 0)",
    "acw_total_s": "summed after-call-work seconds of the interval (>= 0)",
}
_FORECAST_EXTRAS = {
    "required_agents": "agents required on the phones (a number >= 0)",
    "scheduled_agents": "agents to schedule after shrinkage (a number >= 0)",
}
_CORE_DESCRIBE = {
    "queue": "a queue name", "interval_start": "an interval start, " + _ISO,
    "interval_min": "the interval length in minutes", "channel": "a channel",
    "offered": "contacts offered (a number >= 0)", "aht_s": "average handle time, seconds",
    "handled": "contacts handled (a number >= 0)", "abandoned": "contacts abandoned (a number >= 0)",
    "agents": "agents on the phones (a number >= 0)",
}
_RESULT_SYN = {"answered_in_target": "answered_within_target", "answered_within_sl": "answered_within_target",
               "in_sl": "answered_within_target", "short_abandons": "abandoned_within_target",
               "talk_s": "talk_total_s", "acw_s": "acw_total_s", "hold_s": "hold_total_s",
               "wait_s": "answer_wait_total_s", "answer_wait_s": "answer_wait_total_s",
               "calls": "offered", "answered": "handled", "start": "interval_start"}


def _validate_interval_like(df, source, tz, interval_min, extras: dict[str, str],
                            required_extra: tuple[str, ...] = (), snapshot: bool = False,
                            require_handled: bool = False) -> pd.DataFrame:
    known = {**_CORE_DESCRIBE, **extras}
    if snapshot:
        known["made_at"] = "when the forecast was made, " + _ISO
    req = ("interval_start", "offered") + (("handled",) if require_handled else ()) + required_extra
    T = _Table(df, source, known, req, _RESULT_SYN, tz)
    P = T.P
    T.require_rows("interval data")
    problems: list[Problem] = []
    core_pos = [T.cols[c] for c in _INTERVAL_CORE if c in T.cols]
    core = df.iloc[:, core_pos]
    core.columns = [c for c in _INTERVAL_CORE if c in T.cols]
    # extras
    ev: dict[str, np.ndarray] = {}
    for name in extras:
        if name in T.cols:
            ev[name], _ = T.numbers(name)
    # snapshot groups
    if snapshot and "made_at" in T.cols and T.tz is not None:
        made, made_ok = T.times("made_at", np.zeros(T.n, dtype=np.int64), required=True)
    else:
        made, made_ok = np.zeros(T.n, dtype=np.int64), np.ones(T.n, dtype=bool)
    # which kept rows have core values at all
    core_kept = core.iloc[T.keep] if len(T.keep) != len(core) else core
    core_blank = np.ones(T.n, dtype=bool)
    for i in range(core_kept.shape[1]):
        core_blank &= _blank(core_kept.iloc[:, i].reset_index(drop=True))
    P.add_rows(core_blank, "interval_start", lambda p: P.problem(
        p, "interval_start", "row has values but no interval", "interval_start and offered"))
    problems += _collect(P)
    if T.tz is None or "interval_start" not in T.cols or "offered" not in T.cols:
        _raise(problems, source)
    groups = np.unique(made[made_ok & ~core_blank]) if snapshot else np.array([0])
    canon = []
    n_all = len(df)
    for g in groups:
        sel_kept = made_ok & ~core_blank & (made == g)
        sel = np.zeros(n_all, dtype=bool)
        sel[T.keep[sel_kept]] = True
        sub = core if sel.all() else core.where(pd.Series(sel, index=core.index), axis=0)
        try:
            c = validate_intervals(sub, source=source, tz=T.tz, interval_min=interval_min,
                                   require_aht=False)
        except InputError as exc:
            problems += [p for p in exc.problems if not p.problem.startswith("... and ")]
            continue
        if snapshot and "made_at" in T.cols:
            c.insert(0, "made_at", _aware(np.full(len(c), g, dtype=np.int64), T.tz))
        canon.append((g, sel_kept, c))
    _raise(problems, source)
    # attach the extras by (snapshot, queue, instant)
    qtext = T.text("queue", required=False)[0]
    queue = qtext.where(qtext != "", "main") if qtext is not None else pd.Series(["main"] * T.n, dtype="str")
    qcodes = pd.factorize(queue, sort=True)[0]
    ts = _timestamps(T.col("interval_start"), T.tz, qcodes)
    out_frames = []
    for _g, sel_kept, c in canon:
        key_raw = pd.DataFrame({"q": queue.to_numpy()[sel_kept], "t": ts.utc_ns[sel_kept],
                                "_row": T.P.rows[sel_kept]})
        for name, v in ev.items():
            key_raw[name] = v[sel_kept]
        key_c = pd.DataFrame({"q": c["queue"].to_numpy(),
                              "t": pd.DatetimeIndex(c["interval_start"]).as_unit("ns").asi8})
        merged = key_c.merge(key_raw, on=["q", "t"], how="left", validate="one_to_one")
        for name in ev:
            c[name] = merged[name].to_numpy(dtype=np.float64)
        c["_row"] = merged["_row"].to_numpy()
        out_frames.append(c)
    result = pd.concat(out_frames, ignore_index=True) if len(out_frames) > 1 else out_frames[0]
    return result


def read_results(path, *, tz: str = DEFAULT_TZ, interval_min: int | None = None) -> pd.DataFrame:
    """Read and validate actual interval results (see the module docstring)."""
    return validate_results(read_table(path), source=str(path), tz=tz, interval_min=interval_min)


def validate_results(df: pd.DataFrame, *, source: str = "<dataframe>", tz: str = DEFAULT_TZ,
                     interval_min: int | None = None) -> pd.DataFrame:
    """Check actual interval results: the canonical interval table plus the
    result totals of the module docstring (NaN where a cell is blank)."""
    out = _validate_interval_like(df, source, tz, interval_min, _RESULT_EXTRAS, require_handled=True)
    problems = []

    def check(mask, column, text, expected):
        # rows are reported by queue and interval (the canonical frame is sorted)
        for k in np.flatnonzero(mask)[:MAX_PROBLEMS]:
            problems.append(Problem(source, int(out["_row"].iat[k]), column, text(k), expected))

    off = out["offered"].to_numpy()
    hd = out["handled"].to_numpy()
    ab = out["abandoned"].to_numpy() if "abandoned" in out else np.zeros(len(out))
    with np.errstate(invalid="ignore"):
        over = np.nan_to_num(hd) + np.nan_to_num(ab) > off + 1e-9
        check(over, "handled", lambda k: f"handled {hd[k]:g} + abandoned {ab[k]:g} > offered {off[k]:g}",
              "handled + abandoned <= offered")
        if "answered_within_target" in out:
            aw = out["answered_within_target"].to_numpy()
            check(aw > np.nan_to_num(hd) + 1e-9, "answered_within_target",
                  lambda k: f"{aw[k]:g} answered within target > handled {hd[k]:g}",
                  "answered_within_target <= handled")
        if "abandoned_within_target" in out:
            aw = out["abandoned_within_target"].to_numpy()
            check(aw > np.nan_to_num(ab) + 1e-9, "abandoned_within_target",
                  lambda k: f"{aw[k]:g} abandoned within target > abandoned {ab[k]:g}",
                  "abandoned_within_target <= abandoned")
    _raise(problems, source)
    return out.drop(columns="_row")


def read_forecasts(path, *, tz: str = DEFAULT_TZ, interval_min: int | None = None) -> pd.DataFrame:
    """Read and validate forecast snapshots (see the module docstring)."""
    return validate_forecasts(read_table(path), source=str(path), tz=tz, interval_min=interval_min)


def validate_forecasts(df: pd.DataFrame, *, source: str = "<dataframe>", tz: str = DEFAULT_TZ,
                       interval_min: int | None = None) -> pd.DataFrame:
    """Check forecast snapshots: one interval table per ``made_at`` value
    (the whole table is one snapshot without that column). Returns the
    canonical interval table with ``made_at`` first (when given) and
    ``required_agents`` / ``scheduled_agents`` when given."""
    out = _validate_interval_like(df, source, tz, interval_min, _FORECAST_EXTRAS, snapshot=True)
    return out.drop(columns="_row")


# --------------------------------------------------------------------------
# leave, agents, dialling log
# --------------------------------------------------------------------------

_LEAVE_COLS = {"agent_id": "an agent identifier", "date": "the day of leave YYYY-MM-DD",
               "leave_type": "one of " + ", ".join(LEAVE_TYPES),
               "days": "the share of the day taken (0 < days <= 1)"}


def read_leave(path) -> pd.DataFrame:
    """Read and validate a leave table (see the module docstring)."""
    return validate_leave(read_table(path), source=str(path))


def validate_leave(df: pd.DataFrame, *, source: str = "<dataframe>") -> pd.DataFrame:
    """Check leave records: returns ``agent_id``, ``date`` (datetime64[ns]),
    ``leave_type``, ``days`` sorted by agent and date."""
    T = _Table(df, source, _LEAVE_COLS, ("agent_id", "date", "leave_type"),
               {"type": "leave_type", "kind": "leave_type", "leave": "leave_type", "agent": "agent_id",
                "day": "date", "fraction": "days"}, tz=None)
    T.require_rows("leave records")
    agent, a_miss = T.text("agent_id")
    d, d_ok = T.dates("date")
    lt, lt_bad = T.choice("leave_type", LEAVE_TYPES, _LEAVE_SYNONYMS)
    days, days_ok = T.numbers("days", minimum=None)
    if days is not None:
        with np.errstate(invalid="ignore"):
            badd = days_ok & ((days <= 0) | (days > 1))
        T.P.add_rows(badd, "days", lambda p: T.P.problem(p, "days", f"{days[p]:g} is out of range",
                                                         _LEAVE_COLS["days"]))
    if agent is not None and d is not None:
        T.duplicates([agent.to_numpy(dtype=object), d.astype(np.int64)], ~a_miss & d_ok, "date",
                     "one leave record per agent and day")
    T.P.raise_if_any()
    out = pd.DataFrame({
        "agent_id": agent.astype("str"),
        "date": pd.Series(d.astype("datetime64[ns]")),
        "leave_type": pd.Series(lt, dtype="str"),
        "days": np.nan_to_num(days, nan=1.0) if days is not None else 1.0,
    })
    return out.sort_values(["agent_id", "date"], kind="stable").reset_index(drop=True)


_AGENT_COLS = {"agent_id": "an agent identifier", "base_pay": "monthly base pay, CNY (> 0)",
               "star": "star level 0, 1, 2 or 3", "contract": "a contract: " + ", ".join(CONTRACTS),
               "team": "a team name", "full_month": "yes or no: worked the whole month"}


def read_agents(path) -> pd.DataFrame:
    """Read and validate an agents table (see the module docstring)."""
    return validate_agents(read_table(path), source=str(path))


def validate_agents(df: pd.DataFrame, *, source: str = "<dataframe>") -> pd.DataFrame:
    """Check the agents table: returns ``agent_id`` and whichever of
    ``base_pay`` (float, NaN = default), ``star`` (Int64), ``contract``,
    ``team``, ``full_month`` (bool) were given."""
    T = _Table(df, source, _AGENT_COLS, ("agent_id",),
               {"agent": "agent_id", "base": "base_pay", "salary": "base_pay", "stars": "star",
                "level": "star"}, tz=None)
    T.require_rows("agents")
    agent, a_miss = T.text("agent_id")
    out = {"agent_id": agent.astype("str")}
    if "base_pay" in T.cols:
        v, ok = T.numbers("base_pay", minimum=None)
        with np.errstate(invalid="ignore"):
            T.P.add_rows(ok & (v <= 0), "base_pay", lambda p: T.P.problem(
                p, "base_pay", f"{v[p]:g} is not positive", _AGENT_COLS["base_pay"]))
        out["base_pay"] = v
    if "star" in T.cols:
        v, ok = T.numbers("star", minimum=0, maximum=3, integer=True)
        out["star"] = pd.array(np.where(np.isnan(v), 0, v).astype(np.int64), dtype="Int64")
    if "contract" in T.cols:
        c = _as_text(T.col("contract")).fillna("")
        canon = c.map(lambda u: CONTRACT_ALIASES.get(u) or CONTRACT_ALIASES.get(_norm_name(u)) or "")
        bad = (canon == "") & (c != "")
        T.P.add_rows(bad.to_numpy(dtype=bool), "contract", lambda p: T.P.problem(
            p, "contract", f"unknown contract {c.iloc[p]!r}", "one of " + ", ".join(CONTRACTS)))
        out["contract"] = canon.astype("str")
    if "team" in T.cols:
        out["team"] = T.text("team", required=False)[0]
    if "full_month" in T.cols:
        out["full_month"] = T.yes_no("full_month", True)
    T.duplicates([agent.to_numpy(dtype=object)], ~a_miss, "agent_id", "one row per agent")
    T.P.raise_if_any()
    return pd.DataFrame(out).sort_values("agent_id", kind="stable").reset_index(drop=True)


_DIAL_COLS = {"account_id": "the account (customer record) dialled", "outcome": "one of " + ", ".join(OUTCOMES),
              "agent_id": "an agent identifier", "campaign": "a campaign name",
              "dialled_at": "when the attempt was made, " + _ISO,
              "prep_s": "preparation seconds before the dial (>= 0)", "talk_s": "talk seconds (>= 0)",
              "acw_s": "after-call-work seconds (>= 0)"}


def read_dials(path, *, tz: str = DEFAULT_TZ) -> pd.DataFrame:
    """Read and validate an outbound dialling log (see the module docstring)."""
    return validate_dials(read_table(path), source=str(path), tz=tz)


def validate_dials(df: pd.DataFrame, *, source: str = "<dataframe>", tz: str = DEFAULT_TZ) -> pd.DataFrame:
    """Check a dialling log: returns ``account_id``, ``outcome``, and the
    optional columns given (seconds as float, blank = 0; ``dialled_at``
    tz-aware), in file order."""
    T = _Table(df, source, _DIAL_COLS, ("account_id", "outcome"),
               {"account": "account_id", "customer_id": "account_id", "result": "outcome",
                "status": "outcome", "agent": "agent_id", "time": "dialled_at", "start": "dialled_at",
                "talk": "talk_s", "acw": "acw_s", "wrap_s": "acw_s", "prep": "prep_s"}, tz)
    T.require_rows("dial attempts")
    acc, _ = T.text("account_id")
    outcome, _ = T.choice("outcome", OUTCOMES, _OUTCOME_SYNONYMS)
    out = {"account_id": acc.astype("str") if acc is not None else None,
           "outcome": pd.Series(outcome, dtype="str") if outcome is not None else None}
    if "agent_id" in T.cols:
        out["agent_id"] = T.text("agent_id")[0].astype("str")
    if "campaign" in T.cols:
        out["campaign"] = T.text("campaign", required=False)[0].astype("str")
    if "dialled_at" in T.cols:
        ns, ok = T.times("dialled_at", np.zeros(T.n, dtype=np.int64), required=False)
        if ns is not None:
            out["dialled_at"] = _aware(np.where(ok, ns, _NAT), T.tz)
    for c in ("prep_s", "talk_s", "acw_s"):
        if c in T.cols:
            v, _ = T.numbers(c)
            out[c] = np.nan_to_num(v, nan=0.0)
    T.P.raise_if_any()
    return pd.DataFrame(out)
