"""Equipment selection by property contrast (resourcekit.separation.separability): the best
cut against closed forms and brute force, and the ranking of separators."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from resourcekit.errors import DataError, LabelError
from resourcekit.separation.particles import ParticlePopulation
from resourcekit.separation.separability import best_cut, separability
from scipy.stats import norm


def test_best_cut_of_two_normals_is_the_closed_form():
    # equal sd s, means d apart: the best cut is midway, E* = 2 Phi(d / 2s) - 1, and the
    # overlap coefficient is 2 Phi(-d / 2s) (the two densities cross at the midpoint)
    rng = np.random.default_rng(1)
    n, d, s = 20_000, 1.0, 1.0
    x = np.r_[rng.normal(0, s, n), rng.normal(d, s, n)]
    t = np.r_[np.zeros(n, bool), np.ones(n, bool)]
    got = best_cut(x, t)
    # KS statistic of two samples of n: sd about 0.6 sqrt(2/n) = 0.006 -> 0.02 is > 3 sd
    assert got["efficiency"] == pytest.approx(2 * norm.cdf(d / (2 * s)) - 1, abs=0.02)
    # E(c) is flat at its maximum (E* - E(c) grows as (c - d/2)^2), so a sample pins the
    # cut's location only loosely: within 0.25 s of the midpoint
    assert got["cut"] == pytest.approx(d / 2, abs=0.25)
    assert got["target_side"] == "above"
    pop = ParticlePopulation.from_particles({"mass": np.ones(2 * n), "size": np.ones(2 * n),
                                             "density": 2000 + 100 * x,
                                             "material": np.where(t, "A", "B")})
    row = separability(pop, "A", ["density"], n_bins=80).loc["density"]
    assert row["overlap"] == pytest.approx(2 * norm.cdf(-d / (2 * s)), abs=0.03)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 6), st.booleans(), st.floats(0.1, 5)),
                min_size=2, max_size=12))
def test_best_cut_equals_brute_force(rows):
    x, t, w = (np.array(v) for v in zip(*rows, strict=True))
    if t.all() or (~t).all():
        with pytest.raises(DataError):
            best_cut(x, t, w)
        return
    got = best_cut(x, t, w)
    best = 0.0
    for c in np.unique(x) + 0.5:  # every cut between integer values, and above all
        rt = w[t & (x > c)].sum() / w[t].sum()
        rr = w[~t & (x > c)].sum() / w[~t].sum()
        best = max(best, abs(rt - rr))
    assert got["efficiency"] == pytest.approx(best, abs=1e-12)
    if np.unique(x).size == 1:  # one value: no cut exists, everything stays together
        assert np.isnan(got["cut"]) and got["efficiency"] == 0.0
        return
    side = x > got["cut"] if got["target_side"] == "above" else x < got["cut"]
    assert got["target_recovery"] == pytest.approx(w[t & side].sum() / w[t].sum())
    assert got["rest_recovery"] == pytest.approx(w[~t & side].sum() / w[~t].sum())


def shredded_wire():
    # Cu and Al wire chops with PVC and PE insulation (published densities and conductivity,
    # sep_material_properties); sizes overlap on purpose
    rng = np.random.default_rng(3)
    mats = np.array(["Cu", "Al", "PVC", "HDPE"])
    rho = {"Cu": 8930, "Al": 2700, "PVC": 1375, "HDPE": 955}
    sig = {"Cu": 59.6, "Al": 37.7, "PVC": 0.0, "HDPE": 0.0}
    pick = rng.choice(mats, 400)
    return ParticlePopulation.from_particles({
        "mass": rng.uniform(0.5, 1.5, 400), "size": rng.uniform(3, 12, 400),
        "density": [rho[m] for m in pick], "conductivity": [sig[m] for m in pick],
        "signal": np.where(pick == "PVC", 0.3, 0.7) + 0.15 * rng.standard_normal(400),
        "material": pick})


def test_ranking_picks_the_property_that_separates():
    pop = shredded_wire()
    s = separability(pop, "PVC")
    # PVC against Cu, Al and PE: density separates it from PE below and metals above, so a
    # single density cut reaches only the PE share; the sensor signal does better
    assert s.index[0] == "signal"
    assert s.loc["size", "best_efficiency"] < 0.2  # sizes were drawn alike
    assert s.loc["signal", "separator"] == "SensorBasedSorter"
    metals = separability(pop, pop.table["material"].isin(["Cu", "Al"]).to_numpy())
    assert metals.index[0] in ("density", "conductivity_density")
    assert metals.loc["conductivity_density", "best_efficiency"] == pytest.approx(1.0)


def test_bad_input():
    pop = shredded_wire()
    with pytest.raises(LabelError, match="gold"):
        separability(pop, "gold")
    with pytest.raises(LabelError, match="colour"):
        separability(pop, "Cu", ["colour"])
    with pytest.raises(DataError, match="mask"):
        separability(pop, np.ones(3, bool))
    with pytest.raises(DataError, match="mass"):
        best_cut([1.0, 2.0], [True, True])


def test_property_chart_draws_both_groups_and_the_cut():
    from resourcekit.separation.separability import property_chart

    pop = shredded_wire()
    chart = property_chart(pop, "PVC", "signal")
    spec = chart.to_dict()
    data = next(iter(spec["datasets"].values()))
    assert {row["group"] for row in data} == {"target", "rest"}
    title = spec["title"]["text"] if isinstance(spec["title"], dict) else spec["title"]
    best = separability(pop, "PVC", ["signal"]).loc["signal"]
    assert f"efficiency {best['best_efficiency']:.2f}" in title
    rule = [d for d in spec["datasets"].values() if "cut" in d[0]][0]
    assert rule[0]["cut"] == pytest.approx(best["cut"])
    log_chart = property_chart(pop, "Cu", "density", log=True)
    assert log_chart.to_dict()["layer"][1]["mark"]["type"] == "rule"
