"""Every exercise: its reference solution scores 100 %, its untouched student version 0."""

from __future__ import annotations

from pathlib import Path

import pytest
from resourcekit.grading import read_spec, selftest, student_version

REPO = Path(__file__).resolve().parents[1]
MASTERS = sorted((REPO / "exercises").glob("*.ipynb"))
IDS = [p.stem for p in MASTERS]


def test_every_lesson_has_an_exercise():
    lessons = {p.stem for p in (REPO / "lessons").glob("*.ipynb")}
    assert lessons == set(IDS)


@pytest.mark.parametrize("path", MASTERS, ids=IDS)
def test_master_is_well_formed(path):
    spec = read_spec(path)
    assert 3 <= len(spec.questions) <= 8
    assert spec.max_score > 0
    text = "\n".join(c.source for c in student_version(path).cells)
    assert "BEGIN SOLUTION" not in text and "questions:" not in text


@pytest.mark.slow
@pytest.mark.parametrize("path", MASTERS, ids=IDS)
def test_solution_full_marks_student_zero(path):
    # the reference values come from the cache `make exercises` fills (or fill it for the book
    # build): the reference solution runs once per session, not once here and once there
    from resourcekit.grading.authoring import _expected_cached

    expected = _expected_cached(path, REPO / "exercises" / "_build")
    result = selftest(path, cell_timeout=120, expected=expected)
    assert result["solution"] == 100, result["solution_feedback"]
    assert result["student"] == 0, result["student_feedback"]
