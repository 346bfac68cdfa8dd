"""Fitting engine of the partition curves: parameter handling and a batched Levenberg-Marquardt.

Private. A batch of curves is solved at once: every curve has its own damping and step
acceptance, all in numpy array operations (``np.linalg.solve`` on a stack of k x k systems), so
thousands of curves fit in the time scipy would take for a few dozen one by one. Bounds are
kept by projection (a parameter held at a bound by an outward gradient is frozen for the step).
Single-curve results are checked against :func:`scipy.optimize.curve_fit` in the tests.

References: Levenberg K. (1944) Q. Appl. Math. 2:164-168; Marquardt D.W. (1963) J. SIAM
11:431-441; Nocedal J., Wright S.J. (2006) Numerical Optimization, 2nd ed., Springer, ch. 10.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from resourcekit.errors import DataError, OptionError

from ._partition_models import _Model


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
                raise DataError(f"bypass = {b:g} must lie in [0, 1) or be 'fit'")
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


