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
import datetime as _dt
import hashlib
import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

import nbformat

from ..errors import GradingError
from .authoring import (
    ExerciseFormatError,
    ExerciseSpec,
    read_spec,
    solution_version,
    student_version,
    write_versions,
)
from .batch import (
    Submission,
    Task,
    _short,
    imported_modules,
    run_tasks,
    sandbox_policy,
    scan_submissions,
)
from .checks import QuestionResult, check_answer
from .exam import Exam, ExamError, load_exam, write_exam
from .runner import RunResult, run_notebook
from .sandbox import SandboxLimits, SandboxUnavailable, sandbox_problem

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
    "SandboxLimits",
    "SandboxUnavailable",
    "sandbox_problem",
    "scan_submissions",
]

DEFAULT_CELL_TIMEOUT = 30.0


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


def _reject(spec: ExerciseSpec, sub: Submission, reason: str,
            expected: dict[str, Any] | None = None) -> dict[str, Any]:
    """The row of a submission that is not graded: no points, the reason in ``problems``."""
    record = score(spec, RunResult(errors=[reason]),
                   expected or {q.id: None for q in spec.questions})
    record.update(submission=sub.name, submission_sha256=sub.sha256, status="not graded")
    return record


def _status(run: RunResult) -> str:
    bad = ("not graded", "stopped:", "the grading worker died", "grading failed",
           "the kernel failed")
    return "failed" if any(e.startswith(bad) for e in run.errors) else "graded"


def _exercise_problem(sub: Submission, exercise: str) -> str | None:
    if sub.problem:
        return sub.problem
    if "exam" in sub.meta:
        return (f"an exam notebook (exam {_short(sub.meta.get('exam'))}) in a practice batch for "
                f"exercise {exercise!r}: not graded here")
    named = sub.meta.get("exercise")
    if named != exercise:
        return (f"made for exercise {_short(named)}, but this batch grades {exercise!r}: "
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
                exam: str | Path | None = None,
                sandbox: bool | None = None,
                limits: SandboxLimits | None = None,
                deadline: float | None = None,
                submission_timeout: float | None = None,
                allow_public_bank: bool = False) -> list[dict[str, Any]]:
    """Grade every ``*.ipynb`` in ``submissions`` against ONE exercise (or exam).

    What is graded comes from the call: ``exercise`` (required when ``exercises_dir`` holds
    more than one master) or ``exam`` (then :func:`grade_exams` grades the batch). Each
    submission's metadata is only checked against it; a mismatch, a malformed, oversized or
    linked file gets its own row with the reason (see :mod:`.batch`). Each submission runs in
    its own sandboxed kernel (:mod:`.sandbox`; ``sandbox=None`` falls back to unsandboxed
    practice grading with a warning where bwrap cannot run); ``jobs`` kernels run at once.
    Writes ``results/<stem>.json`` and ``results/gradebook.csv``; never writes into
    ``submissions``.

    Parameters
    ----------
    deadline : float, optional
        Seconds for the whole batch [s]; what is not done by then gets a row saying so.
    submission_timeout : float, optional
        Seconds one submission may take in all [s] (default ``60 + 20 * cell_timeout``).
    """
    if exam is not None:
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
    expected = _expected_from_run(spec, solution)

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
            records.append(_reject(spec, s, problems[s.name], expected))
            continue
        run = runs[s.name]
        record = score(spec, run, expected)
        record.update(submission=s.name, submission_sha256=s.sha256, status=_status(run),
                      sandboxed=run.sandboxed)
        records.append(record)
    _write_records(records, subs, results)
    write_gradebook(records, results / "gradebook.csv")
    return records


def _write_records(records: list[dict[str, Any]], subs: list[Submission], results: Path,
                   report: Any = None) -> None:
    """``results/<stem>.json`` per submission (and its HTML report when ``report`` is given)."""
    results.mkdir(parents=True, exist_ok=True)
    protected = {s.path.resolve() for s in subs}
    for record, sub in zip(records, subs, strict=True):
        target = results / f"{sub.stem}.json"
        if target.resolve() in protected:
            raise GradingError(f"refusing to overwrite submission {target}")
        target.write_text(json.dumps(record, indent=2, sort_keys=True), encoding="utf-8")
        if report is not None:
            report(record, results / "reports" / f"{sub.stem}.html")


def find_exam(name: str | Path, exams_dir: str | Path = "exercises/exams") -> Path:
    """An exam file from a path or an exam id (``exams_dir/*.yml`` whose ``id`` matches)."""
    path = Path(name)
    if path.suffix in (".yml", ".yaml") and path.is_file():
        return path
    for candidate in sorted(Path(exams_dir).glob("*.y*ml")):
        try:
            if load_exam(candidate).id == str(name):
                return candidate
        except ExamError:
            continue
    raise GradingError(f"unknown exam {str(name)!r}: not a file, and no exam with that id in "
                       f"{exams_dir}")


def _exam_record_base(exam: Exam, path: Path, learner_id: str | None) -> dict[str, Any]:
    return {"submission": path.name, "learner_id": learner_id or "", "exam": exam.id,
            "title": exam.title, "topics": [q.topic for q in exam.questions],
            "bank_ids": [q.id for q in exam.questions]}


def _exam_problem(sub: Submission, exam: Exam, learner_id: str | None) -> str | None:
    if sub.problem:
        return sub.problem
    if learner_id is None:
        return f"the file name {sub.name!r} is not a learner id"
    if sub.meta.get("exam") != exam.id:
        return (f"made for exam {_short(sub.meta.get('exam'))}, but this batch grades exam "
                f"{exam.id!r}: not graded (the grader, not the notebook, decides what is graded)")
    return None


def _issue_certificates(records: list[dict[str, Any]], subs: list[Submission], results: Path,
                        *, exam: Exam, key: bytes | None, date: str,
                        certificates: bool, allow_public_bank: bool = False) -> None:
    """Identity seals, certificate codes and certificate files: the one certificate step.

    Sets ``name``, ``identity_sealed``, ``certificate_code`` and ``date`` on every record and
    writes ``results/certificates/<learner_id>.html`` (and a PDF where Chromium is installed)
    for those who pass with an intact seal.
    """
    from .certificates import check_seal, issue_for_batch

    for record, sub in zip(records, subs, strict=True):
        meta, lid = sub.meta, record["learner_id"]
        sealed = bool(lid) and record.get("status") == "graded" and meta.get("exam") == exam.id \
            and check_seal(exam.id, lid, meta.get("name", ""), meta.get("seal"), key) \
            if key else False
        record["name"] = meta.get("name", "") if sealed else ""
        record["identity_sealed"] = sealed
        if certificates and not sealed and record.get("status") == "graded":
            record["problems"].append(
                "the exam's identity seal does not match (file renamed or metadata edited): "
                "no certificate; ask the lecturer")
        record["certificate_code"], record["date"] = "", date
    if certificates:  # codes, registry (supersede/revoke), files, learner text made safe,
        # similarity report: resourcekit.grading.certificates.issue_for_batch
        issue_for_batch(records, results, exam=exam, key=key, date=date,
                        allow_public_bank=allow_public_bank,
                        submissions={s.name: s.text for s in subs
                                     if s.problem is None and s.text})


def grade_exams(submissions: str | Path, results: str | Path, *, exam: str | Path | None = None,
                exams_dir: str | Path = "exercises/exams", jobs: int | None = None,
                cell_timeout: float | None = None, date: str | None = None,
                certificates: bool = True, sandbox: bool | None = None,
                limits: SandboxLimits | None = None, deadline: float | None = None,
                submission_timeout: float | None = None,
                allow_public_bank: bool = False) -> list[dict[str, Any]]:
    """Grade a folder of exam submissions ``<learner_id>.ipynb`` for ONE exam; certificates.

    The exam comes from the call (``exam``: a file or an exam id; required unless
    ``exams_dir`` holds exactly one exam); a submission made for another exam gets a row
    with the reason. The learner id is the file name; expected answers are computed for
    that id in this process (:func:`resourcekit.grading.exam.expected_for`) before any
    learner code runs. Every kernel runs in the sandbox; where it cannot be created this
    raises :class:`GradingError`. Writes ``results/<id>.json``, ``results/gradebook.csv``
    (with ``passed`` and ``certificate_code``), ``results/reports/<id>.html`` and, for those
    who pass with an intact seal, ``results/certificates/<id>.html``.
    """
    from .certificates import load_key
    from .exam import LEARNER_ID, exam_spec, expected_for
    from .report import write_report

    submissions, results = Path(submissions), Path(results)
    subs = scan_submissions(submissions, results)
    if exam is None:
        found = sorted(Path(exams_dir).glob("*.y*ml"))
        if len(found) != 1:
            raise GradingError(f"name the exam this batch grades: exam=FILE or --exam FILE "
                               f"(exams in {exams_dir}: {[p.name for p in found]})")
        exam = found[0]
    the_exam = exam if isinstance(exam, Exam) else load_exam(find_exam(exam, exams_dir))
    use_sandbox = sandbox_policy(sandbox, exam=True)
    key = load_key() if certificates else None
    date = date or _dt.date.today().isoformat()
    spec = exam_spec(the_exam)
    timeout = the_exam.cell_timeout if cell_timeout is None else cell_timeout

    lids = {s.name: (s.path.stem if LEARNER_ID.match(s.path.stem) else None) for s in subs}
    problems = {s.name: _exam_problem(s, the_exam, lids[s.name]) for s in subs}
    # Expected values first, in this process, before any learner code runs.
    expected = {s.name: expected_for(the_exam, lids[s.name])
                for s in subs if problems[s.name] is None}
    tasks = [Task(s.name, s.text or "", the_exam.answer_names, timeout)
             for s in subs if problems[s.name] is None]
    runs = run_tasks(tasks, jobs=jobs, sandbox=use_sandbox, limits=limits, deadline=deadline,
                     submission_timeout=submission_timeout,
                     warm=imported_modules(the_exam.imports))
    records = []
    for s in subs:
        if problems[s.name] is not None:
            record = _reject(spec, s, problems[s.name])
        else:
            run = runs[s.name]
            record = score(spec, run, expected[s.name])
            record.update(submission_sha256=s.sha256, status=_status(run),
                          sandboxed=run.sandboxed)
        record.update(_exam_record_base(the_exam, s.path, lids[s.name]))
        records.append(record)

    _issue_certificates(records, subs, results, exam=the_exam, key=key, date=date,
                        certificates=certificates, allow_public_bank=allow_public_bank)
    _write_records(records, subs, results, report=write_report)
    write_exam_gradebook(records, results / "gradebook.csv")
    return records


EXAM_COLUMNS = (("submission", "learner_id", "name", "exam"),
                ("score", "max_score", "percent", "passed", "certificate_code", "status"))


def write_exam_gradebook(records: list[dict[str, Any]], path: str | Path) -> Path:
    """Exam gradebook: learner, points per question, total, ``passed``, ``certificate_code``."""
    return write_gradebook(records, path, before=EXAM_COLUMNS[0], after=EXAM_COLUMNS[1])


def write_gradebook(
    records: list[dict[str, Any]],
    path: str | Path,
    *,
    before: tuple[str, ...] = ("submission", "exercise", "score", "max_score", "percent",
                               "passed"),
    after: tuple[str, ...] = ("status",),
) -> Path:
    """One row per submission: the ``before`` fields, points per question, the ``after`` fields.

    ``status`` is ``graded``, ``not graded`` (the file was refused; the reason is in the
    submission's JSON ``problems``) or ``failed`` (grading broke off: worker died twice,
    stopped by a time limit, batch deadline).
    """
    qids: list[str] = []
    for record in records:
        for q in record["questions"]:
            if q["id"] not in qids:
                qids.append(q["id"])
    path = Path(path)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow([*before, *qids, *after])
        for r in records:
            points = {q["id"]: q["points"] for q in r["questions"]}
            writer.writerow([*(r.get(c, "") for c in before),
                             *(points.get(q, "") for q in qids), *(r.get(c, "") for c in after)])
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
