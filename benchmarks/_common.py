"""Shared helpers for the benchmark scripts: time a call, print a ratio against a baseline.

Every figure is a ratio against a named baseline run in the same process, never an absolute
time asserted by a test. Run all with ``make bench``; results also go to
``benchmarks/_results/<script>.json``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "_results"


def best_time(fn: Callable[[], Any], repeat: int = 3) -> float:
    """Best wall time of ``repeat`` calls of ``fn`` [s]."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


class Report:
    """Collects rows ``(case, ours [s], baseline name, baseline [s], target)`` and prints them."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.rows: list[dict[str, Any]] = []

    def add(
        self,
        case: str,
        ours: float,
        baseline_name: str,
        baseline: float,
        target: str = "",
    ) -> None:
        speedup = baseline / ours if ours > 0 else float("inf")
        row = {
            "case": case,
            "ours_s": round(ours, 5),
            "baseline": baseline_name,
            "baseline_s": round(baseline, 5),
            "speedup": round(speedup, 2),
            "target": target,
        }
        self.rows.append(row)
        print(
            f"{case}: ours {ours:.4f} s | {baseline_name} {baseline:.4f} s | "
            f"speed-up x{speedup:.2f} {('(target: ' + target + ')') if target else ''}",
            flush=True,
        )

    def note(self, case: str, value: float, unit: str, target: str = "") -> None:
        """A figure with no baseline (e.g. an absolute time that a target names)."""
        self.rows.append({"case": case, "value": round(value, 5), "unit": unit, "target": target})
        print(f"{case}: {value:.4f} {unit} {('(target: ' + target + ')') if target else ''}",
              flush=True)

    def save(self) -> Path:
        RESULTS.mkdir(exist_ok=True)
        out = RESULTS / f"{self.name}.json"
        out.write_text(json.dumps(self.rows, indent=2))
        return out
