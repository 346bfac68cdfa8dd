"""Lesson plans (book/plans/NN-*.md): one per lesson, in the book, in step with the lesson.

Each plan has the lesson's objectives (the same text), timings that fill 90 minutes, an in-class
exercise with its solution, 3-5 discussion questions with model answers and common
misconceptions; every lesson section it names exists in the lesson.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
PLANS = REPO / "book" / "plans"
LESSONS = sorted((REPO / "lessons").glob("*.ipynb"))
ROLE = re.compile(r"\{([A-Za-z][\w:-]*)\}`([^`]*)`")


def _plain(text: str) -> str:
    """Markdown as compared here: MyST roles as their text, citations dropped, spaces folded."""
    def repl(match: re.Match[str]) -> str:
        if match.group(1).startswith("cite"):
            return ""
        return re.sub(r"\s*<[^<>]*>\s*$", "", match.group(2)).strip() or match.group(2)

    text = ROLE.sub(repl, text)
    return re.sub(r"\s+", " ", re.sub(r"\s+\)", ")", text)).strip()


def _section(text: str, title: str) -> str:
    match = re.search(rf"^## {re.escape(title)}[^\n]*\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    assert match, f"no section '## {title}'"
    return match.group(1)


def _lesson(path: Path) -> tuple[str, set[str]]:
    """The lesson's objectives and the titles of its sections (headings and bold leads)."""
    nb = nbformat.read(path, as_version=4)
    objectives, titles = "", set()
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        if cell.source.startswith("## Learning objectives"):
            objectives = cell.source.split("\n", 1)[1]
        titles |= {m.strip() for m in re.findall(r"^#+ (.+)$", cell.source, re.M)}
        lead = re.match(r"\*\*([^*]+?)\*\*", cell.source.lstrip())
        if lead:
            titles.add(lead.group(1).strip().rstrip(".:"))
    return objectives, {_plain(t) for t in titles}


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda p: p.stem[:2])
def test_plan_matches_its_lesson(lesson):
    plan = PLANS / f"{lesson.stem}.md"
    assert plan.is_file(), f"no lesson plan {plan}"
    text = plan.read_text(encoding="utf-8")
    objectives, titles = _lesson(lesson)
    got = _section(text, "Objectives").split("\n\n", 1)[1]
    assert _plain(got) == _plain(objectives), (
        f"{plan.name}: copy the objectives of {lesson.name} again")
    # every section the plan names exists in the lesson
    named = set(re.findall(r"[Ss]ections? \*([^*]+)\*", text))
    named |= set(re.findall(r" and \*([^*]+)\*", text))
    missing = {n for n in named if _plain(n) not in titles}
    assert not missing, f"{plan.name} names sections the lesson lacks: {missing}"
    assert len(named) >= 2


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda p: p.stem[:2])
def test_plan_fills_a_90_minute_session(lesson):
    text = (PLANS / f"{lesson.stem}.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| (\d+)-(\d+) \|", _section(text, "Timings"), re.M)
    spans = [(int(a), int(b)) for a, b in rows]
    assert spans[0][0] == 0 and spans[-1][1] == 90, spans
    assert all(b > a for a, b in spans)
    assert all(spans[i][1] == spans[i + 1][0] for i in range(len(spans) - 1)), spans
    parts = " ".join(r.lower() for r in re.findall(r"^\| \d+-\d+ \| ([^|]+)\|", text, re.M))
    assert "in-class exercise" in parts and "discussion" in parts


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda p: p.stem[:2])
def test_plan_has_exercise_solution_discussion_and_misconceptions(lesson):
    text = (PLANS / f"{lesson.stem}.md").read_text(encoding="utf-8")
    exercise = _section(text, "In-class exercise")
    assert "### Solution" in exercise
    task, solution = exercise.split("### Solution")
    assert len(re.findall(r"^\d+\. ", task, re.M)) >= 2
    assert len(re.findall(r"^\d+\. ", solution, re.M)) >= 2
    discussion = _section(text, "Discussion questions")
    questions = re.findall(r"^\d+\. ", discussion, re.M)
    assert 3 <= len(questions) <= 5
    assert discussion.count("Model answer:") == len(questions)
    assert len(re.findall(r"^- ", _section(text, "Common misconceptions"), re.M)) >= 3


def test_plans_are_in_the_book():
    toc = yaml.safe_load((REPO / "book" / "_toc.yml").read_text(encoding="utf-8"))
    files = {c["file"] for part in toc["parts"] for c in part["chapters"]}
    for lesson in LESSONS:
        assert f"plans/{lesson.stem}" in files


def test_plan_numbers_agree_with_the_toolkit():
    # the in-class exercises' solutions, recomputed (plans 01, 02, 07, 09)
    import pandas as pd
    import resourcekit.ree as ree
    from resourcekit import separation as sep
    from resourcekit.massbalance import Flowsheet

    la_yb = ree.ratio(pd.DataFrame({"La": [30.0], "Yb": [1.5]}), "La/Yb", units="ppm").iloc[0]
    assert round(la_yb, 1) == 13.6
    eu = pd.DataFrame({"Sm": [6.0], "Eu": [0.8], "Gd": [5.5], "Tb": [0.9]})
    assert [round(float(ree.eu_anomaly(eu, method=m, units="ppm").iloc[0]), 4)
            for m in ("geometric", "arithmetic", "tb")] == [0.4245, 0.4168, 0.4122]
    circuit = sep.rougher_cleaner_scavenger({"Cu": 0.9, "g": 0.1}, {"Cu": 0.9, "g": 0.2},
                                            {"Cu": 0.5, "g": 0.05}, {"Cu": 5.0, "g": 95.0})
    assert round(float(circuit.recovery("Cu")["concentrate"]), 3) == 0.942
    node = Flowsheet.from_edges([("F", None, "n"), ("C", "n", None), ("T", "n", None)])
    m = pd.DataFrame({"mass": [100.0, 12.0, 90.0]}, index=["F", "C", "T"])
    res = node.reconcile(m, sd=pd.DataFrame({"mass": [2.0, 0.12, 1.8]}, index=m.index))
    assert res.reconciled["mass"].round(3).tolist() == [101.103, 11.996, 89.107]
    assert round(res.chi2, 3) == 0.551
