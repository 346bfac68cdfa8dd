"""The shared input boundary: every way a user's input could come back silently wrong."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from resourcekit import boundary as b
from resourcekit.errors import (
    DataError,
    LabelError,
    MissingValueWarning,
    OptionError,
    ResourcekitError,
    UnitError,
)
from resourcekit.units import Quantity


def test_errors_are_one_family_and_keep_builtin_bases():
    for cls, base in [(DataError, ValueError), (UnitError, ValueError), (LabelError, KeyError),
                      (OptionError, ValueError)]:
        assert issubclass(cls, ResourcekitError) and issubclass(cls, base)
    # a KeyError subclass prints its message, not its repr
    assert str(LabelError("col 'x' missing")) == "col 'x' missing"


# --------------------------------------------------------------------------- fractions
def test_fraction_never_guesses_percent():
    with pytest.raises(DataError, match=r"feed grade = 78.6 is outside \[0, 1\].*units='%'"):
        b.fraction(78.6, "feed grade")
    assert b.fraction(78.6, "feed grade", units="%") == pytest.approx(0.786)
    assert b.fraction(Quantity(78.6, "%"), "g") == pytest.approx(0.786)
    assert b.fraction(Quantity(12, "g/t"), "g") == pytest.approx(12e-6)
    assert b.fraction(Quantity(2.5, "wt %"), "g") == pytest.approx(0.025)
    with pytest.raises(DataError, match="cannot be negative or above 100 %"):
        b.fraction(120, "g", units="%")


def test_fraction_rejects_units_that_are_not_fractions_and_contradictions():
    with pytest.raises(UnitError, match="t/h|metric_ton / hour"):
        b.fraction(Quantity(3, "t/h"), "grade")
    with pytest.raises(UnitError, match="pass one"):
        b.fraction(Quantity(5, "%"), "grade", units="ppm")


def test_nan_stays_nan_and_is_reported_inf_and_text_raise():
    with pytest.warns(MissingValueWarning, match="grade contains 1 NaN"):
        out = b.fraction([0.1, np.nan], "grade")
    assert np.isnan(out[1]) and out[0] == 0.1
    with pytest.raises(DataError, match="infinite"):
        b.fraction([0.1, np.inf], "grade")
    with pytest.raises(DataError, match=r"grade holds text '0,5' at label 'b'"):
        b.fraction(pd.Series(["0.1", "0,5"], index=["a", "b"], dtype=object), "grade")
    with pytest.raises(DataError, match="must be complete"):
        b.number([1.0, np.nan], "x", allow_nan=False)


# --------------------------------------------------------------------------- amounts
def test_amount_converts_masses_and_checks_dimension():
    got = b.amount(Quantity([500.0, 2000.0], "kg"), "mass", unit="t")
    np.testing.assert_allclose(got, [0.5, 2.0])
    with pytest.raises(UnitError, match=r"mass has unit meter \(\[length\]\).*metric_ton"):
        b.amount(Quantity(3, "m"), "mass", unit="t")
    with pytest.raises(DataError, match="mass = -1 is negative"):
        b.amount([1.0, -1.0], "mass", unit="t")
    np.testing.assert_allclose(b.amount([-1.0], "change", unit="t", allow_negative=True), [-1.0])
    # plain numbers in a stated unit, and flows
    assert b.amount(250, "feed", unit="t/h", units="kg/h") == pytest.approx(0.25)
    assert b.amount(Quantity(6, "t/d"), "feed", unit="t/h") == pytest.approx(0.25)


def test_std_in_converts_to_the_measurement_unit():
    # an sd in kg/h for flows in t/h: 1000x off if the unit were dropped
    assert b.std_in(Quantity(500, "kg/h"), "sd", unit="t/h") == pytest.approx(0.5)
    assert b.std_in(0.5, "sd", unit="t/h") == pytest.approx(0.5)
    with pytest.raises(DataError, match="negative"):
        b.std_in(-0.1, "sd", unit="t/h")


# --------------------------------------------------------------------------- labels
def test_align_reorders_by_label_and_names_mismatches():
    a = pd.Series([1.0, 2.0, 3.0], index=["x", "y", "z"])
    c = pd.Series([30.0, 10.0, 20.0], index=["z", "x", "y"])
    index, got = b.align({"a": a, "c": c, "k": 2.0})
    assert list(index) == ["x", "y", "z"]
    assert got["c"].tolist() == [10.0, 20.0, 30.0]
    assert got["k"] == 2.0
    with pytest.raises(LabelError, match=r"missing in d: \['z'\]; not in a: \['w'\]"):
        b.align({"a": a, "d": pd.Series([1.0, 2.0, 3.0], index=["x", "y", "w"])})
    with pytest.raises(LabelError, match="duplicate labels"):
        b.align({"a": pd.Series([1.0, 2.0], index=["x", "x"])})
    with pytest.raises(LabelError, match="3 labels"):
        b.align({"a": a, "arr": np.array([1.0, 2.0])})
    with pytest.raises(LabelError, match="different lengths"):
        b.align({"p": [1.0, 2.0], "q": np.array([1.0, 2.0, 3.0])})


def test_align_keeps_units_of_quantities_and_checks_their_length():
    a = pd.Series([1.0, 2.0], index=["x", "y"])
    _, got = b.align({"a": a, "q": Quantity(np.array([1000.0, 2000.0]), "kg")})
    np.testing.assert_allclose(b.amount(got["q"], "q", unit="t"), [1.0, 2.0])
    with pytest.raises(LabelError, match="q has 3 values but a has 2 labels"):
        b.align({"a": a, "q": Quantity(np.array([1.0, 2.0, 3.0]), "kg")})


def test_like_gives_back_the_callers_kind():
    s = pd.Series([0.0, 0.0], index=["p", "q"])
    out = b.like(s, np.array([1.0, 2.0]), "r")
    assert isinstance(out, pd.Series) and out.name == "r" and list(out.index) == ["p", "q"]
    assert isinstance(b.like(None, np.array(3.0)), float)
    assert b.template(1.0, [1.0, 2.0]).tolist() == [1.0, 2.0]


# --------------------------------------------------------------------------- column names
@pytest.mark.parametrize(
    "label, name, factor",
    [("LA(PPM)", "LA", 1e-6), ("EU(PPB)", "EU", 1e-9), ("La (mg kg-1)", "La", 1e-6),
     ("Eu ICP-MS (ppm)", "Eu ICP-MS", 1e-6), ("SIO2(WT%)", "SIO2", 1e-2),
     ("Cu wt %", "Cu", 1e-2), ("La (µg/g)", "La", 1e-6), ("Au_gpt", "Au", 1e-6)],
)
def test_column_units_in_the_spellings_of_databases_and_labs(label, name, factor):
    got_name, unit = b.split_unit(label)
    assert got_name == name
    assert Quantity(1, unit).to("dimensionless").magnitude == pytest.approx(factor)


@pytest.mark.parametrize("label", ["Fe_t", "size_min", "sample_day", "Sr/Y", "Y", "grade_A"])
def test_names_that_only_look_like_units_are_not_read_as_units(label):
    assert b.split_unit(label)[1] is None


def test_capitals_are_read_as_lower_case_units_not_tesla():
    assert str(b.parse_unit("T/H")) == "metric_ton / hour"
    with pytest.raises(UnitError, match="unknown unit 'bananas per hour'"):
        b.parse_unit("bananas per hour")


def test_column_values_unit_from_name_or_argument_never_both_differing():
    values, unit = b.column_values(pd.Series([1.0, 2.0], name="F [kg/h]"))
    assert str(unit) == "kilogram / hour" and values.tolist() == [1.0, 2.0]
    _, unit = b.column_values(pd.Series([1.0], name="F"), units="t/h")
    assert str(unit) == "metric_ton / hour"
    with pytest.raises(UnitError, match="pass one"):
        b.column_values(pd.Series([1.0], name="F [kg/h]"), units="t/h")


def test_check_option_lists_what_is_allowed():
    with pytest.raises(OptionError, match="model='logistc' is not known: use one of 'logistic'"):
        b.check_option("logistc", "model", ["logistic", "whiten"])


def test_a_clean_input_emits_no_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        b.fraction([0.1, 0.2], "g")
        b.amount([1.0], "m", unit="t")


# --------------------------------------------------------------------------- QA attacks
@pytest.mark.parametrize("value, what", [
    (pd.Series(pd.to_datetime(["2020-01-01"])), "dates"),
    (pd.Series(pd.to_timedelta([1], unit="D")), "durations"),
    ([True, False], "booleans"),
    (np.array([1 + 2j]), "complex numbers"),
    (pd.Series([1.0, True], dtype=object), "a bool True"),
])
def test_things_that_are_not_numbers_never_become_masses(value, what):
    # a date would be 1.6e18 ns of tonnes, True one tonne: both silently, before
    with pytest.raises(DataError, match=f"mass holds {what}"):
        b.amount(value, "mass", unit="t")


def test_missing_values_of_every_kind_become_nan():
    with pytest.warns(MissingValueWarning):
        masked = b.fraction(np.ma.masked_array([0.1, 0.9], mask=[0, 1]), "g")
    assert masked[0] == 0.1 and np.isnan(masked[1])  # the mask is honoured, not the hidden 0.9
    for value in (pd.Series([0.1, pd.NA], dtype=object), pd.array([0.1, None], dtype="Float64"),
                  [0.1, None]):
        with pytest.warns(MissingValueWarning):
            got = b.fraction(value, "g")
        assert got[0] == 0.1 and np.isnan(got[1])


def test_round_off_at_the_bounds_of_a_fraction_is_not_an_error():
    assert b.fraction(1 + 1e-15, "g") == 1.0 and b.fraction(-1e-17, "g") == 0.0
    with pytest.raises(DataError, match="outside"):
        b.fraction(1 + 1e-9, "g")


@pytest.mark.parametrize("text, expected", [
    ("kt", "kilometric_ton"), ("KT", "kilometric_ton"), ("mass-%", "wt_percent"),
    ("%wt", "wt_percent"), ("ppmw", "ppm"), ("g t\u22121", "gram / metric_ton"),
    ("\u03bcg g\u22121", "microgram / gram"),
])
def test_unit_spellings_of_the_trade(text, expected):
    assert str(b.parse_unit(text)) == expected


@pytest.mark.parametrize("text", ["ton", "tons/h", "oz/t", "oz"])
def test_ambiguous_units_are_refused_with_the_choices(text):
    # pint reads ton as the 907 kg short ton and oz as avoirdupois: 10 % and 9 % off silently
    with pytest.raises(UnitError, match="ambiguous unit"):
        b.parse_unit(text)
    assert b.amount(1, "m", unit="t", units="short_ton") == pytest.approx(0.90718474)
