"""build_roster: requirements + catalogue (+ agents) -> a checked, judged roster."""

from __future__ import annotations

import dataclasses
import math
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from wfm import DEFAULT_TZ
from wfm.errors import InputError, Problem, argument_problem
from wfm.roster.agents import Agent, generated_agents, group_agents
from wfm.roster.assign import assign_shifts, assign_tours
from wfm.roster.catalog import Catalog, load_catalog
from wfm.roster.check import check_roster
from wfm.roster.coverage import (
    coverage_from_roster,
    judge_coverage,
    schedule_accuracy,
    sub_interval_agents,
)
from wfm.roster.demand import Horizon, build_horizon, validate_requirements
from wfm.roster.model import Group, TourModel
from wfm.roster.previous import boundary_violations, no_carry_in, read_previous_roster
from wfm.roster.solve import SolveInfo, solve_model
from wfm.roster.table import Roster, roster_from_assignment
from wfm.staffing import offered_weighted_mean


@dataclass(frozen=True)
class RosterResult:
    """A roster and how good it is.

    ``roster``: the :class:`~wfm.roster.table.Roster` (shifts and their meal
    and breaks); ``coverage``: per interval required, net scheduled, expected
    and short agents and the service the expected agents give
    (:func:`wfm.roster.coverage.judge_coverage`); ``agents``: per agent contract, shifts, paid hours, weekend days
    off, status ("placed", "partly placed", "not placed") and reason;
    ``violations``: the independent checker's findings (empty when clean);
    ``summary``: JSON-ready dict (status, objective, LP bound, gap, agent-hours,
    shortfall ...); ``solve``: the solver report.
    """

    roster: Roster
    coverage: pd.DataFrame
    agents: pd.DataFrame
    violations: pd.DataFrame
    summary: dict
    solve: SolveInfo
    horizon: Horizon = field(repr=False)


def _as_requirements(requirements, tz) -> pd.DataFrame:
    if isinstance(requirements, pd.DataFrame):
        return validate_requirements(requirements, tz=tz)
    from wfm.roster.demand import read_requirements

    return read_requirements(requirements, tz=tz)


def shortfall(horizon: Horizon, net: np.ndarray, limit: int = 50) -> dict:
    """Intervals where ``net`` agents fall short of ``horizon.required``:
    how many, agent-hours and largest shortfall, and the ``limit`` worst."""
    short = np.maximum(horizon.required - net, 0.0)
    idx = np.flatnonzero(short > 1e-9)
    starts = horizon.interval_starts
    worst = sorted(idx, key=lambda t: (-short[t], t))[:limit]
    return {
        "intervals_short": int(len(idx)),
        "agent_hours_short": float(short.sum() * horizon.interval_min / 60),
        "max_agents_short": float(short.max()) if len(short) else 0.0,
        "worst_intervals": [{"interval_start": starts[t].isoformat(), "required_agents": float(horizon.required[t]),
                             "scheduled_agents": float(net[t]), "short_agents": float(short[t])} for t in sorted(worst)],
    }


def build_roster(requirements, catalog: Catalog | str | None = None, weeks: int | None = None,
                 agents: list[Agent] | str | None = None, *, solver: str = "highs", time_limit_s: float = 60.0,
                 work_limit_s: float | None = None, gap_rel: float = 1e-4, tz: str = DEFAULT_TZ, headcount: dict | None = None,
                 days: int | None = None, pay_weight: float = 1.0, under_weight=None, over_weight=None,
                 close_gap: bool = True, target_s: float = 20.0, service_model: str = "erlang-c",
                 patience_s: float | None = None, assign_time_s: float = 30.0,
                 contract_mix: dict | None = None, previous_roster=None, absence_rate: float = 0.0) -> RosterResult:
    """Roster ``weeks`` weeks (1-6) of requirements.

    ``requirements``: staffing output (DataFrame or path; ``required_agents``
    per queue and interval, summed over queues); ``catalog``: a
    :class:`Catalog` or TOML path (default ``models/shifts.toml``);
    ``agents``: list of :class:`Agent` or a CSV path; without it the model
    sizes the team within the catalogue head-count limits (``headcount``
    overrides them: ``{"five_two": (min, max)}``) and names the agents A001,
    A002, ...; ``solver``: "highs" or "cbc"; ``time_limit_s``: hard
    wall-clock limit of the tour model's solve (the shortfall analysis and
    assignment take extra); ``work_limit_s``: its deterministic work budget in
    reference seconds (default a share of ``time_limit_s``; see
    :mod:`wfm.roster.solve`): the same inputs and budget give the same roster
    unless the wall-clock limit cut the search (``summary["repeatable"]``). When the
    roster leaves intervals short, a second solve without head-count caps and
    with a 100-fold under-staffing penalty tells what extra head count of
    which contract would close the gap (``close_gap``).

    ``previous_roster`` (a ``roster.csv`` path or DataFrame; see
    :mod:`wfm.roster.previous`): its shifts still running at the horizon
    start count in the coverage (the model sees the requirement net of
    them), and, for named agents, the minimum rest, the consecutive-day
    limit and the 1-on-1 alternation continue across the boundary.

    ``absence_rate``: the share of scheduled agents expected to be absent
    unplanned (sickness, lateness; breaks and meals are placed by the roster
    itself): the roster covers the requirement grossed up by
    ``1 / (1 - absence_rate)``, and the coverage judges the service of the
    agents expected to turn up, ``scheduled x (1 - absence_rate)``.
    """
    t_start = time.perf_counter()
    if catalog is None:
        from wfm.roster.catalog import default_catalog_path

        catalog = default_catalog_path()
    if not isinstance(catalog, Catalog):
        catalog = load_catalog(catalog)
    if not 0.0 <= absence_rate < 1.0:
        raise InputError(argument_problem("absence_rate", f"{absence_rate!r} is not a share below 1",
                                          "a fraction 0 <= absence_rate < 1"))
    req = _as_requirements(requirements, tz)
    if absence_rate:
        req = req.assign(required_agents=req["required_agents"] / (1.0 - absence_rate))
    horizon = build_horizon(req, weeks=weeks, days=days, tz=tz)
    carry = no_carry_in(horizon) if previous_roster is None else read_previous_roster(previous_roster, horizon,
                                                                                         catalog)
    # the model covers what the previous roster's shifts leave uncovered, and
    # the early hours after the horizon that only its last nights can reach
    tail = np.zeros(0)
    if np.ndim(under_weight) == 0 and np.ndim(over_weight) == 0:
        tail = _tail_requirement(req, horizon, catalog)
    model_horizon = dataclasses.replace(
        horizon, required=np.concatenate([np.maximum(horizon.required - carry.coverage, 0.0), tail]))
    if isinstance(agents, str) or (agents is not None and not isinstance(agents, list)):
        from wfm.roster.agents import read_agents

        agents = read_agents(agents, catalog)
    named = agents is not None
    unplaced: dict[str, str] = {}
    if named:
        grouping = group_agents(agents, catalog, horizon, run_in=carry.run_in_days,
                                two_before=carry.worked_two_days_before)
        groups = grouping.groups
        unplaced = dict(grouping.unplaceable)
        contracts = [c for c in catalog.contracts if any(g.contract == c for g in groups)]
    else:
        groups = []
        hc = headcount or {}
        for c, ct in catalog.contracts.items():
            lo, hi = hc.get(c, (ct.min_headcount, ct.max_headcount))
            if hi is not None and hi <= 0:
                continue
            groups.append(Group(c, c, None, int(lo or 0), None if hi is None else int(hi)))
        for c in hc:
            if c not in catalog.contracts:
                raise InputError(Problem("headcount", None, c, "unknown contract", ", ".join(catalog.contracts)))
        if hc:
            # the given limits replace the catalogue's, also where they are wider
            catalog = dataclasses.replace(catalog, contracts={
                c: (dataclasses.replace(ct, min_headcount=int(hc[c][0] or 0),
                                        max_headcount=None if hc[c][1] is None else int(hc[c][1]))
                    if c in hc else ct) for c, ct in catalog.contracts.items()})
        contracts = [g.contract for g in groups]
    if not groups:
        raise InputError(Problem("agents" if named else "catalog", None, None, "no agent or contract can be rostered",
                                 "at least one placeable agent / contract with max_headcount > 0"))
    min_share = {}
    for c, share in (contract_mix or {}).items():
        key = catalog_contract_key(catalog, c)
        if key is None or key not in contracts:
            raise InputError(Problem("contract_mix", None, str(c), "unknown or unused contract",
                                     ", ".join(f"{k} ({v.name})" for k, v in catalog.contracts.items())))
        min_share[key] = float(share)
    if sum(min_share.values()) > 1 + 1e-9:
        raise InputError(Problem("contract_mix", None, None, "the minimum shares add up to more than 1",
                                 "shares that sum to 1 or less"))
    model = TourModel(model_horizon, catalog, groups, under_weight=under_weight, over_weight=over_weight,
                      pay_weight=pay_weight, contracts=contracts, min_share=min_share)
    info, vals = solve_model(model, solver=solver, time_limit_s=time_limit_s, work_limit_s=work_limit_s,
                             gap_rel=gap_rel)
    # named agents
    if not named:
        sizes = vals.head_counts()
        counts = {}
        for g in groups:
            counts[g.contract] = counts.get(g.contract, 0) + sizes[g.key]
        agents = generated_agents(counts, catalog)
        it = iter(agents)
        new_groups = []
        for g in groups:
            n = sizes[g.key]
            members = tuple(next(it).id for _ in range(n))
            new_groups.append(Group(g.key, g.contract, None, g.min_size, g.max_size, g.allowed, g.off_days, members))
        model.groups = new_groups
    agent_map = {a.id: a for a in agents}
    t_assign = time.perf_counter()
    work_days = assign_tours(model, vals)
    # generated agents (A001, ...) are not the people of an earlier generated roster
    asg = assign_shifts(model, vals, agent_map, work_days, milp_time_s=assign_time_s,
                        last_end_min=carry.last_end_min if named else None, run_in=carry.run_in_days if named else None)
    assign_s = time.perf_counter() - t_assign
    asg.unplaced.update(unplaced)
    roster = roster_from_assignment(model, asg, agent_map, horizon)
    net = coverage_from_roster(roster, horizon) + carry.coverage
    # service judged at the roster's own resolution (the previous roster's
    # carry-in, at its interval average)
    sub = sub_interval_agents(roster, horizon) + carry.coverage[:, None]
    coverage = judge_coverage(horizon, net, req, target_s=target_s, model=service_model, patience_s=patience_s,
                              attendance=1.0 - absence_rate, sub_agents=sub)
    violations = check_roster(roster, catalog, horizon_start=horizon.start.date(), days=horizon.days,
                              agents=agent_map if named else None)
    if named and carry.shifts:
        violations = pd.concat([violations, boundary_violations(roster, carry, catalog, horizon)], ignore_index=True)
    # per agent table
    rows = []
    weekend = {d for d in range(horizon.days) if (horizon.start + pd.Timedelta(days=d)).weekday() >= 5}
    shifts = roster.shifts
    by_agent = shifts.groupby("agent_id") if len(shifts) else None
    for a in sorted(agent_map):
        ag = agent_map[a]
        sub = by_agent.get_group(a) if by_agent is not None and a in by_agent.groups else shifts.iloc[0:0]
        worked = {(pd.Timestamp(d) - pd.Timestamp(horizon.start.date())).days for d in sub["date"]}
        tour = set(work_days.get(a, []))
        status, reason = "placed", ""
        if a in asg.unplaced:
            status, reason = "not placed", asg.unplaced[a]
        elif tour - worked and catalog.contracts[ag.contract].pattern != "flexible":
            status = "partly placed"
            reason = f"{len(tour - worked)} tour day(s) without a legal shift (rest/availability)"
        if catalog.contracts[ag.contract].pattern == "flexible" and not len(sub) and status == "placed":
            status, reason = "not placed", "no shift assigned"
        rows.append({"agent_id": a, "name": ag.name, "contract": ag.contract, "shifts": len(sub),
                     "paid_hours": float(sub["paid_hours"].sum()) if len(sub) else 0.0,
                     "weekend_days_off": len(weekend - worked), "status": status, "reason": reason})
    agents_df = pd.DataFrame(rows)
    # judge
    step = horizon.interval_min
    lp_net = None
    required_h = float(horizon.required.sum() * step / 60)
    on_phone_h = float(net.sum() * step / 60)
    paid_h = float(shifts["paid_hours"].sum()) if len(shifts) else 0.0
    sf = shortfall(horizon, net)
    summary = {
        "status": info.status,
        "solver": info.solver,
        "solver_status": info.solver_status,
        "solution_source": info.source,
        "objective": info.objective,
        "lp_bound": info.lp_bound,
        "best_bound": info.best_bound,
        "head_count_bound": ({"total_agents_in_lp": info.head_count_branch.lp_value,
                              "bound_at_most": info.head_count_branch.below,
                              "bound_at_least": info.head_count_branch.above,
                              "bound": info.head_count_bound}
                             if info.head_count_branch is not None else None),
        "gap": info.gap,
        "solve_time_s": info.time_s,
        "work_s": info.work_s,
        "work_limit_s": info.work_limit_s,
        "repeatable": info.repeatable,
        "variables": info.n_variables,
        "constraints": info.n_constraints,
        "integer_variables": info.n_integer,
        "horizon": {"start": horizon.start.isoformat(), "days": horizon.days, "interval_min": step, "tz": tz},
        "absence_rate": absence_rate,
        "tail": {"intervals": int(len(tail)),
                 "required_agent_hours": float(tail.sum() * step / 60),
                 "note": ("the requirement after the horizon, before any shift of a next roster can start, "
                          "counts in the model: the last nights cover it") if len(tail) else ""},
        "carry_in": {"previous_shifts": carry.shifts, "on_phone_agent_hours": float(carry.coverage.sum() * step / 60),
                     "agents_continued": len(carry.last_end_min) if named else 0},
        "headcount": {c: int(sum(1 for a in agent_map.values() if a.contract == c and a.id not in asg.unplaced)) for c in catalog.contracts},
        "agent_hours": {"required": required_h, "scheduled_on_phones": on_phone_h, "paid": paid_h,
                        "scheduled_over_required": on_phone_h / required_h if required_h else None},
        "schedule_accuracy": schedule_accuracy(net, horizon.required),
        "shortfall": sf,
        "unfilled_shifts": [{"contract": model.options[oi].contract, "shift_type": model.options[oi].shift_type,
                             "start": horizon.timestamp(model.options[oi].start_min).isoformat(), "reason": why}
                            for oi, why in asg.unfilled],
        "retimed_shifts": [{"agent_id": a, "contract": model.options[oi].contract,
                            "model_start": horizon.timestamp(model.options[oi].start_min).isoformat(),
                            "worked_start": horizon.timestamp(model.options[oi2].start_min).isoformat(),
                            "shift_type": model.options[oi2].shift_type,
                            "reason": "no agent on duty could take the model's start legally (rest/availability)"}
                           for a, oi, oi2 in asg.retimed],
        "stretched_shifts": [{"agent_id": a, "contract": model.options[oi].contract,
                              "start": horizon.timestamp(model.options[oi].start_min).isoformat(),
                              "model_length_min": model.options[oi].length_min,
                              "worked_length_min": model.options[oi2].length_min,
                              "reason": "the agent's min_minutes (the model splits a day's minutes continuously)"}
                             for a, oi, oi2 in asg.stretched],
        "unplaced_agents": [{"agent_id": a, "reason": r} for a, r in sorted(asg.unplaced.items())],
        "rule_violations": int(len(violations)),
        "notes": list(info.notes) + list(horizon.notes) + asg.notes[:50],
    }
    sl = coverage["service_level"].to_numpy(float)
    if np.isfinite(sl).any():
        ok = np.isfinite(sl)
        summary["service"] = {
            "model": service_model, "patience_s": patience_s, "target_s": target_s,
            "method": "analytic, " + str(coverage["service_method"].iloc[0]),
            "attendance": 1.0 - absence_rate,
            "service_level": offered_weighted_mean(coverage, "service_level"),
            "asa_s": offered_weighted_mean(coverage, "asa_s"),
            "abandon_rate": offered_weighted_mean(coverage, "p_abandon"),
            "occupancy": offered_weighted_mean(coverage, "occupancy"),
            "intervals_below_80pct": int(np.sum(sl[ok] < 0.8 - 1e-9)),
            "max_asa_s": float(np.nanmax(coverage["asa_s"].to_numpy(float))),
        }
    del lp_net
    if close_gap and sf["agent_hours_short"] > 1e-6:
        summary["close_gap"] = _close_gap(model_horizon, catalog, groups, contracts, pay_weight, under_weight, over_weight,
                                          solver, max(2.0, time_limit_s / 2), gap_rel, vals, model,
                                          None if work_limit_s is None else work_limit_s / 2)
    summary["timing_s"] = {"model_and_solve": info.time_s, "assignment": assign_s,
                           "total": time.perf_counter() - t_start}
    return RosterResult(roster, coverage, agents_df, violations, summary, info, horizon)


def catalog_contract_key(catalog: Catalog, contract: str) -> str | None:
    """The catalogue key of a contract given by key (``one_one``) or name (``1-on-1``)."""
    if contract in catalog.contracts:
        return contract
    for key, ct in catalog.contracts.items():
        if ct.name == contract:
            return key
    return None


def _tail_requirement(req: pd.DataFrame, horizon: Horizon, catalog: Catalog) -> np.ndarray:
    """Required agents per interval after the horizon that shifts of its
    last day can reach (they cross midnight) and no shift of the next
    horizon can (before the earliest start of any shift type): the next
    roster will inherit them from this one's last nights (see
    :mod:`wfm.roster.previous`). Taken from the requirements when they
    cover every such interval; otherwise none (empty array), since a guess
    at it would push the last nights around."""
    sts = [catalog.shift_types[s] for ct in catalog.contracts.values() for s in ct.shift_types]
    if not sts:
        return np.zeros(0)
    earliest = min(min(st.start_offsets()) for st in sts)
    overhang = max(max(st.start_offsets()) + max(st.lengths_min) - 1440 for st in sts)
    tail_min = min(earliest, overhang)
    step = horizon.interval_min
    n_tail = int(tail_min // step)
    if n_tail <= 0:
        return np.zeros(0)
    end = horizon.start + pd.Timedelta(minutes=float(horizon.day_offset_min[-1]))
    idx = np.round((req["interval_start"] - end).dt.total_seconds().to_numpy() / 60 / step).astype(np.int64)
    inside = (idx >= 0) & (idx < n_tail)
    if len(np.unique(idx[inside])) < n_tail:
        return np.zeros(0)
    tail = np.zeros(n_tail)
    np.add.at(tail, idx[inside], req["required_agents"].to_numpy(dtype=float)[inside])
    return tail


def _close_gap(horizon, catalog, groups, contracts, pay_weight, under_weight, over_weight, solver, time_limit_s,
               gap_rel, vals, model, work_limit_s=None) -> dict:
    """Extra head count per contract that would close the shortfall: re-solve
    with every contract free to hire (no caps) and under-staffing 100 times
    dearer; intervals still short then are out of reach of every shift."""
    hours = horizon.interval_min / 60
    uw = (catalog.under_per_agent_hour * hours if under_weight is None else np.asarray(under_weight, float)) * 100
    caps = {c: ct.max_headcount for c, ct in catalog.contracts.items()}
    # every contract free to hire: the catalogue's caps are what this measures
    catalog = dataclasses.replace(catalog, contracts={
        c: dataclasses.replace(ct, max_headcount=None) for c, ct in catalog.contracts.items()})
    extra_groups = list(g for g in groups if g.size is not None)
    for c in catalog.contracts:
        extra_groups.append(Group(f"{c}__extra", c, None, 0, None))
    have = {}
    sizes = vals.head_counts()
    for g in groups:
        n = g.size if g.size is not None else sizes[g.key]
        have[g.contract] = have.get(g.contract, 0) + n
    m2 = TourModel(horizon, catalog, extra_groups, under_weight=uw, over_weight=over_weight, pay_weight=pay_weight,
                   contracts=list(catalog.contracts))
    info2, v2 = solve_model(m2, solver=solver, time_limit_s=time_limit_s, work_limit_s=work_limit_s,
                            gap_rel=max(gap_rel, 1e-3))
    out = {"status": info2.status, "repeatable": info2.repeatable}
    extra = {}
    for c in catalog.contracts:
        n_new = v2.head_counts()[f"{c}__extra"]
        if any(g.size is not None for g in groups):
            extra[c] = n_new
        else:
            extra[c] = max(0, n_new - have.get(c, 0))
    out["extra_headcount"] = extra
    # which caps stand in the way: a contract whose extra agents would take it past its cap
    out["caps_to_raise"] = [
        {"contract": c, "max_headcount": caps[c], "rostered": int(have.get(c, 0)), "extra": int(extra[c]),
         "max_headcount_needed": int(have.get(c, 0) + extra[c])}
        for c in catalog.contracts
        if extra[c] > 0 and caps[c] is not None and have.get(c, 0) + extra[c] > caps[c]]
    net2 = v2.net_coverage()
    sf2 = shortfall(horizon, net2, limit=20)
    out["still_short_intervals"] = sf2["intervals_short"]
    out["still_short_agent_hours"] = sf2["agent_hours_short"]
    out["still_short_examples"] = sf2["worst_intervals"]
    out["note"] = ("intervals still short cannot be reached by any shift of the catalogue (start windows) "
                   "or cost more than 100x the under-staffing penalty") if sf2["intervals_short"] else ""
    if not math.isfinite(out.get("still_short_agent_hours", 0.0)):
        out["still_short_agent_hours"] = None
    return out
