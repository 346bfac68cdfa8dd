"""The ``df.ree`` pandas accessor: thin pass-throughs to :mod:`resourcekit.ree` functions."""

from __future__ import annotations

from typing import Any

import pandas as pd

__all__ = ["REEAccessor"]


@pd.api.extensions.register_dataframe_accessor("ree")
class REEAccessor:
    """``df.ree.<function>(...)`` calls ``resourcekit.ree.<function>(df, ...)``.

    >>> import pandas as pd
    >>> import resourcekit.ree  # registers the accessor
    >>> df = pd.DataFrame({"Sm": [2.0], "Eu": [0.5], "Gd": [2.0]})
    >>> df.ree.eu_anomaly(reference=None).tolist()
    [0.25]
    """

    def __init__(self, frame: pd.DataFrame) -> None:
        self._frame = frame

    def columns(self) -> dict[str, Any]:
        """``{element: column}`` of the REE columns found (see ``find_columns``)."""
        from .normalization import find_columns

        return find_columns(self._frame.columns)

    def normalize(self, reference: Any = "CI_McDonoughSun1995", units: Any = None,
                  **kwargs: Any) -> pd.DataFrame:
        """:func:`resourcekit.ree.normalize` of this frame."""
        from .normalization import normalize

        return normalize(self._frame, reference, units, **kwargs)

    def lambdas(self, degree: int = 4, **kwargs: Any) -> pd.DataFrame:
        """:func:`resourcekit.ree.lambdas` of this frame."""
        from .lambdas import lambdas

        return lambdas(self._frame, degree, **kwargs)

    def eu_anomaly(self, **kwargs: Any) -> pd.Series:
        """:func:`resourcekit.ree.eu_anomaly` of this frame."""
        from .anomalies import eu_anomaly

        return eu_anomaly(self._frame, **kwargs)

    def ce_anomaly(self, **kwargs: Any) -> pd.Series:
        """:func:`resourcekit.ree.ce_anomaly` of this frame."""
        from .anomalies import ce_anomaly

        return ce_anomaly(self._frame, **kwargs)

    def ratio(self, ratio: str, **kwargs: Any) -> pd.Series:
        """:func:`resourcekit.ree.ratio` of this frame."""
        from .anomalies import ratio as _ratio

        return _ratio(self._frame, ratio, **kwargs)

    def sums(self, **kwargs: Any) -> pd.DataFrame:
        """:func:`resourcekit.ree.ree_sums` of this frame."""
        from .anomalies import ree_sums

        return ree_sums(self._frame, **kwargs)

    def tetrad_effect(self, **kwargs: Any) -> pd.Series:
        """:func:`resourcekit.ree.tetrad_effect` of this frame."""
        from .anomalies import tetrad_effect

        return tetrad_effect(self._frame, **kwargs)

    def spider(self, **kwargs: Any) -> Any:
        """:func:`resourcekit.ree.spider` chart of this frame (altair)."""
        from .plot import spider

        return spider(self._frame, **kwargs)

    def embed(self, **kwargs: Any) -> pd.DataFrame:
        """:func:`resourcekit.ree.embed` of this frame."""
        from .learn import embed

        return embed(self._frame, **kwargs)
