"""Command line: a thin click layer over the Python API.

Every command calls a function you can call yourself (``wfm.plan.Plan.run``,
``wfm.staffing.required_agents`` ...). User mistakes end with the problems
listed on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import importlib
import sys

import click

from wfm import __version__
from wfm.cli.options import CommandGroup
from wfm.errors import ARGUMENT, OPTION, InputError, Problem


def _as_flag(problem: Problem, command: click.Command | None) -> Problem:
    """An argument problem renamed to the option that sets the argument."""
    if problem.file != ARGUMENT or command is None:
        return problem
    for param in command.params:
        if param.name == problem.column and isinstance(param, click.Option):
            flag = max(param.opts, key=len)
            return Problem(OPTION, None, flag, problem.problem, problem.expected)
    return problem


class RootGroup(CommandGroup):
    """Root group: turns InputError into a clean message and exit status 2."""

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
