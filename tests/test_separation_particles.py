"""Particle populations (resourcekit.separation.particles) and liberation/comminution
(resourcekit.separation.liberation): constructors, units, bad input, closed forms and the
Monte Carlo of the random-mosaic liberation model."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from resourcekit import datasets
from resourcekit.errors import DataError, LabelError, ResourcekitError, UnitError
from resourcekit.separation import liberation as lib
from resourcekit.separation.particles import (
    ParticlePopulation,
    material_properties,
    mix_properties,
)
from resourcekit.units import Quantity


def two_particles(**over):
    data = {"mass": [1.0, 3.0], "size": [10.0, 12.0], "density": [2700.0, 1375.0],
            "conductivity": [37.7, 0.0], "susceptibility": [2.2e-5, -8e-6],
            "material": ["Al", "PVC"]}
    data.update(over)
    return data


# ------------------------------------------------------------------------------ population
def test_units_are_converted_to_the_held_units():
    pop = ParticlePopulation.from_particles(two_particles(
        mass=Quantity([1000.0, 3000.0], "g"), size=Quantity([1.0, 1.2], "cm"),
        density=Quantity([2.7, 1.375], "g/cm**3"),
        conductivity=Quantity([3.77e7, 0.0], "S/m")))
    t = pop.table
    np.testing.assert_allclose(t["mass"], [1.0, 3.0])
    np.testing.assert_allclose(t["size"], [10.0, 12.0])
    np.testing.assert_allclose(t["density"], [2700.0, 1375.0])
    np.testing.assert_allclose(t["conductivity"], [37.7, 0.0])


def test_units_argument_reads_plain_numbers():
    pop = ParticlePopulation.from_particles(two_particles(density=[2.7, 1.375]),
                                            units={"density": "g/cm**3"})
    np.testing.assert_allclose(pop.column("density"), [2700.0, 1375.0])


def test_grade_and_mass_by_component():
    pop = ParticlePopulation.from_particles(two_particles())
    assert pop.total_mass == 4.0
    assert pop.grade().to_dict() == {"Al": 0.25, "PVC": 0.75}
    np.testing.assert_allclose(pop.column("conductivity_density"), [37.7 / 2700, 0.0])


@pytest.mark.parametrize("column,value,match", [
    ("conductivity", [-1.0, 0.0], "conductivity"),
    ("density", [-2700.0, 1375.0], "density"),
    ("mass", [1.0, -3.0], "mass"),
    ("size", [float("nan"), 1.0], "size"),
])
def test_bad_values_name_the_column(column, value, match):
    with pytest.raises(ResourcekitError, match=match):
        ParticlePopulation.from_particles(two_particles(**{column: value}))


def test_zero_density_is_refused():
    with pytest.raises(DataError, match="density"):
        ParticlePopulation.from_particles(two_particles(density=[0.0, 1375.0]))


def test_susceptibility_with_a_unit_is_refused_with_the_fix():
    # a mass susceptibility (m3/kg) is not the dimensionless volume susceptibility
    with pytest.raises(UnitError, match="susceptibility.*volume"):
        ParticlePopulation.from_particles(two_particles(
            susceptibility=Quantity([8.2e-9, 1e-9], "m**3/kg")))


def test_density_in_a_length_unit_is_refused():
    with pytest.raises(UnitError, match="density"):
        ParticlePopulation.from_particles(two_particles(density=Quantity([1.0, 2.0], "m")))


def test_missing_column_and_unknown_unit_key():
    data = two_particles()
    del data["density"]
    with pytest.raises(LabelError, match="density"):
        ParticlePopulation.from_particles(data)
    with pytest.raises(LabelError, match="colour"):
        ParticlePopulation.from_particles(two_particles(), units={"colour": "m"})


def test_scaled_and_sample_keep_the_balance():
    pop = ParticlePopulation.from_particles(two_particles())
    half = pop.scaled([0.5, 0.25])
    assert half.mass_by_component().to_dict() == {"Al": 0.5, "PVC": 0.75}
    with pytest.raises(DataError, match="fraction"):
        pop.scaled([1.5, 0.0])
    # Monte Carlo sample: each draw carries total/n, the composition converges
    s = pop.sample(50_000, seed=5)
    assert s.total_mass == pytest.approx(4.0)
    assert s.grade()["Al"] == pytest.approx(0.25, abs=0.01)  # 4 sd of a binomial mean


def test_material_properties_are_the_published_values():
    p = material_properties()
    # simetric/Wikipedia values copied on the card; rows checked against the notes
    assert p.loc["Cu", "conductivity"] == 59.6
    assert p.loc["Al", "density"] == 2700.0
    assert p.loc["PVC", "density"] == 1375.0
    assert p.loc["magnetite", "susceptibility"] == pytest.approx(4.53e-4 * 5175, rel=2e-3)
    assert "assumption" in p.loc["PP", "susceptibility_source"]


def test_mix_properties_density_is_the_harmonic_mean():
    comp = pd.DataFrame({"Cu": [0.3], "PCB_substrate": [0.7]})
    got = mix_properties(comp)
    # volumes add: 1/rho = w1/rho1 + w2/rho2 (closed form)
    assert got["density"].iloc[0] == pytest.approx(1 / (0.3 / 8930 + 0.7 / 1750))
    v_cu = (0.3 / 8930) / (0.3 / 8930 + 0.7 / 1750)
    assert got["conductivity"].iloc[0] == pytest.approx(v_cu * 59.6)
    with pytest.raises(DataError, match="sums to"):
        mix_properties(pd.DataFrame({"Cu": [0.3], "PCB_substrate": [0.5]}))
    with pytest.raises(LabelError, match="unobtainium"):
        mix_properties(pd.DataFrame({"unobtainium": [1.0]}))


def test_from_liberation_table_keeps_mass_and_metal():
    table = datasets.load("sep_ewaste_liberation_classes").set_index("class")
    pop = ParticlePopulation.from_liberation_table(table, target="Cu", other="PCB_substrate",
                                                   size=2.0)
    assert pop.total_mass == pytest.approx(table["mass_kg"].sum())
    assert pop.mass_by_component()["Cu"] == pytest.approx(
        (table["mass_kg"] * table["grade"]).sum())
    assert pop.column("density")[0] == pytest.approx(1750.0)  # free gangue: pure substrate
    assert pop.column("density")[-1] == pytest.approx(8930.0)  # free Cu


def test_from_rosin_rammler_follows_the_distribution():
    pop = ParticlePopulation.from_rosin_rammler({"Al": 0.2, "PP": 0.8}, x63=10.0, spread=1.5,
                                                n_particles=40_000, seed=11)
    size = pop.column("size")
    # mass fraction passing x63 is 1 - 1/e (Rosin-Rammler); each parcel has equal mass
    assert np.mean(size <= 10.0) == pytest.approx(1 - np.exp(-1), abs=0.01)
    assert pop.grade()["Al"] == pytest.approx(0.2, abs=0.01)
    with pytest.raises(DataError, match="composition"):
        ParticlePopulation.from_rosin_rammler({"Al": 0.5}, x63=10, spread=1, n_particles=10)


# ------------------------------------------------------------------------------ liberation
def test_rosin_rammler_closed_forms():
    assert lib.rosin_rammler_passing(7.0, 7.0, 0.8) == pytest.approx(1 - np.exp(-1))
    # x50 = x63 (ln 2)^(1/n), and the inverse round-trips
    assert lib.rosin_rammler_size(0.5, 10.0, 2.0) == pytest.approx(10 * np.log(2) ** 0.5)
    p = np.array([0.1, 0.5, 0.9])
    np.testing.assert_allclose(
        lib.rosin_rammler_passing(lib.rosin_rammler_size(p, 4.0, 1.3), 4.0, 1.3), p)
    with pytest.raises(DataError, match="x63"):
        lib.rosin_rammler_passing(1.0, -1.0, 1.0)


def test_gaudin_schuhmann_and_bond():
    np.testing.assert_allclose(lib.gaudin_schuhmann_passing([0.25, 1.0], 1.0, 0.5), [0.5, 1])
    # Bond (1952): 10 Wi (1/sqrt(P80) - 1/sqrt(F80)); 100 um and 10,000 um at 10 kWh/t:
    # 10 x 10 x (0.1 - 0.01) = 9 kWh/t exactly
    assert lib.bond_energy(10.0, 10_000.0, 100.0) == pytest.approx(9.0)
    with pytest.raises(DataError, match="product_p80"):
        lib.bond_energy(10.0, 100.0, 1000.0)


@pytest.mark.parametrize("ratio,v", [(0.5, 0.2), (1.0, 0.5), (1.6, 0.7)])
def test_random_liberation_monte_carlo_agrees_with_closed_form(ratio, v):
    grades = lib.random_liberation_grades(30_000, ratio, v, seed=7)
    free = np.mean(grades >= 1 - 1e-12) / v
    expected = lib.random_liberation(ratio, v)
    # binomial sd of the free fraction / v; 4 sd
    sd = np.sqrt(expected * v * (1 - expected * v) / 30_000) / v
    assert abs(free - expected) < 4 * sd + 1e-4
    assert np.mean(grades) == pytest.approx(v, abs=0.01)


def test_random_liberation_limits():
    # particles far finer than grains are free; r = 1 always spans 8 grains
    assert lib.random_liberation(1e-6, 0.3) == pytest.approx(1.0, abs=1e-5)
    assert lib.random_liberation(1.0, 0.5) == pytest.approx(0.5**8 / 0.5)
    assert lib.random_liberation(1.0, 1.0) == pytest.approx(1.0)
    assert lib.random_liberation(4.0, 0.9) == pytest.approx(0.9**125 / 0.9)  # 5 per axis
    with pytest.raises(DataError, match="volume_fraction"):
        lib.random_liberation(1.0, 0.0)


def test_liberation_spectrum_and_limit():
    grades = lib.random_liberation_grades(5000, 0.8, 0.3, seed=2)
    spec = lib.liberation_spectrum(grades)
    assert spec["mass"].sum() == pytest.approx(5000)
    assert spec.loc["free A", "mass"] == pytest.approx(np.sum(grades >= 1 - 1e-12))
    # the limit from the spectrum equals the limit from the particles themselves
    parts = pd.DataFrame({"mass": np.ones_like(grades), "grade": grades})
    r_parts = lib.liberation_limit(parts, 0.9)
    assert 0 < r_parts < 1
    # free classes only: every A is recoverable at any grade; a 50 % class never reaches 60 %
    free = pd.DataFrame({"mass": [1.0, 4.0], "grade": [1.0, 0.0]})
    assert lib.liberation_limit(free, 0.8) == pytest.approx(1.0)
    locked = pd.DataFrame({"mass": [1.0], "grade": [0.5]})
    assert lib.liberation_limit(locked, 0.6) == 0.0


def test_liberation_limit_is_a_recovery_never_above_one():
    # below the feed grade every class is taken; the sum of class A once came to 1 + 2e-16
    table = datasets.load("sep_ewaste_liberation_classes")
    for target in (0.0, 0.05, 0.3):
        assert 0.0 <= lib.liberation_limit(table, target, mass="mass_kg", grade="grade") <= 1.0


def test_liberation_limit_is_the_ideal_curve():
    # at the grade where the ideal curve reaches a class corner, both give the same recovery
    from resourcekit.separation import ideal_separation_curve

    table = datasets.load("sep_ewaste_liberation_classes")
    curve = ideal_separation_curve(table, mass="mass_kg", grade="grade")
    for _, row in curve.iloc[2:6].iterrows():
        got = lib.liberation_limit(table, row["grade"], mass="mass_kg")
        assert got == pytest.approx(row["recovery"], rel=1e-9)
