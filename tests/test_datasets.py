"""Dataset cards, checksums, and reproducibility of the synthetic sets."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys

import pytest
from resourcekit import datasets

NAMES = list(datasets.list().index)


def test_list_names_every_dataset_folder():
    folders = sorted(p.parent.name for p in datasets.data_dir().glob("*/card.yml"))
    assert NAMES == folders and "osullivan2020_apatite" in NAMES


@pytest.mark.parametrize("name", NAMES)
def test_card_is_complete_and_file_matches(name):
    card = datasets.card(name)
    assert card["kind"] in datasets.KINDS
    for key in ("title", "licence", "citation", "columns", "description"):
        assert card.get(key), f"{name}: card lacks {key}"
    if card["kind"] in ("measured", "published"):
        assert card.get("source"), f"{name}: measured/published data must name their source"
    else:
        script = datasets.data_dir() / name / card["script"]
        assert script.is_file(), f"{name}: synthetic data must ship the script that made them"
    frame = datasets.load(name)
    assert len(frame) > 0 and frame.attrs["card"]["name"] == name


@pytest.mark.parametrize(
    "name", [n for n in NAMES if datasets.card(n)["kind"] == "synthetic"])
def test_synthetic_sets_are_reproduced_by_their_script(name, tmp_path):
    card = datasets.card(name)
    script = datasets.data_dir() / name / card["script"]
    subprocess.run([sys.executable, str(script), str(tmp_path)], check=True,
                   capture_output=True, timeout=300)
    produced = hashlib.sha256((tmp_path / card["file"]).read_bytes()).hexdigest()
    assert produced == card["sha256"], f"{name}: {card['script']} no longer makes {card['file']}"


def test_corrupt_file_is_refused(tmp_path, monkeypatch):
    name = "osullivan2020_apatite"
    shutil.copytree(datasets.data_dir() / name, tmp_path / name)
    data = tmp_path / "osullivan2020_apatite" / "data.csv"
    data.write_bytes(data.read_bytes().replace(b"2363", b"2364", 1))
    monkeypatch.setattr(datasets, "data_dir", lambda: tmp_path)
    datasets._read_card.cache_clear()
    try:
        with pytest.raises(datasets.DatasetError, match="corrupt or was edited: SHA-256"):
            datasets.load("osullivan2020_apatite")
    finally:
        datasets._read_card.cache_clear()


def test_unknown_name_lists_the_known_ones():
    with pytest.raises(datasets.DatasetError, match="known datasets: .*osullivan2020_apatite"):
        datasets.load("no_such_set")


def test_cards_markdown_lists_every_dataset_with_its_kind():
    text = datasets.cards_markdown()
    for name in NAMES:
        assert f"load({name!r})" in text
    assert "**Synthetic data.**" in text and "**Measured data.**" in text
