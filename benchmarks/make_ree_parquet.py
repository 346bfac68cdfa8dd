"""Write N synthetic REE analyses as a folder of Parquet files (seeded), for the Dask benchmark.

``python benchmarks/make_ree_parquet.py OUT_DIR [N] [ROWS_PER_FILE]`` (default 10,000,000 rows,
250,000 per file). SYNTHETIC: chondrite-normalised patterns are straight lines in ln X_N
against element order (level and slope per rock type), lognormal scatter 15 %, a Eu anomaly,
5 % of Tb and Tm cells missing. Columns ``La_ppm ... Lu_ppm`` [ppm], ``rock``, ``lat``, ``lon``.
Written to a temporary folder by ``bench_ree_explore.py``; never committed.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

SEED = 20261130
REE = ["La", "Ce", "Pr", "Nd", "Sm", "Eu", "Gd", "Tb", "Dy", "Ho", "Er", "Tm", "Yb", "Lu"]
# CI chondrite [ppm], McDonough & Sun (1995) Chem. Geol. 120:223, Table 1.
CI = np.array([0.237, 0.613, 0.0928, 0.457, 0.148, 0.0563, 0.199, 0.0361, 0.246, 0.0546,
               0.16, 0.0247, 0.161, 0.0246])
ROCKS = np.array(["basalt", "granite", "carbonatite", "pegmatite"])
LEVEL = np.array([3.0, 5.0, 8.0, 4.0])
SLOPE = np.array([-0.10, -0.25, -0.45, 0.05])
EU = np.array([1.0, 0.35, 1.0, 0.2])


def chunk(rng: np.random.Generator, n: int) -> pd.DataFrame:
    kind = rng.integers(0, len(ROCKS), n)
    ln = LEVEL[kind, None] + SLOPE[kind, None] * np.arange(14) + rng.normal(0, 0.15, (n, 14))
    ln[:, 5] = 0.5 * (ln[:, 4] + ln[:, 6]) + np.log(EU[kind])
    ppm = np.exp(ln) * CI
    for j in (7, 11):  # Tb, Tm often not reported
        ppm[rng.random(n) < 0.05, j] = np.nan
    frame = pd.DataFrame(ppm, columns=[f"{el}_ppm" for el in REE])
    frame["rock"] = ROCKS[kind]
    frame["lat"] = rng.uniform(-60, 70, n)
    frame["lon"] = rng.uniform(-180, 180, n)
    return frame


def write(out: Path, n: int = 10_000_000, per_file: int = 250_000) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(SEED)
    for i, start in enumerate(range(0, n, per_file)):
        chunk(rng, min(per_file, n - start)).to_parquet(out / f"part-{i:04d}.parquet",
                                                        index=False)
    return out


if __name__ == "__main__":
    target = Path(sys.argv[1])
    rows = int(sys.argv[2]) if len(sys.argv) > 2 else 10_000_000
    size = int(sys.argv[3]) if len(sys.argv) > 3 else 250_000
    write(target, rows, size)
    print(target)
