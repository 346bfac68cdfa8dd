"""Reading measurement tables: mass flows and assays to plain numbers (fractions)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataError, UnitError
from ._base import FlowsheetBase as Flowsheet
from ._base import FlowsheetError

__all__ = ["Measurements", "read_measurements"]

class Measurements:
    """Measured values read into plain numbers (mass flows, assays as fractions).

    Attributes
    ----------
    values : ndarray (streams x (1 + components))
        Column 0 the mass flow, then assays as mass fractions; NaN = not measured.
    components : list of str
        Component names (assay columns without their unit).
    columns : list
        The column names as given, in the same order as ``values``.
    factors : ndarray
        What each column was multiplied by to reach ``values`` (1 for mass and plain
        fractions, 0.01 for ``%`` ...).
    """

    def __init__(self, values: np.ndarray, components: list[str], columns: list[Any],
                 factors: np.ndarray, streams: tuple[str, ...]) -> None:
        self.values = values
        self.components = components
        self.columns = columns
        self.factors = factors
        self.streams = streams
        self.mass_unit: Any = None  # pint unit of the mass column, if it has one

    def to_frame(self, values: np.ndarray) -> pd.DataFrame:
        """Plain values back to a table in the caller's columns and units."""
        return pd.DataFrame(
            values / self.factors, index=_stream_index(self.streams).rename("stream"),
            columns=list(self.columns),
        )


_INDEX_CACHE: dict[int, tuple[Any, pd.Index]] = {}


def _stream_index(streams: Any) -> pd.Index:
    """A pandas Index of the stream names, built once per tuple of names (they are immutable)."""
    hit = _INDEX_CACHE.get(id(streams))
    if hit is not None and hit[0] is streams:
        return hit[1]
    index = pd.Index(list(streams))
    if isinstance(streams, tuple):
        if len(_INDEX_CACHE) > 64:
            _INDEX_CACHE.clear()
        _INDEX_CACHE[id(streams)] = (streams, index)
    return index


def _str_labels(index: pd.Index) -> pd.Index:
    """The labels of an index as strings (``str(label)`` of each), vectorised."""
    if pd.api.types.is_string_dtype(index.dtype) and not index.hasnans:
        return pd.Index(index)
    return pd.Index([str(s) for s in index])


def _column_values(series: pd.Series) -> tuple[np.ndarray, Any]:
    """Magnitudes of a column and its pint unit, if its values are quantities."""
    import pint

    # the accessor is looked up on the class: on the instance, pandas would first search
    # the (possibly 100,000-label) index for a row called "pint"
    if hasattr(type(series), "pint"):
        try:
            return np.asarray(series.pint.magnitude, dtype=float), series.pint.units
        except Exception:  # noqa: BLE001 - not a pint dtype after all
            pass
    vals = series.to_numpy()
    if vals.dtype == object and any(isinstance(v, pint.Quantity) for v in vals):
        units = {str(v.units) for v in vals if isinstance(v, pint.Quantity)}
        first = next(v for v in vals if isinstance(v, pint.Quantity))
        plain = [(i, v) for i, v in enumerate(vals) if not isinstance(v, pint.Quantity)
                 and v is not None and not (isinstance(v, float) and np.isnan(v))]
        if plain:
            i, v = plain[0]
            raise DataError(
                f"column {series.name!r}: row {series.index[i]!r} holds the plain number {v!r} "
                f"among pint quantities in {first.units}; give every measured cell a unit "
                "(NaN or None = not measured), or none of them"
            )
        mags = [
            v.to(first.units).magnitude if isinstance(v, pint.Quantity) else np.nan
            for v in vals
        ]
        del units
        return np.asarray(mags, dtype=float), first.units
    try:
        return np.asarray(vals, dtype=float), None
    except (TypeError, ValueError) as err:
        raise FlowsheetError(
            f"column {series.name!r} holds non-numeric values: expected numbers (NaN = not "
            "measured) or pint quantities"
        ) from err


def read_measurements(flowsheet: Flowsheet, measured: pd.DataFrame,
                      name: str = "measured") -> Measurements:
    """Check and convert a measurement table (rows: streams, columns: mass and assays).

    Parameters
    ----------
    flowsheet : Flowsheet
    measured : pandas.DataFrame
        Indexed by stream. A ``mass`` column (also ``"mass [t/h]"`` or pint quantities) and
        assay columns: mass fractions 0-1, or columns whose name or values carry a unit
        (``"Cu [%]"``, ``"Au_ppm"``). NaN = not measured. Streams of the flowsheet that are
        missing from the index are not measured.
    name : str
        Name of the parameter in error messages.

    Returns
    -------
    Measurements

    Raises
    ------
    KeyError
        No ``mass`` column, or a stream name the flowsheet does not have.
    ValueError
        Negative flows, assays outside [0, 1], non-numeric values.
    """
    from ..units import fraction_factor, split_unit

    if not isinstance(measured, pd.DataFrame):
        raise TypeError(
            f"{name} must be a pandas DataFrame indexed by stream, got {type(measured).__name__}"
        )
    if measured.index.has_duplicates:
        dup = sorted({str(s) for s in measured.index[measured.index.duplicated()]})
        raise FlowsheetError(f"{name} lists stream(s) {dup} twice")
    labels = _str_labels(measured.index)
    unknown_at = _stream_index(flowsheet.streams).get_indexer(labels) < 0
    if unknown_at.any():
        unknown = list(measured.index[unknown_at])
        raise KeyError(
            f"{name} has stream(s) {unknown} that the flowsheet does not have; its streams are "
            f"{list(flowsheet.streams)}"
        )
    mass_cols = [c for c in measured.columns if split_unit(c)[0].lower() == "mass"]
    if not mass_cols:
        raise KeyError(
            f"{name} has no 'mass' column (got {list(measured.columns)}): give the mass flow of "
            "each stream in a column named 'mass' (NaN where not measured)"
        )
    if len(mass_cols) > 1:
        raise FlowsheetError(f"{name} has several mass columns {mass_cols}; keep one")
    mass_col = mass_cols[0]
    frame = measured.copy()
    frame.index = labels
    frame = frame.reindex(_stream_index(flowsheet.streams))
    columns = [mass_col] + [c for c in measured.columns if c != mass_col]
    values = np.empty((len(flowsheet.streams), len(columns)))
    factors = np.ones(len(columns))
    components: list[str] = []
    for k, col in enumerate(columns):
        mags, unit = _column_values(frame[col])
        base, name_unit = split_unit(col)
        if k == 0:
            mass_unit = unit if unit is not None else name_unit
            if mass_unit is not None:
                dims = dict(mass_unit.dimensionality) if hasattr(mass_unit, "dimensionality") \
                    else {}
                if dims not in ({"[mass]": 1}, {"[mass]": 1, "[time]": -1}):
                    raise UnitError(
                        f"{name} column {col!r} is in {mass_unit}, which is not a mass or a "
                        "mass flow: give the mass flow in e.g. t/h, kg/h or t"
                    )
            values[:, 0] = mags
            inf = np.nonzero(np.isinf(mags))[0]
            if inf.size:
                raise DataError(
                    f"{name}: mass flow of stream {flowsheet.streams[inf[0]]!r} is "
                    f"{mags[inf[0]]}: expected a finite number (NaN = not measured)"
                )
            bad = np.nonzero(mags < 0)[0]
            if bad.size:
                s = flowsheet.streams[bad[0]]
                raise FlowsheetError(
                    f"{name}: mass flow of stream {s!r} is {mags[bad[0]]:g} < 0; flows must be "
                    "non-negative (a stream that runs the other way needs its ends swapped)"
                )
            continue
        unit = unit if unit is not None else name_unit
        factor = 1.0
        if unit is not None:
            try:
                factor = fraction_factor(unit)
            except ValueError as err:
                raise FlowsheetError(f"{name} column {col!r}: {err}") from err
        fr = mags * factor
        bad = np.nonzero((fr < 0) | (fr > 1))[0]
        if bad.size:
            s = flowsheet.streams[bad[0]]
            shown = f"{mags[bad[0]]:g}" + (f" (= {fr[bad[0]]:g} as a mass fraction)"
                                             if factor != 1.0 else "")
            raise FlowsheetError(
                f"{name} column {col!r}, stream {s!r}: assay {shown} is outside "
                "[0, 1]; assays are mass fractions 0-1, or name the unit in the column "
                "('Cu [%]', 'Au [g/t]') or pass pint quantities"
            )
        values[:, k] = fr
        factors[k] = factor
        if base in components or base.lower() == "mass":
            raise FlowsheetError(f"{name} has two columns for component {base!r}")
        components.append(base)
    out = Measurements(values, components, columns, factors, flowsheet.streams)
    out.mass_unit = mass_unit
    return out
