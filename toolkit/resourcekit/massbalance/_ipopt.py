"""The bilinear reconciliation solved by IPOPT (optional engine, through cyipopt).

The same problem as :mod:`._bilinear` (weighted least squares, balances of mass and of each
component, flows >= 0 and assays in [0, 1]) handed to IPOPT, a primal-dual interior-point
method with a filter line search (Waechter & Biegler 2006), with the exact sparse Hessian of
the Lagrangian. The balances are bilinear, so that Hessian is cheap: besides the objective's
diagonal :math:`2/v_i`, the only second derivatives are

.. math:: \\frac{\\partial^2}{\\partial F_j \\, \\partial a_{kj}}
   \\sum_i \\lambda_{ki} \\sum_l A_{il} F_l a_{kl} = (A^T \\lambda_k)_j,

one entry per stream and component. Variables are scaled to unit size (each by its
column's typical value) and each balance by its node's throughput at the start.

cyipopt (EPL-2.0) needs the Ipopt library (Debian: ``coinor-libipopt-dev``, with MUMPS, and
``libblas-dev``); it is the optional extra ``resourcekit[ipopt]``, not a requirement.

References
----------
- Waechter A., Biegler L.T. (2006) On the implementation of an interior-point filter
  line-search algorithm for large-scale nonlinear programming. Math. Program. 106(1):25-57,
  doi:10.1007/s10107-004-0559-y.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

from ..errors import ResourcekitError
from ._bilinear import SQPResult, balances, constraints

__all__ = ["solve_bilinear_ipopt", "ipopt_available"]


class EngineError(ResourcekitError, ImportError):
    """The requested reconciliation engine is not installed."""


def ipopt_available() -> bool:
    """Whether cyipopt (and so the Ipopt library) can be imported here."""
    try:
        import cyipopt  # noqa: F401
    except ImportError:
        return False
    return True


def solve_bilinear_ipopt(a: sparse.csr_array, ncol: int, z0: np.ndarray, x: np.ndarray,
                         var: np.ndarray, measured: np.ndarray, scale: np.ndarray, *,
                         max_iter: int = 3000, tol: float = 1e-10) -> SQPResult:
    """Bound-constrained bilinear reconciliation by IPOPT (same arguments as the SQP)."""
    try:
        import cyipopt
    except ImportError as err:
        raise EngineError(
            "engine = 'ipopt' needs cyipopt and the Ipopt library: on Debian "
            "`apt-get install coinor-libipopt-dev libblas-dev pkg-config`, then "
            "`pip install 'resourcekit[ipopt]'`; or use engine='sqp'") from err
    m, n = a.shape
    nv = n * ncol
    s = np.maximum(np.asarray(scale, dtype=float), 1e-300)
    fixed = measured & (var == 0)
    free_meas = measured & ~fixed
    w = np.zeros(nv)
    w[free_meas] = 1.0 / var[free_meas]
    xv = np.nan_to_num(x)
    lower = np.zeros(nv)
    upper = np.full(nv, 2e19)
    upper[n:] = 1.0
    lower[fixed] = upper[fixed] = xv[fixed]
    z_start = np.clip(np.where(fixed, xv, z0), lower, upper)
    aabs = abs(a)
    fl = np.abs(z_start[:n])
    rs = [0.5 * (aabs @ fl)] + [0.5 * (aabs @ (fl * np.abs(z_start[k * n:(k + 1) * n])))
                                for k in range(1, ncol)]
    rsv = np.concatenate(rs)
    rsv = np.maximum(rsv, 1e-9 * max(float(rsv.max(initial=0.0)), 1e-300))
    rinv = 1.0 / rsv
    # Jacobian structure (fixed: every entry of the bilinear pattern, zeros kept)
    _, jac0 = constraints(a, np.ones(nv), ncol)
    jac0 = sparse.coo_array(jac0)
    jrow, jcol = jac0.row, jac0.col
    # Hessian structure: the diagonal, then (a_kj, F_j) for every k >= 1 (lower triangle)
    hr = np.concatenate([np.arange(nv)] + [k * n + np.arange(n) for k in range(1, ncol)])
    hc = np.concatenate([np.arange(nv)] + [np.arange(n) for _ in range(1, ncol)])
    at = sparse.csr_array(a.T)

    count = [0]

    class _Nlp:
        def intermediate(self, alg_mod: int, iter_count: int, *args: float) -> bool:
            count[0] = iter_count
            return True

        def objective(self, y: np.ndarray) -> float:
            d = y * s - xv
            return float(np.sum(w * d * d))

        def gradient(self, y: np.ndarray) -> np.ndarray:
            return 2.0 * w * (y * s - xv) * s

        def constraints(self, y: np.ndarray) -> np.ndarray:
            return balances(a, y * s, ncol) * rinv

        def jacobianstructure(self) -> tuple[np.ndarray, np.ndarray]:
            return jrow, jcol

        def jacobian(self, y: np.ndarray) -> np.ndarray:
            z = y * s
            _, jac = constraints(a, z, ncol)
            jac = sparse.csr_array(jac)
            return np.asarray(jac[jrow, jcol]).ravel() * rinv[jrow] * s[jcol]

        def hessianstructure(self) -> tuple[np.ndarray, np.ndarray]:
            return hr, hc

        def hessian(self, y: np.ndarray, lam: np.ndarray, obj: float) -> np.ndarray:
            lam_u = (lam * rinv).reshape(ncol, m)
            cross = [(at @ lam_u[k]) * s[k * n:(k + 1) * n] * s[:n] for k in range(1, ncol)]
            return np.concatenate([obj * 2.0 * w * s * s, *cross])

    nlp = cyipopt.Problem(n=nv, m=m * ncol, problem_obj=_Nlp(), lb=lower / s, ub=upper / s,
                          cl=np.zeros(m * ncol), cu=np.zeros(m * ncol))
    for key, val in (("print_level", 0), ("sb", "yes"), ("tol", max(tol, 1e-12)),
                     ("max_iter", int(max_iter)), ("mu_strategy", "adaptive"),
                     ("constr_viol_tol", 1e-9), ("bound_relax_factor", 0.0),
                     ("fixed_variable_treatment", "make_parameter")):
        nlp.add_option(key, val)
    y, info = nlp.solve(z_start / s)
    z = np.clip(y * s, lower, np.where(np.arange(nv) < n, np.inf, 1.0))
    viol = float(np.abs(balances(a, z, ncol) * rinv).max(initial=0.0))
    status = int(info["status"])
    at_bound = (~fixed) & ((z <= 1e-9 * s) | ((np.arange(nv) >= n) & (z >= 1.0 - 1e-9)))
    # status 0: solved; 1: solved to the acceptable level (counted as not converged here)
    return SQPResult(z=z, lam=np.asarray(info["mult_g"]) * rinv, converged=status == 0,
                     iterations=int(count[0]), step=0.0,
                     optimality=0.0 if status == 0 else float("nan"), violation=viol,
                     at_bound=at_bound)
