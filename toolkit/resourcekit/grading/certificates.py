"""Certificates: a signed verification code, and a page rendered from the registry's record.

The code
--------
``RK1.<payload>.<tag>``: ``payload`` is the base64url of a compact JSON list (exam id, learner
id, name, date, score, max score, the first 12 hex digits of SHA-256 of the graded result:
points per question and the submission's SHA-256, and, for an exam drawn from a public practice
bank, an eighth entry ``{"bank": "public-practice"}``); ``tag`` is the first 16 bytes of
HMAC-SHA256 over the payload with the academy's key (:mod:`.keys`), base64url. Decoding is
strict: only the canonical base64url text is accepted, so changing any character breaks it.

The page
--------
Every claim on a certificate comes from the registry's record of its code
(:class:`.registry.RegistryEntry`): learner, title of the qualification, exam, question bank
(fingerprint and visibility), date, score and pass mark. :func:`certificate_page` is a pure
function of that record (and of the Open Badges credential embedded in it). ``verify FILE``
(:func:`inspect_certificate`) reads the code from the file, looks its record up, renders the
page the record gives and compares every visible field, the document title too, naming the
first field that differs; a title or heading the file changed is such a field. Hidden
``data-field`` attributes are never trusted.

A signature alone cannot withdraw a certificate: the registry tells whether a code still
holds (issued, superseded or revoked; see :mod:`.registry`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import html
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from .credentials import credential_matches, embedded_credential, public_folder
from .keys import (
    KEY_ENV,
    KEY_FILE_ENV,
    CertificateError,
    KeyInEnvironmentWarning,
    check_seal,
    clear_key_cache,
    key_path,
    load_key,
    seal_exam,
)
from .keys import b64 as _b64
from .keys import mac as _mac
from .keys import unb64 as _unb64
from .registry import Registry, RegistryEntry, open_registry

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
    "embedded_credential",
    "result_digest",
    "seal_exam",
    "check_seal",
    "PUBLIC_BANK",
    "KEY_ENV",
    "KEY_FILE_ENV",
]

_PREFIX = "RK1"
_CODE = re.compile(r"^RK1\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]{22})$")
_CODE_IN_TEXT = re.compile(r"RK1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}(?![A-Za-z0-9_-])")
PUBLIC_BANK = "public-practice"


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


# --- the page: a pure function of the registry's record ------------------------------------

def _bank_text(entry: RegistryEntry, t: Callable[[str], str]) -> str:
    where = (t(" (fingerprint {fingerprint})").format(fingerprint=entry.bank_sha256[:12])
             if entry.bank_sha256 else "")
    if entry.practice:
        return t("public practice bank{where}: a practice certificate").format(where=where)
    return f"{t(entry.bank_visibility) if entry.bank_visibility else t('not recorded')}{where}"


def page_language(page: str) -> str:
    """The language a certificate page declares (``<html lang="ja">``): one of
    :data:`.i18n.LANGUAGES`, else ``"en"`` (whose rendering then differs from the file).

    >>> page_language('<!DOCTYPE html>\\n<html lang="ja"><head>'), page_language("<html>")
    ('ja', 'en')
    """
    from .i18n import LANGUAGES

    found = re.search(r"<html\s+lang=\"([A-Za-z-]+)\"", page[:500])
    return found.group(1) if found and found.group(1) in LANGUAGES else "en"


def certificate_fields(entry: RegistryEntry, lang: str = "en") -> list[tuple[str, str]]:
    """The certificate's claims, in page order: ``(field, text)``, all from ``entry``.

    ``lang="ja"``: the page's own words from the exam frame's catalogue
    (``resourcekit/locale/ja/LC_MESSAGES/exam.po``), the qualification's Japanese title
    (``entry.title_ja``, the exam's ``title_ja``) with the English title as a claim of its
    own; names, ids, dates, scores and the code are the same in every language.

    >>> e = RegistryEntry("RK1.x.y", "demo", "alice", "Alice", "Demo exam", "2026-05-01", 3.0,
    ...                   4.0, "issued", "", "", "", "", 0.6, "ab" * 32, "private")
    >>> dict(certificate_fields(e))["pass mark"], dict(certificate_fields(e))["score"]
    ('60 %', '3 / 4 (75 %)')
    """
    from .i18n import frame

    t = frame(lang)
    english = entry.title or entry.exam
    title = entry.title_ja if lang == "ja" and entry.title_ja else english
    pass_mark = (f"{100 * entry.pass_mark:g} %" if entry.pass_mark is not None
                 else t("not recorded"))
    fields = [("document title",
               t("Certificate: {name} - {title}").format(name=entry.name, title=title)),
              ("name", entry.name), ("title", title)]
    if title != english:
        fields.append(("title in English", english))
    return fields + [
        ("learner", entry.learner_id), ("exam", entry.exam),
        ("bank", _bank_text(entry, t)), ("date", entry.date),
        ("score", f"{float(entry.score or 0):g} / {float(entry.max_score or 0):g} "
                  f"({entry.percent:g} %)"),
        ("pass mark", pass_mark), ("code", entry.code)]


# as on every English certificate issued so far: the English page stays byte for byte what it
# was, or the pages issued before would no longer verify
_CHECK_IT = ("Check it with <code>python -m resourcekit.grading verify CODE</code>\n"
             "(or pass this file instead of the code); the embedded Open Badges credential "
             "checks with\nthe academy's public key alone (<code>verify.html</code>).")


def certificate_page(entry: RegistryEntry, *, credential: str = "", lang: str = "en") -> str:
    """The certificate's HTML for a registry record: a pure function of it (and ``lang``).

    ``credential``: the Open Badges 3.0 VC-JWT of the same record (:mod:`.credentials`),
    embedded in a ``<script type="application/vc+jwt">`` element. Every text comes from
    ``entry`` and is HTML-escaped; the page loads nothing from elsewhere. ``lang="ja"``: the
    Japanese page of the same record (:func:`certificate_fields`); it declares its language
    (``<html lang="ja">``), which is how :func:`inspect_certificate` renders it again.
    """
    from .i18n import frame

    t = frame(lang)
    e = {k: html.escape(v, quote=True) for k, v in certificate_fields(entry, lang)}
    if credential and not re.fullmatch(r"[A-Za-z0-9_.-]+", credential):
        raise CertificateError("the embedded credential must be a compact JWS")
    practice = (f"<p class=\"small\"><strong>{t('Practice certificate')}</strong>: "
                f"{t('the questions come from a public practice bank')}</p>\n"
                ) if entry.practice else ""
    embedded = (f'<script type="application/vc+jwt" id="openbadge-credential">{credential}'
                "</script>\n") if credential else ""
    english = (f'<tr><td>{t("Title in English")}</td><td data-field="title in English">'
               f'{e["title in English"]}</td></tr>\n') if "title in English" in e else ""
    font = ("'Noto Serif CJK JP', 'Noto Sans CJK JP', Georgia, serif" if lang == "ja" else
            "Georgia, 'DejaVu Serif', serif")
    return f"""<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8">
<title>{e['document title']}</title>
<style>
body {{ font-family: {font}; background: #f4f1ea; margin: 0; }}
.cert {{ max-width: 760px; margin: 40px auto; background: #fff; padding: 48px 56px;
        border: 10px double #1f4e79; text-align: center; }}
h1 {{ color: #1f4e79; letter-spacing: .05em; margin-bottom: 0; }}
.name {{ font-size: 2em; margin: .4em 0; }}
table {{ margin: 24px auto; border-collapse: collapse; text-align: left; }}
td {{ padding: 4px 12px; }}
code {{ font-size: .85em; word-break: break-all; }}
.small {{ color: #555; font-size: .85em; }}
</style>
{embedded}</head>
<body><div class="cert">
<h1>{t('Certificate')}</h1>
<p class="small">{t('resourcekit academy')}</p>
<p>{t('This certifies that')}</p>
<p class="name" data-field="name">{e['name']}</p>
<p>{t('has passed the examination')}</p>
<p><strong data-field="title">{e['title']}</strong></p>
{practice}<table>
{english}<tr><td>{t('Learner id')}</td><td data-field="learner">{e['learner']}</td></tr>
<tr><td>{t('Exam')}</td><td data-field="exam">{e['exam']}</td></tr>
<tr><td>{t('Question bank')}</td><td data-field="bank">{e['bank']}</td></tr>
<tr><td>{t('Date')}</td><td data-field="date">{e['date']}</td></tr>
<tr><td>{t('Score')}</td><td data-field="score">{e['score']}</td></tr>
<tr><td>{t('Pass mark')}</td><td data-field="pass mark">{e['pass mark']}</td></tr>
</table>
<p class="small">{t('Verification code')}</p>
<p><code id="verification-code">{e['code']}</code></p>
<p class="small">{t(_CHECK_IT)}</p>
</div></body></html>
"""


def entry_for(record: dict[str, Any], code: str, *, title: str = "",
              key: bytes | None = None) -> RegistryEntry:
    """A registry record for a code not (yet) recorded: its signed content, ``title`` and the
    pass mark and bank of ``record`` (for previews and tests; issuing records it first)."""
    v = verify_code(code, key)
    return RegistryEntry(code, v.exam, v.learner_id, v.name, title or str(record.get("title", ""))
                         or v.exam, v.date, v.score, v.max_score, "issued", "", "", "", "",
                         record.get("pass_mark"), str(record.get("bank_sha256", "")),
                         v.bank or str(record.get("bank_visibility", "")),
                         title_ja=str(record.get("title_ja", "")))


def write_certificate(record: dict[str, Any], code: str, path: str | Path, *,
                      title: str = "", key: bytes | None = None,
                      entry: RegistryEntry | None = None, credential: str = "",
                      lang: str = "en") -> Path:
    """Write a self-contained HTML certificate (no external resources).

    ``entry``: the registry's record of ``code`` (what issuing passes); without it the page
    is rendered from the code's signed content, ``title`` and ``record`` (:func:`entry_for`).
    ``lang="ja"``: the Japanese page of the same record (:func:`certificate_page`).
    """
    entry = entry or entry_for(record, code, title=title, key=key)
    if entry.code != code:
        raise CertificateError(f"the record is of code {entry.code[:24]}..., not {code[:24]}...")
    page = certificate_page(entry, credential=credential, lang=lang)
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


def _document_title(page: str) -> str:
    found = re.search(r"<title[^>]*>(.*?)</title>", page, re.S | re.I)
    return " ".join(html.unescape(found.group(1)).split()) if found else ""


@dataclass
class CertificateCheck:
    """The outcome of :func:`inspect_certificate`.

    ``entry`` is the registry's record of the code (trust only this); ``differences`` lists
    how the file departs from the page that record gives (empty for an untouched certificate);
    ``edited_fields`` names the fields that differ, the first one first.
    """

    code: str
    verified: Verified
    entry: RegistryEntry
    differences: list[str] = field(default_factory=list)
    edited_fields: list[str] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.differences

    @property
    def title(self) -> str:
        return self.entry.title


def _code_of(text: str, path: Path) -> str:
    match = re.search(r'id="verification-code">([^<]*)<', text)
    code = html.unescape(match.group(1)).strip() if match else ""
    if not _CODE.match(code):
        found = _CODE_IN_TEXT.search(text)
        if not found:
            raise CertificateError(f"{path}: no verification code found")
        code = found.group(0)
    return code


def _record_of(code: str, registry: Registry | str | Path | None
               ) -> tuple[RegistryEntry, Path]:
    if isinstance(registry, Registry):
        entry = registry.lookup(code)
        where = registry.path
    else:
        from .registry import registry_path

        where = Path(registry) if registry is not None else registry_path()
        if not where.is_file():
            raise CertificateError(f"no registry at {where}: a certificate page is checked "
                                   "against the registry's record (or check its credential "
                                   "with the public key: verify CREDENTIAL)")
        with open_registry(where) as reg:
            entry = reg.lookup(code)
    if entry is None:
        raise CertificateError(f"the code is NOT RECORDED in the registry {where} (issued "
                               "elsewhere, before the registry, or with a stolen key)")
    return entry, where


def _signed_matches_record(v: Verified, entry: RegistryEntry) -> list[str]:
    pairs = [("exam", v.exam, entry.exam), ("learner", v.learner_id, entry.learner_id),
             ("name", v.name, entry.name), ("date", v.date, entry.date),
             ("score", v.score, float(entry.score or 0)),
             ("max score", v.max_score, float(entry.max_score or 0))]
    return [f"the registry's {n} ({b!r}) differs from the signed code's ({a!r})"
            for n, a, b in pairs if a != b]


def _first_difference(text: str, canonical: str, entry: RegistryEntry, lang: str = "en"
                      ) -> list[tuple[str, str]]:
    """``(field, message)`` for each field of the file that differs from the record's page."""
    out: list[tuple[str, str]] = []
    claims = certificate_fields(entry, lang)
    shown_title, want_title = _document_title(text), claims[0][1]
    if shown_title != " ".join(want_title.split()):
        out.append(("document title", f"the document title shows {shown_title[:160]!r}, the "
                                      f"registry records {want_title[:160]!r}"))
    shown, want = _visible(text), _visible(canonical)
    owner = {}
    for name, value in claims[1:]:
        owner.setdefault(" ".join(value.split()), name)
    for i, expected in enumerate(want):
        got = shown[i] if i < len(shown) else None
        if got != expected:
            name = owner.get(expected, "")
            what = (f"the {name} shows {got[:80] if got else None!r}, the registry records "
                    f"{expected[:80]!r}" if name else
                    f"shown but not certified: {got[:80] if got else None!r} (the certificate "
                    f"says {expected[:80]!r})")
            out.append((name, what))
            break
    else:
        if len(shown) > len(want):
            out.append(("", f"shown but not certified: {shown[len(want)][:80]!r}"))
    # every certified field must be visible where the record puts it
    for name, value in claims[1:]:
        value = " ".join(value.split())
        if value and value not in shown and name not in [n for n, _ in out]:
            out.append((name, f"the {name} the registry records ({value[:80]!r}) is not shown"))
    return out


def inspect_certificate(path: str | Path, key: bytes | None = None, *,
                        registry: Registry | str | Path | None = None) -> CertificateCheck:
    """Compare a certificate file, field by field, with the registry's record of its code.

    The code is read from the element ``id="verification-code"`` (or the first ``RK1.`` code
    in the file) and its signature checked; its record is looked up in ``registry`` (default:
    :func:`.registry.registry_path`) and the page that record gives is rendered (with the
    file's embedded credential, whose signature is checked with the published keys and whose
claims must equal the record's). The document title,
    then every visible text in page order, is compared: ``edited_fields`` names the first
    field that differs (``title`` for a retitled page); any other change of the file (hidden
    content, styling) is reported too.

    Raises
    ------
    CertificateError
        No code in the file, a code that does not verify, or no record of it.
    """
    path = Path(path)
    text = path.read_text(encoding="utf-8", errors="replace")
    code = _code_of(text, path)
    v = verify_code(code, key)
    entry, where = _record_of(code, registry)
    check = CertificateCheck(code=code, verified=v, entry=entry)
    check.differences += _signed_matches_record(v, entry)
    credential = embedded_credential(text)
    if credential:  # checked with the published keys, and against the same record
        jwks = public_folder(where) / "jwks.json"
        problems = (credential_matches(credential, entry, json.loads(jwks.read_text(
            encoding="utf-8"))) if jwks.is_file() else
            [f"the embedded credential cannot be checked: no {jwks}"])
        check.edited_fields += ["credential"] if problems else []
        check.differences += problems
    lang = page_language(text)  # the page of the same record in the language it declares
    canonical = certificate_page(entry, credential=credential, lang=lang)
    for name, message in _first_difference(text, canonical, entry, lang):
        if name:
            check.edited_fields.append(name)
        check.differences.append(message)
    if text.replace("\r\n", "\n") != canonical and not check.differences:
        check.differences.append("the file differs from the certificate its record gives "
                                 "(hidden content, styling or layout)")
    return check


def verify_certificate(path: str | Path, key: bytes | None = None, *,
                       registry: Registry | str | Path | None = None) -> RegistryEntry:
    """Verify a certificate file against the registry; the record it certifies.

    Raises
    ------
    CertificateError
        No code, a code that does not verify or is not recorded, a revoked or superseded
        code, or an edited page (names the first field that differs).
    """
    check = inspect_certificate(path, key, registry=registry)
    if check.differences:
        what = check.edited_fields[0] if check.edited_fields else "the page"
        raise CertificateError(f"{path}: the certificate was edited: {what} differs from the "
                               f"registry's record; " + "; ".join(check.differences))
    if check.entry.status != "issued":
        raise CertificateError(f"{path}: {check.entry.line()}")
    return check.entry
