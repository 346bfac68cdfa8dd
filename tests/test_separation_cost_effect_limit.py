"""cost_effect (issue 19): the rational limit is the most profitable design, found by an
optimiser whose answer does not depend on its grid; C/E = 1 is the purest paying design.

The brute force here sweeps every stage count and 6,001 cuts with the counter-current
cascade (validated against an absorbing Markov chain in test_separation_economics.py) and
prices each design itself; it shares no code with the optimiser's search.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from resourcekit import datasets
from resourcekit import separation as sep

LN3 = np.log(3.0)
TIERS = [(0.6, 4000.0), (0.9, 6000.0)]
LESSON = dict(mass="mass_kg", price_tiers=TIERS, cost_per_tonne=30.0, cost_per_stage=5.0,
              penalty=200.0)


@pytest.fixture(scope="module")
def lib():
    return datasets.load("sep_ewaste_liberation_classes")


def brute_force(w, g, *, tiers, ct, cs, pen, ep=0.1, floor=0.5, n_max, n_cuts=6001):
    """Every design (n <= n_max, cut on a fine grid) with recovery >= floor: the best
    profit with its purity, and the purest design with profit >= 0 (C/E <= 1)."""
    w = np.asarray(w, float) / np.sum(w)
    g = np.asarray(g, float)
    f = w @ g
    cuts = np.linspace(g.min() - 0.5, g.max() + 0.05, n_cuts)
    s = np.clip(1 / (1 + np.exp(-LN3 * (g[None, :] - cuts[:, None]) / ep)), 1e-15, 1 - 1e-15)
    best, purest = (-np.inf, np.nan, 0), np.nan
    for n in range(1, n_max + 1):
        rec, passes = sep.countercurrent_cascade(s, n)
        metal, y = rec @ (w * g), rec @ w
        purity = metal / y
        price = np.zeros_like(purity)
        for thr, v in tiers:
            price[purity >= thr] = v
        profit = price * metal - pen * (y - metal) - ct * (passes @ w) - cs * n
        profit[metal / f < floor] = -np.inf
        i = int(np.argmax(profit))
        if profit[i] > best[0]:
            best = (float(profit[i]), float(purity[i]), n)
        pays = profit >= 0
        if pays.any():
            purest = np.nanmax([purest, purity[pays].max()])
    return best, purest


def test_lesson_case_limit_is_the_most_profitable_design(lib):
    """Issue 19: the old table reported 0.9149 at profit 678.6 while its own designs held
    712.8 at 0.9015. Now the limit is the best design: at least as profitable as any
    brute-force design, and within the sweep's resolution of the best of them."""
    res = sep.cost_effect(lib, **LESSON)
    (profit, purity, n), purest = brute_force(
        lib["mass_kg"], lib["grade"], tiers=TIERS, ct=30.0, cs=5.0, pen=200.0,
        n_max=res.stages_searched)
    d = res.limit_design
    assert d["profit"] >= profit - 1e-9
    assert d["profit"] - profit < 0.5          # 6,001 cuts: the sweep sits a cut-step off
    assert d["profit"] > 712.8                 # the best grid design
    assert res.rational_limit == pytest.approx(purity, abs=1e-3)
    assert int(d["n_stages"]) == n
    # the profit-maximising design sits exactly on the 90 % tier: a hair purer costs more
    assert res.rational_limit == pytest.approx(0.9, abs=1e-9) and res.rational_limit >= 0.9
    # C/E = 1: the purest design that still pays, against the sweep
    assert res.breakeven_purity >= purest - 1e-9
    assert res.breakeven_purity - purest < 1e-3
    assert res.breakeven_purity >= res.rational_limit


def test_grid_refinement_changes_nothing_above_a_thousandth(lib):
    """Refining every discretisation 2x (and 4x): limit, wall and C/E = 1 move < 0.001.
    The stage range is not a grid (the search stops by a bound), and doubling an explicit cap
    above the bound changes nothing either."""
    runs = [sep.cost_effect(lib, n_cuts=n, n_targets=t, **LESSON)
            for n, t in ((32, 20), (64, 40), (128, 80))]
    for a, b in zip(runs, runs[1:], strict=False):
        for key in ("rational_limit", "technical_wall", "breakeven_purity"):
            assert abs(getattr(a, key) - getattr(b, key)) < 1e-3, key
    capped = sep.cost_effect(lib, max_stages=2 * runs[1].stages_searched, **LESSON)
    assert capped.rational_limit == pytest.approx(runs[1].rational_limit, abs=1e-12)
    assert capped.breakeven_purity == pytest.approx(runs[1].breakeven_purity, abs=1e-12)
    # the premium-tier and free-sorting cases, refined the same way
    for kw in ({"price_tiers": [*TIERS, (0.95, 8000.0)]}, {"cost_per_tonne": 0.0}):
        a, b = (sep.cost_effect(lib, n_cuts=n, **{**LESSON, **kw}) for n in (48, 96))
        assert abs(a.rational_limit - b.rational_limit) < 1e-3
        assert abs(a.breakeven_purity - b.breakeven_purity) < 1e-3


def _feed(grades, masses):
    g = np.r_[0.0, 1.0, grades]
    w = np.asarray(masses[: g.size], float)
    w[0] *= 4
    return pd.DataFrame({"mass": w, "grade": g})


feed_st = st.tuples(st.lists(st.floats(0.05, 0.95), min_size=1, max_size=3),
                    st.lists(st.floats(0.2, 5.0), min_size=5, max_size=5))
tiers_st = st.lists(st.tuples(st.floats(0.3, 0.98), st.floats(200.0, 12000.0)), min_size=1,
                    max_size=3).filter(
    lambda t: len({round(x, 4) for x, _ in t}) == len(t)).map(
    lambda t: list(zip(sorted(x for x, _ in t), sorted(v for _, v in t), strict=True)))


@settings(max_examples=8, deadline=None)
@given(feed=feed_st, tiers=tiers_st, ct=st.floats(0.0, 120.0), cs=st.floats(1.0, 60.0),
       pen=st.floats(0.0, 1500.0), ep=st.floats(0.06, 0.2))
def test_limit_equals_the_brute_force_argmax(feed, tiers, ct, cs, pen, ep):
    """Stated tolerance: the optimiser is never beaten by the sweep (1e-9), and exceeds it
    by less than the sweep's cut step can hide (0.5 % of the profit scale); where the sweep's
    best is unique, its purity agrees within 0.003."""
    cls = _feed(*feed)
    res = sep.cost_effect(cls, price_tiers=tiers, cost_per_tonne=ct, cost_per_stage=cs,
                          penalty=pen, sorter_ep=ep)
    (profit, purity, _), purest = brute_force(cls["mass"], cls["grade"], tiers=tiers, ct=ct,
                                              cs=cs, pen=pen, ep=ep,
                                              n_max=res.stages_searched)
    d = res.limit_design
    assert np.isnan(res.rational_limit) == (profit < 0)       # nothing pays: do not sort
    scale = max(1.0, abs(profit), max(v for _, v in tiers) * 0.01)
    assert d["profit"] >= profit - 1e-9 * scale
    assert d["profit"] - profit <= 5e-3 * scale
    if profit >= 0:
        assert abs(res.rational_limit - purity) < 3e-3 or d["profit"] - profit > 0
    if np.isfinite(purest):
        assert res.breakeven_purity >= purest - 1e-9
        assert res.rational_limit <= res.breakeven_purity + 1e-12
    assert not res.rational_limit >= res.technical_wall        # below the wall, or NaN
    assert res.technical_wall <= res.liberation_limit + 1e-12


@settings(max_examples=6, deadline=None)
@given(feed=feed_st, tiers=tiers_st, ct=st.floats(5.0, 60.0), pen=st.floats(0.0, 1000.0),
       costs=st.lists(st.floats(1.0, 80.0), min_size=2, max_size=2))
def test_a_dearer_stage_never_adds_stages_or_profit(feed, tiers, ct, pen, costs):
    # (costs from 1 and 5: near-free sorting searches up to 200 stages, seconds per draw; the
    # zero-cost cases of lesson 07 are in the grid-refinement test)
    """Topkis (1978): profit - c_s n has decreasing differences in (n, c_s), so the stage
    count at the limit never rises with c_s, and the best profit never rises either; once no
    design pays (limit NaN) none pays at a higher cost."""
    cls = _feed(*feed)
    runs = [sep.cost_effect(cls, price_tiers=tiers, cost_per_tonne=ct, cost_per_stage=c,
                            penalty=pen, n_cuts=32) for c in sorted(costs)]
    for a, b in zip(runs, runs[1:], strict=False):
        pa, pb = a.limit_design["profit"], b.limit_design["profit"]
        assert pb <= pa + 1e-9 * max(1.0, abs(pa))
        if pb < pa - 1e-9 * max(1.0, abs(pa)):   # a tie may pick either design
            assert b.limit_design["n_stages"] <= a.limit_design["n_stages"]
        if np.isnan(a.rational_limit):
            assert np.isnan(b.rational_limit)


def test_the_purity_limit_itself_can_rise_with_stage_cost():
    """Found by a random sweep (1 of 120 cases with a penalty, 2 of 150 without, besides
    cases where nothing pays): dearer stages take the count 3 -> 1 and the single stage's
    best cut is *purer* (0.861 against 0.850) at lower recovery. The purity of the limit is
    not monotone in the stage cost in general; the stage count and the profit are (test
    above). Checked against the brute-force sweep, so it is the model, not the optimiser."""
    cls = pd.DataFrame({"mass": [5.97709228, 4.00371491, 1.08352266],
                        "grade": [0.0, 1.0, 0.1966302]})
    tiers = [(0.57629234, 5127.62771698), (0.71964761, 9838.77592766)]
    kw = dict(price_tiers=tiers, cost_per_tonne=9.65489725, penalty=923.810225)
    cheap = sep.cost_effect(cls, cost_per_stage=3.95578566, **kw)
    dear = sep.cost_effect(cls, cost_per_stage=53.4657570, **kw)
    assert dear.limit_design["n_stages"] < cheap.limit_design["n_stages"]
    assert dear.rational_limit > cheap.rational_limit + 0.005
    swept = []
    for res, c in ((cheap, 3.95578566), (dear, 53.4657570)):
        (profit, purity, _), _ = brute_force(cls["mass"], cls["grade"], tiers=tiers,
                                             ct=9.65489725, cs=c, pen=923.810225,
                                             n_max=res.stages_searched)
        # a penalty-priced optimum is flat: the purity is pinned to a few thousandths
        assert res.limit_design["profit"] >= profit - 1e-9
        assert res.rational_limit == pytest.approx(purity, abs=5e-3)
        swept.append(purity)
    assert swept[1] > swept[0]


def test_lesson_limit_falls_with_stage_cost_and_rises_with_a_premium(lib):
    """In lesson 07's case (tier-driven) the purity limit does fall with the stage cost,
    from the 95 % tier of a premium buyer to the 90 % tier, then to 'do not sort' (NaN)."""
    tiers = [*TIERS, (0.95, 8000.0)]
    runs = [sep.cost_effect(lib, **{**LESSON, "price_tiers": tiers, "cost_per_stage": c})
            for c in (0.0, 5.0, 40.0, 150.0, 700.0)]
    limits = [r.rational_limit for r in runs]
    finite = [x for x in limits if np.isfinite(x)]
    assert all(b <= a + 1e-12 for a, b in zip(finite, finite[1:], strict=False)), limits
    assert finite[0] >= 0.95 and finite[-1] == pytest.approx(0.9, abs=1e-9)
    assert np.isnan(limits[-1]) and runs[-1].limit_design["profit"] < 0
    stages = [int(r.limit_design["n_stages"]) for r in runs]
    assert stages == sorted(stages, reverse=True)
    plain = sep.cost_effect(lib, **LESSON)
    assert plain.rational_limit < 0.95 <= runs[1].rational_limit   # the premium pulls it up


def test_the_stage_count_bound_holds_for_every_design(lib):
    """The search stops by an ideal-curve bound on any n-stage design's profit; a bound below
    a real design would prune the optimum (it did: a zero-grade class after the last metal
    class made the ideal take at full recovery carry the free gangue too). Every evaluated
    design must lie under it, here and in that case."""
    import importlib

    ce = importlib.import_module("resourcekit.separation.cost_effect")
    case = pd.DataFrame({"mass": [6.0859293, 0.8622467, 3.9825901],
                         "grade": [0.0, 1.0, 0.6465587]})
    tiers = [(0.6484200, 6679.088), (0.7558452, 9837.490)]
    for cls, kw in ((lib, dict(LESSON)), (case, dict(price_tiers=tiers, cost_per_tonne=40.0,
                                                      cost_per_stage=35.0, penalty=553.0,
                                                      sorter_ep=0.1225))):
        mass = kw.pop("mass", "mass")
        res = sep.cost_effect(cls, mass=mass, **kw)
        model = res._model
        best = res.designs.groupby("n_stages")["profit"].max()
        bound = ce._profit_bounds(model, best.index.to_numpy())
        assert (best.to_numpy() <= bound + 1e-9).all()
        assert res.limit_design["profit"] <= bound[int(res.limit_design["n_stages"]) - 1] + 1e-9
