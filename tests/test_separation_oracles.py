"""Oracle tests: threshold_sweep against scikit-learn's roc_curve; partition fits against
scipy's curve_fit; the partition registry and its public model functions."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from resourcekit import separation as sep
from resourcekit.errors import OptionError
from scipy.optimize import curve_fit
from sklearn.metrics import roc_curve

SEP = Path(sep.__file__).parent


@pytest.mark.parametrize("weighted", [False, True])
def test_threshold_sweep_is_the_roc_curve(weighted):
    """recovery = true-positive rate, gangue_recovery = false-positive rate at each distinct
    threshold (Fawcett 2006); roc_curve with drop_intermediate=False gives every threshold."""
    rng = np.random.default_rng(7)
    st = np.round(rng.normal(1.0, 1.0, 300), 1)  # rounded: many ties
    so = np.round(rng.normal(0.0, 1.0, 500), 1)
    masses = (rng.uniform(0.5, 2.0, st.size), rng.uniform(0.5, 2.0, so.size)) if weighted \
        else None
    table = sep.threshold_sweep(st, so, masses)
    y = np.r_[np.ones(st.size), np.zeros(so.size)]
    w = None if masses is None else np.r_[masses[0], masses[1]]
    fpr, tpr, thr = roc_curve(y, np.r_[st, so], sample_weight=w, drop_intermediate=False)
    oracle = pd.DataFrame({"threshold": thr[1:], "tpr": tpr[1:], "fpr": fpr[1:]})
    got = table.set_index("threshold").loc[oracle["threshold"]]
    np.testing.assert_allclose(got["recovery"], oracle["tpr"], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(got["gangue_recovery"], oracle["fpr"], rtol=1e-12, atol=1e-12)
    assert len(table) == len(oracle)
    # the old column name is the same quantity
    np.testing.assert_array_equal(table["other_recovery"], table["gangue_recovery"])


def test_accept_below_is_the_roc_of_the_negated_signal():
    rng = np.random.default_rng(3)
    st, so = rng.normal(0, 1, 50), rng.normal(1, 1, 60)
    table = sep.threshold_sweep(st, so, accept="below")
    fpr, tpr, thr = roc_curve(np.r_[np.ones(50), np.zeros(60)], -np.r_[st, so],
                              drop_intermediate=False)
    got = table.set_index("threshold").loc[-thr[1:]]
    np.testing.assert_allclose(got["recovery"], tpr[1:], atol=1e-12)


@pytest.mark.parametrize("model", ["logistic", "lynch_rao", "rosin_rammler"])
def test_fit_partition_agrees_with_curve_fit(model):
    """The batched Levenberg-Marquardt against scipy.optimize.curve_fit (same least squares):
    parameters to 1e-5 relative, standard errors to 1e-3 (finite-difference Jacobians)."""
    rng = np.random.default_rng(11)
    x = np.linspace(20, 300, 12) if model != "logistic" else np.linspace(1.3, 1.9, 12)
    truth = {"logistic": dict(x50=1.6, ep=0.06), "lynch_rao": dict(x50=110.0, alpha=3.0),
             "rosin_rammler": dict(x50=110.0, m=2.5)}[model]
    p = sep.partition_curve(x, model, **truth) + rng.normal(0, 0.02, x.size)
    p = np.clip(p, 0, 1)
    fit = sep.fit_partition(x, p, model)
    func = sep.MODELS[model].function
    popt, pcov = curve_fit(lambda xx, a, b: func(xx, a, b), x, p, p0=list(truth.values()))
    np.testing.assert_allclose([fit.params[k] for k in truth], popt, rtol=1e-5)
    np.testing.assert_allclose([fit.stderr[k] for k in truth], np.sqrt(np.diag(pcov)),
                               rtol=1e-3)


def test_every_model_is_a_public_documented_function():
    table = sep.partition_models()
    for name, row in table.iterrows():
        func = getattr(sep, row["function"])
        assert func is sep.MODELS[name].function
        doc = inspect.getdoc(func)
        assert ".. math::" in doc and "References" in doc and ">>>" in doc
        params = list(inspect.signature(func).parameters)[1:]
        assert tuple(params) == sep.MODELS[name].params
        # the public function and the curve evaluator agree
        x = np.array([0.5, 1.0, 1.5]) * 100
        vals = {p: v for p, v in zip(params, (100.0, 2.0, 0.3), strict=False)}
        np.testing.assert_allclose(func(x, **vals), sep.partition_curve(x, name, **vals))


def test_unknown_model_and_options_raise_option_error():
    with pytest.raises(OptionError, match="unknown partition model 'tanh'"):
        sep.partition_curve([1.0], "tanh", x50=1, ep=1)
    with pytest.raises(OptionError, match="unexpected \\['d50'\\]"):
        sep.partition_curve([1.0], "logistic", d50=1, ep=1)
    with pytest.raises(OptionError, match="bypass = 'guess'"):
        sep.fit_partition([1, 2, 3, 4, 5], [0, 0.2, 0.5, 0.8, 1], bypass="guess")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            out.add(node.module or "")
    return out


def test_no_partition_plot_import_cycle():
    """plot reads the registry, the results import plot lazily: no module imports back."""
    graph = {p.stem: _imports(p) for p in SEP.glob("*.py")}
    assert "partition" not in graph["plot"]
    for mod in ("_partition_models", "_partition_solver"):
        assert "plot" not in graph[mod] and "partition" not in graph[mod]
    # no cycle anywhere in the package
    def reach(start, seen):
        for nxt in graph.get(start, ()):
            if nxt not in seen:
                seen.add(nxt)
                reach(nxt, seen)
        return seen
    for mod in graph:
        assert mod not in reach(mod, set()), f"import cycle through {mod}"
