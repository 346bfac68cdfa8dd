"""`python -m resourcekit explore` and `ree.explore`: quality section, charts, novelty, files,
and the report drawn in headless Chromium with the network off."""

from __future__ import annotations

import shutil
import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest
import resourcekit.ree as ree
from resourcekit import datasets
from resourcekit.__main__ import main
from resourcekit.errors import DataError, OptionError
from resourcekit.ree.exploration import explore, read_table

GEOROC = "ree_georoc_style_synthetic"
CLASS = "Lithology (Lithology Code see explanati...)"


@pytest.fixture(scope="module")
def georoc_csv():
    return datasets.path(GEOROC)


@pytest.fixture(scope="module")
def georoc_report(georoc_csv):
    return explore(georoc_csv, group="ROCK TYPE", progress=False)


def test_quality_section_counts_units_and_detection_limits(georoc_report, georoc_csv):
    raw = pd.read_csv(georoc_csv, dtype=str, keep_default_na=False)
    q = georoc_report.tables["quality"]
    assert list(q.index) == list(ree.REE)
    # Each "<0.05" and "n.d." cell counted as a detection-limit replacement, nothing else.
    assert q.loc["Lu", "below detection limit"] == (raw["LU(PPM)"] == "<0.05").sum() == 12
    assert q.loc["Tm", "below detection limit"] == (raw["TM(PPM)"] == "n.d.").sum() == 9
    assert q["below detection limit"].drop(["Lu", "Tm"]).sum() == 0
    assert q.loc["Ho", "empty cells"] == 7 and q.loc["Ho", "values"] == 240 - 7
    assert q.loc["Eu", "column"] == "EU(PPB)" and "ppb" in q.loc["Eu", "unit"].lower()
    assert "ppm" in q.loc["La", "unit"].lower()
    assert georoc_report.quality["missing_elements"] == []
    assert "21 values reported below the detection limit" in georoc_report.quality["summary"]
    dropped = georoc_report.tables["dropped"]
    # Incomplete patterns: rows with a Tm "n.d." (NaN under bdl="half": no limit given) or an
    # empty Ho cell ("<0.05" becomes 0.025, still positive).
    incomplete = ((raw["TM(PPM)"] == "n.d.") | (raw["HO(PPM)"] == "")).sum()
    assert dropped.loc[dropped.index.str.startswith("incomplete"), "rows"].item() == incomplete


def test_spider_medians_equal_a_direct_calculation(georoc_report, georoc_csv):
    raw = datasets.load(GEOROC)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        norm = ree.normalize(raw, bdl="half")
    spider = georoc_report.tables["spider"].set_index(["group", "element"])
    for rock in ("BASALT", "GRANITE", "CARBONATITE"):
        eu = norm.loc[raw["ROCK TYPE"] == rock, "Eu"]
        assert spider.loc[(rock, "Eu"), "median"] == pytest.approx(eu.median(), rel=1e-12)
    # Eu came in ppb: the granite's designed Eu/Eu* of 0.35 survives the unit conversion.
    groups = georoc_report.tables["groups"]
    assert groups.loc["GRANITE", "median Eu/Eu*"] == pytest.approx(0.35, rel=0.05)
    assert groups.loc["BASALT", "median Eu/Eu*"] == pytest.approx(1.0, rel=0.05)
    assert groups["rows"].to_dict() == {"BASALT": 80, "CARBONATITE": 80, "GRANITE": 80}


def test_novelty_against_the_apatite_library(georoc_report):
    novel = georoc_report.tables["novelty"]
    classes = set(datasets.load("osullivan2020_apatite")[CLASS].dropna())
    assert set(novel["class1"]) <= classes
    assert (novel["p_value"] > 0).all() and (novel["p_value"] <= 1).all()
    # Flag and p-value agree: a flagged sample is beyond the library's 95th percentile of
    # n = 878 leave-one-out scores, so at most 0.05 (n - 1) + 1 of them reach its score.
    n = 878
    assert f"({n} complete analyses" in " ".join(georoc_report.notes)
    assert (novel.loc[novel["unlike_any"], "p_value"] <= (2 + 0.05 * (n - 1)) / (n + 1)).all()
    assert (novel.loc[~novel["unlike_any"], "p_value"] > 0.05).all()
    rock = datasets.load(GEOROC).loc[novel.index, "ROCK TYPE"]
    share = novel["unlike_any"].groupby(rock).mean()
    # The granite archetype (Eu/Eu* = 0.35 on a falling pattern) is unlike every apatite
    # class; the carbonatite archetype lies close to ultramafic-hosted apatite.
    assert share["GRANITE"] > 0.9 and share["CARBONATITE"] < share["GRANITE"]
    assert (novel.loc[rock == "CARBONATITE", "class1"] == "UM").mean() > 0.9


def test_report_object_in_a_notebook_and_charts(georoc_report):
    assert set(georoc_report.charts) >= {"spider", "anomalies", "lambdas", "embedding",
                                         "novelty"}
    page = georoc_report._repr_html_()
    assert page.count("<svg") >= len(georoc_report.charts)
    assert "http://" not in page.split("<svg")[0] and "https://" not in page.split("<svg")[0]


def test_cli_writes_report_and_figures_and_never_overwrites(tmp_path, georoc_csv, capsys):
    out = tmp_path / "rep"
    assert main(["explore", str(georoc_csv), "--out", str(out), "--group", "ROCK TYPE",
                 "--quiet", "--no-reference"]) == 0
    page = out / "report.html"
    text = page.read_text()
    assert '<script src="vega-bundle.js">' in text and (out / "vega-bundle.js").stat().st_size > 5e5
    assert "cdn" not in text.lower() and "https://" not in text
    assert (out / "figures" / "spider.png").read_bytes()[:4] == b"\x89PNG"
    assert (out / "figures" / "spider.svg").read_text().lstrip().startswith("<svg")
    assert pd.read_csv(out / "tables" / "quality.csv", index_col=0).loc["Lu"].iloc[-1] == 12
    before = page.read_bytes()
    assert main(["explore", str(georoc_csv), "--out", str(out), "--quiet"]) == 2
    assert "exists" in capsys.readouterr().err and page.read_bytes() == before


def test_parquet_and_excel_give_the_same_quality(tmp_path, georoc_report):
    raw = datasets.load(GEOROC)
    raw.to_parquet(tmp_path / "t.parquet")
    raw.to_excel(tmp_path / "t.xlsx", index=False)
    for name in ("t.parquet", "t.xlsx"):
        rep = explore(tmp_path / name, group="ROCK TYPE", progress=False, reference=False)
        pd.testing.assert_frame_equal(rep.tables["quality"], georoc_report.tables["quality"],
                                      check_dtype=False)


def test_bad_input_raises_naming_the_problem(tmp_path, georoc_csv):
    with pytest.raises(DataError, match="'ROCK'"):
        explore(georoc_csv, group="ROCK", progress=False)
    with pytest.raises(OptionError, match="embedding = 'mds'"):
        explore(georoc_csv, embedding="mds", progress=False)
    with pytest.raises(DataError, match="no file"):
        read_table(tmp_path / "missing.csv")
    bad = datasets.load(GEOROC).assign(**{"LA(PPM)": "abc"})
    with pytest.raises(ValueError, match="LA\\(PPM\\)"):
        explore(bad, progress=False, reference=False)
    lib = pd.DataFrame({"La_ppm": [1.0, 2.0, 3.0]})
    with pytest.raises(DataError, match="label column"):
        explore(datasets.load(GEOROC), reference=lib, progress=False)


def test_user_reference_library(tmp_path):
    # Library = the synthetic set itself with its rock type as label; the apatite rows are
    # unlike all three rock types.
    lib = datasets.load(GEOROC).rename(columns={"ROCK TYPE": "label"})
    lib_file = tmp_path / "lib.csv"
    lib.to_csv(lib_file, index=False)
    apatite = datasets.load("osullivan2020_apatite")
    rep = explore(apatite, reference=lib_file, progress=False, group=CLASS)
    novel = rep.tables["novelty"]
    assert set(novel["class1"]) <= {"BASALT", "GRANITE", "CARBONATITE"}
    assert novel["unlike_any"].mean() > 0.9


def test_module_entry_point_runs(tmp_path, georoc_csv):
    out = tmp_path / "cli"
    done = subprocess.run([sys.executable, "-m", "resourcekit", "explore", str(georoc_csv),
                           "--out", str(out), "--quiet", "--no-reference", "--no-figures"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert (out / "report.html").is_file() and not (out / "figures").exists()


@pytest.mark.slow
def test_report_draws_every_chart_offline_in_chromium(tmp_path, georoc_csv):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.support.ui import WebDriverWait

    chromium, driver_bin = shutil.which("chromium"), shutil.which("chromedriver")
    assert chromium and driver_bin, "install Debian's chromium and chromium-driver"
    out = tmp_path / "rep"
    assert main(["explore", str(georoc_csv), "--out", str(out), "--group", "ROCK TYPE",
                 "--quiet", "--no-figures"]) == 0
    n_charts = (out / "report.html").read_text().count('class="chart"')
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--allow-file-access-from-files", "--host-resolver-rules=MAP * ~NOTFOUND"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(driver_bin), options=options)
    try:
        driver.execute_cdp_cmd("Network.enable", {})
        driver.execute_cdp_cmd("Network.emulateNetworkConditions", {
            "offline": True, "latency": 0, "downloadThroughput": 0, "uploadThroughput": 0})
        driver.get((out / "report.html").as_uri())
        drawn = WebDriverWait(driver, 60).until(lambda d: d.execute_script(
            "var n = document.querySelectorAll('.chart svg.marks').length;"
            f"return n >= {n_charts} ? n : false;"))
        assert drawn == n_charts == 6
        errors = driver.execute_script(
            "return Array.from(document.querySelectorAll('.error')).map(e => e.textContent)")
        assert errors == []
        # Every chart holds drawn marks, not only an empty frame.
        marks = driver.execute_script(
            "return Array.from(document.querySelectorAll('.chart')).map("
            "c => c.querySelectorAll('path, circle, line, rect').length)")
        assert min(marks) > 5
    finally:
        driver.quit()


def test_apatite_report_every_row_accounted(tmp_path):
    apatite = datasets.load("osullivan2020_apatite")
    rep = explore(apatite, group=CLASS, progress=False)
    complete = apatite[[f"{el} [mg/kg]" for el in ree.REE]].gt(0).all(axis=1)
    dropped = rep.tables["dropped"]
    assert dropped["rows"].sum() == (~complete).sum()
    assert len(rep.tables["novelty"]) == complete.sum()
    assert rep.tables["groups"]["rows"].sum() == len(apatite)
    assert np.isfinite(rep.tables["groups"]["median Eu/Eu*"]).all()


def test_missing_elements_are_reported_and_the_rest_still_works():
    raw = datasets.load(GEOROC).drop(columns=["HO(PPM)", "TB(PPM)"])
    rep = explore(raw, group="ROCK TYPE", progress=False, reference=False)
    assert rep.quality["missing_elements"] == ["Tb", "Ho"]
    assert "Tb" not in rep.tables["quality"].index
    assert "sum REE [ppm]" not in " ".join(rep.tables["groups"].columns)  # needs all 14
    assert rep.tables["groups"]["median Eu/Eu*"].notna().all()
    assert "Missing REE (no column): Tb, Ho" in rep.to_html(mode="svg")
