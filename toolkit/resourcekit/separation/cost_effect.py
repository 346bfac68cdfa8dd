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

__all__ = ["CostEffectResult", "cost_effect", "countercurrent_cascade", "tier_price"]

LN3 = float(np.log(3.0))
#: logit span beyond which a class is wholly kept (R > 1 - 1e-13) or wholly rejected
_X_SPAN = 30.0
#: hard cap on stages when sorting is (nearly) free and no cost bound stops the search
_FREE_STAGE_CAP = 200


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
        Buyers' tiers in rising order of threshold, each paying at least the one before:
        minimum purity [mass fraction] and price of the contained material [currency/t].
        Smelter and scrap contracts pay by grade bands (Oki, junior column 20).

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
    """Validated tiers: thresholds in [0, 1] rising, prices >= 0 not falling."""
    try:
        tiers = [(float(t), float(v)) for t, v in price_tiers]
    except (TypeError, ValueError):
        raise DataError(
            f"price_tiers = {price_tiers!r}: pass a sequence of (purity threshold 0-1, price "
            "per tonne of contained material) pairs, e.g. [(0.8, 4000), (0.95, 6000)]"
        ) from None
    if not tiers:
        raise DataError("price_tiers is empty: give at least one (threshold, price) pair")
    for thr, price in tiers:
        if not (np.isfinite(thr) and 0.0 <= thr <= 1.0):
            raise DataError(f"price_tiers: threshold {thr!r} must be a purity in [0, 1]; for "
                            "percent divide by 100")
        if not np.isfinite(price) or price < 0:
            raise DataError(f"price_tiers: price {price!r} must be a finite number >= 0")
    for (t0, v0), (t1, v1) in zip(tiers, tiers[1:], strict=False):
        if t1 <= t0:
            raise DataError(f"price_tiers out of order: threshold {t1!r} follows {t0!r}; list "
                            "the tiers by rising purity threshold")
        if v1 < v0:
            raise DataError(f"price_tiers out of order: the tier at {t1!r} pays {v1!r}, less "
                            f"than {v0!r} at the lower threshold {t0!r}; a purer product "
                            "never earns less per tonne of contained material")
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
    return _cascade_logit(np.log(p) - np.log1p(-p), n)


def _cascade_logit(x: np.ndarray, n: float) -> tuple[np.ndarray, np.ndarray]:
    r"""Recovery R and stage passes D of the n-stage cascade from the stage logit
    :math:`x = \ln(p/q)` (r = e^{-x}); n may be ``inf`` (then D is inf where R > 0).

    :math:`R = \mathrm{expm1}(-x)/\mathrm{expm1}(-(n+1)x)` for x > 0 and
    :math:`e^{n x}\,\mathrm{expm1}(x)/\mathrm{expm1}((n+1)x)` for x < 0 (both stable);
    :math:`D = ((n+1)R - 1)/\tanh(x/2)`, since q - p = -tanh(x/2).
    """
    x = np.asarray(x, dtype=float)
    small = np.abs(x) < 1e-9
    xs = np.where(small, 1.0, x)
    a = np.abs(xs)
    if np.ndim(n) == 0 and np.isinf(n):
        rec = np.where(xs > 0, -np.expm1(-a), 0.0)
        dur = np.where(rec > 0, np.inf, 1.0 / np.tanh(a / 2))
        return np.where(small, 0.0, rec), np.where(small, np.inf, dur)
    with np.errstate(over="ignore", under="ignore"):
        up = -np.expm1(-a) / -np.expm1(-(n + 1) * a)          # R for x = +a
        rec = np.where(xs > 0, up, np.exp(-n * a) * up)       # R(-a) = e^{-n a} R(a)
        dur = ((n + 1) * rec - 1.0) / np.tanh(xs / 2)
    return np.where(small, 1.0 / (n + 1), rec), np.where(small, n + 0.0, dur)


# ------------------------------------------------------------------------------ the model


@dataclass(frozen=True)
class _Model:
    """Feed (mass fractions w, grades g), sorter (logit slope k = ln 3 / Ep), economics."""

    w: np.ndarray
    g: np.ndarray
    k: float
    tiers: list[tuple[float, float]]
    cost_per_tonne: float
    cost_per_stage: float
    penalty: float
    min_recovery: float

    @property
    def f(self) -> float:
        return float(self.w @ self.g)

    def cut_span(self) -> tuple[float, float]:
        """Cuts below the low end keep everything; above the high end nothing."""
        pad = _X_SPAN / self.k
        return float(self.g.min() - pad), float(self.g.max() + pad)

    def flows(self, cut: Any, n: Any) -> dict[str, np.ndarray]:
        """Mass yield, metal, purity, recovery and stage passes per tonne of feed; ``cut``
        and ``n`` broadcast (n may be ``inf``: then only yield, metal, purity, recovery)."""
        cut = np.asarray(cut, dtype=float)
        if cut.ndim == 0:
            cut = cut[None]
        x = self.k * (self.g - cut[..., None])
        n_arr = np.asarray(n, dtype=float)
        if np.all(np.isinf(n_arr)):
            rec, dur = _cascade_logit(x, np.inf)
        else:
            rec, dur = _cascade_logit(x, n_arr[..., None] if n_arr.ndim else float(n_arr))
        y = rec @ self.w
        metal = rec @ (self.w * self.g)
        with np.errstate(invalid="ignore", divide="ignore"):
            purity = np.where(y > 0, metal / np.where(y > 0, y, 1.0), np.nan)
            passes = dur @ self.w
        return {"mass_yield": y, "metal": metal, "purity": purity,
                "recovery": metal / self.f, "stage_passes": passes}

    def price(self, purity: np.ndarray) -> np.ndarray:
        """Tier price at each purity (0 below the lowest tier or for NaN)."""
        thr = np.array([t for t, _ in self.tiers])
        val = np.r_[0.0, [v for _, v in self.tiers]]
        return val[np.searchsorted(thr, np.nan_to_num(purity, nan=-1.0), side="right")]

    def money(self, fl: dict[str, np.ndarray], n: Any,
              price: Any = None) -> dict[str, np.ndarray]:
        """Value, cost, profit per tonne of feed (price: the tier price, or one fixed)."""
        if price is None:
            price = self.price(fl["purity"])
        value = price * fl["metal"] - self.penalty * (fl["mass_yield"] - fl["metal"])
        cost = self.cost_per_tonne * fl["stage_passes"] + self.cost_per_stage * np.asarray(n)
        return {"value": value, "cost": cost, "profit": value - cost}

    def profit_at(self, cut: float, n: int, price: float | None = None) -> float:
        fl = self.flows(cut, n)
        return float(self.money(fl, n, price)["profit"][0])

    def purity_at(self, cut: float, n: float) -> float:
        return float(np.nan_to_num(self.flows(cut, n)["purity"][0], nan=-1.0))

    def floor_cuts(self, n: np.ndarray) -> np.ndarray:
        """Cut at which recovery falls to the floor, for each stage count (recovery falls as
        the cut rises): bisection on all counts at once, to 1e-14 in the cut."""
        lo, hi = self.cut_span()
        n = np.asarray(n, dtype=float)
        a = np.full(n.shape, lo)
        b = np.full(n.shape, hi)
        if self.min_recovery <= 0:
            return b
        for _ in range(64):
            mid = 0.5 * (a + b)
            ok = self.flows(mid, n)["recovery"] >= self.min_recovery
            a = np.where(ok, mid, a)
            b = np.where(ok, b, mid)
            if np.all(b - a < 1e-14):
                break
        return a

    def floor_cut(self, n: float) -> float:
        return float(self.floor_cuts(np.array([n]))[0])

    def cost_slope(self) -> float:
        """Lower bound of the cost growth per stage: c_s + c_t R_min f (a particle that
        reaches the final concentrate passes every one of the n stages)."""
        return self.cost_per_stage + self.cost_per_tonne * self.min_recovery * self.f

    def value_bound(self) -> float:
        """Largest value any design can have: all metal paid at the top tier, no penalty."""
        return self.f * max(v for _, v in self.tiers)


def _wall(model: _Model) -> tuple[float, float]:
    """Technical wall: purity of the infinite cascade at the recovery floor, and its cut.

    The infinite cascade's purity rises with its cut, so the highest purity with recovery
    >= the floor is reached where the recovery equals the floor (a bounded maximisation
    guards the claim: the larger of the two is returned)."""
    from scipy.optimize import minimize_scalar

    c_floor = model.floor_cut(np.inf)
    p_floor = model.purity_at(c_floor, np.inf)
    lo = model.cut_span()[0]
    res = minimize_scalar(lambda c: -model.purity_at(c, np.inf),
                          bounds=(lo, c_floor), method="bounded",
                          options={"xatol": 1e-12})
    if -res.fun > p_floor + 1e-12:
        return float(-res.fun), float(res.x)
    return p_floor, c_floor


@dataclass
class _Best:
    """Best design found so far for one criterion."""

    score: float = -np.inf
    n: int = 0
    cut: float = np.nan


def _root_on_side(fun: Any, a: float, b: float, *, toward: float) -> float:
    """Root of ``fun`` between a and b (a sign change) by Brent's method to 1e-13, moved
    (by steps doubling from 1e-13) toward ``toward`` until ``fun`` >= 0 there: the point
    returned always satisfies the condition it marks the end of."""
    from scipy.optimize import brentq

    root = float(brentq(fun, a, b, xtol=1e-13, rtol=4 * np.finfo(float).eps))
    step = 1e-13 * max(1.0, abs(root))
    direction = 1.0 if toward > root else -1.0
    while fun(root) < 0 and (toward - root) * direction > 0:
        root = root + direction * step
        root = min(root, toward) if direction > 0 else max(root, toward)
        step *= 2
    return float(root)


def _segments(model: _Model, n: int, cuts: np.ndarray, purity: np.ndarray,
              hi: float) -> list[tuple[float, float, float]]:
    """Split [cuts[0], hi] where purity crosses a tier threshold: (left, right, price) with
    the price constant inside each piece (crossings solved by brentq to 1e-13)."""
    edges = [float(cuts[0]), hi]
    for thr, _ in model.tiers:
        d = np.nan_to_num(purity, nan=-1.0) - thr
        for i in np.flatnonzero((d[:-1] < 0) & (d[1:] >= 0)):
            a, b = float(cuts[i]), float(cuts[i + 1])
            fun = lambda c, t=thr: model.purity_at(c, n) - t  # noqa: E731
            if fun(b) >= 0 > fun(a):
                # the first cut whose purity reaches the threshold (never a hair below it)
                edges.append(_root_on_side(fun, a, b, toward=b))
    edges = sorted(set(edges))
    out = []
    for a, b in zip(edges, edges[1:], strict=False):
        price = float(model.price(np.array([model.purity_at(a, n)]))[0])
        out.append((a, b, price))
    return out


def _best_in_segment(model: _Model, n: int, seg: tuple[float, float, float],
                     cuts: np.ndarray, profit: np.ndarray) -> tuple[float, float]:
    """Largest profit on one constant-price piece: its ends, and a bounded Brent search
    (xatol 1e-11) around every grid local maximum inside it."""
    from scipy.optimize import minimize_scalar

    a, b, price = seg
    cands = [(model.profit_at(a, n, price), a), (model.profit_at(b, n, price), b)]
    inside = np.flatnonzero((cuts > a) & (cuts < b))
    for j in inside:
        left = profit[j - 1] if j - 1 >= 0 and cuts[j - 1] > a else -np.inf
        right = profit[j + 1] if j + 1 < cuts.size and cuts[j + 1] < b else -np.inf
        if profit[j] >= left and profit[j] >= right:
            lo = max(a, float(cuts[j - 1])) if j > 0 else a
            hi = min(b, float(cuts[j + 1])) if j + 1 < cuts.size else b
            res = minimize_scalar(lambda c: -model.profit_at(c, n, price), bounds=(lo, hi),
                                  method="bounded", options={"xatol": 1e-11})
            cands.append((-float(res.fun), float(res.x)))
    return max(cands)


def _paying_root(model: _Model, n: int, a: float, b: float) -> float:
    """The cut in [a, b] where profit falls through 0 (profit(a) >= 0 > profit(b)); purity
    rises with the cut and a tier step only raises the price, so the sign changes once."""
    return _root_on_side(lambda c: model.profit_at(c, n), a, b, toward=a)


def _profit_bounds(model: _Model, ns: np.ndarray) -> np.ndarray:
    r"""Upper bound of the profit of any design with n stages, from the ideal curve.

    A product carrying metal M holds at least the mass :math:`Y^*(M)` of the richest-first
    (ideal) take, so its purity is at most :math:`M/Y^*`, its price at most
    :math:`\pi(M/Y^*)` and its penalty at least :math:`\text{pen}\,(Y^* - M)`; each
    recovered particle passes all n stages, so the cost is at least
    :math:`c_s n + c_t n Y^*`. Between the ideal curve's vertices :math:`Y^*` is linear in M
    and the price constant between tier thresholds, so the maximum over
    :math:`M \in [R_{\min} f, f]` is at a vertex, a threshold or an end: evaluated there.
    """
    gs, cm, ca = _cumulative(model.w, model.g)
    rising = np.r_[True, np.diff(ca) > 0]      # zero-grade classes add mass, no metal:
    cm, ca = cm[rising], ca[rising]            # the least mass carrying M comes first
    f = model.f
    m_lo = model.min_recovery * f
    thr_m = _ideal_recovery_at(model.w, model.g, np.array([t for t, _ in model.tiers])) * f
    pts = np.unique(np.clip(np.r_[ca, thr_m, m_lo, f], m_lo, f))
    y_star = np.interp(pts, ca, cm)             # mass of the ideal take carrying metal M
    with np.errstate(invalid="ignore", divide="ignore"):
        purity = np.where(y_star > 0, pts / y_star, 1.0)
    price = model.price(purity * (1 + 1e-12))   # a threshold point earns its tier
    value = price * pts - model.penalty * (y_star - pts)
    ns = np.asarray(ns, dtype=float)
    per_n = value[None, :] - model.cost_per_tonne * ns[:, None] * y_star[None, :]
    return per_n.max(axis=1) - model.cost_per_stage * ns


def _stage_counts(model: _Model, max_stages: int | None) -> tuple[np.ndarray, np.ndarray]:
    """Stage counts 1..N worth examining and their profit bounds: beyond N no design is
    profitable or pays for itself (the bound of :func:`_profit_bounds` is below 0)."""
    slope = model.cost_slope()
    cap = _FREE_STAGE_CAP
    if slope > 0 and model.value_bound() / slope < _FREE_STAGE_CAP:
        cap = int(np.floor(model.value_bound() / slope)) + 1
    if max_stages is not None:
        cap = min(cap, max_stages)
    ns = np.arange(1, max(cap, 1) + 1)
    bound = _profit_bounds(model, ns)
    pos = np.flatnonzero(bound >= 0)
    n_last = int(pos[-1]) + 1 if pos.size else 1
    return ns[:n_last], bound[:n_last]


def _reach(price: np.ndarray, metal: np.ndarray, profit: np.ndarray) -> np.ndarray:
    """Per stage count, the most the refinement can find: in each grid cell the profit at
    either end priced at the cell's higher tier (a tier threshold crossed inside the cell
    pays that tier from the crossing on), plus the largest such step of the cell and its
    neighbours (how far a smooth function can rise between grid points)."""
    hi = np.maximum(price[:, 1:], price[:, :-1])                      # (N, C-1)
    left = profit[:, :-1] + (hi - price[:, :-1]) * metal[:, :-1]
    right = profit[:, 1:] + (hi - price[:, 1:]) * metal[:, 1:]
    step = np.abs(right - left)
    pad = np.pad(step, ((0, 0), (1, 1)))
    slack = np.maximum(np.maximum(pad[:, :-2], pad[:, 1:-1]), pad[:, 2:])
    return (np.maximum(left, right) + slack).max(axis=1)


def _search(model: _Model, n_cuts: int, max_stages: int | None) -> dict[str, Any]:
    """Most profitable design, and the purest that pays for itself, over every stage count
    and cut. A coarse grid over (n, cut) is evaluated at once; the stage counts whose grid
    values come within the grid's own resolution of the best are refined by root finding
    (tier thresholds, C/E = 1) and Brent's bounded method (profit), which converge."""
    ns, bound = _stage_counts(model, max_stages)
    lo = model.cut_span()[0]
    hi = model.floor_cuts(ns)
    keep = hi > lo
    ns, hi, bound = ns[keep], hi[keep], bound[keep]
    if ns.size == 0:
        return {"best": _Best(), "even": _Best(), "designs": pd.DataFrame(),
                "stages_searched": 0}
    frac = np.linspace(0.0, 1.0, n_cuts)
    cuts = lo + (hi[:, None] - lo) * frac[None, :]                    # (N, n_cuts)
    nn = np.broadcast_to(ns[:, None], cuts.shape)
    fl = model.flows(cuts, nn)
    mo = model.money(fl, nn)
    profit = mo["profit"]
    # --- most profitable: refine every n whose grid maximum, plus the largest step between
    # neighbouring grid points of that n (what a refinement inside a cell can add), reaches
    # the best grid value
    top = profit.max(axis=1)
    reach = np.minimum(_reach(model.price(fl["purity"]), fl["metal"], profit), bound)
    best = _Best(score=float(top.max()))
    best_found = _Best()
    first = int(np.argmax(top))   # refined even when no design can pay (least loss)
    for i in np.argsort(-reach):
        if reach[i] < best.score and i != first:
            continue
        n = int(ns[i])
        for seg in _segments(model, n, cuts[i], fl["purity"][i], float(hi[i])):
            mask = (cuts[i] >= seg[0]) & (cuts[i] <= seg[1])
            val, c = _best_in_segment(model, n, seg, cuts[i],
                                      np.where(mask, profit[i], -np.inf))
            if val > best_found.score + 1e-12 * max(1.0, abs(val)):
                best_found = _Best(val, n, c)
                best = _Best(max(val, best.score), n, c)
    best = best_found
    # --- purest design that pays for itself (C/E <= 1): per n, the last paying grid point
    # gives a lower bound and the next grid point an upper bound (purity rises with the cut);
    # refine where the upper bound beats the best lower bound
    pays = profit >= 0
    rows = np.arange(ns.size)
    last = np.where(pays.any(axis=1), n_cuts - 1 - np.argmax(pays[:, ::-1], axis=1), -1)
    pur = fl["purity"]
    low_b = np.where(last >= 0, pur[rows, np.maximum(last, 0)], -np.inf)
    up_b = np.where(last >= 0, pur[rows, np.minimum(last + 1, n_cuts - 1)], -np.inf)
    even = _Best(score=float(low_b.max()) if np.isfinite(low_b).any() else -np.inf)
    even_found = _Best()
    for i in np.argsort(-up_b):
        if not np.isfinite(up_b[i]) or up_b[i] < even.score:
            break
        if bound[i] < 0:
            continue
        n = int(ns[i])
        j = int(last[i])
        c = float(cuts[i, j]) if j == n_cuts - 1 else _paying_root(
            model, n, float(cuts[i, j]), float(cuts[i, j + 1]))
        p_c = model.purity_at(c, n)
        if p_c > even_found.score:
            even_found = _Best(p_c, n, c)
            even = _Best(max(p_c, even.score), n, c)
    even = even_found
    designs = pd.DataFrame({"n_stages": nn.ravel(), "cut": cuts.ravel(),
                            **{k: v.ravel() for k, v in fl.items()},
                            **{k: v.ravel() for k, v in mo.items()}})
    return {"best": best, "even": even, "designs": designs,
            "stages_searched": int(ns.max())}


# ------------------------------------------------------------------------------ the result


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
