"""The separation domain's side of the shared input boundary (:mod:`resourcekit.boundary`).

Every public function of ``resourcekit.separation`` reads what comes in through the boundary's
readers (re-exported here with the two names this package used before, ``grade`` and ``mass``)
and works below them on plain float64 arrays:

- pint quantities are converted (a grade must be dimensionless, a mass a mass);
- a plain grade above 1 raises :class:`~resourcekit.errors.DataError` saying how to pass percent;
- inf raises; NaN stays NaN and is reported with a MissingValueWarning;
- pandas inputs are aligned by label, never by position (a mismatch raises LabelError);
- text in a numeric input raises DataError naming it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from resourcekit.boundary import (
    align,
    amount,
    check_option,
    column_values,
    fraction,
    like,
    number,
    template,
)
from resourcekit.errors import LabelError

__all__ = ["fraction", "amount", "number", "align", "template", "like", "check_option",
           "grade", "mass", "grade_column", "classes_table", "LabelError"]


def grade(value: Any, name: str, *, units: str | None = None) -> np.ndarray:
    """A grade as float64 mass fractions: :func:`resourcekit.boundary.fraction`."""
    return fraction(value, name, units=units)


def mass(value: Any, name: str, *, unit: str = "kg", units: str | None = None) -> np.ndarray:
    """A mass as float64 in ``unit`` (default kg): :func:`resourcekit.boundary.amount`."""
    return amount(value, name, unit=unit, units=units)


def grade_column(column: pd.Series, label: str) -> np.ndarray:
    """Grades of one column, with the unit of its pint dtype or its name (``"grade [%]"``)."""
    values, unit = column_values(column, label)
    return fraction(values, label, units=unit)


def classes_table(classes: Any, mass_col: str, grade_col: str) -> tuple[np.ndarray, np.ndarray]:
    """Masses [kg] and grades [mass fraction] of a table of classes (one row per class).

    The one reader of the class tables of ``ideal_separation_curve`` and ``liberation_limit``:
    a DataFrame, both columns present once (a column named twice would read as a table).
    """
    from resourcekit.errors import DataError

    if not isinstance(classes, pd.DataFrame):
        raise DataError(f"classes must be a DataFrame with a {mass_col!r} and a {grade_col!r} "
                        f"column, not {type(classes).__name__}")
    for col in (mass_col, grade_col):
        if col not in classes.columns:
            raise LabelError(f"classes has no column {col!r}; columns are "
                             f"{list(classes.columns)}")
        if list(classes.columns).count(col) > 1:
            raise LabelError(f"classes has the column {col!r} twice")
    g = np.asarray(grade_column(classes[grade_col], grade_col), float)
    return np.asarray(mass(classes[mass_col], mass_col), float), g


def one(value: Any, name: str) -> float:
    """The single number in ``value`` (already read by a boundary reader), as a float.

    An array or Series of several values where one number is due raises DataError naming
    ``name`` (``float()`` would give a bare TypeError).
    """
    if np.size(value) != 1:
        from resourcekit.errors import DataError

        raise DataError(f"{name} holds {np.size(value)} values where one number is due")
    return float(np.ravel(value)[0])


def count(value: Any, name: str, *, low: int = 1) -> int:
    """A whole number >= ``low`` (a design count, a number of stages): 2.5 raises DataError
    instead of being truncated to 2; numpy integers and whole floats are accepted."""
    v = one(number(value, name, low=low, allow_nan=False), name)
    if v != int(v):
        from resourcekit.errors import DataError

        raise DataError(f"{name} = {v:g} must be a whole number >= {low}")
    return int(v)
