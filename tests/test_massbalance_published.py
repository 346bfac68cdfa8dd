"""Published linear reconciliation problems (issue 11, item 5).

Measured values, variances and balance matrices are transcribed from E. C. do Valle's
collection of benchmark problems from the literature (github.com/EDSONCV/dr-ged-benchmarks,
``data_reconciliation/linear/scilab/P<k>/P<k>.sce``, 2011), which names the original source of
each. We could not check these numbers against the original papers' tables, and the
collection gives no reconciled values, so no published reconciled value is asserted here:
each problem is tested on invariants (every balance closes, rank(A) degrees of freedom,
reconciliation never makes a value less precise) and against the closed form
:math:`\\hat x = x - V A^T (A V A^T)^{-1} A x` computed independently from the published matrix
(Kuehn & Davidson 1961; Narasimhan & Jordache 2000, eq. 3.8). Tolerance 1e-10: two exact
computations in double precision.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from resourcekit.massbalance import Flowsheet

PROBLEMS = {
    # Rao R.R., Narasimhan S. (1996) Ind. Eng. Chem. Res. 35:1362, doi:10.1021/ie940538b
    # (3 streams, 1 unit); variances 3 % of the value, "proposed by" do Valle.
    "rao_narasimhan_1996": (
        [9.22, 4.83, 3.22], None, [[1, -1, -1]]),
    # Dovi V.G., Solisio C. (2001) Chem. Eng. J. 84:309 (6 streams, 3 units); variances
    # "proposed by" do Valle.
    "dovi_solisio_2001": (
        [11, 9.9, 21.25, 11.1, 7, 3.8],
        [0.032, 0.026, 0.120, 0.033, 0.052, 0.015],
        [[1, 1, -1, 0, 0, 0], [0, -1, 1, -1, 0, 0], [0, 0, 0, 1, -1, -1]]),
    # Zhang Z., Shao Z., Chen X., Wang K., Qian J. (2010) Comput. Chem. Eng. 34:154,
    # atmospheric tower (12 streams, 3 units); standard deviations from the paper.
    "zhang_2010_atmospheric_tower": (
        [190.26, 174.71, 3.1157, 32.458, 33.474, 7.3519, 0.31392, 92.432, 29.118, 24.275,
         18.225, 54.838],
        list(np.square([2.1412, 1.9484, 0.0341, 0.3451, 0.4001, 0.0868, 0.00356, 1.0594,
                        0.3607, 0.3001, 0.20011, 0.6453])),
        [[1, -1, 1, 0, 0, 0, 0, 0, 0, 0, -1, 0],
         [0, 1, 0, -1, -1, -1, -1, -1, 1, 0, 1, -1],
         [0, 0, -1, 0, 0, 0, 0, 0, -1, -1, 0, 1]]),
    # Narasimhan S., Jordache C. (2000) Data Reconciliation and Gross Error Detection, Gulf:
    # heat exchanger with by-pass (6 streams, 4 units), unit variances.
    "narasimhan_jordache_2000_bypass": (
        [101.91, 64.45, 34.65, 64.2, 36.44, 98.88], [1.0] * 6,
        [[1, -1, -1, 0, 0, 0], [0, 1, 0, -1, 0, 0], [0, 0, 1, 0, -1, 0],
         [0, 0, 0, 1, 1, -1]]),
    # Yang Y., Ten R., Jao L. (1995) Comput. Chem. Eng. 19S:S217 (8 streams, 4 units).
    "yang_1995": (
        [110.1, 41.1, 79, 30.6, 108.3, 19.8, 55, 39],
        [3.234, 1.803, 1.665, 0.999, 3.129, 0.418, 3.228, 1.623],
        [[1, -1, 0, 0, 0, 0, -1, 0], [0, 1, -1, 0, 0, 0, 0, 1], [0, 0, 1, 1, -1, 0, 0, 0],
         [0, 0, 0, 0, 0, -1, 1, -1]]),
}


def flowsheet_from_matrix(jac):
    """Streams s1..sn between units u1..um: +1 enters, -1 leaves; a lone +1 is a feed."""
    jac = np.asarray(jac)
    edges = []
    for j in range(jac.shape[1]):
        into = np.nonzero(jac[:, j] > 0)[0]
        out = np.nonzero(jac[:, j] < 0)[0]
        assert len(into) <= 1 and len(out) <= 1
        edges.append((f"s{j + 1}", f"u{out[0] + 1}" if len(out) else None,
                       f"u{into[0] + 1}" if len(into) else None))
    return Flowsheet.from_edges(edges)


@pytest.mark.parametrize("name", list(PROBLEMS))
def test_published_problem(name):
    x, var, jac = PROBLEMS[name]
    x = np.asarray(x, dtype=float)
    var = (0.03 * x) ** 2 if var is None else np.asarray(var, dtype=float)
    a = np.asarray(jac, dtype=float)
    fs = flowsheet_from_matrix(a)
    # the transcription: our incidence matrix is the published one
    np.testing.assert_array_equal(
        fs.incidence.loc[[f"u{i + 1}" for i in range(a.shape[0])]].to_numpy(), a)
    index = [f"s{j + 1}" for j in range(a.shape[1])]
    meas = pd.DataFrame({"mass": x}, index=index)
    sd = pd.DataFrame({"mass": np.sqrt(var)}, index=index)
    res = fs.reconcile(meas, sd, identify="none")
    # independent closed form from the published matrix
    v = np.diag(var)
    s = a @ v @ a.T
    lam = np.linalg.solve(s, a @ x)
    x_hat = x - v @ a.T @ lam
    cov = v - v @ a.T @ np.linalg.solve(s, a @ v)
    np.testing.assert_allclose(res.reconciled["mass"].to_numpy(), x_hat, rtol=1e-10)
    np.testing.assert_allclose(res.sd["mass"].to_numpy(), np.sqrt(np.diag(cov)), rtol=1e-8)
    np.testing.assert_allclose(res.chi2, (a @ x) @ lam, rtol=1e-10)
    assert res.dof == np.linalg.matrix_rank(a)
    np.testing.assert_allclose(a @ res.reconciled["mass"].to_numpy(), 0.0,
                               atol=1e-10 * x.max())
    assert (res.sd["mass"].to_numpy() <= np.sqrt(var) * (1 + 1e-12)).all()
    # the sparse path gives the same answer
    sp = fs.reconcile(meas, sd, identify="none", solver="sparse")
    np.testing.assert_allclose(sp.reconciled["mass"], res.reconciled["mass"], rtol=1e-10)
    np.testing.assert_allclose(sp.sd["mass"], res.sd["mass"], rtol=1e-8)
