"""Bad-input matrix of the public ree functions (issue 10): each case a correct result or a clear
error from the ``resourcekit.errors`` family, never a silent wrong answer.

Expected values are *metamorphic*: the result on the clean table (whose values are checked
against published numbers in test_ree_normalization/anomalies/lambdas) transformed as the case
says (same rows, NaN where an input is missing, the same as without the column ...). Run this file
as a script to print the outcome counts per function::

    .venv/bin/python tests/test_ree_badinput.py
"""

from __future__ import annotations

import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pytest
import resourcekit.ree as ree
from hypothesis import given, settings
from hypothesis import strategies as st
from resourcekit import compositional as comp
from resourcekit.errors import (
    DataError,
    LabelError,
    OptionError,
    ResourcekitError,
    UnitError,
)

CI = ree.reference("CI_McDonoughSun1995")
_SEEN = {"errors": 0}


def raises(*args: Any, **kwargs: Any) -> Any:
    """pytest.raises, counted (for the outcome table: a clear error, not a result)."""
    _SEEN["errors"] += 1
    return pytest.raises(*args, **kwargs)


def _base() -> pd.DataFrame:
    rng = np.random.default_rng(10)
    factors = np.exp(rng.normal(2.0, 0.4, (3, 15)))
    ppm = CI[list(ree.REY)].to_numpy() * factors
    return pd.DataFrame(ppm, index=["a", "b", "c"], columns=[f"{el}_ppm" for el in ree.REY])


BASE = _base()


@dataclass(frozen=True)
class Func:
    """A table function under test: how to call it, and what a missing La does to row b."""

    name: str
    call: Callable[..., Any]
    bad_option: dict[str, Any]
    needs_col: bool  # row b becomes NaN when `col` is missing; else: as without the column
    has_reference: bool = True
    col: str = "La_ppm"  # the column the cases perturb (one the function reads)


FUNCS = [
    Func("normalize", lambda d, **k: ree.normalize(d, **k), {"bdl": "zero"}, True),
    Func("eu_anomaly", lambda d, **k: ree.eu_anomaly(d, **k), {"method": "x"}, True,
         col="Gd_ppm"),
    Func("ce_anomaly", lambda d, **k: ree.ce_anomaly(d, **k), {"method": "x"}, True),
    Func("ratio", lambda d, **k: ree.ratio(d, "La/Yb", **k), {"bdl": "x"}, True),
    Func("ree_sums", lambda d, **k: ree.ree_sums(d, **k), {"convention": "x"}, True, False),
    Func("tetrad_effect", lambda d, **k: ree.tetrad_effect(d, **k), {"bdl": "x"}, True),
    Func("lambdas", lambda d, **k: ree.lambdas(d, **k), {"basis": "x"}, False),
]
FUNC = {f.name: f for f in FUNCS}


def _run(func: Func, data: Any, **kwargs: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ree.DetectionLimitWarning)
        warnings.simplefilter("ignore", ree.MissingDataWarning)
        warnings.simplefilter("ignore", ree.AmbiguousColumnWarning)
        warnings.simplefilter("ignore", ree.LambdaFitWarning)
        return func.call(data, **kwargs)


def _frame(result: Any) -> pd.DataFrame:
    if isinstance(result, pd.Series):
        return result.to_frame()
    return result


def _same(got: Any, expected: Any) -> None:
    got, expected = _frame(got), _frame(expected)
    cols = [c for c in expected.columns if c in got.columns] if isinstance(
        expected, pd.DataFrame) else None
    assert cols, "no common columns"
    pd.testing.assert_index_equal(got.index, expected.index)
    np.testing.assert_allclose(got[cols].to_numpy(float), expected[cols].to_numpy(float),
                               rtol=1e-12, equal_nan=True)


def _baseline(func: Func) -> Any:
    return _run(func, BASE)


def _with(value: Any, column: str = "La_ppm", row: str = "b") -> pd.DataFrame:
    df = BASE.copy().astype(object) if isinstance(value, str) else BASE.copy()
    df.loc[row, column] = value
    return df


def _expected_missing_la(func: Func) -> Any:
    """Row b with ``col`` missing: NaN where it is needed, else the result without it."""
    base = _frame(_baseline(func)).copy()
    if func.name == "normalize":
        base.loc["b", func.col[:-4]] = np.nan
        return base
    if func.needs_col:
        if func.name == "ree_sums":
            base.loc["b", ["REE", "LREE", "LREE/HREE"]] = np.nan
        else:
            base.loc["b"] = np.nan
        return base
    without = _frame(_run(func, BASE.drop(columns=func.col)))
    base.loc["b"] = without.loc["b"]
    return base


# ------------------------------------------------------------------ the cases, per function
CASES: list[tuple[str, str]] = []


def case(kind: str) -> Callable[[Callable[[Func], None]], Callable[[Func], None]]:
    def register(check: Callable[[Func], None]) -> Callable[[Func], None]:
        for f in FUNCS:
            CASES.append((f.name, kind))
        CHECKS[kind] = check
        return check

    return register


CHECKS: dict[str, Callable[[Func], None]] = {}


@case("wrong unit: a length column")
def _(f: Func) -> None:
    df = BASE.rename(columns={f.col: f.col.replace("_ppm", " [m]")})
    with raises(UnitError, match="not a concentration"):
        _run(f, df)


@case("wrong unit: units= not a concentration")
def _(f: Func) -> None:
    df = BASE.rename(columns=lambda c: c.replace("_ppm", ""))
    with raises(UnitError, match="not a concentration"):
        _run(f, df, units="furlong")


@case("no unit anywhere")
def _(f: Func) -> None:
    df = BASE.rename(columns=lambda c: c.replace("_ppm", ""))
    with raises(UnitError, match="no unit for columns"):
        _run(f, df)


@case("other spellings: LA(PPM), EU(PPB), mg kg-1, ICP-MS")
def _(f: Func) -> None:
    df = BASE.rename(columns={"La_ppm": "LA(PPM)", "Sm_ppm": "Sm (mg kg-1)",
                              "Gd_ppm": "Gd ICP-MS (ppm)"})
    df["EU(PPB)"] = df.pop("Eu_ppm") * 1000.0
    _same(_run(f, df), _baseline(f))


@case("percent passed as fraction / in %")
def _(f: Func) -> None:
    df = BASE.copy()
    df[f.col.replace("_ppm", " (%)")] = df.pop(f.col) * 1e-4  # ppm -> %: the same

    _same(_run(f, df), _baseline(f))
    bad = BASE.rename(columns={f.col: f.col.replace("_ppm", " (%)")})
    bad[bad.columns[list(BASE.columns).index(f.col)]] *= 100.0  # 100-700 ppm labelled %
    with raises(DataError, match="above 100 %"):
        _run(f, bad)


@case("reordered columns")
def _(f: Func) -> None:
    _same(_run(f, BASE[BASE.columns[::-1]]), _baseline(f))


@case("reordered rows")
def _(f: Func) -> None:
    got = _frame(_run(f, BASE.iloc[[2, 0, 1]]))
    assert list(got.index) == ["c", "a", "b"]
    _same(got.loc[["a", "b", "c"]], _baseline(f))


@case("mismatched labels: reference Series in another order")
def _(f: Func) -> None:
    if not f.has_reference:
        with raises(TypeError):  # ree_sums has no reference: an unexpected keyword
            _run(f, BASE, reference=CI.iloc[::-1])
        return
    default = "CI_ONeill2016" if f.name == "lambdas" else "CI_McDonoughSun1995"
    ref = ree.reference(default)
    _same(_run(f, BASE, reference=ref.iloc[::-1]), _run(f, BASE, reference=ref))


@case("reference=None with concentrations in ppm")
def _(f: Func) -> None:
    if not f.has_reference:
        return _same(_run(f, BASE), _baseline(f))  # ree_sums works in ppm, no reference
    with raises(UnitError, match="already normalised"):
        _run(f, BASE, reference=None)


@case("NaN in one cell")
def _(f: Func) -> None:
    _same(_run(f, _with(np.nan, f.col)), _expected_missing_la(f))


@case("inf in one cell")
def _(f: Func) -> None:
    with raises(DataError, match="infinite"):
        _run(f, _with(np.inf, f.col))


@case("negative value (below detection limit)")
def _(f: Func) -> None:
    with pytest.warns(ree.DetectionLimitWarning):
        got = f.call(_with(-0.05, f.col)) if f.name != "lambdas" else f.call(_with(-0.05, f.col))
    _same(got, _expected_missing_la(f))


@case("detection-limit text '<0.05' and 'bdl'")
def _(f: Func) -> None:
    _same(_run(f, _with("<0.05", f.col)), _expected_missing_la(f))
    _same(_run(f, _with("bdl", f.col)), _expected_missing_la(f))


@case("text in a numeric column")
def _(f: Func) -> None:
    with raises(DataError, match=rf"'{f.col}' holds text.*'abc'"):
        _run(f, _with("abc", f.col))


@case("empty: no rows")
def _(f: Func) -> None:
    got = _frame(_run(f, BASE.iloc[:0]))
    assert len(got) == 0


@case("empty: no REE columns")
def _(f: Func) -> None:
    with raises(ree.REEColumnError, match="no REE columns|needs columns"):
        _run(f, pd.DataFrame({"Fe_ppm": [1.0]}))


@case("single row (DataFrame and Series)")
def _(f: Func) -> None:
    _same(_run(f, BASE.iloc[[1]]), _frame(_baseline(f)).iloc[[1]])
    one = _run(f, BASE.loc["b"])
    expected = _frame(_baseline(f)).loc["b"]
    if isinstance(one, float):
        np.testing.assert_allclose(one, float(expected.iloc[0]), rtol=1e-12)
    else:
        np.testing.assert_allclose(one[expected.index].astype(float), expected.astype(float),
                                   rtol=1e-12)


@case("duplicate columns: element twice, label twice")
def _(f: Func) -> None:
    with raises(ree.REEColumnError, match="duplicate columns for La"):
        _run(f, BASE.assign(**{"La2O3 (wt%)": 0.001}))
    dup = pd.concat([BASE, BASE[[f.col]]], axis=1)
    with raises(ree.REEColumnError, match=f"duplicate columns for {f.col[:-4]}|more "
                       "than once"):
        _run(f, dup)


@case("missing column")
def _(f: Func) -> None:
    df = BASE.drop(columns=f.col)
    if f.needs_col and f.name != "normalize":
        with raises(ree.REEColumnError, match=rf"needs columns for \['{f.col[:-4]}'"):
            _run(f, df)
    else:  # normalize and the functions that do not need La: the others, unchanged
        got = _frame(_run(f, df))
        base = _frame(_baseline(f))
        if f.name == "lambdas":  # fitted on the 12 others: the same as a NaN La everywhere
            _same(got, _frame(_run(f, BASE.assign(La_ppm=np.nan))))
        else:
            assert "La" not in got.columns
            _same(got, base.drop(columns=[c for c in ("La",) if c in base.columns]))


@case("unknown option")
def _(f: Func) -> None:
    with raises(OptionError):
        _run(f, BASE, **f.bad_option)
    if f.has_reference:
        with raises(ree.UnknownReferenceError, match="known:"):
            _run(f, BASE, reference="chondrite_xyz")


@case("a coordinate column named Y beside X")
def _(f: Func) -> None:
    df = BASE.drop(columns="Y_ppm").assign(X=[1.0, 2.0, 3.0], Y=[4e6, 4e6, 4e6])
    with pytest.warns(ree.AmbiguousColumnWarning):
        got = f.call(df)
    expected = _frame(_run(f, BASE.drop(columns="Y_ppm")))
    _same(got, expected)
    if f.name == "normalize":
        assert (got["Y"] == 4e6).all()  # passed through untouched


@pytest.mark.parametrize("func, kind", CASES, ids=[f"{a}: {b}" for a, b in CASES])
def test_table_function_bad_input(func, kind):
    CHECKS[kind](FUNC[func])


# ------------------------------------------------------------------ the other public functions
OTHER: dict[str, list[tuple[str, Callable[[], None]]]] = {}


def other(func: str, kind: str) -> Callable[[Callable[[], None]], Callable[[], None]]:
    def register(check: Callable[[], None]) -> Callable[[], None]:
        OTHER.setdefault(func, []).append((kind, check))
        return check

    return register


@other("denormalize", "round trip, reordered columns")
def _() -> None:
    norm = ree.normalize(BASE)
    back = ree.denormalize(norm[norm.columns[::-1]])
    np.testing.assert_allclose(back[BASE.columns].to_numpy(), BASE.to_numpy(), rtol=1e-12)


@other("denormalize", "concentrations given (units in names)")
def _() -> None:
    with raises(UnitError, match="already normalised"):
        ree.denormalize(BASE)


@other("denormalize", "inf")
def _() -> None:
    with raises(DataError, match="infinite"):
        ree.denormalize(pd.DataFrame({"La": [np.inf]}))


@other("denormalize", "unknown reference")
def _() -> None:
    with raises(ree.UnknownReferenceError):
        ree.denormalize(pd.DataFrame({"La": [1.0]}), "xyz")


@other("pattern_from_lambdas", "DataFrame columns in another order")
def _() -> None:
    lam = pd.DataFrame({"lambda0": [1.0], "lambda1": [-5.0], "lambda2": [3.0], "lambda3": [9.0]})
    np.testing.assert_allclose(ree.pattern_from_lambdas(lam[lam.columns[::-1]]),
                               ree.pattern_from_lambdas(lam))


@other("pattern_from_lambdas", "NaN lambda -> NaN pattern")
def _() -> None:
    assert ree.pattern_from_lambdas([np.nan, 0, 0, 0]).isna().all()


@other("pattern_from_lambdas", "no lambda columns / unknown basis / wrong taus")
def _() -> None:
    with raises(KeyError, match="no 'lambda0'"):
        ree.pattern_from_lambdas(pd.DataFrame({"x": [1.0]}))
    with raises(OptionError, match="basis = 'x'"):
        ree.pattern_from_lambdas([1.0, 0, 0, 0], basis="x")
    with raises(ValueError, match="taus must hold 4"):
        ree.pattern_from_lambdas([1.0, 0, 0, 0], taus=[1.0])


@other("reference", "unknown name, wrong type")
def _() -> None:
    with raises(ree.UnknownReferenceError, match="known:"):
        ree.reference("xyz")
    with raises(ree.UnknownReferenceError, match="must be a name"):
        ree.reference(3)


@other("find_columns", "duplicate element, unknown unit, Y coordinate")
def _() -> None:
    with raises(ree.REEColumnError):
        ree.find_columns(["La", "La_ppm"])
    with raises(UnitError, match="unknown unit 'ppmm'"):
        ree.find_columns(["La (ppmm)"])
    with pytest.warns(ree.AmbiguousColumnWarning):
        assert ree.find_columns(["X", "Y", "La"]) == {"La": "La"}


@other("anomaly_methods", "unknown element")
def _() -> None:
    with raises(OptionError):
        ree.anomaly_methods("Fe")


@other("orthogonal_polynomials", "bad degree, unknown basis")
def _() -> None:
    with raises(OptionError, match="degree = 0"):
        ree.orthogonal_polynomials([1.0], degree=0)
    with raises(OptionError, match="degree = True"):
        ree.orthogonal_polynomials([1.0], degree=True)
    with raises(OptionError, match="basis"):
        ree.orthogonal_polynomials([1.0], basis="x")


@other("polynomial_parameters", "bad degree")
def _() -> None:
    with raises(OptionError):
        ree.polynomial_parameters(8)


@other("eu_anomaly_geometric & co.", "NaN and Series by label")
def _() -> None:
    assert np.isnan(ree.eu_anomaly_geometric(1.0, np.nan, 1.0))
    sm = pd.Series([1.0, 4.0], index=["a", "b"])
    eu = pd.Series([2.0, 1.0], index=["b", "a"])  # another order: pandas aligns by label
    gd = pd.Series([1.0, 4.0], index=["a", "b"])
    np.testing.assert_allclose(ree.eu_anomaly_geometric(sm, eu, gd).loc[["a", "b"]],
                               [1.0, 0.5])


for _name in ("clr", "ilr", "alr", "closure"):
    def _make(name: str) -> None:
        func = getattr(comp, name)

        @other(name, "zero or negative part")
        def _() -> None:
            if name == "closure":
                with raises(DataError, match=">= 0"):
                    func(np.array([1.0, -1.0]))
            else:
                with raises(DataError, match="> 0"):
                    func(np.array([1.0, 0.0]))

        @other(name, "inf, text, 3-D")
        def _() -> None:
            with raises(DataError, match="inf"):
                func(np.array([1.0, np.inf]))
            with raises(DataError):
                func(pd.DataFrame({"a": [1.0], "b": ["x"]}))
            with raises(DataError, match="3-D"):
                func(np.ones((2, 2, 2)))

        @other(name, "NaN -> NaN row, other rows exact")
        def _() -> None:
            x = np.array([[1.0, 2.0, 4.0], [1.0, np.nan, 4.0]])
            out = np.atleast_2d(func(x))
            assert np.isnan(out[1]).all()
            np.testing.assert_allclose(out[0], np.atleast_2d(func(x[:1]))[0])

        @other(name, "duplicate part names")
        def _() -> None:
            with raises(LabelError):
                func(pd.DataFrame([[1.0, 2.0]], columns=["a", "a"]))

    _make(_name)


@other("Normalizer", "reordered, unseen columns at transform; not fitted")
def _() -> None:
    from sklearn.exceptions import NotFittedError

    est = ree.Normalizer().fit(BASE)
    with raises(ValueError, match="same order"):
        est.transform(BASE[BASE.columns[::-1]])
    with raises(ValueError, match="unseen"):
        est.transform(BASE.rename(columns={"La_ppm": "La_ppb"}))
    with raises(NotFittedError):
        ree.Normalizer().transform(BASE)


@other("Normalizer", "no unit, inf, unknown bdl")
def _() -> None:
    with raises(UnitError):
        ree.Normalizer().fit(BASE.rename(columns=lambda c: c[:-4]))
    with raises(DataError, match="infinite"):
        ree.Normalizer().fit(BASE).transform(_with(np.inf))
    with raises(OptionError):
        ree.Normalizer(bdl="x").fit(BASE)


@other("LogRatio", "negative at fit; zero at transform -> NaN row; unknown kind")
def _() -> None:
    X = ree.normalize(BASE)[list(ree.REE)]
    with raises(DataError, match="Negative"):
        ree.LogRatio().fit(X.assign(La=-1.0))
    est = ree.LogRatio().fit(X)
    with pytest.warns(ree.MissingDataWarning.__mro__[1]):
        out = est.transform(X.assign(La=[0.0, 1.0, 1.0]))
    assert out.iloc[0].isna().all() and out.iloc[1:].notna().all().all()
    with raises(OptionError):
        ree.LogRatio("pca").fit(X)


@other("Lambdas", "unknown basis option at fit; reordered columns")
def _() -> None:
    with raises(OptionError):
        ree.Lambdas(degree=9).fit(BASE)
    est = ree.Lambdas().fit(BASE)
    with raises(ValueError, match="same order"):
        est.transform(BASE[BASE.columns[::-1]])


OTHER_CASES = [(f, k, c) for f, items in OTHER.items() for k, c in items]


@pytest.mark.parametrize("func, kind, check", OTHER_CASES,
                         ids=[f"{f}: {k}" for f, k, _ in OTHER_CASES])
def test_other_function_bad_input(func, kind, check):
    check()


# ------------------------------------------------------------------ property: spellings
SPELLINGS = [("{el}_ppm", 1.0), ("{EL}(PPM)", 1.0), ("{el} [ppb]", 1e3), ("{el} (mg kg-1)", 1.0),
             ("{el} (wt%)", 1e-4), ("{el} ICP-MS (ppm)", 1.0), ("{el} (µg/g)", 1.0)]


@settings(max_examples=25, deadline=None)
@given(st.permutations(list(BASE.columns)), st.permutations(list(BASE.index)),
       st.lists(st.sampled_from(SPELLINGS), min_size=15, max_size=15))
def test_any_order_and_spelling_same_answer(columns, rows, spellings):
    df = BASE.loc[list(rows), list(columns)].copy()
    renamed = {}
    for col, (pattern, factor) in zip(columns, spellings, strict=True):
        el = col[:-4]
        renamed[col] = pattern.format(el=el, EL=el.upper())
        df[col] = df[col] * factor
    df = df.rename(columns=renamed)
    for name in ("eu_anomaly", "ce_anomaly", "lambdas"):
        f = FUNC[name]
        _same(_frame(_run(f, df)).loc[["a", "b", "c"]], _baseline(f))


def outcome_counts() -> pd.DataFrame:
    """Cases tried per function and their outcome: correct result, clear error, silent wrong."""
    rows: Counter[tuple[str, str]] = Counter()
    runs = [(f, k, lambda f=f, k=k: CHECKS[k](FUNC[f])) for f, k in CASES]
    runs += OTHER_CASES
    for func, _kind, check in runs:
        before = _SEEN["errors"]
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                check()
        except AssertionError:  # a value that differs from the expected one
            rows[(func, "silent wrong")] += 1
            continue
        except pytest.fail.Exception:  # an expected error that did not come
            rows[(func, "silent wrong")] += 1
            continue
        except ResourcekitError:
            rows[(func, "unexpected error")] += 1
            continue
        rows[(func, "clear error" if _SEEN["errors"] > before else "correct result")] += 1
    table = pd.Series(rows).unstack(fill_value=0)
    for col in ("correct result", "clear error", "silent wrong"):
        if col not in table:
            table[col] = 0
    table["cases"] = table.sum(axis=1)
    return table


if __name__ == "__main__":
    print(outcome_counts().to_string())


def test_a_reference_without_the_needed_element_is_named_not_a_bare_keyerror():
    # QA: a reference Series without Eu (or with NaN for Eu) gave KeyError('Eu') from deep inside
    from resourcekit import ree
    from resourcekit.errors import LabelError

    ref = ree.reference("CI_McDonoughSun1995")
    df = pd.DataFrame({f"{el}_ppm": [1.0, 2.0] for el in
                       ["La", "Ce", "Pr", "Nd", "Sm", "Eu", "Gd", "Tb", "Dy", "Ho", "Er", "Tm",
                        "Yb", "Lu"]})
    for bad in (ref.drop("Eu"), ref.where(ref.index != "Eu")):
        with pytest.raises(LabelError, match=r"the reference gives no value for \['Eu'\]"):
            ree.eu_anomaly(df, reference=bad)
