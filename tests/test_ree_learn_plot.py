"""Tests of spider charts, the transformers, embed (cache) and trace."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest
import resourcekit.ree as ree
from resourcekit import datasets

CLASS = "Lithology (Lithology Code see explanati...)"


@pytest.fixture(scope="module")
def apatite() -> pd.DataFrame:
    df = datasets.load("osullivan2020_apatite")
    cols = [f"{el} [mg/kg]" for el in ree.REE]
    return df[df[cols].gt(0).all(axis=1)].reset_index(drop=True)


def test_spider_lines(apatite):
    chart = ree.spider(apatite.head(20), color=CLASS, sample="Analysis")
    spec = chart.to_dict()
    assert spec["encoding"]["y"]["scale"]["type"] == "log"
    assert spec["encoding"]["x"]["sort"] == list(ree.REE)
    assert {t["field"] for t in spec["encoding"]["tooltip"]} >= {"sample", "value", "group"}
    assert spec["params"][0]["select"]["type"] == "point"
    values = spec["data"]["values"]
    assert len(values) == 20 * 14 - apatite.head(20)[[f"{e} [mg/kg]" for e in ree.REE]].isna(
    ).sum().sum()


def test_spider_band_facet_and_rey(apatite):
    chart = ree.spider(apatite, color=CLASS, facet=CLASS, mode="band", band=(0.1, 0.9),
                       include_y=True)
    spec = chart.to_dict()
    assert "facet" in spec
    layer = spec["spec"]["layer"]
    assert layer[0]["mark"]["type"] == "area"
    assert layer[0]["encoding"]["x"]["sort"].index("Y") == ree.REY.index("Y")
    # Vega-Lite binds a legend only to a selection over one field (two fields: a warning and a
    # legend that does nothing on click); the colour's group, also with panels
    (param,) = spec["params"]
    assert param["bind"] == "legend" and param["select"]["fields"] == ["group"]
    with pytest.raises(ValueError, match="mode = 'x'"):
        ree.spider(apatite, mode="x")
    with pytest.raises(KeyError, match="color = 'nope'"):
        ree.spider(apatite, color="nope")


def test_accessor_spider_and_lambdas(apatite):
    assert apatite.head(3).ree.spider().to_dict()["mark"]["type"] == "line"
    assert list(apatite.head(3).ree.lambdas().columns) == [f"lambda{k}" for k in range(4)]


def test_pipeline_with_transformers(apatite):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    pipe = make_pipeline(ree.Normalizer(), ree.LogRatio("clr"),
                         LogisticRegression(max_iter=2000))
    X = apatite.drop(columns=[CLASS])
    pipe.fit(X, apatite[CLASS])
    assert pipe.score(X, apatite[CLASS]) > 0.6
    feat = make_pipeline(ree.Normalizer(), ree.LogRatio("clr")).set_output(transform="pandas")
    names = feat.fit(X).get_feature_names_out()
    assert list(names[:2]) == ["clr_La", "clr_Ce"]
    lam = ree.Lambdas().fit(X)
    assert list(lam.get_feature_names_out()) == [f"lambda{k}" for k in range(4)]


def test_embed_cache(tmp_path, monkeypatch, apatite):
    monkeypatch.setenv("RESOURCEKIT_CACHE", str(tmp_path))
    X = ree.clr(ree.normalize(apatite)[list(ree.REE)])
    first = ree.embed(X, "pca")
    again = ree.embed(X, "pca")
    assert first.attrs["cache"] == "miss" and again.attrs["cache"] == "hit"
    pd.testing.assert_frame_equal(first, again)
    assert list(first.columns) == ["PC1", "PC2"] and first.index.equals(X.index)
    # PCA scores of centred data: first component variance is the largest eigenvalue.
    cov = np.cov((X - X.mean()).to_numpy().T)
    np.testing.assert_allclose(first["PC1"].var(), np.linalg.eigvalsh(cov)[-1], rtol=1e-8)
    with pytest.raises(ValueError, match="rows hold NaN"):
        ree.embed(X.assign(La=np.nan), "pca")
    with pytest.raises(ValueError, match="method = 'mds'"):
        ree.embed(X, "mds")


def test_trace_grouped_vs_random_and_novelty():
    rng = np.random.default_rng(0)
    rows, labels, groups = [], [], []
    for cls, centre in (("a", 0.0), ("b", 1.5)):
        for dep in range(4):
            offset = rng.normal(0, 1.0, 3)  # each deposit has its own signature
            rows.append(centre + offset + rng.normal(0, 0.1, (15, 3)))
            labels += [cls] * 15
            groups += [f"{cls}{dep}"] * 15
    X = pd.DataFrame(np.vstack(rows), columns=["f1", "f2", "f3"])
    unknown = pd.DataFrame([X.iloc[0].to_numpy() + 0.01, [40.0, 40.0, 40.0]], columns=X.columns)
    res = ree.trace(X, pd.Series(labels), unknown, groups=pd.Series(groups), features="given",
                    classifier="logistic", cv=4)
    table = res.cv
    # Leakage: the random split scores higher than the split by deposit.
    assert table.loc["random stratified", "accuracy"] > table.iloc[1]["accuracy"]
    assert bool(res.unlike_any.iloc[1]) and not bool(res.unlike_any.iloc[0])
    np.testing.assert_allclose(res.probabilities.sum(axis=1), 1.0)
    assert list(res.summary().columns) == ["predicted", "probability", "novelty", "unlike_any"]


@pytest.mark.slow
def test_embed_umap_miss_then_hit_without_umap(tmp_path, monkeypatch):
    # The real UMAP path (the lesson uses a cached result): two far-apart clusters must stay
    # apart in 2-D, and a second call must come from the cache without importing umap.
    import sys

    from resourcekit.ree._embed import cache_dir
    from sklearn.manifold import trustworthiness

    # numba's compiled code stays where `make setup` warmed it (python -m resourcekit warm);
    # only the result cache is private: a cold numba cache costs about 25 s here (issue 25)
    monkeypatch.setenv("NUMBA_CACHE_DIR", os.environ.get("NUMBA_CACHE_DIR",
                                                         str(cache_dir() / "numba")))
    monkeypatch.setenv("RESOURCEKIT_CACHE", str(tmp_path))
    rng = np.random.default_rng(7)
    X = pd.DataFrame(np.vstack([rng.normal(0, 1, (60, 6)), rng.normal(8, 1, (60, 6))]),
                     index=[f"s{i}" for i in range(120)])
    first = ree.embed(X, "umap", n_neighbors=10)
    assert first.attrs["cache"] == "miss" and list(first.columns) == ["UMAP1", "UMAP2"]
    assert first.index.equals(X.index)
    assert trustworthiness(X.to_numpy(), first.to_numpy(), n_neighbors=5) > 0.9
    a, b = first.iloc[:60].mean(), first.iloc[60:].mean()
    spread = first.iloc[:60].std().max()
    assert np.hypot(*(a - b)) > 3 * spread
    monkeypatch.setitem(sys.modules, "umap", None)  # importing umap would now fail
    again = ree.embed(X, "umap", n_neighbors=10)
    assert again.attrs["cache"] == "hit"
    pd.testing.assert_frame_equal(first, again)


def test_embed_tsne_separates_clusters_and_keys_cache_by_library(tmp_path, monkeypatch):
    # t-SNE goes through openTSNE (no numba JIT in a fresh kernel); its version is part of the
    # cache key, so an upgrade recomputes rather than reusing another library's layout.
    from resourcekit.ree import _embed
    from sklearn.manifold import trustworthiness

    monkeypatch.setenv("RESOURCEKIT_CACHE", str(tmp_path))
    rng = np.random.default_rng(11)
    X = np.vstack([rng.normal(0, 1, (45, 5)), rng.normal(9, 1, (45, 5))])
    emb = ree.embed(X, "tsne")
    assert emb.attrs["cache"] == "miss" and list(emb.columns) == ["tSNE1", "tSNE2"]
    assert trustworthiness(X, emb.to_numpy(), n_neighbors=5) > 0.9
    a, b = emb.iloc[:45].mean(), emb.iloc[45:].mean()
    assert np.hypot(*(a - b)) > 3 * emb.iloc[:45].std().max()
    assert "openTSNE=" in _embed._versions("tsne") and "openTSNE" not in _embed._versions("pca")
    assert ree.embed(X, "tsne").attrs["cache"] == "hit"


def test_warm_command_rejects_unknown_methods(capsys):
    from resourcekit.__main__ import main

    assert main(["warm", "pca"]) == 0 and "warm pca" in capsys.readouterr().out
    assert main(["warm", "mds"]) == 2 and "mds" in capsys.readouterr().err
