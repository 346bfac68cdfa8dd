"""Sphinx extension of the book: a "日本語 / English" link from each page to its counterpart.

The English edition is built into ``book/_build/html/`` and the Japanese one into
``book/_build/html-ja/`` from the same sources (``book/_ext/build_edition.py``), so a page's
counterpart is the same page name in the sibling folder. The theme has no language switcher
(pydata-sphinx-theme#507); this prepends one small link to the page body.

It also translates the book's part captions ("Lessons", ...): sphinx-external-toc inserts the
toctrees (transform priority 100) after Sphinx has applied the catalogues (priority 20), so the
captions are extracted into ``intro.po`` but never replaced; ``TranslateTocCaptions`` runs just
after the insertion and looks each caption up in the page's own catalogue.
"""

from __future__ import annotations

import gettext
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sphinx import addnodes
from sphinx.transforms import SphinxTransform
from sphinx.util.i18n import docname_to_domain

# edition folder under book/_build and the label shown for it
EDITIONS = {"en": ("html", "English"), "ja": ("html-ja", "日本語")}


def counterpart(pagename: str, language: str) -> tuple[str, str]:
    """Relative URL of ``pagename`` in the other edition, and that edition's label.

    >>> counterpart("lessons/07-circuits-and-economics", "en")
    ('../../html-ja/lessons/07-circuits-and-economics.html', '日本語')
    >>> counterpart("intro", "ja")
    ('../html/intro.html', 'English')
    """
    other = "en" if language == "ja" else "ja"
    folder, label = EDITIONS[other]
    up = "../" * (pagename.count("/") + 1)
    return f"{up}{folder}/{pagename}.html", label


def add_switch(app: Any, pagename: str, templatename: str, context: dict[str, Any],
               doctree: Any) -> None:
    """Prepend the counterpart link to the body of every page built from a document."""
    if doctree is None or "body" not in context:
        return
    language = (app.config.language or "en").split("_")[0]
    url, label = counterpart(pagename, language)
    link = (f'<p class="rk-lang-switch" style="text-align:right;font-size:0.85em;margin:0">'
            f'<a href="{url}" hreflang="{"en" if label == "English" else "ja"}">{label}</a></p>\n')
    context["body"] = link + context["body"]


def page_gettext(transform: Any) -> Callable[[str], str] | None:
    """gettext of the page's own catalogue(s), or None in the English edition."""
    language = transform.config.language
    if not language or language == "en":
        return None
    domain = docname_to_domain(transform.env.docname, transform.config.gettext_compact)
    catalogues = [gettext.translation(domain, str(Path(transform.env.srcdir, folder)),
                                      languages=[language], fallback=True)
                  for folder in transform.config.locale_dirs]

    def lookup(message: str) -> str:
        for catalogue in catalogues:
            found = catalogue.gettext(message)
            if found != message:
                return found
        return message

    return lookup


class TranslateTocCaptions(SphinxTransform):
    """Replace toctree captions by their msgstr in the page's catalogue (non-English builds)."""

    default_priority = 101  # after sphinx_external_toc.events.InsertToctrees (100)

    def apply(self, **kwargs: Any) -> None:
        lookup = page_gettext(self)
        if lookup is None:
            return
        for toctree in self.document.findall(addnodes.toctree):
            if toctree.get("caption"):
                toctree["caption"] = lookup(toctree["caption"])


def setup(app: Any) -> dict[str, Any]:
    app.add_transform(TranslateTocCaptions)
    app.connect("html-page-context", add_switch)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
