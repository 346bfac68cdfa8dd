"""Tests of circuit steady states (linear system) and the economics of purity."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from resourcekit import separation as sep


def _iterate(r, c, s, feed, n_iter=5000):
    """Independent check: run the recycle loop until it settles (what we avoid in the code)."""
    cleaner_tail = scav_conc = 0.0
    for _ in range(n_iter):
        rougher_feed = feed + cleaner_tail + scav_conc
        rc = r * rougher_feed
        rt = rougher_feed - rc
        conc = c * rc
        cleaner_tail = rc - conc
        scav_conc = s * rt
        tail = rt - scav_conc
    return conc, tail, rougher_feed


def test_rcs_matches_closed_form_and_iteration():
    splits = {"r": {"A": 0.9, "B": 0.1}, "c": {"A": 0.9, "B": 0.2}, "s": {"A": 0.5, "B": 0.05}}
    feed = {"A": 5.0, "B": 95.0}
    res = sep.rougher_cleaner_scavenger(splits["r"], splits["c"], splits["s"], feed)
    for comp in "AB":
        r, c, s = splits["r"][comp], splits["c"][comp], splits["s"][comp]
        x = feed[comp] / (1 - (1 - c) * r - s * (1 - r))  # closed form of the rougher feed
        np.testing.assert_allclose(res.unit_feeds.loc["rougher", comp], x, rtol=1e-12)
        conc, tail, rf = _iterate(r, c, s, feed[comp])
        np.testing.assert_allclose(res.products.loc["concentrate", comp], conc, rtol=1e-9)
        np.testing.assert_allclose(res.products.loc["tailing", comp], tail, rtol=1e-9)
    summary = res.summary()
    np.testing.assert_allclose(summary["mass_yield"].sum(), 1.0, rtol=1e-12)
    # recycled to the rougher: cleaner tailing + scavenger concentrate, per fresh feed
    cl = res.circulating_load()
    recycled = res.streams.loc[["cleaner.tailing", "scavenger.concentrate"]].to_numpy().sum()
    np.testing.assert_allclose(cl["rougher"], recycled / 100.0, rtol=1e-12)
    assert cl["cleaner"] == 0.0 and cl["scavenger"] == 0.0
    np.testing.assert_allclose(res.unit_feed_ratio()["rougher"], 1.0 + cl["rougher"], rtol=1e-12)


unit_split = st.floats(0.0, 1.0)


@settings(max_examples=100, deadline=None)
@given(r=unit_split, c=unit_split, s=unit_split, fa=st.floats(0.01, 100.0))
def test_mass_conservation(r, c, s, fa):
    # Every component's products sum to its feed, for any split factors with an exit.
    if (1 - (1 - c) * r - s * (1 - r)) < 1e-6:
        return
    res = sep.rougher_cleaner_scavenger({"A": r}, {"A": c}, {"A": s}, {"A": fa})
    np.testing.assert_allclose(res.products["A"].sum(), fa, rtol=1e-9)
    assert (res.products["A"] >= -1e-9).all()


def test_general_circuit_with_two_cleaners():
    units = {
        "rougher": {"split": {"A": 0.95, "B": 0.2}, "concentrate": "cleaner1",
                    "tailing": "tail"},
        "cleaner1": {"split": {"A": 0.9, "B": 0.3}, "concentrate": "cleaner2",
                     "tailing": "rougher"},
        "cleaner2": {"split": {"A": 0.9, "B": 0.3}, "concentrate": "conc",
                     "tailing": "cleaner1"},
    }
    res = sep.circuit_steady_state(units, {"A": 2.0, "B": 98.0}, "rougher")
    np.testing.assert_allclose(res.products.sum().to_numpy(), [2.0, 98.0], rtol=1e-12)
    # two cleaners lift the grade far above a rougher alone: 1.9/(1.9 + 19.6) = 0.088
    assert res.grade("A")["conc"] > 0.3
    assert set(res.streams.index) >= {"rougher.concentrate", "cleaner2.tailing"}


def test_circuit_errors():
    with pytest.raises(ValueError, match="cannot leave the circuit"):
        sep.rougher_cleaner_scavenger({"A": 1.0}, {"A": 0.0}, {"A": 0.5}, {"A": 1.0})
    with pytest.raises(ValueError, match="split of 'A' in unit 'rougher' is 1.5"):
        sep.rougher_cleaner_scavenger({"A": 1.5}, {"A": 0.5}, {"A": 0.5}, {"A": 1.0})
    with pytest.raises(KeyError, match="no split factor for components \\['B'\\]"):
        sep.rougher_cleaner_scavenger({"A": 0.5}, {"A": 0.5}, {"A": 0.5}, {"A": 1.0, "B": 1.0})
    with pytest.raises(KeyError, match="feed_to = 'mill' is not a unit"):
        sep.circuit_steady_state({}, {"A": 1.0}, "mill")


# ------------------------------------------------------------------------------ economics
def test_stage_cascade_closed_form():
    casc = sep.stage_cascade(0.05, 0.95, 0.3, 4)
    n = np.arange(5)
    expected = 0.05 * 0.95**n / (0.05 * 0.95**n + 0.95 * 0.3**n)
    np.testing.assert_allclose(casc["purity"], expected, rtol=1e-12)
    np.testing.assert_allclose(casc["recovery"], 0.95**n, rtol=1e-12)


def test_buyer_thresholds_from_oki():
    t = sep.BUYER_THRESHOLDS["threshold"]
    np.testing.assert_allclose(t["Au"], 10e-6)  # about 10 ppm Au (Oki, junior column 20)
    np.testing.assert_allclose(t["Ta"], 0.30)   # about 30 % Ta
    assert (t[["Al", "Fe", "plastics"]] >= 0.95).all()  # close to 100 %


def test_product_value_threshold_step():
    v = sep.product_value(np.array([0.29, 0.30, 0.5]), threshold=0.30, price=200.0, below=-5.0)
    np.testing.assert_allclose(v, [-5.0, 60.0, 100.0])


def test_optimum_stages_is_profit_maximum_and_rational_limit():
    res = sep.optimum_stages(0.05, 0.95, 0.3, threshold=0.99, price=1000.0,
                             cost_per_tonne=5.0, fixed_cost=2.0)
    table = res.table
    assert res.optimum == table["profit"].idxmax()
    # below the threshold the product earns nothing: the first saleable stage is a wall
    first_ok = int((table["purity"] >= 0.99).idxmax())
    assert res.optimum >= first_ok
    # beyond the optimum one more stage adds less value than it costs
    nxt = res.optimum + 1
    assert table.loc[nxt, "marginal_value"] < table.loc[nxt, "marginal_cost"]
    # brute force over an independent profit computation
    casc = sep.stage_cascade(0.05, 0.95, 0.3, 10)
    profits = []
    for n in range(11):
        val = casc["mass_yield"][n] * (1000 * casc["purity"][n] if casc["purity"][n] >= 0.99
                                       else 0.0)
        cost = sum(5.0 * casc["mass_yield"][k - 1] + 2.0 for k in range(1, n + 1))
        profits.append(val - cost)
    assert res.optimum == int(np.argmax(profits))
    np.testing.assert_allclose(table["profit"], profits, rtol=1e-12)


def test_economics_errors():
    with pytest.raises(ValueError, match="purity = 99 is outside"):
        sep.product_value(99, threshold=0.3, price=1.0)
    with pytest.raises(ValueError, match="n_stages must be >= 0"):
        sep.stage_cascade(0.1, 0.9, 0.1, -1)


def test_circulating_load_published_closed_grinding_circuit():
    """Ball mill in closed circuit with a cyclone; goldmetallurgy.com "Determination of the
    circulating load" (dilution method, CL = (o - f)/(f - u)): cyclone feed, overflow and
    underflow at 58 %, 35 % and 78.7 % solids, dilutions 0.7241, 1.8571, 0.2709 L/S, give a
    circulating load of 2.5. Here the cyclone's split to the underflow follows from the
    dilutions and the circuit returns the underflow to the mill (modelled as the cyclone's own
    feed); tolerance 1e-3 from the four-decimal dilutions."""
    f, o, u = 0.7241, 1.8571, 0.2709
    ratio = (o - f) / (f - u)  # underflow / overflow
    split = ratio / (1 + ratio)  # underflow / cyclone feed
    units = {"cyclone": {"split": {"ore": split}, "concentrate": "cyclone",
                         "tailing": "product"}}
    res = sep.circuit_steady_state(units, {"ore": 100.0}, "cyclone")
    np.testing.assert_allclose(res.circulating_load()["cyclone"], 2.5, atol=1e-3)
    # the old figure counted the fresh feed too: 3.5
    np.testing.assert_allclose(res.unit_feed_ratio()["cyclone"], 3.5, atol=1e-3)
    assert res.recycle_streams() == ["cyclone.concentrate"]
