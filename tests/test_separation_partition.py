"""Tests of resourcekit.separation.partition: Tromp curves, models, single and batch fits."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from resourcekit import separation as sep
from resourcekit.errors import DataError, OptionError

# Wills' hydrocyclone screen analyses (Wills' Mineral Processing Technology, ch. 9, as
# reproduced in a public worked solution): % of feed in underflow and overflow by size class.
UNDER = np.array([9.6, 14.2, 16.3, 4.8, 4.1, 3.1, 1.9, 11.2])
OVER = np.array([0.0, 0.0, 2.1, 3.1, 4.1, 3.9, 2.7, 18.9])


def test_partition_numbers_wills_hydrocyclone():
    # Published partition numbers (%): 100, 100, 88.6, 60.8, 50.0, 44.3, 41.3, 37.2;
    # tolerance: one decimal of a percent.
    p = sep.partition_numbers(UNDER + OVER, UNDER)
    np.testing.assert_allclose(
        p * 100, [100, 100, 88.6, 60.8, 50.0, 44.3, 41.3, 37.2], atol=0.05)


def test_partition_numbers_from_distributions_and_bypass():
    feed = UNDER + OVER
    y = UNDER.sum() / feed.sum()
    # distributions (each normalised) plus the yield give the same numbers
    p = sep.partition_numbers(feed / feed.sum() * 100, UNDER / UNDER.sum(), product_yield=y)
    np.testing.assert_allclose(p, UNDER / feed, rtol=1e-12)
    # by-pass correction (E - Rf)/(1 - Rf)
    pc = sep.partition_numbers(feed, UNDER, bypass=0.3)
    np.testing.assert_allclose(pc, (UNDER / feed - 0.3) / 0.7, rtol=1e-12)


def test_partition_numbers_keep_index():
    idx = pd.Index(["+1168", "-1168+589"], name="size")
    p = sep.partition_numbers(pd.Series([10.0, 20.0], index=idx), pd.Series([5.0, 20.0],
                                                                             index=idx))
    assert isinstance(p, pd.Series) and p.index.equals(idx)


def test_logistic_identity_quartiles():
    # Napier-Munn (1991) logistic: P(x50 +- Ep) = 0.75 / 0.25 exactly (ln 3 in the exponent).
    for x50, ep in ((1.6, 0.05), (150.0, 30.0)):
        p = sep.partition_curve(np.array([x50 - ep, x50, x50 + ep]), "logistic", x50=x50, ep=ep)
        np.testing.assert_allclose(p, [0.25, 0.5, 0.75], rtol=1e-12)


@pytest.mark.parametrize(
    "model, params, bypass",
    [
        ("logistic", {"x50": 1.62, "ep": 0.06}, 0.0),
        ("logistic", {"x50": 200.0, "ep": 40.0}, 0.25),
        ("lynch_rao", {"x50": 150.0, "alpha": 3.0}, 0.2),
        ("rosin_rammler", {"x50": 150.0, "m": 2.5}, 0.15),
        ("whiten", {"x50": 150.0, "alpha": 3.0, "beta": 0.6}, 0.2),
    ],
)
def test_fit_recovers_parameters_of_noise_free_data(model, params, bypass):
    x = np.linspace(1.3, 1.95, 12) if params["x50"] < 10 else np.geomspace(20, 1500, 14)
    p = sep.partition_curve(x, model, bypass=bypass, **params)
    fit = sep.fit_partition(x, p, model, bypass="fit" if bypass else 0.0)
    assert fit.converged
    for name, value in params.items():
        np.testing.assert_allclose(fit.params[name], value, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(fit.bypass, bypass, atol=1e-6)
    np.testing.assert_allclose(fit.x50, params["x50"], rtol=1e-6)  # E_c(x50) = 0.5 by design
    np.testing.assert_allclose(fit.predict(x), p, atol=1e-8)


def test_fit_matches_scipy_curve_fit_with_noise():
    # Independent implementation: scipy.optimize.curve_fit on the same weighted problem.
    from scipy.optimize import curve_fit

    rng = np.random.default_rng(3)
    x = np.linspace(1.3, 1.95, 14)
    w = rng.uniform(0.5, 2.0, x.size)
    p = np.clip(sep.partition_curve(x, x50=1.6, ep=0.07) + rng.normal(0, 0.02, x.size), 0, 1)
    fit = sep.fit_partition(x, p, "logistic", weights=w)

    def f(xx, x50, ep):
        return 1 / (1 + np.exp(np.log(3) * (x50 - xx) / ep))

    popt, pcov = curve_fit(f, x, p, p0=[1.5, 0.1], sigma=1 / np.sqrt(w))
    np.testing.assert_allclose([fit.params["x50"], fit.params["ep"]], popt, rtol=1e-6)
    np.testing.assert_allclose([fit.stderr["x50"], fit.stderr["ep"]], np.sqrt(np.diag(pcov)),
                               rtol=1e-3)
    ci = fit.ci
    assert (ci["lower"] < ci["estimate"]).all() and (ci["estimate"] < ci["upper"]).all()


def test_derived_measures_dms_and_classifier():
    fit = sep.fit_partition(np.linspace(1.3, 1.9, 9),
                            sep.partition_curve(np.linspace(1.3, 1.9, 9), x50=1.6, ep=0.05))
    np.testing.assert_allclose(fit.ep, 0.05, rtol=1e-8)
    np.testing.assert_allclose([fit.d25, fit.d75], [1.55, 1.65], rtol=1e-8)
    np.testing.assert_allclose(fit.imperfection("dms"), 0.05 / 0.6, rtol=1e-7)
    np.testing.assert_allclose(fit.imperfection("classifier"), 0.05 / 1.6, rtol=1e-7)
    np.testing.assert_allclose(fit.sharpness, 1.55 / 1.65, rtol=1e-8)
    with pytest.raises(OptionError, match="unknown imperfection kind"):
        fit.imperfection("jig")
    assert "ep" in fit.summary().index


def test_wills_hydrocyclone_fit_with_bypass():
    d = np.sqrt(np.array([1650, 1168, 589, 295, 208, 147, 104, 74])
                * np.array([1168, 589, 295, 208, 147, 104, 74, 53]))
    p = sep.partition_numbers(UNDER + OVER, UNDER)
    fit = sep.fit_partition(d, p, "lynch_rao", bypass="fit")
    assert fit.converged
    # the corrected cut is coarser than the actual d50 (~175 um read from the data)
    assert 200 < fit.x50 < 400 and 0.25 < fit.bypass < 0.45
    chart = fit.chart(x_title="size [um]")
    spec = chart.to_dict()
    assert "layer" in spec


def test_batch_equals_single_fits():
    rng = np.random.default_rng(7)
    x = np.linspace(1.3, 1.95, 10)
    x50 = rng.uniform(1.45, 1.8, 50)
    ep = rng.uniform(0.03, 0.1, 50)
    p = 1 / (1 + np.exp(np.log(3) * (x50[:, None] - x) / ep[:, None]))
    p = np.clip(p + rng.normal(0, 0.01, p.shape), 0, 1)
    batch = sep.fit_partition_batch(x, p, index=[f"c{i}" for i in range(50)])
    assert batch.params["converged"].all()
    for i in (0, 17, 49):
        single = sep.fit_partition(x, p[i])
        np.testing.assert_allclose(batch.params["x50"].iloc[i], single.x50, rtol=1e-6)
        np.testing.assert_allclose(batch.params["ep"].iloc[i], single.ep, rtol=1e-5)
    assert batch.fit(3).model == "logistic"
    assert batch.params.index[0] == "c0"


@settings(max_examples=30, deadline=None)
@given(x50=st.floats(1.4, 1.9), ep=st.floats(0.02, 0.15))
def test_fitted_logistic_round_trip(x50, ep):
    x = np.linspace(1.2, 2.1, 15)
    fit = sep.fit_partition(x, sep.partition_curve(x, x50=x50, ep=ep))
    np.testing.assert_allclose([fit.x50, fit.ep], [x50, ep], rtol=1e-5)


def test_models_registry_lists_every_model():
    table = sep.partition_models()
    assert set(table.index) == set(sep.MODELS) == {"logistic", "lynch_rao", "whiten",
                                                    "rosin_rammler"}
    with pytest.raises(OptionError, match="unknown partition model 'tanh'"):
        sep.fit_partition([1, 2, 3, 4], [0.1, 0.4, 0.6, 0.9], "tanh")


# ------------------------------------------------------------------------------ bad input
def test_non_monotone_partition_data():
    x = np.array([1.3, 1.4, 1.5, 1.6, 1.7, 1.8])
    p = np.array([0.05, 0.6, 0.2, 0.7, 0.9, 0.98])
    with pytest.raises(ValueError, match="not monotone.*model='whiten'"):
        sep.fit_partition(x, p)


def test_decreasing_partition_data_suggest_complement():
    x = np.array([1.3, 1.4, 1.5, 1.6, 1.7])
    with pytest.raises(ValueError, match="fall with x.*1 - p"):
        sep.fit_partition(x, [0.95, 0.9, 0.5, 0.1, 0.02])


def test_percent_partition_numbers_rejected():
    with pytest.raises(ValueError, match="outside \\[0, 1\\].*not percent"):
        sep.fit_partition([1, 2, 3, 4], [10, 40, 60, 90])


def test_partition_numbers_errors():
    with pytest.raises(ValueError, match="product = -1 is negative"):
        sep.partition_numbers([1.0, 2.0], [-1.0, 1.0])
    with pytest.raises(ValueError, match="class 1 has no mass"):
        sep.partition_numbers([1.0, 0.0], [0.5, 0.0])
    with pytest.raises(ValueError, match="product holds more than the feed"):
        sep.partition_numbers([1.0, 2.0], [1.5, 1.0])
    with pytest.raises(ValueError, match="bypass = 1"):
        sep.partition_numbers([1.0, 2.0], [0.5, 1.0], bypass=1.0)


def test_too_few_points_and_duplicates():
    with pytest.raises(ValueError, match="needs more than 3 classes"):
        sep.fit_partition([1, 2, 3], [0.1, 0.5, 0.9], bypass="fit")
    with pytest.raises(ValueError, match="distinct class values"):
        sep.fit_partition([1, 1, 2, 3], [0.1, 0.2, 0.5, 0.9])


def test_whiten_without_fish_hook_is_lynch_rao():
    # Whiten-beta with beta = 0 gives b* = 1 and reduces to Lynch-Rao (Napier-Munn et al. 1996)
    d = np.geomspace(10, 2000, 25)
    np.testing.assert_allclose(
        sep.partition_curve(d, "whiten", x50=150.0, alpha=2.5, beta=0.0, bypass=0.1),
        sep.partition_curve(d, "lynch_rao", x50=150.0, alpha=2.5, bypass=0.1), rtol=1e-10)


def test_lynch_rao_with_bypass_is_a_reparametrised_logistic():
    # E_LR = 1 - (1 + K)/(exp(a d/d50) + K), K = e^a - 2: with a by-pass it equals a logistic
    # in linear size, k = a/d50 = ln3/Ep, C = K = exp(k x50), (1 - Rf_log) K = (1 - Rf_LR)(1 + K).
    a, d50, rf = 3.0, 200.0, 0.3
    k = a / d50
    big_k = np.exp(a) - 2
    ep, x50 = np.log(3) / k, np.log(big_k) / k
    rf_log = 1 - (1 - rf) * (1 + big_k) / big_k
    d = np.geomspace(10, 3000, 30)
    np.testing.assert_allclose(
        sep.partition_curve(d, "lynch_rao", x50=d50, alpha=a, bypass=rf),
        sep.partition_curve(d, "logistic", x50=x50, ep=ep, bypass=rf_log), rtol=1e-10)


# ------------------------------------------------------------- issue 20: two silent wrong answers
def test_fit_partition_all_weights_zero_raises():
    # before: standard errors [0, 0] were returned for a fit with no information at all
    rho = np.linspace(1.3, 1.9, 7)
    p = sep.partition_curve(rho, x50=1.6, ep=0.05)
    with pytest.raises(DataError, match="weights"):
        sep.fit_partition(rho, p, weights=np.zeros(7))
    # two classes with weight cannot determine two parameters and a residual variance
    with pytest.raises(DataError, match="weights"):
        sep.fit_partition(rho, p, weights=[0, 0, 1, 1, 0, 0, 0])
    with pytest.raises(DataError, match="weights"):
        sep.fit_partition_batch(rho, np.vstack([p, p]), weights=np.vstack(
            [np.ones(7), np.zeros(7)]))
    # three positive weights suffice: the fit is the one of those classes alone
    w = np.array([0, 0, 1, 1, 1, 0, 0], float)
    fit = sep.fit_partition(rho, p, weights=w)
    assert fit.x50 == pytest.approx(1.6, abs=1e-6)


@pytest.mark.parametrize("model,params,name", [
    ("logistic", {"x50": 1.6, "ep": -0.05}, "ep"),
    ("logistic", {"x50": 1.6, "ep": 0.0}, "ep"),
    ("lynch_rao", {"x50": 100.0, "alpha": -2.0}, "alpha"),
    ("whiten", {"x50": 100.0, "alpha": 2.0, "beta": -0.5}, "beta"),
    ("rosin_rammler", {"x50": -5.0, "m": 2.0}, "x50"),
])
def test_partition_curve_rejects_parameters_out_of_domain(model, params, name):
    # before: ep < 0 turned the curve upside down without a word
    with pytest.raises(DataError, match=name):
        sep.partition_curve(np.array([1.5, 1.6, 1.7]), model, **params)
