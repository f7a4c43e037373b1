"""Exports: spreadsheet-safe CSV, Excel workbooks, iCalendar; atomic writes."""

from __future__ import annotations

import csv
import datetime as dt
import shutil
import subprocess

import icalendar
import openpyxl
import pandas as pd
import pytest

import wfm.export as ex
from wfm.export import neutralise_text, safe_frame, write_csv, write_icalendar, write_workbook
from wfm.kpi.inputs import validate_roster

TZ = "Asia/Shanghai"


@pytest.fixture()
def frame():
    return pd.DataFrame({
        "name": ["=1+1", "-3", "-3+A1", "@SUM(A1)", "\tx", "张三", None],
        "n": [-3, 1, 2, 3, 4, 5, 6],
        "x": [1.5, float("nan"), -2.25, 0.0, 1.0, 2.0, 3.0],
        "at": pd.to_datetime(["2025-10-01T01:00:00Z"] * 7).tz_convert(TZ),
        "day": pd.to_datetime(["2025-10-01"] * 7),
    })


def test_neutralise_text_rules():
    assert neutralise_text("=1+1") == "'=1+1"
    assert neutralise_text("+86 138") == "'+86 138"
    assert neutralise_text("@x") == "'@x"
    assert neutralise_text("\rcmd") == "'\rcmd"
    assert neutralise_text("-3+A1") == "'-3+A1"
    assert neutralise_text("-3") == "-3"  # a plain number runs nothing
    assert neutralise_text("+2.5e3") == "+2.5e3"
    assert neutralise_text("a=b") == "a=b"
    assert neutralise_text(-3) == -3


def test_csv_is_safe_typed_and_has_a_bom(tmp_path, frame):
    p = write_csv(frame, tmp_path / "out.csv")
    raw = p.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    assert rows[0] == ["name", "n", "x", "at", "day"]
    assert [r[0] for r in rows[1:6]] == ["'=1+1", "-3", "'-3+A1", "'@SUM(A1)", "'\tx"]
    assert rows[1][1] == "-3"  # numeric column: the number, untouched
    assert rows[1][3] == "2025-10-01T09:00:00+08:00"
    assert rows[1][4] == "2025-10-01"
    assert rows[6][0] == "张三"
    back = pd.read_csv(p, encoding="utf-8-sig")
    assert back["n"].tolist() == [-3, 1, 2, 3, 4, 5, 6]


def test_workbook_sheets_header_widths_dates_and_inert_formulas(tmp_path, frame):
    long_name = "a very long view name that Excel would reject"
    p = write_workbook({"roster": frame, long_name: frame.head(2), "a/b": frame.head(1)},
                       tmp_path / "out.xlsx", tz=TZ, notes={"source": "test"})
    wb = openpyxl.load_workbook(p)
    assert wb.sheetnames == ["roster", long_name[:31], "a_b", "about"]
    ws = wb["roster"]
    assert ws.freeze_panes == "A2"
    assert [c.value for c in ws[1]] == ["name", "n", "x", "at", "day"]
    assert all(c.font.bold for c in ws[1])
    # injection cells are text, exactly as given, with Excel's quote prefix
    cell = ws["A2"]
    assert (cell.value, cell.data_type, cell.quotePrefix) == ("=1+1", "s", True)
    assert (ws["A4"].value, ws["A4"].data_type) == ("-3+A1", "s")
    assert (ws["A3"].value, ws["A3"].data_type) == ("-3", "s")  # text stays text
    assert (ws["B2"].value, ws["B2"].data_type) == (-3, "n")  # numbers stay numbers
    assert ws["C3"].value is None  # NaN -> empty
    # real Excel date-times in local wall time, the offset in the format
    assert ws["D2"].value == dt.datetime(2025, 10, 1, 9, 0)
    assert ws["D2"].number_format == 'yyyy-mm-dd hh:mm "+08:00"'
    assert ws["E2"].value == dt.datetime(2025, 10, 1)
    assert ws["E2"].number_format == "yyyy-mm-dd"
    widths = {k: ws.column_dimensions[k].width for k in "ABCDE"}
    assert widths["D"] > widths["B"] >= 6
    about = [[c.value for c in r] for r in wb["about"].iter_rows()]
    assert any(r[0] == "time zone" and TZ in r[1] for r in about)
    assert any(r[0] == "source" and r[1] == "test" for r in about)


@pytest.mark.skipif(shutil.which("soffice") is None and shutil.which("libreoffice") is None,
                    reason="LibreOffice (soffice) is not installed: headless conversion not tested")
def test_libreoffice_reads_the_workbook(tmp_path, frame):  # pragma: no cover - needs LibreOffice
    p = write_workbook({"roster": frame}, tmp_path / "lo.xlsx", tz=TZ)
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    subprocess.run([exe, "--headless", "--convert-to", "csv", "--outdir", str(tmp_path), str(p)],
                   check=True, capture_output=True, timeout=120)
    rows = list(csv.reader((tmp_path / "lo.csv").read_text(encoding="utf-8").splitlines()))
    assert rows[0] == ["name", "n", "x", "at", "day"]
    assert rows[1][0] == "=1+1"  # came back as text, not as 2
    assert rows[3][0] == "-3+A1"
    assert rows[1][1] == "-3"
    assert rows[1][3].startswith("2025-10-01 09:00")
    assert rows[1][4] == "2025-10-01"


def test_write_is_atomic_on_failure(tmp_path, frame, monkeypatch):
    p = tmp_path / "keep.xlsx"
    p.write_bytes(b"old contents")

    def broken_save(self, filename):
        for ws in self.worksheets:  # as openpyxl does before writing the archive
            ws.close()
        with open(filename, "wb") as fh:
            fh.write(b"half a workbook")
        raise OSError("disk full")

    monkeypatch.setattr(openpyxl.Workbook, "save", broken_save)
    with pytest.raises(OSError, match="disk full"):
        write_workbook({"x": frame}, p)
    assert p.read_bytes() == b"old contents"
    assert [q.name for q in tmp_path.iterdir()] == ["keep.xlsx"]  # no temporary file left


def test_too_many_rows_for_excel(tmp_path, frame, monkeypatch):
    monkeypatch.setattr(ex, "EXCEL_MAX_ROWS", 5)
    with pytest.raises(ValueError, match="more than an Excel sheet holds"):
        write_workbook({"big": frame}, tmp_path / "big.xlsx")
    assert not (tmp_path / "big.xlsx").exists()


def test_safe_frame_leaves_the_input_alone(frame):
    before = frame.copy()
    safe_frame(frame)
    pd.testing.assert_frame_equal(frame, before)


@pytest.fixture()
def roster():
    return validate_roster(pd.DataFrame({
        "agent_id": ["a1", "a1", "王 五/x"], "contract": ["5-on-2", "5-on-2", "1-on-1"],
        "shift_start": ["2025-10-09T09:00", "2025-10-10T09:00", "2025-10-09T20:00"],
        "shift_end": ["2025-10-09T17:00", "2025-10-10T17:00", "2025-10-10T08:00"],
        "meal_start": ["12:00", "12:00", "00:00"], "meal_end": ["13:00", "13:00", "01:00"],
        "breaks": ["10:15-10:30;15:00-15:15", "", ""]}))


def test_icalendar_one_file_per_agent(tmp_path, roster):
    paths = write_icalendar(roster, tmp_path / "ics")
    assert len(paths) == 2
    names = sorted(p.name for p in paths)
    assert names[0] == "agent_a1.ics"
    # the agent id with a path separator in it: a safe name (wfm.io.safe_file_name), same on every system
    from wfm.io import file_name_problem

    assert names[1].startswith("agent_") and "/" not in names[1] and file_name_problem(names[1]) is None
    cal = icalendar.Calendar.from_ical((tmp_path / "ics" / "agent_a1.ics").read_bytes())
    events = list(cal.walk("VEVENT"))
    assert len(events) == 2
    start = events[0].decoded("dtstart")
    assert start == dt.datetime(2025, 10, 9, 1, 0, tzinfo=dt.UTC)  # 09:00 +08:00
    assert str(events[0]["dtstart"].params["TZID"]) == TZ
    assert events[0].decoded("dtend") - start == dt.timedelta(hours=8)
    desc = str(events[0]["description"])
    assert "Meal: 12:00-13:00" in desc and "Breaks: 10:15-10:30, 15:00-15:15" in desc
    assert len(list(cal.walk("VTIMEZONE"))) == 1
    # deterministic: the same roster gives byte-identical files
    again = write_icalendar(roster, tmp_path / "ics2")
    assert [p.read_bytes() for p in sorted(again)] == [p.read_bytes() for p in sorted(paths)]


def test_calendars_exported_again_leave_exactly_the_new_set(tmp_path, roster):
    """An earlier export's calendars of agents no longer in the roster are
    removed; files the export did not write stay (another product's
    calendar, a link, a note), whatever their names."""
    folder = tmp_path / "ics"
    earlier = validate_roster(pd.DataFrame({
        "agent_id": ["a1", "old1", "old2", "old3", "old4", "王 五/x"], "contract": "5-on-2",
        "shift_start": "2025-10-02T09:00", "shift_end": "2025-10-02T17:00"}))
    old = write_icalendar(earlier, folder)
    assert len(old) == 6
    theirs = folder / "agent_theirs.ics"
    theirs.write_bytes(b"BEGIN:VCALENDAR\r\nPRODID:-//other//app//EN\r\nEND:VCALENDAR\r\n")
    note = folder / "agent_notes.ics.txt"
    note.write_text("mine")
    (folder / "agent_link.ics").symlink_to(old[0])
    new = write_icalendar(roster, folder)
    assert len(new) == 2
    left = sorted(p.name for p in folder.iterdir())
    assert left == sorted([p.name for p in new] + ["agent_theirs.ics", "agent_notes.ics.txt", "agent_link.ics"])
    assert theirs.read_bytes().startswith(b"BEGIN:VCALENDAR\r\nPRODID:-//other//")
    # an empty roster leaves no calendar of ours either
    assert write_icalendar(roster.iloc[:0], folder) == []
    assert sorted(p.name for p in folder.iterdir()) == ["agent_link.ics", "agent_notes.ics.txt", "agent_theirs.ics"]
    # a product id that is escaped and folded is recognised as well; other product ids are not ours
    long_id = "-//Acme, Inc.//Rosters; with a product identifier long enough to be folded twice over//EN"
    write_icalendar(earlier, folder, prodid=long_id)
    assert len(write_icalendar(roster, folder, prodid=long_id)) == 2
    assert len(list(folder.glob("agent_old*.ics"))) == 0
    write_icalendar(earlier, folder)
    write_icalendar(roster, folder, prodid=long_id)
    assert len(list(folder.glob("agent_old*.ics"))) == 4  # written under the default id: not this export's


@pytest.mark.skipif(shutil.which("soffice") is None and shutil.which("libreoffice") is None,
                    reason="LibreOffice (soffice) is not installed: CSV import not tested")
def test_libreoffice_runs_no_formula_from_our_csv(tmp_path):  # pragma: no cover - needs LibreOffice
    """A spreadsheet opening the product's CSV computes nothing: LibreOffice
    imports the same hostile table as formulas when written plain (the
    control) and as text when written by the product's writer."""
    from wfm.io import write_csv as io_write_csv

    hostile = pd.DataFrame({'=HYPERLINK("x")': ["=1+1", "+1+1", "@SUM(1)", "=SUM(1;2)", "李雷", "=A1"],
                            "n": [-3, 1, 2, 3, 4, 5]})
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    formulas = {}
    for name, safe in (("plain", False), ("safe", True)):
        src = io_write_csv(hostile, tmp_path / f"{name}.csv", safe=safe, bom=True)
        subprocess.run([exe, "--headless", "--infilter=CSV:44,34,76,1", "--convert-to", "xlsx",
                        "--outdir", str(tmp_path), str(src)], check=True, capture_output=True, timeout=120)
        ws = openpyxl.load_workbook(tmp_path / f"{name}.xlsx").active
        formulas[name] = [c.value for row in ws.iter_rows() for c in row if c.data_type == "f"]
        if safe:
            texts = [[c.value for c in row] for row in ws.iter_rows()]
            assert texts[0] == ["'=HYPERLINK(\"x\")", "n"] and texts[5][0] == "李雷"
    assert formulas["plain"], "LibreOffice took no plain cell as a formula: the check proves nothing"
    assert formulas["safe"] == []
