"""Tests for wfm.tables: the one table engine every input reader uses.

Expected rows, instants and messages are worked out by hand from the small
inputs written here (header = row 1), never copied from the code's output.
"""

from __future__ import annotations

import numpy as np
import openpyxl
import pandas as pd
import pytest

from wfm.errors import InputError, Problem
from wfm.tables import (
    MAX_PROBLEMS,
    Column,
    Problems,
    Schema,
    Table,
    clock_minute,
    clock_minutes,
    dates,
    numbers,
    raise_problems,
    read_table,
    read_text_csv,
    report_overlaps,
    resolve_clock_times,
    timestamps,
    yes_no,
)


def problems(fn, *args, **kw) -> list[str]:
    with pytest.raises(InputError) as info:
        fn(*args, **kw)
    return [str(p) for p in info.value.problems]


# --------------------------------------------------------------------------
# the problem collector
# --------------------------------------------------------------------------


def test_collector_lists_general_problems_first_then_rows_in_order_and_caps():
    P = Problems("f.csv", rows=np.arange(100) + 2)
    P.add_rows(np.arange(60), "b", lambda p: P.problem(p, "b", "bad b", None))
    P.add("x", "header problem")
    P.add_rows(np.array([0]), "a", lambda p: P.problem(p, "a", "bad a", "an a"))
    got = problems(P.raise_if_any)
    assert got[0] == "f.csv: x: header problem"
    # row 2 has both problems, in the order they were found (no rank)
    assert got[1:3] == ["f.csv:2: b: bad b", "f.csv:2: a: bad a (expected an a)"]
    assert len(got) == MAX_PROBLEMS + 1
    assert got[-1] == f"f.csv: ... and {1 + 60 + 1 - MAX_PROBLEMS} more problems"


def test_collector_ranks_columns_when_asked():
    P = Problems("f.csv", rows=np.array([2, 3]), rank={"a": 0, "b": 1})
    P.add_rows(np.array([1]), "b", lambda p: P.problem(p, "b", "bad b", None))
    P.add_rows(np.array([1]), "a", lambda p: P.problem(p, "a", "bad a", None))
    assert problems(P.raise_if_any) == ["f.csv:3: a: bad a", "f.csv:3: b: bad b"]


def test_merged_problems_sorted_by_row():
    ps = [Problem("f", 5, "a", "x"), Problem("f", None, None, "general"), Problem("f", 3, "b", "y")]
    assert problems(raise_problems, ps, "f") == ["f: general", "f:3: b: y", "f:5: a: x"]
    raise_problems([], "f")  # nothing to say: no error


# --------------------------------------------------------------------------
# readers
# --------------------------------------------------------------------------


def test_csv_cells_stay_text_except_numeric_columns(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text("queue,n, note\nNA,1,\nx,NaN, 007\n", encoding="utf-8")
    df = read_table(p, numeric=("n",))
    assert list(df.columns) == ["queue", "n", " note"]  # names as in the file
    assert df["queue"].tolist() == ["NA", "x"]  # a queue called NA is a queue
    assert df["n"].iloc[0] == 1.0 and np.isnan(df["n"].iloc[1])
    assert df[" note"].iloc[1] == " 007"


def test_csv_encodings(tmp_path):
    text = "agent,team\n李雷,销售\n"
    bom, gb = tmp_path / "bom.csv", tmp_path / "gb.csv"
    bom.write_bytes(text.encode("utf-8-sig"))
    gb.write_bytes(text.encode("gb18030"))
    for p in (bom, gb):
        df = read_table(p)
        assert list(df.columns) == ["agent", "team"] and df.iloc[0].tolist() == ["李雷", "销售"]


def test_file_problems(tmp_path):
    missing = tmp_path / "nope.csv"
    assert problems(read_table, missing) == [
        f"{missing}: file not found (expected an existing CSV, Excel (.xlsx) or Parquet file)"]
    xls = tmp_path / "old.xls"
    xls.write_bytes(b"x")
    assert problems(read_table, xls) == [
        f"{xls}: unsupported file extension '.xls' (save it as .xlsx or .csv) (expected .csv, .xlsx or .parquet)"]
    empty = tmp_path / "e.csv"
    empty.write_text("")
    assert problems(read_table, empty, header_hint="a header row (a, b) and data rows") == [
        f"{empty}: file is empty (expected a header row (a, b) and data rows)"]
    blank = tmp_path / "b.csv"
    blank.write_text(" , \n1,2\n")
    assert problems(read_table, blank) == [
        f"{blank}: header row (row 1) is blank (expected a header row and data rows)"]
    ragged = tmp_path / "r.csv"
    ragged.write_text("a,b\n1,2\n1,2,3\n")
    assert problems(read_table, ragged) == [
        f"{ragged}:3: row has 3 fields but the header has 2 "
        "(expected one value per header column (quote values that contain commas))"]


def test_excel_and_parquet_read_as_stored(tmp_path):
    x = tmp_path / "t.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(["a", "b"])
    wb.active.append([1, "x"])
    wb.save(x)
    df = read_table(x)
    assert list(df.columns) == ["a", "b"] and df.iloc[0].tolist() == [1, "x"]
    q = tmp_path / "t.parquet"
    pd.DataFrame({"a": [1.5]}).to_parquet(q)
    assert read_table(q)["a"].tolist() == [1.5]


def test_read_text_csv_leaves_out_blank_rows_and_keeps_positions(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text("a,b\n1,\n,\n\n3,4\n", encoding="utf-8")
    df = read_text_csv(p, "a test CSV")
    assert df.index.tolist() == [0, 3]  # rows 2 and 5 of the file
    assert df.to_dict("list") == {"a": ["1", "3"], "b": ["", "4"]}
    assert problems(read_text_csv, tmp_path / "no.csv", "a test CSV") == [
        f"{tmp_path / 'no.csv'}: file not found (expected a test CSV)"]


# --------------------------------------------------------------------------
# parsers
# --------------------------------------------------------------------------


def test_numbers():
    v, missing, bad = numbers(pd.Series([" 1.5", "", "n/a", "x", "-inf", None], dtype=object))
    assert v[0] == 1.5 and np.isneginf(v[4])
    assert missing.tolist() == [False, True, True, False, False, True]
    assert bad.tolist() == [False, False, False, True, False, False]
    # booleans and dates are not numbers
    assert numbers(pd.Series([True, False]))[2].tolist() == [True, True]
    assert numbers(pd.Series([pd.Timestamp("2025-01-01"), 3], dtype=object))[2].tolist() == [True, False]


def test_timestamps_offsets_naive_and_aware():
    s = pd.Series(["2025-11-11T09:00", "2025-11-11T01:00Z", "2025-11-10T20:00-05:00", " ", "soon",
                   "0205-11-11T09:00"])
    T = timestamps(s, "Asia/Shanghai")
    nine = pd.Timestamp("2025-11-11 01:00", tz="UTC").value  # 09:00 +08:00
    assert T.utc_ns[:3].tolist() == [nine, nine, nine]
    assert T.ok.tolist() == [True, True, True, False, False, False]
    assert T.missing.tolist() == [False, False, False, True, False, False]
    assert T.bad.tolist() == [False, False, False, False, True, False]
    assert T.out_of_range.tolist() == [False] * 5 + [True]
    aware = pd.Series(pd.to_datetime(["2025-11-11 02:00"]).tz_localize("Europe/London"))
    assert timestamps(aware, "Asia/Shanghai").utc_ns[0] == pd.Timestamp("2025-11-11 02:00", tz="UTC").value


def test_one_dst_policy_nonexistent_flagged_repeated_by_order():
    # Europe/Berlin: 2025-03-30 02:00-03:00 is skipped; 2025-10-26 02:00-03:00
    # happens twice (CEST +02:00, then CET +01:00)
    s = pd.Series(["2025-03-30T02:30", "2025-10-26T02:30", "2025-10-26T02:30", "2025-10-26T02:30"])
    T = timestamps(s, "Europe/Berlin", groups=np.array([0, 0, 0, 1]))
    assert T.nonexistent.tolist() == [True, False, False, False]
    assert T.ok.tolist() == [False, True, True, True]
    first = pd.Timestamp("2025-10-26 00:30", tz="UTC").value  # 02:30 CEST
    second = pd.Timestamp("2025-10-26 01:30", tz="UTC").value  # 02:30 CET
    # group 0: first row summer time, the repeat standard time; group 1 starts again
    assert T.utc_ns[1:].tolist() == [first, second, first]
    naive = pd.Series(pd.to_datetime(["2025-03-30 02:30"]))
    assert timestamps(naive, "Europe/Berlin").nonexistent.tolist() == [True]


def test_dates_and_yes_no():
    d, missing, bad = dates(pd.Series(["2025-10-09", "2025-10-09T00:00", "", "9/10/2025"]))
    assert str(d[0]) == "2025-10-09" and str(d[1]) == "2025-10-09"
    assert missing.tolist() == [False, False, True, False] and bad.tolist() == [False, False, False, True]
    v, bad = yes_no(pd.Series(["Yes", "否", "", "maybe"], dtype=object), default=True)
    assert v.tolist() == [True, False, True, False] and bad.tolist() == [False, False, False, True]


def test_clock_times():
    assert [clock_minute(t) for t in ("08:30", "7:05", "24:00", "24:01", "8h", "12:60")] == [
        510, 425, 1440, None, None, None]
    m, is_clock, ok = clock_minutes(pd.Series(["08:30", "25:00", "x", ""]))
    assert m.tolist() == [510, 0, 0, 0]
    assert is_clock.tolist() == [True, True, False, False] and ok.tolist() == [True, False, False, False]


def test_resolve_clock_times_within_a_night_shift_and_dst():
    tz = "Asia/Shanghai"
    start = np.array([pd.Timestamp("2025-10-01 22:00", tz=tz).value])
    s, e, ok = resolve_clock_times(start, np.array([120]), np.array([150]), tz)  # 02:00-02:30
    assert ok.tolist() == [True]
    assert s[0] == pd.Timestamp("2025-10-02 02:00", tz=tz).value
    assert e[0] == pd.Timestamp("2025-10-02 02:30", tz=tz).value
    # a break at 02:30 on the night of the autumn change in Berlin: the clock
    # shows 02:30 twice, so nothing says which is meant
    b = np.array([pd.Timestamp("2025-10-25 22:00", tz="Europe/Berlin").value])
    assert resolve_clock_times(b, np.array([150]), np.array([165]), "Europe/Berlin")[2].tolist() == [False]


# --------------------------------------------------------------------------
# schemas, header checks and the table
# --------------------------------------------------------------------------

PEOPLE = Schema(
    what="people",
    columns=(Column("agent_id", "an agent identifier", required=True),
             Column("talk_s", "talk seconds (a number >= 0)", "number", minimum=0),
             Column("level", "level 1 to 3", "number", minimum=1, maximum=3, integer=True)),
    synonyms={"agent": "agent_id"},
)


def test_open_schema_keeps_unrelated_columns_and_refuses_near_misses():
    df = pd.DataFrame({"agent": ["a"], "Talk_s": [1], "shift_type": ["x"]})
    got = problems(lambda: Table(df, PEOPLE, "p.csv").P.raise_if_any())
    assert got == [
        "p.csv: agent: unknown column 'agent'; did you mean 'agent_id'? "
        "(expected columns agent_id, talk_s, level)",
        "p.csv: Talk_s: unknown column 'Talk_s'; did you mean 'talk_s'? (column names are "
        "case-sensitive) (expected columns agent_id, talk_s, level)",
        "p.csv: agent_id: missing required column (expected a column named agent_id: an agent identifier)",
    ]
    T = Table(pd.DataFrame({"agent_id": ["a"], "shift_type": ["x"]}), PEOPLE, "p.csv")
    assert list(T.extras()) == ["shift_type"]


def test_closed_schema_refuses_every_other_column_and_hints_units():
    closed = Schema("people", PEOPLE.columns, {**PEOPLE.synonyms, "talk_min": "talk_s"}, unknown="error")
    df = pd.DataFrame({"agent_id": ["a"], "talk (min)": [2], "region": ["n"]})
    assert problems(lambda: Table(df, closed, "p.csv").P.raise_if_any()) == [
        "p.csv: talk (min): unknown column 'talk (min)'; did you mean 'talk_s'? (talk_s is in "
        "seconds: multiply minutes by 60) (expected only these columns: agent_id, talk_s, level)",
        "p.csv: region: unknown column 'region' (expected only these columns: agent_id, talk_s, level)",
    ]


def test_ignoring_schema_case_insensitive_with_legacy_missing_wording():
    loose = Schema("people", PEOPLE.columns, unknown="ignore", case_sensitive=False,
                   missing_expected="agent_id (talk_s, level optional)")
    T = Table(pd.DataFrame({" AGENT_ID ": ["a"], "anything": [1], "": [2]}), loose, "p.csv")
    assert T.cols == {"agent_id": 0} and not T.P
    assert problems(lambda: Table(pd.DataFrame({"x": [1]}), loose, "p.csv").P.raise_if_any()) == [
        "p.csv: agent_id: column missing (expected agent_id (talk_s, level optional))"]


def test_header_shape_problems():
    semi = pd.DataFrame({"agent_id;talk_s": ["a;1"]})
    assert problems(Table, semi, PEOPLE, "p.csv") == [
        "p.csv: the header is a single column that looks ';'-separated (expected comma-separated values)"]
    df = pd.DataFrame([["a", 1, 5]], columns=["agent_id", "talk_s", ""])
    df.insert(3, "agent_id ", ["b"], allow_duplicates=True)
    got = problems(lambda: Table(df, PEOPLE, "p.csv").P.raise_if_any())
    assert got == [
        "p.csv: column 3: has values but no header name (expected a header name such as agent_id, talk_s, level)",
        "p.csv: agent_id: column appears more than once (columns 1 and 4) (expected each column once)",
    ]
    indexed = pd.DataFrame({"talk_s": [1]}, index=pd.Index(["a"], name="agent_id"))
    assert problems(lambda: Table(indexed, PEOPLE, "p.csv").P.raise_if_any()) == [
        "p.csv: agent_id: missing required column (it is the DataFrame index: call reset_index() first) "
        "(expected a column named agent_id: an agent identifier)"]


def test_table_rows_numbers_and_duplicates():
    df = pd.DataFrame({"agent_id": ["a", None, "b", "a", "c"], "talk_s": ["5", None, "-1", "x", ""],
                       "level": [1, None, 4, 2.5, 1]})
    T = Table(df, PEOPLE, "p.csv")
    assert T.rows.tolist() == [2, 4, 5, 6]  # row 3 is blank: skipped, still counted
    agent, missing = T.text("agent_id")
    talk, talk_ok = T.numbers("talk_s")
    level, _ = T.numbers("level")
    T.duplicates([agent.to_numpy(dtype=object)], ~missing, "agent_id", "one row per agent")
    assert talk_ok.tolist() == [True, False, False, False]
    assert problems(T.P.raise_if_any) == [
        "p.csv:4: talk_s: -1 is out of range (expected talk seconds (a number >= 0))",
        "p.csv:4: level: 4 is out of range (expected level 1 to 3)",
        "p.csv:5: talk_s: 'x' is not a number (expected talk seconds (a number >= 0))",
        "p.csv:5: level: 2.5 is out of range (expected level 1 to 3)",
        "p.csv:5: agent_id: duplicate of row 2 (expected one row per agent)",
    ]


def test_no_rows_and_unknown_zone():
    T = Table(pd.DataFrame({"agent_id": pd.Series([], dtype=str)}), PEOPLE, "p.csv", tz="Mars/Base")
    assert T.tz is None
    assert problems(T.require_rows) == [
        "p.csv: unknown time zone 'Mars/Base' (expected an IANA time zone such as Asia/Shanghai)",
        "p.csv: no data rows (only a header) (expected at least one row of people)"]


def test_overlaps_name_the_row_overlapped():
    tz = "Asia/Shanghai"
    t = lambda s: pd.Timestamp(f"2025-10-01 {s}", tz=tz).value  # noqa: E731
    start = np.array([t("09:00"), t("09:30"), t("10:00"), t("09:30")])
    end = np.array([t("10:00"), t("09:45"), t("11:00"), t("10:00")])
    codes = np.array([0, 0, 0, 1])
    P = Problems("s.csv", rows=np.arange(4) + 2)
    report_overlaps(P, codes, start, end, np.ones(4, dtype=bool), pd.Series(["a", "a", "a", "b"]),
                    "start", tz, "states that do not overlap")
    # row 3 starts inside row 2; row 4 starts at 10:00 when row 2 ends (touching is fine)
    assert problems(P.raise_if_any) == [
        "s.csv:3: start: overlaps row 2 of agent 'a' 2025-10-01 09:00 to 2025-10-01 10:00 "
        "(expected states that do not overlap)"]


def test_doc_table_shows_the_meanings():
    doc = PEOPLE.doc_table()
    assert "``agent_id``" in doc and "an agent identifier" in doc and "level 1 to 3" in doc


# --------------------------------------------------------------------------
# one DST policy in every reader
# --------------------------------------------------------------------------

GAP = ("'2025-03-30T02:30' does not exist in Europe/Berlin (the clocks skip it when daylight saving "
       "time starts) (expected an existing local time, or a UTC offset such as +01:00)")


def test_every_reader_reports_a_skipped_local_time_with_row_and_column():
    from wfm.intervals import validate_intervals
    from wfm.kpi.inputs import validate_roster, validate_state_log
    from wfm.roster.demand import validate_requirements

    tz = "Europe/Berlin"
    ivl = pd.DataFrame({"interval_start": ["2025-03-30T01:30", "2025-03-30T02:30"], "offered": [1, 1],
                        "aht_s": [100, 100]})
    assert problems(validate_intervals, ivl, source="i.csv", tz=tz) == [f"i.csv:3: interval_start: {GAP}"]
    req = pd.DataFrame({"interval_start": ["2025-03-30T01:30", "2025-03-30T02:30"], "required_agents": [1, 1]})
    assert problems(validate_requirements, req, source="r.csv", tz=tz) == [f"r.csv:3: interval_start: {GAP}"]
    log = pd.DataFrame({"agent_id": ["a"], "state": ["talk"], "start": ["2025-03-30T01:50"],
                        "end": ["2025-03-30T02:30"]})
    assert problems(validate_state_log, log, source="s.csv", tz=tz) == [f"s.csv:2: end: {GAP}"]
    ros = pd.DataFrame({"agent_id": ["a"], "contract": ["5-on-2"], "shift_start": ["2025-03-30T02:30"],
                        "shift_end": ["2025-03-30T10:00"]})
    assert problems(validate_roster, ros, source="o.csv", tz=tz) == [f"o.csv:2: shift_start: {GAP}"]
