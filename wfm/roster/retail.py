"""The public retail multi-day shift-scheduling instances (schedulingbenchmarks.org
"Multi-activity, Multi-day Shift Scheduling Instances 1..225", copies in
../shared/benchmarks/retail_matsp) mapped onto the roster engine.

Instance format: ``SECTION_HORIZON`` (days N; the horizon runs from 06:00 on
day 1 to 06:00 on day N+1), ``SECTION_TASKS``, ``SECTION_STAFF`` (``ID,
MinTotalMinutes, MaxTotalMinutes``), ``SECTION_COVER`` (``Day, HH:MM-HH:MM,
TaskID, Min, Max`` per 15-minute period).

Penalty. The solution files carry ``<Penalty>``; the checker of the copied
repository (PetterS/monolith ``RetailProblem::check_feasibility``) treats cover
below Min as infeasible and adds ``(cover - Max)^2`` per period and task above
Max. :func:`retail_penalty` recomputes it; on the two published solutions it
gives exactly 383 and 193 (tested), and in both every Min equals Max and no
period is more than one above, so the penalty is also the number of
staff-periods (15 minutes) above the cover.

Mapping to our model (rules published on the site and read in that code):
shifts of 6-10 h on the 15-minute grid, at most one shift starting per
calendar day, at most 5 consecutive working days, staff minute limits. Start
windows 00:00, 06:00-10:00, 14:00-18:00, 20:00-23:45 (those of the reference
code, plus the 00:00 starts the published solutions use) and a minimum rest of
14 h (the reference pricing graph's edge from a shift's last period to the
period 14 h 15 min later; the published solutions keep it) are our reading,
not published rules; the site's penalty weights beyond the reference code are
unknown. The tasks are summed (one pooled team): with free task switching
inside shifts the summed over-cover equals the per-task one whenever no task
is under-covered, otherwise it is a lower bound.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from wfm.roster.agents import Agent
from wfm.roster.catalog import parse_catalog

PERIOD_MIN = 15


@dataclass(frozen=True)
class RetailInstance:
    name: str
    days: int
    tasks: int
    staff: tuple[tuple[str, int, int], ...]
    min_cover: np.ndarray  # (periods, tasks)
    max_cover: np.ndarray

    @property
    def periods(self) -> int:
        return self.days * 96


def read_retail(path) -> RetailInstance:
    """Parse an instance file (see the module docstring)."""
    sec = None
    days = tasks = None
    staff = []
    cover = []
    for raw in Path(path).read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("SECTION_"):
            sec = line
            continue
        if sec == "SECTION_HORIZON":
            days = int(line)
        elif sec == "SECTION_TASKS":
            tasks = int(line)
        elif sec == "SECTION_STAFF":
            i, lo, hi = line.split(",")
            staff.append((i.strip(), int(lo), int(hi)))
        elif sec == "SECTION_COVER":
            d, t, task, mn, mx = line.split(",")
            hh, mm = (int(x) for x in t.split("-")[0].split(":"))
            p = (int(d) - 1) * 96 + hh * 4 + mm // 15 - 24
            cover.append((p, int(task) - 1, int(mn), int(mx)))
    P = days * 96
    mn = np.zeros((P, tasks), dtype=int)
    mx = np.zeros((P, tasks), dtype=int)
    seen = np.zeros((P, tasks), dtype=bool)
    for p, k, a, b in cover:
        mn[p, k], mx[p, k] = a, b
        seen[p, k] = True
    if not seen.all():
        raise ValueError(f"{path}: cover missing for {int((~seen).sum())} period-task pairs")
    return RetailInstance(Path(path).name.split(".")[0], days, tasks, tuple(staff), mn, mx)


def read_retail_solution(path, inst: RetailInstance) -> tuple[list[dict], np.ndarray]:
    """Shifts of a solution XML and its cover per (period, task).

    ``<Day>`` is the 0-based calendar day of the start, ``<Start>`` the clock
    time; tasks follow each other inside the shift."""
    root = ET.parse(path).getroot()
    cover = np.zeros((inst.periods, inst.tasks), dtype=int)
    shifts = []
    for e in root.findall("Employee"):
        for s in e.findall("Shift"):
            d = int(s.find("Day").text)
            hh, mm, _ = (int(x) for x in s.find("Start").text.split(":"))
            p0 = d * 96 + hh * 4 + mm // 15 - 24
            L = 0
            for t in s.findall("Task"):
                k = int(t.find("ID").text) - 1
                n = int(t.find("Length").text) // PERIOD_MIN
                cover[p0 + L:p0 + L + n, k] += 1
                L += n
            shifts.append({"employee": e.get("ID"), "day": d, "start_clock": hh * 60 + mm, "start_period": p0, "periods": L})
    return shifts, cover


def published_penalty(path) -> int:
    return int(ET.parse(path).getroot().find("Penalty").text)


def retail_penalty(cover: np.ndarray, inst: RetailInstance) -> dict:
    """Under/over cover of a per-(period, task) or summed per-period cover.

    ``penalty``: sum over periods and tasks of (cover - Max)^2 above Max (the
    reference checker); ``over_periods``/``under_periods``: staff-periods above
    Max / below Min; minutes = periods x 15."""
    c = np.asarray(cover)
    if c.ndim == 1:
        mn, mx = inst.min_cover.sum(axis=1), inst.max_cover.sum(axis=1)
    else:
        mn, mx = inst.min_cover, inst.max_cover
    over = np.maximum(c - mx, 0)
    under = np.maximum(mn - c, 0)
    return {"penalty": int((over ** 2).sum()), "over_periods": int(over.sum()), "under_periods": int(under.sum()),
            "over_minutes": int(over.sum()) * PERIOD_MIN, "under_minutes": int(under.sum()) * PERIOD_MIN}


def retail_catalog(min_rest_h: float = 14.0):
    """Shift type and flexible contract of the retail instances (module docstring)."""
    return parse_catalog({
        "pay": {"base_monthly": 0.0},
        "penalties": {"under_per_agent_hour": 4000.0, "over_per_agent_hour": 4.0},
        "shift_types": {"retail": {
            "min_length_h": 6, "max_length_h": 10, "length_step_min": 15, "start_step_min": 15,
            "start_windows": ["00:00-00:00", "06:00-10:00", "14:00-18:00", "20:00-23:45"]}},
        "contracts": {"retail": {
            "name": "retail", "pattern": "flexible", "shift_types": ["retail"], "paid_days_per_month": 22,
            "min_rest_h": min_rest_h, "max_consecutive_days": 5}},
    }, source="retail_matsp")


def retail_setup(inst: RetailInstance, *, start: str = "2024-01-01", under_per_period: float = 1000.0):
    """(requirements, catalogue, agents, days, under_weight, over_weight) for build_roster.

    The roster horizon runs from local midnight of day 1 over N+1 calendar
    days (tz UTC); intervals outside the instance (00:00-06:00 of day 1 and
    after 06:00 of day N+1) must stay empty (over-cover weight 1e4 per
    staff-period); inside, the requirement is the summed Min, under-cover
    costs ``under_per_period`` and over-cover 1 per staff-period, pay 0: the
    objective is the reference penalty when nothing is under-covered."""
    days = inst.days + 1
    n = days * 96
    req = np.zeros(n)
    inside = np.zeros(n, dtype=bool)
    inside[24:24 + inst.periods] = True
    req[24:24 + inst.periods] = inst.min_cover.sum(axis=1)
    ts = pd.date_range(start, periods=n, freq="15min", tz="UTC")
    df = pd.DataFrame({"interval_start": ts, "required_agents": req, "interval_min": PERIOD_MIN})
    under_w = np.where(inside, under_per_period, 0.0)
    over_w = np.where(inside, 1.0, 1e4)
    agents = [Agent(sid, sid, "retail", min_minutes=float(lo), max_minutes=float(hi)) for sid, lo, hi in inst.staff]
    return df, retail_catalog(), agents, days, under_w, over_w
