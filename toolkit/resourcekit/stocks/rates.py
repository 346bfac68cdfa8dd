"""UNEP's end-of-life recycling rate, kept apart from the SURE recycling grades.

UNEP (2011, *Recycling Rates of Metals*, Graedel et al.) counts as **functional recycling** the
metal that returns to use as that metal or its alloys, whatever the product: steel scrap
remelted into steel is functional even when the new steel is reinforcing bar. Metal that ends up
as a minor constituent of another metal's stream (copper dissolved in steel as a tramp element)
is **non-functional** recycling and does not count. The end-of-life recycling rate is

.. math:: \\mathrm{EoL\\text{-}RR} = \\frac{\\sum_t M^{\\mathrm{sec,\\,functional}}_t}
          {\\sum_t M^{\\mathrm{EoL}}_t}

The SURE grades (UG, 1G-4G; :mod:`resourcekit.separation.grades`) answer another question, how
much of the material's value returns; a route can be functional under UNEP and graded 2G (steel
to rebar). :meth:`SupplyResult.eol_recycling_rate` counts only UG and 1G routes, so it is the
share returned as resource circulation in the SURE sense; this function gives UNEP's rate.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from ..errors import DataError, LabelError
from .materials import SupplyResult

__all__ = ["unep_eol_recycling_rate"]


def unep_eol_recycling_rate(supply: SupplyResult, functional: Mapping[str, bool]) -> pd.Series:
    """End-of-life recycling rate per metal as UNEP defines it (functional recycling only).

    .. math::

        \\mathrm{EoL\\text{-}RR}_m =
        \\frac{\\sum_t M^{\\mathrm{sec}}_{t,m}\\,[m \\text{ functional}]}
              {\\sum_t M^{\\mathrm{EoL}}_{t,m}}

    (UNEP 2011, Graedel et al., *Recycling Rates of Metals - A Status Report*, definitions of
    functional recycling and of EoL-RR).

    Parameters
    ----------
    supply : SupplyResult
        From :func:`~resourcekit.stocks.secondary_supply`.
    functional : dict metal -> bool
        True where the recovered metal goes back into that metal or its alloys (steel remelted to
        steel, copper to cathode), False where it is lost into another metal's stream.

    Returns
    -------
    pandas.Series
        Per metal. [-]; NaN where no metal reaches end of life.

    >>> import pandas as pd
    >>> from resourcekit.stocks import secondary_supply
    >>> s = secondary_supply(pd.Series([1000.0], index=[2030]), {"Fe": 900.0, "Cu": 20.0},
    ...                      collection_rate=0.95, recovery={"Fe": 0.95, "Cu": 0.85},
    ...                      grade={"Fe": "2G", "Cu": "1G"})
    >>> unep_eol_recycling_rate(s, {"Fe": True, "Cu": True}).round(4).to_dict()
    {'Fe': 0.9025, 'Cu': 0.8075}
    >>> s.eol_recycling_rate().round(4).to_dict()      # the SURE UG/1G share: a different question
    {'Fe': 0.0, 'Cu': 0.8075}
    """
    if not isinstance(supply, SupplyResult):
        raise DataError(f"supply = {type(supply).__name__}: pass the result of "
                        "stocks.secondary_supply(...)")
    if not isinstance(functional, Mapping):
        raise DataError(f"functional = {functional!r}: give a dict metal -> True/False, e.g. "
                        "{'Fe': True} for steel remelted to steel")
    metals = list(supply.eol.columns)
    missing = sorted(set(metals) - set(functional))
    extra = sorted(set(functional) - set(metals))
    if missing or extra:
        raise LabelError(f"functional must name exactly the metals of the supply {metals}: "
                         f"missing {missing}, unknown {extra}")
    for metal, flag in functional.items():
        if not isinstance(flag, bool):
            raise DataError(f"functional[{metal!r}] = {flag!r}: expected True or False")
    total = supply.eol.sum(skipna=False)
    recycled = pd.Series({m: supply.recovered[m].sum(skipna=False) if functional[m] else 0.0
                          for m in metals})
    return (recycled / total.where(total > 0)).rename("unep_eol_recycling_rate")
