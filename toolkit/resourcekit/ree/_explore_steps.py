"""The computing steps of :func:`resourcekit.ree.explore`, one function each.

Data walk down once: ``prepare`` (IDs, groups, which column is yttrium) -> ``row_table``
(normalise, quality counts, anomalies, ratios, sums, lambdas: one partition at a time) ->
``dropped_counts`` (every row left out of something, with the reason) -> ``outliers``
(within-dataset, conformal p-values) -> ``novelty`` (only against a library) -> the report.

The formulas are those of the public functions (:func:`~resourcekit.ree.normalize`,
:func:`~resourcekit.ree.eu_anomaly`, :func:`~resourcekit.ree.lambdas`,
:class:`~resourcekit.ree.NoveltyDetector`); nothing here re-derives them.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataError, OptionError, column_hint
from ._elements import REE, REY

#: Scalar per-sample results, in the order of ``tables/samples.csv``.
SCALARS = ("Eu/Eu*", "Ce/Ce*", "(La/Yb)_N", "(La/Sm)_N", "(Gd/Yb)_N", "sum REE [ppm]",
           "LREE/HREE")
LAMBDAS = ("lambda0", "lambda1", "lambda2", "lambda3")


@dataclass(frozen=True)
class Options:
    """What the user chose (Python keyword, with the CLI option in ``cli`` messages)."""

    units: Any = None
    normalise_to: str = "CI_McDonoughSun1995"
    lambda_reference: str = "CI_ONeill2016"
    bdl: str = "half"
    id: str | None = None
    group: str | None = None
    yttrium: Any = None  # None: the reader's rule; a column name; False: no yttrium
    max_groups: int = 8
    elements: tuple[str, ...] = REE  # set by prepare(): REY when yttrium is read


def option(name: str, value: Any = None) -> str:
    """How to spell an option in a message: ``--units ppm (units='ppm')``."""
    flag = "--" + name.replace("_", "-")
    shown = f" {value}" if value is not None else ""
    py = f"{name}={value!r}" if value is not None else f"{name}="
    return f"{flag}{shown} ({py})"


def citation(name: str) -> str:
    """Short citation of a shipped reference composition: ``'CI chondrite, McDonough W.F.,
    Sun S.-s. (1995)'``."""
    from .references import references

    tab = references()
    if name not in tab.index:
        return str(name)
    cite = str(tab.loc[name, "citation"])
    head = cite.split(")")[0] + ")" if ")" in cite else cite
    return f"{tab.loc[name, 'reservoir']}, {head}"


# --------------------------------------------------------------------------------- prepare
def prepare(frame: pd.DataFrame, opts: Options) -> tuple[pd.DataFrame, Options]:
    """Index by sample ID, resolve ``yttrium``, check the group column; returns a (shallow)
    copy of ``frame`` and the options with ``elements`` set."""
    from ._read import find

    if opts.id is not None:
        if opts.id not in frame.columns:
            raise DataError(f"explore: ID column {opts.id!r} ({option('id')}) is not in the data; "
                            f"{column_hint(opts.id, frame.columns)}")
        ids = frame[opts.id].astype(str)
        dup = ids[ids.duplicated()].unique()
        if len(dup):
            raise DataError(f"explore: ID column {opts.id!r} ({option('id')}) holds "
                            f"{len(dup)} duplicated IDs, e.g. {list(dup[:5])}; IDs must be "
                            "unique (choose another column or leave the IDs out)")
        frame = frame.set_index(ids.rename("id"), drop=False)
    elif not frame.index.is_unique:  # the caller's index names rows when it can
        frame = frame.set_axis(pd.RangeIndex(len(frame), name="row"), axis=0)
    if opts.group is not None and opts.group not in frame.columns:
        raise DataError(f"explore: group column {opts.group!r} ({option('group')}) is not in "
                        f"the data; {column_hint(opts.group, frame.columns)}")
    if opts.max_groups < 1:
        raise OptionError(f"explore: max_groups = {opts.max_groups!r} (--max-groups); use >= 1")
    y = opts.yttrium
    if isinstance(y, str):
        if y not in frame.columns:
            raise DataError(f"explore: yttrium column {y!r} ({option('yttrium')}) is not in the "
                            f"data; {column_hint(y, frame.columns)}")
        unit = _yttrium_unit(y, opts.units)
        others = [c for c in frame.columns if isinstance(c, str) and c != y
                  and c.strip().lower() == "y"]
        frame = frame.drop(columns=others).rename(columns={y: f"Y [{unit}]"})
        return frame, _replace(opts, elements=REY)
    if y is False:
        return frame, _replace(opts, elements=REE)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        found = {c.element for c in find(frame.columns, REY, units=opts.units, where="explore")}
    return frame, _replace(opts, elements=REY if "Y" in found else REE)


def _replace(opts: Options, **kw: Any) -> Options:
    from dataclasses import replace

    return replace(opts, **kw)


def _yttrium_unit(label: str, units: Any) -> str:
    from ..units import split_unit

    try:
        _, unit = split_unit(label)
    except Exception:  # noqa: BLE001 - an unreadable unit is reported below
        unit = None
    if unit is not None:
        return str(unit)
    if isinstance(units, str):
        return units
    raise DataError(f"explore: yttrium column {label!r} has no unit in its name; pass "
                    f"{option('units', 'ppm')} or rename it 'Y_ppm'")


def groups_of(frame: pd.DataFrame, group: str | None) -> pd.Series:
    """The group of each row as text (``"all"`` without a group column)."""
    if group is None:
        return pd.Series("all", index=frame.index, name="group")
    return frame[group].astype("string").fillna("(none)").astype(str).rename("group")


def lump_groups(groups: pd.Series, max_groups: int) -> pd.Series:
    """Above ``max_groups + 2`` groups, keep the ``max_groups`` largest and call the rest
    ``"other"`` (charts only; tables keep every group).

    >>> g = pd.Series(list("aaabbc") + list("defghijklm"))
    >>> lump_groups(g, 2).value_counts().to_dict()
    {'other': 11, 'a': 3, 'b': 2}
    """
    counts = groups.value_counts(sort=True)
    if len(counts) <= max_groups + 2:
        return groups
    keep = set(counts.index[:max_groups])
    return groups.where(groups.isin(keep), "other")


# --------------------------------------------------------------------------------- rows
def row_table(frame: pd.DataFrame, opts: Options) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Per-sample results of one partition, its quality counts and its lambda refusals.

    Returns ``(rows, quality, not_fitted)``: ``rows`` has the normalised values (element
    symbols), :data:`SCALARS`, :data:`LAMBDAS`, ``lambda chi2`` and ``group``.
    """
    from . import anomalies
    from .lambdas import lambdas
    from .normalization import find_columns, normalize

    cols = find_columns(frame.columns, opts.elements, units=opts.units)
    labels = list(cols.values())
    norm = normalize(frame[labels], opts.normalise_to, units=opts.units, bdl=opts.bdl)
    present = [el for el in opts.elements if el in norm.columns]
    out = norm[present].astype("float64")
    replaced = norm.attrs.get("bdl_replaced", {})
    quality = _quality(frame, cols, norm, replaced)
    nn = norm[present]
    if {"Sm", "Eu", "Gd"} <= set(present):
        out["Eu/Eu*"] = anomalies.eu_anomaly(nn, reference=None).to_numpy()
    if {"La", "Ce", "Pr"} <= set(present):
        out["Ce/Ce*"] = anomalies.ce_anomaly(nn, reference=None).to_numpy()
    for a, b in (("La", "Yb"), ("La", "Sm"), ("Gd", "Yb")):
        if {a, b} <= set(present):
            out[f"({a}/{b})_N"] = (norm[a] / norm[b]).to_numpy()
    ree_labels = [cols[el] for el in REE if el in cols]
    if len(ree_labels) == len(REE):  # sums need all 14 REE
        sums = anomalies.ree_sums(frame[ree_labels], units=opts.units, bdl=opts.bdl)
        out["sum REE [ppm]"] = sums["REE"].to_numpy()
        out["LREE/HREE"] = sums["LREE/HREE"].to_numpy()
    lam = lambdas(frame[ree_labels], reference=opts.lambda_reference, units=opts.units,
                  bdl=opts.bdl, uncertainties=True)
    for c in LAMBDAS:
        if c in lam.columns:
            out[c] = lam[c].to_numpy()
    if "chi2" in lam.columns:
        out["lambda chi2"] = lam["chi2"].to_numpy()
    out["group"] = groups_of(frame, opts.group).to_numpy()
    return out, quality, dict(lam.attrs.get("not_fitted", {}))


def _quality(frame: pd.DataFrame, cols: dict[str, Any], norm: pd.DataFrame,
             replaced: dict[str, int]) -> pd.DataFrame:
    rows = []
    for el, label in cols.items():
        raw = frame[label]
        empty = raw.isna()
        if not pd.api.types.is_numeric_dtype(raw.dtype):
            text = raw[~empty].astype(str).str.strip()
            empty.loc[text.index] = text.isin(["", "NA", "NaN", "nan", "n.a.", "N/A"])
        empty = int(empty.sum())
        values = int(norm[el].notna().sum()) if el in norm.columns else 0
        rows.append({"element": el, "rows": len(frame), "values": values,
                     "empty cells": empty, "below detection limit": int(replaced.get(el, 0))})
    return pd.DataFrame(rows, columns=["element", "rows", "values", "empty cells",
                                       "below detection limit"])


# --------------------------------------------------------------------------------- dropped
def dropped_counts(rows: pd.DataFrame, not_fitted: dict[str, int]) -> dict[str, int]:
    """Rows left out of something, by reason (sums over partitions add up)."""
    present = [el for el in REE if el in rows.columns]
    vals = rows[present]
    none = vals.isna().all(axis=1)
    out = {"no REE value at all": int(none.sum()),
           "incomplete pattern": int((~(vals > 0).all(axis=1) & ~none).sum())}
    for c, need in (("Eu/Eu*", ["Sm", "Eu", "Gd"]), ("Ce/Ce*", ["La", "Ce", "Pr"])):
        if c in rows.columns:
            what = ", ".join(need[:2]) + " or " + need[2]
            lacking = rows[need].isna().any(axis=1) & ~none
            not_positive = (rows[need] <= 0).any(axis=1) & ~lacking & ~none
            out[f"{c} not computed ({what} missing)"] = int(lacking.sum())
            out[f"{c} not computed ({what} = 0 or less)"] = int(not_positive.sum())
    for reason, k in not_fitted.items():
        out[f"lambdas refused ({reason})"] = out.get(f"lambdas refused ({reason})", 0) + int(k)
    return out


_EFFECT = {
    "no REE value at all": "left out of every chart and summary",
    "incomplete pattern": "left out of the embedding, the outlier score and novelty "
                          "(medians and anomalies use the values present)",
    "not computed": "blank in samples.csv, left out of the anomaly chart and its medians",
    "lambdas refused": "lambdas NaN in samples.csv; left out of the lambda chart",
}


def dropped_frame(counts: dict[str, int], n_present: int, n_rows: int) -> pd.DataFrame:
    """The report's "rows dropped or refused" table: reason, rows, effect, of."""
    table = []
    for reason, k in counts.items():
        label = (f"incomplete pattern (fewer than {n_present} positive REE)"
                 if reason == "incomplete pattern" else reason)
        effect = next(v for key, v in _EFFECT.items() if key in reason)
        table.append({"reason": label, "rows": int(k), "effect": effect})
    return pd.DataFrame(table, columns=["reason", "rows", "effect"]).set_index(
        "reason").assign(of=n_rows)


# --------------------------------------------------------------------------------- scores
def _log_complete(rows: pd.DataFrame, elements: list[str]) -> pd.DataFrame:
    with np.errstate(divide="ignore", invalid="ignore"):
        logs = np.log(rows[elements].astype("float64").where(rows[elements] > 0))
    return logs[np.isfinite(logs.to_numpy()).all(axis=1)]


def outliers(rows: pd.DataFrame, elements: list[str], quantile: float) -> tuple[
        pd.DataFrame | None, dict[str, Any]]:
    """Within-dataset outlier score: kNN distance of each complete pattern to the others
    (standardised ln X_N, :class:`~resourcekit.ree.NoveltyDetector`, each sample scored
    without itself) and its conformal p-value against the leave-one-out scores of the *other*
    samples, :math:`p_i = (1 + \\#\\{j \\ne i: s_j \\ge s_i\\}) / n` (Vovk et al. 2005; Bates et al.
    2023, Ann. Statist. 51:149, eq. 2, with the n - 1 others as calibration set). A sample is
    flagged when :math:`p_i \\le \\alpha = 1 - q`: exactly the :math:`m = \\lfloor \\alpha n
    \\rfloor` highest scores, those above the threshold, the (m + 1)-th highest score.

    A detector fitted on all n and asked about the same n counts each sample among its own
    calibration scores, (2 + #{j != i: s_j >= s_i}) / (n + 1): every p-value too large, the
    highest score's 2/(n + 1) instead of 1/n (found on the PetDB extract)."""
    from .novelty import NoveltyDetector

    S = _log_complete(rows, elements)
    if len(S) < 10 or len(elements) < 5:
        return None, {"skipped": f"{len(S)} complete patterns of {len(elements)} REE "
                                 "(needs 10 and 5)"}
    det = NoveltyDetector(quantile=quantile).fit(S.to_numpy())
    score = det.score(S.to_numpy(), exclude_identical=True)
    p, threshold = leave_one_out_p(score, 1 - quantile)
    table = pd.DataFrame(index=S.index)
    table["outlier score"] = score
    table["outlier p"] = p
    table["outlier"] = table["outlier score"] > threshold
    table.attrs["threshold"] = threshold
    return table, {"n_scored": len(score), "n_flagged": int(table["outlier"].sum()),
                   "threshold": threshold, "quantile": quantile}


def leave_one_out_p(score: np.ndarray, alpha: float) -> tuple[np.ndarray, float]:
    """Conformal p-value of each of ``n`` leave-one-out scores against the other ``n - 1``,
    :math:`p_i = (1 + \\#\\{j \\ne i: s_j \\ge s_i\\}) / n`, and the threshold above which a
    score has :math:`p \\le \\alpha`: the (m + 1)-th highest score, :math:`m = \\lfloor \\alpha n
    \\rfloor` (``inf`` when m = 0). Bates et al. (2023) Ann. Statist. 51:149, eq. 2.

    >>> p, t = leave_one_out_p(np.array([1.0, 5.0, 2.0, 9.0]), 0.5)
    >>> p.tolist(), t  # m = 2: the two highest scores are flagged
    ([1.0, 0.5, 0.75, 0.25], 2.0)
    """
    n = len(score)
    others_at_least = n - np.searchsorted(np.sort(score), score, side="left") - 1
    m = int(np.floor(alpha * n + 1e-9))  # 1e-9: 1 - 0.95 is 0.0500...04 in binary
    threshold = float(np.sort(score)[::-1][m]) if m < n else -float("inf")
    threshold = threshold if m else float("inf")
    return (1.0 + others_at_least) / n, threshold


def read_library(library: Any, label: str | None) -> tuple[pd.DataFrame, pd.Series, str]:
    """A labelled library (file or DataFrame) and its label column."""
    from .exploration import read_table

    name = "library"
    if isinstance(library, (str, os.PathLike)):
        name = Path(library).name
        library = read_table(library)
        if not isinstance(library, pd.DataFrame):
            library = library.compute()
    if not isinstance(library, pd.DataFrame):
        raise DataError(f"explore: library must be a labelled table (file or DataFrame), got "
                        f"{type(library).__name__} ({option('library')})")
    candidates = [label] if label else ["label", "class", "Class", "Label"]
    found = next((c for c in candidates if c and c in library.columns), None)
    if found is None:
        raise DataError(f"explore: the library needs a label column; looked for {candidates}; "
                        f"pass {option('library_label')}")
    library = library.reset_index(drop=True)
    return library, library[found].astype("string"), name


def novelty(rows: pd.DataFrame, library: pd.DataFrame, labels: pd.Series, opts: Options,
            quantile: float) -> tuple[pd.DataFrame, dict[str, Any]]:
    """kNN novelty of each complete pattern against a labelled library, with conformal
    p-values and the nearest classes (:mod:`resourcekit.ree.novelty`)."""
    from .normalization import normalize
    from .novelty import NoveltyDetector, nearest_classes

    rnorm = normalize(library, opts.normalise_to, units=None, bdl=opts.bdl)
    common = [el for el in REE if el in rows.columns and el in rnorm.columns]
    if len(common) < 5:
        raise DataError(f"explore: only {common} are shared with the library; novelty needs "
                        "at least 5 REE")
    labels = labels.set_axis(rnorm.index)
    R = _log_complete(rnorm[labels.notna().to_numpy()], common)
    lab = labels.loc[R.index].astype(str)
    S = _log_complete(rows, common)
    det = NoveltyDetector(quantile=quantile).fit(R.to_numpy(), lab.to_numpy())
    table = pd.DataFrame(index=S.index)
    if len(S):
        table["novelty"] = det.score(S.to_numpy(), exclude_identical=True)
        table["p_value"] = det.p_values(S.to_numpy(), exclude_identical=True)
        table["unlike_any"] = table["novelty"] > det.threshold_
        near = nearest_classes(R.to_numpy(), lab.to_numpy(), S.to_numpy())
        near.index = table.index
        table = table.join(near)
    table.attrs["threshold"] = float(det.threshold_)
    info = {"elements": common, "threshold": float(det.threshold_), "n_reference": len(R),
            "n_scored": len(S), "n_unlike": int(table.get("unlike_any", pd.Series([])).sum()),
            "n_identical": int(getattr(det, "n_identical_", 0)),
            "classes": sorted(lab.dropna().unique())}
    return table, info


def embedding(rows: pd.DataFrame, elements: list[str], method: str) -> pd.DataFrame | None:
    """2-D embedding of the clr coordinates of the complete patterns."""
    from ..compositional import clr
    from ._embed import embed

    vals = rows[elements]
    ok = (vals > 0).all(axis=1) & np.isfinite(vals).all(axis=1)
    if ok.sum() < 5 or len(elements) < 3:
        return None
    return embed(clr(vals[ok]), method)


# --------------------------------------------------------------------------------- samples
def samples_table(rows: pd.DataFrame, elements: list[str], outl: pd.DataFrame | None,
                  novel: pd.DataFrame | None, ref_name: str) -> pd.DataFrame:
    """One row per sample: group, normalised values (``La_N`` ...), anomalies, ratios, sums,
    lambdas with chi2, flags, outlier score and novelty where computed."""
    out = pd.DataFrame(index=rows.index)
    out["group"] = rows["group"]
    for el in elements:
        out[f"{el}_N"] = rows[el]
    for c in SCALARS + LAMBDAS + ("lambda chi2",):
        if c in rows.columns:
            out[c] = rows[c]
    vals = rows[[el for el in elements if el != "Y"]]
    out["n REE"] = vals.notna().sum(axis=1)
    out["complete pattern"] = (vals > 0).all(axis=1)
    if "lambda0" in rows.columns:
        out["lambdas fitted"] = rows["lambda0"].notna()
    if outl is not None:
        out = out.join(outl)
    if novel is not None and len(novel):
        out = out.join(novel[["novelty", "p_value", "unlike_any", "class1"]].rename(
            columns={"p_value": "novelty p", "class1": "nearest class"}))
    out.attrs["normalised to"] = ref_name
    return out
