"""Statistical data reconciliation of a flowsheet: flows only (linear) or flows and assays.

Weighted least squares: find the values :math:`\\hat x` closest to the measurements :math:`x`
in the metric of their covariance :math:`V` that close every node balance,

.. math:: \\min_{\\hat x, \\hat u} (\\hat x - x)^T V^{-1} (\\hat x - x)
   \\quad \\text{s.t.} \\quad g(\\hat x, \\hat u) = 0,

where :math:`\\hat u` are the unmeasured values. Unmeasured values are eliminated with a matrix
:math:`P` whose rows span the left null space of :math:`\\partial g / \\partial u` (Crowe et al.
1983), which leaves a reduced system :math:`B \\hat x = b` in the measured values only. For
linear constraints (flows only, :math:`g = A F`) the solution is closed form (Kuehn & Davidson
1961; Crowe et al. 1983, eqs. 11-14):

.. math::
   \\hat x = x - V B^T (B V B^T)^{-1} (B x - b), \\qquad
   \\hat V = V - V B^T (B V B^T)^{-1} B V.

With assays (:math:`g` holds :math:`A F = 0` and :math:`A (F \\circ a_k) = 0`, bilinear) the
same step is iterated on the linearised constraints until it stops moving (successive
linearisation / Gauss-Newton, Knepper & Gorman 1980; Crowe 1986; as in STAN, Cencic 2016).
At the fixed point the Lagrange conditions of the problem hold exactly.

Quality tests (Madron 1992; Narasimhan & Jordache 2000, ch. 7): the global test
:math:`\\gamma = r^T (B V B^T)^{-1} r` with :math:`r = B x - b` against :math:`\\chi^2` with
rank(:math:`B`) degrees of freedom, and the measurement test
:math:`z_i = |\\hat x_i - x_i| / \\sqrt{(V_a)_{ii}}`, :math:`V_a = V B^T (B V B^T)^{-1} B V`
(Mah & Tamhane 1982), with the Sidak-corrected critical value.

References
----------
- Kuehn D.R., Davidson H. (1961) Computer control II. Mathematics of control. Chem. Eng. Prog.
  57(6):44-47.
- Knepper J.C., Gorman J.W. (1980) Statistical analysis of constrained data sets. AIChE J.
  26(2):260-264, doi:10.1002/aic.690260208.
- Mah R.S.H., Tamhane A.C. (1982) Detection of gross errors in process data. AIChE J.
  28(5):828-830, doi:10.1002/aic.690280519.
- Crowe C.M., Garcia Campos Y.A., Hrymak A. (1983) Reconciliation of process flow rates by
  matrix projection. Part I: linear case. AIChE J. 29(6):881-888, doi:10.1002/aic.690290602.
- Crowe C.M. (1986) Reconciliation of process flow rates by matrix projection. Part II: the
  nonlinear case. AIChE J. 32(4):616-623, doi:10.1002/aic.690320410.
- Serth R.W., Heenan W.A. (1986) Gross error detection and data reconciliation in
  steam-metering systems. AIChE J. 32(5):733-742, doi:10.1002/aic.690320505.
- Cencic O. (2016) Nonlinear data reconciliation in material flow analysis with software STAN.
  Sustainable Environment Research 26(6):291-298, doi:10.1016/j.serj.2016.06.002.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .flowsheet import Flowsheet, FlowsheetError, Measurements, read_measurements

__all__ = [
    "reconcile",
    "ReconciliationResult",
    "ConvergenceReport",
    "METHODS",
    "methods",
    "recoveries",
]


# ---------------------------------------------------------------------- result types
@dataclass(frozen=True)
class ConvergenceReport:
    """How the solver ended.

    Attributes
    ----------
    method : str
        ``"linear"`` (closed form) or ``"bilinear"`` (iterated linearisation).
    solver : str
        ``"dense"`` or ``"sparse"`` linear algebra.
    converged : bool
    iterations : int
    step : float
        Last step, scaled by the typical size of each variable. [-]
    max_relative_imbalance : float
        Largest node imbalance of the reconciled (observable) values, divided by the node's
        throughput. [-]
    notes : tuple of str
    """

    method: str
    solver: str
    converged: bool
    iterations: int
    step: float
    max_relative_imbalance: float
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, repr=False)
class ReconciliationResult:
    """Reconciled flowsheet data with their uncertainty and the statistical tests.

    Tables have the shape of the measurement table (rows: every stream of the flowsheet,
    columns as given, in the caller's units).

    Attributes
    ----------
    flowsheet : Flowsheet
    measured : pandas.DataFrame
        The measurements (NaN = not measured).
    reconciled : pandas.DataFrame
        Reconciled values; every observable value filled, unobservable ones NaN.
    sd : pandas.DataFrame
        Standard deviations of the reconciled values (from the covariance).
    chi2 : float
        Global test statistic :math:`\\gamma`. [-]
    dof : int
        Degrees of freedom (rank of the reduced balance).
    p_value : float
        Probability of a :math:`\\chi^2_{dof}` at least as large as ``chi2``.
    significance : float
        Significance level of the tests.
    measurement_tests : pandas.DataFrame
        :math:`z` of each redundant measured value (NaN elsewhere).
    suspects : pandas.DataFrame
        Values flagged as gross errors: stream, column, measured, reconciled, z.
    unobservable : pandas.DataFrame
        True where a value can be determined neither from measurements nor from balances.
    redundancy : pandas.DataFrame
        ``redundant`` / ``non-redundant`` (measured), ``observable`` / ``unobservable``
        (not measured).
    convergence : ConvergenceReport
    covariance : pandas.DataFrame or None
        Covariance of all reconciled values in plain units (mass flow, assays as fractions),
        indexed by (stream, column); None for flows-only results of the sparse solver.
    components : tuple of str
        Component names of the assay columns (without units).
    factors : tuple of float
        Factor from each column's unit to plain values (1 for mass and fractions, 0.01 for %).
    """

    flowsheet: Flowsheet
    measured: pd.DataFrame
    reconciled: pd.DataFrame
    sd: pd.DataFrame
    chi2: float
    dof: int
    p_value: float
    significance: float
    measurement_tests: pd.DataFrame
    suspects: pd.DataFrame
    unobservable: pd.DataFrame
    redundancy: pd.DataFrame
    convergence: ConvergenceReport
    covariance: pd.DataFrame | None = None
    components: tuple[str, ...] = field(default=())
    factors: tuple[float, ...] = field(default=())

    @property
    def rejected(self) -> bool:
        """Whether the global test rejects the data at ``significance``."""
        return bool(self.p_value < self.significance)

    def summary(self) -> pd.DataFrame:
        """Global figures in one table (one row per figure, column ``value``)."""
        n_meas = int(np.isfinite(self.measured.to_numpy(dtype=float)).sum())
        red = self.redundancy.to_numpy()
        rows = {
            "method": self.convergence.method,
            "measured values": n_meas,
            "redundant": int((red == "redundant").sum()),
            "non-redundant": int((red == "non-redundant").sum()),
            "observable (not measured)": int((red == "observable").sum()),
            "unobservable": int((red == "unobservable").sum()),
            "chi2": round(self.chi2, 6),
            "dof": self.dof,
            "p_value": self.p_value,
            "global test": "rejects" if self.rejected else "passes",
            "suspects": ", ".join(f"{s}/{c}" for s, c in self.suspects[["stream", "column"]]
                                  .itertuples(index=False)) or "none",
            "converged": self.convergence.converged,
            "iterations": self.convergence.iterations,
            "max relative imbalance": self.convergence.max_relative_imbalance,
        }
        return pd.DataFrame({"value": pd.Series(rows, dtype=object)})

    def __repr__(self) -> str:
        return (
            f"ReconciliationResult({self.convergence.method}, chi2={self.chi2:.3g}, "
            f"dof={self.dof}, p={self.p_value:.3g}, suspects={len(self.suspects)}, "
            f"unobservable={int(self.unobservable.to_numpy().sum())})"
        )

    def recoveries(self) -> pd.DataFrame:
        """Recovery and grade of every product with standard deviations.

        See :func:`recoveries`.
        """
        return recoveries(self)


# ---------------------------------------------------------------------- problem setup
class _Problem:
    """Plain arrays of a reconciliation problem; z[k * n + j] = column k of stream j."""

    def __init__(self, fs: Flowsheet, meas: Measurements, sdv: np.ndarray) -> None:
        self.fs = fs
        self.meas = meas
        self.a = fs.incidence_sparse()
        self.m, self.n = self.a.shape
        self.ncol = meas.values.shape[1]
        self.values = meas.values.T.ravel().copy()
        self.var = (sdv.T.ravel()) ** 2
        self.measured = np.isfinite(self.values)
        flows = meas.values[:, 0]
        pos = flows[np.isfinite(flows) & (flows > 0)]
        fscale = float(np.median(pos)) if pos.size else 1.0
        scales = [fscale]
        for k in range(1, self.ncol):
            col = meas.values[:, k]
            good = col[np.isfinite(col) & (col > 0)]
            scales.append(float(np.mean(good)) if good.size else 1e-3)
        self.col_scale = np.asarray(scales)
        self.var_scale = np.repeat(self.col_scale, self.n)

    def constraints(self, z: np.ndarray, jac: bool = True) -> tuple[np.ndarray, Any]:
        """Balances g(z), each divided by its node's throughput, and their dense Jacobian.

        Dividing by the throughput (held constant for the step) makes balances of small and
        large nodes equally important to the rank decisions; it does not change the solution.
        """
        n, m = self.n, self.m
        if not hasattr(self, "_adense"):
            self._adense = self.a.toarray()
            self._aabs = np.abs(self._adense)
        a, aabs = self._adense, self._aabs
        flows = z[:n]
        g, scale = [a @ flows], [0.5 * aabs @ np.abs(flows)]
        for k in range(1, self.ncol):
            q = flows * z[k * n:(k + 1) * n]
            g.append(a @ q)
            scale.append(0.5 * aabs @ np.abs(q))
        rows = np.concatenate(scale)
        floor = np.repeat(1e-9 * np.array([max(float(np.max(c, initial=0.0)), 1e-300)
                                           for c in scale]), m)
        rows = np.maximum(rows, floor)
        g = np.concatenate(g) / rows
        if not jac:
            return g, None
        j = np.zeros((m * self.ncol, n * self.ncol))
        j[:m, :n] = a
        for k in range(1, self.ncol):
            assay = z[k * n:(k + 1) * n]
            j[k * m:(k + 1) * m, :n] = a * assay[None, :]
            j[k * m:(k + 1) * m, k * n:(k + 1) * n] = a * flows[None, :]
        j /= rows[:, None]
        return g, j

    def relative_imbalance(self, z: np.ndarray, ok: np.ndarray) -> float:
        """Largest node imbalance / node throughput, over balances with every value known."""
        n = self.n
        a = self.a
        aabs = abs(a)
        flows = z[:n]
        worst = 0.0
        for k in range(self.ncol):
            q = flows if k == 0 else flows * z[k * n:(k + 1) * n]
            known = ok[:n] if k == 0 else ok[:n] & ok[k * n:(k + 1) * n]
            unknown_rows = (aabs @ (~known).astype(float)) > 0
            qk = np.where(known, q, 0.0)
            through = 0.5 * (aabs @ np.abs(qk))
            good = ~unknown_rows & (through > 0)
            if good.any():
                worst = max(worst, float(np.max(np.abs(a @ qk)[good] / through[good])))
        return worst


def _read_sd(fs: Flowsheet, meas: Measurements, measured: pd.DataFrame,
             sd: pd.DataFrame | float) -> np.ndarray:
    values = meas.values
    if isinstance(sd, (int, float, np.floating)) and not isinstance(sd, bool):
        rel = float(sd)
        if not np.isfinite(rel) or rel <= 0:
            raise ValueError(
                f"sd = {sd!r}: a relative standard deviation must be a positive number "
                "(e.g. 0.05 for 5 %), or pass a DataFrame of absolute values"
            )
        return rel * np.abs(values)
    if not isinstance(sd, pd.DataFrame):
        raise TypeError(
            f"sd must be a DataFrame shaped like measured (absolute) or a relative float, got "
            f"{type(sd).__name__}"
        )
    from .flowsheet import _column_values

    missing = [c for c in meas.columns if c not in sd.columns]
    if missing:
        raise KeyError(f"sd lacks column(s) {missing} of measured; give one sd per value")
    known = set(fs.streams)
    unknown = [s for s in sd.index if str(s) not in known]
    if unknown:
        raise KeyError(f"sd has stream(s) {unknown} that the flowsheet does not have")
    frame = sd.copy()
    frame.index = [str(s) for s in frame.index]
    frame = frame.reindex(list(fs.streams))
    out = np.empty_like(values)
    from ..units import fraction_factor

    for k, col in enumerate(meas.columns):
        mags, unit = _column_values(frame[col])
        factor = meas.factors[k]
        if unit is not None and k > 0:
            factor = fraction_factor(unit)
        out[:, k] = mags * factor
    bad = np.isfinite(values) & ~(np.isfinite(out) & (out >= 0))
    if bad.any():
        j, k = np.argwhere(bad)[0]
        raise ValueError(
            f"sd of stream {fs.streams[j]!r}, column {meas.columns[k]!r} is {out[j, k]!r}: "
            "every measured value needs a finite standard deviation >= 0"
        )
    out[~np.isfinite(values)] = np.nan
    return out


# ---------------------------------------------------------------------- linear algebra
def _left_null(mat: np.ndarray, rtol: float = 1e-10) -> tuple[np.ndarray, np.ndarray]:
    """Rows spanning the left null space of ``mat`` and columns spanning its null space."""
    from scipy import linalg

    rows, cols = mat.shape
    if cols == 0:
        return np.eye(rows), np.zeros((0, 0))
    u, s, vt = linalg.svd(mat, full_matrices=True, lapack_driver="gesvd")
    tol = rtol * max(s[0] if s.size else 0.0, 1.0) * max(mat.shape)
    rank = int(np.sum(s > tol))
    return u[:, rank:].T, vt[rank:].T


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


def _few_threads() -> Any:
    """Limit BLAS threads: these matrices are small, and threads only contend."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn
        import contextlib

        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


# ---------------------------------------------------------------------- core solver
def _solve_dense(prob: _Problem, meas_mask: np.ndarray, *, max_iter: int, tol: float,
                 z0: np.ndarray | None = None) -> dict[str, Any]:
    """Iterated projection (one step is exact when the constraints are linear)."""
    with _few_threads():
        return _solve_dense_inner(prob, meas_mask, max_iter=max_iter, tol=tol, z0=z0)


def _solve_dense_inner(prob: _Problem, meas_mask: np.ndarray, *, max_iter: int, tol: float,
                       z0: np.ndarray | None) -> dict[str, Any]:
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
        su = np.maximum(np.abs(z[ui]), floor[ui])
        if final:
            p, null_u = _left_null(ju * su[None, :])
        else:
            p, null_u = _left_null_qr(ju * su[None, :]), None
        bmat = p @ jx
        b = p @ (jx @ z[xi] - g)
        return g, jx, ju, su, null_u, bmat, bmat @ xm - b

    for it in range(1, max_iter + 1):  # noqa: B007 - it is reported
        g, jx, ju, su, _, bmat, r = reduced(z)
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
    g, jx, ju, su, null_u, bmat, r = reduced(z, final=True)
    smat = (bmat * v[None, :]) @ bmat.T
    lam, sinv, rank = _psd_solve(smat, r, names_of, has_fixed, need_inverse=True)
    chi2 = float(r @ lam)
    vb = bmat.T * v[:, None]  # V B^T  (n_x x k)
    va = vb @ sinv @ vb.T
    cov_x = np.diag(v) - va
    if ui.size:
        pinv_u = np.linalg.pinv(ju * su[None, :], rcond=1e-10) * su[:, None]
    else:
        pinv_u = np.zeros((0, jx.shape[0]))
    gmap = -pinv_u @ jx
    nvar = prob.n * prob.ncol
    cov = np.empty((nvar, nvar))
    cross = gmap @ cov_x
    cov[np.ix_(xi, xi)] = cov_x
    cov[np.ix_(ui, xi)] = cross
    cov[np.ix_(xi, ui)] = cross.T
    cov[np.ix_(ui, ui)] = cross @ gmap.T
    unobs = np.zeros(nvar, dtype=bool)
    if ui.size and null_u.size:
        unobs[ui] = np.linalg.norm(null_u, axis=1) > 1e-7
    sx = np.maximum(np.abs(z[xi]), floor[xi])
    colnorm = np.abs(bmat * sx[None, :]).sum(axis=0) if bmat.size else np.zeros(xi.size)
    redundant = np.zeros(nvar, dtype=bool)
    redundant[xi] = colnorm > 1e-9 * max(colnorm.max(initial=0.0), 1.0)
    return {
        "z": z, "cov": cov, "va_diag": np.diag(va), "xi": xi, "chi2": chi2, "dof": rank,
        "unobservable": unobs, "redundant": redundant, "iterations": it,
        "converged": converged, "step": steps[-1] if steps else 0.0, "solver": "dense",
    }


def _start(prob: _Problem, meas_mask: np.ndarray) -> np.ndarray:
    """Starting values: measured values, neighbours' assays, flows from the balances."""
    n, a = prob.n, prob.a.toarray()
    z = np.where(meas_mask, prob.values, np.nan)
    adj = (np.abs(a).T @ np.abs(a)) > 0  # streams sharing a node
    for k in range(1, prob.ncol):
        col = z[k * n:(k + 1) * n]
        good = np.isfinite(col)
        fallback = float(np.mean(col[good])) if good.any() else prob.col_scale[k]
        for j in np.nonzero(~good)[0]:
            near = adj[j] & good
            col[j] = float(np.mean(col[near])) if near.any() else fallback
        z[k * n:(k + 1) * n] = col
    flows = z[:n]
    miss = ~np.isfinite(flows)
    if miss.any():
        blocks = [a] + [a * z[k * n:(k + 1) * n][None, :] for k in range(1, prob.ncol)]
        mat = np.vstack(blocks)
        mat /= np.maximum(np.abs(mat).sum(axis=1), 1e-300)[:, None]
        known = ~miss
        rhs = -mat[:, known] @ flows[known]
        sol = np.linalg.lstsq(mat[:, miss], rhs, rcond=None)[0]
        positive = flows[known][flows[known] > 0]
        guess = 0.1 * float(np.mean(positive)) if positive.size else 1.0
        sol = np.where(np.isfinite(sol) & (sol > 0), sol, guess)
        flows[miss] = sol
        z[:n] = flows
    return z


def _label(prob: _Problem, i: int) -> str:
    k, j = divmod(int(i), prob.n)
    return f"{prob.fs.streams[j]}/{prob.meas.columns[k]}"



def _node_groups(n_nodes: int, ends: np.ndarray, streams: np.ndarray) -> np.ndarray:
    """Group label of each node once the two ends of each of ``streams`` are joined."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    e = ends[np.asarray(streams, dtype=int)]
    graph = coo_matrix((np.ones(len(e)), (e[:, 0], e[:, 1])), shape=(n_nodes, n_nodes))
    return connected_components(graph, directed=False)[1]

def _solve_sparse_linear(prob: _Problem, meas_mask: np.ndarray) -> dict[str, Any]:
    """Flows-only closed form with sparse algebra; unmeasured streams by graph contraction.

    The left null space of the unmeasured columns of an incidence matrix is spanned by the
    indicator rows of the groups of nodes joined by unmeasured streams (those joined to the
    outside drop out), and an unmeasured stream is observable exactly when it is a bridge of
    the graph of unmeasured streams (Mah et al. 1976; Kretsovalis & Mah 1987).
    """
    from scipy import sparse
    from scipy.sparse.linalg import splu

    n, m = prob.n, prob.m
    fs = prob.fs
    node_ix = {nd: i for i, nd in enumerate(fs.nodes)}
    ends = np.array(
        [(m if s is None else node_ix[s], m if d is None else node_ix[d])
         for _, s, d in fs._edges]
    )
    xi = np.nonzero(meas_mask)[0]
    ui = np.nonzero(~meas_mask)[0]
    # groups of nodes joined by unmeasured streams (node m = outside)
    roots = _node_groups(m + 1, ends, ui)
    outside = roots[m]
    groups = [r for r in np.unique(roots) if r != outside]
    gix = {r: k for k, r in enumerate(groups)}
    prow = [gix[roots[i]] for i in range(m) if roots[i] != outside]
    pcol = [i for i in range(m) if roots[i] != outside]
    pmat = sparse.csr_array(
        (np.ones(len(prow)), (prow, pcol)), shape=(len(groups), m)
    )
    bmat = (pmat @ prob.a[:, xi]).tocsc()
    bmat.eliminate_zeros()
    xm = prob.values[xi]
    v = prob.var[xi]
    if np.any(v <= 0):
        raise FlowsheetError(
            "the sparse solver needs every sd > 0; use solver='dense' for fixed values"
        )
    r = bmat @ xm
    smat = (bmat @ sparse.diags_array(v) @ bmat.T).tocsc()
    keep_rows = np.asarray(abs(smat).sum(axis=1)).ravel() > 0
    bmat = bmat[keep_rows]
    smat = smat[keep_rows][:, keep_rows].tocsc()
    r = r[keep_rows]
    lu = splu(smat)
    lam = lu.solve(r)
    x_hat = xm - v * (bmat.T @ lam)
    chi2 = float(r @ lam)
    dof = int(smat.shape[0])
    # diag(V B^T S^-1 B V): b_j^T S^-1 b_j needs S^-1 only where two balances share a stream
    bcsc = bmat.tocsc()
    bcsc.sort_indices()
    counts = np.diff(bcsc.indptr)
    pr, pc, pj, pw = [], [], [], []
    for c in np.unique(counts[counts > 0]):
        cols_c = np.nonzero(counts == c)[0]
        starts = bcsc.indptr[cols_c]
        idx = starts[:, None] + np.arange(c)[None, :]  # (columns, c) positions in data
        r_, v_ = bcsc.indices[idx], bcsc.data[idx]
        for a_ in range(c):
            for b_ in range(c):
                pr.append(r_[:, a_])
                pc.append(r_[:, b_])
                pj.append(cols_c)
                pw.append(v_[:, a_] * v_[:, b_])
    quad = np.zeros(xi.size)
    if pr:
        entries = _selected_inverse(smat, np.concatenate(pr), np.concatenate(pc), lu)
        np.add.at(quad, np.concatenate(pj), np.concatenate(pw) * entries)
    va_diag = v * v * quad
    z = np.full(n, np.nan)
    z[xi] = x_hat
    unobs = np.zeros(n, dtype=bool)
    if ui.size:
        bridges = _bridges(ends[ui], m + 1)
        unobs[ui[~bridges]] = True
        _peel(z, ends, ui[bridges], prob.a, x_hat, xi, m)
    var = np.full(n, np.nan)
    var[xi] = v - va_diag
    redundant = np.zeros(n, dtype=bool)
    redundant[xi] = np.diff(bmat.tocsc().indptr) > 0
    return {
        "z": z, "cov": None, "var": var, "va_diag": va_diag, "xi": xi, "chi2": chi2,
        "dof": dof, "unobservable": unobs, "redundant": redundant, "iterations": 1,
        "converged": True, "step": 0.0, "solver": "sparse",
    }


def _selected_inverse(s_mat: Any, rows: np.ndarray, cols: np.ndarray, lu: Any) -> np.ndarray:
    r"""Entries ``(rows[t], cols[t])`` of the inverse of a sparse SPD matrix.

    Takahashi et al. (1973) equations on the pattern of a symmetric sparse factorisation
    :math:`S = L D L^T`: for i = n-1 ... 0, with K the rows below i in column i of L,

    .. math:: Z_{iK} = -L_{Ki}^T Z_{KK}, \qquad Z_{ii} = 1/d_i - L_{Ki}^T Z_{Ki}.

    Only entries on the pattern of L are formed, so the cost follows the fill of the
    factor, not n^3. Falls back to solves with the LU factors ``lu`` when no symmetric
    factorisation is found or the matrix is too large to hold Z.

    References
    ----------
    Takahashi K., Fagan J., Chen M.S. (1973) Formation of a sparse bus impedance matrix and its
    application to short circuit study. Proc. 8th PICA Conference, 63-69. Erisman A.M.,
    Tinney W.F. (1975) On computing certain elements of the inverse of a sparse matrix.
    Commun. ACM 18(3):177-179, doi:10.1145/360680.360704.
    """
    from scipy import sparse
    from scipy.sparse.linalg import splu

    n = s_mat.shape[0]
    if n == 0 or rows.size == 0:
        return np.zeros(rows.size)
    factor = None
    if n <= 6000:
        try:
            factor = splu(sparse.csc_matrix(s_mat), permc_spec="MMD_AT_PLUS_A",
                          diag_pivot_thresh=0.0, options={"SymmetricMode": True})
        except RuntimeError:
            factor = None
    if factor is not None and np.array_equal(factor.perm_r, factor.perm_c):
        lower = factor.L.tocsc()
        d = factor.U.diagonal()
        if np.all(d > 0):
            z = np.zeros((n, n))
            indptr, indices, data = lower.indptr, lower.indices, lower.data
            for i in range(n - 1, -1, -1):
                ks = indices[indptr[i]:indptr[i + 1]]
                ls = data[indptr[i]:indptr[i + 1]]
                below = ks > i
                ks, ls = ks[below], ls[below]
                if ks.size:
                    zik = -(ls @ z[np.ix_(ks, ks)])
                    z[i, ks] = zik
                    z[ks, i] = zik
                    z[i, i] = 1.0 / d[i] - ls @ zik
                else:
                    z[i, i] = 1.0 / d[i]
            pos = factor.perm_c
            return z[pos[rows], pos[cols]]
    out = np.empty(rows.size)
    for start in range(0, n, 512):
        block = np.zeros((n, min(512, n - start)))
        block[np.arange(start, start + block.shape[1]), np.arange(block.shape[1])] = 1.0
        cols_inv = lu.solve(block)
        hit = (cols >= start) & (cols < start + block.shape[1])
        out[hit] = cols_inv[rows[hit], cols[hit] - start]
    return out


def _bridges(ends: np.ndarray, n_nodes: int) -> np.ndarray:
    """Which edges of an undirected multigraph are bridges (iterative Tarjan)."""
    adj: list[list[tuple[int, int]]] = [[] for _ in range(n_nodes)]
    for e, (p, q) in enumerate(ends):
        adj[p].append((q, e))
        adj[q].append((p, e))
    disc = np.full(n_nodes, -1)
    low = np.zeros(n_nodes, dtype=int)
    is_bridge = np.zeros(len(ends), dtype=bool)
    t = 0
    for root in range(n_nodes):
        if disc[root] >= 0 or not adj[root]:
            continue
        disc[root] = low[root] = t
        t += 1
        stack = [(root, -1, iter(adj[root]))]
        while stack:
            node, via, it = stack[-1]
            advanced = False
            for nxt, e in it:
                if e == via:
                    continue
                if disc[nxt] < 0:
                    disc[nxt] = low[nxt] = t
                    t += 1
                    stack.append((nxt, e, iter(adj[nxt])))
                    advanced = True
                    break
                low[node] = min(low[node], disc[nxt])
            if not advanced:
                stack.pop()
                if stack:
                    parent = stack[-1][0]
                    low[parent] = min(low[parent], low[node])
                    if low[node] > disc[parent]:
                        is_bridge[via] = True
    return is_bridge


def _peel(z: np.ndarray, ends: np.ndarray, bridge_streams: np.ndarray, a: Any,
          x_hat: np.ndarray, xi: np.ndarray, m: int) -> None:
    """Flows of observable unmeasured streams (bridges) from node balances, leaf by leaf."""
    # groups: nodes joined by non-bridge unmeasured streams are merged
    unmeasured = np.setdiff1d(np.arange(len(ends)), xi)
    cyc = np.setdiff1d(unmeasured, bridge_streams)
    grp = _node_groups(m + 1, ends, cyc)
    imb = np.zeros(m + 1)
    node_imb = a[:, xi] @ x_hat
    np.add.at(imb, grp[:m], node_imb)
    inc: dict[int, list[int]] = {}
    for j in bridge_streams:
        for end in ends[j]:
            inc.setdefault(int(grp[end]), []).append(int(j))
    outside = int(grp[m])
    queue = [g for g, lst in inc.items() if len(lst) == 1 and g != outside]
    done = set()
    while queue:
        g = queue.pop()
        live = [j for j in inc[g] if j not in done]
        if len(live) != 1 or g == outside:
            continue
        j = live[0]
        into_g = grp[ends[j, 1]] == g
        sign = 1.0 if into_g else -1.0
        flow = -imb[g] / sign
        z[j] = flow
        done.add(j)
        other = int(grp[ends[j, 0]] if into_g else grp[ends[j, 1]])
        imb[other] += -sign * flow
        left = [e for e in inc[other] if e not in done]
        if len(left) == 1 and other != outside:
            queue.append(other)


# ---------------------------------------------------------------------- public API
def _solve_linear(prob: _Problem, mask: np.ndarray, **kw: Any) -> dict[str, Any]:
    solver = kw.get("solver", "auto")
    if solver == "sparse" or (solver == "auto" and prob.n > 1500):
        return _solve_sparse_linear(prob, mask)
    return _solve_dense(prob, mask, max_iter=1, tol=kw["tol"])


def _solve_bilinear(prob: _Problem, mask: np.ndarray, **kw: Any) -> dict[str, Any]:
    if kw.get("solver", "auto") == "sparse":
        raise ValueError("solver='sparse' is for flows only; the bilinear solver is dense")
    return _solve_dense(prob, mask, max_iter=kw["max_iter"], tol=kw["tol"], z0=kw.get("z0"))


#: Reconciliation methods: name -> (solver, description). ``method="auto"`` picks
#: ``linear`` when only mass flows are given and ``bilinear`` when there are assays.
METHODS: dict[str, tuple[Callable[..., dict[str, Any]], str]] = {
    "linear": (_solve_linear, "flows only, closed form (Kuehn & Davidson 1961; Crowe 1983)"),
    "bilinear": (
        _solve_bilinear,
        "flows and assays, iterated linearisation with projection (Crowe 1986; Cencic 2016)",
    ),
}


def methods() -> pd.Series:
    """The reconciliation methods, with what each does.

    >>> list(methods().index)
    ['linear', 'bilinear']
    """
    return pd.Series({k: v[1] for k, v in METHODS.items()}, name="method")


_IDENTIFY = ("serial", "measurement_test", "none")


def reconcile(
    flowsheet: Flowsheet,
    measured: pd.DataFrame,
    sd: pd.DataFrame | float,
    *,
    method: str = "auto",
    significance: float = 0.05,
    identify: str = "serial",
    max_iter: int = 50,
    tol: float = 1e-10,
    solver: str = "auto",
) -> ReconciliationResult:
    """Reconcile measured mass flows (and assays) so that every node balance closes.

    Parameters
    ----------
    flowsheet : Flowsheet
    measured : pandas.DataFrame
        Indexed by stream; a ``mass`` column [mass/time, one unit] and assay columns
        (mass fractions 0-1, or unit-named / pint columns such as ``"Cu [%]"``). NaN = not
        measured; streams absent from the index are not measured.
    sd : pandas.DataFrame or float
        Standard deviations, absolute, in the same shape and units as ``measured``; or a
        float: relative to each measured value (0.05 = 5 %). An sd of 0 fixes a value.
    method : {"auto", "linear", "bilinear"}
        See :func:`methods`. ``auto``: ``linear`` without assays, else ``bilinear``.
    significance : float
        Significance level of the global and measurement tests (family-wise, Sidak). [-]
    identify : {"serial", "measurement_test", "none"}
        Gross-error identification. ``serial``: while the global test rejects, flag the
        value with the largest measurement-test :math:`z` above the critical value, treat it
        as unmeasured and reconcile again (serial elimination, Serth & Heenan 1986).
        ``measurement_test``: every value whose :math:`z` exceeds the critical value.
    max_iter, tol : int, float
        Iteration limit and step tolerance (scaled) of the bilinear solver.
    solver : {"auto", "dense", "sparse"}
        Linear algebra. ``sparse`` (flows only) scales to plant-wide flowsheets; ``auto``
        uses it above 1500 streams.

    Returns
    -------
    ReconciliationResult

    Raises
    ------
    FlowsheetError (ValueError)
        Negative flows, assays outside [0, 1], a loop of streams whose flows cannot be
        determined, zero sd on measured values that conflict with the balance.
    KeyError
        Unknown streams, no ``mass`` column.

    Notes
    -----
    Measurement errors are taken as independent (diagonal :math:`V`). Reconciled values are
    not bounded: an assay near 0 may come out slightly negative, which the convergence
    report notes. Unobservable values stay NaN and are listed in ``unobservable``.

    References
    ----------
    Crowe et al. (1983), doi:10.1002/aic.690290602; Crowe (1986), doi:10.1002/aic.690320410;
    Narasimhan S., Jordache C. (2000) Data Reconciliation and Gross Error Detection. Gulf,
    ch. 3, 7, 8; Cencic (2016), doi:10.1016/j.serj.2016.06.002.

    Examples
    --------
    >>> fs = Flowsheet.from_edges([("feed", None, "cell"), ("conc", "cell", None),
    ...                             ("tail", "cell", None)])
    >>> m = pd.DataFrame({"mass": [100.0, 10.0, 88.0]}, index=["feed", "conc", "tail"])
    >>> res = fs.reconcile(m, sd=pd.DataFrame({"mass": [2.0, 0.5, 2.0]}, index=m.index))
    >>> res.reconciled["mass"].round(3).tolist()
    [99.03, 10.061, 88.97]
    >>> round(res.chi2, 4), res.dof
    (0.4848, 1)
    """
    if not isinstance(flowsheet, Flowsheet):
        raise TypeError(f"flowsheet must be a Flowsheet, got {type(flowsheet).__name__}")
    if identify not in _IDENTIFY:
        raise ValueError(f"identify = {identify!r}; expected one of {_IDENTIFY}")
    if not 0 < significance < 1:
        raise ValueError(f"significance = {significance!r}; expected a number in (0, 1)")
    if solver not in ("auto", "dense", "sparse"):
        raise ValueError(f"solver = {solver!r}; expected 'auto', 'dense' or 'sparse'")
    meas = read_measurements(flowsheet, measured)
    sdv = _read_sd(flowsheet, meas, measured, sd)
    if method == "auto":
        has_assays = meas.values.shape[1] > 1 and np.isfinite(meas.values[:, 1:]).any()
        method = "bilinear" if has_assays else "linear"
    if method not in METHODS:
        raise ValueError(f"method = {method!r}; expected 'auto' or one of {list(METHODS)}")
    if method == "linear" and meas.values.shape[1] > 1:
        if np.isfinite(meas.values[:, 1:]).any():
            raise ValueError(
                "method = 'linear' reconciles mass flows only, but measured has assays: use "
                "method='bilinear' (or 'auto'), or drop the assay columns"
            )
    prob = _Problem(flowsheet, meas, sdv)
    if not prob.measured.any():
        raise ValueError("measured holds no value at all (every cell is NaN)")
    _check_unmeasured_loops(prob)
    fn = METHODS[method][0]
    opts = {"max_iter": max_iter, "tol": tol, "solver": solver}
    mask = prob.measured.copy()
    sol = fn(prob, mask, **opts)
    _check_unobservable_loops(prob, sol["unobservable"])
    notes: list[str] = []
    if not sol["converged"]:
        notes.append(f"no convergence in {max_iter} iterations")
    z = sol["z"]
    obs = ~sol["unobservable"] & np.isfinite(z)
    # measurement tests
    xi = sol["xi"]
    zstat = np.full(z.size, np.nan)
    va = sol["va_diag"]
    good = va > 1e-12 * np.maximum(prob.var[xi], 1e-300)
    zstat[xi[good]] = np.abs(z[xi[good]] - prob.values[xi[good]]) / np.sqrt(va[good])
    suspects = _identify(prob, mask, sol, zstat, fn, opts, significance, identify)
    # tables
    n, ncol = prob.n, prob.ncol

    def table(vec: np.ndarray) -> pd.DataFrame:
        return meas.to_frame(vec.reshape(ncol, n).T)

    zrec = np.where(obs, z, np.nan)
    if sol["cov"] is not None:
        var = np.diag(sol["cov"]).copy()
    else:
        var = sol["var"]
    var = np.where(obs, np.maximum(var, 0.0), np.nan)
    sdout = np.sqrt(var)
    label = np.where(
        prob.measured,
        np.where(sol["redundant"], "redundant", "non-redundant"),
        np.where(sol["unobservable"], "unobservable", "observable"),
    )
    redundancy = pd.DataFrame(
        label.reshape(ncol, n).T, index=pd.Index(list(flowsheet.streams), name="stream"),
        columns=list(meas.columns),
    )
    unobs = pd.DataFrame(
        sol["unobservable"].reshape(ncol, n).T,
        index=pd.Index(list(flowsheet.streams), name="stream"), columns=list(meas.columns),
    )
    ztable = pd.DataFrame(
        zstat.reshape(ncol, n).T, index=pd.Index(list(flowsheet.streams), name="stream"),
        columns=list(meas.columns),
    )
    neg = np.nonzero(obs & (zrec < -1e-9 * prob.var_scale))[0]
    if neg.size:
        notes.append(
            "negative reconciled values (unbounded least squares): "
            + ", ".join(_label(prob, i) for i in neg[:5])
        )
    cov_frame = None
    if sol["cov"] is not None:
        idx = pd.MultiIndex.from_tuples(
            [(s, c) for c in meas.columns for s in flowsheet.streams], names=["stream", "column"]
        )
        cov = np.where(np.outer(obs, obs), sol["cov"], np.nan)
        cov_frame = pd.DataFrame(cov, index=idx, columns=idx)
    from scipy import stats

    dof = int(sol["dof"])
    chi2 = max(float(sol["chi2"]), 0.0)
    p_value = float(stats.chi2.sf(chi2, dof)) if dof > 0 else 1.0
    if dof == 0:
        notes.append("no redundancy: the data cannot be tested (dof = 0)")
    report = ConvergenceReport(
        method=method,
        solver=sol["solver"],
        converged=bool(sol["converged"]),
        iterations=int(sol["iterations"]),
        step=float(sol["step"]),
        max_relative_imbalance=prob.relative_imbalance(np.where(obs, z, 0.0), obs),
        notes=tuple(notes),
    )
    measured_tab = meas.to_frame(prob.values.reshape(ncol, n).T)
    return ReconciliationResult(
        flowsheet=flowsheet,
        measured=measured_tab,
        reconciled=table(zrec),
        sd=table(sdout),
        chi2=chi2,
        dof=dof,
        p_value=p_value,
        significance=float(significance),
        measurement_tests=ztable,
        suspects=suspects,
        unobservable=unobs,
        redundancy=redundancy,
        convergence=report,
        covariance=cov_frame,
        components=tuple(meas.components),
        factors=tuple(float(f) for f in meas.factors),
    )


def _critical_z(significance: float, n_tests: int) -> float:
    """Sidak-corrected two-sided critical value (Mah & Tamhane 1982)."""
    from scipy import stats

    beta = 1.0 - (1.0 - significance) ** (1.0 / max(n_tests, 1))
    return float(stats.norm.isf(beta / 2.0))


def _identify(prob: _Problem, mask: np.ndarray, sol: dict[str, Any], zstat: np.ndarray,
              fn: Callable[..., dict[str, Any]], opts: dict[str, Any], significance: float,
              identify: str) -> pd.DataFrame:
    from scipy import stats

    cols = ["stream", "column", "measured", "reconciled", "z", "critical_z"]
    rows: list[dict[str, Any]] = []
    if identify == "none":
        return pd.DataFrame(columns=cols)
    n_tests = int(np.isfinite(zstat).sum())
    crit = _critical_z(significance, n_tests)

    def row(i: int, z_i: float, rec: float, crit_i: float) -> dict[str, Any]:
        k, j = divmod(int(i), prob.n)
        f = prob.meas.factors[k]
        return {
            "stream": prob.fs.streams[j], "column": prob.meas.columns[k],
            "measured": prob.values[i] / f, "reconciled": rec / f, "z": z_i,
            "critical_z": crit_i,
        }

    if identify == "measurement_test":
        for i in np.argsort(-np.nan_to_num(zstat, nan=-1.0)):
            if np.isfinite(zstat[i]) and zstat[i] > crit:
                rows.append(row(i, float(zstat[i]), float(sol["z"][i]), crit))
        return pd.DataFrame(rows, columns=cols)
    cur_mask, cur_sol, cur_z = mask.copy(), sol, zstat
    for _ in range(max(int(mask.sum()) // 2, 1)):
        dof = int(cur_sol["dof"])
        if dof == 0 or stats.chi2.sf(max(cur_sol["chi2"], 0.0), dof) >= significance:
            break
        n_tests = int(np.isfinite(cur_z).sum())
        crit = _critical_z(significance, n_tests)
        if not np.isfinite(cur_z).any():
            break
        i = int(np.nanargmax(cur_z))
        if cur_z[i] <= crit:
            break
        rows.append(row(i, float(cur_z[i]), float(cur_sol["z"][i]), crit))
        cur_mask = cur_mask.copy()
        cur_mask[i] = False
        try:
            cur_sol = fn(prob, cur_mask, **opts, z0=cur_sol["z"])
        except (FlowsheetError, np.linalg.LinAlgError):
            break
        xi = cur_sol["xi"]
        va = cur_sol["va_diag"]
        cur_z = np.full(cur_z.size, np.nan)
        ok = va > 1e-12 * np.maximum(prob.var[xi], 1e-300)
        cur_z[xi[ok]] = np.abs(cur_sol["z"][xi[ok]] - prob.values[xi[ok]]) / np.sqrt(va[ok])
    return pd.DataFrame(rows, columns=cols)


def _directed_cycle(fs: Flowsheet, streams: np.ndarray) -> list[str]:
    """A directed cycle among the given internal streams (indices), or []."""
    out: dict[str, list[int]] = {}
    for j in streams:
        _, s, d = fs._edges[j]
        if s is not None and d is not None:
            out.setdefault(s, []).append(int(j))
    state: dict[str, int] = {}
    for start in list(out):
        if state.get(start):
            continue
        path: list[int] = []
        stack = [(start, iter(out.get(start, [])))]
        state[start] = 1
        while stack:
            node, it = stack[-1]
            for j in it:
                nxt = fs._edges[j][2]
                if state.get(nxt, 0) == 1:
                    cyc = path + [j]
                    # keep the part of the path that closes at nxt
                    names = [fs._edges[e] for e in cyc]
                    first = next(k for k, e in enumerate(names) if e[1] == nxt)
                    return [e[0] for e in names[first:]]
                if state.get(nxt, 0) == 0:
                    state[nxt] = 1
                    path.append(j)
                    stack.append((nxt, iter(out.get(nxt, []))))
                    break
            else:
                state[node] = 2
                stack.pop()
                if path:
                    path.pop()
    return []


def _check_unmeasured_loops(prob: _Problem) -> None:
    """A closed loop of streams with nothing measured on them can never be determined."""
    vals = prob.meas.values
    blind = np.nonzero(~np.isfinite(vals).any(axis=1))[0]
    cyc = _directed_cycle(prob.fs, blind)
    if cyc:
        raise FlowsheetError(
            f"the streams {cyc} form a loop with nothing measured on them: the flow around "
            "the loop cannot be determined from the balances (any amount could circulate). "
            "Measure the mass flow (or assays) of at least one of them"
        )


def _check_unobservable_loops(prob: _Problem, unobservable: np.ndarray) -> None:
    blind = np.nonzero(unobservable[:prob.n])[0]
    cyc = _directed_cycle(prob.fs, blind)
    if cyc:
        raise FlowsheetError(
            f"the streams {cyc} form a loop whose flows cannot be determined from the "
            "measurements: any amount could circulate. Measure the mass flow of one of them"
        )


# ---------------------------------------------------------------------- recoveries
def recoveries(result: ReconciliationResult) -> pd.DataFrame:
    """Recovery (yield for mass) and grade of every product, with standard deviations.

    .. math::
       R_{pk} = \\frac{F_p a_{pk}}{\\sum_{f \\in feeds} F_f a_{fk}}, \\qquad
       \\sigma_R^2 = \\nabla R^T \\, \\hat C \\, \\nabla R

    with :math:`\\hat C` the covariance of the reconciled values (first-order propagation,
    JCGM 100:2008 (GUM), eq. 13). For ``component = "mass"`` the recovery is the mass yield
    and there is no grade (NaN by definition).

    Parameters
    ----------
    result : ReconciliationResult

    Returns
    -------
    pandas.DataFrame
        Indexed by (product, component); columns ``recovery``, ``recovery_sd`` [-],
        ``grade``, ``grade_sd`` [mass fraction].

    References
    ----------
    JCGM 100:2008, Evaluation of measurement data - Guide to the expression of uncertainty in
    measurement, eq. (13). Wills B.A., Finch J.A. (2016) Wills' Mineral Processing Technology,
    8th ed., Butterworth-Heinemann (recovery and grade from a balanced flowsheet).
    """
    fs = result.flowsheet
    if result.covariance is None:
        raise ValueError(
            "this result keeps no covariance (very large flowsheet, sparse solver): "
            "recoveries with uncertainty need solver='dense'"
        )
    n = len(fs.streams)
    cols = list(result.measured.columns)
    ncol = len(cols)
    vals = result.reconciled.to_numpy(dtype=float) * np.asarray(result.factors)
    cov = result.covariance.to_numpy()
    feeds = [fs.streams.index(s) for s in fs.feeds]
    rows = []
    for p_name in fs.products:
        p = fs.streams.index(p_name)
        for k in range(ncol):
            comp = "mass" if k == 0 else result.components[k - 1]
            grad = np.zeros(n * ncol)
            fl = vals[:, 0]
            if k == 0:
                denom = float(np.sum(fl[feeds]))
                rec = fl[p] / denom
                grad[p] += 1.0 / denom
                for f in feeds:
                    grad[f] -= rec / denom
                grade = grade_sd = np.nan
            else:
                ak = vals[:, k]
                denom = float(np.sum(fl[feeds] * ak[feeds]))
                rec = fl[p] * ak[p] / denom
                grad[p] += ak[p] / denom
                grad[k * n + p] += fl[p] / denom
                for f in feeds:
                    grad[f] -= rec * ak[f] / denom
                    grad[k * n + f] -= rec * fl[f] / denom
                grade = ak[p]
                grade_sd = float(np.sqrt(max(cov[k * n + p, k * n + p], 0.0)))
            used = grad != 0
            var = float(grad[used] @ cov[np.ix_(used, used)] @ grad[used])
            rows.append({
                "product": p_name, "component": comp, "recovery": float(rec),
                "recovery_sd": float(np.sqrt(max(var, 0.0))) if np.isfinite(var) else np.nan,
                "grade": grade, "grade_sd": grade_sd,
            })
    return pd.DataFrame(rows).set_index(["product", "component"])
