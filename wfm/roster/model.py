"""Implicit tour-scheduling MILP (PuLP).

Decision variables (all integer unless said):

* ``x[c,s,d,o]``: agents of contract ``c`` working shift type ``s`` on day
  ``d`` starting ``o`` minutes after local midnight (one per allowed length).
  A shift belongs to the day it starts; one that crosses midnight covers the
  next day's intervals.
* weekly contracts: ``p[g,w,k]`` agents of group ``g`` on days-off pattern
  ``k`` in week ``w`` and ``tr[g,w,k,k2]`` agents moving from pattern ``k`` in
  week ``w`` to ``k2`` in week ``w+1`` (only moves that keep the maximum
  consecutive working days); alternate contracts: ``q[g,phase]``; flexible
  contracts: head count only. A group is all agents of a contract (sized by the
  model) or named agents sharing the same allowed patterns and leave days.
* ``b[s,d,j,u]``: breaks ``j`` of shift type ``s`` shifts of day ``d`` taken
  at minute ``u`` (implicit break placement, continuous counts made integral by
  the structure; declared integer).
* ``under[t]``, ``over[t]`` (continuous): agents short of / above the
  requirement in interval ``t``.

Constraints:

1. Implicit tours (Bailey 1985; Jacobs & Brusco 1996; Brusco & Jacobs 2000):
   for each contract and day, the shifts worked equal the agents whose pattern
   works that day (flexible: at most the head count, and at most
   ``max_consecutive_days`` days in any window of that many + 1 days).
2. Implicit breaks (Bechtold & Jacobs 1990; Aykin 1996): for each shift type,
   day and break, the break windows are translates of the start, so with
   shifts sorted by start the *forward* constraints (breaks taken by the
   latest window end of the first i starts >= shifts of those starts), the
   *backward* constraints (mirror image) and the total (breaks = shifts) are
   Hall's conditions of the shift-to-break-time matching; they guarantee every
   shift a break time in its window without a variable per shift and break.
3. Coverage: sum of shifts on duty minus breaks in progress, plus ``under``
   minus ``over`` equals the requirement, per interval (fractions when a break
   or shift covers part of an interval).
4. Rest between consecutive days (weekly contracts): Hall's condition of
   the day-d to day-d+1 matching of the agents who work both days: for every
   end time theta, (agents working d and d+1) - (day-d shifts ending before
   theta) <= (day-d+1 shifts starting at or after theta + minimum rest). It is
   necessary for a rest-respecting assignment (so the LP bound stays valid);
   the named assignment step enforces the rest exactly.
5. Head count limits per contract; named agents fix each group's size.
6. Availability (named agents with windows; :meth:`TourModel._availability_rows`):
   per contract, day and availability class, the shifts at starts the class
   may not work <= the agents working that day who may work one of them.

Objective: pay (daily rate = base / paid days a month, per worked shift) +
under-staffing + over-staffing penalties (per agent-hour).
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import math
import os
import sys
import tempfile
from dataclasses import dataclass, field

import numpy as np
import pulp

from wfm.errors import InputError, Problem
from wfm.roster.catalog import Catalog, Contract
from wfm.roster.demand import Horizon
from wfm.roster.solution import index_model


@contextlib.contextmanager
def quiet_pulp():
    """Kept for its call sites; it silences nothing now.

    PuLP 3.3 flags its classic API as deprecated for 4.0. The roster uses
    only the API PuLP 4 keeps (:func:`new_variable`, ``prob.constraints()``,
    ``COIN_CMD``), and PuLP's own internals raise none of those warnings on
    its paths (PuLP 3.3.2), so nothing is hidden: the test suite turns any
    PuLP 4 migration warning into an error (``filterwarnings`` in
    ``pyproject.toml``), and a classic call fails a test instead of being
    silenced here."""
    yield


_HIGHS_BANNER: str | None = None


def highs_banner() -> str:
    """HiGHS's start-up banner, kept off standard output.

    HiGHS (C++) prints ``Running HiGHS 1.16.0 (git hash: ...): Copyright ...``
    on file descriptor 1 when a process makes its first solver object, before
    any option (``output_flag``) can be set, so it led the results of ``wfm
    plan`` and ``wfm roster`` on stdout. The first call makes that object
    with descriptor 1 pointed at a temporary file, logs the text to the
    ``wfm.roster`` logger (INFO) and returns it; later calls (and forked
    children) return it at once. Every HiGHS path of the roster calls this
    before its first solve (:class:`TourModel`, the solver back-end). Returns
    "" when highspy is not installed.
    """
    global _HIGHS_BANNER
    if _HIGHS_BANNER is not None:
        return _HIGHS_BANNER
    try:
        import highspy
    except ImportError:
        _HIGHS_BANNER = ""
        return _HIGHS_BANNER
    sys.stdout.flush()
    with tempfile.TemporaryFile() as tmp:
        saved = os.dup(1)
        try:
            os.dup2(tmp.fileno(), 1)
            highspy.Highs()
            _flush_c_stdout()
        finally:
            os.dup2(saved, 1)
            os.close(saved)
        tmp.seek(0)
        _HIGHS_BANNER = tmp.read().decode("utf-8", "replace").strip()
    if _HIGHS_BANNER:
        logging.getLogger("wfm.roster").info("%s", _HIGHS_BANNER)
    return _HIGHS_BANNER


def _flush_c_stdout() -> None:
    """Flush the C library's stdout buffer (HiGHS writes through it)."""
    try:
        import ctypes

        ctypes.CDLL(None).fflush(None)
    except (OSError, AttributeError):  # no C library to ask (not on Linux/macOS)
        pass


# --------------------------------------------------------------------- patterns
def weekly_patterns(work_days: int, consecutive: bool, max_consecutive: int) -> list[tuple[int, ...]]:
    """Days-off sets (positions 0..6 in the horizon week) of a weekly contract.

    With ``consecutive`` the days off form one block of the cyclic week.
    Patterns with a run of working days longer than ``max_consecutive``
    inside the week are dropped.
    """
    off_n = 7 - work_days
    out = []
    for off in itertools.combinations(range(7), off_n):
        s = set(off)
        if consecutive and off_n > 0:
            blocks = [tuple(sorted(((a + i) % 7) for i in range(off_n))) for a in range(7)]
            if tuple(sorted(s)) not in blocks:
                continue
        run = best = 0
        for j in range(7):
            run = 0 if j in s else run + 1
            best = max(best, run)
        if best <= max_consecutive:
            out.append(tuple(off))
    return out


def _lead_run(off: tuple[int, ...]) -> int:
    run = 0
    for j in range(7):
        if j in off:
            break
        run += 1
    return run


def _trail_run(off: tuple[int, ...]) -> int:
    run = 0
    for j in range(6, -1, -1):
        if j in off:
            break
        run += 1
    return run


def transition_ok(off_a: tuple[int, ...], off_b: tuple[int, ...], max_consecutive: int) -> bool:
    """May an agent on pattern ``off_a`` one week take ``off_b`` the next?"""
    return _trail_run(off_a) + _lead_run(off_b) <= max_consecutive


# ----------------------------------------------------------------- structures
@dataclass(frozen=True)
class ShiftOption:
    """One (contract, shift type, day, start, length) the model may staff."""

    contract: str
    shift_type: str
    day: int
    start_clock: int
    length_min: int
    start_min: float  # minutes from the horizon start

    @property
    def end_min(self) -> float:
        return self.start_min + self.length_min


@dataclass(frozen=True)
class Group:
    """Agents of one contract the model treats alike.

    ``size`` fixes the head count (named agents); ``None`` lets the model size
    it within ``min_size``..``max_size``. ``allowed[w]``: pattern indices
    (weekly) or phases 0/1 (alternate) allowed in week w; ``off_days``: horizon
    days the members never work (leave, fixed days off of alternate agents).
    ``min_minutes``/``max_minutes``: horizon totals (flexible contracts).
    ``windows``: the members' availability in the hashable form of
    :func:`windows_key` (see :func:`window_allows`), None = any time.
    """

    key: str
    contract: str
    size: int | None = None
    min_size: int = 0
    max_size: int | None = None
    allowed: tuple[tuple[int, ...], ...] = ()
    off_days: frozenset = frozenset()
    members: tuple[str, ...] = ()
    min_minutes: float = 0.0
    max_minutes: float | None = None
    windows: tuple | None = None


def windows_key(windows: dict | None) -> tuple | None:
    """Hashable form of an availability dict {weekday: [(from_min, to_min), ...]}."""
    if windows is None:
        return None
    return tuple(sorted((int(wd), tuple(sorted((int(lo), int(hi)) for lo, hi in spans))) for wd, spans in windows.items()))


def window_allows(windows: dict | None, weekday: int, start_clock: int, length_min: int) -> bool:
    """Does a shift starting ``start_clock`` minutes after midnight on
    ``weekday`` (0 = Monday) lie inside one of the ``windows``
    ({weekday: [(from_min, to_min), ...]}, an end may pass 1440 for shifts
    past midnight; None = any time)?"""
    if windows is None:
        return True
    return any(lo <= start_clock and start_clock + length_min <= hi for lo, hi in windows.get(weekday, ()))


@dataclass(frozen=True)
class AvailabilityRow:
    """Constraint 6 for one contract, day and availability class: the day's
    shifts at ``options`` (indices into ``TourModel.options``, the starts
    the class may not work) are at most the agents working that day in the
    ``capable`` groups (those that may work at least one of them)."""

    contract: str
    day: int
    options: frozenset
    capable: tuple[str, ...]


@dataclass
class BreakGroup:
    shift_type: str
    day: int
    index: int
    length_min: int
    first_off: int
    last_off: int
    slots: list[float] = field(default_factory=list)


def spread(start: float, length: float, interval: int, n: int) -> list[tuple[int, float]]:
    """(interval index, fraction of the interval) covered by [start, start+length)
    (minutes from the horizon start; ``interval`` minutes long, ``n`` of them)."""
    out = []
    if length <= 0:
        return out
    t0 = int(math.floor(start / interval))
    t1 = int(math.ceil((start + length) / interval))
    for t in range(max(t0, 0), min(t1, n)):
        a = max(start, t * interval)
        b = min(start + length, (t + 1) * interval)
        if b > a:
            out.append((t, (b - a) / interval))
    return out


def new_variable(prob: pulp.LpProblem, name: str, lowBound=None, upBound=None, cat=pulp.LpContinuous) -> pulp.LpVariable:
    """A variable for ``prob``: ``prob.add_variable`` (PuLP 3.3's API, the
    one PuLP 4 keeps), ``LpVariable`` on older PuLP; the same variable."""
    add = getattr(prob, "add_variable", None)
    if add is not None:
        return add(name, lowBound, upBound, cat=cat)
    return pulp.LpVariable(name, lowBound, upBound, cat)


def lp_name(*parts) -> str:
    """A PuLP-safe variable or constraint name from its parts."""
    return "_".join(str(p).replace("-", "m").replace(".", "p").replace(" ", "") for p in parts)


class TourModel:
    """Builds the MILP; keeps the index structures needed to read a solution.

    Parameters: ``horizon`` (grid and requirement), ``catalog``, ``groups``
    (see :class:`Group`; one anonymous group per contract when sizing the
    team), ``under_weight``/``over_weight`` per agent-interval (default from
    the catalogue's per-agent-hour penalties), ``pay_weight`` (1 = pay in the
    currency; 0 for pure-coverage benchmarks), ``rest_cuts`` (constraint 4).
    """

    def __init__(self, horizon: Horizon, catalog: Catalog, groups: list[Group], *,
                 under_weight: np.ndarray | float | None = None,
                 over_weight: np.ndarray | float | None = None,
                 pay_weight: float = 1.0, rest_cuts: bool = True,
                 contracts: list[str] | None = None, min_share: dict | None = None):
        self.min_share = dict(min_share or {})
        self.h = horizon
        self.cat = catalog
        self.groups = list(groups)
        self.contract_keys = contracts or sorted({g.contract for g in groups}, key=list(catalog.contracts).index)
        self.step = horizon.interval_min
        self.n = horizon.n_intervals
        self.D = horizon.days
        self.W = int(math.ceil(self.D / 7))
        hours = self.step / 60
        self.under_w = np.broadcast_to(np.asarray(catalog.under_per_agent_hour * hours if under_weight is None else under_weight, float), (self.n,))
        self.over_w = np.broadcast_to(np.asarray(catalog.over_per_agent_hour * hours if over_weight is None else over_weight, float), (self.n,))
        self.pay_weight = pay_weight
        self.patterns: dict[str, list[tuple[int, ...]]] = {}
        for c in self.contract_keys:
            ct = catalog.contracts[c]
            if ct.pattern == "weekly":
                self.patterns[c] = weekly_patterns(ct.work_days_per_week, ct.days_off_consecutive, ct.max_consecutive_days)
        self._build_options()
        highs_banner()  # before any HiGHS solve of this model (the assignment's too)
        self.prob = pulp.LpProblem("tour_scheduling", pulp.LpMinimize)
        with quiet_pulp():
            self._build(rest_cuts)
        # the column order of every solution array, and the model as sparse rows
        self.cols, self.rows, self._objective, self._objective_constant, self._cover, self._aux = index_model(self)
        self._spread_cache: dict[tuple[float, float], list[tuple[int, float]]] = {}

    # ------------------------------------------------------------ options
    def _build_options(self):
        problems = []
        opts = []
        for c in self.contract_keys:
            ct = self.cat.contracts[c]
            for s in ct.shift_types:
                st = self.cat.shift_types[s]
                offs = [o for o in st.start_offsets() if o % self.step == 0]
                if not offs:
                    problems.append(Problem(self.cat.source, None, f"shift_types.{s}.start_step_min",
                                            f"no start falls on the {self.step}-minute interval grid",
                                            f"starts on multiples of {self.step} minutes"))
                    continue
                for b in st.breaks:
                    first = int(math.ceil(b.earliest_min / self.step)) * self.step
                    if first > b.latest_min:
                        problems.append(Problem(self.cat.source, None, f"shift_types.{s}.{'meal' if b.is_meal else 'breaks'}",
                                                f"{b.name} window {b.earliest_min}-{b.latest_min} min holds no {self.step}-minute interval boundary",
                                                f"a window containing a multiple of {self.step} minutes"))
                for d in range(self.D):
                    for o in offs:
                        start = self.h.minute_of(d, o)
                        if start >= self.n * self.step:
                            continue
                        for L in st.lengths_min:
                            opts.append(ShiftOption(c, s, d, o, L, start))
        if problems:
            raise InputError(problems)
        self.options = opts

    # -------------------------------------------------------------- build
    def _build(self, rest_cuts: bool):
        prob = self.prob
        step, n = self.step, self.n
        self.x = [new_variable(self.prob, lp_name("x", o.contract, o.shift_type, o.day, o.start_clock, o.length_min), lowBound=0, cat="Integer") for o in self.options]
        self.under = [new_variable(self.prob, lp_name("under", t), lowBound=0) for t in range(n)]
        self.over = [new_variable(self.prob, lp_name("over", t), lowBound=0) for t in range(n)]
        self.aux_defs: list[tuple[pulp.LpVariable, list[tuple]]] = []
        self.both_vars: dict[tuple[str, int], pulp.LpVariable] = {}
        # named flexible members: (group key, member index) -> (works[d], minutes[d])
        self.member_vars: dict[tuple[str, int], tuple[dict[int, pulp.LpVariable], dict[int, pulp.LpVariable]]] = {}
        cover: list[list[tuple]] = [[] for _ in range(n)]  # evaluation form (x, b with fractions)
        rows: list[list[tuple]] = [[] for _ in range(n)]  # sparse constraint form
        for var, o in zip(self.x, self.options, strict=True):
            for t, f in spread(o.start_min, o.length_min, step, n):
                cover[t].append((var, f))
        # shifts on duty through cumulative start counts per length:
        # S_L[k] = starts of length L at or before interval k; on duty at t =
        # S_L[t] - (1-r) S_L[t-q] - r S_L[t-q-1] with L = (q + r) intervals.
        by_len: dict[int, dict[int, list]] = {}
        for var, o in zip(self.x, self.options, strict=True):
            k = int(round(o.start_min / step))
            by_len.setdefault(o.length_min, {}).setdefault(k, []).append(var)
        for L, starts_at in sorted(by_len.items()):
            k0 = min(starts_at)
            S: dict[int, pulp.LpVariable] = {}
            for k in range(k0, n):
                v = new_variable(self.prob, lp_name("S", L, k), lowBound=0)
                terms = [(x, 1.0) for x in starts_at.get(k, [])]
                if k > k0:
                    terms.append((S[k - 1], 1.0))
                self._define(v, terms, lp_name("Sdef", L, k))
                S[k] = v
            q, rem = divmod(L, step)
            r = rem / step
            for t in range(k0, n):
                rows[t].append((S[t], 1.0))
                for kk, f in ((t - q, 1.0 - r), (t - q - 1, r)):
                    if f and kk >= k0:
                        rows[t].append((S[kk], -f))
        # ---- implicit breaks (cumulative form of the forward/backward constraints)
        self.break_groups: list[BreakGroup] = []
        self.b: list[list[pulp.LpVariable]] = []
        by_sd: dict[tuple[str, int], list[int]] = {}
        for i, o in enumerate(self.options):
            by_sd.setdefault((o.shift_type, o.day), []).append(i)
        for (s, d), idxs in sorted(by_sd.items(), key=lambda kv: (kv[0][1], kv[0][0])):
            st = self.cat.shift_types[s]
            starts = sorted({self.options[i].start_min for i in idxs})
            if not st.breaks:
                continue
            xs_by_start = {st0: [self.x[i] for i in idxs if self.options[i].start_min == st0] for st0 in starts}
            CX = []
            for k, st0 in enumerate(starts):
                v = new_variable(self.prob, lp_name("CX", s, d, k), lowBound=0)
                terms = [(x, 1.0) for x in xs_by_start[st0]] + ([(CX[-1], 1.0)] if CX else [])
                self._define(v, terms, lp_name("CXdef", s, d, k))
                CX.append(v)
            for j, br in enumerate(st.breaks):
                first = int(math.ceil(br.earliest_min / step)) * step
                last = int(math.floor(br.latest_min / step)) * step
                slots = sorted({st0 + off for st0 in starts for off in range(first, last + 1, step)})
                bg = BreakGroup(s, d, j, br.length_min, first, last, slots)
                bvars = [new_variable(self.prob, lp_name("b", s, d, j, int(u)), lowBound=0, cat="Integer") for u in slots]
                self.break_groups.append(bg)
                self.b.append(bvars)
                for var, u in zip(bvars, slots, strict=True):
                    for t, f in spread(u, br.length_min, step, n):
                        cover[t].append((var, -f))
                        rows[t].append((var, -f))
                CB = []
                for m_, v in enumerate(bvars):
                    c = new_variable(self.prob, lp_name("CB", s, d, j, m_), lowBound=0)
                    self._define(c, [(v, 1.0)] + ([(CB[-1], 1.0)] if CB else []), lp_name("CBdef", s, d, j, m_))
                    CB.append(c)
                prob += pulp.LpConstraint(pulp.LpAffineExpression([(CB[-1], 1.0), (CX[-1], -1.0)]), pulp.LpConstraintEQ, lp_name("brk_tot", s, d, j), 0)
                for k, st0 in enumerate(starts[:-1]):
                    # forward: breaks at or before the latest slot of start k >= shifts of starts <= k
                    idx = max(m_ for m_, u in enumerate(slots) if u <= st0 + last)
                    prob += pulp.LpConstraint(pulp.LpAffineExpression([(CB[idx], 1.0), (CX[k], -1.0)]), pulp.LpConstraintGE, lp_name("brk_fw", s, d, j, k), 0)
                for k, st0 in enumerate(starts):
                    if k == 0:
                        continue
                    # backward: breaks at or after the earliest slot of start k >= shifts of starts >= k
                    before = [m_ for m_, u in enumerate(slots) if u < st0 + first]
                    e = [(CB[-1], 1.0), (CX[-1], -1.0), (CX[k - 1], 1.0)]
                    if before:
                        e.append((CB[before[-1]], -1.0))
                    prob += pulp.LpConstraint(pulp.LpAffineExpression(e), pulp.LpConstraintGE, lp_name("brk_bw", s, d, j, k), 0)
        # ---- coverage
        self.cover_terms = cover
        for t in range(n):
            e = pulp.LpAffineExpression(rows[t] + [(self.under[t], 1.0), (self.over[t], -1.0)])
            prob += pulp.LpConstraint(e, pulp.LpConstraintEQ, lp_name("cov", t), float(self.h.required[t]))
        # ---- tours
        self.p: dict[tuple, pulp.LpVariable] = {}
        self.tr: dict[tuple, pulp.LpVariable] = {}
        self.q: dict[tuple, pulp.LpVariable] = {}
        self.N: dict[str, pulp.LpVariable] = {}
        work: dict[tuple[str, int], list[tuple]] = {}
        both: dict[tuple[str, int], list[tuple]] = {}
        # agents of each group working each day (availability rows, searches)
        self.group_work: dict[tuple[str, int], list[tuple]] = {}
        self.group_work_const: dict[tuple[str, int], float] = {}
        for g in self.groups:
            ct = self.cat.contracts[g.contract]
            size_terms = self._size_terms(g)
            if ct.pattern == "weekly":
                pats = self.patterns[g.contract]
                allowed = g.allowed or tuple(tuple(range(len(pats))) for _ in range(self.W))
                for w in range(self.W):
                    for k in allowed[w]:
                        self.p[g.key, w, k] = new_variable(self.prob, lp_name("p", g.key, w, k), lowBound=0, cat="Integer")
                prob += pulp.LpConstraint(pulp.LpAffineExpression([(self.p[g.key, 0, k], 1.0) for k in allowed[0]] + size_terms[0]),
                                          pulp.LpConstraintEQ, lp_name("size", g.key), size_terms[1])
                for w in range(self.W - 1):
                    for k in allowed[w]:
                        for k2 in allowed[w + 1]:
                            if transition_ok(pats[k], pats[k2], ct.max_consecutive_days):
                                self.tr[g.key, w, k, k2] = new_variable(self.prob, lp_name("tr", g.key, w, k, k2), lowBound=0, cat="Integer")
                    for k in allowed[w]:
                        e = [(self.tr[g.key, w, k, k2], 1.0) for k2 in allowed[w + 1] if (g.key, w, k, k2) in self.tr]
                        prob += pulp.LpConstraint(pulp.LpAffineExpression(e + [(self.p[g.key, w, k], -1.0)]), pulp.LpConstraintEQ, lp_name("out", g.key, w, k), 0)
                    for k2 in allowed[w + 1]:
                        e = [(self.tr[g.key, w, k, k2], 1.0) for k in allowed[w] if (g.key, w, k, k2) in self.tr]
                        prob += pulp.LpConstraint(pulp.LpAffineExpression(e + [(self.p[g.key, w + 1, k2], -1.0)]), pulp.LpConstraintEQ, lp_name("in", g.key, w, k2), 0)
                for d in range(self.D):
                    w, j = divmod(d, 7)
                    if d in g.off_days:
                        continue
                    for k in allowed[w]:
                        if j not in pats[k]:
                            work.setdefault((g.contract, d), []).append((self.p[g.key, w, k], 1.0))
                            self.group_work.setdefault((g.key, d), []).append((self.p[g.key, w, k], 1.0))
                    if d + 1 < self.D and (d + 1) not in g.off_days:
                        if j < 6:
                            for k in allowed[w]:
                                if j not in pats[k] and j + 1 not in pats[k]:
                                    both.setdefault((g.contract, d), []).append((self.p[g.key, w, k], 1.0))
                        else:
                            for (gk, ww, k, k2), v in self.tr.items():
                                if gk == g.key and ww == w and 6 not in pats[k] and 0 not in pats[k2]:
                                    both.setdefault((g.contract, d), []).append((v, 1.0))
            elif ct.pattern == "alternate":
                phases = sorted(set(g.allowed[0])) if g.allowed else [0, 1]
                for ph in phases:
                    self.q[g.key, ph] = new_variable(self.prob, lp_name("q", g.key, ph), lowBound=0, cat="Integer")
                prob += pulp.LpConstraint(pulp.LpAffineExpression([(self.q[g.key, ph], 1.0) for ph in phases] + size_terms[0]),
                                          pulp.LpConstraintEQ, lp_name("size", g.key), size_terms[1])
                for d in range(self.D):
                    if d in g.off_days:
                        continue
                    ph = d % 2
                    if ph in phases:
                        work.setdefault((g.contract, d), []).append((self.q[g.key, ph], 1.0))
                        self.group_work.setdefault((g.key, d), []).append((self.q[g.key, ph], 1.0))
            else:  # flexible
                if g.size is None:
                    nv = self.N[g.key] if g.key in self.N else self._n_var(g)
                    work_cap = [(nv, 1.0)]
                    cap_const = 0.0
                else:
                    work_cap = []
                    cap_const = float(g.size)
                for d in range(self.D):
                    if d in g.off_days:
                        continue
                    work.setdefault((g.contract, d), []).extend(work_cap)
                    self.group_work.setdefault((g.key, d), []).extend(work_cap)
                    if cap_const:
                        work.setdefault(("__const__", g.contract, d), []).append(cap_const)
                        self.group_work_const[g.key, d] = cap_const
        # per contract and day: shifts = agents working (flexible: <=)
        self.day_opts: dict[tuple[str, int], list[int]] = {}
        for i, o in enumerate(self.options):
            self.day_opts.setdefault((o.contract, o.day), []).append(i)
        for c in self.contract_keys:
            ct = self.cat.contracts[c]
            for d in range(self.D):
                e = [(self.x[i], 1.0) for i in self.day_opts.get((c, d), [])]
                wk = work.get((c, d), [])
                if ct.pattern == "flexible":
                    const = sum(work.get(("__const__", c, d), []))
                    prob += pulp.LpConstraint(pulp.LpAffineExpression(e + [(v, -f) for v, f in wk]), pulp.LpConstraintLE, lp_name("day", c, d), const)
                else:
                    prob += pulp.LpConstraint(pulp.LpAffineExpression(e + [(v, -f) for v, f in wk]), pulp.LpConstraintEQ, lp_name("day", c, d), 0)
            if ct.pattern == "flexible":
                self._flexible_limits(c, ct)
            if ct.pattern == "weekly" and rest_cuts:
                self._rest_cuts(c, ct, both)
            # head count limits over all groups of the contract
            free = [g for g in self.groups if g.contract == c and g.size is None]
            if free:
                fixed = sum(g.size for g in self.groups if g.contract == c and g.size is not None)
                e = pulp.LpAffineExpression([(self.N[g.key], 1.0) for g in free])
                if ct.max_headcount is not None:
                    prob += pulp.LpConstraint(e, pulp.LpConstraintLE, lp_name("hc_max", c), max(ct.max_headcount - fixed, 0))
                if ct.min_headcount:
                    prob += pulp.LpConstraint(e, pulp.LpConstraintGE, lp_name("hc_min", c), max(ct.min_headcount - fixed, 0))
        self._availability_rows()
        # ---- contract mix: N_c >= share * total head count (sized groups count too)
        for c, share in self.min_share.items():
            free_all = [g for g in self.groups if g.size is None]
            fixed_all = sum(g.size for g in self.groups if g.size is not None)
            fixed_c = sum(g.size for g in self.groups if g.size is not None and g.contract == c)
            e = pulp.LpAffineExpression(
                [(self.N[g.key], (1.0 - share) if g.contract == c else -share) for g in free_all])
            prob += pulp.LpConstraint(e, pulp.LpConstraintGE, lp_name("mix", c), share * fixed_all - fixed_c)
        # ---- objective
        obj = []
        for var, o in zip(self.x, self.options, strict=True):
            rate = self.cat.contracts[o.contract].daily_rate * self.pay_weight
            if rate:
                obj.append((var, rate))
        for t in range(n):
            if self.under_w[t]:
                obj.append((self.under[t], float(self.under_w[t])))
            if self.over_w[t]:
                obj.append((self.over[t], float(self.over_w[t])))
        prob.setObjective(pulp.LpAffineExpression(obj))

    def _availability_rows(self):
        """Constraint 6 (named agents with availability windows): per contract,
        day and availability class, the shifts at starts the class may not
        work are at most the agents working that day who may work one of
        them. Hall's condition for those sets of starts: necessary for an
        assignment that keeps every agent inside their windows (so the LP
        bound stays valid), and sufficient when the windows are nested; the
        named assignment enforces availability exactly."""
        self.avail_rows: list[AvailabilityRow] = []
        dates = self.h.dates()
        for c in self.contract_keys:
            gs = [g for g in self.groups if g.contract == c]
            classes = sorted({g.windows for g in gs if g.windows is not None})
            if not classes:
                continue
            as_dict = {g.key: None if g.windows is None else dict(g.windows) for g in gs}
            for d in range(self.D):
                wd = dates[d].weekday()
                opts = self.day_opts.get((c, d), [])
                seen = set()
                for W in classes:
                    Wd = dict(W)
                    S = frozenset(i for i in opts if not window_allows(Wd, wd, self.options[i].start_clock, self.options[i].length_min))
                    if not S:
                        continue
                    capable = tuple(g.key for g in gs
                                    if any(window_allows(as_dict[g.key], wd, self.options[i].start_clock, self.options[i].length_min)
                                           for i in S))
                    if (S, capable) in seen:
                        continue
                    seen.add((S, capable))
                    row = AvailabilityRow(c, d, S, capable)
                    e = [(self.x[i], 1.0) for i in sorted(S)]
                    const = 0.0
                    for gk in capable:
                        e += [(v, -f) for v, f in self.group_work.get((gk, d), [])]
                        const += self.group_work_const.get((gk, d), 0.0)
                    self.prob += pulp.LpConstraint(pulp.LpAffineExpression(e), pulp.LpConstraintLE,
                                                   lp_name("avail", c, d, len(self.avail_rows)), const)
                    self.avail_rows.append(row)

    def availability_capacity(self, row: AvailabilityRow, values) -> float:
        """Agents of ``row``'s capable groups working its day, in the solution array ``values``."""
        pos = self.cols.position
        return float(sum(f * float(values[pos[v]]) for gk in row.capable for v, f in self.group_work.get((gk, row.day), []))
                     + sum(self.group_work_const.get((gk, row.day), 0.0) for gk in row.capable))

    def _define(self, var: pulp.LpVariable, terms: list[tuple], name: str):
        """Auxiliary continuous ``var == sum(coef * v)``; kept to recompute it."""
        self.prob += pulp.LpConstraint(pulp.LpAffineExpression(terms + [(var, -1.0)]), pulp.LpConstraintEQ, name, 0)
        self.aux_defs.append((var, terms))

    def _n_var(self, g: Group) -> pulp.LpVariable:
        v = new_variable(self.prob, lp_name("N", g.key), lowBound=g.min_size, upBound=g.max_size, cat="Integer")
        self.N[g.key] = v
        return v

    def _size_terms(self, g: Group):
        """(terms, rhs) so that sum(first-week counts) + terms == rhs fixes the size."""
        if g.size is not None:
            return [], float(g.size)
        v = self._n_var(g)
        return [(v, -1.0)], 0.0

    def _flexible_limits(self, c: str, ct: Contract):
        prob = self.prob
        M = ct.max_consecutive_days
        groups = [g for g in self.groups if g.contract == c]
        cap_terms = []
        cap_const = 0.0
        for g in groups:
            if g.size is None:
                cap_terms.append((self.N[g.key], -float(M)))
            else:
                cap_const += M * g.size
        if M < self.D:
            for d0 in range(0, self.D - M):
                e = [(self.x[i], 1.0) for d in range(d0, d0 + M + 1) for i in self.day_opts.get((c, d), [])]
                prob += pulp.LpConstraint(pulp.LpAffineExpression(e + cap_terms), pulp.LpConstraintLE, lp_name("consec", c, d0), cap_const)
        mins = [(self.x[i], float(self.options[i].length_min)) for d in range(self.D) for i in self.day_opts.get((c, d), [])]
        lo = sum(g.min_minutes * (g.size or 0) for g in groups)
        hi_known = all(g.max_minutes is not None and g.size is not None for g in groups)
        if lo > 0:
            prob += pulp.LpConstraint(pulp.LpAffineExpression(mins), pulp.LpConstraintGE, lp_name("minutes_lo", c), lo)
        if hi_known:
            hi = sum(g.max_minutes * g.size for g in groups)
            prob += pulp.LpConstraint(pulp.LpAffineExpression(mins), pulp.LpConstraintLE, lp_name("minutes_hi", c), hi)
        if all(g.size is not None for g in groups) and sum(g.size for g in groups) <= 200:
            self._flexible_members(c, ct, groups)

    def _flexible_members(self, c: str, ct: Contract, groups: list[Group]):
        """Named flexible agents: per agent and day, works (binary) and
        minutes (between the shortest and longest shift when working), with
        the agent's consecutive-day rule and minute limits; per day the agents
        working and their minutes equal the shifts and their minutes. A
        relaxation of the named assignment (a day's minutes must still split
        into whole shifts), so the bound stays valid."""
        prob = self.prob
        M = ct.max_consecutive_days
        lens = [L for s in ct.shift_types for L in self.cat.shift_types[s].lengths_min]
        lo_len, hi_len = float(min(lens)), float(max(lens))
        work_d: dict[int, list] = {}
        mins_d: dict[int, list] = {}
        for g in groups:
            for mi in range(g.size):
                w, hm = {}, {}
                for d in range(self.D):
                    if d in g.off_days:
                        continue
                    w[d] = new_variable(self.prob, lp_name("w", g.key, mi, d), cat="Binary")
                    hm[d] = new_variable(self.prob, lp_name("hm", g.key, mi, d), lowBound=0)
                    prob += pulp.LpConstraint(pulp.LpAffineExpression([(hm[d], 1.0), (w[d], -hi_len)]), pulp.LpConstraintLE, lp_name("hmax", g.key, mi, d), 0)
                    prob += pulp.LpConstraint(pulp.LpAffineExpression([(hm[d], 1.0), (w[d], -lo_len)]), pulp.LpConstraintGE, lp_name("hmin", g.key, mi, d), 0)
                    work_d.setdefault(d, []).append((w[d], 1.0))
                    mins_d.setdefault(d, []).append((hm[d], 1.0))
                for d0 in range(0, self.D - M):
                    e = [(w[d], 1.0) for d in range(d0, d0 + M + 1) if d in w]
                    if len(e) > M:
                        prob += pulp.LpConstraint(pulp.LpAffineExpression(e), pulp.LpConstraintLE, lp_name("mconsec", g.key, mi, d0), M)
                self.member_vars[g.key, mi] = (w, hm)
                tot = pulp.LpAffineExpression([(v, 1.0) for v in hm.values()])
                if g.min_minutes:
                    prob += pulp.LpConstraint(tot, pulp.LpConstraintGE, lp_name("mmin", g.key, mi), g.min_minutes)
                if g.max_minutes is not None:
                    prob += pulp.LpConstraint(tot, pulp.LpConstraintLE, lp_name("mmax", g.key, mi), g.max_minutes)
        for d in range(self.D):
            opts = self.day_opts.get((c, d), [])
            e = [(self.x[i], 1.0) for i in opts] + [(v, -f) for v, f in work_d.get(d, [])]
            prob += pulp.LpConstraint(pulp.LpAffineExpression(e), pulp.LpConstraintEQ, lp_name("mwork", c, d), 0)
            e = [(self.x[i], float(self.options[i].length_min)) for i in opts] + [(v, -f) for v, f in mins_d.get(d, [])]
            prob += pulp.LpConstraint(pulp.LpAffineExpression(e), pulp.LpConstraintEQ, lp_name("mmins", c, d), 0)

    def _rest_cuts(self, c: str, ct: Contract, both):
        rest = ct.min_rest_h * 60
        for d in range(self.D - 1):
            today = self.day_opts.get((c, d), [])
            tomorrow = self.day_opts.get((c, d + 1), [])
            bt = both.get((c, d), [])
            if not today or not bt:
                continue
            ends = sorted({self.options[i].end_min for i in today})
            starts_next = [self.options[i].start_min for i in tomorrow]
            if not tomorrow or all(s >= ends[-1] + rest for s in starts_next):
                continue  # every pair already compatible
            both_v = new_variable(self.prob, lp_name("BOTH", c, d), lowBound=0)
            self._define(both_v, list(bt), lp_name("BOTHdef", c, d))
            self.both_vars[c, d] = both_v
            # PE[k]: today's shifts ending at or before ends[k]
            PE = []
            for k, e_k in enumerate(ends):
                v = new_variable(self.prob, lp_name("PE", c, d, k), lowBound=0)
                terms = [(self.x[i], 1.0) for i in today if self.options[i].end_min == e_k] + ([(PE[-1], 1.0)] if PE else [])
                self._define(v, terms, lp_name("PEdef", c, d, k))
                PE.append(v)
            # SS[j]: tomorrow's shifts starting at or after starts[j]
            starts = sorted({self.options[i].start_min for i in tomorrow})
            SS: list = [None] * len(starts)
            for j in range(len(starts) - 1, -1, -1):
                v = new_variable(self.prob, lp_name("SS", c, d, j), lowBound=0)
                terms = [(self.x[i], 1.0) for i in tomorrow if self.options[i].start_min == starts[j]]
                if j + 1 < len(starts):
                    terms.append((SS[j + 1], 1.0))
                self._define(v, terms, lp_name("SSdef", c, d, j))
                SS[j] = v
            for k, theta in enumerate(ends):
                jj = [j for j, st0 in enumerate(starts) if st0 >= theta + rest]
                if jj and jj[0] == 0:
                    continue  # everyone tomorrow is compatible with this theta
                e = [(both_v, 1.0)]
                if k > 0:
                    e.append((PE[k - 1], -1.0))
                if jj:
                    e.append((SS[jj[0]], -1.0))
                self.prob += pulp.LpConstraint(pulp.LpAffineExpression(e), pulp.LpConstraintLE, lp_name("rest", c, d, k), 0)

    # ------------------------------------------------------------- helpers
    @property
    def n_variables(self) -> int:
        return len(self.cols)

    @property
    def n_constraints(self) -> int:
        return len(self.rows.names)

    def integer_variables(self) -> list[pulp.LpVariable]:
        return [self.cols.variables[j] for j in self.cols.integer]

    def spread(self, start: float, length: float) -> list[tuple[int, float]]:
        """:func:`spread` on this model's grid, cached (the searches ask for
        the same few (start, length) pairs millions of times)."""
        key = (start, length)
        r = self._spread_cache.get(key)
        if r is None:
            r = self._spread_cache[key] = spread(start, length, self.step, self.n)
        return r

    def zeros(self) -> np.ndarray:
        """A solution array with every variable at 0."""
        return np.zeros(len(self.cols))

    def objective_value(self, values) -> float:
        """The objective of a solution array (see :mod:`wfm.roster.solution`)."""
        return float(self._objective_constant + (self._objective @ np.asarray(values, float))[0])

    def net_coverage(self, values) -> np.ndarray:
        """Net agents on the phones per interval for a solution array."""
        return self._cover @ np.asarray(values, float)

    def complete_aux(self, values: np.ndarray) -> np.ndarray:
        """Fill in the auxiliary variables of the solution array ``values``
        (in place) from the others, in definition order."""
        vl = values.tolist()
        for col, terms in self._aux:
            vl[col] = float(sum(c * vl[j] for j, c in terms))
        values[:] = vl
        return values

    def head_counts(self, values) -> dict[str, int]:
        """Agents of each group the model sizes (``N``), rounded, in a solution."""
        v = np.asarray(values, float)
        return {key: int(round(float(v[j]))) for key, j in self.cols.N.items()}
