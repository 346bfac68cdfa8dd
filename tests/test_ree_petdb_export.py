"""`explore` on a PetDB export nobody in this project made (issue 24, item 7).

The data: ``ree_petdb_mafic_extract``, 150 analyses of a PetDB export of mafic and ultramafic
rocks (the file the issue was found with; CC BY-NC-SA 3.0 US, PetDB's terms), kept as it was
written: bare ``La`` ... ``Lu`` headers with no unit, a first column with an empty name, five
sample names that occur twice (a glass and a whole-rock analysis), 18 tectonic settings. It is
run through the command line as a geochemist would, and every number checked here is computed
again from the raw text: the file is split with the ``csv`` module (not pandas, not
resourcekit), the CI chondrite is typed below from the paper, each formula is written out with
numpy, and the lambdas come from pyrolite, an independent implementation.
"""

from __future__ import annotations

import csv
import warnings
from collections import Counter

import numpy as np
import pandas as pd
import pytest
from resourcekit import datasets
from resourcekit.__main__ import main

NAME = "ree_petdb_mafic_extract"
REE14 = ["La", "Ce", "Pr", "Nd", "Sm", "Eu", "Gd", "Tb", "Dy", "Ho", "Er", "Tm", "Yb", "Lu"]
# CI chondrite [ppm]: McDonough W.F., Sun S.-s. (1995) The composition of the Earth, Chem. Geol.
# 120:223-253, Table 1 (typed from the paper; not read from resourcekit).
MS95 = {"La": 0.237, "Ce": 0.613, "Pr": 0.0928, "Nd": 0.457, "Sm": 0.148, "Eu": 0.0563,
        "Gd": 0.199, "Tb": 0.0361, "Dy": 0.246, "Ho": 0.0546, "Er": 0.160, "Tm": 0.0247,
        "Yb": 0.161, "Lu": 0.0246}
RTOL = 1e-9  # samples.csv is written with 10 significant digits
ID = "Unnamed: 0"  # pandas' name for the export's first column, whose header is empty


class Raw:
    """The shipped file split by hand: header and analysis lines as text fields."""

    def __init__(self) -> None:
        text = datasets.path(NAME).read_bytes().decode("utf-8")
        lines = text.rstrip("\n").split("\n")
        self.header = next(csv.reader([lines[0]]))
        self.rows = [next(csv.reader([line])) for line in lines[1:]]

    def column(self, name: str) -> list[str]:
        j = self.header.index(name)
        return [row[j] for row in self.rows]

    def ppm(self, el: str) -> np.ndarray:
        return np.array([float(v) for v in self.column(el)])


@pytest.fixture(scope="module")
def raw() -> Raw:
    return Raw()


@pytest.fixture(scope="module")
def xn(raw) -> dict[str, np.ndarray]:
    return {el: raw.ppm(el) / MS95[el] for el in REE14}


def _explore(out, *options: str) -> int:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return main(["explore", str(datasets.path(NAME)), "--out", str(out), "--no-figures",
                     "--quiet", *options])


@pytest.fixture(scope="module")
def cli(tmp_path_factory):
    """The run a geochemist makes once the unit is given: IDs, tectonic settings as groups."""
    out = tmp_path_factory.mktemp("petdb") / "report"
    assert _explore(out, "--units", "ppm", "--id", ID, "--group", "TECTONIC SETTING") == 0
    tables = {name: pd.read_csv(out / "tables" / f"{name}.csv", index_col=0)
              for name in ("samples", "groups", "quality", "dropped", "outliers")}
    return tables, (out / "report.html").read_text(encoding="utf-8")


# --------------------------------------------------------------------------------- the file
def test_the_extract_is_the_export_as_written(raw):
    # What the card promises, counted from the raw text.
    assert len(raw.header) == 33 and raw.header[0] == "" and raw.header[-14:] == REE14
    assert len(raw.rows) == 150 and all(len(row) == 33 for row in raw.rows)
    for el in REE14:  # the premise of the quality counts: all 14 REE, plain positive numbers
        assert all(float(v) > 0 for v in raw.column(el)), el
    assert len(set(raw.column(""))) == 150
    assert len(set(raw.column("TECTONIC SETTING"))) == 18
    frame = datasets.load(NAME)
    assert list(frame[ID].astype(str)) == raw.column("")


# ------------------------------------------------------------------- what a new user meets first
def test_bare_headers_stop_the_cli_with_the_cli_option(tmp_path, capsys):
    # Issue 24, defect 2, on the file it was found with: the CLI's spelling, not Python's.
    assert _explore(tmp_path / "r") == 2
    err = capsys.readouterr().err
    assert "no unit for columns ['La', 'Ce'" in err and "--units ppm" in err
    assert "units=" not in err and not (tmp_path / "r").exists()


def test_duplicated_sample_names_are_refused_with_every_name(tmp_path, raw, capsys):
    names = raw.column("sample")
    twice = sorted(n for n, k in Counter(names).items() if k > 1)
    assert len(twice) == 5
    assert _explore(tmp_path / "r", "--units", "ppm", "--id", "sample") == 2
    err = capsys.readouterr().err
    assert "ID column 'sample' (--id) holds 5 duplicated IDs" in err
    assert all(repr(n) in err for n in twice)


def test_a_mistyped_column_is_answered_with_the_one_meant(tmp_path, capsys):
    # 33 columns: a list cut at its first 15 hid TECTONIC SETTING, the one the user wanted.
    assert _explore(tmp_path / "r", "--units", "ppm", "--group", "tectonic") == 2
    err = capsys.readouterr().err
    assert "did you mean ['TECTONIC SETTING']?" in err and "33 columns:" in err
    assert "... and 18 more" in err
    assert _explore(tmp_path / "s", "--units", "ppm", "--id", "") == 2
    assert "an empty header is read as 'Unnamed: 0'" in capsys.readouterr().err


# --------------------------------------------------------------------------------- numbers
def test_samples_csv_equals_the_direct_computation(cli, raw, xn):
    s = cli[0]["samples"]
    assert [str(i) for i in s.index] == raw.column("")  # IDs in file order
    assert list(s["group"]) == raw.column("TECTONIC SETTING")
    for el in REE14:
        np.testing.assert_allclose(s[f"{el}_N"].to_numpy(float), xn[el], rtol=RTOL,
                                   err_msg=el)
    by_formula = {
        "Eu/Eu*": xn["Eu"] / np.sqrt(xn["Sm"] * xn["Gd"]),
        "Ce/Ce*": xn["Ce"] / np.sqrt(xn["La"] * xn["Pr"]),
        "(La/Yb)_N": xn["La"] / xn["Yb"],
        "(La/Sm)_N": xn["La"] / xn["Sm"],
        "(Gd/Yb)_N": xn["Gd"] / xn["Yb"],
        "sum REE [ppm]": np.sum([raw.ppm(el) for el in REE14], axis=0),
    }
    for column, expected in by_formula.items():
        np.testing.assert_allclose(s[column].to_numpy(float), expected, rtol=RTOL,
                                   err_msg=column)
    # One analysis by hand: row 102, PETDB-1284-COCOS 17 (Harpp 2005), a basalt: Sm 8.75,
    # Eu 3.08, Gd 7.08 ppm -> Eu/Eu* = (3.08/0.0563) / sqrt(8.75/0.148 * 7.08/0.199) = 1.1928.
    assert raw.column("sample")[1] == "PETDB-1284-COCOS 17"
    assert s.loc[102, "Eu/Eu*"] == pytest.approx(1.1928, abs=1e-4)
    assert s["complete pattern"].all() and (s["n REE"] == 14).all()


def test_lambdas_equal_pyrolites_on_the_export(cli, raw):
    # pyrolite 0.3.8 (O'Neill 2016 orthogonal polynomials, CI chondrite of O'Neill 2016, Eu
    # left out) on the raw values; pyrolite returns float32, hence 1e-6 / 1e-5 as in
    # test_ree_lambdas. The report names the same reference.
    import pyrolite.geochem  # noqa: F401

    plain = pd.DataFrame({el: raw.ppm(el) for el in REE14})
    theirs = plain.pyrochem.lambda_lnREE(norm_to="ChondriteREE_ON", exclude=["Pm", "Eu"],
                                         params="O'Neill (2016)", degree=4)
    s, page = cli[0]["samples"], cli[1]
    ours = s[["lambda0", "lambda1", "lambda2", "lambda3"]].to_numpy(float)
    np.testing.assert_allclose(ours, theirs.to_numpy(dtype=float), rtol=1e-6, atol=1e-5)
    assert s["lambdas fitted"].all()
    assert "Lambdas normalised to CI_ONeill2016" in page


def test_eighteen_settings_are_kept_in_the_tables_and_charted_as_eight_and_other(cli, raw):
    groups, page = cli[0]["groups"], cli[1]
    settings = Counter(raw.column("TECTONIC SETTING"))
    assert groups["rows"].to_dict() == dict(settings)
    assert "18 groups: the charts show the 8 largest and &#39;other&#39;" in page


def test_quality_counts_and_what_the_report_says_it_used(cli, raw):
    tables, page = cli
    q = tables["quality"]
    assert list(q.index) == REE14 and (q["rows"] == 150).all()
    assert (q["values"] == 150).all() and (q["empty cells"] == 0).all()
    assert (q["unit"] == "ppm").all()
    assert (tables["dropped"]["rows"] == 0).all()  # every row has 14 positive REE (above)
    assert "Normalised to CI_McDonoughSun1995" in page and "McDonough" in page
    assert "Novelty against a library: off" in page  # defect 5: no unrelated library


def test_outliers_are_named_by_id_with_conformal_p_values(cli, raw):
    s, outliers = cli[0]["samples"], cli[0]["outliers"]
    score = s["outlier score"].to_numpy(float)
    # p_i = (1 + #{j != i: s_j >= s_i}) / n: the n - 1 others are the calibration set. The
    # first version counted each sample among its own calibration scores, 2/(n + 1) for the
    # highest score where 1/n is right; this file found it.
    ge = (score[None, :] >= score[:, None]).sum(axis=1) - 1
    np.testing.assert_allclose(s["outlier p"].to_numpy(float), (1 + ge) / len(score),
                               rtol=RTOL)
    assert (s["outlier"] == (s["outlier p"] <= 0.05)).all()
    assert s["outlier"].sum() == int(0.05 * 150)  # the 7 highest scores, no ties here
    flagged = set(s.index[s["outlier"]])
    assert flagged and flagged <= {int(i) for i in raw.column("")}
    assert set(outliers.index) >= flagged
