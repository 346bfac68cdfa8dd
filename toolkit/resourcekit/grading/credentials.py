"""Open Badges 3.0 credentials: every certificate as a W3C Verifiable Credential (VC-JWT).

What an employer can check with the public key alone
----------------------------------------------------
Each certificate the registry records (:class:`.registry.RegistryEntry`) is also an
``OpenBadgeCredential`` (1EdTech Open Badges 3.0, Final 2024; W3C VC Data Model 2.0), signed
as a compact JWS with **RS256**, the algorithm the standard requires every verifier to accept
(OB 3.0 section 8.2, "VC-JWT"; RFC 7515, RFC 7518 section 3.3). The JWT claims mirror the
credential: ``iss`` = ``issuer.id``, ``jti`` = ``id``, ``sub`` = ``credentialSubject.id``,
``nbf`` = ``validFrom``, ``exp`` = ``validUntil`` (when set); the header holds only
``alg``, ``kid`` and ``typ: JWT``.

Published beside the registry, in ``public/`` (copy it to the issuer's web address,
``$RESOURCEKIT_ISSUER_URL``):

* ``jwks.json``: the issuer's public keys (RFC 7517 JWK Set); ``kid`` =
  ``<issuer>/jwks.json#<RFC 7638 thumbprint>``. A rotated key stays in the set, so every
  credential it signed still verifies (:meth:`Issuer.rotate`);
* ``status/1.jwt``: the revocation list, a ``BitstringStatusListCredential`` (W3C Bitstring
  Status List v1.0, 2025): 131,072 bits, gzip, ``u`` + base64url; bit *i* (the high bit of
  byte 0 is index 0) is 1 when the credential with ``statusListIndex`` *i* is revoked or
  superseded. ``revoke``, ``reinstate`` and grading rewrite it (:meth:`Issuer.publish`);
* ``verify.html``: a static page that checks a credential against the pinned keys and list
  with the browser's WebCrypto (no server, no network).

Signing uses joserfc (BSD-3-Clause), verification cryptography (Apache-2.0/BSD) directly;
no cryptography is written here. Private keys: ``credential-keys/<thumbprint>.pem`` (0600,
in a 0700 folder) beside the registry; ``credential-keys/active`` names the one that signs.
"""

from __future__ import annotations

import base64
import datetime as dt
import gzip
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .keys import CertificateError, b64
from .registry import STATUS_LIST_BITS, Registry, RegistryEntry

__all__ = ["Issuer", "CredentialCheck", "verify_credential", "issuer_url", "credential_claims",
           "public_folder", "read_credential", "embedded_credential", "credential_matches",
           "baked_svg", "baked_png", "png_credential", "attach_to_pdf", "OB_CONTEXT",
           "VC_CONTEXT"]

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
ISSUER_ENV = "RESOURCEKIT_ISSUER_URL"
ISSUER_NAME_ENV = "RESOURCEKIT_ISSUER_NAME"
_DEFAULT_ISSUER = "https://academy.invalid/resourcekit"  # .invalid (RFC 2606): set yours


def issuer_url() -> str:
    """The issuer's id and base URL: ``$RESOURCEKIT_ISSUER_URL`` (no trailing slash).

    >>> from unittest import mock
    >>> with mock.patch.dict("os.environ", {"RESOURCEKIT_ISSUER_URL": "https://ac.example/"}):
    ...     issuer_url()
    'https://ac.example'
    """
    return (os.environ.get(ISSUER_ENV) or _DEFAULT_ISSUER).rstrip("/")


def public_folder(registry_file: Path) -> Path:
    """``public/`` beside the registry: what the academy publishes at :func:`issuer_url`."""
    return Path(registry_file).parent / "public"


def _iso(date: str) -> str:
    return f"{date}T00:00:00Z" if len(date) == 10 else date


def _epoch(text: str) -> int:
    return int(dt.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())


def credential_claims(entry: RegistryEntry, *, issuer: str | None = None,
                      valid_until: str | None = None) -> dict[str, Any]:
    """The Open Badges 3.0 ``OpenBadgeCredential`` of a registry record, with JWT claims.

    Every value comes from ``entry``. ``valid_until``: an ISO date or date-time, or None.

    >>> e = RegistryEntry("RK1.x.y", "demo", "alice", "Alice", "Demo exam", "2026-05-01", 3.0,
    ...                   4.0, "issued", "", "", "", "", 0.6, "ab" * 32, "private", 7,
    ...                   "urn:uuid:0")
    >>> c = credential_claims(e, issuer="https://ac.example")
    >>> c["type"], c["credentialStatus"]["statusListIndex"], c["nbf"]
    (['VerifiableCredential', 'OpenBadgeCredential'], '7', 1777593600)
    """
    base = issuer or issuer_url()
    title = entry.title or entry.exam
    achievement_id = f"{base}/achievements/{entry.exam}"
    practice = entry.practice
    pass_mark = f"{100 * entry.pass_mark:g} %" if entry.pass_mark is not None else "the pass mark"
    bank = (f"the public practice bank (fingerprint {entry.bank_sha256[:12]})" if practice
            else f"a {entry.bank_visibility or 'private'} question bank (fingerprint "
                 f"{entry.bank_sha256[:12] or 'not recorded'})")
    claims: dict[str, Any] = {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": entry.credential_id or f"urn:resourcekit:{entry.code}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": base, "type": ["Profile"],
                   "name": os.environ.get(ISSUER_NAME_ENV) or "resourcekit academy"},
        "validFrom": _iso(entry.date),
        "name": ("Practice certificate: " if practice else "") + title,
        "credentialSubject": {
            "id": f"{base}/learners/{entry.learner_id}",
            "type": ["AchievementSubject"],
            # IdentityObjects (OB 3.0 IdentifierTypeEnum): the name as shown on the
            # certificate, and the academy's learner id as a generic "identifier"
            "identifier": [
                {"type": "IdentityObject", "identityType": "name", "hashed": False,
                 "identityHash": entry.name},
                {"type": "IdentityObject", "identityType": "identifier", "hashed": False,
                 "identityHash": entry.learner_id}],
            "achievement": {
                "id": achievement_id, "type": ["Achievement"], "name": title,
                "achievementType": "Certificate",
                "description": (f"Passed the examination {entry.exam} ({title}), questions "
                                f"drawn from {bank}."
                                + (" A practice certificate: the questions and solutions "
                                   "are published." if practice else "")
                                # both names (issue 26): OB 3.0 gives name one string, so
                                # the Japanese title of the qualification is stated here
                                + (f" Japanese title: {entry.title_ja}." if entry.title_ja
                                   and entry.title_ja != title else "")),
                "criteria": {"narrative": f"Score at least {pass_mark} in the sandboxed, "
                                          f"automatically graded exam {entry.exam}."},
                "resultDescription": [{"id": f"{achievement_id}/score",
                                       "type": ["ResultDescription"], "name": "Score",
                                       "resultType": "RawScore"}]},
            "result": [{"type": ["Result"], "resultDescription": f"{achievement_id}/score",
                        "value": f"{float(entry.score or 0):g} / "
                                 f"{float(entry.max_score or 0):g}"}]},
        "credentialStatus": {
            "id": f"{base}/status/1#{entry.status_index}",
            "type": "BitstringStatusListEntry", "statusPurpose": "revocation",
            "statusListIndex": str(entry.status_index),
            "statusListCredential": f"{base}/status/1"},
    }
    claims.update(iss=base, jti=claims["id"], sub=claims["credentialSubject"]["id"],
                  nbf=_epoch(claims["validFrom"]))
    if valid_until:
        claims["validUntil"] = _iso(valid_until)
        claims["exp"] = _epoch(claims["validUntil"])
    return claims


def _encode_bits(indexes: list[int]) -> str:
    """``u`` + base64url(gzip(bits)); index 0 is the high bit of byte 0 (BSL v1.0 3.2).

    >>> _decode_bit(_encode_bits([0, 9]), 9), _decode_bit(_encode_bits([0, 9]), 8)
    (1, 0)
    """
    bits = bytearray(STATUS_LIST_BITS // 8)
    for i in indexes:
        bits[i // 8] |= 0x80 >> (i % 8)
    return "u" + b64(gzip.compress(bytes(bits), mtime=0))


def _decode_bit(encoded: str, index: int) -> int:
    if not encoded.startswith("u"):
        raise CertificateError("the status list is not multibase base64url ('u...')")
    raw = base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4))
    bits = gzip.decompress(raw)
    if len(bits) * 8 < STATUS_LIST_BITS or not 0 <= index < len(bits) * 8:
        raise CertificateError("the status list is too short or the index lies outside it")
    return (bits[index // 8] >> (7 - index % 8)) & 1


class Issuer:
    """The academy's signing keys, and what it publishes (JWKS, status list, check page)."""

    def __init__(self, folder: str | Path, *, issuer: str | None = None) -> None:
        self.folder = Path(folder)
        self.keys = self.folder / "credential-keys"
        self.public = self.folder / "public"
        self.issuer = issuer or issuer_url()
        self._private: Any = None

    @classmethod
    def open(cls, folder: str | Path, *, issuer: str | None = None) -> Issuer:
        """The issuer whose keys live in ``folder`` (beside the registry); a key is made when
        none exists, and the JWKS is written."""
        self = cls(folder, issuer=issuer)
        if not (self.keys / "active").is_file():
            self.rotate()
        return self

    # keys ---------------------------------------------------------------------------------
    def rotate(self) -> str:
        """Make a new RSA-2048 signing key the active one; earlier keys stay published.

        Returns the new key's ``kid``.
        """
        from joserfc.jwk import RSAKey

        self.keys.mkdir(parents=True, exist_ok=True, mode=0o700)
        key = RSAKey.generate_key(2048, private=True)
        thumb = key.thumbprint()
        fd = os.open(self.keys / f"{thumb}.pem", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(key.as_pem(private=True))
        public = {**key.as_dict(private=False), "kid": self.kid(thumb), "alg": "RS256",
                  "use": "sig"}
        (self.keys / f"{thumb}.public.json").write_text(json.dumps(public) + "\n",
                                                        encoding="utf-8")
        tmp = self.keys / "active.tmp"
        tmp.write_text(thumb + "\n", encoding="utf-8")
        tmp.replace(self.keys / "active")
        self._private = None
        self.write_jwks()
        return self.kid(thumb)

    def kid(self, thumb: str) -> str:
        return f"{self.issuer}/jwks.json#{thumb}"

    def _active(self) -> tuple[str, Any]:
        from joserfc.jwk import RSAKey

        if self._private is None:
            thumb = (self.keys / "active").read_text(encoding="utf-8").strip()
            path = self.keys / f"{thumb}.pem"
            mode = path.stat().st_mode & 0o777
            if mode & 0o077:
                raise CertificateError(f"credential key {path} is readable by others (mode "
                                       f"{mode:o}); run: chmod 600 {path}")
            self._private = (thumb, RSAKey.import_key(path.read_bytes()))
        return self._private

    def jwks(self) -> dict[str, Any]:
        """Every public key this issuer ever signed with (JWK Set, RFC 7517)."""
        keys = []
        for pem in sorted(self.keys.glob("*.pem")):
            public = pem.with_name(pem.stem + ".public.json")
            if not public.is_file():  # written by rotate(); made again from the private key
                from joserfc.jwk import RSAKey

                key = RSAKey.import_key(pem.read_bytes())
                public.write_text(json.dumps({**key.as_dict(private=False), "kid": self.kid(
                    key.thumbprint()), "alg": "RS256", "use": "sig"}) + "\n", encoding="utf-8")
            jwk = json.loads(public.read_text(encoding="utf-8"))
            keys.append({**jwk, "kid": self.kid(pem.stem)})
        return {"keys": keys}

    def write_jwks(self) -> Path:
        self.public.mkdir(parents=True, exist_ok=True)
        path = self.public / "jwks.json"
        path.write_text(json.dumps(self.jwks(), indent=1) + "\n", encoding="utf-8")
        return path

    # signing ------------------------------------------------------------------------------
    def sign(self, claims: dict[str, Any]) -> str:
        """A compact JWS (RS256) of ``claims`` with the active key."""
        from joserfc import jws

        thumb, key = self._active()
        header = {"alg": "RS256", "kid": self.kid(thumb), "typ": "JWT"}
        payload = json.dumps(claims, ensure_ascii=False, separators=(",", ":")).encode()
        return jws.serialize_compact(header, payload, key, algorithms=["RS256"])

    def credential(self, entry: RegistryEntry, *, valid_until: str | None = None) -> str:
        """The signed Open Badges 3.0 credential (VC-JWT) of a registry record."""
        if entry.status_index is None:
            raise CertificateError(f"{entry.code[:24]}... has no status-list index (recorded "
                                   "before credentials); grade again to issue a credential")
        return self.sign(credential_claims(entry, issuer=self.issuer, valid_until=valid_until))

    # publishing ---------------------------------------------------------------------------
    def status_list(self, registry: Registry, *, now: str | None = None) -> str:
        """The signed revocation list (BitstringStatusListCredential as a VC-JWT)."""
        now = now or dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00",
                                                                                   "Z")
        list_id = f"{self.issuer}/status/1"
        claims = {"@context": [VC_CONTEXT], "id": list_id,
                  "type": ["VerifiableCredential", "BitstringStatusListCredential"],
                  "issuer": self.issuer, "validFrom": now,
                  "credentialSubject": {"id": f"{list_id}#list", "type": "BitstringStatusList",
                                        "statusPurpose": "revocation",
                                        "encodedList": _encode_bits(registry.withdrawn_indexes())},
                  "iss": self.issuer, "jti": list_id, "nbf": _epoch(now)}
        return self.sign(claims)

    def publish(self, registry: Registry) -> Path:
        """Write ``public/``: the JWKS, the status list and the offline check page."""
        from .verify_page import write_verify_page

        self.write_jwks()
        status = self.public / "status" / "1.jwt"
        status.parent.mkdir(parents=True, exist_ok=True)
        text = self.status_list(registry)
        status.write_text(text + "\n", encoding="utf-8")
        write_verify_page(self.public / "verify.html", jwks=self.jwks(), status_list=text,
                          issuer=self.issuer)
        return self.public


# --- verification with public material only ------------------------------------------------

@dataclass
class CredentialCheck:
    """The outcome of :func:`verify_credential`: ``valid`` and, when not, why."""

    valid: bool
    reason: str
    claims: dict[str, Any] = field(default_factory=dict)

    def lines(self) -> list[str]:
        c, s = self.claims, self.claims.get("credentialSubject", {})
        ids = {i.get("identityType"): i.get("identityHash") for i in s.get("identifier", [])}
        out = [f"credential: {c.get('name', '')}", f"learner: {ids.get('name', '')} "
               f"({ids.get('identifier', '')})", f"issuer: {c.get('iss', '')}",
               f"valid from: {c.get('validFrom', '')}"]
        if c.get("validUntil"):
            out.append(f"valid until: {c['validUntil']}")
        for r in s.get("result", []):
            out.append(f"score: {r.get('value', '')}")
        return out


def _b64json(part: str) -> dict[str, Any]:
    data = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    return data


def _verify_jws(token: str, jwks: dict[str, Any]) -> dict[str, Any]:
    """The payload of an RS256 compact JWS whose ``kid`` names a key of ``jwks``.

    RSASSA-PKCS1-v1_5 with SHA-256 (RFC 7518 section 3.3) by ``cryptography`` directly (a
    fresh ``verify`` process then starts in a fraction of a second; joserfc, which signs,
    loads X.509 support on import).
    """
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    try:
        head, body, sig = token.split(".")
        header = _b64json(head)
        signature = base64.urlsafe_b64decode(sig + "=" * (-len(sig) % 4))
    except (ValueError, TypeError) as err:
        raise CertificateError("not a compact JWS (header.payload.signature)") from err
    if header.get("alg") != "RS256" or set(header) - {"alg", "kid", "typ"}:
        raise CertificateError(f"header {header!r}: only RS256 with alg, kid, typ is accepted")
    match = [k for k in jwks.get("keys", []) if k.get("kid") == header.get("kid")]
    if not match or match[0].get("kty") != "RSA":
        raise CertificateError(f"signed with a key the issuer does not publish "
                               f"({str(header.get('kid'))[:80]})")

    def number(field: str) -> int:
        text = str(match[0][field])
        return int.from_bytes(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)), "big")

    try:
        public = rsa.RSAPublicNumbers(number("e"), number("n")).public_key()
        public.verify(signature, f"{head}.{body}".encode("ascii"), padding.PKCS1v15(),
                      hashes.SHA256())
        return _b64json(body)
    except (InvalidSignature, ValueError, KeyError) as err:
        raise CertificateError(f"the signature does not verify ({type(err).__name__}): "
                               "altered, or signed with another key") from err


def verify_credential(token: str, jwks: dict[str, Any], status_list: str | None = None, *,
                      now: dt.datetime | None = None) -> CredentialCheck:
    """Check an Open Badges VC-JWT with the issuer's public keys and revocation list only.

    Checks, in order: the RS256 signature with the key ``kid`` names in ``jwks``; that the
    claims are an OpenBadgeCredential whose ``iss``/``jti``/``nbf``/``exp`` mirror the
    credential; ``validFrom`` <= now < ``validUntil``; the status list (itself verified with
    ``jwks``): bit ``statusListIndex`` must be 0. No status list: not valid (revocation
    unknown).
    """
    now = now or dt.datetime.now(dt.UTC)
    try:
        claims = _verify_jws(token.strip(), jwks)
    except CertificateError as err:
        return CredentialCheck(False, str(err))
    check = CredentialCheck(False, "", claims)
    issuer = claims.get("issuer", {})
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    problems = []
    if "OpenBadgeCredential" not in claims.get("type", []):
        problems.append("not an OpenBadgeCredential")
    if claims.get("iss") != issuer_id or claims.get("jti") != claims.get("id") or \
            claims.get("sub") != (claims.get("credentialSubject") or {}).get("id"):
        problems.append("iss/jti/sub do not mirror issuer.id/id/credentialSubject.id")
    try:
        start = dt.datetime.fromisoformat(str(claims["validFrom"]).replace("Z", "+00:00"))
        if claims.get("nbf") != int(start.timestamp()) or now < start:
            problems.append(f"not valid before {claims['validFrom']}")
        if claims.get("validUntil"):
            end = dt.datetime.fromisoformat(str(claims["validUntil"]).replace("Z", "+00:00"))
            if claims.get("exp") != int(end.timestamp()):
                problems.append("exp does not mirror validUntil")
            elif now >= end:
                problems.append(f"EXPIRED on {claims['validUntil']}")
    except (KeyError, ValueError) as err:
        problems.append(f"bad validity dates ({type(err).__name__})")
    if problems:
        check.reason = "; ".join(problems)
        return check
    status = claims.get("credentialStatus") or {}
    if status_list is None:
        check.reason = "revocation NOT checked: no status list given"
        return check
    try:
        listed = _verify_jws(status_list.strip(), jwks)
        subject = listed.get("credentialSubject", {})
        if (listed.get("id") != status.get("statusListCredential")
                or subject.get("statusPurpose") != status.get("statusPurpose")):
            raise CertificateError("the status list is not the one the credential names")
        if _decode_bit(subject["encodedList"], int(status["statusListIndex"])):
            check.reason = "REVOKED (the issuer's status list marks it withdrawn)"
            return check
    except (CertificateError, KeyError, ValueError, OSError) as err:
        check.reason = f"revocation could not be checked: {err}"
        return check
    check.valid, check.reason = True, "valid: signature, dates and status list check out"
    return check


_EMBEDDED = re.compile(
    r'<script type="application/vc\+jwt" id="openbadge-credential">([A-Za-z0-9_.-]*)</script>')


def embedded_credential(text: str) -> str:
    """The Open Badges VC-JWT embedded in a certificate page ('' when there is none)."""
    found = _EMBEDDED.search(text)
    return found.group(1) if found else ""


def credential_matches(token: str, entry: RegistryEntry, jwks: dict[str, Any]) -> list[str]:
    """How a credential departs from the registry's record (its signature checked first)."""
    try:
        claims = _verify_jws(token, jwks)
    except CertificateError as err:
        return [f"the embedded credential does not verify: {err}"]
    issuer = claims.get("issuer") if isinstance(claims.get("issuer"), dict) else {}
    want = credential_claims(entry, issuer=str(claims.get("iss", "")),
                             valid_until=claims.get("validUntil"))
    out = [f"the embedded credential's {k} differs from the registry's record"
           for k in want if k != "issuer" and claims.get(k) != want[k]]
    if issuer.get("id") != claims.get("iss"):
        out.append("the embedded credential's issuer differs from its iss")
    return out


def read_credential(text: str) -> str:
    """The VC-JWT in ``text``: a bare JWS, a ``.jwt`` file's text, or a certificate page."""
    text = text.strip()
    found = embedded_credential(text) if "<" in text else ""
    token = found or text
    if token.count(".") != 2:
        raise CertificateError("no Open Badges credential (a compact JWS) found")
    return token


def baked_svg(credential: str, title: str) -> str:
    """An SVG badge with the credential baked in (OB 3.0 section 5.3.2: ``openbadges:
    credential`` first inside ``svg``, a JWT in its ``verify`` attribute)."""
    import html

    if credential.count(".") != 2 or not all(c.isalnum() or c in "-_." for c in credential):
        raise CertificateError("a baked credential must be a compact JWS")
    t = html.escape(title, quote=True)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" '
            f'xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0" width="240" height="240" '
            f'viewBox="0 0 240 240">\n<openbadges:credential verify="{credential}"/>\n'
            f"<title>{t}</title>\n"
            '<circle cx="120" cy="120" r="110" fill="#1f4e79"/>\n'
            '<circle cx="120" cy="120" r="96" fill="none" stroke="#f4f1ea" stroke-width="4"/>\n'
            f'<text x="120" y="128" font-size="18" text-anchor="middle" fill="#f4f1ea">'
            f"{t[:28]}</text>\n</svg>\n")


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    import struct
    import zlib

    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))


def baked_png(credential: str, size: int = 96) -> bytes:
    """A PNG badge (a plain navy square) with the credential baked in (OB 3.0 section 5.3.1:
    one uncompressed ``iTXt`` chunk, keyword ``openbadgecredential``, before ``IEND``).

    PNG layout from the PNG specification (W3C, 3rd ed. 2025): signature, ``IHDR``, ``IDAT``
    (zlib of filter-0 scanlines), ``iTXt`` (keyword, NUL, compression flag 0, method 0,
    empty language tag and translated keyword, text), ``IEND``.

    >>> png_credential(baked_png("a.b.c")) == "a.b.c"
    True
    """
    import struct
    import zlib

    if credential.count(".") != 2:
        raise CertificateError("a baked credential must be a compact JWS")
    row = b"\x00" + bytes((0x1F, 0x4E, 0x79)) * size
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)  # 8-bit RGB
    text = b"openbadgecredential\x00\x00\x00\x00\x00" + credential.encode("ascii")
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header)
            + _png_chunk(b"IDAT", zlib.compress(row * size, 9))
            + _png_chunk(b"iTXt", text) + _png_chunk(b"IEND", b""))


def png_credential(data: bytes) -> str:
    """The credential baked into a PNG badge ('' when there is none)."""
    import struct

    pos = 8
    while pos + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"iTXt" and body.startswith(b"openbadgecredential\x00"):
            rest = body[len(b"openbadgecredential\x00"):]
            if rest[:1] != b"\x00":  # compressed text is not what the standard bakes
                return ""
            rest = rest[2:]
            _, _, rest = rest.partition(b"\x00")  # language tag
            _, _, rest = rest.partition(b"\x00")  # translated keyword
            return rest.decode("utf-8")
        pos += 12 + length
    return ""


def attach_to_pdf(pdf: str | Path, credential: str) -> Path:
    """Attach the credential to a PDF certificate as ``credential.jwt`` (an embedded file,
    PDF 1.7 section 7.11.4), with pypdf; the PDF is rewritten in place."""
    from pypdf import PdfReader, PdfWriter

    pdf = Path(pdf)
    writer = PdfWriter(clone_from=PdfReader(pdf))
    writer.add_attachment("credential.jwt", (credential + "\n").encode("ascii"))
    tmp = pdf.with_suffix(".pdf.tmp")
    with open(tmp, "wb") as fh:
        writer.write(fh)
    tmp.replace(pdf)
    return pdf
