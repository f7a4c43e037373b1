"""A table being validated: its header, its rows and typed column parsers
that report problems by spreadsheet row.

:class:`Table` orchestrates: it checks the time zone, the header
(:func:`~wfm.tables.schema.check_header`) and drops wholly blank rows
(keeping the row numbers); its column methods run the parsers of
:mod:`wfm.tables.parse` and word every problem with the row, the column and
the column's meaning from the schema.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

from wfm import DEFAULT_TZ
from wfm.tables import parse
from wfm.tables.parse import ISO_EXAMPLE, YEAR_MAX, YEAR_MIN, as_text
from wfm.tables.problems import Problems
from wfm.tables.schema import Schema, check_header

__all__ = ["Table", "canonical", "norm_value", "raw_text", "raw_value", "report_overlaps", "report_times"]


def raw_text(s: pd.Series, p: int) -> str:
    """A cell as a problem quotes it: ``repr`` of its stripped text."""
    v = s.iloc[p]
    return repr(v.strip() if isinstance(v, str) else str(v))


def raw_value(s: pd.Series, p: int) -> str:
    """A cell of a number column as a problem quotes it: ``repr`` of its
    stripped text, or of the value itself when it is not text."""
    v = s.iloc[p]
    return repr(v.strip() if isinstance(v, str) else v)


def report_times(P: Problems, name: str, s: pd.Series, T: parse.Times, tz: str, *,
                 required: bool = True) -> None:
    """Word the problems of a parsed timestamp column ``s`` (one DST policy:
    a local time that does not exist is reported, :mod:`wfm.tables.parse`)."""
    if required:
        P.add_rows(T.missing, name, lambda p: P.problem(p, name, "missing value", ISO_EXAMPLE))
    P.add_rows(T.bad, name, lambda p: P.problem(
        p, name, f"{raw_text(s, p)} is not a valid timestamp", ISO_EXAMPLE))
    P.add_rows(T.out_of_range, name, lambda p: P.problem(
        p, name, f"{raw_text(s, p)} is outside the years {YEAR_MIN}-{YEAR_MAX}", "a plausible date"))
    P.add_rows(T.nonexistent, name, lambda p: P.problem(
        p, name,
        f"{raw_text(s, p)} does not exist in {tz} (the clocks skip it when daylight saving time starts)",
        "an existing local time, or a UTC offset such as +01:00"))


class Table:
    """``df`` checked against ``schema`` (module docstring).

    ``tz``: the zone of naive timestamps (None for a table without times);
    an unknown zone is a problem and leaves ``tz`` None. ``required``: the
    columns needed (default: the schema's required ones). ``options``: a
    check of the validator's own arguments, run after the zone's (its
    problems come before the header's).
    """

    def __init__(self, df: pd.DataFrame, schema: Schema, source: str, *, tz: str | None = DEFAULT_TZ,
                 required: tuple[str, ...] | None = None,
                 options: Callable[[Problems], None] | None = None):
        if not isinstance(df, pd.DataFrame):
            raise TypeError(f"expected a pandas DataFrame, got {type(df).__name__}")
        self.df = df
        self.schema = schema
        self.source = source
        self.P = Problems(source, rank=schema.rank)
        self.tz = tz
        if tz is not None and not parse.known_tz(tz):
            self.P.add(None, f"unknown time zone {tz!r}", "an IANA time zone such as Asia/Shanghai")
            self.tz = None
        if options is not None:
            options(self.P)
        header = check_header(df, schema, self.P, required)
        self.cols = header.cols
        self.extra = header.extras
        self.keep = parse.nonblank_rows(df)
        self.P.rows = self.keep + 2
        self.rows = self.P.rows
        self.n = len(self.keep)
        self._dropped = self.n != len(df)

    def require_rows(self, what: str | None = None) -> None:
        """Raise (with the header's problems) when no row holds data."""
        if self.n == 0:
            self.P.add(None, "no data rows" + (" (only a header)" if len(self.df) == 0 else
                                               " (all rows are blank)"),
                       f"at least one row of {what or self.schema.what}")
            self.P.raise_if_any()

    def meaning(self, name: str) -> str:
        return self.schema.meaning(name)

    def has(self, name: str) -> bool:
        return name in self.cols

    def col(self, name: str) -> pd.Series | None:
        """The non-blank rows of a declared column (None if absent), 0-based."""
        if name not in self.cols:
            return None
        return self._rows_of(self.cols[name])

    def _rows_of(self, pos: int) -> pd.Series:
        s = self.df.iloc[:, pos]
        if self._dropped:
            s = s.iloc[self.keep]
        return s.reset_index(drop=True)

    def extras(self) -> dict[str, pd.Series]:
        """The extra columns kept (schema ``unknown="near"``), by name."""
        return {name: self._rows_of(pos) for name, pos in self.extra}

    # -- typed column parsers (problems added, arrays returned) -------------
    def text(self, name: str, *, required: bool = True, what: str | None = None, printable: bool = True):
        """Stripped text (str dtype) and a missing mask; missing reported if
        required, a control character (NUL, tab, line break ...) if ``printable``."""
        s = self.col(name)
        if s is None:
            return None, None
        t = as_text(s)
        missing = (t.isna() | t.eq("")).to_numpy(dtype=bool)
        if required:
            self.P.add_rows(missing, name, lambda p: self.P.problem(
                p, name, "missing value", what or self.meaning(name)))
        if printable:
            self.P.add_rows(parse.control_chars(t), name, lambda p: self.P.problem(
                p, name, f"holds a control character ({parse.first_control(t.iloc[p])})",
                "printable text: " + (what or self.meaning(name))))
        return t.fillna("").astype("str"), missing

    def choice(self, name: str, allowed: tuple[str, ...], synonyms: Mapping[str, str],
               *, required: bool = True):
        """Values normalised (lower case, ``_`` for spaces/dashes) and mapped to ``allowed``."""
        # a value with a control character is no allowed value: reported as unknown
        t, missing = self.text(name, required=required, printable=False)
        if t is None:
            return None, None
        out = canonical(t, allowed, synonyms)
        bad = (out == "") & ~missing
        self.P.add_rows(bad, name, lambda p: self.P.problem(
            p, name, f"unknown value {t.iloc[p]!r}", "one of " + ", ".join(allowed)))
        return out, missing | bad

    def times(self, name: str, groups: np.ndarray | None = None, *, required: bool = True):
        """UTC nanoseconds (int64) and an ok mask; ``groups``: see
        :func:`~wfm.tables.parse.timestamps`."""
        s = self.col(name)
        if s is None or self.tz is None:
            return None, None
        r = parse.timestamps(s, self.tz, groups)
        report_times(self.P, name, s, r, self.tz, required=required)
        return r.utc_ns, r.ok

    def numbers(self, name: str, *, required: bool = False):
        """Float values (NaN where blank or bad) and an ok mask; the column's
        declared minimum, maximum and integer rule are checked."""
        s = self.col(name)
        if s is None:
            return None, None
        c = self.schema.column(name)
        v, missing, bad = parse.numbers(s)
        P = self.P
        what = c.meaning
        P.add_rows(bad, name, lambda p: P.problem(p, name, f"{raw_value(s, p)} is not a number", what))
        inf = np.isinf(v)
        P.add_rows(inf, name, lambda p: P.problem(p, name, f"{v[p]:g} is not a finite number", what))
        if required:
            P.add_rows(missing, name, lambda p: P.problem(p, name, "missing value", what))
        with np.errstate(invalid="ignore"):
            out = np.zeros(len(v), dtype=bool)
            if c.minimum is not None:
                out |= v < c.minimum
            if c.maximum is not None:
                out |= v > c.maximum
            if c.integer:
                out |= np.isfinite(v) & (v != np.round(v))
        P.add_rows(out & ~inf, name, lambda p: P.problem(p, name, f"{v[p]:g} is out of range", what))
        ok = ~(missing | bad | inf | out)
        return np.where(ok, v, np.nan), ok

    def dates(self, name: str, *, required: bool = True):
        """Dates as datetime64[D] (NaT where missing or bad) and an ok mask."""
        s = self.col(name)
        if s is None:
            return None, None
        d, missing, bad = parse.dates(s)
        P = self.P
        if required:
            P.add_rows(missing, name, lambda p: P.problem(p, name, "missing value", "a date YYYY-MM-DD"))
        P.add_rows(bad, name, lambda p: P.problem(p, name, f"{s.iloc[p]!r} is not a date", "a date YYYY-MM-DD"))
        return d, ~(missing | bad)

    def yes_no(self, name: str, default: bool):
        """Booleans (blank = ``default``); other values reported."""
        s = self.col(name)
        if s is None:
            return None
        v, bad = parse.yes_no(s, default)
        self.P.add_rows(bad, name, lambda p: self.P.problem(p, name, f"{s.iloc[p]!r} is not yes or no",
                                                            "yes or no"))
        return v

    def duplicates(self, keys: list[np.ndarray], ok: np.ndarray, column: str, what: str):
        """Report rows whose key repeats an earlier row (file order), naming it."""
        frame = pd.DataFrame({f"k{i}": k for i, k in enumerate(keys)})
        frame = frame[ok]
        dup = frame.duplicated(keep="first").to_numpy()
        if not dup.any():
            return
        pos = frame.index.to_numpy()
        firsts = frame.drop_duplicates(keep="first")
        lookup = {tuple(r): int(i) for i, r in zip(firsts.index, firsts.itertuples(index=False), strict=True)}
        P = self.P
        keyrows = {int(i): tuple(r) for i, r in zip(pos[dup], frame[dup].itertuples(index=False), strict=True)}
        P.add_rows(pos[dup], column, lambda p: P.problem(
            p, column, f"duplicate of row {int(P.rows[lookup[keyrows[p]]])}", what))


def canonical(t: pd.Series, allowed: tuple[str, ...], synonyms: Mapping[str, str]) -> np.ndarray:
    """Text values mapped to ``allowed`` (object array, ``""`` where unknown):
    compared in lower case with ``_`` for spaces and dashes, then through
    ``synonyms`` (normalised or as written, for 示忙 and the like)."""
    codes, uniques = pd.factorize(t)
    mapped = []
    for u in uniques:
        k = norm_value(u)
        mapped.append(k if k in allowed else synonyms.get(k, synonyms.get(str(u).strip())))
    mapped_arr = np.array([m if m is not None else "" for m in mapped] + [""], dtype=object)
    return mapped_arr[codes]


def norm_value(u) -> str:
    """A choice value as compared: lower case, runs of spaces and dashes as ``_``."""
    return re.sub(r"[\s\-]+", "_", str(u).strip().lower())


def report_overlaps(P: Problems, codes, start, end, good, who: pd.Series, column: str, tz: str, what: str,
                    label=None, order=None, noun: str = "agent") -> None:
    """Report a row that starts before an earlier (in time) row of the same
    group (``codes``; ``who`` the group names, ``noun`` what they are) has
    ended, naming that row. ``order``: a precomputed
    ``lexsort((end, start, codes))`` of all rows; ``label``: per-row text
    shown after the name (a state)."""
    pos = np.flatnonzero(good)
    if len(pos) < 2:
        return
    if order is None:
        order = pos[np.lexsort((end[pos], start[pos], codes[pos]))]
    else:
        order = order[good[order]]
    a = codes[order]
    s = start[order]
    e = end[order]
    # running maximum of end within each group
    run = pd.Series(e).groupby(a).cummax().to_numpy()
    prev_max = np.empty_like(run)
    prev_max[0] = parse.NAT
    prev_max[1:] = run[:-1]
    same = np.zeros(len(order), dtype=bool)
    same[1:] = a[1:] == a[:-1]
    bad = same & (s < prev_max)
    if not bad.any():
        return
    k_of = {int(order[k]): k for k in np.flatnonzero(bad)}

    def make(p):
        k = k_of[p]
        j = k - 1
        best = j
        while j >= 0 and a[j] == a[k]:
            if e[j] > e[best]:
                best = j
            j -= 1
        q = int(order[best])
        lab = f" {label[q]}" if label is not None else ""
        return P.problem(
            p, column,
            f"overlaps row {int(P.rows[q])} of {noun} {who.iloc[p]!r}{lab} "
            f"{parse.fmt_local(start[q], tz)} to {parse.fmt_local(end[q], tz)}", what)

    P.add_rows(order[bad], column, make)

