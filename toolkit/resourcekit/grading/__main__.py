"""Command line: ``python -m resourcekit.grading {build,grade,selftest} ...``."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from . import DEFAULT_CELL_TIMEOUT, build_exercises, grade_batch, selftest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m resourcekit.grading")
    sub = parser.add_subparsers(dest="command", required=True)

    b = sub.add_parser("build", help="write student and solution versions of every exercise")
    b.add_argument("--exercises", default="exercises")
    b.add_argument("--out", default=None, help="default: EXERCISES/_build")

    g = sub.add_parser("grade", help="grade a folder of submissions")
    g.add_argument("submissions")
    g.add_argument("--out", required=True, help="results folder (JSON per submission, gradebook.csv)")
    g.add_argument("--exercises", default="exercises")
    g.add_argument("--exercise", default=None, help="grade every submission against this exercise")
    g.add_argument("--jobs", type=int, default=None)
    g.add_argument("--timeout", type=float, default=DEFAULT_CELL_TIMEOUT, help="per cell [s]")

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
                              exercise=args.exercise, jobs=args.jobs, cell_timeout=args.timeout)
        for r in records:
            print(f"{r['submission']}: {r['score']:g} / {r['max_score']:g} ({r['percent']:g} %)")
        print(f"graded {len(records)} submission(s) in {time.perf_counter() - start:.1f} s; "
              f"gradebook: {Path(args.out) / 'gradebook.csv'}")
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
