"""Make synthetic terahertz-like transmissivity signals of PE and PVC particles.

Usage: python make.py [OUTDIR]
"""

import sys
from pathlib import Path

import numpy as np
import pandas as pd

SEED = 571
N_PE, N_PVC = 3000, 2000


def make() -> pd.DataFrame:
    rng = np.random.default_rng(SEED)
    # PE is nearly transparent to THz waves, PVC absorbs more; thickness and dirt spread both,
    # and a few PE flakes carry PVC residue (a low tail), so the classes overlap.
    pe = rng.normal(0.78, 0.07, N_PE)
    dirty = rng.random(N_PE) < 0.04
    pe[dirty] = rng.normal(0.50, 0.08, dirty.sum())
    pvc = rng.normal(0.46, 0.08, N_PVC)
    signal = np.clip(np.concatenate([pe, pvc]), 0.0, 1.0)
    polymer = np.array(["PE"] * N_PE + ["PVC"] * N_PVC)
    mass = rng.lognormal(np.log(0.08), 0.35, N_PE + N_PVC)  # flake mass [g]
    order = rng.permutation(N_PE + N_PVC)
    return pd.DataFrame({"particle": np.arange(N_PE + N_PVC), "polymer": polymer[order],
                         "transmissivity": np.round(signal[order], 4),
                         "mass_g": np.round(mass[order], 4)})


if __name__ == "__main__":
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent
    out.mkdir(parents=True, exist_ok=True)
    make().to_csv(out / "data.csv", index=False, float_format="%.6g", lineterminator="\n")
