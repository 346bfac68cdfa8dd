"""The registry of issued certificates: one SQLite file the academy keeps and backs up.

The registry owns the record of every certificate: who (learner id and name), what (exam, the
title of the qualification, the bank's fingerprint and visibility), when, the score and the
pass mark. A certificate page (:mod:`.certificates`) and an Open Badges credential
(:mod:`.credentials`) are rendered from this record and checked against it; nothing a page
says comes from anywhere else.

Each code has a status:

* ``issued``: the code holds;
* ``superseded``: a later grading of the same learner and exam issued another code (named in
  ``superseded_by``);
* ``revoked``: withdrawn, with a reason (a re-grade the learner no longer passes, or
  ``python -m resourcekit.grading revoke CODE --reason TEXT``).

Revocation is final: grading never issues a new code to a learner who holds a revoked code for
the same exam (:meth:`Registry.revoked_for`); ``reinstate CODE --reason TEXT``
(:meth:`Registry.reinstate`) is the only way back, and it is recorded. Every change is also
appended to an ``events`` table (what changed, when, why), which is never rewritten.

Where: ``$RESOURCEKIT_REGISTRY`` when set, else ``registry.sqlite`` beside the key file
(:func:`resourcekit.grading.keys.key_path`); the file is created 0600 in a 0700 folder.
Anyone who can write it can reinstate a revoked code: keep it with the key, under a user that
graders' kernels never run as, and back it up with the key.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import secrets
import sqlite3
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .keys import CertificateError, key_path

__all__ = ["Registry", "RegistryEntry", "registry_path", "open_registry", "STATUSES",
           "STATUS_LIST_BITS"]

STATUSES = ("issued", "superseded", "revoked")
REGISTRY_ENV = "RESOURCEKIT_REGISTRY"
STATUS_LIST_BITS = 131_072
"""Length of the revocation bit string [bits]: the W3C Bitstring Status List minimum (16 kB)."""

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
# columns added after the first release: (name, SQL type and default)
_ADDED = (("pass_mark", "REAL"), ("bank_sha256", "TEXT NOT NULL DEFAULT ''"),
          ("bank_visibility", "TEXT NOT NULL DEFAULT ''"), ("status_index", "INTEGER"),
          ("credential_id", "TEXT NOT NULL DEFAULT ''"), ("title_ja", "TEXT NOT NULL DEFAULT ''"))
_COLUMNS = ("code", "exam", "learner_id", "name", "title", "date", "score", "max_score",
            "status", "reason", "superseded_by", "issued_at", "changed_at", "pass_mark",
            "bank_sha256", "bank_visibility", "status_index", "credential_id", "title_ja")
_SELECT = f"SELECT {', '.join(_COLUMNS)} FROM certificates"


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
    """One recorded certificate: everything a certificate may state, and its status."""

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
    pass_mark: float | None = None
    bank_sha256: str = ""
    bank_visibility: str = ""
    status_index: int | None = None
    credential_id: str = ""
    title_ja: str = ""  # the qualification's Japanese title (the exam's title_ja), if any

    @property
    def percent(self) -> float:
        """Score as a percentage of the maximum [%]."""
        if not self.max_score:
            return 0.0
        return round(100 * float(self.score or 0) / float(self.max_score), 2)

    @property
    def practice(self) -> bool:
        """True when the questions came from a public practice bank (solutions published)."""
        return self.bank_visibility == "public-practice"

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
    ...     [reg.lookup("RK1.a.b").status, len(reg.revoked_for("demo", "alice"))]
    ['revoked', 1]
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
        self._depth = 0
        try:
            self._db = sqlite3.connect(str(self.path), timeout=30.0)
            self._db.executescript(_SCHEMA)
            have = {row[1] for row in self._db.execute("PRAGMA table_info(certificates)")}
            with self._db:
                for name, sql_type in _ADDED:
                    if name not in have:
                        self._db.execute(f"ALTER TABLE certificates ADD COLUMN {name} {sql_type}")
        except sqlite3.DatabaseError as err:
            raise CertificateError(f"{self.path} is not a certificate registry: {err}") from err

    # transactions --------------------------------------------------------------------------
    @contextlib.contextmanager
    def transaction(self) -> Iterator[Registry]:
        """Every change inside is one SQLite transaction (one disk sync for a whole batch):
        all of it is recorded, or none."""
        if self._depth:
            yield self
            return
        self._depth += 1
        try:
            with self._db:
                yield self
        finally:
            self._depth -= 1

    @contextlib.contextmanager
    def _tx(self) -> Iterator[None]:
        if self._depth:
            yield
        else:
            with self._db:
                yield

    # context manager -------------------------------------------------------------------------
    def __enter__(self) -> Registry:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        self._db.close()

    # queries ---------------------------------------------------------------------------------
    def _entries(self, where: str, args: tuple[Any, ...]) -> list[RegistryEntry]:
        return [RegistryEntry(*row) for row in self._db.execute(f"{_SELECT} {where}", args)]

    def lookup(self, code: str) -> RegistryEntry | None:
        """The entry of ``code``, or None when it was never recorded."""
        found = self._entries("WHERE code = ?", (code,))
        return found[0] if found else None

    def active(self, exam: str, learner_id: str) -> list[RegistryEntry]:
        """The learner's codes for ``exam`` that still hold (status ``issued``)."""
        return self._entries("WHERE exam = ? AND learner_id = ? AND status = 'issued' "
                             "ORDER BY issued_at", (exam, learner_id))

    def revoked_for(self, exam: str, learner_id: str) -> list[RegistryEntry]:
        """The learner's revoked codes for ``exam``: while there is one, grading issues none."""
        return self._entries("WHERE exam = ? AND learner_id = ? AND status = 'revoked' "
                             "ORDER BY changed_at", (exam, learner_id))

    def entries(self, exam: str | None = None) -> list[RegistryEntry]:
        """Every recorded code (of one exam when given), oldest first."""
        if exam:
            return self._entries("WHERE exam = ? ORDER BY issued_at, code", (exam,))
        return self._entries("ORDER BY issued_at, code", ())

    def withdrawn_indexes(self) -> list[int]:
        """Status-list indexes of credentials that no longer hold (revoked or superseded)."""
        rows = self._db.execute("SELECT status_index FROM certificates WHERE status != 'issued' "
                                "AND status_index IS NOT NULL ORDER BY status_index")
        return [int(r[0]) for r in rows]

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

    def _free_index(self) -> int:
        """A random unused status-list index (Bitstring Status List: assign at random)."""
        used = {r[0] for r in self._db.execute(
            "SELECT status_index FROM certificates WHERE status_index IS NOT NULL")}
        if len(used) >= STATUS_LIST_BITS:
            raise CertificateError("the status list is full (131,072 credentials)")
        while True:
            index = secrets.randbelow(STATUS_LIST_BITS)
            if index not in used:
                return index

    def issue(self, code: str, record: dict[str, Any], *, title: str = "",
              results_dir: str = "") -> RegistryEntry:
        """Record ``code`` as issued for ``record``; a code already recorded keeps its status.

        ``record`` gives ``exam``, ``learner_id``, ``name``, ``date``, ``score``,
        ``max_score`` and, where known, ``pass_mark``, ``bank_sha256``, ``bank_visibility``
        and ``title_ja``: the fields every certificate of this code states. A code revoked
        by hand stays revoked when the same result is graded again.
        """
        with self._tx():
            cur = self._db.execute(
                "INSERT OR IGNORE INTO certificates (code, exam, learner_id, name, title, date, "
                "score, max_score, submission_sha256, results_dir, status, issued_at, pass_mark, "
                "bank_sha256, bank_visibility, status_index, credential_id, title_ja) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'issued', ?, ?, ?, ?, ?, ?, ?)",
                (code, str(record["exam"]), str(record["learner_id"]),
                 str(record.get("name", "")), title or str(record.get("title", "")),
                 str(record.get("date", "")), record.get("score"), record.get("max_score"),
                 str(record.get("submission_sha256", "")), results_dir, _now(),
                 record.get("pass_mark"), str(record.get("bank_sha256", "")),
                 str(record.get("bank_visibility", "")), self._free_index(),
                 f"urn:uuid:{uuid.uuid4()}", str(record.get("title_ja", ""))))
            if cur.rowcount:
                self._log(code, "issued")
        entry = self.lookup(code)
        assert entry is not None
        return entry

    def _change(self, code: str, status: str, reason: str, superseded_by: str = "",
                verified: Any = None, action: str | None = None,
                allowed_from: tuple[str, ...] = STATUSES) -> RegistryEntry:
        if not isinstance(reason, str) or not reason.strip():
            raise CertificateError("give a reason (e.g. --reason 'answers copied from bob')")
        with self._tx():
            entry = self.lookup(code)
            if entry is None:
                if verified is None:
                    raise CertificateError(f"{code[:24]}... is not in the registry {self.path}")
                self._db.execute(
                    "INSERT INTO certificates (code, exam, learner_id, name, date, score, "
                    "max_score, status, issued_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'issued', ?)",
                    (code, verified.exam, verified.learner_id, verified.name, verified.date,
                     verified.score, verified.max_score, ""))
                self._log(code, "recorded", "a code issued before the registry")
            elif entry.status not in allowed_from:
                raise CertificateError(f"{code[:24]}... is {entry.status}, not "
                                       f"{' or '.join(allowed_from)}: nothing changed")
            self._db.execute(
                "UPDATE certificates SET status = ?, reason = ?, superseded_by = ?, "
                "changed_at = ? WHERE code = ?",
                (status, reason.strip(), superseded_by, _now(), code))
            self._log(code, action or status, reason.strip())
        entry = self.lookup(code)
        assert entry is not None
        return entry

    def revoke(self, code: str, reason: str, *, verified: Any = None) -> RegistryEntry:
        """Mark ``code`` revoked with ``reason``; final until :meth:`reinstate`.

        A code missing from the registry (issued before it existed) is recorded and revoked
        when ``verified`` (its checked content, a :class:`.certificates.Verified`) is given;
        otherwise CertificateError.
        """
        return self._change(code, "revoked", reason, verified=verified)

    def reinstate(self, code: str, reason: str) -> RegistryEntry:
        """Undo a revocation (the only way back), with ``reason`` kept in the event log.

        Raises
        ------
        CertificateError
            No reason, an unknown code, or a code that is not revoked.
        """
        return self._change(code, "issued", reason, action="reinstated",
                            allowed_from=("revoked",))

    def supersede(self, code: str, by: str, reason: str = "re-graded") -> RegistryEntry:
        """Mark ``code`` superseded by the newer code ``by``."""
        return self._change(code, "superseded", reason, superseded_by=by)


def open_registry(path: str | Path | None = None) -> Registry:
    """The registry at ``path`` (default :func:`registry_path`), created when missing."""
    return Registry(path)
