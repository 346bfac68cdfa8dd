"""Live charts in a JupyterLab kernel (resourcekit._live_charts, issue 25/27): every chart
carries a small module and one holder carries the offline vega bundle, and the renderer hands
the browser the chart's own spec without re-validating it. Drawing in a real browser is
tested in test_selfstudy_lab.py (every chart of every lesson has marks)."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd
import pytest
from resourcekit import _live_charts


@pytest.fixture()
def live_renderer():
    before = alt.renderers.active
    assert _live_charts.enable() == _live_charts.RENDERER
    yield
    alt.renderers.enable(before)


def _widget_of(bundle: dict):
    from ipywidgets.widgets.widget import _instances

    view = bundle[0] if isinstance(bundle, tuple) else bundle
    return _instances[view["application/vnd.jupyter.widget-view+json"]["model_id"]]


def _chart() -> alt.LayerChart:
    rng = np.random.default_rng(7)
    df = pd.DataFrame({"x": rng.normal(size=500), "y": rng.normal(size=500),
                       "kind": rng.choice(["PE", "PVC"], 500)})
    sel = alt.selection_point(fields=["kind"], bind="legend")
    points = alt.Chart(df).mark_point().encode(x="x", y="y", color="kind").add_params(sel)
    rule = alt.Chart(df).mark_rule().encode(y="mean(y)")
    return points + rule


def test_renderer_sends_the_charts_own_spec(live_renderer):
    chart = _chart()
    widget = _widget_of(chart._repr_mimebundle_())
    assert widget.spec == chart.to_dict()  # data rows, layers and the legend selection
    assert [p["bind"] for p in widget.spec["params"]] == ["legend"]
    assert len(widget.spec["datasets"][widget.spec["data"]["name"]]) == 500


def test_charts_share_one_bundle_and_carry_a_small_module(live_renderer):
    first = _widget_of(_chart()._repr_mimebundle_())
    second = _widget_of(alt.Chart(pd.DataFrame({"a": [1, 2]})).mark_bar()
                        .encode(x="a")._repr_mimebundle_())
    holder = _live_charts._holder()
    assert first._rk_bundle_id == second._rk_bundle_id == holder.model_id
    assert first._rk_key == second._rk_key and "altair-" in first._rk_key
    assert len(first._esm) < 2_000 and first._esm == second._esm
    # the holder's bundle is vega itself, with no import left that would reach a CDN
    assert len(holder.bundle) > 500_000
    assert "https://esm.sh" not in holder.bundle and "cdn.jsdelivr" not in holder.bundle
    assert "vega" in holder.bundle and "render" in holder.bundle


def test_renderer_is_not_slower_than_one_validation(live_renderer):
    """The renderer adds no schema validation of its own: rendering a chart of 5,000 inlined
    rows costs no more than the chart's own ``to_dict`` (which validates once) plus the widget
    (altair's ``jupyter`` renderer validated twice more: 8.0 of lesson 06's 8.1 s). Counted in
    calls to the validator, not timed."""
    import altair.utils.schemapi as schemapi

    calls = []
    original = schemapi.validate_jsonschema

    def counting(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    chart = alt.Chart(pd.DataFrame({"x": np.arange(5000.0)})).mark_point().encode(x="x")
    try:
        schemapi.validate_jsonschema = counting
        chart.to_dict()
        own = len(calls)
        calls.clear()
        chart._repr_mimebundle_()
    finally:
        schemapi.validate_jsonschema = original
    assert own >= 1 and len(calls) == own
