"""Grading speed: our grader against bare nbclient execution; 100 exam submissions on 2 cores.

(a) one submission of a real exercise (the reference solution of
    ``exercises/04-grade-recovery-yield.ipynb``) graded by ``run_notebook`` + scoring, against
    the baseline "bare nbclient execution of the same notebook" (no answer extraction,
    no timeouts/restart handling, no comparison);
(b) the sandbox's overhead: the same submission graded by ``run_notebook`` in a bubblewrap
    sandbox against the same call without it (target: under 0.3 s per submission);
(c) ``grade_exams`` on 100 submissions of the 10-question academy exam (a mix of reference
    answers and untouched notebooks) with 2 kernels at once, every kernel sandboxed and the
    next one started while the current one runs; measured before the sandbox (issue 9):
    224 s; target: under 150 s.

(d) certificates (issue 22): ``verify`` of a credential with the public key alone, in
    process and as a fresh ``python -m resourcekit.grading verify FILE.jwt`` (baselines:
    ``verify`` of an RK1 code, an HMAC and a registry lookup; a bare interpreter importing
    resourcekit), target under 0.5 s; and issuing 100 certificates with their Open Badges
    credentials (registry, pages, RS256 signatures, revocation list, check page) against the
    same without credentials, target under 5 s. Measured 2026-12-07 on the shared 2-core
    machine (load 8-11): issuing 100 in 1.06 s (0.30 s without credentials); verifying a
    credential 0.3 ms in process (an RK1 code with its registry lookup 0.5 ms); a fresh
    ``verify X.jwt`` process 0.37 s (``import resourcekit`` alone 0.09 s).

``--quick`` grades 20 exam submissions instead of 100 (and scales the figure);
``--credentials-only`` runs (d) alone (seconds, no kernels).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
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


def bench_credentials(report: Report) -> None:
    """(d): verify and issue-100 figures, each against a named baseline in this process."""
    import subprocess

    from resourcekit.grading.certificates import verify_code
    from resourcekit.grading.credentials import verify_credential
    from resourcekit.grading.issuing import issue_for_batch
    from resourcekit.grading.registry import Registry

    key = b"benchmark-key-not-secret-0123456789"

    def records(n: int) -> list[dict]:
        return [{"exam": "physical-separation", "learner_id": f"l{i:03d}", "name": f"L {i}",
                 "title": "Physical separation", "score": 14.0, "max_score": 16.0,
                 "percent": 87.5, "passed": True, "identity_sealed": True,
                 "submission": f"l{i:03d}.ipynb", "submission_sha256": f"{i:064x}",
                 "problems": [], "pass_mark": 0.7, "bank_sha256": "ab" * 32,
                 "bank_visibility": "private",
                 "questions": [{"id": "q1", "points": 14.0, "max_points": 16.0,
                                "feedback": "ok"}]} for i in range(n)]

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        times = {"with": [], "without": []}
        for run in range(3):  # alternate, so a shared machine's load hits both alike
            for label, flag in (("with", None), ("without", False)):
                folder = tmp / f"{label}{run}"
                os.environ["RESOURCEKIT_REGISTRY"] = str(folder / "registry.sqlite")
                start = time.perf_counter()
                out = issue_for_batch(records(100), folder / "results", key=key,
                                      date="2026-05-01", pdf=False, credentials=flag)
                times[label].append(time.perf_counter() - start)
                assert len(out["issued"]) == 100
        report.add("issue 100 certificates with Open Badges credentials (RS256, status list, "
                   "check page)", min(times["with"]), "the same without credentials",
                   min(times["without"]), target="< 5 s")
        folder = tmp / "with0"
        public = folder / "public"
        jwks = json.loads((public / "jwks.json").read_text())
        status = (public / "status" / "1.jwt").read_text()
        token = (folder / "results" / "certificates" / "l000.jwt").read_text()
        code = (folder / "results" / "certificates" / "l000.html").read_text().split(
            'id="verification-code">')[1].split("<")[0]
        registry = folder / "registry.sqlite"

        def by_code() -> None:
            verify_code(code, key)
            with Registry(registry) as reg:
                assert reg.lookup(code).status == "issued"

        def by_credential() -> None:
            assert verify_credential(token, jwks, status).valid

        report.add("verify a credential with the public key and the status list",
                   best_time(by_credential, repeat=5), "verify an RK1 code (HMAC + registry)",
                   best_time(by_code, repeat=5), target="< 0.5 s")
        env = {**os.environ, "RESOURCEKIT_REGISTRY": str(tmp / "none" / "r.sqlite"),
               "RESOURCEKIT_KEY_FILE": str(tmp / "none" / "k")}
        cli = [sys.executable, "-m", "resourcekit.grading", "verify",
               str(folder / "results" / "certificates" / "l000.jwt"), "--jwks",
               str(public / "jwks.json"), "--status-list", str(public / "status" / "1.jwt")]

        def fresh_cli() -> None:
            assert subprocess.run(cli, env=env, capture_output=True).returncode == 0

        def bare() -> None:
            subprocess.run([sys.executable, "-c", "import resourcekit"], env=env, check=True)

        report.add("python -m resourcekit.grading verify CREDENTIAL.jwt (fresh process)",
                   best_time(fresh_cli, repeat=3), "python -c 'import resourcekit'",
                   best_time(bare, repeat=3), target="< 0.5 s")


def main() -> None:
    import nbformat
    from resourcekit.grading import expected_answers, grade_exams, read_spec, score
    from resourcekit.grading.authoring import solution_version
    from resourcekit.grading.exam import write_exam
    from resourcekit.grading.runner import run_notebook

    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="20 exam submissions, not 100")
    parser.add_argument("--pairs", type=int, default=7,
                        help="sandboxed/open pairs for the overhead figure")
    parser.add_argument("--overhead-only", action="store_true",
                        help="measure the sandbox overhead only, not the exam batch")
    parser.add_argument("--credentials-only", action="store_true",
                        help="measure verify and issuing 100 credentials only (no kernels)")
    args = parser.parse_args()
    report = Report("bench_grading")
    if args.credentials_only:
        bench_credentials(report)
        print(f"results: {report.save()}")
        return
    os.environ.setdefault("RESOURCEKIT_CERT_KEY", "benchmark-key-not-secret-0123456789")

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

        def graded(sandbox: bool) -> None:
            record = score(spec, run_notebook(path, spec.answer_names, cell_timeout=30,
                                              sandbox=sandbox), expected)
            assert record["percent"] == 100, record

        t_ours = best_time(ours, repeat=3)
        t_bare = best_time(lambda: bare_nbclient(nb), repeat=3)
        report.add("grade one submission of 04-grade-recovery-yield", t_ours,
                   "bare nbclient execution", t_bare, target="< 5 s, ratio near 1")
        # alternate sandboxed and open runs so that the load of a shared machine hits both
        box, open_ = [], []
        for _ in range(args.pairs):
            for flag, times in ((True, box), (False, open_)):
                start = time.perf_counter()
                graded(flag)
                times.append(time.perf_counter() - start)
        t_box, t_open = statistics.median(box), statistics.median(open_)
        report.add("grade one submission, kernel in the bubblewrap sandbox (median)", t_box,
                   "the same without the sandbox (median)", t_open,
                   target="difference < 0.3 s")
        report.note("sandbox overhead per submission (median of paired differences)",
                    statistics.median(b - o for b, o in zip(box, open_, strict=True)), "s",
                    target="< 0.3 s")

    if args.overhead_only:
        print(f"results: {report.save()}")
        return
    bench_credentials(report)
    n = 20 if args.quick else 100
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        learners = tmp / "learners.csv"
        learners.write_text("learner_id,name\n" + "".join(f"l{i:03d},Learner {i}\n"
                                                          for i in range(n)))
        exam = REPO / "exercises" / "exams" / "physical-separation.yml"
        write_exam(exam, learners, tmp / "solved", solutions=True)
        write_exam(exam, learners, tmp / "blank")
        # In chunks of 10, alternating: the grader as it is now (sandboxed kernels, the next
        # one launched and importing the bank's modules while the current one runs) and the
        # baseline "as before issue 9" (unsandboxed kernels started one by one) on the same
        # notebooks, so that the load of a shared machine hits both alike.
        from resourcekit.grading.batch import Task, run_tasks
        from resourcekit.grading.exam import load_exam

        answer_names = load_exam(exam).answer_names
        t_new = t_old = 0.0
        passed = 0
        for c0 in range(0, n, 10):
            subs = tmp / f"subs{c0}"
            subs.mkdir()
            for i in range(c0, min(n, c0 + 10)):  # three in four answer all, one hands in blank
                src = tmp / ("blank" if i % 4 == 3 else "solved") / f"l{i:03d}.ipynb"
                (subs / src.name).write_bytes(src.read_bytes())
            start = time.perf_counter()
            records = grade_exams(subs, tmp / f"results{c0}", exam=exam, jobs=2,
                                  certificates=False)
            t_new += time.perf_counter() - start
            passed += sum(r["passed"] for r in records)
            assert all(r["sandboxed"] for r in records if r["status"] == "graded")
            tasks = [Task(p.name, p.read_text(), answer_names, 30.0)
                     for p in sorted(subs.iterdir())]
            start = time.perf_counter()
            old = run_tasks(tasks, jobs=2, sandbox=False, prestart=False)
            t_old += time.perf_counter() - start
            assert all(not r.errors or r.answers for r in old.values())
        assert passed == n - n // 4, passed
        report.add(f"grade {n} submissions of the 10-question exam, 2 kernels: sandboxed, "
                   "next kernel pre-started and warmed", t_new,
                   "unsandboxed kernels started one by one (as before issue 9)", t_old,
                   target="100 in < 150 s (224 s measured before)")
        report.note("implied time for 100 on an idle 2-core machine (224 s x ratio)",
                    224 * t_new / t_old, "s", target="< 150 s")
        if n != 100:
            report.note("scaled to 100 submissions on this (shared) machine", t_new * 100 / n,
                        "s", target="< 150 s")
    print(f"results: {report.save()}")


if __name__ == "__main__":
    main()
