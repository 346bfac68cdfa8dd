"""Cost against effect of advanced sorting: the technical wall and the rational limit.

The SURE consortium (AIST, brochure 2026) frames advanced sorting by its cost/effect ratio
("C/E") against purity: as sorting advances, each unit of effect costs more; near a
*technical wall* the cost turns steeply upward, and beyond the *limit of rationality* more
sorting costs more than the value it adds.

The model here is built from separation physics, not from a cost curve drawn by hand:

1. **Liberation sets the limit.** The feed is a set of particle classes of known grade (a
   liberation analysis). No sorter that acts on whole particles beats the ideal separation
   curve (:func:`~resourcekit.separation.ideal_separation_curve`): locked particles carry
   gangue into any product that keeps their metal.
2. **A real sorter is imperfect.** One stage sends a particle of grade g to its concentrate
   with probability s(g), a logistic partition curve on particle grade with cut g50 and
   ecart probable ``sorter_ep`` (Napier-Munn 1991 form, as :func:`partition_curve`).
3. **Stages sharpen the cut.** n stages in a counter-current cleaning cascade (each cleaner
   tailing returns to the stage before; the first stage's tailing leaves) move a particle up
   with probability s and down with 1 - s: a gambler's-ruin walk with absorbing ends
   (Feller 1968, ch. XIV.2-3). Its recovery to the final concentrate and its expected number
   of passes through a stage are

   .. math::

       R(g) = \\frac{1 - r}{1 - r^{n+1}},\\qquad
       D(g) = \\frac{1}{q - p} - \\frac{n + 1}{q - p}\\,\\frac{1 - r}{1 - r^{n+1}},\\qquad
       r = \\frac{q}{p},\\ p = s(g),\\ q = 1 - s(g)

   (D = n for p = q). As n grows the cascade approaches the ideal separation at the cut, but
   particles whose grade lies near the cut (locked particles) pass through the stages about
   n times each: the mass treated, and the cost, grow without bound as the target purity
   approaches what liberation allows.
4. **Cost** per tonne of feed: ``cost_per_tonne`` x (stage passes per tonne of feed) +
   ``cost_per_stage`` x n (capital and fixed operating cost per stage, per tonne of feed).
5. **Effect**: the value of the product per tonne of feed: payable metal x the price of the
   buyers' tier that its purity reaches, minus a penalty per tonne of impurity
   (:func:`tier_price`).

Every design (n, g50) on a grid gives a point (purity, recovery, value, cost). For each purity
band the best design (highest value - cost) is kept: the table against purity. The **rational
limit** is the purity of the largest profit (beyond it the marginal cost of purity exceeds its
marginal value); the **technical wall** is the first purity at which C/E reaches
``wall_factor`` times its lowest value (C/E has turned steeply upward).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from resourcekit.errors import DataError, LabelError

from . import _kind

__all__ = ["CostEffectResult", "cost_effect", "countercurrent_cascade", "tier_price"]

LN3 = float(np.log(3.0))


def tier_price(purity: Any, price_tiers: Sequence[tuple[float, float]]) -> Any:
    r"""Price of the payable material at a purity: the highest buyers' tier the purity reaches.

    .. math::

        \pi(p) = \pi_k \text{ for the largest } k \text{ with } p \ge p_k,\quad
        \pi(p) = 0 \text{ below the lowest tier}

    Parameters
    ----------
    purity : float, array or Series
        Mass fraction of the payable material in the product. [mass fraction]
    price_tiers : sequence of (threshold, price)
        Buyers' tiers: minimum purity [mass fraction] and price of the contained material
        [currency/t]. Smelter and scrap contracts pay by grade bands (Oki, junior column 20:
        thresholds differ by orders of magnitude between materials).

    Returns
    -------
    Same kind as ``purity``. [currency/t of contained material]

    >>> tier_price([0.5, 0.85, 0.97], [(0.8, 4000.0), (0.95, 6000.0)]).tolist()
    [0.0, 4000.0, 6000.0]
    """
    tiers = _tiers(price_tiers)
    tmpl = _kind.template(purity)
    p = _kind.grade(purity, "purity")
    out = np.zeros_like(p, dtype=float)
    for thr, price in tiers:
        out = np.where(p >= thr, price, out)
    out = np.where(np.isnan(p), np.nan, out)
    return _kind.like(tmpl, out)


def _tiers(price_tiers: Any) -> list[tuple[float, float]]:
    try:
        tiers = sorted((float(t), float(v)) for t, v in price_tiers)
    except (TypeError, ValueError):
        raise DataError(
            f"price_tiers = {price_tiers!r}: pass a sequence of (purity threshold 0-1, price "
            "per tonne of contained material) pairs, e.g. [(0.8, 4000), (0.95, 6000)]"
        ) from None
    if not tiers:
        raise DataError("price_tiers is empty: give at least one (threshold, price) pair")
    for thr, price in tiers:
        if not (np.isfinite(thr) and 0.0 <= thr <= 1.0):
            raise DataError(f"price tier threshold {thr!r} must be a purity in [0, 1]; for "
                            "percent divide by 100")
        if not np.isfinite(price) or price < 0:
            raise DataError(f"price tier price {price!r} must be a finite number >= 0")
    return tiers


def countercurrent_cascade(split: Any, n_stages: int) -> tuple[np.ndarray, np.ndarray]:
    r"""Recovery and stage passes of a particle in an n-stage counter-current cleaning cascade.

    Each stage sends the particle to its concentrate (the next stage, or the final concentrate
    after stage n) with probability p = ``split`` and to its tailing (the stage before, or the
    final tailing from stage 1) with probability q = 1 - p: a random walk between two absorbing
    ends (gambler's ruin, Feller 1968, ch. XIV.2-3), started at stage 1 with ends 0 and n + 1.

    .. math::

        R = \frac{1 - r}{1 - r^{n+1}},\qquad
        D = \frac{1 - (n + 1) R}{q - p},\qquad r = q/p

    with the limits R = 1/(n + 1) and D = n for p = q.

    Parameters
    ----------
    split : float or array
        Stage split p of the particle to the concentrate, in (0, 1). [-]
    n_stages : int
        Number of stages n >= 1.

    Returns
    -------
    recovery, passes : ndarray
        Probability of reaching the final concentrate [-]; expected number of stage passes
        (stage feed per unit of fresh feed of that particle) [-].

    References
    ----------
    - [1] Feller W. (1968) An Introduction to Probability Theory and Its Applications, vol. 1,
      3rd ed., Wiley, ch. XIV, eqs. 2.4 and 3.4 (ruin probability, expected duration).

    >>> rec, passes = countercurrent_cascade([0.9, 0.5], 1)
    >>> rec.round(3).tolist(), passes.round(3).tolist()
    ([0.9, 0.5], [1.0, 1.0])
    >>> rec, _ = countercurrent_cascade(0.75, 3)
    >>> round(float(rec), 4)     # (1 - 1/3)/(1 - (1/3)^4)
    0.675
    """
    n = _kind.count(n_stages, "n_stages", low=1)
    p = np.asarray(_kind.number(split, "split"), dtype=float)
    if np.any((p <= 0) | (p >= 1)) or not np.all(np.isfinite(p)):
        raise DataError("split must lie strictly between 0 and 1 (a stage that sends all or "
                        "nothing of a particle is not a sorter)")
    q = 1.0 - p
    near = np.abs(p - q) < 1e-9
    safe_p = np.where(near, 0.6, p)
    safe_q = 1.0 - safe_p
    # write R with exponents of min(r, 1/r) so r^(n+1) never overflows
    r = safe_q / safe_p
    with np.errstate(over="ignore"):
        rec = np.where(r < 1, (1 - r) / (1 - r ** (n + 1)),
                       (1 / r) ** n * (1 / r - 1) / ((1 / r) ** (n + 1) - 1))
    dur = (1.0 - (n + 1) * rec) / (safe_q - safe_p)
    rec = np.where(near, 1.0 / (n + 1), rec)
    dur = np.where(near, float(n), dur)
    return rec, dur


@dataclass(frozen=True)
class CostEffectResult:
    """Cost against effect of sorting to each target purity.

    Attributes
    ----------
    table : DataFrame
        Index ``target`` (purity asked for) [mass fraction]; the best design that reaches it:
        ``purity`` (reached) [mass fraction], ``recovery`` [-], ``liberation_recovery`` (the
        ideal curve's recovery at the target: no sorter does better) [-], ``n_stages``,
        ``cut`` [mass fraction], ``stage_passes`` (tonnes through a stage per tonne of feed),
        ``value``, ``cost``, ``profit`` [currency/t of feed], ``marginal_value``,
        ``marginal_cost`` (from the previous target), ``ce`` (cost / value) and ``ce_step``
        (marginal cost / marginal value; inf where the step adds no value). Targets no design
        on the grid can reach are left out (their cost is unbounded).
    technical_wall : float
        Purity reached where C/E first reaches ``wall_factor`` times its lowest value (or the
        highest purity any design on the grid reaches with the recovery asked): cost turns
        steeply upward. [mass fraction]
    rational_limit : float
        Purity of the design of largest profit: beyond it the marginal cost of purity exceeds
        its marginal value. [mass fraction]
    liberation_limit : float
        Highest purity of the ideal separation curve with recovery >= the recovery floor
        ``min_recovery`` (what liberation allows). A sorter can take part of a class (some
        of its particles), so the curve is read between its vertices too: at the floor, the
        last class is taken only as far as the floor needs. [mass fraction]
    designs : DataFrame
        Every design evaluated: ``n_stages``, ``cut``, ``purity``, ``recovery``,
        ``stage_passes``, ``value``, ``cost``, ``profit``.
    """

    table: pd.DataFrame
    technical_wall: float
    rational_limit: float
    liberation_limit: float
    designs: pd.DataFrame = field(repr=False)
    wall_factor: float = 2.0

    def summary(self) -> pd.Series:
        """The wall, the limits and the design at the rational limit."""
        row = self.table.loc[self.table["profit"].idxmax()]
        return pd.Series({
            "technical_wall": self.technical_wall,
            "rational_limit": self.rational_limit,
            "liberation_limit": self.liberation_limit,
            "recovery_at_limit": float(row["recovery"]),
            "n_stages_at_limit": int(row["n_stages"]),
            "cut_at_limit": float(row["cut"]),
            "profit_at_limit": float(row["profit"]),
        })

    def chart(self) -> Any:
        """Altair chart: C/E against purity (log scale) with the wall, the rational limit and
        the liberation limit marked; value, cost and profit against purity below."""
        import altair as alt

        t = self.table.reset_index().drop_duplicates(subset=["purity", "n_stages", "cut"])
        marks = pd.DataFrame({"purity": [self.technical_wall, self.rational_limit,
                                         self.liberation_limit],
                              "mark": ["technical wall", "rational limit", "liberation limit"]})
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
    recovery_efficiency: float = 0.9,
    max_stages: int = 40,
    n_cuts: int = 100,
    n_targets: int = 40,
    min_recovery: float = 0.5,
    wall_factor: float = 2.0,
) -> CostEffectResult:
    r"""Cost against effect of sorting a liberated feed to each purity (SURE's C/E chart).

    Parameters
    ----------
    classes : DataFrame
        Liberation classes: a mass and a grade column (e.g. dataset
        ``sep_ewaste_liberation_classes``); a unit in the grade column's name is read
        (``"grade [%]"``). [any mass unit; mass fraction]
    price_tiers : sequence of (threshold, price)
        Buyers' tiers, see :func:`tier_price`. [mass fraction, currency/t of contained metal]
    cost_per_tonne : float
        Cost of passing one tonne through one sorting stage. [currency/t]
    cost_per_stage : float
        Fixed cost of each stage per tonne of circuit feed. [currency/t]
    penalty : float
        Buyers' penalty per tonne of impurity in the product. [currency/t]
    mass, grade : str
        Column names in ``classes``.
    sorter_ep : float
        Ecart probable of one stage's partition on particle grade: the sensor's imprecision.
        [mass fraction]
    recovery_efficiency : float
        A design reaches a target purity p only if its recovery is at least this share of the
        ideal curve's recovery at p (a plant does not throw away most of what it could keep).
        [-]
    max_stages, n_cuts, n_targets : int
        Design grid (1..max_stages stages, n_cuts cut grades) and number of target purities.
    min_recovery : float
        Recovery floor of the reported ``liberation_limit``. [-]
    wall_factor : float
        Multiple of the lowest C/E that marks the technical wall (> 1).

    Returns
    -------
    CostEffectResult
        ``table``, ``technical_wall``, ``rational_limit``, ``liberation_limit``, ``designs``,
        ``summary()``, ``chart()``.

    Notes
    -----
    A design is a number of stages n in a counter-current cascade and a cut g50. With
    :math:`w_i` the feed mass fractions and :math:`g_i` the grades of the classes,
    :math:`s_i = 1/(1 + \exp(\ln 3\,(g_{50} - g_i)/E_p))` and :math:`R_i, D_i` from
    :func:`countercurrent_cascade`:

    .. math::

        Y = \sum_i w_i R_i,\quad p = \frac{\sum_i w_i g_i R_i}{Y},\quad
        R = \frac{\sum_i w_i g_i R_i}{\sum_i w_i g_i},\quad
        V = Y\,[p\,\pi(p) - \text{penalty}\,(1 - p)],\quad
        C = c_t \sum_i w_i D_i + c_s\,n

    For a target purity :math:`p^*` the design kept is the cheapest (then the one of least
    effort, then the most valuable) among those with :math:`p \ge p^*` and
    :math:`R \ge \eta R^*(p^*)`, where :math:`R^*` is the ideal
    (liberation-limited) curve and :math:`\eta` = ``recovery_efficiency``. Every design lies on
    or below the ideal curve, so as :math:`p^*` approaches what liberation allows the sorter
    needs sharper cuts between particles of close grade: more stages, each passed many times
    by the locked particles near the cut. The cost grows without bound; past the grid no design
    qualifies. C/E = C/V; the step C/E = :math:`\Delta C/\Delta V` between targets.

    References
    ----------
    - [1] SURE consortium (AIST) brochure (2026): "C/E and the technical wall in realising
      advanced sorting"; "the technical wall of advancing sorting and the limit of
      rationality".
    - [2] Oki T., TRANSortics columns 8, 13, 38 (AIST): the ideal separator under cost
      constraints; liberation degree; purity limit from liberation data.
    - [3] Napier-Munn T.J. (1991) Modelling and simulating dense medium separation processes:
      a progress report. Minerals Engineering 4(3-4):329-346 (logistic partition curve with
      Ep).
    - [4] Feller W. (1968) An Introduction to Probability Theory and Its Applications, vol. 1,
      3rd ed., Wiley, ch. XIV (gambler's ruin: the counter-current cascade).

    Examples
    --------
    >>> cls = pd.DataFrame({"mass": [60, 20, 10, 10], "grade": [0.0, 0.3, 0.8, 1.0]})
    >>> res = cost_effect(cls, price_tiers=[(0.6, 1000.0), (0.85, 1500.0)],
    ...                   cost_per_tonne=2.0, cost_per_stage=1.0)
    >>> round(res.rational_limit, 3), round(res.technical_wall, 3)
    (0.863, 0.935)

    Liberation limit at 50 % recovery: the free A (metal 0.1 per t of feed, of 0.24) and a
    quarter of the 0.8-grade class (metal 0.02, mass 0.025): 0.12/0.125 = 0.96.

    >>> round(res.liberation_limit, 6)
    0.96
    """
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
    tiers = _tiers(price_tiers)
    for name, v in (("cost_per_tonne", cost_per_tonne), ("cost_per_stage", cost_per_stage),
                    ("penalty", penalty)):
        _kind.number(v, name, low=0.0, allow_nan=False)
    _kind.number(recovery_efficiency, "recovery_efficiency", low=0.0, high=1.0,
                 allow_nan=False)
    _kind.number(min_recovery, "min_recovery", low=0.0, high=1.0, allow_nan=False)
    if not (np.isfinite(sorter_ep) and sorter_ep > 0):
        raise DataError(f"sorter_ep = {sorter_ep!r} must be > 0 (a grade difference)")
    if not wall_factor > 1:
        raise DataError(f"wall_factor = {wall_factor!r} must exceed 1")
    n_max = _kind.count(max_stages, "max_stages", low=1)
    n_cuts = _kind.count(n_cuts, "n_cuts", low=1)
    n_targets = _kind.count(n_targets, "n_targets", low=1)
    w = m / m.sum()
    f = float(w @ g)
    if f <= 0:
        raise DataError("the feed holds none of the valuable component (all grades 0)")

    cuts = np.linspace(0.0, 1.0, int(n_cuts) + 2)[1:-1]
    s = 1.0 / (1.0 + np.exp(np.clip(LN3 * (cuts[:, None] - g[None, :]) / sorter_ep, -700, 700)))
    s = np.clip(s, 1e-12, 1 - 1e-12)  # (cuts, classes)
    frames = []
    for n in range(1, n_max + 1):
        rec, passes = countercurrent_cascade(s, n)
        y = rec @ w
        metal = rec @ (w * g)
        with np.errstate(invalid="ignore", divide="ignore"):
            p = np.where(y > 1e-12, metal / np.where(y > 1e-12, y, 1.0), np.nan)
        frames.append(pd.DataFrame({"n_stages": n, "cut": cuts, "purity": p,
                                    "recovery": metal / f, "mass_yield": y,
                                    "stage_passes": passes @ w}))
    designs = pd.concat(frames, ignore_index=True).dropna(subset=["purity"])
    price = np.asarray(tier_price(designs["purity"].to_numpy(), tiers), dtype=float)
    pur = designs["purity"].to_numpy()
    designs["value"] = designs["mass_yield"] * (pur * price - penalty * (1.0 - pur))
    designs["cost"] = cost_per_tonne * designs["stage_passes"] + cost_per_stage * \
        designs["n_stages"]
    designs["profit"] = designs["value"] - designs["cost"]

    top = float(g.max())
    # denser near the top, where the wall is: equal steps in log(top - target)
    targets = top - (top - f) * np.geomspace(1.0, 1e-3, int(n_targets) + 1)[1:]
    # the ideal curve's recovery at each target, a class may be taken in part (exact, not a
    # chord between vertices)
    r_star = _ideal_recovery_at(w, g, targets)
    dp = designs["purity"].to_numpy()[:, None]
    dr = designs["recovery"].to_numpy()[:, None]
    ok = (dp >= targets[None, :] - 1e-12) & (dr >= recovery_efficiency * r_star[None, :])
    # cheapest design per target; among equally cheap ones (free sorting), the least effort
    # (fewest stage passes), then the most valuable
    key = np.lexsort((-designs["value"].to_numpy(), designs["stage_passes"].to_numpy(),
                      designs["n_stages"].to_numpy(), designs["cost"].to_numpy()))
    rank = np.empty_like(key)
    rank[key] = np.arange(key.size)
    key = rank.astype(float)
    keyed = np.where(ok, key[:, None], np.inf)
    feasible = ok.any(axis=0)
    if not feasible.any():
        raise DataError("no design on the grid reaches any target purity with the recovery "
                        "asked; lower recovery_efficiency or raise max_stages")
    best = np.argmin(keyed, axis=0)[feasible]
    table = designs.iloc[best].reset_index(drop=True)
    table.insert(0, "target", targets[feasible])
    table.insert(4, "liberation_recovery", r_star[feasible])
    table = table.set_index("target")
    table["marginal_value"] = table["value"].diff()
    table["marginal_cost"] = table["cost"].diff()
    with np.errstate(divide="ignore", invalid="ignore"):
        v = table["value"].to_numpy()
        table["ce"] = np.where(v > 0, table["cost"].to_numpy() / np.where(v > 0, v, 1.0),
                               np.inf)
        mv = table["marginal_value"].to_numpy()
        table["ce_step"] = np.where(mv > 0, table["marginal_cost"].to_numpy()
                                    / np.where(mv > 0, mv, 1.0), np.inf)
    ce = table["ce"].to_numpy()
    finite = np.isfinite(ce) & (ce > 0)
    i_wall = ce.size - 1  # no steep rise on the grid: the last target reached
    if finite.any():
        i_min = int(np.flatnonzero(finite)[np.argmin(ce[finite])])
        steep = np.flatnonzero((np.arange(ce.size) > i_min) & (ce >= wall_factor * ce[i_min]))
        if steep.size:
            i_wall = int(steep[0])
    wall = float(table["purity"].iloc[i_wall])
    limit = float(table.loc[table["profit"].idxmax(), "purity"])
    liberation = _ideal_purity_at(w, g, float(min_recovery))
    return CostEffectResult(table=table, technical_wall=wall, rational_limit=limit,
                            liberation_limit=liberation, designs=designs,
                            wall_factor=float(wall_factor))


def _ideal(w: np.ndarray, g: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Ideal curve's vertices as (purity rising, recovery falling), classes taken richest
    first (every vertex: whole classes only)."""
    order = np.argsort(-g, kind="stable")
    cm = np.cumsum(w[order])
    ca = np.cumsum(w[order] * g[order])
    purity = ca / cm
    rec = ca / ca[-1] if ca[-1] > 0 else np.zeros_like(ca)
    return purity[::-1], rec[::-1]


def _cumulative(w: np.ndarray, g: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Grades richest first, and cumulative mass M_k and metal A_k after k classes
    (k = 0..n, starting at 0)."""
    order = np.argsort(-g, kind="stable")
    gs, ws = g[order], w[order]
    return gs, np.r_[0.0, np.cumsum(ws)], np.r_[0.0, np.cumsum(ws * gs)]


def _ideal_recovery_at(w: np.ndarray, g: np.ndarray, target: np.ndarray) -> np.ndarray:
    r"""Highest recovery at purity >= ``target`` when a class may be taken in part.

    Classes are taken richest first; between two vertices a share :math:`\alpha` of the next
    class k is taken (a sorter can take some of a class's particles), which moves mass and
    metal linearly: :math:`p = (A + \alpha a_k)/(M + \alpha m_k)`. Solving for the target
    purity gives :math:`\alpha = (p^* M - A)/(a_k - p^* m_k)` and
    :math:`R = (A + \alpha a_k)/A_n`. The curve is straight between vertices in the
    yield-metal plane (Fuerstenau upgrading curve), not in the grade-recovery plane.
    """
    gs, cm, ca = _cumulative(w, g)
    with np.errstate(invalid="ignore", divide="ignore"):
        pur = np.where(cm[1:] > 0, ca[1:] / np.where(cm[1:] > 0, cm[1:], 1.0), gs[0])
    target = np.asarray(target, dtype=float)
    # k: number of whole classes whose cumulative purity still reaches the target (>= 1)
    k = np.searchsorted(-pur, -target - 1e-12, side="right")
    k = np.clip(k, 1, gs.size)
    out = np.empty_like(target)
    whole = k >= gs.size
    out[whole] = 1.0
    kk = k[~whole]
    tgt = target[~whole]
    m_next = cm[kk + 1] - cm[kk]
    a_next = ca[kk + 1] - ca[kk]
    with np.errstate(invalid="ignore", divide="ignore"):
        alpha = (tgt * cm[kk] - ca[kk]) / (a_next - tgt * m_next)
    alpha = np.clip(np.nan_to_num(alpha, nan=0.0), 0.0, 1.0)
    out[~whole] = (ca[kk] + alpha * a_next) / ca[-1]
    return out


def _ideal_purity_at(w: np.ndarray, g: np.ndarray, recovery: float) -> float:
    r"""Highest purity with recovery >= ``recovery`` when a class may be taken in part.

    The first class k whose whole take reaches the recovery is taken only as far as needed:
    metal :math:`R A_n - A_{k-1}`, mass that over :math:`g_k`, so
    :math:`p = R A_n / (M_{k-1} + (R A_n - A_{k-1})/g_k)` (the richest class alone: its grade).
    """
    gs, cm, ca = _cumulative(w, g)
    need = recovery * ca[-1]
    k = int(np.searchsorted(ca[1:], need - 1e-12 * ca[-1], side="left")) + 1
    k = min(k, gs.size)
    if k == 1 or need <= 0:
        return float(gs[0])
    mass = cm[k - 1] + max(need - ca[k - 1], 0.0) / gs[k - 1]
    return float(need / mass)
