"""Chart text in the page's language: the words of every chart from the page's catalogue.

The lessons are executed once, in English (``book/prepare.py``), and both editions show the
same outputs. An altair chart's words (its title, axis and legend titles, a slider's label, a
text mark) live inside its Vega-Lite spec, which the book embeds as JSON in the output's HTML,
so Sphinx's catalogues never see them. This module

- **extracts** them from the executed lessons into each lesson's own ``.pot``
  (``python book/_ext/rk_chart_i18n.py pot``, run by ``make book-pot`` before sphinx-intl), so
  they are translated in ``book/locales/ja/LC_MESSAGES/lessons/<lesson>.po`` beside the page's
  prose, and a changed chart title shows up as an untranslated message there;
- **applies** the translations in the Japanese edition (a Sphinx transform): each chart's
  spec is read, its words replaced by their ``msgstr``, and written back. Nothing but
  presentation changes: data, field names, expressions and parameters stay as they are, so the
  chart's selections and sliders work the same. An encoding without a title shows its field
  name; when that name has a translation, the encoding gets the translation as its title.

Category values inside the data (a legend's entries, e.g. ``concentrate``) stay as they are
in the data, since filters and selections match them; they are shown translated through a
label expression (:func:`categories`). Plotly figures (the Sankey diagrams, written into the
page by ``resourcekit._book``) get the same treatment (:func:`plotly_figure`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

BOOK = Path(__file__).resolve().parents[1]
_DECODER = json.JSONDecoder()
# keys whose values are data or expressions: never read for words
_DATA_KEYS = frozenset({"data", "datasets", "transform", "config", "$schema", "usermeta"})
_TITLE_HOLDERS = ("axis", "legend", "header")


def chart_spans(html: str) -> list[tuple[int, int]]:
    """Start and end of each Vega-Lite spec in altair chart HTML (the ``(spec, embedOpt)`` that
    altair's template passes to its loader), in order.

    >>> html = ('<div id="altair-viz-1"></div><script>(function(s,o){})({"$schema": '
    ...         '"https://vega.github.io/schema/vega-lite/v6.json", "mark": "point"}, {});')
    >>> html[slice(*chart_spans(html)[0])][-16:]
    '"mark": "point"}'
    >>> chart_spans("<p>no chart</p>"), chart_spans("<p>altair-viz})({}, {})</p>")
    ([], [])
    """
    spans: list[tuple[int, int]] = []
    if "altair-viz" not in html:
        return spans
    start = html.find("})(")
    while start >= 0:
        try:
            spec, end = _DECODER.raw_decode(html, start + 3)
        except json.JSONDecodeError:
            spec, end = None, start + 3
        if isinstance(spec, dict) and "vega-lite" in str(spec.get("$schema", "")):
            spans.append((start + 3, end))
        start = html.find("})(", end)
    return spans


def _text(value: Any, visit: Callable[[str], str]) -> Any:
    """A title-like value (string, list of lines, or {text, subtitle}) with its words visited."""
    if isinstance(value, str):
        return visit(value) if value.strip() else value
    if isinstance(value, list):
        return [_text(v, visit) for v in value]
    if isinstance(value, dict):
        return {k: _text(v, visit) if k in ("text", "subtitle") else v for k, v in value.items()}
    return value


def _titled(definition: Any) -> bool:
    """Whether an encoding channel sets its title (on itself, its axis, legend or header)."""
    return isinstance(definition, dict) and ("title" in definition or any(
        isinstance(definition.get(h), dict) and "title" in definition[h]
        for h in _TITLE_HOLDERS))


def _channel(definition: Any, name: str, visit: Callable[[str], str],
             titled_beside: frozenset[str] = frozenset()) -> Any:
    """One encoding channel (a tooltip may hold a list of them). ``titled_beside``: channels
    that a sibling layer titles; Vega-Lite shows that title, not this field's name, so no
    title is added here (two titles would be joined with a comma)."""
    if isinstance(definition, list):
        return [_channel(d, name, visit, titled_beside) for d in definition]
    if not isinstance(definition, dict):
        return definition
    out = walk(definition, visit)
    if name == "text" and isinstance(out.get("value"), str):
        out["value"] = _text(out["value"], visit)
    field = out.get("field")
    if (isinstance(field, str) and not _titled(out) and name not in titled_beside
            and not {"aggregate", "timeUnit", "bin"} & out.keys()):
        title = visit(field)
        if title != field:
            out["title"] = title
    return out


def walk(spec: Any, visit: Callable[[str], str],
         titled_beside: frozenset[str] = frozenset()) -> Any:
    """A copy of a Vega-Lite spec with each of its words replaced by ``visit(word)``.

    Words are: titles and subtitles (of the chart, a layer, an axis, a legend, a header), a
    bound parameter's label (``bind.name``), a text mark's text, and the field name an untitled
    encoding shows.

    >>> spec = {"title": "ROC", "mark": "line", "params": [{"name": "t", "bind": {
    ...     "input": "range", "name": "threshold "}}], "encoding": {
    ...     "x": {"field": "fpr", "type": "quantitative"},
    ...     "y": {"field": "tpr", "axis": {"title": "true-positive rate"}}},
    ...     "data": {"values": [{"fpr": 0, "tpr": 0}]}}
    >>> out = walk(spec, lambda w: w.upper())
    >>> out["title"], out["params"][0]["bind"]["name"], out["encoding"]["x"]["title"]
    ('ROC', 'THRESHOLD ', 'FPR')
    >>> out["encoding"]["y"]["axis"]["title"], "title" in out["encoding"]["y"], out["data"]
    ('TRUE-POSITIVE RATE', False, {'values': [{'fpr': 0, 'tpr': 0}]})
    """
    if isinstance(spec, list):
        return [walk(v, visit, titled_beside) for v in spec]
    if not isinstance(spec, dict):
        return spec
    out: dict[str, Any] = {}
    for key, value in spec.items():
        if key == "layer" and isinstance(value, list):
            beside = titled_beside | {
                name for layer in value if isinstance(layer, dict)
                for name, d in (layer.get("encoding") or {}).items() if _titled(d)}
            out[key] = [walk(layer, visit, frozenset(beside)) for layer in value]
        elif key in _DATA_KEYS:
            out[key] = value
        elif key in ("title", "subtitle"):
            out[key] = _text(value, visit)
        elif key == "bind" and isinstance(value, dict) and isinstance(value.get("name"), str):
            label = value["name"]
            out[key] = {**value, "name": visit(label.strip()) + label[len(label.rstrip()):]}
        elif key == "mark" and isinstance(value, dict):
            out[key] = {k: _text(v, visit) if k == "text" else v for k, v in value.items()}
        elif key == "encoding" and isinstance(value, dict):
            out[key] = {name: _channel(d, name, visit, titled_beside)
                        for name, d in value.items()}
        else:
            out[key] = walk(value, visit, titled_beside)
    return out


# where a channel shows its categories' labels
_LABEL_HOLDER = {"x": "axis", "y": "axis", "color": "legend", "fill": "legend",
                 "stroke": "legend", "shape": "legend", "strokeDash": "legend",
                 "opacity": "legend", "size": "legend", "row": "header", "column": "header",
                 "facet": "header"}
_WORD = re.compile(r"[a-z]{3,}")


def _is_word(value: Any) -> bool:
    """A category that reads as words: a run of lower-case letters, no identifier
    (``fe_scrap``); a field with any identifier among its values is left as it is."""
    return isinstance(value, str) and "_" not in value and bool(_WORD.search(value))


def _label_channels(spec: Any) -> list[dict]:
    """Every encoding channel of ``spec`` (any depth) that labels nominal or ordinal
    categories on an axis, a legend or a header."""
    found: list[dict] = []
    if isinstance(spec, list):
        for item in spec:
            found += _label_channels(item)
    elif isinstance(spec, dict):
        encoding = spec.get("encoding")
        if isinstance(encoding, dict):
            for name, d in encoding.items():
                if (name in _LABEL_HOLDER and isinstance(d, dict)
                        and d.get("type") in ("nominal", "ordinal")
                        and isinstance(d.get("field"), str)
                        and d.get(_LABEL_HOLDER[name], {}) is not None):
                    d["_rk_holder"] = _LABEL_HOLDER[name]
                    found.append(d)
        for key, value in spec.items():
            if key not in _DATA_KEYS and key != "encoding":
                found += _label_channels(value)
    return found


def categories(spec: dict, visit: Callable[[str], str]) -> dict:
    """A copy of ``spec`` whose category labels (legend entries, axis and header labels of
    nominal and ordinal fields) are shown as ``visit(value)``, through a ``labelExpr``.

    Only what is shown changes: the data keep their values, so filters, selections and
    colours match as before. Categories that are identifiers or codes (``fe_scrap``, ``PVC``,
    ``La``) are not words and are left as they are. One expression serves every channel of
    the chart, so layers that share a legend never conflict.

    >>> spec = {"datasets": {"d": [{"p": "ferrous"}, {"p": "PVC"}]}, "data": {"name": "d"},
    ...         "mark": "bar", "encoding": {"x": {"field": "p", "type": "nominal"}}}
    >>> categories(spec, {"ferrous": "鉄"}.get)["encoding"]["x"]["axis"]["labelExpr"]
    'datum.label === "ferrous" ? "鉄" : datum.label'
    """
    spec = json.loads(json.dumps(spec))
    channels = _label_channels(spec)
    if all("labelExpr" in (d.get(d["_rk_holder"]) or {}) for d in channels):
        for d in channels:  # labelled already (a translated page): nothing else is shown
            d.pop("_rk_holder")
        return spec
    fields = {d["field"] for d in channels}
    rows = [row for data in (spec.get("datasets") or {}).values() if isinstance(data, list)
            for row in data if isinstance(row, dict)]
    values: set[str] = set()
    for field in fields:
        seen = {row[field] for row in rows if isinstance(row.get(field), str)}
        if not any("_" in v for v in seen):  # a field of identifiers (fe_scrap) stays as is
            values |= {v for v in seen if _is_word(v)}
    values = sorted(values)
    shown = {}
    for value in values:
        label = visit(value)
        if label and label != value:
            shown[value] = label
    expr = "datum.label"
    for value, label in reversed(list(shown.items())):
        expr = (f"datum.label === {json.dumps(value, ensure_ascii=False)} ? "
                f"{json.dumps(label, ensure_ascii=False)} : {expr}")
    for d in channels:
        holder = d.pop("_rk_holder")
        if shown and "labelExpr" not in (d.get(holder) or {}):
            d[holder] = {**(d.get(holder) or {}), "labelExpr": expr}
    return spec


def translate_spec(spec: dict, visit: Callable[[str], str]) -> dict:
    """``spec`` with its words (:func:`walk`) and its category labels (:func:`categories`)
    shown as ``visit`` gives them."""
    return categories(walk(spec, visit), visit)


def words_per_chart(html: str) -> list[list[str]]:
    """The words of each chart in ``html`` (an output or a whole page), chart by chart."""
    charts = []
    for start, end in chart_spans(html):
        found: list[str] = []

        def keep(word: str, found: list[str] = found) -> str:
            found.append(word)
            return word

        translate_spec(json.loads(html[start:end]), keep)
        charts.append([w for w in found if w.strip()])
    return charts


def messages(html: str) -> list[str]:
    """The words of every chart in ``html``, in order, each once."""
    return list(dict.fromkeys(w for chart in words_per_chart(html) for w in chart))


def translate(html: str, gettext: Callable[[str], str]) -> str:
    """The output's HTML with every chart's words translated by ``gettext``."""
    for start, end in reversed(chart_spans(html)):
        spec = translate_spec(json.loads(html[start:end]), gettext)
        # "</" would end the script element early: JSON lets it be written "<\/"
        text = json.dumps(spec, ensure_ascii=False).replace("</", "<\\/")
        html = html[:start] + text + html[end:]
    return html


PLOTLY_MIME = "application/vnd.plotly.v1+json"
_FIGURE = "var fig = "  # how resourcekit._book writes a plotly figure into the page


def plotly_figure(figure: dict, visit: Callable[[str], str]) -> dict:
    """A copy of a plotly figure with its words shown as ``visit`` gives them: the titles of
    the figure and its axes, trace names, annotations, and a Sankey's node labels when they
    read as words (a list holding any identifier, ``fe_scrap`` or ``magnet.magnetic``, is
    left as it is, like a Vega-Lite field of identifiers).

    >>> fig = {"data": [{"type": "sankey", "node": {"label": ["feed", "aluminium"]}}],
    ...        "layout": {"title": {"text": "mass [kg]"}, "xaxis": {"title": "size"}}}
    >>> out = plotly_figure(fig, str.upper)
    >>> out["layout"]["title"]["text"], out["layout"]["xaxis"]["title"], out["data"][0]["node"]
    ('MASS [KG]', 'SIZE', {'label': ['FEED', 'ALUMINIUM']})
    """
    figure = json.loads(json.dumps(figure))
    layout = figure.get("layout") or {}
    for key, value in list(layout.items()):
        if key == "title" or key.startswith(("xaxis", "yaxis")) and isinstance(value, dict):
            holder = layout if key == "title" else value
            holder["title"] = _text(holder.get("title"), visit)
    for note in layout.get("annotations") or []:
        if isinstance(note, dict) and isinstance(note.get("text"), str):
            note["text"] = _text(note["text"], visit)
    for trace in figure.get("data") or []:
        if isinstance(trace.get("name"), str):
            trace["name"] = _text(trace["name"], visit)
        labels = (trace.get("node") or {}).get("label")
        if (isinstance(labels, list) and all(isinstance(v, str) for v in labels)
                and not any("_" in v or "." in v for v in labels)):
            trace["node"]["label"] = [visit(v) if _is_word(v) else v for v in labels]
    return figure


def translate_plotly(html: str, gettext: Callable[[str], str]) -> str:
    """A page's plotly figure (``resourcekit._book``'s HTML) with its words translated."""
    start = html.find(_FIGURE)
    if start < 0 or "rk-plotly" not in html:
        return html
    start += len(_FIGURE)
    figure, end = _DECODER.raw_decode(html, start)
    text = json.dumps(plotly_figure(figure, gettext), ensure_ascii=False).replace("</", "<\\/")
    return html[:start] + text + html[end:]


def plotly_messages(html: str) -> list[str]:
    """The words of the plotly figure in ``html`` (an output or a page), each once."""
    found: list[str] = []
    start = html.find(_FIGURE)
    while start >= 0 and "rk-plotly" in html:
        figure, end = _DECODER.raw_decode(html, start + len(_FIGURE))
        plotly_figure(figure, lambda w: found.append(w) or w)
        start = html.find(_FIGURE, end)
    return list(dict.fromkeys(w for w in found if w.strip()))


def notebook_messages(path: Path) -> list[str]:
    """The chart words of an executed notebook's outputs, in order, each once."""
    found: list[str] = []
    for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
        for output in cell.get("outputs", []):
            html = output.get("data", {}).get("text/html", "")
            words = messages("".join(html) if isinstance(html, list) else html)
            figure = output.get("data", {}).get(PLOTLY_MIME)
            if isinstance(figure, dict):
                plotly_figure(figure, lambda w, words=words: words.append(w) or w)
            for word in words:
                if word.strip() and word not in found:
                    found.append(word)
    return found


def add_to_pots(gettext_dir: Path) -> int:
    """Add the chart words of ``book/lessons/*.ipynb`` to each lesson's ``.pot``; return the
    number added. Run after Sphinx's gettext builder and before ``sphinx-intl update``."""
    from babel.messages.pofile import read_po, write_po

    added = 0
    for notebook in sorted((BOOK / "lessons").glob("*.ipynb")):
        pot = gettext_dir / "lessons" / f"{notebook.stem}.pot"
        if not pot.is_file():
            continue
        with pot.open("rb") as handle:
            catalogue = read_po(handle)
        for word in notebook_messages(notebook):
            if word in catalogue:
                continue
            catalogue.add(word, locations=[(f"lessons/{notebook.name}", 0)],
                          auto_comments=["chart text (rk_chart_i18n)"])
            added += 1
        with pot.open("wb") as handle:
            write_po(handle, catalogue, width=76)
    return added


def setup(app: Any) -> dict[str, Any]:
    from docutils import nodes
    from rk_language_switch import page_gettext
    from sphinx.transforms import SphinxTransform

    class TranslateCharts(SphinxTransform):
        """Replace each chart's words (altair and plotly) by the page catalogue's msgstr
        (non-English builds)."""

        default_priority = 21  # beside Sphinx's own Locale transform (20)

        def apply(self, **kwargs: Any) -> None:
            lookup = page_gettext(self)
            if lookup is None:
                return
            for raw in list(self.document.findall(nodes.raw)):
                html = raw.astext()
                if "html" not in raw.get("format", ""):
                    continue
                if chart_spans(html):
                    raw.children = [nodes.Text(translate(html, lookup))]
                elif 'class="rk-plotly"' in html:
                    raw.children = [nodes.Text(translate_plotly(html, lookup))]

    app.add_transform(TranslateCharts)
    return {"parallel_read_safe": True, "parallel_write_safe": True}


if __name__ == "__main__":
    import sys

    if sys.argv[1:2] != ["pot"]:
        sys.exit("usage: python book/_ext/rk_chart_i18n.py pot [GETTEXT_DIR]")
    target = Path(sys.argv[2]) if len(sys.argv) > 2 else BOOK / "_build" / "gettext"
    print(f"chart text: {add_to_pots(target)} messages added to {target}/lessons/*.pot")
