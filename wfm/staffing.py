r"""Staffing: how many agents an interval needs, and what service a headcount buys.

All functions are vectorised over numpy arrays (scalars broadcast) and accept
fractional agent counts: the formulas are the analytic continuations in the
number of agents through the incomplete gamma function, so nothing is computed
with factorials and loads of many thousand Erlangs are exact to double precision.

Notation (units in names where it matters):

=================  =========================================================
``agents`` (n)     agents on the phones (net of shrinkage)
``load`` (a)       offered load in Erlangs, a = lambda * AHT
``aht_s``          average handle time, seconds (1 / mu)
``patience_s``     mean customer patience, seconds (1 / theta), Erlang A only
``target_s``       service-level threshold, seconds (the "20" of 80/20)
=================  =========================================================

Erlang B and C (M/M/n/n and M/M/n)
----------------------------------
With the upper incomplete gamma function :math:`\Gamma(s, z)`,

.. math::  R(n, a) = \frac1{B(n,a)} - 1 = n\,\Gamma(n, a)\,e^{a} a^{-n},
           \qquad B = \frac{1}{1+R},\qquad C = \frac{1}{1 + (1-a/n) R}\ (n > a)

which for integer ``n`` is the familiar ``sum_{k<n} a^k/k! / (a^n/n!)``.
Service level ``SL(t) = 1 - C exp(-(n-a) t / AHT)``, ``ASA = C AHT / (n - a)``,
occupancy ``a / n``. With ``n <= a`` the queue is unstable: P(wait)=1, SL=0,
ASA=inf, occupancy 1.

Erlang A (M/M/n+M, exponential patience)
----------------------------------------
Exact stationary results of Palm's model (Mandelbaum & Zeltyn, "The Palm/Erlang-A
queue, with applications to call centers", 2007; Riordan 1962) with
``x = n mu / theta`` and ``y = lambda / theta`` and

.. math::  A(x, y) = x e^{y} y^{-x} \gamma(x, y) = \sum_{j\ge0} \frac{y^j}{\prod_{k=1}^{j}(x+k)}

(the stationary mass of the states with a queue relative to the state "all
agents busy, nobody waiting"):

* P(wait) = A / (A + R)   (R as for Erlang B)
* P(abandon | wait) = 1 - x A(x+1, y) / ((x+1) A(x, y))
* P(virtual wait > t | wait) = P(x, y v) / P(x, y),  v = exp(-theta t),
  P the regularised lower incomplete gamma;
* answered within t (abandonment counted as failure)
  = 1 - P(wait) + P(wait) x/(x+1) [A(x+1,y) - e^{y(1-v)} v^{x+1} A(x+1,y v)] / A(x,y);
* P(wait <= t) (answered or abandoned, by time t) = 1 - P(wait) P(V>t|wait) v;
* mean wait of all calls = P(abandon) / theta (Little's law on the queue);
* ASA of answered calls = E[W; answered] / P(answered) with
  E[W; answered] = P(wait)/theta * x/(x+1) * A(x+1,y)/A(x,y) * (1/(x+1) - d/dx log A(x+1, y)).

The last three follow from writing the virtual wait of a customer who finds
``j`` others waiting as ``-log(U)/theta`` with ``U ~ Beta(x, j+1)`` (a sum of
exponentials with rates n mu + i theta), whose mixture over the stationary
queue is a Gamma(x, y) law truncated to (0, 1). The derivative is taken by a
five-point stencil on the exact ``log A``; the tests check all of this against
mpmath and a discrete-event simulation. These are *not* the asymptotic
"Garnett 2002" (QED) shortcuts.

Deferred and outbound work
--------------------------
E-mail, tickets, forum replies, back-office forms and outbound dialling do not
queue in real time: ``agents = workload_s / (interval_s * productive_fraction)``
with ``workload_s = items * handle_s``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special as sc

from wfm.errors import ArgumentError, argument_problem

__all__ = [
    "CHANNEL_HANDLE_S",
    "QueueMetrics",
    "ServiceTargets",
    "daily_staffing",
    "deferred_agents",
    "erlang_a",
    "erlang_b",
    "erlang_c",
    "erlang_c_metrics",
    "load_erlangs",
    "min_agents_meeting",
    "offered_weighted_mean",
    "required_agents",
    "scheduled_agents",
    "service_for_agents",
]

#: Handle time per item, seconds, by channel (DOMAIN.md section 3).
CHANNEL_HANDLE_S: dict[str, float] = {
    "voice": 180.0,
    "outbound": 180.0,
    "email": 180.0,
    "ticket": 180.0,
    "forum": 160.0,
    "backoffice": 45.0,
}
#: Channels staffed with a queueing model; the others are workload.
QUEUED_CHANNELS = frozenset({"voice"})

_TINY = 1e-280  # below this scipy's regularised gammas lose relative accuracy


# --------------------------------------------------------------------------
# Special functions in log / scaled form
# --------------------------------------------------------------------------
def _as_float_arrays(*args):
    return [np.asarray(a, dtype=float) for a in np.broadcast_arrays(*args)]


def _log_upper_scaled(s, z):
    r"""log(Gamma(s, z) e^z z^-s) for s > 0, z > 0 (unregularised upper gamma).

    scipy's regularised ``gammaincc`` where it is representable, otherwise the
    Legendre continued fraction (modified Lentz), which converges fast exactly
    there (z >> s).
    """
    s, z = _as_float_arrays(s, z)
    out = np.empty(s.shape)
    q = sc.gammaincc(s, z)
    ok = q > _TINY
    out[ok] = sc.gammaln(s[ok]) + np.log(q[ok]) + z[ok] - s[ok] * np.log(z[ok])
    bad = ~ok
    if bad.any():
        out[bad] = np.log(_upper_continued_fraction(s[bad], z[bad]))
    return out


def _upper_continued_fraction(a, x, max_iter=500):
    """Gamma(a, x) e^x x^-a by the continued fraction (Numerical Recipes gcf)."""
    fpmin = 1e-300
    b = x + 1.0 - a
    c = np.full(a.shape, 1.0 / fpmin)
    d = 1.0 / b
    h = d.copy()
    active = np.ones(a.shape, dtype=bool)
    for i in range(1, max_iter + 1):
        an = -i * (i - a[active])
        b[active] += 2.0
        dd = an * d[active] + b[active]
        dd = np.where(np.abs(dd) < fpmin, fpmin, dd)
        cc = b[active] + an / c[active]
        cc = np.where(np.abs(cc) < fpmin, fpmin, cc)
        dd = 1.0 / dd
        delta = dd * cc
        d[active], c[active] = dd, cc
        h[active] *= delta
        done = np.abs(delta - 1.0) < 1e-16
        idx = np.flatnonzero(active)
        active[idx[done]] = False
        if not active.any():
            break
    return h


def _log_lower_scaled(s, z):
    r"""log(gamma(s, z) e^z z^-s) for s > 0, z >= 0 (unregularised lower gamma).

    scipy's ``gammainc`` where representable, otherwise the power series
    sum_k z^k / (s (s+1) ... (s+k)), which converges fast exactly there (z << s).
    """
    s, z = _as_float_arrays(s, z)
    out = np.empty(s.shape)
    zero = z <= 0
    out[zero] = -np.log(s[zero])
    pos = ~zero
    p = np.zeros(s.shape)
    p[pos] = sc.gammainc(s[pos], z[pos])
    ok = pos & (p > _TINY)
    out[ok] = sc.gammaln(s[ok]) + np.log(p[ok]) + z[ok] - s[ok] * np.log(z[ok])
    bad = pos & ~ok
    if bad.any():
        out[bad] = np.log(_lower_series(s[bad], z[bad]))
    return out


def _lower_series(s, z, max_iter=100_000):
    term = 1.0 / s
    total = term.copy()
    active = np.ones(s.shape, dtype=bool)
    k = 0
    while active.any() and k < max_iter:
        k += 1
        term[active] *= z[active] / (s[active] + k)
        total[active] += term[active]
        active &= term > total * 1e-17
    return total


def _log_a(x, y):
    """log A(x, y) = log(x e^y y^-x gamma(x, y)), the Erlang A queue mass."""
    x, y = _as_float_arrays(x, y)
    return np.log(x) + _log_lower_scaled(x, y)


def _log_r(n, a):
    """log(1/B(n, a) - 1) = log(n Gamma(n, a) e^a a^-n), n > 0, a > 0."""
    n, a = _as_float_arrays(n, a)
    return np.log(n) + _log_upper_scaled(n, a)


# --------------------------------------------------------------------------
# Erlang B / C
# --------------------------------------------------------------------------
def load_erlangs(offered, aht_s, interval_min):
    """Offered load in Erlangs: contacts x AHT / interval length.

    ``a = offered * aht_s / (60 * interval_min)``; intervals with no volume have
    load 0 whatever their AHT (which may then be missing).
    """
    offered, aht_s, interval_min = _as_float_arrays(offered, aht_s, interval_min)
    with np.errstate(invalid="ignore"):
        load = offered * aht_s / (60.0 * interval_min)
    return np.where(offered > 0, load, 0.0)


def erlang_b(agents, load):
    """Erlang B blocking probability of an M/M/n/n loss system.

    Parameters
    ----------
    agents : array_like
        Servers n >= 0 (fractional allowed: the incomplete-gamma continuation).
    load : array_like
        Offered load a >= 0, Erlangs.

    Returns
    -------
    ndarray
        B(n, a) = (a^n/n!) / sum_{k<=n} a^k/k!, computed as 1 / (1 + R) with
        R = n Gamma(n, a) e^a a^-n in log space; B(0, a) = 1 and B(n, 0) = 0.
    """
    n, a = _as_float_arrays(agents, load)
    out = np.ones(n.shape)
    out[(a <= 0) & (n > 0)] = 0.0
    m = (a > 0) & (n > 0)
    if m.any():
        out[m] = sc.expit(-_log_r(n[m], a[m]))
    return out


def erlang_c(agents, load):
    """Erlang C probability of waiting, P(wait), of an M/M/n queue.

    C = 1 / (1 + (1 - a/n) R) for n > a (R as in :func:`erlang_b`), 1 when
    n <= a (unstable queue: everybody waits), 0 when a = 0.
    """
    n, a = _as_float_arrays(agents, load)
    out = np.ones(n.shape)
    out[a <= 0] = 0.0
    m = (a > 0) & (n > a)
    if m.any():
        nm, am = n[m], a[m]
        out[m] = sc.expit(-(np.log1p(-am / nm) + _log_r(nm, am)))
    return out


@dataclass(frozen=True)
class QueueMetrics:
    """Per-interval service figures of a queueing model (arrays of one shape).

    ``service_level`` is answered within ``target_s`` / offered (abandons count
    as failures; equals ``p_answer_within_target`` for Erlang C, where nobody
    abandons). ``p_answer_within_target`` is P(wait <= target): the share whose
    wait, ended by an answer or by abandoning, was within the target.
    ``asa_s`` is the mean wait of answered calls, ``mean_wait_s`` of all calls.
    """

    p_wait: np.ndarray
    p_abandon: np.ndarray
    service_level: np.ndarray
    p_answer_within_target: np.ndarray
    asa_s: np.ndarray
    mean_wait_s: np.ndarray
    occupancy: np.ndarray


def erlang_c_metrics(agents, load, aht_s, target_s=20.0) -> QueueMetrics:
    """All Erlang C figures for ``agents`` at ``load`` Erlangs.

    SL(t) = 1 - C e^{-(n-a) t / AHT};  ASA = C AHT / (n - a);  occupancy = a / n.
    Unstable intervals (n <= a, a > 0) give P(wait)=1, SL=0, ASA=inf,
    occupancy=1 without numpy warnings. Reference: e.g. Gans, Koole & Mandelbaum,
    "Telephone call centers: tutorial, review, and research prospects", 2003.
    """
    n, a, aht, t = _as_float_arrays(agents, load, aht_s, target_s)
    c = erlang_c(n, a)
    stable = n > a
    sl = np.zeros(n.shape)
    asa = np.full(n.shape, np.inf)
    occ = np.ones(n.shape)
    gap = np.where(stable, n - a, 1.0)
    aht_ok = np.where(np.isfinite(aht) & (aht > 0), aht, 1.0)
    sl[stable] = 1.0 - c[stable] * np.exp(-gap[stable] * t[stable] / aht_ok[stable])
    asa[stable] = c[stable] * aht_ok[stable] / gap[stable]
    occ[stable] = a[stable] / n[stable]
    idle = a <= 0
    sl[idle], asa[idle], occ[idle] = 1.0, 0.0, 0.0
    return QueueMetrics(
        p_wait=c,
        p_abandon=np.zeros(n.shape),
        service_level=sl,
        p_answer_within_target=sl.copy(),
        asa_s=asa,
        mean_wait_s=np.where(stable | idle, np.where(idle, 0.0, c * aht_ok / gap), np.inf),
        occupancy=occ,
    )


# --------------------------------------------------------------------------
# Erlang A
# --------------------------------------------------------------------------
def erlang_a(
    agents, load, aht_s, patience_s, target_s=20.0, *, with_asa=True, with_within=True
) -> QueueMetrics:
    """All Erlang A (M/M/n+M) figures, exact; see the module docstring.

    Parameters
    ----------
    agents : array_like
        Agents n >= 0, fractional allowed.
    load : array_like
        Offered load a = lambda * AHT, Erlangs.
    aht_s, patience_s : array_like
        Mean handle time and mean (exponential) patience, seconds.
        ``patience_s = inf`` gives Erlang C.
    target_s : array_like
        Service-level threshold, seconds.
    with_asa, with_within : bool
        Compute ``asa_s`` (four extra incomplete-gamma evaluations) and
        ``p_answer_within_target`` (one); NaN when switched off.
    """
    n, a, aht, pat, t = _as_float_arrays(agents, load, aht_s, patience_s, target_s)
    shape = n.shape
    p_wait = np.zeros(shape)
    p_ab = np.zeros(shape)
    sl = np.ones(shape)
    within = np.ones(shape) if with_within else np.full(shape, np.nan)
    asa = np.zeros(shape) if with_asa else np.full(shape, np.nan)
    mean_wait = np.zeros(shape)
    occ = np.zeros(shape)

    inf_pat = ~np.isfinite(pat)
    if inf_pat.any():
        m = erlang_c_metrics(n[inf_pat], a[inf_pat], aht[inf_pat], t[inf_pat])
        for arr, val in (
            (p_wait, m.p_wait), (p_ab, m.p_abandon), (sl, m.service_level),
            (mean_wait, m.mean_wait_s), (occ, m.occupancy),
        ):
            arr[inf_pat] = val
        if with_within:
            within[inf_pat] = m.p_answer_within_target
        if with_asa:
            asa[inf_pat] = m.asa_s

    # Nobody to answer: everybody waits and, eventually, abandons.
    empty = (n <= 0) & (a > 0) & ~inf_pat
    p_wait[empty], p_ab[empty], sl[empty] = 1.0, 1.0, 0.0
    if with_within:
        within[empty] = 1.0 - np.exp(-t[empty] / pat[empty])
    mean_wait[empty] = pat[empty]
    occ[empty] = 0.0
    if with_asa:
        asa[empty] = np.inf

    m = (n > 0) & (a > 0) & ~inf_pat
    if m.any():
        nm, am, ahtm, patm, tm = n[m], a[m], aht[m], pat[m], t[m]
        theta = 1.0 / patm
        x = nm * patm / ahtm  # n mu / theta
        y = am * patm / ahtm  # lambda / theta
        log_a0 = _log_a(x, y)
        log_r = _log_r(nm, am)
        pw = sc.expit(log_a0 - log_r)
        log_a1 = _log_a(x + 1.0, y)
        served_given_wait = np.exp(np.log(x / (x + 1.0)) + log_a1 - log_a0)
        pab = pw * np.clip(1.0 - served_given_wait, 0.0, 1.0)

        v_log = -theta * tm  # log v
        yv = y * np.exp(v_log)
        log_a1v = _log_a(x + 1.0, yv)
        late_served = np.exp(
            np.log(x / (x + 1.0)) + log_a1v + y * (-np.expm1(v_log)) + (x + 1.0) * v_log - log_a0
        )
        sl_m = 1.0 - pw + pw * (served_given_wait - late_served)
        if with_within:
            log_a0v = _log_a(x, yv)
            virtual_late = np.exp(log_a0v + x * v_log + y * (-np.expm1(v_log)) - log_a0)
            within[m] = np.clip(1.0 - pw * np.clip(virtual_late, 0.0, 1.0) * np.exp(v_log), 0, 1)

        p_wait[m] = pw
        p_ab[m] = pab
        sl[m] = np.clip(sl_m, 0.0, 1.0)
        mean_wait[m] = pab * patm
        occ[m] = np.minimum(am * (1.0 - pab) / nm, 1.0)
        if with_asa:
            dlog = _dlog_a_dx(x + 1.0, y)
            waited_served = (pw * patm) * served_given_wait * (1.0 / (x + 1.0) - dlog)
            answered = 1.0 - pab
            asa[m] = np.where(answered > 0, np.maximum(waited_served, 0.0) / answered, np.inf)

    return QueueMetrics(
        p_wait=p_wait,
        p_abandon=p_ab,
        service_level=sl,
        p_answer_within_target=within,
        asa_s=asa,
        mean_wait_s=mean_wait,
        occupancy=occ,
    )


def _dlog_a_dx(x, y):
    """d/dx log A(x, y) by a fourth-order central difference.

    The step follows the scale on which log A varies (about min(x, |x-y| +
    sqrt(x))), so truncation and rounding errors both stay near 1e-8 relative.
    """
    scale = np.minimum(x, np.abs(x - y) + np.sqrt(x))
    h = np.maximum(1e-2 * scale, 1e-6)
    h = np.minimum(h, 0.2 * x)
    f2 = _log_a(x + 2 * h, y)
    f1 = _log_a(x + h, y)
    g1 = _log_a(x - h, y)
    g2 = _log_a(x - 2 * h, y)
    return (g2 - 8 * g1 + 8 * f1 - f2) / (12 * h)


# --------------------------------------------------------------------------
# Deferred / outbound work
# --------------------------------------------------------------------------
def deferred_agents(items, handle_s, interval_min, productive_fraction=1.0):
    """Agents needed for non-queued work (e-mail, tickets, forum, outbound).

    ``agents = items * handle_s / (60 * interval_min * productive_fraction)``
    (not rounded). ``productive_fraction`` is the share of an on-shift agent's
    time spent on the items: 1.0 when shrinkage is applied separately (as in
    :func:`required_agents`); 0.75 reproduces DOMAIN.md section 3, whose daily
    capacities (120 e-mails of 180 s in an 8-hour day) already include it.
    """
    items, handle_s, interval_min, pf = _as_float_arrays(
        items, handle_s, interval_min, productive_fraction
    )
    if not np.all((pf > 0) & (pf <= 1)):
        raise ArgumentError("productive_fraction", f"{productive_fraction!r} is not a share above 0",
                            "a fraction 0 < productive_fraction <= 1")
    work = np.where(items > 0, items * np.where(np.isfinite(handle_s), handle_s, 0.0), 0.0)
    return work / (60.0 * interval_min * pf)


def scheduled_agents(agents, shrinkage: float) -> np.ndarray:
    """Whole agents to schedule so that ``agents`` are on the phones after shrinkage.

    ``scheduled = ceil(agents / (1 - shrinkage))``, where ``agents`` are agents
    on the phones (array-like, fractional allowed) and ``shrinkage`` is the
    share of paid time off the phones (breaks, meals, training, absence),
    ``0 <= shrinkage < 1``. A 1e-9 allowance keeps an exact quotient whole
    (7 / (1 - 0.3) is 10.000000000000002 in floating point, and 10 agents do).
    """
    _check_shrinkage(shrinkage)
    return np.ceil(np.asarray(agents, dtype=float) / (1.0 - shrinkage) - 1e-9).astype(int)


# --------------------------------------------------------------------------
# Interval tables: required agents and achieved service
# --------------------------------------------------------------------------
@dataclass(frozen=True)
class ServiceTargets:
    """Service targets an interval must meet; ``None`` switches a target off.

    Defaults are those of DOMAIN.md section 1: 80 % answered in 20 s.
    ``max_abandon`` needs the Erlang A model (Erlang C has no abandonment).
    """

    service_level: float | None = 0.8
    target_s: float = 20.0
    max_asa_s: float | None = None
    max_abandon: float | None = None
    max_occupancy: float | None = None

    def __post_init__(self):
        # every check is a comparison that NaN fails; inf fails the bounds
        problems = [argument_problem(name, f"{v!r} is out of range", expected) for name, ok, expected in (
            ("service_level", lambda v: 0 <= v < 1, "a fraction 0 <= service_level < 1 (1 needs infinite agents)"),
            ("target_s", lambda v: 0 <= v < np.inf, "a finite number of seconds >= 0"),
            ("max_asa_s", lambda v: 0 < v < np.inf, "a finite number of seconds > 0"),
            ("max_abandon", lambda v: 0 < v <= 1, "a fraction 0 < max_abandon <= 1"),
            ("max_occupancy", lambda v: 0 < v <= 1, "a fraction 0 < max_occupancy <= 1"),
        ) if ((v := getattr(self, name)) is not None or name == "target_s") and not (_is_real(v) and ok(float(v)))]
        if problems:
            raise ArgumentError(problems)


_TARGET_ORDER = ("service_level", "asa", "abandon", "occupancy")


def _metrics(model, n, a, aht, target_s, patience_s, with_asa=True) -> QueueMetrics:
    if model == "erlang-c":
        return erlang_c_metrics(n, a, aht, target_s)
    return erlang_a(n, a, aht, patience_s, target_s, with_asa=with_asa)


def _margins(model, n, a, aht, targets: ServiceTargets, patience_s) -> dict[str, np.ndarray]:
    """Per given target, achieved minus required, signed so that >= 0 is met.

    Each margin is continuous and increasing in the number of agents, so
    their minimum is too: the staffing search interpolates on it. Met to
    rounding error counts as met.
    """
    n, a, aht, pat = _as_float_arrays(n, a, aht, patience_s)
    eps = 1e-12
    if model == "erlang-c":
        m = erlang_c_metrics(n, a, aht, targets.target_s)
    else:
        m = erlang_a(n, a, aht, pat, targets.target_s, with_asa=False, with_within=False)
    out = {}
    if targets.service_level is not None:
        out["service_level"] = m.service_level - targets.service_level + eps
    if targets.max_abandon is not None:
        out["abandon"] = targets.max_abandon - m.p_abandon + eps
    if targets.max_occupancy is not None:
        out["occupancy"] = targets.max_occupancy - m.occupancy + eps
    if targets.max_asa_s is not None:
        asa = m.asa_s
        if model == "erlang-a":
            # E[W; answered] <= E[W] = P(ab) * patience bounds the ASA of
            # answered calls; only where the bound does not settle the target
            # is the exact ASA (with its costly derivative) computed.
            with np.errstate(divide="ignore", invalid="ignore"):
                asa = m.p_abandon * pat / (1.0 - m.p_abandon)
            idx = np.flatnonzero(~(asa <= targets.max_asa_s))
            if idx.size:
                asa[idx] = erlang_a(
                    n[idx], a[idx], aht[idx], pat[idx], targets.target_s, with_within=False
                ).asa_s
        with np.errstate(invalid="ignore"):
            out["asa"] = np.where(np.isfinite(asa), (targets.max_asa_s - asa) / targets.max_asa_s,
                                  -np.inf) + eps
    return out


def _margin(model, n, a, aht, targets: ServiceTargets, patience_s) -> np.ndarray:
    """The smallest target margin (+inf when no target is given)."""
    margin = np.full(np.broadcast(n, a).shape, np.inf)
    for arr in _margins(model, n, a, aht, targets, patience_s).values():
        margin = np.minimum(margin, arr)
    return margin


def _failures(model, n, a, aht, targets: ServiceTargets, patience_s) -> dict[str, np.ndarray]:
    """Boolean arrays: which targets fail at ``n`` agents."""
    return {k: v < 0 for k, v in _margins(model, n, a, aht, targets, patience_s).items()}


def min_agents_meeting(model, a, aht, targets, patience_s, floor):
    """Smallest integer n >= floor with every target met (vectorised search).

    Every target is monotone in n: grow an upper bracket by doubling steps
    from a first guess, then narrow [lo, hi] on the integers by interpolating
    the target margin (regula falsi), falling back to bisection whenever the
    bracket fails to halve, so the search is never slower than bisection.
    """
    a = np.asarray(a, dtype=float)
    aht = np.asarray(aht, dtype=float)
    patience_s = np.broadcast_to(np.asarray(patience_s, dtype=float), a.shape).copy()
    floor = np.broadcast_to(np.asarray(floor, dtype=float), a.shape).copy()

    def margin(n, idx):
        return _margin(model, n, a[idx], aht[idx], targets, patience_s[idx])

    lo = floor - 1.0  # largest n known (or assumed) to fail
    if model == "erlang-c" and (targets.service_level or targets.max_asa_s):
        lo = np.maximum(lo, np.floor(a))  # n <= a is unstable: SL 0, ASA inf
    if targets.max_occupancy is not None and model == "erlang-c":
        lo = np.maximum(lo, np.ceil(a / targets.max_occupancy - 1e-12) - 1.0)
    if model == "erlang-a":
        # Throughput: lambda (1 - P(ab)) = mu E[busy] <= mu n, so P(ab) >= 1 - n/a
        # and SL <= 1 - P(ab) <= n/a: two valid lower brackets.
        if targets.max_abandon is not None:
            lo = np.maximum(lo, np.ceil(a * (1.0 - targets.max_abandon) - 1e-9) - 1.0)
        if targets.service_level is not None:
            lo = np.maximum(lo, np.ceil(a * targets.service_level - 1e-9) - 1.0)
    if model == "erlang-a" and (targets.service_level or targets.max_asa_s or targets.max_occupancy):
        # Patience only ever helps the delay targets, so the Erlang C answer to
        # them is a tight first guess from above.
        delay = ServiceTargets(targets.service_level, targets.target_s, targets.max_asa_s,
                               None, targets.max_occupancy)
        guess = min_agents_meeting("erlang-c", a, aht, delay, np.inf, floor)
    else:
        guess = np.ceil(a + np.sqrt(a) + 1.0)
    hi = np.maximum(lo + 1.0, guess)
    f_lo = np.full(a.shape, np.nan)  # margin at lo, NaN while lo is only assumed
    f_hi = np.full(a.shape, np.nan)
    step = np.maximum(np.ceil(np.sqrt(a)), 1.0)
    pending = np.arange(a.size)
    for _ in range(200):
        if pending.size == 0:
            break
        f = margin(hi[pending], pending)
        good = f >= 0
        f_hi[pending[good]] = f[good]
        failed = pending[~good]
        lo[failed], f_lo[failed] = hi[failed], f[~good]
        hi[failed] = hi[failed] + step[failed]
        step[failed] *= 2.0
        pending = failed
    if pending.size:
        raise ValueError("service targets cannot be met with any finite number of agents")
    width_before = hi - lo
    active = np.flatnonzero(hi - lo > 1.0)
    bisect_next = np.zeros(a.shape, dtype=bool)
    while active.size:
        low, h = lo[active], hi[active]
        fl, fh = f_lo[active], f_hi[active]
        mid = np.floor((low + h) / 2.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            frac = -fl / (fh - fl)
        interp = np.ceil(low + frac * (h - low) - 1e-9)
        usable = np.isfinite(frac) & ~bisect_next[active]
        probe = np.where(usable, np.clip(interp, low + 1.0, h - 1.0), mid)
        f = margin(probe, active)
        good = f >= 0
        g, b = active[good], active[~good]
        hi[g], f_hi[g] = probe[good], f[good]
        lo[b], f_lo[b] = probe[~good], f[~good]
        width = hi[active] - lo[active]
        bisect_next[active] = width > width_before[active] / 2.0
        width_before[active] = width
        active = active[width > 1.0]
    return hi


def _is_real(v) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_))


def _check_shrinkage(shrinkage) -> None:
    if not _is_real(shrinkage) or not 0 <= shrinkage < 1:
        raise ArgumentError("shrinkage", f"{shrinkage!r} is not a share below 1", "0 <= shrinkage < 1")


def _prepare(intervals: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    if not isinstance(intervals, pd.DataFrame):
        raise ArgumentError("intervals", f"a {type(intervals).__name__}", "an interval table (DataFrame)")
    missing = [c for c in ("offered", "interval_min") if c not in intervals.columns]
    if missing:
        raise ArgumentError("intervals", f"the table lacks column(s) {', '.join(missing)}",
                            "an interval table (wfm.intervals)")
    out = intervals.copy()
    if "channel" not in out.columns:
        out["channel"] = "voice"
    if "aht_s" not in out.columns:
        out["aht_s"] = np.nan
    queued = out["channel"].isin(QUEUED_CHANNELS).to_numpy()
    default_handle = out["channel"].map(CHANNEL_HANDLE_S).astype(float)
    aht = out["aht_s"].astype(float)
    # Deferred work may omit its handle time: fall back to DOMAIN.md section 3.
    out["aht_s"] = aht.where(aht.notna() | queued, default_handle)
    offered = out["offered"].astype(float).to_numpy()
    aht_v = out["aht_s"].to_numpy(dtype=float)
    length = out["interval_min"].astype(float).to_numpy()
    for name, bad, expected in (
        ("offered", ~(np.isfinite(offered) & (offered >= 0)), "finite numbers >= 0"),
        ("aht_s", (offered > 0) & ~(np.isfinite(aht_v) & (aht_v > 0)),
         "finite seconds > 0 where offered > 0"),
        ("interval_min", ~(np.isfinite(length) & (length > 0)), "minutes > 0"),
    ):
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            value = out[name].iloc[i]
            shown = f"{float(value):g}" if _is_real(value) else repr(value)
            raise ArgumentError("intervals", f"row {i} (from 0): {name} is {shown}", f"{name}: {expected}")
    with np.errstate(over="ignore", invalid="ignore"):
        load = load_erlangs(offered, out["aht_s"], out["interval_min"])
    if not np.all(np.isfinite(load)):
        i = int(np.flatnonzero(~np.isfinite(load))[0])
        raise ArgumentError("intervals", f"row {i}: the load offered x aht_s overflows",
                            "offered and aht_s of a contact centre (wfm.intervals.MAX_CONTACTS, MAX_AHT_S)")
    out["load_erlangs"] = load
    return out, queued


def _check_model(model, patience_s):
    if model not in ("erlang-c", "erlang-a"):
        raise ArgumentError("model", f"unknown model {model!r}", "'erlang-c' or 'erlang-a'")
    if model == "erlang-a":
        if patience_s is None or not _is_real(patience_s) or not 0 < float(patience_s) < np.inf:
            raise ArgumentError("patience_s", f"Erlang A needs the callers' mean patience, not {patience_s!r}",
                                "a finite number of seconds > 0")
        return float(patience_s)
    return float("inf")


def required_agents(
    intervals: pd.DataFrame,
    targets: ServiceTargets = ServiceTargets(),
    *,
    model: str = "erlang-c",
    patience_s: float | None = None,
    shrinkage: float = 0.0,
    min_agents: int = 1,
    productive_fraction: float = 1.0,
) -> pd.DataFrame:
    """Smallest whole number of agents per interval meeting every target.

    Parameters
    ----------
    intervals : DataFrame
        Interval table (see :mod:`wfm.intervals`): ``offered``, ``aht_s``,
        ``interval_min``; optional ``channel`` (voice is queued; e-mail,
        ticket, forum, backoffice and outbound are workload).
    targets : ServiceTargets
        Service level (fraction within ``target_s``), max ASA, max abandonment
        (Erlang A), max occupancy. All given targets must hold.
    model : {"erlang-c", "erlang-a"}
    patience_s : float
        Mean caller patience in seconds (Erlang A).
    shrinkage : float
        Share of paid time not on the phones, 0 <= s < 1.
        ``scheduled_agents = ceil(required_agents / (1 - s))``.
    min_agents : int
        Floor for intervals with volume.
    productive_fraction : float
        For workload channels, see :func:`deferred_agents`.

    Returns
    -------
    DataFrame
        The input columns plus ``load_erlangs``, ``method``,
        ``required_agents`` (net, before shrinkage), ``scheduled_agents``
        (after shrinkage), the achieved ``service_level``,
        ``p_answer_within_target``, ``asa_s``, ``p_wait``, ``p_abandon``,
        ``occupancy``, ``mean_wait_s`` at ``required_agents``, and
        ``binding_target`` (the target(s) that fail with one agent fewer:
        service_level, asa, abandon, occupancy, joined by '+'; ``floor``
        when the floor decides; ``no volume``; ``workload``).
    """
    pat = _check_model(model, patience_s)
    if not isinstance(targets, ServiceTargets):
        raise ArgumentError("targets", f"a {type(targets).__name__}", "a ServiceTargets")
    _check_shrinkage(shrinkage)
    if not _is_real(min_agents) or not 0 <= min_agents < np.inf or min_agents != int(min_agents):
        raise ArgumentError("min_agents", f"{min_agents!r} agents", "a whole number >= 0")
    if not _is_real(productive_fraction) or not 0 < productive_fraction <= 1:
        raise ArgumentError("productive_fraction", f"{productive_fraction!r} is not a share above 0",
                            "a fraction 0 < productive_fraction <= 1")
    if targets.max_abandon is not None and model != "erlang-a":
        raise ArgumentError("targets", "an abandonment target needs model='erlang-a' (with patience_s)",
                            "max_abandon=None with Erlang C")
    out, queued = _prepare(intervals)
    offered = out["offered"].to_numpy(dtype=float)
    load = out["load_erlangs"].to_numpy()
    aht = out["aht_s"].to_numpy(dtype=float)
    n = np.zeros(len(out))
    binding = np.full(len(out), "no volume", dtype=object)

    voice = queued & (offered > 0)
    if voice.any():
        nv = min_agents_meeting(model, load[voice], aht[voice], targets, pat, float(min_agents))
        n[voice] = nv
        binding[voice] = _binding(model, nv, load[voice], aht[voice], targets, pat, min_agents)

    work = ~queued & (offered > 0)
    if work.any():
        need = deferred_agents(
            offered[work], aht[work], out["interval_min"].to_numpy(dtype=float)[work],
            productive_fraction,
        )
        n[work] = np.maximum(np.ceil(need - 1e-9), min_agents)
        binding[work] = "workload"

    out["method"] = np.where(queued, model, "workload")
    out["required_agents"] = n.astype(int)
    out["scheduled_agents"] = scheduled_agents(n, shrinkage)
    _attach_metrics(out, n, queued, model, targets.target_s, pat)
    out["binding_target"] = binding
    return out


def _binding(model, n, a, aht, targets, pat, floor):
    below = n - 1.0
    labels = np.full(n.shape, "", dtype=object)
    f = _failures(model, np.maximum(below, 0.0), a, aht, targets, pat)
    for name in _TARGET_ORDER:
        if name in f:
            hit = f[name] & (below >= 0)
            labels[hit] = np.where(labels[hit] == "", name, labels[hit] + "+" + name)
    labels[(labels == "") & (n <= floor)] = "floor"
    return labels


def _attach_metrics(out, n, queued, model, target_s, pat):
    load = out["load_erlangs"].to_numpy()
    aht = out["aht_s"].to_numpy(dtype=float)
    cols = {k: np.full(len(out), np.nan) for k in (
        "service_level", "p_answer_within_target", "asa_s", "p_wait", "p_abandon",
        "occupancy", "mean_wait_s")}
    if queued.any():
        m = _metrics(model, n[queued], load[queued], np.where(np.isfinite(aht), aht, 1.0)[queued],
                     target_s, pat)
        for k in cols:
            cols[k][queued] = getattr(m, k)
    work = ~queued
    if work.any():
        with np.errstate(invalid="ignore", divide="ignore"):
            cols["occupancy"][work] = np.where(n[work] > 0, load[work] / n[work], 0.0)
    for k, v in cols.items():
        out[k] = v


def service_for_agents(
    intervals: pd.DataFrame,
    agents=None,
    *,
    target_s: float = 20.0,
    model: str = "erlang-c",
    patience_s: float | None = None,
) -> pd.DataFrame:
    """Service achieved by a given number of agents per interval.

    The inverse of :func:`required_agents`: ``agents`` (array-like, or the
    table's ``agents`` column when None; fractional allowed) are agents on the
    phones. Returns the table plus ``load_erlangs``, ``agents``,
    ``service_level``, ``p_answer_within_target``, ``asa_s``, ``p_wait``,
    ``p_abandon``, ``occupancy`` and ``mean_wait_s`` (see :class:`QueueMetrics`).
    Workload channels get only ``occupancy`` (workload / agent time).
    """
    pat = _check_model(model, patience_s)
    out, queued = _prepare(intervals)
    if agents is None:
        if "agents" not in out.columns:
            raise ArgumentError("agents", "missing", "agents, or an 'agents' column in the table")
        n = out["agents"].to_numpy(dtype=float)
    else:
        n = np.broadcast_to(np.asarray(agents, dtype=float), (len(out),)).copy()
    if np.any(~np.isfinite(n)) or np.any(n < 0):
        raise ArgumentError("agents", "not finite, or negative", "finite numbers >= 0")
    if not _is_real(target_s) or not 0 <= target_s < np.inf:
        raise ArgumentError("target_s", f"{target_s!r} is out of range", "a finite number of seconds >= 0")
    out["agents"] = n
    _attach_metrics(out, n, queued, model, target_s, pat)
    return out


def offered_weighted_mean(table: pd.DataFrame, column: str) -> float | None:
    """The offered-weighted mean of ``column`` over intervals with contacts.

    ``sum(offered x value) / sum(offered)`` over the rows with ``offered > 0``
    and a finite value (an infinite ASA of an unstable interval, or a figure
    the model does not give, is left out): for ``service_level`` this is the
    share of all contacts answered within the target, for ``p_abandon`` the
    share abandoned, for ``asa_s`` the mean wait per contact. None when no
    row qualifies.
    """
    if column not in table:
        return None
    w = table["offered"].to_numpy(float)
    v = table[column].to_numpy(float)
    ok = (w > 0) & np.isfinite(v)
    if not ok.any():
        return None
    return float(np.average(v[ok], weights=w[ok]))


def daily_staffing(staffing: pd.DataFrame) -> pd.DataFrame:
    """Per queue and local day: offered, agent-hours and offered-weighted service.

    ``required_agent_hours = sum(required_agents * interval_min) / 60``; the
    day's service level is the offered-weighted mean of the interval figures
    (the share of the day's calls answered within target).
    """
    s = staffing.assign(
        date=staffing["interval_start"].dt.date,
        hours=staffing["interval_min"] / 60.0,
        weighted_sl=staffing["service_level"].fillna(1.0) * staffing["offered"],
    )
    s["required_agent_hours"] = s["required_agents"] * s["hours"]
    s["scheduled_agent_hours"] = s["scheduled_agents"] * s["hours"]
    g = s.groupby(["queue", "date"], sort=True)
    out = g.agg(
        offered=("offered", "sum"),
        required_agent_hours=("required_agent_hours", "sum"),
        scheduled_agent_hours=("scheduled_agent_hours", "sum"),
        peak_scheduled_agents=("scheduled_agents", "max"),
        weighted_sl=("weighted_sl", "sum"),
    ).reset_index()
    with np.errstate(invalid="ignore", divide="ignore"):
        out["service_level"] = np.where(out["offered"] > 0, out["weighted_sl"] / out["offered"], 1.0)
    return out.drop(columns="weighted_sl")
