"""One-step exploration of an REE table: data quality, patterns, anomalies, shape, embedding,
novelty against a labelled library, as one offline HTML report.

``python -m resourcekit explore DATA --out DIR`` or, in a notebook, ``ree.explore(df)``.

What is computed (all through the toolkit's own functions, so units and detection limits are
read exactly as :func:`resourcekit.ree.normalize` reads them; the steps are in
:mod:`resourcekit.ree._explore_steps`, the charts in :mod:`resourcekit.ree._explore_charts`):

- data quality: REE (and Y) columns found with their unit, values reported below the detection
  limit and replaced (policy ``bdl``, default ``"half"``: L/2, while every ``ree`` function
  defaults to ``"nan"``; the report header says which), every warning and every row dropped or
  refused, with the reason;
- spider plots by group: median pattern normalised to ``normalise_to`` (default CI chondrite,
  McDonough & Sun 1995, named on every chart) with the 10-90 % band of each group; above
  ``max_groups + 2`` groups the charts show the ``max_groups`` largest and "other", and the
  spider plot becomes small multiples;
- anomalies and ratios: Eu/Eu* = Eu_N / sqrt(Sm_N Gd_N), Ce/Ce* = Ce_N / sqrt(La_N Pr_N),
  (La/Yb)_N, (La/Sm)_N, (Gd/Yb)_N, the REE sum and LREE/HREE;
- lambdas (O'Neill 2016) normalised to ``lambda_reference`` (default O'Neill 2016), with chi2;
- a 2-D embedding (PCA by default; ``embedding="umap"`` or ``"tsne"``) of the clr coordinates;
- samples unlike the rest of the file: a within-dataset kNN outlier score with conformal
  p-values (always);
- novelty against a labelled library, only when one is given (``library=``, ``--library
  FILE``): no library fits every rock, so none is assumed;
- ``tables["samples"]`` (``tables/samples.csv`` and ``.parquet``): one row per sample.

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
from ._table_io import read_table, without_footer  # noqa: F401 - files to frames, public here

__all__ = ["explore", "ExploreReport", "read_table"]


_EMBEDDINGS = ("pca", "umap", "tsne")
_MAX_CHART_ROWS = 5000


def _add_footer(report: ExploreReport, footer: dict[str, Any] | None) -> None:
    """The file's footer lines in the "rows dropped" table, and a note."""
    if not footer:
        return
    row = pd.DataFrame({"rows": [footer["lines"]],
                        "effect": ["not read as samples: text after the data's last line and an "
                                   "empty line (e.g. GEOROC's abbreviations and references)"],
                        "of": [report.quality["n_rows"]]},
                       index=pd.Index([f"footer lines (first: {footer['first']!r})"],
                                      name="reason"))
    report.tables["dropped"] = pd.concat([report.tables["dropped"], row])
    report.notes.append(f"{footer['lines']} lines after the data (first: {footer['first']!r}) "
                        "are a footer, not samples; left out.")


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
    titles: dict[str, str] = field(default_factory=dict)

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
                "id": f"chart-{i}", "name": name, "title": self.titles.get(name, name),
                "spec": json.dumps(spec).replace("</", "<\\/"),
                "svg": self._svg(name) if mode == "svg" else None,
                "rows": _data_rows(chart),
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
            # 10 significant digits: beyond any analysis, and C formatting (fast for 1e5 rows)
            table.to_csv(tables / f"{name}.csv", float_format="%.10g")
        if "samples" in self.tables:
            self.tables["samples"].to_parquet(tables / "samples.parquet")
        page.write_text(self.to_html(mode="interactive"), encoding="utf-8")
        return page


def _data_rows(chart: Any) -> int:
    """Rows of the chart's own (top-level) data: marks the browser test expects."""
    data = getattr(chart, "data", None)
    return len(data) if isinstance(data, pd.DataFrame) else 0


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
<ul class="header">{% for h in quality.header %}<li>{{ h }}</li>{% endfor %}</ul>
<h2>Data quality</h2>
<p>{{ quality.summary }}</p>
{{ tables["quality"] | table }}
{% if quality.missing_elements %}
<p>Missing REE (no column): {{ quality.missing_elements | join(", ") }}</p>
{% else %}<p>All 14 REE have a column.</p>{% endif %}
<p>{{ quality.yttrium }}</p>
<h3>Rows dropped or refused, and why</h3>
{{ tables["dropped"] | table }}
<h3>Warnings ({{ quality.n_warnings }})</h3>
{{ tables["warnings"] | table }}
{% for n in notes %}<p class="note">{{ n }}</p>{% endfor %}
<h2>Summary by group</h2>
{{ tables["groups"] | table }}
{% for c in charts %}
<h2>{{ c.title }}</h2>
<div class="chart" id="{{ c.id }}" data-name="{{ c.name }}" data-rows="{{ c.rows }}">
{%- if c.svg %}{{ c.svg | safe }}{% endif %}</div>
{% if c.name == "outliers" and "outliers_flagged" in tables %}
<h3>Samples unlike the rest of this file (p = conformal p-value)</h3>
{{ tables["outliers_flagged"] | table }}
{% endif %}
{% if c.name == "novelty" and "novel" in tables %}
<h3>Samples unlike the library, with their nearest classes</h3>
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
    """vega + vega-lite + vega-embed as one script, built by vl-convert once per version and
    kept in the embedding cache folder (building it takes seconds)."""
    global _BUNDLE
    if _BUNDLE is None:
        import altair as alt
        import vl_convert as vlc

        from .._cache import cached_text

        vl = ".".join(alt.SCHEMA_VERSION.lstrip("v").split(".")[:2])

        def build() -> str:
            body = vlc.javascript_bundle(
                "window.vegaEmbed = vegaEmbed; window.vega = vega; window.vegaLite = vegaLite;",
                vl_version=vl,
            )
            return ("/* vega, vega-lite, vega-embed (bundled by vl-convert-python) */\n"
                    "(function () {\n" + body + "\n})();\n")

        _BUNDLE = cached_text(f"vega-bundle-vl{vl}-vlc{vlc.__version__}.js", build)
    return _BUNDLE


# --------------------------------------------------------------------------------- explore
def _progress(total: int, show: bool) -> Any:
    from tqdm.auto import tqdm

    return tqdm(total=total, desc="explore", disable=not show, leave=False)


def explore(
    data: Any,
    *,
    group: str | None = None,
    id: str | None = None,  # noqa: A002 - the issue's public name (--id)
    units: Any = None,
    normalise_to: str = "CI_McDonoughSun1995",
    lambda_reference: str = "CI_ONeill2016",
    yttrium: Any = None,
    bdl: str = "half",
    library: Any = None,
    library_label: str | None = None,
    reference: Any = None,
    reference_label: str | None = None,
    max_groups: int = 8,
    embedding: str = "pca",
    novelty_quantile: float = 0.95,
    outlier_quantile: float = 0.95,
    sample_size: int = 2000,
    scheduler: Any = None,
    progress: bool = True,
    random_state: int = 0,
    title: str | None = None,
) -> ExploreReport:
    """Explore an REE table: quality, spider plots, anomalies, lambdas, embedding, outliers,
    and novelty against a library when one is given.

    Parameters
    ----------
    data : pandas.DataFrame, dask DataFrame, or path
        One analysis per row; REE columns with units in their names (``La [mg/kg]``,
        ``LA(PPM)``, ``La_ppm``) or ``units=``. A path is read by :func:`read_table`.
    group : str, optional
        Column whose values colour the charts and split the summaries (``--group``).
    id : str, optional
        Column of sample IDs, used in every table, tooltip and ``samples.csv`` (``--id``);
        default: the row position.
    units : str or dict, optional
        Unit of REE columns whose names carry none (``--units``).
    normalise_to : str
        Reference composition for X_N, anomalies, ratios, embedding and novelty
        (``--normalise-to``; :func:`~resourcekit.ree.reference_names`).
    lambda_reference : str
        Reference composition of the lambdas (``--lambda-reference``; O'Neill 2016 by default,
        the basis of his lambdas).
    yttrium : str or False, optional
        The column that holds yttrium (``--yttrium COLUMN``; its unit from its name or
        ``units``), or False to leave Y out (``--no-yttrium``). Default: the reader's rule
        (:func:`~resourcekit.ree.find_columns`), reported in the data-quality section.
    bdl : {"nan", "half", "limit"}
        Detection-limit policy (``--bdl``; default ``"half"``: L/2, because log-ratios need
        positive values; the ``ree`` functions default to ``"nan"``).
    library : path or DataFrame, optional
        Labelled library for novelty (``--library FILE``). Without one, novelty is off: no
        shipped library fits every rock type.
    library_label : str, optional
        Its label column (default ``label`` or ``class``).
    reference, reference_label
        Former names of ``library`` and ``library_label`` (``reference=False``: no library).
    max_groups : int
        Above ``max_groups + 2`` groups the charts show the ``max_groups`` largest and "other"
        (``--max-groups``); tables keep every group.
    embedding : {"pca", "umap", "tsne"}
        2-D embedding of the clr coordinates of complete patterns.
    novelty_quantile, outlier_quantile : float
        Flag threshold: this quantile of the leave-one-out scores (library; this file).
    sample_size : int
        Rows used for row-level charts, the embedding, outliers and novelty when the data are
        larger (random sample, ``random_state``); summaries, counts and ``samples.csv`` use
        every row (pandas input).
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
    >>> rep = explore(df, progress=False)
    >>> int(rep.tables["quality"].loc["Yb", "below detection limit"])
    1
    """
    from ._explore_steps import Options

    if embedding not in _EMBEDDINGS:
        raise OptionError(f"explore: embedding = {embedding!r}; use one of {list(_EMBEDDINGS)}")
    if int(sample_size) < 10:
        raise OptionError(f"explore: sample_size = {sample_size!r}; use at least 10")
    if library is None and reference is not None and reference is not False:
        library = reference
    library_label = library_label or reference_label
    _check_reference(normalise_to, "normalise_to")
    _check_reference(lambda_reference, "lambda_reference")
    opts = Options(units=units, normalise_to=normalise_to, lambda_reference=lambda_reference,
                   bdl=bdl, id=id, group=group, yttrium=yttrium, max_groups=int(max_groups))
    source, footer = None, None
    from ._dask import is_dask

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if isinstance(data, (str, os.PathLike)):  # read here: its warnings count in the report
            source = str(data)
            data = read_table(data)
            footer = getattr(data, "attrs", {}).get("footer")
        if is_dask(data):
            report = _explore_dask(data, opts, library=library, library_label=library_label,
                                   embedding=embedding, novelty_quantile=novelty_quantile,
                                   outlier_quantile=outlier_quantile, sample_size=sample_size,
                                   scheduler=scheduler, progress=progress,
                                   random_state=random_state, title=title, source=source)
        else:
            report = _explore_frame(data, opts, library=library, library_label=library_label,
                                    embedding=embedding, novelty_quantile=novelty_quantile,
                                    outlier_quantile=outlier_quantile, sample_size=sample_size,
                                    progress=progress, random_state=random_state, title=title,
                                    source=source)
    _add_warnings(report, caught)
    _add_footer(report, footer)
    return report


def _check_reference(name: Any, option: str) -> None:
    from .references import reference_names

    if not isinstance(name, str) or name not in reference_names():
        flag = "--" + option.replace("_", "-")
        raise OptionError(f"explore: {option} = {name!r} ({flag}); use one of "
                          f"{reference_names()}")


def _add_warnings(report: ExploreReport, caught: list[Any]) -> None:
    """Every warning raised while exploring, counted by kind and message."""
    seen: dict[tuple[str, str], int] = {}
    for w in caught:
        if issubclass(w.category, (DeprecationWarning, PendingDeprecationWarning)) or \
                "tqdm" in str(w.filename):
            continue
        key = (w.category.__name__, str(w.message))
        seen[key] = seen.get(key, 0) + 1
    table = pd.DataFrame([{"warning": k, "message": m, "times": n}
                          for (k, m), n in seen.items()], columns=["warning", "message", "times"])
    report.tables["warnings"] = table
    report.quality["n_warnings"] = int(table["times"].sum()) if len(table) else 0


def _explore_frame(data: Any, opts: Any, *, library: Any, library_label: Any, embedding: str,
                   novelty_quantile: float, outlier_quantile: float, sample_size: int,
                   progress: bool, random_state: int, title: str | None,
                   source: str | None) -> ExploreReport:
    from . import _explore_steps as steps

    if not isinstance(data, pd.DataFrame):
        raise DataError(f"explore: data must be a DataFrame, a dask DataFrame or a path, got "
                        f"{type(data).__name__}")
    if data.columns.duplicated().any():
        dup = list(data.columns[data.columns.duplicated()])
        raise DataError(f"explore: duplicate column names {dup}")
    bar = _progress(6, progress)
    bar.set_postfix_str("quality, patterns, anomalies, lambdas")
    frame, opts = steps.prepare(data, opts)
    rows, quality_rows, not_fitted = steps.row_table(frame, opts)
    bar.update()
    sample = rows
    if len(rows) > sample_size:
        sample = rows.sample(sample_size, random_state=random_state)
    present = [el for el in REE if el in rows.columns]
    dropped = steps.dropped_frame(steps.dropped_counts(rows, not_fitted), len(present),
                                  len(rows))
    emb, outl, novel, info = _scores(bar, sample, present, embedding, "", library,
                                     library_label, opts, novelty_quantile, outlier_quantile)
    report = _assemble(data_name=source or "DataFrame", n_rows=len(data),
                       quality_rows=quality_rows, columns=list(frame.columns), rows=rows,
                       sample=sample, emb=emb, outl=outl, novel=novel, info=info, opts=opts,
                       title=title, dropped=dropped)
    bar.update()
    bar.close()
    return report


def _scores(bar: Any, sample: pd.DataFrame, present: list[str], embedding: str, note: str,
            library: Any, library_label: Any, opts: Any, novelty_quantile: float,
            outlier_quantile: float) -> tuple[Any, Any, Any, dict[str, Any]]:
    """Embedding, within-dataset outliers and (with a library) novelty, on ``sample``."""
    from . import _explore_steps as steps

    suffix = f", {note}" if note else ""
    bar.set_postfix_str(f"embedding ({embedding}{suffix})")
    emb = steps.embedding(sample, present, embedding)
    bar.update()
    bar.set_postfix_str("outliers")
    outl, out_info = steps.outliers(sample, present, outlier_quantile)
    bar.update()
    info: dict[str, Any] = {"outliers": out_info}
    novel = None
    if library is None or library is False:
        info["skipped"] = ("off: no library given (pass --library FILE, or library= in "
                           "Python, with a labelled set of your own rock or mineral type)")
    else:
        bar.set_postfix_str("novelty")
        lib, labels, name = steps.read_library(library, library_label)
        novel, ninfo = steps.novelty(sample, lib, labels, opts, novelty_quantile)
        info.update(ninfo, library=name)
    bar.update()
    return emb, outl, novel, info


def _assemble(*, data_name: str, n_rows: int, quality_rows: pd.DataFrame, columns: list[Any],
              rows: pd.DataFrame, sample: pd.DataFrame, emb: pd.DataFrame | None,
              outl: pd.DataFrame | None, novel: pd.DataFrame | None, info: dict[str, Any],
              opts: Any, title: str | None, dropped: pd.DataFrame,
              spider: pd.DataFrame | None = None,
              groups_table: pd.DataFrame | None = None) -> ExploreReport:
    from . import _explore_charts as charts_mod
    from . import _explore_steps as steps
    from .normalization import BDL_POLICIES, find_columns

    cols = find_columns(columns, opts.elements, units=opts.units)
    shown = dict(cols)  # the user's column names: prepare() renamed --yttrium's to 'Y [unit]'
    if isinstance(opts.yttrium, str) and "Y" in shown:
        shown["Y"] = opts.yttrium
    q = quality_rows.groupby("element", sort=False).sum(numeric_only=True)
    q = q.reindex([el for el in opts.elements if el in q.index])
    q.insert(0, "column", [shown[el] for el in q.index])
    q.insert(1, "unit", [_unit_of_column(cols[el], opts.units) for el in q.index])
    missing = [el for el in REE if el not in cols]
    n_bdl = int(q["below detection limit"].sum())
    ref, lref = steps.citation(opts.normalise_to), steps.citation(opts.lambda_reference)
    summary = (f"{n_rows} rows, {len(columns)} columns; {len(cols)} REE columns found; "
               f"{n_bdl} values reported below the detection limit replaced by policy "
               f"bdl={opts.bdl!r} ({BDL_POLICIES[opts.bdl]}).")
    header = [
        f"Normalised to {opts.normalise_to} ({ref}): spider plot, anomalies, ratios, "
        "embedding, outliers and novelty.",
        f"Lambdas normalised to {opts.lambda_reference} ({lref}).",
        f"Detection limits: bdl={opts.bdl!r} ({BDL_POLICIES[opts.bdl]})"
        + (" - not the ree functions' default bdl='nan' (left missing)."
           if opts.bdl != "nan" else "."),
        "Units: from the column names" + (f", else {opts.units!r}." if opts.units else "."),
    ]
    if spider is None:
        spider = charts_mod.spider_long(rows)
    if groups_table is None:
        agg = {c: "median" for c in steps.SCALARS + ("lambda1", "lambda2") if c in rows.columns}
        groups_table = rows.groupby("group").agg(agg).rename(columns=lambda c: f"median {c}")
        groups_table.insert(0, "rows", rows.groupby("group").size())
    chart_rows = sample if len(sample) <= _MAX_CHART_ROWS else sample.sample(
        _MAX_CHART_ROWS, random_state=0)
    lumped = steps.lump_groups(chart_rows["group"], opts.max_groups)
    chart_spider = spider
    was_lumped = bool((lumped != chart_rows["group"]).any())
    if was_lumped:
        chart_rows = chart_rows.assign(group=lumped)
        chart_spider = charts_mod.spider_long(
            rows.assign(group=steps.lump_groups(rows["group"], opts.max_groups)))
    charts = charts_mod.build(chart_spider, chart_rows, emb, outl, novel,
                              ref=opts.normalise_to, lref=opts.lambda_reference,
                              library=info.get("library"))
    titles = {k: v.format(ref=opts.normalise_to, lref=opts.lambda_reference,
                          library=info.get("library", "")) for k, v in charts_mod.TITLES.items()}
    present = [el for el in opts.elements if el in rows.columns]
    tables = {"quality": q, "dropped": dropped, "groups": groups_table, "spider": spider,
              "samples": steps.samples_table(rows, present, outl, novel, opts.normalise_to)}
    notes = []
    if len(sample) < n_rows:
        notes.append(f"Row-level charts, embedding, outliers and novelty use a random sample of "
                     f"{len(sample)} of {n_rows} rows.")
    if was_lumped:
        notes.append(f"{rows['group'].nunique()} groups: the charts show the "
                     f"{opts.max_groups} largest and 'other' (max_groups, --max-groups); the "
                     "tables keep every group.")
    if emb is not None:
        notes.append(f"Embedding: {emb.attrs.get('method')} of the clr coordinates of "
                     f"{len(emb)} complete patterns (cache: {emb.attrs.get('cache')}).")
    oinfo = info.get("outliers", {})
    if outl is not None:
        tables["outliers"] = outl
        tables["outliers_flagged"] = outl[outl["outlier"]].sort_values(
            "outlier score", ascending=False).join(rows["group"])
        notes.append(
            f"Outliers within this file: kNN distance (standardised ln X_N) of each of "
            f"{oinfo['n_scored']} complete patterns to the others, each scored without itself; "
            f"conformal p-value against the same leave-one-out scores; {oinfo['n_flagged']} "
            f"beyond their {oinfo['quantile']:.0%} quantile ({oinfo['threshold']:.3g}).")
    else:
        notes.append(f"Outliers: skipped ({oinfo.get('skipped')}).")
    if novel is not None:
        tables["novelty"] = novel
        tables["novel"] = novel[novel["unlike_any"]].sort_values("novelty", ascending=False)
        notes.append(
            f"Novelty: kNN distance (k=2, standardised ln X_N of {', '.join(info['elements'])}) "
            f"to the library {info['library']} ({info['n_reference']} complete analyses, "
            f"classes {', '.join(info['classes'])}); threshold {info['threshold']:.3g} = the "
            f"library's leave-one-out quantile; {info['n_unlike']} of {info['n_scored']} "
            "scored samples unlike any class. A flag means unlike these classes, and says "
            "nothing where the library holds no rock of this kind."
            + (f" {info['n_identical']} samples are in the library itself: each is scored "
               "without its own copy." if info.get("n_identical") else ""))
    else:
        notes.append(f"Novelty against a library: {info.get('skipped')}.")
    name = title or f"REE exploration: {Path(data_name).name}"
    yttrium = ("Yttrium: read from column " + repr(shown["Y"]) + "." if "Y" in cols else
               "Yttrium: not read (no column, --no-yttrium, or a 'Y' read as a coordinate: "
               "see the warnings; pass --yttrium COLUMN if it is yttrium).")
    quality = {"summary": summary, "missing_elements": missing, "n_rows": n_rows,
               "n_bdl": n_bdl, "group": opts.group, "header": header, "yttrium": yttrium,
               "normalise_to": opts.normalise_to, "lambda_reference": opts.lambda_reference,
               "bdl": opts.bdl, "n_warnings": 0}
    return ExploreReport(html.unescape(name), quality, tables, charts, notes, titles)


def _unit_of_column(label: str, units: Any) -> str:
    from ..units import split_unit

    try:
        _, unit = split_unit(label)
    except Exception:  # noqa: BLE001 - shown as '?'
        unit = None
    if unit is not None:
        import re

        written = re.search(r"[\[(]\s*([^\])]+?)\s*[\])]\s*$|_([^_\s]+)$", label)
        text = next((g for g in written.groups() if g), None) if written else None
        return text or str(unit)
    if isinstance(units, dict):
        return str(units.get(label, "?"))
    return str(units) if units is not None else "?"


# --------------------------------------------------------------------------------- dask
def _partition_summary(frame: pd.DataFrame, opts: Any, part: int, frac: float,
                       seed: int) -> dict[str, Any]:
    """Everything the report needs from one partition, in one pass: quality counts, dropped
    counts, per-group sums and counts of logs (exact geometric means when added up), a random
    sample of rows, and the warnings raised."""
    from . import _explore_steps as steps

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        frame, o = steps.prepare(frame, opts)
        if opts.id is None:
            frame.index = pd.Index([f"{part}:{j}" for j in range(len(frame))], name="row")
        rows, quality, not_fitted = steps.row_table(frame, o)
    counts = steps.dropped_counts(rows, not_fitted)
    present = [el for el in o.elements if el in rows.columns]
    scalar = [c for c in steps.SCALARS if c in rows.columns]
    lam = [c for c in ("lambda1", "lambda2") if c in rows.columns]
    vals = rows[present + scalar].where(rows[present + scalar] > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        logs = np.log(vals.astype("float64")).join(rows[lam])
    grouped = logs.groupby(rows["group"])
    return {"quality": quality, "counts": counts, "sums": grouped.sum(min_count=1),
            "n": grouped.count(), "size": rows.groupby("group").size(),
            "sample": rows.sample(frac=frac, random_state=seed + part) if frac < 1 else rows,
            "elements": o.elements, "present": present, "scalar": scalar, "lam": lam,
            "warnings": [(w.category, str(w.message)) for w in caught]}


def _explore_dask(ddf: Any, opts: Any, *, library: Any, library_label: Any, embedding: str,
                  novelty_quantile: float, outlier_quantile: float, sample_size: int,
                  scheduler: Any, progress: bool, random_state: int, title: str | None,
                  source: str | None) -> ExploreReport:
    import dask
    from distributed import Client, LocalCluster

    from . import _explore_steps as steps

    steps.prepare(ddf.partitions[0].head(5, npartitions=1, compute=True), opts)  # checks
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
        bar.set_postfix_str("quality, patterns, lambdas (all rows)")
        n_total = max(1, int(len(ddf)))
        frac = min(1.0, 1.2 * sample_size / n_total)
        parts = [dask.delayed(_partition_summary)(p, opts, i, frac, random_state)
                 for i, p in enumerate(ddf.to_delayed())]
        done = dask.compute(*parts)
        bar.update()
    finally:
        if made_client:
            client.close()
        if own is not None:
            own.close()
    for d in done:
        for category, message in d["warnings"]:
            warnings.warn(message, category, stacklevel=2)
    first = done[0]
    opts = steps._replace(opts, elements=first["elements"])
    present, scalar, lam = first["present"], first["scalar"], first["lam"]
    ree_present = [el for el in REE if el in present]
    sums = pd.concat([d["sums"] for d in done]).groupby(level=0).sum(min_count=1)
    ns = pd.concat([d["n"] for d in done]).groupby(level=0).sum()
    means = sums / ns
    size = pd.concat([d["size"] for d in done]).groupby(level=0).sum()
    counts: dict[str, int] = {}
    for d in done:
        for k, v in d["counts"].items():
            counts[k] = counts.get(k, 0) + v
    sample = pd.concat([d["sample"] for d in done])
    n_rows = int(size.sum())
    if len(sample) > sample_size:
        sample = sample.sample(sample_size, random_state=random_state)
    band = sample.melt(id_vars=["group"], value_vars=present, var_name="element",
                       value_name="x").dropna()
    band = band[band["x"] > 0].groupby(["group", "element"])["x"].quantile([0.1, 0.9]).unstack()
    spider_rows = []
    for g_name, row in means.iterrows():
        for el in present:
            lo, hi = (band.loc[(g_name, el)].tolist() if (g_name, el) in band.index
                      else (np.nan, np.nan))
            spider_rows.append({"group": g_name, "element": el,
                                "median": float(np.exp(row[el])), "p10": lo, "p90": hi})
    groups_table = pd.DataFrame(index=means.index)
    groups_table["rows"] = size
    for c in scalar:
        groups_table[f"geometric mean {c}"] = np.exp(means[c])
    for c in lam:
        groups_table[f"mean {c}"] = means[c]
    dropped = steps.dropped_frame(counts, len(ree_present), n_rows)
    emb, outl, novel, info = _scores(bar, sample, ree_present, embedding, "sample", library,
                                     library_label, opts, novelty_quantile, outlier_quantile)
    report = _assemble(data_name=source or "dask DataFrame", n_rows=n_rows,
                       quality_rows=pd.concat([d["quality"] for d in done]),
                       columns=list(ddf.columns), rows=sample, sample=sample, emb=emb,
                       outl=outl, novel=novel, info=info, opts=opts, title=title,
                       dropped=dropped, spider=pd.DataFrame(spider_rows),
                       groups_table=groups_table)
    report.notes.insert(0, f"Processed with Dask, {ddf.npartitions} partitions; group "
                           "summaries are geometric means over all rows; samples.csv holds "
                           f"the random sample of {len(sample)} rows.")
    bar.update()
    bar.close()
    return report
