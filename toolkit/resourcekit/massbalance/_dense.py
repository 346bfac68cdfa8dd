"""Dense solver: projection of the unmeasured values (Crowe et al. 1983; Crowe 1986) and the
statistics of the linearised problem at the solution (covariance, tests, classification)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from ._base import FlowsheetError
from ._problem import _label, _Problem, _start


def _left_null(mat: np.ndarray, rtol: float = 1e-10) -> tuple[np.ndarray, np.ndarray]:
    """Rows spanning the left null space of ``mat`` and columns spanning its null space."""
    p, null, _ = _left_null_pinv(mat, rtol)
    return p, null


def _left_null_pinv(mat: np.ndarray, rtol: float = 1e-10, pinv_rcond: float = 1e-10
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`_left_null` and the pseudo-inverse of ``mat`` from one SVD.

    The pseudo-inverse keeps singular values above ``pinv_rcond * max(s)``, as
    ``numpy.linalg.pinv(mat, rcond=pinv_rcond)`` does.
    """
    from scipy import linalg

    rows, cols = mat.shape
    if cols == 0:
        return np.eye(rows), np.zeros((0, 0)), np.zeros((0, rows))
    u, s, vt = linalg.svd(mat, full_matrices=True, lapack_driver="gesvd")
    tol = rtol * max(s[0] if s.size else 0.0, 1.0) * max(mat.shape)
    rank = int(np.sum(s > tol))
    big = s > pinv_rcond * (s[0] if s.size else 0.0)
    k = s.size
    pinv = (vt[:k][big].T / s[big]) @ u[:, :k][:, big].T
    return u[:, rank:].T, vt[rank:].T, pinv


def _left_null_qr(mat: np.ndarray, rtol: float = 1e-10) -> np.ndarray:
    """Rows spanning the left null space of ``mat``, by QR with column pivoting."""
    from scipy import linalg

    rows, cols = mat.shape
    if cols == 0:
        return np.eye(rows)
    q, r, _ = linalg.qr(mat, mode="full", pivoting=True, check_finite=False)
    d = np.abs(np.diag(r))
    tol = rtol * max(float(d[0]) if d.size else 0.0, 1.0) * max(mat.shape)
    rank = int(np.sum(d > tol))
    return q[:, rank:].T


def _psd_solve(s_mat: np.ndarray, r: np.ndarray, names: Callable[[], str],
               has_fixed: bool, need_inverse: bool = True
               ) -> tuple[np.ndarray, np.ndarray | None, int]:
    """Solve S lam = r for the reduced covariance S (pseudo-inverse where S is singular).

    S is equilibrated by its diagonal first, so that balances of small and large streams are
    judged alike. Cholesky first; where S is singular (dependent balances, or values fixed by
    a zero sd) an eigen-decomposition gives the pseudo-inverse, and a residual outside the
    range of S means fixed values conflict with the balances.
    """
    from scipy import linalg

    k = s_mat.shape[0]
    if k == 0:
        return np.zeros(0), np.zeros((0, 0)), 0
    diag = np.sqrt(np.clip(np.diag(s_mat), 0.0, None))
    diag = np.where(diag > 0, diag, 1.0)
    scaled = s_mat / np.outer(diag, diag)
    rs = r / diag
    try:
        chol = linalg.cho_factor(scaled, check_finite=False)
        if np.min(np.abs(np.diag(chol[0]))) ** 2 < 1e-12:
            raise linalg.LinAlgError("nearly singular")
        lam = linalg.cho_solve(chol, rs, check_finite=False) / diag
        inv = None
        if need_inverse:
            inv = linalg.cho_solve(chol, np.eye(k), check_finite=False) / np.outer(diag, diag)
        return lam, inv, k
    except linalg.LinAlgError:
        pass
    w, q = linalg.eigh(scaled)
    top = max(float(w[-1]), 0.0)
    keep = w > 1e-12 * max(top, 1e-300) * max(1.0, np.sqrt(k))
    if (~keep).any() and has_fixed:
        resid = q[:, ~keep].T @ rs
        if np.abs(resid).max() > 1e-6 * max(np.abs(rs).max(), 1.0):
            raise FlowsheetError(
                "measured values with zero standard deviation conflict with the balance "
                f"(fixed: {names()}); give them a non-zero sd or correct them"
            )
    inv_scaled = (q[:, keep] / w[keep]) @ q[:, keep].T
    inv = inv_scaled / np.outer(diag, diag)
    return inv @ r, inv, int(keep.sum())


#: Above this many values (streams x columns) the bilinear statistics keep only the
#: variances and a ``variance_of(grad)`` function, not the full covariance (n^2 memory).
_FULL_COVARIANCE_MAX = 2000


@functools.cache
def _blas_controller() -> Any:
    """threadpoolctl's view of the loaded BLAS libraries, found once per process: each
    ``threadpool_limits`` call searched the process's libraries again (reading files), about a
    tenth of a small reconciliation's time."""
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def _few_threads() -> Any:
    """Limit BLAS threads: these matrices are small, and threads only contend."""
    try:
        controller = _blas_controller()
    except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn
        import contextlib

        return contextlib.nullcontext()
    return controller.limit(limits=1, user_api="blas")


# ---------------------------------------------------------------------- core solver
def iteration_limit(max_iter: int, n_values: int) -> int:
    """Iteration limit of the bilinear solve: ``4 * max_iter`` plus one per value.

    It grows with the problem: a noisy 25-node plant needed 213 SQP iterations against a
    fixed cap of 200 (#23), and the iterations a line-search SQP needs grow with the number
    of bounds it may have to activate or release one at a time (about one per value).

    >>> iteration_limit(50, 120)
    320
    """
    return max(int(max_iter), 1) * 4 + int(n_values)


def _solve_dense(prob: _Problem, meas_mask: np.ndarray, *, max_iter: int, tol: float,
                 z0: np.ndarray | None = None, stats: str = "dense", engine: str = "sqp"
                 ) -> dict[str, Any]:
    """Closed form (flows only) or SQP (bilinear), then the statistics at the solution.

    ``stats="sparse"`` (bilinear only): the statistics from the sparse KKT matrix
    (:mod:`._sparse_bilinear`) instead of dense projections.
    """
    if prob.n * prob.ncol > 2000:  # large dense products: BLAS threads pay off
        return _solve_dense_inner(prob, meas_mask, max_iter=max_iter, tol=tol, z0=z0,
                                  stats=stats, engine=engine)
    with _few_threads():
        return _solve_dense_inner(prob, meas_mask, max_iter=max_iter, tol=tol, z0=z0,
                                  stats=stats, engine=engine)


def _solve_dense_inner(prob: _Problem, meas_mask: np.ndarray, *, max_iter: int, tol: float,
                       z0: np.ndarray | None, stats: str = "dense", engine: str = "sqp"
                       ) -> dict[str, Any]:
    xi = np.nonzero(meas_mask)[0]
    ui = np.nonzero(~meas_mask)[0]
    xm = prob.values[xi]
    v = prob.var[xi]
    z = _start(prob, meas_mask) if z0 is None else z0.copy()
    z[xi] = xm
    floor = 1e-6 * prob.var_scale
    linear = prob.ncol == 1
    has_fixed = bool(np.any(v == 0))
    steps: list[float] = []
    converged = False
    it = 0

    def names_of() -> str:
        fixed = [_label(prob, i) for i in xi[v == 0]]
        return ", ".join(fixed[:8])

    def reduced(z: np.ndarray, final: bool = False) -> tuple[Any, ...]:
        g, jac = prob.constraints(z)
        jx, ju = jac[:, xi], jac[:, ui]
        # column scale of the unmeasured values: their size, but not below 1 % of their
        # column's typical size (an assay held at its bound 0 is still determined by the
        # balances of its flowing stream; scaled by its own zero it looked unobservable)
        su = np.maximum(np.abs(z[ui]), 1e-2 * prob.var_scale[ui])
        pinv = None
        if final:
            p, null_u, pinv = _left_null_pinv(ju * su[None, :])
        else:
            p, null_u = _left_null_qr(ju * su[None, :]), None
        # the Jacobian is sparse (a few entries per column): P J_x costs nnz(J_x) x rows(P)
        from scipy import sparse

        jx_s = sparse.csc_matrix(jx)
        bmat = np.asarray((jx_s.T @ p.T).T)
        b = p @ (jx_s @ z[xi] - g)
        return g, jx, ju, su, null_u, bmat, bmat @ xm - b, pinv

    sqp = None
    if not linear:
        from ._bilinear import solve_bilinear

        solver_fn = solve_bilinear
        if engine == "ipopt":
            from ._ipopt import solve_bilinear_ipopt as solver_fn
        sqp = solver_fn(prob.a, prob.ncol, z, prob.values, prob.var, meas_mask,
                        prob.var_scale, max_iter=iteration_limit(max_iter, prob.n * prob.ncol),
                        tol=tol)
        z = sqp.z
        it, converged, steps = sqp.iterations, sqp.converged, [sqp.step]
        if stats == "sparse":
            from ._sparse_bilinear import sparse_statistics

            return {**sparse_statistics(prob, meas_mask, z), "iterations": it,
                    "converged": converged, "step": sqp.step, "sqp": sqp}
    for it in range(1, max_iter + 1 if linear else 0):  # noqa: B007 - it is reported
        g, jx, ju, su, _, bmat, r, _ = reduced(z)
        smat = (bmat * v[None, :]) @ bmat.T
        lam, _, _ = _psd_solve(smat, r, names_of, has_fixed, need_inverse=False)
        x_new = xm - v * (bmat.T @ lam)
        rhs = -(g + jx @ (x_new - z[xi]))
        du = (np.linalg.lstsq(ju * su[None, :], rhs, rcond=1e-12)[0] * su
              if ui.size else np.zeros(0))
        sx = np.maximum(np.abs(x_new), floor[xi])
        step = float(max(np.max(np.abs(x_new - z[xi]) / sx, initial=0.0),
                         np.max(np.abs(du) / su, initial=0.0)))
        z[xi] = x_new
        z[ui] = z[ui] + du
        steps.append(step)
        if linear or step < tol:
            converged = True
            break
        if not np.isfinite(step):
            break
    # statistics at the solution
    g, jx, ju, su, null_u, bmat, r, pinv_ju = reduced(z, final=True)
    smat = (bmat * v[None, :]) @ bmat.T
    lam, sinv, rank = _psd_solve(smat, r, names_of, has_fixed, need_inverse=True)
    chi2 = float(r @ lam)
    if not linear:
        # The weighted sum of squared adjustments at the solution. Without active bounds it
        # equals r^T S^-1 r of the linearised balances (to round-off); with a value held on
        # its bound, the linearisation forgets the bound and understates it (on a random
        # 50-node plant 135.55 against 136.29).
        on = v > 0
        chi2 = float(np.sum((z[xi][on] - xm[on]) ** 2 / v[on]))
    vb = bmat.T * v[:, None]  # V B^T  (n_x x k)
    if ui.size:
        pinv_u = pinv_ju * su[:, None]  # pinv(J_u S_u) from the SVD of the null spaces
    else:
        pinv_u = np.zeros((0, jx.shape[0]))
    from scipy import sparse

    gmap = -np.asarray((sparse.csc_matrix(jx).T @ pinv_u.T).T)
    nvar = prob.n * prob.ncol
    cov = variance_of = var = None
    if nvar <= _FULL_COVARIANCE_MAX:
        va = (vb @ sinv) @ vb.T
        va_diag = np.diag(va).copy()
        cov_x = -va
        cov_x[np.diag_indices_from(cov_x)] += v
        cov = np.empty((nvar, nvar))
        cross = gmap @ cov_x
        cov[np.ix_(xi, xi)] = cov_x
        cov[np.ix_(ui, xi)] = cross
        cov[np.ix_(xi, ui)] = cross.T
        cov[np.ix_(ui, ui)] = cross @ gmap.T
    else:
        # only the diagonal: cov_x = V - V B^T S^+ B V and z_u = G x (to first order), so
        # var(z_u,i) = g_i^T V g_i - (B V g_i)^T S^+ (B V g_i)
        va_diag = np.einsum("ij,ij->i", vb @ sinv, vb)
        var = np.empty(nvar)
        var[xi] = v - va_diag
        if ui.size:
            gb = gmap @ vb
            var[ui] = (np.einsum("ij,ij->i", gmap * v[None, :], gmap)
                       - np.einsum("ij,ij->i", gb @ sinv, gb))
    unobs = np.zeros(nvar, dtype=bool)
    unobs = np.zeros(nvar, dtype=bool)
    if ui.size and null_u.size:
        unobs[ui] = np.linalg.norm(null_u, axis=1) > 1e-7
    if cov is None:
        def variance_of(grad: np.ndarray) -> float:
            """Variance of grad^T z: c^T cov_x c with c = grad_x + G^T grad_u."""
            grad = np.asarray(grad, dtype=float)
            if np.any(grad[unobs] != 0):
                return float("nan")  # depends on an unobservable value
            c = grad[xi] + (gmap.T @ grad[ui] if ui.size else 0.0)
            w = vb.T @ c  # B V c
            return float(c @ (v * c) - w @ (sinv @ w))
    sx = np.maximum(np.abs(z[xi]), floor[xi])
    colnorm = np.abs(bmat * sx[None, :]).sum(axis=0) if bmat.size else np.zeros(xi.size)
    redundant = np.zeros(nvar, dtype=bool)
    redundant[xi] = colnorm > 1e-9 * max(colnorm.max(initial=0.0), 1.0)
    return {
        "z": z, "cov": cov, "var": var, "variance_of": variance_of, "va_diag": va_diag,
        "xi": xi, "chi2": chi2, "dof": rank,
        "unobservable": unobs, "redundant": redundant, "iterations": it,
        "converged": converged, "step": steps[-1] if steps else 0.0, "solver": "dense",
        "sqp": sqp,
    }
