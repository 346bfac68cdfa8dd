"""Sorting lines (resourcekit.separation.line): exact mass closure through any line
(hypothesis), Monte Carlo over particles against the class-based result, recycles against the
circuit solver, Oki's balance table, recycling grades, and the hand-offs to cost_effect and
stocks.secondary_supply."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from resourcekit import datasets
from resourcekit.errors import DataError, FlowsheetError, LabelError
from resourcekit.separation import circuit_steady_state, cost_effect
from resourcekit.separation import separators as seps
from resourcekit.separation.line import SortingLine
from resourcekit.separation.particles import ParticlePopulation


def shredder_population(n=400, seed=0):
    rng = np.random.default_rng(seed)
    mats = np.array(["steel", "Al", "Cu", "PP", "ABS", "PVC"])
    props = {"steel": (7850, 6.99, 3999), "Al": (2700, 37.7, 2.2e-5), "Cu": (8930, 59.6, -9e-6),
             "PP": (910, 0, -8e-6), "ABS": (1055, 0, -8e-6), "PVC": (1375, 0, -8e-6)}
    pick = rng.choice(mats, size=n, p=[0.3, 0.1, 0.1, 0.2, 0.2, 0.1])
    signal = np.where(pick == "PVC", 0.2, 0.8) + 0.1 * rng.standard_normal(n)
    return ParticlePopulation.from_particles({
        "mass": rng.uniform(0.5, 2.0, n), "size": rng.uniform(2.0, 40.0, n),
        "density": [props[m][0] for m in pick], "conductivity": [props[m][1] for m in pick],
        "susceptibility": [props[m][2] for m in pick], "signal": signal, "material": pick})


def six_unit_line(**over):
    units = {
        "magnet": seps.DrumMagneticSeparator(0.15, 6.0),
        "screen": seps.SizeClassifier(5.0, 4.0),
        "ecs": seps.EddyCurrentSeparator(splitter_distance=0.55),
        "dms_metal": seps.DensitySeparator(5000.0, 200.0),
        "dms_plastic": seps.DensitySeparator(1000.0, 20.0),
        "sorter": seps.SensorBasedSorter(0.5, eject_above=False, throughput=2.0),
    }
    units.update(over)
    routes = {
        "magnet.magnetic": "Fe", "magnet.non-magnetic": "screen",
        "screen.fine": "fines", "screen.coarse": "ecs",
        "ecs.conductors": "dms_metal", "ecs.non-conductors": "dms_plastic",
        "dms_metal.sinks": "Cu", "dms_metal.floats": "Al",
        "dms_plastic.floats": "PP", "dms_plastic.sinks": "sorter",
        "sorter.eject": "PVC", "sorter.accept": "ABS",
    }
    return SortingLine(units, routes, feed_to="magnet")


def test_six_unit_line_sorts_by_property_and_closes():
    res = six_unit_line().run(shredder_population())
    rec = res.recovery()
    np.testing.assert_allclose(rec.sum(axis=0), 1.0, rtol=1e-12)
    assert res.closure() < 1e-12
    assert rec.loc["Fe", "steel"] == pytest.approx(1.0)
    # coarse Al and Cu reach their products; Cu (lower sigma/rho) is thrown less far than
    # Al, so more small Cu pieces miss the splitter and fall with the plastics
    assert rec.loc["Al", "Al"] > 0.8 and rec.loc["Cu", "Cu"] > 0.6
    assert rec.loc["Al", "Al"] > rec.loc["Cu", "Cu"]
    assert rec.loc["PP", "PP"] > 0.8 and rec.loc["PVC", "PVC"] > 0.7
    table = res.balance_table()
    assert table.loc["feed", ("", "mass")] == pytest.approx(res.feed.total_mass)
    assert table.loc["Cu", ("Cu", "recovery")] == pytest.approx(rec.loc["Cu", "Cu"])
    np.testing.assert_allclose(table[("", "mass_yield")].iloc[:-1].sum(), 1.0)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.floats(0.01, 10), st.floats(0.5, 60), st.floats(500, 12000),
                          st.floats(0, 60), st.floats(0, 1)), min_size=1, max_size=12),
       st.floats(800, 9000), st.floats(0, 300), st.floats(1, 30), st.booleans())
def test_mass_closes_exactly_through_any_line(rows, cut, ep, size_cut, recycle):
    mass, size, rho, sigma, signal = map(list, zip(*rows, strict=True))
    pop = ParticlePopulation.from_particles({
        "mass": mass, "size": size, "density": rho, "conductivity": sigma, "signal": signal,
        "material": [f"m{i % 3}" for i in range(len(rows))]})
    # the recycle (fines back to the density separator) always has an exit: the by-pass
    # sends at least 10 % of every size to the coarse product on each pass
    units = {"a": seps.DensitySeparator(cut, ep),
             "b": seps.SizeClassifier(size_cut, 3.0, bypass=0.1),
             "c": seps.SensorBasedSorter(0.5, throughput=3.0)}
    routes = {"a.sinks": "b", "a.floats": "c", "b.coarse": "P1",
              "b.fine": "a" if recycle else "P2", "c.eject": "P3", "c.accept": "P4"}
    line = SortingLine(units, routes, feed_to="a")
    assert line.has_recycle is recycle
    res = line.run(pop)
    np.testing.assert_allclose(res.fractions.sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(res.masses().sum(), pop.mass_by_component(), rtol=1e-12)


def test_a_loop_without_exit_is_refused():
    pop = ParticlePopulation.from_particles({"mass": [1.0], "size": [10.0],
                                             "density": [2000.0], "material": ["x"]})
    units = {"a": seps.DensitySeparator(1000.0), "b": seps.DensitySeparator(1500.0)}
    line = SortingLine(units, {"a.sinks": "b", "a.floats": "P", "b.sinks": "a",
                               "b.floats": "Q"}, feed_to="a")
    with pytest.raises(FlowsheetError, match="exit"):
        line.run(pop)


def test_recycle_matches_the_circuit_solver():
    # classes of one density each: a per-class split is a split factor of circuit_steady_state
    pop = ParticlePopulation.from_particles({
        "mass": [5.0, 95.0], "size": [10.0, 10.0], "density": [3000.0, 1500.0],
        "material": ["A", "B"]})
    rough, clean = seps.DensitySeparator(2000.0, 600.0), seps.DensitySeparator(2400.0, 500.0)
    line = SortingLine({"rougher": rough, "cleaner": clean},
                       {"rougher.sinks": "cleaner", "rougher.floats": "tail",
                        "cleaner.sinks": "conc", "cleaner.floats": "rougher"},
                       feed_to="rougher")
    res = line.run(pop)
    split = {u: dict(zip(["A", "B"], s.partition(pop), strict=True))
             for u, s in (("rougher", rough), ("cleaner", clean))}
    circ = circuit_steady_state(
        {"rougher": {"split": split["rougher"], "concentrate": "cleaner", "tailing": "tail"},
         "cleaner": {"split": split["cleaner"], "concentrate": "conc", "tailing": "rougher"}},
        {"A": 5.0, "B": 95.0}, "rougher")
    np.testing.assert_allclose(res.masses().loc[["conc", "tail"]].to_numpy(),
                               circ.products.loc[["conc", "tail"]].to_numpy(), rtol=1e-10)


def test_monte_carlo_over_particles_agrees_with_classes():
    table = datasets.load("sep_ewaste_liberation_classes").set_index("class")
    classes = ParticlePopulation.from_liberation_table(table, target="Cu",
                                                       other="PCB_substrate", size=3.0)
    line = SortingLine({"dms": seps.DensitySeparator(3000.0, 400.0)},
                       {"dms.sinks": "metal", "dms.floats": "board"}, feed_to="dms")
    exact = line.run(classes).recovery()
    sampled = line.run(classes.sample(60_000, seed=3)).recovery()
    # binomial sd of a recovery near 0.8 from ~12,000 Cu-bearing draws is about 0.004
    np.testing.assert_allclose(sampled.to_numpy(), exact.to_numpy(), atol=0.02)


def test_bad_lines_name_the_stream():
    units = {"a": seps.DensitySeparator(1000.0)}
    with pytest.raises(FlowsheetError, match="a.floats.*nowhere"):
        SortingLine(units, {"a.sinks": "P"}, feed_to="a")
    with pytest.raises(FlowsheetError, match="a.middlings"):
        SortingLine(units, {"a.sinks": "P", "a.floats": "Q", "a.middlings": "R"}, feed_to="a")
    with pytest.raises(FlowsheetError, match="receive no stream"):
        SortingLine(units, {"a.sinks": "P", "a.floats": "Q"}, feed_to="a",
                    products=["P", "Q", "R"])
    with pytest.raises(FlowsheetError, match="feed_to"):
        SortingLine(units, {"a.sinks": "P", "a.floats": "Q"}, feed_to="b")
    two = {"a": seps.DensitySeparator(1000.0), "b": seps.DensitySeparator(2000.0)}
    with pytest.raises(FlowsheetError, match="receive nothing"):
        SortingLine(two, {"a.sinks": "P", "a.floats": "Q", "b.sinks": "P", "b.floats": "Q"},
                    feed_to="a")
    with pytest.raises(FlowsheetError, match="not a separator"):
        SortingLine({"a": "magnet"}, {}, feed_to="a")


def test_flowsheet_is_the_massbalance_graph():
    fs = six_unit_line().flowsheet
    assert set(fs.nodes) == {"magnet", "screen", "ecs", "dms_metal", "dms_plastic", "sorter"}
    assert fs.feeds == ("feed",)
    assert len(fs.products) == 7 and fs.recycles == ()


def test_recycling_grades_per_route():
    res = six_unit_line().run(shredder_population())
    routes = {"Fe": "1G", "Cu": {"same_kind_of_material": True, "equivalent_product": True,
                                 "more_valuable_than_raw_material": True,
                                 "same_function": True},
              "Al": "2G", "PP": "2G", "PVC": "3G", "ABS": "2G", "fines": None}
    g = res.recycling_grades(routes)
    np.testing.assert_allclose(g.sum(axis=1), 1.0)
    rec = res.recovery()
    assert g.loc["Cu", "UG"] == pytest.approx(rec.loc["Cu", "Cu"])
    assert g.loc["steel", "1G"] == pytest.approx(rec.loc["Fe", "steel"])
    assert g.loc["Cu", "not recycled"] == pytest.approx(rec.loc["fines", "Cu"])
    assert g.attrs["circulation"]["Cu"] == pytest.approx(rec.loc["Cu", "Cu"])
    with pytest.raises(DataError, match="5G"):
        res.recycling_grades({"Fe": "5G"})
    with pytest.raises(LabelError, match="gold"):
        res.recycling_grades({"gold": "1G"})


def test_results_feed_secondary_supply_and_cost_effect():
    from resourcekit.stocks import secondary_supply

    res = six_unit_line().run(shredder_population())
    r_cu = res.recovery_to("Cu")
    out = pd.Series([1000.0], index=[2030])
    sup = secondary_supply(out, {"Cu": 2.0}, collection_rate=0.5, recovery=r_cu)
    # t/a: 1000 pieces x 2 kg x 0.5 x recovery / 1000
    assert sup.recovered["Cu"].iloc[0] == pytest.approx(1.0 * r_cu["Cu"])
    classes = res.product_classes("Cu", "Cu")
    assert classes["mass"].sum() == pytest.approx(res.masses().loc["Cu"].sum())
    assert classes["grade"].tolist() == [0.0, 1.0]  # liberated particles: two classes
    ce = cost_effect(classes.assign(grade=classes["grade"] * 0.98 + 0.01),
                     price_tiers=[(0.9, 1.0), (0.95, 2.0)], cost_per_tonne=1.0,
                     max_stages=3, n_cuts=10, n_targets=5)
    assert len(ce.table) > 0
    two = res.separation_result("Cu", "Cu")
    assert two.recovery == pytest.approx(res.recovery().loc["Cu", "Cu"])


def test_monte_carlo_band_brackets_the_nominal_line():
    pop = shredder_population(200)
    line = six_unit_line()
    band = line.monte_carlo(pop, {"dms_metal.cut_density": 300.0,
                                  "ecs.splitter_distance": 0.02}, n_draws=30, seed=1)
    nominal = line.run(pop).recovery()
    lo = band.band.loc[("Cu", "Cu"), ("recovery", 0.05)]
    hi = band.band.loc[("Cu", "Cu"), ("recovery", 0.95)]
    assert lo <= nominal.loc["Cu", "Cu"] + 1e-12 and hi >= nominal.loc["Cu", "Cu"] - 1e-12
    assert hi > lo  # the cut-density scatter moves Cu between products
    with pytest.raises(LabelError, match="dms.cut"):
        line.monte_carlo(pop, {"dms.cut": 1.0}, n_draws=2)


def test_sankey_and_stream_masses():
    res = six_unit_line().run(shredder_population(100))
    fig = res.sankey()
    assert fig.data[0].node.label[0] == "feed"
    sm = res.stream_masses()
    assert sm["magnet.magnetic"] + sm["magnet.non-magnetic"] == pytest.approx(
        res.feed.total_mass)


def test_sorter_purity_falls_with_throughput_in_a_line():
    pop = shredder_population()
    purity = []
    for q in (0.5, 20.0, 80.0):
        line = six_unit_line(sorter=seps.SensorBasedSorter(0.5, eject_above=False,
                                                           throughput=q))
        purity.append(line.run(pop).grade().loc["PVC", "PVC"])
    assert purity[0] > purity[1] > purity[2]


def test_oki_example_through_a_line():
    # Oki (TRANSortics col. 18): 100 t of feed at 5 % A gives 2 t of concentrate at 50 % A:
    # enrichment 10, recovery 0.2, separation efficiency 0.189 (printed to 3 digits).
    # Two classes and an ideal density cut reproduce it through the line's balance table.
    pop = ParticlePopulation.from_particles(
        {"mass": [2.0, 98.0], "size": [10.0, 10.0], "density": [4000.0, 2000.0],
         "material": ["rich", "poor"]},
        composition=pd.DataFrame({"A": [0.5, 4.0 / 98.0], "rest": [0.5, 94.0 / 98.0]}))
    line = SortingLine({"dms": seps.DensitySeparator(3000.0)},
                       {"dms.sinks": "concentrate", "dms.floats": "tailing"}, feed_to="dms")
    res = line.run(pop)
    table = res.balance_table()
    assert table.loc["concentrate", ("", "mass_yield")] == pytest.approx(0.02)
    assert table.loc["concentrate", ("A", "grade")] == pytest.approx(0.5)
    assert table.loc["concentrate", ("A", "recovery")] == pytest.approx(0.2)
    r = res.separation_result("A", "concentrate")
    assert r.enrichment_ratio == pytest.approx(10.0)
    assert round(r.separation_efficiency, 3) == 0.189


def test_dataset_small_appliance_particles_runs_through_the_line():
    from resourcekit.separation.particles import small_appliance_population

    df = datasets.load("sep_small_appliance_particles")
    pop = small_appliance_population()
    assert pop.total_mass == pytest.approx(df["mass_g"].sum() / 1000)
    # copper: free Cu particles plus the locked copper of board particles
    cu = df["mass_g"] / 1000 * df["cu_grade"]
    assert pop.mass_by_component()["Cu"] == pytest.approx(cu.sum())
    res = six_unit_line().run(pop)
    assert res.closure() < 1e-12
    rec = res.recovery()
    # steel (chi 3999) is held by the drum; stainless (annealed, chi 0.003) is not
    assert rec.loc["Fe", "steel"] == pytest.approx(1.0)
    assert rec.loc["Fe", "stainless_304"] == 0.0
