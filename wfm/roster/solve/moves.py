"""Move-based searches on integer solutions, priced exactly on the net coverage.

* :func:`local_search`: each shift to its best start and break times,
  tours fixed;
* :func:`tour_search`: days-off patterns, phases and head counts, one agent
  at a time, shifts re-placed;
* :func:`repair_availability`: shifts moved out of the starts an
  availability row has too many of.

All keep a :class:`_Shifts` state (shift instances, break times, net
coverage) up to date move by move, count their candidate evaluations and
charge them to a :class:`~wfm.roster.solve.rates.WorkClock`. Values are
arrays in the model's column order; results are polished, and the caller
checks them.
"""

from __future__ import annotations

import bisect
import math

import numpy as np
import pulp

from wfm.roster.model import TourModel, transition_ok
from wfm.roster.solve.checks import FEAS_TOL, polish
from wfm.roster.solve.rates import RATES, Rates, WorkClock


def _edf_breaks(model: TourModel, vals: np.ndarray, inst: list[int]) -> list[list[tuple[int, float]]]:
    """Break times per shift instance from the model's break counts (earliest
    window end first, as in the assignment)."""
    import heapq

    m = model
    brk: list[list[tuple[int, float]]] = [[] for _ in inst]
    by_sd: dict[tuple[str, int], list[int]] = {}
    for k, oi in enumerate(inst):
        o = m.options[oi]
        by_sd.setdefault((o.shift_type, o.day), []).append(k)
    for bg, bcols in zip(m.break_groups, m.cols.b, strict=True):
        ks = by_sd.get((bg.shift_type, bg.day), [])
        slots = sorted(u for x, u in zip(vals[bcols].tolist(), bg.slots, strict=True) for _ in range(int(round(x))))
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

    def __init__(self, model: TourModel, vals: np.ndarray, rates: Rates = RATES):
        m = self.m = model
        self.removal_evals = rates.removal_evals
        self.req = m.h.required
        self.uw = np.asarray(m.under_w, float)
        self.ow = np.asarray(m.over_w, float)
        self.inst: list[int | None] = [i for i, x in enumerate(vals[m.cols.x].tolist()) for _ in range(int(round(x)))]
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
        self.both = {(c, d): float(vals[j]) for (c, d), j in m.cols.both.items()}
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
        for t, f in self.m.spread(o.start_min, o.length_min):
            out[t] = out.get(t, 0.0) + f
        st = self.m.cat.shift_types[o.shift_type]
        for j, u in br:
            for t, f in self.m.spread(u, st.breaks[j].length_min):
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
            for t, f in m.spread(co.start_min, co.length_min):
                touched[t] = touched.get(t, 0.0) + f
            br = []
            for j, first, last, blen in self.windows[co.shift_type]:
                bu, bc = None, None
                for off in range(first, last + 1, m.step):
                    self.evals += 1
                    u = co.start_min + off
                    cst = 0.0
                    for t, f in m.spread(u, blen):
                        cur = net[t] + touched.get(t, 0.0)
                        cst += self.pen(t, cur - f) - self.pen(t, cur)
                    if bc is None or cst < bc - 1e-12:
                        bu, bc = u, cst
                br.append((j, bu))
                for t, f in m.spread(bu, blen):
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
            self.evals += self.removal_evals
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

    def values(self, vals: np.ndarray) -> np.ndarray:
        """``vals`` with the shift and break counts of this state (polished)."""
        m = self.m
        out = np.array(vals, dtype=float)
        out[m.cols.x] = 0.0
        slot_col = {}
        for bg, bcols in zip(m.break_groups, m.cols.b, strict=True):
            out[bcols] = 0.0
            for j, u in zip(bcols.tolist(), bg.slots, strict=True):
                slot_col[bg.shift_type, bg.day, bg.index, u] = j
        xc = m.cols.x.tolist()
        for oi, br in zip(self.inst, self.brks, strict=True):
            if oi is None:
                continue
            out[xc[oi]] += 1.0
            o = m.options[oi]
            for j, u in br:
                out[slot_col[o.shift_type, o.day, j, u]] += 1.0
        return polish(m, out)


def repair_availability(model: TourModel, vals: np.ndarray) -> np.ndarray:
    """Move shifts out of the starts an availability row (constraint 6)
    has too many of, each to the cheapest start of the same contract and
    day outside the row that keeps the other rows and the rest condition
    (a rounded LP can pass a row by an agent or two). Returns polished
    values; a row that cannot be mended is left for the caller's check."""
    m = model
    vals = np.asarray(vals, float)
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


def local_search(model: TourModel, vals: np.ndarray, *, clock: WorkClock | None = None,
                 budget_s: float | None = None, max_sweeps: int = 50, rates: Rates = RATES) -> np.ndarray:
    """Improve an integer solution with the tours fixed: each shift in turn
    moves to the start (same contract and day, any of its shift types and
    lengths) and break times that lower the penalties most, breaks placed
    greedily inside their windows; moves that could break the rest condition
    between consecutive days are checked first. Pay is unchanged (same number
    of shifts of each contract a day). Sweeps until nothing improves, at most
    ``max_sweeps``, or until ``budget_s`` reference seconds of evaluations
    (``rates.evals_per_s``) are charged to ``clock`` (deterministic); the clock's
    wall-clock deadline is the safety net. Returns polished values."""
    m = model
    clock = clock if clock is not None else WorkClock(budget=math.inf)
    stop_at = clock.used + (budget_s if budget_s is not None else math.inf)
    vals = np.asarray(vals, float)
    S = _Shifts(m, vals, rates)
    if not S.inst:
        return polish(m, vals)
    stopped = False
    for _sweep in range(max_sweeps):
        improved = 0.0
        for k in range(len(S.inst)):
            clock.charge(S.evals / rates.evals_per_s)
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


def _chains(model: TourModel, vals: np.ndarray) -> dict[str, list[list[int]]]:
    """Weekly groups' agents as chains of days-off patterns (one per week),
    read off the pattern counts ``p`` and week-to-week moves ``tr``."""
    m = model
    out: dict[str, list[list[int]]] = {}
    for g in m.groups:
        if m.cat.contracts[g.contract].pattern != "weekly":
            continue
        ks = sorted(k for (gk, w, k) in m.p if gk == g.key and w == 0)
        chains = [[k] for k in ks for _ in range(int(round(float(vals[m.cols.p[g.key, 0, k]]))))]
        for w in range(m.W - 1):
            left = {}
            for (gk, ww, k, k2), j in sorted(m.cols.tr.items(), key=lambda kv: kv[0][1:]):
                if gk == g.key and ww == w:
                    left[k, k2] = int(round(float(vals[j])))
            for ch in chains:
                nxt = next((k2 for (k, k2), c in sorted(left.items()) if k == ch[-1] and c > 0), None)
                if nxt is None:  # inconsistent counts: the caller's check rejects the result
                    nxt = ch[-1]
                else:
                    left[ch[-1], nxt] -= 1
                ch.append(nxt)
        out[g.key] = chains
    return out


def tour_search(model: TourModel, vals: np.ndarray, *, clock: WorkClock | None = None,
                budget_s: float | None = None, max_sweeps: int = 20, rates: Rates = RATES) -> np.ndarray:
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
    vals = np.asarray(vals, float)
    S = _Shifts(m, vals, rates)
    chains = _chains(m, vals)
    phase_n: dict[str, dict[int, int]] = {}
    for g in m.groups:
        if m.cat.contracts[g.contract].pattern == "alternate":
            phase_n[g.key] = {ph: int(round(float(vals[j]))) for (gk, ph), j in sorted(m.cols.q.items()) if gk == g.key}
    sizes = {g.key: len(chains[g.key]) if g.key in chains else sum(phase_n.get(g.key, {}).values())
             for g in m.groups if g.key in m.N}
    # the model's rows on head counts alone (contract limits, contract mix)
    n_cols = set(m.cols.N.values())
    rows = m.rows
    size_rows = [(float(rows.constant[r]), int(rows.sense[r]), terms) for r in range(len(rows.names))
                 if (terms := rows.terms(r)) and all(j in n_cols for j, _a in terms)]

    def sizes_ok(trial: dict[str, int]) -> bool:
        vv = {m.cols.N[key]: float(n) for key, n in trial.items()}
        for g in m.groups:
            if g.key in trial and (trial[g.key] < g.min_size or (g.max_size is not None and trial[g.key] > g.max_size)):
                return False
        for const, sense, terms in size_rows:
            lhs = const + sum(coef * vv.get(j, 0.0) for j, coef in terms)
            if (sense == pulp.LpConstraintLE and lhs > FEAS_TOL) or (sense == pulp.LpConstraintGE and lhs < -FEAS_TOL):
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
                clock.charge(S.evals / rates.evals_per_s)
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
    clock.charge(S.evals / rates.evals_per_s)
    out = S.values(vals)
    for g in m.groups:
        if g.key in chains:
            for (gk, w, k), j in m.cols.p.items():
                if gk == g.key:
                    out[j] = float(sum(1 for ch in chains[g.key] if ch[w] == k))
            for (gk, w, k, k2), j in m.cols.tr.items():
                if gk == g.key:
                    out[j] = float(sum(1 for ch in chains[g.key] if ch[w] == k and ch[w + 1] == k2))
        if g.key in phase_n:
            for (gk, ph), j in m.cols.q.items():
                if gk == g.key:
                    out[j] = float(phase_n[g.key][ph])
        if g.key in sizes:
            out[m.cols.N[g.key]] = float(sizes[g.key])
    return polish(m, out)
