"""Selected inverse (Takahashi) of the sparse flows-only path against a dense inverse."""

from __future__ import annotations

import numpy as np
import pytest
from resourcekit.massbalance import _sparse
from scipy import sparse
from scipy.sparse.linalg import splu


def _spd(n: int, seed: int):
    """A sparse SPD matrix like B V B^T of a flowsheet (graph Laplacian plus diagonal)."""
    rng = np.random.default_rng(seed)
    i = rng.integers(0, n, 3 * n)
    j = rng.integers(0, n, 3 * n)
    keep = i != j
    w = rng.uniform(0.5, 2.0, keep.sum())
    adj = sparse.coo_array((w, (i[keep], j[keep])), shape=(n, n)).tocsr()
    adj = adj + adj.T
    lap = sparse.diags_array(np.asarray(adj.sum(axis=1)).ravel()) - adj
    return (lap + sparse.diags_array(rng.uniform(0.1, 1.0, n))).tocsc()


@pytest.mark.parametrize("compiled", [True, False])
def test_selected_inverse_matches_dense_inverse(compiled, monkeypatch):
    s = _spd(120, seed=3)
    dense_inv = np.linalg.inv(s.toarray())
    pattern = sparse.coo_array(s)
    rows, cols = pattern.row, pattern.col
    if compiled:
        monkeypatch.setattr(_sparse, "_NUMBA_MIN_ROWS", 0)
        assert _sparse._takahashi_kernel() is not None  # numba comes with umap-learn
    else:
        monkeypatch.setattr(_sparse, "_takahashi_kernel", lambda: None)
    got = _sparse._selected_inverse(s, rows, cols, splu(s))
    np.testing.assert_allclose(got, dense_inv[rows, cols], rtol=1e-10, atol=1e-12)


def test_selected_inverse_diagonal_only():
    s = _spd(40, seed=4)
    d = np.arange(40)
    got = _sparse._selected_inverse(s, d, d, splu(s))
    np.testing.assert_allclose(got, np.diag(np.linalg.inv(s.toarray())), rtol=1e-10)


def test_bilinear_variances_without_full_covariance_equal_dense(monkeypatch):
    """Large bilinear results keep only variances and variance_of(); they equal the full
    covariance path (sd, recoveries with their sd, Sankey component-flow sd)."""
    from resourcekit.massbalance import _dense
    from test_massbalance_bilinear import random_plant

    fs, true, meas, sd = random_plant(12, 3, 2, unmeasured=0.3)
    full = fs.reconcile(meas, sd, identify="none")
    assert full.covariance is not None
    monkeypatch.setattr(_dense, "_FULL_COVARIANCE_MAX", 0)
    lean = fs.reconcile(meas, sd, identify="none")
    assert lean.covariance is None and lean.variance_of is not None
    np.testing.assert_allclose(lean.reconciled.to_numpy(), full.reconciled.to_numpy(),
                               rtol=1e-10, equal_nan=True)
    np.testing.assert_allclose(lean.sd.to_numpy(), full.sd.to_numpy(), rtol=1e-8,
                               atol=1e-12, equal_nan=True)
    assert np.isfinite(lean.sd.to_numpy()).sum() > 0.5 * lean.sd.size
    rec_full, rec_lean = full.recoveries(), lean.recoveries()
    np.testing.assert_allclose(rec_lean.to_numpy(dtype=float), rec_full.to_numpy(dtype=float),
                               rtol=1e-8, atol=1e-12, equal_nan=True)
    from resourcekit.massbalance.plot import _product_sd

    np.testing.assert_allclose(_product_sd(lean, 1), _product_sd(full, 1), rtol=1e-8,
                               atol=1e-12, equal_nan=True)


def _same_statistics(sparse_res, dense_res, rtol=1e-7):
    """Two reconciliations of one problem: same values, sd, tests and classifications."""
    np.testing.assert_allclose(sparse_res.reconciled.to_numpy(),
                               dense_res.reconciled.to_numpy(), rtol=1e-12, equal_nan=True)
    np.testing.assert_allclose(sparse_res.sd.to_numpy(), dense_res.sd.to_numpy(), rtol=rtol,
                               atol=1e-14, equal_nan=True)
    np.testing.assert_allclose(sparse_res.chi2, dense_res.chi2, rtol=1e-12)
    assert sparse_res.dof == dense_res.dof
    assert (sparse_res.redundancy == dense_res.redundancy).all().all()
    assert (sparse_res.unobservable == dense_res.unobservable).all().all()
    np.testing.assert_allclose(sparse_res.measurement_tests.to_numpy(dtype=float),
                               dense_res.measurement_tests.to_numpy(dtype=float),
                               rtol=1e-5, atol=1e-8, equal_nan=True)
    np.testing.assert_allclose(sparse_res.recoveries().to_numpy(dtype=float),
                               dense_res.recoveries().to_numpy(dtype=float),
                               rtol=1e-6, atol=1e-12, equal_nan=True)


@pytest.mark.parametrize(("nodes", "seed", "unmeasured", "rel_sd", "case"), [
    (100, 1, 0.25, 0.03, "plain"),       # 204 streams, 5 assays: nothing on a bound
    (12, 15, 0.8, 0.1, "bound"),         # two assays on their bound
    (40, 3, 0.6, 0.03, "bound"),         # an assay on its bound 0, still observable
    (20, 1, 0.7, 0.03, "unobservable"),  # 3 unobservable c2 assays
])
def test_bilinear_sparse_statistics_equal_dense(nodes, seed, unmeasured, rel_sd, case):
    """The statistics from the sparse KKT matrix (covariance = leading block of K^-1) equal
    the dense projection's: sd to 1e-7 relative (measured: 2e-10; the 1e-13 diagonal that
    keeps K regular where a value is unobservable moves them by about that much), the same
    degrees of freedom, unobservable and redundant values, measurement tests, and
    recoveries with their sd (through variance_of)."""
    import warnings

    from test_massbalance_bilinear import random_plant

    fs, true, meas, sd = random_plant(nodes, 5 if nodes == 100 else 3, seed,
                                      unmeasured=unmeasured, rel_sd=rel_sd)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dense = fs.reconcile(meas, sd, identify="none", solver="dense")
        lean = fs.reconcile(meas, sd, identify="none", solver="sparse")
    assert lean.convergence.solver == "sparse" and dense.convergence.solver == "dense"
    # the case each parameter set is about
    assert dense.unobservable.to_numpy().any() == (case == "unobservable")
    assert bool(dense.convergence.at_bound) == (case == "bound")
    _same_statistics(lean, dense)


def test_bilinear_auto_uses_sparse_statistics_above_2000_values(monkeypatch):
    import importlib

    rc = importlib.import_module("resourcekit.massbalance.reconcile")
    from test_massbalance_bilinear import random_plant

    fs, true, meas, sd = random_plant(30, 3, 2, unmeasured=0.25)
    assert fs.reconcile(meas, sd, identify="none").convergence.solver == "dense"
    monkeypatch.setattr(rc, "_SPARSE_BILINEAR_MIN", 10)
    res = fs.reconcile(meas, sd, identify="none")
    assert res.convergence.solver == "sparse"
    assert res.covariance is None and np.isfinite(res.sd.to_numpy()).sum() > 0.5 * res.sd.size


def test_bilinear_sparse_statistics_with_serial_elimination():
    """Serial gross-error elimination re-solves with the sparse statistics: the same steps
    and final result as the dense path (one assay x 1.5 planted)."""
    import warnings

    from test_massbalance_bilinear import random_plant

    fs, true, meas, sd = random_plant(20, 3, 4, unmeasured=0.2, rel_sd=0.02)
    cell = meas["c1"].dropna().index[3]
    meas.loc[cell, "c1"] *= 1.5
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dense = fs.reconcile(meas, sd, solver="dense")
        lean = fs.reconcile(meas, sd, solver="sparse")
    assert (lean.eliminated["stream"].tolist() == dense.eliminated["stream"].tolist())
    assert (cell, "c1") in set(zip(dense.eliminated["stream"], dense.eliminated["column"],
                                   strict=True))
    _same_statistics(lean, dense)


@pytest.mark.parametrize("compiled", [True, False])
def test_lookup_on_a_pattern_finds_entries_and_refuses_missing_ones(compiled):
    """The selected inverse reads Z at the wanted (row, col) pairs from the factor's pattern;
    an entry off the pattern must give None (the caller then uses block solves), never a
    neighbour's value."""
    # columns 0..2 of a CSC pattern: col 0 rows {1, 3}, col 1 rows {2}, col 2 rows {}
    ptr = np.array([0, 2, 3, 3], dtype=np.int64)
    idx = np.array([1, 3, 2], dtype=np.int64)
    flat = np.array([10.0, 30.0, 21.0])
    got = _sparse._on_pattern(ptr, idx, flat, np.array([0, 1, 0]), np.array([3, 2, 1]),
                              compiled)
    assert got is not None and got.tolist() == [30.0, 21.0, 10.0]
    for col, row in ((0, 2), (2, 3), (1, 3)):
        assert _sparse._on_pattern(ptr, idx, flat, np.array([col]), np.array([row]),
                                   compiled) is None
