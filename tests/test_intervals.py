"""Tests for wfm.intervals: the interval-table contract.

Expected values are written down by hand from the input files (row numbers,
clock arithmetic, time-zone offsets), never copied from the code's output.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from wfm.errors import InputError
from wfm.intervals import read_intervals, validate_intervals

HEADER = "queue,interval_start,offered,aht_s"


def write(tmp_path: Path, text: str, name: str = "in.csv") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def csv_lines(*rows: str, header: str = HEADER) -> str:
    return "\n".join((header, *rows)) + "\n"


def problems_of(path_or_df, **kw) -> list[str]:
    with pytest.raises(InputError) as info:
        if isinstance(path_or_df, pd.DataFrame):
            validate_intervals(path_or_df, **kw)
        else:
            read_intervals(path_or_df, **kw)
    err = info.value
    assert str(err) == "\n".join(str(p) for p in err.problems)
    return [str(p) for p in err.problems]


def good_rows(queue="A", start="2025-11-11T09:00", n=4, step_min=30, offered=10, aht=180):
    t0 = pd.Timestamp(start)
    return [
        f"{queue},{(t0 + pd.Timedelta(minutes=step_min * i)).strftime('%Y-%m-%dT%H:%M')},"
        f"{offered},{aht}"
        for i in range(n)
    ]


# --------------------------------------------------------------------------
# file-level problems
# --------------------------------------------------------------------------


def test_missing_file_names_the_file(tmp_path):
    p = tmp_path / "nope.csv"
    assert problems_of(p) == [
        f"{p}: file not found (expected an existing CSV, Excel (.xlsx) or Parquet file)"
    ]


def test_unknown_extension(tmp_path):
    p = write(tmp_path, csv_lines(*good_rows()), "data.json")
    assert problems_of(p) == [
        f"{p}: unsupported file extension '.json' (expected .csv, .xlsx or .parquet)"
    ]


EMPTY_EXPECTED = "(expected a header row (queue, interval_start, offered, aht_s, ...) and data rows)"


def test_empty_csv_zero_bytes_is_one_problem(tmp_path):
    p = write(tmp_path, "")
    assert problems_of(p) == [f"{p}: file is empty {EMPTY_EXPECTED}"]


def test_header_only_csv_is_one_problem(tmp_path):
    p = write(tmp_path, HEADER + "\n")
    assert problems_of(p) == [
        f"{p}: no data rows (only a header) "
        "(expected at least one row of interval data below the header)"
    ]


def test_empty_excel_sheet_is_one_problem(tmp_path):
    p = tmp_path / "empty.xlsx"
    openpyxl.Workbook().save(p)
    assert problems_of(p) == [f"{p}: first sheet is empty {EMPTY_EXPECTED}"]


def test_empty_parquet_is_one_problem(tmp_path):
    p = tmp_path / "empty.parquet"
    pd.DataFrame(
        {"queue": pd.Series([], dtype="str"), "interval_start": pd.Series([], dtype="str"),
         "offered": pd.Series([], dtype=float), "aht_s": pd.Series([], dtype=float)}
    ).to_parquet(p)
    assert problems_of(p) == [
        f"{p}: no data rows (only a header) "
        "(expected at least one row of interval data below the header)"
    ]


def test_ragged_csv_row_names_the_line(tmp_path):
    p = write(tmp_path, csv_lines("A,2025-11-11T09:00,1,100", "A,2025-11-11T09:30,1,100,7"))
    assert problems_of(p) == [
        f"{p}:3: row has 5 fields but the header has 4 "
        "(expected one value per header column (quote values that contain commas))"
    ]


def test_unknown_time_zone(tmp_path):
    p = write(tmp_path, csv_lines(*good_rows()))
    assert problems_of(p, tz="Mars/Olympus") == [
        f"{p}: unknown time zone 'Mars/Olympus' (expected an IANA time zone such as Asia/Shanghai)"
    ]


def test_bad_interval_min_option(tmp_path):
    p = write(tmp_path, csv_lines(*good_rows()))
    assert problems_of(p, interval_min=7) == [
        f"{p}: interval_min=7 is not a whole number of minutes dividing a day "
        "(expected a positive integer dividing 1440, e.g. 15, 30 or 60)"
    ]


# --------------------------------------------------------------------------
# header problems
# --------------------------------------------------------------------------

ALLOWED = ("(expected only these columns: queue, interval_start, interval_min, channel, "
           "offered, aht_s, handled, abandoned, agents, offered_lower, offered_upper, model, calendar, "
           "open, day_log_mean, day_log_sd)")


def test_missing_required_column(tmp_path):
    p = write(tmp_path, "queue,interval_start,offered\nA,2025-11-11T09:00,3\n")
    assert problems_of(p) == [
        f"{p}: aht_s: missing required column (expected a column named aht_s: "
        "average handle time in seconds (a number > 0))"
    ]


def test_missing_aht_column_allowed_without_require_aht(tmp_path):
    p = write(tmp_path, "interval_start,offered\n2025-11-11T09:00,3\n2025-11-11T09:30,4\n")
    out = read_intervals(p, require_aht=False)
    assert out["aht_s"].isna().all()
    assert out["offered"].tolist() == [3.0, 4.0]


@pytest.mark.parametrize(
    "name, hint",
    [
        ("AHT", "did you mean 'aht_s'?"),
        ("aht", "did you mean 'aht_s'?"),
        ("handle_time", "did you mean 'aht_s'?"),
        ("Offered", "did you mean 'offered'? (column names are case-sensitive)"),
        ("calls", "did you mean 'offered'?"),
        ("volume", "did you mean 'offered'?"),
        ("contacts", "did you mean 'offered'?"),
        ("interval start", "did you mean 'interval_start'?"),
        ("timestamp", "did you mean 'interval_start'?"),
        ("skill", "did you mean 'queue'?"),
        ("split", "did you mean 'queue'?"),
        ("offerd", "did you mean 'offered'?"),
        ("AHT (min)", "did you mean 'aht_s'? (aht_s is in seconds: multiply minutes by 60)"),
    ],
)
def test_unknown_column_near_miss_hint(tmp_path, name, hint):
    p = write(tmp_path, csv_lines("A,2025-11-11T09:00,1,100,5",
                                  header=f"queue,interval_start,offered,aht_s,{name}"))
    assert problems_of(p) == [f"{p}: {name}: unknown column {name!r}; {hint} {ALLOWED}"]


def test_unknown_column_without_near_miss(tmp_path):
    p = write(tmp_path, csv_lines("A,2025-11-11T09:00,1,100,5",
                                  header="queue,interval_start,offered,aht_s,region"))
    assert problems_of(p) == [f"{p}: region: unknown column 'region' {ALLOWED}"]


def test_header_names_are_stripped_and_near_misses_reported_together(tmp_path):
    p = write(tmp_path, " queue , interval start ,Offered,AHT\nA,2025-11-11T09:00,1,100\n")
    assert problems_of(p) == [
        f"{p}: interval start: unknown column 'interval start'; did you mean 'interval_start'? {ALLOWED}",
        f"{p}: Offered: unknown column 'Offered'; did you mean 'offered'? "
        f"(column names are case-sensitive) {ALLOWED}",
        f"{p}: AHT: unknown column 'AHT'; did you mean 'aht_s'? {ALLOWED}",
        f"{p}: interval_start: missing required column (expected a column named "
        "interval_start: an ISO 8601 interval start such as 2025-11-11T09:00)",
        f"{p}: offered: missing required column (expected a column named offered: "
        "contacts offered per interval (a number >= 0))",
        f"{p}: aht_s: missing required column (expected a column named aht_s: "
        "average handle time in seconds (a number > 0))",
    ]


def test_duplicate_column(tmp_path):
    p = write(tmp_path, csv_lines("A,2025-11-11T09:00,1,100,2",
                                  header="queue,interval_start,offered,aht_s, offered"))
    assert problems_of(p) == [
        f"{p}: offered: column appears more than once (columns 3 and 5) (expected each column once)"
    ]


def test_semicolon_separated_file_gets_a_hint(tmp_path):
    p = write(tmp_path, "queue;interval_start;offered;aht_s\nA;2025-11-11T09:00;1;100\n")
    assert problems_of(p)[0] == (
        f"{p}: the header is a single column that looks ';'-separated "
        "(expected comma-separated values)"
    )


# --------------------------------------------------------------------------
# value problems (row = spreadsheet row, header is row 1)
# --------------------------------------------------------------------------

OFFERED_EXP = "(expected contacts offered per interval (a number >= 0))"
AHT_EXP = "(expected average handle time in seconds (a number > 0))"


def test_offered_not_a_number(tmp_path):
    p = write(tmp_path, csv_lines("A,2025-11-11T09:00,10,100", "A,2025-11-11T09:30,ten,100"))
    assert problems_of(p) == [f"{p}:3: offered: 'ten' is not a number {OFFERED_EXP}"]


def test_offered_negative(tmp_path):
    p = write(tmp_path, csv_lines("A,2025-11-11T09:00,-2,100", "A,2025-11-11T09:30,1,100"))
    assert problems_of(p) == [f"{p}:2: offered: -2 is negative {OFFERED_EXP}"]


@pytest.mark.parametrize("blank", ["", "  ", "NaN", "null"])
def test_offered_blank(tmp_path, blank):
    p = write(tmp_path, csv_lines("A,2025-11-11T09:00,1,100", f"A,2025-11-11T09:30,{blank},100"))
    assert problems_of(p) == [
        f"{p}:3: offered: missing value (expected contacts offered per interval "
        "(a number >= 0); 0 when none were offered)"
    ]


def test_offered_infinite(tmp_path):
    p = write(tmp_path, csv_lines("A,2025-11-11T09:00,inf,100", "A,2025-11-11T09:30,1,100"))
    assert problems_of(p) == [f"{p}:2: offered: inf is not a finite number {OFFERED_EXP}"]


def test_offered_fractional_is_fine(tmp_path):
    p = write(tmp_path, csv_lines("A,2025-11-11T09:00,12.75,100", "A,2025-11-11T09:30,0.4,100"))
    assert read_intervals(p)["offered"].tolist() == [12.75, 0.4]


def test_aht_not_positive_when_offered(tmp_path):
    p = write(tmp_path, csv_lines("A,2025-11-11T09:00,5,0", "A,2025-11-11T09:30,5,-3",
                                  "A,2025-11-11T10:00,0,0"))
    assert problems_of(p) == [
        f"{p}:2: aht_s: 0 seconds for an interval with offered 5 > 0 {AHT_EXP}",
        f"{p}:3: aht_s: -3 is negative {AHT_EXP}",
    ]


def test_aht_not_a_number(tmp_path):
    p = write(tmp_path, csv_lines("A,2025-11-11T09:00,5,3m20s", "A,2025-11-11T09:30,5,100"))
    assert problems_of(p) == [f"{p}:2: aht_s: '3m20s' is not a number {AHT_EXP}"]


def test_aht_blank_when_offered_positive(tmp_path):
    rows = ("A,2025-11-11T09:00,5,", "A,2025-11-11T09:30,0,", "A,2025-11-11T10:00,2,90")
    p = write(tmp_path, csv_lines(*rows))
    assert problems_of(p) == [
        f"{p}:2: aht_s: missing value for an interval with offered 5 > 0 "
        "(expected average handle time in seconds (a number > 0) wherever offered > 0)"
    ]
    # blank AHT is fine where nothing was offered, and anywhere without require_aht
    out = read_intervals(p, require_aht=False)
    assert np.isnan(out["aht_s"].iloc[0]) and np.isnan(out["aht_s"].iloc[1])
    assert out["aht_s"].iloc[2] == 90.0


def test_aht_blank_when_offered_zero_is_fine(tmp_path):
    p = write(tmp_path, csv_lines("A,2025-11-11T09:00,0,", "A,2025-11-11T09:30,3,200"))
    out = read_intervals(p)
    assert np.isnan(out["aht_s"].iloc[0]) and out["aht_s"].iloc[1] == 200.0


@pytest.mark.parametrize("column, describe", [
    ("handled", "contacts handled (a number >= 0)"),
    ("abandoned", "contacts abandoned (a number >= 0)"),
    ("agents", "agents on the phones (a number >= 0)"),
])
def test_optional_counts_negative_or_not_numeric(tmp_path, column, describe):
    p = write(tmp_path, csv_lines("A,2025-11-11T09:00,5,100,-1", "A,2025-11-11T09:30,5,100,many",
                                  "A,2025-11-11T10:00,5,100,", "A,2025-11-11T10:30,5,100,2.5",
                                  header=HEADER + f",{column}"))
    assert problems_of(p) == [
        f"{p}:2: {column}: -1 is negative (expected {describe})",
        f"{p}:3: {column}: 'many' is not a number (expected {describe})",
    ]


def test_unknown_channel(tmp_path):
    p = write(tmp_path, csv_lines("A,2025-11-11T09:00,5,100,Voice", "A,2025-11-11T09:30,5,100,chat",
                                  "A,2025-11-11T10:00,5,100,", header=HEADER + ",channel"))
    assert problems_of(p) == [
        f"{p}:3: channel: unknown channel 'chat' "
        "(expected one of voice, email, ticket, forum, outbound, backoffice)"
    ]


def test_channel_case_insensitive_and_blank_is_voice(tmp_path):
    p = write(tmp_path, csv_lines("A,2025-11-11T09:00,5,100,Email", "A,2025-11-11T09:30,5,100,",
                                  header=HEADER + ",channel"))
    assert read_intervals(p)["channel"].tolist() == ["email", "voice"]


def test_missing_queue_name(tmp_path):
    p = write(tmp_path, csv_lines("A,2025-11-11T09:00,5,100", " ,2025-11-11T09:30,5,100"))
    assert problems_of(p) == [
        f"{p}:3: queue: missing queue name "
        "(expected a queue name (or no queue column at all for a single queue))"
    ]


ISO_EXP = "(expected ISO 8601 such as 2025-11-11T09:00 or 2025-11-11T09:00+08:00)"


def test_unparseable_timestamp(tmp_path):
    p = write(tmp_path, csv_lines("A,2025-11-11T09:00,5,100", "A,11/11/2025 09:30,5,100",
                                  "A,2025-11-11T10:00,5,100", "A,,5,100"))
    assert problems_of(p) == [
        f"{p}:3: interval_start: '11/11/2025 09:30' is not a valid timestamp {ISO_EXP}",
        f"{p}:5: interval_start: missing value {ISO_EXP}",
    ]


def test_timestamp_out_of_range(tmp_path):
    p = write(tmp_path, csv_lines("A,0205-11-11T09:00,5,100", "A,2025-11-11T09:30,5,100"))
    assert problems_of(p) == [
        f"{p}:2: interval_start: '0205-11-11T09:00' is outside the years 1900-2199 "
        "(expected a plausible date)"
    ]


def test_duplicates_reported_with_the_row_they_duplicate(tmp_path):
    rows = (
        "A,2025-11-11T09:00,5,100",   # row 2
        "A,2025-11-11T09:30,5,100",   # row 3
        "B,2025-11-11T09:00,5,100",   # row 4 (other queue: not a duplicate)
        "A,2025-11-11T09:00,6,100",   # row 5 duplicates row 2
        "A,2025-11-11T01:00Z,7,100",  # row 6: same instant as row 2 (09:00 +08:00)
        "A,2025-11-11T10:00,5,100",   # row 7
    )
    p = write(tmp_path, csv_lines(*rows))
    assert problems_of(p) == [
        f"{p}:5: interval_start: duplicate of row 2 (same queue 'A' and interval_start "
        "'2025-11-11T09:00') (expected one row per queue and interval)",
        f"{p}:6: interval_start: duplicate of row 2 (same queue 'A' and interval_start "
        "'2025-11-11T01:00Z') (expected one row per queue and interval)",
    ]


def test_misaligned_timestamp(tmp_path):
    rows = good_rows(n=6) + ["A,2025-11-11T12:10,5,100"]  # 30-min queue, 12:10 is off-grid
    p = write(tmp_path, csv_lines(*rows))
    assert problems_of(p) == [
        f"{p}:8: interval_start: 2025-11-11 12:10 is not aligned to the 30-minute intervals of "
        "queue 'A' (inferred from the most common step between rows) "
        "(expected a local time a multiple of 30 min after midnight with 0 seconds)"
    ]


def test_whole_queue_misaligned(tmp_path):
    rows = good_rows(start="2025-11-11T09:30", n=3, step_min=60)
    p = write(tmp_path, csv_lines(*rows))
    probs = problems_of(p)
    assert len(probs) == 3
    assert probs[0] == (
        f"{p}:2: interval_start: 2025-11-11 09:30 is not aligned to the 60-minute intervals of "
        "queue 'A' (inferred from the most common step between rows) "
        "(expected a local time a multiple of 60 min after midnight with 0 seconds)"
    )


def test_nonzero_seconds_are_misaligned(tmp_path):
    rows = good_rows(n=3) + ["A,2025-11-11T10:30:05,5,100"]
    p = write(tmp_path, csv_lines(*rows))
    assert problems_of(p) == [
        f"{p}:5: interval_start: 2025-11-11 10:30:05 is not aligned to the 30-minute intervals "
        "of queue 'A' (inferred from the most common step between rows) "
        "(expected a local time a multiple of 30 min after midnight with 0 seconds)"
    ]


def test_inconsistent_interval_length_names_the_row(tmp_path):
    # 30-minute data with one row a quarter-hour in: it must not silently
    # turn the queue into 15-minute data with gaps
    rows = good_rows(n=6) + ["A,2025-11-11T11:45,5,100", "A,2025-11-11T12:00,5,100"]
    # rows 2..7 are 09:00..11:30, row 8 is 11:45, row 9 is 12:00
    p = write(tmp_path, csv_lines(*rows))
    assert problems_of(p) == [
        f"{p}:8: interval_start: interval length inconsistent in queue 'A': 2025-11-11 11:45 "
        "starts 15 min after row 7, but the queue has 30-minute intervals (inferred from the "
        "most common step between rows) (expected starts on the 30-minute grid; pass "
        "interval_min if the data really has shorter intervals)"
    ]


def test_interval_min_option_shorter_grid_accepts_it(tmp_path):
    rows = good_rows(n=6) + ["A,2025-11-11T11:45,5,100", "A,2025-11-11T12:00,5,100"]
    out = read_intervals(write(tmp_path, csv_lines(*rows)), interval_min=15)
    assert (out["interval_min"] == 15).all() and len(out) == 8


def test_unsupported_interval_length(tmp_path):
    p = write(tmp_path, csv_lines(*good_rows(n=4, step_min=20)))
    assert problems_of(p) == [
        f"{p}:3: interval_start: queue 'A' has 20-minute intervals (the most common step "
        "between its rows, first at row 3) (expected 15, 30 or 60 minutes, or pass "
        "interval_min=<minutes> for another length that divides 1440)"
    ]
    out = read_intervals(p, interval_min=20)
    assert (out["interval_min"] == 20).all()


def test_interval_min_option_rejects_data_finer_than_it(tmp_path):
    p = write(tmp_path, csv_lines(*good_rows(n=3, step_min=15)))
    probs = problems_of(p, interval_min=30)
    assert probs == [
        f"{p}:3: interval_start: interval length inconsistent in queue 'A': 2025-11-11 09:15 "
        "starts 15 min after row 2, but the queue has 30-minute intervals (given as "
        "interval_min) (expected starts on the 30-minute grid; pass interval_min if the data "
        "really has shorter intervals)"
    ]


def test_all_problems_reported_at_once_in_row_order(tmp_path):
    rows = (
        "A,2025-11-11T09:00,x,100,voice",   # 2: offered
        "A,2025-11-11T09:30,5,-1,fax",      # 3: aht_s and channel
        "A,nope,5,100,voice",               # 4: timestamp
        "A,2025-11-11T09:30,5,100,voice",   # 5: duplicate of 3
    )
    p = write(tmp_path, csv_lines(*rows, header=HEADER + ",channel"))
    probs = problems_of(p)
    assert [re.match(r".*?:(\d+): (\w+):", s).groups() for s in probs] == [
        ("2", "offered"), ("3", "channel"), ("3", "aht_s"), ("4", "interval_start"),
        ("5", "interval_start"),
    ]


def test_problem_list_is_capped(tmp_path):
    rows = [f"A,2025-11-{d:02d}T09:00,-1,100" for d in range(1, 31)]
    rows += [f"A,2025-12-{d:02d}T09:00,x,100" for d in range(1, 31)]
    p = write(tmp_path, csv_lines(*rows))
    probs = problems_of(p, interval_min=60)
    assert len(probs) == 51
    assert probs[-1] == f"{p}: ... and 10 more problems"
    assert probs[0].startswith(f"{p}:2: offered: -1 is negative")
    assert probs[49].startswith(f"{p}:51: offered: 'x' is not a number")


def test_many_bad_rows_stay_cheap():
    n = 200_000
    df = pd.DataFrame({
        "interval_start": pd.date_range("2025-01-01", periods=n, freq="15min").strftime(
            "%Y-%m-%dT%H:%M"),
        "offered": -1.0,
        "aht_s": 100.0,
    })
    with pytest.raises(InputError) as info:
        validate_intervals(df, source="big")
    assert len(info.value.problems) == 51
    assert str(info.value.problems[-1]) == f"big: ... and {n - 50} more problems"


def test_blank_rows_are_skipped_but_keep_row_numbers(tmp_path):
    text = HEADER + "\nA,2025-11-11T09:00,5,100\n\n,,,\nA,2025-11-11T09:30,x,100\n"
    p = write(tmp_path, text)
    assert problems_of(p) == [f"{p}:5: offered: 'x' is not a number {OFFERED_EXP}"]


def test_dataframe_rows_are_position_plus_two():
    df = pd.DataFrame({"interval_start": ["2025-11-11T09:00", "2025-11-11T09:30"],
                       "offered": [1.0, -4.0], "aht_s": [100.0, 100.0]}, index=[10, 20])
    assert problems_of(df, source="frame") == [
        f"frame:3: offered: -4 is negative {OFFERED_EXP}"
    ]


def test_dataframe_index_hint():
    df = pd.DataFrame({"offered": [1.0], "aht_s": [100.0]},
                      index=pd.Index(["2025-11-11T09:00"], name="interval_start"))
    assert problems_of(df) == [
        "<dataframe>: interval_start: missing required column (it is the DataFrame index: call "
        "reset_index() first) (expected a column named interval_start: an ISO 8601 interval "
        "start such as 2025-11-11T09:00)"
    ]


# --------------------------------------------------------------------------
# canonical output
# --------------------------------------------------------------------------


def test_canonical_columns_dtypes_and_order(tmp_path):
    rows = ("B,2025-11-11T09:30,2,120,1,1,3", "A,2025-11-11T10:00,4,240,4,0,2.5",
            "A,2025-11-11T09:00,1,60,1,0,2", "B,2025-11-11T09:00,3,100,2,1,3")
    p = write(tmp_path, csv_lines(*rows, header=HEADER + ",handled,abandoned,agents"))
    out = read_intervals(p)
    assert list(out.columns) == ["queue", "interval_start", "interval_min", "channel", "offered",
                                 "aht_s", "handled", "abandoned", "agents"]
    assert out["queue"].dtype == "str" and out["channel"].dtype == "str"
    assert str(out["interval_start"].dtype) == "datetime64[ns, Asia/Shanghai]"
    assert out["interval_min"].dtype == np.int64
    for c in ["offered", "aht_s", "handled", "abandoned", "agents"]:
        assert out[c].dtype == np.float64
    assert isinstance(out.index, pd.RangeIndex) and out.index.start == 0
    assert out["queue"].tolist() == ["A", "A", "B", "B"]
    assert [t.strftime("%H:%M") for t in out["interval_start"]] == ["09:00", "10:00", "09:00", "09:30"]
    # A steps 60 min, B steps 30 min: per-queue inference
    assert out["interval_min"].tolist() == [60, 60, 30, 30]
    assert out["offered"].tolist() == [1.0, 4.0, 3.0, 2.0]
    assert out["agents"].tolist() == [2.0, 2.5, 3.0, 3.0]
    assert out["channel"].tolist() == ["voice"] * 4


def test_optional_columns_absent_and_default_queue(tmp_path):
    p = write(tmp_path, "interval_start,offered,aht_s\n2025-11-11T09:00,1,100\n")
    out = read_intervals(p)
    assert list(out.columns) == ["queue", "interval_start", "interval_min", "channel",
                                 "offered", "aht_s"]
    assert out["queue"].tolist() == ["main"]
    # a single row: 30 minutes assumed (documented)
    assert out["interval_min"].tolist() == [30]


def test_single_row_queue_takes_length_of_other_queues(tmp_path):
    rows = good_rows("A", n=4, step_min=15) + ["B,2025-11-11T09:45,1,100"]
    out = read_intervals(write(tmp_path, csv_lines(*rows)))
    assert out.set_index("queue")["interval_min"].to_dict() == {"A": 15, "B": 15}


@pytest.mark.parametrize("minutes", [15, 30, 60])
def test_interval_length_inference(tmp_path, minutes):
    # regular data with a gap (one missing interval and a night break)
    t0 = pd.Timestamp("2025-11-11 08:00")
    offsets = [0, 1, 2, 4, 5, 40, 41]
    rows = [f"A,{(t0 + pd.Timedelta(minutes=minutes * k)).isoformat()},1,100" for k in offsets]
    out = read_intervals(write(tmp_path, csv_lines(*rows)))
    assert (out["interval_min"] == minutes).all()
    assert len(out) == len(offsets)


def test_naive_and_offset_timestamps_agree(tmp_path):
    naive = write(tmp_path, csv_lines("A,2025-11-11T09:00,1,100"), "naive.csv")
    zulu = write(tmp_path, csv_lines("A,2025-11-11T01:00:00Z,1,100"), "zulu.csv")
    plus = write(tmp_path, csv_lines("A,2025-11-11T09:00:00+08:00,1,100"), "plus.csv")
    other = write(tmp_path, csv_lines("A,2025-11-10T20:00-05:00,1,100"), "other.csv")
    frames = [read_intervals(p) for p in (naive, zulu, plus, other)]
    expected = pd.Timestamp("2025-11-11 09:00", tz="Asia/Shanghai")
    for f in frames:
        assert f["interval_start"].iloc[0] == expected
        pd.testing.assert_frame_equal(f, frames[0])


def test_mixed_naive_and_offset_rows(tmp_path):
    rows = ("A,2025-11-11T09:00,1,100", "A,2025-11-11T01:30:00Z,2,100",
            "A,2025-11-11T10:00+08:00,3,100", "A,2025-11-11 10:30,4,100")
    out = read_intervals(write(tmp_path, csv_lines(*rows)))
    assert [t.strftime("%H:%M") for t in out["interval_start"]] == ["09:00", "09:30", "10:00",
                                                                     "10:30"]
    assert out["offered"].tolist() == [1.0, 2.0, 3.0, 4.0]


def test_other_time_zone_converts_offsets(tmp_path):
    p = write(tmp_path, csv_lines("A,2025-11-11T09:00:00+08:00,1,100", "A,2025-11-11T01:30,1,100"))
    out = read_intervals(p, tz="Europe/London")
    # 09:00 +08:00 is 01:00 UTC; London is on GMT (UTC+0) in November
    assert out["interval_start"].tolist() == [
        pd.Timestamp("2025-11-11 01:00", tz="Europe/London"),
        pd.Timestamp("2025-11-11 01:30", tz="Europe/London"),
    ]
    assert str(out["interval_start"].dtype) == "datetime64[ns, Europe/London]"


# --------------------------------------------------------------------------
# daylight saving time (Europe/Berlin: CEST +02:00 -> CET +01:00 on 2025-10-26
# at 03:00 local, CET -> CEST on 2025-03-30 at 02:00 local)
# --------------------------------------------------------------------------


def assert_same_instants(col: pd.Series, expected: pd.DatetimeIndex) -> None:
    got = pd.DatetimeIndex(col).tz_convert("UTC")
    assert list(got) == list(expected)


def _berlin_expected(day: str, hours: int) -> pd.DatetimeIndex:
    # built in UTC, independent of any local-time arithmetic: local midnight
    # of 2025-10-26 is 2025-10-25 22:00 UTC (still CEST); of 2025-03-30 it is
    # 2025-03-29 23:00 UTC (CET)
    start_utc = {"2025-10-26": "2025-10-25 22:00", "2025-03-30": "2025-03-29 23:00"}[day]
    return pd.date_range(start_utc, periods=hours * 4, freq="15min", tz="UTC")


def test_dst_autumn_day_with_offsets(tmp_path):
    inst = _berlin_expected("2025-10-26", 25)
    local = inst.tz_convert("Europe/Berlin")
    rows = [f"A,{t.isoformat()},1,100" for t in local]
    assert rows[8] == "A,2025-10-26T02:00:00+02:00,1,100"
    assert rows[12] == "A,2025-10-26T02:00:00+01:00,1,100"
    out = read_intervals(write(tmp_path, csv_lines(*rows)), tz="Europe/Berlin")
    assert len(out) == 100
    assert (out["interval_min"] == 15).all()
    assert_same_instants(out["interval_start"], inst)


def test_dst_autumn_day_naive_repeated_hour(tmp_path):
    # a naive export lists 02:00..02:45 twice; first = summer time, second = winter time
    walls = [f"{h:02d}:{m:02d}" for h in range(0, 3) for m in (0, 15, 30, 45)]
    walls += [f"{h:02d}:{m:02d}" for h in range(2, 24) for m in (0, 15, 30, 45)]
    assert len(walls) == 100
    rows = [f"A,2025-10-26T{w},{i},100" for i, w in enumerate(walls)]
    p = write(tmp_path, csv_lines(*rows))
    out = read_intervals(p, tz="Europe/Berlin")
    assert_same_instants(out["interval_start"], _berlin_expected("2025-10-26", 25))
    # the volumes stay attached to the right instants: sorted output = file order
    assert out["offered"].tolist() == [float(i) for i in range(100)]


def test_dst_spring_day_naive_without_gap_hour(tmp_path):
    walls = [f"{h:02d}:{m:02d}" for h in range(24) if h != 2 for m in (0, 15, 30, 45)]
    rows = [f"A,2025-03-30T{w},1,100" for w in walls]
    out = read_intervals(write(tmp_path, csv_lines(*rows)), tz="Europe/Berlin")
    assert len(out) == 92 and (out["interval_min"] == 15).all()
    assert_same_instants(out["interval_start"], _berlin_expected("2025-03-30", 23))


def test_dst_spring_nonexistent_local_time(tmp_path):
    rows = ("A,2025-03-30T01:30,1,100", "A,2025-03-30T02:30,1,100", "A,2025-03-30T03:00,1,100")
    p = write(tmp_path, csv_lines(*rows))
    assert problems_of(p, tz="Europe/Berlin") == [
        f"{p}:3: interval_start: '2025-03-30T02:30' does not exist in Europe/Berlin (the clocks "
        "skip it when daylight saving time starts) (expected an existing local time, or a UTC "
        "offset such as +01:00)"
    ]


def test_dst_daily_data_with_interval_min(tmp_path):
    # daily rows at local midnight across the autumn change: 25 elapsed hours
    rows = [f"A,2025-10-{d}T00:00,100,200" for d in (25, 26, 27)]
    out = read_intervals(write(tmp_path, csv_lines(*rows)), tz="Europe/Berlin", interval_min=1440)
    assert (out["interval_min"] == 1440).all() and len(out) == 3


# --------------------------------------------------------------------------
# formats and round trips
# --------------------------------------------------------------------------

RAW = pd.DataFrame({
    "queue": ["sales", "sales", "support", "support", "sales"],
    "interval_start": ["2025-11-11T09:30", "2025-11-11T09:00", "2025-11-11T09:00",
                       "2025-11-11T01:15:00Z", "2025-11-11T10:00:00+08:00"],
    "offered": [12, 10.5, 0, 3, 7],
    "aht_s": [200.0, 210.0, np.nan, 300.0, 180.0],
    "channel": ["voice", "voice", "email", "email", "voice"],
    "agents": [4, 4, 2, 2, 3],
})


def test_round_trip_csv_excel_parquet_identical(tmp_path):
    csv = tmp_path / "t.csv"
    xlsx = tmp_path / "t.xlsx"
    pq = tmp_path / "t.parquet"
    RAW.to_csv(csv, index=False)
    RAW.to_excel(xlsx, index=False)
    RAW.to_parquet(pq, index=False)
    a, b, c = (read_intervals(p) for p in (csv, xlsx, pq))
    pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_frame_equal(a, c)
    d = validate_intervals(RAW)
    pd.testing.assert_frame_equal(a, d)
    # hand-checked content: support 01:15Z is 09:15 local; lengths 30 (sales), 15 (support)
    assert a["queue"].tolist() == ["sales", "sales", "sales", "support", "support"]
    assert [t.strftime("%H:%M") for t in a["interval_start"]] == ["09:00", "09:30", "10:00",
                                                                   "09:00", "09:15"]
    assert a["interval_min"].tolist() == [30, 30, 30, 15, 15]
    assert a["offered"].tolist() == [10.5, 12.0, 7.0, 0.0, 3.0]


def test_excel_datetime_cells(tmp_path):
    p = tmp_path / "dt.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["interval_start", "offered", "aht_s"])
    ws.append([pd.Timestamp("2025-11-11 09:00").to_pydatetime(), 5, 100])
    ws.append(["2025-11-11T01:30:00Z", 6, 100])  # text cell with an offset
    wb.save(p)
    out = read_intervals(p)
    assert out["interval_start"].tolist() == [
        pd.Timestamp("2025-11-11 09:00", tz="Asia/Shanghai"),
        pd.Timestamp("2025-11-11 09:30", tz="Asia/Shanghai"),
    ]


def test_parquet_with_aware_timestamps(tmp_path):
    p = tmp_path / "aware.parquet"
    pd.DataFrame({
        "interval_start": pd.date_range("2025-11-11 01:00", periods=3, freq="1h", tz="UTC"),
        "offered": [1.0, 2.0, 3.0], "aht_s": [100.0, 100.0, 100.0],
    }).to_parquet(p)
    out = read_intervals(p)
    assert out["interval_start"].iloc[0] == pd.Timestamp("2025-11-11 09:00", tz="Asia/Shanghai")
    assert (out["interval_min"] == 60).all()


def test_canonical_frame_written_out_reads_back_identical(tmp_path):
    first = validate_intervals(RAW)
    p = tmp_path / "canonical.csv"
    first.to_csv(p, index=False)
    pd.testing.assert_frame_equal(read_intervals(p), first)
    q = tmp_path / "canonical.parquet"
    first.to_parquet(q, index=False)
    pd.testing.assert_frame_equal(read_intervals(q), first)


def test_interval_min_column_must_be_constant_per_queue(tmp_path):
    p = write(tmp_path, csv_lines("A,2025-11-11T09:00,1,100,30", "A,2025-11-11T09:30,1,100,15",
                                  header=HEADER + ",interval_min"))
    assert problems_of(p) == [
        f"{p}:3: interval_min: 15 differs from 30 in row 2 of queue 'A' "
        "(expected one interval length per queue)"
    ]


def test_utf8_bom_and_gb18030(tmp_path):
    text = csv_lines("销售,2025-11-11T09:00,1,100", "销售,2025-11-11T09:30,2,100")
    p1 = tmp_path / "bom.csv"
    p1.write_bytes(text.encode("utf-8-sig"))
    p2 = tmp_path / "gbk.csv"
    p2.write_bytes(text.encode("gb18030"))
    a, b = read_intervals(p1), read_intervals(p2)
    assert a["queue"].tolist() == ["销售", "销售"]
    pd.testing.assert_frame_equal(a, b)


def test_queue_named_na_is_a_queue(tmp_path):
    out = read_intervals(write(tmp_path, csv_lines("NA,2025-11-11T09:00,1,100")))
    assert out["queue"].tolist() == ["NA"]


# --------------------------------------------------------------------------
# inputs are never modified
# --------------------------------------------------------------------------


def test_file_not_modified(tmp_path):
    p = write(tmp_path, csv_lines("B,2025-11-11T09:30,1,100", "A,2025-11-11T09:00,2,100"))
    before = hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns
    read_intervals(p)
    bad = write(tmp_path, csv_lines("B,2025-11-11T09:30,x,100"), "bad.csv")
    bad_before = bad.read_bytes()
    with pytest.raises(InputError):
        read_intervals(bad)
    assert (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns) == before
    assert bad.read_bytes() == bad_before


def test_dataframe_not_modified():
    df = RAW.copy()
    df.index = [5, 3, 9, 1, 7]
    snapshot = df.copy(deep=True)
    out = validate_intervals(df)
    pd.testing.assert_frame_equal(df, snapshot)
    assert list(df.columns) == list(snapshot.columns)
    # the result is a separate object: changing it leaves the input alone
    out.loc[0, "offered"] = -99.0
    pd.testing.assert_frame_equal(df, snapshot)


def test_forecast_columns_pass_through(tmp_path):
    """A forecast file (bounds, model, calendar day type) reads as an interval table."""
    p = tmp_path / "fc.csv"
    p.write_text("queue,interval_start,offered,offered_lower,offered_upper,aht_s,model,calendar\n"
                 "q,2025-11-11T09:00,10.5,8,13.25,180,svd,event\n"
                 "q,2025-11-11T09:30,11,9,14,181,svd,\n", encoding="utf-8")
    df = read_intervals(p)
    assert list(df["offered_lower"]) == [8.0, 9.0]
    assert list(df["offered_upper"]) == [13.25, 14.0]
    assert list(df["model"]) == ["svd", "svd"]
    assert list(df["calendar"]) == ["event", ""]


def test_negative_forecast_bound_is_reported(tmp_path):
    p = tmp_path / "fc.csv"
    p.write_text("interval_start,offered,offered_lower,aht_s\n2025-11-11T09:00,10,-1,180\n",
                 encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_intervals(p)
    assert "fc.csv:2: offered_lower: -1 is negative" in str(err.value)
