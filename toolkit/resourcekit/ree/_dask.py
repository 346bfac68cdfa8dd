"""Dask DataFrames through the REE functions: lazy, partition by partition, equal to pandas.

The REE functions work row by row (a sample's normalised values, anomalies, sums, lambdas and
clr depend on that sample only), so on a dask DataFrame each is the pandas function mapped
over the partitions (``map_partitions``). The output type (``meta``) comes from calling the
pandas function on the first rows of the first partition: that reads one partition, and it
means a column the pandas function rejects (no unit, text that is not a number) raises at
once, before any work is scheduled. Nothing else is computed until ``.compute()`` (or a
``.to_parquet``) is called.

Dask is imported only when a dask object is passed (``import resourcekit.ree`` stays fast).
``resourcekit.ree`` wraps :func:`~resourcekit.ree.normalize`, the anomalies, :func:`ree_sums`,
:func:`lambdas` and :func:`clr` with :func:`dask_aware`, and registers ``ddf.ree`` (the same
methods as the pandas accessor) on dask DataFrames the first time one is passed, or at import
when ``dask.dataframe`` is already loaded (:func:`register_dask_accessor` does it by hand).

Warnings raised inside a partition (e.g. detection-limit replacements) are raised where the
partition is computed; :func:`resourcekit.ree.explore` counts them with its own reduction.
"""

from __future__ import annotations

import functools
import sys
import warnings
from collections.abc import Callable
from typing import Any

__all__ = ["is_dask", "dask_aware", "map_ree", "register_dask_accessor"]

_HEAD_ROWS = 50


def is_dask(obj: Any) -> bool:
    """True for a dask DataFrame or Series (checked without importing dask).

    >>> import pandas as pd
    >>> is_dask(pd.DataFrame())
    False
    """
    module = type(obj).__module__ or ""
    return module.startswith(("dask.", "dask_expr")) and hasattr(obj, "map_partitions")


def map_ree(func: Callable[..., Any], ddf: Any, *args: Any, **kwargs: Any) -> Any:
    """``func(partition, *args, **kwargs)`` on every partition of ``ddf``, lazily.

    Parameters
    ----------
    func : callable
        A pandas REE function whose result has one row per input row.
    ddf : dask.dataframe.DataFrame
        The data.

    Returns
    -------
    dask.dataframe.DataFrame or dask.dataframe.Series
        Lazy; ``meta`` from ``func`` on the first rows of the first partition.
    """
    if ddf.npartitions == 0:
        raise ValueError(f"{func.__name__}: the dask DataFrame has no partitions")
    head = ddf.partitions[0].head(_HEAD_ROWS, npartitions=1, compute=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sample = func(head, *args, **kwargs)
    meta = sample.iloc[:0]
    if hasattr(meta, "attrs"):
        meta.attrs = {}
    register_dask_accessor()

    def part(frame: Any) -> Any:
        out = func(frame, *args, **kwargs)
        if hasattr(out, "attrs"):
            out.attrs = {}  # attrs hold per-partition counts that would not add up
        return out

    part.__name__ = f"ree-{func.__name__}"
    return ddf.map_partitions(part, meta=meta, enforce_metadata=False)


def dask_aware(func: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a pandas REE function so that a dask DataFrame first argument is mapped over its
    partitions (:func:`map_ree`); anything else goes straight to ``func``.

    >>> import pandas as pd
    >>> f = dask_aware(lambda df: df * 2)
    >>> f(pd.DataFrame({"a": [1]}))["a"].tolist()
    [2]
    """

    @functools.wraps(func)
    def wrapper(data: Any, *args: Any, **kwargs: Any) -> Any:
        if is_dask(data):
            return map_ree(func, data, *args, **kwargs)
        return func(data, *args, **kwargs)

    wrapper.__wrapped_for_dask__ = True  # type: ignore[attr-defined]
    return wrapper


_REGISTERED = False


def register_dask_accessor() -> bool:
    """Register ``ddf.ree`` on dask DataFrames (imports dask). Returns True when registered.

    The accessor offers ``normalize``, ``lambdas``, ``eu_anomaly``, ``ce_anomaly``, ``ratio``,
    ``sums``, ``tetrad_effect`` and ``clr``, each lazy (see :func:`map_ree`).
    """
    global _REGISTERED
    if _REGISTERED:
        return True
    try:
        from dask.dataframe.extensions import register_dataframe_accessor
    except ImportError:
        return False

    @register_dataframe_accessor("ree")
    class DaskREEAccessor:
        """``ddf.ree.<function>(...)``: the REE function mapped over the partitions."""

        def __init__(self, frame: Any) -> None:
            self._frame = frame

        def normalize(self, reference: Any = "CI_McDonoughSun1995", units: Any = None,
                      **kwargs: Any) -> Any:
            from .normalization import normalize

            return map_ree(normalize, self._frame, reference, units, **kwargs)

        def lambdas(self, degree: int = 4, **kwargs: Any) -> Any:
            from .lambdas import lambdas

            return map_ree(lambdas, self._frame, degree, **kwargs)

        def eu_anomaly(self, **kwargs: Any) -> Any:
            from .anomalies import eu_anomaly

            return map_ree(eu_anomaly, self._frame, **kwargs)

        def ce_anomaly(self, **kwargs: Any) -> Any:
            from .anomalies import ce_anomaly

            return map_ree(ce_anomaly, self._frame, **kwargs)

        def ratio(self, ratio: str, **kwargs: Any) -> Any:
            from .anomalies import ratio as _ratio

            return map_ree(_ratio, self._frame, ratio, **kwargs)

        def sums(self, **kwargs: Any) -> Any:
            from .anomalies import ree_sums

            return map_ree(ree_sums, self._frame, **kwargs)

        def tetrad_effect(self, **kwargs: Any) -> Any:
            from .anomalies import tetrad_effect

            return map_ree(tetrad_effect, self._frame, **kwargs)

        def clr(self) -> Any:
            from ..compositional import clr

            return map_ree(clr, self._frame)

    _REGISTERED = True
    return True


def _register_if_loaded() -> None:
    if "dask.dataframe" in sys.modules:
        register_dask_accessor()
