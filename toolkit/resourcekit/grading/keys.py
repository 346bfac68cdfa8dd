"""The academy's secret key: where it lives, how it is read, and what it seals.

One key file, 0600, outside any results folder: ``$RESOURCEKIT_KEY_FILE`` when set, else
``$XDG_CONFIG_HOME/resourcekit/certificate.key`` (default ``~/.config/...``), created on first
use with 32 random bytes. ``RESOURCEKIT_CERT_KEY`` (at least 16 characters) is still read, but
once: it is then deleted from this process's environment (so no worker or kernel started later
inherits it) with a :class:`KeyInEnvironmentWarning`, since the variable stays readable in
``/proc/<pid>/environ`` of the process that received it and of its ancestors. Prefer the file.

The key signs certificate codes (:mod:`.certificates`), seals the identity of exam handouts
(:func:`seal_exam`) and draws each learner's numbers
(:func:`resourcekit.grading.exam.learner_seed`), each under its own label (HMAC-SHA256,
RFC 2104). Only an OS sandbox (another user id, see the grader's sandbox) keeps learner code
from reading a key file of the grading user.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import secrets
import warnings
from pathlib import Path
from typing import Any

from ..errors import ResourcekitError, ResourcekitWarning

__all__ = [
    "CertificateError",
    "KeyInEnvironmentWarning",
    "KEY_ENV",
    "KEY_FILE_ENV",
    "key_path",
    "load_key",
    "clear_key_cache",
    "seal_exam",
    "check_seal",
    "mac",
    "b64",
    "unb64",
]

KEY_ENV = "RESOURCEKIT_CERT_KEY"
KEY_FILE_ENV = "RESOURCEKIT_KEY_FILE"
_ENV_KEY: bytes | None = None  # a key read from RESOURCEKIT_CERT_KEY, kept after deleting it


class CertificateError(ResourcekitError, ValueError):
    """A key, a certificate code or a credential is missing, malformed, revoked or forged."""


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


def key_from_environment() -> bool:
    """True when the key came (or comes) from ``RESOURCEKIT_CERT_KEY`` rather than a file."""
    return os.environ.get(KEY_ENV) is not None or _ENV_KEY is not None


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


def mac(key: bytes, label: str, data: bytes) -> bytes:
    """HMAC-SHA256 (RFC 2104) of ``label NUL data``: one key, a separate label per use."""
    return hmac.new(key, label.encode() + b"\0" + data, hashlib.sha256).digest()


def b64(data: bytes) -> str:
    """base64url without padding.

    >>> b64(b"\\xff\\xfe")
    '__4'
    """
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def unb64(text: str) -> bytes:
    """Strict base64url: the alphabet only, and the text must be the canonical encoding.

    ``urlsafe_b64decode`` ignores stray bits in the last character (``...A`` and ``...B`` can
    decode alike); re-encoding and comparing refuses every text but the canonical one.
    """
    try:
        raw = base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError) as err:
        raise CertificateError("the code is damaged (bad encoding)") from err
    if b64(raw) != text:
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
    return b64(mac(key, "exam-seal", data)[:16])


def check_seal(exam_id: str, learner_id: str, name: str, seal: Any,
               key: bytes | None = None) -> bool:
    """True when ``seal`` matches the identity fields (constant-time comparison)."""
    if not all(isinstance(v, str) for v in (seal, name, learner_id)):
        return False
    return hmac.compare_digest(seal.encode(), seal_exam(exam_id, learner_id, name, key).encode())
