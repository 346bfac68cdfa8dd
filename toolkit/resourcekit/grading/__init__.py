"""Grade exercise notebooks and exams safely; certificates anyone can verify.

Workflow (``exercises/README.md`` describes the master format, ``book/lecturer-guide.md``
the exam day)::

    python -m resourcekit.grading build                 # student + solution versions
    python -m resourcekit.grading grade SUBMISSIONS --out RESULTS
    python -m resourcekit.grading selftest exercises/01-reading-ree-patterns.ipynb

This module only hands names on. Where things live:

* :mod:`.authoring` (master format), :mod:`.runner` / :mod:`.sandbox` / :mod:`.batch`
  (running learner code), :mod:`.checks` / :mod:`.scoring` (points);
* :mod:`.exercise_batch` (practice batches), :mod:`.exam` (exams, variants, handouts),
  :mod:`.exam_batch` (grading an exam: identity, bank check), :mod:`.gradebook`,
  :mod:`.report`, :mod:`.similarity`, :mod:`.safe` (neutralising learner text);
* :mod:`.keys` (the academy key, seals), :mod:`.registry` (the record of every certificate),
  :mod:`.certificates` (codes and pages rendered from a record), :mod:`.credentials` (Open
  Badges 3.0), :mod:`.issuing` (the certificate step of a batch).
"""

from __future__ import annotations

import importlib
from typing import Any

from ..errors import GradingError

# name -> module that defines it; imported on first use, so that `python -m
# resourcekit.grading verify ...` does not load nbformat, nbclient or the runner
_WHERE = {
    "ExerciseFormatError": "authoring", "ExerciseSpec": "authoring", "read_spec": "authoring",
    "student_version": "authoring", "solution_version": "authoring",
    "write_versions": "authoring",
    "scan_submissions": "batch",
    "Exam": "exam", "ExamError": "exam", "load_exam": "exam", "write_exam": "exam",
    "find_exam": "exam_batch", "grade_exams": "exam_batch",
    "build_exercises": "exercise_batch", "grade_batch": "exercise_batch",
    "grade_notebook": "exercise_batch", "read_notebook": "exercise_batch",
    "selftest": "exercise_batch",
    "EXAM_COLUMNS": "gradebook", "write_exam_gradebook": "gradebook",
    "write_gradebook": "gradebook",
    "RunResult": "runner", "run_notebook": "runner",
    "SandboxLimits": "sandbox", "SandboxUnavailable": "sandbox", "sandbox_problem": "sandbox",
    "DEFAULT_CELL_TIMEOUT": "scoring", "expected_answers": "scoring", "score": "scoring",
}

__all__ = ["GradingError", *_WHERE]


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        value = getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_WHERE))
