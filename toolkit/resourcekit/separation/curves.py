"""Upgrading curves: grade-recovery, Fuerstenau, and the liberation-limited ideal curve."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from resourcekit.errors import DataError, LabelError

from . import _kind

__all__ = ["grade_recovery_curve", "fuerstenau_curve", "ideal_separation_curve"]


def grade_recovery_curve(mass: Any, grade: Any, *, pure: float = 1.0) -> pd.DataFrame:
    r"""Cumulative upgrading curve of products collected in the given order.

    Parameters
    ----------
    mass : array or Series
        Mass of each product or class, in the order it joins the concentrate (e.g. flotation
        time increments, density classes from the densest). [any mass unit]
    grade : array, Series or pint.Quantity
        Grade of A in each product or class. [mass fraction]
    pure : float
        Grade of A in the pure mineral. [mass fraction]

    Returns
    -------
    DataFrame
        One row per cumulative concentrate, starting with the empty concentrate: ``mass_yield``,
        ``grade`` (cumulative), ``recovery`` (of A), ``gangue_recovery`` (not-A to the
        concentrate; the toolkit's one name for this quantity), ``separation_efficiency``,
        ``enrichment_ratio``.

    Notes
    -----
    .. math::

        Y_k = \frac{\sum_{i \le k} m_i}{\sum_i m_i},\quad
        c_k = \frac{\sum_{i \le k} m_i g_i}{\sum_{i \le k} m_i},\quad
        R_k = \frac{\sum_{i \le k} m_i g_i}{\sum_i m_i g_i},\quad
        R_{g,k} = \frac{\sum_{i \le k} m_i (m - g_i)}{\sum_i m_i (m - g_i)}

    References
    ----------
    - [1] Drzymala J. (2007) Mineral Processing: Foundations of theory and practice of
      minerallurgy, Wroclaw Univ. of Technology, ch. on upgrading curves.

    Examples
    --------
    >>> grade_recovery_curve([1, 1, 2], [0.8, 0.2, 0.0])["recovery"].tolist()
    [0.0, 0.8, 1.0, 1.0]
    """
    _, got = _kind.align({"mass": mass, "grade": grade})
    mvec = np.atleast_1d(_kind.mass(got["mass"], "mass")).ravel()
    g = np.atleast_1d(_kind.grade(got["grade"], "grade")).ravel()
    pure = _kind.one(_kind.fraction(pure, "pure"), "pure")
    if mvec.shape != g.shape:
        raise LabelError(f"mass has {mvec.size} entries but grade has {g.size}")
    if np.isnan(mvec).any() or np.isnan(g).any():
        raise DataError("mass or grade holds NaN: a cumulative upgrading curve needs every "
                        "class (an unknown class would shift every later point); drop or fill "
                        "it first")
    if mvec.size == 0 or mvec.sum() <= 0:
        raise DataError("mass is empty or sums to 0")
    if np.any(g > pure):
        raise DataError(f"a grade exceeds pure = {pure:g}")
    metal = mvec * g
    gangue = mvec * (pure - g)
    cm = np.concatenate([[0.0], np.cumsum(mvec)])
    ca = np.concatenate([[0.0], np.cumsum(metal)])
    cg = np.concatenate([[0.0], np.cumsum(gangue)])
    with np.errstate(divide="ignore", invalid="ignore"):
        cgrade = np.where(cm > 0, ca / np.where(cm > 0, cm, 1), np.nan)
    cgrade[0] = g[0] if g.size else np.nan  # limit of an empty concentrate: first product's grade
    rec = ca / metal.sum() if metal.sum() > 0 else np.zeros_like(ca)
    rg = cg / gangue.sum() if gangue.sum() > 0 else np.zeros_like(cg)
    feed_grade = metal.sum() / mvec.sum()
    return pd.DataFrame(
        {
            "mass_yield": cm / mvec.sum(),
            "grade": cgrade,
            "recovery": rec,
            "gangue_recovery": rg,
            "separation_efficiency": rec - rg,
            "enrichment_ratio": cgrade / feed_grade if feed_grade > 0 else np.nan,
        }
    )


def fuerstenau_curve(mass: Any, grade: Any, *, pure: float = 1.0) -> pd.DataFrame:
    r"""Fuerstenau upgrading curve: recovery of A to the concentrate against recovery of not-A
    to the tailing, for products collected in the given order.

    .. math::

        \varepsilon_A = R_k,\qquad \varepsilon_{\bar A,\,t} = 1 - R_{g,k}

    ``gangue_to_tailing`` is the complement of ``gangue_recovery`` (1 - gangue_recovery: not-A
    rejected to the tailing), the Fuerstenau plot's own axis.
    A perfect separation passes through (1, 1); a split without separation follows
    :math:`\varepsilon_A + \varepsilon_{\bar A,t} = 1`.

    References
    ----------
    - [1] Fuerstenau D.W. et al. (as summarised by Drzymala J. (2006) Atlas of upgrading
      curves, Physicochem. Probl. Miner. Process. 40:19-29).

    >>> fuerstenau_curve([1, 1, 2], [0.8, 0.2, 0.0])["gangue_to_tailing"].round(3).tolist()
    [1.0, 0.933, 0.667, 0.0]
    """
    gr = grade_recovery_curve(mass, grade, pure=pure)
    return pd.DataFrame(
        {"recovery": gr["recovery"], "gangue_to_tailing": 1.0 - gr["gangue_recovery"]}
    )


def ideal_separation_curve(
    classes: pd.DataFrame, *, mass: str = "mass", grade: str = "grade", pure: float = 1.0
) -> pd.DataFrame:
    r"""Liberation-limited ideal upgrading curve: classes sorted by grade, richest first.

    No separator that acts on whole particles can beat this curve: at any mass yield the
    richest particles give the highest recovery (the washability construction).

    Parameters
    ----------
    classes : DataFrame
        One row per liberation class (or particle), with a mass and a grade column.
    mass, grade : str
        Column names. Grades may be given in a unit named in the column
        (``"grade [%]"``); pass ``grade="grade [%]"`` and it is converted.
    pure : float
        Grade of A in the pure mineral. [mass fraction]

    Returns
    -------
    DataFrame
        As :func:`grade_recovery_curve`, plus ``class`` (the label of the last class taken).

    References
    ----------
    - [1] Oki T., TRANSortics column 38 (AIST): purity limit from liberation data.
    - [2] Wills B.A., Finch J.A. (2016) Wills' Mineral Processing Technology, 8th ed.,
      ch. 1 (liberation and the grade-recovery limit).

    Examples
    --------
    >>> cls = pd.DataFrame({"mass": [2, 1, 1], "grade": [0.0, 1.0, 0.5]})
    >>> ideal_separation_curve(cls)["recovery"].round(3).tolist()
    [0.0, 0.667, 1.0, 1.0]
    """
    m, g = _kind.classes_table(classes, mass, grade)
    order = np.argsort(-g, kind="stable")
    out = grade_recovery_curve(m[order], g[order], pure=pure)
    out.insert(0, "class", [None, *np.asarray(classes.index)[order]])
    return out
