"""Issuing the certificates of one graded exam batch: registry first, pages from its records.

For each record (as the exam grader builds them, before they are written), in this order:

1. learner text is made safe (:func:`.report.sanitize_record`: cut short, the key redacted);
2. a record whose identity is not sealed (a broken seal, a file name that disagrees with the
   seal, two submissions for one learner) is **not certified** and touches no record of the
   registry: nobody can withdraw, supersede or confirm another learner's certificate by
   handing in a file under their name;
3. a record not graded this time (deadline, dead worker) leaves earlier codes as they were;
4. a learner who holds a **revoked** code for the exam gets no code: the row says
   ``revoked`` and how to reinstate (revocation is final; only ``reinstate`` undoes it);
5. a record that passed gets a code (none from a public practice bank unless
   ``allow_public_bank``), recorded in the registry with every claim its certificate states;
   the learner's earlier codes for the exam are *superseded* by it, or *revoked* when the
   learner was graded and no longer passes;
6. the certificate page is rendered from the registry's record (:mod:`.certificates`), with
   the Open Badges 3.0 credential embedded (:mod:`.credentials`), which also goes beside it
   as ``<id>.jwt``, baked into ``<id>.svg`` and ``<id>.png`` and attached to ``<id>.pdf``;
   the issuer's public keys, revocation list and
   offline check page are (re)published beside the registry.

``certificate_status`` on each record tells the outcome: ``issued``, ``revoked``,
``not passed``, ``not certified: <reason>`` or ``not graded``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .certificates import PUBLIC_BANK, certificate_code, certificate_pdf, write_certificate
from .keys import CertificateError, key_from_environment, key_path, load_key
from .registry import Registry, open_registry, registry_path

__all__ = ["issue_for_batch"]


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True


def _visibility(exam: Any, exam_id: str) -> str:
    if isinstance(exam, Mapping):
        exam = exam.get(exam_id)
    return str(getattr(exam, "visibility", "") or "") if exam is not None else ""


def _check_places(results_dir: Path, registry: Any) -> None:
    if not key_from_environment() and _inside(key_path(), results_dir):
        raise CertificateError(f"the key file {key_path()} lies inside the results folder "
                               f"{results_dir}; keep it outside (RESOURCEKIT_KEY_FILE)")
    if not isinstance(registry, Registry):
        where = Path(registry) if registry is not None else registry_path()
        if _inside(where, results_dir):
            raise CertificateError(f"the registry {where} lies inside the results folder "
                                   f"{results_dir}; keep it beside the key (RESOURCEKIT_REGISTRY)")


def _unsealed_reason(record: dict[str, Any]) -> str:
    return str(record.get("identity_problem") or
               "the exam's identity seal does not match (file renamed or metadata edited)")


def _decide(record: dict[str, Any], reg: Registry, *, key: bytes, date: str,
            allow_public_bank: bool, results_dir: Path, out: dict[str, list[Any]]) -> None:
    """Steps 2-5 of the module docstring for one record (updates it and the registry)."""
    lid = record.get("learner_id") or ""
    record["revoked_codes"], record["superseded_codes"] = [], []
    if not lid or not record.get("identity_sealed"):
        why = _unsealed_reason(record)
        record["certificate_status"] = f"not certified: {why}"
        if record.get("passed") and record.get("status", "graded") == "graded":
            record["problems"].append(f"not certified: {why}; no other record was touched; "
                                      "ask the lecturer")
        return
    if record.get("status", "graded") != "graded":
        record["certificate_status"] = "not graded"
        if reg.active(record["exam"], lid):
            record["problems"].append(
                "not graded in this run: the earlier certificate stays as it was")
        return
    revoked = reg.revoked_for(record["exam"], lid)
    if revoked:
        last = revoked[-1]
        record["certificate_status"] = "revoked"
        record["problems"].append(
            f"certificate revoked ({last.changed_at}: {last.reason}); grading never issues a "
            f"new one: `python -m resourcekit.grading reinstate {last.code} --reason TEXT` is "
            "the only way back")
        return
    code = ""
    if record.get("passed"):
        if record["bank_visibility"] == PUBLIC_BANK and not allow_public_bank:
            record["problems"].append(
                "passed, but no certificate: this exam draws from a public practice bank "
                "whose solutions are published (use a private bank with --bank, or "
                "--allow-public-bank for a practice certificate)")
        else:
            code = certificate_code(record, date=date, key=key)
    earlier = [e.code for e in reg.active(record["exam"], lid) if e.code != code]
    if code:
        entry = reg.issue(code, record, results_dir=str(results_dir))
        record["certificate_code"] = code
        record["certificate_status"] = "issued" if entry.status == "issued" else entry.status
        out["issued"].append(code)
        out["entries"].append(entry)
    else:
        record["certificate_status"] = "not passed" if not record.get("passed") else \
            "not certified: public practice bank"
    for old in earlier:
        if code:
            reg.supersede(old, code, f"re-graded on {date}; score "
                                     f"{record['score']:g} / {record['max_score']:g}")
            record["superseded_codes"].append(old)
            out["superseded"].append(old)
        else:
            why = ("not passed" if not record.get("passed") else
                   "no certificate from a public bank")
            reg.revoke(old, f"re-graded on {date}: {why} (score {record['score']:g} / "
                            f"{record['max_score']:g})")
            record["revoked_codes"].append(old)
            out["revoked"].append(old)


def _write_pages(out: dict[str, list[Any]], records: list[dict[str, Any]], results_dir: Path,
                 *, key: bytes, pdf: bool, credentials: Any) -> None:
    by_code = {r.get("certificate_code"): r for r in records if r.get("certificate_code")}
    for entry in out["entries"]:
        record = by_code[entry.code]
        jws = credentials(entry) if credentials is not None else ""
        target = results_dir / "certificates" / f"{entry.learner_id}.html"
        page = write_certificate(record, entry.code, target, key=key, entry=entry,
                                 credential=jws)
        page_ja = None
        if entry.title_ja:  # the exam has a Japanese title: the Japanese page beside it
            page_ja = write_certificate(record, entry.code, target.with_suffix(".ja.html"),
                                        key=key, entry=entry, credential=jws, lang="ja")
            out["certificates_ja"].append(page_ja)
        if jws:
            from .credentials import baked_png, baked_svg

            target.with_suffix(".jwt").write_text(jws + "\n", encoding="utf-8")
            target.with_suffix(".svg").write_text(baked_svg(jws, entry.title or entry.exam),
                                                  encoding="utf-8")
            target.with_suffix(".png").write_bytes(baked_png(jws))
            out["credentials"].append(target.with_suffix(".jwt"))
        out["certificates"].append(page)
        if pdf:
            import subprocess

            try:  # a PDF copy where headless Chromium is installed; the HTML stands alone
                made = certificate_pdf(page)
            except (OSError, subprocess.SubprocessError) as err:
                made = None
                record["problems"].append(f"PDF certificate not written: {type(err).__name__}")
            if made is None:
                out["no_pdf"].append(page)
                continue
            from .credentials import attach_to_pdf

            if jws:
                attach_to_pdf(made, jws)
            if page_ja is not None:  # Chromium works: the Japanese page as PDF too
                try:
                    made_ja = certificate_pdf(page_ja)
                except (OSError, subprocess.SubprocessError) as err:
                    made_ja = None
                    record["problems"].append(
                        f"Japanese PDF certificate not written: {type(err).__name__}")
                if made_ja is not None and jws:
                    attach_to_pdf(made_ja, jws)


def _similarity(records: list[dict[str, Any]], submissions: Any, results_dir: Path,
                threshold: float | None) -> list[Path]:
    from .similarity import DEFAULT_THRESHOLD, similarity_report

    threshold = DEFAULT_THRESHOLD if threshold is None else threshold
    texts = (dict(submissions) if isinstance(submissions, Mapping) else
             {Path(p).name: Path(p).read_text(encoding="utf-8", errors="replace")
              for p in submissions if Path(p).is_file() and not Path(p).is_symlink()})
    groups: dict[str, dict[str, str]] = {}
    for record in records:
        name = str(record.get("submission", ""))
        if name in texts:
            groups.setdefault(str(record.get("exam", "")), {})[name] = texts[name]
    made = []
    for exam_id, group in sorted(groups.items()):
        stem = "similarity" if len(groups) == 1 else f"similarity-{exam_id}"
        made.append(similarity_report(group, results_dir, threshold, stem=stem))
    return made


def issue_for_batch(records: list[dict[str, Any]], results_dir: str | Path, *,
                    exam: Any = None, key: bytes | None = None, registry: Any = None,
                    date: str | None = None, allow_public_bank: bool = False,
                    submissions: list[Path] | Mapping[str, str] | None = None,
                    similarity_threshold: float | None = None,
                    pdf: bool = True, credentials: bool | None = None) -> dict[str, list[Any]]:
    """Issue, record and write the certificates of one graded exam batch (see module doc).

    Parameters
    ----------
    records : list of dict
        Graded records; updated in place (``certificate_code``, ``certificate_status``,
        ``date``, ``bank_visibility``, ``revoked_codes``, ``superseded_codes``,
        ``problems``). ``identity_sealed`` must be true for a certificate.
    results_dir : path
        The run's results folder (must not hold the key file or the registry).
    exam : Exam or mapping of exam id to Exam, optional
        Tells each record's bank visibility.
    key : bytes, optional
        The academy key (default :func:`.keys.load_key`).
    registry : Registry or path, optional
        Default: :func:`.registry.open_registry` (``RESOURCEKIT_REGISTRY`` or
        ``registry.sqlite`` beside the key file).
    submissions : list of path or mapping of file name to text, optional
        The batch's notebooks: a similarity report goes to ``results_dir/similarity.csv``.
    credentials : bool, optional
        Also sign an Open Badges 3.0 credential per certificate (:mod:`.credentials`):
        embedded in the page, attached to the PDF, beside it as ``.jwt`` and baked into
        ``.svg`` and ``.png`` badges; the
        JWKS, revocation list and ``verify.html`` are published beside the registry
        (default: yes; ``False`` for none).

    Returns
    -------
    dict
        ``issued``, ``superseded`` and ``revoked`` codes, registry ``entries``,
        ``certificates`` (and ``certificates_ja``, the Japanese pages of exams with a
        ``title_ja``), ``credentials`` and ``similarity`` paths, and the pages for which
        ``no_pdf`` was made.
    """
    from .report import sanitize_record

    results_dir = Path(results_dir)
    _check_places(results_dir, registry)
    key = key or load_key()
    date = date or dt.date.today().isoformat()
    secret_texts = [key.decode("utf-8", "replace")]
    reg = registry if isinstance(registry, Registry) else open_registry(registry)
    out: dict[str, list[Any]] = {"issued": [], "superseded": [], "revoked": [], "entries": [],
                                 "certificates": [], "certificates_ja": [], "credentials": [],
                                 "similarity": [], "no_pdf": []}
    signer = None
    try:
        with reg.transaction():  # the batch's registry changes: all recorded, or none
            for record in records:
                sanitize_record(record, secrets=secret_texts)
                record.setdefault("problems", [])
                record["bank_visibility"] = (_visibility(exam, record.get("exam", ""))
                                             or record.get("bank_visibility", ""))
                record["certificate_code"], record["date"] = "", date
                _decide(record, reg, key=key, date=date, allow_public_bank=allow_public_bank,
                        results_dir=results_dir, out=out)
        if credentials is not False and (out["entries"] or out["revoked"]
                                         or out["superseded"]):
            from .credentials import Issuer

            signer = Issuer.open(reg.path.parent)
            signer.publish(reg)  # keys, revocation list and check page, beside the registry
    finally:
        if reg is not registry:
            reg.close()
    _write_pages(out, records, results_dir, key=key, pdf=pdf,
                 credentials=signer.credential if signer is not None else None)
    if out["no_pdf"]:
        import sys

        print(f"WARNING: no PDF certificates were made ({len(out['no_pdf'])} HTML only): "
              "Chromium was not found; install it (Debian: make browser) and grade again, or "
              "hand out the HTML certificates", file=sys.stderr)
    if submissions:
        out["similarity"] = _similarity(records, submissions, results_dir, similarity_threshold)
    return out
