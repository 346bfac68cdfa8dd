"""The certificate registry: issued, superseded, revoked; results folders never overwritten."""

from __future__ import annotations

import sqlite3
import stat

import pytest
from resourcekit.errors import GradingError
from resourcekit.grading.certificates import CertificateError, certificate_code, verify_code
from resourcekit.grading.registry import Registry, registry_path
from resourcekit.grading.report import ensure_results_dir

KEY = b"registry-test-key-0123456789"
RECORD = {"exam": "ex", "learner_id": "alice", "name": "Alice", "score": 9.0,
          "max_score": 10.0, "questions": [{"id": "q1", "points": 9.0}], "date": "2026-05-01"}


def test_default_path_beside_the_key(tmp_path, monkeypatch):
    monkeypatch.delenv("RESOURCEKIT_REGISTRY")
    monkeypatch.setenv("RESOURCEKIT_KEY_FILE", str(tmp_path / "store" / "certificate.key"))
    assert registry_path() == tmp_path / "store" / "registry.sqlite"
    with Registry() as reg:
        assert reg.entries() == []
    assert stat.S_IMODE((tmp_path / "store" / "registry.sqlite").stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "store").stat().st_mode) == 0o700


def test_issue_supersede_revoke_and_log(tmp_path):
    code = certificate_code(RECORD, date="2026-05-01", key=KEY)
    newer = certificate_code({**RECORD, "score": 10.0}, date="2026-05-02", key=KEY)
    with Registry(tmp_path / "r.sqlite") as reg:
        entry = reg.issue(code, RECORD, title="Certificate")
        assert (entry.status, entry.learner_id, entry.score, entry.title) == (
            "issued", "alice", 9.0, "Certificate")
        assert reg.issue(code, RECORD).issued_at == entry.issued_at  # idempotent
        assert [e.code for e in reg.active("ex", "alice")] == [code]
        reg.issue(newer, {**RECORD, "score": 10.0})
        reg.supersede(code, newer, "re-graded")
        assert [e.code for e in reg.active("ex", "alice")] == [newer]
        assert reg.lookup(code).superseded_by == newer
        with pytest.raises(CertificateError, match="reason"):
            reg.revoke(newer, "  ")
        reg.revoke(newer, "exam leaked")
        assert reg.active("ex", "alice") == []
        # a hand revocation sticks when the same result is recorded again
        assert reg.issue(newer, RECORD).status == "revoked"
        assert [a for _, _, a, _ in reg.events(newer)] == ["issued", "revoked"]
        assert reg.lookup("RK1.nothing.here") is None
        with pytest.raises(CertificateError, match="not in the registry"):
            reg.revoke("RK1.unknown.code", "why")
        reg.revoke("RK1.old.code", "pre-registry code", verified=verify_code(code, KEY))
        assert reg.lookup("RK1.old.code").status == "revoked"


def test_backup_is_a_consistent_private_copy(tmp_path):
    code = certificate_code(RECORD, date="2026-05-01", key=KEY)
    with Registry(tmp_path / "r.sqlite") as reg:
        reg.issue(code, RECORD)
        reg.revoke(code, "exam leaked")
        copy = reg.backup(tmp_path / "backup.sqlite")
        with pytest.raises(CertificateError, match="exists"):
            reg.backup(copy)
    assert stat.S_IMODE(copy.stat().st_mode) == 0o600
    with Registry(copy) as restored:
        assert restored.lookup(code).status == "revoked"
        assert restored.lookup(code).reason == "exam leaked"


def test_statuses_are_constrained(tmp_path):
    with Registry(tmp_path / "r.sqlite") as reg:
        reg.issue("RK1.a.b", RECORD)
    db = sqlite3.connect(tmp_path / "r.sqlite")
    with pytest.raises(sqlite3.IntegrityError):
        db.execute("UPDATE certificates SET status = 'valid-forever'")
    db.close()


def test_registry_writable_by_others_or_in_results_is_refused(tmp_path):
    from resourcekit.grading.issuing import issue_for_batch

    path = tmp_path / "r.sqlite"
    Registry(path).close()
    path.chmod(0o666)
    with pytest.raises(CertificateError, match="writable by others"):
        Registry(path)
    with pytest.raises(CertificateError, match="inside the results folder"):
        issue_for_batch([], tmp_path / "results", key=KEY,
                        registry=tmp_path / "results" / "registry.sqlite")


def test_not_a_registry_is_refused(tmp_path):
    bad = tmp_path / "bad.sqlite"
    bad.write_text("this is not sqlite " * 100)
    with pytest.raises(CertificateError, match="not a certificate registry"):
        Registry(bad)
    with pytest.raises(CertificateError, match="folder"):
        Registry(tmp_path)


def test_results_folder_never_overwritten(tmp_path):
    fresh = ensure_results_dir(tmp_path / "results")
    assert fresh == tmp_path / "results" and fresh.is_dir()
    (fresh / "gradebook.csv").write_text("earlier run")
    second = ensure_results_dir(fresh)
    assert second.parent == fresh and second.name.startswith("run-") and second.is_dir()
    third = ensure_results_dir(fresh)
    assert third != second and third.parent == fresh
    assert (fresh / "gradebook.csv").read_text() == "earlier run"
    assert ensure_results_dir(fresh, overwrite=True) == fresh
    (tmp_path / "file").write_text("x")
    with pytest.raises(GradingError, match="not a folder"):
        ensure_results_dir(tmp_path / "file")


def test_cli_grade_into_used_folder_goes_elsewhere(tmp_path, demo_exercise):
    # the CLI refuses to write into an earlier run's folder (checked before any kernel runs)
    import os
    import subprocess
    import sys

    results = tmp_path / "results"
    results.mkdir()
    (results / "gradebook.csv").write_text("earlier run\n")
    subs = tmp_path / "subs"
    subs.mkdir()
    run = subprocess.run([sys.executable, "-m", "resourcekit.grading", "grade", str(subs),
                          "--out", str(results), "--exercises", str(demo_exercise.parent)],
                         capture_output=True, text=True, env=dict(os.environ))
    assert "holds an earlier run: writing to" in run.stdout
    assert (results / "gradebook.csv").read_text() == "earlier run\n"
    assert [p.name.startswith("run-") for p in results.iterdir() if p.is_dir()] == [True]


def test_reinstate_only_a_revoked_code_with_a_reason(tmp_path):
    code = certificate_code(RECORD, date="2026-05-01", key=KEY)
    with Registry(tmp_path / "r.sqlite") as reg:
        reg.issue(code, RECORD)
        with pytest.raises(CertificateError, match="is issued, not revoked"):
            reg.reinstate(code, "nothing to undo")
        reg.revoke(code, "copied")
        assert [e.code for e in reg.revoked_for("ex", "alice")] == [code]
        with pytest.raises(CertificateError, match="reason"):
            reg.reinstate(code, "")
        assert reg.reinstate(code, "appeal upheld").status == "issued"
        assert reg.revoked_for("ex", "alice") == []
        assert reg.events(code)[-1][2:] == ("reinstated", "appeal upheld")
        with pytest.raises(CertificateError, match="not in the registry"):
            reg.reinstate("RK1.never.issued", "why")


def test_a_batch_is_one_transaction_all_or_nothing(tmp_path):
    codes = [certificate_code({**RECORD, "learner_id": f"l{i}"}, date="2026-05-01", key=KEY)
             for i in range(3)]
    with Registry(tmp_path / "r.sqlite") as reg:
        with pytest.raises(RuntimeError), reg.transaction():
            reg.issue(codes[0], {**RECORD, "learner_id": "l0"})
            reg.issue(codes[1], {**RECORD, "learner_id": "l1"})
            raise RuntimeError("grading broke off")
        assert reg.entries() == [] and reg.events() == []
        with reg.transaction():
            for i, code in enumerate(codes):
                reg.issue(code, {**RECORD, "learner_id": f"l{i}"})
        indexes = [e.status_index for e in reg.entries()]
    assert len(set(indexes)) == 3 and all(0 <= i < 131_072 for i in indexes)


def test_a_registry_from_before_the_new_fields_is_upgraded(tmp_path):
    # the first release's table, without pass mark, bank, status index or credential id
    path = tmp_path / "old.sqlite"
    db = sqlite3.connect(path)
    db.executescript("""
        CREATE TABLE certificates (code TEXT PRIMARY KEY, exam TEXT NOT NULL,
          learner_id TEXT NOT NULL, name TEXT NOT NULL DEFAULT '', title TEXT NOT NULL DEFAULT '',
          date TEXT NOT NULL DEFAULT '', score REAL, max_score REAL,
          submission_sha256 TEXT NOT NULL DEFAULT '', results_dir TEXT NOT NULL DEFAULT '',
          status TEXT NOT NULL, reason TEXT NOT NULL DEFAULT '',
          superseded_by TEXT NOT NULL DEFAULT '', issued_at TEXT NOT NULL,
          changed_at TEXT NOT NULL DEFAULT '');
        INSERT INTO certificates (code, exam, learner_id, status, issued_at)
          VALUES ('RK1.old.one', 'ex', 'bob', 'issued', '2026-01-01');
    """)
    db.commit()
    db.close()
    path.chmod(0o600)
    with Registry(path) as reg:
        old = reg.lookup("RK1.old.one")
        assert (old.learner_id, old.pass_mark, old.bank_sha256, old.status_index) == (
            "bob", None, "", None)
        new = reg.issue(certificate_code(RECORD, date="2026-05-01", key=KEY),
                        {**RECORD, "pass_mark": 0.7, "bank_sha256": "ab" * 32})
        assert new.pass_mark == 0.7 and new.status_index is not None
