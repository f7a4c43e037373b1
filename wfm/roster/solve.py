"""Solve the tour model: HiGHS by default, CBC as the fallback.

Pipeline (:func:`solve_model`), all on the work budget ``work_limit_s``
(see "Determinism" below) inside the wall-clock limit ``time_limit_s``:

1. LP relaxation: the lower bound reported as ``lp_bound``; with HiGHS,
   :func:`head_count_bound` tightens it by branching once on the total head
   count (in a forked child beside the next steps when the LP is slow).
2. Rounded-LP start (:func:`rounded_start`): tours and shifts rounded by
   largest remainders, breaks placed greedily; then the LP re-solved with
   those tours fixed (:func:`tours_fixed_lp`) and its shifts and breaks
   rounded on running totals (:func:`cumulative_round`), kept if cheaper.
   Every start is checked against every constraint.
3. Improvement: :func:`local_search` (each shift to its best start and
   break times, tours fixed), :func:`tour_search` (days-off patterns,
   phases and head counts, one agent at a time, shifts re-placed; the LP's
   fractions of agents at quiet hours are what rounding gets wrong), the
   local search again, then :func:`day_by_day` (one day's starts at a time
   re-optimised by a small MIP with the chosen solver, costliest days
   first, breaks relaxed; :func:`place_breaks` then makes the breaks
   integral for the whole horizon in one MIP). The full MIP's root cut loop takes minutes at four weeks, so
   models with ``LARGE_MODEL_INTEGERS`` or more integer variables give these
   neighbourhoods the whole budget; small ones give them about a third.
   In large models, budget the day neighbourhood leaves once it has
   converged (long time limits) goes to rounds of
   :func:`priced_tour_moves` (tours re-chosen by the price of each day's
   whole shifts with an agent fewer or more), each followed by the day
   neighbourhood, while a round pays.
4. The full MIP, warm-started, for the rest of the budget: HiGHS in a forked
   child with a hard wall-clock limit (it records every improving solution;
   HiGHS does not look at its own time limit inside its root cut loop), CBC
   as PuLP's subprocess with its log parsed for the status and bound.

What is reported is what the solver really did. PuLP maps a HiGHS time-out
with an incumbent to "Optimal", and CBC can hand back the LP relaxation's
fractional values under an "Optimal"-looking status when it found no integer
solution in time; so the status is read from the solver itself (HiGHS model
status; the CBC log), and every solution is checked for integrality and for
every constraint before it is used. A solution that fails is never published:
the best checked start is used instead and the status says so.

Determinism ("same inputs, same roster"): one thread, fixed random seeds,
and every stopping decision taken on a :class:`WorkClock`, which counts work
(local-search move evaluations, HiGHS MIP interrupt checks, which HiGHS makes
at fixed points of its search) and converts it to *reference seconds* at
rates measured on the reference machine (``benchmarks/README.md``). The
budget is ``work_limit`` reference seconds (default
``WORK_SHARE * time_limit_s``). ``time_limit_s`` stays a hard wall-clock
limit, a safety net only: when it, rather than the work budget or the gap,
ends a step, the result is still checked and published but may differ on a
rerun, and :attr:`SolveInfo.repeatable` says so.
"""

from __future__ import annotations

import bisect
import contextlib
import math
import os
import re
import tempfile
import time
from dataclasses import dataclass

import numpy as np
import pulp
from scipy.optimize import linear_sum_assignment

from wfm.roster.model import TourModel, _name, quiet_pulp, transition_ok, window_allows

SOLVERS = ("highs", "cbc")
HIGHS_OPTIONS: dict = {"mip_heuristic_effort": 0.3}
INT_TOL = 1e-6
FEAS_TOL = 1e-5

# Work rates on the reference machine (2-core sandbox, benchmarks/README.md):
# what one reference second of work is, in deterministic counts.
EVALS_PER_S = 200_000.0  # local search: candidate (shift start, break offset) evaluations
REMOVAL_EVALS = 4  # pricing one shift for removal costs about 4 evaluations (measured)
HIGHS_CHECKS_PER_S = 90.0  # HiGHS MIP interrupt checks (cbMipInterrupt calls), measured on a 186-integer day MIP
# a day's start sub-MIP (37 integer variables at four weeks), on top of its
# root (SUBMIP_S_PER_INTEGER): measured 280-410 checks/s over a pass
DAY_CHECKS_PER_S = 300.0
# The full MIP checks far more rarely (its root cut loop), the more so the
# larger the model; measured about 415 checks/s at 123 integer variables and
# 2.9/s at 1,313 (one week, 30 min): roughly 5e6 / n_integer**2.
HIGHS_FULL_CHECKS_X_INTEGERS2_PER_S = 5.0e6
# ...but not that rarely at several thousand: 1.26/s at 7,016 (the retail
# instance 1_7_10_1, 40 checks in 31.7 s), so at least 100 / sqrt(n_integer)
HIGHS_FULL_CHECKS_X_SQRT_INTEGERS_PER_S = 100.0


def full_checks_per_s(n_integer: int) -> float:
    """HiGHS interrupt checks per reference second in the full MIP."""
    n = max(n_integer, 1)
    return min(1000.0, max(HIGHS_FULL_CHECKS_X_INTEGERS2_PER_S / n ** 2, HIGHS_FULL_CHECKS_X_SQRT_INTEGERS_PER_S / math.sqrt(n)))


CBC_NODES_PER_S = 20.0  # CBC branch-and-bound nodes (CBC has no callbacks)
TOUR_SHARE = 0.3  # tour search: share of the work budget
LOCAL_SHARE = 0.1  # each local-search step
WORK_SHARE = 0.5  # default work budget as a share of the wall-clock limit


@dataclass
class WorkClock:
    """A deterministic clock: work done, in reference seconds.

    Stopping rules read this clock instead of the wall clock, so the same
    inputs stop at the same point on any machine and under any load.
    ``budget``: reference seconds available; ``deadline``: the wall-clock
    safety net (``time.perf_counter()`` value); ``wall_hit`` records that the
    safety net, not the budget, ended a step (the result may then differ on a
    rerun).
    """

    budget: float
    deadline: float = math.inf
    used: float = 0.0
    wall_hit: bool = False

    def charge(self, seconds: float) -> None:
        self.used += seconds

    @property
    def left(self) -> float:
        return self.budget - self.used

    def out_of_time(self) -> bool:
        """True when the wall-clock safety net has passed (and records it)."""
        if time.perf_counter() > self.deadline:
            self.wall_hit = True
            return True
        return False


@dataclass(frozen=True)
class SolveInfo:
    """How the model was solved.

    ``status``: ``optimal`` (proved within ``gap_rel``), ``feasible`` (an
    integer solution, limit reached), ``heuristic`` (the solver found none that
    passed the checks; the rounded-LP start is used). ``objective``: of the
    published solution; ``lp_bound``: the root LP relaxation;
    ``head_count_bound``: the LP with its total head count made whole
    (:func:`head_count_bound`; HiGHS only, else ``lp_bound``), its two
    branches in ``head_count_branch``; ``best_bound``: the largest
    of these and the solver's MIP dual bound; ``gap`` = (objective -
    best_bound) / max(|objective|, 1e-9).
    ``work_s`` / ``work_limit_s``: work done and budgeted, in reference seconds
    (:class:`WorkClock`); ``repeatable``: False when the wall-clock safety net
    ended a step (a rerun may then return another roster); ``phases``:
    (step, wall seconds, reference seconds of work) per step.
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


# ------------------------------------------------------------------ checks
def _constraints(prob: pulp.LpProblem) -> dict:
    """Name -> constraint (PuLP 3 warns on the public mapping; its solvers use this)."""
    cons = getattr(prob, "_constraints", None)
    return cons if isinstance(cons, dict) else dict(prob.constraints)


def constraint_violations(prob: pulp.LpProblem, values: dict[str, float], tol: float = FEAS_TOL) -> list[str]:
    """Names of constraints that ``values`` break (absolute + relative tolerance)."""
    bad = []
    for name, c in _constraints(prob).items():
        lhs = c.constant + sum(coef * values.get(v.name, 0.0) for v, coef in c.items())
        scale = tol * (1.0 + abs(c.constant))
        if c.sense == pulp.LpConstraintEQ and abs(lhs) > scale:
            bad.append(name)
        elif c.sense == pulp.LpConstraintLE and lhs > scale:
            bad.append(name)
        elif c.sense == pulp.LpConstraintGE and lhs < -scale:
            bad.append(name)
    for v in prob.variables():
        val = values.get(v.name, 0.0)
        if v.lowBound is not None and val < v.lowBound - tol:
            bad.append(f"bound:{v.name}")
        if v.upBound is not None and val > v.upBound + tol:
            bad.append(f"bound:{v.name}")
    return bad


def fractional_variables(model: TourModel, values: dict[str, float], tol: float = INT_TOL) -> list[str]:
    """Integer variables whose value is not integral."""
    return [v.name for v in model.integer_variables() if abs(values.get(v.name, 0.0) - round(values.get(v.name, 0.0))) > tol]


def polish(model: TourModel, values: dict[str, float]) -> dict[str, float]:
    """Round integer variables exactly and recompute the coverage slacks."""
    out = dict(values)
    for v in model.integer_variables():
        out[v.name] = float(round(out.get(v.name, 0.0)))
    return _recompute(model, out)


def _recompute(model: TourModel, values: dict[str, float]) -> dict[str, float]:
    """Auxiliary variables and coverage slacks of ``values`` (integers not
    rounded: the day neighbourhood carries fractional break counts)."""
    out = dict(values)
    model.complete_aux(out)
    gap = model.h.required - model.net_coverage(out)
    for t in range(model.n):
        out[model.under[t].name] = float(max(gap[t], 0.0))
        out[model.over[t].name] = float(max(-gap[t], 0.0))
    return out


def objective_value(prob: pulp.LpProblem, values: dict[str, float]) -> float:
    obj = prob.objective
    return float(obj.constant + sum(c * values.get(v.name, 0.0) for v, c in obj.items()))


# ------------------------------------------------------------ warm start
def _largest_remainder(weights: list[float], total: int) -> list[int]:
    """Integers summing to ``total`` proportional to ``weights`` (Hamilton)."""
    if total <= 0 or not weights:
        return [0] * len(weights)
    w = np.maximum(np.asarray(weights, float), 0.0)
    if w.sum() <= 1e-12:
        w = np.ones_like(w)
    share = w / w.sum() * total
    base = np.floor(share).astype(int)
    rest = total - int(base.sum())
    order = sorted(range(len(w)), key=lambda i: (-(share[i] - base[i]), i))
    for i in order[:rest]:
        base[i] += 1
    return base.tolist()


def rounded_start(model: TourModel, lp: dict[str, float], *, anchor: bool = False) -> dict[str, float]:
    """An integer solution built from the LP relaxation (the warm start).

    Tours: head counts and patterns rounded by largest remainders, week-to-week
    moves matched by an assignment so every agent keeps the consecutive-day
    rule. Shifts: each day's working agents spread over the starts in
    proportion to the LP. With ``anchor`` every agent of a contract works the
    LP's most used start every day (always rest-feasible). Breaks: each shift
    takes the in-window slot where the interval is most over-staffed.
    """
    m = model
    vals: dict[str, float] = {}
    cat = m.cat
    workers: dict[tuple[str, int], int] = {}
    for g in m.groups:
        ct = cat.contracts[g.contract]
        if g.size is not None:
            size = g.size
        else:
            size = int(round(lp.get(m.N[g.key].name, 0.0)))
            size = max(g.min_size, size if g.max_size is None else min(g.max_size, size))
            vals[m.N[g.key].name] = size
        if ct.pattern == "weekly":
            pats = m.patterns[g.contract]
            allowed = [[k for (gk, w, k) in m.p if gk == g.key and w == ww] for ww in range(m.W)]
            units = []
            for w in range(m.W):
                target = []
                for k, c in zip(allowed[w], _largest_remainder([lp.get(m.p[g.key, w, k].name, 0.0) for k in allowed[w]], size), strict=True):
                    target += [k] * c
                if w == 0:
                    units = [target]
                    continue
                prev = units[-1]
                if prev:
                    cost = np.array([[0.0 if transition_ok(pats[a], pats[b], ct.max_consecutive_days) else 1e6 for b in target] for a in prev])
                    r, cidx = linear_sum_assignment(cost)
                    nxt = [None] * len(prev)
                    for i, j in zip(r, cidx, strict=True):
                        nxt[i] = target[j]
                    for i, a in enumerate(prev):
                        if not transition_ok(pats[a], pats[nxt[i]], ct.max_consecutive_days):
                            ok = [k for k in allowed[w] if transition_ok(pats[a], pats[k], ct.max_consecutive_days)]
                            nxt[i] = max(ok, key=lambda k: (lp.get(m.p[g.key, w, k].name, 0.0), -k))
                    units.append(nxt)
                else:
                    units.append([])
            for w in range(m.W):
                for k in allowed[w]:
                    vals[m.p[g.key, w, k].name] = float(units[w].count(k))
                if w + 1 < m.W:
                    for (gk, ww, k, k2), v in m.tr.items():
                        if gk == g.key and ww == w:
                            vals[v.name] = float(sum(1 for a, b in zip(units[w], units[w + 1], strict=True) if a == k and b == k2))
            for d in range(m.D):
                if d in g.off_days:
                    continue
                w, j = divmod(d, 7)
                workers[g.contract, d] = workers.get((g.contract, d), 0) + sum(1 for k in units[w] if j not in pats[k])
        elif ct.pattern == "alternate":
            phases = sorted(ph for (gk, ph) in m.q if gk == g.key)
            counts = _largest_remainder([lp.get(m.q[g.key, ph].name, 0.0) for ph in phases], size)
            for ph, c in zip(phases, counts, strict=True):
                vals[m.q[g.key, ph].name] = float(c)
            for d in range(m.D):
                if d not in g.off_days and d % 2 in phases:
                    workers[g.contract, d] = workers.get((g.contract, d), 0) + counts[phases.index(d % 2)]
        else:
            for d in range(m.D):
                if d not in g.off_days:
                    workers[g.contract, d] = workers.get((g.contract, d), 0) + size
    # shifts
    x_int = np.zeros(len(m.options), dtype=int)
    for c in m.contract_keys:
        ct = cat.contracts[c]
        mass: dict[tuple[str, int, int], float] = {}
        for i, o in enumerate(m.options):
            if o.contract == c:
                mass[o.shift_type, o.start_clock, o.length_min] = mass.get((o.shift_type, o.start_clock, o.length_min), 0.0) + lp.get(m.x[i].name, 0.0)
        best = max(sorted(mass), key=lambda k: mass[k]) if mass else None
        for d in range(m.D):
            idxs = m.day_opts.get((c, d), [])
            if not idxs:
                continue
            total = workers.get((c, d), 0)
            if ct.pattern == "flexible":
                total = min(total, int(round(sum(lp.get(m.x[i].name, 0.0) for i in idxs))))
            if anchor and best is not None:
                pick = [i for i in idxs if (m.options[i].shift_type, m.options[i].start_clock, m.options[i].length_min) == best]
                if pick:
                    x_int[pick[0]] += total
                    continue
            for i, k in zip(idxs, _largest_remainder([lp.get(m.x[i].name, 0.0) for i in idxs], total), strict=True):
                x_int[i] += k
    for i, v in enumerate(m.x):
        vals[v.name] = float(x_int[i])
    vals.update(_greedy_breaks(m, x_int))
    return polish(m, vals)


def _greedy_breaks(m: TourModel, x_int: np.ndarray) -> dict[str, float]:
    """Break counts for integer shift counts ``x_int``: each shift's break
    goes, in turn, to the in-window slot where the interval is most
    over-staffed (the implicit-break conditions then hold by construction)."""
    vals: dict[str, float] = {}
    net = np.zeros(m.n)
    for i, o in enumerate(m.options):
        if x_int[i]:
            for t, f in _spread_cached(m, o.start_min, o.length_min):
                net[t] += f * x_int[i]
    for bg, bvars in zip(m.break_groups, m.b, strict=True):
        counts = {u: 0 for u in bg.slots}
        for i, o in enumerate(m.options):
            if o.shift_type != bg.shift_type or o.day != bg.day or not x_int[i]:
                continue
            cands = [o.start_min + off for off in range(bg.first_off, bg.last_off + 1, m.step)]
            for _ in range(x_int[i]):
                def margin(u, bg=bg):
                    sp = _spread_cached(m, u, bg.length_min)
                    return min((net[t] - m.h.required[t] for t, _f in sp), default=1e9)
                u = max(cands, key=lambda u: (margin(u), -u))
                counts[u] += 1
                for t, f in _spread_cached(m, u, bg.length_min):
                    net[t] -= f
        for var, u in zip(bvars, bg.slots, strict=True):
            vals[var.name] = float(counts[u])
    return vals


_SPREAD_CACHE: dict = {}


def _spread_cached(m: TourModel, start: float, length: float):
    from wfm.roster.model import _spread

    key = (id(m), start, length)
    r = _SPREAD_CACHE.get(key)
    if r is None:
        if len(_SPREAD_CACHE) > 200_000:
            _SPREAD_CACHE.clear()
        r = _spread(start, length, m.step, m.n)
        _SPREAD_CACHE[key] = r
    return r


def _tour_variables(model: TourModel) -> list[pulp.LpVariable]:
    return list(model.p.values()) + list(model.tr.values()) + list(model.q.values()) + list(model.N.values())


def cumulative_round(model: TourModel, lp: dict[str, float], tours: dict[str, float]) -> dict[str, float]:
    """Shifts and breaks of an LP solution with the tours fixed, rounded on
    their running totals; tours (and flexible contracts' shifts) from the
    integer solution ``tours``.

    Per contract and day the starts are taken in time order and the running
    total of the LP's counts is rounded (half up): each run of consecutive
    starts then gets its LP count within one agent, so coverage errors do not
    pile up as they do when each start is rounded on its own, and the day's
    total (an integer: the agents whose tour works that day) is kept. The
    break counts of a shift type are rounded on their running totals with
    the same offset, a monotone map, so the implicit-break conditions (running
    totals of breaks against running totals of shifts) and the rest conditions
    of the LP carry over to the integers when shift types of a contract do
    not interleave in start time; the caller checks. Returns polished values."""
    m = model

    def half_up(v: float) -> int:
        return math.floor(v + 0.5 + 1e-9)

    out = dict(tours)
    offsets: dict[tuple[str, int], float] = {}
    for (c, d), idxs in m.day_opts.items():
        if m.cat.contracts[c].pattern == "flexible":
            continue
        cum, prev = 0.0, 0
        for i in sorted(idxs, key=lambda i: (m.options[i].start_min, m.options[i].shift_type, m.options[i].length_min)):
            offsets.setdefault((m.options[i].shift_type, d), cum)
            cum += max(lp.get(m.x[i].name, 0.0), 0.0)
            now = half_up(cum)
            out[m.x[i].name] = float(now - prev)
            prev = now
    for bg, bvars in zip(m.break_groups, m.b, strict=True):
        if (bg.shift_type, bg.day) not in offsets:
            continue
        cum = offsets[bg.shift_type, bg.day]
        prev = half_up(cum)
        for v in bvars:
            cum += max(lp.get(v.name, 0.0), 0.0)
            now = half_up(cum)
            out[v.name] = float(now - prev)
            prev = now
    return polish(m, out)


FLEX_SKELETON_S = 10.0  # wall-clock safety net of the member skeleton MIP
FLEX_SKELETON_CHECKS = 30  # its work limit (HiGHS interrupt checks; deterministic)
FLEX_SKELETON_CHECKS_PER_S = 20.0  # measured: 30 checks in 1.3-1.6 s on the 10-member retail instance
FLEX_SKELETON_NODES = 200  # CBC's work limit


def flexible_start(model: TourModel, lp: dict[str, float], base: dict[str, float], *,
                   solver: str = "highs", clock: WorkClock | None = None) -> dict[str, float] | None:
    """A feasible start when the model has flexible contracts with named
    members, whose rounded LP almost never keeps every member's rules.

    ``base`` (an integer solution, e.g. :func:`rounded_start`'s) gives the
    other contracts. For each flexible contract with members, a small MIP
    (the *skeleton*) picks, per member and day, whether the member works and
    the shift length: at most one shift a day, none on the member's days
    off or where their availability has no start, at most
    ``max_consecutive_days`` in a row, total minutes within the member's
    limits; it keeps each day's minutes and shift count as close as it can
    to the LP's (absolute deviations, minutes plus 60 per shift). Then, day
    by day, each working member (in a fixed order) takes the start of that
    length, inside their windows and ``min_rest_h`` after their previous
    shift where one exists, that removes the most under-staffing cost from
    the coverage so far (ties: the earliest). Breaks are placed greedily.

    Work: the skeleton MIP stops after ``FLEX_SKELETON_CHECKS`` HiGHS checks
    (CBC: ``FLEX_SKELETON_NODES`` nodes), charged to ``clock``.

    Returns polished values (the caller checks them), ``base`` unchanged
    when there is nothing flexible with members, or None when the skeleton
    MIP finds no solution within its work limit (or there is none: the
    members' rules contradict each other, say minimum minutes that the
    consecutive-day limit cannot reach)."""
    m = model
    groups = {g.key: g for g in m.groups}
    flex = sorted({groups[gk].contract for gk, _mi in m.member_vars}, key=m.contract_keys.index)
    if not flex:
        return base
    out = dict(base)
    x_int = np.array([int(round(out.get(v.name, 0.0))) for v in m.x])
    for c in flex:
        for d in range(m.D):
            for i in m.day_opts.get((c, d), []):
                x_int[i] = 0
    dates = m.h.dates()
    uw, ow = np.asarray(m.under_w, float), np.asarray(m.over_w, float)
    net = np.zeros(m.n)
    for i, o in enumerate(m.options):
        if x_int[i]:
            for t, f in _spread_cached(m, o.start_min, o.length_min):
                net[t] += f * x_int[i]
    for c in flex:
        ct = m.cat.contracts[c]
        members = sorted(k for k in m.member_vars if groups[k[0]].contract == c)

        def allowed(g, d, c=c):
            win = None if g.windows is None else dict(g.windows)
            wd = dates[d].weekday()
            return [i for i in m.day_opts.get((c, d), [])
                    if window_allows(win, wd, m.options[i].start_clock, m.options[i].length_min)]

        opts = {(k, d): allowed(groups[k[0]], d) for k in members for d in m.member_vars[k][0]}
        prob = pulp.LpProblem("skeleton", pulp.LpMinimize)
        y: dict[tuple, pulp.LpVariable] = {}
        for k in members:
            for d in m.member_vars[k][0]:
                for L in sorted({m.options[i].length_min for i in opts[k, d]}):
                    y[k, d, L] = pulp.LpVariable(_name("y", k[0], k[1], d, L), cat="Binary")
        by_md: dict[tuple, list] = {}
        for (k, d, L), v in y.items():
            by_md.setdefault((k, d), []).append((v, L))
        obj = []
        for k in members:
            g = groups[k[0]]
            days = sorted(m.member_vars[k][0])
            for d in days:
                if by_md.get((k, d)):
                    prob += pulp.lpSum(v for v, _L in by_md[k, d]) <= 1
            M = ct.max_consecutive_days
            for d0 in range(0, m.D - M):
                e = [v for d in range(d0, d0 + M + 1) for v, _L in by_md.get((k, d), [])]
                if e:
                    prob += pulp.lpSum(e) <= M
            mins = pulp.lpSum(L * v for d in days for v, L in by_md.get((k, d), []))
            if g.min_minutes:
                prob += mins >= g.min_minutes
            if g.max_minutes is not None:
                prob += mins <= g.max_minutes
        for d in range(m.D):
            idxs = m.day_opts.get((c, d), [])
            target_min = sum(max(lp.get(m.x[i].name, 0.0), 0.0) * m.options[i].length_min for i in idxs)
            target_n = sum(max(lp.get(m.x[i].name, 0.0), 0.0) for i in idxs)
            terms = [(v, L) for (_k, dd, L), v in y.items() if dd == d]
            for what, expr, target, weight in (("min", pulp.lpSum(L * v for v, L in terms), target_min, 1.0),
                                               ("n", pulp.lpSum(v for v, _L in terms), target_n, 60.0)):
                up = pulp.LpVariable(f"dev_up_{what}_{d}", lowBound=0)
                dn = pulp.LpVariable(f"dev_dn_{what}_{d}", lowBound=0)
                prob += expr - target == up - dn
                obj += [weight * up, weight * dn]
        prob += pulp.lpSum(obj)
        with quiet_pulp():
            if solver == "highs" and pulp.HiGHS().available():
                state: dict = {}
                prob.solve(_highs_solver(FLEX_SKELETON_S, 1e-2, None, False, None, checks=FLEX_SKELETON_CHECKS, state=state))
                work = min(state["checks"], FLEX_SKELETON_CHECKS) / FLEX_SKELETON_CHECKS_PER_S
            else:
                prob.solve(pulp.PULP_CBC_CMD(msg=False, timeLimit=FLEX_SKELETON_S, gapRel=1e-2, threads=1,
                                             options=["randomSeed 12345", "randomCbcSeed 12345",
                                                      f"maxNodes {FLEX_SKELETON_NODES}"]))
                work = FLEX_SKELETON_NODES / CBC_NODES_PER_S
        if clock is not None:
            clock.charge(work)
        if prob.sol_status not in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible):
            return None
        length = {(k, d): L for (k, d, L), v in y.items() if (v.varValue or 0.0) > 0.5}
        rest = ct.min_rest_h * 60.0
        prev_end: dict[tuple, float] = {}
        for d in range(m.D):
            for k in members:
                w, hm = m.member_vars[k]
                if d not in w:
                    continue
                L = length.get((k, d))
                out[w[d].name] = 1.0 if L else 0.0
                out[hm[d].name] = float(L or 0.0)
                if not L:
                    continue
                cands = [i for i in opts[k, d] if m.options[i].length_min == L]
                ok = [i for i in cands if m.options[i].start_min >= prev_end.get(k, -math.inf) + rest]
                cands = ok or [max(cands, key=lambda i: (m.options[i].start_min, -i))]

                def gain(i):
                    g_ = 0.0
                    for t, f in _spread_cached(m, m.options[i].start_min, m.options[i].length_min):
                        g_ += f * (uw[t] if net[t] < m.h.required[t] - 1e-9 else -ow[t])
                    return g_

                best = max(cands, key=lambda i: (gain(i), -m.options[i].start_min, -i))
                x_int[best] += 1
                for t, f in _spread_cached(m, m.options[best].start_min, m.options[best].length_min):
                    net[t] += f
                prev_end[k] = m.options[best].end_min
    for i, v in enumerate(m.x):
        out[v.name] = float(x_int[i])
    out.update(_greedy_breaks(m, x_int))
    return polish(m, out)


@contextlib.contextmanager
def _fixed_at(variables: list[pulp.LpVariable], values: dict[str, float]):
    """``variables`` fixed at their (rounded) ``values`` for the duration;
    their bounds are restored afterwards."""
    saved = [(v, v.lowBound, v.upBound) for v in variables]
    try:
        for v in variables:
            v.lowBound = v.upBound = float(round(values.get(v.name, 0.0)))
        yield
    finally:
        for v, lo, up in saved:
            v.lowBound, v.upBound = lo, up


def tours_fixed_lp(model: TourModel, tours: dict[str, float], solver: str) -> tuple[dict[str, float], float, str]:
    """The LP relaxation with the tours (patterns, moves, phases, head counts)
    fixed at the integer solution ``tours``: the best fractional shifts for
    those tours. Bounds are restored afterwards."""
    with _fixed_at(_tour_variables(model), tours):
        return _solve_lp(model, solver, 60.0, False)


# ---------------------------------------------------------------- solvers
def _highs_solver(time_limit_s, gap_rel, start, msg, node_limit, record: str | None = None,
                  checks: int | None = None, state: dict | None = None):
    """PuLP's HiGHS with a warm start, a hard wall-clock limit (``time_limit_s``,
    the safety net) and a deterministic work limit: at most ``checks`` MIP
    interrupt checks. ``state`` receives ``checks`` (made) and ``wall`` (True
    when the wall clock, not the work limit, stopped the solve)."""
    import highspy

    state = state if state is not None else {}
    state.update(checks=0, wall=False)

    class _HiGHSWarm(pulp.HiGHS):
        def callSolver(self, lp):
            if start is not None:
                n = lp.solverModel.getNumCol()
                col = [0.0] * n
                for v in lp.variables():
                    col[v.index] = float(start.get(v.name, 0.0))
                sol = highspy.HighsSolution()
                sol.col_value = col
                sol.value_valid = True
                lp.solverModel.setSolution(sol)
            deadline = time.perf_counter() + float(time_limit_s) + 0.5

            def _stop(e):
                # HiGHS checks its own time limit rarely in the root cut loop;
                # the simplex/MIP interrupt callbacks keep the limit honest.
                if time.perf_counter() > deadline:
                    state["wall"] = True
                    e.interrupt()

            def _count(e):
                state["checks"] += 1
                if checks is not None and state["checks"] > checks:
                    e.interrupt()
                else:
                    _stop(e)

            h = lp.solverModel
            h.cbSimplexInterrupt.subscribe(_stop)
            h.cbMipInterrupt.subscribe(_count)
            if record is not None:
                names = [None] * h.getNumCol()
                for v in lp.variables():
                    names[v.index] = v.name

                def _improved(e):
                    out = e.data_out
                    _dump(record, {"objective": float(out.objective_function_value),
                                   "bound": float(out.mip_dual_bound),
                                   "values": dict(zip(names, (float(x) for x in out.mip_solution), strict=False))})

                h.cbMipImprovingSolution.subscribe(_improved)
            super().callSolver(lp)
            if h.getModelStatus() == highspy.HighsModelStatus.kTimeLimit:
                state["wall"] = True

    params = {"random_seed": 0, "mip_feasibility_tolerance": 1e-7, **HIGHS_OPTIONS}
    if node_limit is not None:
        params["mip_max_nodes"] = int(node_limit)
    # HiGHS's own limit sits beyond ours: it is only a last resort
    return _HiGHSWarm(msg=msg, timeLimit=float(time_limit_s) + 2.0, gapRel=gap_rel, threads=1, **params)


def _dump(path: str, obj) -> None:
    import pickle

    tmp = path + ".tmp"
    with open(tmp, "wb") as fh:
        pickle.dump(obj, fh)
    os.replace(tmp, path)


def _highs_forked(model: TourModel, time_limit_s: float, gap_rel: float, start, msg: bool, node_limit,
                  checks: int | None = None):
    """Run the HiGHS MIP in a forked child with a hard wall-clock limit.

    HiGHS can spend minutes in its root cut loop without looking at its time
    limit (seen on the four-week model); the child records every improving
    solution, and the parent ends the child (by its own process id) at the
    deadline and keeps the best solution recorded. ``checks``: the
    deterministic work limit (see :func:`_highs_solver`). Returns (status
    text, values or None, dual bound or None, checks made or None, wall-clock
    limit hit)."""
    import multiprocessing as mp
    import pickle

    d = tempfile.mkdtemp(prefix="wfm_highs_")
    rec, final = os.path.join(d, "improving.pkl"), os.path.join(d, "final.pkl")

    def child():
        try:
            prob = model.prob
            state: dict = {}
            prob.solve(_highs_solver(time_limit_s, gap_rel, start, msg, node_limit, record=rec, checks=checks, state=state))
            h = prob.solverModel
            info = h.getInfo()
            vals = {v.name: (v.varValue if v.varValue is not None else 0.0) for v in prob.variables()}
            _dump(final, {"status": h.modelStatusToString(h.getModelStatus()), "bound": float(info.mip_dual_bound),
                          "has": info.primal_solution_status == 2, "values": vals, "checks": state["checks"],
                          "wall": state["wall"]})
        finally:
            os._exit(0)

    ctx = mp.get_context("fork")
    proc = ctx.Process(target=child, daemon=True)
    proc.start()
    proc.join(time_limit_s + 2.0)
    killed = proc.is_alive()
    if killed:
        proc.terminate()
        proc.join(5.0)
    try:
        if os.path.exists(final):
            with open(final, "rb") as fh:
                r = pickle.load(fh)
            return r["status"], (r["values"] if r["has"] else None), r["bound"], r["checks"], r["wall"]
        if os.path.exists(rec):
            with open(rec, "rb") as fh:
                r = pickle.load(fh)
            return "Time limit reached (stopped by wfm)", r["values"], r["bound"], None, True
        return ("Time limit reached (stopped by wfm)" if killed else "no result"), None, None, None, killed
    finally:
        for f in (rec, final, rec + ".tmp", final + ".tmp"):
            if os.path.exists(f):
                os.unlink(f)
        os.rmdir(d)


def _solve_lp(model: TourModel, solver: str, time_limit_s: float, msg: bool) -> tuple[dict[str, float], float, str]:
    prob = model.prob
    if solver == "highs":
        s = pulp.HiGHS(mip=False, msg=msg, timeLimit=time_limit_s, threads=1, random_seed=0)
        prob.solve(s)
        st = prob.solverModel.modelStatusToString(prob.solverModel.getModelStatus())
        obj = prob.solverModel.getInfo().objective_function_value
    else:
        s = pulp.PULP_CBC_CMD(mip=False, msg=msg, timeLimit=time_limit_s, threads=1)
        prob.solve(s)
        st = pulp.LpStatus[prob.status]
        obj = pulp.value(prob.objective)
    vals = {v.name: (v.varValue or 0.0) for v in prob.variables()}
    return vals, float(obj), st


# work limit of one head-count branch LP, in simplex iterations (deterministic;
# the warm re-solves took 47-6 172 at four weeks, 0.2-4 s)
HEAD_COUNT_ITERATIONS = 100_000
# with an LP this slow (four weeks: 2.5 s) the branches run in a forked child,
# beside the searches, on the machine's other core
HEAD_COUNT_FORK_LP_S = 0.5


@dataclass(frozen=True)
class HeadCountBranch:
    """The head count the LP left fractional and its two branch LPs.

    ``lp_value``: the LP's total head count over the groups it sizes;
    ``below`` / ``above``: the LP objective with that total at most
    floor(lp_value) / at least ceil(lp_value) (``inf``: no solution in that
    branch); ``bound``: the smaller of the two."""

    lp_value: float
    below: float
    above: float

    @property
    def bound(self) -> float:
        return min(self.below, self.above)


def head_count_bound(model: TourModel, lp_obj: float, highs=None, *, deadline: float = math.inf,
                     iterations: int = HEAD_COUNT_ITERATIONS) -> tuple[float, HeadCountBranch | None, bool]:
    """A lower bound on the best roster at least as tight as the LP bound.

    A roster has a whole number of agents, while the LP may pay for 134.41
    of them. With ``v`` the LP's total head count over the groups the model
    sizes, every roster lies in one of the branches ``total <= floor(v)``
    or ``total >= ceil(v)``, so the smaller of the two branch LP objectives
    is a lower bound on every roster's cost (one level of branch and bound,
    Land & Doig 1960). On the four-week benchmark it is 0.096 % above the
    LP bound; branching on each contract's head count instead adds under
    0.002 % there, for the same time.

    ``highs``: the ``highspy.Highs`` object of the LP just solved
    (``model.prob.solverModel`` after :func:`_solve_lp` with HiGHS); the
    total is added to it as a row, bounded per branch and re-solved from the
    LP's basis (dual simplex; about 2 s a branch at four weeks, most of it
    HiGHS' setup), then freed again. Without it (CBC), or when the total is
    whole or fixed, the LP bound is returned unchanged.
    ``iterations``: the work limit of each branch (simplex iterations; a
    branch stopped by it gives no bound); ``deadline``: the wall-clock
    safety net (``time.perf_counter()`` value).

    Returns (bound, the branch or None, True when the safety net stopped a
    branch).
    """
    import highspy

    free = [v for v in model.N.values() if v.lowBound != v.upBound]
    if highs is None or not free:
        return lp_obj, None, False
    x = highs.getSolution().col_value
    cols = np.array([v.index for v in free], dtype=np.int32)
    value = float(sum(x[i] for i in cols))
    if abs(value - round(value)) <= INT_TOL:
        return lp_obj, None, False
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("simplex_iteration_limit", int(iterations))
    # a free row for the total (its slack enters the basis), bounded per branch
    highs.addRow(-highspy.kHighsInf, highspy.kHighsInf, len(cols), cols, np.ones(len(cols)))
    row = highs.getNumRow() - 1
    root = highs.getBasis()
    st = highspy.HighsModelStatus
    objs = []
    try:
        for lo, hi in ((-highspy.kHighsInf, math.floor(value)), (math.ceil(value), highspy.kHighsInf)):
            left = deadline - time.perf_counter()
            if left <= 0:
                return lp_obj, None, True
            highs.setOptionValue("time_limit", highs.getRunTime() + left)
            highs.setBasis(root)  # each branch from the LP's basis
            highs.changeRowBounds(row, float(lo), float(hi))
            highs.run()
            status = highs.getModelStatus()
            if status == st.kTimeLimit:
                return lp_obj, None, True
            if status == st.kOptimal:
                objs.append(float(highs.getInfo().objective_function_value))
            elif status == st.kInfeasible:
                objs.append(math.inf)
            else:  # stopped by the iteration limit or unsolved: no bound
                return lp_obj, None, False
    finally:
        highs.deleteRows(1, np.array([row], dtype=np.int32))
    branch = HeadCountBranch(value, objs[0], objs[1])
    return (max(lp_obj, branch.bound) if math.isfinite(branch.bound) else lp_obj), branch, False


class _HeadCountJob:
    """:func:`head_count_bound` run inline, or in a forked child (``fork``)
    whose result :meth:`result` collects, waiting until ``deadline`` at most."""

    def __init__(self, model: TourModel, lp_obj: float, highs, *, deadline: float, fork: bool):
        self.lp_obj, self.deadline = lp_obj, deadline
        import multiprocessing as mp

        self.forked = fork and highs is not None and "fork" in mp.get_all_start_methods()
        if not self.forked:
            self._result = head_count_bound(model, lp_obj, highs, deadline=deadline)
            return
        ctx = mp.get_context("fork")
        self._recv, send = ctx.Pipe(duplex=False)

        def child():
            try:
                send.send(head_count_bound(model, lp_obj, highs, deadline=deadline))
            finally:
                os._exit(0)

        self._proc = ctx.Process(target=child, daemon=True)
        try:
            self._proc.start()
        except (AssertionError, OSError):  # e.g. inside a daemonic worker, or no process left
            send.close()
            self._recv.close()
            self.forked = False
            self._result = head_count_bound(model, lp_obj, highs, deadline=deadline)
            return
        send.close()

    def result(self) -> tuple[float, HeadCountBranch | None, bool]:
        if not self.forked:
            return self._result
        try:
            if self._recv.poll(max(self.deadline - time.perf_counter(), 0.0) + 1.0):
                return self._recv.recv()
            return self.lp_obj, None, True
        except EOFError:  # the child died without an answer
            return self.lp_obj, None, False
        finally:
            if self._proc.is_alive():
                self._proc.terminate()
            self._proc.join(5.0)
            self._recv.close()


def _parse_cbc_log(text: str) -> dict:
    out = {}
    m = re.search(r"Result - (.+)", text)
    out["result"] = m.group(1).strip() if m else ""
    for key, pat in (("objective", r"Objective value:\s+([-+0-9.eE]+)"), ("bound", r"Lower bound:\s+([-+0-9.eE]+)"),
                     ("gap", r"Gap:\s+([-+0-9.eE]+)")):
        m = re.search(pat, text)
        if m:
            out[key] = float(m.group(1))
    if "No feasible solution found" in text or "no integer solution" in text.lower():
        out["no_solution"] = True
    return out


def solve_model(model: TourModel, **kw) -> tuple[SolveInfo, dict[str, float]]:
    """Solve the model; return (info, values by variable name) of a checked
    integer solution (see the module docstring). Keywords: ``solver``
    ("highs" | "cbc"), ``time_limit_s`` (hard wall-clock limit, the safety
    net), ``work_limit_s`` (deterministic budget in reference seconds;
    default ``WORK_SHARE * time_limit_s``), ``gap_rel``, ``msg``,
    ``node_limit``, ``warm_start``, ``improve``, ``improve_share`` (share of
    the work budget for the neighbourhood searches; the full MIP gets the
    rest)."""
    with quiet_pulp():
        return _solve_model(model, **kw)


# Models with at least this many integer variables skip the full MIP by
# default: HiGHS spends the whole budget in its root cut loop on them (seen
# on the four-week benchmark), so the work goes to the neighbourhoods.
LARGE_MODEL_INTEGERS = 3000


def _solve_model(model: TourModel, *, solver: str = "highs", time_limit_s: float = 60.0,
                 work_limit_s: float | None = None, gap_rel: float = 1e-4, msg: bool = False,
                 node_limit: int | None = None, warm_start: bool = True, improve: bool = True,
                 improve_share: float | None = None) -> tuple[SolveInfo, dict[str, float]]:
    if solver not in SOLVERS:
        raise ValueError(f"solver must be one of {SOLVERS}, not {solver!r}")
    if solver == "highs" and not pulp.HiGHS().available():
        solver = "cbc"
    prob = model.prob
    notes = []
    t0 = time.perf_counter()
    clock = WorkClock(budget=WORK_SHARE * time_limit_s if work_limit_s is None else float(work_limit_s),
                      deadline=t0 + time_limit_s)
    lp_vals, lp_obj, lp_status = _solve_lp(model, solver, max(time_limit_s, 1.0), msg)
    lp_time = time.perf_counter() - t0
    phases = [("lp", lp_time, 0.0)]

    def phase(name, t_before, w_before):
        phases.append((name, round(time.perf_counter() - t_before, 3), round(clock.used - w_before, 3)))

    # started now, while the LP's basis is at hand (later solves rebuild the model)
    t1 = time.perf_counter()
    lp_highs = prob.solverModel if solver == "highs" and lp_status.lower() == "optimal" else None
    hc_job = _HeadCountJob(model, lp_obj, lp_highs, deadline=t0 + time_limit_s, fork=lp_time >= HEAD_COUNT_FORK_LP_S)
    if lp_highs is not None:
        phase("head_count_bound (started)" if hc_job.forked else "head_count_bound", t1, 0.0)

    if lp_status.lower() not in ("optimal", "1"):
        notes.append(f"LP relaxation status: {lp_status}")
        if "time" in lp_status.lower():
            clock.wall_hit = True
    n_int = len(model.integer_variables())
    large = n_int >= LARGE_MODEL_INTEGERS
    # warm starts: rounded LP, else everyone on one start per contract
    start = None
    rounded = None
    for anchor in (False, True):
        cand = repair_availability(model, rounded_start(model, lp_vals, anchor=anchor))
        rounded = rounded if rounded is not None else cand
        if not constraint_violations(prob, cand):
            start = cand
            break
    if start is not None and improve:
        # the same tours with the LP's shifts for them, rounded on running totals
        t1 = time.perf_counter()
        fixed, _obj, fixed_status = tours_fixed_lp(model, start, solver)
        if fixed_status.lower() in ("optimal", "1"):
            cand = repair_availability(model, cumulative_round(model, fixed, start))
            if not constraint_violations(prob, cand) and objective_value(prob, cand) < objective_value(prob, start):
                start = cand
        phase("tours_fixed_lp", t1, 0.0)
    member_start = False
    if start is None:
        # flexible contracts with named members: a skeleton of who works when
        t1 = time.perf_counter()
        cand = flexible_start(model, lp_vals, rounded, solver=solver, clock=clock)
        if cand is not None and cand is not rounded and not constraint_violations(prob, cand):
            start, member_start = cand, True
            notes.append("start from the flexible members' skeleton (the rounded LP breaks their rules)")
        else:
            notes.append("no feasible rounded-LP start")
        phase("flexible_start", t1, 0.0)  # (its work is in the clock's total)
    if start is not None and improve:
        if improve_share is None:
            # small models: HiGHS' own search does well given work; large ones
            # stall in its root cut loop, so the neighbourhoods get it all
            improve_share = 1.0 if large else 0.35
        # each step's budget is read when it starts (the day neighbourhood
        # gets what the earlier steps left of its share)
        local = ("local_search", "local search",
                 lambda s: local_search(model, s, clock=clock, budget_s=LOCAL_SHARE * clock.budget))
        steps = (
            local,
            ("tour_search", "tour search",
             lambda s: tour_search(model, s, clock=clock, budget_s=TOUR_SHARE * clock.budget)),
            local,
            ("day_by_day", "day neighbourhood",
             lambda s: day_by_day(model, s, passes=3, clock=clock, solver=solver,
                                  budget_s=_day_budget(model, solver, improve_share * clock.budget - clock.used,
                                                       large and not member_start))),
        )
        if member_start:
            steps = (local,)  # the other searches leave flexible contracts as they are
        for name, label, run in steps:
            t1, w1 = time.perf_counter(), clock.used
            cand = run(start)
            phase(name, t1, w1)
            if not constraint_violations(prob, cand) and objective_value(prob, cand) <= objective_value(prob, start) + 1e-9:
                start = cand
            else:
                notes.append(f"{label} result rejected")
        if large and not member_start:
            # budget the day neighbourhood left (it has converged): tours
            # re-chosen with whole shifts, then the day neighbourhood again
            while clock.left >= PRICE_ROUND_MIN_SHARE * _price_round_cost(model, solver) and not clock.out_of_time():
                t1, w1 = time.perf_counter(), clock.used
                left = clock.left
                cand = priced_tour_moves(model, start, clock=clock, budget_s=PRICE_SHARE * left, solver=solver)
                if cand is not start:
                    cand = day_by_day(model, cand, passes=3, clock=clock, solver=solver,
                                      budget_s=_day_budget(model, solver, clock.left, True))
                phase("priced_tour_moves", t1, w1)
                if cand is start or constraint_violations(prob, cand) or \
                        objective_value(prob, cand) >= objective_value(prob, start) - 1e-6:
                    break
                start = cand
    wall_left = clock.deadline - time.perf_counter()
    # the searches leave flexible contracts alone, so with those the MIP
    # (warm-started from the skeleton) gets the budget whatever the size
    run_mip = (clock.left * full_checks_per_s(n_int) >= 1 and wall_left > 0.5
               and not (large and improve and node_limit is None and not member_start))
    if not run_mip and start is None:
        run_mip, wall_left = True, max(wall_left, 1.0)  # nothing to publish otherwise
    best_bound = None
    solver_status = ""
    has = False
    proved = False
    vals: dict[str, float] = {}
    if not run_mip and member_start:
        solver_status = "not run (no work budget or time left)"
        notes.append("full MIP not run: no work budget or time left after the start")
    elif not run_mip:
        solver_status = "not run (work budget spent on the neighbourhoods)"
        notes.append("full MIP not run: the work budget went to the neighbourhood searches")
    elif solver == "highs":
        t1, w1 = time.perf_counter(), clock.used
        rate = full_checks_per_s(n_int)
        checks = None if node_limit is not None else max(1, int(clock.left * rate))
        solver_status, hv, best_bound, made, wall = _highs_forked(model, wall_left, gap_rel, start if warm_start else None,
                                                                  msg, node_limit, checks=checks)
        done = made if made is not None else (checks or 0)
        clock.charge((min(done, checks) if checks is not None else done) / rate)
        phase("mip", t1, w1)
        clock.wall_hit |= wall
        if best_bound is not None and not math.isfinite(best_bound):
            best_bound = None
        has = hv is not None
        vals = dict(hv) if has else {}
        proved = solver_status.lower() == "optimal"
    else:
        if warm_start and start is not None:
            for v in prob.variables():
                v.setInitialValue(start.get(v.name, 0.0))
        t1, w1 = time.perf_counter(), clock.used
        fd, logp = tempfile.mkstemp(prefix="wfm_cbc_", suffix=".log")
        os.close(fd)
        nodes = int(node_limit) if node_limit is not None else max(1, int(clock.left * CBC_NODES_PER_S))
        try:
            opts = ["randomSeed 12345", "randomCbcSeed 12345", f"maxNodes {nodes}"]
            s = pulp.PULP_CBC_CMD(msg=False, timeLimit=wall_left, gapRel=gap_rel, threads=1,
                                  warmStart=warm_start and start is not None, logPath=logp, options=opts)
            prob.solve(s)
            with open(logp, encoding="utf-8", errors="replace") as fh:
                log = _parse_cbc_log(fh.read())
        finally:
            os.unlink(logp)
        clock.charge(clock.left)
        phase("mip", t1, w1)
        solver_status = log.get("result", "") or pulp.LpStatus[prob.status]
        if "time" in solver_status.lower():
            clock.wall_hit = True
        best_bound = log.get("bound")
        has = not log.get("no_solution", False) and prob.sol_status in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible)
        proved = solver_status.lower().startswith("optimal")
        vals = {v.name: (v.varValue if v.varValue is not None else 0.0) for v in prob.variables()}
    source = "solver"
    ok = has
    if has:
        frac = fractional_variables(model, vals)
        if frac:
            notes.append(f"solver values not integral ({len(frac)} variables, e.g. {frac[0]}): rejected")
            ok = False
        else:
            vals = polish(model, vals)
            bad = constraint_violations(prob, vals)
            if bad:
                notes.append(f"solver solution breaks {len(bad)} constraints (e.g. {bad[0]}): rejected")
                ok = False
    if ok and start is not None and objective_value(prob, start) < objective_value(prob, vals) - 1e-6:
        vals, source = start, "warm_start"
    if not ok:
        if start is None:
            raise RuntimeError("no integer roster: the solver found none and the rounded start is infeasible")
        vals, source, proved = start, "warm_start", False
    obj = objective_value(prob, vals)
    t1 = time.perf_counter()
    hc_bound, hc_branch, cut = hc_job.result()
    if hc_job.forked:
        phase("head_count_bound (waited for)", t1, clock.used)
    if cut:
        clock.wall_hit = True  # the bound reported may differ on a rerun
        notes.append("head-count bound cut short by the wall-clock limit")
    if best_bound is None or not math.isfinite(best_bound):
        best_bound = lp_obj
    best_bound = max(best_bound, hc_bound, lp_obj)  # all valid lower bounds
    if proved and source == "solver":
        status = "optimal"
    elif ok or (not run_mip and start is not None):
        status = "feasible"
    else:
        status = "heuristic"
    gap = max(0.0, (obj - best_bound) / max(abs(obj), 1e-9))
    if clock.wall_hit:
        notes.append("the wall-clock limit, not the work budget, ended a step: a rerun may return another roster")
    return SolveInfo(solver, status, solver_status, obj, lp_obj, best_bound, gap, time.perf_counter() - t0, lp_time,
                     model.n_variables, model.n_constraints, n_int, source, tuple(notes),
                     work_s=round(clock.used, 3), work_limit_s=round(clock.budget, 3),
                     repeatable=not clock.wall_hit, phases=tuple(phases), head_count_bound=hc_bound,
                     head_count_branch=hc_branch), vals


# ------------------------------------------------------ day neighbourhood
DAY_CHECKS = 1000  # work limit of one day's sub-MIP (HiGHS MIP interrupt checks)
# A day's sub-MIP costs its root (presolve, LP, cut loop), which checks
# rarely, plus its checks: charged this much per integer variable on top.
SUBMIP_S_PER_INTEGER = 0.005
DAY_CBC_NODES = 50
DAY_CBC_NODES_PER_S = 65.0  # CBC nodes in a day's start sub-MIP (50 nodes: 0.77 s at four weeks)
BREAK_CHECKS = 2000  # work limit of the break-placement MIP (HiGHS interrupt checks)
# ...which mostly presolves the whole model away: about 0.7 s at four weeks
BREAK_S_PER_VARIABLE = 4e-5
BREAK_CHECKS_USUAL = 30  # what it usually takes (four weeks: 15)


def _break_cost(model: TourModel, solver: str, checks: int | None = None) -> float:
    """Reference seconds charged for :func:`place_breaks` (``checks``: HiGHS
    checks made; None: the usual number, for reserving it in advance)."""
    fixed = BREAK_S_PER_VARIABLE * model.n_variables
    if solver == "cbc":
        return fixed + DAY_CBC_NODES / DAY_CBC_NODES_PER_S
    return fixed + (BREAK_CHECKS_USUAL if checks is None else checks) / HIGHS_CHECKS_PER_S


def place_breaks(model: TourModel, vals: dict[str, float], *, solver: str = "highs", clock: WorkClock | None = None,
                 checks: int | None = None) -> dict[str, float] | None:
    """Integer break times for fixed shifts and tours: the model's MIP with
    every shift count and tour variable fixed at ``vals``, so only the break
    counts (and the slacks) are free. Small after presolve (the four-week
    benchmark: under a second). Returns polished values, or None when the
    solver finds no integer solution within ``checks`` HiGHS interrupt checks
    (CBC: ``DAY_CBC_NODES`` nodes) or the wall-clock safety net."""
    m = model
    clock = clock if clock is not None else WorkClock(budget=math.inf)
    checks = BREAK_CHECKS if checks is None else checks
    wall = max(0.5, clock.deadline - time.perf_counter())
    with _fixed_at(_tour_variables(m) + list(m.x), vals):
        with quiet_pulp():
            if solver == "cbc":
                m.prob.solve(pulp.PULP_CBC_CMD(msg=False, timeLimit=min(wall, 1e6), threads=1, gapRel=1e-6,
                                               options=["randomSeed 12345", "randomCbcSeed 12345",
                                                        f"maxNodes {DAY_CBC_NODES}"]))
                clock.charge(_break_cost(m, "cbc"))
                ok = m.prob.sol_status in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible)
            else:
                state: dict = {}
                m.prob.solve(_highs_solver(wall, 1e-6, None, False, None, checks=checks, state=state))
                clock.charge(_break_cost(m, "highs", min(state["checks"], checks)))
                clock.wall_hit |= state["wall"]
                ok = not state["wall"] and m.prob.solverModel.getInfo().primal_solution_status == 2
        out = {v.name: (v.varValue if v.varValue is not None else 0.0) for v in m.prob.variables()}
    if not ok or fractional_variables(m, out):
        return None
    return polish(m, out)


def day_by_day(model: TourModel, base: dict[str, float], *, passes: int = 1, clock: WorkClock | None = None,
               budget_s: float | None = None, day_checks: int | None = None, solver: str = "highs") -> dict[str, float]:
    """Large-neighbourhood search: tours fixed from ``base`` (an integer,
    polished solution); the shift starts of one day at a time are
    re-optimised by a small dense MIP (:class:`_DayMIP`, started from the
    current values), every other day fixed: same number of shifts per
    contract that day, the day's implicit break constraints, coverage of the
    intervals it touches and the rest condition with the days before and
    after. A day is kept only when the objective does not get worse.
    Flexible contracts are left as they are.

    Only the starts are integer in a day's MIP; its break counts are
    continuous. Integer breaks cost almost nothing once the starts are set
    (four-week benchmark: the breaks' LP and their MIP differ by under
    0.01 % of the objective) but make the day's MIP five times as large and
    several times slower. So the days carry fractional breaks, and
    :func:`place_breaks` makes them integral once at the end (if it fails,
    ``base`` is returned).

    Each pass visits the days with the costliest under/over-staffing first
    (ties by date), so a short budget goes where it pays. Work: each sub-MIP
    stops after ``day_checks`` HiGHS interrupt checks (CBC:
    ``DAY_CBC_NODES`` nodes); the search stops when ``budget_s`` reference
    seconds, the break placement's included, are charged to ``clock``
    (deterministic) or at the clock's wall-clock deadline (the safety net).
    Returns polished values (check before use)."""
    m = model
    clock = clock if clock is not None else WorkClock(budget=math.inf)
    # the break placement at the end comes out of the same budget
    stop_at = clock.used + (budget_s if budget_s is not None else math.inf) - _break_cost(m, solver)
    day_checks = DAY_CHECKS if day_checks is None else day_checks
    base = polish(m, dict(base))
    cur = dict(base)
    days = _DayMIP(m)
    cur_obj = objective_value(m.prob, cur)
    changed_any = False

    def finish():
        if not changed_any:
            return base
        out = place_breaks(m, cur, solver=solver, clock=clock)
        return base if out is None else out

    for _ps in range(passes):
        changed = False
        order = sorted(days.days, key=lambda d: (-round(days.penalty(cur, d), 6), d))
        for d in order:
            outcome, trial = days.solve(cur, d, clock=clock, stop_at=stop_at, day_checks=day_checks, solver=solver)
            if outcome == "stop":
                return finish()
            if trial is None:
                continue
            t_obj = objective_value(m.prob, trial)
            if t_obj < cur_obj - 1e-9:
                cur, cur_obj, changed, changed_any = trial, t_obj, True, True
        if not changed:
            break
    return finish()


class _DayMIP:
    """One day's shift starts as a small MIP, everything else fixed at the
    current values (the neighbourhood of :func:`day_by_day`, also used to
    price tour changes in :func:`priced_tour_moves`). ``counts`` sets how many
    shifts each contract works that day (default: as now)."""

    def __init__(self, model: TourModel):
        m = self.m = model
        self.by_day_x: dict[int, list[int]] = {}
        for i, o in enumerate(m.options):
            if m.cat.contracts[o.contract].pattern != "flexible":
                self.by_day_x.setdefault(o.day, []).append(i)
        self.by_day_b: dict[int, list[int]] = {}
        for gi, bg in enumerate(m.break_groups):
            self.by_day_b.setdefault(bg.day, []).append(gi)
        # intervals touched by each variable (dense coverage form)
        self.touch: dict[str, list[int]] = {}
        for t, terms in enumerate(m.cover_terms):
            for v, _f in terms:
                self.touch.setdefault(v.name, []).append(t)
        self.day_rows: dict[int, list[int]] = {}
        for d in range(m.D):
            xi = self.by_day_x.get(d, [])
            names = {m.x[i].name for i in xi} | {v.name for gi in self.by_day_b.get(d, []) for v in m.b[gi]}
            self.day_rows[d] = sorted({t for n in names for t in self.touch.get(n, [])})
        self.uw, self.ow = np.asarray(m.under_w, float), np.asarray(m.over_w, float)
        self.days = [d for d in range(m.D) if self.by_day_x.get(d)]

    def penalty(self, vals: dict[str, float], d: int) -> float:
        m = self.m
        return float(sum(self.uw[t] * vals.get(m.under[t].name, 0.0) + self.ow[t] * vals.get(m.over[t].name, 0.0)
                         for t in self.day_rows[d]))

    def count(self, vals: dict[str, float], c: str, d: int) -> int:
        """Shifts of contract ``c`` on day ``d``."""
        m = self.m
        return int(round(sum(vals.get(m.x[i].name, 0.0) for i in m.day_opts.get((c, d), []))))

    def day_names(self, d: int) -> set[str]:
        """The variables a day's MIP sets: its starts and its break counts."""
        m = self.m
        return {m.x[i].name for i in self.by_day_x.get(d, [])} | {v.name for gi in self.by_day_b.get(d, []) for v in m.b[gi]}

    def solve(self, cur: dict[str, float], d: int, *, clock: WorkClock, stop_at: float, day_checks: int,
              solver: str, counts: dict[str, int] | None = None,
              checks_per_s: float = DAY_CHECKS_PER_S) -> tuple[str, dict[str, float] | None]:
        """Re-optimise day ``d``. Returns ("stop", None) when the budget or
        the wall clock ends the search (a sub-solve cut by the wall clock is
        not repeatable, so it is dropped), ("skip", None) when the sub-MIP
        found no integer solution, else ("ok", values with day ``d``
        replaced, breaks of that day fractional)."""
        m, touch = self.m, self.touch
        counts = counts or {}
        if clock.used >= stop_at or clock.out_of_time():
            return "stop", None
        xi = self.by_day_x[d]
        gis = [gi for gi in self.by_day_b.get(d, []) if m.break_groups[gi].shift_type in {m.options[i].shift_type for i in xi}]
        # the day's break counts as continuous stand-ins (same names)
        brel = {v.name: pulp.LpVariable(v.name, lowBound=0) for gi in gis for v in m.b[gi]}
        xs = {m.x[i].name for i in xi}
        free = xs | set(brel)

        def sv(v, brel=brel):
            return brel.get(v.name, v)

        sub = pulp.LpProblem(f"day{d}", pulp.LpMinimize)
        rows = sorted({t for n in free for t in touch.get(n, [])})
        obj = []
        for i in xi:
            rate = m.cat.contracts[m.options[i].contract].daily_rate * m.pay_weight
            if rate:
                obj.append((m.x[i], rate))
        for t in rows:
            e, const = [], 0.0
            for v, f in m.cover_terms[t]:
                if v.name in free:
                    e.append((sv(v), f))
                else:
                    const += f * cur.get(v.name, 0.0)
            e += [(m.under[t], 1.0), (m.over[t], -1.0)]
            sub += pulp.LpConstraint(pulp.LpAffineExpression(e), pulp.LpConstraintEQ, f"cov_{t}", m.h.required[t] - const)
            obj += [(m.under[t], float(m.under_w[t])), (m.over[t], float(m.over_w[t]))]
        by_c: dict[str, list[int]] = {}
        for i in xi:
            by_c.setdefault(m.options[i].contract, []).append(i)
        start = {n: cur.get(n, 0.0) for n in free}
        for c, idx in by_c.items():
            n_c = sum(cur.get(m.x[i].name, 0.0) for i in idx)
            want = counts.get(c, n_c)
            if want < 0:
                return "skip", None
            # a start with the new count (one shift more or fewer at the
            # busiest start); HiGHS completes the breaks or drops it
            while round(n_c) != round(want):
                step = 1.0 if want > n_c else -1.0
                i = max((i for i in idx if step > 0 or start[m.x[i].name] >= 1), key=lambda i: (start[m.x[i].name], -i))
                start[m.x[i].name] += step
                n_c += step
            sub += pulp.LpConstraint(pulp.LpAffineExpression([(m.x[i], 1.0) for i in idx]), pulp.LpConstraintEQ, f"day_{c}", want)
        for gi in gis:
            bg, bvars = m.break_groups[gi], [sv(v) for v in m.b[gi]]
            opts = [i for i in xi if m.options[i].shift_type == bg.shift_type]
            starts = sorted({m.options[i].start_min for i in opts})
            sub += pulp.LpConstraint(pulp.LpAffineExpression([(v, 1.0) for v in bvars] + [(m.x[i], -1.0) for i in opts]),
                                     pulp.LpConstraintEQ, f"bt_{gi}", 0)
            for k, st0 in enumerate(starts):
                if k < len(starts) - 1:
                    e = [(v, 1.0) for v, u in zip(bvars, bg.slots, strict=True) if u <= st0 + bg.last_off]
                    e += [(m.x[i], -1.0) for i in opts if m.options[i].start_min <= st0]
                    sub += pulp.LpConstraint(pulp.LpAffineExpression(e), pulp.LpConstraintGE, f"bf_{gi}_{k}", 0)
                if k > 0:
                    e = [(v, 1.0) for v, u in zip(bvars, bg.slots, strict=True) if u >= st0 + bg.first_off]
                    e += [(m.x[i], -1.0) for i in opts if m.options[i].start_min >= st0]
                    sub += pulp.LpConstraint(pulp.LpAffineExpression(e), pulp.LpConstraintGE, f"bb_{gi}_{k}", 0)
        for c in by_c:
            rest = m.cat.contracts[c].min_rest_h * 60
            for d0 in (d - 1, d):
                bv = m.both_vars.get((c, d0))
                if bv is None:
                    continue
                both = cur.get(bv.name, 0.0)
                today = m.day_opts.get((c, d0), [])
                tomorrow = m.day_opts.get((c, d0 + 1), [])
                for k, theta in enumerate(sorted({m.options[i].end_min for i in today})):
                    e, const = [], both
                    for i in today:
                        if m.options[i].end_min < theta:
                            if m.x[i].name in free:
                                e.append((m.x[i], -1.0))
                            else:
                                const -= cur.get(m.x[i].name, 0.0)
                    for i in tomorrow:
                        if m.options[i].start_min >= theta + rest:
                            if m.x[i].name in free:
                                e.append((m.x[i], -1.0))
                            else:
                                const -= cur.get(m.x[i].name, 0.0)
                    if not e:
                        continue
                    sub += pulp.LpConstraint(pulp.LpAffineExpression(e), pulp.LpConstraintLE, f"r_{c}_{d0}_{k}", -const)
        for r_i, row in enumerate(m.avail_rows):
            if row.day == d and row.contract in by_c:
                sub += pulp.LpConstraint(pulp.LpAffineExpression([(m.x[i], 1.0) for i in sorted(row.options)]),
                                         pulp.LpConstraintLE, f"av_{r_i}", m.availability_capacity(row, cur))
        sub.setObjective(pulp.LpAffineExpression(obj))
        for t in rows:
            start[m.under[t].name] = cur.get(m.under[t].name, 0.0)
            start[m.over[t].name] = cur.get(m.over[t].name, 0.0)
        wall = max(0.2, clock.deadline - time.perf_counter())
        left = stop_at - clock.used
        if solver == "cbc":
            nodes = max(1, min(DAY_CBC_NODES, int(min(left, 1e9) * DAY_CBC_NODES_PER_S)))
            for v in sub.variables():
                v.setInitialValue(start.get(v.name, 0.0))
            sub.solve(pulp.PULP_CBC_CMD(msg=False, timeLimit=wall, threads=1, warmStart=True, gapRel=1e-6,
                                        options=["randomSeed 12345", "randomCbcSeed 12345", f"maxNodes {nodes}"]))
            clock.charge(nodes / DAY_CBC_NODES_PER_S)
            if clock.out_of_time():
                return "stop", None
            if sub.sol_status not in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible):
                return "skip", None
        else:
            state: dict = {}
            floor_s = SUBMIP_S_PER_INTEGER * len(xi)
            if floor_s > left:
                return "stop", None  # not enough budget left for this day's sub-MIP
            cap = max(1, min(day_checks, int((min(left, 1e9) - floor_s) * checks_per_s)))
            sub.solve(_highs_solver(wall, 1e-6, start, False, None, checks=cap, state=state))
            clock.charge(floor_s + min(state["checks"], cap) / checks_per_s)
            if state["wall"]:
                clock.wall_hit = True
                return "stop", None
            if sub.solverModel.getInfo().primal_solution_status != 2:
                return "skip", None
        if any(abs((m.x[i].varValue or 0.0) - round(m.x[i].varValue or 0.0)) > INT_TOL for i in xi):
            return "skip", None
        trial = dict(cur)
        for i in xi:
            trial[m.x[i].name] = float(round(m.x[i].varValue or 0.0))
        for n, v in brel.items():
            trial[n] = max(0.0, float(v.varValue or 0.0))
        return "ok", _recompute(m, trial)


# ------------------------------------------------- tour moves priced by days
PRICE_CHECKS = 100  # work limit of one pricing sub-MIP (HiGHS interrupt checks)
# measured: a day's sub-MIP with one shift more or fewer makes about 60
# checks a second (it starts from a repaired, often infeasible, point)
PRICE_CHECKS_PER_S = 60.0
TOUR_IP_NODES = 2000  # work limit of the tour-choice IP (HiGHS: branch-and-bound nodes)
TOUR_IP_S_PER_INTEGER = 0.002


PRICE_SHARE = 0.75  # of the budget left when a round starts, for its pricing (the rest: day neighbourhood)
PRICE_ROUND_MIN_SHARE = 0.5  # start a round only with this share of a whole round's pricing left


# when pricing rounds follow, each day neighbourhood stops here: its last
# passes gain little (four weeks: 69.5 reference s for 0.04 % more than
# 16.5) and a round gains more
DAY_BUDGET_BEFORE_PRICING = 40.0


def _day_budget(model: TourModel, solver: str, left: float, rounds_allowed: bool) -> float:
    """The day neighbourhood's budget out of ``left`` reference s: all of it,
    unless a pricing round can follow it, then ``DAY_BUDGET_BEFORE_PRICING``."""
    if rounds_allowed and left - DAY_BUDGET_BEFORE_PRICING >= PRICE_ROUND_MIN_SHARE * _price_round_cost(model, solver):
        return DAY_BUDGET_BEFORE_PRICING
    return left


def _price_round_cost(model: TourModel, solver: str) -> float:
    """Reference seconds to price every day of ``model`` once (upper estimate)."""
    per = (DAY_CBC_NODES / DAY_CBC_NODES_PER_S if solver == "cbc"
           else SUBMIP_S_PER_INTEGER * len(model.options) / max(model.D, 1) + PRICE_CHECKS / PRICE_CHECKS_PER_S)
    weekly = [c for c in model.contract_keys if model.cat.contracts[c].pattern in ("weekly", "alternate")]
    return 2 * len(weekly) * model.D * per


def priced_tour_moves(model: TourModel, vals: dict[str, float], *, clock: WorkClock | None = None,
                      budget_s: float | None = None, solver: str = "highs",
                      price_checks: int | None = None) -> dict[str, float]:
    """Tours re-chosen with their whole shifts in view (one round).

    :func:`tour_search` prices a tour change with one shift added or dropped
    greedily, and the tours-fixed LP prices it with fractional shifts; both
    misjudge which days can lose or gain an agent once every shift is whole
    (one-week benchmark: the same shift search gives 0.72 % above the LP
    bound from the full MIP's tours and 1.07-1.22 % from tours that are best
    under fractional shifts). Here, for every day and every weekly or
    alternate contract, the day's start MIP (:class:`_DayMIP`, the rest of
    the roster fixed) is solved with one shift of that contract fewer and
    one more: the change in the whole objective is that day's price of
    losing or gaining an agent. A small IP over the model's own tour rows
    (days-off patterns, week-to-week moves, phases, head counts and their
    limits) then picks at most one such change per day so that the tours
    stay whole and the summed price is least; each changed day takes the
    shifts its MIP found, and :func:`place_breaks` makes the breaks integral.

    The prices are separate per day, so two neighbouring changes can cost
    more together than their sum (a night shift covers the next morning):
    run :func:`day_by_day` after it and keep the result only if it is
    cheaper. Rows the IP does not see (rest between days, availability) are
    checked on the result; if one breaks, ``vals`` is returned.

    Work: each pricing MIP stops after ``price_checks`` HiGHS interrupt
    checks (CBC: ``DAY_CBC_NODES`` nodes), the tour IP after
    ``TOUR_IP_NODES`` nodes; days not priced when ``budget_s`` runs out keep
    their count. Returns polished values (``vals`` itself when nothing
    changes)."""
    m = model
    clock = clock if clock is not None else WorkClock(budget=math.inf)
    stop_at = clock.used + (budget_s if budget_s is not None else math.inf) - _break_cost(m, solver)
    price_checks = PRICE_CHECKS if price_checks is None else price_checks
    cur = polish(m, dict(vals))
    cur_obj = objective_value(m.prob, cur)
    days = _DayMIP(m)
    contracts = [c for c in m.contract_keys if m.cat.contracts[c].pattern in ("weekly", "alternate")]
    # price[d][(c, delta)] = (change of the objective, the day's values)
    price: dict[int, dict[tuple[str, int], tuple[float, dict[str, float]]]] = {}
    stopped = False
    for d in days.days:
        for c in contracts:
            n_c = days.count(cur, c, d)
            for delta in (-1, 1):
                if n_c + delta < 0 or not any(m.options[i].contract == c for i in days.by_day_x[d]):
                    continue
                outcome, trial = days.solve(cur, d, clock=clock, stop_at=stop_at, day_checks=price_checks,
                                            solver=solver, counts={c: n_c + delta}, checks_per_s=PRICE_CHECKS_PER_S)
                if outcome == "stop":
                    stopped = True
                    break
                if trial is not None:
                    keep = days.day_names(d)
                    price.setdefault(d, {})[c, delta] = (objective_value(m.prob, trial) - cur_obj,
                                                         {n: trial.get(n, 0.0) for n in keep})
            if stopped:
                break
        if stopped:
            break
    if not any(p < -1e-6 for dd in price.values() for p, _v in dd.values()):
        return vals  # no day is cheaper with an agent fewer or more
    tours = _choose_tours(m, days, cur, price, clock=clock, stop_at=stop_at, solver=solver)
    if tours is None:
        return vals
    new_tours, chosen = tours
    if not chosen:
        return vals
    out = dict(cur)
    out.update(new_tours)
    for d, key in chosen.items():
        out.update(price[d][key][1])
    out = place_breaks(m, _recompute(m, out), solver=solver, clock=clock)
    if out is None or constraint_violations(m.prob, out):
        return vals
    return out


def _choose_tours(m: TourModel, days: _DayMIP, cur: dict[str, float], price: dict, *, clock: WorkClock,
                  stop_at: float, solver: str) -> tuple[dict[str, float], dict[int, tuple[str, int]]] | None:
    """The tour IP of :func:`priced_tour_moves`: the model's rows on tour
    variables only, its day rows (shifts of a contract on a day = agents
    whose tour works it) with the day's shift count fixed at its current
    value plus the chosen change, one change at most per day. Returns the
    tour values and the change chosen per day, or None."""
    with quiet_pulp():
        # rows on tours alone (and the agents-working-both-days counts defined by them)
        tour_side = {v.name for v in _tour_variables(m)} | {v.name for v in m.both_vars.values()}
        day_row = {_name("day", c, d): (c, d) for c in m.contract_keys for d in range(m.D)}
        ip = pulp.LpProblem("tour_choice", pulp.LpMinimize)
        y = {(d, key): pulp.LpVariable(_name("y", d, key[0], "up" if key[1] > 0 else "down"), cat="Binary")
             for d, options in sorted(price.items()) for key in sorted(options)}
        for d in sorted(price):
            ip += pulp.LpConstraint(pulp.LpAffineExpression([(y[d, key], 1.0) for key in sorted(price[d])]),
                                    pulp.LpConstraintLE, _name("one", d), 1)
        for name, con in m.prob.constraints.items():
            items = list(con.items())
            if name in day_row:
                c, d = day_row[name]
                e = [(v, a) for v, a in items if v.name in tour_side]
                e += [(y[d, key], float(key[1])) for key in sorted(price.get(d, {})) if key[0] == c]
                ip += pulp.LpConstraint(pulp.LpAffineExpression(e), con.sense, name, -(con.constant + days.count(cur, c, d)))
            elif items and all(v.name in tour_side for v, _a in items):
                ip += pulp.LpConstraint(pulp.LpAffineExpression(items), con.sense, name, -con.constant)
        ip += pulp.LpAffineExpression([(y[k], price[k[0]][k[1]][0]) for k in sorted(y)])
    n_int = len(y) + sum(1 for v in ip.variables() if v.cat == pulp.LpInteger)
    wall = max(0.5, clock.deadline - time.perf_counter())
    start = {v.name: cur.get(v.name, 0.0) for v in ip.variables()}  # no change: feasible
    with quiet_pulp():
        if solver == "cbc":
            for v in ip.variables():
                v.setInitialValue(start.get(v.name, 0.0))
            ip.solve(pulp.PULP_CBC_CMD(msg=False, timeLimit=wall, threads=1, warmStart=True, gapRel=1e-6,
                                       options=["randomSeed 12345", "randomCbcSeed 12345", f"maxNodes {TOUR_IP_NODES}"]))
            ok = ip.sol_status in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible)
        else:
            state: dict = {}
            ip.solve(_highs_solver(wall, 1e-6, start, False, TOUR_IP_NODES, state=state))
            clock.wall_hit |= state["wall"]
            ok = not state["wall"] and ip.solverModel.getInfo().primal_solution_status == 2
    clock.charge(TOUR_IP_S_PER_INTEGER * n_int)
    if not ok:
        return None
    vals = {v.name: float(round(v.varValue or 0.0)) for v in ip.variables()}
    if any(abs((v.varValue or 0.0) - vals[v.name]) > INT_TOL for v in ip.variables() if v.cat == pulp.LpInteger):
        return None
    chosen = {k[0]: k[1] for k in sorted(y) if vals[y[k].name] > 0.5}
    tour_names = {v.name for v in _tour_variables(m)}
    return {n: v for n, v in vals.items() if n in tour_names}, chosen


# ------------------------------------------------------------ local search
def _edf_breaks(model: TourModel, vals: dict[str, float], inst: list[int]) -> list[list[tuple[int, float]]]:
    """Break times per shift instance from the model's break counts (earliest
    window end first, as in the assignment)."""
    import heapq

    m = model
    brk: list[list[tuple[int, float]]] = [[] for _ in inst]
    by_sd: dict[tuple[str, int], list[int]] = {}
    for k, oi in enumerate(inst):
        o = m.options[oi]
        by_sd.setdefault((o.shift_type, o.day), []).append(k)
    for bg, bvars in zip(m.break_groups, m.b, strict=True):
        ks = by_sd.get((bg.shift_type, bg.day), [])
        slots = sorted(u for v, u in zip(bvars, bg.slots, strict=True) for _ in range(int(round(vals.get(v.name, 0.0)))))
        wins = sorted((m.options[inst[k]].start_min + bg.first_off, m.options[inst[k]].start_min + bg.last_off, k) for k in ks)
        heap: list = []
        wi = 0
        got = {}
        for u in slots:
            while wi < len(wins) and wins[wi][0] <= u:
                heapq.heappush(heap, (wins[wi][1], wins[wi][2]))
                wi += 1
            while heap and heap[0][0] < u:
                heapq.heappop(heap)
            if heap:
                got[heapq.heappop(heap)[1]] = u
        for e, _l, k in wins:
            brk[k].append((bg.index, got.get(k, e)))
    return brk


class _Shifts:
    """Shift instances of an integer solution, their break times and the net
    coverage they give, kept up to date move by move (the local searches'
    state). Instances are numbered; a removed one leaves ``None``.

    ``both[c, d]``: agents of weekly contract ``c`` working days ``d`` and
    ``d + 1`` (tours), for the rest condition. ``evals`` counts candidate
    evaluations (break slots tried, instances priced for removal) for the
    work clock."""

    def __init__(self, model: TourModel, vals: dict[str, float]):
        m = self.m = model
        self.req = m.h.required
        self.uw = np.asarray(m.under_w, float)
        self.ow = np.asarray(m.over_w, float)
        self.inst: list[int | None] = [i for i, v in enumerate(m.x) for _ in range(int(round(vals.get(v.name, 0.0))))]
        self.brks = _edf_breaks(m, vals, self.inst)
        self.net = np.zeros(m.n)
        self.evals = 0
        self.by_cd: dict[tuple[str, int], list[int]] = {}
        for k, oi in enumerate(self.inst):
            o = m.options[oi]
            self.by_cd.setdefault((o.contract, o.day), []).append(k)
            self.apply(oi, self.brks[k], 1.0)
        self.day_opts: dict[tuple[str, int], list[int]] = {}
        for i, o in enumerate(m.options):
            self.day_opts.setdefault((o.contract, o.day), []).append(i)
        self.both = {(c, d): float(vals.get(var.name, 0.0)) for (c, d), var in m.both_vars.items()}
        self.rest_min = {c: m.cat.contracts[c].min_rest_h * 60 for c in m.contract_keys}
        self.weekly = {c for c in m.contract_keys if m.cat.contracts[c].pattern == "weekly"}
        self.rate = {c: m.cat.contracts[c].daily_rate * m.pay_weight for c in m.contract_keys}
        step = m.step
        self.windows = {s: [(j, int(math.ceil(r.earliest_min / step)) * step, int(math.floor(r.latest_min / step)) * step, r.length_min)
                            for j, r in enumerate(st.breaks)] for s, st in m.cat.shift_types.items()}
        # availability rows (constraint 6): shifts at the row's starts <= its capacity
        rows = m.avail_rows
        self.av_cap = [m.availability_capacity(r, vals) for r in rows]
        self.av_count = [0.0] * len(rows)
        self.av_of: dict[int, list[int]] = {}
        self.av_by_cd: dict[tuple[str, int], list[int]] = {}
        self.av_cap_of: dict[tuple[str, int], list[int]] = {}  # (group, day) -> rows it is capacity of
        for r_i, r in enumerate(rows):
            self.av_by_cd.setdefault((r.contract, r.day), []).append(r_i)
            for oi in r.options:
                self.av_of.setdefault(oi, []).append(r_i)
            for gk in r.capable:
                self.av_cap_of.setdefault((gk, r.day), []).append(r_i)
        for oi in self.inst:
            for r_i in self.av_of.get(oi, ()):
                self.av_count[r_i] += 1

    def pen(self, t: int, v: float) -> float:
        g = self.req[t] - v
        return self.uw[t] * g if g > 0 else -self.ow[t] * g

    def av_fits(self, oi: int, leaving: int | None = None) -> bool:
        """May a shift at option ``oi`` be added (``leaving``: the option of a
        shift it replaces) without passing an availability row's capacity?"""
        out = self.av_of.get(leaving, ()) if leaving is not None else ()
        return all(r_i in out or self.av_count[r_i] + 1 <= self.av_cap[r_i] + 1e-9 for r_i in self.av_of.get(oi, ()))

    def av_count_change(self, oi: int, sign: int) -> None:
        for r_i in self.av_of.get(oi, ()):
            self.av_count[r_i] += sign

    def av_ok(self, c: str, d: int) -> bool:
        """Every availability row of contract ``c`` on day ``d`` holds."""
        return all(self.av_count[r_i] <= self.av_cap[r_i] + 1e-9 for r_i in self.av_by_cd.get((c, d), ()))

    def av_capacity_change(self, group_key: str, d: int, sign: int) -> None:
        """One agent of ``group_key`` starts (+1) or stops (-1) working day ``d``."""
        for r_i in self.av_cap_of.get((group_key, d), ()):
            self.av_cap[r_i] += sign

    def av_removal_set(self, group_key: str, c: str, d: int):
        """Options one of which the shift dropped when an agent of
        ``group_key`` stops working day ``d`` must have, so that the rows
        whose capacity falls still hold (None: any)."""
        only = None
        for r_i in self.av_cap_of.get((group_key, d), ()):
            if self.av_count[r_i] > self.av_cap[r_i] - 1 + 1e-9:
                opts = self.m.avail_rows[r_i].options
                only = set(opts) if only is None else only & opts
        return only

    def touch(self, oi: int, br) -> dict[int, float]:
        """Net coverage a shift instance adds, per interval."""
        o = self.m.options[oi]
        out: dict[int, float] = {}
        for t, f in _spread_cached(self.m, o.start_min, o.length_min):
            out[t] = out.get(t, 0.0) + f
        st = self.m.cat.shift_types[o.shift_type]
        for j, u in br:
            for t, f in _spread_cached(self.m, u, st.breaks[j].length_min):
                out[t] = out.get(t, 0.0) - f
        return out

    def apply(self, oi: int, br, sign: float) -> None:
        for t, f in self.touch(oi, br).items():
            self.net[t] += sign * f

    def delta(self, touched: dict[int, float]) -> float:
        """Penalty change if ``touched`` is added to the net coverage."""
        net = self.net
        return sum(self.pen(t, net[t] + dv) - self.pen(t, net[t]) for t, dv in touched.items())

    def best_placement(self, c: str, d: int, length: int | None = None, leaving: int | None = None,
                       exclude: frozenset = frozenset()):
        """(penalty change, option, breaks) of the best new shift of contract
        ``c`` on day ``d`` (start, shift type and greedy in-window breaks)
        that keeps the availability rows (``leaving``: the option of the shift
        it replaces), or None when there is none."""
        m, net = self.m, self.net
        best = None
        for cand in self.day_opts.get((c, d), []):
            co = m.options[cand]
            if length is not None and co.length_min != length:
                continue
            if cand in exclude or (self.av_cap and not self.av_fits(cand, leaving)):
                continue
            touched: dict[int, float] = {}
            for t, f in _spread_cached(m, co.start_min, co.length_min):
                touched[t] = touched.get(t, 0.0) + f
            br = []
            for j, first, last, blen in self.windows[co.shift_type]:
                bu, bc = None, None
                for off in range(first, last + 1, m.step):
                    self.evals += 1
                    u = co.start_min + off
                    cst = 0.0
                    for t, f in _spread_cached(m, u, blen):
                        cur = net[t] + touched.get(t, 0.0)
                        cst += self.pen(t, cur - f) - self.pen(t, cur)
                    if bc is None or cst < bc - 1e-12:
                        bu, bc = u, cst
                br.append((j, bu))
                for t, f in _spread_cached(m, bu, blen):
                    touched[t] = touched.get(t, 0.0) - f
            dl = self.delta(touched)
            if best is None or dl < best[0] - 1e-9:
                best = (dl, cand, br)
        return best

    def add(self, oi: int, br) -> int:
        k = len(self.inst)
        self.inst.append(oi)
        self.brks.append(br)
        o = self.m.options[oi]
        self.by_cd.setdefault((o.contract, o.day), []).append(k)
        self.apply(oi, br, 1.0)
        self.av_count_change(oi, 1)
        return k

    def remove(self, k: int) -> None:
        oi = self.inst[k]
        o = self.m.options[oi]
        self.apply(oi, self.brks[k], -1.0)
        self.by_cd[o.contract, o.day].remove(k)
        self.inst[k] = None
        self.av_count_change(oi, -1)

    def restore(self, k: int, oi: int, br) -> None:
        """Undo :meth:`remove` (same number, same place in its day's list)."""
        self.inst[k], self.brks[k] = oi, br
        o = self.m.options[oi]
        lst = self.by_cd.setdefault((o.contract, o.day), [])
        lst.insert(bisect.bisect_left(lst, k), k)
        self.apply(oi, br, 1.0)
        self.av_count_change(oi, 1)

    def cheapest_removal(self, c: str, d: int, only=None):
        """(penalty change, instance) of the best shift of ``c`` to drop on
        day ``d`` (``only``: among shifts at these options)."""
        best = None
        for k in self.by_cd.get((c, d), []):
            if only is not None and self.inst[k] not in only:
                continue
            self.evals += REMOVAL_EVALS
            neg = {t: -f for t, f in self.touch(self.inst[k], self.brks[k]).items()}
            dl = self.delta(neg)
            if best is None or dl < best[0] - 1e-9:
                best = (dl, k)
        return best

    def rest_ok(self, c: str, d: int) -> bool:
        """Hall condition of the rest rule between day d and d+1 for contract c."""
        b = self.both.get((c, d), 0.0)
        if b <= 0:
            return True
        opts = self.m.options
        ends = sorted(opts[self.inst[k]].end_min for k in self.by_cd.get((c, d), []))
        starts = sorted(opts[self.inst[k]].start_min for k in self.by_cd.get((c, d + 1), []))
        rest = self.rest_min[c]
        for idx, theta in enumerate(ends):
            if idx and ends[idx - 1] == theta:
                continue
            late = len(starts) - bisect.bisect_left(starts, theta + rest)
            if b - idx > late + 1e-9:
                return False
        return True

    def values(self, vals: dict[str, float]) -> dict[str, float]:
        """``vals`` with the shift and break counts of this state (polished)."""
        m = self.m
        out = dict(vals)
        for v in m.x:
            out[v.name] = 0.0
        slot_var = {}
        for bg, bvars in zip(m.break_groups, m.b, strict=True):
            for v, u in zip(bvars, bg.slots, strict=True):
                out[v.name] = 0.0
                slot_var[bg.shift_type, bg.day, bg.index, u] = v
        for oi, br in zip(self.inst, self.brks, strict=True):
            if oi is None:
                continue
            out[m.x[oi].name] += 1.0
            o = m.options[oi]
            for j, u in br:
                out[slot_var[o.shift_type, o.day, j, u].name] += 1.0
        return polish(m, out)


def repair_availability(model: TourModel, vals: dict[str, float]) -> dict[str, float]:
    """Move shifts out of the starts an availability row (constraint 6)
    has too many of, each to the cheapest start of the same contract and
    day outside the row that keeps the other rows and the rest condition
    (a rounded LP can pass a row by an agent or two). Returns polished
    values; a row that cannot be mended is left for the caller's check."""
    m = model
    if not m.avail_rows:
        return vals
    S = _Shifts(m, vals)
    for r_i, row in enumerate(m.avail_rows):
        tried: set[int] = set()
        while S.av_count[r_i] > S.av_cap[r_i] + 1e-9:
            best = None
            for k in S.by_cd.get((row.contract, row.day), []):
                oi = S.inst[k]
                if oi not in row.options or k in tried:
                    continue
                gain = S.delta({t: -f for t, f in S.touch(oi, S.brks[k]).items()})
                S.apply(oi, S.brks[k], -1.0)
                p = S.best_placement(row.contract, row.day, leaving=oi, exclude=row.options)
                S.apply(oi, S.brks[k], 1.0)
                if p is not None and (best is None or p[0] + gain < best[0] - 1e-9):
                    best = (p[0] + gain, k, p)
            if best is None:
                break
            _, k, p = best
            tried.add(k)
            oi, br = S.inst[k], S.brks[k]
            S.remove(k)
            k2 = S.add(p[1], p[2])
            c, d = row.contract, row.day
            if c in S.weekly and not all(S.rest_ok(c, dd) for dd in (d - 1, d) if 0 <= dd < m.D - 1):
                S.remove(k2)
                S.restore(k, oi, br)
    return S.values(vals)


def local_search(model: TourModel, vals: dict[str, float], *, clock: WorkClock | None = None,
                 budget_s: float | None = None, max_sweeps: int = 50) -> dict[str, float]:
    """Improve an integer solution with the tours fixed: each shift in turn
    moves to the start (same contract and day, any of its shift types and
    lengths) and break times that lower the penalties most, breaks placed
    greedily inside their windows; moves that could break the rest condition
    between consecutive days are checked first. Pay is unchanged (same number
    of shifts of each contract a day). Sweeps until nothing improves, at most
    ``max_sweeps``, or until ``budget_s`` reference seconds of evaluations
    (``EVALS_PER_S``) are charged to ``clock`` (deterministic); the clock's
    wall-clock deadline is the safety net. Returns polished values."""
    m = model
    clock = clock if clock is not None else WorkClock(budget=math.inf)
    stop_at = clock.used + (budget_s if budget_s is not None else math.inf)
    S = _Shifts(m, vals)
    if not S.inst:
        return polish(m, vals)
    stopped = False
    for _sweep in range(max_sweeps):
        improved = 0.0
        for k in range(len(S.inst)):
            clock.charge(S.evals / EVALS_PER_S)
            S.evals = 0
            if clock.used >= stop_at or clock.out_of_time():
                stopped = True
                break
            oi = S.inst[k]
            o = m.options[oi]
            S.apply(oi, S.brks[k], -1.0)
            flexible = m.cat.contracts[o.contract].pattern == "flexible"
            best = S.best_placement(o.contract, o.day, o.length_min if flexible else None, leaving=oi)
            cur_delta = S.delta(S.touch(oi, S.brks[k]))
            if best is not None and best[0] < cur_delta - 1e-9:
                S.inst[k] = best[1]
                nb = m.options[best[1]]
                ok = True
                if o.contract in S.weekly and (nb.end_min > o.end_min or nb.start_min < o.start_min):
                    ok = S.rest_ok(o.contract, o.day) and (o.day == 0 or S.rest_ok(o.contract, o.day - 1))
                if ok:
                    improved += cur_delta - best[0]
                    S.brks[k] = best[2]
                    S.av_count_change(oi, -1)
                    S.av_count_change(best[1], 1)
                else:
                    S.inst[k] = oi
            S.apply(S.inst[k], S.brks[k], 1.0)
        if improved <= 1e-9 or stopped:
            break
    return S.values(vals)


# ------------------------------------------------------------- tour search
def _chains(model: TourModel, vals: dict[str, float]) -> dict[str, list[list[int]]]:
    """Weekly groups' agents as chains of days-off patterns (one per week),
    read off the pattern counts ``p`` and week-to-week moves ``tr``."""
    m = model
    out: dict[str, list[list[int]]] = {}
    for g in m.groups:
        if m.cat.contracts[g.contract].pattern != "weekly":
            continue
        ks = sorted(k for (gk, w, k) in m.p if gk == g.key and w == 0)
        chains = [[k] for k in ks for _ in range(int(round(vals.get(m.p[g.key, 0, k].name, 0.0))))]
        for w in range(m.W - 1):
            left = {}
            for (gk, ww, k, k2), v in sorted(m.tr.items(), key=lambda kv: kv[0][1:]):
                if gk == g.key and ww == w:
                    left[k, k2] = int(round(vals.get(v.name, 0.0)))
            for ch in chains:
                nxt = next((k2 for (k, k2), c in sorted(left.items()) if k == ch[-1] and c > 0), None)
                if nxt is None:  # inconsistent counts: the caller's check rejects the result
                    nxt = ch[-1]
                else:
                    left[ch[-1], nxt] -= 1
                ch.append(nxt)
        out[g.key] = chains
    return out


def tour_search(model: TourModel, vals: dict[str, float], *, clock: WorkClock | None = None,
                budget_s: float | None = None, max_sweeps: int = 20) -> dict[str, float]:
    """Improve the tours of an integer solution, shifts re-placed as they change.

    The tours fixed by the LP's rounding are the weak part of a rounded
    solution: the LP covers quiet hours (nights) with fractions of agents, and
    whole agents then leave short intervals that no shift move can fill
    (four-week benchmark: with the rounded-LP tours the LP is 0.5 % above the
    bound, the best shifts found 1.5 % above that). Moves, first improvement,
    each priced exactly on the net coverage (pay + under/over penalties):

    * weekly contracts: one agent takes another days-off pattern in one week
      (its moves to the weeks before and after must stay allowed), the shift
      dropped on each day it no longer works being the cheapest one to drop
      and the shift added on each new working day the best start with greedy
      breaks (as in :func:`local_search`);
    * alternate contracts: one agent changes phase;
    * sized groups: one agent more (copying an existing agent's tour) or
      fewer, within the group's, contract's and contract-mix limits.

    A move that breaks the rest condition between two days is undone. Stops
    when a sweep improves nothing, after ``max_sweeps``, or when ``budget_s``
    reference seconds of evaluations are charged to ``clock``. Flexible
    contracts are left alone. Returns polished values (check before use)."""
    m = model
    clock = clock if clock is not None else WorkClock(budget=math.inf)
    stop_at = clock.used + (budget_s if budget_s is not None else math.inf)
    S = _Shifts(m, vals)
    chains = _chains(m, vals)
    phase_n: dict[str, dict[int, int]] = {}
    for g in m.groups:
        if m.cat.contracts[g.contract].pattern == "alternate":
            phase_n[g.key] = {ph: int(round(vals.get(v.name, 0.0))) for (gk, ph), v in sorted(m.q.items()) if gk == g.key}
    sizes = {g.key: len(chains[g.key]) if g.key in chains else sum(phase_n.get(g.key, {}).values())
             for g in m.groups if g.key in m.N}
    n_names = {v.name for v in m.N.values()}
    size_cons = [c for c in _constraints(m.prob).values() if c.items() and all(v.name in n_names for v, _ in c.items())]

    def sizes_ok(trial: dict[str, int]) -> bool:
        vv = {m.N[key].name: float(n) for key, n in trial.items()}
        for g in m.groups:
            if g.key in trial and (trial[g.key] < g.min_size or (g.max_size is not None and trial[g.key] > g.max_size)):
                return False
        for c in size_cons:
            lhs = c.constant + sum(coef * vv.get(v.name, 0.0) for v, coef in c.items())
            if (c.sense == pulp.LpConstraintLE and lhs > FEAS_TOL) or (c.sense == pulp.LpConstraintGE and lhs < -FEAS_TOL):
                return False
        return True

    def chain_days(g, ch) -> set[int]:
        pats = m.patterns[g.contract]
        return {d for d in range(m.D) if d not in g.off_days and (d % 7) not in pats[ch[d // 7]]}

    def phase_days(g, ph) -> set[int]:
        return {d for d in range(m.D) if d % 2 == ph and d not in g.off_days}

    def both_change(c, old: set[int], new: set[int], sign: int = 1) -> list[int]:
        """Update the agents-working-both-days counts; the days whose rest
        condition must be checked again."""
        if c not in S.weekly:
            return []
        touched = []
        for d in range(m.D - 1):
            before = (d in old and d + 1 in old)
            after = (d in new and d + 1 in new)
            if before != after:
                S.both[c, d] = S.both.get((c, d), 0.0) + sign * (int(after) - int(before))
                touched.append(d)
        return touched

    def try_move(g, old: set[int], new: set[int]) -> bool:
        """Move one agent of group ``g`` from working ``old`` days to
        ``new`` ones; keep it if cheaper, rest-feasible and within the
        availability rows."""
        c = g.contract
        log_rm, log_add, log_cap = [], [], []
        total = S.rate[c] * (len(new) - len(old))
        ok = True
        for d in sorted(old - new):
            r = S.cheapest_removal(c, d, S.av_removal_set(g.key, c, d))
            if r is None:
                ok = False
                break
            k = r[1]
            log_rm.append((k, S.inst[k], S.brks[k]))
            total += r[0]
            S.remove(k)
            S.av_capacity_change(g.key, d, -1)
            log_cap.append((d, -1))
        if ok:
            for d in sorted(new - old):
                S.av_capacity_change(g.key, d, 1)
                log_cap.append((d, 1))
                p = S.best_placement(c, d)
                if p is None:
                    ok = False
                    break
                total += p[0]
                log_add.append(S.add(p[1], p[2]))
        checks = both_change(c, old, new) if ok else []
        if ok and total < -1e-9:
            days = sorted({dd for d in (old ^ new) for dd in (d - 1, d) if 0 <= dd < m.D - 1} | set(checks))
            if all(S.rest_ok(c, d) for d in days) and all(S.av_ok(c, d) for d in old ^ new):
                return True
        if checks:
            both_change(c, new, old)
        for d, sign in reversed(log_cap):
            S.av_capacity_change(g.key, d, -sign)
        for k in reversed(log_add):
            S.remove(k)
        for k, oi, br in reversed(log_rm):
            S.restore(k, oi, br)
        return False

    for _sweep in range(max_sweeps):
        improved = False
        for g in m.groups:
            ct = m.cat.contracts[g.contract]
            if clock.used >= stop_at or clock.out_of_time():
                break
            moves = []
            if ct.pattern == "weekly":
                pats = m.patterns[g.contract]
                allowed = [sorted(k for (gk, w, k) in m.p if gk == g.key and w == ww) for ww in range(m.W)]
                seen = set()
                for a, ch in enumerate(chains[g.key]):
                    if tuple(ch) in seen:
                        continue
                    seen.add(tuple(ch))
                    for w in range(m.W):
                        for k2 in allowed[w]:
                            if k2 != ch[w]:
                                moves.append(("pattern", a, w, k2))
                if g.key in sizes:
                    moves += [("drop", a, None, None) for a in sorted({tuple(ch): a for a, ch in reversed(list(enumerate(chains[g.key])))}.values())]
                    moves += [("copy", a, None, None) for a in sorted({tuple(ch): a for a, ch in reversed(list(enumerate(chains[g.key])))}.values())]
            elif ct.pattern == "alternate":
                for ph, cnt in phase_n[g.key].items():
                    if cnt > 0:
                        moves += [("phase", ph, None, 1 - ph)] if 1 - ph in phase_n[g.key] else []
                        if g.key in sizes:
                            moves.append(("drop", ph, None, None))
                    if g.key in sizes:
                        moves.append(("copy", ph, None, None))
            for kind, a, w, k2 in moves:
                clock.charge(S.evals / EVALS_PER_S)
                S.evals = 0
                if clock.used >= stop_at or clock.out_of_time():
                    break
                weekly = ct.pattern == "weekly"
                if weekly:
                    if a >= len(chains[g.key]):
                        continue
                    ch = chains[g.key][a]
                    old = chain_days(g, ch)
                else:
                    if kind != "copy" and phase_n[g.key][a] <= 0:
                        continue
                    old = phase_days(g, a)
                if kind in ("copy", "drop"):
                    trial = dict(sizes)
                    trial[g.key] += 1 if kind == "copy" else -1
                    if not sizes_ok(trial):
                        continue
                    if try_move(g, set(), old) if kind == "copy" else try_move(g, old, set()):
                        if weekly and kind == "copy":
                            chains[g.key].append(list(ch))
                        elif weekly:
                            chains[g.key].pop(a)
                        else:
                            phase_n[g.key][a] += 1 if kind == "copy" else -1
                        sizes, improved = trial, True
                elif kind == "pattern":
                    # checked now: earlier moves may have changed this agent's other weeks
                    if k2 == ch[w] or (w > 0 and not transition_ok(pats[ch[w - 1]], pats[k2], ct.max_consecutive_days)) \
                            or (w + 1 < m.W and not transition_ok(pats[k2], pats[ch[w + 1]], ct.max_consecutive_days)):
                        continue
                    new_ch = ch[:w] + [k2] + ch[w + 1:]
                    if try_move(g, old, chain_days(g, new_ch)):
                        chains[g.key][a] = new_ch
                        improved = True
                elif try_move(g, old, phase_days(g, k2)):  # phase
                    phase_n[g.key][a] -= 1
                    phase_n[g.key][k2] += 1
                    improved = True
        if not improved or clock.used >= stop_at or clock.wall_hit:
            break
    clock.charge(S.evals / EVALS_PER_S)
    out = S.values(vals)
    for g in m.groups:
        if g.key in chains:
            for (gk, w, k), v in m.p.items():
                if gk == g.key:
                    out[v.name] = float(sum(1 for ch in chains[g.key] if ch[w] == k))
            for (gk, w, k, k2), v in m.tr.items():
                if gk == g.key:
                    out[v.name] = float(sum(1 for ch in chains[g.key] if ch[w] == k and ch[w + 1] == k2))
        if g.key in phase_n:
            for (gk, ph), v in m.q.items():
                if gk == g.key:
                    out[v.name] = float(phase_n[g.key][ph])
        if g.key in sizes:
            out[m.N[g.key].name] = float(sizes[g.key])
    return polish(m, out)
