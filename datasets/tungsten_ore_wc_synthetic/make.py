"""Make the synthetic tungsten ore + tungsten carbide (WC) REE data set (seeded, reproducible).

    python make.py [OUTDIR]     # default: this folder; writes data.csv byte-identically

Model (see card.yml for the sources of the archetypes and every assumption):

1. Archetype per deposit type: O'Neill (2016) lambdas (basis "ONeill2016", CI of O'Neill 2016),
   an Eu anomaly factor and tetrad coefficients, chosen to reproduce the pattern shapes that the
   cited studies describe (not fitted to their data).
2. Deposit: archetype + a deposit-level offset of each lambda (deposits of one type differ).
3. Mineral: wolframite has lower REE (lambda0 - 2.0) and a steeper HREE slope (lambda1 - 5).
4. Analysis: deposit + small within-deposit lambda noise, then lognormal noise per element.
5. WC lots from a deposit: the deposit's mean concentrate pattern (log mean of its ore),
   times a processing transfer  ln T(r) = ln D + phi1 * f1(r)  (dilution D ~ logU(3e-3, 1e-2),
   mild HREE retention phi1 ~ N(-0.5, 0.2)), times lognormal noise (sigma 0.06); values below
   the WC detection limit (0.002 ppm) are written as "<0.002".
6. Three WC lots come from a source that is not in the ore set (a carbonatite-like, very LREE
   rich source), for the "resembles none of the known classes" case.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
from resourcekit.ree import REE, orthogonal_polynomials, pattern_from_lambdas
from resourcekit.ree._elements import IONIC_RADIUS

SEED = 20240611
DEPOSITS_PER_TYPE = 5
ORE_PER_DEPOSIT = 30
WC_PER_DEPOSIT = 4
WC_DETECTION_LIMIT = 0.002  # ppm

# lambda0..3, Eu/Eu* factor, tetrad coefficients tau0..3, share of wolframite among the ores
ARCHETYPES = {
    # Granite/pegmatite-related W: flat to HREE-rich, deep negative Eu anomaly, M-type tetrads.
    "pegmatite": ([4.5, -6.0, -30.0, 0.0], 0.15, [0.25, 0.15, 0.25, 0.15], 0.7),
    # Skarn scheelite: LREE-rich, moderately negative Eu anomaly.
    "skarn": ([5.0, 8.0, -50.0, 0.0], 0.5, [0.0, 0.0, 0.0, 0.0], 0.1),
    # Hydrothermal (quartz) vein scheelite: MREE-rich bell shape, positive Eu anomaly.
    "hydrothermal_vein": ([4.0, 2.0, -140.0, 0.0], 2.5, [0.0, 0.0, 0.0, 0.0], 0.4),
}
OUTSIDER = ([6.5, 30.0, 0.0, 0.0], 1.0, [0.0, 0.0, 0.0, 0.0])
CODES = {"pegmatite": "PEG", "skarn": "SKN", "hydrothermal_vein": "VEIN"}
DEPOSIT_SD = np.array([0.8, 7.0, 70.0, 150.0])  # between deposits, per lambda
ANALYSIS_SD = np.array([0.1, 0.6, 5.0, 12.0])  # within a deposit, per lambda
NOISE_SD = 0.06  # lognormal noise per element, ores


def _pattern(lams: np.ndarray, eu: float, taus: list[float]) -> np.ndarray:
    """Concentrations [ppm] of the 14 REE for one set of lambdas (CI of O'Neill 2016)."""
    values = pattern_from_lambdas(list(lams), taus=taus, reference="CI_ONeill2016")
    values["Eu"] *= eu
    return values[list(REE)].to_numpy()


def make(rng: np.random.Generator) -> pd.DataFrame:
    rows = []
    f1 = orthogonal_polynomials([IONIC_RADIUS[el] for el in REE], 2)[:, 1]
    for dtype, (lams, eu, taus, wolf_share) in ARCHETYPES.items():
        for d in range(1, DEPOSITS_PER_TYPE + 1):
            deposit = f"{CODES[dtype]}-{d}"
            dep_lams = np.array(lams) + rng.normal(0, DEPOSIT_SD)
            dep_eu = eu * float(np.exp(rng.normal(0, 0.6)))
            ores = []
            for i in range(ORE_PER_DEPOSIT):
                wolframite = rng.random() < wolf_share
                a_lams = dep_lams + rng.normal(0, ANALYSIS_SD)
                if wolframite:
                    a_lams = a_lams + np.array([-2.0, -5.0, 0.0, 0.0])
                ppm = _pattern(a_lams, dep_eu, taus) * np.exp(rng.normal(0, NOISE_SD, len(REE)))
                ores.append(ppm)
                rows.append({"sample_id": f"{deposit}-ore{i + 1:02d}", "material": "ore",
                             "mineral": "wolframite" if wolframite else "scheelite",
                             "deposit_type": dtype, "deposit": deposit,
                             **dict(zip(REE, ppm, strict=True))})
            concentrate = np.exp(np.log(np.array(ores)).mean(axis=0))
            for j in range(WC_PER_DEPOSIT):
                dilution = float(np.exp(rng.uniform(np.log(3e-3), np.log(1e-2))))
                phi1 = rng.normal(-0.5, 0.2)
                wc = concentrate * dilution * np.exp(phi1 * f1)
                wc = wc * np.exp(rng.normal(0, 0.06, len(REE)))
                rows.append({"sample_id": f"{deposit}-WC{j + 1}", "material": "WC",
                             "mineral": "WC", "deposit_type": dtype, "deposit": deposit,
                             **dict(zip(REE, wc, strict=True))})
    for j in range(3):
        lams, eu, taus = OUTSIDER
        ppm = _pattern(np.array(lams) + rng.normal(0, ANALYSIS_SD), eu, taus)
        wc = ppm * 5e-3 * np.exp(rng.normal(0, 0.06, len(REE)))
        rows.append({"sample_id": f"X-WC{j + 1}", "material": "WC", "mineral": "WC",
                     "deposit_type": "unknown", "deposit": "X", **dict(zip(REE, wc, strict=True))})
    return pd.DataFrame(rows)


def _format(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for el in REE:
        values = out[el].to_numpy(dtype=float)
        text = [f"{v:.4g}" for v in values]
        is_wc = (out["material"] == "WC").to_numpy()
        below = is_wc & (values < WC_DETECTION_LIMIT)
        out[f"{el}_ppm"] = np.where(below, f"<{WC_DETECTION_LIMIT:g}", text)
        out = out.drop(columns=el)
    return out


def main(outdir: Path) -> Path:
    rng = np.random.default_rng(SEED)
    frame = _format(make(rng))
    outdir.mkdir(parents=True, exist_ok=True)
    file = outdir / "data.csv"
    frame.to_csv(file, index=False, lineterminator="\n")
    return file


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent
    print(main(target))
