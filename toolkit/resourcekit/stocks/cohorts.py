"""Lifetimes that change by cohort, the mean age of what leaves use, and where it goes.

A cohort is the products that entered use in one year. When the lifetime changes over the years
(cars in Japan: AIRIA's average years of use rose from 9.09 a in 1989 to 12.76 a in 2016), each
cohort gets its own survival function: column *c* of the survival matrix is
:math:`1 - F_c(t - c + 1 - \\delta)` (Pauliuk & Heeren 2020, ODYM's dynamic stock model, in which
the lifetime parameters are given per cohort; Müller 2006, doi:10.1016/j.ecolecon.2005.09.025).

What leaves the register is a **deregistration**, not an end-of-life product: a car deregistered
in Japan may be scrapped at home or exported used (Fuse, Kosaka & Kashima 2009, who count about
1.11 million used passenger cars exported from Japan in 2005). :func:`split_deregistrations`
splits the outflow by an export share.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from ..boundary import check_option, fraction
from ..errors import DataError, LabelError
from .dynamic import StockResult, _read_by_year, _result
from .lifetime import INFLOW_AT, as_distribution

__all__ = ["cohort_survival_matrix", "inflow_driven_by_cohort", "mean_age_of_outflow",
           "split_deregistrations", "stock_driven_by_cohort"]


def cohort_survival_matrix(lifetimes: Sequence[Any], *, inflow_at: str = "middle") -> np.ndarray:
    """Share of each cohort still in use at the end of each year, one lifetime per cohort.

    .. math:: S_{t,c} = 1 - F_c\\left((t - c) + 1 - \\delta\\right), \\quad t \\ge c

    with :math:`F_c` the lifetime distribution of cohort *c* and :math:`\\delta` the point in
    its year at which a cohort enters use (0 start, 0.5 middle, 1 end), as in
    :func:`~resourcekit.stocks.survival_matrix` (Pauliuk & Heeren 2020,
    doi:10.1111/jiec.12952), which is the special case of one lifetime for all cohorts.

    Parameters
    ----------
    lifetimes : sequence of Lifetime or scipy.stats frozen distributions
        One per cohort, in the order of the years. [a]
    inflow_at : {"middle", "start", "end"}

    Returns
    -------
    numpy.ndarray
        (n, n), lower triangular: row = year, column = cohort. [-]

    >>> from resourcekit.stocks import Lifetime
    >>> S = cohort_survival_matrix([Lifetime("fixed", mean=1), Lifetime("fixed", mean=3)])
    >>> S.tolist()
    [[1.0, 0.0], [0.0, 1.0]]
    """
    offset = INFLOW_AT[check_option(inflow_at, "inflow_at", INFLOW_AT)]
    if isinstance(lifetimes, pd.Series):
        lifetimes = list(lifetimes.to_numpy())
    if isinstance(lifetimes, str | bytes) or not isinstance(lifetimes, Sequence) or not lifetimes:
        raise DataError(f"lifetimes = {lifetimes!r}: give one lifetime per cohort (a list or "
                        "Series of Lifetime objects or scipy.stats frozen distributions)")
    n = len(lifetimes)
    S = np.zeros((n, n))
    for c, lifetime in enumerate(lifetimes):
        ages = np.arange(n - c, dtype=float) + 1.0 - offset
        S[c:, c] = np.asarray(as_distribution(lifetime).sf(ages), dtype=float)
    return S


def inflow_driven_by_cohort(inflow: pd.Series, lifetimes: Sequence[Any] | pd.Series, *,
                            unit: str | None = None, inflow_at: str = "middle") -> StockResult:
    """Inflow-driven stock model whose lifetime distribution changes by cohort.

    .. math::

        s_t = \\sum_{c \\le t} I_c\\, S_{t,c}, \\qquad O_t = I_t - (s_t - s_{t-1})

    with :math:`S` from :func:`cohort_survival_matrix` (Müller 2006; Pauliuk & Heeren 2020).

    Parameters
    ----------
    inflow : pandas.Series
        Products entering use each year, indexed by consecutive years. [unit/a]
    lifetimes : pandas.Series or sequence
        One lifetime per cohort; a Series must have the inflow's years as its index. [a]
    unit : str, optional
        ``"piece"`` (default), ``"vehicle"``, ``"t"`` ...
    inflow_at : {"middle", "start", "end"}

    Returns
    -------
    StockResult
        ``lifetime`` holds the Series of lifetimes by cohort.

    >>> import pandas as pd
    >>> from resourcekit.stocks import Lifetime
    >>> years = range(2000, 2004)
    >>> life = pd.Series([Lifetime("fixed", mean=1), Lifetime("fixed", mean=3),
    ...                   Lifetime("fixed", mean=3), Lifetime("fixed", mean=3)], index=years)
    >>> r = inflow_driven_by_cohort(pd.Series(10.0, index=years), life)
    >>> r.stock.tolist(), r.outflow.tolist()
    ([10.0, 10.0, 20.0, 30.0], [0.0, 10.0, 0.0, 0.0])
    """
    inflow, values, unit = _read_by_year(inflow, "inflow", unit)
    lifetimes = _lifetimes_by_year(lifetimes, inflow.index, len(values))
    S = cohort_survival_matrix(list(lifetimes.to_numpy()), inflow_at=inflow_at)
    first = _result(inflow.index, values, S * values[np.newaxis, :], lifetimes.iloc[0], unit)
    return replace(first, lifetime=lifetimes)


def _lifetimes_by_year(lifetimes: Any, index: pd.Index, n: int) -> pd.Series:
    """One lifetime per year of ``index``, as a Series indexed by cohort."""
    if isinstance(lifetimes, pd.Series):
        if not lifetimes.index.equals(index):
            raise LabelError(f"lifetimes are given for cohorts {list(lifetimes.index[:2])}..."
                             f"{list(lifetimes.index[-1:])}, the series for years "
                             f"{list(index[:2])}...{list(index[-1:])}: give one lifetime per "
                             "year")
        return pd.Series(lifetimes.to_numpy(), index=pd.Index(index, name="cohort"))
    if isinstance(lifetimes, Sequence) and not isinstance(lifetimes, str | bytes):
        if len(lifetimes) != n:
            raise DataError(f"{len(lifetimes)} lifetimes for {n} years: give one lifetime per "
                            "cohort")
        return pd.Series(list(lifetimes), index=pd.Index(index, name="cohort"))
    raise DataError(f"lifetimes = {lifetimes!r}: give a Series (index: the years) or a list of "
                    "lifetimes, one per cohort")


def stock_driven_by_cohort(stock: pd.Series, lifetimes: Sequence[Any] | pd.Series, *,
                           unit: str | None = None, inflow_at: str = "middle") -> StockResult:
    """Inflow and outflow that keep a given stock, with a lifetime per cohort (stock-driven).

    Solves :math:`\\sum_{c \\le t} S_{t,c} I_c = s_t` for :math:`I` year by year,
    :math:`I_t = (s_t - \\sum_{c<t} S_{t,c} I_c) / S_{t,t}` (Müller 2006; Pauliuk & Heeren
    2020), with :math:`S` from :func:`cohort_survival_matrix`. As in
    :func:`~resourcekit.stocks.stock_driven`, the first year's stock is taken as entering use in
    that year, and a negative inflow is returned (and warned about) where the stock falls faster
    than products leave.

    >>> import pandas as pd
    >>> from resourcekit.stocks import Lifetime
    >>> r = stock_driven_by_cohort(pd.Series([10.0, 10.0, 20.0]),
    ...                            [Lifetime("fixed", mean=1)] + 2 * [Lifetime("fixed", mean=3)])
    >>> r.inflow.tolist()
    [10.0, 10.0, 10.0]
    """
    import warnings

    from scipy.linalg import solve_triangular

    from ..errors import ResourcekitWarning

    stock, target, unit = _read_by_year(stock, "stock", unit)
    lifetimes = _lifetimes_by_year(lifetimes, stock.index, len(target))
    S = cohort_survival_matrix(list(lifetimes.to_numpy()), inflow_at=inflow_at)
    if np.any(np.diag(S) <= 0):
        raise DataError("a lifetime removes its cohort within its first year: the stock cannot "
                        "be kept; use lifetimes longer than one year")
    inflow = solve_triangular(S, target, lower=True)
    if (inflow < -1e-9 * max(1.0, float(np.abs(target).max()))).any():
        warnings.warn(f"stock falls faster than products leave use in "
                      f"{list(stock.index[inflow < 0][:5])}: negative inflows there",
                      ResourcekitWarning, stacklevel=2)
    first = _result(stock.index, inflow, S * inflow[np.newaxis, :], lifetimes.iloc[0], unit)
    return replace(first, lifetime=lifetimes)


def mean_age_of_outflow(result: StockResult, *, inflow_at: str = "middle") -> pd.Series:
    """Mean age of the products that leave use in each year (AIRIA's "average years of use").

    .. math:: \\bar a_t = \\frac{\\sum_c O_{t,c}\\,(t - c + \\tfrac12 - \\delta)}{\\sum_c O_{t,c}}

    AIRIA (自動車検査登録情報協会, わが国の自動車保有動向) computes its average years of use
    from each registration cohort's fall over one year, so it is this period mean, not the
    mean lifetime of a cohort. A product is taken to leave in the middle of its year of leaving
    and to have entered at :math:`c + \\delta` (:math:`\\delta` = 0.5 for mid-year entry).

    Returns
    -------
    pandas.Series
        By year. [a]; NaN where nothing leaves.

    >>> import pandas as pd
    >>> from resourcekit.stocks import Lifetime, inflow_driven
    >>> r = inflow_driven(pd.Series(5.0, index=range(2000, 2012)), Lifetime("fixed", mean=4))
    >>> float(mean_age_of_outflow(r)[2011])        # a fixed lifetime: every car leaves at age 4
    4.0
    """
    offset = INFLOW_AT[check_option(inflow_at, "inflow_at", INFLOW_AT)]
    out = result.outflow_by_cohort
    age = np.subtract.outer(out.index.to_numpy(), out.columns.to_numpy()).astype(float)
    age = age + 0.5 - offset  # from entry (c + offset) to the middle of the year of leaving
    weights = out.to_numpy()
    total = weights.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(total > 0, (weights * age).sum(axis=1) / np.where(total > 0, total, 1),
                        np.nan)
    return pd.Series(mean, index=out.index, name="mean_age_of_outflow")


def split_deregistrations(deregistrations: pd.Series, export_share: Any) -> pd.DataFrame:
    """Split deregistrations into used exports and domestic end of life.

    .. math:: E_t = x_t\\, D_t, \\qquad O^{dom}_t = (1 - x_t)\\, D_t

    with :math:`D_t` the products leaving the domestic stock in year *t* (for cars: the
    deregistrations that AIRIA's fleet statistics count, exports included) and :math:`x_t` the
    share exported used. Fuse, Kosaka & Kashima (2009, *J. Mater. Cycles Waste Manag.* 11,
    348-357) count about 1.11 million used passenger cars exported from Japan in 2005, about a
    quarter of its deregistrations.

    Parameters
    ----------
    deregistrations : pandas.Series
        Products leaving the stock, by year. [piece/a]
    export_share : float or pandas.Series by year
        Share of them exported used, in [0, 1]. [-]

    Returns
    -------
    pandas.DataFrame
        Columns ``deregistrations``, ``used_export``, ``domestic_end_of_life``.

    >>> import pandas as pd
    >>> split_deregistrations(pd.Series([4.0e6], index=[2005]), 0.25).loc[2005].tolist()
    [4000000.0, 1000000.0, 3000000.0]
    """
    if not isinstance(deregistrations, pd.Series):
        raise DataError("deregistrations must be a pandas Series by year (e.g. result.outflow)")
    if isinstance(export_share, pd.Series) and not export_share.index.equals(
            deregistrations.index):
        raise LabelError("export_share is a Series whose years differ from the deregistrations': "
                         f"{list(export_share.index[:3])}... vs "
                         f"{list(deregistrations.index[:3])}...")
    share = fraction(export_share, "export_share")
    exported = deregistrations.to_numpy(dtype=float) * share
    return pd.DataFrame({"deregistrations": deregistrations.to_numpy(dtype=float),
                         "used_export": exported,
                         "domestic_end_of_life": deregistrations.to_numpy(dtype=float) - exported},
                        index=deregistrations.index)
