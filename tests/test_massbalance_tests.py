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


# --- serial elimination on one factorisation (issue 23 item 4) -----------------------------------
def _gross_survey(seed: int, n_nodes: int, n_bad: int):
    """A random plant's flows with 2 % noise, 10 % unmeasured and ``n_bad`` flows off by
    30-50 %."""
    from test_massbalance_bilinear import random_plant

    fs, true, meas, _ = random_plant(n_nodes, 1, seed, unmeasured=0.1)
    rng = np.random.default_rng(seed)
    f = true["mass"].to_numpy()
    sd = pd.DataFrame({"mass": 0.02 * f + 0.05}, index=true.index)
    m = pd.DataFrame({"mass": f + rng.normal(size=f.size) * sd["mass"].to_numpy()},
                     index=true.index).where(meas[["mass"]].notna())
    bad = rng.choice(np.flatnonzero(m["mass"].notna()), n_bad, replace=False)
    m.iloc[bad, 0] *= 1 + rng.choice([-1, 1], n_bad) * rng.uniform(0.3, 0.5, n_bad)
    return fs, m.clip(lower=0.01).where(m.notna()), sd


def _both_ways(fs, m, sd, monkeypatch):
    from resourcekit.massbalance import _tests

    fast = fs.reconcile(m, sd, solver="sparse")
    monkeypatch.setattr(_tests, "_ON_ONE_FACTOR", False)  # re-solve after every step
    slow = fs.reconcile(m, sd, solver="sparse")
    monkeypatch.setattr(_tests, "_ON_ONE_FACTOR", True)
    return fast, slow


@pytest.mark.parametrize("seed", [s for s in range(13) if s != 4])  # seed 4: none detected
def test_serial_elimination_on_one_factor_equals_a_resolve_per_step(seed, monkeypatch):
    """Each step as a Schur complement on the eliminated values gives what reconciling again
    without them gives: the same values eliminated in the same order, their estimates, the
    chi-square, degrees of freedom and z of every step, and the same final reconciliation."""
    fs, m, sd = _gross_survey(seed, (10, 20, 40)[seed % 3], n_bad=1 + seed % 4)
    fast, slow = _both_ways(fs, m, sd, monkeypatch)
    a, b = fast.suspects, slow.suspects
    assert list(a["stream"]) == list(b["stream"]) and len(a) >= 1
    assert list(a["dof"]) == list(b["dof"])
    for col in ("estimate", "chi2", "z", "p_value"):
        np.testing.assert_allclose(a[col].to_numpy(float), b[col].to_numpy(float),
                                   rtol=1e-9, atol=1e-12, err_msg=col)
    np.testing.assert_allclose(fast.reconciled["mass"], slow.reconciled["mass"], rtol=1e-12)
    np.testing.assert_allclose(fast.sd["mass"], slow.sd["mass"], rtol=1e-9)
    assert fast.chi2 == pytest.approx(slow.chi2, rel=1e-12) and fast.dof == slow.dof


def test_equal_z_of_flows_in_series_eliminate_the_first_in_both_ways(monkeypatch):
    """Flows in series (one node between them, nothing else) have the same measurement-test z
    in exact arithmetic; rounding used to pick one or the other depending on the path. Now
    the first of them is eliminated, whichever way the steps are computed."""
    fs, m, sd = _gross_survey(6, 10, n_bad=3)
    fast, slow = _both_ways(fs, m, sd, monkeypatch)
    assert list(fast.suspects["stream"]) == list(slow.suspects["stream"])
    third = fast.suspects.iloc[2]
    ties = [s for s in fs.streams if s in ("m6", "f7", "p9")]
    assert third["stream"] == ties[0]  # the first in the flowsheet's order


def test_after_eliminating_one_of_two_parallel_streams_the_other_is_not_tested(monkeypatch):
    """Two streams in parallel between nodes a and b; s1 reads 60 where the balance says 45.
    Once s1 is eliminated, s2 is the only measured path from a to b: it is no longer redundant
    (no z, reconciled = measured) and the elimination stops with s1 estimated by hand from
    the other flows: feed - side - s2 = 100 - 10 - 45 = 45 = out - s2."""
    fs = Flowsheet.from_edges([("feed", None, "a"), ("s1", "a", "b"), ("s2", "a", "b"),
                               ("out", "b", None), ("side", "a", None)])
    m = pd.DataFrame({"mass": [100.0, 60.0, 45.0, 90.0, 10.0]}, index=list(fs.streams))
    sd = pd.DataFrame({"mass": [1.0, 0.5, 0.5, 1.0, 0.5]}, index=m.index)
    fast, slow = _both_ways(fs, m, sd, monkeypatch)
    for res in (fast, slow):
        assert list(res.suspects["stream"]) == ["s1"]
        assert res.suspects["estimate"].iloc[0] == pytest.approx(45.0, abs=1e-9)
        assert res.reconciled.loc["s2", "mass"] == pytest.approx(45.0, abs=1e-9)
        assert res.chi2 == pytest.approx(0.0, abs=1e-12) and res.dof == 1
        assert res.sd.loc["s2", "mass"] == pytest.approx(0.5, rel=1e-9)  # its own sd
