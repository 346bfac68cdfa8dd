"""Run a notebook in a fresh kernel of its own and pull named answers out as plain data.

Built on nbclient / jupyter_client. Every kernel runs in a bubblewrap sandbox of its own
(:mod:`.sandbox`) when the machine allows it: own PID namespace, no network, an unprivileged
user id, read-only system, private /tmp, resource limits; the whole sandbox is killed when the
submission is done, and a check confirms that no process of it is left.

Each code cell has a timeout; a cell that times out is interrupted, and a kernel that ignores
the interrupt (or dies) is restarted, so one endless loop costs only the answers that depend on
it. After every cell the runner asks the kernel for the answer variables, serialised to JSON
*inside* the kernel and parsed and validated *here*: only plain values (numbers, strings,
lists, dicts) ever cross back, and they are compared in the grader's process, never in the
learner's.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat

from .sandbox import SandboxLimits, kill_sandbox, sandbox_command, sandbox_env, sandbox_problem

__all__ = ["RunResult", "Kernel", "run_notebook", "MAX_OUTPUT_CHARS",
           "MAX_NOTEBOOK_OUTPUT_CHARS", "MAX_MESSAGE_BYTES"]

MAX_OUTPUT_CHARS = 1_000_000
"""Output (streams and display data) kept per cell [characters]; the rest is dropped, noted."""
MAX_NOTEBOOK_OUTPUT_CHARS = 10_000_000
"""Output kept per notebook [characters]."""
MAX_ANSWER_CHARS = 2_000_000
MAX_MESSAGE_BYTES = 2 * MAX_ANSWER_CHARS + 65_536
"""Largest message part the grader accepts from a kernel [bytes] (ZMQ_MAXMSGSIZE on every
channel): a bigger one is dropped by libzmq before it is read, so a kernel printing 150 MB
lines never makes the grader's worker hold them; the cell is then noted as truncated."""
_MARK = "__RESOURCEKIT_ANSWERS__"

# Runs in the learner's kernel. It only serialises; it never sees an expected value.
_EXTRACT = r'''
def __rk_answers(names, limit=100000):
    import json as _json, math as _math
    def plain(v, depth=0):
        if depth > 4:
            raise TypeError("nested too deep")
        t = type(v)
        if v is None or t is bool or t is str:
            return v if t is not str else v[:10000]
        if t is int or t is float:
            return v
        mod = t.__module__ or ""
        if mod.startswith("numpy") and hasattr(v, "item") and getattr(v, "ndim", 1) == 0:
            return plain(v.item(), depth + 1)
        if mod.startswith("pandas") and t.__name__ == "Series":
            if all(type(k) is str for k in v.index):
                return {k: plain(x, depth + 1) for k, x in v.items()}
            return [plain(x, depth + 1) for x in v.tolist()[:limit]]
        if mod.startswith("pandas") and t.__name__ == "DataFrame":
            return {str(c): plain(v[c], depth + 1) for c in v.columns}
        if mod.startswith("numpy") and t.__name__ == "ndarray":
            return [plain(x, depth + 1) for x in v.tolist()[:limit]]
        if t in (list, tuple):
            return [plain(x, depth + 1) for x in list(v)[:limit]]
        if t is dict:
            return {str(k): plain(x, depth + 1) for k, x in list(v.items())[:limit]}
        raise TypeError(t.__name__)
    out = {}
    g = globals()
    for n in names:
        if n in g:
            try:
                out[n] = {"ok": True, "value": plain(g[n])}
            except Exception as e:
                out[n] = {"ok": False, "type": type(g[n]).__name__}
    return _json.dumps(out)
print("__MARK__" + __rk_answers(__NAMES__))
del __rk_answers
'''


@dataclass
class RunResult:
    """What a run gave: answers as plain data, and what went wrong, cell by cell."""

    answers: dict[str, dict[str, Any]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    timed_out_cells: list[int] = field(default_factory=list)
    restarts: int = 0
    cells_run: int = 0
    sandboxed: bool = False
    leftover_processes: int = 0
    peak_rss_kb: int = 0
    """Peak resident memory of the process that ran the notebook [kB] (the grading worker)."""


def _plain_json(text: str) -> dict[str, dict[str, Any]]:
    """Parse the kernel's answer JSON and keep only well-formed entries of plain types."""
    if len(text) > MAX_ANSWER_CHARS:
        return {}
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return {}
    if type(data) is not dict:
        return {}
    clean: dict[str, dict[str, Any]] = {}
    for key, entry in data.items():
        if type(key) is str and type(entry) is dict and type(entry.get("ok")) is bool:
            clean[key] = {"ok": entry["ok"], "value": entry.get("value"),
                          "type": _learner_text(entry.get("type", ""))}
    return clean


_SAFE = re.compile(r"[^A-Za-z0-9_.]")
_MODULE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")


def _learner_text(value: Any, limit: int = 40) -> str:
    """Text that comes from learner code (an exception or type name): identifier characters
    only, cut to ``limit`` characters; never trusted, never long enough to carry a secret.

    >>> _learner_text("ValueError")
    'ValueError'
    >>> _learner_text("K_" + "x" * 100 + "<script>")[-3:]
    '...'
    """
    text = _SAFE.sub("", str(value))
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _kernel_env(workdir: Path) -> dict[str, str]:
    keep = ("PATH", "LANG", "LC_ALL", "TZ", "NUMBA_CACHE_DIR", "RESOURCEKIT_CACHE",
            "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "SYSTEMROOT")
    env = {k: os.environ[k] for k in keep if k in os.environ}
    env.setdefault("RESOURCEKIT_CACHE", str(Path.home() / ".cache" / "resourcekit"))
    env.setdefault("NUMBA_CACHE_DIR", str(Path.home() / ".cache" / "resourcekit" / "numba"))
    env["HOME"] = str(workdir)
    env["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"
    env["MPLBACKEND"] = "Agg"
    return env


def _die_with_parent_hook() -> Any:
    """A ``preexec_fn`` that ties the sandbox to this worker from the first instruction.

    bwrap's ``--die-with-parent`` is set only once bwrap runs; a worker killed between its
    fork and that moment left the sandbox running (seen once in CI: two bwrap processes of a
    pre-started kernel survived a SIGKILL of the grader). In the child, before exec: ask for
    SIGKILL when the parent dies (PR_SET_PDEATHSIG, kept across exec: no set-uid change),
    then exit at once if the parent is already gone.
    """
    import ctypes
    import signal

    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):  # pragma: no cover - not Linux
        return None
    parent = os.getpid()

    def hook() -> None:
        prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
        if os.getppid() != parent:
            os._exit(1)

    return hook


def _sandbox_manager_class():
    from jupyter_client.kernelspec import KernelSpec
    from jupyter_client.manager import AsyncKernelManager

    class SandboxKernelManager(AsyncKernelManager):
        """A kernel manager whose every launch (restarts included) is a new sandbox."""

        def __init__(self, *, rk_runtime: Path, rk_limits: SandboxLimits, **kwargs: Any):
            super().__init__(**kwargs)
            self.rk_runtime = rk_runtime
            self.rk_limits = rk_limits
            self.rk_uids: list[int] = []
            self.rk_launched: list[Any] = []
            # interrupts go as a control message: a signal to bwrap would not reach the kernel
            self._kernel_spec = KernelSpec(
                argv=[sys.executable, "-s", "-m", "ipykernel_launcher", "-f",
                      "{connection_file}"],
                display_name="Python 3 (sandboxed)", language="python",
                interrupt_mode="message")

        def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
            from .sandbox import new_uid

            cmd = super().format_kernel_cmd(extra_arguments)
            uid = new_uid()  # a fresh user id for every launch: nothing is shared with the last
            self.rk_uids.append(uid)
            os.chown(self.rk_runtime, uid, uid)
            os.chown(self.connection_file, uid, uid)
            return sandbox_command(cmd, uid=uid, runtime_dir=self.rk_runtime,
                                   limits=self.rk_limits)

        async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: Any) -> None:
            kw.setdefault("preexec_fn", _die_with_parent_hook())
            await super()._async_launch_kernel(kernel_cmd, **kw)
            self.rk_launched.append(self.provisioner.process)

    return SandboxKernelManager


class Kernel:
    """One kernel for one submission, sandboxed or not; :meth:`start` only launches it.

    Starting a kernel (a Python process importing ipykernel) takes about a second; a batch
    starts the next submission's kernel while the current one runs. A kernel serves one
    submission only: :func:`run_notebook` closes it when done.

    Parameters
    ----------
    sandbox : bool
        Run it in a bubblewrap sandbox (:mod:`.sandbox`).
    limits : SandboxLimits, optional
        Resource limits inside the sandbox.
    kernel_name : str
        Jupyter kernel for the unsandboxed case (the sandbox always runs this Python's
        ipykernel).
    """

    def __init__(self, *, sandbox: bool, limits: SandboxLimits | None = None,
                 kernel_name: str = "python3"):
        from jupyter_client.manager import AsyncKernelManager

        self.sandbox = sandbox
        self.root = Path(tempfile.mkdtemp(prefix="rk-grade-"))  # 0700, the grader's only
        if len(str(self.root)) > 60:  # IPC socket paths must stay under 108 bytes
            shutil.rmtree(self.root, ignore_errors=True)
            self.root = Path(tempfile.mkdtemp(prefix="rk-grade-", dir="/tmp"))
        self.workdir = self.root / "work"
        self.workdir.mkdir()
        self.runtime = self.root / "kernel"
        self.runtime.mkdir()
        conn = dict(transport="ipc", ip=str(self.runtime / "k"),
                    connection_file=str(self.runtime / "kernel.json"))
        if sandbox:
            cls = _sandbox_manager_class()
            self.km = cls(kernel_name=kernel_name, rk_runtime=self.runtime,
                          rk_limits=limits or SandboxLimits(), **conn)
        else:
            self.km = AsyncKernelManager(kernel_name=kernel_name, **conn)
        self.env = _kernel_env(self.workdir)
        if sandbox:
            self.env = sandbox_env(self.env)
        self.started = False
        self.closed = False

    def start(self, warm: list[str] | tuple[str, ...] = ()) -> Kernel:
        """Launch the kernel process (returns at once; readiness is awaited by the client).

        ``warm``: modules the kernel imports while it starts (names the grader took from the
        trusted master or bank, e.g. ``numpy``), so that a kernel launched ahead of its
        submission has done that work already. Nothing is bound in the learner's namespace.
        """
        from jupyter_core.utils import run_sync

        # no history file: the kernel would keep the learner's own code in its home folder
        extra = ["--HistoryManager.hist_file=:memory:"]
        mods = [m for m in warm if _MODULE.match(m)]
        if mods:
            extra += [f"--IPKernelApp.exec_lines=for _rk_m in {mods!r}: __import__(_rk_m)",
                      "--IPKernelApp.exec_lines=del _rk_m"]
        run_sync(self.km.start_kernel)(env=self.env, cwd=str(self.workdir),
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                       extra_arguments=extra)
        self.started = True
        return self

    def close(self) -> int:
        """Shut the kernel down, kill its whole sandbox, remove its folders.

        Returns the number of its processes still alive afterwards (0 unless killing failed).
        """
        if self.closed:
            return 0
        self.closed = True
        from jupyter_core.utils import run_sync

        left = 0
        try:
            if self.started and self.km.has_kernel:
                run_sync(self.km.shutdown_kernel)(now=True)
        except Exception:  # a dead or wedged kernel: the kill below takes it
            pass
        finally:
            if self.sandbox:
                left = len(kill_sandbox(self.km.rk_uids, processes=self.km.rk_launched))
            else:
                proc = getattr(self.km.provisioner, "process", None) if self.km.provisioner \
                    else None
                if proc is not None:
                    kill_sandbox([], processes=[proc])
            try:
                run_sync(self.km.cleanup_resources)()
            except Exception:
                pass
            shutil.rmtree(self.root, ignore_errors=True)
        return left


def _use_sandbox(sandbox: bool | None) -> bool:
    if sandbox is None:
        return sandbox_problem() is None
    if sandbox and sandbox_problem():
        from .sandbox import SandboxUnavailable

        raise SandboxUnavailable(f"cannot run the kernel in a sandbox: {sandbox_problem()}")
    return bool(sandbox)


def _capped_context() -> Any:
    """A zmq context whose every socket refuses message parts over :data:`MAX_MESSAGE_BYTES`."""
    import zmq
    import zmq.asyncio

    context = zmq.asyncio.Context()
    context.setsockopt(zmq.MAXMSGSIZE, MAX_MESSAGE_BYTES)
    return context


def _output_size(msg: dict[str, Any]) -> int:
    content = msg.get("content") or {}
    if msg.get("msg_type") == "stream":
        return len(content.get("text", ""))
    return len(json.dumps(content.get("data", {}))) + len(json.dumps(content.get("metadata", {})))


class _OutputCaps:
    """Per-cell and per-notebook output caps, with a visible note where output was cut.

    Output beyond :data:`MAX_OUTPUT_CHARS` in a cell or :data:`MAX_NOTEBOOK_OUTPUT_CHARS` in
    the notebook is dropped (a stream message is cut to what still fits); a message part
    larger than :data:`MAX_MESSAGE_BYTES` never reaches this process at all (libzmq drops it
    and reconnects), which a socket monitor reports. Either way the cell gets an output
    ``[output truncated by the grader ...]`` and the result a problem line saying so.
    """

    def __init__(self, result: RunResult) -> None:
        self.result = result
        self.per_cell: dict[int, int] = {}
        self.total = 0
        self.noted: set[int] = set()
        self.monitor: Any = None
        self.kc: Any = None

    def note(self, index: int, why: str, outs: list[Any] | None = None) -> None:
        if index in self.noted:
            return
        self.noted.add(index)
        self.result.errors.append(f"cell {index}: output truncated ({why})")
        if outs is not None:
            outs.append(nbformat.v4.new_output(
                "stream", name="stderr", text=f"[output truncated by the grader: {why}]\n"))

    def admit(self, outs: list[Any], msg: dict[str, Any], index: int) -> bool:
        if msg.get("msg_type") not in ("stream", "display_data", "execute_result",
                                       "update_display_data"):
            return True
        size = _output_size(msg)
        room = min(MAX_OUTPUT_CHARS - self.per_cell.get(index, 0),
                   MAX_NOTEBOOK_OUTPUT_CHARS - self.total)
        if size <= room:
            self.per_cell[index] = self.per_cell.get(index, 0) + size
            self.total += size
            return True
        notebook_full = (MAX_NOTEBOOK_OUTPUT_CHARS - self.total
                         < MAX_OUTPUT_CHARS - self.per_cell.get(index, 0))
        which = (f"more than the notebook's {MAX_NOTEBOOK_OUTPUT_CHARS:,}" if notebook_full
                 else f"more than {MAX_OUTPUT_CHARS:,}")
        if msg.get("msg_type") == "stream" and room > 0:
            msg["content"]["text"] = msg["content"]["text"][:room]
            self.per_cell[index] = self.per_cell.get(index, 0) + room
            self.total += room
            outs_ok = True
        else:
            outs_ok = False
        self.note(index, f"{which} characters of output", outs)
        return outs_ok

    def watch(self, kc: Any) -> None:
        """Listen for the iopub channel's disconnects (an oversized message was dropped)."""
        import zmq

        self.close()
        self.kc = kc
        try:
            address = f"inproc://rk-monitor-{id(self)}-{time.monotonic_ns()}"
            kc.iopub_channel.socket.monitor(address, zmq.EVENT_DISCONNECTED)
            sync = zmq.Context.shadow(kc.context.underlying)
            self.monitor = sync.socket(zmq.PAIR)
            self.monitor.connect(address)
        except Exception:  # no monitor: oversized messages are still dropped, unnoted
            self.monitor = None

    def check_dropped(self, index: int) -> None:
        import zmq

        if self.monitor is None:
            return
        dropped = False
        while True:
            try:
                self.monitor.recv_multipart(flags=zmq.NOBLOCK)
            except zmq.Again:
                break
            except zmq.ZMQError:
                break
            dropped = True
        if dropped:
            self.note(index, f"a message larger than {MAX_MESSAGE_BYTES:,} bytes was dropped "
                             "unread")
            self.reconnect()

    def reconnect(self) -> None:
        """Connect the iopub channel again (libzmq does not after an oversized message)."""
        try:
            sock = self.kc.iopub_channel.socket
            url = self.kc._make_url("iopub")
            try:
                sock.disconnect(url)
            except Exception:
                pass
            sock.connect(url)
            time.sleep(0.2)  # the subscription reaches the kernel before the next cell
        except Exception:
            pass

    def close(self) -> None:
        if self.monitor is not None:
            try:
                self.monitor.close(linger=0)
            except Exception:
                pass
            self.monitor = None


def run_notebook(
    notebook: str | Path | nbformat.NotebookNode,
    answer_names: list[str],
    *,
    cell_timeout: float = 30.0,
    kernel_name: str = "python3",
    sandbox: bool | None = None,
    limits: SandboxLimits | None = None,
    kernel: Kernel | None = None,
) -> RunResult:
    """Execute ``notebook`` cell by cell in a fresh kernel; return the answers it defines.

    The notebook is read (never written); the kernel starts in an empty temporary folder with a
    clean environment, in a sandbox of its own where the machine allows it. Errors in cells are
    recorded and execution goes on. The kernel (and its whole sandbox) is ended on return.

    Parameters
    ----------
    notebook : path or NotebookNode
        The submission.
    answer_names : list of str
        Variables to collect (the questions' ``answer`` names).
    cell_timeout : float
        Seconds a cell may run before it is interrupted [s].
    kernel_name : str
        Jupyter kernel to start (unsandboxed runs).
    sandbox : bool or None
        ``True``: sandbox or raise :class:`~.sandbox.SandboxUnavailable`; ``False``: run the
        kernel as this user; ``None`` (default): sandbox where available.
    limits : SandboxLimits, optional
        Resource limits in the sandbox.
    kernel : Kernel, optional
        An already launched, unused kernel (a batch starts the next one early); it is closed
        here.
    """
    from nbclient.exceptions import DeadKernelError

    from .._notebooks import headless_client_class

    # a learner's Output widget must not stall the grader on the shell socket (nbclient#312;
    # see resourcekit._notebooks)
    NotebookClient = headless_client_class()

    if kernel is None:
        kernel = Kernel(sandbox=_use_sandbox(sandbox), limits=limits, kernel_name=kernel_name)
    try:
        if isinstance(notebook, nbformat.NotebookNode):
            nb = nbformat.from_dict(json.loads(json.dumps(notebook)))
        else:
            nb = nbformat.read(str(notebook), as_version=4)
    except BaseException:
        kernel.close()
        raise
    result = RunResult(sandboxed=kernel.sandbox)
    cells = list(nb.cells)
    nb.cells.append(nbformat.v4.new_code_cell(""))  # scratch slot for the grader's own cells
    scratch = len(nb.cells) - 1
    extract_src = _EXTRACT.replace("__MARK__", _MARK).replace("__NAMES__", repr(list(answer_names)))

    caps = _OutputCaps(result)

    class _Client(NotebookClient):
        def output(self, outs, msg, display_id, cell_index):  # type: ignore[override]
            if cell_index != scratch and not caps.admit(outs, msg, cell_index):
                return None
            return super().output(outs, msg, display_id, cell_index)

    context = _capped_context()
    make_client = kernel.km.client
    kernel.km.client = lambda **kw: make_client(context=context, **kw)  # every (re)connection
    client = _Client(
        nb,
        km=kernel.km,
        timeout=int(max(1, cell_timeout)),
        kernel_name=kernel_name,
        allow_errors=True,
        interrupt_on_timeout=True,
        error_on_timeout={"ename": "CellTimeout", "evalue": "cell timed out", "traceback": []},
        record_timing=False,
        iopub_timeout=2,
        raise_on_iopub_timeout=False,
        resources={"metadata": {"path": str(kernel.workdir)}},
        shutdown_kernel="immediate",
        startup_timeout=120,
    )

    def probe(timeout: float) -> bool:
        """True when the kernel answers a trivial request within ``timeout`` seconds."""
        cell = nbformat.v4.new_code_cell("pass")
        old = client.timeout
        client.timeout = int(max(1, timeout))
        start = time.monotonic()
        try:
            client.execute_cell(cell, scratch, store_history=False)
        except Exception:
            return False
        finally:
            client.timeout = old
        return time.monotonic() - start < timeout and not cell.outputs

    def collect() -> None:
        # after a dropped oversized message the iopub channel reconnects: its first messages
        # can be lost, so a reply without the answers is asked for again (at most 3 times)
        for _ in range(3):
            cell = nbformat.v4.new_code_cell(extract_src)
            old = client.timeout
            client.timeout = 10
            try:
                client.execute_cell(cell, scratch, store_history=False)
            finally:
                client.timeout = old
            for out in cell.outputs:
                if out.get("output_type") == "stream" and _MARK in out.get("text", ""):
                    text = out["text"].split(_MARK, 1)[1].strip().splitlines()[0]
                    result.answers.update(_plain_json(text))
                    return
            if not caps.noted:
                return
            caps.check_dropped(scratch)
            caps.reconnect()

    def restart() -> None:
        result.restarts += 1
        from jupyter_core.utils import run_sync

        client.kc.stop_channels()
        run_sync(client.km.restart_kernel)(now=True)
        client.kc = client.km.client()
        client.kc.start_channels()
        run_sync(client.kc.wait_for_ready)(timeout=60)
        caps.watch(client.kc)

    try:
        if not kernel.started:
            kernel.start()
        pending = False
        with client.setup_kernel(env=kernel.env, cwd=str(kernel.workdir),
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL):
            caps.watch(client.kc)
            for index, cell in enumerate(cells):
                if cell.cell_type != "code" or not cell.source.strip():
                    continue
                try:
                    start = time.monotonic()
                    client.execute_cell(cell, index)
                    caps.check_dropped(index)
                    result.cells_run += 1
                    if time.monotonic() - start >= cell_timeout:
                        result.timed_out_cells.append(index)
                        result.errors.append(f"cell {index}: timed out after {cell_timeout:g} s")
                        if not probe(5):
                            restart()
                            continue
                    for out in cell.outputs:
                        if out.get("output_type") == "error" and out.get("ename") != "CellTimeout":
                            result.errors.append(
                                f"cell {index}: {_learner_text(out.get('ename'))}")
                    # a snapshot after each cell that names an answer keeps it safe from a
                    # later crash; the final snapshot below catches answers set otherwise
                    if any(name in cell.source for name in answer_names):
                        collect()
                        pending = False
                    else:
                        pending = True
                except DeadKernelError:
                    result.errors.append(f"cell {index}: the kernel died")
                    restart()
                except Exception as err:  # a broken cell must never stop the run
                    result.errors.append(f"cell {index}: {type(err).__name__}")
                    try:
                        if not probe(5):
                            restart()
                    except Exception:
                        restart()
            if pending:
                try:
                    collect()
                except Exception as err:
                    result.errors.append(f"final answers not read: {type(err).__name__}")
    except Exception as err:  # the kernel never came up, or a restart failed
        result.errors.append(f"the kernel failed: {type(err).__name__}")
    finally:
        try:
            if client.kc is not None:
                client.kc.stop_channels()
        except Exception:
            pass
        caps.close()
        result.leftover_processes = kernel.close()
        kernel.km.client = make_client
        context.destroy(linger=0)
        if result.leftover_processes:
            result.errors.append(f"{result.leftover_processes} sandbox process(es) survived "
                                 "the kill")
    return result
