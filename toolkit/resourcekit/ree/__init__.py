"""Rare-earth element (REE) patterns: normalisation, anomalies, shape (lambdas), plots, tracing.

Importing this module registers the pandas accessor ``df.ree`` (``df.ree.normalize()``,
``df.ree.lambdas()``, ``df.ree.spider(color="class")``). Heavy libraries (altair, scikit-learn,
umap) load only inside the functions that need them.

Layout (a reader walks one way, from the public function down to the division):

=====================  =========================================================================
module                 holds
=====================  =========================================================================
``_elements``          element order (REE, REY), atomic numbers, ionic radii, oxide factors
``references``         reference compositions (CSV with citations), ``UnknownReferenceError``
``_read``              the reader: columns (``find_columns``, the Y-or-coordinate rule), units
                       (via ``resourcekit.boundary.split_unit``), detection limits, numbers,
                       inf / > 100 % checks; ``REEColumnError``, ``UnitError``, warnings
``normalization``      the reference and the division (``normalized_table``), ``normalize``,
                       ``denormalize``
``anomalies``          Eu/Ce anomaly formulas as public functions in one registry
                       (``anomaly_methods``), ratios, sums, tetrad effect
``lambdas``            O'Neill (2016) lambdas and tetrads, ``pattern_from_lambdas``
``transformers``       scikit-learn ``Normalizer``, ``LogRatio``, ``Lambdas``
``plot``               spider charts (altair); ``accessor``: ``df.ree``
``learn``, ``_embed``  embeddings and ``trace`` (classification with a novelty flag)
=====================  =========================================================================

>>> import pandas as pd
>>> import resourcekit.ree as ree
>>> df = pd.DataFrame({"La_ppm": [23.7], "Yb_ppm": [0.161]})
>>> df.ree.normalize().round(3)
      La   Yb
0  100.0  1.0
"""

from __future__ import annotations

from typing import Any

from . import accessor as _accessor  # noqa: F401  (registers df.ree)
from ._elements import ATOMIC_NUMBER, IONIC_RADIUS, REE, REY
from ._read import AmbiguousColumnWarning, REEInputError
from .anomalies import (
    ANOMALY_METHODS,
    CE_METHODS,
    EU_METHODS,
    SUM_CONVENTIONS,
    AnomalyMethod,
    anomaly_methods,
    ce_anomaly,
    ce_anomaly_arithmetic,
    ce_anomaly_geometric,
    ce_anomaly_pr_nd,
    eu_anomaly,
    eu_anomaly_arithmetic,
    eu_anomaly_geometric,
    eu_anomaly_tb,
    ratio,
    ree_sums,
    tetrad_effect,
)
from .lambdas import (
    BASES,
    LambdaFitWarning,
    lambdas,
    orthogonal_polynomials,
    pattern_from_lambdas,
    polynomial_parameters,
)
from .normalization import (
    BDL_POLICIES,
    DetectionLimitWarning,
    MissingDataWarning,
    REEColumnError,
    UnitError,
    denormalize,
    find_columns,
    normalize,
)
from .references import UnknownReferenceError, reference, reference_names, references

_LAZY = {
    "spider": "plot",
    "SPIDER_MODES": "plot",
    "pattern_long": "plot",
    "Normalizer": "transformers",
    "LogRatio": "transformers",
    "Lambdas": "transformers",
    "embed": "_embed",
    "EMBED_METHODS": "_embed",
    "trace": "learn",
    "TraceResult": "learn",
    "cache_dir": "_embed",
    "explore": "exploration",
    "ExploreReport": "exploration",
    "NoveltyDetector": "novelty",
    "NOVELTY_METHODS": "novelty",
    "holdout_novelty": "novelty",
    "register_dask_accessor": "_dask",
}

__all__ = [
    "REE", "REY", "ATOMIC_NUMBER", "IONIC_RADIUS",
    "references", "reference", "reference_names", "UnknownReferenceError",
    "normalize", "denormalize", "find_columns", "BDL_POLICIES",
    "DetectionLimitWarning", "MissingDataWarning", "REEColumnError", "UnitError",
    "AmbiguousColumnWarning", "REEInputError",
    "eu_anomaly", "ce_anomaly", "ratio", "ree_sums", "tetrad_effect",
    "anomaly_methods", "ANOMALY_METHODS", "AnomalyMethod",
    "eu_anomaly_geometric", "eu_anomaly_arithmetic", "eu_anomaly_tb",
    "ce_anomaly_geometric", "ce_anomaly_arithmetic", "ce_anomaly_pr_nd",
    "EU_METHODS", "CE_METHODS", "SUM_CONVENTIONS",
    "lambdas", "pattern_from_lambdas", "orthogonal_polynomials", "polynomial_parameters",
    "BASES", "LambdaFitWarning",
    "clr", "clr_inv", "alr", "alr_inv", "ilr", "ilr_inv", "closure",
    *_LAZY,
]

from ..compositional import alr, alr_inv, closure, clr, clr_inv, ilr, ilr_inv  # noqa: E402
from ._dask import _register_if_loaded, dask_aware  # noqa: E402

# Dask DataFrames go through these partition by partition (see ree/_dask.py).
for _name in ("normalize", "eu_anomaly", "ce_anomaly", "ratio", "ree_sums", "tetrad_effect",
              "lambdas", "clr"):
    globals()[_name] = dask_aware(globals()[_name])
_register_if_loaded()


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        module = importlib.import_module(f"{__name__}.{_LAZY[name]}")
        value = getattr(module, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'resourcekit.ree' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
