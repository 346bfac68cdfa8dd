"""Execute notebooks headless: a fresh kernel on private IPC sockets, and no shell traffic from
the client while it waits for a reply. The book, the slides, the tests and the grader all run
notebooks through here.

Two defects of the stock ``nbclient`` set-up are removed at their cause.

**Port races.** jupyter_client picks a kernel's five TCP ports by binding to port 0 and
releasing them before the kernel binds; kernels started at the same moment by other processes
(parallel tests, a book build, slides) can take one of them, and the kernel then stays alive but
deaf on that channel (jupyter/jupyter_client#487; nbclient#114). Unix-domain sockets in a private
folder cannot collide. The grader does the same (``grading/runner.py``).

**The widget stall** (nbclient#312, nbclient PR #311; nbconvert#1921, #2003, #2029;
otter-grader#755). A lesson cell that fills an ``ipywidgets.Output`` (``with out: ...`` in a
``redraw()``) makes nbclient's front-end stand-in, ``nbclient.output_widget.OutputWidget``,
"sync" every captured output back to the kernel as a ``comm_msg``, which it sends on the
**shell** socket from the coroutine that reads IOPub. At that moment the client's other
coroutine is awaiting ``shell_channel.get_msg(timeout)``, an asyncio poll on that same ZeroMQ
socket. ZeroMQ signals readiness through an edge-triggered file descriptor, and a send on the
socket can consume the edge that announced the ``execute_reply``; the poll is then not woken.
It ends only when the cell timeout expires, when pyzmq's final ``poll(0)`` finds the reply that
had been waiting all along, so the cell "passes" after exactly the timeout (the 300 s waits of
lessons 04 and 10 in CI and the book build).

Measured here (``tests/test_notebooks.py`` repeats it): 60 cells that each fill an Output
widget, with a 15 s cell timeout, under load. With the stock stand-in one ``execute_reply``
reached the client 14.99 s after the kernel sent it (the whole timeout) and the run took 27.9 s;
with the stand-in below, the largest delay was 0.02 s and the run took 10.6 s.

The fix: the stand-in below keeps what nbclient needs (it still collects the captured outputs
into the recorded widget state) but never sends the sync-back. Nothing headless reads it: the
kernel-side ``Output.outputs`` is only for a live front end, and a static page shows the
recorded state or the lesson's HTML note (``resourcekit.widgets.show``). With no send on the
shell socket while it is polled, no wake-up can be lost. The cell timeout stays as a guard.

**Lines split in two.** ipykernel sends what a cell prints from a background thread every
0.2 s (``OutStream.flush_interval``), and ``print`` writes its arguments one by one, so a line
can reach the client as two stream messages, split inside the line; nbclient records each as
its own output. A page then shows the halves in two boxes, and no catalogue knows either half
(CI, stop 31: a line of lesson 02). The client below appends a stream message to the cell's
last output when that is the same stream, as JupyterLab does, so lines stay whole and printed
text keeps its place between charts (nbclient's ``coalesce_streams`` would move all of a
cell's stdout above its first chart).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

__all__ = ["execute_notebook", "headless_client_class", "executed_copy", "executed_lesson",
           "source_fingerprint"]

#: Set in the environment of every kernel started here: the kernel runs with no live front end
#: (book, slides, tests), so lesson helpers draw for a static page (``resourcekit.widgets``).
HEADLESS_ENV = "RESOURCEKIT_HEADLESS"

#: The longest any cell may run in a lesson, book page or slide deck [s]. A lesson cell takes
#: seconds; the limit only ends a hang.
CELL_TIMEOUT = 120.0


def headless_client_class() -> type:
    """``nbclient.NotebookClient`` whose Output-widget stand-in sends nothing to the kernel.

    Subclass it where a client needs more (the grader caps outputs this way).

    >>> cls = headless_client_class()
    >>> import nbformat
    >>> client = cls(nbformat.v4.new_notebook())
    >>> model = client.widget_registry["@jupyter-widgets/output"]["OutputModel"]
    >>> model.__name__
    'HeadlessOutputWidget'
    """
    global _CLIENT
    if _CLIENT is None:
        from nbclient import NotebookClient
        from nbclient.output_widget import OutputWidget

        class HeadlessOutputWidget(OutputWidget):
            """nbclient's Output-widget stand-in without the sync-back on the shell socket."""

            def send(self, data: Any = None, metadata: Any = None,
                     buffers: Any = None) -> None:
                return None  # see the module docstring: a send here can hide the reply

        class HeadlessNotebookClient(NotebookClient):
            """NotebookClient that never sends on the shell socket while awaiting a reply."""

            def __init__(self, *args: Any, **kwargs: Any) -> None:
                super().__init__(*args, **kwargs)
                self.widget_registry = {
                    "@jupyter-widgets/output": {"OutputModel": HeadlessOutputWidget}}

            def output(self, outs: list[Any], msg: dict[str, Any], display_id: str | None,
                       cell_index: int) -> Any:
                """A stream message continues the cell's last output when that is the same
                stream (see the module docstring: lines split in two)."""
                content = msg["content"]
                if (msg["msg_type"] == "stream" and outs and not self.clear_before_next_output
                        and not self.output_hook_stack[msg["parent_header"].get("msg_id")]
                        and outs[-1].get("output_type") == "stream"
                        and outs[-1].get("name") == content.get("name")):
                    outs[-1]["text"] += content.get("text", "")
                    return outs[-1]
                return super().output(outs, msg, display_id, cell_index)

        _CLIENT = HeadlessNotebookClient
    return _CLIENT


_CLIENT: type | None = None


def execute_notebook(nb: Any, cwd: str | Path, *, timeout: float = CELL_TIMEOUT,
                     kernel_name: str = "python3", **options: Any) -> Any:
    """Run every cell of ``nb`` (in place) in a fresh kernel whose working folder is ``cwd``.

    Parameters
    ----------
    nb : nbformat.NotebookNode
    cwd : folder the kernel starts in.
    timeout : per-cell limit [s]; at most :data:`CELL_TIMEOUT`.
    kernel_name : kernel spec.
    options : further ``nbclient.NotebookClient`` options.

    Returns
    -------
    nbformat.NotebookNode
        ``nb``, executed. A failing cell raises ``nbclient.exceptions.CellExecutionError``.
    """
    from jupyter_client.manager import AsyncKernelManager

    if not 0 < timeout <= CELL_TIMEOUT:
        raise ValueError(f"timeout={timeout!r}: expected seconds in (0, {CELL_TIMEOUT:g}]")
    # Unix socket paths must stay under 108 bytes: a short private folder (mode 0700)
    base = "/tmp" if len(tempfile.gettempdir()) > 40 and os.path.isdir("/tmp") else None
    sockets = Path(tempfile.mkdtemp(prefix="rk-kernel-", dir=base))

    class _IPCKernelManager(AsyncKernelManager):
        """This call's kernel manager: IPC sockets in the private folder."""

        def __init__(self, **kw: Any) -> None:
            kw.update(transport="ipc", ip=str(sockets / "k"),
                      connection_file=str(sockets / "kernel.json"))
            super().__init__(**kw)

    try:
        # the client creates (so owns, and shuts down) the manager: a manager passed in as
        # ``km`` would be left running, one kernel per notebook until the process exits
        client = headless_client_class()(
            nb, kernel_manager_class=_IPCKernelManager, timeout=int(timeout),
            kernel_name=kernel_name, shutdown_kernel="immediate",
            resources={"metadata": {"path": str(cwd)}}, **options)
        client.execute(env={**os.environ, HEADLESS_ENV: "1"})
    finally:
        shutil.rmtree(sockets, ignore_errors=True)
    return nb


def source_fingerprint(*paths: str | Path) -> str:
    """SHA-256 over the bytes and relative names of every file under ``paths``.

    What an executed lesson depends on besides its own text: the package's code, the datasets
    and the pinned requirements. Caches keyed by it go stale when any of them changes.

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp()); _ = (d / "a.py").write_text("x = 1")
    >>> a = source_fingerprint(d); _ = (d / "a.py").write_text("x = 2")
    >>> a == source_fingerprint(d)
    False
    """
    digest = hashlib.sha256()
    for root in map(Path, paths):
        files = sorted(root.rglob("*")) if root.is_dir() else [root]
        for path in files:
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                digest.update(str(path.relative_to(root.parent)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


def executed_copy(path: str | Path, cache: str | Path, *, depends: str = "",
                  timeout: float = CELL_TIMEOUT) -> Any:
    """The notebook at ``path`` executed in a fresh kernel, computed once per content.

    The result is kept in ``cache/<stem>.ipynb`` under a key made of the notebook's bytes and
    ``depends`` (e.g. :func:`source_fingerprint` of the package and datasets). Processes that
    ask for the same notebook at once (test workers, the book build) wait on a per-notebook
    file lock, so each lesson runs once per change however many consumers it has. The kernel
    runs in an empty temporary folder, so a lesson cannot write into the repository.

    Returns
    -------
    nbformat.NotebookNode
        A fresh copy of the executed notebook (callers may change it).
    """
    import nbformat

    path, cache = Path(path), Path(cache)
    cache.mkdir(parents=True, exist_ok=True)
    text = path.read_bytes()
    key = hashlib.sha256(text + b"\0" + depends.encode()).hexdigest()
    target, key_file = cache / f"{path.stem}.ipynb", cache / f"{path.stem}.key"
    with open(cache / f"{path.stem}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (target.is_file() and key_file.is_file() and key_file.read_text() == key):
            nb = nbformat.reads(text.decode("utf-8"), as_version=4)
            with tempfile.TemporaryDirectory(prefix="rk-run-") as cwd:
                execute_notebook(nb, cwd, timeout=timeout, record_timing=True)
            tmp = target.with_suffix(".tmp")
            nbformat.write(nb, tmp)
            os.replace(tmp, target)
            key_file.write_text(key)
        return nbformat.read(target, as_version=4)


def executed_lesson(path: str | Path, *, timeout: float = CELL_TIMEOUT) -> Any:
    """A lesson of this repository, executed once per change (:func:`executed_copy`).

    The cache is ``book/_build/executed/`` of the lesson's repository, shared by the book build
    (``book/prepare.py``) and the tests; the key covers the lesson, the package's source, the
    datasets and ``pyproject.toml``.
    """
    repo = Path(path).resolve().parents[1]
    depends = source_fingerprint(repo / "toolkit" / "resourcekit", repo / "datasets",
                                 repo / "pyproject.toml")
    return executed_copy(path, repo / "book" / "_build" / "executed", depends=depends,
                         timeout=timeout)
