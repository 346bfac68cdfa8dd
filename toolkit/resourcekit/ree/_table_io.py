"""Files to tables for :func:`resourcekit.ree.explore`: CSV, Excel and Parquet read as the
user wrote them (text cells stay text), and the notes some exports put after their data
(GEOROC's abbreviations and references) told apart from the data."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataError, OptionError

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


def without_footer(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` without the notes some exports put after their data, and without empty lines.

    A GEOROC precompiled file ends its analyses with an empty line, then an "Abbreviations:"
    line, "References:" and one line per reference, each a single cell. Read as rows they
    become samples with no values, and a sample-ID column gets blanks. When every line from the
    first empty one to the end holds at most one cell, those lines are the footer: they are
    left out and counted in ``frame.attrs["footer"]`` (lines, first text), which the report
    lists under "rows dropped". Empty lines elsewhere are left out, as ``pandas.read_csv``
    does by default.

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
    out = frame[filled > 0].reset_index(drop=True)
    if footer:
        out.attrs["footer"] = footer
    return out
