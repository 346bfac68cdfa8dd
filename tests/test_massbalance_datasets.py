"""The mb_* datasets: reproducible from their scripts, balanced true values, the gross error."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from resourcekit import datasets
from resourcekit.massbalance import Flowsheet

NAMES = ["mb_sorting_line_edges", "mb_sorting_line_survey", "mb_flotation_circuit_edges",
         "mb_flotation_circuit_survey"]


@pytest.mark.parametrize("name", NAMES)
def test_make_reproduces_the_file(name, tmp_path):
    card = datasets.card(name)
    assert card["kind"] == "synthetic"
    script = datasets.data_dir() / name / card["script"]
    subprocess.run([sys.executable, str(script), str(tmp_path)], check=True)
    digest = hashlib.sha256(Path(tmp_path / "data.csv").read_bytes()).hexdigest()
    assert digest == card["sha256"]


def blocks(name):
    survey = datasets.load(name)
    return (survey.xs(kind, level="kind") for kind in ("measured", "sd", "true"))


@pytest.mark.parametrize("line", ["mb_sorting_line", "mb_flotation_circuit"])
def test_true_values_balance(line):
    fs = Flowsheet.from_edges(datasets.load(f"{line}_edges"))
    _, _, true = blocks(f"{line}_survey")
    out = fs.imbalance(true)
    # the files keep 6 significant digits: balances close to that precision
    scale = true.iloc[:, 0].max()
    np.testing.assert_allclose(out.to_numpy(), 0.0, atol=2e-5 * scale)


def test_sorting_line_gross_error_is_found():
    fs = Flowsheet.from_edges(datasets.load("mb_sorting_line_edges"))
    measured, sd, true = blocks("mb_sorting_line_survey")
    assert fs.reconcile(measured, sd, identify="none").rejected
    res = fs.reconcile(measured, sd)
    # the card says: the fe_scrap belt scale reads 25 % low
    assert res.suspects[["stream", "column"]].values.tolist() == [["fe_scrap", "mass [t/h]"]]
    # the result is the reconciliation after the elimination: it passes, and the estimate of
    # the eliminated value from the other data is close to the truth (it read 25 % low)
    assert not res.rejected
    assert res.redundancy.loc["fe_scrap", "mass [t/h]"] == "eliminated"
    est = res.reconciled.loc["fe_scrap", "mass [t/h]"]
    assert abs(est - true.loc["fe_scrap", "mass [t/h]"]) < 3 * res.sd.loc["fe_scrap", "mass [t/h]"]
    clean = measured.copy()
    clean.loc["fe_scrap", "mass [t/h]"] /= 0.75
    assert not fs.reconcile(clean, sd).rejected


def test_flotation_survey_reconciles_close_to_true():
    fs = Flowsheet.from_edges(datasets.load("mb_flotation_circuit_edges"))
    measured, sd, true = blocks("mb_flotation_circuit_survey")
    res = fs.reconcile(measured, sd)
    assert not res.rejected and res.unobservable.to_numpy().sum() == 0
    # reconciled flows lie within 3 of their own sd of the truth
    err = (res.reconciled - true) / res.sd
    assert np.nanmax(np.abs(err.to_numpy())) < 3.0
