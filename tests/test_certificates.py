"""Certificates: codes verify only with the academy's key; edits and forgeries are refused."""

from __future__ import annotations

import base64
import os
import stat
import subprocess
import sys

import pytest
from resourcekit.grading.certificates import (
    CertificateError,
    KeyInEnvironmentWarning,
    certificate_code,
    certificate_pdf,
    check_seal,
    clear_key_cache,
    inspect_certificate,
    key_path,
    load_key,
    seal_exam,
    verify_certificate,
    verify_code,
    write_certificate,
)
from resourcekit.grading.issuing import issue_for_batch
from resourcekit.grading.registry import Registry, registry_path

KEY = b"unit-test-key-0123456789"
RECORD = {"exam": "physical-separation", "learner_id": "alice", "name": "Alice Tanaka",
          "score": 14.0, "max_score": 16.0, "submission_sha256": "ab" * 32,
          "questions": [{"id": "q1", "points": 2.0}, {"id": "q2", "points": 0.0}]}


def _recorded(code: str, title: str = "Cert", registry=None, **extra):
    """Record ``code`` in the registry (the test's own, by default) as issuing does."""
    with Registry(registry or registry_path()) as reg:
        return reg.issue(code, {**RECORD, "date": "2026-05-01", "title": title, **extra})


def test_code_round_trip():
    code = certificate_code(RECORD, date="2026-05-01", key=KEY)
    v = verify_code(code, KEY)
    assert (v.exam, v.learner_id, v.name, v.date) == ("physical-separation", "alice",
                                                       "Alice Tanaka", "2026-05-01")
    assert (v.score, v.max_score, v.percent) == (14.0, 16.0, 87.5)


def test_altered_forged_or_other_key_fails():
    code = certificate_code(RECORD, date="2026-05-01", key=KEY)
    prefix, payload, tag = code.split(".")
    # raise the score in the payload: the tag no longer matches
    better = certificate_code({**RECORD, "score": 16.0}, date="2026-05-01", key=b"x" * 20)
    forged = ".".join([prefix, better.split(".")[1], tag])
    flipped = code[:-1] + ("A" if code[-1] != "A" else "B")
    for bad in (forged, flipped, code + "x", "RK1.abc.def", "hello"):
        with pytest.raises(CertificateError):
            verify_code(bad, KEY)
    with pytest.raises(CertificateError, match="does not verify"):
        verify_code(code, b"another-key-0123456789")


def test_edited_certificate_does_not_verify(tmp_path):
    code = certificate_code(RECORD, date="2026-05-01", key=KEY)
    _recorded(code)
    path = write_certificate(RECORD, code, tmp_path / "alice.html", title="Cert", key=KEY)
    assert "http" not in path.read_text()  # self-contained
    assert verify_certificate(path, KEY).learner_id == "alice"
    edited = tmp_path / "edited.html"
    edited.write_text(path.read_text().replace("14 / 16", "16 / 16"))
    with pytest.raises(CertificateError, match="edited: score"):
        verify_certificate(edited, KEY)
    renamed = tmp_path / "renamed.html"
    renamed.write_text(path.read_text().replace(">Alice Tanaka<", ">Mallory<"))
    with pytest.raises(CertificateError, match="name"):
        verify_certificate(renamed, KEY)


def test_key_file_created_private(tmp_path, monkeypatch):
    monkeypatch.delenv("RESOURCEKIT_CERT_KEY", raising=False)
    monkeypatch.delenv("RESOURCEKIT_KEY_FILE", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    key = load_key()
    path = tmp_path / "resourcekit" / "certificate.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_key() == key and len(key) == 64
    os.chmod(path, 0o644)
    with pytest.raises(CertificateError, match="chmod 600"):
        load_key()


def test_key_file_from_resourcekit_key_file(tmp_path, monkeypatch):
    target = tmp_path / "academy" / "key"
    monkeypatch.setenv("RESOURCEKIT_KEY_FILE", str(target))
    assert key_path() == target
    key = load_key()
    assert target.read_text().strip().encode() == key
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert stat.S_IMODE(target.parent.stat().st_mode) == 0o700


def test_env_key_read_once_then_removed(monkeypatch):
    # an env key stays readable by every child process: read it, then delete it
    monkeypatch.setenv("RESOURCEKIT_CERT_KEY", KEY.decode())
    with pytest.warns(KeyInEnvironmentWarning, match="prefer a 0600 key file"):
        assert load_key() == KEY
    assert "RESOURCEKIT_CERT_KEY" not in os.environ
    assert load_key() == KEY  # kept in memory, not taken from the (absent) key file
    child = subprocess.run([sys.executable, "-c",
                            "import os; print(os.environ.get('RESOURCEKIT_CERT_KEY'))"],
                           capture_output=True, text=True, check=True)
    assert child.stdout.strip() == "None"
    clear_key_cache()
    assert load_key() != KEY  # the file key again


def test_short_env_key_rejected(monkeypatch):
    monkeypatch.setenv("RESOURCEKIT_CERT_KEY", "short")
    with pytest.raises(CertificateError, match="at least 16"):
        load_key()


def test_seal_binds_identity():
    seal = seal_exam("ex", "alice", "Alice", KEY)
    assert check_seal("ex", "alice", "Alice", seal, KEY)
    assert not check_seal("ex", "bob", "Alice", seal, KEY)
    assert not check_seal("ex", "alice", "Mallory", seal, KEY)
    assert not check_seal("ex", "alice", "Alice", None, KEY)


def _cli(*args, env=None):
    """``python -m resourcekit.grading ARGS`` run in this process (the module's main())."""
    import contextlib
    import io
    import types
    from unittest import mock

    from resourcekit.grading.__main__ import main

    out, err = io.StringIO(), io.StringIO()
    with mock.patch.dict(os.environ, env or dict(os.environ), clear=True), \
            contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main([str(a) for a in args])
        finally:
            clear_key_cache()
    return types.SimpleNamespace(returncode=code, stdout=out.getvalue(), stderr=err.getvalue())


def test_cli_verify_exit_codes(monkeypatch):
    env = {**os.environ, "RESOURCEKIT_CERT_KEY": KEY.decode()}
    code = certificate_code(RECORD, date="2026-05-01", key=KEY)
    ok = subprocess.run([sys.executable, "-m", "resourcekit.grading", "verify", code],
                        capture_output=True, text=True, env=env)
    assert ok.returncode == 0, ok.stderr
    assert "Alice Tanaka (alice)" in ok.stdout and "14 / 16" in ok.stdout
    assert "2026-05-01" in ok.stdout and "physical-separation" in ok.stdout
    assert "revocation NOT checked" in ok.stdout  # no registry file yet
    assert "prefer a 0600 key file" in ok.stderr  # the env key is read once, with a warning
    with pytest.warns(KeyInEnvironmentWarning):
        bad = _cli("verify", code[:-2] + "zz", env=env)
    assert bad.returncode == 1 and "NOT VALID" in bad.stderr


def _lenient(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def test_altered_last_base64_character_does_not_verify():
    # the tag's 22nd character carries 2 bits and 4 unused ones: a lenient decoder maps
    # several characters to the same bytes, so a changed character would still verify
    code = certificate_code(RECORD, date="2026-05-01", key=KEY)
    prefix, payload, tag = code.split(".")
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    twins = [c for c in alphabet if c != tag[-1] and _lenient(tag[:-1] + c) == _lenient(tag)]
    assert len(twins) == 15  # the attack is real: 15 other characters decode alike
    for c in twins:
        with pytest.raises(CertificateError, match="damaged"):
            verify_code(f"{prefix}.{payload}.{tag[:-1] + c}", KEY)
    if len(payload) % 4:  # the payload's last character may have unused bits too
        ptwins = [c for c in alphabet
                  if c != payload[-1] and _lenient(payload[:-1] + c) == _lenient(payload)]
        for c in ptwins:
            with pytest.raises(CertificateError, match="damaged"):
                verify_code(f"{prefix}.{payload[:-1] + c}.{tag}", KEY)
    with pytest.raises(CertificateError):
        verify_code(f"{prefix}.{payload}=.{tag}", KEY)


def _hidden_field_forgery(page: str) -> str:
    # the name shown is Mallory's; a hidden element keeps the data-field the old check read
    genuine = '<p class="name" data-field="name">Alice Tanaka</p>'
    assert genuine in page
    return page.replace(genuine, '<p class="name" data-field="name" style="display: none">'
                                 'Alice Tanaka</p>\n<p class="name">Mallory Forge</p>')


def test_verify_file_trusts_the_code_not_hidden_fields(tmp_path):
    code = certificate_code(RECORD, date="2026-05-01", key=KEY)
    _recorded(code)
    page = write_certificate(RECORD, code, tmp_path / "alice.html", title="Cert", key=KEY)
    assert inspect_certificate(page, KEY).intact
    forged = tmp_path / "forged.html"
    forged.write_text(_hidden_field_forgery(page.read_text()))
    check = inspect_certificate(forged, KEY)
    assert check.entry.name == "Alice Tanaka"  # what the registry records
    assert check.edited_fields == ["name"]
    assert any("Mallory Forge" in d for d in check.differences)
    with pytest.raises(CertificateError, match="edited: name"):
        verify_certificate(forged, KEY)
    # an added line ("with distinction") that changes no certified field is reported too
    bragging = tmp_path / "bragging.html"
    bragging.write_text(page.read_text().replace("<p>has passed the examination</p>",
                                                 "<p>has passed with distinction</p>"))
    check = inspect_certificate(bragging, KEY)
    assert not check.intact and not check.edited_fields
    assert "with distinction" in check.differences[0]
    # an <script>-free, hidden-attribute variant of the same trick
    hidden_attr = tmp_path / "hidden.html"
    hidden_attr.write_text(page.read_text().replace(
        '<td data-field="score">14 / 16 (87.5 %)</td>',
        '<td><span data-field="score" hidden>14 / 16 (87.5 %)</span>16 / 16 (100 %)</td>'))
    assert inspect_certificate(hidden_attr, KEY).edited_fields == ["score"]


def test_cli_verify_file_prints_the_code_and_warns(tmp_path):
    key_file = tmp_path / "key"
    key_file.write_text(KEY.decode())
    key_file.chmod(0o600)
    env = {**os.environ, "RESOURCEKIT_KEY_FILE": str(key_file),
           "RESOURCEKIT_REGISTRY": str(tmp_path / "registry.sqlite")}
    code = certificate_code(RECORD, date="2026-05-01", key=KEY)
    with Registry(tmp_path / "registry.sqlite") as reg:
        reg.issue(code, {**RECORD, "date": "2026-05-01", "title": "Cert"})
    page = write_certificate(RECORD, code, tmp_path / "alice.html", title="Cert", key=KEY)
    ok = _cli("verify", page, env=env)
    assert ok.returncode == 0, ok.stderr
    assert "VALID certificate" in ok.stdout and "registry: issued" in ok.stdout
    forged = tmp_path / "forged.html"
    forged.write_text(_hidden_field_forgery(page.read_text()))
    bad = _cli("verify", forged, env=env)
    assert bad.returncode == 1
    assert "name: Alice Tanaka" in bad.stdout  # what the registry records
    assert "learner: alice" in bad.stdout and "NOT VALID: the name differs" in bad.stderr
    assert "Mallory" not in bad.stdout and "Mallory Forge" in bad.stderr
    assert "WARNING" in bad.stderr and "trust only the lines printed above" in bad.stderr


def test_revoke_cli_and_verify_reports_revoked(tmp_path):
    key_file = tmp_path / "key"
    key_file.write_text(KEY.decode())
    key_file.chmod(0o600)
    registry = tmp_path / "reg.sqlite"
    env = {**os.environ, "RESOURCEKIT_KEY_FILE": str(key_file)}
    code = certificate_code(RECORD, date="2026-05-01", key=KEY)
    with Registry(registry) as reg:
        reg.issue(code, RECORD)
    assert _cli("verify", code, "--registry", registry, env=env).returncode == 0
    out = _cli("revoke", code, "--reason", "answers copied from bob", "--registry", registry,
               env=env)
    assert out.returncode == 0, out.stderr
    assert "REVOKED" in out.stdout
    after = _cli("verify", code, "--registry", registry, env=env)
    assert after.returncode == 1
    assert "REVOKED" in after.stdout and "answers copied from bob" in after.stdout
    # a forged code is not revoked (nor recorded): the key is checked first
    forged = _cli("revoke", code[:-3] + "AAA", "--reason", "x", "--registry", registry, env=env)
    assert forged.returncode == 1 and "NOT REVOKED" in forged.stderr
    # a genuine code issued before the registry existed is recorded as revoked
    old = certificate_code({**RECORD, "learner_id": "bob"}, date="2026-01-01", key=KEY)
    assert _cli("verify", old, "--registry", registry, env=env).returncode == 1  # unrecorded
    assert _cli("revoke", old, "--reason", "exam leaked", "--registry", registry,
                env=env).returncode == 0
    with Registry(registry) as reg:
        assert reg.lookup(old).status == "revoked" and reg.lookup(old).learner_id == "bob"
        assert [e[2] for e in reg.events(code)] == ["issued", "revoked"]
    listing = _cli("registry", "--registry", registry, "--backup", tmp_path / "b.sqlite",
                   env=env)
    assert listing.returncode == 0 and "2 code(s)" in listing.stdout
    with Registry(tmp_path / "b.sqlite") as copy:
        assert copy.lookup(code).status == "revoked"


def _passed(lid: str, score: float = 14.0, **extra) -> dict:
    return {"exam": "physical-separation", "learner_id": lid, "name": lid.title(),
            "title": "Certificate", "score": score, "max_score": 16.0, "percent": score / 0.16,
            "passed": score >= 11.2, "identity_sealed": True, "submission": f"{lid}.ipynb",
            "submission_sha256": "cd" * 32, "problems": [],
            "questions": [{"id": "q1", "points": score, "max_points": 16.0,
                           "feedback": "q1: ok"}], **extra}


def test_regrade_supersedes_or_revokes_earlier_codes(tmp_path):
    registry = tmp_path / "reg.sqlite"
    first = [_passed("alice"), _passed("bob"), _passed("carol")]
    out1 = issue_for_batch(first, tmp_path / "run1", key=KEY, registry=registry,
                           date="2026-05-01", pdf=False)
    assert len(out1["issued"]) == 3 and (tmp_path / "run1/certificates/bob.html").is_file()
    codes = {r["learner_id"]: r["certificate_code"] for r in first}
    # re-grade: alice unchanged, bob now fails (a question found copied), carol 12 points
    second = [_passed("alice"), _passed("bob", 4.0), _passed("carol", 12.0)]
    out2 = issue_for_batch(second, tmp_path / "run2", key=KEY, registry=registry,
                           date="2026-05-01", pdf=False)
    new = {r["learner_id"]: r["certificate_code"] for r in second}
    assert new["alice"] == codes["alice"] and new["bob"] == ""
    assert new["carol"] not in ("", codes["carol"])
    assert out2["revoked"] == [codes["bob"]] and out2["superseded"] == [codes["carol"]]
    assert second[1]["revoked_codes"] == [codes["bob"]]
    with Registry(registry) as reg:
        assert reg.lookup(codes["alice"]).status == "issued"
        bob = reg.lookup(codes["bob"])
        assert bob.status == "revoked" and "not passed" in bob.reason
        carol = reg.lookup(codes["carol"])
        assert carol.status == "superseded" and carol.superseded_by == new["carol"]
    # the old certificate still carries a genuine signature, but verify says revoked
    assert verify_code(codes["bob"], KEY).learner_id == "bob"
    key_file = tmp_path / "key"
    key_file.write_text(KEY.decode())
    key_file.chmod(0o600)
    env = {**os.environ, "RESOURCEKIT_KEY_FILE": str(key_file),
           "RESOURCEKIT_REGISTRY": str(registry)}
    old_page = _cli("verify", tmp_path / "run1/certificates/bob.html", env=env)
    assert old_page.returncode == 1 and "REVOKED" in old_page.stdout
    assert _cli("verify", codes["carol"], env=env).returncode == 1
    assert "SUPERSEDED" in _cli("verify", codes["carol"], env=env).stdout
    assert _cli("verify", new["carol"], env=env).returncode == 0
    # a run that could not grade alice (deadline, dead worker) withdraws nothing
    third = [_passed("alice", 0.0, status="failed")]
    out3 = issue_for_batch(third, tmp_path / "run3", key=KEY, registry=registry,
                           date="2026-05-02", pdf=False)
    assert out3["revoked"] == [] and third[0]["certificate_code"] == ""
    assert "stays as it was" in third[0]["problems"][-1]
    with Registry(registry) as reg:
        assert reg.lookup(codes["alice"]).status == "issued"


def test_public_bank_gets_no_certificate_unless_allowed(tmp_path):
    class PublicExam:
        visibility = "public-practice"

    records = [_passed("alice")]
    issue_for_batch(records, tmp_path / "a", exam=PublicExam(), key=KEY,
                    registry=tmp_path / "r.sqlite", date="2026-05-01", pdf=False)
    assert records[0]["certificate_code"] == ""
    assert "public practice bank" in records[0]["problems"][0]
    records = [_passed("alice")]
    issue_for_batch(records, tmp_path / "b", exam={"physical-separation": PublicExam()},
                    key=KEY, registry=tmp_path / "r.sqlite", date="2026-05-01",
                    allow_public_bank=True, pdf=False)
    v = verify_code(records[0]["certificate_code"], KEY)
    assert v.bank == "public-practice" and "PRACTICE" in " ".join(v.lines()).upper()
    page = (tmp_path / "b/certificates/alice.html").read_text()
    assert "Practice certificate" in page
    assert inspect_certificate(tmp_path / "b/certificates/alice.html", KEY,
                               registry=tmp_path / "r.sqlite").intact


def test_key_smuggled_through_learner_text_reaches_no_output(tmp_path):
    # learner code that got hold of the key raises an exception NAMED after it, puts it in
    # the message and in a text answer: none of it may reach a file of the results folder
    from resourcekit.grading.report import write_report

    secret = KEY.decode()
    rec = _passed("mallory", problems=[f"cell 3: {secret}Error: {secret} " + "x" * 500],
                  questions=[{"id": "q1", "points": 16.0, "max_points": 16.0,
                              "feedback": f"q1: your answer {secret.upper()!r} is a str"}])
    results = tmp_path / "results"
    issue_for_batch([rec], results, key=KEY, registry=tmp_path / "r.sqlite", pdf=False)
    (results / "mallory.json").write_text(__import__("json").dumps(rec))
    write_report(rec, results / "reports" / "mallory.html")
    assert all(len(p) <= 200 for p in rec["problems"])
    for path in results.rglob("*"):
        if path.is_file():
            text = path.read_text(errors="replace").lower()
            assert secret.lower() not in text, path
    assert "[redacted]" in (results / "reports" / "mallory.html").read_text()


def test_key_file_inside_results_folder_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("RESOURCEKIT_KEY_FILE", str(tmp_path / "results" / "certificate.key"))
    with pytest.raises(CertificateError, match="inside the results folder"):
        issue_for_batch([_passed("alice")], tmp_path / "results",
                        registry=tmp_path / "r.sqlite", pdf=False)


def test_certificate_pdf_with_headless_chromium(tmp_path):
    # make test installs Debian's chromium; the certificate page has no external resources
    code = certificate_code(RECORD, date="2026-05-01", key=KEY)
    page = write_certificate(RECORD, code, tmp_path / "alice.html", title="Cert", key=KEY)
    pdf = certificate_pdf(page)
    assert pdf == tmp_path / "alice.pdf"
    data = pdf.read_bytes()
    assert data[:5] == b"%PDF-" and len(data) > 2000


def test_japanese_name_and_title_print_in_a_japanese_font(tmp_path):
    """Issue 26: a learner's Japanese name and a Japanese exam title come out of the PDF as
    the same characters (each glyph drawn from a font that has it). Without a Japanese font
    (make test installs Debian's fonts-noto-cjk) Chromium prints empty boxes, which read back
    as NUL characters."""
    from pypdf import PdfReader

    record = {**RECORD, "name": "山田 太郎"}
    code = certificate_code(record, date="2026-05-01", key=KEY)
    page = write_certificate(record, code, tmp_path / "yamada.html", title="物理選別 認定試験",
                             key=KEY)
    text = PdfReader(certificate_pdf(page)).pages[0].extract_text()
    assert "太郎" in text and "物理選別" in text and "認定試験" in text, text[:200]
    assert "\x00" not in text


def test_retitled_page_fails_naming_the_field(tmp_path):
    # issue 22, attack 1: a genuine certificate whose <title> and heading were changed to a
    # grander qualification passed `verify FILE`, because the page was rebuilt with the
    # file's own title; now every field comes from the registry's record
    code = certificate_code(RECORD, date="2026-05-01", key=KEY)
    entry = _recorded(code, title="Physical separation (certification exam)", pass_mark=0.7,
                      bank_sha256="ab" * 32, bank_visibility="private")
    page = write_certificate(RECORD, code, tmp_path / "alice.html", key=KEY, entry=entry)
    assert inspect_certificate(page, KEY).intact
    text = page.read_text()
    grand = "Master of Science in Mineral Processing (with distinction)"
    retitled = tmp_path / "retitled.html"
    retitled.write_text(text.replace("Physical separation (certification exam)", grand))
    check = inspect_certificate(retitled, KEY)
    assert check.edited_fields[:2] == ["document title", "title"]
    assert grand in check.differences[0] and "registry records" in check.differences[0]
    with pytest.raises(CertificateError, match="edited: document title differs"):
        verify_certificate(retitled, KEY)
    key_file = tmp_path / "key"
    key_file.write_text(KEY.decode())
    key_file.chmod(0o600)
    out = _cli("verify", retitled, env={**os.environ, "RESOURCEKIT_KEY_FILE": str(key_file)})
    assert out.returncode == 1 and "NOT VALID: the document title differs" in out.stderr
    assert "title: Physical separation (certification exam)" in out.stdout
    # each other visible field is named when it alone is changed
    for field, old, new in (("pass mark", "70 %", "50 %"), ("date", "2026-05-01", "2026-05-02"),
                            ("bank", "private (fingerprint abababababab)", "private")):
        edited = tmp_path / f"{field}.html"
        edited.write_text(text.replace(f">{old}<", f">{new}<"))
        assert inspect_certificate(edited, KEY).edited_fields[0] == field
