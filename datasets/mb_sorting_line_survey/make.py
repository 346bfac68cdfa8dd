"""Survey of the mixed-metal scrap sorting line: a true balance, then noisy measurements.

Usage: python make.py [OUTDIR]   (default: this folder).

1. The true steady state follows from the feed composition and the split of each metal at
   each machine (``Flowsheet.simulate``), so it closes every balance exactly.
2. Measurements = true values + normal noise with the standard deviations written next to
   them (belt scales 3 %, feed 5 %; assays 5 % relative plus 0.02 wt % absolute).
3. ONE gross error: the belt scale under the ferrous product ``fe_scrap`` reads 25 % low
   (calibration drift). Internal belts ``shredded`` and ``non_magnetic`` have no
   scale; ``shredded`` is not sampled.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
from resourcekit.massbalance import Flowsheet

SEED = 2024
HERE = Path(__file__).resolve().parent
METALS = ["Fe", "Al", "Cu", "Zn"]
# feed: 12 t/h; mass fractions of the feed (rest: plastics, rubber, glass, wood, stainless)
FEED = {"Fe": 0.58, "Al": 0.085, "Cu": 0.032, "Zn": 0.014, "rest": 0.289}
# share of each machine's inflow sent to the named outlet (the other outlet takes the rest)
SPLIT = {
    "dust": {"Fe": 0.01, "Al": 0.015, "Cu": 0.012, "Zn": 0.03, "rest": 0.14},
    "fe_scrap": {"Fe": 0.965, "Al": 0.03, "Cu": 0.09, "Zn": 0.02, "rest": 0.09},
    "nf_mix": {"Fe": 0.35, "Al": 0.92, "Cu": 0.84, "Zn": 0.87, "rest": 0.05},
    "al_product": {"Fe": 0.25, "Al": 0.95, "Cu": 0.04, "Zn": 0.07, "rest": 0.55},
}
GROSS = ("fe_scrap", "mass", 0.75)  # stream, column, factor applied to the measured value
NO_SCALE = ["shredded", "non_magnetic"]
NOT_SAMPLED = ["shredded"]


def main(outdir: Path) -> None:
    edges = pd.read_csv(HERE.parent / "mb_sorting_line_edges" / "data.csv")
    fs = Flowsheet.from_edges(edges)
    feed = pd.DataFrame({k: [12.0 * v] for k, v in FEED.items()}, index=["feed"])
    true = fs.simulate(feed, pd.DataFrame(SPLIT).T)[["mass", *METALS]]
    true[METALS] *= 100.0  # wt %
    sd = true.copy()
    sd["mass"] = 0.03 * true["mass"]
    sd.loc["feed", "mass"] = 0.05 * true.loc["feed", "mass"]
    sd[METALS] = 0.05 * true[METALS] + 0.02
    rng = np.random.default_rng(SEED)
    measured = true + rng.normal(size=true.shape) * sd
    measured = measured.clip(lower=0.0)
    stream, column, factor = GROSS
    measured.loc[stream, column] *= factor
    measured.loc[NO_SCALE, "mass"] = np.nan
    measured.loc[NOT_SAMPLED, METALS] = np.nan
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
