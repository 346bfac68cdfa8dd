"""Depth is a number: every lesson carries a 90-minute session (issues 20 and 21).

Teaching text is the prose of a lesson's Markdown cells: code fences, display maths, HTML tags,
MyST directive fences and link targets are not counted; inline maths counts as one word. The
counts are printed (``pytest -s`` or ``-rA``) so that a reviewer sees them in CI's output.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

REPO = Path(__file__).resolve().parents[1]
LESSONS = sorted((REPO / "lessons").glob("*.ipynb"))
MIN_WORDS = 3000

_FENCE = re.compile(r"^(```|~~~).*?^\1\s*$", re.S | re.M)
_DISPLAY_MATH = re.compile(r"\$\$.*?\$\$", re.S)
_INLINE_MATH = re.compile(r"\$[^$\n]+\$")
_TAG = re.compile(r"<[^>]+>")
_DIRECTIVE = re.compile(r"^\s*:{3,}.*$", re.M)
_LINK_TARGET = re.compile(r"\]\([^)]*\)")
_ROLE = re.compile(r"\{[a-z]+\}`([^`<]*)(?:<[^`]*>)?`")
_WORD = re.compile(r"[A-Za-z\u00c0-\u024f\u3040-\u30ff\u4e00-\u9fff0-9][\w'’\-.,/%]*")


def teaching_words(text: str) -> int:
    """Words of prose in Markdown ``text``.

    >>> teaching_words("A **bold** claim, $x^2$ and [a link](http://x.org).\\n```\\ncode\\n```")
    7
    """
    text = _FENCE.sub(" ", text)
    text = _DISPLAY_MATH.sub(" ", text)
    text = _INLINE_MATH.sub(" math ", text)
    text = _ROLE.sub(r"\1", text)
    text = _LINK_TARGET.sub("]", text)
    text = _TAG.sub(" ", text)
    text = _DIRECTIVE.sub(" ", text)
    return len(_WORD.findall(text))


def lesson_words(path: Path) -> int:
    nb = nbformat.read(path, as_version=4)
    return sum(teaching_words(c.source) for c in nb.cells if c.cell_type == "markdown")


def test_word_counter_ignores_code_maths_and_markup():
    prose = "Recovery is the share of the metal that reaches the concentrate."
    assert teaching_words(prose) == 11
    padded = (prose + "\n\n```python\nx = 1 + 2 + 3 + 4\n```\n\n"
              "$$R = \\frac{c (f - t)}{f (c - t)}$$\n"
              ":::{admonition} Misconception\n:::\n<div class='x'></div>")
    assert teaching_words(padded) == 11  # a directive's line (the box's title) is markup


@pytest.mark.parametrize("path", LESSONS, ids=[p.stem for p in LESSONS])
def test_lesson_carries_a_ninety_minute_session(path):
    words = lesson_words(path)
    print(f"{path.stem}: {words} words of teaching text")
    assert words >= MIN_WORDS, f"{path.stem}: {words} words of teaching text, need {MIN_WORDS}"
