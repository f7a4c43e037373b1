"""Measurement inputs: state log, actual interval results, published roster,
forecast snapshots, leave, agents and the outbound dialling log.

Each table has a ``read_*`` function (CSV, Excel ``.xlsx`` or Parquet, like
:func:`wfm.intervals.read_intervals`) and a ``validate_*`` function (a
DataFrame in any dtypes) returning a canonical frame. Each table's schema is
declared once (``STATE_LOG``, ``ROSTER``, ``RESULTS``, ``FORECASTS``,
``LEAVE``, ``AGENTS``, ``DIALS``) and checked by the table engine
(:mod:`wfm.tables`), as the interval table is:

* every problem is collected and raised together as one
  :class:`wfm.errors.InputError` (at most 50 listed, then "... and N more"),
  rendered ``file:row: column: problem (expected ...)``, where ``row`` is the
  spreadsheet row (header = row 1, first data row = row 2; for DataFrames the
  position + 2);
* timestamps are ISO 8601; naive ones are local wall-clock time in ``tz``,
  ones with an offset (``+08:00``, ``Z``) are converted to ``tz``;
  tz-aware datetime columns are accepted as they are; a naive time the
  clocks skip is reported, a repeated one resolved by file order per agent
  (:mod:`wfm.tables.parse`);
* rows in which every cell is blank are ignored (still counted for row
  numbers);
* column names are matched exactly after stripping spaces. A column whose
  name is close to a known one (``Start``, ``agent``, ``shift start``) is an
  error with a "did you mean" hint; any other extra column is ignored (the
  roster keeps it, because rostering tools add their own columns).

Tables
------
**State log** (:func:`validate_state_log`): one row per agent state.

{STATE_LOG_COLUMNS}

Exactly one of ``end`` and ``duration_s`` is required. States of one agent must not
overlap (a state may start exactly when the previous one ends). Time not
covered by the log counts as ``logged_out``. Returned columns: ``agent_id``,
[``team``], ``state`` (categorical over STATES), ``start``, ``end``
(``datetime64[ns, tz]``), ``duration_s`` (float), sorted by agent and start.

**Roster** (:func:`validate_roster`): one row per agent shift (the published
schedule; the ``roster.csv`` of ``wfm roster``); columns, rules and the
returned frame in :mod:`wfm.kpi.roster_input`.

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

import numpy as np
import pandas as pd

from wfm import DEFAULT_TZ
from wfm.errors import InputError, Problem
from wfm.intervals import INTERVALS, validate_intervals
from wfm.kpi.roster_input import (
    ROSTER,
    parse_clock_items,
    parse_items,
    read_roster,
    resolve_clock_items,
    validate_roster,
)
from wfm.kpi.terms import CONTRACT_ALIASES, CONTRACTS, STATE_SYNONYMS, STATES
from wfm.tables import (
    ISO_EXAMPLE,
    MAX_PROBLEMS,
    NAT,
    Column,
    Schema,
    Table,
    as_text,
    aware,
    blank,
    collected,
    fmt_local,
    norm_name,
    raise_problems,
    report_overlaps,
    timestamps,
)
from wfm.tables import read_table as _read_any

__all__ = [
    "common_intervals",
    "common_time",
    "OUTCOMES",
    "OUTCOME_GROUPS",
    "LEAVE_TYPES",
    "AGENTS",
    "DIALS",
    "FORECASTS",
    "LEAVE",
    "RESULTS",
    "ROSTER",
    "STATE_LOG",
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

_ISO = ISO_EXAMPLE
_NS_PER_S = 1_000_000_000

#: Dial outcomes (DOMAIN.md section 6): ``invalid`` is an unusable record
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

#: Leave types and the share of a day's pay deducted (DOMAIN.md section 4;
#: unexcused absence is the product's choice: treated like personal leave).
LEAVE_TYPES = ("personal", "sick", "annual", "unexcused")
_LEAVE_SYNONYMS = {
    "personal_leave": "personal", "事假": "personal",
    "sick_leave": "sick", "病假": "sick",
    "annual_leave": "annual", "paid": "annual", "vacation": "annual", "年假": "annual",
    "absent": "unexcused", "absence": "unexcused", "no_show": "unexcused", "旷工": "unexcused",
}


# --------------------------------------------------------------------------
# the schemas
# --------------------------------------------------------------------------

#: Agent state log: one row per agent state.
STATE_LOG = Schema(
    what="agent states",
    columns=(
        Column("agent_id", "an agent identifier", required=True),
        Column("state", "one of " + ", ".join(STATES), "choice", required=True,
               doc="case-insensitive; common ACD spellings such as ``wrap``, ``aux``, ``lunch``, "
                   "``示忙`` are mapped"),
        Column("start", "when the state began, " + _ISO, "timestamp", required=True),
        Column("end", "when the state ended (>= start), " + _ISO, "timestamp",
               doc="or ``duration_s``"),
        Column("duration_s", "seconds in the state (a number >= 0)", "number", minimum=0,
               doc="instead of ``end``"),
        Column("team", "a team name"),
    ),
    synonyms={"agent": "agent_id", "agentid": "agent_id", "agent_name": "agent_id",
              "staff_id": "agent_id", "employee_id": "agent_id", "status": "state", "activity": "state",
              "state_name": "state", "start_time": "start", "begin": "start", "from": "start",
              "end_time": "end", "stop": "end", "to": "end", "finish": "end", "duration": "duration_s",
              "seconds": "duration_s", "group": "team"},
)

# the interval-table columns a results or forecast table carries
_INTERVAL_CORE = ("queue", "interval_start", "interval_min", "channel", "offered", "aht_s",
                  "handled", "abandoned", "agents")
_CORE_MEANING = {
    "queue": "a queue name", "interval_start": "an interval start, " + _ISO,
    "interval_min": "the interval length in minutes", "channel": "a channel",
    "offered": "contacts offered (a number >= 0)", "aht_s": "average handle time, seconds",
    "handled": "contacts handled (a number >= 0)", "abandoned": "contacts abandoned (a number >= 0)",
    "agents": "agents on the phones (a number >= 0)",
}
_INTERVAL_LIKE = Schema(
    what="interval data",
    columns=tuple(Column(c, _CORE_MEANING[c], INTERVALS.column(c).kind,
                         required=c in ("interval_start", "offered"))
                  for c in _INTERVAL_CORE),
    synonyms={"calls": "offered", "answered": "handled", "start": "interval_start"},
    ordered_problems=True,
)


def _totals(*named: tuple[str, str]) -> tuple[Column, ...]:
    return tuple(Column(n, m, "number", minimum=0) for n, m in named)


_RESULT_EXTRAS = _totals(
    ("answered_within_target", "calls answered within the service-level threshold (a number >= 0)"),
    ("abandoned_within_target", "calls abandoned before the service-level threshold (a number >= 0)"),
    ("answer_wait_total_s", "summed seconds from ring to answer of the answered calls (>= 0)"),
    ("talk_total_s", "summed talk seconds of the interval (>= 0)"),
    ("hold_total_s", "summed hold seconds of the interval (>= 0)"),
    ("acw_total_s", "summed after-call-work seconds of the interval (>= 0)"),
)
_FORECAST_EXTRAS = _totals(
    ("required_agents", "agents required on the phones (a number >= 0)"),
    ("scheduled_agents", "agents to schedule after shrinkage (a number >= 0)"),
)
#: Actual interval results: the interval table with ``handled`` required and the result totals.
RESULTS = _INTERVAL_LIKE.with_columns(
    *_RESULT_EXTRAS, required=("interval_start", "offered", "handled"),
    synonyms={**_INTERVAL_LIKE.synonyms,
              "answered_in_target": "answered_within_target", "answered_within_sl": "answered_within_target",
              "in_sl": "answered_within_target", "short_abandons": "abandoned_within_target",
              "talk_s": "talk_total_s", "acw_s": "acw_total_s", "hold_s": "hold_total_s",
              "wait_s": "answer_wait_total_s", "answer_wait_s": "answer_wait_total_s"})
#: Forecast snapshots: interval tables with ``made_at`` and the agents forecast.
FORECASTS = _INTERVAL_LIKE.with_columns(
    *_FORECAST_EXTRAS, Column("made_at", "when the forecast was made, " + _ISO, "timestamp"))

#: Leave records: one row per agent and day.
LEAVE = Schema(
    what="leave records",
    columns=(
        Column("agent_id", "an agent identifier", required=True),
        Column("date", "the day of leave YYYY-MM-DD", "date", required=True),
        Column("leave_type", "one of " + ", ".join(LEAVE_TYPES), "choice", required=True),
        Column("days", "the share of the day taken (0 < days <= 1)", "number", doc="default 1"),
    ),
    synonyms={"type": "leave_type", "kind": "leave_type", "leave": "leave_type", "agent": "agent_id",
              "day": "date", "fraction": "days"},
)

#: Agents: one row per agent (pay and grading inputs).
AGENTS = Schema(
    what="agents",
    columns=(
        Column("agent_id", "an agent identifier", required=True),
        Column("base_pay", "monthly base pay, CNY (> 0)", "number"),
        Column("star", "star level 0, 1, 2 or 3", "number", minimum=0, maximum=3, integer=True),
        Column("contract", "a contract: " + ", ".join(CONTRACTS), "choice"),
        Column("team", "a team name"),
        Column("full_month", "yes or no: worked the whole month", "yes/no",
               doc="no bonus for a partial month"),
    ),
    synonyms={"agent": "agent_id", "base": "base_pay", "salary": "base_pay", "stars": "star",
              "level": "star"},
)

#: Outbound dialling log: one row per dial attempt.
DIALS = Schema(
    what="dial attempts",
    columns=(
        Column("account_id", "the account (customer record) dialled", required=True),
        Column("outcome", "one of " + ", ".join(OUTCOMES), "choice", required=True),
        Column("agent_id", "an agent identifier"),
        Column("campaign", "a campaign name"),
        Column("dialled_at", "when the attempt was made, " + _ISO, "timestamp"),
        Column("prep_s", "preparation seconds before the dial (>= 0)", "number", minimum=0),
        Column("talk_s", "talk seconds (>= 0)", "number", minimum=0),
        Column("acw_s", "after-call-work seconds (>= 0)", "number", minimum=0),
    ),
    synonyms={"account": "account_id", "customer_id": "account_id", "result": "outcome",
              "status": "outcome", "agent": "agent_id", "time": "dialled_at", "start": "dialled_at",
              "talk": "talk_s", "acw": "acw_s", "wrap_s": "acw_s", "prep": "prep_s"},
)

if __doc__:
    __doc__ = __doc__.replace("{STATE_LOG_COLUMNS}", STATE_LOG.doc_table())


def read_table(path) -> pd.DataFrame:
    """Read a raw table (CSV, ``.xlsx``/``.xlsm`` first sheet, Parquet).

    CSV cells are read as text (UTF-8 with or without BOM, else GB18030) so
    the validators see exactly what the file holds
    (:func:`wfm.tables.read_table`). Raises InputError for a missing file,
    an unknown extension or an unreadable file.
    """
    return _read_any(path)


# --------------------------------------------------------------------------
# state log
# --------------------------------------------------------------------------


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
    T = Table(df, STATE_LOG, source, tz=tz)
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
            p, "end", f"ends {fmt_local(end[p], T.tz)}, before it starts {fmt_local(start[p], T.tz)}",
            "an end at or after the start"))
        if agent is not None:
            good = both & ~back & ~a_missing
            order = np.lexsort((end, start, codes))
            report_overlaps(P, codes, start, end, good, agent, "start", T.tz,
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
    out["start"] = aware(start[order], T.tz)
    out["end"] = aware(end[order], T.tz)
    out["duration_s"] = (end[order] - start[order]) / _NS_PER_S
    return pd.DataFrame(out)


def _state_codes(state: np.ndarray) -> np.ndarray:
    """Canonical state names (object array) -> codes into STATES, via the few uniques."""
    codes, uniq = pd.factorize(state)
    lut = np.array([STATES.index(u) for u in uniq], dtype=np.int8)
    return lut[codes]



# --------------------------------------------------------------------------
# interval-like tables: actual results and forecast snapshots
# --------------------------------------------------------------------------


def _validate_interval_like(df, source, tz, interval_min, schema: Schema, extras: tuple[Column, ...],
                            snapshot: bool = False) -> pd.DataFrame:
    """The interval table of each snapshot (one without ``made_at``),
    validated by :func:`~wfm.intervals.validate_intervals`, with the extra
    number columns attached by queue and instant; ``_row`` is each row's
    spreadsheet row."""
    T = Table(df, schema, source, tz=tz)
    P = T.P
    T.require_rows()
    problems: list[Problem] = []
    core_pos = [T.cols[c] for c in _INTERVAL_CORE if c in T.cols]
    core = df.iloc[:, core_pos]
    core.columns = [c for c in _INTERVAL_CORE if c in T.cols]
    # extras
    ev: dict[str, np.ndarray] = {}
    for c in extras:
        if c.name in T.cols:
            ev[c.name], _ = T.numbers(c.name)
    # snapshot groups
    if snapshot and "made_at" in T.cols and T.tz is not None:
        made, made_ok = T.times("made_at", required=True)
    else:
        made, made_ok = np.zeros(T.n, dtype=np.int64), np.ones(T.n, dtype=bool)
    # which kept rows have core values at all
    core_kept = core.iloc[T.keep] if len(T.keep) != len(core) else core
    core_blank = np.ones(T.n, dtype=bool)
    for i in range(core_kept.shape[1]):
        core_blank &= blank(core_kept.iloc[:, i].reset_index(drop=True))
    P.add_rows(core_blank, "interval_start", lambda p: P.problem(
        p, "interval_start", "row has values but no interval", "interval_start and offered"))
    problems += collected(P)
    if T.tz is None or "interval_start" not in T.cols or "offered" not in T.cols:
        raise_problems(problems, source)
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
            c.insert(0, "made_at", aware(np.full(len(c), g, dtype=np.int64), T.tz))
        canon.append((g, sel_kept, c))
    raise_problems(problems, source)
    # attach the extras by (snapshot, queue, instant)
    qtext = T.text("queue", required=False)[0]
    queue = qtext.where(qtext != "", "main") if qtext is not None else pd.Series(["main"] * T.n, dtype="str")
    qcodes = pd.factorize(queue, sort=True)[0]
    ts = timestamps(T.col("interval_start"), T.tz, qcodes)
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
    out = _validate_interval_like(df, source, tz, interval_min, RESULTS, _RESULT_EXTRAS)
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
    raise_problems(problems, source)
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
    out = _validate_interval_like(df, source, tz, interval_min, FORECASTS, _FORECAST_EXTRAS, snapshot=True)
    return out.drop(columns="_row")



# --------------------------------------------------------------------------
# leave, agents, dialling log
# --------------------------------------------------------------------------

def read_leave(path) -> pd.DataFrame:
    """Read and validate a leave table (see the module docstring)."""
    return validate_leave(read_table(path), source=str(path))


def validate_leave(df: pd.DataFrame, *, source: str = "<dataframe>") -> pd.DataFrame:
    """Check leave records: returns ``agent_id``, ``date`` (datetime64[ns]),
    ``leave_type``, ``days`` sorted by agent and date."""
    T = Table(df, LEAVE, source, tz=None)
    T.require_rows()
    agent, a_miss = T.text("agent_id")
    d, d_ok = T.dates("date")
    lt, lt_bad = T.choice("leave_type", LEAVE_TYPES, _LEAVE_SYNONYMS)
    days, days_ok = T.numbers("days")
    if days is not None:
        with np.errstate(invalid="ignore"):
            badd = days_ok & ((days <= 0) | (days > 1))
        T.P.add_rows(badd, "days", lambda p: T.P.problem(p, "days", f"{days[p]:g} is out of range",
                                                         T.meaning("days")))
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


def read_agents(path) -> pd.DataFrame:
    """Read and validate an agents table (see the module docstring)."""
    return validate_agents(read_table(path), source=str(path))


def validate_agents(df: pd.DataFrame, *, source: str = "<dataframe>") -> pd.DataFrame:
    """Check the agents table: returns ``agent_id`` and whichever of
    ``base_pay`` (float, NaN = default), ``star`` (Int64), ``contract``,
    ``team``, ``full_month`` (bool) were given."""
    T = Table(df, AGENTS, source, tz=None)
    T.require_rows()
    agent, a_miss = T.text("agent_id")
    out = {"agent_id": agent.astype("str")}
    if "base_pay" in T.cols:
        v, ok = T.numbers("base_pay")
        with np.errstate(invalid="ignore"):
            T.P.add_rows(ok & (v <= 0), "base_pay", lambda p: T.P.problem(
                p, "base_pay", f"{v[p]:g} is not positive", T.meaning("base_pay")))
        out["base_pay"] = v
    if "star" in T.cols:
        v, ok = T.numbers("star")
        out["star"] = pd.array(np.where(np.isnan(v), 0, v).astype(np.int64), dtype="Int64")
    if "contract" in T.cols:
        c = as_text(T.col("contract")).fillna("")
        canon = c.map(lambda u: CONTRACT_ALIASES.get(u) or CONTRACT_ALIASES.get(norm_name(u)) or "")
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


def read_dials(path, *, tz: str = DEFAULT_TZ) -> pd.DataFrame:
    """Read and validate an outbound dialling log (see the module docstring)."""
    return validate_dials(read_table(path), source=str(path), tz=tz)


def validate_dials(df: pd.DataFrame, *, source: str = "<dataframe>", tz: str = DEFAULT_TZ) -> pd.DataFrame:
    """Check a dialling log: returns ``account_id``, ``outcome``, and the
    optional columns given (seconds as float, blank = 0; ``dialled_at``
    tz-aware), in file order."""
    T = Table(df, DIALS, source, tz=tz)
    T.require_rows()
    acc, _ = T.text("account_id")
    outcome, _ = T.choice("outcome", OUTCOMES, _OUTCOME_SYNONYMS)
    out = {"account_id": acc.astype("str") if acc is not None else None,
           "outcome": pd.Series(outcome, dtype="str") if outcome is not None else None}
    if "agent_id" in T.cols:
        out["agent_id"] = T.text("agent_id")[0].astype("str")
    if "campaign" in T.cols:
        out["campaign"] = T.text("campaign", required=False)[0].astype("str")
    if "dialled_at" in T.cols:
        ns, ok = T.times("dialled_at", required=False)
        if ns is not None:
            out["dialled_at"] = aware(np.where(ok, ns, NAT), T.tz)
    for c in ("prep_s", "talk_s", "acw_s"):
        if c in T.cols:
            v, _ = T.numbers(c)
            out[c] = np.nan_to_num(v, nan=0.0)
    T.P.raise_if_any()
    return pd.DataFrame(out)


# --------------------------------------------------------------------------
# tables read together
# --------------------------------------------------------------------------


def common_intervals(forecasts: pd.DataFrame, results: pd.DataFrame, forecast_source: str = "<forecasts>",
                     results_source: str = "<results>") -> int:
    """How many (queue, interval) pairs the canonical forecasts and results
    share; none is an InputError naming both files and their spans, since
    an accuracy over no interval is no accuracy (it would print ``nan%``)."""
    keys = ["queue", "interval_start"]
    f = forecasts[keys].drop_duplicates()
    r = results[keys].drop_duplicates()
    n = len(f.merge(r, on=keys, how="inner"))
    if n == 0:
        def span(t):
            if len(t) == 0:
                return "no rows"
            queues = ", ".join(sorted(map(str, t["queue"].unique()))[:5])
            return (f"queues {queues}, {t['interval_start'].min().isoformat()} to "
                    f"{t['interval_start'].max().isoformat()}")

        raise InputError(Problem(forecast_source, None, "interval_start",
                                 f"no interval in common with {results_source} (forecasts: {span(f)}; "
                                 f"results: {span(r)})",
                                 "forecasts of the queues and intervals the results cover"))
    return n


def common_time(first: tuple, second: tuple, first_source: str, second_source: str) -> None:
    """Two tables read together must cover some common time: ``first`` and
    ``second`` are their (earliest start, latest end) timestamps. A state log
    of another month than the roster, or calls of another year than the
    roster's shifts, would give KPIs of nothing: an InputError naming both
    files and their spans."""
    (a0, a1), (b0, b1) = first, second
    if a1 > b0 and b1 > a0:
        return
    raise InputError(Problem(second_source, None, None,
                             f"no time in common with {first_source} ({second_source}: {b0.isoformat()} to "
                             f"{b1.isoformat()}; {first_source}: {a0.isoformat()} to {a1.isoformat()})",
                             "tables of the same period"))
