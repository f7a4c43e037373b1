"""Pay hours and pay per agent and month (DOMAIN.md section 4).

Rates (source: ``../shared/seeds/000_*.txt`` and ``001_*.txt``, 加班工资核算方法):

================  ===============  ========================================
contract          daily rate       hourly rate (overtime = x 1.5)
================  ===============  ========================================
5-on-2 (做五休二)  base / 21.75     base / 21.75 / 8
1-on-1 (做一休一)  base / 15.5      base / 15.5 / 12
================  ===============  ========================================

* **Overtime** (加班): ``hours x hourly rate x 1.5``. Overtime hours are the
  hours worked outside the rostered shifts (before, after, or on a day
  without a shift), *meal time excluded*, on days that are not statutory
  holidays; plus, where the roster itself schedules a shift longer than the
  contract's shift (8 or 12 h), the excess. With a state log, "worked" is
  logged in (any state but logged_out) and meal is the ``meal`` state;
  without one, the roster is taken as worked and its meals as meal time.
  ``overtime_grace_min`` (default 0) ignores an agent's unscheduled time on
  a day when it totals no more than that (a few minutes of logging out late).
* **Statutory holidays** (法定节假日): every hour worked on a statutory
  holiday (local calendar date), meal excluded, is paid
  ``3 x the hourly rate`` (= 3 x the daily rate for a full contract shift of
  worked time), with no day off in lieu and not also as overtime. The
  monthly base already pays the holiday as a paid day (21.75 = (365 - 104)
  / 12 paid days include them), so the holiday pay is added to it. A full
  8-hour shift with a 1-hour meal on a holiday earns 7 x 3 x hourly rate:
  the source says meal time "must be removed" (必须除去人员的用餐时长).
  Statutory days come from the ``holidays`` package (China, ``observed=False``),
  without the "Day off (substituted ...)" bridge days: those are moved
  weekends, not statutory holidays (2025: 13 days).
* **Leave** (请假): personal leave deducts the day's pay (daily rate x
  days); sick leave with a certificate deducts 40 % of it; annual leave
  deducts nothing; unexcused absence (旷工: the source says personal leave
  without the paperwork counts as absence) deducts the day's pay, like
  personal leave (product choice; configurable). With a state log, a
  rostered shift without any logged-in time and without a leave record is
  an unexcused absence.
* **Monthly pay** = base (2 800) + post allowance (1/2/3 stars: 400 / 600 /
  900) + performance bonus + subsidy (300 basic; 1/2/3 stars: 500 / 700 /
  900) + overtime pay + holiday pay - leave deductions.

Money: computed in :class:`decimal.Decimal` from exact inputs (hours from
millisecond timestamps) and rounded **half-up to the cent once per pay
line** (overtime, holiday, deduction, ... of one agent and month); the gross
is the sum of the rounded lines, so a payslip adds up. Worked case
(DOMAIN.md): base 2 800, 5-on-2, 3 h overtime -> 2800 / 21.75 / 8 x 3 x 1.5 =
72.4137... -> **72.41**.

Pay is settled on the last day of the month and paid on the 15th of the next
month, moved to the nearest working day when that is a holiday or rest day
(:func:`pay_date`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

import numpy as np
import pandas as pd

from wfm.errors import InputError, argument_problem
from wfm.kpi.terms import BASE_PAY_CNY, CONTRACTS, ContractTerms, contract_terms
from wfm.roster.table import as_roster

__all__ = [
    "CENT",
    "POST_ALLOWANCE",
    "SUBSIDY",
    "LEAVE_DEDUCTION_SHARE",
    "round_cents",
    "daily_rate",
    "hourly_rate",
    "overtime_pay",
    "holiday_pay",
    "leave_deduction",
    "statutory_holidays",
    "is_statutory_holiday",
    "pay_date",
    "pay_hours",
    "payroll",
    "contract_terms_from_catalog",
    "roster_cost",
    "cost_by_contract",
    "full_months",
    "month_base_pay",
    "pay_days",
    "PAY_DAY_COLUMNS",
    "ROSTER_COST_COLUMNS",
]

CENT = Decimal("0.01")
#: Post allowance by star level (DOMAIN.md section 4).
POST_ALLOWANCE = {0: Decimal(0), 1: Decimal(400), 2: Decimal(600), 3: Decimal(900)}
#: Subsidy by star level (0 = basic staff).
SUBSIDY = {0: Decimal(300), 1: Decimal(500), 2: Decimal(700), 3: Decimal(900)}
#: Share of the day's pay deducted per leave type.
LEAVE_DEDUCTION_SHARE = {"personal": Decimal(1), "sick": Decimal("0.4"), "annual": Decimal(0),
                         "unexcused": Decimal(1)}


def _terms(contract: str | ContractTerms, contracts: Mapping[str, ContractTerms] | None = None) -> ContractTerms:
    if isinstance(contract, ContractTerms):
        return contract
    table = {**CONTRACTS, **(contracts or {})}
    try:
        return table[contract]
    except KeyError:
        raise ValueError(f"unknown contract {contract!r} (known: {', '.join(table)})") from None


def _dec(x) -> Decimal:
    return x if isinstance(x, Decimal) else Decimal(str(x))


def round_cents(amount) -> Decimal:
    """Round half-up to the cent (0.005 -> 0.01)."""
    return _dec(amount).quantize(CENT, rounding=ROUND_HALF_UP)


def daily_rate(base, contract) -> Decimal:
    """Daily rate ``base / paid days a month`` (exact, not rounded)."""
    t = _terms(contract)
    return _dec(base) / t.paid_days_per_month


def hourly_rate(base, contract) -> Decimal:
    """Hourly rate ``base / paid days a month / shift hours`` (not rounded; one
    Decimal division by the exact product, e.g. 2800 / 174 for 5-on-2)."""
    t = _terms(contract)
    return _dec(base) / (t.paid_days_per_month * t.shift_hours)


def overtime_pay(hours, base=BASE_PAY_CNY, contract="5-on-2", multiplier="1.5") -> Decimal:
    """Overtime pay ``hourly rate x hours x 1.5``, rounded half-up to the cent.

    >>> overtime_pay(3, 2800, "5-on-2")
    Decimal('72.41')
    """
    return round_cents(hourly_rate(base, contract) * _dec(hours) * _dec(multiplier))


def holiday_pay(hours, base=BASE_PAY_CNY, contract="5-on-2", multiplier="3") -> Decimal:
    """Statutory-holiday pay ``hourly rate x hours x 3`` (hours without meal), to the cent."""
    return round_cents(hourly_rate(base, contract) * _dec(hours) * _dec(multiplier))


def leave_deduction(days_by_type: Mapping[str, object], base=BASE_PAY_CNY, contract="5-on-2",
                    shares: Mapping[str, Decimal] = LEAVE_DEDUCTION_SHARE) -> Decimal:
    """``sum(days x share x daily rate)`` over leave types, to the cent.

    >>> leave_deduction({"personal": 1, "sick": 1}, 2800, "5-on-2")  # 128.74 + 51.49
    Decimal('180.23')
    """
    d = daily_rate(base, contract)
    total = sum((_dec(days) * _dec(shares[k]) * d for k, days in days_by_type.items()), Decimal(0))
    return round_cents(total)


@lru_cache(maxsize=64)
def _cn_holidays(year: int) -> frozenset:
    import holidays

    h = holidays.country_holidays("CN", years=year, observed=False, language="en_US")
    return frozenset(d for d, name in h.items() if "substituted" not in name.lower()
                     and "day off" not in name.lower())


def statutory_holidays(years: int | Iterable[int]) -> set[dt.date]:
    """Chinese statutory holidays (法定节假日) of the given years.

    From the ``holidays`` package (``CN``, ``observed=False``), leaving out
    the bridge days off that are paid back by working a weekend
    ("Day off (substituted from ...)"): 2025 -> 13 days (New Year 1, Spring
    Festival 4, Qingming 1, Labour Day 2, Dragon Boat 1, National Day 3,
    Mid-Autumn 1).
    """
    years = [years] if isinstance(years, int) else list(years)
    out: set[dt.date] = set()
    for y in years:
        out |= _cn_holidays(int(y))
    return out


def is_statutory_holiday(dates) -> np.ndarray:
    """Vectorised: True where a date (datetime64 / Timestamp / date) is a statutory holiday."""
    d = pd.DatetimeIndex(pd.to_datetime(pd.Series(dates)))
    if len(d) == 0:
        return np.zeros(0, dtype=bool)
    years = sorted(set(d.year.dropna().astype(int)))
    hol = statutory_holidays(years)
    if not hol:
        return np.zeros(len(d), dtype=bool)
    return d.normalize().isin(pd.DatetimeIndex(sorted(hol)))


def pay_date(year: int, month: int) -> dt.date:
    """When the pay for ``year-month`` is paid (DOMAIN.md section 4).

    The 15th of the following month; when that is not a working day in
    China (weekend or holiday, with the make-up working weekends of the
    ``holidays`` calendar counted as working days), the nearest working
    day, the earlier one on a tie ("提早或推后至最近的工作日").
    """
    import holidays

    y, m = (year + 1, 1) if month == 12 else (year, month + 1)
    target = dt.date(y, m, 15)
    cal = holidays.country_holidays("CN", years=[y - 1, y, y + 1])
    for k in range(0, 31):
        for cand in (target - dt.timedelta(days=k), target + dt.timedelta(days=k)):
            if cal.is_working_day(cand):
                return cand
    return target  # pragma: no cover - a month without working days does not exist


# --------------------------------------------------------------------------
# hours
# --------------------------------------------------------------------------


def pay_hours(roster, timeline: pd.DataFrame | None = None, leave: pd.DataFrame | None = None,
              *, overtime_grace_min: float = 0.0, holiday_dates: Iterable | None = None,
              contracts: Mapping[str, ContractTerms] | None = None, by: str = "month") -> pd.DataFrame:
    """Pay hours per agent and month, or per agent and day with ``by="day"``
    (see the module docstring for the rules).

    Parameters
    ----------
    roster: a :class:`wfm.roster.table.Roster` (or a roster table).
    timeline: :func:`wfm.kpi.timeline.build_timeline` of the state log and
        this roster, or None to pay the roster as worked.
    leave: :func:`wfm.kpi.inputs.validate_leave` output, or None.
    holiday_dates: statutory holidays to use instead of the ``holidays``
        calendar (dates).

    Returns
    -------
    One row per agent and month (``month`` "YYYY-MM"; with ``by="day"``,
    ``date`` "YYYY-MM-DD"), by the shift's date for shift time and the local
    date otherwise: ``agent_id``, ``month``,
    ``contract``, ``shifts``, ``scheduled_h``, ``worked_h`` (in shifts),
    ``meal_h``, ``overtime_h``, ``holiday_h``, ``holiday_days``,
    ``personal_days``, ``sick_days``, ``annual_days``, ``unexcused_days``
    (leave records plus, with a state log, rostered shifts with no log-in).
    Hours are floats (exact to the millisecond).
    """
    from wfm.kpi.timeline import build_timeline

    if by not in ("month", "day"):
        raise InputError(argument_problem("by", f"{by!r} is not a period", "month or day"))
    unit, fmt = ("M", "%Y-%m") if by == "month" else ("D", "%Y-%m-%d")
    roster = as_roster(roster)
    shifts = roster.shifts
    log_mode = timeline is not None
    tl = timeline if log_mode else build_timeline(None, roster)
    ms = np.round(tl["seconds"].to_numpy(float) * 1000).astype(np.int64)
    on = tl["shift_id"].to_numpy() >= 0
    if log_mode:
        st = tl["state"].cat.codes.to_numpy()
        cats = list(tl["state"].cat.categories)
        worked = st != cats.index("logged_out")
        meal = st == cats.index("meal")
    else:
        act = tl["activity"].cat.codes.to_numpy()
        worked = on
        meal = act == list(tl["activity"].cat.categories).index("meal")
    day = tl["date"].to_numpy().astype("datetime64[D]")
    if holiday_dates is not None:
        hol = np.array(sorted(pd.to_datetime(list(holiday_dates)).normalize()), dtype="datetime64[D]")
    else:
        years = range(int(str(day.min())[:4]), int(str(day.max())[:4]) + 1) if len(day) else []
        hol = np.array(sorted(statutory_holidays(years)), dtype="datetime64[D]")
    is_hol = np.isin(day, hol)
    agents = np.asarray(tl["agent_id"].cat.categories, dtype=object)
    a_code = tl["agent_id"].cat.codes.to_numpy().astype(np.int64)
    mon = tl["work_date"].to_numpy().astype(f"datetime64[{unit}]").astype(np.int64)
    m0 = int(mon.min()) if len(mon) else 0
    n_m = int(mon.max()) - m0 + 1 if len(mon) else 1
    key = a_code * n_m + (mon - m0)
    n_k = len(agents) * n_m
    net = worked & ~meal
    ot = np.where(net & ~on & ~is_hol, ms, 0)
    if overtime_grace_min > 0 and len(day):
        d_i = (day - day.min()).astype(np.int64)
        n_d = int(d_i.max()) + 1
        dkey = a_code * n_d + d_i
        per_day = np.bincount(dkey, weights=ot, minlength=len(agents) * n_d)
        ot = np.where(per_day[dkey] <= overtime_grace_min * 60_000, 0, ot)

    def total(x):
        return np.bincount(key, weights=x, minlength=n_k).round().astype(np.int64)

    sums = {
        "worked_ms": total(np.where(worked & on, ms, 0)),
        "meal_ms": total(np.where(meal, ms, 0)),
        "holiday_ms": total(np.where(net & is_hol, ms, 0)),
        "ot_ms": total(ot),
    }
    hd = net & is_hol
    hol_pairs = np.unique(np.stack([key[hd], day[hd].astype(np.int64)]), axis=1) if hd.any() else \
        np.zeros((2, 0), dtype=np.int64)
    sums["holiday_days"] = np.bincount(hol_pairs[0], minlength=n_k)
    present = np.bincount(key, minlength=n_k) > 0
    kk = np.flatnonzero(present)
    months = (np.arange(n_m) + m0).astype(f"datetime64[{unit}]").astype(str)
    g = pd.DataFrame({"agent_id": agents[kk // n_m].astype(str), "month": months[kk % n_m],
                      **{k: v[kk] for k, v in sums.items()}})

    # roster: shifts, scheduled hours, excess over the contract's shift
    r = shifts.assign(month=pd.DatetimeIndex(shifts["date"]).strftime(fmt))
    length_ms = (pd.DatetimeIndex(r["shift_end"]).as_unit("ns").asi8
                 - pd.DatetimeIndex(r["shift_start"]).as_unit("ns").asi8) // 1_000_000
    std_ms = np.array([int(_terms(c, contracts).shift_hours * 3_600_000) for c in r["contract"]],
                      dtype=np.int64) if len(r) else np.zeros(0, dtype=np.int64)
    start_hol = is_statutory_holiday(r["date"].to_numpy()) if holiday_dates is None else \
        pd.DatetimeIndex(r["date"]).isin(pd.DatetimeIndex(pd.to_datetime(list(holiday_dates))))
    r = r.assign(scheduled_ms=length_ms, excess_ms=np.where(start_hol, 0, np.maximum(length_ms - std_ms, 0)))
    rg = r.groupby(["agent_id", "month"], sort=True).agg(
        contract=("contract", "first"), shifts=("contract", "size"),
        scheduled_ms=("scheduled_ms", "sum"), excess_ms=("excess_ms", "sum")).reset_index()
    out = rg.merge(g, on=["agent_id", "month"], how="outer")

    # leave and unrecorded absences
    lv = []
    if leave is not None and len(leave):
        lv.append(pd.DataFrame({"agent_id": leave["agent_id"].astype("str"),
                                "month": pd.DatetimeIndex(leave["date"]).strftime(fmt),
                                "date": leave["date"].to_numpy(), "leave_type": leave["leave_type"],
                                "days": leave["days"].to_numpy(float)}))
    if log_mode and len(roster):
        sid = tl["shift_id"].to_numpy()
        logged = np.zeros(len(shifts), dtype=bool)
        logged[np.unique(sid[(sid >= 0) & worked])] = True
        absent = ~logged
        if absent.any():
            ab = pd.DataFrame({"agent_id": shifts["agent_id"].astype("str").to_numpy()[absent],
                               "month": pd.DatetimeIndex(shifts["date"]).strftime(fmt).to_numpy()[absent],
                               "date": shifts["date"].to_numpy()[absent], "leave_type": "unexcused",
                               "days": 1.0})
            if lv:
                known = pd.MultiIndex.from_frame(lv[0][["agent_id", "date"]])
                ab = ab[~pd.MultiIndex.from_frame(ab[["agent_id", "date"]]).isin(known)]
            lv.append(ab)
    if lv:
        L = pd.concat(lv, ignore_index=True)
        piv = L.pivot_table(index=["agent_id", "month"], columns="leave_type", values="days",
                            aggfunc="sum", fill_value=0.0).reset_index()
        out = out.merge(piv, on=["agent_id", "month"], how="outer")
    for t in ("personal", "sick", "annual", "unexcused"):
        out[f"{t}_days"] = out[t].fillna(0.0).astype(float) if t in out else 0.0
    # agents with time but no shift that month take their contract from other months
    contract_of = shifts.drop_duplicates("agent_id").set_index("agent_id")["contract"]
    out["contract"] = out["contract"].fillna(out["agent_id"].map(contract_of))
    for c in ("shifts", "scheduled_ms", "excess_ms", "worked_ms", "meal_ms", "holiday_ms", "ot_ms",
              "holiday_days"):
        out[c] = out[c].fillna(0).astype(np.int64)
    H = 3_600_000.0
    res = pd.DataFrame({
        "agent_id": out["agent_id"].astype("str"), "month": out["month"].astype("str"),
        "contract": out["contract"].fillna("").astype("str"), "shifts": out["shifts"],
        "scheduled_h": out["scheduled_ms"] / H, "worked_h": out["worked_ms"] / H,
        "meal_h": out["meal_ms"] / H, "overtime_h": (out["ot_ms"] + out["excess_ms"]) / H,
        "holiday_h": out["holiday_ms"] / H, "holiday_days": out["holiday_days"],
        "personal_days": out["personal_days"], "sick_days": out["sick_days"],
        "annual_days": out["annual_days"], "unexcused_days": out["unexcused_days"],
    })
    res = res.sort_values(["agent_id", "month"], kind="stable").reset_index(drop=True)
    return res if by == "month" else res.rename(columns={"month": "date"})


def full_months(period) -> set[str]:
    """The months ("YYYY-MM") lying wholly inside ``period`` = (first day,
    last day), both included; None -> every month counts as full."""
    first, last = (pd.Timestamp(x).date() for x in period)
    out = set()
    m = dt.date(first.year, first.month, 1)
    while m <= last:
        nxt = dt.date(m.year + (m.month == 12), m.month % 12 + 1, 1)
        if first <= m and nxt - dt.timedelta(days=1) <= last:
            out.add(f"{m:%Y-%m}")
        m = nxt
    return out


def month_base_pay(base, contract, shifts: int, full_month: bool) -> Decimal:
    """The base pay of one agent's month, to the cent: the monthly ``base``
    for a month the period covers wholly; for a part month, its worked days
    at the daily rate, ``shifts x base / paid days a month`` (the daily rate
    is what a part month is paid by)."""
    if full_month:
        return round_cents(base)
    return round_cents(daily_rate(base, contract) * int(shifts))


def payroll(hours: pd.DataFrame, agents: pd.DataFrame | None = None, *, base=BASE_PAY_CNY,
            bonus: Mapping[str, object] | pd.Series | None = None,
            contracts: Mapping[str, ContractTerms] | None = None,
            leave_shares: Mapping[str, Decimal] = LEAVE_DEDUCTION_SHARE, period=None) -> pd.DataFrame:
    """Money per agent and month from :func:`pay_hours`.

    ``period`` = (first day, last day) the roster covers: a month it covers
    only in part is paid by its worked days (:func:`month_base_pay`), with
    the post allowance and subsidy in proportion (shifts / paid days a
    month); None pays every month in full.

    ``agents`` (:func:`wfm.kpi.inputs.validate_agents`) may give each agent's
    ``base_pay`` and ``star`` (0 when absent); ``bonus`` maps agent_id to the
    month's performance bonus (e.g. the scorecard's ``bonus``). Adds
    ``base_pay``, ``daily_rate``, ``hourly_rate`` (rounded to the cent for
    display only; pay lines use the exact rates), ``overtime_pay``,
    ``holiday_pay``, ``leave_deduction``, ``post_allowance``, ``subsidy``,
    ``bonus``, ``gross_pay`` (CNY, floats holding cent-rounded values),
    ``roster_pay`` (base, overtime and holiday pay: the part the roster sets,
    equal to :func:`roster_cost`'s line), ``full_month``, ``pay_date`` and
    ``note`` (why a row is not paid: an agent with logged time but no
    contract in the roster or the agents table).
    """
    full = full_months(period) if period is not None else None
    info = agents.set_index("agent_id") if agents is not None and len(agents) else None
    bonus_map = dict(bonus) if bonus is not None else {}
    rows = []
    for r in hours.itertuples(index=False):
        b = _dec(base)
        star = 0
        contract = r.contract if isinstance(r.contract, str) else ""
        if info is not None and r.agent_id in info.index:
            a = info.loc[r.agent_id]
            if "base_pay" in info and pd.notna(a.get("base_pay")):
                b = _dec(a["base_pay"])
            if "star" in info and pd.notna(a.get("star")):
                star = int(a["star"])
            if (not contract or contract == "nan") and "contract" in info and a.get("contract"):
                contract = a["contract"]
        if not isinstance(contract, str) or contract in ("", "nan"):
            # an agent with logged time but no shift and no contract anywhere
            rows.append({"base_pay": float(round_cents(b)), "note": "no contract: not in the roster "
                         "or the agents table; not paid here"})
            continue
        terms = _terms(contract, contracts)
        ot_h = _exact_hours(r.overtime_h)
        hol_h = _exact_hours(r.holiday_h)
        ot = overtime_pay(ot_h, b, terms)
        hp = holiday_pay(hol_h, b, terms)
        ded = leave_deduction({"personal": r.personal_days, "sick": r.sick_days, "annual": r.annual_days,
                               "unexcused": r.unexcused_days}, b, terms, leave_shares)
        whole = full is None or r.month in full
        base_pay = month_base_pay(b, terms, r.shifts, whole)
        share = Decimal(1) if whole else Decimal(int(r.shifts)) / terms.paid_days_per_month
        post = round_cents(POST_ALLOWANCE[star] * share)
        sub = round_cents(SUBSIDY[star] * share)
        bon = round_cents(bonus_map.get(r.agent_id, 0) or 0)
        gross = base_pay + post + sub + bon + ot + hp - ded
        y, m = (int(x) for x in r.month.split("-"))
        rows.append({
            "base_pay": float(base_pay), "daily_rate": float(round_cents(daily_rate(b, terms))),
            "hourly_rate": float(round_cents(hourly_rate(b, terms))), "overtime_pay": float(ot),
            "holiday_pay": float(hp), "leave_deduction": float(ded), "post_allowance": float(post),
            "subsidy": float(sub), "bonus": float(bon), "gross_pay": float(round_cents(gross)),
            "roster_pay": float(base_pay + ot + hp), "full_month": bool(whole),
            "pay_date": pd.Timestamp(pay_date(y, m)), "note": "",
        })
    money = pd.DataFrame(rows, index=hours.index) if rows else pd.DataFrame(
        columns=["base_pay", "daily_rate", "hourly_rate", "overtime_pay", "holiday_pay",
                 "leave_deduction", "post_allowance", "subsidy", "bonus", "gross_pay", "roster_pay",
                 "full_month", "pay_date", "note"])
    return pd.concat([hours.reset_index(drop=True), money.reset_index(drop=True)], axis=1)


def _exact_hours(h: float) -> Decimal:
    """Float hours (from millisecond sums) back to the exact Decimal: the float
    error is far below a millisecond, so rounding to whole milliseconds
    recovers the exact value (1/3 h stays 1/3 h, not 0.33333333333333331)."""
    return Decimal(int(round(float(h) * 3_600_000))) / Decimal(3_600_000)


def contract_terms_from_catalog(catalog) -> dict[str, ContractTerms]:
    """Pay terms of a roster catalogue's contracts
    (:func:`wfm.kpi.terms.contract_terms`), keyed by both the contract key
    and its name."""
    out = {}
    for key, c in catalog.contracts.items():
        terms = contract_terms(c, catalog)
        out[key] = terms
        out[c.name] = terms
    return out


def _priced(roster, catalog):
    """The roster as a Roster, the catalogue (default: the bundled one) and its pay terms."""
    if catalog is None:
        from wfm.roster.catalog import default_catalog_path, load_catalog

        catalog = load_catalog(default_catalog_path())
    return as_roster(roster), catalog, contract_terms_from_catalog(catalog)


#: Columns of :func:`roster_cost`.
ROSTER_COST_COLUMNS = ("agent_id", "month", "contract", "shifts", "paid_hours", "full_month", "daily_rate",
                       "base_pay", "overtime_h", "overtime_pay", "holiday_h", "holiday_pay", "cost")


def roster_cost(roster, catalog=None, *, period=None, holiday_dates: Iterable | None = None) -> pd.DataFrame:
    """What a roster costs, per agent and month, by the one pay rule.

    Each line (one agent, one month, by the shift's date) pays the month's
    base (:func:`month_base_pay`: the monthly base for a month ``period``
    covers wholly, else ``shifts x daily rate``, ``base / paid days a
    month``: a part month is paid by its worked days, as the daily rate
    implies; ``period`` = (first day, last day), default the roster's first
    and last shift dates) plus the
    overtime pay of shifts longer than the contract's shift and the
    statutory-holiday pay of hours worked on a statutory holiday (meal
    excluded; :func:`pay_hours`, :func:`overtime_pay`, :func:`holiday_pay`),
    each pay line rounded half-up to the cent once, as a payslip is; the
    roster's cost is the sum of the lines. Allowances, subsidies and bonuses
    are not roster costs (:func:`payroll` adds them for a payslip).

    ``roster``: a :class:`wfm.roster.table.Roster` (or roster table);
    ``catalog``: the roster catalogue whose contracts (pay days, shift
    hours, base pay) price it (default: the bundled one).

    Returns :data:`ROSTER_COST_COLUMNS` (CNY; hours as floats).
    """
    roster, catalog, terms = _priced(roster, catalog)
    if roster.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in ROSTER_COST_COLUMNS})
    hours = pay_hours(roster, holiday_dates=holiday_dates, contracts=terms)
    sh = roster.shifts
    if period is None:
        period = (sh["date"].min(), sh["date"].max())
    full = full_months(period)
    paid = sh.assign(month=pd.DatetimeIndex(sh["date"]).strftime("%Y-%m")).groupby(
        ["agent_id", "month"], sort=True)["paid_hours"].sum()
    rows = []
    for r in hours.itertuples(index=False):
        t = _terms(r.contract, terms)
        day = daily_rate(t.base_monthly, t)
        whole = r.month in full
        base_pay = month_base_pay(t.base_monthly, t, r.shifts, whole)
        ot = overtime_pay(_exact_hours(r.overtime_h), t.base_monthly, t)
        hol = holiday_pay(_exact_hours(r.holiday_h), t.base_monthly, t)
        rows.append({"agent_id": r.agent_id, "month": r.month, "contract": r.contract, "shifts": int(r.shifts),
                     "paid_hours": float(paid.get((r.agent_id, r.month), 0.0)), "full_month": bool(whole),
                     "daily_rate": float(round_cents(day)), "base_pay": float(base_pay),
                     "overtime_h": float(r.overtime_h), "overtime_pay": float(ot),
                     "holiday_h": float(r.holiday_h), "holiday_pay": float(hol),
                     "cost": float(base_pay + ot + hol)})
    return pd.DataFrame(rows, columns=list(ROSTER_COST_COLUMNS))


def cost_by_contract(lines: pd.DataFrame, catalog) -> pd.DataFrame:
    """:func:`roster_cost` lines summed per contract of the catalogue (every
    contract, also those without shifts): ``contract`` (name), ``agents``,
    ``shifts``, ``paid_hours``, ``daily_rate``, ``overtime_pay``,
    ``holiday_pay``, ``cost`` (CNY, the sum of the cent-rounded lines)."""
    terms = contract_terms_from_catalog(catalog)
    rows = []
    for key, ct in catalog.contracts.items():
        mine = lines[lines["contract"].isin([key, ct.name])] if len(lines) else lines
        t = terms[key]
        rows.append({"contract": ct.name, "agents": int(mine["agent_id"].nunique()) if len(mine) else 0,
                     "shifts": int(mine["shifts"].sum()) if len(mine) else 0,
                     "paid_hours": float(mine["paid_hours"].sum()) if len(mine) else 0.0,
                     "daily_rate": float(round_cents(daily_rate(t.base_monthly, t))),
                     "overtime_pay": float(mine["overtime_pay"].sum()) if len(mine) else 0.0,
                     "holiday_pay": float(mine["holiday_pay"].sum()) if len(mine) else 0.0,
                     "cost": float(sum(Decimal(str(c)) for c in mine["cost"])) if len(mine) else 0.0})
    return pd.DataFrame(rows)


#: Columns of :func:`pay_days`.
PAY_DAY_COLUMNS = ("agent_id", "date", "contract", "shifts", "paid_hours", "meal_h", "overtime_h", "holiday_h",
                   "daily_rate", "overtime_rate_per_h", "holiday_rate_per_h", "day_pay")


def pay_days(roster, catalog=None, *, holiday_dates: Iterable | None = None) -> pd.DataFrame:
    """Per agent and day, the hours HR pays and at which rates.

    ``paid_hours``: the roster's paid hours of the day's shift (its length
    less unpaid breaks); ``meal_h``: the meal inside it; ``overtime_h``:
    hours beyond the contract's shift, meal excluded, paid at 1.5 x the
    hourly rate; ``holiday_h``: hours worked on a statutory holiday, meal
    excluded, paid at 3 x the hourly rate on top of the monthly base
    (:func:`pay_hours` with ``by="day"``, the module docstring's rules).
    ``daily_rate``, ``overtime_rate_per_h``, ``holiday_rate_per_h``: the
    contract's rates (CNY, to the cent); ``day_pay``: the day's pay at those
    rates, ``shifts x daily rate + overtime + holiday`` rounded to the cent,
    for reading. The pay itself is settled per agent and month
    (:func:`roster_cost`, :func:`payroll`), each line rounded once, so the
    days of a month may differ from its line by a few cents.
    """
    roster, catalog, terms = _priced(roster, catalog)
    if roster.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in PAY_DAY_COLUMNS})
    days = pay_hours(roster, holiday_dates=holiday_dates, contracts=terms, by="day")
    sh = roster.shifts
    paid = sh.assign(date=pd.DatetimeIndex(sh["date"]).strftime("%Y-%m-%d")).groupby(
        ["agent_id", "date"], sort=True)["paid_hours"].sum()
    rows = []
    for r in days.itertuples(index=False):
        t = _terms(r.contract, terms)
        base = t.base_monthly
        hour = hourly_rate(base, t)
        day = daily_rate(base, t) * int(r.shifts) + hour * Decimal("1.5") * _exact_hours(r.overtime_h) \
            + hour * 3 * _exact_hours(r.holiday_h)
        rows.append({"agent_id": r.agent_id, "date": r.date, "contract": r.contract, "shifts": int(r.shifts),
                     "paid_hours": float(paid.get((r.agent_id, r.date), 0.0)), "meal_h": float(r.meal_h),
                     "overtime_h": float(r.overtime_h), "holiday_h": float(r.holiday_h),
                     "daily_rate": float(round_cents(daily_rate(base, t))),
                     "overtime_rate_per_h": float(round_cents(hour * Decimal("1.5"))),
                     "holiday_rate_per_h": float(round_cents(hour * 3)), "day_pay": float(round_cents(day))})
    return pd.DataFrame(rows, columns=list(PAY_DAY_COLUMNS))
