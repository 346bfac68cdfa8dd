"""`python -m resourcekit explore` and `ree.explore`: quality section, per-sample table, options,
outliers, novelty only against a given library, files, and every chart drawn in headless
Chromium with one mark per data row.

Real data: a licence-checked GEOROC extract (CC BY 4.0) is explored in test_ree_real_exports.py
and a PetDB extract (CC BY-NC-SA 3.0 US) in test_ree_petdb_export.py; here the end-to-end run
uses the shipped measured apatite set (O'Sullivan et al. 2020, CC-BY) written out as a
bare-header export (``La`` ... ``Lu``, a bare ``Y`` beside coordinates), the two things that
broke the first real files (issue 24).
"""

from __future__ import annotations

import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest
import resourcekit.ree as ree
from resourcekit import datasets
from resourcekit.__main__ import cli_message, main
from resourcekit.errors import DataError, OptionError
from resourcekit.ree.exploration import explore, read_table

GEOROC = "ree_georoc_style_synthetic"
CLASS = "Lithology (Lithology Code see explanati...)"
REY = list(ree.REE[:9]) + ["Y"] + list(ree.REE[9:])

# CI chondrite, McDonough & Sun (1995) Table 1 [ppm], typed from the paper (independent of the
# package's table): the expected X_N below are computed with these.
MS95 = {"La": 0.237, "Ce": 0.613, "Pr": 0.0928, "Nd": 0.457, "Sm": 0.148, "Eu": 0.0563,
        "Gd": 0.199, "Tb": 0.0361, "Dy": 0.246, "Y": 1.57, "Ho": 0.0546, "Er": 0.16,
        "Tm": 0.0247, "Yb": 0.161, "Lu": 0.0246}


def _quiet(f, *a, **k):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return f(*a, **k)


# --------------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def apatite():
    return datasets.load("osullivan2020_apatite")


@pytest.fixture(scope="module")
def bare_export(apatite, tmp_path_factory):
    """400 measured apatite analyses as a bare-header export (units not in the names, a bare
    ``Y`` beside ``X`` and ``lat``), and the other 898 as a labelled library file."""
    folder = tmp_path_factory.mktemp("bare")
    pick = apatite.groupby(CLASS, sort=False).head(60).index[:400]
    data = apatite.loc[pick, ["Analysis", CLASS] + [f"{el} [mg/kg]" for el in REY]]
    data = data.rename(columns={f"{el} [mg/kg]": el for el in REY})
    data["Analysis"] = [f"A-{i:04d}" for i in pick]
    data.insert(2, "X", np.arange(len(data), dtype=float))
    data.insert(3, "lat", 35.0)
    data.to_csv(folder / "bare.csv", index=False)
    library = apatite.drop(index=pick).rename(columns={CLASS: "label"})
    library.to_csv(folder / "library.csv", index=False)
    return folder, data


@pytest.fixture(scope="module")
def cli_report(bare_export):
    """The one end-to-end CLI run that the file, table and browser tests share."""
    folder, data = bare_export
    out = folder / "rep"
    code = main(["explore", str(folder / "bare.csv"), "--out", str(out), "--units", "ppm",
                 "--id", "Analysis", "--yttrium", "Y", "--group", CLASS, "--max-groups", "3",
                 "--library", str(folder / "library.csv"), "--quiet"])
    assert code == 0
    return out, data


@pytest.fixture(scope="module")
def georoc_csv():
    return datasets.path(GEOROC)


@pytest.fixture(scope="module")
def georoc_report(georoc_csv):
    return explore(georoc_csv, group="ROCK TYPE", progress=False)


# --------------------------------------------------------------------------------- CLI
def test_cli_error_names_the_option_not_the_python_keyword(bare_export, tmp_path, capsys):
    folder, _ = bare_export
    assert main(["explore", str(folder / "bare.csv"), "--out", str(tmp_path / "r"),
                 "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "--units ppm" in err and "units=" not in err
    assert main(["explore", str(folder / "bare.csv"), "--out", str(tmp_path / "r"), "--units",
                 "ppm", "--id", "sid", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "'sid'" in err and "--id" in err and "id=" not in err
    assert main(["explore", str(folder / "bare.csv"), "--out", str(tmp_path / "r"), "--units",
                 "ppm", "--normalise-to", "CI_Nobody", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "--normalise-to" in err and "CI_McDonoughSun1995" in err
    assert not (tmp_path / "r").exists()


def test_cli_message_rewrites_python_spellings():
    text = "pass units='ppm' (or a dict {column: unit}); ppm"
    assert cli_message(text) == "pass --units ppm; ppm"
    assert cli_message("column 'Y' (--yttrium (yttrium=)) x") == "column 'Y' (--yttrium) x"
    assert cli_message("pass --units ppm (units='ppm') or") == "pass --units ppm or"


def test_samples_csv_one_row_per_sample_checked_by_hand(cli_report):
    out, data = cli_report
    s = pd.read_csv(out / "tables" / "samples.csv", index_col=0)
    assert list(s.index) == list(data["Analysis"]) and s.index.name == "id"
    pq = pd.read_parquet(out / "tables" / "samples.parquet")
    assert list(pq.index) == list(s.index) and list(pq.columns) == list(s.columns)
    np.testing.assert_allclose(pq["lambda1"], s["lambda1"], rtol=1e-9)  # CSV: 10 digits
    # X_N = X / X_CI (McDonough & Sun 1995), Y included by --yttrium; 1e-9: the CSV keeps 10
    # significant digits.
    raw = data.set_index("Analysis")
    for el in ("La", "Eu", "Y", "Lu"):
        np.testing.assert_allclose(s[f"{el}_N"], raw[el] / MS95[el], rtol=1e-9)
    eu = (raw["Eu"] / MS95["Eu"]) / np.sqrt(raw["Sm"] / MS95["Sm"] * raw["Gd"] / MS95["Gd"])
    np.testing.assert_allclose(s["Eu/Eu*"], eu, rtol=1e-9)
    # lambda0 = mean of ln X_N over the fitted REE (the higher orthogonal polynomials sum to
    # zero over the fitted radii; O'Neill 2016 eq. 5-8), normalised to O'Neill's own chondrite.
    on = ree.reference("CI_ONeill2016")
    fitted = [el for el in ree.REE if el != "Eu"]
    full = raw[fitted].gt(0).all(axis=1)
    lam0 = np.log(raw.loc[full, fitted] / on[fitted]).mean(axis=1)
    np.testing.assert_allclose(s.loc[full, "lambda0"], lam0, rtol=1e-9)
    assert s["lambdas fitted"].sum() >= full.sum()
    assert (s["complete pattern"] == raw[list(ree.REE)].gt(0).all(axis=1)).all()
    scored = s["outlier p"].notna()
    assert (scored == s["complete pattern"]).all()
    assert s.loc[scored, "outlier p"].between(0, 1).all()
    assert s["novelty"].notna().sum() == scored.sum()


def test_report_header_names_references_policy_and_yttrium(cli_report):
    out, _ = cli_report
    page = (out / "report.html").read_text()
    head = page.split("<h2>")[0]
    assert "CI_McDonoughSun1995" in head and "McDonough W.F., Sun S.-s. (1995)" in head
    assert "CI_ONeill2016" in head and "bdl=&#39;half&#39;" in head
    assert "default bdl=&#39;nan&#39;" in head
    assert "Yttrium: read from column &#39;Y&#39;." in page  # the column as the user named it
    q = pd.read_csv(out / "tables" / "quality.csv", index_col=0)
    assert list(q.index) == REY
    warn = pd.read_csv(out / "tables" / "warnings.csv", index_col=0)
    assert not warn["message"].str.contains("coordinate").any()
    # Every chart names the reference it was normalised to.
    for title in [t.split("</h2>")[0] for t in page.split("<h2>")[3:]]:
        if "Spider" in title or "Eu/Eu*" in title or "(La/Yb)_N" in title:
            assert "CI_McDonoughSun1995" in title
    assert "O&#39;Neill 2016) normalised to CI_ONeill2016" in page
    assert (out / "figures" / "spider.png").read_bytes()[:4] == b"\x89PNG"
    assert (out / "figures" / "ratios.svg").read_text().lstrip().startswith("<svg")


def test_many_groups_are_lumped_and_the_spider_is_faceted(cli_report):
    out, data = cli_report
    page = (out / "report.html").read_text()
    # 7 classes with --max-groups 3: the 3 largest and "other" in the charts.
    assert "7 groups: the charts show the 3 largest and &#39;other&#39;" in page
    groups = pd.read_csv(out / "tables" / "groups.csv", index_col=0)
    assert groups["rows"].sum() == len(data) and len(groups) == 7
    spec = page.split('specs["chart-0"] = ')[1].split(";\n")[0]
    assert '"facet"' in spec and '"other"' in spec


def test_never_overwrites_a_report(cli_report, bare_export, capsys):
    out, _ = cli_report
    page = out / "report.html"
    before = page.read_bytes()
    folder, _ = bare_export
    assert main(["explore", str(folder / "bare.csv"), "--out", str(out), "--quiet"]) == 2
    assert "exists" in capsys.readouterr().err and page.read_bytes() == before


@pytest.mark.slow
def test_report_draws_one_mark_per_data_row_offline_in_chromium(cli_report):
    from conftest import POLL_S, offline_chromium
    from selenium.webdriver.support.ui import WebDriverWait

    out, _ = cli_report
    page = (out / "report.html").read_text()
    n_charts = page.count('class="chart"')
    assert n_charts == 7
    with offline_chromium(out) as (driver, root):
        driver.get(f"{root}/report.html")
        WebDriverWait(driver, 60, poll_frequency=POLL_S).until(lambda d: d.execute_script(
            f"return document.querySelectorAll('.chart svg.marks').length >= {n_charts};"))
        errors = driver.execute_script(
            "return Array.from(document.querySelectorAll('.error')).map(e => e.textContent)")
        assert errors == []
        drawn = driver.execute_script(
            "return Array.from(document.querySelectorAll('.chart')).map(c => [c.dataset.name, "
            "+c.dataset.rows, c.querySelectorAll("
            "'g.role-mark.mark-symbol > path, g.role-mark.mark-rect > path').length]);")
    drawn = {name: (rows, marks) for name, rows, marks in drawn}
    assert set(drawn) == {"spider", "anomalies", "ratios", "lambdas", "embedding", "outliers",
                          "novelty"}
    for name, (rows, marks) in drawn.items():
        # One point (circle, spider point or tick) per row of the chart's data.
        assert rows > 0 and marks == rows, (name, rows, marks)


def test_module_entry_point_runs(tmp_path):
    # `python -m resourcekit explore` is wired to main(): a bad path exits 2 with the message
    # (the full run through main() is the cli_report fixture).
    done = subprocess.run([sys.executable, "-m", "resourcekit", "explore",
                           str(tmp_path / "none.csv"), "--out", str(tmp_path / "o"), "--quiet"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "no file" in done.stderr and "none.csv" in done.stderr
    assert not (tmp_path / "o").exists()


# --------------------------------------------------------------------------------- Python API
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
    assert georoc_report.quality["missing_elements"] == []
    assert "21 values reported below the detection limit" in georoc_report.quality["summary"]
    dropped = georoc_report.tables["dropped"]
    incomplete = ((raw["TM(PPM)"] == "n.d.") | (raw["HO(PPM)"] == "")).sum()
    assert dropped.loc[dropped.index.str.startswith("incomplete"), "rows"].item() == incomplete
    # The detection-limit warning is counted in the report, not lost on stderr.
    warn = georoc_report.tables["warnings"]
    assert warn["warning"].eq("DetectionLimitWarning").any()
    assert georoc_report.quality["n_warnings"] == warn["times"].sum() > 0


def test_spider_medians_equal_a_direct_calculation(georoc_report):
    raw = datasets.load(GEOROC)
    norm = _quiet(ree.normalize, raw, bdl="half")
    spider = georoc_report.tables["spider"].set_index(["group", "element"])
    for rock in ("BASALT", "GRANITE", "CARBONATITE"):
        eu = norm.loc[raw["ROCK TYPE"] == rock, "Eu"]
        assert spider.loc[(rock, "Eu"), "median"] == pytest.approx(eu.median(), rel=1e-12)
    groups = georoc_report.tables["groups"]
    assert groups.loc["GRANITE", "median Eu/Eu*"] == pytest.approx(0.35, rel=0.05)
    assert groups["rows"].to_dict() == {"BASALT": 80, "CARBONATITE": 80, "GRANITE": 80}
    # Plain field names only: no '.', '[' or ']' that Vega-Lite would read as a lookup.
    for chart in georoc_report.charts.values():
        data = chart.data
        if isinstance(data, pd.DataFrame):
            assert not any(set(str(c)) & set(".[]") for c in data.columns), list(data.columns)


def test_novelty_off_without_a_library_outliers_always(georoc_report):
    assert "novelty" not in georoc_report.tables and "novelty" not in georoc_report.charts
    assert any("Novelty against a library: off" in n for n in georoc_report.notes)
    o = georoc_report.tables["outliers"]
    # Conformal p-value of each sample against the leave-one-out scores of the n - 1 others
    # (the sample itself is not part of its own calibration set).
    s = np.sort(o["outlier score"].to_numpy())
    others = len(s) - np.searchsorted(s, o["outlier score"], side="left") - 1
    np.testing.assert_allclose(o["outlier p"], (1 + others) / len(s), rtol=1e-12)
    assert (o["outlier"] == (o["outlier p"] <= 0.05)).all()


def test_a_planted_outlier_gets_the_smallest_p_value():
    raw = datasets.load(GEOROC)
    raw = raw[raw["ROCK TYPE"] == "BASALT"].copy()
    raw["SAMPLE NAME"] = [f"S{i}" for i in range(len(raw))]
    raw.loc[raw.index[5], "LA(PPM)"] = 800.0  # LREE-enriched far beyond every basalt
    rep = explore(raw, id="SAMPLE NAME", progress=False)
    o = rep.tables["outliers"]
    assert o["outlier p"].idxmin() == "S5" and bool(o.loc["S5", "outlier"])
    assert "S5" in rep.tables["outliers_flagged"].index


def test_novelty_against_a_library_that_fits(apatite):
    # Apatite against an apatite library without the UM class: most UM analyses are flagged,
    # and the nearest classes come from the library.
    library = apatite[apatite[CLASS] != "UM"].rename(columns={CLASS: "label"})
    um = apatite[apatite[CLASS] == "UM"]
    rep = explore(um, library=library, progress=False)
    novel = rep.tables["novelty"]
    assert set(novel["class1"]) <= set(library["label"].dropna())
    assert novel["unlike_any"].mean() > 0.7
    assert (novel["p_value"] > 0).all() and (novel["p_value"] <= 1).all()
    s = rep.tables["samples"]
    assert s["novelty"].notna().sum() == len(novel)
    # reference= (the former name) still works, as lesson 03 uses it.
    again = explore(um.head(30), reference=library, progress=False)
    pd.testing.assert_frame_equal(again.tables["novelty"], novel.loc[again.tables["novelty"].index])


def test_parquet_and_excel_give_the_same_quality(tmp_path, georoc_report):
    raw = datasets.load(GEOROC)
    raw.to_parquet(tmp_path / "t.parquet")
    raw.to_excel(tmp_path / "t.xlsx", index=False)
    for name in ("t.parquet", "t.xlsx"):
        rep = explore(tmp_path / name, group="ROCK TYPE", progress=False)
        pd.testing.assert_frame_equal(rep.tables["quality"], georoc_report.tables["quality"],
                                      check_dtype=False)


def test_bad_input_raises_naming_the_problem(tmp_path, georoc_csv):
    with pytest.raises(DataError, match="'ROCK'"):
        explore(georoc_csv, group="ROCK", progress=False)
    with pytest.raises(OptionError, match="embedding = 'mds'"):
        explore(georoc_csv, embedding="mds", progress=False)
    with pytest.raises(OptionError, match="normalise_to = 'CI'"):
        explore(georoc_csv, normalise_to="CI", progress=False)
    with pytest.raises(DataError, match="yttrium column 'Yt'"):
        explore(georoc_csv, yttrium="Yt", progress=False)
    with pytest.raises(DataError, match="no file"):
        read_table(tmp_path / "missing.csv")
    bad = datasets.load(GEOROC).assign(**{"LA(PPM)": "abc"})
    with pytest.raises(ValueError, match="LA\\(PPM\\)"):
        explore(bad, progress=False)
    lib = pd.DataFrame({"La_ppm": [1.0, 2.0, 3.0]})
    with pytest.raises(DataError, match="label column"):
        explore(datasets.load(GEOROC), library=lib, progress=False)


def test_ids_must_be_unique_and_yttrium_keeps_its_unit(apatite):
    small = apatite.head(40)
    with pytest.raises(DataError, match="duplicated IDs"):
        explore(small.assign(sid="same"), id="sid", progress=False)
    rep = explore(small, yttrium="Y [mg/kg]", progress=False)
    y = rep.tables["samples"]["Y_N"]
    np.testing.assert_allclose(y, small["Y [mg/kg]"].to_numpy() / MS95["Y"], rtol=1e-12)
    rep = explore(small, yttrium=False, progress=False)
    assert "Y_N" not in rep.tables["samples"] and "Y" not in rep.tables["quality"].index


def test_a_bare_y_beside_coordinates_is_reported_not_dropped_silently(bare_export):
    _, data = bare_export
    rep = explore(data.head(40), units="ppm", progress=False)
    warn = rep.tables["warnings"]
    assert warn["message"].str.contains("'Y' is read as a coordinate").any()
    assert rep.quality["yttrium"].startswith("Yttrium: not read")
    assert "Y" not in rep.tables["quality"].index
    assert "--yttrium COLUMN" in rep.to_html(mode="interactive")


def test_every_dropped_or_refused_row_is_counted_with_its_reason():
    raw = datasets.load(GEOROC).head(40).copy()
    raw.loc[raw.index[0], "EU(PPB)"] = 0.0  # Eu = 0: Eu/Eu* = 0, off the log axis
    few = ["GD(PPM)", "TB(PPM)", "DY(PPM)", "HO(PPM)", "ER(PPM)", "TM(PPM)", "YB(PPM)"]
    raw.loc[raw.index[1:4], few] = np.nan  # 6 REE (La-Sm, Lu... ): lambdas refused
    rep = explore(raw, progress=False)
    d = rep.tables["dropped"]["rows"]
    assert d["Eu/Eu* not computed (Sm, Eu or Gd = 0 or less)"] == 1
    assert d["Eu/Eu* not computed (Sm, Eu or Gd missing)"] == 3
    refused = d[d.index.str.startswith("lambdas refused")]
    assert refused.sum() == 3
    assert rep.tables["samples"]["lambdas fitted"].sum() == 40 - 3
    assert (rep.tables["dropped"]["of"] == 40).all()


def test_missing_elements_are_reported_and_the_rest_still_works():
    raw = datasets.load(GEOROC).drop(columns=["HO(PPM)", "TB(PPM)"])
    rep = explore(raw, group="ROCK TYPE", progress=False)
    assert rep.quality["missing_elements"] == ["Tb", "Ho"]
    assert "Tb" not in rep.tables["quality"].index
    assert "sum REE [ppm]" not in " ".join(rep.tables["groups"].columns)  # needs all 14
    assert rep.tables["groups"]["median Eu/Eu*"].notna().all()
    assert "Missing REE (no column): Tb, Ho" in rep.to_html(mode="svg")
