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


def test_write_csv_safe_by_default_or_plain_on_request(tmp_path):
    df = pd.DataFrame({"n": [-3, 2], "t": ["=1+1", "-3"], "at": pd.to_datetime(["2025-11-11 09:00"] * 2)
                       .tz_localize("Asia/Shanghai")})
    safe = write_csv(df, tmp_path / "safe.csv").read_bytes()
    # BOM, numbers as numbers, formula text made inert, a plain number left alone, ISO with offset, CR LF
    assert safe == ("\ufeffn,t,at\r\n-3,'=1+1,2025-11-11T09:00:00+08:00\r\n2,-3,2025-11-11T09:00:00+08:00\r\n"
                    .encode("utf-8"))
    plain = write_csv(df, tmp_path / "plain.csv", safe=False).read_bytes()
    assert plain.startswith(b"n,t,at\n-3,=1+1,2025-11-11 09:00:00+08:00\n")


def test_the_header_is_made_inert_too(tmp_path):
    df = pd.DataFrame({"=HYPERLINK(\"x\")": [1.0], "ok": ["@SUM(1)"]})
    raw = write_csv(df, tmp_path / "h.csv").read_bytes().decode("utf-8-sig")
    assert raw.splitlines()[0] == '"\'=HYPERLINK(""x"")",ok'
    assert raw.splitlines()[1] == "1.0,'@SUM(1)"
    # an index written as a column is treated like any other column
    idx = pd.DataFrame({"v": [1]}, index=pd.Index(["+cmd|' /C calc'!A0"]))
    raw = write_csv(idx, tmp_path / "i.csv", index_label="-row").read_bytes().decode("utf-8-sig")
    assert raw.splitlines() == ["'-row,v", "'+cmd|' /C calc'!A0,1"]


HOSTILE = ["=HYPERLINK(\"x\")", "+cmd|' /C calc'!A0", "@SUM(1)", "-2+3", "\tx", "\rx", "a\rb", "a\nb",
           "'=already quoted", "''-1+1", "'quoted'", "-3", "+2.5", "-1e3", "李雷", "", "plain"]


def test_written_text_reads_back_exactly(tmp_path):
    """The product's reader (wfm.tables.read_csv) takes the writer's quote off
    again: hostile text, text that already starts with apostrophes and text
    holding a carriage return come back as given, header included."""
    from wfm.tables import read_csv

    df = pd.DataFrame({"=head": HOSTILE, "n": range(len(HOSTILE))})
    p = write_csv(df, tmp_path / "x.csv")
    back = read_csv(p, str(p))
    assert list(back.columns) == ["=head", "n"]
    assert back["=head"].tolist() == HOSTILE
    assert back["n"].tolist() == [str(i) for i in range(len(HOSTILE))]


def test_quoting_is_undone_exactly_for_any_text():
    from hypothesis import given
    from hypothesis import strategies as st

    from wfm.io import formula_like, neutralise_text
    from wfm.tables import unquote_text

    @given(st.text(alphabet=st.sampled_from("'=+-@\t\r1.eE a"), max_size=8))
    def check(t):
        w = neutralise_text(t)
        assert unquote_text(w) == t
        assert not formula_like(w)  # what is written never runs

    check()


def test_read_text_csv_cells_as_text(tmp_path):
    from wfm.errors import InputError
    from wfm.io import read_text_csv

    p = tmp_path / "r.csv"
    p.write_bytes("agent_id,shift_start\n李雷,2026-03-01T22:00:00+08:00\n,\n007,\n".encode("gb18030"))
    df = read_text_csv(p, "a roster CSV")
    assert df.to_dict("list") == {"agent_id": ["李雷", "007"], "shift_start": ["2026-03-01T22:00:00+08:00", ""]}
    with pytest.raises(InputError, match="file not found .expected a roster CSV"):
        read_text_csv(tmp_path / "none.csv", "a roster CSV")
