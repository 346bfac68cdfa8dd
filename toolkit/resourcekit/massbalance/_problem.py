"""A reconciliation problem as plain arrays: values, variances, scales, balances."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataError, LabelError, ResourcekitWarning
from ._base import FlowsheetBase as Flowsheet
from ._measurements import Measurements, _column_values, _str_labels, _stream_index


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
            raise DataError(
                f"sd = {sd!r}: a relative standard deviation must be a positive number "
                "(e.g. 0.05 for 5 %), or pass a DataFrame of absolute values"
            )
        if rel > 1:
            warnings.warn(
                f"sd = {sd!r} is read as a relative standard deviation of {rel:.0%} of every "
                f"value; for {rel:g} % pass {rel / 100:g}",
                ResourcekitWarning, stacklevel=3)
        return rel * np.abs(values)
    if not isinstance(sd, pd.DataFrame):
        raise DataError(
            f"sd must be a DataFrame shaped like measured (absolute) or a relative float, got "
            f"{type(sd).__name__}"
        )


    missing = [c for c in meas.columns if c not in sd.columns]
    if missing:
        raise LabelError(f"sd lacks column(s) {missing} of measured; give one sd per value")
    labels = _str_labels(sd.index)
    unknown_at = _stream_index(fs.streams).get_indexer(labels) < 0
    if unknown_at.any():
        unknown = list(sd.index[unknown_at])
        raise KeyError(f"sd has stream(s) {unknown} that the flowsheet does not have")
    frame = sd.copy()
    frame.index = labels
    frame = frame.reindex(_stream_index(fs.streams))
    out = np.empty_like(values)
    from ..errors import UnitError
    from ..units import fraction_factor, split_unit

    for k, col in enumerate(meas.columns):
        mags, unit = _column_values(frame[col])
        if unit is None:
            unit = split_unit(col)[1]
        factor = meas.factors[k]
        if unit is not None and k > 0:
            factor = fraction_factor(unit)
        if k == 0 and unit is not None:
            # sd of the mass flow in its own unit: converted to the measured mass unit
            # (an sd in kg/h for flows in t/h is divided by 1000)
            if meas.mass_unit is None:
                raise UnitError(
                    f"sd column {col!r} is in {unit} but the mass flows of measured carry no "
                    "unit: give both a unit (pint or 'mass [t/h]') or neither"
                )
            from ..boundary import std_in
            from ..units import Quantity

            factor = float(std_in(Quantity(1.0, unit), f"sd column {col!r}",
                                  unit=str(meas.mass_unit)))
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
