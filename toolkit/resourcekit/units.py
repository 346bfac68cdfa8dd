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



# pint parses every unit; these preprocessors only rewrite the spellings of lab sheets, journals
# and databases into pint's grammar before it parses (``wt %`` -> ``wt_percent``, ``kg-1`` ->
# ``kg**-1``). They run on every string the registry parses.
_PREPROCESSORS = (
    (re.compile("[\u2212\u2012\u2013]"), "-"),  # Unicode minus and dashes in "g\u2212t\u22121"
    (re.compile(r"\b(?:wt|mass|m)\s*[.-]?\s*(?:%|pct\b|percent\b)", re.IGNORECASE), "wt_percent"),
    (re.compile(r"(?:%|\bpercent)\s*wt\b", re.IGNORECASE), "wt_percent"),
    (re.compile(r"\bppmw\b", re.IGNORECASE), "ppm"),
    (re.compile(r"\bpct\b", re.IGNORECASE), "percent"),
    (re.compile(r"\bkt\b"), "kilotonne"),  # kilotonnes in this field, never knots
    (re.compile(r"(?<=[A-Za-z])(-?\d+)\b"), r"**\1"),  # kg-1 -> kg**-1, cm3 -> cm**3
)
# Spellings whose meaning depends on the country or the trade: refused with the choices named.
_AMBIGUOUS = (
    (re.compile(r"\btons?\b", re.IGNORECASE),
     "'ton' is 907 kg (short ton) to pint and 1000 kg to most of the world: write 't' (tonne), "
     "'short_ton' or 'long_ton'"),
    (re.compile(r"\boz\b", re.IGNORECASE),
     "'oz' is the avoirdupois ounce to pint, while assays in oz/t mean troy ounces per short "
     "ton: write 'troy_ounce / short_ton' or 'g/t'"),
)


def _preprocess(text: str) -> str:
    for pattern, replacement in _PREPROCESSORS:
        text = pattern.sub(replacement, text)
    return text


@lru_cache(maxsize=1)
def registry() -> pint.UnitRegistry:
    """The shared registry, built on first use (also reachable as ``units.ureg``)."""
    import pint

    reg = pint.UnitRegistry(on_redefinition="raise", cache_folder=None,
                            preprocessors=[_preprocess])
    reg.define("ppb = 1e-9 = parts_per_billion")
    reg.define("ppt = 1e-12 = parts_per_trillion")
    reg.define("wt_percent = 0.01 = wtpercent")
    reg.define("tph = metric_ton / hour")
    reg.define("gpt = gram / metric_ton")
    # products counted in pieces (vehicles, batteries, appliances): its own dimension, so that
    # kg/piece x piece = kg and a piece is never mistaken for a mass fraction
    reg.define("piece = [item] = pcs = vehicle")
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


def parse_unit(text: str | pint.Unit | None) -> pint.Unit:
    """Parse a unit as written in data files into a unit of :data:`ureg`.

    pint parses; the registry's preprocessors only rewrite spellings first (``wt %``, ``wt.%``,
    ``mass%``, ``pct``, exponents written ``kg-1``). Text in capitals only (GEOROC's ``PPM``,
    ``PPB``, ``WT%``) is read in lower case, so ``T/H`` means t/h, not tesla per henry.

    Parameters
    ----------
    text : str or pint.Unit
        Unit text such as ``"ppm"``, ``"mg/kg"``, ``"mg kg-1"``, ``"wt %"``, ``"µg/g"``, ``"t/h"``.

    Returns
    -------
    pint.Unit

    Raises
    ------
    resourcekit.errors.UnitError
        If the text is not a unit this registry knows (a ValueError too).

    >>> str(parse_unit("wt %"))
    'wt_percent'
    >>> str(parse_unit("µg/g"))
    'microgram / gram'
    >>> str(parse_unit("PPM")), str(parse_unit("mg kg-1"))
    ('ppm', 'milligram / kilogram')
    """
    import pint

    from .errors import UnitError

    ureg = registry()
    if isinstance(text, pint.Unit):
        return ureg.Unit(str(text))
    if text is None or not str(text).strip():
        raise UnitError("no unit given: pass a unit such as 'ppm', 'wt %', 'g/t' or 't/h'")
    raw = str(text).strip()
    for pattern, why in _AMBIGUOUS:
        if pattern.search(raw):
            raise UnitError(f"ambiguous unit {raw!r}: {why}")
    expr = raw.lower() if raw.upper() == raw else raw
    try:
        return ureg.parse_units(expr)
    except Exception as err:  # pint raises several kinds (incl. tokenize errors) on odd text
        raise UnitError(
            f"unknown unit {raw!r}: use a unit pint knows, e.g. ppm, ppb, mg/kg, ug/g, g/t, wt %, "
            "%, t/h, kg/h"
        ) from err


# A unit at the end of a column name: "La [mg/kg]", "LA(PPM)", "La (mg kg-1)", or a suffix
# after "_" or a space: "La_ppm", "Eu ppb", "F_kg/h".
_BRACKETED = re.compile(r"^\s*(?P<name>.*?)\s*(?:\[(?P<b>[^\[\]]+)\]|\((?P<p>[^()]+)\))\s*$")
_SUFFIX = re.compile(r"^\s*(?P<name>.+?)[_ ](?P<s>[^_ ]+)\s*$")
# A suffix is read as a unit only when it is a quantity of these kinds (so "size_min" is not
# minutes and "Fe_t" not tonnes: one-letter suffixes are never units).
_WT_PERCENT = re.compile(r"\b(?:wt|mass)\s*\.?\s*%", re.IGNORECASE)
_SUFFIX_DIMENSIONS = ("", "[mass]", "[mass] / [time]", "[length]", "[mass] / [length] ** 3")


def split_unit(column: str) -> tuple[str, pint.Unit | None]:
    """Split a column name into its quantity name and unit, if the name carries one.

    Bracketed units (``[...]`` or ``(...)``) are parsed whatever they are; a suffix after ``_``
    or a space only when it has two or more characters and is a concentration, mass, mass flow,
    length or density.

    >>> split_unit("La [mg/kg]")
    ('La', <Unit('milligram / kilogram')>)
    >>> split_unit("La_ppm")[0], str(split_unit("La_ppm")[1])
    ('La', 'ppm')
    >>> split_unit("LA(PPM)")[0], str(split_unit("LA(PPM)")[1])
    ('LA', 'ppm')
    >>> split_unit("Eu ICP-MS (ppm)")[0]
    'Eu ICP-MS'
    >>> split_unit("class"), split_unit("size_min")
    (('class', None), ('size_min', None))
    """
    from .errors import UnitError

    label = str(column)
    match = _BRACKETED.match(label)
    if match and match.group("name"):
        try:
            return match.group("name").strip(), parse_unit(match.group("b") or match.group("p"))
        except UnitError:
            return label.strip(), None
    match = _SUFFIX.match(_WT_PERCENT.sub("wt%", label))
    if match:
        text = match.group("s")
        if len(text) >= 2 or text == "%":
            try:
                unit = parse_unit(text)
            except UnitError:
                return label.strip(), None
            dims = str(registry().Quantity(1, unit).dimensionality)
            dims = "" if dims == "dimensionless" else dims
            if dims in _SUFFIX_DIMENSIONS:
                return match.group("name").strip(), unit
    return label.strip(), None


def fraction_factor(unit: str | pint.Unit) -> float:
    """Factor that turns a value in ``unit`` into a mass fraction (0-1).

    >>> fraction_factor("ppm")
    1e-06
    >>> fraction_factor("wt %")
    0.01
    """
    from .errors import UnitError

    parsed = parse_unit(unit)
    q = registry().Quantity(1.0, parsed)
    if not q.dimensionless:
        raise UnitError(
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
    resourcekit.errors.DataError
        If a plain number lies outside [0, 1] (a ValueError too).
    resourcekit.errors.UnitError
        If the unit is not a concentration.

    >>> to_fraction(0.05)
    0.05
    >>> from resourcekit.units import Quantity
    >>> to_fraction(Quantity(5, "%"))
    0.05
    >>> to_fraction(5)
    Traceback (most recent call last):
    ...
    resourcekit.errors.DataError: grade = 5 is outside [0, 1]: pass a mass fraction, or ...
    """
    from .errors import DataError, UnitError

    if is_quantity(value):
        if not value.dimensionless:
            raise UnitError(
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
        raise DataError(
            f"{name} = {shown} is outside [0, 1]: pass a mass fraction, or a quantity with its "
            f"unit, e.g. resourcekit.units.Quantity({shown}, '%') or Quantity({shown}, 'g/t')"
        )
    if np.ndim(out) == 0 and not hasattr(out, "index"):
        return float(out)
    return out
