"""The shared unit registry: the traps of this field (ppt, ppb, wt %, g/t) and unit parsing."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from resourcekit.units import Quantity, fraction_factor, parse_unit, split_unit, to_fraction, ureg


def test_concentration_units():
    # definitions: 1 ppm = 1 mg/kg = 1 ug/g = 1 g/t; ppb = 1e-9; ppt = 1e-12 (not pint's picopint)
    assert Quantity(1, "mg/kg").to("ppm").magnitude == pytest.approx(1)
    assert Quantity(1, "g/t").to("ppm").magnitude == pytest.approx(1)
    assert Quantity(1000, "ppt").to("ppb").magnitude == pytest.approx(1)
    assert Quantity(1, parse_unit("wt %")).to("ppm").magnitude == pytest.approx(1e4)
    assert fraction_factor("ppb") == pytest.approx(1e-9)
    assert Quantity(1, "t/h").to("kg/h").magnitude == pytest.approx(1000)
    assert ureg is ureg  # one shared registry


@pytest.mark.parametrize(
    "column, name, factor",
    [("La", "La", None), ("La_ppm", "La", 1e-6), ("La [mg/kg]", "La", 1e-6),
     ("La (ppm)", "La", 1e-6), ("Cu_wt%", "Cu", 1e-2), ("Au (g/t)", "Au", 1e-6),
     ("Eu ppb", "Eu", 1e-9)],
)
def test_split_unit(column, name, factor):
    got_name, unit = split_unit(column)
    assert got_name == name
    if factor is None:
        assert unit is None
    else:
        assert fraction_factor(unit) == pytest.approx(factor)


@pytest.mark.parametrize("text", ["Lithology (Lithology Code see explanati...)",
                                  "Eu norm (EuAnom Shields and Stille (2...)", "Sr/Y"])
def test_odd_column_names_are_not_units(text):
    assert split_unit(text)[1] is None
    with pytest.raises(ValueError, match="unknown unit|no unit"):
        parse_unit(text.split("(")[-1].rstrip(")") if "(" in text else text + " furlongs")


def test_to_fraction_never_guesses_percent():
    assert to_fraction(0.05) == 0.05
    assert to_fraction(Quantity(5, "%")) == pytest.approx(0.05)
    assert to_fraction(Quantity(12, "g/t")) == pytest.approx(12e-6)
    with pytest.raises(ValueError, match=r"grade = 5 is outside \[0, 1\].*Quantity\(5, '%'\)"):
        to_fraction(5)
    with pytest.raises(ValueError, match="feed grade = -0.1 is outside"):
        to_fraction(np.array([0.1, -0.1]), name="feed grade")
    with pytest.raises(ValueError, match="not a concentration"):
        to_fraction(Quantity(3, "t/h"))
    series = pd.Series([0.1, 0.2], index=["a", "b"])
    out = to_fraction(series)
    assert isinstance(out, pd.Series) and list(out.index) == ["a", "b"]
