"""Integer starts built from the LP relaxation.

* :func:`rounded_start`: tours and shifts rounded by largest remainders,
  breaks placed greedily (:func:`greedy_breaks`);
* :func:`tours_fixed_lp` + :func:`cumulative_round`: the LP re-solved with
  the rounded tours fixed, its shifts and breaks rounded on running totals;
* :func:`flexible_start`: named flexible agents, whose rules a rounded LP
  almost never keeps: a skeleton MIP of who works which day and how long.

Values are arrays in the model's column order; every start is polished
here and checked by the caller.
"""

from __future__ import annotations

import math

import numpy as np
import pulp
from scipy.optimize import linear_sum_assignment

from wfm.roster.model import (
    TourModel,
    lp_name,
    new_variable,
    quiet_pulp,
    transition_ok,
    window_allows,
)
from wfm.roster.solve.backend import LpResult, backend, fixed_at
from wfm.roster.solve.bounds import solve_lp
from wfm.roster.solve.checks import polish
from wfm.roster.solve.rates import RATES, Rates, WorkClock


def largest_remainder(weights: list[float], total: int) -> list[int]:
    """Integers summing to ``total`` proportional to ``weights`` (Hamilton's method)."""
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


def rounded_start(model: TourModel, lp, *, anchor: bool = False) -> np.ndarray:
    """An integer solution built from the LP relaxation ``lp`` (the warm start).

    Tours: head counts and patterns rounded by largest remainders, week-to-week
    moves matched by an assignment so every agent keeps the consecutive-day
    rule. Shifts: each day's working agents spread over the starts in
    proportion to the LP. With ``anchor`` every agent of a contract works the
    LP's most used start every day (always rest-feasible). Breaks: each shift
    takes the in-window slot where the interval is most over-staffed.
    """
    m = model
    C = m.cols
    lpv = np.asarray(lp, float).tolist()
    xc = C.x.tolist()
    vals = m.zeros()
    cat = m.cat
    workers: dict[tuple[str, int], int] = {}
    for g in m.groups:
        ct = cat.contracts[g.contract]
        if g.size is not None:
            size = g.size
        else:
            size = int(round(lpv[C.N[g.key]]))
            size = max(g.min_size, size if g.max_size is None else min(g.max_size, size))
            vals[C.N[g.key]] = size
        if ct.pattern == "weekly":
            pats = m.patterns[g.contract]
            allowed = [[k for (gk, w, k) in m.p if gk == g.key and w == ww] for ww in range(m.W)]
            units = []
            for w in range(m.W):
                target = []
                for k, c in zip(allowed[w], largest_remainder([lpv[C.p[g.key, w, k]] for k in allowed[w]], size), strict=True):
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
                            nxt[i] = max(ok, key=lambda k: (lpv[C.p[g.key, w, k]], -k))
                    units.append(nxt)
                else:
                    units.append([])
            for w in range(m.W):
                for k in allowed[w]:
                    vals[C.p[g.key, w, k]] = float(units[w].count(k))
                if w + 1 < m.W:
                    for (gk, ww, k, k2), j in C.tr.items():
                        if gk == g.key and ww == w:
                            vals[j] = float(sum(1 for a, b in zip(units[w], units[w + 1], strict=True) if a == k and b == k2))
            for d in range(m.D):
                if d in g.off_days:
                    continue
                w, j = divmod(d, 7)
                workers[g.contract, d] = workers.get((g.contract, d), 0) + sum(1 for k in units[w] if j not in pats[k])
        elif ct.pattern == "alternate":
            phases = sorted(ph for (gk, ph) in m.q if gk == g.key)
            counts = largest_remainder([lpv[C.q[g.key, ph]] for ph in phases], size)
            for ph, c in zip(phases, counts, strict=True):
                vals[C.q[g.key, ph]] = float(c)
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
                mass[o.shift_type, o.start_clock, o.length_min] = mass.get((o.shift_type, o.start_clock, o.length_min), 0.0) + lpv[xc[i]]
        best = max(sorted(mass), key=lambda k: mass[k]) if mass else None
        for d in range(m.D):
            idxs = m.day_opts.get((c, d), [])
            if not idxs:
                continue
            total = workers.get((c, d), 0)
            if ct.pattern == "flexible":
                total = min(total, int(round(sum(lpv[xc[i]] for i in idxs))))
            if anchor and best is not None:
                pick = [i for i in idxs if (m.options[i].shift_type, m.options[i].start_clock, m.options[i].length_min) == best]
                if pick:
                    x_int[pick[0]] += total
                    continue
            for i, k in zip(idxs, largest_remainder([lpv[xc[i]] for i in idxs], total), strict=True):
                x_int[i] += k
    return polish(m, with_shifts(m, vals, x_int))


def greedy_breaks(m: TourModel, x_int: np.ndarray) -> list[list[int]]:
    """Break counts (per break group of ``m.break_groups``, per slot) for
    integer shift counts ``x_int``: each shift's break goes, in turn, to the
    in-window slot where the interval is most over-staffed (the
    implicit-break conditions then hold by construction)."""
    out: list[list[int]] = []
    net = np.zeros(m.n)
    for i, o in enumerate(m.options):
        if x_int[i]:
            for t, f in m.spread(o.start_min, o.length_min):
                net[t] += f * x_int[i]
    for bg in m.break_groups:
        counts = {u: 0 for u in bg.slots}
        for i, o in enumerate(m.options):
            if o.shift_type != bg.shift_type or o.day != bg.day or not x_int[i]:
                continue
            cands = [o.start_min + off for off in range(bg.first_off, bg.last_off + 1, m.step)]
            for _ in range(x_int[i]):
                def margin(u, bg=bg):
                    sp = m.spread(u, bg.length_min)
                    return min((net[t] - m.h.required[t] for t, _f in sp), default=1e9)
                u = max(cands, key=lambda u: (margin(u), -u))
                counts[u] += 1
                for t, f in m.spread(u, bg.length_min):
                    net[t] -= f
        out.append([counts[u] for u in bg.slots])
    return out


def with_shifts(m: TourModel, values: np.ndarray, x_int: np.ndarray) -> np.ndarray:
    """``values`` (changed in place and returned) with the shift counts
    ``x_int`` and their greedy breaks (:func:`greedy_breaks`); not polished."""
    values[m.cols.x] = np.asarray(x_int, float)
    for cols, counts in zip(m.cols.b, greedy_breaks(m, x_int), strict=True):
        values[cols] = np.asarray(counts, float)
    return values


def cumulative_round(model: TourModel, lp, tours) -> np.ndarray:
    """Shifts and breaks of an LP solution ``lp`` with the tours fixed,
    rounded on their running totals; tours (and flexible contracts' shifts)
    from the integer solution ``tours``.

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
    C = m.cols
    lpv = np.asarray(lp, float).tolist()
    xc = C.x.tolist()

    def half_up(v: float) -> int:
        return math.floor(v + 0.5 + 1e-9)

    out = np.array(tours, dtype=float)
    offsets: dict[tuple[str, int], float] = {}
    for (c, d), idxs in m.day_opts.items():
        if m.cat.contracts[c].pattern == "flexible":
            continue
        cum, prev = 0.0, 0
        for i in sorted(idxs, key=lambda i: (m.options[i].start_min, m.options[i].shift_type, m.options[i].length_min)):
            offsets.setdefault((m.options[i].shift_type, d), cum)
            cum += max(lpv[xc[i]], 0.0)
            now = half_up(cum)
            out[xc[i]] = float(now - prev)
            prev = now
    for bg, bcols in zip(m.break_groups, C.b, strict=True):
        if (bg.shift_type, bg.day) not in offsets:
            continue
        cum = offsets[bg.shift_type, bg.day]
        prev = half_up(cum)
        for j in bcols.tolist():
            cum += max(lpv[j], 0.0)
            now = half_up(cum)
            out[j] = float(now - prev)
            prev = now
    return polish(m, out)


def tours_fixed_lp(model: TourModel, tours, solver="highs") -> LpResult:
    """The LP relaxation with the tours (patterns, moves, phases, head counts)
    fixed at the integer solution ``tours``: the best fractional shifts for
    those tours. Bounds are restored afterwards."""
    cols = model.cols.tours
    with fixed_at([model.cols.variables[j] for j in cols], np.asarray(tours, float)[cols]):
        return solve_lp(model, solver, 60.0, False)


def flexible_start(model: TourModel, lp, base, *, solver="highs", clock: WorkClock | None = None,
                   rates: Rates = RATES):
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

    Work: the skeleton MIP stops at ``rates.skeleton``'s work limit
    (HiGHS interrupt checks, CBC nodes), charged to ``clock``.

    Returns polished values (the caller checks them), ``base`` itself
    when there is nothing flexible with members, or None when the skeleton
    MIP finds no solution within its work limit (or there is none: the
    members' rules contradict each other, say minimum minutes that the
    consecutive-day limit cannot reach)."""
    m = model
    C = m.cols
    be = backend(solver)
    groups = {g.key: g for g in m.groups}
    flex = sorted({groups[gk].contract for gk, _mi in m.member_vars}, key=m.contract_keys.index)
    if not flex:
        return base
    lpv = np.asarray(lp, float).tolist()
    xc = C.x.tolist()
    out = np.array(base, dtype=float)
    x_int = np.array([int(round(x)) for x in out[C.x].tolist()])
    for c in flex:
        for d in range(m.D):
            for i in m.day_opts.get((c, d), []):
                x_int[i] = 0
    dates = m.h.dates()
    uw, ow = np.asarray(m.under_w, float), np.asarray(m.over_w, float)
    net = np.zeros(m.n)
    for i, o in enumerate(m.options):
        if x_int[i]:
            for t, f in m.spread(o.start_min, o.length_min):
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
                    y[k, d, L] = new_variable(prob, lp_name("y", k[0], k[1], d, L), cat="Binary")
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
            target_min = sum(max(lpv[xc[i]], 0.0) * m.options[i].length_min for i in idxs)
            target_n = sum(max(lpv[xc[i]], 0.0) for i in idxs)
            terms = [(v, L) for (_k, dd, L), v in y.items() if dd == d]
            for what, expr, target, weight in (("min", pulp.lpSum(L * v for v, L in terms), target_min, 1.0),
                                               ("n", pulp.lpSum(v for v, _L in terms), target_n, 60.0)):
                up = new_variable(prob, f"dev_up_{what}_{d}", lowBound=0)
                dn = new_variable(prob, f"dev_dn_{what}_{d}", lowBound=0)
                prob += expr - target == up - dn
                obj += [weight * up, weight * dn]
        prob += pulp.lpSum(obj)
        limit = be.limit(rates.skeleton)
        with quiet_pulp():
            res = be.solve_mip(prob, time_limit_s=rates.skeleton_wall_s, gap_rel=1e-2, work_limit=limit)
        if clock is not None:
            clock.charge(be.made(res, limit) / be.per_s(rates.skeleton))
        if not res.has_solution:
            return None
        length = {(k, d): L for (k, d, L), v in y.items() if (v.varValue or 0.0) > 0.5}
        rest = ct.min_rest_h * 60.0
        prev_end: dict[tuple, float] = {}
        for d in range(m.D):
            for k in members:
                w, hm = C.member[k]
                if d not in w:
                    continue
                L = length.get((k, d))
                out[w[d]] = 1.0 if L else 0.0
                out[hm[d]] = float(L or 0.0)
                if not L:
                    continue
                cands = [i for i in opts[k, d] if m.options[i].length_min == L]
                ok = [i for i in cands if m.options[i].start_min >= prev_end.get(k, -math.inf) + rest]
                cands = ok or [max(cands, key=lambda i: (m.options[i].start_min, -i))]

                def gain(i):
                    g_ = 0.0
                    for t, f in m.spread(m.options[i].start_min, m.options[i].length_min):
                        g_ += f * (uw[t] if net[t] < m.h.required[t] - 1e-9 else -ow[t])
                    return g_

                best = max(cands, key=lambda i: (gain(i), -m.options[i].start_min, -i))
                x_int[best] += 1
                for t, f in m.spread(m.options[best].start_min, m.options[best].length_min):
                    net[t] += f
                prev_end[k] = m.options[best].end_min
    return polish(m, with_shifts(m, out, x_int))
