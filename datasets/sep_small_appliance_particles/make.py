"""Make the synthetic particle list of a shredded small-home-appliance stream.

Usage: python make.py [OUTDIR]

Material properties (density, conductivity, susceptibility) are the published values of dataset
``sep_material_properties`` (read from ``../sep_material_properties/data.csv``); everything else
(composition, sizes, locking, sensor signal) is invented here and labelled so on the card.
"""

import sys
from pathlib import Path

import numpy as np
import pandas as pd

SEED = 2020
N = 3000
# assumed mass composition of the shredded stream (not measured): metals, plastics, boards
COMPOSITION = {"steel": 0.38, "stainless_304": 0.03, "Al": 0.06, "Cu": 0.07, "PP": 0.14,
               "ABS": 0.12, "PS": 0.06, "PVC": 0.06, "PCB_substrate": 0.08}
# NIR-like score of "is PVC" (assumed): PVC high, other polymers low, metals and boards middle
SIGNAL = {"PVC": (0.75, 0.10), "PP": (0.25, 0.10), "ABS": (0.30, 0.10), "PS": (0.30, 0.10),
          "PCB_substrate": (0.45, 0.15)}


def make() -> pd.DataFrame:
    rng = np.random.default_rng(SEED)
    here = Path(__file__).resolve().parent
    props = pd.read_csv(here.parent / "sep_material_properties" / "data.csv",
                        index_col="material")
    names = list(COMPOSITION)
    # draw materials by mass share: parcels of equal mass, then sizes from Rosin-Rammler
    pick = rng.choice(len(names), size=N, p=np.array(list(COMPOSITION.values())))
    size = 14.0 * (-np.log1p(-rng.random(N))) ** (1 / 1.4)  # x63 = 14 mm, n = 1.4
    size = np.clip(np.round(size, 2), 0.5, 80.0)
    material = np.array(names, dtype=object)[pick]
    grade_cu = (material == "Cu").astype(float)
    # 30 % of board particles carry locked copper (grade 5-40 %), the rest is bare substrate
    board = material == "PCB_substrate"
    locked = board & (rng.random(N) < 0.3)
    grade_cu[locked] = np.round(rng.uniform(0.05, 0.40, locked.sum()), 3)
    rho_cu = props.loc["Cu", "density_kg_m3"]
    rho_b = props.loc["PCB_substrate", "density_kg_m3"]
    density = np.array(props["density_kg_m3"].reindex(material), float)
    conductivity = np.array(props["conductivity_MS_m"].reindex(material), float)
    chi = np.array(props["susceptibility_SI"].reindex(material), float)
    g = grade_cu[locked]
    density[locked] = 1.0 / (g / rho_cu + (1 - g) / rho_b)
    v_cu = (g / rho_cu) * density[locked]
    conductivity[locked] = v_cu * props.loc["Cu", "conductivity_MS_m"]
    signal = np.full(N, 0.5)
    for mat, (mean, sd) in SIGNAL.items():
        sel = material == mat
        signal[sel] = mean + sd * rng.standard_normal(sel.sum())
    mass_g = density * np.pi / 6 * (size * 1e-3) ** 3 * 1e3
    return pd.DataFrame({
        "particle": np.arange(1, N + 1), "material": material, "mass_g": np.round(mass_g, 4),
        "size_mm": size, "density_kg_m3": np.round(density, 1),
        "conductivity_MS_m": np.round(conductivity, 3), "susceptibility_SI": chi,
        "cu_grade": grade_cu, "signal": np.round(np.clip(signal, 0, 1), 4)})


if __name__ == "__main__":
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent
    out.mkdir(parents=True, exist_ok=True)
    make().to_csv(out / "data.csv", index=False, float_format="%.6g", lineterminator="\n")
