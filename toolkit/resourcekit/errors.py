"""One exception family for the whole toolkit.

Every error the toolkit raises on purpose derives from :class:`ResourcekitError`, so a caller can
catch all of them at once; each subclass also derives from the built-in exception that older code
expected (``ValueError``, ``KeyError``, ``RuntimeError``), so ``except ValueError`` keeps working.
Messages name the argument or column, the value, and what is allowed.

- ``UnitError`` (a ``ValueError``): a unit that is missing, unknown, of the wrong dimension,
  or contradicts another;
- ``DataError`` (a ``ValueError``): a value out of range: NaN where none is allowed, inf, a
  negative mass, a fraction above 1, text;
- ``LabelError`` (a ``DataError`` and a ``KeyError``): labels (index or columns) that do not
  match, are duplicated or are missing;
- ``OptionError`` (a ``ValueError``): an unknown ``method=``/``model=``/option string;
- ``FlowsheetError`` (a ``ValueError``): a flowsheet that is malformed or cannot be solved;
- ``GradingError`` (a ``RuntimeError``): a submission or exercise that cannot be graded;
- ``DatasetError`` (a ``RuntimeError``): a dataset that is missing, unknown or corrupt.

Warnings: :class:`ResourcekitWarning`, with :class:`MissingValueWarning` for NaN that the boundary
passes through (it is reported, never turned into 0).

>>> from resourcekit.errors import ResourcekitError, DataError
>>> issubclass(DataError, ValueError) and issubclass(DataError, ResourcekitError)
True
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

__all__ = [
    "ResourcekitError",
    "UnitError",
    "DataError",
    "LabelError",
    "OptionError",
    "FlowsheetError",
    "GradingError",
    "DatasetError",
    "ResourcekitWarning",
    "MissingValueWarning",
    "column_hint",
]


class ResourcekitError(Exception):
    """Base of every error the toolkit raises on purpose."""

    def __str__(self) -> str:  # KeyError subclasses would otherwise print the repr
        return str(self.args[0]) if self.args else ""


class UnitError(ResourcekitError, ValueError):
    """A unit that is missing, unknown, of the wrong dimension, mixed or contradictory."""


class DataError(ResourcekitError, ValueError):
    """A value the function cannot use: NaN where none is allowed, inf, negative, out of range."""


class LabelError(DataError, KeyError):
    """Index labels or columns that do not match, are duplicated, or are missing."""


class OptionError(ResourcekitError, ValueError):
    """An unknown option (``method=``, ``model=``, ``criterion=`` ...)."""


class FlowsheetError(ResourcekitError, ValueError):
    """A flowsheet that is malformed, inconsistent with its data, or cannot be solved."""


class GradingError(ResourcekitError, RuntimeError):
    """A submission or exercise that cannot be graded as asked."""


class DatasetError(ResourcekitError, RuntimeError):
    """A dataset that is missing, unknown or corrupt."""


class ResourcekitWarning(UserWarning):
    """Base of the toolkit's warnings."""


class MissingValueWarning(ResourcekitWarning):
    """NaN in an input: passed through as NaN (never 0) and reported."""


def column_hint(name: object, columns: Iterable[object], shown: int = 15) -> str:
    """The end of a message about a column that is not there: close names first, then the columns.

    A wide export (GEOROC has 172 columns) cannot be listed whole, and a list cut at its first
    names hides the one the user meant. So names that contain what was typed, or are close to it
    (``difflib``, case ignored), come first; then the number of columns and the first ``shown``.
    pandas names an empty header ``'Unnamed: 0'``, which is said when ``name`` is empty.

    >>> column_hint("TECTONIC", ["sample", "La", "TECTONIC SETTING"])
    "did you mean ['TECTONIC SETTING']? 3 columns: ['sample', 'La', 'TECTONIC SETTING']"
    >>> column_hint("", ["Unnamed: 0", "sample"])
    "an empty header is read as 'Unnamed: 0'; 2 columns: ['Unnamed: 0', 'sample']"
    """
    names = [str(c) for c in columns]
    key = str(name).strip().casefold()
    close = [n for n in names if key and key in n.casefold()]
    lower = {n.casefold(): n for n in names}
    for match in difflib.get_close_matches(key, list(lower), n=3, cutoff=0.6):
        if lower[match] not in close:
            close.append(lower[match])
    listed = names[:shown] + ([f"... and {len(names) - shown} more"] if len(names) > shown else [])
    tail = f"{len(names)} columns: {listed}"
    if not key:
        unnamed = [n for n in names if n.startswith("Unnamed: ")]
        return f"an empty header is read as {unnamed[0]!r}; {tail}" if unnamed else tail
    return f"did you mean {close[:5]}? {tail}" if close else tail
