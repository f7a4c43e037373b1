"""Large neighbourhoods solved as small MIPs, the rest of the roster fixed.

* :func:`day_by_day`: one day's shift starts at a time (:class:`DayMIP`);
* :func:`place_breaks`: integer break times for fixed shifts and tours;
* :func:`priced_tour_moves`: tours re-chosen by the price of each day's
  whole shifts with an agent fewer or more.

Every MIP runs on a :class:`~wfm.roster.solve.backend.Backend` with the work
limit and rate of its kind in :class:`~wfm.roster.solve.rates.Rates`, and is
charged to the :class:`~wfm.roster.solve.rates.WorkClock`. Values are arrays
in the model's column order.
"""

from __future__ import annotations

import dataclasses
import math
import time

import numpy as np
import pulp

from wfm.roster.model import TourModel, lp_name, new_variable, quiet_pulp
from wfm.roster.solve.backend import Backend, backend, fixed_at
from wfm.roster.solve.checks import (
    INT_TOL,
    constraint_violations,
    fractional_variables,
    polish,
    recompute,
)
from wfm.roster.solve.rates import RATES, MipWork, Rates, WorkClock


def break_cost(model: TourModel, be: Backend, rates: Rates = RATES, units: int | None = None) -> float:
    """Reference seconds charged for :func:`place_breaks` (``units``: work
    made; None: what it usually takes, for reserving it in advance)."""
    fixed = rates.break_s_per_variable * model.n_variables
    units = be.usual(rates.breaks) if units is None else units
    return fixed + units / be.per_s(rates.breaks)


def place_breaks(model: TourModel, vals, *, solver="highs", clock: WorkClock | None = None,
                 work_limit: int | None = None, rates: Rates = RATES) -> np.ndarray | None:
    """Integer break times for fixed shifts and tours: the model's MIP with
    every shift count and tour variable fixed at ``vals``, so only the break
    counts (and the slacks) are free. Small after presolve (the four-week
    benchmark: under a second). Returns polished values, or None when the
    solver finds no integer solution within ``work_limit`` (default
    ``rates.breaks``: HiGHS interrupt checks, CBC nodes) or the wall-clock
    safety net."""
    m = model
    be = backend(solver)
    clock = clock if clock is not None else WorkClock(budget=math.inf)
    limit = be.limit(rates.breaks) if work_limit is None else work_limit
    wall = max(0.5, clock.deadline - time.perf_counter())
    cols = np.concatenate([m.cols.tours, m.cols.x])
    with fixed_at([m.cols.variables[j] for j in cols], np.asarray(vals, float)[cols]):
        with quiet_pulp():
            res = be.solve_mip(m.prob, time_limit_s=wall, gap_rel=1e-6, work_limit=limit)
    clock.charge(break_cost(m, be, rates, be.made(res, limit)))
    clock.wall_hit |= res.wall
    if res.wall or not res.has_solution or fractional_variables(m, res.values):
        return None
    return polish(m, res.values)


def day_by_day(model: TourModel, base, *, passes: int = 1, clock: WorkClock | None = None,
               budget_s: float | None = None, day_checks: int | None = None, solver="highs",
               rates: Rates = RATES) -> np.ndarray:
    """Large-neighbourhood search: tours fixed from ``base`` (an integer,
    polished solution); the shift starts of one day at a time are
    re-optimised by a small dense MIP (:class:`DayMIP`, started from the
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
    stops at ``rates.day``'s work limit (``day_checks``: another HiGHS
    limit, in interrupt checks); the search stops when ``budget_s``
    reference seconds, the break placement's included, are charged to
    ``clock`` (deterministic) or at the clock's wall-clock deadline (the
    safety net). Returns polished values (check before use)."""
    m = model
    be = backend(solver)
    clock = clock if clock is not None else WorkClock(budget=math.inf)
    # the break placement at the end comes out of the same budget
    stop_at = clock.used + (budget_s if budget_s is not None else math.inf) - break_cost(m, be, rates)
    work = rates.day if day_checks is None else dataclasses.replace(rates.day, highs_limit=day_checks)
    base = polish(m, base)
    cur = base.copy()
    days = DayMIP(m)
    cur_obj = m.objective_value(cur)
    changed_any = False

    def finish():
        if not changed_any:
            return base
        out = place_breaks(m, cur, solver=be, clock=clock, rates=rates)
        return base if out is None else out

    for _ps in range(passes):
        changed = False
        order = sorted(days.days, key=lambda d: (-round(days.penalty(cur, d), 6), d))
        for d in order:
            outcome, trial = days.solve(cur, d, clock=clock, stop_at=stop_at, work=work, solver=be)
            if outcome == "stop":
                return finish()
            if trial is None:
                continue
            t_obj = m.objective_value(trial)
            if t_obj < cur_obj - 1e-9:
                cur, cur_obj, changed, changed_any = trial, t_obj, True, True
        if not changed:
            break
    return finish()


class DayMIP:
    """One day's shift starts as a small MIP, everything else fixed at the
    current values (the neighbourhood of :func:`day_by_day`, also used to
    price tour changes in :func:`priced_tour_moves`). ``counts`` sets how many
    shifts each contract works that day (default: as now)."""

    def __init__(self, model: TourModel):
        m = self.m = model
        C = m.cols
        self.by_day_x: dict[int, list[int]] = {}
        for i, o in enumerate(m.options):
            if m.cat.contracts[o.contract].pattern != "flexible":
                self.by_day_x.setdefault(o.day, []).append(i)
        self.by_day_b: dict[int, list[int]] = {}
        for gi, bg in enumerate(m.break_groups):
            self.by_day_b.setdefault(bg.day, []).append(gi)
        # intervals touched by each column (dense coverage form)
        self.touch: dict[int, list[int]] = {}
        for t, terms in enumerate(m.cover_terms):
            for v, _f in terms:
                self.touch.setdefault(C.position[v], []).append(t)
        self.day_rows: dict[int, list[int]] = {}
        for d in range(m.D):
            cols = self.day_cols(d).tolist()
            self.day_rows[d] = sorted({t for j in cols for t in self.touch.get(j, [])})
        self.uw, self.ow = np.asarray(m.under_w, float), np.asarray(m.over_w, float)
        self.days = [d for d in range(m.D) if self.by_day_x.get(d)]

    def penalty(self, vals: np.ndarray, d: int) -> float:
        C = self.m.cols
        return float(sum(self.uw[t] * vals[C.under[t]] + self.ow[t] * vals[C.over[t]] for t in self.day_rows[d]))

    def count(self, vals: np.ndarray, c: str, d: int) -> int:
        """Shifts of contract ``c`` on day ``d``."""
        m = self.m
        return int(round(sum(float(vals[m.cols.x[i]]) for i in m.day_opts.get((c, d), []))))

    def day_cols(self, d: int) -> np.ndarray:
        """The columns a day's MIP sets: its starts and its break counts."""
        m = self.m
        xs = [m.cols.x[i] for i in self.by_day_x.get(d, [])]
        bs = [m.cols.b[gi] for gi in self.by_day_b.get(d, [])]
        return np.concatenate([np.asarray(xs, dtype=np.int64)] + bs) if xs or bs else np.zeros(0, dtype=np.int64)

    def solve(self, cur: np.ndarray, d: int, *, clock: WorkClock, stop_at: float, work: MipWork, solver,
              counts: dict[str, int] | None = None) -> tuple[str, np.ndarray | None]:
        """Re-optimise day ``d`` (``work``: the sub-MIP's work limit and
        rate). Returns ("stop", None) when the budget or the wall clock ends
        the search (a sub-solve cut by the wall clock is not repeatable, so
        it is dropped), ("skip", None) when the sub-MIP found no integer
        solution, else ("ok", values with day ``d`` replaced, breaks of that
        day fractional)."""
        m, touch = self.m, self.touch
        C = m.cols
        pos = C.position
        be = backend(solver)
        counts = counts or {}
        if clock.used >= stop_at or clock.out_of_time():
            return "stop", None
        curl = cur.tolist()
        xc = C.x.tolist()
        xi = self.by_day_x[d]
        gis = [gi for gi in self.by_day_b.get(d, []) if m.break_groups[gi].shift_type in {m.options[i].shift_type for i in xi}]
        sub = pulp.LpProblem(f"day{d}", pulp.LpMinimize)
        # the day's break counts as continuous stand-ins (same names)
        brel = {v: new_variable(sub, v.name, lowBound=0) for gi in gis for v in m.b[gi]}
        free = {xc[i] for i in xi} | {pos[v] for v in brel}

        def sv(v, brel=brel):
            return brel.get(v, v)

        rows = sorted({t for j in free for t in touch.get(j, [])})
        obj = []
        for i in xi:
            rate = m.cat.contracts[m.options[i].contract].daily_rate * m.pay_weight
            if rate:
                obj.append((m.x[i], rate))
        for t in rows:
            e, const = [], 0.0
            for v, f in m.cover_terms[t]:
                j = pos[v]
                if j in free:
                    e.append((sv(v), f))
                else:
                    const += f * curl[j]
            e += [(m.under[t], 1.0), (m.over[t], -1.0)]
            sub += pulp.LpConstraint(pulp.LpAffineExpression(e), pulp.LpConstraintEQ, f"cov_{t}", m.h.required[t] - const)
            obj += [(m.under[t], float(m.under_w[t])), (m.over[t], float(m.over_w[t]))]
        by_c: dict[str, list[int]] = {}
        for i in xi:
            by_c.setdefault(m.options[i].contract, []).append(i)
        # the warm start, by the sub-MIP's variables
        start = {m.x[i]: curl[xc[i]] for i in xi}
        start.update({b: curl[pos[v]] for v, b in brel.items()})
        for c, idx in by_c.items():
            n_c = sum(curl[xc[i]] for i in idx)
            want = counts.get(c, n_c)
            if want < 0:
                return "skip", None
            # a start with the new count (one shift more or fewer at the
            # busiest start); the solver completes the breaks or drops it
            while round(n_c) != round(want):
                step = 1.0 if want > n_c else -1.0
                i = max((i for i in idx if step > 0 or start[m.x[i]] >= 1), key=lambda i: (start[m.x[i]], -i))
                start[m.x[i]] += step
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
                bj = C.both.get((c, d0))
                if bj is None:
                    continue
                both = curl[bj]
                today = m.day_opts.get((c, d0), [])
                tomorrow = m.day_opts.get((c, d0 + 1), [])
                for k, theta in enumerate(sorted({m.options[i].end_min for i in today})):
                    e, const = [], both
                    for i in today:
                        if m.options[i].end_min < theta:
                            if xc[i] in free:
                                e.append((m.x[i], -1.0))
                            else:
                                const -= curl[xc[i]]
                    for i in tomorrow:
                        if m.options[i].start_min >= theta + rest:
                            if xc[i] in free:
                                e.append((m.x[i], -1.0))
                            else:
                                const -= curl[xc[i]]
                    if not e:
                        continue
                    sub += pulp.LpConstraint(pulp.LpAffineExpression(e), pulp.LpConstraintLE, f"r_{c}_{d0}_{k}", -const)
        for r_i, row in enumerate(m.avail_rows):
            if row.day == d and row.contract in by_c:
                sub += pulp.LpConstraint(pulp.LpAffineExpression([(m.x[i], 1.0) for i in sorted(row.options)]),
                                         pulp.LpConstraintLE, f"av_{r_i}", m.availability_capacity(row, cur))
        sub.setObjective(pulp.LpAffineExpression(obj))
        for t in rows:
            start[m.under[t]] = curl[C.under[t]]
            start[m.over[t]] = curl[C.over[t]]
        wall = max(0.2, clock.deadline - time.perf_counter())
        left = stop_at - clock.used
        floor_s = be.root_s(work, len(xi))
        if floor_s > left:
            return "stop", None  # not enough budget left for this day's sub-MIP
        per_s = be.per_s(work)
        cap = max(1, min(be.limit(work), int((min(left, 1e9) - floor_s) * per_s)))
        res = be.solve_mip(sub, time_limit_s=wall, gap_rel=1e-6, start=start, work_limit=cap)
        clock.charge(floor_s + be.made(res, cap) / per_s)
        if res.wall:
            clock.wall_hit = True
            return "stop", None
        if not res.has_solution:
            return "skip", None
        if any(abs((m.x[i].varValue or 0.0) - round(m.x[i].varValue or 0.0)) > INT_TOL for i in xi):
            return "skip", None
        trial = cur.copy()
        for i in xi:
            trial[xc[i]] = float(round(m.x[i].varValue or 0.0))
        for v, b in brel.items():
            trial[pos[v]] = max(0.0, float(b.varValue or 0.0))
        return "ok", recompute(m, trial)


# ------------------------------------------------- tour moves priced by days
def day_budget(model: TourModel, be: Backend, left: float, rounds_allowed: bool, rates: Rates = RATES) -> float:
    """The day neighbourhood's budget out of ``left`` reference s: all of it,
    unless a pricing round can follow it, then ``rates.day_budget_before_pricing``."""
    if rounds_allowed and left - rates.day_budget_before_pricing >= \
            rates.price_round_min_share * price_round_cost(model, be, rates):
        return rates.day_budget_before_pricing
    return left


def price_round_cost(model: TourModel, be: Backend, rates: Rates = RATES) -> float:
    """Reference seconds to price every day of ``model`` once (upper estimate)."""
    work = rates.price
    per = be.root_s(work, len(model.options)) / max(model.D, 1) + be.limit(work) / be.per_s(work)
    weekly = [c for c in model.contract_keys if model.cat.contracts[c].pattern in ("weekly", "alternate")]
    return 2 * len(weekly) * model.D * per


def priced_tour_moves(model: TourModel, vals, *, clock: WorkClock | None = None,
                      budget_s: float | None = None, solver="highs",
                      price_checks: int | None = None, rates: Rates = RATES):
    """Tours re-chosen with their whole shifts in view (one round).

    :func:`~wfm.roster.solve.moves.tour_search` prices a tour change with
    one shift added or dropped greedily, and the tours-fixed LP prices it
    with fractional shifts; both misjudge which days can lose or gain an
    agent once every shift is whole (one-week benchmark: the same shift
    search gives 0.72 % above the LP bound from the full MIP's tours and
    1.07-1.22 % from tours that are best under fractional shifts). Here, for
    every day and every weekly or alternate contract, the day's start MIP
    (:class:`DayMIP`, the rest of the roster fixed) is solved with one shift
    of that contract fewer and one more: the change in the whole objective
    is that day's price of losing or gaining an agent. A small IP over the
    model's own tour rows (days-off patterns, week-to-week moves, phases,
    head counts and their limits) then picks at most one such change per
    day so that the tours stay whole and the summed price is least; each
    changed day takes the shifts its MIP found, and :func:`place_breaks`
    makes the breaks integral.

    The prices are separate per day, so two neighbouring changes can cost
    more together than their sum (a night shift covers the next morning):
    run :func:`day_by_day` after it and keep the result only if it is
    cheaper. Rows the IP does not see (rest between days, availability) are
    checked on the result; if one breaks, ``vals`` is returned.

    Work: each pricing MIP stops at ``rates.price``'s work limit
    (``price_checks``: another HiGHS limit, in interrupt checks), the tour
    IP after ``rates.tour_ip_nodes`` nodes; days not priced when
    ``budget_s`` runs out keep their count. Returns polished values
    (``vals`` itself when nothing changes)."""
    m = model
    be = backend(solver)
    clock = clock if clock is not None else WorkClock(budget=math.inf)
    stop_at = clock.used + (budget_s if budget_s is not None else math.inf) - break_cost(m, be, rates)
    work = rates.price if price_checks is None else dataclasses.replace(rates.price, highs_limit=price_checks)
    cur = polish(m, vals)
    cur_obj = m.objective_value(cur)
    days = DayMIP(m)
    contracts = [c for c in m.contract_keys if m.cat.contracts[c].pattern in ("weekly", "alternate")]
    # price[d][(c, delta)] = (change of the objective, the day's columns, their values)
    price: dict[int, dict[tuple[str, int], tuple[float, np.ndarray, np.ndarray]]] = {}
    stopped = False
    for d in days.days:
        for c in contracts:
            n_c = days.count(cur, c, d)
            for delta in (-1, 1):
                if n_c + delta < 0 or not any(m.options[i].contract == c for i in days.by_day_x[d]):
                    continue
                outcome, trial = days.solve(cur, d, clock=clock, stop_at=stop_at, work=work, solver=be,
                                            counts={c: n_c + delta})
                if outcome == "stop":
                    stopped = True
                    break
                if trial is not None:
                    keep = days.day_cols(d)
                    price.setdefault(d, {})[c, delta] = (m.objective_value(trial) - cur_obj, keep, trial[keep])
            if stopped:
                break
        if stopped:
            break
    if not any(p[0] < -1e-6 for dd in price.values() for p in dd.values()):
        return vals  # no day is cheaper with an agent fewer or more
    tours = choose_tours(m, days, cur, price, clock=clock, solver=be, rates=rates)
    if tours is None:
        return vals
    new_tours, chosen = tours
    if not chosen:
        return vals
    out = cur.copy()
    for j, v in new_tours:
        out[j] = v
    for d, key in chosen.items():
        _p, cols, values = price[d][key]
        out[cols] = values
    out = place_breaks(m, recompute(m, out), solver=be, clock=clock, rates=rates)
    if out is None or constraint_violations(m, out):
        return vals
    return out


def choose_tours(m: TourModel, days: DayMIP, cur: np.ndarray, price: dict, *, clock: WorkClock, solver,
                 rates: Rates = RATES) -> tuple[list[tuple[int, float]], dict[int, tuple[str, int]]] | None:
    """The tour IP of :func:`priced_tour_moves`: the model's rows on tour
    variables only, its day rows (shifts of a contract on a day = agents
    whose tour works it) with the day's shift count fixed at its current
    value plus the chosen change, one change at most per day. Returns
    (column, value) of the tour variables and the change chosen per day,
    or None."""
    be = backend(solver)
    C = m.cols
    rows = m.rows
    with quiet_pulp():
        # rows on tours alone (and the agents-working-both-days counts defined by them)
        tour_side = set(C.tours.tolist()) | set(C.both.values())
        day_row = {lp_name("day", c, d): (c, d) for c in m.contract_keys for d in range(m.D)}
        ip = pulp.LpProblem("tour_choice", pulp.LpMinimize)
        y = {(d, key): new_variable(ip, lp_name("y", d, key[0], "up" if key[1] > 0 else "down"), cat="Binary")
             for d, options in sorted(price.items()) for key in sorted(options)}
        for d in sorted(price):
            ip += pulp.LpConstraint(pulp.LpAffineExpression([(y[d, key], 1.0) for key in sorted(price[d])]),
                                    pulp.LpConstraintLE, lp_name("one", d), 1)
        for r, name in enumerate(rows.names):
            terms = rows.terms(r)
            const, sense = float(rows.constant[r]), int(rows.sense[r])
            if name in day_row:
                c, d = day_row[name]
                e = [(C.variables[j], a) for j, a in terms if j in tour_side]
                e += [(y[d, key], float(key[1])) for key in sorted(price.get(d, {})) if key[0] == c]
                ip += pulp.LpConstraint(pulp.LpAffineExpression(e), sense, name, -(const + days.count(cur, c, d)))
            elif terms and all(j in tour_side for j, _a in terms):
                ip += pulp.LpConstraint(pulp.LpAffineExpression([(C.variables[j], a) for j, a in terms]), sense, name, -const)
        ip += pulp.LpAffineExpression([(y[k], price[k[0]][k[1]][0]) for k in sorted(y)])
    n_int = len(y) + sum(1 for v in ip.variables() if v.cat == pulp.LpInteger)
    wall = max(0.5, clock.deadline - time.perf_counter())
    curl = cur.tolist()
    start = {v: curl[C.position[v]] for v in ip.variables() if v in C.position}  # no change: feasible
    with quiet_pulp():
        res = be.solve_mip(ip, time_limit_s=wall, gap_rel=1e-6, start=start, node_limit=rates.tour_ip_nodes)
    clock.wall_hit |= res.wall
    clock.charge(rates.tour_ip_s_per_integer * n_int)
    if res.wall or not res.has_solution:
        return None
    vals = {v: float(round(v.varValue or 0.0)) for v in ip.variables()}
    if any(abs((v.varValue or 0.0) - vals[v]) > INT_TOL for v in ip.variables() if v.cat == pulp.LpInteger):
        return None
    chosen = {k[0]: k[1] for k in sorted(y) if vals[y[k]] > 0.5}
    tour_cols = set(C.tours.tolist())
    return [(C.position[v], x) for v, x in vals.items() if v in C.position and C.position[v] in tour_cols], chosen
