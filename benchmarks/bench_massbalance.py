"""Benchmarks of resourcekit.massbalance: plant-wide flows-only and bilinear reconciliation.

Figures are ratios against baselines run in this process (``--quick``: smaller sizes):

1. Flows only, 10,000 / 30,000 / 100,000 streams (a quarter as many nodes, neighbour links
   and recycles), all measured: ours (sparse path, with standard deviations from Takahashi's
   selected inverse compiled with numba, global, measurement and nodal tests) against the
   bare closed form with a plain scipy.sparse LU (no sd, no tests). Target at 100,000:
   < 1 s and within 5x.
   Growth exponents b of time ~ streams^b for both.
2. Bilinear (SQP with bounds), the tests' random plant with 5 assays at 50, 100, 300 and
   1,000 nodes (target at 300: < 5 s; 1,000: measured), each the whole reconciliation with
   sd and tests (above 2000 values the statistics come from the sparse KKT matrix), the
   exponent b of time ~ nodes^b, and at 1,000 nodes the same problem with the dense
   statistics (``--dense-1000``: about 1 min and 3.5 GB) as the baseline.
3. Bilinear 41 streams / 3 assays against scipy SLSQP on the same problem.
   ``--flows``: this part alone.
4. Oracle survey (not with ``--quick``): the tests' random plant (3 assays, 30 % of the
   values unmeasured, 10 % noise) at 25 nodes (12 seeds) and 50 nodes (8 seeds), our
   objective against SLSQP with the same bounds (flows >= 0, assays in [0, 1]) from its own
   start: counts of equal (rtol 1e-9), lower, higher, and SLSQP failures.

Flows only re-measured 7 Dec 2026 17:00 (``--flows``, 2 cores, idle; #23 item 5): 100,000
streams 0.169 / 0.184 s against the bare LU's 0.066 / 0.070 s in two runs, 2.57x / 2.61x
(target 3x). Before, in the same hour on the same machine: 3.16x / 3.45x (then 3.3x median
of 5 earlier that day). The gain: the pandas string table of value classes built from codes
(13 ms), nodal tests without a group search or sort when every flow is measured (about
10 ms) and the selected inverse's off-diagonal entries read by a binary search in each
column (numba) instead of one ``searchsorted`` over all keys (13 ms -> 8 ms).

Measured 30 Nov 2026 18:20 (2 cores, load 1.5), ``--dense-1000``: flows only 10,000 /
30,000 / 100,000 streams 0.027 / 0.061 / 0.215 s, x3.6 the bare LU at 100,000 (0.059 s);
time ~ streams^0.91 (bare LU ^1.00). Bilinear with 5 assays, 50 / 100 / 300 / 1,000 nodes:
0.16 / 0.41 / 1.16 / 12.8 s (statistics dense up to 100, sparse from 300 nodes); time ~
nodes^1.42 over that range, steeper at the top: the sparse statistics read the diagonal of
K^-1 by block solves, time ~ values x fill (about n^2), memory ~ fill (0.7 GB at 1,000
nodes). 1,000 nodes with the dense statistics: 33.6 s (x2.6 slower; 58 s and 3.5 GB at load
4-11 last session). 41 streams / 3 assays: 0.066 s against SLSQP's 0.74 s.

5. Convergence survey (``--survey``; ``--survey --full``: 201 plants), issue #23 item 1: the
   tests' random plant (3 assays) at 12, 25, 50, 100 and 300 nodes and three noise levels
   (low 3 % flow / 5 % assay sd / 5 % unmeasured, mid 8 / 12 / 10, high 15 / 25 / 15),
   the default SQP against IPOPT (cyipopt, exact Hessian, from our start) and scipy
   trust-constr (from the measurements, up to 25 nodes): convergence rate and the relative
   objective gap to the best oracle.

Survey measured 7 Dec 2026 (``--survey --full``, 2 cores at load 11; killed by its 25 min
timeout in the last plant, 200 of 201 done): 200 / 200 converged (100 %); worst relative
objective gap to the best oracle +3.7e-15 (never above; down to -5e-13 where IPOPT stopped
a hair higher); most iterations 148 (25 nodes, high noise), median time 0.07-2.2 s (ours)
and 0.2-3.0 s (IPOPT). On 3 plants (100 high, 300 mid, 300 high) IPOPT sent an unmeasured
feed and product of one node with free assays to flows of 1e19 for a lower objective (an
infimum that is not attained, e.g. 825.134 against our 825.311 with an assay on its bound
1): no reference there. The issue's failing plants came from a generator outside this
project and are not here; on this generator the old cap of 200 was never reached.

6. Serial elimination at plant size (``--serial`` alone; issue 23 item 4): 97,059 streams
   (20,000 nodes, a main line, 60,000 links within 10 nodes, one side stream closing each
   node), 2 % noise, 30 flows read double; ``identify="serial"`` against one reconciliation
   (``identify="none"``, best of 3) and against the former re-solve after every step, in the
   same process; both ways must eliminate the same values with the same chi-square.

Measured 7 Dec 2026 14:10 (2 cores, idle): 23 steps (18 of the 30 planted found; the other
12 fall below the critical value of 100,000 Sidak-corrected tests) in 0.67-0.69 s, 4.1-4.4x
one reconciliation (0.157-0.164 s); the re-solve per step 3.7 s (5.3-5.6x slower; 7.4 s
before the bridge search and the peeling of unmeasured flows stopped walking every node).

Survey measured 30 Nov 2026: 25 nodes, 12 seeds: equal on 11, SLSQP failed on 1 (ours
converged, KKT residual 1.3e-10); 50 nodes, 8 seeds: equal on all 8; never higher.
Before the zero-flow saddle escape (commit 542a580) 25-node seed 1 ended 0.19 % above
SLSQP.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))
from _common import Report, best_time  # noqa: E402
from resourcekit.massbalance import Flowsheet  # noqa: E402


def network(n_nodes: int, n_streams: int, n_recycles: int, seed: int,
            reach: int | None = None) -> Flowsheet:
    """A chain of nodes with side products, forward cross links and recycles.

    ``reach`` limits how far (in nodes) a cross link or a recycle may jump, as in a plant
    where units talk to their neighbours; None: anywhere.
    """
    rng = np.random.default_rng(seed)
    span = n_nodes if reach is None else reach
    edges = [("feed", None, "n0")]
    edges += [(f"m{i}", f"n{i}", f"n{i + 1}") for i in range(n_nodes - 1)]
    edges.append(("last", f"n{n_nodes - 1}", None))
    for k in range(n_recycles):
        a = int(rng.integers(2, n_nodes))
        b = int(rng.integers(max(0, a - 2 * span), a - 1))
        edges.append((f"r{k}", f"n{a}", f"n{b}"))
    k = 0
    while len(edges) < n_streams:
        a = int(rng.integers(0, n_nodes - 1))
        if rng.random() < 0.5:
            edges.append((f"p{k}", f"n{a}", None))
        else:
            b = int(rng.integers(a + 1, min(n_nodes, a + 1 + span)))
            edges.append((f"x{k}", f"n{a}", f"n{b}"))
        k += 1
    return Flowsheet.from_edges(edges)


def true_balance(fs: Flowsheet, n_comp: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    comps = [f"c{k}" for k in range(n_comp)]
    feed = pd.DataFrame([rng.uniform(1, 10, n_comp + 1)], columns=[*comps, "rest"],
                        index=["feed"])
    rows = {}
    edges = fs.edges
    for node in fs.nodes:
        outs = list(edges.index[edges["from_node"] == node])
        for s in outs[:-1]:
            rows[s] = rng.uniform(0.05, 0.9 / len(outs), n_comp + 1)
    split = pd.DataFrame(rows, index=[*comps, "rest"]).T
    return fs.simulate(feed, split)[["mass", *comps]]


def survey(fs: Flowsheet, true: pd.DataFrame, n_unmeasured: int, seed: int
           ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Noisy measurements (3 % + small absolute) with some values left unmeasured."""
    rng = np.random.default_rng(seed)
    sd = 0.03 * true + 1e-4
    meas = true + rng.normal(size=true.shape) * sd
    cells = [(i, j) for i in range(1, len(fs.streams)) for j in range(meas.shape[1])]
    for pos in rng.choice(len(cells), size=n_unmeasured, replace=False):
        i, j = cells[pos]
        meas.iloc[i, j] = np.nan
    return meas, sd.where(meas.notna())


def slsqp(fs: Flowsheet, meas: pd.DataFrame, sd: pd.DataFrame) -> float:
    """Weighted least squares with scipy's SLSQP; returns the objective at its solution."""
    from scipy.optimize import minimize

    a = fs.incidence.to_numpy().astype(float)
    n, ncol = a.shape[1], meas.shape[1]
    x = meas.to_numpy().T.ravel()
    v = sd.to_numpy().T.ravel() ** 2
    known = np.isfinite(x)
    start = np.where(known, x, np.nan)
    for k in range(ncol):
        col = start[k * n:(k + 1) * n]
        start[k * n:(k + 1) * n] = np.where(np.isfinite(col), col, np.nanmean(col))

    def objective(z):
        return np.sum((z[known] - x[known]) ** 2 / v[known])

    def gradient(z):
        g = np.zeros_like(z)
        g[known] = 2 * (z[known] - x[known]) / v[known]
        return g

    def cons(z):
        f = z[:n]
        return np.concatenate([a @ f] + [a @ (f * z[k * n:(k + 1) * n]) for k in range(1, ncol)])

    out = minimize(objective, start, jac=gradient, method="SLSQP",
                   constraints={"type": "eq", "fun": cons},
                   options={"ftol": 1e-10, "maxiter": 2000})
    return float(out.fun)


def plant(n_nodes: int, n_assays: int, seed: int, unmeasured: float = 0.25):
    """The tests' random plant (main line, side feeds and products, cross links, recycles)."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from test_massbalance_bilinear import random_plant

    return random_plant(n_nodes, n_assays, seed, unmeasured=unmeasured)


def sparse_closed_form(a, x, v):
    """Baseline: the bare closed form with a plain scipy.sparse LU (no sd, no tests)."""
    from scipy import sparse
    from scipy.sparse.linalg import splu

    s = (a @ sparse.diags_array(v) @ a.T).tocsc()
    lam = splu(s).solve(a @ x)
    return x - v * (a.T @ lam)


def interleaved_medians(ours, base, repeat: int = 5) -> tuple[float, float]:
    """Median wall times [s] of ``ours()`` and ``base()``, run alternately ``repeat`` times
    each, so that both see the same load on a shared machine (#23 item 5: median of 5)."""
    t_ours, t_base = [], []
    for _ in range(repeat):
        start = time.perf_counter()
        ours()
        t_ours.append(time.perf_counter() - start)
        start = time.perf_counter()
        base()
        t_base.append(time.perf_counter() - start)
    return float(np.median(t_ours)), float(np.median(t_base))


def growth(sizes, times):
    """Exponent b of time ~ size^b (least squares on logs)."""
    return float(np.polyfit(np.log(sizes), np.log(times), 1)[0])


def main() -> None:
    report = Report("bench_massbalance")
    quick = "--quick" in sys.argv

    flows_only(report, quick)
    if "--flows" in sys.argv:  # the flows-only floor alone (#23 item 5)
        print(f"saved {report.save()}")
        return

    # ---------------------------------------------------------------- 2. bilinear
    nodes, times = [], []
    for n_nodes in ((50, 100) if quick else (50, 100, 300, 1000)):
        fs, true, meas, sd = plant(n_nodes, 5, seed=1)
        start = time.perf_counter()
        res = fs.reconcile(meas, sd, identify="none")
        took = time.perf_counter() - start
        print(f"bilinear {n_nodes} nodes: {fs}, statistics {res.convergence.solver}, "
              f"converged={res.convergence.converged}, {res.convergence.iterations} "
              f"iterations, optimality {res.convergence.optimality:.1e}, violation "
              f"{res.convergence.constraint_violation:.1e}", flush=True)
        report.note(f"bilinear {n_nodes} nodes, 5 assays (with sd and tests)", took, "s",
                    "< 5 s" if n_nodes == 300 else "")
        nodes.append(n_nodes)
        times.append(took)
        if n_nodes == 1000 and "--dense-1000" in sys.argv:  # about 1 min and 3.5 GB
            start = time.perf_counter()
            fs.reconcile(meas, sd, identify="none", solver="dense")
            report.add("bilinear 1,000 nodes, 5 assays, with sd and tests", took,
                       "dense statistics (projection, SVD of J_u)", time.perf_counter() - start)
    report.note("bilinear: time ~ nodes^b, b", growth(nodes, times), "-")

    # ---------------------------------------------------------------- 3. vs SLSQP (small)
    fs = network(20, 41, 3, seed=1)
    true = true_balance(fs, 10, seed=2)
    cut = true[["mass", "c0", "c1", "c2"]]
    meas3, sd3 = survey(fs, cut, n_unmeasured=10, seed=3)
    ours3 = best_time(lambda: fs.reconcile(meas3, sd3, identify="none"), repeat=3)
    start = time.perf_counter()
    fun = slsqp(fs, meas3, sd3)
    base3 = time.perf_counter() - start
    print(f"3-assay case objective: ours {fs.reconcile(meas3, sd3).chi2:.6f}, SLSQP {fun:.6f}")
    report.add("bilinear 41 streams/3 assays", ours3, "scipy SLSQP (same case, once)", base3)
    if not quick:
        serial_elimination(report)
        oracle_survey(report)
    print(f"saved {report.save()}")


def flows_only(report: Report, quick: bool) -> None:
    """Part 1: flows-only reconciliation against the bare closed form, 10k-100k streams."""
    sizes, ours_t, base_t = [], [], []
    for n_streams in ((10_000, 30_000) if quick else (10_000, 30_000, 100_000)):
        big = network(n_streams // 4, n_streams, n_streams // 80, seed=4, reach=10)
        a = big.incidence_sparse()
        rng = np.random.default_rng(5)
        flows = rng.uniform(1.0, 10.0, len(big.streams))  # inconsistent on purpose
        x = flows * (1 + 0.02 * rng.normal(size=flows.size))
        v = (0.02 * flows) ** 2
        bmeas = pd.DataFrame({"mass": x}, index=list(big.streams))
        bsd = pd.DataFrame({"mass": np.sqrt(v)}, index=list(big.streams))
        check = big.reconcile(bmeas, bsd, identify="none", solver="sparse")  # warm-up
        ours, base = interleaved_medians(
            lambda big=big, bmeas=bmeas, bsd=bsd: big.reconcile(
                bmeas, bsd, identify="none", solver="sparse"),
            lambda a=a, x=x, v=v: sparse_closed_form(a, x, v), repeat=5)
        np.testing.assert_allclose(check.reconciled["mass"].to_numpy(),
                                   sparse_closed_form(a, x, v), rtol=1e-8, atol=1e-8)
        assert np.isfinite(check.sd["mass"]).all()
        report.add(f"flows only, {n_streams:,} streams (sd, global, measurement and nodal "
                   "tests)", ours, "bare scipy.sparse LU closed form", base,
                   "< 1 s, within 3x (median of 5)" if n_streams == 100_000 else "")
        sizes.append(n_streams)
        ours_t.append(ours)
        base_t.append(base)
    report.note("flows only: time ~ streams^b, b (ours)", growth(sizes, ours_t), "-")
    report.note("flows only: time ~ streams^b, b (bare LU)", growth(sizes, base_t), "-")


def oracle_survey(report: Report) -> None:
    """Ours against SLSQP with bounds on random plants of 25 and 50 nodes (see module)."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    import warnings

    from test_massbalance_bilinear import random_plant
    from test_massbalance_bilinear import slsqp as slsqp_bounded

    for n_nodes, seeds in ((25, range(12)), (50, range(8))):
        counts = {"equal": 0, "lower": 0, "higher": 0, "SLSQP failed": 0}
        for seed in seeds:
            fs, true, meas, sd = random_plant(n_nodes, 3, seed, unmeasured=0.3, rel_sd=0.1)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ours = fs.reconcile(meas, sd, identify="none").chi2
            ref = slsqp_bounded(fs, meas, sd)
            if not ref.success:
                counts["SLSQP failed"] += 1
            elif abs(ours - ref.fun) <= 1e-9 * ref.fun:
                counts["equal"] += 1
            else:
                counts["lower" if ours < ref.fun else "higher"] += 1
        print(f"oracle survey, {n_nodes} nodes, {len(seeds)} seeds: {counts}", flush=True)
        report.note(f"bilinear vs SLSQP with bounds, {n_nodes} nodes, {len(seeds)} seeds: "
                    "seeds where ours is higher", counts["higher"], "seeds", "0")


def convergence_survey(report: Report | None, seeds_per: dict[int, int],
                       trust_constr_up_to: int = 12) -> dict:
    """Issue #23 item 1: convergence rate and objective against the oracles (see module).

    Random plants (the tests' generator) of 12 to 300 nodes, 3 assays, at three noise
    levels (the highest 15 % flow sd, 25 % assay sd, 15 % unmeasured). Ours (the default
    SQP) against IPOPT (cyipopt, exact Hessian) started from our start, where cyipopt is
    installed, and scipy trust-constr from the measurements up to ``trust_constr_up_to``
    nodes (3-50 s a plant above). Objective gap = (ours - best oracle) / best oracle.
    """
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from resourcekit.massbalance._ipopt import ipopt_available
    from test_massbalance_survey import (
        LEVELS,
        noisy_plant,
        objective,
        ours,
        problem,
        trust_constr,
    )

    have_ipopt = ipopt_available()
    rows = []
    for n_nodes, n_seeds in seeds_per.items():
        for level in LEVELS:
            for seed in range(n_seeds):
                fs, _, meas, sd = noisy_plant(n_nodes, seed, level)
                prob = problem(fs, meas, sd)
                t0 = time.perf_counter()
                res = ours(prob)
                t_ours = time.perf_counter() - t0
                mine = objective(prob, res.z)
                refs = {}
                if have_ipopt:
                    t0 = time.perf_counter()
                    ip = ours(prob, "ipopt")
                    t_ip = time.perf_counter() - t0
                    # a flow run off to 1e19: the infimum is not attained (an unmeasured
                    # feed and product at one node with free assays carry any through-flow;
                    # found at 300 nodes, IPOPT 825.134 at flow 1e19 against ours 825.311)
                    bounded = float(np.max(ip.z[:prob.n] / prob.var_scale[:prob.n])) < 1e6
                    if ip.converged and bounded:
                        refs["ipopt"] = objective(prob, ip.z)
                    unbounded = ip.converged and not bounded
                else:
                    t_ip, unbounded = float("nan"), False
                if n_nodes <= trust_constr_up_to:
                    ref, viol = trust_constr(prob)
                    if viol < 1e-7:
                        refs["trust-constr"] = ref
                best = min(refs.values()) if refs else float("nan")
                rows.append({"nodes": n_nodes, "level": level, "seed": seed,
                             "converged": bool(res.converged), "iterations": res.iterations,
                             "ours": mine, "best_oracle": best,
                             "gap": (mine - best) / best if refs else float("nan"),
                             "oracle_unbounded": unbounded,
                             "t_ours": t_ours, "t_ipopt": t_ip})
                print(rows[-1], flush=True)
    table = pd.DataFrame(rows)
    summary = table.groupby(["nodes", "level"]).agg(
        plants=("converged", "size"), converged=("converged", "mean"),
        max_gap=("gap", "max"), max_iter=("iterations", "max"),
        unbounded=("oracle_unbounded", "sum"),
        t_ours=("t_ours", "median"), t_ipopt=("t_ipopt", "median"))
    print(summary.to_string(), flush=True)
    rate = float(table["converged"].mean())
    worst = float(table.loc[table["converged"], "gap"].max())
    print(f"survey: {len(table)} plants, converged {rate:.1%}, worst relative gap to the "
          f"best oracle {worst:.2e}", flush=True)
    if report is not None:
        report.note(f"bilinear survey, {len(table)} random plants 12-300 nodes, 3 noise "
                    "levels: converged", 100 * rate, "%", ">= 99")
        report.note("bilinear survey: worst objective gap to the best of IPOPT and "
                    "trust-constr (relative)", worst, "", "<= 1e-6")
    return {"table": table, "rate": rate, "worst_gap": worst}


def balanced_network(n_nodes: int, n_links: int, seed: int, reach: int = 10
                     ) -> tuple[Flowsheet, np.ndarray]:
    """A plant whose true flows are known and positive: a chain of nodes (main-line flows of
    50-150), ``n_links`` forward links and recycles within ``reach`` nodes (1-20), and at
    each node one side stream that closes its balance: a product where more enters than
    leaves, else a feed."""
    rng = np.random.default_rng(seed)
    edges: list[tuple[str, str | None, str | None]] = []
    flow: list[float] = []
    net = np.zeros(n_nodes)  # inflow - outflow so far

    def add(name: str, a: int | None, b: int | None, q: float) -> None:
        edges.append((name, None if a is None else f"n{a}", None if b is None else f"n{b}"))
        flow.append(q)
        if a is not None:
            net[a] -= q
        if b is not None:
            net[b] += q

    for i in range(n_nodes - 1):
        add(f"m{i}", i, i + 1, float(rng.uniform(50, 150)))
    for k in range(n_links):
        a = int(rng.integers(0, n_nodes))
        b = int(np.clip(a + rng.integers(-reach, reach + 1), 0, n_nodes - 1))
        if a != b:
            add(f"x{k}", a, b, float(rng.uniform(1, 20)))
    for i in range(n_nodes):
        q = float(net[i])
        add(f"p{i}", i, None, q) if q > 0 else add(f"f{i}", None, i, -q)
    return Flowsheet.from_edges(edges), np.array(flow)


def serial_elimination(report: Report, n_streams: int = 100_000, n_bad: int = 30) -> None:
    """Issue 23 item 4: serial elimination at plant size, each step an update of the first
    fit's factorisation, against one reconciliation (identify="none") and against the former
    re-solve after each step, in this process; the steps of both must agree."""
    from resourcekit.massbalance import _tests

    fs, true = balanced_network(n_streams // 5, n_streams * 3 // 5, seed=4)
    rng = np.random.default_rng(5)
    sd = 0.02 * true + 0.01
    meas = true + rng.normal(size=true.size) * sd
    bad = rng.choice(true.size, n_bad, replace=False)
    meas[bad] *= 2.0  # 30 flows read double
    idx = list(fs.streams)
    m = pd.DataFrame({"mass": np.maximum(meas, 0.0)}, index=idx)
    s = pd.DataFrame({"mass": sd}, index=idx)
    fs.reconcile(m, s, identify="none", solver="sparse")  # warm-up (numba, imports)
    one = best_time(lambda: fs.reconcile(m, s, identify="none", solver="sparse"), repeat=3)
    start = time.perf_counter()
    fast = fs.reconcile(m, s, identify="serial", solver="sparse")
    ours = time.perf_counter() - start
    _tests._ON_ONE_FACTOR = False
    try:
        start = time.perf_counter()
        slow = fs.reconcile(m, s, identify="serial", solver="sparse")
        resolve = time.perf_counter() - start
    finally:
        _tests._ON_ONE_FACTOR = True
    same = list(fast.suspects["stream"]) == list(slow.suspects["stream"])
    found = len(set(fast.suspects["stream"]) & {idx[i] for i in bad})
    print(f"serial elimination, {len(idx):,} streams: {len(fast.suspects)} eliminated "
          f"({found} of the {n_bad} planted), the same steps both ways: {same}, chi2 "
          f"{fast.chi2:.6f} / {slow.chi2:.6f}", flush=True)
    assert same and abs(fast.chi2 - slow.chi2) <= 1e-9 * slow.chi2
    report.add(f"serial elimination, {len(idx):,} streams ({len(fast.suspects)} steps): "
               "one factorisation", ours, "one reconciliation (identify='none')", one,
               "at most 5x one solve")
    report.add(f"serial elimination, {len(idx):,} streams: one factorisation", ours,
               "a re-solve after each step (the former way)", resolve)


if __name__ == "__main__":
    if "--serial" in sys.argv:  # serial elimination at 100,000 streams alone (#23 item 4)
        rep = Report("bench_massbalance_serial")
        serial_elimination(rep)
        print(f"saved {rep.save()}")
        raise SystemExit
    if "--survey" in sys.argv:  # the convergence survey alone (#23 item 1)
        full = "--full" in sys.argv
        convergence_survey(None, {12: 20, 25: 15, 50: 12, 100: 12, 300: 8} if full
                           else {12: 8, 25: 6, 50: 5, 100: 4, 300: 2},
                           trust_constr_up_to=25 if full else 12)
        raise SystemExit
    main()
