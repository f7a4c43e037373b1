"""Named assignment: the model's anonymous tours, shifts and breaks to people.

1. Tours. Weekly contracts: the week-0 patterns of a group go to its members,
   then week by week each member moves to a next-week pattern by a min-cost
   assignment (scipy ``linear_sum_assignment``) restricted to moves that keep
   the maximum consecutive working days (the model's transition flow proves a
   complete assignment exists); the cost spreads weekends off (members with
   fewer weekend days off so far get the patterns with more). Alternate
   contracts: the two phases.
2. Shifts. Day by day and contract by contract, a min-cost assignment of the
   day's shifts to the agents whose tour works that day. An edge is forbidden
   when the shift starts less than the minimum rest after the agent's previous
   shift ends or lies outside the agent's availability. Costs (hours):
   distance from the preferred start, distance from the agent's first start of
   the week (consistent starts), and, for an agent who works tomorrow too, how
   far the shift's end + rest reaches past tomorrow's earliest start and,
   heavily, how many of tomorrow's shifts it puts out of reach, the more so
   the longer the agent's run of working days (so the late shifts go to
   agents who are off tomorrow, or soonest off). A shift no agent can take
   legally stays unfilled and is reported, never given illegally, unless an
   agent on duty that day has no shift they may take: then that agent works
   the legal start nearest the unfilled shift's (same length and type
   first), and the move is reported (``retimed``).
   Flexible contracts (no patterns) are assigned by a small MILP instead:
   binary agent x shift, at most one shift a day, rest and consecutive days,
   minute limits; a shift may be worked up to an hour longer (same start,
   a length the catalogue allows) when that is what meets an agent's
   minimum minutes, and the move is reported (``stretched``).
3. Breaks. For each shift type, day and break, the model's break counts per
   time are matched to the filled shifts by earliest window end first
   (Glover's rule: a maximum matching on a convex bipartite graph).
"""

from __future__ import annotations

import bisect
import heapq
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pulp
from scipy.optimize import linear_sum_assignment

from wfm.roster.agents import Agent
from wfm.roster.model import TourModel, new_variable, quiet_pulp, transition_ok
from wfm.roster.solution import Solution

FORBIDDEN = 1e7
BLOCKED_COST = 100.0  # per shift of tomorrow an assignment makes unreachable (hours of preference cost)


@dataclass
class Assignment:
    """Result of the named assignment.

    ``shifts``: list of dicts (agent_id, option index, breaks = list of
    (break index, start minute)); ``unfilled``: option indices (with
    multiplicity) nobody could take legally, with reasons; ``retimed``:
    (agent, model's option, option worked) for shifts moved to a start an
    idle agent could take legally; ``stretched``: (agent, model's option,
    longer option worked) for flexible shifts lengthened to meet the
    agent's minimum minutes; ``work_days``:
    agent -> tour working days; ``unplaced``: agent -> reason.
    """

    shifts: list[dict] = field(default_factory=list)
    unfilled: list[tuple[int, str]] = field(default_factory=list)
    retimed: list[tuple[str, int, int]] = field(default_factory=list)
    stretched: list[tuple[str, int, int]] = field(default_factory=list)
    work_days: dict[str, list[int]] = field(default_factory=dict)
    unplaced: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _weekend_positions(model: TourModel) -> set[int]:
    return {d for d in range(7) if (model.h.start + pd.Timedelta(days=d)).weekday() >= 5}


def assign_tours(model: TourModel, solution: Solution) -> dict[str, list[int]]:
    """Working days of every member of every group in the model's
    ``solution`` (see the module docstring)."""
    m = model
    vals = np.asarray(solution, float)
    out: dict[str, list[int]] = {}
    wk = _weekend_positions(m)
    for g in m.groups:
        ct = m.cat.contracts[g.contract]
        members = list(g.members)
        if ct.pattern == "weekly":
            pats = m.patterns[g.contract]
            weeks: list[list[int]] = []
            wkoff = {a: 0 for a in members}
            for w in range(m.W):
                units = []
                for (gk, ww, k), j in sorted(m.cols.p.items(), key=lambda kv: kv[0][2]):
                    if gk == g.key and ww == w:
                        units += [k] * int(round(float(vals[j])))
                if len(units) != len(members):
                    raise RuntimeError(f"group {g.key} week {w}: {len(units)} patterns for {len(members)} agents")
                if w == 0:
                    # members sorted by id take patterns; weekend spread starts here
                    order = sorted(range(len(units)), key=lambda i: (-len(set(pats[units[i]]) & wk), units[i]))
                    cur = [units[i] for i in order]
                else:
                    prev = weeks[-1]
                    cost = np.zeros((len(members), len(units)))
                    for i, a in enumerate(members):
                        for j, k2 in enumerate(units):
                            if not transition_ok(pats[prev[i]], pats[k2], ct.max_consecutive_days):
                                cost[i, j] = FORBIDDEN
                            else:
                                n_wk = len(set(pats[k2]) & wk)
                                cost[i, j] = -n_wk * (w * len(wk) - wkoff[a] + 1) + 0.01 * (k2 != prev[i])
                    r, c = linear_sum_assignment(cost)
                    if cost[r, c].max() >= FORBIDDEN:
                        raise RuntimeError(f"group {g.key} week {w}: no legal pattern change")
                    cur = [0] * len(members)
                    for i, j in zip(r, c, strict=True):
                        cur[i] = units[j]
                for i, a in enumerate(members):
                    wkoff[a] += len(set(pats[cur[i]]) & wk)
                weeks.append(cur)
            for i, a in enumerate(members):
                days = []
                for d in range(m.D):
                    w, j = divmod(d, 7)
                    if j not in pats[weeks[w][i]] and d not in g.off_days:
                        days.append(d)
                out[a] = days
        elif ct.pattern == "alternate":
            counts = {ph: int(round(float(vals[j]))) for (gk, ph), j in m.cols.q.items() if gk == g.key}
            phases = []
            for ph in sorted(counts):
                phases += [ph] * counts[ph]
            if len(phases) != len(members):
                raise RuntimeError(f"group {g.key}: {len(phases)} phases for {len(members)} agents")
            # alternate members between phases so ids do not cluster
            phases.sort(key=lambda ph: ph)
            for a, ph in zip(members, phases, strict=True):
                out[a] = [d for d in range(m.D) if d % 2 == ph and d not in g.off_days]
        else:
            for a in members:
                out[a] = [d for d in range(m.D) if d not in g.off_days]
    return out


def _instances(model: TourModel, vals: np.ndarray) -> dict[tuple[str, int], list[int]]:
    inst: dict[tuple[str, int], list[int]] = {}
    for i, (x, o) in enumerate(zip(vals[model.cols.x].tolist(), model.options, strict=True)):
        k = int(round(x))
        if k:
            inst.setdefault((o.contract, o.day), []).extend([i] * k)
    for key in inst:
        inst[key].sort(key=lambda i: (model.options[i].start_min, model.options[i].length_min, i))
    return inst


def assign_shifts(model: TourModel, solution: Solution, agents: dict[str, Agent],
                  work_days: dict[str, list[int]], *, milp_time_s: float = 30.0,
                  last_end_min: dict[str, float] | None = None, run_in: dict[str, int] | None = None) -> Assignment:
    """Shifts and breaks of the model's ``solution`` to named agents (see the module docstring).
    ``last_end_min``: per agent, the end of their last shift before the
    horizon (minutes from its start; see :mod:`wfm.roster.previous`), so the
    minimum rest holds across the boundary; ``run_in``: days worked in a row
    before the horizon (flexible agents' consecutive-day limit)."""
    m = model
    vals = np.asarray(solution, float)
    res = Assignment(work_days=work_days)
    inst = _instances(m, vals)
    weekday = [(m.h.start + pd.Timedelta(days=d)).weekday() for d in range(m.D)]
    last_end: dict[str, float] = dict(last_end_min or {})
    week_start: dict[tuple[str, int], int] = {}
    chosen: list[tuple[str, int]] = []
    flexible = [c for c in m.contract_keys if m.cat.contracts[c].pattern == "flexible"]
    for c in flexible:
        with quiet_pulp():
            chosen += _assign_flexible(m, c, inst, agents, res, milp_time_s, weekday, last_end, run_in or {})
    working_on: dict[tuple[str, int], list[str]] = {}
    for a, days in work_days.items():
        if agents[a].contract in flexible:
            continue
        for d in days:
            working_on.setdefault((agents[a].contract, d), []).append(a)
    works = {a: set(days) for a, days in work_days.items()}
    for d in range(m.D):
        for c in m.contract_keys:
            if c in flexible:
                continue
            ct = m.cat.contracts[c]
            rest = ct.min_rest_h * 60
            ags = sorted(working_on.get((c, d), []))
            opts = inst.get((c, d), [])
            if not ags and not opts:
                continue
            nxt = sorted(m.options[i].start_min for i in inst.get((c, d + 1), []))
            first_next = min(nxt) if nxt else None
            cost = np.full((len(ags), len(opts)), 0.0)
            reason = np.zeros((len(ags), len(opts)), dtype=np.int8)  # 1 rest, 2 availability
            for i, a in enumerate(ags):
                ag = agents[a]
                le = last_end.get(a)
                ws = week_start.get((a, d // 7))
                for j, oi in enumerate(opts):
                    o = m.options[oi]
                    if le is not None and o.start_min < le + rest - 1e-9:
                        cost[i, j] = FORBIDDEN
                        reason[i, j] = 1
                        continue
                    if not ag.available(weekday[d], o.start_clock, o.length_min):
                        cost[i, j] = FORBIDDEN
                        reason[i, j] = 2
                        continue
                    cst = 0.0
                    if ag.preferred_start is not None:
                        dd = abs(o.start_clock - ag.preferred_start)
                        cst += min(dd, 1440 - dd) / 60
                    if ws is not None:
                        cst += abs(o.start_clock - ws) / 60
                    if first_next is not None and (d + 1) in works.get(a, ()):
                        # tomorrow's shifts this agent could no longer take: the
                        # model's rest condition guarantees a legal matching
                        # exists, and it needs the late shifts on agents who
                        # block the fewest of tomorrow's starts
                        # (a late shift tomorrow blocks the day after in turn: the
                        # longer the agent's run of working days, the dearer)
                        blocked = bisect.bisect_left(nxt, o.end_min + rest - 1e-9)
                        run = 1
                        while d + run + 1 in works[a]:
                            run += 1
                        cst += BLOCKED_COST * blocked * (1.0 + (run - 1) / 7.0)
                        cst += 3.0 * max(0.0, o.end_min + rest - first_next) / 60
                    cost[i, j] = cst
            r, cc = (linear_sum_assignment(cost) if len(ags) and len(opts) else (np.array([], int), np.array([], int)))
            taken = set()
            for i, j in zip(r, cc, strict=True):
                a, oi = ags[i], opts[j]
                if cost[i, j] >= FORBIDDEN:
                    continue
                taken.add(j)
                chosen.append((a, oi))
                last_end[a] = m.options[oi].end_min
                week_start.setdefault((a, d // 7), m.options[oi].start_clock)
            matched_agents = {ags[i] for i, j in zip(r, cc, strict=True) if cost[i, j] < FORBIDDEN}
            idle = [a for a in ags if a not in matched_agents]
            for j in range(len(opts)):
                if j in taken or not idle:
                    continue
                # a shift nobody on duty may take and an agent on duty with
                # no shift they may take: the agent works the legal start
                # nearest the model's (what a planner does by hand), and the
                # change is reported
                o = m.options[opts[j]]
                best = None
                for a in idle:
                    le = last_end.get(a)
                    for oi2 in m.day_opts.get((c, d), []):
                        o2 = m.options[oi2]
                        if le is not None and o2.start_min < le + rest - 1e-9:
                            continue
                        if not agents[a].available(weekday[d], o2.start_clock, o2.length_min):
                            continue
                        key = (abs(o2.start_min - o.start_min), o2.length_min != o.length_min,
                               o2.shift_type != o.shift_type, o2.start_min, a)
                        if best is None or key < best[0]:
                            best = (key, a, oi2)
                if best is None:
                    continue
                _, a, oi2 = best
                idle.remove(a)
                taken.add(j)
                matched_agents.add(a)
                chosen.append((a, oi2))
                last_end[a] = m.options[oi2].end_min
                week_start.setdefault((a, d // 7), m.options[oi2].start_clock)
                res.retimed.append((a, opts[j], oi2))
            for j, oi in enumerate(opts):
                if j not in taken:
                    col = reason[:, j]
                    why = ("minimum rest after the previous shift" if (col == 1).any() and not (col == 0).any()
                           else "availability" if (col == 2).any() and not (col == 0).any()
                           else "rest or availability of the agents left")
                    res.unfilled.append((oi, why))
            for a in ags:
                if a not in matched_agents:
                    res.notes.append(f"{a} has no legal shift on day {d} (tour day left off)")
    # breaks
    by_sd: dict[tuple[str, int], list[int]] = {}
    for k, (_a, oi) in enumerate(chosen):
        o = m.options[oi]
        by_sd.setdefault((o.shift_type, o.day), []).append(k)
    brk: dict[int, list[tuple[int, float]]] = {k: [] for k in range(len(chosen))}
    for bg, bcols in zip(m.break_groups, m.cols.b, strict=True):
        ks = by_sd.get((bg.shift_type, bg.day), [])
        if not ks:
            continue
        slots = []
        for x, u in zip(vals[bcols].tolist(), bg.slots, strict=True):
            slots += [u] * int(round(x))
        slots.sort()
        windows = sorted((m.options[chosen[k][1]].start_min + bg.first_off, m.options[chosen[k][1]].start_min + bg.last_off, k) for k in ks)
        heap: list = []
        wi = 0
        got: dict[int, float] = {}
        for u in slots:
            while wi < len(windows) and windows[wi][0] <= u:
                e, lst, k = windows[wi]
                heapq.heappush(heap, (lst, k))
                wi += 1
            while heap and heap[0][0] < u:
                heapq.heappop(heap)  # window closed without a slot (handled below)
            if heap:
                _, k = heapq.heappop(heap)
                got[k] = u
        for e, _lst, k in windows:
            if k not in got:
                got[k] = e  # more shifts than break slots can only follow an unfilled-shift repair
                res.notes.append(f"break {bg.index} of a {bg.shift_type} shift on day {bg.day} placed at its window start")
            brk[k].append((bg.index, got[k]))
    for k, (a, oi) in enumerate(chosen):
        res.shifts.append({"agent_id": a, "option": oi, "breaks": sorted(brk[k])})
    return res


STRETCH_MAX_MIN = 60  # a flexible shift may be lengthened by up to this much to meet an agent's minimum minutes
STRETCH_COST_PER_MIN = 0.5  # objective per minute lengthened (a minute short costs 10)
ASSIGN_ABS_GAP = 5.0  # stop within 5 objective units of optimal (half a minute short; a filled shift is 1 000)


def _assign_flexible(m: TourModel, c: str, inst, agents: dict[str, Agent], res: Assignment,
                     time_s: float, weekday, last_end: dict[str, float] | None = None,
                     run_in: dict[str, int] | None = None) -> list[tuple[str, int]]:
    """Assignment MILP for a flexible contract (see the module docstring).

    The model counts each flexible agent's minutes per day as a continuous
    share of the day's shift minutes, so the whole shifts can fall a few
    minutes short of an agent's ``min_minutes``. The MILP may then give the
    agent the same shift (type, day, start) up to ``STRETCH_MAX_MIN``
    longer, where the catalogue has that length; each stretch is reported
    (``stretched``) and the coverage is read from the shifts worked."""
    ct = m.cat.contracts[c]
    rest = ct.min_rest_h * 60
    ags = sorted(a for a, ag in agents.items() if ag.contract == c and a in res.work_days)
    kinds: dict[int, list[int]] = {}  # option index -> count
    for d in range(m.D):
        for oi in inst.get((c, d), []):
            kinds[oi] = kinds.get(oi, 0) + 1
    if not ags or not kinds:
        for oi, n in kinds.items():
            res.unfilled += [(oi, "no agent of the contract")] * n
        return []
    same: dict[tuple, list[int]] = {}
    for d in range(m.D):
        for oi in m.day_opts.get((c, d), []):
            o = m.options[oi]
            same.setdefault((o.shift_type, o.day, o.start_min), []).append(oi)
    variants = {}
    for oi in kinds:
        o = m.options[oi]
        variants[oi] = [oi] + sorted((oi2 for oi2 in same[o.shift_type, o.day, o.start_min]
                                      if o.length_min < m.options[oi2].length_min <= o.length_min + STRETCH_MAX_MIN),
                                     key=lambda oi2: m.options[oi2].length_min)
    prob = pulp.LpProblem(f"assign_{c}", pulp.LpMaximize)
    y = {}  # (agent, model's option, option worked) -> binary
    for a in ags:
        ag = agents[a]
        days = set(res.work_days[a])
        for oi in kinds:
            for oi2 in variants[oi]:
                o = m.options[oi2]
                if (last_end or {}).get(a, -np.inf) + rest > o.start_min + 1e-9:
                    continue  # rest after the previous roster's last shift
                if o.day in days and ag.available(weekday[o.day], o.start_clock, o.length_min):
                    y[a, oi, oi2] = new_variable(prob, f"y_{len(y)}", cat="Binary")
    short = {a: new_variable(prob, f"short_{i}", lowBound=0) for i, a in enumerate(ags)}
    by_day: dict[tuple[str, int], list] = {}
    by_kind: dict[int, list] = {}
    for (a, oi, oi2), v in y.items():
        by_day.setdefault((a, m.options[oi2].day), []).append((oi2, v))
        by_kind.setdefault(oi, []).append(v)
    for oi, n in kinds.items():
        if by_kind.get(oi):
            prob += pulp.lpSum(by_kind[oi]) <= n
    for (_a, _d), lst in by_day.items():
        if len(lst) > 1:
            prob += pulp.lpSum(v for _, v in lst) <= 1
    for (a, d), lst in by_day.items():
        for oi2, v2 in by_day.get((a, d + 1), []):
            s2 = m.options[oi2].start_min
            bad = [v for oi, v in lst if m.options[oi].end_min + rest > s2 + 1e-9]
            if bad:
                prob += pulp.lpSum(bad) + v2 <= 1
    M = ct.max_consecutive_days
    for a in ags:
        if M < m.D:
            for d0 in range(m.D - M):
                terms = [v for d in range(d0, d0 + M + 1) for _, v in by_day.get((a, d), [])]
                if len(terms) > M:
                    prob += pulp.lpSum(terms) <= M
        r = (run_in or {}).get(a, 0)
        if r:  # the run worked before the horizon continues
            terms = [v for d in range(0, max(0, M - r) + 1) for _, v in by_day.get((a, d), [])]
            if len(terms) > max(0, M - r):
                prob += pulp.lpSum(terms) <= max(0, M - r)
        ag = agents[a]
        mins = [(v, m.options[oi].length_min) for d in range(m.D) for oi, v in by_day.get((a, d), [])]
        expr = pulp.lpSum(L * v for v, L in mins)
        if ag.max_minutes is not None:
            prob += expr <= ag.max_minutes
        if ag.min_minutes:
            prob += expr + short[a] >= ag.min_minutes
    obj = pulp.lpSum(1000.0 * v for v in y.values()) - pulp.lpSum(10.0 * s for s in short.values())
    pref = []
    for (a, oi, oi2), v in y.items():
        if oi2 != oi:
            pref.append(STRETCH_COST_PER_MIN * (m.options[oi2].length_min - m.options[oi].length_min) * v)
        p = agents[a].preferred_start
        if p is not None:
            dd = abs(m.options[oi2].start_clock - p)
            pref.append(min(dd, 1440 - dd) / 60 * v)
    prob += obj - pulp.lpSum(pref)
    prob.solve(pulp.HiGHS(msg=False, timeLimit=time_s, threads=1, random_seed=0, gapRel=0.0, mip_abs_gap=ASSIGN_ABS_GAP))
    h = prob.solverModel
    out = []
    if h.getInfo().primal_solution_status != 2:
        res.notes.append(f"assignment MILP for {c} found no solution")
        for oi, n in kinds.items():
            res.unfilled += [(oi, "assignment MILP found no solution")] * n
        return out
    used = {oi: 0 for oi in kinds}
    for (a, oi, oi2), v in sorted(y.items(), key=lambda kv: (m.options[kv[0][2]].start_min, kv[0][0], kv[0][2])):
        if (v.varValue or 0) > 0.5:
            out.append((a, oi2))
            used[oi] += 1
            if oi2 != oi:
                res.stretched.append((a, oi, oi2))
    for oi, n in kinds.items():
        res.unfilled += [(oi, "rest, consecutive days or minute limits of the agents")] * (n - used[oi])
    for a in ags:
        if agents[a].min_minutes and (short[a].varValue or 0) > 1e-6:
            res.notes.append(f"{a} is {short[a].varValue:.0f} min below min_minutes")
    return out
