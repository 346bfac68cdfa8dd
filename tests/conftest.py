"""Shared fixtures: a small master exercise used to test the grader itself."""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import shutil
import threading
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_raw_cell

REPO = Path(__file__).resolve().parents[1]

# Rougher-cleaner-scavenger circuit with two recycles (cleaner tail and scavenger concentrate
# back to the rougher): the mass-balance tests' common flowsheet.
RCS_EDGES = [
    ("feed", None, "rougher"),
    ("rc", "rougher", "cleaner"),
    ("rt", "rougher", "scav"),
    ("cc", "cleaner", None),
    ("ct", "cleaner", "rougher"),
    ("sc", "scav", "rougher"),
    ("st", "scav", None),
]

CHECKS = """\
title: Demo exercise (grader tests)
pass_mark: 0.5
questions:
  q1:
    answer: recovery
    points: 2
    kind: number
    rtol: 1.0e-3
    hint: Recovery is C c / (F f).
  q2:
    answer: grades
    points: 3
    kind: numbers
    rtol: 1.0e-6
  q3:
    answer: label
    points: 1
    kind: text
  q4:
    answer: pick
    points: 1
    kind: choice
    expected: b
"""


@pytest.fixture(autouse=True)
def _private_key_store(tmp_path_factory, monkeypatch):
    """Every test gets its own academy key file and certificate registry, never the user's."""
    import sys

    store = tmp_path_factory.mktemp("keystore")
    monkeypatch.setenv("RESOURCEKIT_KEY_FILE", str(store / "certificate.key"))
    monkeypatch.setenv("RESOURCEKIT_REGISTRY", str(store / "registry.sqlite"))
    monkeypatch.delenv("RESOURCEKIT_CERT_KEY", raising=False)
    certificates = sys.modules.get("resourcekit.grading.certificates")
    if certificates is not None:
        certificates.clear_key_cache()


def tagged(cell, *tags):
    cell.metadata["tags"] = list(tags)
    return cell


def demo_master() -> nbformat.NotebookNode:
    nb = new_notebook()
    nb.cells = [
        new_markdown_cell("# Demo\nA feed of 100 t at 5 % gives 10 t of concentrate at 40 %."),
        new_code_cell("F, f, C, c = 100.0, 0.05, 10.0, 0.40"),
        new_markdown_cell("**q1** (2 points): recovery to the concentrate."),
        tagged(new_code_cell("# BEGIN SOLUTION\nrecovery = C * c / (F * f)\n# END SOLUTION"),
               "solution"),
        tagged(new_code_cell("assert isinstance(recovery, float), 'recovery is a float'"),
               "public-check"),
        tagged(new_code_cell(
            "# BEGIN SOLUTION\ngrades = {'Fe': 0.5, 'Cu': 0.02, 'Al': 0.1}\n# END SOLUTION"),
            "solution"),
        tagged(new_code_cell("# BEGIN SOLUTION\nlabel = 'Newton'\n# END SOLUTION"), "solution"),
        tagged(new_markdown_cell("The answer to q4 is b because ..."), "solution-only"),
        tagged(new_code_cell("# BEGIN SOLUTION\npick = 'b'\n# END SOLUTION"), "solution"),
        tagged(new_raw_cell(CHECKS), "checks"),
    ]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    return nb


@pytest.fixture
def demo_exercise(tmp_path: Path) -> Path:
    """An exercises folder holding one master, ``demo.ipynb``."""
    folder = tmp_path / "exercises"
    folder.mkdir()
    nbformat.write(demo_master(), folder / "demo.ipynb")
    return folder / "demo.ipynb"


def host_pids(marker: str) -> list[int]:
    """Host pids (other than this one) whose command line contains ``marker``: what a batch or
    a sandbox may have left running."""
    found = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                with open(f"/proc/{entry.name}/cmdline", "rb") as fh:
                    if marker.encode() in fh.read():
                        found.append(int(entry.name))
            except OSError:
                continue
    return found


# how often a browser test asks the page whether it is done [s]: selenium's default 0.5 s made
# every wait that was not over at once take at least half a second (issue 25)
POLL_S = 0.1


@contextlib.contextmanager
def offline_chromium(folder: Path, *, window: str = "1400,1000"):
    """Headless Debian chromium that reaches nothing but a local server of ``folder``.

    Yields ``(driver, root_url)``; every host other than 127.0.0.1 resolves to nothing, so a
    page that needs a CDN fails here as it would on an offline machine.
    """
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    chromium, driver_bin = shutil.which("chromium"), shutil.which("chromedriver")
    assert chromium and driver_bin, "install Debian's chromium and chromium-driver (make test does)"

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Quiet, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 f"--window-size={window}",
                 "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(driver_bin), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        driver.quit()
        server.shutdown()


# --- where the time goes (issue 25): the last lines before pytest's closing summary ---------
_CALLS: list[tuple[float, str]] = []
_STARTED: list[float] = []


def pytest_sessionstart(session):
    import time

    _STARTED.append(time.monotonic())


def pytest_runtest_logreport(report):
    """Every test's set-up + call + teardown time, as the controller receives it (xdist too)."""
    _CALLS.append((report.duration, report.nodeid))


@pytest.hookimpl(trylast=True)
def pytest_terminal_summary(terminalreporter):
    import time

    per_test: dict[str, float] = {}
    for duration, nodeid in _CALLS:
        per_test[nodeid] = per_test.get(nodeid, 0.0) + duration
    if not per_test:
        return
    wall = time.monotonic() - _STARTED[0] if _STARTED else float("nan")
    setup = os.environ.get("RK_SETUP_SECONDS")
    write = terminalreporter.write_line
    terminalreporter.section("where the time goes")
    write(f"set-up (make setup, browser, sandbox): {setup} s" if setup else
          "set-up: not measured (run through `make test`)")
    write(f"pytest: {wall:.0f} s wall, {sum(per_test.values()):.0f} s of test time "
          f"over {len(per_test)} tests")
    for nodeid, duration in sorted(per_test.items(), key=lambda kv: -kv[1])[:5]:
        write(f"slowest: {duration:7.1f} s  {nodeid}")


# --- one worker per expensive module fixture (issue 25) ------------------------------------------
# Under `make test` (pytest-xdist, --dist loadgroup) tests without a group spread over both
# workers, and a module-scoped fixture is then built once per worker: a graded batch, an executed
# explore report, a Dask cluster, the exam bank's variants. These modules run as one unit each.
_ONE_WORKER = {
    "test_grading", "test_grading_attacks", "test_sandbox", "test_exam_bank",
    "test_exam_bank_understanding", "test_ree_explore", "test_ree_dask", "test_slides",
    "test_lesson_figures_massbalance", "test_lesson11_fleet", "test_ree_novelty",
    "test_separation_cost_effect_wall", "test_separation_cost_effect_limit",
}


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    for item in items:
        module = getattr(item, "module", None)
        name = getattr(module, "__name__", "")
        if name in _ONE_WORKER and not item.get_closest_marker("xdist_group"):
            item.add_marker(pytest.mark.xdist_group(name))
