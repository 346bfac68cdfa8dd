"""The synthetic tungsten ore / WC data set: reproducible, labelled synthetic, usable."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import warnings

import numpy as np
import resourcekit.ree as ree
from resourcekit import datasets

NAME = "tungsten_ore_wc_synthetic"


def test_make_reproduces_checksum(tmp_path):
    script = datasets.data_dir() / NAME / "make.py"
    subprocess.run([sys.executable, str(script), str(tmp_path)], check=True, capture_output=True)
    digest = hashlib.sha256((tmp_path / "data.csv").read_bytes()).hexdigest()
    assert digest == datasets.card(NAME)["sha256"]


def test_card_and_content():
    card = datasets.card(NAME)
    assert card["kind"] == "synthetic" and "SYNTHETIC" in card["description"]
    df = datasets.load(NAME)
    assert set(df["deposit_type"]) == {"pegmatite", "skarn", "hydrothermal_vein", "unknown"}
    assert df.groupby("deposit_type")["deposit"].nunique()["skarn"] == 5
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        eu = ree.eu_anomaly(df[df["material"] == "ore"], bdl="half")
    medians = eu.groupby(df["deposit_type"]).median()
    # The archetypes: negative Eu in pegmatite and skarn, positive in hydrothermal veins.
    assert medians["pegmatite"] < 0.5 < medians["skarn"] < 1.0 < medians["hydrothermal_vein"]
    assert np.isfinite(eu).all()
