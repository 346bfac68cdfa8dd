"""Scoring a run against expected values: the record the gradebook, reports and JSON hold."""

from __future__ import annotations

import hashlib
from dataclasses import asdict
from pathlib import Path
from typing import Any

from ..errors import GradingError
from .authoring import ExerciseSpec, read_spec, solution_version
from .batch import Submission
from .checks import QuestionResult, check_answer
from .runner import RunResult, run_notebook

__all__ = ["DEFAULT_CELL_TIMEOUT", "expected_answers", "expected_from_run", "score",
           "reject", "run_status", "sha256_of"]

DEFAULT_CELL_TIMEOUT = 30.0


def expected_answers(master: str | Path, spec: ExerciseSpec | None = None,
                     cell_timeout: float = 120.0) -> dict[str, Any]:
    """Run the reference solution in a fresh kernel and return the expected answers."""
    spec = spec or read_spec(master)
    need = [q.answer for q in spec.questions if not q.has_literal]
    run = (run_notebook(solution_version(master), need, cell_timeout=cell_timeout) if need
           else RunResult())
    return expected_from_run(spec, run)


def expected_from_run(spec: ExerciseSpec, run: RunResult) -> dict[str, Any]:
    """Expected values per question id from a run of the reference solution."""
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


def score(spec: ExerciseSpec, run: RunResult, expected: dict[str, Any], *,
          show: Any = None, hints: dict[str, str] | None = None) -> dict[str, Any]:
    """Score a run against expected values; the record is what the gradebook and JSON hold.

    ``show`` and ``hints``: the feedback in the learner's language (see
    :func:`.checks.check_answer`; hints by question id)."""
    hints = hints or {}
    results: list[QuestionResult] = [
        check_answer(q, run.answers.get(q.answer), expected[q.id], show=show,
                     hint=hints.get(q.id)) for q in spec.questions
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


def sha256_of(path: Path) -> str:
    """SHA-256 of a file's bytes (hex)."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def reject(spec: ExerciseSpec, sub: Submission, reason: str,
           expected: dict[str, Any] | None = None) -> dict[str, Any]:
    """The row of a submission that is not graded: no points, the reason in ``problems``."""
    record = score(spec, RunResult(errors=[reason]),
                   expected or {q.id: None for q in spec.questions})
    record.update(submission=sub.name, submission_sha256=sub.sha256, status="not graded")
    return record


def run_status(run: RunResult) -> str:
    """``failed`` when grading broke off (refused, stopped, worker died), else ``graded``."""
    bad = ("not graded", "stopped:", "the grading worker died", "grading failed",
           "the kernel failed")
    return "failed" if any(e.startswith(bad) for e in run.errors) else "graded"
