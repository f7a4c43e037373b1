"""The end-to-end plan: a thin orchestrator over the science functions.

Like pvlib's ``ModelChain``, :class:`Plan` holds no formulas. It calls, in
order, ``wfm.intervals`` / ``wfm.sample`` (history), ``wfm.forecast`` (model
chosen per queue by rolling-origin backtest, then the horizon forecast),
``wfm.scenario.apply_overrides`` (the what-if), ``wfm.staffing`` (required
agents), ``wfm.roster`` (shift roster) and ``wfm.html_report``, and writes every
intermediate table so each step can be checked on its own.

Outputs (in the scenario's output folder, each written atomically):

=================  =========================================================
history.csv        the interval history the plan started from
backtest.csv       forecast accuracy per queue, model and level (interval,
                   day) over rolling origins, with the Poisson floor
cleaned_days.csv   days left out of forecast training, with the reason
forecast.csv       the horizon forecast: offered with its 80 % bounds, AHT
staffing.csv       per interval of the horizon: load, required and scheduled
                   agents, achieved service level, ASA, P(wait), P(abandon),
                   occupancy, binding target (after the scenario's overrides)
daily.csv          per queue and day: offered, agent-hours, service level
roster/            roster.csv, coverage.csv, summary.json (when rostered)
plan.xlsx          the views above as one Excel workbook (dates as Excel
                   dates in local time, the zone named in the `about` sheet)
kpi_summary.json   planned KPIs against the domain targets
report.html        the plan for people: plots and tables, self-contained
summary.json       the scenario and headline figures, with units
plan.log           what ran, with timings and notes
=================  =========================================================
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from wfm import __version__
from wfm.folder import staged_folder
from wfm.forecast.risk import pooled_day_volume_sd
from wfm.io import iso_timestamps, write_atomic, write_csv, write_json
from wfm.roster.coverage import schedule_accuracy
from wfm.roster.table import Roster
from wfm.scenario import Scenario, apply_overrides
from wfm.staffing import daily_staffing, offered_weighted_mean, required_agents

log = logging.getLogger("wfm.plan")

# The roster's service is simulated in every plan: replications and seed
# (common random numbers: what-ifs on the same horizon see the same calls).
SIMULATION_REPLICATIONS = 200
SIMULATION_SEED = 20251111


@dataclass(frozen=True)
class ForecastResult:
    """What the forecast step produced.

    ``forecast``: interval table of the horizon (offered, offered_lower,
    offered_upper, aht_s, model). ``backtest``: scores per queue, model and
    level (see :func:`wfm.forecast.backtest`). ``cleaned``: days left out of
    training and why. ``notes``: fallbacks and warnings. ``selected``: model
    per queue.
    """

    forecast: pd.DataFrame
    backtest: pd.DataFrame
    cleaned: pd.DataFrame
    notes: pd.DataFrame
    selected: dict


@dataclass(frozen=True)
class RosterOutputs:
    """What the roster step produced (see :func:`wfm.roster.build_roster`).

    ``roster``: the :class:`~wfm.roster.table.Roster`; ``coverage``: per
    interval the requirement the roster covers (required agents grossed up
    for absence), the scheduled agents net of breaks and meals, the agents
    expected to turn up (scheduled x (1 - absence)) and the service level,
    ASA, abandonment and occupancy those expected agents give
    (:func:`wfm.roster.coverage.judge_coverage`); ``agents``: per agent;
    ``pay``: per agent and month what the roster costs
    (:func:`wfm.kpi.pay.roster_cost`, the horizon as the pay period: part
    months paid by their worked days); ``cost``: those lines per contract
    (:func:`wfm.kpi.pay.cost_by_contract`); ``summary``: the solver's report;
    ``pay_days``: per agent and day the hours and rates HR pays
    (:func:`wfm.kpi.pay.pay_days`).
    """

    roster: Roster
    coverage: pd.DataFrame
    agents: pd.DataFrame
    violations: pd.DataFrame
    pay: pd.DataFrame
    cost: pd.DataFrame
    summary: dict
    pay_days: pd.DataFrame | None = None


@dataclass(frozen=True)
class PlanResult:
    """Tables a plan produced and where it wrote them."""

    scenario: Scenario
    history: pd.DataFrame
    forecast: ForecastResult
    staffing: pd.DataFrame
    daily: pd.DataFrame
    summary: dict
    out_dir: Path
    roster: object | None = None
    timings_s: dict = field(default_factory=dict)
    #: the roster's simulated service (:class:`wfm.simulate.SimulationResult`)
    service: object | None = None


class Plan:
    """Run the planning chain for one scenario into one folder."""

    def __init__(self, scenario: Scenario | None = None,
                 progress: Callable[[str], None] | None = None):
        self.scenario = scenario or Scenario()
        self.progress = progress or (lambda msg: None)

    # -- steps ---------------------------------------------------------------
    def load_history(self) -> pd.DataFrame:
        data = self.scenario.data
        if data.history == "sample":
            from wfm.sample import generate_history

            return generate_history(start=data.sample_start, days=data.sample_days,
                                    interval_min=data.interval_min or 30, seed=data.sample_seed, tz=data.time_zone)
        from wfm.intervals import read_intervals

        return read_intervals(data.history, tz=data.time_zone, interval_min=data.interval_min)

    def horizon_start(self, history: pd.DataFrame) -> dt.date:
        fc = self.scenario.forecast
        if fc.horizon_start:
            return dt.date.fromisoformat(fc.horizon_start)
        last = history["interval_start"].dt.tz_convert(self.scenario.data.time_zone).max()
        return last.date() + dt.timedelta(days=1)

    def forecast(self, history: pd.DataFrame) -> ForecastResult:
        from wfm.forecast import (
            AutoForecaster,
            CalendarConfig,
            backtest,
            events_from_mapping,
            make_model,
        )

        fc = self.scenario.forecast
        calendar = CalendarConfig(country=fc.holidays_country,
                                  events=events_from_mapping(fc.events, "event"))
        if fc.model == "auto":
            model = AutoForecaster(n_origins=fc.backtest_origins, train_weeks=fc.training_weeks,
                                   calendar=calendar).fit(history)
            scores = model.backtest_
            selected = dict(model.selected_)
        else:
            model = make_model(fc.model, calendar=calendar)
            scores = backtest(history, [model], n_origins=fc.backtest_origins,
                              train_weeks=fc.training_weeks).scores
            model.fit(history)
            selected = {q: fc.model for q in history["queue"].unique()}
        prediction = model.predict(self.horizon_start(history), days=7 * fc.horizon_weeks)
        return ForecastResult(prediction, scores, model.cleaned_, model.notes_, selected)

    def catalog(self):
        """The scenario's shift catalogue, with the scenario's monthly base
        pay on every contract (``[pay] base_monthly``): one contract model
        prices the roster in the solver, the cost and the KPIs."""
        from wfm.roster import load_catalog
        from wfm.roster.catalog import default_catalog_path

        r = self.scenario.roster
        catalog = load_catalog(default_catalog_path() if r.catalog == "bundled" else r.catalog)
        base = self.scenario.pay.base_monthly
        if any(ct.base_monthly != base for ct in catalog.contracts.values()):
            catalog = dataclasses.replace(catalog, contracts={
                k: dataclasses.replace(ct, base_monthly=base) for k, ct in catalog.contracts.items()})
        return catalog

    def roster(self, staffing: pd.DataFrame) -> RosterOutputs:
        """Roster the horizon for the staffing requirement (see :class:`RosterOutputs`)."""
        from wfm.kpi.pay import cost_by_contract, pay_days, roster_cost
        from wfm.roster import build_roster
        from wfm.roster.build import catalog_contract_key

        sc = self.scenario
        r = sc.roster
        catalog = self.catalog()
        headcount = {}
        for name, most in r.headcount.items():
            key = catalog_contract_key(catalog, name)
            if key is None:
                from wfm.errors import InputError, Problem

                raise InputError(Problem(sc.source or sc.name, None, f"roster.headcount.{name}",
                                         "unknown contract", ", ".join(
                                             f"{k} ({c.name})" for k, c in catalog.contracts.items())))
            headcount[key] = (0, int(most))
        svc = sc.service
        result = build_roster(
            staffing, catalog, weeks=r.weeks or sc.forecast.horizon_weeks,
            agents=r.agents, solver=r.solver, time_limit_s=r.time_limit_s, work_limit_s=r.work_limit_s,
            gap_rel=r.gap_rel,
            tz=sc.data.time_zone, headcount=headcount or None,
            contract_mix=r.contract_mix or None, target_s=svc.target_s,
            service_model=svc.model,
            patience_s=svc.patience_s if svc.model == "erlang-a" else None,
            previous_roster=r.previous_roster,
            # breaks and meals are placed by the roster; unplanned absence is
            # not, so the roster covers the requirement grossed up for it
            absence_rate=r.absence_shrinkage,
        )
        hz = result.horizon
        period = (hz.start.date(), hz.start.date() + dt.timedelta(days=hz.days - 1))
        pay = roster_cost(result.roster, catalog, period=period)
        names = result.roster.shifts.drop_duplicates("agent_id").set_index("agent_id")["name"]
        pay.insert(1, "name", pay["agent_id"].map(names).fillna(""))
        days = pay_days(result.roster, catalog)
        days.insert(1, "name", days["agent_id"].map(names).fillna(""))
        return RosterOutputs(result.roster, result.coverage, result.agents, result.violations, pay,
                             cost_by_contract(pay, catalog), result.summary, days)

    def limits(self, history: pd.DataFrame, fc: ForecastResult, roster: RosterOutputs | None) -> list[dict]:
        """What limited this plan, each ``{"kind", "message"}``: history
        shorter than the backtest needs, a queue forecast by a fallback model,
        a roster the wall clock cut (a rerun may differ), intervals left short
        and the head-count caps that would have to rise to close them. They
        go to ``summary.json["limits"]`` and, as warnings, to the progress
        stream (stderr for ``wfm plan``), not only to plan.log."""
        sc = self.scenario
        out = []
        days = history["interval_start"].dt.tz_convert(sc.data.time_zone).dt.date.nunique()
        need = 7 * (sc.forecast.backtest_origins + 1)
        if days < need:
            out.append({"kind": "short_history", "message": (
                f"the history holds {days} day(s); a backtest over {sc.forecast.backtest_origins} weekly "
                f"origin(s) needs at least {need} (a week to train on): the forecast and its accuracy rest on "
                "too little data")})
        notes = fc.notes
        if len(notes) and {"requested_model", "model"} <= set(notes.columns):
            # "auto" picking a model is no fallback; "fallback" in a note is
            fell = notes[(notes["requested_model"].astype(str) != notes["model"].astype(str))
                         & notes["message"].astype(str).str.contains("fallback")]
            for r in fell.drop_duplicates(["queue", "model"]).itertuples():
                out.append({"kind": "fallback_model", "message": (
                    f"queue {r.queue}: forecast by the fallback model {r.model} instead of {r.requested_model} "
                    f"({r.message})")})
        if len(notes) and "message" in notes.columns:
            for r in notes[notes["message"].astype(str).str.contains("prediction interval from in-sample")] \
                    .drop_duplicates("queue").itertuples():
                out.append({"kind": "risk_in_sample", "message": (
                    f"queue {r.queue}: {r.message}: the forecast's 80 % interval carries no measured day-level "
                    "risk, and the simulation draws none")})
        if roster is not None:
            s = roster.summary
            if s.get("repeatable") is False:
                out.append({"kind": "wall_clock", "message": (
                    "the roster search was ended by the wall-clock limit (roster.time_limit_s), not by its work "
                    "budget: a rerun may give another roster")})
            short = s.get("shortfall", {})
            if short.get("intervals_short"):
                cg = s.get("close_gap") or {}
                extra = {k: v for k, v in (cg.get("extra_headcount") or {}).items() if v}
                more = (", ".join(f"{v} more on {k}" for k, v in extra.items()) or "no more agents") \
                    if cg else "not estimated"
                out.append({"kind": "shortfall", "message": (
                    f"{short['intervals_short']} interval(s) short by {short['agent_hours_short']:,.1f} agent-hours; "
                    f"closing the gap would take {more}")})
                for cap in cg.get("caps_to_raise", []):
                    out.append({"kind": "headcount_cap", "message": (
                        f"the head-count cap of {cap['contract']} ({cap['max_headcount']}) binds: "
                        f"{cap['max_headcount_needed']} would close the gap; raise roster.headcount."
                        f"{cap['contract']} or the catalogue's max_headcount")})
        return out

    def simulate(self, roster: RosterOutputs, staffing: pd.DataFrame, forecast: pd.DataFrame | None = None):
        """The roster's service by simulation (:func:`wfm.simulate.simulate_roster`):
        the horizon's calls after the what-if (voice only: deferred work does
        not queue), the scenario's patience, target and absence allowance, and
        the forecast's own day-level volume risk (the sd of the log day factor
        its backtest measured, pooled over queues offered-weighted by
        :func:`wfm.forecast.pooled_day_volume_sd`)."""
        from wfm.simulate import simulate_roster

        sc = self.scenario
        svc = sc.service
        demand = staffing[staffing["channel"] == "voice"] if "channel" in staffing else staffing
        return simulate_roster(roster.roster, demand, replications=SIMULATION_REPLICATIONS, seed=SIMULATION_SEED,
                               absence_rate=sc.roster.absence_shrinkage,
                               patience_s=svc.patience_s if svc.model == "erlang-a" else None,
                               target_s=svc.target_s, day_volume_sd=pooled_day_volume_sd(forecast))

    def staff(self, intervals: pd.DataFrame) -> pd.DataFrame:
        svc = self.scenario.service
        return required_agents(
            apply_overrides(intervals, self.scenario.overrides), svc.targets(), model=svc.model,
            patience_s=svc.patience_s if svc.model == "erlang-a" else None,
            shrinkage=svc.shrinkage, min_agents=svc.min_agents,
        )

    # -- the chain -----------------------------------------------------------
    def run(self, out_dir: str | Path = "wfm-out/baseline") -> PlanResult:
        """Run the chain into ``out_dir``: the folder is replaced as a whole when
        the run completes (:func:`wfm.folder.staged_folder`), so it is always
        wholly the previous run or wholly this one."""
        from wfm.scenario import check_scenario

        # every key and every input file checked before the first step
        check_scenario(self.scenario)
        final = Path(out_dir)
        with staged_folder(final) as work:
            result = self._run(work)
        return dataclasses.replace(result, out_dir=final)

    def _run(self, out_dir: Path) -> PlanResult:
        timings: dict[str, float] = {}

        def step(name, fn, *args):
            self.progress(f"{name} ...")
            t0 = time.perf_counter()
            result = fn(*args)
            timings[name] = time.perf_counter() - t0
            log.info("%s: %.2f s", name, timings[name])
            return result

        history = step("history", self.load_history)
        fc = step("forecast", self.forecast, history)
        staffing = step("staffing", self.staff, fc.forecast)
        daily = daily_staffing(staffing)
        roster = step("roster", self.roster, staffing) if self.scenario.roster.enabled else None
        service = step("simulation", self.simulate, roster, staffing, fc.forecast) if roster is not None else None
        summary = self._summary(history, fc, staffing, timings, roster, service)
        summary["limits"] = self.limits(history, fc, roster)
        for lim in summary["limits"]:
            self.progress(f"warning: {lim['message']}")

        write_csv(iso_timestamps(history), out_dir / "history.csv")
        write_csv(fc.backtest, out_dir / "backtest.csv")
        write_csv(fc.cleaned, out_dir / "cleaned_days.csv")
        write_csv(iso_timestamps(fc.forecast), out_dir / "forecast.csv")
        write_csv(iso_timestamps(staffing), out_dir / "staffing.csv")
        write_csv(daily, out_dir / "daily.csv")
        if roster is not None:
            rdir = out_dir / "roster"
            write_csv(roster.roster.file_table(), rdir / "roster.csv")
            write_csv(iso_timestamps(roster.coverage), rdir / "coverage.csv")
            write_csv(roster.agents, rdir / "agents.csv")
            write_csv(roster.violations, rdir / "violations.csv")
            write_csv(roster.cost, rdir / "cost.csv")
            write_json(roster.summary, rdir / "summary.json")
            # for HR: pay per agent and month, hours per agent and day, a calendar per agent
            from wfm.export import write_icalendar

            write_csv(roster.pay, out_dir / "pay.csv")
            write_csv(roster.pay_days, out_dir / "pay_days.csv")
            write_icalendar(roster.roster, out_dir / "ics", calendar_name=f"Shifts ({self.scenario.name})")
        if service is not None:
            from wfm.simulate.outputs import write_simulation

            write_simulation(service, out_dir / "simulation", service=summary["service"])
        write_json(summary, out_dir / "summary.json")
        step("exports", self.write_exports, out_dir, fc, staffing, daily, roster, summary)
        step("report", self.write_report, out_dir, history, fc, staffing, summary, roster, None, service)
        self._write_log(out_dir, timings, fc)
        return PlanResult(self.scenario, history, fc, staffing, daily, summary, out_dir,
                          roster=roster, timings_s=timings, service=service)

    def write_exports(self, out_dir: Path, fc: ForecastResult, staffing, daily,
                      roster=None, summary: dict | None = None) -> None:
        """plan.xlsx (one sheet per view, for HR and planners) and kpi_summary.json."""
        from wfm.export import write_workbook
        from wfm.kpi.summary import plan_kpi_summary

        sheets = {"daily": daily, "staffing": staffing, "forecast": fc.forecast}
        if roster is not None:
            sheets.update(roster=roster.roster.file_table(), coverage=roster.coverage, agents=roster.agents,
                          cost=roster.cost, pay=roster.pay, pay_days=roster.pay_days)
        write_workbook(sheets, out_dir / "plan.xlsx", tz=self.scenario.data.time_zone,
                       title=f"wfm plan {self.scenario.name}",
                       notes={"scenario": self.scenario.name,
                              "description": self.scenario.description})
        from wfm.kpi.terms import TARGETS

        svc = self.scenario.service
        targets = dict(TARGETS)  # the domain's, with this scenario's service targets on top
        for key, op, goal in (("service_level", ">=", svc.service_level),
                              ("asa_s", "<=", svc.max_asa_s),
                              ("abandon_rate", "<=", svc.max_abandon)):
            if goal is None:
                targets.pop(key, None)
            else:
                targets[key] = (op, goal)
        kpis = plan_kpi_summary(staffing, None if roster is None else roster.roster,
                                coverage=None if roster is None else roster.coverage,
                                pay=None if roster is None else roster.pay, targets=targets,
                                service=None if summary is None else summary.get("service"))
        write_json(kpis, out_dir / "kpi_summary.json")

    def write_report(self, out_dir: Path, history, fc: ForecastResult, staffing, summary,
                     roster=None, comparison=None, service=None) -> Path:
        from wfm.html_report import ReportInputs, write_report

        sc = self.scenario
        inputs = ReportInputs(
            scenario=sc.name, description=sc.description, headline=summary["headline"],
            history=history, forecast=fc.forecast,
            coverage=getattr(roster, "coverage", None), roster=getattr(roster, "roster", None),
            cost=getattr(roster, "cost", None), service_target=sc.service.service_level,
            comparison=comparison, time_zone=sc.data.time_zone,
            service=summary.get("service"),
            simulated=None if service is None else service.intervals,
        )
        path = out_dir / "report.html"
        write_report(inputs, path)
        return path

    def _write_log(self, out_dir: Path, timings: dict, fc: ForecastResult) -> None:
        lines = [f"wfm {__version__} plan '{self.scenario.name}'"]
        lines += [f"{name}: {sec:.3f} s" for name, sec in timings.items()]
        lines += [f"forecast model for {q}: {m}" for q, m in fc.selected.items()]
        if len(fc.notes):
            lines += [f"note [{r.queue}]: {r.message}" for r in fc.notes.itertuples()]
        if len(fc.cleaned):
            lines.append(f"{len(fc.cleaned)} day(s) left out of forecast training "
                         "(see cleaned_days.csv)")
        if self.scenario.roster.enabled:
            from wfm.roster.model import highs_banner  # the solver's banner, kept off stdout

            lines += [f"solver: {line}" for line in highs_banner().splitlines() if line.strip()]
        text = "\n".join(lines) + "\n"
        write_atomic(out_dir / "plan.log", lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))

    def _summary(self, history, fc: ForecastResult, staffing, timings,
                 roster: RosterOutputs | None = None, service=None) -> dict:
        sc = self.scenario
        hours = staffing["interval_min"] / 60.0
        accuracy = {}
        if len(fc.backtest):
            sel = fc.backtest[fc.backtest["selected"].astype(bool)]
            for r in sel.itertuples():
                accuracy.setdefault(r.queue, {"model": r.model})[f"{r.level}_wape"] = float(r.wape)
                accuracy[r.queue][f"{r.level}_accuracy"] = float(r.accuracy)
                accuracy[r.queue][f"{r.level}_poisson_floor_wape"] = float(r.poisson_floor_wape)
        wapes = [a.get("interval_wape") for a in accuracy.values() if "interval_wape" in a]
        day_wapes = [a.get("day_wape") for a in accuracy.values() if "day_wape" in a]
        service_block = None
        headline = {}
        if service is not None:
            from wfm.simulate.outputs import service_summary

            service_block = service_summary(service, sc.service.targets())
            o = service_block["overall"]
            headline.update({
                "simulated_service_level": o["service_level"],
                "simulated_service_level_lo": o["service_level_ci95"][0],
                "simulated_service_level_hi": o["service_level_ci95"][1],
                "simulated_asa_s": o["asa_s"],
                "simulated_abandon_rate": o["abandon_rate"],
                "simulated_occupancy": o["occupancy"],
                "meets_targets": service_block["meets_targets"],
                "days_missing_targets": service_block["days_missing_targets"],
            })
        headline.update({
            "offered_contacts": float(staffing["offered"].sum()),
            "required_agent_hours": float((staffing["required_agents"] * hours).sum()),
            "scheduled_agent_hours": float((staffing["scheduled_agents"] * hours).sum()),
            "peak_scheduled_agents": int(staffing["scheduled_agents"].max()),
            "planned_service_level": offered_weighted_mean(staffing, "service_level"),
            "planned_asa_s": offered_weighted_mean(staffing, "asa_s"),
            "planned_abandon_rate": offered_weighted_mean(staffing, "p_abandon"),
            "planned_occupancy": offered_weighted_mean(staffing, "occupancy"),
            "forecast_interval_accuracy": 1 - float(np.mean(wapes)) if wapes else None,
            "forecast_day_accuracy": 1 - float(np.mean(day_wapes)) if day_wapes else None,
        })
        if roster is not None:
            cov = roster.coverage
            for r in roster.cost.itertuples():
                headline[f"agents_{r.contract}"] = int(r.agents)
            headline["agents_total"] = int(roster.cost["agents"].sum())
            headline["paid_hours"] = float(roster.cost["paid_hours"].sum())
            headline["cost_cny"] = float(roster.cost["cost"].sum())
            headline["rostered_service_level"] = offered_weighted_mean(cov, "service_level")
            headline["rostered_asa_s"] = offered_weighted_mean(cov, "asa_s")
            headline["rostered_abandon_rate"] = offered_weighted_mean(cov, "p_abandon")
            headline["understaffed_intervals"] = int((cov["short_agents"] > 1e-9).sum())
            accuracy = schedule_accuracy(cov["scheduled_agents"].to_numpy(float), cov["required_agents"].to_numpy(float))
            headline["schedule_accuracy"] = None if np.isnan(accuracy) else accuracy
            headline["roster_gap_to_bound"] = roster.summary.get("gap")
        tz = sc.data.time_zone
        return {
            "wfm_version": __version__,
            "scenario": sc.name,
            "description": sc.description,
            "config": json.loads(json.dumps(sc.to_dict(), default=str)),
            "queues": sorted(staffing["queue"].unique().tolist()),
            "history": {
                "first_interval": history["interval_start"].min().isoformat(),
                "last_interval": history["interval_start"].max().isoformat(),
            },
            "horizon": {
                "first_interval": staffing["interval_start"].min().isoformat(),
                "last_interval": staffing["interval_start"].max().isoformat(),
                "time_zone": tz,
            },
            "intervals": int(len(staffing)),
            # intervals the forecast expects contacts in (closed ones are in the tables with 0)
            "open_intervals": int(staffing["open"].sum()) if "open" in staffing else int(len(staffing)),
            "forecast_models": fc.selected,
            "forecast_backtest": accuracy,
            "headline": headline,
            **headline,
            "binding_targets": staffing["binding_target"].value_counts().to_dict(),
            "service": service_block,
            "roster": None if roster is None else {
                **{k: roster.summary.get(k) for k in ("status", "objective", "lp_bound", "best_bound", "gap",
                                                      "work_s", "work_limit_s", "repeatable",
                                                      "shortfall", "close_gap")
                   if k in roster.summary},
                # Whether the solver proved the roster within roster.gap_rel of
                # its bound; otherwise the deterministic work budget ended it
                # (or, when "repeatable" is false, the wall-clock safety net).
                "ended_on_gap": roster.summary.get("status") == "optimal",
                "rule_violations": int(len(roster.violations)),
            },
            "units": {
                "agent_hours": "agent-hours (agents x hours)",
                "asa_s": "seconds",
                "rates": "fractions of offered contacts (service level, abandonment, occupancy)",
                "accuracy": "1 - WAPE over rolling-origin backtests (selected model)",
            },
            "timings_s": {name: round(sec, 3) for name, sec in timings.items()},
        }
