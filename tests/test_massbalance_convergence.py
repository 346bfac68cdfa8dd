"""Issue #23: no identification from an unconverged fit, convergence reported honestly,
observability decided at the solution, disconnected plants refused."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from resourcekit.errors import ResourcekitWarning
from resourcekit.massbalance import Flowsheet, FlowsheetError
from resourcekit.massbalance._base import ConvergenceWarning
from resourcekit.massbalance._graph import (
    _check_unobservable_loops,
    _generic_unobservable,
    _unobservable_at,
)
from resourcekit.massbalance._measurements import read_measurements
from resourcekit.massbalance._problem import _Problem, _read_sd


def _loop_plant() -> tuple[Flowsheet, pd.DataFrame]:
    """A recycle loop P (A->B), R (B->A) whose flows are unmeasured: mass alone leaves the
    circulation P - R = C free; the copper assays of P and R (0.136 and 0.08 at the truth)
    determine it through the copper balance of B."""
    fs = Flowsheet.from_edges([("F", None, "A"), ("P", "A", "B"), ("C", "B", None),
                               ("R", "B", "A"), ("T", "A", None)])
    f, c, t, r = 100.0, 10.0, 90.0, 50.0
    p = c + r
    a_c, a_r = 0.40, 0.08
    a_p = (c * a_c + r * a_r) / p
    a_t = (f * 0.05 + r * a_r - p * a_p) / t
    m = pd.DataFrame({"mass": [f * 1.01, np.nan, c * 0.98, np.nan, t],
                      "Cu": [0.05, a_p * 1.02, a_c, a_r * 0.97, a_t]},
                     index=["F", "P", "C", "R", "T"])
    return fs, m


def _gross_plant() -> tuple[Flowsheet, pd.DataFrame]:
    """Two-node plant with one assay 1.5x its true value (a gross error)."""
    fs, m = _loop_plant()
    m = m.copy()
    m.loc["C", "Cu"] *= 1.5
    m.loc["P", "mass"] = 60.0
    return fs, m


def test_unconverged_fit_says_so_and_why() -> None:
    fs, m = _loop_plant()
    # tol = 0 cannot be met: the solver runs to its limit, 4 * max_iter + one per value
    # (5 streams x 2 columns), and says so
    with pytest.warns(ConvergenceWarning, match=r"14 iterations, largest scaled balance"):
        res = fs.reconcile(m, sd=0.03, max_iter=1, tol=0.0)
    assert res.convergence.converged is False
    assert res.convergence.iterations == 14
    assert any("no convergence: 14 iterations" in n for n in res.convergence.notes)
    # the same data with the default limit converge
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        assert fs.reconcile(m, sd=0.03).convergence.converged is True


def test_no_serial_elimination_from_an_unconverged_fit() -> None:
    fs, m = _gross_plant()
    converged = fs.reconcile(m, sd=0.03)
    # converged, the gross error is found (C's copper, 1.5x) ...
    assert converged.convergence.converged
    assert len(converged.eliminated) >= 1
    assert (converged.eliminated["stream"].iloc[0], converged.eliminated["column"].iloc[0]) \
        == ("C", "Cu")
    # ... unconverged, nothing is eliminated and the unconverged values come back
    with pytest.warns(ConvergenceWarning, match="identify='serial' is not applied"):
        res = fs.reconcile(m, sd=0.03, max_iter=0, tol=0.0)
    assert not res.convergence.converged
    assert len(res.eliminated) == 0
    assert len(res.suspects) == 0
    assert not (res.redundancy == "eliminated").any().any()
    with pytest.warns(ConvergenceWarning, match="identify='measurement_test'"):
        res2 = fs.reconcile(m, sd=0.03, max_iter=0, tol=0.0, identify="measurement_test")
    assert len(res2.suspects) == 0


def test_convergence_warning_is_a_resourcekit_warning() -> None:
    assert issubclass(ConvergenceWarning, ResourcekitWarning)


def test_disconnected_plant_is_named() -> None:
    fs = Flowsheet.from_edges([("F", None, "A"), ("P", "A", None),
                               ("F2", None, "Bx"), ("P2", "Bx", "Cx"), ("Q2", "Cx", None),
                               ("F3", None, "Cx")])
    m = pd.DataFrame({"mass": [10.0, 10.0, 5.0, 5.0, 7.0, 2.0]},
                     index=["F", "P", "F2", "P2", "Q2", "F3"])
    with pytest.raises(FlowsheetError, match=r"\['A'\] \(streams \['F', 'P'\]\)"):
        fs.reconcile(m, sd=0.02)


def test_stream_with_no_node_is_named() -> None:
    with pytest.raises(FlowsheetError, match="'X' has no node"):
        Flowsheet.from_edges([("F", None, "A"), ("P", "A", None), ("X", None, None)])


def _problem(fs: Flowsheet, m: pd.DataFrame) -> _Problem:
    meas = read_measurements(fs, m)
    return _Problem(fs, meas, _read_sd(fs, meas, m, 0.03))


def test_loop_observable_through_assays_is_reconciled() -> None:
    fs, m = _loop_plant()
    res = fs.reconcile(m, sd=0.03)
    rec = res.reconciled
    assert res.convergence.converged
    assert not res.unobservable.any().any()
    # closes the mass and copper balances of B with the recycle found from the assays
    b_mass = rec.loc["P", "mass"] - rec.loc["C", "mass"] - rec.loc["R", "mass"]
    b_cu = (rec.loc["P", "mass"] * rec.loc["P", "Cu"] - rec.loc["C", "mass"] * rec.loc["C", "Cu"]
            - rec.loc["R", "mass"] * rec.loc["R", "Cu"])
    assert abs(b_mass) < 1e-8 and abs(b_cu) < 1e-8
    assert 30 < rec.loc["R", "mass"] < 70


def test_observability_is_decided_at_the_solution() -> None:
    """The solver's flags alone must not refuse a loop (#23: M0 and X16 were refused at an
    unconverged point although the unmeasured Jacobian had full rank at the optimum)."""
    fs, m = _loop_plant()
    res = fs.reconcile(m, sd=0.03)
    prob = _problem(fs, m)
    mask = prob.measured.copy()
    z = np.concatenate([res.reconciled["mass"].to_numpy(), res.reconciled["Cu"].to_numpy()])
    flagged = np.zeros(prob.n * 2, dtype=bool)
    flagged[[1, 3]] = True  # P and R flagged unobservable by the solver
    xi = np.nonzero(mask)[0]
    # structural: generically observable; numerical: full rank at the solution
    assert not _generic_unobservable(prob, mask).any()
    assert not _unobservable_at(prob, mask, z).any()
    _check_unobservable_loops(prob, flagged, {"xi": xi, "z": z, "converged": True})
    # unconverged: never refused on the solver's flags
    _check_unobservable_loops(prob, flagged, {"xi": xi, "z": z, "converged": False})
    # at a point where P and R carry the same assay the circulation is invisible: refused
    z_bad = z.copy()
    z_bad[5 + 1] = z_bad[5 + 3] = 0.1
    assert _unobservable_at(prob, mask, z_bad)[[1, 3]].all()
    with pytest.raises(FlowsheetError, match="not at this solution"):
        _check_unobservable_loops(prob, flagged, {"xi": xi, "z": z_bad, "converged": True})


def test_loop_without_assays_is_refused_structurally() -> None:
    fs, m = _loop_plant()
    m = m.copy()
    m.loc[["P", "R"], "Cu"] = np.nan
    prob = _problem(fs, m)
    gen = _generic_unobservable(prob, prob.measured.copy())
    assert gen[[1, 3]].all()  # both loop flows
    with pytest.raises(FlowsheetError, match="any amount could circulate"):
        fs.reconcile(m, sd=0.03)
