"""myst-nb plugin used by the book build (registered as a ``myst_nb.mime_renderers`` entry point).

- Plotly figures (``application/vnd.plotly.v1+json``, e.g. Sankey diagrams) become a div drawn by
  the book's own copy of plotly.js (``book/_static/plotly.min.js``): no CDN, interactive, and
  the figure's toolbar exports PNG in the browser.
- Live ipywidgets views are dropped from static pages, so the HTML note that
  :func:`resourcekit.widgets.show` adds is shown instead (widgets need a kernel).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, ClassVar

PLOTLY_MIME = "application/vnd.plotly.v1+json"
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


class MimeRenderer:
    """Renders plotly figures for HTML builds; demotes widget views below HTML."""

    mime_priority_overrides: ClassVar[list[tuple[str, str, int | None]]] = [
        ("html", PLOTLY_MIME, 5),
        ("html", WIDGET_MIME, None),
    ]
    _count = 0

    @staticmethod
    def handle_mime(renderer: Any, data: Any, inline: bool) -> Any:
        if data.mime_type != PLOTLY_MIME:
            return None
        from docutils import nodes

        figure = data.content
        if isinstance(figure, str):
            figure = json.loads(figure)
        payload = json.dumps(
            {"data": figure.get("data", []), "layout": figure.get("layout", {})}
        ).replace("</", "<\\/")
        MimeRenderer._count += 1
        digest = hashlib.sha256(payload.encode()).hexdigest()[:10]
        div = f"rk-plotly-{MimeRenderer._count}-{digest}"
        html = (
            f'<div id="{div}" class="rk-plotly" style="width:100%;min-height:420px"></div>\n'
            f"<script>(function () {{ var fig = {payload}; "
            f'Plotly.newPlot("{div}", fig.data, fig.layout, '
            "{responsive: true, displaylogo: false}); })();</script>"
        )
        return [nodes.raw(text=html, format="html", classes=["output", "text_html"])]
