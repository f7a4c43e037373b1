"""Forecasting of interval volume and handle time (see wfm.forecast.models).

Public API::

    from wfm.forecast import (
        SeasonalNaive, WeekdayAverage, DailyProfile, SvdForecaster, Combination,
        FlatMean, AutoForecaster, make_model, MODELS,
        Forecaster, ModelState, QueueFit, Horizon, NotEnoughHistory,
        CalendarConfig, Event, DOUBLE_11, events_from_mapping,
        backtest, rolling_origins, select_models,
        save_model, load_model, plot_forecast, bank_calls,
        DayRisk, day_risk_table, day_volume_sd, prediction_bounds,
    )

All forecasters: ``Model(**params).fit(history) -> self``;
``.predict(start, days) -> interval table`` with ``offered``,
``offered_lower``/``offered_upper`` (80 % prediction interval, calibrated on a
rolling-origin backtest: :mod:`wfm.forecast.risk`), ``aht_s`` and ``open``
(every interval of the horizon has a row; closed ones are 0).
A new model is one subclass of :class:`Forecaster` (see :mod:`wfm.forecast.base`).
"""

from .backtest import BacktestResult, backtest, rolling_origins, select_models
from .base import Forecaster, Horizon, ModelState, NotEnoughHistory, QueueFit
from .calendar import DOUBLE_11, CalendarConfig, Event, events_from_mapping
from .datasets import bank_calls
from .models import (
    DEFAULT_CANDIDATES,
    MODELS,
    PREDICTION_COLUMNS,
    AutoForecaster,
    Combination,
    DailyProfile,
    FlatMean,
    SeasonalNaive,
    SvdForecaster,
    WeekdayAverage,
    make_model,
)
from .persist import load_model, save_model
from .plot import plot_forecast
from .risk import DayRisk, day_risk_table, day_volume_sd, pooled_day_volume_sd, prediction_bounds

__all__ = [
    "AutoForecaster",
    "BacktestResult",
    "CalendarConfig",
    "Combination",
    "DEFAULT_CANDIDATES",
    "DOUBLE_11",
    "DailyProfile",
    "DayRisk",
    "Event",
    "FlatMean",
    "Forecaster",
    "Horizon",
    "MODELS",
    "ModelState",
    "NotEnoughHistory",
    "PREDICTION_COLUMNS",
    "QueueFit",
    "SeasonalNaive",
    "SvdForecaster",
    "WeekdayAverage",
    "backtest",
    "bank_calls",
    "day_risk_table",
    "day_volume_sd",
    "events_from_mapping",
    "load_model",
    "make_model",
    "plot_forecast",
    "pooled_day_volume_sd",
    "prediction_bounds",
    "rolling_origins",
    "save_model",
    "select_models",
]
