"""A printed line in another language: its words from a catalogue, its own numbers kept.

What a lesson's code cells print ("rho50 = 1.553, Ep = 0.0512") is a sentence whose numbers
change with the code and the data. Each printed line becomes a *template*, its numbers
replaced by numbered placeholders ``{0}``, ``{1}``, ...; a catalogue translates templates, and a
translation may reorder the placeholders, as Japanese word order needs. Used by the book's
Japanese edition (``book/_ext/rk_output_i18n.py``, which also extracts the templates into the
lessons' catalogues) and by a live kernel of the Japanese course (:func:`translate_stdout`,
``make lab LANG=ja``). Lines that are not sentences stay as printed: printed tables (columns
aligned by runs of spaces, their header and index-name lines), reprs of objects, lines with
braces, single words, lines without a word.
"""

from __future__ import annotations

import re
import string
import sys
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["template", "fields", "translate_line", "translate_text", "translate_stdout",
           "translate_labels"]

# a number that stands alone: not part of a name (rho50, d_50, x1.5, Q3) nor of a word
NUMBER = re.compile(r"(?<![A-Za-z_\d.])[-+]?(?:\d+(?:\.\d+)?|\.\d+)(?:[eE][-+]?\d+)?"
                    r"(?![A-Za-z_\d])")
_WORD = re.compile(r"[A-Za-z]{3,}")
_REPR = re.compile(r"^[A-Za-z_][\w.]*\(|=\[")


def template(line: str) -> tuple[str, list[str]] | None:
    """``(template, numbers)`` of a printed line, or None when the line is not a sentence.

    >>> template("rho50 = 1.553, Ep = 0.0512 (n = 12)")
    ('rho50 = {0}, Ep = {1} (n = {2})', ['1.553', '0.0512', '12'])
    >>> template("grade  recovery") is None, template("{'a': 1}") is None, template("route")
    (True, True, None)
    """
    text = line.strip()
    if (not _WORD.search(text) or " " not in text or "{" in text or "}" in text
            or "  " in text or _REPR.search(text)):
        return None
    numbers = NUMBER.findall(text)
    counter = iter(range(len(numbers)))
    return NUMBER.sub(lambda _: f"{{{next(counter)}}}", text), numbers


def fields(text: str) -> list[str]:
    """The placeholders of a template or translation, sorted (``{0}`` -> ``'0'``)."""
    return sorted(f for _, f, _, _ in string.Formatter().parse(text) if f is not None)


def translate_line(line: str, gettext: Callable[[str], str]) -> str:
    """``line`` in the catalogue's language, its numbers kept; as it is without a translation.

    >>> ja = {"rho50 = {0}, Ep = {1}": "分離比重 {0}、Ep {1}"}
    >>> translate_line("  rho50 = 1.55, Ep = 0.05", lambda s: ja.get(s, s))
    '  分離比重 1.55、Ep 0.05'
    >>> translate_line("rho50 = 1.55, Ep = 0.05", lambda s: "Ep {1}")  # a lost placeholder
    'rho50 = 1.55, Ep = 0.05'
    """
    found = template(line)
    if found is None:
        return line
    text, numbers = found
    translated = gettext(text)
    if translated == text:
        return line
    try:
        if fields(translated) != fields(text):
            return line
        shown = translated.format(*numbers)
    except (ValueError, IndexError, KeyError):
        return line
    return line[:len(line) - len(line.lstrip())] + shown


def translate_text(text: str, gettext: Callable[[str], str]) -> str:
    """Every line of a printed output translated (:func:`translate_line`)."""
    return "\n".join(translate_line(line, gettext) for line in text.split("\n"))


class _TranslatingStream:
    """A text stream that writes each whole line through :func:`translate_text`; everything
    else (fileno, the kernel's routing of output to its cell) is the wrapped stream's.

    ``print`` writes its arguments, separators and end one by one, so text is held until its
    line ends and the line is translated whole; :meth:`flush` (called by the kernel when a cell
    ends) writes a held partial line as it is.
    """

    def __init__(self, stream: Any, gettext: Callable[[str], str]) -> None:
        self._stream = stream
        self._gettext = gettext
        self._held = ""

    def write(self, text: str) -> int:
        whole, newline, self._held = (self._held + text).rpartition("\n")
        if newline:
            self._stream.write(translate_text(whole, self._gettext) + newline)
        return len(text)

    def flush(self) -> None:
        if self._held:
            self._stream.write(translate_text(self._held, self._gettext))
            self._held = ""
        self._stream.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def translate_stdout(messages: Mapping[str, str]) -> bool:
    """Show what this process prints through ``messages`` (templates -> translations) from
    now on; False when it already does. A kernel of the Japanese course calls it once
    (:func:`resourcekit.widgets.setup`). A line is translated once it is whole, however many
    writes made it."""
    if isinstance(sys.stdout, _TranslatingStream):
        return False
    sys.stdout = _TranslatingStream(sys.stdout, lambda text: messages.get(text, text))
    return True


_LABELS: list[Mapping[str, str]] = []  # the messages translate_labels uses (set once)


def _label_constructed(widget: Any) -> None:
    label = getattr(widget, "description", None)
    if _LABELS and isinstance(label, str) and label in _LABELS[0]:
        widget.description = _LABELS[0][label]


def translate_labels(messages: Mapping[str, str]) -> bool:
    """Label each ipywidgets control constructed from now on through ``messages`` (a slider's
    ``description``), with ipywidgets' own hook (``Widget.on_widget_constructed``); False when
    it already does. The control's value and behaviour are untouched."""
    if _LABELS:
        return False
    import ipywidgets

    _LABELS.append(messages)
    ipywidgets.Widget.on_widget_constructed(_label_constructed)
    return True
