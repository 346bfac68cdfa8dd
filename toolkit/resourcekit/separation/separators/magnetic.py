"""Drum magnetic separation: magnetic force against gravity, centrifugal force and drag."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from ._base import Separator, read_parameter

__all__ = ["DrumMagneticSeparator", "effective_susceptibility", "magnetic_force_ratio"]

MU0 = 4e-7 * np.pi  # vacuum permeability [T m/A] (to 1e-10 of the 2019 SI value)
G = 9.80665  # standard gravity [m/s**2]


def effective_susceptibility(susceptibility: Any) -> np.ndarray:
    r"""Apparent susceptibility of a sphere, with its demagnetising field (SI).

    .. math::

        \chi_{\mathrm{eff}} = \frac{\chi}{1 + N\chi},\qquad N = 1/3 \text{ (sphere)}

    In Gaussian units the same law reads :math:`\kappa/(1 + \tfrac{4}{3}\pi\kappa)` (Britannica
    1911, "Magnetism", eq. 38), with :math:`\chi = 4\pi\kappa`. It levels off at 3 for a
    strongly magnetic sphere: iron (:math:`\chi \approx 4000`) pulls no harder per volume
    than :math:`\chi = 3` would suggest without the demagnetising field.

    Parameters
    ----------
    susceptibility : float or array
        Volume susceptibility chi (SI, > -1). [-]

    Returns
    -------
    numpy.ndarray
        Effective volume susceptibility. [-]

    References
    ----------
    - [1] Encyclopaedia Britannica (1911), "Magnetism", eq. 38 (sphere in a uniform field).
    - [2] Osborn J.A. (1945) Demagnetizing factors of the general ellipsoid. Phys. Rev.
      67:351-357 (N = 1/3 for a sphere). doi:10.1103/PhysRev.67.351

    Examples
    --------
    >>> effective_susceptibility([1e-5, 2.34, 3999.0]).round(6).tolist()
    [1e-05, 1.314607, 2.997751]
    """
    chi = np.asarray(susceptibility, float)
    return chi / (1.0 + chi / 3.0)


def magnetic_force_ratio(size: Any, density: Any, susceptibility: Any, *, field: float,
                         field_gradient: float, drum_radius: float, drum_speed: float,
                         fluid_velocity: float = 0.0, viscosity: float = 1.0e-3) -> np.ndarray:
    r"""Magnetic force over the competing forces on a particle at the drum surface.

    .. math::

        M = \frac{\chi_{\mathrm{eff}}\,B\,\nabla B/\mu_0}
        {\rho\,(g + \omega^2 R) + 18\,\eta\,v/d^2}

    The numerator is the magnetic force per particle volume,
    :math:`F/V = \chi\,\nabla(B^2)/(2\mu_0) = \chi B\nabla B/\mu_0`; the denominator holds
    gravity and the centrifugal force on the drum (radius R, angular speed :math:`\omega`) per
    volume, and Stokes drag :math:`3\pi\eta d v` per sphere volume :math:`\pi d^3/6` for a
    particle moving at :math:`v` relative to the pulp (wet drums; 0 for dry drums). The
    particle is held (reports to the magnetic product) when :math:`M > 1`.

    Parameters
    ----------
    size : array
        Particle (sphere) diameter d. [mm]
    density : array
        Particle density rho. [kg/m**3]
    susceptibility : array
        Volume susceptibility chi (SI). [-]
    field, field_gradient : float
        Flux density B at the drum surface and its gradient. [T, T/m]
    drum_radius, drum_speed : float
        Drum radius R and speed. [m, rpm]
    fluid_velocity : float
        Speed of the particle relative to the pulp (wet drum). [m/s]
    viscosity : float
        Viscosity of the pulp. [Pa s]

    Returns
    -------
    numpy.ndarray
        Force ratio M (negative for diamagnetic particles, which are pushed away). [-]

    References
    ----------
    - [1] IMS Magnetic Mining, technical notes: magnetic force :math:`V\chi\nabla(B^2)/(2\mu_0)`
      and the forces that compete with it (gravity, drag, centrifugal).
    - [2] Svoboda J. (2004) Magnetic Techniques for the Treatment of Materials. Kluwer,
      ch. 3 (force balance in magnetic separators). doi:10.1007/1-4020-2107-0

    Examples
    --------
    A 2 mm magnetite sphere on a drum of 0.1 T and 5 T/m, radius 0.6 m at 30 rpm:

    >>> m = magnetic_force_ratio([2.0], [5175.0], [2.34], field=0.1, field_gradient=5.0,
    ...                          drum_radius=0.6, drum_speed=30.0)
    >>> round(float(m[0]), 3)
    6.426
    """
    d = np.asarray(size, float) * 1e-3
    rho = np.asarray(density, float)
    force = effective_susceptibility(susceptibility) * field * field_gradient / MU0
    omega = drum_speed * 2.0 * np.pi / 60.0
    with np.errstate(divide="ignore"):
        drag = np.where(fluid_velocity > 0, 18.0 * viscosity * fluid_velocity / d**2, 0.0)
    return force / (rho * (G + omega**2 * drum_radius) + drag)


@dataclass(frozen=True)
class DrumMagneticSeparator(Separator):
    """A drum magnetic separator (dry or wet): magnetic and non-magnetic products.

    Parameters
    ----------
    field : float or Quantity
        Flux density at the drum surface (a Quantity in tesla or mT; pint's gauss is the
        Gaussian-system unit and does not convert) (a low-intensity drum: about 0.1-0.3 T; 3 kOe,
        i.e. 0.3 T in air, defines the iron-ore "magnetic fraction"). [T]
    field_gradient : float or Quantity
        Gradient of the flux density at the surface (about B / pole pitch). [T/m]
    drum_radius : float or Quantity
        Drum radius. [m]
    drum_speed : float or Quantity
        Drum speed. [rpm]
    fluid_velocity : float or Quantity
        Particle speed relative to the pulp in a wet drum (0: dry). [m/s]
    viscosity : float or Quantity
        Pulp viscosity. [Pa s]
    spread : float
        Imprecision of the pick-up as a logistic in ln M: the partition is
        :math:`1/(1 + M^{-1/s})` (0: sharp, every particle with M > 1 is held). [-]

    Notes
    -----
    The defaults describe a generic machine of this kind (assumed, not a vendor's data
    sheet): set the parameters of the machine you model.

    Force balance: :func:`magnetic_force_ratio`. Partition to ``magnetic``: 1 if M > 1
    (``spread`` 0), else the logistic above, which is 1/2 at M = 1.

    Examples
    --------
    >>> from resourcekit.separation.particles import ParticlePopulation
    >>> pop = ParticlePopulation.from_particles({"mass": [1.0, 1.0, 1.0],
    ...     "size": [5.0] * 3, "density": [7850.0, 7900.0, 2700.0],
    ...     "susceptibility": [3999.0, 0.003, 2.2e-5], "material": ["steel", "ss", "Al"]})
    >>> DrumMagneticSeparator(0.15, 6.0, 0.6, 20.0).partition(pop).tolist()
    [1.0, 0.0, 0.0]
    """

    field: Any
    field_gradient: Any
    drum_radius: Any = 0.6
    drum_speed: Any = 20.0
    fluid_velocity: Any = 0.0
    viscosity: Any = 1.0e-3
    spread: Any = 0.0

    products: ClassVar[tuple[str, str]] = ("magnetic", "non-magnetic")
    units: ClassVar[Mapping[str, str]] = {
        "field": "tesla", "field_gradient": "tesla/m", "drum_radius": "m", "drum_speed": "rpm",
        "fluid_velocity": "m/s", "viscosity": "Pa*s", "spread": "-"}
    reference: ClassVar[str] = ("IMS Magnetic Mining technical notes (F = V chi grad B^2/2mu0); "
                                "Svoboda (2004) Magnetic Techniques, ch. 3")

    def __post_init__(self) -> None:
        for name, unit in self.units.items():
            strict = name in ("field", "drum_radius", "viscosity")
            self._set(name, read_parameter(getattr(self, name), name, unit, low=0.0,
                                           low_inclusive=not strict))

    def force_ratio(self, population: Any) -> np.ndarray:
        """Magnetic over competing force for each particle (:func:`magnetic_force_ratio`)."""
        from ._base import population_arrays

        return self._ratio(population_arrays(population))

    def _ratio(self, cols: Mapping[str, np.ndarray]) -> np.ndarray:
        return magnetic_force_ratio(
            cols["size"], cols["density"], cols["susceptibility"], field=self.field,
            field_gradient=self.field_gradient, drum_radius=self.drum_radius,
            drum_speed=self.drum_speed, fluid_velocity=self.fluid_velocity,
            viscosity=self.viscosity)

    def _core(self, cols: Mapping[str, np.ndarray]) -> np.ndarray:
        m = self._ratio(cols)
        if self.spread == 0.0:
            return (m > 1.0).astype(float)
        with np.errstate(divide="ignore"):
            z = np.clip(-np.log(np.maximum(m, 1e-300)) / self.spread, -700.0, 700.0)
        return np.where(m > 0, 1.0 / (1.0 + np.exp(z)), 0.0)
