"""Size classification (screen, hydrocyclone, air classifier): Whiten's efficiency curve."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from .._partition_models import _whiten
from ._base import Separator, read_parameter

__all__ = ["SizeClassifier"]


@dataclass(frozen=True)
class SizeClassifier(Separator):
    r"""A size classifier: coarse and fine products, Whiten-beta curve with by-pass.

    .. math::

        P(x) = R_f + (1 - R_f)\left[1 - \frac{(1 + \beta\beta^* x')(e^{\alpha} - 1)}
        {e^{\alpha\beta^* x'} + e^{\alpha} - 2}\right],\qquad x' = x/d_{50c}

    with :math:`\beta^*` such that the corrected curve is 1/2 at :math:`d_{50c}`; with
    :math:`\beta = 0` it is the Lynch-Rao curve.

    Parameters
    ----------
    cut_size : float or Quantity
        Corrected cut size d50c. [mm]
    alpha : float
        Sharpness (larger: sharper; 2-5 for hydrocyclones). [-]
    beta : float
        Fish-hook (0: none). [-]
    bypass : float
        Fraction of every size class to the coarse product unclassified (R_f). [-]

    References
    ----------
    - [1] Napier-Munn T.J., Morrell S., Morrison R.D., Kojovic T. (1996) Mineral Comminution
      Circuits: Their Operation and Optimisation, JKMRC, Brisbane, ch. 12.
    - [2] Lynch A.J., Rao T.C. (1975) Modelling and scale-up of hydrocyclone classifiers.
      Proc. 11th IMPC, Cagliari, 245-269.

    Examples
    --------
    >>> from resourcekit.separation.particles import ParticlePopulation
    >>> pop = ParticlePopulation.from_particles({"mass": [1.0, 1.0, 1.0],
    ...     "size": [1.0, 2.0, 8.0], "density": [2700.0] * 3, "material": ["Al"] * 3})
    >>> SizeClassifier(2.0, 4.0).partition(pop).round(3).tolist()
    [0.107, 0.5, 1.0]
    """

    cut_size: Any
    alpha: Any = 4.0
    beta: Any = 0.0
    bypass: Any = 0.0

    products: ClassVar[tuple[str, str]] = ("coarse", "fine")
    units: ClassVar[Mapping[str, str]] = {"cut_size": "mm", "alpha": "-", "beta": "-",
                                          "bypass": "-"}
    reference: ClassVar[str] = ("Napier-Munn et al. (1996) Mineral Comminution Circuits, JKMRC, "
                                "ch. 12 (Whiten-beta curve)")

    def __post_init__(self) -> None:
        self._set("cut_size", read_parameter(self.cut_size, "cut_size", "mm", low=0.0,
                                             low_inclusive=False))
        self._set("alpha", read_parameter(self.alpha, "alpha", "-", low=0.0,
                                          low_inclusive=False))
        self._set("beta", read_parameter(self.beta, "beta", "-", low=0.0))
        self._set("bypass", read_parameter(self.bypass, "bypass", "-", low=0.0, high=0.999999))

    def _core(self, cols: Mapping[str, np.ndarray]) -> np.ndarray:
        e = _whiten(cols["size"], self.cut_size, self.alpha, self.beta)
        return self.bypass + (1.0 - self.bypass) * e
