"""Private helpers: read grades and masses, and return the same kind as given."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from resourcekit.units import to_fraction


def grade(value: Any, name: str) -> np.ndarray:
    """A grade as a float64 array of mass fractions (pint quantities converted, range checked)."""
    if value is None:
        raise TypeError(f"{name} is missing: pass a mass fraction (0-1) or a pint quantity")
    frac = to_fraction(value, name=name)
    return np.asarray(getattr(frac, "values", frac), dtype=float)


def mass(value: Any, name: str) -> np.ndarray:
    """A mass (or mass flow) as a float64 array; negative values raise."""
    magnitude = getattr(value, "magnitude", value)
    arr = np.asarray(getattr(magnitude, "values", magnitude), dtype=float)
    if np.any(arr < 0):
        bad = arr[arr < 0].ravel()[0]
        raise ValueError(f"{name} = {bad:g} is negative: masses must be >= 0")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinite values: masses must be finite numbers")
    return arr


def template(*values: Any) -> Any:
    """The first Series among ``values`` (its index is kept), else the first ndarray, else None."""
    for v in values:
        mag = getattr(v, "magnitude", v)
        if isinstance(mag, pd.Series):
            return mag
    for v in values:
        mag = getattr(v, "magnitude", v)
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
