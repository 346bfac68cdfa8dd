"""Make the synthetic dense-medium partition test (seeded; writes data.csv byte-identically).

Usage: python make.py [OUTDIR]
"""

import sys
from pathlib import Path

import numpy as np
import pandas as pd

SEED = 404
X50, EP = 1.55, 0.045  # cut density [g/cm3] and ecart probable of the simulated separator


def make() -> pd.DataFrame:
    rng = np.random.default_rng(SEED)
    edges = np.round(np.arange(1.25, 2.01, 0.05), 2)
    lower, upper = edges[:-1], edges[1:]
    mean = np.round((lower + upper) / 2, 3)
    # feed washability: a light (plastic/organic) mode and a heavy (mineral/metal) mode
    feed = 60 * np.exp(-0.5 * ((mean - 1.38) / 0.08) ** 2) + 35 * np.exp(
        -0.5 * ((mean - 1.85) / 0.12) ** 2) + 3
    feed = np.round(feed * rng.uniform(0.9, 1.1, feed.size), 2)
    p_true = 1 / (1 + np.exp(np.log(3) * (X50 - mean) / EP))
    # sampling error of the sink-float analysis: binomial-like scatter on the split
    p_obs = np.clip(p_true + rng.normal(0, 0.015, mean.size), 0, 1)
    sink = np.round(feed * p_obs, 2)
    return pd.DataFrame({
        "density_lower": lower, "density_upper": upper, "density_mean": mean,
        "feed_kg": feed, "sink_kg": sink, "float_kg": np.round(feed - sink, 2),
    })


if __name__ == "__main__":
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent
    out.mkdir(parents=True, exist_ok=True)
    make().to_csv(out / "data.csv", index=False, float_format="%.6g", lineterminator="\n")
