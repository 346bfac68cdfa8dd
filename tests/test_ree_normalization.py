"""Tests of resourcekit.ree references and normalisation (units, oxides, detection limits)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import resourcekit.ree as ree
from hypothesis import given, settings
from hypothesis import strategies as st
from resourcekit import datasets
from resourcekit.errors import DataError, LabelError
from resourcekit.ree import (
    AmbiguousColumnWarning,
    DetectionLimitWarning,
    MissingDataWarning,
    REEColumnError,
    UnitError,
    UnknownReferenceError,
)

CLASS = "Lithology (Lithology Code see explanati...)"


@pytest.fixture(scope="module")
def apatite() -> pd.DataFrame:
    return datasets.load("osullivan2020_apatite")


def test_reference_names_required_by_issue():
    names = set(ree.reference_names())
    for name in ["CI_McDonoughSun1995", "CI_SunMcDonough1989", "CI_PalmeONeill2014",
                 "CI_ONeill2016", "PM_SunMcDonough1989", "PAAS_TaylorMcLennan1985",
                 "PAAS_Pourmand2012", "UCC_RudnickGao2003"]:
        assert name in names
    table = ree.references()
    assert (table["unit"] == "ppm").all()
    assert table["citation"].str.len().min() > 20


def test_reference_published_values():
    # McDonough & Sun (1995) Table 1, CI chondrite [ppm]: La 0.237, Eu 0.0563, Lu 0.0246.
    ci = ree.reference("CI_McDonoughSun1995")
    np.testing.assert_allclose(ci[["La", "Eu", "Lu"]], [0.237, 0.0563, 0.0246], rtol=0)
    # Taylor & McLennan (1985) PAAS: La 38.2, Yb 2.8 ppm.
    paas = ree.reference("PAAS_TaylorMcLennan1985")
    np.testing.assert_allclose(paas[["La", "Yb"]], [38.2, 2.8], rtol=0)


def test_reference_pyrolite_alias_is_ppm_not_ppb():
    # pyrolite keeps Chondrite_MS95 in ppb: our alias must give ppm (no 1000x trap).
    np.testing.assert_allclose(ree.reference("Chondrite_MS95")["La"], 0.237)


def test_unknown_reference_lists_known():
    with pytest.raises(UnknownReferenceError, match="CI_McDonoughSun1995"):
        ree.reference("chondrite_xyz")
    with pytest.raises(KeyError, match="unknown reference composition 'foo'"):
        ree.normalize(pd.DataFrame({"La_ppm": [1.0]}), reference="foo")


@pytest.mark.parametrize(
    "column, factor",
    [("La", 1.0), ("la", 1.0), ("La_ppm", 1.0), ("La [mg/kg]", 1.0), ("La (ppm)", 1.0),
     ("La (ug/g)", 1.0), ("La [ppb]", 1e-3), ("La_ppt", 1e-6), ("La (wt%)", 1e4),
     ("La (g/t)", 1.0)],
)
def test_spellings_and_units(column, factor):
    units = "ppm" if column in ("La", "la") else None
    out = ree.normalize(pd.DataFrame({column: [23.7]}), units=units)
    np.testing.assert_allclose(out["La"], 23.7 * factor / 0.237)


def test_oxide_wt_percent_converted_by_molar_mass():
    # La2O3 -> La factor 2*138.905/(2*138.905+3*15.999) = 0.85268 (conversion tables give
    # La2O3/La = 1.1728, i.e. 0.8527); 1 wt % La2O3 = 8526.8 ppm La.
    out = ree.normalize(pd.DataFrame({"La2O3 (wt%)": [1.0], "CeO2 (wt%)": [1.0]}))
    np.testing.assert_allclose(out["La"] * 0.237, 8526.8, rtol=1e-4)
    # CeO2/Ce = 1.2284 -> 0.81408
    np.testing.assert_allclose(out["Ce"] * 0.613, 8140.8, rtol=1e-4)


def test_apatite_normalised_matches_authors_columns(apatite):
    # O'Sullivan et al. (2020) publish 'Sm norm' ... 'Tb norm' (CI of McDonough & Sun 1995),
    # rounded to 0.1: agreement within 0.05 is the rounding.
    out = ree.normalize(apatite)
    for el in ["Sm", "Eu", "Gd", "Tb"]:
        ok = apatite[f"{el} norm"].notna()
        np.testing.assert_allclose(out.loc[ok, el], apatite.loc[ok, f"{el} norm"], atol=0.0501)
    # Non-REE columns pass through untouched, order kept.
    assert out.columns[1] == apatite.columns[1]
    pd.testing.assert_series_equal(out["Analysis"], apatite["Analysis"])
    assert list(out.columns).index("La") == list(apatite.columns).index("La [mg/kg]")


def test_same_kind_out_and_no_mutation():
    df = pd.DataFrame({"La_ppm": [2.37, 23.7], "Ce_ppm": ["6.13", "<0.1"]}, index=["a", "b"])
    before = df.copy()
    with pytest.warns(DetectionLimitWarning):
        out = ree.normalize(df)
    pd.testing.assert_frame_equal(df, before)
    assert list(out.index) == ["a", "b"] and out.dtypes.eq("float64").all()
    series = ree.normalize(df.iloc[0])
    assert isinstance(series, pd.Series) and series.name == "a"
    np.testing.assert_allclose(series[["La", "Ce"]].astype(float), [10.0, 10.0])


@pytest.mark.filterwarnings("ignore::resourcekit.ree.MissingDataWarning")
def test_detection_limit_policies_reported():
    df = pd.DataFrame({"La_ppm": ["<0.474", "bdl", "n.d.", "-", -0.237, 2.37, None]})
    expected = {
        "nan": [np.nan] * 5 + [10.0, np.nan],
        "half": [1.0, np.nan, np.nan, np.nan, 0.5, 10.0, np.nan],
        "limit": [2.0, np.nan, np.nan, np.nan, 1.0, 10.0, np.nan],
    }
    for policy, values in expected.items():
        with pytest.warns(DetectionLimitWarning, match=f"5 values below.*bdl='{policy}'"):
            out = ree.normalize(df, bdl=policy)
        np.testing.assert_allclose(out["La"], values)
        assert out.attrs["bdl_replaced"] == {"La": 5}
    with pytest.raises(ValueError, match="bdl='zero' is not known: use one of 'half', 'limit'"):
        ree.normalize(df, bdl="zero")


def test_no_unit_error_says_how():
    with pytest.raises(UnitError, match="units='ppm'"):
        ree.normalize(pd.DataFrame({"La": [1.0], "Ce": [2.0]}))


def test_contradicting_and_unknown_units():
    with pytest.raises(UnitError, match="contradicts"):
        ree.normalize(pd.DataFrame({"La_ppm": [1.0]}), units="ppb")
    with pytest.raises(UnitError, match="unknown unit 'ppmm'"):
        ree.normalize(pd.DataFrame({"La (ppmm)": [1.0]}))
    with pytest.raises(ValueError, match="unknown unit 'xyz'"):
        ree.normalize(pd.DataFrame({"La": [1.0]}), units="xyz")
    with pytest.raises(UnitError, match="'furlong' is not a concentration"):
        ree.normalize(pd.DataFrame({"La": [1.0]}), units="furlong")


def test_mixed_units_per_column_converted():
    df = pd.DataFrame({"La_ppm": [0.237], "Ce [ppb]": [613.0], "Nd": [0.457]})
    out = ree.normalize(df, units={"Nd": "ug/g"})
    np.testing.assert_allclose(out[["La", "Ce", "Nd"]].iloc[0], [1.0, 1.0, 1.0])


def test_missing_and_duplicate_columns():
    with pytest.raises(REEColumnError, match="no REE columns"):
        ree.normalize(pd.DataFrame({"Fe": [1.0]}))
    with pytest.raises(REEColumnError, match="duplicate columns for La"):
        ree.normalize(pd.DataFrame({"La_ppm": [1.0], "La2O3 (wt%)": [1.0]}))
    with pytest.raises(REEColumnError, match=r"needs columns for \['Gd'\]"):
        ree.eu_anomaly(pd.DataFrame({"Sm_ppm": [1.0], "Eu_ppm": [1.0]}))


def test_text_in_numeric_column():
    with pytest.raises(ValueError, match=r"column 'Ce_ppm' holds text.*'abc'"):
        ree.normalize(pd.DataFrame({"Ce_ppm": ["1.0", "abc"]}))


def test_all_nan_rows_warned():
    df = pd.DataFrame({"La_ppm": [1.0, np.nan], "Ce_ppm": [1.0, np.nan]})
    with pytest.warns(MissingDataWarning, match="1 rows have no REE value"):
        ree.normalize(df)


def test_reference_without_y_passes_y_through_with_warning():
    df = pd.DataFrame({"La_ppm": [0.2472], "Y_ppm": [1.0]})
    with pytest.warns(MissingDataWarning, match=r"no value for \['Y'\]"):
        out = ree.normalize(df, "CI_ONeill2016")
    np.testing.assert_allclose(out["La"], 1.0)
    assert out["Y_ppm"].iloc[0] == 1.0


def test_pint_quantities():
    from resourcekit.units import Quantity

    df = pd.DataFrame({"La": [Quantity(237.0, "ppb"), Quantity(0.237, "ppm")]})
    np.testing.assert_allclose(ree.normalize(df)["La"], [1.0, 1.0])


def test_wrong_type():
    with pytest.raises(TypeError, match="must be a pandas DataFrame"):
        ree.normalize(np.ones((2, 14)))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(1e-4, 1e5), min_size=14, max_size=14),
       st.sampled_from(["CI_McDonoughSun1995", "PAAS_Pourmand2012", "PM_SunMcDonough1989"]))
def test_normalize_denormalize_round_trip(values, name):
    df = pd.DataFrame([values], columns=[f"{el}_ppm" for el in ree.REE])
    back = ree.denormalize(ree.normalize(df, name), name)
    np.testing.assert_allclose(back.to_numpy(), df.to_numpy(), rtol=1e-12)


def test_accessor_registered():
    df = pd.DataFrame({"La_ppm": [23.7], "Yb_ppm": [0.161]})
    np.testing.assert_allclose(df.ree.normalize().iloc[0], [100.0, 1.0])
    assert df.ree.columns() == {"La": "La_ppm", "Yb": "Yb_ppm"}


def test_import_is_light():
    import subprocess
    import sys

    code = ("import sys, resourcekit.ree; "
            "print(any(m in sys.modules for m in ('altair', 'sklearn', 'umap', 'scipy.optimize',"
            " 'pint')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_quiet_on_clean_data():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ree.normalize(pd.DataFrame({"La_ppm": [1.0]}))


# --- issue 10: headers of GEOROC, journals and lab exports; reference=None; inf; Y ---------
@pytest.mark.parametrize(
    "column, factor",
    [("LA(PPM)", 1.0), ("La(ppb)", 1e-3), ("LA (PPB)", 1e-3), ("La (mg kg-1)", 1.0),
     ("La (µg/g)", 1.0), ("La ICP-MS (ppm)", 1.0), ("La LA-ICP-MS [ppm]", 1.0),
     ("La ppm", 1.0)],
)
def test_header_spellings_of_databases_and_journals(column, factor):
    # Before issue 10 these were rejected (upper-case units) or silently left out (method
    # names between symbol and unit). 23.7 ppm La / 0.237 ppm (CI, McDonough & Sun 1995) = 100.
    out = ree.normalize(pd.DataFrame({column: [23.7]}))
    np.testing.assert_allclose(out["La"], 23.7 * factor / 0.237)


def test_georoc_table_gives_same_pattern_as_lab_table():
    lab = pd.DataFrame({"La_ppm": [23.7], "Eu_ppm": [0.0563], "Yb_ppm": [1.61]})
    georoc = pd.DataFrame({"LA(PPM)": [23.7], "EU(PPB)": [56.3], "YB(PPM)": [1.61]})
    pd.testing.assert_frame_equal(ree.normalize(georoc), ree.normalize(lab))


def test_two_methods_for_one_element_is_an_error():
    with pytest.raises(REEColumnError, match="duplicate columns for Eu"):
        ree.normalize(pd.DataFrame({"Eu ICP-MS (ppm)": [1.0], "Eu INAA (ppm)": [1.1]}))


def test_duplicate_column_labels_are_an_error():
    df = pd.DataFrame([[1.0, 2.0]], columns=["La_ppm", "La_ppm"])
    with pytest.raises(REEColumnError, match="'La_ppm'"):
        ree.normalize(df)


def test_reference_none_refuses_concentrations_with_units():
    # The silent wrong answer of issue 10: La_ppm taken as normalised. Now an error that says
    # which reference to pass.
    ppm = pd.DataFrame({"Sm_ppm": [5.0], "Eu_ppm": [1.0], "Gd_ppm": [5.0]})
    for call in (lambda: ree.normalize(ppm, reference=None),
                 lambda: ree.eu_anomaly(ppm, reference=None),
                 lambda: ree.ratio(ppm, "Sm/Gd", reference=None),
                 lambda: ree.denormalize(ppm)):
        with pytest.raises(UnitError, match="reference='CI_McDonoughSun1995'"):
            call()
    with pytest.raises(UnitError, match="already normalised"):
        ree.eu_anomaly(ppm.rename(columns=lambda c: c[:2]), reference=None, units="ppm")
    # Normalised values in bare columns are what reference=None means: 1 / sqrt(5 * 5) = 0.2.
    bare = ppm.rename(columns=lambda c: c[:2])
    assert ree.eu_anomaly(bare, reference=None).iloc[0] == pytest.approx(0.2, rel=1e-15)


def test_reference_none_with_pint_cells_is_refused():
    from resourcekit.units import Quantity

    df = pd.DataFrame({"La": [Quantity(1.0, "ppm")]})
    with pytest.raises(UnitError, match="already normalised"):
        ree.normalize(df, reference=None)


@pytest.mark.parametrize("func", [ree.normalize, ree.eu_anomaly, ree.lambdas, ree.ree_sums])
def test_infinite_value_is_an_error(func):
    # Issue 10: an infinite Gd gave Eu/Eu* = 0 without a word.
    row = {f"{el}_ppm": 1.0 for el in ree.REE}
    row["Gd_ppm"] = np.inf
    df = pd.DataFrame([row, row], index=["a", "b"])
    with pytest.raises(DataError, match=r"'Gd_ppm' holds an infinite value \(row 'a'\)"):
        func(df)


def test_concentration_above_100_percent_is_an_error():
    with pytest.raises(DataError, match="above 100 %"):
        ree.normalize(pd.DataFrame({"La (wt%)": [150.0]}))
    with pytest.raises(DataError, match="'La_ppm' holds 200 wt %"):
        ree.normalize(pd.DataFrame({"La_ppm": [2e6]}))


def test_y_beside_x_is_a_coordinate():
    df = pd.DataFrame({"X": [500123.0], "Y": [4123456.0], "La": [2.37], "Ce": [6.13]})
    with pytest.warns(AmbiguousColumnWarning, match="'Y' is read as a coordinate.*'x'"):
        out = ree.normalize(df, units="ppm")
    assert out["Y"].iloc[0] == 4123456.0  # passed through untouched
    np.testing.assert_allclose(out[["La", "Ce"]].iloc[0], [10.0, 10.0])


@pytest.mark.parametrize(
    "columns, is_yttrium",
    [(["La_ppm", "Y_ppm"], True),            # a unit: yttrium
     (["La", "Ce", "Y"], True),              # bare among bare REE: yttrium
     (["La_ppm", "Ce_ppm", "Y"], False),     # no unit while the REE carry units
     (["lat", "lon", "La", "Y"], False),     # beside coordinates
     (["La_ppm", "Y [m]"], False),           # a length
     (["Longitude", "Latitude", "Y2O3 (wt%)", "La_ppm"], True)],  # oxide with a unit
)
def test_y_rule(columns, is_yttrium):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        found = ree.find_columns(columns)
    assert ("Y" in found) is is_yttrium
    assert any(issubclass(w.category, AmbiguousColumnWarning) for w in caught) is (
        not is_yttrium and any(c.startswith("Y") for c in columns))


def test_units_dict_naming_y_makes_it_yttrium():
    # McDonough & Sun (1995) CI: La 0.237, Y 1.57 ppm.
    df = pd.DataFrame({"X": [1.0], "Y": [3.14], "La_ppm": [0.237]})
    out = ree.normalize(df, units={"Y": "ppm"})
    np.testing.assert_allclose(out[["La", "Y"]].iloc[0], [1.0, 2.0])


def test_errors_belong_to_the_family_and_keep_old_bases():
    from resourcekit import errors

    assert issubclass(REEColumnError, errors.LabelError) and issubclass(REEColumnError, KeyError)
    assert UnitError is errors.UnitError and issubclass(UnitError, ValueError)
    assert issubclass(UnknownReferenceError, errors.OptionError)
    assert issubclass(UnknownReferenceError, KeyError)
    assert issubclass(MissingDataWarning, errors.MissingValueWarning)
    from resourcekit.ree.normalization import REEColumnError as Old
    from resourcekit.ree.normalization import UnitError as OldUnit

    assert Old is REEColumnError and OldUnit is UnitError
    with pytest.raises(errors.OptionError, match="bdl='zero'"):
        ree.normalize(pd.DataFrame({"La_ppm": [1.0]}), bdl="zero")


def test_georoc_style_dataset_read_with_its_headers():
    # The shipped GEOROC-style export (upper-case headers, Eu in ppb): every REE is found, and
    # EU(PPB) is divided by 1000 before normalising (CI Eu 0.0563 ppm).
    df = datasets.load("ree_georoc_style_synthetic")
    assert list(ree.find_columns(df.columns)) == list(ree.REE)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DetectionLimitWarning)
        out = ree.normalize(df)
    eu = pd.to_numeric(df["EU(PPB)"], errors="coerce")
    ok = eu > 0
    np.testing.assert_allclose(out.loc[ok, "Eu"], eu[ok] / 1000 / 0.0563, rtol=1e-12)


def test_units_dict_with_a_stray_key_is_an_error():
    # A typo in units= would otherwise be ignored and the column read in another unit.
    with pytest.raises(LabelError, match=r"units= names \['La_ppb'\]"):
        ree.normalize(pd.DataFrame({"La": [1.0]}), units={"La_ppb": "ppb"})


def test_bare_y_with_coordinate_values_is_not_read_as_ppm():
    # No X beside it and bare REE columns, so the name rule takes Y as yttrium; a UTM
    # northing (4.1e6) read as ppm is above 100 %: an error naming the column, not a pattern.
    df = pd.DataFrame({"La": [2.37], "Ce": [6.13], "Y": [4123456.0]})
    with pytest.raises(DataError, match="'Y' holds 412.346 wt % of Y"):
        ree.normalize(df, units="ppm")
