"""Exams: per-learner variants, expected answers in the grader, integrity of exam grading."""

from __future__ import annotations

import csv
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell
from resourcekit.grading import grade_batch
from resourcekit.grading.certificates import verify_certificate, verify_code
from resourcekit.grading.exam import (
    ExamError,
    exam_notebook,
    expected_for,
    learner_seed,
    load_exam,
    read_learners,
    variant,
    write_exam,
)

REPO = Path(__file__).resolve().parents[1]
EXAM = REPO / "exercises" / "exams" / "physical-separation.yml"
BANK = REPO / "exercises" / "bank" / "physical-separation.yml"
# conftest gives every test its own key file (RESOURCEKIT_KEY_FILE) and registry


def _private_exam(tmp_path: Path) -> Path:
    """The shipped exam over a private copy of the (public practice) bank, outside the repo."""
    bank = tmp_path / "academy" / "bank.yml"
    bank.parent.mkdir()
    text = BANK.read_text().replace("visibility: public-practice", "visibility: private")
    assert "visibility: private" in text
    bank.write_text(text)
    exam = tmp_path / "academy" / "exam.yml"
    exam.write_text(EXAM.read_text().replace("bank: ../bank/physical-separation.yml",
                                             f"bank: {bank}"))
    return exam


def test_exam_file_is_sound():
    exam = load_exam(EXAM)
    assert len(exam.questions) == 10
    assert 0 < exam.pass_mark <= 1 and exam.max_score == 16
    assert {"efficiency", "partition", "sorting", "circuits", "mass balance"} <= set(exam.topics)


def test_shipped_bank_is_public_and_private_banks_load(tmp_path):
    assert load_exam(EXAM).public_bank and load_exam(EXAM).visibility == "public-practice"
    private = load_exam(_private_exam(tmp_path))
    assert not private.public_bank and private.bank_path == tmp_path / "academy" / "bank.yml"
    # --bank PATH: the exam file's bank replaced by one outside the repository
    over = load_exam(EXAM, bank=tmp_path / "academy" / "bank.yml")
    assert over.visibility == "private" and over.id == "physical-separation"
    odd = tmp_path / "odd.yml"
    odd.write_text(BANK.read_text().replace("visibility: public-practice", "visibility: secret"))
    with pytest.raises(ExamError, match="visibility 'secret'"):
        load_exam(EXAM, bank=odd)


def test_neighbour_variant_cannot_be_computed_without_the_key():
    # the attack: with the repository's bank and the public formula (SHA-256 of exam and
    # learner id, as before) or a guessed key, compute bob's numbers and expected answers
    import hashlib as _h

    from resourcekit.grading import exam as exam_module
    from resourcekit.grading.certificates import load_key

    exam = load_exam(EXAM)
    sealed = exam_notebook(exam, "bob", "Bob")  # what bob receives
    data = "\n".join(c.source for c in sealed.cells if "exam-data" in c.metadata.get("tags", []))
    truth = expected_for(exam, "bob")
    public = int.from_bytes(_h.sha256(b"physical-separation\0bob").digest()[:8], "big")
    for seed in (public, learner_seed(exam.id, "bob", b"guessed-key-000000")):
        fake = {q.id: {n: exam_module._draw(spec, seed, q.id, n) for n, spec in q.params.items()}
                for q in exam.questions}
        assert fake != variant(exam, "bob")
        drawn = [v for params in fake.values() for v in params.values() if isinstance(v, float)]
        assert sum(f"= {v!r}\n" in data + "\n" for v in drawn) <= 2  # chance hits at most
    # answers computed with a guessed key match none of bob's expected numbers
    attacker = expected_for(exam, "bob", key=b"guessed-key-000000")
    assert [q for q in truth if isinstance(truth[q], float) and attacker[q] == truth[q]] == []
    assert learner_seed(exam.id, "bob") == learner_seed(exam.id, "bob", load_key())


def test_variants_differ_between_learners_and_are_stable():
    exam = load_exam(EXAM)
    a1, a2, b = variant(exam, "alice"), variant(exam, "alice"), variant(exam, "bob")
    assert a1 == a2
    assert learner_seed(exam.id, "alice") == learner_seed(exam.id, "alice")
    differ = [q for q in a1 if a1[q] != b[q]]
    assert len(differ) == len(a1)  # every question has other numbers for a neighbour
    ea, eb = expected_for(exam, "alice"), expected_for(exam, "bob")
    assert ea == expected_for(exam, "alice") and ea != eb


def test_every_variant_is_answerable():
    # the bank's ranges must give physically consistent data for any learner id
    exam = load_exam(EXAM)
    for i in range(150):
        expected = expected_for(exam, f"learner-{i}")
        assert 0 < expected["q1"] < 1 and 0 < expected["q2"] < 1 and 0 < expected["q3"] < 1


def test_drawn_values_stay_in_their_ranges():
    exam = load_exam(EXAM)
    for lid in ("a", "b", "c", "d", "e"):
        p = variant(exam, lid)["recovery-two-product"]
        assert 0.6 <= p["cu_feed"] <= 2.0 and 18 <= p["cu_conc"] <= 30
        assert 0.05 <= p["cu_tail"] <= 0.25


def test_expected_answers_use_the_toolkit():
    # Wills & Finch (2016) ch. 1: R = c (f - t) / (f (c - t)), checked by hand for the draw
    exam = load_exam(EXAM)
    p = variant(exam, "alice")["recovery-two-product"]
    f, c, t = p["cu_feed"], p["cu_conc"], p["cu_tail"]
    assert expected_for(exam, "alice")["q1"] == pytest.approx(c * (f - t) / (f * (c - t)),
                                                               rel=1e-12)


def test_bad_inputs_are_refused(tmp_path):
    with pytest.raises(ExamError, match="learner id"):
        variant(load_exam(EXAM), "../etc/passwd")
    bad = tmp_path / "learners.csv"
    bad.write_text("id,name\nx,y\n")
    with pytest.raises(ExamError, match="missing column"):
        read_learners(bad)
    bad.write_text("learner_id,name\nx,y\nx,z\n")
    with pytest.raises(ExamError, match="appears twice"):
        read_learners(bad)
    bad.write_text("learner_id,name\nalice,A\nAlice,B\n")  # one file name on some systems
    with pytest.raises(ExamError, match="'Alice' appears twice \\(as 'alice'\\)"):
        read_learners(bad)
    exam = tmp_path / "e.yml"
    exam.write_text(f"id: e\nbank: {REPO / 'exercises/bank/physical-separation.yml'}\n"
                    "questions: [no-such-question]\n")
    with pytest.raises(ExamError, match="not in the bank"):
        load_exam(exam)
    exam.write_text(f"id: e\nbank: {REPO / 'exercises/bank/physical-separation.yml'}\n"
                    "questions: [recovery-two-product, recovery-two-product]\n")
    with pytest.raises(ExamError, match="unique"):
        load_exam(exam)


def test_student_notebook_hides_solutions():
    exam = load_exam(EXAM)
    text = nbformat.writes(exam_notebook(exam, "alice", "Alice"))
    assert "sep.two_product(cu_feed" not in text and "# YOUR CODE HERE" in text
    for qid, value in expected_for(exam, "alice").items():
        if isinstance(value, float) and qid != "q7":  # q7's answer is one of the data values
            assert repr(value) not in text


def _edit(path: Path, target: Path, change) -> None:
    nb = nbformat.read(str(path), as_version=4)
    change(nb)
    nbformat.write(nb, str(target))


MALLORY = """
import glob, os, pathlib
stolen = os.environ.get("RESOURCEKIT_CERT_KEY", "")
for pattern in ("/tmp/pytest-of-*/*/keystore*/certificate.key",
                str(pathlib.Path.home() / ".config/resourcekit/certificate.key")):
    for path in glob.glob(pattern):
        try:
            stolen = stolen or pathlib.Path(path).read_text().strip()
        except OSError:
            pass
for pid in os.listdir("/proc"):
    try:
        env = open(f"/proc/{pid}/environ", "rb").read().split(b"\\0")
    except OSError:
        continue
    for item in env:
        if item.startswith(b"RESOURCEKIT_CERT_KEY="):
            stolen = stolen or item.split(b"=", 1)[1].decode()
stolen = stolen or "NOKEY"
raise type("K" + stolen + "Error", (Exception,), {})(stolen)
"""


@pytest.mark.slow
def test_exam_grading_end_to_end(tmp_path):
    import os

    from resourcekit.grading.certificates import key_path, load_key

    # a fixed academy key: the same variants on every run (a choice question may otherwise
    # give dave, who copied alice, alice's option by chance)
    key_path().write_text("end-to-end-test-key-0123456789abcdef\n")
    os.chmod(key_path(), 0o600)
    learners = tmp_path / "learners.csv"
    learners.write_text("learner_id,name\nalice,Alice Tanaka\nbob,Bob Suzuki\ncarol,Carol Sato\n"
                        "dave,Dave Ito\neve,Eve Mori\nmallory,Mallory Forge\n")
    student, solution, subs = tmp_path / "student", tmp_path / "solution", tmp_path / "subs"
    exam_file = _private_exam(tmp_path)  # certificates come from a private bank only
    write_exam(exam_file, learners, student)
    write_exam(exam_file, learners, solution, solutions=True)
    subs.mkdir()
    # alice: the reference answers -> passes
    (subs / "alice.ipynb").write_bytes((solution / "alice.ipynb").read_bytes())
    # bob: untouched -> 0
    (subs / "bob.ipynb").write_bytes((student / "bob.ipynb").read_bytes())
    # carol: loops forever in question 1, answers the rest
    _edit(solution / "carol.ipynb", subs / "carol.ipynb",
          lambda nb: nb.cells.__setitem__(4, new_code_cell("while True:\n    pass")))

    # dave: takes alice's data cells and answers (edits the seed/data and learner id) -> nothing
    def as_alice(nb):
        alice = nbformat.read(str(solution / "alice.ipynb"), as_version=4)
        nb.cells = alice.cells
        nb.metadata["resourcekit"]["learner_id"] = "alice"
    _edit(solution / "dave.ipynb", subs / "dave.ipynb", as_alice)
    # eve: submits her friend alice's solved file under her own name, metadata and all
    (subs / "eve.ipynb").write_bytes((solution / "alice.ipynb").read_bytes())
    # mallory: looks for the key (env, key files, other processes' environments) and smuggles
    # it out through an exception's name and message
    _edit(solution / "mallory.ipynb", subs / "mallory.ipynb",
          lambda nb: nb.cells.__setitem__(4, new_code_cell(MALLORY)))
    before = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in subs.iterdir()}

    results = tmp_path / "results"
    # 15 s per cell: enough for the imports of a loaded 2-core machine, short for carol's loop
    records = grade_batch(subs, results, exercises_dir=REPO / "exercises", jobs=2,
                          exam=exam_file,
                          cell_timeout=15)
    by = {r["learner_id"]: r for r in records}
    assert by["alice"]["percent"] == 100 and by["alice"]["passed"]
    assert by["bob"]["score"] == 0 and not by["bob"]["passed"]
    assert by["carol"]["questions"][0]["points"] == 0 and by["carol"]["timed_out_cells"]
    assert by["carol"]["score"] == 14
    assert by["dave"]["score"] == 0, by["dave"]["questions"]
    ea, ed = expected_for(load_exam(exam_file), "alice"), expected_for(load_exam(exam_file),
                                                                        "dave")
    assert all(ea[q] != ed[q] for q in ea)  # so alice's answers earn dave nothing
    # eve: alice's numbers are not eve's, and the seal names alice: no certificate
    assert by["eve"]["score"] < 16 * 0.7 and by["eve"]["certificate_code"] == ""
    assert not by["eve"]["identity_sealed"]

    rows = {r["learner_id"]: r for r in csv.DictReader(open(results / "gradebook.csv"))}
    assert {"passed", "certificate_code", "q1", "q10", "score"} <= set(rows["alice"])
    assert rows["alice"]["passed"] == "True" and rows["bob"]["certificate_code"] == ""
    code = rows["alice"]["certificate_code"]
    v = verify_code(code)
    assert (v.learner_id, v.name, v.score) == ("alice", "Alice Tanaka", 16.0)
    assert verify_certificate(results / "certificates" / "alice.html").learner_id == "alice"
    assert not (results / "certificates" / "bob.html").exists()
    # reports never show an expected value
    report = (results / "reports" / "bob.html").read_text()
    for value in expected_for(load_exam(EXAM), "bob").values():
        if isinstance(value, float):
            assert f"{value:.6g}" not in report
    assert "Hint:" in report
    # submissions untouched; re-grading gives the same points
    after = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in subs.iterdir()}
    assert before == after
    again = json.loads((results / "alice.json").read_text())
    assert again["questions"] == by["alice"]["questions"]
    # the key reaches no output file, whatever mallory's kernel could read
    secret = load_key().decode().lower()
    for path in results.rglob("*"):
        if path.is_file() and path.suffix != ".pdf":
            assert secret not in path.read_text(errors="replace").lower(), path
    assert by["mallory"]["questions"][0]["points"] == 0 and by["mallory"]["passed"]
    # copying surfaced for a person: eve and dave hold alice's answer code
    pairs = {(r["a"], r["b"]) for r in csv.DictReader(open(results / "similarity.csv"))}
    assert {("alice.ipynb", "eve.ipynb"), ("alice.ipynb", "dave.ipynb")} <= pairs
    assert not any("bob.ipynb" in pair for pair in pairs)  # untouched: not compared
    # the registry holds alice's code as issued
    from resourcekit.grading.registry import Registry

    with Registry() as reg:
        assert reg.lookup(code).status == "issued"
    # and its Open Badges credential checks out with the published public material alone
    from resourcekit.grading.credentials import verify_credential
    from resourcekit.grading.registry import registry_path

    public = registry_path().parent / "public"
    token = (results / "certificates" / "alice.jwt").read_text()
    check = verify_credential(token, json.loads((public / "jwks.json").read_text()),
                              (public / "status" / "1.jwt").read_text())
    assert check.valid and "learner: Alice Tanaka (alice)" in check.lines()
    assert rows["eve"]["certificate"].startswith("not certified: ")


@pytest.mark.slow
def test_cli_exam_writes_one_notebook_per_learner(tmp_path):
    learners = tmp_path / "learners.csv"
    learners.write_text("learner_id,name\nl1,One\nl2,Two\n")
    out = tmp_path / "out"
    private = _private_exam(tmp_path).parent / "bank.yml"
    run = subprocess.run([sys.executable, "-m", "resourcekit.grading", "exam", str(EXAM),
                          "--learners", str(learners), "--out", str(out), "--bank", str(private)],
                         capture_output=True, text=True, env=dict(__import__("os").environ))
    assert run.returncode == 0, run.stderr
    assert sorted(p.name for p in out.iterdir()) == ["l1.ipynb", "l2.ipynb"]
    meta = nbformat.read(str(out / "l1.ipynb"), as_version=4).metadata["resourcekit"]
    assert meta["learner_id"] == "l1" and meta["exam"] == "physical-separation"
    assert meta["bank"] == "private"  # --bank: the academy's own bank, not the shipped one
