"""The grader's comparison of plain answers: hostile values score 0 and never crash a batch."""

from __future__ import annotations

import pytest
from resourcekit.grading.authoring import Question
from resourcekit.grading.checks import check_answer


@pytest.mark.parametrize("value", [10**400, -(10**400), float("inf"), float("nan"), True])
def test_hostile_numbers_score_zero_without_crashing(value):
    q = Question(id="q1", answer="recovery", points=2, kind="number", rtol=1e-3)
    r = check_answer(q, {"ok": True, "value": value}, 0.8)
    assert r.points == 0 and r.max_points == 2
    assert "0.8" not in r.feedback  # the expected value is never shown


def test_huge_integers_in_a_list_score_zero_for_that_element():
    q = Question(id="q2", answer="yields", points=4, kind="numbers", rtol=1e-3)
    r = check_answer(q, {"ok": True, "value": [0.5, 10**400]}, [0.5, 0.25])
    assert r.points == pytest.approx(2.0)
    assert check_answer(q, {"ok": True, "value": [0.5, 0.25]}, [0.5, 0.25]).points == 4
