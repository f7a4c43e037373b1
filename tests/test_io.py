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
