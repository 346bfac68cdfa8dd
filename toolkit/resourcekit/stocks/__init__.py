"""The urban mine over time: products in use, their lifetimes and end-of-life flows.

Dynamic stock models as industrial ecology uses them (Müller 2006; Pauliuk & Heeren 2020, ODYM):
inflow-driven (:func:`inflow_driven`: sales -> stock and end of life) and stock-driven
(:func:`stock_driven`: stock in use -> sales and end of life), with age cohorts and lifetime
distributions (:class:`Lifetime`: fixed, normal, Weibull, log-normal, or any scipy.stats frozen
distribution). :func:`secondary_supply` carries end-of-life products to metals recovered, with
collection, sorting and refining recoveries and recycling grades; :func:`supply_band` adds a
Monte Carlo band for uncertain lifetimes and contents. Lifetimes that change by cohort:
:func:`inflow_driven_by_cohort` and :func:`stock_driven_by_cohort`; the mean age of what leaves
use (AIRIA's "average years of use"): :func:`mean_age_of_outflow`; deregistrations split into
used exports and domestic end of life: :func:`split_deregistrations`; UNEP's end-of-life
recycling rate, apart from the SURE grades: :func:`unep_eol_recycling_rate`.

>>> import pandas as pd
>>> from resourcekit import stocks
>>> r = stocks.inflow_driven(pd.Series(50.0, index=range(1990, 2041)),
...                          stocks.Lifetime("weibull", shape=3.0, mean=12.0))
>>> round(float(r.stock[2040]) / 50.0, 1)       # steady state: stock = inflow x mean lifetime
12.0
"""

from __future__ import annotations

from .cohorts import (
    cohort_survival_matrix,
    inflow_driven_by_cohort,
    mean_age_of_outflow,
    split_deregistrations,
    stock_driven_by_cohort,
)
from .dynamic import StockResult, inflow_driven, stock_driven
from .lifetime import INFLOW_AT, LIFETIME_KINDS, Lifetime, survival_matrix
from .materials import FUNCTIONAL_GRADES, SupplyResult, secondary_supply, supply_band
from .rates import unep_eol_recycling_rate

__all__ = [
    "FUNCTIONAL_GRADES",
    "INFLOW_AT",
    "LIFETIME_KINDS",
    "Lifetime",
    "StockResult",
    "SupplyResult",
    "cohort_survival_matrix",
    "inflow_driven",
    "inflow_driven_by_cohort",
    "mean_age_of_outflow",
    "secondary_supply",
    "split_deregistrations",
    "stock_driven",
    "stock_driven_by_cohort",
    "supply_band",
    "survival_matrix",
    "unep_eol_recycling_rate",
]
