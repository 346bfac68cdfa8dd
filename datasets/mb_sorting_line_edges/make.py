"""Write the flowsheet (streams and nodes) of the mixed-metal scrap sorting line.

Usage: python make.py [OUTDIR]   (default: this folder). Synthetic, no randomness (seed 0).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

EDGES = [
    ("feed", "", "shredder", "shredder feed: small appliances and mixed-metal scrap"),
    ("dust", "shredder", "", "shredder dust and fines (cyclone)"),
    ("shredded", "shredder", "magnet", "shredded material to the drum magnet"),
    ("fe_scrap", "magnet", "", "ferrous product (magnetic fraction)"),
    ("non_magnetic", "magnet", "eddy_current",
     "non-magnetic fraction to the eddy-current separator"),
    ("ecs_residue", "eddy_current", "", "eddy-current residue: plastics, rubber, wood, stainless"),
    ("nf_mix", "eddy_current", "sensor_sorter", "non-ferrous mix (Zorba) to the sensor sorter"),
    ("al_product", "sensor_sorter", "", "light fraction: aluminium product (X-ray transmission)"),
    ("heavy_nf", "sensor_sorter", "", "heavy non-ferrous: copper, brass, zinc"),
]


def main(outdir: Path) -> None:
    frame = pd.DataFrame(EDGES, columns=["stream", "from_node", "to_node", "description"])
    outdir.mkdir(parents=True, exist_ok=True)
    frame.to_csv(outdir / "data.csv", index=False, lineterminator="\n")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent)
