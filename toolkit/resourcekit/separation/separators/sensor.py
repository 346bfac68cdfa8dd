"""Sensor-based sorting: classify each particle from a sensor signal, then eject it with air.

Two steps that are independent (Oki, TRANSortics col. 24): the sensor only **selects**; air
jets **separate**. Selection is judged by a confusion matrix (true and false positive rates);
separation adds misses of the valves and co-ejection of neighbours, which rises with how
crowded the belt is, so throughput trades against purity.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from resourcekit.errors import DataError, LabelError

from ._base import Separator, population_arrays, read_parameter

__all__ = [
    "SensorBasedSorter",
    "belt_occupancy",
    "classification_probability",
    "coejection_probability",
    "confusion_matrix",
]


def classification_probability(signal: Any, threshold: float, *, signal_sd: float = 0.0,
                               eject_above: bool = True) -> np.ndarray:
    r"""Probability that the sorter classifies a particle as "eject" from its signal.

    With Gaussian sensor noise of standard deviation :math:`s` on a particle's mean signal
    :math:`y` and a threshold :math:`t` (eject above):

    .. math::

        q = \Phi\!\left(\frac{y - t}{s}\right)

    and :math:`q = \mathbf{1}[y > t]` for :math:`s = 0` (1/2 at the threshold). ``eject_above``
    False mirrors it.

    Parameters
    ----------
    signal : array
        Mean sensor signal of each particle. [signal unit]
    threshold : float
        Decision threshold t. [signal unit]
    signal_sd : float
        Standard deviation of the measurement noise s (>= 0). [signal unit]
    eject_above : bool
        Eject particles whose signal is above (True) or below (False) the threshold.

    Returns
    -------
    numpy.ndarray
        Probability of the eject decision (0-1).

    Examples
    --------
    >>> classification_probability([0.2, 0.5, 0.8], 0.5, signal_sd=0.3).round(4).tolist()
    [0.1587, 0.5, 0.8413]
    """
    from scipy.special import ndtr

    y = np.asarray(signal, float)
    sign = 1.0 if eject_above else -1.0
    if signal_sd == 0.0:
        d = sign * (y - threshold)
        return np.where(d > 0, 1.0, np.where(d < 0, 0.0, 0.5))
    return ndtr(sign * (y - threshold) / signal_sd)


def belt_occupancy(throughput: float, belt_speed: float, belt_width: float, size: Any,
                   density: Any, mass: Any = None) -> float:
    r"""Share of the belt area covered by particles (projected area), for spheres.

    .. math::

        \varphi = \frac{Q}{v\,W}\sum_i w_i\,\frac{3}{2\,\rho_i d_i}

    :math:`Q/(vW)` is the mass per belt area and :math:`3/(2\rho d)` the projected area
    :math:`\pi d^2/4` per mass :math:`\rho\pi d^3/6` of a sphere; :math:`w_i` are mass
    fractions of the feed. Above about 0.1-0.2 particles touch and ejection fails more often.

    Parameters
    ----------
    throughput : float
        Feed rate Q. [t/h]
    belt_speed, belt_width : float
        Belt speed v and width W. [m/s, m]
    size, density : array
        Particle diameter [mm] and density [kg/m**3].
    mass : array, optional
        Mass of each row (weights w_i; default equal). [kg]

    Returns
    -------
    float
        Occupancy (0: empty belt). [-]

    Examples
    --------
    10 t/h of 20 mm PET flakes (1365 kg/m**3) on a 1 m belt at 3 m/s:

    >>> round(belt_occupancy(10.0, 3.0, 1.0, [20.0], [1365.0]), 4)
    0.051
    """
    d = np.asarray(size, float) * 1e-3
    rho = np.asarray(density, float)
    w = np.ones_like(d) if mass is None else np.asarray(mass, float)
    total = w.sum()
    if total <= 0:
        return 0.0
    per_area = throughput / 3.6 / (belt_speed * belt_width)  # kg/m**2
    with np.errstate(divide="ignore"):
        area_per_mass = np.where(d > 0, 1.5 / (rho * d), 0.0)
    return float(per_area * np.sum(w / total * area_per_mass))


def coejection_probability(ejected_occupancy: Any, window: float) -> np.ndarray:
    r"""Probability that a particle not meant for ejection is blown out with a neighbour.

    Particles lie on the belt at random (a Poisson field). A blast clears an area of
    ``window`` times a particle's projected area around each particle to be ejected, so a
    particle is co-ejected when at least one such particle lies within that area of it:

    .. math::

        P_{co} = 1 - \exp(-k\,\varphi_e)

    with :math:`\varphi_e` the belt occupancy of the particles to be ejected and :math:`k` the
    window. For small occupancy :math:`P_{co} \approx k\varphi_e`, so purity falls linearly
    with occupation density, as Kueppers et al. (2020) measured.

    Parameters
    ----------
    ejected_occupancy : float or array
        Occupancy of the particles to be ejected. [-]
    window : float
        Blast area per ejected particle, in particle projected areas (>= 0). [-]

    Returns
    -------
    numpy.ndarray
        Co-ejection probability. [-]

    References
    ----------
    - [1] Udoudo O.B. (2010) Modelling the efficiency of an automated sensor-based sorter.
      PhD thesis, University of Exeter (co-deflection of accept particles with rejects).
    - [2] Kueppers B., Schloegl S., Friedrich K., Lederle L., Pichler C., Freiler J., Pomberger
      R., Vollprecht D. (2020) Influence of material alterations and machine impairment on
      throughput related sensor-based sorting performance. Detritus 9:59 (purity falls
      linearly with occupation density). doi:10.31025/2611-4135/2020.13906

    Examples
    --------
    >>> coejection_probability([0.0, 0.05, 0.2], 4.0).round(4).tolist()
    [0.0, 0.1813, 0.5507]
    """
    phi = np.asarray(ejected_occupancy, float)
    return -np.expm1(-window * phi)


def confusion_matrix(is_target: Any, eject_probability: Any, weights: Any = None
                     ) -> pd.DataFrame:
    """Expected confusion matrix of a sorter and its rates.

    Parameters
    ----------
    is_target : array of bool
        Whether each particle is of the class the sorter should eject (the positive class).
    eject_probability : array
        Probability that each particle is ejected (or classified "eject"). [-]
    weights : array, optional
        Weight of each particle: 1 for counts (default), its mass for a mass basis.

    Returns
    -------
    pandas.DataFrame
        Rows ``target`` and ``other``, columns ``ejected`` and ``accepted`` (expected weight);
        ``attrs`` holds ``true_positive_rate`` (recall, the recovery of targets to the
        eject) and ``false_positive_rate`` (other particles ejected); on a mass basis these
        are the recoveries, and ``precision`` is the purity of the eject.

    Examples
    --------
    >>> cm = confusion_matrix([True, True, False, False], [1.0, 0.0, 0.5, 0.0])
    >>> cm.values.tolist(), cm.attrs["true_positive_rate"], cm.attrs["false_positive_rate"]
    ([[1.0, 1.0], [0.5, 1.5]], 0.5, 0.25)
    """
    t = np.asarray(is_target, bool)
    p = np.asarray(eject_probability, float)
    w = np.ones_like(p) if weights is None else np.asarray(weights, float)
    if not (t.shape == p.shape == w.shape):
        raise DataError(f"is_target, eject_probability and weights differ in shape: "
                        f"{t.shape}, {p.shape}, {w.shape}")
    tp = float(np.sum(w[t] * p[t]))
    fn = float(np.sum(w[t] * (1 - p[t])))
    fp = float(np.sum(w[~t] * p[~t]))
    tn = float(np.sum(w[~t] * (1 - p[~t])))
    out = pd.DataFrame([[tp, fn], [fp, tn]], index=["target", "other"],
                       columns=["ejected", "accepted"])
    with np.errstate(divide="ignore", invalid="ignore"):
        out.attrs["true_positive_rate"] = tp / (tp + fn) if tp + fn > 0 else float("nan")
        out.attrs["false_positive_rate"] = fp / (fp + tn) if fp + tn > 0 else float("nan")
        out.attrs["precision"] = tp / (tp + fp) if tp + fp > 0 else float("nan")
    return out


@dataclass(frozen=True)
class SensorBasedSorter(Separator):
    r"""A belt sorter: sensor classification, then air-jet ejection with co-ejection.

    Parameters
    ----------
    threshold : float
        Decision threshold on the population's ``signal`` column. [signal unit]
    signal_sd : float
        Measurement noise of the signal (0: the signal is read exactly). [signal unit]
    eject_above : bool
        Eject particles whose signal is above the threshold (else below).
    ejection_efficiency : float
        Probability that a valve hits a particle classified "eject" (valve faults, timing,
        shape). [-]
    window : float
        Blast area per ejected particle, in particle projected areas. [-]
    throughput : float or Quantity
        Feed rate of the sorter. [t/h]
    belt_speed : float or Quantity
        Belt speed. [m/s]
    belt_width : float or Quantity
        Working width. [m]

    Notes
    -----
    The defaults describe a generic machine of this kind (assumed, not a vendor's data
    sheet): set the parameters of the machine you model.

    For particle i with classification probability :math:`q_i`
    (:func:`classification_probability`), valve efficiency :math:`\eta` and co-ejection
    probability :math:`P_{co}` (:func:`coejection_probability`, from the occupancy of the
    particles classified "eject", :func:`belt_occupancy` times :math:`\sum w_i q_i\eta`
    share):

    .. math::

        P_i = q_i\eta + (1 - q_i\eta)\,P_{co}

    Examples
    --------
    >>> from resourcekit.separation.particles import ParticlePopulation
    >>> pop = ParticlePopulation.from_particles({"mass": [1.0, 1.0], "size": [20.0, 20.0],
    ...     "density": [1375.0, 955.0], "signal": [0.2, 0.9], "material": ["PVC", "HDPE"]})
    >>> s = SensorBasedSorter(0.5, eject_above=False, throughput=0.0)
    >>> s.partition(pop).tolist()
    [1.0, 0.0]
    """

    threshold: Any
    signal_sd: Any = 0.0
    eject_above: bool = True
    ejection_efficiency: Any = 1.0
    window: Any = 3.0
    throughput: Any = 5.0
    belt_speed: Any = 3.0
    belt_width: Any = 1.0

    products: ClassVar[tuple[str, str]] = ("eject", "accept")
    units: ClassVar[Mapping[str, str]] = {
        "threshold": "-", "signal_sd": "-", "eject_above": "-", "ejection_efficiency": "-",
        "window": "-", "throughput": "t/h", "belt_speed": "m/s", "belt_width": "m"}
    reference: ClassVar[str] = ("Udoudo (2010) PhD Exeter (co-deflection); Kueppers et al. "
                                "(2020) Detritus 9:59 (purity vs occupation density)")
    uses_mass: ClassVar[bool] = True

    def __post_init__(self) -> None:
        self._set("threshold", read_parameter(self.threshold, "threshold", "-"))
        self._set("signal_sd", read_parameter(self.signal_sd, "signal_sd", "-", low=0.0))
        if not isinstance(self.eject_above, bool | np.bool_):
            raise DataError(f"eject_above = {self.eject_above!r}: pass True or False")
        self._set("ejection_efficiency", read_parameter(
            self.ejection_efficiency, "ejection_efficiency", "-", low=0.0, high=1.0))
        self._set("window", read_parameter(self.window, "window", "-", low=0.0))
        self._set("throughput", read_parameter(self.throughput, "throughput", "t/h", low=0.0))
        for name in ("belt_speed", "belt_width"):
            self._set(name, read_parameter(getattr(self, name), name, self.units[name],
                                           low=0.0, low_inclusive=False))

    def _classify(self, cols: Mapping[str, np.ndarray]) -> np.ndarray:
        if "signal" not in cols:
            raise LabelError("the population has no 'signal' column: a sensor-based sorter "
                             "reads each particle's sensor signal")
        return classification_probability(cols["signal"], self.threshold,
                                          signal_sd=self.signal_sd,
                                          eject_above=bool(self.eject_above))

    def occupancy(self, population: Any) -> float:
        """Belt occupancy of the whole feed at this throughput (:func:`belt_occupancy`)."""
        c = population_arrays(population)
        return belt_occupancy(self.throughput, self.belt_speed, self.belt_width, c["size"],
                              c["density"], c["mass"])

    def _core(self, cols: Mapping[str, np.ndarray]) -> np.ndarray:
        q = self._classify(cols) * self.ejection_efficiency
        phi_e = belt_occupancy(self.throughput, self.belt_speed, self.belt_width,
                               cols["size"], cols["density"], cols["mass"] * q)
        mass = cols["mass"]
        share = float(np.sum(mass * q) / np.sum(mass)) if np.sum(mass) > 0 else 0.0
        p_co = float(coejection_probability(phi_e * share, self.window))
        return q + (1.0 - q) * p_co

    def confusion(self, population: Any, target: str, *, basis: str = "mass",
                  stage: str = "ejection") -> pd.DataFrame:
        """Confusion matrix for ``target`` (a component or material) as the positive class.

        Parameters
        ----------
        population : ParticlePopulation
        target : str
            Material (``material`` column) the sorter should eject.
        basis : {"mass", "count"}
            Weigh particles by mass, or count them (mass over sphere mass).
        stage : {"classification", "ejection"}
            The sensor's decision only, or what the air jets actually eject.

        Returns
        -------
        pandas.DataFrame
            As :func:`confusion_matrix`.
        """
        from resourcekit.boundary import check_option

        check_option(basis, "basis", ("mass", "count"))
        check_option(stage, "stage", ("classification", "ejection"))
        cols = population_arrays(population)
        mats = population._table["material"].to_numpy()
        if target not in set(mats):
            raise LabelError(f"target = {target!r} is not a material of the population; "
                             f"materials are {sorted(set(mats))}")
        p = self._classify(cols) if stage == "classification" else self._core(cols)
        w = cols["mass"]
        if basis == "count":
            w = w / (cols["density"] * np.pi / 6.0 * (cols["size"] * 1e-3) ** 3)
        return confusion_matrix(mats == target, p, w)

    def sweep(self, population: Any, target: str, *, thresholds: Any = None,
              throughputs: Any = None) -> pd.DataFrame:
        """Classification and sorting performance over thresholds or throughputs.

        Parameters
        ----------
        population : ParticlePopulation
        target : str
            Material the sorter should eject (the positive class).
        thresholds : array, optional
            Thresholds to try (default: this sorter's only). [signal unit]
        throughputs : array, optional
            Feed rates to try (default: this sorter's only). [t/h]

        Returns
        -------
        pandas.DataFrame
            One row per (threshold, throughput): the sensor's ``true_positive_rate`` and
            ``false_positive_rate`` by particle count (classification, the ROC axes), and the
            mass-basis ``recovery`` of the target to the eject, ``gangue_recovery`` (other
            material ejected) and ``purity`` of the eject after air-jet ejection (sorting), plus
            the belt ``occupancy``.

        Notes
        -----
        A ROC curve (true against false positive rate by count) describes the sensor and its
        threshold only; recovery and purity by mass also depend on the feed's composition,
        the particle masses, valve misses and co-ejection, which grows with throughput.

        Examples
        --------
        >>> from resourcekit.separation.particles import ParticlePopulation
        >>> pop = ParticlePopulation.from_particles({"mass": [1.0, 1.0, 1.0, 1.0],
        ...     "size": [20.0] * 4, "density": [1375.0, 1375.0, 955.0, 955.0],
        ...     "signal": [0.2, 0.45, 0.4, 0.9], "material": ["PVC", "PVC", "PE", "PE"]})
        >>> s = SensorBasedSorter(0.5, eject_above=False, throughput=0.0)
        >>> s.sweep(pop, "PVC", thresholds=[0.3, 0.5])[["threshold", "true_positive_rate",
        ...     "false_positive_rate", "purity"]].values.tolist()
        [[0.3, 0.5, 0.0, 1.0], [0.5, 1.0, 0.5, 0.6666666666666666]]
        """
        from dataclasses import replace

        ths = [self.threshold] if thresholds is None else list(np.atleast_1d(thresholds))
        qs = [self.throughput] if throughputs is None else list(np.atleast_1d(throughputs))
        rows = []
        for th in ths:
            for q in qs:
                s = replace(self, threshold=float(th), throughput=q)
                cls = s.confusion(population, target, basis="count", stage="classification")
                ej = s.confusion(population, target, basis="mass", stage="ejection")
                rows.append({
                    "threshold": float(th), "throughput": s.throughput,
                    "true_positive_rate": cls.attrs["true_positive_rate"],
                    "false_positive_rate": cls.attrs["false_positive_rate"],
                    "recovery": ej.attrs["true_positive_rate"],
                    "gangue_recovery": ej.attrs["false_positive_rate"],
                    "purity": ej.attrs["precision"], "occupancy": s.occupancy(population)})
        return pd.DataFrame(rows)
