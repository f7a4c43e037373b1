"""Command line: a thin click layer over the Python API.

Every command calls a function you can call yourself (``wfm.plan.Plan.run``,
``wfm.staffing.required_agents`` ...). Its options and inputs are checked
before any work starts (:mod:`wfm.cli.options`). User mistakes end with
every problem listed on stderr and exit status 2, never a traceback; an
unexpected internal error prints ``internal error: ... (details in LOG)``,
writes the traceback to LOG and exits with status 1.
"""

from __future__ import annotations

import datetime as dt
import importlib
import os
import sys
import tempfile
import traceback
from pathlib import Path

import click

from wfm import __version__
from wfm.cli.options import CommandGroup
from wfm.errors import ARGUMENT, OPTION, InputError, Problem

#: Exit status of an internal error (a user mistake exits with 2).
INTERNAL_ERROR_EXIT = 1
#: Name of the error log written beside a command's outputs.
ERROR_LOG = "wfm-error.log"


def _as_flag(problem: Problem, command: click.Command | None) -> Problem:
    """An argument problem renamed to the option that sets the argument."""
    if problem.file != ARGUMENT or command is None:
        return problem
    for param in command.params:
        if param.name == problem.column and isinstance(param, click.Option):
            flag = max(param.opts, key=len)
            return Problem(OPTION, None, flag, problem.problem, problem.expected)
    return problem


def error_log_path(meta: dict) -> Path:
    """Where an internal error's traceback goes: the log a command named
    (``ctx.meta["wfm.log"]``: ``wfm plan`` names its plan.log), else
    ``wfm-error.log`` in the output folder or beside the output file when
    that folder exists, else in the system's temporary folder."""
    if meta.get("wfm.log"):
        return Path(meta["wfm.log"])
    for value, is_folder in meta.get("wfm.outputs") or ():
        if not value:
            continue
        folder = Path(value) if is_folder else Path(value).parent
        if folder.is_dir() and os.access(folder, os.W_OK):
            return folder / ERROR_LOG
    return Path(tempfile.gettempdir()) / f"wfm-error-{os.getpid()}.log"


def write_error_log(path: Path, exc: BaseException, command: str) -> Path:
    """Append the traceback of ``exc`` to ``path`` (the temporary folder when
    that fails); returns where it went."""
    text = (f"--- wfm {__version__} internal error at {dt.datetime.now().isoformat(timespec='seconds')}\n"
            f"command: {command}\n"
            + "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)))
    for target in (path, Path(tempfile.gettempdir()) / f"wfm-error-{os.getpid()}.log"):
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            with open(target, "a", encoding="utf-8") as fh:
                fh.write(text)
            return target
        except OSError:
            continue
    return path


class RootGroup(CommandGroup):
    """Root group: InputError (and an OSError reading or writing a file)
    become a clean message and exit status 2; any other exception an
    "internal error" line, its traceback in a log file, exit status 1."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except InputError as exc:
            command = ctx.meta.get("wfm.command")
            for problem in exc.problems:
                click.echo(f"error: {_as_flag(problem, command)}", err=True)
            n = len(exc.problems)
            click.echo(f"wfm: {n} problem{'s' if n != 1 else ''} in the input; nothing written.",
                       err=True)
            ctx.exit(2)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except OSError as exc:
            where = f"{exc.filename}: " if exc.filename else ""
            click.echo(f"error: {where}{exc.strerror or exc}", err=True)
            click.echo("wfm: could not read or write a file; see the message above.", err=True)
            ctx.exit(2)
        except Exception as exc:
            command = ctx.meta.get("wfm.command")
            log = write_error_log(error_log_path(ctx.meta), exc,
                                  f"wfm {getattr(command, 'name', '') or ''}".strip())
            click.echo(f"internal error: {type(exc).__name__}: {exc} (details in {log})", err=True)
            click.echo("This is a bug in wfm, not a problem with your input; please report it with the log.",
                       err=True)
            ctx.exit(INTERNAL_ERROR_EXIT)


@click.group(cls=RootGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="wfm")
def cli():
    """wfm: contact-centre workforce planning (forecast, staffing, roster, KPIs)."""


def main(argv=None):
    """Console-script entry point."""
    return cli.main(args=argv, prog_name="wfm")


# Sub-commands live in their own modules; importing each registers nothing
# by side effect, the root adds them here.
for _module, _attr in (("wfm.cli.staff", "staff"), ("wfm.cli.plan", "plan"), ("wfm.cli.plan", "compare"),
                       ("wfm.cli.plan", "sample"), ("wfm.cli.forecast", "forecast"), ("wfm.cli.kpi", "kpi"),
                       ("wfm.cli.kpi", "export"), ("wfm.cli.roster", "roster"), ("wfm.cli.simulate", "simulate")):
    cli.add_command(getattr(importlib.import_module(_module), _attr))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
