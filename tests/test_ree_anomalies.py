"""Tests of Eu/Ce anomalies, ratios, sums and the tetrad effect."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import resourcekit.ree as ree
from resourcekit import datasets


@pytest.fixture(scope="module")
def apatite() -> pd.DataFrame:
    return datasets.load("osullivan2020_apatite")


@pytest.mark.parametrize(
    "method, column",
    [("arithmetic", "Eu norm (Anom Arithmetic)"),
     ("geometric", "Eu norm (EuAnom Shields and Stille (2...)"),
     ("tb", "Eu norm (EuAnom Lawrence and Kamber (2...)")],
)
def test_eu_anomaly_matches_osullivan_2020(apatite, method, column):
    # O'Sullivan et al. (2020) publish Eu anomalies for every analysis (CI of McDonough & Sun
    # 1995), rounded to 3 decimals: 5e-4 absolute is the rounding.
    ours = ree.eu_anomaly(apatite, method=method)
    ok = apatite[column].notna()
    assert ok.sum() > 800
    np.testing.assert_allclose(ours[ok], apatite.loc[ok, column], atol=5.01e-4)
    assert ours.index.equals(apatite.index)


def test_ce_anomaly_formulas():
    # Hand calculation from the formulas of Lawrence et al. (2006): La_N 100, Ce_N 50, Pr_N 81,
    # Nd_N 64 -> geometric 50 / sqrt(8100) = 0.5556; Pr-Nd 50 / (81^2 / 64) = 0.48773.
    s = pd.Series({"La": 100.0, "Ce": 50.0, "Pr": 81.0, "Nd": 64.0})
    np.testing.assert_allclose(ree.ce_anomaly(s, reference=None), 50 / 90)
    np.testing.assert_allclose(ree.ce_anomaly(s, reference=None, method="pr_nd"), 50 * 64 / 81**2)
    with pytest.raises(ValueError, match="method = 'x' is not known"):
        ree.ce_anomaly(s, reference=None, method="x")


def test_ratio(apatite):
    ours = ree.ratio(apatite, "(La/Yb)_N")
    expected = (apatite["La [mg/kg]"] / 0.237) / (apatite["Yb [mg/kg]"] / 0.161)
    np.testing.assert_allclose(ours, expected, rtol=1e-12)
    assert ours.name == "(La/Yb)_N"
    with pytest.raises(ValueError, match="'Fe' is not one of"):
        ree.ratio(apatite, "Fe/Yb")


def test_ree_sums_convention():
    ci = ree.reference("CI_McDonoughSun1995")
    out = ree.ree_sums(ci, units="ppm", convention="La-Nd/Tb-Lu")
    np.testing.assert_allclose(out["LREE"], 0.237 + 0.613 + 0.0928 + 0.457)
    np.testing.assert_allclose(out["MREE"], 0.148 + 0.0563 + 0.199)
    assert "Y excluded" in out.attrs["convention"]
    with pytest.raises(ValueError, match="use one of"):
        ree.ree_sums(ci, units="ppm", convention="nope")


def test_tetrad_effect_irber_1999():
    # A pattern with convex first tetrad: Ce and Pr raised by 20 %. Irber (1999):
    # t1 = sqrt(1.2 * 1.2) = 1.2, t3 = 1, TE = sqrt(1.2) = 1.0954.
    s = pd.Series(dict.fromkeys(["La", "Ce", "Pr", "Nd", "Gd", "Tb", "Dy", "Ho"], 10.0))
    s[["Ce", "Pr"]] *= 1.2
    np.testing.assert_allclose(ree.tetrad_effect(s, reference=None), np.sqrt(1.2))
