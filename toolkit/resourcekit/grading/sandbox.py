"""A bubblewrap sandbox for each learner kernel.

Learner code is hostile by assumption. Each kernel the grader starts runs inside its own
`bubblewrap <https://github.com/containers/bubblewrap>`_ (``bwrap``, Debian package
``bubblewrap``) sandbox:

* its own PID namespace (``--unshare-pid``, a fresh ``/proc``): it sees neither the grader nor
  other kernels, so it cannot read their ``/proc/<pid>/environ`` or ``/proc/<pid>/mem``, signal
  them or connect to them;
* no network (``--unshare-net``), its own IPC and UTS namespaces, a new session
  (``--new-session``: no terminal injection) and ``--die-with-parent``;
* a separate, unprivileged user id drawn at random from :data:`UID_RANGE` for every launch
  (``setpriv --reuid --regid --clear-groups`` inside the sandbox, all capabilities dropped,
  ``no_new_privs`` set by bwrap): the id owns no file on the host;
* a file system built from scratch: read-only binds of the system folders (``/usr``, the
  ``/lib*`` links, a few files of ``/etc``), of the Python installation, the virtual environment
  and the ``resourcekit`` package; a private ``tmpfs`` for ``/tmp`` (working folder and
  ``HOME``); one writable folder holding only this kernel's connection file and IPC sockets.
  The certificate key, the results folder, other submissions, the exam bank and the
  repository's ``exercises/`` are simply not there;
* resource limits set with ``prlimit`` before the kernel starts: address space (memory),
  CPU time, process count (``RLIMIT_NPROC`` counts per user id, and every sandbox has its own)
  and file size;
* at the end of the submission the whole sandbox is killed: the kernel manager kills bwrap's
  process group, bwrap's ``--die-with-parent`` and the PID namespace take every descendant with
  them (a detached ``setsid`` child included), and :func:`kill_sandbox` then kills whatever still
  runs under the sandbox's user id and checks that nothing is left.

What this still trusts: the Linux kernel (a kernel exploit escapes any namespace sandbox),
bubblewrap itself, and that the grader runs as root (or with user namespaces enabled) so bwrap
can create the namespaces. The lecturer guide lists what an academy should add.
"""

from __future__ import annotations

import functools
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import GradingError

__all__ = [
    "SandboxLimits",
    "SandboxUnavailable",
    "sandbox_problem",
    "sandbox_command",
    "read_only_paths",
    "new_uid",
    "processes_of",
    "kill_sandbox",
    "UID_RANGE",
]

UID_RANGE = (200_000, 1_200_000)
"""Unprivileged user ids for sandboxes: above every ordinary account, one per kernel launch."""

_ETC = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "alternatives", "fonts",
        "mime.types", "ssl", "ca-certificates", "nsswitch.conf", "passwd", "group",
        "matplotlibrc", "os-release", "debian_version")


class SandboxUnavailable(GradingError):
    """bubblewrap is missing or cannot create the namespaces the sandbox needs."""


@dataclass(frozen=True)
class SandboxLimits:
    """Resource limits of one sandboxed kernel (``prlimit``; each applies per process).

    Parameters
    ----------
    memory : int
        Address space of each process [bytes] (``RLIMIT_AS``); an allocation above it raises
        ``MemoryError`` in the learner's code.
    cpu_seconds : int
        CPU time of each process [s] (``RLIMIT_CPU``); the per-cell timeout stops loops first,
        this stops a background thread that spins across cells.
    processes : int
        Processes and threads of the sandbox's user id (``RLIMIT_NPROC``); stops a fork bomb.
    file_size : int
        Largest file the kernel may write in its private ``/tmp`` [bytes] (``RLIMIT_FSIZE``).
    tmp_size : int
        Size of the private ``/tmp`` (a ``tmpfs``, held in memory) [bytes].

    >>> SandboxLimits().processes
    256
    """

    memory: int = 4 * 1024**3
    cpu_seconds: int = 900
    processes: int = 256
    file_size: int = 256 * 1024**2
    tmp_size: int = 512 * 1024**2

    def prlimit_args(self) -> list[str]:
        """The ``prlimit`` options for these limits (soft = hard)."""
        return [f"--as={int(self.memory)}", f"--cpu={int(self.cpu_seconds)}",
                f"--nproc={int(self.processes)}", f"--fsize={int(self.file_size)}", "--core=0"]


def _which(name: str) -> str | None:
    for folder in ("/usr/bin", "/bin", "/usr/sbin", "/sbin"):
        if os.access(f"{folder}/{name}", os.X_OK):
            return f"{folder}/{name}"
    return shutil.which(name)


def read_only_paths() -> list[str]:
    """Host folders bound read-only into every sandbox (system, Python, venv, resourcekit).

    Only what a kernel needs to run Python with the toolkit: the Python installation
    (``sys.base_prefix``), the environment (``sys.prefix``), the folder that holds the
    ``resourcekit`` package (an editable install points at ``toolkit/``) and the toolkit's
    dataset folder. Never the repository root, so ``exercises/`` (the bank, the masters) is
    not visible.
    """
    import resourcekit

    paths = [sys.base_prefix, sys.prefix, str(Path(resourcekit.__file__).resolve().parents[1])]
    try:
        from resourcekit.datasets import data_dir

        paths.append(str(Path(data_dir()).resolve()))
    except Exception:  # the dataset folder is optional for grading
        candidate = Path(resourcekit.__file__).resolve().parents[2] / "datasets"
        if candidate.is_dir():
            paths.append(str(candidate))
    out: list[str] = []
    for p in sorted({os.path.realpath(p) for p in paths}):
        if p in ("/", "/usr") or not os.path.isdir(p):
            continue
        if any(p.startswith(q + "/") for q in out):
            continue
        out.append(p)
    return out


def _system_args() -> list[str]:
    args = ["--ro-bind", "/usr", "/usr"]
    for name in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        path = Path("/") / name
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir():
            args += ["--ro-bind", str(path), str(path)]
    for name in _ETC:
        path = Path("/etc") / name
        if path.exists():
            args += ["--ro-bind", str(path), str(path)]
    return args


def _dirs_for(paths: list[str]) -> list[str]:
    """``--perms 0755 --dir`` for every parent of the bind targets (bwrap makes them 0700)."""
    parents: set[str] = set()
    for p in paths:
        for parent in Path(p).parents:
            if str(parent) not in ("/", "/usr") and not str(parent).startswith("/usr/"):
                parents.add(str(parent))
    args: list[str] = []
    for parent in sorted(parents, key=lambda s: (s.count("/"), s)):
        args += ["--perms", "0755", "--dir", parent]
    return args


def new_uid() -> int:
    """A fresh unprivileged user id for one sandbox launch, from :data:`UID_RANGE`.

    >>> UID_RANGE[0] <= new_uid() < UID_RANGE[1]
    True
    """
    return UID_RANGE[0] + secrets.randbelow(UID_RANGE[1] - UID_RANGE[0])


def sandbox_command(argv: list[str], *, uid: int, runtime_dir: str | Path,
                    limits: SandboxLimits | None = None,
                    workdir: str = "/tmp/work") -> list[str]:
    """The full command line that runs ``argv`` in a new sandbox as user ``uid``.

    ``runtime_dir`` (the kernel's connection file and IPC sockets) is the only host folder
    bound writable, at the same path (the grader connects to the same socket paths).

    Parameters
    ----------
    argv : list of str
        The command to run inside (e.g. the ipykernel launcher).
    uid : int
        Unprivileged user (and group) id of every process in the sandbox.
    runtime_dir : path
        Host folder for connection file and sockets; must be owned by ``uid``.
    limits : SandboxLimits, optional
        Resource limits (default :class:`SandboxLimits`).
    workdir : str
        Working folder inside the sandbox (in its private ``/tmp``).
    """
    bwrap, setpriv, prlimit = _which("bwrap"), _which("setpriv"), _which("prlimit")
    if not (bwrap and setpriv and prlimit):
        raise SandboxUnavailable(
            "the grading sandbox needs bwrap (Debian package 'bubblewrap') and setpriv and "
            "prlimit (package 'util-linux'); missing: "
            + ", ".join(n for n, p in (("bwrap", bwrap), ("setpriv", setpriv),
                                        ("prlimit", prlimit)) if not p))
    limits = limits or SandboxLimits()
    runtime = os.path.realpath(str(runtime_dir))
    ro = read_only_paths()
    cmd = [bwrap, "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
           "--unshare-cgroup-try", "--hostname", "sandbox", "--die-with-parent",
           "--new-session", *_system_args(), "--proc", "/proc", "--dev", "/dev",
           "--perms", "1777", "--size", str(int(limits.tmp_size)), "--tmpfs", "/tmp",
           "--perms", "0777", "--dir", workdir, "--perms", "0777", "--dir", "/tmp/home"]
    # bound after the private /tmp, so that a checkout or environment under /tmp (a CI clone)
    # stays visible (read-only) instead of being hidden by the tmpfs
    cmd += _dirs_for(ro)
    for p in ro:
        cmd += ["--ro-bind", p, p]
    cmd += [*_dirs_for([runtime]), "--bind", runtime, runtime, "--chdir", workdir,
            "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID", "--",
            setpriv, f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
            "--inh-caps=-all", "--", prlimit, *limits.prlimit_args(), "--",
            # ipykernel watches JPY_PARENT_PID, a host pid it cannot see from here
            "/usr/bin/env", "-u", "JPY_PARENT_PID", *argv]
    return cmd


def sandbox_env(env: dict[str, str]) -> dict[str, str]:
    """The kernel environment inside the sandbox: ``HOME`` and caches in the private /tmp."""
    out = dict(env)
    out["HOME"] = "/tmp/home"
    out["TMPDIR"] = "/tmp"
    out["RESOURCEKIT_CACHE"] = "/tmp/home/.cache/resourcekit"
    out["NUMBA_CACHE_DIR"] = "/tmp/home/.cache/numba"
    out["MPLCONFIGDIR"] = "/tmp/home/.config/matplotlib"
    out["IPYTHONDIR"] = "/tmp/home/.ipython"
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        out.setdefault(var, "1")
    return out


@functools.lru_cache(maxsize=1)
def sandbox_problem() -> str | None:
    """Why the sandbox cannot be used here, or ``None`` when it works.

    Runs a trivial Python command in a full sandbox once per process (about 50 ms).
    """
    import tempfile

    if not sys.platform.startswith("linux"):
        return f"the grading sandbox needs Linux (this is {sys.platform})"
    try:
        with tempfile.TemporaryDirectory(prefix="rk-probe-") as runtime:
            uid = new_uid()
            os.chown(runtime, uid, uid)
            cmd = sandbox_command([sys.executable, "-s", "-c", "import os; print(os.getuid())"],
                                  uid=uid, runtime_dir=runtime)
            run = subprocess.run(cmd, capture_output=True, text=True, timeout=60,
                                 env=sandbox_env({"PATH": "/usr/bin:/bin"}))
    except SandboxUnavailable as err:
        return str(err)
    except PermissionError as err:
        return (f"cannot hand the sandbox folder to an unprivileged user ({err}); the sandbox "
                "needs the grader to run as root")
    except (OSError, subprocess.SubprocessError) as err:
        return f"bwrap failed to start: {type(err).__name__}: {err}"
    if run.returncode != 0 or run.stdout.strip() != str(uid):
        tail = (run.stderr.strip().splitlines() or ["no message"])[-1][:300]
        return (f"bwrap cannot create the sandbox here (exit {run.returncode}: {tail}); it "
                "needs to run as root, or unprivileged user namespaces")
    return None


def processes_of(uids: set[int] | list[int]) -> list[int]:
    """Host pids of every live process whose real, effective or saved user id is in ``uids``.

    Zombies (dead, waiting for their parent to reap them) are not counted.
    """
    wanted = {str(u) for u in uids}
    found: list[int] = []
    if not wanted:
        return found
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/status", encoding="ascii", errors="replace") as fh:
                for line in fh:
                    if line.startswith("State:") and line.split()[1] == "Z":
                        break
                    if line.startswith("Uid:"):
                        if wanted & set(line.split()[1:4]):
                            found.append(int(entry.name))
                        break
        except OSError:
            continue
    return found


def _stat(pid: int | str) -> list[str]:
    with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
        return fh.read().rsplit(")", 1)[1].split()


def _children(pid: int) -> list[int]:
    out = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                if int(_stat(entry.name)[1]) == pid:
                    out.append(int(entry.name))
            except (OSError, ValueError, IndexError):
                continue
    return out


def _running(pid: int) -> bool:
    """True for a live process (a zombie, dead and waiting to be reaped, is not)."""
    try:
        return _stat(pid)[0] != "Z"
    except (OSError, IndexError):
        return False


def kill_sandbox(uids: set[int] | list[int], *, timeout: float = 5.0,
                 processes: list[Any] | None = None) -> list[int]:
    """Kill every process of the sandbox user ids ``uids``; return those still alive (none).

    ``processes`` (``subprocess.Popen`` objects of the bwrap launchers) go first: the init
    process of each sandbox's PID namespace (bwrap's child) is killed, which makes Linux kill
    every process in that namespace, then the launcher itself is killed and reaped. Then every
    process running as one of ``uids`` gets ``SIGKILL`` until none is left (nor any of those
    init processes) or ``timeout`` [s] passes.
    """
    inits: list[int] = []
    for proc in processes or []:
        if proc.poll() is None:
            inits += _children(proc.pid)
    for pid in inits:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    for proc in processes or []:
        try:
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except OSError:
                    proc.kill()
            proc.wait(timeout=timeout)
        except (OSError, subprocess.SubprocessError):
            pass
    deadline = time.monotonic() + timeout
    while True:
        alive = processes_of(uids) + [p for p in inits if _running(p)]
        if not alive or time.monotonic() > deadline:
            return alive
        for pid in alive:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        time.sleep(0.02)
