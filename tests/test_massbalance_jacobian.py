"""The bilinear solver's matrices, built from the incidence matrix's entries (issue 25's speed
work), equal their definitions over wide inputs: zero flows and zero assays (where entries
vanish and must not be stored), 1 to 4 columns, and the published flowsheets of
tests/test_massbalance_published.py (do Valle's benchmark collection) besides our own
rougher-cleaner-scavenger circuit. Equal matrices give the solver the same steps, so the
reconciled values cannot change with the way the matrices are assembled."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import RCS_EDGES
from hypothesis import given, settings
from hypothesis import strategies as st
from resourcekit.massbalance import Flowsheet
from resourcekit.massbalance._bilinear import _kkt, _scaled, balances, constraints
from scipy import sparse
from test_massbalance_published import PROBLEMS, flowsheet_from_matrix

SHEETS = {"rcs": Flowsheet.from_edges(RCS_EDGES),
          **{name: flowsheet_from_matrix(p[2]) for name, p in PROBLEMS.items()}}


def _dense_jacobian(a: np.ndarray, z: np.ndarray, ncol: int) -> np.ndarray:
    """d g / d z written out: rows (component k, node i), columns (column k, stream j)."""
    m, n = a.shape
    jac = np.zeros((m * ncol, n * ncol))
    jac[:m, :n] = a
    for k in range(1, ncol):
        jac[k * m:(k + 1) * m, :n] = a * z[k * n:(k + 1) * n]
        jac[k * m:(k + 1) * m, k * n:(k + 1) * n] = a * z[:n]
    return jac


# values with many exact zeros: a zero flow or assay removes entries from the Jacobian
VALUE = st.one_of(st.just(0.0), st.floats(1e-6, 1e4, allow_nan=False))
ASSAY = st.one_of(st.just(0.0), st.just(1.0), st.floats(0.0, 1.0, allow_nan=False))


@st.composite
def problems(draw):
    name = draw(st.sampled_from(sorted(SHEETS)))
    a = SHEETS[name].incidence_sparse()
    n, ncol = a.shape[1], draw(st.integers(1, 4))
    flows = draw(st.lists(VALUE, min_size=n, max_size=n))
    assays = draw(st.lists(ASSAY, min_size=n * (ncol - 1), max_size=n * (ncol - 1)))
    return name, sparse.csr_array(a), np.asarray(flows + assays, dtype=float), ncol


@settings(max_examples=150, deadline=None)
@given(problems())
def test_balances_and_jacobian_equal_their_definitions(problem):
    name, a, z, ncol = problem
    dense = a.toarray()
    n = a.shape[1]
    expected_g = np.concatenate([dense @ z[:n]] + [dense @ (z[:n] * z[k * n:(k + 1) * n])
                                                   for k in range(1, ncol)])
    np.testing.assert_allclose(balances(a, z, ncol), expected_g, rtol=1e-12, atol=1e-9)
    g, jac = constraints(a, z, ncol)
    np.testing.assert_allclose(g, expected_g, rtol=1e-12, atol=1e-9)
    np.testing.assert_array_equal(jac.toarray(), _dense_jacobian(dense, z, ncol))
    assert np.all(jac.data != 0), f"{name}: a zero entry is stored"


@settings(max_examples=100, deadline=None)
@given(problems(), st.data())
def test_scaling_and_kkt_equal_their_definitions(problem, data):
    _, a, z, ncol = problem
    _, jac = constraints(a, z, ncol)
    rows = np.asarray(data.draw(st.lists(st.floats(1e-6, 1e6), min_size=jac.shape[0],
                                         max_size=jac.shape[0])))
    cols = np.asarray(data.draw(st.lists(st.floats(1e-6, 1e6), min_size=jac.shape[1],
                                         max_size=jac.shape[1])))
    js = _scaled(jac, rows, cols)
    np.testing.assert_allclose(js.toarray(), np.diag(rows) @ jac.toarray() @ np.diag(cols),
                               rtol=1e-14)
    free = np.flatnonzero(data.draw(st.lists(st.booleans(), min_size=jac.shape[1],
                                             max_size=jac.shape[1])))
    jf = js[:, free]
    h = np.asarray(data.draw(st.lists(st.floats(1e-8, 1e8), min_size=free.size,
                                      max_size=free.size)))
    reg = data.draw(st.sampled_from([0.0, 1e-12, 1e-8]))
    kkt = _kkt(h, jf, reg)
    dj = jf.toarray()
    expected = np.block([[np.diag(h), dj.T], [dj, -reg * np.eye(dj.shape[0])]])
    np.testing.assert_array_equal(kkt.toarray(), expected)
    # the (2, 2) diagonal is stored even when zero, as block_array stored it: the sparse LU
    # sees the same pattern whatever the regularisation
    assert kkt.nnz == h.size + 2 * jf.nnz + dj.shape[0]


@pytest.mark.parametrize("name", sorted(SHEETS))
def test_every_sheet_has_entries(name):
    """The property tests above draw from real incidence matrices, not empty ones."""
    assert SHEETS[name].incidence_sparse().nnz >= 3
