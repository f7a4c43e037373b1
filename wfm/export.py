"""Exports for HR and planners: CSV, Excel workbooks and iCalendar files.

Every file is written atomically (:func:`wfm.io.write_atomic`): a reader
sees the old file or the complete new one, never half a file.

Formula injection (CSV/spreadsheet injection)
---------------------------------------------
A cell whose *text* starts with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return may be run as a formula by a spreadsheet. The rule (CSV is
written by :func:`wfm.io.write_csv` with ``safe=True``, the one CSV writer):

* **Numbers stay numbers.** Numeric columns (int, float, bool dtypes) are
  written as numbers: ``-3`` in a numeric column is the number -3 in CSV and
  a numeric cell in Excel. Nothing in a numeric column can hold a formula.
* **Text is made inert.** In CSV, a text cell starting with one of those
  characters gets a leading apostrophe (``'=1+1``, ``'-3+A1``, ``'@SUM(A1)``),
  the OWASP recommendation; spreadsheets show it as text. The one
  exception is text that is entirely a plain decimal number (``-3``,
  ``+2.5``, ``-1e3``): it is left alone, because a spreadsheet reading it as
  the number -3 runs nothing (so an ID column holding "-3" is not
  decorated). In Excel workbooks text is always written as a *string* cell
  (never a formula), and cells starting with those characters also get
  Excel's "quote prefix" style: the cell shows exactly ``-3+A1``, as text,
  and stays text when edited.

Excel workbooks
---------------
One sheet per view (sheet names cut to Excel's 31 characters), a bold and
frozen header row, column widths from the content (CJK characters count
double), an auto-filter, and a last sheet ``about`` listing the views, the
time zone and notes. Timestamps are real Excel date-times in local wall
time of the time zone, formatted ``yyyy-mm-dd hh:mm`` followed by the UTC
offset when the whole column has one offset (``2025-10-01 09:00 +08:00``);
dates (naive midnight values) are formatted ``yyyy-mm-dd``. NaN is an empty
cell. More than 1,048,575 rows in a view is an error (use CSV).

CSV
---
UTF-8 *with* a byte-order mark so Excel opens Chinese names correctly;
tz-aware timestamps as ISO 8601 with offset (``2025-10-01T09:00:00+08:00``),
naive dates as ``YYYY-MM-DD``; the header is made inert like the cells.
Every CSV the product writes follows these rules (:func:`wfm.io.write_csv`).

iCalendar
---------
One ``.ics`` per agent (RFC 5545, the ``icalendar`` package): a VEVENT per
shift with the time zone (VTIMEZONE included), the contract and the meal,
breaks and activities in the description; a stable UID per agent and shift
start, so re-importing an updated roster updates the events. Exporting into
a folder leaves exactly the new set of calendars there: the earlier
export's ``agent_*.ics`` files for agents no longer in the roster are
removed (only files that this export's writer made, recognised by their
``PRODID``; nothing else in the folder is touched).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from wfm import DEFAULT_TZ, __version__
from wfm.io import (
    FORMULA_PREFIXES,
    formula_like,
    is_date_column,
    iso_timestamps,
    neutralise_text,
    safe_file_name,
    safe_frame,
    write_atomic,
)
from wfm.io import write_csv as io_write_csv

__all__ = [
    "FORMULA_PREFIXES",
    "neutralise_text",
    "safe_frame",
    "write_csv",
    "write_workbook",
    "write_icalendar",
    "write_table",
]

EXCEL_MAX_ROWS = 1_048_576
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def write_csv(df: pd.DataFrame, path, *, bom: bool = True) -> Path:
    """Write ``df`` as CSV for spreadsheets, atomically (module docstring):
    :func:`wfm.io.write_csv` with the formula-safe rule."""
    return io_write_csv(df, path, safe=True, bom=bom)


# --------------------------------------------------------------------------
# Excel
# --------------------------------------------------------------------------


def _sheet_name(name: str, used: set[str]) -> str:
    base = re.sub(r"[\[\]:*?/\\]", "_", str(name)).strip("'") or "sheet"
    base = base[:31]
    cand = base
    k = 2
    while cand.lower() in used:
        suffix = f"_{k}"
        cand = base[: 31 - len(suffix)] + suffix
        k += 1
    used.add(cand.lower())
    return cand


def _display_width(s: pd.Series) -> int:
    t = s.astype("str").str.slice(0, 100)
    lengths = t.str.len() + t.str.count(r"[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\uff00-\uff60]")
    return int(lengths.max()) if len(lengths) else 0


def _utc_offset_label(s: pd.Series) -> str | None:
    v = s.dropna()
    if len(v) == 0:
        return None
    offs = v.map(lambda x: x.utcoffset()).unique()
    if len(offs) != 1:
        return None
    sec = int(offs[0].total_seconds())
    sign = "+" if sec >= 0 else "-"
    sec = abs(sec)
    return f"{sign}{sec // 3600:02d}:{sec % 3600 // 60:02d}"


def _column_plan(s: pd.Series):
    """(kind, values list, extra) for one column of a sheet."""
    if isinstance(s.dtype, pd.DatetimeTZDtype):
        off = _utc_offset_label(s)
        fmt = "yyyy-mm-dd hh:mm" + (f' "{off}"' if off else "")
        local = s.dt.tz_localize(None)
        vals = [None if pd.isna(x) else x.to_pydatetime() for x in local]
        return "datetime", vals, fmt
    if pd.api.types.is_datetime64_dtype(s.dtype):
        if is_date_column(s):
            vals = [None if pd.isna(x) else x.to_pydatetime() for x in s]
            return "datetime", vals, "yyyy-mm-dd"
        vals = [None if pd.isna(x) else x.to_pydatetime() for x in s]
        return "datetime", vals, "yyyy-mm-dd hh:mm"
    if pd.api.types.is_bool_dtype(s.dtype):
        return "plain", [None if pd.isna(x) else bool(x) for x in s], None
    if pd.api.types.is_numeric_dtype(s.dtype):
        a = s.to_numpy(dtype=float, na_value=np.nan)
        ok = np.isfinite(a)
        if pd.api.types.is_integer_dtype(s.dtype):
            vals = [int(x) if o else None for x, o in zip(s.to_numpy(dtype=float, na_value=np.nan), ok, strict=True)]
        else:
            vals = [float(x) if o else None for x, o in zip(a, ok, strict=True)]
        return "plain", vals, None
    obj = s.astype("object")
    vals = []
    for x in obj:
        if x is None or (isinstance(x, float) and np.isnan(x)) or x is pd.NA or x is pd.NaT:
            vals.append(None)
        elif isinstance(x, (dt.date, dt.datetime, pd.Timestamp)):
            vals.append(x)
        elif isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(x, bool):
            vals.append(x)
        else:
            vals.append(_ILLEGAL.sub("", str(x))[:32767])
    return "text", vals, None


def write_workbook(sheets: Mapping[str, pd.DataFrame], path, *, tz: str = DEFAULT_TZ,
                   notes: Mapping[str, str] | None = None, title: str = "wfm export") -> Path:
    """Write DataFrames as one Excel workbook, one sheet per view (module docstring).

    ``sheets``: view name -> DataFrame; ``notes``: extra lines for the
    ``about`` sheet (key -> text). tz-aware columns are converted to ``tz``
    before their wall time is written.
    """
    import openpyxl
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    for name, df in sheets.items():
        if len(df) >= EXCEL_MAX_ROWS:
            raise ValueError(f"view {name!r} has {len(df):,} rows: more than an Excel sheet holds "
                             "(write it as CSV)")

    def build(tmp: str) -> None:
        wb = openpyxl.Workbook(write_only=True)
        try:
            _fill(wb, tmp)
        except BaseException:
            # finish the streaming sheets so their temporary files are closed
            for ws in wb.worksheets:
                try:
                    if not ws.closed:
                        ws.close()
                except Exception:  # noqa: BLE001 - best effort while failing anyway
                    pass
            raise

    def _fill(wb, tmp: str) -> None:
        used: set[str] = set()
        bold = Font(bold=True)
        about = [("view", "sheet", "rows", "columns")]
        for view, df in sheets.items():
            sname = _sheet_name(view, used)
            ws = wb.create_sheet(sname)
            df = df.reset_index(drop=True)
            cols = [str(c) for c in df.columns]
            plans = []
            for c in df.columns:
                s = df[c]
                if isinstance(s.dtype, pd.DatetimeTZDtype):
                    s = s.dt.tz_convert(tz)
                plans.append(_column_plan(s))
            # widths from the header and the first 2000 rows
            for j, (c, (kind, vals, fmt)) in enumerate(zip(cols, plans, strict=True)):
                if kind == "datetime":
                    w = 16 + (8 if fmt and '"' in fmt else 0) if fmt != "yyyy-mm-dd" else 11
                else:
                    w = _display_width(pd.Series([v for v in vals[:2000] if v is not None], dtype="object")) \
                        if any(v is not None for v in vals[:2000]) else 0
                w = max(w, len(c) + 2)
                ws.column_dimensions[get_column_letter(j + 1)].width = min(max(w + 1, 6), 60)
            ws.freeze_panes = "A2"
            if cols:
                ws.auto_filter.ref = f"A1:{get_column_letter(len(cols))}{max(len(df) + 1, 1)}"
            header = []
            for c in cols:
                cell = WriteOnlyCell(ws, value=_ILLEGAL.sub("", c))
                cell.data_type = "s"
                cell.font = bold
                if formula_like(c):
                    cell.quotePrefix = True
                header.append(cell)
            ws.append(header)
            cols_vals = [p[1] for p in plans]
            kinds = [p[0] for p in plans]
            fmts = [p[2] for p in plans]
            for i in range(len(df)):
                row = []
                for j in range(len(cols)):
                    v = cols_vals[j][i]
                    k = kinds[j]
                    if v is None:
                        row.append(None)
                    elif k == "datetime" or isinstance(v, (dt.date, dt.datetime)):
                        cell = WriteOnlyCell(ws, value=v if not isinstance(v, pd.Timestamp) else v.to_pydatetime())
                        cell.number_format = fmts[j] or "yyyy-mm-dd hh:mm"
                        row.append(cell)
                    elif k == "text" and isinstance(v, str):
                        cell = WriteOnlyCell(ws, value=v)
                        cell.data_type = "s"  # text, never a formula
                        if formula_like(v):
                            cell.quotePrefix = True
                        row.append(cell)
                    else:
                        row.append(v)
                ws.append(row)
            about.append((view, sname, len(df), len(cols)))
        ws = wb.create_sheet(_sheet_name("about", used))
        ws.column_dimensions["A"].width = 24
        ws.column_dimensions["B"].width = 80
        lines = [("title", title), ("time zone", f"{tz}: every date-time is local wall-clock time in {tz}"),
                 ("generated by", f"wfm {__version__}")]
        lines += [(str(k), str(v)) for k, v in (notes or {}).items()]
        for k, v in lines:
            a = WriteOnlyCell(ws, value=k)
            a.font = bold
            b = WriteOnlyCell(ws, value=_ILLEGAL.sub("", v))
            b.data_type = "s"
            if formula_like(v):
                b.quotePrefix = True
            ws.append([a, b])
        ws.append([])
        for r in about:
            ws.append([WriteOnlyCell(ws, value=str(x)) if i == 0 else x for i, x in enumerate(r)])
        wb.save(tmp)

    return write_atomic(path, build)


def write_table(df: pd.DataFrame, path, *, view: str = "data", tz: str = DEFAULT_TZ,
                notes: Mapping[str, str] | None = None) -> Path:
    """Write one table by the extension of ``path``: ``.xlsx`` (one-sheet
    workbook), ``.csv`` (spreadsheet-safe CSV) or ``.json`` (records)."""
    ext = Path(path).suffix.lower()
    if ext == ".xlsx":
        return write_workbook({view: df}, path, tz=tz, notes=notes)
    if ext == ".csv":
        return write_csv(df, path)
    if ext == ".json":
        from wfm.io import write_json

        return write_json(json_records(df), path)
    raise ValueError(f"unsupported output extension {ext!r} (.csv, .xlsx or .json)")


def coerce_types(df: pd.DataFrame, tz: str = DEFAULT_TZ) -> pd.DataFrame:
    """Typed copy of a text table (as :func:`wfm.kpi.inputs.read_table` reads a
    CSV), for a workbook whose cells a spreadsheet can compute with.

    A column becomes numeric when every non-blank value is a decimal number
    (unless one has a leading zero: identifiers such as ``007`` stay text),
    dates when every value is ``YYYY-MM-DD``, and timestamps when every value
    is ISO 8601: with a UTC offset, converted to ``tz``; without one, local
    time in ``tz`` (a non-existent or ambiguous local time becomes NaT).
    Everything else stays text; non-text columns are left as they are.
    """
    out = df.copy()
    for c in out.columns:
        s = out[c]
        if not (pd.api.types.is_string_dtype(s.dtype) or s.dtype == object):
            continue
        t = s.astype("str").str.strip()
        blank = t.eq("") | s.isna()
        vals = t[~blank]
        if len(vals) == 0:
            continue
        if vals.str.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?").all():
            num = pd.to_numeric(t.where(~blank), errors="coerce")
            # keep identifiers with leading zeros as text
            if not vals.str.fullmatch(r"0\d+").any():
                out[c] = num
            continue
        if vals.str.fullmatch(r"\d{4}-\d{2}-\d{2}").all():
            out[c] = pd.to_datetime(t.where(~blank), format="%Y-%m-%d", errors="coerce")
            continue
        if vals.str.fullmatch(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?").all():
            ts = pd.to_datetime(t.where(~blank), format="ISO8601", errors="coerce", utc=True)
            has_off = vals.str.contains(r"(?:Z|[+-]\d{2}:?\d{2})$").all()
            if has_off:
                out[c] = ts.dt.tz_convert(tz)
            else:
                naive = pd.to_datetime(t.where(~blank), format="ISO8601", errors="coerce")
                out[c] = naive.dt.tz_localize(tz, ambiguous="NaT", nonexistent="NaT")
    return out


def json_records(df: pd.DataFrame) -> list[dict]:
    """Rows as JSON-ready dicts (timestamps ISO 8601, NaN -> None)."""
    out = iso_timestamps(df)
    for c in out.columns:
        if pd.api.types.is_datetime64_dtype(out[c].dtype):
            out[c] = out[c].dt.strftime("%Y-%m-%d")
    out = out.astype("object").where(out.notna(), None)
    return [{k: (v.item() if hasattr(v, "item") else v) for k, v in r.items()}
            for r in out.to_dict(orient="records")]


# --------------------------------------------------------------------------
# iCalendar
# --------------------------------------------------------------------------


def _unfolded_lines(data: bytes) -> list[bytes]:
    """Content lines of iCalendar text, folded lines joined (RFC 5545 3.1)."""
    return re.sub(rb"\r?\n[ \t]", b"", data).splitlines()


def _prodid_line(prodid: str) -> bytes:
    """The PRODID content line of a calendar written with ``prodid`` (as the
    ``icalendar`` package escapes it)."""
    import icalendar

    cal = icalendar.Calendar()
    cal.add("prodid", prodid)
    return next(line for line in _unfolded_lines(cal.to_ical()) if line.startswith(b"PRODID:"))


def _written_by_export(path: Path, prodid_line: bytes) -> bool:
    """Is ``path`` a calendar that :func:`write_icalendar` wrote with this
    product id: a regular file (not a link) that starts ``BEGIN:VCALENDAR``
    and carries the PRODID line among the properties before its first
    component?"""
    if path.is_symlink() or not path.is_file():
        return False
    try:
        with open(path, "rb") as fh:
            head = fh.read(8192)
    except OSError:
        return False
    lines = _unfolded_lines(head)
    if not lines or lines[0] != b"BEGIN:VCALENDAR":
        return False
    for line in lines[1:]:
        if line.startswith(b"BEGIN:"):
            return False
        if line == prodid_line:
            return True
    return False


def write_icalendar(roster, out_dir, *, prodid: str = "-//wfm//roster//EN",
                    dtstamp: dt.datetime | None = None, calendar_name: str = "Shifts") -> list[Path]:
    """One ``.ics`` file per agent of a roster (module docstring).

    ``roster``: a :class:`wfm.roster.table.Roster` (or a roster table). File
    names are the agent id when it is safe as a file name, else a sanitised
    id plus a short hash (``agent_<id>.ics``). ``dtstamp`` (the RFC 5545
    creation stamp) defaults to the earliest shift start, so the same roster
    always gives the same files. Each file is written atomically; then the
    ``agent_*.ics`` files of an earlier export with the same ``prodid`` that
    are not in the new set are removed, so ``out_dir`` holds exactly this
    roster's calendars (and whatever else was there). Returns the paths
    written.
    """
    import icalendar

    from wfm.roster.table import as_roster

    roster = as_roster(roster)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    if not roster.empty:
        paths = _write_calendars(icalendar, roster, out_dir, prodid, dtstamp, calendar_name)
    ours = _prodid_line(prodid)
    keep = {p.name for p in paths}
    for old in sorted(out_dir.glob("agent_*.ics")):
        if old.name not in keep and _written_by_export(old, ours):
            old.unlink()
    return paths


def _write_calendars(icalendar, roster, out_dir: Path, prodid: str, dtstamp, calendar_name: str) -> list[Path]:
    """Write one calendar per agent of a non-empty ``roster`` (see :func:`write_icalendar`)."""
    tz = roster.tz
    sh = roster.shifts.assign(ics_meal=roster.clock_items(["meal"]).str.split(";").str[0],
                              ics_breaks=roster.clock_items(["break"]),
                              ics_activities=roster.clock_items(["meeting", "training"], named=True))
    stamp = dtstamp or sh["shift_start"].min().tz_convert("UTC").to_pydatetime()
    # one VTIMEZONE for every file, covering the roster's years only (building it
    # from the tz database is the slow part of writing a calendar)
    y0 = int(sh["shift_start"].min().year)
    y1 = int(sh["shift_end"].max().year)
    vtz = icalendar.Timezone.from_tzid(tz, first_date=dt.date(y0 - 1, 1, 1), last_date=dt.date(y1 + 2, 1, 1))
    paths = []
    for agent, shifts in sh.groupby("agent_id", sort=True):
        cal = icalendar.Calendar()
        cal.add("prodid", prodid)
        cal.add("version", "2.0")
        cal.add("calscale", "GREGORIAN")
        cal.add("x-wr-calname", f"{calendar_name}: {agent}")
        cal.add("x-wr-timezone", tz)
        cal.add_component(vtz)  # before the events that refer to it
        for r in shifts.itertuples(index=False):
            ev = icalendar.Event()
            start = r.shift_start.to_pydatetime()
            uid_key = f"{agent}|{r.shift_start.tz_convert('UTC').isoformat()}"
            ev.add("uid", hashlib.sha1(uid_key.encode("utf-8")).hexdigest() + "@wfm")
            ev.add("dtstamp", stamp)
            ev.add("dtstart", start)
            ev.add("dtend", r.shift_end.to_pydatetime())
            ev.add("summary", f"Shift ({r.contract})")
            lines = [f"Contract: {r.contract}"]
            if r.ics_meal:
                lines.append(f"Meal: {r.ics_meal}")
            if r.ics_breaks:
                lines.append(f"Breaks: {r.ics_breaks.replace(';', ', ')}")
            if r.ics_activities:
                lines.append(f"Activities: {r.ics_activities.replace(';', ', ')}")
            ev.add("description", "\n".join(lines))
            ev.add("transp", "OPAQUE")
            cal.add_component(ev)
        data = cal.to_ical()
        p = out_dir / f"agent_{safe_file_name(str(agent), fallback='agent')}.ics"
        write_atomic(p, lambda tmp, data=data: Path(tmp).write_bytes(data))
        paths.append(p)
    return paths
