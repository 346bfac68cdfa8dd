"""Serial elimination on one factorisation: the eliminated measurements as free biases.

Treating a measured flow as unmeasured gives the same reconciliation as giving its
measurement a free bias :math:`b_i` (Narasimhan & Jordache 2000, sec. 8.2-8.3: serial
elimination and serial compensation agree for measurement biases in linear models). With
:math:`B` the reduced balance over the measured flows, :math:`S = B V B^T` (factorised once),
:math:`r = B x_m`, :math:`\\lambda = S^{-1} r` and :math:`F = B E_S` the columns of the
eliminated set :math:`S` (Mah & Tamhane 1982; Narasimhan & Jordache 2000, eq. 7-13 to 7-16):

.. math::

    G = S^{-1} F,\\quad M = F^T G,\\quad \\hat b = M^{-1} F^T \\lambda,\\quad
    \\lambda' = \\lambda - G \\hat b,\\quad \\chi^2{}' = r^T \\lambda',\\quad
    \\hat x = x_m - V B^T \\lambda' \\;(\\hat x_S = x_{m,S} - \\hat b),

and the diagonal of the adjustments' covariance loses
:math:`\\operatorname{diag}(V B^T G M^{-1} G^T B V)`. Each step costs one solve with the
existing factor and work in the number of eliminated values, instead of a new sparse
factorisation and selected inverse (issue 23: 30-35 s at 100,000 streams before).

A stream whose elimination would leave it undetermined (its column dependent on the columns
already eliminated: a loop of unmeasured streams) has a Schur pivot of zero; it is refused,
as the re-solve's observability test refused it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

#: relative Schur pivot below which an eliminated column depends on the others
_PIVOT_RTOL = 1e-10


class SparseElimination:
    """Measurement tests after eliminating values one at a time, on one sparse solve.

    ``sol`` is the flows-only sparse solution (``_sparse._solve_sparse_linear``) with its
    ``"factor"`` entry; values are indexed as in the problem (``prob.values``).
    """

    def __init__(self, sol: dict[str, Any]) -> None:
        f = sol["factor"]
        self.bmat = f["bmat"].tocsc()
        self.lu, self.v, self.xm, self.r, self.lam = f["lu"], f["v"], f["xm"], f["r"], f["lam"]
        self.xi = sol["xi"]
        self.pos = {int(i): p for p, i in enumerate(self.xi)}
        self.va0 = sol["va_diag"]
        self.dof0 = int(sol["dof"])
        self.cols: list[int] = []  # eliminated positions in xi
        self.g = np.empty((self.r.size, 0))  # S^-1 F
        self.bt_g = np.empty((self.xi.size, 0))  # B^T S^-1 F

    def _column(self, p: int) -> np.ndarray:
        col = np.zeros(self.r.size)
        lo, hi = self.bmat.indptr[p], self.bmat.indptr[p + 1]
        col[self.bmat.indices[lo:hi]] = self.bmat.data[lo:hi]
        return col

    def eliminate(self, i: int) -> dict[str, Any] | None:
        """Eliminate value ``i``; None (and nothing changed) when it would be undetermined.

        Returns the state after the step: ``estimate`` of the eliminated value from the other
        data, ``chi2``, ``dof``, ``x_hat`` and ``va_diag`` over ``xi`` (the eliminated entries
        hold their estimates and 0).
        """
        p = self.pos[int(i)]
        f = self._column(p)
        g = self.lu.solve(f)
        bt_g_new = self.bmat.T @ g  # column of B^T S^-1 F for the new value
        m_old = self.bt_g[self.cols].T if self.cols else np.empty((0, 0))  # F^T G = G^T F
        cross = bt_g_new[self.cols]  # F_old^T g
        own = float(f @ g)
        if own <= 0.0:
            return None
        pivot = own - (cross @ np.linalg.solve(m_old, cross) if self.cols else 0.0)
        if pivot <= _PIVOT_RTOL * own:
            return None  # dependent on the eliminated columns: undetermined
        self.cols.append(p)
        self.g = np.column_stack([self.g, g])
        self.bt_g = np.column_stack([self.bt_g, bt_g_new])
        return self.state()

    def state(self) -> dict[str, Any]:
        """Reconciled values, chi-square and adjustment variances after the eliminations."""
        cols = self.cols
        m = self.bt_g[cols]  # F^T S^-1 F (symmetric)
        m_inv = np.linalg.inv(0.5 * (m + m.T))  # k x k, k the values eliminated so far
        ft_lam = self.g.T @ self.r  # F^T S^-1 r = F^T lambda
        b = m_inv @ ft_lam
        lam = self.lam - self.g @ b
        chi2 = float(self.r @ lam)
        x_hat = self.xm - self.v * (self.bmat.T @ lam)
        x_hat[cols] = self.xm[cols] - b
        # diag(B^T G M^-1 G^T B): one (values x k) @ (k x k) product
        corr = np.einsum("ij,ij->i", self.bt_g @ m_inv, self.bt_g)
        va = self.va0 - self.v * self.v * corr
        va[cols] = 0.0
        return {"x_hat": x_hat, "va_diag": va, "chi2": max(chi2, 0.0),
                "dof": self.dof0 - len(cols), "estimate": float(x_hat[cols[-1]]),
                "bias": b}

    def z(self, n_values: int, state: dict[str, Any]) -> np.ndarray:
        """Measurement-test z of every value still measured (NaN elsewhere): as
        ``_tests._measurement_z`` on a re-solve."""
        out = np.full(n_values, np.nan)
        va = state["va_diag"]
        ok = va > 1e-12 * np.maximum(self.v, 1e-300)
        ok[self.cols] = False
        out[self.xi[ok]] = np.abs(state["x_hat"][ok] - self.xm[ok]) / np.sqrt(va[ok])
        return out
