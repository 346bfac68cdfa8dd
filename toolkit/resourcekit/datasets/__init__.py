"""Datasets shipped with resourcekit, each with a card.

Each dataset lives in a folder ``datasets/<name>/`` of the repository (installed as package data
``resourcekit/_data/<name>/``) with a data file and ``card.yml``: title, whether the data are
``measured`` (with source and licence), ``published`` (values taken from a cited work, such as
a textbook's worked example or a consortium's table) or ``synthetic`` (with the script and seed
that made them), units, columns, citation, and the SHA-256 of the data file, checked on every load.

>>> from resourcekit import datasets
>>> "osullivan2020_apatite" in datasets.list().index
True
>>> datasets.card("osullivan2020_apatite")["kind"]
'measured'
"""

from __future__ import annotations

import builtins
import hashlib
from functools import cache
from pathlib import Path
from typing import Any

from ..errors import DatasetError  # one exception family for the toolkit

__all__ = ["list", "load", "card", "path", "data_dir", "cards_markdown", "DatasetError"]

KINDS = ("measured", "published", "synthetic")
_REQUIRED = ("title", "kind", "file", "sha256", "licence", "citation", "columns")


def data_dir() -> Path:
    """Folder that holds the dataset folders (package data, or the checkout's ``datasets/``)."""
    here = Path(__file__).resolve().parent
    installed = here.parent / "_data"
    if installed.is_dir():
        return installed
    checkout = here.parents[2] / "datasets"
    if checkout.is_dir():
        return checkout
    raise DatasetError(f"no dataset folder found (looked in {installed} and {checkout})")


def _names() -> builtins.list[str]:
    root = data_dir()
    return sorted(p.parent.name for p in root.glob("*/card.yml"))


@cache
def _read_card(name: str) -> dict[str, Any]:
    import yaml

    folder = data_dir() / name
    card_file = folder / "card.yml"
    if not card_file.is_file():
        known = ", ".join(_names())
        raise DatasetError(f"unknown dataset {name!r}; known datasets: {known}")
    with open(card_file, encoding="utf-8") as fh:
        info = yaml.safe_load(fh)
    missing = [key for key in _REQUIRED if key not in info]
    if missing:
        raise DatasetError(f"card of dataset {name!r} lacks {missing}")
    if info["kind"] not in KINDS:
        raise DatasetError(
            f"card of dataset {name!r}: kind = {info['kind']!r}, expected one of {KINDS}"
        )
    if info["kind"] == "synthetic" and not {"script", "seed"} <= set(info):
        raise DatasetError(f"synthetic dataset {name!r} must name its script and seed")
    info["name"] = name
    return info


def card(name: str) -> dict[str, Any]:
    """Return the card of dataset ``name`` as a dict (a copy)."""
    return dict(_read_card(name))


def path(name: str) -> Path:
    """Path of the data file of dataset ``name``."""
    return data_dir() / name / _read_card(name)["file"]


def list() -> Any:  # noqa: A001 - the public name asked for
    """Table of the shipped datasets: title, kind (measured or synthetic), licence, file.

    Returns
    -------
    pandas.DataFrame
        Indexed by dataset name.
    """
    import pandas as pd

    rows = []
    for name in _names():
        info = _read_card(name)
        rows.append(
            {
                "name": name,
                "title": info["title"],
                "kind": info["kind"],
                "licence": info["licence"],
                "file": info["file"],
            }
        )
    return pd.DataFrame(rows).set_index("name")


def _sha256(file: Path) -> str:
    digest = hashlib.sha256()
    with open(file, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def load(name: str, *, verify: bool = True) -> Any:
    """Load dataset ``name`` as a pandas DataFrame, after checking its SHA-256.

    Parameters
    ----------
    name : str
        A name from :func:`list`.
    verify : bool
        Check the file's SHA-256 against its card (default). A mismatch raises.

    Returns
    -------
    pandas.DataFrame
        ``df.attrs["card"]`` holds the card.

    Raises
    ------
    DatasetError
        Unknown name, missing file, or a file whose checksum differs from its card.
    """
    import pandas as pd

    info = _read_card(name)
    file = data_dir() / name / info["file"]
    if not file.is_file():
        raise DatasetError(f"data file of dataset {name!r} is missing: {file}")
    if verify:
        actual = _sha256(file)
        if actual != info["sha256"]:
            raise DatasetError(
                f"dataset {name!r} is corrupt or was edited: SHA-256 of {file.name} is {actual}, "
                f"its card says {info['sha256']}. Restore the file (git checkout / reinstall)."
            )
    options = dict(info.get("read_csv", {}))
    frame = pd.read_csv(file, **options)
    frame.attrs["card"] = card(name)
    return frame


def cards_markdown() -> str:
    """All dataset cards as one Markdown document (used by the book's datasets page)."""
    parts = []
    for name in _names():
        info = _read_card(name)
        label = info["kind"].capitalize()
        lines = [f"## {info['title']}", "", f"`resourcekit.datasets.load({name!r})`", ""]
        lines.append(f"- **{label} data.** {info.get('description', '').strip()}")
        if info["kind"] == "synthetic":
            lines.append(
                f"- Made by `datasets/{name}/{info['script']}` with seed {info['seed']}."
            )
        if info.get("source"):
            lines.append(f"- Source: {info['source']}")
        lines.append(f"- Licence: {info['licence']}")
        lines.append(f"- Cite: {info['citation']}")
        if info.get("units"):
            lines.append(f"- Units: {info['units']}")
        if info.get("assumptions"):
            lines.append(f"- Assumptions: {info['assumptions']}")
        lines.append(f"- SHA-256 of `{info['file']}`: `{info['sha256']}`")
        lines += ["", "| column | meaning |", "|---|---|"]
        for col, text in info["columns"].items():
            lines.append(f"| `{col}` | {text} |")
        parts.append("\n".join(lines))
    return "\n\n".join(parts) + "\n"
