"""Grading speed: our grader against bare nbclient execution; 100 exam submissions on 2 cores.

(a) one submission of a real exercise (the reference solution of
    ``exercises/04-grade-recovery-yield.ipynb``) graded by ``run_notebook`` + scoring, against
    the baseline "bare nbclient execution of the same notebook" (no answer extraction,
    no timeouts/restart handling, no comparison);
(b) ``grade_exams`` on 100 submissions of the 10-question academy exam (a mix of reference
    answers and untouched notebooks) with 2 kernels at once; target: under 5 minutes.

``--quick`` grades 10 exam submissions instead of 100 (and scales the figure).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _common import Report, best_time  # noqa: E402

REPO = Path(__file__).resolve().parents[1]


def bare_nbclient(nb) -> None:
    import nbclient
    import nbformat

    copy = nbformat.from_dict(nb)
    nbclient.NotebookClient(copy, timeout=120, kernel_name="python3").execute()


def main() -> None:
    import nbformat
    from resourcekit.grading import expected_answers, grade_exams, read_spec, score
    from resourcekit.grading.authoring import solution_version
    from resourcekit.grading.exam import write_exam
    from resourcekit.grading.runner import run_notebook

    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="10 exam submissions, not 100")
    args = parser.parse_args()
    os.environ.setdefault("RESOURCEKIT_CERT_KEY", "benchmark-key-not-secret-0123456789")
    report = Report("bench_grading")

    master = REPO / "exercises" / "04-grade-recovery-yield.ipynb"
    spec = read_spec(master)
    expected = expected_answers(master, spec)
    nb = solution_version(master)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "submission.ipynb"
        nbformat.write(nb, path)

        def ours() -> None:
            record = score(spec, run_notebook(path, spec.answer_names, cell_timeout=30),
                           expected)
            assert record["percent"] == 100, record

        t_ours = best_time(ours, repeat=3)
        t_bare = best_time(lambda: bare_nbclient(nb), repeat=3)
        report.add("grade one submission of 04-grade-recovery-yield", t_ours,
                   "bare nbclient execution", t_bare, target="< 5 s, ratio near 1")

    n = 10 if args.quick else 100
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        learners = tmp / "learners.csv"
        learners.write_text("learner_id,name\n" + "".join(f"l{i:03d},Learner {i}\n"
                                                          for i in range(n)))
        exam = REPO / "exercises" / "exams" / "physical-separation.yml"
        write_exam(exam, learners, tmp / "solved", solutions=True)
        write_exam(exam, learners, tmp / "blank")
        subs = tmp / "subs"
        subs.mkdir()
        for i in range(n):  # three in four answer everything, one in four hands in blank
            src = tmp / ("blank" if i % 4 == 3 else "solved") / f"l{i:03d}.ipynb"
            (subs / src.name).write_bytes(src.read_bytes())
        start = time.perf_counter()
        records = grade_exams(subs, tmp / "results", exam=exam, jobs=2)
        total = time.perf_counter() - start
        passed = sum(r["passed"] for r in records)
        assert passed == n - n // 4, passed
        report.note(f"grade {n} submissions of the 10-question exam, 2 kernels", total, "s",
                    target="100 in < 300 s")
        if n != 100:
            report.note("scaled to 100 submissions", total * 100 / n, "s", target="< 300 s")
    print(f"results: {report.save()}")


if __name__ == "__main__":
    main()
