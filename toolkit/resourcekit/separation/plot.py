"""Altair charts of the separation domain (data in, chart out; nothing rendered here)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["partition_chart", "grade_recovery_chart", "sweep_chart"]


def partition_chart(fit: Any, *, x_title: str = "x", log_x: bool | None = None,
                    symbol: str = "d") -> Any:
    """Partition curve: measured points, fitted curve and the d25/d50/d75 rules.

    Parameters
    ----------
    fit : PartitionFit
        A result of :func:`resourcekit.separation.fit_partition`.
    x_title : str
        Axis title, with its unit, e.g. ``"relative density"`` or ``"size [um]"``.
    log_x : bool, optional
        Log scale of x (default: for size models, not for the logistic).
    symbol : str
        Symbol of the class variable in the marks: ``"d"`` for sizes (d25, d50, d75),
        ``"rho"`` for densities (rho25, rho50, rho75).

    Returns
    -------
    altair.LayerChart
    """
    import altair as alt

    from ._partition_models import MODELS

    log = MODELS[fit.model].log_x if log_x is None else log_x
    lo, hi = float(np.min(fit.x)), float(np.max(fit.x))
    grid = np.geomspace(lo, hi, 200) if log and lo > 0 else np.linspace(lo, hi, 200)
    curve = pd.DataFrame({"x": grid, "P": fit.predict(grid)})
    data = pd.DataFrame({"x": fit.x, "P": fit.p})
    marks = pd.DataFrame({"x": [fit.d25, fit.x50, fit.d75],
                          "mark": [f"{symbol}25", f"{symbol}50", f"{symbol}75"]})
    scale = alt.Scale(type="log") if log and lo > 0 else alt.Scale(zero=False)
    xenc = alt.X("x:Q", title=x_title, scale=scale)
    yenc = alt.Y("P:Q", title="partition number", scale=alt.Scale(domain=[0, 1]))
    line = alt.Chart(curve).mark_line().encode(x=xenc, y=yenc)
    pts = alt.Chart(data).mark_point(filled=True, size=60, color="black").encode(
        x=xenc, y=yenc, tooltip=["x", "P"])
    rules = alt.Chart(marks).mark_rule(strokeDash=[4, 3], color="gray").encode(
        x="x:Q", tooltip=["mark", "x"])
    labels = alt.Chart(marks).mark_text(dy=-150, dx=4, align="left").encode(x="x:Q", text="mark")
    return (line + pts + rules + labels).properties(
        title=f"{fit.model} fit: {symbol}50 = {fit.x50:.4g}, Ep = {fit.ep:.3g}", width=420,
        height=300)


def grade_recovery_chart(curves: dict[str, pd.DataFrame] | pd.DataFrame) -> Any:
    """Grade (purity) against recovery of one or more upgrading curves.

    Parameters
    ----------
    curves : DataFrame or dict of DataFrames
        Tables with columns ``recovery`` and ``grade`` (as from
        :func:`resourcekit.separation.grade_recovery_curve`), labelled by the dict keys.

    Returns
    -------
    altair.Chart
    """
    import altair as alt

    if isinstance(curves, pd.DataFrame):
        curves = {"curve": curves}
    frames = [c[["recovery", "grade"]].assign(curve=name) for name, c in curves.items()]
    data = pd.concat(frames, ignore_index=True)
    return alt.Chart(data).mark_line(point=True).encode(
        x=alt.X("recovery:Q", title="recovery of A", scale=alt.Scale(domain=[0, 1])),
        y=alt.Y("grade:Q", title="grade of A in the product"),
        color="curve:N", tooltip=["curve", "recovery", "grade"],
    ).properties(width=420, height=300)


def sweep_chart(table: pd.DataFrame) -> Any:
    """Recovery and purity against the sorting threshold, from :func:`threshold_sweep`."""
    import altair as alt

    long = table.melt(id_vars="threshold", value_vars=["recovery", "purity",
                                                       "separation_efficiency"])
    return alt.Chart(long).mark_line().encode(
        x=alt.X("threshold:Q", title="threshold on the signal"),
        y=alt.Y("value:Q", title="fraction"), color="variable:N",
    ).properties(width=420, height=300)
