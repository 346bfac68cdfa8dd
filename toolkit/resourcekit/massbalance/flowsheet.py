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

__all__ = ["Flowsheet", "FlowsheetError", "read_measurements", "Measurements"]


class FlowsheetError(ValueError):
    """A flowsheet or a measurement table does not describe a valid balance."""


def _is_outside(node: Any) -> bool:
    if node is None:
        return True
    if isinstance(node, float) and np.isnan(node):
        return True
    return isinstance(node, str) and node.strip() == ""


class Flowsheet:
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

    def incidence_sparse(self) -> Any:
        """Balance matrix :math:`A` (nodes x streams) as a ``scipy.sparse.csr_array``."""
        from scipy import sparse

        index = {n: i for i, n in enumerate(self.nodes)}
        rows, cols, vals = [], [], []
        for j, (_, src, dst) in enumerate(self._edges):
            if dst is not None:
                rows.append(index[dst])
                cols.append(j)
                vals.append(1.0)
            if src is not None:
                rows.append(index[src])
                cols.append(j)
                vals.append(-1.0)
        return sparse.csr_array(
            (vals, (rows, cols)), shape=(len(self.nodes), len(self.streams))
        )

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
        comps = list(feed.columns)
        missing = [c for c in comps if c not in split.columns]
        if missing:
            raise KeyError(f"split lacks component column(s) {missing} of feed")
        bad_feed = [s for s in feed.index if s not in self.feeds]
        if bad_feed:
            raise KeyError(f"feed lists {bad_feed}, which are not feed streams {self.feeds}")
        unknown = [s for s in split.index if s not in self.streams]
        if unknown:
            raise KeyError(f"split lists unknown stream(s) {unknown}")
        n = len(self.streams)
        sindex = {s: j for j, s in enumerate(self.streams)}
        flows = np.zeros((n, len(comps)))
        for k, comp in enumerate(comps):
            mat = np.eye(n)
            rhs = np.zeros(n)
            for node in self.nodes:
                ins = [sindex[s] for s, _, d in self._edges if d == node]
                outs = [s for s, a, _ in self._edges if a == node]
                given = [s for s in outs if s in split.index]
                if len(given) < len(outs) - 1:
                    raise ValueError(
                        f"split: node {node!r} has outlets {outs}; give the split of all but "
                        "one of them"
                    )
                shares = {s: float(split.loc[s, comp]) for s in given}
                rest = [s for s in outs if s not in given]
                total = sum(shares.values())
                if rest:
                    shares[rest[0]] = 1.0 - total
                if any(v < -1e-12 for v in shares.values()) or abs(sum(shares.values()) - 1) > 1e-9:
                    raise ValueError(
                        f"split of component {comp!r} at node {node!r} is {shares}: shares must "
                        "be >= 0 and add up to 1"
                    )
                for s, share in shares.items():
                    mat[sindex[s], ins] -= share
            for s in self.feeds:
                rhs[sindex[s]] = float(feed.loc[s, comp]) if s in feed.index else 0.0
            flows[:, k] = np.linalg.solve(mat, rhs)
        mass = flows.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            assays = np.where(mass[:, None] > 0, flows / mass[:, None], 0.0)
        out = pd.DataFrame(assays, index=pd.Index(list(self.streams), name="stream"),
                           columns=comps)
        out.insert(0, "mass", mass)
        return out

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
        import altair as alt

        layer = self.layers()
        pos: dict[Any, tuple[float, float]] = {}
        for lay in sorted(set(layer)):
            members = [n for n in self.nodes if layer[n] == lay]
            for k, node in enumerate(members):
                pos[node] = (float(lay) + 1.0, (k + 1) / (len(members) + 1))
        back = self._back_edge_mask()
        points, mids, ends = [], [], []
        n_back = 0
        for j, (stream, src, dst) in enumerate(self._edges):
            if src is None:
                x2, y2 = pos[dst]
                x1, y1 = 0.0, y2 + 0.04 * (self.feeds.index(stream) % 3)
                ends.append({"x": x1, "y": y1, "label": stream})
            else:
                x1, y1 = pos[src]
            if dst is None:
                siblings = [s_ for s_, a_, b_ in self._edges if a_ == src and b_ is None]
                k = siblings.index(stream)
                if layer[src] == max(layer):  # last column: products fan out to the right
                    x2 = x1 + 0.8
                    y2 = y1 + 0.15 * (k - (len(siblings) - 1) / 2)
                else:  # elsewhere they drop out below their node
                    x2, y2 = x1 + 0.3 + 0.15 * k, y1 - 0.3 - 0.08 * k
                ends.append({"x": x2, "y": y2, "label": stream})
            else:
                x2, y2 = pos[dst]
            if back[j]:
                kind = "recycle"
                # detour below the drawing, one lane per recycle
                n_back += 1
                lane = -0.02 - 0.06 * n_back
                path = [(x1, y1), (x1, lane), (x2, lane), (x2, y2)]
            else:
                kind = "feed" if src is None else ("product" if dst is None else "stream")
                path = [(x1, y1), (x2, y2)]
            for order, (px, py) in enumerate(path):
                points.append({"stream": stream, "order": order, "x": px, "y": py,
                               "kind": kind, "from": src or "outside", "to": dst or "outside"})
            mid = len(path) // 2
            mx = (path[mid - 1][0] + path[mid][0]) / 2
            my = (path[mid - 1][1] + path[mid][1]) / 2
            if src is not None and dst is not None:  # feeds and products are named at their ends
                mids.append({"stream": stream, "x": mx, "y": my})
        lowest = min(min(p["y"] for p in points), -0.06 * n_back) - 0.1
        scale_x = alt.Scale(domain=[-0.3, max(p["x"] for p in points) + 0.4])
        scale_y = alt.Scale(domain=[lowest, 1.2])
        lines = alt.Chart(pd.DataFrame(points)).mark_line(strokeWidth=2).encode(
            x=alt.X("x:Q", scale=scale_x, axis=None),
            y=alt.Y("y:Q", scale=scale_y, axis=None),
            detail="stream:N",
            order="order:O",
            color=alt.Color("kind:N", title="stream", scale=alt.Scale(
                domain=["feed", "stream", "product", "recycle"],
                range=["#1f77b4", "#7f7f7f", "#2ca02c", "#d62728"])),
            strokeDash=alt.condition(
                alt.datum.kind == "recycle", alt.value([5, 3]), alt.value([1, 0])
            ),
            tooltip=["stream:N", "from:N", "to:N", "kind:N"],
        )
        labels = alt.Chart(pd.DataFrame(mids, columns=["stream", "x", "y"])).mark_text(
            dy=-7, fontSize=10).encode(x="x:Q", y="y:Q", text="stream:N")
        nodes = pd.DataFrame([{"node": n, "x": p[0], "y": p[1]} for n, p in pos.items()])
        boxes = alt.Chart(nodes).mark_square(size=500, color="#444").encode(
            x="x:Q", y="y:Q", tooltip=["node:N"]
        )
        names = alt.Chart(nodes).mark_text(dy=20, fontWeight="bold").encode(
            x="x:Q", y="y:Q", text="node:N"
        )
        layers = [lines, labels, boxes, names]
        if ends:
            layers.append(
                alt.Chart(pd.DataFrame(ends)).mark_text(fontStyle="italic", dy=12).encode(
                    x="x:Q", y="y:Q", text="label:N"
                )
            )
        return alt.layer(*layers).properties(width=width, height=height)


# ---------------------------------------------------------------------- measurements
class Measurements:
    """Measured values read into plain numbers (mass flows, assays as fractions).

    Attributes
    ----------
    values : ndarray (streams x (1 + components))
        Column 0 the mass flow, then assays as mass fractions; NaN = not measured.
    components : list of str
        Component names (assay columns without their unit).
    columns : list
        The column names as given, in the same order as ``values``.
    factors : ndarray
        What each column was multiplied by to reach ``values`` (1 for mass and plain
        fractions, 0.01 for ``%`` ...).
    """

    def __init__(self, values: np.ndarray, components: list[str], columns: list[Any],
                 factors: np.ndarray, streams: tuple[str, ...]) -> None:
        self.values = values
        self.components = components
        self.columns = columns
        self.factors = factors
        self.streams = streams

    def to_frame(self, values: np.ndarray) -> pd.DataFrame:
        """Plain values back to a table in the caller's columns and units."""
        return pd.DataFrame(
            values / self.factors, index=pd.Index(list(self.streams), name="stream"),
            columns=list(self.columns),
        )


def _column_values(series: pd.Series) -> tuple[np.ndarray, Any]:
    """Magnitudes of a column and its pint unit, if its values are quantities."""
    import pint

    if hasattr(series, "pint"):
        try:
            return np.asarray(series.pint.magnitude, dtype=float), series.pint.units
        except Exception:  # noqa: BLE001 - not a pint dtype after all
            pass
    vals = series.to_numpy()
    if vals.dtype == object and any(isinstance(v, pint.Quantity) for v in vals):
        units = {str(v.units) for v in vals if isinstance(v, pint.Quantity)}
        first = next(v for v in vals if isinstance(v, pint.Quantity))
        mags = [
            v.to(first.units).magnitude if isinstance(v, pint.Quantity) else np.nan
            for v in vals
        ]
        del units
        return np.asarray(mags, dtype=float), first.units
    try:
        return np.asarray(vals, dtype=float), None
    except (TypeError, ValueError) as err:
        raise FlowsheetError(
            f"column {series.name!r} holds non-numeric values: expected numbers (NaN = not "
            "measured) or pint quantities"
        ) from err


def read_measurements(flowsheet: Flowsheet, measured: pd.DataFrame,
                      name: str = "measured") -> Measurements:
    """Check and convert a measurement table (rows: streams, columns: mass and assays).

    Parameters
    ----------
    flowsheet : Flowsheet
    measured : pandas.DataFrame
        Indexed by stream. A ``mass`` column (also ``"mass [t/h]"`` or pint quantities) and
        assay columns: mass fractions 0-1, or columns whose name or values carry a unit
        (``"Cu [%]"``, ``"Au_ppm"``). NaN = not measured. Streams of the flowsheet that are
        missing from the index are not measured.
    name : str
        Name of the parameter in error messages.

    Returns
    -------
    Measurements

    Raises
    ------
    KeyError
        No ``mass`` column, or a stream name the flowsheet does not have.
    ValueError
        Negative flows, assays outside [0, 1], non-numeric values.
    """
    from ..units import fraction_factor, split_unit

    if not isinstance(measured, pd.DataFrame):
        raise TypeError(
            f"{name} must be a pandas DataFrame indexed by stream, got {type(measured).__name__}"
        )
    if measured.index.has_duplicates:
        dup = sorted({str(s) for s in measured.index[measured.index.duplicated()]})
        raise FlowsheetError(f"{name} lists stream(s) {dup} twice")
    known = set(flowsheet.streams)
    unknown = [s for s in measured.index if str(s) not in known]
    if unknown:
        raise KeyError(
            f"{name} has stream(s) {unknown} that the flowsheet does not have; its streams are "
            f"{list(flowsheet.streams)}"
        )
    mass_cols = [c for c in measured.columns if split_unit(c)[0].lower() == "mass"]
    if not mass_cols:
        raise KeyError(
            f"{name} has no 'mass' column (got {list(measured.columns)}): give the mass flow of "
            "each stream in a column named 'mass' (NaN where not measured)"
        )
    if len(mass_cols) > 1:
        raise FlowsheetError(f"{name} has several mass columns {mass_cols}; keep one")
    mass_col = mass_cols[0]
    frame = measured.copy()
    frame.index = [str(s) for s in frame.index]
    frame = frame.reindex(list(flowsheet.streams))
    columns = [mass_col] + [c for c in measured.columns if c != mass_col]
    values = np.empty((len(flowsheet.streams), len(columns)))
    factors = np.ones(len(columns))
    components: list[str] = []
    for k, col in enumerate(columns):
        mags, unit = _column_values(frame[col])
        base, name_unit = split_unit(col)
        if k == 0:
            values[:, 0] = mags
            bad = np.nonzero(mags < 0)[0]
            if bad.size:
                s = flowsheet.streams[bad[0]]
                raise FlowsheetError(
                    f"{name}: mass flow of stream {s!r} is {mags[bad[0]]:g} < 0; flows must be "
                    "non-negative (a stream that runs the other way needs its ends swapped)"
                )
            continue
        unit = unit if unit is not None else name_unit
        factor = 1.0
        if unit is not None:
            try:
                factor = fraction_factor(unit)
            except ValueError as err:
                raise FlowsheetError(f"{name} column {col!r}: {err}") from err
        fr = mags * factor
        bad = np.nonzero((fr < 0) | (fr > 1))[0]
        if bad.size:
            s = flowsheet.streams[bad[0]]
            shown = f"{mags[bad[0]]:g}" + (f" (= {fr[bad[0]]:g} as a mass fraction)"
                                             if factor != 1.0 else "")
            raise FlowsheetError(
                f"{name} column {col!r}, stream {s!r}: assay {shown} is outside "
                "[0, 1]; assays are mass fractions 0-1, or name the unit in the column "
                "('Cu [%]', 'Au [g/t]') or pass pint quantities"
            )
        values[:, k] = fr
        factors[k] = factor
        if base in components or base.lower() == "mass":
            raise FlowsheetError(f"{name} has two columns for component {base!r}")
        components.append(base)
    return Measurements(values, components, columns, factors, flowsheet.streams)
