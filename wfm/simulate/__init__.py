"""Discrete-event simulation of a roster against a demand: the service a
roster really delivers, with its uncertainty.

:func:`simulate_roster` runs ``replications`` independent days-to-weeks of
calls through the roster's agents and reports, per interval, per day and
overall, the service level, ASA, abandonment and occupancy with 95 %
confidence intervals. The model (one FCFS queue, every call of every
queue served by the whole team):

* **arrivals**: Poisson with the interval's expected ``offered``, spread
  uniformly over the interval; optionally every day's volume multiplied by
  a factor drawn per replication (``day_volume_sd``: the standard deviation
  of its logarithm, mean 1; or ``day_factors``, a sampler), the day-level
  risk a forecast carries beyond Poisson noise;
* **handle times**: the AHT of the interval the call arrives in;
  exponential (Erlang's assumption) or lognormal with a given coefficient
  of variation (``handle_cv``);
* **patience**: exponential with mean ``patience_s`` (Erlang A), or none
  (``patience_s=None``: every call waits until answered, Erlang C);
* **agents**: on the phones exactly in their on-phone segments (shift less
  meal, breaks and activities; :class:`wfm.roster.table.Roster`); a call
  that finds agents idle goes to the one idle longest. A call
  in progress at a break or at the end of a shift is finished first, and the
  agent is back at the segment's scheduled end (the break is shortened);
* **absence**: each agent-shift is missing with probability
  ``absence_rate``, drawn per replication;
* **queues carried across every boundary**: intervals, breaks, midnight
  and shift changes are not reset; calls still waiting at the end of the
  horizon are served by shifts that run past it, or abandon.

Definitions (those of :mod:`wfm.staffing`): service level = calls answered
within ``target_s`` / calls offered (abandons count as failures); ASA =
mean wait of answered calls; abandonment = abandoned / offered; occupancy =
agent busy time / agent time on the phones (a call overrunning into a break
counts as busy, so an interval can show more than 100 %).

Statistics: every figure is a ratio of totals over the replications
(``sum over r of X_r / sum over r of Y_r``, the long-run share the plan's
definitions mean), with a 95 % confidence interval by the delta method
across replications. Replications draw from independent streams spawned
from ``seed`` (``numpy.random.SeedSequence``); arrivals, handle times and
patience use one stream per replication and absence another, so two
rosters simulated with the same seed and demand see the same calls
(common random numbers). The same inputs and seed give the same numbers,
whatever the number of threads.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from wfm.errors import InputError, argument_problem

__all__ = ["SimulationResult", "simulate_roster", "serve_calls", "on_phone_windows", "SUMMARY_COLUMNS"]

#: Columns of the interval, day and overall tables of :class:`SimulationResult`.
SUMMARY_COLUMNS = ("offered", "arrivals", "answered", "abandoned", "service_level", "service_level_lo",
                   "service_level_hi", "asa_s", "asa_s_lo", "asa_s_hi", "abandon_rate", "abandon_rate_lo",
                   "abandon_rate_hi", "occupancy", "occupancy_lo", "occupancy_hi", "on_phone_agents")

Z95 = 1.959963984540054
CHUNK = 8  # replications generated and simulated together (memory stays small)


@dataclass(frozen=True)
class SimulationResult:
    """What :func:`simulate_roster` found.

    ``intervals``: one row per interval (``interval_start`` then
    :data:`SUMMARY_COLUMNS`; ``offered`` is the demand's expected contacts,
    ``arrivals``, ``answered``, ``abandoned`` are means per replication,
    ``on_phone_agents`` the mean agents on the phones after absence);
    ``days``: the same per local date (``date``); ``overall``: one row;
    ``settings``: the model's parameters.
    """

    intervals: pd.DataFrame
    days: pd.DataFrame
    overall: pd.DataFrame
    settings: dict = field(default_factory=dict)


def on_phone_windows(roster) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per shift of ``roster``, its on-phone windows: the shift less its
    segments, in order. Returns ``shift_id``, ``start``, ``end`` (int64 UTC
    nanoseconds), sorted by shift and start; empty windows are dropped."""
    from wfm.roster.table import as_roster

    roster = as_roster(roster)
    sh, seg = roster.shifts, roster.segments
    s0 = pd.DatetimeIndex(sh["shift_start"]).as_unit("ns").asi8
    e0 = pd.DatetimeIndex(sh["shift_end"]).as_unit("ns").asi8
    sid = seg["shift_id"].to_numpy(dtype=np.int64)
    a = pd.DatetimeIndex(seg["start"]).as_unit("ns").asi8
    b = pd.DatetimeIndex(seg["end"]).as_unit("ns").asi8
    # merge overlapping segments of a shift so windows never overlap
    o = np.lexsort((a, sid))
    sid, a, b = sid[o], a[o], b[o]
    starts, ends, owner = [], [], []
    n = len(sh)
    cut = np.searchsorted(sid, np.arange(n + 1))
    for k in range(n):
        t = s0[k]
        for j in range(cut[k], cut[k + 1]):
            if a[j] > t:
                starts.append(t)
                ends.append(min(a[j], e0[k]))
                owner.append(k)
            t = max(t, b[j])
        if e0[k] > t:
            starts.append(t)
            ends.append(e0[k])
            owner.append(k)
    owner = np.asarray(owner, dtype=np.int64)
    starts = np.asarray(starts, dtype=np.int64)
    ends = np.asarray(ends, dtype=np.int64)
    keep = ends > starts
    return owner[keep], starts[keep], ends[keep]


def _grid(demand: pd.DataFrame):
    """Pool the demand by interval onto one regular grid."""
    need = {"interval_start", "offered"}
    missing = need - set(demand.columns)
    if missing:
        raise InputError(argument_problem("demand", f"missing column(s) {', '.join(sorted(missing))}",
                                          "an interval table with interval_start, interval_min, offered, aht_s"))
    ts = demand["interval_start"]
    if not isinstance(ts.dtype, pd.DatetimeTZDtype):
        raise InputError(argument_problem("demand", "interval_start is not a tz-aware datetime column",
                                          "tz-aware interval starts"))
    step = demand["interval_min"].unique() if "interval_min" in demand else np.array([30])
    if len(step) != 1:
        raise InputError(argument_problem("demand", f"several interval lengths ({sorted(step.tolist())} min)",
                                          "one interval length"))
    step_min = int(step[0])
    offered = demand["offered"].to_numpy(float)
    aht = demand["aht_s"].to_numpy(float) if "aht_s" in demand else np.full(len(demand), 180.0)
    bad = ~np.isfinite(offered) | (offered < 0)
    if bad.any():
        raise InputError(argument_problem("demand", f"{int(bad.sum())} interval(s) with offered not a number >= 0",
                                          "finite offered contacts >= 0"))
    busy = offered > 0
    badh = busy & (~np.isfinite(aht) | (aht <= 0))
    if badh.any():
        raise InputError(argument_problem("demand", f"{int(badh.sum())} interval(s) with calls but no AHT > 0",
                                          "aht_s > 0 where offered > 0"))
    ns = pd.DatetimeIndex(ts).as_unit("ns").asi8
    t0 = int(ns.min())
    step_ns = step_min * 60 * 10**9
    idx = (ns - t0) // step_ns
    if ((ns - t0) % step_ns).any():
        raise InputError(argument_problem("demand", "interval starts off a regular grid",
                                          f"starts every {step_min} min"))
    n = int(idx.max()) + 1
    off = np.zeros(n)
    work = np.zeros(n)
    np.add.at(off, idx, offered)
    np.add.at(work, idx, np.where(busy, offered * np.nan_to_num(aht), 0.0))
    # the pooled AHT keeps the pooled workload
    aht_grid = np.where(off > 0, work / np.where(off > 0, off, 1.0), 0.0)
    tz = str(ts.dt.tz)
    starts = pd.DatetimeIndex(t0 + np.arange(n, dtype=np.int64) * step_ns).tz_localize("UTC").tz_convert(tz)
    return starts, step_min, off, aht_grid, t0


def _ratio(num: np.ndarray, den: np.ndarray):
    """Ratio of totals over replications (axis 0) with its 95 % delta-method interval."""
    r_n = num.shape[0]
    tn, td = num.sum(axis=0), den.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        est = np.where(td > 0, tn / np.where(td > 0, td, 1.0), np.nan)
        if r_n > 1:
            resid = num - est * den
            mean_d = td / r_n
            se = np.sqrt((np.nan_to_num(resid) ** 2).sum(axis=0) / (r_n * (r_n - 1))) / mean_d
        else:
            se = np.full_like(est, np.nan)
    se = np.where(td > 0, se, np.nan)
    return est, est - Z95 * se, est + Z95 * se


def _table(offered, parts: dict, r_n: int) -> pd.DataFrame:
    arr, ans, wit, wsum, ab, busy, onph, onph_agents = (parts[k] for k in (
        "arrivals", "answered", "within", "wait_sum", "abandoned", "busy_s", "on_phone_s", "on_phone_agents"))
    out = {"offered": offered, "arrivals": arr.mean(axis=0), "answered": ans.mean(axis=0),
           "abandoned": ab.mean(axis=0)}
    for name, num, den in (("service_level", wit, arr), ("asa_s", wsum, ans), ("abandon_rate", ab, arr),
                           ("occupancy", busy, onph)):
        est, lo, hi = _ratio(num, den)
        out[name], out[f"{name}_lo"], out[f"{name}_hi"] = est, lo, hi
    out["on_phone_agents"] = onph_agents.mean(axis=0)
    return pd.DataFrame(out)


@dataclass(frozen=True)
class _Team:
    """The roster's agent-shifts as the event loop sees them: on-phone
    windows in seconds from the first interval, per agent-shift."""

    n: int
    win_start: np.ndarray
    win_end: np.ndarray
    first: np.ndarray
    last: np.ndarray
    order: np.ndarray  # rank of each agent-shift among equals: first window start, then position
    first_start: np.ndarray
    on_phone: tuple  # (agent-shift, interval, seconds) of every window's time in every interval
    n_intervals: int
    step_s: float

    @classmethod
    def of(cls, roster, t0_ns: int, step_s: float, n_int: int) -> _Team:
        owner, ws, we = on_phone_windows(roster)
        n_srv = len(roster)
        win_start = (ws - t0_ns) / 1e9
        win_end = (we - t0_ns) / 1e9
        first = np.searchsorted(owner, np.arange(n_srv)).astype(np.int64)
        last = np.searchsorted(owner, np.arange(n_srv), side="right").astype(np.int64)
        has = last > first
        first_start = np.full(n_srv, np.inf)
        first_start[has] = win_start[first[has]]
        order = np.empty(n_srv, dtype=np.int64)  # each agent-shift's place in the tie order
        order[np.argsort(first_start, kind="stable")] = np.arange(n_srv)
        # each window's seconds in each interval it touches (sparse: window, interval, seconds)
        lo_b = np.floor(win_start / step_s).astype(np.int64)
        hi_b = np.ceil(win_end / step_s).astype(np.int64)
        n_b = np.maximum(hi_b - lo_b, 0)
        w_of = np.repeat(np.arange(len(win_start)), n_b)
        b_of = lo_b[w_of] + (np.arange(len(w_of)) - np.repeat(np.cumsum(n_b) - n_b, n_b))
        secs = np.minimum(win_end[w_of], (b_of + 1) * step_s) - np.maximum(win_start[w_of], b_of * step_s)
        inside = (b_of >= 0) & (b_of < n_int) & (secs > 0)
        on_phone = (owner[w_of][inside], b_of[inside], secs[inside])
        return cls(n_srv, win_start, win_end, first, last, order, first_start, on_phone, n_int, float(step_s))

    def on_phone_s(self, present) -> np.ndarray:
        """Agent-seconds on the phones per interval, for each row of ``present``
        (replications x agent-shifts, whether each turns up)."""
        owner, b, secs = self.on_phone
        present = np.atleast_2d(np.asarray(present, dtype=float))
        return np.stack([np.bincount(b, weights=secs * p[owner], minlength=self.n_intervals) for p in present])

    def serve(self, arrival, service, patience, interval_of, call_offset, present, target_s):
        from wfm.simulate.engine import LOCK, run_replications

        with LOCK:
            return run_replications(arrival, service, patience, interval_of, call_offset, self.win_start,
                                    self.win_end, self.first, self.last, self.order,
                                    np.asarray(present, dtype=np.bool_) & (self.last > self.first)[None, :],
                                    float(target_s), self.n_intervals, self.step_s)


def serve_calls(roster, calls: pd.DataFrame, interval_start, interval_min: int, *, target_s: float = 20.0,
                present=None) -> pd.DataFrame:
    """Serve given calls with ``roster`` (one replication, no randomness):
    the event loop of :func:`simulate_roster` on calls you choose.

    ``calls``: ``arrival`` (tz-aware), ``handle_s``, ``patience_s`` (inf:
    waits for ever), in any order; ``interval_start``: the first interval
    of the grid the figures are totalled on, ``interval_min`` its step;
    ``present``: per agent-shift of the roster, whether it turns up (default
    all). Returns per interval ``interval_start``, ``arrivals``,
    ``answered``, ``within`` (answered within ``target_s``), ``wait_sum_s``
    (summed wait of answered calls), ``abandoned``, ``busy_s`` (agent busy
    seconds) and ``on_phone_s`` (agent seconds on the phones).
    """
    from wfm.roster.table import as_roster

    roster = as_roster(roster)
    t0 = pd.Timestamp(interval_start)
    step_s = interval_min * 60.0
    arr = ((pd.DatetimeIndex(calls["arrival"]).as_unit("ns").asi8 - t0.value) / 1e9).astype(float)
    if (arr < 0).any():
        raise InputError(argument_problem("calls", "a call arrives before interval_start", "calls in the grid"))
    n_int = int(arr.max() // step_s) + 1 if len(arr) else 1
    o = np.argsort(arr, kind="stable")
    arr = arr[o]
    team = _Team.of(roster, t0.value, step_s, n_int)
    present = np.ones(team.n, bool) if present is None else np.asarray(present, dtype=bool)
    res = team.serve(arr, calls["handle_s"].to_numpy(float)[o], calls["patience_s"].to_numpy(float)[o],
                     (arr // step_s).astype(np.int64), np.array([0, len(arr)], dtype=np.int64), present[None, :],
                     target_s)
    names = ("arrivals", "answered", "within", "wait_sum_s", "abandoned", "busy_s")
    out = pd.DataFrame({k: v[0] for k, v in zip(names, res, strict=True)})
    out["on_phone_s"] = team.on_phone_s(present)[0]
    out.insert(0, "interval_start", t0 + pd.to_timedelta(np.arange(n_int) * interval_min, unit="min"))
    return out


def simulate_roster(roster, demand: pd.DataFrame, *, replications: int = 200, seed: int = 0,
                    absence_rate: float = 0.0, patience_s: float | None = None, target_s: float = 20.0,
                    handle_cv: float | None = None, day_volume_sd: float = 0.0, day_factors=None,
                    threads: int | None = None) -> SimulationResult:
    """Simulate ``roster`` against ``demand`` (module docstring).

    ``roster``: a :class:`wfm.roster.table.Roster` (or roster table);
    ``demand``: interval table with tz-aware ``interval_start``,
    ``interval_min``, ``offered`` (expected contacts) and ``aht_s`` (several
    queues are pooled); ``replications``: independent runs (>= 2 for a
    confidence interval); ``absence_rate``: share of agent-shifts absent;
    ``patience_s``: mean patience (None: no abandonment); ``target_s``: the
    service-level threshold (s); ``handle_cv``: None for exponential handle
    times, else a lognormal with this coefficient of variation;
    ``day_volume_sd``: sd of the log of a per-day volume factor (mean 1);
    ``day_factors``: instead, ``f(rng, n_days) -> factors`` drawn per
    replication; ``threads``: Numba threads (default all cores; the result
    does not depend on it).
    """
    from wfm.roster.table import as_roster

    problems = []
    if not isinstance(replications, int | np.integer) or replications < 1:
        problems.append(argument_problem("replications", f"{replications!r} is not a whole number >= 1",
                                         "1 or more (2 or more for confidence intervals)"))
    if not (np.isfinite(absence_rate) and 0 <= absence_rate < 1):
        problems.append(argument_problem("absence_rate", f"{absence_rate!r} is not a share below 1", "0 <= p < 1"))
    if patience_s is not None and not (np.isfinite(patience_s) and patience_s > 0):
        problems.append(argument_problem("patience_s", f"{patience_s!r} is not a time > 0",
                                         "seconds > 0, or none for no abandonment"))
    if not (np.isfinite(target_s) and target_s >= 0):
        problems.append(argument_problem("target_s", f"{target_s!r} is not a time >= 0", "seconds >= 0"))
    if handle_cv is not None and not (np.isfinite(handle_cv) and handle_cv > 0):
        problems.append(argument_problem("handle_cv", f"{handle_cv!r} is not > 0", "a coefficient of variation > 0"))
    if not (np.isfinite(day_volume_sd) and day_volume_sd >= 0):
        problems.append(argument_problem("day_volume_sd", f"{day_volume_sd!r} is not >= 0", "a standard deviation >= 0"))
    if problems:
        raise InputError(problems)
    roster = as_roster(roster)
    starts, step_min, offered, aht, t0 = _grid(demand)
    n_int = len(offered)
    step_s = step_min * 60.0
    tz = str(starts.tz)
    dates = starts.tz_localize(None).normalize()
    day_codes, day_index = pd.factorize(dates, sort=True)

    team = _Team.of(roster, t0, step_s, n_int)
    n_srv = team.n
    root = np.random.SeedSequence(seed)
    streams = root.spawn(replications)
    lam = offered
    if handle_cv is not None:
        sig2 = np.log1p(handle_cv ** 2)
    keys = ("arrivals", "answered", "within", "wait_sum", "abandoned", "busy_s", "on_phone_s", "on_phone_agents")
    parts = {k: np.zeros((replications, n_int)) for k in keys}
    if threads is not None:
        import numba

        numba.set_num_threads(max(1, min(int(threads), numba.config.NUMBA_NUM_THREADS)))
    for c0 in range(0, replications, CHUNK):
        reps = range(c0, min(c0 + CHUNK, replications))
        arr_l, svc_l, pat_l, iv_l, offs, present = [], [], [], [], [0], []
        for r in reps:
            calls_rng, absence_rng = (np.random.Generator(np.random.PCG64(s)) for s in streams[r].spawn(2))
            if day_factors is not None:
                f_day = np.asarray(day_factors(calls_rng, len(day_index)), dtype=float)
            elif day_volume_sd > 0:
                f_day = np.exp(calls_rng.normal(-day_volume_sd ** 2 / 2, day_volume_sd, len(day_index)))
            else:
                f_day = np.ones(len(day_index))
            counts = calls_rng.poisson(lam * f_day[day_codes])
            iv = np.repeat(np.arange(n_int), counts)
            t = (iv + calls_rng.random(len(iv))) * step_s
            o = np.argsort(t, kind="stable")
            t, iv = t[o], iv[o]
            if handle_cv is None:
                s = calls_rng.exponential(1.0, len(t)) * aht[iv]
            else:
                s = np.exp(calls_rng.normal(np.log(aht[iv]) - sig2 / 2, np.sqrt(sig2)))
            p = calls_rng.exponential(patience_s, len(t)) if patience_s is not None else np.full(len(t), np.inf)
            arr_l.append(t)
            svc_l.append(s)
            pat_l.append(p)
            iv_l.append(iv)
            offs.append(offs[-1] + len(t))
            present.append(absence_rng.random(n_srv) >= absence_rate if absence_rate > 0 else np.ones(n_srv, bool))
        present = np.asarray(present, dtype=np.bool_)
        res = team.serve(np.concatenate(arr_l), np.concatenate(svc_l), np.concatenate(pat_l),
                         np.concatenate(iv_l).astype(np.int64), np.asarray(offs, dtype=np.int64), present,
                         float(target_s))
        for key, val in zip(keys[:6], res, strict=True):
            parts[key][c0:c0 + len(reps)] = val
        onph = team.on_phone_s(present)
        parts["on_phone_s"][c0:c0 + len(reps)] = onph
        parts["on_phone_agents"][c0:c0 + len(reps)] = onph / step_s

    intervals = _table(offered, parts, replications)
    intervals.insert(0, "interval_start", starts)
    by_day = {k: np.stack([v[:, day_codes == d].sum(axis=1) for d in range(len(day_index))], axis=1)
              for k, v in parts.items()}
    by_day["on_phone_agents"] = by_day["on_phone_s"] / (np.bincount(day_codes, minlength=len(day_index)) * step_s)
    days = _table(np.bincount(day_codes, weights=offered, minlength=len(day_index)), by_day, replications)
    days.insert(0, "date", day_index.date)
    tot = {k: v.sum(axis=1, keepdims=True) for k, v in parts.items()}
    tot["on_phone_agents"] = tot["on_phone_s"] / (n_int * step_s)
    overall = _table(np.array([offered.sum()]), tot, replications)
    settings = {"method": "simulation", "replications": int(replications), "seed": int(seed),
                "absence_rate": float(absence_rate), "patience_s": patience_s, "target_s": float(target_s),
                "handle_times": "exponential" if handle_cv is None else f"lognormal, cv {handle_cv:g}",
                "day_volume_sd": float(day_volume_sd) if day_factors is None else "sampler",
                "interval_min": step_min, "time_zone": tz, "queue": "one FCFS queue, the whole team"}
    return SimulationResult(intervals, days, overall, settings)
