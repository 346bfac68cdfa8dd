"""The static verification page, in headless Chromium with the network off.

A genuine credential is valid; a tampered one, one signed with another key, a revoked one and
an expired one are not. The page holds the issuer's keys and revocation list itself and its
Content Security Policy forbids every fetch, so nothing but WebCrypto decides.
"""

from __future__ import annotations

import base64
import json

import pytest
from conftest import offline_chromium
from resourcekit.grading.credentials import Issuer
from resourcekit.grading.issuing import issue_for_batch
from resourcekit.grading.registry import Registry, registry_path
from test_credentials import ISSUER, KEY, _passed

pytestmark = pytest.mark.slow

CHECK = """
const done = arguments[arguments.length - 1];
window.rkVerify(arguments[0]).then(r => done([r.valid, r.reason]));
"""


def _resign_payload(token: str, change) -> str:
    header, payload, sig = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    change(claims)
    body = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    return f"{header}.{body}.{sig}"


def test_offline_page_accepts_only_the_genuine_credential(tmp_path, monkeypatch):
    monkeypatch.setenv("RESOURCEKIT_ISSUER_URL", ISSUER)
    records = [_passed("alice"), _passed("bob")]
    issue_for_batch(records, tmp_path / "results", key=KEY, date="2026-05-01", pdf=False)
    certs = tmp_path / "results" / "certificates"
    genuine = (certs / "alice.jwt").read_text().strip()
    revoked = (certs / "bob.jwt").read_text().strip()
    issuer = Issuer.open(registry_path().parent, issuer=ISSUER)
    with Registry() as reg:
        reg.revoke(records[1]["certificate_code"], "copied answers")
        entry = reg.lookup(records[0]["certificate_code"])
        expired = issuer.credential(entry, valid_until="2026-06-01")
        public = issuer.publish(reg)
    tampered = _resign_payload(genuine, lambda c: c["credentialSubject"]["result"][0].update(
        value="16 / 16"))
    mallory = Issuer.open(tmp_path / "mallory", issuer=ISSUER)
    forged = mallory.sign(json.loads(base64.urlsafe_b64decode(
        genuine.split(".")[1] + "=" * (-len(genuine.split(".")[1]) % 4))))
    with offline_chromium(public) as (driver, root):
        driver.set_script_timeout(30)
        driver.get(f"{root}/verify.html")
        outcomes = {name: driver.execute_async_script(CHECK, token)
                    for name, token in (("genuine", genuine), ("tampered", tampered),
                                        ("wrong key", forged), ("revoked", revoked),
                                        ("expired", expired))}
        # the page's own controls: paste, click, read the verdict
        box = driver.find_element("id", "credential")
        driver.execute_script("arguments[0].value = arguments[1];", box, genuine)
        driver.find_element("id", "check").click()
        driver.implicitly_wait(0)
        import time

        deadline = time.monotonic() + 20
        while (driver.find_element("id", "result").get_attribute("data-status") == "none"
               and time.monotonic() < deadline):
            time.sleep(0.1)
        shown = driver.find_element("id", "result")
        status, text = shown.get_attribute("data-status"), shown.text
        logs = driver.get_log("browser")
    assert outcomes["genuine"] == [True, "VALID: signature, dates and revocation list check out"]
    assert outcomes["tampered"][0] is False and "does not verify" in outcomes["tampered"][1]
    assert outcomes["wrong key"][0] is False and "does not publish" in outcomes["wrong key"][1]
    assert outcomes["revoked"] == [False, "REVOKED: the issuer has withdrawn this certificate"]
    assert outcomes["expired"] == [False, "EXPIRED on 2026-06-01T00:00:00Z"]
    assert status == "valid" and "Alice Tanaka (alice)" in text and "14 / 16" in text
    assert not [entry for entry in logs if entry["level"] == "SEVERE"], logs
