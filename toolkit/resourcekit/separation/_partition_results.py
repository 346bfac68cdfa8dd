"""Result types of the partition fits: one curve (:class:`PartitionFit`) and many
(:class:`PartitionBatchFit`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from resourcekit.errors import OptionError

from ._partition_models import _get_model, partition_curve
from ._partition_solver import _Problem, _quantile

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

    def chart(self, *, x_title: str = "x", log_x: bool | None = None,
              symbol: str = "d") -> Any:
        """Altair chart: data, fitted curve, d25/d50/d75 (or rho25/rho50/rho75) marked."""
        from .plot import partition_chart

        return partition_chart(self, x_title=x_title, log_x=log_x, symbol=symbol)


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


