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
