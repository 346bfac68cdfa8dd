"""Separator models that act on particle properties, each with physical parameters (units
through pint) and a cited source.

Every model is a frozen dataclass with ``partition(population)`` (fraction of each particle
to its first product), ``separate(population)`` (a :class:`SeparatorResult` with both
products, grades, recoveries and the usual two-product result) and ``parameters()``:

====================================  =================  ====================================
model                                 property           products
====================================  =================  ====================================
:class:`DensitySeparator`             density            sinks, floats
:class:`SizeClassifier`               size               coarse, fine
:class:`DrumMagneticSeparator`        susceptibility     magnetic, non-magnetic
:class:`EddyCurrentSeparator`         conductivity,      conductors, non-conductors
                                      density, size
:class:`SensorBasedSorter`            sensor signal      eject, accept
====================================  =================  ====================================

>>> from resourcekit.separation.separators import DensitySeparator
>>> from resourcekit.units import Quantity
>>> DensitySeparator(Quantity(1.0, "g/cm**3"), 0.0).cut_density
1000.0
"""

from __future__ import annotations

from ._base import Separator, SeparatorResult, read_parameter
from .density import DensitySeparator, density_partition
from .eddy_current import (
    EddyCurrentSeparator,
    eddy_current_throw,
    skin_depth,
    sphere_polarizability,
)
from .magnetic import DrumMagneticSeparator, effective_susceptibility, magnetic_force_ratio
from .sensor import (
    SensorBasedSorter,
    belt_occupancy,
    classification_probability,
    coejection_probability,
    confusion_matrix,
)
from .size import SizeClassifier

__all__ = [
    "DensitySeparator",
    "DrumMagneticSeparator",
    "EddyCurrentSeparator",
    "SensorBasedSorter",
    "Separator",
    "SeparatorResult",
    "SizeClassifier",
    "belt_occupancy",
    "classification_probability",
    "coejection_probability",
    "confusion_matrix",
    "density_partition",
    "eddy_current_throw",
    "effective_susceptibility",
    "magnetic_force_ratio",
    "read_parameter",
    "skin_depth",
    "sphere_polarizability",
]
