"""Per-learner HTML reports: points and feedback per question, never an expected value.

The feedback text comes from :mod:`.checks`, which only ever describes the learner's own
answer (its type, its value, how many elements are within tolerance) and the question's hint.

Text that comes from learner code (exception names and messages, answer strings) is never
trusted: :func:`sanitize_record` cuts it to :data:`MAX_TEXT` characters and redacts secrets
before a record is written anywhere, and every report escapes it as HTML.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..errors import GradingError

__all__ = ["write_report", "cut_text", "sanitize_record", "ensure_results_dir", "MAX_TEXT"]

MAX_TEXT = 200
REDACTED = "[redacted]"


def cut_text(text: Any, limit: int = MAX_TEXT, secrets: Iterable[str] = ()) -> str:
    """``text`` as a safe one-off string: secrets redacted, control characters dropped, cut.

    Parameters
    ----------
    text : any
        Text from learner code (converted with ``str``).
    limit : int
        Most characters kept [characters]; a cut text ends with ``...``.
    secrets : iterable of str
        Strings (e.g. the academy key) replaced by ``[redacted]``, case-insensitively.

    >>> cut_text("x" * 300)[-8:], len(cut_text("x" * 300))
    ('xxxxx...', 200)
    >>> cut_text("KeyIs0123456789abcdef!", secrets=["0123456789ABCDEF"])
    'KeyIs[redacted]!'
    """
    text = str(text)
    for secret in secrets:
        if secret and len(secret) >= 8:
            lowered, needle = text.lower(), secret.lower()
            while needle in lowered:
                i = lowered.index(needle)
                text = text[:i] + REDACTED + text[i + len(secret):]
                lowered = text.lower()
    text = "".join(c if c.isprintable() or c in "\n\t" else "?" for c in text)
    return text if len(text) <= limit else text[:limit - 3] + "..."


def sanitize_record(record: dict[str, Any], *, secrets: Iterable[str] = (),
                    limit: int = MAX_TEXT) -> dict[str, Any]:
    """Make a graded record's learner-derived text safe to write (in place; returned too).

    ``problems`` (errors raised by learner code) and each question's ``feedback`` (which may
    quote the learner's answer) are cut to ``limit`` characters with secrets redacted; at most
    50 problems are kept.
    """
    secrets = [s for s in secrets if s]
    problems = record.get("problems")
    if isinstance(problems, list):
        record["problems"] = [cut_text(p, limit, secrets) for p in problems[:50]]
    for q in record.get("questions") or []:
        if isinstance(q, dict) and "feedback" in q:
            q["feedback"] = cut_text(q["feedback"], max(limit, 400), secrets)
    for name in ("name", "learner_id"):
        if isinstance(record.get(name), str):
            record[name] = cut_text(record[name], limit, secrets)
    return record


def ensure_results_dir(path: str | Path, overwrite: bool = False) -> Path:
    """The folder a grading run writes to; an earlier run's results are never overwritten.

    A missing or empty ``path`` is used (created). A non-empty one is used only with
    ``overwrite=True``; otherwise the run goes to a new subfolder ``path/run-YYYYmmdd-HHMMSS``
    (``-2``, ``-3``... when that exists too), which is returned.

    Raises
    ------
    GradingError
        ``path`` exists and is not a folder.
    """
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise GradingError(f"results path {path} exists and is not a folder")
    if not path.exists() or not any(path.iterdir()) or overwrite:
        path.mkdir(parents=True, exist_ok=True)
        return path
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    target, n = path / f"run-{stamp}", 1
    while target.exists():
        n += 1
        target = path / f"run-{stamp}-{n}"
    target.mkdir(parents=True)
    return target


def write_report(record: dict[str, Any], path: str | Path) -> Path:
    """Write one self-contained HTML report (no external resources) for a graded record.

    A record graded in another language (``record["lang"]``, from an exam handout written
    with ``--lang ja``) gets the report's words from the exam frame's catalogue and its
    ``report_title`` and ``report_topics``; its feedback was written in that language."""
    from .i18n import LANGUAGES, frame

    lang = record.get("lang") if record.get("lang") in LANGUAGES else "en"
    t = frame(lang)

    def e(text: Any) -> str:
        return html.escape(cut_text(text, 400))

    who = record.get("name") or record.get("learner_id") or record.get("submission", "")
    title = record.get("report_title") or record.get("title", "")
    topics = (record.get("report_topics") or record.get("topics")
              or [""] * len(record["questions"]))
    rows = []
    for q, topic in zip(record["questions"], topics, strict=False):
        share = q["points"] / q["max_points"] if q["max_points"] else 0.0
        mark = "ok" if share >= 1 else ("part" if share > 0 else "no")
        text = q["feedback"].split(": ", 1)[-1] if q["feedback"].startswith(q["id"]) else \
            q["feedback"]
        rows.append(f'<tr class="{mark}"><td>{e(q["id"])}</td><td>{e(str(topic))}</td>'
                    f'<td>{q["points"]:g} / {q["max_points"]:g}</td><td>{e(text)}</td></tr>')
    problems = record.get("problems") or []
    notes = "".join(f"<li>{e(p)}</li>" for p in problems[:20])
    verdict = t("passed") if record.get("passed") else t("not passed")
    went_wrong = t("What went wrong while running the notebook")
    page = f"""<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8">
<title>{e(t("Report: {who} - {title}").format(who=who, title=title))}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 900px; margin: 2em auto; }}
table {{ border-collapse: collapse; width: 100%; }}
td, th {{ border-bottom: 1px solid #ddd; padding: 6px; text-align: left; vertical-align: top; }}
tr.ok td:nth-child(3) {{ color: #17692d; }} tr.part td:nth-child(3) {{ color: #8a6d00; }}
tr.no td:nth-child(3) {{ color: #a0201c; }}
</style></head><body>
<h1>{e(str(title))}</h1>
<p><strong>{e(str(who))}</strong> ·
{t("submission")} <code>{e(str(record.get('submission', '')))}</code></p>
<p>{t("Score:")} <strong>{record['score']:g} / {record['max_score']:g}</strong>
({record['percent']:g} %) · <strong>{verdict}</strong></p>
<table><thead><tr><th>{t("Question")}</th><th>{t("Topic")}</th><th>{t("Points")}</th><th>{t("Feedback")}</th></tr></thead>
<tbody>
{chr(10).join(rows)}
</tbody></table>
{"<h2>" + went_wrong + "</h2><ul>" + notes + "</ul>" if notes else ""}
</body></html>
"""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")
    return path
