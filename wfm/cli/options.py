"""Options and checks shared by the commands (one definition each)."""

from __future__ import annotations

import zoneinfo

import click

from wfm import DEFAULT_TZ


def fraction(name: str):
    """A click callback: the value, when given, lies in 0..1."""

    def check(ctx, param, value):
        if value is not None and not 0 <= value <= 1:
            raise click.BadParameter(f"{value} is not a fraction (expected 0..1)", param_hint=name)
        return value

    return check


def _zone(ctx, param, value):
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError):
        raise click.BadParameter(f"{value!r} is not an IANA time zone (expected e.g. Asia/Shanghai, Europe/Berlin)",
                                 param_hint="--tz") from None
    return value


def tz_option(f=None, *, help: str = "Time zone of naive timestamps (IANA name)."):
    """``--tz``: the zone of naive timestamps, checked to exist."""
    option = click.option("--tz", default=DEFAULT_TZ, show_default=True, callback=_zone, help=help)
    return option if f is None else option(f)


class CommandGroup(click.Group):
    """A group that records the command it runs (``ctx.meta``, shared by
    every context of one invocation), so errors can name its flags."""

    def resolve_command(self, ctx, args):
        name, cmd, rest = super().resolve_command(ctx, args)
        ctx.meta["wfm.command"] = cmd
        return name, cmd, rest
