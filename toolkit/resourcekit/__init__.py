"""resourcekit: resource traceability and physical separation for recycling.

Domains: :mod:`resourcekit.ree` (rare-earth patterns and tracing),
:mod:`resourcekit.separation` (separation efficiency, partition curves, sorting, circuits,
economics), :mod:`resourcekit.massbalance` (flowsheets and data reconciliation),
:mod:`resourcekit.stocks` (products in use, lifetimes, end-of-life flows). Shared:
:mod:`resourcekit.boundary` (every input enters here), :mod:`resourcekit.errors`,
:mod:`resourcekit.units`, :mod:`resourcekit.datasets`, :mod:`resourcekit.widgets`, and the
grader :mod:`resourcekit.grading`.

Submodules load on first use, so ``import resourcekit`` stays fast.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_SUBMODULES = (
    "boundary",
    "compositional",
    "datasets",
    "errors",
    "grading",
    "massbalance",
    "ree",
    "separation",
    "stocks",
    "units",
    "widgets",
)

__all__ = [*_SUBMODULES, "__version__"]


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        module = importlib.import_module(f"{__name__}.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'resourcekit' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
