r"""Eu and Ce anomalies, normalised ratios, REE sums and the tetrad effect.

All take concentrations (normalised internally to ``reference``) or, with ``reference=None``,
values that are already normalised. A DataFrame gives a Series (one value per row, index kept),
a Series (one sample) gives a float.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from ._elements import REE, REY
from .normalization import _as_frame, _parse, _report

__all__ = [
    "eu_anomaly",
    "ce_anomaly",
    "ratio",
    "ree_sums",
    "tetrad_effect",
    "EU_METHODS",
    "CE_METHODS",
    "SUM_CONVENTIONS",
]

_Formula = Callable[[dict[str, np.ndarray]], np.ndarray]

#: Eu/Eu* variants: name -> (elements needed, formula, source).
EU_METHODS: dict[str, tuple[tuple[str, ...], _Formula, str]] = {
    "geometric": (
        ("Sm", "Eu", "Gd"),
        lambda v: v["Eu"] / np.sqrt(v["Sm"] * v["Gd"]),
        "Eu_N / sqrt(Sm_N * Gd_N) (Taylor & McLennan 1985; McLennan 1989)",
    ),
    "arithmetic": (
        ("Sm", "Eu", "Gd"),
        lambda v: v["Eu"] / ((v["Sm"] + v["Gd"]) / 2.0),
        "Eu_N / ((Sm_N + Gd_N) / 2) (Taylor & McLennan 1985)",
    ),
    "tb": (
        ("Sm", "Eu", "Tb"),
        lambda v: v["Eu"] / np.cbrt(v["Sm"] ** 2 * v["Tb"]),
        "Eu_N / (Sm_N^2 * Tb_N)^(1/3), when Gd is interfered (Lawrence & Kamber 2006)",
    ),
}

#: Ce/Ce* variants: name -> (elements needed, formula, source).
CE_METHODS: dict[str, tuple[tuple[str, ...], _Formula, str]] = {
    "geometric": (
        ("La", "Ce", "Pr"),
        lambda v: v["Ce"] / np.sqrt(v["La"] * v["Pr"]),
        "Ce_N / sqrt(La_N * Pr_N) (Lawrence et al. 2006)",
    ),
    "pr_nd": (
        ("Ce", "Pr", "Nd"),
        lambda v: v["Ce"] / (v["Pr"] ** 2 / v["Nd"]),
        "Ce_N / (Pr_N^2 / Nd_N), free of La anomalies (Lawrence et al. 2006; Bau & Dulski 1996)",
    ),
}

#: REE sum conventions: name -> (LREE, HREE, description). Sums exclude Y.
SUM_CONVENTIONS: dict[str, tuple[tuple[str, ...], tuple[str, ...], str]] = {
    "La-Eu/Gd-Lu": (REE[:6], REE[6:], "LREE = La-Eu, HREE = Gd-Lu"),
    "La-Nd/Gd-Lu": (REE[:4], REE[6:], "LREE = La-Nd, HREE = Gd-Lu (Sm, Eu counted as MREE)"),
    "La-Nd/Tb-Lu": (REE[:4], REE[7:], "LREE = La-Nd, HREE = Tb-Lu (Sm-Gd counted as MREE)"),
}


def _dispatch(registry: Mapping[str, Any], method: str, what: str) -> Any:
    if method not in registry:
        raise ValueError(f"{what}: method = {method!r} is not known; use one of {list(registry)}")
    return registry[method]


def _values(
    data: Any, reference: Any, units: Any, bdl: str, need: tuple[str, ...], where: str
) -> tuple[dict[str, np.ndarray], pd.Index, bool, Any]:
    frame, is_series = _as_frame(data)
    parsed = _parse(frame, reference, units, bdl, elements=need, need=need, where=where)
    _report(parsed, bdl, where, stacklevel=4)
    values = dict(zip(parsed.elements, parsed.values, strict=True))
    return values, frame.index, is_series, getattr(data, "name", None)


def _out(result: np.ndarray, index: pd.Index, is_series: bool, name: str) -> pd.Series | float:
    if is_series:
        return float(result[0])
    return pd.Series(result, index=index, name=name, dtype="float64")


def eu_anomaly(
    data: pd.DataFrame | pd.Series,
    reference: str | pd.Series | None = "CI_McDonoughSun1995",
    method: str = "geometric",
    *,
    units: Any = None,
    bdl: str = "nan",
) -> pd.Series | float:
    r"""Europium anomaly Eu/Eu* of normalised patterns.

    .. math::
        \mathrm{geometric:}\ \frac{Eu_N}{\sqrt{Sm_N\,Gd_N}},\quad
        \mathrm{arithmetic:}\ \frac{Eu_N}{(Sm_N + Gd_N)/2},\quad
        \mathrm{tb:}\ \frac{Eu_N}{(Sm_N^2\,Tb_N)^{1/3}}

    Parameters
    ----------
    data : pandas.DataFrame or pandas.Series
        Concentrations with units (see :func:`~resourcekit.ree.normalize`), or normalised values
        when ``reference=None``.
    reference : str, pandas.Series or None
        Reference composition for normalising.
    method : {"geometric", "arithmetic", "tb"}
        Formula, from :data:`EU_METHODS`.
    units, bdl
        As in :func:`~resourcekit.ree.normalize`.

    Returns
    -------
    pandas.Series or float
        Eu/Eu* [-], one per row (a float for a Series); 1 means no anomaly.

    References
    ----------
    Taylor S.R., McLennan S.M. (1985) The Continental Crust: its Composition and Evolution.
    Lawrence M.G., Kamber B.S. (2006) Marine Chemistry 100:147-161,
    doi:10.1016/j.marchem.2005.11.007.

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.Series({"Sm": 2.0, "Eu": 0.5, "Gd": 2.0})
    >>> eu_anomaly(s, reference=None)
    0.25
    """
    need, formula, _ = _dispatch(EU_METHODS, method, "eu_anomaly")
    values, index, is_series, _name = _values(data, reference, units, bdl, need, "eu_anomaly")
    with np.errstate(divide="ignore", invalid="ignore"):
        return _out(formula(values), index, is_series, "Eu/Eu*")


def ce_anomaly(
    data: pd.DataFrame | pd.Series,
    reference: str | pd.Series | None = "CI_McDonoughSun1995",
    method: str = "geometric",
    *,
    units: Any = None,
    bdl: str = "nan",
) -> pd.Series | float:
    r"""Cerium anomaly Ce/Ce* of normalised patterns.

    .. math::
        \mathrm{geometric:}\ \frac{Ce_N}{\sqrt{La_N\,Pr_N}},\quad
        \mathrm{pr\_nd:}\ \frac{Ce_N}{Pr_N^2 / Nd_N}

    Parameters
    ----------
    data : pandas.DataFrame or pandas.Series
        Concentrations with units, or normalised values when ``reference=None``.
    reference : str, pandas.Series or None
        Reference composition.
    method : {"geometric", "pr_nd"}
        Formula, from :data:`CE_METHODS`; ``"pr_nd"`` avoids La, whose own anomaly biases the
        geometric form.
    units, bdl
        As in :func:`~resourcekit.ree.normalize`.

    Returns
    -------
    pandas.Series or float
        Ce/Ce* [-].

    References
    ----------
    Lawrence M.G., Greig A., Collerson K.D., Kamber B.S. (2006) Aquatic Geochemistry
    12:39-72, doi:10.1007/s10498-005-4471-8. Bau M., Dulski P. (1996) Precambrian Research
    79:37-55, doi:10.1016/0301-9268(95)00087-9.

    Examples
    --------
    >>> import pandas as pd
    >>> ce_anomaly(pd.Series({"Ce": 1.0, "Pr": 2.0, "Nd": 2.0}), reference=None, method="pr_nd")
    0.5
    """
    need, formula, _ = _dispatch(CE_METHODS, method, "ce_anomaly")
    values, index, is_series, _name = _values(data, reference, units, bdl, need, "ce_anomaly")
    with np.errstate(divide="ignore", invalid="ignore"):
        return _out(formula(values), index, is_series, "Ce/Ce*")


_RATIO = re.compile(r"^\s*\(?\s*([A-Za-z]{1,2})\s*/\s*([A-Za-z]{1,2})\s*\)?\s*(?:_?N)?\s*$")


def ratio(
    data: pd.DataFrame | pd.Series,
    ratio: str,
    reference: str | pd.Series | None = "CI_McDonoughSun1995",
    *,
    units: Any = None,
    bdl: str = "nan",
) -> pd.Series | float:
    r"""Normalised element ratio such as (La/Yb)_N.

    .. math:: (A/B)_N = \frac{A / A_\mathrm{ref}}{B / B_\mathrm{ref}}

    Parameters
    ----------
    data : pandas.DataFrame or pandas.Series
        Concentrations with units, or normalised values when ``reference=None``.
    ratio : str
        ``"La/Yb"``, also written ``"(La/Yb)_N"``; any two of La ... Lu, Y.
    reference : str, pandas.Series or None
        Reference composition.
    units, bdl
        As in :func:`~resourcekit.ree.normalize`.

    Returns
    -------
    pandas.Series or float
        The normalised ratio [-], named ``"(La/Yb)_N"``.

    Examples
    --------
    >>> import pandas as pd
    >>> ratio(pd.Series({"La_ppm": 23.7, "Yb_ppm": 0.161}), "La/Yb")
    100.0
    """
    match = _RATIO.match(str(ratio))
    if not match:
        raise ValueError(f"ratio = {ratio!r}: write it as 'La/Yb' (two element symbols)")
    symbols = {el.lower(): el for el in REY}
    pair = []
    for part in match.groups():
        if part.lower() not in symbols:
            raise ValueError(f"ratio = {ratio!r}: {part!r} is not one of {list(REY)}")
        pair.append(symbols[part.lower()])
    num, den = pair
    need = tuple(dict.fromkeys((num, den)))
    values, index, is_series, _ = _values(data, reference, units, bdl, need, "ratio")
    label = f"({num}/{den})_N" if reference is not None else f"{num}/{den}"
    with np.errstate(divide="ignore", invalid="ignore"):
        return _out(values[num] / values[den], index, is_series, label)


def ree_sums(
    data: pd.DataFrame | pd.Series,
    convention: str = "La-Eu/Gd-Lu",
    *,
    units: Any = None,
    bdl: str = "nan",
) -> pd.DataFrame | pd.Series:
    r"""Sum of the REE and its light and heavy parts [ppm], by a stated convention.

    .. math:: \Sigma REE = \sum_{La}^{Lu} X_i,\quad LREE = \sum_{i \in L} X_i,\quad
              HREE = \sum_{i \in H} X_i

    Y is not included. A sum is NaN when one of its elements is missing (it would otherwise
    be too low without notice).

    Parameters
    ----------
    data : pandas.DataFrame or pandas.Series
        Concentrations with units (oxides converted to element).
    convention : str
        Key of :data:`SUM_CONVENTIONS`: ``"La-Eu/Gd-Lu"`` (default), ``"La-Nd/Gd-Lu"`` or
        ``"La-Nd/Tb-Lu"``; elements in neither part are reported as ``MREE``.
    units, bdl
        As in :func:`~resourcekit.ree.normalize`.

    Returns
    -------
    pandas.DataFrame or pandas.Series
        Columns ``REE``, ``LREE``, ``MREE`` (if any), ``HREE`` [ppm] and ``LREE/HREE`` [-];
        ``attrs["convention"]`` states the convention.

    Examples
    --------
    >>> from resourcekit.ree import reference
    >>> ree_sums(reference("CI_McDonoughSun1995"), units="ppm").round(4).tolist()
    [2.5101, 1.6041, 0.906, 1.7705]
    """
    light, heavy, text = _dispatch(SUM_CONVENTIONS, convention, "ree_sums")
    frame, is_series = _as_frame(data)
    unit_reference = pd.Series(1.0, index=list(REE))  # dividing by 1 ppm gives ppm
    parsed = _parse(frame, unit_reference, units, bdl, elements=REE, need=REE, where="ree_sums")
    _report(parsed, bdl, "ree_sums", stacklevel=3)
    ppm = dict(zip(parsed.elements, parsed.values, strict=True))
    middle = tuple(el for el in REE if el not in light and el not in heavy)

    def total(els: tuple[str, ...]) -> np.ndarray:
        return np.sum([ppm[el] for el in els], axis=0)

    cols = {"REE": total(REE), "LREE": total(light)}
    if middle:
        cols["MREE"] = total(middle)
    cols["HREE"] = total(heavy)
    with np.errstate(divide="ignore", invalid="ignore"):
        cols["LREE/HREE"] = cols["LREE"] / cols["HREE"]
    out = pd.DataFrame(cols, index=frame.index)
    out.attrs = {"convention": f"{convention}: {text}; Y excluded; unit ppm"}
    if is_series:
        series = out.iloc[0].rename(getattr(data, "name", None))
        series.attrs = out.attrs
        return series
    return out


def tetrad_effect(
    data: pd.DataFrame | pd.Series,
    reference: str | pd.Series | None = "CI_McDonoughSun1995",
    *,
    units: Any = None,
    bdl: str = "nan",
) -> pd.Series | float:
    r"""Tetrad effect TE_1,3 of Irber (1999): size of the first and third tetrads.

    .. math::
        t_1 = \sqrt{\frac{Ce_N}{La_N^{2/3} Nd_N^{1/3}} \cdot \frac{Pr_N}{La_N^{1/3} Nd_N^{2/3}}},
        \quad
        t_3 = \sqrt{\frac{Tb_N}{Gd_N^{2/3} Ho_N^{1/3}} \cdot \frac{Dy_N}{Gd_N^{1/3} Ho_N^{2/3}}},
        \quad TE_{1,3} = \sqrt{t_1 t_3}

    Values above about 1.1 are taken as a significant (M-type) tetrad effect.

    Parameters
    ----------
    data : pandas.DataFrame or pandas.Series
        Concentrations with units, or normalised values when ``reference=None``.
    reference : str, pandas.Series or None
        Reference composition.
    units, bdl
        As in :func:`~resourcekit.ree.normalize`.

    Returns
    -------
    pandas.Series or float
        TE_1,3 [-]; 1 for a smooth pattern.

    References
    ----------
    Irber W. (1999) The lanthanide tetrad effect and its correlation with K/Rb, Eu/Eu*, Sr/Eu,
    Y/Ho, and Zr/Hf of evolving peraluminous granite suites. Geochimica et Cosmochimica Acta
    63:489-508, doi:10.1016/S0016-7037(99)00027-7.

    Examples
    --------
    >>> import pandas as pd
    >>> flat = pd.Series(dict.fromkeys(["La", "Ce", "Pr", "Nd", "Gd", "Tb", "Dy", "Ho"], 5.0))
    >>> tetrad_effect(flat, reference=None)
    1.0
    """
    need = ("La", "Ce", "Pr", "Nd", "Gd", "Tb", "Dy", "Ho")
    v, index, is_series, _ = _values(data, reference, units, bdl, need, "tetrad_effect")
    with np.errstate(divide="ignore", invalid="ignore"):
        t1 = np.sqrt(
            v["Ce"] / (np.cbrt(v["La"] ** 2 * v["Nd"])) * v["Pr"] / np.cbrt(v["La"] * v["Nd"] ** 2)
        )
        t3 = np.sqrt(
            v["Tb"] / (np.cbrt(v["Gd"] ** 2 * v["Ho"])) * v["Dy"] / np.cbrt(v["Gd"] * v["Ho"] ** 2)
        )
        return _out(np.sqrt(t1 * t3), index, is_series, "TE1,3")
