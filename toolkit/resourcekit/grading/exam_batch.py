"""Exam batches: who handed in what (from the seal), the bank check, grading, certificates.

Identity comes from the sealed handout only
-------------------------------------------
A handout's metadata carries a seal (:func:`.keys.seal_exam`) over exam id, learner id and
name. A submission is graded with the numbers of the learner its file name names (expected
values come from the grader, so a copied file earns its sender nothing), but it is certified
only when its seal is intact **and** names that same learner. Otherwise the row says
``not certified: <reason>`` and no registry record is touched: a learner cannot withdraw or
replace another's certificate by handing in a file under their name. Two submissions for one
learner in a batch (``alice.ipynb`` and ``alice.IPYNB``) are both refused, with the reason;
a sealed handout that turns up in more than one file is noted on each.

The bank must be the handouts' bank
-----------------------------------
Each handout carries its bank's fingerprint (SHA-256 of the bank file,
:attr:`.exam.Exam.bank_sha256`). Grading with another bank would compare every answer with
other numbers: :func:`grade_exams` refuses, naming both banks.
"""

from __future__ import annotations

import collections
import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import GradingError
from .batch import Submission, Task, imported_modules, run_tasks, sandbox_policy, scan_submissions
from .batch import _short as short
from .exam import LEARNER_ID, Exam, ExamError, load_exam
from .gradebook import write_exam_gradebook, write_records
from .sandbox import SandboxLimits
from .scoring import reject, run_status, score

__all__ = ["find_exam", "grade_exams", "Identity", "identify", "check_bank"]


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


@dataclass
class Identity:
    """Whose submission this is, as far as the grader can tell.

    ``learner_id``: the learner whose numbers it is graded with (from the file name);
    ``sealed``: the seal is intact and names that learner (only then a certificate);
    ``problem``: why it is not graded at all; ``uncertified``: why it cannot be certified.
    """

    learner_id: str | None
    sealed: bool = False
    problem: str | None = None
    uncertified: str | None = None
    name: str = ""
    sealed_as: str | None = None
    note: str = ""


def identify(sub: Submission, exam: Exam, key: bytes | None) -> Identity:
    """The :class:`Identity` of one submission (``key=None``: no seals are checked)."""
    from .keys import check_seal

    stem = sub.path.stem
    lid = stem if LEARNER_ID.match(stem) else None
    if sub.problem:
        return Identity(lid, problem=sub.problem)
    if lid is None:
        return Identity(None, problem=f"the file name {sub.name!r} is not a learner id")
    meta = sub.meta
    if meta.get("exam") != exam.id:
        return Identity(lid, problem=(
            f"made for exam {short(meta.get('exam'))}, but this batch grades exam "
            f"{exam.id!r}: not graded (the grader, not the notebook, decides what is graded)"))
    if key is None:
        return Identity(lid)
    sealed_lid, name = meta.get("learner_id"), meta.get("name", "")
    intact = (isinstance(sealed_lid, str) and bool(LEARNER_ID.match(sealed_lid))
              and check_seal(exam.id, sealed_lid, name, meta.get("seal"), key))
    if not intact:
        return Identity(lid, uncertified="the identity seal is broken (metadata edited, or not "
                                         "a handout of this exam)")
    if sealed_lid != lid:
        return Identity(lid, sealed_as=sealed_lid, uncertified=(
            f"the file name {sub.name!r} disagrees with the sealed identity {sealed_lid!r}"))
    return Identity(lid, sealed=True, name=name, sealed_as=sealed_lid)


def _duplicates(subs: list[Submission], ids: dict[str, Identity]) -> None:
    """Refuse every submission of a learner who handed in more than one (in place)."""
    by_learner: dict[str, list[str]] = collections.defaultdict(list)
    by_seal: dict[str, list[str]] = collections.defaultdict(list)
    for s in subs:
        who = ids[s.name]
        if who.learner_id and not who.problem:
            by_learner[who.learner_id.lower()].append(s.name)
        if who.sealed_as:
            by_seal[who.sealed_as].append(s.name)
    for names in by_learner.values():
        if len(names) > 1:
            for n in names:
                ids[n].problem = (f"two or more submissions for one learner in this batch "
                                  f"({', '.join(sorted(names))}): all refused; hand in one file")
                ids[n].sealed = False
    for sealed_as, names in by_seal.items():
        if len(names) > 1:
            for n in names:
                ids[n].note = (f"the sealed handout of {sealed_as!r} was handed in as "
                               f"{', '.join(sorted(names))}: for a person to look at")


def check_bank(subs: list[Submission], exam: Exam) -> dict[str, str]:
    """Refuse a batch graded with another bank than its handouts'; rows without a fingerprint.

    Returns ``{file name: problem}`` for handouts that carry no bank fingerprint.

    Raises
    ------
    GradingError
        A handout's bank fingerprint differs from the grading bank's; the message names both.
    """
    missing: dict[str, str] = {}
    for s in subs:
        if s.problem or s.meta.get("exam") != exam.id:
            continue
        their = s.meta.get("bank_sha256")
        if not isinstance(their, str) or not their:
            missing[s.name] = ("the handout carries no bank fingerprint (written before "
                               "fingerprints, or edited): not graded; write the handouts again")
        elif their != exam.bank_sha256:
            raise GradingError(
                f"{s.name} was handed out from bank {short(s.meta.get('bank_file'), 80)} "
                f"({short(s.meta.get('bank'))}, fingerprint {their[:12]}), but this grading "
                f"uses bank {exam.bank_path} ({exam.visibility}, fingerprint "
                f"{exam.bank_sha256[:12]}): every answer would be compared with other numbers. "
                "Grade with the bank the handouts were written from (--bank PATH).")
    return missing


def _resolve_exam(exam: Any, exams_dir: str | Path) -> Exam:
    if exam is None:
        found = sorted(Path(exams_dir).glob("*.y*ml"))
        if len(found) != 1:
            raise GradingError(f"name the exam this batch grades: exam=FILE or --exam FILE "
                               f"(exams in {exams_dir}: {[p.name for p in found]})")
        exam = found[0]
    return exam if isinstance(exam, Exam) else load_exam(find_exam(exam, exams_dir))


def _record_base(exam: Exam, sub: Submission, who: Identity) -> dict[str, Any]:
    return {"submission": sub.name, "learner_id": who.learner_id or "", "exam": exam.id,
            "title": exam.title, "title_ja": exam.titles.get("ja", ""),
            "topics": [q.topic for q in exam.questions],
            "bank_ids": [q.id for q in exam.questions], "pass_mark": exam.pass_mark,
            "bank_sha256": exam.bank_sha256, "bank_visibility": exam.visibility,
            "identity_sealed": who.sealed, "name": who.name if who.sealed else "",
            "identity_problem": who.uncertified or ""}


def grade_exams(submissions: str | Path, results: str | Path, *, exam: Any = None,
                exams_dir: str | Path = "exercises/exams", jobs: int | None = None,
                cell_timeout: float | None = None, date: str | None = None,
                certificates: bool = True, sandbox: bool | None = None,
                limits: SandboxLimits | None = None, deadline: float | None = None,
                submission_timeout: float | None = None,
                allow_public_bank: bool = False) -> list[dict[str, Any]]:
    """Grade a folder of exam submissions ``<learner_id>.ipynb`` for ONE exam; certificates.

    The exam comes from the call (``exam``: a file, an exam id or an :class:`.exam.Exam`;
    required unless ``exams_dir`` holds exactly one exam); a submission made for another exam
    gets a row with the reason, and handouts from another bank stop the batch
    (:func:`check_bank`). The learner id is the file name; it is certified only when the
    handout's seal names the same learner (:func:`identify`). Expected answers are computed
    for that id in this process (:func:`.exam.expected_for`) before any learner code runs.
    Every kernel runs in the sandbox; where it cannot be created this raises
    :class:`GradingError`. Writes ``results/<id>.json``, ``results/gradebook.csv`` (with
    ``passed``, ``certificate_code`` and ``certificate``), ``results/reports/<id>.html`` and,
    for those certified, ``results/certificates/<id>.html`` (:mod:`.issuing`).
    """
    from .exam import exam_spec, expected_for
    from .i18n import feedback_language
    from .keys import load_key
    from .report import write_report

    submissions, results = Path(submissions), Path(results)
    subs = scan_submissions(submissions, results)
    the_exam = _resolve_exam(exam, exams_dir)
    no_fingerprint = check_bank(subs, the_exam)
    use_sandbox = sandbox_policy(sandbox, exam=True)
    key = load_key() if certificates else None
    date = date or dt.date.today().isoformat()
    spec = exam_spec(the_exam)
    timeout = the_exam.cell_timeout if cell_timeout is None else cell_timeout

    ids = {s.name: identify(s, the_exam, key) for s in subs}
    for name, problem in no_fingerprint.items():
        ids[name].problem = ids[name].problem or problem
    _duplicates(subs, ids)
    todo = [s for s in subs if ids[s.name].problem is None]
    # Expected values first, in this process, before any learner code runs.
    expected = {s.name: expected_for(the_exam, ids[s.name].learner_id, key) for s in todo}
    tasks = [Task(s.name, s.text or "", the_exam.answer_names, timeout) for s in todo]
    runs = run_tasks(tasks, jobs=jobs, sandbox=use_sandbox, limits=limits, deadline=deadline,
                     submission_timeout=submission_timeout,
                     warm=imported_modules(the_exam.imports))
    records = []
    languages: dict[Any, dict[str, Any] | None] = {}
    for s in subs:
        who = ids[s.name]
        if who.problem is not None:
            record = reject(spec, s, who.problem)
        else:
            run = runs[s.name]
            # feedback in the handout's language (exam --lang ja), grades the same in all;
            # each language's catalogues are read once per batch, not once per learner
            code = (s.meta or {}).get("lang", "en")
            if code not in languages:
                languages[code] = feedback_language(the_exam, code)
            lang = languages[code]
            record = score(spec, run, expected[s.name], show=lang and lang["show"],
                           hints=lang and lang["hints"])
            if lang:
                record.update(lang=lang["lang"], report_title=lang["title"],
                              report_topics=lang["topics"])
            record.update(submission_sha256=s.sha256, status=run_status(run),
                          sandboxed=run.sandboxed)
        record.update(_record_base(the_exam, s, who))
        if who.note:
            record["problems"].append(who.note)
        records.append(record)

    if certificates:
        from .issuing import issue_for_batch

        assert key is not None
        issue_for_batch(records, results, exam=the_exam, key=key, date=date,
                        allow_public_bank=allow_public_bank,
                        submissions={s.name: s.text for s in subs
                                     if s.problem is None and s.text})
    else:
        for record in records:
            record.update(certificate_code="", date=date, certificate_status="")
    write_records(records, subs, results, report=write_report)
    write_exam_gradebook(records, results / "gradebook.csv")
    return records
