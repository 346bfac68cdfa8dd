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


# --- issue 21 item 6: any real number type; a message for every wrong answer ---------------

@pytest.mark.parametrize("value", [3, 3.0, "fraction", "decimal", "np.int64", "np.float32",
                                   "0-d array"])
def test_any_real_number_type_is_accepted(value):
    from decimal import Decimal
    from fractions import Fraction

    import numpy as np

    made = {"fraction": Fraction(6, 2), "decimal": Decimal("3.0"), "np.int64": np.int64(3),
            "np.float32": np.float32(3.0), "0-d array": np.array(3.0)}.get(value, value)
    q = Question(id="q6", answer="n_redundant", points=1, kind="number", rtol=1e-6)
    r = check_answer(q, {"ok": True, "value": made}, 3.0)
    assert r.points == 1, r.feedback
    assert check_answer(q, {"ok": True, "value": made}, 4.0).points == 0


@pytest.mark.parametrize("entry", [
    {"ok": True, "value": "3"}, {"ok": True, "value": [3.0]}, {"ok": True, "value": True},
    {"ok": True, "value": None}, {"ok": False, "type": "Figure"}, {"ok": True},
    "not even a dict"])
def test_every_wrong_answer_gets_a_message_not_an_exception(entry):
    for kind, expected in [("number", 3.0), ("numbers", [1.0, 2.0]), ("text", "iron"),
                           ("choice", "B")]:
        q = Question(id="q8", answer="answer", points=2, kind=kind, rtol=1e-6, hint="look")
        r = check_answer(q, entry, expected)
        assert r.points < 2
        assert r.feedback.startswith("q8: ") and "`answer`" in r.feedback and "look" in r.feedback


def test_feedback_names_rows_by_label_or_counts_them():
    q = Question(id="q3", answer="flows", points=4, kind="numbers", rtol=1e-6)
    r = check_answer(q, {"ok": True, "value": {"feed": 1.0, "dust": 9.0, "fe_scrap": 9.0}},
                     {"feed": 1.0, "dust": 2.0, "fe_scrap": 3.0})
    assert "rows dust, fe_scrap (2 in all)" in r.feedback and "2.0" not in r.feedback
    expected = [float(i) for i in range(12)]
    got = [x + (5.0 if i in (2, 6, 7, 8, 9, 10, 11) or i < 2 else 0.0)
           for i, x in enumerate(expected)]
    r = check_answer(q, {"ok": True, "value": got}, expected)
    assert "rows 1, 2, 3, 7, 8, 9, 10, 11, ... (9 in all) (counted from 1)" in r.feedback
    assert r.points == pytest.approx(4 * 3 / 12)
