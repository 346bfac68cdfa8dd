"""Partition models: one public, documented function per model, listed from one registry.

Each model gives the corrected partition number :math:`E_c(x)` (by-pass removed) to the coarse
or dense product; :func:`partition_curve` adds the by-pass, :func:`partition_models` lists the
registry :data:`MODELS` (parameters, formula, public function, reference), and
:func:`~resourcekit.separation.fit_partition` fits any of them by name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from resourcekit.errors import OptionError

from . import _kind

__all__ = [
    "MODELS",
    "logistic_partition",
    "lynch_rao_partition",
    "whiten_partition",
    "rosin_rammler_partition",
    "partition_models",
    "partition_curve",
]

LN3 = float(np.log(3.0))
LN2 = float(np.log(2.0))


# ------------------------------------------------------------------ array cores (used in fits)

def _logistic(x: np.ndarray, x50: Any, ep: Any) -> np.ndarray:
    z = np.clip(LN3 * (x50 - x) / ep, -700, 700)
    return 1.0 / (1.0 + np.exp(z))


def _lynch_rao(x: np.ndarray, x50: Any, alpha: Any) -> np.ndarray:
    a = np.clip(alpha, 1e-6, 500)
    ax = np.clip(a * x / x50, 0, 700)
    return np.expm1(ax) / (np.exp(ax) + np.exp(a) - 2.0)


def _rosin_rammler(x: np.ndarray, x50: Any, m: Any) -> np.ndarray:
    return -np.expm1(-LN2 * np.power(np.maximum(x / x50, 0.0), m))


def _beta_star(alpha: np.ndarray, beta: np.ndarray) -> np.ndarray:
    """Solve (1 + b b*)(e^a - 1)/(e^(a b*) + e^a - 2) = 1/2 for b* >= 1 (bisection)."""
    a = np.clip(np.asarray(alpha, float), 1e-6, 500)
    b = np.maximum(np.asarray(beta, float), 0.0)
    a, b = np.broadcast_arrays(a, b)
    ea = np.expm1(a)

    def g(s: np.ndarray) -> np.ndarray:
        return 2.0 * (1.0 + b * s) * ea - (np.exp(np.minimum(a * s, 700)) + ea - 1.0)

    lo = np.ones_like(a)
    hi = 1.0 + (60.0 + np.log1p(b * 100.0)) / a
    for _ in range(70):
        mid = 0.5 * (lo + hi)
        pos = g(mid) > 0
        lo = np.where(pos, mid, lo)
        hi = np.where(pos, hi, mid)
    return 0.5 * (lo + hi)


def _whiten(x: np.ndarray, x50: Any, alpha: Any, beta: Any) -> np.ndarray:
    a = np.clip(alpha, 1e-6, 500)
    bs = _beta_star(a, beta)
    xx = x / x50
    eo = (1.0 + beta * bs * xx) * np.expm1(a) / (
        np.exp(np.clip(a * bs * xx, 0, 700)) + np.expm1(a) - 1.0
    )
    return 1.0 - eo




# -------------------------------------------------------------------- public model functions


def _x(x: Any) -> tuple[Any, np.ndarray]:
    return _kind.template(x), _kind.number(x, "x", allow_nan=True)


def logistic_partition(x: Any, x50: float, ep: float) -> Any:
    r"""Logistic partition curve written with the ecart probable (Napier-Munn 1991).

    .. math::

        E_c(x) = \frac{1}{1 + \exp(\ln 3\,(x_{50} - x)/E_p)}

    so that :math:`E_c(x_{50} \pm E_p)` = 0.75 / 0.25 exactly.

    Parameters
    ----------
    x : float, array or Series
        Class size [um, mm] or relative density [-].
    x50 : float
        Cut point (size or density at E_c = 0.5). [unit of x]
    ep : float
        Ecart probable (x75 - x25)/2. [unit of x]

    Returns
    -------
    Same kind as ``x``: corrected partition numbers (0-1).

    References
    ----------
    - [1] Napier-Munn T.J. (1991) Modelling and simulating dense medium separation processes: a
      progress report. Minerals Engineering 4(3-4):329-346.

    >>> logistic_partition([1.55, 1.60, 1.65], 1.6, 0.05).round(3).tolist()
    [0.25, 0.5, 0.75]
    """
    tmpl, xa = _x(x)
    return _kind.like(tmpl, _logistic(xa, float(x50), float(ep)))


def lynch_rao_partition(x: Any, x50: float, alpha: float) -> Any:
    r"""Lynch-Rao classifier efficiency curve (corrected, to the underflow).

    .. math::

        E_c = \frac{\exp(\alpha x') - 1}{\exp(\alpha x') + \exp(\alpha) - 2},\qquad
        x' = x / x_{50c}

    Parameters
    ----------
    x : float, array or Series
        Particle size. [um]
    x50 : float
        Corrected cut size d50c. [um]
    alpha : float
        Sharpness of separation (larger: sharper). [-]

    References
    ----------
    - [1] Lynch A.J., Rao T.C. (1975) Modelling and scale-up of hydrocyclone classifiers. Proc.
      11th Int. Mineral Processing Congress, Cagliari, 245-269.

    >>> round(float(lynch_rao_partition(100.0, 100.0, 3.0)), 3)
    0.5
    """
    tmpl, xa = _x(x)
    return _kind.like(tmpl, _lynch_rao(xa, float(x50), float(alpha)))


def whiten_partition(x: Any, x50: float, alpha: float, beta: float) -> Any:
    r"""Whiten-beta efficiency curve (fish-hook), as the partition to the underflow, C = 1.

    .. math::

        E_c = 1 - \frac{(1 + \beta\beta^* x')(\exp(\alpha) - 1)}
        {\exp(\alpha\beta^* x') + \exp(\alpha) - 2},\qquad x' = x / x_{50c}

    with :math:`\beta^*` solved so that :math:`E_c(x_{50c}) = 1/2`. For :math:`\beta > 0` the
    curve rises again at the fine end (the fish-hook: fines dragged into the underflow).

    Parameters
    ----------
    x : float, array or Series
        Particle size. [um]
    x50 : float
        Corrected cut size d50c. [um]
    alpha : float
        Sharpness. [-]
    beta : float
        Fish-hook parameter (0: none). [-]

    References
    ----------
    - [1] Napier-Munn T.J., Morrell S., Morrison R.D., Kojovic T. (1996) Mineral Comminution
      Circuits: Their Operation and Optimisation, JKMRC, Brisbane, ch. 12 (Whiten-beta
      efficiency curve).

    >>> round(float(whiten_partition(100.0, 100.0, 3.0, 0.5)), 6)
    0.5
    """
    tmpl, xa = _x(x)
    return _kind.like(tmpl, _whiten(xa, float(x50), float(alpha), float(beta)))


def rosin_rammler_partition(x: Any, x50: float, m: float) -> Any:
    r"""Rosin-Rammler (Plitt) classifier curve.

    .. math::

        E_c = 1 - \exp\!\left(-\ln 2\,(x / x_{50c})^m\right)

    Parameters
    ----------
    x : float, array or Series
        Particle size. [um]
    x50 : float
        Corrected cut size d50c. [um]
    m : float
        Sharpness (Plitt's m; larger: sharper). [-]

    References
    ----------
    - [1] Plitt L.R. (1976) A mathematical model of the hydrocyclone classifier. CIM Bulletin
      69(776):114-123.

    >>> round(float(rosin_rammler_partition(50.0, 50.0, 2.0)), 3)
    0.5
    """
    tmpl, xa = _x(x)
    return _kind.like(tmpl, _rosin_rammler(xa, float(x50), float(m)))


@dataclass(frozen=True)
class _Model:
    name: str
    params: tuple[str, ...]
    corrected: Callable[..., np.ndarray]
    function: Callable[..., Any]
    lower: tuple[float, ...]
    upper: tuple[float, ...]
    log_x: bool
    fish_hook: bool
    formula: str
    reference: str

    def shape_from_ep(self, x50: np.ndarray, ep: np.ndarray) -> list[np.ndarray]:
        """Initial shape parameters that give roughly the slope of a logistic with this Ep."""
        if self.name == "logistic":
            return [ep]
        if self.name == "rosin_rammler":
            return [np.clip(LN3 * x50 / (2 * LN2 * ep), 0.3, 50)]
        alpha = np.clip(LN3 * np.abs(x50) / ep, 0.2, 50)
        return [alpha] if self.name == "lynch_rao" else [alpha, np.zeros_like(alpha)]


#: The registry: model name -> specification (core, public function, bounds, reference).
MODELS: dict[str, _Model] = {
    m.name: m
    for m in (
        _Model(
            "logistic", ("x50", "ep"), _logistic, logistic_partition,
            (-np.inf, 1e-12), (np.inf, np.inf), False,
            False, "E = 1/(1 + exp(ln3 (x50 - x)/Ep))",
            "Napier-Munn T.J. (1991) Minerals Engineering 4(3-4):329-346 (Ep-based logistic)",
        ),
        _Model(
            "lynch_rao", ("x50", "alpha"), _lynch_rao, lynch_rao_partition,
            (1e-12, 1e-3), (np.inf, 200.0), True,
            False, "E = (exp(a x) - 1)/(exp(a x) + exp(a) - 2), x = d/d50c",
            "Lynch A.J., Rao T.C. (1975) Modelling and scale-up of hydrocyclone classifiers, "
            "11th IMPC",
        ),
        _Model(
            "whiten", ("x50", "alpha", "beta"), _whiten, whiten_partition, (1e-12, 1e-3, 0.0),
            (np.inf, 200.0, 20.0), True, True,
            "P = 1 - C (1 + b b* x)(exp(a) - 1)/(exp(a b* x) + exp(a) - 2), C = 1 - bypass",
            "Napier-Munn T.J., Morrell S., Morrison R.D., Kojovic T. (1996) Mineral Comminution "
            "Circuits, JKMRC, ch. 12 (Whiten-beta efficiency curve)",
        ),
        _Model(
            "rosin_rammler", ("x50", "m"), _rosin_rammler, rosin_rammler_partition,
            (1e-12, 0.05), (np.inf, 100.0), True,
            False, "E = 1 - exp(-ln2 (x/x50)^m)",
            "Plitt L.R. (1976) CIM Bulletin 69(776):114-123",
        ),
    )
}


def partition_models() -> pd.DataFrame:
    """Table of the partition models ``fit_partition`` knows, from the one registry
    :data:`MODELS`: public function, parameters, formula, fish-hook, reference.

    >>> sorted(partition_models().index)
    ['logistic', 'lynch_rao', 'rosin_rammler', 'whiten']
    """
    return pd.DataFrame(
        [
            {"model": m.name, "function": m.function.__name__,
             "parameters": ", ".join((*m.params, "bypass")),
             "formula": m.formula, "fish_hook": m.fish_hook, "reference": m.reference}
            for m in MODELS.values()
        ]
    ).set_index("model")


def _get_model(model: str) -> _Model:
    if not isinstance(model, str) or model not in MODELS:
        raise OptionError(
            f"unknown partition model {model!r}; choose one of {sorted(MODELS)}")
    return MODELS[model]


#: Where each shape parameter is defined: (lower bound, bound included). A negative Ep would
#: turn the curve over (sinks become floats) and Ep = 0 divides by zero at the cut.
_DOMAIN: dict[str, tuple[float, bool]] = {"ep": (0.0, False), "alpha": (0.0, False),
                                          "m": (0.0, False), "beta": (0.0, True)}


def _check_domain(spec: _Model, values: dict[str, float]) -> None:
    from resourcekit.errors import DataError

    for name, value in values.items():
        if name == "x50" and spec.log_x and not value > 0:
            raise DataError(f"x50 = {value:g} must be > 0 for model {spec.name!r} (a cut size)")
        if name not in _DOMAIN:
            continue
        low, inclusive = _DOMAIN[name]
        if value < low or (value == low and not inclusive):
            sign = ">=" if inclusive else ">"
            hint = (" (Ep is half the spread (x75 - x25)/2; for an ideal cut use "
                    "separators.density_partition with ep=0)" if name == "ep" else "")
            raise DataError(f"{name} = {value:g} must be {sign} {low:g} for model "
                            f"{spec.name!r}{hint}")


def partition_curve(
    x: Any, model: str = "logistic", *, bypass: float = 0.0, **params: float
) -> Any:
    r"""Evaluate a partition model: :math:`P = R_f + (1 - R_f) E_c(x)`.

    Parameters
    ----------
    x : float, array or Series
        Size [um, mm] or density [g/cm3] of the classes.
    model : str
        A name from :func:`partition_models`.
    bypass : float
        By-pass fraction R_f (0-1).
    **params
        The model's parameters, e.g. ``x50=1.6, ep=0.05`` for the logistic. Shape parameters
        out of their domain raise DataError naming them: ``ep``, ``alpha`` and ``m`` must be
        > 0, ``beta`` >= 0, and a size model's ``x50`` > 0.

    Returns
    -------
    Same kind as ``x``: partition numbers (0-1).

    >>> partition_curve([1.55, 1.60, 1.65], "logistic", x50=1.6, ep=0.05).round(3).tolist()
    [0.25, 0.5, 0.75]
    """
    spec = _get_model(model)
    missing = [p for p in spec.params if p not in params]
    extra = [p for p in params if p not in spec.params]
    if missing or extra:
        raise OptionError(f"model {model!r} takes parameters {spec.params}; missing "
                          f"{missing}, unexpected {extra}")
    tmpl, xa = _x(x)
    rf = _kind.one(_kind.number(bypass, "bypass", allow_nan=False), "bypass")
    if not 0.0 <= rf < 1.0:
        from resourcekit.errors import DataError

        raise DataError(f"bypass = {rf:g} must lie in [0, 1)")
    values = []
    for p in spec.params:
        v = _kind.number(params[p], p, allow_nan=False)
        if np.size(v) != 1:
            from resourcekit.errors import DataError

            raise DataError(f"{p} holds {np.size(v)} values: a parameter of the curve is one "
                            "number (for many curves, call once per curve)")
        values.append(float(np.ravel(v)[0]))
    _check_domain(spec, dict(zip(spec.params, values, strict=True)))
    e = spec.corrected(xa, *values)
    return _kind.like(tmpl, rf + (1.0 - rf) * e)


