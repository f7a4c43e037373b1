"""The work clock and the one table of work rates, work limits and budget shares.

Every stopping decision of the solve is taken on a :class:`WorkClock`, which
counts work (local-search move evaluations, HiGHS MIP interrupt checks, CBC
nodes) and converts it to *reference seconds* at the rates of
:class:`Rates`, measured on the reference machine (the shared 2-core
sandbox; ``benchmarks/README.md``, "Roster"). The same inputs then stop at
the same point on any machine and under any load. Each field says what it
counts and how it was measured; ``RATES`` is the table the solve uses.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass


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
class MipWork:
    """How one kind of MIP is limited and charged on each back-end.

    HiGHS counts MIP interrupt checks (``cbMipInterrupt`` calls, which it
    makes at fixed points of its search, so the count is deterministic);
    CBC counts branch-and-bound nodes (it has no callbacks, so a run is
    charged its node limit). ``*_limit``: the most units one run may take
    (None: no work limit); ``*_per_s``: units per reference second;
    ``highs_s_per_integer``: charged on top per integer variable for HiGHS'
    root (presolve, LP, cut loop), where it checks rarely;
    ``highs_usual``: the checks a run usually takes, to reserve its cost in
    advance (None: its limit)."""

    highs_limit: int | None
    highs_per_s: float
    cbc_limit: int | None
    cbc_per_s: float
    highs_s_per_integer: float = 0.0
    highs_usual: int | None = None


@dataclass(frozen=True)
class Rates:
    """Work rates, work limits and budget shares of :func:`solve_model`.

    Rates were measured on the reference machine (benchmarks/README.md);
    changing one changes where the searches stop, hence the rosters.
    """

    # -- budget
    #: default work budget as a share of the wall-clock limit
    work_share: float = 0.5
    #: each local-search step: share of the work budget
    local_share: float = 0.1
    #: tour search: share of the work budget (budget splits of 0.2-0.4 with
    #: local search at 0.05-0.1 gave 1.18-1.20 % at four weeks)
    tour_share: float = 0.3
    #: small models: share of the budget for the neighbourhoods, the full MIP
    #: gets the rest (HiGHS' own search does well given work there)
    small_model_improve_share: float = 0.35
    #: models with at least this many integer variables skip the full MIP and
    #: give the neighbourhoods the whole budget: HiGHS spends the whole budget
    #: in its root cut loop on them (seen on the four-week benchmark)
    large_model_integers: int = 3000
    #: passes of the day neighbourhood in the pipeline
    day_passes: int = 3

    # -- local and tour search
    #: candidate (shift start, break offset) evaluations per reference second
    evals_per_s: float = 200_000.0
    #: pricing one shift for removal costs about 4 evaluations (measured:
    #: tour search at four weeks, 4.8 s wall for 5.1 reference s with 4;
    #: 4.9 s for 3.5 with 1)
    removal_evals: int = 4

    # -- full MIP
    #: HiGHS checks far more rarely in the full MIP (its root cut loop), the
    #: more so the larger the model: measured about 415 checks/s at 123
    #: integer variables and 2.9/s at 1,313 (one week, 30 min), roughly
    #: 5e6 / n_integer**2 ...
    full_checks_x_integers2_per_s: float = 5.0e6
    #: ... but not that rarely at several thousand: 1.26/s at 7,016 (the
    #: retail instance 1_7_10_1, 40 checks in 31.7 s), so at least
    #: 100 / sqrt(n_integer) ...
    full_checks_x_sqrt_integers_per_s: float = 100.0
    #: ... and at most this many
    full_checks_max_per_s: float = 1000.0
    #: CBC branch-and-bound nodes per reference second (full MIP, skeleton)
    cbc_nodes_per_s: float = 20.0

    # -- head-count bound
    #: work limit of one branch LP, in simplex iterations (deterministic; the
    #: warm re-solves took 47-6 172 at four weeks, 0.2-4 s)
    head_count_iterations: int = 100_000
    #: with an LP this slow (wall s; four weeks: 2.5 s) the branches run in a
    #: forked child, beside the searches, on the machine's other core
    head_count_fork_lp_s: float = 0.5

    # -- flexible members' skeleton MIP
    #: measured: 30 checks in 1.3-1.6 s on the 10-member retail instance
    skeleton: MipWork = MipWork(highs_limit=30, highs_per_s=20.0, cbc_limit=200, cbc_per_s=20.0)
    #: its wall-clock safety net, s
    skeleton_wall_s: float = 10.0

    # -- day neighbourhood
    #: one day's start sub-MIP (37 integer variables at four weeks): 1 000
    #: checks a day (300: 1.25 %, 1 000: 1.16 %, 3 000: 1.15 % above the
    #: bound after one pass); 300 checks/s on top of its root (measured
    #: 280-410 checks/s over a pass) charged 0.005 s per integer variable;
    #: CBC 50 nodes at 65 nodes/s (50 nodes: 0.77 s at four weeks)
    day: MipWork = MipWork(highs_limit=1000, highs_per_s=300.0, cbc_limit=50, cbc_per_s=65.0,
                           highs_s_per_integer=0.005)
    #: the break-placement MIP (all shifts fixed): HiGHS 90 checks/s
    #: (measured on a 186-integer day MIP), at most 2 000, usually 30 (four
    #: weeks: 15); CBC as a day sub-MIP ...
    breaks: MipWork = MipWork(highs_limit=2000, highs_per_s=90.0, cbc_limit=50, cbc_per_s=65.0, highs_usual=30)
    #: ... and, on either, 4e-5 s per model variable: it mostly presolves the
    #: whole model away (about 0.7 s at four weeks)
    break_s_per_variable: float = 4e-5

    # -- tours priced by whole shifts
    #: a day's sub-MIP with one shift more or fewer: 100 checks, about 60 a
    #: second (it starts from a repaired, often infeasible, point), its root
    #: as in the day neighbourhood; CBC as a day sub-MIP
    price: MipWork = MipWork(highs_limit=100, highs_per_s=60.0, cbc_limit=50, cbc_per_s=65.0,
                             highs_s_per_integer=0.005)
    #: work limit of the tour-choice IP (branch-and-bound nodes, both back-ends)
    tour_ip_nodes: int = 2000
    #: what the tour-choice IP is charged per integer variable
    tour_ip_s_per_integer: float = 0.002
    #: of the budget left when a round starts, for its pricing (the rest: the
    #: day neighbourhood after it)
    price_share: float = 0.75
    #: start a round only with this share of a whole round's pricing left
    price_round_min_share: float = 0.5
    #: when pricing rounds can follow, each day neighbourhood stops here: its
    #: last passes gain little (four weeks: 69.5 reference s for 0.04 % more
    #: than 16.5) and a round gains more
    day_budget_before_pricing: float = 40.0

    def full_checks_per_s(self, n_integer: int) -> float:
        """HiGHS interrupt checks per reference second in the full MIP."""
        n = max(n_integer, 1)
        return min(self.full_checks_max_per_s, max(self.full_checks_x_integers2_per_s / n ** 2,
                                                   self.full_checks_x_sqrt_integers_per_s / math.sqrt(n)))

    def full_mip(self, n_integer: int) -> MipWork:
        """The full MIP's work (limits set from the budget left when it starts)."""
        return MipWork(highs_limit=None, highs_per_s=self.full_checks_per_s(n_integer),
                       cbc_limit=None, cbc_per_s=self.cbc_nodes_per_s)


RATES = Rates()
