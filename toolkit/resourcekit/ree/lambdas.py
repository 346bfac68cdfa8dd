r"""Shape coefficients of REE patterns: O'Neill (2016) lambdas and tetrad coefficients.

A chondrite-normalised pattern is fitted as

.. math:: \ln X_N(r) = \lambda_0 + \lambda_1 f_1(r) + \lambda_2 f_2(r) + \lambda_3 f_3(r) + \dots

with :math:`f_k` the monic polynomials in the ionic radius :math:`r` (Shannon 1976, REE3+ in
8-fold coordination) that are orthogonal over the radii of a *basis* set of elements. They are
built here by the three-term (Stieltjes) recurrence

.. math:: f_{k+1}(r) = (r - a_k) f_k(r) - b_k f_{k-1}(r),\quad
          a_k = \frac{\sum_i r_i f_k(r_i)^2}{\sum_i f_k(r_i)^2},\quad
          b_k = \frac{\sum_i f_k(r_i)^2}{\sum_i f_{k-1}(r_i)^2},

which gives the same polynomials as O'Neill's parameters (:math:`f_1 = r - \beta`,
:math:`f_2 = (r-\gamma_0)(r-\gamma_1)`, ...). The lambdas are the least-squares coefficients
over the elements present in a row, :math:`\boldsymbol\lambda = (F^\top F)^{-1} F^\top \ln
\mathbf{x}_N`, which is O'Neill's algorithm (his matrix A). Rows are grouped by missing-data
pattern so that each pattern is one matrix product.

References
----------
O'Neill H.St.C. (2016) The smoothness and shapes of chondrite-normalized rare earth element
patterns in basalts. Journal of Petrology 57:1463-1508, doi:10.1093/petrology/egw047.

Anenburg M., Williams M.J. (2022) Quantifying the tetrad effect, shape components, and Ce-Eu-Gd
anomalies in rare earth element patterns. Mathematical Geosciences 54:47-70,
doi:10.1007/s11004-021-09959-5.

Shannon R.D. (1976) Acta Crystallographica A32:751-767, doi:10.1107/S0567739476001551.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..errors import OptionError
from ._elements import ATOMIC_NUMBER, IONIC_RADIUS, REE
from ._read import as_frame, report
from .normalization import normalized_table, reference_values

__all__ = [
    "lambdas",
    "pattern_from_lambdas",
    "orthogonal_polynomials",
    "polynomial_parameters",
    "BASES",
    "TETRAD_CENTRES",
    "LambdaFitWarning",
]

#: Basis sets: the elements over whose radii the polynomials are orthogonal.
BASES: dict[str, tuple[tuple[str, ...], str]] = {
    "ONeill2016": (
        tuple(el for el in REE if el != "Eu"),
        "O'Neill (2016): the 13 REE La-Lu without Eu (and Pm); pyrolite params=\"O'Neill (2016)\"",
    ),
    "full": (REE, "all 14 REE La-Lu (Pm absent); pyrolite params='full'"),
}

#: Tetrad centres [atomic number] and width, as in Anenburg & Williams (2022) and pyrolite.
TETRAD_CENTRES: tuple[float, ...] = (58.75, 62.25, 65.75, 69.25)
TETRAD_WIDTH = 3.5


class LambdaFitWarning(UserWarning):
    """Rows that could not be fitted (too few elements); their lambdas are NaN."""


def _basis_radii(basis: str) -> np.ndarray:
    if basis not in BASES:
        raise OptionError(f"basis = {basis!r} is not known; use one of {sorted(BASES)}")
    return np.array([IONIC_RADIUS[el] for el in BASES[basis][0]])


def _recurrence(radii: np.ndarray, degree: int) -> tuple[np.ndarray, np.ndarray]:
    a = np.zeros(degree)
    b = np.zeros(degree)
    prev = np.zeros_like(radii)
    cur = np.ones_like(radii)
    norm_prev = 1.0
    for k in range(degree - 1):
        norm = float(cur @ cur)
        a[k] = float(radii @ (cur * cur)) / norm
        b[k] = norm / norm_prev if k else 0.0
        prev, cur = cur, (radii - a[k]) * cur - b[k] * prev
        norm_prev = norm
    return a, b


def orthogonal_polynomials(
    radii: Sequence[float] | np.ndarray, degree: int = 4, basis: str = "ONeill2016"
) -> np.ndarray:
    r"""Values of the orthogonal polynomials :math:`f_0 \dots f_{degree-1}` at ``radii``.

    Parameters
    ----------
    radii : array_like
        Ionic radii [angstrom] at which to evaluate.
    degree : int
        Number of polynomials (``4`` gives :math:`f_0 = 1, f_1, f_2, f_3`).
    basis : str
        Key of :data:`BASES`: the set of elements over which they are orthogonal.

    Returns
    -------
    numpy.ndarray
        Shape ``(len(radii), degree)``.

    Examples
    --------
    >>> from resourcekit.ree._elements import IONIC_RADIUS
    >>> F = orthogonal_polynomials([IONIC_RADIUS[e] for e in BASES["ONeill2016"][0]])
    >>> bool(np.allclose(F.T @ F, np.diag(np.diag(F.T @ F))))  # orthogonal columns
    True
    """
    _check_degree(degree)
    a, b = _recurrence(_basis_radii(basis), degree)
    r = np.asarray(radii, dtype="float64")
    out = np.empty((r.size, degree))
    prev = np.zeros_like(r)
    cur = np.ones_like(r)
    for k in range(degree):
        out[:, k] = cur
        prev, cur = cur, (r - a[k]) * cur - b[k] * prev
    return out


def polynomial_parameters(degree: int = 4, basis: str = "ONeill2016") -> list[tuple[float, ...]]:
    r"""Roots of the orthogonal polynomials: O'Neill's :math:`(), (\beta), (\gamma_0, \gamma_1),
    (\delta_0, \delta_1, \delta_2), \dots` [angstrom].

    Examples
    --------
    >>> [round(x, 6) for x in polynomial_parameters()[2]]
    [1.005327, 1.128236]
    """
    _check_degree(degree)
    a, b = _recurrence(_basis_radii(basis), degree)
    polys = [np.polynomial.Polynomial([1.0])]
    prev = np.polynomial.Polynomial([0.0])
    x = np.polynomial.Polynomial([0.0, 1.0])
    for k in range(degree - 1):
        prev, nxt = polys[-1], (x - a[k]) * polys[-1] - b[k] * prev
        polys.append(nxt)
    return [tuple(float(v) for v in np.sort(p.roots().real)) for p in polys]


def _tetrad_functions(z: np.ndarray) -> np.ndarray:
    """Tetrad functions at atomic numbers z, shape (len(z), 4) (Anenburg & Williams 2022)."""
    g = (z[:, None] - np.array(TETRAD_CENTRES)[None, :]) / (TETRAD_WIDTH / 2)
    return np.clip(1.0 - g**2, 0.0, None)


def _design(elements: Sequence[str], degree: int, basis: str, tetrads: bool) -> np.ndarray:
    radii = np.array([IONIC_RADIUS[el] for el in elements])
    design = orthogonal_polynomials(radii, degree, basis)
    if tetrads:
        z = np.array([ATOMIC_NUMBER[el] for el in elements], dtype=float)
        design = np.hstack([design, _tetrad_functions(z)])
    return design


def _check_degree(degree: int) -> None:
    if not isinstance(degree, (int, np.integer)) or isinstance(degree, bool) or not (
        1 <= degree <= 7
    ):
        raise OptionError(f"degree = {degree!r} must be an integer from 1 to 7")


def lambdas(
    data: pd.DataFrame | pd.Series,
    degree: int = 4,
    reference: str | pd.Series | None = "CI_ONeill2016",
    exclude: Sequence[str] = ("Eu",),
    basis: str = "ONeill2016",
    tetrads: bool = False,
    uncertainties: bool = False,
    *,
    units: Any = None,
    bdl: str = "nan",
    min_elements: int | None = None,
    sigma: float = 0.01,
) -> pd.DataFrame | pd.Series:
    r"""O'Neill (2016) shape coefficients :math:`\lambda_0 \dots \lambda_{d-1}` of REE patterns.

    .. math:: \ln\frac{X}{X_\mathrm{ref}}(r_i) = \sum_{k=0}^{d-1} \lambda_k f_k(r_i)
              \;[+ \sum_{j=0}^{3} \tau_j t_j(z_i)],\qquad
              \hat{\boldsymbol\lambda} = (F^\top F)^{-1} F^\top \ln \mathbf{x}_N

    fitted by least squares over the elements present in each row (Y is never fitted, Pm is
    absent). Tetrad functions (``tetrads=True``) are
    :math:`t_j(z) = \max(0, 1 - ((z - c_j)/(w/2))^2)` with centres
    :math:`c_j` = 58.75, 62.25, 65.75, 69.25 and width :math:`w` = 3.5 in atomic number
    (Anenburg & Williams 2022), fitted jointly with the lambdas as a linear model.

    Parameters
    ----------
    data : pandas.DataFrame or pandas.Series
        Concentrations (units as in :func:`~resourcekit.ree.normalize`), or already normalised
        values when ``reference=None``.
    degree : int
        Number of lambdas (4 gives :math:`\lambda_0 \dots \lambda_3`).
    reference : str, pandas.Series or None
        Reference composition for normalising; ``None`` if ``data`` are already normalised.
    exclude : sequence of str
        Elements left out of the fit (default Eu; add ``"Ce"`` for oxidised samples).
    basis : {"ONeill2016", "full"}
        Element set over which the polynomials are orthogonal (:data:`BASES`).
    tetrads : bool
        Also fit the four tetrad coefficients ``tau0 ... tau3``.
    uncertainties : bool
        Add standard errors ``lambda0_se ...`` and ``chi2``, the reduced chi-square with a
        relative uncertainty ``sigma`` on every value (as pyrolite).
    units, bdl
        As in :func:`~resourcekit.ree.normalize`.
    min_elements : int, optional
        Fewest fitted elements a row needs; default ``max(7, number of coefficients + 1)``.
        Rows with fewer get NaN and a :class:`LambdaFitWarning` naming the reason; values
        <= 0 count as missing.
    sigma : float
        Relative uncertainty of each value, used only for ``chi2`` [-].

    Returns
    -------
    pandas.DataFrame or pandas.Series
        ``lambda0 ... lambda{degree-1}`` (then ``tau0 ... tau3``, ``*_se``, ``chi2``), index
        kept; ``attrs["not_fitted"]`` counts rows left NaN by reason. A Series for a Series.

    Notes
    -----
    On complete data the result equals pyrolite's ``lambda_lnREE(norm_to="ChondriteREE_ON",
    exclude=["Pm", "Eu"], params="O'Neill (2016)", degree=4)`` (tested to 1e-6 relative).
    pyrolite fits the tetrads at atomic numbers interpolated from radii and with an optimiser;
    here they use true atomic numbers and the exact linear least-squares solution.

    References
    ----------
    O'Neill (2016), doi:10.1093/petrology/egw047; Anenburg & Williams (2022),
    doi:10.1007/s11004-021-09959-5.

    Examples
    --------
    >>> from resourcekit.ree import reference
    >>> flat = reference("CI_ONeill2016").drop("Y") * 10  # ten times chondrite, flat
    >>> lambdas(flat, units="ppm").round(6).tolist()
    [2.302585, 0.0, 0.0, 0.0]
    """
    _check_degree(degree)
    if isinstance(exclude, str):
        exclude = (exclude,)
    exclude = tuple(exclude)
    unknown = [el for el in exclude if el not in REE and el not in ("Pm", "Y")]
    if unknown:
        raise OptionError(f"exclude = {list(exclude)}: {unknown} are not REE symbols")
    frame, is_series = as_frame(data)
    fit_elements = [el for el in REE if el not in exclude]
    parsed = normalized_table(frame, reference, units, bdl, elements=fit_elements,
                              where="lambdas")
    report(parsed, bdl, "lambdas")
    with np.errstate(divide="ignore", invalid="ignore"):
        logs = np.log(parsed.values.T)  # (n, k); values <= 0 become -inf or NaN
    present = np.isfinite(logs)
    n_coef = degree + (4 if tetrads else 0)
    need = max(7, n_coef + 1) if min_elements is None else int(min_elements)
    if need < n_coef:
        raise ValueError(f"min_elements = {need} is below the number of coefficients {n_coef}")
    names = [f"lambda{k}" for k in range(degree)] + (
        [f"tau{k}" for k in range(4)] if tetrads else []
    )
    design = _design(parsed.elements, degree, basis, tetrads)
    n = logs.shape[0]
    coef = np.full((n, n_coef), np.nan)
    se = np.full((n, n_coef), np.nan) if uncertainties else None
    chi2 = np.full(n, np.nan) if uncertainties else None
    not_fitted: dict[str, int] = {}
    if present.all():
        groups = [(np.arange(n), np.ones(logs.shape[1], dtype=bool))]
        if logs.shape[1] < need:
            groups = []
            not_fitted[f"fewer than {need} elements"] = n
    else:
        weights = 1 << np.arange(logs.shape[1], dtype=np.int64)
        codes = present.astype(np.int64) @ weights
        uniq, inverse = np.unique(codes, return_inverse=True)
        groups = []
        for g, code in enumerate(uniq):
            mask = (int(code) & weights) > 0
            rows = np.flatnonzero(inverse == g)
            if mask.sum() < need:
                reason = "no values" if not mask.any() else f"fewer than {need} elements"
                not_fitted[reason] = not_fitted.get(reason, 0) + rows.size
                continue
            groups.append((rows, mask))
    for rows, mask in groups:
        design_g = design[mask]
        pinv = np.linalg.pinv(design_g)  # (n_coef, k_present)
        y = logs[rows][:, mask] if rows.size != n or not mask.all() else logs
        fitted = y @ pinv.T
        coef[rows] = fitted
        if uncertainties:
            dof = design_g.shape[0] - n_coef
            resid = y - fitted @ design_g.T
            ssq = (resid**2).sum(axis=1)
            cov = np.linalg.inv(design_g.T @ design_g)
            with np.errstate(divide="ignore", invalid="ignore"):
                chi2[rows] = ssq / sigma**2 / dof
                se[rows] = np.sqrt((ssq / dof)[:, None] * np.diag(cov)[None, :])
    if not_fitted:
        detail = ", ".join(f"{k} rows: {reason}" for reason, k in not_fitted.items())
        warnings.warn(
            f"lambdas: {sum(not_fitted.values())} rows left NaN ({detail}; values <= 0 or "
            "missing are not fitted)",
            LambdaFitWarning,
            stacklevel=2,
        )
    blocks = [coef]
    columns = list(names)
    if uncertainties:
        blocks += [se, chi2[:, None]]
        columns += [f"{c}_se" for c in names] + ["chi2"]
    out = pd.DataFrame(np.hstack(blocks) if len(blocks) > 1 else coef, index=frame.index,
                       columns=columns, copy=False)
    out.attrs = {"not_fitted": not_fitted, "basis": basis, "exclude": list(exclude)}
    if is_series:
        series = out.iloc[0]
        series.name = data.name
        return series
    return out


def pattern_from_lambdas(
    lambdas: Sequence[float] | np.ndarray | pd.Series | pd.DataFrame,
    *,
    elements: Sequence[str] = REE,
    basis: str = "ONeill2016",
    taus: Sequence[float] | None = None,
    reference: str | pd.Series | None = None,
) -> pd.Series | pd.DataFrame:
    r"""Rebuild a REE pattern from lambdas (and tetrad coefficients): the inverse of the fit.

    .. math:: X_N(r) = \exp\Big(\sum_k \lambda_k f_k(r) + \sum_j \tau_j t_j(z)\Big)

    Parameters
    ----------
    lambdas : sequence, Series or DataFrame
        ``[lambda0, lambda1, ...]`` for one pattern, or a DataFrame with columns ``lambda0 ...``
        (and ``tau0 ... tau3``) for many.
    elements : sequence of str
        Elements to evaluate (default all 14 REE).
    basis : str
        Basis the lambdas were fitted in (:data:`BASES`).
    taus : sequence of 4 floats, optional
        Tetrad coefficients for a single pattern.
    reference : str, Series or None
        If given, multiply by the reference to return concentrations [ppm]; else the
        normalised pattern [-].

    Returns
    -------
    pandas.Series or pandas.DataFrame
        One value per element (columns = elements for a DataFrame input).

    Examples
    --------
    >>> pattern_from_lambdas([np.log(10.0), 0, 0, 0])["La"]
    np.float64(10.0)
    """
    if isinstance(lambdas, pd.DataFrame):
        lam_cols = sorted(
            (c for c in lambdas.columns if str(c).startswith("lambda") and str(c)[6:].isdigit()),
            key=lambda c: int(str(c)[6:]),
        )
        if not lam_cols:
            raise KeyError(f"lambdas: no 'lambda0', 'lambda1', ... columns in {list(lambdas)}")
        coef = lambdas[lam_cols].to_numpy(dtype="float64")
        tau_cols = [f"tau{k}" for k in range(4)]
        has_tau = all(c in lambdas.columns for c in tau_cols)
        tau = lambdas[tau_cols].to_numpy(dtype="float64") if has_tau else None
        index = lambdas.index
    else:
        coef = np.atleast_2d(np.asarray(lambdas, dtype="float64"))
        if coef.shape[0] != 1:
            raise ValueError("lambdas: give one sequence of lambdas, or a DataFrame for many")
        tau = None if taus is None else np.atleast_2d(np.asarray(taus, dtype="float64"))
        if tau is not None and tau.shape[1] != 4:
            raise ValueError(f"taus must hold 4 values, got {tau.shape[1]}")
        index = None
    degree = coef.shape[1]
    _check_degree(degree)
    elements = list(elements)
    unknown = [el for el in elements if el not in IONIC_RADIUS]
    if unknown:
        raise ValueError(f"elements: {unknown} are not REE symbols")
    design = _design(elements, degree, basis, tetrads=False)
    logs = coef @ design.T
    if tau is not None:
        z = np.array([ATOMIC_NUMBER[el] for el in elements], dtype=float)
        logs = logs + tau @ _tetrad_functions(z).T
    values = np.exp(logs)
    if reference is not None:
        values = values * reference_values(reference, elements)[None, :]
    if index is None:
        return pd.Series(values[0], index=elements, name="pattern")
    return pd.DataFrame(values, index=index, columns=elements)
