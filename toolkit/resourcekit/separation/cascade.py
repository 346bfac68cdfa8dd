"""The counter-current cleaning cascade and tiered prices: the pieces of
:func:`~resourcekit.separation.cost_effect` that are formulas of their own.

A cascade of n stages, each a logistic partition on particle grade, moves a particle up with
odds :math:`e^{x}` (a gambler's-ruin walk, Feller 1968, ch. XIV); tiered prices pay the price
of the highest tier a purity reaches.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from resourcekit.errors import DataError

from . import _kind

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
