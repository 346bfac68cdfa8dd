"""The reader of the ``ree`` package: REE columns, their units, detection limits, numbers.

Every public function of :mod:`resourcekit.ree` reads its table here, once, in one straight path::

    eu_anomaly / lambdas / normalize / ...        (what to compute)
      -> normalization.normalized_table           (which reference; reference=None rules)
        -> _read.read                             (columns -> units -> numbers -> / reference)
          -> _read.find                           (which column holds which element)

What the reader decides, and nobody else:

- **Columns.** Element symbols or oxide formulas, case-insensitive, with or without a unit in the
  name (``La``, ``LA(PPM)``, ``La_ppm``, ``La [mg/kg]``, ``La (mg kg-1)``, ``La2O3 (wt%)``) and with
  an analytical method between symbol and unit (``Eu ICP-MS (ppm)``). Units in names are read by
  :func:`resourcekit.boundary.split_unit` (pint). Two columns for one element are an error.
- **Y or a coordinate?** See :func:`find`: a column named ``Y`` is yttrium when its name carries a
  concentration unit, when ``units=`` names it, or when it is bare in a table of bare REE columns
  with no coordinate beside it. A bare ``Y`` next to ``X``/``lat``/``lon``/``easting``/...,
  a bare ``Y`` while the REE columns carry units, or ``Y`` with a length or angle unit, is a
  coordinate: it is left out and passed through, with an :class:`AmbiguousColumnWarning`.
- **Units.** Never guessed: from the name, a pint dtype or pint cells, or ``units=``; two that
  disagree are a :class:`UnitError`. With ``reference=None`` the values must be normalised
  already, so a column *with* a concentration unit is an error that says which reference to pass.
- **Numbers.** Text that is not a number or a detection-limit code, ``inf``, and a concentration
  above 100 % are a :class:`~resourcekit.errors.DataError` naming the column and the value. NaN
  stays NaN.
- **Detection limits.** ``"<0.05"``, ``"bdl"``, ``"n.d."``, ``"-"`` and negative numbers are
  replaced by the ``bdl`` policy (:data:`BDL_POLICIES`) and counted
  (:class:`DetectionLimitWarning`).
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .. import errors
from ..errors import DataError, LabelError, MissingValueWarning, ResourcekitWarning
from ._elements import REY, oxide_table

if TYPE_CHECKING:  # pint loads on first use: importing resourcekit.ree stays fast
    import pint

__all__ = [
    "find_columns",
    "BDL_POLICIES",
    "REEColumnError",
    "UnitError",
    "REEInputError",
    "DetectionLimitWarning",
    "MissingDataWarning",
    "AmbiguousColumnWarning",
]

#: Unit errors of the ree package are the toolkit's :class:`resourcekit.errors.UnitError`.
UnitError = errors.UnitError


class REEColumnError(LabelError):
    """REE columns missing or duplicated in the data (a :class:`~resourcekit.errors.LabelError`,
    hence also a ``KeyError``)."""


class REEInputError(DataError, TypeError):
    """Data of a kind the ree functions cannot read (not a DataFrame or Series, booleans)."""


class DetectionLimitWarning(ResourcekitWarning):
    """Values reported below the detection limit were replaced by the ``bdl`` policy."""


class MissingDataWarning(MissingValueWarning):
    """Rows with no REE value at all (left as NaN), or elements the reference lacks."""


class AmbiguousColumnWarning(ResourcekitWarning):
    """A column that looks like an element but is read as something else (``Y`` coordinate)."""


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

#: Analytical methods that may stand between the symbol and the unit: ``Eu ICP-MS (ppm)``.
_METHODS = frozenset(
    {"icp-ms", "icpms", "la-icp-ms", "la-icpms", "icp-oes", "icp-aes", "inaa", "naa", "xrf",
     "tims", "id", "id-icp-ms", "sims", "epma", "ms", "hr-icp-ms", "sf-icp-ms", "mc-icp-ms"}
)
#: Names of coordinate columns that make a bare ``Y`` a coordinate.
_COORDINATES = frozenset(
    {"x", "z", "lat", "latitude", "lon", "long", "longitude", "lng", "easting", "northing",
     "east", "north", "elevation", "depth", "utm_x", "utm_y", "x_coord", "y_coord"}
)

_HEAD = re.compile(r"^\s*([A-Za-z]{1,2}\d*(?:O\d*)?)(?:$|[\s_\[(])")
_UNIT_PART = re.compile(r"^\s*(?:\[([^\]\s]+)\]|\(([^)\s]+)\)|_([^\s]+))\s*$")


@dataclass
class Column:
    """One REE column: its element, label, unit (if any) and element mass per oxide mass."""

    element: str
    label: Any
    unit: pint.Unit | None = None
    metal_fraction: float = 1.0  # element mass per oxide mass, 1 for element columns


@dataclass
class Table:
    """REE values of a table as a (k, n) array plus everything needed to rebuild a frame."""

    values: np.ndarray  # shape (k, n): one row per element, normalised or ppm
    elements: list[str]
    labels: list[Any]
    index: pd.Index
    replaced: dict[str, int] = field(default_factory=dict)
    has_nan: bool = True  # False only when a full scan found no NaN
    is_series: bool = False
    name: Any = None


def as_frame(data: Any, name: str = "data") -> tuple[pd.DataFrame, bool]:
    """The data as a DataFrame, and whether it came as a Series (one sample)."""
    if isinstance(data, pd.DataFrame):
        return data, False
    if isinstance(data, pd.Series):
        return data.to_frame().T, True
    raise REEInputError(
        f"{name} must be a pandas DataFrame (one sample per row) or a Series (one sample), "
        f"got {type(data).__name__}"
    )


def _split(label: str) -> tuple[str, pint.Unit | None]:
    from ..boundary import split_unit

    try:
        return split_unit(label)
    except Exception:  # text pint cannot tokenise ("Eu norm (EuAnom ...)"): no unit
        return label, None


def _element_of(name: str, symbols: Mapping[str, str],
                oxides: Mapping[str, tuple[str, float]]) -> tuple[str, float] | None:
    """(element, metal fraction) for a column name without its unit, or None."""
    key = name.strip().lower()
    if key in symbols:
        return symbols[key], 1.0
    if key in oxides:
        return oxides[key]
    head, _, rest = key.partition(" ")
    if rest and rest.strip() in _METHODS:  # "Eu ICP-MS"
        return _element_of(head, symbols, oxides)
    return None


def _is_concentration(unit: pint.Unit | None) -> bool:
    if unit is None:
        return False
    from ..units import registry

    return bool(registry().Quantity(1.0, unit).dimensionless)


def find(columns: Sequence[Any], elements: Sequence[str] = REY, *, units: Any = None,
         where: str = "find_columns") -> list[Column]:
    """The REE columns among ``columns``, in the order of ``elements`` (see the module notes).

    The rule for ``Y`` (yttrium or a coordinate):

    1. a name with a concentration unit (``Y_ppm``, ``Y [mg/kg]``, ``Y2O3 (wt%)``) or a column
       that ``units=`` names in a dict is yttrium;
    2. a name with another unit (``Y [m]``, ``Y (deg)``) is a coordinate;
    3. a bare ``Y`` is a coordinate when the table has a coordinate column (``X``, ``Z``, ``lat``,
       ``lon``, ``easting``, ``northing``, ...) or when the other REE columns carry units in their
       names; otherwise (a table of bare REE columns, e.g. normalised values) it is yttrium.

    A ``Y`` read as a coordinate is left out (it passes through untouched) with an
    :class:`AmbiguousColumnWarning`.
    """
    symbols = {el.lower(): el for el in REY}
    oxides = {f.lower(): (el, frac) for f, (el, frac) in oxide_table().items()}
    found: dict[str, Column] = {}
    plain_names: set[str] = set()
    for label in columns:
        if not isinstance(label, str):
            continue
        head = _HEAD.match(label)
        name, unit = _split(label)
        plain_names.add(name.strip().lower())
        if not head:
            continue
        hit = _element_of(name, symbols, oxides)
        if hit is None:
            if unit is None and _element_of(label[: head.end(1)], symbols, oxides) is not None:
                rest = _UNIT_PART.match(label[head.end(1):])
                if rest:  # "La (ppmm)", "La_xyz": an element with a unit we cannot read
                    bad_unit = next(g for g in rest.groups() if g)
                    raise UnitError(
                        f"column {label!r}: unknown unit {bad_unit!r}; use ppm, ppb, ppt, "
                        "mg/kg, ug/g, g/t or wt % (any spelling pint reads, e.g. 'mg kg-1')"
                    )
            continue
        element, frac = hit
        col = Column(element, label, unit, frac)
        if element in found:
            raise REEColumnError(
                f"{where}: duplicate columns for {element}: {found[element].label!r} and "
                f"{label!r}; keep one (drop or rename the other)"
            )
        found[element] = col
    y = found.get("Y")
    if y is not None:
        named = isinstance(units, Mapping) and (y.label in units or "Y" in units)
        others_have_units = any(c.unit is not None for el, c in found.items() if el != "Y")
        companions = sorted(plain_names & _COORDINATES)
        reason = None
        if y.unit is not None and not _is_concentration(y.unit):
            reason = f"its unit {str(y.unit)!r} is not a concentration"
        elif y.unit is None and not named:
            if companions:
                reason = f"it stands beside coordinate column(s) {companions}"
            elif others_have_units:
                reason = "it has no unit while the REE columns carry units in their names"
        if reason is not None:
            warnings.warn(
                f"{where}: column {y.label!r} is read as a coordinate, not yttrium ({reason}); "
                "it passes through untouched. Name it 'Y_ppm' (or pass units={'Y': 'ppm'}) if "
                "it is yttrium",
                AmbiguousColumnWarning,
                stacklevel=4,
            )
            del found["Y"]
    return [found[el] for el in elements if el in found]


def find_columns(columns: Sequence[Any], elements: Sequence[str] = REY, *,
                 units: Any = None) -> dict[str, Any]:
    """Find the column of each REE (and Y) in a list of column names.

    Element symbols are matched case-insensitively, with or without a unit in the name
    (``"La"``, ``"la"``, ``"La_ppm"``, ``"LA(PPM)"``, ``"La [mg/kg]"``, ``"La (mg kg-1)"``), with an
    analytical method before the unit (``"Eu ICP-MS (ppm)"``), and oxide formulas (``"La2O3"``,
    ``"CeO2"``, ``"Pr6O11"``, ``"Tb4O7"``, ``"La2O3 (wt%)"``). Derived columns such as
    ``"Sm norm"`` are not concentrations and are not matched.

    A column named ``Y`` is yttrium when its name carries a concentration unit, when ``units``
    names it, or when it is bare among bare REE columns; a bare ``Y`` beside a coordinate column
    (``X``, ``lat``, ``lon``, ``easting``, ...) or among REE columns with units is a coordinate
    and is left out with an :class:`AmbiguousColumnWarning`.

    Parameters
    ----------
    columns : sequence
        Column labels.
    elements : sequence of str
        Elements to look for.
    units : str or dict, optional
        As in :func:`~resourcekit.ree.normalize`; a dict naming ``Y`` makes a bare ``Y`` yttrium.

    Returns
    -------
    dict
        ``{element: column label}`` in the order of ``elements``, for the elements found.

    Raises
    ------
    REEColumnError
        If two columns hold the same element (e.g. ``"La"`` and ``"La2O3"``).
    UnitError
        An element column with a unit that cannot be read (``"La (ppmm)"``).

    Examples
    --------
    >>> find_columns(["sample", "La [mg/kg]", "ce_ppm", "Nd2O3 (wt%)", "Sm norm"])
    {'La': 'La [mg/kg]', 'Ce': 'ce_ppm', 'Nd': 'Nd2O3 (wt%)'}
    >>> find_columns(["LA(PPM)", "EU(PPB)", "Gd (mg kg-1)", "Tb ICP-MS (ppm)"])
    {'La': 'LA(PPM)', 'Eu': 'EU(PPB)', 'Gd': 'Gd (mg kg-1)', 'Tb': 'Tb ICP-MS (ppm)'}
    """
    return {c.element: c.label for c in find(columns, elements, units=units)}


def check_bdl(bdl: str) -> None:
    """OptionError for an unknown detection-limit policy (through the boundary's check)."""
    from ..boundary import check_option

    if not isinstance(bdl, str) or bdl not in BDL_POLICIES:
        check_option(bdl, "bdl", sorted(BDL_POLICIES))


def _given_unit(col: Column, units: Any) -> Any:
    if isinstance(units, Mapping):
        for key in (col.label, col.element):
            if key in units:
                return units[key]
        return None
    return units


def column_unit(col: Column, series: pd.Series, units: Any) -> pint.Unit | None:
    """The unit of one REE column: from its name, its pint dtype, or ``units=``; all must agree."""
    from ..boundary import parse_unit
    from ..units import registry

    given = _given_unit(col, units)
    given_unit = parse_unit(given) if given is not None else None
    dtype_unit = getattr(series.dtype, "units", None)
    candidates = [u for u in (col.unit, given_unit, dtype_unit) if u is not None]
    if not candidates:
        return None
    first = registry().Quantity(1.0, candidates[0])
    for other in candidates[1:]:
        try:
            same = np.isclose(first.to(other).magnitude, 1.0)
        except Exception:  # pint DimensionalityError: ppm vs metre
            same = False
        if not same:
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


def parse_text(series: pd.Series, label: Any, bdl: str) -> tuple[np.ndarray, int]:
    """Numbers from a text column, applying the detection-limit policy.

    Returns (values, number replaced). Text that is neither a number nor a detection-limit code
    raises a :class:`~resourcekit.errors.DataError` naming the column and the first bad cells.
    """
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
        raise DataError(
            f"column {label!r} holds text that is not a number or a detection-limit code: "
            f"{examples}; expected numbers, '<0.05' (below a limit), 'bdl', 'n.d.' or '-'"
        )
    arr = values.to_numpy(dtype="float64", na_value=np.nan)
    less_arr = less.to_numpy(dtype=bool)
    arr = np.where(less_arr, -np.abs(arr), arr)  # "<L" coded like a negative value
    n_token = int(token.sum())
    arr, n_neg = apply_bdl(arr, bdl)
    return arr, n_token + n_neg


def apply_bdl(arr: np.ndarray, bdl: str) -> tuple[np.ndarray, int]:
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


def _no_unit_for_normalised(where: str, label: Any, unit: Any) -> UnitError:
    return UnitError(
        f"{where}: reference=None means the values are already normalised, but column "
        f"{label!r} is a concentration in {unit}. Pass the reference to normalise by, e.g. "
        "reference='CI_McDonoughSun1995' (chondrite; see ree.reference_names()), or give "
        "normalised values in columns named by symbol only ('La', 'Eu')"
    )


def read(
    data: Any,
    reference: pd.Series | None,
    units: Any = None,
    bdl: str = "nan",
    elements: Sequence[str] = REY,
    need: Sequence[str] = (),
    where: str = "normalize",
) -> Table:
    """Find REE columns, read their units and numbers, apply the bdl policy, divide.

    Parameters
    ----------
    data : DataFrame or Series
        The caller's table.
    reference : pandas.Series or None
        Reference concentrations [ppm] by element; the values come back divided by it. ``None``
        means the values are normalised already: columns must carry no concentration unit.
    units, bdl, elements, need, where
        ``units=`` and ``bdl=`` of the public function; elements to read; elements that must be
        present; the public function's name for messages.
    """
    check_bdl(bdl)
    frame, is_series = as_frame(data)
    if reference is None and units is not None:
        raise _no_unit_for_normalised(where, "(all, from units=)", repr(units))
    if isinstance(units, Mapping):
        known = set(frame.columns) | set(REY)
        stray = [key for key in units if key not in known]
        if stray:
            raise LabelError(
                f"{where}: units= names {stray}, which are neither columns nor element symbols; "
                f"columns: {list(frame.columns)[:12]}"
            )
    cols = find(frame.columns, elements, units=units, where=where)
    if not cols:
        raise REEColumnError(
            f"{where}: no REE columns found among {list(frame.columns)[:12]}; name them by "
            "element symbol ('La', 'La_ppm', 'LA(PPM)', 'La [mg/kg]') or oxide ('La2O3 (wt%)')"
        )
    present = {c.element for c in cols}
    lacking = [el for el in need if el not in present]
    if lacking:
        raise REEColumnError(
            f"{where}: needs columns for {lacking}; found {sorted(present, key=REY.index)}"
        )
    labels = [c.label for c in cols]
    dup = frame.columns[frame.columns.duplicated()]
    dup = [d for d in dup if d in labels]
    if dup:
        raise REEColumnError(f"{where}: column {dup[0]!r} appears more than once; keep one")
    if reference is not None:
        unknown = [c for c in cols if not np.isfinite(reference.get(c.element, np.nan))]
        if unknown:
            warnings.warn(
                f"{where}: the reference has no value for "
                f"{[c.element for c in unknown]}; those columns pass through unnormalised",
                MissingDataWarning,
                stacklevel=4,
            )
            cols = [c for c in cols if c not in unknown]
            if not cols:
                raise REEColumnError(f"{where}: the reference has none of the REE columns given")
    n = len(frame)
    replaced: dict[str, int] = {}
    no_unit = []
    columns: list[pd.Series] = []
    factors = np.ones(len(cols))
    to_ppm_all = np.ones(len(cols))
    for j, col in enumerate(cols):
        series = frame[col.label]
        if pd.api.types.is_bool_dtype(series.dtype):
            raise REEInputError(f"column {col.label!r} is boolean; expected concentrations")
        if _is_quantity_column(series):
            if reference is None:
                raise _no_unit_for_normalised(where, col.label, "pint quantities")
            series = series.map(lambda q: q.to("ppm").magnitude if hasattr(q, "to") else q)
            unit = "ppm"
        else:
            unit = column_unit(col, series, units)
        if reference is None:
            if unit is not None:
                raise _no_unit_for_normalised(where, col.label, str(unit))
        else:
            if unit is None:
                no_unit.append(col.label)
                continue
            from ..units import fraction_factor

            try:
                to_ppm = fraction_factor(unit) / 1e-6
            except ValueError as err:
                raise UnitError(f"column {col.label!r}: {err}") from err
            to_ppm_all[j] = to_ppm * col.metal_fraction
            factors[j] = to_ppm_all[j] / float(reference[col.element])
        columns.append(series)
    if no_unit:
        raise UnitError(
            f"{where}: no unit for columns {no_unit}. Units are never guessed: put the unit in "
            "the column name ('La_ppm', 'LA(PPM)', 'La [mg/kg]', 'La2O3 (wt%)') or pass "
            "units='ppm' (or a dict {column: unit}); ppm, ppb, ppt, mg/kg, ug/g, g/t and wt % "
            "work. Already normalised values: pass reference=None"
        )
    values = np.empty((len(cols), n), dtype="float64")
    fast = [c.label for c in cols] == list(frame.columns) and all(
        dtype == np.float64 for dtype in frame.dtypes
    )
    if fast:
        # A table of float64 REE columns only: one ufunc over the (k, n) view of the frame's
        # block (no copy).
        np.multiply(frame.to_numpy().T, factors[:, None], out=values)
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
                parsed, count = parse_text(series, col.label, bdl)
                np.multiply(parsed, factors[j], out=values[j])
                if count:
                    replaced[col.element] = replaced.get(col.element, 0) + count
    has_nan = False
    if values.size:
        # One reduction per bound, per element: finds NaN, negative, inf and > 100 %.
        low = values.min(axis=1)
        high = values.max(axis=1)
        has_nan = bool(np.isnan(low).any())
        if np.isinf(low).any() or np.isinf(high).any():
            j = int(np.flatnonzero(np.isinf(low) | np.isinf(high))[0])
            row = frame.index[np.flatnonzero(np.isinf(values[j]))[0]]
            raise DataError(
                f"{where}: column {cols[j].label!r} holds an infinite value (row {row!r}); "
                "concentrations must be finite numbers (NaN for missing)"
            )
        if reference is not None:
            ppm_max = high / factors * to_ppm_all
            over = ppm_max > 1e6 * (1 + 1e-9)
            if over.any():
                j = int(np.flatnonzero(over)[0])
                raise DataError(
                    f"{where}: column {cols[j].label!r} holds {ppm_max[j] / 1e4:.6g} wt % of "
                    f"{cols[j].element}, above 100 %; check its unit (ppb or ppm given as "
                    "wt %? a fraction given as %?)"
                )
        if has_nan or (low < 0).any():
            for j, col in enumerate(cols):
                row_values, count = apply_bdl(values[j], bdl)
                if count:
                    values[j] = row_values
                    replaced[col.element] = replaced.get(col.element, 0) + count
    return Table(values, [c.element for c in cols], [c.label for c in cols], frame.index,
                 replaced, has_nan, is_series, getattr(data, "name", None))


def report(table: Table, bdl: str, where: str, stacklevel: int = 3) -> None:
    """Warn about replaced detection-limit values and rows without any REE value."""
    if table.replaced:
        total = sum(table.replaced.values())
        detail = ", ".join(f"{el} ({k})" for el, k in table.replaced.items())
        warnings.warn(
            f"{where}: {total} values below the detection limit in {detail} replaced by "
            f"policy bdl={bdl!r} ({BDL_POLICIES[bdl]})",
            DetectionLimitWarning,
            stacklevel=stacklevel,
        )
    if table.has_nan and table.values.size:
        empty = np.isnan(table.values).all(axis=0)
        if empty.any():
            rows = list(table.index[empty][:5])
            warnings.warn(
                f"{where}: {int(empty.sum())} rows have no REE value (left as NaN), e.g. {rows}",
                MissingDataWarning,
                stacklevel=stacklevel,
            )
