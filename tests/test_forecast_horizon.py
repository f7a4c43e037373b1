"""The forecast horizon is complete: every interval of every day has a row,
closed ones flagged (``open`` False) and zero, so that closed and missing differ."""

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from wfm.forecast import CalendarConfig, make_model
from wfm.io import write_csv
from wfm.staffing import ServiceTargets, required_agents

NO_CALENDAR = CalendarConfig(country=None, post_holiday_days=0)


def shop_hours(weeks=10, seed=1, tz="Asia/Shanghai", start="2025-03-03"):
    """A queue open Monday to Saturday 08:00-20:00 (30-minute intervals); the
    file has no row at all for the night or for Sundays."""
    rng = np.random.default_rng(seed)
    rows = []
    for d in pd.date_range(start, periods=7 * weeks, freq="D"):
        if d.weekday() == 6:
            continue
        for m in range(8 * 60, 20 * 60, 30):
            rows.append((d + pd.Timedelta(minutes=m), float(rng.poisson(40 if d.weekday() < 5 else 20))))
    ts = pd.DatetimeIndex([t for t, _ in rows]).tz_localize(tz)
    return pd.DataFrame({"queue": "shop", "interval_start": ts, "interval_min": 30, "channel": "voice",
                         "offered": [y for _, y in rows], "aht_s": 200.0})


def test_closed_nights_and_sundays_are_in_the_horizon_flagged_and_zero():
    hist = shop_hours()
    fc = make_model("weekday_avg", calendar=NO_CALENDAR).fit(hist).predict("2025-05-12", 14)
    loc = fc["interval_start"].dt.tz_localize(None)
    # every half-hour of the 14 days, once, in order
    assert (loc == pd.date_range("2025-05-12", periods=14 * 48, freq="30min")).all()
    hour, sunday = loc.dt.hour, loc.dt.day_of_week == 6
    expect_open = (hour >= 8) & (hour < 20) & ~sunday
    assert (fc["open"] == expect_open).all()
    shut = fc[~fc["open"]]
    assert (shut[["offered", "offered_lower", "offered_upper"]] == 0).all().all() and shut["aht_s"].isna().all()
    worked = fc[fc["open"]]
    assert (worked["offered"] > 0).all() and np.allclose(worked["aht_s"], 200.0)
    assert (worked["offered_lower"] <= worked["offered"]).all() and (worked["offered"] <= worked["offered_upper"]).all()
    # staffing reads closed intervals as intervals without calls: no agents
    staff = required_agents(fc, ServiceTargets(service_level=0.8, target_s=20))
    assert (staff.loc[~fc["open"], "required_agents"] == 0).all()
    assert (staff.loc[~fc["open"], "binding_target"] == "no volume").all()
    assert (staff.loc[fc["open"], "required_agents"] >= 1).all()


def test_a_day_whose_calendar_factor_is_zero_is_closed():
    hist = shop_hours()
    cal = CalendarConfig(country=None, post_holiday_days=0,
                         events=(__import__("wfm.forecast", fromlist=["Event"]).Event.parse("05-14:0:stocktaking"),))
    fc = make_model("weekday_avg", calendar=cal).fit(hist).predict("2025-05-12", 7)
    day = fc["interval_start"].dt.tz_localize(None).dt.date.astype(str)
    assert not fc.loc[day == "2025-05-14", "open"].any()
    assert (fc.loc[day == "2025-05-14", "calendar"] == "event: stocktaking").all()
    assert fc.loc[day == "2025-05-13", "open"].sum() == 24


def test_daylight_saving_days_have_the_intervals_that_exist():
    """A 24-hour queue in New York: 9 March 2025 has 23 hours (02:00-03:00
    does not exist), 2 November 2025 has 25 (01:00-02:00 twice, both forecast)."""
    rng = np.random.default_rng(4)
    naive = pd.date_range("2025-01-06", "2025-02-28 23:30", freq="30min")
    hist = pd.DataFrame({"queue": "night", "interval_start": naive.tz_localize("America/New_York"),
                         "interval_min": 30, "channel": "voice",
                         "offered": rng.poisson(30, len(naive)).astype(float), "aht_s": 180.0})
    mdl = make_model("weekday_avg", calendar=NO_CALENDAR, risk_origins=0).fit(hist)
    for start, n_rows in (("2025-03-09", 46), ("2025-11-02", 50)):
        fc = mdl.predict(start, 1)
        ts = fc["interval_start"]
        assert len(fc) == n_rows and fc["open"].all()
        assert ts.is_monotonic_increasing and not ts.duplicated().any()
        assert (ts.diff().dropna() == pd.Timedelta(minutes=30)).all()  # no hole, no overlap in real time
    fc = mdl.predict("2025-11-02", 1)
    wall = fc["interval_start"].dt.tz_localize(None)
    twice = fc[wall.dt.hour == 1]
    assert len(twice) == 4 and twice["offered"].nunique() == 2  # 01:00 and 01:30, each twice, same forecast


def test_cli_predict_writes_every_interval(tmp_path):
    from wfm.cli import cli

    src = tmp_path / "hist.csv"
    write_csv(shop_hours(), src)
    runner = CliRunner()
    res = runner.invoke(cli, ["forecast", "fit", str(src), "-o", str(tmp_path / "m"), "--model", "weekday_avg",
                              "--country", "none", "--risk-origins", "4"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(cli, ["forecast", "predict", str(tmp_path / "m"), "--start", "2025-05-12", "--days", "7",
                              "-o", str(tmp_path / "fc.csv")])
    assert res.exit_code == 0, res.output
    assert "336 intervals (144 open)" in res.output
    fc = pd.read_csv(tmp_path / "fc.csv")
    assert len(fc) == 7 * 48 and fc["open"].sum() == 6 * 24
    shut = fc[~fc["open"]]
    assert (shut[["offered", "offered_lower", "offered_upper"]] == 0).all().all() and shut["aht_s"].isna().all()
    assert {"day_log_mean", "day_log_sd"} <= set(fc.columns)
    # the file is still an interval table `wfm staff` reads, its flags passed through
    from wfm.intervals import read_intervals

    back = read_intervals(tmp_path / "fc.csv", tz="Asia/Shanghai", require_aht=False)
    assert len(back) == len(fc) and (back["open"] == fc["open"].astype(str)).all()


@pytest.mark.parametrize("name", ["seasonal_naive", "flat_mean", "svd", "combination"])
def test_every_model_gives_the_whole_grid(name):
    fc = make_model(name, calendar=NO_CALENDAR, risk_origins=0).fit(shop_hours()).predict("2025-05-12", 7)
    assert len(fc) == 7 * 48 and fc["open"].sum() == 6 * 24
    assert (fc.loc[~fc["open"], "offered"] == 0).all()
