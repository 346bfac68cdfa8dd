"""Steady-state simulation of a flowsheet from feeds and split fractions (a true balance)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["simulate"]


def simulate(fs: Any, feed: pd.DataFrame, split: pd.DataFrame) -> pd.DataFrame:
    """The body of :meth:`Flowsheet.simulate` (see there for parameters, equation and example)."""
    comps = list(feed.columns)
    missing = [c for c in comps if c not in split.columns]
    if missing:
        raise KeyError(f"split lacks component column(s) {missing} of feed")
    bad_feed = [s for s in feed.index if s not in fs.feeds]
    if bad_feed:
        raise KeyError(f"feed lists {bad_feed}, which are not feed streams {fs.feeds}")
    unknown = [s for s in split.index if s not in fs.streams]
    if unknown:
        raise KeyError(f"split lists unknown stream(s) {unknown}")
    n = len(fs.streams)
    sindex = {s: j for j, s in enumerate(fs.streams)}
    flows = np.zeros((n, len(comps)))
    for k, comp in enumerate(comps):
        mat = np.eye(n)
        rhs = np.zeros(n)
        for node in fs.nodes:
            ins = [sindex[s] for s, _, d in fs._edges if d == node]
            outs = [s for s, a, _ in fs._edges if a == node]
            given = [s for s in outs if s in split.index]
            if len(given) < len(outs) - 1:
                raise ValueError(
                    f"split: node {node!r} has outlets {outs}; give the split of all but "
                    "one of them"
                )
            shares = {s: float(split.loc[s, comp]) for s in given}
            rest = [s for s in outs if s not in given]
            total = sum(shares.values())
            if rest:
                shares[rest[0]] = 1.0 - total
            if any(v < -1e-12 for v in shares.values()) or abs(sum(shares.values()) - 1) > 1e-9:
                raise ValueError(
                    f"split of component {comp!r} at node {node!r} is {shares}: shares must "
                    "be >= 0 and add up to 1"
                )
            for s, share in shares.items():
                mat[sindex[s], ins] -= share
        for s in fs.feeds:
            rhs[sindex[s]] = float(feed.loc[s, comp]) if s in feed.index else 0.0
        flows[:, k] = np.linalg.solve(mat, rhs)
    mass = flows.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        assays = np.where(mass[:, None] > 0, flows / mass[:, None], 0.0)
    out = pd.DataFrame(assays, index=pd.Index(list(fs.streams), name="stream"),
                       columns=comps)
    out.insert(0, "mass", mass)
    return out
