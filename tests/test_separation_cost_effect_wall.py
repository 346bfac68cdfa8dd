"""cost_effect (issue 19): the technical wall is a property of the feed and the sorter.

The wall is the purity an infinitely long counter-current cascade reaches at the recovery
floor. It is recomputed here by hand from its closed form (Feller 1968, XIV.2: the ruin
probability with r = q/p tends to 1 - r for p > q and 0 for p < q) and a bisection, without
the toolkit.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from resourcekit import datasets
from resourcekit import separation as sep
from resourcekit.errors import DataError, ResourcekitError

LN3 = np.log(3.0)
TIERS = [(0.6, 4000.0), (0.9, 6000.0)]
LESSON = dict(mass="mass_kg", price_tiers=TIERS, cost_per_tonne=30.0, cost_per_stage=5.0,
              penalty=200.0)
SMALL = pd.DataFrame({"mass": [60.0, 20.0, 10.0, 10.0], "grade": [0.0, 0.3, 0.8, 1.0]})


@pytest.fixture(scope="module")
def lib():
    return datasets.load("sep_ewaste_liberation_classes")


@pytest.fixture(scope="module")
def lesson(lib):
    return sep.cost_effect(lib, **LESSON)


def _wall_by_hand(w, g, ep, floor=0.5):
    """Infinite cascade: a class at logit x = ln3 (g - cut)/Ep keeps 1 - e^-x if x > 0, else
    0. Recovery falls as the cut rises: bisect for recovery = floor, read the purity."""
    w = np.asarray(w, float) / np.sum(w)
    g = np.asarray(g, float)

    def keep(cut):
        x = LN3 * (g - cut) / ep
        return np.where(x > 0, 1 - np.exp(-np.minimum(x, 700)), 0.0)

    lo, hi = g.min() - 40 * ep, g.max()
    for _ in range(200):
        mid = (lo + hi) / 2
        if (w * g * keep(mid)).sum() / (w * g).sum() >= floor:
            lo = mid
        else:
            hi = mid
    k = keep(lo)
    return (w * g * k).sum() / (w * k).sum()


def test_wall_is_the_infinite_cascade_at_the_recovery_floor(lib, lesson):
    w, g = lib["mass_kg"].to_numpy(float), lib["grade"].to_numpy(float)
    assert lesson.technical_wall == pytest.approx(_wall_by_hand(w, g, 0.1), abs=1e-9)
    small = sep.cost_effect(SMALL, price_tiers=[(0.6, 1000.0)], cost_per_tonne=2.0)
    assert small.technical_wall == pytest.approx(
        _wall_by_hand(SMALL["mass"], SMALL["grade"], 0.1), abs=1e-9)


def test_finite_cascades_approach_the_wall_and_the_effort_diverges(lib, lesson):
    """The purest design at the floor rises with n towards the wall, the gap falling
    geometrically; the cheapest design for W - delta needs more stages (and stage passes)
    as delta shrinks, and the wall itself cannot be bought."""
    wall = lesson.technical_wall
    w = lib["mass_kg"].to_numpy(float)
    w = w / w.sum()
    g = lib["grade"].to_numpy(float)
    cuts = np.linspace(0.3, 1.0, 14001)
    s = 1 / (1 + np.exp(-LN3 * (g[None, :] - cuts[:, None]) / 0.1))
    gaps = []
    for n in (2, 4, 8, 16, 32):
        rec, _ = sep.countercurrent_cascade(np.clip(s, 1e-15, 1 - 1e-15), n)
        metal, y = rec @ (w * g), rec @ w
        ok = metal / (w * g).sum() >= 0.5
        gaps.append(wall - (metal / y)[ok].max())
    assert all(gap > 0 for gap in gaps)                     # never reached
    assert all(b < a for a, b in zip(gaps, gaps[1:], strict=False))
    assert gaps[-1] < 0.05 * gaps[0]
    designs = [lesson.design_at(wall - d) for d in (1e-2, 1e-3, 1e-4)]
    stages = [int(d["n_stages"]) for d in designs]
    passes = [float(d["stage_passes"]) for d in designs]
    assert stages[0] < stages[1] < stages[2]
    assert passes[0] < passes[1] < passes[2]
    # stages per point of purity (1e-2) between the last two: at least 10x the first pair's
    per_point = [(stages[1] - stages[0]) / 0.9e-2 * 1e-2, (stages[2] - stages[1]) / 0.9e-3 * 1e-2]
    assert per_point[1] > 5 * per_point[0]
    with pytest.raises(DataError, match="technical wall"):
        lesson.design_at(wall)


def test_no_design_passes_the_wall(lesson):
    assert (lesson.designs["recovery"] >= 0.5 - 1e-12).all()
    assert lesson.designs["purity"].max() < lesson.technical_wall
    assert lesson.rational_limit < lesson.technical_wall
    assert lesson.breakeven_purity < lesson.technical_wall


def test_lesson_case_wall_liberation_and_ordering(lib, lesson):
    """Issue 19's contradictions are gone: liberation limit > wall > break-even >= limit."""
    assert lesson.liberation_limit == pytest.approx(0.9744, abs=1e-4)   # ideal curve, floor 0.5
    assert lesson.liberation_limit > lesson.technical_wall > lesson.breakeven_purity
    assert lesson.breakeven_purity >= lesson.rational_limit


tiers_st = st.lists(st.tuples(st.floats(0.3, 0.99), st.floats(0.0, 20000.0)), min_size=1,
                    max_size=4).map(lambda t: sorted(t)).filter(
    lambda t: all(b[0] > a[0] + 1e-6 for a, b in zip(t, t[1:], strict=False)))


@settings(max_examples=10, deadline=None)
@given(tiers=tiers_st, ct=st.floats(0.0, 300.0), cs=st.floats(0.0, 100.0),
       pen=st.floats(0.0, 3000.0))
def test_wall_ignores_prices_tiers_penalty_and_costs(tiers, ct, cs, pen):
    tiers = [(t, v) for (t, _), v in zip(tiers, np.sort([v for _, v in tiers]), strict=True)]
    base = sep.cost_effect(SMALL, price_tiers=[(0.6, 1000.0)], cost_per_tonne=2.0,
                           max_stages=2, n_cuts=8)
    res = sep.cost_effect(SMALL, price_tiers=tiers, cost_per_tonne=ct, cost_per_stage=cs,
                          penalty=pen, max_stages=2, n_cuts=8)
    assert res.technical_wall == base.technical_wall          # not approximately: exactly
    assert res.liberation_limit == base.liberation_limit


def test_issue_19_examiner_cases_leave_the_wall_in_place(lib, lesson):
    """The issue's three moves: prices x4, a 95 % tier at 8,000, free sorting."""
    moved = [
        sep.cost_effect(lib, **{**LESSON, "price_tiers": [(0.6, 16000.0), (0.9, 24000.0)]}),
        sep.cost_effect(lib, **{**LESSON, "price_tiers": [*TIERS, (0.95, 8000.0)]}),
        sep.cost_effect(lib, **{**LESSON, "cost_per_tonne": 0.0}),
        sep.cost_effect(lib, **{**LESSON, "cost_per_tonne": 0.0,
                                "price_tiers": [*TIERS, (0.95, 8000.0)]}),
    ]
    for res in moved:
        assert res.technical_wall == lesson.technical_wall
        assert res.rational_limit < res.technical_wall
    # the premium tier pulls the limit onto it: 0.95
    assert moved[1].rational_limit == pytest.approx(0.95, abs=1e-9)


feed_st = st.tuples(
    st.lists(st.floats(0.05, 0.95), min_size=1, max_size=4),
    st.lists(st.floats(0.2, 5.0), min_size=6, max_size=6))


def _feed(grades, masses):
    g = np.r_[0.0, 1.0, grades]
    w = np.asarray(masses[: g.size], float)
    w[0] *= 4  # much free gangue, as in shredded scrap
    return pd.DataFrame({"mass": w, "grade": g})


@settings(max_examples=10, deadline=None)
@given(feed=feed_st, ep=st.floats(0.03, 0.25), sharper=st.floats(0.3, 0.95),
       floor=st.floats(0.2, 0.8))
def test_wall_rises_with_a_sharper_sorter_and_stays_below_liberation(feed, ep, sharper, floor):
    cls = _feed(*feed)
    kw = dict(price_tiers=[(0.5, 1000.0)], cost_per_tonne=10.0, min_recovery=floor,
              max_stages=1, n_cuts=8)
    blunt = sep.cost_effect(cls, sorter_ep=ep, **kw)
    sharp = sep.cost_effect(cls, sorter_ep=ep * sharper, **kw)
    assert sharp.technical_wall >= blunt.technical_wall - 1e-12
    for res in (blunt, sharp):
        assert res.technical_wall <= res.liberation_limit + 1e-12
    w, g = cls["mass"].to_numpy(float), cls["grade"].to_numpy(float)
    assert blunt.technical_wall == pytest.approx(_wall_by_hand(w, g, ep, floor), abs=1e-8)


@settings(max_examples=10, deadline=None)
@given(feed=feed_st, ep=st.floats(0.03, 0.25), share=st.floats(0.1, 1.0),
       which=st.integers(0, 3))
def test_wall_rises_when_a_locked_class_is_liberated(feed, ep, share, which):
    """Liberate a share of one locked class into free metal and free gangue, metal kept:
    the wall (and the liberation limit) cannot fall."""
    cls = _feed(*feed)
    k = 2 + which % (len(cls) - 2)
    m, g = float(cls.loc[k, "mass"]), float(cls.loc[k, "grade"])
    freed = cls.copy()
    freed.loc[k, "mass"] = m * (1 - share)
    freed.loc[0, "mass"] += m * share * (1 - g)
    freed.loc[1, "mass"] += m * share * g
    kw = dict(price_tiers=[(0.5, 1000.0)], cost_per_tonne=10.0, sorter_ep=ep, max_stages=1,
              n_cuts=8)
    before, after = sep.cost_effect(cls, **kw), sep.cost_effect(freed, **kw)
    assert after.technical_wall >= before.technical_wall - 1e-12
    assert after.liberation_limit >= before.liberation_limit - 1e-12
    assert after.technical_wall <= after.liberation_limit + 1e-12


def test_sharp_sorter_wall_tends_to_the_liberation_limit(lib):
    kw = dict(mass="mass_kg", price_tiers=TIERS, cost_per_tonne=30.0, max_stages=1, n_cuts=8)
    walls = [sep.cost_effect(lib, sorter_ep=ep, **kw).technical_wall
             for ep in (0.2, 0.1, 0.05, 0.01, 0.001)]
    lim = sep.cost_effect(lib, **kw).liberation_limit
    assert all(b > a for a, b in zip(walls, walls[1:], strict=False))
    assert lim - walls[-1] < 1e-3 < lim - walls[0]


def test_bad_input_names_the_argument(lib, lesson):
    cases = {
        "price_tiers": [dict(price_tiers=[(0.6, -4000.0)]),                    # negative price
                        dict(price_tiers=[(0.9, 6000.0), (0.6, 4000.0)]),      # out of order
                        dict(price_tiers=[(0.6, 6000.0), (0.9, 4000.0)]),      # purer pays less
                        dict(price_tiers=[(60.0, 4000.0)])],                   # percent
        "cost_per_tonne": [dict(cost_per_tonne=-1.0), dict(cost_per_tonne=float("nan"))],
        "cost_per_stage": [dict(cost_per_stage=-5.0)],
        "penalty": [dict(penalty=-200.0)],
        "sorter_ep": [dict(sorter_ep=0.0)],
        "min_recovery": [dict(min_recovery=1.0)],
    }
    for name, variants in cases.items():
        for kw in variants:
            with pytest.raises(ResourcekitError, match=name):
                sep.cost_effect(lib, **{**LESSON, **kw})
    # a purity above what liberation allows, and one between the wall and that limit
    with pytest.raises(DataError, match="purity.*liberation"):
        lesson.design_at(0.99)
    with pytest.raises(DataError, match="purity.*technical wall"):
        lesson.design_at((lesson.technical_wall + lesson.liberation_limit) / 2)
    with pytest.raises(ResourcekitError, match="purity"):
        lesson.design_at(95)


def test_chart_marks_the_four_purities_and_the_table_reads_the_designs(lesson):
    spec = lesson.chart().to_dict()
    assert "vconcat" in spec
    marks = [d for d in spec["datasets"].values() if d and "mark" in d[0]]
    assert {m["mark"] for m in marks[0]} == {"technical wall", "rational limit", "C/E = 1",
                                             "liberation limit"}
    t = lesson.table
    # each row: the most profitable coarse design at least as pure as its target
    for target, row in t.iloc[::7].iterrows():
        pure = lesson.designs[lesson.designs["purity"] >= target]
        assert row["purity"] >= target
        assert row["profit"] == pytest.approx(pure["profit"].max(), rel=1e-12)
    assert (t["recovery"] <= t["liberation_recovery"] + 1e-9).all()
