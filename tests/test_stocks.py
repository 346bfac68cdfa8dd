"""Dynamic stock models and the chain to secondary materials: conservation, steady state, an
independent convolution, flodym as an independent implementation, and bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from resourcekit import stocks
from resourcekit.errors import DataError, LabelError, OptionError
from resourcekit.units import Quantity
from scipy import stats

YEARS = range(1990, 2031)
LIFETIMES = [
    stocks.Lifetime("fixed", mean=8),
    stocks.Lifetime("normal", mean=12, sd=4),
    stocks.Lifetime("weibull", shape=2.5, mean=13),
    stocks.Lifetime("lognormal", mean=10, sd=5),
    stats.gamma(a=4, scale=3),  # any scipy.stats frozen distribution
]
LIFETIME_IDS = ["fixed", "normal", "weibull", "lognormal", "scipy-gamma"]  # stable across workers


def _ramp(n: int = len(YEARS)) -> pd.Series:
    rng = np.random.default_rng(3)
    return pd.Series(1000 + 50 * np.arange(n) + rng.normal(0, 80, n).clip(-500), index=YEARS)


@pytest.mark.parametrize("lifetime", LIFETIMES, ids=LIFETIME_IDS)
def test_mass_is_conserved_every_year_and_cohort(lifetime):
    r = stocks.inflow_driven(_ramp(), lifetime)
    np.testing.assert_allclose(r.balance(), 0, atol=1e-9)
    # per cohort: what entered = what is still there + what left, in every year
    left = r.outflow_by_cohort.cumsum()
    entered = pd.DataFrame(np.tril(np.ones((len(YEARS), len(YEARS)))) * r.inflow.to_numpy(),
                           index=r.stock_by_cohort.index, columns=r.stock_by_cohort.columns)
    np.testing.assert_allclose(r.stock_by_cohort + left, entered, atol=1e-9)
    assert (r.outflow_by_cohort.to_numpy() >= -1e-12).all()


@pytest.mark.parametrize("lifetime", LIFETIMES[:4], ids=LIFETIME_IDS[:4])
def test_steady_state_stock_is_inflow_times_mean_lifetime(lifetime):
    # constant inflow I, mean lifetime L: the stock tends to I x L (Little's law); with inflow at
    # mid-year the yearly sum is the midpoint rule of the integral of the survival function,
    # exact for a fixed lifetime and within 0.5 % for these smooth distributions
    inflow = pd.Series(100.0, index=range(1900, 2031))
    r = stocks.inflow_driven(inflow, lifetime)
    assert r.stock.iloc[-1] == pytest.approx(100.0 * lifetime.mean, rel=5e-3)
    assert r.outflow.iloc[-1] == pytest.approx(100.0, rel=1e-3)


@pytest.mark.parametrize("lifetime", LIFETIMES, ids=LIFETIME_IDS)
def test_outflow_equals_an_independent_convolution_of_inflow_and_lifetime(lifetime):
    dist = stocks.lifetime.as_distribution(lifetime)
    n = len(YEARS)
    k = np.arange(n)
    # probability that a product entering mid-year leaves in its k-th year after entry
    cdf = 1.0 - np.asarray(dist.sf(np.concatenate([[0.0], k + 0.5])), dtype=float)
    p_leave = np.diff(cdf) + np.r_[cdf[0], np.zeros(n - 1)]
    inflow = _ramp()
    expected = np.convolve(inflow.to_numpy(), p_leave)[:n]
    np.testing.assert_allclose(stocks.inflow_driven(inflow, lifetime).outflow, expected,
                               rtol=1e-10, atol=1e-9)


@pytest.mark.parametrize("kind, params, fd_kind, fd_params", [
    ("normal", {"mean": 12, "sd": 4}, "NormalLifetime", {"mean": 12.0, "std": 4.0}),
    ("lognormal", {"mean": 12, "sd": 4}, "LogNormalLifetime", {"mean": 12.0, "std": 4.0}),
    ("weibull", {"shape": 2.0, "scale": 10}, "WeibullLifetime",
     {"weibull_shape": 2.0, "weibull_scale": 10.0}),
])
def test_agrees_with_flodym(kind, params, fd_kind, fd_params):
    import flodym  # in the test extra (an independent implementation)
    from flodym import lifetime_models

    years = list(YEARS)
    dims = flodym.DimensionSet(dim_list=[flodym.Dimension(name="time", letter="t", items=years)])
    inflow = _ramp()
    model = flodym.InflowDrivenDSM(
        dims=dims, inflow=flodym.StockArray(dims=dims, values=inflow.to_numpy()),
        lifetime_model=getattr(lifetime_models, fd_kind)(dims=dims, **fd_params))
    model.compute()
    ours = stocks.inflow_driven(inflow, stocks.Lifetime(kind, **params))
    np.testing.assert_allclose(ours.stock, model.stock.values, rtol=1e-12)
    np.testing.assert_allclose(ours.outflow, model.outflow.values, rtol=1e-10, atol=1e-9)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.floats(10, 1e4), min_size=3, max_size=30),
       st.floats(3, 30), st.floats(0.5, 6))
def test_stock_driven_inverts_inflow_driven(values, mean, shape):
    lifetime = stocks.Lifetime("weibull", shape=shape, mean=mean)
    inflow = pd.Series(values, index=range(2000, 2000 + len(values)))
    forward = stocks.inflow_driven(inflow, lifetime)
    back = stocks.stock_driven(forward.stock, lifetime)
    np.testing.assert_allclose(back.inflow, inflow, rtol=1e-6, atol=1e-6 * max(values))
    np.testing.assert_allclose(back.outflow, forward.outflow, rtol=1e-6, atol=1e-6 * max(values))


def test_stock_driven_warns_about_negative_inflow_when_the_stock_collapses():
    stock = pd.Series([1000.0] * 10 + [100.0] * 5, index=range(2000, 2015))
    with pytest.warns(UserWarning, match="stock falls faster"):
        r = stocks.stock_driven(stock, stocks.Lifetime("normal", mean=15, sd=3))
    assert r.inflow.min() < 0
    np.testing.assert_allclose(r.stock, stock, rtol=1e-9)


# --------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("inflow, match, error", [
    (pd.Series([1.0, -2.0, 3.0], index=[2000, 2001, 2002]), "inflow = -2 is negative", DataError),
    (pd.Series([1.0, 2.0], index=[2001, 2000]), "out of order", LabelError),
    (pd.Series([1.0, 2.0], index=[2000, 2000]), "out of order or repeated", LabelError),
    (pd.Series([1.0, 2.0], index=[2000, 2002]), "leave a gap", LabelError),
    (pd.Series([1.0, np.nan], index=[2000, 2001]), r"NaN in \[2001\]", DataError),
    (pd.Series([1.0, np.inf], index=[2000, 2001]), "infinite", DataError),
    (pd.Series([1.0, 2.0], index=["a", "b"]), "index it by year", LabelError),
    (pd.Series([], dtype=float), "empty", DataError),
    ([1.0, 2.0], "pandas Series indexed by year", DataError),
    (pd.Series(["1", "x"], index=[2000, 2001]), "text 'x'", DataError),
])
def test_bad_inflow_gets_a_clear_error(inflow, match, error):
    with pytest.raises(error, match=match):
        stocks.inflow_driven(inflow, stocks.Lifetime("normal", mean=10, sd=2))


@pytest.mark.parametrize("kind, params, error, match", [
    ("normal", {"mean": 0, "sd": 2}, DataError, "mean = 0"),
    ("normal", {"mean": -3, "sd": 2}, DataError, "mean = -3"),
    ("weibull", {"shape": 2}, DataError, "takes shape, mean or scale"),
    ("weibull", {"shape": 2, "mean": 10, "scale": 3}, DataError, "takes shape"),
    ("normal", {"mean": 10}, DataError, "takes mean, sd"),
    ("gamma", {"mean": 10}, OptionError, "kind='gamma' is not known"),
    ("fixed", {"mean": np.nan}, DataError, "NaN"),
])
def test_bad_lifetimes_get_a_clear_error(kind, params, error, match):
    with pytest.raises(error, match=match):
        stocks.Lifetime(kind, **params)


def test_unknown_inflow_timing_and_lifetime_objects_are_refused():
    inflow = pd.Series([1.0, 2.0], index=[2000, 2001])
    with pytest.raises(OptionError, match="inflow_at='begin'"):
        stocks.inflow_driven(inflow, stocks.Lifetime("fixed", mean=3), inflow_at="begin")
    with pytest.raises(DataError, match="frozen distribution"):
        stocks.inflow_driven(inflow, 12.0)


def test_inflow_in_another_unit_is_converted_not_relabelled():
    inflow = pd.Series([1000.0, 1000.0], index=[2000, 2001])
    r = stocks.inflow_driven(inflow, stocks.Lifetime("fixed", mean=5), unit="t")
    assert r.unit == "t" and r.stock.iloc[-1] == pytest.approx(2000.0)


# --------------------------------------------------------------------------- materials
def test_secondary_supply_by_hand():
    out = pd.Series([1000.0, 2000.0], index=[2030, 2031])
    r = stocks.secondary_supply(out, {"Cu": 23.0, "Co": Quantity(8, "g/piece")},
                                collection_rate=0.8, recovery={"Cu": 0.9, "Co": 0.5},
                                grade={"Cu": "1G", "Co": "3G"})
    # Cu: 1000 vehicles x 23 kg = 23 t; collected 18.4 t; recovered 16.56 t
    assert r.eol.loc[2030, "Cu"] == pytest.approx(23.0)
    assert r.recovered.loc[2030, "Cu"] == pytest.approx(16.56)
    assert r.eol.loc[2031, "Co"] == pytest.approx(0.016)  # g/piece converted, not taken as kg
    t = r.table(2030)
    np.testing.assert_allclose(t.recovered + t.lost_not_collected + t.lost_in_processing, t.eol)
    # only functional routes (UG, 1G) count in the end-of-life recycling rate
    rr = r.eol_recycling_rate()
    assert rr["Cu"] == pytest.approx(0.72) and rr["Co"] == 0.0


def test_content_by_cohort_follows_the_products_that_leave():
    # cars bought before 2010 carry 20 kg Cu, later ones 80 kg (electrified): EoL copper rises
    # only as the later cohorts reach end of life
    inflow = pd.Series(100.0, index=range(2000, 2041))
    model = stocks.inflow_driven(inflow, stocks.Lifetime("fixed", mean=10))
    content = pd.Series(np.where(inflow.index < 2010, 20.0, 80.0), index=inflow.index)
    r = stocks.secondary_supply(model, {"Cu": content}, collection_rate=1.0, recovery={"Cu": 1.0})
    assert r.eol.loc[2015, "Cu"] == pytest.approx(100 * 20 / 1000)  # cohort 2005 leaves in 2015
    assert r.eol.loc[2025, "Cu"] == pytest.approx(100 * 80 / 1000)  # cohort 2015 leaves in 2025


def test_secondary_supply_bad_input():
    out = pd.Series([1000.0], index=[2030])
    with pytest.raises(DataError, match=r"collection_rate = 80 is outside \[0, 1\]"):
        stocks.secondary_supply(out, {"Cu": 23.0}, collection_rate=80, recovery={"Cu": 0.9})
    with pytest.raises(LabelError, match=r"recovery has no value for \['Cu'\]"):
        stocks.secondary_supply(out, {"Cu": 23.0}, collection_rate=0.8, recovery={"Co": 0.9})
    with pytest.raises(OptionError, match="grade of Cu"):
        stocks.secondary_supply(out, {"Cu": 23.0}, collection_rate=0.8, recovery={"Cu": 0.9},
                                grade={"Cu": "5G"})
    with pytest.raises(Exception, match="metre|meter"):
        stocks.secondary_supply(out, {"Cu": Quantity(3, "m")}, collection_rate=0.8,
                                recovery={"Cu": 0.9})


def test_recovery_may_come_from_a_separation_result():
    from resourcekit.separation import from_masses

    sep = from_masses(100, 0.05, 2, 0.50)  # Oki's example: recovery 20 %
    out = pd.Series([1000.0], index=[2030])
    r = stocks.secondary_supply(out, {"Cu": 10.0}, collection_rate=1.0, recovery={"Cu": sep})
    assert r.recovered.loc[2030, "Cu"] == pytest.approx(10.0 * 0.2)


def test_sankey_of_one_year_never_draws_negative_flows():
    out = pd.Series([1000.0, 0.0], index=[2030, 2031])
    r = stocks.secondary_supply(out, {"Cu": 23.0}, collection_rate=0.8, recovery={"Cu": 0.9})
    fig = r.sankey(2030)
    values = fig.data[0].link.value
    assert min(values) >= 0 and sum(values) == pytest.approx(23 + 18.4)
    with pytest.raises(LabelError, match="year 2040 is not modelled"):
        r.table(2040)


def test_supply_band_widens_with_uncertainty_and_collapses_without_it():
    inflow = pd.Series(1e5, index=range(2000, 2036))
    kw = dict(collection_rate=0.7, recovery={"Cu": 0.9}, n_samples=60, seed=1)
    lt = stocks.Lifetime("weibull", shape=3.0, mean=13.0)
    narrow = stocks.supply_band(inflow, lt, {"Cu": 23.0}, lifetime_mean_sd=0.0, content_rsd=0.0,
                                **kw)
    wide = stocks.supply_band(inflow, lt, {"Cu": 23.0}, lifetime_mean_sd=2.0, content_rsd=0.2,
                              **kw)
    point = stocks.secondary_supply(stocks.inflow_driven(inflow, lt), {"Cu": 23.0},
                                    collection_rate=0.7, recovery={"Cu": 0.9}).recovered["Cu"]
    np.testing.assert_allclose(narrow[("Cu", 0.5)], point, rtol=1e-12)
    np.testing.assert_allclose(narrow[("Cu", 0.05)], narrow[("Cu", 0.95)], rtol=1e-12)
    spread = wide[("Cu", 0.95)] - wide[("Cu", 0.05)]
    assert (spread.iloc[10:] > 0.1 * point.iloc[10:]).all()
    assert (wide[("Cu", 0.05)] <= wide[("Cu", 0.5)]).all()


def test_recovery_may_come_from_a_reconciled_balance():
    # the sorting line of lessons 08-09: recoveries of the Cu-rich product after reconciliation
    from resourcekit import datasets
    from resourcekit.massbalance import Flowsheet, recoveries

    line = Flowsheet.from_edges(datasets.load("mb_sorting_line_edges"))
    survey = datasets.load("mb_sorting_line_survey")
    measured, sd = (survey.xs(k, level="kind") for k in ("measured", "sd"))
    table = recoveries(line.reconcile(measured, sd))
    product = table.xs("Cu", level=1)["recovery"].idxmax()
    rec = table.xs(product, level=0)["recovery"]  # mass, Fe, Al, Cu, Zn
    out = pd.Series([1000.0], index=[2030])
    r = stocks.secondary_supply(out, {"Cu": 10.0, "Zn": 2.0}, collection_rate=0.5, recovery=rec)
    assert r.recovered.loc[2030, "Cu"] == pytest.approx(1000 * 10.0 / 1000 * 0.5 * rec["Cu"])
    assert 0.5 < rec["Cu"] < 1.0


# --------------------------------------------------------------------------- QA attacks
def test_an_unfrozen_scipy_distribution_is_refused():
    # scipy.stats.norm has sf and mean, but is N(0, 1): the stock came out 19 where it is 50 x L
    with pytest.raises(DataError, match="scipy.stats.norm is not frozen"):
        stocks.inflow_driven(pd.Series(50.0, index=range(1990, 2000)), stats.norm)


def test_a_normal_lifetime_with_negative_ages_is_warned_about():
    with pytest.warns(UserWarning, match="below age 0"):
        stocks.Lifetime("normal", mean=3, sd=3)


def test_a_fractional_fixed_lifetime_is_refused_not_rounded():
    with pytest.raises(DataError, match="whole number of years"):
        stocks.Lifetime("fixed", mean=10.3)


def test_lifetimes_in_months_are_converted_to_years():
    lt = stocks.Lifetime("normal", mean=Quantity(120, "month"), sd=Quantity(24, "month"))
    assert lt.mean == pytest.approx(10.0) and lt.parameters["sd"] == pytest.approx(2.0)


@pytest.mark.parametrize("unit", ["m", "%", "knot", "kt/h"])
def test_the_unit_of_a_stock_is_pieces_or_a_mass(unit):
    with pytest.raises(Exception, match="pieces|cannot be converted|not a"):
        stocks.inflow_driven(pd.Series([1.0, 2.0], index=[2000, 2001]),
                             stocks.Lifetime("fixed", mean=3), unit=unit)
    # kt is kilotonnes here, never knots
    r = stocks.inflow_driven(pd.Series([1.0, 2.0], index=[2000, 2001]),
                             stocks.Lifetime("fixed", mean=3), unit="kt")
    assert r.unit == "kt"


def test_a_nan_recovery_or_collection_rate_makes_the_rate_unknown_not_zero():
    out = pd.Series([1000.0, 1000.0], index=[2030, 2031])
    with pytest.warns(UserWarning):
        r = stocks.secondary_supply(out, {"Cu": 23.0}, collection_rate=0.8,
                                    recovery={"Cu": np.nan})
    assert np.isnan(r.eol_recycling_rate()["Cu"])
    with pytest.warns(UserWarning):
        r = stocks.secondary_supply(out, {"Cu": 23.0}, recovery={"Cu": 0.9},
                                    collection_rate=pd.Series([0.8, np.nan], index=[2030, 2031]))
    assert np.isnan(r.eol_recycling_rate()["Cu"])


@pytest.mark.parametrize("kw, error, match", [
    ({"content_rsd": 20}, DataError, r"content_rsd of Cu = 20.*0.2 for 20 %"),
    ({"content_rsd": -0.1}, DataError, "content_rsd of Cu"),
    ({"content_rsd": {"Fe": 0.1}}, LabelError, r"content_rsd has no value for \['Cu'\]"),
    ({"lifetime_mean_sd": np.nan}, DataError, "lifetime_mean_sd"),
    ({"n_samples": 3.5}, DataError, "n_samples = 3.5"),
    ({"quantiles": (5, 50, 95)}, DataError, "probabilities in"),
])
def test_supply_band_bad_input(kw, error, match):
    args = dict(collection_rate=0.7, recovery={"Cu": 0.9}, lifetime_mean_sd=1.0,
                content_rsd=0.1, n_samples=5)
    args.update(kw)
    with pytest.raises(error, match=match):
        stocks.supply_band(pd.Series(1.0, index=range(2000, 2005)),
                           stocks.Lifetime("normal", mean=8, sd=2), {"Cu": 23.0}, **args)


# --- lifetimes by cohort, the mean age of what leaves, deregistrations split (lesson 11) ---

def test_one_lifetime_for_every_cohort_is_the_plain_inflow_driven_model():
    # the cohort model with identical columns must be exactly stocks.inflow_driven
    life = stocks.Lifetime("weibull", shape=2.5, mean=13)
    plain = stocks.inflow_driven(_ramp(), life)
    by_cohort = stocks.inflow_driven_by_cohort(_ramp(), [life] * len(YEARS))
    np.testing.assert_allclose(by_cohort.stock, plain.stock, rtol=1e-12)
    np.testing.assert_allclose(by_cohort.outflow_by_cohort, plain.outflow_by_cohort, atol=1e-9)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(2.0, 25.0), min_size=12, max_size=12),
       st.lists(st.floats(0.0, 1e4), min_size=12, max_size=12))
def test_cohort_model_conserves_and_stock_driven_inverts_it(means, inflow):
    years = range(2000, 2012)
    life = [stocks.Lifetime("weibull", shape=3.0, mean=m) for m in means]
    r = stocks.inflow_driven_by_cohort(pd.Series(inflow, index=years), life)
    np.testing.assert_allclose(r.balance(), 0, atol=1e-6)
    assert (r.outflow_by_cohort.to_numpy() >= -1e-9).all()
    back = stocks.stock_driven_by_cohort(r.stock, life)
    np.testing.assert_allclose(back.inflow, inflow, atol=1e-6 * (1 + max(inflow)))


def test_cohort_survival_is_each_cohorts_own_weibull():
    # column c at lag j is exp(-((j + 0.5)/lambda_c)^k), Weibull (1951), written out here
    from math import gamma
    means = [8.0, 12.0, 16.0]
    S = stocks.cohort_survival_matrix([stocks.Lifetime("weibull", shape=3.0, mean=m)
                                       for m in means])
    for c, m in enumerate(means):
        lam = m / gamma(1 + 1 / 3.0)
        expected = [np.exp(-((j + 0.5) / lam) ** 3) for j in range(3 - c)]
        np.testing.assert_allclose(S[c:, c], expected, rtol=1e-12)
    assert np.all(np.triu(S, 1) == 0)


def test_mean_age_of_outflow_is_the_lifetime_in_a_steady_state_and_higher_after_a_fall():
    # steady inflow: every cohort alike, the mean age of what leaves is the mean lifetime
    # (exact for a fixed lifetime; midpoint rule on yearly steps for a Weibull: 1 %)
    steady = pd.Series(100.0, index=range(1900, 2021))
    fixed = stocks.inflow_driven(steady, stocks.Lifetime("fixed", mean=9))
    assert stocks.mean_age_of_outflow(fixed)[2020] == pytest.approx(9.0, abs=1e-12)
    weib = stocks.inflow_driven(steady, stocks.Lifetime("weibull", shape=3.0, mean=12.0))
    assert stocks.mean_age_of_outflow(weib)[2020] == pytest.approx(12.0, rel=0.01)
    # sales fall by 30 % in 2010: old, large cohorts dominate the outflow, so it ages
    fall = steady.where(steady.index < 2010, 70.0)
    aged = stocks.mean_age_of_outflow(stocks.inflow_driven(
        fall, stocks.Lifetime("weibull", shape=3.0, mean=12.0)))
    assert aged[2018] > aged[2009] + 0.25  # +0.41 a with these numbers
    rise = steady.where(steady.index < 2010, 130.0)  # and younger after a rise
    young = stocks.mean_age_of_outflow(stocks.inflow_driven(
        rise, stocks.Lifetime("weibull", shape=3.0, mean=12.0)))
    assert young[2018] < young[2009] - 0.25


def test_split_deregistrations_follows_the_published_2005_export_count():
    # Fuse, Kosaka & Kashima (2009): 1.11 M used passenger cars exported from Japan in 2005;
    # with 4.24 M deregistrations the share is 1.11 / 4.24 and the rest is domestic end of life
    dereg = pd.Series([4.24e6], index=[2005])
    parts = stocks.split_deregistrations(dereg, 1.11e6 / 4.24e6)
    assert parts.loc[2005, "used_export"] == pytest.approx(1.11e6, rel=1e-12)
    assert parts.loc[2005, "domestic_end_of_life"] == pytest.approx(3.13e6, rel=1e-12)
    by_year = stocks.split_deregistrations(pd.Series([10.0, 20.0], index=[1, 2]),
                                           pd.Series([0.5, 0.25], index=[1, 2]))
    assert by_year["used_export"].tolist() == [5.0, 5.0]


@pytest.mark.parametrize("call, error, match", [
    (lambda: stocks.split_deregistrations(pd.Series([1.0]), 1.5), DataError, "export_share"),
    (lambda: stocks.split_deregistrations([1.0, 2.0], 0.2), DataError, "pandas Series"),
    (lambda: stocks.split_deregistrations(pd.Series([1.0], index=[2000]),
                                          pd.Series([0.2], index=[2001])), LabelError, "years"),
    (lambda: stocks.inflow_driven_by_cohort(pd.Series([1.0, 2.0]),
                                            [stocks.Lifetime("fixed", mean=3)]),
     DataError, "1 lifetimes for 2 years"),
    (lambda: stocks.inflow_driven_by_cohort(
        pd.Series([1.0, 2.0], index=[2000, 2001]),
        pd.Series([stocks.Lifetime("fixed", mean=3)] * 2, index=[1990, 1991])),
     LabelError, "one lifetime per year"),
    (lambda: stocks.inflow_driven_by_cohort(pd.Series([1.0]), "weibull"), DataError,
     "one lifetime per cohort|a list"),
    (lambda: stocks.cohort_survival_matrix([]), DataError, "one lifetime per cohort"),
])
def test_cohort_functions_refuse_bad_input(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_unep_rate_counts_steel_to_steel_and_the_sure_share_does_not():
    # UNEP (2011): steel remelted to steel is functional recycling whatever the product, so its
    # EoL-RR is collection x recovery = 0.95 x 0.95; the SURE grade 2G does not enter. Copper
    # lost as a tramp element in steel is non-functional: 0.
    out = pd.Series([1000.0, 3000.0], index=[2030, 2031])
    s = stocks.secondary_supply(out, {"Fe": 900.0, "Cu": 20.0}, collection_rate=0.95,
                                recovery={"Fe": 0.95, "Cu": 0.6}, grade={"Fe": "2G", "Cu": "3G"})
    unep = stocks.unep_eol_recycling_rate(s, {"Fe": True, "Cu": False})
    assert unep["Fe"] == pytest.approx(0.95 * 0.95, rel=1e-12) and unep["Cu"] == 0
    assert s.eol_recycling_rate()["Fe"] == 0  # the UG/1G share: a different question


@pytest.mark.parametrize("functional, error, match", [
    ({"Fe": True}, LabelError, r"missing \['Cu'\]"),
    ({"Fe": True, "Cu": True, "Al": True}, LabelError, r"unknown \['Al'\]"),
    ({"Fe": "yes", "Cu": True}, DataError, "expected True or False"),
    ([("Fe", True)], DataError, "dict metal -> True/False"),
])
def test_unep_rate_refuses_bad_input(functional, error, match):
    s = stocks.secondary_supply(pd.Series([1.0], index=[2030]), {"Fe": 900.0, "Cu": 20.0},
                                collection_rate=0.9, recovery={"Fe": 0.9, "Cu": 0.9})
    with pytest.raises(error, match=match):
        stocks.unep_eol_recycling_rate(s, functional)
