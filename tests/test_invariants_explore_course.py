"""Invariants (hypothesis): explore's outlier p-values, the course's translation, column hints.

- Within-file outlier p-values (explore): a sample is flagged exactly when its leave-one-out
  conformal p-value is at most alpha, never more than floor(alpha n) are, and every p-value
  is what counting the n - 1 others gives; ties included.
- A notebook's translation (make lab LANG=ja) never touches code: fenced code and display
  maths come out as they went in, whatever the catalogue says, and with an empty catalogue
  every markdown text comes out unchanged.
- A missing column's message names every column whose name contains what was typed.
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from resourcekit._notebook_i18n import translate_markdown
from resourcekit.errors import column_hint
from resourcekit.ree._explore_steps import leave_one_out_p

scores = st.lists(st.sampled_from([0.0, 0.5, 1.0, 2.0, 3.5, 7.0]) | st.floats(0, 50),
                  min_size=1, max_size=60)


@settings(max_examples=300, deadline=None)
@given(scores, st.floats(0.01, 0.5))
def test_flagged_exactly_when_p_is_at_most_alpha(values, alpha):
    s = np.array(values)
    p, threshold = leave_one_out_p(s, alpha)
    n = len(s)
    others = np.array([(np.delete(s, i) >= s[i]).sum() for i in range(n)])  # by definition
    np.testing.assert_allclose(p, (1 + others) / n, rtol=0, atol=1e-15)
    flagged = s > threshold
    assert (flagged == (p <= alpha + 1e-12)).all()
    assert flagged.sum() <= math.floor(alpha * n + 1e-9)
    assert ((p > 0) & (p <= 1)).all()


text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)
lines = st.lists(text.map(lambda s: s.replace("\n", " ")), max_size=8)


@settings(max_examples=200, deadline=None)
@given(lines, lines, st.dictionaries(text, text, max_size=8))
def test_code_and_maths_are_never_translated(prose, code, catalogue):
    code = [c for c in code if "```" not in c and "$$" not in c]
    fenced = "```python\n" + "\n".join(code) + "\n```"
    maths = "$$\n" + "\n".join(code) + "\n$$"
    source = "\n".join(prose) + "\n\n" + fenced + "\n\n" + maths + "\n"
    catalogue.update({c.strip(): "訳" for c in code if c.strip()})  # a hostile catalogue
    out, _ = translate_markdown(source, catalogue)
    assert fenced in out and maths in out


@settings(max_examples=200, deadline=None)
@given(st.lists(lines.map("\n".join), max_size=5))
def test_an_empty_catalogue_changes_nothing(blocks):
    source = "\n\n".join(blocks)
    assert translate_markdown(source, {})[0] == source


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(min_size=1, max_size=20), min_size=1, max_size=200, unique=True),
       st.data())
def test_a_missing_column_names_every_column_containing_what_was_typed(columns, data):
    target = data.draw(st.sampled_from(columns))
    typed = target.strip()[:4].lower()
    message = column_hint(typed, columns)
    if typed:
        hits = [c for c in columns if typed.casefold() in c.casefold()]
        assert all(repr(c) in message for c in hits[:5]), (typed, hits[:5], message)
    assert f"{len(columns)} columns" in message
