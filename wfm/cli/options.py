"""The commands' declared checks: one parameter type per kind of value, one
rule list per command, every problem at once before any work starts.

Every parameter of every command has a type from this module that checks
its value where click converts it:

* :class:`Number` / :class:`Whole`: finite numbers (NaN and inf rejected)
  in a declared range, optionally with a value that switches a target off;
* :class:`Choice`: a known value, with a "did you mean" hint;
* :class:`Zone`, :class:`Date`, :class:`Month`: an IANA time zone, a date,
  a month;
* :class:`InputFile` / :class:`InputFolder`: an existing, readable file
  (of an accepted extension; a configuration file is validated whole by its
  loader) or folder (holding the file it must hold);
* :class:`OutputFile` / :class:`OutputFolder`: a location that can be
  written (the nearest existing folder accepts a new file; an existing
  path is of the right kind; the extension is one the command writes).

A :class:`Command` collects the problem of every parameter instead of
stopping at the first, then runs the command's ``checks`` (rules between
options, see :func:`rule`) on the values that are valid, and raises all of
them as one :class:`~wfm.errors.InputError` before the command's function
runs: the root prints them and exits with status 2. Each problem names its
option (``--patience-s``) or argument (``INPUT``).

A command's ``columns`` name the table schemas of its inputs; its
``--help`` lists their columns (imported only when the help is shown).
"""

from __future__ import annotations

import datetime as dt
import importlib
import math
import os
import re
import zoneinfo
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import click

from wfm import DEFAULT_TZ
from wfm.errors import OPTION, InputError, Problem, did_you_mean

__all__ = [
    "TABLE_SUFFIXES", "Bad", "Choice", "Command", "CommandGroup", "Date", "InputFile", "InputFolder",
    "Month", "Number", "OutputFile", "OutputFolder", "Text", "Whole", "Zone", "fraction", "gather", "param_flag",
    "rule",
    "tz_option",
]

#: Extensions of the table files every reader takes (:func:`wfm.tables.read_table`).
TABLE_SUFFIXES = (".csv", ".txt", ".xlsx", ".xlsm", ".parquet", ".pq")


class Bad(click.BadParameter):
    """A parameter's problem, worded as ``problem (expected ...)``."""

    def __init__(self, problem: str, expected: str | None = None):
        super().__init__(problem + (f" (expected {expected})" if expected else ""))
        self.problem = problem
        self.expected = expected


def _shown(value) -> str:
    text = str(value)
    return repr(text) if text.strip() != text or text == "" else text


# --------------------------------------------------------------- numbers


def _bounds(ge, gt, le, lt) -> str:
    parts = [f"{sign} {v:g}" for v, sign in ((ge, ">="), (gt, ">"), (le, "<="), (lt, "<")) if v is not None]
    return " and ".join(parts)


class Number(click.ParamType):
    """A finite number in a range; ``off``: a value outside the range that
    switches the target off (``0``)."""

    name = "number"

    def __init__(self, *, ge=None, gt=None, le=None, lt=None, off=None):
        self.ge, self.gt, self.le, self.lt, self.off = ge, gt, le, lt, off

    @property
    def expected(self) -> str:
        rng = _bounds(self.ge, self.gt, self.le, self.lt)
        text = f"a number {rng}" if rng else "a finite number"
        return text + (f", or {self.off:g} to switch it off" if self.off is not None else "")

    def _parse(self, value):
        if isinstance(value, bool):
            raise Bad(f"invalid value {value!r}", self.expected)
        if isinstance(value, (int, float)):
            return float(value)
        try:
            return float(str(value).strip())
        except ValueError:
            raise Bad(f"{_shown(value)} is not a number", self.expected) from None

    def _in_range(self, v: float) -> bool:
        return not ((self.ge is not None and v < self.ge) or (self.gt is not None and v <= self.gt)
                    or (self.le is not None and v > self.le) or (self.lt is not None and v >= self.lt))

    def convert(self, value, param, ctx):
        v = self._parse(value)
        if not math.isfinite(v):
            raise Bad(f"invalid value {_shown(value)}: not a finite number", self.expected)
        if self.off is not None and v == self.off:
            return v
        if not self._in_range(v):
            raise Bad(f"invalid value {_shown(value)}", self.expected)
        return v


class Whole(Number):
    """A whole number in a range (``3`` or ``3.0``; not ``3.5``, not ``1e400``)."""

    name = "integer"

    @property
    def expected(self) -> str:
        rng = _bounds(self.ge, self.gt, self.le, self.lt)
        text = f"a whole number {rng}" if rng else "a whole number"
        return text + (f", or {self.off:g} to switch it off" if self.off is not None else "")

    def convert(self, value, param, ctx):
        if isinstance(value, int) and not isinstance(value, bool):
            v = value
        else:
            text = str(value).strip()
            if not re.fullmatch(r"[+-]?\d+(\.0*)?", text):
                raise Bad(f"invalid value {_shown(value)}: not a whole number", self.expected)
            v = int(text.split(".")[0])
        if (self.off is None or v != self.off) and not self._in_range(v):
            raise Bad(f"invalid value {_shown(value)}", self.expected)
        return v


class IntervalMinutes(Whole):
    """An interval length: whole minutes dividing a day."""

    def __init__(self):
        super().__init__(ge=1, le=1440)

    @property
    def expected(self) -> str:
        return "whole minutes dividing a day: 15, 30 or 60 (or 5, 10, 20 ...)"

    def convert(self, value, param, ctx):
        v = super().convert(value, param, ctx)
        if 1440 % v:
            raise Bad(f"invalid value {_shown(value)}: {v} minutes do not divide a day", self.expected)
        return v


def fraction(name: str | None = None, *, upper_open: bool = False, lower_open: bool = False,
             off: float | None = None) -> Number:
    """A share 0..1 (``upper_open``: below 1; ``lower_open``: above 0); ``name`` is
    accepted for the callers of the old callback and not used."""
    return Number(ge=None if lower_open else 0.0, gt=0.0 if lower_open else None,
                  le=None if upper_open else 1.0, lt=1.0 if upper_open else None, off=off)


# --------------------------------------------------------------- text


class Text(click.ParamType):
    """Non-empty printable text (no NUL or other control character): a name,
    or a path that a command's rule checks further."""

    name = "text"

    def __init__(self, what: str = "printable text"):
        self.what = what

    def convert(self, value, param, ctx):
        text = os.fspath(value) if isinstance(value, os.PathLike) else str(value)
        if not text.strip():
            raise Bad("empty", self.what)
        bad = next((c for c in text if ord(c) < 32 or ord(c) == 127), None)
        if bad is not None:
            raise Bad(f"{text!r} holds a control character ({bad!r})", self.what)
        return text


# --------------------------------------------------------------- choices


class Choice(click.Choice):
    """One of ``choices``, with a "did you mean" hint for a near miss."""

    def convert(self, value, param, ctx):
        try:
            return super().convert(value, param, ctx)
        except click.BadParameter:
            raise Bad(f"unknown value {str(value)!r}{did_you_mean(value, self.choices)}",
                      "one of " + ", ".join(map(str, self.choices))) from None


class Zone(click.ParamType):
    """An IANA time zone this machine knows."""

    name = "zone"

    def convert(self, value, param, ctx):
        text = str(value)
        try:
            if "\x00" in text or not text.strip():
                raise ValueError(text)
            zoneinfo.ZoneInfo(text)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError, OSError):
            hint = did_you_mean(text, sorted(zoneinfo.available_timezones())) if text.strip() else ""
            raise Bad(f"unknown time zone {text!r}{hint}",
                      f"an IANA name such as {DEFAULT_TZ} or Europe/Berlin") from None
        return text


class Date(click.ParamType):
    """A date ``YYYY-MM-DD`` in the years the tables accept (1900-2199)."""

    name = "date"

    def convert(self, value, param, ctx):
        if isinstance(value, dt.date):
            return value.isoformat()
        text = str(value).strip()
        try:
            d = dt.date.fromisoformat(text)
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
                raise ValueError(text)
        except ValueError:
            raise Bad(f"{text!r} is not a date", "YYYY-MM-DD, e.g. 2025-11-11") from None
        if not 1900 <= d.year <= 2199:
            raise Bad(f"{text} is outside the years 1900-2199", "a plausible date")
        return text


class Month(click.ParamType):
    """A month ``YYYY-MM``."""

    name = "month"

    def convert(self, value, param, ctx):
        text = str(value).strip()
        m = re.fullmatch(r"(\d{4})-(\d{2})", text)
        if not m or not 1 <= int(m[2]) <= 12 or not 1900 <= int(m[1]) <= 2199:
            raise Bad(f"{text!r} is not a month", "YYYY-MM, e.g. 2025-11")
        return text


# ----------------------------------------------------------------- paths


def _path_text(value) -> str:
    text = os.fspath(value) if isinstance(value, os.PathLike) else str(value)
    if text == "":
        raise Bad("empty path", "a file name")
    if "\x00" in text:
        raise Bad(f"{text!r}: the path holds a NUL character", "a file name")
    return text


class InputFile(click.ParamType):
    """An existing, readable file. ``what``: what it should be ("an interval
    table"); ``suffixes``: the extensions accepted; ``loader``: a function
    that reads and validates the whole file (a configuration file), its
    problems reported with the options'."""

    name = "file"

    def __init__(self, what: str, suffixes: Sequence[str] | None = None,
                 loader: Callable[[str], object] | None = None):
        self.what = what
        self.suffixes = tuple(suffixes) if suffixes else None
        self.loader = loader

    def convert(self, value, param, ctx):
        text = _path_text(value)
        p = Path(text)
        if not p.exists():
            raise Bad(f"{text}: file not found", self.what)
        if p.is_dir():
            raise Bad(f"{text} is a folder", f"a file: {self.what}")
        if self.suffixes and p.suffix.lower() not in self.suffixes:
            raise Bad(f"{text}: unsupported file extension {p.suffix or '(none)'!r}",
                      f"{self.what}: " + ", ".join(self.suffixes))
        try:
            with open(p, "rb") as fh:
                fh.read(1)
        except OSError as exc:
            raise Bad(f"{text}: cannot read ({exc.strerror or exc})", self.what) from None
        if self.loader is not None:
            self.loader(text)  # an InputError: its problems are collected by Command
        return text


class InputFolder(click.ParamType):
    """An existing folder holding the file ``contains`` (when given)."""

    name = "folder"

    def __init__(self, what: str, contains: str | None = None):
        self.what = what
        self.contains = contains

    def convert(self, value, param, ctx):
        text = _path_text(value)
        p = Path(text)
        if not p.exists():
            raise Bad(f"{text}: folder not found", self.what)
        if not p.is_dir():
            raise Bad(f"{text} is a file, not a folder", self.what)
        if self.contains and not (p / self.contains).is_file():
            raise Bad(f"{text}: no {self.contains} in this folder", self.what)
        return text


class OutputFile(click.ParamType):
    """A file that can be written (new or replaced), of one of ``suffixes``."""

    name = "file"

    def __init__(self, suffixes: Sequence[str] | None = None):
        self.suffixes = tuple(suffixes) if suffixes else None

    def convert(self, value, param, ctx):
        from wfm.io import output_problem

        text = _path_text(value)
        problem = output_problem(text, folder=False)
        if problem:
            raise Bad(f"{text}: {problem}" if not problem.startswith(text) else problem,
                      "a file that can be written")
        if self.suffixes and Path(text).suffix.lower() not in self.suffixes:
            raise Bad(f"{text}: the extension must be one of {', '.join(self.suffixes)}",
                      "a file name ending in " + " or ".join(self.suffixes))
        return text


class OutputFolder(click.ParamType):
    """A folder that can be written into (new or existing)."""

    name = "folder"

    def convert(self, value, param, ctx):
        from wfm.io import output_problem

        text = _path_text(value)
        problem = output_problem(text, folder=True)
        if problem:
            raise Bad(f"{text}: {problem}" if not problem.startswith(text) else problem,
                      "a folder that can be written (new or existing)")
        return text


# -------------------------------------------------------- the collector


def gather(**readers: Callable[[], object]) -> dict:
    """Call every reader (``name=lambda: read(...)``; None skips one) and
    return their results by name; the problems of all of them are raised
    together as one InputError, so a command reports every bad input file
    at once before it starts its work."""
    out, problems = {}, []
    for name, read in readers.items():
        if read is None:
            out[name] = None
            continue
        try:
            out[name] = read()
        except InputError as exc:
            problems += exc.problems
            out[name] = None
    if problems:
        raise InputError(problems)
    return out



def param_flag(param: click.Parameter) -> str:
    """How a problem names a parameter: its longest flag, or an argument's metavar."""
    if isinstance(param, click.Option):
        return max(param.opts, key=len)
    return param.metavar or (param.name or "").upper()


def rule(*names: str):
    """Declare a rule between a command's options: ``fn(**values)`` yields
    ``(option name, problem, expected)`` for every violation. ``names``: the
    parameters it reads; it runs only when every one of them is valid."""

    def declare(fn):
        fn.needs = names
        return fn

    return declare


def _param_problems(param: click.Parameter, exc: Exception) -> list[Problem]:
    flag = param_flag(param)
    if isinstance(exc, InputError):
        return list(exc.problems)
    if isinstance(exc, Bad):
        return [Problem(OPTION, None, flag, exc.problem, exc.expected)]
    if isinstance(exc, click.MissingParameter):
        return [Problem(OPTION, None, flag, "missing", "a value: the command needs it")]
    message = exc.format_message() if isinstance(exc, click.ClickException) else str(exc)
    return [Problem(OPTION, None, flag, message)]


def _collecting(param: click.Parameter) -> None:
    """Make ``param`` record its problem instead of stopping the parse."""
    handle = param.handle_parse_result

    def collect(ctx, opts, args):
        try:
            return handle(ctx, opts, args)
        except (click.BadParameter, InputError) as exc:
            problems = _param_problems(param, exc)
            raw = opts.get(param.name)
            if (param.multiple or param.nargs != 1) and isinstance(raw, (list, tuple)) and len(raw) > 1:
                # click stops at the first bad item of a repeated option: check each
                problems = []
                for item in raw:
                    try:
                        param.type.convert(item, param, ctx)
                    except (click.BadParameter, InputError) as item_exc:
                        problems += [p for p in _param_problems(param, item_exc) if p not in problems]
                problems = problems or _param_problems(param, exc)
            ctx.meta.setdefault("wfm.failed", {})[param.name] = problems
            ctx.params[param.name] = None
            return None, args

    param.handle_parse_result = collect


class Command(click.Command):
    """A command that checks all its parameters and ``checks`` (rules) before
    it runs (module docstring). ``columns``: ``(label, "module:SCHEMA")``
    pairs whose columns its help lists."""

    def __init__(self, *args, checks: Iterable[Callable] = (), columns: Iterable[tuple[str, str]] = (),
                 **kwargs):
        super().__init__(*args, **kwargs)
        self.checks = tuple(checks)
        self.columns = tuple(columns)
        for param in self.params:
            _collecting(param)

    def parse_args(self, ctx, args):
        ctx.meta["wfm.failed"] = {}
        rest = super().parse_args(ctx, args)
        if ctx.resilient_parsing:
            return rest
        failed = ctx.meta.pop("wfm.failed", {})
        problems = [p for ps in failed.values() for p in ps]
        flags = {p.name: param_flag(p) for p in self.params}
        for check in self.checks:
            if any(n in failed for n in getattr(check, "needs", ())):
                continue
            for name, problem, expected in check(**ctx.params) or ():
                problems.append(Problem(OPTION, None, flags.get(name, name), problem, expected))
        ctx.meta["wfm.outputs"] = [(ctx.params.get(p.name), isinstance(p.type, OutputFolder))
                                   for p in self.params if isinstance(p.type, (OutputFile, OutputFolder))]
        problems += self._outputs_over_inputs(ctx, failed, flags)
        if problems:
            raise InputError(problems)
        return rest

    def _outputs_over_inputs(self, ctx, failed, flags) -> list[Problem]:
        """An output file that is one of the command's input files would be
        replaced before (or while) it is read: a problem, never a lost input."""
        def values(p):
            v = ctx.params.get(p.name)
            return [] if p.name in failed or v is None else list(v) if isinstance(v, (list, tuple)) else [v]

        inputs = {os.path.realpath(v): p for p in self.params if isinstance(p.type, InputFile) for v in values(p)}
        out = []
        for p in self.params:
            if isinstance(p.type, OutputFile):
                for v in values(p):
                    if os.path.realpath(v) in inputs:
                        src = flags[inputs[os.path.realpath(v)].name]
                        out.append(Problem(OPTION, None, flags[p.name], f"{v} is also the input {src}",
                                           "an output file that is not one of the inputs"))
        return out

    def format_epilog(self, ctx, formatter):
        super().format_epilog(ctx, formatter)
        for label, ref in self.columns:
            module, _, attr = ref.partition(":")
            schema = getattr(importlib.import_module(module), attr)
            with formatter.section(f"{label} columns"):
                formatter.write_dl(schema.help_rows())


class CommandGroup(click.Group):
    """A group that records the command it runs (``ctx.meta``, shared by
    every context of one invocation), so errors can name its flags; its
    commands are :class:`Command` s."""

    command_class = Command

    def resolve_command(self, ctx, args):
        name, cmd, rest = super().resolve_command(ctx, args)
        ctx.meta["wfm.command"] = cmd
        return name, cmd, rest


CommandGroup.group_class = CommandGroup


def tz_option(f=None, *, help: str = "Time zone of naive timestamps (IANA name)."):
    """``--tz``: the zone of naive timestamps, checked to exist."""
    option = click.option("--tz", default=DEFAULT_TZ, show_default=True, type=Zone(), help=help)
    return option if f is None else option(f)
