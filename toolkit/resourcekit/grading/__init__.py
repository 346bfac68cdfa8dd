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

from ..errors import GradingError
from .authoring import (
    ExerciseFormatError,
    ExerciseSpec,
    read_spec,
    solution_version,
    student_version,
    write_versions,
)
from .batch import scan_submissions
from .exam import Exam, ExamError, load_exam, write_exam
from .exam_batch import find_exam, grade_exams
from .exercise_batch import build_exercises, grade_batch, grade_notebook, read_notebook, selftest
from .gradebook import EXAM_COLUMNS, write_exam_gradebook, write_gradebook
from .runner import RunResult, run_notebook
from .sandbox import SandboxLimits, SandboxUnavailable, sandbox_problem
from .scoring import DEFAULT_CELL_TIMEOUT, expected_answers, score

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
    "grade_exams",
    "find_exam",
    "write_exam",
    "load_exam",
    "Exam",
    "ExamError",
    "SandboxLimits",
    "SandboxUnavailable",
    "sandbox_problem",
    "scan_submissions",
    "write_gradebook",
    "write_exam_gradebook",
    "EXAM_COLUMNS",
    "RunResult",
    "run_notebook",
    "read_notebook",
    "DEFAULT_CELL_TIMEOUT",
]
