"""Bad-input matrix of the mass-balance functions (issue 10): each case gets a clear error
or the right answer; the outcome counts per function are printed and no case may be a
silent wrong answer."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd
import pytest
from resourcekit.errors import ResourcekitError
from resourcekit.massbalance import Flowsheet, reconcile, sankey
from resourcekit.units import Quantity

EDGES = [("feed", None, "cell"), ("conc", "cell", None), ("tail", "cell", None)]
FS = Flowsheet.from_edges(EDGES)
M = pd.DataFrame({"mass": [100.0, 10.0, 88.0], "Cu": [0.02, 0.15, 0.005]},
                 index=["feed", "conc", "tail"])
SD = pd.DataFrame({"mass": [2.0, 0.5, 2.0], "Cu": [0.001, 0.005, 0.0005]}, index=M.index)
REF = FS.reconcile(M, SD)


def same_as_ref(res):
    return np.allclose(res.reconciled.loc[M.index, ["mass", "Cu"]].to_numpy(),
                       REF.reconciled.to_numpy(), rtol=1e-9)


def quantity_column(values, unit):
    return pd.Series([Quantity(v, unit) for v in values], index=M.index, dtype=object)


def mixed_column():
    col = quantity_column(M["mass"], "t/h")
    col["conc"] = 10.0
    return col


# (function, case, call, expected: "error" or a check that the answer is right)
CASES = [
    ("reconcile", "reordered rows", lambda: FS.reconcile(M.iloc[::-1], SD), same_as_ref),
    ("reconcile", "reordered sd rows", lambda: FS.reconcile(M, SD.iloc[::-1]), same_as_ref),
    ("reconcile", "reordered columns", lambda: FS.reconcile(M[["Cu", "mass"]], SD),
     same_as_ref),
    ("reconcile", "unknown stream", lambda: FS.reconcile(M.rename(index={"conc": "c"}), SD),
     "error"),
    ("reconcile", "sd lacks a stream", lambda: FS.reconcile(M, SD.drop(index="conc")),
     "error"),
    ("reconcile", "NaN sd of a measured value",
     lambda: FS.reconcile(M, SD.mask(SD.index == "conc")), "error"),
    ("reconcile", "inf mass", lambda: FS.reconcile(M.replace(88.0, np.inf), SD), "error"),
    ("reconcile", "inf assay", lambda: FS.reconcile(M.replace(0.15, np.inf), SD), "error"),
    ("reconcile", "inf sd", lambda: FS.reconcile(M, SD.replace(0.5, np.inf)), "error"),
    ("reconcile", "negative mass", lambda: FS.reconcile(M.replace(10.0, -10.0), SD), "error"),
    ("reconcile", "negative sd", lambda: FS.reconcile(M, SD.replace(0.5, -0.5)), "error"),
    ("reconcile", "percent as fraction", lambda: FS.reconcile(M.assign(Cu=M["Cu"] * 100), SD),
     "error"),
    ("reconcile", "percent named in the column",
     lambda: FS.reconcile(M.assign(Cu=M["Cu"] * 100).rename(columns={"Cu": "Cu [%]"}),
                          SD.assign(Cu=SD["Cu"] * 100).rename(columns={"Cu": "Cu [%]"})),
     lambda r: np.allclose(r.reconciled["Cu [%]"], 100 * REF.reconciled["Cu"], rtol=1e-9)),
    ("reconcile", "empty table", lambda: FS.reconcile(M.iloc[:0], 0.05), "error"),
    ("reconcile", "all NaN", lambda: FS.reconcile(M * np.nan, 0.05), "error"),
    ("reconcile", "no mass column", lambda: FS.reconcile(M.drop(columns="mass"), SD),
     "error"),
    ("reconcile", "duplicate stream rows", lambda: FS.reconcile(pd.concat([M, M.iloc[:1]]),
                                                                 SD), "error"),
    ("reconcile", "two mass columns",
     lambda: FS.reconcile(M.assign(**{"mass [t/h]": M["mass"]}), 0.05), "error"),
    ("reconcile", "text in a numeric column",
     lambda: FS.reconcile(M.astype(object).assign(Cu=["0.02", "x", "0.005"]), 0.05),
     "error"),
    ("reconcile", "unknown method", lambda: FS.reconcile(M, SD, method="newton"), "error"),
    ("reconcile", "unknown identify", lambda: FS.reconcile(M, SD, identify="all"), "error"),
    ("reconcile", "unknown solver", lambda: FS.reconcile(M, SD, solver="gpu"), "error"),
    ("reconcile", "significance out of range",
     lambda: FS.reconcile(M, SD, significance=5), "error"),
    ("reconcile", "not a flowsheet", lambda: reconcile("fs", M, SD), "error"),
    ("reconcile", "pint t/h data with sd in kg/h",
     lambda: FS.reconcile(M.astype(object).assign(mass=quantity_column(M["mass"], "t/h")),
                          SD.astype(object).assign(
                              mass=quantity_column(SD["mass"] * 1000, "kg/h"))),
     lambda r: np.isclose(r.chi2, REF.chi2, rtol=1e-9)),
    ("reconcile", "plain float among pint masses",
     lambda: FS.reconcile(M.astype(object).assign(mass=mixed_column()), 0.05), "error"),
    ("reconcile", "mass in metres",
     lambda: FS.reconcile(M.astype(object).assign(mass=quantity_column(M["mass"], "m")),
                          0.05), "error"),
    ("reconcile", "sd with a unit, data without",
     lambda: FS.reconcile(M, SD.astype(object).assign(
         mass=quantity_column(SD["mass"] * 1000, "kg/h"))), "error"),
    ("reconcile", "relative sd <= 0", lambda: FS.reconcile(M, 0.0), "error"),
    ("from_edges", "empty", lambda: Flowsheet.from_edges([]), "error"),
    ("from_edges", "duplicate stream", lambda: Flowsheet.from_edges(EDGES + [EDGES[1]]),
     "error"),
    ("from_edges", "missing columns",
     lambda: Flowsheet.from_edges(pd.DataFrame({"stream": ["a"], "to": ["x"]})), "error"),
    ("from_edges", "self loop", lambda: Flowsheet.from_edges(EDGES + [("s", "cell", "cell")]),
     "error"),
    ("from_edges", "not triples", lambda: Flowsheet.from_edges([("a", None)]), "error"),
    ("imbalance", "reordered rows", lambda: FS.imbalance(M.iloc[::-1]),
     lambda r: np.allclose(r.to_numpy(), FS.imbalance(M).to_numpy())),
    ("imbalance", "negative mass", lambda: FS.imbalance(M.replace(10.0, -10.0)), "error"),
    ("imbalance", "inf mass", lambda: FS.imbalance(M.replace(88.0, np.inf)), "error"),
    ("imbalance", "NaN stays NaN", lambda: FS.imbalance(M.replace(88.0, np.nan)),
     lambda r: bool(np.isnan(r.loc["cell", "mass"]))),
    ("imbalance", "not a table", lambda: FS.imbalance([1, 2, 3]), "error"),
    ("sankey", "unknown component", lambda: sankey(REF, "Au"), "error"),
    ("sankey", "not a result", lambda: sankey([1, 2]), "error"),
    ("sankey", "plain table without topology", lambda: sankey(M), "error"),
    ("sankey", "reordered table with flowsheet",
     lambda: sankey(M.iloc[::-1], flowsheet=FS),
     lambda f: list(f.data[0].link.value) == [100.0, 10.0, 88.0]),
    ("recoveries", "result", lambda: REF.recoveries(),
     lambda r: np.isclose(r.loc[("conc", "Cu"), "recovery"],
                          REF.reconciled.loc["conc", "mass"] * REF.reconciled.loc["conc", "Cu"]
                          / (REF.reconciled.loc["feed", "mass"]
                             * REF.reconciled.loc["feed", "Cu"]))),
]


def run_case(call, expected):
    try:
        out = call()
    except (ResourcekitError, ValueError, KeyError, TypeError) as err:
        assert str(err), "an error must say what is wrong"
        return "error"
    if expected == "error":
        return "silent wrong"
    return "correct" if expected(out) else "silent wrong"


def test_bad_input_matrix():
    import warnings

    counts: dict[str, Counter] = {}
    wrong = []
    for fn, case, call, expected in CASES:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            got = run_case(call, expected)
        counts.setdefault(fn, Counter())[got] += 1
        want = "error" if expected == "error" else "correct"
        if got != want:
            wrong.append((fn, case, got))
    print("bad-input outcomes per function:",
          {fn: dict(c) for fn, c in counts.items()})
    assert not wrong, wrong
    assert sum(c["silent wrong"] for c in counts.values()) == 0


@pytest.mark.parametrize("fn", ["reconcile", "from_edges", "imbalance", "sankey"])
def test_each_function_has_cases(fn):
    assert sum(1 for f, *_ in CASES if f == fn) >= 4


def test_a_relative_sd_above_one_is_warned_as_a_likely_percent():
    # QA: sd=2 was read as 200 % of every value without a word (2 % was meant)
    import warnings as _w

    from resourcekit.errors import ResourcekitWarning
    from resourcekit.massbalance import Flowsheet

    edges = pd.DataFrame({"stream": ["feed", "conc", "tail"], "from_node": [None, "cell", "cell"],
                          "to_node": ["cell", None, None]})
    fs = Flowsheet.from_edges(edges)
    measured = pd.DataFrame({"mass [t/h]": [100.0, 10.0, 88.0]}, index=["feed", "conc", "tail"])
    with pytest.warns(ResourcekitWarning, match="for 2 % pass 0.02"):
        fs.reconcile(measured, 2)
    with _w.catch_warnings():
        _w.simplefilter("error", ResourcekitWarning)
        fs.reconcile(measured, 0.02)


@pytest.mark.parametrize("column, values, factor", [
    ("Cu [%]", [2.0, 18.0, 0.3], 1.0),
    ("Cu [wt.%]", [2.0, 18.0, 0.3], 1.0),
    ("Cu (PPM)", [20000.0, 180000.0, 3000.0], 1e4),   # GEOROC-style capitals
    ("Cu (mg kg-1)", [20000.0, 180000.0, 3000.0], 1e4),
])
def test_assay_units_in_any_spelling_give_the_same_balance(column, values, factor):
    # the same survey written with other unit spellings reconciles to the same numbers
    from resourcekit.massbalance import Flowsheet

    edges = pd.DataFrame({"stream": ["feed", "conc", "tail"], "from_node": [None, "cell", "cell"],
                          "to_node": ["cell", None, None]})
    fs = Flowsheet.from_edges(edges)
    idx = ["feed", "conc", "tail"]
    base = fs.reconcile(pd.DataFrame({"mass [t/h]": [100.0, 10.0, 88.0],
                                      "Cu [%]": [2.0, 18.0, 0.3]}, index=idx), 0.02)
    other = fs.reconcile(pd.DataFrame({"mass [t/h]": [100.0, 10.0, 88.0], column: values},
                                      index=idx), 0.02)
    np.testing.assert_allclose(other.reconciled[column] / factor, base.reconciled["Cu [%]"],
                               rtol=1e-9)
    np.testing.assert_allclose(other.reconciled["mass [t/h]"], base.reconciled["mass [t/h]"],
                               rtol=1e-9)


def test_percent_numbers_without_a_unit_are_refused_and_rows_align_by_label():
    from resourcekit.errors import ResourcekitError
    from resourcekit.massbalance import Flowsheet

    edges = pd.DataFrame({"stream": ["feed", "conc", "tail"], "from_node": [None, "cell", "cell"],
                          "to_node": ["cell", None, None]})
    fs = Flowsheet.from_edges(edges)
    with pytest.raises(ResourcekitError, match=r"assay 2 is outside \[0, 1\].*'Cu \[%\]'"):
        fs.reconcile(pd.DataFrame({"mass [t/h]": [100.0, 10.0, 88.0], "Cu": [2.0, 18.0, 0.3]},
                                  index=["feed", "conc", "tail"]), 0.02)
    ordered = fs.reconcile(pd.DataFrame({"mass [t/h]": [100.0, 10.0, 88.0]},
                                        index=["feed", "conc", "tail"]), 0.02)
    shuffled = fs.reconcile(pd.DataFrame({"mass [t/h]": [10.0, 88.0, 100.0]},
                                         index=["conc", "tail", "feed"]), 0.02)
    pd.testing.assert_frame_equal(shuffled.reconciled.loc[ordered.reconciled.index],
                                  ordered.reconciled)
