"""Save and load fitted forecasters as readable files (no pickle).

Layout of a model directory::

    model.json                 format name and version, model name, parameters,
                               per-queue scalars (levels, AR coefficients, ...)
    <queue>/<name>.csv         every table of the fitted state: intraday
                               profiles (weekday x "HH:MM"), SVD components,
                               day factors, AHT profile ...

Numbers are written with Python's shortest round-trip representation (JSON)
and ``repr`` precision (CSV) and read back exactly, so a loaded model predicts
the same values as the one that was saved.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from wfm.errors import InputError, Problem
from wfm.io import write_atomic

from .calendar import CalendarConfig
from .models import AutoForecaster, Forecaster, make_model

FORMAT = "wfm-forecast-model"
FORMAT_VERSION = 1

__all__ = ["save_model", "load_model", "FORMAT_VERSION"]


def _safe(name: str) -> str:
    s = re.sub(r"[^A-Za-z0-9_.-]+", "_", str(name)).strip("._")
    return s or "queue"


def _dump(obj, folder: Path, root: Path, stem: str):
    """Replace tables by {"csv": relative path}, writing them under folder."""
    if isinstance(obj, pd.DataFrame):
        path = folder / f"{stem}.csv"
        obj.to_csv(path, index=True, index_label="row", float_format="%.17g")
        return {"csv": path.relative_to(root).as_posix()}
    if isinstance(obj, dict):
        return {k: _dump(v, folder, root, f"{stem}.{k}" if stem else k) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_dump(v, folder, root, f"{stem}.{i}") for i, v in enumerate(obj)]
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, float) and not np.isfinite(obj):
        return None if np.isnan(obj) else ("inf" if obj > 0 else "-inf")
    return obj


def _load(obj, root: Path):
    if isinstance(obj, dict):
        if set(obj) == {"csv"}:
            df = pd.read_csv(root / obj["csv"], index_col=0)
            df.index.name = None
            return df
        return {k: _load(v, root) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_load(v, root) for v in obj]
    return obj


def save_model(model: Forecaster, directory: str | os.PathLike) -> Path:
    """Write a fitted forecaster to ``directory`` (replaced as a whole)."""
    if not hasattr(model, "queues_"):
        raise ValueError("only a fitted forecaster can be saved")
    directory = Path(directory)
    directory.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{directory.name}.", dir=directory.parent))
    try:
        queues = {}
        used = set()
        for q, rec in model.queues_.items():
            folder_name = _safe(q)
            while folder_name in used:
                folder_name += "_"
            used.add(folder_name)
            folder = tmp / folder_name
            folder.mkdir()
            rec = dict(rec)
            queues[q] = _dump(rec, folder, tmp, "")
        params = model.get_params()
        doc = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "model": model.name,
            "params": _dump(params, tmp, tmp, "params"),
            "prediction_interval": model.pi_level,
            "queues": queues,
        }
        write_atomic(tmp / "model.json", lambda p: Path(p).write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"))
        if directory.exists():
            old = directory.with_name(f".{directory.name}.old")
            if old.exists():
                shutil.rmtree(old)
            os.replace(directory, old)
            os.replace(tmp, directory)
            shutil.rmtree(old)
        else:
            os.replace(tmp, directory)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return directory


def load_model(directory: str | os.PathLike) -> Forecaster:
    """Load a forecaster saved by :func:`save_model`."""
    directory = Path(directory)
    path = directory / "model.json"
    if not path.is_file():
        raise InputError(Problem(str(directory), None, None, "no model.json in this directory", "a directory written by `wfm forecast fit`"))
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise InputError(Problem(str(path), e.lineno, None, f"not valid JSON: {e.msg}")) from None
    if doc.get("format") != FORMAT:
        raise InputError(Problem(str(path), None, "format", f"not a wfm forecast model ({doc.get('format')!r})", FORMAT))
    if doc.get("format_version") != FORMAT_VERSION:
        raise InputError(
            Problem(str(path), None, "format_version", f"unsupported version {doc.get('format_version')!r}", str(FORMAT_VERSION))
        )
    params = _load(doc["params"], directory)
    params["calendar"] = CalendarConfig.from_dict(params["calendar"])
    name = doc["model"]
    if name == "auto":
        model = AutoForecaster(**params)
    else:
        model = make_model(name, **params)
    model.queues_ = {q: _load(rec, directory) for q, rec in doc["queues"].items()}
    model.cleaned_ = pd.DataFrame()
    model.notes_ = pd.DataFrame()
    return model
