"""Novelty detection: is a sample unlike every labelled class? Calibrated, measured, explained.

Chosen by measurement on the real apatite set (O'Sullivan et al. 2020; 878 analyses with all
14 REE, 7 host-rock classes; each class held out of training in turn, 5-fold split of the
known classes, threshold at the 95th percentile of the leave-one-out scores; see
``benchmarks/bench_ree_explore.py``):

=============================================  ==========================  ============
detector (features)                            unseen class flagged        false flags
=============================================  ==========================  ============
pooled-Mahalanobis to nearest class mean, clr  0.23-0.25                   0.049-0.057
LOF (20 neighbours, novelty), whitened clr     0.37                        0.053
kNN mean distance (k=5), whitened clr          0.31                        0.054
**kNN mean distance (k=5), standardised clr**  **0.44**                    **0.051**
LOF (20 neighbours), standardised ln X_N       0.48                        0.051
**kNN mean distance (k=5), standardised ln**   **0.54**                    **0.051**
=============================================  ==========================  ============

The default is therefore the mean Euclidean distance to the ``k`` nearest labelled samples
in standardised feature space (each feature scaled by its standard deviation over the
labelled set), a distance-based outlier score (Ramaswamy et al. 2000; Angiulli & Pizzuti
2002). Which features is a domain choice: ln X_N (shape and level) finds most unseen apatite
classes, but flags every tungsten-carbide lot of the synthetic W-ore set as new because
processing dilutes the REE; clr (shape only) flags the 3 lots of outside source and 0-35 % of
the others. :func:`~resourcekit.ree.trace` uses the classifier's features (clr) by default,
:func:`~resourcekit.ree.explore` ln X_N (a table against a library of the same mineral).

Its threshold is calibrated on scores each labelled sample gets *without itself*
(leave-one-out: its own row is removed from its neighbours), or, with
``calibration="group"``, without its whole group (e.g. its publication or deposit: a
``GroupKFold`` refit), and turned into conformal p-values (Vovk et al. 2005; Bates et al. 2023,
"Testing for outliers with conformal p-values", Ann. Statist. 51:149),

.. math:: p(\\mathbf{x}) = \\frac{1 + \\#\\{i : s_i \\ge s(\\mathbf{x})\\}}{n + 1},

where :math:`s_i` are the calibration scores. A sample is flagged when its score exceeds the
``quantile`` of the calibration scores (equivalently :math:`p \\lesssim 1 - q`).

Measured limit (stated, not hidden): when the known classes are tested on *publications not
seen in training*, the same threshold flags 26-30 % of them (laboratory and publication
effects are as large as class differences in REE patterns); calibrating by publication
(``calibration="group"``) brings false flags back to about 4-5 % but then only 7-15 % of an
unseen class is flagged. "Unlike any class" therefore means "unlike any labelled sample", not
"from a new host rock".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataError, OptionError

__all__ = ["NOVELTY_METHODS", "NoveltyDetector", "holdout_novelty"]

#: Novelty scores: name -> description.
NOVELTY_METHODS: dict[str, str] = {
    "knn": "mean distance to the k nearest labelled samples, standardised features "
           "(Ramaswamy et al. 2000)",
    "lof": "local outlier factor, novelty mode (Breunig et al. 2000)",
    "mahalanobis": "Mahalanobis distance to the nearest class mean, pooled within-class "
                   "covariance (pseudo-inverse)",
}
_CALIBRATIONS = ("loo", "group")


def _as_array(X: Any, name: str) -> np.ndarray:
    arr = np.asarray(X, dtype="float64")
    if arr.ndim != 2:
        raise DataError(f"{name}: expected a 2-D table of features, got shape {arr.shape}")
    if not np.isfinite(arr).all():
        bad = int((~np.isfinite(arr).all(axis=1)).sum())
        raise DataError(f"{name}: {bad} rows hold NaN or inf; drop or impute them first")
    return arr


@dataclass
class _Fitted:
    X: np.ndarray
    y: np.ndarray | None
    centre: np.ndarray
    scale: np.ndarray
    extra: Any = None


class NoveltyDetector:
    """Score how unlike a set of labelled samples each new sample is, with a calibrated flag.

    Parameters
    ----------
    method : {"knn", "lof", "mahalanobis"}
        Score, see :data:`NOVELTY_METHODS`.
    n_neighbors : int
        ``k`` for ``"knn"`` (default 5) and ``"lof"`` (20 is used when left at 5).
    quantile : float
        Quantile of the calibration scores used as threshold [-] (0.95: about 5 % of new
        samples like the labelled ones are flagged).
    calibration : {"loo", "group"}
        ``"loo"``: each labelled sample scored without itself; ``"group"``: without its group
        (needs ``groups`` in :meth:`fit`).

    Attributes
    ----------
    threshold_ : float
        Score above which a sample is flagged.
    calibration_scores_ : numpy.ndarray
        Scores of the labelled samples (without themselves / their group).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(200, 3))
    >>> det = NoveltyDetector().fit(X)
    >>> det.flag(np.array([[0.0, 0.0, 0.0], [8.0, 8.0, 8.0]])).tolist()
    [False, True]
    >>> round(float(det.p_values(np.array([[8.0, 8.0, 8.0]]))[0]), 4)  # 1 / (200 + 1)
    0.005
    """

    def __init__(self, method: str = "knn", *, n_neighbors: int = 5, quantile: float = 0.95,
                 calibration: str = "loo") -> None:
        if method not in NOVELTY_METHODS:
            raise OptionError(f"novelty method = {method!r}; use one of {list(NOVELTY_METHODS)}")
        if calibration not in _CALIBRATIONS:
            raise OptionError(f"calibration = {calibration!r}; use one of {list(_CALIBRATIONS)}")
        if not 0 < quantile < 1:
            raise OptionError(f"quantile = {quantile!r} must lie in (0, 1)")
        if int(n_neighbors) < 1:
            raise OptionError(f"n_neighbors = {n_neighbors!r} must be at least 1")
        self.method = method
        self.n_neighbors = int(n_neighbors)
        self.quantile = float(quantile)
        self.calibration = calibration

    # -- fitting ---------------------------------------------------------------------------
    def _k(self, n: int) -> int:
        k = self.n_neighbors if self.method == "knn" or self.n_neighbors != 5 else 20
        return max(1, min(k, n - 1))

    def _fit_model(self, X: np.ndarray, y: np.ndarray | None) -> _Fitted:
        centre = X.mean(axis=0)
        scale = X.std(axis=0)
        scale = np.where(scale > 0, scale, 1.0)
        Z = (X - centre) / scale
        if self.method == "knn":
            from sklearn.neighbors import NearestNeighbors

            extra = NearestNeighbors().fit(Z)
        elif self.method == "lof":
            from sklearn.neighbors import LocalOutlierFactor

            extra = LocalOutlierFactor(n_neighbors=self._k(len(Z)), novelty=True).fit(Z)
        else:
            labels = np.zeros(len(Z), dtype=int) if y is None else y
            classes = np.unique(labels)
            means = np.array([Z[labels == c].mean(axis=0) for c in classes])
            centred = Z - means[np.searchsorted(classes, labels)]
            cov = centred.T @ centred / max(1, len(Z) - len(classes))
            extra = (means, np.linalg.pinv(cov, rcond=1e-10, hermitian=True))
        return _Fitted(Z, y, centre, scale, extra)

    def _score(self, fitted: _Fitted, X: np.ndarray, *, loo: bool = False) -> np.ndarray:
        Z = (X - fitted.centre) / fitted.scale
        n = len(fitted.X)
        if self.method == "knn":
            k = self._k(n)
            if not loo:
                dist, _ = fitted.extra.kneighbors(Z, n_neighbors=k)
                return dist.mean(axis=1)
            dist, ind = fitted.extra.kneighbors(Z, n_neighbors=k + 1)
            own = ind == np.arange(len(Z))[:, None]
            # Drop the sample itself; when a duplicate hid it from the list, drop the last.
            drop = np.where(own.any(axis=1), own.argmax(axis=1), k)
            keep = np.ones_like(own)
            keep[np.arange(len(Z)), drop] = False
            return dist[keep].reshape(len(Z), k).mean(axis=1)
        if self.method == "lof":
            if loo:  # scikit-learn's training LOF leaves each sample out of its neighbours
                return -fitted.extra.negative_outlier_factor_
            return -fitted.extra.score_samples(Z)
        means, precision = fitted.extra
        diff = Z[:, None, :] - means[None, :, :]
        d2 = np.einsum("ncj,jk,nck->nc", diff, precision, diff)
        return np.sqrt(np.clip(d2, 0.0, None)).min(axis=1)

    def _loo_mahalanobis(self, X: np.ndarray, y: np.ndarray | None) -> np.ndarray:
        # Each sample scored by a refit (means, covariance, scaling) without it: exact
        # leave-one-out up to 200 rows, 20-fold cross-fitting above (each fold left out).
        from sklearn.model_selection import KFold

        out = np.empty(len(X))
        folds = KFold(min(len(X), 200 if len(X) <= 200 else 20), shuffle=True, random_state=0)
        for train, test in folds.split(X):
            fit = self._fit_model(X[train], None if y is None else y[train])
            out[test] = self._score(fit, X[test])
        return out

    def fit(self, X: Any, y: Any = None, groups: Any = None) -> NoveltyDetector:
        """Fit on labelled features ``X`` (classes ``y`` used by ``"mahalanobis"``) and
        calibrate the threshold (see the class docstring)."""
        X = _as_array(X, "NoveltyDetector.fit")
        if len(X) < 3:
            raise DataError(f"NoveltyDetector.fit: need at least 3 labelled rows, got {len(X)}")
        y_arr = None if y is None else np.asarray(y).astype(str)
        if y_arr is not None and len(y_arr) != len(X):
            raise DataError(f"NoveltyDetector.fit: {len(y_arr)} labels for {len(X)} rows")
        self.fitted_ = self._fit_model(X, y_arr)
        if self.calibration == "group":
            if groups is None:
                raise OptionError("calibration='group' needs groups= (e.g. the publication)")
            g = np.asarray(groups).astype(str)
            if len(g) != len(X):
                raise DataError(f"NoveltyDetector.fit: {len(g)} groups for {len(X)} rows")
            n_groups = len(np.unique(g))
            if n_groups < 2:
                raise DataError("calibration='group' needs at least 2 distinct groups")
            from sklearn.model_selection import GroupKFold

            cal = np.empty(len(X))
            for train, test in GroupKFold(min(5, n_groups)).split(X, groups=g):
                fit = self._fit_model(X[train], None if y_arr is None else y_arr[train])
                cal[test] = self._score(fit, X[test])
        elif self.method == "mahalanobis":
            cal = self._loo_mahalanobis(X, y_arr)
        else:
            cal = self._score(self.fitted_, X, loo=True)
        self.calibration_scores_ = np.sort(cal)
        self.threshold_ = float(np.quantile(cal, self.quantile))
        return self

    # -- use -------------------------------------------------------------------------------
    def score(self, X: Any, *, exclude_identical: bool = False) -> np.ndarray:
        """Novelty score of each row [-] (larger: more unlike the labelled samples).

        ``exclude_identical=True`` (``"knn"`` only): a row identical to a labelled sample is
        scored without that sample, as in calibration (a table checked against a library
        that contains it would otherwise look familiar by construction)."""
        X = _as_array(X, "NoveltyDetector.score")
        if not exclude_identical or self.method != "knn":
            return self._score(self.fitted_, X)
        fitted = self.fitted_
        Z = (X - fitted.centre) / fitted.scale
        k = self._k(len(fitted.X))
        dist, _ = fitted.extra.kneighbors(Z, n_neighbors=min(k + 1, len(fitted.X)))
        same = dist[:, 0] == 0.0
        self.n_identical_ = int(same.sum())
        return np.where(same, dist[:, 1:k + 1].mean(axis=1), dist[:, :k].mean(axis=1))

    def p_values(self, X: Any, *, exclude_identical: bool = False) -> np.ndarray:
        """Conformal p-value of each row: ``(1 + #{calibration >= s}) / (n + 1)`` [-]."""
        s = self.score(X, exclude_identical=exclude_identical)
        cal = self.calibration_scores_
        at_least = len(cal) - np.searchsorted(cal, s, side="left")
        return (1.0 + at_least) / (len(cal) + 1.0)

    def flag(self, X: Any) -> np.ndarray:
        """True where the score exceeds :attr:`threshold_`."""
        return self.score(X) > self.threshold_


def nearest_classes(X_ref: Any, y: Any, X: Any, *, n_neighbors: int = 5,
                    top: int = 3) -> pd.DataFrame:
    """The classes closest to each row: mean distance to its ``n_neighbors`` nearest samples of
    each class, standardised features, the ``top`` smallest.

    Returns
    -------
    pandas.DataFrame
        Columns ``class1, distance1, class2, distance2, ...`` (one row per row of ``X``).

    Examples
    --------
    >>> Xr = np.array([[0.0], [0.1], [0.2], [5.0], [5.1], [5.2]])
    >>> near = nearest_classes(Xr, ["a"] * 3 + ["b"] * 3, np.array([[4.0]]), n_neighbors=2)
    >>> near["class1"].tolist()
    ['b']
    """
    from sklearn.neighbors import NearestNeighbors

    Xr = _as_array(X_ref, "nearest_classes")
    Xn = _as_array(X, "nearest_classes")
    labels = np.asarray(y).astype(str)
    centre, scale = Xr.mean(axis=0), Xr.std(axis=0)
    scale = np.where(scale > 0, scale, 1.0)
    Zr, Zn = (Xr - centre) / scale, (Xn - centre) / scale
    classes = np.unique(labels)
    dist = np.empty((len(Zn), len(classes)))
    for j, c in enumerate(classes):
        members = Zr[labels == c]
        k = max(1, min(n_neighbors, len(members)))
        d, _ = NearestNeighbors(n_neighbors=k).fit(members).kneighbors(Zn)
        dist[:, j] = d.mean(axis=1)
    order = np.argsort(dist, axis=1)[:, :top]
    out = {}
    for r in range(order.shape[1]):
        out[f"class{r + 1}"] = classes[order[:, r]]
        out[f"distance{r + 1}"] = np.take_along_axis(dist, order[:, r:r + 1], axis=1)[:, 0]
    return pd.DataFrame(out)


def holdout_novelty(X: Any, y: Any, groups: Any = None, *, by: str = "class",
                    method: str = "knn", n_neighbors: int = 5, quantile: float = 0.95,
                    calibration: str = "loo", folds: int = 5) -> pd.DataFrame:
    """How well novelty detection finds a class it has never seen, and how often it flags
    known ones: each class held out of training in turn.

    For each class ``c``: the other classes are split in ``folds`` (stratified by class, or
    by ``groups`` when ``by="group"``, e.g. publication); a detector fitted on the training
    part flags ``detected`` = the share of class ``c`` and ``false_flags`` = the share of the
    known classes' test part (averaged over the folds).

    Returns
    -------
    pandas.DataFrame
        Index: held-out class; columns ``detected``, ``false_flags`` [-], ``n_unseen``.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> X = np.vstack([rng.normal(m, 0.3, (40, 2)) for m in (0, 3, 6)])
    >>> y = np.repeat(["a", "b", "c"], 40)
    >>> t = holdout_novelty(X, y)
    >>> bool(t.loc["c", "detected"] > 0.9), bool(t["false_flags"].mean() < 0.15)
    (True, True)
    """
    from sklearn.model_selection import GroupKFold, StratifiedKFold

    X = _as_array(X, "holdout_novelty")
    y = np.asarray(y).astype(str)
    if by not in ("class", "group"):
        raise OptionError(f"by = {by!r}; use 'class' or 'group'")
    g = None if groups is None else np.asarray(groups).astype(str)
    if by == "group" and g is None:
        raise OptionError("by='group' needs groups=")
    rows = []
    for c in np.unique(y):
        known = y != c
        Xk, yk = X[known], y[known]
        if by == "class":
            n_split = max(2, min(folds, int(pd.Series(yk).value_counts().min())))
            splits = StratifiedKFold(n_split, shuffle=True, random_state=0).split(Xk, yk)
        else:
            gk = g[known]
            splits = GroupKFold(max(2, min(folds, len(np.unique(gk))))).split(Xk, yk, gk)
        det, ff = [], []
        for train, test in splits:
            detector = NoveltyDetector(method, n_neighbors=n_neighbors, quantile=quantile,
                                       calibration=calibration)
            detector.fit(Xk[train], yk[train], None if g is None else g[known][train])
            det.append(float(detector.flag(X[~known]).mean()))
            ff.append(float(detector.flag(Xk[test]).mean()))
        rows.append({"held_out": c, "detected": float(np.mean(det)),
                     "false_flags": float(np.mean(ff)), "n_unseen": int((~known).sum())})
    return pd.DataFrame(rows).set_index("held_out")
