"""Command line: ``python -m resourcekit.grading COMMAND`` (init, build, grade, selftest, exam,
verify, revoke, reinstate, rotate-key, registry, bank-check, bank-pot).

``init`` creates the academy key, the registry and the credential signing key where they
belong, prints their paths and says what to back up.

``exam EXAM --learners learners.csv --out DIR [--bank PATH] [--lang ja]`` writes
``DIR/<learner_id>.ipynb`` per learner (``--lang ja``: in Japanese, from the bank's catalogue,
which ``bank-pot BANK`` writes and updates); ``grade DIR --out RESULTS`` grades exercises or
exam submissions (certificates, registry and similarity report for exams); a non-empty
``RESULTS`` is never overwritten: the run goes to ``RESULTS/run-<timestamp>`` unless
``--overwrite``. ``verify CODE`` (or ``verify certificate.html``) exits 0 for a genuine code
that the registry has not revoked or superseded (and, for a file, a page whose every field
matches the registry's record), 1 otherwise; ``verify FILE.jwt`` checks an Open Badges
credential with the public keys and the revocation list alone (``--jwks``, ``--status-list``);
``revoke CODE --reason TEXT`` withdraws a code for good, ``reinstate CODE --reason TEXT`` is
the only way back; ``rotate-key`` starts a new credential signing key; ``registry`` lists the
recorded codes.

``--key-file`` and ``--registry`` set where the academy key and the registry are (default:
``$RESOURCEKIT_KEY_FILE`` / ``$RESOURCEKIT_REGISTRY``, else ``~/.config/resourcekit/``).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path


def _store_options(p: argparse.ArgumentParser, registry: bool = True) -> None:
    p.add_argument("--key-file", default=None,
                   help="the academy key file (default $RESOURCEKIT_KEY_FILE or "
                        "~/.config/resourcekit/certificate.key)")
    if registry:
        p.add_argument("--registry", default=None,
                       help="the certificate registry, an SQLite file (default "
                            "$RESOURCEKIT_REGISTRY or registry.sqlite beside the key file)")


def _apply_store_options(args: argparse.Namespace) -> None:
    # paths, not secrets: later calls (and worker processes) find them in the environment
    if getattr(args, "key_file", None):
        os.environ["RESOURCEKIT_KEY_FILE"] = str(Path(args.key_file).expanduser().resolve())
    if getattr(args, "registry", None):
        os.environ["RESOURCEKIT_REGISTRY"] = str(Path(args.registry).expanduser().resolve())


def _verify_file(target: str) -> int:
    """A certificate page: its code, its registry record, and every field compared."""
    from .certificates import CertificateError, inspect_certificate

    try:
        check = inspect_certificate(target)
    except (CertificateError, ValueError, OSError) as err:
        print(f"NOT VALID: {err}", file=sys.stderr)
        return 1
    entry = check.entry
    bad = bool(check.differences) or entry.status != "issued"
    print(("NOT VALID: " if bad else "VALID certificate: ") + "the registry records")
    from .certificates import certificate_fields

    for name, value in certificate_fields(entry)[1:]:
        print(f"  {name}: {value}")
    print(f"  {entry.line()}")
    if check.edited_fields:
        print(f"NOT VALID: the {check.edited_fields[0]} differs from the registry's record",
              file=sys.stderr)
    for diff in check.differences:
        print(f"WARNING: {diff}; trust only the lines printed above", file=sys.stderr)
    return 1 if bad else 0


def _verify_credential(target: str, jwks: str | None, status: str | None) -> int:
    """An Open Badges credential, with the issuer's public keys and revocation list only."""
    import json

    from .credentials import public_folder, read_credential, verify_credential
    from .keys import CertificateError
    from .registry import registry_path

    public = public_folder(registry_path())
    jwks_path = Path(jwks) if jwks else public / "jwks.json"
    status_path = Path(status) if status else public / "status" / "1.jwt"
    try:
        path = Path(target)
        text = path.read_text(encoding="utf-8") if len(target) < 4096 and path.is_file() \
            else target
        token = read_credential(text)
        keys = json.loads(jwks_path.read_text(encoding="utf-8"))
    except (CertificateError, OSError, ValueError) as err:
        print(f"NOT VALID: {err}", file=sys.stderr)
        return 1
    listed = status_path.read_text(encoding="utf-8") if status_path.is_file() else None
    check = verify_credential(token, keys, listed)
    print(("VALID credential: " if check.valid else "NOT VALID: ") + check.reason)
    for line in check.lines():
        print(f"  {line}")
    print(f"  keys: {jwks_path}; revocation list: "
          f"{status_path if listed is not None else 'none'}")
    return 0 if check.valid else 1


def _verify(target: str, jwks: str | None = None, status: str | None = None) -> int:
    from .certificates import CertificateError, verify_code
    from .registry import Registry, registry_path

    path = Path(target) if len(target) < 4096 else Path("-")
    if jwks or status or target.startswith("eyJ") or path.suffix.lower() in (".jwt", ".json"):
        return _verify_credential(target, jwks, status)
    if path.suffix.lower() in (".html", ".htm") and path.is_file():
        if not registry_path().is_file():  # an employer: no registry, the public key only
            return _verify_credential(target, jwks, status)
        return _verify_file(target)
    try:
        code = target.strip()
        verified = verify_code(code)
    except (CertificateError, ValueError, OSError) as err:
        print(f"NOT VALID: {err}", file=sys.stderr)
        return 1
    path = registry_path()
    entry = None
    if path.is_file():
        with Registry(path) as reg:
            entry = reg.lookup(code)
    bad = path.is_file() and (entry is None or entry.status != "issued")
    print(("NOT VALID: " if bad else "VALID certificate: ") + "the code says")
    for line in verified.lines():
        print(f"  {line}")
    if not path.is_file():
        print(f"  registry: none at {path}; revocation NOT checked")
    elif entry is None:
        print(f"  registry: NOT RECORDED in {path} (issued elsewhere, before the registry, or "
              "with a stolen key): ask the academy")
    else:
        print(f"  {entry.line()}")
    return 1 if bad else 0


def _init() -> int:
    """Create (or find) the key, the registry and the credential key; say what to back up."""
    from .credentials import Issuer, issuer_url
    from .keys import key_from_environment, key_path, load_key
    from .registry import Registry, registry_path

    existed = key_path().is_file() or key_from_environment()
    load_key(create=True)
    with Registry() as reg:
        issuer = Issuer.open(registry_path().parent)
        public = issuer.publish(reg)
    where = "RESOURCEKIT_CERT_KEY" if key_from_environment() else str(key_path())
    print(f"academy key:      {where} ({'found' if existed else 'CREATED'}, 0600)\n"
          f"registry:         {registry_path()}\n"
          f"credential keys:  {issuer.keys} (private, 0600)\n"
          f"publish:          {public} -> {issuer_url()} (jwks.json, status/1.jwt, "
          "verify.html)")
    if issuer_url().endswith(".invalid/resourcekit"):
        print("set RESOURCEKIT_ISSUER_URL to the web address where you publish the public "
              "folder before issuing certificates: credentials name it as their issuer")
    print("BACK UP the key file, the registry and credential-keys/ together, encrypted, off "
          "this machine (e.g. tar ... | gpg -c): without the key no code verifies, without "
          "the registry no revocation is known.")
    return 0


def _publish_status(reg) -> Path | None:
    """Rewrite the revocation list and check page where credentials were issued."""
    from .credentials import Issuer

    if not (reg.path.parent / "credential-keys" / "active").is_file():
        return None
    return Issuer.open(reg.path.parent).publish(reg)


def _grade_line(r: dict) -> str:
    """One printed line per graded submission; a revoked or uncertified row says so."""
    line = f"{r['submission']}: {r['score']:g} / {r['max_score']:g} ({r['percent']:g} %)"
    if "certificate_code" in r:
        line += " passed" if r["passed"] else " not passed"
        status = r.get("certificate_status", "")
        if r["certificate_code"]:
            line += f"; certificate {r['certificate_code']}"
        elif status == "revoked":
            line += "; certificate REVOKED (grading never re-issues it; see `reinstate`)"
        elif status.startswith("not certified") and r["passed"]:
            line += f"; {status}"
    if r.get("status", "graded") != "graded":  # refused or broke off: say why
        line += f" [{r['status']}: {(r.get('problems') or [''])[0]}]"
    return line


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m resourcekit.grading")
    sub = parser.add_subparsers(dest="command", required=True)

    b = sub.add_parser("build", help="write student and solution versions of every exercise")
    b.add_argument("--exercises", default="exercises")
    b.add_argument("--out", default=None, help="default: EXERCISES/_build")

    g = sub.add_parser("grade", help="grade a folder of submissions")
    g.add_argument("submissions")
    g.add_argument("--out", required=True,
                   help="results folder (JSON per submission, gradebook.csv)")
    g.add_argument("--exercises", default="exercises")
    g.add_argument("--exercise", default=None, help="grade every submission against this exercise")
    g.add_argument("--jobs", type=int, default=None)
    g.add_argument("--timeout", type=float, default=None,
                   help="per cell [s]; default 30, or the exam file's cell_timeout")
    g.add_argument("--exam", default=None,
                   help="grade every submission against this exam (file or id)")
    g.add_argument("--bank", default=None,
                   help="question bank to use instead of the exam file's (with --exam)")
    g.add_argument("--allow-public-bank", action="store_true",
                   help="issue (practice) certificates for an exam from a public bank")
    g.add_argument("--overwrite", action="store_true",
                   help="write into a non-empty --out (default: a new run-<time> subfolder)")
    g.add_argument("--no-sandbox", action="store_true",
                   help="practice batches only: run kernels WITHOUT the bubblewrap sandbox "
                        "(learner code then runs as this user); exams always need it")
    g.add_argument("--deadline", type=float, default=None,
                   help="seconds for the whole batch; what is not graded by then gets a row "
                        "saying so")
    _store_options(g)

    e = sub.add_parser("exam", help="write one exam notebook per learner")
    e.add_argument("exam", help="exam file, e.g. exercises/exams/physical-separation.yml")
    e.add_argument("--learners", required=True, help="CSV with columns learner_id,name")
    e.add_argument("--out", required=True, help="folder for <learner_id>.ipynb")
    e.add_argument("--solutions", action="store_true",
                   help="fill in the reference answers (for lecturers and tests)")
    e.add_argument("--bank", default=None,
                   help="question bank to use instead of the exam file's (e.g. a private one)")
    e.add_argument("--lang", default="en", choices=["en", "ja"],
                   help="language of the handout (ja: from the bank's catalogue "
                        "locales/ja/LC_MESSAGES/<bank>.po; the answers are the same)")
    _store_options(e, registry=False)
    bp = sub.add_parser("bank-pot", help="write or update a bank's translation catalogue "
                                         "(locales/<lang>/LC_MESSAGES/<bank>.po beside it)")
    bp.add_argument("bank", help="question bank file, e.g. exercises/bank/course.yml")
    bp.add_argument("--lang", default="ja", choices=["ja"])

    v = sub.add_parser("verify", help="check a certificate code, a certificate HTML file, or "
                                      "an Open Badges credential (.jwt) with the public key")
    v.add_argument("code")
    v.add_argument("--jwks", default=None,
                   help="the issuer's public keys (default: public/jwks.json beside the registry)")
    v.add_argument("--status-list", default=None,
                   help="the issuer's revocation list (default: public/status/1.jwt)")
    _store_options(v)

    rk = sub.add_parser("rotate-key", help="new credential signing key; old credentials stay "
                                           "verifiable (their keys stay in jwks.json)")
    _store_options(rk)

    r = sub.add_parser("revoke", help="withdraw a certificate code (recorded in the registry)")
    r.add_argument("code")
    r.add_argument("--reason", required=True, help="why (kept in the registry)")
    _store_options(r)

    ri = sub.add_parser("reinstate",
                        help="undo a revocation (the only way back; recorded with the reason)")
    ri.add_argument("code")
    ri.add_argument("--reason", required=True, help="why (kept in the registry's event log)")
    _store_options(ri)

    ini = sub.add_parser("init", help="create the academy key, the registry and the credential "
                                      "signing key; print where they are and what to back up")
    _store_options(ini)

    ls = sub.add_parser("registry", help="list the codes recorded in the registry")
    ls.add_argument("--exam", default=None)
    ls.add_argument("--backup", default=None, metavar="FILE",
                    help="write a consistent copy of the registry to FILE (a new file)")
    _store_options(ls)

    s = sub.add_parser("selftest", help="solution must score 100 %%, student version 0")
    s.add_argument("masters", nargs="+")

    from .bankcheck import add_arguments as _bank_check_arguments

    _bank_check_arguments(sub.add_parser(
        "bank-check", help="check a question bank: independent answers, wrong methods "
                           "rejected over the parameter ranges, every lesson covered"))

    args = parser.parse_args(argv)
    _apply_store_options(args)
    if "RESOURCEKIT_CERT_KEY" in os.environ:
        # read it now and delete it from this process's environment, before any worker or
        # kernel starts (load_key warns that a key file is safer)
        from .certificates import load_key

        load_key()
    if args.command == "bank-check":
        from .bankcheck import run as _bank_check

        return _bank_check(args)
    if args.command == "bank-pot":
        from .i18n import update_bank_catalogue

        print(update_bank_catalogue(args.bank, args.lang))
        return 0
    if args.command == "build":
        from .exercise_batch import build_exercises

        for student, solution in build_exercises(args.exercises, args.out):
            print(f"{student}\n{solution}")
        return 0
    if args.command == "grade":
        from .exam_batch import find_exam
        from .exercise_batch import grade_batch
        from .report import ensure_results_dir

        start = time.perf_counter()
        exam = args.exam
        if args.bank is not None:
            if exam is None:
                parser.error("--bank needs --exam")
            from .exam import load_exam

            exam = load_exam(find_exam(exam, Path(args.exercises) / "exams"), bank=args.bank)
        out = ensure_results_dir(args.out, overwrite=args.overwrite)
        if out != Path(args.out):
            print(f"{args.out} holds an earlier run: writing to {out} (--overwrite to reuse it)")
        extra = {"allow_public_bank": True} if args.allow_public_bank else {}
        extra["deadline"] = args.deadline
        if args.no_sandbox:
            extra["sandbox"] = False
        records = grade_batch(args.submissions, out, exercises_dir=args.exercises,
                              exercise=args.exercise, jobs=args.jobs, cell_timeout=args.timeout,
                              exam=exam, **extra)
        for r in records:
            print(_grade_line(r))
        print(f"graded {len(records)} submission(s) in {time.perf_counter() - start:.1f} s; "
              f"gradebook: {out / 'gradebook.csv'}")
        return 0
    if args.command == "exam":
        from .exam import load_exam, write_exam
        from .exam_batch import find_exam
        from .keys import key_from_environment, key_path

        new_key = not key_path().is_file() and not key_from_environment()
        paths = write_exam(find_exam(args.exam, Path(args.exam).parent), args.learners,
                           args.out, solutions=args.solutions, bank=args.bank, lang=args.lang)
        for path in paths:
            print(path)
        print(f"wrote {len(paths)} exam notebook(s) to {args.out}")
        if new_key:
            print(f"created the academy key {key_path()}: BACK IT UP (grading and verifying "
                  "need this same key; `init` prints everything to back up)")
        exam = load_exam(find_exam(args.exam, Path(args.exam).parent), bank=args.bank)
        print(f"bank: {exam.bank_path} ({exam.visibility}, fingerprint {exam.bank_sha256[:12]})")
        if exam.public_bank:
            print("PRACTICE: these handouts come from the public practice bank (its solutions "
                  "are published); they are practice, and no certificate is issued for them "
                  "unless graded with --allow-public-bank, and then it says 'practice'. For a "
                  "certification exam pass --bank PATH (BANK=PATH with make exam).")
        return 0
    if args.command == "verify":
        return _verify(args.code, args.jwks, args.status_list)
    if args.command == "rotate-key":
        from .credentials import Issuer
        from .registry import Registry, registry_path

        issuer = Issuer.open(registry_path().parent)
        kid = issuer.rotate()
        with Registry() as reg:
            public = issuer.publish(reg)
        print(f"new signing key {kid}\n  private: {issuer.keys} (back it up with the key file)"
              f"\n  publish: {public} (jwks.json keeps every earlier key)")
        return 0
    if args.command == "revoke":
        from .certificates import CertificateError, verify_code
        from .registry import Registry

        try:
            verified = verify_code(args.code)
            with Registry() as reg:
                entry = reg.revoke(args.code.strip(), args.reason, verified=verified)
                published = _publish_status(reg)
        except (CertificateError, ValueError) as err:
            print(f"NOT REVOKED: {err}", file=sys.stderr)
            return 1
        print(f"revoked: {verified.name} ({verified.learner_id}), {verified.exam}, "
              f"{verified.date}\n  {entry.line()}")
        if published:
            print(f"  revocation list and check page rewritten in {published}: publish them")
        return 0
    if args.command == "init":
        return _init()
    if args.command == "reinstate":
        from .certificates import CertificateError
        from .registry import Registry

        try:
            with Registry() as reg:
                entry = reg.reinstate(args.code.strip(), args.reason)
                _publish_status(reg)
        except (CertificateError, ValueError) as err:
            print(f"NOT REINSTATED: {err}", file=sys.stderr)
            return 1
        print(f"reinstated: {entry.name} ({entry.learner_id}), {entry.exam}, {entry.date}\n"
              f"  {entry.line()} (reason recorded: {args.reason.strip()})")
        return 0
    if args.command == "registry":
        from .certificates import CertificateError
        from .registry import Registry

        with Registry() as reg:
            entries = reg.entries(args.exam)
            if args.backup:
                try:
                    print(f"backup: {reg.backup(args.backup)}")
                except CertificateError as err:
                    print(f"NO BACKUP: {err}", file=sys.stderr)
                    return 1
        for e in entries:
            print(f"{e.status:10} {e.exam} {e.learner_id} {e.date} "
                  f"{(e.score or 0):g}/{(e.max_score or 0):g} {e.code}")
        print(f"{len(entries)} code(s) in {reg.path}")
        return 0
    if args.command == "selftest":
        from .exercise_batch import selftest

        bad = 0
        for master in args.masters:
            out = selftest(master)
            ok = out["solution"] == 100 and out["student"] == 0
            bad += not ok
            print(f"{master}: solution {out['solution']:g} %, student {out['student']:g} % "
                  f"{'OK' if ok else 'FAIL'}")
            if not ok:
                for line in out["solution_feedback"]:
                    print("   solution:", line)
                for line in out["student_feedback"]:
                    print("   student:", line)
        return 1 if bad else 0
    return 2


if __name__ == "__main__":
    sys.exit(main())
