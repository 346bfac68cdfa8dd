"""Make the synthetic liberation classes of a shredded printed-circuit-board fraction.

Usage: python make.py [OUTDIR]
"""

import sys
from pathlib import Path

import numpy as np
import pandas as pd

SEED = 38


def make() -> pd.DataFrame:
    rng = np.random.default_rng(SEED)
    # 12 classes by Cu grade: free gangue (0), ten locked classes, free copper (1)
    low = np.array([0.0, 0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0])
    high = np.array([0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.0])
    grade = np.where(high > low, (low + high) / 2, low)
    grade = np.round(grade + np.where(high > low, rng.uniform(-0.02, 0.02, 12), 0), 4)
    # shredding leaves most mass free gangue (glass fibre/epoxy) and some free copper wire
    base = np.array([520, 95, 60, 42, 30, 24, 20, 18, 17, 19, 28, 70], dtype=float)
    mass = np.round(base * rng.uniform(0.85, 1.15, 12), 1)
    label = ["free gangue"] + [f"locked {a:.0%}-{b:.0%}" for a, b in zip(low[1:-1], high[1:-1],
                                                                        strict=True)]
    label.append("free Cu")
    return pd.DataFrame({"class": label, "grade_low": low, "grade_high": high,
                         "grade": grade, "mass_kg": mass})


if __name__ == "__main__":
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent
    out.mkdir(parents=True, exist_ok=True)
    make().to_csv(out / "data.csv", index=False, float_format="%.6g", lineterminator="\n")
