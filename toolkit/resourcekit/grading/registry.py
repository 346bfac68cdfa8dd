"""The registry of issued certificates: one SQLite file the academy keeps and backs up.

Each certificate code a grading run issues is recorded with what it certifies and a status:

* ``issued``: the code holds;
* ``superseded``: a later grading of the same learner and exam issued another code (named in
  ``superseded_by``);
* ``revoked``: withdrawn, with a reason (a re-grade the learner no longer passes, or
  ``python -m resourcekit.grading revoke CODE --reason TEXT``).

A code's signature (:func:`resourcekit.grading.certificates.verify_code`) tells that the
academy issued it; the registry tells whether it still holds. Every change is also appended to
an ``events`` table (who changed what, when, why), which is never rewritten.

Where: ``$RESOURCEKIT_REGISTRY`` when set, else ``registry.sqlite`` beside the key file
(:func:`resourcekit.grading.certificates.key_path`); the file is created 0600 in a 0700 folder.
Anyone who can write it can reinstate a revoked code: keep it with the key, under a user that
graders' kernels never run as, and back it up with the key.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .certificates import CertificateError, Verified, key_path

__all__ = ["Registry", "RegistryEntry", "registry_path", "open_registry", "STATUSES"]

STATUSES = ("issued", "superseded", "revoked")
REGISTRY_ENV = "RESOURCEKIT_REGISTRY"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS certificates (
    code TEXT PRIMARY KEY,
    exam TEXT NOT NULL,
    learner_id TEXT NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    title TEXT NOT NULL DEFAULT '',
    date TEXT NOT NULL DEFAULT '',
    score REAL,
    max_score REAL,
    submission_sha256 TEXT NOT NULL DEFAULT '',
    results_dir TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL CHECK (status IN ('issued', 'superseded', 'revoked')),
    reason TEXT NOT NULL DEFAULT '',
    superseded_by TEXT NOT NULL DEFAULT '',
    issued_at TEXT NOT NULL,
    changed_at TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS certificates_by_learner ON certificates (exam, learner_id, status);
CREATE TABLE IF NOT EXISTS events (
    at TEXT NOT NULL,
    code TEXT NOT NULL,
    action TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT ''
);
"""
_COLUMNS = ("code", "exam", "learner_id", "name", "title", "date", "score", "max_score",
            "status", "reason", "superseded_by", "issued_at", "changed_at")


def registry_path() -> Path:
    """``$RESOURCEKIT_REGISTRY``, else ``registry.sqlite`` in the key file's folder.

    >>> from unittest import mock
    >>> with mock.patch.dict("os.environ", {"RESOURCEKIT_REGISTRY": "/srv/academy/r.sqlite"}):
    ...     str(registry_path())
    '/srv/academy/r.sqlite'
    """
    explicit = os.environ.get(REGISTRY_ENV)
    if explicit:
        return Path(explicit).expanduser()
    return key_path().parent / "registry.sqlite"


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class RegistryEntry:
    """One recorded certificate code and its status."""

    code: str
    exam: str
    learner_id: str
    name: str
    title: str
    date: str
    score: float | None
    max_score: float | None
    status: str
    reason: str
    superseded_by: str
    issued_at: str
    changed_at: str

    def line(self) -> str:
        """One line for people: the status and why."""
        if self.status == "issued":
            return f"registry: issued {self.issued_at}"
        if self.status == "superseded":
            return (f"registry: SUPERSEDED {self.changed_at} by {self.superseded_by}"
                    f" ({self.reason})")
        return f"registry: REVOKED {self.changed_at}: {self.reason}"


class Registry:
    """Issued, superseded and revoked certificate codes in one SQLite file.

    >>> import tempfile, pathlib
    >>> folder = tempfile.mkdtemp()
    >>> rec = {"exam": "demo", "learner_id": "alice", "name": "Alice", "score": 3.0,
    ...        "max_score": 4.0}
    >>> with Registry(pathlib.Path(folder) / "r.sqlite") as reg:
    ...     _ = reg.issue("RK1.a.b", rec)
    ...     _ = reg.revoke("RK1.a.b", "exam leaked")
    ...     reg.lookup("RK1.a.b").status
    'revoked'
    """

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path is not None else registry_path()
        if self.path.is_dir():
            raise CertificateError(f"registry path {self.path} is a folder; give a file name")
        new = not self.path.exists()
        if new:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o600)
            os.close(fd)
        mode = self.path.stat().st_mode & 0o777
        if mode & 0o022:
            raise CertificateError(f"registry {self.path} is writable by others (mode {mode:o}): "
                                   f"anyone could reinstate a revoked code; run: chmod 600 "
                                   f"{self.path}")
        try:
            self._db = sqlite3.connect(str(self.path), timeout=30.0)
            self._db.executescript(_SCHEMA)
        except sqlite3.DatabaseError as err:
            raise CertificateError(f"{self.path} is not a certificate registry: {err}") from err

    # context manager -------------------------------------------------------------------------
    def __enter__(self) -> Registry:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        self._db.close()

    # queries ---------------------------------------------------------------------------------
    def _entry(self, row: tuple[Any, ...] | None) -> RegistryEntry | None:
        return RegistryEntry(*row) if row else None

    def lookup(self, code: str) -> RegistryEntry | None:
        """The entry of ``code``, or None when it was never recorded."""
        row = self._db.execute(f"SELECT {', '.join(_COLUMNS)} FROM certificates WHERE code = ?",
                               (code,)).fetchone()
        return self._entry(row)

    def active(self, exam: str, learner_id: str) -> list[RegistryEntry]:
        """The learner's codes for ``exam`` that still hold (status ``issued``)."""
        rows = self._db.execute(
            f"SELECT {', '.join(_COLUMNS)} FROM certificates WHERE exam = ? AND learner_id = ? "
            "AND status = 'issued' ORDER BY issued_at", (exam, learner_id)).fetchall()
        return [RegistryEntry(*r) for r in rows]

    def entries(self, exam: str | None = None) -> list[RegistryEntry]:
        """Every recorded code (of one exam when given), oldest first."""
        sql = f"SELECT {', '.join(_COLUMNS)} FROM certificates"
        rows = (self._db.execute(sql + " WHERE exam = ? ORDER BY issued_at, code", (exam,))
                if exam else self._db.execute(sql + " ORDER BY issued_at, code")).fetchall()
        return [RegistryEntry(*r) for r in rows]

    def events(self, code: str | None = None) -> list[tuple[str, str, str, str]]:
        """The change log ``(at, code, action, reason)``, oldest first."""
        sql = "SELECT at, code, action, reason FROM events"
        rows = (self._db.execute(sql + " WHERE code = ? ORDER BY rowid", (code,)) if code
                else self._db.execute(sql + " ORDER BY rowid")).fetchall()
        return [tuple(r) for r in rows]

    def backup(self, target: str | Path) -> Path:
        """A consistent copy of the registry in ``target`` (safe while grading runs), 0600.

        Uses SQLite's online backup; ``target`` must not exist (a backup is never overwritten).
        """
        target = Path(target)
        if target.exists():
            raise CertificateError(f"backup target {target} exists; choose a new file name")
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.close(fd)
        dest = sqlite3.connect(str(target))
        try:
            self._db.backup(dest)
        finally:
            dest.close()
        return target

    # changes ---------------------------------------------------------------------------------
    def _log(self, code: str, action: str, reason: str = "") -> None:
        self._db.execute("INSERT INTO events (at, code, action, reason) VALUES (?, ?, ?, ?)",
                         (_now(), code, action, reason))

    def issue(self, code: str, record: dict[str, Any], *, title: str = "",
              results_dir: str = "") -> RegistryEntry:
        """Record ``code`` as issued for ``record``; a code already recorded keeps its status.

        A code revoked by hand stays revoked when the same result is graded again.
        """
        with self._db:
            cur = self._db.execute(
                "INSERT OR IGNORE INTO certificates (code, exam, learner_id, name, title, date, "
                "score, max_score, submission_sha256, results_dir, status, issued_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'issued', ?)",
                (code, str(record["exam"]), str(record["learner_id"]),
                 str(record.get("name", "")), title, str(record.get("date", "")),
                 record.get("score"), record.get("max_score"),
                 str(record.get("submission_sha256", "")), results_dir, _now()))
            if cur.rowcount:
                self._log(code, "issued")
        entry = self.lookup(code)
        assert entry is not None
        return entry

    def _change(self, code: str, status: str, reason: str, superseded_by: str = "",
                verified: Verified | None = None) -> RegistryEntry:
        if not isinstance(reason, str) or not reason.strip():
            raise CertificateError("give a reason (e.g. --reason 'answers copied from bob')")
        with self._db:
            if self.lookup(code) is None:
                if verified is None:
                    raise CertificateError(f"{code[:24]}... is not in the registry {self.path}")
                self._db.execute(
                    "INSERT INTO certificates (code, exam, learner_id, name, date, score, "
                    "max_score, status, issued_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'issued', ?)",
                    (code, verified.exam, verified.learner_id, verified.name, verified.date,
                     verified.score, verified.max_score, ""))
                self._log(code, "recorded", "a code issued before the registry")
            self._db.execute(
                "UPDATE certificates SET status = ?, reason = ?, superseded_by = ?, "
                "changed_at = ? WHERE code = ?",
                (status, reason.strip(), superseded_by, _now(), code))
            self._log(code, status, reason.strip())
        entry = self.lookup(code)
        assert entry is not None
        return entry

    def revoke(self, code: str, reason: str, *, verified: Verified | None = None
               ) -> RegistryEntry:
        """Mark ``code`` revoked with ``reason``.

        A code missing from the registry (issued before it existed) is recorded and revoked
        when ``verified`` (its checked content) is given; otherwise CertificateError.
        """
        return self._change(code, "revoked", reason, verified=verified)

    def supersede(self, code: str, by: str, reason: str = "re-graded") -> RegistryEntry:
        """Mark ``code`` superseded by the newer code ``by``."""
        return self._change(code, "superseded", reason, superseded_by=by)


def open_registry(path: str | Path | None = None) -> Registry:
    """The registry at ``path`` (default :func:`registry_path`), created when missing."""
    return Registry(path)
