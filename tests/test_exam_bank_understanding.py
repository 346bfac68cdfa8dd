"""The course bank tests understanding (issue 21, item 4), and its content errors stay fixed.

Prints the question count per lesson and the share of understanding questions (explain,
choose the cause, predict then compute, transfer); fails below 80 questions or 40 %.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
import yaml
from resourcekit.grading.bankcheck import SKILLS, UNDERSTANDING, question_lesson

REPO = Path(__file__).resolve().parents[1]
BANK = REPO / "exercises" / "bank" / "course.yml"
LESSONS = [f"{i:02d}" for i in range(1, 15)]  # 12-14: the separation lessons of issue 21


@pytest.fixture(scope="module")
def bank():
    return yaml.safe_load(BANK.read_text(encoding="utf-8"))


def test_question_count_per_lesson_and_understanding_share(bank):
    items = bank["questions"]
    per_lesson = dict.fromkeys(LESSONS, 0)
    understanding = 0
    for qid, item in items.items():
        per_lesson[question_lesson(qid, item, {})] += 1
        assert item.get("skill") in SKILLS, (qid, item.get("skill"))
        understanding += item["skill"] in UNDERSTANDING
    share = understanding / len(items)
    print(f"\ncourse bank: {len(items)} questions; understanding {understanding} "
          f"({share:.0%}); per lesson: " + ", ".join(f"{k}: {v}" for k, v in per_lesson.items()))
    assert len(items) >= 80
    assert share >= 0.40
    assert min(per_lesson.values()) >= 3, per_lesson
    assert set(bank["lessons"]) == set(LESSONS)


def test_every_lesson_has_an_understanding_question(bank):
    have = {question_lesson(q, i, {}) for q, i in bank["questions"].items()
            if i.get("skill") in UNDERSTANDING}
    assert have == set(LESSONS)


def test_cited_keys_exist_in_the_bibliography(bank):
    bib = (REPO / "book" / "references.bib").read_text(encoding="utf-8")
    keys = set(re.findall(r"^@\w+\{([^,]+),", bib, flags=re.M))
    cited = {k for item in bank["questions"].values() for k in item.get("cite", [])}
    assert cited and cited <= keys, cited - keys


def test_la_free_ce_anomaly_is_attributed_to_lawrence_et_al_2006(bank):
    item = bank["questions"]["l02-ce-pr-nd"]
    assert "Lawrence et al. (2006" in item["prompt"] and "Bau" not in item["prompt"]
    assert item["cite"] == ["lawrence2006aquat"]
    bib = (REPO / "book" / "references.bib").read_text(encoding="utf-8")
    entry = bib[bib.index("@article{lawrence2006aquat,"):]
    entry = entry[:entry.index("\n}")]
    assert "Aquatic Geochemistry" in entry and "10.1007/s10498-005-4471-8" in entry


def test_false_alarm_prompt_takes_the_lesson_count_from_a_parameter(bank):
    item = bank["questions"]["l03-false-alarms"]
    assert "{l03_lesson_flags}" in item["prompt"] and "{l03_lesson_known}" in item["prompt"]
    assert not re.search(r"\b\d+ of (its )?\d+ known", item["prompt"])  # no number in the text


@pytest.mark.slow
def test_false_alarm_count_is_the_lessons_current_figure(bank):
    """Run lesson 03's own cells that make its flag count (not a copy of them), compare."""
    nb = nbformat.read(REPO / "lessons" / "03-tracing-ore-with-ml.ipynb", as_version=4)
    code = [c.source for c in nb.cells if c.cell_type == "code"]

    def cell(marker: str) -> str:
        found = [c for c in code if marker in c]
        assert len(found) == 1, f"lesson 03: {len(found)} cells contain {marker!r}"
        return found[0]

    ns: dict = {"display": lambda *a, **k: None}
    for marker in ('datasets.load("tungsten_ore_wc_synthetic")', "result = ree.trace(",
                   "table = result.summary()", "n_flagged"):
        exec(compile(cell(marker), "<lesson 03>", "exec"), ns)
    params = bank["questions"]["l03-false-alarms"]["params"]
    assert params["l03_lesson_flags"]["value"] == ns["n_flagged"]
    assert params["l03_lesson_known"]["value"] == ns["n_known"]
