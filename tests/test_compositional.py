"""Tests of closure and the log-ratio transforms (Aitchison 1986; Egozcue et al. 2003)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from resourcekit import compositional as comp

compositions = st.lists(st.floats(1e-6, 1e6), min_size=2, max_size=15)


def test_clr_worked_example():
    # Aitchison (1986): clr(x) = ln(x / g(x)); for (1, 2, 4), g = 2 -> (-ln 2, 0, ln 2).
    np.testing.assert_allclose(comp.clr(np.array([1.0, 2.0, 4.0])), [-np.log(2), 0, np.log(2)])


def test_ilr_balance_formula():
    # Egozcue et al. (2003): ilr_1 = sqrt(1/2) ln(x1/x2), ilr_2 = sqrt(2/3) ln(sqrt(x1 x2)/x3).
    x = np.array([1.0, 2.0, 4.0])
    expected = [np.sqrt(0.5) * np.log(0.5), np.sqrt(2 / 3) * np.log(np.sqrt(2) / 4)]
    np.testing.assert_allclose(comp.ilr(x), expected)


@settings(max_examples=50, deadline=None)
@given(compositions)
def test_round_trips(parts):
    x = comp.closure(np.array(parts))
    np.testing.assert_allclose(comp.clr_inv(comp.clr(x)), x, rtol=1e-9)
    np.testing.assert_allclose(comp.ilr_inv(comp.ilr(x)), x, rtol=1e-9)
    np.testing.assert_allclose(comp.alr_inv(comp.alr(x)), x, rtol=1e-9)
    # ilr is an isometry of the clr plane: norms agree.
    np.testing.assert_allclose(np.linalg.norm(comp.ilr(x)), np.linalg.norm(comp.clr(x)),
                               rtol=1e-9, atol=1e-12)


def test_same_kind_out():
    df = pd.DataFrame({"La": [1.0, 2.0], "Ce": [3.0, 2.0]}, index=["a", "b"])
    out = comp.clr(df)
    assert list(out.index) == ["a", "b"] and list(out.columns) == ["La", "Ce"]
    assert isinstance(comp.clr(df.iloc[0]), pd.Series)
    assert list(comp.alr(df, "Ce").columns) == ["ln(La/Ce)"]
    np.testing.assert_allclose(comp.closure(df, 100).sum(axis=1), [100, 100])


def test_bad_input():
    with pytest.raises(ValueError, match="part 'Ce' holds 0.0"):
        comp.clr(pd.DataFrame({"La": [1.0], "Ce": [0.0]}))
    with pytest.raises(TypeError, match=r"columns \['name'\] are not numeric"):
        comp.clr(pd.DataFrame({"La": [1.0], "name": ["x"]}))
    with pytest.raises(KeyError, match="denominator 'Lu' is not a part"):
        comp.alr(pd.DataFrame({"La": [1.0], "Ce": [2.0]}), "Lu")
