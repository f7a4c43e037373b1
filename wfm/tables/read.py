"""Reading a table file: CSV, Excel or Parquet, as the file holds it.

Every reader returns the raw table with the header names exactly as in the
file (validation strips and matches them) and one row per data row, blank
rows included, so that position + 2 is the spreadsheet row of every row
(the header is row 1). Problems with the file itself (missing, empty,
undecodable, ragged) raise :class:`~wfm.errors.InputError` naming it.

* CSV (``.csv``, ``.txt``): UTF-8 with or without BOM; GB18030 when the
  file is not UTF-8. Cells are text, exactly as written (a queue called
  ``NA`` stays ``NA``), except in the columns named in ``numeric``, which
  the C parser converts to numbers (fast; blank and the usual NA spellings
  become NaN, text that is not a number stays text for the validator to
  report). A cell the product's safe CSV writer quoted (an apostrophe
  before ``=``, ``+``, ``-``, ``@``, tab or CR: :func:`wfm.io.neutralise_text`)
  is read back without that apostrophe (:func:`unquote_text`), so the
  product reads its own outputs (``roster.csv``, ``staffing.csv``) as the
  text they were written from.
* Excel (``.xlsx``, ``.xlsm``): the first sheet, header in row 1, cells as
  openpyxl gives them (numbers, datetimes, text).
* Parquet (``.parquet``, ``.pq``): the stored dtypes.
"""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from wfm.errors import InputError, Problem
from wfm.tables.parse import MISSING_TOKENS, nonblank_rows

__all__ = ["HEADER_HINT", "read_csv", "read_excel", "read_parquet", "read_table", "read_text_csv",
           "unquote_cells", "unquote_text"]

#: What a table file should start with (the ``expected`` of an empty file).
HEADER_HINT = "a header row and data rows"
_CSV = (".csv", ".txt")
_EXCEL = (".xlsx", ".xlsm")
_PARQUET = (".parquet", ".pq")
#: A cell quoted by wfm.io's safe writer: apostrophes, then = + - @ tab or CR.
_QUOTED = re.compile(r"^'+[=+\-@\t\r]")


def read_table(path: str | os.PathLike, *, numeric: Iterable[str] = (),
               header_hint: str = HEADER_HINT) -> pd.DataFrame:
    """Read a raw table from CSV, Excel or Parquet (module docstring).

    ``numeric``: header names of CSV columns parsed as numbers by the CSV
    reader; ``header_hint``: what an empty file should have held, for the
    problem. Raises InputError for a missing file, an unknown extension or
    an unreadable file.
    """
    name = str(path)
    p = Path(path)
    if not p.exists():
        raise InputError(Problem(name, None, None, "file not found",
                                 "an existing CSV, Excel (.xlsx) or Parquet file"))
    if not p.is_file():
        raise InputError(Problem(name, None, None, "is not a file", "a CSV, Excel (.xlsx) or Parquet file"))
    ext = p.suffix.lower()
    if ext in _CSV:
        return read_csv(p, name, numeric=numeric, header_hint=header_hint)
    if ext in _EXCEL:
        return read_excel(p, name, header_hint=header_hint)
    if ext in _PARQUET:
        return read_parquet(p, name, header_hint=header_hint)
    hint = " (save it as .xlsx or .csv)" if ext == ".xls" else ""
    raise InputError(Problem(name, None, None, f"unsupported file extension {ext or '(none)'!r}{hint}",
                             ".csv, .xlsx or .parquet"))


def _empty(name: str, what: str, header_hint: str) -> InputError:
    return InputError(Problem(name, None, None, what, header_hint))


def read_csv(p: Path, name: str, *, numeric: Iterable[str] = (),
             header_hint: str = HEADER_HINT) -> pd.DataFrame:
    """A CSV file as text cells (``numeric`` columns as numbers); module docstring."""
    if p.stat().st_size == 0:
        raise _empty(name, "file is empty", header_hint)
    numeric = frozenset(numeric)
    last_err: Exception | None = None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return _read_csv_encoded(p, name, encoding, numeric, header_hint)
        except UnicodeDecodeError as exc:
            last_err = exc
    raise InputError(Problem(name, None, None, f"cannot decode the file as text ({last_err})",
                             "a UTF-8 encoded CSV file"))


# the NA spellings of MISSING_TOKENS as the C parser compares them (exact text)
_NA = sorted(MISSING_TOKENS | {t.upper() for t in MISSING_TOKENS} | {"NaN", "N/A", "Null", "None"})


def _read_csv_encoded(p: Path, name: str, encoding: str, numeric: frozenset[str],
                      header_hint: str) -> pd.DataFrame:
    with open(p, newline="", encoding=encoding) as fh:
        header = next(csv.reader(fh), None)
    if header is None or not any(h.strip() for h in header):
        raise _empty(name, "file is empty" if header is None else "header row (row 1) is blank", header_hint)
    k = len(header)
    numeric_pos = [i for i, h in enumerate(header) if h.strip() in numeric]
    try:
        df = pd.read_csv(
            p,
            header=0,
            names=list(range(k)),
            index_col=False,
            dtype={i: "str" for i in range(k) if i not in numeric_pos},
            keep_default_na=False,
            na_values={i: _NA for i in numeric_pos} if numeric_pos else [],
            skip_blank_lines=False,
            encoding=encoding,
            engine="c",
            low_memory=False,
        )
    except pd.errors.ParserError as exc:
        m = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(exc))
        if m:
            raise InputError(Problem(
                name, int(m.group(2)), None, f"row has {m.group(3)} fields but the header has {m.group(1)}",
                "one value per header column (quote values that contain commas)")) from None
        raise InputError(Problem(name, None, None, f"cannot parse CSV: {exc}", "a valid CSV file")) from None
    except pd.errors.EmptyDataError:
        raise _empty(name, "file is empty", header_hint) from None
    df.columns = header
    return unquote_cells(df)


def unquote_text(value):
    """The text :func:`wfm.io.neutralise_text` was given: one leading
    apostrophe off text that starts with apostrophes and then = + - @ tab
    or CR; anything else unchanged.

    >>> unquote_text("'=1+1"), unquote_text("''=1"), unquote_text("'quoted'")
    ('=1+1', "'=1", "'quoted'")
    """
    if isinstance(value, str) and _QUOTED.match(value):
        return value[1:]
    return value


def unquote_cells(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with :func:`unquote_text` applied to the header and every text
    cell (vectorised; ``df`` itself when nothing was quoted)."""
    out = df
    header = [unquote_text(c) for c in df.columns]
    if header != list(df.columns):
        out = df.copy()
        out.columns = header
    for j in range(out.shape[1]):
        s = out.iloc[:, j]
        if s.dtype != object and not pd.api.types.is_string_dtype(s.dtype):
            continue
        t = s.astype("str")
        hit = t.str.startswith("'").to_numpy(dtype=bool) & s.notna().to_numpy()
        if not hit.any():
            continue
        hit &= t.str.match(_QUOTED.pattern).to_numpy(dtype=bool)
        if hit.any():
            if out is df:
                out = df.copy()
            s = s.copy()
            s[hit] = t[hit].str.slice(1)
            out.isetitem(j, s)
    return out


def read_excel(p: Path, name: str, *, header_hint: str = HEADER_HINT) -> pd.DataFrame:
    """The first sheet of a workbook, header in row 1 (module docstring)."""
    try:
        raw = pd.read_excel(p, sheet_name=0, header=None, engine="openpyxl", dtype=object)
    except Exception as exc:  # openpyxl raises a variety of errors for bad files
        raise InputError(Problem(
            name, None, None, f"cannot read as an Excel workbook ({type(exc).__name__}: {exc})",
            "a valid .xlsx file")) from None
    if raw.shape[0] == 0 or raw.shape[1] == 0:
        raise _empty(name, "first sheet is empty", header_hint)
    header = ["" if pd.isna(v) else str(v) for v in raw.iloc[0].tolist()]
    if not any(h.strip() for h in header):
        raise _empty(name, "header row (row 1) of the first sheet is blank", header_hint)
    df = raw.iloc[1:].reset_index(drop=True)
    df.columns = header
    return df


def read_parquet(p: Path, name: str, *, header_hint: str = HEADER_HINT) -> pd.DataFrame:
    """A Parquet file with its stored dtypes (module docstring)."""
    if p.stat().st_size == 0:
        raise _empty(name, "file is empty", header_hint)
    try:
        df = pd.read_parquet(p)
    except Exception as exc:
        raise InputError(Problem(name, None, None, f"cannot read as Parquet ({type(exc).__name__}: {exc})",
                                 "a valid Parquet file")) from None
    return df.reset_index(drop=True)


def read_text_csv(path: str | os.PathLike, expected: str) -> pd.DataFrame:
    """A CSV file (whatever its extension) with every cell as text, ``""``
    where empty, wholly blank rows left out (the index keeps each row's
    position, so index + 2 is its spreadsheet row). A missing file raises
    InputError naming it, with ``expected`` saying what it should be."""
    p = Path(path)
    if not p.is_file():
        raise InputError(Problem(str(path), None, None, "file not found", expected))
    df = read_csv(p, str(path))
    keep = nonblank_rows(df)
    return (df.iloc[keep] if len(keep) != len(df) else df).fillna("")
