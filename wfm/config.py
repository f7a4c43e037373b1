"""Configuration files (scenario, shift catalogue, scorecard scheme): one way to validate them.

Each file's shape is a tree of :class:`ConfigModel` classes (pydantic v2
models): unknown keys are errors (``extra="forbid"``), scalars are strict (a
quoted ``"20"`` is not the number 20, ``true`` is not 1), numbers are finite
(NaN and inf are rejected) and carry their ranges, choices are ``Literal``
enumerations. :func:`validate_config` validates a parsed file and turns every
pydantic error into a :class:`wfm.errors.Problem` located by file and dotted
key, all at once::

    scenarios/x.toml: service.max_abandon: invalid value 1.5 (expected a number > 0 and <= 1)
    scenarios/x.toml: service.servic_level: unknown key; did you mean 'service_level'? (expected one of ...)

Rules between the keys of one table (a break window inside its shift, a
maximum above its minimum) are ``model_validator(mode="after")`` methods that
raise :func:`broken` with keys relative to the table; pydantic runs them once
the table's own keys are valid, so they are reported together with the
problems of every other table. Rules comparing tables (a contract's weekly
hours against its shift types) run on the root model, once the whole file
has the right shape: they are meaningless on half-valid tables.

The models validate the raw TOML and build the small frozen dataclasses the
rest of the program uses (``Scenario``, ``Catalog``, ``Scheme``), so pydantic
stays inside the loaders: this module and the ``*_schema`` modules that use it
are imported when a file is read, never by ``wfm --help`` or by commands that
read no configuration.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import tomllib
import types
import typing
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Strict, ValidationError
from pydantic.fields import FieldInfo
from pydantic_core import PydanticCustomError

from wfm.errors import InputError, Problem, did_you_mean

__all__ = [
    "ConfigModel", "Expect", "Switchable", "Text", "Flag", "Number", "Whole", "IsoDate", "Clock",
    "MonthDay", "broken", "invalid", "default_of", "hint", "read_toml", "validate_config",
    "clock_minutes",
]

# ------------------------------------------------------------------ models


class ConfigModel(BaseModel):
    """A table of a configuration file: unknown keys forbidden, numbers finite.

    Scalars use the strict types below; containers stay lax so TOML arrays
    fill tuples. ``sections`` marks a file whose top-level keys are
    ``[sections]`` (the messages say "unknown section").
    """

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, validate_default=False)
    sections: ClassVar[bool] = False


class Expect:
    """Annotation: what a key accepts, in words, for problems inside it.

    ``Annotated[list[tuple[Number, Number]], Expect("a list of [threshold,
    score] pairs")]`` reports any problem inside the list at the key itself
    with this expectation (instead of at ``bands[0][1]``).
    """

    def __init__(self, text: str):
        self.text = text

    def __repr__(self) -> str:
        return f"Expect({self.text!r})"


class _SwitchOff:
    """Annotation of a key that ``false`` switches off (``None`` inside).

    The JSON schema says ``false`` where pydantic would say ``null``: TOML has
    no null, and ``false`` is what a file writes."""

    def __get_pydantic_json_schema__(self, core_schema, handler):
        js = handler(core_schema)
        if "anyOf" in js:
            js["anyOf"] = [{"const": False} if x == {"type": "null"} else x for x in js["anyOf"]]
        return js


_OFF = _SwitchOff()


def _false_is_off(v):
    return None if v is False else v


def _whole(v):
    # 3.0 is the whole number 3 (TOML writes either); 3.5 and true are not.
    return int(v) if isinstance(v, float) and v.is_integer() else v


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _printable(v: str) -> str:
    # NUL and the other control characters are never meant, and unsafe in the
    # outputs the text reaches (file names, JSON, HTML); tab and line breaks
    # are allowed in free text
    m = _CONTROL.search(v)
    if m:
        raise invalid(f"holds a control character ({m.group(0)!r})", "printable text")
    return v


Text = Annotated[str, Strict(), AfterValidator(_printable)]
Flag = Annotated[bool, Strict()]
Number = Annotated[float, Strict()]
Whole = Annotated[int, Strict(), BeforeValidator(_whole)]


def Switchable(tp):  # noqa: N802 (a type constructor, used like Optional)
    """``tp`` or ``false`` (stored as ``None``): a target or a file that can be switched off."""
    return Annotated[tp | None, BeforeValidator(_false_is_off), _OFF]


def invalid(problem: str, expected: str | None = None) -> PydanticCustomError:
    """The error a value validator raises: ``problem`` as written, ``expected`` as given."""
    return PydanticCustomError("wfm_value", "{problem}", {"problem": problem, "expected": expected})


def broken(*problems: tuple[str, str, str | None]) -> PydanticCustomError:
    """The error a table's rule raises: ``(key, problem, expected)`` each, the
    key relative to the table (``""`` for the table itself, ``"meal"``,
    ``"breaks[0].latest_min"``)."""
    summary = "; ".join(f"{k}: {p}" if k else p for k, p, _ in problems)
    return PydanticCustomError("wfm_rules", "{summary}",
                               {"summary": summary, "problems": list(problems)})


def _iso_date(v):
    if isinstance(v, dt.date) and not isinstance(v, dt.datetime):
        return v.isoformat()
    if isinstance(v, str):
        try:
            return dt.date.fromisoformat(v).isoformat()
        except ValueError:
            pass
    raise invalid(f"invalid value {_short(v)}", "a date YYYY-MM-DD")


def _month_day(v):
    try:
        dt.date.fromisoformat(f"2024-{v}")  # a leap year: 02-29 is a valid event day
        if isinstance(v, str) and len(v) == 5:
            return v
    except (TypeError, ValueError):
        pass
    raise invalid(f"{_short(v)} is not a month and day", '"MM-DD", e.g. "11-11"')


_CLOCK = re.compile(r"(\d{1,2}):(\d{2})")


def clock_minutes(text: str) -> int:
    """``"HH:MM"`` -> minutes after midnight (``"24:00"`` is 1440); ValueError otherwise."""
    m = _CLOCK.fullmatch(text.strip()) if isinstance(text, str) else None
    if not m or int(m[1]) > 24 or int(m[2]) > 59 or int(m[1]) * 60 + int(m[2]) > 1440:
        raise ValueError(f"{text!r} is not a clock time")
    return int(m[1]) * 60 + int(m[2])


def _clock(v):
    try:
        clock_minutes(v)
    except ValueError:
        raise invalid(f"{_short(v)} is not a clock time", "HH:MM, at most 24:00") from None
    return v.strip()


IsoDate = Annotated[str, BeforeValidator(_iso_date), Expect("a date YYYY-MM-DD")]
MonthDay = Annotated[str, BeforeValidator(_month_day)]
Clock = Annotated[str, BeforeValidator(_clock), Expect("HH:MM")]


def default_of(cls, name: str) -> dict:
    """``Field`` keywords giving a model key the default of dataclass ``cls``'s
    field ``name``: the dataclasses stay the one place defaults are written.

    A factory's value is given as the default itself, so the JSON schema shows
    it (pydantic copies mutable defaults for each model)."""
    f = cls.__dataclass_fields__[name]
    if f.default_factory is not dataclasses.MISSING:
        return {"default": f.default_factory()}
    return {"default": f.default}


# --------------------------------------------------------------- reading


def read_toml(path, what: str) -> dict:
    """The parsed TOML file ``path``; a missing or malformed file is an InputError
    naming the file (``what`` says what it should be: "scenario file", ...)."""
    p = Path(path)
    try:
        with open(p, "rb") as fh:
            return tomllib.load(fh)
    except (FileNotFoundError, IsADirectoryError):
        raise InputError(Problem(str(path), None, None, "file not found", f"a TOML {what}")) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(Problem(str(path), None, None, f"not valid TOML: {exc}",
                                 f"a TOML {what}")) from None


def validate_config(model: type[ConfigModel], data: Any, source: str, *,
                    context: Mapping | None = None):
    """``model`` validated from ``data`` (a parsed file), or an InputError with every
    problem as ``Problem(source, None, "dotted.key", problem, expected)``.

    ``context`` reaches the validators (``info.context``): a catalogue passes
    its shift type names so a contract naming a missing one is reported even
    when other tables are wrong.
    """
    try:
        return model.model_validate(data, context=dict(context or {}))
    except ValidationError as exc:
        problems: list[Problem] = []
        for err in exc.errors(include_url=False):
            for p in _problems(err, model, data, source):
                if p not in problems:
                    problems.append(p)
        raise InputError(problems) from None


def hint(name: str, options: Sequence[str]) -> str:
    """``"; did you mean 'x'?"`` for a near miss of one of ``options``, else ``""``
    (:func:`wfm.errors.did_you_mean`)."""
    return did_you_mean(name, options)


# ----------------------------------------------------- errors -> problems

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
# Error types whose meaning the expectation says in full: the problem is just
# the value (``invalid value 1.2 (expected a number >= 0 and < 1)``).
_SAID_BY_EXPECTED = {
    "float_type", "int_type", "int_from_float", "bool_type", "string_type", "greater_than",
    "greater_than_equal", "less_than", "less_than_equal", "literal_error", "dict_type", "list_type",
    "tuple_type", "model_type", "model_attributes_type", "finite_number", "float_parsing",
    "int_parsing", "too_short", "too_long",
}


def dotted(loc: Sequence) -> str:
    """A pydantic location as the TOML key a user reads: ``rule[1].bands``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            text = str(part) if _BARE_KEY.fullmatch(str(part)) else f'"{part}"'
            out += f".{text}" if out else text
    return out


def _short(v, limit: int = 60) -> str:
    text = repr(v)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _raw_at(data, loc):
    for part in loc:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def _strip(tp, meta: list, expect: list):
    """Unwrap Annotated and Optional, collecting metadata and the Expect text."""
    while True:
        if typing.get_origin(tp) is Annotated:
            tp, *extra = typing.get_args(tp)
            for m in extra:
                if isinstance(m, Expect):
                    expect.append(m.text)
                elif isinstance(m, FieldInfo):
                    meta.extend(m.metadata)
                else:
                    meta.append(m)
            continue
        if typing.get_origin(tp) in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(tp) if a is not type(None)]
            if len(args) == 1:
                tp = args[0]
                continue
        return tp


def _walk(model, loc):
    """(type, metadata, Expect texts by depth) of the key at ``loc``; type None if unknown.

    Each Expect is recorded with the length of the location it covers, so a
    problem deep inside a key can be reported at the key."""
    tp, meta, expects = model, [], []
    found: list = []
    tp = _strip(tp, meta, found)
    expects += [(0, t) for t in found]
    for depth, part in enumerate(loc, 1):
        meta, found = [], []
        origin = typing.get_origin(tp)
        if _is_model(tp) and isinstance(part, str):
            f = tp.model_fields.get(part)
            if f is None:
                return None, [], expects
            meta = list(f.metadata)
            tp = f.annotation
        elif origin in (dict, Mapping):
            key_tp, val_tp = typing.get_args(tp)
            tp = key_tp if part == "[key]" else val_tp
        elif origin is tuple and isinstance(part, int):
            args = typing.get_args(tp)
            tp = args[0] if len(args) == 2 and args[1] is Ellipsis else (
                args[part] if part < len(args) else None)
        elif origin in (list, Sequence) and isinstance(part, int):
            tp = typing.get_args(tp)[0]
        else:
            return None, [], expects
        tp = _strip(tp, meta, found)
        expects += [(depth, t) for t in found]
    return tp, meta, expects


def _bounds(meta) -> str:
    parts = []
    for m in meta:
        for attr, sign in (("gt", ">"), ("ge", ">="), ("lt", "<"), ("le", "<=")):
            v = getattr(m, attr, None)  # annotated_types.Gt, Ge, Lt, Le
            if v is not None:
                parts.append(f"{sign} {v:g}" if isinstance(v, (int, float)) else f"{sign} {v}")
    return " and ".join(parts)


def _min_len(meta) -> int:
    return next((m.min_length for m in meta if getattr(m, "min_length", None)), 0)


def _is_model(tp) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def _is_table(annotation) -> bool:
    tp = _strip(annotation, [], [])
    return _is_model(tp) or typing.get_origin(tp) in (dict, Mapping)


def describe(tp, meta=()) -> str | None:
    """What a key of type ``tp`` accepts, in words (None when there are no good words)."""
    off = " or false" if any(m is _OFF for m in meta) else ""
    bounds = _bounds(meta)
    rng = f" {bounds}" if bounds else ""
    origin = typing.get_origin(tp)
    if tp is bool:
        text = "true or false"
    elif tp is int:
        text = f"a whole number{rng}"
    elif tp is float:
        text = f"a number{rng}"
    elif tp is str:
        text = "text"
    elif origin is Literal:
        text = "one of " + ", ".join(str(a) for a in typing.get_args(tp))
    elif origin in (dict, Mapping) or _is_model(tp):
        text = "a non-empty table" if _min_len(meta) else "a table"
    elif origin in (list, tuple, Sequence):
        text = "a non-empty list" if _min_len(meta) else "a list"
    else:
        return None
    return text + off


def _problems(err: dict, model, data, source: str) -> list[Problem]:
    loc, kind, ctx = tuple(err["loc"]), err["type"], err.get("ctx") or {}
    if kind == "wfm_rules":
        out = []
        for key, problem, expected in ctx["problems"]:
            full = ".".join(k for k in (dotted(loc), key) if k).replace(".[", "[")
            out.append(Problem(source, None, full or None, problem, expected))
        return out
    if kind == "extra_forbidden":
        parent, name = loc[:-1], loc[-1]
        tp, _, _ = _walk(model, parent)
        names = list(tp.model_fields) if _is_model(tp) else []
        if not parent and getattr(model, "sections", False):
            tables = [n for n, f in model.model_fields.items() if _is_table(f.annotation)]
            return [Problem(source, None, str(name), f"unknown section [{name}]{hint(name, names)}",
                            "one of " + ", ".join(f"[{n}]" for n in tables))]
        return [Problem(source, None, dotted(loc), f"unknown key{hint(name, names)}",
                        "one of " + ", ".join(names) if names else None)]
    key_is_dict_key = bool(loc) and loc[-1] == "[key]"
    if key_is_dict_key:
        loc = loc[:-1]
    tp, meta, expects = _walk(model, loc)
    at_key, expected = loc, None
    if expects and not key_is_dict_key:
        # a problem inside a key that says what it accepts is reported at that key
        depth, expected = expects[-1]
        at_key = loc[:depth]
    if kind == "wfm_value":
        return [Problem(source, None, dotted(loc), ctx["problem"], ctx.get("expected") or expected)]
    if kind == "missing" and at_key == loc:
        return [Problem(source, None, dotted(loc), "missing", expected or describe(tp, meta))]
    expected = expected or describe(tp, meta)
    value = err.get("input") if at_key == loc else _raw_at(data, at_key)
    problem = f"invalid value {_short(value)}"
    if at_key == loc and (kind not in _SAID_BY_EXPECTED or expected is None):
        problem += ": " + err["msg"][:1].lower() + err["msg"][1:]
    return [Problem(source, None, dotted(at_key), problem, expected)]
