"""The synthetic regency generator: deterministic, in its ranges, marked synthetic, and plannable."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

from routeplan.load.scenario import load_scenario
from routeplan.sample.regency import LUMAJANG_KECAMATAN, generate_regency


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_same_seed_same_bytes_and_a_kecamatan_does_not_depend_on_how_many(tmp_path):
    generate_regency(tmp_path / "a", 3, seed=5)
    generate_regency(tmp_path / "b", 3, seed=5)
    generate_regency(tmp_path / "c", 1, seed=5)
    generate_regency(tmp_path / "d", 3, seed=6)
    a, b, c, d = (_files(tmp_path / x) for x in "abcd")
    assert a == b
    first = {k: v for k, v in a.items() if k.startswith("tempursari/")}
    assert len(first) == 5 and first == {k: v for k, v in c.items() if k != "region.toml"}
    assert a["tempursari/vital_objects.geojson"] != d["tempursari/vital_objects.geojson"]


def test_kecamatan_are_in_range_and_clearly_synthetic(tmp_path):
    region = generate_regency(tmp_path, 22, seed=7)
    paths = tomllib.loads(region.read_text(encoding="utf-8"))["scenarios"]
    assert len(paths) == 22 and paths[0] == "tempursari/scenario.toml" and paths[21] == "sintetis-022/scenario.toml"
    assert [p.split("/")[0] for p in paths[:21]] == [k.lower() for k in LUMAJANG_KECAMATAN]
    for p in paths:
        sc = load_scenario(tmp_path / p)
        assert 2 <= len(sc.units) <= 6 and "sintetis" in sc.name
        objects = json.loads(sc.vital_objects.read_text(encoding="utf-8"))
        assert 50 <= len(objects["features"]) <= 150 and "SYNTHETIC" in objects["description"]
        assert "SYNTHETIC" in (tmp_path / p).read_text(encoding="utf-8").splitlines()[0]
    counts = [len(json.loads((tmp_path / p).parent.joinpath("vital_objects.geojson").read_text())["features"])
              for p in paths]
    assert max(counts) - min(counts) > 40  # sizes vary across the regency


def test_a_generated_kecamatan_is_planned_with_every_required_visit_routed(tmp_path):
    import routeplan

    generate_regency(tmp_path, 1, seed=3, objects=(10, 12), units=(2, 2), side_m=2500.0)
    plan, ctx = routeplan.plan(tmp_path / "tempursari" / "scenario.toml", seed=1, max_iterations=100)
    assert not ctx.problems and plan.routes
    assert plan.served_required == plan.required_visits > 0
