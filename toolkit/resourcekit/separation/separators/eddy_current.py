"""Eddy-current separation: a conducting particle pushed by the field of a spinning magnet rotor.

The alternating field induces eddy currents in a conductor; the induced moment opposes the
field and the particle is repelled and thrown further than non-conductors, which fall off the
belt head in a plain ballistic arc. The induced moment of a conducting sphere is the classical
result (Landau & Lifshitz); the rotor field decays away from the rotor like its fundamental
harmonic (Nagel 2018); the throw is the kinematics of the kick this force gives during the
particle's passage (ours, stated below).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from ._base import Separator, read_parameter
from .magnetic import MU0, G

__all__ = ["EddyCurrentSeparator", "skin_depth", "sphere_polarizability", "eddy_current_throw"]


def skin_depth(conductivity: Any, frequency: float) -> np.ndarray:
    r"""Electromagnetic skin depth of a conductor.

    .. math::

        \delta = \sqrt{\frac{2}{\mu_0\,\sigma\,\omega}},\qquad \omega = 2\pi f

    Parameters
    ----------
    conductivity : float or array
        Electrical conductivity sigma. [MS/m]
    frequency : float
        Frequency of the field f (> 0). [Hz]

    Returns
    -------
    numpy.ndarray
        Skin depth (inf for an insulator). [m]

    References
    ----------
    - [1] Jackson J.D. (1999) Classical Electrodynamics, 3rd ed., Wiley, eq. 5.165.

    Examples
    --------
    Copper (59.6 MS/m) at 50 Hz: about 9.2 mm.

    >>> round(float(skin_depth(59.6, 50.0)) * 1e3, 2)
    9.22
    """
    sigma = np.asarray(conductivity, float) * 1e6
    with np.errstate(divide="ignore"):
        return np.sqrt(2.0 / (MU0 * sigma * 2.0 * np.pi * frequency))


def sphere_polarizability(radius_over_skin_depth: Any) -> np.ndarray:
    r"""Magnetic polarisability per volume of a conducting sphere in an alternating field.

    .. math::

        \alpha = -\frac{3}{2}\left[1 - \frac{3}{(ka)^2} + \frac{3}{ka}\cot(ka)\right],
        \qquad k = \frac{1 + i}{\delta}

    so that the induced moment is :math:`m = \alpha V H` (SI). Limits: a perfect
    diamagnet, :math:`\alpha \to -3/2`, when :math:`a \gg \delta`; for :math:`a \ll \delta`,
    :math:`\mathrm{Re}\,\alpha \approx -\tfrac{4}{105}(a/\delta)^4` and
    :math:`|\mathrm{Im}\,\alpha| \approx \tfrac{1}{5}(a/\delta)^2` (from the series of
    :math:`\cot`).

    Parameters
    ----------
    radius_over_skin_depth : float or array
        a / delta (>= 0). [-]

    Returns
    -------
    numpy.ndarray of complex
        Polarisability per volume (real part < 0: repulsion). [-]

    References
    ----------
    - [1] Landau L.D., Lifshitz E.M. (1984) Electrodynamics of Continuous Media, 2nd ed.,
      Pergamon, section 59, problem 1 (conducting sphere in a periodic magnetic field); the
      Gaussian-unit polarisability there times 4 pi is the SI one used here.
    - [2] Kumaran V. (2026) arXiv:2604.04945: force on a conducting sphere proportional to
      :math:`\mu_0 R^3` with coefficients in :math:`\beta R = \sqrt{\mu_0\omega\sigma}\,R`.
    - [3] Ray J.D., Nagel J.R., Cohrs D., Rajamani R.K. (2018) Forces on particles in
      time-varying magnetic fields. KONA Powder Part. J. 35:251-257 (measured forces on Cu,
      brass and Al spheres agree with the sphere model in a linear gradient).
      doi:10.14356/kona.2018016

    Examples
    --------
    >>> a = sphere_polarizability([0.0, 1.0, 50.0])
    >>> a.real.round(4).tolist()
    [0.0, -0.0366, -1.455]
    """
    x = np.asarray(radius_over_skin_depth, float)
    z = (1.0 + 1.0j) * x
    small = np.abs(z) < 0.1
    zs = np.where(small, 1.0, z)  # avoid 0/0 where the series is used
    e = np.exp(2j * zs)
    cot = 1j * (e + 1.0) / (e - 1.0)
    bracket = np.where(small, -(z**2) / 15 - 2 * z**4 / 315 - z**6 / 1575,
                       1.0 - 3.0 / zs**2 + 3.0 / zs * cot)
    return -1.5 * bracket


def eddy_current_throw(size: Any, density: Any, conductivity: Any, *, frequency: float,
                       wavenumber: float, surface_field: float, gap: float, belt_speed: float,
                       interaction_length: float, drop_height: float) -> np.ndarray:
    r"""Horizontal throw of a particle off an eddy-current separator.

    The time-averaged repulsion of an induced dipole in a field of amplitude :math:`H` is
    :math:`F = \tfrac{1}{4}\mu_0 V\,|\mathrm{Re}\,\alpha|\,\nabla|H|^2`. The rotor field decays
    as its fundamental harmonic, :math:`B = B_0 e^{-ky}`, so
    :math:`|\nabla|H|^2| = 2k|H|^2` and the acceleration of a sphere (density :math:`\rho`,
    centre at :math:`y` = gap + d/2) is

    .. math::

        a_e = \frac{|\mathrm{Re}\,\alpha(a/\delta)|\,k\,B(y)^2}{2\mu_0\,\rho}

    Acting over the passage time :math:`L/v` it adds :math:`a_e L/v` to the belt speed; the
    particle then falls the drop height :math:`h`:

    .. math::

        x = \left(v + a_e\frac{L}{v}\right)\sqrt{2h/g}

    A non-conductor (:math:`\sigma = 0`) follows the plain ballistic throw
    :math:`v\sqrt{2h/g}`. Which metal is thrown furthest depends on the regime: for
    :math:`a \ll \delta` the kick grows as :math:`\sigma^2 a^4/\rho` (small or poorly
    conducting pieces barely move), for :math:`a \gg \delta` it tends to
    :math:`\tfrac{3}{2}kB^2/(2\mu_0\rho)`, set by density alone (a large Mg piece beats Al);
    the :math:`\sigma/\rho` ranking used in practice lies between. The kick is a
    one-dimensional simplification (ours): the force is taken constant over the passage
    and along the throw, and the tangential (Im alpha) force and the particle's shape are
    left out; Rem et al. (1997) integrate the full trajectory.

    Parameters
    ----------
    size, density, conductivity : array
        Sphere diameter [mm], density [kg/m**3], conductivity [MS/m].
    frequency : float
        Field frequency at the belt, pole pairs x rotor revolutions per second. [Hz]
    wavenumber : float
        k = 2 pi / (pole-pair wavelength) = n_poles / (2 R_rotor). [1/m]
    surface_field : float
        Flux density amplitude B0 at the rotor surface. [T]
    gap : float
        Distance from the rotor surface to the particle's underside (belt, shell). [m]
    belt_speed : float
        Belt speed v. [m/s]
    interaction_length : float
        Path over which the particle feels the field, L. [m]
    drop_height : float
        Height of fall to the splitter's level, h. [m]

    Returns
    -------
    numpy.ndarray
        Throw distance from the belt head. [m]

    References
    ----------
    - [1] Landau & Lifshitz (1984), section 59 (polarisability, :func:`sphere_polarizability`).
    - [2] Nagel J.R. (2018) Fields and forces of a rotating magnet array for eddy current
      separation. arXiv:1804.02435 (harmonics of the rotor field, decaying as exp(-ky)).
    - [3] Rem P.C., Leest P.A., van den Akker A.J. (1997) A model for eddy current
      separation. Int. J. Miner. Process. 49:193-200. doi:10.1016/S0301-7516(96)00045-2

    Examples
    --------
    >>> x = eddy_current_throw([10.0, 10.0], [2700.0, 1055.0], [37.7, 0.0], frequency=550.0,
    ...     wavenumber=73.3, surface_field=0.35, gap=0.005, belt_speed=2.0,
    ...     interaction_length=0.03, drop_height=0.3)
    >>> x.round(3).tolist()
    [0.649, 0.495]
    """
    d = np.asarray(size, float) * 1e-3
    rho = np.asarray(density, float)
    delta = skin_depth(conductivity, frequency)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(np.isfinite(delta), 0.5 * d / delta, 0.0)
    alpha = np.abs(sphere_polarizability(ratio).real)
    b = surface_field * np.exp(-wavenumber * (gap + 0.5 * d))
    accel = alpha * wavenumber * b**2 / (2.0 * MU0 * rho)
    return (belt_speed + accel * interaction_length / belt_speed) * np.sqrt(
        2.0 * drop_height / G)


@dataclass(frozen=True)
class EddyCurrentSeparator(Separator):
    """An eddy-current separator (belt over a spinning magnet rotor): conductors and
    non-conductors, split by a splitter at ``splitter_distance`` from the belt head.

    Parameters
    ----------
    rotor_radius : float or Quantity
        Radius of the magnet rotor. [m]
    n_poles : int
        Number of magnet poles on the rotor (alternating). [-]
    rotor_speed : float or Quantity
        Rotor speed. [rpm]
    surface_field : float or Quantity
        Flux density amplitude at the rotor surface. [T]
    belt_speed : float or Quantity
        Belt speed. [m/s]
    splitter_distance : float or Quantity
        Horizontal distance of the splitter from the belt head. [m]
    gap : float or Quantity
        Rotor surface to particle underside (shell and belt). [m]
    interaction_length : float or Quantity
        Path in the field. [m]
    drop_height : float or Quantity
        Fall from the belt to the splitter's top. [m]
    throw_sd : float or Quantity
        Scatter of the throw (shape, tumbling, collisions): the partition is a logistic in the
        throw with this Ep-like spread (0: sharp). [m]

    Notes
    -----
    The defaults describe a generic machine of this kind (assumed, not a vendor's data
    sheet): set the parameters of the machine you model.

    Throw: :func:`eddy_current_throw` with frequency ``n_poles/2 * rotor_speed/60`` and
    wavenumber ``n_poles / (2 rotor_radius)``. Partition to ``conductors``: 1 beyond the
    splitter, else 0 (logistic with ``throw_sd`` > 0). Ferrous particles must be removed
    before (their attraction to the rotor is not modelled).

    Examples
    --------
    >>> from resourcekit.separation.particles import ParticlePopulation
    >>> pop = ParticlePopulation.from_particles({"mass": [1.0, 1.0],
    ...     "size": [10.0, 10.0], "density": [2700.0, 1055.0],
    ...     "conductivity": [37.7, 0.0], "material": ["Al", "ABS"]})
    >>> ecs = EddyCurrentSeparator(splitter_distance=0.55)
    >>> ecs.partition(pop).tolist()
    [1.0, 0.0]
    """

    rotor_radius: Any = 0.15
    n_poles: Any = 22
    rotor_speed: Any = 3000.0
    surface_field: Any = 0.35
    belt_speed: Any = 2.0
    splitter_distance: Any = 0.55
    gap: Any = 0.005
    interaction_length: Any = 0.03
    drop_height: Any = 0.3
    throw_sd: Any = 0.0

    products: ClassVar[tuple[str, str]] = ("conductors", "non-conductors")
    units: ClassVar[Mapping[str, str]] = {
        "rotor_radius": "m", "n_poles": "-", "rotor_speed": "rpm", "surface_field": "tesla",
        "belt_speed": "m/s", "splitter_distance": "m", "gap": "m", "interaction_length": "m",
        "drop_height": "m", "throw_sd": "m"}
    reference: ClassVar[str] = ("Landau & Lifshitz (1984) s. 59 (sphere polarisability); Nagel "
                                "(2018) arXiv:1804.02435 (rotor field); Rem et al. (1997)")

    def __post_init__(self) -> None:
        zero_ok = ("gap", "throw_sd", "splitter_distance")
        for name, unit in self.units.items():
            self._set(name, read_parameter(getattr(self, name), name, unit, low=0.0,
                                           low_inclusive=name in zero_ok))
        if self.n_poles != int(self.n_poles) or int(self.n_poles) % 2:
            from resourcekit.errors import DataError

            raise DataError(f"n_poles = {self.n_poles:g} must be an even whole number "
                            "(alternating north and south poles)")

    @property
    def frequency(self) -> float:
        """Field frequency at the belt: pole pairs x revolutions per second. [Hz]"""
        return self.n_poles / 2.0 * self.rotor_speed / 60.0

    @property
    def wavenumber(self) -> float:
        """Spatial wavenumber of the rotor field, n_poles / (2 rotor_radius). [1/m]"""
        return self.n_poles / (2.0 * self.rotor_radius)

    def throw(self, population: Any) -> np.ndarray:
        """Throw of each particle (:func:`eddy_current_throw`). [m]"""
        from ._base import population_arrays

        return self._throw(population_arrays(population))

    def _throw(self, cols: Mapping[str, np.ndarray]) -> np.ndarray:
        return eddy_current_throw(
            cols["size"], cols["density"], cols["conductivity"], frequency=self.frequency,
            wavenumber=self.wavenumber, surface_field=self.surface_field, gap=self.gap,
            belt_speed=self.belt_speed, interaction_length=self.interaction_length,
            drop_height=self.drop_height)

    def _core(self, cols: Mapping[str, np.ndarray]) -> np.ndarray:
        x = self._throw(cols)
        if self.throw_sd == 0.0:
            return (x > self.splitter_distance).astype(float)
        z = np.clip(np.log(3.0) * (self.splitter_distance - x) / self.throw_sd, -700, 700)
        return 1.0 / (1.0 + np.exp(z))
