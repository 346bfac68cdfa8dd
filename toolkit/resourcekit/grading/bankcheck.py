"""Check a question bank before it is used: ``python -m resourcekit.grading bank-check BANK``.

A bank question carries, besides its toolkit-based ``solution``, what a reviewer needs to trust
it (the format is in ``exercises/bank/course.yml``'s header):

``check``
    An independent formula for the expected answer, written in the item with plain Python,
    :mod:`math` and ``np`` (NumPy) only: never the toolkit, so a changed toolkit default cannot
    move both the solution and its check. Either one expression or statements that set
    ``value``.
``wrong_methods``
    ``{name of the mistake: formula}``: what a learner gets by a plausible wrong method (adding
    the products instead of reconciling the feed, forgetting a unit, using the arithmetic mean
    where the geometric one is asked...).
``right`` / ``distractors`` (choice questions)
    The right option's first words and ``{first words of a distractor: the named mistake it
    stands for}``.
``skill``
    ``compute`` (apply a formula), or one of the understanding skills ``explain``, ``cause``
    (choose the cause), ``predict`` (predict, then compute) and ``transfer`` (a new case).

What :func:`check_bank` checks, per question, over the parameter ranges (every range corner
combination, up to a cap, plus random draws, plus for each wrong method a local search from
the point where it came closest, which finds the narrow bands a sweep steps over, such as a
near-zero imbalance):

1. the ``solution`` and the ``check`` agree (on a subset of the draws: the solution may call the
   toolkit and is slower) to ``check_rtol`` (default :data:`CHECK_RTOL`);
2. no wrong method is accepted: each differs from the check by more than ``margin`` times the
   question's tolerance (``margin`` 2 by default, so that a learner's rounding cannot carry a
   wrong method into the accepted band) in every draw (for ``numbers``: in at least one
   element, so that it never earns full marks); the answer stays within the item's
   ``bounds`` (e.g. ``[0, 1]`` for a recovery) in every draw;
   and no printed scalar parameter of a ``number`` question is within that band of the
   answer in :data:`LEAK_SHARE` or more of the draws (it would give the answer away);
3. a choice question's option lists hold four distinct texts, exactly one right, every other a
   named distractor, the right one not given away by its length, and its key letter moves
   between the option orders;
4. every lesson the bank declares (top-level ``lessons``) has questions and every question
   belongs to a declared lesson (its ``lesson``, its id ``lNN-``, its topic ``NN ...`` or the
   bank's ``topic_lessons`` mapping).

Anything else is a named problem; the command exits 1 when there is one. Like the exam
module, bank-check runs the bank's snippets (imports, data, solution, check, wrong methods) in
its own process: a bank is trusted content written by the academy, never learner code.

>>> rel_distance(1.02, 1.0)
0.02
"""

from __future__ import annotations

import copy
import itertools
import math
import random
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import GradingError
from .exam import value_at

__all__ = ["BankReport", "check_bank", "UNDERSTANDING", "SKILLS", "CHECK_RTOL", "rel_distance",
           "question_lesson", "main"]

#: skills that test understanding (issue 21): explain, choose the cause, predict then compute,
#: transfer to a new case
UNDERSTANDING = ("explain", "cause", "predict", "transfer")
SKILLS = ("compute", *UNDERSTANDING)
#: default agreement asked between a question's solution and its independent check [-]
CHECK_RTOL = 1e-7
#: a parameter within the tolerance of the answer in this share of the draws gives it away
LEAK_SHARE = 0.2
#: a right option longer than this multiple of the mean distractor's length gives itself away
LENGTH_TELL = 1.6
_TOOLKIT = re.compile(r"\b(sep|ree|mb|resourcekit|stocks)\s*\.")
_NUMERIC = ("number", "numbers")


@dataclass
class BankReport:
    """What :func:`check_bank` found: problems (empty when the bank passes) and counts."""

    bank: str
    problems: list[str] = field(default_factory=list)
    per_lesson: dict[str, int] = field(default_factory=dict)
    per_skill: dict[str, int] = field(default_factory=dict)
    n_questions: int = 0
    n_draws: int = 0
    n_wrong_methods: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def understanding_share(self) -> float:
        """Share of questions whose skill is explain, cause, predict or transfer [-]."""
        n = sum(self.per_skill.values())
        return sum(self.per_skill.get(s, 0) for s in UNDERSTANDING) / n if n else 0.0

    def lines(self) -> list[str]:
        out = [f"bank {self.bank}: {self.n_questions} questions, "
               f"{self.n_wrong_methods} wrong methods checked over up to {self.n_draws} "
               f"draws each; understanding share {self.understanding_share:.0%}"]
        out.append("per lesson: " + ", ".join(f"{k}: {v}" for k, v in self.per_lesson.items()))
        out.append("per skill: " + ", ".join(f"{k}: {v}" for k, v in self.per_skill.items()))
        out += [f"PROBLEM {p}" for p in self.problems]
        out.append("bank-check: OK" if self.ok else f"bank-check: {len(self.problems)} problem(s)")
        return out


def rel_distance(got: float, expected: float) -> float:
    """|got - expected| / |expected| (absolute distance when ``expected`` is 0).

    >>> rel_distance(0.0, 0.0)
    0.0
    """
    return abs(got - expected) / abs(expected) if expected else abs(got - expected)


# --- reading ------------------------------------------------------------------------------

def _load(path: Path) -> dict[str, Any]:
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as err:
        raise GradingError(f"bank {path} does not exist") from err
    except yaml.YAMLError as err:
        raise GradingError(f"bank {path} is not valid YAML: {err}") from err
    if isinstance(data, dict) and isinstance(data.get("questions"), list):
        raise GradingError(f"{path} lists question ids: it is an exam file; check its bank "
                           f"({data.get('bank', 'named by its bank: entry')})")
    if not isinstance(data, dict) or not isinstance(data.get("questions"), dict):
        raise GradingError(f"bank {path}: expected a mapping with a 'questions' mapping")
    return data


def question_lesson(qid: str, item: dict[str, Any], topic_lessons: dict[str, Any]) -> str | None:
    """The lesson a question belongs to: ``lesson``, id ``lNN-``, topic ``NN ...`` or mapping.

    >>> question_lesson("l07-x", {}, {})
    '07'
    >>> question_lesson("cut", {"topic": "partition"}, {"partition": 5})
    '05'
    """
    if "lesson" in item:
        return f"{int(item['lesson']):02d}"
    m = re.match(r"^l(\d\d)-", qid)
    if m:
        return m.group(1)
    topic = str(item.get("topic", ""))
    m = re.match(r"^(\d\d)\b", topic)
    if m:
        return m.group(1)
    if topic in topic_lessons:
        return f"{int(topic_lessons[topic]):02d}"
    return None


# --- parameter sweep ----------------------------------------------------------------------

def _corner_us(spec: dict[str, Any]) -> list[list[float]]:
    """Unit-cube coordinates of one parameter's extreme values (every option of a choice).

    A list parameter's corners are spread lists (its low and high ends together, evenly
    spaced, and alternating), not lists of one repeated value, which no draw gives in practice.
    """
    n = int(spec.get("size") or 1)
    if "choice" in spec:
        k = len(spec["choice"])
        return [[(i + 0.5) / k] * n for i in range(k)]
    if "value" in spec:
        return [[0.0] * n]
    top = 1.0 - 1e-12
    if n == 1:
        return [[0.0], [top]]
    even = [top * i / (n - 1) for i in range(n)]
    return [even, even[::-1], [(i % 2) * top for i in range(n)]]


def _draws(params: dict[str, dict[str, Any]], n_random: int, max_corners: int,
           rng: random.Random) -> list[dict[str, list[float]]]:
    """Points of the sweep as unit-cube coordinates per parameter: corners, then draws."""
    names = list(params)
    corner_lists = [_corner_us(params[n]) for n in names]
    combos = list(itertools.product(*[range(len(c)) for c in corner_lists]))
    if len(combos) > max_corners:
        combos = rng.sample(combos, max_corners)
    out = [{n: list(corner_lists[i][j]) for i, (n, j) in enumerate(zip(names, combo,
                                                                        strict=True))}
           for combo in combos]
    for _ in range(n_random):
        out.append({n: [rng.random() for _ in range(int(params[n].get("size") or 1))]
                    for n in names})
    return out


def _values(params: dict[str, dict[str, Any]], us: dict[str, list[float]]) -> dict[str, Any]:
    """The parameter values (rounded as the exam draws them) at unit-cube coordinates."""
    return {n: value_at(params[n], us[n]) for n in params}


# --- evaluating the bank's snippets -------------------------------------------------------

def _compile(text: str, where: str) -> tuple[Any, bool]:
    """(code, is_expression): one expression is evaluated, statements must set ``value``."""
    text = str(text).strip()
    try:
        return compile(text, where, "eval"), True
    except SyntaxError:
        return compile(text, where, "exec"), False


def _run(code: tuple[Any, bool], ns: dict[str, Any]) -> Any:
    compiled, is_expr = code
    if is_expr:
        return eval(compiled, ns)  # trusted bank content, like its solutions
    local = dict(ns)
    exec(compiled, local)
    if "value" not in local:
        raise GradingError("the formula does not set `value`")
    return local["value"]


def _plain(value: Any) -> Any:
    if isinstance(value, str | bool) or value is None:
        return value
    if hasattr(value, "tolist"):
        value = value.tolist()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if hasattr(value, "item"):
        return value.item()
    return float(value) if isinstance(value, int | float) else value


def _elements(value: Any) -> list[tuple[str, Any]]:
    if isinstance(value, dict):
        return [(str(k), v) for k, v in value.items()]
    if isinstance(value, list):
        return [(str(i), v) for i, v in enumerate(value)]
    return [("", value)]


def _near(got: Any, want: Any, rtol: float, atol: float) -> bool:
    try:
        got, want = float(got), float(want)
    except (TypeError, ValueError, OverflowError):
        return got == want
    if not (math.isfinite(got) and math.isfinite(want)):
        return False
    return abs(got - want) <= max(rtol * abs(want), atol)


def _agree(got: Any, want: Any, rtol: float, atol: float) -> str | None:
    """None if every element agrees, else a description of the first that does not."""
    g, w = _elements(_plain(got)), _elements(_plain(want))
    if isinstance(_plain(want), str) or isinstance(_plain(got), str):
        return None if str(got).strip().casefold() == str(want).strip().casefold() else (
            f"{got!r} vs {want!r}")
    if [k for k, _ in g] != [k for k, _ in w]:
        return f"shape {[k for k, _ in g]} vs {[k for k, _ in w]}"
    for (k, a), (_, b) in zip(g, w, strict=True):
        if not _near(a, b, rtol, atol):
            return f"{'element ' + k + ': ' if k else ''}{a!r} vs {b!r}"
    return None


class _Context:
    """The bank's imports, run once; namespaces for data, solution and check snippets."""

    def __init__(self, bank: dict[str, Any], name: str) -> None:
        self.name = name
        self.imports: dict[str, Any] = {"__name__": f"bankcheck_{name}"}
        exec(compile(str(bank.get("imports", "")), f"<{name}:imports>", "exec"), self.imports)
        self.import_names = set(self.imports)

    def inputs(self, qid: str, item: dict[str, Any], params: dict[str, Any],
               data_code: Any) -> dict[str, Any]:
        """Parameters plus what the question's ``data`` snippet derives from them."""
        ns = dict(self.imports)
        ns.update(copy.deepcopy(params))
        if data_code is not None:
            exec(data_code, ns)  # trusted bank content: input data, not the answer
        return {k: v for k, v in ns.items()
                if (k in params or k not in self.import_names) and not k.startswith("__")
                and not hasattr(v, "__spec__")}

    def solve(self, qid: str, item: dict[str, Any], inputs: dict[str, Any],
              code: Any) -> Any:
        ns = dict(self.imports)
        ns.update(copy.deepcopy(inputs))
        exec(code, ns)
        return ns[item["answer"]]


def _check_namespace(inputs: dict[str, Any]) -> dict[str, Any]:
    import numpy as np

    ns = {"math": math, "np": np, "__builtins__": __builtins__}
    ns.update(copy.deepcopy(inputs))
    return ns


# --- the checks ---------------------------------------------------------------------------

def _choice_problems(qid: str, item: dict[str, Any], ctx: _Context) -> list[str]:
    right, distractors = item.get("right"), item.get("distractors")
    if not right or not isinstance(distractors, dict) or not distractors:
        return [f"{qid}: a choice question needs `right` and named `distractors`"]
    unnamed = [d for d, why in distractors.items() if not str(why).strip()]
    if unnamed:
        return [f"{qid}: distractor(s) {unnamed} have no named mistake"]
    opt_params = [n for n, s in (item.get("params") or {}).items()
                  if "choice" in s and all(isinstance(o, list) for o in s["choice"])]
    if len(opt_params) != 1:
        return [f"{qid}: expected one parameter holding the option lists, found {opt_params}"]
    name = opt_params[0]
    problems: list[str] = []
    keys = set()
    code = compile(str(item.get("solution", "")), f"<{qid}:solution>", "exec")
    for options in item["params"][name]["choice"]:
        if len(options) != 4 or len(set(options)) != 4:
            problems.append(f"{qid}: an option list is not four distinct texts")
            continue
        rights = [o for o in options if str(o).startswith(str(right))]
        if len(rights) != 1:
            problems.append(f"{qid}: {len(rights)} options start with the right text {right!r}")
            continue
        for o in options:
            if o in rights:
                continue
            named = [d for d in distractors if str(o).startswith(str(d))]
            if len(named) != 1:
                problems.append(f"{qid}: option {str(o)[:50]!r} is not one named distractor")
        others = [len(str(o)) for o in options if o not in rights]
        if len(str(rights[0])) > LENGTH_TELL * sum(others) / len(others):
            problems.append(f"{qid}: the right option is {len(str(rights[0]))} characters, "
                            f"the distractors {sum(others) / len(others):.0f} on average: "
                            "its length gives it away")
        try:
            key = ctx.solve(qid, item, {name: options}, code)
        except Exception as err:  # noqa: BLE001 - any failure of bank code is a finding
            problems.append(f"{qid}: the solution raises {type(err).__name__}: {err}")
            continue
        if key not in ("A", "B", "C", "D") or options["ABCD".index(key)] != rights[0]:
            problems.append(f"{qid}: the solution's key {key!r} does not point at the right text")
        keys.add(key)
    if not problems and len(keys) < 2:
        problems.append(f"{qid}: every option order has the key {keys}: rotate the options")
    return sorted(set(problems), key=problems.index)


def _gap(wrong: Any, right: Any, rtol: float, atol: float) -> float:
    """How many tolerances a wrong answer misses by (its worst element; inf: not comparable).

    A wrong method is accepted when the gap is at most the margin: for ``numbers`` only if
    every element is (it would get full marks; a chance element earns partial credit).
    """
    wrong, right = _plain(wrong), _plain(right)
    if isinstance(right, str):
        return 0.0 if str(wrong).strip().casefold() == right.casefold() else math.inf
    w, worst = dict(_elements(wrong)), 0.0
    for k, b in _elements(right):
        try:
            a, b = float(w[k]), float(b)
        except (KeyError, TypeError, ValueError, OverflowError):
            return math.inf
        if not (math.isfinite(a) and math.isfinite(b)):
            return math.inf
        tol = max(rtol * abs(b), atol)
        worst = max(worst, abs(a - b) / tol if tol else (0.0 if a == b else math.inf))
    return worst


class _Item:
    """One numeric (or order) question, compiled, with its sweep evaluated point by point."""

    def __init__(self, qid: str, item: dict[str, Any], ctx: _Context) -> None:
        self.qid, self.item, self.ctx = qid, item, ctx
        self.params = item.get("params") or {}
        self.check = _compile(item["check"], f"<{qid}:check>")
        self.methods = {name: _compile(f, f"<{qid}:wrong {name}>")
                        for name, f in (item.get("wrong_methods") or {}).items()}
        # every parameter is printed in the learner's data cell: copying one must not pass
        # (a chance coincidence at a few points is harmless; a leak passes in many draws)
        self.copies = {n: _compile(n, f"<{qid}:{n}>") for n, spec in self.params.items()
                       if item.get("kind", "number") == "number" and spec.get("size") is None
                       and ("uniform" in spec or "integers" in spec)}
        self.solution = compile(str(item.get("solution", "")), f"<{qid}:solution>", "exec")
        self.data = (compile(str(item["data"]), f"<{qid}:data>", "exec") if item.get("data")
                     else None)
        self.rtol, self.atol = float(item.get("rtol", 1e-6)), float(item.get("atol", 0.0))

    def point(self, us: dict[str, list[float]]) -> tuple[dict[str, Any], dict[str, Any], Any]:
        params = _values(self.params, us)
        inputs = self.ctx.inputs(self.qid, self.item, params, self.data)
        return params, inputs, _run(self.check, _check_namespace(inputs))

    def gap(self, code: Any, inputs: dict[str, Any], value: Any) -> float:
        try:
            wrong = _run(code, _check_namespace(inputs))
        except (ZeroDivisionError, ValueError, OverflowError, FloatingPointError):
            return math.inf  # the mistake crashes: never accepted
        return _gap(wrong, value, self.rtol, self.atol)

    def refine(self, code: Any, us: dict[str, list[float]], gap: float, rng: random.Random,
               steps: int) -> tuple[float, dict[str, list[float]]]:
        """Search near the closest point for parameters where the mistake comes closer still.

        A random local search in the unit cube of the continuous parameters (step halved
        after every 25 failures): a sweep can step over a narrow band where a mistake is
        accepted (a near-zero imbalance, a ratio near 1); this walks into it.
        """
        free = [(n, i) for n, spec in self.params.items()
                if "uniform" in spec or "integers" in spec for i in range(len(us[n]))]
        if not free or not math.isfinite(gap):
            return gap, us
        step, misses = 0.2, 0
        for _ in range(steps):
            n, i = rng.choice(free)
            trial = {k: list(v) for k, v in us.items()}
            trial[n][i] = min(max(trial[n][i] + rng.uniform(-step, step), 0.0), 1.0 - 1e-12)
            try:
                _, inputs, value = self.point(trial)
            except Exception:  # noqa: BLE001 - outside the check's domain: not a candidate
                continue
            g = self.gap(code, inputs, value)
            if g < gap:
                gap, us, misses = g, trial, 0
            else:
                misses += 1
                if misses >= 25:
                    step, misses = step / 2, 0
        return gap, us


def _numeric_problems(qid: str, item: dict[str, Any], ctx: _Context, draws: list[dict],
                      n_solution: int, margin: float, rng: random.Random,
                      refine_steps: int) -> tuple[list[str], int]:
    kind = item.get("kind", "number")
    if "check" not in item:
        return [f"{qid}: no independent `check` formula"], 0
    texts = [str(item["check"]), *map(str, (item.get("wrong_methods") or {}).values())]
    if any(_TOOLKIT.search(t) for t in texts):
        return [f"{qid}: a check or wrong-method formula calls the toolkit; write it by hand"], 0
    if kind in _NUMERIC and not item.get("wrong_methods"):
        return [f"{qid}: a numeric question needs `wrong_methods` (the plausible mistakes)"], 0
    try:
        q = _Item(qid, item, ctx)
    except SyntaxError as err:
        return [f"{qid}: a snippet does not compile: {err}"], 0
    c_rtol = float(item.get("check_rtol", CHECK_RTOL))
    c_atol = float(item.get("check_atol", q.atol / 10))
    problems: list[str] = []
    closest = {name: (math.inf, draws[0] if draws else {}) for name in q.methods}
    copied = dict.fromkeys(q.copies, 0)
    # corners first, then random draws; the (slower) solution on the first and last few
    solve_at = set(range(min(n_solution // 2, len(draws))))
    solve_at |= set(range(len(draws) - (n_solution - len(solve_at)), len(draws)))
    for i, us in enumerate(draws):
        try:
            params, inputs, value = q.point(us)
        except Exception as err:  # noqa: BLE001
            problems.append(f"{qid}: the check raises {type(err).__name__}: {err} at "
                            f"{_values(q.params, us)}")
            break
        bounds = item.get("bounds")
        if bounds is not None and not all(
                float(bounds[0]) <= float(v) <= float(bounds[1])
                for _, v in _elements(_plain(value))):
            problems.append(f"{qid}: the answer {_plain(value)!r} leaves its bounds {bounds} at "
                            f"{params}")
            break
        if i in solve_at:
            try:
                got = ctx.solve(qid, item, inputs, q.solution)
            except Exception as err:  # noqa: BLE001
                problems.append(f"{qid}: the solution raises {type(err).__name__}: {err} at "
                                f"{params}")
                break
            diff = _agree(got, value, c_rtol, c_atol)
            if diff:
                problems.append(f"{qid}: solution and check disagree ({diff}) at {params}")
                break
        for name, code in q.methods.items():
            g = q.gap(code, inputs, value)
            if g < closest[name][0]:
                closest[name] = (g, us)
        for name, code in q.copies.items():
            copied[name] += q.gap(code, inputs, value) <= margin
    for name, code in q.methods.items():
        gap, us = closest[name]
        if gap > margin:
            gap, us = q.refine(code, us, gap, rng, refine_steps)
        if gap <= margin:
            where = "every element" if kind == "numbers" else "the answer"
            problems.append(f"{qid}: wrong method {name!r} is accepted ({where} within "
                            f"{margin:g} x the tolerance) at {_values(q.params, us)}")
    for name, n in copied.items():
        if draws and n / len(draws) >= LEAK_SHARE:
            problems.append(f"{qid}: the parameter `{name}` gives the answer away (within "
                            f"{margin:g} x the tolerance in {n} of {len(draws)} draws)")
    return problems, len(q.methods)


def check_bank(path: str | Path, *, draws: int = 200, max_corners: int = 256,
               solution_draws: int = 12, margin: float = 2.0, seed: int = 0,
               refine_steps: int = 150, lessons: Iterable[str] | None = None) -> BankReport:
    """Check every question of a bank (see the module docstring for what is proved).

    Parameters
    ----------
    path : path
        The bank (YAML).
    draws : int
        Random parameter draws per question, on top of the range corners.
    max_corners : int
        At most this many corner combinations per question (a random subset beyond).
    solution_draws : int
        Draws at which the toolkit solution is run and compared with the check.
    margin : float
        A wrong method must miss by more than ``margin`` times the tolerance [-].
    seed : int
        Seed of the sweep (the result must not depend on it; change it to probe).
    refine_steps : int
        Steps of the local search for each wrong method from its closest point.
    lessons : iterable of str, optional
        Lessons that must have questions (default: the bank's ``lessons`` keys).

    Returns
    -------
    BankReport
    """
    for name, number in (("draws", draws), ("max_corners", max_corners),
                         ("solution_draws", solution_draws), ("refine_steps", refine_steps)):
        if not isinstance(number, int) or isinstance(number, bool) or number < 0:
            raise GradingError(f"{name}={number!r}: expected a whole number >= 0")
    if not margin >= 1:
        raise GradingError(f"margin={margin!r}: expected a number >= 1 (times the tolerance)")
    path = Path(path)
    bank = _load(path)
    report = BankReport(bank=str(bank.get("bank", path.stem)))
    items: dict[str, Any] = bank["questions"]
    report.n_questions = len(items)
    declared = [f"{int(x):02d}" for x in (lessons if lessons is not None
                                          else (bank.get("lessons") or {}))]
    if not declared:
        report.problems.append("the bank declares no `lessons` (lesson number: title)")
    report.per_lesson = dict.fromkeys(declared, 0)
    topic_lessons = bank.get("topic_lessons") or {}
    rng = random.Random(seed)
    ctx = _Context(bank, report.bank)
    report.n_draws = draws + max_corners
    for qid, item in items.items():
        if not isinstance(item, dict):
            report.problems.append(f"{qid}: not a mapping")
            continue
        lesson = question_lesson(qid, item, topic_lessons)
        if lesson is None or lesson not in report.per_lesson:
            report.problems.append(f"{qid}: belongs to no declared lesson ({lesson})")
        else:
            report.per_lesson[lesson] += 1
        skill = item.get("skill")
        if skill not in SKILLS:
            report.problems.append(f"{qid}: skill {skill!r} is not one of {SKILLS}")
        else:
            report.per_skill[skill] = report.per_skill.get(skill, 0) + 1
        kind = item.get("kind", "number")
        if kind == "choice":
            report.problems += _choice_problems(qid, item, ctx)
            continue
        sweep = _draws(item.get("params") or {}, draws, max_corners, rng)
        found, n = _numeric_problems(qid, item, ctx, sweep, solution_draws, margin, rng,
                                     refine_steps)
        report.problems += found
        report.n_wrong_methods += n
    report.problems += [f"lesson {k}: no questions" for k, v in report.per_lesson.items()
                        if v == 0]
    return report


def main(argv: list[str] | None = None) -> int:
    """``bank-check BANK [--draws N] [--margin M] [--seed S]``: print the report, exit 1 on a
    problem."""
    import argparse

    p = argparse.ArgumentParser(prog="python -m resourcekit.grading bank-check")
    add_arguments(p)
    return run(p.parse_args(argv))


def add_arguments(p: Any) -> None:
    """The ``bank-check`` options (shared with ``python -m resourcekit.grading``)."""
    p.add_argument("bank", help="question bank (YAML), e.g. exercises/bank/course.yml")
    p.add_argument("--draws", type=int, default=200, help="random draws per question")
    p.add_argument("--margin", type=float, default=2.0,
                   help="a wrong method must miss by more than this x the tolerance")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--lessons", default=None,
                   help="comma-separated lessons that must have questions (default: the "
                        "bank's `lessons`)")


def run(args: Any) -> int:
    """Run ``bank-check`` for parsed arguments; 0 when the bank passes, 1 otherwise."""
    import sys

    lessons = args.lessons.split(",") if args.lessons else None
    try:
        report = check_bank(args.bank, draws=args.draws, margin=args.margin, seed=args.seed,
                            lessons=lessons)
    except GradingError as err:
        print(f"bank-check: {err}", file=sys.stderr)
        return 1
    for line in report.lines():
        print(line)
    return 0 if report.ok else 1
