"""Re-draw the GEOROC Zimbabwe Craton extract: ``python make_extract.py SOURCE_CSV [OUT_DIR]``.

SOURCE_CSV is the GEOROC precompiled file ``2022-06-1KRR1P_ZIMBABWE_CRATON_ARCHEAN.csv``
(GRO.data, doi:10.25625/1KRR1P/KHXKUP, dataset "GEOROC Compilation: Archaean Cratons" V3;
MD5 1f15c19d65fcd8b841329ad1f32737e9, checked before anything is written).

The extract keeps the file as GEOROC wrote it: the header line, 140 of its 426 analysis lines
(byte for byte, in their original order) and the footer (blank lines, the "Abbreviations:" line,
"References:" and the 27 reference lines) unchanged, with the source's CR line terminators.

Which analysis lines: a seeded draw (numpy ``default_rng(SEED)``), stratified by whether the
line has a value in at least one of the 14 REE columns ``LA(PPM)`` ... ``LU(PPM)``: 100 of the
156 lines that have one and 40 of the 270 that have none. Nothing is cleaned or converted.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import numpy as np

SEED = 20261207
SOURCE_MD5 = "1f15c19d65fcd8b841329ad1f32737e9"
N_WITH_REE, N_WITHOUT_REE = 100, 40
REE_HEADERS = [f"{el}(PPM)" for el in ("LA", "CE", "PR", "ND", "SM", "EU", "GD", "TB", "DY",
                                        "HO", "ER", "TM", "YB", "LU")]
EOL = b"\r"  # GEOROC's precompiled files end their lines with CR only


def split_source(raw: bytes) -> tuple[bytes, list[bytes], bytes]:
    """(header line, analysis lines, footer) of a GEOROC precompiled file.

    The analyses run from the line after the header to the first empty line; everything from
    that empty line on (abbreviations, references) is the footer, returned as it is.
    """
    lines = raw.split(EOL)
    end = lines.index(b"", 1)
    return lines[0], lines[1:end], EOL.join(lines[end:])


def has_ree(header: bytes, line: bytes) -> bool:
    """Whether an analysis line holds a value in any REE column."""
    names = next(csv.reader([header.decode("utf-8")]))
    fields = next(csv.reader([line.decode("utf-8")]))
    row = dict(zip(names, fields, strict=True))
    return any(row[name].strip() for name in REE_HEADERS)


def draw(raw: bytes) -> bytes:
    """The extract's bytes from the source file's bytes."""
    header, analyses, footer = split_source(raw)
    flags = np.array([has_ree(header, line) for line in analyses])
    rng = np.random.default_rng(SEED)
    with_ree = rng.choice(np.flatnonzero(flags), N_WITH_REE, replace=False)
    without = rng.choice(np.flatnonzero(~flags), N_WITHOUT_REE, replace=False)
    keep = np.sort(np.concatenate([with_ree, without]))
    return EOL.join([header] + [analyses[i] for i in keep]) + EOL + footer


def main(argv: list[str]) -> int:
    from resourcekit.datasets._extract import run_extract

    return run_extract(argv, usage=__doc__, source_md5=SOURCE_MD5, what="the GRO.data file",
                       draw=draw,
                       here=Path(__file__).resolve().parent)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
