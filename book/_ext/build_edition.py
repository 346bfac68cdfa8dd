"""Build one edition of the book from the same sources: the Japanese HTML or the gettext catalogues.

Jupyter Book 1 takes no ``-D`` from its command line (jupyter-book#1791), so this calls the same
``jupyter_book.sphinx.build_sphinx`` that ``jupyter-book build`` calls, with ``book/_config.yml``
and three overrides: ``language``, ``locale_dirs`` and ``gettext_compact=False`` (one catalogue
per page: ``book/locales/ja/LC_MESSAGES/lessons/07-circuits-and-economics.po``). Each edition
keeps its own doctree cache, so the English build's cache is never invalidated by this one.

Usage (from the repository root, see the Makefile's ``book-ja`` and ``book-pot``)::

    python book/_ext/build_edition.py ja        # book/_build/html-ja/
    python book/_ext/build_edition.py gettext   # book/_build/gettext/*.pot
"""

from __future__ import annotations

import sys
from pathlib import Path

BOOK = Path(__file__).resolve().parents[1]
LOCALE_DIRS = ["locales"]  # relative to the book: book/locales/<lang>/LC_MESSAGES/


def overrides(language: str | None) -> dict[str, object]:
    """Sphinx settings this edition changes; everything else comes from ``_config.yml``."""
    settings: dict[str, object] = {
        "external_toc_path": (BOOK / "_toc.yml").as_posix(),
        "latex_individualpages": False,
        "locale_dirs": LOCALE_DIRS,
        "gettext_compact": False,
    }
    if language:
        settings["language"] = language
    return settings


def cache_default_settings() -> None:
    """Build docutils' default settings once per parser, not once per translated message.

    Sphinx parses every translated message as a small document of its own
    (``sphinx.transforms.i18n.publish_msgstr``), and myst-parser's ``make_document`` then asks
    ``docutils.frontend.get_default_settings`` for fresh defaults, which builds a whole
    ``OptionParser`` each time: about 7,800 times for this book, a fifth of the Japanese
    edition's build time. The defaults depend only on the components, so they are built once
    and each caller gets its own deep copy (callers set attributes on it).
    """
    import copy
    import functools

    import docutils.frontend as frontend

    if getattr(frontend.get_default_settings, "_rk_cached", False):
        return
    build = functools.lru_cache(maxsize=None)(frontend.get_default_settings)

    def get_default_settings(*components):
        return copy.deepcopy(build(*components))

    get_default_settings._rk_cached = True  # type: ignore[attr-defined]
    frontend.get_default_settings = get_default_settings


def main(edition: str) -> int:
    from jupyter_book.sphinx import build_sphinx

    cache_default_settings()

    if edition == "gettext":
        out, builder, language = BOOK / "_build" / "gettext", "gettext", None
    elif edition.isalpha() and edition != "en":
        out, builder, language = BOOK / "_build" / f"html-{edition}", "html", edition
    else:
        print(f"build_edition.py: edition must be 'gettext' or a language code such as 'ja', "
              f"got {edition!r}", file=sys.stderr)
        return 2
    result = build_sphinx(
        BOOK, out, noconfig=True, path_config=BOOK / "_config.yml",
        confoverrides=overrides(language), builder=builder,
        doctreedir=BOOK / "_build" / f".doctrees-{edition}",
        warningiserror=edition != "gettext", keep_going=True,  # extraction is never strict
    )
    return 0 if result in (0, None) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "ja"))
