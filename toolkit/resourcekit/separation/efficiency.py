"""Performance of a separation from assays or weighed products.

Notation (Oki's mass basis, two components: the valuable A and everything else, not-A):
f, c, t are the grades of A in feed, concentrate and tailing (mass fractions); m is the grade
of pure A (1 for the component itself, 0.788 for Sn in cassiterite, SnO2, ...); F, C, T are masses.

Every function takes grades as mass fractions in [0, 1] or as pint quantities
(``Quantity(5, "%")``, ``Quantity(12, "g/t")``); a plain number outside [0, 1] raises.
Results follow the kind of the input: floats, arrays, or Series with their index.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from resourcekit.errors import DataError, LabelError, UnitError
from resourcekit.units import is_quantity

from . import _kind


def _pint_series(value: Any) -> bool:
    return str(getattr(value, "dtype", "")).startswith("pint[")

__all__ = [
    "TwoProductResult",
    "ThreeProductResult",
    "NProductResult",
    "two_product",
    "from_masses",
    "three_product",
    "n_product",
    "newton_efficiency",
    "separation_efficiency",
    "hancock_efficiency",
    "selectivity_index",
]

_QUANTITIES = (
    ("mass_yield", "C/F, mass of concentrate per mass of feed", "-"),
    ("recovery", "recovery of A to the concentrate", "-"),
    ("enrichment_ratio", "c/f", "-"),
    ("concentration_ratio", "F/C", "-"),
    ("gangue_recovery", "recovery of not-A to the concentrate", "-"),
    ("separation_efficiency", "recovery - gangue_recovery (Schulz 1970)", "-"),
    ("tailing", "grade of A in the tailing", "mass fraction"),
)


@dataclass(frozen=True)
class TwoProductResult:
    """Two-product performance: yields, recoveries, ratios and efficiency.

    Attributes are floats, arrays or Series, following the input. ``sd`` holds the propagated
    standard deviations (same keys as the attributes) when assay standard deviations were given
    (``std`` is the same dict under its older name).
    """

    feed: Any
    concentrate: Any
    tailing: Any
    pure: float
    mass_yield: Any
    recovery: Any
    enrichment_ratio: Any
    concentration_ratio: Any
    gangue_recovery: Any
    separation_efficiency: Any
    sd: dict[str, Any] = field(default_factory=dict)

    @property
    def std(self) -> dict[str, Any]:
        """The propagated standard deviations under their older name (see ``sd``)."""
        return self.sd

    def summary(self) -> pd.DataFrame:
        """Table of the measures: value (and sd where propagated), with meaning and unit.

        For array input the ``value`` column holds the arrays; use the attributes instead.
        """
        rows = []
        for name, meaning, unit in _QUANTITIES:
            row = {"quantity": name, "value": getattr(self, name), "meaning": meaning,
                   "unit": unit}
            if self.sd:
                row["sd"] = self.sd.get(name, np.nan)
            rows.append(row)
        return pd.DataFrame(rows).set_index("quantity")


def _check_order(f: np.ndarray, c: np.ndarray, t: np.ndarray, m: float) -> None:
    same = np.isclose(c, t, rtol=0, atol=1e-15)
    if np.any(same):
        i = int(np.argmax(np.ravel(same)))
        raise DataError(
            f"concentrate grade equals tailing grade (c = t = {np.ravel(c)[i]:g}): the "
            "two-product formula Y = (f - t)/(c - t) is undefined; the products were not separated"
        )
    bad_c = c < f
    if np.any(bad_c):
        i = int(np.argmax(np.ravel(np.broadcast_to(bad_c, np.broadcast(f, c).shape))))
        raise DataError(
            f"concentrate grade c = {np.ravel(np.broadcast_to(c, bad_c.shape))[i]:g} is below the "
            f"feed grade f = {np.ravel(np.broadcast_to(f, bad_c.shape))[i]:g}: the two-product "
            "formula needs t <= f <= c (swap concentrate and tailing if A reports to the tailing)"
        )
    bad_t = t > f
    if np.any(bad_t):
        i = int(np.argmax(np.ravel(np.broadcast_to(bad_t, np.broadcast(f, t).shape))))
        raise DataError(
            f"tailing grade t = {np.ravel(np.broadcast_to(t, bad_t.shape))[i]:g} is above the "
            f"feed grade f = {np.ravel(np.broadcast_to(f, bad_t.shape))[i]:g}: the two-product "
            "formula needs t <= f <= c"
        )
    if np.any(c > m) or np.any(f >= m):
        raise DataError(
            f"pure = {m:g} must exceed the feed grade and be at least the concentrate grade "
            "(pure is the grade of A in the pure valuable mineral, 1 for A itself)"
        )


def _measures(f: np.ndarray, c: np.ndarray, t: np.ndarray, m: float) -> dict[str, np.ndarray]:
    with np.errstate(divide="ignore", invalid="ignore"):
        y = (f - t) / (c - t)
        # f = 0 leaves recovery undefined (NaN), and NaN grades give NaN: never 0
        r = c * y / f
        rg = y * (m - c) / (m - f)
        return {
            "mass_yield": y,
            "recovery": r,
            "enrichment_ratio": c / f,
            "concentration_ratio": 1.0 / y,
            "gangue_recovery": rg,
            "separation_efficiency": r - rg,
        }


def _one_of(sd: Any, std: Any, name: str) -> tuple[Any, str]:
    """``{name}_sd``, or the same under its older name ``{name}_std`` (never both), and the
    name the caller used (errors name what the caller wrote)."""
    if sd is not None and std is not None:
        raise DataError(f"{name}_sd and {name}_std are the same standard deviation: pass one")
    return (std, f"{name}_std") if std is not None else (sd, f"{name}_sd")


def _assay_std(sd: Any, name: str) -> np.ndarray:
    """An assay standard deviation as a mass fraction (a Quantity in % is converted)."""
    if sd is None:
        return np.asarray(0.0)
    from resourcekit.boundary import std_in

    arr = np.asarray(std_in(sd, name, unit="dimensionless"), float)
    big = arr[np.isfinite(arr) & (arr > 1.0)]
    if big.size:
        raise DataError(
            f"{name} = {float(big[0]):g} is above 1: assay standard deviations are mass "
            f"fractions like the grades; for percent pass Quantity({float(big[0]):g}, '%')")
    return arr


def _propagate(
    f: np.ndarray, c: np.ndarray, t: np.ndarray, m: float, sds: tuple[Any, Any, Any],
    names: tuple[str, str, str] = ("feed_sd", "concentrate_sd", "tailing_sd"),
) -> dict[str, np.ndarray]:
    """First-order (delta-method) propagation by central differences, assays independent."""
    base = [np.asarray(f, float), np.asarray(c, float), np.asarray(t, float)]
    sd = [_assay_std(s, name) for s, name in zip(sds, names, strict=True)]
    var: dict[str, np.ndarray] = {}
    for k in range(3):
        step = 1e-6 * np.maximum(np.abs(base[k]), 1e-9)
        up = list(base)
        down = list(base)
        up[k] = base[k] + step
        down[k] = base[k] - step
        hi = _measures(*up, m)
        lo = _measures(*down, m)
        for key in hi:
            deriv = (hi[key] - lo[key]) / (2 * step)
            var[key] = var.get(key, 0.0) + (deriv * sd[k]) ** 2
    out = {key: np.sqrt(v) for key, v in var.items()}
    out["tailing"] = sd[2] + 0.0 * out["mass_yield"]
    return out


def _result(
    fa: Any, ca: Any, ta: Any, m: float, tmpl: Any, sds: tuple[Any, Any, Any] | None = None,
    names: tuple[str, str, str] = ("feed_sd", "concentrate_sd", "tailing_sd"),
) -> TwoProductResult:
    values = _measures(fa, ca, ta, m)
    std = {}
    if sds is not None and any(s is not None for s in sds):
        std = {k: _kind.like(tmpl, v) for k, v in _propagate(fa, ca, ta, m, sds, names).items()}
    return TwoProductResult(
        feed=_kind.like(tmpl, fa),
        concentrate=_kind.like(tmpl, ca),
        tailing=_kind.like(tmpl, ta),
        pure=m,
        sd=std,
        **{k: _kind.like(tmpl, v) for k, v in values.items()},
    )


def _pure(pure: Any) -> float:
    m = _kind.one(_kind.grade(pure, "pure"), "pure")
    if m <= 0:
        raise DataError(f"pure = {m:g} must be > 0 (grade of A in the pure valuable mineral)")
    return m


def two_product(
    feed: Any,
    concentrate: Any,
    tailing: Any,
    pure: Any = 1.0,
    *,
    feed_sd: Any = None,
    concentrate_sd: Any = None,
    tailing_sd: Any = None,
    feed_std: Any = None,
    concentrate_std: Any = None,
    tailing_std: Any = None,
) -> TwoProductResult:
    r"""Performance of a two-product separation from the assays of feed, concentrate, tailing.

    Parameters
    ----------
    feed, concentrate, tailing : float, array, Series or pint.Quantity
        Grades f, c, t of the valuable component A. [mass fraction]
    pure : float or pint.Quantity
        Grade m of A in the pure valuable mineral (1 when A is the mineral itself; 0.788 for
        Sn in cassiterite). [mass fraction]
    feed_sd, concentrate_sd, tailing_sd : optional
        Standard deviations of the assays [mass fraction]; the result's ``sd`` then holds
        first-order propagated standard deviations (assays taken as independent). ``sd`` is
        the toolkit's one name for a standard deviation (mass balance uses it too);
        ``feed_std``, ``concentrate_std``, ``tailing_std`` are the same, under their older names.

    Returns
    -------
    TwoProductResult
        ``mass_yield``, ``recovery``, ``enrichment_ratio``, ``concentration_ratio``,
        ``gangue_recovery`` (recovery of not-A to the concentrate: the toolkit's one name for
        it), ``separation_efficiency``, ``tailing``; ``summary()``. Series inputs are aligned
        by label; a NaN grade gives NaN measures for that label (never 0).

    Notes
    -----
    .. math::

        Y = \frac{f - t}{c - t},\quad R = \frac{c\,Y}{f},\quad
        R_g = Y\,\frac{m - c}{m - f},\quad SE = R - R_g
        = \frac{m\,(c - f)(f - t)}{f\,(m - f)(c - t)}

    Valid for t <= f <= c <= m and c != t. When c - t is small against the assay errors the
    yield is ill-determined: its relative error is amplified roughly by
    :math:`\sqrt{2}(1 - Y)/|R - Y|` (see ``std``).

    References
    ----------
    - [1] Wills B.A., Finch J.A. (2016) Wills' Mineral Processing Technology, 8th ed.,
      Butterworth-Heinemann, ch. 1 (recovery, ratio of concentration) and ch. 3 (two-product
      formula). doi:10.1016/C2010-0-65478-2
    - [2] Schulz N.F. (1970) Separation efficiency. Trans. SME-AIME 247:81-87.

    Examples
    --------
    Wills' tin example: feed 1 % Sn, concentrate 42 % Sn, tailing 0.2 % Sn.

    >>> r = two_product(0.01, 0.42, 0.002)
    >>> round(r.recovery, 3), round(r.concentration_ratio, 2)
    (0.804, 52.25)
    """
    (feed_sd, n_f), (concentrate_sd, n_c), (tailing_sd, n_t) = (
        _one_of(new, old, name) for new, old, name in (
            (feed_sd, feed_std, "feed"), (concentrate_sd, concentrate_std, "concentrate"),
            (tailing_sd, tailing_std, "tailing")))
    _, got = _kind.align({"feed": feed, "concentrate": concentrate, "tailing": tailing,
                          n_f: feed_sd, n_c: concentrate_sd, n_t: tailing_sd})
    tmpl = _kind.template(got["feed"], got["concentrate"], got["tailing"])
    f = _kind.grade(got["feed"], "feed")
    c = _kind.grade(got["concentrate"], "concentrate")
    t = _kind.grade(got["tailing"], "tailing")
    m = _pure(pure)
    f, c, t = np.broadcast_arrays(f, c, t)
    _check_order(f, c, t, m)
    return _result(f, c, t, m, tmpl, (got[n_f], got[n_c], got[n_t]), (n_f, n_c, n_t))


def from_masses(
    feed_mass: Any,
    feed_grade: Any,
    concentrate_mass: Any,
    concentrate_grade: Any,
    pure: Any = 1.0,
) -> TwoProductResult:
    r"""Performance of a two-product separation from weighed products (Oki's way).

    Parameters
    ----------
    feed_mass, concentrate_mass : float, array, Series or pint.Quantity
        Masses (or mass flows) of feed F and concentrate C: plain numbers in one and the same
        unit, or both pint quantities of mass (converted, e.g. t and kg). A unit on one only,
        or a unit that is not a mass, raises UnitError. [kg or t/h]
    feed_grade, concentrate_grade : float, array, Series or pint.Quantity
        Grades f and c of A. [mass fraction]
    pure : float
        Grade of A in the pure valuable mineral. [mass fraction]

    Returns
    -------
    TwoProductResult
        As :func:`two_product`, with the tailing grade derived from the balance.

    Notes
    -----
    .. math::

        Y = C/F,\quad R = \frac{C c}{F f},\quad t = \frac{F f - C c}{F - C}

    References
    ----------
    - [1] Oki T., TRANSortics column 18/19 (AIST), mass basis with components A and not-A.

    Examples
    --------
    Oki's example: 100 t of feed at 5 % A, 2 t of concentrate at 50 % A.

    >>> r = from_masses(100, 0.05, 2, 0.50)
    >>> r.enrichment_ratio, round(r.recovery, 3), round(r.separation_efficiency, 3)
    (10.0, 0.2, 0.189)
    """
    _, got = _kind.align({"feed_mass": feed_mass, "feed_grade": feed_grade,
                          "concentrate_mass": concentrate_mass,
                          "concentrate_grade": concentrate_grade})
    has_unit = [is_quantity(got[k]) or _pint_series(got[k])
                for k in ("feed_mass", "concentrate_mass")]
    if has_unit[0] != has_unit[1]:
        raise UnitError(
            "one of feed_mass and concentrate_mass carries a unit and the other does not: give "
            "both as quantities (e.g. Quantity(100, 't') and Quantity(2000, 'kg')) or both as "
            "plain numbers in the same unit")
    tmpl = _kind.template(got["feed_mass"], got["feed_grade"], got["concentrate_mass"],
                          got["concentrate_grade"])
    fm = _kind.mass(got["feed_mass"], "feed_mass")
    cm = _kind.mass(got["concentrate_mass"], "concentrate_mass")
    f = _kind.grade(got["feed_grade"], "feed_grade")
    c = _kind.grade(got["concentrate_grade"], "concentrate_grade")
    m = _pure(pure)
    fm, cm, f, c = np.broadcast_arrays(fm, cm, f, c)
    if np.any(fm <= 0):
        raise DataError("feed_mass must be > 0")
    if np.any(cm >= fm):
        i = int(np.argmax(np.ravel(cm >= fm)))
        raise DataError(
            f"concentrate_mass = {np.ravel(cm)[i]:g} is not below feed_mass = "
            f"{np.ravel(fm)[i]:g}: a two-product split needs 0 <= C < F"
        )
    metal_t = fm * f - cm * c
    if np.any(metal_t < -1e-12 * np.maximum(fm * f, 1e-300)):
        raise DataError(
            "the concentrate holds more A than the feed (C c > F f): check masses and grades"
        )
    with np.errstate(invalid="ignore"):
        t = np.clip(metal_t / (fm - cm), 0.0, 1.0)  # NaN stays NaN
    _check_order(f, c, t, m)
    return _result(f, c, t, m, tmpl)


def _grades_for(feed: Any, concentrate: Any, tailing: Any, pure: Any) -> tuple:
    _, got = _kind.align({"feed": feed, "concentrate": concentrate, "tailing": tailing})
    feed, concentrate, tailing = got["feed"], got["concentrate"], got["tailing"]
    tmpl = _kind.template(feed, concentrate, tailing)
    f = _kind.grade(feed, "feed")
    c = _kind.grade(concentrate, "concentrate")
    t = _kind.grade(tailing, "tailing")
    m = _pure(pure)
    f, c, t = np.broadcast_arrays(f, c, t)
    _check_order(f, c, t, m)
    return tmpl, {**_measures(f, c, t, m), "feed": f}


def separation_efficiency(feed: Any, concentrate: Any, tailing: Any, pure: Any = 1.0) -> Any:
    r"""Schulz separation efficiency: recovery of A minus recovery of not-A to the concentrate.

    .. math::

        SE = R - R_g = \frac{m\,(c - f)(f - t)}{f\,(m - f)(c - t)}

    Parameters
    ----------
    feed, concentrate, tailing : grades [mass fraction]
    pure : grade of A in the pure mineral [mass fraction]

    Returns
    -------
    float, ndarray or Series
        In [0, 1]: 0 for a split that does not separate, 1 for a perfect one.

    References
    ----------
    - [1] Schulz N.F. (1970) Separation efficiency. Trans. SME-AIME 247:81-87.

    >>> round(separation_efficiency(0.05, 0.5, 0.04 / 0.98), 4)
    0.1895
    """
    tmpl, v = _grades_for(feed, concentrate, tailing, pure)
    return _kind.like(tmpl, v["separation_efficiency"])


def newton_efficiency(feed: Any, concentrate: Any, tailing: Any, pure: Any = 1.0) -> Any:
    r"""Newton efficiency: A recovered to the concentrate plus not-A rejected to the tailing, - 1.

    .. math::

        \eta_N = R_{A\to c} + R_{B\to t} - 1 = R - R_g

    identical to the Schulz separation efficiency for two components.

    References
    ----------
    - [1] Schulz N.F. (1970) Separation efficiency. Trans. SME-AIME 247:81-87 (Newton's
      efficiency and its identity with SE); Wills & Finch (2016) ch. 1.

    >>> round(newton_efficiency(0.01, 0.42, 0.002), 4)
    0.7926
    """
    tmpl, v = _grades_for(feed, concentrate, tailing, pure)
    ra = v["recovery"]
    rb_t = 1.0 - v["gangue_recovery"]
    return _kind.like(tmpl, ra + rb_t - 1.0)


def hancock_efficiency(feed: Any, concentrate: Any, tailing: Any, pure: Any = 1.0) -> Any:
    r"""Hancock (Hancock-Luyken) efficiency: recovery minus yield, scaled by the gangue share.

    .. math::

        \eta_H = \frac{R - Y}{1 - f/m}

    algebraically identical to the Schulz separation efficiency.

    References
    ----------
    - [1] Schulz N.F. (1970) Separation efficiency. Trans. SME-AIME 247:81-87 (Hancock's
      efficiency and its identity with SE).

    >>> round(hancock_efficiency(0.01, 0.42, 0.002), 4)
    0.7926
    """
    tmpl, v = _grades_for(feed, concentrate, tailing, pure)
    m = _pure(pure)
    return _kind.like(tmpl, (v["recovery"] - v["mass_yield"]) / (1.0 - v["feed"] / m))


def selectivity_index(feed: Any, concentrate: Any, tailing: Any, pure: Any = 1.0) -> Any:
    r"""Gaudin's selectivity (selection) index for two components A and not-A.

    .. math::

        SI = \sqrt{\frac{R_{A\to c}\,R_{B\to t}}{R_{A\to t}\,R_{B\to c}}}

    1 for a split that does not separate; infinite when one product is pure.

    References
    ----------
    - [1] Gaudin A.M. (1939) Principles of Mineral Dressing. McGraw-Hill, New York
      (selection index).

    >>> round(selectivity_index(0.01, 0.42, 0.002), 1)
    19.0
    """
    tmpl, v = _grades_for(feed, concentrate, tailing, pure)
    ra, rb = v["recovery"], v["gangue_recovery"]
    with np.errstate(divide="ignore"):
        si = np.sqrt(ra * (1.0 - rb) / ((1.0 - ra) * rb))
    return _kind.like(tmpl, si)


# --------------------------------------------------------------------------- three / n products


class _ProductTable:
    """``summary()`` shared by the multi-product results: yields and recoveries per product."""

    mass_yields: pd.Series
    recoveries: pd.DataFrame

    def summary(self) -> pd.DataFrame:
        """Yields and recoveries in one table (rows: products)."""
        out = self.recoveries.T.add_prefix("recovery_")
        out.insert(0, "mass_yield", self.mass_yields)
        return out


@dataclass(frozen=True)
class ThreeProductResult(_ProductTable):
    """Mass yields of two concentrates and a tailing, and recoveries (metal x product)."""

    mass_yields: pd.Series
    recoveries: pd.DataFrame
    grades: pd.DataFrame


def _assay_pair(
    value: Any, name: str, metals: list[str] | None, labelled: bool | None
) -> tuple[np.ndarray, list[str] | None]:
    """Two assays; labelled ones (dict, Series) matched to the feed's ``metals`` by key."""
    if isinstance(value, dict):
        value = pd.Series(value, dtype=object)
    if isinstance(value, pd.Series):
        keys = [str(k) for k in value.index]
        if len(set(keys)) != len(keys):
            raise LabelError(f"{name} has duplicate metals {keys}")
        if labelled is False:
            raise LabelError(f"{name} names its metals {keys} but feed is an unlabelled pair: "
                             "give feed as a dict too, so streams are matched by metal")
        if metals is not None:
            if set(keys) != set(metals):
                raise LabelError(
                    f"{name} has metals {keys} but feed has {metals}: every stream must assay "
                    "the same two metals")
            value = pd.Series(dict(zip(keys, value.tolist(), strict=True)))[list(metals)]
            keys = list(metals)
        vals = value.tolist()
    else:
        if labelled:
            raise LabelError(f"{name} is an unlabelled pair but feed names its metals "
                             f"{metals}: give {name} as a dict with the same metals")
        keys = None
        vals = list(value) if np.ndim(getattr(value, "magnitude", value)) else [value]
    arr = np.array([_kind.one(_kind.grade(v, f"{name}[{k!r}]"), f"{name}[{k!r}]")
                    for k, v in
                    zip(keys or range(len(vals)), vals, strict=True)])
    if arr.shape != (2,):
        raise DataError(f"{name} must hold the assays of exactly two metals, got {arr.size}")
    if np.isnan(arr).any():
        raise DataError(f"{name} holds NaN: the three-product formula needs every assay")
    return arr, keys


def three_product(
    feed: Any, concentrate1: Any, concentrate2: Any, tailing: Any
) -> ThreeProductResult:
    r"""Mass yields and recoveries of a separation into two concentrates and a tailing.

    Parameters
    ----------
    feed, concentrate1, concentrate2, tailing : pair, dict or Series
        Assays of two metals a and b in each stream (e.g. ``{"Pb": 0.03, "Zn": 0.06}``, or a
        pair of pint quantities). [mass fraction] Dicts and Series are matched by metal, in
        any order (different metals raise LabelError); unlabelled pairs are taken in order,
        and cannot be mixed with labelled ones.

    Returns
    -------
    ThreeProductResult
        ``mass_yields`` (C1/F, C2/F, T/F) and ``recoveries`` (metal x product).

    Notes
    -----
    .. math::

        \begin{bmatrix} c_{1a} - t_a & c_{2a} - t_a \\ c_{1b} - t_b & c_{2b} - t_b \end{bmatrix}
        \begin{bmatrix} C_1/F \\ C_2/F \end{bmatrix} =
        \begin{bmatrix} f_a - t_a \\ f_b - t_b \end{bmatrix}

    The matrix must be well conditioned: the two concentrates must be enriched in different
    metals.

    References
    ----------
    - [1] Wills B.A., Finch J.A. (2016) Wills' Mineral Processing Technology, 8th ed., ch. 3,
      three-product formula. doi:10.1016/C2010-0-65478-2

    Examples
    --------
    >>> r = three_product({"Pb": 0.03, "Zn": 0.06}, {"Pb": 0.50, "Zn": 0.08},
    ...                   {"Pb": 0.02, "Zn": 0.55}, {"Pb": 0.002, "Zn": 0.005})
    >>> r.mass_yields.round(4).tolist()
    [0.0528, 0.0936, 0.8535]
    """
    f, metals = _assay_pair(feed, "feed", None, None)
    labelled = metals is not None
    c1, _ = _assay_pair(concentrate1, "concentrate1", metals, labelled)
    c2, _ = _assay_pair(concentrate2, "concentrate2", metals, labelled)
    t, _ = _assay_pair(tailing, "tailing", metals, labelled)
    metals = metals if labelled else ["a", "b"]
    a = np.column_stack([c1 - t, c2 - t])
    cond = np.linalg.cond(a)
    if not np.isfinite(cond) or cond > 1e8:
        raise DataError(
            "the three-product system is singular: the two concentrates are not enriched in "
            f"different metals (matrix condition number {cond:.3g})"
        )
    y12 = np.linalg.solve(a, f - t)
    yields = np.array([y12[0], y12[1], 1.0 - y12.sum()])
    if np.any(yields < -1e-9) or np.any(yields > 1 + 1e-9):
        raise DataError(
            f"mass yields {np.round(yields, 4).tolist()} fall outside [0, 1]: the assays are "
            "inconsistent (check that concentrate1 is rich in the first metal and concentrate2 "
            "in the second, and that the tailing is poorer than the feed)"
        )
    products = ["concentrate1", "concentrate2", "tailing"]
    grades = pd.DataFrame(np.column_stack([c1, c2, t]), index=metals, columns=products)
    rec = grades.mul(yields, axis=1).div(f, axis=0)
    return ThreeProductResult(
        mass_yields=pd.Series(yields, index=products, name="mass_yield"),
        recoveries=rec,
        grades=grades,
    )


@dataclass(frozen=True)
class NProductResult(_ProductTable):
    """Least-squares mass yields of n products and the component recoveries."""

    mass_yields: pd.Series
    recoveries: pd.DataFrame
    residuals: pd.Series


def n_product(feed: Any, products: pd.DataFrame, *, weights: Any = None) -> NProductResult:
    r"""Mass yields of n products by (weighted) least squares over all assayed components.

    Parameters
    ----------
    feed : Series or dict
        Feed grades by component. [mass fraction]
    products : DataFrame
        Grades of each product (rows: products, the last one usually the tailing; columns:
        the components of ``feed``). [mass fraction]
    weights : Series, dict or None
        Weight of each component's balance (e.g. 1/variance of its assays); default 1.

    Returns
    -------
    NProductResult
        ``mass_yields`` (sum 1), ``recoveries`` (component x product), ``residuals``
        (feed grade minus reconstructed grade, by component).

    Notes
    -----
    The yields minimise the weighted node imbalance subject to :math:`\sum_j y_j = 1`:

    .. math::

        \min_y \sum_k w_k \Big(f_k - \sum_j y_j p_{jk}\Big)^2

    solved by eliminating the last yield. With as many independent components as products
    minus one the solution equals the two- or three-product formula.

    References
    ----------
    - [1] Wills B.A., Finch J.A. (2016) Wills' Mineral Processing Technology, 8th ed., ch. 3
      (mass balancing by least squares). doi:10.1016/C2010-0-65478-2

    Examples
    --------
    >>> feed = {"Pb": 0.03, "Zn": 0.06}
    >>> prods = pd.DataFrame({"Pb": [0.50, 0.02, 0.002], "Zn": [0.08, 0.55, 0.005]},
    ...                      index=["Pb conc", "Zn conc", "tail"])
    >>> n_product(feed, prods).mass_yields.round(4).tolist()
    [0.0528, 0.0936, 0.8535]
    """
    if not isinstance(products, pd.DataFrame):
        raise DataError("products must be a DataFrame (rows: products, columns: components)")
    fs = pd.Series(feed, dtype=object) if isinstance(feed, dict) else pd.Series(feed)
    if fs.index.has_duplicates:
        raise LabelError(f"feed has duplicate components {fs.index[fs.index.duplicated()]}")
    if products.columns.has_duplicates or products.index.has_duplicates:
        raise LabelError("products has duplicate column or row labels: "
                         f"{list(products.columns)} / {list(products.index)}")
    missing = [k for k in fs.index if k not in products.columns]
    if missing:
        raise LabelError(f"products lack the feed components {missing}; columns are "
                         f"{list(products.columns)}")
    comps = list(fs.index)
    f = np.array([_kind.one(_kind.grade(fs[k], f"feed[{k!r}]"), f"feed[{k!r}]")
                  for k in comps])
    p = np.column_stack(
        [_kind.grade(products[k], f"products[{k!r}]") for k in comps]
    ).astype(float)  # products x components
    if np.isnan(f).any() or np.isnan(p).any():
        raise DataError("n_product needs every assay: feed or products hold NaN (drop the "
                        "component or the product, or fill it)")
    n = p.shape[0]
    if n < 2:
        raise DataError(f"n_product needs at least two products, got {n}")
    if len(comps) < n - 1:
        raise DataError(
            f"{n} products need at least {n - 1} assayed components, got {len(comps)}"
        )
    if weights is None:
        w = np.ones(len(comps))
    else:
        ws = pd.Series(weights, dtype=object) if isinstance(weights, dict) else weights
        if isinstance(ws, pd.Series):
            lacking = [k for k in comps if k not in ws.index]
            if lacking:
                raise LabelError(f"weights lack the components {lacking}")
            ws = ws[comps]
        w = _kind.number(ws, "weights", low=0.0, allow_nan=False)
        if w.shape != (len(comps),):
            raise LabelError(f"weights has {w.size} values for {len(comps)} components")
    sw = np.sqrt(w)
    a = (p[:-1] - p[-1]).T  # components x (n-1)
    b = f - p[-1]
    sol, *_ = np.linalg.lstsq(a * sw[:, None], b * sw, rcond=None)
    if np.linalg.matrix_rank(a * sw[:, None]) < n - 1:
        raise DataError("the product assays are linearly dependent: yields are not "
                        "identifiable")
    yields = np.append(sol, 1.0 - sol.sum())
    if np.any(yields < -1e-9) or np.any(yields > 1 + 1e-9):
        raise DataError(
            f"least-squares mass yields {np.round(yields, 4).tolist()} fall outside [0, 1]: "
            "the assays are inconsistent with a split of this feed (check that each product "
            "is assayed for the same components, and that no product is richer in every "
            "component than the feed is poorer)")
    with np.errstate(divide="ignore", invalid="ignore"):
        rec = pd.DataFrame(p.T * yields / f[:, None], index=comps, columns=products.index)
    resid = pd.Series(f - yields @ p, index=comps, name="residual")
    return NProductResult(
        mass_yields=pd.Series(yields, index=products.index, name="mass_yield"),
        recoveries=rec,
        residuals=resid,
    )
