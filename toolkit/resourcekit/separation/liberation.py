"""Liberation and comminution: size distributions, random liberation, and the liberation limit.

A separator acts on whole particles: a particle locked with two materials reports as one. So
the best any sorter can do is set by liberation (:func:`liberation_limit`), and liberation is
set by how fine the material is broken relative to its grains (:func:`random_liberation`).

- :func:`rosin_rammler_passing`, :func:`rosin_rammler_size`, :func:`gaudin_schuhmann_passing`:
  size distributions of broken material (mass passing);
- :func:`bond_energy`: Bond's comminution energy;
- :func:`random_liberation`: closed-form degree of liberation of a cubic random mosaic, and
  :func:`random_liberation_grades`, its Monte Carlo particles;
- :func:`liberation_limit`: the highest recovery any particle sorter can reach at a required
  product grade, from a liberation table (the washability construction).

>>> from resourcekit.separation import liberation as lib
>>> round(float(lib.random_liberation(0.5, 0.2)), 4)
0.203
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from resourcekit.errors import DataError

from . import _kind

__all__ = [
    "rosin_rammler_passing",
    "rosin_rammler_size",
    "gaudin_schuhmann_passing",
    "bond_energy",
    "random_liberation",
    "random_liberation_grades",
    "liberation_spectrum",
    "liberation_limit",
]


def _positive(value: Any, name: str) -> float:
    v = _kind.one(_kind.number(value, name, allow_nan=False), name)
    if not v > 0:
        raise DataError(f"{name} = {v:g} must be > 0")
    return v


def _sizes(size: Any, name: str = "size") -> tuple[Any, np.ndarray]:
    tmpl = _kind.template(size)
    x = np.asarray(_kind.number(size, name, allow_nan=True), float)
    if np.any(x[np.isfinite(x)] < 0):
        raise DataError(f"{name} must be >= 0 (a particle size)")
    return tmpl, x


# ------------------------------------------------------------------------ size distributions


def rosin_rammler_passing(size: Any, x63: float, spread: float) -> Any:
    r"""Rosin-Rammler mass fraction passing a size.

    .. math::

        F(x) = 1 - \exp\!\left[-\left(x/x_{63}\right)^n\right]

    so that :math:`F(x_{63}) = 1 - e^{-1} = 0.632`.

    Parameters
    ----------
    size : float, array or Series
        Screen size x. [mm or any length, the unit of ``x63``]
    x63 : float
        Size at 63.2 % passing (the Rosin-Rammler size parameter). [unit of size]
    spread : float
        Uniformity exponent n (> 0; larger: narrower distribution). [-]

    Returns
    -------
    Same kind as ``size``: mass fraction passing (0-1).

    References
    ----------
    - [1] Rosin P., Rammler E. (1933) The laws governing the fineness of powdered coal.
      J. Inst. Fuel 7:29-36.

    Examples
    --------
    >>> round(float(rosin_rammler_passing(10.0, 10.0, 1.2)), 4)
    0.6321
    """
    tmpl, x = _sizes(size)
    xc = _positive(x63, "x63")
    n = _positive(spread, "spread")
    return _kind.like(tmpl, -np.expm1(-np.power(x / xc, n)))


def rosin_rammler_size(passing: Any, x63: float, spread: float) -> Any:
    r"""Size at a given mass fraction passing (inverse of :func:`rosin_rammler_passing`).

    .. math::

        x_P = x_{63}\,\left[-\ln(1 - P)\right]^{1/n}

    Parameters
    ----------
    passing : float, array or Series
        Mass fraction passing P, in [0, 1). [-]
    x63 : float
        Size parameter. [mm]
    spread : float
        Uniformity exponent n. [-]

    Returns
    -------
    Same kind as ``passing``: sizes. [unit of x63]

    Examples
    --------
    The median size is :math:`x_{50} = x_{63} (\ln 2)^{1/n}`:

    >>> round(float(rosin_rammler_size(0.5, 10.0, 2.0)), 4)
    8.3255
    """
    tmpl = _kind.template(passing)
    p = np.asarray(_kind.fraction(passing, "passing"), float)
    if np.any(p >= 1):
        raise DataError("passing must lie in [0, 1): the size at 100 % passing is infinite")
    xc = _positive(x63, "x63")
    n = _positive(spread, "spread")
    return _kind.like(tmpl, xc * np.power(-np.log1p(-p), 1.0 / n))


def gaudin_schuhmann_passing(size: Any, top_size: float, modulus: float) -> Any:
    r"""Gaudin-Schuhmann mass fraction passing (a power law up to the top size).

    .. math::

        F(x) = \min\!\left[(x/k)^m, 1\right]

    Parameters
    ----------
    size : float, array or Series
        Screen size x. [mm]
    top_size : float
        Size modulus k (size at 100 % passing). [mm]
    modulus : float
        Distribution modulus m (> 0). [-]

    Returns
    -------
    Same kind as ``size``: mass fraction passing (0-1).

    References
    ----------
    - [1] Schuhmann R. (1940) Principles of comminution I: size distribution and surface
      calculations. AIME Tech. Publ. 1189.

    Examples
    --------
    >>> rosin = gaudin_schuhmann_passing([1.0, 4.0, 8.0], 4.0, 0.5)
    >>> rosin.tolist()
    [0.5, 1.0, 1.0]
    """
    tmpl, x = _sizes(size)
    k = _positive(top_size, "top_size")
    m = _positive(modulus, "modulus")
    return _kind.like(tmpl, np.minimum(np.power(x / k, m), 1.0))


def bond_energy(work_index: Any, feed_p80: Any, product_p80: Any) -> Any:
    r"""Specific comminution energy by Bond's third theory.

    .. math::

        W = 10\,W_i\left(\frac{1}{\sqrt{P_{80}}} - \frac{1}{\sqrt{F_{80}}}\right)

    Parameters
    ----------
    work_index : float
        Bond work index W_i. [kWh/t]
    feed_p80, product_p80 : float or array
        Sizes at 80 % passing of feed and product (product finer). [um]

    Returns
    -------
    float or array: specific energy. [kWh/t]

    References
    ----------
    - [1] Bond F.C. (1952) The third theory of comminution. Trans. AIME 193:484-494.

    Examples
    --------
    Grinding from 80 % passing 1 mm to 80 % passing 100 um at W_i = 12 kWh/t:

    >>> round(float(bond_energy(12.0, 1000.0, 100.0)), 3)
    8.205
    """
    wi = _positive(work_index, "work_index")
    f = np.asarray(_kind.number(feed_p80, "feed_p80", allow_nan=False), float)
    p = np.asarray(_kind.number(product_p80, "product_p80", allow_nan=False), float)
    if np.any(f <= 0) or np.any(p <= 0):
        raise DataError("feed_p80 and product_p80 must be > 0 [um]")
    if np.any(p > f):
        raise DataError(f"product_p80 = {float(np.max(p)):g} um is coarser than feed_p80: "
                        "comminution makes particles finer")
    out = 10.0 * wi * (1.0 / np.sqrt(p) - 1.0 / np.sqrt(f))
    return float(out) if out.ndim == 0 else out


# -------------------------------------------------------------------------- random liberation


def _axis_counts(size_ratio: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Grains spanned along one axis: floor(r) + 1, or one more with probability frac(r)."""
    a = np.floor(size_ratio)
    return a, size_ratio - a


def random_liberation(size_ratio: Any, volume_fraction: Any) -> Any:
    r"""Degree of liberation of phase A in a cubic random mosaic (closed form).

    The texture is a cubic lattice of grains of size :math:`\beta`, each grain of phase A with
    probability :math:`v` independently (a random mosaic); particles are cubes of size
    :math:`D` cut by a cubic fracture lattice placed at random. With :math:`r = D/\beta`, a
    particle spans :math:`a + 1` grains along an axis (:math:`a = \lfloor r\rfloor`), or
    :math:`a + 2` with probability :math:`f = r - a`, independently on the three axes. A
    particle is free A when every grain it touches is A. The fraction of A's volume in free-A
    particles is then

    .. math::

        L_A = \frac{1}{v}\sum_{k=0}^{3}\binom{3}{k} f^k (1-f)^{3-k}\,
        v^{(a+1)^{3-k}(a+2)^k}

    :math:`L_A \to 1` as :math:`r \to 0` (particles finer than grains) and
    :math:`L_A \to 0` as :math:`r \to \infty`. For phase B use :math:`1 - v`.

    Parameters
    ----------
    size_ratio : float or array
        Particle size over grain size, D/beta (> 0). [-]
    volume_fraction : float or array
        Volume fraction v of phase A in the material (0 < v <= 1). [-]

    Returns
    -------
    float or array: degree of liberation of A, the fraction of A in free-A particles. [-]

    Notes
    -----
    The cubic-lattice picture is Gaudin's (1939); Gaudin's own formulas (regular, not random,
    arrangement of grains) were not available to us, so this is the random-mosaic form derived
    here from the stated assumptions and checked against its Monte Carlo
    (:func:`random_liberation_grades`) in the tests. Like all random-fracture models it
    ignores preferential breakage along grain boundaries, which raises liberation in practice.

    References
    ----------
    - [1] Gaudin A.M. (1939) Principles of Mineral Dressing. McGraw-Hill, New York, ch. 5
      (liberation in a cubic lattice of grains and fractures).
    - [2] King R.P. (2012) Modeling and Simulation of Mineral Processing Systems, 2nd ed.,
      SME, ch. 5 (random fracture and liberation). doi:10.1016/C2009-0-26303-3

    Examples
    --------
    Particles the size of the grains (r = 1) always span two grains per axis (8 grains):

    >>> round(float(random_liberation(1.0, 0.5)), 6) == round(0.5 ** 8 / 0.5, 6)
    True
    """
    r = np.asarray(_kind.number(size_ratio, "size_ratio", allow_nan=False), float)
    v = np.asarray(_kind.number(volume_fraction, "volume_fraction", allow_nan=False), float)
    if np.any(r <= 0):
        raise DataError("size_ratio must be > 0 (particle size over grain size)")
    if np.any(v <= 0) or np.any(v > 1):
        raise DataError("volume_fraction must lie in (0, 1] (volume fraction of phase A)")
    a, f = _axis_counts(r)
    total = np.zeros(np.broadcast(r, v).shape)
    for k, binom in ((0, 1), (1, 3), (2, 3), (3, 1)):
        n_grains = (a + 1) ** (3 - k) * (a + 2) ** k
        total = total + binom * f**k * (1 - f) ** (3 - k) * np.power(v, n_grains)
    out = total / v
    return float(out) if out.ndim == 0 else out


def random_liberation_grades(n_particles: int, size_ratio: float, volume_fraction: float, *,
                             seed: int = 0) -> np.ndarray:
    """Monte Carlo particles of the cubic random mosaic: the volume grade of A of each.

    Each particle is a cube of size r = D/beta at a random offset in a lattice of unit grains,
    each grain A with probability ``volume_fraction``; its grade is the overlap-weighted share
    of A grains. See :func:`random_liberation` for the closed form of the free-A share.

    Parameters
    ----------
    n_particles : int
        Number of particles.
    size_ratio : float
        Particle size over grain size (0 < r <= 8 here, to bound the work). [-]
    volume_fraction : float
        Volume fraction of A. [-]
    seed : int
        Random seed.

    Returns
    -------
    numpy.ndarray
        Volume fraction of A in each particle (0-1).

    Examples
    --------
    >>> g = random_liberation_grades(20000, 1.0, 0.5, seed=3)
    >>> round(float(np.mean(g)), 2)
    0.5
    """
    n = _kind.count(n_particles, "n_particles")
    r = _positive(size_ratio, "size_ratio")
    if r > 8:
        raise DataError(f"size_ratio = {r:g} is above 8: too many grains per particle for the "
                        "Monte Carlo; use random_liberation (closed form)")
    v = _kind.one(_kind.fraction(volume_fraction, "volume_fraction"), "volume_fraction")
    rng = np.random.default_rng(seed)
    n_cells = int(np.floor(r)) + 2
    overlaps = []
    for _ in range(3):
        u = rng.random(n)
        j = np.arange(n_cells)
        ov = np.clip(np.minimum(u[:, None] + r, j + 1) - np.maximum(u[:, None], j), 0.0, None)
        overlaps.append(ov / r)
    ox, oy, oz = overlaps
    weight = ox[:, :, None, None] * oy[:, None, :, None] * oz[:, None, None, :]
    phase = rng.random(weight.shape) < v
    return np.clip((weight * phase).sum(axis=(1, 2, 3)), 0.0, 1.0)


def liberation_spectrum(grades: Any, *, mass: Any = None, n_classes: int = 10) -> pd.DataFrame:
    """Liberation classes of a list of particle grades: free, locked bands, free.

    Parameters
    ----------
    grades : array
        Grade of A of each particle (0-1). [-]
    mass : array, optional
        Mass of each particle (default equal). [kg]
    n_classes : int
        Number of locked bands between free gangue and free A.

    Returns
    -------
    pandas.DataFrame
        One row per class (``free gangue``, ``locked 0%-10%`` ... ``free A``): ``grade_low``,
        ``grade_high``, ``grade`` (mass-weighted mean), ``mass``, in the layout of dataset
        ``sep_ewaste_liberation_classes``.

    Examples
    --------
    >>> liberation_spectrum([0.0, 0.0, 0.35, 1.0], n_classes=2)["mass"].tolist()
    [2.0, 1.0, 0.0, 1.0]
    """
    g = np.asarray(_kind.fraction(grades, "grades"), float).ravel()
    m = (np.ones_like(g) if mass is None
         else np.asarray(_kind.mass(mass, "mass"), float).ravel())
    if m.shape != g.shape:
        raise DataError(f"mass has {m.size} values for {g.size} grades")
    k = _kind.count(n_classes, "n_classes")
    edges = np.linspace(0.0, 1.0, k + 1)
    free_b = g <= 1e-12
    free_a = g >= 1 - 1e-12
    locked = ~(free_a | free_b)
    band = np.clip(np.searchsorted(edges, g, side="right") - 1, 0, k - 1)
    rows = [("free gangue", 0.0, 0.0, free_b)]
    for i in range(k):
        rows.append((f"locked {edges[i]:.0%}-{edges[i + 1]:.0%}", edges[i], edges[i + 1],
                     locked & (band == i)))
    rows.append(("free A", 1.0, 1.0, free_a))
    out = []
    for label, lo, hi, sel in rows:
        mass_c = float(m[sel].sum())
        grade_c = float(np.average(g[sel], weights=m[sel])) if mass_c > 0 else (lo + hi) / 2
        out.append({"class": label, "grade_low": lo, "grade_high": hi, "grade": grade_c,
                    "mass": mass_c})
    return pd.DataFrame(out).set_index("class")


# ----------------------------------------------------------------------- the liberation limit


def liberation_limit(classes: pd.DataFrame, target_grade: Any, *, mass: str = "mass",
                     grade: str = "grade") -> float:
    r"""Highest recovery any particle sorter can reach at a product grade of at least
    ``target_grade`` (the liberation limit).

    Classes are taken richest first (the washability, or ideal, construction); the last class
    is split so that the product grade is exactly the target. No separator acting on whole
    particles does better, whatever property it uses, because a particle's grade cannot be
    changed without breaking it.

    .. math::

        R^*(g^*) = \max_{S}\; \frac{\sum_{i\in S} m_i g_i}{\sum_i m_i g_i}
        \quad\text{subject to}\quad \frac{\sum_{i\in S} m_i g_i}{\sum_{i\in S} m_i}\ge g^*

    Parameters
    ----------
    classes : DataFrame
        Liberation classes (or particles) with a mass and a grade column.
    target_grade : float
        Required grade of the product. [mass fraction]
    mass, grade : str
        Column names. [any mass unit; mass fraction]

    Returns
    -------
    float
        Recovery of A (0-1); 0 when not even the richest class reaches the target.

    References
    ----------
    - [1] Oki T., TRANSortics column 38 (AIST): purity limit from liberation data.
    - [2] ASTM D4371 (washability of coal): the float-sink construction of the ideal curve.

    Examples
    --------
    Free A (1 kg), a half-locked class (2 kg) and free gangue (7 kg); at 80 % grade:

    >>> cls = pd.DataFrame({"mass": [1.0, 2.0, 7.0], "grade": [1.0, 0.5, 0.0]})
    >>> round(liberation_limit(cls, 0.8), 4)
    0.6667
    """
    m, g = _kind.classes_table(classes, mass, grade)
    target = _kind.one(_kind.grade(target_grade, "target_grade"), "target_grade")
    total_a = float(np.sum(m * g))
    if total_a <= 0:
        raise DataError("the classes hold no A (every grade is 0): recovery is undefined")
    order = np.argsort(-g, kind="stable")
    got_a = got_m = 0.0
    for i in order:
        if m[i] <= 0:
            continue
        if (got_a + m[i] * g[i]) >= target * (got_m + m[i]) - 1e-15:
            got_a += m[i] * g[i]
            got_m += m[i]
            continue
        # split class i: (got_a + t m g) = target (got_m + t m)
        if g[i] < target:
            t = (got_a - target * got_m) / (m[i] * (target - g[i]))
            got_a += max(t, 0.0) * m[i] * g[i]
        break
    # a sum of the classes' own A can exceed the total by rounding (1.0000000000000002)
    return float(min(got_a / total_a, 1.0))
