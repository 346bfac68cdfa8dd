"""Hostile submissions against a whole batch: each attack must gain nothing and harm no one.

Batch A (sandboxed, one run for all): a key thief (key file, every /proc/<pid>/environ, the
secret smuggled out in an exception name), a detached child that waits for the grader to
finish and then rewrites the results, a neighbour snooping for other kernels' connection files,
a /proc/<pid>/mem reader, a killer of every visible process, memory and fork bombs, a CPU
spinner, notebooks whose metadata names another exercise or an exam, a malformed file, a
notebook without metadata, an oversized file, ``*.IPYNB``, and a symbolic link to the solution.
Batch B (unsandboxed practice, explicitly allowed): a notebook that kills its grading worker
(retried once, then its own row) and a sleeper stopped by the batch deadline.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import time
import uuid
from pathlib import Path

import nbformat
import pytest
from conftest import demo_master, host_pids
from nbformat.v4 import new_code_cell, new_notebook
from resourcekit.grading import grade_batch, solution_version
from resourcekit.grading.batch import MAX_SUBMISSION_BYTES
from resourcekit.grading.sandbox import SandboxLimits

pytestmark = pytest.mark.slow

GOOD = ["recovery = 0.8", "grades = {'Fe': 0.5, 'Cu': 0.02, 'Al': 0.1}", "label = 'newton'",
        "pick = 'b'"]


def _nb(folder: Path, name: str, cells: list[str], meta: dict | None = None) -> Path:
    nb = new_notebook(cells=[new_code_cell(src) for src in cells])
    nb.metadata["resourcekit"] = {"exercise": "demo"} if meta is None else meta
    path = folder / name
    nbformat.write(nb, path)
    return path


def _digests(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def attacked(tmp_path_factory):
    root = tmp_path_factory.mktemp("attacks")
    marker = "rkmark" + uuid.uuid4().hex[:10]
    # every kernel folder of this batch is under a private TMPDIR, so leftovers can be found
    tmp = root / marker
    tmp.mkdir()
    exercises = root / "exercises"
    exercises.mkdir()
    nbformat.write(demo_master(), exercises / "demo.ipynb")
    solution = root / "elsewhere" / "solution.ipynb"
    solution.parent.mkdir()
    nbformat.write(solution_version(exercises / "demo.ipynb"), solution)
    secret = "KEY" + uuid.uuid4().hex
    keyfile = root / "config" / "resourcekit" / "certificate.key"
    keyfile.parent.mkdir(parents=True)
    keyfile.write_text(secret)
    keyfile.chmod(0o600)
    results = root / "results"
    subs = root / "subs"
    subs.mkdir()

    _nb(subs, "good.ipynb", GOOD)
    _nb(subs, "SHOUT.IPYNB", GOOD)
    (subs / "link.ipynb").symlink_to(solution)
    (subs / "malformed.ipynb").write_text('{"cells": [ this is not json')
    (subs / "notes.ipynb").write_text('{"just": "a dict"}')
    nb = new_notebook(cells=[new_code_cell(c) for c in GOOD])
    nbformat.write(nb, subs / "nometa.ipynb")
    big = new_notebook(cells=[new_code_cell(c) for c in GOOD])
    big.metadata["resourcekit"] = {"exercise": "demo"}
    big.cells.append(new_code_cell("# " + "x" * (MAX_SUBMISSION_BYTES + 10)))
    nbformat.write(big, subs / "oversized.ipynb")
    _nb(subs, "other.ipynb", GOOD, meta={"exercise": "another-exercise"})
    _nb(subs, "examnb.ipynb", GOOD, meta={"exam": "physical-separation",
                                          "learner_id": "examnb"})
    _nb(subs, "keythief.ipynb", [
        "import os\nfound = ''\n"
        f"for path in [{str(keyfile)!r}, os.path.expanduser('~/.config/resourcekit/"
        "certificate.key'), '/root/.config/resourcekit/certificate.key']:\n"
        "    try:\n        found = open(path).read().strip() or found\n"
        "    except OSError:\n        pass\n"
        "for p in os.listdir('/proc'):\n"
        "    try:\n        env = open(f'/proc/{p}/environ', 'rb').read().decode()\n"
        "    except OSError:\n        continue\n"
        "    for item in env.split('\\0'):\n"
        "        if item.startswith('RESOURCEKIT_CERT_KEY='):\n"
        "            found = item.split('=', 1)[1]",
        "recovery = 0.8 if found else 0.0",
        "raise type('Leak' + found, (Exception,), {})(found)",
    ])
    _nb(subs, "detacher.ipynb", [
        "import os, subprocess, sys\n"
        "code = ('import time, pathlib\\ntime.sleep(4)\\n'\n"
        f"        'for p in pathlib.Path({str(results)!r}).rglob(\"*\"):\\n'\n"
        "        '    if p.is_file(): p.write_text(\"detacher,7,7\")\\n')\n"
        f"subprocess.Popen([sys.executable, '-c', code, {marker!r}], start_new_session=True,\n"
        "                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
        "if os.fork() == 0:\n    os.setsid()\n"
        f"    os.execv(sys.executable, [sys.executable, '-c', code, {marker!r} + 'b'])",
        GOOD[3],
    ])
    _nb(subs, "neighbour.ipynb", [
        "import glob, os\n"
        "mine = {c for c in open('/proc/self/cmdline').read().split('\\0') "
        "if c.endswith('.json')}\n"
        "seen = set()\n"
        "for pattern in ['/tmp/**/kernel*.json', '/run/**/kernel*.json', "
        "'/root/.local/share/jupyter/runtime/*.json']:\n"
        "    seen |= set(glob.glob(pattern, recursive=True))\n"
        "for p in os.listdir('/proc'):\n"
        "    try:\n        cmd = open(f'/proc/{p}/cmdline').read().split('\\0')\n"
        "    except OSError:\n        continue\n"
        "    seen |= {c for c in cmd if c.endswith('.json')}\n"
        "others = sorted(seen - mine)\n"
        "label = 'newton' if others else 'alone'",
    ])
    _nb(subs, "memreader.ipynb", [
        "import os\nread = 0\n"
        "for p in os.listdir('/proc'):\n"
        "    if not p.isdigit() or int(p) == os.getpid():\n        continue\n"
        "    try:\n        with open(f'/proc/{p}/mem', 'rb') as fh:\n"
        "            fh.seek(0x400000)\n            read += len(fh.read(64))\n"
        "    except (OSError, ValueError, OverflowError):\n        pass\n"
        "pick = 'b' if read else 'a'",
    ])
    _nb(subs, "killer.ipynb", [
        "import os, signal\n"
        "for p in [int(p) for p in os.listdir('/proc') if p.isdigit()] + [os.getppid()]:\n"
        "    if p != os.getpid():\n"
        "        for sig in (signal.SIGSTOP, signal.SIGKILL):\n"
        "            try:\n                os.kill(p, sig)\n            except OSError:\n"
        "                pass",
        GOOD[3],
    ])
    _nb(subs, "bombs.ipynb", [
        "hog = []\ntry:\n    while True:\n        hog.append(bytearray(64 * 1024**2))\n"
        "except MemoryError:\n    del hog",
        "import os, time\ntry:\n    while True:\n        if os.fork() == 0:\n"
        "            time.sleep(60)\n            os._exit(0)\nexcept OSError:\n    pass",
        "import threading\n"
        "threading.Thread(target=lambda: [None for _ in iter(int, 1)], daemon=True).start()",
        GOOD[1],
    ])
    before_subs = _digests(subs)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RESOURCEKIT_CERT_KEY", secret)  # in the grader's own environment
        mp.setenv("XDG_CONFIG_HOME", str(root / "config"))
        mp.setenv("TMPDIR", str(tmp))
        import tempfile

        mp.setattr(tempfile, "tempdir", str(tmp))
        records = grade_batch(subs, results, exercises_dir=exercises, exercise="demo", jobs=2,
                              cell_timeout=4, sandbox=True,
                              limits=SandboxLimits(memory=1024**3, processes=64))
    right_after = _digests(results)
    time.sleep(6)  # the detacher's child would strike 4 s after its kernel ended
    return {"records": {r["submission"]: r for r in records}, "results": results,
            "right_after": right_after, "later": _digests(results), "marker": marker,
            "secret": secret, "subs": subs, "before_subs": before_subs,
            "after_subs": _digests(subs)}


def pts(record):
    return {q["id"]: q["points"] for q in record["questions"]}


def test_every_file_has_one_row(attacked):
    rows = list(csv.DictReader(open(attacked["results"] / "gradebook.csv")))
    names = sorted(r["submission"] for r in rows)
    assert names == sorted(p.name for p in attacked["subs"].iterdir())
    assert attacked["records"]["good.ipynb"]["percent"] == 100
    assert attacked["records"]["SHOUT.IPYNB"]["percent"] == 100  # *.IPYNB counts
    assert attacked["before_subs"] == attacked["after_subs"]


@pytest.mark.parametrize("name, reason", [
    ("link.ipynb", "symbolic link"),
    ("malformed.ipynb", "not valid JSON"),
    ("notes.ipynb", "not a Jupyter notebook"),
    ("nometa.ipynb", "no 'resourcekit' metadata"),
    ("oversized.ipynb", "allowed"),
    ("other.ipynb", "made for exercise 'another-exercise'"),
    ("examnb.ipynb", "an exam notebook"),
])
def test_refused_files_get_a_row_with_the_reason(attacked, name, reason):
    record = attacked["records"][name]
    assert record["score"] == 0 and record["status"] == "not graded"
    assert any(reason in p for p in record["problems"]), record["problems"]


def test_key_thief_gains_nothing_and_leaks_nothing(attacked):
    assert pts(attacked["records"]["keythief.ipynb"])["q1"] == 0
    everything = "".join((attacked["results"] / p).read_text() for p in attacked["later"])
    assert attacked["secret"] not in everything
    assert "Leak" in json.dumps(attacked["records"]["keythief.ipynb"]["problems"])


def test_detached_child_cannot_touch_results_later(attacked):
    assert pts(attacked["records"]["detacher.ipynb"])["q4"] == 1  # its kernel ran
    assert attacked["later"] == attacked["right_after"]
    assert host_pids(attacked["marker"]) == []  # no detached child, no kernel, no bwrap left


def test_neighbours_and_memory_are_out_of_reach(attacked):
    assert pts(attacked["records"]["neighbour.ipynb"])["q3"] == 0
    assert pts(attacked["records"]["memreader.ipynb"])["q4"] == 0


def test_killer_and_bombs_harm_no_one(attacked):
    assert attacked["records"]["killer.ipynb"]["status"] == "graded"
    assert pts(attacked["records"]["killer.ipynb"])["q4"] == 1
    bombs = attacked["records"]["bombs.ipynb"]
    assert bombs["status"] == "graded" and pts(bombs)["q2"] == 3  # limits held, it went on
    for name in ("good.ipynb", "SHOUT.IPYNB"):
        assert attacked["records"][name]["score"] == 7


def _demo_batch(tmp_path):
    """The demo exercise and a submissions folder holding one good submission."""
    exercises = tmp_path / "exercises"
    exercises.mkdir()
    nbformat.write(demo_master(), exercises / "demo.ipynb")
    subs = tmp_path / "subs"
    subs.mkdir()
    _nb(subs, "good.ipynb", GOOD)
    return exercises, subs


def test_killing_the_worker_is_retried_once_and_costs_only_that_row(tmp_path, capsys):
    exercises, subs = _demo_batch(tmp_path)
    # unsandboxed, the kernel's parent is the grading worker
    _nb(subs, "parricide.ipynb", ["import os, signal\nos.kill(os.getppid(), signal.SIGKILL)",
                                  GOOD[0]])
    records = grade_batch(subs, tmp_path / "results", exercises_dir=exercises, exercise="demo",
                          jobs=2, cell_timeout=120, sandbox=False, deadline=90)
    by = {r["submission"]: r for r in records}
    assert "WITHOUT the sandbox" in capsys.readouterr().err
    assert by["good.ipynb"]["score"] == 7 and by["good.ipynb"]["status"] == "graded"
    assert by["parricide.ipynb"]["status"] == "failed"
    assert "died 2 times" in by["parricide.ipynb"]["problems"][0]
    rows = list(csv.DictReader(open(tmp_path / "results" / "gradebook.csv")))
    assert len(rows) == 2


def test_the_batch_deadline_stops_a_sleeper_and_keeps_the_other_rows(tmp_path, capsys):
    """A submission that sleeps for 600 s is stopped by the batch deadline (15 s), not by the
    cell timeout (120 s) nor its own end; the other submission, run beside it, is graded.
    (Split from the test above, whose 45 s deadline cost 45 s of every run: issue 25.)"""
    exercises, subs = _demo_batch(tmp_path)
    _nb(subs, "sleeper.ipynb", ["import time\ntime.sleep(600)", GOOD[0]])
    start = time.monotonic()
    records = grade_batch(subs, tmp_path / "results", exercises_dir=exercises, exercise="demo",
                          jobs=2, cell_timeout=120, sandbox=False, deadline=15)
    took = time.monotonic() - start
    by = {r["submission"]: r for r in records}
    assert by["good.ipynb"]["score"] == 7 and by["good.ipynb"]["status"] == "graded"
    assert by["sleeper.ipynb"]["status"] == "failed"
    assert "deadline of 15 s" in by["sleeper.ipynb"]["problems"][0]
    assert 15 <= took < 15 + 60
    rows = list(csv.DictReader(open(tmp_path / "results" / "gradebook.csv")))
    assert len(rows) == 2


def _alive(pid: int) -> bool:
    """A process that runs (a zombie waiting to be reaped is dead)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def _children(pid: int) -> list[int]:
    out = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                with open(f"/proc/{entry.name}/stat") as fh:
                    if int(fh.read().rsplit(")", 1)[1].split()[1]) == pid:
                        out.append(int(entry.name))
            except (OSError, ValueError, IndexError):
                continue
    return out


def test_killing_the_grader_leaves_no_worker_and_no_kernel(tmp_path):
    import signal
    import subprocess
    import sys
    import tempfile

    tmp = Path(tempfile.mkdtemp(prefix="rkmark", dir="/tmp"))  # short: IPC paths < 108 bytes
    marker = tmp.name
    exercises = tmp_path / "exercises"
    exercises.mkdir()
    nbformat.write(demo_master(), exercises / "demo.ipynb")
    subs = tmp_path / "subs"
    subs.mkdir()
    for name in ("a", "b", "c"):
        _nb(subs, f"{name}.ipynb", ["import time\ntime.sleep(300)", GOOD[0]])
    script = ("from resourcekit.grading import grade_batch\n"
              f"grade_batch({str(subs)!r}, {str(tmp_path / 'results')!r}, "
              f"exercises_dir={str(exercises)!r}, exercise='demo', jobs=2, cell_timeout=120, "
              "sandbox=True)")
    grader = subprocess.Popen([sys.executable, "-c", script],
                              env={**os.environ, "TMPDIR": str(tmp)},
                              stdout=subprocess.DEVNULL, stderr=open(tmp_path / "err", "w"))
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            kernels = [p for p in host_pids(marker) if p in host_pids("ipykernel_launcher")]
            if len(kernels) >= 2:  # two learners' kernels run (the solution's is gone)
                break
            time.sleep(0.5)
        assert len(kernels) >= 2, (tmp_path / "err").read_text()[-3000:]
        workers = _children(grader.pid)
        assert workers
    finally:
        os.kill(grader.pid, signal.SIGKILL)
        grader.wait()
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and (host_pids(marker) or [w for w in workers if _alive(w)]):
        time.sleep(0.2)
    assert host_pids(marker) == []  # no kernel, no bwrap, nothing of the batch survived
    assert [w for w in workers if _alive(w)] == []
    import shutil

    shutil.rmtree(tmp, ignore_errors=True)
