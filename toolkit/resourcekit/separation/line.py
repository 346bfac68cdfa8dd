"""A sorting line: separators joined by streams, from a particle population to final products.

Each separator splits every particle (row) of what reaches it by its partition; every stream
goes to another separator or to a final product. The line follows each particle's mass
fraction through the graph (exactly, recycles included, by a linear solve per particle), so the
products close the balance of every particle, and hence of every component, to round-off.

The graph is a :class:`resourcekit.massbalance.Flowsheet` (``SortingLine.flowsheet``): the
same object the reconciliation of a surveyed line uses. The result gives grade and recovery
per component, Oki's material-balance evaluation table, recycling grades per product route,
a Sankey, and inputs for :func:`~resourcekit.separation.cost_effect` and
:func:`resourcekit.stocks.secondary_supply`.

>>> from resourcekit.separation.line import SortingLine
>>> from resourcekit.separation.separators import DensitySeparator
>>> from resourcekit.separation.particles import ParticlePopulation
>>> pop = ParticlePopulation.from_particles({"mass": [1.0, 1.0, 2.0], "size": [8.0] * 3,
...     "density": [910.0, 1375.0, 2700.0], "material": ["PP", "PVC", "Al"]})
>>> line = SortingLine({"float": DensitySeparator(1000.0), "heavy": DensitySeparator(2000.0)},
...     {"float.floats": "PP product", "float.sinks": "heavy",
...      "heavy.sinks": "Al product", "heavy.floats": "PVC product"}, feed_to="float")
>>> line.run(pop).recovery().round(3)["Al"].to_dict()
{'PP product': 0.0, 'Al product': 1.0, 'PVC product': 0.0}
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from resourcekit.errors import DataError, FlowsheetError, LabelError

from .particles import ParticlePopulation
from .separators._base import Separator, population_arrays

__all__ = ["SortingLine", "LineResult", "MonteCarloBand"]


# ----------------------------------------------------------------------------------- the line


class SortingLine:
    """A graph of separators that a particle population runs through to final products.

    Parameters
    ----------
    units : mapping name -> Separator
        The separators (models of :mod:`resourcekit.separation.separators`).
    routes : mapping stream -> destination
        Every output of every unit, written ``"unit.product"`` (e.g. ``"dms.sinks"``), mapped
        to another unit's name or to the name of a final product. A unit output left out
        (a product that goes nowhere) raises FlowsheetError naming it.
    feed_to : str
        The unit that receives the feed.
    products : sequence of str, optional
        The final products, in the order of the tables; default: the destinations that are
        not units, in order of appearance. Given, every destination must be a unit or one of
        them, and each of them must receive a stream.

    Raises
    ------
    FlowsheetError
        An output with no route, a route from an unknown unit or product, a product that
        receives nothing, or a unit no stream from the feed reaches.

    Examples
    --------
    See the module docstring; ``line.flowsheet.chart()`` draws the graph.
    """

    def __init__(self, units: Mapping[str, Separator], routes: Mapping[str, str], *,
                 feed_to: str, products: Sequence[str] | None = None) -> None:
        if not isinstance(units, Mapping) or not units:
            raise FlowsheetError("units must map at least one unit name to a separator")
        for name, unit in units.items():
            if not isinstance(unit, Separator):
                raise FlowsheetError(f"units[{name!r}] is a {type(unit).__name__}, not a "
                                     "separator model (resourcekit.separation.separators)")
            if "." in str(name):
                raise FlowsheetError(f"unit name {name!r} contains '.', which separates unit "
                                     "and product in stream names")
        if feed_to not in units:
            raise FlowsheetError(f"feed_to = {feed_to!r} is not a unit; units are "
                                 f"{list(units)}")
        self.units: dict[str, Separator] = dict(units)
        self.feed_to = feed_to
        self.routes, self.products = _checked_routes(self.units, dict(routes), products)
        self._order, self.has_recycle = _order(self.units, self.routes, feed_to)

    def __repr__(self) -> str:
        return (f"SortingLine(units={list(self.units)}, products={list(self.products)}, "
                f"recycle={self.has_recycle})")

    @property
    def flowsheet(self) -> Any:
        """The line as a :class:`resourcekit.massbalance.Flowsheet` (feed, streams, products)."""
        from resourcekit.massbalance import Flowsheet

        edges = [("feed", None, self.feed_to)]
        for stream, dest in self.routes.items():
            unit = stream.split(".", 1)[0]
            edges.append((stream, unit, dest if dest in self.units else None))
        return Flowsheet.from_edges(edges)

    def replace(self, **parameters: Any) -> SortingLine:
        """A copy with separator parameters changed: ``line.replace(**{"dms.cut_density":
        1100.0})``."""
        units = dict(self.units)
        for key, value in parameters.items():
            unit, _, param = key.partition(".")
            if unit not in units or not param:
                raise LabelError(f"{key!r}: write 'unit.parameter' with a unit of "
                                 f"{list(units)}")
            units[unit] = units[unit].replace(**{param: value})
        return SortingLine(units, self.routes, feed_to=self.feed_to, products=self.products)

    # -------------------------------------------------------------------------- running
    def run(self, population: ParticlePopulation) -> LineResult:
        """Run ``population`` through the line.

        Returns
        -------
        LineResult
            Fractions of every row to every product and stream, and the tables built on them.
        """
        cols = population_arrays(population)
        fractions, streams, unit_in = self._fractions(cols)
        return LineResult(self, population, fractions, streams, unit_in)

    def product_fractions(self, population: ParticlePopulation) -> np.ndarray:
        """Fraction of each row's mass that reaches each product, shape (rows, products)."""
        return self._fractions(population_arrays(population))[0]

    def _fractions(self, cols: dict[str, np.ndarray]
                   ) -> tuple[np.ndarray, dict[str, np.ndarray], dict[str, np.ndarray]]:
        if self.has_recycle:
            return _solve_recycle(self, cols)
        n = cols["mass"].size
        arriving = {u: np.zeros(n) for u in self.units}
        arriving[self.feed_to] = np.ones(n)
        products = {p: np.zeros(n) for p in self.products}
        streams: dict[str, np.ndarray] = {}
        for u in self._order:
            unit = self.units[u]
            f = arriving[u]
            p = unit._core({**cols, "mass": cols["mass"] * f} if unit.uses_mass else cols)
            first = f * p
            second = f - first
            for name, flow in zip(unit.products, (first, second), strict=True):
                stream = f"{u}.{name}"
                streams[stream] = flow
                dest = self.routes[stream]
                target = arriving if dest in self.units else products
                target[dest] += flow
        return np.column_stack([products[p] for p in self.products]), streams, arriving

    # ------------------------------------------------------------------------ uncertainty
    def monte_carlo(self, population: ParticlePopulation, uncertainty: Mapping[str, float], *,
                    n_draws: int = 200, seed: int = 0,
                    quantiles: Sequence[float] = (0.05, 0.5, 0.95)) -> MonteCarloBand:
        """Band of grades and recoveries from the uncertainty of separator parameters.

        Parameters
        ----------
        population : ParticlePopulation
        uncertainty : mapping "unit.parameter" -> standard deviation
            Normal scatter around each parameter's value, in the unit the parameter is held
            in (``separator.parameters()``). A draw outside the parameter's domain (a
            negative Ep) is drawn again.
        n_draws : int
            Number of draws.
        seed : int
            Random seed.
        quantiles : sequence of float
            Quantiles reported.

        Returns
        -------
        MonteCarloBand
            ``band``: (product, component) x (quantity, quantile); ``draws``: every draw.
        """
        from . import _kind

        n = _kind.count(n_draws, "n_draws")
        qs = [float(_kind.one(_kind.fraction(q, "quantiles"), "quantiles")) for q in quantiles]
        rng = np.random.default_rng(seed)
        base = {}
        for key, sd in uncertainty.items():
            unit, _, param = key.partition(".")
            if unit not in self.units or not hasattr(self.units[unit], param):
                raise LabelError(f"uncertainty key {key!r}: write 'unit.parameter' with a unit "
                                 f"of {list(self.units)} and one of its parameters")
            sd_v = float(_kind.one(_kind.number(sd, f"uncertainty[{key!r}]", low=0.0),
                                   f"uncertainty[{key!r}]"))
            base[key] = (float(getattr(self.units[unit], param)), sd_v)
        rows = []
        for k in range(n):
            line = self._draw(rng, base)
            res = line.run(population)
            g, r = res.grade(), res.recovery()
            for prod in self.products:
                for comp in g.columns:
                    rows.append({"draw": k, "product": prod, "component": comp,
                                 "grade": g.loc[prod, comp], "recovery": r.loc[prod, comp]})
        draws = pd.DataFrame(rows)
        band = draws.groupby(["product", "component"], sort=False)[["grade", "recovery"]] \
            .quantile(qs).unstack()
        return MonteCarloBand(band=band, draws=draws, uncertainty=dict(uncertainty))

    def _draw(self, rng: np.random.Generator, base: dict[str, tuple[float, float]]
              ) -> SortingLine:
        for _ in range(50):
            changes = {key: mean + sd * rng.standard_normal()
                       for key, (mean, sd) in base.items()}
            try:
                return self.replace(**changes)
            except DataError:
                continue
        raise DataError(f"50 draws in a row fell outside a parameter's domain: the "
                        f"uncertainty {base} is too wide for the parameters' ranges")


def _checked_routes(units: dict[str, Separator], routes: dict[str, str],
                    products: Sequence[str] | None) -> tuple[dict[str, str], tuple[str, ...]]:
    expected = [f"{u}.{p}" for u, sep in units.items() for p in sep.products]
    unknown = [s for s in routes if s not in expected]
    if unknown:
        raise FlowsheetError(f"routes name stream(s) {unknown} that no unit has; the streams "
                             f"are {expected}")
    missing = [s for s in expected if s not in routes]
    if missing:
        raise FlowsheetError(f"stream(s) {missing} go nowhere: route every product of every "
                             "unit to another unit or to a final product")
    for s, dest in routes.items():
        if not isinstance(dest, str) or not dest:
            raise FlowsheetError(f"routes[{s!r}] = {dest!r}: a destination is a unit or a "
                                 "product name")
        if dest == s.split(".", 1)[0]:
            raise FlowsheetError(f"routes[{s!r}] returns to its own unit: drop the stream, a "
                                 "unit cannot feed itself")
    dests = [d for d in routes.values() if d not in units]
    if products is None:
        prods = tuple(dict.fromkeys(dests))
    else:
        prods = tuple(str(p) for p in products)
        if len(set(prods)) != len(prods):
            raise FlowsheetError(f"products names a product twice: {list(prods)}")
        clash = [p for p in prods if p in units]
        if clash:
            raise FlowsheetError(f"products {clash} are also unit names")
        stray = sorted(set(dests) - set(prods))
        if stray:
            raise FlowsheetError(f"routes send streams to {stray}, which are neither units "
                                 f"nor products {list(prods)}")
        empty = [p for p in prods if p not in dests]
        if empty:
            raise FlowsheetError(f"product(s) {empty} receive no stream")
    return routes, prods


def _order(units: dict[str, Separator], routes: dict[str, str], feed_to: str
           ) -> tuple[list[str], bool]:
    """Topological order of the units (Kahn), whether there is a recycle, and reachability."""
    succ = {u: [routes[f"{u}.{p}"] for p in units[u].products
                if routes[f"{u}.{p}"] in units] for u in units}
    seen, stack = {feed_to}, [feed_to]
    while stack:
        for v in succ[stack.pop()]:
            if v not in seen:
                seen.add(v)
                stack.append(v)
    unreached = [u for u in units if u not in seen]
    if unreached:
        raise FlowsheetError(f"unit(s) {unreached} receive nothing from the feed: route a "
                             "stream to them or drop them")
    indeg = {u: 0 for u in units}
    for u in units:
        for v in succ[u]:
            indeg[v] += 1
    ready = [u for u in units if indeg[u] == 0]
    order: list[str] = []
    while ready:
        u = ready.pop(0)
        order.append(u)
        for v in succ[u]:
            indeg[v] -= 1
            if indeg[v] == 0:
                ready.append(v)
    if len(order) < len(units):  # the units left over sit on a cycle
        return list(units), True
    return order, False


def _solve_recycle(line: SortingLine, cols: dict[str, np.ndarray]
                   ) -> tuple[np.ndarray, dict[str, np.ndarray], dict[str, np.ndarray]]:
    r"""Per particle, the unit feeds :math:`x` solve :math:`(I - M)x = b` (M from the
    partitions; b the feed); a partition that depends on the mass reaching its unit (a sorter's
    belt occupancy) is iterated to a fixed point."""
    names = list(line.units)
    idx = {u: i for i, u in enumerate(names)}
    n, k = cols["mass"].size, len(names)
    b = np.zeros((n, k))
    b[:, idx[line.feed_to]] = 1.0
    x = b.copy()
    for _ in range(100):
        parts = {u: line.units[u]._core({**cols, "mass": cols["mass"] * x[:, idx[u]]})
                 for u in names}
        m = np.zeros((n, k, k))
        for u in names:
            for name, s in zip(line.units[u].products, (parts[u], 1.0 - parts[u]), strict=True):
                dest = line.routes[f"{u}.{name}"]
                if dest in idx:
                    m[:, idx[dest], idx[u]] += s
        a = np.eye(k)[None, :, :] - m
        try:
            x_new = np.linalg.solve(a, b[:, :, None])[:, :, 0]
        except np.linalg.LinAlgError:
            raise FlowsheetError("the recycle never lets some particles out (a closed loop "
                                 "with partition 1): every loop needs an exit") from None
        if np.allclose(x_new, x, rtol=1e-12, atol=1e-14):
            x = x_new
            break
        x = x_new
    else:
        import warnings

        from resourcekit.errors import ResourcekitWarning

        warnings.warn("the load-dependent partitions in the recycle did not settle in 100 "
                      "passes: the products close the balance, but a sorter's occupancy may "
                      "be off", ResourcekitWarning, stacklevel=3)
    products = {p: np.zeros(n) for p in line.products}
    streams = {}
    for u in names:
        f = x[:, idx[u]]
        first = f * parts[u]
        for name, flow in zip(line.units[u].products, (first, f - first), strict=True):
            streams[f"{u}.{name}"] = flow
            dest = line.routes[f"{u}.{name}"]
            if dest in products:
                products[dest] += flow
    arriving = {u: x[:, idx[u]] for u in names}
    return np.column_stack([products[p] for p in line.products]), streams, arriving


# --------------------------------------------------------------------------------- results


@dataclass(frozen=True)
class MonteCarloBand:
    """Quantiles of grade and recovery per (product, component) over parameter draws."""

    band: pd.DataFrame
    draws: pd.DataFrame
    uncertainty: dict[str, float] = field(default_factory=dict)

    def chart(self, component: str) -> Any:
        """Recovery of ``component`` to each product over the draws (altair box plot)."""
        import altair as alt

        d = self.draws[self.draws["component"] == component]
        return alt.Chart(d).mark_boxplot().encode(
            x=alt.X("product:N"), y=alt.Y("recovery:Q", title=f"recovery of {component}"),
        ).properties(width=420, height=240)


@dataclass(frozen=True)
class LineResult:
    """What a population becomes in a sorting line.

    Attributes
    ----------
    line : SortingLine
    feed : ParticlePopulation
    fractions : numpy.ndarray
        Fraction of each row's mass reaching each product, shape (rows, products); each row
        sums to 1 (to round-off).
    streams : dict stream -> array
        Fraction of each row's feed mass in each stream.
    unit_feeds : dict unit -> array
        Fraction of each row's feed mass entering each unit (above 1 in a recycle).
    """

    line: SortingLine
    feed: ParticlePopulation
    fractions: np.ndarray
    streams: dict[str, np.ndarray]
    unit_feeds: dict[str, np.ndarray]

    # -------------------------------------------------------------------- balances
    def masses(self) -> pd.DataFrame:
        """Mass of each component in each product. [kg]"""
        comp = self.feed.component_mass()
        out = pd.DataFrame(self.fractions.T @ comp.to_numpy(), index=list(self.line.products),
                           columns=list(comp.columns))
        out.index.name = "product"
        return out

    def product(self, name: str) -> ParticlePopulation:
        """The particles (rows, masses scaled) in product ``name``."""
        return self.feed.scaled(self.fractions[:, self._product(name)])

    def _product(self, name: str) -> int:
        if name not in self.line.products:
            raise LabelError(f"product = {name!r}; products are {list(self.line.products)}")
        return list(self.line.products).index(name)

    def grade(self) -> pd.DataFrame:
        """Mass fraction of each component in each product. [-]"""
        m = self.masses()
        return m.div(m.sum(axis=1), axis=0)

    def recovery(self) -> pd.DataFrame:
        """Share of each component of the feed reaching each product. [-]"""
        return self.masses() / self.feed.mass_by_component()

    def closure(self) -> float:
        """Largest relative difference between the feed and the sum of the products over the
        components (0 to round-off)."""
        feed = self.feed.mass_by_component()
        diff = (self.masses().sum() - feed).abs() / feed.where(feed > 0, 1.0)
        return float(diff.max())

    def balance_table(self) -> pd.DataFrame:
        """Oki's material-balance evaluation table: per product its mass and mass yield, and
        per component its grade (content) and recovery (distribution); a ``feed`` row
        computed from the products, which equals the feed.

        Returns
        -------
        pandas.DataFrame
            Rows: products and ``feed``; columns ``mass`` [kg], ``mass_yield`` [-], then
            ``(component, "grade")`` and ``(component, "recovery")`` pairs as a two-level
            column index (the first level of ``mass`` and ``mass_yield`` is "").

        References
        ----------
        - [1] Oki T., TRANSortics columns 18-19 (AIST): evaluation of a separation by the
          material balance of its products (masses and assays of every product).

        Examples
        --------
        >>> from resourcekit.separation.separators import DensitySeparator
        >>> pop = ParticlePopulation.from_particles({"mass": [1.0, 3.0], "size": [8.0, 8.0],
        ...     "density": [910.0, 1375.0], "material": ["PP", "PVC"]})
        >>> line = SortingLine({"tank": DensitySeparator(1000.0)},
        ...     {"tank.floats": "PP", "tank.sinks": "PVC"}, feed_to="tank")
        >>> line.run(pop).balance_table().round(2)
                                PP            PVC
             mass mass_yield grade recovery grade recovery
        PP    1.0       0.25  1.00      1.0  0.00      0.0
        PVC   3.0       0.75  0.00      0.0  1.00      1.0
        feed  4.0       1.00  0.25      1.0  0.75      1.0
        """
        m = self.masses()
        total = m.sum()
        mass = m.sum(axis=1)
        table = {("", "mass"): [*mass, mass.sum()],
                 ("", "mass_yield"): [*(mass / mass.sum()), 1.0]}
        for c in m.columns:
            table[(c, "grade")] = [*(m[c] / mass), total[c] / mass.sum()]
            table[(c, "recovery")] = [*(m[c] / total[c]), 1.0]
        out = pd.DataFrame(table, index=[*m.index, "feed"])
        out.columns = pd.MultiIndex.from_tuples(out.columns)
        return out

    def stream_masses(self) -> pd.Series:
        """Total mass in every stream and entering every unit. [kg]"""
        mass = self.feed.column("mass")
        out = {s: float(mass @ f) for s, f in self.streams.items()}
        return pd.Series(out, name="mass")

    # ---------------------------------------------------------------- interfaces
    def separation_result(self, component: str, product: str) -> Any:
        """The usual two-product result for ``component``: ``product`` against everything
        else (:func:`~resourcekit.separation.from_masses`)."""
        from .efficiency import from_masses

        m = self.masses()
        if component not in m.columns:
            raise LabelError(f"component = {component!r}; components are {list(m.columns)}")
        i = self._product(product)
        total = float(m.to_numpy().sum())
        conc = float(m.iloc[i].sum())
        return from_masses(total, float(m[component].sum()) / total, conc,
                           float(m[component].iloc[i]) / conc)

    def recovery_to(self, products: str | Sequence[str]) -> pd.Series:
        """Recovery of each component to one product or a group of them: the ``recovery``
        argument of :func:`resourcekit.stocks.secondary_supply`. [-]"""
        names = [products] if isinstance(products, str) else list(products)
        for p in names:
            self._product(p)
        return self.recovery().loc[names].sum()

    def product_classes(self, product: str, component: str) -> pd.DataFrame:
        """The particles of ``product`` as liberation classes (rows of equal grade merged)
        with ``mass`` [kg] and ``grade`` of ``component``: the ``classes`` argument of
        :func:`~resourcekit.separation.cost_effect` (sorting that product further)."""
        i = self._product(product)
        comp = self.feed.composition()
        if component not in comp.columns:
            raise LabelError(f"component = {component!r}; components are "
                             f"{list(comp.columns)}")
        mass = self.feed.column("mass") * self.fractions[:, i]
        keep = mass > 0
        rows = pd.DataFrame({"mass": mass[keep], "grade": comp[component].to_numpy()[keep]})
        return rows.groupby("grade", sort=True, as_index=False)["mass"].sum()[["mass", "grade"]]

    def recycling_grades(self, routes: Mapping[str, Any]) -> pd.DataFrame:
        """Share of each component of the feed recycled at each SURE grade (UG, 1G-4G).

        Parameters
        ----------
        routes : mapping product -> grade, or product -> {component: grade}
            A grade is ``"UG"``, ``"1G"`` ... ``"4G"``, the answers of
            :func:`~resourcekit.separation.grade_route` as a dict, or ``None`` (not recycled,
            e.g. landfill). Products not named count as not recycled.

        Returns
        -------
        pandas.DataFrame
            Components x (``UG``, ``1G``, ``2G``, ``3G``, ``4G``, ``not recycled``); each row
            sums to 1. ``attrs["circulation"]`` holds the share at UG and 1G (resource
            circulation) per component.

        Examples
        --------
        >>> from resourcekit.separation.separators import DensitySeparator
        >>> pop = ParticlePopulation.from_particles({"mass": [1.0, 3.0], "size": [8.0, 8.0],
        ...     "density": [910.0, 1375.0], "material": ["PP", "PVC"]})
        >>> res = SortingLine({"tank": DensitySeparator(1000.0)},
        ...     {"tank.floats": "PP", "tank.sinks": "PVC"}, feed_to="tank").run(pop)
        >>> res.recycling_grades({"PP": "2G", "PVC": "3G"})[["2G", "3G", "not recycled"]]
              2G   3G  not recycled
        PP   1.0  0.0           0.0
        PVC  0.0  1.0           0.0
        """
        from .grades import GRADE_ORDER, grade_route

        rec = self.recovery()
        out = pd.DataFrame(0.0, index=rec.columns, columns=[*GRADE_ORDER, "not recycled"])
        unknown = [p for p in routes if p not in self.line.products]
        if unknown:
            raise LabelError(f"routes names {unknown}, which are not products; products are "
                             f"{list(self.line.products)}")

        def read(g: Any, where: str) -> str | None:
            if g is None:
                return None
            if isinstance(g, Mapping):
                return grade_route(**g).grade
            if g not in GRADE_ORDER:
                raise DataError(f"routes[{where}] = {g!r}: a grade is one of {GRADE_ORDER}, "
                                "a dict of grade_route answers, or None")
            return str(g)

        for prod in self.line.products:
            spec = routes.get(prod)
            for comp in rec.columns:
                if isinstance(spec, Mapping) and comp in spec:
                    g = read(spec[comp], f"{prod!r}][{comp!r}")
                elif isinstance(spec, Mapping) and not set(spec) & set(rec.columns):
                    g = read(spec, repr(prod))
                elif isinstance(spec, Mapping):
                    g = None
                else:
                    g = read(spec, repr(prod))
                out.loc[comp, g if g is not None else "not recycled"] += rec.loc[prod, comp]
        out.attrs["circulation"] = out["UG"] + out["1G"]
        return out

    def sankey(self, *, title: str | None = None) -> Any:
        """A plotly Sankey of the line: feed -> units -> products, by total mass."""
        import plotly.graph_objects as go

        labels = ["feed", *self.line.units, *self.line.products]
        pos = {name: i for i, name in enumerate(labels)}
        mass = self.feed.column("mass")
        source = [pos["feed"]]
        target = [pos[self.line.feed_to]]
        value = [float(mass.sum())]
        link = ["feed"]
        for stream, f in self.streams.items():
            unit = stream.split(".", 1)[0]
            source.append(pos[unit])
            target.append(pos[self.line.routes[stream]])
            value.append(max(float(mass @ f), 0.0))
            link.append(stream)
        fig = go.Figure(go.Sankey(node={"label": labels, "pad": 14},
                                  link={"source": source, "target": target, "value": value,
                                        "label": link}))
        fig.update_layout(title=title or "Sorting line [kg]", width=760, height=380)
        return fig
