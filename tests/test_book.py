"""The executed book: strict build, offline pages, charts drawn in a real (headless) browser."""

from __future__ import annotations

import functools
import http.server
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
BOOK = REPO / "book"
HTML = BOOK / "_build" / "html"

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("book")]


def test_toc_lists_every_lesson_and_exercise():
    toc = yaml.safe_load((BOOK / "_toc.yml").read_text())
    files = {c["file"] for part in toc["parts"] for c in part["chapters"]}
    for path in sorted((REPO / "lessons").glob("*.ipynb")):
        assert f"lessons/{path.stem}" in files
    for path in sorted((REPO / "exercises").glob("*.ipynb")):
        assert f"exercises/{path.stem}" in files
    assert {"glossary", "datasets", "api", "lecturer-guide"} <= files


@pytest.fixture(scope="module")
def built():
    # A lock, so that two test workers never build the same book at once (the second build
    # then finds everything cached and takes seconds).
    import fcntl

    (BOOK / "_build").mkdir(exist_ok=True)
    with open(BOOK / "_build" / ".build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        # the README's command itself, in this environment
        run = subprocess.run(["make", "book", f"VENV={Path(sys.prefix)}"], cwd=REPO,
                             capture_output=True, text=True)
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-3000:]
    assert f"Book: {HTML / 'index.html'}" in run.stdout
    return HTML


def test_pages_exist(built):
    assert (built / "index.html").is_file()
    for path in sorted((REPO / "lessons").glob("*.ipynb")):
        assert (built / "lessons" / f"{path.stem}.html").is_file()
    for path in sorted((REPO / "exercises").glob("*.ipynb")):
        page = (built / "exercises" / f"{path.stem}.html").read_text(encoding="utf-8")
        assert "YOUR CODE HERE" in page and "BEGIN SOLUTION" not in page
    api = (built / "api.html").read_text(encoding="utf-8")
    for name in ("two_product", "normalize", "Flowsheet", "to_fraction", "grade_batch"):
        assert name in api, f"API page lacks {name}"
    glossary = (built / "glossary.html").read_text(encoding="utf-8")
    for term in ("回収率", "歩留まり", "品位", "分離効率", "単体分離"):
        assert term in glossary
    cards = (built / "datasets.html").read_text(encoding="utf-8")
    from resourcekit import datasets

    for name in datasets.list().index:
        assert name in cards, f"datasets page lacks {name}"
    assert "Sullivan" in cards and "Synthetic data." in cards


def test_no_script_or_style_from_the_network(built):
    pattern = re.compile(r"<(?:script|link)[^>]+(?:src|href)=\"(https?:)?//[^\"]+\"", re.I)
    offenders = {}
    for page in built.rglob("*.html"):
        hits = [m.group(0) for m in pattern.finditer(page.read_text(encoding="utf-8"))]
        hits = [h for h in hits if "rel=\"canonical\"" not in h]
        if hits:
            offenders[str(page.relative_to(built))] = hits[:3]
    assert not offenders, offenders
    assert (built / "_static" / "vega-offline.js").stat().st_size > 500_000
    assert (built / "_static" / "mathjax" / "tex-chtml.js").is_file()


@pytest.fixture(scope="module")
def browser(built):
    from selenium import webdriver
    chromium = shutil.which("chromium")
    driver_bin = shutil.which("chromedriver")
    assert chromium and driver_bin, "install Debian's chromium and chromium-driver (make test does)"
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(Quiet, directory=str(built.parent))  # book/_build
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"):
        options.add_argument(flag)
    from selenium.webdriver.chrome.service import Service

    driver = webdriver.Chrome(service=Service(driver_bin), options=options)
    driver.set_page_load_timeout(60)
    root = f"http://127.0.0.1:{server.server_address[1]}"
    yield driver, f"{root}/html"
    driver.quit()
    server.shutdown()


def _wait_for(driver, script: str, timeout: float = 30.0):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout).until(lambda d: d.execute_script(script))


def test_altair_chart_is_drawn_offline(browser):
    driver, base = browser
    driver.get(f"{base}/lessons/04-grade-recovery-yield.html")
    count = _wait_for(driver, "return document.querySelectorAll("
                              "'.vega-embed svg.marks, .vega-embed canvas').length")
    assert count >= 1
    errors = driver.execute_script(
        "return Array.from(document.querySelectorAll('.error')).map(e => e.textContent)")
    assert not [e for e in errors if "Error loading script" in e], errors


def test_math_is_typeset_offline(browser):
    driver, base = browser
    driver.get(f"{base}/lessons/09-data-reconciliation.html")
    assert _wait_for(driver, "return document.querySelectorAll('mjx-container').length") >= 1


def test_sankey_is_drawn_offline(browser):
    driver, base = browser
    driver.get(f"{base}/lessons/10-material-flows-urban-mine.html")
    assert _wait_for(driver, "return document.querySelectorAll("
                             "'.rk-plotly .sankey, .rk-plotly g.sankey-node').length") >= 1


def test_slide_deck_renders_offline(browser):
    # `make slides` writes book/_build/slides/<lesson>.slides.html; here one lesson's deck.
    from resourcekit.slides import build_slides

    driver, base = browser
    (deck,) = build_slides(REPO / "lessons", BOOK / "_build" / "slides",
                           names=["04-grade-recovery-yield"], timeout=300)
    page = deck.read_text(encoding="utf-8")
    assert not re.search(r"<(script|link)[^>]+(src|href)=\"(https?:)?//", page)
    driver.get(f"{base}/../slides/{deck.name}")
    assert _wait_for(driver, "return window.Reveal && Reveal.isReady && Reveal.isReady()")
    assert _wait_for(driver, "return document.querySelectorAll("
                             "'.reveal svg.marks, .reveal canvas').length") >= 1


def test_certificate_renders_offline(browser, tmp_path):
    from resourcekit.grading.certificates import certificate_code, write_certificate

    driver, base = browser
    key = b"browser-test-key-0123456789"
    record = {"exam": "physical-separation", "learner_id": "alice", "name": "Alice Tanaka",
              "score": 14.0, "max_score": 16.0, "submission_sha256": "ab" * 32,
              "questions": [{"id": "q1", "points": 2.0}]}
    code = certificate_code(record, date="2026-11-22", key=key)
    out = write_certificate(record, code, BOOK / "_build" / "certificates" / "alice.html",
                            title="Physical separation", key=key)
    driver.get(f"{base}/../certificates/{out.name}")
    text = driver.find_element("tag name", "body").text
    assert "Alice Tanaka" in text and code in text.replace("\n", "")
