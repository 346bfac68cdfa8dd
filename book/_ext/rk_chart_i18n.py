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
from collections.abc import Callable
from pathlib import Path
from typing import Any

from resourcekit._chart_i18n import (  # noqa: F401 - the spec's words: one function, two uses
    _is_word,
    _text,
    categories,
    plotly_figure,
    translate_spec,
    walk,
)

BOOK = Path(__file__).resolve().parents[1]
_DECODER = json.JSONDecoder()


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


def add_lesson_messages(gettext_dir: Path,
                        extract: Callable[[Path], list[tuple[str, str, list[str]]]]) -> int:
    """Add ``extract(notebook)``'s messages, ``(msgid, auto comment, flags)``, of each
    executed lesson ``book/lessons/*.ipynb`` to its ``.pot`` (messages already there are
    kept as they are); return the number added. Run after Sphinx's gettext builder and before
    ``sphinx-intl update``. Used for the chart words here and the printed lines and control
    labels of ``rk_output_i18n``."""
    from babel.messages.pofile import read_po, write_po

    added = 0
    for notebook in sorted((BOOK / "lessons").glob("*.ipynb")):
        pot = gettext_dir / "lessons" / f"{notebook.stem}.pot"
        if not pot.is_file():
            continue
        with pot.open("rb") as handle:
            catalogue = read_po(handle)
        for message, comment, flags in extract(notebook):
            if message in catalogue:
                continue
            catalogue.add(message, locations=[(f"lessons/{notebook.name}", 0)],
                          auto_comments=[comment], flags=flags)
            added += 1
        with pot.open("wb") as handle:
            write_po(handle, catalogue, width=76)
    return added


def add_to_pots(gettext_dir: Path) -> int:
    """Add the chart words of the executed lessons to their ``.pot``; the number added."""
    return add_lesson_messages(gettext_dir, lambda notebook: [
        (word, "chart text (rk_chart_i18n)", []) for word in notebook_messages(notebook)])


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


def pot_command(argv: list[str], add: Callable[[Path], int], what: str, script: str) -> None:
    """``python book/_ext/<script> pot [GETTEXT_DIR]``: add a kind of lesson message to the
    ``.pot`` files of ``make book-pot`` and say how many (``what``)."""
    import sys

    if argv[1:2] != ["pot"]:
        sys.exit(f"usage: python book/_ext/{script} pot [GETTEXT_DIR]")
    target = Path(argv[2]) if len(argv) > 2 else BOOK / "_build" / "gettext"
    print(f"{what}: {add(target)} messages added to {target}/lessons/*.pot")


if __name__ == "__main__":
    import sys

    pot_command(sys.argv, add_to_pots, "chart text", "rk_chart_i18n.py")
