"""Shared fixtures: the real data folder beside the project, and the offline sample."""

from __future__ import annotations

import importlib.util
import os
import sys
import tempfile
from pathlib import Path
from types import ModuleType

import pytest

# tests never touch the user's cache: one throw-away cache folder for this run (subprocesses inherit it)
os.environ["ROUTEPLAN_CACHE"] = tempfile.mkdtemp(prefix="routeplan-test-cache-")

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
SAMPLE = ROOT / "data" / "sample"


def shared_file(*parts: str) -> Path:
    """A file in ../shared/data, or skip the test with the reason."""
    p = SHARED.joinpath(*parts)
    if not p.exists():
        pytest.skip(f"real data not available: {p} is missing (../shared/data is not beside this checkout)")
    return p


def load_benchmark(name: str) -> ModuleType:
    """``benchmarks/<name>.py`` as a module (``benchmarks/`` is not a package), registered in ``sys.modules``
    because dataclasses look their module up there."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="session")
def sample_scenario_path() -> Path:
    return SAMPLE / "scenario.toml"


@pytest.fixture(scope="session")
def demo_plan(tmp_path_factory):
    """The sample planned once per session with a small, repeatable search budget."""
    import routeplan

    plan, ctx = routeplan.plan(SAMPLE / "scenario.toml", seed=1, time_limit=60, max_iterations=1500)
    return plan, ctx


@pytest.fixture(autouse=True, scope="session")
def _test_cache_folder():
    from routeplan import settings
    settings.cache_folder = Path(os.environ["ROUTEPLAN_CACHE"])
    yield


# Files whose tests take minutes go to the two workers first, so the run does not end waiting on one of them.
_HEAVY_FIRST = ("test_weeks", "serve", "test_actual", "test_batch", "test_atomic", "test_weekly", "test_browser")


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """The slowest files first, so that neither xdist worker ends the run alone on a long file.

    Files are handed out whole (``--dist loadfile``, in this order: ``--no-loadscope-reorder``), so that a
    module fixture (most plan the sample once) is built once per run, not once on each worker as when tests
    were handed out one by one.
    """

    def weight(item) -> int:
        rel = Path(str(item.fspath)).resolve().relative_to(ROOT / "tests")
        name = "serve" if rel.parts[0] == "serve" else rel.stem
        return next((i for i, h in enumerate(_HEAVY_FIRST) if name.startswith(h)), len(_HEAVY_FIRST))

    items.sort(key=weight)  # stable: the order inside a file is kept
