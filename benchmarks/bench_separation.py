"""Benchmarks of resourcekit.separation: batch partition fits and threshold sweeps.

Run: ``.venv/bin/python benchmarks/bench_separation.py``. Every figure is a ratio against a
baseline run in the same process:

- ``fit_partition_batch`` of 10,000 logistic curves against a plain loop of
  ``scipy.optimize.curve_fit`` (one call per curve), and the agreement of the fitted x50/Ep;
- ``threshold_sweep`` over 1,000,000 particle signals against a naive loop that masks and sums
  the signals once per threshold. The naive loop is timed on a subset of the thresholds and
  extrapolated linearly (its cost is exactly proportional to the number of thresholds); the
  output says so;
- ``cost_effect`` on lesson 07's case (wall, rational limit, C/E = 1; target under 1 s)
  against a brute-force sweep of the same designs (every stage count the search examines x
  6,001 cuts, priced directly), with the agreement of the two limits.

``python benchmarks/bench_separation.py cost_effect`` runs only the last.
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


def brute_force_designs(w: np.ndarray, g: np.ndarray, n_max: int, *, tiers, ct: float,
                        cs: float, pen: float, ep: float = 0.1, floor: float = 0.5,
                        n_cuts: int = 6001) -> tuple[float, float, float]:
    """Every (stages, cut) design on a fine grid: best profit, its purity, purest paying."""
    w = w / w.sum()
    f = w @ g
    cuts = np.linspace(g.min() - 0.5, g.max() + 0.05, n_cuts)
    s = np.clip(1 / (1 + np.exp(-np.log(3) * (g[None, :] - cuts[:, None]) / ep)),
                1e-15, 1 - 1e-15)
    best, at, purest = -np.inf, np.nan, np.nan
    for n in range(1, n_max + 1):
        rec, passes = sep.countercurrent_cascade(s, n)
        metal, y = rec @ (w * g), rec @ w
        purity = metal / y
        price = np.zeros_like(purity)
        for thr, v in tiers:
            price[purity >= thr] = v
        profit = price * metal - pen * (y - metal) - ct * (passes @ w) - cs * n
        profit[metal / f < floor] = -np.inf
        i = int(np.argmax(profit))
        if profit[i] > best:
            best, at = float(profit[i]), float(purity[i])
        if (profit >= 0).any():
            purest = float(np.nanmax([purest, purity[profit >= 0].max()]))
    return best, at, purest


def bench_cost_effect(report: Report) -> None:
    """Lesson 07's case: cost_effect against the brute-force design sweep."""
    from resourcekit import datasets

    lib = datasets.load("sep_ewaste_liberation_classes")
    tiers = [(0.6, 4000.0), (0.9, 6000.0)]
    kw = dict(mass="mass_kg", price_tiers=tiers, cost_per_tonne=30.0, cost_per_stage=5.0,
              penalty=200.0)
    res = sep.cost_effect(lib, **kw)  # warm-up (pint, scipy imports)
    ours = best_time(lambda: sep.cost_effect(lib, **kw), repeat=5)
    w, g = lib["mass_kg"].to_numpy(float), lib["grade"].to_numpy(float)
    start = time.perf_counter()
    profit, purity, purest = brute_force_designs(w, g, res.stages_searched, tiers=tiers,
                                                 ct=30.0, cs=5.0, pen=200.0)
    brute = time.perf_counter() - start
    print(f"  cost_effect: wall {res.technical_wall:.4f}, limit {res.rational_limit:.4f} "
          f"(profit {res.limit_design['profit']:.2f}), C/E = 1 at {res.breakeven_purity:.4f}, "
          f"liberation limit {res.liberation_limit:.4f}, {res.stages_searched} stage counts")
    print(f"  brute force ({res.stages_searched} x 6,001 designs): limit {purity:.4f} "
          f"(profit {profit:.2f}), C/E = 1 at {purest:.4f}")
    report.add("cost_effect, lesson 07 case (wall, limit, C/E = 1)", ours,
               f"brute-force sweep, {res.stages_searched} stage counts x 6,001 cuts", brute,
               "under 1 s")


def main() -> None:
    report = Report("bench_separation")
    if sys.argv[1:] == ["cost_effect"]:
        bench_cost_effect(report)
        print(f"saved {report.save()}")
        return

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
    bench_cost_effect(report)
    print(f"saved {report.save()}")


if __name__ == "__main__":
    main()
