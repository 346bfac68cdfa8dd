"""The grader: versions, scores, and every way a submission may try to cheat or break it."""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

import nbformat
import pytest
from conftest import demo_master
from nbformat.v4 import new_code_cell, new_notebook
from resourcekit.errors import GradingError
from resourcekit.grading import (
    ExerciseFormatError,
    grade_batch,
    read_spec,
    solution_version,
    student_version,
    write_versions,
)

pytestmark = pytest.mark.slow


def test_student_version_hides_solutions_and_checks(demo_exercise):
    student = nbformat.writes(student_version(demo_exercise))
    assert "C * c / (F * f)" not in student
    assert "BEGIN SOLUTION" not in student
    assert "pass_mark" not in student  # the checks cell
    assert "The answer to q4" not in student  # solution-only cell
    assert "# YOUR CODE HERE" in student
    assert "assert isinstance(recovery, float)" in student  # public check kept
    solution = nbformat.writes(solution_version(demo_exercise))
    assert "recovery = C * c / (F * f)" in solution
    assert "BEGIN SOLUTION" not in solution and "pass_mark" not in solution


def test_write_versions_and_spec(demo_exercise, tmp_path):
    student, solution = write_versions(demo_exercise, tmp_path / "_build")
    assert student == tmp_path / "_build" / "student" / "demo.ipynb"
    assert solution.is_file()
    spec = read_spec(demo_exercise)
    assert [q.id for q in spec.questions] == ["q1", "q2", "q3", "q4"]
    assert spec.max_score == 7 and spec.pass_mark == 0.5


def test_malformed_master_is_rejected(tmp_path):
    nb = new_notebook(cells=[new_code_cell("x = 1")])
    nbformat.write(nb, tmp_path / "bad.ipynb")
    with pytest.raises(ExerciseFormatError, match="exactly one cell tagged 'checks'"):
        read_spec(tmp_path / "bad.ipynb")


def _submission(folder: Path, name: str, cells: list[str]) -> Path:
    nb = new_notebook(cells=[new_code_cell(src) for src in cells])
    nb.metadata["resourcekit"] = {"exercise": "demo"}
    path = folder / f"{name}.ipynb"
    nbformat.write(nb, path)
    return path


GOOD = {
    "recovery": "recovery = 0.8",
    "grades": "grades = {'Fe': 0.5, 'Cu': 0.02, 'Al': 0.1}",
    "label": "label = 'newton '",
    "pick": "pick = 'B'",
}

ATTACKS = {
    # an endless loop costs q1 only
    "loop": ["while True:\n    pass", GOOD["grades"], GOOD["label"], GOOD["pick"]],
    # a loop that swallows the interrupt: the kernel is restarted, later answers still count
    "wedged": ["import time\nwhile True:\n    try:\n        time.sleep(0.01)\n"
               "    except BaseException:\n        pass",
               GOOD["label"], GOOD["pick"]],
    "exits": [GOOD["recovery"], "import os\nos._exit(1)", GOOD["label"], GOOD["pick"]],
    "raises": ["raise RuntimeError('boom')", GOOD["recovery"], "grades = 1/0", GOOD["pick"]],
    "prints": ["for _ in range(200):\n    print('x' * 100_000)", GOOD["recovery"]],
    # monkeypatching the grader inside the kernel changes nothing in the grader's process
    "monkeypatch": [
        "import resourcekit.grading.checks as ch, resourcekit.grading as g\n"
        "class Full:\n    pass\n"
        "ch.check_answer = lambda *a, **k: None\n"
        "g.score = lambda *a, **k: {'score': 7}\n"
        "import builtins\nbuiltins.float = lambda *a: 0.8",
        "recovery = 0.1",
    ],
    # objects that claim to equal anything
    "always_true": [
        "class T(float):\n    def __eq__(self, o): return True\n"
        "    def __ne__(self, o): return False\n"
        "class D(dict):\n    def __eq__(self, o): return True\n"
        "recovery = T(0.1)\ngrades = D()\n"
        "class S(str):\n    def __eq__(self, o): return True\n"
        "    def casefold(self): return 'newton'\n"
        "label = S('wrong')",
    ],
    # looking around for the expected values and the checks
    "snoop": [
        "import os, pathlib\nfound = []\n"
        "for base in [pathlib.Path.cwd(), pathlib.Path.cwd().parent, pathlib.Path.home()]:\n"
        "    for p in base.rglob('*'):\n"
        "        if p.is_file():\n"
        "            found.append(p.read_text(errors='ignore'))\n"
        "text = ' '.join(found)\n"
        "recovery = 0.8 if ('recovery' in text or 'C * c' in text) else 0.0\n"
        "label = 'newton' if 'Newton' in text else 'none'\n"
        "import subprocess\n"
        "pick = 'b' if 'pick' in subprocess.run(['ls', '-R', '..'], capture_output=True, "
        "text=True).stdout else 'a'",
    ],
    # writing around it: over every notebook and results file it can find near it
    "writer": [
        "import pathlib\nfor base in [pathlib.Path.cwd(), pathlib.Path.cwd().parent]:\n"
        "    for p in base.rglob('*'):\n"
        "        if p.is_file(): p.write_text('{}')\n"
        "pathlib.Path('gradebook.csv').write_text('writer,7,7')\n"
        "pathlib.Path('../writer.json').write_text('{\"score\": 7}')",
        GOOD["pick"],
    ],
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("grading")
    exercises = root / "exercises"
    exercises.mkdir()
    nbformat.write(demo_master(), exercises / "demo.ipynb")
    subs = root / "submissions"
    subs.mkdir()
    nbformat.write(student_version(exercises / "demo.ipynb"), subs / "student.ipynb")
    nbformat.write(solution_version(exercises / "demo.ipynb"), subs / "solution.ipynb")
    _submission(subs, "good", list(GOOD.values()))
    for name, cells in ATTACKS.items():
        _submission(subs, name, cells)
    before = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in subs.iterdir()}
    records = grade_batch(subs, root / "results", exercises_dir=exercises, jobs=2,
                          cell_timeout=3)
    after = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in subs.iterdir()}
    by_name = {Path(r["submission"]).stem: r for r in records}
    return {"root": root, "records": by_name, "before": before, "after": after,
            "exercises": exercises, "subs": subs}


def points(record):
    return {q["id"]: q["points"] for q in record["questions"]}


def test_solution_full_student_zero(graded):
    assert graded["records"]["solution"]["score"] == 7
    assert graded["records"]["solution"]["passed"] is True
    assert graded["records"]["student"]["score"] == 0
    assert graded["records"]["student"]["passed"] is False
    assert graded["records"]["good"]["percent"] == 100  # text/choice are case-insensitive


def test_loop_costs_only_its_question(graded):
    r = graded["records"]["loop"]
    assert points(r) == {"q1": 0, "q2": 3, "q3": 1, "q4": 1}
    assert r["timed_out_cells"] == [0]


def test_wedged_kernel_is_restarted(graded):
    r = graded["records"]["wedged"]
    assert points(r) == {"q1": 0, "q2": 0, "q3": 1, "q4": 1}
    assert r["kernel_restarts"] >= 1


def test_exit_and_raise_cost_only_their_answers(graded):
    assert points(graded["records"]["exits"]) == {"q1": 2, "q2": 0, "q3": 1, "q4": 1}
    assert points(graded["records"]["raises"]) == {"q1": 2, "q2": 0, "q3": 0, "q4": 1}


def test_output_flood_is_capped(graded):
    r = graded["records"]["prints"]
    assert points(r)["q1"] == 2
    size = (graded["root"] / "results" / "prints.json").stat().st_size
    assert size < 20_000


@pytest.mark.parametrize("name", ["monkeypatch", "always_true", "snoop"])
def test_cheats_gain_nothing(graded, name):
    assert graded["records"][name]["score"] == 0, graded["records"][name]["questions"]


def test_writer_gains_nothing_and_submissions_untouched(graded):
    assert points(graded["records"]["writer"]) == {"q1": 0, "q2": 0, "q3": 0, "q4": 1}
    assert graded["before"] == graded["after"]
    book = list(csv.DictReader(open(graded["root"] / "results" / "gradebook.csv")))
    row = next(r for r in book if r["submission"] == "writer.ipynb")
    assert float(row["score"]) == 1


def test_feedback_never_reveals_expected_values(graded):
    text = json.dumps(graded["records"]["student"]) + json.dumps(graded["records"]["raises"])
    for secret in ("0.8", "0.02", "Newton", "'b'"):
        assert secret not in text.replace("0.8,", "")
    assert "Hint: Recovery is C c / (F f)." in text


def test_gradebook_columns(graded):
    rows = list(csv.DictReader(open(graded["root"] / "results" / "gradebook.csv")))
    assert len(rows) == len(graded["records"])
    assert {"submission", "score", "max_score", "q1", "q2", "q3", "q4"} <= set(rows[0])


def test_regrading_gives_the_same_result(graded, tmp_path):
    subs = tmp_path / "subs"
    subs.mkdir()
    for name in ("solution", "loop", "always_true"):
        (subs / f"{name}.ipynb").write_bytes((graded["subs"] / f"{name}.ipynb").read_bytes())
    again = grade_batch(subs, tmp_path / "results", exercises_dir=graded["exercises"], jobs=2,
                        cell_timeout=3)
    for record in again:
        first = graded["records"][Path(record["submission"]).stem]
        assert record["questions"] == first["questions"]
        assert record["score"] == first["score"]


def test_results_folder_must_differ(graded):
    with pytest.raises(Exception, match="must differ"):
        grade_batch(graded["subs"], graded["subs"], exercises_dir=graded["exercises"])


def test_the_command_names_the_exercise(tmp_path):
    # with two masters, the notebooks' metadata never picks one: the call must
    exercises = tmp_path / "exercises"
    exercises.mkdir()
    nbformat.write(demo_master(), exercises / "demo.ipynb")
    nbformat.write(demo_master(), exercises / "other.ipynb")
    subs = tmp_path / "subs"
    subs.mkdir()
    _submission(subs, "good", list(GOOD.values()))
    with pytest.raises(GradingError, match="name the exercise"):
        grade_batch(subs, tmp_path / "results", exercises_dir=exercises)
    with pytest.raises(GradingError, match="unknown exercise"):
        grade_batch(subs, tmp_path / "results", exercises_dir=exercises, exercise="nope")
    assert not (tmp_path / "results").exists()


def test_grader_memory_stays_bounded_on_huge_output_lines():
    # issue 22: a 16 kB notebook printing five 150 MB lines grew the grader's worker from
    # 68 MB to over 1 GB. Here five 40 MB lines (same mechanism, quicker): the worker's own
    # peak (ru_maxrss) must stay within 2x of the same worker on an honest notebook, the
    # answers must still be read, and the cut must be visible.
    from resourcekit.grading.batch import Task, run_tasks
    from resourcekit.grading.sandbox import sandbox_problem

    def text(cells):
        return nbformat.writes(new_notebook(cells=[new_code_cell(c) for c in cells]))

    honest = text([GOOD["recovery"], "print('hello')"])
    hostile = text(["for _ in range(5):\n    print('x' * 40_000_000)",
                    "print('y' * 3_000_000)", GOOD["recovery"]])
    runs = run_tasks([Task("honest", honest, ["recovery"], 20),
                      Task("hostile", hostile, ["recovery"], 20)],
                     jobs=2, prestart=False, sandbox=sandbox_problem() is None)
    base, peak = runs["honest"].peak_rss_kb, runs["hostile"].peak_rss_kb
    assert base > 10_000  # measured: a real process, tens of MB
    assert peak < 2 * base, (base, peak)
    assert runs["hostile"].answers["recovery"]["value"] == 0.8
    notes = [e for e in runs["hostile"].errors if "output truncated" in e]
    assert notes[0].startswith("cell 0: output truncated (a message larger than")
    assert notes[1] == "cell 1: output truncated (more than 1,000,000 characters of output)"
