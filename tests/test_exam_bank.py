"""The course question bank (lessons 01-10) and the certification exam drawn from it.

Every expected answer the bank's solution code computes (in the grader's process, through the
toolkit) is checked here against an independent hand calculation from the question's own
numbers, for several learners; choice keys are checked against the right text. A slow test
grades the solution notebooks of several learners in one batch (full marks) and an unanswered
one (zero).
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import nbformat
import numpy as np
import pytest
import yaml
from resourcekit.grading.exam import exam_notebook, expected_for, load_exam, variant

REPO = Path(__file__).resolve().parents[1]
BANK = REPO / "exercises" / "bank" / "course.yml"
CERT = REPO / "exercises" / "exams" / "certificate-course.yml"
KEY = b"exam-bank-test-key-0123456789abcdef"
LEARNERS = ("alice", "bob", "carol", "d.ito", "learner-42")

# CI chondrite, McDonough & Sun (1995) Chem. Geol. 120:223-253, Table 1 [ppm]
CI = {"La": 0.237, "Sm": 0.148, "Eu": 0.0563, "Gd": 0.199, "Yb": 0.161}
# standard atomic weights (IUPAC 2021) [g/mol]
M_LA, M_O = 138.905, 15.999
LN3 = math.log(3.0)

# The lesson each question belongs to: at least three per lesson, numeric and conceptual.
BANK_LESSONS = [f"{i:02d}" for i in range(1, 15)]     # the bank's and the certificate exam's


def _bank_ids() -> list[str]:
    return list(yaml.safe_load(BANK.read_text(encoding="utf-8"))["questions"])


@pytest.fixture(scope="module")
def full_exam(tmp_path_factory):
    """An exam of every bank question (the bank's names are unique across the bank)."""
    path = tmp_path_factory.mktemp("bank") / "all.yml"
    path.write_text(yaml.safe_dump({"id": "course-all", "bank": str(BANK), "pass_mark": 0.7,
                                    "questions": _bank_ids()}), encoding="utf-8")
    return load_exam(path)


@pytest.fixture(scope="module")
def answers(full_exam):
    """{learner: ({question id: params}, {question id: expected})}, computed once."""
    out = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for lid in LEARNERS:
            params = variant(full_exam, lid, key=KEY)
            expected = expected_for(full_exam, lid, key=KEY)
            by_id = {q.id: expected[f"q{i}"] for i, q in enumerate(full_exam.questions, 1)}
            out[lid] = (params, by_id)
    return out


# --- hand calculations, one per numeric question ------------------------------------------

def _se_masses(F, f, C, c):
    """Schulz (1970) SE = R_A - R_notA from weighed products (Oki, column 19)."""
    return C * c / (F * f) - C * (1 - c) / (F * (1 - f))


def _order_by_se(p):
    se = {}
    for k, y, t in zip("ABC", p["l04_yields"], p["l04_tails"], strict=True):
        c = (0.10 - (1 - y) * t) / y  # F f = C c + T t with F = 1, f = 0.10
        se[k] = _se_masses(1.0, 0.10, y, c)
    return "".join(sorted(se, key=se.get, reverse=True))


def _best_threshold(metal, gangue):
    best, best_se = None, -2.0
    for th in sorted(set(metal) | set(gangue)):
        se = np.mean(np.array(metal) >= th) - np.mean(np.array(gangue) >= th)
        if se > best_se + 1e-12:
            best, best_se = th, se
    return best


def _rcs_recovery(r, c, s):
    # rougher feed X = F + cleaner tailing + scavenger concentrate (Wills & Finch 2016, ch. 12)
    x = 1.0 / (1 - (1 - c) * r - s * (1 - r))
    return c * r * x


def _cascade(f, rt, ro, n):
    return f * rt**n / (f * rt**n + (1 - f) * ro**n)


def _optimum_stages(f, price, cost, penalty, rt=0.95, ro=0.3, threshold=0.3, max_stages=10):
    profits = []
    for n in range(max_stages + 1):
        y = f * rt**n + (1 - f) * ro**n          # product mass per t of feed
        p = f * rt**n / y
        treated = sum(f * rt**k + (1 - f) * ro**k for k in range(n))  # entering stages 1..n
        value = y * (p * price - (1 - p) * penalty) if p >= threshold else 0.0
        profits.append(value - cost * treated)
    return [int(np.argmax(profits)), max(profits)]


def _reconciled_feed(F, C, T, sF, sC, sT):
    r = F - C - T                                  # x_hat = x - V B^T (B V B^T)^-1 B x
    return F - sF**2 * r / (sF**2 + sC**2 + sT**2)


HAND = {
    "l01-normalise-la": lambda p: p["l01_la_ppm"] / CI["La"],
    "l01-ppb-trap": lambda p: p["l01_eu_ppb"] / 1000 / CI["Eu"],
    "l01-oxide-to-element": lambda p: (p["l01_la2o3_wt"] * 1e4 * 2 * M_LA / (2 * M_LA + 3 * M_O)
                                       / CI["La"]),
    "l02-eu-anomaly-geometric": lambda p: (p["l02_eu"] / CI["Eu"]) / math.sqrt(
        p["l02_sm"] / CI["Sm"] * p["l02_gd"] / CI["Gd"]),
    "l02-eu-anomaly-arithmetic": lambda p: p["l02_eun"] / ((p["l02_smn"] + p["l02_gdn"]) / 2),
    "l02-ce-pr-nd": lambda p: p["l02_cen"] / (p["l02_prn"] ** 2 / p["l02_ndn"]),
    "l02-la-yb": lambda p: (p["l02_la"] / CI["La"]) / (p["l02_yb"] / CI["Yb"]),
    "l03-clr": lambda p: list(np.log(p["l03_parts"]) - np.mean(np.log(p["l03_parts"]))),
    "l03-mahalanobis": lambda p: math.sqrt(sum(((x - m) / s) ** 2 for x, m, s in zip(
        p["l03_x"], p["l03_mu"], p["l03_sd"], strict=True))),
    "l03-false-alarms": lambda p: p["l03_n_lots"] * (1 - p["l03_pct"] / 100),
    "l04-recovery": lambda p: p["l04_c"] * (p["l04_f"] - p["l04_t"]) / (
        p["l04_f"] * (p["l04_c"] - p["l04_t"])),
    "l04-oki-efficiency": lambda p: _se_masses(p["l04_feed_t"], p["l04_feed_pct"] / 100,
                                               p["l04_conc_t"], p["l04_conc_pct"] / 100),
    "l04-order-by-se": _order_by_se,
    "l05-partition-numbers": lambda p: [s / (s + fl) for s, fl in zip(
        p["l05_sink_kg"], p["l05_float_kg"], strict=True)],
    "l05-logistic-sinks": lambda p: 1 / (1 + math.exp(LN3 * (p["l05_rho50"] - p["l05_rho"])
                                                      / p["l05_ep"])),
    "l05-imperfection": lambda p: (round(p["l05_d25"] + p["l05_width"], 3) - p["l05_d25"]) / 2 / (
        (round(p["l05_d25"] + p["l05_width"], 3) + p["l05_d25"]) / 2 - 1),
    "l05-bypass-corrected": lambda p: [(e - p["l05_bypass"]) / (1 - p["l05_bypass"])
                                       for e in p["l05_actual"]],
    "l06-purity-at-threshold": lambda p: [
        sum(x >= p["l06_thr"] for x in p["l06_pe"]) / 8,
        sum(x >= p["l06_thr"] for x in p["l06_pe"]) / max(1, sum(
            x >= p["l06_thr"] for x in p["l06_pe"] + p["l06_pvc"]))],
    "l06-best-threshold": lambda p: _best_threshold(p["l06_sig_metal"], p["l06_sig_gangue"]),
    "l07-circuit-recovery": lambda p: _rcs_recovery(p["l07_r"], p["l07_c"], p["l07_s"]),
    "l07-cascade-purity": lambda p: _cascade(p["l07_feed"], p["l07_keep_target"],
                                             p["l07_keep_other"], p["l07_stages"]),
    "l07-optimum-stages": lambda p: _optimum_stages(p["l07_opt_feed"], p["l07_price"],
                                                    p["l07_cost"], p["l07_penalty"]),
    "l08-two-product-yield": lambda p: (p["l08_f_al"] - p["l08_t_al"]) / (
        p["l08_c_al"] - p["l08_t_al"]),
    "l08-node-imbalance": lambda p: (p["l08_F"] * p["l08_fcu"] - p["l08_C"] * p["l08_ccu"]
                                     - p["l08_T"] * p["l08_tcu"]) / 100,
    "l09-reconcile-node": lambda p: _reconciled_feed(
        p["l09_F"], p["l09_C"], p["l09_T"], 0.02 * p["l09_F"], 0.01 * p["l09_C"],
        0.02 * p["l09_T"]),
    "l09-global-test": lambda p: (p["l09_F2"] - p["l09_C2"] - p["l09_T2"]) ** 2 / (
        3 * p["l09_sd2"] ** 2),
    "l10-metal-recovery": lambda p: p["l10_P"] * p["l10_p"] / (p["l10_F"] * p["l10_f"]),
    "l10-significant-difference": lambda p: abs(p["l10_r1"] - p["l10_r2"]) / math.sqrt(
        p["l10_s1"] ** 2 + p["l10_s2"] ** 2),
}

# --- the right text of every choice question (the key's prefix) and "order these" ----------
RIGHT = {
    "l01-not-determined": ("l01_nd_opts", "Not determined"),
    "l01-paas-shape": ("l01_paas_opts", "PAAS is LREE-enriched"),
    "l02-why-tb-form": ("l02_tb_opts", "Gd can carry its own anomaly"),
    "l02-lambda-slope": ("l02_lambda_opts", "Positive lambda1: the pattern falls"),
    "l03-grouped-split": ("l03_split_opts", "The grouped score"),
    "l03-novel-lot": ("l03_novel_opts", "Report it as unlike any known source"),
    "l04-unreliable-yield": ("l04_unc_opts", "When the concentrate grade is close"),
    "l05-fish-hook": ("l05_hook_opts", "The Whiten model"),
    "l06-liberation-limit": ("l06_lib_opts", "No: the sorter acts on whole particles"),
    # SURE brochure (AIST 2026), as in datasets/sep_sure_recycling_routes: wrought Al -> casting
    "l07-sure-grade": ("l07_sure_opts", "2G: the same kind of material"),
    "l08-which-nodes": ("l08_nodes_opts", "Only nodes whose streams are all measured"),
    "l08-choose-cause": ("l08_cause_opts", "The belt scale"),
    "l09-redundancy": ("l09_red_opts", "Only redundant ones"),
    "l10-sankey-width": ("l10_sankey_opts", "The copper flow of the stream"),
    "l10-covariance": ("l10_cov_opts", "Reconciled values are correlated"),
}
SERIAL_ELIMINATION = ["reconcile all measured values", "apply the global test",
                      "treat the flagged value", "stop when the global test passes"]


def test_bank_covers_every_lesson_with_numeric_and_conceptual_questions(full_exam):
    by_lesson: dict[str, list] = {n: [] for n in BANK_LESSONS}
    for q in full_exam.questions:
        by_lesson[q.id[1:3]].append(q)
        assert q.topic.startswith(q.id[1:3]), (q.id, q.topic)
        assert q.points == (1.0 if q.kind in ("choice", "text") else 2.0), q.id
        assert q.hint, f"{q.id} has no hint"
    for lesson, qs in by_lesson.items():
        assert len(qs) >= 3, f"lesson {lesson}: {len(qs)} questions"
        kinds = {q.kind for q in qs}
        assert kinds & {"number", "numbers"}, f"lesson {lesson} has no numeric question"
        assert kinds & {"choice", "text"}, f"lesson {lesson} has no conceptual question"
    assert full_exam.public_bank  # published solutions: practice only


def test_every_question_is_checked_by_hand():
    # here by hand, or in the bank by an independent `check` formula / `right` text that
    # bank-check proves (tests/test_bankcheck.py)
    items = yaml.safe_load(BANK.read_text(encoding="utf-8"))["questions"]
    in_bank = {qid for qid, item in items.items() if "check" in item or "right" in item}
    here = set(HAND) | set(RIGHT) | {"l09-serial-elimination"}
    assert here <= set(items)
    assert here | in_bank == set(items), sorted(set(items) - here - in_bank)


@pytest.mark.parametrize("qid", sorted(HAND))
def test_numeric_answers_match_a_hand_calculation(answers, full_exam, qid):
    q = next(q for q in full_exam.questions if q.id == qid)
    for lid, (params, expected) in answers.items():
        hand = HAND[qid](params[qid])
        got = expected[qid]
        if isinstance(hand, str):
            assert got == hand, (lid, got, hand)
        elif isinstance(hand, list):
            assert got == pytest.approx(hand, rel=max(q.rtol, 1e-9) / 10, abs=1e-12), lid
        else:
            # the grader's tolerance is q.rtol; the bank must agree with the hand value far
            # inside it (rel 1e-9 unless the solution fits or iterates)
            assert got == pytest.approx(hand, rel=1e-9, abs=1e-12), (lid, got, hand)


@pytest.mark.parametrize("qid", sorted(RIGHT))
def test_choice_keys_point_at_the_right_text(answers, qid):
    name, prefix = RIGHT[qid]
    keys = set()
    for lid, (params, expected) in answers.items():
        options = params[qid][name]
        assert len(options) == 4 and len(set(options)) == 4, options
        assert sum(o.startswith(prefix) for o in options) == 1
        key = expected[qid]
        assert key in "ABCD" and len(key) == 1
        assert options["ABCD".index(key)].startswith(prefix), (lid, key, options)
        keys.add(key)
    assert len(keys) >= 2, f"{qid}: every learner gets the key {keys}"


def test_sure_grade_key_agrees_with_the_course_dataset():
    import pandas as pd

    routes = pd.read_csv(REPO / "datasets" / "sep_sure_recycling_routes" / "data.csv")
    grade = routes.set_index("route").loc["wrought_al_to_casting_alloy", "grade"]
    assert RIGHT["l07-sure-grade"][1].startswith(grade)


def test_order_question_keys(answers):
    for lid, (params, expected) in answers.items():
        steps = params["l09-serial-elimination"]["l09_step_order"]
        order = "".join("ABCD"[[s.startswith(x) for s in steps].index(True)]
                        for x in SERIAL_ELIMINATION)
        assert expected["l09-serial-elimination"] == order, lid
        assert sorted(order) == list("ABCD")


def test_variants_differ_between_learners(answers, full_exam):
    # numbers differ for every numeric question; an option order (one of four) may repeat
    a, b = answers["alice"], answers["bob"]
    numeric = [q.id for q in full_exam.questions if q.kind in ("number", "numbers")]
    assert [qid for qid in numeric if a[0][qid] == b[0][qid]] == []
    assert [qid for qid in numeric if a[1][qid] == b[1][qid]
            and qid not in ("l07-optimum-stages", "l06-best-threshold")] == []


def test_every_variant_is_physically_consistent(full_exam):
    # 60 learners: recoveries, purities, efficiencies and partitions stay in [0, 1]
    fractions = ["l04-recovery", "l04-oki-efficiency", "l05-logistic-sinks",
                 "l07-circuit-recovery", "l07-cascade-purity", "l08-two-product-yield",
                 "l10-metal-recovery"]
    lists = ["l05-partition-numbers", "l05-bypass-corrected", "l06-purity-at-threshold"]
    # only these questions (same exam id, so the same draws): the bank has grown to 90
    import dataclasses

    wanted = {*fractions, *lists, "l07-optimum-stages"}
    full_exam = dataclasses.replace(
        full_exam, questions=[q for q in full_exam.questions if q.id in wanted])
    index = {q.id: f"q{i}" for i, q in enumerate(full_exam.questions, 1)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for i in range(60):
            e = expected_for(full_exam, f"learner-{i}", key=KEY)
            for qid in fractions:
                assert 0 < e[index[qid]] <= 1, (qid, e[index[qid]])
            for qid in lists:
                assert all(0 <= v <= 1 for v in e[index[qid]]), (qid, e[index[qid]])
            assert 0 <= e[index["l07-optimum-stages"]][0] <= 10


def test_published_worked_examples():
    # Oki (TRANSortics column 19): 100 t at 5 % A, 2 t of concentrate at 50 % A -> SE 18.9 %
    assert _se_masses(100, 0.05, 2, 0.50) == pytest.approx(0.1895, abs=5e-4)
    # Wills & Finch (2016) ch. 1 tin example: f 1 %, c 42 %, t 0.2 % -> recovery 80.4 %
    assert HAND["l04-recovery"]({"l04_f": 1.0, "l04_c": 42.0, "l04_t": 0.2}) == pytest.approx(
        0.804, abs=5e-4)
    # lesson 07: R 0.9, C 0.9, S 0.5 -> circuit Cu recovery 0.9 * 0.9 / (1 - 0.09 - 0.05)
    assert _rcs_recovery(0.9, 0.9, 0.5) == pytest.approx(0.81 / 0.86)
    # La2O3 -> La: 2 x 138.905 / 325.807 = 0.8527 (lesson 01)
    assert 2 * M_LA / (2 * M_LA + 3 * M_O) == pytest.approx(0.8527, abs=1e-4)


def test_student_notebook_hides_keys_and_solutions(full_exam, answers):
    nb = exam_notebook(full_exam, "alice", "Alice", key=KEY, seal=False)
    text = nbformat.writes(nb)
    assert "startswith" not in text and "sep.two_product(l04_f" not in text
    cells = [c for c in nb.cells if "answer" in c.metadata.get("tags", [])]
    assert len(cells) == len(full_exam.questions)
    assert all(c.source.rstrip().endswith("# YOUR CODE HERE") for c in cells)
    assert "{l01_nd_opts" not in text
    assert any(f"{letter}. Not determined" in text for letter in "ABCD")


def test_certification_exam_samples_the_three_domains():
    exam = load_exam(CERT)
    domains = {"REE": {"01", "02", "03"},
               "separation": {"04", "05", "06", "07", "12", "13", "14"},
               "mass balance and material flows": {"08", "09", "10", "11"}}
    points = {d: sum(q.points for q in exam.questions if q.id[1:3] in lessons)
              for d, lessons in domains.items()}
    assert all(p >= 0.25 * exam.max_score for p in points.values()), points
    # the whole course, every lesson once at least (11-14 added, issue 21)
    assert {q.id[1:3] for q in exam.questions} == set(BANK_LESSONS)
    kinds = {q.kind for q in exam.questions}
    assert {"number", "choice"} <= kinds
    assert exam.pass_mark == 0.7
    guide = (REPO / "book" / "lecturer-guide.md").read_text(encoding="utf-8")
    assert "certificate-course.yml" in guide and "70 %" in guide


@pytest.mark.slow
def test_solutions_score_full_and_blanks_zero(tmp_path, monkeypatch):
    """Grade, in one batch, the solution notebooks of three learners and one blank notebook."""
    from resourcekit.grading import grade_exams

    # the grader loads the academy key itself: from the variable (read first, then removed)
    monkeypatch.setenv("RESOURCEKIT_CERT_KEY", KEY.decode())
    warnings.simplefilter("ignore")
    path = tmp_path / "all.yml"
    path.write_text(yaml.safe_dump({"id": "course-all", "bank": str(BANK), "pass_mark": 0.7,
                                    "questions": _bank_ids()}), encoding="utf-8")
    exam = load_exam(path)
    subs = tmp_path / "subs"
    subs.mkdir()
    for lid in ("alice", "bob", "carol"):
        nbformat.write(exam_notebook(exam, lid, lid.title(), solutions=True, key=KEY),
                       subs / f"{lid}.ipynb")
    nbformat.write(exam_notebook(exam, "dave", "Dave", key=KEY), subs / "dave.ipynb")
    records = grade_exams(subs, tmp_path / "results", exam=path, jobs=2, cell_timeout=60,
                          certificates=False)
    by = {r["learner_id"]: r for r in records}
    for lid in ("alice", "bob", "carol"):
        wrong = [q for q in by[lid]["questions"] if q["points"] < q["max_points"]]
        assert by[lid]["score"] == exam.max_score, wrong
    assert by["dave"]["score"] == 0
