"""Read a master exercise notebook and write its student and solution versions.

The master format is described in ``exercises/README.md``: cells tagged ``solution``
(``# BEGIN SOLUTION`` ... ``# END SOLUTION`` blocks), ``solution-only``, ``public-check`` and
one raw cell tagged ``checks`` holding the questions as YAML.
"""

from __future__ import annotations

import copy
import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat

__all__ = ["Question", "ExerciseSpec", "read_spec", "student_version", "solution_version",
           "write_versions", "selfcheck_keys", "book_version", "KINDS"]

KINDS = ("number", "numbers", "text", "choice")
_BEGIN = re.compile(r"^\s*#+\s*BEGIN SOLUTION\s*$")
_END = re.compile(r"^\s*#+\s*END SOLUTION\s*$")
PLACEHOLDER = "# YOUR CODE HERE"


class ExerciseFormatError(ValueError):
    """A master notebook does not follow the exercise format."""


@dataclass(frozen=True)
class Question:
    """One graded question: the learner sets variable ``answer``; worth ``points``."""

    id: str
    answer: str
    points: float
    kind: str = "number"
    rtol: float = 1e-6
    atol: float = 0.0
    hint: str = ""
    expected: Any = None
    has_literal: bool = False


@dataclass
class ExerciseSpec:
    """Questions of one exercise, read from its master's ``checks`` cell."""

    name: str
    title: str
    questions: list[Question]
    pass_mark: float = 0.6
    master_sha256: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def max_score(self) -> float:
        return float(sum(q.points for q in self.questions))

    @property
    def answer_names(self) -> list[str]:
        return [q.answer for q in self.questions]


def _tags(cell: Any) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def _read(master: str | Path | nbformat.NotebookNode) -> tuple[nbformat.NotebookNode, str]:
    if isinstance(master, nbformat.NotebookNode):
        raw = nbformat.writes(master)
        return copy.deepcopy(master), hashlib.sha256(raw.encode()).hexdigest()
    data = Path(master).read_bytes()
    return nbformat.reads(data.decode("utf-8"), as_version=4), hashlib.sha256(data).hexdigest()


def read_spec(master: str | Path | nbformat.NotebookNode, name: str | None = None) -> ExerciseSpec:
    """Parse the ``checks`` cell of a master notebook.

    Raises
    ------
    ExerciseFormatError
        No ``checks`` cell, bad YAML, an unknown kind, or a question without answer/points.
    """
    import yaml

    nb, digest = _read(master)
    if name is None:
        name = Path(master).stem if not isinstance(master, nbformat.NotebookNode) else "exercise"
    cells = [c for c in nb.cells if "checks" in _tags(c)]
    if len(cells) != 1:
        raise ExerciseFormatError(
            f"{name}: expected exactly one cell tagged 'checks', found {len(cells)}"
        )
    try:
        data = yaml.safe_load(cells[0].source) or {}
    except yaml.YAMLError as err:
        raise ExerciseFormatError(f"{name}: the checks cell is not valid YAML: {err}") from err
    questions = []
    for qid, item in (data.get("questions") or {}).items():
        if not isinstance(item, dict) or "answer" not in item or "points" not in item:
            raise ExerciseFormatError(f"{name}: question {qid!r} needs 'answer' and 'points'")
        kind = item.get("kind", "number")
        if kind not in KINDS:
            raise ExerciseFormatError(
                f"{name}: question {qid!r} has kind {kind!r}; expected one of {KINDS}"
            )
        questions.append(
            Question(
                id=str(qid),
                answer=str(item["answer"]),
                points=float(item["points"]),
                kind=kind,
                rtol=float(item.get("rtol", 1e-6)),
                atol=float(item.get("atol", 0.0)),
                hint=str(item.get("hint", "")),
                expected=item.get("expected"),
                has_literal="expected" in item,
            )
        )
    if not questions:
        raise ExerciseFormatError(f"{name}: the checks cell defines no questions")
    known = {"title", "pass_mark", "questions"}
    return ExerciseSpec(
        name=name,
        title=str(data.get("title", name)),
        questions=questions,
        pass_mark=float(data.get("pass_mark", 0.6)),
        master_sha256=digest,
        extra={k: v for k, v in data.items() if k not in known},
    )


def _strip_solution(source: str, keep: bool) -> str:
    out: list[str] = []
    inside = False
    for line in source.splitlines():
        if _BEGIN.match(line):
            if inside:
                raise ExerciseFormatError("nested '# BEGIN SOLUTION'")
            inside = True
            if not keep:
                indent = line[: len(line) - len(line.lstrip())]
                out.append(indent + PLACEHOLDER)
            continue
        if _END.match(line):
            if not inside:
                raise ExerciseFormatError("'# END SOLUTION' without BEGIN")
            inside = False
            continue
        if inside and not keep:
            continue
        out.append(line)
    if inside:
        raise ExerciseFormatError("'# BEGIN SOLUTION' without END")
    return "\n".join(out)


CHECK_CELL_ID = "rk-selfcheck"
_CALLS_CHECK = re.compile(r"(?<![\w.])check\(")
CHECK_INTRO = (
    "**Self-check.** Run the next cell once; then `check()` (all questions) or `check(\"q2\")` "
    "says whether your current answer is right and gives a hint if not. It never shows the "
    "expected value, and it is coarser than the grader (an answer up to about twice the "
    "tolerance away may pass here): the grader decides."
)


FINAL_CHECK_ID = "rk-check-all"
FINAL_CHECK_INTRO = (
    "**Check all your answers.** Run the cell below: it lists every question as right, not "
    "right yet (with a hint) or not answered yet. It never shows the expected values; the "
    "grader decides."
)


def _final_check_cells() -> list[Any]:
    """The student version's last two cells: a note and ``check()`` over every question."""
    intro = nbformat.v4.new_markdown_cell(FINAL_CHECK_INTRO)
    intro.id = FINAL_CHECK_ID + "-intro"
    code = nbformat.v4.new_code_cell("check()")
    code.id = FINAL_CHECK_ID
    code.metadata["tags"] = ["check-all"]
    return [intro, code]


def _check_source(keys: dict[str, Any], lang: str = "en") -> str:
    """The self-check cell: ``check = Checker(KEYS, globals())``, with ``lang=`` when not
    English (the Japanese course copy, :mod:`resourcekit._notebook_i18n`)."""
    import json

    body = json.dumps(keys, indent=1, sort_keys=True, ensure_ascii=lang == "en")
    language = "" if lang == "en" else f", lang={lang!r}"
    return ("# Self-check keys: salted hashes, no answers (see exercises/README.md).\n"
            "from resourcekit.grading.selfcheck import Checker\n\n"
            f"check = Checker({body}, globals(){language})")


def selfcheck_keys(master: str | Path | nbformat.NotebookNode,
                   expected: dict[str, Any] | None = None) -> dict[str, Any]:
    """Self-check keys of every question (see :mod:`resourcekit.grading.selfcheck`).

    ``expected`` maps question id to the reference value (from
    :func:`resourcekit.grading.expected_answers`); questions with a literal ``expected`` in the
    checks cell need none. A question without a value gets a key without digests (its check
    says so instead of guessing).
    """
    from .selfcheck import make_key

    spec = read_spec(master)
    keys: dict[str, Any] = {}
    for q in spec.questions:
        if q.has_literal:
            value = q.expected
        elif expected is not None and q.id in expected:
            value = expected[q.id]
        else:
            keys[q.id] = {"answer": q.answer, "kind": q.kind, "salt": "", "grid": ["exact", 0.0],
                          "hint": q.hint, "digests": []}
            continue
        keys[q.id] = make_key(q, value, salt=f"{spec.name}/{q.id}/{q.answer}")
    return keys


def _version(master: str | Path | nbformat.NotebookNode, student: bool,
             keys: dict[str, Any] | None = None) -> nbformat.NotebookNode:
    nb, _ = _read(master)
    name = Path(master).stem if not isinstance(master, nbformat.NotebookNode) else "exercise"
    cells = []
    for cell in nb.cells:
        tags = _tags(cell)
        if "checks" in tags or (student and "solution-only" in tags):
            continue
        cell = copy.deepcopy(cell)
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
            if "solution" in tags:
                cell.source = _strip_solution(cell.source, keep=not student)
        cell.metadata.pop("execution", None)
        cells.append(cell)
    if keys is None and any(_CALLS_CHECK.search(c.source) for c in cells):
        keys = selfcheck_keys(master)  # literal answers only: the others say "no key"
    if keys is not None:
        first = next((i for i, c in enumerate(cells) if c.cell_type == "code"), len(cells) - 1)
        intro = nbformat.v4.new_markdown_cell(CHECK_INTRO)
        intro.id = CHECK_CELL_ID + "-intro"
        code = nbformat.v4.new_code_cell(_check_source(keys))
        code.id = CHECK_CELL_ID
        code.metadata["tags"] = ["selfcheck"]
        cells[first + 1:first + 1] = [intro, code]
        if student:
            cells.extend(_final_check_cells())
    nb.cells = cells
    nb.metadata = {
        "kernelspec": nb.metadata.get(
            "kernelspec", {"name": "python3", "display_name": "Python 3", "language": "python"}
        ),
        "language_info": {"name": "python"},
        "resourcekit": {"exercise": name, "version": "student" if student else "solution"},
    }
    return nb


def student_version(master: str | Path | nbformat.NotebookNode,
                    keys: dict[str, Any] | None = None) -> nbformat.NotebookNode:
    """Student version: solutions replaced by ``# YOUR CODE HERE``, hidden cells removed.

    With ``keys`` (from :func:`selfcheck_keys`) a self-check cell defining ``check()`` follows
    the first code cell, and the notebook ends with a ``check()`` cell over every question.
    """
    return _version(master, student=True, keys=keys)


def solution_version(master: str | Path | nbformat.NotebookNode,
                     keys: dict[str, Any] | None = None) -> nbformat.NotebookNode:
    """Reference solution as a submission: markers and the checks cell removed (with a
    self-check cell when ``keys`` are given or the master calls ``check()``)."""
    return _version(master, student=False, keys=keys)


def _expected_cached(master: Path, build_dir: Path) -> dict[str, Any] | None:
    """Reference values for the self-check keys, cached by the master's SHA-256."""
    import json

    spec = read_spec(master)
    if all(q.has_literal for q in spec.questions):
        return {}
    cache = build_dir / "selfcheck" / f"{master.stem}.json"
    if cache.is_file():
        data = json.loads(cache.read_text())
        if data.get("master_sha256") == spec.master_sha256:
            return data["expected"]
    from . import expected_answers

    expected = expected_answers(master, spec)
    cache.parent.mkdir(parents=True, exist_ok=True)
    # written whole, then renamed: `make exercises` and the tests may fill the cache at once
    partial = cache.with_name(f".{cache.name}.{os.getpid()}")
    partial.write_text(json.dumps({"master_sha256": spec.master_sha256, "expected": expected}))
    os.replace(partial, cache)
    return json.loads(cache.read_text())["expected"]  # as a later run reads it back


def write_versions(master: str | Path, build_dir: str | Path, *,
                   selfcheck: bool = True) -> tuple[Path, Path]:
    """Write ``build_dir/student/NAME.ipynb`` and ``build_dir/solution/NAME.ipynb``.

    With ``selfcheck`` (default) the student version gets a ``check()`` cell; its keys come from
    the reference solution's values, run once and cached in ``build_dir/selfcheck/``.
    """
    master = Path(master)
    read_spec(master)  # fail early on a malformed master
    build_dir = Path(build_dir)
    keys = selfcheck_keys(master, _expected_cached(master, build_dir)) if selfcheck else None
    paths = []
    for kind, make in (("student", lambda m: student_version(m, keys)),
                       ("solution", lambda m: solution_version(m, keys))):
        target = build_dir / kind / f"{master.stem}.ipynb"
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(make(master), target)
        paths.append(target)
    return paths[0], paths[1]


_ASSIGNED = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?::[^=]*)?=(?!=)", re.M)


def book_version(master: str | Path, keys: dict[str, Any] | None = None) -> nbformat.NotebookNode:
    """The exercise page of the book: the student version plus, after each question's cells,
    a *Hint* and a *Solution* dropdown (admonitions with ``:class: dropdown``, which
    sphinx-togglebutton folds; it ships with Jupyter Book 1).

    A solution cell belongs to the questions whose answer variables it assigns; the dropdowns
    follow that cell's public check (or the cell itself).
    """
    master = Path(master)
    spec = read_spec(master)
    nb, _ = _read(master)
    by_answer = {q.answer: q for q in spec.questions}
    student = student_version(master, keys)
    # solution cells of the master, in order, with the questions they answer
    blocks: list[tuple[str, list[Question]]] = []
    for cell in nb.cells:
        if cell.cell_type == "code" and "solution" in _tags(cell):
            code = _strip_solution(cell.source, keep=True)
            names = [m.group(1) for m in _ASSIGNED.finditer(code)]
            qs = [by_answer[n] for n in dict.fromkeys(names) if n in by_answer]
            blocks.append((code, qs))
    out = []
    block = -1
    pending: list[Any] = []
    for i, cell in enumerate(student.cells):
        tags = _tags(cell)
        if cell.cell_type == "code" and "solution" in tags:
            out.extend(pending)
            pending = []
            block += 1
            if block < len(blocks):
                code, qs = blocks[block]
                pending = _dropdowns(code, qs, f"rk-{i}")
        elif pending and "public-check" not in tags:
            out.extend(pending)
            pending = []
        out.append(cell)
    out.extend(pending)
    for cell in out:
        if cell.get("id") == CHECK_CELL_ID:
            cell.metadata["tags"] = ["selfcheck", "hide-input"]
    student.cells = out
    return student


def _dropdowns(code: str, questions: list[Question], cid: str) -> list[Any]:
    hints = "\n".join(f"- **{q.id}** (`{q.answer}`): {q.hint}" for q in questions if q.hint)
    cells = []
    if hints:
        cell = nbformat.v4.new_markdown_cell(
            f":::{{admonition}} Hint\n:class: dropdown tip\n{hints}\n:::")
        cell.id = cid + "-hint"
        cells.append(cell)
    fence = "`" * 4
    cell = nbformat.v4.new_markdown_cell(
        ":::{admonition} Solution\n:class: dropdown\nTry first, then compare:\n\n"
        f"{fence}python\n{code.strip()}\n{fence}\n:::")
    cell.id = cid + "-solution"
    cells.append(cell)
    return cells
