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
import multiprocessing
import os
import subprocess
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
from .exam import Exam, ExamError, load_exam, write_exam
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
    "grade_exams",
    "find_exam",
    "write_exam",
    "load_exam",
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


def _submission_files(submissions: Path, results: Path) -> list[Path]:
    if not submissions.is_dir():
        raise GradingError(f"submissions folder {submissions} does not exist")
    files = sorted(p for p in submissions.glob("*.ipynb") if p.is_file())
    if not files:
        raise GradingError(f"no *.ipynb submissions in {submissions}")
    if results.resolve() == submissions.resolve():
        raise GradingError("the results folder must differ from the submissions folder "
                           "(submissions are never written)")
    return files


def _metadata(path: Path) -> dict[str, Any]:
    try:
        meta = json.loads(path.read_text(encoding="utf-8")).get("metadata", {})
        meta = meta.get("resourcekit", {})
    except (ValueError, AttributeError, UnicodeDecodeError):
        return {}
    return meta if isinstance(meta, dict) else {}


def grade_batch(submissions: str | Path, results: str | Path, *,
                exercises_dir: str | Path = "exercises", exercise: str | None = None,
                jobs: int | None = None,
                cell_timeout: float | None = None,
                exam: str | Path | None = None) -> list[dict[str, Any]]:
    """Grade every ``*.ipynb`` in ``submissions``; write JSON per submission and a gradebook.

    Each submission runs in its own kernel; ``jobs`` kernels run at once (default: the number
    of cores). Writes ``results/<stem>.json`` and ``results/gradebook.csv``; never writes into
    ``submissions``. Exam submissions (written by ``python -m resourcekit.grading exam``, or
    any batch when ``exam`` is given) go to :func:`grade_exams`.
    """
    submissions, results = Path(submissions), Path(results)
    files = _submission_files(submissions, results)
    if exam is not None or any("exam" in _metadata(p) for p in files):
        return grade_exams(submissions, results, exam=exam, jobs=jobs,
                           exams_dir=Path(exercises_dir) / "exams", cell_timeout=cell_timeout)
    cell_timeout = DEFAULT_CELL_TIMEOUT if cell_timeout is None else cell_timeout
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


def grade_exams(submissions: str | Path, results: str | Path, *, exam: str | Path | None = None,
                exams_dir: str | Path = "exercises/exams", jobs: int | None = None,
                cell_timeout: float | None = None, date: str | None = None,
                certificates: bool = True) -> list[dict[str, Any]]:
    """Grade a folder of exam submissions ``<learner_id>.ipynb``; issue certificates.

    The learner id is the file name; expected answers are recomputed for that id in this
    process (:func:`resourcekit.grading.exam.expected_for`). Writes ``results/<id>.json``,
    ``results/gradebook.csv`` (with ``passed`` and ``certificate_code``),
    ``results/reports/<id>.html`` and, for those who pass with an intact seal,
    ``results/certificates/<id>.html``.
    """
    from .certificates import (
        certificate_code,
        certificate_pdf,
        check_seal,
        load_key,
        write_certificate,
    )
    from .exam import LEARNER_ID, exam_spec, expected_for
    from .report import write_report

    submissions, results = Path(submissions), Path(results)
    files = _submission_files(submissions, results)
    metas = {p: _metadata(p) for p in files}
    exams: dict[str, Exam] = {}
    if exam is not None:
        forced = load_exam(find_exam(exam, exams_dir))
        exams[forced.id] = forced
    else:
        for candidate in sorted(Path(exams_dir).glob("*.y*ml")):
            try:
                loaded = load_exam(candidate)
            except ExamError:
                continue
            exams[loaded.id] = loaded
        named = [m.get("exam") for m in metas.values() if m.get("exam") in exams]
        if not named:
            raise GradingError(f"no submission names a known exam (exams in {exams_dir}: "
                               f"{sorted(exams)}); pass --exam")
        forced = exams[max(set(named), key=named.count)]
    key = load_key() if certificates else None
    date = date or _dt.date.today().isoformat()

    plan = {}
    for p in files:
        the_exam = forced if exam is not None else exams.get(metas[p].get("exam"), forced)
        learner_id = p.stem if LEARNER_ID.match(p.stem) else None
        plan[p] = (the_exam, learner_id)
    # Expected values first, in this process, before any learner code runs.
    expected = {p: expected_for(ex, lid) for p, (ex, lid) in plan.items() if lid}
    specs = {ex.id: exam_spec(ex) for ex, _ in plan.values()}
    digests = {p: _sha256(p) for p in files}

    jobs = max(1, jobs or os.cpu_count() or 1)
    context = multiprocessing.get_context("spawn")
    records = []
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        futures = {}
        for p, (ex, lid) in plan.items():
            if lid:
                timeout = ex.cell_timeout if cell_timeout is None else cell_timeout
                futures[p] = pool.submit(_run_task, str(p), ex.answer_names, timeout)
        for p, (ex, lid) in plan.items():
            spec = specs[ex.id]
            if lid is None:
                run = RunResult(errors=[f"the file name {p.name!r} is not a learner id"])
                record = score(spec, run, {q.id: None for q in spec.questions})
            else:
                try:
                    run = futures[p].result()
                except Exception as err:  # a crashed worker costs this submission only
                    run = RunResult(errors=[f"grading failed: {type(err).__name__}"])
                record = score(spec, run, expected[p])
            record.update(_exam_record_base(ex, p, lid))
            record["submission_sha256"] = digests[p]
            meta = metas[p]
            sealed = bool(lid) and meta.get("exam") == ex.id and check_seal(
                ex.id, lid, meta.get("name", ""), meta.get("seal"), key) if key else False
            record["name"] = meta.get("name", "") if sealed else ""
            record["identity_sealed"] = sealed
            if certificates and not sealed:
                record["problems"].append(
                    "the exam's identity seal does not match (file renamed or metadata edited): "
                    "no certificate; ask the lecturer")
            code = ""
            if certificates and record["passed"] and sealed:
                code = certificate_code(record, date=date, key=key)
            record["certificate_code"] = code
            record["date"] = date
            records.append(record)

    results.mkdir(parents=True, exist_ok=True)
    protected = {p.resolve() for p in files}
    for record in records:
        stem = Path(record["submission"]).stem
        target = results / f"{stem}.json"
        if target.resolve() in protected:
            raise GradingError(f"refusing to overwrite submission {target}")
        target.write_text(json.dumps(record, indent=2, sort_keys=True), encoding="utf-8")
        write_report(record, results / "reports" / f"{stem}.html")
        if record["certificate_code"]:
            page = write_certificate(record, record["certificate_code"],
                                     results / "certificates" / f"{record['learner_id']}.html",
                                     title=record["title"], key=key)
            try:  # a PDF copy where headless Chromium is installed; the HTML stands alone
                certificate_pdf(page)
            except (OSError, subprocess.SubprocessError) as err:
                record["problems"].append(f"PDF certificate not written: {type(err).__name__}")
    write_exam_gradebook(records, results / "gradebook.csv")
    return records


EXAM_COLUMNS = (("submission", "learner_id", "name", "exam"),
                ("score", "max_score", "percent", "passed", "certificate_code"))


def write_exam_gradebook(records: list[dict[str, Any]], path: str | Path) -> Path:
    """Exam gradebook: learner, points per question, total, ``passed``, ``certificate_code``."""
    return write_gradebook(records, path, before=EXAM_COLUMNS[0], after=EXAM_COLUMNS[1])


def write_gradebook(
    records: list[dict[str, Any]],
    path: str | Path,
    *,
    before: tuple[str, ...] = ("submission", "exercise", "score", "max_score", "percent",
                               "passed"),
    after: tuple[str, ...] = (),
) -> Path:
    """One row per submission: the ``before`` fields, points per question, the ``after`` fields."""
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
            writer.writerow([*(r[c] for c in before), *(points.get(q, "") for q in qids),
                             *(r[c] for c in after)])
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
