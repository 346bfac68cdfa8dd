"""From end-of-life products to secondary raw materials: contents, collection, recovery, grades.

The chain, per metal and year (UNEP 2011, *Recycling Rates of Metals*, Graedel et al., Fig. 1
and the definition of the end-of-life recycling rate):

.. math::

    M^{EoL}_t = \\sum_c O_{t,c}\\, w_c, \\quad
    M^{coll}_t = \\rho_t M^{EoL}_t, \\quad
    M^{sec}_t = R\\, M^{coll}_t, \\quad
    \\mathrm{EoL\\text{-}RR} = \\frac{\\sum_t M^{sec}_t [\\text{functional}]}{\\sum_t M^{EoL}_t}

with :math:`O_{t,c}` the products of cohort *c* leaving use in year *t*, :math:`w_c` the metal
content per product of that cohort, :math:`\\rho` the collection rate and :math:`R` the recovery
of sorting and refining. Only routes graded UG or 1G (the SURE consortium's recycling grades,
:func:`resourcekit.separation.recycling_grades`) count as functional recycling, so as resource
circulation; 2G-4G are absorption into society and are reported apart.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..boundary import amount, check_option, fraction, number
from ..errors import DataError, LabelError, ResourcekitWarning
from .dynamic import StockResult, inflow_driven
from .lifetime import Lifetime

__all__ = ["SupplyResult", "secondary_supply", "supply_band", "FUNCTIONAL_GRADES"]

FUNCTIONAL_GRADES = ("UG", "1G")  # resource circulation in the SURE brochure; 2G-4G: absorption


@dataclass(frozen=True)
class SupplyResult:
    """Secondary supply of metals from end-of-life products, by year.

    Attributes
    ----------
    eol : DataFrame
        Metal in end-of-life products (year x metal). [t]
    collected, recovered : DataFrame
        Metal collected, and recovered by sorting and refining (the secondary supply). [t]
    losses : DataFrame
        Columns (metal, stage) with stage "not collected" and "sorting and refining". [t]
    grade : Series
        Recycling grade of each metal's route (UG ... 4G), or empty.
    """

    eol: pd.DataFrame
    collected: pd.DataFrame
    recovered: pd.DataFrame
    losses: pd.DataFrame
    grade: pd.Series

    @property
    def functional(self) -> pd.DataFrame:
        """Secondary supply that is functional recycling (routes graded UG or 1G). [t]"""
        keep = [m for m in self.recovered.columns
                if self.grade.empty or self.grade.get(m) in FUNCTIONAL_GRADES]
        return self.recovered[keep]

    def eol_recycling_rate(self) -> pd.Series:
        """End-of-life recycling rate per metal over all years (functional recycling only). [-]

        .. math:: \\mathrm{EoL\\text{-}RR} = \\sum_t M^{sec}_t / \\sum_t M^{EoL}_t

        (UNEP 2011, Graedel et al., *Recycling Rates of Metals*, p. 22); a metal whose route is
        graded 2G-4G has 0 (its recovery is non-functional).
        """
        total = self.eol.sum(skipna=False)  # a NaN anywhere makes the rate unknown, never 0
        functional = self.functional.reindex(columns=self.eol.columns, fill_value=0.0)
        functional = functional.sum(skipna=False)
        return (functional / total.where(total > 0)).rename("eol_recycling_rate")

    def table(self, year: int) -> pd.DataFrame:
        """One year's chain per metal: in EoL products, collected, recovered, losses. [t]"""
        if year not in self.eol.index:
            raise LabelError(f"year {year!r} is not modelled: years are the integers "
                             f"{self.eol.index[0]}-{self.eol.index[-1]}")
        return pd.DataFrame({
            "eol": self.eol.loc[year], "collected": self.collected.loc[year],
            "recovered": self.recovered.loc[year],
            "lost_not_collected": self.losses.xs("not collected", axis=1, level=1).loc[year],
            "lost_in_processing": self.losses.xs("sorting and refining", axis=1,
                                                 level=1).loc[year],
        })

    def sankey(self, year: int, *, title: str | None = None) -> Any:
        """A plotly Sankey of one year: EoL products -> collected -> recovered per grade."""
        import plotly.graph_objects as go

        tab = self.table(year)
        labels = ["end-of-life products", "collected", "not collected (export, hoarding, bin)",
                  "lost in sorting and refining"]
        source, target, value, link_label = [], [], [], []

        def node(name: str) -> int:
            if name not in labels:
                labels.append(name)
            return labels.index(name)

        for metal, row in tab.iterrows():
            grade = self.grade.get(metal, "")
            out = node(f"secondary {metal}" + (f" ({grade})" if grade else ""))
            for s, t, v in [(0, 1, row.collected), (0, 2, row.lost_not_collected),
                            (1, 3, row.lost_in_processing), (1, out, row.recovered)]:
                source.append(s)
                target.append(t)
                value.append(max(float(v), 0.0))  # round-off never drawn as a negative flow
                link_label.append(str(metal))
        fig = go.Figure(go.Sankey(
            node={"label": labels, "pad": 14},
            link={"source": source, "target": target, "value": value, "label": link_label}))
        fig.update_layout(title=title or f"Metals in end-of-life products, {year} [t]",
                          width=760, height=380)
        return fig

    def chart(self, title: str = "") -> Any:
        """Secondary supply per metal over the years (altair)."""
        import altair as alt

        long = self.recovered.reset_index(names="year").melt(
            id_vars="year", var_name="metal", value_name="t")
        return alt.Chart(long).mark_line().encode(
            x=alt.X("year:Q", axis=alt.Axis(format="d")),
            y=alt.Y("t:Q", title="secondary supply [t/a]"),
            color="metal:N").properties(title=title, width=520, height=260)


def _per_metal(values: Mapping[str, Any] | pd.Series, name: str) -> dict[str, Any]:
    if isinstance(values, pd.Series):  # e.g. a column of massbalance.recoveries(...)
        if values.index.has_duplicates:
            dup = list(values.index[values.index.duplicated()])
            raise LabelError(f"{name} has duplicate metals {dup}")
        values = values.to_dict()
    if not isinstance(values, Mapping) or not values:
        raise DataError(f"{name} must be a dict (or Series) metal -> value, e.g. {{'Cu': 23.0}}")
    return dict(values)


def _recovery_value(value: Any, name: str) -> float:
    # a separation result (or anything with .recovery), else a fraction or quantity
    value = getattr(value, "recovery", value)
    arr = fraction(value, name)
    if arr.ndim:
        raise DataError(f"{name} must be one number per metal, got {arr.size} values")
    return float(arr)


def secondary_supply(
    outflow: StockResult | pd.Series,
    content: Mapping[str, Any],
    *,
    collection_rate: Any,
    recovery: Mapping[str, Any],
    grade: Mapping[str, str] | None = None,
    content_unit: str = "kg/piece",
) -> SupplyResult:
    """Secondary supply of each metal from the end-of-life flow of a product.

    Parameters
    ----------
    outflow : StockResult or pandas.Series
        End-of-life products by year [piece/a]; a :class:`StockResult` lets the content vary by
        cohort (year of entry into use).
    content : dict metal -> float, Series by cohort year, or pint quantity
        Metal per product, in ``content_unit`` unless a quantity. [kg/piece]
    collection_rate : float or Series by year
        Share of end-of-life products that reach a recycler. [-]
    recovery : dict or Series metal -> float or a separation result
        Share of the collected metal recovered by sorting and refining: numbers, results of
        ``resourcekit.separation`` (their ``.recovery``), or the recoveries of one product of a
        reconciled balance, ``massbalance.recoveries(result).xs(product)["recovery"]``. Metals
        not in ``content`` are ignored. [-]
    grade : dict metal -> {"UG", "1G", "2G", "3G", "4G"}, optional
        Recycling grade of each metal's route; only UG and 1G count in the EoL recycling rate.
    content_unit : str
        Unit of plain content numbers.

    Returns
    -------
    SupplyResult
        Masses in t.

    >>> import pandas as pd
    >>> out = pd.Series([1000.0, 2000.0], index=[2030, 2031])   # vehicles/a
    >>> r = secondary_supply(out, {"Cu": 23.0}, collection_rate=0.8, recovery={"Cu": 0.9})
    >>> r.recovered["Cu"].round(3).tolist()                      # t/a: 1000 x 23 kg x 0.8 x 0.9
    [16.56, 33.12]
    """
    content = _per_metal(content, "content")
    recovery = _per_metal(recovery, "recovery")
    missing = sorted(set(content) - set(recovery))
    if missing:  # a recovery table may hold more components (mass, other metals) than needed
        raise LabelError(f"recovery has no value for {missing}: content names {sorted(content)}, "
                         f"recovery names {sorted(recovery)}")
    if isinstance(outflow, StockResult):
        by_cohort = outflow.outflow_by_cohort
        check_option(outflow.unit, "unit of the stock model", ["piece", "pcs", "vehicle"])
        years = by_cohort.index
    elif isinstance(outflow, pd.Series):
        by_cohort = None
        years = outflow.index
        eol_pieces = amount(outflow, "outflow", unit="piece")
    else:
        raise DataError("outflow must be a StockResult or a Series of end-of-life products by year")
    rate = fraction(collection_rate, "collection_rate")
    if isinstance(collection_rate, pd.Series) and not collection_rate.index.equals(years):
        raise LabelError("collection_rate is a Series whose years differ from the outflow's: "
                         f"{list(collection_rate.index[:3])}... vs {list(years[:3])}...")
    eol = {}
    for metal, value in content.items():
        per_piece = value
        if isinstance(value, pd.Series):
            if by_cohort is None:
                raise DataError(f"content of {metal} varies by cohort: pass the StockResult, "
                                "whose outflow is known by cohort")
            if not value.index.equals(by_cohort.columns):
                raise LabelError(f"content of {metal} is given for years {value.index[0]}-"
                                 f"{value.index[-1]}, the cohorts are {by_cohort.columns[0]}-"
                                 f"{by_cohort.columns[-1]}: give one value per cohort")
        w = amount(per_piece, f"content of {metal}", unit="kg/piece", units=(
            None if hasattr(per_piece, "units") else content_unit))
        if by_cohort is not None:
            kg = by_cohort.to_numpy() @ np.broadcast_to(w, (by_cohort.shape[1],))
        else:
            kg = eol_pieces * w
        eol[metal] = kg / 1000.0
    eol_df = pd.DataFrame(eol, index=pd.Index(years, name="year"))
    collected = eol_df.mul(np.broadcast_to(rate, (len(years),)), axis=0)
    rec = pd.Series({m: _recovery_value(recovery[m], f"recovery of {m}") for m in content})
    recovered = collected.mul(rec, axis=1)
    losses = pd.concat({"not collected": eol_df - collected,
                        "sorting and refining": collected - recovered}, axis=1)
    losses = losses.swaplevel(axis=1).sort_index(axis=1)
    grades = pd.Series(dtype=object)
    if grade is not None:
        from ..separation import GRADE_ORDER

        for metal, g in grade.items():
            if metal not in content:
                raise LabelError(f"grade names {metal!r}, which has no content")
            check_option(g, f"grade of {metal}", GRADE_ORDER)
        grades = pd.Series(dict(grade), dtype=object)
    return SupplyResult(eol=eol_df, collected=collected, recovered=recovered, losses=losses,
                        grade=grades)


def supply_band(
    inflow: pd.Series,
    lifetime: Lifetime,
    content: Mapping[str, Any],
    *,
    collection_rate: Any,
    recovery: Mapping[str, Any],
    lifetime_mean_sd: float,
    content_rsd: float | Mapping[str, float],
    n_samples: int = 400,
    seed: int = 0,
    quantiles: tuple[float, ...] = (0.05, 0.5, 0.95),
    content_unit: str = "kg/piece",
) -> pd.DataFrame:
    """A band on the secondary-supply curve from uncertain lifetimes and metal contents.

    Monte Carlo (JCGM 101:2008, propagation of distributions): the mean lifetime is drawn from a
    normal distribution (sd ``lifetime_mean_sd`` [a], other shape parameters kept) and each
    metal content is multiplied by a normal factor of mean 1 and sd ``content_rsd`` (a content
    given by cohort moves as a whole), both truncated at zero; each
    draw runs :func:`inflow_driven` and :func:`secondary_supply`.

    Returns
    -------
    DataFrame
        Index year; columns (metal, quantile). [t/a]

    >>> import pandas as pd
    >>> band = supply_band(pd.Series(1e5, index=range(2000, 2031)), Lifetime("normal", mean=12,
    ...                    sd=4), {"Cu": 23.0}, collection_rate=0.8, recovery={"Cu": 0.9},
    ...                    lifetime_mean_sd=1.5, content_rsd=0.2, n_samples=50)
    >>> bool((band[("Cu", 0.05)] <= band[("Cu", 0.95)]).all())
    True
    """
    if not isinstance(lifetime, Lifetime):
        raise DataError("supply_band needs a resourcekit.stocks.Lifetime (its mean is sampled)")
    lifetime_mean_sd = float(amount(lifetime_mean_sd, "lifetime_mean_sd", unit="year"))
    if np.isnan(lifetime_mean_sd):
        raise DataError("lifetime_mean_sd is NaN: give the standard deviation of the mean "
                        "lifetime in years (0 for none)")
    if isinstance(n_samples, bool) or not isinstance(n_samples, int | np.integer) or n_samples < 2:
        raise DataError(f"n_samples = {n_samples!r}: expected a whole number >= 2")
    q = np.asarray(quantiles, dtype=float)
    if q.ndim != 1 or not ((q > 0) & (q < 1)).all():
        raise DataError(f"quantiles = {quantiles!r}: expected probabilities in (0, 1), e.g. "
                        "(0.05, 0.5, 0.95)")
    rsd = content_rsd if isinstance(content_rsd, Mapping) else dict.fromkeys(content, content_rsd)
    missing = sorted(set(content) - set(rsd))
    if missing:
        raise LabelError(f"content_rsd has no value for {missing}")
    for metal in content:
        value = number(rsd[metal], f"content_rsd of {metal}", allow_nan=False)
        if value.ndim or not 0 <= float(value) < 1:
            raise DataError(f"content_rsd of {metal} = {rsd[metal]!r}: expected a relative "
                            "standard deviation in [0, 1), e.g. 0.2 for 20 %")
    rng = np.random.default_rng(seed)
    params = dict(lifetime.parameters)
    draws: dict[str, list[np.ndarray]] = {m: [] for m in content}
    for _ in range(n_samples):
        mean = max(rng.normal(lifetime.mean, lifetime_mean_sd), 0.1)
        if lifetime.kind == "weibull":
            p = {"shape": params["shape"], "mean": mean}
        else:
            p = {**params, "mean": mean}
        with warnings.catch_warnings():  # the caller's lifetime was checked when it was made
            warnings.simplefilter("ignore", ResourcekitWarning)
            result = inflow_driven(inflow, Lifetime(lifetime.kind, **p))
        # one relative error per metal and draw (a content by cohort moves as a whole)
        drawn = {m: v * max(rng.normal(1.0, rsd[m]), 0.0) for m, v in content.items()}
        supply = secondary_supply(result, drawn, collection_rate=collection_rate,
                                  recovery=recovery, content_unit=content_unit)
        for m in content:
            draws[m].append(supply.recovered[m].to_numpy())
    out = {}
    for m, rows in draws.items():
        q = np.quantile(np.vstack(rows), quantiles, axis=0)
        for qi, level in enumerate(quantiles):
            out[(m, level)] = q[qi]
    return pd.DataFrame(out, index=pd.Index(inflow.index, name="year"))
