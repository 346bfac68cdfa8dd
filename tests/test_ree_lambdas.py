"""Tests of the O'Neill (2016) lambdas, tetrads and pattern_from_lambdas."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import resourcekit.ree as ree
from hypothesis import given, settings
from hypothesis import strategies as st
from resourcekit.ree import LambdaFitWarning

LAMBDA_COLS = [f"lambda{k}" for k in range(4)]


def _patterns(n: int, seed: int = 1, noise: float = 0.05) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    lam = np.column_stack([rng.normal(3, 1, n), rng.normal(-10, 5, n), rng.normal(-50, 50, n),
                           rng.normal(0, 200, n)])
    pat = ree.pattern_from_lambdas(pd.DataFrame(lam, columns=LAMBDA_COLS),
                                   reference="CI_ONeill2016")
    pat = pat * np.exp(rng.normal(0, noise, pat.shape))
    pat.columns = [f"{c}_ppm" for c in pat.columns]
    return pat


def test_polynomial_parameters_oneill_2016():
    # O'Neill (2016) gives the polynomial parameters (6 decimals): beta = 1.054769,
    # gamma = 1.005327, 1.128236, delta = 0.991412, 1.060548, 1.145520 [angstrom].
    params = ree.polynomial_parameters(4)
    np.testing.assert_allclose(params[1], [1.054769], atol=1e-6)
    np.testing.assert_allclose(params[2], [1.005327, 1.128236], atol=1e-6)
    np.testing.assert_allclose(params[3], [0.991412, 1.060548, 1.145520], atol=1e-6)


def test_matches_pyrolite_complete_data():
    # Independent implementation: pyrolite 0.3.8 (sympy roots, per-pattern matrix A). pyrolite
    # returns float32, hence 1e-6 relative / 1e-5 absolute.
    import pyrolite.geochem  # noqa: F401

    data = _patterns(300)
    plain = data.rename(columns=lambda c: c.replace("_ppm", ""))
    for params, basis in (("O'Neill (2016)", "ONeill2016"), ("full", "full")):
        theirs = plain.pyrochem.lambda_lnREE(norm_to="ChondriteREE_ON", exclude=["Pm", "Eu"],
                                             params=params, degree=4)
        ours = ree.lambdas(data, basis=basis)
        np.testing.assert_allclose(ours.to_numpy(), theirs.to_numpy(dtype=float), rtol=1e-6,
                                   atol=1e-5)
    theirs = plain.pyrochem.lambda_lnREE(norm_to="ChondriteREE_ON", exclude=["Pm", "Eu"],
                                         params="O'Neill (2016)", degree=4,
                                         add_uncertainties=True, add_X2=True)
    ours = ree.lambdas(data, uncertainties=True)
    np.testing.assert_allclose(ours.to_numpy(), theirs.to_numpy(dtype=float), rtol=1e-5)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(-300, 300), min_size=4, max_size=4).filter(lambda v: abs(v[0]) < 20))
def test_recovers_known_lambdas(lams):
    pattern = ree.pattern_from_lambdas(lams)  # normalised pattern at all 14 REE
    fitted = ree.lambdas(pattern, reference=None)
    np.testing.assert_allclose(fitted.to_numpy(), lams, rtol=1e-7, atol=1e-6)


def test_missing_elements_fitted_per_pattern():
    data = _patterns(50, noise=0.0)
    truth = ree.lambdas(data)
    holes = data.copy()
    holes.iloc[::2, holes.columns.get_loc("Tb_ppm")] = np.nan
    holes.iloc[::3, holes.columns.get_loc("Pr_ppm")] = np.nan
    fitted = ree.lambdas(holes)
    # Noise-free patterns lie on the polynomial: any subset gives the same lambdas.
    np.testing.assert_allclose(fitted.to_numpy(), truth.to_numpy(), rtol=1e-8, atol=1e-8)
    assert holes["Tb_ppm"].isna().sum() == 25  # caller's data untouched


@pytest.mark.filterwarnings("ignore::resourcekit.ree.MissingDataWarning")
def test_too_few_elements_nan_with_reason():
    data = _patterns(3)
    data.iloc[0, 3:] = np.nan
    data.iloc[1, :] = np.nan
    with pytest.warns(LambdaFitWarning, match="2 rows left NaN"):
        out = ree.lambdas(data)
    assert out.iloc[:2].isna().all().all() and out.iloc[2].notna().all()
    assert out.attrs["not_fitted"] == {"fewer than 7 elements": 1, "no values": 1}


def test_exclude_not_mutated_and_validated():
    exclude = ["Eu", "Ce"]
    ree.lambdas(_patterns(2), exclude=exclude)
    assert exclude == ["Eu", "Ce"]
    with pytest.raises(ValueError, match=r"\['Fe'\] are not REE"):
        ree.lambdas(_patterns(2), exclude=("Fe",))
    with pytest.raises(ValueError, match="degree = 0"):
        ree.lambdas(_patterns(2), degree=0)
    with pytest.raises(ValueError, match="basis = 'x'"):
        ree.lambdas(_patterns(2), basis="x")


def test_tetrads_recovered():
    lams = [2.0, -5.0, 10.0, 50.0]
    taus = [0.3, 0.0, -0.2, 0.1]
    pattern = ree.pattern_from_lambdas(lams, taus=taus)
    fitted = ree.lambdas(pattern, reference=None, tetrads=True, min_elements=9)
    np.testing.assert_allclose(fitted.to_numpy(), lams + taus, atol=1e-8)


def test_pattern_from_lambdas_reference_ppm():
    out = ree.pattern_from_lambdas([0.0, 0, 0, 0], reference="CI_McDonoughSun1995")
    np.testing.assert_allclose(out, ree.reference("CI_McDonoughSun1995")[list(ree.REE)])


def test_series_in_series_out():
    s = _patterns(1).iloc[0]
    out = ree.lambdas(s)
    assert isinstance(out, pd.Series) and list(out.index) == LAMBDA_COLS
