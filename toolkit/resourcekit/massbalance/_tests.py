"""Statistical tests: critical values, measurement test, serial elimination, nodal test."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from ._base import FlowsheetError
from ._problem import _Problem


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
