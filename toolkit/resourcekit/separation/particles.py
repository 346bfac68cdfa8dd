"""Particle populations: the feed that separators act on, one row per particle or class.

A :class:`ParticlePopulation` is a pandas table with one row per particle (a measured list, or a
Monte Carlo sample) or per particle class (a liberation class: many particles alike), each with
its **mass**, so that every product of a separator is a mass balance. Columns and the units they
are held in (inputs in any unit pint converts, see :data:`PROPERTY_UNITS`):

=================  ==========  ======================================================
column             unit        meaning
=================  ==========  ======================================================
``mass``           kg          mass of the particle or class
``size``           mm          particle size (sieve size; sphere diameter in the models)
``density``        kg/m**3     particle density
``conductivity``   MS/m        electrical conductivity (1 MS/m = 1e6 S/m)
``susceptibility`` -           volume magnetic susceptibility, SI (dimensionless)
``material``       text        material class (``"Cu"``, ``"PVC"``, ``"locked 40-50%"``)
``signal``         any         optional sensor signal (e.g. terahertz transmission)
``w_<component>``  -           composition: mass fraction of each component (sum 1)
=================  ==========  ======================================================

Grades and recoveries are reported per **component** (``w_`` columns): a locked Cu-epoxy
particle carries both. Without a composition, each particle is pure in its ``material``.

Build a population from measured particle lists (:meth:`ParticlePopulation.from_particles`),
from a liberation table (:meth:`ParticlePopulation.from_liberation_table`), or from a
composition and a Rosin-Rammler size distribution
(:meth:`ParticlePopulation.from_rosin_rammler`); material properties default to the published
values of dataset ``sep_material_properties`` (:func:`material_properties`).

>>> from resourcekit.separation.particles import ParticlePopulation
>>> pop = ParticlePopulation.from_particles({
...     "mass": [1.0, 2.0], "size": [10.0, 12.0], "density": [2700.0, 1380.0],
...     "material": ["Al", "PVC"]})
>>> pop.mass_by_component().round(3).to_dict()
{'Al': 1.0, 'PVC': 2.0}
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from resourcekit.errors import DataError, LabelError, UnitError

__all__ = [
    "PROPERTY_UNITS",
    "ParticlePopulation",
    "material_properties",
    "mix_properties",
    "small_appliance_population",
]

#: The unit each physical column is held in (inputs are converted to it).
PROPERTY_UNITS: dict[str, str] = {
    "mass": "kg",
    "size": "mm",
    "density": "kg/m**3",
    "conductivity": "MS/m",
    "susceptibility": "dimensionless",
}

_OPTIONAL_DEFAULTS = {"conductivity": 0.0, "susceptibility": 0.0}
_PREFIX = "w_"


# ----------------------------------------------------------------------------- reading inputs


def _read_property(value: Any, name: str, unit: str, units: Any) -> np.ndarray:
    """One physical column in its held unit; a wrong dimension names the argument."""
    from resourcekit.boundary import amount, number

    if unit == "dimensionless":
        if units is not None:
            value = _with_unit(value, units)
        try:
            return np.atleast_1d(number(value, name, allow_nan=False)).astype(float)
        except UnitError as err:
            raise UnitError(
                f"{name} must be the volume magnetic susceptibility, dimensionless (SI): "
                f"{err}. A mass susceptibility [m**3/kg] times the density [kg/m**3] gives it"
            ) from None
    import warnings

    from resourcekit.errors import MissingValueWarning

    with warnings.catch_warnings():  # NaN is refused just below: no warning before the error
        warnings.simplefilter("ignore", MissingValueWarning)
        arr = np.atleast_1d(amount(value, name, unit=unit, units=units)).astype(float)
    if np.any(np.isnan(arr)):
        raise DataError(f"{name} holds NaN: every particle needs a {name} [{unit}]")
    return arr


def _with_unit(value: Any, unit: str) -> Any:
    from resourcekit.units import registry

    return registry().Quantity(np.asarray(value, float), unit)


def _column_or_none(data: Mapping[str, Any] | pd.DataFrame, name: str) -> Any:
    if isinstance(data, pd.DataFrame):
        return data[name] if name in data.columns else None
    return data.get(name)


# ------------------------------------------------------------------------- material properties


def material_properties() -> pd.DataFrame:
    """Published density, conductivity and susceptibility of recycling materials.

    Returns
    -------
    pandas.DataFrame
        Indexed by material: ``density`` [kg/m**3], ``conductivity`` [MS/m],
        ``susceptibility`` [-, volume SI], ``kind``, and the three source columns. Read from
        dataset ``sep_material_properties`` (its card names every source; cells marked
        "assumption" are ours).

    Examples
    --------
    >>> props = material_properties()
    >>> props.loc["Al", ["density", "conductivity"]].tolist()
    [2700.0, 37.7]
    """
    from resourcekit import datasets

    raw = datasets.load("sep_material_properties")
    out = raw.set_index("material").rename(columns={
        "density_kg_m3": "density", "conductivity_MS_m": "conductivity",
        "susceptibility_SI": "susceptibility"})
    for col in ("density", "conductivity", "susceptibility"):
        out[col] = out[col].astype(float)
    return out


def _property_table(properties: pd.DataFrame | None, needed: list[str]) -> pd.DataFrame:
    table = material_properties() if properties is None else properties
    if not isinstance(table, pd.DataFrame):
        raise DataError("properties must be a DataFrame indexed by material with columns "
                        "density [kg/m**3], conductivity [MS/m], susceptibility [-]")
    missing = [m for m in needed if m not in table.index]
    if missing:
        raise LabelError(f"properties has no row for {missing}; it knows "
                         f"{sorted(map(str, table.index))}")
    if "density" not in table.columns:
        raise LabelError("properties lacks the column 'density' [kg/m**3]")
    out = table.loc[needed].copy()
    for col, default in _OPTIONAL_DEFAULTS.items():
        if col not in out.columns:
            out[col] = default
    for col in ("density", "conductivity", "susceptibility"):
        _read_property(out[col].to_numpy(float), f"properties[{col!r}]",
                       PROPERTY_UNITS[col], None)
    return out


def mix_properties(composition: pd.DataFrame, properties: pd.DataFrame | None = None
                   ) -> pd.DataFrame:
    r"""Density, conductivity and susceptibility of composite (locked) particles.

    Parameters
    ----------
    composition : pandas.DataFrame
        One row per particle, one column per material: mass fractions (rows sum to 1). [-]
    properties : pandas.DataFrame, optional
        Material properties as :func:`material_properties` (default: that table).

    Returns
    -------
    pandas.DataFrame
        ``density`` [kg/m**3], ``conductivity`` [MS/m], ``susceptibility`` [-], one row per
        particle.

    Notes
    -----
    With mass fractions :math:`w_i` and densities :math:`\rho_i`, the volume fractions are
    :math:`v_i = (w_i/\rho_i)/\sum_j w_j/\rho_j`; then

    .. math::

        \rho = \Big(\sum_i w_i/\rho_i\Big)^{-1},\quad
        \sigma = \sum_i v_i \sigma_i,\quad \chi = \sum_i v_i \chi_i

    The density is exact (volumes add). The conductivity is the parallel (Wiener) upper
    bound, right for layers along the current and an overestimate for a metal grain buried
    in plastic (which conducts far less); the susceptibility average is exact for weak
    susceptibilities. Both are stated assumptions, not measured.

    References
    ----------
    - [1] Wiener O. (1912) Die Theorie des Mischkoerpers fuer das Feld der stationaeren
      Stroemung. Abh. Saechs. Ges. Wiss. 32:509-604 (parallel bound of a mixture).

    Examples
    --------
    Half Cu, half PCB substrate by mass:

    >>> comp = pd.DataFrame({"Cu": [0.5], "PCB_substrate": [0.5]})
    >>> round(float(mix_properties(comp)["density"].iloc[0]), 1)
    2926.5
    """
    if not isinstance(composition, pd.DataFrame):
        raise DataError("composition must be a DataFrame: one column per material")
    w = composition.to_numpy(float)
    if np.any(~np.isfinite(w)) or np.any(w < 0):
        raise DataError("composition holds a negative, NaN or infinite mass fraction")
    sums = w.sum(axis=1)
    if np.any(np.abs(sums - 1.0) > 1e-6):
        i = int(np.argmax(np.abs(sums - 1.0)))
        raise DataError(f"composition row {composition.index[i]!r} sums to {sums[i]:g}: mass "
                        "fractions of a particle must sum to 1")
    props = _property_table(properties, [str(c) for c in composition.columns])
    rho = props["density"].to_numpy(float)
    if np.any(rho <= 0):
        raise DataError("properties['density'] must be > 0 for every material")
    vol = w / rho
    spec_vol = vol.sum(axis=1)
    v = vol / spec_vol[:, None]
    return pd.DataFrame({
        "density": 1.0 / spec_vol,
        "conductivity": v @ props["conductivity"].to_numpy(float),
        "susceptibility": v @ props["susceptibility"].to_numpy(float),
    }, index=composition.index)


# --------------------------------------------------------------------------------- population


class ParticlePopulation:
    """A pandas-backed table of particles or particle classes, each with its mass.

    Build it with :meth:`from_particles`, :meth:`from_liberation_table` or
    :meth:`from_rosin_rammler`; the constructor takes an already checked table. The table
    itself is :attr:`table` (a copy: the population is immutable).
    """

    __slots__ = ("_table", "_components")

    def __init__(self, table: pd.DataFrame) -> None:
        self._table = _checked_table(table)
        self._components = tuple(c[len(_PREFIX):] for c in self._table.columns
                                 if c.startswith(_PREFIX))

    # ------------------------------------------------------------------ constructors
    @classmethod
    def from_particles(cls, data: Mapping[str, Any] | pd.DataFrame, *,
                       units: Mapping[str, str] | None = None,
                       composition: pd.DataFrame | None = None) -> ParticlePopulation:
        """Population from measured particle lists (or classes), in any units.

        Parameters
        ----------
        data : DataFrame or mapping of column -> values
            ``mass``, ``size``, ``density`` and ``material`` are required; ``conductivity``,
            ``susceptibility`` (default 0) and ``signal`` are optional. Values may be pint
            quantities (converted to :data:`PROPERTY_UNITS`).
        units : mapping, optional
            Unit of plain numbers per column, e.g. ``{"density": "g/cm**3", "size": "m"}``.
        composition : DataFrame, optional
            Mass fractions of each component per particle (rows sum to 1); default: each
            particle pure in its material.

        Returns
        -------
        ParticlePopulation

        Raises
        ------
        UnitError
            A value whose unit has the wrong dimension (a susceptibility in m**3/kg, a density
            in m), naming the column.
        DataError
            A negative mass, size, density or conductivity, NaN, or an empty list.

        Examples
        --------
        >>> from resourcekit.units import Quantity
        >>> pop = ParticlePopulation.from_particles({
        ...     "mass": Quantity([5.0, 20.0], "g"), "size": [8.0, 9.0],
        ...     "density": Quantity([2.7, 8.93], "g/cm**3"), "material": ["Al", "Cu"]})
        >>> pop.table[["mass", "density"]].round(3).values.tolist()
        [[0.005, 2700.0], [0.02, 8930.0]]
        """
        units = dict(units or {})
        unknown_units = sorted(set(units) - set(PROPERTY_UNITS))
        if unknown_units:
            raise LabelError(f"units names {unknown_units}, which are not unit-bearing "
                             f"columns; they are {sorted(PROPERTY_UNITS)}")
        cols: dict[str, Any] = {}
        for name, unit in PROPERTY_UNITS.items():
            value = _column_or_none(data, name)
            if value is None:
                if name in _OPTIONAL_DEFAULTS:
                    continue
                raise LabelError(f"data lacks the column {name!r} [{unit}]")
            cols[name] = _read_property(value, name, unit, units.get(name))
        material = _column_or_none(data, "material")
        if material is None:
            raise LabelError("data lacks the column 'material' (material class of each "
                             "particle)")
        n = cols["mass"].size
        cols["material"] = np.asarray(material, dtype=object).astype(str)
        signal = _column_or_none(data, "signal")
        if signal is not None:
            from resourcekit.boundary import number

            cols["signal"] = np.atleast_1d(number(signal, "signal", allow_nan=False))
        for name, default in _OPTIONAL_DEFAULTS.items():
            cols.setdefault(name, np.full(n, default))
        lengths = {k: np.size(v) for k, v in cols.items()}
        if len(set(lengths.values())) != 1:
            raise DataError(f"columns differ in length: {lengths}")
        table = pd.DataFrame(cols)
        if isinstance(data, pd.DataFrame):
            table.index = data.index
        comp = _composition(composition, table)
        return cls(pd.concat([table, comp], axis=1))

    @classmethod
    def from_liberation_table(
        cls, classes: pd.DataFrame, *, target: str, other: str, size: Any,
        mass: str = "mass_kg", grade: str = "grade", properties: pd.DataFrame | None = None,
        units: Mapping[str, str] | None = None,
    ) -> ParticlePopulation:
        """Population of binary liberation classes (one row per class of particle grade).

        Parameters
        ----------
        classes : DataFrame
            One row per liberation class with a mass and a grade column, e.g. dataset
            ``sep_ewaste_liberation_classes``.
        target, other : str
            The two materials (rows of ``properties``): grade is the mass fraction of
            ``target``, the rest is ``other``.
        size : float, array or Quantity
            Particle size of each class (or one for all). [mm]
        mass, grade : str
            Column names in ``classes``. [kg; mass fraction]
        properties : DataFrame, optional
            Material properties (default :func:`material_properties`).
        units : mapping, optional
            Unit of plain numbers, as in :meth:`from_particles` (e.g. ``{"mass": "t"}``).

        Returns
        -------
        ParticlePopulation
            ``material`` is the class label; properties mixed by :func:`mix_properties`.

        Examples
        --------
        >>> from resourcekit import datasets
        >>> lib = datasets.load("sep_ewaste_liberation_classes").set_index("class")
        >>> pop = ParticlePopulation.from_liberation_table(
        ...     lib, target="Cu", other="PCB_substrate", size=2.0)
        >>> round(float(pop.grade()["Cu"]), 4)
        0.1927
        """
        for col in (mass, grade):
            if col not in classes.columns:
                raise LabelError(f"classes has no column {col!r}; columns are "
                                 f"{list(classes.columns)}")
        from resourcekit.boundary import fraction

        g = np.atleast_1d(fraction(classes[grade].to_numpy(float), grade)).astype(float)
        comp = pd.DataFrame({target: g, other: 1.0 - g}, index=classes.index)
        mixed = mix_properties(comp, properties)
        size_arr = np.broadcast_to(_read_property(size, "size", "mm",
                                                  (units or {}).get("size")), g.shape)
        data = pd.DataFrame({
            "mass": classes[mass].to_numpy(float), "size": size_arr,
            "density": mixed["density"].to_numpy(), "material":
            np.asarray(classes.index, dtype=object).astype(str),
            "conductivity": mixed["conductivity"].to_numpy(),
            "susceptibility": mixed["susceptibility"].to_numpy()}, index=classes.index)
        unit_map = {k: v for k, v in (units or {}).items() if k == "mass"}
        return cls.from_particles(data, units=unit_map, composition=comp)

    @classmethod
    def from_rosin_rammler(
        cls, composition: Mapping[str, float], *, x63: Any, spread: float, n_particles: int,
        total_mass: Any = 1.0, properties: pd.DataFrame | None = None, seed: int = 0,
    ) -> ParticlePopulation:
        r"""Monte Carlo population of liberated particles from a composition and a
        Rosin-Rammler size distribution.

        Each row is a parcel of equal mass ``total_mass / n_particles``: its material is drawn
        with probability equal to its mass fraction and its size from the Rosin-Rammler mass
        distribution :math:`F(x) = 1 - \exp(-(x/x_{63})^n)`, by inversion
        :math:`x = x_{63}(-\ln(1 - u))^{1/n}` (see
        :func:`resourcekit.separation.liberation.rosin_rammler_passing`).

        Parameters
        ----------
        composition : mapping material -> mass fraction
            Fractions summing to 1; materials are rows of ``properties``. [-]
        x63 : float or Quantity
            Size at 63.2 % passing. [mm]
        spread : float
            Rosin-Rammler uniformity exponent n (> 0). [-]
        n_particles : int
            Number of parcels.
        total_mass : float or Quantity
            Total mass. [kg]
        properties : DataFrame, optional
            Material properties (default :func:`material_properties`).
        seed : int
            Seed of the random generator (numpy ``default_rng``).

        Returns
        -------
        ParticlePopulation

        References
        ----------
        - [1] Rosin P., Rammler E. (1933) The laws governing the fineness of powdered coal.
          J. Inst. Fuel 7:29-36.

        Examples
        --------
        >>> pop = ParticlePopulation.from_rosin_rammler(
        ...     {"Al": 0.3, "PP": 0.7}, x63=10.0, spread=1.5, n_particles=20000, seed=1)
        >>> round(float(pop.grade()["Al"]), 2)
        0.3
        """
        from resourcekit.separation._kind import count

        n = count(n_particles, "n_particles")
        names = [str(k) for k in composition]
        frac = _read_property([composition[k] for k in composition], "composition",
                              "dimensionless", None)
        if np.any(frac < 0) or abs(frac.sum() - 1.0) > 1e-9:
            raise DataError(f"composition fractions {frac.tolist()} must be >= 0 and sum to 1")
        x63_mm = float(_read_property(x63, "x63", "mm", None)[0])
        if not x63_mm > 0:
            raise DataError(f"x63 = {x63_mm:g} mm must be > 0")
        n_exp = float(_read_property(spread, "spread", "dimensionless", None)[0])
        if not n_exp > 0:
            raise DataError(f"spread = {n_exp:g} must be > 0 (Rosin-Rammler exponent n)")
        total = float(_read_property(total_mass, "total_mass", "kg", None)[0])
        props = _property_table(properties, names)
        rng = np.random.default_rng(seed)
        pick = rng.choice(len(names), size=n, p=frac / frac.sum())
        size = x63_mm * (-np.log1p(-rng.random(n))) ** (1.0 / n_exp)
        mat = np.asarray(names, dtype=object)[pick]
        data = pd.DataFrame({
            "mass": np.full(n, total / n), "size": size,
            "density": props["density"].to_numpy(float)[pick],
            "conductivity": props["conductivity"].to_numpy(float)[pick],
            "susceptibility": props["susceptibility"].to_numpy(float)[pick],
            "material": mat})
        return cls.from_particles(data)

    # ------------------------------------------------------------------ views
    @property
    def table(self) -> pd.DataFrame:
        """A copy of the particle table: the columns of the module's table (the population is
        immutable)."""
        return self._table.copy()

    @property
    def components(self) -> tuple[str, ...]:
        """The components (``w_`` columns) grades and recoveries are reported for."""
        return self._components

    def __len__(self) -> int:
        return len(self._table)

    def __repr__(self) -> str:
        return (f"ParticlePopulation({len(self)} rows, {self.total_mass:g} kg, components "
                f"{list(self.components)})")

    @property
    def total_mass(self) -> float:
        """Total mass. [kg]"""
        return float(self._table["mass"].sum())

    def column(self, name: str) -> np.ndarray:
        """One column as a float array (``"conductivity_density"`` gives sigma/rho
        [(MS/m)/(kg/m**3)], the eddy-current property)."""
        if name == "conductivity_density":
            return (self._table["conductivity"] / self._table["density"]).to_numpy(float)
        if name not in self._table.columns:
            raise LabelError(f"population has no column {name!r}; columns are "
                             f"{list(self._table.columns)}")
        return self._table[name].to_numpy(float)

    def composition(self) -> pd.DataFrame:
        """Mass fractions of each component per particle. [-]"""
        comp = self._table[[_PREFIX + c for c in self._components]]
        comp.columns = list(self._components)
        return comp

    def component_mass(self) -> pd.DataFrame:
        """Mass of each component in each particle or class. [kg]"""
        return self.composition().mul(self._table["mass"], axis=0)

    def mass_by_component(self) -> pd.Series:
        """Total mass of each component. [kg]"""
        return self.component_mass().sum()

    def grade(self) -> pd.Series:
        """Mass fraction of each component in the whole population. [-]"""
        return self.mass_by_component() / self.total_mass

    def scaled(self, fraction: Any) -> ParticlePopulation:
        """The population with each row's mass multiplied by ``fraction`` (0-1): the part of
        each particle class that reports to one product."""
        f = np.asarray(fraction, float)
        if f.shape != (len(self),):
            raise DataError(f"fraction has shape {f.shape}; expected one value per row "
                            f"({len(self)})")
        if np.any(~np.isfinite(f)) or np.any(f < 0) or np.any(f > 1 + 1e-12):
            raise DataError("fraction must lie in [0, 1] for every row")
        table = self._table.copy()
        table["mass"] = table["mass"].to_numpy() * f
        return ParticlePopulation(table)

    def sample(self, n_particles: int, *, seed: int = 0) -> ParticlePopulation:
        """Monte Carlo particles drawn from the rows with probability proportional to mass.

        Each drawn particle gets mass ``total_mass / n_particles``, so the sample's composition
        converges to the population's (the class-based result is the limit of many draws).

        >>> pop = ParticlePopulation.from_particles({"mass": [1.0, 3.0], "size": [5.0, 5.0],
        ...     "density": [1000.0, 2000.0], "material": ["a", "b"]})
        >>> round(float(pop.sample(40000, seed=2).grade()["b"]), 2)
        0.75
        """
        from resourcekit.separation._kind import count

        n = count(n_particles, "n_particles")
        p = self._table["mass"].to_numpy(float)
        if p.sum() <= 0:
            raise DataError("the population has no mass to sample from")
        rng = np.random.default_rng(seed)
        idx = rng.choice(len(self), size=n, p=p / p.sum())
        table = self._table.iloc[idx].reset_index(drop=True)
        table["mass"] = self.total_mass / n
        return ParticlePopulation(table)

    def summary(self) -> pd.DataFrame:
        """Mass, mass fraction, mean size and density per material. [kg, -, mm, kg/m**3]"""
        t = self._table
        g = t.groupby("material", sort=True)
        out = pd.DataFrame({"mass": g["mass"].sum()})
        out["mass_fraction"] = out["mass"] / self.total_mass
        for col in ("size", "density"):
            out[f"mean_{col}"] = g.apply(
                lambda d, c=col: np.average(d[c], weights=d["mass"])
                if d["mass"].sum() > 0 else np.nan, include_groups=False)
        return out


def _composition(composition: pd.DataFrame | None, table: pd.DataFrame) -> pd.DataFrame:
    if composition is None:
        comp = pd.get_dummies(table["material"]).astype(float)
        comp = comp.reindex(columns=sorted(comp.columns))
    else:
        if not isinstance(composition, pd.DataFrame):
            raise DataError("composition must be a DataFrame: one column per component")
        if len(composition) != len(table):
            raise DataError(f"composition has {len(composition)} rows for {len(table)} "
                            "particles")
        comp = composition.astype(float).copy()
        comp.index = table.index
    comp.columns = [_PREFIX + str(c) for c in comp.columns]
    return comp


def _checked_table(table: pd.DataFrame) -> pd.DataFrame:
    if not isinstance(table, pd.DataFrame):
        raise DataError("a ParticlePopulation is built from a DataFrame (use from_particles)")
    needed = ("mass", "size", "density", "conductivity", "susceptibility", "material")
    missing = [c for c in needed if c not in table.columns]
    if missing:
        raise LabelError(f"particle table lacks {missing}")
    if len(table) == 0:
        raise DataError("the particle list is empty")
    for col in ("mass", "size", "density", "conductivity"):
        arr = table[col].to_numpy(float)
        bad = ~np.isfinite(arr) | (arr < 0)
        if np.any(bad):
            v = arr[bad][0]
            raise DataError(f"{col} = {v:g} is not allowed: expected a finite value >= 0 "
                            f"[{PROPERTY_UNITS[col]}]")
    if np.any(table["density"].to_numpy(float) <= 0):
        raise DataError("density = 0 is not allowed: a particle has density > 0 [kg/m**3]")
    chi = table["susceptibility"].to_numpy(float)
    if np.any(~np.isfinite(chi)) or np.any(chi <= -1):
        raise DataError("susceptibility must be finite and > -1 (volume SI; -1 is a perfect "
                        "diamagnet)")
    comp_cols = [c for c in table.columns if c.startswith(_PREFIX)]
    if not comp_cols:
        raise LabelError("particle table has no composition (w_<component>) columns")
    w = table[comp_cols].to_numpy(float)
    if np.any(~np.isfinite(w)) or np.any(w < -1e-12) or np.any(np.abs(w.sum(axis=1) - 1) > 1e-6):
        raise DataError("composition must hold mass fractions >= 0 that sum to 1 per particle")
    return table.copy()


def small_appliance_population() -> ParticlePopulation:
    """The particles of dataset ``sep_small_appliance_particles`` as a population.

    Columns are renamed to the population's (``mass_g`` -> ``mass`` in g, ``size_mm`` ->
    ``size`` ...); the board particles with locked copper get the composition Cu =
    ``cu_grade``, PCB_substrate = 1 - ``cu_grade``; every other particle is pure in its
    material. The data are synthetic (see the dataset's card).

    Returns
    -------
    ParticlePopulation
        3,000 particles with a ``signal`` column (an invented NIR-like "is PVC" score).

    Examples
    --------
    >>> pop = small_appliance_population()
    >>> len(pop), round(pop.total_mass, 2)
    (3000, 42.57)
    >>> sorted(pop.components)[:3]
    ['ABS', 'Al', 'Cu']
    """
    from resourcekit import datasets

    df = datasets.load("sep_small_appliance_particles")
    comp = pd.get_dummies(df["material"]).astype(float)
    board = (df["material"] == "PCB_substrate").to_numpy()
    comp["Cu"] = df["cu_grade"].to_numpy(float)
    comp["PCB_substrate"] = np.where(board, 1.0 - df["cu_grade"].to_numpy(float), 0.0)
    data = df.rename(columns={"mass_g": "mass", "size_mm": "size", "density_kg_m3": "density",
                              "conductivity_MS_m": "conductivity",
                              "susceptibility_SI": "susceptibility"})
    return ParticlePopulation.from_particles(data, units={"mass": "g"}, composition=comp)
