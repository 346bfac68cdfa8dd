"""One shared pint registry for the units of this field, and helpers to read them.

Every function of the toolkit that accepts or returns a quantity uses :data:`ureg`.
Concentrations are dimensionless mass fractions: ``ppm`` (= mg/kg = ug/g = g/t),
``ppb``, ``ppt`` (parts per *trillion*, not pint's "picopint"), ``wt_percent``
(also written ``wt %``, ``wt.%``, ``wt%``) and ``percent``. Mass flows: ``t/h``, ``kg/h``.

>>> from resourcekit.units import ureg, parse_unit
>>> ureg.Quantity(1, "g/t").to("ppm").magnitude
1.0
>>> ureg.Quantity(2.5, parse_unit("wt %")).to("ppm").magnitude
25000.0
>>> ureg.Quantity(1, "ppt").to("ppb").magnitude
0.001
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # pint loads on first use: building a registry costs ~0.3 s
    import pint

__all__ = [
    "ureg",  # noqa: F822 - built lazily by __getattr__
    "Quantity",  # noqa: F822
    "registry",
    "is_quantity",
    "parse_unit",
    "split_unit",
    "to_fraction",
    "fraction_factor",
]



@lru_cache(maxsize=1)
def registry() -> pint.UnitRegistry:
    """The shared registry, built on first use (also reachable as ``units.ureg``)."""
    import pint

    reg = pint.UnitRegistry(on_redefinition="raise", cache_folder=None)
    reg.define("ppb = 1e-9 = parts_per_billion")
    reg.define("ppt = 1e-12 = parts_per_trillion")
    reg.define("wt_percent = 0.01 = wtpercent")
    pint.set_application_registry(reg)
    return reg


def __getattr__(name: str) -> Any:
    # `ureg` and `Quantity` are built lazily so that importing the toolkit stays fast.
    if name == "ureg":
        return registry()
    if name == "Quantity":
        return registry().Quantity
    raise AttributeError(f"module 'resourcekit.units' has no attribute {name!r}")


def is_quantity(value: Any) -> bool:
    """True for a pint Quantity (checked without importing pint when none was made)."""
    return type(value).__module__.startswith("pint") and hasattr(value, "units")

# Spellings found in lab spreadsheets, mapped to a pint expression.
_ALIASES = {
    "wt%": "wt_percent",
    "wt %": "wt_percent",
    "wt.%": "wt_percent",
    "wt. %": "wt_percent",
    "wt pct": "wt_percent",
    "mass%": "wt_percent",
    "mass %": "wt_percent",
    "%": "percent",
    "pct": "percent",
    "µg/g": "ug/g",
    "μg/g": "ug/g",
    "ng/g": "ng/g",
    "g/t": "g/t",
    "gpt": "g/t",
    "t/h": "t/h",
    "tph": "t/h",
    "kg/h": "kg/h",
}

# "La_ppm", "La [mg/kg]", "La (ppm)", "La ppm", "La2O3 (wt%)"
_NAME_UNIT = re.compile(
    r"^\s*(?P<name>.*?)\s*(?:\[(?P<bracket>[^\]]+)\]|\((?P<paren>[^)]+)\)|[_ ](?P<suffix>"
    r"ppm|ppb|ppt|wt%|wt_percent|pct|percent|mg/kg|ug/g|µg/g|μg/g|ng/g|g/t|t/h|kg/h|%))\s*$",
    re.IGNORECASE,
)


def parse_unit(text: str | pint.Unit | None) -> pint.Unit:
    """Parse a unit as written in data files into a unit of :data:`ureg`.

    Parameters
    ----------
    text : str or pint.Unit
        Unit text such as ``"ppm"``, ``"mg/kg"``, ``"wt %"``, ``"µg/g"``, ``"t/h"``.

    Returns
    -------
    pint.Unit

    Raises
    ------
    ValueError
        If the text is not a unit this registry knows.

    >>> str(parse_unit("wt %"))
    'wt_percent'
    >>> str(parse_unit("µg/g"))
    'microgram / gram'
    """
    import pint

    ureg = registry()
    if isinstance(text, pint.Unit):
        return ureg.Unit(str(text))
    if text is None or not str(text).strip():
        raise ValueError("no unit given: pass a unit such as 'ppm', 'wt %', 'g/t' or 't/h'")
    raw = str(text).strip()
    key = raw.lower()
    expr = _ALIASES.get(key, raw)
    try:
        return ureg.parse_units(expr)
    except Exception as err:  # pint raises several kinds (incl. tokenize errors) on odd text
        raise ValueError(
            f"unknown unit {raw!r}: use one of ppm, ppb, ppt, mg/kg, ug/g, g/t, wt %, %, t/h, kg/h"
        ) from err


def split_unit(column: str) -> tuple[str, pint.Unit | None]:
    """Split a column name into its quantity name and unit, if the name carries one.

    >>> split_unit("La [mg/kg]")
    ('La', <Unit('milligram / kilogram')>)
    >>> split_unit("La_ppm")[0], str(split_unit("La_ppm")[1])
    ('La', 'ppm')
    >>> split_unit("class")
    ('class', None)
    """
    match = _NAME_UNIT.match(str(column))
    if not match:
        return str(column).strip(), None
    unit_text = match.group("bracket") or match.group("paren") or match.group("suffix")
    try:
        unit = parse_unit(unit_text)
    except ValueError:
        return str(column).strip(), None
    return match.group("name").strip(), unit


def fraction_factor(unit: str | pint.Unit) -> float:
    """Factor that turns a value in ``unit`` into a mass fraction (0-1).

    >>> fraction_factor("ppm")
    1e-06
    >>> fraction_factor("wt %")
    0.01
    """
    parsed = parse_unit(unit)
    q = registry().Quantity(1.0, parsed)
    if not q.dimensionless:
        raise ValueError(
            f"unit {str(parsed)!r} is not a concentration; expected a mass fraction unit "
            "such as ppm, g/t, mg/kg or wt %"
        )
    return float(q.to("dimensionless").magnitude)


def to_fraction(value: Any, name: str = "grade") -> Any:
    """Return a grade as a plain mass fraction (0-1), never guessing percent.

    Parameters
    ----------
    value : float, array, pandas.Series or pint.Quantity
        Plain numbers must already be fractions in [0, 1]; anything else must carry a unit
        (a pint quantity such as ``Quantity(5, "%")`` or ``Quantity(12, "g/t")``).
    name : str
        Name used in error messages.

    Returns
    -------
    Same kind as the magnitude of ``value`` (float, ndarray or Series), in [0, 1].

    Raises
    ------
    ValueError
        If a plain number lies outside [0, 1] or the unit is not a concentration.

    >>> to_fraction(0.05)
    0.05
    >>> from resourcekit.units import Quantity
    >>> to_fraction(Quantity(5, "%"))
    0.05
    >>> to_fraction(5)
    Traceback (most recent call last):
    ...
    ValueError: grade = 5 is outside [0, 1]: pass a mass fraction, or a quantity with its unit...
    """
    if is_quantity(value):
        if not value.dimensionless:
            raise ValueError(
                f"{name} has unit {value.units!s}, which is not a concentration; use %, ppm, "
                "g/t, mg/kg or wt %"
            )
        magnitude = value.to("dimensionless").magnitude
        out = magnitude
    else:
        out = value
    arr = np.asarray(getattr(out, "values", out), dtype=float)
    finite = arr[np.isfinite(arr)]
    if finite.size and (finite.min() < 0 or finite.max() > 1):
        bad = finite[(finite < 0) | (finite > 1)][0]
        shown = f"{bad:g}"
        raise ValueError(
            f"{name} = {shown} is outside [0, 1]: pass a mass fraction, or a quantity with its "
            f"unit, e.g. resourcekit.units.Quantity({shown}, '%') or Quantity({shown}, 'g/t')"
        )
    if np.ndim(out) == 0 and not hasattr(out, "index"):
        return float(out)
    return out
