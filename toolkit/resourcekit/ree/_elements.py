"""Element tables for the rare-earth elements: order, atomic number, ionic radius, molar mass.

Sources
-------
- Ionic radii of REE3+ in 8-fold coordination: Shannon R.D. (1976) Revised effective ionic
  radii and systematic studies of interatomic distances in halides and chalcogenides. Acta
  Crystallographica A32:751-767, doi:10.1107/S0567739476001551 (the values O'Neill 2016 and
  pyrolite use).
- Atomic weights: IUPAC Commission on Isotopic Abundances and Atomic Weights (2021),
  abridged standard atomic weights.
"""

from __future__ import annotations

#: The 14 naturally occurring lanthanides in atomic-number order (Pm has no stable isotope).
REE: tuple[str, ...] = (
    "La", "Ce", "Pr", "Nd", "Sm", "Eu", "Gd", "Tb", "Dy", "Ho", "Er", "Tm", "Yb", "Lu",
)

#: REE and Y, with Y placed between Dy and Ho by its ionic radius (REY order).
REY: tuple[str, ...] = (
    "La", "Ce", "Pr", "Nd", "Sm", "Eu", "Gd", "Tb", "Dy", "Y", "Ho", "Er", "Tm", "Yb", "Lu",
)

ATOMIC_NUMBER: dict[str, int] = {
    "La": 57, "Ce": 58, "Pr": 59, "Nd": 60, "Pm": 61, "Sm": 62, "Eu": 63, "Gd": 64,
    "Tb": 65, "Dy": 66, "Ho": 67, "Er": 68, "Tm": 69, "Yb": 70, "Lu": 71, "Y": 39,
}

#: Shannon (1976) radii of the trivalent ions in 8-fold coordination [angstrom].
IONIC_RADIUS: dict[str, float] = {
    "La": 1.160, "Ce": 1.143, "Pr": 1.126, "Nd": 1.109, "Pm": 1.093, "Sm": 1.079,
    "Eu": 1.066, "Gd": 1.053, "Tb": 1.040, "Dy": 1.027, "Y": 1.019, "Ho": 1.015,
    "Er": 1.004, "Tm": 0.994, "Yb": 0.985, "Lu": 0.977,
}

#: IUPAC standard atomic weights [g/mol].
ATOMIC_WEIGHT: dict[str, float] = {
    "La": 138.905, "Ce": 140.116, "Pr": 140.908, "Nd": 144.242, "Sm": 150.36,
    "Eu": 151.964, "Gd": 157.25, "Tb": 158.925, "Dy": 162.500, "Ho": 164.930,
    "Er": 167.259, "Tm": 168.934, "Yb": 173.045, "Lu": 174.967, "Y": 88.906, "O": 15.999,
}

#: Oxide formulas accepted for each element: (formula, atoms of the element, atoms of O).
OXIDES: dict[str, tuple[str, int, int]] = {
    **{el: (f"{el}2O3", 2, 3) for el in REY},
}
_EXTRA_OXIDES = {"CeO2": ("Ce", 1, 2), "Pr6O11": ("Pr", 6, 11), "Tb4O7": ("Tb", 4, 7)}


def oxide_table() -> dict[str, tuple[str, float]]:
    """Map each accepted oxide formula to (element, mass of element per mass of oxide).

    >>> round(oxide_table()["La2O3"][1], 4)
    0.8527
    """
    table: dict[str, tuple[str, float]] = {}
    entries = [(formula, el, n, o) for el, (formula, n, o) in OXIDES.items()]
    entries += [(formula, el, n, o) for formula, (el, n, o) in _EXTRA_OXIDES.items()]
    for formula, el, n, o in entries:
        metal = n * ATOMIC_WEIGHT[el]
        table[formula] = (el, metal / (metal + o * ATOMIC_WEIGHT["O"]))
    return table
