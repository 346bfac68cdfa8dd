"""Dask DataFrames through normalize, anomalies, ree_sums, lambdas, clr and ``ddf.ree``: lazy,
equal to pandas partition by partition; explore on a folder of Parquet files."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import resourcekit.ree as ree
from resourcekit import datasets

dd = pytest.importorskip("dask.dataframe")  # a dependency: import fails loudly if missing
GEOROC = "ree_georoc_style_synthetic"


@pytest.fixture(scope="module")
def client():
    from distributed import Client, LocalCluster

    cluster = LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                           dashboard_address=None)
    c = Client(cluster)
    yield c
    c.close()
    cluster.close()


@pytest.fixture(scope="module")
def frame():
    return datasets.load(GEOROC)  # text cells ("<0.05", "n.d."), Eu in ppb, coordinates


@pytest.fixture(scope="module")
def ddf(frame):
    return dd.from_pandas(frame, npartitions=4)


CALLS = {
    "normalize": lambda m, d: m.normalize(d, bdl="half"),
    "eu_anomaly": lambda m, d: m.eu_anomaly(d, bdl="half"),
    "ce_anomaly": lambda m, d: m.ce_anomaly(d, bdl="half"),
    "ratio": lambda m, d: m.ratio(d, "La/Yb", bdl="half"),
    "ree_sums": lambda m, d: m.ree_sums(d, bdl="half"),
    "lambdas": lambda m, d: m.lambdas(d, bdl="half"),
    "tetrad_effect": lambda m, d: m.tetrad_effect(d, bdl="half"),
}


def _quiet(func, *args):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return func(*args)


def _assert_same(a, b):
    if isinstance(a, pd.DataFrame):
        # Numbers: same dtype and values; text columns: same values (dask hands strings back
        # as pyarrow strings, whose missing value is pd.NA rather than NaN).
        num = b.select_dtypes("number").columns
        assert list(a.columns) == list(b.columns)
        pd.testing.assert_frame_equal(a[num], b[num], check_exact=False, rtol=1e-13, atol=0)
        rest = [c for c in b.columns if c not in num]
        pd.testing.assert_frame_equal(a[rest].astype(object).fillna("NA"),
                                      b[rest].astype(object).fillna("NA"))
    else:
        pd.testing.assert_series_equal(a, b, check_exact=False, rtol=1e-13, atol=0)


@pytest.mark.parametrize("name", list(CALLS))
def test_lazy_and_equal_to_pandas_per_partition(name, client, frame, ddf):
    call = CALLS[name]
    lazy = _quiet(call, ree, ddf)
    assert ree._dask.is_dask(lazy), f"{name} did not return a dask object"
    assert lazy.npartitions == ddf.npartitions
    for i in range(ddf.npartitions):
        part = ddf.partitions[i].compute()
        _assert_same(_quiet(lazy.partitions[i].compute), _quiet(call, ree, part))
    # Row-wise functions: the whole result equals pandas on the whole frame.
    _assert_same(_quiet(lazy.compute), _quiet(call, ree, frame))


def test_clr_and_accessor(client, frame, ddf):
    norm = _quiet(ree.normalize, ddf.dropna(), "CI_McDonoughSun1995")
    values = norm[list(ree.REE)]
    values = values[(values > 0).all(axis=1)]
    lazy = ree.clr(values)
    assert ree._dask.is_dask(lazy)
    expected = ree.clr(_quiet(values.compute))
    _assert_same(lazy.compute(), expected)
    np.testing.assert_allclose(lazy.compute().sum(axis=1), 0.0, atol=1e-12)
    acc = _quiet(ddf.ree.normalize, "CI_McDonoughSun1995", None)
    _assert_same(_quiet(acc.compute), _quiet(ree.normalize, frame))
    _assert_same(_quiet(ddf.ree.sums(bdl="half").compute),
                 _quiet(lambda: ree.ree_sums(frame, bdl="half")))
    _assert_same(_quiet(ddf.ree.lambdas().compute), _quiet(ree.lambdas, frame))


def test_errors_surface_before_any_compute(client, frame):
    bad = dd.from_pandas(frame.assign(**{"LA(PPM)": "abc"}), npartitions=2)
    with pytest.raises(ValueError, match="LA\\(PPM\\)"):
        ree.normalize(bad)
    no_unit = dd.from_pandas(pd.DataFrame({"La": [1.0, 2.0], "Ce": [2.0, 3.0]}), npartitions=1)
    with pytest.raises(ValueError, match="unit"):
        ree.normalize(no_unit)


def test_pandas_input_is_untouched_by_the_wrapper(frame):
    out = _quiet(ree.normalize, frame, "CI_McDonoughSun1995", None)
    assert isinstance(out, pd.DataFrame) and out.attrs["bdl_replaced"]["Lu"] == 12


def test_explore_on_a_parquet_folder_equals_pandas(client, tmp_path, frame):
    folder = tmp_path / "parts"
    folder.mkdir()
    for i, start in enumerate(range(0, len(frame), 100)):
        frame.iloc[start:start + 100].to_parquet(folder / f"part-{i}.parquet")
    rep = ree.explore(folder, group="ROCK TYPE", scheduler=client, progress=False,
                      reference=False, sample_size=200)
    ref = ree.explore(frame, group="ROCK TYPE", progress=False, reference=False)
    pd.testing.assert_frame_equal(rep.tables["quality"], ref.tables["quality"],
                                  check_dtype=False)
    assert rep.tables["groups"]["rows"].to_dict() == ref.tables["groups"]["rows"].to_dict()
    pd.testing.assert_frame_equal(rep.tables["dropped"], ref.tables["dropped"],
                                  check_dtype=False)
    # Group summaries over all rows: geometric mean of Eu/Eu* per group, checked by hand.
    eu = _quiet(lambda: ree.eu_anomaly(frame, bdl="half"))
    expected = np.exp(np.log(eu.where(eu > 0)).groupby(frame["ROCK TYPE"]).mean())
    got = rep.tables["groups"]["geometric mean Eu/Eu*"]
    np.testing.assert_allclose(got.loc[expected.index], expected, rtol=1e-12)
    assert "Dask" in rep.notes[0]


def test_ree_explore_stays_the_function_after_its_module_is_imported():
    import importlib

    importlib.import_module("resourcekit.ree.exploration")
    assert callable(ree.explore) and ree.explore.__module__ == "resourcekit.ree.exploration"


def test_cli_runs_on_an_existing_scheduler_address(client, tmp_path, frame, capsys):
    from resourcekit.__main__ import main

    folder = tmp_path / "parts"
    folder.mkdir()
    for i, start in enumerate(range(0, len(frame), 120)):
        frame.iloc[start:start + 120].to_parquet(folder / f"part-{i}.parquet")
    address = client.scheduler.address
    out = tmp_path / "rep"
    assert main(["explore", str(folder), "--out", str(out), "--scheduler", address,
                 "--group", "ROCK TYPE", "--quiet", "--no-reference", "--no-figures"]) == 0
    rows = pd.read_csv(out / "tables" / "groups.csv", index_col=0)["rows"]
    assert rows.to_dict() == {"BASALT": 80, "CARBONATITE": 80, "GRANITE": 80}
    assert "Processed with Dask, 2 partitions" in (out / "report.html").read_text()
