"""KPI report: every measure the inputs allow, as named views plus a summary
checked against the domain targets. Orchestration only: the formulas live in
:mod:`wfm.kpi.wfm_kpis`, :mod:`wfm.kpi.pay`, :mod:`wfm.kpi.scorecard` and
:mod:`wfm.kpi.outbound`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from wfm import DEFAULT_TZ
from wfm.kpi import outbound as ob
from wfm.kpi import pay as pay_mod
from wfm.kpi import scorecard as sc
from wfm.kpi import wfm_kpis as K
from wfm.kpi.terms import TARGETS
from wfm.kpi.timeline import build_timeline, roster_coverage

__all__ = ["KpiReport", "kpi_report", "write_kpi_report", "check_targets", "plan_kpi_summary"]


@dataclass(frozen=True)
class KpiReport:
    """Views (name -> DataFrame, in display order) and a JSON-ready summary."""

    views: dict[str, pd.DataFrame] = field(default_factory=dict)
    summary: dict = field(default_factory=dict)


def _f(x):
    if x is None:
        return None
    x = float(x)
    return None if not np.isfinite(x) else x


def check_targets(values: Mapping[str, float | None], targets: Mapping = TARGETS) -> list[dict]:
    """``[{kpi, value, target, met}]`` for each KPI of ``values`` with a target
    (``att_s`` is checked against both ends of its 2-3.5 min band)."""
    rows = []
    for k, v in values.items():
        v = _f(v)
        keys = ["att_s_min", "att_s_max"] if k == "att_s" else [k]
        for t in keys:
            if t not in targets:
                continue
            op, goal = targets[t]
            met = None if v is None else {">=": v >= goal, "<=": v <= goal, "<": v < goal,
                                          ">": v > goal}[op]
            rows.append({"kpi": k, "value": v, "target": f"{op} {goal:g}", "met": met})
    return rows


def kpi_report(*, state_log=None, roster=None, results=None, forecasts=None, leave=None, agents=None,
               dials=None, tolerance_min: float = 5.0, adherence_threshold: float = 0.95,
               targets=None, model: str = "erlang-c", patience_s: float | None = None,
               level: str = "day", lead_days: int = 0, scheme: sc.Scheme | None = None,
               sl_method: str = "offered", overtime_grace_min: float = 0.0,
               list_size: int | None = None, unusable_in_list: int = 0,
               contracts=None) -> KpiReport:
    """Compute every KPI the given (validated) inputs allow.

    Views: ``agents`` (per agent: adherence, conformance, utilisation,
    occupancy, not-ready + break ratio, shrinkage), ``agent_days``,
    ``teams`` (with a team column), ``attendance`` (per shift),
    ``scorecard``, ``pay`` (hours and money per agent and month),
    ``service_daily`` / ``service_intervals`` (results), ``forecast_accuracy``,
    ``staffing_accuracy``, ``schedule_accuracy``, ``accuracy_summary``
    (forecasts + results [+ roster]), ``outbound`` / ``outbound_agents``
    (dials), ``roster``. ``summary``: headline figures and the target check.
    ``contracts``: pay terms of contracts other than 5-on-2 and 1-on-1
    (:func:`wfm.kpi.pay.contract_terms_from_catalog`).
    """
    views: dict[str, pd.DataFrame] = {}
    head: dict[str, float | None] = {}
    tl = None
    if state_log is not None or roster is not None:
        tl = build_timeline(state_log, roster)
    if tl is not None and state_log is not None:
        team = ["team"] if "team" in tl else []
        per_agent = K.agent_kpis(tl, by=["agent_id"] + team, tolerance_min=tolerance_min)
        views["agents"] = per_agent
        views["agent_days"] = K.agent_kpis(tl, by=["agent_id", "work_date"], tolerance_min=tolerance_min)
        if team:
            views["teams"] = K.agent_kpis(tl, by=team, tolerance_min=tolerance_min)
        centre = K.agent_kpis(tl, by=[], tolerance_min=tolerance_min).iloc[0]
        share = K.share_adhering(per_agent, threshold=adherence_threshold)
        head.update({
            "share_adhering": share["share_adhering"].iat[0],
            "adherence": centre["adherence"], "conformance": centre["conformance"],
            "utilisation": centre["utilisation"], "occupancy": centre["occupancy"],
            "not_ready_break_ratio": centre["not_ready_break_ratio"], "shrinkage": centre["shrinkage"],
        })
        if roster is not None:
            att = K.attendance_events(tl, roster, leave)
            views["attendance"] = att
            kp = sc.with_full_month(sc.scorecard_kpis(per_agent, att), agents)
            views["scorecard"] = sc.score_agents(kp, scheme)
    if roster is not None:
        hours = pay_mod.pay_hours(roster, tl if state_log is not None else None, leave,
                                  overtime_grace_min=overtime_grace_min, contracts=contracts)
        bonus = None
        if "scorecard" in views:
            bonus = dict(zip(views["scorecard"]["agent_id"], views["scorecard"]["bonus"], strict=True))
        views["pay"] = pay_mod.payroll(hours, agents, bonus=bonus, contracts=contracts)
        head["overtime_h"] = float(hours["overtime_h"].sum())
        head["gross_pay"] = float(views["pay"]["gross_pay"].sum())
    if results is not None:
        daily = K.service_kpis(results, by=("queue", "date"), sl_method=sl_method)
        views["service_daily"] = daily
        views["service_intervals"] = K.service_kpis(results, by=("queue", "interval"), sl_method=sl_method)
        tot = K.service_kpis(results, by=(), sl_method=sl_method).iloc[0]
        for k in ("service_level", "asa_s", "abandon_rate", "aht_s", "att_s", "acw_s"):
            if k in tot:
                head[k] = tot[k]
    if results is not None and forecasts is not None:
        fa = K.forecast_accuracy(forecasts, results, level=level, lead_days=lead_days)
        views["forecast_accuracy"] = fa
        summ = [K.summarise_accuracy(fa, name="volume")]
        sa = K.staffing_forecast_accuracy(forecasts, results, targets=targets, model=model,
                                          patience_s=patience_s, level=level, lead_days=lead_days)
        views["staffing_accuracy"] = sa
        ss = K.summarise_accuracy(sa, forecast="forecast_agent_hours", actual="actual_agent_hours",
                                  name="staffing")
        summ.append(ss)
        all_v = summ[0][summ[0]["queue"] == "(all)"].iloc[0]
        head["volume_accuracy"] = all_v["volume_accuracy"]
        if "aht_accuracy" in all_v:
            head["aht_accuracy"] = all_v["aht_accuracy"]
        head["staffing_accuracy"] = ss[ss["queue"] == "(all)"]["staffing_accuracy"].iat[0]
        views["accuracy_summary"] = pd.concat(summ, ignore_index=True)
    if results is not None and roster is not None:
        sch = K.schedule_forecast_accuracy(roster, results, targets=targets, model=model,
                                           patience_s=patience_s, level=level)
        views["schedule_accuracy"] = sch
        s2 = K.summarise_accuracy(sch, forecast="forecast_agent_hours", actual="actual_agent_hours",
                                  name="schedule", by=())
        head["schedule_accuracy"] = s2["schedule_accuracy"].iat[0]
    if dials is not None:
        hrs = ob.outbound_hours(tl, by=[]).iloc[0] if (tl is not None and state_log is not None) else None
        kw = {}
        if hrs is not None:
            kw = {"productive_h": hrs["productive_h"], "paid_h": hrs["paid_h"], "worked_h": hrs["worked_h"]}
        views["outbound"] = ob.outbound_kpis(dials, list_size=list_size, unusable_in_list=unusable_in_list, **kw)
        if "agent_id" in dials:
            h = ob.outbound_hours(tl) if (tl is not None and state_log is not None) else None
            views["outbound_agents"] = ob.outbound_agent_kpis(dials, h)
    if roster is not None:
        views["roster"] = roster
    summary = {
        "headline": {k: _f(v) for k, v in head.items()},
        "targets": check_targets(head),
        "settings": {"adherence_tolerance_min": tolerance_min, "adherence_threshold": adherence_threshold,
                     "accuracy_level": level, "sl_method": sl_method, "staffing_model": model},
        "units": {"ratios": "fractions (0.9 = 90 %)", "times": "seconds", "hours": "hours",
                  "money": "CNY, half-up to the cent"},
    }
    return KpiReport(views, summary)


def write_kpi_report(report: KpiReport, out_dir, *, tz: str = DEFAULT_TZ,
                     workbook: str = "kpi_report.xlsx", summary: str = "kpi_summary.json",
                     csv: bool = True) -> list[Path]:
    """Write a :class:`KpiReport` into ``out_dir``: the workbook (a ``summary``
    sheet of the target check, then one sheet per view), one ``kpi_<view>.csv``
    per view (``csv``) and the JSON summary. Views too long for an Excel sheet
    go to CSV only. Timestamps are shown in ``tz``. Returns the paths written."""
    from wfm.export import write_csv, write_workbook
    from wfm.io import write_json

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    sheets = {"summary": pd.DataFrame(report.summary.get("targets", []))}
    sheets.update({k: v for k, v in report.views.items() if len(v) < 1_048_575})
    paths.append(write_workbook(sheets, out / workbook, tz=tz,
                                notes={"ratios": "fractions: 0.9 = 90 %", "money": "CNY"}))
    if csv:
        for name, v in report.views.items():
            paths.append(write_csv(v, out / f"kpi_{name}.csv"))
    paths.append(write_json(report.summary, out / summary))
    return paths


def plan_kpi_summary(staffing: pd.DataFrame, roster: pd.DataFrame | None = None, *,
                     agents: pd.DataFrame | None = None, targets: Mapping | None = None) -> dict:
    """Planned KPIs for ``wfm plan``: planned service figures (offered-weighted
    from the staffing table) against the domain targets and, with a roster,
    its fit to the requirement (schedule accuracy of the plan: rostered
    on-phone agent-hours vs required, per day), its pay hours and its cost
    (each shift at the contract's daily rate plus overtime and holiday pay,
    CNY).

    ``staffing``: :func:`wfm.staffing.required_agents` output;
    ``roster``: canonical roster (:func:`wfm.kpi.inputs.validate_roster`);
    ``targets``: KPI -> (operator, goal), e.g. a scenario's own service
    targets; defaults to the domain targets (:data:`wfm.kpi.terms.TARGETS`).
    """
    s = staffing
    open_ = s[s["offered"] > 0]
    w = open_["offered"].to_numpy(float)

    def wmean(col):
        if col not in open_:
            return None
        v = open_[col].replace([np.inf, -np.inf], np.nan).to_numpy(float)
        ok = np.isfinite(v)
        return float((v[ok] * w[ok]).sum() / w[ok].sum()) if ok.any() and w[ok].sum() > 0 else None

    head = {"service_level": wmean("service_level"), "asa_s": wmean("asa_s"),
            "abandon_rate": wmean("p_abandon")}
    out = {"planned": head, "targets": check_targets(head, targets if targets is not None else TARGETS)}
    if roster is not None and len(roster):
        per = s.groupby("interval_start", sort=True).agg(interval_min=("interval_min", "first"),
                                                         required_agents=("required_agents", "sum")).reset_index()
        cov = roster_coverage(roster, per["interval_start"], per["interval_min"].to_numpy())
        h = per["interval_min"].to_numpy(float) / 60.0
        req_h = float((per["required_agents"].to_numpy(float) * h).sum())
        cov_h = float((cov * h).sum())
        t = pd.DataFrame({"day": K.period_key(per["interval_start"], "day"),
                          "f": cov * h, "a": per["required_agents"].to_numpy(float) * h})
        d = t.groupby("day").sum()
        acc = float(max(0.0, 1 - np.abs(d["f"] - d["a"]).sum() / d["a"].sum())) if d["a"].sum() > 0 else None
        short = float((np.maximum(per["required_agents"].to_numpy(float) - cov, 0) * h).sum())
        hours = pay_mod.pay_hours(roster)
        money = pay_mod.payroll(hours, agents)
        # the roster's cost: each shift at the daily rate (as the roster catalogue prices it)
        # plus overtime and holiday premiums; monthly base pay is not prorated here
        shift_cost = [float(pay_mod.round_cents(pay_mod.daily_rate(b, c) * n)) if c else 0.0
                      for b, c, n in zip(money["base_pay"], hours["contract"], hours["shifts"], strict=True)]
        cost = sum(shift_cost) + float(money["overtime_pay"].fillna(0).sum()) + \
            float(money["holiday_pay"].fillna(0).sum())
        out["roster"] = {
            "agents": int(roster["agent_id"].nunique()), "shifts": int(len(roster)),
            "rostered_on_phone_agent_hours": cov_h, "required_agent_hours": req_h,
            "short_agent_hours": short, "schedule_fit_accuracy_daily": acc,
            "paid_hours": float(hours["scheduled_h"].sum()),
            "overtime_hours": float(hours["overtime_h"].sum()),
            "holiday_hours": float(hours["holiday_h"].sum()),
            "roster_cost_cny": round(cost, 2),
        }
        out["targets"] += check_targets({"schedule_accuracy": acc})
    return out
