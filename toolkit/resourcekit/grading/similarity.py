"""Copying between learners, surfaced for a person to review (never an automatic fail).

Each submission's learner code is every code cell except the handout's own, recognised by
their content, never by tags alone (tags are the learner's to change): the setup cell
(imports only), the data cells (``# Data for this question`` and plain literal assignments)
and the closing answer list; code moved out of the answer cells into a cell of the learner's
own counts as much as code left in them. Practice masters' ``checks`` / ``public-check``
cells are skipped too. It is normalised: comments,
blank lines and layout dropped, every identifier renamed to ``v0, v1, ...`` in order of first
use within that submission (so renaming variables changes nothing), attribute names (the API
called, ``sep.two_product``), keywords and builtins kept, numbers to ``N`` and strings to
``S``. Two submissions are compared by the Jaccard index of their sets of token
``n``-grams (Broder 1997, "On the resemblance and containment of documents", eq. 1):

    J(A, B) = |G(A) ∩ G(B)| / |G(A) ∪ G(B)|

and by difflib's ratio of the token sequences (2 M / T, matching tokens over all tokens,
Ratcliff & Obershelp 1988). Pairs with ``J >= threshold`` go to ``similarity.csv`` and
``similarity.md`` in the results folder. Submissions with fewer than ``min_tokens`` tokens (an
untouched exam) are not compared: empty answers are alike without being copied.

Independent learners who all call the same toolkit function in one line look alike too; the
report is a list for a human to read alongside the notebooks, ordered by similarity.
"""

from __future__ import annotations

import ast
import builtins
import csv
import difflib
import io
import json
import keyword
import re
import tokenize
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

from .safe import csv_row, md_text

__all__ = ["normalise_code", "answer_code", "handout_cell", "jaccard", "similarity_report",
           "SimilarPair", "DEFAULT_THRESHOLD"]

DEFAULT_THRESHOLD = 0.75
_KEEP = set(keyword.kwlist) | set(dir(builtins))
_SKIP_TAGS = {"checks", "public-check"}  # practice masters' check cells
_HANDOUT_CHECK = re.compile(  # the last cell of every exam handout, exactly
    r"# Check what you have answered[^\n]*\nfor _name in \[[^\]\n]*\]:\n"
    r"    _value = globals\(\)\.get\(_name\)\n    print\([^\n]*\)\s*")


def handout_cell(source: str) -> bool:
    """True for a cell an exam handout itself holds: imports only, the data cell, the list.

    >>> handout_cell("import numpy as np\\nfrom resourcekit import separation as sep")
    True
    >>> handout_cell("# Data for this question\\ncu_feed = 1.25\\ngrades = [0.1, 0.2]")
    True
    >>> handout_cell("# Data for this question\\ncu_feed = 1.25\\ny = (cu_feed - 1) / 2")
    False
    """
    if _HANDOUT_CHECK.fullmatch(source.strip() + "\n") or _HANDOUT_CHECK.fullmatch(source):
        return True
    try:
        body = ast.parse(source).body
    except (SyntaxError, ValueError):
        return False
    if body and all(isinstance(n, ast.Import | ast.ImportFrom) for n in body):
        return True
    if not source.lstrip().startswith("# Data for this question"):
        return False
    for node in body:
        if not (isinstance(node, ast.Assign) and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name)):
            return False
        try:
            ast.literal_eval(node.value)
        except (ValueError, TypeError, SyntaxError, RecursionError):
            return False
    return True


def normalise_code(source: str) -> list[str]:
    """The token sequence of ``source`` with names normalised and comments/layout dropped.

    >>> normalise_code("total = a + b  # sum") == normalise_code("s=x+y")
    True
    >>> normalise_code("y = np.mean(x, axis=0)")
    ['v0', '=', 'v1', '.', 'mean', '(', 'v2', ',', 'v3', '=', 'N', ')']
    """
    names: dict[str, str] = {}
    out: list[str] = []
    skip = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT,
            tokenize.ENCODING, tokenize.ENDMARKER}
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        tokens = []  # unfinished code: fall back to words below
    if not tokens:
        return source.split()
    prev = ""
    for tok in tokens:
        if tok.type in skip:
            continue
        if tok.type == tokenize.NAME:
            if tok.string in _KEEP or prev == ".":
                text = tok.string
            else:
                text = names.setdefault(tok.string, f"v{len(names)}")
        elif tok.type == tokenize.NUMBER:
            text = "N"
        elif tok.type == tokenize.STRING or tok.type == getattr(tokenize, "FSTRING_START", -1):
            text = "S"
        else:
            text = tok.string
        out.append(text)
        prev = tok.string
    return out


def answer_code(path: str | Path | None = None, *, text: str | None = None) -> str:
    """The learner-written code of a notebook (every code cell but the handout's), joined.

    '' when the notebook cannot be read.

    ``text``: the notebook's JSON text, already read (then ``path`` is not opened).
    """
    try:
        raw = text if text is not None else Path(str(path)).read_text(encoding="utf-8")
        nb = json.loads(raw)
        cells = [c for c in nb.get("cells", []) if c.get("cell_type") == "code"]
    except (OSError, ValueError, AttributeError, TypeError):
        return ""

    def text(cell: dict) -> str:
        src = cell.get("source", "")
        return "".join(src) if isinstance(src, list) else str(src)

    def tags(cell: dict) -> set[str]:
        meta = cell.get("metadata") or {}
        return set(meta.get("tags") or []) if isinstance(meta, dict) else set()

    chosen = [c for c in cells if not tags(c) & _SKIP_TAGS and not handout_cell(text(c))]
    return "\n".join(text(c) for c in chosen)


def _grams(tokens: list[str], n: int) -> set[tuple[str, ...]]:
    if len(tokens) < n:
        return {tuple(tokens)} if tokens else set()
    return {tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1)}


def jaccard(a: set, b: set) -> float:
    """Jaccard index |A ∩ B| / |A ∪ B| (0 for two empty sets).

    >>> jaccard({1, 2, 3}, {2, 3, 4})
    0.5
    """
    union = len(a | b)
    return len(a & b) / union if union else 0.0


@dataclass(frozen=True)
class SimilarPair:
    """Two submissions whose normalised answer code is alike."""

    a: str
    b: str
    jaccard: float
    sequence_ratio: float
    tokens_a: int
    tokens_b: int


def similarity_report(notebook_paths: list[str | Path] | Mapping[str, str],
                      out_dir: str | Path,
                      threshold: float = DEFAULT_THRESHOLD, *, ngram: int = 4,
                      min_tokens: int = 12, stem: str = "similarity") -> Path:
    """Pairwise similarity of one exam's submissions; pairs at or above ``threshold`` listed.

    Parameters
    ----------
    notebook_paths : list of path, or mapping of file name to notebook text
        The submissions of ONE exam (a notebook that cannot be read counts as empty); a
        mapping gives texts already read (the grader's checked copies), by file name.
    out_dir : path
        Results folder; writes ``<stem>.csv`` (columns ``a, b, jaccard, sequence_ratio,
        tokens_a, tokens_b``, most similar first) and ``<stem>.md``.
    threshold : float
        Jaccard index [-] of token ``ngram``-grams at or above which a pair is listed.
    ngram : int
        Length of the token n-grams compared.
    min_tokens : int
        Submissions with fewer normalised tokens are not compared (named in the Markdown).

    Returns
    -------
    Path
        The CSV file.
    """
    if not 0 < threshold <= 1:
        from ..errors import OptionError

        raise OptionError(f"threshold={threshold!r}: must lie in (0, 1]")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    if isinstance(notebook_paths, Mapping):
        tokens = {str(name): normalise_code(answer_code(text=text))
                  for name, text in notebook_paths.items()}
    else:
        tokens = {Path(p).name: normalise_code(answer_code(p)) for p in notebook_paths}
    compared = sorted(n for n, t in tokens.items() if len(t) >= min_tokens)
    too_short = sorted(set(tokens) - set(compared))
    grams = {n: _grams(tokens[n], ngram) for n in compared}
    pairs = []
    for a, b in combinations(compared, 2):
        j = jaccard(grams[a], grams[b])
        if j >= threshold:
            ratio = difflib.SequenceMatcher(None, tokens[a], tokens[b], autojunk=False).ratio()
            pairs.append(SimilarPair(a, b, round(j, 4), round(ratio, 4), len(tokens[a]),
                                     len(tokens[b])))
    pairs.sort(key=lambda p: (-p.jaccard, p.a, p.b))
    csv_path = out_dir / f"{stem}.csv"
    with open(csv_path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["a", "b", "jaccard", "sequence_ratio", "tokens_a", "tokens_b"])
        for p in pairs:  # file names are the learners': neutralised (OWASP)
            writer.writerow(csv_row([p.a, p.b, p.jaccard, p.sequence_ratio, p.tokens_a,
                                     p.tokens_b]))
    lines = [f"# Similar submissions ({len(pairs)} pair(s) at Jaccard >= {threshold:g})", "",
             f"{len(compared)} submission(s) compared by their normalised answer code "
             f"(names renamed, comments and layout dropped, {ngram}-grams of tokens). "
             "A listed pair is for a person to review side by side; it is not a verdict, and "
             "learners who call the same function in one line look alike.", ""]
    if pairs:
        lines += ["| a | b | Jaccard | sequence ratio |", "| --- | --- | --- | --- |"]
        lines += [f"| {md_text(p.a)} | {md_text(p.b)} | {p.jaccard:.3f} | "
                  f"{p.sequence_ratio:.3f} |" for p in pairs]
    if too_short:  # file names are the learners': every punctuation mark escaped
        lines += ["", f"Not compared (fewer than {min_tokens} tokens of answer code): "
                      + ", ".join(md_text(n) for n in too_short)]
    (out_dir / f"{stem}.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return csv_path
