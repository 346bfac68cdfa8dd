"""The kernel sandbox itself: what learner code inside it can see, reach and use.

One sandboxed run of a probing notebook (module fixture) answers every question at once; each
test asserts one property. The sandbox must work here (the Makefile's `sandbox` target installs
bubblewrap): no test is skipped when it does not, they fail.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from conftest import host_pids
from nbformat.v4 import new_code_cell, new_notebook
from resourcekit.errors import GradingError
from resourcekit.grading import batch as batch_mod
from resourcekit.grading.runner import run_notebook
from resourcekit.grading.sandbox import (
    UID_RANGE,
    SandboxLimits,
    processes_of,
    sandbox_command,
    sandbox_problem,
)

REPO = Path(__file__).resolve().parents[1]
LIMITS = SandboxLimits(memory=1024**3, cpu_seconds=6, processes=48)


@pytest.fixture(scope="module")
def probe(tmp_path_factory):
    assert sandbox_problem() is None, sandbox_problem()
    host = tmp_path_factory.mktemp("host")
    secret_file = host / "certificate.key"
    secret = "SECRET-" + uuid.uuid4().hex
    secret_file.write_text(secret)
    marker = "RKDETACHED" + uuid.uuid4().hex[:8]
    os.environ["RK_SANDBOX_TEST_SECRET"] = secret  # in the grader's environment only
    cells = {
        "uid": "import os\nuid = os.getuid()\ngroups = os.getgroups()",
        "pids": "pids = sorted(int(p) for p in os.listdir('/proc') if p.isdigit())",
        "environ": (
            "env_hits = 0\n"
            "for p in os.listdir('/proc'):\n"
            "    try:\n"
            f"        env_hits += {secret!r}.encode() in "
            "open(f'/proc/{p}/environ', 'rb').read()\n"
            "    except Exception:\n"
            "        pass"),
        "key": (f"try:\n    key_read = open({str(secret_file)!r}).read()\n"
                "except Exception as e:\n    key_read = type(e).__name__"),
        "repo": (f"repo_visible = [p for p in ({str(REPO / 'exercises')!r}, {str(REPO)!r} + "
                 "'/exercises/bank', '/root/.config') if os.path.exists(p)]"),
        "writes": (
            "write_errors = []\n"
            f"for p in ({str(host / 'planted')!r}, '/usr/planted', {str(REPO / 'planted')!r}, "
            "'/etc/planted'):\n"
            "    try:\n        open(p, 'w').write('x')\n        write_errors.append('WROTE')\n"
            "    except Exception as e:\n        write_errors.append(type(e).__name__)"),
        "tmp": "open('/tmp/mine', 'w').write('x'); tmp_ok = open('/tmp/mine').read()",
        "net": ("import socket\ntry:\n    socket.create_connection(('1.1.1.1', 53), timeout=2)\n"
                "    net = 'open'\nexcept OSError as e:\n    net = type(e).__name__"),
        "rlimits": ("import resource\nrlimits = [resource.getrlimit(r)[0] for r in "
                    "(resource.RLIMIT_AS, resource.RLIMIT_CPU, resource.RLIMIT_NPROC)]"),
        "membomb": ("hog = []\ntry:\n    for _ in range(100):\n"
                    "        hog.append(bytearray(64 * 1024**2))\n    mem = 'unlimited'\n"
                    "except MemoryError:\n    mem = len(hog)\ndel hog"),
        "forkbomb": ("import time\nchildren = []\ntry:\n    for _ in range(500):\n"
                     "        pid = os.fork()\n        if pid == 0:\n"
                     "            time.sleep(120)\n            os._exit(0)\n"
                     "        children.append(pid)\n    forked = 'unlimited'\n"
                     "except OSError:\n    forked = len(children)\n"
                     "for pid in children:\n    os.kill(pid, 9)\n    os.waitpid(pid, 0)"),
        "cpu": ("import subprocess, sys\nspin = subprocess.run([sys.executable, '-c', "
                "'while True: pass'], timeout=60).returncode"),
        "detach": (
            "import subprocess\n"
            "subprocess.Popen(['sleep', '300', " + repr(marker) + "], start_new_session=True)\n"
            "if os.fork() == 0:\n    os.setsid()\n"
            "    os.execv('/bin/sleep', ['sleep', '301', " + repr(marker) + "])\n"
            "detached = 1"),
    }
    nb = new_notebook(cells=[new_code_cell(src) for src in cells.values()])
    names = ["uid", "groups", "pids", "env_hits", "key_read", "repo_visible", "write_errors",
             "tmp_ok", "net", "rlimits", "mem", "forked", "spin", "detached"]
    try:
        run = run_notebook(nb, names, cell_timeout=60, sandbox=True, limits=LIMITS)
    finally:
        del os.environ["RK_SANDBOX_TEST_SECRET"]
    answers = {k: v.get("value") for k, v in run.answers.items()}
    return {"run": run, "a": answers, "secret": secret, "marker": marker, "host": host}


def test_runs_as_a_fresh_unprivileged_user(probe):
    a = probe["a"]
    assert probe["run"].sandboxed and probe["run"].errors == []
    assert UID_RANGE[0] <= a["uid"] < UID_RANGE[1] and a["groups"] == []


def test_sees_only_its_own_processes(probe):
    # pid 1 is bwrap's init, 2 the kernel; the grader and other kernels are not there
    assert probe["a"]["pids"][:2] == [1, 2] and len(probe["a"]["pids"]) <= 4


def test_secrets_of_the_grader_are_out_of_reach(probe):
    a = probe["a"]
    assert a["env_hits"] == 0
    assert a["key_read"] == "FileNotFoundError"  # the folder is not mounted at all
    assert a["repo_visible"] == []


def test_file_system_is_read_only_except_private_tmp(probe):
    a = probe["a"]
    assert "WROTE" not in a["write_errors"] and len(a["write_errors"]) == 4
    assert not (probe["host"] / "planted").exists() and not (REPO / "planted").exists()
    assert a["tmp_ok"] == "x"


def test_no_network(probe):
    assert probe["a"]["net"] in ("OSError", "ConnectionRefusedError")


def test_limits_hold(probe):
    a = probe["a"]
    assert a["rlimits"] == [LIMITS.memory, LIMITS.cpu_seconds, LIMITS.processes]
    assert isinstance(a["mem"], int) and a["mem"] < 16  # 1 GiB stops 64 MiB blocks early
    assert isinstance(a["forked"], int) and a["forked"] < LIMITS.processes
    assert a["spin"] in (-24, -9)  # SIGXCPU (or SIGKILL at the hard limit)


def test_nothing_outlives_the_run(probe):
    assert probe["a"]["detached"] == 1  # the detached children were started
    assert probe["run"].leftover_processes == 0
    assert host_pids(probe["marker"]) == []


def test_command_line_shape(tmp_path):
    cmd = sandbox_command(["python"], uid=UID_RANGE[0], runtime_dir=tmp_path)
    for flag in ("--unshare-pid", "--unshare-net", "--unshare-ipc", "--die-with-parent",
                 "--new-session"):
        assert flag in cmd
    assert f"--reuid={UID_RANGE[0]}" in cmd
    binds = [cmd[i + 1] for i, arg in enumerate(cmd) if arg in ("--bind", "--ro-bind")]
    exercises = str(REPO / "exercises")
    # no bound folder holds the exercises (bank, masters) or the grader's home (key file)
    assert not [b for b in binds if (exercises + "/").startswith(b.rstrip("/") + "/")]
    assert not [b for b in binds if str(Path.home() / ".config").startswith(b)]
    assert [b for b in binds if b != "/usr" and not b.startswith("/etc/")] != []
    assert processes_of([UID_RANGE[0]]) == []


def test_a_checkout_under_tmp_is_bound_after_the_private_tmp(tmp_path, monkeypatch):
    # CI clones the repository into a folder that may lie under /tmp: the environment and the
    # package must be bound after the sandbox's own /tmp, or the tmpfs hides them (exit 127)
    from resourcekit.grading import sandbox as sandbox_mod

    monkeypatch.setattr(sandbox_mod, "read_only_paths", lambda: ["/tmp/ci-clone/.venv"])
    cmd = sandbox_command(["python"], uid=UID_RANGE[0], runtime_dir=tmp_path)
    tmpfs = cmd.index("--tmpfs")
    assert cmd[tmpfs + 1] == "/tmp"
    bind = [i for i, arg in enumerate(cmd) if arg == "--ro-bind" and cmd[i + 1].startswith("/tmp")]
    assert bind and all(i > tmpfs for i in bind)


def test_exam_refuses_without_sandbox(monkeypatch):
    monkeypatch.setattr(batch_mod, "sandbox_problem", lambda: "bwrap: No permissions")
    with pytest.raises(GradingError, match="refusing to grade an exam without the sandbox"):
        batch_mod.sandbox_policy(None, exam=True)
    with pytest.raises(GradingError, match="practice batches only"):
        batch_mod.sandbox_policy(False, exam=True)


def test_practice_falls_back_with_a_warning(monkeypatch, capsys):
    monkeypatch.setattr(batch_mod, "sandbox_problem", lambda: "bwrap: No permissions")
    assert batch_mod.sandbox_policy(None, exam=False) is False
    assert "WITHOUT" in capsys.readouterr().err
    with pytest.raises(GradingError, match="not available"):
        batch_mod.sandbox_policy(True, exam=False)


def test_launch_hook_kills_the_child_with_its_parent(tmp_path):
    """The kernel launch hook (PR_SET_PDEATHSIG before exec, then a parent check): a process
    started through it dies when its parent is SIGKILLed, even in a session of its own (as
    jupyter_client starts kernels). Without it, the child lives on (checked first)."""
    import signal
    import subprocess
    import sys
    import time

    def run(with_hook: bool) -> bool:
        """Start parent -> child (sleep 60), SIGKILL the parent: is the child still alive?"""
        code = ("import os, subprocess, sys, time\n"
                "from resourcekit.grading.runner import _die_with_parent_hook\n"
                f"hook = _die_with_parent_hook() if {with_hook} else None\n"
                "p = subprocess.Popen(['sleep', '60'], start_new_session=True, preexec_fn=hook)\n"
                "print(p.pid, flush=True)\n"
                "time.sleep(60)\n")
        parent = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE,
                                  text=True)
        child = int(parent.stdout.readline())
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait()
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                os.kill(child, 0)
            except ProcessLookupError:
                return False
            with open(f"/proc/{child}/stat") as fh:
                if fh.read().split()[2] == "Z":  # a zombie is dead; init reaps it
                    return False
            time.sleep(0.05)
        os.kill(child, signal.SIGKILL)
        return True

    assert run(with_hook=False)  # the baseline: an orphan survives its parent
    assert not run(with_hook=True)
