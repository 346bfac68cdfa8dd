"""Execute a notebook in a fresh kernel that talks over private IPC sockets, not TCP ports.

jupyter_client picks a kernel's five TCP ports by binding to port 0 and releasing them before
the kernel binds; kernels started at the same moment by other processes (parallel tests, a
book build, slides) can take one of them, and the kernel then stays alive but deaf on that
channel, so the run waits for the cell timeout (jupyter/jupyter_client#487; nbclient#114).
Unix-domain sockets in a private folder cannot collide. The grader does the same
(``grading/runner.py``).

Not fixed by this: the occasional 300 s wait seen in CI. Caught once in the act (lesson 10 in
the book build with nothing else running, then standalone): the kernel had run the widget
cell and was idle while the client still waited for a message. That matches nbclient#312
(a cell with ipywidgets sometimes blocks); the run passes after the wait, and it did not recur
in 8 further standalone runs.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

__all__ = ["execute_notebook"]


def execute_notebook(nb: Any, cwd: str | Path, *, timeout: float = 300.0,
                     kernel_name: str = "python3", **options: Any) -> Any:
    """Run every cell of ``nb`` (in place) in a fresh kernel whose working folder is ``cwd``.

    Parameters
    ----------
    nb : nbformat.NotebookNode
    cwd : folder the kernel starts in.
    timeout : per-cell limit [s].
    kernel_name : kernel spec.
    options : further ``nbclient.NotebookClient`` options.

    Returns
    -------
    nbformat.NotebookNode
        ``nb``, executed. A failing cell raises ``nbclient.exceptions.CellExecutionError``.
    """
    from jupyter_client.manager import AsyncKernelManager
    from nbclient import NotebookClient

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
        client = NotebookClient(nb, kernel_manager_class=_IPCKernelManager,
                                timeout=int(timeout), kernel_name=kernel_name,
                                shutdown_kernel="immediate",
                                resources={"metadata": {"path": str(cwd)}}, **options)
        client.execute()
    finally:
        shutil.rmtree(sockets, ignore_errors=True)
    return nb
