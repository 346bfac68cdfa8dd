"""Product lifetimes: the distributions of dynamic stock models and their survival matrix.

A lifetime is any scipy.stats frozen distribution of the age (in years) at which a product
leaves use, or a :class:`Lifetime` built by name with the parameters industrial ecology reports
(mean and standard deviation, or Weibull shape and scale).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..boundary import amount, check_option
from ..errors import DataError, ResourcekitWarning

__all__ = ["Lifetime", "LIFETIME_KINDS", "INFLOW_AT", "as_distribution", "survival_matrix"]

# kind -> (parameters it accepts, what they mean); the public list of kinds is built from it.
LIFETIME_KINDS: dict[str, str] = {
    "fixed": "every product leaves at age `mean` [a]",
    "normal": "normal with `mean`, `sd` [a] (lifetimes below 0 leave in their first year)",
    "weibull": "Weibull with `shape` k and `scale` [a], or `shape` and `mean` [a]",
    "lognormal": "log-normal whose lifetime has `mean` and `sd` [a]",
}

# When, within its year, a cohort enters use: the age at the end of year t of the cohort of
# year c is (t - c) + 1 - offset.
INFLOW_AT = {"start": 0.0, "middle": 0.5, "end": 1.0}


class _Fixed:
    """A degenerate lifetime: survival 1 before `mean`, 0 from `mean` on."""

    def __init__(self, mean: float) -> None:
        self.mean_ = mean

    def sf(self, age: Any) -> np.ndarray:
        return (np.asarray(age, dtype=float) < self.mean_).astype(float)

    def mean(self) -> float:
        return self.mean_


@dataclass(frozen=True)
class Lifetime:
    """A product lifetime distribution by name.

    Parameters
    ----------
    kind : {"fixed", "normal", "weibull", "lognormal"}
        See :data:`LIFETIME_KINDS`.
    **parameters : float
        ``mean`` [a]; ``sd`` [a] for normal and log-normal; ``shape`` and ``scale`` [a] (or
        ``shape`` and ``mean``) for Weibull.

    Notes
    -----
    Weibull with mean: :math:`\\lambda = \\bar{L} / \\Gamma(1 + 1/k)`. Log-normal with mean and
    sd of the lifetime: :math:`\\sigma^2 = \\ln(1 + s^2/\\bar{L}^2)`,
    :math:`\\mu = \\ln \\bar{L} - \\sigma^2/2` (the parameterisation of ODYM's dynamic stock
    model, Pauliuk & Heeren 2020, doi:10.1111/jiec.12952, and of flodym).

    >>> round(float(Lifetime("weibull", shape=2.0, mean=12.76).distribution.mean()), 2)
    12.76
    >>> Lifetime("normal", mean=10, sd=3).mean
    10.0
    """

    kind: str
    parameters: dict[str, float] = field(default_factory=dict)

    def __init__(self, kind: str, **parameters: float) -> None:
        check_option(kind, "kind", LIFETIME_KINDS)
        allowed = {
            "fixed": ({"mean"}, set()),
            "normal": ({"mean", "sd"}, set()),
            "lognormal": ({"mean", "sd"}, set()),
            "weibull": ({"shape"}, {"scale", "mean"}),
        }[kind]
        required, one_of = allowed
        names = set(parameters)
        missing = required - names
        extra = names - required - one_of
        if missing or extra or (one_of and len(names & one_of) != 1):
            wanted = sorted(required) + ([" or ".join(sorted(one_of))] if one_of else [])
            raise DataError(
                f"Lifetime({kind!r}) takes {', '.join(wanted)}; got {sorted(names) or 'none'}"
            )
        clean = {}
        for name, value in parameters.items():
            # a duration in months or days is converted; shape is a plain number
            arr = amount(value, f"lifetime {name}", unit="dimensionless" if name == "shape"
                         else "year")
            if arr.ndim or not np.isfinite(arr) or not arr > 0:
                shown = "NaN" if arr.ndim == 0 and np.isnan(arr) else repr(value)
                raise DataError(f"lifetime {name} = {shown}: expected one number > 0 [a]")
            clean[name] = float(arr)
        if kind == "fixed" and clean["mean"] != round(clean["mean"]):
            raise DataError(
                f"fixed lifetime mean = {clean['mean']:g} a: on yearly steps a fixed lifetime must "
                "be a whole number of years (a cohort leaves at the end of the year it reaches "
                "it); use a normal lifetime with a small sd for a fractional mean"
            )
        if kind == "normal" and clean["mean"] < 3 * clean["sd"]:
            from scipy import stats

            below = float(stats.norm.cdf(0, loc=clean["mean"], scale=clean["sd"]))
            warnings.warn(
                f"normal lifetime with mean {clean['mean']:g} a and sd {clean['sd']:g} a puts "
                f"{below:.1%} of products below age 0 (they leave in their first year), so the "
                "stock is not inflow x mean; a Weibull or log-normal lifetime has no negative ages",
                ResourcekitWarning, stacklevel=2)
        object.__setattr__(self, "kind", kind)
        object.__setattr__(self, "parameters", clean)

    @property
    def distribution(self) -> Any:
        """The scipy.stats frozen distribution (or a fixed lifetime with an ``sf`` method)."""
        from scipy import stats

        p = self.parameters
        if self.kind == "fixed":
            return _Fixed(p["mean"])
        if self.kind == "normal":
            return stats.norm(loc=p["mean"], scale=p["sd"])
        if self.kind == "lognormal":
            sigma2 = math.log1p((p["sd"] / p["mean"]) ** 2)
            return stats.lognorm(s=math.sqrt(sigma2), scale=math.exp(math.log(p["mean"])
                                                                     - sigma2 / 2))
        scale = p.get("scale") or p["mean"] / math.gamma(1 + 1 / p["shape"])
        return stats.weibull_min(c=p["shape"], scale=scale)

    @property
    def mean(self) -> float:
        """Mean lifetime. [a]"""
        return float(self.distribution.mean())

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v:g}" for k, v in self.parameters.items())
        return f"Lifetime({self.kind!r}, {args})"


def as_distribution(lifetime: Any) -> Any:
    """A frozen distribution from a :class:`Lifetime` or a scipy.stats frozen distribution."""
    if isinstance(lifetime, Lifetime):
        return lifetime.distribution
    from scipy import stats

    if isinstance(lifetime, stats.rv_continuous | stats.rv_discrete):
        raise DataError(
            f"lifetime = scipy.stats.{lifetime.name} is not frozen (it would be read with loc=0, "
            f"scale=1): pass it with its parameters, e.g. scipy.stats.{lifetime.name}(...)"
        )
    if isinstance(lifetime, stats._distn_infrastructure.rv_frozen):
        return lifetime
    raise DataError(
        f"lifetime = {lifetime!r}: pass a resourcekit.stocks.Lifetime(kind, ...) or a "
        "scipy.stats frozen distribution, e.g. scipy.stats.weibull_min(c=2, scale=14)"
    )


def survival_matrix(lifetime: Any, n_years: int, *, inflow_at: str = "middle") -> np.ndarray:
    """Share of each cohort still in use at the end of each year.

    .. math:: S_{t,c} = 1 - F\\left((t - c) + 1 - \\delta\\right), \\quad t \\ge c

    with :math:`F` the lifetime distribution and :math:`\\delta` the point in its year at which a
    cohort enters use (0 start, 0.5 middle, 1 end), as in ODYM/flodym's dynamic stock models
    (Pauliuk & Heeren 2020; flodym ``LifetimeModel`` with one quadrature point).

    Returns
    -------
    numpy.ndarray
        (n_years, n_years), lower triangular: row = year, column = cohort. [-]

    >>> S = survival_matrix(Lifetime("fixed", mean=2), 4)
    >>> S[:, 0].tolist()
    [1.0, 1.0, 0.0, 0.0]
    """
    offset = INFLOW_AT[check_option(inflow_at, "inflow_at", INFLOW_AT)]
    dist = as_distribution(lifetime)
    lag = np.subtract.outer(np.arange(n_years), np.arange(n_years)).astype(float)
    ages = lag + 1.0 - offset
    sf = np.asarray(dist.sf(np.where(lag >= 0, ages, 0.0)), dtype=float)
    # a lifetime of exactly 0 at an age of 0 (inflow at the end of the year) still counts as in use
    return np.where(lag >= 0, sf, 0.0)
