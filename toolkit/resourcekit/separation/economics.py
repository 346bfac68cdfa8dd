"""Economics of purity: what a product is worth against what each sorting stage costs.

Buyers pay for a product only above a purity threshold that differs by orders of magnitude
between materials (Oki: about 10 ppm Au makes a saleable smelter feed, about 30 % for Ta, close
to 100 % for Al, Fe and plastics). Each added cleaning stage raises purity, loses some of the
payable material and costs money; where buyers also charge for the impurity a product carries,
the number of stages that maximises profit is set by prices and costs together (the
"limit of rationality" of the SURE consortium's cost/effect chart; the "technical wall" is a
property of the sorter and the feed, see :mod:`resourcekit.separation.cost_effect`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from resourcekit.errors import DataError

from . import _kind

__all__ = [
    "BUYER_THRESHOLDS",
    "StagingResult",
    "product_value",
    "stage_cascade",
    "optimum_stages",
]

#: Buyers' purity thresholds (mass fraction of the payable material), from Oki's junior
#: column 20 (AIST). Al, Fe and plastics: "close to 100 %", written here as 0.99 (illustrative).
BUYER_THRESHOLDS = pd.DataFrame(
    {
        "threshold": [10e-6, 0.30, 0.99, 0.99, 0.99],
        "note": [
            "about 10 ppm Au makes a saleable precious-metal smelter feed",
            "about 30 % Ta",
            "close to 100 % (0.99 illustrative)",
            "close to 100 % (0.99 illustrative)",
            "close to 100 % for material recycling (0.99 illustrative)",
        ],
    },
    index=pd.Index(["Au", "Ta", "Al", "Fe", "plastics"], name="material"),
)


def product_value(purity: Any, *, threshold: float, price: float, below: float = 0.0) -> Any:
    r"""Value of a unit mass of product: payable above the buyers' threshold, else ``below``.

    .. math::

        v(p) = \begin{cases} \text{price}\cdot p & p \ge p_{min} \\
        \text{below} & p < p_{min} \end{cases}

    Parameters
    ----------
    purity : float, array, Series or pint.Quantity
        Mass fraction of the payable material in the product. [mass fraction]
    threshold : float
        Buyers' minimum purity p_min. [mass fraction]
    price : float
        Price of the pure material. [currency/t]
    below : float
        Value of an unsaleable product (0, or negative: a disposal cost). [currency/t]

    Returns
    -------
    Same kind as ``purity``. [currency/t of product]

    References
    ----------
    - [1] Oki T., junior column 20 (AIST): buyers' thresholds by material.

    >>> product_value([0.25, 0.35], threshold=0.30, price=100.0).tolist()
    [0.0, 35.0]
    """
    tmpl = _kind.template(purity)
    p = _kind.grade(purity, "purity")
    thr = _kind.one(_kind.fraction(threshold, "threshold"), "threshold")
    price = _kind.one(_kind.number(price, "price", allow_nan=False), "price")
    below = _kind.one(_kind.number(below, "below", allow_nan=False), "below")
    if np.isnan(thr):
        raise DataError("threshold is NaN: the buyers' minimum purity must be known")
    # NaN purity: the value is unknown (NaN), never the 'below' value
    return _kind.like(tmpl, np.where(np.isnan(p), np.nan, np.where(p >= thr, price * p, below)))


def stage_cascade(
    feed_grade: float, split_target: float, split_other: float, n_stages: int
) -> pd.DataFrame:
    r"""Purity and recovery after 0..n identical cleaning stages in series (no recycle).

    .. math::

        p_n = \frac{f r_t^n}{f r_t^n + (1 - f) r_o^n},\qquad R_n = r_t^n,\qquad
        Y_n = f r_t^n + (1 - f) r_o^n

    Parameters
    ----------
    feed_grade : float
        Grade f of the target in the feed. [mass fraction]
    split_target, split_other : float
        Fraction r_t of the target and r_o of the rest that each stage sends on. [-]
    n_stages : int
        Largest number of stages.

    Returns
    -------
    DataFrame
        Index ``n_stages`` (0..n): ``purity``, ``recovery``, ``mass_yield``, ``stage_feed``
        (mass entering stage n per unit of feed).

    >>> stage_cascade(0.5, 0.9, 0.1, 2)["purity"].round(4).tolist()
    [0.5, 0.9, 0.9878]
    """
    f, rt, ro = (_kind.one(_kind.fraction(v, name), name) for v, name in (
        (feed_grade, "feed_grade"), (split_target, "split_target"), (split_other, "split_other")))
    for v, name in ((f, "feed_grade"), (rt, "split_target"), (ro, "split_other")):
        if np.isnan(v):
            raise DataError(f"{name} is NaN: a cascade of unknown splits has no purity")
    n_stages = _kind.number(n_stages, "n_stages", allow_nan=False)
    if int(n_stages) < 0 or n_stages != int(n_stages):
        raise DataError("n_stages must be >= 0 (a whole number of stages)")
    n = np.arange(int(n_stages) + 1)
    t = f * rt**n
    o = (1 - f) * ro**n
    y = t + o
    with np.errstate(invalid="ignore", divide="ignore"):
        purity = np.where(y > 0, t / np.where(y > 0, y, 1), np.nan)
    stage_feed = np.concatenate([[np.nan], y[:-1]])
    return pd.DataFrame(
        {"purity": purity, "recovery": rt**n, "mass_yield": y, "stage_feed": stage_feed},
        index=pd.Index(n, name="n_stages"),
    )


@dataclass(frozen=True)
class StagingResult:
    """Value, cost and profit per number of stages; ``optimum`` maximises the profit."""

    table: pd.DataFrame
    optimum: int

    def summary(self) -> pd.DataFrame:
        """The table, with the optimum row flagged."""
        return self.table.assign(optimum=self.table.index == self.optimum)


def optimum_stages(
    feed_grade: float,
    split_target: float,
    split_other: float,
    *,
    threshold: float,
    price: float,
    cost_per_tonne: float,
    fixed_cost: float = 0.0,
    penalty: float = 0.0,
    below: float = 0.0,
    max_stages: int = 10,
) -> StagingResult:
    r"""Number of cleaning stages in series that maximises profit per tonne of feed.

    Parameters
    ----------
    feed_grade, split_target, split_other : float
        As :func:`stage_cascade`.
    threshold, price, below : float
        As :func:`product_value`.
    cost_per_tonne : float
        Cost of sorting a tonne of stage feed. [currency/t]
    fixed_cost : float
        Cost of each stage per tonne of circuit feed, whatever it treats. [currency/t]
    penalty : float
        Buyers' deduction per tonne of impurity in a saleable product (smelter penalty for
        the gangue it must slag). [currency/t of impurity]
    max_stages : int
        Largest number of stages considered.

    Returns
    -------
    StagingResult
        ``table`` indexed by number of stages: purity, recovery, value, cost, profit,
        marginal value and cost; ``optimum``, the profit-maximising number of stages.

    Notes
    -----
    .. math::

        \Pi_n = \begin{cases} \text{price}\,f r_t^n - \text{penalty}\,(1-f) r_o^n
        & p_n \ge p_{min} \\ \text{below}\,Y_n & p_n < p_{min} \end{cases}
        \; - \sum_{k=1}^{n} (c\,Y_{k-1} + c_0)

    Once the product is saleable, stage n + 1 is worth adding when the penalty it saves,
    :math:`\text{penalty}\,(1-f) r_o^n (1 - r_o)`, exceeds the payable material it loses,
    :math:`\text{price}\,f r_t^n (1 - r_t)`, plus its cost :math:`c\,Y_n + c_0`. The
    penalty saved shrinks by :math:`r_o` per stage and the cost only by
    :math:`\approx r_o` too, so the optimum is where these cross: a dearer stage (larger c or
    c_0) stops the cascade earlier, a larger penalty or a lower price lets it run longer.
    Without a penalty no stage after the first saleable one can pay (it only loses metal and
    costs money), so the optimum is the first saleable count, or 0 when that does not pay.

    References
    ----------
    - [1] SURE (Strategic Urban mining REsearch base), AIST, brochure (2026): cost against
      effect of advanced sorting.
    - [2] Oki T., junior column 20 (AIST): buyers' purity thresholds.

    A Ta-like product (saleable from 30 %) with a smelter penalty on the gangue it carries:
    a dearer stage stops the cascade earlier.

    >>> kw = dict(threshold=0.3, price=1000.0, penalty=1500.0)
    >>> cheap = optimum_stages(0.05, 0.95, 0.3, cost_per_tonne=2.0, **kw)
    >>> dear = optimum_stages(0.05, 0.95, 0.3, cost_per_tonne=15.0, **kw)
    >>> cheap.optimum, dear.optimum
    (6, 5)
    """
    for v, name in ((cost_per_tonne, "cost_per_tonne"), (fixed_cost, "fixed_cost"),
                    (penalty, "penalty")):
        x = _kind.one(_kind.number(v, name, allow_nan=False), name)
        if not np.isfinite(x) or x < 0:
            raise DataError(f"{name} = {v!r} must be a finite number >= 0 [currency/t]")
    casc = stage_cascade(feed_grade, split_target, split_other, max_stages)
    pur = casc["purity"].to_numpy()
    saleable = pur >= _kind.one(_kind.fraction(threshold, "threshold"), "threshold")
    value = casc["mass_yield"] * product_value(
        pur, threshold=threshold, price=price, below=below)
    value = value - np.where(saleable, penalty * casc["mass_yield"] * (1.0 - pur), 0.0)
    stage = (cost_per_tonne * casc["stage_feed"].fillna(0.0) + fixed_cost).where(
        casc.index > 0, 0.0)
    cost = stage.cumsum()
    table = casc.assign(value=value, cost=cost, profit=value - cost,
                        marginal_value=value.diff(), marginal_cost=stage.where(casc.index > 0))
    return StagingResult(table=table, optimum=int(table["profit"].idxmax()))
