"""Learner-controlled text made harmless in every file the grader writes.

Names come from the learners' CSV, file names from whoever handed them in, error text from
learner code: none of it may act as a formula, markup or Markdown syntax.

* CSV (OWASP, "CSV Injection"; CWE-1236): a text cell starting with ``= + - @``, a tab, a
  carriage return, a line feed or NUL gets a leading apostrophe, so spreadsheet programs show
  it as text instead of evaluating it; the ``csv`` module then quotes what needs quoting.
  Numbers stay numbers.
* HTML: :func:`html.escape` with quotes (``& < > " '``).
* Markdown (CommonMark 0.31, section 2.4): every ASCII punctuation character is
  backslash-escaped, so no emphasis, link, raw HTML, table ``|`` or MyST ``{role}`` can
  form; line breaks become spaces.
"""

from __future__ import annotations

import html
import string
from typing import Any

__all__ = ["csv_cell", "csv_row", "html_text", "md_text"]

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\0")
_MD_PUNCT = set(string.punctuation)


def csv_cell(value: Any) -> Any:
    """A spreadsheet-safe CSV cell: text that could start a formula gets a leading ``'``.

    >>> csv_cell("=HYPERLINK(\\"http://x\\",\\"y\\")")
    '\\'=HYPERLINK("http://x","y")'
    >>> csv_cell("-2+3"), csv_cell(-2.5), csv_cell("Alice"), csv_cell("\\t=1")
    ("'-2+3", -2.5, 'Alice', "'\\t=1")
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def csv_row(values: list[Any]) -> list[Any]:
    """:func:`csv_cell` applied to every cell of a row."""
    return [csv_cell(v) for v in values]


def html_text(value: Any) -> str:
    """Text for HTML content or a quoted attribute.

    >>> html_text('<img src=x onerror="alert(1)">')
    '&lt;img src=x onerror=&quot;alert(1)&quot;&gt;'
    """
    return html.escape(str(value), quote=True)


def md_text(value: Any) -> str:
    """Text for Markdown (CommonMark/MyST): ASCII punctuation escaped, one line.

    >>> md_text("<img src=x onerror=alert(1)>|*a*")
    '\\\\<img src\\\\=x onerror\\\\=alert\\\\(1\\\\)\\\\>\\\\|\\\\*a\\\\*'
    """
    text = " ".join(str(value).split())
    return "".join("\\" + c if c in _MD_PUNCT else c for c in text)
