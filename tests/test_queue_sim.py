"""Check the M/M/n+M simulator against closed forms written here, independently of wfm.

References: M/M/1 and Erlang C (M/M/n) waiting-time laws, e.g. Kleinrock, Queueing
Systems Vol. 1 (1975), sections 3.2 and 3.5; Erlang A via the birth-death chain of
the number in system (Palm 1943; Garnett, Mandelbaum & Reiman 2002), truncated far
in the tail, with PASTA for what an arrival sees.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.linalg import expm

try:
    from queue_sim import simulate_mmnm
except ImportError:  # pragma: no cover - when tests/ is imported as a package
    from tests.queue_sim import simulate_mmnm


def close(est: float, se: float, exact: float, slack: float) -> bool:
    return abs(est - exact) <= 4.0 * se + slack


# ----------------------------------------------------------------- closed forms


def mm1(lam: float, mu: float, t: float) -> dict:
    rho = lam / mu
    return {
        "p_wait": rho,
        "mean_wait": rho / (mu - lam),
        "sl": 1.0 - rho * math.exp(-(mu - lam) * t),
        "occupancy": rho,
    }


def erlang_c(lam: float, mu: float, n: int, t: float) -> dict:
    """P(wait) by the factorial sum; wait | wait ~ Exp(n mu - lam)."""
    a = lam / mu
    top = a**n / math.factorial(n) * n / (n - a)
    c = top / (sum(a**k / math.factorial(k) for k in range(n)) + top)
    return {
        "p_wait": c,
        "mean_wait": c / (n * mu - lam),
        "sl": 1.0 - c * math.exp(-(n * mu - lam) * t),
        "occupancy": a / n,
    }


def erlang_a_chain(lam: float, mu: float, n: int, theta: float, t: float, extra: int = 2000) -> dict:
    """Erlang A from the birth-death chain on 0..K customers in system.

    Birth rate lam; death rate min(k,n) mu + max(k-n,0) theta. An arrival sees the
    stationary law (PASTA). A customer arriving to state k >= n has m = k - n ahead;
    with j ahead the next change comes at rate n mu + j theta (a service start or an
    abandonment ahead), while its own patience runs at rate theta. The small CTMC
    on 'j ahead' (plus absorbing served / abandoned) gives, through expm, the chance
    to be served by t; served-probability and mean time-to-service-if-served come from
    the Laplace transform of the hypoexponential time to service.
    """
    # Grow the state space until the tail is below 1e-16 of the mode.
    log_pi = [0.0]
    k = 0
    while k < n + 10 or log_pi[-1] > max(log_pi) - 37.0:
        k += 1
        if k > n + extra:
            raise AssertionError("truncation too short")
        death_k = min(k, n) * mu + max(k - n, 0) * theta
        log_pi.append(log_pi[-1] + math.log(lam) - math.log(death_k))
    big_k = k
    m = max(log_pi)
    pi = np.exp(np.array(log_pi) - m)
    pi /= pi.sum()
    assert pi[-1] < 1e-14, "truncation too short"
    ks = np.arange(big_k + 1)
    queue = np.maximum(ks - n, 0)
    p_wait = float(pi[n:].sum())
    e_queue = float((pi * queue).sum())
    occupancy = float((pi * np.minimum(ks, n)).sum()) / n

    # Served probability and E[T; served] for j ahead: rates r_i = n mu + i theta, i = 0..j.
    jmax = big_k - n
    r = n * mu + theta * np.arange(jmax + 1)
    log_served = np.cumsum(np.log(r / (r + theta)))  # product over i = 0..j
    served = np.exp(log_served)
    t_served = served * np.cumsum(1.0 / (r + theta))  # E[T e^{-theta T}]

    # Transient CTMC: states j = 0..jmax waiting, then served, abandoned.
    size = jmax + 3
    q = np.zeros((size, size))
    s_idx, a_idx = jmax + 1, jmax + 2
    for j in range(jmax + 1):
        q[j, j - 1 if j > 0 else s_idx] += r[j]
        q[j, a_idx] += theta
        q[j, j] = -(r[j] + theta)
    p_t = expm(q * t)
    served_by_t = p_t[: jmax + 1, s_idx]
    waiting_at_t = p_t[: jmax + 1, : jmax + 1].sum(axis=1)

    pa = pi[n:]
    p_answer = float(pi[:n].sum() + (pa * served).sum())
    return {
        "p_wait": p_wait,
        "p_abandon": theta * e_queue / lam,
        "p_abandon_direct": float((pa * (1.0 - served)).sum()),
        "mean_wait_all": e_queue / lam,
        "asa_answered": float((pa * t_served).sum()) / p_answer,
        "sl": float(pi[:n].sum() + (pa * served_by_t).sum()),
        "p_wait_within": 1.0 - float((pa * waiting_at_t).sum()),
        "occupancy": occupancy,
    }


def test_reference_chain_is_self_consistent():
    """theta E[Q]/lam == P(served never), and theta -> 0 approaches Erlang C."""
    ref = erlang_a_chain(2.7 / 180, 1 / 180, 3, 1 / 300, 20.0)
    assert ref["p_abandon"] == pytest.approx(ref["p_abandon_direct"], rel=1e-9)
    # Flow balance: served rate = busy servers x mu.
    assert (1 - ref["p_abandon"]) * 2.7 / 3 == pytest.approx(ref["occupancy"], rel=1e-9)
    c = erlang_c(2.4 / 180, 1 / 180, 3, 20.0)
    a = erlang_a_chain(2.4 / 180, 1 / 180, 3, 1e-9, 20.0)
    assert a["p_wait"] == pytest.approx(c["p_wait"], rel=1e-5)
    assert a["sl"] == pytest.approx(c["sl"], rel=1e-5)
    assert a["mean_wait_all"] == pytest.approx(c["mean_wait"], rel=1e-4)


# ----------------------------------------------------------------------- tests


def test_mm1_against_closed_form():
    aht, lam, t = 180.0, 0.7 / 180.0, 60.0
    r = simulate_mmnm(lam, aht, 1, math.inf, t, n_customers=100_000, seed=1)
    ref = mm1(lam, 1 / aht, t)
    assert close(r.p_wait, r.p_wait_se, ref["p_wait"], 0.003)
    assert close(r.mean_wait_all_s, r.mean_wait_all_s_se, ref["mean_wait"], 2.0)
    assert close(r.service_level_abandon_as_failure, r.service_level_abandon_as_failure_se, ref["sl"], 0.003)
    assert close(r.occupancy, r.occupancy_se, ref["occupancy"], 0.003)
    assert r.p_abandon == 0.0
    assert r.asa_answered_s == r.mean_wait_all_s
    assert r.p_wait_within_target == r.service_level_abandon_as_failure


@pytest.mark.parametrize(("n", "load", "target_s"), [(3, 2.4, 20.0), (5, 3.5, 15.0), (12, 10.0, 30.0)])
def test_erlang_c_against_factorial_sum(n, load, target_s):
    aht = 180.0
    lam = load / aht
    r = simulate_mmnm(lam, aht, n, math.inf, target_s, n_customers=100_000, seed=n)
    ref = erlang_c(lam, 1 / aht, n, target_s)
    assert close(r.p_wait, r.p_wait_se, ref["p_wait"], 0.003)
    assert close(r.asa_answered_s, r.asa_answered_s_se, ref["mean_wait"], 1.0)
    assert close(r.service_level_abandon_as_failure, r.service_level_abandon_as_failure_se, ref["sl"], 0.003)
    assert close(r.occupancy, r.occupancy_se, ref["occupancy"], 0.003)
    assert r.p_abandon == 0.0


@pytest.mark.parametrize(
    ("n", "load", "patience_s", "target_s"),
    [
        (1, 0.9, 60.0, 20.0),
        (3, 2.7, 300.0, 20.0),
        (5, 6.0, 120.0, 30.0),  # overloaded: stable only through abandonment
        (8, 7.0, 200.0, 10.0),
    ],
)
def test_erlang_a_against_birth_death_chain(n, load, patience_s, target_s):
    aht = 180.0
    lam = load / aht
    r = simulate_mmnm(lam, aht, n, patience_s, target_s, n_customers=100_000, seed=100 + n)
    ref = erlang_a_chain(lam, 1 / aht, n, 1 / patience_s, target_s)
    assert close(r.p_wait, r.p_wait_se, ref["p_wait"], 0.003)
    assert close(r.p_abandon, r.p_abandon_se, ref["p_abandon"], 0.002)
    assert close(r.mean_wait_all_s, r.mean_wait_all_s_se, ref["mean_wait_all"], 0.5)
    assert close(r.asa_answered_s, r.asa_answered_s_se, ref["asa_answered"], 0.5)
    assert close(r.service_level_abandon_as_failure, r.service_level_abandon_as_failure_se, ref["sl"], 0.003)
    assert close(r.p_wait_within_target, r.p_wait_within_target_se, ref["p_wait_within"], 0.003)
    assert close(r.occupancy, r.occupancy_se, ref["occupancy"], 0.003)
    # Definitions tie together.
    assert r.p_wait_within_target >= r.service_level_abandon_as_failure
    assert r.service_level_of_answered == pytest.approx(
        r.service_level_abandon_as_failure / (1 - r.p_abandon), rel=1e-12
    )


def test_batch_means_standard_errors_match_spread_across_seeds():
    """The batch-means SE must describe the scatter of independent replications."""
    aht, lam, n, pat = 180.0, 4.5 / 180.0, 5, 150.0
    runs = [simulate_mmnm(lam, aht, n, pat, 20.0, n_customers=20_000, warmup=2_000, seed=s) for s in range(16)]
    for field in ("p_wait", "p_abandon", "mean_wait_all_s"):
        vals = np.array([getattr(x, field) for x in runs])
        ses = np.array([getattr(x, field + "_se") for x in runs])
        ratio = vals.std(ddof=1) / np.sqrt(np.mean(ses**2))
        # sample sd over 16 runs has ~18 % relative error; batch SEs ~16 %.
        assert 0.5 < ratio < 2.0, (field, ratio)


def test_deterministic_for_a_seed_and_different_for_another():
    a = simulate_mmnm(0.02, 180.0, 5, 120.0, 20.0, n_customers=5_000, warmup=500, seed=7)
    b = simulate_mmnm(0.02, 180.0, 5, 120.0, 20.0, n_customers=5_000, warmup=500, seed=7)
    c = simulate_mmnm(0.02, 180.0, 5, 120.0, 20.0, n_customers=5_000, warmup=500, seed=8)
    assert a == b
    assert a != c


def test_no_wait_when_servers_far_exceed_load_and_all_wait_with_overload():
    light = simulate_mmnm(0.001, 10.0, 10, 60.0, 0.0, n_customers=5_000, warmup=100)
    assert light.p_wait == 0.0 and light.service_level_abandon_as_failure == 1.0
    heavy = simulate_mmnm(1.0, 100.0, 1, 30.0, 0.0, n_customers=5_000, warmup=1_000)
    assert heavy.p_wait > 0.99 and heavy.p_abandon > 0.95


@pytest.mark.parametrize(
    "kwargs",
    [
        {"lam_per_s": 0.0},
        {"aht_s": -1.0},
        {"n": 0},
        {"n": 2.5},
        {"patience_s": 0.0},
        {"target_s": -1.0},
        {"patience_s": math.inf, "lam_per_s": 0.1},  # load 18 >= 5 servers, no abandonment
    ],
)
def test_invalid_inputs_raise(kwargs):
    args = {"lam_per_s": 0.02, "aht_s": 180.0, "n": 5, "patience_s": 120.0, "target_s": 20.0}
    args.update(kwargs)
    with pytest.raises(ValueError):
        simulate_mmnm(**args, n_customers=1_000, warmup=0)
