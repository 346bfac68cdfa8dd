"""Grade exercise notebooks safely: fresh kernel per submission, checks in the grader's process.

Workflow (``exercises/README.md`` describes the master format)::

    python -m resourcekit.grading build                 # student + solution versions
    python -m resourcekit.grading grade SUBMISSIONS --out RESULTS
    python -m resourcekit.grading selftest exercises/01-reading-ree-patterns.ipynb

Properties, each covered by a test: a submission runs in a fresh kernel with a per-cell timeout
(an endless loop costs only what depends on it); hidden checks and expected values never enter
the learner's process (answers cross back as plain JSON data and are compared here); partial
credit per check with feedback that never shows an expected value; submissions are read, never
written; re-grading gives the same result.
"""

from __future__ import annotations

import csv
import hashlib
import json
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict
from pathlib import Path
from typing import Any

import nbformat

from .authoring import (
    ExerciseFormatError,
    ExerciseSpec,
    read_spec,
    solution_version,
    student_version,
    write_versions,
)
from .checks import QuestionResult, check_answer
from .runner import RunResult, run_notebook

__all__ = [
    "ExerciseFormatError",
    "ExerciseSpec",
    "read_spec",
    "student_version",
    "solution_version",
    "write_versions",
    "build_exercises",
    "expected_answers",
    "score",
    "grade_notebook",
    "grade_batch",
    "selftest",
    "GradingError",
]

DEFAULT_CELL_TIMEOUT = 30.0


class GradingError(RuntimeError):
    """A submission or exercise cannot be graded as asked."""


def build_exercises(exercises_dir: str | Path = "exercises",
                    build_dir: str | Path | None = None) -> list[tuple[Path, Path]]:
    """Write student and solution versions of every master ``exercises_dir/*.ipynb``."""
    exercises_dir = Path(exercises_dir)
    build_dir = Path(build_dir) if build_dir else exercises_dir / "_build"
    masters = sorted(exercises_dir.glob("*.ipynb"))
    return [write_versions(m, build_dir) for m in masters]


def _run(notebook: Any, names: list[str], cell_timeout: float) -> RunResult:
    return run_notebook(notebook, names, cell_timeout=cell_timeout)


def expected_answers(master: str | Path, spec: ExerciseSpec | None = None,
                     cell_timeout: float = 120.0) -> dict[str, Any]:
    """Run the reference solution in a fresh kernel and return the expected answers."""
    spec = spec or read_spec(master)
    need = [q.answer for q in spec.questions if not q.has_literal]
    run = _run(solution_version(master), need, cell_timeout) if need else RunResult()
    return _expected_from_run(spec, run)


def _expected_from_run(spec: ExerciseSpec, run: RunResult) -> dict[str, Any]:
    expected: dict[str, Any] = {}
    for q in spec.questions:
        if q.has_literal:
            expected[q.id] = q.expected
            continue
        entry = run.answers.get(q.answer)
        if not entry or not entry.get("ok"):
            raise GradingError(
                f"exercise {spec.name}: the reference solution does not define a plain value for "
                f"`{q.answer}` (question {q.id}); errors: {run.errors[:3]}"
            )
        expected[q.id] = entry["value"]
    return expected


def score(spec: ExerciseSpec, run: RunResult, expected: dict[str, Any]) -> dict[str, Any]:
    """Score a run against expected values; the record is what the gradebook and JSON hold."""
    results: list[QuestionResult] = [
        check_answer(q, run.answers.get(q.answer), expected[q.id]) for q in spec.questions
    ]
    total = round(sum(r.points for r in results), 6)
    return {
        "exercise": spec.name,
        "title": spec.title,
        "score": total,
        "max_score": spec.max_score,
        "percent": round(100 * total / spec.max_score, 2) if spec.max_score else 0.0,
        "passed": bool(spec.max_score and total / spec.max_score >= spec.pass_mark - 1e-12),
        "questions": [asdict(r) for r in results],
        "problems": run.errors[:50],
        "timed_out_cells": run.timed_out_cells,
        "kernel_restarts": run.restarts,
    }


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def grade_notebook(submission: str | Path, master: str | Path, *,
                   expected: dict[str, Any] | None = None,
                   cell_timeout: float = DEFAULT_CELL_TIMEOUT) -> dict[str, Any]:
    """Grade one submission against one master exercise; returns the result record."""
    submission = Path(submission)
    spec = read_spec(master)
    expected = expected if expected is not None else expected_answers(master, spec)
    run = _run(str(submission), spec.answer_names, cell_timeout)
    record = score(spec, run, expected)
    record["submission"] = submission.name
    record["submission_sha256"] = _sha256(submission)
    return record


def _exercise_of(submission: Path, masters: dict[str, Path], forced: str | None) -> str:
    if forced:
        return forced
    try:
        meta = json.loads(submission.read_text(encoding="utf-8")).get("metadata", {})
        name = meta.get("resourcekit", {}).get("exercise")
    except (ValueError, AttributeError):
        name = None
    if isinstance(name, str) and name in masters:
        return name
    if submission.stem in masters:
        return submission.stem
    raise GradingError(
        f"{submission.name}: cannot tell which exercise it answers (no 'resourcekit.exercise' "
        f"metadata, and the file name matches none of {sorted(masters)}); pass --exercise NAME"
    )


def _run_task(path: str, names: list[str], cell_timeout: float) -> RunResult:
    return run_notebook(path, names, cell_timeout=cell_timeout)


def _solution_task(master: str, names: list[str], cell_timeout: float) -> RunResult:
    return run_notebook(solution_version(master), names, cell_timeout=cell_timeout)


def grade_batch(submissions: str | Path, results: str | Path, *,
                exercises_dir: str | Path = "exercises", exercise: str | None = None,
                jobs: int | None = None,
                cell_timeout: float = DEFAULT_CELL_TIMEOUT) -> list[dict[str, Any]]:
    """Grade every ``*.ipynb`` in ``submissions``; write JSON per submission and a gradebook.

    Each submission runs in its own kernel; ``jobs`` kernels run at once (default: the number
    of cores). Writes ``results/<stem>.json`` and ``results/gradebook.csv``; never writes into
    ``submissions``.
    """
    submissions, results = Path(submissions), Path(results)
    if not submissions.is_dir():
        raise GradingError(f"submissions folder {submissions} does not exist")
    files = sorted(p for p in submissions.glob("*.ipynb") if p.is_file())
    if not files:
        raise GradingError(f"no *.ipynb submissions in {submissions}")
    if results.resolve() == submissions.resolve():
        raise GradingError("the results folder must differ from the submissions folder "
                           "(submissions are never written)")
    masters = {p.stem: p for p in sorted(Path(exercises_dir).glob("*.ipynb"))}
    if exercise and exercise not in masters:
        raise GradingError(f"unknown exercise {exercise!r}; known: {sorted(masters)}")
    wanted = {p: _exercise_of(p, masters, exercise) for p in files}
    specs = {name: read_spec(masters[name]) for name in sorted(set(wanted.values()))}
    digests = {p: _sha256(p) for p in files}

    jobs = max(1, jobs or os.cpu_count() or 1)
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        # Expected values first, before any learner code runs.
        sol_futures = {
            name: pool.submit(_solution_task, str(masters[name]),
                              [q.answer for q in spec.questions if not q.has_literal], 120.0)
            for name, spec in specs.items()
        }
        expected = {name: _expected_from_run(specs[name], f.result())
                    for name, f in sol_futures.items()}
        futures = {p: pool.submit(_run_task, str(p), specs[wanted[p]].answer_names, cell_timeout)
                   for p in files}
        records = []
        for p in files:
            spec = specs[wanted[p]]
            try:
                run = futures[p].result()
            except Exception as err:  # a crashed worker costs this submission only
                run = RunResult(errors=[f"grading failed: {type(err).__name__}"])
            record = score(spec, run, expected[spec.name])
            record["submission"] = p.name
            record["submission_sha256"] = digests[p]
            records.append(record)

    results.mkdir(parents=True, exist_ok=True)
    protected = {p.resolve() for p in files}
    for record in records:
        target = results / f"{Path(record['submission']).stem}.json"
        if target.resolve() in protected:
            raise GradingError(f"refusing to overwrite submission {target}")
        target.write_text(json.dumps(record, indent=2, sort_keys=True), encoding="utf-8")
    write_gradebook(records, results / "gradebook.csv")
    return records


def write_gradebook(records: list[dict[str, Any]], path: str | Path) -> Path:
    """One row per submission: submission, exercise, score, max_score, percent, passed, q-points."""
    qids: list[str] = []
    for record in records:
        for q in record["questions"]:
            if q["id"] not in qids:
                qids.append(q["id"])
    path = Path(path)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["submission", "exercise", "score", "max_score", "percent", "passed",
                         *qids])
        for r in records:
            points = {q["id"]: q["points"] for q in r["questions"]}
            writer.writerow([r["submission"], r["exercise"], r["score"], r["max_score"],
                             r["percent"], r["passed"], *[points.get(q, "") for q in qids]])
    return path


def selftest(master: str | Path, cell_timeout: float = DEFAULT_CELL_TIMEOUT) -> dict[str, float]:
    """Grade the solution and the untouched student version of ``master``.

    Returns ``{"solution": percent, "student": percent}``; a sound exercise gives 100 and 0.
    """
    spec = read_spec(master)
    expected = expected_answers(master, spec)
    out = {}
    for kind, make in (("solution", solution_version), ("student", student_version)):
        run = _run(make(master), spec.answer_names, cell_timeout)
        record = score(spec, run, expected)
        out[kind] = record["percent"]
        out[f"{kind}_feedback"] = [q["feedback"] for q in record["questions"]]
    return out


def read_notebook(path: str | Path) -> nbformat.NotebookNode:
    return nbformat.read(str(path), as_version=4)
