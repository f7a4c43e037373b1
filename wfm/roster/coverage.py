"""Roster tables and how the roster is judged.

* :func:`roster_table`: one row per worked shift with ISO 8601 timestamps.
* :func:`coverage_from_roster`: net agents on the phones per interval,
  recomputed from the roster's own timestamps (shift minus meal and breaks,
  minute by minute), independent of the model's variables.
* :func:`judge_coverage`: per interval the requirement, the net scheduled
  agents and the service they give (``wfm.staffing.service_for_agents``).
  With several queues the pooled agents are split in proportion to each
  queue's requirement and the service is averaged weighted by offered.
* :func:`schedule_accuracy`: ../shared/domain.md section 2, "scheduled vs
  required": 1 - sum|scheduled - required| / sum required over intervals.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from wfm.roster.demand import Horizon


def _iso(ts: pd.Timestamp) -> str:
    return ts.isoformat()


def roster_table(model, assignment, agents: dict, horizon: Horizon) -> pd.DataFrame:
    """One row per shift: agent_id, name, contract, date, shift_type,
    shift_start, shift_end, meal_start, meal_end, breaks ("start/end;..."),
    paid_hours. Sorted by agent and start."""
    rows = []
    cat = model.cat
    for s in assignment.shifts:
        o = model.options[s["option"]]
        st = cat.shift_types[o.shift_type]
        start = horizon.timestamp(o.start_min)
        end = horizon.timestamp(o.end_min)
        meal_s = meal_e = ""
        brs = []
        for j, u in s["breaks"]:
            rule = st.breaks[j]
            a, b = horizon.timestamp(u), horizon.timestamp(u + rule.length_min)
            if rule.is_meal and not meal_s:
                meal_s, meal_e = _iso(a), _iso(b)
            else:
                brs.append(f"{_iso(a)}/{_iso(b)}")
        ag = agents[s["agent_id"]]
        rows.append({
            "agent_id": ag.id, "name": ag.name, "contract": o.contract, "date": start.date().isoformat(),
            "shift_type": o.shift_type, "shift_start": _iso(start), "shift_end": _iso(end),
            "meal_start": meal_s, "meal_end": meal_e, "breaks": ";".join(brs),
            "paid_hours": (o.length_min - st.unpaid_min()) / 60,
            "_start_min": o.start_min,
        })
    cols = ["agent_id", "name", "contract", "date", "shift_type", "shift_start", "shift_end",
            "meal_start", "meal_end", "breaks", "paid_hours"]
    if not rows:
        return pd.DataFrame(columns=cols)
    df = pd.DataFrame(rows).sort_values(["agent_id", "_start_min"], kind="stable").reset_index(drop=True)
    return df[cols]


def _minutes(col: pd.Series, start: pd.Timestamp) -> np.ndarray:
    ts = pd.to_datetime(col, utc=True, format="ISO8601")
    return ((ts - start.tz_convert("UTC")).dt.total_seconds() / 60).to_numpy()


def coverage_from_roster(roster: pd.DataFrame, horizon: Horizon) -> np.ndarray:
    """Net agents on the phones per interval, from the roster's timestamps."""
    step, n = horizon.interval_min, horizon.n_intervals
    total = n * step
    occ = np.zeros(total + 1)

    def add(a: np.ndarray, b: np.ndarray, sign: float):
        a = np.clip(np.round(a).astype(np.int64), 0, total)
        b = np.clip(np.round(b).astype(np.int64), 0, total)
        np.add.at(occ, a, sign)
        np.add.at(occ, b, -sign)

    if len(roster):
        add(_minutes(roster["shift_start"], horizon.start), _minutes(roster["shift_end"], horizon.start), 1.0)
        has_meal = roster["meal_start"].astype(str).str.len() > 0
        if has_meal.any():
            sub = roster[has_meal]
            add(_minutes(sub["meal_start"], horizon.start), _minutes(sub["meal_end"], horizon.start), -1.0)
        parts = [p for cell in roster["breaks"].astype(str) for p in cell.split(";") if p and p != "nan"]
        if parts:
            a = pd.Series([p.split("/")[0] for p in parts])
            b = pd.Series([p.split("/")[1] for p in parts])
            add(_minutes(a, horizon.start), _minutes(b, horizon.start), -1.0)
    per_minute = np.cumsum(occ)[:total]
    return per_minute.reshape(n, step).mean(axis=1)


def schedule_accuracy(scheduled: np.ndarray, required: np.ndarray) -> float:
    """1 - sum|scheduled - required| / sum required (domain.md section 2)."""
    r = float(np.sum(required))
    if r <= 0:
        return float("nan")
    return 1.0 - float(np.sum(np.abs(np.asarray(scheduled) - np.asarray(required)))) / r


def judge_coverage(horizon: Horizon, net: np.ndarray, requirements: pd.DataFrame | None, *,
                   target_s: float = 20.0, model: str = "erlang-c", patience_s: float | None = None) -> pd.DataFrame:
    """coverage.csv: interval_start, required_agents, scheduled_agents (net),
    short_agents, service_level, asa_s, p_abandon (NaN without offered/aht)."""
    out = pd.DataFrame({
        "interval_start": [t.isoformat() for t in horizon.interval_starts],
        "required_agents": horizon.required,
        "scheduled_agents": np.round(net, 6),
    })
    out["short_agents"] = np.round(np.maximum(horizon.required - net, 0.0), 6)
    for c in ("service_level", "asa_s", "p_abandon"):
        out[c] = np.nan
    if requirements is None or not {"offered", "aht_s"} <= set(requirements.columns):
        return out
    from wfm.staffing import service_for_agents  # lazily: the staffing module is the lead's

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
    agents = net[idx] * share
    table = pd.DataFrame({"queue": rq["queue"].to_numpy(), "interval_start": rq["interval_start"].to_numpy(),
                          "interval_min": step, "offered": rq["offered"].to_numpy(float),
                          "aht_s": rq["aht_s"].to_numpy(float)})
    if "channel" in rq.columns:
        table["channel"] = rq["channel"].to_numpy()
    # no offered contacts: service is perfect by convention; the staffing
    # module needs aht only where offered > 0
    table["aht_s"] = table["aht_s"].where(table["aht_s"] > 0, 1.0)
    sv = service_for_agents(table, np.maximum(agents, 0.0), target_s=target_s, model=model, patience_s=patience_s)
    w = table["offered"].to_numpy(float)
    for c in ("service_level", "asa_s", "p_abandon"):
        v = sv[c].to_numpy(float) if c in sv.columns else np.full(len(sv), np.nan)
        num = np.zeros(horizon.n_intervals)
        den = np.zeros(horizon.n_intervals)
        ok = np.isfinite(v)
        np.add.at(num, idx[ok], (v * w)[ok])
        np.add.at(den, idx[ok], w[ok])
        res = np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)
        out[c] = res
    return out
