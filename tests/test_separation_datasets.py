"""The separation datasets: cards, checksums, seeded scripts, and published numbers."""

import hashlib
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from resourcekit import datasets
from resourcekit import separation as sep

ROOT = Path(__file__).resolve().parents[1] / "datasets"
NAMES = ["sep_dms_density_partition", "sep_classifier_size_partition",
         "sep_ewaste_liberation_classes", "sep_thz_pe_pvc_signals", "sep_sure_recycling_routes"]


@pytest.mark.parametrize("name", NAMES)
def test_loads_with_card(name):
    df = datasets.load(name)
    card = df.attrs["card"]
    assert set(card["columns"]) == set(df.columns)
    assert len(df) > 0


@pytest.mark.parametrize("name", [n for n in NAMES if (ROOT / n / "make.py").exists()])
def test_synthetic_scripts_are_reproducible(name, tmp_path):
    card = datasets.card(name)
    assert card["kind"] == "synthetic"
    subprocess.run([sys.executable, str(ROOT / name / "make.py"), str(tmp_path)], check=True)
    digest = hashlib.sha256((tmp_path / "data.csv").read_bytes()).hexdigest()
    assert digest == card["sha256"]


def test_wills_classifier_table_is_consistent():
    df = datasets.load("sep_classifier_size_partition")
    # the printed columns close: each product analysis sums to 100 %, and 65.2 % of the
    # feed reports to the underflow (as printed; rounding to 0.1 %)
    np.testing.assert_allclose(df["underflow_wt_pct"].sum(), 100.0, atol=0.05)
    np.testing.assert_allclose(df["overflow_wt_pct"].sum(), 100.0, atol=0.05)
    np.testing.assert_allclose(df["underflow_pct_of_feed"].sum(), 65.2, atol=0.05)
    np.testing.assert_allclose(df["underflow_pct_of_feed"],
                               df["underflow_wt_pct"] * 0.652, atol=0.06)


def test_dms_dataset_recovers_generating_curve():
    df = datasets.load("sep_dms_density_partition")
    p = sep.partition_numbers(df["feed_kg"], df["sink_kg"])
    fit = sep.fit_partition(df["density_mean"], p, weights=df["feed_kg"])
    # generated with rho50 = 1.55, Ep = 0.045 and scatter sd 0.015: within a few CI widths
    assert abs(fit.x50 - 1.55) < 0.01 and abs(fit.ep - 0.045) < 0.01


def test_sure_grades_are_the_five_defined_ones():
    df = datasets.load("sep_sure_recycling_routes")
    assert set(df["grade"]) == {"UG", "1G", "2G", "3G", "4G"}
    circ = df.groupby("grade")["circulation"].first()
    assert (circ[["UG", "1G"]] == "resource circulation").all()
    assert (circ[["2G", "3G", "4G"]] == "absorption into society").all()
