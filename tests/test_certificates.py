"""Certificates: codes verify only with the academy's key; edits and forgeries are refused."""

from __future__ import annotations

import os
import stat
import subprocess
import sys

import pytest
from resourcekit.grading.certificates import (
    CertificateError,
    certificate_code,
    certificate_pdf,
    check_seal,
    load_key,
    seal_exam,
    verify_certificate,
    verify_code,
    write_certificate,
)

KEY = b"unit-test-key-0123456789"
RECORD = {"exam": "physical-separation", "learner_id": "alice", "name": "Alice Tanaka",
          "score": 14.0, "max_score": 16.0, "submission_sha256": "ab" * 32,
          "questions": [{"id": "q1", "points": 2.0}, {"id": "q2", "points": 0.0}]}


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
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    key = load_key()
    path = tmp_path / "resourcekit" / "certificate.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_key() == key and len(key) == 64
    os.chmod(path, 0o644)
    with pytest.raises(CertificateError, match="chmod 600"):
        load_key()


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


def test_cli_verify_exit_codes(monkeypatch):
    env = {**os.environ, "RESOURCEKIT_CERT_KEY": KEY.decode()}
    code = certificate_code(RECORD, date="2026-05-01", key=KEY)
    ok = subprocess.run([sys.executable, "-m", "resourcekit.grading", "verify", code],
                        capture_output=True, text=True, env=env)
    assert ok.returncode == 0, ok.stderr
    assert "Alice Tanaka (alice)" in ok.stdout and "14 / 16" in ok.stdout
    assert "2026-05-01" in ok.stdout and "physical-separation" in ok.stdout
    bad = subprocess.run([sys.executable, "-m", "resourcekit.grading", "verify",
                          code[:-2] + "zz"], capture_output=True, text=True, env=env)
    assert bad.returncode == 1 and "NOT VALID" in bad.stderr


def test_certificate_pdf_with_headless_chromium(tmp_path):
    # make test installs Debian's chromium; the certificate page has no external resources
    code = certificate_code(RECORD, date="2026-05-01", key=KEY)
    page = write_certificate(RECORD, code, tmp_path / "alice.html", title="Cert", key=KEY)
    pdf = certificate_pdf(page)
    assert pdf == tmp_path / "alice.pdf"
    data = pdf.read_bytes()
    assert data[:5] == b"%PDF-" and len(data) > 2000
