"""Sankey diagrams of reconciled flowsheets."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import RCS_EDGES as EDGES
from resourcekit.massbalance import Flowsheet, sankey


@pytest.fixture(scope="module")
def result():
    fs = Flowsheet.from_edges(EDGES)
    feed = pd.DataFrame({"Cu": [3.0], "rest": [97.0]}, index=["feed"])
    split = pd.DataFrame({"Cu": [0.85, 0.7, 0.6], "rest": [0.15, 0.2, 0.1]},
                         index=["rc", "cc", "sc"])
    true = fs.simulate(feed, split)[["mass", "Cu"]]
    rng = np.random.default_rng(0)
    meas = true * (1 + 0.02 * rng.normal(size=true.shape))
    return fs.reconcile(meas, 0.02)


def test_sankey_mass_and_component(result):
    import plotly.graph_objects as go

    fig = sankey(result, unit="t/h")
    assert isinstance(fig, go.Figure)
    link = fig.data[0].link
    rec = result.reconciled
    np.testing.assert_allclose(sorted(link.value), sorted(rec["mass"]), rtol=1e-12)
    # recycles are drawn as links back to an upstream node, in their own colour
    labels = list(fig.data[0].node.label)
    ct = [k for k, text in enumerate(link.customdata) if text.startswith("ct ")][0]
    assert "recycle" in link.customdata[ct]
    assert labels[link.source[ct]] == "cleaner" and labels[link.target[ct]] == "rougher"
    assert link.color[ct] != link.color[0]
    cu = sankey(result, "Cu").data[0].link
    np.testing.assert_allclose(sorted(cu.value), sorted(rec["mass"] * rec["Cu"]), rtol=1e-12)
    # every hover label carries the standard deviation
    assert all("±" in text for text in cu.customdata)
    assert fig.to_dict()["data"][0]["type"] == "sankey"


def test_sankey_from_a_plain_table_and_unobservable():
    flows = pd.DataFrame({"from_node": [None, "A", "A"], "to_node": ["A", None, None],
                          "mass": [100.0, np.nan, 60.0]}, index=["feed", "p1", "p2"])
    fig = sankey(flows)
    assert list(fig.data[0].link.value) == [100.0, 60.0]
    assert "p1" in fig.layout.title.text  # named as not shown


def test_sankey_errors(result):
    with pytest.raises(KeyError, match="component 'Au'"):
        sankey(result, "Au")
    with pytest.raises(ValueError, match="flowsheet="):
        sankey(pd.DataFrame({"mass": [1.0]}, index=["feed"]))
    with pytest.raises(TypeError, match="ReconciliationResult or a DataFrame"):
        sankey([1, 2])
