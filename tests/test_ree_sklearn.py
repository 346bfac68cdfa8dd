"""scikit-learn contract of the ree transformers: the library's own estimator checks.

``parametrize_with_checks`` runs scikit-learn's common checks (fit returns self, NotFittedError
before fit, clone, pickle, n_features_in_, feature names at transform, set_output, dtypes, one
sample, one feature, ...). The domain's limits are declared through estimator tags
(``__sklearn_tags__``: NaN allowed, positive parts only for log-ratios), not by skipping checks.
Arrays are read by position as the elements in ``elements``, as scikit-learn reads arrays.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import resourcekit.ree as ree
from resourcekit.errors import LabelError, MissingValueWarning
from sklearn.exceptions import NotFittedError
from sklearn.utils.estimator_checks import parametrize_with_checks

ESTIMATORS = [
    ree.Normalizer(units="ppm", elements=ree.REE),
    ree.Normalizer(units="ppm", log=True, bdl="half", elements=ree.REE),
    ree.LogRatio("clr"),
    ree.LogRatio("ilr"),
    ree.LogRatio("alr"),
    ree.Lambdas(units="ppm", elements=ree.REE),
]


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_estimator_checks(estimator, check, monkeypatch):
    # scikit-learn skips its numpy-namespace array-API checks unless this is set; set it so
    # that every generated check runs.
    monkeypatch.setenv("SCIPY_ARRAY_API", "1")
    with warnings.catch_warnings():
        # The domain's own reports (values below a detection limit, rows too short to fit
        # lambdas, rows with a part <= 0 or missing) are expected on scikit-learn's random data.
        warnings.simplefilter("ignore", category=ree.DetectionLimitWarning)
        warnings.simplefilter("ignore", category=MissingValueWarning)
        warnings.simplefilter("ignore", category=ree.LambdaFitWarning)
        check(estimator)


def _ree_frame(n: int = 4) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    ci = ree.reference("CI_McDonoughSun1995")[list(ree.REE)]
    values = ci.to_numpy() * np.exp(rng.normal(2, 0.3, (n, 14)))
    return pd.DataFrame(values, columns=[f"{el}_ppm" for el in ree.REE])


@pytest.mark.parametrize("est", [ree.Normalizer(), ree.LogRatio(), ree.Lambdas()])
def test_not_fitted_error(est):
    with pytest.raises(NotFittedError):
        est.transform(_ree_frame())
    with pytest.raises(NotFittedError):
        est.get_feature_names_out()


@pytest.mark.parametrize("est", [ree.Normalizer(), ree.Normalizer(log=True),
                                 ree.LogRatio("clr"), ree.LogRatio("ilr"), ree.LogRatio("alr"),
                                 ree.Lambdas(), ree.Lambdas(tetrads=True)])
def test_feature_names_out_equal_pandas_columns(est):
    X = _ree_frame(20)
    if isinstance(est, ree.LogRatio):
        X = ree.normalize(X)
    out = est.fit(X).transform(X)
    assert list(out.columns) == list(est.get_feature_names_out())
    assert out.index.equals(X.index)


def test_logratio_reordered_columns_not_relabelled():
    # The defect of issue 10: columns in another order at transform were labelled by their
    # fit-time position. Now the names are checked: reordered -> an error naming the order.
    X = ree.normalize(_ree_frame(5))[["La", "Ce", "Yb"]]
    est = ree.LogRatio().fit(X)
    with pytest.raises(ValueError, match="same order"):
        est.transform(X[["Yb", "La", "Ce"]])
    with pytest.raises(ValueError, match="unseen at fit time"):
        est.transform(X.rename(columns={"Yb": "Lu"}))
    # Same names and order: clr_La is the clr of La (computed independently).
    out = est.transform(X)
    logs = np.log(X.to_numpy())
    np.testing.assert_allclose(out["clr_La"], logs[:, 0] - logs.mean(axis=1))


def test_normalizer_reordered_columns_checked_by_name():
    X = _ree_frame(3)
    est = ree.Normalizer().fit(X)
    with pytest.raises(ValueError, match="same order"):
        est.transform(X[X.columns[::-1]])
    np.testing.assert_allclose(est.transform(X)["La"], X["La_ppm"] / 0.237)


def test_array_read_by_position_documented():
    # An array has no names: its columns are the elements, La, Ce, ... in order.
    X = _ree_frame(3)
    by_name = ree.Normalizer().fit_transform(X)
    by_position = ree.Normalizer(units="ppm").fit_transform(X.to_numpy())
    np.testing.assert_allclose(by_position.to_numpy(), by_name.to_numpy())
    with pytest.raises(LabelError, match="read by position"):
        ree.Normalizer(units="ppm").fit(np.ones((2, 15)))
