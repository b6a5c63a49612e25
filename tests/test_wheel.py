"""``routeplan demo`` from a plain (non-editable) install of the wheel, run outside the source tree.

The wheel is built with ``pip wheel . --no-deps`` and installed with ``pip install --no-deps --target``
into a temporary folder that is put first on ``PYTHONPATH`` of this test's own interpreter (whose
site-packages hold the dependencies): a fresh virtual environment that downloads every dependency takes
over two minutes, too slow for CI. The check that the package really comes from the wheel (not from the
checkout or an editable install) is part of the test. The demo then runs with a small budget from a folder
outside the repository, so the sample must be generated (there is no ``data/sample`` beside the package).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from routeplan.sample import SAMPLE_FILES

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]


def _run(args: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: int = 600) -> str:
    proc = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout


def test_demo_from_an_installed_wheel(tmp_path: Path) -> None:
    wheels, site, work, cache, tmp = (tmp_path / n for n in ("wheels", "site", "work", "cache", "tmp"))
    for d in (work, tmp):
        d.mkdir()
    _run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-q", "-w", str(wheels)], cwd=tmp_path)
    (wheel,) = wheels.glob("routeplan-*.whl")
    _run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(site), str(wheel)], cwd=tmp_path)

    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "ROUTEPLAN_CACHE")}
    env.update(PYTHONPATH=str(site), ROUTEPLAN_CACHE=str(cache), TMPDIR=str(tmp))
    where = _run([sys.executable, "-c", "import routeplan; print(routeplan.__file__)"], cwd=work, env=env)
    assert Path(where.strip()).is_relative_to(site), where

    _run([sys.executable, "-m", "routeplan", "demo", "--out", "x", "--iterations", "200", "--quiet"],
         cwd=work, env=env)
    out = work / "x"
    for name in ("plan.json", "stops.csv", "map.html", "briefings/index.html"):
        assert (out / name).is_file(), name
    assert "Leaflet" in (out / "map.html").read_text(encoding="utf-8")
    # the sample was generated into the cache folder, where a later replan finds it; nothing is left in TMPDIR
    scenario = Path(json.loads((out / "plan.json").read_text(encoding="utf-8"))["scenario_file"])
    assert scenario == cache / "sample" / "scenario.toml"
    for name in SAMPLE_FILES:
        assert (cache / "sample" / name).read_bytes() == (ROOT / "data" / "sample" / name).read_bytes(), name
    assert not [p.name for p in tmp.iterdir() if p.name.startswith("routeplan-sample-")]
