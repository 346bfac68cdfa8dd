"""Build one edition of the book from the same sources: the Japanese HTML or the gettext catalogues.

Jupyter Book 1 takes no ``-D`` from its command line (jupyter-book#1791), so this calls the same
``jupyter_book.sphinx.build_sphinx`` that ``jupyter-book build`` calls, with ``book/_config.yml``
and three overrides: ``language``, ``locale_dirs`` and ``gettext_compact=False`` (one catalogue
per page: ``book/locales/ja/LC_MESSAGES/lessons/07-circuits-and-economics.po``). Each edition
keeps its own doctree cache, so the English build's cache is never invalidated by this one.

Usage (from the repository root, see the Makefile's ``book``, ``book-ja`` and ``book-pot``)::

    python book/_ext/build_edition.py ja        # book/_build/html-ja/
    python book/_ext/build_edition.py gettext   # book/_build/gettext/*.pot
    python book/_ext/build_edition.py build en ja   # make book: both editions at once

With ``build``, each named edition is built in its own process, at the same time when there
are cores for it (``jupyter-book build`` for English), and each one's log is printed when it
has ended. The builds share nothing but their sources (own output, own doctrees, own folder of
the cells' output files); on two idle cores the book takes the longer of the two builds
instead of their sum (issue 25).
"""

from __future__ import annotations

import subprocess
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
    if language:
        # myst-nb writes the cells' output files (images, downloads) to <outdir>/../
        # jupyter_execute, which the English build writes too: each edition gets its own
        import myst_nb.sphinx_ext

        myst_nb.sphinx_ext.OUTPUT_FOLDER = f"jupyter_execute-{language}"
    result = build_sphinx(
        BOOK, out, noconfig=True, path_config=BOOK / "_config.yml",
        confoverrides=overrides(language), builder=builder,
        doctreedir=BOOK / "_build" / f".doctrees-{edition}",
        warningiserror=edition != "gettext", keep_going=True,  # extraction is never strict
    )
    return 0 if result in (0, None) else 1


def command(edition: str) -> list[str]:
    """The command that builds one edition: the README's ``jupyter-book build`` for English."""
    if edition == "en":
        jupyter_book = Path(sys.executable).with_name("jupyter-book")
        return [str(jupyter_book), "build", str(BOOK), "--warningiserror", "--keep-going"]
    return [sys.executable, str(Path(__file__).resolve()), edition]


def build_all(editions: list[str], jobs: int | None = None) -> int:
    """Build ``editions``, up to ``jobs`` at the same time (default: the ``BOOK_JOBS``
    environment variable, else the number of cores), each in its own process; print each
    one's output in the order given and where its pages are; 0 when every build succeeded.

    The tests' book build runs beside another test worker and builds one edition at a time
    (``BOOK_JOBS=1``, ``tests/test_book.py``): there two builds at once only fight the other
    worker for the cores (clean-clone suite 623-643 s one at a time, 701 s both at once).
    """
    import os
    import tempfile

    jobs = max(1, jobs or int(os.environ.get("BOOK_JOBS") or os.cpu_count() or 1))
    status = 0
    with tempfile.TemporaryDirectory(prefix="rk-book-") as logs:
        for first in range(0, len(editions), jobs):
            runs = []
            for edition in editions[first:first + jobs]:
                log = open(Path(logs) / f"{edition}.log", "w+", encoding="utf-8")  # noqa: SIM115
                runs.append((edition, log, subprocess.Popen(
                    command(edition), stdout=log, stderr=subprocess.STDOUT,
                    cwd=BOOK.parent)))
            for edition, log, run in runs:
                code = run.wait()
                log.seek(0)
                sys.stdout.write(log.read())
                log.close()
                if code != 0:
                    print(f"build_edition.py: the {edition!r} edition failed (exit {code})",
                          file=sys.stderr)
                    status = 1
                    continue
                folder = "html" if edition == "en" else f"html-{edition}"
                label = "Book" if edition == "en" else f"Book ({edition})"
                print(f"{label}: {BOOK / '_build' / folder / 'index.html'}", flush=True)
    return status


if __name__ == "__main__":
    args = sys.argv[1:] or ["ja"]
    sys.exit(build_all(args[1:]) if args[0] == "build" else main(args[0]))
