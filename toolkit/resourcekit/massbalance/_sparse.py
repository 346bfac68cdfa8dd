"""Sparse flows-only solver: node groups, a sparse factorisation of the reduced balance,
the diagonal of the covariance by Takahashi's recursion, observable unmeasured flows."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ._base import FlowsheetError
from ._graph import _bridges, _node_groups
from ._problem import _Problem


def _solve_sparse_linear(prob: _Problem, meas_mask: np.ndarray) -> dict[str, Any]:
    """Flows-only closed form with sparse algebra; unmeasured streams by graph contraction.

    The left null space of the unmeasured columns of an incidence matrix is spanned by the
    indicator rows of the groups of nodes joined by unmeasured streams (those joined to the
    outside drop out), and an unmeasured stream is observable exactly when it is a bridge of
    the graph of unmeasured streams (Mah et al. 1976; Kretsovalis & Mah 1987).
    """
    from scipy import sparse

    n, m = prob.n, prob.m
    fs = prob.fs
    ends = fs._ends()
    xi = np.nonzero(meas_mask)[0]
    ui = np.nonzero(~meas_mask)[0]
    # groups of nodes joined by unmeasured streams (node m = outside)
    roots = _node_groups(m + 1, ends, ui)
    outside = roots[m]
    inside = np.nonzero(roots[:m] != outside)[0]  # nodes not joined to the outside
    groups, prow = np.unique(roots[inside], return_inverse=True)
    pmat = sparse.csr_array(
        (np.ones(inside.size), (prow.ravel(), inside)), shape=(groups.size, m)
    )
    bmat = (pmat @ prob.a[:, xi]).tocsc()
    bmat.eliminate_zeros()
    xm = prob.values[xi]
    v = prob.var[xi]
    if np.any(v <= 0):
        raise FlowsheetError(
            "the sparse solver needs every sd > 0; use solver='dense' for fixed values"
        )
    r = bmat @ xm
    smat = (bmat @ sparse.diags_array(v) @ bmat.T).tocsc()
    keep_rows = np.asarray(abs(smat).sum(axis=1)).ravel() > 0
    bmat = bmat[keep_rows]
    smat = smat[keep_rows][:, keep_rows].tocsc()
    r = r[keep_rows]
    lu = _symmetric_lu(smat)
    lam = lu.solve(r)
    x_hat = xm - v * (bmat.T @ lam)
    chi2 = float(r @ lam)
    dof = int(smat.shape[0])
    # diag(V B^T S^-1 B V): b_j^T S^-1 b_j needs S^-1 only where two balances share a stream
    bcsc = bmat.tocsc()
    bcsc.sort_indices()
    counts = np.diff(bcsc.indptr)
    pr, pc, pj, pw = [], [], [], []
    for c in np.unique(counts[counts > 0]):
        cols_c = np.nonzero(counts == c)[0]
        starts = bcsc.indptr[cols_c]
        idx = starts[:, None] + np.arange(c)[None, :]  # (columns, c) positions in data
        r_, v_ = bcsc.indices[idx], bcsc.data[idx]
        for a_ in range(c):
            for b_ in range(c):
                pr.append(r_[:, a_])
                pc.append(r_[:, b_])
                pj.append(cols_c)
                pw.append(v_[:, a_] * v_[:, b_])
    quad = np.zeros(xi.size)
    if pr:
        entries = _selected_inverse(smat, np.concatenate(pr), np.concatenate(pc), lu,
                                    factor=lu)
        np.add.at(quad, np.concatenate(pj), np.concatenate(pw) * entries)
    va_diag = v * v * quad
    z = np.full(n, np.nan)
    z[xi] = x_hat
    unobs = np.zeros(n, dtype=bool)
    if ui.size:
        bridges = _bridges(ends[ui], m + 1)
        unobs[ui[~bridges]] = True
        peeled, coef = _peel(z, ends, ui[bridges], prob.a, x_hat, xi, m)
    var = np.full(n, np.nan)
    var[xi] = v - va_diag
    if ui.size and len(peeled):
        # z_u = c^T x_hat: var = c^T V c - (B V c)^T S^-1 (B V c), in blocks of columns
        vc = coef.multiply(v[None, :]).tocsr()  # rows: c^T V
        first = np.asarray(vc.multiply(coef).sum(axis=1)).ravel()
        w = (bmat @ vc.T).tocsc()
        second = np.empty(len(peeled))
        for start in range(0, len(peeled), 256):
            block = w[:, start:start + 256].toarray()
            second[start:start + 256] = np.sum(block * lu.solve(block), axis=0)
        var[np.asarray(peeled)] = first - second
    redundant = np.zeros(n, dtype=bool)
    redundant[xi] = np.diff(bmat.tocsc().indptr) > 0
    pos = np.full(n, -1)
    pos[xi] = np.arange(xi.size)
    peel_rows = {j: t for t, j in enumerate(peeled)} if ui.size else {}

    def variance_of(grad: np.ndarray) -> float:
        """Variance of grad^T z (z: reconciled flows) from the sparse factor."""
        c = np.zeros(xi.size)
        for j in np.nonzero(grad)[0]:
            if pos[j] >= 0:
                c[pos[j]] += grad[j]
            elif j in peel_rows:
                c += grad[j] * coef[[peel_rows[j]]].toarray().ravel()
            else:
                return float("nan")  # depends on an unobservable flow
        w = bmat @ (v * c)
        return float(c @ (v * c) - w @ lu.solve(w))

    return {
        "variance_of": variance_of,
        "z": z, "cov": None, "var": var, "va_diag": va_diag, "xi": xi, "chi2": chi2,
        "dof": dof, "unobservable": unobs, "redundant": redundant, "iterations": 1,
        "converged": True, "step": 0.0, "solver": "sparse",
        # for serial elimination on this factor (_elimination.SparseElimination)
        "factor": {"bmat": bmat, "lu": lu, "v": v, "xm": xm, "r": r, "lam": lam},
    }


def _symmetric_lu(s_mat: Any) -> Any:
    """SuperLU factor of an SPD matrix with symmetric ordering and no pivoting, so that
    L is the factor of :math:`L D L^T` that :func:`_selected_inverse` needs; a plain
    pivoted LU when that fails."""
    from scipy import sparse
    from scipy.sparse.linalg import splu

    s_csc = sparse.csc_matrix(s_mat)
    try:
        return splu(s_csc, permc_spec="MMD_AT_PLUS_A", diag_pivot_thresh=0.0,
                    options={"SymmetricMode": True})
    except RuntimeError:
        return splu(s_csc)


def _selected_inverse(s_mat: Any, rows: np.ndarray, cols: np.ndarray, lu: Any,
                      factor: Any = None) -> np.ndarray:
    r"""Entries ``(rows[t], cols[t])`` of the inverse of a sparse SPD matrix.

    Takahashi et al. (1973) equations on the pattern of a symmetric sparse factorisation
    :math:`S = L D L^T`: for i = n-1 ... 0, with K the rows below i in column i of L,

    .. math:: Z_{iK} = -L_{Ki}^T Z_{KK}, \qquad Z_{ii} = 1/d_i - L_{Ki}^T Z_{Ki}.

    Only entries on the pattern of L are formed and stored (column by column), so time and
    memory follow the fill of the factor, not n^2. Falls back to block solves with the LU
    factors ``lu`` only when no symmetric factorisation is found. ``factor``: a
    factorisation from :func:`_symmetric_lu` to reuse (else one is computed).

    References
    ----------
    Takahashi K., Fagan J., Chen M.S. (1973) Formation of a sparse bus impedance matrix and its
    application to short circuit study. Proc. 8th PICA Conference, 63-69. Erisman A.M.,
    Tinney W.F. (1975) On computing certain elements of the inverse of a sparse matrix.
    Commun. ACM 18(3):177-179, doi:10.1145/360680.360704.
    """
    from scipy import sparse
    from scipy.sparse.linalg import splu

    n = s_mat.shape[0]
    if n == 0 or rows.size == 0:
        return np.zeros(rows.size)
    if factor is None:
        try:
            factor = splu(sparse.csc_matrix(s_mat), permc_spec="MMD_AT_PLUS_A",
                          diag_pivot_thresh=0.0, options={"SymmetricMode": True})
        except RuntimeError:
            factor = None
    if factor is not None and np.array_equal(factor.perm_r, factor.perm_c):
        lower = factor.L.tocsc()
        lower.sort_indices()
        d = factor.U.diagonal()
        if np.all(d > 0):
            indptr, indices, data = lower.indptr, lower.indices, lower.data
            # strictly lower part of L (the unit diagonal dropped), column by column
            col_all = np.repeat(np.arange(n, dtype=np.int64), np.diff(indptr))
            below = indices > col_all
            sub_indices = indices[below].astype(np.int64)
            sub_data = data[below].astype(np.float64)
            counts = np.bincount(col_all[below], minlength=n).astype(np.int64)
            sub_ptr = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)
            flat = None
            kernel = _takahashi_kernel() if n >= _NUMBA_MIN_ROWS else None
            if kernel is not None:
                zflat = np.empty(sub_data.size)
                zdiag = np.empty(n)
                if kernel(sub_ptr, sub_indices, sub_data, d.astype(np.float64), zflat, zdiag):
                    flat = zflat
            if flat is None:
                flat, zdiag = _takahashi_python(n, sub_ptr, sub_indices, sub_data, d)
            pos = factor.perm_c
            p, q = pos[rows], pos[cols]
            lo, hi = np.minimum(p, q), np.maximum(p, q)
            out = zdiag[lo].copy()
            off = lo != hi
            if not off.any():
                return out
            found = _on_pattern(sub_ptr, sub_indices, flat, lo[off], hi[off], kernel is not None)
            if found is not None:
                out[off] = found
                return out
    # fallback (no symmetric factorisation): columns of the inverse by block solves
    out = np.empty(rows.size)
    for start in range(0, n, 512):
        block = np.zeros((n, min(512, n - start)))
        block[np.arange(start, start + block.shape[1]), np.arange(block.shape[1])] = 1.0
        cols_inv = lu.solve(block)
        hit = (cols >= start) & (cols < start + block.shape[1])
        out[hit] = cols_inv[rows[hit], cols[hit] - start]
    return out


def _on_pattern(ptr: np.ndarray, idx: np.ndarray, flat: np.ndarray, cols: np.ndarray,
                rows: np.ndarray, compiled: bool) -> np.ndarray | None:
    """Values ``flat`` stored at ``(rows[t], cols[t])`` of a CSC pattern with sorted row
    indices, or None when an entry is not on the pattern.

    Compiled: a binary search within each entry's column (a few dozen rows), which was 13 ms
    of a 0.18 s reconciliation at 100,000 streams as one ``searchsorted`` over all keys.
    """
    if compiled:
        lookup = _lookup_kernel()
        if lookup is not None:
            got = np.empty(cols.size)
            ok = lookup(ptr, idx, flat, cols.astype(np.int64), rows.astype(np.int64), got)
            return got if ok else None
    n = ptr.size - 1
    keys = np.repeat(np.arange(n, dtype=np.int64), np.diff(ptr)) * n + idx
    want = cols.astype(np.int64) * n + rows
    at = np.minimum(np.searchsorted(keys, want), max(keys.size - 1, 0))
    if keys.size and np.all(keys[at] == want):
        return flat[at]
    return None


_LOOKUP: list[Any] = []


def _numba_compiled(slot: list[Any], build: Callable[[Any], Any]) -> Any:
    """``build(numba)`` once per process, kept in ``slot``; None where numba is missing
    (numba is imported on first use only: ``import resourcekit`` stays fast)."""
    if not slot:
        try:
            import numba
        except ImportError:  # pragma: no cover - numba comes with umap-learn
            slot.append(None)
        else:
            slot.append(build(numba))
    return slot[0]


def _lookup_kernel() -> Any:
    """The compiled lookup of :func:`_on_pattern` (numba, imported on first use), or None."""
    return _numba_compiled(_LOOKUP, _build_lookup)


def _build_lookup(numba: Any) -> Any:
    @numba.njit(cache=True, nogil=True)
    def lookup(ptr, idx, flat, cols, rows, out):  # pragma: no cover - compiled
        for t in range(cols.size):
            lo, hi = ptr[cols[t]], ptr[cols[t] + 1]
            end = hi
            while lo < hi:
                mid = (lo + hi) // 2
                if idx[mid] < rows[t]:
                    lo = mid + 1
                else:
                    hi = mid
            if lo >= end or idx[lo] != rows[t]:
                return False
            out[t] = flat[lo]
        return True

    return lookup


def _takahashi_python(n: int, ptr: np.ndarray, idx: np.ndarray, val: np.ndarray,
                      d: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Takahashi's recursion in plain numpy (reference; used when numba is missing).

    Returns Z on the strictly lower pattern of L (laid out as ``idx``) and diag(Z).
    """
    zflat = np.empty(val.size)
    zdiag = np.empty(n)
    for i in range(n - 1, -1, -1):
        ks, ls = idx[ptr[i]:ptr[i + 1]], val[ptr[i]:ptr[i + 1]]
        if ks.size:
            zkk = np.empty((ks.size, ks.size))
            for a, k1 in enumerate(ks.tolist()):
                zkk[a, a] = zdiag[k1]
                if a + 1 < ks.size:
                    col = idx[ptr[k1]:ptr[k1 + 1]]
                    at = ptr[k1] + np.searchsorted(col, ks[a + 1:])
                    got = zflat[np.minimum(at, max(val.size - 1, 0))]
                    zkk[a, a + 1:] = got
                    zkk[a + 1:, a] = got
            zik = -(ls @ zkk)
            zflat[ptr[i]:ptr[i + 1]] = zik
            zdiag[i] = 1.0 / d[i] - ls @ zik
        else:
            zdiag[i] = 1.0 / d[i]
    return zflat, zdiag


_KERNEL: list[Any] = []
#: Below this many balances the numpy loop (about 50 ms at 1000) beats importing numba (~1 s).
_NUMBA_MIN_ROWS = 1000


def _takahashi_kernel() -> Any:
    """Takahashi's recursion compiled with numba (imported on first use), or None.

    Same equations as :func:`_selected_inverse`, over the CSC arrays of the strictly lower
    part of L (row indices sorted). Returns False when an entry needed is not on the
    pattern (the caller then uses the numpy version).
    """
    return _numba_compiled(_KERNEL, _build_takahashi)


def _build_takahashi(numba: Any) -> Any:
    @numba.njit(cache=True, nogil=True)
    def kernel(ptr, idx, val, d, zflat, zdiag):  # pragma: no cover - compiled
        n = d.size
        for i in range(n - 1, -1, -1):
            p0, p1 = ptr[i], ptr[i + 1]
            for a in range(p0, p1):
                ka = idx[a]
                acc = val[a] * zdiag[ka]
                for b in range(p0, p1):
                    if b == a:
                        continue
                    kb = idx[b]
                    # Z[kb, ka] lives in column min(kb, ka) at row max(kb, ka)
                    if kb < ka:
                        col, row = kb, ka
                    else:
                        col, row = ka, kb
                    lo, hi = ptr[col], ptr[col + 1]
                    while lo < hi:
                        mid = (lo + hi) // 2
                        if idx[mid] < row:
                            lo = mid + 1
                        else:
                            hi = mid
                    if lo >= ptr[col + 1] or idx[lo] != row:
                        return False
                    acc += val[b] * zflat[lo]
                zflat[a] = -acc
            s = 0.0
            for a in range(p0, p1):
                s += val[a] * zflat[a]
            zdiag[i] = 1.0 / d[i] - s
        return True

    return kernel


def _peel(z: np.ndarray, ends: np.ndarray, bridge_streams: np.ndarray, a: Any,
          x_hat: np.ndarray, xi: np.ndarray, m: int) -> tuple[list[int], Any]:
    """Flows of observable unmeasured streams (bridges) from node balances, leaf by leaf.

    Returns the streams filled and, for each, the coefficients :math:`c` (over the measured
    streams) with :math:`z_j = c^T \\hat x`: the net measured flow into the nodes cut off by
    stream :math:`j`, so that its variance follows from the covariance of :math:`\\hat x`.
    """
    from scipy import sparse

    # groups: nodes joined by non-bridge unmeasured streams are merged
    unmeasured = np.setdiff1d(np.arange(len(ends)), xi)
    cyc = np.setdiff1d(unmeasured, bridge_streams)
    grp = _node_groups(m + 1, ends, cyc)
    imb = np.zeros(m + 1)
    a_x = sparse.csr_array(a[:, xi])
    node_imb = a_x @ x_hat
    np.add.at(imb, grp[:m], node_imb)
    inc: dict[int, list[int]] = {}
    for j in bridge_streams:
        for end in ends[j]:
            inc.setdefault(int(grp[end]), []).append(int(j))
    outside = int(grp[m])
    # the nodes of each group that a bridge touches (the only ones peeled), without a Python
    # pass over every node of the plant
    order = np.argsort(grp[:m], kind="stable")
    keys, starts = np.unique(grp[:m][order], return_index=True)
    ends_ = [*starts[1:].tolist(), m]
    bounds = dict(zip(keys.tolist(), zip(starts.tolist(), ends_, strict=True), strict=True))
    members: dict[int, list[int]] = {
        g: order[bounds[g][0]:bounds[g][1]].tolist() for g in inc if g in bounds}
    peeled: list[int] = []
    coef_rows = []
    queue = [g for g, lst in inc.items() if len(lst) == 1 and g != outside]
    done = set()
    while queue:
        g = queue.pop()
        live = [j for j in inc[g] if j not in done]
        if len(live) != 1 or g == outside:
            continue
        j = live[0]
        into_g = grp[ends[j, 1]] == g
        sign = 1.0 if into_g else -1.0
        flow = -imb[g] / sign
        z[j] = flow
        done.add(j)
        other = int(grp[ends[j, 0]] if into_g else grp[ends[j, 1]])
        imb[other] += -sign * flow
        mem = members.get(g, [])
        coef_rows.append(sparse.csr_array(  # - (sum of the group's rows) / sign, kept sparse
            sparse.csr_array(np.full((1, len(mem)), -1.0 / sign)) @ a_x[mem]))
        peeled.append(j)
        members.setdefault(other, []).extend(mem)
        left = [e for e in inc[other] if e not in done]
        if len(left) == 1 and other != outside:
            queue.append(other)
    if not coef_rows:
        return peeled, sparse.csr_array((0, xi.size))
    return peeled, sparse.vstack(coef_rows).tocsr()
