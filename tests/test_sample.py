"""Tests of the seeded sample history (wfm.sample).

The shapes are recovered from generated data by independent estimates and
compared with the documented parameters; holiday dates come from the State
Council's 2025 holiday notice (National Day + Mid-Autumn: 1-8 Oct off, Sunday
28 Sep and Saturday 11 Oct worked), not from the generator.
"""

from __future__ import annotations

import datetime as dt
import math
import os

import numpy as np
import pandas as pd
import pytest

from wfm.errors import InputError
from wfm.sample import (
    DEFAULT_SHAPE,
    SAMPLE_EVENTS,
    day_calendar,
    expected_offered,
    generate_history,
    write_sample,
)

COLUMNS = ["queue", "interval_start", "interval_min", "channel", "offered", "aht_s", "handled", "abandoned"]
GOLDEN_WEEK = [dt.date(2025, 10, d) for d in range(1, 9)]
SPECIAL = {dt.date(2025, 9, 28) + dt.timedelta(days=k) for k in range(14)} | {
    dt.date(2025, 11, d) for d in range(9, 14)
}


@pytest.fixture(scope="module")
def history() -> pd.DataFrame:
    return generate_history()


def daily_totals(df: pd.DataFrame) -> pd.Series:
    dates = df["interval_start"].dt.tz_localize(None).dt.date
    return df.groupby(dates)["offered"].sum()


def normal_days(totals: pd.Series) -> pd.Series:
    return totals[[d not in SPECIAL for d in totals.index]]


def own_intraday_shape(interval_min: int = 30, open_h: float = 8, close_h: float = 22) -> np.ndarray:
    """The documented two-Gaussian-plus-floor shape, recomputed here from the parameters."""
    s = DEFAULT_SHAPE
    out = []
    for k in range(1440 // interval_min):
        h = (k + 0.5) * interval_min / 60
        if not open_h <= h < close_h:
            out.append(0.0)
            continue
        g1 = s.morning_weight * math.exp(-((h - s.morning_peak_h) ** 2) / (2 * s.morning_sd_h**2))
        g2 = s.afternoon_weight * math.exp(-((h - s.afternoon_peak_h) ** 2) / (2 * s.afternoon_sd_h**2))
        out.append(g1 + g2 + s.evening_floor)
    arr = np.array(out)
    return arr / arr.sum()


# ------------------------------------------------------------------ structure


def test_same_seed_identical_other_seed_different():
    a = generate_history(days=21)
    b = generate_history(days=21)
    c = generate_history(days=21, seed=7)
    pd.testing.assert_frame_equal(a, b)
    assert not a["offered"].equals(c["offered"])
    assert not a["aht_s"].equals(c["aht_s"])


def test_canonical_columns_and_complete_aligned_intervals(history):
    df = history
    assert list(df.columns) == COLUMNS
    assert str(df["interval_start"].dtype) == "datetime64[ns, Asia/Shanghai]"
    assert len(df) == 140 * 48
    assert isinstance(df.index, pd.RangeIndex)
    steps = df["interval_start"].diff().dropna()
    assert (steps == pd.Timedelta(minutes=30)).all()
    assert df["interval_start"].iloc[0] == pd.Timestamp("2025-08-04 00:00", tz="Asia/Shanghai")
    assert df["interval_start"].iloc[-1] == pd.Timestamp("2025-12-21 23:30", tz="Asia/Shanghai")
    assert (df["interval_start"].dt.minute % 30 == 0).all() and (df["interval_start"].dt.second == 0).all()
    assert (df["interval_min"] == 30).all() and (df["channel"] == "voice").all() and (df["queue"] == "hotline").all()
    for col in ("offered", "handled", "abandoned"):
        assert (df[col] >= 0).all() and (df[col] == df[col].round()).all()
    assert (df["handled"] + df["abandoned"] == df["offered"]).all()
    assert np.isfinite(df["aht_s"]).all() and (df["aht_s"] > 0).all()
    hour = df["interval_start"].dt.hour
    closed = (hour < 8) | (hour >= 22)
    assert (df.loc[closed, "offered"] == 0).all()
    assert (df.loc[~closed, "offered"] > 0).mean() > 0.99


@pytest.mark.parametrize("interval_min", [15, 60])
def test_other_interval_lengths(interval_min):
    df = generate_history(days=3, interval_min=interval_min)
    assert len(df) == 3 * 1440 // interval_min
    assert (df["interval_start"].diff().dropna() == pd.Timedelta(minutes=interval_min)).all()
    exp = expected_offered(days=3, interval_min=interval_min)
    # Same expected daily volume whatever the interval length.
    base = expected_offered(days=3)
    assert exp["expected_offered"].sum() == pytest.approx(base["expected_offered"].sum(), rel=1e-12)


def test_queues_get_independent_streams_and_adding_one_keeps_the_first():
    one = generate_history(days=7)
    two = generate_history(days=7, queues=("hotline", "vip"))
    assert list(two["queue"].unique()) == ["hotline", "vip"]
    pd.testing.assert_frame_equal(two[two["queue"] == "hotline"].reset_index(drop=True), one)
    assert not two.loc[two["queue"] == "vip", "offered"].to_numpy().tolist() == one["offered"].tolist()


def test_dst_zone_keeps_every_local_interval():
    df = generate_history(start="2025-10-25", days=3, tz="Europe/Berlin")
    assert len(df) == 48 + 50 + 48  # 26 Oct 2025 has 25 hours in Berlin
    local_hours = df["interval_start"].dt.hour
    assert (df.loc[(local_hours < 8) | (local_hours >= 22), "offered"] == 0).all()


# ------------------------------------------------------------------ calendar


def test_calendar_matches_official_2025_schedule():
    cal = day_calendar().set_index("date")
    kind = {d.date(): t for d, t in cal["day_type"].items()}
    for d in GOLDEN_WEEK:
        assert kind[d] == "holiday", d
    assert kind[dt.date(2025, 9, 28)] == "working_weekend"
    assert kind[dt.date(2025, 10, 11)] == "working_weekend"
    assert kind[dt.date(2025, 10, 12)] == "weekend"
    reb = [d.date() for d, r in cal["rebound"].items() if r]
    assert reb == [dt.date(2025, 10, 9)]
    ev = {d.date(): f for d, f in cal["event_factor"].items() if f != 1.0}
    assert ev == {dt.date(2025, 11, 9 + k): f for k, f in enumerate([1.3, 1.6, 2.5, 1.8, 1.3])}
    assert dict(SAMPLE_EVENTS) == {"11-09": 1.3, "11-10": 1.6, "11-11": 2.5, "11-12": 1.8, "11-13": 1.3}
    # Spring Festival 2025 (28 Jan - 4 Feb off, 26 Jan and 8 Feb worked).
    sf = day_calendar("2025-01-20", 25).set_index("date")["day_type"]
    assert all(sf[pd.Timestamp(2025, 1, d)] == "holiday" for d in range(28, 32))
    assert all(sf[pd.Timestamp(2025, 2, d)] == "holiday" for d in range(1, 5))
    assert sf[pd.Timestamp(2025, 1, 26)] == "working_weekend"
    assert sf[pd.Timestamp(2025, 2, 8)] == "working_weekend"


# ------------------------------------------------------------------ volume shapes


def test_weekly_ratios_recovered_from_data(history):
    totals = normal_days(daily_totals(history))
    by_wd = totals.groupby([d.weekday() for d in totals.index]).mean()
    f = DEFAULT_SHAPE.weekday_factors
    assert by_wd.idxmax() == 0 and by_wd.idxmin() == 6
    for wd in range(7):
        # ~18 weeks x ~2400 calls: the ratio's Poisson error is < 1 %.
        assert by_wd[wd] / by_wd[3] == pytest.approx(f[wd] / f[3], rel=0.03), wd
    # Level: a factor-1 day is base_daily_calls (trend is <= 2 % over the span).
    assert by_wd[3] / f[3] == pytest.approx(2400, rel=0.03)


def test_intraday_two_peaks_recovered_from_data(history):
    df = history
    dates = df["interval_start"].dt.tz_localize(None).dt.date
    keep = np.array([(d not in SPECIAL) and d.weekday() < 5 for d in dates])
    slot = (df["interval_start"].dt.hour * 2 + df["interval_start"].dt.minute // 30).to_numpy()
    counts = np.bincount(slot[keep], weights=df["offered"].to_numpy()[keep], minlength=48)
    share = counts / counts.sum()
    mid_h = (np.arange(48) + 0.5) / 2
    morning = np.where(mid_h < 12.5)[0]
    afternoon = np.where((mid_h >= 12.5) & (mid_h < 18))[0]
    m_peak = morning[np.argmax(share[morning])]
    a_peak = afternoon[np.argmax(share[afternoon])]
    assert abs(mid_h[m_peak] - 10.0) <= 0.5
    assert 14.0 <= mid_h[a_peak] <= 15.5
    between = np.arange(m_peak + 1, a_peak)
    dip = between[np.argmin(share[between])]
    assert 11.5 <= mid_h[dip] <= 13.5
    assert share[dip] < 0.65 * min(share[m_peak], share[a_peak])
    evening = (mid_h >= 19) & (mid_h < 22)
    assert (share[evening] > 0).all() and share[evening].max() < 0.4 * share[m_peak]
    # Multinomial goodness of fit against the documented shape.
    ref = own_intraday_shape()
    open_ = ref > 0
    n = counts.sum()
    chi2 = float((((counts - n * ref) ** 2)[open_] / (n * ref[open_])).sum())
    dof = int(open_.sum()) - 1
    assert chi2 < dof + 5 * math.sqrt(2 * dof), chi2
    assert (counts[~open_] == 0).all()


def test_double_eleven_surge_and_ramp(history):
    totals = daily_totals(history)
    trend = DEFAULT_SHAPE.trend_per_year / 365.25
    start = dt.date(2025, 8, 4)
    for day, factor in zip(range(9, 14), [1.3, 1.6, 2.5, 1.8, 1.3], strict=True):
        d = dt.date(2025, 11, day)
        before = d - dt.timedelta(days=7)
        x, y = totals[d], totals[before]
        expected = factor * (1 + trend * (d - start).days) / (1 + trend * (before - start).days)
        ratio = x / y
        sd = ratio * math.sqrt(1 / x + 1 / y)
        assert abs(ratio - expected) < 4 * sd, (d, ratio, expected)
    assert totals[dt.date(2025, 11, 11)] / totals[dt.date(2025, 11, 4)] == pytest.approx(2.5, rel=0.08)
    assert totals.idxmax() == dt.date(2025, 11, 11)


def test_holidays_lower_working_weekend_and_rebound(history):
    totals = daily_totals(history)
    normal = normal_days(totals)
    wd_mean = normal.groupby([d.weekday() for d in normal.index]).mean()
    for d in GOLDEN_WEEK:
        r = totals[d] / wd_mean[d.weekday()]
        assert r < 0.6, (d, r)
        assert r == pytest.approx(DEFAULT_SHAPE.holiday_factor, abs=0.06), (d, r)
    # In-lieu working Sunday 28 Sep: weekday level, far above a Sunday.
    sep28 = totals[dt.date(2025, 9, 28)]
    assert sep28 > 1.3 * wd_mean[6]
    assert sep28 / wd_mean[[0, 1, 2, 3, 4]].mean() == pytest.approx(1.0 / np.mean(DEFAULT_SHAPE.weekday_factors[:5]), rel=0.06)
    # Rebound on Thursday 9 Oct, the first working day after Golden Week.
    assert totals[dt.date(2025, 10, 9)] / wd_mean[3] == pytest.approx(DEFAULT_SHAPE.rebound_factor, rel=0.06)


def test_events_parameter():
    none = daily_totals(generate_history(days=140, events={}))
    assert none[dt.date(2025, 11, 11)] / none[dt.date(2025, 11, 4)] == pytest.approx(1.0, rel=0.08)
    xmas = expected_offered(days=140, events={"12-19": 2.0})
    day = xmas["interval_start"].dt.tz_localize(None).dt.date
    tot = xmas.groupby(day)["expected_offered"].sum()
    assert tot[dt.date(2025, 12, 19)] / tot[dt.date(2025, 12, 12)] == pytest.approx(2.0, rel=1e-3)
    assert tot[dt.date(2025, 11, 11)] / tot[dt.date(2025, 11, 4)] == pytest.approx(1.0, rel=1e-3)


def test_no_holiday_country():
    cal = day_calendar(country=None, events={}).set_index("date")
    assert set(cal["day_type"]) == {"weekday", "weekend"}
    assert not cal["rebound"].any()


@pytest.mark.parametrize(
    "kwargs",
    [
        {"interval_min": 7},
        {"days": 0},
        {"start": "not a date"},
        {"open_hour": 22, "close_hour": 8},
        {"tz": "Mars/Olympus"},
        {"events": {"13-01": 2.0}},
        {"events": {"11-11": -1.0}},
        {"queues": ()},
        {"aht_s": 0.0},
    ],
)
def test_bad_arguments_raise_input_error(kwargs):
    with pytest.raises(InputError):
        generate_history(**kwargs)


def test_input_error_lists_every_problem():
    with pytest.raises(InputError) as err:
        generate_history(days=-1, interval_min=7, tz="Nowhere/Zone")
    assert len(err.value.problems) == 3


# ------------------------------------------------------------------ noise model


def test_expected_offered_daily_sum_is_the_documented_day_level():
    exp = expected_offered()
    cal = day_calendar()
    day = exp["interval_start"].dt.tz_localize(None).dt.normalize()
    got = exp.groupby(day)["expected_offered"].sum()
    want = 2400 * cal.set_index("date")["day_factor"] * cal.set_index("date")["trend_factor"]
    np.testing.assert_allclose(got.to_numpy(), want.loc[got.index].to_numpy(), rtol=1e-12)
    per_slot = exp["expected_offered"].to_numpy().reshape(140, 48)
    share = per_slot / per_slot.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(share, np.tile(own_intraday_shape(), (140, 1)), atol=1e-12)


def test_offered_is_poisson_around_the_expected_rate(history):
    lam = expected_offered()["expected_offered"].to_numpy()
    x = history["offered"].to_numpy()
    open_ = lam > 0
    resid = x[open_] - lam[open_]
    ratio = float((resid**2).sum() / lam[open_].sum())
    # Var(r^2) = lam + 2 lam^2 for Poisson.
    sd = math.sqrt(float((lam[open_] + 2 * lam[open_] ** 2).sum())) / lam[open_].sum()
    assert abs(ratio - 1.0) < 5 * sd, (ratio, sd)
    assert abs(resid.sum()) < 5 * math.sqrt(lam[open_].sum())


def test_mean_over_many_seeds_converges_to_expected_offered():
    seeds = range(30)
    runs = np.array([generate_history(days=7, seed=s)["offered"].to_numpy() for s in seeds])
    lam = expected_offered(days=7)["expected_offered"].to_numpy()
    open_ = lam > 0
    mean = runs.mean(axis=0)
    chi2 = float((len(seeds) * (mean[open_] - lam[open_]) ** 2 / lam[open_]).sum())
    dof = int(open_.sum())
    assert abs(chi2 - dof) < 5 * math.sqrt(2 * dof), (chi2, dof)
    # Relative error of the mean over all open intervals shrinks like 1/sqrt(seeds).
    assert abs(mean[open_].sum() / lam[open_].sum() - 1) < 5 / math.sqrt(len(seeds) * lam[open_].sum())


def test_mean_aht_near_180_and_longer_in_the_evening():
    means = []
    for seed in range(8):
        df = generate_history(days=140, seed=seed, events={})
        means.append(float((df["offered"] * df["aht_s"]).sum() / df["offered"].sum()))
    # Daily drift: AR(1) sd 4 s, phi 0.97 -> sd of a 140-day mean ~3 s; 8 seeds -> ~1 s.
    assert np.mean(means) == pytest.approx(180.0, abs=3.5)
    assert all(abs(m - 180.0) < 12 for m in means)
    df = generate_history()
    hour = df["interval_start"].dt.hour + df["interval_start"].dt.minute / 60

    def weighted(mask):
        return float((df.loc[mask, "offered"] * df.loc[mask, "aht_s"]).sum() / df.loc[mask, "offered"].sum())

    evening = weighted(hour >= 20)  # midpoints 20:15 .. 21:45: ramp 0.81 .. 1 of +10 %
    day = weighted((hour >= 9) & (hour < 16))  # before the ramp
    ramp = np.mean([min(max((h + 0.25 - 17) / 4, 0), 1) for h in (20, 20.5, 21, 21.5)])
    assert evening / day == pytest.approx(1 + DEFAULT_SHAPE.aht_evening_uplift * ramp, abs=0.025)


def test_interval_aht_noise_shrinks_with_volume(history):
    """Interval AHT is the mean of `offered` exponential handle times: sd = mu/sqrt(N)."""
    df = history.copy()
    df["date"] = df["interval_start"].dt.tz_localize(None).dt.date
    h = (df["interval_start"].dt.hour + df["interval_start"].dt.minute / 60 + 0.25).to_numpy()
    m = 1 + DEFAULT_SHAPE.aht_evening_uplift * np.clip((h - 17) / 4, 0, 1)
    df["m"] = m
    df = df[df["offered"] > 0]
    # Day level from the data: sum(N aht) / sum(N m) (drift is constant within a day).
    level = (df["offered"] * df["aht_s"]).groupby(df["date"]).sum() / (df["offered"] * df["m"]).groupby(df["date"]).sum()
    mu = df["date"].map(level) * df["m"]
    z = (df["aht_s"] - mu) * np.sqrt(df["offered"]) / mu
    assert z.var() == pytest.approx(DEFAULT_SHAPE.handle_cv**2, rel=0.12)
    low, high = z[df["offered"] < 50], z[df["offered"] > 120]
    assert len(low) > 300 and len(high) > 300
    assert low.var() == pytest.approx(1.0, rel=0.2) and high.var() == pytest.approx(1.0, rel=0.2)
    # Raw spread really does shrink: low-volume intervals scatter much more in seconds.
    assert (df.loc[low.index, "aht_s"] / mu[low.index]).std() > 1.5 * (df.loc[high.index, "aht_s"] / mu[high.index]).std()


def test_abandonment_between_2_and_8_percent_and_rising_with_load(history):
    exp = expected_offered()
    p = exp["abandon_p"].to_numpy()
    n = history["offered"].to_numpy()
    ab = history["abandoned"].to_numpy()
    assert 0.02 <= p.min() and p.max() <= 0.08
    rate = ab.sum() / n.sum()
    assert 0.02 < rate < 0.08
    sd = math.sqrt(float((n * p * (1 - p)).sum()))
    assert abs(ab.sum() - (n * p).sum()) < 4 * sd
    dates = history["interval_start"].dt.tz_localize(None).dt.date
    by_day = history.groupby(dates)[["abandoned", "offered"]].sum()
    surge = by_day.loc[dt.date(2025, 11, 11)]
    plain = by_day.loc[dt.date(2025, 11, 4)]
    holiday = by_day.loc[GOLDEN_WEEK].sum()
    assert surge["abandoned"] / surge["offered"] > 2 * plain["abandoned"] / plain["offered"]
    assert holiday["abandoned"] / holiday["offered"] < plain["abandoned"] / plain["offered"] + 0.01


# ------------------------------------------------------------------ CSV output


def test_write_sample_csv(tmp_path):
    path = tmp_path / "sub" / "history.csv"
    out = write_sample(path, days=14)
    assert out == path and path.exists()
    assert [p.name for p in path.parent.iterdir()] == ["history.csv"]  # no temp file left
    text = path.read_text(encoding="utf-8-sig").splitlines()
    assert text[0] == ",".join(COLUMNS)
    assert text[1].startswith("hotline,2025-08-04T00:00:00+08:00,30,voice,0,")
    back = pd.read_csv(path)
    df = generate_history(days=14)
    parsed = pd.to_datetime(back["interval_start"], format="ISO8601").dt.tz_convert("Asia/Shanghai")
    assert (parsed.to_numpy() == df["interval_start"].to_numpy()).all()
    np.testing.assert_array_equal(back["offered"].to_numpy(), df["offered"].to_numpy())
    np.testing.assert_allclose(back["aht_s"].to_numpy(), df["aht_s"].to_numpy(), atol=0.006)
    assert "2025-08-10T09:00:00+08:00" in path.read_text(encoding="utf-8")


def test_csv_reads_back_through_the_interval_reader(tmp_path):
    intervals = pytest.importorskip("wfm.intervals")
    path = tmp_path / "history.csv"
    write_sample(path, days=7)
    df = intervals.read_intervals(os.fspath(path))
    assert len(df) == 7 * 48
    assert str(df["interval_start"].dtype).endswith("Asia/Shanghai]")
    assert df["offered"].sum() == generate_history(days=7)["offered"].sum()
