"""Exams in Japanese (issue 26): the bank's gettext catalogue, what is translated and what is not.

A Japanese handout shows the frame, topics, prompts and options in Japanese; every code cell
(setup, data, answer, check), and so the learner's numbers and the grading, is that of the
English handout. A missing, fuzzy or placeholder-breaking translation stops the writing.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import yaml
from babel.messages.pofile import read_po, write_po
from resourcekit.grading import i18n
from resourcekit.grading.exam import ExamError, exam_notebook, load_exam

REPO = Path(__file__).resolve().parents[1]
BANKS = REPO / "exercises" / "bank"
EXAMS = REPO / "exercises" / "exams"
KEY = b"unit-test-key-0123456789"
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def _catalogue(bank: str) -> dict[str, str]:
    with i18n.catalogue_path(BANKS / f"{bank}.yml", "ja").open("rb") as handle:
        return {m.id: m.string for m in read_po(handle, locale="ja") if m.id}


@pytest.mark.parametrize("bank", ["course", "physical-separation"])
def test_shipped_bank_catalogues_translate_every_shown_text_and_keep_placeholders(bank):
    shown = i18n.bank_messages(yaml.safe_load((BANKS / f"{bank}.yml").read_text()))
    table = _catalogue(bank)
    missing = sorted(text[:50] for text in shown if not table.get(text))
    assert not missing, f"run `python -m resourcekit.grading bank-pot` and translate: {missing}"
    assert not i18n.placeholder_problems({t: table[t] for t in shown})
    assert all(JAPANESE.search(table[t]) for t in shown if re.search(r"[A-Za-z]{4}", t)
               and not t.startswith(("{", "`"))), "a translation without Japanese"


def test_bank_messages_hold_every_prompt_topic_and_option():
    bank = yaml.safe_load((BANKS / "course.yml").read_text())
    shown = i18n.bank_messages(bank)
    for qid, item in bank["questions"].items():
        assert item["prompt"].strip("\n") in shown, qid
        assert item["topic"] in shown, qid
        for spec in (item.get("params") or {}).values():
            for options in spec.get("choice", []):
                for text in (options if isinstance(options, list) else [options]):
                    if isinstance(text, str):
                        assert text in shown, (qid, text[:40])


@pytest.mark.parametrize("exam_file", ["certificate-course.yml", "physical-separation.yml"])
def test_japanese_handout_shows_japanese_and_keeps_every_code_cell(exam_file):
    exam = load_exam(EXAMS / exam_file)
    en = exam_notebook(exam, "alice", "Alice", issued="2026-12-07", key=KEY)
    ja = exam_notebook(exam, "alice", "Alice", issued="2026-12-07", key=KEY, lang="ja")
    assert len(en.cells) == len(ja.cells)
    for a, b in zip(en.cells, ja.cells, strict=True):
        assert a.cell_type == b.cell_type and a.metadata == b.metadata
        if a.cell_type == "code":  # setup, data, answer and check cells: graded the same
            assert a.source == b.source
    questions = [c.source for c in ja.cells if c.source.startswith("## ")]
    assert len(questions) == len(exam.questions)
    for q, text in zip(exam.questions, questions, strict=True):
        assert text.startswith("## 問 ") and JAPANESE.search(text), text[:80]
        assert q.prompt.strip().splitlines()[0] not in text  # no English prompt left
    assert ja.metadata["resourcekit"]["lang"] == "ja"
    assert {k: v for k, v in ja.metadata["resourcekit"].items() if k != "lang"} == {
        k: v for k, v in en.metadata["resourcekit"].items() if k != "lang"}
    assert ja.cells[0].source.startswith(f"# {exam.titles['ja']}\n")
    assert JAPANESE.search(exam.titles["ja"])
    assert "合格点" in ja.cells[0].source and "`alice.ipynb`" in ja.cells[0].source


def _bank_copy(tmp_path: Path) -> Path:
    bank = tmp_path / "bank" / "physical-separation.yml"
    bank.parent.mkdir()
    shutil.copy(BANKS / "physical-separation.yml", bank)
    po = i18n.catalogue_path(bank, "ja")
    po.parent.mkdir(parents=True)
    shutil.copy(i18n.catalogue_path(BANKS / "physical-separation.yml", "ja"), po)
    return bank


def _edit(po: Path, fn) -> None:
    with po.open("rb") as handle:
        catalog = read_po(handle, locale="ja")
    fn(catalog)
    with po.open("wb") as handle:
        write_po(handle, catalog, width=76)


def test_missing_or_broken_translation_stops_the_writing(tmp_path):
    bank = _bank_copy(tmp_path)
    exam = load_exam(EXAMS / "physical-separation.yml", bank=bank)
    first = exam.questions[0]
    po = i18n.catalogue_path(bank, "ja")

    def drop(catalog):
        catalog[first.prompt.strip("\n")].string = ""

    _edit(po, drop)
    with pytest.raises(ExamError, match=re.escape(first.id)):
        exam_notebook(exam, "alice", key=KEY, lang="ja")

    shutil.copy(i18n.catalogue_path(BANKS / "physical-separation.yml", "ja"), po)
    with_field = next(q for q in exam.questions if i18n.placeholders(q.prompt))
    field = i18n.placeholders(with_field.prompt)[0]

    def lose_placeholder(catalog):
        m = catalog[with_field.prompt.strip("\n")]
        m.string = m.string.replace("{" + field + "}", "")

    _edit(po, lose_placeholder)
    with pytest.raises(ExamError, match="placeholders"):
        exam_notebook(exam, "alice", key=KEY, lang="ja")
    with pytest.raises(ExamError, match="lang = 'fr'"):
        exam_notebook(exam, "alice", key=KEY, lang="fr")
    exam.titles.clear()  # an exam file without title_ja: no English title in a Japanese exam
    shutil.copy(i18n.catalogue_path(BANKS / "physical-separation.yml", "ja"), po)
    with pytest.raises(ExamError, match="title_ja"):
        exam_notebook(exam, "alice", key=KEY, lang="ja")


def test_bank_pot_keeps_translations_and_marks_a_changed_prompt_fuzzy(tmp_path):
    bank = _bank_copy(tmp_path)
    exam = load_exam(EXAMS / "physical-separation.yml", bank=bank)
    q = exam.questions[0]
    before = _catalogue("physical-separation")[q.prompt.strip("\n")]
    text = bank.read_text()
    first_line = q.prompt.strip().splitlines()[0]
    bank.write_text(text.replace(first_line, first_line + " (revised)", 1))
    run = subprocess.run([sys.executable, "-m", "resourcekit.grading", "bank-pot", str(bank)],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    with i18n.catalogue_path(bank, "ja").open("rb") as handle:
        catalog = read_po(handle, locale="ja")
    changed = [m for m in catalog if m.id and "(revised)" in m.id]
    assert len(changed) == 1 and "fuzzy" in changed[0].flags and changed[0].string == before
    kept = [m for m in catalog if m.id and m.string and "fuzzy" not in m.flags]
    assert len(kept) == len(_catalogue("physical-separation")) - 1
    # a fuzzy translation is not used: the revised exam stops until it is checked
    with pytest.raises(ExamError, match=re.escape(q.id)):
        exam_notebook(load_exam(EXAMS / "physical-separation.yml", bank=bank), "alice",
                      key=KEY, lang="ja")


def test_cli_writes_japanese_handouts(tmp_path):
    learners = tmp_path / "learners.csv"
    learners.write_text("learner_id,name\nl1,山田 太郎\n", encoding="utf-8")
    out = tmp_path / "out"
    run = subprocess.run([sys.executable, "-m", "resourcekit.grading", "exam",
                          str(EXAMS / "physical-separation.yml"), "--learners", str(learners),
                          "--out", str(out), "--lang", "ja"], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    nb = nbformat.read(str(out / "l1.ipynb"), as_version=4)
    assert "山田 太郎" in nb.cells[0].source and nb.metadata["resourcekit"]["lang"] == "ja"
