"""Slides: executed reveal.js decks for the room, offline, checked in headless Chromium.

A demo lesson exercises every rule of the deck design (title and objectives first, no import
code, a chart twice the slide's size with a bound slider, a wide table, a facet chart, notes
from a blockquote, a ``notes`` cell and the lesson plan's timings, a live widget); the browser
test walks every slide at 1280 x 720 with the network off.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from conftest import POLL_S, offline_chromium
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook
from resourcekit.slides import SlidesError, build_slides

pytestmark = pytest.mark.slow

CDN = re.compile(r"(src|href)=\"(https?:)?//|cdn\.jsdelivr|unpkg\.com|cdnjs\.|require\.js")
IMPORT_LINE = re.compile(r"^\s*(import\s+\S|from\s+\S+\s+import\s)", re.M)


def _notes_cell(text):
    cell = new_markdown_cell(text)
    cell.metadata["tags"] = ["notes"]
    return cell


@pytest.fixture(scope="module")
def deck(tmp_path_factory):
    root = tmp_path_factory.mktemp("slides")
    lessons = root / "lessons"
    lessons.mkdir()
    nb = new_notebook(cells=[
        new_markdown_cell("# 99. Demo lesson\n\nRecovery $R = c (f - t) / (f (c - t))$."),
        new_markdown_cell("## Learning objectives\n\n- **Read** a chart\n- **Compute** a "
                          "recovery"),
        new_code_cell("import warnings\n\nimport altair as alt\nimport numpy as np\n"
                      "import pandas as pd\nfrom resourcekit.units import (\n    Quantity,\n)\n"
                      "warnings.simplefilter('ignore')"),
        new_markdown_cell("## Worked case\n\nA chart twice the slide's size.\n\n"
                          "> Ask the room what they expect before showing it."),
        new_code_cell("frame = pd.DataFrame({'x': np.arange(50), 'y': np.arange(50) ** 2})\n"
                      "k = alt.param(name='k', value=1.0, bind=alt.binding_range(min=0.5, "
                      "max=2, step=0.1, name='scale '))\n"
                      "alt.Chart(frame).transform_calculate(z='k * datum.y').mark_line()"
                      ".encode(x='x:Q', y='z:Q').add_params(k).properties(width=2400, "
                      "height=1300)"),
        new_markdown_cell("**A wide table.** Thirty columns, twenty rows."),
        new_code_cell("import numpy as np\npd.DataFrame(np.arange(600).reshape(20, 30))"),
        new_markdown_cell("**Facets.** Three panels, one above the other: taller than a slide."),
        new_code_cell("long = pd.DataFrame({'g': np.repeat(list('abc'), 10), "
                      "'x': np.tile(np.arange(10), 3), 'y': np.arange(30)})\n"
                      "alt.Chart(long).mark_point().encode(x='x:Q', y='y:Q')"
                      ".properties(width=900, height=250).facet(row='g:N')"),
        _notes_cell("Notes for the lecturer: stress the facets' shared axis."),
        new_markdown_cell("## Try it"),
        new_code_cell("import ipywidgets as w\nw.IntSlider()"),
    ])
    nbformat.write(nb, lessons / "99-demo.ipynb")
    plans = root / "plans"
    plans.mkdir()
    (plans / "99-demo.md").write_text(
        "# Plan\n\n## Timings (90 min)\n\n| min | part | what happens |\n|---|---|---|\n"
        "| 0-10 | Opening | opening question |\n"
        "| 10-20 | Worked case | Section *Worked case*: show the big chart first |\n\n"
        "## Objectives\n- x\n")
    out = root / "_build" / "slides"
    paths = build_slides(lessons, out, timeout=120, plans=plans)
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
    assert text.count("vegaEmbed(") == 2
    assert len(text) < 400_000  # the 0.9 MB bundle is not inlined
    assert "window.vegaEmbed" in (out / "_static/vega/vega-bundle.js").read_text()


def test_deck_is_built_for_the_room(deck):
    text = deck[1][0].read_text()
    assert "Reveal.initialize" in text and "width: 1280" in text and "height: 720" in text
    assert "Interactive control" in text  # widget replaced by a note
    assert "w.IntSlider" not in text       # ...and its code hidden
    # single-view chart redrawn at slide size (aspect kept), facets left to the zoom
    assert '"width": 738' in text and '"height": 400' in text  # 2400 x 1300 scaled by 400/1300
    assert "Timings (lesson plan)" in text and "opening question" in text


@pytest.fixture(scope="module")
def browser(deck):
    with offline_chromium(deck[0], window="1280,720") as (driver, root):
        driver.get(f"{root}/{deck[1][0].name}")
        _wait(driver, "return window.Reveal && Reveal.isReady && Reveal.isReady()")
        # measure slides where they rest, not halfway through a transition
        driver.execute_script(
            "Reveal.configure({transition: 'none', backgroundTransition: 'none'});")
        yield driver


def _wait(driver, script, timeout=30.0):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout, poll_frequency=POLL_S).until(
        lambda d: d.execute_script(script))


SLIDES = """
const out = [];
Reveal.getHorizontalSlides().forEach((h, i) => {
  const vs = h.querySelectorAll(':scope > section');
  if (vs.length) { vs.forEach((v, j) => out.push([i, j])); } else { out.push([i, 0]); }
});
return out;"""

# every chart of the current slide drawn, then its box (sliders included) against the slide's
CHECK = """
const slide = Reveal.getCurrentSlide();
const charts = Array.from(slide.querySelectorAll('.rk-fit'));
const drawn = charts.filter(c => c.querySelector('svg.marks, canvas, svg.main-svg'));
if (drawn.length < charts.length) { return null; }
const box = document.querySelector('.reveal .slides').getBoundingClientRect();
return {box: [box.left, box.top, box.right, box.bottom],
        charts: charts.map(c => { const r = c.getBoundingClientRect();
          return [c.id, r.left, r.top, r.right, r.bottom, c.style.zoom]; })};"""


def test_first_slide_is_title_with_objectives(browser):
    first = browser.execute_script(
        "const s = Reveal.getSlides()[0];"
        "return [s.querySelector('h1') && s.querySelector('h1').textContent, s.textContent,"
        " s.querySelectorAll('li').length];")
    assert "99. Demo lesson" in first[0]
    assert "Learning objectives" in first[1] and first[2] == 2


def test_no_slide_shows_import_code(browser):
    inputs = browser.execute_script(
        "return Array.from(document.querySelectorAll('.reveal .jp-InputArea'))"
        ".map(e => e.textContent);")
    assert inputs, "the deck shows no code at all"
    shown = [t for t in inputs if IMPORT_LINE.search(t) or "simplefilter" in t]
    assert not shown, shown
    assert any("pd.DataFrame(np.arange(600)" in t for t in inputs)  # the rest of that cell


def test_speaker_notes_exist(browser):
    notes = browser.execute_script(
        "return Array.from(document.querySelectorAll('aside.notes')).map(e => e.textContent);")
    text = " ".join(notes)
    assert "Ask the room" in text and "stress the facets" in text
    assert "Timings (lesson plan)" in text
    # the plan's row for a section, on that section's slide
    worked = browser.execute_script(
        "const h = Array.from(document.querySelectorAll('.reveal section h2'))"
        ".find(e => e.textContent.includes('Worked case'));"
        "return Array.from(h.closest('section').querySelectorAll('aside.notes'))"
        ".map(e => e.textContent).join(' ');")
    assert "min 10-20" in worked and "show the big chart first" in worked
    # the blockquote left the slide: it is only in the notes
    visible = browser.execute_script(
        "return Array.from(document.querySelectorAll('.reveal section blockquote')).length;")
    assert visible == 0


def test_every_chart_is_drawn_within_the_slide(browser):
    slides = browser.execute_script(SLIDES)
    assert len(slides) >= 6  # one topic per slide: title, worked case, table, facets, try it
    seen = []
    for h, v in slides:
        browser.execute_script(f"Reveal.slide({h}, {v});")
        state = _wait(browser, CHECK)
        left, top, right, bottom = state["box"]
        for cid, c_left, c_top, c_right, c_bottom, _zoom in state["charts"]:
            seen.append(cid)
            assert c_left >= left - 1 and c_right <= right + 1, (cid, state)
            assert c_top >= top - 1 and c_bottom <= bottom + 1, (cid, state)
    assert len(seen) == 2, seen
    # the tall facet chart was zoomed down to fit
    zooms = browser.execute_script(
        "return Array.from(document.querySelectorAll('.rk-fit')).map(e => e.style.zoom);")
    assert any(z and float(z) < 1 for z in zooms), zooms
    errors = [e for e in browser.get_log("browser")
              if e["level"] == "SEVERE" and "favicon.ico" not in e["message"]]
    assert not errors, errors


def test_wide_table_stays_within_the_slide(browser):
    slides = browser.execute_script(SLIDES)
    for h, v in slides:
        browser.execute_script(f"Reveal.slide({h}, {v});")
        found = browser.execute_script(
            "const t = Reveal.getCurrentSlide().querySelector('.jp-OutputArea-output table');"
            "if (!t) { return null; }"
            "const box = document.querySelector('.reveal .slides').getBoundingClientRect();"
            "const p = t.closest('.jp-OutputArea-output').getBoundingClientRect();"
            "const st = getComputedStyle(t.closest('.jp-OutputArea-output'));"
            "return [p.right <= box.right + 1, p.bottom <= box.bottom + 1, st.overflowX,"
            " st.overflowY];")
        if found:
            assert found[0] and found[1], found
            assert found[2:] == ["auto", "auto"]  # what does not fit scrolls inside the slide
            return
    pytest.fail("no slide shows the table")


def test_a_real_lessons_deck_in_japanese(tmp_path):
    """`make slides LANG=ja`: a lecturer teaching in Japanese gets the lesson's slides, its
    charts' words, its printed lines, the widget note and the plan's speaker notes in Japanese
    (the book's catalogues); the code on the slides is the lesson's code."""
    repo = Path(__file__).resolve().parents[1]
    (path,) = build_slides(repo / "lessons", tmp_path / "slides-ja",
                           names=["05-partition-curves"], timeout=120, lang="ja")
    deck = path.read_text(encoding="utf-8")
    assert "05. 分配曲線" in deck  # the title slide
    specs = re.findall(r'vegaEmbed\("#[^"]+", (.*?), \{"actions": false\}\)', deck)
    assert specs and any("分配率" in s for s in specs)  # the partition curve's axis
    assert not any('"partition number"' in s for s in specs)
    assert "給鉱のうちアンダーフローの割合" in deck  # a printed line
    assert "対話的な操作：JupyterLab で <code>lessons/05-partition-curves.ipynb</code>" in deck
    notes = " ".join(re.findall(r'<aside class="notes">(.*?)</aside>', deck, flags=re.S))
    assert "時間配分（90 分）" in notes  # the plan's timings on the title slide, in Japanese
    assert "授業計画</strong>, min 48-53 (フィッシュフック)" in notes  # and on its section
    assert "sep_classifier_size_partition" in deck  # the code stays the lesson's
    with pytest.raises(SlidesError, match="lang = 'de'"):
        build_slides(repo / "lessons", tmp_path / "x", names=["05-partition-curves"], lang="de")


def test_a_japanese_deck_translates_plotly_titles_and_keeps_identifier_labels():
    """The Sankey figures of a Japanese deck: titles from the catalogue, node lists of
    identifiers (fe_scrap) as they are (the book's rule, resourcekit._chart_i18n)."""
    from nbformat.v4 import new_output
    from resourcekit.slides import _static_outputs

    figure = {"data": [{"type": "sankey", "node": {"label": ["feed", "fe_scrap"]}}],
              "layout": {"title": {"text": "mass flow [t/h]"}}}
    cell = new_code_cell("fig")
    cell.outputs = [new_output("display_data",
                               data={"application/vnd.plotly.v1+json": figure})]
    nb = new_notebook(cells=[cell])
    words = {"mass flow [t/h]": "質量流量 [t/h]", "feed": "給鉱"}
    _static_outputs(nb, "10-demo", lambda s: words.get(s, s))
    html = nb.cells[0].outputs[0]["data"]["text/html"]
    assert '"text": "質量流量 [t/h]"' in html and '["feed", "fe_scrap"]' in html
