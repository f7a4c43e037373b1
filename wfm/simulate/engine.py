"""The event loop of the simulator, compiled with Numba.

One FCFS queue served by a team whose agents are on the phones only in
given windows. Calls are taken in arrival order (the Kiefer-Wolfowitz
recursion for FCFS): each call goes to the agent who can start it first,
that is the smallest ``t >= max(arrival, agent free)`` lying in one of the
agent's on-phone windows; ties go to the agent whose shift started first.
The call's offered wait is ``t - arrival``; it is answered if its patience
is at least that, and abandons at ``arrival + patience`` otherwise, without
occupying an agent. Earlier calls that abandoned had left before ``t``, so
they cannot hold up a later one: the recursion is exact for FCFS with
abandonment (the same argument as ``tests/queue_sim.py``, which shares no
code with this).

A call in progress when its agent's window ends (a break, a meal, the end
of the shift) is finished first; the agent then goes off the phones until
the next window starts (the break is shortened by the overrun, the shift
made longer). A call can start at any moment of a window, even a second
before it ends.

Work per call is the number of agents whose shift has started and not
ended, so a month of calls costs about a second per replication.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange


@njit(cache=True)
def _one_replication(arrival, service, patience, interval_of, win_start, win_end, srv_first_win, srv_end_win,
                     srv_order, srv_first_start, present, target_s, n_intervals, step_s,
                     arrivals, answered, within, wait_sum, abandoned, busy_s):
    n_srv = srv_order.shape[0]
    free = np.zeros(n_srv)
    wptr = srv_first_win.copy()
    dead = ~present
    lo = 0
    for i in range(arrival.shape[0]):
        a = arrival[i]
        iv = interval_of[i]
        arrivals[iv] += 1.0
        while lo < n_srv and dead[srv_order[lo]]:
            lo += 1
        best_t = np.inf
        best_k = -1
        j = lo
        while j < n_srv:
            k = srv_order[j]
            if srv_first_start[k] >= best_t:
                break
            if dead[k]:
                j += 1
                continue
            x = a if a > free[k] else free[k]
            w = wptr[k]
            while w < srv_end_win[k] and win_end[w] <= x:
                w += 1
            wptr[k] = w
            if w == srv_end_win[k]:
                dead[k] = True
                j += 1
                continue
            t = x if x > win_start[w] else win_start[w]
            if t < best_t:
                best_t = t
                best_k = k
            j += 1
        offered_wait = best_t - a
        if best_k < 0 or offered_wait > patience[i]:
            abandoned[iv] += 1.0
            continue
        answered[iv] += 1.0
        wait_sum[iv] += offered_wait
        if offered_wait <= target_s:
            within[iv] += 1.0
        end = best_t + service[i]
        free[best_k] = end
        # the agent's busy time, interval by interval
        b = int(np.floor(best_t / step_s))
        t0 = best_t
        while t0 < end and b < n_intervals:
            edge = (b + 1) * step_s
            t1 = end if end < edge else edge
            if b >= 0:
                busy_s[b] += t1 - t0
            t0 = t1
            b += 1


@njit(parallel=True, cache=True)
def run_replications(arrival, service, patience, interval_of, call_offset, win_start, win_end, srv_first_win,
                     srv_end_win, srv_order, srv_first_start, present, target_s, n_intervals, step_s):
    """Replications ``r`` of one chunk, in parallel: calls
    ``call_offset[r]:call_offset[r+1]`` of the flat call arrays, agent-shift
    presence ``present[r]``. Returns per replication and interval the
    arrivals, calls answered, answered within ``target_s``, the summed wait
    of answered calls (s), calls abandoned and agent busy seconds."""
    n_rep = present.shape[0]
    arrivals = np.zeros((n_rep, n_intervals))
    answered = np.zeros((n_rep, n_intervals))
    within = np.zeros((n_rep, n_intervals))
    wait_sum = np.zeros((n_rep, n_intervals))
    abandoned = np.zeros((n_rep, n_intervals))
    busy_s = np.zeros((n_rep, n_intervals))
    for r in prange(n_rep):
        a, b = call_offset[r], call_offset[r + 1]
        _one_replication(arrival[a:b], service[a:b], patience[a:b], interval_of[a:b], win_start, win_end,
                         srv_first_win, srv_end_win, srv_order, srv_first_start, present[r], target_s,
                         n_intervals, step_s, arrivals[r], answered[r], within[r], wait_sum[r], abandoned[r],
                         busy_s[r])
    return arrivals, answered, within, wait_sum, abandoned, busy_s
