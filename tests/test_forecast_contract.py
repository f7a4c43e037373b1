"""The forecaster contract: a model defined here, in the test file only, runs
through make_model, fit, predict, backtest, combination, auto, save and load.

(No ``from __future__ import annotations``: the state's annotations are real
types, as a user's model would have them in a notebook.)
"""

import dataclasses
import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from wfm.errors import ARGUMENT, InputError
from wfm.forecast import (
    MODELS,
    PREDICTION_COLUMNS,
    AutoForecaster,
    CalendarConfig,
    Combination,
    Forecaster,
    ModelState,
    WeekdayAverage,
    backtest,
    load_model,
    make_model,
    save_model,
)
from wfm.forecast.base import check_integer, require_per_weekday, weekday_table
from wfm.sample import generate_history

DATA = Path(__file__).parent / "data"
NO_CALENDAR = CalendarConfig(country=None, post_holiday_days=0)


@pytest.fixture(scope="module")
def history():
    return generate_history(start="2025-06-09", days=42, seed=5, queues=("hotline", "email"), events={}, country=None)


@pytest.fixture
def recent_median():
    """A model that exists only in this test: per weekday and interval, the
    median of the last ``weeks`` clean same-weekday days."""

    class RecentMedian(Forecaster):
        name = "test_recent_median"

        def __init__(self, weeks=3, **common):
            super().__init__(**common)
            self.weeks = weeks

        @dataclasses.dataclass(frozen=True, eq=False)
        class State(ModelState):
            median_day: pd.DataFrame
            days_used: tuple[int, ...]
            last_clean: dt.date
            log_sigma: float

        def check_params(self):
            return super().check_params() + check_integer("weeks", self.weeks)

        def fit_state(self, prepared):
            require_per_weekday(prepared, self.weeks, self.name)
            med = np.full((7, prepared.Y.shape[1]), np.nan)
            used = [0] * 7
            for w in prepared.qh.open_weekdays:
                idx = np.where(prepared.clean & (prepared.weekdays == w))[0][-self.weeks:]
                med[w] = np.median(prepared.Y[idx], axis=0)
                used[w] = len(idx)
            last = prepared.qh.dates[np.where(prepared.clean)[0][-1]].date()
            return self.State(weekday_table(med, prepared.qh.slots), tuple(used), last, 0.05)

        @classmethod
        def predict_state(cls, state, horizon):
            m = state.median_day.to_numpy(float)[horizon.weekdays]
            return np.nan_to_num(m), np.full(len(m), state.log_sigma)

    yield RecentMedian
    MODELS.pop(RecentMedian.name)


def _expected_median(history, queue, day, weeks):
    """The same figure straight from the interval table: median over the last
    ``weeks`` same-weekday days, interval by interval."""
    h = history[history["queue"] == queue]
    loc = h["interval_start"].dt.tz_localize(None)
    same = sorted({d for d in loc.dt.date if d.weekday() == day.weekday()})[-weeks:]
    rows = h[loc.dt.date.isin(same)]
    return rows.groupby(loc[rows.index].dt.strftime("%H:%M"))["offered"].median()


def test_new_model_is_registered_and_keeps_its_parameters(recent_median):
    mdl = make_model("test_recent_median", weeks=2, calendar=NO_CALENDAR)
    assert type(mdl) is recent_median and MODELS["test_recent_median"] is recent_median
    params = mdl.get_params()
    assert params["weeks"] == 2 and params["calendar"] is NO_CALENDAR and params["pi_level"] == 0.8
    twin = mdl.clone()
    assert type(twin) is recent_median and twin is not mdl and twin.get_params() == params
    assert not hasattr(twin, "queues_")


def test_new_model_fits_predicts_backtests_and_round_trips(recent_median, history, tmp_path):
    mdl = make_model("test_recent_median", weeks=3, calendar=NO_CALENDAR)
    assert mdl.fit(history) is mdl
    assert set(mdl.queues_) == {"hotline", "email"}
    fit = mdl.queues_["hotline"]
    assert fit.model == fit.requested_model == "test_recent_median"
    assert isinstance(fit.state, recent_median.State)
    with pytest.raises(dataclasses.FrozenInstanceError):
        fit.state.log_sigma = 1.0
    fc = mdl.predict("2025-07-21", 7)
    assert list(fc.columns) == PREDICTION_COLUMNS and set(fc["model"]) == {"test_recent_median"}
    for queue in ("hotline", "email"):
        for day in (dt.date(2025, 7, 21), dt.date(2025, 7, 26)):  # a Monday, a Saturday
            got = fc[(fc["queue"] == queue) & (fc["interval_start"].dt.tz_localize(None).dt.date == day)]
            want = _expected_median(history, queue, day, 3)
            got = got.set_index(got["interval_start"].dt.strftime("%H:%M"))["offered"]
            assert len(got) > 0
            np.testing.assert_allclose(got.to_numpy(), want.loc[got.index].to_numpy(), rtol=1e-12)
            # closed intervals (no contacts in the history) are not forecast
            assert (want.drop(got.index) == 0).all()
    assert (fc["offered_lower"] <= fc["offered"]).all() and (fc["offered"] <= fc["offered_upper"]).all()

    res = backtest(history, [mdl], n_origins=2)
    sc = res.scores[res.scores["level"] == "interval"]
    assert set(sc["model"]) == {"test_recent_median"} and len(sc) == 2
    assert set(res.points["used_model"]) == {"test_recent_median"}

    save_model(mdl, tmp_path / "m")
    doc = json.loads((tmp_path / "m" / "model.json").read_text())
    assert doc["model"] == "test_recent_median" and doc["params"]["weeks"] == 3
    back = load_model(tmp_path / "m")
    assert type(back) is recent_median
    state = back.queues_["hotline"].state
    assert isinstance(state, recent_median.State)
    assert state.days_used == fit.state.days_used and isinstance(state.days_used, tuple)
    assert state.last_clean == fit.state.last_clean and isinstance(state.last_clean, dt.date)
    pd.testing.assert_frame_equal(back.predict("2025-07-21", 7), fc, check_exact=True)


def test_new_model_joins_combination_and_auto(recent_median, history):
    combo = Combination(members=["test_recent_median", WeekdayAverage(weeks=2)], weights=[3, 1],
                        calendar=NO_CALENDAR).fit(history)
    own = make_model("test_recent_median", calendar=NO_CALENDAR).fit(history).predict("2025-07-21", 7)
    avg = WeekdayAverage(weeks=2, calendar=NO_CALENDAR).fit(history).predict("2025-07-21", 7)
    got = combo.predict("2025-07-21", 7)
    np.testing.assert_allclose(got["offered"], 0.75 * own["offered"] + 0.25 * avg["offered"], rtol=1e-12)
    auto = AutoForecaster(candidates=["test_recent_median", "seasonal_naive"], n_origins=2,
                          calendar=NO_CALENDAR).fit(history)
    assert set(auto.backtest_["model"]) == {"test_recent_median", "seasonal_naive"}
    assert set(auto.selected_.values()) <= {"test_recent_median", "seasonal_naive"}


def test_new_model_falls_back_and_validates_in_fit(recent_median, history):
    mdl = make_model("test_recent_median", weeks=10, calendar=NO_CALENDAR)  # 6 weeks of history
    fc = mdl.fit(history).predict("2025-07-21", 7)
    assert set(fc["model"]) == {"weekday_avg"}
    assert any("test_recent_median not used" in m and "fallback weekday_avg" in m for m in mdl.notes_["message"])
    bad = make_model("test_recent_median", weeks=0, pi_level=1.5)  # constructing never fails
    assert bad.get_params()["weeks"] == 0
    with pytest.raises(InputError) as err:
        bad.fit(history)
    assert {(p.file, p.column) for p in err.value.problems} == {(ARGUMENT, "weeks"), (ARGUMENT, "pi_level")}


def test_parameters_are_returned_as_given_and_checked_in_fit(history):
    members = ("svd", WeekdayAverage(weeks=2))
    combo = Combination(members=members, weights=(1, 2))
    p = combo.get_params()
    assert p["members"] is members and p["weights"] == (1, 2) and p["calendar"] is None
    assert Combination(**p).get_params() == p
    for model, argument in ((WeekdayAverage(weeks=1.5), "weeks"), (make_model("daily_ses", method="loess"), "method"),
                            (make_model("svd", transform="cube"), "transform"), (Combination(members=["prophet"]), "members"),
                            (Combination(weights=[1]), "weights"), (AutoForecaster(candidates=["auto"]), "candidates"),
                            (make_model("flat_mean", calendar="CN"), "calendar")):
        with pytest.raises(InputError) as err:
            model.fit(history)
        assert [(q.file, q.column) for q in err.value.problems] == [(ARGUMENT, argument)], model
    with pytest.raises(InputError) as err:
        make_model("prophet")
    assert err.value.problems[0].column == "name"
    fitted = make_model("weekday_avg").fit(history)
    for kw, argument in (({"days": 0}, "days"), ({"start": "someday"}, "start"), ({"start": "2025-07-01"}, "start")):
        with pytest.raises(InputError) as err:
            fitted.predict(**{"start": "2025-07-21", "days": 7, **kw})
        assert err.value.problems[0].file == ARGUMENT and err.value.problems[0].column == argument


def test_model_saved_by_format_version_1_still_predicts_the_same():
    """tests/data/forecast_model_v1 was written by the code before the typed
    states (a combination of svd and daily_ses on a 5-week sample history),
    with the prediction it gave."""
    mdl = load_model(DATA / "forecast_model_v1")
    assert isinstance(mdl, Combination) and json.loads((DATA / "forecast_model_v1" / "model.json").read_text())["format_version"] == 1
    fc = mdl.predict("2025-07-07", 4)
    expected = (DATA / "forecast_model_v1_prediction.csv").read_text()
    old = expected.splitlines()[0].split(",")
    # the intervals it forecast then, to the last digit; the closed ones, added since, at 0
    assert fc[fc["open"]][old].to_csv(index=False, float_format="%.17g") == expected
    shut = fc[~fc["open"]]
    assert len(fc) == 4 * 48 and (shut[["offered", "offered_lower", "offered_upper"]] == 0).all().all()
    assert mdl.queues_["hotline"].risk is None and mdl.get_params()["risk_origins"] == 8
