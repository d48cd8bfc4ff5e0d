"""The import contracts have teeth: a violation planted in a copy of the package makes each one fail.

Each case copies ``src/ecovarejo`` and ``.importlinter`` into a temporary directory, adds one module
that breaks one contract, and runs ``lint-imports --contract <that one>`` on the copy. The untouched
copy passes, so a failure comes from the planted module alone.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _copy(tmp_path: Path) -> Path:
    shutil.copytree(
        ROOT / "src" / "ecovarejo", tmp_path / "src" / "ecovarejo", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copy(ROOT / ".importlinter", tmp_path / ".importlinter")
    return tmp_path


def _lint(copy: Path, contract: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(copy / "src"), str(ROOT / "tools")])}
    args = ["--config", str(copy / ".importlinter"), "--no-cache"]
    if contract:
        args += ["--contract", contract]
    code = "import sys; from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())"
    return subprocess.run(
        [sys.executable, "-c", code, *args], cwd=copy, env=env, capture_output=True, text=True, timeout=300
    )


def _plant(copy: Path, modules: dict[str, str]) -> None:
    for dotted, source in modules.items():
        path = copy / "src" / Path(*dotted.split("."))
        if source == "<package>":
            path.mkdir(parents=True, exist_ok=True)
            (path / "__init__.py").write_text('"""planted"""\n')
        else:
            path.with_suffix(".py").write_text(source)


def test_the_untouched_copy_keeps_every_contract(tmp_path: Path) -> None:
    result = _lint(_copy(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


CASES = {
    # the kernel imports a context
    "kernel": {"ecovarejo.core.planted": "from ecovarejo.orders import public\n"},
    # a lower layer (users) imports a higher one (orders), even through its public surface
    "layers": {"ecovarejo.users.planted": "from ecovarejo.orders import public\n"},
    # a context package nobody placed in a layer
    "layers-exhaustive": {"ecovarejo.unplaced": "<package>"},
    # orders reaches into payments past its surface (a module not literally named models/repository)
    "public": {"ecovarejo.orders.planted": "from ecovarejo.payments import ext_repository\n"},
    # a cycle between two modules of one context
    "acyclic": {
        "ecovarejo.payments.planted_a": "from . import planted_b\n",
        "ecovarejo.payments.planted_b": "from . import planted_a\n",
    },
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_planted_violation_breaks_the_contract(tmp_path: Path, case: str) -> None:
    copy = _copy(tmp_path)
    _plant(copy, CASES[case])
    contract = case.split("-")[0]
    result = _lint(copy, contract)
    assert result.returncode != 0, f"{contract} kept despite {CASES[case]}:\n{result.stdout}"
    assert "BROKEN" in result.stdout
    planted = next(iter(CASES[case])).rsplit(".", 1)[-1]
    assert planted in result.stdout, result.stdout
