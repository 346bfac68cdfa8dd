"""Gather what the book shows before `jupyter-book build` (run by `make book`).

- executes ``lessons/*.ipynb`` (each once per change of the lesson, the package, the datasets or
  ``pyproject.toml``; ``JOBS`` at a time, default the number of cores) through
  ``resourcekit._notebooks``, whose client cannot stall on a widget cell, and writes the executed
  copies to ``book/lessons/`` (adding a "try it live" pointer); the book itself executes nothing
  (``execute_notebooks: off``). The executed copies live in ``book/_build/executed/``, which the
  tests share, so ``make test`` runs each lesson once. It also copies the
  student versions of the exercises (``exercises/_build/student/``, from ``make exercises``) to
  ``book/exercises/``, each question followed by Hint and Solution dropdowns (built from the
  master by ``resourcekit.grading.authoring.book_version``);
- writes ``book/datasets.md`` from the dataset cards;
- writes the JavaScript the pages need into ``book/_static/``, once per book, so that charts
  render with no network: vega + vega-lite + vega-embed (from vl-convert-python) and plotly.js
  (from the plotly package). Altair's chart HTML loads a library only when
  ``window.VEGA_DEBUG`` does not already report the version it wants; the bundle sets it, so the
  charts use the book's copy instead of a CDN.

All outputs are git-ignored and rebuilt every time; a file is rewritten only when its content
changed, so the execution cache and Sphinx's incremental build stay warm.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

BOOK = Path(__file__).resolve().parent
REPO = BOOK.parent


def write_if_changed(target: Path, data: bytes) -> bool:
    if target.is_file() and target.read_bytes() == data:
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return True


TRY_IT = """:::{{admonition}} Try it live
:class: tip
This page is the executed lesson; its charts respond to the mouse and sliders as they are.
To change the code and use the live widgets, open `lessons/{name}.ipynb` in JupyterLab
(`make lab` in the repository, or a Binder/conda session built from `environment.yml`).
The graded exercise is [{exercise}](../exercises/{name}.ipynb).
:::"""


def execute_lessons(paths: list[Path], jobs: int) -> dict[Path, object]:
    """Every lesson executed (or taken from the cache), ``jobs`` kernels at a time."""
    from concurrent.futures import ThreadPoolExecutor

    from resourcekit._notebooks import executed_lesson

    # threads suffice: each execution's work happens in its own kernel process
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        runs = {p: pool.submit(executed_lesson, p) for p in paths}
        return {p: run.result() for p, run in runs.items()}


def lesson_page(path: Path, executed=None) -> bytes:
    """The book's copy of a lesson: a "try it live" pointer after the title and summary."""
    import nbformat

    nb = executed if executed is not None else nbformat.read(path, as_version=4)
    cell = nbformat.v4.new_markdown_cell(
        TRY_IT.format(name=path.stem, exercise=f"Exercise {path.stem[:2]}"))
    cell.id = "rk-try-it-live"
    nb.cells.insert(1, cell)
    return nbformat.writes(nb).encode()


def exercise_page(student: Path) -> bytes:
    """The book's exercise page: the student version with Hint and Solution dropdowns after each
    question (``resourcekit.grading.authoring.book_version``, from the master of the same name)."""
    import nbformat
    from resourcekit.grading.authoring import book_version

    master = REPO / "exercises" / student.name
    return nbformat.writes(book_version(master)).encode()


def sync(sources: list[Path], folder: Path, render=lambda p: p.read_bytes()) -> int:
    folder.mkdir(parents=True, exist_ok=True)
    wanted = {p.name for p in sources}
    for stale in folder.glob("*.ipynb"):
        if stale.name not in wanted:
            stale.unlink()
    return sum(write_if_changed(folder / p.name, render(p)) for p in sources)


def vega_bundle() -> bytes:
    import altair as alt
    import vl_convert as vlc

    vl = ".".join(alt.SCHEMA_VERSION.lstrip("v").split(".")[:2])
    body = vlc.javascript_bundle(
        "window.vegaEmbed = vegaEmbed; window.vega = vega; window.vegaLite = vegaLite;",
        vl_version=vl,
    )
    flags = {
        "vega_version": alt.VEGA_VERSION,
        "vegalite_version": alt.SCHEMA_VERSION.lstrip("v"),
        "vegaembed_version": alt.VEGAEMBED_VERSION,
    }
    head = (
        "/* vega, vega-lite and vega-embed for offline pages (bundled by vl-convert-python). */\n"
        f"window.VEGA_DEBUG = Object.assign(window.VEGA_DEBUG || {{}}, {json.dumps(flags)});\n"
    )
    return (head + "(function () {\n" + body + "\n})();\n").encode()


def plotly_js() -> bytes:
    import plotly

    return (Path(plotly.__file__).parent / "package_data" / "plotly.min.js").read_bytes()


def main() -> int:
    lessons = sorted((REPO / "lessons").glob("*.ipynb"))
    students = sorted((REPO / "exercises" / "_build" / "student").glob("*.ipynb"))
    if not students:
        print("no student exercises: run `make exercises` first", file=sys.stderr)
        return 1
    sys.path.insert(0, str(REPO / "toolkit"))
    import os

    executed = execute_lessons(lessons, int(os.environ.get("JOBS") or os.cpu_count() or 2))
    changed = (sync(lessons, BOOK / "lessons", lambda p: lesson_page(p, executed[p]))
               + sync(students, BOOK / "exercises", exercise_page))

    from resourcekit import datasets

    page = (
        "# Datasets\n\nEvery dataset ships with the package; `resourcekit.datasets.load(name)` "
        "returns a DataFrame after checking the file's SHA-256 against its card.\n\n"
        + datasets.cards_markdown()
    )
    changed += write_if_changed(BOOK / "datasets.md", page.encode())
    changed += write_if_changed(BOOK / "_static" / "vega-offline.js", vega_bundle())
    changed += write_if_changed(BOOK / "_static" / "plotly.min.js", plotly_js())
    print(f"book/prepare.py: {changed} file(s) updated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
