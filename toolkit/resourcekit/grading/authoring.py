"""Read a master exercise notebook and write its student and solution versions.

The master format is described in ``exercises/README.md``: cells tagged ``solution``
(``# BEGIN SOLUTION`` ... ``# END SOLUTION`` blocks), ``solution-only``, ``public-check`` and
one raw cell tagged ``checks`` holding the questions as YAML.
"""

from __future__ import annotations

import copy
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat

__all__ = ["Question", "ExerciseSpec", "read_spec", "student_version", "solution_version",
           "write_versions", "KINDS"]

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


def _version(master: str | Path | nbformat.NotebookNode, student: bool) -> nbformat.NotebookNode:
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
    nb.cells = cells
    nb.metadata = {
        "kernelspec": nb.metadata.get(
            "kernelspec", {"name": "python3", "display_name": "Python 3", "language": "python"}
        ),
        "language_info": {"name": "python"},
        "resourcekit": {"exercise": name, "version": "student" if student else "solution"},
    }
    return nb


def student_version(master: str | Path | nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Student version: solutions replaced by ``# YOUR CODE HERE``, hidden cells removed."""
    return _version(master, student=True)


def solution_version(master: str | Path | nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Reference solution as a submission: markers and the checks cell removed."""
    return _version(master, student=False)


def write_versions(master: str | Path, build_dir: str | Path) -> tuple[Path, Path]:
    """Write ``build_dir/student/NAME.ipynb`` and ``build_dir/solution/NAME.ipynb``."""
    master = Path(master)
    read_spec(master)  # fail early on a malformed master
    build_dir = Path(build_dir)
    paths = []
    for kind, make in (("student", student_version), ("solution", solution_version)):
        target = build_dir / kind / f"{master.stem}.ipynb"
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(make(master), target)
        paths.append(target)
    return paths[0], paths[1]
