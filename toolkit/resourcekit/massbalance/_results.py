"""Result types of a reconciliation: the convergence report and the result tables."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ._base import FlowsheetBase

__all__ = ["ConvergenceReport", "ReconciliationResult"]


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
    optimality : float
        First-order optimality at the end: largest component of the gradient of the
        Lagrangian on the free values (and of wrong-signed bound multipliers), scaled by the
        largest gradient of the objective. [-] (0 for the closed form)
    constraint_violation : float
        Largest balance residual divided by the node's throughput. [-]
    at_bound : tuple of str
        ``stream/column`` of values that ended on a bound (flow 0, assay 0 or 1).
    """

    method: str
    solver: str
    converged: bool
    iterations: int
    step: float
    max_relative_imbalance: float
    notes: tuple[str, ...] = ()
    optimality: float = float("nan")
    constraint_violation: float = float("nan")
    at_bound: tuple[str, ...] = ()


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
    nodal_tests : pandas.DataFrame
        Nodal (constraint) test of each node balance formed from measured values (nodes joined
        by an unmeasured stream merged): ``nodes``, ``quantity``, ``imbalance`` [mass/time],
        ``sd``, ``z``, ``critical_z``, ``flagged`` (Mah, Stanley & Downing 1976).
    eliminated : pandas.DataFrame or None
        Serial elimination, one row per step: the value treated as unmeasured, its ``z``,
        the ``estimate`` of it from the other data and ``chi2``, ``dof``, ``p_value`` after
        the step. The other tables are those of the final (eliminated) reconciliation.
    variance_of : callable or None
        Sparse flows-only results (no ``covariance``): ``variance_of(g)`` is the variance of
        :math:`g^T \\hat F` from the sparse factor [(mass/time) squared].
    """

    flowsheet: FlowsheetBase
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
    nodal_tests: pd.DataFrame | None = None
    eliminated: pd.DataFrame | None = None
    variance_of: Callable[[np.ndarray], float] | None = field(default=None, repr=False)

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
        from .recoveries import recoveries

        return recoveries(self)
