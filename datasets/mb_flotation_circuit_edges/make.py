"""Write the flowsheet of a rougher-scavenger-cleaner flotation circuit with two recycles.

Usage: python make.py [OUTDIR]   (default: this folder). Synthetic, no randomness (seed 0).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

EDGES = [
    ("feed", "", "rougher", "new feed (cyclone overflow)"),
    ("rougher_conc", "rougher", "cleaner", "rougher concentrate"),
    ("rougher_tail", "rougher", "scavenger", "rougher tailing"),
    ("final_conc", "cleaner", "", "final concentrate"),
    ("cleaner_tail", "cleaner", "rougher", "cleaner tailing, recycled to the rougher"),
    ("scavenger_conc", "scavenger", "rougher", "scavenger concentrate, recycled to the rougher"),
    ("final_tail", "scavenger", "", "final tailing"),
]


def main(outdir: Path) -> None:
    frame = pd.DataFrame(EDGES, columns=["stream", "from_node", "to_node", "description"])
    outdir.mkdir(parents=True, exist_ok=True)
    frame.to_csv(outdir / "data.csv", index=False, lineterminator="\n")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent)
