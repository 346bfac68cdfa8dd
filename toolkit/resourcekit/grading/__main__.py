"""Command line: ``python -m resourcekit.grading {build,grade,selftest,exam,verify} ...``.

``exam EXAM --learners learners.csv --out DIR`` writes ``DIR/<learner_id>.ipynb`` per learner;
``grade DIR --out RESULTS`` grades exercises or exam submissions (certificates for exams);
``verify CODE`` (or ``verify certificate.html``) exits 0 for a genuine code, 1 otherwise.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from . import build_exercises, find_exam, grade_batch, selftest


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

    e = sub.add_parser("exam", help="write one exam notebook per learner")
    e.add_argument("exam", help="exam file, e.g. exercises/exams/physical-separation.yml")
    e.add_argument("--learners", required=True, help="CSV with columns learner_id,name")
    e.add_argument("--out", required=True, help="folder for <learner_id>.ipynb")
    e.add_argument("--solutions", action="store_true",
                   help="fill in the reference answers (for lecturers and tests)")

    v = sub.add_parser("verify", help="check a certificate code (or a certificate HTML file)")
    v.add_argument("code")

    s = sub.add_parser("selftest", help="solution must score 100 %%, student version 0")
    s.add_argument("masters", nargs="+")

    args = parser.parse_args(argv)
    if args.command == "build":
        for student, solution in build_exercises(args.exercises, args.out):
            print(f"{student}\n{solution}")
        return 0
    if args.command == "grade":
        start = time.perf_counter()
        records = grade_batch(args.submissions, args.out, exercises_dir=args.exercises,
                              exercise=args.exercise, jobs=args.jobs, cell_timeout=args.timeout,
                              exam=args.exam)
        for r in records:
            line = f"{r['submission']}: {r['score']:g} / {r['max_score']:g} ({r['percent']:g} %)"
            if "certificate_code" in r:
                line += (f" {'passed' if r['passed'] else 'not passed'}"
                         + (f"; certificate {r['certificate_code']}"
                            if r["certificate_code"] else ""))
            print(line)
        print(f"graded {len(records)} submission(s) in {time.perf_counter() - start:.1f} s; "
              f"gradebook: {Path(args.out) / 'gradebook.csv'}")
        return 0
    if args.command == "exam":
        from .exam import write_exam

        paths = write_exam(find_exam(args.exam, Path(args.exam).parent), args.learners,
                           args.out, solutions=args.solutions)
        for path in paths:
            print(path)
        print(f"wrote {len(paths)} exam notebook(s) to {args.out}")
        return 0
    if args.command == "verify":
        from .certificates import CertificateError, verify_certificate, verify_code

        try:
            if Path(args.code).suffix in (".html", ".htm") and Path(args.code).is_file():
                verified = verify_certificate(args.code)
            else:
                verified = verify_code(args.code)
        except (CertificateError, ValueError) as err:
            print(f"NOT VALID: {err}", file=sys.stderr)
            return 1
        print("VALID certificate")
        for line in verified.lines():
            print(f"  {line}")
        return 0
    if args.command == "selftest":
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
