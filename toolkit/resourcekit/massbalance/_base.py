"""The flowsheet's abstract base: lets the solvers check their argument without importing
:mod:`.flowsheet` (which would close an import cycle through ``Flowsheet.reconcile``)."""

from __future__ import annotations

from ..errors import FlowsheetError, ResourcekitWarning

__all__ = ["FlowsheetBase", "FlowsheetError", "BoundWarning", "ConvergenceWarning"]


class BoundWarning(ResourcekitWarning):
    """A reconciled value ended on its bound (a flow at 0, an assay at 0 or 1)."""


class ConvergenceWarning(ResourcekitWarning):
    """The reconciliation did not converge: the values are not the constrained minimum, and
    no gross error is identified from them."""


class FlowsheetBase:
    """Marker base class of :class:`resourcekit.massbalance.Flowsheet`."""

    streams: tuple[str, ...]
    nodes: tuple[str, ...]
    _edges: tuple[tuple[str, str | None, str | None], ...]
