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

Slide breaks: a Markdown cell starting with ``#`` or ``##`` opens a slide, ``###`` a
sub-slide, a code cell with output its own sub-slide; a cell's own
``metadata.slideshow.slide_type`` wins. Widgets need a live kernel: the deck shows a note
pointing to the notebook instead.
"""

from __future__ import annotations

import argparse
import html
import importlib.util
import json
import shutil
import sys
import time
from pathlib import Path
from typing import Any

__all__ = ["build_slides", "reveal_dir", "write_static", "SlidesError"]

TEMPLATES = Path(__file__).parent / "_templates"
STATIC = "_static"


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


def _slide_types(nb: Any) -> None:
    for cell in nb.cells:
        show = cell.metadata.setdefault("slideshow", {})
        if show.get("slide_type"):
            continue
        text = cell.source.lstrip()
        if cell.cell_type == "markdown" and (text.startswith("# ") or text.startswith("## ")):
            show["slide_type"] = "slide"
        elif cell.cell_type == "markdown" and text.startswith("### "):
            show["slide_type"] = "subslide"
        elif cell.cell_type == "code" and cell.get("outputs"):
            show["slide_type"] = "subslide"
        else:
            show["slide_type"] = "-"


def _static_outputs(nb: Any, lesson: str) -> dict[str, int]:
    """Altair specs -> ``vegaEmbed`` calls, plotly figures -> ``Plotly.newPlot``, widget views
    -> a note. Returns the number of each kind of chart."""
    charts = 0
    plotly = 0
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            data = out.get("data")
            if not data:
                continue
            vega = next((k for k in data if k.startswith("application/vnd.vegalite.")), None)
            if vega:
                charts += 1
                spec = data[vega]
                spec = dict(spec if isinstance(spec, dict) else json.loads(spec))
                spec.pop("$schema", None)  # an identifier, never fetched; keep decks URL-free
                div = f"rk-vega-{lesson}-{charts}".replace(".", "-")
                payload = json.dumps(spec).replace("</", "<\\/")
                data.clear()
                data["text/html"] = (
                    f'<div class="rk-vega" id="{div}"></div>\n<script>vegaEmbed("#{div}", '
                    f'{payload}, {{"actions": false}}).catch(console.error);</script>')
            elif "application/vnd.plotly.v1+json" in data:
                plotly += 1
                fig = data["application/vnd.plotly.v1+json"]
                fig = fig if isinstance(fig, dict) else json.loads(fig)
                div = f"rk-plotly-{lesson}-{plotly}".replace(".", "-")
                args = json.dumps([fig.get("data", []), fig.get("layout", {})])
                args = args.replace("</", "<\\/")
                data.clear()
                data["text/html"] = (
                    f'<div class="rk-plotly" id="{div}"></div>\n<script>Plotly.newPlot("{div}", '
                    f'...{args}, {{"displayModeBar": false}});</script>')
            elif "application/vnd.jupyter.widget-view+json" in data:
                data.clear()
                data["text/html"] = ('<p class="rk-widget-note">Interactive control: open '
                                     f'<code>lessons/{html.escape(lesson)}.ipynb</code> in '
                                     'JupyterLab to use it.</p>')
    return {"vega": charts, "plotly": plotly}


_PRELUDE = """\
import altair as _alt

def _rk_vegalite(spec, **metadata):
    return {"application/vnd.vegalite.v6+json": spec, "text/plain": "<altair chart>"}

_alt.renderers.register("resourcekit_slides", _rk_vegalite)
_alt.renderers.enable("resourcekit_slides")
del _alt, _rk_vegalite
"""


def _execute(nb: Any, cwd: Path, timeout: float) -> None:
    from nbclient import NotebookClient
    from nbformat.v4 import new_code_cell

    # The deck's kernel emits charts as specs (vega-lite / plotly JSON), not as HTML that
    # loads its libraries from a CDN; the prelude cell is removed again before export.
    prelude = new_code_cell(_PRELUDE)
    nb.cells.insert(0, prelude)
    try:
        NotebookClient(nb, timeout=int(timeout), kernel_name="python3", shutdown_kernel="immediate",
                       resources={"metadata": {"path": str(cwd)}}).execute()
    finally:
        nb.cells.remove(prelude)
    nb.metadata.pop("widgets", None)  # the widget manager would come from a CDN


def build_slides(lessons: str | Path = "lessons", out: str | Path = "book/_build/slides", *,
                 execute: bool = True, timeout: float = 300.0,
                 names: list[str] | None = None) -> list[Path]:
    """Write ``out/<lesson>.slides.html`` for every ``lessons/*.ipynb`` (or ``names``)."""
    import nbformat
    from nbconvert import SlidesExporter

    lessons, out = Path(lessons), Path(out)
    paths = sorted(p for p in lessons.glob("*.ipynb") if not names or p.stem in names)
    if not paths:
        raise SlidesError(f"no lessons (*.ipynb) in {lessons}")
    out.mkdir(parents=True, exist_ok=True)
    static = write_static(out)
    exporter = SlidesExporter(extra_template_basedirs=[str(TEMPLATES)],
                              template_name="rk_slides", exclude_input_prompt=True,
                              exclude_output_prompt=True)
    exporter.reveal_url_prefix = f"{STATIC}/reveal"
    written = []
    for path in paths:
        nb = nbformat.read(str(path), as_version=4)
        if execute:
            _execute(nb, path.parent.resolve(), timeout)
        _slide_types(nb)
        counts = _static_outputs(nb, path.stem)
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
    parser.add_argument("names", nargs="*", help="lesson names (default: all)")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    try:
        paths = build_slides(args.lessons, args.out, execute=not args.no_execute,
                             names=args.names or None)
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
