"""The separation domain's input boundary: grades, masses, labels, options.

Every public function of ``resourcekit.separation`` reads what comes in through these helpers
and works below them on plain float64 arrays. They follow the API of the shared
``resourcekit.boundary`` module (``fraction``, ``amount``, ``number``, ``align``, ``template``,
``like``, ``check_option``) and use it when it is there; the local versions below keep the same
behaviour until then:

- pint quantities are converted (a grade must be dimensionless, a mass a mass);
- a plain grade above 1 raises :class:`DataError` saying how to pass percent;
- inf raises; NaN stays NaN and is reported with a :class:`MissingValueWarning`;
- pandas inputs are aligned by label, never by position (a mismatch raises :class:`LabelError`);
- text in a numeric input raises :class:`DataError` naming it.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from resourcekit.errors import DataError, LabelError, MissingValueWarning, OptionError, UnitError
from resourcekit.units import is_quantity

__all__ = ["fraction", "amount", "number", "align", "template", "like", "check_option",
           "grade", "mass", "grade_column", "LabelError"]


def _magnitude(value: Any) -> Any:
    """Magnitude of a pint Quantity or a pint-pandas Series, else the value."""
    if is_quantity(value):
        return value.magnitude
    if isinstance(value, pd.Series) and hasattr(value.dtype, "units"):
        return pd.Series(np.asarray(value.pint.magnitude, dtype=float), index=value.index,
                         name=value.name)
    return value


def _units_of(value: Any) -> Any:
    if is_quantity(value):
        return value.units
    if isinstance(value, pd.Series) and hasattr(value.dtype, "units"):
        return value.dtype.units
    return None


def _floats(value: Any, name: str) -> np.ndarray:
    raw = getattr(value, "values", value)
    try:
        arr = np.asarray(raw, dtype=float)
    except (TypeError, ValueError):
        flat = np.ravel(np.asarray(raw, dtype=object))
        bad = next((v for v in flat if not _is_number(v)), flat[0] if flat.size else None)
        raise DataError(f"{name} holds {bad!r}, which is not a number; pass numbers "
                        "(mass fractions, masses) only") from None
    return arr


def _is_number(v: Any) -> bool:
    try:
        float(v)
    except (TypeError, ValueError):
        return False
    return True


def _finite_or_nan(arr: np.ndarray, name: str) -> np.ndarray:
    if np.any(np.isinf(arr)):
        raise DataError(f"{name} holds an infinite value; pass finite numbers (NaN for missing)")
    n_nan = int(np.isnan(arr).sum())
    if n_nan:
        warnings.warn(f"{name} holds {n_nan} NaN value(s): results there are NaN",
                      MissingValueWarning, stacklevel=4)
    return arr


def fraction(value: Any, name: str, *, units: str | None = None) -> np.ndarray:
    """A grade or mass fraction as a float64 array in [0, 1] (NaN kept, reported).

    >>> fraction(0.05, "feed").tolist()
    0.05
    """
    if value is None:
        raise DataError(f"{name} is missing: pass a mass fraction (0-1) or a pint quantity")
    unit = _units_of(value)
    mag = _magnitude(value)
    arr = _floats(mag, name)
    factor = 1.0
    if unit is not None or units is not None:
        from resourcekit.units import fraction_factor, registry

        if unit is not None:
            q = registry().Quantity(1.0, unit)
            if not q.dimensionless:
                raise UnitError(f"{name} has unit {unit!s}, which is not a mass fraction; use "
                                "%, ppm, g/t, mg/kg or wt %")
            factor = float(q.to("dimensionless").magnitude)
        else:
            factor = fraction_factor(units)
    arr = _finite_or_nan(arr * factor, name)
    finite = arr[np.isfinite(arr)]
    if finite.size and (finite.min() < 0 or finite.max() > 1):
        bad = finite[(finite < 0) | (finite > 1)][0] / factor
        raise DataError(
            f"{name} = {bad:g} is outside [0, 1]: pass a mass fraction, or say the unit: "
            f"units='%' or resourcekit.units.Quantity({bad:g}, '%')")
    return arr


def amount(value: Any, name: str, *, unit: str, units: str | None = None,
           allow_negative: bool = False) -> np.ndarray:
    """A mass or flow in ``unit`` as a float64 array (pint converted; NaN kept, reported).

    >>> from resourcekit.units import Quantity
    >>> float(amount(Quantity(2000, "kg"), "feed_mass", unit="t"))
    2.0
    """
    if value is None:
        raise DataError(f"{name} is missing: pass a mass or a pint quantity")
    qunit = _units_of(value)
    arr = _floats(_magnitude(value), name)
    src = qunit if qunit is not None else units
    if src is not None:
        from resourcekit.units import registry

        reg = registry()
        try:
            arr = reg.Quantity(arr, src).to(unit).magnitude
        except Exception as exc:  # pint.DimensionalityError
            raise UnitError(f"{name} has unit {src!s}, which cannot be converted to {unit!r} "
                            f"(a {reg.Quantity(1, unit).dimensionality} quantity)") from exc
    arr = _finite_or_nan(np.asarray(arr, dtype=float), name)
    if not allow_negative and np.any(arr < 0):
        bad = arr[arr < 0].ravel()[0]
        raise DataError(f"{name} = {bad:g} is negative: masses and flows must be >= 0")
    return arr


def number(value: Any, name: str, *, low: float | None = None, high: float | None = None,
           allow_nan: bool = True) -> np.ndarray:
    """Plain finite numbers with optional inclusive bounds.

    >>> float(number(3, "n", low=0))
    3.0
    """
    unit = _units_of(value)
    if unit is not None:
        from resourcekit.units import registry

        q = registry().Quantity(1.0, unit)
        if not q.dimensionless:
            raise UnitError(f"{name} has unit {unit!s}; a plain number is expected")
        value = _magnitude(value) * float(q.to("dimensionless").magnitude)
    arr = _floats(value, name)
    if np.any(np.isinf(arr)):
        raise DataError(f"{name} holds an infinite value; pass finite numbers")
    if np.any(np.isnan(arr)):
        if not allow_nan:
            raise DataError(f"{name} holds NaN; a number is needed")
        _finite_or_nan(arr, name)
    if low is not None and np.any(arr < low):
        raise DataError(f"{name} = {arr[arr < low].ravel()[0]:g} is below {low:g}")
    if high is not None and np.any(arr > high):
        raise DataError(f"{name} = {arr[arr > high].ravel()[0]:g} is above {high:g}")
    return arr


def align(named: dict[str, Any]) -> tuple[pd.Index | None, dict[str, Any]]:
    """Align pandas inputs by label to the first labelled one; check lengths of the others.

    >>> s1 = pd.Series([1.0, 2.0], index=["a", "b"]); s2 = pd.Series([20.0, 10.0], ["b", "a"])
    >>> align({"x": s1, "y": s2})[1]["y"].tolist()
    [10.0, 20.0]
    """
    index = None
    first = None
    for key, v in named.items():
        mag = v.magnitude if is_quantity(v) else v
        if isinstance(mag, pd.Series | pd.DataFrame):
            if mag.index.has_duplicates:
                dup = mag.index[mag.index.duplicated()].unique().tolist()
                raise LabelError(f"{key} has duplicate labels {dup}; labels must be unique")
            if index is None:
                index, first = mag.index, key
    out: dict[str, Any] = {}
    for key, v in named.items():
        mag = v.magnitude if is_quantity(v) else v
        if index is not None and isinstance(mag, pd.Series | pd.DataFrame):
            if not mag.index.equals(index):
                missing = index.difference(mag.index).tolist()
                extra = mag.index.difference(index).tolist()
                if missing or extra or len(mag.index) != len(index):
                    raise LabelError(
                        f"{key} has labels that do not match {first}'s: missing {missing}, "
                        f"extra {extra}; pass inputs with the same labels")
                v = v.reindex(index) if not is_quantity(v) else type(v)(
                    mag.reindex(index), v.units)
        elif index is not None and np.ndim(mag) > 0 and np.shape(mag)[0] != len(index):
            raise LabelError(f"{key} has {np.shape(mag)[0]} values but {first} has "
                             f"{len(index)} labels")
        out[key] = v
    return index, out


def template(*values: Any) -> Any:
    """The first Series among ``values`` (its index is kept), else the first ndarray, else None."""
    for v in values:
        mag = _magnitude(v)
        if isinstance(mag, pd.Series):
            return mag
    for v in values:
        mag = _magnitude(v)
        if np.ndim(mag) > 0:
            return np.asarray(mag)
    return None


def like(tmpl: Any, values: np.ndarray, name: str | None = None) -> Any:
    """Return ``values`` in the kind of ``tmpl``: float, ndarray or Series (index kept)."""
    values = np.asarray(values, dtype=float)
    if tmpl is None:
        return float(values) if values.ndim == 0 else values
    if isinstance(tmpl, pd.Series):
        return pd.Series(np.broadcast_to(values, tmpl.shape).copy(), index=tmpl.index, name=name)
    return np.broadcast_to(values, np.shape(tmpl)).astype(float, copy=True)


def check_option(value: Any, name: str, allowed: Any) -> Any:
    """``value`` if it is one of ``allowed``, else OptionError listing them."""
    allowed = list(allowed)
    if not isinstance(value, str | int | float | bool | type(None)) or value not in allowed:
        raise OptionError(f"{name} = {value!r} is not known; choose one of {allowed}")
    return value


# names the modules of this package used before the boundary -------------------------------


def grade(value: Any, name: str, *, units: str | None = None) -> np.ndarray:
    """Alias of :func:`fraction`."""
    return fraction(value, name, units=units)


def mass(value: Any, name: str, *, unit: str = "kg", units: str | None = None) -> np.ndarray:
    """A mass as a float64 array in ``unit`` (default kg): :func:`amount` with a mass unit."""
    return amount(value, name, unit=unit, units=units)


def grade_column(column: pd.Series, label: str) -> np.ndarray:
    """Grades of one column, with a unit in its name (``"grade [%]"``) or its pint dtype."""
    from resourcekit.units import split_unit

    if _units_of(column) is not None:
        return fraction(column, label)
    unit = split_unit(str(label))[1]
    return fraction(column, label, units=None if unit is None else str(unit))
