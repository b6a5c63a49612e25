"""Declared dependencies: every third-party import is declared, and Leaflet comes without Django.

Every module a file of ``routeplan/`` imports (at any depth, also inside functions) must belong to the
standard library, to routeplan itself, or to a distribution named in ``[project] dependencies`` of
``pyproject.toml``; every module the tests import likewise, with the ``test`` extra added. The inlined
Leaflet is the one of ``xstatic-leaflet`` (the XStatic packaging of Leaflet 1.9.3), not of ``django-leaflet``.
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib import metadata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _names(requirements: list[str]) -> set[str]:
    return {_norm(re.match(r"[A-Za-z0-9._-]+", r).group(0)) for r in requirements}


#: Modules that may import the ``serve`` extra (the web workspace); the CLI imports it lazily, with a hint.
SERVE_FILES = ("routeplan/serve/", "routeplan/cli/serve.py")


def _extra(name: str) -> set[str]:
    """The distributions of an extra, with ``routeplan[other]`` expanded."""
    reqs = PYPROJECT["project"]["optional-dependencies"][name]
    out = _names([r for r in reqs if not r.startswith("routeplan[")])
    for r in reqs:
        if r.startswith("routeplan["):
            out |= _extra(r[len("routeplan["):-1])
    return out


def _imported_modules(folder: Path, only: tuple[str, ...] | None = None,
                      skip: tuple[str, ...] = ()) -> dict[str, str]:
    """Top-level module name -> first file (relative) that imports it, for every ``.py`` under ``folder``."""
    found: dict[str, str] = {}
    for path in sorted(folder.rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if (only is not None and not rel.startswith(only)) or (skip and rel.startswith(skip)):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                mods = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                mods = [node.module]
            else:
                continue
            for mod in mods:
                found.setdefault(mod.split(".")[0], str(path.relative_to(ROOT)))
    return found


def _undeclared(folder: Path, declared: set[str], local: set[str], only: tuple[str, ...] | None = None,
                skip: tuple[str, ...] = ()) -> list[str]:
    dists = metadata.packages_distributions()
    missing = []
    for mod, where in sorted(_imported_modules(folder, only, skip).items()):
        if mod in sys.stdlib_module_names or mod in local or mod == "routeplan":
            continue
        owners = {_norm(d) for d in dists.get(mod, [])}
        if not owners:
            missing.append(f"{mod} (imported by {where}) belongs to no installed distribution")
        elif not owners & declared:
            missing.append(f"{mod} (imported by {where}) from {sorted(owners)} is not declared")
    return missing


def test_package_imports_are_declared() -> None:
    declared = _names(PYPROJECT["project"]["dependencies"])
    assert _undeclared(ROOT / "routeplan", declared, set(), skip=SERVE_FILES) == []


def test_serve_imports_are_declared() -> None:
    """The web workspace may use the ``serve`` extra, which the ``test`` extra includes."""
    declared = _names(PYPROJECT["project"]["dependencies"]) | _extra("serve")
    assert _undeclared(ROOT / "routeplan", declared, set(), only=SERVE_FILES) == []
    assert _extra("serve") <= _extra("test")


def test_test_imports_are_declared() -> None:
    declared = _names(PYPROJECT["project"]["dependencies"]) | _extra("test")
    local = {p.stem for p in (ROOT / "tests").glob("*.py")} | {"bench_end_to_end"}  # helpers beside the tests
    assert _undeclared(ROOT / "tests", declared, local) == []


def test_no_django() -> None:
    """Leaflet's static files come from xstatic-leaflet; Django is not pulled in to read them."""
    declared = _names(PYPROJECT["project"]["dependencies"])
    assert "django-leaflet" not in declared and "django" not in declared
    assert "xstatic-leaflet" in declared


def test_leaflet_is_the_xstatic_build() -> None:
    import xstatic.pkg.leaflet as xleaflet

    from routeplan.render.offline import leaflet_css, leaflet_js

    assert xleaflet.VERSION.startswith("1.9.")  # the 1.9 line folium's code is written for
    assert leaflet_js() == (Path(xleaflet.BASE_DIR) / "leaflet.js").read_text(encoding="utf-8")
    assert "Leaflet 1.9" in leaflet_js()
    css = leaflet_css()
    assert "url(images/" not in css  # every control image inlined
    assert css.count("url(data:image/png;base64,") >= 3


@pytest.mark.parametrize("dist", ["xstatic-leaflet", "folium"])
def test_asset_distributions_installed(dist: str) -> None:
    assert metadata.distribution(dist) is not None
