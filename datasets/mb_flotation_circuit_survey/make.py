"""Survey of a copper flotation circuit with two recycles: a true balance plus noise.

Usage: python make.py [OUTDIR]   (default: this folder).

Only the new feed has a mass flow (a belt scale ahead of the mill); every stream is sampled
and assayed for Cu and Fe, as in a plant survey where flows come from the assays. Standard
deviations: feed 4 %; assays 5 % relative plus 0.005 wt % absolute. No gross error.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
from resourcekit.massbalance import Flowsheet

SEED = 7
HERE = Path(__file__).resolve().parent
METALS = ["Cu", "Fe"]
FEED = {"Cu": 0.012, "Fe": 0.060, "rest": 0.928}  # mass fractions of 250 t/h new feed
SPLIT = {
    "rougher_conc": {"Cu": 0.82, "Fe": 0.25, "rest": 0.06},
    "final_conc": {"Cu": 0.78, "Fe": 0.45, "rest": 0.12},
    "scavenger_conc": {"Cu": 0.55, "Fe": 0.20, "rest": 0.04},
}


def main(outdir: Path) -> None:
    edges = pd.read_csv(HERE.parent / "mb_flotation_circuit_edges" / "data.csv")
    fs = Flowsheet.from_edges(edges)
    feed = pd.DataFrame({k: [250.0 * v] for k, v in FEED.items()}, index=["feed"])
    true = fs.simulate(feed, pd.DataFrame(SPLIT).T)[["mass", *METALS]]
    true[METALS] *= 100.0  # wt %
    sd = true.copy()
    sd["mass"] = 0.04 * true["mass"]
    sd[METALS] = 0.05 * true[METALS] + 0.005
    rng = np.random.default_rng(SEED)
    measured = (true + rng.normal(size=true.shape) * sd).clip(lower=0.0)
    measured.loc[measured.index != "feed", "mass"] = np.nan
    sd = sd.where(measured.notna())
    names = {"mass": "mass [t/h]", **{m: f"{m} [wt %]" for m in METALS}}
    parts = []
    for kind, table in (("measured", measured), ("sd", sd), ("true", true)):
        part = table.rename(columns=names)
        part.insert(0, "kind", kind)
        parts.append(part.reset_index())
    out = pd.concat(parts, ignore_index=True)
    outdir.mkdir(parents=True, exist_ok=True)
    out.to_csv(outdir / "data.csv", index=False, float_format="%.6g", lineterminator="\n")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE)
