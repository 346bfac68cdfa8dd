"""Quality-graded recycling (SURE consortium): UG and 1G-4G as an ordered scale, and a grader.

The SURE consortium (AIST, brochure 2026, "New recycling definition") grades recycling by how
much of a waste product's value comes back, the "degree of advancement" (ideality), rather
than by tonnage:

====  ==============================  =========================================================
UG    upgrade recycling               regenerated as a raw material more valuable than the raw
      (functional-material            material, with the same function
      substitution)
1G    first grade (natural-resource   raw material usable again for an equivalent product,
      substitution)                   replacing natural resources
2G    second grade (cascade)          the same kind of raw material, for lower-grade products
3G    third grade                     a raw material of a different kind, unrelated to the
                                      original function
4G    fourth grade (harmless          the material's properties are not used; it is absorbed
      absorption)                     harmlessly
====  ==============================  =========================================================

UG and 1G count as resource circulation (資源循環), 2G-4G as absorption into society (社会吸収).
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from resourcekit.errors import DataError, OptionError

__all__ = ["GRADE_ORDER", "GRADE_DEFINITIONS", "RouteGrade", "recycling_grades", "grade_route"]

#: The grades in the brochure's order, most advanced first: the ordered categorical's
#: UG < 1G < 2G < 3G < 4G means "comes before", so sorting lists UG first and 4G last.
GRADE_ORDER: tuple[str, ...] = ("UG", "1G", "2G", "3G", "4G")

#: The brochure's definitions: grade -> (name, definition, circulation).
GRADE_DEFINITIONS: dict[str, tuple[str, str, str]] = {
    "UG": ("upgrade recycling (functional-material substitution)",
           "regenerated as a raw material more valuable than the raw material, with the same "
           "function", "resource circulation"),
    "1G": ("first-grade recycling (natural-resource substitution)",
           "raw material usable again for an equivalent product, replacing natural resources",
           "resource circulation"),
    "2G": ("second-grade recycling (cascade; low-grade material use)",
           "the same kind of raw material, for lower-grade products", "absorption into society"),
    "3G": ("third-grade recycling (low-grade function use)",
           "a raw material of a different kind, unrelated to the original function",
           "absorption into society"),
    "4G": ("fourth-grade recycling (harmless absorption)",
           "the material's properties are not used; it is absorbed harmlessly",
           "absorption into society"),
}


def _grade_dtype() -> pd.CategoricalDtype:
    return pd.CategoricalDtype(list(GRADE_ORDER), ordered=True)


def recycling_grades(definitions: bool = False) -> pd.DataFrame:
    """The SURE consortium's example routes with their ordered recycling grade.

    Parameters
    ----------
    definitions : bool
        If True, return the five grades instead: name, definition and circulation.

    Returns
    -------
    DataFrame
        Every example route of the brochure's table (dataset ``sep_sure_recycling_routes``):
        ``route``, ``material_class`` (metals; resins and paper), ``feed``, ``product``, the
        brochure's Japanese terms where transcribed, ``grade`` as an ordered categorical
        (UG < 1G < 2G < 3G < 4G: sorting puts the most advanced first) and ``circulation``,
        sorted by grade.

    References
    ----------
    - [1] SURE consortium (Strategic Urban Mining for Resource Efficiency), National Institute
      of Advanced Industrial Science and Technology (AIST), brochure (2026), "New recycling
      definition": graded recycling UG and 1G-4G.

    Examples
    --------
    >>> g = recycling_grades()
    >>> g["grade"].min(), g["grade"].max(), len(g)
    ('UG', '4G', 18)
    >>> recycling_grades(definitions=True).loc["2G", "circulation"]
    'absorption into society'
    """
    if definitions:
        return pd.DataFrame(
            [{"grade": k, "name": v[0], "definition": v[1], "circulation": v[2]}
             for k, v in GRADE_DEFINITIONS.items()]).set_index("grade")
    from resourcekit import datasets

    df = datasets.load("sep_sure_recycling_routes").copy()
    df["grade"] = df["grade"].astype(_grade_dtype())
    return df.sort_values("grade", kind="stable").reset_index(drop=True)


class RouteGrade(NamedTuple):
    """The grade of a route and the reason for it."""

    grade: str
    circulation: str
    reason: str


def _flag(value: Any, name: str) -> bool | None:
    if value is None:
        return None
    if isinstance(value, bool | np.bool_):
        return bool(value)
    raise DataError(f"{name} = {value!r}: answer True, False or None (not known)")


def grade_route(
    *,
    same_kind_of_material: bool | None = None,
    properties_used: bool = True,
    same_function: bool | None = None,
    equivalent_product: bool | None = None,
    more_valuable_than_raw_material: bool | None = None,
    **unknown: Any,
) -> RouteGrade:
    """Grade a recycling route from what happens to the material, with the reason.

    The questions follow the brochure's definitions, most basic first:

    1. Are the material's properties used at all? No -> **4G** (harmless absorption, e.g.
       boards -> road-bed material).
    2. Does it become the same kind of material? No -> **3G** (a raw material of a different
       kind, e.g. boards -> cement raw material, plastics -> RDF).
    3. Is it used for an equivalent product (same quality as the original use)? No -> **2G**
       (cascade, e.g. wrought aluminium -> casting alloy, steel scrap -> bars and H-beams).
    4. Is the regenerated material more valuable than the raw material, with the same
       function? Yes -> **UG** (e.g. copper wire -> wrought-copper raw material); no -> **1G**
       (e.g. boards -> copper smelting feed, replacing ore).

    Parameters
    ----------
    same_kind_of_material : bool, optional
        Needed unless ``properties_used=False`` (4G is decided without it). The product is
        the same kind of material as the waste (metal to metal, PET to PET).
    properties_used : bool
        The material's properties are used (False for fill, road bed: only its bulk).
    same_function : bool, optional
        The regenerated material serves the same function as before (needed for UG).
    equivalent_product : bool, optional
        The material goes to an equivalent product rather than a lower-grade one.
    more_valuable_than_raw_material : bool, optional
        The regenerated material is worth more than the virgin raw material it replaces.

    Returns
    -------
    RouteGrade
        ``grade`` (UG, 1G-4G), ``circulation`` and ``reason`` (the deciding answer).

    Raises
    ------
    DataError
        If an answer needed for the decision is missing (None) or not a bool (numpy bools
        are accepted).

    References
    ----------
    - [1] SURE consortium (AIST) brochure (2026), "New recycling definition".

    Examples
    --------
    >>> grade_route(same_kind_of_material=True, equivalent_product=False).grade
    '2G'
    >>> grade_route(same_kind_of_material=False).reason
    'becomes a raw material of a different kind, unrelated to the original function'
    """
    if unknown:
        raise OptionError(
            f"grade_route does not know {sorted(unknown)}; it asks properties_used, "
            "same_kind_of_material, equivalent_product, more_valuable_than_raw_material and "
            "same_function")
    used = _flag(properties_used, "properties_used")
    same_kind = _flag(same_kind_of_material, "same_kind_of_material")
    same_fn = _flag(same_function, "same_function")
    equivalent = _flag(equivalent_product, "equivalent_product")
    more = _flag(more_valuable_than_raw_material, "more_valuable_than_raw_material")
    if used is None:
        raise DataError("properties_used must be answered (True or False) to grade a route")
    if not used:
        # 4G is decided by the first question: the later answers do not matter
        grade, reason = "4G", "the material's properties are not used (harmless absorption)"
    elif same_kind is None:
        raise DataError("same_kind_of_material must be answered (True or False) for a route "
                        "that uses the material's properties: same kind (1G/2G/UG) or "
                        "another kind (3G)?")
    elif not same_kind:
        grade, reason = "3G", ("becomes a raw material of a different kind, unrelated to the "
                               "original function")
    elif equivalent is None:
        raise DataError("equivalent_product must be answered for a route that keeps the kind "
                        "of material: is the product equivalent (1G/UG) or lower-grade (2G)?")
    elif not equivalent:
        grade, reason = "2G", "same kind of material, used for lower-grade products (cascade)"
    elif more is None or (more and same_fn is None):
        raise DataError("more_valuable_than_raw_material (and same_function) must be answered "
                        "to tell UG from 1G")
    elif more and same_fn:
        grade, reason = "UG", ("regenerated as a raw material more valuable than the raw "
                               "material, with the same function")
    else:
        grade, reason = "1G", ("raw material for an equivalent product, replacing natural "
                               "resources")
    return RouteGrade(grade, GRADE_DEFINITIONS[grade][2], reason)
