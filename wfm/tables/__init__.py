"""The table engine: one way to read and check every input table.

Each input table (the interval table, requirements, agents, state logs,
results, forecasts, the roster, leave, dials) is declared once as a
:class:`Schema` of :class:`Column` s, read by :func:`read_table` (CSV,
Excel, Parquet) and checked by a :class:`Table` with the vectorised parsers
of :mod:`wfm.tables.parse`. The contract every table shares:

* every problem is collected and raised together as one
  :class:`wfm.errors.InputError` (at most :data:`MAX_PROBLEMS` listed, then
  ``... and N more problems``), rendered ``file:row: column: problem
  (expected ...)``;
* ``row`` is the spreadsheet row: the header is row 1, the first data row
  row 2; for Parquet files and DataFrames the position + 2, so the numbering
  is the same whatever the format; rows in which every cell is blank are
  ignored but still counted;
* header names are stripped and matched to the schema; unknown names get a
  "did you mean" hint (synonyms and near misses);
* timestamps are ISO 8601, naive ones local in the zone ``tz``, with one
  daylight-saving policy (:mod:`wfm.tables.parse`): a local time that does
  not exist is reported with its file, row and column; a repeated one is
  resolved by file order.

CSV is written in one place too: :func:`wfm.io.write_csv` (formula-safe,
with a byte-order mark); :func:`read_csv` takes its quoting apostrophe off
again (:func:`unquote_text`).
"""

from wfm.tables.parse import (
    ISO_EXAMPLE,
    MISSING_TOKENS,
    NAT,
    YEAR_MAX,
    YEAR_MIN,
    Times,
    as_text,
    aware,
    blank,
    clock_minute,
    clock_minutes,
    control_chars,
    dates,
    first_control,
    fmt_local,
    known_tz,
    local_wall_ns,
    nonblank_rows,
    numbers,
    resolve_clock_times,
    timestamps,
    yes_no,
)
from wfm.tables.problems import MAX_PROBLEMS, Problems, collected, raise_problems
from wfm.tables.read import (
    HEADER_HINT,
    read_csv,
    read_excel,
    read_parquet,
    read_table,
    read_text_csv,
    unquote_cells,
    unquote_text,
)
from wfm.tables.schema import Column, Header, Schema, check_header, norm_name
from wfm.tables.table import (
    Table,
    canonical,
    norm_value,
    raw_text,
    raw_value,
    report_overlaps,
    report_times,
)

__all__ = [
    "HEADER_HINT", "ISO_EXAMPLE", "MAX_PROBLEMS", "MISSING_TOKENS", "NAT", "YEAR_MAX", "YEAR_MIN",
    "Column", "Header", "Problems", "Schema", "Table", "Times",
    "as_text", "aware", "blank", "canonical", "check_header", "clock_minute", "clock_minutes",
    "control_chars", "first_control",
    "collected", "dates", "fmt_local", "known_tz", "local_wall_ns", "nonblank_rows", "norm_name",
    "norm_value", "numbers", "raise_problems", "raw_text", "raw_value", "read_csv", "read_excel",
    "read_parquet", "read_table", "read_text_csv", "report_overlaps", "report_times",
    "resolve_clock_times", "timestamps", "unquote_cells", "unquote_text", "yes_no",
]
