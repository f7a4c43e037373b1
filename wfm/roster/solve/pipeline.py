"""The solve as a list of named steps sharing one work clock (:data:`PIPELINE`).

Each step reads and updates a :class:`Run`: the model, the back-end, the
:class:`~wfm.roster.solve.rates.WorkClock`, the :class:`Rates`, the LP, the
best checked integer solution so far (``start``), the notes and the phase
timings. :func:`solve_model` runs the steps in order and publishes a
:class:`SolveInfo` and a :class:`~wfm.roster.solution.Solution`.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from wfm.roster.model import TourModel, quiet_pulp
from wfm.roster.solution import Solution
from wfm.roster.solve.backend import Backend, LpResult, MipResult, backend
from wfm.roster.solve.bounds import HeadCountBranch, HeadCountJob, solve_lp
from wfm.roster.solve.checks import constraint_violations, fractional_variables, polish
from wfm.roster.solve.moves import local_search, repair_availability, tour_search
from wfm.roster.solve.neighbourhoods import (
    day_budget,
    day_by_day,
    price_round_cost,
    priced_tour_moves,
)
from wfm.roster.solve.rates import RATES, Rates, WorkClock
from wfm.roster.solve.starts import cumulative_round, flexible_start, rounded_start, tours_fixed_lp


@dataclass(frozen=True)
class SolveInfo:
    """How the model was solved.

    ``status``: ``optimal`` (proved within ``gap_rel``), ``feasible`` (an
    integer solution, limit reached), ``heuristic`` (the solver found none that
    passed the checks; the rounded-LP start is used). ``objective``: of the
    published solution; ``lp_bound``: the root LP relaxation;
    ``head_count_bound``: the LP with its total head count made whole
    (:func:`~wfm.roster.solve.bounds.head_count_bound`; HiGHS only, else
    ``lp_bound``), its two branches in ``head_count_branch``; ``best_bound``:
    the largest of these and the solver's MIP dual bound; ``gap`` =
    (objective - best_bound) / max(|objective|, 1e-9).
    ``work_s`` / ``work_limit_s``: work done and budgeted, in reference seconds
    (:class:`~wfm.roster.solve.rates.WorkClock`); ``repeatable``: False when
    the wall-clock safety net ended a step (a rerun may then return another
    roster); ``phases``: (step, wall seconds, reference seconds of work) per step.
    """

    solver: str
    status: str
    solver_status: str
    objective: float
    lp_bound: float
    best_bound: float
    gap: float
    time_s: float
    lp_time_s: float
    n_variables: int
    n_constraints: int
    n_integer: int
    source: str
    notes: tuple[str, ...] = ()
    work_s: float = 0.0
    work_limit_s: float = 0.0
    repeatable: bool = True
    phases: tuple[tuple[str, float, float], ...] = ()
    head_count_bound: float = -math.inf
    head_count_branch: HeadCountBranch | None = None


@dataclass
class Run:
    """The state the steps of one solve share (see the module docstring).

    ``start``: the best integer solution so far that passed every check
    (None until one does); ``rounded``: the first rounded start, checked or
    not (the flexible start builds on it); ``member_start``: the start came
    from the flexible members' skeleton; ``mip``: the full MIP's result
    (None when it did not run)."""

    model: TourModel
    be: Backend
    clock: WorkClock
    rates: Rates
    time_limit_s: float
    gap_rel: float
    msg: bool
    node_limit: int | None
    warm_start: bool
    improve: bool
    improve_share: float | None
    t0: float
    n_int: int
    notes: list[str] = field(default_factory=list)
    phases: list[tuple[str, float, float]] = field(default_factory=list)
    lp: LpResult | None = None
    lp_time: float = 0.0
    head_count: HeadCountJob | None = None
    start: np.ndarray | None = None
    rounded: np.ndarray | None = None
    member_start: bool = False
    run_mip: bool = False
    mip: MipResult | None = None
    solver_status: str = ""

    @property
    def large(self) -> bool:
        """Too large for the full MIP's root (see ``Rates.large_model_integers``)."""
        return self.n_int >= self.rates.large_model_integers

    def phase(self, name: str, t_before: float, w_before: float) -> None:
        self.phases.append((name, round(time.perf_counter() - t_before, 3), round(self.clock.used - w_before, 3)))

    def feasible(self, values) -> bool:
        return not constraint_violations(self.model, values)

    def objective(self, values) -> float:
        return self.model.objective_value(values)


# ------------------------------------------------------------------ steps
def lp_bound(run: Run) -> None:
    """The LP relaxation: the lower bound ``lp_bound`` and what the starts round."""
    run.lp = solve_lp(run.model, run.be, max(run.time_limit_s, 1.0), run.msg)
    run.lp_time = time.perf_counter() - run.t0
    run.phases.append(("lp", run.lp_time, 0.0))


def head_count_bound_step(run: Run) -> None:
    """Started now, while the LP's basis is at hand (later solves rebuild the
    model); in a forked child beside the next steps when the LP is slow."""
    t1 = time.perf_counter()
    lp = run.lp
    highs = lp.highs if lp.status.lower() == "optimal" else None
    run.head_count = HeadCountJob(run.model, lp.objective, highs, deadline=run.t0 + run.time_limit_s,
                                  fork=run.lp_time >= run.rates.head_count_fork_lp_s,
                                  iterations=run.rates.head_count_iterations)
    if highs is not None:
        run.phase("head_count_bound (started)" if run.head_count.forked else "head_count_bound", t1, 0.0)
    if not lp.optimal:
        run.notes.append(f"LP relaxation status: {lp.status}")
        if "time" in lp.status.lower():
            run.clock.wall_hit = True


def rounded_starts(run: Run) -> None:
    """The rounded LP, else everyone on one start per contract (anchor)."""
    m = run.model
    for anchor in (False, True):
        cand = repair_availability(m, rounded_start(m, run.lp.values, anchor=anchor))
        run.rounded = run.rounded if run.rounded is not None else cand
        if run.feasible(cand):
            run.start = cand
            break


def tours_fixed_start(run: Run) -> None:
    """The same tours with the LP's shifts for them, rounded on running totals."""
    if run.start is None or not run.improve:
        return
    m = run.model
    t1 = time.perf_counter()
    fixed = tours_fixed_lp(m, run.start, run.be)
    if fixed.optimal:
        cand = repair_availability(m, cumulative_round(m, fixed.values, run.start))
        if run.feasible(cand) and run.objective(cand) < run.objective(run.start):
            run.start = cand
    run.phase("tours_fixed_lp", t1, 0.0)


def flexible_members_start(run: Run) -> None:
    """Flexible contracts with named members: a skeleton of who works when."""
    if run.start is not None:
        return
    t1 = time.perf_counter()
    cand = flexible_start(run.model, run.lp.values, run.rounded, solver=run.be, clock=run.clock, rates=run.rates)
    if cand is not None and cand is not run.rounded and run.feasible(cand):
        run.start, run.member_start = cand, True
        run.notes.append("start from the flexible members' skeleton (the rounded LP breaks their rules)")
    else:
        run.notes.append("no feasible rounded-LP start")
    run.phase("flexible_start", t1, 0.0)  # (its work is in the clock's total)


def improvement(run: Run) -> None:
    """Local search, tour search, local search, day neighbourhood: each kept
    if feasible and not worse (flexible members' starts: local search only,
    the other searches leave flexible contracts as they are)."""
    if run.start is None or not run.improve:
        return
    m, clock, rates, be = run.model, run.clock, run.rates, run.be
    if run.improve_share is None:
        # small models: HiGHS' own search does well given work; large ones
        # stall in its root cut loop, so the neighbourhoods get it all
        run.improve_share = 1.0 if run.large else rates.small_model_improve_share
    # each step's budget is read when it starts (the day neighbourhood
    # gets what the earlier steps left of its share)
    local = ("local_search", "local search",
             lambda s: local_search(m, s, clock=clock, budget_s=rates.local_share * clock.budget, rates=rates))
    steps = (
        local,
        ("tour_search", "tour search",
         lambda s: tour_search(m, s, clock=clock, budget_s=rates.tour_share * clock.budget, rates=rates)),
        local,
        ("day_by_day", "day neighbourhood",
         lambda s: day_by_day(m, s, passes=rates.day_passes, clock=clock, solver=be, rates=rates,
                              budget_s=day_budget(m, be, run.improve_share * clock.budget - clock.used,
                                                  run.large and not run.member_start, rates))),
    )
    if run.member_start:
        steps = (local,)
    for name, label, search in steps:
        t1, w1 = time.perf_counter(), clock.used
        cand = search(run.start)
        run.phase(name, t1, w1)
        if run.feasible(cand) and run.objective(cand) <= run.objective(run.start) + 1e-9:
            run.start = cand
        else:
            run.notes.append(f"{label} result rejected")


def pricing_rounds(run: Run) -> None:
    """Large models: budget the day neighbourhood left (it has converged)
    goes to tours re-chosen with whole shifts, then the day neighbourhood
    again, while a round pays."""
    if run.start is None or not run.improve or not run.large or run.member_start:
        return
    m, clock, rates, be = run.model, run.clock, run.rates, run.be
    while clock.left >= rates.price_round_min_share * price_round_cost(m, be, rates) and not clock.out_of_time():
        t1, w1 = time.perf_counter(), clock.used
        left = clock.left
        cand = priced_tour_moves(m, run.start, clock=clock, budget_s=rates.price_share * left, solver=be, rates=rates)
        if cand is not run.start:
            cand = day_by_day(m, cand, passes=rates.day_passes, clock=clock, solver=be, rates=rates,
                              budget_s=day_budget(m, be, clock.left, True, rates))
        run.phase("priced_tour_moves", t1, w1)
        if cand is run.start or not run.feasible(cand) or run.objective(cand) >= run.objective(run.start) - 1e-6:
            break
        run.start = cand


def full_mip(run: Run) -> None:
    """The full MIP, warm-started, for the rest of the budget (skipped for
    large models, whose budget went to the neighbourhoods)."""
    m, clock, be = run.model, run.clock, run.be
    wall_left = clock.deadline - time.perf_counter()
    # the searches leave flexible contracts alone, so with those the MIP
    # (warm-started from the skeleton) gets the budget whatever the size;
    # it runs when one HiGHS check fits in the budget
    run.run_mip = (clock.left * run.rates.full_checks_per_s(run.n_int) >= 1 and wall_left > 0.5
                   and not (run.large and run.improve and run.node_limit is None and not run.member_start))
    if not run.run_mip and run.start is None:
        run.run_mip, wall_left = True, max(wall_left, 1.0)  # nothing to publish otherwise
    if not run.run_mip:
        if run.member_start:
            run.solver_status = "not run (no work budget or time left)"
            run.notes.append("full MIP not run: no work budget or time left after the start")
        else:
            run.solver_status = "not run (work budget spent on the neighbourhoods)"
            run.notes.append("full MIP not run: the work budget went to the neighbourhood searches")
        return
    t1, w1 = time.perf_counter(), clock.used
    work = run.rates.full_mip(run.n_int)
    per_s = be.per_s(work)
    units = None if run.node_limit is not None else max(1, int(clock.left * per_s))
    res = be.solve_mip_isolated(m.prob, time_limit_s=wall_left, gap_rel=run.gap_rel,
                                start=run.start if run.warm_start else None, work_limit=units,
                                node_limit=run.node_limit, msg=run.msg)
    clock.charge(be.made(res, be.work_cap(units, run.node_limit)) / per_s)
    run.phase("mip", t1, w1)
    clock.wall_hit |= res.wall
    run.mip, run.solver_status = res, res.status


#: the steps of :func:`solve_model`, in order
PIPELINE: tuple[tuple[str, Callable[[Run], None]], ...] = (
    ("lp_bound", lp_bound),
    ("head_count_bound", head_count_bound_step),
    ("rounded_start", rounded_starts),
    ("tours_fixed_lp", tours_fixed_start),
    ("flexible_start", flexible_members_start),
    ("improvement", improvement),
    ("priced_tour_moves", pricing_rounds),
    ("full_mip", full_mip),
)


def publish(run: Run) -> tuple[SolveInfo, Solution]:
    """The solver's solution if it passes every check and beats the start,
    else the start; the bounds and the report."""
    m, clock, notes = run.model, run.clock, run.notes
    res = run.mip
    has = res is not None and res.has_solution and res.values is not None
    best_bound = res.bound if res is not None else None
    proved = res is not None and res.status.lower().startswith("optimal")
    vals = res.values if has else None
    source = "solver"
    ok = has
    if has:
        frac = fractional_variables(m, vals)
        if frac:
            notes.append(f"solver values not integral ({len(frac)} variables, e.g. {frac[0]}): rejected")
            ok = False
        else:
            vals = polish(m, vals)
            bad = constraint_violations(m, vals)
            if bad:
                notes.append(f"solver solution breaks {len(bad)} constraints (e.g. {bad[0]}): rejected")
                ok = False
    start = run.start
    if ok and start is not None and run.objective(start) < run.objective(vals) - 1e-6:
        vals, source = start, "warm_start"
    if not ok:
        if start is None:
            raise RuntimeError("no integer roster: the solver found none and the rounded start is infeasible")
        vals, source, proved = start, "warm_start", False
    obj = run.objective(vals)
    t1 = time.perf_counter()
    hc_bound, hc_branch, cut = run.head_count.result()
    if run.head_count.forked:
        run.phase("head_count_bound (waited for)", t1, clock.used)
    if cut:
        clock.wall_hit = True  # the bound reported may differ on a rerun
        notes.append("head-count bound cut short by the wall-clock limit")
    lp_obj = run.lp.objective
    if best_bound is None or not math.isfinite(best_bound):
        best_bound = lp_obj
    best_bound = max(best_bound, hc_bound, lp_obj)  # all valid lower bounds
    if proved and source == "solver":
        status = "optimal"
    elif ok or (not run.run_mip and start is not None):
        status = "feasible"
    else:
        status = "heuristic"
    gap = max(0.0, (obj - best_bound) / max(abs(obj), 1e-9))
    if clock.wall_hit:
        notes.append("the wall-clock limit, not the work budget, ended a step: a rerun may return another roster")
    info = SolveInfo(run.be.name, status, run.solver_status, obj, lp_obj, best_bound, gap,
                     time.perf_counter() - run.t0, run.lp_time, m.n_variables, m.n_constraints, run.n_int, source,
                     tuple(notes), work_s=round(clock.used, 3), work_limit_s=round(clock.budget, 3),
                     repeatable=not clock.wall_hit, phases=tuple(run.phases), head_count_bound=hc_bound,
                     head_count_branch=hc_branch)
    return info, Solution(m, vals)


def solve_model(model: TourModel, *, solver: str = "highs", time_limit_s: float = 60.0,
                work_limit_s: float | None = None, gap_rel: float = 1e-4, msg: bool = False,
                node_limit: int | None = None, warm_start: bool = True, improve: bool = True,
                improve_share: float | None = None, rates: Rates = RATES) -> tuple[SolveInfo, Solution]:
    """Solve the model; return (info, a checked integer solution) (see
    :mod:`wfm.roster.solve`). ``solver``: "highs" (CBC when HiGHS is not
    available) or "cbc"; ``time_limit_s``: hard wall-clock limit, the
    safety net; ``work_limit_s``: deterministic budget in reference seconds
    (default ``rates.work_share * time_limit_s``); ``gap_rel``: the full
    MIP's relative gap; ``msg``: solver logs; ``node_limit``: the full MIP's
    node limit instead of its work limit; ``warm_start``: start the full MIP
    from the best start; ``improve``: run the neighbourhood searches;
    ``improve_share``: share of the work budget for them (the full MIP gets
    the rest); ``rates``: work rates, limits and budget shares."""
    be = backend(solver)
    if be.name == "highs" and not be.available():
        be = backend("cbc")
    t0 = time.perf_counter()
    clock = WorkClock(budget=rates.work_share * time_limit_s if work_limit_s is None else float(work_limit_s),
                      deadline=t0 + time_limit_s)
    run = Run(model, be, clock, rates, time_limit_s, gap_rel, msg, node_limit, warm_start, improve, improve_share,
              t0, n_int=len(model.cols.integer))
    with quiet_pulp():
        for _name, step in PIPELINE:
            step(run)
        return publish(run)
