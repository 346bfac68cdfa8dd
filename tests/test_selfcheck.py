"""Learner self-check: right/wrong and hints without the expected value; book dropdowns."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_raw_cell
from resourcekit.grading.authoring import (
    Question,
    book_version,
    read_spec,
    selfcheck_keys,
    solution_version,
    student_version,
)
from resourcekit.grading.selfcheck import Checker, cell_of, make_key, verdict

REPO = Path(__file__).resolve().parents[1]
MASTERS = sorted((REPO / "exercises").glob("*.ipynb"))


def _q(kind="number", rtol=1e-3, atol=0.0, hint="think again"):
    return Question("q1", "x", 1.0, kind, rtol=rtol, atol=atol, hint=hint)


@pytest.mark.parametrize("expected", [0.0678, 12.335, -3.5, 1e-7, 2.5e6])
def test_number_within_tolerance_is_right_and_far_is_wrong(expected):
    key = make_key(_q(rtol=1e-3), expected, "t/q1")
    assert verdict(key, expected)[0]
    assert verdict(key, expected * (1 + 0.9e-3))[0]  # the grader accepts this too
    assert verdict(key, expected * (1 - 0.9e-3))[0]
    assert not verdict(key, expected * 1.01)[0]
    assert not verdict(key, -expected)[0]
    assert not verdict(key, expected * 10)[0]


def test_absolute_tolerance_and_exact_counts():
    key = make_key(_q(rtol=1e-6, atol=1e-3), 0.01, "t/q7")  # atol is the coarser one
    assert key["grid"][0] == "lin"
    assert verdict(key, 0.0105)[0] and not verdict(key, 0.02)[0]
    count = make_key(_q(rtol=0), 4.0, "t/q4")
    assert verdict(count, 4)[0] and verdict(count, 4.0)[0]
    assert not verdict(count, 5.0)[0] and not verdict(count, 3.999)[0]


def test_key_holds_no_plain_value_and_message_no_value():
    for value in (0.067796610169, 9.86116782360147, 1234.5):
        key = make_key(_q(), value, "t/q1")
        text = json.dumps(key)
        assert f"{value:.3g}" not in text and repr(value) not in text
        right, message = verdict(key, value * 1.5)
        assert not right and "think again" in message
        assert f"{value:.3g}" not in message


def test_choice_text_and_types():
    key = make_key(_q("choice"), "b", "t/q3")
    assert verdict(key, " B ") == (True, "right.")
    assert not verdict(key, "c")[0]
    assert not verdict(key, 2)[0]  # a number where text is asked
    number = make_key(_q(), 1.0, "t/q1")
    for bad in ("1.0", None, [1.0], float("nan"), float("inf"), True):
        assert not verdict(number, bad)[0]


def test_numbers_say_how_many_are_right():
    np = pytest.importorskip("numpy")
    pd = pytest.importorskip("pandas")
    key = make_key(_q("numbers"), {"ALK": 91.57, "S": 0.93, "UM": 79.3}, "t/q7")
    assert verdict(key, {"ALK": 91.57, "S": 0.93, "UM": 79.3})[0]
    assert verdict(key, pd.Series({"UM": 79.3, "ALK": 91.57, "S": 0.93}))[0]  # by label
    right, message = verdict(key, {"ALK": 91.57, "S": 0.5, "UM": 79.3})
    assert not right and "2 of 3 right" in message and "S" in message
    assert "lacks the keys" in verdict(key, {"ALK": 91.57})[1]
    listed = make_key(_q("numbers"), [1.0, 2.0, 3.0], "t/q8")
    assert verdict(listed, np.array([1.0, 2.0, 3.0]))[0]
    assert "has 2 values" in verdict(listed, [1.0, 2.0])[1]
    # a plain list has no labels: the places are named as a reader counts them, from 1
    right, message = verdict(listed, [1.0, 5.0, 3.0])
    assert not right and "2 of 3 right; check value 2 of the list (counting from 1)" in message
    long = make_key(_q("numbers"), [float(i) for i in range(12)], "t/q12")
    message = verdict(long, [float(i) + 0.5 for i in range(12)])[1]
    assert "values 1, 2, 3, 4, 5, 6, 7, 8, ... (12 in all)" in message


def test_any_real_number_type_at_any_depth_is_accepted_as_the_grader_does():
    # a learner's numpy floats inside a dict or a list were marked wrong by check() while the
    # grader accepted them (lesson 04-06 exercises converted by hand to work round it)
    from decimal import Decimal
    from fractions import Fraction

    import numpy as np

    key = make_key(_q("numbers"), {"Fe": 0.25, "Al": 0.5}, "t/q9")
    assert verdict(key, {"Fe": np.float64(0.25), "Al": np.float32(0.5)})[0]
    assert verdict(key, {"Fe": Fraction(1, 4), "Al": Decimal("0.5")})[0]
    listed = make_key(_q("numbers"), [2.0, 3.0], "t/q10")
    assert verdict(listed, [np.int64(2), np.float64(3.0)])[0]
    assert verdict(listed, (2, 3))[0]
    number = make_key(_q(), 4.0, "t/q11")
    assert verdict(number, np.int32(4))[0] and verdict(number, Fraction(4))[0]
    assert not verdict(number, np.bool_(True))[0]  # a bool is not a count


def test_salt_makes_equal_answers_look_different():
    a = make_key(_q("choice"), "b", "ex01/q3/why")
    b = make_key(_q("choice"), "b", "ex02/q4/why")
    assert a["digests"] != b["digests"]


def test_checker_reports_unanswered_and_hostile_objects(capsys):
    class Hostile:
        def __eq__(self, other):
            return True

        def __float__(self):
            raise RuntimeError("no")

    keys = {"q1": make_key(_q(), 2.0, "t/q1"), "q2": make_key(_q("choice"), "a", "t/q2")}
    namespace = {"x": Hostile()}
    keys["q2"]["answer"] = "y"
    check = Checker(keys, namespace)
    results = check.results()
    assert results["q1"][0] is False and results["q2"][0] is None
    check()
    out = capsys.readouterr().out
    assert "q1 (`x`)" in out and "not answered yet" in out
    with pytest.raises(ValueError, match="unknown question 'q9'"):
        check("q9")


def test_cell_of_is_monotone_and_signed():
    grid = ("log", math.log1p(1e-3))
    cells = [int(cell_of(v, grid)[1:]) for v in (0.5, 1.0, 2.0, 4.0)]
    assert cells == sorted(cells)
    assert cell_of(-2.0, grid).startswith("-") and cell_of(2.0, grid).startswith("+")


def _demo_master(tmp_path: Path) -> Path:
    check_yaml = (
        "title: demo\nquestions:\n"
        "  q1:\n    answer: y\n    points: 1\n    kind: number\n    rtol: 1.0e-3\n"
        "    hint: Y = (f - t) / (c - t).\n"
        "  q2:\n    answer: why\n    points: 1\n    kind: choice\n    expected: b\n"
        "    hint: Compare the two.\n")
    sol = new_code_cell("# BEGIN SOLUTION\ny = (2.0 - 0.4) / (24.0 - 0.4)\nwhy = 'b'\n"
                        "# END SOLUTION")
    sol.metadata["tags"] = ["solution"]
    pub = new_code_cell("assert isinstance(y, float)\ncheck('q1', 'q2')")
    pub.metadata["tags"] = ["public-check"]
    raw = new_raw_cell(check_yaml)
    raw.metadata["tags"] = ["checks"]
    nb = new_notebook(cells=[new_markdown_cell("# Demo"), new_code_cell("import math"),
                             new_markdown_cell("**Q1.** A yield."), sol, pub,
                             new_markdown_cell("The end."), raw])
    path = tmp_path / "demo.ipynb"
    nbformat.write(nb, path)
    return path


def test_student_version_carries_keys_but_no_answers(tmp_path):
    master = _demo_master(tmp_path)
    keys = selfcheck_keys(master, {"q1": (2.0 - 0.4) / (24.0 - 0.4)})
    student = student_version(master, keys)
    text = nbformat.writes(student)
    assert "0.0677" not in text and "24.0 - 0.4" not in text and "BEGIN SOLUTION" not in text
    check_cells = [c for c in student.cells if "selfcheck" in c.metadata.get("tags", [])]
    assert len(check_cells) == 1 and student.cells.index(check_cells[0]) == 3  # after imports
    # run the check cell and the learner's (right, then wrong) answers in this process
    namespace: dict = {}
    exec(check_cells[0].source, namespace)  # noqa: S102 - our own generated cell
    namespace["y"] = 1.6 / 23.6
    namespace["why"] = "b"
    assert all(ok for ok, _ in namespace["check"].results().values())
    namespace["why"] = "a"
    expected = (False, "not right yet. Hint: Compare the two.")
    assert namespace["check"].results("q2")["q2"] == expected


def test_without_expected_values_the_check_cell_says_so(tmp_path):
    master = _demo_master(tmp_path)
    solution = solution_version(master)  # the master calls check(): a cell is added anyway
    cell = next(c for c in solution.cells if "selfcheck" in c.metadata.get("tags", []))
    namespace: dict = {"y": 0.5, "why": "b"}
    exec(cell.source, namespace)  # noqa: S102
    results = namespace["check"].results()
    assert results["q1"][0] is None and "no self-check key" in results["q1"][1]
    assert results["q2"] == (True, "right.")  # literal expected: keyed without a run


def test_book_version_has_hint_and_solution_dropdowns(tmp_path):
    master = _demo_master(tmp_path)
    page = book_version(master)
    sources = [c.source for c in page.cells]
    hint = next(i for i, s in enumerate(sources) if s.startswith(":::{admonition} Hint"))
    solution = next(i for i, s in enumerate(sources) if s.startswith(":::{admonition} Solution"))
    public = next(i for i, c in enumerate(page.cells)
                  if "public-check" in c.metadata.get("tags", []))
    assert public < hint < solution < sources.index("The end.")
    assert ":class: dropdown" in sources[hint] and "Y = (f - t) / (c - t)." in sources[hint]
    assert "y = (2.0 - 0.4) / (24.0 - 0.4)" in sources[solution]
    assert "BEGIN SOLUTION" not in sources[solution]


@pytest.mark.parametrize("path", MASTERS, ids=[p.stem for p in MASTERS])
def test_every_exercise_page_gets_dropdowns_for_every_question(path):
    spec = read_spec(path)
    page = book_version(path)
    text = "\n".join(c.source for c in page.cells if c.cell_type == "markdown")
    hinted = set(re.findall(r"\*\*(q[0-9a-z]+)\*\* \(`", text))
    with_hint = {q.id for q in spec.questions if q.hint}
    assert with_hint <= hinted, f"{path.name}: no hint dropdown for {sorted(with_hint - hinted)}"
    assert text.count(":::{admonition} Solution") >= 1
