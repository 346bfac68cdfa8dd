"""Flowsheets: nodes (process units), streams between them, and their balance matrix.

A flowsheet is a directed graph. Each stream runs from one node to another; ``None`` stands
for the outside of the flowsheet, so a stream from ``None`` is a feed and a stream to ``None``
is a product. The balance of node :math:`i` for a conserved quantity :math:`q_j` carried by
stream :math:`j` is

.. math:: \\sum_j A_{ij} q_j = 0, \\qquad A_{ij} = +1 \\text{ (stream j enters i)},\\;
   -1 \\text{ (j leaves i)},\\; 0 \\text{ otherwise.}

>>> fs = Flowsheet.from_edges([("feed", None, "cell"), ("conc", "cell", None),
...                             ("tail", "cell", None)])
>>> fs.incidence
      feed  conc  tail
cell     1    -1    -1
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ._base import FlowsheetBase, FlowsheetError
from ._measurements import Measurements, read_measurements

__all__ = ["Flowsheet", "FlowsheetError", "read_measurements", "Measurements"]


def _is_outside(node: Any) -> bool:
    if node is None:
        return True
    if isinstance(node, float) and np.isnan(node):
        return True
    return isinstance(node, str) and node.strip() == ""


class Flowsheet(FlowsheetBase):
    """Nodes and streams of a process, with the balance (incidence) matrix.

    Build one with :meth:`from_edges`. Streams keep the order given; nodes the order of
    first appearance.

    Parameters
    ----------
    edges : sequence of (stream, from_node, to_node)
        ``None`` (or NaN / empty string) for the outside.

    Raises
    ------
    FlowsheetError
        Duplicate stream names, a stream with no node at either end, a stream from a node to
        itself, or a node with no stream in or no stream out.
    """

    def __init__(self, edges: Sequence[tuple[Any, Any, Any]]) -> None:
        rows = []
        for k, edge in enumerate(edges):
            try:
                stream, src, dst = edge
            except (TypeError, ValueError) as err:
                raise FlowsheetError(
                    f"edges[{k}] = {edge!r}: expected a triple (stream, from_node, to_node)"
                ) from err
            src = None if _is_outside(src) else str(src)
            dst = None if _is_outside(dst) else str(dst)
            if _is_outside(stream):
                raise FlowsheetError(f"edges[{k}] = {edge!r}: the stream has no name")
            stream = str(stream)
            if src is None and dst is None:
                raise FlowsheetError(
                    f"stream {stream!r} has no node at either end (from_node and to_node are "
                    "both the outside); connect it to a process node"
                )
            if src is not None and src == dst:
                raise FlowsheetError(
                    f"stream {stream!r} runs from node {src!r} to itself; a balance cannot see "
                    "such a stream, drop it"
                )
            rows.append((stream, src, dst))
        if not rows:
            raise FlowsheetError("edges is empty: a flowsheet needs at least one stream")
        names = [r[0] for r in rows]
        if len(set(names)) < len(names):
            seen: set[str] = set()
            dup = sorted({n for n in names if n in seen or seen.add(n)})
            raise FlowsheetError(f"duplicate stream names {dup}: every stream needs its own name")
        nodes = list(dict.fromkeys(n for _, src, dst in rows for n in (src, dst) if n is not None))
        has_in = {r[2] for r in rows}
        has_out = {r[1] for r in rows}
        no_in = [n for n in nodes if n not in has_in]
        no_out = [n for n in nodes if n not in has_out]
        if no_in:
            raise FlowsheetError(
                f"node(s) {no_in} have no stream in: at steady state a node needs a way in and "
                "a way out (add the feed stream, or use None for the outside)"
            )
        if no_out:
            raise FlowsheetError(
                f"node(s) {no_out} have no stream out: at steady state a node needs a way in and "
                "a way out (add the product stream, or use None for the outside)"
            )
        self._edges = tuple(rows)
        self.streams: tuple[str, ...] = tuple(names)
        self.nodes: tuple[str, ...] = tuple(nodes)

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_edges(cls, edges: Iterable[tuple[Any, Any, Any]] | pd.DataFrame) -> Flowsheet:
        """Build a flowsheet from ``(stream, from_node, to_node)`` triples or a DataFrame.

        Parameters
        ----------
        edges : iterable of triples or pandas.DataFrame
            A DataFrame needs the columns ``stream``, ``from_node`` and ``to_node`` (``stream``
            may also be the index). Empty cells / ``None`` are the outside.

        Returns
        -------
        Flowsheet

        >>> fs = Flowsheet.from_edges([("F", None, "A"), ("P", "A", "B"), ("T", "A", None),
        ...                             ("C", "B", None), ("R", "B", "A")])
        >>> fs.nodes, fs.feeds, fs.products, fs.recycles
        (('A', 'B'), ('F',), ('T', 'C'), ('R',))
        """
        if isinstance(edges, pd.DataFrame):
            frame = edges
            if "stream" not in frame.columns and frame.index.name == "stream":
                frame = frame.reset_index()
            missing = [c for c in ("stream", "from_node", "to_node") if c not in frame.columns]
            if missing:
                raise FlowsheetError(
                    f"edges table lacks column(s) {missing}; expected columns stream, from_node, "
                    f"to_node (got {list(frame.columns)})"
                )
            triples = list(
                zip(frame["stream"], frame["from_node"], frame["to_node"], strict=True)
            )
            return cls(triples)
        return cls(list(edges))

    # ------------------------------------------------------------------ structure
    @property
    def edges(self) -> pd.DataFrame:
        """Streams as a table indexed by ``stream`` with ``from_node`` and ``to_node``."""
        frame = pd.DataFrame(self._edges, columns=["stream", "from_node", "to_node"])
        return frame.set_index("stream")

    @property
    def feeds(self) -> tuple[str, ...]:
        """Streams that come from the outside."""
        return tuple(s for s, src, _ in self._edges if src is None)

    @property
    def products(self) -> tuple[str, ...]:
        """Streams that leave to the outside."""
        return tuple(s for s, _, dst in self._edges if dst is None)

    @property
    def internal(self) -> tuple[str, ...]:
        """Streams between two process nodes."""
        return tuple(s for s, src, dst in self._edges if src is not None and dst is not None)

    @property
    def recycles(self) -> tuple[str, ...]:
        """Streams that close a loop (back edges of a depth-first walk from the feeds)."""
        return tuple(self.edges.index[self._back_edge_mask()])

    def _back_edge_mask(self) -> np.ndarray:
        out: dict[str, list[int]] = {n: [] for n in self.nodes}
        for j, (_, src, dst) in enumerate(self._edges):
            if src is not None and dst is not None:
                out[src].append(j)
        back = np.zeros(len(self._edges), dtype=bool)
        state: dict[str, int] = {n: 0 for n in self.nodes}  # 0 new, 1 on stack, 2 done
        starts = [dst for _, src, dst in self._edges if src is None and dst is not None]
        first = set(starts)
        starts += [n for n in self.nodes if n not in first]
        for start in starts:
            if state[start]:
                continue
            stack = [(start, iter(out[start]))]
            state[start] = 1
            while stack:
                node, it = stack[-1]
                for j in it:
                    nxt = self._edges[j][2]
                    if state[nxt] == 1:
                        back[j] = True
                    elif state[nxt] == 0:
                        state[nxt] = 1
                        stack.append((nxt, iter(out[nxt])))
                        break
                else:
                    state[node] = 2
                    stack.pop()
        return back

    def layers(self) -> pd.Series:
        """Column of each node in a left-to-right drawing (longest path from the feeds).

        Recycle streams are ignored, so the drawing runs from feed to products.
        """
        back = self._back_edge_mask()
        layer = {n: 0 for n in self.nodes}
        for _ in range(len(self.nodes)):
            changed = False
            for j, (_, src, dst) in enumerate(self._edges):
                if src is None or dst is None or back[j]:
                    continue
                if layer[dst] < layer[src] + 1:
                    layer[dst] = layer[src] + 1
                    changed = True
            if not changed:
                break
        return pd.Series(layer, name="layer", dtype=int)

    def _ends(self) -> np.ndarray:
        """(streams, 2) int array of node positions (from, to); len(nodes) = the outside.

        Computed once per flowsheet (the edges never change) and returned read-only.
        """
        ends = self.__dict__.get("_ends_cache")
        if ends is None:
            index = {n: i for i, n in enumerate(self.nodes)}
            out = len(self.nodes)
            ends = np.array([(out if s is None else index[s], out if d is None else index[d])
                             for _, s, d in self._edges], dtype=np.int64).reshape(-1, 2)
            ends.setflags(write=False)
            self.__dict__["_ends_cache"] = ends
        return ends

    def incidence_sparse(self) -> Any:
        """Balance matrix :math:`A` (nodes x streams) as a ``scipy.sparse.csr_array``."""
        from scipy import sparse

        ends = self._ends()
        m, n = len(self.nodes), len(self.streams)
        cols = np.arange(n)
        into, out_of = ends[:, 1] < m, ends[:, 0] < m
        rows = np.concatenate([ends[into, 1], ends[out_of, 0]])
        cols = np.concatenate([cols[into], cols[out_of]])
        vals = np.concatenate([np.ones(into.sum()), -np.ones(out_of.sum())])
        return sparse.csr_array((vals, (rows, cols)), shape=(m, n))

    @property
    def incidence(self) -> pd.DataFrame:
        """Balance matrix :math:`A` (nodes x streams): +1 into a node, -1 out of it."""
        dense = self.incidence_sparse().toarray().astype(int)
        return pd.DataFrame(dense, index=list(self.nodes), columns=list(self.streams))

    def __repr__(self) -> str:
        return (
            f"Flowsheet({len(self.nodes)} nodes, {len(self.streams)} streams: "
            f"{len(self.feeds)} feeds, {len(self.products)} products, "
            f"{len(self.recycles)} recycles)"
        )

    # ------------------------------------------------------------------ balances
    def imbalance(self, measured: pd.DataFrame) -> pd.DataFrame:
        """Node-by-node imbalance (in minus out) of mass and of each component.

        .. math:: r_i = \\sum_j A_{ij} F_j, \\qquad r_{ik} = \\sum_j A_{ij} F_j a_{jk}

        Parameters
        ----------
        measured : pandas.DataFrame
            Indexed by stream, a ``mass`` column [mass/time] and assay columns (mass fractions,
            or unit-named / pint columns converted with :mod:`resourcekit.units`).

        Returns
        -------
        pandas.DataFrame
            Indexed by node; column ``mass`` and one column per component, in the unit of the
            mass flow (component flows). NaN where a stream of the node lacks a value. A
            relative view: divide by the node's inflow.

        >>> fs = Flowsheet.from_edges([("feed", None, "cell"), ("conc", "cell", None),
        ...                             ("tail", "cell", None)])
        >>> m = pd.DataFrame({"mass": [100.0, 10.0, 88.0], "Cu": [0.02, 0.15, 0.005]},
        ...                  index=["feed", "conc", "tail"])
        >>> fs.imbalance(m)
              mass     Cu
        cell   2.0  0.06
        """
        data = read_measurements(self, measured)
        a = self.incidence_sparse().toarray()
        flows = data.values[:, :1]
        comp = data.values[:, 1:] * flows
        vals = np.column_stack([flows, comp])
        out = np.full((len(self.nodes), vals.shape[1]), np.nan)
        for i in range(len(self.nodes)):
            cols = np.nonzero(a[i])[0]
            block = vals[cols]
            good = np.all(np.isfinite(block), axis=0)
            out[i, good] = a[i, cols] @ block[:, good]
        return pd.DataFrame(out, index=list(self.nodes), columns=["mass", *data.components])

    def simulate(self, feed: pd.DataFrame, split: pd.DataFrame) -> pd.DataFrame:
        """Steady-state flows and assays from feed flows and split fractions (a true balance).

        Each node sends the fraction :math:`s_{jk}` of its inflow of component :math:`k` to
        its outlet stream :math:`j`; with recycles the component flows :math:`c` solve the
        linear system

        .. math:: c_j = s_{jk} \\sum_{l \\to i} c_l \\quad (j \\text{ leaves node } i), \\qquad
           c_j = c^{feed}_j \\quad (j \\text{ a feed}).

        Parameters
        ----------
        feed : pandas.DataFrame
            Indexed by feed stream; one column per component, in mass flow (all components,
            so that they add up to the feed's mass flow). [mass/time]
        split : pandas.DataFrame
            Indexed by outlet stream, same columns: share of the node's inflow of each
            component sent to that stream. [-] For each node one outlet may be left out; it
            takes the rest.

        Returns
        -------
        pandas.DataFrame
            Indexed by stream: ``mass`` and the assay (mass fraction) of each component.

        >>> fs = Flowsheet.from_edges([("feed", None, "cell"), ("conc", "cell", None),
        ...                             ("tail", "cell", None)])
        >>> feed = pd.DataFrame({"Cu": [2.0], "rest": [98.0]}, index=["feed"])
        >>> split = pd.DataFrame({"Cu": [0.9], "rest": [0.05]}, index=["conc"])
        >>> fs.simulate(feed, split).round(4)
                mass      Cu    rest
        stream
        feed   100.0  0.0200  0.9800
        conc     6.7  0.2687  0.7313
        tail    93.3  0.0021  0.9979
        """
        from ._simulate import simulate

        return simulate(self, feed, split)

    def reconcile(self, measured: pd.DataFrame, sd: pd.DataFrame | float, **options: Any) -> Any:
        """Reconcile measured flows (and assays) with this flowsheet.

        See :func:`resourcekit.massbalance.reconcile` for the parameters and the result.
        """
        from .reconcile import reconcile

        return reconcile(self, measured, sd, **options)

    # ------------------------------------------------------------------ drawing
    def chart(self, *, width: int = 560, height: int = 300) -> Any:
        """Draw the flowsheet as an altair chart: nodes in columns, recycles as dashed detours.

        Returns
        -------
        altair.LayerChart

        >>> fs = Flowsheet.from_edges([("F", None, "A"), ("P", "A", None)])
        >>> type(fs.chart()).__name__
        'LayerChart'
        """
        from ._drawing import chart

        return chart(self, width=width, height=height)
