"""Per-learner HTML reports: points and feedback per question, never an expected value.

The feedback text comes from :mod:`.checks`, which only ever describes the learner's own
answer (its type, its value, how many elements are within tolerance) and the question's hint.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

__all__ = ["write_report"]


def write_report(record: dict[str, Any], path: str | Path) -> Path:
    """Write one self-contained HTML report (no external resources) for a graded record."""
    e = html.escape
    who = record.get("name") or record.get("learner_id") or record.get("submission", "")
    topics = record.get("topics") or [""] * len(record["questions"])
    rows = []
    for q, topic in zip(record["questions"], topics, strict=False):
        share = q["points"] / q["max_points"] if q["max_points"] else 0.0
        mark = "ok" if share >= 1 else ("part" if share > 0 else "no")
        text = q["feedback"].split(": ", 1)[-1] if q["feedback"].startswith(q["id"]) else \
            q["feedback"]
        rows.append(f'<tr class="{mark}"><td>{e(q["id"])}</td><td>{e(str(topic))}</td>'
                    f'<td>{q["points"]:g} / {q["max_points"]:g}</td><td>{e(text)}</td></tr>')
    problems = record.get("problems") or []
    notes = "".join(f"<li>{e(str(p))}</li>" for p in problems[:20])
    verdict = "passed" if record.get("passed") else "not passed"
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Report: {e(str(who))} - {e(str(record.get('title', '')))}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 900px; margin: 2em auto; }}
table {{ border-collapse: collapse; width: 100%; }}
td, th {{ border-bottom: 1px solid #ddd; padding: 6px; text-align: left; vertical-align: top; }}
tr.ok td:nth-child(3) {{ color: #17692d; }} tr.part td:nth-child(3) {{ color: #8a6d00; }}
tr.no td:nth-child(3) {{ color: #a0201c; }}
</style></head><body>
<h1>{e(str(record.get('title', '')))}</h1>
<p><strong>{e(str(who))}</strong> ·
submission <code>{e(str(record.get('submission', '')))}</code></p>
<p>Score: <strong>{record['score']:g} / {record['max_score']:g}</strong>
({record['percent']:g} %) · <strong>{verdict}</strong></p>
<table><thead><tr><th>Question</th><th>Topic</th><th>Points</th><th>Feedback</th></tr></thead>
<tbody>
{chr(10).join(rows)}
</tbody></table>
{"<h2>What went wrong while running the notebook</h2><ul>" + notes + "</ul>" if notes else ""}
</body></html>
"""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")
    return path
