"""Gradebooks (CSV) and per-submission JSON records; learner text neutralised for spreadsheets.

Every text cell goes through :func:`.safe.csv_cell` (OWASP CSV-injection rule), so a learner
name ``=HYPERLINK(...)`` or a file named ``=1+2.ipynb`` is shown as text, never evaluated.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import GradingError
from .batch import Submission
from .safe import csv_row

__all__ = ["write_gradebook", "write_exam_gradebook", "write_records", "EXAM_COLUMNS"]

EXAM_COLUMNS = (("submission", "learner_id", "name", "exam"),
                ("score", "max_score", "percent", "passed", "certificate_code", "certificate",
                 "status"))


def write_records(records: list[dict[str, Any]], subs: list[Submission], results: Path,
                  report: Callable[[dict[str, Any], Path], Any] | None = None) -> None:
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


def write_exam_gradebook(records: list[dict[str, Any]], path: str | Path) -> Path:
    """Exam gradebook: learner, points per question, total, ``passed``, ``certificate_code``,
    ``certificate`` (issued, revoked, not passed, not certified: reason, not graded)."""
    rows = [{**r, "certificate": r.get("certificate_status", "")} for r in records]
    return write_gradebook(rows, path, before=EXAM_COLUMNS[0], after=EXAM_COLUMNS[1])


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
    stopped by a time limit, batch deadline). Text cells are neutralised
    (:func:`.safe.csv_cell`).
    """
    qids: list[str] = []
    for record in records:
        for q in record["questions"]:
            if q["id"] not in qids:
                qids.append(q["id"])
    path = Path(path)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(csv_row([*before, *qids, *after]))
        for r in records:
            points = {q["id"]: q["points"] for q in r["questions"]}
            writer.writerow(csv_row([*(r.get(c, "") for c in before),
                                     *(points.get(q, "") for q in qids),
                                     *(r.get(c, "") for c in after)]))
    return path
