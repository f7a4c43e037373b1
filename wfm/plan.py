"""The end-to-end plan: a thin orchestrator over the science functions.

Like pvlib's ``ModelChain``, :class:`Plan` holds no formulas; it calls
``wfm.intervals`` (read and validate), ``wfm.sample`` (bundled history),
``wfm.staffing`` (required agents) in order and writes every intermediate
table, so each step can be checked on its own. Later steps (forecast,
roster, KPIs, exports) slot into :meth:`Plan.run` the same way.

Outputs (all under the output folder, each written atomically):

================  ==========================================================
history.csv       the interval history the plan started from
staffing.csv      per queue and interval: load, required and scheduled agents,
                  achieved service level, ASA, P(wait), P(abandon), occupancy
daily.csv         per queue and day: offered, required / scheduled agent-hours,
                  offered-weighted service level, intervals short of target
summary.json      the configuration and headline figures
plan.log          what ran, with timings
================  ==========================================================
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from wfm import __version__
from wfm.io import iso_timestamps, write_atomic, write_csv, write_json
from wfm.scenario import Scenario, apply_overrides
from wfm.staffing import required_agents

log = logging.getLogger("wfm.plan")


@dataclass(frozen=True)
class PlanResult:
    """Tables a plan produced and where it wrote them."""

    scenario: Scenario
    history: pd.DataFrame
    staffing: pd.DataFrame
    daily: pd.DataFrame
    summary: dict
    out_dir: Path


def daily_staffing(staffing: pd.DataFrame) -> pd.DataFrame:
    """Per queue and local day: offered, agent-hours and offered-weighted service.

    ``required_agent_hours = sum(required_agents * interval_min) / 60``; the
    day's service level is the offered-weighted mean of the interval figures
    (the share of the day's calls answered within target).
    """
    s = staffing.assign(
        date=staffing["interval_start"].dt.date,
        hours=staffing["interval_min"] / 60.0,
        weighted_sl=staffing["service_level"].fillna(1.0) * staffing["offered"],
    )
    s["required_agent_hours"] = s["required_agents"] * s["hours"]
    s["scheduled_agent_hours"] = s["scheduled_agents"] * s["hours"]
    g = s.groupby(["queue", "date"], sort=True)
    out = g.agg(
        offered=("offered", "sum"),
        required_agent_hours=("required_agent_hours", "sum"),
        scheduled_agent_hours=("scheduled_agent_hours", "sum"),
        peak_scheduled_agents=("scheduled_agents", "max"),
        weighted_sl=("weighted_sl", "sum"),
    ).reset_index()
    with np.errstate(invalid="ignore", divide="ignore"):
        out["service_level"] = np.where(out["offered"] > 0, out["weighted_sl"] / out["offered"], 1.0)
    return out.drop(columns="weighted_sl")


class Plan:
    """Run the planning chain for one scenario into one folder."""

    def __init__(self, scenario: Scenario | None = None):
        self.scenario = scenario or Scenario()

    def load_history(self) -> pd.DataFrame:
        data = self.scenario.data
        if data.history == "sample":
            from wfm.sample import generate_history

            return generate_history(start=data.sample_start, days=data.sample_days,
                                    seed=data.sample_seed, tz=data.time_zone)
        from wfm.intervals import read_intervals

        return read_intervals(data.history, tz=data.time_zone, interval_min=data.interval_min)

    def staff(self, intervals: pd.DataFrame) -> pd.DataFrame:
        svc = self.scenario.service
        return required_agents(
            apply_overrides(intervals, self.scenario.overrides), svc.targets(), model=svc.model,
            patience_s=svc.patience_s if svc.model == "erlang-a" else None,
            shrinkage=svc.shrinkage, min_agents=svc.min_agents,
        )

    def run(self, out_dir: str | Path = "wfm-out") -> PlanResult:
        out_dir = Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        steps: list[tuple[str, float]] = []

        def timed(name, fn, *args):
            t0 = time.perf_counter()
            result = fn(*args)
            steps.append((name, time.perf_counter() - t0))
            log.info("%s: %.2f s", name, steps[-1][1])
            return result

        history = timed("history", self.load_history)
        staffing = timed("staffing", self.staff, history)
        daily = daily_staffing(staffing)
        summary = self._summary(history, staffing, steps)

        write_csv(iso_timestamps(history), out_dir / "history.csv")
        write_csv(iso_timestamps(staffing), out_dir / "staffing.csv")
        write_csv(daily, out_dir / "daily.csv")
        write_json(summary, out_dir / "summary.json")
        log_text = "".join(f"{name}: {sec:.3f} s\n" for name, sec in steps)
        write_atomic(out_dir / "plan.log", lambda tmp: Path(tmp).write_text(
            f"wfm {__version__} plan '{self.scenario.name}'\n{log_text}", encoding="utf-8"))
        return PlanResult(self.scenario, history, staffing, daily, summary, out_dir)

    def _summary(self, history, staffing, steps) -> dict:
        sc = self.scenario
        voice = staffing[staffing["method"] != "workload"]
        open_ = voice[voice["offered"] > 0]
        offered = float(open_["offered"].sum())

        def weighted(col):
            vals = open_[col].replace(np.inf, np.nan)
            ok = vals.notna()
            if not ok.any() or offered == 0:
                return None
            return float((vals[ok] * open_["offered"][ok]).sum() / open_["offered"][ok].sum())

        hours = staffing["interval_min"] / 60.0
        headline = {
            "offered_contacts": float(staffing["offered"].sum()),
            "required_agent_hours": float((staffing["required_agents"] * hours).sum()),
            "scheduled_agent_hours": float((staffing["scheduled_agents"] * hours).sum()),
            "peak_scheduled_agents": int(staffing["scheduled_agents"].max()),
            "planned_service_level": weighted("service_level"),
            "planned_asa_s": weighted("asa_s"),
            "planned_abandon_rate": weighted("p_abandon"),
            "planned_occupancy": weighted("occupancy"),
        }
        return {
            "wfm_version": __version__,
            "scenario": sc.name,
            "description": sc.description,
            "config": json.loads(json.dumps(sc.to_dict(), default=str)),
            "queues": sorted(staffing["queue"].unique().tolist()),
            "period": {
                "first_interval": staffing["interval_start"].min().isoformat(),
                "last_interval": staffing["interval_start"].max().isoformat(),
                "time_zone": sc.data.time_zone,
            },
            "intervals": int(len(staffing)),
            "headline": headline,
            **headline,
            "binding_targets": staffing["binding_target"].value_counts().to_dict(),
            "units": {
                "agent_hours": "agent-hours (agents x hours)",
                "asa_s": "seconds",
                "rates": "fractions of offered contacts",
            },
            "timings_s": {name: round(sec, 3) for name, sec in steps},
        }
