"""Slides: executed reveal.js decks that load reveal.js, vega and MathJax from local files."""

from __future__ import annotations

import re

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook
from resourcekit.slides import build_slides

pytestmark = pytest.mark.slow

CDN = re.compile(r"(src|href)=\"(https?:)?//|cdn\.jsdelivr|unpkg\.com|cdnjs\.|require\.js")


@pytest.fixture(scope="module")
def deck(tmp_path_factory):
    root = tmp_path_factory.mktemp("slides")
    lessons = root / "lessons"
    lessons.mkdir()
    nb = new_notebook(cells=[
        new_markdown_cell("# 99. Demo lesson\nRecovery $R = c (f - t) / (f (c - t))$."),
        new_markdown_cell("## Learning objectives\n- read a chart"),
        new_code_cell("import altair as alt\nimport pandas as pd\n"
                      "alt.Chart(pd.DataFrame({'x': [1, 2], 'y': [3, 4]})).mark_line()"
                      ".encode(x='x', y='y')"),
        new_markdown_cell("## Try it"),
        new_code_cell("import ipywidgets as w\nw.IntSlider()"),
    ])
    nbformat.write(nb, lessons / "99-demo.ipynb")
    out = root / "_build" / "slides"
    paths = build_slides(lessons, out, timeout=60)
    return out, paths


def test_one_deck_per_lesson(deck):
    out, paths = deck
    assert [p.name for p in paths] == ["99-demo.slides.html"]


def test_deck_references_no_cdn_only_local_files(deck):
    out, paths = deck
    text = paths[0].read_text()
    assert not CDN.search(text), CDN.search(text)
    for ref in ("_static/reveal/dist/reveal.js", "_static/reveal/dist/reveal.css",
                "_static/vega/vega-bundle.js"):
        assert ref in text
        assert (out / ref).is_file()
    assert (out / "_static/reveal/plugin/notes/notes.js").is_file()


def test_charts_use_the_shared_vega_file_not_inlined(deck):
    out, paths = deck
    text = paths[0].read_text()
    assert text.count("vegaEmbed(") == 1
    assert len(text) < 400_000  # the 0.9 MB bundle is not inlined
    assert "window.vegaEmbed" in (out / "_static/vega/vega-bundle.js").read_text()


def test_deck_is_executed_and_split_into_slides(deck):
    text = deck[1][0].read_text()
    assert text.count("<section") >= 3  # title, objectives, try it
    assert "Interactive control" in text  # widget replaced by a note
    assert "Reveal.initialize" in text
