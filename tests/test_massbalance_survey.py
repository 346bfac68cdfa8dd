"""Issue #23 item 1: the bilinear solve converges on noisy plants, to the oracle's minimum.

A seeded subset of the survey in ``benchmarks/bench_massbalance.py`` (``survey``): random
plants (the tests' generator: main line, side feeds and products, cross links, recycles)
at the issue's noise levels, the highest 15 % flow sd, 25 % assay sd and 15 % of the values
unmeasured. The oracle is scipy's ``trust-constr`` (Byrd-Omojokun trust-region SQP, Conn,
Gould & Toint 2000; an independent implementation) on the same problem with the same bounds,
started from the measurements; where cyipopt is installed IPOPT is asked as well, and the
best of the oracles is the reference. Tolerance: 1e-6 relative on the objective, the
issue's figure (both are converged minima; trust-constr stops at gtol 1e-9).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from resourcekit.massbalance._bilinear import solve_bilinear
from resourcekit.massbalance._dense import iteration_limit
from resourcekit.massbalance._measurements import read_measurements
from resourcekit.massbalance._problem import _Problem, _read_sd, _start
from test_massbalance_bilinear import random_plant

#: noise levels: (flow sd, assay sd, fraction of values unmeasured), relative
LEVELS = {"low": (0.03, 0.05, 0.05), "mid": (0.08, 0.12, 0.10), "high": (0.15, 0.25, 0.15)}


def noisy_plant(n_nodes: int, seed: int, level: str, n_assays: int = 3):
    """The tests' random plant with separate flow and assay sd and unmeasured values."""
    fsd, asd, unmeasured = LEVELS[level]
    fs, true, _, _ = random_plant(n_nodes, n_assays, seed, unmeasured=0.0, rel_sd=0.0)
    rng = np.random.default_rng(seed + 7919)
    sd = true.copy()
    sd["mass"] = fsd * true["mass"]
    for c in true.columns[1:]:
        sd[c] = asd * true[c]
    meas = true + rng.normal(size=true.shape) * sd
    meas["mass"] = meas["mass"].clip(lower=1e-3 * true["mass"])  # a scale reads >= 0
    for c in true.columns[1:]:
        meas[c] = meas[c].clip(1e-6, 1 - 1e-6)  # an assay reads in (0, 1)
    cells = [(i, j) for i in range(1, len(fs.streams)) for j in range(meas.shape[1])]
    for pos in rng.choice(len(cells), size=int(unmeasured * len(cells)), replace=False):
        meas.iloc[cells[pos]] = np.nan
    return fs, true, meas, sd.where(meas.notna())


def problem(fs, meas, sd) -> _Problem:
    m = read_measurements(fs, meas)
    return _Problem(fs, m, _read_sd(fs, m, meas, sd))


def objective(prob: _Problem, z: np.ndarray) -> float:
    on = prob.measured & (prob.var > 0)
    return float(np.sum((z[on] - prob.values[on]) ** 2 / prob.var[on]))


def ours(prob: _Problem, engine: str = "sqp"):
    """Our solver (or IPOPT) from our start, as reconcile() runs it."""
    z0 = _start(prob, prob.measured)
    z0[prob.measured] = prob.values[prob.measured]
    fn = solve_bilinear
    if engine == "ipopt":
        from resourcekit.massbalance._ipopt import solve_bilinear_ipopt as fn
    return fn(prob.a, prob.ncol, z0, prob.values, prob.var, prob.measured, prob.var_scale,
              max_iter=iteration_limit(50, prob.n * prob.ncol), tol=1e-10)


def trust_constr(prob: _Problem):
    """Oracle: scipy trust-constr, bounds and balances as given, from the measurements."""
    from resourcekit.massbalance._bilinear import constraints
    from scipy import sparse
    from scipy.optimize import Bounds, NonlinearConstraint, minimize
    from threadpoolctl import threadpool_limits

    n, ncol, nv = prob.n, prob.ncol, prob.n * prob.ncol
    s = prob.var_scale
    on = prob.measured & (prob.var > 0)
    w = np.where(on, 1.0 / np.where(on, prob.var, 1.0), 0.0)
    x = np.nan_to_num(prob.values)
    start = np.where(prob.measured, x, s)
    start[n:] = np.clip(start[n:], 0.0, 1.0)
    rs = 0.5 * (abs(constraints(prob.a, start, ncol)[1]) @ np.abs(start)) + 1e-12

    def f(y):
        d = y * s - x
        return float(np.sum(w * d * d))

    def g(y):
        return 2 * w * (y * s - x) * s

    def h(y):
        return sparse.diags_array(2 * w * s * s)

    def c(y):
        return constraints(prob.a, y * s, ncol)[0] / rs

    def cj(y):
        return sparse.diags_array(1 / rs) @ constraints(prob.a, y * s, ncol)[1] \
            @ sparse.diags_array(s)

    upper = np.full(nv, np.inf)
    upper[n:] = 1.0 / s[n:]
    with warnings.catch_warnings(), threadpool_limits(limits=1):
        warnings.simplefilter("ignore")
        out = minimize(f, start / s, jac=g, hess=h, method="trust-constr",
                       bounds=Bounds(np.zeros(nv), upper),
                       constraints=NonlinearConstraint(c, 0.0, 0.0, jac=cj),
                       options={"gtol": 1e-9, "xtol": 1e-12, "maxiter": 3000})
    z = out.x * s
    viol = float(np.abs(c(out.x)).max())
    return objective(prob, z), viol


#: the seeded subset (trust-constr takes 3-4 s on each; 12-node seed 0 needs 10 s, 25 nodes
#: 7-50 s, so those are in the benchmark only)
CASES = [(12, 1, "high"), (12, 3, "high"), (12, 2, "mid")]


@pytest.mark.slow
@pytest.mark.parametrize(("n_nodes", "seed", "level"), CASES)
def test_converges_to_the_oracle_minimum(n_nodes: int, seed: int, level: str) -> None:
    fs, _, meas, sd = noisy_plant(n_nodes, seed, level)
    prob = problem(fs, meas, sd)
    res = ours(prob)
    assert res.converged, (res.iterations, res.violation, res.optimality)
    assert res.violation < 1e-8
    mine = objective(prob, res.z)
    ref, viol = trust_constr(prob)
    refs = [ref] if viol < 1e-7 else []
    from resourcekit.massbalance._ipopt import ipopt_available

    if ipopt_available():
        ip = ours(prob, "ipopt")
        # an oracle flow run off to infinity is an infimum, not a minimum: not a reference
        if ip.converged and np.max(ip.z[:prob.n] / prob.var_scale[:prob.n]) < 1e6:
            refs.append(objective(prob, ip.z))
    assert refs, "no oracle converged"
    assert mine <= min(refs) * (1 + 1e-6), (mine, refs)


def test_iteration_limit_grows_with_the_plant() -> None:
    # 25-node plant of the issue: 213 iterations needed, the old fixed cap was 200
    assert iteration_limit(50, 10) == 210
    assert iteration_limit(50, 1200) > 1200


@pytest.mark.slow
def test_ipopt_engine_agrees_or_says_how_to_install_it() -> None:
    from resourcekit.massbalance._ipopt import EngineError, ipopt_available

    fs, _, meas, sd = noisy_plant(12, 0, "high")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = fs.reconcile(meas, sd, identify="none")
        if ipopt_available():
            b = fs.reconcile(meas, sd, identify="none", engine="ipopt")
            assert b.convergence.converged
            assert abs(a.chi2 - b.chi2) <= 1e-6 * a.chi2
            pd.testing.assert_frame_equal(a.reconciled, b.reconciled, atol=1e-4 * 100,
                                          rtol=1e-5)
        else:
            with pytest.raises(EngineError, match="coinor-libipopt-dev"):
                fs.reconcile(meas, sd, identify="none", engine="ipopt")
    with pytest.raises(ValueError, match="engine = 'cplex'"):
        fs.reconcile(meas, sd, engine="cplex")
