"""A tour model's variables as columns, and its solutions as arrays.

A solution of :class:`wfm.roster.model.TourModel` is a float array with one
value per model variable, in the model's *column order*: PuLP's variable
order (variables sorted by name), which is also the order in which PuLP
hands the columns to HiGHS, so a HiGHS column vector is a solution as it
comes. :class:`Columns` says which column holds which variable
(``cols.x[i]``: shift option ``i``; ``cols.N[key]``: the head count of group
``key`` ...); :class:`Rows` holds every model constraint as a sparse row of
those columns, so a solution is checked without going back to PuLP.

The sums over a row, the objective and the coverage are taken term by term
in PuLP's order of the terms (a CSR product accumulates each row left to
right from zero, as a Python ``sum`` does), so the values are the same, to
the last bit, as the same sums written out over PuLP's expressions.

:class:`Solution` is the published form: the array with the model it
belongs to (``solution[model.N["five_two"]]`` reads one variable).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pulp
import scipy.sparse as sp

if TYPE_CHECKING:
    from wfm.roster.model import TourModel


@dataclass(frozen=True)
class Columns:
    """Column numbers of a model's variables, by role.

    ``variables``: the variables in column order; ``position``: variable
    -> column (keyed by the variable objects); ``x`` per shift option,
    ``under`` / ``over`` per interval, ``b[g]`` per slot of break group
    ``g``; ``p``, ``tr``, ``q``, ``N``, ``both``: keyed as the model's
    dicts of the same names; ``member[key] = (works, minutes)``: per day
    (named flexible agents); ``tours``: p, tr, q and N in that order;
    ``integer``: the integer columns in column order; ``lower`` /
    ``upper``: bounds (-inf / inf where PuLP has none).
    """

    variables: tuple
    position: dict
    x: np.ndarray
    under: np.ndarray
    over: np.ndarray
    b: tuple
    p: dict
    tr: dict
    q: dict
    N: dict
    both: dict
    member: dict
    tours: np.ndarray
    integer: np.ndarray
    lower: np.ndarray
    upper: np.ndarray

    def __len__(self) -> int:
        return len(self.variables)


@dataclass(frozen=True)
class Rows:
    """Every constraint of a model, as sparse rows over its columns.

    Row ``r``: ``constant[r] + matrix[r] @ values`` compared with 0 by
    ``sense[r]`` (PuLP's: -1 <=, 0 ==, 1 >=); ``names[r]``: PuLP's name.
    Terms keep PuLP's order (see the module docstring)."""

    names: tuple
    sense: np.ndarray
    constant: np.ndarray
    matrix: sp.csr_matrix

    def terms(self, r: int) -> list[tuple[int, float]]:
        """(column, coefficient) of row ``r`` in PuLP's order."""
        lo, hi = self.matrix.indptr[r], self.matrix.indptr[r + 1]
        return list(zip(self.matrix.indices[lo:hi].tolist(), self.matrix.data[lo:hi].tolist(), strict=True))


def _csr(rows: list[list[tuple[int, float]]], n_cols: int) -> sp.csr_matrix:
    ptr = np.zeros(len(rows) + 1, dtype=np.int64)
    ptr[1:] = np.cumsum([len(r) for r in rows])
    ind = np.array([j for r in rows for j, _c in r], dtype=np.int64)
    data = np.array([c for r in rows for _j, c in r], dtype=float)
    # built from its three arrays: no sorting or merging of the terms
    return sp.csr_matrix((data, ind, ptr), shape=(len(rows), n_cols))


def constraint_list(prob: pulp.LpProblem) -> list:
    """The constraints of ``prob`` in insertion order (PuLP 3.3 offers them
    as ``prob.constraints()``; older PuLP as a dict)."""
    cons = prob.constraints
    return cons() if callable(cons) else list(cons.values())


def index_model(model: TourModel) -> tuple[Columns, Rows, sp.csr_matrix, float, sp.csr_matrix, list]:
    """Columns, rows, objective (1 x n and constant), coverage matrix
    (intervals x n, from ``model.cover_terms``) and auxiliary definitions
    (column, [(column, coefficient)]) of a built model."""
    variables = tuple(model.prob.variables())
    pos = {v: j for j, v in enumerate(variables)}

    def cols(vs) -> np.ndarray:
        return np.array([pos[v] for v in vs], dtype=np.int64)

    tours = list(model.p.values()) + list(model.tr.values()) + list(model.q.values()) + list(model.N.values())
    columns = Columns(
        variables=variables, position=pos, x=cols(model.x), under=cols(model.under), over=cols(model.over),
        b=tuple(cols(bv) for bv in model.b),
        p={k: pos[v] for k, v in model.p.items()}, tr={k: pos[v] for k, v in model.tr.items()},
        q={k: pos[v] for k, v in model.q.items()}, N={k: pos[v] for k, v in model.N.items()},
        both={k: pos[v] for k, v in model.both_vars.items()},
        member={k: ({d: pos[v] for d, v in w.items()}, {d: pos[v] for d, v in hm.items()})
                for k, (w, hm) in model.member_vars.items()},
        tours=cols(tours),
        integer=np.array([j for j, v in enumerate(variables) if v.cat == pulp.LpInteger], dtype=np.int64),
        lower=np.array([-np.inf if v.lowBound is None else float(v.lowBound) for v in variables]),
        upper=np.array([np.inf if v.upBound is None else float(v.upBound) for v in variables]),
    )
    cons = constraint_list(model.prob)
    rows = Rows(names=tuple(c.name for c in cons), sense=np.array([c.sense for c in cons], dtype=np.int8),
                constant=np.array([float(c.constant) for c in cons]),
                matrix=_csr([[(pos[v], float(a)) for v, a in c.items()] for c in cons], len(variables)))
    obj = model.prob.objective
    objective = _csr([[(pos[v], float(c)) for v, c in obj.items()]], len(variables))
    cover = _csr([[(pos[v], float(f)) for v, f in terms] for terms in model.cover_terms], len(variables))
    aux = [(pos[var], [(pos[v], c) for v, c in terms]) for var, terms in model.aux_defs]
    return columns, rows, objective, float(obj.constant), cover, aux


@dataclass(frozen=True, eq=False)
class Solution:
    """Values of every variable of ``model``, in its column order.

    ``solution[var]`` reads one variable; ``np.asarray(solution)`` is the
    array (read-only). Compare two solutions with ``np.array_equal``."""

    model: TourModel
    values: np.ndarray

    def __post_init__(self):
        v = np.array(self.values, dtype=float)
        if v.shape != (len(self.model.cols),):
            raise ValueError(f"values must have one entry per model variable ({len(self.model.cols)}), not {v.shape}")
        v.flags.writeable = False
        object.__setattr__(self, "values", v)

    def __getitem__(self, var: pulp.LpVariable) -> float:
        return float(self.values[self.model.cols.position[var]])

    def __array__(self, dtype=None, copy=None):
        if copy:
            return np.array(self.values, dtype=dtype)
        return self.values if dtype is None else self.values.astype(dtype)

    def __len__(self) -> int:
        return len(self.values)

    @property
    def objective(self) -> float:
        return self.model.objective_value(self.values)

    def head_counts(self) -> dict[str, int]:
        """Agents per group the model sizes (see :meth:`TourModel.head_counts`)."""
        return self.model.head_counts(self.values)

    def net_coverage(self) -> np.ndarray:
        return self.model.net_coverage(self.values)
