"""The certificate page in Japanese (issue 26 item 3), attacked as the English one is.

An exam with a ``title_ja`` gets, beside ``certificates/<learner>.html``, the Japanese page
``<learner>.ja.html`` of the same registry record: the registry keeps the Japanese title, the
page is a pure function of the record and its declared language, and verification renders the
page of that language again and compares every visible text.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from resourcekit.grading.certificates import (
    certificate_fields,
    certificate_page,
    inspect_certificate,
    page_language,
    verify_certificate,
)
from resourcekit.grading.keys import CertificateError
from resourcekit.grading.registry import Registry, RegistryEntry
from test_cert_attacks import _cli, academy  # noqa: F401 - the fixture, shared

TITLE_JA = "物理選別の修了認定"  # title_ja of exercises/exams/physical-separation.yml


@pytest.fixture
def pages(academy):  # noqa: F811 - the imported fixture
    rec = academy["grade"]({"alice.ipynb": "alice"}, "run", "2026-05-01")["alice.ipynb"]
    folder = academy["tmp"] / "run" / "certificates"
    return rec, folder / "alice.html", folder / "alice.ja.html"


def test_japanese_page_of_the_same_record_verifies(pages):
    rec, en, ja = pages
    text = ja.read_text(encoding="utf-8")
    assert page_language(text) == "ja" and page_language(en.read_text()) == "en"
    with Registry() as reg:
        entry = reg.lookup(rec["certificate_code"])
    assert entry.title_ja == TITLE_JA and entry.title == "Certificate in physical separation"
    # the Japanese title, the English one as its own row, the learner's name and the code
    assert f'<strong data-field="title">{TITLE_JA}</strong>' in text
    assert '<td data-field="title in English">Certificate in physical separation</td>' in text
    assert "Alice Tanaka" in text and rec["certificate_code"] in text
    assert "<h1>修了証</h1>" in text and "合格点" in text and "Pass mark" not in text
    assert verify_certificate(ja).code == verify_certificate(en).code == rec["certificate_code"]
    # the same signed credential is embedded in both
    jws = re.compile(r'id="openbadge-credential">([^<]+)<')
    assert jws.search(text).group(1) == jws.search(en.read_text()).group(1)
    assert "資格名（英語）" not in en.read_text() and TITLE_JA not in en.read_text()


@pytest.mark.parametrize(("edit", "field"), [
    ((f'title">{TITLE_JA}<', 'title">物理選別の上級修了認定<'), "title"),
    ((f"<title>修了証：Alice Tanaka - {TITLE_JA}", "<title>修了証：Alice Tanaka - 上級"),
     "document title"),
    (("Certificate in physical separation</td>", "Master of separation</td>"),
     "title in English"),
    (("Alice Tanaka</p>", "Mallory Forge</p>"), "name"),
])
def test_an_edited_japanese_page_names_the_field(pages, edit, field):
    _, _, ja = pages
    forged = ja.with_name("forged.ja.html")
    text = ja.read_text(encoding="utf-8")
    assert edit[0] in text
    forged.write_text(text.replace(edit[0], edit[1], 1), encoding="utf-8")
    check = inspect_certificate(forged)
    assert check.edited_fields[:1] == [field], check.differences
    with pytest.raises(CertificateError, match=f"edited: {field}"):
        verify_certificate(forged)


def test_a_page_that_lies_about_its_language_does_not_verify(pages):
    """The language is part of the page: the English page declared Japanese (or the
    Japanese one declared English) is not the page the record gives in that language."""
    _, en, ja = pages
    for page, swap in ((en, ('lang="en"', 'lang="ja"')), (ja, ('lang="ja"', 'lang="en"'))):
        liar = page.with_name("liar.html")
        liar.write_text(page.read_text(encoding="utf-8").replace(*swap, 1), encoding="utf-8")
        assert not inspect_certificate(liar).intact
        with pytest.raises(CertificateError, match="edited"):
            verify_certificate(liar)


def test_a_revoked_code_fails_in_japanese_too(pages):
    rec, _, ja = pages
    assert _cli("revoke", rec["certificate_code"], "--reason", "copied").returncode == 0
    with pytest.raises(CertificateError, match="REVOKED|revoked"):
        verify_certificate(ja)


def _entry(name: str, title: str, title_ja: str) -> RegistryEntry:
    return RegistryEntry("RK1.x.y", "exam-1", "lid", name, title, "2026-05-01", 3.0, 4.0,
                         "issued", "", "", "", "", 0.6, "ab" * 32, "private",
                         title_ja=title_ja)


@settings(max_examples=60, deadline=None)
@given(name=st.text(min_size=1, max_size=30), title=st.text(min_size=1, max_size=30),
       title_ja=st.text(max_size=30))
def test_every_claim_is_shown_as_recorded_in_both_languages(name, title, title_ja):
    """Whatever the record holds (markup, braces, quotes, CJK), each page shows each claim
    exactly once where it belongs, as text, and the Japanese page shows the Japanese title
    when there is one."""
    from resourcekit.grading.certificates import _first_difference, _visible

    entry = _entry(name, title, title_ja)
    for lang in ("en", "ja"):
        page = certificate_page(entry, lang=lang)
        assert page_language(page) == lang
        assert _first_difference(page, page, entry, lang) == []
        shown = _visible(page)
        claims = dict(certificate_fields(entry, lang))
        for key in ("name", "title", "learner", "code"):
            assert " ".join(claims[key].split()) in shown or not claims[key].strip()
        want = title_ja if lang == "ja" and title_ja else title
        assert claims["title"] == want
        assert ("title in English" in claims) == (lang == "ja" and bool(title_ja)
                                                  and title_ja != title)


def test_the_credential_carries_both_names(pages):
    """The Open Badges credential embedded in both pages names the qualification in English
    (its name) and in Japanese (its description); it is checked against the record as the
    page is."""
    import base64
    import json

    from resourcekit.grading.credentials import credential_claims

    rec, _, ja = pages
    token = re.search(r'id="openbadge-credential">([^<]+)<', ja.read_text()).group(1)
    part = token.split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    achievement = claims["credentialSubject"]["achievement"]
    assert achievement["name"] == "Certificate in physical separation"
    assert f"Japanese title: {TITLE_JA}." in achievement["description"]
    # a record without a Japanese title gives the credential it gave before (codes issued
    # before the registry had the column still verify)
    plain = _entry("Alice", "Demo exam", "")
    assert "Japanese title" not in json.dumps(credential_claims(plain, issuer="https://a.b"))
    assert inspect_certificate(ja).intact


# --- the feedback of a Japanese handout (issue 26 item 3) -------------------------------------
def test_a_japanese_handout_gets_its_feedback_and_report_in_japanese(academy, monkeypatch):  # noqa: F811
    """A learner who sat the exam in Japanese (exam --lang ja) reads the report in Japanese:
    the report's words, the exam's Japanese title and topics, the feedback templates and the
    bank's hints from their catalogues; the points are those of the English exam, and no
    expected value is shown. A handout in English beside it keeps its English report."""
    import json
    import shutil

    import nbformat
    from resourcekit.grading import exam_batch
    from resourcekit.grading.exam import exam_notebook, expected_for
    from resourcekit.grading.runner import RunResult
    from test_cert_attacks import KEY, REPO

    exam = academy["exam"]
    handouts = academy["handouts"]
    # the academy's private copy of the bank carries the bank's Japanese catalogue along
    target = exam.bank_path.parent / "locales" / "ja" / "LC_MESSAGES" / "bank.po"
    target.parent.mkdir(parents=True)
    shutil.copy(REPO / "exercises/bank/locales/ja/LC_MESSAGES/physical-separation.po", target)
    nbformat.write(exam_notebook(exam, "bob", "Bob Suzuki", key=KEY.encode(), lang="ja"),
                   handouts / "bob.ipynb")
    wrong = {"bob": {"q1", "q2"}, "alice": {"q1", "q2"}}  # both answer q1 and q2 wrongly

    def fake_run_tasks(tasks, **kw):
        out = {}
        for task in tasks:
            lid = json.loads(task.text)["metadata"]["resourcekit"]["learner_id"]
            want = expected_for(exam, lid, KEY.encode())
            answers = {}
            for i, name in enumerate(task.names, start=1):
                value = want[f"q{i}"]
                if f"q{i}" in wrong[lid]:
                    value = "?" if isinstance(value, str) else None
                answers[name] = {"ok": value is not None, "value": value, "type": "NoneType"}
            out[task.key] = RunResult(answers=answers, sandboxed=True)
        return out

    monkeypatch.setattr(exam_batch, "run_tasks", fake_run_tasks)
    records = academy["grade"]({"alice.ipynb": "alice", "bob.ipynb": "bob"}, "ja-run",
                               "2026-05-01")
    bob, alice = records["bob.ipynb"], records["alice.ipynb"]
    assert bob["lang"] == "ja" and "lang" not in alice
    assert bob["score"] == alice["score"] < bob["max_score"]  # the same grading in both
    report = (academy["tmp"] / "ja-run" / "reports" / "bob.html").read_text(encoding="utf-8")
    assert '<html lang="ja">' in report and TITLE_JA in report
    assert "講評" in report and "Feedback" not in report and "得点" in report
    feedback = {q["id"]: q["feedback"] for q in bob["questions"]}
    assert "ヒント：" in feedback["q1"] and "Hint:" not in feedback["q1"]
    # the hint is the bank's, translated: its Japanese text is the catalogue's
    from resourcekit.grading.i18n import feedback_language

    hint_ja = feedback_language(exam, "ja")["hints"]["q1"]
    assert hint_ja and hint_ja != exam.questions[0].hint and hint_ja in feedback["q1"]
    assert all(ord(c) < 0x3000 for c in alice["questions"][0]["feedback"])  # English
    english = (academy["tmp"] / "ja-run" / "reports" / "alice.html").read_text(encoding="utf-8")
    assert '<html lang="en">' in english and "Feedback" in english
    # never an expected value in either report
    for lid, page in (("bob", report), ("alice", english)):
        want = expected_for(exam, lid, KEY.encode())
        for q in ("q1", "q2"):
            if isinstance(want[q], float):
                assert f"{want[q]:.6g}" not in page


def test_every_word_of_the_feedback_and_the_pages_has_its_japanese():
    """Each English text the feedback, the report and the certificate page pass through the
    frame catalogue has a Japanese translation that keeps its {placeholders}: grading a
    Japanese handout never meets a missing one (frame() raises for it)."""
    import ast
    from pathlib import Path

    import resourcekit.grading as grading
    from resourcekit.grading.i18n import frame, placeholders

    ja = frame("ja")
    folder = Path(grading.__file__).parent
    seen = set()
    for name in ("checks.py", "report.py", "certificates.py"):
        tree = ast.parse((folder / name).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id == "t" and node.args
                    and isinstance(node.args[0], ast.Constant)
                    and isinstance(node.args[0].value, str)):
                seen.add(node.args[0].value)
    assert len(seen) >= 40, sorted(seen)  # the templates are found, not skipped
    from resourcekit.grading.certificates import _CHECK_IT
    from resourcekit.grading.exam import BANK_VISIBILITIES

    seen |= {_CHECK_IT, *BANK_VISIBILITIES}  # passed to t() by name, not as a literal
    for text in sorted(seen):
        shown = ja(text)  # raises if missing
        assert sorted(placeholders(shown)) == sorted(placeholders(text)), text


def test_the_japanese_page_is_printed_too_where_chromium_works(academy, monkeypatch):  # noqa: F811
    """Where the English certificate is printed to PDF, the Japanese page is printed beside
    it (<learner>.ja.pdf), with the same credential attached; where Chromium is missing,
    the warning counts learners, as before."""
    from pathlib import Path

    from resourcekit.grading import credentials, issuing

    printed, attached = [], []

    def fake_pdf(html_path, **kw):
        out = Path(html_path).with_suffix(".pdf")
        out.write_bytes(b"%PDF-1.4\n")
        printed.append(out.name)
        return out

    monkeypatch.setattr(issuing, "certificate_pdf", fake_pdf)
    monkeypatch.setattr(credentials, "attach_to_pdf",
                        lambda pdf, jws: attached.append((Path(pdf).name, jws.count("."))))
    academy["grade"]({"alice.ipynb": "alice"}, "pdf", "2026-05-01")
    assert printed == ["alice.pdf", "alice.ja.pdf"]
    assert attached == [("alice.pdf", 2), ("alice.ja.pdf", 2)]  # a compact JWS, both
