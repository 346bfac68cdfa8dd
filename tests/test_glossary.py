"""The glossary: every {term} a lesson uses resolves, every entry has English and Japanese, and
every {cite} key of a lesson or the glossary is in book/references.bib."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

REPO = Path(__file__).resolve().parents[1]
GLOSSARY = REPO / "book" / "glossary.md"
BIB = REPO / "book" / "references.bib"
LESSONS = sorted((REPO / "lessons").glob("*.ipynb"))
CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")
TERM_ROLE = re.compile(r"\{term\}`([^`]+)`")
CITE_ROLE = re.compile(r"\{cite(?::[a-z]+)?\}`([^`]+)`")


def glossary_entries(text: str) -> list[list[str]]:
    """Term lines of each entry of the ``{glossary}`` block (a definition is indented)."""
    block = re.search(r"```\{glossary\}\n(.*?)\n```", text, re.S)
    assert block, "book/glossary.md has no {glossary} block"
    entries: list[list[str]] = []
    current: list[str] = []
    in_definition = False
    for line in block.group(1).splitlines():
        if not line.strip():
            continue
        if line[0].isspace():
            in_definition = True
            continue
        if in_definition or not current:
            current = []
            entries.append(current)
            in_definition = False
        current.append(line.strip())
    return entries


def role_target(text: str) -> str:
    """``label <target>`` -> target; ``target`` -> target (Sphinx matches terms case-blind)."""
    m = re.match(r"^(.*?)\s*<([^<>]+)>$", text.strip(), re.S)
    return (m.group(2) if m else text).strip().lower()


def markdown_of(path: Path) -> str:
    nb = nbformat.read(path, as_version=4)
    return "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")


def test_parser_on_a_small_glossary():
    text = "```{glossary}\nGrade\n品位\n  Mass fraction.\n\nFeed\n給鉱\n  In.\n```"
    assert glossary_entries(text) == [["Grade", "品位"], ["Feed", "給鉱"]]
    assert role_target("rare-earth element (REE) <REE>") == "ree"
    assert role_target("Detection limit") == "detection limit"


def test_every_entry_has_english_and_japanese_terms():
    entries = glossary_entries(GLOSSARY.read_text(encoding="utf-8"))
    assert len(entries) >= 40
    for terms in entries:
        assert any(CJK.search(t) for t in terms), f"glossary entry {terms} has no Japanese term"
        assert any(not CJK.search(t) for t in terms), f"glossary entry {terms} has no English term"


def test_terms_are_unique_and_the_corrected_ones_are_right():
    entries = glossary_entries(GLOSSARY.read_text(encoding="utf-8"))
    terms = [t.lower() for e in entries for t in e]
    assert len(terms) == len(set(terms)), "a glossary term appears twice (Sphinx warns)"
    by_first = {e[0]: e for e in entries}
    # Oki's column 19 uses 収率 for recovery, and 濃度比/富鉱比 for the enrichment ratio
    assert "収率" in by_first["Recovery"] and "収率" not in by_first["Yield"]
    assert {"濃度比", "富鉱比"} <= set(by_first["Enrichment ratio"])
    for en, ja in [("Purity", "純度"), ("Concentrate", "精鉱"), ("Tailing", "尾鉱"),
                   ("Feed", "給鉱"), ("Rougher", "粗選"), ("Cleaner", "精選"),
                   ("Scavenger", "清掃選"), ("Circulating load", "循環負荷"),
                   ("Dense-medium separation", "重液選別"), ("Sink-float analysis", "浮沈分析"),
                   ("Data reconciliation", "データ調整")]:
        assert ja in by_first[en], (en, ja)
    for needed in ("tromp curve", "by-pass", "observability", "redundancy", "sankey diagram",
                   "detection limit", "tetrad effect", "centred log-ratio"):
        assert needed in terms, needed


@pytest.mark.parametrize("path", LESSONS, ids=[p.stem for p in LESSONS])
def test_lesson_terms_resolve(path):
    terms = {t.lower() for e in glossary_entries(GLOSSARY.read_text(encoding="utf-8")) for t in e}
    used = [role_target(t) for t in TERM_ROLE.findall(markdown_of(path))]
    missing = sorted(set(used) - terms)
    assert not missing, f"{path.name}: {{term}} targets not in book/glossary.md: {missing}"


def test_lessons_link_the_glossary():
    linked = [p.name for p in LESSONS if TERM_ROLE.search(markdown_of(p))]
    for number in ("01", "02", "03", "08", "09", "10"):
        assert any(name.startswith(number) for name in linked), f"lesson {number} links no term"


def test_every_cited_key_is_in_the_bibliography():
    keys = set(re.findall(r"^@\w+\{([^,]+),", BIB.read_text(encoding="utf-8"), re.M))
    assert len(keys) >= 20
    texts = [markdown_of(p) for p in LESSONS] + [GLOSSARY.read_text(encoding="utf-8")]
    cited = {k.strip() for t in texts for group in CITE_ROLE.findall(t) for k in group.split(",")}
    assert cited, "no lesson cites the bibliography"
    assert not cited - keys, f"cited but not in references.bib: {sorted(cited - keys)}"


def test_bibliography_entries_say_where_to_find_them():
    text = BIB.read_text(encoding="utf-8")
    for entry in re.split(r"\n(?=@)", text)[1:]:
        key = re.match(r"@\w+\{([^,]+),", entry).group(1)
        kind = entry.split("{", 1)[0].lower()
        findable = any(f in entry for f in ("doi ", "doi=", "url", "howpublished", "publisher",
                                            "institution", "journal"))
        assert findable, f"{key}: no DOI, URL, publisher or journal"
        if kind in ("@article",):
            assert "journal" in entry and "year" in entry, key
