"""The roster as one typed table: :class:`Roster`.

Every part of the product that makes or reads a roster uses this type: the
assignment produces it (:func:`roster_from_assignment`), the rule checker,
the coverage, the rolling-roster carry-in (``--previous``), the KPIs, the
exports, the report and the plan consume it, and a roster file is read back
into it through one reader (:func:`read_roster`, which validates with
:func:`wfm.kpi.inputs.validate_roster`). Text appears only when a file is
written (:meth:`Roster.file_table`).

``shifts``: one row per shift, sorted by agent and start

================  ======================  ====================================
column            dtype                   meaning
================  ======================  ====================================
``agent_id``      str                     agent
``name``          str                     the agent's name ("" when unknown)
``contract``      str                     contract (catalogue key or name)
``date``          datetime64[ns], naive   local date the shift starts on
``shift_type``    str                     shift type ("" when unknown)
``shift_start``   datetime64[ns, tz]      start
``shift_end``     datetime64[ns, tz]      end
``paid_hours``    float                   length less unpaid meal and breaks
                                          (the whole length when a file does
                                          not say)
================  ======================  ====================================

plus any other columns a roster file carried (``team`` ...).

``segments``: one row per scheduled off-phone activity inside a shift

================  ======================  ====================================
``shift_id``      int64                   row position in ``shifts``
``activity``      str                     ``meal``, ``break``, ``meeting`` or
                                          ``training``
``start``         datetime64[ns, tz]      start
``end``           datetime64[ns, tz]      end
================  ======================  ====================================

sorted by shift and start. The rest of a shift is on the phones (``work``).

The file form (``roster.csv``): the shift columns with ISO 8601 times with
their UTC offset, plus ``meal_start``, ``meal_end`` and ``breaks``
(``start/end;start/end``, ISO 8601), and ``activities`` (``start/end name;...``)
when any shift has a meeting or training.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from wfm import DEFAULT_TZ

SHIFT_COLUMNS = ("agent_id", "name", "contract", "date", "shift_type", "shift_start", "shift_end", "paid_hours")
SEGMENT_COLUMNS = ("shift_id", "activity", "start", "end")
#: Columns of ``roster.csv`` in order (``activities`` only when present).
FILE_COLUMNS = ("agent_id", "name", "contract", "date", "shift_type", "shift_start", "shift_end",
                "meal_start", "meal_end", "breaks", "paid_hours")
OFF_PHONE_ACTIVITIES = ("meal", "break", "meeting", "training")


def _aware(values, tz: str) -> pd.Series:
    """int64 UTC nanoseconds or datetimes -> datetime64[ns, tz] Series."""
    idx = pd.DatetimeIndex(values)
    if idx.tz is None:
        idx = idx.tz_localize("UTC")
    return pd.Series(idx.tz_convert(tz).as_unit("ns"))


def _ns(s: pd.Series) -> np.ndarray:
    return pd.DatetimeIndex(s).as_unit("ns").asi8


@dataclass(frozen=True)
class Roster:
    """A roster: shifts and their off-phone segments (module docstring)."""

    shifts: pd.DataFrame
    segments: pd.DataFrame
    tz: str = DEFAULT_TZ

    def __len__(self) -> int:
        return len(self.shifts)

    @property
    def empty(self) -> bool:
        return len(self.shifts) == 0

    def agent_ids(self) -> list[str]:
        """Agents with at least one shift, sorted."""
        return sorted(self.shifts["agent_id"].unique().tolist())

    def meals(self) -> pd.DataFrame:
        """``shift_id``, ``start``, ``end`` of the meals (at most one per shift)."""
        m = self.segments[self.segments["activity"] == "meal"]
        return m.drop_duplicates("shift_id")[["shift_id", "start", "end"]]

    def select(self, mask) -> Roster:
        """The roster of the shifts where ``mask`` holds (segments follow, renumbered)."""
        mask = np.asarray(mask, dtype=bool)
        keep = np.flatnonzero(mask)
        new_id = np.full(len(self.shifts), -1, dtype=np.int64)
        new_id[keep] = np.arange(len(keep))
        seg = self.segments[mask[self.segments["shift_id"].to_numpy()]] if len(self.segments) else self.segments
        seg = seg.assign(shift_id=new_id[seg["shift_id"].to_numpy()]).reset_index(drop=True)
        return Roster(self.shifts.iloc[keep].reset_index(drop=True), seg, self.tz)

    def on_phone_agents(self, interval_start, interval_min) -> np.ndarray:
        """Agents on the phones per interval, time-averaged over it.

        ``interval_start``: tz-aware starts (any order); ``interval_min``:
        their length(s) in minutes. Returns ``integral of N(t) dt / length``,
        where N(t) counts shifts running at t less their off-phone segments
        (a 15-minute break in a 30-minute interval takes half an agent off),
        computed exactly from the piecewise-constant head count.
        """
        a = _ns(pd.Series(interval_start)).astype(np.int64)
        length = np.broadcast_to(np.asarray(interval_min, dtype=np.int64), a.shape) * 60 * 10**9
        if self.empty:
            return np.zeros(len(a))
        t = np.concatenate([_ns(self.shifts["shift_start"]), _ns(self.shifts["shift_end"]),
                            _ns(self.segments["start"]), _ns(self.segments["end"])])
        n, k = len(self.shifts), len(self.segments)
        d = np.concatenate([np.ones(n, np.int64), -np.ones(n, np.int64), -np.ones(k, np.int64), np.ones(k, np.int64)])
        o = np.argsort(t, kind="stable")
        t, d = t[o], d[o]
        count = np.cumsum(d)
        # agent-nanoseconds in int64: exact (a month of 1,000 agents is 2.6e18 < 2^63)
        integ = np.zeros(len(t), dtype=np.int64)
        integ[1:] = np.cumsum(count[:-1] * np.diff(t))

        def integral(x):
            j = np.searchsorted(t, x, "right") - 1
            jc = np.clip(j, 0, None)
            val = integ[jc] + count[jc] * (x - t[jc])
            return np.where(j >= 0, val, 0)

        return (integral(a + length) - integral(a)) / length

    def file_table(self) -> pd.DataFrame:
        """The roster as text, one row per shift (the ``roster.csv`` form)."""
        sh = self.shifts
        cols = list(FILE_COLUMNS)
        extra = [c for c in sh.columns if c not in SHIFT_COLUMNS]
        if self.empty:
            return pd.DataFrame(columns=cols + extra)
        out = pd.DataFrame({
            "agent_id": sh["agent_id"].astype(str).to_numpy(), "name": sh["name"].astype(str).to_numpy(),
            "contract": sh["contract"].astype(str).to_numpy(),
            "date": pd.DatetimeIndex(sh["date"]).strftime("%Y-%m-%d"),
            "shift_type": sh["shift_type"].astype(str).to_numpy(),
            "shift_start": iso_text(sh["shift_start"]).to_numpy(),
            "shift_end": iso_text(sh["shift_end"]).to_numpy(),
        })
        seg = self.segments
        meal = self.meals()
        out["meal_start"] = ""
        out["meal_end"] = ""
        if len(meal):
            ids = meal["shift_id"].to_numpy()
            out.loc[ids, "meal_start"] = iso_text(meal["start"]).to_numpy()
            out.loc[ids, "meal_end"] = iso_text(meal["end"]).to_numpy()
        # a second meal, should a file carry one, is written as a break
        is_meal = seg.index.isin(meal.index)
        for col, mask, named in (("breaks", ~is_meal & seg["activity"].isin(["meal", "break"]).to_numpy(), False),
                                 ("activities", ~seg["activity"].isin(["meal", "break"]).to_numpy(), True)):
            out[col] = ""
            sub = seg[mask]
            if len(sub):
                text = iso_text(sub["start"]).to_numpy() + "/" + iso_text(sub["end"]).to_numpy()
                if named:
                    text = text + " " + sub["activity"].astype(str).to_numpy()
                joined = pd.Series(text, index=sub["shift_id"].to_numpy()).groupby(level=0).agg(";".join)
                out.loc[joined.index.to_numpy(), col] = joined.to_numpy()
        out["paid_hours"] = sh["paid_hours"].to_numpy(float)
        if (out["activities"] != "").any():
            cols.insert(cols.index("breaks") + 1, "activities")
        for c in extra:
            out[c] = sh[c].to_numpy()
        return out[cols + extra]

    def clock_items(self, activities, *, named: bool = False) -> pd.Series:
        """Per shift, its segments of ``activities`` as local clock times
        (``10:15-10:30;15:00-15:15``, with `` name`` after each when
        ``named``), "" for a shift without any; for people (calendars,
        printed rosters), never read back."""
        seg = self.segments[self.segments["activity"].isin(list(activities))]
        out = pd.Series("", index=self.shifts.index, dtype=object)
        if len(seg):
            text = (seg["start"].dt.strftime("%H:%M") + "-" + seg["end"].dt.strftime("%H:%M")).to_numpy(dtype=object)
            if named:
                text = text + " " + seg["activity"].astype(str).to_numpy(dtype=object)
            joined = pd.Series(text, index=seg["shift_id"].to_numpy()).groupby(level=0).agg(";".join)
            out.loc[joined.index.to_numpy()] = joined.to_numpy()
        return out

    def with_segments_of(self, activities) -> Roster:
        """The same shifts with only the segments of ``activities``."""
        seg = self.segments[self.segments["activity"].isin(list(activities))].reset_index(drop=True)
        return Roster(self.shifts, seg, self.tz)


def iso_text(s: pd.Series) -> pd.Series:
    """tz-aware datetimes -> ISO 8601 text with the UTC offset
    (``2025-11-11T09:00:00+08:00``); NaT -> ""."""
    text = pd.Series(pd.DatetimeIndex(s).strftime("%Y-%m-%dT%H:%M:%S%z"), index=s.index)
    ok = text.notna() & (text.str.len() > 0)
    out = pd.Series("", index=s.index, dtype=object)
    out[ok] = text[ok].str[:-2] + ":" + text[ok].str[-2:]
    return out


def empty_roster(tz: str = DEFAULT_TZ) -> Roster:
    shifts = pd.DataFrame({
        "agent_id": pd.Series(dtype=str), "name": pd.Series(dtype=str), "contract": pd.Series(dtype=str),
        "date": pd.Series(dtype="datetime64[ns]"), "shift_type": pd.Series(dtype=str),
        "shift_start": pd.Series(dtype=f"datetime64[ns, {tz}]"), "shift_end": pd.Series(dtype=f"datetime64[ns, {tz}]"),
        "paid_hours": pd.Series(dtype=float)})
    return Roster(shifts, _empty_segments(tz), tz)


def _empty_segments(tz: str) -> pd.DataFrame:
    return pd.DataFrame({"shift_id": pd.Series(dtype=np.int64), "activity": pd.Series(dtype=str),
                         "start": pd.Series(dtype=f"datetime64[ns, {tz}]"),
                         "end": pd.Series(dtype=f"datetime64[ns, {tz}]")})


def make_roster(shifts: pd.DataFrame, segments: pd.DataFrame, tz: str) -> Roster:
    """A :class:`Roster` from shift and segment frames in any row order:
    shifts sorted by agent and start (stable), segment ``shift_id`` renumbered
    to follow, segments sorted by shift and start; times converted to ``tz``."""
    if not len(shifts):
        return empty_roster(tz)
    sh = shifts.copy()
    for c in ("shift_start", "shift_end"):
        sh[c] = _aware(sh[c], tz).to_numpy()
    for c, default in (("name", ""), ("shift_type", "")):
        if c not in sh:
            sh[c] = default
    length_h = (sh["shift_end"] - sh["shift_start"]).dt.total_seconds().to_numpy() / 3600
    # a file that does not say: every hour of the shift is paid (the source
    # documents' meals are paid time)
    paid = pd.to_numeric(sh["paid_hours"], errors="coerce").to_numpy(float) if "paid_hours" in sh else length_h
    sh["paid_hours"] = np.where(np.isnan(paid), length_h, paid)
    if "date" not in sh:
        sh["date"] = sh["shift_start"].dt.tz_localize(None).dt.normalize()
    sh["agent_id"] = sh["agent_id"].astype(str)
    order = np.lexsort((_ns(sh["shift_start"]), sh["agent_id"].to_numpy(dtype=str)))
    new_id = np.empty(len(sh), dtype=np.int64)
    new_id[order] = np.arange(len(sh))
    sh = sh.iloc[order].reset_index(drop=True)
    sh = sh[list(SHIFT_COLUMNS) + [c for c in sh.columns if c not in SHIFT_COLUMNS]]
    if len(segments):
        seg = pd.DataFrame({"shift_id": new_id[segments["shift_id"].to_numpy(dtype=np.int64)],
                            "activity": segments["activity"].astype(str).to_numpy(),
                            "start": _aware(segments["start"], tz).to_numpy(),
                            "end": _aware(segments["end"], tz).to_numpy()})
        seg = seg.sort_values(["shift_id", "start"], kind="stable").reset_index(drop=True)
    else:
        seg = _empty_segments(tz)
    return Roster(sh, seg, tz)


def roster_from_assignment(model, assignment, agents: dict, horizon) -> Roster:
    """The roster of a named assignment (:func:`wfm.roster.assign.assign_shifts`):
    each assigned shift at its option's start and length, meal and breaks at
    their assigned minutes; times from the horizon's start (tz-aware)."""
    cat = model.cat
    rows, segs = [], []
    for i, s in enumerate(assignment.shifts):
        o = model.options[s["option"]]
        st = cat.shift_types[o.shift_type]
        ag = agents[s["agent_id"]]
        rows.append((ag.id, ag.name, o.contract, o.shift_type, o.start_min, o.end_min,
                     (o.length_min - st.unpaid_min()) / 60))
        for j, u in s["breaks"]:
            rule = st.breaks[j]
            segs.append((i, "meal" if rule.is_meal else "break", u, u + rule.length_min))
    if not rows:
        return empty_roster(horizon.tz)
    a_id, name, contract, stype, s_min, e_min, paid = (list(x) for x in zip(*rows, strict=True))
    t0 = horizon.start.value
    to_ns = 60_000_000_000

    def at(minutes):
        return _aware(t0 + np.round(np.asarray(minutes, dtype=float) * to_ns).astype(np.int64), horizon.tz)

    start = at(s_min)
    shifts = pd.DataFrame({"agent_id": a_id, "name": name, "contract": contract,
                           "date": start.dt.tz_localize(None).dt.normalize().to_numpy(),
                           "shift_type": stype, "shift_start": start.to_numpy(), "shift_end": at(e_min).to_numpy(),
                           "paid_hours": paid})
    if segs:
        sid, act, a, b = zip(*segs, strict=True)
        segments = pd.DataFrame({"shift_id": np.asarray(sid, dtype=np.int64), "activity": act,
                                 "start": at(a).to_numpy(), "end": at(b).to_numpy()})
    else:
        segments = _empty_segments(horizon.tz)
    # the model's start minute orders an agent's shifts (as it always has)
    shifts["_start_min"] = s_min
    order = np.lexsort((np.asarray(s_min, dtype=float), shifts["agent_id"].to_numpy(dtype=str)))
    new_id = np.empty(len(shifts), dtype=np.int64)
    new_id[order] = np.arange(len(shifts))
    shifts = shifts.iloc[order].drop(columns="_start_min").reset_index(drop=True)
    segments = segments.assign(shift_id=new_id[segments["shift_id"].to_numpy()])
    segments = segments.sort_values(["shift_id", "start"], kind="stable").reset_index(drop=True)
    return Roster(shifts, segments, horizon.tz)


def roster_from_canonical(frame: pd.DataFrame, tz: str) -> Roster:
    """A :class:`Roster` from the canonical frame of
    :func:`wfm.kpi.inputs.validate_roster` (meal columns, breaks and
    activities as local ``HH:MM-HH:MM`` items)."""
    from wfm.kpi.inputs import parse_items

    if not len(frame):
        return empty_roster(tz)
    s0 = _ns(frame["shift_start"])
    parts = []
    ms, me = _ns(frame["meal_start"]), _ns(frame["meal_end"])
    has = ~pd.isna(frame["meal_start"]).to_numpy()
    parts.append(pd.DataFrame({"shift_id": np.flatnonzero(has), "activity": "meal", "s": ms[has], "e": me[has]}))
    for col, default in (("breaks", "break"), ("activities", None)):
        if col not in frame:
            continue
        items, _, _ = parse_items(frame[col].astype("str").reset_index(drop=True), s0, tz, default_name=default)
        if len(items):
            parts.append(pd.DataFrame({"shift_id": items["row"].to_numpy(), "activity": items["name"].to_numpy(),
                                       "s": items["start_ns"].to_numpy(), "e": items["end_ns"].to_numpy()}))
    sub = pd.concat(parts, ignore_index=True)
    segments = pd.DataFrame({"shift_id": sub["shift_id"].to_numpy(dtype=np.int64),
                             "activity": sub["activity"].astype(str).to_numpy(),
                             "start": _aware(sub["s"].to_numpy(dtype=np.int64), tz).to_numpy(),
                             "end": _aware(sub["e"].to_numpy(dtype=np.int64), tz).to_numpy()})
    shifts = frame.drop(columns=[c for c in ("meal_start", "meal_end", "breaks", "activities") if c in frame])
    if "paid_hours" in shifts:
        shifts = shifts.assign(paid_hours=pd.to_numeric(shifts["paid_hours"], errors="coerce"))
    return make_roster(shifts.reset_index(drop=True), segments, tz)


def read_roster(source, *, tz: str = DEFAULT_TZ, contracts=None, name: str | None = None) -> Roster:
    """Read a roster file (CSV, Excel, Parquet) or DataFrame into a :class:`Roster`.

    The one reader of rosters: a roster written by ``wfm roster`` reads back
    to the same roster, and a published roster from another tool is accepted
    in the forms :func:`wfm.kpi.inputs.validate_roster` documents (local
    clock times for meal and breaks, activities ...). Problems raise
    :class:`wfm.errors.InputError` naming the file, row and column.
    ``contracts``: contract names allowed besides the default ones (e.g. a
    catalogue's keys and names).
    """
    from wfm.kpi.inputs import read_roster as read_frame
    from wfm.kpi.inputs import validate_roster

    if isinstance(source, Roster):
        return source
    if isinstance(source, pd.DataFrame):
        frame = validate_roster(source, source=name or "<roster>", tz=tz, contracts=contracts)
    else:
        frame = read_frame(source, tz=tz, contracts=contracts)
    return roster_from_canonical(frame, tz)


def as_roster(roster, *, tz: str | None = None, contracts=None) -> Roster:
    """``roster`` as a :class:`Roster`: a Roster is returned as it is; a
    DataFrame (a roster table in any accepted form, or the canonical frame of
    :func:`wfm.kpi.inputs.validate_roster`) is read with :func:`read_roster`
    (its time zone taken from its tz-aware ``shift_start`` when ``tz`` is None)."""
    if isinstance(roster, Roster):
        return roster
    dtz = getattr(getattr(roster.get("shift_start"), "dtype", None), "tz", None)
    if tz is None:
        tz = str(dtz) if dtz is not None else DEFAULT_TZ
    meal = roster.get("meal_start")
    if dtz is not None and meal is not None and isinstance(meal.dtype, pd.DatetimeTZDtype):
        # already the reader's canonical frame: no second validation
        return roster_from_canonical(roster, tz)
    return read_roster(roster, tz=tz, contracts=contracts)
