"""Certificates with a verification code that only the academy's key can produce.

Design: a self-contained signed payload
---------------------------------------
The code is ``RK1.<payload>.<tag>``: ``payload`` is the base64url of a compact JSON list
(exam id, learner id, name, date, score, max score, and the first 12 hex digits of SHA-256 of
the graded result: points per question and the submission's SHA-256); ``tag`` is the first 16
bytes of HMAC-SHA256 over the payload with the academy's key, base64url. ``verify`` recomputes
the tag (constant-time comparison) and, when it matches, prints the fields the payload holds.

Why not a ledger of issued codes? A ledger must be kept, backed up and shipped wherever codes
are checked, and its entries would need their own MAC anyway. A signed payload verifies
anywhere the key is, survives the loss of any results folder, and any change to a single
character of the code breaks the tag. An edited certificate does not verify: ``verify`` also
accepts the certificate's HTML file and fails when the name, exam, date or score printed on
it differ from what the code signs.

The key
-------
``RESOURCEKIT_CERT_KEY`` (at least 16 characters) or, when unset, the key file
``$XDG_CONFIG_HOME/resourcekit/certificate.key`` (default ``~/.config/...``), created on first
use with 32 random bytes and permissions 0600; it is never stored in the repository. Keep it
secret and backed up: codes issued with a lost key cannot be verified. The same key, under a
different label, seals exam notebooks (learner id, exam, name) so that a renamed submission
or edited metadata is detected.

Kernels run as the grader's user: the runner scrubs the environment (so the variable never
reaches learner code), but only an OS sandbox (a separate user or a container) keeps learner
code from reading a key *file*; grade certification exams in one, or set the variable.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import html
import json
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "CertificateError",
    "Verified",
    "key_path",
    "load_key",
    "certificate_code",
    "verify_code",
    "verify_certificate",
    "write_certificate",
    "certificate_pdf",
    "result_digest",
    "seal_exam",
    "check_seal",
]

_PREFIX = "RK1"
_CODE = re.compile(r"^RK1\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]{22})$")


class CertificateError(ValueError):
    """A key or a certificate code is missing, malformed or does not verify."""


def key_path() -> Path:
    """Where the key file lives: ``$XDG_CONFIG_HOME/resourcekit/certificate.key``."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "resourcekit" / "certificate.key"


def load_key(create: bool = True) -> bytes:
    """The academy's key: ``RESOURCEKIT_CERT_KEY`` or the 0600 key file (created if asked)."""
    env = os.environ.get("RESOURCEKIT_CERT_KEY")
    if env is not None:
        if len(env) < 16:
            raise CertificateError("RESOURCEKIT_CERT_KEY is too short: use at least 16 "
                                   "characters (e.g. the output of `openssl rand -hex 32`)")
        return env.encode()
    path = key_path()
    if not path.exists():
        if not create:
            raise CertificateError(f"no key: set RESOURCEKIT_CERT_KEY or create {path}")
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(32) + "\n")
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        raise CertificateError(f"key file {path} is readable by others (mode {mode:o}); "
                               f"run: chmod 600 {path}")
    key = path.read_text(encoding="utf-8").strip()
    if len(key) < 16:
        raise CertificateError(f"key file {path} holds fewer than 16 characters")
    return key.encode()


def _mac(key: bytes, label: str, data: bytes) -> bytes:
    return hmac.new(key, label.encode() + b"\0" + data, hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def seal_exam(exam_id: str, learner_id: str, name: str, key: bytes | None = None) -> str:
    """Seal over an exam notebook's identity fields (kept in its metadata)."""
    key = key or load_key()
    data = json.dumps([exam_id, learner_id, name], ensure_ascii=False).encode()
    return _b64(_mac(key, "exam-seal", data)[:16])


def check_seal(exam_id: str, learner_id: str, name: str, seal: Any,
               key: bytes | None = None) -> bool:
    """True when ``seal`` matches the identity fields (constant-time comparison)."""
    if not isinstance(seal, str) or not isinstance(name, str):
        return False
    return hmac.compare_digest(seal, seal_exam(exam_id, learner_id, name, key))


def result_digest(record: dict[str, Any]) -> str:
    """12 hex digits of SHA-256 over the graded result (points per question, submission)."""
    data = json.dumps([[q["id"], q["points"]] for q in record["questions"]]
                      + [record.get("submission_sha256", "")], sort_keys=True)
    return hashlib.sha256(data.encode()).hexdigest()[:12]


@dataclass(frozen=True)
class Verified:
    """What a genuine code certifies."""

    exam: str
    learner_id: str
    name: str
    date: str
    score: float
    max_score: float
    digest: str

    @property
    def percent(self) -> float:
        return round(100 * self.score / self.max_score, 2) if self.max_score else 0.0

    def lines(self) -> list[str]:
        return [f"learner: {self.name} ({self.learner_id})", f"exam: {self.exam}",
                f"date: {self.date}",
                f"score: {self.score:g} / {self.max_score:g} ({self.percent:g} %)",
                f"result digest: {self.digest}"]


def certificate_code(record: dict[str, Any], *, date: str | None = None,
                     key: bytes | None = None) -> str:
    """The verification code of a graded, passed exam record.

    ``record`` needs ``exam``, ``learner_id``, ``name``, ``score``, ``max_score``,
    ``questions`` and ``submission_sha256`` (as the exam grader writes them).
    """
    key = key or load_key()
    date = date or dt.date.today().isoformat()
    payload = [record["exam"], record["learner_id"], record.get("name", ""), date,
               record["score"], record["max_score"], result_digest(record)]
    raw = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    return f"{_PREFIX}.{_b64(raw)}.{_b64(_mac(key, 'certificate', raw)[:16])}"


def verify_code(code: str, key: bytes | None = None) -> Verified:
    """Check a code's tag and return what it certifies.

    Raises
    ------
    CertificateError
        Malformed, forged or altered code.
    """
    match = _CODE.match(code.strip()) if isinstance(code, str) else None
    if not match:
        raise CertificateError("not a resourcekit certificate code (expected RK1.<payload>.<tag>)")
    key = key or load_key(create=False)
    try:
        raw, tag = _unb64(match.group(1)), _unb64(match.group(2))
    except ValueError as err:
        raise CertificateError("the code is damaged (bad encoding)") from err
    if not hmac.compare_digest(tag, _mac(key, "certificate", raw)[:16]):
        raise CertificateError("the code does not verify: forged, altered, or issued with "
                               "another key")
    exam, learner_id, name, date, score, max_score, digest = json.loads(raw)
    return Verified(exam, learner_id, name, date, float(score), float(max_score), digest)


def _fields_html(v: Verified) -> dict[str, str]:
    return {"name": v.name, "learner": v.learner_id, "exam": v.exam, "date": v.date,
            "score": f"{v.score:g} / {v.max_score:g} ({v.percent:g} %)"}


def write_certificate(record: dict[str, Any], code: str, path: str | Path, *,
                      title: str = "", key: bytes | None = None) -> Path:
    """Write a self-contained HTML certificate (no external resources) for a passed record."""
    v = verify_code(code, key)
    fields = _fields_html(v)
    e = {k: html.escape(s) for k, s in fields.items()}
    title = html.escape(title or v.exam)
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Certificate: {e['name']} - {title}</title>
<style>
body {{ font-family: Georgia, 'DejaVu Serif', serif; background: #f4f1ea; margin: 0; }}
.cert {{ max-width: 760px; margin: 40px auto; background: #fff; padding: 48px 56px;
        border: 10px double #1f4e79; text-align: center; }}
h1 {{ color: #1f4e79; letter-spacing: .05em; margin-bottom: 0; }}
.name {{ font-size: 2em; margin: .4em 0; }}
table {{ margin: 24px auto; border-collapse: collapse; text-align: left; }}
td {{ padding: 4px 12px; }}
code {{ font-size: .85em; word-break: break-all; }}
.small {{ color: #555; font-size: .85em; }}
</style></head>
<body><div class="cert">
<h1>Certificate</h1>
<p class="small">resourcekit academy</p>
<p>This certifies that</p>
<p class="name" data-field="name">{e['name']}</p>
<p>has passed the examination</p>
<p><strong>{title}</strong></p>
<table>
<tr><td>Learner id</td><td data-field="learner">{e['learner']}</td></tr>
<tr><td>Exam</td><td data-field="exam">{e['exam']}</td></tr>
<tr><td>Date</td><td data-field="date">{e['date']}</td></tr>
<tr><td>Score</td><td data-field="score">{e['score']}</td></tr>
</table>
<p class="small">Verification code</p>
<p><code id="verification-code">{html.escape(code)}</code></p>
<p class="small">Check it with <code>python -m resourcekit.grading verify CODE</code>
(or pass this file instead of the code).</p>
</div></body></html>
"""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")
    return path


def certificate_pdf(html_path: str | Path, *, timeout: float = 60.0) -> Path | None:
    """Print a certificate's HTML to PDF next to it with headless Chromium, if installed.

    The page has no external resources, so this works offline. Returns the PDF's path, or None
    when no Chromium is found (the HTML certificate stands alone; ``make test`` installs
    Debian's ``chromium``).
    """
    import shutil
    import subprocess
    import tempfile

    browser = next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")
                    if shutil.which(n)), None)
    if browser is None:
        return None
    html_path = Path(html_path).resolve()
    pdf = html_path.with_suffix(".pdf")
    with tempfile.TemporaryDirectory(prefix="rk-chromium-") as profile:
        subprocess.run(
            [browser, "--headless", "--no-sandbox", "--disable-gpu",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--no-first-run", f"--user-data-dir={profile}", "--no-pdf-header-footer",
             f"--print-to-pdf={pdf}", html_path.as_uri()],
            check=True, capture_output=True, timeout=timeout,
        )
    return pdf if pdf.is_file() and pdf.read_bytes()[:5] == b"%PDF-" else None


def verify_certificate(path: str | Path, key: bytes | None = None) -> Verified:
    """Verify a certificate file: its code, and that the fields printed on it match the code."""
    text = Path(path).read_text(encoding="utf-8", errors="replace")
    match = re.search(r'id="verification-code">([^<]*)<', text)
    if not match:
        raise CertificateError(f"{path}: no verification code found")
    v = verify_code(html.unescape(match.group(1)), key)
    shown = {k: html.unescape(s) for k, s in re.findall(r'data-field="(\w+)">([^<]*)<', text)}
    expected = _fields_html(v)
    wrong = [k for k, s in expected.items() if shown.get(k) != s]
    if wrong:
        raise CertificateError(f"{path}: the certificate was edited: {', '.join(wrong)} "
                               "differ from what the code certifies")
    return v
