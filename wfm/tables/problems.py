"""Collecting the problems of one table: every problem at once, cheaply.

A validator finds problems column by column. Per-row problems are kept as
arrays of row positions with a function that words one of them, so a file
with a million bad rows costs a mask, not a million messages: only the first
:data:`MAX_PROBLEMS` are worded. :meth:`Problems.raise_if_any` raises one
:class:`~wfm.errors.InputError` listing general problems (file, header,
options) first, then row problems in row order, then ``... and N more
problems``. Each renders ``file:row: column: problem (expected ...)``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from wfm.errors import InputError, Problem

__all__ = ["MAX_PROBLEMS", "Problems", "collected", "raise_problems"]

#: Most problems listed in one InputError before "... and N more problems".
MAX_PROBLEMS = 50


@dataclass
class _RowIssue:
    pos: np.ndarray  # positions (sorted) into the non-blank data rows
    rank: int  # column order for sorting problems within a row
    make: Callable[[int], Problem]


class Problems:
    """The problems found in one table (``source`` names it in messages).

    ``rows[pos]`` is the spreadsheet row of data-row position ``pos``
    (position + 2 once blank rows are counted). ``rank`` orders the problems
    of one row by column (a column's position in the schema); columns
    without a rank, and every column when ``rank`` is None, keep the order in
    which they were checked.
    """

    def __init__(self, source: str, rows: np.ndarray | None = None,
                 rank: Mapping[str, int] | None = None):
        self.source = source
        self.general: list[Problem] = []
        self.issues: list[_RowIssue] = []
        self.rows = rows
        self.rank = dict(rank or {})

    def add(self, column: str | None, problem: str, expected: str | None = None, row=None):
        """A problem with the whole table, a column or one given row."""
        self.general.append(Problem(self.source, row, column, problem, expected))

    def add_rows(self, mask_or_pos: np.ndarray, column: str, make: Callable[[int], Problem]):
        """A problem in each row of a boolean mask or a position array;
        ``make(pos)`` words it (usually with :meth:`problem`)."""
        arr = np.asarray(mask_or_pos)
        pos = np.flatnonzero(arr) if arr.dtype == bool else np.sort(arr.astype(np.int64))
        if len(pos):
            self.issues.append(_RowIssue(pos, self.rank.get(column, len(self.rank)), make))

    def problem(self, pos: int, column: str, problem: str, expected: str | None) -> Problem:
        """The Problem of data-row position ``pos`` (its spreadsheet row)."""
        return Problem(self.source, int(self.rows[pos]), column, problem, expected)

    def __bool__(self) -> bool:
        return bool(self.general or self.issues)

    def raise_if_any(self) -> None:
        """Raise one InputError with the first MAX_PROBLEMS problems (module docstring)."""
        if not self:
            return
        total = len(self.general) + sum(len(i.pos) for i in self.issues)
        shown = list(self.general[:MAX_PROBLEMS])
        room = MAX_PROBLEMS - len(shown)
        if room > 0 and self.issues:
            cand = []
            for k, issue in enumerate(self.issues):
                for p in issue.pos[:room]:
                    cand.append((int(p), issue.rank, k))
            cand.sort()
            shown += [self.issues[k].make(p) for p, _, k in cand[:room]]
        if total > len(shown):
            shown.append(Problem(self.source, None, None, f"... and {total - len(shown)} more problems"))
        raise InputError(shown)


def collected(P: Problems) -> list[Problem]:
    """The problems :meth:`Problems.raise_if_any` would list, without the
    closing "... and N more" line (to merge several collectors)."""
    try:
        P.raise_if_any()
    except InputError as exc:
        return [p for p in exc.problems if not p.problem.startswith("... and ")]
    return []


def raise_problems(problems: list[Problem], source: str) -> None:
    """Raise merged problems as one InputError: general ones first, then by
    row, at most MAX_PROBLEMS and "... and N more problems"."""
    if not problems:
        return
    problems = sorted(problems, key=lambda p: (p.row is not None, p.row or 0))
    shown = problems[:MAX_PROBLEMS]
    if len(problems) > MAX_PROBLEMS:
        shown.append(Problem(source, None, None, f"... and {len(problems) - MAX_PROBLEMS} more problems"))
    raise InputError(shown)
