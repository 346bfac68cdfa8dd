"""Density separation (dense medium, jig, air table): a partition curve on particle density."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from resourcekit.errors import DataError

from .._partition_models import LN3
from ._base import Separator, read_parameter

__all__ = ["DensitySeparator", "density_partition"]


def density_partition(density: Any, cut_density: float, ep: float, bypass: float = 0.0
                      ) -> np.ndarray:
    r"""Partition to the sinks of a density separator (Ep-based logistic, or an ideal cut).

    .. math::

        P(\rho) = R_f + (1 - R_f)\,\frac{1}{1 + \exp\!\big(\ln 3\,(\rho_{50} - \rho)/E_p\big)}

    so that :math:`P(\rho_{50} \pm E_p) = 0.75 / 0.25` (with :math:`R_f = 0`). With
    :math:`E_p = 0` the cut is ideal: :math:`P = 1` above :math:`\rho_{50}`, 0 below, 1/2 at it.

    Parameters
    ----------
    density : float or array
        Particle density. [kg/m**3]
    cut_density : float
        Separating density rho50 (partition 0.5). [kg/m**3]
    ep : float
        Ecart probable (rho75 - rho25)/2 (>= 0; 0 for an ideal cut). [kg/m**3]
    bypass : float
        Fraction of every density class misplaced to the sinks unseparated (0-1). [-]

    Returns
    -------
    numpy.ndarray
        Partition numbers to the sinks. [-]

    References
    ----------
    - [1] Napier-Munn T.J. (1991) Modelling and simulating dense medium separation processes:
      a progress report. Minerals Engineering 4(3-4):329-346.
    - [2] Tromp K.F. (1937) Neue Wege fuer die Beurteilung der Aufbereitung von Steinkohlen.
      Glueckauf 73:125-131 (the partition curve).

    Examples
    --------
    >>> density_partition([1550.0, 1600.0, 1650.0], 1600.0, 50.0).round(3).tolist()
    [0.25, 0.5, 0.75]
    >>> density_partition([900.0, 1600.0, 1380.0], 1000.0, 0.0).tolist()
    [0.0, 1.0, 1.0]
    """
    rho = np.asarray(density, float)
    if ep == 0.0:
        e = np.where(rho > cut_density, 1.0, np.where(rho < cut_density, 0.0, 0.5))
    else:
        z = np.clip(LN3 * (cut_density - rho) / ep, -700.0, 700.0)
        e = 1.0 / (1.0 + np.exp(z))
    return bypass + (1.0 - bypass) * e


@dataclass(frozen=True)
class DensitySeparator(Separator):
    """A density separator: sinks and floats, cut at ``cut_density`` with imprecision ``ep``.

    Parameters
    ----------
    cut_density : float or Quantity
        Separating density rho50. Plain numbers are kg/m**3; pass
        ``Quantity(1.0, "g/cm**3")`` for a relative density. [kg/m**3]
    ep : float or Quantity
        Ecart probable (0: ideal cut). Typical dense-medium values 25-75 kg/m**3 (Ep 0.025-0.075
        in relative density). [kg/m**3]
    bypass : float
        Misplaced fraction to the sinks. [-]

    Notes
    -----
    Partition: :func:`density_partition`. A plain ``cut_density`` below 50 is refused: it is
    almost surely a relative density (g/cm**3) passed without its unit.

    Examples
    --------
    A water float-sink (cut 1000 kg/m**3) separates PP (910) from PVC (1375) perfectly:

    >>> from resourcekit.separation.particles import ParticlePopulation
    >>> pop = ParticlePopulation.from_particles({"mass": [1.0, 1.0], "size": [8.0, 8.0],
    ...     "density": [910.0, 1375.0], "material": ["PP", "PVC"]})
    >>> DensitySeparator(1000.0, 0.0).separate(pop).recovery().loc["sinks"].tolist()
    [0.0, 1.0]
    """

    cut_density: Any
    ep: Any = 0.0
    bypass: Any = 0.0

    products: ClassVar[tuple[str, str]] = ("sinks", "floats")
    units: ClassVar[Mapping[str, str]] = {"cut_density": "kg/m**3", "ep": "kg/m**3",
                                          "bypass": "-"}
    reference: ClassVar[str] = ("Napier-Munn T.J. (1991) Minerals Engineering 4(3-4):329-346 "
                                "(Ep-based logistic partition)")

    def __post_init__(self) -> None:
        from resourcekit.units import is_quantity

        plain = not is_quantity(self.cut_density)
        cut = read_parameter(self.cut_density, "cut_density", "kg/m**3", low=0.0,
                             low_inclusive=False)
        if plain and cut < 50.0:
            raise DataError(
                f"cut_density = {cut:g} kg/m**3 is below 50: pass a relative density with its "
                f"unit, Quantity({cut:g}, 'g/cm**3'), or the value in kg/m**3")
        self._set("cut_density", cut)
        self._set("ep", read_parameter(self.ep, "ep", "kg/m**3", low=0.0))
        self._set("bypass", read_parameter(self.bypass, "bypass", "-", low=0.0, high=0.999999))

    def _core(self, cols: Mapping[str, np.ndarray]) -> np.ndarray:
        return density_partition(cols["density"], self.cut_density, self.ep, self.bypass)
