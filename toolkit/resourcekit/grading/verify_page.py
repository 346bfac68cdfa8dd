"""The static, offline page that checks an Open Badges credential in the browser.

``_verify_page/verify.html`` (HTML and JavaScript, no library, no network: its Content
Security Policy forbids every fetch) verifies the RS256 signature with WebCrypto
(``RSASSA-PKCS1-v1_5``/SHA-256), the dates, and the W3C Bitstring Status List
(``DecompressionStream('gzip')``) against the issuer id, public keys (JWKS) and signed status
list pinned into the page when it is written. :meth:`.credentials.Issuer.publish` rewrites it
after every revocation, so a copy handed to an employer is as current as its ``listDate``.
"""

from __future__ import annotations

import datetime as dt
import json
from importlib import resources
from pathlib import Path
from typing import Any

__all__ = ["verify_page", "write_verify_page"]


def verify_page(*, jwks: dict[str, Any], status_list: str, issuer: str,
                list_date: str | None = None) -> str:
    """The page's HTML with the issuer, keys and status list pinned in it.

    The configuration is JSON inside ``<script type="application/json">``, with every ``<``
    written as ``\\u003c`` so no value can close the element.
    """
    template = (resources.files(__package__) / "_verify_page" / "verify.html").read_text(
        encoding="utf-8")
    config = {"issuer": issuer, "jwks": jwks, "statusList": status_list.strip(),
              "listDate": list_date or dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}
    text = json.dumps(config, ensure_ascii=True).replace("<", "\\u003c").replace(">", "\\u003e")
    return template.replace("__RK_CONFIG__", text)


def write_verify_page(path: str | Path, **kwargs: Any) -> Path:
    """Write :func:`verify_page` to ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(verify_page(**kwargs), encoding="utf-8")
    return path
