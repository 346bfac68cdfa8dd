r"""Compositional data: closure and the log-ratio transforms (alr, clr, ilr) with their inverses.

Parts must be positive. Every function takes an ndarray (rows = compositions), a DataFrame or
a Series (one composition) and returns the same kind, index kept, float64. A row holding a
NaN gives NaN in every output part of that row.

References
----------
Aitchison J. (1986) The Statistical Analysis of Compositional Data. Chapman & Hall, London.
Egozcue J.J., Pawlowsky-Glahn V., Mateu-Figueras G., Barceló-Vidal C. (2003) Isometric
logratio transformations for compositional data analysis. Mathematical Geology 35:279-300,
doi:10.1023/A:1023818214614.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .errors import DataError, LabelError, OptionError

__all__ = ["closure", "clr", "clr_inv", "alr", "alr_inv", "ilr", "ilr_inv", "ilr_basis"]


class _TextError(DataError, TypeError):
    """Parts that are not numbers (a DataError that old code caught as TypeError)."""


def _array(data: Any, name: str, positive: bool = True) -> np.ndarray:
    if isinstance(data, pd.DataFrame) and data.columns.duplicated().any():
        dup = list(data.columns[data.columns.duplicated()])
        raise LabelError(f"{name}: duplicate part names {dup}; each part once")
    if isinstance(data, (pd.DataFrame, pd.Series)):
        non_numeric = [] if isinstance(data, pd.Series) else [
            c for c in data.columns if not pd.api.types.is_numeric_dtype(data[c])
        ]
        if non_numeric:
            raise _TextError(f"{name}: columns {non_numeric} are not numeric; select the parts")
        arr = data.to_numpy(dtype="float64")
    else:
        try:
            arr = np.asarray(data, dtype="float64")
        except (TypeError, ValueError) as err:
            raise _TextError(f"{name}: parts must be numbers ({err})") from err
    if arr.ndim not in (1, 2):
        raise DataError(f"{name}: expected 1-D or 2-D data, got {arr.ndim}-D")
    if np.isinf(arr).any():
        raise DataError(f"{name}: data hold inf; parts must be finite (NaN for missing)")
    if positive:
        with np.errstate(invalid="ignore"):
            bad = arr <= 0
        if bad.any():
            where = np.argwhere(np.atleast_2d(bad))[0]
            label = (
                data.columns[where[-1]] if isinstance(data, pd.DataFrame) else int(where[-1])
            )
            raise DataError(
                f"{name}: parts must be > 0 for log-ratios; part {label!r} holds "
                f"{float(np.atleast_2d(arr)[tuple(where)])!r}. Replace zeros first (e.g. "
                "detection limit / 2)"
            )
    return arr


def _wrap(values: np.ndarray, like: Any, columns: list[Any] | None) -> Any:
    if isinstance(like, pd.DataFrame):
        return pd.DataFrame(values, index=like.index, columns=columns)
    if isinstance(like, pd.Series):
        return pd.Series(values, index=columns, name=like.name)
    return values


def closure(data: Any, total: float = 1.0) -> Any:
    r"""Scale each composition so that its parts sum to ``total``.

    .. math:: \mathcal{C}(\mathbf{x})_i = \frac{\kappa\, x_i}{\sum_j x_j}

    Examples
    --------
    >>> closure(np.array([1.0, 3.0]))
    array([0.25, 0.75])
    """
    arr = _array(data, "closure", positive=False)
    with np.errstate(invalid="ignore"):
        negative = arr < 0
    if negative.any():
        raise DataError(
            f"closure: parts must be >= 0; got {float(arr[negative][0])!r} (a value below a "
            "detection limit? replace it first)"
        )
    out = total * arr / arr.sum(axis=-1, keepdims=True)
    cols = list(data.columns) if isinstance(data, pd.DataFrame) else (
        list(data.index) if isinstance(data, pd.Series) else None)
    return _wrap(out, data, cols)


def clr(data: Any) -> Any:
    r"""Centred log-ratio transform (Aitchison 1986).

    .. math:: \mathrm{clr}(\mathbf{x})_i = \ln\frac{x_i}{g(\mathbf{x})},\quad
              g(\mathbf{x}) = \Big(\prod_{j=1}^{D} x_j\Big)^{1/D}

    Examples
    --------
    >>> clr(np.array([1.0, np.e**2])).round(6).tolist()
    [-1.0, 1.0]
    """
    arr = _array(data, "clr")
    logs = np.log(arr)
    out = logs - logs.mean(axis=-1, keepdims=True)
    cols = list(data.columns) if isinstance(data, pd.DataFrame) else (
        list(data.index) if isinstance(data, pd.Series) else None)
    return _wrap(out, data, cols)


def clr_inv(data: Any) -> Any:
    r"""Inverse clr: :math:`\mathcal{C}(\exp(\mathbf{z}))`, closed to 1.

    Examples
    --------
    >>> clr_inv(np.array([-1.0, 1.0])).round(4).tolist()
    [0.1192, 0.8808]
    """
    arr = _array(data, "clr_inv", positive=False)
    out = np.exp(arr - np.nanmax(arr, axis=-1, keepdims=True))
    out = out / out.sum(axis=-1, keepdims=True)
    cols = list(data.columns) if isinstance(data, pd.DataFrame) else (
        list(data.index) if isinstance(data, pd.Series) else None)
    return _wrap(out, data, cols)


def _denominator_position(denominator: Any, columns: list[Any] | None, size: int) -> int:
    if isinstance(denominator, (int, np.integer)) and not isinstance(denominator, bool):
        if not -size <= denominator < size:
            raise OptionError(f"alr: denominator = {denominator} is outside 0..{size - 1}")
        return int(denominator) % size
    if columns is not None and denominator in columns:
        return columns.index(denominator)
    raise LabelError(f"alr: denominator {denominator!r} is not a part; parts: {columns}")


def alr(data: Any, denominator: int | str = -1) -> Any:
    r"""Additive log-ratio transform against one part (Aitchison 1986).

    .. math:: \mathrm{alr}(\mathbf{x})_i = \ln\frac{x_i}{x_D},\quad i \ne D

    Parameters
    ----------
    data : ndarray, DataFrame or Series
        Compositions [any positive unit].
    denominator : int or str
        Position or column name of the divisor part (default the last).

    Returns
    -------
    Same kind as ``data``, with one part fewer (DataFrame columns ``"ln(La/Lu)"``...).

    Examples
    --------
    >>> alr(np.array([1.0, 2.0, 4.0])).round(6).tolist()
    [-1.386294, -0.693147]
    """
    arr = _array(data, "alr")
    cols = list(data.columns) if isinstance(data, pd.DataFrame) else (
        list(data.index) if isinstance(data, pd.Series) else None)
    pos = _denominator_position(denominator, cols, arr.shape[-1])
    keep = [i for i in range(arr.shape[-1]) if i != pos]
    logs = np.log(arr)
    out = logs[..., keep] - logs[..., pos : pos + 1]
    out = np.where(np.isnan(logs).any(axis=-1, keepdims=True), np.nan, out)  # NaN row: all NaN
    names = None if cols is None else [f"ln({cols[i]}/{cols[pos]})" for i in keep]
    return _wrap(out, data, names)


def alr_inv(data: Any, denominator_position: int = -1) -> Any:
    r"""Inverse alr: insert 0 at the divisor's position, exponentiate and close to 1.

    Examples
    --------
    >>> alr_inv(np.log([0.25, 0.5])).round(6).tolist()
    [0.142857, 0.285714, 0.571429]
    """
    arr = np.atleast_2d(_array(data, "alr_inv", positive=False))
    size = arr.shape[1] + 1
    pos = int(denominator_position) % size
    full = np.insert(arr, pos, 0.0, axis=1)
    out = np.exp(full)
    out = out / out.sum(axis=1, keepdims=True)
    if np.ndim(np.asarray(data)) == 1:
        out = out[0]
    names = None
    if isinstance(data, (pd.DataFrame, pd.Series)):
        names = [f"part{i + 1}" for i in range(size)]
    return _wrap(out, data, names)


def ilr_basis(parts: int) -> np.ndarray:
    r"""Orthonormal basis of the clr plane (Egozcue et al. 2003, eq. for the default basis).

    Column :math:`i` (1-based) is :math:`\sqrt{i/(i+1)}\,(1/i, \dots, 1/i, -1, 0, \dots, 0)`,
    so :math:`\mathrm{ilr}_i = \sqrt{\frac{i}{i+1}} \ln\frac{g(x_1..x_i)}{x_{i+1}}`.

    Examples
    --------
    >>> V = ilr_basis(3)
    >>> bool(np.allclose(V.T @ V, np.eye(2)))
    True
    """
    if parts < 2:
        raise DataError(f"ilr_basis: parts = {parts}; a composition needs at least 2 parts")
    basis = np.zeros((parts, parts - 1))
    for i in range(1, parts):
        basis[:i, i - 1] = 1.0 / i
        basis[i, i - 1] = -1.0
        basis[:, i - 1] *= np.sqrt(i / (i + 1.0))
    return basis


def ilr(data: Any) -> Any:
    r"""Isometric log-ratio transform, :math:`\mathrm{ilr}(\mathbf{x}) = \mathrm{clr}(\mathbf{x})
    V` with :math:`V` from :func:`ilr_basis`.

    Examples
    --------
    >>> ilr(np.array([1.0, 1.0, 1.0])).round(6).tolist()
    [0.0, 0.0]
    """
    arr = _array(data, "ilr")
    logs = np.log(arr)
    z = logs - logs.mean(axis=-1, keepdims=True)
    out = z @ ilr_basis(arr.shape[-1])
    names = None
    if isinstance(data, (pd.DataFrame, pd.Series)):
        names = [f"ilr{i + 1}" for i in range(arr.shape[-1] - 1)]
    return _wrap(out, data, names)


def ilr_inv(data: Any) -> Any:
    r"""Inverse ilr: :math:`\mathcal{C}(\exp(\mathbf{y} V^\top))`, closed to 1.

    Examples
    --------
    >>> ilr_inv(np.zeros(2)).round(6).tolist()
    [0.333333, 0.333333, 0.333333]
    """
    arr = _array(data, "ilr_inv", positive=False)
    z = arr @ ilr_basis(arr.shape[-1] + 1).T
    out = np.exp(z - z.max(axis=-1, keepdims=True))
    out = out / out.sum(axis=-1, keepdims=True)
    names = None
    if isinstance(data, (pd.DataFrame, pd.Series)):
        names = [f"part{i + 1}" for i in range(arr.shape[-1] + 1)]
    return _wrap(out, data, names)
