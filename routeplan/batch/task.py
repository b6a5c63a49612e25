"""One task of a batch: plan one kecamatan through the library API and write its plan folder.

:func:`plan_kecamatan` runs on a Dask worker (or in the calling process). It never raises for a bad
kecamatan: the result says ``failed`` with the one-line error, so the other kecamatan go on.
:func:`input_checksum` is what ``--resume`` compares.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import resource
import time
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from shapely.geometry import MultiPoint, mapping
from shapely.ops import unary_union

from routeplan._io import read_marker
from routeplan.errors import InputError, NetworkError
from routeplan.load.scenario import load_scenario
from routeplan.pipeline import plan
from routeplan.prepare.context import PlanContext
from routeplan.render.write import scenario_inputs, write_plan

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BatchOptions:
    """The options every kecamatan of a batch is planned with (part of the ``--resume`` checksum)."""

    seed: int = 0
    time_limit: float = 60.0
    max_iterations: int | None = 10000
    lang: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"seed": self.seed, "time_limit": self.time_limit, "max_iterations": self.max_iterations,
                "lang": self.lang}



def _version() -> str:
    try:
        return version("routeplan")
    except PackageNotFoundError:
        return "0.0.0"


def input_checksum(scenario: Path, options: BatchOptions) -> str:
    """sha256 over the scenario file, every file it references, the options and the routeplan version.

    Raises :class:`InputError` when the scenario or one of its files cannot be read.
    """
    sc = load_scenario(scenario)
    h = hashlib.sha256()
    h.update(json.dumps({"options": options.as_dict(), "version": _version()}, sort_keys=True).encode())
    for p in [Path(scenario), *scenario_inputs(sc)[1:]]:
        h.update(b"\x00" + str(Path(p).resolve()).encode("utf-8", "surrogatepass") + b"\x00")
        try:
            with open(p, "rb") as f:
                for block in iter(lambda: f.read(1 << 20), b""):
                    h.update(block)
        except OSError as exc:
            raise InputError(f"{p}: cannot be read ({exc.strerror})") from None
    return h.hexdigest()


def _outline(ctx: PlanContext) -> dict[str, Any] | None:
    """The kecamatan's outline for the regional map: its desa united, else the hull of its roads (GeoJSON)."""
    if ctx.desa:
        shape = unary_union([g for _, g in ctx.desa])
    else:
        pts = [(float(d["x"]), float(d["y"])) for _, d in ctx.graph.nodes(data=True) if "x" in d and "y" in d]
        if len(pts) < 3:
            return None
        shape = MultiPoint(pts).convex_hull
    shape = shape.simplify(0.0003, preserve_topology=True)
    if shape.is_empty:
        return None
    return dict(json.loads(json.dumps(mapping(shape))))  # tuples to lists


def _figures(card: dict[str, Any], seconds: float) -> dict[str, Any]:
    req, hot, wl, ready = card["required_visits"], card["hotspots"], card["workload"], card.get("readiness") or {}
    return {
        "required_visits": req["required"], "served_visits": req["served"], "served_pct": req["served_pct"],
        "unserved": sum(req["unserved_by_reason"].values()),
        "unserved_shifts_full": req["unserved_by_reason"].get("shifts_full", 0),
        "hotspots": hot["count"], "hotspot_risk_covered_pct": hot["risk_covered_pct"],
        "units": len(card["units"]), "km_total": wl["km_total"],
        "readiness_mean_pct": round(100 * ready["mean_share"], 1) if ready.get("mean_share") is not None else None,
        "seconds": round(seconds, 2),
    }


def plan_kecamatan(name: str, scenario: str, out: str, options: BatchOptions, checksum: str) -> dict[str, Any]:
    """Plan one kecamatan and write its plan folder ``out`` (atomically, by :func:`routeplan.write_plan`).

    Returns a JSON-ready result: ``name``, ``status`` (``ok`` or ``failed``), ``error`` (one line),
    ``checksum``, the scorecard figures of the summary, ``outline`` (GeoJSON geometry or None), the worker's
    ``pid``, ``host`` and ``peak_rss_mib`` (its process's peak resident memory so far).
    """
    t0 = time.perf_counter()
    result: dict[str, Any] = {"name": name, "scenario": scenario, "checksum": checksum, "status": "failed",
                              "error": "", "outline": None}
    try:
        sc = load_scenario(scenario)
        the_plan, ctx = plan(sc, seed=options.seed, time_limit=options.time_limit,
                             max_iterations=options.max_iterations)
        write_plan(the_plan, ctx, out, lang=options.lang)
        # the scorecard write_plan has just written (scoring again would repeat its readiness, the slow part)
        card = json.loads((Path(out) / "scorecard.json").read_text(encoding="utf-8"))
        result.update(_figures(card, time.perf_counter() - t0), status="ok", outline=_outline(ctx),
                      scenario_name=sc.name)
    except (InputError, NetworkError) as exc:
        result["error"] = " ".join(str(exc).split())
    except Exception as exc:  # a bug, or a worker problem: this kecamatan fails, the batch goes on
        log.exception("kecamatan %s failed", name)
        first = str(exc).splitlines()[0] if str(exc) else ""
        result["error"] = f"internal error: {type(exc).__name__}: {first}"
    result["seconds"] = round(time.perf_counter() - t0, 2)
    result["pid"] = os.getpid()
    result["host"] = os.uname().nodename
    result["peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return result


def plan_is_current(out: Path) -> bool:
    """Whether ``out`` holds a plan folder routeplan wrote completely (marker and plan.json)."""
    marker = read_marker(out)
    return marker is not None and marker.get("kind") == "plan" and (out / "plan.json").is_file()
