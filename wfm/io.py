"""Atomic output writing (a file is either the old one or the complete new one),
the one CSV writer, and reading user CSVs as text with clear errors.

Formula injection (CSV/spreadsheet injection)
---------------------------------------------
A cell whose *text* starts with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return may be run as a formula by a spreadsheet. Every CSV the
product writes goes through :func:`write_csv`, which by default applies the
rule of :func:`safe_frame` to the cells *and the header*, and starts the
file with a UTF-8 byte-order mark (so Excel shows Chinese names):

* **Numbers stay numbers.** Numeric columns (int, float, bool dtypes) are
  written as numbers: ``-3`` in a numeric column is the number -3.
* **Text is made inert.** A text cell starting with one of those characters
  gets a leading apostrophe (``'=1+1``, ``'-3+A1``, ``'@SUM(A1)``), the OWASP
  recommendation; spreadsheets show it as text. Text that is entirely a
  plain decimal number (``-3``, ``+2.5``, ``-1e3``) is left alone: a
  spreadsheet reading it as the number -3 runs nothing. Text that already
  starts with apostrophes before one of those characters (``'=1``) gets one
  more, so that the product's own CSV reader, which takes one leading
  apostrophe off such a cell (:func:`wfm.tables.unquote_text`), reads back
  exactly the text that was given to the writer.
* tz-aware timestamps are written as ISO 8601 with offset
  (``2025-10-01T09:00:00+08:00``), naive midnight dates as ``YYYY-MM-DD``.
* Rows end with CR LF (RFC 4180, as Excel writes CSV): Python's CSV writer
  quotes a field holding a line end's characters only, so with LF line ends
  a carriage return inside text would be written bare and split
  its row when read back.

``safe=False`` writes the frame as pandas does (no BOM unless asked): for
machine-read files whose text must load back unchanged by a plain
``pandas.read_csv`` (saved forecast models).
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from wfm.tables import read_text_csv as _read_text_csv

#: Leading characters that make a spreadsheet treat text as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
#: Text that gets one more leading apostrophe: a formula prefix after any apostrophes.
_QUOTE_NEEDED = re.compile(r"^'*[=+\-@\t\r]")


def write_atomic(path: str | os.PathLike, write: Callable[[str], None]) -> Path:
    """Call ``write(tmp_path)`` then rename the temporary file onto ``path``.

    The temporary file lives in the same directory so the final ``os.replace``
    is atomic; on any error it is removed and ``path`` is left untouched.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(tmp)
        # mkstemp makes the file private (0600); give it the permissions any
        # newly created file would get, so colleagues can open the outputs.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def read_text_csv(path: str | os.PathLike, expected: str) -> pd.DataFrame:
    """Read a user CSV with every cell as text (empty cells as ""); a missing
    or unreadable file raises :class:`wfm.errors.InputError` naming it, with
    ``expected`` saying what the file should be. The table engine's reader
    (:func:`wfm.tables.read_text_csv`: UTF-8 with or without BOM, else
    GB18030; wholly blank rows left out, the index keeping each row's
    position)."""
    return _read_text_csv(path, expected)


def write_csv(df: pd.DataFrame, path: str | os.PathLike, *, safe: bool = True, bom: bool | None = None,
              index_label: str | None = None, float_format: str | None = None) -> Path:
    """Write ``df`` as UTF-8 CSV atomically: the one CSV writer.

    ``safe`` (default): safe to open in a spreadsheet, header included (the
    formula rule of the module docstring, :func:`safe_frame`); ``False``:
    pandas' plain text, for machine-read files. ``bom``: start with a UTF-8
    byte-order mark so Excel reads Chinese text right (default: when
    ``safe``). ``index_label``: write the index as a first column of that
    name (no index otherwise); ``float_format``: e.g. ``"%.17g"`` to
    round-trip floats exactly.
    """
    bom = safe if bom is None else bom
    frame = df
    if index_label is not None and safe:
        frame = df.rename_axis(index_label).reset_index()
        index_label = None
    if safe:
        frame = safe_frame(frame)
    enc = "utf-8-sig" if bom else "utf-8"
    return write_atomic(path, lambda tmp: frame.to_csv(
        tmp, index=index_label is not None, index_label=index_label, encoding=enc, float_format=float_format,
        lineterminator="\r\n" if safe else "\n"))


def formula_like(text: str) -> bool:
    """Could a spreadsheet run this text as a formula (module docstring)?"""
    return bool(text) and text[0] in FORMULA_PREFIXES and not _PLAIN_NUMBER.match(text)


def neutralise_text(value):
    """Text for a CSV cell: prefix ``'`` when it starts with = + - @ tab CR
    (after any apostrophes), unless it is a plain decimal number.
    Non-strings are returned unchanged; :func:`wfm.tables.unquote_text`
    undoes it.

    >>> neutralise_text("=1+1"), neutralise_text("-3"), neutralise_text("-3+A1")
    ("'=1+1", '-3', "'-3+A1")
    """
    if isinstance(value, str) and _QUOTE_NEEDED.match(value) and not _PLAIN_NUMBER.match(value):
        return "'" + value
    return value


def _text_mask(s: pd.Series) -> np.ndarray:
    """Vectorised "does :func:`neutralise_text` quote it" over a text column."""
    t = s.astype("str")
    first = t.str.slice(0, 1)
    risky = first.isin([*FORMULA_PREFIXES, "'"]).to_numpy(dtype=bool).copy()
    if risky.any():
        risky &= t.str.match(_QUOTE_NEEDED.pattern).fillna(False).to_numpy(dtype=bool)
    if risky.any():
        num = t.str.fullmatch(_PLAIN_NUMBER.pattern).fillna(False).to_numpy(dtype=bool)
        risky &= ~num
    return risky & s.notna().to_numpy()


def is_text_column(s: pd.Series) -> bool:
    """Does the column hold text (not numbers, booleans, datetimes or numeric categories)?"""
    return not (pd.api.types.is_numeric_dtype(s.dtype) or pd.api.types.is_bool_dtype(s.dtype)
                or pd.api.types.is_datetime64_any_dtype(s.dtype)
                or isinstance(s.dtype, pd.CategoricalDtype) and
                pd.api.types.is_numeric_dtype(s.dtype.categories.dtype))


def is_date_column(s: pd.Series) -> bool:
    """Naive datetime column whose values are all midnights (a date)."""
    if not pd.api.types.is_datetime64_dtype(s.dtype) or isinstance(s.dtype, pd.DatetimeTZDtype):
        return False
    v = s.dropna()
    return len(v) == 0 or bool((v == v.dt.normalize()).all())


def safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy ready for a spreadsheet-safe CSV: timestamps as ISO 8601 text,
    dates as YYYY-MM-DD, text cells and text header names neutralised
    (module docstring)."""
    out = iso_timestamps(df)
    out.columns = [neutralise_text(c) for c in out.columns]
    for j in range(out.shape[1]):  # by position: header names may repeat
        s = out.iloc[:, j]
        if is_date_column(s):
            out.isetitem(j, s.dt.strftime("%Y-%m-%d"))
        elif pd.api.types.is_datetime64_dtype(s.dtype):
            out.isetitem(j, s.dt.strftime("%Y-%m-%dT%H:%M:%S"))
        elif is_text_column(s):
            s = s.astype("object") if isinstance(s.dtype, pd.CategoricalDtype) else s
            mask = _text_mask(s)
            if mask.any():
                s = s.astype("object").copy()
                s[mask] = "'" + s[mask].astype("str")
            out.isetitem(j, s)
    return out


def write_json(obj, path: str | os.PathLike) -> Path:
    """Write ``obj`` as indented UTF-8 JSON atomically."""

    def _write(tmp: str) -> None:
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(obj, fh, indent=2, ensure_ascii=False, default=str)
            fh.write("\n")

    return write_atomic(path, _write)


def iso_timestamps(df: pd.DataFrame) -> pd.DataFrame:
    """Copy of ``df`` with tz-aware datetime columns as ISO 8601 strings with offset.

    ``2025-11-11T09:00:00+08:00``: unambiguous for HR systems and Excel users,
    whatever zone they sit in.
    """
    out = df.copy()
    for j in range(out.shape[1]):  # by position: header names may repeat
        s = out.iloc[:, j]
        if isinstance(s.dtype, pd.DatetimeTZDtype):
            text = s.dt.strftime("%Y-%m-%dT%H:%M:%S%z")
            out.isetitem(j, text.str[:-2] + ":" + text.str[-2:])
    return out


# --------------------------------------------------------------------------
# names from data as file names; paths kept inside the output folder
# --------------------------------------------------------------------------

# Characters no file name may hold on any system the outputs travel to
# (Windows forbids <>:"|?* too), and Windows' reserved device names.
_UNSAFE_CHARS = re.compile(r'[\x00-\x1f\x7f/\\<>:"|?*]')
_RESERVED_NAMES = frozenset({"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)),
                             *(f"lpt{i}" for i in range(1, 10))})
#: Longest file name most file systems take, in UTF-8 bytes.
MAX_NAME_BYTES = 255


def file_name_problem(name) -> str | None:
    """Why ``name`` cannot be used as it is as a file or folder name (None when it can).

    A safe name is non-empty text, not ``.`` or ``..``, without path
    separators, control characters (NUL, tab, newline ...) or the characters
    ``< > : " | ? *``, without surrounding spaces or a trailing dot, not a
    reserved device name (``CON``, ``NUL``, ``COM1`` ...) and at most 255
    bytes long: the same name on Linux, macOS and Windows, inside the folder
    it is written to.
    """
    if not isinstance(name, str):
        return f"{type(name).__name__} is not text"
    if name == "" or not name.strip():
        return "empty"
    if name in (".", ".."):
        return f"{name!r} names a folder itself, not a new name"
    bad = _UNSAFE_CHARS.search(name)
    if bad:
        ch = bad.group(0)
        what = "a path separator" if ch in "/\\" else (
            f"a control character ({ch!r})" if ord(ch) < 32 or ord(ch) == 127 else f"the character {ch!r}")
        return f"holds {what}"
    if name != name.strip():
        return "begins or ends with a space"
    if name.endswith("."):
        return "ends with a dot"
    if name.split(".")[0].lower() in _RESERVED_NAMES:
        return f"{name.split('.')[0]!r} is a reserved device name"
    if len(name.encode("utf-8")) > MAX_NAME_BYTES:
        return f"longer than {MAX_NAME_BYTES} bytes"
    return None


def safe_file_name(name, *, fallback: str = "item", max_len: int = 80) -> str:
    """A file name for ``name`` (a scenario, queue or agent name from the data).

    ``name`` itself when it is safe (:func:`file_name_problem`) and at most
    ``max_len`` characters; otherwise the name with every run of unsafe
    characters as ``_`` (``fallback`` when nothing is left), cut to make
    room for ``-`` and the first 8 hex digits of the SHA-1 of the original,
    so two names that clean up alike still get different files. The same
    name always gives the same file name.
    """
    text = str(name)
    if file_name_problem(text) is None and len(text) <= max_len:
        return text
    import hashlib

    base = _UNSAFE_CHARS.sub("_", text).strip(" .")
    base = re.sub(r"_+", "_", base).strip("_") or fallback
    if base.split(".")[0].lower() in _RESERVED_NAMES:
        base = f"_{base}"
    digest = hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return f"{base[:max(1, max_len - 9)].rstrip(' .')}-{digest}"


def inside(root: str | os.PathLike, *parts: str) -> Path:
    """``root / parts...`` resolved, checked to lie inside the folder ``root``.

    Raises :class:`wfm.errors.InputError` naming the path when it would
    leave ``root`` (``..``, an absolute part, a symbolic link pointing out)
    or be ``root`` itself: every path the product writes goes through this
    or :func:`safe_file_name`.
    """
    from wfm.errors import InputError, Problem

    base = Path(root).resolve()
    path = base.joinpath(*parts).resolve()
    if path == base or base not in path.parents:
        shown = os.path.join(str(root), *parts)
        raise InputError(Problem(shown, None, None, f"lies outside the output folder {root}",
                                 f"a path inside {root}"))
    return path


def output_problem(path: str | os.PathLike, *, folder: bool = False) -> str | None:
    """Why nothing could be written at ``path`` (None when it can).

    ``folder``: ``path`` is to be a folder (new or existing), else a file
    (new or replaced). The nearest existing ancestor must be a folder in
    which a file can be created (tried with a temporary file, removed at
    once: permissions, read-only and virtual file systems such as ``/proc``
    are all found); an existing ``path`` must be of the right kind.
    """
    p = Path(path)
    if str(path) == "":
        return "empty path"
    if "\x00" in str(path):
        return "the path holds a NUL character"
    try:
        if p.exists() or p.is_symlink():
            if folder and not p.is_dir():
                return f"{path} is an existing file, not a folder"
            if not folder and p.is_dir():
                return f"{path} is an existing folder, not a file"
        probe = p if folder and p.is_dir() else p.parent
        while not probe.exists():
            if probe.is_symlink():
                return f"{probe} is a broken symbolic link"
            probe = probe.parent
        if not probe.is_dir():
            return f"{probe} is a file, not a folder"
    except OSError as exc:
        return f"cannot look at {exc.filename or path}: {exc.strerror or exc}"
    try:
        fd, tmp = tempfile.mkstemp(prefix=".wfm-write-check.", dir=probe)
        os.close(fd)
        os.unlink(tmp)
    except OSError as exc:
        target = p if folder else p.parent
        reason = exc.strerror or str(exc)
        if target != probe:
            return f"the folder {target} does not exist and cannot be created in {probe} ({reason})"
        return f"cannot write in the folder {probe} ({reason})"
    return None
