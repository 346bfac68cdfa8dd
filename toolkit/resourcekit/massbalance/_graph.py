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
    # only the nodes the edges touch: a node without an edge changes no bridge, and a plant
    # of 20,000 nodes with a few unmeasured streams would walk them all (issue 23, item 4)
    touched, ends = np.unique(ends.ravel(), return_inverse=True)
    ends, n_nodes = ends.reshape(-1, 2), int(touched.size)
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


def _check_connected(fs: FlowsheetBase) -> None:
    """A flowsheet in several unconnected parts is almost always a misspelt node name."""
    ends = fs._ends()
    m = len(fs.nodes)
    inner = np.nonzero((ends[:, 0] < m) & (ends[:, 1] < m))[0]
    groups = _node_groups(m, ends, inner) if m else np.zeros(0, dtype=int)
    sizes = np.bincount(groups) if m else np.zeros(0, dtype=int)
    if sizes.size > 1:
        main = int(np.argmax(sizes))
        apart = [fs.nodes[i] for i in np.nonzero(groups != main)[0]]
        streams = [fs._edges[j][0] for j in range(len(fs.streams))
                   if any(e < m and groups[e] != main for e in ends[j])]
        raise FlowsheetError(
            f"the flowsheet falls apart: node(s) {apart[:8]} (streams {streams[:8]}) are not "
            f"connected to the other {int(sizes[main])} node(s). Check the node names of those "
            "streams (a misspelt name makes a new node), or reconcile each plant on its own"
        )


def _generic_unobservable(prob: _Problem, mask: np.ndarray) -> np.ndarray:
    """Values that no measured data could determine: the structural decision.

    The rank of the Jacobian of the balances in the unmeasured values at a random point
    (flows and assays drawn uniformly in (0.5, 1.5) x their typical size) is its generic
    rank with probability one; a value is generically unobservable where the null space
    of that Jacobian touches it (Crowe 1986; Kretsovalis & Mah 1988).
    """
    from scipy import linalg

    ui = np.nonzero(~mask)[0]
    out = np.zeros(prob.n * prob.ncol, dtype=bool)
    if not ui.size:
        return out
    rng = np.random.default_rng(20261207)
    z = prob.var_scale * rng.uniform(0.5, 1.5, prob.var_scale.size)
    z[prob.n:] = np.clip(z[prob.n:], 0.0, 1.0)
    _, jac = prob.constraints(z)
    ju = jac[:, ui]
    ju = ju / np.maximum(np.linalg.norm(ju, axis=0), 1e-300)[None, :]
    _, sv, vt = linalg.svd(ju, full_matrices=True)
    rank = int(np.sum(sv > 1e-9 * max(float(sv.max(initial=0.0)), 1e-300)))
    null = vt[rank:]
    out[ui] = np.linalg.norm(null, axis=0) > 1e-7 if null.size else False
    return out


def _unobservable_at(prob: _Problem, mask: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Values undetermined at ``z``: null space of the unmeasured Jacobian there (scaled)."""
    from scipy import linalg

    ui = np.nonzero(~mask)[0]
    out = np.zeros(prob.n * prob.ncol, dtype=bool)
    if not ui.size:
        return out
    _, jac = prob.constraints(z)
    su = np.maximum(np.abs(z[ui]), 1e-2 * prob.var_scale[ui])
    ju = jac[:, ui] * su[None, :]
    _, sv, vt = linalg.svd(ju, full_matrices=True)
    rank = int(np.sum(sv > 1e-10 * max(float(sv.max(initial=0.0)), 1e-300)))
    null = vt[rank:]
    out[ui] = np.linalg.norm(null, axis=0) > 1e-7 if null.size else False
    return out


#: above this many unmeasured values the dense rank checks are skipped (the solver's own
#: flags, from the sparse KKT matrix or the projection, are then taken as they are)
_RANK_CHECK_MAX = 3000


def _check_unobservable_loops(prob: _Problem, unobservable: np.ndarray,
                              sol: dict | None = None) -> None:
    """Refuse a loop of streams whose flows cannot be determined.

    Decided at the solution, structural first and numerical second (#23): a loop is refused
    when its flows are unobservable generically (:func:`_generic_unobservable`: no data of
    this pattern could determine them), or when the fit converged and the unmeasured
    Jacobian at the solution is rank deficient on them. A loop the solver flagged at a
    point that is not the solution (an unconverged fit) is not refused: the fit says it has
    not converged instead. (A 50-node plant was refused with "M0 and X16 form a loop" at an
    unconverged point; at its optimum the unmeasured Jacobian had full rank 38.)
    """
    blind = np.nonzero(unobservable[:prob.n])[0]
    cyc = _directed_cycle(prob.fs, blind)
    if not cyc:
        return
    if prob.ncol > 1 and sol is not None:
        mask = np.zeros(prob.n * prob.ncol, dtype=bool)
        mask[sol["xi"]] = True
        if int((~mask).sum()) <= _RANK_CHECK_MAX:
            pos = {s: j for j, s in enumerate(prob.fs.streams)}
            loop = np.array([pos[s] for s in cyc])
            generic = _generic_unobservable(prob, mask)
            if not generic[loop].any():
                if not sol["converged"]:
                    return  # flagged at a point that is not the solution
                at_solution = _unobservable_at(prob, mask, sol["z"])
                if not at_solution[loop].any():
                    return  # the solver's flag was round-off: full rank at the solution
                raise FlowsheetError(
                    f"the streams {cyc} form a loop whose flows the data could determine, "
                    "but not at this solution: there the assays around the loop cannot tell "
                    "a circulating flow apart (the unmeasured Jacobian is rank deficient). "
                    "Measure the mass flow of one of them"
                )
    raise FlowsheetError(
        f"the streams {cyc} form a loop whose flows cannot be determined from the "
        "measurements: any amount could circulate. Measure the mass flow of one of them"
    )
