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
problem is solved with bounds (:math:`F \\ge 0`, :math:`0 \\le a_k \\le 1`) by sequential
quadratic programming with an l1 merit line search and an active set on the bounds
(:mod:`._bilinear`; Nocedal & Wright 2006, ch. 18); convergence is judged on first-order
optimality and constraint violation. The statistics are those of the problem linearised at
the solution (Knepper & Gorman 1980; Crowe 1986; as in STAN, Cencic 2016).

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
from typing import Any

import numpy as np
import pandas as pd

from ._base import FlowsheetBase
from ._dense import _solve_dense
from ._graph import _check_connected, _check_unmeasured_loops, _check_unobservable_loops
from ._measurements import _stream_index, read_measurements
from ._problem import _label, _Problem, _read_sd
from ._results import ConvergenceReport, ReconciliationResult
from ._sparse import _solve_sparse_linear
from ._tests import _identify, _measurement_z, nodal_tests
from .recoveries import recoveries

__all__ = [
    "reconcile",
    "ReconciliationResult",
    "ConvergenceReport",
    "METHODS",
    "methods",
    "recoveries",
]


def _solve_linear(prob: _Problem, mask: np.ndarray, **kw: Any) -> dict[str, Any]:
    solver = kw.get("solver", "auto")
    if solver == "sparse" or (solver == "auto" and prob.n > 1500):
        return _solve_sparse_linear(prob, mask)
    return _solve_dense(prob, mask, max_iter=1, tol=kw["tol"])


#: Above this many values (streams x columns) the bilinear statistics come from the sparse
#: KKT matrix instead of dense projections, and only variances and ``variance_of`` are kept
#: (as the dense path does above ``_dense._FULL_COVARIANCE_MAX``); at or below it the full
#: covariance is kept. 1,000 nodes with 5 assays (12,480 values): dense 33.6 s and 3.5 GB,
#: sparse 12.8 s and 0.7 GB (benchmarks/bench_massbalance.py).
_SPARSE_BILINEAR_MIN = 2000


def _solve_bilinear(prob: _Problem, mask: np.ndarray, **kw: Any) -> dict[str, Any]:
    solver = kw.get("solver", "auto")
    sparse_stats = solver == "sparse" or (
        solver == "auto" and prob.n * prob.ncol > _SPARSE_BILINEAR_MIN)
    return _solve_dense(prob, mask, max_iter=kw["max_iter"], tol=kw["tol"], z0=kw.get("z0"),
                        stats="sparse" if sparse_stats else "dense",
                        engine=kw.get("engine", "sqp"))


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
_ENGINES = ("sqp", "ipopt")


def reconcile(
    flowsheet: FlowsheetBase,
    measured: pd.DataFrame,
    sd: pd.DataFrame | float,
    *,
    method: str = "auto",
    significance: float = 0.05,
    identify: str = "serial",
    max_iter: int = 50,
    tol: float = 1e-10,
    solver: str = "auto",
    engine: str = "sqp",
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
        as unmeasured and reconcile again (serial elimination, Serth & Heenan 1986). The
        result is the final reconciliation (eliminated values labelled ``eliminated``); the
        steps are in ``result.eliminated``.
        ``measurement_test``: every value whose :math:`z` exceeds the critical value.
    max_iter, tol : int, float
        Bilinear solver: up to ``4 * max_iter`` iterations plus one per value (streams x
        columns), so the limit grows with the plant; ``tol`` on the scaled first-order
        optimality and balance violation.
    solver : {"auto", "dense", "sparse"}
        Linear algebra. Flows only: ``sparse`` (graph contraction, sparse LU, Takahashi's
        selected inverse) scales to plant-wide flowsheets; ``auto`` uses it above 1500
        streams. Bilinear: the SQP is always sparse; ``sparse`` takes the statistics from
        the sparse KKT matrix instead of dense projections (no full covariance); ``auto``
        does so above 2000 values (streams x columns).

    engine : {"sqp", "ipopt"}
        Bilinear solver. ``sqp``: ours (:mod:`._bilinear`). ``ipopt``: IPOPT, an interior
        point with a filter line search (Waechter & Biegler 2006), through cyipopt with the
        exact Hessian; optional (``resourcekit[ipopt]`` and Debian's coinor-libipopt-dev).
        The statistics are the same either way.

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
    Measurement errors are taken as independent (diagonal :math:`V`). Bilinear results are
    bounded (flows >= 0, assays in [0, 1]); a value that ends on its bound raises a
    :class:`BoundWarning` and is listed in ``convergence.at_bound``. The flows-only closed
    form is not bounded (a negative flow is noted in the report). Unobservable values stay
    NaN and are listed in ``unobservable``. The nodal test of every balance is in
    ``result.nodal_tests`` (Mah, Stanley & Downing 1976).

    References
    ----------
    Crowe et al. (1983), doi:10.1002/aic.690290602; Crowe (1986), doi:10.1002/aic.690320410;
    Narasimhan S., Jordache C. (2000) Data Reconciliation and Gross Error Detection. Gulf,
    ch. 3, 7, 8; Cencic (2016), doi:10.1016/j.serj.2016.06.002.

    Examples
    --------
    >>> from resourcekit.massbalance import Flowsheet
    >>> fs = Flowsheet.from_edges([("feed", None, "cell"), ("conc", "cell", None),
    ...                             ("tail", "cell", None)])
    >>> m = pd.DataFrame({"mass": [100.0, 10.0, 88.0]}, index=["feed", "conc", "tail"])
    >>> res = fs.reconcile(m, sd=pd.DataFrame({"mass": [2.0, 0.5, 2.0]}, index=m.index))
    >>> res.reconciled["mass"].round(3).tolist()
    [99.03, 10.061, 88.97]
    >>> round(res.chi2, 4), res.dof
    (0.4848, 1)
    """
    prob, method = _read(flowsheet, measured, sd, method=method, significance=significance,
                         identify=identify, solver=solver)
    if engine not in _ENGINES:
        raise ValueError(f"engine = {engine!r}; expected one of {_ENGINES}")
    opts = {"max_iter": max_iter, "tol": tol, "solver": solver, "engine": engine}
    sol = _solve(prob, method, prob.measured.copy(), opts)
    zstat, nodal = _test(prob, sol, prob.measured.copy(), significance)
    suspects, final, final_mask, zstat = _identify(
        prob, prob.measured.copy(), sol, zstat, METHODS[method][0], opts, significance,
        identify)
    return _result(prob, method, final, final_mask, zstat, nodal, suspects, significance,
                   identify)


def _read(flowsheet: FlowsheetBase, measured: pd.DataFrame, sd: pd.DataFrame | float, *,
          method: str, significance: float, identify: str, solver: str
          ) -> tuple[_Problem, str]:
    """Step 1, read: check the options, read the measurements and sd, choose the method."""
    if not isinstance(flowsheet, FlowsheetBase):
        raise TypeError(f"flowsheet must be a Flowsheet, got {type(flowsheet).__name__}")
    if identify not in _IDENTIFY:
        raise ValueError(f"identify = {identify!r}; expected one of {_IDENTIFY}")
    if not 0 < significance < 1:
        raise ValueError(f"significance = {significance!r}; expected a number in (0, 1)")
    if solver not in ("auto", "dense", "sparse"):
        raise ValueError(f"solver = {solver!r}; expected 'auto', 'dense' or 'sparse'")
    _check_connected(flowsheet)
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
    return prob, method


def _solve(prob: _Problem, method: str, mask: np.ndarray, opts: dict[str, Any]
           ) -> dict[str, Any]:
    """Step 2, solve: the constrained minimum and its statistics; warn if unconverged."""
    sol = METHODS[method][0](prob, mask, **opts)
    _check_unobservable_loops(prob, sol["unobservable"], sol)
    if not sol["converged"]:
        import warnings

        from ._base import ConvergenceWarning

        warnings.warn("the reconciliation did not converge: " + _why_unconverged(sol)
                      + "; the values returned are not the constrained minimum",
                      ConvergenceWarning, stacklevel=3)
    return sol


def _why_unconverged(sol: dict[str, Any]) -> str:
    """Iterations, largest constraint violation and optimality of an unconverged fit."""
    sqp = sol.get("sqp")
    if sqp is None:
        return f"{int(sol['iterations'])} iteration(s)"
    return (f"{int(sol['iterations'])} iterations, largest scaled balance violation "
            f"{float(sqp.violation):.3g}, first-order optimality {float(sqp.optimality):.3g}")


def _test(prob: _Problem, sol: dict[str, Any], mask: np.ndarray, significance: float
          ) -> tuple[np.ndarray, pd.DataFrame]:
    """Step 3, test: measurement-test z of every value and the nodal tests."""
    return _measurement_z(prob, sol), nodal_tests(prob, mask, significance)


_CLASSES = ("redundant", "non-redundant", "eliminated", "unobservable", "observable")


def _redundancy_table(prob: _Problem, sol: dict[str, Any], final_mask: np.ndarray,
                      eliminated: np.ndarray) -> pd.DataFrame:
    """Each value's class (one of ``_CLASSES``), streams by columns of the measurements.

    Built from class codes with one small string array taken at them: converting 100,000
    Python strings to pandas' string dtype took 13 ms of a 0.18 s reconciliation (issue 23).
    """
    code = np.where(
        final_mask, np.where(sol["redundant"], 0, 1),
        np.where(eliminated, 2, np.where(sol["unobservable"], 3, 4)))
    classes = pd.array(list(_CLASSES), dtype="str")
    n = prob.n
    return pd.DataFrame(
        {col: classes.take(code[k * n:(k + 1) * n]) for k, col in enumerate(prob.meas.columns)},
        index=_stream_index(prob.fs.streams).rename("stream"))


def _result(prob: _Problem, method: str, sol: dict[str, Any], final_mask: np.ndarray,
            zstat: np.ndarray, nodal: pd.DataFrame, suspects: pd.DataFrame,
            significance: float, identify: str) -> ReconciliationResult:
    """Step 5, report: the result tables, the convergence report and the notes."""
    flowsheet, meas = prob.fs, prob.meas
    eliminated = prob.measured & ~final_mask
    notes: list[str] = []
    if not sol["converged"]:
        notes.append("no convergence: " + _why_unconverged(sol))
    if eliminated.any():
        notes.append("serial elimination: the result is the reconciliation without "
                     + ", ".join(_label(prob, i) for i in np.nonzero(eliminated)[0]))
    z = sol["z"]
    obs = ~sol["unobservable"] & np.isfinite(z)
    sqp = sol.get("sqp")
    at_bound: tuple[str, ...] = ()
    if sqp is not None and sqp.at_bound.any():
        at_bound = tuple(_label(prob, i) for i in np.nonzero(sqp.at_bound)[0])
        import warnings

        from ._base import BoundWarning

        warnings.warn(
            f"reconciled value(s) on their bound (flow 0, or assay 0 or 1): "
            f"{', '.join(at_bound[:8])}; the data pull them beyond what is physical. "
            "Check those measurements (or the flowsheet); their sd is not meaningful",
            BoundWarning, stacklevel=3)
        notes.append("on a bound: " + ", ".join(at_bound[:8]))
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
    redundancy = _redundancy_table(prob, sol, final_mask, eliminated)
    unobs = pd.DataFrame(
        sol["unobservable"].reshape(ncol, n).T,
        index=_stream_index(flowsheet.streams).rename("stream"), columns=list(meas.columns),
    )
    ztable = pd.DataFrame(
        zstat.reshape(ncol, n).T, index=_stream_index(flowsheet.streams).rename("stream"),
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
        optimality=float(sqp.optimality) if sqp is not None else 0.0,
        constraint_violation=(float(sqp.violation) if sqp is not None
                              else prob.relative_imbalance(np.where(obs, z, 0.0), obs)),
        at_bound=at_bound,
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
        nodal_tests=nodal,
        variance_of=sol.get("variance_of"),
        eliminated=suspects if identify == "serial" else None,
    )
