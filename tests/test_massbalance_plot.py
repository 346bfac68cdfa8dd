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


def test_negative_round_off_drawn_as_zero():
    flows = pd.DataFrame({"from_node": [None, "A", "A", "A"], "to_node": ["A", None, None, None],
                          "mass": [100.0, -1e-13, 60.0, 40.0]}, index=["feed", "p1", "p2", "p3"])
    fig = sankey(flows)
    link = fig.data[0].link
    assert list(link.value) == [100.0, 0.0, 60.0, 40.0]
    assert "not shown" not in fig.layout.title.text
    # a clearly negative flow is not drawn, and named as negative (not as unobservable)
    flows.loc["p1", "mass"] = -5.0
    fig = sankey(flows)
    assert list(fig.data[0].link.value) == [100.0, 60.0, 40.0]
    assert "negative): p1" in fig.layout.title.text
    assert "unobservable" not in fig.layout.title.text


def test_each_recycle_leaves_from_its_own_node_position(result):
    """The circuit's two recycles (ct from the cleaner, sc from the scavenger) start at
    nodes placed at different heights, so they are drawn as two loops, not one."""
    trace = sankey(result).data[0]
    labels = list(trace.node.label)
    y = dict(zip(labels, trace.node.y, strict=True))
    x = dict(zip(labels, trace.node.x, strict=True))
    assert y["cleaner"] != y["scav"]
    assert x["rougher"] < x["cleaner"] and x["rougher"] < x["scav"]


def test_export_svg_and_png_offline(result, tmp_path):
    """kaleido + the system chromium: the SVG opens as XML with one path per link and one
    rectangle per node; the PNG has its signature. No network is used (kaleido >= 1 drives a
    local browser)."""
    import xml.etree.ElementTree as ET

    from resourcekit.massbalance import write_image

    fig = sankey(result, unit="t/h")
    svg = write_image(fig, tmp_path / "flows.svg")
    root = ET.parse(svg).getroot()
    ns = "{http://www.w3.org/2000/svg}"
    groups = {g.get("class"): g for g in root.iter(f"{ns}g") if g.get("class")}
    assert "sankey" in groups
    links = [p for p in root.iter(f"{ns}path") if p.get("class") == "sankey-link"]
    nodes = [g for g in root.iter(f"{ns}g") if g.get("class") == "sankey-node"]
    assert len(links) == len(fig.data[0].link.value) == 7
    assert len(nodes) == len(fig.data[0].node.label)
    # the two recycles are two different paths
    ds = {p.get("d") for p in links}
    assert len(ds) == len(links)
    text = " ".join(t.text or "" for t in root.iter(f"{ns}text"))
    assert "rougher" in text and "cleaner" in text
    png = write_image(fig, tmp_path / "flows.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(FileExistsError):
        write_image(fig, svg)  # a user's file is never overwritten
    with pytest.raises(ValueError, match="expected one of"):
        write_image(fig, tmp_path / "flows.txt")
