"""KPI report: every measure the inputs allow, as named views plus a summary
checked against the domain targets. Orchestration only: the formulas live in
:mod:`wfm.kpi.wfm_kpis`, :mod:`wfm.kpi.pay`, :mod:`wfm.kpi.scorecard` and
:mod:`wfm.kpi.outbound`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd

from wfm import DEFAULT_TZ
from wfm.kpi import outbound as ob
from wfm.kpi import pay as pay_mod
from wfm.kpi import scorecard as sc
from wfm.kpi import wfm_kpis as K
from wfm.kpi.terms import TARGETS
from wfm.kpi.timeline import build_timeline

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
    from wfm.roster.table import as_roster

    views: dict[str, pd.DataFrame] = {}
    head: dict[str, float | None] = {}
    given_roster = roster
    if roster is not None:
        roster = as_roster(roster, contracts=contracts)
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
        views["roster"] = given_roster if isinstance(given_roster, pd.DataFrame) else roster.file_table()
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


def plan_kpi_summary(staffing: pd.DataFrame, roster=None, *, coverage: pd.DataFrame | None = None,
                     pay: pd.DataFrame | None = None, catalog=None, targets: Mapping | None = None,
                     service: dict | None = None) -> dict:
    """Planned KPIs for ``wfm plan`` against the targets.

    ``service``: the roster's simulated service (the ``"service"`` block of
    :func:`wfm.simulate.outputs.service_summary`). When given, it leads:
    ``simulated`` holds its overall figures with their 95 % intervals, and
    its checks come first in ``targets`` (``basis`` "simulated roster");
    the requirement's own figures follow (``basis`` "requirement").

    ``planned``: the requirement's service (offered-weighted over the
    staffing table, :func:`wfm.staffing.offered_weighted_mean`). With a
    roster: its fit to what it was asked to cover (the coverage table of
    :func:`wfm.roster.coverage.judge_coverage`: on-phone and required
    agent-hours, agent-hours short and the schedule accuracy,
    :func:`wfm.roster.coverage.schedule_accuracy`), the service the agents
    expected to turn up give (offered-weighted over the coverage), its pay
    hours and its cost (:func:`wfm.kpi.pay.roster_cost`).

    ``staffing``: :func:`wfm.staffing.required_agents` output; ``roster``: a
    :class:`wfm.roster.table.Roster` (or roster table); ``coverage``: its
    coverage (default: judged here against the staffing requirement, at full
    attendance); ``pay``: its :func:`~wfm.kpi.pay.roster_cost` lines
    (default: computed with ``catalog``, the bundled one if None);
    ``targets``: KPI -> (operator, goal), e.g. a scenario's own service
    targets; default the domain targets (:data:`wfm.kpi.terms.TARGETS`).
    """
    from wfm.roster.coverage import schedule_accuracy
    from wfm.roster.table import as_roster
    from wfm.staffing import offered_weighted_mean

    head = {"service_level": offered_weighted_mean(staffing, "service_level"),
            "asa_s": offered_weighted_mean(staffing, "asa_s"),
            "abandon_rate": offered_weighted_mean(staffing, "p_abandon")}
    goals = targets if targets is not None else TARGETS
    out = {}
    checks = []
    if service is not None:
        o = service["overall"]
        sim = {"service_level": o["service_level"], "asa_s": o["asa_s"], "abandon_rate": o["abandon_rate"]}
        out["simulated"] = {**sim, "service_level_ci95": o["service_level_ci95"], "asa_s_ci95": o["asa_s_ci95"],
                            "abandon_rate_ci95": o["abandon_rate_ci95"], "replications": service["replications"],
                            "absence_rate": service["absence_rate"],
                            "days_missing_targets": service["days_missing_targets"]}
        checks += [{**c, "basis": "simulated roster"} for c in check_targets(sim, goals)]
    out["planned"] = head
    out["targets"] = checks + [{**c, "basis": "requirement"} for c in check_targets(head, goals)]
    if roster is None or not len(roster):
        return out
    roster = as_roster(roster)
    if coverage is None:
        per = staffing.groupby("interval_start", sort=True).agg(
            interval_min=("interval_min", "first"), required_agents=("required_agents", "sum")).reset_index()
        net = roster.on_phone_agents(per["interval_start"], per["interval_min"].to_numpy())
        coverage = pd.DataFrame({"interval_start": per["interval_start"], "interval_min": per["interval_min"],
                                 "required_agents": per["required_agents"].to_numpy(float), "scheduled_agents": net,
                                 "short_agents": np.maximum(per["required_agents"].to_numpy(float) - net, 0.0)})
    step_h = (coverage["interval_min"].to_numpy(float) if "interval_min" in coverage else
              np.full(len(coverage), float(staffing["interval_min"].iloc[0]))) / 60.0
    if pay is None:
        pay = pay_mod.roster_cost(roster, catalog)
    acc = schedule_accuracy(coverage["scheduled_agents"].to_numpy(float), coverage["required_agents"].to_numpy(float))
    acc = None if np.isnan(acc) else acc
    out["roster"] = {
        "agents": int(roster.shifts["agent_id"].nunique()), "shifts": int(len(roster)),
        "rostered_on_phone_agent_hours": float((coverage["scheduled_agents"].to_numpy(float) * step_h).sum()),
        "required_agent_hours": float((coverage["required_agents"].to_numpy(float) * step_h).sum()),
        "short_agent_hours": float((coverage["short_agents"].to_numpy(float) * step_h).sum()),
        "schedule_accuracy": acc,
        "paid_hours": float(roster.shifts["paid_hours"].sum()),
        "overtime_hours": float(pay["overtime_h"].sum()),
        "holiday_hours": float(pay["holiday_h"].sum()),
        "roster_cost_cny": float(sum(Decimal(str(c)) for c in pay["cost"])),
    }
    rostered = {"service_level": offered_weighted_mean(coverage, "service_level"),
                "asa_s": offered_weighted_mean(coverage, "asa_s"),
                "abandon_rate": offered_weighted_mean(coverage, "p_abandon")}
    if any(v is not None for v in rostered.values()):
        out["rostered"] = rostered
    out["targets"] += [{**c, "basis": "roster"} for c in check_targets({"schedule_accuracy": acc})]
    return out
