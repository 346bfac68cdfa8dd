"""2-D embeddings of feature tables (UMAP, PCA, t-SNE), cached on disk by data hash.

How UMAP stays practical in a lesson (measured on the 2-core course machine, 2,000 x 14):
plain ``umap.UMAP()`` in a fresh process takes about 33-45 s, mostly numba compiling. Here
(1) the result is cached on disk under :func:`cache_dir` by a SHA-256 of the data, the method,
its options and the library versions, so a re-run loads a ``.npy`` file in well under 1 s and
does not even import umap; (2) a cache miss uses an exact k-nearest-neighbour graph from
scikit-learn (``precomputed_knn``), ``init="pca"``, 200 epochs and ``low_memory=True`` and sets
``NUMBA_CACHE_DIR`` to the same cache folder so that numba's compiled code is reused by later
processes (about 12 s instead of 45 s in a fresh process once numba's cache is warm); (3) the
package ships the embedding of the lesson's data set as a seed cache, so the lesson runs in a
few seconds in a fresh kernel on a new machine. Set ``cache=False`` to always recompute.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._cache import cache_dir

__all__ = ["embed", "EMBED_METHODS", "cache_dir", "warm"]

_SEED_CACHE = Path(__file__).resolve().parent / "data" / "embeddings"


def _feature_array(X: Any, name: str) -> tuple[np.ndarray, pd.Index | None, list[str]]:
    if isinstance(X, pd.DataFrame):
        numeric = [c for c in X.columns if pd.api.types.is_numeric_dtype(X[c])]
        if len(numeric) != X.shape[1]:
            dropped = [c for c in X.columns if c not in numeric]
            raise TypeError(f"{name}: columns {dropped} are not numeric; pass features only")
        return X.to_numpy(dtype="float64"), X.index, [str(c) for c in X.columns]
    arr = np.asarray(X, dtype="float64")
    if arr.ndim != 2:
        raise ValueError(f"{name}: expected a 2-D table of features, got shape {arr.shape}")
    return arr, None, [f"x{i}" for i in range(arr.shape[1])]


def _pca(X: np.ndarray, n_components: int, random_state: int, **options: Any) -> np.ndarray:
    from sklearn.decomposition import PCA

    return PCA(n_components=n_components, random_state=random_state, **options).fit_transform(X)


def _tsne(X: np.ndarray, n_components: int, random_state: int, **options: Any) -> np.ndarray:
    options.setdefault("perplexity", min(30.0, max(2.0, (len(X) - 1) / 3 - 1)))
    try:
        import openTSNE
    except ImportError:  # scikit-learn's exact-gradient Barnes-Hut t-SNE
        from sklearn.manifold import TSNE

        options.setdefault("init", "pca")
        return TSNE(n_components=n_components, random_state=random_state,
                    **options).fit_transform(X)
    # openTSNE (Policar et al. 2024, J. Stat. Softw. 109(3)): its own choice of gradient
    # (Barnes-Hut below 10,000 rows, FFT interpolation of Linderman et al. 2019 above); no
    # numba, so no JIT cost in a fresh process.
    options.setdefault("initialization", options.pop("init", "pca"))
    # All cores: the Barnes-Hut gradient is threaded (2,000 x 14 cold: 4.3 s on one
    # thread, 2.6 s on two, here).
    options.setdefault("n_jobs", -1)
    # Exact neighbours (scikit-learn) up to 10,000 rows, Annoy above. openTSNE probes for
    # pynndescent by importing it, and that import compiles numba code (about 20 s CPU in a
    # fresh process) that these methods never use: the probe is answered "not installed".
    options.setdefault("neighbors", "exact" if len(X) <= 10_000 else "annoy")
    block = options["neighbors"] in ("exact", "annoy") and "pynndescent" not in sys.modules
    if block:
        sys.modules["pynndescent"] = None  # type: ignore[assignment]
    try:
        model = openTSNE.TSNE(n_components=n_components, random_state=random_state,
                              verbose=False, **options)
        return np.asarray(model.fit(X))
    finally:
        if block:
            del sys.modules["pynndescent"]


def _umap(X: np.ndarray, n_components: int, random_state: int, **options: Any) -> np.ndarray:
    os.environ.setdefault("NUMBA_CACHE_DIR", str(cache_dir() / "numba"))
    from sklearn.neighbors import NearestNeighbors

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import umap

        n_neighbors = int(options.pop("n_neighbors", 15))
        n_neighbors = max(2, min(n_neighbors, len(X) - 1))
        dist, ind = NearestNeighbors(n_neighbors=n_neighbors).fit(X).kneighbors(X)
        options.setdefault("n_epochs", 200)
        options.setdefault("init", "pca")
        options.setdefault("low_memory", True)
        model = umap.UMAP(n_components=n_components, n_neighbors=n_neighbors,
                          random_state=random_state, precomputed_knn=(ind, dist, None),
                          **options)
        return model.fit_transform(X)


#: Embedding methods: name -> (function, column prefix, description).
EMBED_METHODS: dict[str, tuple[Any, str, str]] = {
    "umap": (_umap, "UMAP", "umap-learn with an exact scikit-learn kNN graph, init='pca', "
             "200 epochs (McInnes et al. 2018, arXiv:1802.03426)"),
    "pca": (_pca, "PC", "principal components (scikit-learn PCA)"),
    "tsne": (_tsne, "tSNE", "t-SNE, init='pca' (van der Maaten & Hinton 2008): openTSNE when "
             "installed (Policar et al. 2024), else scikit-learn"),
}


def _versions(method: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    names = ["scikit-learn", "numpy"] + (["umap-learn", "pynndescent", "numba"]
                                          if method == "umap" else [])
    names += ["openTSNE"] if method == "tsne" else []
    out = []
    for name in names:
        try:
            out.append(f"{name}={version(name)}")
        except PackageNotFoundError:
            out.append(f"{name}=?")
    return ";".join(out)


def _cache_key(X: np.ndarray, method: str, n_components: int, random_state: int,
               options: dict[str, Any]) -> str:
    digest = hashlib.sha256()
    # Rounded to 9 decimals: the last bits of log/exp differ between CPUs (SIMD code paths).
    digest.update(np.ascontiguousarray(np.round(X, 9)).tobytes())
    meta = {"shape": X.shape, "method": method, "n": n_components, "seed": random_state,
            "options": {k: repr(v) for k, v in sorted(options.items())},
            "versions": _versions(method)}
    digest.update(json.dumps(meta, sort_keys=True).encode())
    return digest.hexdigest()[:40]


def embed(
    data: Any,
    method: str = "umap",
    *,
    n_components: int = 2,
    random_state: int = 0,
    cache: bool = True,
    **options: Any,
) -> pd.DataFrame:
    """Embed feature rows (e.g. clr coordinates of REE patterns) in 2-D, cached on disk.

    Parameters
    ----------
    data : pandas.DataFrame or numpy.ndarray
        Numeric features, one sample per row, no NaN.
    method : {"umap", "pca", "tsne"}
        From :data:`EMBED_METHODS`.
    n_components : int
        Output dimensions.
    random_state : int
        Seed (UMAP and t-SNE are stochastic).
    cache : bool
        Look up / store the result under :func:`cache_dir` keyed by a SHA-256 of the data
        (rounded to 1e-9), method, options and library versions. A miss computes and stores;
        a hit loads a ``.npy`` file without importing umap (well under 1 s).
    **options
        Passed to the method (e.g. ``n_neighbors=30``, ``min_dist=0.2`` for UMAP).

    Notes
    -----
    UMAP cost on the 2-core course machine (513 x 14): about 34 s in a fresh process on a
    cache miss (numba compiling), 0.0 s on a hit. A miss uses an exact scikit-learn kNN graph,
    ``init="pca"``, 200 epochs and ``low_memory=True``, and points ``NUMBA_CACHE_DIR`` to the
    cache folder so later processes reuse numba's compiled code.

    Returns
    -------
    pandas.DataFrame
        Columns ``UMAP1, UMAP2`` (``PC1 ...``, ``tSNE1 ...``), index kept;
        ``attrs["cache"]`` is ``"hit"``, ``"seed"``, ``"miss"`` or ``"off"``.

    Examples
    --------
    >>> X = pd.DataFrame(np.eye(4)[:, :3], index=list("abcd"))
    >>> embed(X, "pca", cache=False).index.tolist()
    ['a', 'b', 'c', 'd']
    """
    if method not in EMBED_METHODS:
        raise ValueError(f"embed: method = {method!r}; use one of {list(EMBED_METHODS)}")
    func, prefix, _ = EMBED_METHODS[method]
    X, index, _ = _feature_array(data, "embed")
    bad = ~np.isfinite(X).all(axis=1)
    if bad.any():
        rows = list((index if index is not None else pd.RangeIndex(len(X)))[bad][:5])
        raise ValueError(
            f"embed: {int(bad.sum())} rows hold NaN or inf (e.g. {rows}); drop or impute them"
        )
    if len(X) < 3:
        raise ValueError(f"embed: need at least 3 rows, got {len(X)}")
    status = "off"
    result = None
    if cache:
        key = _cache_key(X, method, n_components, random_state, options)
        name = f"embed-{method}-{key}.npy"
        for folder, label in ((cache_dir() / "embeddings", "hit"), (_SEED_CACHE, "seed")):
            file = folder / name
            if file.is_file():
                result = np.load(file)
                status = label
                break
    if result is None:
        result = np.asarray(func(X, n_components, random_state, **dict(options)), dtype=float)
        if cache:
            folder = cache_dir() / "embeddings"
            try:
                folder.mkdir(parents=True, exist_ok=True)
                tmp = folder / f".{name}.{os.getpid()}.tmp.npy"
                np.save(tmp, result)
                os.replace(tmp, folder / name)
                status = "miss"
            except OSError as err:
                warnings.warn(f"embed: could not write the cache ({err})", stacklevel=2)
                status = "miss (not stored)"
    out = pd.DataFrame(result, index=index,
                       columns=[f"{prefix}{i + 1}" for i in range(result.shape[1])])
    out.attrs = {"cache": status, "method": method}
    return out


def warm(methods: tuple[str, ...] = ("umap", "tsne")) -> dict[str, float]:
    """Compile and cache what a cold embedding would compile, so that later fresh processes
    start fast: runs each method once on 200 x 6 random rows without the result cache
    (UMAP's numba code goes to ``NUMBA_CACHE_DIR``, by default ``cache_dir() / "numba"``).
    Run at set-up (``python -m resourcekit warm``; ``make setup`` does). Returns seconds per
    method.

    >>> warm(("pca",))["pca"] >= 0
    True
    """
    import time

    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(0, 1, (100, 6)), rng.normal(4, 1, (100, 6))])
    out = {}
    for method in methods:
        start = time.perf_counter()
        embed(X, method, cache=False)
        out[method] = time.perf_counter() - start
    return out
