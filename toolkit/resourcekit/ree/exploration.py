"""One-step exploration of an REE table: data quality, patterns, anomalies, shape, embedding,
novelty against a labelled library, as one offline HTML report.

``python -m resourcekit explore DATA --out DIR`` or, in a notebook, ``ree.explore(df)``.

What is computed (all through the toolkit's own functions, so units and detection limits are
read exactly as :func:`resourcekit.ree.normalize` reads them):

- data quality: REE columns found with their unit, values reported below the detection limit
  and replaced (policy ``bdl``, default ``"half"``: L/2), missing elements, rows dropped and why;
- spider plots by group: median chondrite-normalised pattern (CI, McDonough & Sun 1995) with
  the 10-90 % band of each group;
- anomalies and ratios: Eu/Eu* = Eu_N / sqrt(Sm_N Gd_N), Ce/Ce* = Ce_N / sqrt(La_N Pr_N),
  (La/Yb)_N and the REE sum, summarised by group;
- lambdas (O'Neill 2016) lambda1 against lambda2;
- a 2-D embedding (PCA by default; ``embedding="umap"`` or ``"tsne"``) of the clr coordinates;
- samples unlike a labelled reference library (default: the shipped apatite set, O'Sullivan
  et al. 2020) by the calibrated kNN novelty score of :mod:`resourcekit.ree.novelty`, with their
  nearest classes.

Large data: a dask DataFrame or a folder of Parquet files is processed partition by partition
on a Dask cluster (a local one by default, or ``scheduler="tcp://..."``); the quality counts,
group summaries and anomalies are exact over all rows, and the charts, embedding and novelty
use a random sample of ``sample_size`` rows.
"""

from __future__ import annotations

import html
import json
import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataError, OptionError
from ._elements import REE

__all__ = ["explore", "ExploreReport", "read_table"]

_APATITE_CLASS = "Lithology (Lithology Code see explanati...)"
_EMBEDDINGS = ("pca", "umap", "tsne")
_MAX_CHART_ROWS = 5000


# --------------------------------------------------------------------------------- reading
def read_table(path: str | os.PathLike[str], *, scheduler: Any = None) -> Any:
    """Read CSV, Excel or Parquet; a folder of Parquet files becomes a dask DataFrame.

    Parameters
    ----------
    path : str or path
        ``.csv``/``.txt``/``.tsv``, ``.xlsx``/``.xls``, ``.parquet``/``.pq``, or a folder of
        ``.parquet`` files.

    Returns
    -------
    pandas.DataFrame or dask.dataframe.DataFrame
        Text cells stay text (detection-limit codes are read by ``normalize``).

    Examples
    --------
    >>> import tempfile
    >>> f = Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = f.write_text("LA(PPM),CE(PPM)\\n<0.05,12\\n")
    >>> read_table(f).iloc[0].astype(str).tolist()
    ['<0.05', '12']
    """
    p = Path(path)
    if not p.exists():
        raise DataError(f"explore: no file or folder {str(p)!r}")
    if p.is_dir():
        files = sorted(p.glob("*.parquet")) + sorted(p.glob("*.pq"))
        if not files:
            raise DataError(f"explore: folder {str(p)!r} holds no .parquet files")
        import dask.dataframe as dd

        return dd.read_parquet([str(f) for f in files])
    suffix = p.suffix.lower()
    if suffix in (".csv", ".txt"):
        return pd.read_csv(p, dtype=None, keep_default_na=False, na_values=[""])
    if suffix == ".tsv":
        return pd.read_csv(p, sep="\t", keep_default_na=False, na_values=[""])
    if suffix in (".xlsx", ".xlsm", ".xls"):
        return pd.read_excel(p)
    if suffix in (".parquet", ".pq"):
        return pd.read_parquet(p)
    raise OptionError(f"explore: file type {suffix!r} of {str(p)!r}; use .csv, .tsv, .xlsx, "
                      ".parquet or a folder of .parquet files")


# --------------------------------------------------------------------------------- report
@dataclass
class ExploreReport:
    """What :func:`explore` found: tables, altair charts, and the HTML report built from them.

    ``save(out)`` writes ``report.html`` (interactive; vega loaded from ``vega-bundle.js``
    beside it, no network), the figures as ``figures/*.png`` and ``*.svg`` and the tables as
    CSV. In a notebook the report shows itself (``_repr_html_``: static SVG charts).
    """

    title: str
    quality: dict[str, Any]
    tables: dict[str, pd.DataFrame]
    charts: dict[str, Any] = field(repr=False)
    notes: list[str] = field(default_factory=list)

    # -- rendering -------------------------------------------------------------------------
    def _svg(self, name: str) -> str:
        import vl_convert as vlc

        return vlc.vegalite_to_svg(self.charts[name].to_dict())

    def to_html(self, *, mode: str = "interactive", bundle: str = "vega-bundle.js") -> str:
        """The report as HTML. ``mode="interactive"``: charts drawn by vega from the local
        ``bundle`` file; ``"inline"``: the bundle inside the page (one file, about 1 MB);
        ``"svg"``: static SVG, no script."""
        from jinja2 import Environment

        if mode not in ("interactive", "inline", "svg"):
            raise OptionError(f"mode = {mode!r}; use 'interactive', 'inline' or 'svg'")
        charts = []
        for i, (name, chart) in enumerate(self.charts.items()):
            spec = chart.to_dict()
            spec.pop("$schema", None)
            charts.append({
                "id": f"chart-{i}", "name": name, "title": _CHART_TITLES.get(name, name),
                "spec": json.dumps(spec).replace("</", "<\\/"),
                "svg": self._svg(name) if mode == "svg" else None,
            })
        script = None
        if mode == "inline":
            script = _vega_bundle().replace("</script", "<\\/script")
        env = Environment(autoescape=True)
        env.filters["table"] = _table_html
        return env.from_string(_TEMPLATE).render(
            title=self.title, quality=self.quality, tables=self.tables, charts=charts,
            mode=mode, bundle=bundle, script=script, notes=self.notes,
        )

    def _repr_html_(self) -> str:
        return self.to_html(mode="svg")

    def save(self, out: str | os.PathLike[str], *, overwrite: bool = False,
             figures: bool = True) -> Path:
        """Write the report into folder ``out`` and return the path of ``report.html``.

        An existing ``report.html`` is never replaced unless ``overwrite=True``."""
        import vl_convert as vlc

        folder = Path(out)
        page = folder / "report.html"
        if page.exists() and not overwrite:
            raise DataError(f"explore: {str(page)!r} exists; choose another --out folder or "
                            "pass overwrite=True (--overwrite)")
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "vega-bundle.js").write_text(_vega_bundle(), encoding="utf-8")
        if figures:
            figs = folder / "figures"
            figs.mkdir(exist_ok=True)
            for name, chart in self.charts.items():
                spec = chart.to_dict()
                (figs / f"{name}.svg").write_text(vlc.vegalite_to_svg(spec), encoding="utf-8")
                (figs / f"{name}.png").write_bytes(vlc.vegalite_to_png(spec, scale=1.5))
        tables = folder / "tables"
        tables.mkdir(exist_ok=True)
        for name, table in self.tables.items():
            table.to_csv(tables / f"{name}.csv")
        page.write_text(self.to_html(mode="interactive"), encoding="utf-8")
        return page


_CHART_TITLES = {
    "spider": "Spider plot by group (median, 10-90 % band)",
    "anomalies": "Eu and Ce anomalies by group",
    "ratios": "(La/Yb)_N against the REE sum",
    "lambdas": "Lambdas (O'Neill 2016): lambda1 against lambda2",
    "embedding": "Embedding of the clr coordinates, coloured by group",
    "novelty": "Novelty against the reference library",
}

_TEMPLATE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{{ title }}</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 1100px; margin: 1em auto; padding: 0 1em; }
table { border-collapse: collapse; font-size: 0.85em; margin: 0.5em 0 1.5em; }
th, td { border: 1px solid #ccc; padding: 2px 6px; text-align: right; }
th { background: #f3f3f3; } .note { color: #555; }
.chart { margin: 1em 0 2em; }
</style>
{% if mode == "interactive" %}<script src="{{ bundle }}"></script>{% endif %}
{% if mode == "inline" %}<script>{{ script | safe }}</script>{% endif %}
</head><body>
<h1>{{ title }}</h1>
<h2>Data quality</h2>
<p>{{ quality.summary }}</p>
{{ tables["quality"] | table }}
{% if quality.missing_elements %}
<p>Missing REE (no column): {{ quality.missing_elements | join(", ") }}</p>
{% else %}<p>All 14 REE have a column.</p>{% endif %}
<h3>Rows dropped and why</h3>
{{ tables["dropped"] | table }}
{% for n in notes %}<p class="note">{{ n }}</p>{% endfor %}
<h2>Summary by group</h2>
{{ tables["groups"] | table }}
{% for c in charts %}
<h2>{{ c.title }}</h2>
<div class="chart" id="{{ c.id }}">{% if c.svg %}{{ c.svg | safe }}{% endif %}</div>
{% if c.name == "novelty" and "novel" in tables %}
<h3>Samples unlike the reference library, with their nearest classes</h3>
{{ tables["novel"] | table }}
{% endif %}
{% endfor %}
{% if mode != "svg" %}
<script>
(function () {
  var specs = {};
{% for c in charts %}  specs["{{ c.id }}"] = {{ c.spec | safe }};
{% endfor %}
  Object.keys(specs).forEach(function (id) {
    vegaEmbed("#" + id, specs[id], {actions: false, renderer: "svg"}).catch(function (err) {
      var el = document.getElementById(id);
      el.className += " error"; el.textContent = "chart failed: " + err;
    });
  });
})();
</script>
{% endif %}
</body></html>
"""


def _table_html(table: pd.DataFrame | None) -> Any:
    from markupsafe import Markup

    if table is None or len(table) == 0:
        return Markup("<p>(none)</p>")
    shown = table.head(200)
    return Markup(shown.to_html(float_format=lambda v: f"{v:.4g}", na_rep="",
                                border=0, escape=True))


_BUNDLE: str | None = None


def _vega_bundle() -> str:
    global _BUNDLE
    if _BUNDLE is None:
        import altair as alt
        import vl_convert as vlc

        vl = ".".join(alt.SCHEMA_VERSION.lstrip("v").split(".")[:2])
        body = vlc.javascript_bundle(
            "window.vegaEmbed = vegaEmbed; window.vega = vega; window.vegaLite = vegaLite;",
            vl_version=vl,
        )
        _BUNDLE = ("/* vega, vega-lite, vega-embed (bundled by vl-convert-python) */\n"
                   "(function () {\n" + body + "\n})();\n")
    return _BUNDLE


# --------------------------------------------------------------------------------- steps
def _progress(total: int, show: bool) -> Any:
    from tqdm.auto import tqdm

    return tqdm(total=total, desc="explore", disable=not show, leave=False)


def _quality_counts(frame: pd.DataFrame, units: Any, bdl: str) -> pd.DataFrame:
    """Per REE column: values, empty cells, detection-limit replacements (one partition)."""
    from .normalization import find_columns, normalize

    cols = find_columns(frame.columns, REE)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        norm = normalize(frame[list(cols.values())], units=units, bdl=bdl)
    replaced = norm.attrs.get("bdl_replaced", {})
    rows = []
    for el, label in cols.items():
        raw = frame[label]
        text = raw.astype("string").str.strip()
        empty = int((raw.isna() | text.isin(["", "NA", "NaN", "nan", "n.a.", "N/A"])).sum())
        rows.append({"element": el, "rows": len(frame), "values": int(norm[el].notna().sum()),
                     "empty cells": empty, "below detection limit": int(replaced.get(el, 0))})
    return pd.DataFrame(rows, columns=["element", "rows", "values", "empty cells",
                                       "below detection limit"])


def _unit_of_column(label: str, units: Any) -> str:
    from ..units import split_unit

    try:
        _, unit = split_unit(label)
    except Exception:
        unit = None
    if unit is not None:
        import re

        written = re.search(r"[\[(]\s*([^\])]+?)\s*[\])]\s*$|_([^_\s]+)$", label)
        text = next((g for g in written.groups() if g), None) if written else None
        return text or str(unit)
    if isinstance(units, dict):
        return str(units.get(label, "?"))
    return str(units) if units is not None else "?"


def _group_series(frame: pd.DataFrame, group: str | None) -> pd.Series:
    if group is None:
        return pd.Series("all", index=frame.index, name="group")
    if group not in frame.columns:
        raise DataError(f"explore: group column {group!r} is not in the data; columns: "
                        f"{list(frame.columns)[:15]}")
    return frame[group].astype("string").fillna("(none)").astype(str).rename("group")


def _row_features(frame: pd.DataFrame, units: Any, bdl: str) -> pd.DataFrame:
    """Normalised REE, anomalies, ratios and sums of each row (pandas; one partition)."""
    from . import anomalies
    from .normalization import normalize

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        norm = normalize(frame, units=units, bdl=bdl)
        present = [el for el in REE if el in norm.columns]
        out = norm[present].astype("float64")
        if {"Sm", "Eu", "Gd"} <= set(present):
            out["Eu/Eu*"] = anomalies.eu_anomaly(norm[present], reference=None).to_numpy()
        if {"La", "Ce", "Pr"} <= set(present):
            out["Ce/Ce*"] = anomalies.ce_anomaly(norm[present], reference=None).to_numpy()
        if {"La", "Yb"} <= set(present):
            out["(La/Yb)_N"] = (norm["La"] / norm["Yb"]).to_numpy()
        if len(present) == len(REE):  # the sum needs all 14 REE
            sums = anomalies.ree_sums(frame, units=units, bdl=bdl)
            out["sum REE [ppm]"] = sums["REE"].to_numpy()
    return out


def _lambda_features(frame: pd.DataFrame, units: Any, bdl: str) -> pd.DataFrame:
    from .lambdas import lambdas

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return lambdas(frame, units=units, bdl=bdl)


def _reference_library(reference: Any, label: str | None, units: Any,
                       bdl: str) -> tuple[pd.DataFrame, pd.Series, str]:
    if reference is None:
        from .. import datasets

        ref = datasets.load("osullivan2020_apatite")
        return ref, ref[_APATITE_CLASS].astype(str), "apatite, O'Sullivan et al. (2020)"
    name = "reference"
    if isinstance(reference, (str, os.PathLike)):
        name = Path(reference).name
        reference = read_table(reference)
        if not isinstance(reference, pd.DataFrame):
            reference = reference.compute()
    if not isinstance(reference, pd.DataFrame):
        raise DataError("explore: reference must be a labelled table (file or DataFrame)")
    candidates = [label] if label else ["label", "class", "Class", "Label", _APATITE_CLASS]
    found = next((c for c in candidates if c and c in reference.columns), None)
    if found is None:
        raise DataError(f"explore: the reference library needs a label column; looked for "
                        f"{candidates}; pass reference_label= (--reference-label)")
    return reference, reference[found].astype(str), name


def _novelty(sample_feats: pd.DataFrame, ref: pd.DataFrame, ref_labels: pd.Series,
             units: Any, bdl: str, quantile: float) -> tuple[pd.DataFrame, dict[str, Any]]:
    from .normalization import normalize
    from .novelty import NoveltyDetector, nearest_classes

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rnorm = normalize(ref, units=None, bdl=bdl)
    common = [el for el in REE if el in sample_feats.columns and el in rnorm.columns]
    if len(common) < 5:
        raise DataError(f"explore: only {common} are shared with the reference library; "
                        "novelty needs at least 5 REE")
    with np.errstate(divide="ignore", invalid="ignore"):
        R = np.log(rnorm[common].astype("float64").where(rnorm[common] > 0))
        S = np.log(sample_feats[common].where(sample_feats[common] > 0))
    rok = np.isfinite(R.to_numpy()).all(axis=1) & ref_labels.notna().to_numpy()
    sok = np.isfinite(S.to_numpy()).all(axis=1)
    det = NoveltyDetector(quantile=quantile).fit(R[rok].to_numpy(), ref_labels[rok].to_numpy())
    table = pd.DataFrame(index=S.index[sok])
    if sok.any():
        table["novelty"] = det.score(S[sok].to_numpy(), exclude_identical=True)
        table["p_value"] = det.p_values(S[sok].to_numpy(), exclude_identical=True)
        table["unlike_any"] = table["novelty"] > det.threshold_
        near = nearest_classes(R[rok].to_numpy(), ref_labels[rok].to_numpy(),
                               S[sok].to_numpy())
        near.index = table.index
        table = table.join(near)
    info = {"elements": common, "threshold": det.threshold_, "n_reference": int(rok.sum()),
            "n_scored": int(sok.sum()), "n_unlike": int(table.get("unlike_any",
                                                                  pd.Series([])).sum()),
            "n_identical": int(getattr(det, "n_identical_", 0))}
    return table, info


def _embedding(feats: pd.DataFrame, method: str) -> pd.DataFrame | None:
    from ..compositional import clr
    from ._embed import embed

    present = [el for el in REE if el in feats.columns]
    vals = feats[present]
    ok = (vals > 0).all(axis=1) & np.isfinite(vals).all(axis=1)
    if ok.sum() < 5 or len(present) < 3:
        return None
    coords = clr(vals[ok])
    return embed(coords, method)


# --------------------------------------------------------------------------------- charts
def _charts(spider: pd.DataFrame, rows: pd.DataFrame, emb: pd.DataFrame | None,
            novel: pd.DataFrame | None) -> dict[str, Any]:
    import altair as alt

    charts: dict[str, Any] = {}
    order = [el for el in REE if el in set(spider["element"])]
    base = alt.Chart(spider).encode(
        x=alt.X("element:N", sort=order, title=None),
        color=alt.Color("group:N", title="group"))
    band = base.mark_area(opacity=0.15).encode(
        y=alt.Y("p10:Q", scale=alt.Scale(type="log"), title="sample / CI chondrite"),
        y2="p90:Q")
    line = base.mark_line(point=True).encode(
        y="median:Q", tooltip=["group:N", "element:N", alt.Tooltip("median:Q", format=".3g")])
    select = alt.selection_point(fields=["group"], bind="legend")
    charts["spider"] = (band + line).add_params(select).transform_filter(select).properties(
        width=600, height=320)
    long = rows.melt(id_vars=["group"], value_vars=[c for c in ("Eu/Eu*", "Ce/Ce*")
                                                     if c in rows.columns],
                     var_name="anomaly", value_name="value").dropna()
    long = long[long["value"] > 0]
    if len(long):
        charts["anomalies"] = alt.Chart(long).mark_boxplot().encode(
            x=alt.X("group:N"), y=alt.Y("value:Q", scale=alt.Scale(type="log")),
            color="group:N", column=alt.Column("anomaly:N", title=None)).properties(
            width=260, height=260)
    if {"(La/Yb)_N", "sum REE [ppm]"} <= set(rows.columns):
        r = rows[["group", "(La/Yb)_N", "sum REE [ppm]"]].dropna()
        r = r[(r["(La/Yb)_N"] > 0) & (r["sum REE [ppm]"] > 0)]
        if len(r):
            charts["ratios"] = alt.Chart(r).mark_circle(size=18, opacity=0.6).encode(
                x=alt.X("sum REE [ppm]:Q", scale=alt.Scale(type="log")),
                y=alt.Y("(La/Yb)_N:Q", scale=alt.Scale(type="log")),
                color="group:N").properties(width=420, height=320).interactive()
    if {"lambda1", "lambda2"} <= set(rows.columns):
        lam = rows[["group", "lambda1", "lambda2"]].dropna()
        if len(lam):
            charts["lambdas"] = alt.Chart(lam).mark_circle(size=18, opacity=0.6).encode(
                x="lambda1:Q", y="lambda2:Q", color="group:N").properties(
                width=420, height=320).interactive()
    if emb is not None:
        e = emb.copy()
        e.columns = ["d1", "d2"][: e.shape[1]]
        e["group"] = rows.loc[e.index, "group"].to_numpy()
        method = emb.attrs.get("method", "")
        charts["embedding"] = alt.Chart(e.reset_index(drop=True)).mark_circle(
            size=18, opacity=0.7).encode(
            x=alt.X("d1:Q", title=f"{method} 1"), y=alt.Y("d2:Q", title=f"{method} 2"),
            color="group:N").properties(width=420, height=380).interactive()
    if novel is not None and len(novel):
        n = novel.reset_index(drop=True)[["novelty", "unlike_any", "class1"]].copy()
        threshold = alt.param(name="threshold", value=float(novel.attrs.get("threshold", 1.0)))
        charts["novelty"] = alt.Chart(n).mark_bar().encode(
            x=alt.X("novelty:Q", bin=alt.Bin(maxbins=40), title="novelty score"),
            y=alt.Y("count():Q"),
            color=alt.Color("unlike_any:N", title="unlike any class")).add_params(
            threshold).properties(width=420, height=240)
    return charts


# --------------------------------------------------------------------------------- explore
def explore(
    data: Any,
    *,
    group: str | None = None,
    reference: Any = None,
    reference_label: str | None = None,
    units: Any = None,
    bdl: str = "half",
    embedding: str = "pca",
    novelty_quantile: float = 0.95,
    sample_size: int = 2000,
    scheduler: Any = None,
    progress: bool = True,
    random_state: int = 0,
    title: str | None = None,
) -> ExploreReport:
    """Explore an REE table: quality, spider plots, anomalies, lambdas, embedding, novelty.

    Parameters
    ----------
    data : pandas.DataFrame, dask DataFrame, or path
        One analysis per row; REE columns with units in their names (``La [mg/kg]``,
        ``LA(PPM)``, ``La_ppm``) or ``units=``. A path is read by :func:`read_table`.
    group : str, optional
        Column whose values colour the charts and split the summaries.
    reference : path or DataFrame, optional
        Labelled library for novelty (default: the shipped apatite set).
    reference_label : str, optional
        Its label column (default: ``label``/``class``, or the apatite class column).
    units : str or dict, optional
        Unit of REE columns whose names carry none.
    bdl : {"nan", "half", "limit"}
        Detection-limit policy (default ``"half"``: L/2; log-ratios need positive values).
    embedding : {"pca", "umap", "tsne"}
        2-D embedding of the clr coordinates of complete patterns.
    novelty_quantile : float
        Threshold of the novelty score: this quantile of the library's leave-one-out scores.
    sample_size : int
        Rows used for row-level charts, the embedding and novelty when the data are larger
        (random sample, ``random_state``); summaries and counts use every row.
    scheduler : str or dask Client, optional
        For dask data: an address ``"tcp://host:8786"``, a ``Client``, or None (a local
        cluster, started and closed here).
    progress : bool
        Show a progress bar (tqdm).

    Returns
    -------
    ExploreReport

    Examples
    --------
    >>> df = pd.DataFrame({"La_ppm": [30.0, 40.0, 20.0, 35.0, 25.0, 33.0],
    ...                    "Ce_ppm": [60.0, 80.0, 45.0, 70.0, 50.0, 66.0],
    ...                    "Yb_ppm": ["<0.05", 2.0, 1.5, 1.8, 1.2, 1.6]})
    >>> rep = explore(df, progress=False, reference=False)
    >>> int(rep.tables["quality"].loc["Yb", "below detection limit"])
    1
    """
    if embedding not in _EMBEDDINGS:
        raise OptionError(f"explore: embedding = {embedding!r}; use one of {list(_EMBEDDINGS)}")
    if int(sample_size) < 10:
        raise OptionError(f"explore: sample_size = {sample_size!r}; use at least 10")
    source = None
    if isinstance(data, (str, os.PathLike)):
        source = str(data)
        data = read_table(data)
    from ._dask import is_dask

    if is_dask(data):
        return _explore_dask(data, group=group, reference=reference,
                             reference_label=reference_label, units=units, bdl=bdl,
                             embedding=embedding, novelty_quantile=novelty_quantile,
                             sample_size=sample_size, scheduler=scheduler, progress=progress,
                             random_state=random_state, title=title, source=source)
    if not isinstance(data, pd.DataFrame):
        raise DataError(f"explore: data must be a DataFrame, a dask DataFrame or a path, got "
                        f"{type(data).__name__}")
    if data.columns.duplicated().any():
        dup = list(data.columns[data.columns.duplicated()])
        raise DataError(f"explore: duplicate column names {dup}")
    bar = _progress(6, progress)
    bar.set_postfix_str("quality")
    quality_rows = _quality_counts(data, units, bdl)
    bar.update()
    bar.set_postfix_str("patterns and anomalies")
    feats = _row_features(data, units, bdl)
    groups = _group_series(data, group)
    bar.update()
    bar.set_postfix_str("lambdas")
    lam = _lambda_features(data, units, bdl)
    bar.update()
    rows = feats.join(lam[[c for c in ("lambda1", "lambda2") if c in lam.columns]])
    rows["group"] = groups.to_numpy()
    sample = rows
    if len(rows) > sample_size:
        sample = rows.sample(sample_size, random_state=random_state)
    emb, novel, info = _embedding_and_novelty(bar, sample, embedding, "", reference,
                                              reference_label, units, bdl, novelty_quantile)
    report = _assemble(data_name=source or "DataFrame", n_rows=len(data),
                       quality_rows=quality_rows, columns=list(data.columns), rows=rows,
                       sample=sample, emb=emb, novel=novel, info=info, units=units, bdl=bdl,
                       title=title, group=group)
    bar.update()
    bar.close()
    return report


def _embedding_and_novelty(bar: Any, sample: pd.DataFrame, embedding: str, note: str,
                           reference: Any, reference_label: Any, units: Any, bdl: Any,
                           novelty_quantile: float) -> tuple[Any, Any, Any]:
    """The report's embedding and novelty steps on ``sample``, each one step of ``bar``."""
    bar.set_postfix_str(f"embedding ({embedding}{', ' + note if note else ''})")
    emb = _embedding(sample, embedding)
    bar.update()
    bar.set_postfix_str(f"novelty ({note})" if note else "novelty")
    novel, info = _novelty_step(sample, reference, reference_label, units, bdl,
                                novelty_quantile)
    bar.update()
    return emb, novel, info


def _novelty_step(sample: pd.DataFrame, reference: Any, reference_label: str | None,
                  units: Any, bdl: str, quantile: float) -> tuple[pd.DataFrame | None, dict]:
    if reference is False:
        return None, {"skipped": "no reference library (reference=False)"}
    ref, labels, name = _reference_library(reference, reference_label, units, bdl)
    table, info = _novelty(sample, ref, labels, units, bdl, quantile)
    table.attrs["threshold"] = info["threshold"]
    info["library"] = name
    info["classes"] = sorted(labels.dropna().unique())
    return table, info


def _dropped_table(rows: pd.DataFrame, n_rows: int) -> pd.DataFrame:
    present = [el for el in REE if el in rows.columns]
    vals = rows[present]
    none = int(vals.isna().all(axis=1).sum())
    incomplete = int((~(vals > 0).all(axis=1)).sum()) - none
    return _dropped_frame(none, incomplete, len(present), n_rows)


def _dropped_frame(none: int, incomplete: int, n_present: int, n_rows: int) -> pd.DataFrame:
    return pd.DataFrame(
        [{"reason": "no REE value at all", "rows": none,
          "effect": "left out of every chart and summary"},
         {"reason": f"incomplete pattern (fewer than {n_present} positive REE)",
          "rows": incomplete,
          "effect": "left out of the embedding and novelty (medians and anomalies use the "
                    "values present)"}]).set_index("reason").assign(of=n_rows)


def _assemble(*, data_name: str, n_rows: int, quality_rows: pd.DataFrame, columns: list[Any],
              rows: pd.DataFrame, sample: pd.DataFrame, emb: pd.DataFrame | None,
              novel: pd.DataFrame | None, info: dict[str, Any], units: Any, bdl: str,
              title: str | None, group: str | None,
              spider: pd.DataFrame | None = None, groups_table: pd.DataFrame | None = None,
              dropped: pd.DataFrame | None = None) -> ExploreReport:
    from .normalization import BDL_POLICIES, find_columns

    cols = find_columns(columns, REE)
    q = quality_rows.groupby("element", sort=False).sum(numeric_only=True)
    q = q.reindex([el for el in REE if el in q.index])
    q.insert(0, "column", [cols[el] for el in q.index])
    q.insert(1, "unit", [_unit_of_column(cols[el], units) for el in q.index])
    missing = [el for el in REE if el not in cols]
    n_bdl = int(q["below detection limit"].sum())
    summary = (f"{n_rows} rows, {len(columns)} columns; {len(cols)} REE columns found; "
               f"{n_bdl} values reported below the detection limit replaced by policy "
               f"bdl={bdl!r} ({BDL_POLICIES[bdl]}).")
    if spider is None:
        present = [el for el in REE if el in rows.columns]
        long = rows.melt(id_vars=["group"], value_vars=present, var_name="element",
                         value_name="x").dropna()
        long = long[long["x"] > 0]
        spider = long.groupby(["group", "element"])["x"].quantile([0.1, 0.5, 0.9]).unstack()
        spider.columns = ["p10", "median", "p90"]
        spider = spider.reset_index()
    if groups_table is None:
        agg = {c: "median" for c in ("Eu/Eu*", "Ce/Ce*", "(La/Yb)_N", "sum REE [ppm]",
                                     "lambda1", "lambda2") if c in rows.columns}
        groups_table = rows.groupby("group").agg(agg).rename(columns=lambda c: f"median {c}")
        groups_table.insert(0, "rows", rows.groupby("group").size())
    if dropped is None:
        dropped = _dropped_table(rows, n_rows)
    chart_rows = sample if len(sample) <= _MAX_CHART_ROWS else sample.sample(
        _MAX_CHART_ROWS, random_state=0)
    charts = _charts(spider, chart_rows, emb, novel)
    tables = {"quality": q, "dropped": dropped, "groups": groups_table, "spider": spider}
    notes = []
    if len(sample) < len(rows) or len(sample) < n_rows:
        notes.append(f"Row-level charts, embedding and novelty use a random sample of "
                     f"{len(sample)} of {n_rows} rows.")
    if emb is not None:
        notes.append(f"Embedding: {emb.attrs.get('method')} of the clr coordinates of "
                     f"{len(emb)} complete patterns (cache: {emb.attrs.get('cache')}).")
    if novel is not None:
        tables["novelty"] = novel
        flagged = novel[novel["unlike_any"]].sort_values("novelty", ascending=False)
        tables["novel"] = flagged
        notes.append(
            f"Novelty: kNN distance (k=2, standardised ln X_N of {', '.join(info['elements'])}) "
            f"to the library {info['library']} ({info['n_reference']} complete analyses, "
            f"classes {', '.join(info['classes'])}); threshold {info['threshold']:.3g} = the "
            f"library's leave-one-out quantile; {info['n_unlike']} of {info['n_scored']} "
            "scored samples unlike any class."
            + (f" {info['n_identical']} samples are in the library itself: each is scored "
               "without its own copy." if info.get("n_identical") else ""))
    elif "skipped" in info:
        notes.append(f"Novelty: skipped ({info['skipped']}).")
    name = title or f"REE exploration: {Path(data_name).name}"
    quality = {"summary": summary, "missing_elements": missing, "n_rows": n_rows,
               "n_bdl": n_bdl, "group": group}
    return ExploreReport(html.unescape(name), quality, tables, charts, notes)


# --------------------------------------------------------------------------------- dask
def _explore_dask(ddf: Any, *, group: str | None, reference: Any, reference_label: str | None,
                  units: Any, bdl: str, embedding: str, novelty_quantile: float,
                  sample_size: int, scheduler: Any, progress: bool, random_state: int,
                  title: str | None, source: str | None) -> ExploreReport:
    from distributed import Client, LocalCluster

    if group is not None and group not in ddf.columns:
        raise DataError(f"explore: group column {group!r} is not in the data; columns: "
                        f"{list(ddf.columns)[:15]}")
    own = None
    made_client = True  # a Client made here is closed here; one passed in is left open
    if scheduler is None:
        own = LocalCluster(n_workers=min(4, os.cpu_count() or 1), threads_per_worker=1,
                           memory_limit="2GiB", processes=True, dashboard_address=None)
        client = Client(own)
    elif isinstance(scheduler, str):
        client = Client(scheduler)
    else:
        client, made_client = scheduler, False
    bar = _progress(5, progress)
    try:
        meta_q = _quality_counts(ddf.partitions[0].head(20, npartitions=1, compute=True),
                                 units, bdl).iloc[:0]
        bar.set_postfix_str("quality (all rows)")
        q = ddf.map_partitions(_quality_counts, units, bdl, meta=meta_q)
        keep = list(ddf.columns)

        def part_rows(frame: pd.DataFrame) -> pd.DataFrame:
            out = _row_features(frame[keep], units, bdl)
            lam = _lambda_features(frame[keep], units, bdl)
            for c in ("lambda1", "lambda2"):
                if c in lam.columns:
                    out[c] = lam[c].to_numpy()
            out["group"] = _group_series(frame, group).to_numpy()
            return out

        head = ddf.partitions[0].head(50, npartitions=1, compute=True)
        meta_r = part_rows(head).iloc[:0]
        rows = ddf.map_partitions(part_rows, meta=meta_r)
        present = [el for el in REE if el in meta_r.columns]
        scalar = [c for c in ("Eu/Eu*", "Ce/Ce*", "(La/Yb)_N", "sum REE [ppm]", "lambda1",
                              "lambda2") if c in meta_r.columns]

        def part_logs(frame: pd.DataFrame) -> pd.DataFrame:
            vals = frame[present + scalar].where(frame[present + scalar] > 0)
            if "lambda1" in scalar:  # lambdas may be negative: averaged as they are
                vals[["lambda1", "lambda2"]] = frame[["lambda1", "lambda2"]]
            with np.errstate(divide="ignore", invalid="ignore"):
                logs = np.log(vals[[c for c in vals.columns if not c.startswith("lambda")]])
            out = logs.join(vals[[c for c in vals.columns if c.startswith("lambda")]])
            out["group"] = frame["group"].to_numpy()
            none = frame[present].isna().all(axis=1)
            out["_none"] = none.astype("int64")
            out["_incomplete"] = (~(frame[present] > 0).all(axis=1) & ~none).astype("int64")
            out["_n"] = 1
            return out

        logs = rows.map_partitions(part_logs)
        grouped = logs.groupby("group")
        n = len(ddf.columns)
        bar.update()
        bar.set_postfix_str("summaries (all rows)")
        import dask

        n_total = max(1, int(len(ddf)))
        frac = min(1.0, 1.2 * sample_size / n_total)
        q_total, means, counts, sample = dask.compute(
            q, grouped[[c for c in logs.columns if c not in ("group",)
                        and not c.startswith("_")]].mean(),
            grouped[["_n", "_none", "_incomplete"]].sum(),
            rows.sample(frac=frac, random_state=random_state))
        bar.update()
    finally:
        if made_client:
            client.close()
        if own is not None:
            own.close()
    n_rows = int(counts["_n"].sum())
    if len(sample) > sample_size:
        sample = sample.sample(sample_size, random_state=random_state)
    # Geometric means per group for the spider (all rows), band from the sample.
    spider_rows = []
    band = sample.melt(id_vars=["group"], value_vars=present, var_name="element",
                       value_name="x").dropna()
    band = band[band["x"] > 0].groupby(["group", "element"])["x"].quantile([0.1, 0.9]).unstack()
    for g_name, row in means.iterrows():
        for el in present:
            lo, hi = (band.loc[(g_name, el)].tolist() if (g_name, el) in band.index
                      else (np.nan, np.nan))
            spider_rows.append({"group": g_name, "element": el,
                                "median": float(np.exp(row[el])), "p10": lo, "p90": hi})
    spider = pd.DataFrame(spider_rows)
    groups_table = pd.DataFrame(index=means.index)
    groups_table["rows"] = counts["_n"]
    for c in scalar:
        label = "geometric mean" if not c.startswith("lambda") else "mean"
        groups_table[f"{label} {c}"] = np.exp(means[c]) if not c.startswith("lambda") \
            else means[c]
    dropped = _dropped_frame(int(counts["_none"].sum()), int(counts["_incomplete"].sum()),
                             len(present), n_rows)
    emb, novel, info = _embedding_and_novelty(bar, sample, embedding, "sample", reference,
                                              reference_label, units, bdl, novelty_quantile)
    report = _assemble(data_name=source or "dask DataFrame", n_rows=n_rows,
                       quality_rows=q_total, columns=list(ddf.columns)[:n], rows=sample,
                       sample=sample, emb=emb, novel=novel, info=info, units=units, bdl=bdl,
                       title=title, group=group, spider=spider, groups_table=groups_table,
                       dropped=dropped)
    report.notes.insert(0, f"Processed with Dask, {ddf.npartitions} partitions; group "
                           "summaries are geometric means over all rows.")
    bar.update()
    bar.close()
    return report
