"""Compare a learner's plain answers with expected values, in the grader's process.

Answers arrive as JSON-parsed plain data (see :mod:`resourcekit.grading.runner`); they are
type-checked here with built-in types only, so an object whose comparisons are always True never
reaches a comparison. Feedback explains what is wrong without showing the expected value.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from .authoring import Question

__all__ = ["QuestionResult", "check_answer"]


@dataclass
class QuestionResult:
    """Points for one question and feedback safe to show the learner."""

    id: str
    points: float
    max_points: float
    feedback: str


def _is_number(value: Any) -> bool:
    return type(value) in (int, float)


def _close(got: Any, expected: Any, q: Question) -> bool:
    if not _is_number(got) or not _is_number(expected):
        return False
    try:  # a learner's 10**400 is an int that no float holds: wrong, never a crashed batch
        got, expected = float(got), float(expected)
    except OverflowError:
        return False
    if math.isnan(expected):
        return math.isnan(got)
    if not math.isfinite(got):
        return False
    return math.isclose(got, expected, rel_tol=q.rtol, abs_tol=q.atol)


def _shown(value: int | float) -> str:
    try:
        return f"{value:.6g}"
    except OverflowError:  # an int beyond float range
        return f"an integer of {len(str(abs(value)))} digits"


def _tolerance_text(q: Question) -> str:
    parts = []
    if q.rtol:
        parts.append(f"{q.rtol:.2g} relative")
    if q.atol:
        parts.append(f"{q.atol:.2g} absolute")
    return " / ".join(parts) or "exact"


def _numbers(got: Any, expected: Any, q: Question) -> tuple[float, str]:
    if isinstance(expected, dict):
        if type(got) is not dict:
            return 0.0, f"`{q.answer}` should map names to numbers (a dict or a labelled Series)"
        keys = list(expected)
        wrong = [k for k in keys if k not in got or not _close(got[k], expected[k], q)]
        share = (len(keys) - len(wrong)) / len(keys) if keys else 0.0
        if not wrong:
            return 1.0, "all values correct"
        shown = ", ".join(map(str, wrong[:8])) + (" ..." if len(wrong) > 8 else "")
        good = len(keys) - len(wrong)
        return share, f"{good} of {len(keys)} values within tolerance; check: {shown}"
    if type(got) is not list:
        return 0.0, f"`{q.answer}` should be a list, array or Series of numbers"
    if len(got) != len(expected):
        return 0.0, f"`{q.answer}` has {len(got)} values; expected {len(expected)}"
    good = [_close(g, e, q) for g, e in zip(got, expected, strict=True)]
    share = sum(good) / len(good) if good else 0.0
    if all(good):
        return 1.0, "all values correct"
    wrong = [str(i) for i, ok in enumerate(good) if not ok]
    return share, (f"{sum(good)} of {len(good)} values within tolerance; check positions "
                   f"{', '.join(wrong[:8])}{' ...' if len(wrong) > 8 else ''}")


def check_answer(q: Question, entry: dict[str, Any] | None, expected: Any) -> QuestionResult:
    """Score one answer.

    Parameters
    ----------
    q : Question
    entry : dict or None
        ``{"ok": bool, "value": plain data}`` from the runner; None when the variable was never
        defined.
    expected : plain data
        The reference value (from the question's literal ``expected`` or the reference run).
    """
    def result(share: float, text: str) -> QuestionResult:
        share = min(max(float(share), 0.0), 1.0)
        text = f"{q.id}: {text}"
        if share < 1.0 and q.hint:
            text += f" Hint: {q.hint}"
        return QuestionResult(q.id, round(q.points * share, 6), q.points, text)

    if entry is None:
        return result(0.0, f"no answer: the variable `{q.answer}` was not defined.")
    if not entry.get("ok"):
        kind = entry.get("type") or "object"
        return result(0.0, f"`{q.answer}` is a {kind}; give a plain number, text, list or dict.")
    got = entry.get("value")
    if q.kind == "number":
        if not _is_number(got):
            return result(0.0, f"`{q.answer}` should be one number (e.g. a float).")
        if _close(got, expected, q):
            return result(1.0, "correct.")
        return result(0.0, f"`{q.answer}` = {_shown(got)} is not within {_tolerance_text(q)} "
                           "of the expected value.")
    if q.kind == "numbers":
        share, text = _numbers(got, expected, q)
        return result(share, text + ".")
    # text and choice
    if type(got) is not str:
        return result(0.0, f"`{q.answer}` should be text (a string).")
    if got.strip().casefold() == str(expected).strip().casefold():
        return result(1.0, "correct.")
    return result(0.0, f"`{q.answer}` = {got.strip()[:40]!r} is not the expected answer.")
