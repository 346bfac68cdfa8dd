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


# --- issue 10: every formula a public, documented name, listed from one registry -------------
def test_anomaly_methods_registry_lists_public_functions():
    table = ree.anomaly_methods()
    assert list(table.columns) == ["element", "method", "function", "needs", "formula", "source"]
    assert set(zip(table.element, table.method, strict=True)) == {
        ("Eu", "geometric"), ("Eu", "arithmetic"), ("Eu", "tb"),
        ("Ce", "geometric"), ("Ce", "arithmetic"), ("Ce", "pr_nd")}
    for name in table.function:
        func = getattr(ree, name)
        assert func.__doc__ and "References" in func.__doc__ and ".. math::" in func.__doc__
    assert table.source.str.len().min() > 15
    # The old tables come from the same registry.
    assert list(ree.EU_METHODS) == ["geometric", "arithmetic", "tb"]
    assert list(ree.CE_METHODS) == ["geometric", "arithmetic", "pr_nd"]


@pytest.mark.parametrize("element, method", [(m.element, m.method)
                                             for m in ree.ANOMALY_METHODS.values()])
def test_dispatch_equals_public_function(element, method):
    rng = np.random.default_rng(3)
    df = pd.DataFrame(rng.uniform(0.5, 50, (6, 6)), columns=["La", "Ce", "Pr", "Nd", "Sm", "Eu"])
    df["Gd"], df["Tb"] = rng.uniform(0.5, 50, 6), rng.uniform(0.5, 50, 6)
    m = ree.ANOMALY_METHODS[(element, method)]
    func = ree.eu_anomaly if element == "Eu" else ree.ce_anomaly
    expected = m.function(*(df[el].to_numpy() for el in m.needs))
    np.testing.assert_allclose(func(df, reference=None, method=method), expected, rtol=1e-15)


def test_ce_arithmetic_bau_dulski_1996():
    # Bau & Dulski (1996): Ce/Ce* = Ce_N / (0.5 La_N + 0.5 Pr_N); La 100, Ce 50, Pr 81
    # -> 50 / 90.5 = 0.552486 (hand calculation).
    s = pd.Series({"La": 100.0, "Ce": 50.0, "Pr": 81.0})
    np.testing.assert_allclose(ree.ce_anomaly(s, reference=None, method="arithmetic"), 50 / 90.5)


def test_unknown_method_is_option_error_listing_allowed():
    from resourcekit.errors import OptionError

    s = pd.Series({"Sm": 1.0, "Eu": 1.0, "Gd": 1.0})
    with pytest.raises(OptionError, match=r"use one of \['geometric', 'arithmetic', 'tb'\]"):
        ree.eu_anomaly(s, reference=None, method="Geometric")
    with pytest.raises(OptionError, match="element = 'Gd'"):
        ree.anomaly_methods("Gd")


def test_zero_neighbour_gives_nan_with_warning_not_inf():
    df = pd.DataFrame({"Sm": [0.0, 2.0], "Eu": [1.0, 0.5], "Gd": [2.0, 2.0]})
    with pytest.warns(ree.MissingDataWarning, match=r"values of 0 in \{'Sm': 1\}"):
        out = ree.eu_anomaly(df, reference=None)
    assert np.isnan(out.iloc[0]) and out.iloc[1] == 0.25
