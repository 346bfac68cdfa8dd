"""Machine learning on REE patterns: scikit-learn transformers, 2-D embeddings, tracing.

- :class:`Normalizer`, :class:`LogRatio`, :class:`Lambdas`: transformers with ``fit`` /
  ``transform``, ``get_feature_names_out`` and pandas output, for a ``Pipeline``.
- :func:`embed`: UMAP, PCA or t-SNE to 2-D, cached on disk by data hash.
- :func:`trace`: classify unknown samples (e.g. tungsten carbide) against labelled patterns
  (e.g. ores by deposit type) with class probabilities, a "resembles none" flag, and
  cross-validation grouped by deposit.

See :mod:`resourcekit.ree._embed` for how UMAP is kept practical in a lesson.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin

from .. import compositional
from ._elements import REE, REY
from ._embed import EMBED_METHODS, _feature_array, cache_dir, embed
from .lambdas import lambdas as _lambdas
from .normalization import _find, normalize

__all__ = [
    "Normalizer",
    "LogRatio",
    "Lambdas",
    "embed",
    "EMBED_METHODS",
    "cache_dir",
    "trace",
    "TraceResult",
    "CLASSIFIERS",
]

class Normalizer(TransformerMixin, BaseEstimator):
    """Transformer: REE columns of a DataFrame -> normalised values (optionally their log).

    Parameters
    ----------
    reference : str
        Reference composition (:func:`~resourcekit.ree.normalize`).
    units : str or dict, optional
        Units of REE columns whose names carry none.
    log : bool
        Return ``ln`` of the normalised values.
    bdl : str
        Detection-limit policy.
    include_y : bool
        Keep Y (default: the 14 REE only).

    Examples
    --------
    >>> import pandas as pd
    >>> X = pd.DataFrame({"La_ppm": [23.7], "Yb_ppm": [1.61], "kind": ["x"]})
    >>> Normalizer().fit_transform(X).round(3).to_dict("list")
    {'La': [100.0], 'Yb': [10.0]}
    """

    def __init__(self, reference: str = "CI_McDonoughSun1995", units: Any = None,
                 log: bool = False, bdl: str = "nan", include_y: bool = False) -> None:
        self.reference = reference
        self.units = units
        self.log = log
        self.bdl = bdl
        self.include_y = include_y

    def fit(self, X: pd.DataFrame, y: Any = None) -> Normalizer:
        if not isinstance(X, pd.DataFrame):
            raise TypeError("Normalizer needs a DataFrame with REE columns named by element")
        cols = _find(X.columns, REY if self.include_y else REE)
        if not cols:
            raise KeyError(f"Normalizer: no REE columns among {list(X.columns)[:12]}")
        self.elements_ = [c.element for c in cols]
        self.feature_names_in_ = np.array([str(c) for c in X.columns], dtype=object)
        self.n_features_in_ = X.shape[1]
        return self

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        out = normalize(X, self.reference, self.units, bdl=self.bdl)[self.elements_]
        out = out.astype("float64")
        if self.log:
            with np.errstate(divide="ignore", invalid="ignore"):
                out = np.log(out)
        return out

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        prefix = "ln_" if self.log else ""
        return np.array([f"{prefix}{el}" for el in self.elements_], dtype=object)


class LogRatio(TransformerMixin, BaseEstimator):
    """Transformer: positive parts -> clr, ilr or alr coordinates (see ``compositional``).

    Examples
    --------
    >>> import pandas as pd
    >>> LogRatio().fit_transform(pd.DataFrame({"a": [1.0], "b": [1.0]})).to_dict("list")
    {'clr_a': [0.0], 'clr_b': [0.0]}
    """

    def __init__(self, kind: str = "clr") -> None:
        self.kind = kind

    def fit(self, X: Any, y: Any = None) -> LogRatio:
        if self.kind not in ("clr", "ilr", "alr"):
            raise ValueError(f"LogRatio: kind = {self.kind!r}; use 'clr', 'ilr' or 'alr'")
        _, _, names = _feature_array(X, "LogRatio")
        self.feature_names_in_ = np.array(names, dtype=object)
        self.n_features_in_ = len(names)
        return self

    def transform(self, X: Any) -> pd.DataFrame:
        arr, index, names = _feature_array(X, "LogRatio")
        frame = pd.DataFrame(arr, index=index, columns=names)
        func = {"clr": compositional.clr, "ilr": compositional.ilr, "alr": compositional.alr}
        out = func[self.kind](frame)
        out.columns = self.get_feature_names_out()
        return out

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        names = list(self.feature_names_in_)
        if self.kind == "clr":
            out = [f"clr_{n}" for n in names]
        elif self.kind == "ilr":
            out = [f"ilr{i + 1}" for i in range(len(names) - 1)]
        else:
            out = [f"ln({n}/{names[-1]})" for n in names[:-1]]
        return np.array(out, dtype=object)


class Lambdas(TransformerMixin, BaseEstimator):
    """Transformer: REE columns -> O'Neill (2016) lambdas (:func:`~resourcekit.ree.lambdas`).

    Examples
    --------
    >>> from resourcekit.ree import reference
    >>> X = (reference("CI_ONeill2016").drop("Y") * 10).to_frame().T
    >>> Lambdas(units="ppm").fit_transform(X).round(4).iloc[0].tolist()
    [2.3026, 0.0, 0.0, 0.0]
    """

    def __init__(self, degree: int = 4, reference: str = "CI_ONeill2016",
                 exclude: tuple[str, ...] = ("Eu",), tetrads: bool = False,
                 units: Any = None) -> None:
        self.degree = degree
        self.reference = reference
        self.exclude = exclude
        self.tetrads = tetrads
        self.units = units

    def fit(self, X: pd.DataFrame, y: Any = None) -> Lambdas:
        self.n_features_in_ = X.shape[1]
        self.feature_names_in_ = np.array([str(c) for c in X.columns], dtype=object)
        return self

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        return _lambdas(X, self.degree, self.reference, self.exclude, tetrads=self.tetrads,
                        units=self.units)

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        names = [f"lambda{k}" for k in range(self.degree)]
        names += [f"tau{k}" for k in range(4)] if self.tetrads else []
        return np.array(names, dtype=object)


def _random_forest() -> Any:
    from sklearn.ensemble import RandomForestClassifier

    return RandomForestClassifier(n_estimators=100, random_state=0, n_jobs=1,
                                  class_weight="balanced")


def _logistic() -> Any:
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=5000))


#: Classifiers for :func:`trace`: name -> (factory, description).
CLASSIFIERS: dict[str, tuple[Any, str]] = {
    "random_forest": (_random_forest, "random forest, 100 trees, balanced class weights"),
    "logistic": (_logistic, "standardised multinomial logistic regression"),
}


def _features(data: pd.DataFrame, features: str, reference: str, units: Any,
              bdl: str = "half") -> pd.DataFrame:
    if features == "clr":
        norm = Normalizer(reference, units, bdl=bdl).fit(data).transform(data)
        out = pd.DataFrame(np.nan, index=norm.index, columns=[f"clr_{c}" for c in norm.columns])
        ok = (norm > 0).all(axis=1) & np.isfinite(norm).all(axis=1)
        if ok.any():
            out.loc[ok] = compositional.clr(norm[ok]).to_numpy()
        return out
    if features == "lambdas":
        return _lambdas(data, 4, "CI_ONeill2016", ("Eu",), units=units, bdl=bdl)
    if features == "given":
        X, index, names = _feature_array(data, "trace")
        return pd.DataFrame(X, index=index, columns=names)
    raise ValueError(f"trace: features = {features!r}; use 'clr', 'lambdas' or 'given'")


class _MahalanobisNovelty:
    """Distance to the nearest class mean in the metric of the pooled within-class covariance."""

    def __init__(self, X: np.ndarray, y: np.ndarray) -> None:
        self.classes = np.unique(y)
        self.means = np.array([X[y == c].mean(axis=0) for c in self.classes])
        centred = X - self.means[np.searchsorted(self.classes, y)]
        cov = centred.T @ centred / max(1, len(X) - len(self.classes))
        self.precision = np.linalg.pinv(cov, rcond=1e-10, hermitian=True)

    def __call__(self, X: np.ndarray) -> np.ndarray:
        diff = X[:, None, :] - self.means[None, :, :]
        d2 = np.einsum("ncj,jk,nck->nc", diff, self.precision, diff)
        return np.sqrt(np.clip(d2, 0.0, None)).min(axis=1)


@dataclass
class TraceResult:
    """Result of :func:`trace`."""

    probabilities: pd.DataFrame
    predicted: pd.Series
    novelty: pd.Series
    unlike_any: pd.Series
    threshold: float
    cv: pd.DataFrame
    model: Any = field(repr=False)
    features: list[str] = field(default_factory=list)

    def summary(self) -> pd.DataFrame:
        """One row per unknown sample: predicted class, its probability, novelty, flag."""
        best = self.probabilities.max(axis=1)
        return pd.DataFrame(
            {
                "predicted": self.predicted,
                "probability": best,
                "novelty": self.novelty,
                "unlike_any": self.unlike_any,
            }
        )


def trace(
    reference_data: pd.DataFrame,
    labels: pd.Series | str,
    samples: pd.DataFrame | None = None,
    groups: pd.Series | str | None = None,
    *,
    features: str = "clr",
    classifier: str = "random_forest",
    reference: str = "CI_McDonoughSun1995",
    units: Any = None,
    bdl: str = "half",
    cv: int = 5,
    novelty_quantile: float = 0.99,
) -> TraceResult:
    r"""Trace unknown samples to the classes of labelled REE patterns, with a novelty flag.

    A classifier is fitted on ``reference_data`` (features: clr of normalised REE, lambdas,
    or the given columns) and gives class probabilities for ``samples``. The novelty score of
    a sample is its Mahalanobis distance to the nearest class mean, with the pooled
    within-class covariance :math:`S` (pseudo-inverse: clr features sum to zero),

    .. math:: s(\mathbf{x}) = \min_c \sqrt{(\mathbf{x} - \boldsymbol\mu_c)^\top S^{+}
              (\mathbf{x} - \boldsymbol\mu_c)}

    and a sample is flagged ``unlike_any`` when its score exceeds the ``novelty_quantile`` of
    the same score of the labelled samples (each without itself).

    Cross-validation reports accuracy and macro F1 both for splits by ``groups``
    (``GroupKFold``: no deposit on both sides) and for a random stratified split, whose
    inflated score shows the leakage (Scharf et al.; Wen et al. 2024).

    Parameters
    ----------
    reference_data : pandas.DataFrame
        Labelled samples (REE columns with units, or features with ``features="given"``).
    labels : pandas.Series or str
        Class of each labelled sample, or the name of its column.
    samples : pandas.DataFrame, optional
        Unknown samples to trace.
    groups : pandas.Series or str, optional
        Group of each labelled sample (e.g. deposit), or its column name.
    features : {"clr", "lambdas", "given"}
        Feature set.
    classifier : str
        Key of :data:`CLASSIFIERS`.
    reference, units
        For normalising (``features="clr"``).
    bdl : str
        Detection-limit policy (default ``"half"``: a log-ratio needs a positive value).
    cv : int
        Folds.
    novelty_quantile : float
        Quantile of the labelled samples' own novelty score used as threshold [-].

    Returns
    -------
    TraceResult
        ``probabilities`` (samples x classes), ``predicted``, ``novelty``, ``unlike_any``,
        ``threshold``, ``cv`` (table of scores), the fitted ``model``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame(rng.normal(size=(60, 3)) + np.repeat([[0, 0, 0], [4, 4, 4]], 30, 0))
    >>> y = pd.Series(["a"] * 30 + ["b"] * 30)
    >>> res = trace(X, y, X.iloc[[0, 59]], features="given", classifier="logistic", cv=3)
    >>> res.predicted.tolist()
    ['a', 'b']
    """
    from sklearn.model_selection import GroupKFold, StratifiedKFold, cross_validate

    if classifier not in CLASSIFIERS:
        raise ValueError(f"trace: classifier = {classifier!r}; use one of {list(CLASSIFIERS)}")
    if not 0 < novelty_quantile < 1:
        raise ValueError(f"novelty_quantile = {novelty_quantile} must lie in (0, 1)")
    if isinstance(labels, str):
        if labels not in reference_data.columns:
            raise KeyError(f"trace: labels column {labels!r} is not in reference_data")
        labels = reference_data[labels]
    if isinstance(groups, str):
        if groups not in reference_data.columns:
            raise KeyError(f"trace: groups column {groups!r} is not in reference_data")
        groups = reference_data[groups]
    labels = pd.Series(labels, index=reference_data.index)
    X_ref = _features(reference_data, features, reference, units, bdl)
    ok = np.isfinite(X_ref.to_numpy()).all(axis=1) & labels.notna().to_numpy()
    if not ok.all():
        warnings.warn(f"trace: {int((~ok).sum())} labelled rows with missing features or "
                      "label left out", UserWarning, stacklevel=2)
    X_ref, y = X_ref[ok], labels[ok].astype(str)
    g = None if groups is None else pd.Series(groups, index=reference_data.index)[ok]
    model = CLASSIFIERS[classifier][0]()
    rows = []
    scoring = {"accuracy": "accuracy", "f1_macro": "f1_macro"}
    n_min = int(y.value_counts().min())
    splits = [("random stratified", StratifiedKFold(min(cv, max(2, n_min)), shuffle=True,
                                                    random_state=0), None)]
    if g is not None:
        n_groups = g.nunique()
        if n_groups < 2:
            raise ValueError("trace: groups must hold at least 2 distinct values")
        splits.append(("grouped (no group on both sides)", GroupKFold(min(cv, n_groups)), g))
    for name, splitter, grp in splits:
        scores = cross_validate(model, X_ref, y, groups=grp, cv=splitter, scoring=scoring)
        rows.append({"split": name, "accuracy": float(np.mean(scores["test_accuracy"])),
                     "f1_macro": float(np.mean(scores["test_f1_macro"])),
                     "folds": len(scores["test_accuracy"])})
    cv_table = pd.DataFrame(rows).set_index("split")
    model.fit(X_ref, y)
    score = _MahalanobisNovelty(X_ref.to_numpy(), y.to_numpy())
    threshold = float(np.quantile(score(X_ref.to_numpy()), novelty_quantile))
    classes = list(model.classes_)
    if samples is None:
        empty = pd.DataFrame(columns=classes, dtype=float)
        return TraceResult(empty, pd.Series(dtype=object), pd.Series(dtype=float),
                           pd.Series(dtype=bool), threshold, cv_table, model,
                           list(X_ref.columns))
    X_new = _features(samples, features, reference, units, bdl)[list(X_ref.columns)]
    good = np.isfinite(X_new.to_numpy()).all(axis=1)
    proba = pd.DataFrame(np.nan, index=X_new.index, columns=classes)
    novelty = pd.Series(np.nan, index=X_new.index, name="novelty")
    if good.any():
        proba.loc[good] = model.predict_proba(X_new[good])
        novelty.loc[good] = score(X_new[good].to_numpy())
    if not good.all():
        warnings.warn(f"trace: {int((~good).sum())} samples with missing features get NaN",
                      UserWarning, stacklevel=2)
    predicted = pd.Series(None, index=X_new.index, dtype=object, name="predicted")
    if good.any():
        predicted.loc[good] = proba.loc[good].idxmax(axis=1)
    unlike = (novelty > threshold).rename("unlike_any")
    return TraceResult(proba, predicted, novelty, unlike, threshold, cv_table, model,
                       list(X_ref.columns))
