"""Normalise REE + Y concentrations to a reference composition (and back).

Normalisation proper: which reference, and the division by it. Reading the table (columns,
units, detection limits, numbers) is :mod:`resourcekit.ree._read`; every analysis function
(anomalies, ratios, lambdas, spider charts) reads through :func:`normalized_table` here, which
resolves the reference and calls the reader once.

``reference=None`` means the values are normalised already: their columns must carry no
concentration unit (``La``, ``Eu``); a column such as ``La_ppm`` is then an error that says which
reference to pass, because treating ppm as a normalised value silently gives wrong anomalies and
lambdas.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ._elements import REY
from ._read import (
    BDL_POLICIES,
    AmbiguousColumnWarning,
    DetectionLimitWarning,
    MissingDataWarning,
    REEColumnError,
    Table,
    UnitError,
    as_frame,
    find_columns,
    read,
    report,
)
from .references import reference as _reference

__all__ = [
    "normalize",
    "denormalize",
    "normalized_table",
    "find_columns",
    "BDL_POLICIES",
    "DetectionLimitWarning",
    "MissingDataWarning",
    "AmbiguousColumnWarning",
    "REEColumnError",
    "UnitError",
]


def reference_values(reference: Any, elements: Sequence[str]) -> np.ndarray:
    """Reference concentrations [ppm] of ``elements``, from a name or a Series."""
    ref = reference if isinstance(reference, pd.Series) else _reference(reference)
    missing = [el for el in elements if el not in ref.index]
    if missing:
        raise REEColumnError(f"reference lacks {missing}; it has {list(ref.index)}")
    return ref[list(elements)].to_numpy(dtype="float64")


def _reference_series(reference: Any) -> pd.Series | None:
    if reference is None:
        return None
    if isinstance(reference, pd.Series):
        ref = pd.to_numeric(reference, errors="coerce").astype("float64")
        bad = ref[(ref <= 0) | np.isinf(ref)]
        if len(bad):
            from ..errors import DataError

            raise DataError(
                f"reference: value {bad.iloc[0]!r} for {bad.index[0]!r} is not a positive "
                "finite concentration [ppm]"
            )
        return ref
    return _reference(reference)


def normalized_table(
    data: Any,
    reference: Any,
    units: Any = None,
    bdl: str = "nan",
    elements: Sequence[str] = REY,
    need: Sequence[str] = (),
    where: str = "normalize",
) -> Table:
    r"""Read ``data`` and divide by ``reference``: the one path every ree function takes.

    .. math:: X_N = \frac{X_\mathrm{sample}\,[\mathrm{ppm}]}{X_\mathrm{reference}\,[\mathrm{ppm}]}

    Returns the reader's :class:`~resourcekit.ree._read.Table` of normalised values, shape
    (elements, rows). ``reference=None``: values taken as normalised (unit-less columns only).
    """
    ref = _reference_series(reference)
    if ref is not None:
        missing = [el for el in need if el not in ref.index or pd.isna(ref.get(el))]
        if missing:
            raise REEColumnError(
                f"{where}: the reference gives no value for {missing}; it has "
                f"{[el for el in ref.index if pd.notna(ref[el])]}: pass a reference with them"
            )
    return read(data, ref, units, bdl, elements, need, where)


def normalize(
    data: pd.DataFrame | pd.Series,
    reference: str | pd.Series = "CI_McDonoughSun1995",
    units: str | Mapping[str, str] | None = None,
    *,
    bdl: str = "nan",
) -> pd.DataFrame | pd.Series:
    r"""Divide REE + Y concentrations by a reference composition (e.g. CI chondrite).

    .. math:: X_N = \frac{X_\mathrm{sample}\,[\mathrm{ppm}]}{X_\mathrm{reference}\,[\mathrm{ppm}]}

    Oxide columns are converted to the element first, by molar mass:
    :math:`X = X_\mathrm{oxide} \cdot n M_X / (n M_X + m M_\mathrm{O})`.

    Parameters
    ----------
    data : pandas.DataFrame or pandas.Series
        One sample per row (a Series is one sample). REE columns are found by element symbol or
        oxide formula (see :func:`find_columns`); other columns pass through untouched.
    reference : str, pandas.Series or None
        Name from :func:`~resourcekit.ree.references.reference_names`, or a Series of
        concentrations indexed by element [ppm] (matched by element label, any order). ``None``:
        the values are normalised already; their columns must then carry no concentration unit
        (a ``La_ppm`` column is a :class:`UnitError` naming the reference to pass).
    units : str or dict, optional
        Unit of REE columns whose names carry none: one unit for all (``"ppm"``, ``"ppb"``,
        ``"ppt"``, ``"mg/kg"``, ``"ug/g"``, ``"g/t"``, ``"wt %"``) or ``{column or element: unit}``.
    bdl : {"nan", "half", "limit"}
        Policy for values below the detection limit (``"<0.05"``, ``"bdl"``, ``"n.d."``, ``"-"``,
        negative numbers taken as minus the limit); see :data:`BDL_POLICIES`.

    Returns
    -------
    pandas.DataFrame or pandas.Series
        Same kind as ``data``, index kept. REE columns renamed to their symbols and normalised
        [-]; ``attrs["reference"]`` names the reference and ``attrs["bdl_replaced"]`` counts the
        replaced values per element.

    Raises
    ------
    REEColumnError
        No REE column, or two columns for one element.
    UnitError
        A REE column without unit, an unknown unit, or a unit contradicting ``units=``.
    DataError
        Text that is neither a number nor a detection-limit code, an infinite value, or a
        concentration above 100 % (a wrong unit).
    OptionError
        An unknown ``bdl`` policy.
    UnknownReferenceError
        A reference name that is not shipped.

    Warns
    -----
    DetectionLimitWarning
        When values were replaced by the ``bdl`` policy (with their number per element).
    MissingDataWarning
        When rows hold no REE value at all.
    AmbiguousColumnWarning
        When a column ``Y`` is read as a coordinate, not yttrium (see :func:`find_columns`).

    References
    ----------
    McDonough W.F., Sun S.-s. (1995) The composition of the Earth. Chem. Geol. 120:223-253,
    doi:10.1016/0009-2541(94)00140-4 (default reference).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"sample": ["a"], "La_ppm": [23.7], "Yb [ppb]": [161.0]})
    >>> normalize(df)
      sample     La   Yb
    0      a  100.0  1.0
    >>> normalize(pd.DataFrame({"LA(PPM)": [23.7], "EU(PPB)": [56.3]}))  # GEOROC headers
          La   Eu
    0  100.0  1.0
    """
    frame, is_series = as_frame(data)
    parsed = normalized_table(frame, reference, units, bdl, where="normalize")
    report(parsed, bdl, "normalize")
    out = _rebuild(frame, parsed)
    out.attrs = {
        "reference": reference if isinstance(reference, str) else "custom",
        "bdl_replaced": dict(parsed.replaced),
    }
    if is_series:
        series = out.iloc[0]
        series.name = data.name
        series.attrs = out.attrs
        return series
    return out


def _rebuild(frame: pd.DataFrame, parsed: Table) -> pd.DataFrame:
    ree = pd.DataFrame(parsed.values.T, index=frame.index, columns=parsed.elements, copy=False)
    if len(parsed.labels) == frame.shape[1]:
        if parsed.labels == list(frame.columns):
            return ree
        order = [parsed.elements[parsed.labels.index(c)] for c in frame.columns]
        return ree[order]
    rename = dict(zip(parsed.labels, parsed.elements, strict=True))
    rest = frame.drop(columns=parsed.labels)
    out = pd.concat([rest, ree], axis=1)
    order = [rename.get(c, c) for c in frame.columns]
    return out[order]


def denormalize(
    normalized: pd.DataFrame | pd.Series,
    reference: str | pd.Series = "CI_McDonoughSun1995",
) -> pd.DataFrame | pd.Series:
    r"""Concentrations [ppm] from normalised values: the inverse of :func:`normalize`.

    .. math:: X\,[\mathrm{ppm}] = X_N \cdot X_\mathrm{reference}\,[\mathrm{ppm}]

    Parameters
    ----------
    normalized : pandas.DataFrame or pandas.Series
        Normalised REE values in columns named by element symbol [-].
    reference : str or pandas.Series
        The reference used to normalise.

    Returns
    -------
    pandas.DataFrame or pandas.Series
        Same kind, REE columns renamed ``"<El>_ppm"`` [ppm]; other columns untouched.

    Examples
    --------
    >>> import pandas as pd
    >>> denormalize(pd.DataFrame({"La": [100.0]}))
       La_ppm
    0    23.7
    """
    frame, is_series = as_frame(normalized, "normalized")
    parsed = normalized_table(frame, None, None, "nan", where="denormalize")
    ref = reference_values(reference, parsed.elements)
    parsed.values = parsed.values * ref[:, None]
    parsed.elements = [f"{el}_ppm" for el in parsed.elements]
    out = _rebuild(frame, parsed)
    if is_series:
        series = out.iloc[0]
        series.name = normalized.name
        return series
    return out
