"""The scorecard scheme's schema (see :func:`wfm.kpi.scorecard.load_scheme` for the
file and :mod:`wfm.config` for the idiom): pydantic models that validate the
parsed TOML and build the frozen :class:`~wfm.kpi.scorecard.Scheme`.

What each method needs (``bands`` for bands, ``target`` for target ...) is
checked with its rule; that the weights add up to 1 once every rule is valid,
since a weight sum over rules that cannot be read means nothing.
"""

from __future__ import annotations

import math
from typing import Annotated, Literal

from pydantic import Field, model_validator

from wfm.config import ConfigModel, Expect, Flag, Number, Text, broken, default_of
from wfm.kpi.scorecard import COMPARISONS, METHODS, Rule, Scheme

__all__ = ["SchemeFile", "RuleTable"]

_NEEDS = {"bands": ("bands", "a list of [threshold, score] pairs"),
          "target": ("target", "the target value, a number > 0"),
          "deduction": ("points", "a table column = points per count"),
          "veto": ("pass_if", 'a pair such as [">=", 0.95]'),
          "rating": ("ratings", "a table label = score")}


class RuleTable(ConfigModel):
    """One ``[[rule]]``: the scoring method and what it needs (see :mod:`wfm.kpi.scorecard`)."""

    name: Text | None = None
    method: Literal[METHODS] = Field(description="Scoring method.")
    weight: Number = Field(**default_of(Rule, "weight"), ge=0, le=1, description="Share of the total score (0: a veto, or "
                                                  "a deduction taken off the total).")
    column: Text | None = Field(None, description="KPI column the rule scores.")
    bands: Annotated[list[tuple[Number, Number]], Expect(_NEEDS["bands"][1])] | None = None
    higher_is_better: Flag = Field(**default_of(Rule, "higher_is_better"))
    strict: Flag = Field(**default_of(Rule, "strict"))
    target: Number | None = Field(None, gt=0)
    cap: Number = Field(**default_of(Rule, "cap"))
    points: Annotated[dict[str, Number], Expect(_NEEDS["deduction"][1])] | None = Field(
        None, min_length=1)
    base: Number = Field(**default_of(Rule, "base"))
    pass_if: Annotated[tuple[Literal[COMPARISONS], Number], Expect(_NEEDS["veto"][1])] | None = None
    ratings: Annotated[dict[str, Number], Expect(_NEEDS["rating"][1])] | None = Field(
        None, min_length=1)

    @model_validator(mode="after")
    def _method_has_what_it_needs(self):
        problems = []
        key, expected = _NEEDS[self.method]
        if getattr(self, key) in (None, [], {}):
            problems.append((key, f"missing (method {self.method})", expected))
        if self.method != "deduction" and self.column is None:
            problems.append(("column", "missing", "the KPI column the rule scores"))
        if self.method == "veto" and self.weight:
            problems.append(("weight", f"{self.weight:g} is a weight on a veto",
                             "0: a veto passes or fails the month"))
        if problems:
            raise broken(*problems)
        return self

    def to_rule(self, default_name: str) -> Rule:
        kw = {k: getattr(self, k) for k in ("higher_is_better", "strict", "cap", "base")}
        if self.method == "bands":
            kw["bands"] = tuple(self.bands)
        elif self.method == "target":
            kw["target"] = self.target
        elif self.method == "deduction":
            kw["points"] = dict(self.points)
        elif self.method == "veto":
            kw["pass_if"] = self.pass_if
        else:
            kw["ratings"] = dict(self.ratings)
        return Rule(self.name or default_name, self.method, self.weight, self.column, **kw)


class SchemeFile(ConfigModel):
    """A whole scheme file."""

    description: Text | None = None
    bonus_base: Number = Field(**default_of(Scheme, "bonus_base"), ge=0, le=1e6,
                               description="Bonus of a full month at grade A's share, CNY.")
    grades: dict[str, Number] | None = Field(
        None, min_length=1, description="grade = lower bound of the score, percent.")
    bonus_share: dict[str, Annotated[Number, Field(ge=0)]] | None = Field(
        None, description="grade = share of the bonus base.")
    veto_grade: Text = Field(**default_of(Scheme, "veto_grade"),
                             description="Grade of a month a veto failed.")
    rule: list[RuleTable] = Field(min_length=1, description="[[rule]] tables, at least one.")

    @model_validator(mode="after")
    def _weights_add_up(self):
        weights = sum(r.weight for r in self.rule)
        if weights > 0 and not math.isclose(weights, 1.0, abs_tol=1e-9):
            raise broken(("rule.weight", f"weights add up to {weights:g}", "weights adding up to 1"))
        return self

    def to_scheme(self) -> Scheme:
        kw = {}
        if self.grades is not None:
            kw["grades"] = tuple(sorted(self.grades.items(), key=lambda g: -g[1]))
        if self.bonus_share is not None:
            kw["bonus_share"] = dict(self.bonus_share)
        return Scheme(rules=tuple(r.to_rule(f"rule{i + 1}") for i, r in enumerate(self.rule)),
                      bonus_base=self.bonus_base, veto_grade=self.veto_grade, **kw)
