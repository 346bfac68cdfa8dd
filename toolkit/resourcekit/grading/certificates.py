"""Certificates with a verification code that only the academy's key can produce.

Design: a signed payload, recorded in a registry
------------------------------------------------
The code is ``RK1.<payload>.<tag>``: ``payload`` is the base64url of a compact JSON list
(exam id, learner id, name, date, score, max score, the first 12 hex digits of SHA-256 of the
graded result: points per question and the submission's SHA-256, and, for an exam drawn from
a public practice bank, an eighth entry ``{"bank": "public-practice"}``); ``tag`` is the first
16 bytes of HMAC-SHA256 over the payload with the academy's key, base64url. Decoding is
strict: only the canonical base64url text (no padding, no stray bits in the last character)
is accepted, so changing any character of a code breaks it.

A signature alone cannot withdraw a certificate. Every code issued by a grading run is
recorded in the registry (:mod:`.registry`, one SQLite file beside the key) as *issued*; a
re-grade *supersedes* it (the learner still passes; a new code replaces it) or *revokes* it
(the learner no longer passes); ``python -m resourcekit.grading revoke CODE --reason TEXT``
revokes by hand. ``verify`` checks the tag, then the registry.

``verify FILE`` reads the code from the certificate, prints what the *code* says, and compares
the page with the page this code produces (:func:`inspect_certificate`): any edit of the
visible text, of a hidden element or of the styling is reported; hidden ``data-field``
attributes are never trusted.

The key
-------
One key file, 0600, outside any results folder: ``$RESOURCEKIT_KEY_FILE`` when set, else
``$XDG_CONFIG_HOME/resourcekit/certificate.key`` (default ``~/.config/...``), created on first
use with 32 random bytes. ``RESOURCEKIT_CERT_KEY`` (at least 16 characters) is still read, but
once: it is then deleted from this process's environment (so no worker or kernel started later
inherits it) with a :class:`KeyInEnvironmentWarning`, since the variable stays readable in
``/proc/<pid>/environ`` of the process that received it and of its ancestors. Prefer the file.
The same key, under other labels, seals exam notebooks and draws each learner's numbers
(:func:`resourcekit.grading.exam.learner_seed`). Only an OS sandbox (another user id, see the
grader's sandbox) keeps learner code from reading a key file of the grading user.

Text from learner code (exception names and messages, answer strings) reaches results only
through :func:`resourcekit.grading.report.sanitize_record`: cut to 200 characters, with the
key's text redacted.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import html
import json
import os
import re
import secrets
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from ..errors import ResourcekitError, ResourcekitWarning

__all__ = [
    "CertificateError",
    "KeyInEnvironmentWarning",
    "Verified",
    "CertificateCheck",
    "key_path",
    "load_key",
    "clear_key_cache",
    "certificate_code",
    "verify_code",
    "verify_certificate",
    "inspect_certificate",
    "certificate_page",
    "write_certificate",
    "certificate_pdf",
    "result_digest",
    "seal_exam",
    "check_seal",
    "issue_for_batch",
    "PUBLIC_BANK",
]

_PREFIX = "RK1"
_CODE = re.compile(r"^RK1\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]{22})$")
KEY_ENV = "RESOURCEKIT_CERT_KEY"
KEY_FILE_ENV = "RESOURCEKIT_KEY_FILE"
PUBLIC_BANK = "public-practice"
_ENV_KEY: bytes | None = None  # a key read from RESOURCEKIT_CERT_KEY, kept after deleting it


class CertificateError(ResourcekitError, ValueError):
    """A key or a certificate code is missing, malformed, revoked or does not verify."""


class KeyInEnvironmentWarning(ResourcekitWarning):
    """The key came from an environment variable (readable by child processes)."""


def key_path() -> Path:
    """Where the key file lives.

    ``$RESOURCEKIT_KEY_FILE`` when set, else ``$XDG_CONFIG_HOME/resourcekit/certificate.key``
    (``XDG_CONFIG_HOME`` defaults to ``~/.config``).

    >>> from unittest import mock
    >>> with mock.patch.dict("os.environ", {"RESOURCEKIT_KEY_FILE": "/srv/academy/key"}):
    ...     str(key_path())
    '/srv/academy/key'
    """
    explicit = os.environ.get(KEY_FILE_ENV)
    if explicit:
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "resourcekit" / "certificate.key"


def clear_key_cache() -> None:
    """Forget a key read earlier from ``RESOURCEKIT_CERT_KEY`` (the file is read again)."""
    global _ENV_KEY
    _ENV_KEY = None


def load_key(create: bool = True) -> bytes:
    """The academy's key: ``RESOURCEKIT_CERT_KEY`` (read once) or the 0600 key file.

    When the variable is set it is validated, kept in this process's memory, deleted from
    ``os.environ`` (so workers and kernels started afterwards never inherit it) and a
    :class:`KeyInEnvironmentWarning` says to prefer the file. Otherwise the key file
    (:func:`key_path`) is read, created with 32 random bytes (hex) and mode 0600 when missing
    and ``create`` is true.

    Raises
    ------
    CertificateError
        A key shorter than 16 characters, a key file readable by others, or no key.
    """
    global _ENV_KEY
    env = os.environ.get(KEY_ENV)
    if env is not None:
        if len(env) < 16:
            raise CertificateError("RESOURCEKIT_CERT_KEY is too short: use at least 16 "
                                   "characters (e.g. the output of `openssl rand -hex 32`)")
        _ENV_KEY = env.encode()
        del os.environ[KEY_ENV]
        warnings.warn("the certificate key was read from RESOURCEKIT_CERT_KEY and removed from "
                      "this process's environment; environment variables are readable by child "
                      "processes and through /proc/<pid>/environ: prefer a 0600 key file "
                      "(RESOURCEKIT_KEY_FILE)", KeyInEnvironmentWarning, stacklevel=2)
        return _ENV_KEY
    if _ENV_KEY is not None:
        return _ENV_KEY
    path = key_path()
    if not path.exists():
        if not create:
            raise CertificateError(f"no key: create {path} (or set RESOURCEKIT_KEY_FILE)")
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
    """Strict base64url: the alphabet only, and the text must be the canonical encoding.

    ``urlsafe_b64decode`` ignores stray bits in the last character (``...A`` and ``...B`` can
    decode alike); re-encoding and comparing refuses every text but the canonical one.
    """
    try:
        raw = base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError) as err:
        raise CertificateError("the code is damaged (bad encoding)") from err
    if _b64(raw) != text:
        raise CertificateError("the code is damaged (not the canonical encoding)")
    return raw


def seal_exam(exam_id: str, learner_id: str, name: str, key: bytes | None = None) -> str:
    """Seal over an exam notebook's identity fields (kept in its metadata).

    >>> seal_exam("demo", "alice", "Alice", key=b"k" * 16) == seal_exam("demo", "alice", "Alice",
    ...                                                                   key=b"k" * 16)
    True
    """
    key = key or load_key()
    data = json.dumps([exam_id, learner_id, name], ensure_ascii=False).encode()
    return _b64(_mac(key, "exam-seal", data)[:16])


def check_seal(exam_id: str, learner_id: str, name: str, seal: Any,
               key: bytes | None = None) -> bool:
    """True when ``seal`` matches the identity fields (constant-time comparison)."""
    if not isinstance(seal, str) or not isinstance(name, str):
        return False
    return hmac.compare_digest(seal.encode(), seal_exam(exam_id, learner_id, name, key).encode())


def result_digest(record: dict[str, Any]) -> str:
    """12 hex digits of SHA-256 over the graded result (points per question, submission)."""
    data = json.dumps([[q["id"], q["points"]] for q in record["questions"]]
                      + [record.get("submission_sha256", "")], sort_keys=True)
    return hashlib.sha256(data.encode()).hexdigest()[:12]


@dataclass(frozen=True)
class Verified:
    """What a genuine code certifies (``bank`` is ``"public-practice"`` for a practice exam)."""

    exam: str
    learner_id: str
    name: str
    date: str
    score: float
    max_score: float
    digest: str
    bank: str = ""

    @property
    def percent(self) -> float:
        return round(100 * self.score / self.max_score, 2) if self.max_score else 0.0

    def lines(self) -> list[str]:
        out = [f"learner: {self.name} ({self.learner_id})", f"exam: {self.exam}",
               f"date: {self.date}",
               f"score: {self.score:g} / {self.max_score:g} ({self.percent:g} %)",
               f"result digest: {self.digest}"]
        if self.bank == PUBLIC_BANK:
            out.append("bank: PUBLIC PRACTICE BANK (questions and solutions are published): "
                       "a practice certificate, not a certification")
        return out


def certificate_code(record: dict[str, Any], *, date: str | None = None,
                     key: bytes | None = None) -> str:
    """The verification code of a graded, passed exam record.

    ``record`` needs ``exam``, ``learner_id``, ``name``, ``score``, ``max_score``,
    ``questions`` and ``submission_sha256`` (as the exam grader writes them); a record with
    ``bank_visibility == "public-practice"`` gets a code that says so.

    >>> rec = {"exam": "demo", "learner_id": "alice", "name": "Alice", "score": 3.0,
    ...        "max_score": 4.0, "questions": [{"id": "q1", "points": 3.0}]}
    >>> code = certificate_code(rec, date="2026-05-01", key=b"k" * 16)
    >>> verify_code(code, b"k" * 16).percent
    75.0
    """
    key = key or load_key()
    date = date or dt.date.today().isoformat()
    payload: list[Any] = [record["exam"], record["learner_id"], record.get("name", ""), date,
                          record["score"], record["max_score"], result_digest(record)]
    if record.get("bank_visibility") == PUBLIC_BANK:
        payload.append({"bank": PUBLIC_BANK})
    raw = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    return f"{_PREFIX}.{_b64(raw)}.{_b64(_mac(key, 'certificate', raw)[:16])}"


def verify_code(code: str, key: bytes | None = None) -> Verified:
    """Check a code's tag (strict decoding, constant-time comparison); what it certifies.

    This checks the signature only; :meth:`resourcekit.grading.registry.Registry.lookup`
    tells whether the code was revoked or superseded (the ``verify`` command checks both).

    Raises
    ------
    CertificateError
        Malformed, forged or altered code.
    """
    match = _CODE.match(code.strip()) if isinstance(code, str) else None
    if not match:
        raise CertificateError("not a resourcekit certificate code (expected RK1.<payload>.<tag>)")
    key = key or load_key(create=False)
    raw, tag = _unb64(match.group(1)), _unb64(match.group(2))
    if not hmac.compare_digest(tag, _mac(key, "certificate", raw)[:16]):
        raise CertificateError("the code does not verify: forged, altered, or issued with "
                               "another key")
    try:
        fields = json.loads(raw)
        exam, learner_id, name, date, score, max_score, digest = fields[:7]
        extra = fields[7] if len(fields) == 8 else {}
        if len(fields) not in (7, 8) or not isinstance(extra, dict):
            raise ValueError(len(fields))
        return Verified(str(exam), str(learner_id), str(name), str(date), float(score),
                        float(max_score), str(digest), str(extra.get("bank", "")))
    except (ValueError, TypeError) as err:  # signed by the key but not a certificate payload
        raise CertificateError("the code's content is not a certificate") from err


def _fields_html(v: Verified) -> dict[str, str]:
    return {"name": v.name, "learner": v.learner_id, "exam": v.exam, "date": v.date,
            "score": f"{v.score:g} / {v.max_score:g} ({v.percent:g} %)"}


def certificate_page(code: str, *, title: str = "", key: bytes | None = None) -> str:
    """The certificate's HTML for a genuine code: a pure function of the code and the title.

    :func:`inspect_certificate` regenerates this page to detect any edit of a certificate file.
    """
    v = verify_code(code, key)
    e = {k: html.escape(s) for k, s in _fields_html(v).items()}
    title = html.escape(title or v.exam)
    practice = ("<p class=\"small\"><strong>Practice certificate</strong>: the questions come "
                "from a public practice bank</p>\n") if v.bank == PUBLIC_BANK else ""
    return f"""<!DOCTYPE html>
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
{practice}<table>
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


def write_certificate(record: dict[str, Any], code: str, path: str | Path, *,
                      title: str = "", key: bytes | None = None) -> Path:
    """Write a self-contained HTML certificate (no external resources) for a passed record."""
    page = certificate_page(code, title=title, key=key)
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


class _VisibleText(HTMLParser):
    """Text a reader sees: outside head/style/script and outside hidden elements."""

    _SKIP = {"head", "style", "script", "template", "title", "noscript"}
    _VOID = {"br", "hr", "img", "meta", "link", "input", "wbr", "col", "area", "base",
             "source", "track", "embed", "param"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[bool] = []
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._VOID:
            return
        a = {k: (v or "") for k, v in attrs}
        style = re.sub(r"\s+", "", a.get("style", "").lower())
        hidden = (tag in self._SKIP or "hidden" in a or a.get("aria-hidden") == "true"
                  or any(s in style for s in ("display:none", "visibility:hidden",
                                              "opacity:0", "font-size:0")))
        self.stack.append(hidden or (bool(self.stack) and self.stack[-1]))

    def handle_endtag(self, tag: str) -> None:
        if tag not in self._VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        if not (self.stack and self.stack[-1]) and data.strip():
            self.parts.append(" ".join(data.split()))


def _visible(page: str) -> list[str]:
    parser = _VisibleText()
    parser.feed(page)
    parser.close()
    return parser.parts


@dataclass
class CertificateCheck:
    """The outcome of :func:`inspect_certificate`.

    ``verified`` is what the code certifies (trust only this); ``differences`` lists how the
    file departs from the page this code produces (empty for an untouched certificate).
    """

    code: str
    verified: Verified
    title: str
    differences: list[str] = field(default_factory=list)
    edited_fields: list[str] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.differences


def inspect_certificate(path: str | Path, key: bytes | None = None) -> CertificateCheck:
    """Read the code from a certificate file and compare the file with what the code says.

    The code is taken from the element ``id="verification-code"`` (or, failing that, the
    first ``RK1.`` code in the file). The page is regenerated from the code
    (:func:`certificate_page`, with the title shown on the page, which the code does not
    certify) and compared with the file; the fields the code certifies (name, learner id,
    exam, date, score) must appear in the file's *visible* text. Hidden ``data-field``
    attributes are not read.

    Raises
    ------
    CertificateError
        No code in the file, or a code that does not verify.
    """
    text = Path(path).read_text(encoding="utf-8", errors="replace")
    match = re.search(r'id="verification-code">([^<]*)<', text)
    code = html.unescape(match.group(1)).strip() if match else ""
    if not _CODE.match(code):
        found = re.search(r"RK1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}(?![A-Za-z0-9_-])", text)
        if not found:
            raise CertificateError(f"{path}: no verification code found")
        code = found.group(0)
    v = verify_code(code, key)
    shown_title = re.search(r"<p><strong>([^<]*)</strong></p>", text)
    title = html.unescape(shown_title.group(1)) if shown_title else v.exam
    canonical = certificate_page(code, title=title, key=key)
    visible = " | ".join(_visible(text))
    check = CertificateCheck(code=code, verified=v, title=title)
    for name, value in _fields_html(v).items():
        if value and value not in visible:
            check.edited_fields.append(name)
            check.differences.append(f"the {name} the code certifies ({value!r}) is not shown "
                                     "on the page")
    if text.replace("\r\n", "\n") != canonical:
        want = set(_visible(canonical))
        extra = [s for s in _visible(text) if s not in want]
        check.differences.append(
            "the file differs from the certificate this code produces"
            + (f"; shown but not certified: {', '.join(repr(s[:80]) for s in extra[:5])}"
               if extra else " (hidden content, styling or layout)"))
    return check


def verify_certificate(path: str | Path, key: bytes | None = None) -> Verified:
    """Verify a certificate file: its code, and that the page is the one the code produces.

    Raises
    ------
    CertificateError
        No code, a code that does not verify, or an edited page (names the fields whose
        certified value is not shown).
    """
    check = inspect_certificate(path, key)
    if check.differences:
        what = ", ".join(check.edited_fields) or "the page (hidden content or layout)"
        raise CertificateError(f"{path}: the certificate was edited: {what} differ from what "
                               f"the code certifies; " + "; ".join(check.differences))
    return check.verified


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True


def _visibility(exam: Any, exam_id: str) -> str:
    if isinstance(exam, Mapping):
        exam = exam.get(exam_id)
    return str(getattr(exam, "visibility", "") or "") if exam is not None else ""


def issue_for_batch(records: list[dict[str, Any]], results_dir: str | Path, *,
                    exam: Any = None, key: bytes | None = None, registry: Any = None,
                    date: str | None = None, allow_public_bank: bool = False,
                    submissions: list[Path] | Mapping[str, str] | None = None,
                    similarity_threshold: float | None = None,
                    pdf: bool = True) -> dict[str, list[Any]]:
    """Issue, record and write the certificates of one graded exam batch.

    For each record (as the exam grader builds them, before they are written): learner text is
    made safe (:func:`resourcekit.grading.report.sanitize_record`: cut short, the key
    redacted); a record that passed with an intact identity seal gets a code (none from a
    public practice bank unless ``allow_public_bank``); the registry records it as issued and
    marks the learner's earlier codes for the same exam *superseded* (by the new code) or
    *revoked* (the learner was graded and no longer passes; a record whose ``status`` is not
    ``graded`` leaves earlier codes alone); certificates are written to
    ``results_dir/certificates/<learner_id>.html`` (and PDF). With ``submissions`` a
    similarity report over them goes to ``results_dir/similarity.csv`` (one per exam;
    ``submissions`` may map file names to notebook texts already read).

    Parameters
    ----------
    records : list of dict
        Graded records; updated in place (``certificate_code``, ``date``,
        ``bank_visibility``, ``revoked_codes``, ``superseded_codes``, ``problems``).
    results_dir : path
        The run's results folder (must not hold the key file).
    exam : Exam or mapping of exam id to Exam, optional
        Tells each record's bank visibility.
    key : bytes, optional
        The academy key (default :func:`load_key`).
    registry : Registry or path, optional
        Default: :func:`resourcekit.grading.registry.open_registry` (``RESOURCEKIT_REGISTRY``
        or ``registry.sqlite`` beside the key file).

    Returns
    -------
    dict
        ``issued``, ``superseded`` and ``revoked`` codes, ``certificates`` and ``similarity``
        paths.
    """
    from .registry import Registry, open_registry
    from .report import sanitize_record

    results_dir = Path(results_dir)
    if os.environ.get(KEY_ENV) is None and _ENV_KEY is None and _inside(key_path(), results_dir):
        raise CertificateError(f"the key file {key_path()} lies inside the results folder "
                               f"{results_dir}; keep it outside (RESOURCEKIT_KEY_FILE)")
    if not isinstance(registry, Registry):
        from .registry import registry_path

        where = Path(registry) if registry is not None else registry_path()
        if _inside(where, results_dir):
            raise CertificateError(f"the registry {where} lies inside the results folder "
                                   f"{results_dir}; keep it beside the key (RESOURCEKIT_REGISTRY)")
    key = key or load_key()
    date = date or dt.date.today().isoformat()
    secret_texts = [key.decode("utf-8", "replace")]
    reg = registry if isinstance(registry, Registry) else open_registry(registry)
    out: dict[str, list[Any]] = {"issued": [], "superseded": [], "revoked": [],
                                 "certificates": [], "similarity": []}
    try:
        for record in records:
            sanitize_record(record, secrets=secret_texts)
            record.setdefault("problems", [])
            visibility = _visibility(exam, record.get("exam", "")) or record.get(
                "bank_visibility", "")
            record["bank_visibility"] = visibility
            lid = record.get("learner_id") or ""
            code = ""
            if record.get("passed") and record.get("identity_sealed") and lid:
                if visibility == PUBLIC_BANK and not allow_public_bank:
                    record["problems"].append(
                        "passed, but no certificate: this exam draws from a public practice "
                        "bank whose solutions are published (use a private bank with --bank, or "
                        "--allow-public-bank for a practice certificate)")
                else:
                    code = certificate_code(record, date=date, key=key)
            record["certificate_code"] = code
            record["date"] = date
            record["revoked_codes"], record["superseded_codes"] = [], []
            if not lid:
                continue
            if record.get("status", "graded") != "graded":
                # not graded this time (deadline, dead worker, malformed file): an earlier
                # certificate is neither confirmed nor withdrawn by this run
                if reg.active(record["exam"], lid):
                    record["problems"].append(
                        "not graded in this run: the earlier certificate stays as it was")
                continue
            earlier = [e.code for e in reg.active(record["exam"], lid) if e.code != code]
            if code:
                reg.issue(code, record, title=str(record.get("title", "")),
                          results_dir=str(results_dir))
                out["issued"].append(code)
            for old in earlier:
                if code:
                    reg.supersede(old, code, f"re-graded on {date}; score "
                                             f"{record['score']:g} / {record['max_score']:g}")
                    record["superseded_codes"].append(old)
                    out["superseded"].append(old)
                else:
                    why = ("not passed" if not record.get("passed") else
                           "identity seal broken" if not record.get("identity_sealed") else
                           "no certificate from a public bank")
                    reg.revoke(old, f"re-graded on {date}: {why} (score {record['score']:g} / "
                                    f"{record['max_score']:g})")
                    record["revoked_codes"].append(old)
                    out["revoked"].append(old)
    finally:
        if reg is not registry:
            reg.close()
    for record in records:
        if record["certificate_code"]:
            page = write_certificate(record, record["certificate_code"],
                                     results_dir / "certificates" / f"{record['learner_id']}.html",
                                     title=str(record.get("title", "")), key=key)
            out["certificates"].append(page)
            if pdf:
                import subprocess

                try:  # a PDF copy where headless Chromium is installed; the HTML stands alone
                    certificate_pdf(page)
                except (OSError, subprocess.SubprocessError) as err:
                    record["problems"].append(
                        f"PDF certificate not written: {type(err).__name__}")
    if submissions:
        from .similarity import DEFAULT_THRESHOLD, similarity_report

        threshold = DEFAULT_THRESHOLD if similarity_threshold is None else similarity_threshold
        texts = (dict(submissions) if isinstance(submissions, Mapping) else
                 {Path(p).name: Path(p).read_text(encoding="utf-8", errors="replace")
                  for p in submissions if Path(p).is_file() and not Path(p).is_symlink()})
        groups: dict[str, dict[str, str]] = {}
        for record in records:
            name = str(record.get("submission", ""))
            if name in texts:
                groups.setdefault(str(record.get("exam", "")), {})[name] = texts[name]
        for exam_id, group in sorted(groups.items()):
            stem = "similarity" if len(groups) == 1 else f"similarity-{exam_id}"
            out["similarity"].append(similarity_report(group, results_dir, threshold,
                                                       stem=stem))
    return out
