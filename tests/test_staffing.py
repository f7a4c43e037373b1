"""Staffing engine against independent references.

References: the published 100-calls worked example; exact sums and mpmath's
own incomplete gamma at 40 digits; a truncated birth-death chain for Erlang A;
a phase-type (CTMC) computation of the tagged caller's wait for service level
and ASA; the patience limits (Erlang C, Erlang B); monotonicity (hypothesis);
a brute-force scan for ``required_agents``.
"""

from __future__ import annotations

import warnings

import mpmath as mp
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st_
from scipy.linalg import expm

from wfm import staffing as st

mp.mp.dps = 40


# ---------------------------------------------------------------- references
def mp_erlang_b_sum(n: int, a: float) -> float:
    """Erlang B as the textbook sum, exact in 40-digit arithmetic."""
    a = mp.mpf(a)
    term, total = mp.mpf(1), mp.mpf(1)
    for k in range(1, n + 1):
        term = term * a / k
        total += term
    return float(term / total)


def mp_erlang_b_gamma(n: float, a: float) -> float:
    """Erlang B for fractional n from mpmath's upper incomplete gamma."""
    n, a = mp.mpf(n), mp.mpf(a)
    return float(mp.power(a, n) * mp.exp(-a) / mp.gammainc(n + 1, a))


def mp_erlang_c(n: int, a: float) -> float:
    b = mp.mpf(mp_erlang_b_sum(n, a))
    rho = mp.mpf(a) / n
    return float(b / (1 - rho * (1 - b)))


def chain_erlang_a(n: int, a: float, aht: float, patience: float, k_max: int = 3000):
    """Stationary birth-death chain of M/M/n+M in mpmath: (probabilities, P(wait), P(ab))."""
    lam, mu, th = mp.mpf(a) / aht, 1 / mp.mpf(aht), 1 / mp.mpf(patience)
    w = [mp.mpf(1)]
    for k in range(1, k_max):
        w.append(w[-1] * lam / (min(k, n) * mu + max(k - n, 0) * th))
    z = mp.fsum(w)
    p = [x / z for x in w]
    pw = mp.fsum(p[n:])
    eq = mp.fsum((k - n) * p[k] for k in range(n, k_max))
    return [float(x) for x in p], float(pw), float(th * eq / lam)


def phase_type_tagged(n: int, a: float, aht: float, patience: float, t: float, k_max=400):
    """SL (abandon = failure), P(wait <= t) and ASA of answered from the tagged caller's CTMC.

    Transient states: i = callers ahead (0..k_max). From i >= 1 the line moves
    at rate n mu + i theta, from 0 the caller is answered at rate n mu, and in
    every state the caller abandons at rate theta. Arrivals see the stationary
    chain (PASTA); a caller who finds state n+j has j ahead.
    """
    p, pw, _ = chain_erlang_a(n, a, aht, patience, k_max=n + k_max + 1)
    mu, th = 1 / aht, 1 / patience
    size = k_max + 1
    T = np.zeros((size, size))
    answer = np.zeros(size)
    for i in range(size):
        move = n * mu + i * th
        T[i, i] = -(move + th)
        if i == 0:
            answer[i] = n * mu
        else:
            T[i, i - 1] = move
    start = np.array([p[n + j] for j in range(size)])
    e_tt = expm(T * t)
    # P(answered by t | start) = int_0^t alpha e^{Ts} answer ds
    inv = np.linalg.solve(-T, np.eye(size))
    answered_by_t = start @ ((np.eye(size) - e_tt) @ inv) @ answer
    still_waiting_t = start @ e_tt @ np.ones(size)
    sl = (1 - pw) + answered_by_t
    within = 1 - still_waiting_t
    # E[W; answered] = int_0^inf P(waiting at s, will be answered) ds
    eventually = inv @ answer  # P(answered | state i)
    waited_answered = start @ inv @ eventually
    answered = (1 - pw) + start @ eventually
    return sl, within, waited_answered / answered, answered


# ------------------------------------------------------------ published case
def test_published_worked_example():
    """100 calls / 30 min, AHT 180 s, 80/20: 14 agents, SL .888, ASA 7.8 s, P(wait) .174, occ .714."""
    df = pd.DataFrame({"offered": [100.0], "aht_s": [180.0], "interval_min": [30]})
    r = st.required_agents(df, st.ServiceTargets(0.8, 20), shrinkage=0.3).iloc[0]
    assert r.required_agents == 14
    assert r.scheduled_agents == 20
    assert r.service_level == pytest.approx(0.888, abs=5e-4)
    assert r.asa_s == pytest.approx(7.8, abs=0.05)
    assert r.p_wait == pytest.approx(0.174, abs=5e-4)
    assert r.occupancy == pytest.approx(0.714, abs=5e-4)
    assert r.binding_target == "service_level"
    below = st.erlang_c_metrics(13, 10.0, 180, 20)
    assert below.service_level < 0.8


# ------------------------------------------------------------ Erlang B and C
@pytest.mark.parametrize(
    "n,a",
    [(1, 0.5), (5, 3.2), (14, 10.0), (60, 50.0), (520, 500.0), (1000, 1000.0),
     (2000, 2500.0), (5100, 5000.0), (5300, 5000.0), (4800, 5000.0), (10, 80.0)],
)
def test_erlang_b_matches_exact_sum(n, a):
    assert st.erlang_b(n, a) == pytest.approx(mp_erlang_b_sum(n, a), rel=1e-9)


@pytest.mark.parametrize("n,a", [(14, 10.0), (60, 50.0), (1010, 1000.0), (5100, 5000.0),
                                 (5071, 5000.0), (5500, 5000.0)])
def test_erlang_c_matches_exact_sum(n, a):
    assert st.erlang_c(n, a) == pytest.approx(mp_erlang_c(n, a), rel=1e-9)


@pytest.mark.parametrize("n,a", [(0.3, 0.2), (2.5, 1.0), (13.7, 10.0), (5100.5, 5000.0),
                                 (40.25, 90.0)])
def test_fractional_agents_match_mpmath_incomplete_gamma(n, a):
    assert st.erlang_b(n, a) == pytest.approx(mp_erlang_b_gamma(n, a), rel=1e-9)


def test_fractional_agents_interpolate_between_integers():
    b = st.erlang_b(np.array([13.0, 13.5, 14.0]), 10.0)
    assert b[0] > b[1] > b[2]


def test_unstable_queue_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        m = st.erlang_c_metrics(np.array([5.0, 10.0, 0.0]), np.array([10.0, 10.0, 3.0]), 180, 20)
        assert np.all(m.p_wait == 1.0)
        assert np.all(m.service_level == 0.0)
        assert np.all(np.isinf(m.asa_s))
        assert np.all(m.occupancy == 1.0)
        idle = st.erlang_c_metrics(3.0, 0.0, 180, 20)
        assert idle.p_wait == 0 and idle.service_level == 1 and idle.asa_s == 0
        st.erlang_a(np.array([0.0, 3.0, 9.0]), np.array([2.0, 10.0, 0.0]), 180, 60, 20)


def test_erlang_c_service_level_closed_form():
    n, a, aht, t = 60, 50.0, 240.0, 15.0
    c = mp_erlang_c(n, a)
    expect_sl = 1 - c * np.exp(-(n - a) * t / aht)
    m = st.erlang_c_metrics(n, a, aht, t)
    assert m.service_level == pytest.approx(expect_sl, rel=1e-9)
    assert m.asa_s == pytest.approx(c * aht / (n - a), rel=1e-9)


# ------------------------------------------------------------------ Erlang A
ERLANG_A_CASES = [
    # n, load, aht_s, patience_s
    (14, 10.0, 180.0, 120.0),
    (5, 8.0, 180.0, 60.0),
    (50, 48.0, 300.0, 600.0),
    (3, 0.5, 120.0, 30.0),
    (20, 25.0, 180.0, 300.0),
    (100, 95.0, 180.0, 90.0),
]


@pytest.mark.parametrize("n,a,aht,pat", ERLANG_A_CASES)
def test_erlang_a_wait_and_abandon_match_birth_death_chain(n, a, aht, pat):
    _, pw, pab = chain_erlang_a(n, a, aht, pat)
    m = st.erlang_a(n, a, aht, pat, 20.0)
    assert m.p_wait == pytest.approx(pw, rel=1e-9)
    assert m.p_abandon == pytest.approx(pab, rel=1e-8)
    assert m.mean_wait_s == pytest.approx(pab * pat, rel=1e-8)  # Little's law
    assert m.occupancy == pytest.approx(a * (1 - pab) / n, rel=1e-9)


@pytest.mark.parametrize("n,a,aht,pat", ERLANG_A_CASES[:4])
@pytest.mark.parametrize("t", [5.0, 20.0, 60.0])
def test_erlang_a_service_level_and_asa_match_phase_type(n, a, aht, pat, t):
    sl, within, asa, answered = phase_type_tagged(n, a, aht, pat, t)
    m = st.erlang_a(n, a, aht, pat, t)
    assert m.service_level == pytest.approx(sl, abs=1e-9)
    assert m.p_answer_within_target == pytest.approx(within, abs=1e-9)
    assert m.asa_s == pytest.approx(asa, rel=1e-6)
    assert 1 - m.p_abandon == pytest.approx(answered, rel=1e-9)


def test_erlang_a_large_load_matches_chain():
    n, a, aht, pat = 980, 1000.0, 180.0, 240.0
    _, pw, pab = chain_erlang_a(n, a, aht, pat, k_max=4000)
    m = st.erlang_a(n, a, aht, pat, 20.0)
    assert m.p_wait == pytest.approx(pw, rel=1e-7)
    assert m.p_abandon == pytest.approx(pab, rel=1e-7)


def test_erlang_a_extreme_loads_are_finite():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        m = st.erlang_a(np.array([4000.0, 5200.0, 6000.0, 100.0]),
                        np.array([5000.0, 5000.0, 5000.0, 5000.0]), 180.0, 600.0, 20.0)
    for arr in (m.p_wait, m.p_abandon, m.service_level, m.asa_s, m.occupancy):
        assert np.all(np.isfinite(arr))
    # Deep overload: throughput is capped by the agents, P(ab) -> 1 - n/a.
    assert m.p_abandon[3] == pytest.approx(1 - 100 / 5000, rel=1e-3)


@pytest.mark.parametrize("n,a", [(14, 10.0), (60, 55.0), (300, 290.0)])
def test_patience_to_infinity_gives_erlang_c(n, a):
    c = st.erlang_c_metrics(n, a, 180.0, 20.0)
    m = st.erlang_a(n, a, 180.0, 1e9, 20.0)
    assert m.p_wait == pytest.approx(c.p_wait, rel=1e-5)
    assert m.service_level == pytest.approx(c.service_level, rel=1e-5)
    assert m.asa_s == pytest.approx(c.asa_s, rel=1e-3)
    assert m.p_abandon < 1e-5
    inf = st.erlang_a(n, a, 180.0, np.inf, 20.0)
    assert inf.asa_s == pytest.approx(c.asa_s, rel=1e-12)


@pytest.mark.parametrize("n,a", [(14, 10.0), (5, 8.0), (40, 30.0)])
def test_patience_to_zero_gives_erlang_b(n, a):
    m = st.erlang_a(n, a, 180.0, 1e-6, 20.0)
    assert m.p_abandon == pytest.approx(st.erlang_b(n, a), rel=1e-5)


# ------------------------------------------------------------- monotonicity
@settings(max_examples=60, deadline=None)
@given(
    a=st_.floats(0.05, 3000.0),
    extra=st_.floats(0.01, 200.0),
    aht=st_.floats(20.0, 900.0),
    pat=st_.floats(5.0, 3600.0),
    t=st_.floats(0.0, 120.0),
)
def test_more_agents_never_hurt(a, extra, aht, pat, t):
    n = np.array([a * 0.8, a + extra, a + 2 * extra])
    for m in (st.erlang_c_metrics(n, a, aht, t), st.erlang_a(n, a, aht, pat, t)):
        tol = 1e-9
        assert np.all(np.diff(m.p_wait) <= tol)
        assert np.all(np.diff(m.service_level) >= -tol)
        assert np.all(np.diff(m.p_answer_within_target) >= -tol)
        assert np.all(np.diff(m.p_abandon) <= tol)
        assert np.all(np.diff(m.mean_wait_s) <= tol * max(1, aht))
        for arr in (m.p_wait, m.service_level, m.p_abandon, m.occupancy):
            assert np.all((arr >= 0) & (arr <= 1))
    b = st.erlang_b(n, a)
    assert np.all(np.diff(b) <= 1e-12)


@settings(max_examples=40, deadline=None)
@given(n=st_.integers(1, 400), a=st_.floats(0.1, 400.0), more=st_.floats(0.01, 50.0))
def test_more_load_never_helps(n, a, more):
    b0, b1 = st.erlang_b(n, a), st.erlang_b(n, a + more)
    assert b1 >= b0 - 1e-12
    c0, c1 = st.erlang_c(n, a), st.erlang_c(n, a + more)
    assert c1 >= c0 - 1e-12


# ----------------------------------------------------------- required agents
def brute_force_required(a, aht, targets, model, pat, floor=1):
    """Scan n = floor, floor+1, ... with the scalar formulas until all targets hold."""
    for n in range(floor, 100_000):
        m = (st.erlang_c_metrics(n, a, aht, targets.target_s) if model == "erlang-c"
             else st.erlang_a(n, a, aht, pat, targets.target_s))
        ok = True
        if targets.service_level is not None:
            ok &= m.service_level >= targets.service_level
        if targets.max_asa_s is not None:
            ok &= m.asa_s <= targets.max_asa_s
        if targets.max_abandon is not None:
            ok &= m.p_abandon <= targets.max_abandon
        if targets.max_occupancy is not None:
            ok &= m.occupancy <= targets.max_occupancy
        if ok:
            return n
    raise AssertionError("no n found")


@pytest.mark.parametrize("model,pat", [("erlang-c", None), ("erlang-a", 90.0), ("erlang-a", 600.0)])
@pytest.mark.parametrize("targets", [
    st.ServiceTargets(0.8, 20),
    st.ServiceTargets(0.9, 10, max_asa_s=8),
    st.ServiceTargets(0.5, 30, max_occupancy=0.8),
    st.ServiceTargets(None, 20, max_asa_s=20),
])
def test_required_agents_equals_brute_force_scan(model, pat, targets):
    rng = np.random.default_rng(7)
    offered = np.concatenate([rng.uniform(1, 400, 25), [1.0, 2.0, 3000.0]])
    aht = rng.uniform(60, 600, offered.size)
    df = pd.DataFrame({"offered": offered, "aht_s": aht, "interval_min": 30})
    r = st.required_agents(df, targets, model=model, patience_s=pat)
    for row in r.itertuples():
        assert row.required_agents == brute_force_required(row.load_erlangs, row.aht_s,
                                                            targets, model, pat)


def test_abandon_target_with_erlang_a():
    df = pd.DataFrame({"offered": [100.0, 400.0], "aht_s": [180.0, 240.0], "interval_min": 30})
    t = st.ServiceTargets(None, 20, max_abandon=0.05)
    r = st.required_agents(df, t, model="erlang-a", patience_s=60)
    for row in r.itertuples():
        assert row.p_abandon <= 0.05
        assert row.required_agents == brute_force_required(row.load_erlangs, row.aht_s, t,
                                                            "erlang-a", 60)
        assert row.binding_target == "abandon"


def test_binding_target_names_the_failing_target():
    df = pd.DataFrame({"offered": [100.0, 100.0], "aht_s": [180.0, 180.0], "interval_min": 30})
    r = st.required_agents(df, st.ServiceTargets(0.8, 20, max_occupancy=0.6))
    assert list(r.binding_target) == ["occupancy", "occupancy"]
    assert r.required_agents.iloc[0] == 17  # ceil(10 / 0.6)
    r = st.required_agents(df.assign(offered=[0.2, 0.0]), min_agents=2)
    assert list(r.binding_target) == ["floor", "no volume"]
    assert list(r.required_agents) == [2, 0]


def test_shrinkage_rounds_up_and_rejects_bad_values():
    df = pd.DataFrame({"offered": [100.0], "aht_s": [180.0], "interval_min": [30]})
    assert st.required_agents(df, shrinkage=0.25).scheduled_agents.iloc[0] == 19  # 14/0.75=18.67
    assert st.required_agents(df, shrinkage=0.3).scheduled_agents.iloc[0] == 20  # 14/0.7=20 exact
    with pytest.raises(ValueError, match="shrinkage"):
        st.required_agents(df, shrinkage=1.0)
    with pytest.raises(ValueError, match="abandon"):
        st.required_agents(df, st.ServiceTargets(max_abandon=0.05))
    with pytest.raises(ValueError, match="patience"):
        st.required_agents(df, model="erlang-a")


def test_service_for_agents_inverts_required_agents():
    rng = np.random.default_rng(3)
    df = pd.DataFrame({"offered": rng.uniform(5, 500, 40), "aht_s": 200.0, "interval_min": 15})
    req = st.required_agents(df, st.ServiceTargets(0.8, 20))
    at = st.service_for_agents(df, req.required_agents)
    below = st.service_for_agents(df, req.required_agents - 1)
    assert np.all(at.service_level >= 0.8)
    assert np.all(below.service_level < 0.8)
    np.testing.assert_allclose(at.service_level, req.service_level)
    via_column = st.service_for_agents(df.assign(agents=req.required_agents))
    np.testing.assert_allclose(via_column.asa_s, at.asa_s)


def test_deferred_work_is_plain_workload():
    # DOMAIN.md section 3: 120 e-mails of 180 s fill 6 productive hours.
    assert st.deferred_agents(120, 180, 480, productive_fraction=0.75) == pytest.approx(1.0)
    assert st.deferred_agents(480, 45, 480, productive_fraction=0.75) == pytest.approx(1.0)
    df = pd.DataFrame({
        "offered": [30.0, 30.0, 0.0], "aht_s": [np.nan, 200.0, np.nan], "interval_min": 30,
        "channel": ["email", "ticket", "forum"],
    })
    r = st.required_agents(df, shrinkage=0.2)
    assert list(r.method) == ["workload"] * 3
    assert list(r.required_agents) == [3, 4, 0]  # 30*180/1800 = 3; 30*200/1800 = 3.33 -> 4
    assert list(r.scheduled_agents) == [4, 5, 0]
    assert r.occupancy.iloc[0] == pytest.approx(1.0)
    assert np.isnan(r.service_level.iloc[0])


# ------------------------------------------------------ discrete-event check
@pytest.mark.parametrize("n,a,aht,pat", [(14, 12.0, 180.0, 120.0), (5, 6.0, 180.0, 60.0),
                                         (30, 29.0, 240.0, 300.0)])
def test_erlang_a_matches_discrete_event_simulation(n, a, aht, pat):
    from queue_sim import simulate_mmnm

    sim = simulate_mmnm(a / aht, aht, n, pat, 20.0, n_customers=150_000, seed=11)
    m = st.erlang_a(n, a, aht, pat, 20.0)
    for exact, est, se in (
        (m.p_wait, sim.p_wait, sim.p_wait_se),
        (m.p_abandon, sim.p_abandon, sim.p_abandon_se),
        (m.service_level, sim.service_level_abandon_as_failure,
         sim.service_level_abandon_as_failure_se),
        (m.p_answer_within_target, sim.p_wait_within_target, sim.p_wait_within_target_se),
        (m.asa_s, sim.asa_answered_s, sim.asa_answered_s_se),
        (m.occupancy, sim.occupancy, sim.occupancy_se),
    ):
        assert abs(exact - est) <= 4 * se + 1e-3 * max(1.0, abs(exact))


def test_offered_weighted_mean_and_daily_staffing_by_hand():
    """Two days of two 30-minute intervals; values by hand."""
    ts = pd.to_datetime(["2026-03-02 09:00", "2026-03-02 09:30", "2026-03-03 09:00", "2026-03-03 09:30"]).tz_localize(
        "Asia/Shanghai")
    t = pd.DataFrame({"queue": "q", "interval_start": ts, "interval_min": 30, "offered": [100.0, 50.0, 0.0, 30.0],
                      "required_agents": [10, 6, 0, 4], "scheduled_agents": [14, 9, 1, 6],
                      "service_level": [0.9, 0.6, np.nan, 0.8], "asa_s": [5.0, np.inf, np.nan, 10.0]})
    assert st.offered_weighted_mean(t, "service_level") == pytest.approx((90 + 30 + 24) / 180)
    # the unstable interval's infinite ASA is left out, with its weight
    assert st.offered_weighted_mean(t, "asa_s") == pytest.approx((500 + 300) / 130)
    assert st.offered_weighted_mean(t.iloc[2:3], "service_level") is None
    assert st.offered_weighted_mean(t, "no_such_column") is None
    d = st.daily_staffing(t)
    assert d["offered"].tolist() == [150.0, 30.0]
    assert d["required_agent_hours"].tolist() == [8.0, 2.0]
    assert d["scheduled_agent_hours"].tolist() == [11.5, 3.5]
    assert d["peak_scheduled_agents"].tolist() == [14, 6]
    assert d["service_level"].tolist() == pytest.approx([(90 + 30) / 150, 0.8])
