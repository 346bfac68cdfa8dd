"""Statistics of a bilinear reconciliation from one sparse factorisation (large flowsheets).

At the solution :math:`\\hat z` of the SQP, the reconciled values are, to first order, the
solution of the equality-constrained least-squares problem on the linearised balances
:math:`J \\Delta z = 0`. Its KKT matrix (variables held fixed by a zero sd left out)

.. math:: K = \\begin{bmatrix} W & J^T \\\\ J & 0 \\end{bmatrix}, \\qquad
   W = \\operatorname{diag}(1/v_i) \\text{ on measured values, } 0 \\text{ on unmeasured},

gives the covariance of the estimates as the leading block :math:`P` of :math:`K^{-1}`: from
:math:`W P + J^T Q^T = I` and :math:`J P = 0` follows :math:`P W P = P`, so
:math:`\\operatorname{cov}(\\hat z) = P W P = P`. The covariance of the adjustments of the
measured values is :math:`V - P_{xx}`, the measurement test's denominator (Mah & Tamhane
1982). This is the same covariance as the dense path's projection
:math:`V - V B^T (B V B^T)^{-1} B V` with :math:`B` the balances with the unmeasured values
eliminated (Crowe 1986), without forming :math:`B`: only the sparse :math:`K` is factored
(SuperLU), and its diagonal block is read by solves in blocks of columns.

A tiny diagonal on the unmeasured values (:math:`10^{-13}` of the largest weight) keeps
:math:`K` regular where a value is unobservable; such a value's variance is then of order
the inverse of that diagonal, which is how it is recognised (an observable value's is of
order its measured neighbours'). Degrees of freedom are
:math:`\\operatorname{rank}(J) - \\operatorname{rank}(J_u)`, with the structural ranks
(Duff 1981) of the Jacobian without its exact zeros (a zero flow zeroes its assays' columns).

References
----------
- Crowe C.M. (1986) Reconciliation of process flow rates by matrix projection. Part II: the
  nonlinear case. AIChE J. 32(4):616-623, doi:10.1002/aic.690320410.
- Mah R.S.H., Tamhane A.C. (1982) Detection of gross errors in process data. AIChE J.
  28(5):828-830, doi:10.1002/aic.690280519.
- Duff I.S. (1981) On algorithms for obtaining a maximum transversal. ACM Trans. Math.
  Softw. 7(3):315-330, doi:10.1145/355958.355963.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._problem import _Problem

__all__ = ["sparse_statistics"]

#: columns of the identity solved at once when reading the diagonal of K^-1
_BLOCK = 256


def sparse_statistics(prob: _Problem, meas_mask: np.ndarray, z: np.ndarray) -> dict[str, Any]:
    """Variances, measurement-test denominators, observability, redundancy and chi2 at z."""
    from scipy import sparse
    from scipy.sparse.csgraph import structural_rank
    from scipy.sparse.linalg import splu

    from ._bilinear import _kkt, _scaled, constraints

    n, ncol = prob.n, prob.ncol
    nz = n * ncol
    var_all = prob.var
    xi = np.nonzero(meas_mask)[0]
    weighted = meas_mask & (np.nan_to_num(var_all) > 0)
    free = np.nonzero(~(meas_mask & ~weighted))[0]  # all but values fixed by sd 0
    _, jac = constraints(prob.a, z, ncol)
    jac = sparse.csr_array(jac)
    # row scale: each balance by its throughput; column scale: the values' typical size
    rs = 0.5 * (abs(jac) @ np.abs(z))
    rs = np.maximum(rs, 1e-9 * max(float(rs.max(initial=0.0)), 1e-300))
    s = np.maximum(prob.var_scale[free], 1e-300)
    jf = _scaled(jac[:, free], 1.0 / rs, s)
    jf.eliminate_zeros()
    keep = np.diff(jf.indptr) > 0  # balances with no free value left say nothing
    jf = jf[keep]
    wmeas = weighted[free]
    w = np.zeros(free.size)
    w[wmeas] = s[wmeas] ** 2 / var_all[free][wmeas]
    delta = 1e-13 * max(float(w.max(initial=0.0)), 1.0)
    w[~wmeas] = delta
    lu = None
    for reg in (0.0, 1e-12, 1e-9):
        kkt = _kkt(w, jf, reg)
        try:
            lu = splu(kkt)
        except RuntimeError:  # singular: dependent balances
            continue
        break
    if lu is None:  # pragma: no cover - the last regularisation always factors
        raise RuntimeError("the linearised balances could not be factored")
    size = kkt.shape[0]
    diag = np.empty(free.size)
    for start in range(0, free.size, _BLOCK):
        cols = np.arange(start, min(start + _BLOCK, free.size))
        rhs = np.zeros((size, cols.size))
        rhs[cols, np.arange(cols.size)] = 1.0
        diag[cols] = lu.solve(rhs)[cols, np.arange(cols.size)]
    unobs = np.zeros(nz, dtype=bool)
    unobs[free[~wmeas]] = diag[~wmeas] * delta > 1e-3
    var = np.zeros(nz)
    var[free] = diag * s * s
    var[unobs] = np.nan
    v_x = np.nan_to_num(var_all[xi])
    va_diag = np.clip(v_x - var[xi], 0.0, None)
    redundant = np.zeros(nz, dtype=bool)
    redundant[xi] = va_diag > 1e-6 * v_x
    # below that, v - var is round-off: a non-redundant value has no adjustment variance
    va_diag[~redundant[xi]] = 0.0
    # degrees of freedom: rank(J) - rank(J_u) (structural)
    ju = jf[:, np.nonzero(~wmeas)[0]] if (~wmeas).any() else None
    dof = int(structural_rank(jf)) - (int(structural_rank(ju.tocsr())) if ju is not None
                                      and ju.nnz else 0)
    on = weighted[xi]
    chi2 = float(np.sum((z[xi][on] - prob.values[xi][on]) ** 2 / var_all[xi][on]))
    pos = np.full(nz, -1)
    pos[free] = np.arange(free.size)

    def variance_of(grad: np.ndarray) -> float:
        """Variance of grad^T z: grad^T P grad, with P grad from one solve with K."""
        grad = np.asarray(grad, dtype=float)
        if np.any(grad[unobs] != 0):
            return float("nan")  # depends on an unobservable value
        c = np.zeros(size)
        hit = pos >= 0
        c[pos[hit]] = grad[hit] * s[pos[hit]]
        y = lu.solve(c)
        return float(c[:free.size] @ y[:free.size])

    return {
        "z": z, "cov": None, "var": var, "variance_of": variance_of, "va_diag": va_diag,
        "xi": xi, "chi2": chi2, "dof": dof, "unobservable": unobs, "redundant": redundant,
        "solver": "sparse",
    }
