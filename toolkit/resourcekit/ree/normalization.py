"""Normalise REE + Y concentrations to a reference composition, with units and detection limits.

Units are never guessed: they come from the column names (``La_ppm``, ``La [mg/kg]``,
``La2O3 (wt%)``), from ``units=``, or from pint quantities in the cells. Values below the
detection limit (``"<0.05"``, ``"bdl"``, ``"n.d."``, ``"-"``, negative numbers) are replaced by an
explicit policy and the number replaced is reported (a :class:`DetectionLimitWarning` and
``result.attrs["bdl_replaced"]``).
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ._elements import REY, oxide_table
from .references import reference as _reference

if TYPE_CHECKING:  # pint loads on first use: importing resourcekit.ree stays fast
    import pint

__all__ = [
    "normalize",
    "denormalize",
    "find_columns",
    "BDL_POLICIES",
    "DetectionLimitWarning",
    "MissingDataWarning",
    "REEColumnError",
    "UnitError",
]

#: Detection-limit policies: how a value reported below the limit ``L`` is replaced.
BDL_POLICIES: dict[str, str] = {
    "nan": "missing (NaN): the value is left out of every later calculation",
    "half": "L / 2, half the reported limit; NaN where no limit is given ('bdl', 'n.d.')",
    "limit": "L, the limit itself (an upper bound); NaN where no limit is given",
}
_BDL_TOKENS = frozenset(
    {"bdl", "b.d.l.", "b.d.l", "bd", "b.d.", "<dl", "<lod", "<ld", "lod", "n.d.", "nd", "n.d",
     "-", "--", "\u2013", "\u2014", "not detected", "below detection"}
)
_MISSING_TOKENS = frozenset({"", "na", "n.a.", "nan", "none", "null", "n/a"})


_HEAD = re.compile(r"^\s*([A-Za-z]{1,2}\d*(?:O\d*)?)(?:$|[\s_\[(])")

_UNIT_PART = re.compile(r"^\s*(?:\[([^\]\s]+)\]|\(([^)\s]+)\)|_([^\s]+))\s*$")


class REEColumnError(KeyError):
    """REE columns missing or duplicated in the data."""

    def __str__(self) -> str:
        return str(self.args[0])


class UnitError(ValueError):
    """A concentration unit that is missing, unknown, mixed or contradictory."""


class DetectionLimitWarning(UserWarning):
    """Values reported below the detection limit were replaced by the ``bdl`` policy."""


class MissingDataWarning(UserWarning):
    """Rows with no REE value at all (left as NaN)."""


@dataclass
class _Column:
    element: str
    label: Any
    unit: pint.Unit | None = None
    metal_fraction: float = 1.0  # element mass per oxide mass, 1 for element columns


@dataclass
class _Parsed:
    """REE values of a table as a (k, n) array plus everything needed to rebuild a frame."""

    values: np.ndarray  # shape (k, n): one row per element, normalised or ppm
    elements: list[str]
    labels: list[Any]
    index: pd.Index
    replaced: dict[str, int] = field(default_factory=dict)
    has_nan: bool = True  # False only when a full scan found no NaN


def find_columns(columns: Sequence[Any], elements: Sequence[str] = REY) -> dict[str, Any]:
    """Find the column of each REE (and Y) in a list of column names.

    Element symbols are matched case-insensitively, with or without a unit in the name
    (``"La"``, ``"la"``, ``"La_ppm"``, ``"La [mg/kg]"``, ``"La (ppm)"``), and oxide formulas
    (``"La2O3"``, ``"CeO2"``, ``"Pr6O11"``, ``"Tb4O7"``, ``"La2O3 (wt%)"``).

    Parameters
    ----------
    columns : sequence
        Column labels.
    elements : sequence of str
        Elements to look for.

    Returns
    -------
    dict
        ``{element: column label}`` in the order of ``elements``, for the elements found.

    Raises
    ------
    REEColumnError
        If two columns hold the same element (e.g. ``"La"`` and ``"La2O3"``).

    Examples
    --------
    >>> find_columns(["sample", "La [mg/kg]", "ce_ppm", "Nd2O3 (wt%)", "Sm norm"])
    {'La': 'La [mg/kg]', 'Ce': 'ce_ppm', 'Nd': 'Nd2O3 (wt%)'}
    """
    return {c.element: c.label for c in _find(columns, elements)}


def _find(columns: Sequence[Any], elements: Sequence[str] = REY) -> list[_Column]:
    from ..units import split_unit

    symbols = {el.lower(): el for el in elements}
    oxides = {f.lower(): (el, frac) for f, (el, frac) in oxide_table().items() if el in elements}
    found: dict[str, _Column] = {}
    for label in columns:
        if not isinstance(label, str):
            continue
        head = _HEAD.match(label)
        if not head or (head.group(1).lower() not in symbols
                        and head.group(1).lower() not in oxides):
            continue
        try:
            name, unit = split_unit(label)
        except Exception:  # e.g. "Eu norm (EuAnom ...)": text pint cannot tokenise
            name, unit = label, None
        key = name.strip().lower()
        if unit is None and key not in symbols and key not in oxides:
            rest = _UNIT_PART.match(label[head.end(1):])
            if rest:  # "La (ppmm)", "La_xyz": an element with a unit we cannot read
                bad_unit = next(g for g in rest.groups() if g)
                raise UnitError(
                    f"column {label!r}: unknown unit {bad_unit!r}; use ppm, ppb, ppt, "
                    "mg/kg, ug/g, g/t or wt %"
                )
        if key in symbols:
            col = _Column(symbols[key], label, unit)
        elif key in oxides:
            el, frac = oxides[key]
            col = _Column(el, label, unit, frac)
        else:
            continue
        if col.element in found:
            raise REEColumnError(
                f"duplicate columns for {col.element}: {found[col.element].label!r} and "
                f"{label!r}; keep one (drop or rename the other)"
            )
        found[col.element] = col
    return [found[el] for el in elements if el in found]


def _unit_of(col: _Column, series: pd.Series, units: Any) -> pint.Unit | None:
    from ..units import parse_unit, ureg

    given = None
    if isinstance(units, Mapping):
        for key in (col.label, col.element):
            if key in units:
                given = units[key]
                break
    elif units is not None:
        given = units
    given_unit = parse_unit(given) if given is not None else None
    dtype_unit = getattr(series.dtype, "units", None)
    candidates = [u for u in (col.unit, given_unit, dtype_unit) if u is not None]
    if not candidates:
        return None
    first = ureg.Quantity(1.0, candidates[0])
    for other in candidates[1:]:
        if not np.isclose(first.to(other).magnitude, 1.0):
            raise UnitError(
                f"column {col.label!r}: unit {str(candidates[0])!r} contradicts "
                f"{str(other)!r} (from units= or the column type); give one unit"
            )
    return candidates[0]


def _is_quantity_column(series: pd.Series) -> bool:
    if series.dtype != object:
        return False
    first = series.first_valid_index()
    return first is not None and type(series.loc[first]).__module__.startswith("pint")


def _parse_text(series: pd.Series, label: Any, bdl: str) -> tuple[np.ndarray, int]:
    """Numbers from a text column, applying the detection-limit policy. Returns (ppm-free values,
    number replaced)."""
    text = series.astype("string").str.strip()
    low = text.str.lower()
    missing = text.isna() | low.isin(_MISSING_TOKENS)
    token = low.isin(_BDL_TOKENS) & ~missing
    less = text.str.startswith("<").fillna(False) & ~token & ~missing
    numeric_text = text.where(~less, text.str[1:].str.strip())
    numeric_text = numeric_text.where(~(missing | token))
    values = pd.to_numeric(numeric_text, errors="coerce")
    bad = values.isna() & ~(missing | token)
    if bad.any():
        examples = list(dict.fromkeys(series[bad.to_numpy()].astype(str)))[:3]
        raise ValueError(
            f"column {label!r} holds text that is not a number or a detection-limit code: "
            f"{examples}; expected numbers, '<0.05' (below a limit), 'bdl', 'n.d.' or '-'"
        )
    arr = values.to_numpy(dtype="float64", na_value=np.nan)
    less_arr = less.to_numpy(dtype=bool)
    arr = np.where(less_arr, -np.abs(arr), arr)  # "<L" coded like a negative value
    n_token = int(token.sum())
    arr, n_neg = _apply_bdl(arr, bdl)
    return arr, n_token + n_neg


def _apply_bdl(arr: np.ndarray, bdl: str) -> tuple[np.ndarray, int]:
    """Negative values mean 'below the limit |v|'; replace them by the policy."""
    neg = arr < 0
    n = int(neg.sum())
    if n == 0:
        return arr, 0
    out = arr.copy()
    if bdl == "nan":
        out[neg] = np.nan
    elif bdl == "half":
        out[neg] = -out[neg] / 2.0
    else:  # "limit"
        out[neg] = -out[neg]
    return out, n


def _check_bdl(bdl: str) -> None:
    if bdl not in BDL_POLICIES:
        raise ValueError(f"bdl = {bdl!r} is not a policy; use one of {sorted(BDL_POLICIES)}")


def _reference_values(reference: Any, elements: Sequence[str]) -> np.ndarray:
    if isinstance(reference, pd.Series):
        ref = reference
    else:
        ref = _reference(reference)
    missing = [el for el in elements if el not in ref.index]
    if missing:
        raise REEColumnError(f"reference lacks {missing}; it has {list(ref.index)}")
    return ref[list(elements)].to_numpy(dtype="float64")


def _as_frame(data: Any, name: str = "data") -> tuple[pd.DataFrame, bool]:
    if isinstance(data, pd.DataFrame):
        return data, False
    if isinstance(data, pd.Series):
        return data.to_frame().T, True
    raise TypeError(
        f"{name} must be a pandas DataFrame (one sample per row) or a Series (one sample), "
        f"got {type(data).__name__}"
    )


def _parse(
    data: pd.DataFrame,
    reference: Any,
    units: Any,
    bdl: str,
    elements: Sequence[str] = REY,
    need: Sequence[str] = (),
    where: str = "normalize",
) -> _Parsed:
    """Find REE columns, convert to ppm, apply the bdl policy, divide by the reference.

    ``reference=None`` means the data are already normalised (no unit needed)."""
    _check_bdl(bdl)
    cols = _find(data.columns, elements)
    if not cols:
        raise REEColumnError(
            f"{where}: no REE columns found among {list(data.columns)[:12]}; name them by "
            "element symbol ('La', 'La_ppm', 'La [mg/kg]') or oxide ('La2O3 (wt%)')"
        )
    present = {c.element for c in cols}
    lacking = [el for el in need if el not in present]
    if lacking:
        raise REEColumnError(
            f"{where}: needs columns for {lacking}; found {sorted(present, key=REY.index)}"
        )
    if reference is not None and not isinstance(reference, pd.Series):
        ref_all = _reference(reference)
    else:
        ref_all = reference
    if ref_all is not None:
        unknown = [c for c in cols if not np.isfinite(ref_all.get(c.element, np.nan))]
        if unknown:
            warnings.warn(
                f"{where}: the reference has no value for "
                f"{[c.element for c in unknown]}; those columns pass through unnormalised",
                MissingDataWarning,
                stacklevel=3,
            )
            cols = [c for c in cols if c not in unknown]
    n = len(data)
    replaced: dict[str, int] = {}
    no_unit = []
    columns: list[pd.Series] = []
    factors = np.ones(len(cols))
    for j, col in enumerate(cols):
        series = data[col.label]
        if reference is not None:
            if _is_quantity_column(series):
                series = series.map(lambda q: q.to("ppm").magnitude if hasattr(q, "to") else q)
                unit = "ppm"
            else:
                unit = _unit_of(col, series, units)
            if unit is None:
                no_unit.append(col.label)
                continue
            try:
                from ..units import fraction_factor

                to_ppm = fraction_factor(unit) / 1e-6
            except ValueError as err:
                raise UnitError(f"column {col.label!r}: {err}") from err
            factors[j] = to_ppm * col.metal_fraction / float(ref_all[col.element])
        if pd.api.types.is_bool_dtype(series.dtype):
            raise TypeError(f"column {col.label!r} is boolean; expected concentrations")
        columns.append(series)
    if no_unit:
        raise UnitError(
            f"{where}: no unit for columns {no_unit}. Units are never guessed: put the unit in "
            "the column name ('La_ppm', 'La [mg/kg]', 'La2O3 (wt%)') or pass units='ppm' "
            "(or a dict {column: unit}); ppm, ppb, ppt, mg/kg, ug/g, g/t and wt % work"
        )
    values = np.empty((len(cols), n), dtype="float64")
    low = np.nan  # minimum of the values; NaN means "not known: scan below"
    if [c.label for c in cols] == list(data.columns) and all(
        dtype == np.float64 for dtype in data.dtypes
    ):
        # Fast path, a table of float64 REE columns only: one ufunc over the (k, n) view of
        # the frame's block (no copy), then one min() that finds NaN and negative values.
        np.multiply(data.to_numpy().T, factors[:, None], out=values)
        low = values.min() if values.size else np.inf
    else:
        for j, (col, series) in enumerate(zip(cols, columns, strict=True)):
            dtype = series.dtype
            if isinstance(dtype, np.dtype) and dtype.kind in "fiu":
                np.multiply(series.to_numpy(), factors[j], out=values[j])
            elif pd.api.types.is_numeric_dtype(dtype) and not hasattr(dtype, "units"):
                np.multiply(series.to_numpy(dtype="float64", na_value=np.nan), factors[j],
                            out=values[j])
            else:
                if hasattr(dtype, "units"):  # pint-pandas column: magnitudes
                    series = pd.Series(np.asarray(series.values.quantity.magnitude),
                                       index=series.index)
                parsed, count = _parse_text(series, col.label, bdl)
                np.multiply(parsed, factors[j], out=values[j])
                if count:
                    replaced[col.element] = replaced.get(col.element, 0) + count
    # One pass finds NaN and negative values; the slow path runs only when there are some.
    has_nan = False
    if values.size:
        if np.isnan(low):
            low = values.min()
        has_nan = bool(np.isnan(low))
        if has_nan or low < 0:
            for j, col in enumerate(cols):
                row, count = _apply_bdl(values[j], bdl)
                if count:
                    values[j] = row
                    replaced[col.element] = replaced.get(col.element, 0) + count
    return _Parsed(values, [c.element for c in cols], [c.label for c in cols], data.index,
                   replaced, has_nan)


def _report(parsed: _Parsed, bdl: str, where: str, stacklevel: int = 3) -> None:
    if parsed.replaced:
        total = sum(parsed.replaced.values())
        detail = ", ".join(f"{el} ({k})" for el, k in parsed.replaced.items())
        warnings.warn(
            f"{where}: {total} values below the detection limit in {detail} replaced by "
            f"policy bdl={bdl!r} ({BDL_POLICIES[bdl]})",
            DetectionLimitWarning,
            stacklevel=stacklevel,
        )
    if parsed.has_nan and parsed.values.size:
        empty = np.isnan(parsed.values).all(axis=0)
        if empty.any():
            rows = list(parsed.index[empty][:5])
            warnings.warn(
                f"{where}: {int(empty.sum())} rows have no REE value (left as NaN), e.g. {rows}",
                MissingDataWarning,
                stacklevel=stacklevel,
            )


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
    reference : str or pandas.Series
        Name from :func:`~resourcekit.ree.references.reference_names`, or a Series of
        concentrations indexed by element [ppm].
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
    ValueError
        Text that is neither a number nor a detection-limit code; an unknown ``bdl`` policy.

    Warns
    -----
    DetectionLimitWarning
        When values were replaced by the ``bdl`` policy (with their number per element).
    MissingDataWarning
        When rows hold no REE value at all.

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
    """
    frame, is_series = _as_frame(data)
    parsed = _parse(frame, reference, units, bdl, where="normalize")
    _report(parsed, bdl, "normalize")
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


def _rebuild(frame: pd.DataFrame, parsed: _Parsed) -> pd.DataFrame:
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
    frame, is_series = _as_frame(normalized, "normalized")
    parsed = _parse(frame, None, None, "nan", where="denormalize")
    ref = _reference_values(reference, parsed.elements)
    parsed.values = parsed.values * ref[:, None]
    parsed.elements = [f"{el}_ppm" for el in parsed.elements]
    out = _rebuild(frame, parsed)
    if is_series:
        series = out.iloc[0]
        series.name = normalized.name
        return series
    return out
