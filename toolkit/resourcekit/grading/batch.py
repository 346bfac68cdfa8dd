"""Batches: which files are graded, a pool of sandboxed kernels, and what happens when it fails.

The grader decides what is graded
---------------------------------
The exercise or exam of a batch comes from the command (``exercise=`` / ``exam=``); a
submission's metadata is only *checked* against it. Every ``*.ipynb`` of the folder (any case:
``*.IPYNB`` too) gets exactly one row in the gradebook: a file that is a symbolic link (never
followed), not a regular file, larger than :data:`MAX_SUBMISSION_BYTES`, not valid JSON, not a
notebook, without the course's metadata, or made for another exercise or exam gets a row with
the reason and no points. The batch always completes and writes its gradebook.

The pool
--------
``jobs`` worker processes each grade one submission at a time in a fresh kernel (sandboxed,
see :mod:`.sandbox`) and launch the kernel for their next submission while the current one runs
(every kernel still serves one submission only). A worker that dies is replaced and its
submission retried once; a second death gives that submission a row with the reason, never
zeroing anyone else. A submission that runs longer than ``submission_timeout`` is stopped (its
worker killed and replaced), and after ``deadline`` seconds the batch stops, giving the
remaining submissions a row that says so. Workers die with the grader (``PR_SET_PDEATHSIG``),
and their sandboxes die with them (``bwrap --die-with-parent``).
"""

from __future__ import annotations

import collections
import hashlib
import json
import multiprocessing
import os
import sys
import time
from dataclasses import dataclass, field
from multiprocessing.connection import wait
from pathlib import Path
from typing import Any

from ..errors import GradingError
from .runner import Kernel, RunResult, run_notebook
from .sandbox import SandboxLimits, sandbox_problem

__all__ = [
    "MAX_SUBMISSION_BYTES",
    "Submission",
    "scan_submissions",
    "Task",
    "run_tasks",
    "sandbox_policy",
    "imported_modules",
]

MAX_SUBMISSION_BYTES = 5_000_000
"""A submission larger than this [bytes] is not graded (a course notebook is far smaller)."""


@dataclass
class Submission:
    """One ``*.ipynb`` entry of a submissions folder, read once and checked."""

    path: Path
    name: str
    stem: str
    sha256: str = ""
    text: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    problem: str | None = None


def _short(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _check_file(path: Path) -> Submission:
    sub = Submission(path=path, name=path.name, stem=path.stem)
    try:
        st = os.lstat(path)
    except OSError as err:
        sub.problem = f"cannot be read ({type(err).__name__})"
        return sub
    import stat

    if stat.S_ISLNK(st.st_mode):
        sub.problem = "a symbolic link: links are never followed; hand in the notebook file itself"
        return sub
    if not stat.S_ISREG(st.st_mode):
        sub.problem = "not a regular file"
        return sub
    if st.st_size > MAX_SUBMISSION_BYTES:
        sub.problem = (f"{st.st_size} bytes, more than the {MAX_SUBMISSION_BYTES} allowed "
                       "(clear the outputs and hand it in again)")
        return sub
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        with os.fdopen(fd, "rb") as fh:
            data = fh.read(MAX_SUBMISSION_BYTES + 1)
    except OSError as err:
        sub.problem = f"cannot be read ({type(err).__name__})"
        return sub
    sub.sha256 = hashlib.sha256(data).hexdigest()
    if len(data) > MAX_SUBMISSION_BYTES:
        sub.problem = f"more than the {MAX_SUBMISSION_BYTES} bytes allowed"
        return sub
    try:
        text = data.decode("utf-8")
        raw = json.loads(text)
    except UnicodeDecodeError:
        sub.problem = "not UTF-8 text, so not a notebook"
        return sub
    except (ValueError, RecursionError) as err:
        where = f" (line {err.lineno})" if hasattr(err, "lineno") else ""
        sub.problem = f"not valid JSON{where}, so not a notebook"
        return sub
    if type(raw) is not dict or type(raw.get("cells")) is not list:
        sub.problem = "not a Jupyter notebook (no list of cells)"
        return sub
    import nbformat

    try:
        nb = nbformat.reads(text, as_version=4)
    except Exception as err:
        sub.problem = f"not a Jupyter notebook nbformat can read ({type(err).__name__})"
        return sub
    meta = nb.metadata.get("resourcekit")
    if type(meta) is not dict and not hasattr(meta, "keys"):
        sub.problem = ("no 'resourcekit' metadata: not a notebook handed out by the course "
                       "(start from the student version and keep its metadata)")
        return sub
    sub.meta = dict(meta)
    sub.text = text
    return sub


def scan_submissions(submissions: str | Path, results: str | Path) -> list[Submission]:
    """Every ``*.ipynb`` entry (any case) of ``submissions``, read once, each checked.

    Never follows a symbolic link; a problem is recorded on the entry, not raised, so every
    file gets a gradebook row.

    Raises
    ------
    GradingError
        The folder does not exist, holds no ``*.ipynb`` entry, or is the results folder.
    """
    submissions, results = Path(submissions), Path(results)
    if not submissions.is_dir():
        raise GradingError(f"submissions folder {submissions} does not exist")
    if results.resolve() == submissions.resolve():
        raise GradingError("the results folder must differ from the submissions folder "
                           "(submissions are never written)")
    paths = sorted((Path(e.path) for e in os.scandir(submissions)
                    if e.name.lower().endswith(".ipynb") and not e.name.startswith(".")),
                   key=lambda p: p.name)
    if not paths:
        raise GradingError(f"no *.ipynb submissions in {submissions}")
    subs = [_check_file(p) for p in paths]
    stems = collections.Counter(s.stem.lower() for s in subs)
    for s in subs:  # a.ipynb and a.IPYNB must not share a results file
        if stems[s.stem.lower()] > 1:
            s.stem = s.name.replace(".", "_")
    return subs


def sandbox_policy(sandbox: bool | None, *, exam: bool) -> bool:
    """Decide whether a batch runs sandboxed; exams refuse to run without the sandbox.

    ``sandbox=None`` (default): sandboxed where bwrap works; an exam batch raises
    :class:`GradingError` where it does not, a practice batch prints a warning and runs
    without it. ``True``: sandbox or raise. ``False``: no sandbox (practice only).
    """
    problem = sandbox_problem()
    if exam:
        if sandbox is False:
            raise GradingError("exam grading always runs every kernel in the sandbox; "
                               "--no-sandbox is for practice batches only")
        if problem:
            raise GradingError(
                "refusing to grade an exam without the sandbox: " + problem + ". Install "
                "bubblewrap (make sandbox) and grade as root on a machine where bwrap can "
                "create user, PID and network namespaces.")
        return True
    if sandbox is False:
        print("WARNING: grading WITHOUT the sandbox (--no-sandbox): learner code runs as "
              "this user and can read or change whatever this user can.", file=sys.stderr)
        return False
    if problem:
        if sandbox:
            raise GradingError(f"the grading sandbox is not available: {problem}")
        print(f"WARNING: the grading sandbox is not available ({problem}); grading this "
              "practice batch WITHOUT it. Learner code runs as this user. Pass "
              "--no-sandbox to accept this explicitly; exams are never graded this way.",
              file=sys.stderr)
        return False
    return True


@dataclass
class Task:
    """One notebook to run: ``key`` names it in the results; ``text`` is the notebook JSON."""

    key: str
    text: str
    names: list[str]
    cell_timeout: float


def imported_modules(code: str | list[str]) -> list[str]:
    """Absolute module names that ``code`` (trusted master or bank code) imports, in order.

    A batch's kernels import them while they start (see :meth:`.runner.Kernel.start`).

    >>> imported_modules("import numpy as np\\nfrom resourcekit import separation as sep")
    ['numpy', 'resourcekit.separation', 'resourcekit']
    """
    import ast

    out: list[str] = []
    for text in [code] if isinstance(code, str) else code:
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError):
            continue
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [f"{node.module}.{a.name}" for a in node.names if a.name != "*"]
                names.append(node.module)
            for name in names:
                if name not in out:
                    out.append(name)
    return out


def _die_with_parent() -> None:
    """Ask Linux to SIGKILL this process when its parent (the grader) dies."""
    try:
        import ctypes
        import signal

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
        if os.getppid() == 1:  # the grader is already gone
            os._exit(1)
    except Exception:
        pass


def _peak_rss_kb() -> int:
    """This process's peak resident memory so far [kB] (Linux ``ru_maxrss``)."""
    import resource

    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def _worker_main(conn: Any, sandbox: bool, limits: SandboxLimits | None,
                 prestart: bool, warm: list[str]) -> None:
    import nbformat

    _die_with_parent()
    spare: Kernel | None = None
    try:
        while True:
            try:
                msg = conn.recv()
            except EOFError:
                return
            if msg is None:
                return
            key, text, names, cell_timeout, more = msg
            try:
                kernel = spare if spare is not None else Kernel(sandbox=sandbox,
                                                                limits=limits).start(warm)
                spare = None
                if prestart and more:  # the next submission's kernel starts up meanwhile
                    spare = Kernel(sandbox=sandbox, limits=limits)
                    try:
                        spare.start(warm)
                    except Exception:  # the next one starts its kernel inline instead
                        spare.close()
                        spare = None
                result = run_notebook(nbformat.reads(text, as_version=4), names,
                                      cell_timeout=cell_timeout, kernel=kernel)
            except Exception as err:
                result = RunResult(errors=[f"grading failed: {type(err).__name__}"],
                                   sandboxed=sandbox)
            result.peak_rss_kb = _peak_rss_kb()
            conn.send((key, result))
    finally:
        if spare is not None:
            spare.close()


@dataclass
class _Worker:
    process: Any
    conn: Any
    task: Task | None = None
    started: float = 0.0


def run_tasks(tasks: list[Task], *, jobs: int | None = None, sandbox: bool = True,
              limits: SandboxLimits | None = None, deadline: float | None = None,
              submission_timeout: float | None = None, prestart: bool = True,
              retries: int = 1, warm: list[str] | None = None) -> dict[str, RunResult]:
    """Run every task in a pool of ``jobs`` workers; return a :class:`RunResult` per key.

    Parameters
    ----------
    tasks : list of Task
        Notebooks to run (keys unique).
    jobs : int, optional
        Workers (default: the number of cores).
    sandbox : bool
        Run every kernel in a sandbox.
    limits : SandboxLimits, optional
        Resource limits in the sandbox.
    deadline : float, optional
        Seconds for the whole batch [s]; submissions not done by then get a row saying so.
    submission_timeout : float, optional
        Seconds one submission may take in all [s] (default ``60 + 20 * cell_timeout``).
    prestart : bool
        Launch each worker's next kernel while it grades the current submission.
    retries : int
        How often a submission whose worker died is tried again.
    warm : list of str, optional
        Modules every kernel imports while it starts (from trusted code:
        :func:`imported_modules` of the master or the bank's imports).
    """
    results: dict[str, RunResult] = {}
    if not tasks:
        return results
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(tasks)))
    ctx = multiprocessing.get_context("spawn")
    queue = collections.deque(tasks)
    deaths: collections.Counter[str] = collections.Counter()
    workers: list[_Worker] = []
    start = time.monotonic()
    end = start + deadline if deadline else None

    def spawn() -> _Worker:
        parent, child = ctx.Pipe()
        proc = ctx.Process(target=_worker_main,
                           args=(child, sandbox, limits, prestart, list(warm or [])),
                           daemon=True, name="resourcekit-grader")
        proc.start()
        child.close()
        return _Worker(proc, parent)

    def dispatch(w: _Worker) -> None:
        if not queue:
            w.task = None
            return
        t = queue.popleft()
        w.task, w.started = t, time.monotonic()
        try:
            w.conn.send((t.key, t.text, t.names, t.cell_timeout, bool(queue)))
        except OSError:  # it died meanwhile: the loop below sees it
            pass

    def kill(w: _Worker) -> None:
        try:
            w.process.kill()
            w.process.join(5)
        except Exception:
            pass
        try:
            w.conn.close()
        except Exception:
            pass

    try:
        for _ in range(jobs):
            w = spawn()
            workers.append(w)
            dispatch(w)
        while any(w.task for w in workers):
            now = time.monotonic()
            if end is not None and now >= end:
                break
            busy = [w for w in workers if w.task]
            ready = wait([w.conn for w in busy] + [w.process.sentinel for w in busy],
                         timeout=0.5 if end is None else max(0.0, min(0.5, end - now)))
            for w in busy:
                task = w.task
                assert task is not None
                died = False
                if w.conn in ready:
                    try:
                        key, result = w.conn.recv()
                    except (EOFError, OSError):
                        died = True
                    else:
                        results[key] = result
                        dispatch(w)
                        continue
                elif w.process.sentinel in ready or not w.process.is_alive():
                    died = True
                limit = submission_timeout or (60 + 20 * task.cell_timeout)
                if not died and time.monotonic() - w.started > limit:
                    kill(w)
                    results[task.key] = RunResult(
                        errors=[f"stopped: took more than {limit:g} s in all"], sandboxed=sandbox)
                    workers[workers.index(w)] = nw = spawn()
                    dispatch(nw)
                    continue
                if died:
                    kill(w)
                    deaths[task.key] += 1
                    if deaths[task.key] <= retries:
                        queue.appendleft(task)
                    else:
                        results[task.key] = RunResult(
                            errors=[f"the grading worker died {deaths[task.key]} times while "
                                    "running this submission: not graded"], sandboxed=sandbox)
                    workers[workers.index(w)] = nw = spawn()
                    dispatch(nw)
    finally:
        for w in workers:
            if w.task is None:
                try:
                    w.conn.send(None)
                except OSError:
                    pass
        stop_by = time.monotonic() + 10
        for w in workers:
            if w.task is None:
                w.process.join(max(0.1, stop_by - time.monotonic()))
            kill(w)
    note = (f"not graded: the batch deadline of {deadline:g} s passed first"
            if deadline else "not graded: the batch was stopped")
    for t in tasks:
        if t.key not in results:
            results[t.key] = RunResult(errors=[note], sandboxed=sandbox)
    return results
