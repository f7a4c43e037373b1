"""Requirements laid on the roster horizon."""

import numpy as np
import pandas as pd
import pytest

from wfm.errors import InputError
from wfm.roster.demand import build_horizon, read_requirements, validate_requirements


def test_queues_are_summed_and_offsets_respected(tmp_path):
    rows = []
    for q, n in (("sales", 2.0), ("service", 3.0)):
        for h in range(24 * 7):
            t = pd.Timestamp("2026-03-02T00:00:00+08:00") + pd.Timedelta(hours=h)
            rows.append({"queue": q, "interval_start": t.tz_convert("UTC").isoformat(), "required_agents": n})
    p = tmp_path / "req.csv"
    pd.DataFrame(rows).to_csv(p, index=False)
    req = read_requirements(p)
    assert int(req["interval_min"].iloc[0]) == 60  # inferred
    hz = build_horizon(req, weeks=1)
    assert hz.start == pd.Timestamp("2026-03-02T00:00:00+08:00")
    assert hz.n_intervals == 168 and np.all(hz.required == 5.0)


def test_missing_intervals_need_nobody_and_naive_times_are_local():
    ts = pd.date_range("2026-03-02 08:00", periods=7 * 24 * 2, freq="30min")
    df = pd.DataFrame({"interval_start": ts.strftime("%Y-%m-%dT%H:%M:%S"), "required_agents": 1.0})
    df = df[pd.to_datetime(df["interval_start"]).dt.hour >= 8]  # closed at night
    hz = build_horizon(validate_requirements(df), weeks=1)
    assert hz.required[:16].sum() == 0 and hz.required[16] == 1.0  # 00:00-08:00 local of day 0


def test_errors():
    ts = pd.date_range("2026-03-02", periods=48, freq="30min", tz="Asia/Shanghai")
    with pytest.raises(InputError, match="needs 7"):
        build_horizon(validate_requirements(pd.DataFrame({"interval_start": ts, "required_agents": 1.0})), weeks=1)
    with pytest.raises(InputError, match="1 to 6 weeks"):
        build_horizon(validate_requirements(pd.DataFrame({"interval_start": ts, "required_agents": 1.0})), weeks=7)
    bad = pd.DataFrame({"interval_start": ["2026-03-02T00:00:00+08:00", "yesterday"], "required_agents": [1, -2]})
    with pytest.raises(InputError) as e:
        validate_requirements(bad, source="req.csv")
    assert "req.csv:3: interval_start" in str(e.value) and "req.csv:3: required_agents" in str(e.value)
    off = pd.DataFrame({"interval_start": pd.date_range("2026-03-02 00:10", periods=7 * 48, freq="30min", tz="Asia/Shanghai"),
                        "required_agents": 1.0})
    with pytest.raises(InputError, match="off the 30-minute grid"):
        build_horizon(validate_requirements(off), weeks=1)


# --------------------------------------------------------------------------
# daylight saving time: the one policy of the table engine (wfm.tables).
# Before, a naive local time the clocks skip was shifted forward (02:30 ->
# 03:00 in Europe/Berlin on 2026-03-29) and collided with the 03:00 row; now
# it is reported with its file, row and column, as the interval table does.
# --------------------------------------------------------------------------


def test_skipped_local_time_is_reported_not_shifted():
    walls = ["2026-03-29T01:30", "2026-03-29T02:30", "2026-03-29T03:00"]
    df = pd.DataFrame({"interval_start": walls, "required_agents": 1.0})
    with pytest.raises(InputError) as e:
        validate_requirements(df, source="req.csv", tz="Europe/Berlin")
    assert [str(p) for p in e.value.problems] == [
        "req.csv:3: interval_start: '2026-03-29T02:30' does not exist in Europe/Berlin (the clocks "
        "skip it when daylight saving time starts) (expected an existing local time, or a UTC offset "
        "such as +01:00)"]


def test_repeated_autumn_hour_is_resolved_by_file_order():
    # 2026-10-25 in Berlin: 02:00 and 02:30 happen twice (CEST, then CET); a
    # naive export lists them twice: first summer time, then winter time
    walls = ["01:30", "02:00", "02:30", "02:00", "02:30", "03:00"]
    df = pd.DataFrame({"interval_start": [f"2026-10-25T{w}" for w in walls], "required_agents": [1, 2, 3, 4, 5, 6]})
    req = validate_requirements(df, tz="Europe/Berlin")
    # every half hour from 23:30 UTC on the 24th (01:30 CEST) to 02:00 UTC (03:00 CET)
    expected = pd.date_range("2026-10-24 23:30", "2026-10-25 02:00", freq="30min", tz="UTC")
    assert list(req["interval_start"].dt.tz_convert("UTC")) == list(expected)
    assert req["required_agents"].tolist() == [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    assert int(req["interval_min"].iloc[0]) == 30


def test_problems_name_rows_and_blank_rows_keep_numbering(tmp_path):
    p = tmp_path / "req.csv"
    p.write_text("queue,interval_start,required_agents,notes\n"
                 "q,2026-03-02T00:00:00+08:00,1,\n"
                 ",,,\n"
                 "q,2026-03-02T00:30:00+08:00,x,\n"
                 "q,2026-03-02T00:00:00+08:00,2,again\n", encoding="utf-8")
    with pytest.raises(InputError) as e:
        read_requirements(p)
    assert [str(q) for q in e.value.problems] == [
        f"{p}:4: required_agents: 'x' is not a number >= 0 (expected agents >= 0)"]
    p.write_text(p.read_text().replace(",x,", ",3,"))
    with pytest.raises(InputError) as e:
        read_requirements(p)
    assert [str(q) for q in e.value.problems] == [
        f"{p}:5: interval_start: queue 'q' repeats 2026-03-02T00:00:00+08:00 (expected one row per queue and interval)"]
