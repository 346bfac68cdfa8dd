"""The charts of :func:`resourcekit.ree.explore` (altair / Vega-Lite).

Vega-Lite reads ``.``, ``[`` and ``]`` in a field name as a nested lookup, so a column called
``sum REE [ppm]`` draws nothing. Every chart here is therefore given plain internal field names
(:data:`FIELDS`) and shows the readable name only in its titles. Every point chart draws one
mark per data row it is given (``tests/test_ree_explore.py`` counts them in Chromium).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from ._elements import REE, REY

#: Readable name -> the plain field name the chart data use.
FIELDS = {"Eu/Eu*": "eu_anomaly", "Ce/Ce*": "ce_anomaly", "(La/Yb)_N": "la_yb_n",
          "sum REE [ppm]": "sum_ree_ppm", "lambda1": "lambda1", "lambda2": "lambda2",
          "outlier score": "outlier_score", "outlier p": "outlier_p", "outlier": "outlier",
          "novelty": "novelty", "unlike_any": "unlike_any", "class1": "class1"}

TITLES = {
    "spider": "Spider plot by group (median, 10-90 % band), normalised to {ref}",
    "anomalies": "Eu/Eu* and Ce/Ce* by group, normalised to {ref}",
    "ratios": "(La/Yb)_N against the REE sum; (La/Yb)_N normalised to {ref}",
    "lambdas": "Lambdas (O'Neill 2016) normalised to {lref}: lambda1 against lambda2",
    "embedding": "Embedding of the clr coordinates of X_N ({ref}), coloured by group",
    "outliers": "Samples unlike the rest of this file (within-dataset outlier score)",
    "novelty": "Novelty against the library {library}",
}


def _plain(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """``frame[columns]`` with plain field names and a ``sample`` column (the sample ID)."""
    out = frame[columns].rename(columns=FIELDS)
    out.insert(0, "sample", frame.index.astype(str))
    return out.reset_index(drop=True)


def spider_long(rows: pd.DataFrame) -> pd.DataFrame:
    """Median and 10-90 % band of each group and element (positive values only)."""
    present = [el for el in REY if el in rows.columns]
    long = rows.melt(id_vars=["group"], value_vars=present, var_name="element",
                     value_name="x").dropna()
    long = long[long["x"] > 0]
    spider = long.groupby(["group", "element"])["x"].quantile([0.1, 0.5, 0.9]).unstack()
    spider.columns = ["p10", "median", "p90"]
    return spider.reset_index()


def build(spider: pd.DataFrame, rows: pd.DataFrame, emb: pd.DataFrame | None,
          outl: pd.DataFrame | None, novel: pd.DataFrame | None, *, ref: str, lref: str,
          library: str | None = None) -> dict[str, Any]:
    """All charts of the report, keyed by name (see :data:`TITLES`)."""
    import altair as alt

    charts: dict[str, Any] = {}
    color = alt.Color("group:N", title="group", scale=alt.Scale(scheme="tableau10"))
    charts["spider"] = _spider(spider, ref, color)
    present = [c for c in ("Eu/Eu*", "Ce/Ce*") if c in rows.columns]
    long = _plain(rows, ["group"] + present).melt(
        id_vars=["sample", "group"], var_name="anomaly", value_name="value").dropna()
    long = long[long["value"] > 0]
    long["anomaly"] = long["anomaly"].map({v: k for k, v in FIELDS.items()})
    if len(long):
        charts["anomalies"] = alt.Chart(long).mark_tick(opacity=0.5).encode(
            x=alt.X("group:N", title=None), y=alt.Y("value:Q", scale=alt.Scale(type="log"),
                                                   title=f"anomaly (X_N: {ref})"),
            color=color, column=alt.Column("anomaly:N", title=None),
            tooltip=["sample:N", "group:N", alt.Tooltip("value:Q", format=".3g")]).properties(
            width=260, height=260)
    if {"(La/Yb)_N", "sum REE [ppm]"} <= set(rows.columns):
        r = _plain(rows, ["group", "(La/Yb)_N", "sum REE [ppm]"]).dropna()
        r = r[(r["la_yb_n"] > 0) & (r["sum_ree_ppm"] > 0)]
        if len(r):
            charts["ratios"] = _points(r, "sum_ree_ppm", "la_yb_n", "sum REE [ppm]",
                                       f"(La/Yb)_N ({ref})", color, log=True)
    if {"lambda1", "lambda2"} <= set(rows.columns):
        lam = _plain(rows, ["group", "lambda1", "lambda2"]).dropna()
        if len(lam):
            charts["lambdas"] = _points(lam, "lambda1", "lambda2", f"lambda1 ({lref})",
                                        f"lambda2 ({lref})", color)
    if emb is not None:
        e = emb.copy()
        e.columns = ["d1", "d2"][: e.shape[1]]
        e["group"] = rows.loc[e.index, "group"].to_numpy()
        method = emb.attrs.get("method", "")
        charts["embedding"] = _points(_plain(e, ["group", "d1", "d2"]), "d1", "d2",
                                      f"{method} 1", f"{method} 2", color)
    if outl is not None and len(outl):
        o = outl.join(rows["group"])
        o = _plain(o, ["group", "outlier score", "outlier p", "outlier"])
        charts["outliers"] = _strip(o, "outlier_score", "group", "outlier",
                                    "outlier score (kNN distance to the rest)", "outlier p")
    if novel is not None and len(novel):
        n = _plain(novel, ["novelty", "unlike_any", "class1"])
        charts["novelty"] = _strip(n, "novelty", "class1", "unlike_any",
                                   "novelty score (kNN distance to the library)", None)
    return charts


def _spider(spider: pd.DataFrame, ref: str, color: Any) -> Any:
    import altair as alt

    order = [el for el in REY if el in set(spider["element"])]
    data = spider[spider["median"] > 0]
    y_title = f"sample / {ref}"
    base = alt.Chart().encode(x=alt.X("element:N", sort=order, title=None), color=color)
    band = base.mark_area(opacity=0.15).encode(
        y=alt.Y("p10:Q", scale=alt.Scale(type="log"), title=y_title), y2="p90:Q")
    line = base.mark_line(point=True).encode(
        y=alt.Y("median:Q", scale=alt.Scale(type="log"), title=y_title),
        tooltip=["group:N", "element:N", alt.Tooltip("median:Q", format=".3g")])
    n_groups = data["group"].nunique()
    if n_groups > 3:  # small multiples: one panel per group
        return alt.layer(band, line, data=data).properties(width=180, height=140).facet(
            facet=alt.Facet("group:N", title=None), columns=4)
    select = alt.selection_point(fields=["group"], bind="legend")
    return alt.layer(band, line, data=data).add_params(select).transform_filter(
        select).properties(width=600, height=320)


def _points(frame: pd.DataFrame, x: str, y: str, x_title: str, y_title: str, color: Any,
            log: bool = False) -> Any:
    import altair as alt

    scale = alt.Scale(type="log") if log else alt.Undefined
    return alt.Chart(frame).mark_circle(size=18, opacity=0.6).encode(
        x=alt.X(f"{x}:Q", title=x_title, scale=scale),
        y=alt.Y(f"{y}:Q", title=y_title, scale=scale), color=color,
        tooltip=["sample:N", "group:N", alt.Tooltip(f"{x}:Q", format=".3g"),
                 alt.Tooltip(f"{y}:Q", format=".3g")]).properties(
        width=420, height=320).interactive()


def _strip(frame: pd.DataFrame, x: str, y: str, flag: str, x_title: str,
           p: str | None) -> Any:
    import altair as alt

    tips = ["sample:N", f"{y}:N", alt.Tooltip(f"{x}:Q", format=".3g")]
    if p:
        tips.append(alt.Tooltip(f"{p}:Q", format=".3f", title="conformal p"))
    return alt.Chart(frame).mark_circle(size=16, opacity=0.6).encode(
        x=alt.X(f"{x}:Q", title=x_title), y=alt.Y(f"{y}:N", title=None),
        color=alt.Color(f"{flag}:N", title="flagged"), tooltip=tips).properties(
        width=520, height=alt.Step(18))


__all__ = ["FIELDS", "TITLES", "build", "spider_long", "REE"]
