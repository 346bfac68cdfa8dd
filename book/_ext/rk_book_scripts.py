"""Sphinx extension of the book: every script tag once per page, and only where it is used.

sphinx-thebe 0.3.1 (loaded by Jupyter Book 1) adds its inline configuration script
(``const THEBE_JS_URL = ...``) on every ``env-before-read-docs`` event; when Sphinx reads
documents more than once in a build (a cached incremental build, a citation pass), the page
gets the script twice and the browser stops at ``Uncaught SyntaxError: Identifier
'THEBE_JS_URL' has already been declared`` (found by tests/test_book.py, which fails on any
script error). Identical script entries (same file, same attributes and body) are kept once.

The chart libraries the book ships (``html_js_files``: vega + vega-lite + vega-embed, 0.9 MB,
and plotly.js, 4.8 MB) are kept only on the pages that draw with them: 14 of the 69 pages of
an edition draw an altair chart and 2 a plotly figure. Every page loaded and compiled all
5.7 MB before, the glossary and the index included (issue 25: the browser checks of the built
book load every page).
"""

from __future__ import annotations

from typing import Any


def _key(script: Any) -> tuple[str, tuple[tuple[str, str], ...]]:
    # an inline script comes back from the registry with filename '' and from the builder
    # with filename None: the same script either way
    attributes = getattr(script, "attributes", {}) or {}
    filename = getattr(script, "filename", script) or ""
    return (str(filename), tuple(sorted((str(k), str(v)) for k, v in attributes.items())))


def dedupe_scripts(app: Any, pagename: str, templatename: str, context: dict[str, Any],
                   doctree: Any) -> None:
    """Drop repeated entries of the page's ``script_files`` (first one kept, order kept)."""
    scripts = context.get("script_files")
    if not scripts:
        return
    seen: set[tuple[str, tuple[tuple[str, str], ...]]] = set()
    kept = []
    for script in scripts:
        key = _key(script)
        if key not in seen:
            seen.add(key)
            kept.append(script)
    scripts[:] = kept  # in place: handlers after this one may still add to the same list


# a chart library and what a page's body holds when it draws with it: altair's HTML output
# calls vegaEmbed, plotly's calls Plotly.newPlot
LIBRARIES = {"vega-offline.js": "vegaEmbed", "plotly.min.js": "Plotly.newPlot"}


def unneeded_libraries(app: Any, pagename: str, templatename: str, context: dict[str, Any],
                       doctree: Any) -> None:
    """Drop the chart libraries of ``LIBRARIES`` from a page that draws nothing with them."""
    scripts = context.get("script_files")
    if not scripts:
        return
    body = str(context.get("body") or "")
    kept = []
    for script in scripts:
        name = _key(script)[0].rsplit("/", 1)[-1]
        if name in LIBRARIES and LIBRARIES[name] not in body:
            continue
        kept.append(script)
    scripts[:] = kept


def setup(app: Any) -> dict[str, Any]:
    # Sphinx emits html-page-context with emit_firstresult: a handler returning a template
    # name stops the others, so this one runs first (the repeats are in the list by then).
    app.connect("html-page-context", dedupe_scripts, priority=1)
    app.connect("html-page-context", unneeded_libraries, priority=1)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
