"""Self-check for practice exercises: right or wrong, and a hint, without the expected value.

The student version of an exercise carries one *key* per question (written by
:func:`resourcekit.grading.authoring.student_version` from the reference solution's values) and a
:class:`Checker` bound to the notebook's variables; ``check()`` or ``check("q2")`` says for each
question whether the learner's current answer is right and, when it is not, gives the question's
hint. The key holds no plain value:

- text and multiple-choice answers: salted, stretched SHA-256 (PBKDF2-HMAC, ``ITERATIONS`` rounds)
  of the answer after ``strip().casefold()``;
- numbers: the same hash of the *cell* of a grid the value falls in, stored for the expected
  value's cell and its two neighbours (in random order). The grid is linear with step ``atol``
  when the absolute tolerance is the larger one at the expected value's magnitude, else
  logarithmic with step ``log(1 + rtol)``, and exact (12 significant digits) with neither. An answer
  in the expected cell or a neighbour is called right: every answer the grader accepts passes,
  and an answer up to about twice the grader's tolerance away may pass too (the grader decides).
- lists and dicts of numbers: one key per element, so the check says how many are right.

What it cannot promise: a learner who tries every choice, or every grid cell of a plausible
range, finds the key's value. For a choice that takes seconds; for a number the stretching makes it
take hours of one CPU (about 0.05 s per try), not impossible. That is acceptable for practice
exercises, which is why exams get no check (``exercises/README.md``). The grader never uses these
keys: it compares, in its own process, with the values of the reference run.

References
----------
- Moriarty, K., Kaliski, B., Rusch, A. (2017). PKCS #5: Password-Based Cryptography
  Specification Version 2.1. RFC 8018 (PBKDF2), https://doi.org/10.17487/RFC8018.
"""

from __future__ import annotations

import hashlib
import math
import random
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["ITERATIONS", "Checker", "make_key", "cell_of", "verdict"]

ITERATIONS = 60_000


def _digest(salt: str, text: str) -> str:
    return hashlib.pbkdf2_hmac("sha256", text.encode(), salt.encode(), ITERATIONS).hex()[:32]


def _grid(rtol: float, atol: float, scale: float) -> tuple[str, float]:
    """The coarser of the two tolerances at the expected value's magnitude ``scale``."""
    if atol > 0 and atol >= rtol * scale:
        return "lin", atol
    if rtol > 0:
        return "log", math.log1p(rtol)
    return "exact", 0.0


def _index(value: float, grid: tuple[str, float]) -> tuple[str, int]:
    kind, step = grid
    if kind == "lin":
        return "", math.floor(value / step)
    if value == 0:
        return "0", 0
    return ("+" if value > 0 else "-"), math.floor(math.log(abs(value)) / step)


def cell_of(value: float, grid: tuple[str, float]) -> str:
    """The grid cell of a number, as text (sign, then the cell index; or 12 digits if exact).

    >>> cell_of(100.0, ("log", math.log1p(0.01)))
    '+462'
    >>> cell_of(0.01, ("log", math.log1p(0.01)))
    '+-463'
    >>> cell_of(-0.26, ("lin", 0.1))
    '-3'
    >>> cell_of(7.0, ("exact", 0.0))
    '7'
    """
    if grid[0] == "exact":
        return format(float(value), ".12g")
    sign, k = _index(value, grid)
    return "0" if sign == "0" else f"{sign}{k}"


def _number_keys(salt: str, value: float, grid: tuple[str, float], rng: random.Random) -> list[str]:
    if grid[0] == "exact":
        cells = [cell_of(value, grid)]
    else:
        sign, k = _index(value, grid)
        cells = ["0"] if sign == "0" else [f"{sign}{j}" for j in (k - 1, k, k + 1)]
    keys = [_digest(salt, c) for c in cells]
    rng.shuffle(keys)
    return keys


def make_key(question: Any, expected: Any, salt: str) -> dict[str, Any]:
    """The self-check key of one question (no plain value in it).

    Parameters
    ----------
    question : resourcekit.grading.authoring.Question
        Gives ``id``, ``answer``, ``kind``, ``rtol``, ``atol`` and ``hint``.
    expected : plain data
        The reference value (number, text, list or dict of numbers).
    salt : str
        Per-question salt (any text; the authoring code derives it from exercise and question).

    >>> from resourcekit.grading.authoring import Question
    >>> key = make_key(Question("q1", "y", 1, "number", rtol=1e-3), 0.625, "demo/q1")
    >>> "0.625" in str(key), len(key["digests"])
    (False, 3)
    """
    rng = random.Random(salt)
    if question.kind == "number":
        scale = abs(float(expected))
    elif question.kind == "numbers":
        values = expected.values() if isinstance(expected, Mapping) else expected
        scale = min((abs(float(v)) for v in values), default=0.0)
    else:
        scale = 0.0
    grid = _grid(float(question.rtol), float(question.atol), scale)
    key: dict[str, Any] = {"answer": question.answer, "kind": question.kind, "salt": salt,
                           "grid": [grid[0], grid[1]], "hint": question.hint}
    if question.kind == "number":
        key["digests"] = _number_keys(salt, float(expected), grid, rng)
    elif question.kind == "numbers":
        if isinstance(expected, Mapping):
            key["shape"] = "dict"
            key["digests"] = {str(k): _number_keys(f"{salt}/{k}", float(v), grid, rng)
                              for k, v in expected.items()}
        else:
            key["shape"] = "list"
            key["digests"] = [_number_keys(f"{salt}/{i}", float(v), grid, rng)
                              for i, v in enumerate(expected)]
    else:
        key["digests"] = [_digest(salt, str(expected).strip().casefold())]
    return key


def _plain(value: Any) -> Any:
    """An answer as the grader sees it: numbers of any real type (numpy scalars and 0-d arrays,
    Fraction, Decimal; never bool) as int or float, Series, arrays and tuples as lists or
    dicts, at any depth (a dict of numpy floats is a dict of floats).

    >>> import numpy as np
    >>> _plain({"a": np.float64(0.5), "b": [np.int64(2), (1, 2)]})
    {'a': 0.5, 'b': [2, [1, 2]]}
    """
    import numbers

    t = type(value)
    mod = t.__module__ or ""
    if mod.startswith("numpy") and hasattr(value, "item") and getattr(value, "ndim", 1) == 0:
        return _plain(value.item())
    if mod.startswith("pandas") and t.__name__ == "Series":
        if all(type(k) is str for k in value.index):
            return {k: _plain(x) for k, x in value.items()}
        return [_plain(x) for x in value.tolist()]
    if mod.startswith("numpy") and t.__name__ == "ndarray":
        return [_plain(x) for x in value.tolist()]
    if t in (tuple, list):
        return [_plain(x) for x in value]
    if t is dict:
        return {k: _plain(x) for k, x in value.items()}
    if t not in (int, float, bool) and isinstance(value, numbers.Real):
        return int(value) if isinstance(value, numbers.Integral) else float(value)
    if t not in (int, float, bool) and type(value).__name__ == "Decimal":
        return float(value)
    return value


def _is_number(x: Any) -> bool:
    return type(x) in (int, float) and math.isfinite(x)


def _matches(salt: str, x: Any, grid: tuple[str, float], digests: list[str]) -> bool:
    return _is_number(x) and _digest(salt, cell_of(float(x), grid)) in digests


def _english(text: str) -> str:
    return text


def verdict(key: Mapping[str, Any], value: Any,
            say: Callable[[str], str] = _english) -> tuple[bool, str]:
    """``(right, message)`` for one answer against its key; the message never holds the value.

    ``say`` shows each message template in the learner's language (:class:`Checker`'s
    ``lang``); the key's hint is shown as the key holds it.

    >>> from resourcekit.grading.authoring import Question
    >>> key = make_key(Question("q1", "y", 1, "choice"), "b", "demo/q1")
    >>> verdict(key, " B ")
    (True, 'right.')
    >>> verdict(key, "c")[0]
    False
    """
    name, kind, salt = key["answer"], key["kind"], key["salt"]
    grid = (str(key["grid"][0]), float(key["grid"][1]))
    hint = say(" Hint: {hint}").format(hint=key["hint"]) if key.get("hint") else ""
    value = _plain(value)
    if kind == "number":
        if not _is_number(value):
            return False, say("`{name}` should be one finite number (int or float).").format(
                name=name) + hint
        if _matches(salt, value, grid, key["digests"]):
            return True, say("right.")
        return False, say("not right yet.") + hint
    if kind == "numbers":
        return _verdict_numbers(key, value, grid, hint, say)
    if type(value) is not str:
        return False, say("`{name}` should be text (a string).").format(name=name) + hint
    if _digest(salt, value.strip().casefold()) in key["digests"]:
        return True, say("right.")
    return False, say("not right yet.") + hint


def _verdict_numbers(key: Mapping[str, Any], value: Any, grid: tuple[str, float], hint: str,
                     say: Callable[[str], str]) -> tuple[bool, str]:
    """:func:`verdict` of a list or dict of numbers: how many are right, and which are not."""
    name, salt, digests = key["answer"], key["salt"], key["digests"]
    if key.get("shape") == "dict":
        if type(value) is not dict:
            return False, say("`{name}` should map names to numbers (a dict or labelled "
                              "Series).").format(name=name)
        missing = [k for k in digests if k not in value]
        if missing:
            return False, say("`{name}` lacks the keys {keys}.").format(
                name=name, keys=", ".join(missing[:6]))
        wrong = [k for k, d in digests.items() if not _matches(f"{salt}/{k}", value[k], grid, d)]
    else:
        if type(value) is not list:
            return False, say("`{name}` should be a list, array or Series of numbers.").format(
                name=name)
        if len(value) != len(digests):
            return False, say("`{name}` has {got} values; the question asks for {n}.").format(
                name=name, got=len(value), n=len(digests))
        wrong = [i for i, d in enumerate(digests)
                 if not _matches(f"{salt}/{i}", value[i], grid, d)]
        if wrong:
            # a plain list has no labels: name the places as a reader counts them
            template = ("{good} of {n} right; check values {places} of the list (counting from "
                        "1)." if len(wrong) > 1 else
                        "{good} of {n} right; check value {places} of the list (counting from "
                        "1).")
            return False, say(template).format(good=len(digests) - len(wrong), n=len(digests),
                                               places=_places([str(i + 1) for i in wrong],
                                                              say)) + hint
    if not wrong:
        return True, say("right.")
    return False, say("{good} of {n} right; check {which}.").format(
        good=len(digests) - len(wrong), n=len(digests), which=_places(wrong, say)) + hint


def _places(names: list[str], say: Callable[[str], str]) -> str:
    """The first eight of ``names``, and how many in all when there are more."""
    more = say(", ... ({n} in all)").format(n=len(names)) if len(names) > 8 else ""
    return ", ".join(names[:8]) + more


class Checker:
    """``check()`` for a learner: right or wrong per question, with hints, never the value.

    Parameters
    ----------
    keys : mapping
        Question id -> key from :func:`make_key` (the student version embeds them).
    namespace : mapping
        Where the answers live: the notebook's ``globals()``.
    lang : {"en", "ja"}
        Language of the messages (``ja``: the exam frame's catalogue,
        ``resourcekit/locale/ja/LC_MESSAGES/exam.po``); the hints are shown as the keys hold
        them (the Japanese course copy's keys hold Japanese hints, ``make lab LANG=ja``).

    >>> from resourcekit.grading.authoring import Question
    >>> keys = {"q1": make_key(Question("q1", "best", 1, "choice"), "b", "demo/q1")}
    >>> ns = {}
    >>> check = Checker(keys, ns)
    >>> check()
    q1 (`best`): not answered yet.
    >>> ns["best"] = "b"
    >>> check("q1")
    q1 (`best`): right.
    """

    def __init__(self, keys: Mapping[str, Mapping[str, Any]], namespace: Mapping[str, Any],
                 lang: str = "en"):
        from .i18n import LANGUAGES, frame

        if lang not in LANGUAGES:
            from resourcekit.errors import OptionError

            raise OptionError(f"Checker: lang = {lang!r}; use one of {list(LANGUAGES)}")
        self.keys = dict(keys)
        self.namespace = namespace
        self.lang = lang
        self.say = frame(lang)

    def results(self, *questions: str) -> dict[str, tuple[bool | None, str]]:
        """``{question id: (right or None when unanswered, message)}``."""
        ids = list(questions) or list(self.keys)
        unknown = [q for q in ids if q not in self.keys]
        if unknown:
            from resourcekit.errors import OptionError

            raise OptionError(f"check(): unknown question {unknown[0]!r}; this exercise has "
                              f"{', '.join(self.keys)}")
        out: dict[str, tuple[bool | None, str]] = {}
        say = self.say
        for qid in ids:
            key = self.keys[qid]
            name = key["answer"]
            if not key.get("digests"):
                out[qid] = (None, say("no self-check key in this copy (`make exercises` writes "
                                      "them)."))
            elif name not in self.namespace:
                out[qid] = (None, say("not answered yet."))
            else:
                try:
                    out[qid] = verdict(key, self.namespace[name], say)
                except Exception as err:  # a hostile or odd object: say so, never crash
                    out[qid] = (False, say("`{name}` could not be checked ({error}).").format(
                        name=name, error=type(err).__name__))
        return out

    def __call__(self, *questions: str) -> None:
        for qid, (_, text) in self.results(*questions).items():
            print(f"{qid} (`{self.keys[qid]['answer']}`): {text}")
