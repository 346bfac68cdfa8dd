"""Sensor-based sorting: a threshold on a particle signal trades recovery against purity.

Two curves, not one: :func:`roc_curve` counts particles (true- and false-positive rates of the
classification, independent of the feed's composition), :func:`threshold_sweep` weighs them
(recovery and purity of the sorted product, which depend on particle masses and on how much
of each material the feed holds).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from resourcekit.errors import DataError, LabelError, UnitError
from resourcekit.units import is_quantity

from . import _kind

__all__ = ["threshold_sweep", "best_threshold", "roc_curve", "roc_auc", "CRITERIA"]


def _signals(signal_target: Any, signal_other: Any, masses: Any):
    st = np.atleast_1d(_kind.number(signal_target, "signal_target", allow_nan=False)).ravel()
    so = np.atleast_1d(_kind.number(signal_other, "signal_other", allow_nan=False)).ravel()
    if st.size == 0 or so.size == 0:
        raise DataError("signal_target and signal_other must both hold at least one particle")
    if masses is None:
        mt, mo = np.ones_like(st), np.ones_like(so)
    else:
        if not (isinstance(masses, tuple | list) and len(masses) == 2):
            raise DataError("masses must be a pair (masses_target, masses_other) or None")
        # masses are matched to their signals by label (Series), never by position
        _, got_t = _kind.align({"signal_target": signal_target, "masses[0]": masses[0]})
        _, got_o = _kind.align({"signal_other": signal_other, "masses[1]": masses[1]})
        m0, m1 = got_t["masses[0]"], got_o["masses[1]"]
        has_unit = [is_quantity(v) or str(getattr(v, "dtype", "")).startswith("pint[")
                    for v in (m0, m1)]
        if has_unit[0] != has_unit[1]:
            raise UnitError("one of masses[0] and masses[1] carries a unit and the other does "
                            "not: give both as quantities or both as plain numbers in one unit")
        mt = np.atleast_1d(_kind.mass(m0, "masses[0]")).ravel()
        mo = np.atleast_1d(_kind.mass(m1, "masses[1]")).ravel()
        if mt.shape != st.shape or mo.shape != so.shape:
            raise LabelError("each masses array must have one entry per particle signal")
        if np.isnan(mt).any() or np.isnan(mo).any():
            raise DataError("masses hold NaN: a particle of unknown mass cannot be counted; "
                            "drop it from both the signals and the masses")
        for name, m, what in (("masses[0]", mt, "recovery"), ("masses[1]", mo,
                                                               "gangue_recovery")):
            if not m.sum() > 0:
                raise DataError(f"{name} sum to {m.sum():g}: with no mass of that material "
                                f"its {what} is undefined; give the particles' masses (> 0)")
    return st, so, mt, mo


def threshold_sweep(
    signal_target: Any,
    signal_other: Any,
    masses: Any = None,
    *,
    thresholds: Any = None,
    accept: str = "above",
) -> pd.DataFrame:
    r"""Recovery, purity and separation efficiency of a sorter at every threshold.

    A particle goes to the product (is ejected) when its signal is ``>= threshold``
    (``accept="above"``) or ``<= threshold`` (``accept="below"``).

    Parameters
    ----------
    signal_target, signal_other : array or Series
        Sensor signal of each particle of the target material and of the other material.
    masses : pair of arrays, optional
        Particle masses ``(masses_target, masses_other)``; default: count basis.
    thresholds : array, int or None
        Thresholds to evaluate; an int n (>= 2) gives n evenly spaced values over the signal
        range (a non-whole number raises DataError: pass ``[2.7]`` for one threshold);
        None gives every distinct signal value (the full trade-off curve).
    accept : {"above", "below"}
        Which side of the threshold goes to the product.

    Returns
    -------
    DataFrame
        ``threshold``, ``recovery`` (target to product), ``purity`` (target share of the
        product mass), ``gangue_recovery`` (recovery of the other material to the product:
        the canonical name, as in :func:`two_product`), ``other_recovery`` (the same column
        under its older name, kept for existing code), ``mass_yield`` and
        ``separation_efficiency`` = recovery - gangue_recovery.

    Notes
    -----
    One sort and cumulative sums, then a binary search per threshold: O((N + K) log N).

    .. math::

        R(\theta) = \frac{\sum_{s_i \ge \theta,\,i \in T} m_i}{\sum_{i \in T} m_i},\quad
        \text{purity}(\theta) = \frac{\sum_{s_i \ge \theta,\,i \in T} m_i}
        {\sum_{s_i \ge \theta} m_i}

    References
    ----------
    - [1] Fawcett T. (2006) An introduction to ROC analysis. Pattern Recognit. Lett.
      27:861-874. On a count basis (``masses=None``) recovery and gangue_recovery are the
      true- and false-positive rates of the ROC curve (:func:`roc_curve`); weighted by mass
      they are not, and purity also depends on the feed's composition.

    Examples
    --------
    >>> t = threshold_sweep([3.0, 4.0], [1.0, 3.5], thresholds=[2.0, 3.75])
    >>> t[["recovery", "purity"]].round(3).values.tolist()
    [[1.0, 0.667], [0.5, 1.0]]
    """
    _kind.check_option(accept, "accept", ("above", "below"))
    st, so, mt, mo = _signals(signal_target, signal_other, masses)
    sign = 1.0 if accept == "above" else -1.0
    s = np.concatenate([st, so])
    if sign < 0:
        s = -s
    order = np.argsort(s)  # ties need no stable order: sums are taken at tie boundaries
    s = s[order]
    if masses is None:
        is_t = order < st.size
        ct = np.concatenate([[0.0], np.cumsum(is_t, dtype=float)])
        co = np.arange(s.size + 1, dtype=float) - ct
    else:
        w = np.concatenate([mt, mo])[order]
        wt = np.where(order < st.size, w, 0.0)
        ct = np.concatenate([[0.0], np.cumsum(wt)])
        co = np.concatenate([[0.0], np.cumsum(w - wt)])
    if thresholds is None:
        first = np.empty(s.size, dtype=bool)
        first[0] = True
        np.not_equal(s[1:], s[:-1], out=first[1:])
        idx = np.flatnonzero(first)  # particles at idx.. have s >= th
        th = s[idx]
    else:
        if np.ndim(thresholds) == 0:
            count = _kind.one(_kind.number(thresholds, "thresholds", low=2, allow_nan=False),
                              "thresholds")
            if count != int(count):
                raise DataError(
                    f"thresholds = {count:g}: a single number is a count of evenly spaced "
                    f"thresholds and must be a whole number; for one threshold at {count:g} "
                    f"pass a list, thresholds=[{count:g}]")
            n = int(count)
            th = np.linspace(s[0], s[-1], n)
        else:
            th = np.atleast_1d(_kind.number(thresholds, "thresholds", allow_nan=False)
                               ).ravel() * sign
        idx = np.searchsorted(s, th, side="left")  # particles at idx.. have s >= th
    tt, to = ct[-1], co[-1]
    t_in = tt - ct[idx]
    o_in = to - co[idx]
    prod = t_in + o_in
    with np.errstate(divide="ignore", invalid="ignore"):
        purity = np.where(prod > 0, t_in / np.where(prod > 0, prod, 1.0), np.nan)
    rec = t_in / tt if tt > 0 else np.zeros_like(t_in)
    orec = o_in / to if to > 0 else np.zeros_like(o_in)
    return pd.DataFrame(
        {
            "threshold": th * sign,
            "recovery": rec,
            "purity": purity,
            "gangue_recovery": orec,
            "other_recovery": orec,
            "mass_yield": prod / (tt + to),
            "separation_efficiency": rec - orec,
        }
    )


def _crit_se(table: pd.DataFrame, target: float | None) -> pd.Series:
    return table["separation_efficiency"]


def _crit_f1(table: pd.DataFrame, target: float | None) -> pd.Series:
    r, p = table["recovery"], table["purity"].fillna(0.0)
    return (2 * r * p / (r + p)).fillna(0.0)


def _crit_min_purity(table: pd.DataFrame, target: float | None) -> pd.Series:
    if target is None:
        raise DataError("criterion 'min_purity' needs target=..., the purity to reach (0-1)")
    return table["recovery"].where(table["purity"] >= target, -np.inf)


def _crit_min_recovery(table: pd.DataFrame, target: float | None) -> pd.Series:
    if target is None:
        raise DataError("criterion 'min_recovery' needs target=..., the recovery to keep "
                        "(0-1)")
    return table["purity"].fillna(-np.inf).where(table["recovery"] >= target, -np.inf)


#: Criteria of :func:`best_threshold`: name -> (scoring function, description).
CRITERIA = {
    "separation_efficiency": (_crit_se, "max recovery - gangue_recovery (Newton; Youden's J "
                                        "when counted, masses=None)"),
    "f1": (_crit_f1, "max harmonic mean of recovery and purity"),
    "min_purity": (_crit_min_purity, "max recovery with purity >= target"),
    "min_recovery": (_crit_min_recovery, "max purity with recovery >= target"),
}


def best_threshold(
    signal_target: Any,
    signal_other: Any,
    masses: Any = None,
    *,
    criterion: str = "separation_efficiency",
    target: float | None = None,
    accept: str = "above",
    thresholds: Any = None,
) -> pd.Series:
    """The threshold that is best by ``criterion``, with its recovery and purity.

    Parameters
    ----------
    signal_target, signal_other, masses, accept, thresholds
        As :func:`threshold_sweep`.
    criterion : str
        A key of :data:`CRITERIA`: ``"separation_efficiency"``, ``"f1"``, ``"min_purity"``
        (with ``target`` purity) or ``"min_recovery"`` (with ``target`` recovery).
    target : float, optional
        Purity or recovery constraint (0-1) of the constrained criteria.

    Returns
    -------
    Series
        The row of :func:`threshold_sweep` at the optimum.

    Raises
    ------
    ValueError
        If no threshold meets a constraint.

    Examples
    --------
    >>> float(best_threshold([3.0, 4.0], [1.0, 2.0])["threshold"])
    3.0
    """
    _kind.check_option(criterion, "criterion", sorted(CRITERIA))
    table = threshold_sweep(signal_target, signal_other, masses, thresholds=thresholds,
                            accept=accept)
    score = CRITERIA[criterion][0](table, target)
    if not np.isfinite(score.max()):
        raise DataError(f"no threshold meets criterion {criterion!r} with target = {target}")
    return table.loc[score.idxmax()]


def roc_curve(signal_target: Any, signal_other: Any, *, accept: str = "above") -> pd.DataFrame:
    r"""Receiver operating characteristic of a threshold classifier, by particle count.

    A particle is classified as target (positive) when its signal is ``>= threshold``
    (``accept="above"``) or ``<= threshold`` (``accept="below"``). At each threshold the
    true-positive rate is the share of target particles classified as target and the
    false-positive rate the share of other particles classified as target, both **by count**:

    .. math::

        \mathrm{TPR}(\theta) = \frac{\#\{i \in T: s_i \ge \theta\}}{\#T},\qquad
        \mathrm{FPR}(\theta) = \frac{\#\{i \in O: s_i \ge \theta\}}{\#O}

    (Fawcett 2006, eqs. in sec. 2). Neither rate depends on how many particles of each kind
    the feed holds (the prevalence), nor on their masses; the recovery and purity of
    :func:`threshold_sweep` depend on both. The curve starts at (0, 0) (threshold above every
    signal, here ``inf``) and ends at (1, 1).

    Parameters
    ----------
    signal_target, signal_other : array or Series
        Sensor signal of each particle of the target material and of the other material.
    accept : {"above", "below"}
        Which side of the threshold is classified as target.

    Returns
    -------
    DataFrame
        ``threshold`` (decreasing for ``"above"``, increasing for ``"below"``; the first row
        is ``inf``, or ``-inf`` for ``"below"``), ``true_positive_rate`` and
        ``false_positive_rate`` [-]: one row per distinct signal value plus the (0, 0) corner.

    References
    ----------
    - [1] Fawcett T. (2006) An introduction to ROC analysis. Pattern Recognit. Lett.
      27(8):861-874. doi:10.1016/j.patrec.2005.10.010

    Examples
    --------
    >>> roc_curve([3.0, 4.0], [1.0, 3.5]).round(2).values.tolist()
    [[inf, 0.0, 0.0], [4.0, 0.5, 0.0], [3.5, 0.5, 0.5], [3.0, 1.0, 0.5], [1.0, 1.0, 1.0]]
    """
    _kind.check_option(accept, "accept", ("above", "below"))
    sweep = threshold_sweep(signal_target, signal_other, None, thresholds=None, accept=accept)
    sweep = sweep.iloc[::-1]  # from the strictest threshold (fewest accepted) to accepting all
    corner = np.inf if accept == "above" else -np.inf
    return pd.DataFrame({
        "threshold": np.concatenate([[corner], sweep["threshold"].to_numpy()]),
        "true_positive_rate": np.concatenate([[0.0], sweep["recovery"].to_numpy()]),
        "false_positive_rate": np.concatenate([[0.0], sweep["gangue_recovery"].to_numpy()]),
    })


def roc_auc(signal_target: Any, signal_other: Any, *, accept: str = "above") -> float:
    r"""Area under the ROC curve: the probability that a random target particle's signal ranks
    above a random other particle's (ties count one half).

    .. math::

        \mathrm{AUC} = \frac{1}{\#T\,\#O}\sum_{i \in T}\sum_{j \in O}
        \left([s_i > s_j] + \tfrac12 [s_i = s_j]\right)

    computed from ranks (the Mann-Whitney U statistic over #T #O), equal to the trapezoidal
    area under :func:`roc_curve` (Fawcett 2006, sec. 7). ``accept="below"`` ranks low signals
    first.

    Parameters
    ----------
    signal_target, signal_other : array or Series
        Sensor signal of each particle of the target material and of the other material.
    accept : {"above", "below"}
        Which side of a threshold is classified as target.

    Returns
    -------
    float
        AUC in [0, 1]; 0.5 for a sensor that cannot tell the two apart. [-]

    Examples
    --------
    >>> roc_auc([3.0, 4.0], [1.0, 3.5])
    0.75
    """
    from scipy.stats import rankdata

    _kind.check_option(accept, "accept", ("above", "below"))
    st, so, _, _ = _signals(signal_target, signal_other, None)
    if accept == "below":
        st, so = -st, -so
    ranks = rankdata(np.concatenate([st, so]))  # average ranks: ties count one half
    u = ranks[: st.size].sum() - st.size * (st.size + 1) / 2.0
    return float(u / (st.size * so.size))
