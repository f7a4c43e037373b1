"""User-facing input errors.

A user mistake (bad file, bad option) raises :class:`InputError` carrying every
problem found, so the CLI can print them all at once and exit with status 2
instead of showing a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass

# The ``file`` of a problem with a function argument rather than an input
# file; its ``column`` is the argument's name. Library code names arguments,
# never command-line flags: the CLI maps each argument to its flag.
ARGUMENT = "<argument>"
OPTION = "<option>"  # the same, once the CLI has named the flag


@dataclass(frozen=True)
class Problem:
    """One problem in an input: where it is and what was expected.

    ``row`` is the 1-based row as a spreadsheet shows it (the header is row 1,
    the first data row is row 2); ``None`` when the problem is about the whole
    file or a column.
    """

    file: str
    row: int | None
    column: str | None
    problem: str
    expected: str | None = None

    def __str__(self) -> str:
        if self.file in (ARGUMENT, OPTION):
            tail = f" (expected {self.expected})" if self.expected else ""
            # a command's positional arguments (INPUT, SCENARIO) have no dashes
            flag = self.file == OPTION and str(self.column).startswith("-")
            kind = "option" if flag else "argument"
            return f"{kind} {self.column}: {self.problem}{tail}"
        where = self.file if self.row is None else f"{self.file}:{self.row}"
        col = f" {self.column}:" if self.column else ""
        tail = f" (expected {self.expected})" if self.expected else ""
        return f"{where}:{col} {self.problem}{tail}"


class InputError(Exception):
    """Invalid user input; ``problems`` lists every violation found."""

    exit_code = 2

    def __init__(self, problems: list[Problem] | Problem | str):
        if isinstance(problems, Problem):
            problems = [problems]
        elif isinstance(problems, str):
            problems = [Problem(file="<input>", row=None, column=None, problem=problems)]
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def argument_problem(name: str, problem: str, expected: str | None = None) -> Problem:
    """A problem with the function argument ``name`` (the CLI shows its flag)."""
    return Problem(ARGUMENT, None, name, problem, expected)


class ArgumentError(InputError, ValueError):
    """A function argument out of its domain: an :class:`InputError` whose
    problems name the argument (the CLI shows the flag that sets it), and a
    ``ValueError``, as Python code calling the library expects of a bad value.

    ``ArgumentError("min_agents", "-3 agents", "a whole number >= 0")``, or
    ``ArgumentError([problem, ...])`` for several at once.
    """

    def __init__(self, name: str | list[Problem] | Problem, problem: str | None = None,
                 expected: str | None = None):
        if isinstance(name, str):
            if problem is None:
                raise TypeError("ArgumentError(name, problem[, expected])")
            name = argument_problem(name, problem, expected)
        super().__init__(name)


def did_you_mean(name, options) -> str:
    """``"; did you mean 'x'?"`` when ``name`` is a near miss of one of
    ``options`` (compared without case), else ``""``: the one hint every
    unknown key, choice, zone or column name gets."""
    import difflib

    options = [str(o) for o in options]
    lower = {o.lower(): o for o in options}
    close = difflib.get_close_matches(str(name).lower(), list(lower), n=1, cutoff=0.6)
    return f"; did you mean '{lower[close[0]]}'?" if close else ""
