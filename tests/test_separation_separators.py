"""Separator models (resourcekit.separation.separators): each against a published value or a
closed form, Monte Carlo against class-based results, and bad input."""

from __future__ import annotations

import numpy as np
import pytest
from resourcekit.errors import DataError, LabelError, ResourcekitError, UnitError
from resourcekit.separation import TwoProductResult, lynch_rao_partition
from resourcekit.separation import separators as seps
from resourcekit.separation.particles import ParticlePopulation
from resourcekit.units import Quantity


def population(**over):
    data = {"mass": [1.0, 2.0, 3.0, 4.0], "size": [5.0, 10.0, 20.0, 40.0],
            "density": [910.0, 1375.0, 2700.0, 8930.0],
            "conductivity": [0.0, 0.0, 37.7, 59.6],
            "susceptibility": [-8e-6, -8e-6, 2.2e-5, -9.2e-6],
            "signal": [0.9, 0.2, 0.5, 0.5], "material": ["PP", "PVC", "Al", "Cu"]}
    data.update(over)
    return ParticlePopulation.from_particles(data)


# ------------------------------------------------------------------------------ density
def test_density_partition_reproduces_the_ep_definition():
    # Napier-Munn (1991) logistic: P(rho50 +- Ep) = 0.75 / 0.25 exactly, 0.5 at rho50
    p = seps.density_partition(np.array([1550.0, 1600.0, 1650.0]), 1600.0, 50.0)
    np.testing.assert_allclose(p, [0.25, 0.5, 0.75], rtol=1e-12)


def test_ideal_density_cut_is_a_step_and_closes_the_balance():
    pop = population()
    res = seps.DensitySeparator(Quantity(1.0, "g/cm**3"), 0.0).separate(pop)
    # closed form: everything denser than water sinks
    np.testing.assert_array_equal(res.partition, [0.0, 1.0, 1.0, 1.0])
    m = res.masses()
    np.testing.assert_allclose(m.loc["sinks"] + m.loc["floats"], m.loc["feed"], rtol=1e-15)
    r = res.result("PP", "floats")
    assert isinstance(r, TwoProductResult)
    assert r.recovery == pytest.approx(1.0) and r.mass_yield == pytest.approx(0.1)


def test_density_separator_refuses_a_unitless_relative_density_and_negative_ep():
    with pytest.raises(DataError, match="cut_density.*g/cm"):
        seps.DensitySeparator(1.6, 0.05)
    with pytest.raises(DataError, match="ep"):
        seps.DensitySeparator(1600.0, -5.0)
    with pytest.raises(UnitError, match="cut_density"):
        seps.DensitySeparator(Quantity(1.6, "m"), 0.0)


# ------------------------------------------------------------------------------ size
def test_whiten_without_fish_hook_is_lynch_rao():
    pop = population()
    got = seps.SizeClassifier(10.0, 3.0).partition(pop)
    np.testing.assert_allclose(got, lynch_rao_partition(pop.column("size"), 10.0, 3.0))
    # hand value: x' = 0.5, alpha = 3: (e^1.5 - 1)/(e^1.5 + e^3 - 2)
    assert got[0] == pytest.approx(np.expm1(1.5) / (np.exp(1.5) + np.exp(3) - 2))


def test_size_classifier_bypass_and_fish_hook():
    pop = population()
    p = seps.SizeClassifier(10.0, 3.0, bypass=0.2).partition(pop)
    assert p[1] == pytest.approx(0.2 + 0.8 * 0.5)  # R_f + (1 - R_f)/2 at the cut
    hook = seps.SizeClassifier(10.0, 3.0, beta=1.0).partition(pop)
    assert hook[1] == pytest.approx(0.5, abs=1e-9)
    with pytest.raises(DataError, match="alpha"):
        seps.SizeClassifier(10.0, -1.0)


# ------------------------------------------------------------------------------ magnetic
def test_effective_susceptibility_is_britannica_eq_38_in_si():
    # Britannica (1911) eq. 38, Gaussian: k/(1 + 4/3 pi k); chi_SI = 4 pi k_G
    k_gauss = np.array([1e-4, 0.1, 300.0])
    britannica = k_gauss / (1 + 4 / 3 * np.pi * k_gauss) * 4 * np.pi
    np.testing.assert_allclose(seps.effective_susceptibility(4 * np.pi * k_gauss), britannica)
    assert seps.effective_susceptibility(1e12) == pytest.approx(3.0)


def test_magnetic_force_ratio_by_hand():
    # a 2 mm magnetite sphere (chi 2.34), B = 0.1 T, grad B = 5 T/m, R = 0.6 m, 30 rpm:
    # F/V = chi_eff B gradB / mu0; competing rho (g + w^2 R)
    chi_eff = 2.34 / (1 + 2.34 / 3)
    f = chi_eff * 0.1 * 5 / (4e-7 * np.pi)
    w = 30 * 2 * np.pi / 60
    expected = f / (5175 * (9.80665 + w**2 * 0.6))
    got = seps.magnetic_force_ratio([2.0], [5175.0], [2.34], field=0.1, field_gradient=5.0,
                                    drum_radius=0.6, drum_speed=30.0)
    assert got[0] == pytest.approx(expected, rel=1e-12)
    # Stokes drag per volume 18 eta v / d^2 adds to the denominator in a wet drum
    wet = seps.magnetic_force_ratio([2.0], [5175.0], [2.34], field=0.1, field_gradient=5.0,
                                    drum_radius=0.6, drum_speed=30.0, fluid_velocity=0.1)
    assert wet[0] == pytest.approx(f / (5175 * (9.80665 + w**2 * 0.6) + 18e-3 * 0.1 / 4e-6))


def test_drum_picks_steel_not_stainless_or_aluminium():
    pop = population(susceptibility=[3999.0, 0.003, 2.2e-5, -9.2e-6],
                     density=[7850.0, 7900.0, 2700.0, 8930.0])
    drum = seps.DrumMagneticSeparator(Quantity(150, "mT"), 6.0)
    np.testing.assert_array_equal(drum.partition(pop), [1.0, 0.0, 0.0, 0.0])
    soft = seps.DrumMagneticSeparator(0.15, 6.0, spread=0.5).partition(pop)
    assert soft[0] > 0.99 and soft[1] < 0.01
    with pytest.raises(UnitError, match="field"):
        seps.DrumMagneticSeparator(Quantity(0.1, "m"), 6.0)


# ------------------------------------------------------------------------------ eddy current
def test_skin_depth_of_copper_is_the_printed_value():
    # copper at 60 Hz: "about 8.5 mm" (Wikipedia "Skin effect"; the text rounds to 0.1 mm,
    # and its conductivity differs slightly from 59.6 MS/m), hence abs 0.1 mm
    assert seps.skin_depth(59.6, 60.0) * 1e3 == pytest.approx(8.5, abs=0.1)
    # closed form sqrt(2 / (mu0 sigma omega)) by hand
    assert seps.skin_depth(59.6, 60.0) == pytest.approx(
        np.sqrt(2 / (4e-7 * np.pi * 59.6e6 * 2 * np.pi * 60)), rel=1e-12)


def test_sphere_polarizability_limits():
    # perfect diamagnet for a >> delta: -3/2 (Landau & Lifshitz s. 59)
    assert seps.sphere_polarizability(1e4).real == pytest.approx(-1.5, rel=2e-4)
    # series of cot for a << delta: Re = -(4/105) x^4, |Im| = x^2 / 5
    x = 0.2
    a = seps.sphere_polarizability(x)
    assert a.real == pytest.approx(-(4 / 105) * x**4, rel=2e-2)
    assert abs(a.imag) == pytest.approx(x**2 / 5, rel=1e-2)
    # the series branch and the closed form meet smoothly at |z| = 0.1
    lo, hi = seps.sphere_polarizability([0.0707, 0.0708])
    assert lo.real == pytest.approx(-(4 / 105) * 0.0707**4, rel=1e-3)
    assert hi.real == pytest.approx(-(4 / 105) * 0.0708**4, rel=1e-3)


def test_insulator_throw_is_ballistic_and_aluminium_goes_further_than_copper():
    ecs = seps.EddyCurrentSeparator()
    pop = population(size=[10.0] * 4)
    x = ecs.throw(pop)
    ballistic = ecs.belt_speed * np.sqrt(2 * ecs.drop_height / 9.80665)
    np.testing.assert_allclose(x[:2], ballistic)
    assert x[2] > x[3] > ballistic  # Al (high sigma/rho) beyond Cu, both beyond plastics
    np.testing.assert_array_equal(ecs.partition(pop), [0.0, 0.0, 1.0, 1.0])
    with pytest.raises(DataError, match="n_poles"):
        seps.EddyCurrentSeparator(n_poles=7)


# ------------------------------------------------------------------------------ sensor
def test_classification_with_noise_monte_carlo_agrees_with_class_based():
    rng = np.random.default_rng(4)
    signal = np.array([0.3, 0.45, 0.6])
    q = seps.classification_probability(signal, 0.5, signal_sd=0.1)
    draws = signal[None, :] + 0.1 * rng.standard_normal((40_000, 3))
    mc = np.mean(draws > 0.5, axis=0)
    np.testing.assert_allclose(mc, q, atol=4 * np.sqrt(0.25 / 40_000))


def test_coejection_poisson_field_monte_carlo():
    # Poisson points of to-be-ejected particles of unit area on a large belt; a test point is
    # co-ejected when one lies inside its blast window of `window` unit areas
    rng = np.random.default_rng(9)
    side, phi_e, window = 200.0, 0.05, 4.0
    n = rng.poisson(phi_e * side**2)
    pts = rng.random((n, 2)) * side
    probes = 20 + rng.random((3000, 2)) * (side - 40)
    radius = np.sqrt(window / np.pi)
    from scipy.spatial import cKDTree

    hit = np.array([len(v) > 0 for v in cKDTree(pts).query_ball_point(probes, radius)])
    expected = float(seps.coejection_probability(phi_e, window))
    assert np.mean(hit) == pytest.approx(expected, abs=4 * np.sqrt(0.25 / 3000))


def test_throughput_trades_against_purity():
    pop = population(size=[20.0] * 4)
    purity = []
    for q in (0.0, 5.0, 20.0, 60.0):
        s = seps.SensorBasedSorter(0.4, eject_above=False, throughput=q)
        cm = s.confusion(pop, "PVC")
        purity.append(cm.attrs["precision"])
    assert purity[0] == pytest.approx(1.0)
    assert all(a > b for a, b in zip(purity, purity[1:], strict=False))


def test_belt_occupancy_by_hand_and_confusion_rates():
    # 10 t/h on 1 m x 3 m/s: 0.926 kg/m2; 3/(2 rho d) m2/kg for 20 mm PET
    assert seps.belt_occupancy(10.0, 3.0, 1.0, [20.0], [1365.0]) == pytest.approx(
        10 / 3.6 / 3.0 * 1.5 / (1365 * 0.02))
    pop = population()
    s = seps.SensorBasedSorter(0.4, eject_above=False, throughput=0.0)
    cm = s.confusion(pop, "PVC", stage="classification")
    assert cm.attrs["true_positive_rate"] == 1.0 and cm.attrs["false_positive_rate"] == 0.0
    with pytest.raises(LabelError, match="signal"):
        s.partition(population(signal=None))
    with pytest.raises(LabelError, match="target"):
        s.confusion(pop, "Au")


def test_parameters_table_has_units_and_reference():
    t = seps.DrumMagneticSeparator(0.15, 6.0).parameters()
    assert t.loc["field", "unit"] == "tesla" and t.loc["drum_speed", "unit"] == "rpm"
    assert "IMS" in t.attrs["reference"]


def test_non_population_is_refused():
    with pytest.raises(ResourcekitError, match="population"):
        seps.DensitySeparator(1000.0).partition({"density": [1.0]})


def test_sweep_roc_does_not_move_with_throughput_but_purity_does():
    pop = population(size=[20.0] * 4)
    s = seps.SensorBasedSorter(0.4, eject_above=False)
    t = s.sweep(pop, "PVC", throughputs=[0.0, 10.0, 50.0])
    # classification (ROC axes) depends on the sensor and threshold only
    assert t["true_positive_rate"].nunique() == 1 and t["false_positive_rate"].nunique() == 1
    assert t["purity"].is_monotonic_decreasing and t["purity"].iloc[0] == 1.0
    assert t["occupancy"].iloc[0] == 0.0 and t["occupancy"].is_monotonic_increasing
    # at zero throughput and a perfect valve, sorting equals classification (by mass here)
    assert t["recovery"].iloc[0] == pytest.approx(1.0)
    ths = s.sweep(pop, "PVC", thresholds=[0.1, 0.3, 0.6, 1.0])
    assert ths["true_positive_rate"].is_monotonic_increasing


def test_eddy_current_kick_limits_by_regime():
    e = seps.EddyCurrentSeparator()
    kw = {"wavenumber": e.wavenumber, "surface_field": e.surface_field, "gap": e.gap,
          "belt_speed": e.belt_speed, "interaction_length": e.interaction_length,
          "drop_height": e.drop_height}
    x0 = e.belt_speed * np.sqrt(2 * e.drop_height / 9.80665)  # ballistic throw
    rho, sigma = np.array([2700.0, 1738.0]), np.array([37.7, 22.8])  # Al, Mg
    # a >> delta (30 mm at 100 kHz): alpha -> -3/2 for both, the kick goes as 1/rho
    hi = seps.eddy_current_throw([30.0, 30.0], rho, sigma, frequency=1e5, **kw) - x0
    assert hi[0] / hi[1] == pytest.approx(1738.0 / 2700.0, rel=0.02)
    # a << delta (1 mm at 50 Hz): Re alpha ~ (a/delta)^4 ~ sigma^2, the kick as sigma^2/rho
    lo = seps.eddy_current_throw([1.0, 1.0], rho, sigma, frequency=50.0, **kw) - x0
    assert lo[0] / lo[1] == pytest.approx((37.7**2 / 2700) / (22.8**2 / 1738), rel=0.02)
