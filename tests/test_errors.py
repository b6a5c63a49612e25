"""One helper turns a library exception into the short text inside a one-line error: ``errors.one_line``."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from routeplan.errors import InputError, one_line

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("exc, text", [
    (ValueError("bad thing\nat line 2"), "bad thing"),
    (ValueError("\n  \nleading blank lines\nmore"), "leading blank lines"),
    (ValueError(""), "ValueError"),
    (OSError(), "OSError"),
    (KeyError("k"), "'k'"),
])
def test_one_line(exc: BaseException, text: str) -> None:
    assert one_line(exc) == text


def test_one_line_is_short() -> None:
    assert len(one_line(RuntimeError("x" * 10_000))) <= 300


def test_no_module_has_its_own_one_line() -> None:
    """The helper lives in routeplan.errors only; modules import it."""
    homes = []
    for path in sorted((ROOT / "routeplan").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef) and node.name.lstrip("_") == "one_line":
                homes.append(str(path.relative_to(ROOT)))
    assert homes == ["routeplan/errors.py"]


@pytest.mark.parametrize("reader", ["boundary", "study area"])
def test_reader_failure_without_message_is_one_line(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                     reader: str) -> None:
    """A vector reader that fails with an empty message gives an InputError naming the exception,
    not an IndexError from ``str(exc).splitlines()[0]``."""
    import geopandas as gpd

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("")

    monkeypatch.setattr(gpd, "read_file", broken)
    path = tmp_path / "area.geojson"
    path.write_text('{"type": "FeatureCollection", "features": []}', encoding="utf-8")
    if reader == "boundary":
        from routeplan.load.roads import read_boundary

        with pytest.raises(InputError, match=r"cannot read boundary \(RuntimeError\)"):
            read_boundary(path)
    else:
        from routeplan.hotspots.outputs import _read_area

        with pytest.raises(InputError, match=r"not a readable vector file \(RuntimeError\)"):
            _read_area(path, None)
