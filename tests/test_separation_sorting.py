"""Tests of sorting (threshold sweeps) and upgrading curves (grade-recovery, ideal limit)."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from resourcekit import separation as sep
from resourcekit.errors import OptionError


def _naive_sweep(st_, so, mt, mo, thresholds):
    """Independent per-threshold loop (the benchmark's baseline)."""
    rows = []
    for th in thresholds:
        t_in = mt[st_ >= th].sum()
        o_in = mo[so >= th].sum()
        rows.append((t_in / mt.sum(), t_in / (t_in + o_in) if t_in + o_in > 0 else np.nan,
                     o_in / mo.sum()))
    return np.array(rows)


def test_sweep_matches_naive_loop_with_masses_and_ties():
    rng = np.random.default_rng(0)
    st_ = np.round(rng.normal(1.0, 0.3, 500), 2)  # rounded: many ties
    so = np.round(rng.normal(0.4, 0.3, 700), 2)
    mt, mo = rng.uniform(0.5, 2, 500), rng.uniform(0.5, 2, 700)
    th = np.linspace(-0.5, 2.0, 41)
    table = sep.threshold_sweep(st_, so, (mt, mo), thresholds=th)
    naive = _naive_sweep(st_, so, mt, mo, th)
    np.testing.assert_allclose(table[["recovery", "purity", "other_recovery"]].to_numpy(),
                               naive, rtol=1e-12, atol=1e-12)
    # default thresholds: every distinct signal value
    full = sep.threshold_sweep(st_, so)
    assert len(full) == len(np.unique(np.concatenate([st_, so])))


def test_accept_below_mirrors_accept_above():
    rng = np.random.default_rng(1)
    a, b = rng.normal(0, 1, 100), rng.normal(1, 1, 120)
    above = sep.threshold_sweep(-a, -b, thresholds=[-0.5, 0.0, 0.5])
    below = sep.threshold_sweep(a, b, thresholds=[0.5, 0.0, -0.5], accept="below")
    np.testing.assert_allclose(above["recovery"], below["recovery"], rtol=1e-12)
    np.testing.assert_allclose(below["threshold"], [0.5, 0.0, -0.5])


def test_perfectly_separable_signals_give_efficiency_one():
    best = sep.best_threshold([5.0, 6.0, 7.0], [1.0, 2.0])
    assert best["separation_efficiency"] == 1.0 and best["purity"] == 1.0


def test_best_threshold_criteria():
    rng = np.random.default_rng(2)
    a, b = rng.normal(1, 0.3, 2000), rng.normal(0, 0.3, 2000)
    se = sep.best_threshold(a, b)
    # equal-variance normals: the Youden optimum lies midway between the means
    assert abs(se["threshold"] - 0.5) < 0.1
    pur = sep.best_threshold(a, b, criterion="min_purity", target=0.99)
    assert pur["purity"] >= 0.99 and pur["recovery"] < se["recovery"]
    rec = sep.best_threshold(a, b, criterion="min_recovery", target=0.99)
    assert rec["recovery"] >= 0.99
    f1 = sep.best_threshold(a, b, criterion="f1")
    assert 0.8 < f1["recovery"] < 1.0
    with pytest.raises(ValueError, match="needs target"):
        sep.best_threshold(a, b, criterion="min_purity")
    with pytest.raises(OptionError, match="criterion='auc' is not known"):
        sep.best_threshold(a, b, criterion="auc")
    with pytest.raises(ValueError, match="no threshold meets"):
        sep.best_threshold([0.0, 1.0], [0.5, 2.0], criterion="min_purity", target=1.0)


def test_sweep_errors():
    with pytest.raises(OptionError, match="accept='left' is not known"):
        sep.threshold_sweep([1.0], [0.0], accept="left")
    with pytest.raises(ValueError, match="masses\\[1\\] = -1 is negative"):
        sep.threshold_sweep([1.0], [0.0], ([1.0], [-1.0]))
    with pytest.raises(ValueError, match="signal_other contains 1 NaN"):
        sep.threshold_sweep([1.0], [np.nan])
    with pytest.raises(ValueError, match="at least one particle"):
        sep.threshold_sweep([], [1.0])


# ------------------------------------------------------------------------ upgrading curves
def test_grade_recovery_curve_matches_two_product_at_each_cut():
    mass = np.array([2.0, 3.0, 5.0, 10.0])
    grade = np.array([0.6, 0.3, 0.1, 0.01])
    curve = sep.grade_recovery_curve(mass, grade)
    f = (mass * grade).sum() / mass.sum()
    for k in (1, 2, 3):
        c = (mass[:k] * grade[:k]).sum() / mass[:k].sum()
        t = (mass[k:] * grade[k:]).sum() / mass[k:].sum()
        r = sep.two_product(f, c, t)
        np.testing.assert_allclose(curve.loc[k, ["mass_yield", "recovery",
                                                 "separation_efficiency"]].to_numpy(float),
                                   [r.mass_yield, r.recovery, r.separation_efficiency],
                                   rtol=1e-10)
    np.testing.assert_allclose(curve.iloc[-1][["mass_yield", "recovery"]].to_numpy(float), 1.0)


def test_ideal_curve_sorts_by_grade_and_reads_units():
    cls = pd.DataFrame({"mass": [5.0, 1.0, 2.0], "grade [%]": [1.0, 90.0, 40.0]},
                       index=["locked-poor", "free", "middling"])
    ideal = sep.ideal_separation_curve(cls, grade="grade [%]")
    assert ideal["class"].tolist()[1:] == ["free", "middling", "locked-poor"]
    np.testing.assert_allclose(ideal["grade"].iloc[1], 0.9)
    fu = sep.fuerstenau_curve(cls["mass"], cls["grade [%]"] / 100)
    assert list(fu.columns) == ["recovery", "gangue_to_tailing"]


classes_strategy = st.lists(
    st.tuples(st.floats(0.1, 10.0), st.floats(0.0, 1.0), st.floats(0.0, 1.0)),
    min_size=2, max_size=8,
)


@settings(max_examples=150, deadline=None)
@given(classes=classes_strategy)
def test_ideal_curve_dominates_any_real_separation(classes):
    # A real separator sends a share s_i of each class to the concentrate; its (yield,
    # recovery) point can never lie above the ideal curve (classes sorted by grade).
    mass = np.array([c[0] for c in classes])
    grade = np.array([c[1] for c in classes])
    share = np.array([c[2] for c in classes])
    if (mass * grade).sum() <= 1e-9:
        return
    ideal = sep.ideal_separation_curve(pd.DataFrame({"mass": mass, "grade": grade}))
    y = (share * mass).sum() / mass.sum()
    r = (share * mass * grade).sum() / (mass * grade).sum()
    assert r <= np.interp(y, ideal["mass_yield"], ideal["recovery"]) + 1e-9
    # ideal curve: recovery and yield rise monotonically, grade falls
    assert np.all(np.diff(ideal["recovery"]) >= -1e-12)
    assert np.all(np.diff(ideal["grade"].to_numpy()[1:]) <= 1e-12)


def test_curve_errors():
    with pytest.raises(ValueError, match="different lengths"):
        sep.grade_recovery_curve([1, 2], [0.1, 0.2, 0.3])
    with pytest.raises(ValueError, match="grade = 30 is outside"):
        sep.grade_recovery_curve([1, 2], [30, 20])
    with pytest.raises(KeyError, match="no column 'grade'"):
        sep.ideal_separation_curve(pd.DataFrame({"mass": [1.0]}))


# ------------------------------------------------------------------ ROC curve (by count)

def test_roc_curve_equals_sklearn_on_the_thz_signals():
    # oracle: scikit-learn's roc_curve (an independent implementation of Fawcett 2006) on the
    # dataset's 5,000 flakes, with drop_intermediate=False so that every distinct signal is a
    # point; exact agreement is expected (both are ratios of integer counts)
    from resourcekit import datasets
    from sklearn.metrics import roc_auc_score
    from sklearn.metrics import roc_curve as sk_roc

    thz = datasets.load("sep_thz_pe_pvc_signals")
    pe = thz.loc[thz.polymer == "PE", "transmissivity"]
    pvc = thz.loc[thz.polymer == "PVC", "transmissivity"]
    ours = sep.roc_curve(pe, pvc)
    y = (thz.polymer == "PE").to_numpy()
    fpr, tpr, th = sk_roc(y, thz["transmissivity"], drop_intermediate=False)
    np.testing.assert_array_equal(ours["false_positive_rate"], fpr)
    np.testing.assert_array_equal(ours["true_positive_rate"], tpr)
    np.testing.assert_array_equal(ours["threshold"].iloc[1:], th[1:])
    auc = sep.roc_auc(pe, pvc)
    assert auc == pytest.approx(roc_auc_score(y, thz["transmissivity"]), abs=1e-12)
    # the rank formula equals the trapezoidal area under the curve
    assert auc == pytest.approx(np.trapezoid(ours["true_positive_rate"],
                                             ours["false_positive_rate"]), abs=1e-12)


def test_roc_by_count_differs_from_mass_recovery_when_heavy_flakes_sit_low():
    # two target flakes: a light one far above the threshold, a heavy one below it. By count
    # half the targets are found (TPR 0.5); by mass only 1/(1+9) of the target is recovered.
    roc = sep.roc_curve([5.0, 1.0], [0.0])
    row = roc[roc.threshold == 5.0].iloc[0]
    assert row.true_positive_rate == 0.5
    mass = sep.threshold_sweep([5.0, 1.0], [0.0], masses=([1.0, 9.0], [1.0]),
                               thresholds=[5.0]).iloc[0]
    assert mass.recovery == pytest.approx(0.1)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(0, 20), min_size=1, max_size=30),
       st.lists(st.integers(0, 20), min_size=1, max_size=30),
       st.integers(1, 5))
def test_roc_does_not_depend_on_prevalence_but_purity_does(target, other, copies):
    # repeating every "other" particle k times (a feed with k times as much of it) leaves
    # TPR and FPR unchanged; purity falls (or stays at 0 or 1) at every threshold
    t, o = np.array(target, float), np.array(other, float)
    a = sep.roc_curve(t, o)
    b = sep.roc_curve(t, np.repeat(o, copies))
    pd.testing.assert_frame_equal(a, b)
    pa = sep.threshold_sweep(t, o, thresholds=a.threshold.iloc[1:])["purity"].to_numpy()
    pb = sep.threshold_sweep(t, np.repeat(o, copies),
                             thresholds=a.threshold.iloc[1:])["purity"].to_numpy()
    assert np.all(pb <= pa + 1e-12)
    assert sep.roc_auc(t, o) == pytest.approx(sep.roc_auc(t, np.repeat(o, copies)))


def test_roc_accept_below_and_auc_of_identical_signals():
    # accept="below" is the mirror image: negate the signals and accept above
    a = sep.roc_curve([1.0, 2.0], [3.0, 2.0], accept="below")
    b = sep.roc_curve([-1.0, -2.0], [-3.0, -2.0])
    np.testing.assert_array_equal(a[["true_positive_rate", "false_positive_rate"]],
                                  b[["true_positive_rate", "false_positive_rate"]])
    assert a.threshold.iloc[0] == -np.inf
    # a sensor that cannot tell the two apart: AUC exactly one half (ties count half)
    assert sep.roc_auc([1.0, 1.0, 1.0], [1.0, 1.0]) == 0.5
    assert sep.roc_auc([1.0, 2.0], [3.0, 4.0]) == 0.0
    assert sep.roc_auc([1.0, 2.0], [3.0, 4.0], accept="below") == 1.0


def test_roc_bad_input_names_the_argument():
    with pytest.raises(OptionError, match="accept"):
        sep.roc_curve([1.0], [0.0], accept="left")
    with pytest.raises(Exception, match="signal_other"):
        sep.roc_auc([1.0], [])
    with pytest.raises(Exception, match="signal_target"):
        sep.roc_curve([np.nan, 1.0], [0.0])
