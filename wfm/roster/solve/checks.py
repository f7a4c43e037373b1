"""Checks and clean-up of solution arrays: every constraint, integrality, polish.

Every solution is checked before it is used (a solver's "optimal" is not
taken on trust); see :mod:`wfm.roster.solve`. Values are arrays in the
model's column order (:mod:`wfm.roster.solution`).
"""

from __future__ import annotations

import numpy as np

from wfm.roster.model import TourModel

INT_TOL = 1e-6  # an integer variable within this of an integer is integral
FEAS_TOL = 1e-5  # constraint tolerance, absolute + relative to the row's constant


def constraint_violations(model: TourModel, values, tol: float = FEAS_TOL) -> list[str]:
    """Names of the constraints ``values`` break (absolute + relative
    tolerance), then ``bound:<variable>`` for each bound broken."""
    v = np.asarray(values, float)
    rows = model.rows
    lhs = rows.constant + rows.matrix @ v
    scale = tol * (1.0 + np.abs(rows.constant))
    bad_row = np.where(rows.sense == 0, np.abs(lhs) > scale,
                       np.where(rows.sense < 0, lhs > scale, lhs < -scale))
    bad = [rows.names[r] for r in np.flatnonzero(bad_row)]
    cols = model.cols
    low, up = v < cols.lower - tol, v > cols.upper + tol
    for j in np.flatnonzero(low | up):
        name = cols.variables[j].name
        bad += [f"bound:{name}"] * (int(low[j]) + int(up[j]))
    return bad


def fractional_variables(model: TourModel, values, tol: float = INT_TOL) -> list[str]:
    """Names of the integer variables whose value is not integral."""
    cols = model.cols.integer
    x = np.asarray(values, float)[cols]
    return [model.cols.variables[j].name for j in cols[np.abs(x - np.round(x)) > tol]]


def objective_value(model: TourModel, values) -> float:
    """The model's objective at ``values``."""
    return model.objective_value(values)


def recompute(model: TourModel, values) -> np.ndarray:
    """A copy of ``values`` with the auxiliary variables and the coverage
    slacks recomputed from the shifts and breaks (integers not rounded: the
    day neighbourhood carries fractional break counts)."""
    out = np.array(values, dtype=float)
    model.complete_aux(out)
    gap = (model.h.required - model.net_coverage(out)).tolist()
    out[model.cols.under] = [max(g, 0.0) for g in gap]
    out[model.cols.over] = [max(-g, 0.0) for g in gap]
    return out


def polish(model: TourModel, values) -> np.ndarray:
    """A copy of ``values`` with the integer variables rounded exactly and
    the auxiliary variables and coverage slacks recomputed."""
    out = np.array(values, dtype=float)
    cols = model.cols.integer
    out[cols] = np.round(out[cols]) + 0.0  # + 0.0: no negative zeros
    return recompute(model, out)
