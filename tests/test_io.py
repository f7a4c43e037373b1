"""Atomic output writing."""

from __future__ import annotations

import os

import pandas as pd
import pytest

from wfm.io import iso_timestamps, write_atomic, write_csv


def test_failed_write_leaves_the_old_file_intact(tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("old\n")

    def broken(tmp):
        with open(tmp, "w") as fh:
            fh.write("half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        write_atomic(target, broken)
    assert target.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]  # no temporary left behind


def test_outputs_get_ordinary_permissions(tmp_path):
    umask = os.umask(0o022)
    try:
        p = write_csv(pd.DataFrame({"a": [1]}), tmp_path / "x.csv")
    finally:
        os.umask(umask)
    assert p.stat().st_mode & 0o777 == 0o644


def test_iso_timestamps_carry_the_offset():
    df = pd.DataFrame({"t": pd.to_datetime(["2025-11-11 09:00"]).tz_localize("Asia/Shanghai")})
    assert iso_timestamps(df)["t"][0] == "2025-11-11T09:00:00+08:00"
    nyc = pd.DataFrame({"t": pd.to_datetime(["2025-11-11 09:00"]).tz_localize("America/New_York")})
    assert iso_timestamps(nyc)["t"][0] == "2025-11-11T09:00:00-05:00"


def test_write_csv_plain_or_spreadsheet_safe(tmp_path):
    df = pd.DataFrame({"n": [-3, 2], "t": ["=1+1", "-3"], "at": pd.to_datetime(["2025-11-11 09:00"] * 2)
                       .tz_localize("Asia/Shanghai")})
    plain = write_csv(df, tmp_path / "plain.csv").read_bytes()
    assert plain.startswith(b"n,t,at\n-3,=1+1,2025-11-11 09:00:00+08:00\n")
    safe = write_csv(df, tmp_path / "safe.csv", safe=True, bom=True).read_bytes()
    # BOM, numbers as numbers, formula text made inert, a plain number left alone, ISO with offset
    assert safe == ("\ufeffn,t,at\n-3,'=1+1,2025-11-11T09:00:00+08:00\n2,-3,2025-11-11T09:00:00+08:00\n"
                    .encode("utf-8"))


def test_export_write_csv_is_the_safe_io_writer(tmp_path):
    from wfm.export import write_csv as export_csv

    df = pd.DataFrame({"t": ["@SUM(A1)", "ok"]})
    a = export_csv(df, tmp_path / "a.csv").read_bytes()
    b = write_csv(df, tmp_path / "b.csv", safe=True, bom=True).read_bytes()
    assert a == b == "\ufefft\n'@SUM(A1)\nok\n".encode("utf-8")


def test_read_text_csv_cells_as_text(tmp_path):
    from wfm.errors import InputError
    from wfm.io import read_text_csv

    p = tmp_path / "r.csv"
    p.write_bytes("agent_id,shift_start\n李雷,2026-03-01T22:00:00+08:00\n,\n007,\n".encode("gb18030"))
    df = read_text_csv(p, "a roster CSV")
    assert df.to_dict("list") == {"agent_id": ["李雷", "007"], "shift_start": ["2026-03-01T22:00:00+08:00", ""]}
    with pytest.raises(InputError, match="file not found .expected a roster CSV"):
        read_text_csv(tmp_path / "none.csv", "a roster CSV")
