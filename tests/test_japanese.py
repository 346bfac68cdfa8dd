"""The Japanese edition (issue 26): glossary terminology and the gettext catalogues.

The book's Japanese pages come from ``book/locales/ja/LC_MESSAGES/**/*.po`` (one catalogue per
page, ``make book-pot``). The glossary, ``book/glossary.md``, is the single source of terms:
each entry lists its English term(s) and then its Japanese rendering(s); the first Japanese line
is the rendering a translation uses. These tests read the catalogues (fast, no build); the build
itself is exercised by tests/test_book.py's ``make book``, which builds both editions.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

REPO = Path(__file__).resolve().parents[1]
BOOK = REPO / "book"
LOCALE = BOOK / "locales" / "ja" / "LC_MESSAGES"
HTML_JA = BOOK / "_build" / "html-ja"

# Pages whose catalogue is translated in full: a new or changed English message on one of these
# pages (untranslated or fuzzy after `make book-pot`) fails test_translated_pages_are_in_step.
TRANSLATED = ("intro", "glossary", "lecturer-guide", "datasets", *(
    f"{part}/{stem}" for part in ("lessons", "plans", "exercises") for stem in (
        "01-reading-ree-patterns", "02-anomalies-and-shape", "03-tracing-ore-with-ml",
        "04-grade-recovery-yield", "05-partition-curves", "06-sensor-based-sorting",
        "07-circuits-and-economics", "08-closing-the-balance", "09-data-reconciliation",
        "10-material-flows-urban-mine", "11-urban-mine-over-time",
        "12-liberation-and-comminution", "13-separators-by-particle-property",
        "14-recycling-line")),
    "review/index", *(f"review/{n:02d}" for n in range(1, 15)))

ROLE = re.compile(r"\{(term|cite|cite:p|cite:t|ref|doc|numref|eq)\}`([^`]*)`")
CODE = re.compile(r"``.*?``", re.S)  # a role written inside a literal is text, not a role


def roles(message: str) -> list[tuple[str, str]]:
    """(role, content) of each MyST role in a message, literals left out."""
    return ROLE.findall(CODE.sub("", message))


def _is_japanese(line: str) -> bool:
    return any(ord(ch) > 0x2E7F for ch in line)


def glossary_entries() -> list[tuple[list[str], list[str]]]:
    """(English terms, Japanese renderings) of each entry of book/glossary.md's glossary."""
    text = (BOOK / "glossary.md").read_text(encoding="utf-8")
    body = text.split("```{glossary}", 1)[1].split("```", 1)[0]
    entries, current = [], None
    for line in body.splitlines():
        if not line.strip():
            current = None
            continue
        if line[0].isspace():  # the definition
            current = None
            continue
        if current is None:
            current = ([], [])
            entries.append(current)
        (current[1] if _is_japanese(line) else current[0]).append(line.strip())
    return entries


def rendering_of() -> dict[str, str]:
    """Every term name (English or Japanese, lower case) -> the entry's Japanese rendering."""
    table = {}
    for english, japanese in glossary_entries():
        for name in english + japanese:
            table[name.lower()] = japanese[0]
    return table


def catalogues() -> dict[str, Path]:
    """Page name (``lessons/07-circuits-and-economics``) -> its .po file."""
    return {po.relative_to(LOCALE).with_suffix("").as_posix(): po
            for po in sorted(LOCALE.rglob("*.po"))}


def read(po: Path):
    from babel.messages.pofile import read_po

    with po.open("rb") as handle:
        return read_po(handle, locale="ja")


def translated(po: Path):
    """(msgid, msgstr) of the entries translated and not fuzzy."""
    return [(m.id, m.string) for m in read(po)
            if m.id and m.string and "fuzzy" not in m.flags]


def term_targets(message: str) -> list[str]:
    """Glossary terms a message links: ``{term}`text <Term>``` -> Term, ``{term}`Term``` -> Term."""
    out = []
    for role, content in roles(message):
        if role == "term":
            target = re.search(r"<([^<>]+)>\s*$", content)
            out.append((target.group(1) if target else content).strip())
    return out


def needs_translation(msgid: str) -> bool:
    r"""Prose, not a number, a time range or a formula (math and LaTeX commands left out).

    >>> needs_translation("R_k = p\\,R_{k+1} + q\\,R_{k-1},\\qquad R_0 = 0.")
    False
    >>> needs_translation("15-30"), needs_translation("Three purities")
    (False, True)
    """
    text = re.sub(r"\$[^$]*\$|\\[A-Za-z]+|\{[A-Za-z]+\}", " ", msgid)
    return re.search(r"[A-Za-z]{3,}", text) is not None


def test_glossary_gives_each_term_one_japanese_rendering():
    entries = glossary_entries()
    assert len(entries) >= 46
    for english, japanese in entries:
        assert english and japanese, f"glossary entry {english or japanese} lacks a language"
    first = [japanese[0] for _, japanese in entries]
    repeated = sorted({r for r in first if first.count(r) > 1})
    assert not repeated, f"two glossary entries share the Japanese rendering {repeated}"
    names = [name.lower() for english, japanese in entries for name in english + japanese]
    assert len(names) == len(set(names)), "a term name appears in two glossary entries"


def test_glossary_parser_reads_the_entries_the_issue_names():
    table = rendering_of()
    # issue 26 lists these renderings; the glossary decides (データ調整 for reconciliation)
    assert table["technical wall"] == "技術の壁"
    assert table["rational limit"] == "合理性の限界"
    assert table["liberation"] == "単体分離"
    assert table["partition curve"] == table["tromp curve"] == "分配曲線"
    assert table["recovery"] == table["収率"] == "回収率"
    assert table["data reconciliation"] == "データ調整"


def test_catalogues_exist_for_the_translated_pages():
    pages = catalogues()
    for page in TRANSLATED:
        assert page in pages, f"no catalogue {page}.po: run `make book-pot`"
    assert any(page.startswith("lessons/") for page in pages)


def test_every_linked_term_is_rendered_with_its_glossary_term():
    table = rendering_of()
    missing = []
    for page, po in catalogues().items():
        for msgid, msgstr in translated(po):
            for term in term_targets(msgid):
                japanese = table.get(term.lower())
                assert japanese is not None, f"{page}: {{term}}`{term}` is not in the glossary"
                if japanese not in msgstr:
                    missing.append(f"{page}: '{term}' must read '{japanese}' in: {msgstr[:80]}")
    assert not missing, "\n".join(missing)


def test_translations_keep_roles_math_and_front_matter_safe():
    """What makes a Japanese build fail or go wrong, found before a build.

    Sphinx warns ('inconsistent term references in translated message') when a translation has a
    different number of cross-references, and `make book` treats warnings as errors; a msgstr
    starting with ``---`` is read as front matter (MyST-Parser#657); lost ``$`` breaks the math;
    a heading translated as ``07. タイトル`` parses as a numbered list, and Sphinx then keeps the
    English heading (write ``07\\. タイトル``).
    """
    table = rendering_of()
    problems = []
    for page, po in catalogues().items():
        for msgid, msgstr in translated(po):
            roles_en = sorted(role for role, _ in roles(msgid))
            roles_ja = sorted(role for role, _ in roles(msgstr))
            if roles_en != roles_ja:
                problems.append(f"{page}: roles {roles_en} became {roles_ja}: {msgstr[:60]}")
            cites_en = sorted(c for r, c in roles(msgid) if r.startswith("cite"))
            cites_ja = sorted(c for r, c in roles(msgstr) if r.startswith("cite"))
            if cites_en != cites_ja:
                problems.append(f"{page}: citations {cites_en} became {cites_ja}")
            for term in term_targets(msgstr):
                if term.lower() not in table:
                    problems.append(f"{page}: {{term}}`{term}` is not a glossary term")
            if msgid.count("$") != msgstr.count("$"):
                problems.append(f"{page}: '$' count differs: {msgstr[:60]}")
            if msgstr.lstrip().startswith("---") and not msgid.lstrip().startswith("---"):
                problems.append(f"{page}: msgstr starts with '---': {msgstr[:60]}")
            if re.match(r"\d+\. ", msgstr):  # '07. タイトル' parses as a list: no longer a heading
                problems.append(f"{page}: write '\\.' after a leading number: {msgstr[:60]}")
    assert not problems, "\n".join(problems)


def test_translated_pages_are_in_step():
    """A page declared translated has no untranslated or fuzzy message (after `make book-pot`)."""
    kept = set(rendering_of())  # glossary term lines stay as written: they are bilingual already
    stale = []
    for page in TRANSLATED:
        for message in read(catalogues()[page]):
            if message.id.lower() in kept and not message.string:
                continue
            if not message.string and not needs_translation(message.id):
                continue
            if message.id and (not message.string or "fuzzy" in message.flags):
                stale.append(f"{page}.po: {'fuzzy' if message.string else 'untranslated'}: "
                             f"{message.id[:70]!r}")
    assert not stale, "update these msgstr in book/locales/ja/LC_MESSAGES:\n" + "\n".join(stale)


def test_counterpart_links_between_the_editions():
    sys.path.insert(0, str(BOOK / "_ext"))
    try:
        from rk_language_switch import counterpart
    finally:
        sys.path.remove(str(BOOK / "_ext"))
    assert counterpart("intro", "en") == ("../html-ja/intro.html", "日本語")
    assert counterpart("plans/07-circuits-and-economics", "ja") == (
        "../../html/plans/07-circuits-and-economics.html", "English")


@pytest.mark.parametrize("page", TRANSLATED)
def test_built_japanese_page_shows_its_translation(page):
    """Read book/_build/html-ja if it was built from this catalogue; else the catalogue."""
    po = catalogues()[page]
    markup = re.compile(r"\*+|\\|\[|\]\([^)]*\)")  # emphasis, escapes, link targets
    messages = [markup.sub("", s) for _, s in translated(po)
                if len(s) > 12 and "`" not in s and "$" not in s]
    assert messages, f"{page}.po has no translated sentence"
    built = HTML_JA / f"{page}.html"
    mo = po.with_suffix(".mo")  # Sphinx compiles it at the start of a build
    if (built.is_file() and mo.is_file()
            and built.stat().st_mtime > mo.stat().st_mtime >= po.stat().st_mtime):
        html = built.read_text(encoding="utf-8")
        assert 'lang="ja"' in html
        assert f'href="../{"../" * page.count("/")}html/{page}.html"' in html  # back to English
        plain = re.sub(r"<[^>]+>", "", html)
        if page == "intro":  # the part captions (translated by rk_language_switch)
            captions = re.findall(r'caption-text">([^<]*)<', html)
            assert captions and all(_is_japanese(c) for c in captions), captions
        shown = [s for s in messages if s.split("\n")[0][:12] in plain]
        assert len(shown) >= len(messages) // 2, f"{built} shows few of its translations"


def test_chart_png_draws_japanese_text_with_a_japanese_font():
    """Issue 26: vl-convert draws a chart's Japanese title and axis title with a font that has
    the characters. Without one every character is the same empty box, so two titles of two
    characters each give the same picture (checked: identical PNGs with fontconfig limited to
    Debian's DejaVu fonts)."""
    import json

    import vl_convert as vlc

    def png(title: str) -> bytes:
        spec = {"title": title, "width": 60, "height": 20, "data": {"values": [{"x": 1}]},
                "mark": "point",
                "encoding": {"x": {"field": "x", "type": "quantitative", "title": title}}}
        return vlc.vegalite_to_png(json.dumps(spec), scale=1)

    assert png("選別") != png("分離")


def _book_extension(name: str):
    """A module of book/_ext (the book's Sphinx extensions), imported by name."""
    import importlib

    sys.path.insert(0, str(BOOK / "_ext"))
    try:
        return importlib.import_module(name)
    finally:
        sys.path.remove(str(BOOK / "_ext"))


def _chart_i18n():
    return _book_extension("rk_chart_i18n")


def _altair_html(chart) -> str:
    import altair as alt

    with alt.renderers.enable("html"):
        bundle = chart._repr_mimebundle_()
    return (bundle[0] if isinstance(bundle, tuple) else bundle)["text/html"]


def _lesson_like_chart():
    """A chart with every kind of word: title and subtitle, layers, an untitled field, an axis
    title, a legend bound to a selection, a slider, a text mark, a tooltip list, a facet-free
    concat, an aggregate and a filter that names a category."""
    import altair as alt
    import pandas as pd

    df = pd.DataFrame({"size_mm": [1.0, 2.0, 4.0], "throw_m": [0.2, 0.5, 0.9],
                       "material": ["Al", "Cu", "Al"]})
    rotor = alt.param(name="rotor", value=2000, bind=alt.binding_range(
        min=1000, max=3000, name="rotor [rpm] "))
    pick = alt.selection_point(fields=["material"], bind="legend")
    points = alt.Chart(df).mark_point().encode(
        x="size_mm:Q", y=alt.Y("throw_m:Q", axis=alt.Axis(title="throw [m]")),
        color="material:N", tooltip=["material:N", "size_mm:Q"],
    ).add_params(rotor, pick).transform_filter("datum.material != 'Fe'")
    label = alt.Chart(df).mark_text(text="splitter").encode(x=alt.value(10), y=alt.value(10))
    mean = alt.Chart(df).mark_rule().encode(y="mean(throw_m):Q")
    return alt.hconcat(points + label + mean, alt.Chart(df).mark_bar().encode(
        x="material:N", y="count()")).properties(
        title=alt.Title("Eddy-current throw", subtitle="one rotor"))


def test_chart_words_are_found_and_only_they_change():
    chart_i18n = _chart_i18n()
    html = _altair_html(_lesson_like_chart())
    words = chart_i18n.messages(html)
    assert set(words) == {"Eddy-current throw", "one rotor", "rotor [rpm]", "size_mm",
                          "throw [m]", "material", "splitter"}, words
    table = {"size_mm": "粒径 [mm]", "material": "材料", "rotor [rpm]": "ローター [rpm]",
             "throw [m]": "飛距離 [m]"}
    out = chart_i18n.translate(html, lambda w: table.get(w, w))
    import json

    def spec(text):
        (start, end), = chart_i18n.chart_spans(text)
        return json.loads(text[start:end])

    before, after = spec(html), spec(out)
    assert after["datasets"] == before["datasets"]  # data untouched
    assert after["params"][0]["bind"]["name"] == "ローター [rpm] "  # label, trailing space kept
    assert [p["name"] for p in after["params"]] == [p["name"] for p in before["params"]]
    layer = after["hconcat"][0]["layer"][0]
    assert layer["encoding"]["x"] == {**before["hconcat"][0]["layer"][0]["encoding"]["x"],
                                      "title": "粒径 [mm]"}  # field kept, title added
    assert layer["encoding"]["y"]["axis"]["title"] == "飛距離 [m]"
    assert "title" not in layer["encoding"]["y"]  # its axis title is the one shown
    assert [t.get("title") for t in layer["encoding"]["tooltip"]] == ["材料", "粒径 [mm]"]
    assert layer["transform"] == before["hconcat"][0]["layer"][0]["transform"]
    assert "title" not in after["hconcat"][0]["layer"][2]["encoding"]["y"]  # aggregate: "Mean of"
    assert after["title"] == {"text": "Eddy-current throw", "subtitle": "one rotor"}  # no msgstr
    assert out.replace(json.dumps(after, ensure_ascii=False), "") == html.replace(
        html[slice(*chart_i18n.chart_spans(html)[0])], "")  # the rest of the HTML as it was


def test_chart_translation_changes_nothing_but_words():
    """Invariant over any words and any translations (markup, quotes, '</script>', CJK): the
    spec stays valid JSON in a script that still ends where it ended, and everything but the
    words is kept; translating with the identity gives the spec back."""
    import json

    from hypothesis import given, settings
    from hypothesis import strategies as st

    chart_i18n = _chart_i18n()
    html = _altair_html(_lesson_like_chart())
    (start, end), = chart_i18n.chart_spans(html)
    original = json.loads(html[start:end])
    assert chart_i18n.walk(original, lambda w: w) == original

    def strip_words(spec):
        return chart_i18n.walk(spec, lambda w: "")

    @settings(max_examples=60, deadline=None)
    @given(st.sampled_from(["</script>", '"', "\\", "分配曲線", "<b>x</b>", "${x}"])
           | st.text(min_size=1, max_size=30))
    def check(word):
        out = chart_i18n.translate(html, lambda w: word + w[:1])
        assert out.count("</script>") == html.count("</script>")
        (s2, e2), = chart_i18n.chart_spans(out)
        after = json.loads(out[s2:e2])
        assert strip_words(after) == strip_words(
            chart_i18n.walk(original, lambda w: word + w[:1]))
        assert after["datasets"] == original["datasets"]

    check()


def test_a_layer_beside_a_titled_layer_gets_no_title_of_its_own():
    """Vega-Lite shows a sibling layer's explicit axis title over a field's name, but joins two
    explicit titles with a comma: translating the untitled field into a title would have drawn
    lesson 07's axis as "産物の純度 [質量分率], 純度"."""
    chart_i18n = _chart_i18n()
    spec = {"layer": [
        {"mark": "line", "encoding": {"x": {"field": "purity", "type": "quantitative",
                                            "title": "purity of the product"}}},
        {"mark": "rule", "encoding": {"x": {"field": "purity", "type": "quantitative"},
                                      "color": {"field": "mark", "type": "nominal"}}}]}
    table = {"purity of the product": "産物の純度", "purity": "純度", "mark": "印"}
    out = chart_i18n.translate_spec(spec, lambda w: table.get(w, w))
    assert out["layer"][0]["encoding"]["x"]["title"] == "産物の純度"
    assert "title" not in out["layer"][1]["encoding"]["x"]
    assert out["layer"][1]["encoding"]["color"]["title"] == "印"  # untitled beside: translated
    assert chart_i18n.messages(
        '<div id="altair-viz-1"></div>})(' + __import__("json").dumps(
            {"$schema": "https://vega.github.io/schema/vega-lite/v6.json", **spec})
        + ", {});") == ["purity of the product", "mark"]


def test_plotly_words_are_translated_and_identifier_labels_kept():
    """Sankey figures (lessons 10 and 14): the title, axis titles and node labels that read as
    words are translated; a node list that holds identifiers (``fe_scrap``,
    ``magnet.magnetic``) stays as the code names it, and flows are never touched."""
    import json

    chart_i18n = _chart_i18n()
    table = {"mass flow [t/h]": "質量流量 [t/h]", "aluminium": "アルミニウム",
             "magnet": "磁選機"}
    words = {"data": [{"type": "sankey", "node": {"label": ["magnet", "aluminium", "PVC"]},
                       "link": {"source": [0], "target": [1], "value": [2.5]}}],
             "layout": {"title": {"text": "mass flow [t/h]"}}}
    ids = {"data": [{"type": "sankey", "node": {"label": ["magnet", "fe_scrap"]},
                     "link": {"source": [0], "target": [1], "value": [2.5]}}],
           "layout": {"title": "mass flow [t/h]"}}
    html = ('<div id="rk-plotly-1-x" class="rk-plotly"></div>\n<script>(function () { '
            'var fig = %s; Plotly.newPlot("rk-plotly-1-x", fig.data, fig.layout); })();'
            '</script>')
    out = chart_i18n.translate_plotly(html % json.dumps(words), lambda w: table.get(w, w))
    figure = json.loads(out.split("var fig = ", 1)[1].split("; Plotly", 1)[0])
    assert figure["layout"]["title"]["text"] == "質量流量 [t/h]"
    assert figure["data"][0]["node"]["label"] == ["磁選機", "アルミニウム", "PVC"]
    assert figure["data"][0]["link"] == words["data"][0]["link"]
    kept = chart_i18n.plotly_figure(ids, lambda w: table.get(w, w))
    assert kept["data"][0]["node"]["label"] == ["magnet", "fe_scrap"]
    assert kept["layout"]["title"] == "質量流量 [t/h]"
    assert chart_i18n.plotly_messages(html % json.dumps(words)) == [
        "mass flow [t/h]", "magnet", "aluminium"]


# ------------------------------------------------------------------ printed output (issue 26)
def _output_i18n():
    return _book_extension("rk_output_i18n")


def test_printed_lines_are_translated_with_their_own_numbers():
    out = _output_i18n()
    ja = {"SSE logistic {0}, Lynch-Rao {1}; without by-pass {2} times larger":
          "SSE：ロジスティック {0}、Lynch-Rao {1}。バイパスなしでは {2} 倍大きい",
          "rho50 = {0}, Ep = {1}": "Ep {1}、rho50 {0}"}  # placeholders may change places
    text = ("SSE logistic 1.25e-03, Lynch-Rao 2.5e-03; without by-pass 12 times larger\n"
            "  rho50 = 1.553, Ep = -0.05\nfe_scrap    12.0   3\nrho50 = 1.6")
    shown = out.translate_text(text, lambda s: ja.get(s, s)).split("\n")
    assert shown[0] == ("SSE：ロジスティック 1.25e-03、Lynch-Rao 2.5e-03。バイパスなしでは 12 倍"
                        "大きい")
    assert shown[1] == "  Ep -0.05、rho50 1.553"
    assert shown[2] == "fe_scrap    12.0   3"  # a table row: not a sentence, left alone
    assert shown[3] == "rho50 = 1.6"  # no message for this template: as printed


@settings(max_examples=300, deadline=None)
@given(st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=60)
       .map(lambda s: s.replace("\n", " ")),
       st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30))
def test_printed_line_translation_keeps_every_number(line, words):
    """Invariant: a translation shows exactly the line's numbers, as printed, in the order its
    placeholders ask; a translation that loses or adds a placeholder is not used."""
    from hypothesis import assume

    out = _output_i18n()
    assert out.translate_line(line, lambda s: s) == line  # no translation: as printed
    found = out.template(line)
    if found is None:
        return
    template, numbers = found
    safe = words.replace("{", "").replace("}", "")
    reordered = " ".join(f"{{{i}}}" for i in reversed(range(len(numbers))))
    assume(f"{safe}|{reordered}" != template)
    indent = line[:len(line) - len(line.lstrip())]
    shown = out.translate_line(line, lambda s: f"{safe}|{reordered}" if s == template else s)
    assert shown == indent + f"{safe}|" + " ".join(reversed(numbers))
    added = template + f" {{{len(numbers)}}}"
    assert out.translate_line(line, lambda s: added if s == template else s) == line
    if numbers:
        assert out.translate_line(line, lambda s: safe + "|" if s == template else s) == line


def test_printed_line_messages_are_translated_with_their_placeholders():
    """Every printed-line template in the lessons' catalogues is translated, not fuzzy, and
    keeps its placeholders (that each lesson's printed lines are in its catalogue is checked
    on the built book, test_book.py)."""
    out = _output_i18n()
    entries = [m for page, po in catalogues().items() if page.startswith("lessons/")
               for m in read(po) if any("rk_output_i18n" in c for c in m.auto_comments)]
    assert len(entries) >= 150
    for m in entries:
        assert m.string and "fuzzy" not in m.flags, m.id
        assert out.fields(m.id) == out.fields(m.string), m.id
