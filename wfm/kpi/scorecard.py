"""Monthly agent scorecard: weighted KPI scores, grade A-E, bonus (DOMAIN.md section 5).

Scoring methods named by the source documents, each a :class:`Rule`:

* ``bands`` (tiered, 阶梯): the score of the first band the value reaches,
  bands given as ``(threshold, score)``; ``higher_is_better`` compares
  ``value >= threshold`` (``>`` with ``strict``), otherwise ``value <=
  threshold`` (``<`` with ``strict``); no band reached -> 0.
* ``target``: ``min(cap, value / target) x 100`` (higher is better) or
  ``min(cap, target / value) x 100`` (lower is better), e.g. the traffic
  score ``(calls handled - complaint contacts) / monthly target``.
* ``deduction`` (扣分): ``points`` maps count columns to points per count
  (e.g. -1 per late arrival of 15 min, -2 for 30 min, -5 per unexcused
  absence). With a ``weight`` the item scores ``max(0, base - points)``;
  with weight 0 the points come straight off the total score (the source's
  use: "无故迟到 ... 扣除1分").
* ``veto`` (一票否决, pass/fail): ``pass_if`` such as ``(">=", 0.95)``; a
  failed veto sets the grade to ``veto_grade`` (E) and the bonus to 0; the
  score is still shown.
* ``rating`` (qualitative): ``ratings`` maps labels (A/B/C, 优/良/中/差) to
  scores; numbers in the column are taken as scores.

Total score (percent) = sum(weight x item score) / sum(weights) - direct
deductions, floored at 0. Item scores are on a 0-100 scale. A missing value
(NaN, e.g. adherence of an agent with no schedule) scores 0 and is listed in
``missing``.

Grades (source: 95 %(含)以上 A, 90 %(含)-94 % B, 80 %(含)-89 % C, 71 %(含)-79 % D,
70 %以下 E): the source leaves (70 %, 71 %) unassigned. **The product closes
the gap with lower bounds: A >= 95, B >= 90, C >= 80, D >= 70, E < 70**, so
70.0 to 70.99 is D (DOMAIN.md's table writes E as "< 70 %"). Note that in
Chinese legal usage "以下" includes the number (70 % would be E); a centre
that reads it so sets ``D`` to 70.01 in its scheme. The grade is taken from
the score *rounded half-up to 2 decimals* (the number printed on the
scorecard), so a printed 95.00 is always an A.

Bonus = bonus base (500 CNY by default, configurable) x the grade's share
(A 100 %, B 60 %, C 40 %, D 20 %, E 0: the source's 500/300/200/100/0);
no bonus for a partial month (``full_month`` false) or a failed veto.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd

from wfm.errors import InputError, Problem

__all__ = [
    "METHODS",
    "COMPARISONS",
    "Rule",
    "Scheme",
    "default_scheme",
    "load_scheme",
    "scheme_from_dict",
    "rule_score",
    "grade_for",
    "score_agents",
    "scorecard_kpis",
    "with_full_month",
    "read_kpi_table",
    "read_bonuses",
    "sales_commission",
    "traffic_score",
    "split_bonus_pool",
]

METHODS = ("bands", "target", "deduction", "veto", "rating")
# The comparisons a veto's ``pass_if`` may use.
_OPS = {">=": lambda v, t: v >= t, ">": lambda v, t: v > t, "<=": lambda v, t: v <= t,
        "<": lambda v, t: v < t, "==": lambda v, t: v == t}
COMPARISONS = tuple(_OPS)


@dataclass(frozen=True)
class Rule:
    """One scorecard item (see the module docstring for the methods)."""

    name: str
    method: str
    weight: float = 0.0
    column: str | None = None
    bands: tuple[tuple[float, float], ...] = ()
    higher_is_better: bool = True
    strict: bool = False
    target: float | None = None
    cap: float = 1.0
    points: Mapping[str, float] = field(default_factory=dict)
    base: float = 100.0
    pass_if: tuple[str, float] | None = None
    ratings: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Scheme:
    """A scorecard scheme: rules, grade lower bounds (percent), bonus shares."""

    rules: tuple[Rule, ...]
    grades: tuple[tuple[str, float], ...] = (("A", 95.0), ("B", 90.0), ("C", 80.0), ("D", 70.0),
                                             ("E", 0.0))
    bonus_share: Mapping[str, float] = field(
        default_factory=lambda: {"A": 1.0, "B": 0.6, "C": 0.4, "D": 0.2, "E": 0.0})
    bonus_base: float = 500.0
    veto_grade: str = "E"


def default_scheme(bonus_base: float = 500.0) -> Scheme:
    """A scheme on the KPIs the planner measures, with the domain targets as the
    top band (DOMAIN.md section 2) and the source's attendance deductions.

    ===========================  ======  ==========================================
    item                         weight  scoring
    ===========================  ======  ==========================================
    adherence                    40 %    >= 99 %: 100, >= 97 %: 90, >= 95 %: 80,
                                         >= 90 %: 60, else 0
    utilisation                  30 %    >= 70 %: 100, >= 65 %: 85, >= 60 %: 70,
                                         else 0
    not_ready_break_ratio        30 %    < 6 %: 100, < 8 %: 80, < 10 %: 60, else 0
    discipline (deduction)       -       -1 per late_15, -2 per late_30, -5 per
                                         unexcused absence, off the total
    ===========================  ======  ==========================================

    The lower bands are the product's example, not the source's.
    """
    return Scheme(rules=(
        Rule("adherence", "bands", 0.4, "adherence",
             bands=((0.99, 100), (0.97, 90), (0.95, 80), (0.90, 60))),
        Rule("utilisation", "bands", 0.3, "utilisation", bands=((0.70, 100), (0.65, 85), (0.60, 70))),
        Rule("not_ready_break_ratio", "bands", 0.3, "not_ready_break_ratio",
             bands=((0.06, 100), (0.08, 80), (0.10, 60)), higher_is_better=False, strict=True),
        Rule("discipline", "deduction", 0.0, points={"late_15": 1, "late_30": 2, "absence": 5}),
    ), bonus_base=bonus_base)


def rule_score(rule: Rule, frame: pd.DataFrame) -> np.ndarray:
    """Item score (0-100, or deduction points for a weight-0 deduction; 1/0 pass
    flags for a veto) for every row of ``frame``; NaN where the value is missing."""
    n = len(frame)
    if rule.method == "deduction":
        pts = np.zeros(n)
        for col, p in rule.points.items():
            pts = pts + frame[col].fillna(0).to_numpy(float) * float(p) if col in frame else pts
        return pts if rule.weight == 0 else np.maximum(0.0, rule.base - pts)
    v = frame[rule.column]
    if rule.method == "rating":
        num = pd.to_numeric(v, errors="coerce").to_numpy(float)
        lab = v.astype("str").str.strip().map(lambda s: rule.ratings.get(s, np.nan)).to_numpy(float)
        return np.where(np.isfinite(num), num, lab)
    x = pd.to_numeric(v, errors="coerce").to_numpy(float)
    out = np.full(n, np.nan)
    ok = np.isfinite(x)
    if rule.method == "veto":
        op, t = rule.pass_if
        out[ok] = _OPS[op](x[ok], t).astype(float)
        return out
    if rule.method == "target":
        with np.errstate(divide="ignore", invalid="ignore"):
            r = x / rule.target if rule.higher_is_better else np.where(x > 0, rule.target / x, rule.cap)
        out[ok] = np.minimum(rule.cap, np.maximum(r[ok], 0.0)) * 100.0
        return out
    # bands: best band first
    op = (">" if rule.strict else ">=") if rule.higher_is_better else ("<" if rule.strict else "<=")
    bands = sorted(rule.bands, key=lambda b: b[0], reverse=rule.higher_is_better)
    res = np.zeros(n)
    done = np.zeros(n, dtype=bool)
    for t, s in bands:
        hit = ~done & ok & _OPS[op](np.where(ok, x, 0), t)
        res[hit] = s
        done |= hit
    out[ok] = res[ok]
    return out


def _round2(x: float) -> float:
    return float(Decimal(repr(float(x))).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def grade_for(score_pct: float, scheme: Scheme | None = None) -> str:
    """Grade of a percent score (rounded half-up to 2 decimals first)."""
    scheme = scheme or default_scheme()
    s = _round2(score_pct)
    for g, lo in scheme.grades:
        if s >= lo:
            return g
    return scheme.grades[-1][0]


def score_agents(kpis: pd.DataFrame, scheme: Scheme | None = None, *, id_column: str = "agent_id") -> pd.DataFrame:
    """Score every row of ``kpis`` (one per agent) with ``scheme``.

    ``kpis`` holds ``id_column``, the columns the rules name and optionally
    ``full_month`` (bool, default true). Returns ``id_column``, one
    ``score_<rule>`` column per rule, ``deductions`` (points off the total),
    ``score`` (percent, rounded half-up to 2 decimals), ``grade``,
    ``vetoed``, ``bonus`` (CNY) and ``missing`` (rules without a value).
    """
    scheme = scheme or default_scheme()
    missing_cols = sorted({c for r in scheme.rules for c in ([r.column] if r.column else [])
                           if c not in kpis.columns})
    if missing_cols:
        raise InputError([Problem("<kpis>", None, c, "column needed by the scorecard scheme is missing",
                                  "a column per rule") for c in missing_cols])
    n = len(kpis)
    out = pd.DataFrame({id_column: kpis[id_column].to_numpy()})
    weighted = np.zeros(n)
    wsum = 0.0
    deduct = np.zeros(n)
    vetoed = np.zeros(n, dtype=bool)
    missing = [[] for _ in range(n)]
    for r in scheme.rules:
        s = rule_score(r, kpis)
        nan = ~np.isfinite(s)
        for i in np.flatnonzero(nan):
            missing[i].append(r.name)
        if r.method == "veto":
            out[f"pass_{r.name}"] = np.where(nan, False, s == 1.0)
            vetoed |= nan | (s != 1.0)
            continue
        if r.method == "deduction" and r.weight == 0:
            out[f"deduct_{r.name}"] = s
            deduct += np.nan_to_num(s)
            continue
        out[f"score_{r.name}"] = s
        weighted += r.weight * np.nan_to_num(s)
        wsum += r.weight
    total = (weighted / wsum if wsum > 0 else np.zeros(n)) - deduct
    total = np.maximum(total, 0.0)
    out["deductions"] = deduct
    out["score"] = [_round2(x) for x in total]
    grades = [grade_for(x, scheme) for x in out["score"]]
    out["grade"] = np.where(vetoed, scheme.veto_grade, grades)
    out["vetoed"] = vetoed
    full = kpis["full_month"].fillna(True).to_numpy(bool) if "full_month" in kpis else np.ones(n, bool)
    base = Decimal(repr(float(scheme.bonus_base)))
    bonus = [float((base * Decimal(repr(float(scheme.bonus_share.get(g, 0.0))))).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP)) if (f and not v) else 0.0
        for g, f, v in zip(out["grade"], full, vetoed, strict=True)]
    out["bonus"] = bonus
    out["missing"] = [",".join(m) for m in missing]
    return out


ATTENDANCE_COUNTS = ("late_15", "late_30", "absence")


def scorecard_kpis(per_agent: pd.DataFrame, attendance: pd.DataFrame) -> pd.DataFrame:
    """Per-agent KPIs with the attendance counts the default scheme deducts for.

    ``per_agent``: one row per agent, ``agent_id`` and the measured KPIs
    (:func:`wfm.kpi.wfm_kpis.agent_kpis`); ``attendance``: one row per shift
    with ``agent_id`` and the ``late_15``, ``late_30`` and ``absence`` counts
    (:func:`wfm.kpi.wfm_kpis.attendance_events`). Returns ``per_agent`` plus the
    three counts summed per agent, 0 for an agent without a counted shift.
    """
    counts = attendance.groupby("agent_id")[list(ATTENDANCE_COUNTS)].sum()
    return per_agent.set_index("agent_id").join(counts).fillna(
        dict.fromkeys(ATTENDANCE_COUNTS, 0)).reset_index()


def with_full_month(kpis: pd.DataFrame, agents: pd.DataFrame | None) -> pd.DataFrame:
    """``kpis`` with the agents table's ``full_month`` (false: a partial month, no
    bonus) joined on ``agent_id``, replacing any ``full_month`` already there;
    ``kpis`` itself when ``agents`` is None or has no ``full_month`` column."""
    if agents is None or "full_month" not in agents:
        return kpis
    return kpis.drop(columns=[c for c in ("full_month",) if c in kpis]).merge(
        agents[["agent_id", "full_month"]], on="agent_id", how="left")


def read_kpi_table(path) -> pd.DataFrame:
    """A per-agent KPI table to score (CSV, Excel or Parquet).

    Column names are stripped of blanks; ``agent_id`` is required. Every other
    column except ``full_month`` becomes numeric when each of its non-blank
    values reads as a number, so rating labels (A/B/C, 优/良) stay text.
    """
    from wfm.kpi.inputs import read_table

    table = read_table(path)
    table.columns = [str(c).strip() for c in table.columns]
    if "agent_id" not in table:
        raise InputError(Problem(str(path), None, "agent_id", "missing required column",
                                 "an agent_id column"))
    for c in table.columns:
        if c not in ("agent_id", "full_month"):
            num = pd.to_numeric(table[c], errors="coerce")
            if num.notna().sum() >= table[c].replace("", None).notna().sum():
                table[c] = num
    return table


def read_bonuses(path) -> dict[str, float]:
    """``agent_id -> bonus`` (CNY) from a scorecard output (:func:`score_agents`
    written to CSV, Excel or Parquet); a bonus that is not a number counts 0."""
    from wfm.kpi.inputs import read_table

    b = read_table(path)
    if "agent_id" not in b or "bonus" not in b:
        raise InputError(Problem(str(path), None, "bonus", "needs agent_id and bonus columns",
                                 "a scorecard output"))
    return dict(zip(b["agent_id"].astype(str), pd.to_numeric(b["bonus"], errors="coerce").fillna(0),
                    strict=True))


def sales_commission(pool, score, share="0.70") -> Decimal:
    """Sales commission = commission pool x 70 % x score (DOMAIN.md section 5),
    half-up to the cent: ``sales_commission(3000, "0.98") == Decimal("2058.00")``."""
    d = Decimal(str(pool)) * Decimal(str(share)) * Decimal(str(score))
    return d.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def traffic_score(handled, complaint_contacts, monthly_target) -> float:
    """Traffic score = (calls handled - complaint contacts) / monthly unit target
    (DOMAIN.md section 3; source: 话务量指标 = (呼出(呼入)个数 - 处理客户投诉个数) /
    单位话务指标)."""
    if monthly_target <= 0:
        raise ValueError("monthly_target must be positive")
    return (handled - complaint_contacts) / monthly_target


def split_bonus_pool(amount, ratios=(5, 2, 3)) -> tuple[Decimal, ...]:
    """Split a bonus pool monthly : quarterly : yearly = 5 : 2 : 3 to the cent;
    the parts add up exactly (remaining cents go to the largest remainders)."""
    cents = int((Decimal(str(amount)) * 100).to_integral_value(rounding=ROUND_HALF_UP))
    tot = sum(ratios)
    raw = [Decimal(cents) * r / tot for r in ratios]
    base = [int(x) for x in raw]
    left = cents - sum(base)
    order = sorted(range(len(raw)), key=lambda i: (raw[i] - base[i]), reverse=True)
    for i in order[:left]:
        base[i] += 1
    return tuple(Decimal(b) / 100 for b in base)


# --------------------------------------------------------------------------
# schemes from TOML
# --------------------------------------------------------------------------


def load_scheme(path) -> Scheme:
    """Read a scheme from TOML::

        bonus_base = 500
        [grades]           # lower bounds, percent
        A = 95
        B = 90
        C = 80
        D = 70
        E = 0
        [bonus_share]
        A = 1.0
        B = 0.6
        C = 0.4
        D = 0.2
        E = 0.0
        [[rule]]
        name = "adherence"
        method = "bands"
        column = "adherence"
        weight = 0.5
        bands = [[0.99, 100], [0.95, 80]]
        [[rule]]
        name = "fatal errors"
        method = "veto"
        column = "fatal_accuracy"
        pass_if = [">=", 0.95]

    Problems are raised as one InputError naming the TOML keys.
    """
    from wfm.config import read_toml

    return scheme_from_dict(read_toml(path, "scheme file"), source=str(path))


def scheme_from_dict(data: Mapping, source: str = "<scheme>") -> Scheme:
    """Build and check a :class:`Scheme` from a dict (the parsed TOML).

    Every problem is reported at once, as ``source: dotted.key: problem
    (expected ...)``; the schema is :mod:`wfm.kpi.scheme_schema`.
    """
    # pydantic's side of wfm: imported only when a scheme is read
    from wfm.config import validate_config
    from wfm.kpi.scheme_schema import SchemeFile

    return validate_config(SchemeFile, data, source).to_scheme()
