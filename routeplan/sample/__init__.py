"""Deterministic generator of the offline SYNTHETIC sample scenario (``data/sample/``).

The sample is a made-up rural kecamatan the size of Kecamatan Kunir (Kabupaten Lumajang, Jawa Timur): about
8 km east-west by 10 km north-south around lat -8.225, lon 113.215. It has one provincial road crossing it north to
south, a market town with a grid of streets, eleven desa (named after the real desa of Kunir) with their hamlets,
village roads and farm tracks. Vital objects, crime hotspots and desa boundaries are placed on that network.

**Nothing in it is real**: road shapes, object locations, hotspot risks and crews are invented so that the tool, its
tests and its notebooks run without network access. The output is byte-identical for the same seed.

Run ``python -m routeplan.sample data/sample`` to regenerate the committed sample.
"""

from __future__ import annotations

import argparse
import logging
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from routeplan._io import atomic_new_dir, write_text_atomic
from routeplan.errors import InputError
from routeplan.sample.frame import DESA_CENTRES, TOWN_Y, primary_x
from routeplan.sample.layers import desa_polygons, feature_collection, hotspots, vital_objects
from routeplan.sample.network import build_network, offset_from_road, osm_xml
from routeplan.sample.operation import operation_scenario_toml, tps_features
from routeplan.sample.regency import generate_regency
from routeplan.sample.scenario import THREE_SHIFTS_TOML, scenario_toml

log = logging.getLogger(__name__)

__all__ = ["generate_sample", "init_scenario", "SAMPLE_FILES", "THREE_SHIFTS_TOML", "generate_regency"]

#: Files written by :func:`generate_sample`, in writing order.
SAMPLE_FILES: tuple[str, ...] = (
    "roads.osm", "vital_objects.geojson", "hotspots.geojson", "desa.geojson", "scenario.toml",
    "tps_pilkades.geojson", "scenario_operasi.toml",
)


def _write(path: Path, text: str) -> None:
    write_text_atomic(path, text)


def generate_sample(out_dir: str | Path, seed: int = 7) -> Path:
    """Generate the SYNTHETIC offline sample scenario.

    Writes ``roads.osm`` (OSM XML road network), ``vital_objects.geojson``, ``hotspots.geojson``,
    ``desa.geojson`` and ``scenario.toml`` into ``out_dir``, and the example operation's polling stations
    ``tps_pilkades.geojson`` with ``scenario_operasi.toml`` (:mod:`routeplan.sample.operation`). The same
    seed gives byte-identical files.

    Parameters
    ----------
    out_dir
        Folder to write into; created if missing. Existing sample files are overwritten.
    seed
        Seed of ``numpy.random.default_rng`` for road wiggles, tracks and placements.

    Returns
    -------
    Path
        The path of the written ``scenario.toml``.

    Raises
    ------
    RuntimeError
        If the generated road network is not strongly connected or an object cannot be placed
        (only possible with an unlucky non-default seed).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    net, info = build_network(rng)
    objects = vital_objects(net, info, rng)
    spots = hotspots(net, info, objects, rng)
    desa = desa_polygons()

    polsek = offset_from_road(net, (primary_x(TOWN_Y - 100.0), TOWN_Y - 100.0), 35.0)
    pos_desa = "Sukorejo"
    pos = offset_from_road(net, DESA_CENTRES[pos_desa], 30.0)

    _write(out / "roads.osm", osm_xml(net))
    _write(out / "vital_objects.geojson", feature_collection("vital_objects (SYNTHETIC)", objects))
    _write(out / "hotspots.geojson", feature_collection("hotspots (SYNTHETIC)", spots))
    _write(out / "desa.geojson", feature_collection("desa (SYNTHETIC boundaries)", desa))
    toml_path = out / "scenario.toml"
    base_toml = scenario_toml(polsek, pos, pos_desa, seed)
    _write(toml_path, base_toml)
    # the example operation (Pilkades): its polling stations and a scenario that plans it
    _write(out / "tps_pilkades.geojson", feature_collection("tps_pilkades (SYNTHETIC)", tps_features(net, seed)))
    _write(out / "scenario_operasi.toml", operation_scenario_toml(base_toml))
    n_nodes = len({n for w in net.ways for n in w.nodes})
    log.info("synthetic sample in %s: %d OSM nodes, %d ways, %d vital objects, %d hotspots, %d desa",
             out, n_nodes, len(net.ways), len(objects), len(spots), len(desa))
    return toml_path


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``python -m routeplan.sample [OUT_DIR] [--seed N]``."""
    parser = argparse.ArgumentParser(prog="python -m routeplan.sample", description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", nargs="?", default="data/sample", help="output folder (default data/sample)")
    parser.add_argument("--seed", type=int, default=7, help="random seed (default 7, the committed sample)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    path = generate_sample(args.out_dir, seed=args.seed)
    log.info("wrote %s", path)
    return 0


#: Lines put before the sample's own header in a starter scenario (``routeplan init``).
STARTER_HEADER = """# Starter scenario written by `routeplan init` from the synthetic sample. This folder is yours: edit
# scenario.toml and the layers here, then plan with
#   routeplan plan {folder}/scenario.toml --out out/plan
# Replace roads.osm (or use place/bbox in [area]) and the .geojson layers with your kecamatan's data.
#
"""


def init_scenario(folder: str | Path) -> Path:
    """Write a commented starter scenario (the synthetic sample) into a new folder; return its ``scenario.toml``.

    The folder must be missing or empty; it appears whole or not at all (the files are written into a
    staging folder beside it first). It gets no ``.routeplan`` marker: no later run replaces it.

    Parameters
    ----------
    folder
        The new folder.

    Returns
    -------
    Path
        Its ``scenario.toml``: the sample's, below a header that says what to edit and how to plan it.

    Raises
    ------
    InputError
        ``folder`` is a file, a link, or a folder that is not empty, or cannot be created.
    """
    if any(ord(c) < 32 or ord(c) == 127 for c in str(folder)):
        raise InputError(f"{str(folder)!r}: folder name has a control character; type it on one line")
    with atomic_new_dir(folder) as stage:
        toml = generate_sample(stage)
        _write(toml, STARTER_HEADER.format(folder=folder) + toml.read_text(encoding="utf-8"))
    return Path(os.path.abspath(folder)) / "scenario.toml"
