"""Gross-error tests: serial elimination's final result, the nodal test and its rates; the
csgraph bridges against brute force."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import RCS_EDGES as EDGES
from resourcekit.massbalance import Flowsheet


@pytest.fixture(scope="module")
def flows():
    fs = Flowsheet.from_edges(EDGES)
    feed = pd.DataFrame({"Cu": [3.0], "rest": [97.0]}, index=["feed"])
    split = pd.DataFrame({"Cu": [0.85, 0.7, 0.6], "rest": [0.15, 0.2, 0.1]},
                         index=["rc", "cc", "sc"])
    return fs, fs.simulate(feed, split)[["mass"]]


def test_serial_elimination_returns_the_final_reconciliation(flows):
    """Issue 11: the result used to be the reconciliation from before the elimination."""
    fs, true = flows
    rng = np.random.default_rng(2)
    sd = 0.02 * true
    meas = true + rng.normal(size=true.shape) * sd
    meas.loc["st", "mass"] *= 1.3  # a 30 % bias: about 15 sd
    res = fs.reconcile(meas, sd)
    assert res.suspects[["stream", "column"]].values.tolist() == [["st", "mass"]]
    # the same as reconciling without that measurement
    without = meas.copy()
    without.loc["st", "mass"] = np.nan
    ref = fs.reconcile(without, sd.where(without.notna()), identify="none")
    np.testing.assert_allclose(res.reconciled.to_numpy(), ref.reconciled.to_numpy(),
                               rtol=1e-12)
    np.testing.assert_allclose(res.sd.to_numpy(), ref.sd.to_numpy(), rtol=1e-10)
    assert res.chi2 == pytest.approx(ref.chi2, rel=1e-12) and res.dof == ref.dof
    assert not res.rejected
    assert res.redundancy.loc["st", "mass"] == "eliminated"
    assert res.measured.loc["st", "mass"] == meas.loc["st", "mass"]  # kept as given
    steps = res.eliminated
    assert steps["step"].tolist() == [1]
    assert steps.loc[0, "estimate"] == pytest.approx(ref.reconciled.loc["st", "mass"])
    assert steps.loc[0, "chi2"] == pytest.approx(ref.chi2)
    assert any("serial elimination" in note for note in res.convergence.notes)


def test_nodal_test_by_hand():
    """One node, all measured: z = |F - C - T| / sqrt(sF^2 + sC^2 + sT^2) (Mah et al. 1976)."""
    fs = Flowsheet.from_edges([("feed", None, "cell"), ("conc", "cell", None),
                               ("tail", "cell", None)])
    m = pd.DataFrame({"mass": [100.0, 10.0, 88.0]}, index=["feed", "conc", "tail"])
    sd = pd.DataFrame({"mass": [2.0, 0.5, 2.0]}, index=m.index)
    nodal = fs.reconcile(m, sd).nodal_tests
    assert nodal["nodes"].tolist() == ["cell"]
    assert nodal.loc[0, "imbalance"] == pytest.approx(2.0)
    assert nodal.loc[0, "z"] == pytest.approx(2.0 / np.sqrt(4 + 0.25 + 4))


def test_nodal_test_merges_nodes_joined_by_an_unmeasured_stream(flows):
    fs, true = flows
    meas = true.copy()
    meas.loc["rc", "mass"] = np.nan
    nodal = fs.reconcile(meas, 0.02 * true.where(meas.notna())).nodal_tests
    assert "rougher+cleaner" in nodal["nodes"].tolist()
    assert "scav" in nodal["nodes"].tolist()
    np.testing.assert_allclose(nodal["imbalance"], 0.0, atol=1e-9)


def test_nodal_test_rates(flows):
    """Seeded trials: a leak at the cleaner (10 % of its inflow leaves by a stream the
    flowsheet does not have) against clean data; flows 2 % sd, significance 0.05 (Sidak over
    the 3 nodes). Printed rates are in the report of issue 11."""
    fs, true = flows
    leaky = Flowsheet.from_edges([*EDGES, ("leak", "cleaner", None)])
    feed = pd.DataFrame({"Cu": [3.0], "rest": [97.0]}, index=["feed"])
    split = pd.DataFrame({"Cu": [0.85, 0.7, 0.1, 0.6], "rest": [0.15, 0.2, 0.1, 0.1]},
                         index=["rc", "cc", "leak", "sc"])
    leak = leaky.simulate(feed, split)[["mass"]].drop(index="leak")
    sd = 0.02 * true
    trials = 200
    false_alarm = detected = located = 0
    for seed in range(trials):
        rng = np.random.default_rng(5000 + seed)
        noise = rng.normal(size=true.shape) * sd
        clean = fs.reconcile(true + noise, sd, identify="none").nodal_tests
        false_alarm += bool(clean["flagged"].any())
        bad = fs.reconcile(leak + noise, sd, identify="none").nodal_tests
        detected += bool(bad["flagged"].any())
        top = bad.loc[bad["z"].idxmax(), "nodes"]
        located += bool(bad["flagged"].any()) and top == "cleaner"
    rates = {"false_alarm": false_alarm / trials, "detected": detected / trials,
             "located": located / trials}
    print("nodal test rates:", rates)
    # family-wise 5 %: binomial sd of the rate over 200 trials is 1.5 %
    assert rates["false_alarm"] <= 0.10
    assert rates["detected"] >= 0.5
    assert rates["located"] >= 0.5


def test_bridges_against_brute_force():
    from resourcekit.massbalance._graph import _bridges
    from scipy import sparse
    from scipy.sparse.csgraph import connected_components

    rng = np.random.default_rng(0)
    for _ in range(40):
        n_nodes = int(rng.integers(2, 12))
        n_edges = int(rng.integers(1, 16))
        ends = rng.integers(0, n_nodes, size=(n_edges, 2))
        ends = ends[ends[:, 0] != ends[:, 1]]
        if not len(ends):
            continue

        def n_comp(e, n_nodes=n_nodes):
            g = sparse.coo_matrix((np.ones(len(e)), (e[:, 0], e[:, 1])),
                                  shape=(n_nodes, n_nodes))
            return connected_components(g, directed=False)[0]

        base = n_comp(ends)
        brute = np.array([n_comp(np.delete(ends, k, axis=0)) > base
                          for k in range(len(ends))])
        np.testing.assert_array_equal(_bridges(ends, n_nodes), brute)
