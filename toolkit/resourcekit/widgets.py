"""Small ipywidgets helpers shared by the lessons.

ipywidgets need a live kernel: on a static book page their Python callbacks do nothing. Lessons
therefore show a widget with :func:`show`, which also gives a plain HTML note for static
renderers; the static page's interactivity comes from altair parameters instead.
"""

from __future__ import annotations

from typing import Any

__all__ = ["show", "STATIC_NOTE"]

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
