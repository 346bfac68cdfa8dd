"""The course in Japanese in JupyterLab (`make lab LANG=ja`, issue 26): the notebooks' text from
the book's catalogues, and `check()` answering in Japanese.

A Japanese-reading engineer who studies alone opens the notebooks, not the book: the lessons'
and exercises' markdown, the exercises' hints and the self-check's answers must be in Japanese
there too, and the code must stay exactly the English code (the same computation, the same
self-check keys).
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import nbformat
import pytest
from babel.messages.pofile import read_po
from resourcekit._lab import prepare_course
from resourcekit._notebook_i18n import translate_markdown
from resourcekit.errors import OptionError
from resourcekit.grading.authoring import Question, student_version
from resourcekit.grading.i18n import FRAME, placeholders
from resourcekit.grading.selfcheck import Checker, make_key

REPO = Path(__file__).resolve().parent.parent
CJK = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
KEYS = re.compile(r"Checker\((\{.*\}), globals\(\)", re.S)


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A repository with lessons, the book's catalogues and the student exercises (written
    here from the masters, as `make exercises` does without the reference run), and the
    Japanese course made from it."""
    repo = tmp_path_factory.mktemp("repo")
    (repo / "lessons").symlink_to(REPO / "lessons")
    (repo / "book").symlink_to(REPO / "book")
    student = repo / "exercises" / "_build" / "student"
    student.mkdir(parents=True)
    for master in sorted((REPO / "exercises").glob("[0-9]*.ipynb")):
        nbformat.write(student_version(master), student / master.name)
    done = prepare_course(repo, repo / "course-ja", "ja")
    return repo, done


def _pairs(repo: Path):
    for kind, source in (("lessons", repo / "lessons"),
                         ("exercises", repo / "exercises" / "_build" / "student")):
        for path in sorted(source.glob("[0-9]*.ipynb")):
            yield (nbformat.read(path, as_version=4),
                   nbformat.read(repo / "course-ja" / kind / path.name, as_version=4), path.name)


def test_every_paragraph_and_hint_of_the_course_is_translated(course):
    repo, done = course
    assert len(done.copied) == 28 and not done.kept
    # Every markdown unit and every hint found its message: a paragraph changed in English
    # and not yet in the catalogue would be listed here, by notebook.
    assert done.untranslated == {}
    for english, japanese, name in _pairs(repo):
        for e, j in zip(english.cells, japanese.cells, strict=True):
            if e.cell_type == "markdown" and re.search(r"[A-Za-z]{4}", e.source):
                assert CJK.search(j.source), (name, e.source[:80])


def test_the_code_is_the_english_code(course):
    # Invariant: translation changes words, never what runs. Same cells, ids and types; every
    # code cell identical except the self-check, whose keys differ only in their hints.
    repo, _ = course
    for english, japanese, name in _pairs(repo):
        assert [(c.cell_type, c.get("id")) for c in english.cells] == \
               [(c.cell_type, c.get("id")) for c in japanese.cells], name
        for e, j in zip(english.cells, japanese.cells, strict=True):
            if e.cell_type != "code":
                continue
            if "Checker(" not in e.source:
                assert j.source == e.source, name
                continue
            assert j.source.endswith("}, globals(), lang='ja')"), name
            ek, jk = (json.loads(KEYS.search(s).group(1)) for s in (e.source, j.source))
            assert ek.keys() == jk.keys()
            for q in ek:
                assert {k: v for k, v in ek[q].items() if k != "hint"} == \
                       {k: v for k, v in jk[q].items() if k != "hint"}, (name, q)
                assert not jk[q].get("hint") or not jk[q]["hint"].startswith("**"), (name, q)
        assert japanese.metadata["resourcekit"]["lang"] == "ja"


def test_the_japanese_self_check_cell_runs_and_answers_in_japanese(course, capsys):
    repo, _ = course
    nb = nbformat.read(repo / "course-ja/exercises/05-partition-curves.ipynb", as_version=4)
    cell = next(c for c in nb.cells if "Checker(" in c.source)
    namespace: dict = {}
    exec(cell.source, namespace)  # noqa: S102 - the course's own cell
    namespace["check"]("q1")
    out = capsys.readouterr().out
    # keys without digests here (no reference run): the Japanese "no key" message
    assert out.startswith("q1 (`partition`): このコピーには自己チェックのキーがありません")
    hint = json.loads(KEYS.search(cell.source).group(1))["q7"]["hint"]
    assert CJK.search(hint) and "sinks_new_feed" not in hint[:20]


def _ja_check(keys, namespace):
    return Checker(keys, namespace, lang="ja").results()


def test_every_self_check_answer_has_its_japanese_form():
    """Each branch of the self-check, in Japanese: a message without a translation would raise
    (the frame catalogue refuses to show English), and none may show the expected value."""
    number = make_key(Question("q1", "x", 1, "number", rtol=1e-3, hint="ヒントです"), 2.5, "t/1")
    listed = make_key(Question("q2", "v", 1, "numbers", rtol=1e-3), [1.0, 2.0, 3.0], "t/2")
    many = make_key(Question("q3", "w", 1, "numbers", rtol=1e-3), list(range(1, 11)), "t/3")
    mapped = make_key(Question("q4", "m", 1, "numbers", rtol=1e-3), {"a": 1.0, "b": 2.0}, "t/4")
    text = make_key(Question("q5", "t", 1, "choice"), "b", "t/5")
    cases = [
        (number, 2.5, "正解です。"),
        (number, 9.0, "まだ正しくありません。ヒント：ヒントです"),
        (number, "2.5", "`x` は有限の数値一つ"),
        (listed, [1.0, 2.0, 9.0], "3 個のうち 2 個が正解です。リストの 3 番目の値"),
        (listed, [9.0, 9.0, 3.0], "リストの 1, 2 番目の値"),
        (listed, [1.0], "`v` の値は 1 個です。問題が求めているのは 3 個です。"),
        (listed, "1, 2, 3", "`v` は数値のリスト、配列または Series"),
        (many, [0.0] * 10, "1, 2, 3, 4, 5, 6, 7, 8、...（全 10 個）"),
        (mapped, {"a": 1.0, "b": 9.0}, "2 個のうち 1 個が正解です。b を確認してください。"),
        (mapped, {"a": 1.0}, "`m` にはキー b がありません。"),
        (mapped, [1.0, 2.0], "`m` は名前を数値に対応させるもの"),
        (text, " B ", "正解です。"),
        (text, 3, "`t` はテキスト（文字列）にしてください。"),
    ]
    for key, value, expected in cases:
        (right, message), = _ja_check({"q": key}, {key["answer"]: value}).values()
        assert expected in message, (value, message)
        assert right is (expected == "正解です。")
        assert not re.search(r"\b(right|check|should|values?)\b", message), message
    unanswered = _ja_check({"q": number}, {})
    assert unanswered["q"] == (None, "まだ解答されていません。")

    class Hostile(float):  # a real number that refuses to be one
        def __float__(self):
            raise RuntimeError("no")

    hostile = _ja_check({"q": number}, {"x": Hostile(2.5)})
    assert hostile["q"][0] is False and "確認できませんでした" in hostile["q"][1]


def test_self_check_translations_keep_their_placeholders():
    with (FRAME / "ja" / "LC_MESSAGES" / "exam.po").open("rb") as handle:
        catalog = read_po(handle, locale="ja")
    entries = [m for m in catalog if any("selfcheck" in c for c in m.auto_comments)]
    assert len(entries) == 15
    for m in entries:
        assert m.string and placeholders(m.id) == placeholders(m.string), m.id


def test_english_answers_are_unchanged(capsys):
    # The English messages are byte for byte those learners and tests know.
    key = make_key(Question("q2", "v", 1, "numbers", rtol=1e-3), [1.0, 2.0, 3.0], "t/2")
    check = Checker({"q2": key}, {"v": [9.0, 2.0, 9.0]})
    check()
    assert capsys.readouterr().out == ("q2 (`v`): 1 of 3 right; check values 1, 3 of the list "
                                       "(counting from 1).\n")


def test_markdown_units_the_catalogue_lacks_stay_english_and_are_named():
    text, left = translate_markdown("A known line.\n\nAn unknown\nparagraph.\n\n$$x = 1$$",
                                    {"A known line.": "既知の行。"})
    assert text == "既知の行。\n\nAn unknown\nparagraph.\n\n$$x = 1$$"
    assert left == ["An unknown paragraph."]


def test_a_learners_japanese_copy_is_kept_and_other_languages_refused(course, tmp_path):
    repo, _ = course
    target = tmp_path / "course-ja"
    shutil.copytree(repo / "course-ja", target)
    mine = target / "exercises" / "05-partition-curves.ipynb"
    mine.write_text("my answers")
    done = prepare_course(repo, target, "ja")
    assert mine.read_text() == "my answers" and mine in done.outdated and not done.copied
    with pytest.raises(OptionError, match="lang = 'de'"):
        prepare_course(repo, tmp_path / "de", "de")
    with pytest.raises(OptionError, match="lang = 'de'"):
        Checker({}, {}, lang="de")


def test_a_kernel_in_the_japanese_course_draws_chart_words_in_japanese(course, monkeypatch):
    """The live renderer finds the course's chart words from the kernel's folder (a lesson's
    folder inside course-ja/) and translates each chart's words; data and fields stay."""
    import altair as alt
    import pandas as pd
    from resourcekit import _live_charts

    repo, _ = course
    words = json.loads((repo / "course-ja" / ".resourcekit-course.json").read_text())["messages"]
    assert words["partition number"] == "分配率"  # lesson 05's y axis, from its catalogue
    data = pd.DataFrame({"rho": [1.3, 1.5], "P": [0.1, 0.9], "kind": ["fitted", "fitted"]})
    chart = alt.Chart(data).mark_line().encode(
        x=alt.X("rho", title="relative density rho [-]"),
        y=alt.Y("P", title="partition number"))
    spec = chart.to_dict()

    def drawn(folder):
        monkeypatch.chdir(folder)
        _live_charts._course_words.cache_clear()
        bundle = _live_charts._render(spec)
        view = bundle[0] if isinstance(bundle, tuple) else bundle
        from ipywidgets.widgets.widget import _instances

        return _instances[view["application/vnd.jupyter.widget-view+json"]["model_id"]].spec

    ja = drawn(repo / "course-ja" / "lessons")
    assert ja["encoding"]["y"]["title"] == "分配率"
    assert ja["encoding"]["x"]["title"] == "比重 rho [-]"
    assert ja["encoding"]["x"]["field"] == "rho" and ja["datasets"] == spec["datasets"]
    en = drawn(repo / "lessons")  # the English lessons: no course file above them
    assert en["encoding"]["y"]["title"] == "partition number"
    (repo / "course-ja" / "broken").mkdir(exist_ok=True)
    (repo / "course-ja" / "broken" / ".resourcekit-course.json").write_text("{not json")
    assert drawn(repo / "course-ja" / "broken")["encoding"]["y"]["title"] == "partition number"
    _live_charts._course_words.cache_clear()


def test_a_kernel_in_the_japanese_course_prints_in_japanese(course, monkeypatch):
    """What a lesson prints, in a kernel of the Japanese course: each line whose template the
    course file holds is shown translated with its own numbers (the book's function)."""
    import io
    import sys

    from resourcekit._output_i18n import translate_stdout

    repo, _ = course
    words = json.loads((repo / "course-ja" / ".resourcekit-course.json").read_text())["messages"]
    line = "underflow share of the feed: {0} %; feed-weighted mean of P: {1}"  # lesson 05
    assert words[line].startswith("給鉱のうちアンダーフローの割合")
    printed = io.StringIO()
    monkeypatch.setattr(sys, "stdout", printed)
    assert translate_stdout(words) and not translate_stdout(words)  # installed once
    print("underflow share of the feed: 65.2 %; feed-weighted mean of P: 0.652")
    print("a line the course does not know: 1.5")
    # several arguments are written one by one; the line is translated once it is whole
    print("underflow share of the feed:", 65.2, "%; feed-weighted mean of P:", 0.652)
    print("rho50 =", 1.553, end="")  # a partial line is held until the kernel flushes
    held = printed.getvalue()
    sys.stdout.flush()
    japanese = "給鉱のうちアンダーフローの割合：65.2 %。給鉱で重み付けした P の平均：0.652\n"
    assert held == japanese + "a line the course does not know: 1.5\n" + japanese
    assert printed.getvalue() == held + "rho50 = 1.553"


def test_a_kernel_in_the_japanese_course_labels_its_controls_in_japanese(monkeypatch):
    """Sliders constructed after translate_labels are labelled from the course's messages;
    values, ranges and unknown labels are untouched, and the hook is installed once."""
    import ipywidgets
    from resourcekit import _output_i18n

    monkeypatch.setattr(_output_i18n, "_LABELS", [])
    handlers = ipywidgets.Widget._widget_construction_callback
    try:
        assert _output_i18n.translate_labels({"feed grade": "給鉱品位"})
        assert not _output_i18n.translate_labels({"feed grade": "other"})
        slider = ipywidgets.FloatSlider(value=0.2, min=0, max=1, description="feed grade")
        other = ipywidgets.FloatSlider(description="tail grade")
        assert slider.description == "給鉱品位" and slider.value == 0.2 and slider.max == 1
        assert other.description == "tail grade"
    finally:
        ipywidgets.Widget._widget_construction_callback = handlers


def test_every_control_label_of_the_lessons_is_in_their_catalogues():
    """The labels a live kernel shows (widget_labels of each lesson's code) are translated in
    the lesson's catalogue, so the Japanese course's sliders are labelled in Japanese."""
    import sys

    from babel.messages.pofile import read_po

    sys.path.insert(0, str(REPO / "book" / "_ext"))
    try:
        import rk_output_i18n
    finally:
        sys.path.remove(str(REPO / "book" / "_ext"))
    left = {}
    for lesson in sorted((REPO / "lessons").glob("[0-9]*.ipynb")):
        po = REPO / "book/locales/ja/LC_MESSAGES/lessons" / f"{lesson.stem}.po"
        with po.open("rb") as handle:
            table = {m.id: m.string for m in read_po(handle) if m.string and not m.fuzzy}
        missing = [label for label in rk_output_i18n.widget_labels(lesson) if label not in table]
        if missing:
            left[lesson.stem] = missing
    assert not left, f"control labels without a translation: {left}"
    assert "by-pass" in rk_output_i18n.widget_labels(REPO / "lessons/05-partition-curves.ipynb")
