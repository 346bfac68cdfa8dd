"""Open Badges 3.0 credentials: signed from the registry record, checked with public keys only."""

from __future__ import annotations

import base64
import datetime as dt
import json

import pytest
from resourcekit.grading.certificates import certificate_code, embedded_credential
from resourcekit.grading.credentials import (
    OB_CONTEXT,
    VC_CONTEXT,
    Issuer,
    attach_to_pdf,
    credential_claims,
    png_credential,
    verify_credential,
)
from resourcekit.grading.issuing import issue_for_batch
from resourcekit.grading.keys import key_path
from resourcekit.grading.registry import Registry, registry_path

KEY = b"credential-test-key-0123456789"
ISSUER = "https://academy.example.org/rk"


def _passed(lid: str, score: float = 14.0) -> dict:
    return {"exam": "physical-separation", "learner_id": lid, "name": lid.title() + " Tanaka",
            "title": "Physical separation certificate", "score": score, "max_score": 16.0,
            "percent": score / 0.16, "passed": True, "identity_sealed": True,
            "submission": f"{lid}.ipynb", "submission_sha256": "cd" * 32, "problems": [],
            "pass_mark": 0.7, "bank_sha256": "ef" * 32, "bank_visibility": "private",
            "questions": [{"id": "q1", "points": score, "max_points": 16.0, "feedback": "ok"}]}


@pytest.fixture
def issued(tmp_path, monkeypatch):
    """Two certificates issued by a grading run; the public folder beside the registry."""
    monkeypatch.setenv("RESOURCEKIT_ISSUER_URL", ISSUER)
    key_path().parent.mkdir(parents=True, exist_ok=True)
    key_path().write_text(KEY.decode() + "\n")
    key_path().chmod(0o600)
    records = [_passed("alice"), _passed("bob", 12.0)]
    out = issue_for_batch(records, tmp_path / "results", key=KEY, date="2026-05-01", pdf=False)
    public = registry_path().parent / "public"
    return {"records": {r["learner_id"]: r for r in records}, "out": out, "public": public,
            "jwks": json.loads((public / "jwks.json").read_text()),
            "status": (public / "status" / "1.jwt").read_text(),
            "results": tmp_path / "results"}


def _parts(token: str) -> list[dict]:
    return [json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))
            for p in token.split(".")[:2]]


def test_every_certificate_carries_a_valid_credential(issued):
    page = (issued["results"] / "certificates" / "alice.html").read_text()
    token = embedded_credential(page)
    assert token and (issued["results"] / "certificates" / "alice.jwt").read_text().strip() \
        == token
    svg = (issued["results"] / "certificates" / "alice.svg").read_text()
    assert f'<openbadges:credential verify="{token}"/>' in svg  # baked, OB 3.0 5.3.2
    png = issued["results"] / "certificates" / "alice.png"
    assert png_credential(png.read_bytes()) == token  # baked, OB 3.0 5.3.1
    from PIL import Image  # an independent PNG reader: the file is a valid image

    with Image.open(png) as image:
        image.load()
        assert image.size == (96, 96) and image.text["openbadgecredential"] == token
    check = verify_credential(token, issued["jwks"], issued["status"])
    assert check.valid, check.reason
    assert "learner: Alice Tanaka (alice)" in check.lines() and "score: 14 / 16" in check.lines()


def test_credential_has_the_fields_the_standard_requires(issued):
    # required sets of the 1EdTech JSON schema ob_v3p0_achievementcredential_schema.json
    # (AchievementCredential, AchievementSubject, Achievement) and the OB 3.0 VC-JWT rules
    # (section 8.2: header alg/kid/typ only; iss, jti, sub, nbf mirror the credential); the
    # reference validator also requires credentialSubject.id
    header, claims = _parts(embedded_credential(
        (issued["results"] / "certificates" / "bob.html").read_text()))
    assert set(header) == {"alg", "kid", "typ"} and header["alg"] == "RS256"
    assert header["typ"] == "JWT" and header["kid"].startswith(f"{ISSUER}/jwks.json#")
    assert claims["@context"] == [VC_CONTEXT, OB_CONTEXT]
    assert {"@context", "id", "type", "credentialSubject", "issuer", "validFrom",
            "name"} <= set(claims)
    assert claims["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert claims["issuer"]["id"] == ISSUER and claims["issuer"]["type"] == ["Profile"]
    subject = claims["credentialSubject"]
    assert {"id", "type", "achievement"} <= set(subject)
    assert {"id", "type", "criteria", "description", "name"} <= set(subject["achievement"])
    assert subject["achievement"]["criteria"]["narrative"].startswith("Score at least 70 %")
    kinds = {i["identityType"]: i["identityHash"] for i in subject["identifier"]}
    assert kinds == {"name": "Bob Tanaka", "identifier": "bob"}
    assert all(set(i) == {"type", "hashed", "identityHash", "identityType"}
               for i in subject["identifier"])  # IdentityObject: no other property allowed
    assert set(subject) <= {"id", "type", "identifier", "achievement", "result"}
    assert claims["iss"] == ISSUER and claims["jti"] == claims["id"]
    assert claims["sub"] == subject["id"] and claims["validFrom"] == "2026-05-01T00:00:00Z"
    assert claims["nbf"] == int(dt.datetime(2026, 5, 1, tzinfo=dt.UTC).timestamp())
    status = claims["credentialStatus"]
    assert status["type"] == "BitstringStatusListEntry" and status["statusPurpose"] == \
        "revocation"
    assert status["id"] != status["statusListCredential"] == f"{ISSUER}/status/1"
    with Registry() as reg:
        entry = reg.lookup(issued["records"]["bob"]["certificate_code"])
    assert status["statusListIndex"] == str(entry.status_index)
    assert subject["result"][0]["value"] == "12 / 16"  # from the registry record
    assert entry.bank_sha256[:12] in subject["achievement"]["description"]


def test_tampered_wrong_key_revoked_and_expired_are_not_valid(issued, tmp_path):
    token = (issued["results"] / "certificates" / "alice.jwt").read_text().strip()
    header, payload, sig = token.split(".")
    claims = _parts(token)[1]
    claims["credentialSubject"]["result"][0]["value"] = "16 / 16"
    raised = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    tampered = verify_credential(f"{header}.{raised}.{sig}", issued["jwks"], issued["status"])
    assert not tampered.valid and "does not verify" in tampered.reason
    # another key, even claiming our kid: the signature fails; its own kid: unknown key
    other = Issuer.open(tmp_path / "mallory", issuer=ISSUER)
    forged = other.sign(claims)
    assert "does not publish" in verify_credential(forged, issued["jwks"],
                                                   issued["status"]).reason
    h = _parts(forged)[0]
    h["kid"] = _parts(token)[0]["kid"]
    relabelled = base64.urlsafe_b64encode(json.dumps(h).encode()).decode().rstrip("=")
    bad = verify_credential(relabelled + forged[forged.index("."):], issued["jwks"],
                            issued["status"])
    assert not bad.valid and "does not verify" in bad.reason
    # no status list: revocation unknown, so not valid
    assert "NOT checked" in verify_credential(token, issued["jwks"], None).reason
    # expired
    issuer = Issuer.open(registry_path().parent, issuer=ISSUER)
    with Registry() as reg:
        entry = reg.lookup(issued["records"]["alice"]["certificate_code"])
    short = issuer.credential(entry, valid_until="2026-06-01")
    assert verify_credential(short, issued["jwks"], issued["status"],
                             now=dt.datetime(2026, 5, 15, tzinfo=dt.UTC)).valid
    expired = verify_credential(short, issued["jwks"], issued["status"])
    assert not expired.valid and expired.reason.startswith("EXPIRED on 2026-06-01")
    early = verify_credential(token, issued["jwks"], issued["status"],
                              now=dt.datetime(2026, 4, 30, tzinfo=dt.UTC))
    assert not early.valid and "not valid before" in early.reason


def test_revoke_writes_the_status_list_and_reinstate_clears_it(issued):
    from test_cert_attacks import _cli

    code = issued["records"]["bob"]["certificate_code"]
    token = (issued["results"] / "certificates" / "bob.jwt").read_text()
    out = _cli("revoke", code, "--reason", "copied answers")
    assert out.returncode == 0 and "revocation list" in out.stdout
    status = (issued["public"] / "status" / "1.jwt").read_text()
    assert status != issued["status"]
    check = verify_credential(token, issued["jwks"], status)
    assert not check.valid and check.reason.startswith("REVOKED")
    alice = (issued["results"] / "certificates" / "alice.jwt").read_text()
    assert verify_credential(alice, issued["jwks"], status).valid  # only bob's bit
    assert status.strip() in (issued["public"] / "verify.html").read_text()  # page re-pinned
    assert _cli("reinstate", code, "--reason", "appeal upheld").returncode == 0
    assert verify_credential(token, issued["jwks"],
                             (issued["public"] / "status" / "1.jwt").read_text()).valid


def test_key_rotation_keeps_old_credentials_verifiable(issued):
    from test_cert_attacks import _cli

    old = (issued["results"] / "certificates" / "alice.jwt").read_text()
    assert _cli("rotate-key").returncode == 0
    jwks = json.loads((issued["public"] / "jwks.json").read_text())
    assert len(jwks["keys"]) == 2 and all("d" not in k for k in jwks["keys"])
    issuer = Issuer.open(registry_path().parent, issuer=ISSUER)
    with Registry() as reg:
        new = issuer.credential(reg.lookup(issued["records"]["alice"]["certificate_code"]))
    assert _parts(new)[0]["kid"] != _parts(old)[0]["kid"]
    status = (issued["public"] / "status" / "1.jwt").read_text()
    assert verify_credential(old, jwks, status).valid
    assert verify_credential(new, jwks, status).valid
    assert not verify_credential(new, issued["jwks"], status).valid  # the old set lacks it


def test_cli_verifies_with_the_public_key_alone(issued, tmp_path, monkeypatch):
    from test_cert_attacks import _cli

    # an employer: no academy key, no registry; only the published folder and the files
    monkeypatch.setenv("RESOURCEKIT_KEY_FILE", str(tmp_path / "nokey" / "none.key"))
    monkeypatch.setenv("RESOURCEKIT_REGISTRY", str(tmp_path / "noreg" / "none.sqlite"))
    jwks, status = issued["public"] / "jwks.json", issued["public"] / "status" / "1.jwt"
    cert = issued["results"] / "certificates"
    for target in (cert / "alice.jwt", cert / "alice.html"):
        out = _cli("verify", target, "--jwks", jwks, "--status-list", status)
        assert out.returncode == 0 and out.stdout.startswith("VALID credential"), out
        assert "learner: Alice Tanaka (alice)" in out.stdout
    bad = cert / "forged.jwt"
    text = (cert / "alice.jwt").read_text().strip()
    bad.write_text(text[:-4] + ("AAAA" if not text.endswith("AAAA") else "BBBB"))
    out = _cli("verify", bad, "--jwks", jwks, "--status-list", status)
    assert out.returncode == 1 and "NOT VALID" in out.stdout
    assert not (tmp_path / "nokey").exists()  # no key was created or needed


def test_credential_claims_come_from_the_record_only():
    from resourcekit.grading.registry import RegistryEntry

    code = certificate_code(_passed("carol"), date="2026-05-01", key=KEY)
    entry = RegistryEntry(code, "physical-separation", "carol", "<b>Carol</b>", "Cert",
                          "2026-05-01", 14.0, 16.0, "issued", "", "", "", "", 0.7, "ef" * 32,
                          "public-practice", 5, "urn:uuid:1")
    c = credential_claims(entry, issuer=ISSUER)
    assert c["name"] == "Practice certificate: Cert"
    assert "practice certificate" in c["credentialSubject"]["achievement"]["description"]
    assert c["credentialSubject"]["identifier"][0]["identityHash"] == "<b>Carol</b>"


def test_verify_file_checks_the_embedded_credential_against_the_record(issued):
    from resourcekit.grading.certificates import inspect_certificate

    certs = issued["results"] / "certificates"
    page = (certs / "alice.html").read_text()
    assert inspect_certificate(certs / "alice.html", KEY).intact
    alice, bob = embedded_credential(page), (certs / "bob.jwt").read_text().strip()
    swapped = certs / "swapped.html"
    swapped.write_text(page.replace(alice, bob))  # a genuine credential, but Bob's
    check = inspect_certificate(swapped, KEY)
    assert check.edited_fields == ["credential"]
    assert any("credentialSubject differs from the registry's record" in d
               for d in check.differences)
    broken = certs / "broken.html"
    broken.write_text(page.replace(alice, alice[:-6] + "AAAAAA"))
    assert "does not verify" in " ".join(inspect_certificate(broken, KEY).differences)


def test_credential_attached_to_the_pdf(issued, tmp_path):
    from pypdf import PdfReader, PdfWriter

    token = (issued["results"] / "certificates" / "alice.jwt").read_text().strip()
    pdf = tmp_path / "alice.pdf"
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    with open(pdf, "wb") as fh:
        writer.write(fh)
    attach_to_pdf(pdf, token)
    attached = PdfReader(pdf).attachments
    assert list(attached) == ["credential.jwt"]
    assert attached["credential.jwt"][0].decode().strip() == token
    assert verify_credential(attached["credential.jwt"][0].decode(), issued["jwks"],
                             issued["status"]).valid
