"""Equipment selection by property contrast: which particle property can make a given split.

A separator that acts on one property can only do what the distributions of that property in
the target and in the rest allow. For each property, :func:`separability` reports the contrast
between target and rest, the overlap of their (mass-weighted) distributions, and the best
separation efficiency any single cut on that property can reach; it ranks the properties,
and so the separators that use them, the way equipment choice is taught (Oki, TRANSortics
col. 23 and 27: choose by size window first, then by the property that gives a difference in
motion).

The best cut is found exactly, without bins: for a cut :math:`c` with the target above,
the separation efficiency (Schulz) is :math:`E(c) = R_t(c) - R_r(c) = F_r(c) - F_t(c)`, the
difference of the mass-weighted distribution functions of rest and target, so the best
single cut reaches the Kolmogorov-Smirnov distance :math:`\\max_c |F_r(c) - F_t(c)|`.

>>> import numpy as np
>>> from resourcekit.separation.particles import ParticlePopulation
>>> from resourcekit.separation.separability import separability
>>> pop = ParticlePopulation.from_particles({"mass": [1.0] * 4, "size": [5.0, 9.0, 6.0, 8.0],
...     "density": [2700.0, 2650.0, 1380.0, 1050.0], "conductivity": [37.7, 0.0, 0.0, 0.0],
...     "material": ["Al", "Al", "PVC", "ABS"]})
>>> separability(pop, "Al")["best_efficiency"].round(2).to_dict()
{'density': 1.0, 'size': 0.5, 'conductivity_density': 0.5, 'susceptibility': 0.0}
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from resourcekit.errors import DataError, LabelError

from .particles import ParticlePopulation

__all__ = ["PROPERTY_SEPARATORS", "separability", "best_cut", "property_chart"]

#: Property -> (separator model that uses it, the equipment that does).
PROPERTY_SEPARATORS: dict[str, tuple[str, str]] = {
    "density": ("DensitySeparator", "dense-medium separator, jig, air table, float-sink"),
    "size": ("SizeClassifier", "screen, air classifier, hydrocyclone"),
    "susceptibility": ("DrumMagneticSeparator", "drum or overband magnet, high-gradient "
                       "separator"),
    "conductivity_density": ("EddyCurrentSeparator", "eddy-current separator"),
    "conductivity": ("EddyCurrentSeparator", "eddy-current or corona electrostatic separator"),
    "signal": ("SensorBasedSorter", "sensor-based sorter (NIR, XRT, terahertz, colour)"),
}


def best_cut(values: Any, is_target: Any, weights: Any = None) -> dict[str, float | str]:
    r"""The single cut on a property that separates target from rest best, found exactly.

    .. math::

        E^* = \max_c\,\big|F_r(c) - F_t(c)\big|

    with :math:`F_t, F_r` the weighted distribution functions of the property in target and
    rest; :math:`E^*` is the highest Schulz separation efficiency
    (:math:`R_{target} - R_{rest}`) a cut can give, 1 for disjoint distributions and 0 for
    identical ones.

    Parameters
    ----------
    values : array
        Property of each particle or class.
    is_target : array of bool
        Whether each row is target.
    weights : array, optional
        Mass of each row (default equal).

    Returns
    -------
    dict
        ``efficiency`` (E*), ``cut`` (midway between the two values the cut falls between),
        ``target_side`` (``"above"`` or ``"below"``), ``target_recovery`` and
        ``rest_recovery`` on the target's side of the cut.

    References
    ----------
    - [1] Schulz N.F. (1970) Separation efficiency. Trans. SME-AIME 247:81-87.
    - [2] Kolmogorov A.N. (1933); Smirnov N.V. (1948): the two-sample distance max |F1 - F2|.

    Examples
    --------
    >>> best_cut([1.0, 2.0, 3.0, 4.0], [False, False, True, True])["cut"]
    2.5
    """
    x = np.asarray(values, float).ravel()
    t = np.asarray(is_target, bool).ravel()
    w = np.ones_like(x) if weights is None else np.asarray(weights, float).ravel()
    if not (x.shape == t.shape == w.shape):
        raise DataError(f"values, is_target and weights differ in length: {x.size}, {t.size}, "
                        f"{w.size}")
    if not np.all(np.isfinite(x)):
        raise DataError("values holds NaN or infinite values")
    wt, wr = float(w[t].sum()), float(w[~t].sum())
    if wt <= 0 or wr <= 0:
        raise DataError("both the target and the rest need mass > 0 to be separated")
    order = np.argsort(x, kind="stable")
    xs = x[order]
    ft = np.cumsum(np.where(t[order], w[order], 0.0)) / wt
    fr = np.cumsum(np.where(~t[order], w[order], 0.0)) / wr
    last = np.r_[xs[1:] != xs[:-1], True]  # the cut falls after the last row of a value
    d = (fr - ft)[last]
    ux = xs[last]
    if d.size < 2:
        return {"efficiency": 0.0, "cut": float("nan"), "target_side": "above",
                "target_recovery": 1.0, "rest_recovery": 1.0}
    d = d[:-1]  # a cut above the largest value separates nothing
    i = int(np.argmax(np.abs(d)))
    above = d[i] >= 0
    ft_i, fr_i = ft[last][i], fr[last][i]
    return {
        "efficiency": float(abs(d[i])),
        "cut": float(0.5 * (ux[i] + ux[i + 1])),
        "target_side": "above" if above else "below",
        "target_recovery": float(1 - ft_i if above else ft_i),
        "rest_recovery": float(1 - fr_i if above else fr_i),
    }


def _overlap(x: np.ndarray, t: np.ndarray, w: np.ndarray, n_bins: int) -> float:
    """Overlap coefficient sum(min(p_t, p_r)) of the two weighted histograms."""
    lo, hi = float(x.min()), float(x.max())
    if hi <= lo:
        return 1.0
    edges = np.linspace(lo, hi, n_bins + 1)
    pt, _ = np.histogram(x[t], bins=edges, weights=w[t])
    pr, _ = np.histogram(x[~t], bins=edges, weights=w[~t])
    return float(np.minimum(pt / pt.sum(), pr / pr.sum()).sum())


def _weighted_median(x: np.ndarray, w: np.ndarray) -> float:
    order = np.argsort(x, kind="stable")
    c = np.cumsum(w[order])
    return float(x[order][np.searchsorted(c, 0.5 * c[-1])])


def separability(population: ParticlePopulation, target: Any,
                 properties: Sequence[str] | None = None, *, n_bins: int = 50
                 ) -> pd.DataFrame:
    """Property contrast between target and rest, for each property, ranked.

    Parameters
    ----------
    population : ParticlePopulation
        Particles or classes, with their mass.
    target : str or array of bool
        A material (``material`` column) or a mask of the rows that are target.
    properties : sequence of str, optional
        Default: ``density``, ``size``, ``susceptibility``, ``conductivity_density`` (sigma/rho,
        the eddy-current property) and ``signal`` when the population has one.
    n_bins : int
        Bins of the overlap coefficient (over the property's range).

    Returns
    -------
    pandas.DataFrame
        One row per property, best first: ``median_target``, ``median_rest``,
        ``contrast_ratio`` (median_target / median_rest), ``overlap`` (0: disjoint, 1:
        identical; binned), ``best_efficiency`` (exact, :func:`best_cut`), ``cut``,
        ``target_side``, ``target_recovery``, ``rest_recovery``, ``separator`` and
        ``equipment`` (:data:`PROPERTY_SEPARATORS`).

    Notes
    -----
    A property is only usable inside its separator's size window (Oki col. 23): rank within
    one size class, or check ``size`` first. Two overlapping distributions cannot be split by
    any setting of the separator that uses them: ``best_efficiency`` bounds what tuning can
    do, as the liberation limit bounds what any sorter can do.

    References
    ----------
    - [1] Oki T., TRANSortics columns 23, 24 and 27 (AIST): choosing separators by size
      window and by the property that gives a motion difference.
    """
    if not isinstance(population, ParticlePopulation):
        raise DataError("population must be a ParticlePopulation")
    table = population._table
    if isinstance(target, str):
        mats = table["material"].to_numpy()
        if target not in set(mats):
            raise LabelError(f"target = {target!r} is not a material of the population; "
                             f"materials are {sorted(set(mats))}")
        mask = mats == target
    else:
        mask = np.asarray(target, bool)
        if mask.shape != (len(table),):
            raise DataError(f"target mask has shape {mask.shape}; expected ({len(table)},)")
    if properties is None:
        properties = ["density", "size", "susceptibility", "conductivity_density"]
        if "signal" in table.columns:
            properties.append("signal")
    from . import _kind

    bins = _kind.count(n_bins, "n_bins", low=2)
    w = table["mass"].to_numpy(float)
    rows = []
    for prop in properties:
        x = population.column(prop)
        cut = best_cut(x, mask, w)
        mt, mr = _weighted_median(x[mask], w[mask]), _weighted_median(x[~mask], w[~mask])
        sep, equipment = PROPERTY_SEPARATORS.get(prop, ("", ""))
        rows.append({
            "property": prop, "median_target": mt, "median_rest": mr,
            "contrast_ratio": mt / mr if mr != 0 else float("nan"),
            "overlap": _overlap(x, mask, w, bins), "best_efficiency": cut["efficiency"],
            "cut": cut["cut"], "target_side": cut["target_side"],
            "target_recovery": cut["target_recovery"], "rest_recovery": cut["rest_recovery"],
            "separator": sep, "equipment": equipment})
    out = pd.DataFrame(rows).set_index("property")
    return out.sort_values("best_efficiency", ascending=False, kind="stable")


def property_chart(population: ParticlePopulation, target: Any, prop: str, *,
                   n_bins: int = 40, log: bool = False) -> Any:
    """Mass-weighted histograms of one property for target and rest, with the best cut.

    Parameters
    ----------
    population : ParticlePopulation
    target : str or array of bool
        As :func:`separability`.
    prop : str
        A property column (``"density"``, ``"size"``, ``"conductivity_density"`` ...).
    n_bins : int
        Number of bins.
    log : bool
        Bin and draw on a log10 axis (for properties spanning decades; values <= 0 dropped).

    Returns
    -------
    altair.LayerChart
        Bars of the mass share of target and rest per bin and a rule at the best cut.
    """
    import altair as alt

    table = separability(population, target, [prop], n_bins=max(int(n_bins), 2))
    mats = population._table["material"].to_numpy()
    mask = mats == target if isinstance(target, str) else np.asarray(target, bool)
    x = population.column(prop)
    w = population.column("mass")
    keep = x > 0 if log else np.ones_like(x, bool)
    xv = np.log10(x[keep]) if log else x[keep]
    edges = np.linspace(xv.min(), xv.max(), max(int(n_bins), 2) + 1)
    rows = []
    for label, sel in (("target", mask[keep]), ("rest", ~mask[keep])):
        h, _ = np.histogram(xv[sel], bins=edges, weights=w[keep][sel])
        share = h / h.sum() if h.sum() > 0 else h
        rows += [{"group": label, "low": lo, "high": hi, "share": s}
                 for lo, hi, s in zip(edges[:-1], edges[1:], share, strict=True)]
    data = pd.DataFrame(rows)
    title = f"log10 {prop}" if log else prop
    bars = alt.Chart(data).mark_rect(opacity=0.5).encode(
        x=alt.X("low:Q", title=title), x2="high:Q", y=alt.Y("share:Q", title="mass share"),
        color=alt.Color("group:N"))
    cut = float(table.loc[prop, "cut"])
    if log and cut > 0:
        cut = float(np.log10(cut))
    rule = alt.Chart(pd.DataFrame({"cut": [cut]})).mark_rule(strokeDash=[4, 3]).encode(
        x="cut:Q")
    eff = float(table.loc[prop, "best_efficiency"])
    return (bars + rule).properties(
        width=480, height=220, title=f"{prop}: best single cut, efficiency {eff:.2f}")
