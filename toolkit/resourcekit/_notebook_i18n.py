"""Lessons and exercises as notebooks in another language, from the book's own catalogues.

The book's Japanese edition (issue 26) is made by Sphinx from gettext catalogues,
``book/locales/ja/LC_MESSAGES/{lessons,exercises}/NN-slug.po``, whose messages are the
markdown source of each paragraph, heading, list item and table cell, lines joined by spaces.
A learner who studies in JupyterLab needs the same text in the notebook itself
(``make lab LANG=ja``), so this module reads each markdown cell unit by unit, looks the unit up
in the catalogue and writes its translation in place. Nothing else changes: code cells, outputs,
cell ids and metadata stay as they are, so a Japanese notebook computes what the English one
computes. The exercises' self-check cell is the one code cell rewritten: its keys get the
Japanese hints (the hint list items of the same catalogue) and ``Checker`` gets ``lang="ja"``,
so ``check()`` answers in Japanese.

A unit without a translation is left in English and returned, so a caller (and a test) can say
which paragraphs are not translated yet; a second copy of the notebooks is never kept.

Charts and printed lines come from the kernel, so their words cannot be written into the
notebook: the course folder gets :data:`COURSE_FILE` with the lessons' one-line messages
(:func:`course_messages`: chart words and printed-line templates among them), and a live kernel
started in that folder finds it (:func:`course_words`) and shows each chart's words
(:mod:`resourcekit._live_charts` with :func:`resourcekit._chart_i18n.translate_spec`) and each
printed line (:func:`resourcekit._output_i18n.translate_stdout`) from it, with the functions
the book's Japanese edition uses.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

__all__ = ["COURSE_FILE", "catalogue_of", "course_messages", "course_words", "translate_markdown",
           "translate_notebook"]

#: Written into a translated course folder; names its language and the charts' words.
COURSE_FILE = ".resourcekit-course.json"
_SHORT = 300  # chart words and printed-line templates are one line, short

_ITEM = re.compile(r"^(\s*(?:[-*+]|\d+[.)])\s+)(.*)$")  # a list item's marker, then its text
_HEADING = re.compile(r"^(#+\s+)(.*)$")
_QUOTE = re.compile(r"^(>\s?)(.*)$")
_DIRECTIVE = re.compile(r"^(\s*(?:```|:::)\{[a-z-]+\}\s*)(.+)$")  # ```{note} Title
# "**q1** (`x`): " and its Japanese form "**q1**（`x`）：" before a hint
_HINT = re.compile(r"^\*\*[^*]+\*\*\s*[(（]`[^`]*`[)）]\s*[:：]\s*")
_CHECKER = re.compile(r"check = Checker\((?P<keys>\{.*\}), globals\(\)(?:, lang='[a-z]+')?\)\s*$",
                      re.S)


def catalogue_of(repo: str | Path, kind: str, stem: str, lang: str) -> dict[str, str]:
    """The translated entries of one page's catalogue: ``{English: translation}``.

    ``kind`` is ``"lessons"`` or ``"exercises"``; the catalogue is
    ``book/locales/<lang>/LC_MESSAGES/<kind>/<stem>.po`` of the repository.
    """
    from .errors import DataError
    from .grading.i18n import read_catalogue

    path = Path(repo) / "book" / "locales" / lang / "LC_MESSAGES" / kind / f"{stem}.po"
    if not path.is_file():
        raise DataError(f"lang={lang!r}: no catalogue {path} for {kind}/{stem} (run `make "
                        "book-pot` and translate it)")
    return read_catalogue(path, lang)


class _Units:
    """Markdown lines regrouped into the units Sphinx extracts, each translated on flush."""

    def __init__(self, messages: Mapping[str, str]) -> None:
        self.messages = messages
        self.out: list[str] = []
        self.missing: list[str] = []
        self.unit: tuple[str, list[str], list[str]] | None = None  # prefix, texts, raw lines

    def start(self, prefix: str, text: str, line: str) -> None:
        self.flush()
        self.unit = (prefix, [text], [line])

    def extend(self, text: str, line: str) -> None:
        assert self.unit is not None
        self.unit[1].append(text)
        self.unit[2].append(line)

    def flush(self) -> None:
        if self.unit is None:
            return
        prefix, texts, raw = self.unit
        self.unit = None
        key = " ".join(t.strip() for t in texts).strip()
        if key in self.messages:
            self.out.append(prefix + self.messages[key])
        else:
            self.out.extend(raw)
            if re.search(r"[A-Za-z]{3}", key):
                self.missing.append(key)

    def verbatim(self, line: str) -> None:
        self.flush()
        self.out.append(line)


def _table_row(line: str, messages: Mapping[str, str]) -> str:
    """A markdown table row with each cell translated (a cell is one message)."""
    cells = line.split("|")
    return "|".join(c.replace(c.strip(), messages[c.strip()]) if c.strip() in messages else c
                    for c in cells)


def translate_markdown(source: str, messages: Mapping[str, str]) -> tuple[str, list[str]]:
    """``source`` with every unit that has a translation replaced by it, and the units left.

    A unit is what Sphinx extracts from MyST markdown: a paragraph (lines joined by spaces), a
    heading, a list item with its indented continuation (display maths included), a table cell,
    a directive's title. Code fences and display maths at the margin are copied as they are.

    >>> ja = {"Mass balance": "物質収支", "Close it.": "閉じる。", "a b": "甲乙"}
    >>> translate_markdown("# Mass balance\\n\\nClose\\nit.\\n\\n- a\\n  b\\n- $x$ only", ja)
    ('# 物質収支\\n\\n閉じる。\\n\\n- 甲乙\\n- $x$ only', ['$x$ only'])
    """
    units = _Units(messages)
    fence: str | None = None
    for line in source.split("\n"):
        s = line.strip()
        if fence:
            units.out.append(line)
            if s.startswith(fence) and not s.strip("`$"):
                fence = None
        elif s.startswith("```") and not s.startswith("```{"):
            units.verbatim(line)
            fence = "```"
        elif s.startswith("$$") and (units.unit is None or not line[:1].isspace()):
            units.verbatim(line)
            fence = None if len(s) > 2 and s.endswith("$$") else "$$"
        elif not s:
            units.verbatim(line)
        elif s.startswith(("```{", ":::")) or re.match(r"^:[a-z-]+:", s):
            m = _DIRECTIVE.match(line)
            title = m.group(2).strip() if m else ""
            units.verbatim(m.group(1) + messages[title] if title in messages else line)
        elif s.startswith("|"):
            units.verbatim(_table_row(line, messages))
        elif m := _HEADING.match(line):
            units.start(m.group(1), m.group(2), line)
            units.flush()
        elif m := _ITEM.match(line):
            units.start(m.group(1), m.group(2), line)
        elif units.unit is None:
            q = _QUOTE.match(line)
            units.start(*(q.groups() if q else ("", line)), line)
        else:
            q = _QUOTE.match(line)
            units.extend(q.group(2) if q and units.unit[0].startswith(">") else line, line)
    units.flush()
    return "\n".join(units.out), units.missing


def _translated_hints(keys: dict[str, Any], messages: Mapping[str, str]
                      ) -> tuple[dict[str, Any], list[str]]:
    """The self-check keys with each hint in the catalogue's language (the exercise's hint
    list items read ``**q1** (`answer`): hint``)."""
    out, missing = copy.deepcopy(keys), []
    for qid, key in out.items():
        if not key.get("hint"):
            continue
        english = f"**{qid}** (`{key['answer']}`): {key['hint']}"
        if english in messages:
            key["hint"] = _HINT.sub("", messages[english], count=1)
        else:
            missing.append(english)
    return out, missing


def translate_notebook(nb: Any, messages: Mapping[str, str], lang: str) -> tuple[Any, list[str]]:
    """A copy of ``nb`` with its markdown, self-check hints and messages in ``lang``.

    Returns ``(notebook, untranslated units)``; code cells other than the self-check are
    unchanged, and ``nb`` itself is not modified.
    """
    from .grading.authoring import _check_source

    out, missing = copy.deepcopy(nb), []
    for cell in out.cells:
        if cell.cell_type == "markdown":
            cell.source, left = translate_markdown(cell.source, messages)
            missing += left
        elif cell.cell_type == "code" and (m := _CHECKER.search(cell.source)):
            keys, left = _translated_hints(json.loads(m.group("keys")), messages)
            cell.source = _check_source(keys, lang)
            missing += left
    out.metadata.setdefault("resourcekit", {})["lang"] = lang
    return out, missing


def course_messages(repo: str | Path, lang: str) -> dict[str, str]:
    """The one-line messages (at most 300 characters) of every lesson's catalogue: the words
    a lesson's charts can show (titles, axes, legends, slider labels, categories) and the
    templates of the lines its cells print."""
    words: dict[str, str] = {}
    for path in sorted((Path(repo) / "lessons").glob("[0-9]*.ipynb")):
        for english, translated in catalogue_of(repo, "lessons", path.stem, lang).items():
            if len(english) <= _SHORT and "\n" not in english:
                words.setdefault(english, translated)
    return words


def course_words(start: str | Path | None = None) -> dict[str, str] | None:
    """The messages of the translated course folder that ``start`` (default: the working
    directory, a kernel's notebook folder) is in or below (two levels at most); None outside
    one. A file that cannot be read is treated as absent: the kernel then stays in English."""
    here = Path.cwd() if start is None else Path(start)
    for folder in (here, *list(here.parents)[:2]):
        path = folder / COURSE_FILE
        if path.is_file():
            try:
                info = json.loads(path.read_text(encoding="utf-8"))
                words = info["messages"]
            except (OSError, ValueError, KeyError, TypeError):
                return None
            return {k: v for k, v in words.items() if isinstance(k, str) and isinstance(v, str)}
    return None
