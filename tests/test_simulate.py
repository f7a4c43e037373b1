"""The roster simulator against independent references: a brute-force event
simulation written here (exact agreement, call by call totals), exact
Erlang C and Erlang A at constant load, the exact transient law of the
M(t)/M/n+M queue (a birth-death chain integrated with scipy), and its own
promises (seeded, independent of the thread count, absence, volume risk)."""

from __future__ import annotations

import heapq
import math

import numpy as np
import pandas as pd
import pytest
from scipy.linalg import expm

from wfm.errors import InputError
from wfm.roster.table import make_roster
from wfm.simulate import serve_calls, simulate_roster
from wfm.staffing import erlang_a, erlang_c_metrics

TZ = "Asia/Shanghai"
T0 = pd.Timestamp("2026-03-02 00:00", tz=TZ)


def _roster(shifts, segments=()):
    """shifts: (start_h, end_h); segments: (shift index, start_h, end_h)."""
    sh = pd.DataFrame({"agent_id": [f"A{i:02d}" for i in range(len(shifts))], "contract": "c",
                       "shift_start": [T0 + pd.Timedelta(hours=a) for a, _ in shifts],
                       "shift_end": [T0 + pd.Timedelta(hours=b) for _, b in shifts]})
    seg = pd.DataFrame({"shift_id": [k for k, _, _ in segments], "activity": "break",
                        "start": [T0 + pd.Timedelta(hours=a) for _, a, _ in segments],
                        "end": [T0 + pd.Timedelta(hours=b) for _, _, b in segments]},
                       columns=["shift_id", "activity", "start", "end"])
    return make_roster(sh, seg, TZ)


def _brute_force(windows, calls, step_s, n_int, target_s):
    """An event-by-event FCFS simulation with an explicit queue: arrivals,
    completions, window starts and patience expiries in time order; an idle
    agent in a window takes the head of the queue, the one idle longest
    when several can (ties: the agent whose first window starts first).
    ``windows``: per agent a list of (start_s, end_s); ``calls``:
    (arrival_s, handle_s, patience_s)."""
    order = sorted(range(len(windows)), key=lambda k: (windows[k][0][0] if windows[k] else math.inf, k))
    rank = {k: i for i, k in enumerate(order)}
    in_window = [lambda t, w=w: any(u <= t < v for u, v in w) for w in windows]
    idle = [True] * len(windows)
    idle_since = [w[0][0] if w else math.inf for w in windows]
    ev = []
    seq = 0
    for k, w in enumerate(windows):
        for u, _ in w:
            ev.append((u, 1, seq, ("window", k)))
            seq += 1
    for i, (a, _, p) in enumerate(calls):
        ev.append((a, 2, seq, ("arrive", i)))
        seq += 1
        if math.isfinite(p):
            ev.append((a + p, 3, seq, ("expire", i)))
            seq += 1
    heapq.heapify(ev)
    queue, waiting = [], set()
    out = {k: np.zeros(n_int) for k in ("arrivals", "answered", "within", "wait_sum_s", "abandoned", "busy_s")}

    def iv(t):
        return int(t // step_s)

    def dispatch(t):
        nonlocal seq
        while queue:
            free = [k for k in range(len(windows)) if idle[k] and in_window[k](t)]
            if not free:
                return
            k = min(free, key=lambda k: (idle_since[k], rank[k]))
            i = queue.pop(0)
            waiting.discard(i)
            a, s, _ = calls[i]
            out["answered"][iv(a)] += 1
            out["wait_sum_s"][iv(a)] += t - a
            out["within"][iv(a)] += (t - a) <= target_s
            idle[k] = False
            end = t + s
            b, t0 = iv(t), t
            while t0 < end and b < n_int:
                t1 = min(end, (b + 1) * step_s)
                out["busy_s"][b] += t1 - t0
                t0, b = t1, b + 1
            heapq.heappush(ev, (end, 0, seq, ("done", k)))
            seq += 1

    while ev:
        t, _, _, (kind, x) = heapq.heappop(ev)
        if kind == "window" and idle[x]:
            idle_since[x] = t  # back from a break (or on shift): idle from now
        if kind == "arrive":
            out["arrivals"][iv(calls[x][0])] += 1
            queue.append(x)
            waiting.add(x)
        elif kind == "expire":
            if x in waiting:
                waiting.discard(x)
                queue.remove(x)
                out["abandoned"][iv(calls[x][0])] += 1
        elif kind == "done":
            idle[x] = True
            idle_since[x] = t if in_window[x](t) else math.inf  # else from its next window start
        dispatch(t)
    for i in queue:  # nobody left to answer them
        out["abandoned"][iv(calls[i][0])] += 1
    return out


@pytest.mark.parametrize("seed,patience", [(1, 90.0), (2, math.inf), (3, 30.0), (4, 300.0)])
def test_event_loop_matches_brute_force_event_simulation(seed, patience):
    """Four agents over eight hours with staggered shifts and breaks, 700 calls
    (overloaded at times), totals per 30-minute interval equal to 1e-9."""
    rng = np.random.default_rng(seed)
    roster = _roster([(0, 8), (0.5, 6.5), (1, 8), (2, 5)],
                     [(0, 2.0, 2.25), (1, 3.0, 4.0), (2, 2.1, 2.3), (2, 5.0, 5.5), (3, 3.5, 3.75)])
    n = 700
    arrival = np.sort(rng.uniform(0, 8 * 3600, n))
    handle = rng.exponential(150.0, n)
    pat = rng.exponential(patience, n) if math.isfinite(patience) else np.full(n, np.inf)
    calls = pd.DataFrame({"arrival": T0 + pd.to_timedelta(arrival, unit="s"), "handle_s": handle,
                          "patience_s": pat})
    got = serve_calls(roster, calls, T0, 30, target_s=20.0)
    sh, seg = roster.shifts, roster.segments
    windows = []
    for k in range(len(sh)):
        s0 = (sh["shift_start"].iloc[k] - T0).total_seconds()
        e0 = (sh["shift_end"].iloc[k] - T0).total_seconds()
        cuts = sorted(((r.start - T0).total_seconds(), (r.end - T0).total_seconds())
                      for r in seg[seg["shift_id"] == k].itertuples())
        w, t = [], s0
        for a, b in cuts:
            w.append((t, a))
            t = b
        w.append((t, e0))
        windows.append(w)
    ref = _brute_force(windows, list(zip(arrival, handle, pat, strict=True)), 1800.0, len(got), 20.0)
    for k, v in ref.items():
        np.testing.assert_allclose(got[k].to_numpy(), v, atol=1e-6, err_msg=k)
    assert got["abandoned"].sum() > 0 and got["answered"].sum() > 0


def _constant(n_agents, lam_per_h, aht_s, days):
    roster = _roster([(0, 24 * days)] * n_agents)
    ts = pd.date_range(T0, periods=48 * days, freq="30min")
    demand = pd.DataFrame({"interval_start": ts, "interval_min": 30, "offered": lam_per_h / 2, "aht_s": aht_s})
    return roster, demand


def _within(sim_days, exact, col, k=4.0):
    """Each day after the first (the queue starts empty) within k of its
    standard errors (the 95 % half-width is 1.96 of them) of the exact value."""
    d = sim_days.iloc[1:]
    se = (d[f"{col}_hi"] - d[f"{col}_lo"]) / (2 * 1.959963984540054)
    assert (np.abs(d[col] - exact) <= k * se + 1e-12).all(), (col, exact, d[[col, f"{col}_lo", f"{col}_hi"]])


def test_constant_load_against_erlang_c():
    """10 agents, 260 calls an hour of 120 s: load 8.67 Erlangs."""
    roster, demand = _constant(10, 260.0, 120.0, days=4)
    res = simulate_roster(roster, demand, replications=12, seed=7, target_s=20.0)
    m = erlang_c_metrics(10, 260 * 120 / 3600, 120.0, target_s=20.0)
    _within(res.days, float(m.service_level), "service_level")
    _within(res.days, float(m.asa_s), "asa_s")
    _within(res.days, float(m.occupancy), "occupancy")
    assert res.overall["abandon_rate"].iloc[0] < 1e-3  # calls waiting at the very end only


def test_constant_load_against_erlang_a():
    """Overloaded Erlang A: 10 agents, load 10.5 Erlangs, mean patience 120 s."""
    roster, demand = _constant(10, 315.0, 120.0, days=4)
    res = simulate_roster(roster, demand, replications=12, seed=8, patience_s=120.0, target_s=20.0)
    m = erlang_a(10, 315 * 120 / 3600, 120.0, 120.0, target_s=20.0)
    _within(res.days, float(m.service_level), "service_level")
    _within(res.days, float(m.asa_s), "asa_s")
    _within(res.days, float(m.p_abandon), "abandon_rate")
    _within(res.days, float(m.occupancy), "occupancy")


def test_time_varying_load_against_the_exact_transient_law():
    """M(t)/M/n+M from an empty system: 6 agents, 3 hours of 30-minute
    intervals at 100, 300, 450, 450, 200, 100 calls an hour (overloaded in the
    middle), AHT 100 s, patience 60 s. The number in the system is a
    birth-death chain; its law, integrated exactly interval by interval
    (matrix exponential, queue truncated at 200), gives the expected calls
    abandoned (theta x E[queue]) and the expected busy agents
    (E[min(K, n)]) in each interval, which the simulation must match."""
    n, mu, theta = 6, 1 / 100.0, 1 / 60.0
    rates = [100, 300, 450, 450, 200, 100]
    cap = 200
    k = np.arange(cap + 1)
    p = np.zeros(cap + 1)
    p[0] = 1.0
    exp_ab, exp_busy = [], []
    for lam_h in rates:
        lam = lam_h / 3600.0
        q = np.zeros((cap + 1, cap + 1))
        q[k[:-1], k[:-1] + 1] = lam
        down = np.minimum(k, n) * mu + np.maximum(k - n, 0) * theta
        q[k[1:], k[1:] - 1] = down[1:]
        q[k, k] = -q.sum(axis=1)
        # the integral of p(t) over the interval through an augmented exponential
        big = np.zeros((2 * (cap + 1), 2 * (cap + 1)))
        big[:cap + 1, :cap + 1] = q.T
        big[cap + 1:, :cap + 1] = np.eye(cap + 1)
        e = expm(big * 1800.0)
        integral = e[cap + 1:, :cap + 1] @ p
        p = e[:cap + 1, :cap + 1] @ p
        exp_ab.append(theta * (np.maximum(k - n, 0) * integral).sum())
        exp_busy.append((np.minimum(k, n) * integral).sum())
    roster = _roster([(0, 12)] * n)  # shifts run past the last interval: no end effect inside it
    ts = pd.date_range(T0, periods=len(rates), freq="30min")
    demand = pd.DataFrame({"interval_start": ts, "interval_min": 30, "offered": [r / 2 for r in rates],
                           "aht_s": 100.0})
    res = simulate_roster(roster, demand, replications=400, seed=11, patience_s=60.0)
    iv = res.intervals
    # abandoned per interval (by arrival interval in the simulation, by time in
    # the chain): compare the totals, and busy agents interval by interval
    ab_sim = (iv["abandoned"]).sum()
    assert ab_sim == pytest.approx(sum(exp_ab), rel=0.03)
    busy_sim = iv["occupancy"] * iv["on_phone_agents"]
    np.testing.assert_allclose(busy_sim.to_numpy(), np.array(exp_busy) / 1800.0, rtol=0.02)


def test_seeded_and_independent_of_threads():
    roster = _roster([(0, 8), (1, 9), (2, 10)], [(0, 3, 3.5), (1, 4, 4.5)])
    ts = pd.date_range(T0, periods=20, freq="30min")
    demand = pd.DataFrame({"interval_start": ts, "interval_min": 30, "offered": 30.0, "aht_s": 150.0})
    a = simulate_roster(roster, demand, replications=20, seed=5, patience_s=100.0, absence_rate=0.2, threads=1)
    b = simulate_roster(roster, demand, replications=20, seed=5, patience_s=100.0, absence_rate=0.2, threads=2)
    c = simulate_roster(roster, demand, replications=20, seed=6, patience_s=100.0, absence_rate=0.2)
    pd.testing.assert_frame_equal(a.intervals, b.intervals)
    assert not a.intervals["service_level"].equals(c.intervals["service_level"])


def test_absence_and_day_volume_risk_keep_their_means():
    """Absence removes whole agent-shifts with the given probability; the
    day-level volume factor has mean 1."""
    roster = _roster([(0, 24)] * 20)
    ts = pd.date_range(T0, periods=48, freq="30min")
    demand = pd.DataFrame({"interval_start": ts, "interval_min": 30, "offered": 40.0, "aht_s": 60.0})
    res = simulate_roster(roster, demand, replications=400, seed=3, absence_rate=0.25, day_volume_sd=0.2)
    on = res.overall["on_phone_agents"].iloc[0]
    # 400 x 20 Bernoulli(0.75) shifts: sd of the mean = sqrt(20 x .75 x .25 / 400) = 0.097
    assert abs(on - 15.0) < 4 * 0.097
    # arrivals per replication: Poisson(1,920 f), f lognormal with sd of log 0.2:
    # sd of the mean over 400 replications = sqrt(1920 + 1920^2 (e^0.04 - 1)) / 20 = 19.5
    assert abs(res.overall["arrivals"].iloc[0] - 1920) < 4 * 19.5


def test_bad_arguments_are_named():
    roster, demand = _constant(2, 10.0, 100.0, days=1)
    with pytest.raises(InputError) as e:
        simulate_roster(roster, demand, replications=0, absence_rate=1.5, patience_s=-1.0)
    text = str(e.value)
    assert "argument replications" in text and "argument absence_rate" in text and "argument patience_s" in text


def _tiny_sl(seed):
    roster, demand = _constant(3, 60.0, 100.0, days=1)
    return float(simulate_roster(roster, demand, replications=4, seed=seed, patience_s=60.0).overall["service_level"].iloc[0])


def test_a_process_that_simulated_can_still_fork():
    """The solver forks HiGHS children and `wfm compare` forks workers after a
    simulation ran: the threading layer must allow it (GNU OpenMP aborts)."""
    import multiprocessing as mp

    here = _tiny_sl(1)
    with mp.get_context("fork").Pool(2) as pool:
        there = pool.map(_tiny_sl, [1, 2])
    assert there[0] == here and 0 < there[1] <= 1
