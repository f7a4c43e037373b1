"""Atomic output writing (a file is either the old one or the complete new one) and
reading user CSVs as text with clear errors."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from wfm.errors import InputError, Problem


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
    ``expected`` saying what the file should be."""
    p = Path(path)
    if not p.exists():
        raise InputError(Problem(str(path), None, None, "file not found", expected))
    try:
        return pd.read_csv(p, dtype=str, keep_default_na=False)
    except Exception as e:  # noqa: BLE001
        raise InputError(Problem(str(path), None, None, f"cannot read: {e}", "a CSV file")) from None


def write_csv(df: pd.DataFrame, path: str | os.PathLike) -> Path:
    """Write ``df`` as UTF-8 CSV atomically (no index)."""
    return write_atomic(path, lambda tmp: df.to_csv(tmp, index=False))


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
    for col in out.columns:
        s = out[col]
        if isinstance(s.dtype, pd.DatetimeTZDtype):
            text = s.dt.strftime("%Y-%m-%dT%H:%M:%S%z")
            out[col] = text.str[:-2] + ":" + text.str[-2:]
    return out
