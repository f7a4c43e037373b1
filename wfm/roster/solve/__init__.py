"""Solve the tour model: HiGHS by default, CBC as the fallback.

Pipeline (:func:`solve_model`, the named steps of
:data:`~wfm.roster.solve.pipeline.PIPELINE`), all on the work budget
``work_limit_s`` (see "Determinism" below) inside the wall-clock limit
``time_limit_s``:

1. LP relaxation (:mod:`.bounds`): the lower bound reported as
   ``lp_bound``; with HiGHS, :func:`head_count_bound` tightens it by
   branching once on the total head count (in a forked child beside the next
   steps when the LP is slow).
2. Starts (:mod:`.starts`): the rounded LP (:func:`rounded_start`): tours
   and shifts rounded by largest remainders, breaks placed greedily; then
   the LP re-solved with those tours fixed (:func:`tours_fixed_lp`) and its
   shifts and breaks rounded on running totals (:func:`cumulative_round`),
   kept if cheaper; for named flexible agents, whose rules the rounded LP
   breaks, a skeleton MIP of who works when (:func:`flexible_start`).
   Every start is checked against every constraint (:mod:`.checks`).
3. Improvement: :func:`local_search` (each shift to its best start and
   break times, tours fixed), :func:`tour_search` (days-off patterns,
   phases and head counts, one agent at a time, shifts re-placed; the LP's
   fractions of agents at quiet hours are what rounding gets wrong), the
   local search again (:mod:`.moves`), then :func:`day_by_day` (one day's
   starts at a time re-optimised by a small MIP, costliest days first,
   breaks relaxed; :func:`place_breaks` then makes the breaks integral for
   the whole horizon in one MIP; :mod:`.neighbourhoods`). The full MIP's
   root cut loop takes minutes at four weeks, so models with
   ``Rates.large_model_integers`` or more integer variables give these
   neighbourhoods the whole budget; small ones give them about a third.
4. Pricing rounds (large models): budget the day neighbourhood leaves once
   it has converged (long time limits) goes to rounds of
   :func:`priced_tour_moves` (tours re-chosen by the price of each day's
   whole shifts with an agent fewer or more), each followed by the day
   neighbourhood, while a round pays.
5. The full MIP, warm-started, for the rest of the budget: HiGHS in a forked
   child with a hard wall-clock limit (it records every improving solution;
   HiGHS does not look at its own time limit inside its root cut loop), CBC
   as PuLP's subprocess with its log parsed for the status and bound.

The LP and MIP solvers sit behind one interface (:mod:`.backend`).
Solutions are arrays in the model's column order
(:mod:`wfm.roster.solution`); :func:`solve_model` publishes a
:class:`~wfm.roster.solution.Solution`.

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
at fixed points of its search, CBC nodes) and converts it to *reference
seconds* at the rates of :class:`Rates` (:mod:`.rates`), measured on the
reference machine (``benchmarks/README.md``). The budget is ``work_limit_s``
reference seconds (default ``Rates.work_share * time_limit_s``).
``time_limit_s`` stays a hard wall-clock limit, a safety net only: when it,
rather than the work budget or the gap, ends a step, the result is still
checked and published but may differ on a rerun, and
:attr:`SolveInfo.repeatable` says so.
"""

from wfm.roster.solution import Solution
from wfm.roster.solve.backend import (
    SOLVERS,
    Backend,
    CbcBackend,
    HighsBackend,
    LpResult,
    MipResult,
    backend,
)
from wfm.roster.solve.bounds import HeadCountBranch, head_count_bound, solve_lp
from wfm.roster.solve.checks import (
    constraint_violations,
    fractional_variables,
    objective_value,
    polish,
    recompute,
)
from wfm.roster.solve.moves import local_search, repair_availability, tour_search
from wfm.roster.solve.neighbourhoods import day_by_day, place_breaks, priced_tour_moves
from wfm.roster.solve.pipeline import PIPELINE, SolveInfo, solve_model
from wfm.roster.solve.rates import RATES, MipWork, Rates, WorkClock
from wfm.roster.solve.starts import (
    cumulative_round,
    flexible_start,
    greedy_breaks,
    rounded_start,
    tours_fixed_lp,
    with_shifts,
)

__all__ = [
    "PIPELINE", "RATES", "SOLVERS", "Backend", "CbcBackend", "HeadCountBranch", "HighsBackend", "LpResult",
    "MipResult", "MipWork", "Rates", "Solution", "SolveInfo", "WorkClock", "backend", "constraint_violations",
    "cumulative_round", "day_by_day", "flexible_start", "fractional_variables", "greedy_breaks", "head_count_bound",
    "local_search", "objective_value", "place_breaks", "polish", "priced_tour_moves", "recompute",
    "repair_availability", "rounded_start", "solve_lp", "solve_model", "tour_search", "tours_fixed_lp",
    "with_shifts",
]
