"""Compare a learner's plain answers with expected values, in the grader's process.

Answers arrive as JSON-parsed plain data (see :mod:`resourcekit.grading.runner`). Any real
number type is accepted (``int``, ``float``, NumPy scalars and 0-d arrays, ``Fraction``,
``Decimal``; never ``bool``), but it is first converted to a built-in ``int`` or ``float``, so an
object whose comparisons are always True never reaches a comparison. Every answer that is not
accepted gets a message that says what is wrong (never a bare exception), without showing the
expected value; a list or dict names the rows that are off, by label or as
"rows 3, 7, ... (n in all)".
"""

from __future__ import annotations

import decimal
import math
import numbers
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


def _as_real(value: Any) -> int | float | None:
    """A built-in ``int``/``float`` for any real number, None for anything else (bool too).

    >>> from fractions import Fraction
    >>> _as_real(Fraction(1, 4)), _as_real(3), _as_real(True), _as_real("0.8")
    (0.25, 3, None, None)
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real | decimal.Decimal):
        try:
            return float(value)
        except (TypeError, ValueError, OverflowError):
            return None
    if type(value).__module__.split(".")[0] == "numpy" and getattr(value, "ndim", None) == 0:
        return _as_real(value.item())  # a 0-d array
    return None


def _is_number(value: Any) -> bool:
    return _as_real(value) is not None


def _close(got: Any, expected: Any, q: Question) -> bool:
    got, expected = _as_real(got), _as_real(expected)
    if got is None or expected is None:
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


def _rows(labels: list[str], total: int, word: str) -> str:
    """"rows 3, 7 (2 in all)" / "rows 1, 2, 3, 4, 5, 6, 7, 8, ... (12 in all)"."""
    shown = ", ".join(labels[:8]) + (", ..." if len(labels) > 8 else "")
    return f"{word} {shown} ({len(labels)} in all)" if total > 1 else f"{word} {shown}"


def _shown(value: Any) -> str:
    value = _as_real(value)
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
        if type(got) is not dict:  # plain data only: a dict subclass could lie
            return 0.0, f"`{q.answer}` should map names to numbers (a dict or a labelled Series)"
        keys = list(expected)
        wrong = [k for k in keys if k not in got or not _close(got[k], expected[k], q)]
        share = (len(keys) - len(wrong)) / len(keys) if keys else 0.0
        if not wrong:
            return 1.0, "all values correct"
        good = len(keys) - len(wrong)
        missing = [k for k in wrong if k not in got]
        text = (f"{good} of {len(keys)} values within tolerance; check "
                + _rows([str(k) for k in wrong], len(wrong), "rows"))
        if missing:
            text += f"; missing: {', '.join(map(str, missing[:8]))}"
        return share, text
    if type(got) not in (list, tuple):
        return 0.0, f"`{q.answer}` should be a list, array or Series of numbers"
    if len(got) != len(expected):
        return 0.0, f"`{q.answer}` has {len(got)} values; expected {len(expected)}"
    good = [_close(g, e, q) for g, e in zip(got, expected, strict=True)]
    share = sum(good) / len(good) if good else 0.0
    if all(good):
        return 1.0, "all values correct"
    # rows counted from 1, as a reader counts them (row 1 is index 0)
    wrong = [str(i + 1) for i, ok in enumerate(good) if not ok]
    return share, (f"{sum(good)} of {len(good)} values within tolerance; check "
                   f"{_rows(wrong, len(wrong), 'rows')} (counted from 1)")


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
    if not isinstance(entry, dict) or not entry.get("ok"):
        kind = (entry.get("type") if isinstance(entry, dict) else None) or "object"
        return result(0.0, f"`{q.answer}` is a {kind}; give a plain number, text, list or dict.")
    got = entry.get("value")
    if q.kind == "number":
        if not _is_number(got):
            return result(0.0, f"`{q.answer}` should be one number (e.g. a float), not "
                               f"{type(got).__name__}.")
        if _close(got, expected, q):
            return result(1.0, "correct.")
        return result(0.0, f"`{q.answer}` = {_shown(got)} is not within {_tolerance_text(q)} "
                           "of the expected value.")
    if q.kind == "numbers":
        share, text = _numbers(got, expected, q)
        return result(share, text + ".")
    # text and choice
    if not isinstance(got, str):
        return result(0.0, f"`{q.answer}` should be text (a string), not "
                           f"{type(got).__name__}.")
    if got.strip().casefold() == str(expected).strip().casefold():
        return result(1.0, "correct.")
    return result(0.0, f"`{q.answer}` = {got.strip()[:40]!r} is not the expected answer.")
