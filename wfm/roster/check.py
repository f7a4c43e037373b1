"""Independent rule checker for a produced roster.

Reads only the roster (:class:`wfm.roster.table.Roster`), the catalogue and
the agents' own rules; it shares no code with the model or the assignment, so a bug there
cannot hide itself here. Rules checked, per agent:

* ``shift_type``: the shift type belongs to the contract; its length and its
  start (clock time on the start date) are allowed;
* ``one_per_day``: at most one shift starting on a date;
* ``rest``: next start - previous end >= the contract's minimum rest;
* ``consecutive_days``: runs of working dates <= ``max_consecutive_days``;
* ``days_off`` (weekly): at most ``work_days_per_week`` worked days in each
  7-day week of the horizon, and the days off include a block of
  ``7 - work_days_per_week`` days, cyclically adjacent when required;
* ``alternation`` (alternate): worked dates differ by an even number of days;
* ``weekly_hours``: paid hours in each 7-day week <= ``max_weekly_hours``;
* ``meal`` / ``breaks``: the meal and each break have their length and start
  inside their window, inside the shift, not overlapping;
* ``fixed_days_off``, ``unavailable``, ``availability``, ``minutes``: the
  agent's own rules when agents are given.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from wfm.roster.catalog import Catalog
from wfm.roster.table import Roster, as_roster


def check_roster(roster: Roster, catalog: Catalog, *, horizon_start: dt.date, days: int,
                 agents: dict | None = None) -> pd.DataFrame:
    """Violations as a DataFrame (agent_id, date, rule, detail); empty = clean."""
    out: list[dict] = []

    def bad(a, d, rule, detail):
        out.append({"agent_id": a, "date": str(d), "rule": rule, "detail": detail})

    if roster is None or not len(roster):
        return pd.DataFrame(columns=["agent_id", "date", "rule", "detail"])
    names = {**{k: k for k in catalog.contracts}, **{c.name: k for k, c in catalog.contracts.items()}}
    roster = as_roster(roster, contracts=names)
    seg = roster.segments
    # per shift: its meal (the first) and its breaks, as (start, end) Timestamps
    meals: dict[int, tuple] = {}
    breaks: dict[int, list] = {}
    for sid, act, a, b in zip(seg["shift_id"], seg["activity"], seg["start"], seg["end"], strict=True):
        if act == "meal" and sid not in meals:
            meals[sid] = (a, b)
        elif act in ("meal", "break"):
            breaks.setdefault(sid, []).append((a, b))
    sh = roster.shifts.assign(_sid=np.arange(len(roster.shifts)))
    for aid, g in sh.groupby("agent_id", sort=True):
        g = g.assign(_s=g["shift_start"], _e=g["shift_end"]).sort_values("_s", kind="stable")
        contract = g["contract"].iloc[0]
        if (g["contract"] != contract).any():
            bad(aid, "", "contract", "shifts of more than one contract")
        ct = catalog.contracts.get(names.get(contract, contract))
        if ct is None:
            bad(aid, "", "contract", f"unknown contract {contract!r}")
            continue
        ag = agents.get(aid) if agents else None
        worked: list[dt.date] = []
        prev_end = None
        week_hours: dict[int, float] = {}
        minutes_total = 0.0
        for _, r in g.iterrows():
            s, e = r["_s"], r["_e"]
            date = s.date()
            worked.append(date)
            st = catalog.shift_types.get(r["shift_type"])
            length = (e - s).total_seconds() / 60
            clock = s.hour * 60 + s.minute
            if st is None or r["shift_type"] not in ct.shift_types:
                bad(aid, date, "shift_type", f"{r['shift_type']} is not a shift type of {ct.name}")
                continue
            if int(round(length)) not in st.lengths_min:
                bad(aid, date, "shift_type", f"length {length:g} min not in {st.lengths_min}")
            if clock not in st.start_offsets():
                bad(aid, date, "shift_type", f"start {s.strftime('%H:%M')} outside the start windows")
            if prev_end is not None and (s - prev_end).total_seconds() / 3600 < ct.min_rest_h - 1e-9:
                bad(aid, date, "rest", f"{(s - prev_end).total_seconds() / 3600:.2f} h after the previous shift < {ct.min_rest_h:g} h")
            prev_end = e
            # meal and breaks
            pieces = []
            meal_rule = [b for b in st.breaks if b.is_meal]
            brk_rules = [b for b in st.breaks if not b.is_meal]
            meal = meals.get(r["_sid"])
            if meal_rule:
                if meal is None:
                    bad(aid, date, "meal", "no meal")
                else:
                    ms, me = meal
                    off = (ms - s).total_seconds() / 60
                    mr = meal_rule[0]
                    if not (mr.earliest_min - 1e-9 <= off <= mr.latest_min + 1e-9):
                        bad(aid, date, "meal", f"meal starts {off:g} min after the shift start, window {mr.earliest_min}-{mr.latest_min}")
                    if abs((me - ms).total_seconds() / 60 - mr.length_min) > 1e-9:
                        bad(aid, date, "meal", f"meal lasts {(me - ms).total_seconds() / 60:g} min, not {mr.length_min}")
                    pieces.append((ms, me))
            elif meal is not None:
                bad(aid, date, "meal", "meal on a shift type without one")
            brs = breaks.get(r["_sid"], [])
            if len(brs) != len(brk_rules):
                bad(aid, date, "breaks", f"{len(brs)} breaks, the shift type has {len(brk_rules)}")
            else:
                for (a, b), rule in zip(sorted(brs), brk_rules, strict=True):
                    off = (a - s).total_seconds() / 60
                    if not (rule.earliest_min - 1e-9 <= off <= rule.latest_min + 1e-9):
                        bad(aid, date, "breaks", f"break starts {off:g} min after the shift start, window {rule.earliest_min}-{rule.latest_min}")
                    if abs((b - a).total_seconds() / 60 - rule.length_min) > 1e-9:
                        bad(aid, date, "breaks", f"break lasts {(b - a).total_seconds() / 60:g} min, not {rule.length_min}")
                    pieces.append((a, b))
            pieces.sort()
            for (_a1, b1), (a2, _b2) in zip(pieces, pieces[1:], strict=False):
                if a2 < b1:
                    bad(aid, date, "breaks", "meal/breaks overlap")
            for a1, b1 in pieces:
                if a1 < s or b1 > e:
                    bad(aid, date, "breaks", "meal or break outside the shift")
            paid = length - st.unpaid_min()
            minutes_total += paid
            wk = (date - horizon_start).days // 7
            week_hours[wk] = week_hours.get(wk, 0.0) + paid / 60
            if ag is not None:
                if date.weekday() in ag.fixed_days_off:
                    bad(aid, date, "fixed_days_off", f"works on a fixed day off ({date.strftime('%a')})")
                if date in ag.unavailable:
                    bad(aid, date, "unavailable", "works on an unavailable date")
                if not ag.available(date.weekday(), clock, int(round(length))):
                    bad(aid, date, "availability", f"{s.strftime('%H:%M')}+{length:g} min outside the availability windows")
        # per-date rules
        counts = pd.Series(worked).value_counts()
        for d, k in counts.items():
            if k > 1:
                bad(aid, d, "one_per_day", f"{k} shifts start on this date")
        dates = sorted(set(worked))
        run = 1
        for a, b in zip(dates, dates[1:], strict=False):
            run = run + 1 if (b - a).days == 1 else 1
            if run > ct.max_consecutive_days:
                bad(aid, b, "consecutive_days", f"{run} consecutive working days > {ct.max_consecutive_days}")
        if ct.max_weekly_hours is not None:
            for wk, hrs in week_hours.items():
                if hrs > ct.max_weekly_hours + 1e-9:
                    bad(aid, horizon_start + dt.timedelta(days=7 * wk), "weekly_hours", f"{hrs:g} paid hours > {ct.max_weekly_hours:g}")
        if ct.pattern == "weekly":
            off_n = 7 - ct.work_days_per_week
            for wk in range(days // 7):
                week = [horizon_start + dt.timedelta(days=7 * wk + j) for j in range(7)]
                w_set = set(dates)
                worked_n = sum(1 for d in week if d in w_set)
                if worked_n > ct.work_days_per_week:
                    bad(aid, week[0], "days_off", f"{worked_n} working days in the week starting {week[0]} > {ct.work_days_per_week}")
                off = [j for j, d in enumerate(week) if d not in w_set]
                if ct.days_off_consecutive and off_n > 0:
                    blocks = [{(a + i) % 7 for i in range(off_n)} for a in range(7)]
                    if not any(b <= set(off) for b in blocks):
                        bad(aid, week[0], "days_off", f"days off {[week[j].strftime('%a') for j in off]} hold no {off_n} adjacent days")
        if ct.pattern == "alternate":
            for a, b in zip(dates, dates[1:], strict=False):
                if (b - a).days % 2:
                    bad(aid, b, "alternation", f"worked {a} and {b}: {(b - a).days} days apart, not an even number")
        if ag is not None and ct.pattern == "flexible":
            if ag.max_minutes is not None and minutes_total > ag.max_minutes + 1e-9:
                bad(aid, "", "minutes", f"{minutes_total:g} min > max {ag.max_minutes:g}")
            if ag.min_minutes and minutes_total < ag.min_minutes - 1e-9:
                bad(aid, "", "minutes", f"{minutes_total:g} min < min {ag.min_minutes:g}")
    return pd.DataFrame(out, columns=["agent_id", "date", "rule", "detail"])
