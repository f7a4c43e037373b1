"""Seeded discrete-event simulation of the M/M/n+M (Erlang A) queue, FCFS.

An independent reference for the staffing formulas: it shares no code with
``wfm``. Poisson arrivals (rate ``lam_per_s``), ``n`` identical servers,
exponential service (mean ``aht_s``), exponential patience (mean
``patience_s``; ``math.inf`` -> no abandonment, i.e. M/M/n = Erlang C),
first come first served, a waiting customer leaves when its patience runs out.

Method
------
Under FCFS the *offered wait* ``V_i`` of customer ``i`` (the wait it would
have if it were infinitely patient) depends only on the customers before it
that were served: keep the times at which the ``n`` servers next become free
in a heap (Kiefer-Wolfowitz workload vector); with ``F`` the smallest,
``V_i = max(0, F - a_i)``. If the patience ``tau_i >= V_i`` the customer
starts service at ``a_i + V_i`` on that server (whose free time becomes
``a_i + V_i + S_i``); otherwise it abandons at ``a_i + tau_i`` and never
occupies a server. Earlier customers that abandon have left before ``F``
(they abandon before their own offered wait ends, which is <= ``F``), so they
cannot block customer ``i``: the recursion is exact for FCFS with
abandonment. Each customer costs one heap operation, so 200 000 customers
take a fraction of a second in pure Python.

The waiting time of a customer is ``W_i = min(V_i, tau_i)`` (time to service
if answered, time to abandonment otherwise). The first ``warmup`` customers
are discarded; the next ``n_customers`` are split into ``n_batches``
consecutive batches, and each estimate's standard error is the batch-means
one, ``std(batch values, ddof=1) / sqrt(n_batches)``.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class SimResult:
    """Estimates from :func:`simulate_mmnm` (fractions of all arrivals unless said)."""

    lam_per_s: float
    aht_s: float
    n: int
    patience_s: float
    target_s: float
    n_customers: int
    n_batches: int
    #: found all servers busy on arrival (offered wait > 0)
    p_wait: float
    #: left before service
    p_abandon: float
    #: answered within target_s / all arrivals (abandons count as failures)
    service_level_abandon_as_failure: float
    #: answered within target_s / answered customers
    service_level_of_answered: float
    #: waited <= target_s (W = min(offered wait, patience)), answered or not, / all arrivals
    p_wait_within_target: float
    #: mean wait of answered customers, seconds
    asa_answered_s: float
    #: mean W over all arrivals, seconds (= E[queue length] / lam by Little's law)
    mean_wait_all_s: float
    #: server busy time / (n x elapsed time)
    occupancy: float
    p_wait_se: float
    p_abandon_se: float
    service_level_abandon_as_failure_se: float
    service_level_of_answered_se: float
    p_wait_within_target_se: float
    asa_answered_s_se: float
    mean_wait_all_s_se: float
    occupancy_se: float


def _run(arrivals: list, service: list, patience: list | None, n: int):
    """Return per-customer offered-wait flag, wait W and answered flag."""
    total = len(arrivals)
    wait = [0.0] * total
    answered = [True] * total
    busy = [False] * total
    free = [0.0] * n  # a valid heap: all servers free at time 0
    heapreplace = heapq.heapreplace
    if patience is None:
        for i in range(total):
            a = arrivals[i]
            f = free[0]
            if f <= a:
                heapreplace(free, a + service[i])
            else:
                busy[i] = True
                wait[i] = f - a
                heapreplace(free, f + service[i])
    else:
        for i in range(total):
            a = arrivals[i]
            f = free[0]
            if f <= a:
                heapreplace(free, a + service[i])
            else:
                busy[i] = True
                v = f - a
                tau = patience[i]
                if tau < v:
                    wait[i] = tau
                    answered[i] = False
                else:
                    wait[i] = v
                    heapreplace(free, f + service[i])
    return busy, wait, answered


def simulate_mmnm(
    lam_per_s: float,
    aht_s: float,
    n: int,
    patience_s: float,
    target_s: float,
    n_customers: int = 200_000,
    seed: int = 0,
    warmup: int = 20_000,
    n_batches: int = 20,
) -> SimResult:
    """Simulate ``warmup + n_customers`` customers of an M/M/n+M FCFS queue.

    Parameters: arrival rate ``lam_per_s`` (1/s), mean service ``aht_s`` (s),
    ``n`` servers, mean patience ``patience_s`` (s, ``math.inf`` for none),
    service-level threshold ``target_s`` (s). Deterministic for a ``seed``.
    Without abandonment the load ``lam_per_s * aht_s`` must be below ``n``.
    """
    if not (lam_per_s > 0 and math.isfinite(lam_per_s)):
        raise ValueError(f"lam_per_s must be > 0, got {lam_per_s!r}")
    if not (aht_s > 0 and math.isfinite(aht_s)):
        raise ValueError(f"aht_s must be > 0, got {aht_s!r}")
    if int(n) != n or n < 1:
        raise ValueError(f"n must be a whole number >= 1, got {n!r}")
    n = int(n)
    if not patience_s > 0:
        raise ValueError(f"patience_s must be > 0 (inf for none), got {patience_s!r}")
    if not target_s >= 0:
        raise ValueError(f"target_s must be >= 0, got {target_s!r}")
    if n_batches < 2 or n_customers < n_batches:
        raise ValueError("need n_batches >= 2 and n_customers >= n_batches")
    if math.isinf(patience_s) and lam_per_s * aht_s >= n:
        raise ValueError("unstable: load lam*aht >= n servers and nobody abandons")

    rng = np.random.default_rng(seed)
    total = warmup + n_customers
    arrivals = np.cumsum(rng.exponential(1.0 / lam_per_s, total))
    service = rng.exponential(aht_s, total)
    patience = None if math.isinf(patience_s) else rng.exponential(patience_s, total).tolist()
    busy, wait, answered = _run(arrivals.tolist(), service.tolist(), patience, n)

    sl = slice(warmup, total)
    busy_a = np.asarray(busy[sl], dtype=bool)
    wait_a = np.asarray(wait[sl], dtype=float)
    ans_a = np.asarray(answered[sl], dtype=bool)
    served_time = np.where(ans_a, service[sl], 0.0)
    arr = arrivals[warmup - 1 :] if warmup > 0 else np.concatenate(([0.0], arrivals))
    within = wait_a <= target_s

    edges = np.linspace(0, n_customers, n_batches + 1).round().astype(int)

    def ratio(num: np.ndarray, den: np.ndarray) -> tuple[float, float]:
        """Overall ratio sum(num)/sum(den) and its batch-means standard error."""
        cn = np.concatenate(([0.0], np.cumsum(num, dtype=float)))
        cd = np.concatenate(([0.0], np.cumsum(den, dtype=float)))
        bn = cn[edges[1:]] - cn[edges[:-1]]
        bd = cd[edges[1:]] - cd[edges[:-1]]
        overall = cn[-1] / cd[-1] if cd[-1] > 0 else math.nan
        with np.errstate(invalid="ignore", divide="ignore"):
            vals = bn / bd
        vals = vals[np.isfinite(vals)]
        se = float(np.std(vals, ddof=1) / math.sqrt(len(vals))) if len(vals) >= 2 else math.nan
        return float(overall), se

    ones = np.ones(n_customers)
    p_wait, p_wait_se = ratio(busy_a, ones)
    p_ab, p_ab_se = ratio(~ans_a, ones)
    sl_all, sl_all_se = ratio(ans_a & within, ones)
    sl_ans, sl_ans_se = ratio(ans_a & within, ans_a)
    pw_t, pw_t_se = ratio(within, ones)
    asa, asa_se = ratio(np.where(ans_a, wait_a, 0.0), ans_a)
    mw, mw_se = ratio(wait_a, ones)
    # Occupancy: busy time of the batch's served customers / (n x the batch's span).
    dt = np.diff(arr)  # inter-arrival gap before each measured customer
    occ, occ_se = ratio(served_time, n * dt)
    return SimResult(
        lam_per_s=float(lam_per_s),
        aht_s=float(aht_s),
        n=n,
        patience_s=float(patience_s),
        target_s=float(target_s),
        n_customers=int(n_customers),
        n_batches=int(n_batches),
        p_wait=p_wait,
        p_abandon=p_ab,
        service_level_abandon_as_failure=sl_all,
        service_level_of_answered=sl_ans,
        p_wait_within_target=pw_t,
        asa_answered_s=asa,
        mean_wait_all_s=mw,
        occupancy=occ,
        p_wait_se=p_wait_se,
        p_abandon_se=p_ab_se,
        service_level_abandon_as_failure_se=sl_all_se,
        service_level_of_answered_se=sl_ans_se,
        p_wait_within_target_se=pw_t_se,
        asa_answered_s_se=asa_se,
        mean_wait_all_s_se=mw_se,
        occupancy_se=occ_se,
    )
