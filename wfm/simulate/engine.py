"""The event loop of the simulator, compiled with Numba.

One FCFS queue served by a team whose agents are on the phones only in
given windows. Calls are taken in arrival order (the Kiefer-Wolfowitz
recursion for FCFS): a call that finds agents idle goes to the one idle
longest (the usual ACD rule; ties: the agent whose shift started first);
otherwise it waits for the first agent to become available. Its offered
wait is the time until then; it is answered if its patience is at least
that, and abandons at ``arrival + patience`` otherwise, without occupying
an agent. Earlier calls that abandoned had left before that time, so they
cannot hold up a later one: the recursion is exact for FCFS with
abandonment (the argument of ``tests/queue_sim.py``, which shares no code
with this).

A call in progress when its agent's window ends (a break, a meal, the end
of the shift) is finished first; the agent is then back when the next
window starts (the break is shortened by the overrun, the shift made
longer). A call can start at any moment of a window, even a second before
it ends.

Agents are kept in two binary heaps: ``future`` (busy, on a break or not
yet on shift, keyed by when they are next available) and ``idle`` (keyed
by when they became idle); an idle agent whose window has ended is found
lazily and moved back to ``future``. Each call costs O(log agents).
"""

from __future__ import annotations

import os
import threading

import numba
import numpy as np
from numba import njit, prange

# Numba's own work queue, not GNU OpenMP: the solver forks HiGHS children and
# `wfm compare` forks worker processes, and a process that has used GNU
# OpenMP cannot fork ("fork() called from a process already using GNU
# OpenMP"). The work queue is fork-safe but not safe for calls from several
# Python threads at once, hence LOCK. NUMBA_THREADING_LAYER still wins.
if "NUMBA_THREADING_LAYER" not in os.environ:
    numba.config.THREADING_LAYER = "workqueue"
LOCK = threading.Lock()


@njit(cache=True)
def _push(key, tie, who, size, k_new, t_new, w_new):
    i = size
    key[i] = k_new
    tie[i] = t_new
    who[i] = w_new
    while i > 0:
        p = (i - 1) // 2
        if key[p] < key[i] or (key[p] == key[i] and tie[p] <= tie[i]):
            break
        key[p], key[i] = key[i], key[p]
        tie[p], tie[i] = tie[i], tie[p]
        who[p], who[i] = who[i], who[p]
        i = p
    return size + 1


@njit(cache=True)
def _pop(key, tie, who, size):
    size -= 1
    key[0] = key[size]
    tie[0] = tie[size]
    who[0] = who[size]
    i = 0
    while True:
        left = 2 * i + 1
        if left >= size:
            break
        c = left
        right = left + 1
        if right < size and (key[right] < key[left] or (key[right] == key[left] and tie[right] < tie[left])):
            c = right
        if key[i] < key[c] or (key[i] == key[c] and tie[i] <= tie[c]):
            break
        key[c], key[i] = key[i], key[c]
        tie[c], tie[i] = tie[i], tie[c]
        who[c], who[i] = who[i], who[c]
        i = c
    return size


@njit(cache=True)
def _next_on(k, x, wptr, srv_end_win, win_start, win_end):
    """The agent's first on-phone moment at or after ``x`` (inf when none);
    moves its window pointer there."""
    w = wptr[k]
    while w < srv_end_win[k] and win_end[w] <= x:
        w += 1
    wptr[k] = w
    if w == srv_end_win[k]:
        return np.inf
    return x if x > win_start[w] else win_start[w]


@njit(cache=True)
def _one_replication(arrival, service, patience, interval_of, win_start, win_end, srv_first_win, srv_end_win,
                     srv_rank, present, target_s, n_intervals, step_s,
                     arrivals, answered, within, wait_sum, abandoned, busy_s):
    n_srv = srv_rank.shape[0]
    wptr = srv_first_win.copy()
    f_key = np.empty(n_srv)
    f_tie = np.empty(n_srv, dtype=np.int64)
    f_who = np.empty(n_srv, dtype=np.int64)
    i_key = np.empty(n_srv)
    i_tie = np.empty(n_srv, dtype=np.int64)
    i_who = np.empty(n_srv, dtype=np.int64)
    n_f = 0
    n_i = 0
    for k in range(n_srv):
        if present[k] and srv_end_win[k] > srv_first_win[k]:
            n_f = _push(f_key, f_tie, f_who, n_f, win_start[srv_first_win[k]], srv_rank[k], k)
    for i in range(arrival.shape[0]):
        a = arrival[i]
        iv = interval_of[i]
        arrivals[iv] += 1.0
        # agents available by now become idle; idle agents whose window ended go back to `future`
        while True:
            while n_f > 0 and f_key[0] <= a:
                t, r, k = f_key[0], f_tie[0], f_who[0]
                n_f = _pop(f_key, f_tie, f_who, n_f)
                n_i = _push(i_key, i_tie, i_who, n_i, t, r, k)
            stale = False
            while n_i > 0:
                k = i_who[0]
                if win_end[wptr[k]] > a:
                    break
                r = i_tie[0]
                n_i = _pop(i_key, i_tie, i_who, n_i)
                t = _next_on(k, win_end[wptr[k]], wptr, srv_end_win, win_start, win_end)
                if t < np.inf:
                    n_f = _push(f_key, f_tie, f_who, n_f, t, r, k)
                    stale = True
            if n_i > 0 or not stale or n_f == 0 or f_key[0] > a:
                break
        if n_i > 0:
            k = i_who[0]
            start = a
            n_i = _pop(i_key, i_tie, i_who, n_i)
        elif n_f > 0 and f_key[0] - a <= patience[i]:
            k = f_who[0]
            start = f_key[0]
            n_f = _pop(f_key, f_tie, f_who, n_f)
        else:
            # nobody is free before the caller's patience runs out (or ever)
            abandoned[iv] += 1.0
            continue
        wait = start - a
        answered[iv] += 1.0
        wait_sum[iv] += wait
        if wait <= target_s:
            within[iv] += 1.0
        end = start + service[i]
        t = _next_on(k, end, wptr, srv_end_win, win_start, win_end)
        if t < np.inf:
            n_f = _push(f_key, f_tie, f_who, n_f, t, srv_rank[k], k)
        # the agent's busy time, interval by interval
        b = int(np.floor(start / step_s))
        t0 = start
        while t0 < end and b < n_intervals:
            edge = (b + 1) * step_s
            t1 = end if end < edge else edge
            if b >= 0:
                busy_s[b] += t1 - t0
            t0 = t1
            b += 1


@njit(parallel=True, cache=True)
def run_replications(arrival, service, patience, interval_of, call_offset, win_start, win_end, srv_first_win,
                     srv_end_win, srv_rank, present, target_s, n_intervals, step_s):
    """Replications ``r`` of one chunk, in parallel: calls
    ``call_offset[r]:call_offset[r+1]`` of the flat call arrays, agent-shift
    presence ``present[r]``; ``srv_rank``: each agent-shift's place in the
    tie order (first window start, then position). Returns per replication
    and interval the arrivals, calls answered, answered within
    ``target_s``, the summed wait of answered calls (s), calls abandoned and
    agent busy seconds."""
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
                         srv_first_win, srv_end_win, srv_rank, present[r], target_s, n_intervals, step_s,
                         arrivals[r], answered[r], within[r], wait_sum[r], abandoned[r], busy_s[r])
    return arrivals, answered, within, wait_sum, abandoned, busy_s
