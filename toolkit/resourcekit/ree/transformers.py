"""scikit-learn transformers over the ree functions: :class:`Normalizer`, :class:`LogRatio`,
:class:`Lambdas`.

Each is a thin wrapper (``fit`` learns which columns hold which element; ``transform`` calls
:func:`~resourcekit.ree.normalize`, :mod:`~resourcekit.compositional` or
:func:`~resourcekit.ree.lambdas`) and keeps scikit-learn's contract, tested with
``sklearn.utils.estimator_checks.parametrize_with_checks`` in ``tests/test_ree_sklearn.py``:

- ``__init__`` only stores its arguments; ``fit`` returns ``self``; ``transform`` before ``fit``
  raises ``sklearn.exceptions.NotFittedError``;
- columns are checked **by name** at ``transform``: the names seen at ``fit``, in the same order,
  else a ``ValueError`` naming the unseen, missing or reordered columns (never a silent
  relabelling by position);
- ``get_feature_names_out()`` equals the columns of the pandas output;
- the domain's limits are declared as estimator tags (``__sklearn_tags__``): NaN is allowed
  (missing elements stay missing); :class:`LogRatio` takes positive parts only.

A numpy array has no column names: its columns are read **by position** as the elements in
``elements`` (default La, Ce, Pr, ... in atomic-number order), as scikit-learn reads arrays. A
DataFrame is read by its column names (see :func:`~resourcekit.ree.find_columns`); with
``elements`` given, a DataFrame whose names are not element names is read by position too.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import _check_feature_names, _check_n_features, check_is_fitted

from .. import compositional
from ..errors import DataError, MissingValueWarning, OptionError
from ._elements import REE, REY
from ._read import REEColumnError, REEInputError, check_bdl, find

__all__ = ["Normalizer", "LogRatio", "Lambdas"]


def _check_names(est: BaseEstimator, X: Any, reset: bool) -> None:
    """scikit-learn's own name and width checks (reordered, unseen, missing names raise)."""
    _check_feature_names(est, X, reset=reset)
    _check_n_features(est, X, reset=reset)


def _checked_array(X: Any, where: str, numeric: bool) -> np.ndarray:
    """An array-like X through scikit-learn's ``check_array``: 2-D, dense, not complex, at
    least one sample and one feature, no inf (NaN allowed); text kept unless ``numeric``."""
    from sklearn.utils.validation import check_array

    try:
        return check_array(X, accept_sparse=False, dtype="numeric" if numeric else None,
                           ensure_all_finite="allow-nan", input_name="X")
    except TypeError as err:
        if "sparse" in str(err):
            raise
        raise REEInputError(f"{where}: {err}") from err
    except ValueError as err:
        raise DataError(f"{where}: {err}") from err


def _ree_frame(est: Any, X: Any, default: Sequence[str], where: str) -> pd.DataFrame:
    """X as a DataFrame whose REE columns are named by element (arrays: by position)."""
    if isinstance(X, pd.DataFrame):
        if X.shape[0] == 0:
            raise DataError(f"{where}: 0 samples (rows); need at least 1")
        if est.elements is None or find(X.columns, REY, units=getattr(est, "units", None),
                                        where=where):
            return X
        arr = X.to_numpy()
        index = X.index
    else:
        arr = _checked_array(X, where, numeric=False)
        index = None
    if arr.dtype.kind not in "fiubOUS":
        raise DataError(f"{where}: an array of {arr.dtype} is not concentrations")
    names = list(est.elements) if est.elements is not None else list(default)
    if arr.shape[1] > len(names):
        raise REEColumnError(
            f"{where}: an array of {arr.shape[1]} columns is read by position as {names}, which "
            f"has only {len(names)}; pass a DataFrame with columns named by element"
        )
    if arr.dtype.kind in "fiub":
        arr = arr.astype("float64")
    else:  # text or objects: numbers and detection-limit codes are read by the reader
        arr = arr.astype(object)
    return pd.DataFrame(arr, columns=names[: arr.shape[1]], index=index)


class Normalizer(TransformerMixin, BaseEstimator):
    """Transformer: REE columns of a DataFrame -> normalised values (optionally their log).

    Parameters
    ----------
    reference : str or pandas.Series
        Reference composition (:func:`~resourcekit.ree.normalize`).
    units : str or dict, optional
        Units of REE columns whose names carry none (needed for numpy arrays).
    log : bool
        Return ``ln`` of the normalised values (columns ``ln_La`` ...).
    bdl : str
        Detection-limit policy (:data:`~resourcekit.ree.BDL_POLICIES`).
    include_y : bool
        Keep Y (default: the 14 REE only).
    elements : sequence of str, optional
        Elements of the columns of a numpy array, by position (default La ... Lu, then Y with
        ``include_y``). When given, a DataFrame none of whose columns is named by an element
        is read by position too; a DataFrame with element names is always read by name.

    Attributes
    ----------
    elements_ : list of str
        The elements found at ``fit``, in output order.
    feature_names_in_ : numpy.ndarray
        Column names seen at ``fit`` (DataFrames with string names only).
    n_features_in_ : int
        Number of columns seen at ``fit``.

    Examples
    --------
    >>> import pandas as pd
    >>> X = pd.DataFrame({"La_ppm": [23.7], "Yb_ppm": [1.61], "kind": ["x"]})
    >>> Normalizer().fit_transform(X).round(3).to_dict("list")
    {'La': [100.0], 'Yb': [10.0]}
    """

    def __init__(self, reference: Any = "CI_McDonoughSun1995", units: Any = None,
                 log: bool = False, bdl: str = "nan", include_y: bool = False,
                 elements: Sequence[str] | None = None) -> None:
        self.reference = reference
        self.units = units
        self.log = log
        self.bdl = bdl
        self.include_y = include_y
        self.elements = elements

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True  # a missing element stays missing (NaN), reported
        tags.input_tags.string = True  # text cells such as "<0.05" (detection limits) are read
        tags.transformer_tags.preserves_dtype = []  # output: a float64 DataFrame, whatever in
        return tags

    def _default(self) -> tuple[str, ...]:
        return (*REE, "Y") if self.include_y else REE

    def fit(self, X: Any, y: Any = None) -> Normalizer:
        """Find the REE columns (by name; arrays by position). Returns ``self``."""
        check_bdl(self.bdl)
        frame = _ree_frame(self, X, self._default(), "Normalizer")
        _check_names(self, X, reset=True)
        wanted = REY if self.include_y else REE
        cols = find(frame.columns, wanted, units=self.units, where="Normalizer")
        if not cols:
            raise REEColumnError(f"Normalizer: no REE columns among {list(frame.columns)[:12]}")
        # columns, units and reference checked now; values are read at transform
        self._normalize(frame.iloc[:0], [c.element for c in cols])
        self.elements_ = [c.element for c in cols]
        return self

    def _normalize(self, frame: pd.DataFrame, elements: list[str]) -> pd.DataFrame:
        from .normalization import normalize

        out = normalize(frame, self.reference, self.units, bdl=self.bdl)[elements]
        out = out.astype("float64")
        if self.log:
            with np.errstate(divide="ignore", invalid="ignore"):
                out = np.log(out.where(out > 0))
        out.columns = self._names(elements)
        return out

    def transform(self, X: Any) -> pd.DataFrame:
        """Normalised values (or their ``ln``) of the elements found at ``fit`` [-]."""
        check_is_fitted(self, "elements_")
        frame = _ree_frame(self, X, self._default(), "Normalizer")
        _check_names(self, X, reset=False)
        return self._normalize(frame, self.elements_)

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """``La``, ``Ce``, ... (``ln_La`` ... with ``log=True``): the output's columns."""
        check_is_fitted(self, "elements_")
        return np.array(self._names(self.elements_), dtype=object)

    def _names(self, elements: Sequence[str]) -> list[str]:
        prefix = "ln_" if self.log else ""
        return [f"{prefix}{el}" for el in elements]


_KINDS = ("clr", "ilr", "alr")


class LogRatio(TransformerMixin, BaseEstimator):
    """Transformer: positive parts -> clr, ilr or alr coordinates (see ``compositional``).

    A row with a part <= 0 has no log-ratio coordinates: it gets NaN in every output column and
    a :class:`~resourcekit.errors.MissingValueWarning` counts such rows (replace zeros first, e.g.
    by a detection-limit policy). Negative parts at ``fit`` are an error.

    Parameters
    ----------
    kind : {"clr", "ilr", "alr"}
        The transform (Aitchison 1986; Egozcue et al. 2003).

    Attributes
    ----------
    feature_names_in_ : numpy.ndarray
        Column names seen at ``fit`` (DataFrames), else ``x0, x1, ...`` are used for output names.
    n_features_in_ : int
        Number of parts.

    Examples
    --------
    >>> import pandas as pd
    >>> LogRatio().fit_transform(pd.DataFrame({"a": [1.0], "b": [1.0]})).to_dict("list")
    {'clr_a': [0.0], 'clr_b': [0.0]}
    """

    def __init__(self, kind: str = "clr") -> None:
        self.kind = kind

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.positive_only = True  # parts of a composition
        tags.input_tags.allow_nan = True  # a row with a missing part gives NaN coordinates
        tags.transformer_tags.preserves_dtype = []  # output: a float64 DataFrame, whatever in
        return tags

    def _array(self, X: Any) -> tuple[np.ndarray, pd.Index | None]:
        if isinstance(X, pd.DataFrame):
            text = [c for c in X.columns if not pd.api.types.is_numeric_dtype(X[c])]
            if text:
                raise DataError(f"LogRatio: columns {text} are not numeric; pass the parts only")
            arr, index = X.to_numpy(dtype="float64"), X.index
        else:
            arr = _checked_array(X, "LogRatio", numeric=True).astype("float64")
            index = None
        if arr.shape[0] == 0:
            raise DataError("LogRatio: 0 samples (rows); need at least 1")
        if np.isinf(arr).any():
            raise DataError("LogRatio: X holds inf; parts must be finite (NaN for missing)")
        return arr, index

    def fit(self, X: Any, y: Any = None) -> LogRatio:
        """Check the parts and remember their names. Returns ``self``."""
        if self.kind not in _KINDS:
            raise OptionError(f"LogRatio: kind = {self.kind!r}; use one of {list(_KINDS)}")
        arr, _ = self._array(X)
        _check_names(self, X, reset=True)
        if (arr < 0).any():
            raise DataError("LogRatio: Negative values in data passed to fit; parts of a "
                            "composition must be > 0")
        if arr.shape[1] < 2:
            raise DataError(
                f"LogRatio: 1 feature(s) given; a composition needs at least 2 parts "
                f"(n_features = {arr.shape[1]})"
            )
        self.n_parts_ = arr.shape[1]
        return self

    def _names_in(self) -> list[str]:
        if hasattr(self, "feature_names_in_"):
            return [str(n) for n in self.feature_names_in_]
        return [f"x{i}" for i in range(self.n_features_in_)]

    def transform(self, X: Any) -> pd.DataFrame:
        """Log-ratio coordinates of each row; columns as :meth:`get_feature_names_out`."""
        check_is_fitted(self, "n_parts_")
        arr, index = self._array(X)
        _check_names(self, X, reset=False)
        with np.errstate(invalid="ignore"):
            bad = ~(arr > 0).all(axis=1)
        if bad.any():
            warnings.warn(
                f"LogRatio: {int(bad.sum())} rows hold a part <= 0 or NaN; their log-ratio "
                "coordinates are NaN",
                MissingValueWarning,
                stacklevel=2,
            )
        safe = np.where(bad[:, None], 1.0, arr)
        func = {"clr": compositional.clr, "ilr": compositional.ilr, "alr": compositional.alr}
        out = np.asarray(func[self.kind](safe), dtype="float64")
        out[bad] = np.nan
        return pd.DataFrame(out, index=index, columns=list(self.get_feature_names_out()))

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """``clr_<part>``, ``ilr1 ...`` or ``ln(<part>/<last>)``: the output's columns."""
        check_is_fitted(self, "n_parts_")
        names = self._names_in()
        if self.kind == "clr":
            out = [f"clr_{n}" for n in names]
        elif self.kind == "ilr":
            out = [f"ilr{i + 1}" for i in range(len(names) - 1)]
        else:
            out = [f"ln({n}/{names[-1]})" for n in names[:-1]]
        return np.array(out, dtype=object)


class Lambdas(TransformerMixin, BaseEstimator):
    """Transformer: REE columns -> O'Neill (2016) lambdas (:func:`~resourcekit.ree.lambdas`).

    Parameters
    ----------
    degree, reference, exclude, tetrads, units
        As in :func:`~resourcekit.ree.lambdas`.
    elements : sequence of str, optional
        Elements of the columns of a numpy array, by position (default La ... Lu).

    Attributes
    ----------
    n_features_in_ : int
        Number of columns seen at ``fit``.
    feature_names_in_ : numpy.ndarray
        Column names seen at ``fit`` (DataFrames with string names).

    Examples
    --------
    >>> from resourcekit.ree import reference
    >>> X = (reference("CI_ONeill2016").drop("Y") * 10).to_frame().T
    >>> Lambdas(units="ppm").fit_transform(X).round(4).iloc[0].tolist()
    [2.3026, 0.0, 0.0, 0.0]
    """

    def __init__(self, degree: int = 4, reference: Any = "CI_ONeill2016",
                 exclude: tuple[str, ...] = ("Eu",), tetrads: bool = False,
                 units: Any = None, elements: Sequence[str] | None = None) -> None:
        self.degree = degree
        self.reference = reference
        self.exclude = exclude
        self.tetrads = tetrads
        self.units = units
        self.elements = elements

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True  # missing elements: fitted on the others (O'Neill)
        tags.input_tags.string = True  # detection-limit text such as "<0.05"
        tags.transformer_tags.preserves_dtype = []  # output: a float64 DataFrame, whatever in
        return tags

    def _lambdas(self, frame: pd.DataFrame) -> pd.DataFrame:
        from .lambdas import lambdas

        return lambdas(frame, self.degree, self.reference, self.exclude, tetrads=self.tetrads,
                       units=self.units)

    def fit(self, X: Any, y: Any = None) -> Lambdas:
        """Check the parameters and the columns. Returns ``self``."""
        frame = _ree_frame(self, X, REE, "Lambdas")
        _check_names(self, X, reset=True)
        self._lambdas(frame.iloc[:0])  # options, columns, units and reference checked now
        self.fitted_ = True
        return self

    def transform(self, X: Any) -> pd.DataFrame:
        """``lambda0 ...`` (and ``tau0 ...``) of each row."""
        check_is_fitted(self, "fitted_")
        frame = _ree_frame(self, X, REE, "Lambdas")
        _check_names(self, X, reset=False)
        return self._lambdas(frame)

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """``lambda0 ... lambda{degree-1}`` (then ``tau0 ... tau3``): the output's columns."""
        check_is_fitted(self, "fitted_")
        names = [f"lambda{k}" for k in range(self.degree)]
        names += [f"tau{k}" for k in range(4)] if self.tetrads else []
        return np.array(names, dtype=object)
