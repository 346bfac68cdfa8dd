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


def _measurement_z(prob: _Problem, sol: dict[str, Any]) -> np.ndarray:
    """Measurement test :math:`z_i = |\\hat x_i - x_i| / \\sqrt{(V_a)_{ii}}`

    Mah & Tamhane (1982).
    """
    z = sol["z"]
    xi = sol["xi"]
    va = sol["va_diag"]
    out = np.full(z.size, np.nan)
    ok = va > 1e-12 * np.maximum(prob.var[xi], 1e-300)
    out[xi[ok]] = np.abs(z[xi[ok]] - prob.values[xi[ok]]) / np.sqrt(va[ok])
    return out


STEP_COLUMNS = ["step", "stream", "column", "measured", "estimate", "z", "critical_z",
                "chi2", "dof", "p_value"]


def _identify(prob: _Problem, mask: np.ndarray, sol: dict[str, Any], zstat: np.ndarray,
              fn: Callable[..., dict[str, Any]], opts: dict[str, Any], significance: float,
              identify: str) -> tuple[pd.DataFrame, dict[str, Any], np.ndarray, np.ndarray]:
    """Gross-error identification; returns (suspects, final solution, final mask, final z).

    ``serial`` (Serth & Heenan 1986; Narasimhan & Jordache 2000, sec. 8.2): while the global
    test rejects, the value with the largest measurement-test :math:`z` above the critical
    value is treated as unmeasured and the data are reconciled again; the final solution is
    the one after the last elimination, and each step is listed with the figures after it.
    """
    from scipy import stats

    cols = ["stream", "column", "measured", "reconciled", "z", "critical_z"]
    rows: list[dict[str, Any]] = []
    if identify == "none":
        return pd.DataFrame(columns=cols), sol, mask, zstat
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

    if not sol["converged"]:
        # a measurement test at a point that is not the minimum measures the solver, not
        # the data: 6 measured flows were eliminated from an unconverged 50-node fit (#23)
        _refuse_identification(identify, sol)
        return pd.DataFrame(columns=cols if identify != "serial" else _SERIAL_COLS), sol, \
            mask, zstat
    if identify == "measurement_test":
        for i in np.argsort(-np.nan_to_num(zstat, nan=-1.0)):
            if np.isfinite(zstat[i]) and zstat[i] > crit:
                rows.append(row(i, float(zstat[i]), float(sol["z"][i]), crit))
        return pd.DataFrame(rows, columns=cols), sol, mask, zstat
    if sol.get("factor") is not None and _ON_ONE_FACTOR:
        return _serial_on_one_factor(prob, mask, sol, zstat, fn, opts, significance, row, cols)
    cur_mask, cur_sol, cur_z = mask.copy(), sol, zstat
    for _ in range(max(int(mask.sum()) // 2, 1)):
        dof = int(cur_sol["dof"])
        if dof == 0 or stats.chi2.sf(max(cur_sol["chi2"], 0.0), dof) >= significance:
            break
        n_tests = int(np.isfinite(cur_z).sum())
        crit = _critical_z(significance, n_tests)
        if not np.isfinite(cur_z).any():
            break
        i = _largest(cur_z)
        if cur_z[i] <= crit:
            break
        new_mask = cur_mask.copy()
        new_mask[i] = False
        try:
            new_sol = fn(prob, new_mask, **opts, z0=cur_sol["z"])
        except (FlowsheetError, np.linalg.LinAlgError):
            break
        if new_sol["unobservable"][i]:
            break  # eliminating it would leave the value undetermined
        if not new_sol["converged"]:
            # the reconciliation without it did not converge: stop at the last converged fit
            _refuse_identification(identify, new_sol, step=len(rows) + 1)
            break
        # the estimate of the eliminated value from the other data
        rows.append(row(i, float(cur_z[i]), float(new_sol["z"][i]), crit))
        dof_new = int(new_sol["dof"])
        chi2_new = max(float(new_sol["chi2"]), 0.0)
        rows[-1].update(chi2=chi2_new, dof=dof_new,
                        p_value=float(stats.chi2.sf(chi2_new, dof_new)) if dof_new else 1.0)
        cur_mask, cur_sol = new_mask, new_sol
        cur_z = _measurement_z(prob, cur_sol)
    return _serial_table(rows, cols), cur_sol, cur_mask, cur_z


_SERIAL_COLS = ["step", "stream", "column", "measured", "reconciled", "estimate", "z",
                "critical_z", "chi2", "dof", "p_value"]


def _largest(z: np.ndarray) -> int:
    """Index of the largest measurement-test z; of equal ones (to 1e-9 relative) the first.
    Measurements whose adjustments are fully correlated (two flows in series) have the same z
    in exact arithmetic, and rounding alone should not choose between them."""
    top = np.nanmax(z)
    return int(np.flatnonzero(np.nan_to_num(z, nan=-np.inf) >= top * (1 - 1e-9))[0])


#: serial elimination of a sparse flows-only fit on its one factorisation (False: re-solve
#: after each step, the reference the tests compare it with)
_ON_ONE_FACTOR = True


def _serial_on_one_factor(prob: _Problem, mask: np.ndarray, sol: dict[str, Any],
                          zstat: np.ndarray, fn: Callable[..., dict[str, Any]],
                          opts: dict[str, Any], significance: float,
                          row: Callable[..., dict[str, Any]], cols: list[str]
                          ) -> tuple[pd.DataFrame, dict[str, Any], np.ndarray, np.ndarray]:
    """Serial elimination as in :func:`_identify`, each step an update of the first fit's
    factor (:class:`._elimination.SparseElimination`), then one re-solve with the final mask
    so that the result holds every statistic of a plain reconciliation."""
    from scipy import stats

    from ._elimination import SparseElimination

    elim = SparseElimination(sol)
    rows: list[dict[str, Any]] = []
    cur_mask, cur_z = mask.copy(), zstat
    chi2, dof = float(sol["chi2"]), int(sol["dof"])
    for _ in range(max(int(mask.sum()) // 2, 1)):
        if dof == 0 or stats.chi2.sf(max(chi2, 0.0), dof) >= significance:
            break
        if not np.isfinite(cur_z).any():
            break
        crit = _critical_z(significance, int(np.isfinite(cur_z).sum()))
        i = _largest(cur_z)
        if cur_z[i] <= crit:
            break
        state = elim.eliminate(i)
        if state is None:
            break  # eliminating it would leave the value undetermined
        cur_mask[i] = False
        chi2, dof = state["chi2"], state["dof"]
        rows.append(row(i, float(cur_z[i]), state["estimate"], crit))
        rows[-1].update(chi2=chi2, dof=dof,
                        p_value=float(stats.chi2.sf(chi2, dof)) if dof else 1.0)
        cur_z = elim.z(prob.values.size, state)
    if not rows:
        return _serial_table(rows, cols), sol, mask, zstat
    final = fn(prob, cur_mask, **opts)
    return _serial_table(rows, cols), final, cur_mask, _measurement_z(prob, final)


def _serial_table(rows: list[dict[str, Any]], cols: list[str]) -> pd.DataFrame:
    """The steps of serial elimination as a table (one row per eliminated value)."""
    out = pd.DataFrame(rows, columns=[*cols, "chi2", "dof", "p_value"])
    out.insert(0, "step", np.arange(1, len(out) + 1))
    out.insert(5, "estimate", out["reconciled"])  # of the value from the other data
    return out


def _refuse_identification(identify: str, sol: dict[str, Any], step: int = 0) -> None:
    """Warn that no gross error is identified from an unconverged reconciliation."""
    import warnings

    from ._base import ConvergenceWarning

    sqp = sol.get("sqp")
    why = (f"after {int(sol['iterations'])} iterations the largest balance violation is "
           f"{float(sqp.violation):.3g} and the optimality {float(sqp.optimality):.3g}"
           if sqp is not None else f"after {int(sol['iterations'])} iterations")
    where = (f"the reconciliation at elimination step {step} did not converge ({why}); "
             "serial elimination stops at the last converged fit"
             if step else
             f"the reconciliation did not converge ({why}); identify={identify!r} is not "
             "applied, because measurement tests at a point that is not the minimum flag the "
             "solver, not the data. The unconverged values are returned as they are")
    warnings.warn(where, ConvergenceWarning, stacklevel=4)


def _group_names(nodes: Any, node_group: np.ndarray, labels: np.ndarray, merged: bool
                 ) -> np.ndarray:
    """Name of each group in ``labels``: its member nodes in node order, joined with "+".

    ``merged`` False: every node is its own group, labelled by its position (no sort).
    """
    names = np.asarray(nodes, dtype=object)
    if not merged:
        return names[labels]
    order = np.argsort(node_group, kind="stable")
    sorted_g = node_group[order]
    starts = np.searchsorted(sorted_g, labels)
    stops = np.searchsorted(sorted_g, labels, side="right")
    return np.array([names[order[a]] if b - a == 1 else "+".join(names[order[a:b]])
                     for a, b in zip(starts.tolist(), stops.tolist(), strict=True)],
                    dtype=object)


def nodal_tests(prob: _Problem, mask: np.ndarray, significance: float) -> pd.DataFrame:
    """Nodal (constraint) test of every balance that can be formed from measured values.

    For quantity :math:`k` (mass, or component flow :math:`F_j a_{jk}`), nodes joined by a
    stream whose value is not measured are merged (their joint balance is the one the data
    can test; a group joined to the outside has none). For each node or group :math:`g`

    .. math:: r_g = \\sum_j A_{gj} q_j, \\qquad
       z_g = \\frac{|r_g|}{\\sqrt{\\sum_j A_{gj}^2 \\operatorname{var}(q_j)}},

    with :math:`\\operatorname{var}(F a) = a^2 \\operatorname{var}(F) + F^2
    \\operatorname{var}(a)` to first order, against the Sidak-corrected two-sided normal
    critical value (Mah, Stanley & Downing 1976; Narasimhan & Jordache 2000, eq. 7.6).

    References
    ----------
    Mah R.S.H., Stanley G.M., Downing D.M. (1976) Reconciliation and rectification of process
    flow and inventory data. Ind. Eng. Chem. Process Des. Dev. 15(1):175-183,
    doi:10.1021/i260057a030.
    """
    from ._graph import _node_groups

    fs, n, m = prob.fs, prob.n, prob.m
    ends = fs._ends()
    x = np.where(mask, prob.values, np.nan)
    v = np.where(mask, prob.var, np.nan)
    flows, vflows = x[:n], v[:n]
    rows = []
    names = ["mass", *prob.meas.components]
    for k in range(prob.ncol):
        if k == 0:
            q, vq = flows, vflows
        else:
            a, va = x[k * n:(k + 1) * n], v[k * n:(k + 1) * n]
            q = flows * a
            vq = a * a * vflows + flows * flows * va
        unknown = ~np.isfinite(q)
        if unknown.any():
            groups = _node_groups(m + 1, ends, np.nonzero(unknown)[0])
            labels = np.unique(groups[:m])
            labels = labels[labels != groups[m]]
        else:  # all measured: each node is its own group, no search and no sort (issue 23)
            groups, labels = np.arange(m + 1), np.arange(m)
        outside = groups[m]
        known = np.nonzero(~unknown)[0]
        if not labels.size:
            continue
        gix = np.full(int(groups.max()) + 1, -1)
        gix[labels] = np.arange(len(labels))
        r = np.zeros(len(labels))
        var = np.zeros(len(labels))
        kj = known[groups[ends[known, 0]] != groups[ends[known, 1]]]  # crossing a group edge
        for col, sign in ((1, 1.0), (0, -1.0)):
            end = ends[kj, col]
            g = groups[end]
            use = (end < m) & (g != outside)
            np.add.at(r, gix[g[use]], sign * q[kj[use]])
            np.add.at(var, gix[g[use]], vq[kj[use]])
        names_g = _group_names(fs.nodes, groups[:m], labels, unknown.any())
        use = ~((var <= 0) & (r == 0))  # nothing measured around it
        sd_g = np.sqrt(np.where(var > 0, var, 0.0))
        with np.errstate(divide="ignore", invalid="ignore"):
            z_g = np.where(var > 0, np.abs(r) / sd_g, np.inf)
        rows.append(pd.DataFrame({
            "nodes": names_g[use],
            "quantity": names[k], "imbalance": r[use], "sd": sd_g[use], "z": z_g[use],
        }))
    cols = ["nodes", "quantity", "imbalance", "sd", "z"]
    out = (pd.concat(rows, ignore_index=True)[cols] if rows
           else pd.DataFrame(columns=cols))
    crit = _critical_z(significance, max(len(out), 1))
    out["critical_z"] = crit
    out["flagged"] = out["z"] > crit
    return out
