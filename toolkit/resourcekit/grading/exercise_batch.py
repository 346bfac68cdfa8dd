"""Practice exercises: build student/solution versions, grade one notebook or a batch."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import nbformat

from ..errors import GradingError
from .authoring import read_spec, solution_version, student_version, write_versions
from .batch import (
    Submission,
    Task,
    imported_modules,
    run_tasks,
    sandbox_policy,
    scan_submissions,
)
from .batch import _short as short
from .gradebook import write_gradebook, write_records
from .runner import RunResult, run_notebook
from .sandbox import SandboxLimits
from .scoring import (
    DEFAULT_CELL_TIMEOUT,
    expected_answers,
    expected_from_run,
    reject,
    run_status,
    score,
    sha256_of,
)

__all__ = ["build_exercises", "grade_notebook", "grade_batch", "selftest", "read_notebook"]


def build_exercises(exercises_dir: str | Path = "exercises",
                    build_dir: str | Path | None = None) -> list[tuple[Path, Path]]:
    """Write student and solution versions of every master ``exercises_dir/*.ipynb``.

    The reference runs behind the self-check keys (each in its own kernel, cached by the
    master's SHA-256) go as many at a time as the machine has cores.
    """
    import os
    from concurrent.futures import ThreadPoolExecutor

    exercises_dir = Path(exercises_dir)
    build_dir = Path(build_dir) if build_dir else exercises_dir / "_build"
    masters = sorted(exercises_dir.glob("*.ipynb"))
    for m in masters:
        read_spec(m)  # a malformed master stops the build before any kernel starts
    with ThreadPoolExecutor(max_workers=max(1, os.cpu_count() or 1)) as pool:
        return list(pool.map(lambda m: write_versions(m, build_dir), masters))


def grade_notebook(submission: str | Path, master: str | Path, *,
                   expected: dict[str, Any] | None = None,
                   cell_timeout: float = DEFAULT_CELL_TIMEOUT) -> dict[str, Any]:
    """Grade one submission against one master exercise; returns the result record."""
    submission = Path(submission)
    spec = read_spec(master)
    expected = expected if expected is not None else expected_answers(master, spec)
    run = run_notebook(str(submission), spec.answer_names, cell_timeout=cell_timeout)
    record = score(spec, run, expected)
    record["submission"] = submission.name
    record["submission_sha256"] = sha256_of(submission)
    return record


def _exercise_problem(sub: Submission, exercise: str) -> str | None:
    if sub.problem:
        return sub.problem
    if "exam" in sub.meta:
        return (f"an exam notebook (exam {short(sub.meta.get('exam'))}) in a practice batch for "
                f"exercise {exercise!r}: not graded here")
    named = sub.meta.get("exercise")
    if named != exercise:
        return (f"made for exercise {short(named)}, but this batch grades {exercise!r}: "
                "not graded (the grader, not the notebook, decides what is graded)")
    return None


def _single_exercise(masters: dict[str, Path], exercise: str | None) -> str:
    if exercise:
        if exercise not in masters:
            raise GradingError(f"unknown exercise {exercise!r}; known: {sorted(masters)}")
        return exercise
    if len(masters) == 1:
        return next(iter(masters))
    raise GradingError(
        "name the exercise this batch grades: grade_batch(..., exercise=NAME) or "
        f"--exercise NAME (known: {sorted(masters)}), or exam=FILE / --exam FILE for an "
        "exam; the notebooks' own metadata never decides what is graded")


def grade_batch(submissions: str | Path, results: str | Path, *,
                exercises_dir: str | Path = "exercises", exercise: str | None = None,
                jobs: int | None = None,
                cell_timeout: float | None = None,
                exam: Any = None,
                sandbox: bool | None = None,
                limits: SandboxLimits | None = None,
                deadline: float | None = None,
                submission_timeout: float | None = None,
                allow_public_bank: bool = False) -> list[dict[str, Any]]:
    """Grade every ``*.ipynb`` in ``submissions`` against ONE exercise (or exam).

    What is graded comes from the call: ``exercise`` (required when ``exercises_dir`` holds
    more than one master) or ``exam`` (then :func:`.exam_batch.grade_exams` grades the
    batch). Each submission's metadata is only checked against it; a mismatch, a malformed,
    oversized or linked file gets its own row with the reason (see :mod:`.batch`). Each
    submission runs in its own sandboxed kernel (:mod:`.sandbox`; ``sandbox=None`` falls back
    to unsandboxed practice grading with a warning where bwrap cannot run); ``jobs`` kernels
    run at once. Writes ``results/<stem>.json`` and ``results/gradebook.csv``; never writes
    into ``submissions``.

    Parameters
    ----------
    deadline : float, optional
        Seconds for the whole batch [s]; what is not done by then gets a row saying so.
    submission_timeout : float, optional
        Seconds one submission may take in all [s] (default ``60 + 20 * cell_timeout``).
    """
    if exam is not None:
        from .exam_batch import grade_exams

        return grade_exams(submissions, results, exam=exam, jobs=jobs,
                           exams_dir=Path(exercises_dir) / "exams", cell_timeout=cell_timeout,
                           sandbox=sandbox, limits=limits, deadline=deadline,
                           submission_timeout=submission_timeout,
                           allow_public_bank=allow_public_bank)
    submissions, results = Path(submissions), Path(results)
    subs = scan_submissions(submissions, results)
    masters = {p.stem: p for p in sorted(Path(exercises_dir).glob("*.ipynb"))}
    name = _single_exercise(masters, exercise)
    use_sandbox = sandbox_policy(sandbox, exam=False)
    cell_timeout = DEFAULT_CELL_TIMEOUT if cell_timeout is None else cell_timeout
    spec = read_spec(masters[name])

    # Expected values first, before any learner code runs; that kernel is gone before the
    # first learner kernel starts.
    need = [q.answer for q in spec.questions if not q.has_literal]
    solution = (run_notebook(solution_version(masters[name]), need, cell_timeout=120.0,
                             sandbox=use_sandbox, limits=limits) if need else RunResult())
    expected = expected_from_run(spec, solution)

    problems = {s.name: _exercise_problem(s, name) for s in subs}
    tasks = [Task(s.name, s.text or "", spec.answer_names, cell_timeout)
             for s in subs if problems[s.name] is None]
    warm = imported_modules([c.source for c in solution_version(masters[name]).cells
                             if c.cell_type == "code"])
    runs = run_tasks(tasks, jobs=jobs, sandbox=use_sandbox, limits=limits, deadline=deadline,
                     submission_timeout=submission_timeout, warm=warm)
    records = []
    for s in subs:
        if problems[s.name] is not None:
            records.append(reject(spec, s, problems[s.name], expected))
            continue
        run = runs[s.name]
        record = score(spec, run, expected)
        record.update(submission=s.name, submission_sha256=s.sha256, status=run_status(run),
                      sandboxed=run.sandboxed)
        records.append(record)
    write_records(records, subs, results)
    write_gradebook(records, results / "gradebook.csv")
    return records


def selftest(master: str | Path, cell_timeout: float = DEFAULT_CELL_TIMEOUT, *,
             expected: dict[str, Any] | None = None) -> dict[str, Any]:
    """Grade the solution and the untouched student version of ``master``.

    Returns ``{"solution": percent, "student": percent}``; a sound exercise gives 100 and 0.
    ``expected`` (question id to value) skips the reference run that computes them, e.g. the
    values ``make exercises`` cached for the self-check keys; the solution is then graded in a
    second, separate run, so an exercise whose answers change from run to run still fails.
    """
    spec = read_spec(master)
    expected = expected if expected is not None else expected_answers(master, spec)
    out: dict[str, Any] = {}
    for kind, make in (("solution", solution_version), ("student", student_version)):
        run = run_notebook(make(master), spec.answer_names, cell_timeout=cell_timeout)
        record = score(spec, run, expected)
        out[kind] = record["percent"]
        out[f"{kind}_feedback"] = [q["feedback"] for q in record["questions"]]
    return out


def read_notebook(path: str | Path) -> nbformat.NotebookNode:
    """A notebook file as nbformat version 4."""
    return nbformat.read(str(path), as_version=4)
