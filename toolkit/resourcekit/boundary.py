"""The one input boundary: every domain reads what a user passes through these functions.

What comes in: Python numbers, lists, numpy arrays, pandas Series and DataFrames, pint quantities
(also wrapping arrays or Series) and pint-pandas columns, units written in column names, and a
``units=`` argument. What goes out: plain float64 numpy arrays in a stated unit, so that domain
code below the boundary never sees a unit, a label or a string again; :func:`like` gives results
back in the caller's kind (float, ndarray, Series with its index).

The rules, each tested in ``tests/test_boundary.py``:

- pandas inputs are combined **by label**, never by position (:func:`align`); labels that do not
  match are a :class:`~resourcekit.errors.LabelError` naming them;
- a pint quantity is converted to the unit the function works in, after a dimension check (a
  mass in kg becomes t; a length where a mass is expected is a
  :class:`~resourcekit.errors.UnitError`);
- a grade or fraction given as a plain number above 1 is an error that says how to pass percent
  (``units="%"`` or ``Quantity(x, "%")``): the boundary never guesses percent;
- NaN stays NaN (never 0) and is reported with a :class:`~resourcekit.errors.MissingValueWarning`;
  inf and text are errors naming the argument and the value;
- standard deviations (``sd``, the toolkit's one name for them) are converted to the unit of
  their measurement (:func:`sd_in`).

>>> import pandas as pd
>>> from resourcekit.boundary import amount, fraction, align
>>> from resourcekit.units import Quantity
>>> amount(Quantity([500.0, 2.0], "kg"), "mass", unit="t")
array([0.5  , 0.002])
>>> fraction(5, "feed grade", units="%")
array(0.05)
>>> idx, got = align({"feed": pd.Series([1.0, 2.0], index=["a", "b"]),
...                   "tail": pd.Series([20.0, 10.0], index=["b", "a"])})
>>> got["tail"].tolist()
[10.0, 20.0]
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from .errors import DataError, LabelError, MissingValueWarning, OptionError, UnitError
from .units import is_quantity, parse_unit, registry, split_unit

__all__ = [
    "fraction",
    "amount",
    "number",
    "sd_in",
    "std_in",
    "align",
    "template",
    "like",
    "parse_unit",
    "split_unit",
    "column_values",
    "check_option",
]

READY = True  # helpers poll this flag while the boundary is being written
_ROUNDOFF = 1e-12


# ------------------------------------------------------------------------------ low level
def _shown(value: Any) -> str:
    if isinstance(value, float | np.floating):
        return f"{value:g}"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _pint_pandas_unit(value: Any) -> Any:
    """The unit of a pint-pandas Series (dtype ``pint[...]``), else None."""
    dtype = getattr(value, "dtype", None)
    if dtype is not None and str(dtype).startswith("pint["):
        return getattr(dtype, "units", None)
    return None


def _split(value: Any) -> tuple[Any, Any]:
    """(magnitude, unit or None) of a plain value, a pint Quantity or a pint-pandas Series."""
    if is_quantity(value):
        return value.magnitude, value.units
    unit = _pint_pandas_unit(value)
    if unit is not None:
        quantity = value.values.quantity
        mag = quantity.magnitude
        return pd.Series(np.asarray(mag, dtype=float), index=value.index, name=value.name), unit
    return value, None


def _floats(magnitude: Any, name: str) -> np.ndarray:
    """float64 array of ``magnitude``; anything that is not a number raises DataError.

    Refused, with the argument named: text, booleans, dates, durations and complex numbers
    (each would otherwise become a number silently: True as 1 t, a date as 1.6e18 ns); numbers
    written as text ("0.5") are read, other text ("0,5", "<0.05") is refused. Missing
    values (None, NaN, pandas NA/NaT, masked entries) become NaN.
    """
    if isinstance(magnitude, np.ma.MaskedArray):
        return np.ma.filled(magnitude.astype(float), np.nan)
    if isinstance(magnitude, pd.DataFrame | pd.Series | pd.Index):
        kinds = (magnitude.dtypes if isinstance(magnitude, pd.DataFrame)
                 else pd.Series([magnitude.dtype]))
        for dtype in kinds:
            _refuse_dtype(dtype, name)
        if all(pd.api.types.is_numeric_dtype(dtype) for dtype in kinds):
            return magnitude.to_numpy(dtype=float, na_value=np.nan)
        raw = magnitude.to_numpy(dtype=object)
    else:
        raw = np.asarray(magnitude) if not isinstance(magnitude, np.ndarray) else magnitude
        _refuse_dtype(raw.dtype, name)
        if raw.dtype != object:
            return np.array(raw, dtype=float)
    flat = np.asarray(raw, dtype=object).ravel()
    out = np.empty(flat.size, dtype=float)
    for i, cell in enumerate(flat):
        if cell is None or cell is pd.NA or cell is pd.NaT:
            out[i] = np.nan
            continue
        # numbers written as text ("0.5") are numbers; booleans and complex numbers are not
        if not isinstance(cell, bool | np.bool_ | bytes | complex | np.complexfloating):
            try:
                out[i] = float(cell)
                continue
            except (TypeError, ValueError):
                pass
        where = ""
        if isinstance(magnitude, pd.Series):
            where = f" at label {magnitude.index[i]!r}"
        raise DataError(
            f"{name} holds {_what(cell)} {_shown(cell)}{where}: expected numbers (NaN or None for "
            "a missing value)"
        )
    return out.reshape(np.shape(raw))


def _what(cell: Any) -> str:
    if isinstance(cell, str | bytes):
        return "text"
    return f"a {type(cell).__name__}"


def _refuse_dtype(dtype: Any, name: str) -> None:
    kind = getattr(dtype, "kind", "O")
    what = {"b": "booleans", "M": "dates", "m": "durations", "c": "complex numbers",
            "U": "text", "S": "text"}.get(kind)
    if str(dtype) == "boolean":
        what = "booleans"
    if what:
        raise DataError(f"{name} holds {what} (dtype {dtype}): expected numbers")


def _check_finite(arr: np.ndarray, name: str, *, allow_nan: bool = True) -> None:
    if np.isinf(arr).any():
        raise DataError(f"{name} contains an infinite value: expected finite numbers "
                        "(NaN for a missing value)")
    n_nan = int(np.isnan(arr).sum())
    if n_nan:
        if not allow_nan:
            raise DataError(f"{name} contains {n_nan} NaN value(s): this input must be complete")
        warnings.warn(
            f"{name} contains {n_nan} NaN value(s); results that depend on them are NaN",
            MissingValueWarning,
            stacklevel=3,
        )


def _factor(source: Any, target: Any, name: str) -> float:
    """Factor from unit ``source`` to unit ``target``, after a dimension check."""
    ureg = registry()
    q = ureg.Quantity(1.0, source)
    try:
        return float(q.to(target).magnitude)
    except Exception:  # pint.DimensionalityError
        have = q.dimensionality
        want = ureg.Quantity(1.0, target).dimensionality
        raise UnitError(
            f"{name} has unit {source!s} ({'dimensionless' if not have else have}), which cannot "
            f"be converted to {target!s} ({'dimensionless' if not want else want})"
        ) from None


def _unit_of(value_unit: Any, units: Any, name: str) -> Any:
    """The unit of an input: carried by the value, or given with ``units=`` (not both differing)."""
    given = parse_unit(units) if units is not None else None
    if value_unit is not None and given is not None:
        if _factor(value_unit, given, name) != 1.0:
            raise UnitError(
                f"{name} carries unit {value_unit!s} but units={units!r} was also given: pass one"
            )
    return value_unit if value_unit is not None else given


# ------------------------------------------------------------------------------ readers
def fraction(value: Any, name: str, *, units: Any = None) -> np.ndarray:
    """A grade, recovery or other mass fraction as float64 in [0, 1].

    Parameters
    ----------
    value : number, array-like, Series or pint.Quantity
        Plain numbers are fractions unless ``units`` says otherwise; a quantity must be
        dimensionless (%, ppm, g/t, wt %, mg/kg ...).
    name : str
        The argument's name, used in error messages.
    units : str, optional
        Unit of plain numbers, e.g. ``"%"`` or ``"g/t"``.

    Returns
    -------
    numpy.ndarray
        float64 mass fractions, the shape of ``value`` (0-d for a scalar). [-]

    Raises
    ------
    DataError
        A value outside [0, 1] (for a plain number above 1, the message says how to pass
        percent), inf, or text.
    UnitError
        A unit that is not a concentration.

    >>> fraction(0.25, "recovery")
    array(0.25)
    >>> from resourcekit.units import Quantity
    >>> fraction(Quantity([12.0], "g/t"), "grade")
    array([1.2e-05])
    """
    magnitude, value_unit = _split(value)
    unit = _unit_of(value_unit, units, name)
    arr = _floats(magnitude, name)
    if unit is not None:
        if not registry().Quantity(1.0, unit).dimensionless:
            raise UnitError(
                f"{name} has unit {unit!s}, which is not a concentration or fraction: use %, "
                "ppm, g/t, mg/kg or wt %"
            )
        arr = np.asarray(arr * _factor(unit, "dimensionless", name))
    _check_finite(arr, name)
    # round-off from arithmetic (1 + 1e-15, -1e-17) is a fraction at its bound, not an error
    arr = np.where((arr > 1) & (arr <= 1 + _ROUNDOFF), 1.0, arr)
    arr = np.where((arr < 0) & (arr >= -_ROUNDOFF), 0.0, arr)
    finite = arr[np.isfinite(arr)]
    if finite.size and (finite.min() < 0 or finite.max() > 1):
        bad = float(finite[(finite < 0) | (finite > 1)][0])
        hint = (
            f"pass a mass fraction, or say the unit: units='%' or Quantity({bad:g}, '%')"
            if unit is None
            else "a mass fraction cannot be negative or above 100 %"
        )
        raise DataError(f"{name} = {bad:g} is outside [0, 1]: {hint}")
    return arr


def amount(value: Any, name: str, *, unit: str, units: Any = None,
           allow_negative: bool = False) -> np.ndarray:
    """A mass, flow or other dimensional amount as float64 in ``unit``.

    Parameters
    ----------
    value : number, array-like, Series or pint.Quantity
        A quantity is converted to ``unit`` after a dimension check; plain numbers are in
        ``units`` if given, else already in ``unit``.
    name : str
        The argument's name, used in error messages.
    unit : str
        The unit the caller computes in, e.g. ``"t"``, ``"t/h"``, ``"g/cm**3"``.
    units : str, optional
        Unit of plain numbers.
    allow_negative : bool
        Accept negative values (e.g. a change of stock).

    Returns
    -------
    numpy.ndarray
        float64 values in ``unit``, the shape of ``value``.

    >>> from resourcekit.units import Quantity
    >>> amount(Quantity(250, "kg/h"), "feed", unit="t/h")
    array(0.25)
    >>> amount([3.0, 4.0], "mass", unit="t", units="kg")
    array([0.003, 0.004])
    """
    magnitude, value_unit = _split(value)
    source = _unit_of(value_unit, units, name)
    arr = _floats(magnitude, name)
    target = parse_unit(unit)
    if source is not None:
        arr = np.asarray(arr * _factor(source, target, name))
    _check_finite(arr, name)
    if not allow_negative and (arr < 0).any():
        bad = float(arr[arr < 0].ravel()[0])
        raise DataError(f"{name} = {bad:g} is negative: expected a value >= 0 [{target!s}]")
    return arr


def number(value: Any, name: str, *, low: float | None = None, high: float | None = None,
           allow_nan: bool = True) -> np.ndarray:
    """Plain finite numbers (a dimensionless quantity is converted), with optional bounds.

    >>> number([1, 2.5], "stages", low=0)
    array([1. , 2.5])
    """
    magnitude, unit = _split(value)
    arr = _floats(magnitude, name)
    if unit is not None:
        if not registry().Quantity(1.0, unit).dimensionless:
            raise UnitError(f"{name} has unit {unit!s}: expected a plain number")
        arr = np.asarray(arr * _factor(unit, "dimensionless", name))
    _check_finite(arr, name, allow_nan=allow_nan)
    finite = arr[np.isfinite(arr)]
    if low is not None and (finite < low).any():
        raise DataError(f"{name} = {float(finite[finite < low][0]):g} is below {low:g}")
    if high is not None and (finite > high).any():
        raise DataError(f"{name} = {float(finite[finite > high][0]):g} is above {high:g}")
    return arr


def sd_in(sd: Any, name: str, *, unit: str, units: Any = None) -> np.ndarray:
    """Standard deviations in the unit of their measurement (never negative).

    A standard deviation given as a quantity in kg/h for flows computed in t/h is divided by
    1000; a plain number is taken in ``units`` if given, else in ``unit``.

    >>> from resourcekit.units import Quantity
    >>> sd_in(Quantity(500, "kg/h"), "sd of feed", unit="t/h")
    array(0.5)
    """
    return amount(sd, name, unit=unit, units=units)


std_in = sd_in  # the same reader under the name it had first (sd is the toolkit's one name)


def column_values(series: pd.Series, name: str | None = None, *,
                  units: Any = None) -> tuple[np.ndarray, Any]:
    """Numbers of one column and their unit (pint dtype, the column name, or ``units=``).

    Returns
    -------
    (numpy.ndarray, pint.Unit or None)
        float64 values as given (not converted) and the unit they are in.

    >>> import pandas as pd
    >>> values, unit = column_values(pd.Series([1.0, 2.0], name="LA(PPM)"))
    >>> values.tolist(), str(unit)
    ([1.0, 2.0], 'ppm')
    """
    label = name if name is not None else str(series.name)
    magnitude, dtype_unit = _split(series)
    name_unit = split_unit(str(series.name))[1] if series.name is not None else None
    if dtype_unit is not None and name_unit is not None:
        _unit_of(dtype_unit, name_unit, label)
    unit = _unit_of(dtype_unit if dtype_unit is not None else name_unit, units, label)
    return _floats(magnitude, label), unit


def check_option(value: Any, name: str, allowed: Iterable[Any]) -> Any:
    """``value`` if it is one of ``allowed``, else an OptionError listing them.

    >>> check_option("logistic", "model", ["logistic", "whiten"])
    'logistic'
    """
    allowed = list(allowed)
    if value not in allowed:
        raise OptionError(
            f"{name}={value!r} is not known: use one of {', '.join(repr(a) for a in allowed)}"
        )
    return value


# ------------------------------------------------------------------------------ labels
def _labels(value: Any) -> pd.Index | None:
    magnitude, _ = _split(value)
    if isinstance(magnitude, pd.Series | pd.DataFrame):
        return magnitude.index
    return None


def _reorder(value: Any, index: pd.Index) -> Any:
    magnitude, unit = _split(value)
    moved = magnitude.loc[index]
    if unit is None:
        return moved
    return registry().Quantity(moved, unit)


def align(named: Mapping[str, Any]) -> tuple[pd.Index | None, dict[str, Any]]:
    """Align pandas inputs by label to the first labelled one.

    Parameters
    ----------
    named : mapping of argument name to value
        Series, DataFrames (aligned on their rows), quantities wrapping them, arrays, scalars.

    Returns
    -------
    (pandas.Index or None, dict)
        The index everything is aligned to, and the values in their own kinds, reordered.

    Raises
    ------
    LabelError
        Duplicate labels, labels present in one input and not another (both named), or an
        array whose length differs from the labelled inputs.

    >>> import pandas as pd
    >>> a = pd.Series([1.0, 2.0], index=["x", "y"])
    >>> align({"a": a, "b": pd.Series([1.0], index=["x"])})
    Traceback (most recent call last):
    ...
    resourcekit.errors.LabelError: b and a have different labels: missing in b: ['y']
    """
    out = dict(named)
    first_name, index = None, None
    for key, value in named.items():
        labels = _labels(value)
        if labels is None:
            continue
        if labels.has_duplicates:
            dup = labels[labels.duplicated()].unique().tolist()[:5]
            raise LabelError(f"{key} has duplicate labels {dup}: labels must be unique")
        if index is None:
            first_name, index = key, labels
            continue
        if labels.equals(index):
            continue
        missing = index.difference(labels, sort=False).tolist()
        extra = labels.difference(index, sort=False).tolist()
        if missing or extra:
            parts = []
            if missing:
                parts.append(f"missing in {key}: {missing[:5]}")
            if extra:
                parts.append(f"not in {first_name}: {extra[:5]}")
            raise LabelError(f"{key} and {first_name} have different labels: " + "; ".join(parts))
        out[key] = _reorder(value, index)
    if index is None:
        lengths = {k: len(np.atleast_1d(_split(v)[0])) for k, v in named.items()
                   if np.ndim(_split(v)[0]) > 0}
        if len(set(lengths.values())) > 1:
            raise LabelError(f"inputs have different lengths {lengths}: pass equal lengths")
        return None, out
    for key, value in named.items():
        magnitude = _split(value)[0]
        if _labels(value) is None and np.ndim(magnitude) > 0 and len(magnitude) != len(index):
            raise LabelError(
                f"{key} has {len(magnitude)} values but {first_name} has {len(index)} labels: "
                "pass the same number, or a Series with the same labels"
            )
    return index, out


def template(*values: Any) -> Any:
    """The first Series or DataFrame among ``values`` (index kept), else the first array, else None.

    >>> import pandas as pd
    >>> template(1.0, pd.Series([1.0], index=["a"])).index.tolist()
    ['a']
    """
    for value in values:
        magnitude = _split(value)[0]
        if isinstance(magnitude, pd.Series | pd.DataFrame):
            return magnitude
    for value in values:
        magnitude = _split(value)[0]
        if np.ndim(magnitude) > 0:
            return np.asarray(magnitude)
    return None


def like(tmpl: Any, values: Any, name: str | None = None) -> Any:
    """``values`` in the kind of ``tmpl``: float, ndarray, or Series (index kept).

    >>> import numpy as np, pandas as pd
    >>> like(None, np.array(0.5))
    0.5
    >>> like(pd.Series([0.0, 0.0], index=["a", "b"]), np.array([1.0, 2.0]), "x").to_dict()
    {'a': 1.0, 'b': 2.0}
    """
    arr = np.asarray(values, dtype=float)
    if tmpl is None:
        return float(arr) if arr.ndim == 0 else arr
    if isinstance(tmpl, pd.DataFrame):
        if arr.ndim == 1 and len(arr) == len(tmpl):
            return pd.Series(arr, index=tmpl.index, name=name)
        return pd.DataFrame(np.broadcast_to(arr, tmpl.shape).copy(), index=tmpl.index,
                            columns=tmpl.columns)
    if isinstance(tmpl, pd.Series):
        return pd.Series(np.broadcast_to(arr, tmpl.shape).copy(), index=tmpl.index, name=name)
    return np.broadcast_to(arr, np.shape(tmpl)).astype(float, copy=True)
