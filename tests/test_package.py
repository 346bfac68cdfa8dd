"""Package basics: lazy imports, a normal (non-editable) install that finds its data."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
HEAVY = ("pandas", "sklearn", "umap", "numba", "altair", "pint", "scipy", "plotly", "nbclient")


def _loaded_after(statement: str) -> list[str]:
    code = (f"import sys, json\n{statement}\n"
            f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=REPO)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_import_resourcekit_loads_nothing_heavy():
    assert _loaded_after("import resourcekit") == []


def test_domain_imports_defer_ml_and_charts():
    for module in ("resourcekit.ree", "resourcekit.separation", "resourcekit.massbalance"):
        loaded = _loaded_after(f"import {module}")
        assert not {"sklearn", "umap", "numba", "altair", "plotly"} & set(loaded), (module, loaded)


def test_lesson_kernels_do_not_build_the_iri_parsers():
    """Issue 25: every lesson kernel imports altair, and so jsonschema. With rfc3987-syntax
    installed, that import builds lark parsers for the "iri" formats: 1-2 s a kernel, a
    third of a lesson's run (pyproject.toml, [tool.uv] exclude-dependencies). The set-up must
    keep it out, for the lessons' imports and for JupyterLab's server alike."""
    code = ("import sys, altair, jupyter_events.validators\n"
            "print(sorted(m for m in ('rfc3987_syntax', 'lark') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=REPO)
    assert out.stdout.split() == ["[]"], out.stdout


def test_make_commands_write_bytecode_whatever_the_callers_environment():
    """Issue 25: with PYTHONDONTWRITEBYTECODE set, as on our CI machines, no Python process
    wrote bytecode and every kernel, server and worker compiled pandas, altair and scipy again
    (`import pandas` 1.35 s against 0.61 s). The Makefile unexports it, so that what `make
    test`, `make book` and `make lab` start writes and then reads compiled modules."""
    probe = 'rk-probe: ; @$(PY) -c "import sys; print(sys.dont_write_bytecode)"'
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    out = subprocess.run(["make", "--no-print-directory", f"VENV={Path(sys.prefix)}",
                          "--eval", probe, "rk-probe"], capture_output=True, text=True,
                         check=True, cwd=REPO, env=env)
    assert out.stdout.split() == ["False"], out.stdout + out.stderr
    # the probe itself can fail: the same interpreter run with the variable set does not write
    direct = subprocess.run([sys.executable, "-c", "import sys; print(sys.dont_write_bytecode)"],
                            capture_output=True, text=True, check=True, env=env)
    assert direct.stdout.split() == ["True"]


@pytest.mark.slow
def test_non_editable_install_finds_its_data(tmp_path):
    wheelhouse, target = tmp_path / "wheels", tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w",
                    str(wheelhouse), str(REPO)], check=True)
    wheel = next(wheelhouse.glob("resourcekit-*.whl"))
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                    "--target", str(target), str(wheel)], check=True)
    code = ("import sys; sys.path.insert(0, sys.argv[1]); import resourcekit, resourcekit.datasets"
            " as d; print(resourcekit.__file__); print(d.data_dir());"
            " print(d.load('osullivan2020_apatite').shape);"
            " from resourcekit.grading import i18n; print(i18n.frame('ja')('Question bank"
            " fingerprint: `{fingerprint}`.'))")
    out = subprocess.run([sys.executable, "-I", "-c", code, str(target)], capture_output=True,
                         text=True, cwd=tmp_path, check=True).stdout.splitlines()
    assert out[0].startswith(str(target)), out
    assert out[1].startswith(str(target)), out
    assert out[2] == "(1298, 47)"
    # the exam frame's catalogue travels with the package
    assert out[3] == "問題バンクのフィンガープリント：`{fingerprint}`。"
