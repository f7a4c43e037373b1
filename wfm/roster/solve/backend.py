"""LP and MIP back-ends behind one small interface: HiGHS and CBC.

A :class:`Backend` solves a PuLP problem's LP relaxation
(:meth:`~Backend.solve_lp`) or the MIP with a warm start and a work limit
(:meth:`~Backend.solve_mip`), and reports what the solver really did
(:class:`LpResult`, :class:`MipResult`): status text, whether it holds an
integer solution, the dual bound, the work made and whether the wall clock
stopped it. Values come as arrays in the problem's column order
(``prob.variables()``), which for the tour model is the model's own (see
:mod:`wfm.roster.solution`).

* :class:`HighsBackend`: HiGHS through PuLP's ``HiGHS`` class (highspy),
  one thread, fixed seed, its start-up banner kept off standard output
  (:func:`wfm.roster.model.highs_banner`). Its work limit counts MIP interrupt checks, which
  HiGHS makes at fixed points of its search (deterministic); a hard
  wall-clock limit is kept by its simplex and MIP callbacks, since HiGHS
  looks at its own time limit rarely inside its root cut loop.
  :meth:`~HighsBackend.solve_mip_isolated` runs the MIP in a forked child
  that records every improving solution, and ends the child at the deadline.
* :class:`CbcBackend`: PuLP's bundled CBC binary, one thread, fixed seeds.
  Its work limit counts nodes; CBC has no callbacks, so the work made is not
  known (None) and callers charge the limit. The status and bound are read
  from its log: PuLP maps some CBC time-outs to "Optimal", and CBC can hand
  back the LP's fractional values when it found no integer solution.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import time
from dataclasses import dataclass

import numpy as np
import pulp

from wfm.roster.model import highs_banner
from wfm.roster.solve.rates import MipWork

SOLVERS = ("highs", "cbc")
#: HiGHS options of every MIP (on top of one thread and seed 0)
HIGHS_OPTIONS: dict = {"mip_heuristic_effort": 0.3}
CBC_SEEDS = ("randomSeed 12345", "randomCbcSeed 12345")


@dataclass(frozen=True)
class LpResult:
    """An LP relaxation solved: ``values`` in the problem's column order,
    ``objective``, the solver's ``status`` text and, with HiGHS, the
    ``highspy.Highs`` object that solved it (to re-solve from its basis)."""

    values: np.ndarray
    objective: float
    status: str
    highs: object | None = None

    @property
    def optimal(self) -> bool:
        return self.status.lower() in ("optimal", "1")


@dataclass(frozen=True)
class MipResult:
    """A MIP run: the solver's ``status`` text, ``has_solution`` (the solver
    holds an integer-feasible point), ``values`` in the problem's column
    order (None when the run returned none), the dual ``bound`` (None when
    unknown), ``work`` made in the back-end's units (None when the solver
    does not say) and ``wall`` (the wall clock, not the work limit, stopped
    it)."""

    status: str
    has_solution: bool
    values: np.ndarray | None
    bound: float | None
    work: int | None
    wall: bool


def _values(prob: pulp.LpProblem) -> np.ndarray:
    return np.array([v.varValue if v.varValue is not None else 0.0 for v in prob.variables()], dtype=float)


def _start_columns(prob: pulp.LpProblem, start) -> list[float]:
    """A warm start in ``prob``'s column order: ``start`` is an array in that
    order, or a dict variable -> value (absent variables start at 0)."""
    if isinstance(start, dict):
        return [float(start.get(v, 0.0)) for v in prob.variables()]
    return [float(x) for x in start]


@contextlib.contextmanager
def fixed_at(variables, values):
    """``variables`` fixed at the (rounded) ``values`` (same order) for the
    duration; their bounds are restored afterwards."""
    saved = [(v, v.lowBound, v.upBound) for v in variables]
    try:
        for v, x in zip(variables, values, strict=True):
            v.lowBound = v.upBound = float(round(float(x)))
        yield
    finally:
        for v, lo, up in saved:
            v.lowBound, v.upBound = lo, up


class Backend:
    """What the solve steps ask of an LP/MIP solver (see the module docstring)."""

    name = ""

    def available(self) -> bool:
        raise NotImplementedError

    def solve_lp(self, prob: pulp.LpProblem, *, time_limit_s: float, msg: bool = False) -> LpResult:
        raise NotImplementedError

    def solve_mip(self, prob: pulp.LpProblem, *, time_limit_s: float, gap_rel: float, start=None,
                  work_limit: int | None = None, node_limit: int | None = None, msg: bool = False) -> MipResult:
        """The MIP, warm-started from ``start`` (array in column order, dict
        variable -> value, or None), stopped after ``work_limit`` units of
        work or ``node_limit`` nodes (None: no limit) or at ``time_limit_s``
        wall seconds (the safety net), or within ``gap_rel``."""
        raise NotImplementedError

    def solve_mip_isolated(self, prob: pulp.LpProblem, **kw) -> MipResult:
        """:meth:`solve_mip` with a hard wall-clock limit even where the
        solver ignores its own (default: the solver runs outside anyway)."""
        return self.solve_mip(prob, **kw)

    # work accounting of a kind of MIP (see rates.MipWork)
    def limit(self, work: MipWork) -> int | None:
        raise NotImplementedError

    def per_s(self, work: MipWork) -> float:
        raise NotImplementedError

    def root_s(self, work: MipWork, n_integer: float) -> float:
        """Reference seconds charged for a run's root, on top of its units."""
        return 0.0

    def usual(self, work: MipWork) -> int | None:
        """Units a run usually takes (to reserve its cost in advance)."""
        return self.limit(work)

    def work_cap(self, work_limit: int | None, node_limit: int | None) -> int | None:
        """The most units of work a run with these limits can make."""
        return work_limit

    def made(self, result: MipResult, limit: int | None) -> int:
        """Units to charge for ``result`` run with ``limit``: what it made
        (at most the limit), or the limit when the solver does not say."""
        if result.work is None:
            return limit or 0
        return min(result.work, limit) if limit is not None else result.work


class HighsBackend(Backend):
    name = "highs"

    def available(self) -> bool:
        return pulp.HiGHS().available()

    def limit(self, work: MipWork) -> int | None:
        return work.highs_limit

    def per_s(self, work: MipWork) -> float:
        return work.highs_per_s

    def root_s(self, work: MipWork, n_integer: float) -> float:
        return work.highs_s_per_integer * n_integer

    def usual(self, work: MipWork) -> int | None:
        return work.highs_usual if work.highs_usual is not None else work.highs_limit

    def solve_lp(self, prob, *, time_limit_s, msg=False) -> LpResult:
        highs_banner()
        prob.solve(pulp.HiGHS(mip=False, msg=msg, timeLimit=time_limit_s, threads=1, random_seed=0))
        h = prob.solverModel
        vals = np.array([v.varValue or 0.0 for v in prob.variables()], dtype=float)
        return LpResult(vals, float(h.getInfo().objective_function_value), h.modelStatusToString(h.getModelStatus()), h)

    def solve_mip(self, prob, *, time_limit_s, gap_rel, start=None, work_limit=None, node_limit=None, msg=False,
                  record: str | None = None) -> MipResult:
        """``record``: a file path that receives every improving solution
        (objective, bound, values), for :meth:`solve_mip_isolated`."""
        highs_banner()
        state: dict = {}
        prob.solve(_highs_solver(time_limit_s, gap_rel, None if start is None else _start_columns(prob, start), msg,
                                 node_limit, record=record, checks=work_limit, state=state))
        h = prob.solverModel
        info = h.getInfo()
        has = info.primal_solution_status == 2
        return MipResult(h.modelStatusToString(h.getModelStatus()), has, _values(prob), float(info.mip_dual_bound),
                         state["checks"], state["wall"])

    def solve_mip_isolated(self, prob, *, time_limit_s, gap_rel, start=None, work_limit=None, node_limit=None,
                           msg=False) -> MipResult:
        """The MIP in a forked child with a hard wall-clock limit.

        HiGHS can spend minutes in its root cut loop without looking at its
        time limit (seen on the four-week model); the child records every
        improving solution, and the parent ends the child (by its own
        process id) at the deadline and keeps the best solution recorded."""
        import multiprocessing as mp
        import pickle

        highs_banner()  # in the parent: the child inherits it
        d = tempfile.mkdtemp(prefix="wfm_highs_")
        rec, final = os.path.join(d, "improving.pkl"), os.path.join(d, "final.pkl")
        cols = None if start is None else _start_columns(prob, start)

        def child():
            try:
                r = self.solve_mip(prob, time_limit_s=time_limit_s, gap_rel=gap_rel, start=cols, work_limit=work_limit,
                                   node_limit=node_limit, msg=msg, record=rec)
                _dump(final, r)
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
                return r if r.has_solution else MipResult(r.status, False, None, r.bound, r.work, r.wall)
            if os.path.exists(rec):
                with open(rec, "rb") as fh:
                    r = pickle.load(fh)
                return MipResult("Time limit reached (stopped by wfm)", True, r["values"], r["bound"], None, True)
            return MipResult("Time limit reached (stopped by wfm)" if killed else "no result", False, None, None, None, killed)
        finally:
            for f in (rec, final, rec + ".tmp", final + ".tmp"):
                if os.path.exists(f):
                    os.unlink(f)
            os.rmdir(d)


def _highs_solver(time_limit_s, gap_rel, start, msg, node_limit, record: str | None = None,
                  checks: int | None = None, state: dict | None = None):
    """PuLP's HiGHS with a warm start (``start``: values in column order), a
    hard wall-clock limit (``time_limit_s``, the safety net) and a
    deterministic work limit: at most ``checks`` MIP interrupt checks.
    ``state`` receives ``checks`` (made) and ``wall`` (True when the wall
    clock, not the work limit, stopped the solve)."""
    import highspy

    state = state if state is not None else {}
    state.update(checks=0, wall=False)

    class _HiGHSWarm(pulp.HiGHS):
        def callSolver(self, lp):
            if start is not None:
                sol = highspy.HighsSolution()
                sol.col_value = list(start)
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
                def _improved(e):
                    out = e.data_out
                    _dump(record, {"objective": float(out.objective_function_value),
                                   "bound": float(out.mip_dual_bound),
                                   "values": np.array(out.mip_solution, dtype=float)})

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


def parse_cbc_log(text: str) -> dict:
    """CBC's log: ``result`` (its "Result - ..." line), ``objective``,
    ``bound``, ``gap`` where printed, ``no_solution`` when it says so."""
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


def _cbc(**kw):
    """PuLP's bundled CBC (PuLP 3.3 flags PULP_CBC_CMD for 4.0; COIN_CMD on
    the same binary is the same solver)."""
    path = getattr(pulp.PULP_CBC_CMD, "pulp_cbc_path", None)
    if path and hasattr(pulp, "COIN_CMD") and os.path.exists(path):
        return pulp.COIN_CMD(path=path, **kw)
    return pulp.PULP_CBC_CMD(**kw)


class CbcBackend(Backend):
    name = "cbc"

    def available(self) -> bool:
        return _cbc(msg=False).available()

    def limit(self, work: MipWork) -> int | None:
        return work.cbc_limit

    def per_s(self, work: MipWork) -> float:
        return work.cbc_per_s

    def work_cap(self, work_limit: int | None, node_limit: int | None) -> int | None:
        limits = [n for n in (work_limit, node_limit) if n is not None]
        return min(limits) if limits else None  # both count nodes

    def solve_lp(self, prob, *, time_limit_s, msg=False) -> LpResult:
        prob.solve(_cbc(mip=False, msg=msg, timeLimit=time_limit_s, threads=1))
        vals = np.array([v.varValue or 0.0 for v in prob.variables()], dtype=float)
        return LpResult(vals, float(pulp.value(prob.objective)), pulp.LpStatus[prob.status], None)

    def solve_mip(self, prob, *, time_limit_s, gap_rel, start=None, work_limit=None, node_limit=None,
                  msg=False) -> MipResult:
        if start is not None:
            for v, x in zip(prob.variables(), _start_columns(prob, start), strict=True):
                v.setInitialValue(x)
        limits = [n for n in (work_limit, node_limit) if n is not None]
        opts = list(CBC_SEEDS) + ([f"maxNodes {int(min(limits))}"] if limits else [])
        fd, logp = tempfile.mkstemp(prefix="wfm_cbc_", suffix=".log")
        os.close(fd)
        try:
            prob.solve(_cbc(msg=False, timeLimit=min(time_limit_s, 1e6), gapRel=gap_rel, threads=1,
                            warmStart=start is not None, logPath=logp, options=opts))
            with open(logp, encoding="utf-8", errors="replace") as fh:
                log = parse_cbc_log(fh.read())
        finally:
            os.unlink(logp)
        status = log.get("result", "") or pulp.LpStatus[prob.status]
        has = not log.get("no_solution", False) and prob.sol_status in (pulp.LpSolutionOptimal,
                                                                           pulp.LpSolutionIntegerFeasible)
        return MipResult(status, has, _values(prob), log.get("bound"), None, "time" in status.lower())


def backend(solver) -> Backend:
    """The back-end named ``solver`` ("highs" | "cbc"), or ``solver`` itself
    when it is already a :class:`Backend`."""
    if isinstance(solver, Backend):
        return solver
    if solver == "highs":
        return HighsBackend()
    if solver == "cbc":
        return CbcBackend()
    from wfm.errors import InputError, argument_problem

    raise InputError(argument_problem("solver", f"unknown solver {solver!r}", " or ".join(SOLVERS)))
