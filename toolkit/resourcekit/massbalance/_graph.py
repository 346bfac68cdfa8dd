"""Graph algorithms on the flowsheet, all by :mod:`scipy.sparse.csgraph`.

- node groups joined by a set of streams: connected components;
- bridges (streams on no cycle) of the undirected graph of unmeasured streams: a depth-first
  tree from :func:`~scipy.sparse.csgraph.depth_first_order` and the low-point criterion
  (Tarjan 1974): the tree edge into :math:`x` is a bridge iff no back edge leaves the subtree
  of :math:`x` to a proper ancestor, :math:`\\mathrm{low}(x) \\ge \\mathrm{pre}(x)`;
- a directed loop of streams: a strongly connected component with more than one node.

References
----------
Tarjan R.E. (1974) A note on finding the bridges of a graph. Inf. Process. Lett. 2(6):160-161,
doi:10.1016/0020-0190(74)90003-9.
"""

from __future__ import annotations

import numpy as np

from ._base import FlowsheetBase, FlowsheetError
from ._problem import _Problem

__all__: list[str] = []


def _node_groups(n_nodes: int, ends: np.ndarray, streams: np.ndarray) -> np.ndarray:
    """Group label of each node once the two ends of each of ``streams`` are joined."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    e = ends[np.asarray(streams, dtype=int)]
    graph = coo_matrix((np.ones(len(e)), (e[:, 0], e[:, 1])), shape=(n_nodes, n_nodes))
    return connected_components(graph, directed=False)[1]


def _bridges(ends: np.ndarray, n_nodes: int) -> np.ndarray:
    """Which edges of an undirected multigraph (edge k joins ``ends[k]``) are bridges."""
    from scipy import sparse
    from scipy.sparse.csgraph import connected_components, depth_first_order

    ends = np.asarray(ends, dtype=np.int64).reshape(-1, 2)
    n_edges = len(ends)
    out = np.zeros(n_edges, dtype=bool)
    if n_edges == 0:
        return out
    lo, hi = np.minimum(ends[:, 0], ends[:, 1]), np.maximum(ends[:, 0], ends[:, 1])
    key = lo * (n_nodes + 1) + hi
    uniq, inv, mult = np.unique(key, return_inverse=True, return_counts=True)
    u_lo, u_hi = uniq // (n_nodes + 1), uniq % (n_nodes + 1)
    # one virtual root joined to one node of each component: a single depth-first search
    _, comp = connected_components(
        sparse.coo_matrix((np.ones(uniq.size), (u_lo, u_hi)), shape=(n_nodes, n_nodes)),
        directed=False)
    firsts = np.unique(comp, return_index=True)[1]
    root = n_nodes
    rows = np.concatenate([u_lo, u_hi, np.full(firsts.size, root), firsts])
    cols = np.concatenate([u_hi, u_lo, firsts, np.full(firsts.size, root)])
    graph = sparse.csr_array((np.ones(rows.size), (rows, cols)), shape=(n_nodes + 1,) * 2)
    order, pred = depth_first_order(graph, root, directed=False, return_predecessors=True)
    pre = np.full(n_nodes + 1, -1)
    pre[order] = np.arange(order.size)
    is_tree = (pred[u_hi] == u_lo) | (pred[u_lo] == u_hi)
    # low(x): smallest preorder reachable by one back edge from x
    low = pre.copy()
    back = ~is_tree
    np.minimum.at(low, u_lo[back], pre[u_hi[back]])
    np.minimum.at(low, u_hi[back], pre[u_lo[back]])
    low_l, pred_l = low.tolist(), pred.tolist()
    for x in order[::-1].tolist():  # subtree minimum, children before parents
        p = pred_l[x]
        if p >= 0 and low_l[x] < low_l[p]:
            low_l[p] = low_l[x]
    low = np.asarray(low_l)
    child = np.where(pred[u_hi] == u_lo, u_hi, u_lo)
    bridge_pair = is_tree & (low[child] >= pre[child]) & (mult == 1)
    out[:] = bridge_pair[inv]
    return out


def _directed_cycle(fs: FlowsheetBase, streams: np.ndarray) -> list[str]:
    """Streams (of the given internal ones) that lie on a directed loop, or []."""
    from scipy import sparse
    from scipy.sparse.csgraph import connected_components

    m = len(fs.nodes)
    ends = fs._ends()
    streams = np.asarray(streams, dtype=np.int64)
    inner = streams[(ends[streams, 0] < m) & (ends[streams, 1] < m)]
    if not inner.size:
        return []
    src, dst = ends[inner, 0], ends[inner, 1]
    graph = sparse.coo_matrix((np.ones(len(inner)), (src, dst)), shape=(m, m))
    _, label = connected_components(graph, directed=True, connection="strong")
    sizes = np.bincount(label)
    on_loop = (label[src] == label[dst]) & (sizes[label[src]] > 1)
    if not on_loop.any():
        return []
    first = label[src][on_loop][0]
    return [fs._edges[j][0] for j, ok, lab in zip(inner.tolist(), on_loop, label[src],
                                                  strict=True)
            if ok and lab == first]


def _check_unmeasured_loops(prob: _Problem) -> None:
    """A closed loop of streams with nothing measured on them can never be determined."""
    vals = prob.meas.values
    blind = np.nonzero(~np.isfinite(vals).any(axis=1))[0]
    cyc = _directed_cycle(prob.fs, blind)
    if cyc:
        raise FlowsheetError(
            f"the streams {cyc} form a loop with nothing measured on them: the flow around "
            "the loop cannot be determined from the balances (any amount could circulate). "
            "Measure the mass flow (or assays) of at least one of them"
        )


def _check_unobservable_loops(prob: _Problem, unobservable: np.ndarray) -> None:
    blind = np.nonzero(unobservable[:prob.n])[0]
    cyc = _directed_cycle(prob.fs, blind)
    if cyc:
        raise FlowsheetError(
            f"the streams {cyc} form a loop whose flows cannot be determined from the "
            "measurements: any amount could circulate. Measure the mass flow of one of them"
        )
