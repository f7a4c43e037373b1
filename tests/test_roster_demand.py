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
