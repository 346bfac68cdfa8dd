"""A Vega-Lite spec's words in another language: titles, axis and legend titles, slider labels,
text marks and category labels, everything else untouched.

One function, :func:`translate_spec`, used by both places a chart meets a Japanese reader
(issue 26): the book's Japanese edition (``book/_ext/rk_chart_i18n.py`` rewrites each embedded
spec with the page's catalogue) and a live JupyterLab kernel of the Japanese course
(:mod:`resourcekit._live_charts`, with the messages ``make lab LANG=ja`` writes beside the
notebooks). Data, field names, expressions and parameters stay as they are, so selections,
filters and sliders work the same; an untitled field gets its translation as its title, and
category values keep their data values and are shown translated through one ``labelExpr``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

__all__ = ["translate_spec", "walk", "categories", "plotly_figure"]

# keys whose values are data or expressions: never read for words
_DATA_KEYS = frozenset({"data", "datasets", "transform", "config", "$schema", "usermeta"})
_TITLE_HOLDERS = ("axis", "legend", "header")


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
