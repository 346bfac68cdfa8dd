"""Mass balance: flowsheets, statistical data reconciliation, gross errors, Sankey diagrams.

>>> import pandas as pd
>>> from resourcekit.massbalance import Flowsheet
>>> fs = Flowsheet.from_edges([("feed", None, "cell"), ("conc", "cell", None),
...                             ("tail", "cell", None)])
>>> m = pd.DataFrame({"mass": [100.0, 10.0, 88.0]}, index=["feed", "conc", "tail"])
>>> res = fs.reconcile(m, sd=0.02)
>>> bool(abs(res.reconciled["mass"]["feed"] - res.reconciled["mass"][["conc", "tail"]].sum())
...      < 1e-9)
True
"""

from __future__ import annotations

from ._base import BoundWarning, ConvergenceWarning, FlowsheetError
from ._results import ConvergenceReport, ReconciliationResult
from .flowsheet import Flowsheet, read_measurements
from .plot import sankey, write_image
from .reconcile import METHODS, methods, reconcile
from .recoveries import propagate, recoveries

__all__ = [
    "Flowsheet",
    "FlowsheetError",
    "BoundWarning",
    "ConvergenceWarning",
    "read_measurements",
    "reconcile",
    "ReconciliationResult",
    "ConvergenceReport",
    "METHODS",
    "methods",
    "recoveries",
    "propagate",
    "sankey",
    "write_image",
]
