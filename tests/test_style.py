"""Style gates: ruff (lint and import order) and mypy (types) must pass on the package.

They run here, inside the test suite, so that the README's one test command (and CI, which runs exactly that
command) checks them too. Both tools come with the ``test`` extra; their configuration is in ``pyproject.toml``.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, timeout=600)


def test_ruff() -> None:
    res = _run("ruff", "check", "--no-cache", "routeplan", "tests", "benchmarks")
    assert res.returncode == 0, res.stdout[-6000:] + res.stderr[-2000:]


def test_mypy() -> None:
    res = _run("mypy", "--no-incremental")
    assert res.returncode == 0, res.stdout[-6000:] + res.stderr[-2000:]
