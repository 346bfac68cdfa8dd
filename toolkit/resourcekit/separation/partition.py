"""Partition (Tromp) curves: partition numbers, models, and fitting one or many curves.

Convention: the partition number P(x) is the fraction of the feed's class x (size or density)
that reports to the product collecting the coarse or dense particles (underflow, sinks, jig
heavies). P rises with x. A by-pass fraction R_f of every class reports to that product
unclassified: :math:`P = R_f + (1 - R_f) E_c(x)`, with the corrected curve :math:`E_c`.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from resourcekit.errors import DataError, LabelError, OptionError, ResourcekitWarning, UnitError
from resourcekit.units import is_quantity

from . import _kind

__all__ = [
    "MODELS",
    "PartitionFit",
    "PartitionBatchFit",
    "partition_numbers",
    "partition_models",
    "partition_curve",
    "fit_partition",
    "fit_partition_batch",
]

LN3 = float(np.log(3.0))
LN2 = float(np.log(2.0))


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
    if product_yield is not None:
        y = float(_kind.fraction(product_yield, "product_yield"))
        f = f / np.nansum(f)
        u = u / np.nansum(u) * y
    empty = f <= 0
    labels = tmpl.index if isinstance(tmpl, pd.Series) else range(f.size)
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
        rf = float(_kind.number(bypass, "bypass", allow_nan=False))
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


# ----------------------------------------------------------------------------------- models


def _logistic(x: np.ndarray, x50: Any, ep: Any) -> np.ndarray:
    z = np.clip(LN3 * (x50 - x) / ep, -700, 700)
    return 1.0 / (1.0 + np.exp(z))


def _lynch_rao(x: np.ndarray, x50: Any, alpha: Any) -> np.ndarray:
    a = np.clip(alpha, 1e-6, 500)
    ax = np.clip(a * x / x50, 0, 700)
    return np.expm1(ax) / (np.exp(ax) + np.exp(a) - 2.0)


def _rosin_rammler(x: np.ndarray, x50: Any, m: Any) -> np.ndarray:
    return -np.expm1(-LN2 * np.power(np.maximum(x / x50, 0.0), m))


def _beta_star(alpha: np.ndarray, beta: np.ndarray) -> np.ndarray:
    """Solve (1 + b b*)(e^a - 1)/(e^(a b*) + e^a - 2) = 1/2 for b* >= 1 (bisection)."""
    a = np.clip(np.asarray(alpha, float), 1e-6, 500)
    b = np.maximum(np.asarray(beta, float), 0.0)
    a, b = np.broadcast_arrays(a, b)
    ea = np.expm1(a)

    def g(s: np.ndarray) -> np.ndarray:
        return 2.0 * (1.0 + b * s) * ea - (np.exp(np.minimum(a * s, 700)) + ea - 1.0)

    lo = np.ones_like(a)
    hi = 1.0 + (60.0 + np.log1p(b * 100.0)) / a
    for _ in range(70):
        mid = 0.5 * (lo + hi)
        pos = g(mid) > 0
        lo = np.where(pos, mid, lo)
        hi = np.where(pos, hi, mid)
    return 0.5 * (lo + hi)


def _whiten(x: np.ndarray, x50: Any, alpha: Any, beta: Any) -> np.ndarray:
    a = np.clip(alpha, 1e-6, 500)
    bs = _beta_star(a, beta)
    xx = x / x50
    eo = (1.0 + beta * bs * xx) * np.expm1(a) / (
        np.exp(np.clip(a * bs * xx, 0, 700)) + np.expm1(a) - 1.0
    )
    return 1.0 - eo


@dataclass(frozen=True)
class _Model:
    name: str
    params: tuple[str, ...]
    corrected: Callable[..., np.ndarray]
    lower: tuple[float, ...]
    upper: tuple[float, ...]
    log_x: bool
    fish_hook: bool
    formula: str
    reference: str

    def shape_from_ep(self, x50: np.ndarray, ep: np.ndarray) -> list[np.ndarray]:
        """Initial shape parameters that give roughly the slope of a logistic with this Ep."""
        if self.name == "logistic":
            return [ep]
        if self.name == "rosin_rammler":
            return [np.clip(LN3 * x50 / (2 * LN2 * ep), 0.3, 50)]
        alpha = np.clip(LN3 * np.abs(x50) / ep, 0.2, 50)
        return [alpha] if self.name == "lynch_rao" else [alpha, np.zeros_like(alpha)]


MODELS: dict[str, _Model] = {
    m.name: m
    for m in (
        _Model(
            "logistic", ("x50", "ep"), _logistic, (-np.inf, 1e-12), (np.inf, np.inf), False,
            False, "E = 1/(1 + exp(ln3 (x50 - x)/Ep))",
            "Napier-Munn T.J. (1991) Coal Preparation 9 (Ep-based logistic partition model)",
        ),
        _Model(
            "lynch_rao", ("x50", "alpha"), _lynch_rao, (1e-12, 1e-3), (np.inf, 200.0), True,
            False, "E = (exp(a x) - 1)/(exp(a x) + exp(a) - 2), x = d/d50c",
            "Lynch A.J., Rao T.C. (1975) Modelling and scale-up of hydrocyclone classifiers, "
            "11th IMPC",
        ),
        _Model(
            "whiten", ("x50", "alpha", "beta"), _whiten, (1e-12, 1e-3, 0.0),
            (np.inf, 200.0, 20.0), True, True,
            "P = 1 - C (1 + b b* x)(exp(a) - 1)/(exp(a b* x) + exp(a) - 2), C = 1 - bypass",
            "Napier-Munn T.J., Morrell S., Morrison R.D., Kojovic T. (1996) Mineral Comminution "
            "Circuits, JKMRC, ch. 12 (Whiten-beta efficiency curve)",
        ),
        _Model(
            "rosin_rammler", ("x50", "m"), _rosin_rammler, (1e-12, 0.05), (np.inf, 100.0), True,
            False, "E = 1 - exp(-ln2 (x/x50)^m)",
            "Plitt L.R. (1976) CIM Bulletin 69(776):114-123",
        ),
    )
}


def partition_models() -> pd.DataFrame:
    """Table of the partition models ``fit_partition`` knows: parameters, formula, reference.

    >>> sorted(partition_models().index)
    ['logistic', 'lynch_rao', 'rosin_rammler', 'whiten']
    """
    return pd.DataFrame(
        [
            {"model": m.name, "parameters": ", ".join((*m.params, "bypass")),
             "formula": m.formula, "fish_hook": m.fish_hook, "reference": m.reference}
            for m in MODELS.values()
        ]
    ).set_index("model")


def _get_model(model: str) -> _Model:
    if not isinstance(model, str) or model not in MODELS:
        raise OptionError(
            f"unknown partition model {model!r}; choose one of {sorted(MODELS)}")
    return MODELS[model]


def partition_curve(
    x: Any, model: str = "logistic", *, bypass: float = 0.0, **params: float
) -> Any:
    r"""Evaluate a partition model: :math:`P = R_f + (1 - R_f) E_c(x)`.

    Parameters
    ----------
    x : float, array or Series
        Size [um, mm] or density [g/cm3] of the classes.
    model : str
        A name from :func:`partition_models`.
    bypass : float
        By-pass fraction R_f (0-1).
    **params
        The model's parameters, e.g. ``x50=1.6, ep=0.05`` for the logistic.

    Returns
    -------
    Same kind as ``x``: partition numbers (0-1).

    >>> partition_curve([1.55, 1.60, 1.65], "logistic", x50=1.6, ep=0.05).round(3).tolist()
    [0.25, 0.5, 0.75]
    """
    spec = _get_model(model)
    missing = [p for p in spec.params if p not in params]
    extra = [p for p in params if p not in spec.params]
    if missing or extra:
        raise TypeError(f"model {model!r} takes parameters {spec.params}; missing {missing}, "
                        f"unexpected {extra}")
    tmpl = x if isinstance(x, pd.Series) else (None if np.ndim(x) == 0 else np.asarray(x))
    xa = np.asarray(getattr(x, "values", x), dtype=float)
    e = spec.corrected(xa, *(float(params[p]) for p in spec.params))
    return _kind.like(tmpl, bypass + (1.0 - bypass) * e)


# ------------------------------------------------------------------------------ batch fitting


def _prepare(x: Any, p: Any, weights: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    pa = np.atleast_2d(np.asarray(getattr(p, "values", p), dtype=float))
    xa = np.asarray(getattr(x, "values", x), dtype=float)
    xa = np.broadcast_to(np.atleast_2d(xa), pa.shape) if xa.ndim <= 1 else xa
    if xa.shape != pa.shape:
        raise ValueError(f"x has shape {xa.shape} but p has shape {pa.shape}")
    wa = np.ones_like(pa) if weights is None else np.broadcast_to(
        np.atleast_2d(np.asarray(weights, dtype=float)), pa.shape)
    for name, arr in (("x", xa), ("p", pa), ("weights", wa)):
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"{name} contains NaN or infinite values")
    if np.any(wa < 0):
        raise ValueError("weights must be >= 0")
    if np.any(pa < -0.05) or np.any(pa > 1.05):
        bad = pa[(pa < -0.05) | (pa > 1.05)][0]
        raise ValueError(
            f"partition number {bad:g} is outside [0, 1]: pass fractions (0-1), not percent"
        )
    order = np.argsort(xa, axis=1, kind="stable")
    xs = np.take_along_axis(xa, order, axis=1)
    if np.any(np.diff(xs, axis=1) <= 0):
        raise ValueError("x must hold distinct class values (sizes or densities) in each curve")
    return xs, np.take_along_axis(pa, order, axis=1), np.take_along_axis(wa, order, axis=1)


def _check_monotone(x: np.ndarray, p: np.ndarray, spec: _Model, tol: float) -> None:
    if np.any(p[:, 0] > p[:, -1] + tol):
        i = int(np.argmax(p[:, 0] > p[:, -1] + tol))
        raise ValueError(
            f"partition numbers fall with x (curve {i}: {p[i, 0]:.3g} at x = {x[i, 0]:g}, "
            f"{p[i, -1]:.3g} at x = {x[i, -1]:g}): pass the partition to the coarse/dense "
            "product, i.e. 1 - p"
        )
    if spec.fish_hook:
        return
    drop = np.maximum.accumulate(p, axis=1) - p
    if np.any(drop > tol):
        i, j = np.unravel_index(int(np.argmax(drop)), drop.shape)
        raise ValueError(
            f"partition data are not monotone (curve {i}: p falls by {drop[i, j]:.3g} "
            f"before x = {x[i, j]:g}, more than monotone_tol = {tol:g}); model {spec.name!r} "
            "cannot follow a fish-hook: use model='whiten', or check the balance"
        )


def _crossing(x: np.ndarray, p: np.ndarray, level: np.ndarray) -> np.ndarray:
    pm = np.maximum.accumulate(p, axis=1)
    lev = np.broadcast_to(np.asarray(level, float).reshape(-1, 1), (p.shape[0], 1))
    above = pm >= lev
    idx = np.where(above.any(axis=1), np.argmax(above, axis=1), p.shape[1] - 1)
    i1 = np.clip(idx, 1, p.shape[1] - 1)
    i0 = i1 - 1
    r = np.arange(p.shape[0])
    p0, p1, x0, x1 = pm[r, i0], pm[r, i1], x[r, i0], x[r, i1]
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.clip(np.where(p1 > p0, (lev[:, 0] - p0) / (p1 - p0), 0.5), 0, 1)
    return x0 + frac * (x1 - x0)


class _Problem:
    """Parameter vector handling: free parameters, fixed by-pass, bounds."""

    def __init__(self, spec: _Model, bypass: Any) -> None:
        self.spec = spec
        self.fit_bypass = isinstance(bypass, str)
        if self.fit_bypass and bypass != "fit":
            raise OptionError(f"bypass = {bypass!r}: pass 'fit' or a fixed fraction in [0, 1)")
        if not self.fit_bypass:
            b = float(bypass)
            if not 0.0 <= b < 1.0:
                raise ValueError(f"bypass = {b:g} must lie in [0, 1) or be 'fit'")
            self.bypass_value = b
        self.names = (*spec.params, "bypass") if self.fit_bypass else spec.params
        lo, hi = list(spec.lower), list(spec.upper)
        if self.fit_bypass:
            lo.append(0.0)
            hi.append(0.95)
        self.lower = np.array(lo)
        self.upper = np.array(hi)

    def predict(self, x: np.ndarray, theta: np.ndarray) -> np.ndarray:
        k = len(self.spec.params)
        cols = [theta[:, j : j + 1] for j in range(k)]
        e = self.spec.corrected(x, *cols)
        rf = theta[:, k : k + 1] if self.fit_bypass else self.bypass_value
        return rf + (1.0 - rf) * e

    def clip(self, theta: np.ndarray) -> np.ndarray:
        return np.clip(theta, self.lower, self.upper)

    def jacobian(self, x: np.ndarray, theta: np.ndarray, central: bool = False) -> np.ndarray:
        n, k = theta.shape
        jac = np.empty((n, x.shape[1], k))
        base = None if central else self.predict(x, theta)
        for j in range(k):
            h = 1e-7 * np.maximum(np.abs(theta[:, j]), 1e-4)
            up = theta.copy()
            up[:, j] += h
            if central:
                down = theta.copy()
                down[:, j] -= h
                jac[:, :, j] = (self.predict(x, up) - self.predict(x, down)) / (2 * h[:, None])
            else:
                jac[:, :, j] = (self.predict(x, up) - base) / h[:, None]
        return jac

    def initial(self, x: np.ndarray, p: np.ndarray) -> np.ndarray:
        rf = np.clip(p.min(axis=1), 0.0, 0.5) if self.fit_bypass else np.full(
            p.shape[0], self.bypass_value)
        top = np.maximum(p.max(axis=1), rf + 0.5 * (1 - rf))
        lev = lambda q: rf + q * (top - rf)  # noqa: E731
        x25, x50, x75 = (_crossing(x, p, lev(q)) for q in (0.25, 0.5, 0.75))
        span = x[:, -1] - x[:, 0]
        ep = np.maximum((x75 - x25) / 2, 0.02 * span)
        if self.spec.log_x:
            x50 = np.maximum(x50, 1e-6 * np.abs(x[:, -1]))
        cols = [x50, *self.spec.shape_from_ep(x50, ep)]
        if self.fit_bypass:
            cols.append(rf)
        return self.clip(np.column_stack(cols))


def _levenberg_marquardt(
    prob: _Problem, x: np.ndarray, p: np.ndarray, w: np.ndarray, theta: np.ndarray,
    max_iter: int = 200, tol: float = 1e-12,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Batched Levenberg-Marquardt: every curve has its own damping and step acceptance."""
    n, k = theta.shape
    sse = np.sum(w * (p - prob.predict(x, theta)) ** 2, axis=1)
    lam = np.full(n, 1e-3)
    active = np.ones(n, bool)
    small = np.zeros(n, int)
    eye = np.eye(k)
    for _ in range(max_iter):
        idx = np.flatnonzero(active)
        if idx.size == 0:
            break
        th, xa, pa, wa = theta[idx], x[idx], p[idx], w[idx]
        r = pa - prob.predict(xa, th)
        jac = prob.jacobian(xa, th)
        jw = jac * wa[:, :, None]
        a = np.einsum("npi,npj->nij", jw, jac)
        g = np.einsum("npi,np->ni", jw, r)
        # parameters held at a bound by a gradient pointing outwards are frozen (projected LM)
        frozen = ((th <= prob.lower) & (g < 0)) | ((th >= prob.upper) & (g > 0))
        if frozen.any():
            keep = ~frozen
            a = a * keep[:, :, None] * keep[:, None, :] + frozen[:, :, None] * eye
            g = np.where(frozen, 0.0, g)
        diag = np.einsum("nii->ni", a)
        damp = a + lam[idx, None, None] * (diag[:, :, None] * eye + 1e-12 * eye)
        try:
            step = np.linalg.solve(damp, g[:, :, None])[:, :, 0]
        except np.linalg.LinAlgError:
            step = np.linalg.lstsq(damp[0], g[0], rcond=None)[0][None, :]
        new = prob.clip(th + step)
        new_sse = np.sum(wa * (pa - prob.predict(xa, new)) ** 2, axis=1)
        better = new_sse <= sse[idx]
        gain = (sse[idx] - new_sse) / np.maximum(sse[idx], 1e-300)
        theta[idx[better]] = new[better]
        sse[idx[better]] = new_sse[better]
        lam[idx] = np.where(better, np.maximum(lam[idx] / 3, 1e-12), np.minimum(lam[idx] * 4, 1e12))
        tiny = (better & (gain < tol)) | (~better & (lam[idx] >= 1e12)) | (sse[idx] < 1e-28)
        rel_step = np.max(np.abs(new - th) / np.maximum(np.abs(th), 1e-8), axis=1)
        tiny |= rel_step < 1e-10
        small[idx] = np.where(tiny, small[idx] + 1, 0)
        active[idx] = small[idx] < 2
    converged = ~active
    return theta, sse, converged


def _quantile(prob: _Problem, theta: np.ndarray, level: float) -> np.ndarray:
    """x at which the corrected curve E_c reaches ``level`` (vectorised bisection)."""
    spec = prob.spec
    k = len(spec.params)
    cols = [theta[:, j] for j in range(k)]
    x50 = cols[0]
    if spec.log_x:
        lo, hi = np.log(x50 * 1e-4), np.log(x50 * 1e4)
    else:
        lo, hi = x50 - 60 * cols[1], x50 + 60 * cols[1]
    for _ in range(64):
        mid = 0.5 * (lo + hi)
        xm = np.exp(mid) if spec.log_x else mid
        below = spec.corrected(xm[:, None], *(c[:, None] for c in cols))[:, 0] < level
        lo = np.where(below, mid, lo)
        hi = np.where(below, hi, mid)
    mid = 0.5 * (lo + hi)
    return np.exp(mid) if spec.log_x else mid


_IMPERFECTION = {
    "dms": ("(x75 - x25)/(2 (x50 - 1)): dense-medium separators, x a relative density", 1.0),
    "classifier": ("(x75 - x25)/(2 x50): classifiers, x a size", 0.0),
}


def _imperfection(ep: Any, x50: Any, kind: str) -> Any:
    if kind not in _IMPERFECTION:
        raise OptionError(
            f"unknown imperfection kind {kind!r}; choose one of {sorted(_IMPERFECTION)}")
    return ep / (x50 - _IMPERFECTION[kind][1])


@dataclass(frozen=True)
class PartitionFit:
    """A fitted partition curve.

    ``x50``, ``ep``, ``d25``, ``d75``, ``sharpness`` and ``imperfection()`` describe the
    corrected curve :math:`E_c` (by-pass removed); ``bypass`` is the fitted or fixed R_f.
    """

    model: str
    params: dict[str, float]
    stderr: dict[str, float]
    bypass: float
    x50: float
    d25: float
    d75: float
    sse: float
    dof: int
    converged: bool
    x: np.ndarray = field(repr=False)
    p: np.ndarray = field(repr=False)
    weights: np.ndarray = field(repr=False)
    level: float = 0.95

    @property
    def ep(self) -> float:
        """Ecart probable (x75 - x25)/2 of the corrected curve. [unit of x]"""
        return 0.5 * (self.d75 - self.d25)

    @property
    def sharpness(self) -> float:
        """Sharpness index d25/d75 (1 for a perfect cut). [-]"""
        return self.d25 / self.d75

    def imperfection(self, kind: str = "classifier") -> float:
        """Imperfection I: ``kind='dms'`` Ep/(rho50 - 1) or ``'classifier'`` Ep/d50. [-]"""
        return float(_imperfection(self.ep, self.x50, kind))

    @property
    def ci(self) -> pd.DataFrame:
        """Estimates with standard errors and t-based confidence intervals (``level``)."""
        from scipy import stats

        q = stats.t.ppf(0.5 + self.level / 2, max(self.dof, 1))
        est = pd.Series(self.params)
        se = pd.Series(self.stderr)
        return pd.DataFrame({"estimate": est, "stderr": se, "lower": est - q * se,
                             "upper": est + q * se})

    def predict(self, x: Any) -> Any:
        """Partition numbers of the fitted (actual, with by-pass) curve at ``x``."""
        shape = {k: v for k, v in self.params.items() if k != "bypass"}
        return partition_curve(x, self.model, bypass=self.bypass, **shape)

    def corrected(self, x: Any) -> Any:
        """Corrected partition numbers E_c at ``x`` (by-pass removed)."""
        shape = {k: v for k, v in self.params.items() if k != "bypass"}
        return partition_curve(x, self.model, bypass=0.0, **shape)

    def summary(self) -> pd.DataFrame:
        """Parameters with confidence intervals, then the derived measures."""
        derived = pd.DataFrame(
            {"estimate": [self.x50, self.ep, self.d25, self.d75, self.sharpness,
                          self.imperfection("classifier"), self.bypass]},
            index=["x50 (corrected)", "ep", "d25", "d75", "sharpness d25/d75",
                   "imperfection (classifier)", "bypass"],
        )
        return pd.concat([self.ci, derived])

    def chart(self, *, x_title: str = "x", log_x: bool | None = None) -> Any:
        """Altair chart: data, fitted curve, d25/d50/d75 marked."""
        from .plot import partition_chart

        return partition_chart(self, x_title=x_title, log_x=log_x)


@dataclass(frozen=True)
class PartitionBatchFit:
    """Fits of many partition curves: one row of ``params`` per curve."""

    model: str
    params: pd.DataFrame
    theta: np.ndarray = field(repr=False)
    x: np.ndarray = field(repr=False)
    p: np.ndarray = field(repr=False)
    weights: np.ndarray = field(repr=False)
    names: tuple[str, ...] = ()
    bypass_fixed: float | None = None

    def __len__(self) -> int:
        return len(self.params)

    def summary(self) -> pd.DataFrame:
        """The per-curve table (parameters, x50, ep, imperfection, sharpness, sse)."""
        return self.params

    def fit(self, i: int) -> PartitionFit:
        """The full :class:`PartitionFit` (with confidence intervals) of curve ``i``."""
        bypass = "fit" if self.bypass_fixed is None else self.bypass_fixed
        prob = _Problem(_get_model(self.model), bypass)
        return _single(prob, self.x[i : i + 1], self.p[i : i + 1], self.weights[i : i + 1],
                       self.theta[i : i + 1].copy(), bool(self.params["converged"].iloc[i]))


def _single(
    prob: _Problem, x: np.ndarray, p: np.ndarray, w: np.ndarray, theta: np.ndarray,
    converged: bool, level: float = 0.95,
) -> PartitionFit:
    n, k = x.shape[1], theta.shape[1]
    dof = n - k
    r = p - prob.predict(x, theta)
    sse = float(np.sum(w * r**2))
    jac = prob.jacobian(x, theta, central=True)[0]
    jw = jac * w[0][:, None]
    cov = np.linalg.pinv(jw.T @ jac) * (sse / max(dof, 1))
    se = np.sqrt(np.clip(np.diag(cov), 0, None))
    params = {name: float(v) for name, v in zip(prob.names, theta[0], strict=True)}
    stderr = {name: float(v) for name, v in zip(prob.names, se, strict=True)}
    rf = params["bypass"] if prob.fit_bypass else prob.bypass_value
    return PartitionFit(
        model=prob.spec.name, params=params, stderr=stderr, bypass=float(rf),
        x50=float(_quantile(prob, theta, 0.5)[0]), d25=float(_quantile(prob, theta, 0.25)[0]),
        d75=float(_quantile(prob, theta, 0.75)[0]), sse=sse, dof=dof, converged=converged,
        x=x[0].copy(), p=p[0].copy(), weights=w[0].copy(), level=level,
    )


def _run(x: Any, p: Any, model: str, weights: Any, bypass: Any, monotone_tol: float):
    spec = _get_model(model)
    prob = _Problem(spec, bypass)
    xs, ps, ws = _prepare(x, p, weights)
    if xs.shape[1] <= len(prob.names):
        raise ValueError(
            f"model {model!r} with parameters {prob.names} needs more than {len(prob.names)} "
            f"classes per curve, got {xs.shape[1]}"
        )
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
        Weight of each class (e.g. its feed mass, or 1/variance); default equal.
    bypass : float or "fit"
        Fixed by-pass fraction R_f (default 0), or ``"fit"`` to estimate it.
    monotone_tol : float
        Largest fall of p with rising x tolerated as noise (models without fish-hook).
    level : float
        Confidence level of the intervals.

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
      a progress report. Coal Preparation 9 (Ep-based logistic partition model).
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
        raise ValueError("fit_partition takes one curve (1-D p); use fit_partition_batch")
    prob, xs, ps, ws, theta, _, conv = _run(x, p, model, weights, bypass, monotone_tol)
    return _single(prob, xs, ps, ws, theta, bool(conv[0]), level)


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
