"""Small ipywidgets helpers shared by the lessons.

ipywidgets need a live kernel: on a static book page their Python callbacks do nothing. Lessons
therefore show a widget with :func:`show`, which also gives a plain HTML note for static
renderers; the static page's interactivity comes from altair parameters instead.

Importing this module (every lesson does, ``from resourcekit.widgets import show``) also sets
up altair for the front end the kernel serves, see :func:`setup`: in a live JupyterLab or
Notebook kernel, charts draw as altair JupyterCharts that load vega from vl-convert's bundle,
once per page (:mod:`resourcekit._live_charts`; no CDN is needed); in a kernel started by
:func:`resourcekit._notebooks.execute_notebook` (book, slides, tests: environment variable
``RESOURCEKIT_HEADLESS=1``) nothing changes and charts stay ``text/html`` for the static page.
"""

from __future__ import annotations

import os
import sys
from typing import Any

__all__ = ["show", "setup", "STATIC_NOTE", "OFFLINE_RENDERER"]

#: The altair renderer a live kernel gets: a JupyterChart widget whose vega comes from vl-convert,
#: sent once per kernel and loaded once per page (:mod:`resourcekit._live_charts`).
OFFLINE_RENDERER = "resourcekit_live"

STATIC_NOTE = (
    '<div class="rk-live-widget"><em>Live widget: open this lesson in JupyterLab '
    "(<code>make lab</code>) to move the sliders. The chart on this page is interactive "
    "without a kernel.</em></div>"
)


class _LiveWidget:
    """Display wrapper: the widget view for JupyterLab, an HTML note for static pages."""

    def __init__(self, widget: Any, note: str) -> None:
        self.widget = widget
        self.note = note

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        bundle = self.widget._repr_mimebundle_(include=include, exclude=exclude) or {}
        if isinstance(bundle, tuple):  # (data, metadata)
            bundle = bundle[0]
        bundle = dict(bundle)
        bundle["text/html"] = self.note
        bundle["text/plain"] = "Live widget (needs a running kernel)"
        return bundle


def show(widget: Any, note: str = STATIC_NOTE) -> _LiveWidget:
    """Return a displayable wrapper of ``widget`` for a lesson cell.

    Put it last in a cell (or pass it to ``display``). JupyterLab renders the widget; the
    book renders ``note`` (the book prefers HTML over widget views).

    >>> import ipywidgets as w
    >>> out = show(w.IntSlider())
    >>> sorted(out._repr_mimebundle_())[:2]
    ['application/vnd.jupyter.widget-view+json', 'text/html']
    """
    return _LiveWidget(widget, note)


def _live_kernel() -> bool:
    """True in an IPython kernel that serves a front end (not under RESOURCEKIT_HEADLESS)."""
    if os.environ.get("RESOURCEKIT_HEADLESS", "") not in ("", "0"):
        return False
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return shell is not None and getattr(shell, "kernel", None) is not None


def setup(live: bool | None = None) -> str:
    """Choose altair's renderer for the front end this kernel serves; return its name.

    ``live`` (default: detected) is True in a JupyterLab/Notebook kernel: charts then draw as
    altair JupyterCharts (anywidgets) whose vega, vega-lite and vega-embed come bundled from
    vl-convert, so they draw without internet; the bundle is sent once per kernel and loaded
    once per page (:mod:`resourcekit._live_charts`). JupyterLab 4 renders vega-lite v3-v5
    MIME only and altair's ``html`` renderer loads vega 6 from a CDN ("Error loading script"
    offline), so neither of those serves.
    Otherwise (a plain Python process, or a kernel started by
    :func:`resourcekit._notebooks.execute_notebook`, which sets ``RESOURCEKIT_HEADLESS=1``) the
    renderer is left as it is: the book and the slides need their own (``html``, a spec).

    The first chart of a live kernel's first run takes a few seconds more: vl-convert bundles
    vega once, into a file cache. A live kernel in a translated course folder (``make lab
    LANG=ja``) also prints its lessons' sentences in that language
    (:func:`resourcekit._output_i18n.translate_stdout`); its charts' words follow too.

    >>> setup(live=False) == __import__("altair").renderers.active
    True
    """
    if live is None:
        live = _live_kernel()
    import altair as alt

    if not live:
        return alt.renderers.active
    try:
        import anywidget  # noqa: F401  (the jupyter renderer needs it)
    except ImportError:  # an environment without it: say what to do instead of a blank chart
        print("Charts need the 'anywidget' package to draw offline in JupyterLab; "
              "install it (pip install anywidget) and restart the kernel.")
        return alt.renderers.active
    from resourcekit import _live_charts
    from resourcekit._notebook_i18n import course_words

    messages = course_words()  # in the Japanese course (make lab LANG=ja): print in Japanese
    if messages:
        from resourcekit._output_i18n import translate_labels, translate_stdout

        translate_stdout(messages)
        translate_labels(messages)
    return _live_charts.enable()


if _live_kernel():
    setup(live=True)
