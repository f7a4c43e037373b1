"""Lower bounds: the LP relaxation and the head-count bound."""

from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass

import numpy as np

from wfm.roster.model import TourModel
from wfm.roster.solve.backend import LpResult, backend
from wfm.roster.solve.checks import INT_TOL
from wfm.roster.solve.rates import RATES


def solve_lp(model: TourModel, solver="highs", time_limit_s: float = 60.0, msg: bool = False) -> LpResult:
    """The model's LP relaxation (``solver``: "highs", "cbc" or a
    :class:`~wfm.roster.solve.backend.Backend`): values in the model's
    column order, objective (the lower bound ``lp_bound``), status."""
    return backend(solver).solve_lp(model.prob, time_limit_s=time_limit_s, msg=msg)


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
                     iterations: int = RATES.head_count_iterations) -> tuple[float, HeadCountBranch | None, bool]:
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
    (:attr:`LpResult.highs` of :func:`solve_lp` with HiGHS); the total is
    added to it as a row, bounded per branch and re-solved from the LP's
    basis (dual simplex; about 2 s a branch at four weeks, most of it
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
    # the model's columns are HiGHS' (both in PuLP's variable order)
    cols = np.array([model.cols.position[v] for v in free], dtype=np.int32)
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


class HeadCountJob:
    """:func:`head_count_bound` run inline, or in a forked child (``fork``)
    whose result :meth:`result` collects, waiting until ``deadline`` at most."""

    def __init__(self, model: TourModel, lp_obj: float, highs, *, deadline: float, fork: bool,
                 iterations: int = RATES.head_count_iterations):
        self.lp_obj, self.deadline = lp_obj, deadline
        import multiprocessing as mp

        def run():
            return head_count_bound(model, lp_obj, highs, deadline=deadline, iterations=iterations)

        self.forked = fork and highs is not None and "fork" in mp.get_all_start_methods()
        if not self.forked:
            self._result = run()
            return
        ctx = mp.get_context("fork")
        self._recv, send = ctx.Pipe(duplex=False)

        def child():
            try:
                send.send(run())
            finally:
                os._exit(0)

        self._proc = ctx.Process(target=child, daemon=True)
        try:
            self._proc.start()
        except (AssertionError, OSError):  # e.g. inside a daemonic worker, or no process left
            send.close()
            self._recv.close()
            self.forked = False
            self._result = run()
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
