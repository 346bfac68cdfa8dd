"""Files to tables for :func:`resourcekit.ree.explore`: CSV, Excel and Parquet read as the
user wrote them (text cells stay text), and the notes some exports put after their data
(GEOROC's abbreviations and references) told apart from the data."""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataError, OptionError, ResourcekitWarning

__all__ = ["read_table", "without_footer"]


def read_table(path: str | os.PathLike[str], *, scheduler: Any = None) -> Any:
    """Read CSV, Excel or Parquet; a folder of Parquet files becomes a dask DataFrame.

    Parameters
    ----------
    path : str or path
        ``.csv``/``.txt``/``.tsv``, ``.xlsx``/``.xls``, ``.parquet``/``.pq``, or a folder of
        ``.parquet`` files.

    Returns
    -------
    pandas.DataFrame or dask.dataframe.DataFrame
        Text cells stay text (detection-limit codes are read by ``normalize``).

    Examples
    --------
    >>> import tempfile
    >>> f = Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = f.write_text("LA(PPM),CE(PPM)\\n<0.05,12\\n")
    >>> read_table(f).iloc[0].astype(str).tolist()
    ['<0.05', '12']
    """
    p = Path(path)
    if not p.exists():
        raise DataError(f"explore: no file or folder {str(p)!r}")
    if p.is_dir():
        files = sorted(p.glob("*.parquet")) + sorted(p.glob("*.pq"))
        if not files:
            raise DataError(f"explore: folder {str(p)!r} holds no .parquet files")
        import dask.dataframe as dd

        return dd.read_parquet([str(f) for f in files])
    suffix = p.suffix.lower()
    if suffix in (".csv", ".txt", ".tsv"):
        return without_footer(pd.read_csv(p, sep="\t" if suffix == ".tsv" else ",",
                                          keep_default_na=False, na_values=[""],
                                          skip_blank_lines=False))
    if suffix in (".xlsx", ".xlsm", ".xls"):
        return pd.read_excel(p)
    if suffix in (".parquet", ".pq"):
        return pd.read_parquet(p)
    raise OptionError(f"explore: file type {suffix!r} of {str(p)!r}; use .csv, .tsv, .xlsx, "
                      ".parquet or a folder of .parquet files")


def _warn_sparse_rows_after_blank(tail: pd.DataFrame, filled: np.ndarray) -> None:
    """Warn about rows of one or two cells after the first empty line (kept as samples)."""
    sparse = (filled > 0) & (filled <= 2)
    if not sparse.any():
        return
    first = tail[sparse].iloc[0].dropna()
    text = ", ".join(f"{v:g}" if isinstance(v, float) else str(v) for v in first)[:60]
    warnings.warn(f"read_table: {int(sparse.sum())} line(s) of one or two cells after an empty "
                  f"line were read as samples (first: {text!r}); if they are notes, not "
                  "analyses, delete them or put each in quotes as a single cell",
                  ResourcekitWarning, stacklevel=3)


def without_footer(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` without the notes some exports put after their data, and without empty lines.

    A GEOROC precompiled file ends its analyses with an empty line, then an "Abbreviations:"
    line, "References:" and one line per reference, each a single cell. Read as rows they
    become samples with no values, and a sample-ID column gets blanks. When every line from the
    first empty one to the end holds at most one cell, those lines are the footer: they are
    left out and counted in ``frame.attrs["footer"]`` (lines, first text), which the report
    lists under "rows dropped". Empty lines elsewhere are left out, as ``pandas.read_csv``
    does by default. A line of one or two cells after an empty line, beside lines of more, may
    be a sample or a note with a comma in it ("Data: my lab, 2026" would give La = 2026): it is
    kept as a row, with a warning that names it, since no rule can tell the two apart.

    >>> f = pd.DataFrame({"a": [1, None, "Notes:", None, "[1] A. Author"],
    ...                   "b": [2, None, None, None, None], "c": [3, None, None, None, None]})
    >>> out = without_footer(f)
    >>> len(out), out.attrs["footer"]["lines"], out.attrs["footer"]["first"]
    (1, 2, 'Notes:')
    """
    filled = frame.notna().sum(axis=1).to_numpy()
    blank = np.flatnonzero(filled == 0)
    footer = None
    if len(blank) and frame.shape[1] > 2:
        tail = filled[blank[0]:]
        if (tail <= 1).all() and (tail == 1).any():
            text = frame.iloc[blank[0]:][tail == 1]
            footer = {"lines": int((tail == 1).sum()),
                      "first": str(text.iloc[0].dropna().iloc[0])[:60]}
            frame, filled = frame.iloc[:blank[0]], filled[:blank[0]]
        else:
            _warn_sparse_rows_after_blank(frame.iloc[blank[0]:], filled[blank[0]:])
    out = frame[filled > 0].reset_index(drop=True)
    if footer:
        out.attrs["footer"] = footer
    return out
