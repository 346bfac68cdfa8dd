"""Recoveries and grades of the products of a reconciled flowsheet, with their uncertainty."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import numpy as np
import pandas as pd

from ._base import FlowsheetBase

__all__ = ["recoveries", "propagate"]


class ReconciledLike(Protocol):
    """What :func:`recoveries` reads of a result (a ``ReconciliationResult``). A protocol,
    so that this module does not import the result type, which calls it back (#23)."""

    flowsheet: FlowsheetBase
    measured: pd.DataFrame
    reconciled: pd.DataFrame
    covariance: pd.DataFrame | None
    variance_of: Callable[[np.ndarray], float] | None
    components: tuple[str, ...]
    factors: tuple[float, ...]


def propagate(gradient: np.ndarray, covariance: np.ndarray) -> float:
    """Standard deviation of a function of the reconciled values, to first order.

    The one way uncertainty is propagated in :mod:`resourcekit.massbalance` (recoveries,
    grades, component flows in the Sankey diagram):

    .. math:: \\sigma_y = \\sqrt{\\nabla y^T \\, \\hat C \\, \\nabla y}

    (JCGM 100:2008 (GUM), eq. 13), over the entries where the gradient is not zero.

    Parameters
    ----------
    gradient : ndarray
        :math:`\\partial y / \\partial z` for every reconciled value. [unit of y / unit of z]
    covariance : ndarray
        Covariance of the reconciled values (NaN where unobservable). [unit of z squared]

    Returns
    -------
    float
        :math:`\\sigma_y`; NaN when a value it depends on is unobservable.

    >>> round(propagate(np.array([1.0, 1.0]), np.array([[4.0, 0.0], [0.0, 9.0]])), 6)
    3.605551
    """
    grad = np.asarray(gradient, dtype=float)
    used = np.nonzero(grad != 0)[0]
    var = float(grad[used] @ covariance[np.ix_(used, used)] @ grad[used])
    return float(np.sqrt(max(var, 0.0))) if np.isfinite(var) else float("nan")


def recoveries(result: ReconciledLike) -> pd.DataFrame:
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
    n = len(fs.streams)
    cols = list(result.measured.columns)
    ncol = len(cols)
    if result.covariance is None and result.variance_of is not None:
        if ncol == 1:
            return _recoveries_flows(result)
        variance_of = result.variance_of

        def sd_of(grad: np.ndarray) -> float:
            var = variance_of(grad)
            return float(np.sqrt(max(var, 0.0))) if np.isfinite(var) else float("nan")
    elif result.covariance is None:
        raise ValueError(
            "this result keeps no covariance (very large flowsheet, sparse solver): "
            "recoveries with uncertainty need solver='dense'"
        )
    else:
        cov = result.covariance.to_numpy()

        def sd_of(grad: np.ndarray) -> float:
            return propagate(grad, cov)
    vals = result.reconciled.to_numpy(dtype=float) * np.asarray(result.factors)
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
                unit = np.zeros(n * ncol)
                unit[k * n + p] = 1.0
                grade_sd = sd_of(unit)
            rows.append({
                "product": p_name, "component": comp, "recovery": float(rec),
                "recovery_sd": sd_of(grad),
                "grade": grade, "grade_sd": grade_sd,
            })
    return pd.DataFrame(rows).set_index(["product", "component"])


def _recoveries_flows(result: ReconciledLike) -> pd.DataFrame:
    """Mass yields of the products from a sparse flows-only result (no full covariance)."""
    fs = result.flowsheet
    n = len(fs.streams)
    fl = result.reconciled.to_numpy(dtype=float)[:, 0]
    feeds = [fs.streams.index(s) for s in fs.feeds]
    denom = float(np.sum(fl[feeds]))
    rows = []
    for p_name in fs.products:
        p = fs.streams.index(p_name)
        rec = fl[p] / denom
        grad = np.zeros(n)
        grad[p] += 1.0 / denom
        grad[feeds] -= rec / denom
        var = result.variance_of(grad)
        rows.append({"product": p_name, "component": "mass", "recovery": float(rec),
                     "recovery_sd": float(np.sqrt(max(var, 0.0))) if np.isfinite(var)
                     else np.nan, "grade": np.nan, "grade_sd": np.nan})
    return pd.DataFrame(rows).set_index(["product", "component"])
