"""Tests of resourcekit.separation.efficiency: published worked examples, invariants, errors."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from resourcekit import separation as sep
from resourcekit.units import Quantity


# ---------------------------------------------------------------- published worked examples
def test_wills_tin_two_product():
    # Wills' Mineral Processing Technology (Wills & Finch 2016, ch. 1): tin concentrator,
    # feed 1 % Sn, concentrate 42 % Sn, tailing 0.2 % Sn -> recovery 80.4 %, ratio of
    # concentration 52.25 (C/F = 0.8/41.8). Tolerance: the book rounds to 3 figures.
    r = sep.two_product(0.01, 0.42, 0.002)
    np.testing.assert_allclose(r.recovery, 0.804, atol=5e-4)
    np.testing.assert_allclose(r.concentration_ratio, 52.25, atol=5e-3)
    np.testing.assert_allclose(r.mass_yield, 0.8 / 41.8, rtol=1e-12)
    np.testing.assert_allclose(r.enrichment_ratio, 42.0, rtol=1e-12)


def test_oki_tricks_of_separation_results():
    # Oki, TRANSortics column 19: feed 5 % A, concentrate = 2 % of the feed mass at 50 % A:
    # enrichment ratio 10, recovery 20 %, yield 2 %, separation efficiency 18.9 % (1 decimal).
    r = sep.from_masses(100.0, 0.05, 2.0, 0.50)
    np.testing.assert_allclose(r.enrichment_ratio, 10.0, rtol=1e-12)
    np.testing.assert_allclose(r.recovery, 0.20, rtol=1e-12)
    np.testing.assert_allclose(r.mass_yield, 0.02, rtol=1e-12)
    np.testing.assert_allclose(r.separation_efficiency, 0.189, atol=5e-4)
    # the derived tailing grade closes the balance: (5 - 1)/98
    np.testing.assert_allclose(r.tailing, 4.0 / 98.0, rtol=1e-12)
    # the assay route gives the same numbers
    r2 = sep.two_product(0.05, 0.50, r.tailing)
    np.testing.assert_allclose(r2.separation_efficiency, r.separation_efficiency, rtol=1e-12)


def test_three_product_published_example():
    # processconvert.com three-product formula calculator, worked example (Pb-Zn circuit):
    # feed Pb 3.0/Zn 6.0 %, Pb conc 50/8 %, Zn conc 2/55 %, tail 0.2/0.5 %.
    # Published: C1/F 5.28 %, C2/F 9.36 %, T/F 85.35 %; Pb to C1 88.07 %, Zn to C2 85.84 %,
    # Pb to C2 6.24 %, Zn to C1 7.05 %. Tolerance: half a unit of the last published digit.
    r = sep.three_product({"Pb": 0.03, "Zn": 0.06}, {"Pb": 0.50, "Zn": 0.08},
                          {"Pb": 0.02, "Zn": 0.55}, {"Pb": 0.002, "Zn": 0.005})
    np.testing.assert_allclose(r.mass_yields.to_numpy(), [0.0528, 0.0936, 0.8535], atol=1e-4)
    np.testing.assert_allclose(r.recoveries.loc["Pb", "concentrate1"], 0.8807, atol=1e-4)
    np.testing.assert_allclose(r.recoveries.loc["Zn", "concentrate2"], 0.8584, atol=1e-4)
    np.testing.assert_allclose(r.recoveries.loc["Pb", "concentrate2"], 0.0624, atol=1e-4)
    np.testing.assert_allclose(r.recoveries.loc["Zn", "concentrate1"], 0.0705, atol=1e-4)
    # each metal's recoveries close to 1 (mass conservation)
    np.testing.assert_allclose(r.recoveries.sum(axis=1), 1.0, rtol=1e-12)
    assert list(r.summary().columns) == ["mass_yield", "recovery_Pb", "recovery_Zn"]


def test_three_product_accepts_pairs_and_quantities():
    q = lambda a, b: (Quantity(a, "%"), Quantity(b, "%"))  # noqa: E731
    r = sep.three_product(q(3, 6), q(50, 8), q(2, 55), q(0.2, 0.5))
    np.testing.assert_allclose(r.mass_yields.iloc[0], 0.05284, atol=1e-5)


def test_n_product_equals_three_product_when_exactly_determined():
    feed = {"Pb": 0.03, "Zn": 0.06}
    prods = pd.DataFrame({"Pb": [0.50, 0.02, 0.002], "Zn": [0.08, 0.55, 0.005]},
                         index=["c1", "c2", "t"])
    a = sep.n_product(feed, prods)
    b = sep.three_product(feed, prods.loc["c1"], prods.loc["c2"], prods.loc["t"])
    np.testing.assert_allclose(a.mass_yields.to_numpy(), b.mass_yields.to_numpy(), rtol=1e-10)
    np.testing.assert_allclose(a.residuals.to_numpy(), 0.0, atol=1e-14)


def test_n_product_least_squares_recovers_yields_from_redundant_assays():
    # Independent check: generate consistent assays of 4 components for known yields,
    # add no noise -> exact recovery; then a tiny perturbation moves yields only slightly.
    rng = np.random.default_rng(1)
    grades = rng.uniform(0.01, 0.3, size=(3, 4))
    y = np.array([0.1, 0.3, 0.6])
    feed = pd.Series(y @ grades, index=list("abcd"))
    prods = pd.DataFrame(grades, columns=list("abcd"), index=["p1", "p2", "p3"])
    res = sep.n_product(feed, prods)
    np.testing.assert_allclose(res.mass_yields.to_numpy(), y, rtol=1e-10)
    np.testing.assert_allclose(res.mass_yields.sum(), 1.0, rtol=1e-14)


def test_two_product_formula_uncertainty_matches_analytic_delta_method():
    # Analytic partial derivatives of Y = (f - t)/(c - t), independent of the code's numeric
    # differences: dY/df = 1/(c-t), dY/dc = -Y/(c-t), dY/dt = -(1-Y)/(c-t).
    f, c, t = 0.02, 0.30, 0.005
    sf, sc, st_ = 0.001, 0.01, 0.0005
    r = sep.two_product(f, c, t, feed_std=sf, concentrate_std=sc, tailing_std=st_)
    y = (f - t) / (c - t)
    expected = np.sqrt((sf / (c - t)) ** 2 + (y * sc / (c - t)) ** 2
                       + ((1 - y) * st_ / (c - t)) ** 2)
    np.testing.assert_allclose(r.std["mass_yield"], expected, rtol=1e-5)
    # and a Monte Carlo of the formula agrees to sampling error (2 %)
    rng = np.random.default_rng(0)
    n = 200_000
    fs, cs, ts = (rng.normal(v, s, n) for v, s in ((f, sf), (c, sc), (t, st_)))
    np.testing.assert_allclose(np.std((fs - ts) / (cs - ts)), expected, rtol=0.02)
    assert "sd" in r.summary().columns
    # sd is the one name across domains; the older *_std arguments and .std give the same
    new = sep.two_product(f, c, t, feed_sd=sf, concentrate_sd=sc, tailing_sd=st_)
    np.testing.assert_allclose(new.sd["mass_yield"], r.std["mass_yield"])
    with pytest.raises(ValueError, match="feed_sd and feed_std are the same"):
        sep.two_product(f, c, t, feed_sd=sf, feed_std=sf)


def test_uncertainty_blows_up_when_grades_are_close():
    wide = sep.two_product(0.05, 0.5, 0.01, feed_std=0.002, concentrate_std=0.002,
                           tailing_std=0.002)
    close = sep.two_product(0.05, 0.06, 0.045, feed_std=0.002, concentrate_std=0.002,
                            tailing_std=0.002)
    assert close.std["mass_yield"] / close.mass_yield > 5 * (
        wide.std["mass_yield"] / wide.mass_yield)


# ------------------------------------------------------------------------ definitions agree
def test_efficiencies_identical_for_two_components():
    # Schulz (1970): Newton's and Hancock's efficiencies equal SE for two components.
    f, c, t, m = 0.01, 0.42, 0.002, 0.788  # Sn in cassiterite, SnO2 (118.71 / 150.71)
    se = sep.separation_efficiency(f, c, t, m)
    np.testing.assert_allclose(sep.newton_efficiency(f, c, t, m), se, rtol=1e-12)
    np.testing.assert_allclose(sep.hancock_efficiency(f, c, t, m), se, rtol=1e-12)
    # closed form of Schulz
    np.testing.assert_allclose(se, m * (c - f) * (f - t) / (f * (m - f) * (c - t)), rtol=1e-12)


def test_selectivity_index_from_component_recoveries():
    # Gaudin's index from recoveries computed by hand from masses (independent route)
    f, c, t = 0.05, 0.5, 0.04 / 0.98
    y = 0.02
    ra_c, rb_c = y * c / f, y * (1 - c) / (1 - f)
    expected = np.sqrt(ra_c * (1 - rb_c) / ((1 - ra_c) * rb_c))
    np.testing.assert_allclose(sep.selectivity_index(f, c, t), expected, rtol=1e-10)


def test_same_kind_out_series_index_kept_and_not_mutated():
    idx = pd.Index(["run1", "run2"], name="test")
    feed = pd.Series([0.05, 0.02], index=idx)
    conc = pd.Series([0.5, 0.3], index=idx)
    tail = pd.Series([0.01, 0.005], index=idx)
    before = feed.copy()
    r = sep.two_product(feed, conc, tail)
    assert isinstance(r.recovery, pd.Series)
    assert r.recovery.index.equals(idx)
    assert r.recovery.dtype == np.float64
    pd.testing.assert_series_equal(feed, before)
    arr = sep.separation_efficiency(np.array([0.05, 0.02]), 0.5, 0.01)
    assert isinstance(arr, np.ndarray) and arr.shape == (2,)
    assert isinstance(sep.separation_efficiency(0.05, 0.5, 0.01), float)


def test_pint_quantities_accepted():
    a = sep.two_product(Quantity(1, "%"), Quantity(42, "%"), Quantity(2000, "ppm"))
    b = sep.two_product(0.01, 0.42, 0.002)
    np.testing.assert_allclose(a.recovery, b.recovery, rtol=1e-12)


# ------------------------------------------------------------------------------ invariants
grades = st.floats(0.001, 0.999)


@settings(max_examples=200, deadline=None)
@given(t=grades, f=grades, c=grades)
def test_bounds_and_balance(t, f, c):
    t, f, c = sorted([t, f, c])
    if c - t < 1e-6:
        return
    r = sep.two_product(f, c, t)
    assert 0.0 <= r.mass_yield <= 1.0
    assert 0.0 <= r.recovery <= 1.0 + 1e-12
    assert -1e-12 <= r.separation_efficiency <= 1.0 + 1e-12
    # mass balance of A: C c + T t = F f
    np.testing.assert_allclose(r.mass_yield * c + (1 - r.mass_yield) * t, f, atol=1e-12)
    # recovery >= yield whenever c >= f
    assert r.recovery >= r.mass_yield - 1e-12


# ------------------------------------------------------------------------------ bad input
def test_grade_out_of_range_says_how_to_pass_units():
    with pytest.raises(ValueError, match=r"feed = 5 is outside \[0, 1\].*Quantity"):
        sep.two_product(5, 42, 0.2)


def test_concentrate_equals_tailing():
    with pytest.raises(ValueError, match="concentrate grade equals tailing grade"):
        sep.two_product(0.05, 0.05, 0.05)


def test_concentrate_below_feed():
    with pytest.raises(ValueError, match="concentrate grade c = 0.03 is below the feed grade"):
        sep.two_product(0.05, 0.03, 0.01)


def test_tailing_above_feed():
    with pytest.raises(ValueError, match="tailing grade t = 0.06 is above the feed grade"):
        sep.two_product(0.05, 0.5, 0.06)


def test_negative_masses():
    with pytest.raises(ValueError, match="concentrate_mass = -2 is negative"):
        sep.from_masses(100, 0.05, -2, 0.5)


def test_concentrate_heavier_than_feed():
    with pytest.raises(ValueError, match="concentrate_mass = 120 is not below feed_mass"):
        sep.from_masses(100, 0.05, 120, 0.5)


def test_more_metal_in_concentrate_than_feed():
    with pytest.raises(ValueError, match="more A than the feed"):
        sep.from_masses(100, 0.05, 20, 0.5)


def test_three_product_singular_and_inconsistent():
    with pytest.raises(ValueError, match="singular"):
        sep.three_product((0.03, 0.06), (0.5, 0.08), (0.5, 0.08), (0.002, 0.005))
    with pytest.raises(ValueError, match="outside"):
        sep.three_product((0.03, 0.06), (0.02, 0.55), (0.5, 0.08), (0.9, 0.9))


def test_n_product_errors():
    prods = pd.DataFrame({"Pb": [0.5, 0.002]}, index=["c", "t"])
    with pytest.raises(KeyError, match="lack the feed components"):
        sep.n_product({"Zn": 0.1}, prods)
    with pytest.raises(ValueError, match="must be a DataFrame"):
        sep.n_product({"Pb": 0.1}, [[0.5], [0.002]])
