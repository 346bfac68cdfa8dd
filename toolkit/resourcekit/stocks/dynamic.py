"""Dynamic stock models: inflow-driven and stock-driven, by age cohort.

Why not flodym itself (evaluated, 1.1.0): its survival matrix is the one used here (a test checks
ours against flodym's ``InflowDrivenDSM`` to 1e-12), but its lifetime models are a closed set of
pydantic classes that do not take a scipy.stats distribution, its arrays need a dimension set
per call, and it brings matplotlib, pydantic, openpyxl and pickle4 to every user. The model
itself is a lower-triangular matrix product and solve (below), so the toolkit keeps it and uses
flodym as the independent oracle of its tests.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..boundary import amount
from ..errors import DataError, LabelError, ResourcekitWarning, UnitError
from .lifetime import as_distribution, survival_matrix

__all__ = ["StockResult", "inflow_driven", "stock_driven"]


@dataclass(frozen=True)
class StockResult:
    """Stocks and flows of a dynamic stock model, by year (and by cohort).

    Attributes
    ----------
    inflow, stock, outflow : pandas.Series
        By year: products entering use in the year, in use at its end, leaving use in it (end of
        life). [unit]
    stock_by_cohort, outflow_by_cohort : pandas.DataFrame
        Rows: year; columns: cohort (year of entry). [unit]
    lifetime : Any
        The lifetime distribution used.
    unit : str
        Unit of every value (``"piece"``, ``"t"`` ...).
    """

    inflow: pd.Series
    stock: pd.Series
    outflow: pd.Series
    stock_by_cohort: pd.DataFrame
    outflow_by_cohort: pd.DataFrame
    lifetime: Any
    unit: str

    @property
    def stock_change(self) -> pd.Series:
        """Change of stock in each year (the first year's from zero). [unit]"""
        return self.stock.diff().fillna(self.stock.iloc[0]).rename("stock_change")

    def balance(self) -> pd.Series:
        """inflow - outflow - stock change per year: zero up to rounding. [unit]"""
        return (self.inflow - self.outflow - self.stock_change).rename("imbalance")

    def table(self) -> pd.DataFrame:
        """inflow, outflow, stock and stock change by year."""
        return pd.DataFrame({"inflow": self.inflow, "outflow": self.outflow,
                             "stock": self.stock, "stock_change": self.stock_change})

    def chart(self, title: str = "") -> Any:
        """An altair chart of inflow, outflow and stock over the years."""
        import altair as alt

        long = self.table().reset_index(names="year").melt(
            id_vars="year", value_vars=["inflow", "outflow", "stock"], var_name="series")
        flows = alt.Chart(long[long.series != "stock"]).mark_line().encode(
            x=alt.X("year:Q", axis=alt.Axis(format="d")),
            y=alt.Y("value:Q", title=f"flow [{self.unit}/a]"),
            color="series:N")
        stock = alt.Chart(long[long.series == "stock"]).mark_area(opacity=0.25).encode(
            x="year:Q", y=alt.Y("value:Q", title=f"stock [{self.unit}]"))
        return alt.layer(stock, flows).resolve_scale(y="independent").properties(
            title=title, width=520, height=260)


def _years(series: Any, name: str) -> pd.Series:
    """A Series by year: integer years, increasing, without gaps or repeats."""
    if not isinstance(series, pd.Series):
        raise DataError(f"{name} must be a pandas Series indexed by year (int), e.g. "
                        "pd.Series([...], index=range(2000, 2021))")
    index = series.index
    try:
        years = np.asarray(index, dtype=float)
    except (TypeError, ValueError):
        raise LabelError(f"{name} has labels {list(index[:3])}...: index it by year") from None
    if len(years) == 0:
        raise DataError(f"{name} is empty: give at least one year")
    if np.any(years != np.round(years)):
        odd = years[years != np.round(years)][:3].tolist()
        raise LabelError(f"{name}: years must be whole numbers, got {odd}")
    steps = np.diff(years)
    if np.any(steps <= 0):
        i = int(np.argmax(steps <= 0))
        raise LabelError(f"{name}: years out of order or repeated at {index[i]} -> {index[i + 1]}: "
                         "sort the Series by year (series.sort_index())")
    if np.any(steps != 1):
        i = int(np.argmax(steps != 1))
        raise LabelError(f"{name}: years {index[i]} -> {index[i + 1]} leave a gap: give every "
                         "year (fill missing years, e.g. by interpolation, and say so)")
    return series


def inflow_driven(inflow: pd.Series, lifetime: Any, *, unit: str | None = None,
                  inflow_at: str = "middle") -> StockResult:
    """Stock and end-of-life outflow from the inflow and the lifetime (inflow-driven model).

    .. math::

        s_{t,c} = I_c \\, S_{t,c}, \\qquad s_t = \\sum_{c \\le t} s_{t,c}, \\qquad
        O_t = I_t - (s_t - s_{t-1})

    with :math:`S` from :func:`~resourcekit.stocks.survival_matrix` (Müller 2006,
    doi:10.1016/j.ecolecon.2005.09.025; Pauliuk & Heeren 2020, ODYM, doi:10.1111/jiec.12952).

    Parameters
    ----------
    inflow : pandas.Series
        Products (or mass) entering use each year, indexed by consecutive years, in ``unit``.
        [unit/a]
    lifetime : Lifetime or scipy.stats frozen distribution
        Lifetime in years.
    unit : str, optional
        Unit of the inflow (``"piece"`` by default, or ``"t"``, ``"kg"``).
    inflow_at : {"middle", "start", "end"}
        When in its year a cohort enters use.

    Returns
    -------
    StockResult

    >>> import pandas as pd
    >>> from resourcekit.stocks import Lifetime, inflow_driven
    >>> r = inflow_driven(pd.Series(100.0, index=range(2000, 2030)), Lifetime("fixed", mean=10))
    >>> float(r.stock[2029]), float(r.outflow[2029])
    (1000.0, 100.0)
    """
    inflow, values, unit = _read_by_year(inflow, "inflow", unit)
    S = survival_matrix(lifetime, len(values), inflow_at=inflow_at)
    by_cohort = S * values[np.newaxis, :]
    return _result(inflow.index, values, by_cohort, lifetime, unit)


def stock_driven(stock: pd.Series, lifetime: Any, *, unit: str | None = None,
                 inflow_at: str = "middle") -> StockResult:
    """Inflow and end-of-life outflow that keep a given stock in use (stock-driven model).

    Solves the lower-triangular system :math:`\\sum_{c \\le t} S_{t,c} I_c = s_t` year by year:

    .. math:: I_t = \\left(s_t - \\sum_{c < t} S_{t,c} I_c\\right) / S_{t,t}

    The stock of the first year is taken as entering use in that year (no older cohorts): start
    the series some lifetimes before the years you read. A stock that falls faster than products
    leave gives a negative inflow, which is returned and warned about (Pauliuk & Heeren 2020).

    Parameters
    ----------
    stock : pandas.Series
        Products (or mass) in use at the end of each year, indexed by consecutive years. [unit]
    lifetime : Lifetime or scipy.stats frozen distribution
    unit : str, optional
    inflow_at : {"middle", "start", "end"}

    Returns
    -------
    StockResult

    >>> import pandas as pd
    >>> from resourcekit.stocks import Lifetime, stock_driven
    >>> r = stock_driven(pd.Series(1000.0, index=range(2000, 2080)),
    ...                  Lifetime("normal", mean=10, sd=3))
    >>> round(float(r.inflow[2079]), 1), round(float(r.outflow[2079]), 1)  # stock / mean lifetime
    (100.0, 100.0)
    """
    stock, target, unit = _read_by_year(stock, "stock", unit)
    S = survival_matrix(lifetime, len(target), inflow_at=inflow_at)
    if np.any(np.diag(S) <= 0):
        raise DataError(f"lifetime {lifetime!r} removes a cohort within its first year: the "
                        "stock cannot be kept; use a lifetime longer than one year")
    from scipy.linalg import solve_triangular

    inflow = solve_triangular(S, target, lower=True)
    if (inflow < -1e-9 * max(1.0, float(np.abs(target).max()))).any():
        years = list(stock.index[inflow < 0][:5])
        warnings.warn(f"stock falls faster than products leave use in {years}: the model returns "
                      "negative inflows there", ResourcekitWarning, stacklevel=2)
    by_cohort = S * inflow[np.newaxis, :]
    return _result(stock.index, inflow, by_cohort, lifetime, unit)


def _read_by_year(series: Any, name: str, unit: str | None) -> tuple[pd.Series, np.ndarray, str]:
    """A Series by year through the boundary: consecutive years, pieces or a mass, no NaN."""
    series = _years(series, name)
    unit = _check_unit(unit or "piece")
    values = amount(series, name, unit=unit)
    if np.isnan(values).any():
        raise DataError(f"{name} has NaN in {list(series.index[np.isnan(values)][:5])}: a stock "
                        f"model needs every year's {name} (fill or model the gap and say so)")
    return series, values, unit


def _check_unit(unit: str) -> str:
    """The unit of a stock: pieces or a mass (a length, a speed or a percentage is refused)."""
    from ..boundary import parse_unit
    from ..units import registry

    dims = str(registry().Quantity(1, parse_unit(unit)).dimensionality)
    if dims not in ("[item]", "[mass]"):
        raise UnitError(f"unit={unit!r} ({dims}): a stock is counted in pieces ('piece', "
                        "'vehicle') or weighed ('t', 'kg', 'kt')")
    return unit


def _result(index: pd.Index, inflow: np.ndarray, by_cohort: np.ndarray, lifetime: Any,
            unit: str) -> StockResult:
    as_distribution(lifetime)  # validated before; keeps the object the caller passed
    stock = by_cohort.sum(axis=1)
    previous = np.vstack([np.zeros((1, by_cohort.shape[1])), by_cohort[:-1]])
    entering = np.diag(inflow)
    out_by_cohort = previous + entering - by_cohort
    years = pd.Index(index, name="year")
    cohorts = pd.Index(index, name="cohort")
    return StockResult(
        inflow=pd.Series(inflow, index=years, name="inflow"),
        stock=pd.Series(stock, index=years, name="stock"),
        outflow=pd.Series(out_by_cohort.sum(axis=1), index=years, name="outflow"),
        stock_by_cohort=pd.DataFrame(by_cohort, index=years, columns=cohorts),
        outflow_by_cohort=pd.DataFrame(out_by_cohort, index=years, columns=cohorts),
        lifetime=lifetime,
        unit=unit,
    )
