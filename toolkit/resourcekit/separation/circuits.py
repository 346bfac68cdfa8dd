"""Steady state of separation circuits with recycles, solved as a linear system.

Each unit splits every component of its feed: a fraction ``s`` (the split factor, 0-1) to its
concentrate, ``1 - s`` to its tailing; each product goes to another unit or leaves the circuit
as a final product. Per component the unit feeds obey

.. math::

    u = b + M u \\quad\\Rightarrow\\quad (I - M)\\,u = b

with b the fresh feed and :math:`M_{ji}` the fraction of unit i's feed routed to unit j.
Linear in the flows, so the steady state is exact (no iteration until it looks stable).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["CircuitResult", "circuit_steady_state", "rougher_cleaner_scavenger"]


def _flowsheet_error(msg: str) -> Exception:
    from resourcekit.errors import FlowsheetError

    return FlowsheetError(msg)


@dataclass(frozen=True)
class CircuitResult:
    """Steady-state flows of a circuit (mass flows by component)."""

    unit_feeds: pd.DataFrame
    streams: pd.DataFrame
    products: pd.DataFrame
    feed: pd.Series
    routes: dict[str, str] | None = None
    feed_to: str | None = None

    def _component(self, component: str) -> str:
        if component not in self.products.columns:
            from resourcekit.errors import LabelError

            raise LabelError(f"component = {component!r} is not in this circuit; its "
                             f"components are {list(self.products.columns)}")
        return component

    def grade(self, component: str) -> pd.Series:
        """Grade of ``component`` in each final product. [mass fraction]"""
        return self.products[self._component(component)] / self.products.sum(axis=1)

    def recovery(self, component: str) -> pd.Series:
        """Recovery of ``component`` to each final product. [-]"""
        return self.products[self._component(component)] / self.feed[component]

    def recycle_streams(self) -> list[str]:
        """Streams that return material to a unit at or before their source in process order.

        Process order is the number of streams from the fresh-feed unit (breadth-first); a
        stream ``u.kind -> v`` is a recycle when v is not further from the feed than u.
        """
        if self.routes is None or self.feed_to is None:
            raise _flowsheet_error("this CircuitResult was built without its routes; solve it "
                                   "with circuit_steady_state to get recycle streams")
        units = list(self.unit_feeds.index)
        dist = {self.feed_to: 0}
        frontier = [self.feed_to]
        while frontier:
            nxt = []
            for u in frontier:
                for stream, dest in self.routes.items():
                    if stream.split(".")[0] == u and dest in units and dest not in dist:
                        dist[dest] = dist[u] + 1
                        nxt.append(dest)
            frontier = nxt
        return [stream for stream, dest in self.routes.items()
                if dest in units and dist.get(dest, np.inf) <= dist.get(
                    stream.split(".")[0], np.inf)]

    def circulating_load(self) -> pd.Series:
        r"""Circulating load of each unit: recycled mass it receives per mass of fresh feed. [-]

        .. math::

            CL_j = \frac{\sum_{\text{recycle streams into } j} M}{F_{\text{fresh}}}

        with the recycle streams of :meth:`recycle_streams` (all components summed). For a mill
        in closed circuit with a cyclone this is the cyclone underflow over the new feed, the
        usual definition (Wills & Finch 2016, ch. 7; 250 % means 2.5 t returned per t of new
        feed). Units that receive no recycle have 0. The older figure, total unit feed per
        fresh feed, is :meth:`unit_feed_ratio` (= 1 + CL for the unit that takes the fresh
        feed and only recycles besides).

        References
        ----------
        - [1] Wills B.A., Finch J.A. (2016) Wills' Mineral Processing Technology, 8th ed.,
          ch. 3 and 7 (circulating load). doi:10.1016/C2010-0-65478-2
        """
        recycled = pd.Series(0.0, index=self.unit_feeds.index, name="circulating_load")
        totals = self.streams.sum(axis=1)
        for stream in self.recycle_streams():
            recycled[self.routes[stream]] += totals[stream]
        return recycled / self.feed.sum()

    def unit_feed_ratio(self) -> pd.Series:
        """Total feed of each unit per unit of fresh circuit feed (the figure that
        ``circulating_load()`` returned before; 1 + recycled share for the fresh-feed unit). [-]"""
        return self.unit_feeds.sum(axis=1) / self.feed.sum()

    def summary(self) -> pd.DataFrame:
        """Final products: mass yield, grades and recoveries of every component."""
        out = pd.DataFrame({"mass_yield": self.products.sum(axis=1) / self.feed.sum()})
        for comp in self.products.columns:
            out[f"grade_{comp}"] = self.grade(comp)
            out[f"recovery_{comp}"] = self.recovery(comp)
        return out


def circuit_steady_state(
    units: Mapping[str, Mapping[str, Any]],
    feed: Mapping[str, float],
    feed_to: str,
) -> CircuitResult:
    """Steady state of a circuit of two-product units with any recycles.

    Parameters
    ----------
    units : mapping
        ``{name: {"split": {component: s}, "concentrate": destination,
        "tailing": destination}}``; a destination is another unit's name or the name of a
        final product. s is the fraction of the unit's feed of that component that reports
        to its concentrate (0-1). A destination that differs from a unit's name only in
        case raises LabelError (it would silently become a product), and so does a unit
        that no stream from ``feed_to`` reaches (FlowsheetError: it would sit at zero flow).
    feed : mapping
        Fresh feed by component [t/h or any mass flow unit].
    feed_to : str
        Unit that receives the fresh feed.

    Returns
    -------
    CircuitResult
        ``unit_feeds``, ``streams``, ``products``; ``grade(c)``, ``recovery(c)``,
        ``summary()``.

    References
    ----------
    - [1] Lynch A.J. (1977) Mineral Crushing and Grinding Circuits, Elsevier, ch. 7
      (circuit simulation by linear split factors); Wills & Finch (2016) ch. 12
      (rougher-scavenger-cleaner circuits).

    Examples
    --------
    >>> units = {"rougher": {"split": {"A": 0.9, "B": 0.1}, "concentrate": "conc",
    ...                      "tailing": "tail"}}
    >>> circuit_steady_state(units, {"A": 5, "B": 95}, "rougher").products.round(2)
            A     B
    conc  4.5   9.5
    tail  0.5  85.5
    """
    from resourcekit.errors import LabelError

    names = list(units)
    if feed_to not in units:
        raise LabelError(f"feed_to = {feed_to!r} is not a unit; units are {names}")
    from resourcekit.boundary import amount, number
    from resourcekit.errors import DataError

    if not isinstance(feed, Mapping | pd.Series):
        raise DataError("feed must map each component to its fresh feed flow, e.g. "
                        "{'A': 5, 'B': 95}")
    comps = list(feed.keys()) if isinstance(feed, Mapping) else list(feed.index)
    if len(set(comps)) != len(comps):
        raise LabelError(f"feed names a component twice: {comps}")
    if not comps:
        raise DataError("feed is empty: give at least one component")
    # plain numbers are read in t/h, quantities converted to t/h (kg/h divided by 1000)
    fvec = pd.Series({c: float(amount(feed[c], f"feed[{c!r}]", unit="t/h")) for c in comps})
    if fvec.isna().any():
        raise DataError(f"feed holds NaN for {fvec.index[fvec.isna()].tolist()}: a circuit "
                        "cannot be solved with an unknown feed")
    products: list[str] = []
    splits: dict[str, dict[Any, float]] = {}
    lower = {str(u).lower(): u for u in units}
    for name, spec in units.items():
        for key in ("split", "concentrate", "tailing"):
            if key not in spec:
                raise LabelError(f"unit {name!r} lacks {key!r}")
        for key in ("concentrate", "tailing"):
            dest = spec[key]
            if dest in units:
                continue
            near = lower.get(str(dest).lower())
            if near is not None:
                raise LabelError(
                    f"unit {name!r} sends its {key} to {dest!r}, which is not a unit but "
                    f"differs from unit {near!r} only in case: spell the unit's name exactly "
                    "(a destination that is not a unit becomes a final product)")
            if dest not in products:
                products.append(dest)
        split = spec["split"]
        if isinstance(split, pd.Series):
            split = dict(split.items())
        if not isinstance(split, Mapping):
            raise DataError(f"split of unit {name!r} must map each component to its split "
                            f"factor, e.g. {{'A': 0.9, 'B': 0.1}}; got {split!r:.60}")
        missing = [c for c in comps if c not in split]
        if missing:
            raise LabelError(f"unit {name!r} has no split factor for components {missing}")
        extra = [c for c in split if c not in comps]
        if extra:
            raise LabelError(f"unit {name!r} has split factors for {extra}, which are not in "
                             f"the feed {comps}")
        splits[name] = {}
        for c in comps:
            s = float(number(split[c], f"split of {c!r} in unit {name!r}", allow_nan=False))
            if not 0.0 <= s <= 1.0:
                raise DataError(f"split of {c!r} in unit {name!r} is {s:g}; expected 0-1")
            splits[name][c] = s
    # every unit must be reachable from the fresh-feed unit, or it would sit at zero flow
    reached, frontier = {feed_to}, [feed_to]
    while frontier:
        nxt = []
        for u in frontier:
            for key in ("concentrate", "tailing"):
                dest = units[u][key]
                if dest in units and dest not in reached:
                    reached.add(dest)
                    nxt.append(dest)
        frontier = nxt
    unfed = [u for u in units if u not in reached]
    if unfed:
        raise _flowsheet_error(
            f"units {unfed} receive no feed: no stream from feed_to = {feed_to!r} reaches "
            "them; check the destinations' spelling, or remove the units")
    n = len(names)
    pos = {u: i for i, u in enumerate(names)}
    feeds = np.zeros((n, len(comps)))
    prod = np.zeros((len(products), len(comps)))
    streams = {}
    for k, c in enumerate(comps):
        m = np.zeros((n, n))
        for name, spec in units.items():
            s = splits[name][c]
            for dest, frac in ((spec["concentrate"], s), (spec["tailing"], 1.0 - s)):
                if dest in pos:
                    m[pos[dest], pos[name]] += frac
        b = np.zeros(n)
        b[pos[feed_to]] = fvec[c]
        a = np.eye(n) - m
        if abs(np.linalg.det(a)) < 1e-12:
            raise _flowsheet_error(
                f"component {c!r} cannot leave the circuit: a loop of units returns all of it "
                "(split factors of exactly 0 or 1 around a recycle); no steady state exists"
            )
        u = np.linalg.solve(a, b)
        feeds[:, k] = u
        for name, spec in units.items():
            s = splits[name][c]
            for kind, frac in (("concentrate", s), ("tailing", 1.0 - s)):
                flow = frac * u[pos[name]]
                streams.setdefault(f"{name}.{kind}", {})[c] = flow
                dest = spec[kind]
                if dest not in pos:
                    prod[products.index(dest), k] += flow
    routes = {f"{name}.{kind}": spec[kind] for name, spec in units.items()
              for kind in ("concentrate", "tailing")}
    return CircuitResult(
        unit_feeds=pd.DataFrame(feeds, index=names, columns=comps),
        streams=pd.DataFrame.from_dict(streams, orient="index")[comps],
        products=pd.DataFrame(prod, index=products, columns=comps),
        feed=fvec,
        routes=routes,
        feed_to=feed_to,
    )


def rougher_cleaner_scavenger(
    rougher: Mapping[str, float],
    cleaner: Mapping[str, float],
    scavenger: Mapping[str, float],
    feed: Mapping[str, float],
) -> CircuitResult:
    """The classic circuit: cleaner tailing and scavenger concentrate return to the rougher.

    Rougher concentrate -> cleaner; cleaner concentrate -> final ``concentrate``; cleaner
    tailing -> rougher; rougher tailing -> scavenger; scavenger concentrate -> rougher;
    scavenger tailing -> final ``tailing``.

    Parameters
    ----------
    rougher, cleaner, scavenger : mapping
        Split factors to the concentrate by component (0-1).
    feed : mapping
        Fresh feed by component. [t/h]

    Returns
    -------
    CircuitResult

    Notes
    -----
    For one component with splits R, C, S the rougher feed is
    :math:`X = F / (1 - (1 - C) R - S (1 - R))` and the final concentrate :math:`C R X`.

    Examples
    --------
    >>> res = rougher_cleaner_scavenger({"A": 0.9, "B": 0.1}, {"A": 0.9, "B": 0.2},
    ...                                 {"A": 0.5, "B": 0.05}, {"A": 5, "B": 95})
    >>> round(float(res.recovery("A")["concentrate"]), 4)
    0.9419
    >>> round(float(res.grade("A")["concentrate"]), 4)
    0.6844
    """
    units = {
        "rougher": {"split": rougher, "concentrate": "cleaner", "tailing": "scavenger"},
        "cleaner": {"split": cleaner, "concentrate": "concentrate", "tailing": "rougher"},
        "scavenger": {"split": scavenger, "concentrate": "rougher", "tailing": "tailing"},
    }
    return circuit_steady_state(units, feed, "rougher")
