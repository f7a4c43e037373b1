"""Calibrated forecast risk: the day-level volume factor estimated out of sample
and prediction intervals that carry it (wfm.forecast.risk)."""

import dataclasses

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from wfm.forecast import CalendarConfig, backtest, load_model, make_model, save_model
from wfm.forecast.risk import (
    DayRisk,
    day_bounds,
    day_errors,
    day_risk_table,
    day_volume_sd,
    effective_days,
    estimate_day_risk,
    poisson_bounds,
    prediction_bounds,
    predictive_log_sd,
)

NO_CALENDAR = CalendarConfig(country=None, post_holiday_days=0)
LEVEL = 1200.0  # expected contacts per day
SD = 0.15  # sd of the log day factor the simulation draws
Z80 = norm.ppf(0.9)


def simulated(weeks, sd=SD, seed=0, level=LEVEL):
    """Seven days a week, 24 half-hours 08:00-20:00 with a fixed intraday shape;
    every day's volume times an independent lognormal factor (log-sd ``sd``,
    median 1); Poisson counts."""
    rng = np.random.default_rng(seed)
    days = pd.date_range("2024-01-01", periods=7 * weeks, freq="D")
    mins = np.arange(8 * 60, 20 * 60, 30)
    shape = 1 + 0.6 * np.sin(np.pi * (mins - 480) / 720)
    lam = level * np.exp(rng.normal(0, sd, len(days)))[:, None] * (shape / shape.sum())[None, :]
    ts = (days.to_numpy()[:, None] + pd.to_timedelta(mins, unit="min").to_numpy()[None, :]).ravel()
    return pd.DataFrame({"queue": "q", "interval_start": pd.DatetimeIndex(ts).tz_localize("Asia/Shanghai"),
                         "interval_min": 30, "channel": "voice",
                         "offered": rng.poisson(lam).ravel().astype(float), "aht_s": 180.0})


@pytest.fixture(scope="module")
def history():
    return simulated(46)


def test_estimated_day_factor_sd_recovers_the_simulated_one(history):
    """flat_mean over 8 weeks forecasts the mean of 56 day totals, so the log
    error of a day is the day's own factor plus the level's estimation error
    (var SD^2 / 56) plus Poisson noise of the day total (var ~ 1 / LEVEL): the
    expected sd. Its sampling error over n days: sd / sqrt(2 (n - 1))."""
    mdl = make_model("flat_mean", weeks=8, calendar=NO_CALENDAR, risk_origins=20).fit(history)
    risk = mdl.queues_["q"].risk
    assert risk.source == "backtest" and risk.origins == 20 and risk.days == 140 and risk.special_days == 0
    expected = np.sqrt(SD**2 * (1 + 1 / 56) + 1 / LEVEL)
    se = expected / np.sqrt(2 * (risk.days - 1))
    assert abs(risk.log_sd - expected) < 3 * se, (risk.log_sd, expected, se)
    # the forecast is the mean of lognormal totals, so it runs high by about SD^2 / 2
    assert abs(risk.log_mean + SD**2 / 2) < 3 * expected / np.sqrt(risk.days)
    # Poisson counts around the day's shape: dispersion near 1
    assert 0.9 < risk.dispersion < 1.3
    # independent days: worth nearly all of them, so the predictive sd is barely wider
    assert risk.effective_days > 0.8 * risk.days
    pred = predictive_log_sd(risk)
    assert risk.log_sd < pred < 1.02 * risk.log_sd
    assert day_volume_sd(mdl) == {"q": pred}
    table = day_risk_table(mdl)
    assert table.loc[0, "source"] == "backtest" and table.loc[0, "log_sd"] == risk.log_sd
    # the forecast carries it on every row
    fc = mdl.predict("2024-11-18", 7)
    assert (fc["day_log_sd"] == pred).all() and (fc["day_log_mean"] == risk.log_mean).all()
    assert day_volume_sd(fc) == {"q": pred}


def test_80_percent_interval_covers_80_percent_of_held_out_weeks(history):
    """20 held-out weeks (rolling origins), each forecast with the interval
    calibrated on the 8 weeks before it: 77-83 % of the intervals and of the
    days inside. The calibration moves only the bounds."""
    mdl = make_model("flat_mean", weeks=8, calendar=NO_CALENDAR)
    cal = backtest(history, {"fm": mdl}, n_origins=20, risk_origins=8)
    raw = backtest(history, {"fm": mdl}, n_origins=20, risk_origins=0)
    iv = cal.scores.set_index("level")
    assert 0.77 <= iv.loc["interval", "coverage"] <= 0.83
    assert 0.70 <= iv.loc["day", "coverage"] <= 0.90  # 140 days: sampling sd about 3.4 points
    # point forecasts, and so every accuracy figure, do not depend on the calibration
    pd.testing.assert_series_equal(cal.points["forecast"], raw.points["forecast"])
    for col in ("wape", "mape", "smape", "mase", "bias"):
        assert (cal.scores[col].to_numpy() == raw.scores[col].to_numpy()).all()
    assert (cal.origins["scored"].sum(), (~cal.origins["scored"]).sum()) == (20, 8)


def test_the_backtest_calibrates_each_origin_on_earlier_origins_only(history):
    """The interval scored at an origin is the one the day errors of the 8
    origins before it give: recomputed here from those errors."""
    res = backtest(history, {"fm": make_model("flat_mean", weeks=8, calendar=NO_CALENDAR)}, n_origins=3, risk_origins=8)
    errors = res.day_errors
    origins = sorted(errors["origin"].unique())
    assert len(origins) == 11 and errors.loc[errors["origin"].isin(origins[-3:]), "scored"].all()
    for k in range(8, 11):
        risk = estimate_day_risk(errors[errors["origin"].isin(origins[k - 8:k])])
        p = res.points[res.points["origin"] == origins[k]]
        lo, hi = prediction_bounds(p["forecast"], risk.log_mean, predictive_log_sd(risk), risk.dispersion)
        np.testing.assert_allclose(p["lower"], lo, rtol=1e-12)
        np.testing.assert_allclose(p["upper"], hi, rtol=1e-12)


def test_bounds_match_a_monte_carlo_of_the_risk_model():
    rng = np.random.default_rng(7)
    for m, mu, sd, phi in ((5.0, 0.0, 0.1, 1.0), (80.0, -0.02, 0.15, 1.5), (400.0, 0.05, 0.3, 2.0)):
        f = np.exp(rng.normal(mu, sd, 400_000))
        y = rng.normal(m * f, np.sqrt(phi * m * f))
        lo, hi = prediction_bounds(np.array([m]), mu, sd, phi)
        q_lo, q_hi = np.quantile(y, [0.1, 0.9])
        p_lo, p_hi = poisson_bounds(np.array([m]))
        assert lo[0] == pytest.approx(min(max(q_lo, 0.0), p_lo[0]), rel=0.01, abs=0.02)
        assert hi[0] == pytest.approx(max(q_hi, p_hi[0]), rel=0.01)


def test_intervals_never_shrink_below_the_poisson_interval(history):
    rng = np.random.default_rng(3)
    m = np.concatenate([[0.0, 1e-3, 0.2, 1.0], rng.gamma(1.0, 50.0, 2000)])
    for mu, sd, phi in ((0.0, 0.0, 1.0), (0.3, 0.0, 1.0), (-0.3, 0.01, 1.0), (0.1, 0.2, 3.0)):
        lo, hi = prediction_bounds(m, mu, sd, phi)
        p_lo, p_hi = poisson_bounds(m)
        assert (lo <= p_lo + 1e-9).all() and (hi >= p_hi - 1e-9).all() and (lo >= 0).all()
    np.testing.assert_allclose(poisson_bounds([100.0])[1], 100 + Z80 * 10)
    assert prediction_bounds(np.array([0.0]), 0.1, 0.2, 2.0) == (0.0, 0.0)
    t_lo, t_hi = day_bounds(np.array([1000.0, 1000.0]), np.array([0.0, 0.5]), np.array([0.1, 0.0]))
    np.testing.assert_allclose(t_lo, [1000 * np.exp(-Z80 * 0.1), 1000 - Z80 * np.sqrt(1000)])
    np.testing.assert_allclose(t_hi, [1000 * np.exp(Z80 * 0.1), 1000 * np.exp(0.5)])
    # a fitted model's rows: every one contains its Poisson interval
    fc = make_model("weekday_avg", calendar=NO_CALENDAR, risk_origins=6).fit(history.iloc[: 24 * 7 * 20]).predict(
        "2024-05-20", 14)
    p_lo, p_hi = poisson_bounds(fc["offered"])
    assert (fc["offered_lower"] <= p_lo + 1e-9).all() and (fc["offered_upper"] >= p_hi - 1e-9).all()


def test_effective_days_and_the_predictive_sd():
    rng = np.random.default_rng(11)
    origin = np.repeat(np.arange(60), 5)
    iid = rng.normal(0, 0.1, 300)  # rho's sampling sd is about 0.06 with 60 origins
    assert 0.6 * 300 < effective_days(iid, origin) <= 300
    # the days of an origin move together: worth one day each
    shared = np.repeat(rng.normal(0, 0.1, 60), 5) + rng.normal(0, 1e-4, 300)
    assert effective_days(shared, origin) == pytest.approx(60, rel=0.02)
    # half the variance shared: rho 0.5, 300 / (1 + 4 x 0.5) = 100
    half = np.repeat(rng.normal(0, 0.1, 60), 5) + rng.normal(0, 0.1, 300)
    assert 70 < effective_days(half, origin) < 140
    # Student-t predictive: 8 independent days -> sqrt(1 + 1/8) t_7(0.9) / z(0.9)
    risk = DayRisk(log_mean=0.0, log_sd=0.1, dispersion=1.0, days=40, origins=8, effective_days=8.0)
    assert predictive_log_sd(risk) == pytest.approx(0.1 * np.sqrt(9 / 8) * 1.4149239 / Z80, rel=1e-6)


def test_day_errors_by_hand():
    pts = pd.DataFrame({"queue": "q", "model": "m", "origin": pd.Timestamp("2024-01-07").date(),
                        "date": [pd.Timestamp(d).date() for d in ("2024-01-08", "2024-01-08", "2024-01-09", "2024-01-09")],
                        "actual": [30.0, 10.0, 0.0, 5.0], "forecast": [20.0, 20.0, 4.0, 4.0],
                        "calendar": ["", "", "holiday: x", "holiday: x"]})
    d = day_errors(pts)
    assert list(d["step"]) == [1, 2] and list(d["calendar"]) == ["", "holiday: x"]
    assert d.loc[0, "log_ratio"] == pytest.approx(np.log(40 / 40))
    assert d.loc[1, "log_ratio"] == pytest.approx(np.log(5 / 8))
    # e = forecast x actual / forecast total: 20, 20 on day 1 -> (30-20)^2/20 + (10-20)^2/20
    assert d.loc[0, "intraday_chi2"] == pytest.approx(10.0) and d.loc[0, "intraday_cells"] == 2
    # day 2: e = 2.5, 2.5 -> (0-2.5)^2/2.5 + (5-2.5)^2/2.5
    assert d.loc[1, "intraday_chi2"] == pytest.approx(5.0)
    assert estimate_day_risk(d) is None  # one ordinary day is not a calibration


def test_too_short_a_history_keeps_the_in_sample_interval_and_says_so():
    short = simulated(2, seed=2)  # one backtest origin: no calibration
    mdl = make_model("weekday_avg", calendar=NO_CALENDAR).fit(short)
    assert mdl.queues_["q"].risk is None
    assert any("prediction interval from in-sample errors" in m for m in mdl.notes_["message"])
    assert day_risk_table(mdl).loc[0, "source"] == "in-sample"
    off = make_model("weekday_avg", calendar=NO_CALENDAR, risk_origins=0).fit(short)
    pd.testing.assert_frame_equal(mdl.predict("2024-01-15", 7), off.predict("2024-01-15", 7))


def test_risk_is_saved_and_auto_takes_the_chosen_models(history, tmp_path):
    part = history.iloc[: 24 * 7 * 26]
    auto = make_model("auto", candidates=["weekday_avg", "flat_mean"], n_origins=2, calendar=NO_CALENDAR,
                      risk_origins=6).fit(part)
    chosen = auto.queues_["q"].model
    own = make_model(chosen, calendar=NO_CALENDAR, risk_origins=6).fit(part).queues_["q"].risk
    # the selection backtest's last 6 origins are the model's own
    np.testing.assert_equal(dataclasses.astuple(auto.queues_["q"].risk), dataclasses.astuple(own))
    save_model(auto, tmp_path / "m")
    back = load_model(tmp_path / "m")
    assert isinstance(back.queues_["q"].risk, DayRisk)
    np.testing.assert_equal(dataclasses.astuple(back.queues_["q"].risk), dataclasses.astuple(own))
    pd.testing.assert_frame_equal(auto.predict("2024-07-01", 7), back.predict("2024-07-01", 7), check_exact=True)
