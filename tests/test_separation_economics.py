"""The counter-current cascade, optimum_stages, recycling grades (cost_effect: its own files)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from resourcekit import separation as sep
from resourcekit.errors import DataError

# ------------------------------------------------------------------ counter-current cascade


def test_cascade_matches_gamblers_ruin_by_simulation():
    """Feller (1968) ch. XIV: ruin probability and expected duration. Checked against a direct
    Markov-chain solution (absorbing chain, fundamental matrix N = (I - Q)^-1)."""
    for p in (0.3, 0.5, 0.62, 0.9):
        for n in (1, 2, 5, 9):
            q_mat = np.zeros((n, n))
            for i in range(n):
                if i + 1 < n:
                    q_mat[i, i + 1] = p
                if i - 1 >= 0:
                    q_mat[i, i - 1] = 1 - p
            fund = np.linalg.inv(np.eye(n) - q_mat)
            to_conc = np.zeros(n)
            to_conc[-1] = p
            rec_exact = (fund @ to_conc)[0]
            passes_exact = fund[0].sum()
            rec, passes = sep.countercurrent_cascade(p, n)
            np.testing.assert_allclose(rec, rec_exact, rtol=1e-10)
            np.testing.assert_allclose(passes, passes_exact, rtol=1e-10)


def test_cascade_sharpens_towards_a_perfect_cut():
    rec_good, _ = sep.countercurrent_cascade(0.8, 60)
    rec_bad, _ = sep.countercurrent_cascade(0.2, 60)
    np.testing.assert_allclose(rec_good, 1 - 0.2 / 0.8, rtol=1e-12)  # limit 1 - q/p
    assert rec_bad < 1e-30


def test_cascade_rejects_non_sorting_split():
    with pytest.raises(DataError, match="strictly between 0 and 1"):
        sep.countercurrent_cascade(1.0, 3)
    with pytest.raises(DataError, match="n_stages"):
        sep.countercurrent_cascade(0.5, 0)


# --------------------------------------------------------------- optimum_stages (issue 19)
# cost_effect's wall, limit and C/E = 1: tests/test_separation_cost_effect_*.py


def _stages_by_hand(f, rt, ro, *, thr, price, c, c0=0.0, pen=0.0, n_max=10):
    """Brute force over n: saleable value - penalty on the impurity - stage costs."""
    profits = []
    for n in range(n_max + 1):
        metal, other = f * rt**n, (1 - f) * ro**n
        value = price * metal - pen * other if metal / (metal + other) >= thr else 0.0
        cost = sum(c * (f * rt**k + (1 - f) * ro**k) + c0 for k in range(n))
        profits.append(value - cost)
    return int(np.argmax(profits)), profits


def test_optimum_stages_a_dearer_stage_lowers_the_count():
    """Issue 19: cost must decide. A Ta-like product saleable from 30 %, with a smelter
    penalty on its gangue: 6 stages pay at 2 per tonne treated, 5 at 15, none at 30."""
    kw = dict(threshold=0.3, price=1000.0, penalty=1500.0)
    counts = [sep.optimum_stages(0.05, 0.95, 0.3, cost_per_tonne=c, **kw).optimum
              for c in (2.0, 15.0, 30.0)]
    assert counts == [_stages_by_hand(0.05, 0.95, 0.3, thr=0.3, price=1000.0, c=c,
                                      pen=1500.0)[0] for c in (2.0, 15.0, 30.0)]
    assert counts[0] > counts[1] > counts[2]
    # a fixed cost per stage does the same
    fixed = sep.optimum_stages(0.05, 0.95, 0.3, cost_per_tonne=2.0, fixed_cost=0.5, **kw)
    assert fixed.optimum < counts[0]
    # and a lower price for the metal lets more stages pay (each stage loses less value)
    cheap_metal = sep.optimum_stages(0.05, 0.95, 0.3, cost_per_tonne=2.0, threshold=0.3,
                                     price=300.0, penalty=1500.0)
    assert cheap_metal.optimum >= counts[0]


@settings(max_examples=40, deadline=None)
@given(f=st.floats(0.02, 0.3), rt=st.floats(0.8, 0.99), ro=st.floats(0.1, 0.6),
       thr=st.floats(0.2, 0.95), price=st.floats(100.0, 5000.0),
       pen=st.floats(0.0, 5000.0), c1=st.floats(0.0, 50.0), dc=st.floats(0.01, 50.0))
def test_optimum_stages_is_the_brute_force_argmax_and_falls_with_cost(f, rt, ro, thr, price,
                                                                       pen, c1, dc):
    kw = dict(threshold=thr, price=price, penalty=pen)
    lo = sep.optimum_stages(f, rt, ro, cost_per_tonne=c1, **kw)
    hi = sep.optimum_stages(f, rt, ro, cost_per_tonne=c1 + dc, **kw)
    n_lo, profits = _stages_by_hand(f, rt, ro, thr=thr, price=price, c=c1, pen=pen)
    np.testing.assert_allclose(lo.table["profit"], profits, rtol=1e-10, atol=1e-10)
    assert lo.table["profit"][lo.optimum] == pytest.approx(max(profits), rel=1e-12, abs=1e-12)
    # the treated tonnage grows with n, so a dearer tonne never adds stages (Topkis)
    assert hi.optimum <= lo.optimum or np.isclose(
        hi.table["profit"][lo.optimum], hi.table["profit"].max(), rtol=1e-12, atol=1e-12)


def test_optimum_stages_bad_costs():
    kw = dict(threshold=0.3, price=1000.0, cost_per_tonne=2.0)
    for name in ("penalty", "fixed_cost", "cost_per_tonne"):
        with pytest.raises(DataError, match=name):
            sep.optimum_stages(0.05, 0.95, 0.3, **{**kw, name: -1.0})


# ------------------------------------------------------------------------ recycling grades


def test_recycling_grades_ordered_and_complete():
    g = sep.recycling_grades()
    assert list(g["grade"].cat.categories) == ["UG", "1G", "2G", "3G", "4G"]
    assert g["grade"].cat.ordered
    assert g["grade"].is_monotonic_increasing  # UG first, 4G last
    # every example of the corrected transcription (shared notes, separation.md)
    counts = g["grade"].value_counts().to_dict()
    assert counts == {"UG": 4, "1G": 4, "2G": 5, "3G": 4, "4G": 1}
    products = set(g["product"])
    for p in ("container trays", "round bars and H-beams",
              "wrought-copper (copper rolling) raw material", "rare-metal smelting feed",
              "toilet paper", "road-bed material"):
        assert p in products
    for wrong in ("pallets", "rebar", "copper alloy raw material"):
        assert wrong not in products
    circ = g.groupby("grade", observed=True)["circulation"].unique()
    assert all(list(circ[k]) == ["resource circulation"] for k in ("UG", "1G"))
    assert all(list(circ[k]) == ["absorption into society"] for k in ("2G", "3G", "4G"))


def test_grade_route_reproduces_every_brochure_example():
    answers = {  # (properties used, same kind, equivalent product, more valuable & same fn)
        "UG": dict(same_kind_of_material=True, equivalent_product=True,
                   more_valuable_than_raw_material=True, same_function=True),
        "1G": dict(same_kind_of_material=True, equivalent_product=True,
                   more_valuable_than_raw_material=False),
        "2G": dict(same_kind_of_material=True, equivalent_product=False),
        "3G": dict(same_kind_of_material=False),
        "4G": dict(same_kind_of_material=False, properties_used=False),
    }
    for grade, kw in answers.items():
        res = sep.grade_route(**kw)
        assert res.grade == grade
        assert res.circulation == sep.GRADE_DEFINITIONS[grade][2]
        assert res.reason


def test_grade_route_asks_for_what_it_needs():
    with pytest.raises(DataError, match="equivalent_product"):
        sep.grade_route(same_kind_of_material=True)
    with pytest.raises(DataError, match="True, False or None"):
        sep.grade_route(same_kind_of_material="yes")
