"""Re-draw the PetDB mafic-ultramafic extract: ``python make_extract.py SOURCE_CSV [OUT_DIR]``.

SOURCE_CSV is ``data/PetDB240122_mafic_ultramafic_cleared.csv`` of the public repository
geo-quarum/artifact_restore_REE (commit 167b01094088247d0d291d0a4b18a4cdbcdab768): 13,266
analyses downloaded from PetDB and kept by that repository's authors where all 14 REE are
reported (MD5 192ac0d14f3981fde31d78f22028f0ca, checked before anything is written).

The extract keeps the file as it is written: the header line (its first column has an empty
name) and 150 of its analysis lines, byte for byte, in their original order, with LF line ends.
Nothing is cleaned or converted.

Which lines: a seeded draw (numpy ``default_rng(SEED)``) of 5 sample names that the source
holds twice (a glass and a whole-rock analysis of one sample), both lines of each, and 140 of
the lines whose sample name is unique. The pairs are kept so that a test meets the source's own
duplicated sample names.
"""

from __future__ import annotations

import csv
import sys
from collections import Counter
from pathlib import Path

import numpy as np

SEED = 20261207
SOURCE_MD5 = "192ac0d14f3981fde31d78f22028f0ca"
N_PAIRS, N_UNIQUE = 5, 140
EOL = b"\n"


def sample_names(lines: list[bytes]) -> list[str]:
    """The ``sample`` field of each analysis line (the source's second column)."""
    return [next(csv.reader([line.decode("utf-8")]))[1] for line in lines]


def draw(raw: bytes) -> bytes:
    """The extract's bytes from the source file's bytes."""
    header, *analyses = raw.rstrip(EOL).split(EOL)
    names = sample_names(analyses)
    counts = Counter(names)
    twice = sorted(name for name, n in counts.items() if n == 2)
    unique = np.array([i for i, name in enumerate(names) if counts[name] == 1])
    rng = np.random.default_rng(SEED)
    pairs = set(rng.choice(twice, N_PAIRS, replace=False).tolist())
    keep = [i for i, name in enumerate(names) if name in pairs]
    keep += rng.choice(unique, N_UNIQUE, replace=False).tolist()
    return EOL.join([header] + [analyses[i] for i in sorted(keep)]) + EOL


def main(argv: list[str]) -> int:
    from resourcekit.datasets._extract import run_extract

    return run_extract(argv, usage=__doc__, source_md5=SOURCE_MD5, what="the PetDB export",
                       draw=draw,
                       here=Path(__file__).resolve().parent)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
