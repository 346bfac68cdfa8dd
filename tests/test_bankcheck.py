"""bank-check: independent answers, wrong methods rejected over the ranges, lessons covered.

Each attack is a small bank written here that bank-check must refuse with a named reason; the
shipped banks must pass. Issue 21 item 5, issue 22 item 8 (attack 9: adding the products
instead of reconciling the feed got full marks for about 2 % of number sets).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from resourcekit.grading.__main__ import main as grading_main
from resourcekit.grading.bankcheck import check_bank

REPO = Path(__file__).resolve().parents[1]
BANKS = [REPO / "exercises" / "bank" / "course.yml",
         REPO / "exercises" / "bank" / "physical-separation.yml"]
# fewer draws than the command's default for the small banks written here
FAST = {"draws": 40, "max_corners": 48, "solution_draws": 3}

# the reconciliation item as it was before issue 22 (ranges and tolerance of today's main)
OLD_RECONCILE = {
    "topic": "mass balance", "lesson": 9, "points": 2, "kind": "number", "rtol": 1.0e-3,
    "answer": "reconciled_feed", "skill": "compute",
    "params": {"m_feed": {"uniform": [95.0, 110.0], "digits": 1},
               "m_conc": {"uniform": [8.0, 14.0], "digits": 2},
               "m_tail": {"uniform": [82.0, 95.0], "digits": 1}},
    "prompt": "Reconcile {m_feed}, {m_conc}, {m_tail}.",
    "solution": ("_v = [(0.02 * m_feed) ** 2, (0.01 * m_conc) ** 2, (0.02 * m_tail) ** 2]\n"
                 "reconciled_feed = m_feed - _v[0] * (m_feed - m_conc - m_tail) / sum(_v)\n"),
    "check": ("v_f, v_c, v_t = (0.02 * m_feed) ** 2, (0.01 * m_conc) ** 2, "
              "(0.02 * m_tail) ** 2\n"
              "value = m_feed - v_f * (m_feed - m_conc - m_tail) / (v_f + v_c + v_t)\n"),
    "wrong_methods": {"adding the products instead of reconciling the feed": "m_conc + m_tail"},
}

CHOICE = {
    "topic": "01 REE", "points": 1, "kind": "choice", "answer": "k", "skill": "explain",
    "right": "Right", "distractors": {"Wrong one": "mistake one", "Wrong two": "mistake two",
                                      "Wrong three": "mistake three"},
    "params": {"opts": {"choice": [
        ["Right answer of ordinary length.", "Wrong one, of similar length.",
         "Wrong two, of similar length.", "Wrong three, similar length."],
        ["Wrong one, of similar length.", "Wrong two, of similar length.",
         "Wrong three, similar length.", "Right answer of ordinary length."]]}},
    "prompt": "Pick.",
    "solution": 'k = "ABCD"[[t.startswith("Right") for t in opts].index(True)]\n',
}


def _bank(tmp_path: Path, questions: dict, lessons=("01",), name="b.yml", **top) -> Path:
    data = {"bank": "test", "imports": "import math\n", "lessons": {k: k for k in lessons},
            "questions": questions, **top}
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def _number(**over):
    item = {"topic": "01 REE", "points": 2, "kind": "number", "rtol": 1.0e-3, "answer": "y",
            "skill": "compute", "params": {"x": {"uniform": [1.0, 2.0], "digits": 3}},
            "prompt": "x = {x}", "solution": "y = 2 * x\n", "check": "2 * x",
            "wrong_methods": {"x forgotten to double": "x"}}
    item.update(over)
    return item


@pytest.mark.parametrize("bank", BANKS, ids=lambda p: p.stem)
def test_shipped_banks_pass(bank):
    # the command's defaults, as a lecturer runs it (about 2 s of CPU for the course bank)
    report = check_bank(bank)
    print("\n".join(report.lines()))
    assert report.problems == []
    assert report.n_wrong_methods >= report.n_questions // 2


def test_attack9_adding_the_products_is_caught_in_the_old_item(tmp_path):
    report = check_bank(_bank(tmp_path, {"reconcile-node": OLD_RECONCILE}, lessons=("09",)),
                        **FAST)
    assert any("adding the products" in p and "accepted" in p for p in report.problems), \
        report.problems


def test_attack9_the_shipped_items_reject_it_at_every_corner_and_draw(tmp_path):
    for bank, qid in [(BANKS[1], "reconcile-node"), (BANKS[0], "l09-reconcile-node"),
                      (BANKS[0], "l14-reconcile-line-feed")]:
        item = yaml.safe_load(bank.read_text(encoding="utf-8"))["questions"][qid]
        assert "adding the products instead of reconciling the feed" in item["wrong_methods"]
    # a denser sweep of the certificate bank's item than the whole-bank run above
    data = yaml.safe_load(BANKS[1].read_text(encoding="utf-8"))
    one = {"reconcile-node": data["questions"]["reconcile-node"]}
    report = check_bank(_bank(tmp_path, one, lessons=("09",), imports=data["imports"],
                              topic_lessons=data["topic_lessons"]),
                        draws=1000, solution_draws=2)
    assert report.problems == []


def test_a_check_that_disagrees_with_the_solution_is_named(tmp_path):
    report = check_bank(_bank(tmp_path, {"q": _number(solution="y = 2.01 * x\n")}), **FAST)
    assert any("solution and check disagree" in p for p in report.problems)


def test_a_check_through_the_toolkit_is_refused(tmp_path):
    report = check_bank(_bank(tmp_path, {"q": _number(check="sep.two_product(x, 1, 0)")}))
    assert any("calls the toolkit" in p for p in report.problems)


def test_a_numeric_item_needs_a_check_and_wrong_methods(tmp_path):
    no_check = _number()
    del no_check["check"]
    report = check_bank(_bank(tmp_path, {"a": no_check, "b": _number(wrong_methods={})}),
                        **FAST)
    assert any(p.startswith("a: no independent `check`") for p in report.problems)
    assert any(p.startswith("b: a numeric question needs `wrong_methods`")
               for p in report.problems)


def test_a_wrong_method_inside_the_tolerance_is_named_with_its_parameters(tmp_path):
    # near x = 0 a sign error hides inside an absolute tolerance: the range reaches there
    # (a narrow band, |x| < 0.01, that random draws rarely hit), so bank-check must say so
    item = _number(params={"x": {"uniform": [-1.0, 1.0], "digits": 4}},
                   wrong_methods={"sign reversed": "-2 * x"}, rtol=0.0, atol=1e-2)
    report = check_bank(_bank(tmp_path, {"q": item}), **FAST)
    assert any("'sign reversed' is accepted" in p and "'x':" in p for p in report.problems)


def test_numbers_answers_are_accepted_only_when_every_element_is(tmp_path):
    item = _number(kind="numbers", params={"x": {"uniform": [1.0, 2.0], "digits": 3}},
                   solution="y = [x, 2 * x]\n", check="[x, 2 * x]",
                   wrong_methods={"second value not doubled": "[x, x]"})
    assert check_bank(_bank(tmp_path, {"q": item}), **FAST).problems == []
    item["wrong_methods"] = {"both right by accident": "[x, x + x]"}
    assert any("accepted (every element" in p
               for p in check_bank(_bank(tmp_path, {"q": item}), **FAST).problems)


def test_bounds_are_checked_in_every_draw(tmp_path):
    report = check_bank(_bank(tmp_path, {"q": _number(bounds=[0, 3])}), **FAST)
    assert any("leaves its bounds" in p for p in report.problems)


def test_every_declared_lesson_needs_questions(tmp_path):
    report = check_bank(_bank(tmp_path, {"q": _number()}, lessons=("01", "12")), **FAST)
    assert "lesson 12: no questions" in report.problems
    report = check_bank(_bank(tmp_path, {"q": _number(topic="general")}), **FAST)
    assert any("belongs to no declared lesson" in p for p in report.problems)
    report = check_bank(_bank(tmp_path, {"q": _number()}, lessons=()), **FAST)
    assert any("declares no `lessons`" in p for p in report.problems)


def test_choice_items_named_distractors_and_no_give_away(tmp_path):
    assert check_bank(_bank(tmp_path, {"c": CHOICE})).problems == []
    long_right = {**CHOICE, "params": {"opts": {"choice": [[
        "Right answer, explained at great length so that nobody can miss which one it is.",
        "Wrong one.", "Wrong two.", "Wrong three."], [
        "Wrong one.", "Wrong two.", "Wrong three.",
        "Right answer, explained at great length so that nobody can miss which one it is."]]}}}
    assert any("gives it away" in p
               for p in check_bank(_bank(tmp_path, {"c": long_right})).problems)
    unnamed = {**CHOICE, "distractors": {"Wrong one": "a", "Wrong two": "b"}}
    assert any("is not one named distractor" in p
               for p in check_bank(_bank(tmp_path, {"c": unnamed})).problems)
    bad_key = {**CHOICE, "solution": 'k = "A"\n'}
    assert any("does not point at the right text" in p
               for p in check_bank(_bank(tmp_path, {"c": bad_key})).problems)


def test_command_exits_1_with_the_reason_and_0_on_a_good_bank(tmp_path, capsys):
    good = _bank(tmp_path, {"q": _number()}, name="good.yml")
    assert grading_main(["bank-check", str(good), "--draws", "20"]) == 0
    assert "bank-check: OK" in capsys.readouterr().out
    bad = _bank(tmp_path, {"reconcile-node": OLD_RECONCILE}, lessons=("09",), name="bad.yml")
    assert grading_main(["bank-check", str(bad), "--draws", "50"]) == 1
    assert "adding the products instead of reconciling the feed" in capsys.readouterr().out
    assert grading_main(["bank-check", str(tmp_path / "missing.yml")]) == 1
    assert "does not exist" in capsys.readouterr().err


def test_careless_input_gets_a_named_error(tmp_path, capsys):
    exam = REPO / "exercises" / "exams" / "physical-separation.yml"
    assert grading_main(["bank-check", str(exam)]) == 1
    assert "it is an exam file; check its bank (../bank/physical-separation.yml)" in \
        capsys.readouterr().err
    assert grading_main(["bank-check", str(BANKS[1]), "--draws", "-5"]) == 1
    assert "draws=-5: expected a whole number >= 0" in capsys.readouterr().err
    assert grading_main(["bank-check", str(BANKS[1]), "--margin", "0.5"]) == 1
    assert "margin=0.5" in capsys.readouterr().err


def test_attack9_end_to_end_adding_the_products_scores_zero_for_every_learner():
    """Issue 22 attack 9 through the real path: learners' draws, the grader's comparison."""
    from resourcekit.grading.authoring import Question
    from resourcekit.grading.checks import check_answer
    from resourcekit.grading.exam import load_exam, variant

    exam = load_exam(REPO / "exercises" / "exams" / "physical-separation.yml")
    q = next(q for q in exam.questions if q.id == "reconcile-node")
    graded = Question(id="q", answer=q.answer, points=q.points, kind=q.kind, rtol=q.rtol,
                      atol=q.atol)
    key = b"attack-9-test-key-0123456789abcdef"
    for i in range(300):
        p = variant(exam, f"learner-{i}", key)["reconcile-node"]
        f, c, t = p["m_feed"], p["m_conc"], p["m_tail"]
        v = [(0.02 * f) ** 2, (0.01 * c) ** 2, (0.02 * t) ** 2]
        expected = f - v[0] * (f - c - t) / sum(v)  # Lagrangian WLS solution, lesson 09
        assert check_answer(graded, {"ok": True, "value": expected}, expected).points == 2
        wrong = check_answer(graded, {"ok": True, "value": c + t}, expected)
        assert wrong.points == 0, (i, p)


def test_a_parameter_that_gives_the_answer_away_is_named(tmp_path):
    # the former fit-cut-density printed its generating x50 in the learner's data cell
    item = _number(params={"x": {"uniform": [1.0, 2.0], "digits": 3},
                           "true_y": {"uniform": [1.0, 2.0], "digits": 3}},
                   data="y_data = round(true_y, 3)\n", solution="y = y_data\n",
                   check="y_data", wrong_methods={"x copied": "x + 5"})
    report = check_bank(_bank(tmp_path, {"q": item}), **FAST)
    assert any("`true_y` gives the answer away" in p for p in report.problems), report.problems
    assert not any("`x` gives" in p for p in report.problems)
