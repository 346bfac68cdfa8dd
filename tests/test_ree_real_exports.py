"""`explore` on a file nobody in this project made (issue 24, item 7).

The data: ``ree_georoc_zimbabwe_extract``, 140 analyses of the GEOROC precompiled file for the
Zimbabwe Craton (GRO.data doi:10.25625/1KRR1P/KHXKUP, CC BY 4.0), kept as GEOROC wrote them: 172
upper-case columns with units in the names (``LA(PPM)``, ``Y(PPM)`` beside ``LATITUDE MIN``),
blank cells, CR line ends, a trailing comma on every line, and the file's footer of
abbreviations and references after the analyses. It is run once through the Python function
(on the analysis lines, with the GEOROC sample ID) and once through the command line (on the
file itself), and every number checked here is computed again from the raw text: the file is
split with the ``csv`` module (not pandas, not resourcekit), the CI chondrite is typed below from
the paper, and each formula is written out with numpy.

The PetDB export (bare headers, CC BY-NC-SA 3.0 US by PetDB's own terms of use) is checked the
same way in test_ree_petdb_export.py.
"""

from __future__ import annotations

import csv
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from resourcekit import datasets
from resourcekit.__main__ import main
from resourcekit.errors import DataError, ResourcekitWarning
from resourcekit.ree.exploration import explore

NAME = "ree_georoc_zimbabwe_extract"
REE14 = ["La", "Ce", "Pr", "Nd", "Sm", "Eu", "Gd", "Tb", "Dy", "Ho", "Er", "Tm", "Yb", "Lu"]
REY = REE14[:9] + ["Y"] + REE14[9:]

# CI chondrite [ppm]: McDonough W.F., Sun S.-s. (1995) The composition of the Earth, Chem. Geol.
# 120:223-253, Table 1 (typed from the paper; not read from resourcekit).
MS95 = {"La": 0.237, "Ce": 0.613, "Pr": 0.0928, "Nd": 0.457, "Sm": 0.148, "Eu": 0.0563,
        "Gd": 0.199, "Tb": 0.0361, "Dy": 0.246, "Y": 1.57, "Ho": 0.0546, "Er": 0.160,
        "Tm": 0.0247, "Yb": 0.161, "Lu": 0.0246}
# The samples tables are written with 10 significant digits (and the Python tables are exact):
# 1e-9 relative is the CSV's rounding, far below any analytical meaning.
RTOL = 1e-9


def _header(el: str) -> str:
    return f"{el.upper()}(PPM)"


# --------------------------------------------------------------------------------- raw text
class Raw:
    """The shipped file split by hand: header, analysis lines (as text fields), footer lines."""

    def __init__(self, path: Path) -> None:
        lines = path.read_bytes().decode("utf-8").split("\r")  # GEOROC ends lines with CR
        end = lines.index("", 1)  # the analyses stop at the first empty line
        self.header = next(csv.reader([lines[0]]))
        self.rows = [next(csv.reader([line])) for line in lines[1:end]]
        self.footer = [line for line in lines[end:] if line.strip()]

    def column(self, name: str) -> list[str]:
        j = self.header.index(name)
        return [row[j] for row in self.rows]

    def ppm(self, el: str) -> np.ndarray:
        """Concentrations of one element [ppm]; NaN for a blank cell."""
        return np.array([float(v) if v.strip() else np.nan for v in self.column(_header(el))])


@pytest.fixture(scope="module")
def raw() -> Raw:
    return Raw(datasets.path(NAME))


@pytest.fixture(scope="module")
def xn(raw) -> dict[str, np.ndarray]:
    """X_N = X / X_CI for every element, from the raw text."""
    return {el: raw.ppm(el) / MS95[el] for el in REY}


@pytest.fixture(scope="module")
def py_report(raw):
    """The Python function on the 140 analysis lines (footer left out here, see the last
    tests), the text cells as they are, GEOROC's UNIQUE_ID as the sample ID."""
    frame = pd.DataFrame(raw.rows, columns=raw.header)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return explore(frame, id="UNIQUE_ID", group="ROCK TYPE", progress=False)


@pytest.fixture(scope="module")
def cli_out(tmp_path_factory):
    """The command line on the shipped file itself, yttrium named as the user would."""
    out = tmp_path_factory.mktemp("georoc") / "report"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        code = main(["explore", str(datasets.path(NAME)), "--out", str(out), "--yttrium",
                     "Y(PPM)", "--group", "ROCK TYPE", "--no-figures", "--quiet"])
    assert code == 0
    return out


@pytest.fixture(scope="module")
def cli_run(cli_out):
    out = cli_out
    samples = pd.read_csv(out / "tables" / "samples.csv", index_col=0)
    quality = pd.read_csv(out / "tables" / "quality.csv", index_col=0)
    return samples, quality, (out / "report.html").read_text(encoding="utf-8")


# --------------------------------------------------------------------------------- the file
def test_the_extract_is_a_georoc_file_and_load_returns_its_analyses(raw):
    # What the card promises, counted from the raw text.
    assert len(raw.header) == 172 and raw.header[-1] == "" and len(raw.rows) == 140
    assert all(len(row) == 172 for row in raw.rows)
    assert raw.footer[0].startswith("Abbreviations:") and raw.footer[1] == "References:"
    assert len(raw.footer) == 29 and all(f.startswith('"[') for f in raw.footer[2:])
    has_ree = [any(row[raw.header.index(_header(el))] for el in REE14) for row in raw.rows]
    assert sum(has_ree) == 100
    frame = datasets.load(NAME)  # read_csv(nrows=140): the footer is not data
    assert len(frame) == 140
    assert list(frame["UNIQUE_ID"].astype(str)) == raw.column("UNIQUE_ID")
    np.testing.assert_array_equal(frame["LA(PPM)"].to_numpy(), raw.ppm("La"))


def test_every_ree_cell_is_blank_or_a_plain_number(raw):
    # The premise of the quality counts below: GEOROC writes no "<0.05" or "n.d." here.
    for el in REY:
        cells = [v for v in raw.column(_header(el)) if v.strip()]
        assert all(float(v) > 0 for v in cells), el


# --------------------------------------------------------------------------------- Python
def test_sample_ids_are_carried_through_in_file_order(py_report, raw):
    s = py_report.tables["samples"]
    assert list(s.index) == raw.column("UNIQUE_ID") and s.index.name == "id"
    assert list(s["group"]) == raw.column("ROCK TYPE")


def test_normalised_values_equal_a_direct_division_by_ms95(py_report, xn):
    s = py_report.tables["samples"]
    for el in REY:  # Y(PPM) carries a unit, so the reader's rule reads it as yttrium
        np.testing.assert_allclose(s[f"{el}_N"].to_numpy(float), xn[el], rtol=RTOL,
                                   equal_nan=True, err_msg=el)
    # One analysis by hand: UNIQUE_ID 1026866 (s_B-H 1 [20180]) reports LA(PPM) "7".
    assert s.loc["1026866", "La_N"] == pytest.approx(7 / 0.237, rel=1e-12)  # 29.5359


def test_eu_anomaly_ratios_and_sums_by_hand(py_report, raw, xn):
    s = py_report.tables["samples"]
    eu = xn["Eu"] / np.sqrt(xn["Sm"] * xn["Gd"])  # Eu/Eu* = Eu_N / sqrt(Sm_N Gd_N)
    np.testing.assert_allclose(s["Eu/Eu*"].to_numpy(float), eu, rtol=RTOL, equal_nan=True)
    # The same analysis by hand: Sm 4.96, Eu 1.57, Gd 6.45 ppm -> Eu/Eu* = 0.8461.
    by_hand = (1.57 / 0.0563) / np.sqrt(4.96 / 0.148 * 6.45 / 0.199)
    assert s.loc["1026866", "Eu/Eu*"] == pytest.approx(by_hand, rel=1e-12)
    assert by_hand == pytest.approx(0.8461, abs=1e-4)
    computable = np.isfinite(eu)
    assert s["Eu/Eu*"].notna().sum() == computable.sum() == 83  # Sm, Eu, Gd all reported
    np.testing.assert_allclose(s["(La/Yb)_N"].to_numpy(float), xn["La"] / xn["Yb"],
                               rtol=RTOL, equal_nan=True)
    total = np.sum([raw.ppm(el) for el in REE14], axis=0)  # NaN unless all 14 are reported
    np.testing.assert_allclose(s["sum REE [ppm]"].to_numpy(float), total, rtol=RTOL,
                               equal_nan=True)
    assert np.isfinite(total).sum() == 28
    assert s["complete pattern"].sum() == 28


def test_quality_section_counts_what_the_raw_file_holds(py_report, raw):
    q = py_report.tables["quality"]
    assert list(q.index) == REY and (q["rows"] == 140).all()
    for el in REY:
        cells = raw.column(_header(el))
        blank = sum(1 for v in cells if not v.strip())
        assert q.loc[el, "column"] == _header(el)
        assert q.loc[el, "empty cells"] == blank, el
        assert q.loc[el, "values"] == len(cells) - blank, el
    assert (q["below detection limit"] == 0).all()
    assert q.loc["La", "empty cells"] == 81 and q.loc["Nd", "values"] == 99
    dropped = py_report.tables["dropped"]["rows"]
    none = sum(1 for row in raw.rows if not any(row[raw.header.index(_header(el))]
                                                 for el in REE14))
    assert dropped["no REE value at all"] == none == 40
    assert dropped["incomplete pattern (fewer than 14 positive REE)"] == 100 - 28
    assert py_report.quality["summary"].startswith("140 rows, 172 columns; 15 REE columns")


def test_groups_are_counted_from_the_rock_type_column(py_report, raw):
    groups = py_report.tables["groups"]["rows"]
    types = raw.column("ROCK TYPE")
    assert groups.to_dict() == {t: types.count(t) for t in set(types)}
    assert groups.to_dict() == {"MET": 7, "PLU": 11, "VOL": 122}


def test_yttrium_is_read_as_yttrium_and_the_report_says_so(py_report, cli_run, raw, xn):
    assert py_report.quality["yttrium"] == "Yttrium: read from column 'Y(PPM)'."
    assert py_report.tables["quality"].loc["Y", "values"] == 60
    samples, quality, page = cli_run  # --yttrium 'Y(PPM)'
    np.testing.assert_allclose(samples["Y_N"].iloc[:140].to_numpy(float), raw.ppm("Y") / 1.57,
                               rtol=RTOL, equal_nan=True)
    assert quality.loc["Y", "values"] == 60 and quality.loc["Y", "unit"] == "ppm"
    assert "Yttrium: read from column" in page
    # Y is not an REE: the 6 analyses that report Y and no REE keep their Y_N but count 0 REE.
    s = py_report.tables["samples"]
    y_only = np.isfinite(xn["Y"]) & ~np.any([np.isfinite(xn[el]) for el in REE14], axis=0)
    assert y_only.sum() == 6
    assert (s.loc[y_only, "n REE"] == 0).all() and s.loc[y_only, "Y_N"].notna().all()


def test_a_duplicated_sample_name_is_refused_with_the_names(raw):
    names = raw.column("SAMPLE NAME")
    dup = sorted({n for n in names if names.count(n) > 1})
    assert dup == ["s_RH170 [6424]", "s_Z104 [6002]"]
    frame = pd.DataFrame(raw.rows, columns=raw.header)
    with pytest.raises(DataError, match=r"2 duplicated IDs.*s_Z104 \[6002\]"):
        explore(frame, id="SAMPLE NAME", progress=False)


# --------------------------------------------------------------------------------- CLI
def test_cli_samples_csv_equals_the_direct_computation(cli_run, raw, xn):
    samples, _, page = cli_run
    head = samples.iloc[:140]  # the analysis lines come first, in file order
    for el in REE14:
        np.testing.assert_allclose(head[f"{el}_N"].to_numpy(float), xn[el], rtol=RTOL,
                                   equal_nan=True, err_msg=el)
    eu = xn["Eu"] / np.sqrt(xn["Sm"] * xn["Gd"])
    np.testing.assert_allclose(head["Eu/Eu*"].to_numpy(float), eu, rtol=RTOL, equal_nan=True)
    assert list(head["group"]) == raw.column("ROCK TYPE")
    assert "CI_McDonoughSun1995" in page and "bdl=&#39;half&#39;" in page


# ------------------------------------------------------- the file as GEOROC writes it (its footer)
def test_the_georoc_footer_is_not_read_as_samples(cli_run, cli_out, raw):
    """A GEOROC precompiled file ends with an empty line, "Abbreviations: ...", "References:"
    and one line per reference: not samples. They were read as 29 samples with no values."""
    samples, quality, page = cli_run
    assert len(samples) == len(raw.rows) == 140
    assert quality.loc["La", "empty cells"] == raw.column("LA(PPM)").count("")
    # the footer is counted where the report lists what it left out, with its first line
    dropped = pd.read_csv(cli_out / "tables" / "dropped.csv", index_col=0)
    footer = [r for r in dropped.index if r.startswith("footer lines")]
    assert len(footer) == 1 and "Abbreviations:" in footer[0]
    assert dropped.loc[footer[0], "rows"] == len(raw.footer) == 29
    assert f"{len(raw.footer)} lines after the data" in page


def test_a_georoc_file_can_be_explored_with_its_sample_id(tmp_path, raw):
    # UNIQUE_ID is unique over the 140 analyses; the footer lines, had they been read as rows,
    # would have no ID and stop the run ("duplicated IDs, e.g. [nan]")
    out = tmp_path / "r"
    code = main(["explore", str(datasets.path(NAME)), "--out", str(out), "--id",
                 "UNIQUE_ID", "--no-figures", "--quiet"])
    assert code == 0
    samples = pd.read_csv(out / "tables" / "samples.csv", dtype={0: str})
    assert list(samples.iloc[:, 0].astype(str)) == raw.column("UNIQUE_ID")


def test_the_report_names_the_yttrium_column_of_the_file(cli_run):
    # the user's own column, not the 'Y [ppm]' the reader renames it to
    _, quality, page = cli_run
    assert quality.loc["Y", "column"] == "Y(PPM)"
    assert "Yttrium: read from column &#39;Y(PPM)&#39;." in page


def test_an_empty_line_between_samples_is_not_a_footer(tmp_path):
    """Only text after the data counts as a footer: an empty line between analyses leaves
    every analysis in, and a note after the last one is counted, not read as a sample."""
    from resourcekit.ree.exploration import read_table

    head = "ID,LA(PPM),CE(PPM),ND(PPM)\n"
    middle = tmp_path / "middle.csv"
    middle.write_text(head + "a,10,20,9\n\nb,11,21,9.5\n,,,\nc,12,22,10\n")
    frame = read_table(middle)
    assert list(frame["ID"]) == ["a", "b", "c"] and "footer" not in frame.attrs
    noted = tmp_path / "noted.csv"
    noted.write_text(head + "a,10,20,9\nb,11,21,9.5\n\nData from my lab\n"
                     '"Analysed by ICP-MS, 2026"\n')  # quoted, as GEOROC's references are
    frame = read_table(noted)
    assert list(frame["ID"]) == ["a", "b"]
    assert frame.attrs["footer"] == {"lines": 2, "first": "Data from my lab"}
    # a line after the empty one with two cells is data, not a footer: nothing is dropped
    more = tmp_path / "more.csv"
    more.write_text(head + "a,10,20,9\n\nb,11,,\n")
    with pytest.warns(ResourcekitWarning, match=r"1 line\(s\) of one or two cells .* 'b, 11'"):
        assert list(read_table(more)["ID"]) == ["a", "b"]


def test_an_unquoted_note_with_a_comma_is_kept_but_named_in_the_report(tmp_path):
    """'Data: my lab, 2026' after the data reads as a sample with La = 2026; no rule can tell
    it from a sparse analysis, so it stays a row and the report's warnings name it."""
    noted = tmp_path / "noted.csv"
    noted.write_text("ID,LA(PPM),CE(PPM),ND(PPM)\na,10,20,9\nb,11,21,9.5\n\n"
                     "Data: my lab, 2026\n")
    out = tmp_path / "r"
    assert main(["explore", str(noted), "--out", str(out), "--no-figures", "--quiet"]) == 0
    warned = pd.read_csv(out / "tables" / "warnings.csv")
    hit = warned[warned["message"].str.contains("'Data: my lab, 2026'", regex=False)]
    assert len(hit) == 1 and "after an empty line were read as samples" in hit["message"].iloc[0]
    # the analyses before it are untouched, and nothing is warned about a file without one
    clean = tmp_path / "clean.csv"
    clean.write_text("ID,LA(PPM),CE(PPM),ND(PPM)\na,10,20,9\n\nb,11,21,9.5\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error", ResourcekitWarning)
        from resourcekit.ree.exploration import read_table
        assert list(read_table(clean)["ID"]) == ["a", "b"]
