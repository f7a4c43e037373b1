"""Roster tables and how the roster is judged.

* :func:`coverage_from_roster`: net agents on the phones per interval,
  recomputed from the roster's own times (shift minus meal, breaks and
  activities), independent of the model's variables.
* :func:`judge_coverage`: per interval the requirement, the net scheduled
  agents and the service they give (``wfm.staffing.service_for_agents``).
  With several queues the pooled agents are split in proportion to each
  queue's requirement and the service is averaged weighted by offered.
* :func:`schedule_accuracy`: DOMAIN.md section 2, "scheduled vs
  required": 1 - sum|scheduled - required| / sum required over intervals.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from wfm.roster.demand import Horizon
from wfm.roster.table import Roster


def coverage_from_roster(roster: Roster, horizon: Horizon) -> np.ndarray:
    """Net agents on the phones per interval of ``horizon`` (shift time less
    meal, breaks and other activities, time-averaged over each interval),
    from the roster's own times, independent of the model's variables."""
    return roster.on_phone_agents(horizon.interval_starts, horizon.interval_min)


def roster_resolution_min(roster: Roster, horizon: Horizon) -> int:
    """The finest step on which the roster's agents on the phones stay
    constant inside every interval: the greatest common divisor of the
    interval length and of every shift and segment boundary's minute
    within its interval (15 where shifts start on the half hour and breaks
    last 15 minutes). At least 1 minute."""
    step = horizon.interval_min
    if roster.empty:
        return step
    t0 = horizon.start.value
    ns = np.concatenate([pd.DatetimeIndex(c).as_unit("ns").asi8 for c in (
        roster.shifts["shift_start"], roster.shifts["shift_end"], roster.segments["start"], roster.segments["end"])])
    rem = np.unique(((ns - t0) // 60_000_000_000) % step).astype(np.int64)
    return int(np.gcd.reduce(np.append(rem, step))) or step


def sub_interval_agents(roster: Roster, horizon: Horizon, resolution_min: int | None = None) -> np.ndarray:
    """Agents on the phones per interval and sub-interval of
    ``resolution_min`` minutes (default :func:`roster_resolution_min`):
    shape ``(n_intervals, interval_min // resolution_min)``."""
    res = resolution_min or roster_resolution_min(roster, horizon)
    m = horizon.interval_min // res
    starts = horizon.start + pd.to_timedelta(np.arange(horizon.n_intervals * m) * res, unit="min")
    return roster.on_phone_agents(starts, res).reshape(horizon.n_intervals, m)


def schedule_accuracy(scheduled: np.ndarray, required: np.ndarray) -> float:
    """Schedule accuracy of a plan (domain notes, section 2: scheduled staff
    against the staff the traffic needs), over intervals:
    ``max(0, 1 - sum|scheduled - required| / sum required)``; NaN without
    any requirement.

    Scheduled at expected attendance against the requirement, or scheduled
    against the requirement grossed up for absence: the two are the same
    figure (both sides scale by 1 - absence).
    """
    r = float(np.sum(required))
    if r <= 0:
        return float("nan")
    return max(0.0, 1.0 - float(np.sum(np.abs(np.asarray(scheduled) - np.asarray(required)))) / r)


#: Columns of the coverage table (:func:`judge_coverage`, ``coverage.csv``).
COVERAGE_COLUMNS = ("interval_start", "offered", "required_agents", "scheduled_agents", "expected_agents",
                    "short_agents", "service_level", "asa_s", "p_abandon", "occupancy", "service_method")


def judge_coverage(horizon: Horizon, net: np.ndarray, requirements: pd.DataFrame | None, *,
                   target_s: float = 20.0, model: str = "erlang-c", patience_s: float | None = None,
                   attendance: float = 1.0, sub_agents: np.ndarray | None = None) -> pd.DataFrame:
    """The service a roster gives, per interval of the horizon.

    ``net``: agents on the phones per interval (:func:`coverage_from_roster`);
    ``requirements``: the staffing table (``queue``, ``interval_start``,
    ``required_agents``, ``offered``, ``aht_s``), or None; ``attendance``:
    the share of scheduled agents expected to turn up (1 - unplanned absence).

    Returns :data:`COVERAGE_COLUMNS`: ``interval_start`` (tz-aware),
    ``offered`` (contacts), ``required_agents`` (the horizon's requirement,
    grossed up for absence when the roster was asked to cover it),
    ``scheduled_agents`` (net on the phones), ``expected_agents``
    (scheduled x attendance), ``short_agents`` (required - scheduled, >= 0),
    and the ``service_level``, ``asa_s`` (s), ``p_abandon`` and ``occupancy``
    the expected agents give (Erlang C or A through
    :func:`wfm.staffing.service_for_agents`; NaN without offered and AHT).
    With several queues the agents are split in proportion to each queue's
    requirement (the requirement is the sum of the queues' own) and the
    figures are averaged weighted by offered.

    ``sub_agents`` (:func:`sub_interval_agents`, shape ``(n_intervals, m)``):
    the agents on the phones in each of the interval's ``m`` equal
    sub-intervals. Each sub-interval is then judged at its own agents (the
    interval's arrival rate and AHT) and the interval's figures are the
    call-weighted means over its sub-intervals (calls arrive evenly): a
    15-minute break in a 30-minute interval costs what it costs in those 15
    minutes, not half of it spread over 30. Without it, each interval is
    judged at its average agents. ``service_method`` says which.
    """
    out = pd.DataFrame({
        "interval_start": horizon.interval_starts,
        "offered": np.nan,
        "required_agents": horizon.required,
        "scheduled_agents": np.round(net, 6),
        "expected_agents": np.round(np.asarray(net) * attendance, 6),
    })
    out["short_agents"] = np.round(np.maximum(horizon.required - net, 0.0), 6)
    for c in ("service_level", "asa_s", "p_abandon", "occupancy"):
        out[c] = np.nan
    out["service_method"] = ""
    if requirements is None or not {"offered", "aht_s"} <= set(requirements.columns):
        return out
    from wfm.staffing import service_for_agents

    step = horizon.interval_min
    idx = np.round(((requirements["interval_start"] - horizon.start).dt.total_seconds() / 60 / step).to_numpy()).astype(np.int64)
    inside = (idx >= 0) & (idx < horizon.n_intervals)
    rq = requirements.loc[inside].copy()
    idx = idx[inside]
    req_q = rq["required_agents"].to_numpy(float)
    tot = np.zeros(horizon.n_intervals)
    np.add.at(tot, idx, req_q)
    nq = np.zeros(horizon.n_intervals)
    np.add.at(nq, idx, 1.0)
    share = np.where(tot[idx] > 0, req_q / np.where(tot[idx] > 0, tot[idx], 1.0), 1.0 / nq[idx])
    if sub_agents is None:
        sub_agents = np.asarray(net, dtype=float)[:, None]
    m = sub_agents.shape[1]
    method = f"{model}, " + ("interval average" if m == 1 else f"{step // m}-min sub-intervals")
    out["service_method"] = method
    # one row per queue, interval and sub-interval (sub-interval fastest)
    idx_s = np.repeat(idx, m)
    agents = (sub_agents[idx] * attendance * share[:, None]).ravel()
    # a sub-interval of 1/m of the interval gets 1/m of its calls: the same load
    table = pd.DataFrame({"queue": np.repeat(rq["queue"].to_numpy(), m),
                          "interval_start": np.repeat(rq["interval_start"].to_numpy(), m),
                          "interval_min": step / m, "offered": np.repeat(rq["offered"].to_numpy(float), m) / m,
                          "aht_s": np.repeat(rq["aht_s"].to_numpy(float), m)})
    if "channel" in rq.columns:
        table["channel"] = np.repeat(rq["channel"].to_numpy(), m)
    # no offered contacts: service is perfect by convention; the staffing
    # module needs aht only where offered > 0
    table["aht_s"] = table["aht_s"].where(table["aht_s"] > 0, 1.0)
    sv = service_for_agents(table, np.maximum(agents, 0.0), target_s=target_s, model=model, patience_s=patience_s)
    w = table["offered"].to_numpy(float)
    offered = np.zeros(horizon.n_intervals)
    np.add.at(offered, idx_s, w)
    out["offered"] = offered
    # weights: calls for SL and abandonment, answered calls for ASA, agents for occupancy
    p_ab = sv["p_abandon"].to_numpy(float) if "p_abandon" in sv.columns else np.zeros(len(sv))
    weights = {"service_level": w, "p_abandon": w, "asa_s": w * (1.0 - np.nan_to_num(p_ab)),
               "occupancy": np.where(w > 0, agents, 0.0)}
    for c in ("service_level", "asa_s", "p_abandon", "occupancy"):
        v = sv[c].to_numpy(float) if c in sv.columns else np.full(len(sv), np.nan)
        wc = weights[c]
        num = np.zeros(horizon.n_intervals)
        den = np.zeros(horizon.n_intervals)
        ok = np.isfinite(v) & (wc > 0)
        np.add.at(num, idx_s[ok], v[ok] * wc[ok])
        np.add.at(den, idx_s[ok], wc[ok])
        res = np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)
        out[c] = res
    return out
