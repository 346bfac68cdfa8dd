"""Partition (Tromp) curves: partition numbers, and fitting one or many curves (orchestration).

Layout: the models and their registry live in ``_partition_models.py``, the batched
Levenberg-Marquardt in ``_partition_solver.py``, the result types in ``_partition_results.py``;
this module reads the inputs and runs the fits, and re-exports the public names.

Convention: the partition number P(x) is the fraction of the feed's class x (size or density)
that reports to the product collecting the coarse or dense particles (underflow, sinks, jig
heavies). P rises with x. A by-pass fraction R_f of every class reports to that product
unclassified: :math:`P = R_f + (1 - R_f) E_c(x)`, with the corrected curve :math:`E_c`.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from resourcekit.errors import (
    DataError,
    LabelError,
    MissingValueWarning,
    ResourcekitWarning,
    UnitError,
)
from resourcekit.units import is_quantity

from . import _kind
from ._partition_models import (
    MODELS,
    _get_model,
    _Model,
    logistic_partition,
    lynch_rao_partition,
    partition_curve,
    partition_models,
    rosin_rammler_partition,
    whiten_partition,
)
from ._partition_results import PartitionBatchFit, PartitionFit, _single
from ._partition_solver import _levenberg_marquardt, _Problem, _quantile

__all__ = [
    "MODELS",
    "PartitionFit",
    "PartitionBatchFit",
    "partition_numbers",
    "partition_models",
    "partition_curve",
    "logistic_partition",
    "lynch_rao_partition",
    "whiten_partition",
    "rosin_rammler_partition",
    "fit_partition",
    "fit_partition_batch",
]



# ----------------------------------------------------------------------------- partition numbers


def partition_numbers(
    feed: Any,
    product: Any,
    *,
    product_yield: float | None = None,
    bypass: float | None = None,
) -> Any:
    r"""Partition numbers class by class, optionally corrected for by-pass.

    Parameters
    ----------
    feed : array or Series
        Without ``product_yield``: mass of each class in the feed (any mass unit, or % of feed).
        With ``product_yield``: the feed's class distribution (fractions or %, normalised here).
        NaN in a class: without ``product_yield`` only that class's number is NaN; with it,
        the totals that normalise the distributions are unknown, so every number is NaN (a
        MissingValueWarning says so).
    product : array or Series
        The same for the coarse/dense product (underflow, sinks), same basis as ``feed``.
    product_yield : float, optional
        Mass of the product per mass of feed Y (0-1) when distributions are given.
    bypass : float, optional
        By-pass fraction R_f (0-1) to correct for: returns :math:`E_c = (E - R_f)/(1 - R_f)`.
        A class whose E lies below R_f would get a negative corrected number: within
        ``BYPASS_TOLERANCE`` (0.05) that is read as sampling noise, set to 0 and reported with
        a warning (the corrected curve is 0 at the fine end by definition); further below,
        the by-pass given is inconsistent with the data and DataError is raised.

    Returns
    -------
    Same kind as ``feed`` (ndarray or Series, index kept): partition numbers (0-1).

    Notes
    -----
    .. math::

        E_i = \frac{\text{mass of class } i \text{ in the product}}
        {\text{mass of class } i \text{ in the feed}} = Y\,\frac{u_i}{f_i},\qquad
        E_{c,i} = \frac{E_i - R_f}{1 - R_f}

    References
    ----------
    - [1] Wills B.A., Finch J.A. (2016) Wills' Mineral Processing Technology, 8th ed.,
      ch. 9 (classification: partition curve, corrected curve). doi:10.1016/C2010-0-65478-2

    Examples
    --------
    Underflow and overflow of a hydrocyclone, % of feed in each size class:

    >>> under = np.array([9.6, 14.2, 16.3, 4.8, 4.1])
    >>> over = np.array([0.0, 0.0, 2.1, 3.1, 4.1])
    >>> partition_numbers(under + over, under).round(3).tolist()
    [1.0, 1.0, 0.886, 0.608, 0.5]
    """
    _, got = _kind.align({"feed": feed, "product": product})
    feed, product = got["feed"], got["product"]
    has_unit = [is_quantity(v) or str(getattr(v, "dtype", "")).startswith("pint[")
                for v in (feed, product)]
    if has_unit[0] != has_unit[1]:
        raise UnitError("one of feed and product carries a unit and the other does not: give "
                        "both as quantities or both as plain numbers on the same basis")
    tmpl = _kind.template(feed, product)
    if tmpl is None:
        raise DataError("feed and product must hold one value per class (arrays or Series)")
    f = np.atleast_1d(_kind.mass(feed, "feed"))
    u = np.atleast_1d(_kind.mass(product, "product"))
    if f.shape != u.shape:
        raise LabelError(f"feed has {f.shape} classes but product has {u.shape}")
    if f.size == 0:
        raise DataError("feed and product hold no classes")
    labels = tmpl.index if isinstance(tmpl, pd.Series) else range(f.size)
    if product_yield is not None:
        y = _kind.one(_kind.fraction(product_yield, "product_yield"), "product_yield")
        missing = np.isnan(f) | np.isnan(u)
        if np.any(missing):
            # Each distribution is normalised by its own total; with one class unknown the
            # totals are unknown, so is every partition number (not only that class's).
            names = [labels[i] for i in np.flatnonzero(missing)]
            warnings.warn(
                f"feed or product has no value for classes {names}: with product_yield the "
                "distributions are normalised to their totals, which are then unknown, so "
                "every partition number is NaN; fill the class, or pass the masses of each "
                "class without product_yield", MissingValueWarning, stacklevel=2)
            f = np.full_like(f, np.nan)
            u = np.full_like(u, np.nan)
        else:
            f = f / f.sum()
            u = u / u.sum() * y
    empty = f <= 0
    if np.any(empty):
        i = int(np.argmax(empty))
        raise DataError(f"feed class {labels[i]!r} has no mass: its partition number is "
                        "undefined")
    with np.errstate(invalid="ignore"):
        p = u / f
    over = p > 1.0 + 1e-9
    if np.any(over):
        i = int(np.argmax(over))
        raise DataError(
            f"class {labels[i]!r}: product holds more than the feed (partition {p[i]:.3g} > 1); "
            "check that feed and product are on the same basis"
        )
    if bypass is not None:
        rf = _kind.one(_kind.number(bypass, "bypass", allow_nan=False), "bypass")
        if not 0.0 <= rf < 1.0:
            raise DataError(f"bypass = {rf:g} must lie in [0, 1)")
        p = _correct_bypass(p, rf, labels)
    return _kind.like(tmpl, p, name="partition")


#: How far below the by-pass a measured partition number may fall and still be read as noise
#: (clipped to 0 with a warning); further below, the by-pass given is wrong and it raises.
BYPASS_TOLERANCE = 0.05


def _correct_bypass(p: np.ndarray, rf: float, labels: Any) -> np.ndarray:
    """E_c = (E - R_f)/(1 - R_f); E < R_f: clipped to 0 within tolerance and reported,
    else raised."""
    ec = (p - rf) / (1.0 - rf)
    below = p < rf
    if np.any(below):
        worst = int(np.nanargmin(np.where(below, p, np.inf)))
        if p[worst] < rf - BYPASS_TOLERANCE:
            raise DataError(
                f"class {labels[worst]!r} has partition number {p[worst]:.3g}, below bypass = "
                f"{rf:g} by more than {BYPASS_TOLERANCE:g}: no class can report less than the "
                "by-pass fraction to the product; estimate the by-pass from the finest classes "
                "(or fit it with fit_partition(..., bypass='fit'))")
        names = [labels[i] for i in np.flatnonzero(below)]
        warnings.warn(
            f"partition numbers of classes {names} lie below bypass = {rf:g} (within "
            f"{BYPASS_TOLERANCE:g}, read as sampling noise): their corrected values are set to 0",
            ResourcekitWarning, stacklevel=3)
        ec = np.where(below, 0.0, ec)
    return ec


# ------------------------------------------------------------------------------ batch fitting


def _align_classes(x: Any, p: Any, weights: Any) -> tuple[Any, Any, Any]:
    """Pair x, p and weights by label, never by position (LabelError on a mismatch).

    One curve: Series are aligned on their index (:func:`resourcekit.boundary.align`); arrays
    must have the same length. Many curves: a DataFrame ``p`` has one row per curve and one
    column per class; a Series ``x`` or ``weights`` is aligned on ``p``'s columns and a
    DataFrame one on its rows and columns.
    """
    if not isinstance(p, pd.DataFrame):
        if np.ndim(getattr(p, "values", p)) > 1:
            return x, p, weights  # plain 2-D arrays: shapes are checked by the caller
        _, got = _kind.align({"p": p, "x": x, "weights": weights})
        return got["x"], got["p"], got["weights"]
    out = {}
    for name, value in (("x", x), ("weights", weights)):
        if isinstance(value, pd.Series):
            _, got = _kind.align({"p columns": pd.Series(0.0, index=p.columns), name: value})
            value = got[name]
        elif isinstance(value, pd.DataFrame):
            _, got = _kind.align({"p": p, name: value})
            _, cols = _kind.align({"p columns": pd.Series(0.0, index=p.columns),
                                   f"{name} columns": value.T})
            value = cols[f"{name} columns"].T.loc[p.index]
        out[name] = value
    return out["x"], p, out["weights"]


def _prepare(x: Any, p: Any, weights: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x, p, weights = _align_classes(x, p, weights)
    pa = np.atleast_2d(np.asarray(getattr(p, "values", p), dtype=float))
    xa = np.asarray(getattr(x, "values", x), dtype=float)
    if xa.ndim <= 1 and xa.size != pa.shape[-1]:
        raise LabelError(f"x has {xa.size} classes but p has {pa.shape[-1]}: give one x per "
                         "class (pandas inputs are paired by label)")
    xa = np.broadcast_to(np.atleast_2d(xa), pa.shape) if xa.ndim <= 1 else xa
    if xa.shape != pa.shape:
        raise LabelError(f"x has shape {xa.shape} but p has shape {pa.shape}")
    if weights is None:
        wa = np.ones_like(pa)
    else:
        wa = np.atleast_2d(np.asarray(getattr(weights, "values", weights), dtype=float))
        if wa.shape[-1] != pa.shape[-1] or wa.shape[0] not in (1, pa.shape[0]):
            raise LabelError(f"weights has shape {wa.shape} but p has shape {pa.shape}: give "
                             "one weight per class (and per curve)")
        wa = np.broadcast_to(wa, pa.shape)
    for name, arr in (("x", xa), ("p", pa), ("weights", wa)):
        if not np.all(np.isfinite(arr)):
            raise DataError(f"{name} contains NaN or infinite values")
    if np.any(wa < 0):
        raise DataError("weights must be >= 0")
    if np.any(pa < -0.05) or np.any(pa > 1.05):
        bad = pa[(pa < -0.05) | (pa > 1.05)][0]
        raise DataError(
            f"partition number {bad:g} is outside [0, 1]: pass fractions (0-1), not percent"
        )
    order = np.argsort(xa, axis=1, kind="stable")
    xs = np.take_along_axis(xa, order, axis=1)
    if np.any(np.diff(xs, axis=1) <= 0):
        raise DataError("x must hold distinct class values (sizes or densities) in each curve")
    return xs, np.take_along_axis(pa, order, axis=1), np.take_along_axis(wa, order, axis=1)


def _check_monotone(x: np.ndarray, p: np.ndarray, spec: _Model, tol: float) -> None:
    if np.any(p[:, 0] > p[:, -1] + tol):
        i = int(np.argmax(p[:, 0] > p[:, -1] + tol))
        raise DataError(
            f"partition numbers fall with x (curve {i}: {p[i, 0]:.3g} at x = {x[i, 0]:g}, "
            f"{p[i, -1]:.3g} at x = {x[i, -1]:g}): pass the partition to the coarse/dense "
            "product, i.e. 1 - p"
        )
    if spec.fish_hook:
        return
    drop = np.maximum.accumulate(p, axis=1) - p
    if np.any(drop > tol):
        i, j = np.unravel_index(int(np.argmax(drop)), drop.shape)
        raise DataError(
            f"partition data are not monotone (curve {i}: p falls by {drop[i, j]:.3g} "
            f"before x = {x[i, j]:g}, more than monotone_tol = {tol:g}); model {spec.name!r} "
            "cannot follow a fish-hook: use model='whiten', or check the balance"
        )



def _run(x: Any, p: Any, model: str, weights: Any, bypass: Any, monotone_tol: float):
    spec = _get_model(model)
    prob = _Problem(spec, bypass)
    xs, ps, ws = _prepare(x, p, weights)
    if xs.shape[1] <= len(prob.names):
        raise DataError(
            f"model {model!r} with parameters {prob.names} needs more than {len(prob.names)} "
            f"classes per curve, got {xs.shape[1]}"
        )
    used = np.count_nonzero(ws > 0, axis=1)
    if np.any(used <= len(prob.names)):
        i = int(np.argmax(used <= len(prob.names)))
        raise DataError(
            f"weights: curve {i} has {used[i]} classes with weight > 0, but model {model!r} "
            f"with parameters {prob.names} needs more than {len(prob.names)} (all weights 0 "
            "would leave the fit and its standard errors undefined)")
    _check_monotone(xs, ps, spec, monotone_tol)
    theta0 = prob.initial(xs, ps)
    theta, sse, conv = _levenberg_marquardt(prob, xs, ps, ws, theta0.copy())
    return prob, xs, ps, ws, theta, sse, conv


def fit_partition(
    x: Any,
    p: Any,
    model: str = "logistic",
    weights: Any = None,
    *,
    bypass: float | str = 0.0,
    monotone_tol: float = 0.1,
    level: float = 0.95,
) -> PartitionFit:
    r"""Fit a partition model to one curve by weighted nonlinear least squares.

    Parameters
    ----------
    x : array or Series
        Class sizes [um, mm] or densities [g/cm3] (mean of each class).
    p : array or Series
        Partition numbers to the coarse/dense product (0-1).
    model : str
        ``"logistic"``, ``"whiten"``, ``"lynch_rao"`` or ``"rosin_rammler"``
        (see :func:`partition_models`).
    weights : array, optional
        Weight of each class (e.g. its feed mass, or 1/variance); default equal. More classes
        than parameters must have a weight > 0 (all zero raises DataError naming weights).
    bypass : float or "fit"
        Fixed by-pass fraction R_f (default 0), or ``"fit"`` to estimate it.
    monotone_tol : float
        Largest fall of p with rising x tolerated as noise (models without fish-hook).
    level : float
        Confidence level of the intervals, in (0, 1) (0.95 for 95 %).

    Returns
    -------
    PartitionFit
        ``x50``, ``ep``, ``imperfection(kind)``, ``sharpness``, ``bypass``, ``params`` with
        ``ci``, ``predict(x)``, ``chart()``.

    Notes
    -----
    Minimises :math:`\sum_i w_i (p_i - P(x_i; \theta))^2` (Levenberg-Marquardt). Standard
    errors as :func:`scipy.optimize.curve_fit` gives them (covariance scaled by the residual
    variance); intervals from Student's t with n - k degrees of freedom. Logistic model:

    .. math::

        P(x) = R_f + (1 - R_f)\,\frac{1}{1 + \exp(\ln 3\,(x_{50} - x)/E_p)}

    so that :math:`E_c(x_{50} \pm E_p) = 0.75 / 0.25`.

    References
    ----------
    - [1] Napier-Munn T.J. (1991) Modelling and simulating dense medium separation processes:
      a progress report. Minerals Engineering 4(3-4):329-346 (Ep-based logistic partition
      model).
    - [2] Wills B.A., Finch J.A. (2016) Wills' Mineral Processing Technology, 8th ed.,
      ch. 9 and 11. doi:10.1016/C2010-0-65478-2

    Examples
    --------
    >>> rho = np.array([1.3, 1.4, 1.5, 1.6, 1.7, 1.8, 1.9])
    >>> fit = fit_partition(rho, partition_curve(rho, x50=1.62, ep=0.06))
    >>> round(fit.x50, 4), round(fit.ep, 4), round(fit.imperfection("dms"), 4)
    (1.62, 0.06, 0.0968)
    """
    if np.ndim(getattr(p, "values", p)) != 1:
        raise DataError("fit_partition takes one curve (1-D p); use fit_partition_batch")
    lv = _kind.one(_kind.number(level, "level", allow_nan=False), "level")
    if not 0.0 < lv < 1.0:
        raise DataError(f"level = {lv:g} must lie in (0, 1): pass a fraction, e.g. 0.95 "
                        "for 95 % intervals")
    prob, xs, ps, ws, theta, _, conv = _run(x, p, model, weights, bypass, monotone_tol)
    return _single(prob, xs, ps, ws, theta, bool(conv[0]), lv)


def fit_partition_batch(
    x: Any,
    p: Any,
    model: str = "logistic",
    weights: Any = None,
    *,
    bypass: float | str = 0.0,
    monotone_tol: float = 0.1,
    index: Any = None,
) -> PartitionBatchFit:
    """Fit many partition curves at once (vectorised Levenberg-Marquardt).

    Parameters
    ----------
    x : array, shape (n_points,) or (n_curves, n_points)
        Class values, shared by all curves or one row per curve.
    p : array, shape (n_curves, n_points)
        Partition numbers (0-1), one row per curve.
    model, weights, bypass, monotone_tol
        As :func:`fit_partition`.
    index : sequence, optional
        Labels of the curves (index of the result table).

    Returns
    -------
    PartitionBatchFit
        ``params``: one row per curve with the model parameters, ``bypass``, ``x50``, ``ep``,
        ``d25``, ``d75``, ``sharpness``, ``sse`` and ``converged``; ``fit(i)`` gives the full
        fit of one curve with confidence intervals.

    Examples
    --------
    >>> rho = np.linspace(1.3, 1.9, 7)
    >>> p = np.vstack([partition_curve(rho, x50=c, ep=0.05) for c in (1.5, 1.6, 1.7)])
    >>> fit_partition_batch(rho, p).params["x50"].round(3).tolist()
    [1.5, 1.6, 1.7]
    """
    prob, xs, ps, ws, theta, sse, conv = _run(x, p, model, weights, bypass, monotone_tol)
    table = pd.DataFrame(theta, columns=list(prob.names), index=index)
    if not prob.fit_bypass:
        table["bypass"] = prob.bypass_value
    d25 = _quantile(prob, theta, 0.25)
    d75 = _quantile(prob, theta, 0.75)
    table["x50"] = _quantile(prob, theta, 0.5)
    table["ep"] = 0.5 * (d75 - d25)
    table["d25"] = d25
    table["d75"] = d75
    table["sharpness"] = d25 / d75
    table["sse"] = sse
    table["converged"] = conv
    return PartitionBatchFit(
        model=model, params=table, theta=theta, x=xs, p=ps, weights=ws, names=prob.names,
        bypass_fixed=None if prob.fit_bypass else prob.bypass_value,
    )

