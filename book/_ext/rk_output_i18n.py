"""Printed output in the page's language: each line a code cell prints, from the page's catalogue.

The lessons are executed once, in English, so what their code cells print ("rho50 = 1.553,
Ep = 0.0512", "needs tailing < feed < concentrate grade") is English in both editions, and the
numbers in it change whenever the code or the data do. This module turns each printed line into
a *template*: its numbers replaced by numbered placeholders, ``{0}``, ``{1}``, ... A template is

- **extracted** into the lesson's own ``.pot`` (``python book/_ext/rk_output_i18n.py pot``, run
  by ``make book-pot``), translated in the lesson's ``.po`` beside its prose and chart words;
  a translation may reorder the placeholders, as Japanese word order needs;
- **applied** in the Japanese edition (a Sphinx transform on the cells' printed output): each
  line whose template has a translation is written as the translation with the line's own
  numbers put back. A translation that loses or invents a placeholder is not used.

The labels of the lessons' ipywidgets controls are extracted the same way (:func:`widget_labels`):
the book shows no live control, but a kernel of the Japanese course labels its sliders from them
(``resourcekit.widgets.setup``).

Lines that are not sentences stay as they are: printed tables (columns aligned by runs of
spaces, their header and index-name lines), reprs of objects, lines with braces, single words,
lines without a word.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from resourcekit._output_i18n import (  # noqa: F401 - one function for the book and the kernel
    fields,
    template,
    translate_line,
    translate_text,
)

BOOK = Path(__file__).resolve().parents[1]
COMMENT = "printed output (rk_output_i18n)"
LABEL_COMMENT = "control label (rk_output_i18n)"


def notebook_templates(path: Path) -> list[str]:
    """The templates of every line an executed notebook printed, in order, each once."""
    found: list[str] = []
    for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
        for output in cell.get("outputs", []):
            if output.get("output_type") != "stream" or output.get("name") != "stdout":
                continue
            text = output.get("text", "")
            for line in ("".join(text) if isinstance(text, list) else text).split("\n"):
                t = template(line)
                if t and t[0] not in found:
                    found.append(t[0])
    return found


_LABEL = re.compile(r"""\bdescription\s*=\s*(["'])(.+?)\1""")


def widget_labels(path: Path) -> list[str]:
    """The labels of a lesson's ipywidgets controls (``description="feed grade"``), in order,
    each once: shown by a live kernel, translated there from the course file."""
    found: list[str] = []
    for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
        if cell.get("cell_type") == "code":
            source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            for _, label in _LABEL.findall(source):
                if label not in found:
                    found.append(label)
    return found


def add_to_pots(gettext_dir: Path) -> int:
    """Add the printed-line templates and the controls' labels of the executed lessons to
    their ``.pot``; return the number added (``rk_chart_i18n.add_lesson_messages``)."""
    from rk_chart_i18n import add_lesson_messages

    def extract(notebook: Path) -> list[tuple[str, str, list[str]]]:
        return ([(text, COMMENT, ["python-brace-format"] if fields(text) else [])
                 for text in notebook_templates(notebook)]
                + [(label, LABEL_COMMENT, []) for label in widget_labels(notebook)])

    return add_lesson_messages(gettext_dir, extract)


def setup(app: Any) -> dict[str, Any]:
    from docutils import nodes
    from rk_language_switch import page_gettext
    from sphinx.transforms import SphinxTransform

    class TranslatePrintedOutput(SphinxTransform):
        """Replace each printed line by its translation (non-English builds)."""

        default_priority = 21  # beside Sphinx's own Locale transform (20)

        def apply(self, **kwargs: Any) -> None:
            lookup = page_gettext(self)
            if lookup is None:
                return
            for block in list(self.document.findall(nodes.literal_block)):
                if "output" not in block["classes"] or "stream" not in block["classes"]:
                    continue
                text = block.astext()
                new = translate_text(text, lookup)
                if new != text:
                    block.children = [nodes.Text(new)]

    app.add_transform(TranslatePrintedOutput)
    return {"parallel_read_safe": True, "parallel_write_safe": True}


if __name__ == "__main__":
    import sys

    from rk_chart_i18n import pot_command

    pot_command(sys.argv, add_to_pots, "printed lines and control labels", "rk_output_i18n.py")
