"""Data reconciliation: closed form, bilinear vs a general optimiser, tests, observability."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import RCS_EDGES as EDGES
from resourcekit.massbalance import Flowsheet, FlowsheetError, methods, reconcile
from resourcekit.units import Quantity


@pytest.fixture(scope="module")
def circuit():
    """Rougher-cleaner-scavenger circuit with two recycles and its true balance."""
    fs = Flowsheet.from_edges(EDGES)
    feed = pd.DataFrame({"Cu": [3.0], "Zn": [5.0], "rest": [92.0]}, index=["feed"])
    split = pd.DataFrame(
        {"Cu": [0.85, 0.7, 0.6], "Zn": [0.3, 0.4, 0.2], "rest": [0.15, 0.2, 0.1]},
        index=["rc", "cc", "sc"],
    )
    true = fs.simulate(feed, split)[["mass", "Cu", "Zn"]]
    return fs, true


def noisy(true, rel, seed):
    rng = np.random.default_rng(seed)
    sd = rel * true
    return true + rng.normal(size=true.shape) * sd, sd


def relative_node_imbalance(fs, rec):
    """Largest |in - out| / throughput over all nodes and quantities."""
    a = fs.incidence.to_numpy()
    flows = rec["mass"].to_numpy()
    worst = 0.0
    for col in rec.columns:
        q = flows if col == "mass" else flows * rec[col].to_numpy()
        worst = max(worst, np.max(np.abs(a @ q) / (np.abs(a) @ np.abs(q) / 2)))
    return worst


# ---------------------------------------------------------------- invariants
@pytest.mark.parametrize("cols", [["mass"], ["mass", "Cu", "Zn"]])
def test_closed_balance_comes_back_unchanged(circuit, cols):
    fs, true = circuit
    res = fs.reconcile(true[cols], 0.05)
    np.testing.assert_allclose(res.reconciled.to_numpy(), true[cols].to_numpy(), rtol=1e-10)
    assert res.chi2 == pytest.approx(0.0, abs=1e-16)
    assert res.p_value == pytest.approx(1.0)
    assert res.suspects.empty


def test_reconciled_balances_close(circuit):
    fs, true = circuit
    meas, sd = noisy(true, 0.05, 3)
    res = fs.reconcile(meas, sd)
    assert res.convergence.converged
    assert relative_node_imbalance(fs, res.reconciled) < 1e-9
    assert res.convergence.max_relative_imbalance < 1e-9
    # with unmeasured values too
    meas.loc["rt", "mass"] = np.nan
    meas.loc["ct", :] = np.nan
    res = fs.reconcile(meas, sd.where(meas.notna()))
    assert not res.reconciled.isna().any().any()
    assert relative_node_imbalance(fs, res.reconciled) < 1e-9


# ---------------------------------------------------------------- linear closed form
def closed_form(a, x, v):
    """Notes' closed form: lambda = (A V A^T)^-1 A x; x^ = x - V A^T lambda (Kuehn 1961)."""
    vmat = np.diag(v)
    s = a @ vmat @ a.T
    lam = np.linalg.solve(s, a @ x)
    x_hat = x - vmat @ a.T @ lam
    v_hat = vmat - vmat @ a.T @ np.linalg.solve(s, a @ vmat)
    va = vmat @ a.T @ np.linalg.solve(s, a @ vmat)
    r = a @ x
    return x_hat, v_hat, r @ np.linalg.solve(s, r), np.abs(x_hat - x) / np.sqrt(np.diag(va))


@pytest.mark.parametrize("solver", ["dense", "sparse"])
def test_linear_equals_closed_form(circuit, solver):
    fs, true = circuit
    meas, sd = noisy(true[["mass"]], 0.04, 7)
    res = fs.reconcile(meas, sd, solver=solver)
    a = fs.incidence.to_numpy().astype(float)
    x_hat, v_hat, chi2, z = closed_form(a, meas["mass"].to_numpy(), sd["mass"].to_numpy() ** 2)
    np.testing.assert_allclose(res.reconciled["mass"].to_numpy(), x_hat, rtol=1e-12)
    np.testing.assert_allclose(res.sd["mass"].to_numpy(), np.sqrt(np.diag(v_hat)), rtol=1e-9)
    np.testing.assert_allclose(res.chi2, chi2, rtol=1e-10)
    np.testing.assert_allclose(res.measurement_tests["mass"].to_numpy(), z, rtol=1e-9)
    assert res.dof == 3 and res.convergence.method == "linear"


def kkt_solution(a, x, v, measured):
    """Independent solution with unmeasured flows: the full Lagrange (KKT) system."""
    n, m = a.shape[1], a.shape[0]
    xi = np.nonzero(measured)[0]
    k = np.zeros((n + m, n + m))
    rhs = np.zeros(n + m)
    k[xi, xi] = 1.0 / v[xi]
    rhs[xi] = x[xi] / v[xi]
    k[:n, n:] = a.T
    k[n:, :n] = a
    sol = np.linalg.lstsq(k, rhs, rcond=None)[0]
    return sol[:n]


@pytest.mark.parametrize("solver", ["dense", "sparse"])
def test_linear_with_unmeasured_equals_kkt(solver):
    # a chain of 30 nodes with side products and two recycles; one in four flows unmeasured
    rng = np.random.default_rng(11)
    edges = [("f0", None, "n0")]
    for i in range(29):
        edges += [(f"m{i}", f"n{i}", f"n{i + 1}"), (f"p{i}", f"n{i}", None)]
    edges += [("last", "n29", None), ("r1", "n10", "n3"), ("r2", "n25", "n12")]
    fs = Flowsheet.from_edges(edges)
    n = len(fs.streams)
    measured = np.ones(n, dtype=bool)
    measured[rng.choice(np.arange(1, n), size=n // 4, replace=False)] = False
    flows = rng.uniform(5, 50, n)
    sd = 0.05 * flows
    meas = pd.DataFrame({"mass": np.where(measured, flows, np.nan)}, index=list(fs.streams))
    sdf = pd.DataFrame({"mass": np.where(measured, sd, np.nan)}, index=list(fs.streams))
    # identify="none": these flows are random (inconsistent), serial elimination would remove
    # values and the result would no longer be the plain KKT solution
    res = fs.reconcile(meas, sdf, solver=solver, identify="none")
    a = fs.incidence.to_numpy().astype(float)
    expected = kkt_solution(a, np.nan_to_num(meas["mass"].to_numpy()), sd**2, measured)
    got = res.reconciled["mass"].to_numpy()
    unobs = res.unobservable["mass"].to_numpy()
    assert np.isnan(got[unobs]).all()
    np.testing.assert_allclose(got[~unobs], expected[~unobs], rtol=1e-9, atol=1e-9)
    dense = fs.reconcile(meas, sdf, solver="dense", identify="none")
    np.testing.assert_array_equal(dense.unobservable.to_numpy(), res.unobservable.to_numpy())
    np.testing.assert_allclose(res.chi2, dense.chi2, rtol=1e-9)
    np.testing.assert_allclose(res.sd["mass"][measured], dense.sd["mass"][measured],
                               rtol=1e-8)
    # observable unmeasured flows have their sd on the sparse path too (issue 11: was NaN)
    observable = ~measured & ~unobs
    assert observable.sum() >= 3
    assert np.isfinite(res.sd["mass"][observable]).all()
    np.testing.assert_allclose(res.sd["mass"][observable], dense.sd["mass"][observable],
                               rtol=1e-8)
    # recoveries (mass yields) with their sd from the sparse factor equal the dense ones
    np.testing.assert_allclose(res.recoveries()[["recovery", "recovery_sd"]].to_numpy(),
                               dense.recoveries()[["recovery", "recovery_sd"]].to_numpy(),
                               rtol=1e-8)


# ---------------------------------------------------------------- bilinear vs scipy
def slsqp(fs, meas, sd):
    from scipy.optimize import minimize

    a = fs.incidence.to_numpy().astype(float)
    n = a.shape[1]
    x = meas.to_numpy().T.ravel()
    v = sd.to_numpy().T.ravel() ** 2
    known = np.isfinite(x)
    start = np.where(known, x, np.nan)
    start[:n] = np.where(np.isfinite(start[:n]), start[:n], np.nanmean(x[:n]) * 0.2)
    for k in range(1, meas.shape[1]):
        col = start[k * n:(k + 1) * n]
        start[k * n:(k + 1) * n] = np.where(np.isfinite(col), col, np.nanmean(col))

    def objective(z):
        return np.sum((z[known] - x[known]) ** 2 / v[known])

    def cons(z):
        f = z[:n]
        return np.concatenate(
            [a @ f] + [a @ (f * z[k * n:(k + 1) * n]) for k in range(1, meas.shape[1])]
        )

    out = minimize(objective, start, method="SLSQP", constraints={"type": "eq", "fun": cons},
                   options={"ftol": 1e-12, "maxiter": 500})
    assert out.success, out.message
    return out.x.reshape(meas.shape[1], n).T, out.fun


@pytest.mark.parametrize("seed", [1, 2])
def test_bilinear_equals_slsqp(circuit, seed):
    fs, true = circuit
    meas, sd = noisy(true, 0.03, seed)
    res = fs.reconcile(meas, sd)
    z, fun = slsqp(fs, meas, sd)
    # SLSQP stops at ftol = 1e-12 on an objective of order 1: values agree to ~1e-6 relative
    np.testing.assert_allclose(res.reconciled.to_numpy(), z, rtol=1e-5)
    np.testing.assert_allclose(res.chi2, fun, rtol=1e-6)
    assert res.convergence.method == "bilinear" and res.convergence.iterations < 20


def test_bilinear_with_unmeasured_equals_slsqp(circuit):
    fs, true = circuit
    meas, sd = noisy(true, 0.03, 5)
    meas.loc["rt", "mass"] = np.nan
    meas.loc["ct", ["mass", "Zn"]] = np.nan
    res = fs.reconcile(meas, sd.where(meas.notna()))
    z, fun = slsqp(fs, meas, sd)
    np.testing.assert_allclose(res.reconciled.to_numpy(), z, rtol=1e-5)
    np.testing.assert_allclose(res.chi2, fun, rtol=1e-6)
    assert res.redundancy.loc["rt", "mass"] == "observable"


# ---------------------------------------------------------------- statistics
def test_chi2_follows_its_distribution(circuit):
    fs, true = circuit
    chi2, p = [], []
    for seed in range(200):
        meas, sd = noisy(true, 0.02, 100 + seed)
        res = fs.reconcile(meas, sd, identify="none")
        chi2.append(res.chi2)
        p.append(res.p_value)
    dof = fs.reconcile(true, 0.02).dof
    assert dof == 9  # 3 nodes x 3 balances, nothing unmeasured
    # mean of chi2(9) is 9, sd of the mean of 200 draws is sqrt(18/200) = 0.3 (the balance is
    # bilinear, so chi2 is chi2(9) only to first order: allow 4 sd)
    assert abs(np.mean(chi2) - dof) < 1.2
    # the global test rejects clean data at about its significance (binomial sd 1.5 %)
    rate = np.mean(np.asarray(p) < 0.05)
    print("global test rejects clean data at rate", rate)
    assert 0.01 <= rate <= 0.10


def test_gross_error_detection_rates(circuit):
    """Report: false alarms on clean data and detection of one injected gross error."""
    fs, true = circuit
    trials = 150
    false_alarm = detected = identified = 0
    for seed in range(trials):
        meas, sd = noisy(true, 0.02, 1000 + seed)
        if not fs.reconcile(meas, sd).suspects.empty:
            false_alarm += 1
        bad = meas.copy()
        bad.loc["cc", "Cu"] *= 1.0 + 10 * 0.02  # a bias of 10 sd on the concentrate assay
        sus = fs.reconcile(bad, sd).suspects
        pairs = set(zip(sus["stream"], sus["column"], strict=True))
        detected += ("cc", "Cu") in pairs
        identified += len(pairs) == 1 and ("cc", "Cu") in pairs
    rates = {"false_alarm": false_alarm / trials, "detected": detected / trials,
             "identified_alone": identified / trials}
    print("gross-error rates at significance 0.05:", rates)
    # family-wise significance 0.05: the false-alarm rate is at most about 5 %
    assert rates["false_alarm"] <= 0.10
    assert rates["detected"] >= 0.85
    assert rates["identified_alone"] >= 0.75


def test_measurement_test_variant_flags_at_least_the_serial_one(circuit):
    fs, true = circuit
    meas, sd = noisy(true, 0.02, 4)
    meas.loc["st", "Zn"] *= 1.3
    serial = fs.reconcile(meas, sd).suspects
    allz = fs.reconcile(meas, sd, identify="measurement_test").suspects
    assert serial.iloc[0][["stream", "column"]].tolist() == ["st", "Zn"]
    assert allz.iloc[0][["stream", "column"]].tolist() == ["st", "Zn"]
    assert (allz["z"] > allz["critical_z"]).all()


# ---------------------------------------------------------------- observability
def test_unobservable_reported_not_filled():
    fs = Flowsheet.from_edges([("feed", None, "A"), ("p1", "A", None), ("p2", "A", None),
                               ("x", "A", "B"), ("y", "B", None)])
    meas = pd.DataFrame({"mass": [100.0, np.nan, np.nan, 30.0, 29.0]}, index=list(fs.streams))
    res = fs.reconcile(meas, 0.05)
    assert res.unobservable["mass"].tolist() == [False, True, True, False, False]
    assert res.reconciled.loc[["p1", "p2"], "mass"].isna().all()
    assert res.sd.loc[["p1", "p2"], "mass"].isna().all()
    assert res.redundancy["mass"].tolist() == [
        "non-redundant", "unobservable", "unobservable", "redundant", "redundant"]
    # x and y are redundant and reconciled to one value; feed keeps its measurement
    assert res.reconciled.loc["x", "mass"] == pytest.approx(res.reconciled.loc["y", "mass"])
    assert res.reconciled.loc["feed", "mass"] == 100.0
    assert res.summary().loc["unobservable", "value"] == 2


def test_two_product_observable_from_assays():
    # mass of concentrate and tail unmeasured: the assays determine them (two-product formula)
    fs = Flowsheet.from_edges([("feed", None, "cell"), ("conc", "cell", None),
                               ("tail", "cell", None)])
    meas = pd.DataFrame({"mass": [100.0, np.nan, np.nan], "Cu": [0.02, 0.25, 0.004]},
                        index=list(fs.streams))
    res = fs.reconcile(meas, 0.05)
    c_over_f = (0.02 - 0.004) / (0.25 - 0.004)
    np.testing.assert_allclose(res.reconciled.loc["conc", "mass"], 100 * c_over_f, rtol=1e-9)
    assert res.dof == 0 and res.chi2 == pytest.approx(0.0, abs=1e-20)
    assert res.redundancy.loc["conc", "mass"] == "observable"


# ---------------------------------------------------------------- units and recoveries
def test_units_in_column_names_and_pint(circuit):
    fs, true = circuit
    meas, sd = noisy(true, 0.03, 9)
    plain = fs.reconcile(meas, sd)
    pct = meas.rename(columns={"Cu": "Cu [%]", "Zn": "Zn [%]"})
    pct[["Cu [%]", "Zn [%]"]] *= 100
    sdp = sd.rename(columns={"Cu": "Cu [%]", "Zn": "Zn [%]"})
    sdp[["Cu [%]", "Zn [%]"]] *= 100
    res = fs.reconcile(pct, sdp)
    np.testing.assert_allclose(res.reconciled["Cu [%]"], 100 * plain.reconciled["Cu"],
                               rtol=1e-9)
    np.testing.assert_allclose(res.sd["Zn [%]"], 100 * plain.sd["Zn"], rtol=1e-7)
    q = meas.astype(object)
    q["Cu"] = [Quantity(v * 1e4, "ppm") for v in meas["Cu"]]
    sdq = sd.astype(object)
    sdq["Cu"] = [Quantity(v * 1e4, "ppm") for v in sd["Cu"]]
    res = fs.reconcile(q, sdq)
    np.testing.assert_allclose(res.reconciled["Cu"], 1e4 * plain.reconciled["Cu"], rtol=1e-9)


def test_recoveries_against_monte_carlo(circuit):
    fs, true = circuit
    meas, sd = noisy(true, 0.03, 21)
    res = fs.reconcile(meas, sd)
    rec = res.recoveries()
    r = res.reconciled
    # recovery of Cu to the concentrate from the reconciled values
    expected = r.loc["cc", "mass"] * r.loc["cc", "Cu"] / (r.loc["feed", "mass"]
                                                            * r.loc["feed", "Cu"])
    np.testing.assert_allclose(rec.loc[("cc", "Cu"), "recovery"], expected, rtol=1e-12)
    np.testing.assert_allclose(rec.loc[("cc", "Cu"), "recovery"]
                               + rec.loc[("st", "Cu"), "recovery"], 1.0, rtol=1e-9)
    # the first-order sd agrees with the spread of recoveries over repeated surveys
    rng = np.random.default_rng(5)
    draws = []
    for _ in range(300):
        m = meas + rng.normal(size=meas.shape) * sd
        rr = fs.reconcile(m, sd, identify="none").reconciled
        draws.append(rr.loc["cc", "mass"] * rr.loc["cc", "Cu"]
                     / (rr.loc["feed", "mass"] * rr.loc["feed", "Cu"]))
    # 300 draws: the sample sd is within ~8 % (2 sigma) of the true one
    np.testing.assert_allclose(np.std(draws, ddof=1), rec.loc[("cc", "Cu"), "recovery_sd"],
                               rtol=0.15)


# ---------------------------------------------------------------- bad input
def test_bad_input(circuit):
    fs, true = circuit
    with pytest.raises(ValueError, match="< 0"):
        fs.reconcile(true.assign(mass=-true["mass"]), 0.05)
    with pytest.raises(ValueError, match=r"outside \[0, 1\]"):
        fs.reconcile(true.assign(Cu=true["Cu"] * 100), 0.05)
    with pytest.raises(KeyError, match="no 'mass' column"):
        fs.reconcile(true.drop(columns="mass"), 0.05)
    with pytest.raises(KeyError, match="does not have"):
        fs.reconcile(true.rename(index={"cc": "conc"}), 0.05)
    with pytest.raises(ValueError, match="relative standard deviation"):
        fs.reconcile(true, -0.1)
    sd = 0.05 * true
    sd.loc["cc", "Cu"] = np.nan
    with pytest.raises(ValueError, match="finite standard deviation"):
        fs.reconcile(true, sd)
    with pytest.raises(ValueError, match="method = 'newton'"):
        fs.reconcile(true, 0.05, method="newton")
    with pytest.raises(ValueError, match="mass flows only"):
        fs.reconcile(true, 0.05, method="linear")
    with pytest.raises(TypeError, match="must be a Flowsheet"):
        reconcile("fs", true, 0.05)


def test_loop_of_unmeasured_streams():
    fs = Flowsheet.from_edges([("feed", None, "A"), ("ab", "A", "B"), ("ba", "B", "A"),
                               ("out", "B", None)])
    meas = pd.DataFrame({"mass": [100.0, np.nan, np.nan, 99.0]}, index=list(fs.streams))
    with pytest.raises(FlowsheetError, match=r"\['ab', 'ba'\] form a loop"):
        fs.reconcile(meas, 0.05)
    # measuring one stream of the loop makes it observable
    meas.loc["ba", "mass"] = 20.0
    res = fs.reconcile(meas, 0.05)
    assert res.reconciled.loc["ab", "mass"] == pytest.approx(
        res.reconciled.loc["out", "mass"] + 20.0)


def test_zero_sd(circuit):
    fs, _ = circuit
    meas = pd.DataFrame({"mass": [100.0, 30.0, 80.0, 10.0, 20.0, 10.0, 88.0]},
                        index=list(fs.streams))
    sd = 0.05 * meas
    sd.loc["feed", "mass"] = 0.0
    res = fs.reconcile(meas, sd)
    assert res.reconciled.loc["feed", "mass"] == 100.0  # a fixed value stays fixed
    assert res.sd.loc["feed", "mass"] == 0.0
    sd.loc[:, "mass"] = 0.0
    sd.loc["rc", "mass"] = 1.0
    with pytest.raises(FlowsheetError, match="zero standard deviation conflict"):
        fs.reconcile(meas, sd)


def test_methods_registry():
    assert list(methods().index) == ["linear", "bilinear"]
