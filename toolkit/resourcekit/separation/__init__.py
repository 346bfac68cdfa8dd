"""Separation efficiency: performance measures, partition curves, sorting, circuits, economics.

Grades are mass fractions (0-1) or pint quantities (``resourcekit.units.Quantity(5, "%")``);
a plain number outside [0, 1] raises. Masses may be pint quantities in any mass unit (converted).
pandas inputs are combined by label, never by position. Results follow the input's kind (float,
ndarray, Series). Inputs are read through :mod:`resourcekit.boundary` (``_kind.py``).

Layout: ``efficiency`` (two-, three-, n-product measures), ``partition`` (partition numbers and
fits) over ``_partition_models`` (the model registry and one public function per model),
``_partition_solver`` (batched Levenberg-Marquardt) and ``_partition_results`` (result types),
``curves`` (grade-recovery, Fuerstenau, ideal curve), ``sorting`` (threshold sweeps),
``circuits`` (steady state, circulating load), ``economics`` (buyers' thresholds, stage cascades),
``cost_effect`` (C/E, technical wall, rational limit), ``grades`` (SURE recycling grades),
``plot`` (altair charts).
From particles to products: ``particles`` (particle populations), ``liberation``
(liberation, comminution, liberation limit), ``separators`` (density, size, magnetic, eddy-current
and sensor-based models), ``line`` (sorting lines), ``separability`` (equipment selection).

One name per quantity: ``gangue_recovery`` is the recovery of not-A (gangue, the other material)
to the concentrate or product, everywhere (``threshold_sweep`` keeps the older column name
``other_recovery`` beside it); ``gangue_to_tailing`` in the Fuerstenau curve is its complement,
1 - gangue_recovery.

>>> from resourcekit import separation as sep
>>> r = sep.from_masses(100, 0.05, 2, 0.50)   # Oki's example
>>> round(r.enrichment_ratio, 1), round(r.recovery, 2), round(r.separation_efficiency, 3)
(10.0, 0.2, 0.189)
"""

from __future__ import annotations

from .circuits import CircuitResult, circuit_steady_state, rougher_cleaner_scavenger
from .cost_effect import CostEffectResult, cost_effect, countercurrent_cascade, tier_price
from .curves import fuerstenau_curve, grade_recovery_curve, ideal_separation_curve
from .economics import (
    BUYER_THRESHOLDS,
    StagingResult,
    optimum_stages,
    product_value,
    stage_cascade,
)
from .efficiency import (
    NProductResult,
    ThreeProductResult,
    TwoProductResult,
    from_masses,
    hancock_efficiency,
    n_product,
    newton_efficiency,
    selectivity_index,
    separation_efficiency,
    three_product,
    two_product,
)
from .grades import (
    GRADE_DEFINITIONS,
    GRADE_ORDER,
    RouteGrade,
    grade_route,
    recycling_grades,
)
from .liberation import liberation_limit
from .line import LineResult, SortingLine
from .particles import ParticlePopulation
from .partition import (
    MODELS,
    PartitionBatchFit,
    PartitionFit,
    fit_partition,
    fit_partition_batch,
    logistic_partition,
    lynch_rao_partition,
    partition_curve,
    partition_models,
    partition_numbers,
    rosin_rammler_partition,
    whiten_partition,
)
from .plot import grade_recovery_chart, partition_chart, sweep_chart
from .separability import separability
from .separators import (
    DensitySeparator,
    DrumMagneticSeparator,
    EddyCurrentSeparator,
    SensorBasedSorter,
    SeparatorResult,
    SizeClassifier,
)
from .sorting import CRITERIA, best_threshold, roc_auc, roc_curve, threshold_sweep

__all__ = [
    "BUYER_THRESHOLDS",
    "CRITERIA",
    "MODELS",
    "CircuitResult",
    "DensitySeparator",
    "DrumMagneticSeparator",
    "EddyCurrentSeparator",
    "CostEffectResult",
    "GRADE_DEFINITIONS",
    "LineResult",
    "GRADE_ORDER",
    "NProductResult",
    "ParticlePopulation",
    "PartitionBatchFit",
    "PartitionFit",
    "RouteGrade",
    "SensorBasedSorter",
    "SeparatorResult",
    "SizeClassifier",
    "SortingLine",
    "StagingResult",
    "ThreeProductResult",
    "TwoProductResult",
    "best_threshold",
    "circuit_steady_state",
    "cost_effect",
    "countercurrent_cascade",
    "fit_partition",
    "fit_partition_batch",
    "from_masses",
    "fuerstenau_curve",
    "grade_route",
    "grade_recovery_chart",
    "grade_recovery_curve",
    "hancock_efficiency",
    "ideal_separation_curve",
    "liberation_limit",
    "logistic_partition",
    "lynch_rao_partition",
    "n_product",
    "newton_efficiency",
    "optimum_stages",
    "partition_chart",
    "partition_curve",
    "partition_models",
    "partition_numbers",
    "product_value",
    "recycling_grades",
    "roc_auc",
    "roc_curve",
    "rosin_rammler_partition",
    "rougher_cleaner_scavenger",
    "separability",
    "selectivity_index",
    "separation_efficiency",
    "stage_cascade",
    "sweep_chart",
    "three_product",
    "tier_price",
    "threshold_sweep",
    "two_product",
    "whiten_partition",
]
