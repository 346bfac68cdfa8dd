"""Drawing of a flowsheet as an altair chart (nodes in columns, recycles as detours)."""

from __future__ import annotations

from typing import Any

import pandas as pd

__all__ = ["chart"]


def chart(fs: Any, *, width: int = 560, height: int = 300) -> Any:
    """The body of :meth:`Flowsheet.chart` (see there for parameters, equation and example)."""
    import altair as alt

    layer = fs.layers()
    pos: dict[Any, tuple[float, float]] = {}
    for lay in sorted(set(layer)):
        members = [n for n in fs.nodes if layer[n] == lay]
        for k, node in enumerate(members):
            pos[node] = (float(lay) + 1.0, (k + 1) / (len(members) + 1))
    back = fs._back_edge_mask()
    points, mids, ends = [], [], []
    n_back = 0
    for j, (stream, src, dst) in enumerate(fs._edges):
        if src is None:
            x2, y2 = pos[dst]
            x1, y1 = 0.0, y2 + 0.04 * (fs.feeds.index(stream) % 3)
            ends.append({"x": x1, "y": y1, "label": stream})
        else:
            x1, y1 = pos[src]
        if dst is None:
            siblings = [s_ for s_, a_, b_ in fs._edges if a_ == src and b_ is None]
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
