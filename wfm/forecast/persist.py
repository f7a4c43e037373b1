"""Save and load fitted forecasters as readable files (no pickle).

Layout of a model directory::

    model.json                 format name and version, model name, parameters,
                               per-queue scalars (levels, AR coefficients, ...)
    <queue>/<name>.csv         every table of the fitted state: intraday
                               profiles (weekday x "HH:MM"), SVD components,
                               day factors, AHT profile ...

Each queue's :class:`~wfm.forecast.base.QueueFit` is written field by field,
its model's ``State`` dataclass inside it (``state``) the same way, whatever
the model: a new model needs nothing here. Loading rebuilds the dataclasses
from their field types (tuples, dates, floats, tables, nested states found by
the sibling ``model`` field).

Numbers are written with Python's shortest round-trip representation (JSON)
and ``repr`` precision (CSV) and read back exactly, so a loaded model predicts
the same values as the one that was saved.

Versions: 3 adds each queue's ``risk`` (the day-level risk calibrated on a
backtest, :class:`~wfm.forecast.risk.DayRisk`) and the ``risk_origins``
parameter; 2 writes the parameters as given (``calendar`` null for the
default, a member forecaster as ``{"model", "params"}``); 1 wrote them
resolved. All three are read: a model saved before version 3 has no risk
and predicts the interval it always did (in-sample day sigma).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import shutil
import tempfile
import types
import typing
from pathlib import Path

import numpy as np
import pandas as pd

from wfm.errors import InputError, Problem
from wfm.io import inside, safe_file_name, write_atomic, write_csv

from .base import COMMON_PARAMS, MODELS, NOTES_COLUMNS, Forecaster, ModelState, QueueFit, make_model
from .calendar import CalendarConfig
from .history import CLEANED_COLUMNS

FORMAT = "wfm-forecast-model"
FORMAT_VERSION = 3
READ_VERSIONS = (1, 2, 3)

__all__ = ["save_model", "load_model", "FORMAT_VERSION"]


def _plain(obj):
    """Dataclasses, forecasters, calendars and dates as JSON-able structures (tables kept)."""
    if isinstance(obj, CalendarConfig):
        return obj.to_dict()
    if isinstance(obj, Forecaster):
        own = {k: v for k, v in obj.get_params().items() if k not in COMMON_PARAMS}
        return {"model": obj.name, "params": _plain(own)}
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: _plain(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, dict):
        return {k: _plain(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_plain(v) for v in obj]
    if isinstance(obj, dt.date):
        return obj.isoformat()
    return obj


def _dump(obj, folder: Path, root: Path, stem: str):
    """Replace tables by {"csv": relative path}, writing them under folder."""
    if isinstance(obj, pd.DataFrame):
        path = folder / f"{stem}.csv"
        # plain text, read back by pandas.read_csv: the spreadsheet quoting would
        # come back with the text (a machine-read file, never opened in Excel)
        write_csv(obj, path, safe=False, index_label="row", float_format="%.17g")
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
            # a model.json names its tables: they must lie inside the model's folder
            df = pd.read_csv(inside(root, *Path(obj["csv"]).parts), index_col=0)
            df.index.name = None
            return df
        return {k: _load(v, root) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_load(v, root) for v in obj]
    return obj


class _Bad(Exception):
    """A saved value that does not fit its field (``where``: the path to it)."""

    def __init__(self, where: str, message: str):
        super().__init__(message)
        self.where = where


def _build(cls: type, data, where: str, parent: dict | None = None):
    """Rebuild dataclass ``cls`` from its saved fields."""
    if not isinstance(data, dict):
        raise _Bad(where, f"expected the fields of {cls.__qualname__}, got {type(data).__name__}")
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    extra = sorted(set(data) - set(fields))
    if extra:
        raise _Bad(where, f"{cls.__qualname__} has no field(s) {', '.join(extra)}")
    kwargs = {}
    for name, f in fields.items():
        if name not in data:
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                raise _Bad(where, f"{cls.__qualname__} field {name} missing")
            continue
        kwargs[name] = _convert(hints[name], data[name], f"{where}.{name}", data)
    return cls(**kwargs)


def _convert(tp, value, where: str, parent: dict):
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        rest = [a for a in args if a is not type(None)]
        return _convert(rest[0], value, where, parent) if len(rest) == 1 else value
    if origin is tuple:
        if not isinstance(value, list | tuple):
            raise _Bad(where, f"expected a list, got {type(value).__name__}")
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_convert(args[0], v, f"{where}.{i}", parent) for i, v in enumerate(value))
        return tuple(_convert(a, v, f"{where}.{i}", parent) for i, (a, v) in enumerate(zip(args, value, strict=True)))
    if tp is ModelState:
        name = parent.get("model")
        if name not in MODELS:
            raise _Bad(where, f"unknown forecast model {name!r} (import the module that defines it)")
        return _build(MODELS[name].State, value, where)
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return _build(tp, value, where)
    if tp is pd.DataFrame:
        if not isinstance(value, pd.DataFrame):
            raise _Bad(where, "expected a table ({\"csv\": path})")
        return value
    if tp is float:
        if value is None:
            return float("nan")
        return float(value)
    if tp is int:
        return int(value)
    if tp is dt.date:
        return dt.date.fromisoformat(value)
    return value


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
            folder_name = safe_file_name(q, fallback="queue")
            while folder_name in used:
                folder_name += "_"
            used.add(folder_name)
            folder = tmp / folder_name
            folder.mkdir()
            queues[q] = _dump(_plain(rec), folder, tmp, "")
        doc = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "model": model.name,
            "params": _dump(_plain(model.get_params()), tmp, tmp, "params"),
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
    """Load a forecaster saved by :func:`save_model` (format version 1, 2 or 3)."""
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
    if doc.get("format_version") not in READ_VERSIONS:
        raise InputError(
            Problem(str(path), None, "format_version", f"unsupported version {doc.get('format_version')!r}",
                    " or ".join(map(str, READ_VERSIONS)))
        )
    name = doc.get("model")
    if name not in MODELS:
        raise InputError(Problem(str(path), None, "model", f"unknown forecast model {name!r}",
                                 "a model in wfm.forecast.MODELS (import the module that defines it)"))
    params = _load(doc["params"], directory)
    if isinstance(params.get("calendar"), dict):
        params["calendar"] = CalendarConfig.from_dict(params["calendar"])
    model = make_model(name, **params)
    try:
        model.queues_ = {q: _build(QueueFit, _load(rec, directory), f"queues.{q}") for q, rec in doc["queues"].items()}
    except (_Bad, TypeError, ValueError) as e:
        where = e.where if isinstance(e, _Bad) else "queues"
        raise InputError(Problem(str(path), None, where, f"cannot read the fitted model: {e}")) from None
    model.cleaned_ = pd.DataFrame(columns=CLEANED_COLUMNS)
    model.notes_ = pd.DataFrame(
        [{"queue": q, "requested_model": r.requested_model, "model": r.model, "message": m}
         for q, r in model.queues_.items() for m in r.notes],
        columns=NOTES_COLUMNS,
    )
    return model
