"""Lessons: stored without outputs, follow the template, and execute in a fresh kernel."""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

REPO = Path(__file__).resolve().parents[1]
LESSONS = sorted((REPO / "lessons").glob("*.ipynb"))
IDS = [p.stem for p in LESSONS]


def test_lessons_are_numbered_without_gaps():
    # ten lessons on the three domains, then lesson 11 on the urban mine over time (stocks)
    numbers = [int(p.stem[:2]) for p in LESSONS]
    assert numbers == list(range(1, 12)), IDS


@pytest.mark.parametrize("path", LESSONS, ids=IDS)
def test_lesson_stored_without_outputs(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    dirty = [i for i, c in enumerate(nb["cells"])
             if c["cell_type"] == "code" and (c.get("outputs") or c.get("execution_count"))]
    assert not dirty, f"{path.name}: cells {dirty} have stored outputs; clear them"


@pytest.mark.parametrize("path", LESSONS, ids=IDS)
def test_lesson_follows_the_template(path):
    nb = nbformat.read(path, as_version=4)
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert re.match(rf"#\s*{int(path.stem[:2]):02d}\.", nb.cells[0].source.strip()), \
        f"{path.name}: first cell must be the '# NN. Title' heading"
    for heading in ("## Learning objectives", "## Worked case", "## Try it", "## Exercise"):
        assert heading in text, f"{path.name}: missing section {heading!r}"
    link = f"../exercises/{path.stem}.ipynb"
    assert link in text, f"{path.name}: no link to its exercise {link}"
    assert (REPO / "exercises" / f"{path.stem}.ipynb").is_file()
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert "widgets.show(" in code or "show(" in code, f"{path.name}: no live widget"
    assert "alt.param" in code or "add_params" in code or "selection" in code, \
        f"{path.name}: no altair interactivity for the static page"


@pytest.mark.slow
@pytest.mark.parametrize("path", LESSONS, ids=IDS)
def test_lesson_executes_in_a_fresh_kernel(path, tmp_path):
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=300, kernel_name="python3", shutdown_kernel="immediate",
                            resources={"metadata": {"path": str(tmp_path)}})
    client.execute()  # raises CellExecutionError naming the cell on any failure
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
              if o.get("output_type") == "error"]
    assert not errors
