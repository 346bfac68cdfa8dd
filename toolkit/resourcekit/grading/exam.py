"""Exams from a question bank: per-learner variants, exam notebooks, expected answers.

An exam file (``exercises/exams/*.yml``) names a question bank (``exercises/bank/*.yml``), a pass
mark and the questions it uses. Each learner gets their own numbers: every parameter of every
question is drawn from a secret seed, HMAC-SHA256(academy key, ``exam id | learner id``)
(:func:`learner_seed`), then SHA-256 of ``seed | question | parameter``, so neighbours get
different numbers, the same id always gets the same variant, and nobody without the academy
key can compute anyone's numbers, even with the bank and this code in hand (the draw uses the
hash directly, not a random-number generator whose stream could change between versions).

Banks: public and private
-------------------------
A bank's top-level ``visibility`` is ``public-practice`` (its questions and solutions are
published, like the one shipped in ``exercises/bank/``) or ``private`` (the default: an
academy's own bank, kept outside the repository and named with ``--bank PATH`` or an absolute
``bank:`` path in the exam file). Certificates are issued only for exams from a private bank,
unless the lecturer passes ``--allow-public-bank``; such a certificate then says "practice
certificate" in its signed code and on its page.

Trust model
-----------
* The learner id used for grading is the submission's **file name** ``<learner_id>.ipynb`` as
  written by :func:`write_exam`, never a value read from notebook content.
* The grader recomputes the learner's parameters from that id and runs the bank's reference
  solutions **in its own process** (:func:`expected_for`); the learner's kernel only ever
  sends back plain data. Editing the data cells or the learner id shown in the notebook
  changes what the learner computes, not what is expected.
* The notebook metadata carries a seal (HMAC, see :mod:`.keys`) over exam id, learner
  id and name; a renamed file or edited metadata breaks it, and no certificate is issued.

The bank is trusted content written by the academy (its ``solution`` and ``data`` snippets run
in the grader's process); learner code is not.
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from .authoring import KINDS, ExerciseSpec, Question

__all__ = [
    "ExamError",
    "BankQuestion",
    "Exam",
    "load_exam",
    "learner_seed",
    "variant",
    "expected_for",
    "exam_spec",
    "exam_notebook",
    "read_learners",
    "write_exam",
    "LEARNER_ID",
    "BANK_VISIBILITIES",
]

LEARNER_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_PARAM_KINDS = ("uniform", "integers", "choice", "value")
BANK_VISIBILITIES = ("public-practice", "private")


class ExamError(ValueError):
    """An exam, bank or learner list does not follow the expected format."""


@dataclass(frozen=True)
class BankQuestion:
    """One question of the bank, before a learner's numbers are drawn."""

    id: str
    topic: str
    points: float
    kind: str
    answer: str
    prompt: str
    solution: str
    params: dict[str, dict[str, Any]] = field(default_factory=dict)
    data: str = ""
    show: tuple[str, ...] = ()
    rtol: float = 1e-6
    atol: float = 0.0
    hint: str = ""
    expected: Any = None
    has_literal: bool = False


@dataclass
class Exam:
    """An exam: id, title, pass mark and its questions drawn from a bank."""

    id: str
    title: str
    pass_mark: float
    questions: list[BankQuestion]
    imports: str = ""
    cell_timeout: float = 30.0
    path: Path | None = None
    sha256: str = ""
    bank_path: Path | None = None
    visibility: str = "private"
    bank_sha256: str = ""
    titles: dict[str, str] = field(default_factory=dict)  # other languages: {"ja": ...}

    @property
    def public_bank(self) -> bool:
        """True when the questions come from a public practice bank (solutions published)."""
        return self.visibility == "public-practice"

    @property
    def max_score(self) -> float:
        return float(sum(q.points for q in self.questions))

    @property
    def topics(self) -> dict[str, float]:
        """Points per topic, in order of first appearance."""
        out: dict[str, float] = {}
        for q in self.questions:
            out[q.topic] = out.get(q.topic, 0.0) + q.points
        return out

    @property
    def answer_names(self) -> list[str]:
        return [q.answer for q in self.questions]


def _yaml(path: Path) -> dict[str, Any]:
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as err:
        raise ExamError(f"file {path} does not exist") from err
    except yaml.YAMLError as err:
        raise ExamError(f"{path} is not valid YAML: {err}") from err
    if not isinstance(data, dict):
        raise ExamError(f"{path}: expected a mapping at the top level, got {type(data).__name__}")
    return data


def _bank_question(qid: str, item: Any, where: str) -> BankQuestion:
    if not isinstance(item, dict):
        raise ExamError(f"{where}: question {qid!r} must be a mapping")
    missing = [k for k in ("answer", "points", "prompt", "solution") if k not in item]
    if missing and "expected" in item and missing == ["solution"]:
        missing = []
    if missing:
        raise ExamError(f"{where}: question {qid!r} lacks {', '.join(missing)}")
    kind = item.get("kind", "number")
    if kind not in KINDS:
        raise ExamError(f"{where}: question {qid!r} has kind {kind!r}; expected one of {KINDS}")
    params = item.get("params") or {}
    for name, spec in params.items():
        if not isinstance(spec, dict) or not any(k in spec for k in _PARAM_KINDS):
            raise ExamError(f"{where}: parameter {name!r} of {qid!r} needs one of {_PARAM_KINDS}")
    return BankQuestion(
        id=str(qid), topic=str(item.get("topic", "general")), points=float(item["points"]),
        kind=kind, answer=str(item["answer"]), prompt=str(item["prompt"]),
        solution=str(item.get("solution", "")), params=dict(params),
        data=str(item.get("data", "") or ""), show=tuple(item.get("show", ()) or ()),
        rtol=float(item.get("rtol", 1e-6)), atol=float(item.get("atol", 0.0)),
        hint=str(item.get("hint", "")), expected=item.get("expected"),
        has_literal="expected" in item,
    )


def load_exam(path: str | Path, *, bank: str | Path | None = None) -> Exam:
    """Read an exam file and the questions it draws from its bank.

    Parameters
    ----------
    path : path
        The exam file (``id``, ``bank``, ``questions``, optional ``pass_mark``...).
    bank : path, optional
        A bank file to use instead of the exam's ``bank`` entry (e.g. an academy's private
        bank kept outside the repository).

    Raises
    ------
    ExamError
        Missing fields, an unknown question id, parameter/answer names used twice, or a bank
        ``visibility`` other than ``public-practice`` / ``private``.
    """
    path = Path(path)
    data = _yaml(path)
    for key in ("id", "bank", "questions"):
        if key not in data:
            raise ExamError(f"{path}: the exam needs {key!r}")
    exam_id = str(data["id"])
    if not LEARNER_ID.match(exam_id):
        raise ExamError(f"{path}: exam id {exam_id!r} must be letters, digits, '-', '_' or '.'")
    bank_path = (Path(bank).expanduser() if bank is not None
                 else path.parent / str(data["bank"])).resolve()
    bank = _yaml(bank_path)
    visibility = str(bank.get("visibility", "private"))
    if visibility not in BANK_VISIBILITIES:
        raise ExamError(f"{bank_path}: visibility {visibility!r} must be one of "
                        f"{BANK_VISIBILITIES}")
    items = bank.get("questions") or {}
    chosen = []
    for entry in data["questions"]:
        qid = entry if isinstance(entry, str) else (entry or {}).get("id")
        if qid not in items:
            raise ExamError(f"{path}: question {qid!r} is not in the bank {bank_path.name}; "
                            f"known: {sorted(items)}")
        q = _bank_question(qid, items[qid], bank_path.name)
        if isinstance(entry, dict) and "points" in entry:
            q = BankQuestion(**{**q.__dict__, "points": float(entry["points"])})
        chosen.append(q)
    ids = [q.id for q in chosen]
    if len(set(ids)) != len(ids):
        raise ExamError(f"{path}: a question appears twice; question ids must be unique "
                        f"within an exam: {ids}")
    seen: dict[str, str] = {}
    for q in chosen:
        for name in [q.answer, *q.params, *q.show]:
            if seen.get(name, q.id) != q.id:
                raise ExamError(f"{path}: the name {name!r} is used by questions {seen[name]!r} "
                                f"and {q.id!r}; names must be unique within an exam")
            seen[name] = q.id
    pass_mark = float(data.get("pass_mark", 0.6))
    if not 0 < pass_mark <= 1:
        raise ExamError(f"{path}: pass_mark {pass_mark} must be a fraction in (0, 1]")
    digest = hashlib.sha256(path.read_bytes() + bank_path.read_bytes()).hexdigest()
    return Exam(id=exam_id, title=str(data.get("title", exam_id)), pass_mark=pass_mark,
                questions=chosen, imports=str(bank.get("imports", "")),
                cell_timeout=float(data.get("cell_timeout", 30.0)), path=path, sha256=digest,
                bank_path=bank_path, visibility=visibility,
                bank_sha256=hashlib.sha256(bank_path.read_bytes()).hexdigest(),
                titles={k[len("title_"):]: str(v) for k, v in data.items()
                        if k.startswith("title_") and v})


def _check_learner(learner_id: str) -> str:
    if not isinstance(learner_id, str) or not LEARNER_ID.match(learner_id):
        raise ExamError(f"learner id {learner_id!r} must be 1-64 letters, digits, '-', '_' or "
                        "'.', starting with a letter or digit (it becomes a file name)")
    return learner_id


def learner_seed(exam_id: str, learner_id: str, key: bytes | None = None) -> int:
    """The learner's secret seed: the first 8 bytes of HMAC-SHA256 with the academy key.

    seed = HMAC-SHA256(key, ``"variant" NUL exam_id NUL learner_id``)[:8] (RFC 2104), so only
    the key's holder can compute any learner's numbers.

    Parameters
    ----------
    exam_id, learner_id : str
        The exam and the learner.
    key : bytes, optional
        The academy key (default :func:`resourcekit.grading.keys.load_key`).

    >>> k = b"0123456789abcdef"
    >>> learner_seed("demo", "alice", k) == learner_seed("demo", "alice", k)
    True
    >>> learner_seed("demo", "alice", k) != learner_seed("demo", "bob", k)
    True
    >>> learner_seed("demo", "alice", k) != learner_seed("demo", "alice", b"another-key-1234")
    True
    """
    import hmac

    from .keys import load_key

    key = key or load_key()
    text = f"variant\0{exam_id}\0{_check_learner(learner_id)}".encode()
    return int.from_bytes(hmac.new(key, text, hashlib.sha256).digest()[:8], "big")


def _uniform01(seed: int, *labels: str) -> float:
    text = "\0".join([str(seed), *labels]).encode()
    return int.from_bytes(hashlib.sha256(text).digest()[:8], "big") / 2.0**64


def _draw(spec: dict[str, Any], seed: int, qid: str, name: str) -> Any:
    size = spec.get("size")
    labels = [""] if size is None else [str(i) for i in range(int(size))]
    return value_at(spec, [_uniform01(seed, qid, name, label) for label in labels])


def _one_at(spec: dict[str, Any], u: float) -> Any:
    if "value" in spec:
        return copy.deepcopy(spec["value"])
    if "uniform" in spec:
        low, high = (float(v) for v in spec["uniform"])
        digits = int(spec.get("digits", 3))
        value = round(low + u * (high - low), digits)
        return float(value) if digits > 0 else float(round(value))
    if "integers" in spec:
        low, high = (int(v) for v in spec["integers"])
        return low + min(int(u * (high - low + 1)), high - low)
    options = list(spec["choice"])
    return copy.deepcopy(options[min(int(u * len(options)), len(options) - 1)])


def value_at(spec: dict[str, Any], us: list[float]) -> Any:
    """A parameter's value at unit-cube coordinates ``us`` (one per list entry, or one).

    The one mapping from a parameter's spec (``value``, ``uniform`` with ``digits``,
    ``integers``, ``choice``; ``size`` and ``sorted`` for lists) to a value, used by the
    learners' variants (``us`` from the variant seed) and by bank-check's sweep (corners and
    random points of the cube).

    >>> value_at({"uniform": [1, 2], "digits": 1}, [0.5])
    1.5
    >>> value_at({"integers": [1, 3], "size": 2, "sorted": "descending"}, [0.1, 0.9])
    [3, 1]
    """
    if spec.get("size") is None:
        return _one_at(spec, us[0])
    values = [_one_at(spec, u) for u in us]
    if spec.get("sorted"):
        values.sort(reverse=spec["sorted"] == "descending")
    return values


def variant(exam: Exam, learner_id: str, key: bytes | None = None
            ) -> dict[str, dict[str, Any]]:
    """The learner's parameters, question by question (``{question id: {name: value}}``).

    Drawn from :func:`learner_seed`, so ``key`` (default: the academy key) is needed.
    """
    seed = learner_seed(exam.id, learner_id, key)
    return {q.id: {name: _draw(spec, seed, q.id, name) for name, spec in q.params.items()}
            for q in exam.questions}


def _plain(value: Any, depth: int = 0) -> Any:
    """Reference values as the plain JSON data the runner gives for learner answers."""
    if depth > 4:
        raise TypeError("nested too deep")
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int | float):
        return value
    if hasattr(value, "item") and getattr(value, "ndim", 1) == 0:
        return _plain(value.item(), depth + 1)
    if type(value).__name__ == "Series":
        if all(isinstance(k, str) for k in value.index):
            return {k: _plain(x, depth + 1) for k, x in value.items()}
        return [_plain(x, depth + 1) for x in value.tolist()]
    if hasattr(value, "tolist"):
        return [_plain(x, depth + 1) for x in value.tolist()]
    if isinstance(value, list | tuple):
        return [_plain(x, depth + 1) for x in value]
    if isinstance(value, dict):
        return {str(k): _plain(x, depth + 1) for k, x in value.items()}
    raise TypeError(f"a reference answer of type {type(value).__name__} is not plain data")


def _namespace(exam: Exam, q: BankQuestion, params: dict[str, Any]) -> dict[str, Any]:
    ns: dict[str, Any] = {"__name__": f"resourcekit_exam_{q.id}"}
    exec(compile(exam.imports, f"<{exam.id}:imports>", "exec"), ns)  # trusted bank code
    ns.update(copy.deepcopy(params))
    if q.data:
        exec(compile(q.data, f"<{exam.id}:{q.id}:data>", "exec"), ns)
    return ns


def expected_for(exam: Exam, learner_id: str, key: bytes | None = None) -> dict[str, Any]:
    """Expected answers for one learner, computed in THIS (the grader's) process.

    Keys are the exam's question ids ``q1``, ``q2``, ...; values are plain JSON data, exactly
    as the runner returns learner answers. ``key``: the academy key (default: loaded).
    """
    params = variant(exam, learner_id, key)
    out: dict[str, Any] = {}
    for i, q in enumerate(exam.questions, start=1):
        if q.has_literal:
            out[f"q{i}"] = q.expected
            continue
        ns = _namespace(exam, q, params[q.id])
        exec(compile(q.solution, f"<{exam.id}:{q.id}:solution>", "exec"), ns)  # trusted
        if q.answer not in ns:
            raise ExamError(f"bank question {q.id!r}: the solution does not set {q.answer!r}")
        out[f"q{i}"] = json.loads(json.dumps(_plain(ns[q.answer])))
    return out


def exam_spec(exam: Exam) -> ExerciseSpec:
    """The exam as an :class:`ExerciseSpec` (questions ``q1..qN``) for the common scorer."""
    questions = [Question(id=f"q{i}", answer=q.answer, points=q.points, kind=q.kind,
                          rtol=q.rtol, atol=q.atol, hint=q.hint, expected=q.expected,
                          has_literal=q.has_literal)
                 for i, q in enumerate(exam.questions, start=1)]
    return ExerciseSpec(name=exam.id, title=exam.title, questions=questions,
                        pass_mark=exam.pass_mark, master_sha256=exam.sha256,
                        extra={"bank_ids": [q.id for q in exam.questions],
                               "topics": [q.topic for q in exam.questions]})


def _data_cell(exam: Exam, q: BankQuestion, params: dict[str, Any]) -> str:
    lines = ["# Data for this question (yours alone; editing it does not change the "
             "expected answer)"]
    lines += [f"{name} = {value!r}" for name, value in params.items()]
    if q.show:
        ns = _namespace(exam, q, params)
        lines += [f"{name} = {_plain(ns[name])!r}" for name in q.show]
    return "\n".join(lines)


def _prompt(q: BankQuestion, params: dict[str, Any]) -> str:
    try:
        return q.prompt.format_map(params)
    except (KeyError, IndexError, ValueError) as err:
        raise ExamError(f"bank question {q.id!r}: prompt placeholder problem: {err}") from err


def _shown(exam: Exam, lang: str) -> tuple[Any, Any]:
    """(bank text -> shown text, frame text -> shown text) for ``lang`` (see :mod:`.i18n`)."""
    from . import i18n

    if lang == "en":
        return (lambda text: text), (lambda text: text)
    needed: dict[str, list[str]] = {}
    bank = _yaml(exam.bank_path) if exam.bank_path else {}
    every = i18n.bank_messages(bank)
    chosen = {q.id for q in exam.questions}
    for text, places in every.items():  # hints are shown after grading, not in the handout
        mine = [p for p in places if p.split("/")[0] in chosen and not p.endswith("/hint")]
        if mine:
            needed[text] = mine
    return i18n.translator(exam.bank_path, lang, needed), i18n.frame(lang)


def _title(exam: Exam, lang: str) -> str:
    """The exam's title in ``lang`` (``title_ja`` of the exam file); English otherwise is
    refused, as a missing bank translation is."""
    if lang == "en":
        return exam.title
    if lang not in exam.titles:
        raise ExamError(f"exam {exam.id!r} has no title_{lang} (add it to {exam.path})")
    return exam.titles[lang]


def exam_notebook(exam: Exam, learner_id: str, name: str = "", *, solutions: bool = False,
                  issued: str | None = None, seal: bool = True,
                  key: bytes | None = None, lang: str = "en") -> nbformat.NotebookNode:
    """The exam notebook of one learner (``solutions=True``: filled with reference answers).

    ``lang="ja"``: the frame, the topics, the prompts and the options shown in Japanese, from
    the bank's catalogue (:mod:`.i18n`); the numbers, the option order, the cells the grader
    reads and every expected answer are those of the English exam.
    """
    from . import i18n
    from .keys import load_key, seal_exam
    from .safe import md_text

    _check_learner(learner_id)
    key = key or load_key()
    params = variant(exam, learner_id, key)
    issued = issued or dt.date.today().isoformat()
    show, tr = _shown(exam, lang)
    topics = ", " if lang == "en" else "、"
    topics = topics.join(f"{show(t)} ({p:g})" for t, p in exam.topics.items())
    head = [tr("**Learner:** {name} (`{learner_id}`) · **Exam:** `{exam_id}` · "
               "**Issued:** {issued}").format(name=md_text(name or learner_id),
                                              learner_id=learner_id, exam_id=exam.id,
                                              issued=issued),
            tr("{n} questions, {points} points; pass mark {pass_mark} %. Topics (points): "
               "{topics}.").format(n=len(exam.questions), points=f"{exam.max_score:g}",
                                   pass_mark=f"{100 * exam.pass_mark:g}", topics=topics),
            (tr("**Practice handout**: the questions come from the public practice bank "
                "(fingerprint `{fingerprint}`), whose solutions are published.")
             if exam.public_bank else
             tr("Question bank fingerprint: `{fingerprint}`.")).format(
                 fingerprint=exam.bank_sha256[:12]),
            tr("How to answer: run the setup cell, then for each question set the named "
               "variable to a plain value (a float, a list of floats or a string) in the cell "
               "marked `# YOUR CODE HERE`. Keep the file name `{learner_id}.ipynb`: grading "
               "takes your learner id from it. The numbers are yours alone; your neighbours "
               "have different ones. The last cell lists what you have answered; run it before "
               "you hand in.").format(learner_id=learner_id)]
    cells = [
        new_markdown_cell(f"# {_title(exam, lang)}\n\n" + "\n\n".join(head)),
        new_code_cell(exam.imports.strip()),
    ]
    cells[1].metadata["tags"] = ["exam-setup"]
    for i, q in enumerate(exam.questions, start=1):
        shown = {n: i18n.translate_values(v, show) for n, v in params[q.id].items()}
        prompt = _prompt(BankQuestion(**{**q.__dict__, "prompt": show(q.prompt)}), shown)
        heading = ("## Question {i} ({points} point, {topic})" if q.points == 1 else
                   "## Question {i} ({points} points, {topic})")
        cells.append(new_markdown_cell(
            tr(heading).format(i=i, points=f"{q.points:g}", topic=show(q.topic)) + "\n\n"
            + prompt.strip()))
        # the data cell is code: the bank's own values, whatever the language, so that every
        # code cell (and so the grading) is the same in each language
        data = new_code_cell(_data_cell(exam, q, params[q.id]))
        data.metadata["tags"] = ["exam-data"]
        body = q.solution.strip() if solutions else "# YOUR CODE HERE"
        if solutions and q.data:
            body = q.data.strip() + "\n" + body
        answer = new_code_cell(f"# Question {i}: set `{q.answer}`\n{body}")
        answer.metadata["tags"] = ["answer"]
        cells += [data, answer]
    names = exam.answer_names
    cells.append(new_code_cell(
        "# Check what you have answered (types only; this is not grading)\n"
        f"for _name in {names!r}:\n"
        "    _value = globals().get(_name)\n"
        "    print(f\"{_name:>24}: {'missing' if _value is None else type(_value).__name__}\")"))
    cells[-1].metadata["tags"] = ["exam-check"]
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    meta = {"exam": exam.id, "learner_id": learner_id, "name": name, "issued": issued,
            "version": "solution" if solutions else "student", "bank": exam.visibility,
            "bank_sha256": exam.bank_sha256,
            "bank_file": exam.bank_path.name if exam.bank_path else "", "lang": lang}
    if seal:
        meta["seal"] = seal_exam(exam.id, learner_id, name, key)
    nb.metadata["resourcekit"] = meta
    return nb


def read_learners(path: str | Path) -> list[dict[str, str]]:
    """Rows of a learners CSV with at least the columns ``learner_id`` and ``name``."""
    path = Path(path)
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            rows = list(csv.DictReader(fh))
    except FileNotFoundError as err:
        raise ExamError(f"learners file {path} does not exist") from err
    if not rows:
        raise ExamError(f"{path}: no learners (expected a header learner_id,name and rows)")
    missing = {"learner_id", "name"} - set(rows[0])
    if missing:
        raise ExamError(f"{path}: missing column(s) {sorted(missing)}; found {list(rows[0])}")
    seen: dict[str, str] = {}
    for row in rows:
        lid = _check_learner((row.get("learner_id") or "").strip())
        if lid.lower() in seen:  # alice.ipynb and Alice.ipynb would be one learner's files
            raise ExamError(f"{path}: learner id {lid!r} appears twice (as "
                            f"{seen[lid.lower()]!r}); ids must differ in more than case")
        seen[lid.lower()] = lid
        row["learner_id"], row["name"] = lid, (row.get("name") or "").strip()
    return rows


def write_exam(exam: str | Path | Exam, learners: str | Path, out: str | Path, *,
               solutions: bool = False, issued: str | None = None,
               bank: str | Path | None = None, key: bytes | None = None,
               lang: str = "en") -> list[Path]:
    """Write ``out/<learner_id>.ipynb`` for every learner of ``learners`` (CSV).

    ``bank`` replaces the exam file's bank (see :func:`load_exam`); ``key`` defaults to the
    academy key, loaded once; ``lang``: the language shown (:func:`exam_notebook`).
    """
    from .keys import load_key

    exam = exam if isinstance(exam, Exam) else load_exam(exam, bank=bank)
    key = key or load_key()
    rows = read_learners(learners)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for row in rows:
        nb = exam_notebook(exam, row["learner_id"], row["name"], solutions=solutions,
                           issued=issued, key=key, lang=lang)
        target = out / f"{row['learner_id']}.ipynb"
        nbformat.write(nb, target)
        paths.append(target)
    return paths
