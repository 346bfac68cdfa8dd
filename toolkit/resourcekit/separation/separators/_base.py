"""What every separator model shares: parameters with units, a partition per particle, and
the result of one pass (two products that close the mass balance)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from resourcekit.errors import DataError, LabelError, UnitError

from ..particles import ParticlePopulation

__all__ = ["Separator", "SeparatorResult", "read_parameter"]

#: Columns a partition core may read, as float arrays in the units of ``PROPERTY_UNITS``.
CORE_COLUMNS = ("mass", "size", "density", "conductivity", "susceptibility")


def read_parameter(value: Any, name: str, unit: str, *, low: float | None = None,
                   low_inclusive: bool = True, high: float | None = None) -> float:
    """One physical parameter as a float in ``unit`` (a pint quantity is converted after a
    dimension check; a plain number is taken in ``unit``), with an optional range."""
    from resourcekit.boundary import amount, number

    if unit in ("", "dimensionless", "-"):
        arr = number(value, name, allow_nan=False)
    else:
        try:
            arr = amount(value, name, unit=unit, allow_negative=True)
        except UnitError as err:
            raise UnitError(f"{name}: {err} (expected a quantity in {unit})") from None
    if np.size(arr) != 1:
        raise DataError(f"{name} holds {np.size(arr)} values: a separator parameter is one "
                        "number")
    v = float(np.ravel(arr)[0])
    if not np.isfinite(v):
        raise DataError(f"{name} = {v} must be finite [{unit}]")
    if low is not None and (v < low or (not low_inclusive and v == low)):
        sign = ">=" if low_inclusive else ">"
        raise DataError(f"{name} = {v:g} must be {sign} {low:g} [{unit}]")
    if high is not None and v > high:
        raise DataError(f"{name} = {v:g} must be <= {high:g} [{unit}]")
    return v


def population_arrays(population: ParticlePopulation) -> dict[str, np.ndarray]:
    """The columns a partition core reads (plus ``signal`` when the population has one)."""
    if not isinstance(population, ParticlePopulation):
        raise DataError("population must be a ParticlePopulation (see "
                        "resourcekit.separation.particles)")
    table = population._table  # read-only use: no copy for speed
    cols = {c: table[c].to_numpy(float) for c in CORE_COLUMNS}
    if "signal" in table.columns:
        cols["signal"] = table["signal"].to_numpy(float)
    return cols


@dataclass(frozen=True)
class SeparatorResult:
    """One pass of a population through a separator.

    Attributes
    ----------
    separator : Separator
        The model and its parameters.
    feed : ParticlePopulation
        What went in.
    partition : numpy.ndarray
        Fraction of each row's mass that reports to ``products[0]`` (0-1).
    products : tuple of str
        The two product names, the one ``partition`` refers to first.
    """

    separator: Any
    feed: ParticlePopulation
    partition: np.ndarray
    products: tuple[str, str]

    def product(self, name: str) -> ParticlePopulation:
        """The population that reports to product ``name`` (row masses scaled)."""
        if name == self.products[0]:
            return self.feed.scaled(self.partition)
        if name == self.products[1]:
            return self.feed.scaled(1.0 - self.partition)
        raise LabelError(f"product = {name!r} is not a product of this separator; its "
                         f"products are {list(self.products)}")

    def masses(self) -> pd.DataFrame:
        """Mass of each component in each product and the feed. [kg]"""
        comp = self.feed.component_mass().to_numpy()
        first = self.partition @ comp
        feed = comp.sum(axis=0)
        return pd.DataFrame([first, feed - first, feed], index=[*self.products, "feed"],
                            columns=list(self.feed.components))

    def grade(self) -> pd.DataFrame:
        """Mass fraction of each component in each product and the feed. [-]"""
        m = self.masses()
        return m.div(m.sum(axis=1), axis=0)

    def recovery(self) -> pd.DataFrame:
        """Share of each component of the feed that reports to each product. [-]"""
        m = self.masses()
        return m.iloc[:2].div(m.loc["feed"], axis=1)

    def result(self, component: str, product: str | None = None) -> Any:
        """The usual two-product result (:class:`~resourcekit.separation.TwoProductResult`)
        for ``component`` with ``product`` as the concentrate (default: the product that
        recovers most of it).

        Returns
        -------
        TwoProductResult
            Mass yield, recovery, enrichment ratio, separation efficiency and more, from the
            product masses (Oki's way, :func:`~resourcekit.separation.from_masses`).
        """
        from ..efficiency import from_masses

        m = self.masses()
        if component not in m.columns:
            raise LabelError(f"component = {component!r} is not in the feed; components are "
                             f"{list(m.columns)}")
        if product is None:
            product = str(m[component].iloc[:2].idxmax())
        if product not in self.products:
            raise LabelError(f"product = {product!r}; products are {list(self.products)}")
        total = m.loc["feed"].sum()
        conc = m.loc[product].sum()
        return from_masses(total, m.loc["feed", component] / total, conc,
                           m.loc[product, component] / conc)

    def summary(self) -> pd.DataFrame:
        """Mass, yield, and grade and recovery of each component per product."""
        m = self.masses()
        out = pd.DataFrame({"mass": m.sum(axis=1)})
        out["mass_yield"] = out["mass"] / out.loc["feed", "mass"]
        for c in m.columns:
            out[f"grade_{c}"] = m[c] / out["mass"]
            out[f"recovery_{c}"] = m[c] / m.loc["feed", c]
        return out


@dataclass(frozen=True)
class Separator:
    """Base of the separator models: parameters in SI-like units, a partition per particle.

    Subclasses set ``products`` (the product ``partition`` refers to first), ``units``
    (parameter -> unit), ``reference`` and implement ``_core(columns) -> partition``.
    """

    products: ClassVar[tuple[str, str]] = ("concentrate", "tailing")
    units: ClassVar[Mapping[str, str]] = {}
    reference: ClassVar[str] = ""
    #: Whether the partition depends on the mass reaching the unit (a sorter's belt load).
    uses_mass: ClassVar[bool] = False

    def _core(self, cols: Mapping[str, np.ndarray]) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError

    def partition(self, population: ParticlePopulation) -> np.ndarray:
        """Fraction of each particle (row) that reports to ``products[0]``. [-]"""
        return self._core(population_arrays(population))

    def separate(self, population: ParticlePopulation) -> SeparatorResult:
        """Run ``population`` through the separator: partition and both products."""
        p = self.partition(population)
        return SeparatorResult(self, population, p, self.products)

    def parameters(self) -> pd.DataFrame:
        """The parameters with their units and the model's reference."""
        rows = [{"parameter": f.name, "value": getattr(self, f.name),
                 "unit": self.units.get(f.name, "-")} for f in fields(self)]
        out = pd.DataFrame(rows).set_index("parameter")
        out.attrs["reference"] = self.reference
        return out

    def replace(self, **changes: Any) -> Separator:
        """A copy with some parameters changed (read and checked again)."""
        from dataclasses import replace

        return replace(self, **changes)

    def _set(self, name: str, value: float) -> None:
        object.__setattr__(self, name, value)
