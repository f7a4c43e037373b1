"""`wfm forecast ...`: backtest, fit, predict and plot interval forecasts.

    wfm forecast backtest INPUT -o SCORES.csv [--models a,b,...] [--origins 4] [--risk-origins 8]
    wfm forecast fit INPUT -o MODEL_DIR [--model auto|NAME] [--risk-origins 8]
    wfm forecast predict MODEL_DIR --start DATE --days N -o FORECAST.csv
    wfm forecast plot INPUT -o PLOT.png [--model NAME] [--days 7]

INPUT is an interval table (CSV, Excel or Parquet; see wfm.intervals); AHT is
optional. Days removed from training (missing, holidays, events, outliers ...)
and model fallbacks are always printed. The prediction interval is calibrated
on a rolling-origin backtest of ``--risk-origins`` weeks (wfm.forecast.risk);
``fit`` prints the day-level risk it found per queue.
"""

from __future__ import annotations

import datetime as dt

import click
import pandas as pd

from wfm.cli.options import (
    TABLE_SUFFIXES,
    Bad,
    Choice,
    CommandGroup,
    Date,
    InputFile,
    InputFolder,
    IntervalMinutes,
    Number,
    OutputFile,
    OutputFolder,
    Text,
    Whole,
    tz_option,
)
from wfm.errors import InputError, Problem, argument_problem, did_you_mean
from wfm.forecast.backtest import SCORE_COLUMNS, backtest
from wfm.forecast.calendar import CalendarConfig, Event
from wfm.forecast.history import queue_histories
from wfm.forecast.models import DEFAULT_CANDIDATES, MODELS, make_model
from wfm.forecast.persist import load_model, save_model
from wfm.forecast.plot import plot_forecast
from wfm.forecast.risk import DEFAULT_RISK_ORIGINS, day_risk_table
from wfm.io import write_csv

MODEL_NAMES = sorted(set(MODELS) | {"auto"})


def _read(path: str, tz: str, interval_min: int | None) -> pd.DataFrame:
    from wfm.intervals import read_intervals

    return read_intervals(path, tz=tz, interval_min=interval_min, require_aht=False)


_INPUT = InputFile("an interval table (CSV, Excel or Parquet)", TABLE_SUFFIXES)
_EVENT_EXPECTED = "MM-DD:UPLIFT[:NAME[:DAYS]] or YYYY-MM-DD:UPLIFT[:NAME[:DAYS]], e.g. 11-11:2.5:Double-11"


class EventSpec(click.ParamType):
    """``--event``: a calendar event (:meth:`wfm.forecast.calendar.Event.parse`),
    its uplift a number > 0 and <= 100 (or auto), 1 to 60 days, a printable name."""

    name = "event"

    def convert(self, value, param, ctx):
        if isinstance(value, Event):
            return value
        try:
            ev = Event.parse(str(value))
        except InputError:
            raise Bad(f"cannot read event {str(value)!r}", _EVENT_EXPECTED) from None
        if ev.uplift is not None and not 0 < ev.uplift <= 100:  # also catches inf
            raise Bad(f"event {str(value)!r}: uplift {ev.uplift:g}", "an uplift > 0 and <= 100, or auto")
        if not 1 <= ev.days <= 60:
            raise Bad(f"event {str(value)!r}: {ev.days} days", "1 to 60 days")
        if any(ord(c) < 32 or ord(c) == 127 for c in ev.name):
            raise Bad(f"event {str(value)!r}: the name holds a control character", "a printable name")
        return ev


class Country(click.ParamType):
    """``--country``: a country with a public-holiday calendar, or none."""

    name = "country"

    def convert(self, value, param, ctx):
        text = str(value).strip()
        if text.lower() in ("", "none", "-"):
            return None
        import holidays

        known = holidays.list_supported_countries()
        if text.upper() not in known:
            raise Bad(f"no public-holiday calendar for {text!r}{did_you_mean(text, sorted(known))}",
                      "an ISO 3166 country code such as CN, US, GB, or none")
        return text.upper()


class ModelList(click.ParamType):
    """``--models``: comma-separated names of forecast models."""

    name = "models"

    def convert(self, value, param, ctx):
        names = [x.strip() for x in str(value).split(",") if x.strip()]
        known = [n for n in sorted(MODELS) if n != "auto"]
        bad = [n for n in names if n not in known]
        if bad or not names:
            raise Bad(f"unknown model(s) {', '.join(bad) or '(none given)'}{did_you_mean(bad[0], known) if bad else ''}",
                      "names from " + ", ".join(known))
        return ",".join(names)


def _calendar(country, events, post_holiday_days, month_start_days, month_end_days, holiday_factor) -> CalendarConfig:
    return CalendarConfig(
        country=country,
        events=tuple(events),
        post_holiday_days=post_holiday_days,
        month_start_days=month_start_days,
        month_end_days=month_end_days,
        holiday_factor_default=holiday_factor,
    )


def risk_option(f):
    return click.option("--risk-origins", type=Whole(ge=0, le=200), default=DEFAULT_RISK_ORIGINS, show_default=True,
                        help="backtest origins that calibrate the prediction interval (0: in-sample errors only)")(f)


def input_options(f):
    opts = [
        tz_option(),
        click.option("--interval-min", type=IntervalMinutes(), default=None,
                     help="interval length, minutes (default: inferred)"),
    ]
    for o in reversed(opts):
        f = o(f)
    return f


def calendar_options(f):
    opts = [
        click.option("--country", type=Country(), default="CN", show_default=True,
                     help="public-holiday calendar (ISO code; 'none' for none)"),
        click.option("--event", "events", multiple=True, type=EventSpec(), metavar="MM-DD:UPLIFT[:NAME[:DAYS]]",
                     help="user event, e.g. 11-11:2.5:Double-11 (UPLIFT 'auto' = estimate from history); repeatable"),
        click.option("--post-holiday-days", type=Whole(ge=0, le=10), default=2, show_default=True,
                     help="open days after a holiday with their own factor"),
        click.option("--month-start-days", type=Whole(ge=0, le=10), default=0, show_default=True,
                     help="first open days of each month with their own factor"),
        click.option("--month-end-days", type=Whole(ge=0, le=10), default=0, show_default=True,
                     help="last open days of each month with their own factor"),
        click.option("--holiday-factor", type=Number(ge=0, le=100), default=1.0, show_default=True,
                     help="holiday factor when the history has no open holiday"),
    ]
    for o in reversed(opts):
        f = o(f)
    return f


def _cal_from(kw) -> CalendarConfig:
    return _calendar(
        kw.pop("country"), kw.pop("events"), kw.pop("post_holiday_days"), kw.pop("month_start_days"),
        kw.pop("month_end_days"), kw.pop("holiday_factor"),
    )


def _echo_cleaned(cleaned: pd.DataFrame) -> None:
    if cleaned is None or len(cleaned) == 0:
        click.echo("cleaned from training: none")
        return
    click.echo(f"cleaned from training ({len(cleaned)} day(s)):")
    for r in cleaned.itertuples(index=False):
        off = "" if pd.isna(r.offered) else f" [{r.offered:.0f} offered]"
        click.echo(f"  {r.queue} {r.date} {r.weekday} {r.reason}: {r.detail}{off}")


def _echo_notes(notes: pd.DataFrame) -> None:
    if notes is None or len(notes) == 0:
        return
    for r in notes.itertuples(index=False):
        click.echo(f"note: {r.queue}: {r.message}")


def _report_cleaning(history: pd.DataFrame, cal: CalendarConfig) -> None:
    tmpl = make_model("weekday_avg", calendar=cal)
    cleaned = [tmpl.prepare(qh).cleaned for qh in queue_histories(history).values()]
    _echo_cleaned(pd.concat(cleaned, ignore_index=True))


def _model_list(text: str | None) -> list[str]:
    return list(DEFAULT_CANDIDATES) if not text else text.split(",")


@click.group("forecast", cls=CommandGroup)
def forecast():
    """Forecast interval volume and handle time; backtest and select models."""


_COLUMNS = (("INPUT (interval table)", "wfm.intervals:INTERVALS"),)


@forecast.command("backtest", columns=_COLUMNS)
@click.argument("input_path", metavar="INPUT", type=_INPUT)
@click.option("-o", "--output", required=True, type=OutputFile((".csv",)), help="scores CSV")
@click.option("--models", type=ModelList(), default=None,
              help="comma-separated model names [default: " + ",".join(DEFAULT_CANDIDATES) + "]")
@click.option("--origins", type=Whole(ge=1, le=200), default=4, show_default=True, help="weekly origins")
@click.option("--horizon-days", type=Whole(ge=1, le=366), default=7, show_default=True)
@click.option("--train-weeks", type=Whole(ge=1, le=520), default=16, show_default=True, help="training window")
@risk_option
@input_options
@calendar_options
def backtest_cmd(input_path, output, models, origins, horizon_days, train_weeks, risk_origins, tz, interval_min, **kw):
    """Rolling-origin backtest: one row per queue, model and level (interval, day);
    ``coverage``: the share inside the calibrated 80 % prediction interval."""
    cal = _cal_from(kw)
    hist = _read(input_path, tz, interval_min)
    _report_cleaning(hist, cal)
    mdl = [make_model(n, calendar=cal, risk_origins=risk_origins) for n in _model_list(models)]
    res = backtest(hist, mdl, n_origins=origins, horizon_days=horizon_days, train_weeks=train_weeks)
    if len(res.scores) == 0:
        raise InputError(
            Problem(input_path, None, None, "history too short for any backtest origin",
                    f"at least 7 days of training plus {horizon_days} days to test")
        )
    write_csv(res.scores[SCORE_COLUMNS], output)
    for r in res.scores[res.scores["fallbacks"] != ""].drop_duplicates(["queue", "model"]).itertuples(index=False):
        click.echo(f"note: {r.queue}: {r.model} fell back to {r.fallbacks}")
    iv = res.scores[res.scores["level"] == "interval"]
    dy = res.scores[res.scores["level"] == "day"].set_index(["queue", "model"])
    click.echo(f"{'queue':12s} {'model':16s} {'int WAPE':>9s} {'day WAPE':>9s} {'floor':>7s} "
               f"{'PI cov':>7s} {'day cov':>7s} {'s/origin':>9s}")
    for r in iv.itertuples(index=False):
        mark = " *selected" if r.selected else ""
        day = dy.loc[(r.queue, r.model)]
        click.echo(
            f"{r.queue:12s} {r.model:16s} {r.wape:9.2%} {day['wape']:9.2%} "
            f"{r.poisson_floor_wape:7.2%} {r.coverage:7.1%} {day['coverage']:7.1%} {r.fit_predict_s:9.3f}{mark}"
        )
    click.echo(f"scores -> {output}")


@forecast.command("fit", columns=_COLUMNS)
@click.argument("input_path", metavar="INPUT", type=_INPUT)
@click.option("-o", "--output", required=True, type=OutputFolder(), help="model directory")
@click.option("--model", "model_name", default="auto", show_default=True, type=Choice(MODEL_NAMES),
              help="model, or auto = pick per queue by backtest")
@click.option("--origins", type=Whole(ge=1, le=200), default=4, show_default=True, help="backtest origins for auto")
@click.option("--train-weeks", type=Whole(ge=1, le=520), default=16, show_default=True, help="backtest window for auto")
@risk_option
@input_options
@calendar_options
def fit_cmd(input_path, output, model_name, origins, train_weeks, risk_origins, tz, interval_min, **kw):
    """Fit a model on the whole history and save it as readable files."""
    cal = _cal_from(kw)
    hist = _read(input_path, tz, interval_min)
    if model_name == "auto":
        mdl = make_model("auto", calendar=cal, n_origins=origins, train_weeks=train_weeks, risk_origins=risk_origins)
    else:
        mdl = make_model(model_name, calendar=cal, risk_origins=risk_origins)
    mdl.fit(hist)
    _echo_cleaned(mdl.cleaned_)
    _echo_notes(mdl.notes_)
    save_model(mdl, output)
    risk = day_risk_table(mdl).set_index("queue")
    for q, rec in mdl.queues_.items():
        r = risk.loc[q]
        click.echo(f"{q}: {rec.model} (history {rec.first_date} .. {rec.last_date}, {rec.clean_days} clean days); "
                   f"day factor log-sd {r['log_sd']:.3f}, log-mean {r['log_mean']:+.3f} ({r['source']}"
                   + (f", {int(r['days'])} days over {int(r['origins'])} origins)" if r["source"] == "backtest" else ")"))
    click.echo(f"model -> {output}")


@forecast.command("predict")
@click.argument("model_dir", metavar="MODEL_DIR",
                type=InputFolder("a model folder written by `wfm forecast fit`", "model.json"))
@click.option("--start", required=True, type=Date(), help="first forecast date, YYYY-MM-DD")
@click.option("--days", type=Whole(ge=1, le=366), default=7, show_default=True)
@click.option("-o", "--output", required=True, type=OutputFile((".csv",)), help="forecast CSV")
def predict_cmd(model_dir, start, days, output):
    """Forecast N days from START with a saved model (interval table CSV)."""
    start_d = dt.date.fromisoformat(start)
    mdl = load_model(model_dir)
    fc = mdl.predict(start_d, days)
    write_csv(fc, output)
    click.echo(f"{len(fc)} intervals ({int(fc['open'].sum())} open), {fc['offered'].sum():.0f} contacts "
               f"({int(mdl.pi_level * 100)} % prediction interval in offered_lower/offered_upper) -> {output}")


@forecast.command("plot", columns=_COLUMNS)
@click.argument("input_path", metavar="INPUT", type=_INPUT)
@click.option("-o", "--output", required=True, type=OutputFile((".png",)), help="PNG file")
@click.option("--model", "model_name", default="combination", show_default=True, type=Choice(MODEL_NAMES))
@click.option("--days", type=Whole(ge=1, le=60), default=7, show_default=True,
              help="hold out the last N days, fit on the rest, plot forecast vs actuals")
@click.option("--queue", type=Text("a queue name of INPUT"), default=None, help="plot one queue only")
@input_options
@calendar_options
def plot_cmd(input_path, output, model_name, days, queue, tz, interval_min, **kw):
    """PNG of the forecast against actuals over the last N days of INPUT."""
    cal = _cal_from(kw)
    hist = _read(input_path, tz, interval_min)
    if queue is not None:
        queues = sorted(hist["queue"].unique())
        hist = hist[hist["queue"] == queue]
        if len(hist) == 0:
            raise InputError(argument_problem("queue", f"no rows for queue {queue!r} in {input_path}"
                                              f"{did_you_mean(queue, queues)}", "one of " + ", ".join(queues)))
    local = hist["interval_start"].dt.tz_localize(None).dt.date
    cut = local.max() - dt.timedelta(days=days)
    train = hist[local <= cut]
    if len(train) == 0:
        raise InputError(Problem(input_path, None, None, f"no history before the last {days} day(s)", "a longer history"))
    mdl = make_model(model_name, calendar=cal).fit(train)
    _echo_cleaned(mdl.cleaned_)
    _echo_notes(mdl.notes_)
    fc = mdl.predict(cut + dt.timedelta(days=1), days)
    plot_forecast(fc, output, actual=hist[local > cut], title=f"{model_name}: last {days} day(s) held out")
    click.echo(f"plot -> {output}")
