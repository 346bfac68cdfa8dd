"""environment.yml (conda, Binder) lists the same dependencies as pyproject.toml."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]


def _split(requirement: str) -> tuple[str, str]:
    match = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*(.*)$", requirement)
    assert match, requirement
    name = re.sub(r"[-_.]+", "-", match.group(1)).lower()
    spec = ",".join(sorted(s.strip() for s in match.group(2).split(",") if s.strip()))
    return name, spec


def test_environment_matches_pyproject():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    wanted = dict(_split(r) for r in project["dependencies"])
    wanted.update(_split(r) for r in project["optional-dependencies"]["book"])
    env = yaml.safe_load((REPO / "environment.yml").read_text())
    listed: dict[str, str] = {}
    for dep in env["dependencies"]:
        items = dep["pip"] if isinstance(dep, dict) else [dep]
        for item in items:
            if item.startswith("-e") or item in ("pip",) or item.startswith("python="):
                continue
            name, spec = _split(item)
            listed[name] = spec
    assert listed == wanted, {
        "missing in environment.yml": sorted(set(wanted) - set(listed)),
        "extra in environment.yml": sorted(set(listed) - set(wanted)),
        "different bounds": sorted(n for n in set(wanted) & set(listed)
                                   if wanted[n] != listed[n]),
    }
    pip_items = [d for d in env["dependencies"] if isinstance(d, dict)][0]["pip"]
    assert any(item.startswith("-e .") for item in pip_items), "environment.yml must install us"
