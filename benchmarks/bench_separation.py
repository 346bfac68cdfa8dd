"""Benchmarks of resourcekit.separation: batch partition fits and threshold sweeps.

Run: ``.venv/bin/python benchmarks/bench_separation.py``. Every figure is a ratio against a
baseline run in the same process:

- ``fit_partition_batch`` of 10,000 logistic curves against a plain loop of
  ``scipy.optimize.curve_fit`` (one call per curve), and the agreement of the fitted x50/Ep;
- ``threshold_sweep`` over 1,000,000 particle signals against a naive loop that masks and sums
  the signals once per threshold. The naive loop is timed on a subset of the thresholds and
  extrapolated linearly (its cost is exactly proportional to the number of thresholds); the
  output says so.
"""

from __future__ import annotations

import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from _common import Report, best_time  # noqa: E402
from resourcekit import separation as sep  # noqa: E402

N_CURVES = 10_000
N_SIGNALS = 1_000_000


def partition_data(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = np.linspace(1.30, 1.95, 12)
    x50 = rng.uniform(1.45, 1.80, n)
    ep = rng.uniform(0.03, 0.10, n)
    p = 1 / (1 + np.exp(np.log(3) * (x50[:, None] - x) / ep[:, None]))
    p = np.clip(p + rng.normal(0, 0.01, p.shape), 0, 1)
    return x, p, np.column_stack([x50, ep])


def curve_fit_loop(x: np.ndarray, p: np.ndarray) -> np.ndarray:
    from scipy.optimize import curve_fit

    def logistic(xx, x50, ep):
        return 1 / (1 + np.exp(np.log(3) * (x50 - xx) / ep))

    out = np.empty((p.shape[0], 2))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for i in range(p.shape[0]):
            out[i], _ = curve_fit(logistic, x, p[i], p0=[1.6, 0.06])
    return out


def least_squares_sparse(x: np.ndarray, p: np.ndarray) -> np.ndarray:
    """All curves as one scipy least_squares problem with a block-diagonal Jacobian sparsity:
    the vectorised scipy alternative to the hand-written batched Levenberg-Marquardt."""
    from scipy.optimize import least_squares
    from scipy.sparse import csr_matrix, identity, kron

    n, k = p.shape
    ln3 = np.log(3.0)

    def resid(theta: np.ndarray) -> np.ndarray:
        th = theta.reshape(n, 2)
        z = np.clip(ln3 * (th[:, :1] - x) / th[:, 1:], -700, 700)
        return (1 / (1 + np.exp(z)) - p).ravel()

    sparsity = kron(identity(n), csr_matrix(np.ones((k, 2))))
    theta0 = np.tile([1.6, 0.06], n)
    lower = np.tile([-np.inf, 1e-12], n)
    res = least_squares(resid, theta0, jac_sparsity=sparsity, method="trf", x_scale="jac",
                        bounds=(lower, np.inf))
    return res.x.reshape(n, 2)


def naive_sweep(st: np.ndarray, so: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    out = np.empty((thresholds.size, 2))
    for k, th in enumerate(thresholds):
        t_in = np.count_nonzero(st >= th)
        o_in = np.count_nonzero(so >= th)
        out[k] = t_in / st.size, t_in / max(t_in + o_in, 1)
    return out


def main() -> None:
    report = Report("bench_separation")

    # --- partition fits ------------------------------------------------------------------
    x, p, truth = partition_data(N_CURVES)
    sep.fit_partition_batch(x, p[:50])  # warm-up
    ours = best_time(lambda: sep.fit_partition_batch(x, p), repeat=3)
    batch = sep.fit_partition_batch(x, p)
    start = time.perf_counter()
    ref = curve_fit_loop(x, p)
    loop = time.perf_counter() - start
    report.add(f"fit_partition_batch, {N_CURVES:,} logistic curves x 12 classes", ours,
               "scipy curve_fit loop (all curves, one run)", loop, "well under 1 s")
    diff_x50 = np.max(np.abs(batch.params["x50"].to_numpy() - ref[:, 0]))
    diff_ep = np.max(np.abs(batch.params["ep"].to_numpy() - ref[:, 1]))
    print(f"  agreement with curve_fit: max |dx50| = {diff_x50:.2e}, max |dEp| = {diff_ep:.2e}; "
          f"converged {batch.params['converged'].mean():.2%}; "
          f"max |x50 - truth| = {np.max(np.abs(batch.params['x50'] - truth[:, 0])):.3f}")

    m = 2_000
    ours_m = best_time(lambda: sep.fit_partition_batch(x, p[:m]), repeat=3)
    start = time.perf_counter()
    sparse = least_squares_sparse(x, p[:m])
    lsq = time.perf_counter() - start
    report.add(f"fit_partition_batch, {m:,} logistic curves (vs vectorised scipy)", ours_m,
               "scipy least_squares, one sparse problem (block-diagonal Jacobian)", lsq,
               "faster than the scipy alternative")
    print(f"  agreement with sparse least_squares: max |dx50| = "
          f"{np.max(np.abs(batch.params['x50'].to_numpy()[:m] - sparse[:, 0])):.2e}")

    # --- threshold sweep -----------------------------------------------------------------
    rng = np.random.default_rng(1)
    st = rng.normal(0.78, 0.08, N_SIGNALS // 2)
    so = rng.normal(0.46, 0.08, N_SIGNALS // 2)
    thresholds = np.linspace(0.2, 1.1, 1000)
    ours_k = best_time(lambda: sep.threshold_sweep(st, so, thresholds=thresholds), repeat=3)
    ours_all = best_time(lambda: sep.threshold_sweep(st, so), repeat=3)
    subset = thresholds[:: 20]  # 50 thresholds timed, extrapolated linearly
    naive_sub = best_time(lambda: naive_sweep(st, so, subset), repeat=1)
    naive_k = naive_sub * thresholds.size / subset.size
    table = sep.threshold_sweep(st, so, thresholds=subset)
    check = naive_sweep(st, so, subset)
    np.testing.assert_allclose(table[["recovery", "purity"]].to_numpy(), check, rtol=1e-12)
    print(f"  naive loop timed on {subset.size} thresholds ({naive_sub:.3f} s) and extrapolated "
          f"linearly to {thresholds.size}; results agree to 1e-12")
    report.add(f"threshold_sweep, {N_SIGNALS:,} signals, {thresholds.size} thresholds", ours_k,
               f"naive per-threshold loop (extrapolated from {subset.size})", naive_k,
               "well under 1 s")
    n_distinct = N_SIGNALS
    naive_all = naive_sub * n_distinct / subset.size
    report.add(f"threshold_sweep, {N_SIGNALS:,} signals, every distinct value as threshold",
               ours_all, f"naive per-threshold loop (extrapolated from {subset.size})",
               naive_all, "well under 1 s")
    print(f"saved {report.save()}")


if __name__ == "__main__":
    main()
