"""Material-flow (Sankey) diagrams of a balanced flowsheet.

Plotly draws the Sankey: it is well kept, its figures are interactive in JupyterLab and on a
static HTML page (the book serves plotly.js itself, no internet needed), export to SVG/PNG
(``fig.write_image`` with kaleido, or the camera button), and its Sankey trace lays out
networks with cycles, so a recycle stream is drawn as a loop back to its node. Altair (the
toolkit's other chart library) has no Sankey mark.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .flowsheet import Flowsheet, read_measurements

__all__ = ["sankey", "write_image"]

_COLORS = {
    "feed": "rgba(31, 119, 180, 0.45)",
    "stream": "rgba(127, 127, 127, 0.40)",
    "product": "rgba(44, 160, 44, 0.45)",
    "recycle": "rgba(214, 39, 40, 0.55)",
}


def sankey(
    data: Any,
    component: str | None = None,
    *,
    flowsheet: Flowsheet | None = None,
    unit: str = "",
    title: str | None = None,
) -> Any:
    """Sankey diagram of the mass flow, or of one component's flow, through a flowsheet.

    Parameters
    ----------
    data : ReconciliationResult or pandas.DataFrame
        A reconciliation result (its reconciled values and standard deviations are shown),
        or a table indexed by stream with a ``mass`` column and assay columns, plus either
        ``flowsheet=`` or the columns ``from_node`` and ``to_node``.
    component : str, optional
        Component to draw (a component name such as ``"Cu"`` or its column name); link width
        :math:`F_j a_{jk}`. None: total mass flow :math:`F_j`.
    flowsheet : Flowsheet, optional
        Topology when ``data`` is a plain table without ``from_node``/``to_node``.
    unit : str
        Unit of the mass flow, for labels (e.g. ``"t/h"``).
    title : str, optional

    Returns
    -------
    plotly.graph_objects.Figure
        Feeds enter from the left, products leave to the right, recycle streams are drawn
        in red as loops back upstream. Unobservable flows are left out and named in the
        title.

    Examples
    --------
    >>> import pandas as pd
    >>> flows = pd.DataFrame({"from_node": [None, "cell", "cell"],
    ...                       "to_node": ["cell", None, None], "mass": [100.0, 10.0, 90.0]},
    ...                      index=["feed", "conc", "tail"])
    >>> fig = sankey(flows)
    >>> list(fig.data[0].link.value)
    [100.0, 10.0, 90.0]
    """
    import plotly.graph_objects as go

    from ._results import ReconciliationResult

    sd_tab = None
    if isinstance(data, ReconciliationResult):
        fs = data.flowsheet
        table = data.reconciled
        sd_tab = data.sd
    elif isinstance(data, pd.DataFrame):
        table = data
        if flowsheet is not None:
            fs = flowsheet
        elif {"from_node", "to_node"} <= set(data.columns):
            edges = data[["from_node", "to_node"]].copy()
            edges.insert(0, "stream", [str(s) for s in data.index])
            fs = Flowsheet.from_edges(edges)
            table = data.drop(columns=["from_node", "to_node"])
        else:
            raise ValueError(
                "sankey(data) with a plain table needs flowsheet=... or the columns "
                "'from_node' and 'to_node'"
            )
    else:
        raise TypeError(
            f"data must be a ReconciliationResult or a DataFrame, got {type(data).__name__}"
        )
    if not isinstance(fs, Flowsheet):
        raise TypeError(f"flowsheet must be a Flowsheet, got {type(fs).__name__}")
    raw = table.to_numpy(dtype=float)
    # round-off below zero (e.g. -1e-13 for a flow that balances to 0) is drawn as zero;
    # a clearly negative value (a stream that runs the other way) is left out and named
    finite = np.isfinite(raw)
    big = np.nanmax(np.abs(np.where(finite, raw, np.nan)), axis=0, initial=0.0)
    tiny = finite & (raw < 0) & (raw >= -1e-9 * np.maximum(big, 1e-300))
    if sd_tab is not None:
        sdv = sd_tab.reindex(index=table.index, columns=table.columns).to_numpy(dtype=float)
        tiny |= finite & (raw < 0) & (raw >= -np.nan_to_num(sdv, nan=0.0))
    negative = finite & (raw < 0) & ~tiny
    clean = table.where(finite & (raw >= 0) | tiny, np.nan).mask(
        pd.DataFrame(tiny, index=table.index, columns=table.columns), 0.0)
    neg_streams = [str(s) for s in table.index[negative[:, 0]]]
    meas = read_measurements(fs, clean, name="data")
    flows = meas.values[:, 0]
    label = "mass"
    if component is None:
        values = flows.copy()
        sds = None if sd_tab is None else sd_tab.iloc[:, 0].reindex(list(fs.streams)).to_numpy()
    else:
        names = list(meas.components)
        cols = list(meas.columns[1:])
        if component in names:
            k = names.index(component)
        elif component in cols:
            k = cols.index(component)
        else:
            raise KeyError(f"component {component!r} not in the data; choose one of {names}")
        label = names[k]
        values = flows * meas.values[:, k + 1]
        sds = None
        if sd_tab is not None and (data.covariance is not None
                                   or data.variance_of is not None):
            sds = _product_sd(data, k + 1)
    back = fs._back_edge_mask()
    node_labels = list(fs.nodes)
    index = {n: i for i, n in enumerate(fs.nodes)}
    # fixed positions: process nodes in columns by their layer, spread within a column, so
    # that recycles from different nodes leave from different heights (one loop each)
    layer = fs.layers()
    n_layers = int(layer.max()) + 1
    node_x, node_y = [], []
    for node in fs.nodes:
        members = [nd for nd in fs.nodes if layer[nd] == layer[node]]
        node_x.append(0.12 + 0.76 * (layer[node] + 0.5) / n_layers)
        node_y.append(0.1 + 0.8 * (members.index(node) + 0.5) / len(members))
    src, dst, val, colors, hover, missing = [], [], [], [], [], []
    for j, (stream, a, b) in enumerate(fs._edges):
        if not np.isfinite(values[j]):
            if stream not in neg_streams:
                missing.append(stream)
            continue
        if a is None:
            node_labels.append(stream)
            s = len(node_labels) - 1
            node_x.append(0.01)
            node_y.append(node_y[index[b]])
            kind = "feed"
        else:
            s = index[a]
        if b is None:
            node_labels.append(stream)
            t = len(node_labels) - 1
            node_x.append(min(node_x[index[a]] + 0.5 / n_layers, 0.99))
            node_y.append(min(node_y[index[a]] + 0.06 * (1 + sum(
                1 for e in fs._edges[:j] if e[1] == a and e[2] is None)), 0.99))
            kind = "product"
        else:
            t = index[b]
        if a is not None and b is not None:
            kind = "recycle" if back[j] else "stream"
        src.append(s)
        dst.append(t)
        val.append(float(values[j]))
        colors.append(_COLORS[kind])
        extra = ""
        if sds is not None and np.isfinite(sds[j]):
            extra = f" ± {sds[j]:.3g}"
        hover.append(f"{stream} ({kind}): {values[j]:.4g}{extra} {unit}".strip())
    heading = title or f"{label} flow" + (f" [{unit}]" if unit else "")
    if missing:
        heading += f"<br><sub>not shown (unobservable): {', '.join(missing)}</sub>"
    if neg_streams:
        heading += f"<br><sub>not shown (negative): {', '.join(neg_streams)}</sub>"
    fig = go.Figure(
        go.Sankey(
            arrangement="freeform",
            valueformat=".4g",
            node={"label": node_labels, "pad": 18, "thickness": 14,
                  "color": "rgba(60, 60, 60, 0.8)", "x": node_x, "y": node_y},
            link={"source": src, "target": dst, "value": val, "color": colors,
                  "customdata": hover, "hovertemplate": "%{customdata}<extra></extra>"},
        )
    )
    fig.update_layout(title_text=heading, font_size=12, height=420)
    return fig


def write_image(fig: Any, path: Any, *, format: str | None = None, scale: float = 2.0
                ) -> Any:
    """Export a plotly figure (e.g. a :func:`sankey`) to SVG, PNG or PDF, offline.

    kaleido (>= 1) drives a headless Chromium through choreographer; this points it at the
    system browser (``/usr/bin/chromium`` on Debian, or ``chromium``/``google-chrome`` on the
    PATH) through the ``BROWSER_PATH`` variable when that is not set already.

    Parameters
    ----------
    fig : plotly.graph_objects.Figure
    path : str or pathlib.Path
        Output file; the format follows its suffix unless ``format`` is given. An existing
        file is not overwritten (FileExistsError).
    format : {"svg", "png", "pdf", "jpeg", "webp"}, optional
    scale : float
        Pixel scale of raster formats. [-]

    Returns
    -------
    pathlib.Path
        The file written.
    """
    import os
    import shutil
    from pathlib import Path

    from ..errors import OptionError

    out = Path(path)
    fmt = (format or out.suffix.lstrip(".")).lower()
    allowed = ("svg", "png", "pdf", "jpeg", "jpg", "webp")
    if fmt not in allowed:
        raise OptionError(f"format = {fmt!r} (from {str(out)!r}); expected one of {allowed}")
    if out.exists():
        raise FileExistsError(f"{str(out)!r} exists; choose another name or remove it first")
    if not os.environ.get("BROWSER_PATH"):
        for name in ("/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome"):
            found = shutil.which(name)
            if found:
                os.environ["BROWSER_PATH"] = found
                break
    fig.write_image(str(out), format="jpeg" if fmt == "jpg" else fmt, scale=scale)
    return out


def _product_sd(result: Any, k: int) -> np.ndarray:
    """Standard deviation of each component flow F_j a_jk (first-order propagation)."""
    from .recoveries import propagate

    n = len(result.flowsheet.streams)
    vals = result.reconciled.to_numpy(dtype=float) * np.asarray(result.factors)
    nvar = n * vals.shape[1]
    out = np.full(n, np.nan)
    cov = None if result.covariance is None else result.covariance.to_numpy()
    for j in range(n):
        grad = np.zeros(nvar)
        grad[j] = vals[j, k]  # d(F a)/dF = a
        grad[k * n + j] = vals[j, 0]  # d(F a)/da = F
        if cov is not None:
            out[j] = propagate(grad, cov)
        else:  # large result: variance from the solver (no full covariance kept)
            var = result.variance_of(grad)
            out[j] = np.sqrt(max(var, 0.0)) if np.isfinite(var) else np.nan
    return out
