"""Exams in another language: gettext catalogues of a question bank and of the exam's frame.

What a learner reads in an exam notebook comes from two places, each with its own catalogue in
the gettext format that the book's translations use (issue 26):

- the **bank**: its title, lesson names, and per question the topic, the prompt template and
  every text a parameter can take (the options of a choice question). The catalogue of
  ``bank.yml`` is ``locales/<lang>/LC_MESSAGES/bank.po`` beside it, written and merged by
  :func:`update_bank_catalogue` (``python -m resourcekit.grading bank-pot BANK``);
- the **frame** (headings, instructions): ``resourcekit/locale/<lang>/LC_MESSAGES/exam.po`` in
  the package.

Only what is shown is translated. The learner's numbers, the option order and every answer the
grader computes stay those of the bank (the solution code runs on the bank's own texts), so a
Japanese and an English exam of the same learner have the same expected answers. A message
without a translation stops the exam's writing with an :class:`~.exam.ExamError` that names the
question, never an exam half in English. Prompt templates keep their ``{placeholders}``: a
translation that drops or adds one is refused (:func:`placeholder_problems`).
"""

from __future__ import annotations

import string
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

LANGUAGES = ("en", "ja")
FRAME = Path(__file__).resolve().parent.parent / "locale"


def _strings(value: Any) -> Iterator[str]:
    """Every string leaf of a parameter value (options nested in lists)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _strings(item)


def bank_messages(bank: dict[str, Any]) -> dict[str, list[str]]:
    """The shown texts of a bank, each with where it is used: ``{text: [places]}``.

    >>> b = {"title": "Demo", "questions": {"q1": {"topic": "01 A", "prompt": "Pick {o[0]}",
    ...      "params": {"o": {"choice": [["yes", "no"], ["no", "yes"]]}}}}}
    >>> sorted(bank_messages(b))
    ['01 A', 'Demo', 'Pick {o[0]}', 'no', 'yes']
    """
    found: dict[str, list[str]] = {}

    def add(text: Any, place: str) -> None:
        if isinstance(text, str) and text.strip():
            found.setdefault(text.strip("\n"), []).append(place)

    add(bank.get("title"), "title")
    for number, name in (bank.get("lessons") or {}).items():
        add(name, f"lessons/{number}")
    for qid, item in (bank.get("questions") or {}).items():
        if not isinstance(item, dict):
            continue
        add(item.get("topic"), f"{qid}/topic")
        add(item.get("prompt"), f"{qid}/prompt")
        add(item.get("hint"), f"{qid}/hint")  # shown in the feedback after grading
        for name, spec in (item.get("params") or {}).items():
            for kind in ("choice", "value"):
                for text in _strings((spec or {}).get(kind)):
                    add(text, f"{qid}/{name}")
    return found


def catalogue_path(bank_path: str | Path, lang: str) -> Path:
    """Where the catalogue of ``bank_path`` in ``lang`` lives (beside the bank)."""
    bank_path = Path(bank_path)
    return bank_path.parent / "locales" / lang / "LC_MESSAGES" / f"{bank_path.stem}.po"


def update_bank_catalogue(bank_path: str | Path, lang: str = "ja") -> Path:
    """Write or merge the bank's catalogue: new texts added untranslated, changed ones fuzzy
    (babel's merge, as ``sphinx-intl update`` does for the book), texts no longer used kept as
    obsolete. Returns the catalogue's path."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import read_po, write_po

    from .exam import _yaml

    _check_lang(lang)
    bank_path = Path(bank_path)
    template = Catalog(project=f"resourcekit bank {bank_path.stem}")
    for text, places in bank_messages(_yaml(bank_path)).items():
        template.add(text, locations=[(p, 0) for p in places])
    path = catalogue_path(bank_path, lang)
    if path.is_file():
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=lang)
        catalog.update(template)
    else:
        catalog = Catalog(locale=lang, project=template.project)
        catalog.update(template)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        write_po(handle, catalog, width=76)
    return path


def _check_lang(lang: str) -> None:
    from .exam import ExamError

    if lang not in LANGUAGES:
        raise ExamError(f"lang = {lang!r}: exams exist in {list(LANGUAGES)}")


def read_catalogue(path: Path, lang: str) -> dict[str, str]:
    """The translated, non-fuzzy entries of a gettext catalogue: ``{msgid: msgstr}``."""
    from babel.messages.pofile import read_po

    with path.open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    return {m.id: m.string for m in catalog
            if m.id and isinstance(m.id, str) and m.string and "fuzzy" not in m.flags}


def placeholders(text: str) -> list[str]:
    """The ``{placeholders}`` of a prompt template, sorted (``{{`` escapes left out).

    >>> placeholders("f = {f} %, opts {o[0]} and {o[1]}; {{not one}}")
    ['f', 'o[0]', 'o[1]']
    """
    return sorted(field for _, field, _, _ in string.Formatter().parse(text) if field)


def placeholder_problems(translations: dict[str, str]) -> list[str]:
    """Translations whose ``{placeholders}`` differ from their English template's."""
    return [f"{english[:60]!r}: {placeholders(english)} became {placeholders(japanese)}"
            for english, japanese in translations.items()
            if placeholders(english) != placeholders(japanese)]


def translator(bank_path: str | Path, lang: str, needed: dict[str, list[str]]
               ) -> Callable[[str], str]:
    """The function that shows a bank text in ``lang``, after checking that every text in
    ``needed`` ({text: places}) has a translation and keeps its placeholders; English is
    shown as it is."""
    from .exam import ExamError

    _check_lang(lang)
    if lang == "en":
        return lambda text: text
    path = catalogue_path(bank_path, lang)
    if not path.is_file():
        raise ExamError(f"no {lang} catalogue of the bank: {path} (write it with `python -m "
                        f"resourcekit.grading bank-pot {bank_path}` and translate it)")
    table = read_catalogue(path, lang)
    missing = sorted({place.split("/")[0] for text, places in needed.items()
                      if text.strip("\n") not in table for place in places})
    if missing:
        raise ExamError(f"the {lang} catalogue {path} has no translation for texts of "
                        f"questions {missing} (run bank-pot, then translate the new or fuzzy "
                        "entries)")
    bad = placeholder_problems({t: table[t.strip("\n")] for t in needed})
    if bad:
        raise ExamError(f"{path}: translations change prompt placeholders: {bad[:3]}")

    def show(text: str) -> str:
        key = text.strip("\n")
        return table.get(key, text) if key else text

    return show


def frame(lang: str) -> Callable[[str], str]:
    """The exam frame's texts (headings, instructions) in ``lang`` (a missing one raises)."""
    from .exam import ExamError

    _check_lang(lang)
    if lang == "en":
        return lambda text: text
    path = FRAME / lang / "LC_MESSAGES" / "exam.po"
    table = read_catalogue(path, lang)

    def show(text: str) -> str:
        if text not in table:
            raise ExamError(f"{path} has no translation of {text[:60]!r}")
        return table[text]

    return show


def translate_values(value: Any, show: Callable[[str], str]) -> Any:
    """``value`` with each string leaf shown through ``show`` (numbers unchanged)."""
    if isinstance(value, str):
        return show(value)
    if isinstance(value, list):
        return [translate_values(v, show) for v in value]
    if isinstance(value, tuple):
        return tuple(translate_values(v, show) for v in value)
    return value



def feedback_language(exam: Any, lang: Any) -> dict[str, Any] | None:
    """What grading needs to write one learner's feedback in ``lang`` (the handout's
    ``metadata.resourcekit.lang``): ``show`` (the feedback's words, from the frame catalogue),
    ``hints`` by question (``q1..qN``), ``topics`` in question order and the exam's ``title``
    in that language; None for
    English or a language the exams do not have (the feedback is then English).

    A hint or topic without a translation in the bank's catalogue stays English: grading never
    stops for a missing translation (writing a handout does).
    """
    if lang == "en" or lang not in LANGUAGES:
        return None
    path = catalogue_path(exam.bank_path, lang) if exam.bank_path else None
    table = read_catalogue(path, lang) if path is not None and path.is_file() else {}

    def shown(text: str) -> str:
        return table.get(text.strip("\n"), text) if text else text

    return {"lang": lang, "show": frame(lang),
            # by the scorer's ids, q1..qN in exam order (exam.exam_spec)
            "hints": {f"q{i}": shown(q.hint) for i, q in enumerate(exam.questions, start=1)},
            "topics": [shown(q.topic) for q in exam.questions],
            "title": exam.titles.get(lang, exam.title)}
