"""Outbound campaign KPIs from a dialling log (DOMAIN.md section 6).

Source: ``../shared/seeds/004_*.txt`` (外呼项目运营指标介绍). The log is one
row per dial attempt (:func:`wfm.kpi.inputs.validate_dials`). Each account
(customer record) takes the *best* outcome of its attempts, ranked
sale > completed > refused > invalid > callback > forwarded > no_answer >
busy: an account reached once is reached, a record found unusable and
never reached is invalid, the rest are unreachable (may be dialled again).

==========================  =================================================
KPI                         formula
==========================  =================================================
corruption_rate             unusable records / records in the list, where
                            unusable = ``unusable_in_list`` (screened out
                            before dialling) + accounts whose best outcome is
                            invalid; records in the list = ``list_size``
                            (default: accounts dialled + unusable_in_list)
valid_accounts              records in the list - unusable records
accounts_called             distinct accounts dialled
calls_made                  dial attempts (>= accounts called)
average_attempts            attempts on unreachable accounts / unreachable
                            accounts ("attempts per not-yet-reached account")
reachable_rate              reached accounts / valid accounts (reached
                            includes refusals)
completed_rate              completed accounts (completed or sale) / reached
hit_rate                    sales / completed accounts
completed_per_hour          completed accounts / productive (dialling) hours
sales_per_hour              sales / productive hours
aht_s                       (prep + talk + acw) / calls made
utilisation                 productive hours / paid hours
attendance                  hours actually worked / paid hours
==========================  =================================================

Hours come from :func:`outbound_hours` (state log over the roster):
productive = available + talk + hold + acw (dialling, waiting and handling;
the source's 外呼总时长 includes "处理总时长、等待总时长"), paid = scheduled
shift time, worked = logged-in time inside the shifts.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from wfm.kpi.inputs import OUTCOME_GROUPS
from wfm.kpi.terms import PRODUCTIVE_STATES

__all__ = ["OUTCOME_RANK", "account_outcomes", "outbound_hours", "outbound_kpis", "outbound_agent_kpis"]

#: Rank of outcomes: an account takes its highest-ranked attempt.
OUTCOME_RANK = {"busy": 0, "no_answer": 1, "forwarded": 2, "callback": 3, "invalid": 4,
                "refused": 5, "completed": 6, "sale": 7}


def _ratio(a, b):
    return float(a) / float(b) if b else float("nan")


def account_outcomes(dials: pd.DataFrame, by: Iterable[str] = ()) -> pd.DataFrame:
    """One row per account (and ``by`` group): ``attempts``, ``outcome`` (best),
    ``group`` (reached / unreachable / invalid), ``agent_id`` of the best
    attempt when the log has agents."""
    by = list(by)
    d = dials.assign(_rank=dials["outcome"].map(OUTCOME_RANK).to_numpy())
    keys = by + ["account_id"]
    attempts = d.groupby(keys, sort=True).size().rename("attempts")
    best = d.sort_values("_rank", kind="stable").drop_duplicates(keys, keep="last").set_index(keys)
    cols = ["outcome"] + (["agent_id"] if "agent_id" in d else [])
    out = best[cols].join(attempts).reset_index()
    out["group"] = out["outcome"].map(OUTCOME_GROUPS)
    return out.sort_values(keys).reset_index(drop=True)


def outbound_hours(timeline: pd.DataFrame, *, by: Iterable[str] = ("agent_id",)) -> pd.DataFrame:
    """Productive, paid and worked hours per group from an agent timeline:
    ``productive_h`` (available + talk + hold + acw), ``paid_h`` (scheduled
    shift time), ``worked_h`` (logged in during the shifts)."""
    from wfm.kpi.wfm_kpis import time_in_states

    t = time_in_states(timeline, by)
    out = t[list(by)].copy() if list(by) else pd.DataFrame(index=t.index)
    out["productive_h"] = t[[f"{s}_s" for s in PRODUCTIVE_STATES]].sum(axis=1) / 3600.0
    out["paid_h"] = t["scheduled_s"] / 3600.0
    out["worked_h"] = (t["scheduled_s"] - t["sched_logged_out_s"]) / 3600.0
    return out


def outbound_kpis(dials: pd.DataFrame, *, list_size: int | None = None, unusable_in_list: int = 0,
                  productive_h: float | None = None, paid_h: float | None = None,
                  worked_h: float | None = None, by: Iterable[str] = ()) -> pd.DataFrame:
    """Campaign KPIs (module docstring) for the whole log or per ``by`` group
    (e.g. ``("campaign",)``; ``list_size`` and the hours then apply to the
    whole log and are only used without grouping). Rates with a zero
    denominator are NaN; per-hour figures and utilisation/attendance are NaN
    when the hours are not given."""
    by = list(by)
    acc = account_outcomes(dials, by)

    def one(d: pd.DataFrame, a: pd.DataFrame, whole: bool) -> dict:
        called = len(a)
        invalid = int((a["group"] == "invalid").sum())
        unusable = invalid + (unusable_in_list if whole else 0)
        size = (list_size if (whole and list_size is not None) else called + (unusable_in_list if whole else 0))
        valid = size - unusable
        reached = int((a["group"] == "reached").sum())
        unreach = a[a["group"] == "unreachable"]
        completed = int(a["outcome"].isin(["completed", "sale"]).sum())
        sales = int((a["outcome"] == "sale").sum())
        handle = sum(d[c].sum() for c in ("prep_s", "talk_s", "acw_s") if c in d)
        ph = productive_h if whole else None
        row = {
            "list_size": size, "unusable": unusable, "corruption_rate": _ratio(unusable, size),
            "valid_accounts": valid, "accounts_called": called, "calls_made": len(d),
            "unreachable_accounts": len(unreach),
            "average_attempts": _ratio(unreach["attempts"].sum(), len(unreach)),
            "reached_accounts": reached, "reachable_rate": _ratio(reached, valid),
            "completed_accounts": completed, "completed_rate": _ratio(completed, reached),
            "sales": sales, "hit_rate": _ratio(sales, completed),
            "aht_s": _ratio(handle, len(d)) if any(c in d for c in ("prep_s", "talk_s", "acw_s")) else np.nan,
            "productive_h": ph if ph is not None else np.nan,
            "completed_per_hour": _ratio(completed, ph) if ph else np.nan,
            "sales_per_hour": _ratio(sales, ph) if ph else np.nan,
            "utilisation": _ratio(ph, paid_h) if (ph is not None and paid_h and whole) else np.nan,
            "attendance": _ratio(worked_h, paid_h) if (worked_h is not None and paid_h and whole) else np.nan,
        }
        return row

    if not by:
        return pd.DataFrame([one(dials, acc, True)])
    rows = []
    for key, d in dials.groupby(by, sort=True):
        key = key if isinstance(key, tuple) else (key,)
        mask = np.ones(len(acc), dtype=bool)
        for b, k in zip(by, key, strict=True):
            mask &= (acc[b] == k).to_numpy()
        rows.append({**dict(zip(by, key, strict=True)), **one(d, acc[mask], False)})
    return pd.DataFrame(rows)


def outbound_agent_kpis(dials: pd.DataFrame, hours: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per agent: ``calls_made``, ``accounts`` (accounts whose best attempt was
    the agent's), ``reached``, ``completed``, ``sales``, ``aht_s`` and, with
    ``hours`` (:func:`outbound_hours`), ``productive_h``, ``paid_h``,
    ``worked_h``, ``completed_per_hour``, ``sales_per_hour``,
    ``utilisation``, ``attendance``."""
    if "agent_id" not in dials:
        raise ValueError("the dialling log has no agent_id column")
    acc = account_outcomes(dials)
    calls = dials.groupby("agent_id").size().rename("calls_made")
    hcols = [c for c in ("prep_s", "talk_s", "acw_s") if c in dials]
    g = acc.groupby("agent_id")
    out = pd.DataFrame({
        "accounts": g.size(),
        "reached": g["group"].apply(lambda s: int((s == "reached").sum())),
        "completed": g["outcome"].apply(lambda s: int(s.isin(["completed", "sale"]).sum())),
        "sales": g["outcome"].apply(lambda s: int((s == "sale").sum())),
    })
    out = calls.to_frame().join(out, how="left").fillna(0)
    for c in ("accounts", "reached", "completed", "sales"):
        out[c] = out[c].astype(int)
    if hcols:
        handle = dials.assign(_h=dials[hcols].sum(axis=1)).groupby("agent_id")["_h"].sum()
        out["aht_s"] = handle.reindex(out.index) / out["calls_made"]
    out = out.reset_index().rename(columns={"index": "agent_id"})
    if hours is not None:
        out = out.merge(hours, on="agent_id", how="left")
        with np.errstate(divide="ignore", invalid="ignore"):
            ph = out["productive_h"].to_numpy(float)
            out["completed_per_hour"] = np.where(ph > 0, out["completed"] / np.where(ph > 0, ph, 1), np.nan)
            out["sales_per_hour"] = np.where(ph > 0, out["sales"] / np.where(ph > 0, ph, 1), np.nan)
            pd_ = out["paid_h"].to_numpy(float)
            out["utilisation"] = np.where(pd_ > 0, ph / np.where(pd_ > 0, pd_, 1), np.nan)
            out["attendance"] = np.where(pd_ > 0, out["worked_h"] / np.where(pd_ > 0, pd_, 1), np.nan)
    return out
