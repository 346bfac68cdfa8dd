"""Cost against effect of advanced sorting: the technical wall and the rational limit.

The SURE consortium (*Strategic Urban mining REsearch base*, AIST; brochure 2026) frames
advanced sorting by its cost/effect ratio (C/E) against purity: as sorting advances, each unit
of effect costs more; near a *technical wall* (技術の壁) the cost turns steeply upward, and
beyond the *limit of rationality* (合理性の限界) more sorting costs more than the value it adds.
This module gives each phrase one definition that holds for every price:

1. **Liberation** sets the outer bound. The feed is a set of particle classes of known grade
   (a liberation analysis). No sorter that acts on whole particles beats the ideal separation
   curve; read at the plant's recovery floor it gives the ``liberation_limit``.
2. **A real sorter is imperfect.** One stage sends a particle of grade g to its concentrate
   with probability :math:`s(g) = 1/(1 + e^{-x})`, :math:`x = \\ln 3\\,(g - g_{50})/E_p`, a
   logistic partition curve on particle grade (Napier-Munn 1991).
3. **Stages sharpen the cut.** n stages in a counter-current cleaning cascade (each cleaner
   tailing returns to the stage before) move a particle up with odds :math:`e^{x}`: a
   gambler's-ruin walk (Feller 1968, ch. XIV). Its recovery is
   :math:`R_n = (1 - e^{-x})/(1 - e^{-(n+1)x})`, and as :math:`n \\to \\infty`
   :math:`R_\\infty = \\max(0, 1 - e^{-x})`: even infinitely many stages keep only part of a
   class just above the cut, and everything below it is rejected.
4. **The technical wall** is the purity the infinite cascade reaches at the recovery floor:
   a property of the feed's liberation and the sorter's :math:`E_p` only (no price, no
   cost). Finite cascades approach it geometrically (:math:`|R_n - R_\\infty| \\propto
   e^{-n|x|}`), so the stages, and the stage passes, needed for purity p grow like
   :math:`\\ln(1/(W - p))`: the effort per point of purity, :math:`dn/dp \\propto 1/(W - p)`,
   diverges at the wall. It never exceeds the liberation limit (every cascade's product is
   a partial take of the classes, which the ideal curve bounds).
5. **The rational limit** is the purity of the most profitable design (n stages, cut
   :math:`g_{50}`, recovery at least the floor): the marginal reading of the brochure (one
   more point of purity would cost more than it adds). The **break-even purity** is the
   highest purity at which a design still pays for itself, C/E = 1: the average reading
   (beyond it sorting costs more than the whole product is worth). Prices and costs move both;
   they never move the wall, and both lie below it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from resourcekit.errors import DataError, LabelError

from . import _kind
from ._cost_model import (
    _ideal_purity_at,
    _ideal_recovery_at,
    _Model,
    _profit_bounds,  # noqa: F401 - tests read the search bound here
    _root_on_side,
    _search,
    _wall,
)
from .cascade import LN3, _tiers, countercurrent_cascade, tier_price  # noqa: F401

__all__ = ["CostEffectResult", "cost_effect", "countercurrent_cascade", "tier_price"]


@dataclass(frozen=True)
class CostEffectResult:
    """The technical wall, the rational limit and the C/E curve of sorting a liberated feed.

    Attributes
    ----------
    technical_wall : float
        Purity of the infinite counter-current cascade at the recovery floor: what the
        sorter's sharpness (``sorter_ep``) and the feed's liberation allow, whatever the
        prices. Finite cascades approach it, never reach it; the stages needed diverge there.
        [mass fraction]
    rational_limit : float
        Purity of the most profitable design (stages, cut) with recovery >= the floor: one
        more point of purity costs more than it adds (marginal reading). NaN where no design
        pays (every profit < 0): then not sorting is the rational choice. [mass fraction]
    breakeven_purity : float
        Highest purity at which a design still pays for itself, C/E = cost/value = 1
        (average reading); NaN where no design pays. [mass fraction]
    liberation_limit : float
        Highest purity of the ideal separation curve with recovery >= the floor (a class may
        be taken in part). [mass fraction]
    limit_design : Series
        The design at the rational limit (where nothing pays, the one of least loss):
        ``n_stages``, ``cut``, ``purity``, ``recovery``, ``mass_yield``, ``stage_passes``,
        ``value``, ``cost``, ``profit``, ``ce``.
    table : DataFrame
        For display: index ``target`` (purities from the feed grade towards the wall); the most
        profitable design on the coarse grid with purity >= target and its ``ce`` (cost/value)
        and ``liberation_recovery`` (the ideal curve's recovery at the target).
    designs : DataFrame
        Every coarse-grid design evaluated (recovery >= the floor).
    stages_searched : int
        The largest stage count examined (the search stops once the cost of more stages
        alone exceeds any value they could add).
    """

    technical_wall: float
    rational_limit: float
    breakeven_purity: float
    liberation_limit: float
    limit_design: pd.Series
    table: pd.DataFrame = field(repr=False)
    designs: pd.DataFrame = field(repr=False)
    stages_searched: int = 0
    wall_cut: float = np.nan
    _model: Any = field(default=None, repr=False)

    def summary(self) -> pd.Series:
        """The wall, the limits and the design at the rational limit."""
        d = self.limit_design
        return pd.Series({
            "technical_wall": self.technical_wall,
            "rational_limit": self.rational_limit,
            "breakeven_purity": self.breakeven_purity,
            "liberation_limit": self.liberation_limit,
            "recovery_at_limit": float(d["recovery"]),
            "n_stages_at_limit": int(d["n_stages"]),
            "cut_at_limit": float(d["cut"]),
            "profit_at_limit": float(d["profit"]),
        })

    def design_at(self, purity: float) -> pd.Series:
        """Cheapest design (stages, cut) that reaches ``purity`` with recovery >= the floor.

        Raises :class:`~resourcekit.errors.DataError` for a purity at or above the technical
        wall (no number of stages reaches it) or above the liberation limit.

        Parameters
        ----------
        purity : float
            Purity asked for. [mass fraction]
        """
        p = _kind.one(_kind.fraction(purity, "purity"), "purity")
        if not np.isfinite(p):
            raise DataError(f"purity = {purity!r} must be a number in [0, 1]")
        if p > self.liberation_limit:
            raise DataError(f"purity = {p!r} lies above what liberation allows at this "
                            f"recovery floor ({self.liberation_limit:.4f}, the liberation "
                            "limit): no sorter of whole particles reaches it")
        if p >= self.technical_wall:
            raise DataError(f"purity = {p!r} lies at or above the technical wall "
                            f"({self.technical_wall:.4f}): this sorter needs infinitely many "
                            "stages to approach it; a sharper sorter (smaller sorter_ep) or "
                            "better liberation moves the wall")
        return _cheapest(self._model, p, self.stages_searched)

    def chart(self) -> Any:
        """Altair chart: C/E against purity (log scale) with the wall, the rational limit,
        the break-even purity and the liberation limit marked; value, cost, profit below."""
        import altair as alt

        t = self.table.reset_index()
        t = t[np.isfinite(t["ce"]) & (t["ce"] > 0)]
        marks = pd.DataFrame({
            "purity": [self.technical_wall, self.rational_limit, self.breakeven_purity,
                       self.liberation_limit],
            "mark": ["technical wall", "rational limit", "C/E = 1", "liberation limit"]}
        ).dropna()
        x = alt.X("purity:Q", title="purity of the product [mass fraction]",
                  scale=alt.Scale(zero=False))
        ce = alt.Chart(t).mark_line(point=True).encode(
            x=x, y=alt.Y("ce:Q", title="C/E (cost per unit of value)",
                         scale=alt.Scale(type="log")),
            tooltip=["purity", "recovery", "n_stages", "cut", "cost", "value", "ce"])
        rules = alt.Chart(marks).mark_rule(strokeDash=[4, 3]).encode(
            x="purity:Q", color=alt.Color("mark:N", title=None), tooltip=["mark", "purity"])
        long = t.melt(id_vars="purity", value_vars=["value", "cost", "profit"],
                      var_name="quantity", value_name="amount")
        money = alt.Chart(long).mark_line().encode(
            x=x, y=alt.Y("amount:Q", title="per tonne of feed"),
            color=alt.Color("quantity:N", title=None))
        return alt.vconcat((ce + rules).properties(width=420, height=220),
                           (money + rules).properties(width=420, height=180)
                           ).resolve_scale(color="independent")


def _design_row(model: _Model, n: int, cut: float) -> pd.Series:
    fl = model.flows(cut, n)
    mo = model.money(fl, n)
    row = {"n_stages": int(n), "cut": float(cut),
           **{k: float(v[0]) for k, v in fl.items()}, **{k: float(v[0]) for k, v in mo.items()}}
    row["ce"] = row["cost"] / row["value"] if row["value"] > 0 else np.inf
    return pd.Series(row)


def _cheapest(model: _Model, target: float, max_n: int) -> pd.Series:
    """Least cost over n and cut with purity >= target and recovery >= the floor: per n the
    cut range [purity = target, recovery = floor] by brentq, then bounded Brent on cost."""
    from scipy.optimize import minimize_scalar

    best: tuple[float, int, float] | None = None
    lo = model.cut_span()[0]
    for n in range(1, max(max_n, 1) + 1):
        if best is not None and model.cost_slope() * n > best[0]:
            break
        hi = model.floor_cut(n)
        pur = lambda c, n=n: model.purity_at(c, n) - target  # noqa: E731
        if not hi > lo or pur(hi) < 0:
            continue
        a = lo if pur(lo) >= 0 else _root_on_side(pur, lo, hi, toward=hi)
        cost = lambda c, n=n: float(  # noqa: E731
            model.money(model.flows(c, n), n)["cost"][0])
        res = minimize_scalar(cost, bounds=(a, hi), method="bounded",
                              options={"xatol": 1e-11})
        c_best, x_best = min((cost(a), a), (float(res.fun), float(res.x)))
        if best is None or c_best < best[0]:
            best = (c_best, n, x_best)
    if best is None:
        raise DataError(f"purity = {target!r}: no design with up to {max_n} stages reaches it "
                        "at the recovery floor; raise max_stages")
    return _design_row(model, best[1], best[2])


def cost_effect(
    classes: pd.DataFrame,
    *,
    price_tiers: Sequence[tuple[float, float]],
    cost_per_tonne: float,
    cost_per_stage: float = 0.0,
    penalty: float = 0.0,
    mass: str = "mass",
    grade: str = "grade",
    sorter_ep: float = 0.1,
    min_recovery: float = 0.5,
    max_stages: int | None = None,
    n_cuts: int = 64,
    n_targets: int = 40,
) -> CostEffectResult:
    r"""Cost against effect of sorting a liberated feed: SURE's technical wall and limit.

    Parameters
    ----------
    classes : DataFrame
        Liberation classes: a mass and a grade column (e.g. dataset
        ``sep_ewaste_liberation_classes``); a unit in the grade column's name is read
        (``"grade [%]"``). [any mass unit; mass fraction]
    price_tiers : sequence of (threshold, price)
        Buyers' tiers by rising threshold, see :func:`tier_price`. [mass fraction,
        currency/t of contained metal]
    cost_per_tonne : float
        Cost of passing one tonne through one sorting stage. [currency/t]
    cost_per_stage : float
        Fixed cost of each stage per tonne of circuit feed. [currency/t]
    penalty : float
        Buyers' penalty per tonne of impurity in the product. [currency/t]
    mass, grade : str
        Column names in ``classes``.
    sorter_ep : float
        Ecart probable :math:`E_p` of one stage's partition on particle grade: the sensor's
        imprecision. [mass fraction]
    min_recovery : float
        Recovery floor: every design keeps at least this share of the metal; the wall and the
        liberation limit are read at it. A technical specification, not a price. [-]
    max_stages : int, optional
        Largest number of stages considered. None (default): stages are added until their
        cost alone exceeds any value they could add (so the answer does not depend on a cap);
        when sorting is so cheap that more than 200 stages could pay (both costs 0), the
        search stops at 200 (``stages_searched``).
    n_cuts : int
        Points of the coarse cut grid per stage count; the optimiser refines between them
        (the results change by < 0.001 purity when it is doubled, see the tests).
    n_targets : int
        Rows of the display ``table``.

    Returns
    -------
    CostEffectResult
        ``technical_wall``, ``rational_limit``, ``breakeven_purity``, ``liberation_limit``,
        ``limit_design``, ``table``, ``designs``, ``summary()``, ``design_at()``,
        ``chart()``.

    Notes
    -----
    **Cascade.** With class mass fractions :math:`w_i`, grades :math:`g_i` and the stage logit
    :math:`x_i = \ln 3\,(g_i - g_{50})/E_p` (so :math:`s_i = 1/(1 + e^{-x_i})`, the logistic
    partition curve), a particle in an n-stage counter-current cascade moves up with
    probability :math:`s_i` and down with :math:`1 - s_i`; first-step analysis of this
    gambler's-ruin walk (Feller 1968, XIV.2-3) gives

    .. math::

        R_i(n) = \frac{1 - e^{-x_i}}{1 - e^{-(n+1)x_i}},\qquad
        D_i(n) = \frac{(n+1) R_i - 1}{\tanh(x_i/2)},\qquad
        R_i(\infty) = \max(0,\ 1 - e^{-x_i}).

    **Product, value, cost** per tonne of feed:
    :math:`Y = \sum w_i R_i`, :math:`M = \sum w_i g_i R_i`, purity :math:`p = M/Y`,
    recovery :math:`R = M/f`; :math:`V = \pi(p)\,M - \text{penalty}\,(Y - M)`,
    :math:`C = c_t \sum w_i D_i + c_s n`.

    **Technical wall** :math:`W`: the purity of :math:`R_i(\infty)` at the cut where the
    recovery equals the floor. It depends on :math:`w, g, E_p` and the floor only. The
    finite cascade differs from it by terms :math:`\propto e^{-n|x|}`, so reaching
    :math:`W - \delta` takes :math:`n \approx \ln(1/\delta)/|x_{\min}|` stages (
    :math:`|x_{\min}|` of the class nearest the cut) and the stages per point of purity,
    :math:`dn/dp \approx 1/(|x_{\min}|\,\delta)`, diverge at the wall; the stage passes
    (at least n per tonne recovered) diverge with them.

    **Rational limit**: :math:`\arg\max_{n, g_{50}} (V - C)` subject to :math:`R \ge`
    ``min_recovery``. For each n the recovery floor bounds the cut (brentq), the tier
    thresholds split the cut range into pieces of constant price (brentq), and on each piece
    profit is smooth: Brent's bounded method refines every grid maximum and the piece ends are
    candidates (an optimum often sits exactly at a tier threshold). Stage counts are added
    until :math:`f \max\pi - (c_s + c_t\,R_{\min} f)\,n` (a bound on any profit with n stages:
    a recovered particle passes all n stages) falls below the best profit and below 0.
    **Break-even purity**: the largest purity with :math:`V - C \ge 0`, found the same way.

    References
    ----------
    - [1] SURE (Strategic Urban mining REsearch base), AIST, brochure (2026): "C/E and the
      technical wall in realising advanced sorting"; "the technical wall of advancing sorting
      and the limit of rationality".
    - [2] Oki T., TRANSortics columns 8, 13, 38 (AIST): the ideal separator under cost
      constraints; liberation degree; purity limit from liberation data.
    - [3] Napier-Munn T.J. (1991) Modelling and simulating dense medium separation processes:
      a progress report. Minerals Engineering 4(3-4):329-346 (logistic partition curve).
    - [4] Feller W. (1968) An Introduction to Probability Theory and Its Applications, vol. 1,
      3rd ed., Wiley, ch. XIV (gambler's ruin: the counter-current cascade).
    - [5] Brent R.P. (1973) Algorithms for Minimization without Derivatives, Prentice-Hall,
      ch. 4-5 (root finding and bounded minimisation, via scipy.optimize).

    Examples
    --------
    >>> cls = pd.DataFrame({"mass": [60, 20, 10, 10], "grade": [0.0, 0.3, 0.8, 1.0]})
    >>> res = cost_effect(cls, price_tiers=[(0.6, 1000.0), (0.85, 1500.0)],
    ...                   cost_per_tonne=2.0, cost_per_stage=1.0)
    >>> round(res.rational_limit, 3), round(res.technical_wall, 3)
    (0.85, 0.946)

    Liberation limit at 50 % recovery: the free A (metal 0.1 per t of feed, of 0.24) and a
    quarter of the 0.8-grade class (metal 0.02, mass 0.025): 0.12/0.125 = 0.96.

    >>> round(res.liberation_limit, 6)
    0.96
    """
    model = _build_model(classes, price_tiers=price_tiers, cost_per_tonne=cost_per_tonne,
                         cost_per_stage=cost_per_stage, penalty=penalty, mass=mass,
                         grade=grade, sorter_ep=sorter_ep, min_recovery=min_recovery)
    max_n = None if max_stages is None else _kind.count(max_stages, "max_stages", low=1)
    n_cuts = _kind.count(n_cuts, "n_cuts", low=8)
    n_targets = _kind.count(n_targets, "n_targets", low=1)
    wall, wall_cut = _wall(model)
    found = _search(model, n_cuts, max_n)
    best = found["best"]
    if best.n == 0:
        raise DataError("no design reaches the recovery floor min_recovery = "
                        f"{model.min_recovery!r}; lower it")
    limit_design = _design_row(model, best.n, best.cut)
    even = found["even"]
    breakeven = float(even.score) if even.n else np.nan
    liberation = _ideal_purity_at(model.w, model.g, model.min_recovery)
    table = _table(model, found["designs"], wall, n_targets)
    return CostEffectResult(
        technical_wall=float(wall),
        rational_limit=float(limit_design["purity"]) if best.score >= 0 else np.nan,
        breakeven_purity=breakeven, liberation_limit=float(liberation),
        limit_design=limit_design, table=table, designs=found["designs"],
        stages_searched=int(found["stages_searched"]), wall_cut=float(wall_cut),
        _model=model)


def _build_model(classes: Any, *, price_tiers: Any, cost_per_tonne: Any, cost_per_stage: Any,
                 penalty: Any, mass: str, grade: str, sorter_ep: Any,
                 min_recovery: Any) -> _Model:
    """Read and check every input (the boundary of cost_effect)."""
    for col in (mass, grade):
        if col not in getattr(classes, "columns", ()):
            raise LabelError(f"classes has no column {col!r}; columns are "
                             f"{list(getattr(classes, 'columns', []))}")
    m = _kind.mass(classes[mass], f"classes[{mass!r}]")
    g = _kind.grade_column(classes[grade], grade)
    if np.isnan(g).any() or np.isnan(m).any():
        raise DataError("classes hold NaN masses or grades: the cost/effect of a feed with "
                        "unknown classes is undefined; drop or fill those rows first")
    if m.size == 0 or m.sum() <= 0:
        raise DataError("classes[mass] is empty or sums to 0: no feed")
    if (m < 0).any():
        raise DataError(f"classes[{mass!r}] holds a negative mass; masses must be >= 0")
    tiers = _tiers(price_tiers)
    vals = {}
    for name, v in (("cost_per_tonne", cost_per_tonne), ("cost_per_stage", cost_per_stage),
                    ("penalty", penalty)):
        x = _kind.one(_kind.number(v, name, allow_nan=False), name)
        if not np.isfinite(x) or x < 0:
            raise DataError(f"{name} = {v!r} must be a finite number >= 0 [currency/t]")
        vals[name] = x
    rmin = _kind.one(_kind.number(min_recovery, "min_recovery", allow_nan=False),
                     "min_recovery")
    if not 0.0 <= rmin < 1.0:
        raise DataError(f"min_recovery = {min_recovery!r} must lie in [0, 1): a floor of 1 "
                        "would need a perfect sorter")
    ep = _kind.one(_kind.number(sorter_ep, "sorter_ep", allow_nan=False), "sorter_ep")
    if not (np.isfinite(ep) and ep > 0):
        raise DataError(f"sorter_ep = {sorter_ep!r} must be > 0 (a grade difference)")
    w = m / m.sum()
    if float(w @ g) <= 0:
        raise DataError("the feed holds none of the valuable component (all grades 0)")
    return _Model(w=w, g=g, k=LN3 / ep, tiers=tiers, cost_per_tonne=vals["cost_per_tonne"],
                  cost_per_stage=vals["cost_per_stage"], penalty=vals["penalty"],
                  min_recovery=rmin)


def _table(model: _Model, designs: pd.DataFrame, wall: float, n_targets: int) -> pd.DataFrame:
    """Display table: for target purities from the feed grade up towards the wall (denser
    near it), the most profitable coarse design reaching each."""
    f = model.f
    targets = wall - (wall - f) * np.geomspace(1.0, 1e-3, n_targets + 1)[1:]
    d = designs.dropna(subset=["purity"]).sort_values("purity")
    pur = d["purity"].to_numpy()
    # best profit among designs with purity >= target: a suffix maximum
    prof = d["profit"].to_numpy()
    suffix = np.maximum.accumulate(prof[::-1])[::-1]
    rows = []
    for t in targets:
        i = int(np.searchsorted(pur, t, side="left"))
        if i >= pur.size:
            continue
        j = i + int(np.flatnonzero(prof[i:] == suffix[i])[0])
        rows.append(d.iloc[j].to_dict() | {"target": t})
    table = pd.DataFrame(rows)
    if table.empty:
        return table
    table["n_stages"] = table["n_stages"].astype(int)
    table["liberation_recovery"] = _ideal_recovery_at(model.w, model.g,
                                                      table["target"].to_numpy())
    v = table["value"].to_numpy()
    table["ce"] = np.where(v > 0, table["cost"].to_numpy() / np.where(v > 0, v, 1.0), np.inf)
    cols = ["target", "purity", "recovery", "liberation_recovery", "n_stages", "cut",
            "mass_yield", "stage_passes", "value", "cost", "profit", "ce"]
    return table[cols].set_index("target")
