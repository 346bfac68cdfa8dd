"""The package's file cache: one folder, and text kept there that is slow to build.

The embeddings (``ree._embed``), numba's compiled code and the vega bundles (the explore
report's and the live charts' in JupyterLab) all live under :func:`cache_dir`.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

__all__ = ["cache_dir", "cached_text"]


def cache_dir() -> Path:
    """Folder of the cache: ``$RESOURCEKIT_CACHE``, else ``$XDG_CACHE_HOME/resourcekit``
    or ``~/.cache/resourcekit``.

    >>> cache_dir().name in ("resourcekit",) or "RESOURCEKIT_CACHE" in os.environ
    True
    """
    env = os.environ.get("RESOURCEKIT_CACHE")
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "resourcekit"


def cached_text(name: str, build: Callable[[], str]) -> str:
    """The text kept as ``cache_dir() / name``; built with ``build()`` and written there
    (atomically, so two processes never read half a file) when it is missing or empty.

    Name the file after what the text depends on (package versions). A cache folder that
    cannot be written only costs the rebuild next time.
    """
    path = cache_dir() / name
    try:
        if path.is_file() and path.stat().st_size > 0:
            return path.read_text(encoding="utf-8")
    except OSError:
        pass
    text = build()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
    except OSError:
        pass
    return text
