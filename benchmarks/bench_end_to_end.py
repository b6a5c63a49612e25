"""End to end: wall time, peak memory and per-stage times of ``routeplan plan`` run as a subprocess.

Peak memory is the child's ``ru_maxrss`` from ``os.wait4`` (the whole process, including numpy /
scipy / PyVRP native memory, which tracemalloc does not see). Stage times come from the CLI's stage
lines on stderr (``[  12.3s] label``): each stage lasts until the next line.

Cases
-----
* ``sample``   the committed synthetic sample (data/sample/scenario.toml);
* ``buahbatu`` the real Buahbatu network, 150 vital objects placed at random road nodes (as in
  tests/test_weekly.py), 6 units (3 cars, 3 motorcycles; 2 units in each of the three shifts, every day);
* ``regency``  a generated ~200 000-node road network written as OSM XML (gen_graph.write_osm, so it
  goes through the real loader), 1000 vital objects, 30 units (10 per shift) at 5 depots.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

import routeplan

sys.path.insert(0, str(Path(__file__).resolve().parent))

REPO = Path(__file__).resolve().parents[1]
PY = sys.executable
BUAHBATU = REPO.parent / "shared" / "data" / "osm" / "buahbatu_bandung_drive.osm.bz2"
#: the three shifts of the sample scenario (pagi, siang, malam)
SHIFTS = routeplan.THREE_SHIFTS_TOML
CATS = ["pasar", "bank", "spbu", "kantor_desa", "sekolah", "tempat_ibadah", "tps", "minimarket", "atm", "gudang"]
_WRAPPER = """
import json, os, subprocess, sys
p = subprocess.Popen(sys.argv[1:], stdout=subprocess.PIPE, text=True)
out = p.stdout.read()
_, status, ru = os.wait4(p.pid, 0)
print(json.dumps({"returncode": os.waitstatus_to_exitcode(status), "maxrss_kb": ru.ru_maxrss,
                  "utime": ru.ru_utime, "stime": ru.ru_stime, "stdout": out}))
"""
STAGE_RE = re.compile(r"^\[\s*([0-9.]+)s\] (.*)$")


def _objects(xs: np.ndarray, ys: np.ndarray, n: int, rng, path: Path) -> None:
    idx = rng.choice(len(xs), n, replace=False)
    feats = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [
        float(xs[k]) + float(rng.normal(0, 2e-4)), float(ys[k]) + float(rng.normal(0, 2e-4))]},
        "properties": {"id": f"VO-{i:04d}", "name": f"Objek {i}", "category": CATS[i % len(CATS)]}}
        for i, k in enumerate(idx)]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": feats}))


#: Synthetic hotspot patterns (crime types, active hours) for a real network without incident data: the
#: categories and hours of DOMAIN.md (curanmor at markets in the morning, curas at fuel stations and banks in
#: the evening and night, curat in residential streets at night).
HOTSPOT_PATTERNS = [(["curanmor"], "05:00-11:00"), (["curas"], "18:00-02:00"), (["curat"], "22:00-04:00"),
                    (["curanmor", "curat"], "10:00-16:00"), (["curas", "curanmor"], "16:00-22:00")]


def _hotspots(xs: np.ndarray, ys: np.ndarray, n: int, rng, path: Path) -> None:
    """``n`` synthetic point hotspots at road nodes (risk 0.3-0.95, a pattern of HOTSPOT_PATTERNS each)."""
    idx = rng.choice(len(xs), n, replace=False)
    feats = []
    for i, k in enumerate(idx):
        types, hours = HOTSPOT_PATTERNS[i % len(HOTSPOT_PATTERNS)]
        feats.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [float(xs[k]), float(ys[k])]},
                      "properties": {"id": f"HS-{i + 1:02d}", "name": f"Rawan {i + 1} (sintetis)",
                                     "risk": round(float(rng.uniform(0.3, 0.95)), 2), "types": types,
                                     "active_hours": [hours]}})
    path.write_text(json.dumps({"type": "FeatureCollection", "features": feats}))


def buahbatu_scenario(folder: Path, n_objects: int = 150, n_units: int = 6, seed: int = 3,
                      n_hotspots: int = 0) -> Path:
    """Buahbatu's real road network with ``n_objects`` generated vital objects, ``n_units`` units and, when
    ``n_hotspots`` > 0, that many synthetic point hotspots (there is no incident data for Buahbatu)."""
    folder.mkdir(parents=True, exist_ok=True)
    G = routeplan.graph_from_file(BUAHBATU, routeplan.DEFAULT_SPEEDS_KMH)
    nodes = list(G.nodes)
    xs = np.array([G.nodes[n]["x"] for n in nodes])
    ys = np.array([G.nodes[n]["y"] for n in nodes])
    _objects(xs, ys, n_objects, np.random.default_rng(seed), folder / "vo.geojson")
    layers = 'vital_objects = "vo.geojson"\n'
    if n_hotspots:
        # a generator of its own, so the objects are the same with or without hotspots
        _hotspots(xs, ys, n_hotspots, np.random.default_rng(seed + 1000), folder / "hs.geojson")
        layers += 'hotspots = "hs.geojson"\n'
    c = int(np.argmin((xs - 107.66) ** 2 + (ys + 6.95) ** 2))
    shifts = ["pagi", "siang", "malam"]
    units = "".join(f'[[units]]\nid = "U{i}"\nkind = "{"car" if i % 2 == 0 else "motorcycle"}"\ndepot = "polsek"\n'
                    f'shifts = ["{shifts[i % 3]}"]\n' for i in range(n_units))
    (folder / "scenario.toml").write_text(
        f'name = "Buahbatu (benchmark)"\n[area]\nosm_file = "{BUAHBATU}"\n[plan]\nstart_date = "2026-11-30"\n'
        f'[layers]\n{layers}[[depots]]\nid = "polsek"\nname = "Polsek Buahbatu"\n'
        f'lat = {ys[c]}\nlon = {xs[c]}\n{SHIFTS}{units}')
    return folder / "scenario.toml"


def regency_scenario(folder: Path, n_nodes: int = 200_000, n_objects: int = 1000, n_units: int = 30,
                     n_depots: int = 5, seed: int = 5) -> tuple[Path, dict]:
    from gen_graph import make_grid, write_osm

    folder.mkdir(parents=True, exist_ok=True)
    osm = folder / f"regency_{n_nodes}.osm"
    info_path = folder / f"regency_{n_nodes}.json"
    if not (osm.exists() and info_path.exists()):
        info = write_osm(n_nodes, osm, seed=0)
        info_path.write_text(json.dumps(info))
    info = json.loads(info_path.read_text())
    g = make_grid(n_nodes, seed=0)
    used = np.unique([n for seq, _, _ in g.ways for n in seq])
    xs, ys = g.x[used], g.y[used]
    rng = np.random.default_rng(seed)
    _objects(xs, ys, n_objects, rng, folder / "vo.geojson")
    depots = ""
    for d in range(n_depots):
        # depots spread over the area: centres of a 3 x 2 layout (the first five cells)
        cx = xs.min() + (xs.max() - xs.min()) * ((d % 3) + 0.5) / 3
        cy = ys.min() + (ys.max() - ys.min()) * ((d // 3) + 0.5) / 2
        k = int(np.argmin((xs - cx) ** 2 + (ys - cy) ** 2))
        depots += f'[[depots]]\nid = "P{d}"\nname = "Polsek {d}"\nlat = {ys[k]}\nlon = {xs[k]}\n'
    shifts = ["pagi", "siang", "malam"]
    units = "".join(f'[[units]]\nid = "U{i:02d}"\nkind = "{"car" if i % 2 == 0 else "motorcycle"}"\n'
                    f'depot = "P{i % n_depots}"\nshifts = ["{shifts[i % 3]}"]\n' for i in range(n_units))
    (folder / "scenario.toml").write_text(
        f'name = "Regency (generated)"\n[area]\nosm_file = "{osm.name}"\n[plan]\nstart_date = "2026-11-30"\n'
        f'[layers]\nvital_objects = "vo.geojson"\n{depots}{SHIFTS}{units}')
    return folder / "scenario.toml", info


def run_measured(scenario: Path, out: Path, time_limit: float, iterations: int, warm: bool = False) -> dict:
    """Run ``routeplan plan`` in a child process: wall time, the child's own peak RSS (``os.wait4``), stages.

    ``warm=False`` (cold) switches the prepared-graph cache off, so the OSM file is parsed as on a first
    run; ``warm=True`` uses a cache folder that an earlier warm run of the same case has filled.
    """
    cmd = [PY, "-m", "routeplan", "plan", str(scenario), "--out", str(out), "--time-limit", str(time_limit),
           "--iterations", str(iterations)]
    errf = out.parent / f".{out.name}.stderr"
    outf = out.parent / f".{out.name}.stdout"
    out.parent.mkdir(parents=True, exist_ok=True)
    # Linux keeps the RSS high-water mark across fork+exec: a child forked straight from this (large)
    # process would report our RSS. A fresh small wrapper interpreter forks the measured child instead.
    t = time.perf_counter()
    with open(errf, "w") as fe, open(outf, "w") as _fo:
        env = dict(os.environ, ROUTEPLAN_CACHE_LOCAL="1" if warm else "0",
                   ROUTEPLAN_CACHE=str(out.parent / ".bench-cache"))
        w = subprocess.run([PY, "-c", _WRAPPER, *cmd], stdout=subprocess.PIPE, stderr=fe, cwd=REPO, text=True, env=env)
    wall = time.perf_counter() - t
    ru = json.loads(w.stdout.strip().splitlines()[-1])
    outf.write_text(ru.pop("stdout"))
    stderr, stdout = errf.read_text(), outf.read_text()
    res = {"cmd": " ".join(cmd[1:]), "returncode": ru["returncode"], "wall_s": wall, "peak_rss_mb": ru["maxrss_kb"] / 1024,
           "cpu_user_s": ru["utime"], "cpu_sys_s": ru["stime"], "stdout": stdout[-1500:], "stderr_tail": stderr[-1500:],
           "stages": parse_stages(stderr, wall)}
    m = out / "map.html"
    if m.exists():
        res["map_html_mb"] = m.stat().st_size / 1e6
    pj = out / "plan.json"
    if pj.exists():
        plan = json.loads(pj.read_text())
        res["plan"] = {"routes": len(plan["routes"]), "required_visits": plan["required_visits"],
                       "served_required_visits": plan["served_required_visits"], "solver": plan["solver"]}
    return res


def parse_stages(stderr: str, wall: float) -> list[dict]:
    marks = []
    for line in stderr.splitlines():
        m = STAGE_RE.match(line.strip("\r"))
        if m:
            marks.append((float(m.group(1)), m.group(2)))
    out = []
    for i, (t, label) in enumerate(marks):
        end = marks[i + 1][0] if i + 1 < len(marks) else None
        out.append({"stage": label, "start_s": t, "seconds": None if end is None else round(end - t, 2)})
    return out


def stage_seconds(res: dict, prefix: str) -> float | None:
    for s in res["stages"]:
        if s["stage"].startswith(prefix):
            return s["seconds"]
    return None


def run(quick: bool = False, work: Path = Path("/tmp/routeplan-bench"), cases_only: list[str] | None = None) -> dict:
    """Measure the cases (all three; ``quick``: sample and Buahbatu, one run each; ``cases_only``: those named)."""
    work.mkdir(parents=True, exist_ok=True)
    cases = []
    reps = 1 if quick else 3
    sample = REPO / "data" / "sample" / "scenario.toml"
    settings = {"sample": (10.0 if quick else 30.0, 2000), "buahbatu": (10.0 if quick else 30.0, 3000),
                "regency": (300.0, 2000)}
    todo = [("sample", lambda: sample), ("buahbatu", lambda: buahbatu_scenario(work / "buahbatu"))]
    if not quick:
        todo.append(("regency", lambda: regency_scenario(work / "regency")[0]))
    if cases_only is not None:
        todo = [(name, make) for name, make in todo if name in cases_only]
    for name, make in todo:
        scen = make()
        tl, it = settings[name]
        for rep in range(reps if name != "regency" else 1):
            r = run_measured(scen, work / f"out-{name}", tl, it)
            r.update({"case": name, "time_limit": tl, "iterations": it, "repeat": rep, "cache": "cold"})
            cases.append(r)
            print(f"[e2e] {name} rep {rep}: rc {r['returncode']} wall {r['wall_s']:.1f}s peak {r['peak_rss_mb']:.0f} MB "
                  f"stages {[(s['stage'][:30], s['seconds']) for s in r['stages']]}", flush=True)
        if name == "regency" or not quick:
            # the prepared-graph cache: fill it once, then measure a warm run (a planner's second run)
            run_measured(scen, work / f"out-{name}-fill", tl, 50, warm=True)
            r = run_measured(scen, work / f"out-{name}", tl, it, warm=True)
            r.update({"case": name, "time_limit": tl, "iterations": it, "repeat": 0, "cache": "warm"})
            cases.append(r)
            print(f"[e2e] {name} warm: rc {r['returncode']} wall {r['wall_s']:.1f}s peak {r['peak_rss_mb']:.0f} MB "
                  f"stages {[(s['stage'][:30], s['seconds']) for s in r['stages']]}", flush=True)
    # --time-limit honoured? Buahbatu with an iteration cap that cannot be reached first
    tl_checks = []
    scen = buahbatu_scenario(work / "buahbatu")
    for tl in ([5.0] if quick else [5.0, 20.0]):
        r = run_measured(scen, work / "out-tl", tl, 10**9)
        opt = stage_seconds(r, "optimizing")
        tl_checks.append({"time_limit": tl, "optimizing_stage_s": opt, "wall_s": r["wall_s"],
                          "overrun_pct": None if opt is None else 100 * (opt - tl) / tl,
                          "within_10pct": opt is not None and abs(opt - tl) <= 0.1 * tl,
                          "iterations_done": (r.get("plan") or {}).get("solver", {}).get("iterations")})
        print(f"[e2e] time limit {tl}s: optimizing stage {opt}s", flush=True)
    return {"cases": cases, "time_limit_checks": tl_checks}


def markdown(res: dict) -> str:
    import statistics

    out = ["| case | --time-limit / --iterations | runs | wall median (s) | peak RSS median (MB) | served / required | map.html (MB) |",
           "|---|---|---:|---:|---:|---|---:|"]
    by: dict[str, list] = {}
    for c in res["cases"]:
        key = c["case"] + (" (warm cache)" if c.get("cache") == "warm" else "")
        by.setdefault(key, []).append(c)
    for name, cs in by.items():
        p = cs[0].get("plan") or {}
        mp = cs[0].get("map_html_mb")
        out.append(f"| {name} | {cs[0]['time_limit']:.0f} s / {cs[0]['iterations']} | {len(cs)} | "
                   f"{statistics.median(c['wall_s'] for c in cs):.1f} | {statistics.median(c['peak_rss_mb'] for c in cs):.0f} | "
                   f"{p.get('served_required_visits')}/{p.get('required_visits')} | {'' if mp is None else f'{mp:.2f}'} |")
    out += ["", "Per-stage seconds (first run of each case; a stage lasts until the next stage line):", "",
            "| case | " + " | ".join(["road graph", "layers (+snapping)", "travel-time matrix", "weekly model",
                                      "optimizing", "building routes", "writing outputs"]) + " |", "|---|" + "---:|" * 7]
    for name, cs in by.items():
        c = cs[0]
        vals = [stage_seconds(c, p) for p in ("road graph", "layers", "travel-time matrix", "weekly model", "optimizing",
                                                "building routes", "writing outputs")]
        if c["stages"]:
            last = c["stages"][-1]
            vals[-1] = round(c["wall_s"] - last["start_s"], 1)  # writing outputs runs to the end (incl. exit)
        out.append(f"| {name} | " + " | ".join("" if v is None else f"{v:.1f}" for v in vals) + " |")
    out += ["", "| --time-limit (s) | optimizing stage (s) | deviation | within 10 % |", "|---:|---:|---:|---|"]
    for t in res["time_limit_checks"]:
        out.append(f"| {t['time_limit']:.0f} | {t['optimizing_stage_s']} | {t['overrun_pct']:+.1f} % | {t['within_10pct']} |")
    return "\n".join(out)


if __name__ == "__main__":
    # python benchmarks/bench_end_to_end.py [--quick] [--cases sample,buahbatu] [--out FILE]
    only = sys.argv[sys.argv.index("--cases") + 1].split(",") if "--cases" in sys.argv else None
    r = run(quick="--quick" in sys.argv, cases_only=only)
    if "--out" in sys.argv:
        Path(sys.argv[sys.argv.index("--out") + 1]).write_text(json.dumps(r, indent=1), encoding="utf-8")
    print(markdown(r))
