"""Flowsheets: construction, validation, incidence matrix, imbalance, simulation, drawing."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import RCS_EDGES as EDGES
from resourcekit.massbalance import Flowsheet, FlowsheetError


def test_from_edges_list_and_frame_agree():
    fs = Flowsheet.from_edges(EDGES)
    frame = pd.DataFrame(EDGES, columns=["stream", "from_node", "to_node"])
    fs2 = Flowsheet.from_edges(frame)
    pd.testing.assert_frame_equal(fs.incidence, fs2.incidence)
    assert fs.nodes == ("rougher", "cleaner", "scav")
    assert fs.feeds == ("feed",)
    assert fs.products == ("cc", "st")
    assert set(fs.recycles) == {"ct", "sc"}
    # NaN in a DataFrame is the outside, as None is
    frame.loc[0, "from_node"] = np.nan
    assert Flowsheet.from_edges(frame).feeds == ("feed",)


def test_incidence_signs():
    fs = Flowsheet.from_edges(EDGES)
    a = fs.incidence
    assert a.loc["rougher", "feed"] == 1 and a.loc["rougher", "rc"] == -1
    assert a.loc["rougher", "ct"] == 1 and a.loc["cleaner", "ct"] == -1
    # every internal stream appears once with +1 and once with -1
    assert (a[list(fs.internal)].sum(axis=0) == 0).all()
    np.testing.assert_array_equal(fs.incidence_sparse().toarray(), a.to_numpy())


@pytest.mark.parametrize(
    ("edges", "match"),
    [
        ([("a", None, "n"), ("a", "n", None)], "duplicate stream names"),
        ([("a", None, None)], "no node at either end"),
        ([("a", None, "n"), ("b", "n", "n"), ("c", "n", None)], "to itself"),
        ([("a", None, "n")], "no stream out"),
        ([("a", "n", None)], "no stream in"),
        ([], "empty"),
        ([("a", None)], "expected a triple"),
    ],
)
def test_bad_flowsheets(edges, match):
    with pytest.raises(FlowsheetError, match=match):
        Flowsheet.from_edges(edges)


def test_frame_without_columns():
    with pytest.raises(FlowsheetError, match="lacks column"):
        Flowsheet.from_edges(pd.DataFrame({"stream": ["a"], "src": [None], "dst": ["n"]}))


def test_imbalance_by_hand():
    fs = Flowsheet.from_edges([("feed", None, "cell"), ("conc", "cell", None),
                               ("tail", "cell", None)])
    m = pd.DataFrame({"mass": [100.0, 10.0, 88.0], "Cu": [0.02, 0.15, 0.005]},
                     index=["feed", "conc", "tail"])
    out = fs.imbalance(m)
    # in - out: 100 - 10 - 88 = 2; Cu: 2 - 1.5 - 0.44 = 0.06
    np.testing.assert_allclose(out.loc["cell"].to_numpy(), [2.0, 0.06], rtol=1e-12)
    # a missing value makes the balance unknown, not zero
    m.loc["tail", "Cu"] = np.nan
    out = fs.imbalance(m)
    assert np.isnan(out.loc["cell", "Cu"]) and out.loc["cell", "mass"] == 2.0
    # units in the column name are honoured: % -> fraction
    m2 = pd.DataFrame({"mass": [100.0, 10.0, 88.0], "Cu [%]": [2.0, 15.0, 0.5]},
                      index=["feed", "conc", "tail"])
    np.testing.assert_allclose(fs.imbalance(m2).loc["cell", "Cu"], 0.06, rtol=1e-12)


def test_simulate_closes_and_matches_two_product_formula():
    fs = Flowsheet.from_edges(EDGES)
    feed = pd.DataFrame({"Cu": [3.0], "rest": [97.0]}, index=["feed"])
    split = pd.DataFrame({"Cu": [0.85, 0.7, 0.6], "rest": [0.15, 0.2, 0.1]},
                         index=["rc", "cc", "sc"])
    sim = fs.simulate(feed, split)
    a = fs.incidence.to_numpy()
    np.testing.assert_allclose(a @ sim["mass"].to_numpy(), 0.0, atol=1e-12)
    np.testing.assert_allclose(a @ (sim["mass"] * sim["Cu"]).to_numpy(), 0.0, atol=1e-12)
    # the overall circuit is a two-product separation: mass yield C/F = (f - t)/(c - t)
    # (the two-product formula; Wills & Finch 2016, Wills' Mineral Processing Technology)
    f, c, t = sim.loc["feed", "Cu"], sim.loc["cc", "Cu"], sim.loc["st", "Cu"]
    np.testing.assert_allclose(sim.loc["cc", "mass"] / sim.loc["feed", "mass"],
                               (f - t) / (c - t), rtol=1e-12)


def test_simulate_bad_split():
    fs = Flowsheet.from_edges(EDGES)
    feed = pd.DataFrame({"Cu": [3.0]}, index=["feed"])
    with pytest.raises(ValueError, match="add up to 1"):
        fs.simulate(feed, pd.DataFrame({"Cu": [1.2, 0.5, 0.5]}, index=["rc", "cc", "sc"]))
    with pytest.raises(ValueError, match="all but one"):
        fs.simulate(feed, pd.DataFrame({"Cu": [0.5, 0.5]}, index=["rc", "cc"]))


def test_measurement_errors():
    fs = Flowsheet.from_edges(EDGES)
    good = pd.DataFrame({"mass": [100.0], "Cu": [0.03]}, index=["feed"])
    with pytest.raises(KeyError, match="no 'mass' column"):
        fs.imbalance(good.rename(columns={"mass": "flow"}))
    with pytest.raises(KeyError, match="does not have"):
        fs.imbalance(good.rename(index={"feed": "fed"}))
    with pytest.raises(ValueError, match="< 0"):
        fs.imbalance(good.assign(mass=-1.0))
    with pytest.raises(ValueError, match=r"outside \[0, 1\]"):
        fs.imbalance(good.assign(Cu=3.0))


def test_chart_is_altair():
    fs = Flowsheet.from_edges(EDGES)
    spec = fs.chart().to_dict()
    assert "layer" in spec
    assert repr(fs).startswith("Flowsheet(3 nodes, 7 streams")


def test_chart_draws_recycles_as_detours():
    fs = Flowsheet.from_edges(EDGES)
    spec = fs.chart().to_dict()
    datasets = spec["datasets"].values()
    kinds = {row.get("kind") for rows in datasets for row in rows}
    assert {"feed", "stream", "product", "recycle"} <= kinds
    # a recycle is drawn with four points (down, across, up), a forward stream with two
    points = [row for rows in datasets for row in rows if row.get("stream") == "ct"
              and "order" in row]
    assert len(points) == 4
