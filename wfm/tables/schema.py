"""A table's schema, declared once: its columns and how its header is read.

A :class:`Column` says what a column holds (``kind``), whether the table
needs it, the range of its values and its ``meaning``: the phrase problems
give as what was expected and the text help and documentation show
(:meth:`Schema.doc_table`). A :class:`Schema` adds the synonyms planners use
for the columns and what happens to a column it does not know:

* ``"error"`` (a closed table, such as the interval table): every other
  column is a problem, with a "did you mean" hint when the name is near a
  known one or one of its synonyms;
* ``"near"``: a column whose name is a synonym or a typo of a known one
  (``agent`` for ``agent_id``, ``Start`` for ``start``) is a problem with a
  hint; any other column is kept as an extra (a roster keeps the columns
  rostering tools add);
* ``"ignore"``: every other column is ignored (a staffing output read as
  requirements has many).

Names are matched after stripping surrounding spaces, exactly (case
matters) unless ``case_sensitive`` is false.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd

from wfm.tables.parse import blank
from wfm.tables.problems import Problems
from wfm.tables.read import HEADER_HINT

__all__ = ["Column", "Header", "Schema", "check_header", "norm_name"]

KINDS = ("text", "choice", "number", "timestamp", "date", "clock", "timestamp or clock", "items",
         "yes/no")


@dataclass(frozen=True)
class Column:
    """One column of a table.

    ``meaning``: a short phrase ("contacts offered per interval (a number
    >= 0)"), the ``expected`` of this column's problems and its description
    in the docs; ``doc``: more for the docs only. ``minimum``/``maximum``
    (inclusive) and ``integer`` bound a number column's values.
    """

    name: str
    meaning: str
    kind: str = "text"
    required: bool = False
    minimum: float | None = None
    maximum: float | None = None
    integer: bool = False
    doc: str = ""

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"column {self.name}: kind {self.kind!r} is not one of {KINDS}")


@dataclass(frozen=True)
class Schema:
    """The columns of one table and how its header is read (module docstring).

    ``what``: the table's name in problems ("at least one row of {what}");
    ``header_hint``: what an empty file should hold; ``examples``: how many
    column names a hint for a nameless column lists; ``ordered_problems``:
    the problems of one row are listed in column order (else in the order
    they were found); ``missing_expected``: when set, a missing required
    column is worded "column missing (expected <missing_expected>)" (the
    requirements and agents files) instead of naming the column's meaning.
    """

    what: str
    columns: tuple[Column, ...]
    synonyms: Mapping[str, str] = field(default_factory=dict)
    unknown: str = "near"
    case_sensitive: bool = True
    ordered_problems: bool = False
    header_hint: str = HEADER_HINT
    examples: int = 5
    missing_expected: str | None = None

    def __post_init__(self):
        if self.unknown not in ("error", "near", "ignore"):
            raise ValueError(f"unknown={self.unknown!r}: 'error', 'near' or 'ignore'")
        names = [c.name for c in self.columns]
        if len(set(names)) != len(names):
            raise ValueError(f"{self.what}: a column is declared twice")
        bad = {k: v for k, v in self.synonyms.items() if v not in names}
        if bad:
            raise ValueError(f"{self.what}: synonyms of undeclared columns {bad}")

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    def meaning(self, name: str) -> str:
        return self.column(name).meaning

    @property
    def rank(self) -> dict[str, int] | None:
        """Column order for sorting the problems of a row, if ordered."""
        return {c.name: i for i, c in enumerate(self.columns)} if self.ordered_problems else None

    def with_columns(self, *columns: Column, required: tuple[str, ...] | None = None,
                     **changes) -> Schema:
        """This schema with more columns; ``required``: the columns it needs
        (default: as declared); other fields changed by keyword."""
        cols = self.columns + tuple(columns)
        if required is not None:
            cols = tuple(dataclasses.replace(c, required=c.name in required) for c in cols)
        return dataclasses.replace(self, columns=cols, **changes)

    def help_rows(self) -> list[tuple[str, str]]:
        """The columns as (name, "required: meaning") pairs, for a command's
        ``--help`` (``click.HelpFormatter.write_dl``)."""
        return [(c.name, ("required: " if c.required else "optional: ") + c.meaning
                 + (f"; {c.doc}".replace("``", "") if c.doc else "")) for c in self.columns]

    def doc_table(self) -> str:
        """The columns as a reStructuredText table (name, required, kind, meaning)."""
        rows = [(f"``{c.name}``", "yes" if c.required else "no", c.kind,
                 c.meaning + (f"; {c.doc}" if c.doc else "")) for c in self.columns]
        head = ("column", "required", "kind", "meaning")
        widths = [max(len(r[i]) for r in [head, *rows]) for i in range(3)]
        rule = "  ".join("=" * w for w in widths) + "  " + "=" * 40
        fmt = lambda r: "  ".join(r[i].ljust(widths[i]) for i in range(3)) + "  " + r[3]  # noqa: E731
        return "\n".join([rule, fmt(head), rule, *[fmt(r) for r in rows], rule])


def norm_name(name: str) -> str:
    """A header name reduced for matching: lower case, brackets dropped,
    spaces, dashes, dots and slashes as ``_`` (``"AHT (min)"`` -> ``aht_min``)."""
    key = name.strip().lower()
    key = re.sub(r"[()\[\]{}]", " ", key)
    key = re.sub(r"[\s\-./]+", "_", key)
    return key.strip("_")


def _suggest(schema: Schema, name: str) -> str | None:
    """Best guess of the declared column meant by an unknown column name.

    A closed schema guesses from the names and their synonyms; an open one
    only takes near misses of the declared names themselves, so that an
    unrelated extra column (``shift_type``) is not taken for a known one
    (``shift_start``) and refused.
    """
    key = norm_name(name)
    names = schema.names
    if key in names:
        return key
    if key in schema.synonyms:
        return schema.synonyms[key]
    if schema.unknown == "error":
        match = difflib.get_close_matches(key, list(names) + list(schema.synonyms), n=1, cutoff=0.75)
        return schema.synonyms.get(match[0], match[0]) if match else None
    match = difflib.get_close_matches(key, list(names), n=1, cutoff=0.8)
    return match[0] if match else None


@dataclass(frozen=True)
class Header:
    """Where the declared columns are (name -> position) and the extra
    columns kept (name, position)."""

    cols: dict[str, int]
    extras: tuple[tuple[str, int], ...]


def check_header(df: pd.DataFrame, schema: Schema, P: Problems,
                 required: tuple[str, ...] | None = None) -> Header:
    """Match ``df``'s header to ``schema``, adding header problems to ``P``.

    ``required``: the columns the table needs (default: those declared
    required). A header that is a single ``;``/tab/``|``-separated name, or
    no columns at all, raises at once.
    """
    if df.shape[1] == 0:
        P.add(None, "no columns (the table is empty)", schema.header_hint)
        P.raise_if_any()
    names = ["" if c is None else str(c).strip() for c in df.columns]
    if not schema.case_sensitive:
        names = [n.lower() for n in names]
    if len(names) == 1 and any(sep in names[0] for sep in (";", "\t", "|")):
        sep = next(s for s in (";", "\t", "|") if s in names[0])
        P.add(None, f"the header is a single column that looks {sep!r}-separated", "comma-separated values")
        P.raise_if_any()
    known = schema.names
    cols: dict[str, int] = {}
    extras: list[tuple[str, int]] = []
    seen: dict[str, int] = {}
    for i, name in enumerate(names):
        if name == "":
            if schema.unknown != "ignore" and not blank(df.iloc[:, i]).all():
                P.add(f"column {i + 1}", "has values but no header name",
                      "a header name such as " + ", ".join(known[:schema.examples]))
            continue
        if name in seen:
            if schema.unknown != "ignore" or name in known:
                P.add(name, f"column appears more than once (columns {seen[name] + 1} and {i + 1})",
                      "each column once")
            continue
        seen[name] = i
        if name in known:
            cols[name] = i
            continue
        if schema.unknown == "ignore":
            continue
        guess = _suggest(schema, name)
        if schema.unknown == "near" and (guess is None or guess in names):
            extras.append((name, i))
            continue
        problem = f"unknown column {name!r}"
        if guess is not None:
            problem += f"; did you mean {guess!r}?"
            if guess.endswith("_s") and any(t.startswith("min") for t in norm_name(name).split("_")):
                problem += f" ({guess} is in seconds: multiply minutes by 60)"
            elif schema.case_sensitive and guess == name.lower():
                problem += " (column names are case-sensitive)"
        listed = ", ".join(known)
        P.add(name, problem, "only these columns: " + listed if schema.unknown == "error" else "columns " + listed)
    if required is None:
        required = tuple(c.name for c in schema.columns if c.required)
    index_names = {str(n) for n in getattr(df.index, "names", []) if n is not None}
    for col in required:
        if col in cols:
            continue
        if schema.missing_expected is not None:
            P.add(col, "column missing", schema.missing_expected)
            continue
        hint = " (it is the DataFrame index: call reset_index() first)" if col in index_names else ""
        P.add(col, "missing required column" + hint, f"a column named {col}: {schema.meaning(col)}")
    return Header(cols, tuple(extras))
