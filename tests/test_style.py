"""The code is ruff clean (configuration in pyproject.toml)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_ruff_clean():
    ruff = Path(sys.executable).parent / "ruff"
    run = subprocess.run([str(ruff), "check", "--output-format", "concise", "toolkit", "tests",
                          "benchmarks", "book/prepare.py"], cwd=REPO, capture_output=True,
                         text=True)
    assert run.returncode == 0, run.stdout[-4000:]
