"""Lessons: stored without outputs, follow the template, and execute in a fresh kernel."""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pytest
from resourcekit._notebooks import execute_notebook, executed_lesson

REPO = Path(__file__).resolve().parents[1]
LESSONS = sorted((REPO / "lessons").glob("*.ipynb"))
IDS = [p.stem for p in LESSONS]


def test_lessons_are_numbered_without_gaps():
    # ten lessons on the three domains, lesson 11 on the urban mine over time (stocks), then the
    # separation-science lessons (12 liberation, 13 separators, ...; the book reads them before 04)
    numbers = [int(p.stem[:2]) for p in LESSONS]
    assert numbers == list(range(1, len(LESSONS) + 1)), IDS


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
def test_lesson_executes_in_a_fresh_kernel(path):
    # executed once per change, shared with the book build (book/_build/executed/); IPC
    # sockets, not TCP ports: parallel kernels cannot take each other's ports
    nb = executed_lesson(path, timeout=60)  # CellExecutionError names a failing cell
    assert len(nb.cells) == len(nbformat.read(path, as_version=4).cells)
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
              if o.get("output_type") == "error"]
    assert not errors


def test_notebooks_run_over_private_ipc_sockets(tmp_path):
    """Lessons (tests) and slides execute in kernels that talk over Unix sockets in a private
    folder: parallel kernels on TCP can take each other's ports and then hang until the cell
    timeout (jupyter/jupyter_client#487); and each kernel is shut down afterwards."""
    from nbformat.v4 import new_code_cell, new_notebook

    nb = new_notebook(cells=[new_code_cell(
        "import os\nfrom ipykernel.connect import get_connection_info\n"
        "info = get_connection_info(unpack=True)\n"
        "print(info['transport'], info['ip'], os.getcwd())")])
    from conftest import host_pids

    execute_notebook(nb, tmp_path, timeout=60)
    transport, ip, cwd = nb.cells[0].outputs[0]["text"].split()
    # the kernel is shut down afterwards, not left running until the process exits
    assert not host_pids(Path(ip).parent.name)
    assert transport == "ipc"
    assert Path(ip).name == "k" and Path(ip).parent.name.startswith("rk-kernel-")
    assert not Path(ip).parent.exists()  # the socket folder is removed afterwards
    assert cwd == str(tmp_path)
