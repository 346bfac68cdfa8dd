"""Reference compositions for normalising REE + Y data (chondrite, mantle, shale, crust).

The values ship as ``resourcekit/ree/data/references.csv``: one row per reference, element
columns in ppm (ug/g), with the reservoir, the citation, the DOI and the name pyrolite uses for
the same table. pyrolite keeps some chondrite tables in ppb; every value here is ppm.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pandas as pd

from ..errors import LabelError, OptionError
from ._elements import REY

__all__ = ["references", "reference", "reference_names", "UnknownReferenceError"]

_FILE = Path(__file__).resolve().parent / "data" / "references.csv"
_META = ("reservoir", "unit", "citation", "doi", "pyrolite_name")


class UnknownReferenceError(OptionError, LabelError):
    """A reference composition name that is not shipped (an
    :class:`~resourcekit.errors.OptionError` and a :class:`~resourcekit.errors.LabelError`, so
    also a ``ValueError`` and, as before, a ``KeyError``)."""


@lru_cache(maxsize=1)
def _table() -> pd.DataFrame:
    table = pd.read_csv(_FILE, index_col="name", keep_default_na=False, na_values=[""])
    for el in REY:
        table[el] = table[el].astype("float64")
    return table


def references() -> pd.DataFrame:
    """Table of the shipped reference compositions (REE + Y in ppm) with citation metadata.

    Returns
    -------
    pandas.DataFrame
        Indexed by reference name; columns ``reservoir``, ``unit`` (always ``ppm``),
        ``citation``, ``doi``, ``pyrolite_name``, then La ... Lu and Y [ppm] in REY order
        (Y between Dy and Ho). A missing value (Y in ``CI_ONeill2016``) is NaN.

    References
    ----------
    See the ``citation`` and ``doi`` columns; values checked against pyrolite 0.3.8's tables.

    Examples
    --------
    >>> tab = references()
    >>> tab.loc["CI_McDonoughSun1995", "La"]
    np.float64(0.237)
    >>> "PAAS_Pourmand2012" in tab.index
    True
    """
    return _table().loc[:, [*_META, *REY]].copy()


def reference_names() -> list[str]:
    """Names accepted by :func:`reference`, e.g. ``'CI_McDonoughSun1995'``.

    >>> reference_names()[:2]
    ['CI_McDonoughSun1995', 'CI_SunMcDonough1989']
    """
    return list(_table().index)


def _resolve(name: str) -> str:
    if not isinstance(name, str):
        raise UnknownReferenceError(
            f"reference must be a name (str) such as 'CI_McDonoughSun1995', got "
            f"{type(name).__name__}"
        )
    table = _table()
    if name in table.index:
        return name
    by_pyrolite = {p: n for n, p in table["pyrolite_name"].items() if isinstance(p, str) and p}
    if name in by_pyrolite:
        return by_pyrolite[name]
    lowered = {n.lower(): n for n in table.index}
    if name.lower() in lowered:
        return lowered[name.lower()]
    raise UnknownReferenceError(
        f"unknown reference composition {name!r}; known: {', '.join(table.index)}"
    )


def reference(name: str = "CI_McDonoughSun1995") -> pd.Series:
    """One reference composition as a Series of REE + Y concentrations [ppm].

    Parameters
    ----------
    name : str
        A name from :func:`reference_names` (pyrolite's names such as ``'Chondrite_MS95'`` are
        accepted as aliases; the values are always ppm).

    Returns
    -------
    pandas.Series
        La ... Lu and Y [ppm], named after the reference; ``attrs`` hold the citation and DOI.

    Raises
    ------
    UnknownReferenceError
        (a ``KeyError``) for a name not shipped; the message lists the known names.

    Examples
    --------
    >>> reference("CI_McDonoughSun1995")["Eu"]
    np.float64(0.0563)
    >>> reference("Chondrite_MS95")["Eu"]  # pyrolite name, but ppm (pyrolite: ppb)
    np.float64(0.0563)
    """
    key = _resolve(name)
    row = _table().loc[key]
    out = row[list(REY)].astype("float64").rename(key)
    out.attrs = {"unit": "ppm", "citation": row["citation"], "doi": row["doi"]}
    return out
