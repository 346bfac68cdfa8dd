"""Make the synthetic GEOROC-style REE export (seeded): ``python make.py [OUT_DIR]``.

SYNTHETIC: no measured value. 240 analyses of three invented rock types whose chondrite-
normalised patterns are straight lines in ln X_N against ionic radius order (slope and level
per rock type, lognormal scatter 15 %, a Eu anomaly per type). The table imitates a GEOROC
"precompiled" export: upper-case headers with units in brackets (``LA(PPM)``, Eu in
``EU(PPB)``), coordinate columns, detection-limit strings ("<0.05", "n.d."), empty cells.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

SEED = 20261130
REE = ["La", "Ce", "Pr", "Nd", "Sm", "Eu", "Gd", "Tb", "Dy", "Ho", "Er", "Tm", "Yb", "Lu"]
# CI chondrite [ppm], McDonough & Sun (1995) Chem. Geol. 120:223, Table 1.
CI = [0.237, 0.613, 0.0928, 0.457, 0.148, 0.0563, 0.199, 0.0361, 0.246, 0.0546, 0.16,
      0.0247, 0.161, 0.0246]
# Rock type: (ln X_N of La, slope per element step, Eu/Eu*)
TYPES = {"BASALT": (3.0, -0.10, 1.0), "GRANITE": (5.0, -0.25, 0.35),
         "CARBONATITE": (8.0, -0.45, 1.0)}


def make() -> pd.DataFrame:
    rng = np.random.default_rng(SEED)
    rows = []
    for rock, (level, slope, eu) in TYPES.items():
        for i in range(80):
            ln = level + slope * np.arange(14) + rng.normal(0, 0.15, 14)
            ln[5] = 0.5 * (ln[4] + ln[6]) + np.log(eu) + rng.normal(0, 0.05)
            ppm = np.exp(ln) * np.array(CI)
            row = {"CITATION": f"[{rng.integers(1, 30)}] Synthetic et al. (2026)",
                   "SAMPLE NAME": f"{rock[:3]}-{i:03d}",
                   "LATITUDE (MIN.)": round(float(rng.uniform(-60, 70)), 4),
                   "LONGITUDE (MIN.)": round(float(rng.uniform(-180, 180)), 4),
                   "ROCK TYPE": rock}
            for el, value in zip(REE, ppm, strict=True):
                if el == "Eu":
                    row["EU(PPB)"] = f"{value * 1000:.4g}"
                else:
                    row[f"{el.upper()}(PPM)"] = f"{value:.4g}"
            rows.append(row)
    df = pd.DataFrame(rows)
    # Detection limits and gaps: "<0.05" (Lu), "n.d." (Tm), empty cells (Ho).
    lu = rng.choice(len(df), 12, replace=False)
    df.loc[lu, "LU(PPM)"] = "<0.05"
    tm = rng.choice(len(df), 9, replace=False)
    df.loc[tm, "TM(PPM)"] = "n.d."
    ho = rng.choice(len(df), 7, replace=False)
    df.loc[ho, "HO(PPM)"] = ""
    return df


if __name__ == "__main__":
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent
    out.mkdir(parents=True, exist_ok=True)
    make().to_csv(out / "data.csv", index=False, lineterminator="\n")
