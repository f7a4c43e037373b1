"""A folder of outputs that is either the previous run's or the new run's, whole.

:func:`staged_folder` gives a run a temporary sibling of its output folder
(``.<name>.new-XXXX``, on the same file system) to write everything into;
only when the run has finished is it swapped in for the folder, so a run
that fails or is killed leaves the previous outputs as they were, and
nothing stale from an earlier run survives a successful one.

The swap is two renames: the old folder to ``.<name>.old-XXXX``, the new
one into its place; the old one is then deleted. A run killed between
the two renames (a window of microseconds) leaves no folder but the old
one beside it: the next :func:`staged_folder` on that folder puts it back
first (:func:`recover`). Temporary folders of killed runs are removed by the
next run.

A folder is only replaced when it is one this product wrote (it holds the
marker file :data:`MARKER`), never a user's folder that happens to have
the name.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from wfm.errors import InputError, Problem

MARKER = ".wfm-output"


def _siblings(final: Path, kind: str) -> list[Path]:
    return sorted(final.parent.glob(f".{final.name}.{kind}-*"))


def _ours(folder: Path) -> bool:
    """Written by this product: the marker, or (folders of versions before the
    marker) a summary.json naming the wfm version."""
    if (folder / MARKER).exists():
        return True
    try:
        import json

        return "wfm_version" in json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    except (OSError, ValueError, TypeError):
        return False


def recover(final: Path) -> None:
    """Put back a folder a killed swap left aside, and remove the leftovers
    of killed runs."""
    olds = _siblings(final, "old")
    if not final.exists() and olds:
        os.rename(olds[-1], final)
        olds = olds[:-1]
    for leftover in olds + _siblings(final, "new"):
        shutil.rmtree(leftover, ignore_errors=True)


@contextlib.contextmanager
def staged_folder(final: str | os.PathLike) -> Iterator[Path]:
    """Yield an empty temporary folder beside ``final``; on success it becomes
    ``final`` (module docstring), on any error it is removed and ``final`` is
    untouched."""
    final = Path(final)
    if final.exists() and not final.is_dir():
        raise InputError(Problem(str(final), None, None, "exists and is not a folder", "a folder for the outputs"))
    if final.is_dir() and any(final.iterdir()) and not _ours(final):
        raise InputError(Problem(str(final), None, None, "is a folder this product did not write; not replacing it",
                                 "an empty folder, a new name, or the folder of an earlier run"))
    final.parent.mkdir(parents=True, exist_ok=True)
    recover(final)
    tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.new-", dir=final.parent))
    try:
        (tmp / MARKER).write_text("written by wfm; the whole folder is replaced by the next run\n", encoding="utf-8")
        yield tmp
        # mkdtemp makes the folder private; give it the permissions a new folder gets
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o777 & ~umask)
        old = None
        if final.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{final.name}.old-", dir=final.parent))
            os.rmdir(old)
            os.rename(final, old)
        os.rename(tmp, final)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
