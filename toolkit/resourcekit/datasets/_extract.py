"""The command line of the scripts that re-draw an extract of a public file
(``datasets/<name>/make_extract.py SOURCE [OUT_DIR]``): check the source's MD5, then write the
extract's ``data.csv``. Each script keeps its own draw; this is the part they share."""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Callable
from pathlib import Path

__all__ = ["run_extract"]


def run_extract(argv: list[str], *, usage: str, source_md5: str, what: str,
                draw: Callable[[bytes], bytes], here: Path) -> int:
    """Write ``draw(source bytes)`` to ``OUT_DIR/data.csv`` (default ``here``); exit status.

    The source is refused (status 2, nothing written) unless its MD5 is ``source_md5``, so an
    extract is only ever re-drawn from the very file its card names; ``what`` names that file
    in the message.

    >>> import tempfile, hashlib
    >>> d = Path(tempfile.mkdtemp()); src = d / "src.csv"; _ = src.write_bytes(b"a\\n1\\n")
    >>> md5 = hashlib.md5(b"a\\n1\\n").hexdigest()
    >>> run_extract([str(src)], usage="", source_md5=md5, what="x", draw=bytes.upper, here=d)
    0
    >>> (d / "data.csv").read_bytes()
    b'A\\n1\\n'
    """
    if not argv:
        print(usage, file=sys.stderr)
        return 2
    source = Path(argv[0])
    raw = source.read_bytes()
    md5 = hashlib.md5(raw).hexdigest()  # noqa: S324 - the checksum the source publishes
    if md5 != source_md5:
        print(f"error: {source} has MD5 {md5}, expected {source_md5} ({what})", file=sys.stderr)
        return 2
    out = Path(argv[1]) if len(argv) > 1 else here
    out.mkdir(parents=True, exist_ok=True)
    (out / "data.csv").write_bytes(draw(raw))
    return 0
