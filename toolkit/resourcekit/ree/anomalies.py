r"""Eu and Ce anomalies, normalised ratios, REE sums and the tetrad effect.

All take concentrations (normalised internally to ``reference``) or, with ``reference=None``,
values that are already normalised, in columns without a concentration unit (``La``, not
``La_ppm``: a unit with ``reference=None`` is an error naming the reference to pass). Each
anomaly formula is a public function listed by :func:`anomaly_methods`. A DataFrame gives a
Series (one value per row, index kept), a Series (one sample) gives a float.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..errors import OptionError
from ._elements import REE, REY
from ._read import MissingDataWarning, as_frame, report
from .normalization import normalized_table

__all__ = [
    "eu_anomaly",
    "ce_anomaly",
    "ratio",
    "ree_sums",
    "tetrad_effect",
    "anomaly_methods",
    "eu_anomaly_geometric",
    "eu_anomaly_arithmetic",
    "eu_anomaly_tb",
    "ce_anomaly_geometric",
    "ce_anomaly_arithmetic",
    "ce_anomaly_pr_nd",
    "AnomalyMethod",
    "ANOMALY_METHODS",
    "EU_METHODS",
    "CE_METHODS",
    "SUM_CONVENTIONS",
]


# ------------------------------------------------------------------ the formulas, one per name
def eu_anomaly_geometric(sm: Any, eu: Any, gd: Any) -> Any:
    r"""Eu/Eu* with the geometric mean of the neighbours Sm and Gd.

    .. math:: \frac{Eu}{Eu^*} = \frac{Eu_N}{\sqrt{Sm_N\,Gd_N}}

    Parameters
    ----------
    sm, eu, gd : float, numpy.ndarray or pandas.Series
        Normalised Sm, Eu, Gd [-].

    Returns
    -------
    Same kind as the inputs: Eu/Eu* [-]; 1 means no anomaly.

    References
    ----------
    Taylor S.R., McLennan S.M. (1985) The Continental Crust: its Composition and Evolution.
    Blackwell, Oxford; McLennan S.M. (1989) Rev. Mineral. 21:169-200.

    Examples
    --------
    >>> float(eu_anomaly_geometric(2.0, 0.5, 2.0))
    0.25
    """
    return eu / np.sqrt(sm * gd)


def eu_anomaly_arithmetic(sm: Any, eu: Any, gd: Any) -> Any:
    r"""Eu/Eu* with the arithmetic mean of the neighbours Sm and Gd.

    .. math:: \frac{Eu}{Eu^*} = \frac{Eu_N}{(Sm_N + Gd_N)/2}

    Parameters
    ----------
    sm, eu, gd : float, numpy.ndarray or pandas.Series
        Normalised Sm, Eu, Gd [-].

    Returns
    -------
    Same kind as the inputs: Eu/Eu* [-].

    References
    ----------
    Taylor S.R., McLennan S.M. (1985) The Continental Crust: its Composition and Evolution.

    Examples
    --------
    >>> eu_anomaly_arithmetic(1.0, 0.5, 3.0)
    0.25
    """
    return eu / ((sm + gd) / 2.0)


def eu_anomaly_tb(sm: Any, eu: Any, tb: Any) -> Any:
    r"""Eu/Eu* interpolated from Sm and Tb, for samples whose Gd is itself anomalous.

    Natural waters carry their own (and anthropogenic, MRI contrast agent) Gd anomaly, so
    Lawrence & Kamber (2006) leave Gd out of the Eu interpolation. An isobaric interference on
    Eu (BaO+ on 151Eu and 153Eu) is not helped by any choice of neighbours.

    .. math:: \frac{Eu}{Eu^*} = \frac{Eu_N}{(Sm_N^2\,Tb_N)^{1/3}}

    Parameters
    ----------
    sm, eu, tb : float, numpy.ndarray or pandas.Series
        Normalised Sm, Eu, Tb [-].

    Returns
    -------
    Same kind as the inputs: Eu/Eu* [-].

    References
    ----------
    Lawrence M.G., Kamber B.S. (2006) The behaviour of the rare earth elements during estuarine
    mixing - revisited. Marine Chemistry 100:147-161, doi:10.1016/j.marchem.2005.11.007.

    Examples
    --------
    >>> float(eu_anomaly_tb(2.0, 1.0, 2.0))
    0.5
    """
    return eu / np.cbrt(sm**2 * tb)


def ce_anomaly_geometric(la: Any, ce: Any, pr: Any) -> Any:
    r"""Ce/Ce* with the geometric mean of the neighbours La and Pr.

    .. math:: \frac{Ce}{Ce^*} = \frac{Ce_N}{\sqrt{La_N\,Pr_N}}

    Parameters
    ----------
    la, ce, pr : float, numpy.ndarray or pandas.Series
        Normalised La, Ce, Pr [-].

    Returns
    -------
    Same kind as the inputs: Ce/Ce* [-].

    References
    ----------
    Lawrence M.G., Greig A., Collerson K.D., Kamber B.S. (2006) Rare earth element and yttrium
    variability in South East Queensland waterways. Aquatic Geochemistry 12:39-72,
    doi:10.1007/s10498-005-4471-8.

    Examples
    --------
    >>> round(float(ce_anomaly_geometric(100.0, 50.0, 81.0)), 4)
    0.5556
    """
    return ce / np.sqrt(la * pr)


def ce_anomaly_arithmetic(la: Any, ce: Any, pr: Any) -> Any:
    r"""Ce/Ce* with the arithmetic mean of La and Pr (shale-normalised, Bau & Dulski 1996).

    .. math:: \frac{Ce}{Ce^*} = \frac{Ce_N}{0.5\,La_N + 0.5\,Pr_N}

    Parameters
    ----------
    la, ce, pr : float, numpy.ndarray or pandas.Series
        Normalised La, Ce, Pr [-].

    Returns
    -------
    Same kind as the inputs: Ce/Ce* [-].

    References
    ----------
    Bau M., Dulski P. (1996) Distribution of yttrium and rare-earth elements in the Penge and
    Kuruman iron-formations, Transvaal Supergroup, South Africa. Precambrian Research
    79:37-55, doi:10.1016/0301-9268(95)00087-9.

    Examples
    --------
    >>> ce_anomaly_arithmetic(1.0, 1.0, 3.0)
    0.5
    """
    return ce / (0.5 * la + 0.5 * pr)


def ce_anomaly_pr_nd(ce: Any, pr: Any, nd: Any) -> Any:
    r"""Ce/Ce* extrapolated from Pr and Nd, free of a La anomaly.

    .. math:: \frac{Ce}{Ce^*} = \frac{Ce_N}{Pr_N^2 / Nd_N}

    Parameters
    ----------
    ce, pr, nd : float, numpy.ndarray or pandas.Series
        Normalised Ce, Pr, Nd [-].

    Returns
    -------
    Same kind as the inputs: Ce/Ce* [-].

    References
    ----------
    Lawrence M.G., Greig A., Collerson K.D., Kamber B.S. (2006) Aquatic Geochemistry
    12:39-72, doi:10.1007/s10498-005-4471-8; Bau M., Dulski P. (1996) Precambrian Research
    79:37-55 (La anomalies bias the La-Pr forms).

    Examples
    --------
    >>> ce_anomaly_pr_nd(1.0, 2.0, 2.0)
    0.5
    """
    return ce / (pr**2 / nd)


@dataclass(frozen=True)
class AnomalyMethod:
    """One registered anomaly formula: the element, the method name and the public function."""

    element: str
    method: str
    function: Callable[..., Any]
    needs: tuple[str, ...]
    formula: str
    source: str


_EU_SOURCE = "Taylor & McLennan (1985); McLennan (1989)"
_CE_SOURCE = "Lawrence et al. (2006) Aquat. Geochem. 12:39, doi:10.1007/s10498-005-4471-8"

#: The registry: (element, method) -> :class:`AnomalyMethod`. Dispatch, the public list
#: (:func:`anomaly_methods`) and the old ``EU_METHODS``/``CE_METHODS`` tables all come from here.
ANOMALY_METHODS: dict[tuple[str, str], AnomalyMethod] = {
    (m.element, m.method): m
    for m in (
        AnomalyMethod("Eu", "geometric", eu_anomaly_geometric, ("Sm", "Eu", "Gd"),
                      "Eu_N / sqrt(Sm_N * Gd_N)", _EU_SOURCE),
        AnomalyMethod("Eu", "arithmetic", eu_anomaly_arithmetic, ("Sm", "Eu", "Gd"),
                      "Eu_N / ((Sm_N + Gd_N) / 2)", "Taylor & McLennan (1985)"),
        AnomalyMethod("Eu", "tb", eu_anomaly_tb, ("Sm", "Eu", "Tb"),
                      "Eu_N / (Sm_N^2 * Tb_N)^(1/3), when Gd is anomalous",
                      "Lawrence & Kamber (2006) Mar. Chem. 100:147, "
                      "doi:10.1016/j.marchem.2005.11.007"),
        AnomalyMethod("Ce", "geometric", ce_anomaly_geometric, ("La", "Ce", "Pr"),
                      "Ce_N / sqrt(La_N * Pr_N)", _CE_SOURCE),
        AnomalyMethod("Ce", "arithmetic", ce_anomaly_arithmetic, ("La", "Ce", "Pr"),
                      "Ce_N / (0.5 La_N + 0.5 Pr_N)",
                      "Bau & Dulski (1996) Precambrian Res. 79:37, "
                      "doi:10.1016/0301-9268(95)00087-9"),
        AnomalyMethod("Ce", "pr_nd", ce_anomaly_pr_nd, ("Ce", "Pr", "Nd"),
                      "Ce_N / (Pr_N^2 / Nd_N), free of La anomalies",
                      _CE_SOURCE + "; Bau & Dulski (1996)"),
    )
}

_Formula = Callable[[dict[str, np.ndarray]], np.ndarray]


def _legacy(element: str) -> dict[str, tuple[tuple[str, ...], _Formula, str]]:
    def formula(m: AnomalyMethod) -> _Formula:
        return lambda v: m.function(*(v[el] for el in m.needs))

    return {
        m.method: (m.needs, formula(m), f"{m.formula} ({m.source})")
        for m in ANOMALY_METHODS.values() if m.element == element
    }


#: Eu/Eu* variants, name -> (elements needed, formula on a dict of arrays, source); from
#: :data:`ANOMALY_METHODS` (kept for older code).
EU_METHODS: dict[str, tuple[tuple[str, ...], _Formula, str]] = _legacy("Eu")
#: Ce/Ce* variants, as :data:`EU_METHODS`.
CE_METHODS: dict[str, tuple[tuple[str, ...], _Formula, str]] = _legacy("Ce")


def anomaly_methods(element: str | None = None) -> pd.DataFrame:
    """The anomaly formulas that :func:`eu_anomaly` and :func:`ce_anomaly` accept as ``method=``.

    Parameters
    ----------
    element : {"Eu", "Ce"}, optional
        Only this element's methods.

    Returns
    -------
    pandas.DataFrame
        One row per formula: ``element``, ``method`` (the ``method=`` string), ``function`` (the
        public function's name), ``needs``, ``formula`` and ``source``.

    Examples
    --------
    >>> anomaly_methods("Eu")[["method", "function"]].to_dict("list")
    {'method': ['geometric', 'arithmetic', 'tb'], 'function': ['eu_anomaly_geometric', \
'eu_anomaly_arithmetic', 'eu_anomaly_tb']}
    """
    rows = [
        {"element": m.element, "method": m.method, "function": m.function.__name__,
         "needs": ", ".join(m.needs), "formula": m.formula, "source": m.source}
        for m in ANOMALY_METHODS.values() if element is None or m.element == element
    ]
    if element is not None and not rows:
        raise OptionError(
            f"anomaly_methods: element = {element!r}; use one of "
            f"{sorted({m.element for m in ANOMALY_METHODS.values()})}"
        )
    return pd.DataFrame(rows)


def _method(element: str, method: str, where: str) -> AnomalyMethod:
    found = ANOMALY_METHODS.get((element, method)) if isinstance(method, str) else None
    if found is None:
        allowed = [m for (el, m) in ANOMALY_METHODS if el == element]
        raise OptionError(f"{where}: method = {method!r} is not known; use one of {allowed}")
    return found


#: REE sum conventions: name -> (LREE, HREE, description). Sums exclude Y.
SUM_CONVENTIONS: dict[str, tuple[tuple[str, ...], tuple[str, ...], str]] = {
    "La-Eu/Gd-Lu": (REE[:6], REE[6:], "LREE = La-Eu, HREE = Gd-Lu"),
    "La-Nd/Gd-Lu": (REE[:4], REE[6:], "LREE = La-Nd, HREE = Gd-Lu (Sm, Eu counted as MREE)"),
    "La-Nd/Tb-Lu": (REE[:4], REE[7:], "LREE = La-Nd, HREE = Tb-Lu (Sm-Gd counted as MREE)"),
}


def _dispatch(registry: Mapping[str, Any], method: str, what: str) -> Any:
    if not isinstance(method, str) or method not in registry:
        raise OptionError(f"{what}: method = {method!r} is not known; use one of {list(registry)}")
    return registry[method]


def _values(
    data: Any, reference: Any, units: Any, bdl: str, need: tuple[str, ...], where: str
) -> tuple[dict[str, np.ndarray], pd.Index, bool]:
    table = normalized_table(data, reference, units, bdl, elements=need, need=need, where=where)
    report(table, bdl, where, stacklevel=4)
    values = table.values
    zero = values == 0
    if zero.any():  # a ratio to 0 is no anomaly: those rows get NaN, reported
        values = np.where(zero, np.nan, values)
        counts = {el: int(k) for el, k in zip(table.elements, zero.sum(axis=1), strict=True) if k}
        warnings.warn(
            f"{where}: values of 0 in {counts} cannot enter a ratio; those rows get NaN "
            "(use bdl= to replace values below a detection limit)",
            MissingDataWarning,
            stacklevel=4,
        )
    return dict(zip(table.elements, values, strict=True)), table.index, table.is_series


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
        Reference composition for normalising; ``None`` if ``data`` are normalised already
        (columns without units).
    method : {"geometric", "arithmetic", "tb"}
        Formula: ``anomaly_methods("Eu")`` lists them, each also a public function
        (:func:`eu_anomaly_geometric`, :func:`eu_anomaly_arithmetic`, :func:`eu_anomaly_tb`).
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
    m = _method("Eu", method, "eu_anomaly")
    values, index, is_series = _values(data, reference, units, bdl, m.needs, "eu_anomaly")
    with np.errstate(divide="ignore", invalid="ignore"):
        return _out(m.function(*(values[el] for el in m.needs)), index, is_series, "Eu/Eu*")


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
        \mathrm{arithmetic:}\ \frac{Ce_N}{0.5\,La_N + 0.5\,Pr_N},\quad
        \mathrm{pr\_nd:}\ \frac{Ce_N}{Pr_N^2 / Nd_N}

    Parameters
    ----------
    data : pandas.DataFrame or pandas.Series
        Concentrations with units, or normalised values when ``reference=None``.
    reference : str, pandas.Series or None
        Reference composition.
    method : {"geometric", "arithmetic", "pr_nd"}
        Formula: ``anomaly_methods("Ce")`` lists them, each also a public function
        (:func:`ce_anomaly_geometric`, :func:`ce_anomaly_arithmetic`, :func:`ce_anomaly_pr_nd`);
        ``"pr_nd"`` avoids La, whose own anomaly biases the La-Pr forms.
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
    m = _method("Ce", method, "ce_anomaly")
    values, index, is_series = _values(data, reference, units, bdl, m.needs, "ce_anomaly")
    with np.errstate(divide="ignore", invalid="ignore"):
        return _out(m.function(*(values[el] for el in m.needs)), index, is_series, "Ce/Ce*")


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
        raise OptionError(f"ratio = {ratio!r}: write it as 'La/Yb' (two element symbols)")
    symbols = {el.lower(): el for el in REY}
    pair = []
    for part in match.groups():
        if part.lower() not in symbols:
            raise OptionError(f"ratio = {ratio!r}: {part!r} is not one of {list(REY)}")
        pair.append(symbols[part.lower()])
    num, den = pair
    need = tuple(dict.fromkeys((num, den)))
    values, index, is_series = _values(data, reference, units, bdl, need, "ratio")
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
    frame, is_series = as_frame(data)
    unit_reference = pd.Series(1.0, index=list(REE))  # dividing by 1 ppm gives ppm
    parsed = normalized_table(frame, unit_reference, units, bdl, elements=REE, need=REE,
                              where="ree_sums")
    report(parsed, bdl, "ree_sums", stacklevel=3)
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
    v, index, is_series = _values(data, reference, units, bdl, need, "tetrad_effect")
    with np.errstate(divide="ignore", invalid="ignore"):
        t1 = np.sqrt(
            v["Ce"] / (np.cbrt(v["La"] ** 2 * v["Nd"])) * v["Pr"] / np.cbrt(v["La"] * v["Nd"] ** 2)
        )
        t3 = np.sqrt(
            v["Tb"] / (np.cbrt(v["Gd"] ** 2 * v["Ho"])) * v["Dy"] / np.cbrt(v["Gd"] * v["Ho"] ** 2)
        )
        return _out(np.sqrt(t1 * t3), index, is_series, "TE1,3")
