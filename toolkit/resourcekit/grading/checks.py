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
from collections.abc import Callable
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


Show = Callable[[str], str]


def _same(text: str) -> str:
    return text


def _rows(labels: list[str], total: int, t: Show = _same) -> str:
    """"rows 3, 7 (2 in all)" / "rows 1, 2, 3, 4, 5, 6, 7, 8, ... (12 in all)"."""
    shown = ", ".join(labels[:8]) + (", ..." if len(labels) > 8 else "")
    if total > 1:
        return t("rows {shown} ({n} in all)").format(shown=shown, n=len(labels))
    return t("rows {shown}").format(shown=shown)


def _shown(value: Any, t: Show = _same) -> str:
    value = _as_real(value)
    try:
        return f"{value:.6g}"
    except OverflowError:  # an int beyond float range
        return t("an integer of {n} digits").format(n=len(str(abs(value))))


def _tolerance_text(q: Question, t: Show = _same) -> str:
    parts = []
    if q.rtol:
        parts.append(t("{tol} relative").format(tol=f"{q.rtol:.2g}"))
    if q.atol:
        parts.append(t("{tol} absolute").format(tol=f"{q.atol:.2g}"))
    return " / ".join(parts) or t("exact")


def _numbers(got: Any, expected: Any, q: Question, t: Show = _same) -> tuple[float, str]:
    name = f"`{q.answer}`"
    if isinstance(expected, dict):
        if type(got) is not dict:  # plain data only: a dict subclass could lie
            return 0.0, t("{name} should map names to numbers (a dict or a labelled Series)"
                          ).format(name=name)
        keys = list(expected)
        wrong = [k for k in keys if k not in got or not _close(got[k], expected[k], q)]
        share = (len(keys) - len(wrong)) / len(keys) if keys else 0.0
        if not wrong:
            return 1.0, t("all values correct")
        good = len(keys) - len(wrong)
        missing = [k for k in wrong if k not in got]
        text = t("{good} of {n} values within tolerance; check {rows}").format(
            good=good, n=len(keys), rows=_rows([str(k) for k in wrong], len(wrong), t))
        if missing:
            text += t("; missing: {names}").format(names=", ".join(map(str, missing[:8])))
        return share, text
    if type(got) not in (list, tuple):
        return 0.0, t("{name} should be a list, array or Series of numbers").format(name=name)
    if len(got) != len(expected):
        return 0.0, t("{name} has {got} values; expected {n}").format(
            name=name, got=len(got), n=len(expected))
    good = [_close(g, e, q) for g, e in zip(got, expected, strict=True)]
    share = sum(good) / len(good) if good else 0.0
    if all(good):
        return 1.0, t("all values correct")
    # rows counted from 1, as a reader counts them (row 1 is index 0)
    wrong = [str(i + 1) for i, ok in enumerate(good) if not ok]
    return share, t("{good} of {n} values within tolerance; check {rows} (counted from 1)"
                    ).format(good=sum(good), n=len(good), rows=_rows(wrong, len(wrong), t))


def check_answer(q: Question, entry: dict[str, Any] | None, expected: Any, *,
                 show: Show | None = None, hint: str | None = None) -> QuestionResult:
    """Score one answer.

    Parameters
    ----------
    q : Question
    entry : dict or None
        ``{"ok": bool, "value": plain data}`` from the runner; None when the variable was never
        defined.
    expected : plain data
        The reference value (from the question's literal ``expected`` or the reference run).
    show : callable, optional
        The feedback's words in the learner's language (``i18n.frame(lang)``: each English
        template to its translation); English as written by default.
    hint : str, optional
        The hint as the learner reads it (translated); default ``q.hint``.
    """
    t = show or _same
    hint = q.hint if hint is None else hint
    name = f"`{q.answer}`"

    def result(share: float, text: str) -> QuestionResult:
        share = min(max(float(share), 0.0), 1.0)
        text = f"{q.id}: {text}"
        if share < 1.0 and hint:
            text += t(" Hint: {hint}").format(hint=hint)
        return QuestionResult(q.id, round(q.points * share, 6), q.points, text)

    if entry is None:
        return result(0.0, t("no answer: the variable {name} was not defined.").format(
            name=name))
    if not isinstance(entry, dict) or not entry.get("ok"):
        kind = (entry.get("type") if isinstance(entry, dict) else None) or "object"
        return result(0.0, t("{name} is a {kind}; give a plain number, text, list or dict."
                             ).format(name=name, kind=kind))
    got = entry.get("value")
    if q.kind == "number":
        if not _is_number(got):
            return result(0.0, t("{name} should be one number (e.g. a float), not {type}."
                                 ).format(name=name, type=type(got).__name__))
        if _close(got, expected, q):
            return result(1.0, t("correct."))
        return result(0.0, t("{name} = {got} is not within {tol} of the expected value."
                             ).format(name=name, got=_shown(got, t), tol=_tolerance_text(q, t)))
    if q.kind == "numbers":
        share, text = _numbers(got, expected, q, t)
        return result(share, text + t("."))
    # text and choice
    if not isinstance(got, str):
        return result(0.0, t("{name} should be text (a string), not {type}.").format(
            name=name, type=type(got).__name__))
    if got.strip().casefold() == str(expected).strip().casefold():
        return result(1.0, t("correct."))
    return result(0.0, t("{name} = {got} is not the expected answer.").format(
        name=name, got=repr(got.strip()[:40])))
