"""The search behind :func:`~resourcekit.separation.cost_effect`: the feed, sorter and
economics as one model; the technical wall; the most profitable design over stage counts and
cuts (exact per segment of constant price, bounded by the ideal curve); the ideal-curve reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .cascade import (
    _FREE_STAGE_CAP,
    _X_SPAN,
    _cascade_logit,
)


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
