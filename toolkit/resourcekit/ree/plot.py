"""Spider (rare-earth pattern) charts with altair: log axis, element order, tooltips, selection.

altair loads on the first call only.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ._elements import REE, REY
from ._read import as_frame as _as_frame
from ._read import report as _report
from .normalization import normalized_table as _parse

__all__ = ["spider", "SPIDER_MODES", "pattern_long"]

#: Drawing modes of :func:`spider`.
SPIDER_MODES: dict[str, str] = {
    "lines": "one line per sample, with points and tooltips; click the legend or a line to "
    "highlight a group",
    "band": "per group: a shaded band (min-max or quantiles) and the median line; for large "
    "groups",
}


def pattern_long(
    data: pd.DataFrame | pd.Series,
    reference: str | pd.Series | None = "CI_McDonoughSun1995",
    *,
    color: str | None = None,
    facet: str | None = None,
    sample: str | None = None,
    include_y: bool = False,
    units: Any = None,
    bdl: str = "nan",
) -> pd.DataFrame:
    """Normalised patterns in long form: one row per (sample, element), NaN and <= 0 dropped.

    Returns
    -------
    pandas.DataFrame
        Columns ``sample``, ``element``, ``position`` (0-based in plotting order), ``value``
        [-], plus ``group`` (from ``color``) and ``panel`` (from ``facet``) when given (plain
        names: vega-lite reads dots and brackets in field names as paths).

    Examples
    --------
    >>> df = pd.DataFrame({"La": [10.0], "Yb": [1.0]}, index=["s1"])
    >>> pattern_long(df, reference=None)[["sample", "element", "value"]].values.tolist()
    [['s1', 'La', 10.0], ['s1', 'Yb', 1.0]]
    """
    frame, _ = _as_frame(data)
    order = list(REY if include_y else REE)
    for name, col in (("color", color), ("facet", facet), ("sample", sample)):
        if col is not None and col not in frame.columns:
            raise KeyError(f"{name} = {col!r} is not a column; columns: {list(frame.columns)}")
    parsed = _parse(frame, reference, units, bdl, elements=order, where="spider")
    _report(parsed, bdl, "spider", stacklevel=4)
    ids = frame[sample].astype(str).to_numpy() if sample else frame.index.astype(str).to_numpy()
    k, n = parsed.values.shape
    long = pd.DataFrame(
        {
            "sample": np.tile(ids, k),
            "element": np.repeat(parsed.elements, n),
            "position": np.repeat([order.index(el) for el in parsed.elements], n),
            "value": parsed.values.ravel(),
        }
    )
    for name, col in (("group", color), ("panel", facet)):
        if col is not None:
            long[name] = np.tile(frame[col].astype(str).to_numpy(), k)
    keep = np.isfinite(long["value"].to_numpy()) & (long["value"].to_numpy() > 0)
    return long[keep].sort_values(["sample", "position"], kind="stable").reset_index(drop=True)


def spider(
    data: pd.DataFrame | pd.Series,
    color: str | None = None,
    reference: str | pd.Series | None = "CI_McDonoughSun1995",
    *,
    mode: str = "lines",
    facet: str | None = None,
    sample: str | None = None,
    include_y: bool = False,
    band: tuple[float, float] = (0.0, 1.0),
    highlight: str = "click",
    units: Any = None,
    bdl: str = "nan",
    width: int = 420,
    height: int = 260,
    columns: int = 3,
    title: str | None = None,
) -> Any:
    """Spider chart of normalised REE patterns (altair), log y axis, elements in order.

    Parameters
    ----------
    data : pandas.DataFrame or pandas.Series
        Concentrations with units (see :func:`~resourcekit.ree.normalize`), or normalised values
        with ``reference=None``.
    color : str, optional
        Column that colours the lines (a group, e.g. a rock class).
    reference : str, pandas.Series or None
        Reference for normalising; the y axis title names it.
    mode : {"lines", "band"}
        See :data:`SPIDER_MODES`. ``"band"`` summarises each group (``color``) as a band.
    facet : str, optional
        Column to split into small multiples.
    sample : str, optional
        Column holding the sample id shown in tooltips (default: the index).
    include_y : bool
        Place Y between Dy and Ho (by ionic radius; REY order).
    band : tuple of two floats
        Quantiles of the band, ``(0, 1)`` = min-max, ``(0.1, 0.9)`` = 10-90 %.
    highlight : {"click", "hover"}
        How a sample (or group, via the legend) is highlighted.
    units, bdl
        As in :func:`~resourcekit.ree.normalize`.
    width, height : int
        Size of one panel [px].
    columns : int
        Facet columns.
    title : str, optional
        Chart title.

    Returns
    -------
    altair.Chart, altair.LayerChart or altair.FacetChart
        Data are embedded inline (no row limit is applied; prefer ``mode="band"`` beyond a few
        thousand samples).

    Examples
    --------
    >>> df = pd.DataFrame({"La_ppm": [30.0, 3.0], "Lu_ppm": [0.3, 0.5], "kind": ["a", "b"]})
    >>> chart = spider(df, color="kind")
    >>> chart.to_dict()["encoding"]["y"]["scale"]["type"]
    'log'
    """
    import altair as alt

    if mode not in SPIDER_MODES:
        raise ValueError(f"mode = {mode!r} is not known; use one of {list(SPIDER_MODES)}")
    if highlight not in ("click", "hover"):
        raise ValueError(f"highlight = {highlight!r}; use 'click' or 'hover'")
    lo_q, hi_q = band
    if not 0.0 <= lo_q < hi_q <= 1.0:
        raise ValueError(f"band = {band!r}: need 0 <= low < high <= 1 (quantiles)")
    long = pattern_long(data, reference, color=color, facet=facet, sample=sample,
                        include_y=include_y, units=units, bdl=bdl)
    if long.empty:
        raise ValueError("spider: no positive normalised value to plot")
    order = [el for el in (REY if include_y else REE) if el in set(long["element"])]
    ref_name = reference if isinstance(reference, str) else (
        "normalised" if reference is None else "custom reference")
    y_title = f"sample / {ref_name}" if reference is not None else "normalised value"
    x = alt.X("element:N", sort=order, title=None, axis=alt.Axis(labelAngle=0))
    y_scale = alt.Scale(type="log")
    on = "click" if highlight == "click" else "pointerover"
    group = "group" if color else "sample"

    if mode == "lines":
        records = alt.Data(values=long.to_dict(orient="records"))
        extra = {"bind": "legend"} if color else {}
        select = alt.selection_point(fields=[group], on=on, **extra,
                                     clear="dblclick" if highlight == "click" else "pointerout")
        tooltip = [alt.Tooltip("sample:N", title="sample"), alt.Tooltip("element:N"),
                   alt.Tooltip("value:Q", format=".3g", title=y_title)]
        if color:
            tooltip.insert(1, alt.Tooltip("group:N", title=color))
        enc: dict[str, Any] = {
            "x": x,
            "y": alt.Y("value:Q", scale=y_scale, title=y_title),
            "detail": alt.Detail("sample:N"),
            "order": alt.Order("position:Q"),
            "tooltip": tooltip,
            "opacity": alt.condition(select, alt.value(0.9), alt.value(0.12)),
        }
        if color:
            enc["color"] = alt.Color("group:N", title=color)
        chart = alt.Chart(records).mark_line(point=True, strokeWidth=1.2).encode(**enc)
        chart = chart.add_params(select).properties(width=width, height=height)
        if facet:
            chart = chart.encode(facet=alt.Facet("panel:N", columns=columns, title=facet))
        return chart.properties(title=title) if title else chart

    keys = [name for name, c in (("group", color), ("panel", facet)) if c]
    grouped = long.groupby([*keys, "element", "position"], observed=True)["value"]
    summary = pd.concat(
        {"low": grouped.quantile(lo_q), "median": grouped.median(), "high": grouped.quantile(hi_q),
         "n": grouped.size()},
        axis=1,
    ).reset_index()
    records = alt.Data(values=summary.to_dict(orient="records"))
    # a legend can bind a selection over one field only: the colour's group, also when panels
    # split the groups (a group then lights up in every panel)
    if color:
        select = alt.selection_point(fields=["group"], on=on, bind="legend")
    else:
        select = alt.selection_point(fields=keys or ["element"], on=on)
    label = "min-max" if (lo_q, hi_q) == (0.0, 1.0) else f"{lo_q:.0%}-{hi_q:.0%}"
    color_enc = alt.Color("group:N", title=color) if color else alt.value("steelblue")
    base = alt.Chart().encode(x=x, color=color_enc)
    area = base.mark_area(opacity=0.25).encode(
        y=alt.Y("low:Q", scale=y_scale, stack=None, title=f"{y_title} ({label}, median)"),
        y2="high:Q",
        opacity=alt.condition(select, alt.value(0.3), alt.value(0.05)),
    )
    titles = {"group": color, "panel": facet}
    tooltip = [*(alt.Tooltip(f"{k}:N", title=titles[k]) for k in keys), alt.Tooltip("element:N"),
               alt.Tooltip("median:Q", format=".3g"), alt.Tooltip("low:Q", format=".3g"),
               alt.Tooltip("high:Q", format=".3g"), alt.Tooltip("n:Q", title="samples")]
    line = base.mark_line(point=True).encode(
        y=alt.Y("median:Q", scale=y_scale),
        order=alt.Order("position:Q"),
        tooltip=tooltip,
        opacity=alt.condition(select, alt.value(1.0), alt.value(0.15)),
    )
    if color:
        area = area.encode(detail=alt.Detail("group:N"))
        line = line.encode(detail=alt.Detail("group:N"))
    layer = alt.layer(area, line.add_params(select), data=records).properties(
        width=width, height=height)
    if facet:
        layer = layer.facet(facet=alt.Facet("panel:N", title=facet), columns=columns)
    return layer.properties(title=title) if title else layer


