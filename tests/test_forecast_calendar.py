"""Calendar: CN holidays and in-lieu days, events, factor estimation, outliers."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from wfm.errors import InputError
from wfm.forecast import CalendarConfig, Event, make_model
from wfm.forecast.calendar import (
    day_kinds,
    detect_outliers,
    estimate_day_factors,
    events_from_mapping,
)

D = dt.date


def test_cn_national_day_2024_with_in_lieu_days():
    # State Council notice for 2024: 1-7 October off; Sunday 29 Sept and Saturday 12 Oct worked.
    dates = [D(2024, 9, 28) + dt.timedelta(days=i) for i in range(17)]
    k = day_kinds(dates, range(7), CalendarConfig())
    for i in range(1, 8):
        assert "holiday" in k.loc[D(2024, 10, i), "keys"], i
    assert k.loc[D(2024, 9, 29), "in_lieu"] and k.loc[D(2024, 10, 12), "in_lieu"]
    assert not k.loc[D(2024, 10, 8), "in_lieu"]
    assert k.loc[D(2024, 10, 8), "keys"] == ("post_holiday_1",)
    assert k.loc[D(2024, 10, 9), "keys"] == ("post_holiday_2",)
    assert k.loc[D(2024, 10, 10), "keys"] == ()
    # a Monday-Friday queue: the weekend inside the holiday is not open, post-holiday counts open days
    k5 = day_kinds(dates, range(5), CalendarConfig(post_holiday_days=1))
    assert k5.loc[D(2024, 10, 8), "keys"] == ("post_holiday_1",)
    assert k5.loc[D(2024, 10, 9), "keys"] == ()


def test_month_start_end_and_events():
    cal = CalendarConfig(country=None, month_start_days=2, month_end_days=1,
                         events=(Event.parse("11-11:2.5:Double-11"), Event.parse("2025-11-20:auto:launch:2")))
    dates = [D(2025, 10, 30) + dt.timedelta(days=i) for i in range(25)]
    k = day_kinds(dates, range(5), cal)
    assert k.loc[D(2025, 10, 31), "keys"] == ("month_end_1",)  # Friday
    assert k.loc[D(2025, 11, 3), "keys"] == ("month_start_1",)  # Monday: 1-2 Nov is a weekend
    assert k.loc[D(2025, 11, 4), "keys"] == ("month_start_2",)
    assert k.loc[D(2025, 11, 11), "keys"] == ("event:Double-11",)
    assert k.loc[D(2025, 11, 20), "keys"] == ("event:launch",) and k.loc[D(2025, 11, 21), "keys"] == ("event:launch",)


def test_event_parse_errors_and_round_trip():
    ev = Event.parse("11-11:2.5:Double-11")
    assert ev == Event("Double-11", 2.5, month_day=(11, 11))
    assert Event.from_dict(ev.to_dict()) == ev
    assert Event.parse("2024-02-29:auto").uplift is None
    for bad in ("11-11", "13-01:2", "11-11:x", "2025-02-30:2", "11-11:2:n:0"):
        with pytest.raises(InputError, match="cannot read event"):
            Event.parse(bad)
    assert [e.month_day for e in events_from_mapping({"11-10": 1.6, "11-11": 2.5})] == [(11, 10), (11, 11)]
    with pytest.raises(InputError, match="no calendar"):
        CalendarConfig(country="XX").holiday_table([2025])


def test_factor_estimate_is_the_ridge_closed_form():
    # 40 clean days of 100 per weekday; three flagged days at 150 -> log r = log 1.5 each
    dates = pd.date_range("2025-01-06", periods=40, freq="D")
    wd = dates.day_of_week.to_numpy()
    tot = np.full(40, 100.0)
    keys = [()] * 40
    for i in (10, 20, 30):
        tot[i] = 150.0
        keys[i] = ("event:x",)
    clean = np.array([k == () for k in keys])
    f = estimate_day_factors(tot, wd, dates, keys, clean, prior_days=1.0)
    assert f.loc["event:x", "factor"] == pytest.approx(np.exp(3 * np.log(1.5) / (3 + 1)))
    assert f.loc["event:x", "days"] == 3
    f0 = estimate_day_factors(tot, wd, dates, keys, clean, prior_days=1e-9)
    assert f0.loc["event:x", "factor"] == pytest.approx(1.5, rel=1e-6)
    # two keys on overlapping days are separated: a alone 1.2, b alone 2.0, both 2.4
    keys2 = [()] * 40
    tot2 = np.full(40, 100.0)
    for i, ks, v in ((8, ("a",), 120), (15, ("b",), 200), (22, ("a", "b"), 240), (29, ("a",), 120)):
        keys2[i], tot2[i] = ks, v
    clean2 = np.array([k == () for k in keys2])
    f2 = estimate_day_factors(tot2, wd, dates, keys2, clean2, prior_days=1e-9)
    assert f2.loc["a", "factor"] == pytest.approx(1.2, rel=1e-6) and f2.loc["b", "factor"] == pytest.approx(2.0, rel=1e-6)


def test_outlier_detection():
    rng = np.random.default_rng(3)
    dates = pd.date_range("2025-01-06", periods=56, freq="D")
    wd = dates.day_of_week.to_numpy()
    tot = 1000 * np.exp(rng.normal(0, 0.03, 56))
    tot[20] *= 3.0
    tot[33] = 0.0
    out, ratio = detect_outliers(tot, wd, dates, np.ones(56, bool), z=4.0)
    assert set(np.where(out)[0]) == {20, 33}
    assert ratio[20] == pytest.approx(3.0, rel=0.15)


def _synthetic(start, days, holiday_factor=0.5, seed=1):
    """7-day queue, 30-min intervals 08:00-20:00, Poisson counts; CN holidays at holiday_factor."""
    rng = np.random.default_rng(seed)
    cal = CalendarConfig()
    _, lieu = cal.holiday_table(range(2024, 2026))
    span = [start + dt.timedelta(days=i) for i in range(days)]
    kinds = day_kinds(span, range(7), cal)  # days off incl. weekends inside a holiday week
    hol = {d for d in span if "holiday" in kinds.loc[d, "keys"]}
    shape = np.sin(np.linspace(0.2, np.pi - 0.2, 24)) + 0.3
    shape /= shape.sum()
    week = np.array([1.1, 1.0, 1.0, 1.0, 1.05, 0.7, 0.6])
    rows = []
    for i in range(days):
        d = start + dt.timedelta(days=i)
        lvl = 3000 * (week[0] if d in lieu else week[d.weekday()])
        if d in hol:
            lvl *= holiday_factor
        t0 = pd.Timestamp(d) + pd.Timedelta(hours=8)
        for s in range(24):
            rows.append((t0 + pd.Timedelta(minutes=30 * s), rng.poisson(lvl * shape[s])))
    df = pd.DataFrame(rows, columns=["interval_start", "offered"])
    df["interval_start"] = df["interval_start"].dt.tz_localize("Asia/Shanghai")
    df["queue"] = "hotline"
    df["interval_min"] = 30
    df["offered"] = df["offered"].astype(float)
    df["aht_s"] = 180.0
    return df


def test_future_holidays_in_lieu_days_and_events_are_applied():
    hist = _synthetic(D(2024, 7, 1), 112)  # to 20 Oct 2024: National Day + Mid-Autumn inside
    cal = CalendarConfig(events=(Event("Double-11", 2.5, month_day=(11, 11)),))
    mdl = make_model("weekday_avg", calendar=cal).fit(hist)
    f = mdl.queues_["hotline"].factors.set_index("key")
    assert f.loc["holiday", "source"] == "history" and 0.4 < f.loc["holiday", "factor"] < 0.6
    c = mdl.cleaned_
    assert set(c.loc[c["detail"].str.startswith("holiday:"), "date"]) >= {D(2024, 10, i) for i in range(1, 8)}
    assert D(2024, 9, 29) in set(c.loc[c["detail"] == "in-lieu working day", "date"])
    fc = mdl.predict("2024-11-04", 62)  # to 4 Jan 2025: Double-11 and New Year
    loc = fc["interval_start"].dt.tz_localize(None)
    day = fc.groupby(loc.dt.date)["offered"].sum()
    assert day[D(2024, 11, 11)] == pytest.approx(2.5 * day[D(2024, 11, 4)], rel=1e-12)  # both Mondays
    assert day[D(2025, 1, 1)] == pytest.approx(f.loc["holiday", "factor"] * day[D(2024, 12, 25)], rel=1e-12)
    assert "holiday" in fc.loc[loc.dt.date == D(2025, 1, 1), "calendar"].iloc[0]
    # AHT forecast: the history has 180 s everywhere the queue works
    assert np.allclose(fc.loc[fc["open"], "aht_s"], 180.0) and fc.loc[~fc["open"], "aht_s"].isna().all()


def test_in_lieu_day_is_forecast_as_an_average_weekday():
    hist = _synthetic(D(2024, 12, 2), 56)  # to 26 Jan 2025; 26 Jan 2025 (Sunday) is worked in China
    mdl = make_model("weekday_avg").fit(hist)
    fc = mdl.predict("2025-02-10", 7)  # an ordinary week (Spring Festival ends 4 Feb)
    fc8 = mdl.predict("2025-02-08", 1)  # Saturday 8 Feb 2025: in-lieu working day
    day = fc.groupby(fc["interval_start"].dt.tz_localize(None).dt.date)["offered"].sum()
    weekdays = [D(2025, 2, 10) + dt.timedelta(days=i) for i in range(5)]
    assert fc8["offered"].sum() == pytest.approx(np.mean([day[d] for d in weekdays]), rel=1e-12)
    assert (fc8["calendar"] == "in-lieu working day").all() and fc8["open"].any()
    assert day[D(2025, 2, 15)] < 0.8 * day[D(2025, 2, 14)]  # an ordinary Saturday stays a Saturday
