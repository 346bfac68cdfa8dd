"""Copying between learners shows up in the similarity report; independent work does not."""

from __future__ import annotations

import csv
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook
from resourcekit.errors import OptionError
from resourcekit.grading.similarity import (
    answer_code,
    jaccard,
    normalise_code,
    similarity_report,
)

EXAM = Path(__file__).resolve().parents[1] / "exercises" / "exams" / "physical-separation.yml"

# three learners who solved the same two questions independently, each in their own way
ALICE = ["""# recovery from the assays
f = cu_feed / 100
c = cu_conc / 100
t = cu_tail / 100
cu_recovery = c * (f - t) / (f * (c - t))
""", """y = (zn_feed - zn_tail) / (zn_conc - zn_tail)
zn_yield = y
"""]
BOB = ["""r = sep.two_product(cu_feed / 100, cu_conc / 100, cu_tail / 100)
cu_recovery = float(r.recovery)
""", """res = sep.two_product(zn_feed / 100, zn_conc / 100, zn_tail / 100)
zn_yield = float(res.mass_yield)
"""]
CAROL = ["""import numpy as np
grades = np.array([cu_feed, cu_conc, cu_tail]) / 100.0
mass = (grades[0] - grades[2]) / (grades[1] - grades[2])
cu_recovery = mass * grades[1] / grades[0]
""", """def two_product_yield(feed, conc, tail):
    return (feed - tail) / (conc - tail)

zn_yield = two_product_yield(zn_feed, zn_conc, zn_tail)
"""]
# dave copied alice: other names, other comments, other layout, same code
DAVE = ["""feed=cu_feed/100   # my feed grade
conc = cu_conc/100

tail = cu_tail / 100
# formula from the lecture
cu_recovery = conc*(feed-tail) / (feed*(conc-tail))
""", """yy=(zn_feed-zn_tail)/(zn_conc-zn_tail)
zn_yield=yy
"""]


def _notebook(path, answers, data="cu_feed = 1.0"):
    nb = new_notebook()
    setup = new_code_cell("import numpy as np\nfrom resourcekit import separation as sep")
    setup.metadata["tags"] = ["exam-setup"]
    nb.cells = [setup]
    for answer in answers:
        cell = new_code_cell(f"# Question: set the answer\n{answer}")
        cell.metadata["tags"] = ["answer"]
        data_cell = new_code_cell(f"# Data for this question (yours alone)\n{data}")
        data_cell.metadata["tags"] = ["exam-data"]
        nb.cells += [data_cell, cell]
    nbformat.write(nb, path)
    return path


def test_names_comments_and_layout_do_not_matter():
    a, d = "\n".join(ALICE), "\n".join(DAVE)
    assert normalise_code(a) == normalise_code(d)
    assert normalise_code(a) != normalise_code("\n".join(BOB))
    # attribute names (the API called) are kept
    assert normalise_code("x = sep.two_product(a)") != normalise_code("x = sep.three_product(a)")
    assert normalise_code("x = (") == ["x", "=", "("]  # unfinished code: plain words


def test_jaccard_by_hand():
    assert jaccard({1, 2}, {1, 2}) == 1.0 and jaccard(set(), set()) == 0.0
    assert jaccard({1, 2, 3, 4}, {3, 4, 5}) == pytest.approx(2 / 5)


def test_copied_pair_listed_independent_ones_not(tmp_path):
    subs = tmp_path / "subs"
    subs.mkdir()
    paths = [_notebook(subs / f"{name}.ipynb", answers, data=f"cu_feed = {i}.5")
             for i, (name, answers) in enumerate(
                 [("alice", ALICE), ("bob", BOB), ("carol", CAROL), ("dave", DAVE)])]
    paths.append(_notebook(subs / "erin.ipynb", ["# YOUR CODE HERE", "# YOUR CODE HERE"]))
    paths.append(_notebook(subs / "frank.ipynb", ["# YOUR CODE HERE", "# YOUR CODE HERE"]))
    broken = subs / "broken.ipynb"
    broken.write_text("{not json")
    paths.append(broken)
    out = similarity_report(paths, tmp_path / "results")
    assert out == tmp_path / "results" / "similarity.csv"
    rows = list(csv.DictReader(open(out)))
    assert [(r["a"], r["b"]) for r in rows] == [("alice.ipynb", "dave.ipynb")]
    assert float(rows[0]["jaccard"]) == 1.0
    md = (tmp_path / "results" / "similarity.md").read_text()
    assert r"alice\.ipynb | dave\.ipynb" in md and "not a verdict" in md
    # untouched exams are alike without being copied: not compared, and said so
    assert "Not compared" in md and r"erin\.ipynb" in md and r"broken\.ipynb" in md
    # the data cells (each learner's own numbers) are not answer code
    assert "cu_feed = 0.5" not in answer_code(paths[0])


def test_partial_copy_above_a_lower_threshold(tmp_path):
    mixed = [DAVE[0], BOB[1]]  # copied the first answer, wrote the second
    paths = [_notebook(tmp_path / "alice.ipynb", ALICE), _notebook(tmp_path / "gina.ipynb", mixed),
             _notebook(tmp_path / "carol.ipynb", CAROL)]
    strict = list(csv.DictReader(open(similarity_report(paths, tmp_path / "a", 0.9))))
    assert strict == []
    loose = list(csv.DictReader(open(similarity_report(paths, tmp_path / "b", 0.4))))
    assert [(r["a"], r["b"]) for r in loose] == [("alice.ipynb", "gina.ipynb")]
    with pytest.raises(OptionError, match="threshold"):
        similarity_report(paths, tmp_path / "c", 1.5)


def test_code_moved_out_of_the_answer_cells_is_compared(tmp_path):
    # issue 22: Bob's answer code pasted into ONE untagged cell of Alice's notebook (her
    # answer cells left as handed out) was not compared at all; tagging it as a data cell
    # (tags are the learner's to change) must not hide it either
    subs = tmp_path / "subs"
    subs.mkdir()
    _notebook(subs / "bob.ipynb", BOB, data="cu_feed = 2.5")
    _notebook(subs / "carol.ipynb", CAROL, data="cu_feed = 3.5")
    for name, tags in (("alice", []), ("erin", ["exam-data"])):
        path = _notebook(subs / f"{name}.ipynb", ["# YOUR CODE HERE", "# YOUR CODE HERE"])
        nb = nbformat.read(path, as_version=4)
        moved = new_code_cell("\n".join(BOB))
        moved.metadata["tags"] = tags
        nb.cells.append(moved)
        nbformat.write(nb, path)
    out = similarity_report(sorted(subs.iterdir()), tmp_path / "results")
    pairs = {(r["a"], r["b"]) for r in csv.DictReader(open(out))}
    assert {("alice.ipynb", "bob.ipynb"), ("bob.ipynb", "erin.ipynb")} <= pairs
    assert not any("carol.ipynb" in p for p in pairs)


def test_untouched_exam_handouts_hold_no_learner_code():
    from resourcekit.grading.exam import exam_notebook, load_exam
    from resourcekit.grading.similarity import handout_cell

    exam = load_exam(EXAM)
    nb = exam_notebook(exam, "alice", "Alice", key=b"similarity-test-key-0123")
    code = [c.source for c in nb.cells if c.cell_type == "code"]
    learner = [s for s in code if not handout_cell(s)]
    # only the answer cells remain, and they hold comments only
    assert len(learner) == len(exam.questions)
    assert normalise_code("\n".join(learner)) == []
