"""Lecture slides: one reveal.js deck per lesson, executed, working offline.

``make slides`` (``python -m resourcekit.slides``) executes each lesson in a fresh kernel and
writes ``book/_build/slides/<lesson>.slides.html`` with nbconvert's slides exporter and a
small template (``_templates/rk_slides``) that loads everything from ``_static/`` next to the
decks, never from a CDN:

* reveal.js: the ``dist/`` and notes plugin shipped inside the PyPI package ``sphinx-revealjs``
  (a maintained Sphinx extension that bundles reveal.js 5; chosen over ``npm pack reveal.js``
  because ``make setup`` already installs from PyPI and needs no Node.js). A folder holding
  reveal.js's ``dist/`` can be given instead with ``RESOURCEKIT_REVEAL_DIR``.
* vega, vega-lite and vega-embed: ``vl_convert.javascript_bundle()``, written once to
  ``_static/vega/vega-bundle.js`` and shared by every chart of every deck; each altair output
  becomes a ``<div>`` and a one-line ``vegaEmbed`` call with its spec.
* plotly.js (Sankey diagrams) from the ``plotly`` package, loaded only by decks that use it.
* MathJax 3 (SVG output, one file) from ``sphinx-mathjax-offline`` when installed.

Decks are built for the room (1280 x 720):

* The first slide is the lesson's title, its summary and its learning objectives.
* Setup code is never shown: import lines (and ``warnings`` filters) are removed from every
  code cell, and a cell tagged ``setup`` or left empty by that removal shows only its output.
  The code of a live-widget cell is hidden too (its output becomes a note, see below).
* One topic per slide: a Markdown cell starting with ``#`` or ``##`` opens a slide, ``###`` or
  a bold lead (``**Topic.** text``, the lessons' paragraph headings) a sub-slide, a code cell
  with output its own sub-slide; a cell's own ``metadata.slideshow.slide_type`` wins.
* Charts fit the slide: single-view altair charts are redrawn at slide size (at most
  :data:`CHART_WIDTH` x :data:`CHART_HEIGHT`), and any chart (facets, concatenations, plotly)
  whose drawing with its sliders would pass the slide's edge is zoomed down to fit, once
  drawn; wide or long tables and code scroll inside the slide.
* Speaker notes (``S`` opens the speaker view): a Markdown cell tagged ``notes``, any
  blockquote (``> ...``) in a lesson's Markdown (shown as a quote in the book, moved to the
  notes on the slide), and, from the lesson plan ``book/plans/NN-*.md`` when there is one, its
  timings on the title slide and, on each section's slide, the timing row that names the
  section (``Section *Title*``). Convention documented in ``lessons/README.md``.
* Widgets need a live kernel: the deck shows a note pointing to the notebook instead.
"""

from __future__ import annotations

import argparse
import html
import importlib.util
import json
import re
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["build_slides", "reveal_dir", "write_static", "prepare_deck", "SlidesError",
           "SLIDE_WIDTH", "SLIDE_HEIGHT", "CHART_WIDTH", "CHART_HEIGHT"]

TEMPLATES = Path(__file__).parent / "_templates"
STATIC = "_static"
SLIDE_WIDTH, SLIDE_HEIGHT = 1280, 720   # reveal.js slide size [px], 16:9 projectors
CHART_WIDTH, CHART_HEIGHT = 900, 400    # largest plot area of a single-view chart [px]
HIDE_INPUT = "rk-hide-input"            # internal tag: the cell's code is not shown
_IMPORT = re.compile(r"^\s*(import\s+\S|from\s+\S+\s+import\s)")
_WARNINGS = re.compile(r"^\s*warnings\.(simplefilter|filterwarnings)\(")
_ROLE = re.compile(r"\{([A-Za-z][\w:-]*)\}`([^`]*)`")
_BOLD_LEAD = re.compile(r"^\*\*([^*\n]{2,80}?)\*\*\s*")


class SlidesError(RuntimeError):
    """A dependency of the slide decks (reveal.js) cannot be found."""


def reveal_dir() -> Path:
    """Folder holding reveal.js's ``dist/`` and ``plugin/`` (see the module docstring)."""
    import os

    env = os.environ.get("RESOURCEKIT_REVEAL_DIR")
    candidates = [Path(env)] if env else []
    spec = importlib.util.find_spec("sphinx_revealjs")
    if spec and spec.origin:
        candidates.append(Path(spec.origin).parent / "_static" / "revealjs")
    for folder in candidates:
        if (folder / "dist" / "reveal.js").is_file():
            return folder
    raise SlidesError("reveal.js not found: install the PyPI package sphinx-revealjs "
                      "(`pip install sphinx-revealjs`, it ships reveal.js) or set "
                      "RESOURCEKIT_REVEAL_DIR to a folder holding reveal.js's dist/")


def _mathjax_file() -> Path | None:
    import importlib.metadata as md

    try:
        files = md.files("sphinx-mathjax-offline") or []
    except md.PackageNotFoundError:
        return None
    for f in files:
        if str(f).endswith("mathjax/tex-svg.js"):
            return Path(str(f.locate()))
    return None


def write_static(out: str | Path) -> dict[str, Any]:
    """Copy reveal.js, the vega bundle and MathJax into ``out/_static`` (once per folder)."""
    import vl_convert

    static = Path(out) / STATIC
    src = reveal_dir()
    reveal = static / "reveal"
    for rel in ("dist/reveal.js", "dist/reveal.css", "dist/reset.css", "plugin/notes/notes.js"):
        target = reveal / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src / rel, target)
    shutil.copytree(src / "dist" / "theme", reveal / "dist" / "theme", dirs_exist_ok=True)
    if (src / "LICENSE").is_file():
        shutil.copyfile(src / "LICENSE", reveal / "LICENSE")
    vega = static / "vega" / "vega-bundle.js"
    vega.parent.mkdir(parents=True, exist_ok=True)
    bundle = vl_convert.javascript_bundle()
    if not vega.is_file() or vega.read_text(encoding="utf-8") != bundle:
        vega.write_text(bundle, encoding="utf-8")
    import plotly

    plotly_js = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    (static / "plotly").mkdir(parents=True, exist_ok=True)
    shutil.copyfile(plotly_js, static / "plotly" / "plotly.min.js")
    mathjax = _mathjax_file()
    if mathjax is not None:
        (static / "mathjax").mkdir(parents=True, exist_ok=True)
        shutil.copyfile(mathjax, static / "mathjax" / "tex-svg.js")
    return {"static": static, "mathjax": mathjax is not None}


def _tags(cell: Any) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def _hide_input(cell: Any) -> None:
    tags = cell.metadata.setdefault("tags", [])
    if HIDE_INPUT not in tags:
        tags.append(HIDE_INPUT)


def _plain_roles(text: str) -> str:
    """MyST roles as the slide shows them: ``{term}`text <target>``` -> text,
    ``{cite}`a,b``` -> [a, b], ``{math}`x``` -> $x$, any other role -> its text."""
    def repl(match: re.Match[str]) -> str:
        role, body = match.group(1), match.group(2)
        if role.startswith("cite"):
            return "[" + ", ".join(k.strip() for k in body.split(",")) + "]"
        if role == "math":
            return f"${body}$"
        return re.sub(r"\s*<[^<>]*>\s*$", "", body).strip() or body

    return _ROLE.sub(repl, text)


def _strip_setup(source: str) -> str:
    """Code without import lines (continuations of a parenthesised import included) and
    without ``warnings`` filters; leading blank lines removed."""
    out: list[str] = []
    inside = False
    for line in source.splitlines():
        if inside:
            inside = ")" not in line
            continue
        if _IMPORT.match(line) or _WARNINGS.match(line):
            inside = line.rstrip().endswith("(") or ("(" in line and ")" not in line)
            continue
        out.append(line)
    return "\n".join(out).strip("\n")


def _plan_timings(plans: Path | None, lesson: str) -> str:
    """The ``## Timings`` section of ``plans/<lesson>.md`` (empty when there is none)."""
    if plans is None:
        return ""
    path = plans / f"{lesson}.md"
    if not path.is_file():
        return ""
    text = path.read_text(encoding="utf-8")
    match = re.search(r"^## Timings[^\n]*\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    if match:
        return f"**Timings (lesson plan)**\n\n{match.group(1).strip()}"
    # a translated plan (slides in Japanese): the section whose table rows are timings
    for section in re.finditer(r"^## ([^\n]*)\n(.*?)(?=^## |\Z)", text, re.M | re.S):
        if re.search(r"^\| *\d+-\d+ *\|", section.group(2), re.M):
            return f"**{section.group(1).strip()}**\n\n{section.group(2).strip()}"
    return ""


def _plan_section_notes(plans: Path | None, lesson: str) -> dict[str, str]:
    """Per lesson section, the plan's timing row that names it (``Section *Title*``):
    ``{title: "min 5-20 (Worked case): what happens"}``."""
    timings = _plan_timings(plans, lesson)
    notes: dict[str, str] = {}
    for row in re.findall(r"^\| *(\d+-\d+) *\| *([^|]+?) *\| *([^|]+?) *\|$", timings, re.M):
        for title in re.findall(r"\*([^*]+)\*", row[2]):
            notes.setdefault(title.strip(), f"min {row[0]} ({row[1]}): {row[2]}")
    return notes


def prepare_deck(nb: Any, lesson: str = "", plans: str | Path | None = None,
                 say: Callable[[str], str] | None = None) -> Any:
    r"""Turn an executed lesson notebook into the cells of a deck for the room (in place).

    Title and objectives on the first slide; setup code hidden; import lines removed; bold
    paragraph leads become slide headings; blockquotes and cells tagged ``notes`` become
    speaker notes; the lesson plan's timings become the title slide's notes (see the module
    docstring). Returns ``nb``.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        An executed lesson (outputs kept).
    lesson : str
        The lesson's file stem, ``NN-slug`` (finds ``plans/NN-slug.md``).
    plans : path, optional
        Folder of lesson plans (``book/plans``); None: no plan notes.
    say : callable, optional
        The deck's language when it is not English: the objectives' heading it looks for
        ("Learning objectives") and the label of the plan's notes ("Lesson plan").

    Examples
    --------
    >>> from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook
    >>> nb = prepare_deck(new_notebook(cells=[
    ...     new_markdown_cell("# 01. Demo"), new_markdown_cell("## Learning objectives"),
    ...     new_code_cell("import numpy as np\nx = np.pi"),
    ...     new_markdown_cell("**Units.** Text.\n\n> Say this aloud.")]))
    >>> nb.cells[1].metadata["slideshow"]["slide_type"], nb.cells[2].source
    ('-', 'x = np.pi')
    >>> nb.cells[3].source, nb.cells[4].source, nb.cells[4].metadata["slideshow"]["slide_type"]
    ('### Units\n\nText.', 'Say this aloud.', 'notes')
    >>> _plain_roles("A {term}`rare-earth element (REE) <REE>` {cite}`oki2019,wills2016`")
    'A rare-earth element (REE) [oki2019, wills2016]'
    """
    plans = Path(plans) if plans is not None else None
    from nbformat.v4 import new_markdown_cell

    cells: list[Any] = []
    title_seen = objectives_done = False
    section_notes = _plan_section_notes(plans, lesson) if lesson else {}
    say = say or (lambda text: text)
    objectives, plan_label = say("Learning objectives"), say("Lesson plan")
    for cell in nb.cells:
        show = cell.metadata.setdefault("slideshow", {})
        text = cell.source.lstrip()
        on_title = False
        if cell.cell_type == "code":
            outputs = cell.get("outputs", [])
            widget = any("application/vnd.jupyter.widget-view+json" in (o.get("data") or {})
                         for o in outputs)
            stripped = _strip_setup(cell.source)
            if "setup" in _tags(cell) or widget or not stripped.strip():
                _hide_input(cell)
                if not outputs:
                    show.setdefault("slide_type", "skip")
            else:
                cell.source = stripped
            cells.append(cell)
            continue
        if cell.cell_type != "markdown":
            cells.append(cell)
            continue
        if "notes" in _tags(cell):
            show["slide_type"] = "notes"
            cells.append(cell)
            continue
        if not title_seen and text.startswith("# "):
            title_seen = True
        elif title_seen and not objectives_done and text.startswith(f"## {objectives}"):
            show.setdefault("slide_type", "-")  # on the title slide
            objectives_done = on_title = True
        text = _plain_roles(text)
        lead = _BOLD_LEAD.match(text)
        if lead and not show.get("slide_type"):
            text = f"### {lead.group(1).rstrip('.:')}\n\n{text[lead.end():]}"
        lines = text.splitlines()
        notes = [ln[1:].lstrip() if ln.startswith(">") else "" for ln in lines
                 if ln.startswith(">")]
        heading = re.match(r"#{1,3} (.+)", text)
        if heading and heading.group(1).strip() in section_notes:
            notes.append(f"**{plan_label}**, {section_notes.pop(heading.group(1).strip())}")
        cell.source = "\n".join(ln for ln in lines if not ln.startswith(">")).rstrip()
        cells.append(cell)
        if notes:
            note = new_markdown_cell("\n".join(notes).strip())
            note.metadata["slideshow"] = {"slide_type": "notes"}
            cells.append(note)
        timings = _plan_timings(plans, lesson) if on_title and lesson else ""
        if timings:
            note = new_markdown_cell(timings)
            note.metadata["slideshow"] = {"slide_type": "notes"}
            cells.append(note)
    nb.cells = cells
    return nb


def _slide_types(nb: Any) -> None:
    after_output = False  # text after a chart or table introduces the next step
    for cell in nb.cells:
        show = cell.metadata.setdefault("slideshow", {})
        text = cell.source.lstrip()
        if not show.get("slide_type"):
            if cell.cell_type == "markdown" and (text.startswith("# ")
                                                 or text.startswith("## ")):
                show["slide_type"] = "slide"
            elif cell.cell_type == "markdown" and (text.startswith("### ") or after_output
                                                   or _BOLD_LEAD.match(text)):
                show["slide_type"] = "subslide"
            elif cell.cell_type == "code" and cell.get("outputs"):
                show["slide_type"] = "subslide"
            else:
                show["slide_type"] = "-"
        if show["slide_type"] not in ("notes", "skip"):
            after_output = cell.cell_type == "code" and bool(cell.get("outputs"))


def _static_outputs(nb: Any, lesson: str, say: Callable[[str], str] | None = None
                    ) -> dict[str, int]:
    """Altair specs -> ``vegaEmbed`` calls, plotly figures -> ``Plotly.newPlot``, widget views
    -> a note. Returns the number of each kind of chart. ``say``: the deck's language (charts'
    words, printed lines, the note) when it is not English."""
    charts = 0
    plotly = 0
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if say is not None and out.get("output_type") == "stream":
                from ._output_i18n import translate_text

                text = out.get("text", "")
                out["text"] = translate_text("".join(text) if isinstance(text, list) else text,
                                             say)
            data = out.get("data")
            if not data:
                continue
            vega = next((k for k in data if k.startswith("application/vnd.vegalite.")), None)
            if vega:
                charts += 1
                spec = data[vega]
                spec = dict(spec if isinstance(spec, dict) else json.loads(spec))
                spec.pop("$schema", None)  # an identifier, never fetched; keep decks URL-free
                if say is not None:
                    from ._chart_i18n import translate_spec

                    spec = translate_spec(spec, say)
                _size_for_slide(spec)
                div = f"rk-vega-{lesson}-{charts}".replace(".", "-")
                payload = json.dumps(spec, ensure_ascii=False).replace("</", "<\\/")
                data.clear()
                data["text/html"] = (
                    f'<div class="rk-vega rk-fit" id="{div}"></div>\n<script>vegaEmbed("#{div}", '
                    f'{payload}, {{"actions": false}}).then(function () {{ rkFitFor("{div}"); }})'
                    '.catch(console.error);</script>')
            elif "application/vnd.plotly.v1+json" in data:
                plotly += 1
                fig = data["application/vnd.plotly.v1+json"]
                fig = fig if isinstance(fig, dict) else json.loads(fig)
                if say is not None:
                    from ._chart_i18n import plotly_figure

                    fig = plotly_figure(fig, say)
                div = f"rk-plotly-{lesson}-{plotly}".replace(".", "-")
                layout = dict(fig.get("layout", {}))
                layout["width"] = min(int(layout.get("width") or 1100), 1100)
                layout["height"] = min(int(layout.get("height") or 480), 480)
                args = json.dumps([fig.get("data", []), layout], ensure_ascii=False)
                args = args.replace("</", "<\\/")
                data.clear()
                data["text/html"] = (
                    f'<div class="rk-plotly rk-fit" id="{div}"></div>\n<script>Plotly.newPlot('
                    f'"{div}", ...{args}, {{"displayModeBar": false}}).then(function () '
                    f'{{ rkFitFor("{div}"); }});</script>')
            elif "application/vnd.jupyter.widget-view+json" in data:
                data.clear()
                note = "Interactive control: open {path} in JupyterLab to use it."
                code = f"<code>lessons/{html.escape(lesson)}.ipynb</code>"
                shown = (say(note) if say is not None else note).format(path=code)
                data["text/html"] = f'<p class="rk-widget-note">{shown}</p>'
    return {"vega": charts, "plotly": plotly}


def _size_for_slide(spec: dict[str, Any]) -> None:
    """Give a single-view chart (one mark or layers) the slide's plot size, aspect kept
    within :data:`CHART_WIDTH` x :data:`CHART_HEIGHT`; facets and concatenations keep
    their sizes (the deck zooms them to fit once drawn)."""
    if any(k in spec for k in ("facet", "hconcat", "vconcat", "concat", "repeat")):
        return
    width, height = spec.get("width"), spec.get("height")
    if not isinstance(width, int | float) or not isinstance(height, int | float):
        width, height = 400, 300  # altair's default view size
    factor = min(CHART_WIDTH / width, CHART_HEIGHT / height)
    spec["width"], spec["height"] = int(width * factor), int(height * factor)


_PRELUDE = """\
import altair as _alt

def _rk_vegalite(spec, **metadata):
    return {"application/vnd.vegalite.v6+json": spec, "text/plain": "<altair chart>"}

_alt.renderers.register("resourcekit_slides", _rk_vegalite)
_alt.renderers.enable("resourcekit_slides")
del _alt, _rk_vegalite
"""


def _shown_in(messages: dict[str, str], lang: str) -> Callable[[str], str]:
    """The deck's words in ``lang``: the lesson's catalogue, then the package's own (the
    widget note)."""
    from .grading.i18n import FRAME, read_catalogue

    own = read_catalogue(FRAME / lang / "LC_MESSAGES" / "exam.po", lang)
    return lambda text: messages.get(text) or own.get(text, text)


def _plans_in(repo: Path, plans: Path, target: Path, lang: str) -> Path:
    """The lesson plans with their text in ``lang`` (each plan's catalogue of the book), in
    ``target``; a plan without a catalogue is copied as it is."""
    from ._notebook_i18n import catalogue_of, translate_markdown
    from .errors import DataError

    target.mkdir(parents=True, exist_ok=True)
    for plan in sorted(plans.glob("*.md")):
        text = plan.read_text(encoding="utf-8")
        try:
            text, _ = translate_markdown(text, catalogue_of(repo, "plans", plan.stem, lang))
        except DataError:  # no catalogue for this plan
            pass
        (target / plan.name).write_text(text, encoding="utf-8")
    return target


def _execute(nb: Any, cwd: Path, timeout: float) -> None:
    from nbformat.v4 import new_code_cell

    from ._notebooks import execute_notebook

    # The deck's kernel emits charts as specs (vega-lite / plotly JSON), not as HTML that
    # loads its libraries from a CDN; the prelude cell is removed again before export.
    prelude = new_code_cell(_PRELUDE)
    nb.cells.insert(0, prelude)
    try:
        execute_notebook(nb, cwd, timeout=timeout)
    finally:
        nb.cells.remove(prelude)
    nb.metadata.pop("widgets", None)  # the widget manager would come from a CDN


def build_slides(lessons: str | Path = "lessons", out: str | Path = "book/_build/slides", *,
                 execute: bool = True, timeout: float = 120.0,
                 names: list[str] | None = None,
                 plans: str | Path | None = "auto", lang: str = "en") -> list[Path]:
    """Write ``out/<lesson>.slides.html`` for every ``lessons/*.ipynb`` (or ``names``).

    ``plans``: folder of lesson plans whose timings become the title slide's speaker notes;
    ``"auto"`` looks for ``book/plans`` beside the lessons folder; None: none.

    ``lang="ja"`` (``make slides LANG=ja``): the deck in Japanese for a lecturer who teaches
    in Japanese, from the book's catalogues beside the lessons folder
    (``book/locales/ja/LC_MESSAGES``): the slides' text (:mod:`resourcekit._notebook_i18n`),
    the charts' words (:func:`resourcekit._chart_i18n.translate_spec`), the printed lines
    (:mod:`resourcekit._output_i18n`) and the plan's speaker notes; the code is the lesson's.
    """
    import nbformat
    from nbconvert import SlidesExporter
    from traitlets.config import Config

    if lang not in ("en", "ja"):
        raise SlidesError(f"lang = {lang!r}: decks exist in 'en' and 'ja'")
    lessons, out = Path(lessons), Path(out)
    paths = sorted(p for p in lessons.glob("*.ipynb") if not names or p.stem in names)
    if not paths:
        raise SlidesError(f"no lessons (*.ipynb) in {lessons}")
    out.mkdir(parents=True, exist_ok=True)
    static = write_static(out)
    if plans == "auto":
        plans = lessons.resolve().parent / "book" / "plans"
    repo = lessons.resolve().parent
    if lang != "en" and plans is not None:
        plans = _plans_in(repo, Path(plans), out / f"_plans-{lang}", lang)
    config = Config({"TagRemovePreprocessor": {"enabled": True,
                                               "remove_input_tags": [HIDE_INPUT]}})
    exporter = SlidesExporter(config=config, extra_template_basedirs=[str(TEMPLATES)],
                              template_name="rk_slides", exclude_input_prompt=True,
                              exclude_output_prompt=True)
    exporter.reveal_url_prefix = f"{STATIC}/reveal"
    exporter.reveal_width, exporter.reveal_height = str(SLIDE_WIDTH), str(SLIDE_HEIGHT)
    exporter.reveal_theme = "white"  # fonts shipped next to it; "simple" loads Google Fonts
    written = []
    for path in paths:
        nb = nbformat.read(str(path), as_version=4)
        if execute:
            _execute(nb, path.parent.resolve(), timeout)
        say = None
        if lang != "en":
            from ._notebook_i18n import catalogue_of, translate_notebook

            messages = catalogue_of(repo, "lessons", path.stem, lang)
            nb, _ = translate_notebook(nb, messages, lang)
            say = _shown_in(messages, lang)
        prepare_deck(nb, path.stem, plans, say)
        _slide_types(nb)
        counts = _static_outputs(nb, path.stem, say)
        resources = {"rk_static": STATIC, "rk_mathjax": static["mathjax"],
                     "rk_plotly": bool(counts["plotly"]),
                     "metadata": {"name": path.stem}}
        body, _ = exporter.from_notebook_node(nb, resources=resources)
        target = out / f"{path.stem}.slides.html"
        target.write_text(body, encoding="utf-8")
        written.append(target)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m resourcekit.slides",
                                     description="one reveal.js deck per lesson, offline")
    parser.add_argument("--lessons", default="lessons")
    parser.add_argument("--out", default="book/_build/slides")
    parser.add_argument("--no-execute", action="store_true", help="use stored outputs")
    parser.add_argument("--lang", default="en", choices=["en", "ja"],
                        help="language of the decks (ja: from the book's catalogues)")
    parser.add_argument("names", nargs="*", help="lesson names (default: all)")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    try:
        paths = build_slides(args.lessons, args.out, execute=not args.no_execute,
                             names=args.names or None, lang=args.lang)
    except SlidesError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    for path in paths:
        print(path)
    print(f"{len(paths)} deck(s) in {time.perf_counter() - start:.1f} s; open "
          f"{Path(args.out).resolve() / paths[0].name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
