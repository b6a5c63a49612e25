"""Where outputs go: --out never deletes what routeplan did not write, kills leave nothing behind,
and every route gets its own file.

Issue #10 classes 2 (``--out`` deletes whatever it names), 3 (staging leftovers after SIGTERM/SIGKILL)
and 5 (file names of routes collide). Every subcommand with ``--out`` is run through the real CLI
(``routeplan.cli.main``) on the tiny offline world of ``test_bad_input``.
"""

from __future__ import annotations

import html
import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from test_bad_input import FAST, LAT0, LON0, STEP, feature, objects_geojson, run, snapshot, world

from routeplan.cli import main


def leftovers(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if ".staging-" in p.name or ".old-" in p.name)


def refused(capsys, *args: str, fragments: tuple[str, ...] = ()) -> str:
    """Run the CLI; it must exit 2 with one ``routeplan: error:`` line holding every fragment."""
    code, _out, err = run(capsys, *args)
    lines = err.strip().splitlines()
    assert code == 2, err
    assert len(lines) == 1 and lines[0].startswith("routeplan: error: ") and "Traceback" not in err, err
    for frag in fragments:
        assert frag.lower() in lines[0].lower(), (frag, lines[0])
    return lines[0]


def tree(folder: Path) -> dict[str, bytes | str]:
    """Every file (bytes) and symlink (its target) under ``folder``, and ``folder`` itself if it is a link."""
    if folder.is_symlink():
        return {".": "-> " + os.readlink(folder)}
    out: dict[str, bytes | str] = {}
    for p in sorted(folder.rglob("*")):
        rel = str(p.relative_to(folder))
        if p.is_symlink():
            out[rel] = "-> " + os.readlink(p)
        elif p.is_file():
            out[rel] = p.read_bytes()
    return out


@pytest.fixture
def planned(tmp_path: Path, capsys) -> tuple[Path, Path]:
    """The tiny world in ``tmp/w`` and a plan folder ``tmp/out`` written by routeplan."""
    sc = world(tmp_path / "w")
    out = tmp_path / "out"
    code, _o, err = run(capsys, "plan", str(sc), "--out", str(out), *FAST)
    assert code == 0, err
    return sc, out


# ====================================================================== class 2: --out

# ---------------------------------------------------------------- plan


def test_plan_out_is_the_scenario_folder(tmp_path, capsys) -> None:
    sc = world(tmp_path / "w")
    before = tree(sc.parent)
    refused(capsys, "plan", str(sc), "--out", str(sc.parent), *FAST, fragments=(str(sc.parent), "scenario.toml"))
    assert tree(sc.parent) == before and leftovers(tmp_path) == []


def test_plan_out_holds_an_input_of_the_scenario(tmp_path, capsys) -> None:
    """The layer lives in another folder than the scenario: --out naming that folder (or its parent) is refused."""
    sc = world(tmp_path / "w")
    layers = tmp_path / "data" / "layers"
    layers.mkdir(parents=True)
    (sc.parent / "vo.geojson").rename(layers / "vo.geojson")
    sc.write_text(sc.read_text(encoding="utf-8").replace('"vo.geojson"', '"../data/layers/vo.geojson"'),
                  encoding="utf-8")
    before = tree(tmp_path)
    refused(capsys, "plan", str(sc), "--out", str(layers), *FAST, fragments=(str(layers), "vo.geojson"))
    refused(capsys, "plan", str(sc), "--out", str(tmp_path / "data"), *FAST, fragments=("vo.geojson",))
    refused(capsys, "plan", str(sc), "--out", str(tmp_path), *FAST)
    assert tree(tmp_path) == before and leftovers(tmp_path) == [] and leftovers(tmp_path / "data") == []


def test_plan_out_is_a_folder_of_unrelated_files(tmp_path, capsys) -> None:
    sc = world(tmp_path / "w")
    docs = tmp_path / "docs"
    (docs / "sub").mkdir(parents=True)
    (docs / "laporan.docx").write_bytes(b"not ours")
    (docs / "sub" / "foto.jpg").write_bytes(b"\xff\xd8")
    before = tree(docs)
    line = refused(capsys, "plan", str(sc), "--out", str(docs), *FAST, fragments=(str(docs), "not written by routeplan"))
    assert "--out" in line
    assert tree(docs) == before and leftovers(tmp_path) == []


def test_plan_out_is_the_working_folder_or_above(tmp_path, capsys, monkeypatch) -> None:
    sc = world(tmp_path / "w")
    work = tmp_path / "work" / "here"
    work.mkdir(parents=True)
    (work / "mine.txt").write_text("keep\n", encoding="utf-8")
    monkeypatch.chdir(work)
    before = tree(tmp_path / "work")
    refused(capsys, "plan", str(sc), "--out", ".", *FAST, fragments=("working folder",))
    refused(capsys, "plan", str(sc), "--out", "..", *FAST, fragments=("working folder",))
    refused(capsys, "plan", str(sc), "--out", str(work), *FAST, fragments=("working folder",))
    assert tree(tmp_path / "work") == before
    assert leftovers(work) == [] and leftovers(work.parent) == [] and leftovers(tmp_path) == []


def test_plan_out_is_a_symlink(planned, tmp_path, capsys) -> None:
    sc, out = planned
    link = tmp_path / "link"
    link.symlink_to(out, target_is_directory=True)
    before = tree(out)
    refused(capsys, "plan", str(sc), "--out", str(link), *FAST, fragments=(str(link), "symbolic link"))
    assert link.is_symlink() and os.readlink(link) == str(out)
    assert tree(out) == before and leftovers(tmp_path) == []


def test_plan_out_is_a_plan_folder_of_an_older_version(tmp_path, capsys) -> None:
    """A plan folder written before the marker existed is refused with a hint to delete it by hand."""
    sc = world(tmp_path / "w")
    old = tmp_path / "old"
    (old / "gpx").mkdir(parents=True)
    for name in ("plan.json", "stops.csv", "routes.geojson", "map.html", "scorecard.json"):
        (old / name).write_text("{}\n", encoding="utf-8")
    (old / "gpx" / "R2-1_2026-11-30_pagi.gpx").write_text("<gpx/>\n", encoding="utf-8")
    before = tree(old)
    refused(capsys, "plan", str(sc), "--out", str(old), *FAST, fragments=(str(old), "older", "delete"))
    assert tree(old) == before


def test_plan_out_written_by_routeplan_with_a_file_added(planned, capsys) -> None:
    """The marker names what routeplan wrote; a file the user added to the folder is not deleted."""
    sc, out = planned
    (out / "catatan.txt").write_text("notes of the Kanit\n", encoding="utf-8")
    before = tree(out)
    refused(capsys, "plan", str(sc), "--out", str(out), *FAST, fragments=(str(out), "catatan.txt"))
    assert tree(out) == before and leftovers(out.parent) == []


def test_plan_out_replaced_when_empty_or_written_by_routeplan(tmp_path, planned, capsys) -> None:
    sc, out = planned
    marker = json.loads((out / ".routeplan").read_text(encoding="utf-8"))
    assert marker["tool"] == "routeplan" and marker["kind"] == "plan"
    assert "plan.json" in marker["files"] and "gpx" in marker["files"]
    (out / "plan.json").write_text("{}", encoding="utf-8")  # a file routeplan wrote, since edited
    code, _o, err = run(capsys, "plan", str(sc), "--out", str(out), *FAST)
    assert code == 0, err
    assert json.loads((out / "plan.json").read_text(encoding="utf-8"))["routes"]
    empty = tmp_path / "empty"
    empty.mkdir()
    code, _o, err = run(capsys, "plan", str(sc), "--out", str(empty), *FAST)
    assert code == 0, err
    assert (empty / "plan.json").is_file() and (empty / ".routeplan").is_file()
    assert leftovers(tmp_path) == []


def test_plan_weeks_folders_are_marked(tmp_path, capsys) -> None:
    sc = world(tmp_path / "w")
    out = tmp_path / "weeks"
    code, _o, err = run(capsys, "plan", str(sc), "--out", str(out), "--weeks", "2", *FAST)
    assert code == 0, err
    assert json.loads((out / ".routeplan").read_text(encoding="utf-8"))["kind"] == "weeks"
    assert json.loads((out / "week-1" / ".routeplan").read_text(encoding="utf-8"))["kind"] == "plan"
    # a week folder can be replanned in place: it was written by routeplan
    code, _o, err = run(capsys, "replan", str(out / "week-1"), "--from", "2026-12-01", "--replace", *FAST)
    assert code == 0, err
    code, _o, err = run(capsys, "plan", str(sc), "--out", str(out), "--weeks", "2", *FAST)
    assert code == 0, err


def test_unwritable_out_is_bad_input(tmp_path, capsys) -> None:
    sc = world(tmp_path / "w")
    (tmp_path / "afile").write_text("x", encoding="utf-8")
    refused(capsys, "plan", str(sc), "--out", str(tmp_path / "afile" / "out"), *FAST, fragments=("afile",))
    refused(capsys, "objects", str(sc), "--out", str(tmp_path / "afile" / "vo.geojson"), fragments=("afile",))
    refused(capsys, "hotspots", str(_incidents(tmp_path / "inc.csv")), "--out", str(tmp_path / "afile" / "hs"),
            fragments=("afile",))
    assert (tmp_path / "afile").read_text(encoding="utf-8") == "x"


# ---------------------------------------------------------------- replan


def test_replan_in_place_keeps_it_replaceable(planned, capsys) -> None:
    _sc, out = planned
    code, _o, err = run(capsys, "replan", str(out), "--from", "2026-12-01", "--replace", *FAST)
    assert code == 0, err
    plan = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    assert plan["replanned"] and (out / ".routeplan").is_file() and leftovers(out.parent) == []


def test_replan_out_contains_the_plan_folder(planned, tmp_path, capsys) -> None:
    sc, out = planned
    before = tree(tmp_path)
    refused(capsys, "replan", str(out), "--from", "2026-12-01", "--out", str(tmp_path), *FAST,
            fragments=(str(tmp_path),))
    assert tree(tmp_path) == before


def test_replan_in_place_of_an_older_plan_folder_is_refused(planned, capsys) -> None:
    _sc, out = planned
    (out / ".routeplan").unlink()  # as written before the marker existed
    before = tree(out)
    refused(capsys, "replan", str(out), "--from", "2026-12-01", "--replace", *FAST, fragments=(str(out), "older"))
    assert tree(out) == before


# ---------------------------------------------------------------- brief


def test_brief_out_is_the_plan_folder(planned, capsys) -> None:
    _sc, out = planned
    before = tree(out)
    refused(capsys, "brief", str(out), "--out", str(out), fragments=(str(out), "plan.json"))
    refused(capsys, "brief", str(out), "--out", str(out.parent), fragments=(str(out.parent),))
    assert tree(out) == before and leftovers(out.parent) == []


def test_brief_redoes_the_plan_briefings_in_place(planned, capsys) -> None:
    _sc, out = planned
    code, _o, err = run(capsys, "brief", str(out), "--out", str(out / "briefings"), "--lang", "id")
    assert code == 0, err
    assert (out / "briefings" / "index.html").is_file() and (out / "plan.json").is_file()
    assert json.loads((out / "briefings" / ".routeplan").read_text(encoding="utf-8"))["kind"] == "briefings"
    # and the plan folder as a whole is still replaceable by a new plan
    code, _o, err = run(capsys, "plan", str(_sc), "--out", str(out), *FAST)
    assert code == 0, err


# ---------------------------------------------------------------- hotspots


def _incidents(path: Path) -> Path:
    rows = ["lat,lon,type,date"]
    for i in range(12):
        rows.append(f"{-8.2 + i * 0.001},{113.2 + (i % 3) * 0.001},curat,2024-01-0{1 + i % 9} 2{i % 4}:00")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_hotspots_out_is_the_incidents_folder(tmp_path, capsys) -> None:
    inc = _incidents(tmp_path / "data" / "incidents.csv")
    before = tree(inc.parent)
    refused(capsys, "hotspots", str(inc), "--out", str(inc.parent), "--bandwidth", "150",
            fragments=(str(inc.parent), "incidents.csv"))
    assert tree(inc.parent) == before and leftovers(tmp_path) == []


def test_hotspots_out_is_a_folder_of_unrelated_files_then_its_own(tmp_path, capsys) -> None:
    inc = _incidents(tmp_path / "incidents.csv")
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("mine\n", encoding="utf-8")
    refused(capsys, "hotspots", str(inc), "--out", str(docs), "--bandwidth", "150",
            fragments=(str(docs), "not written by routeplan"))
    assert tree(docs) == {"a.txt": b"mine\n"}
    out = tmp_path / "hs"
    for _ in range(2):  # a second run replaces the folder it wrote
        code, _o, err = run(capsys, "hotspots", str(inc), "--out", str(out), "--bandwidth", "150")
        assert code == 0, err
    assert json.loads((out / ".routeplan").read_text(encoding="utf-8"))["kind"] == "hotspots"
    assert leftovers(tmp_path) == []


# ---------------------------------------------------------------- objects (a file)


def test_objects_does_not_overwrite_a_file_without_force(tmp_path, capsys) -> None:
    sc = world(tmp_path / "w")
    target = tmp_path / "vital_objects.geojson"
    target.write_text('{"edited": "by hand"}\n', encoding="utf-8")
    refused(capsys, "objects", str(sc), "--out", str(target), fragments=(str(target), "--force"))
    assert target.read_text(encoding="utf-8") == '{"edited": "by hand"}\n'
    code, _o, err = run(capsys, "objects", str(sc), "--out", str(target), "--force")
    assert code == 0, err
    assert json.loads(target.read_text(encoding="utf-8"))["type"] == "FeatureCollection"
    fresh = tmp_path / "new.geojson"
    code, _o, err = run(capsys, "objects", str(sc), "--out", str(fresh))
    assert code == 0, err
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_objects_never_overwrites_an_input_a_folder_or_a_link(tmp_path, capsys) -> None:
    sc = world(tmp_path / "w")
    before = tree(sc.parent)
    refused(capsys, "objects", str(sc), "--out", str(sc), "--force", fragments=(str(sc), "input"))
    refused(capsys, "objects", str(sc), "--out", str(sc.parent / "roads.osm"), "--force", fragments=("roads.osm",))
    refused(capsys, "objects", str(sc), "--out", str(sc.parent), "--force", fragments=(str(sc.parent),))
    link = tmp_path / "link.geojson"
    link.symlink_to(sc.parent / "vo.geojson")
    refused(capsys, "objects", str(sc), "--out", str(link), "--force", fragments=(str(link), "symbolic link"))
    assert link.is_symlink() and tree(sc.parent) == before


# ---------------------------------------------------------------- every subcommand with an --out folder


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> dict[str, Path]:
    """A tiny world, a plan folder written by routeplan and an incidents file, shared by the cases below."""
    base = tmp_path_factory.mktemp("inputs")
    sc = world(base / "w")
    plan = base / "plan"
    assert main(["plan", str(sc), "--out", str(plan), *FAST]) == 0
    return {"scenario": sc, "plan": plan, "incidents": _incidents(base / "inc" / "incidents.csv")}


def _command(sub: str, inp: dict[str, Path], out: str) -> list[str]:
    return {
        "plan": ["plan", str(inp["scenario"]), "--out", out, *FAST],
        "demo": ["demo", "--out", out, *FAST],
        "replan": ["replan", str(inp["plan"]), "--from", "2026-12-01", "--out", out, *FAST],
        "brief": ["brief", str(inp["plan"]), "--out", out],
        "hotspots": ["hotspots", str(inp["incidents"]), "--out", out, "--bandwidth", "150"],
    }[sub]


@pytest.mark.parametrize("case", ["unrelated files", "older plan folder", "working folder", "symbolic link"])
@pytest.mark.parametrize("sub", ["plan", "demo", "replan", "brief", "hotspots"])
def test_every_subcommand_refuses_an_out_it_must_not_replace(sub, case, inputs, tmp_path, capsys, monkeypatch):
    from routeplan._io import atomic_output_dir

    before_inputs = {k: tree(v.parent if v.is_file() else v) for k, v in inputs.items()}
    if case == "unrelated files":
        out = tmp_path / "docs"
        (out / "sub").mkdir(parents=True)
        (out / "sub" / "laporan.txt").write_text("mine\n", encoding="utf-8")
        fragment = "not written by routeplan"
    elif case == "older plan folder":
        out = tmp_path / "old"
        out.mkdir()
        for name in ("plan.json", "map.html", "stops.csv"):
            (out / name).write_text("{}\n", encoding="utf-8")
        fragment = "delete it by hand"
    elif case == "working folder":
        out = tmp_path / "work"
        out.mkdir()
        (out / "mine.txt").write_text("mine\n", encoding="utf-8")
        monkeypatch.chdir(out)
        fragment = "working folder"
    else:
        real = tmp_path / "real"
        with atomic_output_dir(real) as stage:  # a folder routeplan wrote, reached through a link
            (stage / "x.txt").write_text("x\n", encoding="utf-8")
        out = tmp_path / "link"
        out.symlink_to(real, target_is_directory=True)
        fragment = "symbolic link"
    before = tree(tmp_path)
    given = "." if case == "working folder" else str(out)
    refused(capsys, *_command(sub, inputs, given), fragments=(fragment,))
    assert tree(tmp_path) == before and leftovers(tmp_path) == []
    if case == "symbolic link":
        assert out.is_symlink() and tree(out.resolve()) == tree(tmp_path / "real")
    assert {k: tree(v.parent if v.is_file() else v) for k, v in inputs.items()} == before_inputs


# ====================================================================== class 3: killed while writing

DRIVER = textwrap.dedent("""\
    import os, sys, time
    from pathlib import Path

    flag, mode, out = Path(sys.argv[1]), sys.argv[2], os.path.abspath(sys.argv[3])

    def pause():
        flag.write_text(str(os.getpid()))
        time.sleep(600)

    if mode == "write":  # stop while the staging folder is half written
        import routeplan.render.export as ex
        real_gpkg = ex.write_geopackage

        def slow_gpkg(*a, **k):
            real_gpkg(*a, **k)
            pause()

        ex.write_geopackage = slow_gpkg
    else:  # "swap": stop right after the previous folder was moved aside
        real_replace = os.replace

        def slow_replace(src, dst, *a, **k):
            real_replace(src, dst, *a, **k)
            if os.path.abspath(src) == out:
                pause()

        os.replace = slow_replace
    from routeplan.cli import main
    sys.exit(main(sys.argv[4:]))
""")


def _start(tmp_path: Path, mode: str, sc: Path, out: Path) -> tuple[subprocess.Popen, Path]:
    driver = tmp_path / "driver.py"
    driver.write_text(DRIVER, encoding="utf-8")
    flag = tmp_path / f"flag-{mode}"
    proc = subprocess.Popen([sys.executable, str(driver), str(flag), mode, str(out), "plan", str(sc), "--out",
                             str(out), *FAST], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 300
    while not flag.exists():
        if proc.poll() is not None:
            raise AssertionError(f"the run ended before it wrote outputs: {proc.stderr.read()}")
        assert time.monotonic() < deadline, "the run never reached the outputs"
        time.sleep(0.05)
    return proc, flag


def test_sigkill_while_writing_then_next_run_cleans_up(planned, tmp_path, capsys) -> None:
    sc, out = planned
    before = snapshot(out)
    proc, _flag = _start(tmp_path, "write", sc, out)
    assert leftovers(out.parent)  # the staging folder is there, half written
    proc.kill()
    proc.communicate(timeout=60)
    assert snapshot(out) == before  # the previous plan is intact
    assert any(".staging-" in name for name in leftovers(out.parent))
    code, _o, err = run(capsys, "plan", str(sc), "--out", str(out), *FAST)
    assert code == 0, err
    assert leftovers(out.parent) == []
    assert json.loads((out / "plan.json").read_text(encoding="utf-8"))["routes"]


def test_sigkill_leftovers_are_removed_even_by_a_refused_run(planned, tmp_path, capsys) -> None:
    sc, out = planned
    before = snapshot(out)
    proc, _flag = _start(tmp_path, "write", sc, out)
    proc.kill()
    proc.communicate(timeout=60)
    assert leftovers(out.parent)
    bad = world(tmp_path / "bad", layer=objects_geojson(feature("A", LON0, LAT0, category="casino")))
    refused(capsys, "plan", str(bad), "--out", str(out), *FAST, fragments=("casino",))
    assert leftovers(out.parent) == [] and snapshot(out) == before


def test_sigkill_between_moving_aside_and_moving_in(planned, tmp_path, capsys) -> None:
    """Killed in the instant the previous plan is set aside: the next run puts it back, even a refused one."""
    sc, out = planned
    before = snapshot(out)
    proc, _flag = _start(tmp_path, "swap", sc, out)
    proc.kill()
    proc.communicate(timeout=60)
    assert not out.exists() and any(".old-" in name for name in leftovers(out.parent))
    bad = world(tmp_path / "bad", layer=objects_geojson(feature("A", LON0, LAT0, category="casino")))
    refused(capsys, "plan", str(bad), "--out", str(out), *FAST, fragments=("casino",))
    assert snapshot(out) == before and leftovers(out.parent) == []


def test_sigterm_while_writing_is_handled_like_ctrl_c(planned, tmp_path) -> None:
    sc, out = planned
    before = snapshot(out)
    proc, _flag = _start(tmp_path, "write", sc, out)
    proc.send_signal(signal.SIGTERM)
    _stdout, err = proc.communicate(timeout=60)
    assert proc.returncode == 143, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("routeplan: ") and "terminated" in lines[0], err
    assert snapshot(out) == before and leftovers(out.parent) == []


def test_live_staging_folder_of_another_run_is_kept(planned, tmp_path, capsys) -> None:
    """A second run does not remove the staging folder of a run that is still writing."""
    sc, out = planned
    proc, _flag = _start(tmp_path, "write", sc, out)
    try:
        theirs = leftovers(out.parent)
        assert theirs
        code, _o, err = run(capsys, "plan", str(sc), "--out", str(out), *FAST)
        assert code == 0, err
        assert set(theirs) <= set(leftovers(out.parent))
    finally:
        proc.kill()
        proc.communicate(timeout=60)


# ====================================================================== class 5: one file per route

COLLIDING = ["R2/1", "R2_1", "\U0001F693", "\U0001F694"]  # R2/1 and R2_1; two police-car emoji

SCENARIO_UNITS = """\
name = "tiny"
[area]
osm_file = "roads.osm"
[plan]
start_date = "2026-11-30"
days = 2
language = "en"
[layers]
vital_objects = "vo.geojson"
[[depots]]
id = "polsek"
name = "Polsek"
lat = {dlat}
lon = {dlon}
[[shifts]]
name = "pagi"
start = "06:00"
end = "14:00"
"""


def _colliding_world(tmp: Path) -> Path:
    text = SCENARIO_UNITS.format(dlat=LAT0 + 2 * STEP, dlon=LON0 + 2 * STEP)
    for uid in COLLIDING:
        text += f'[[units]]\nid = "{uid}"\nkind = "motorcycle"\ndepot = "polsek"\n'
    # a pinned visit per unit, so that every unit has a route
    for i, uid in enumerate(COLLIDING):
        day = "2026-11-30" if i < 2 else "2026-12-01"
        text += f'[[pins]]\nobject = "VO-{1 + i % 2}"\nunit = "{uid}"\ndate = "{day}"\ntime = "{9 + i:02d}:00"\n'
    layer = objects_geojson(feature("VO-1", LON0 + 0.0021, LAT0 + 0.0041),
                            feature("VO-2", LON0 + 0.0061, LAT0 + 0.0019))
    return world(tmp, scenario=text, layer=layer)


def test_colliding_unit_ids_get_one_gpx_and_one_briefing_per_route(tmp_path, capsys) -> None:
    sc = _colliding_world(tmp_path / "w")
    out = tmp_path / "out"
    code, _o, err = run(capsys, "plan", str(sc), "--out", str(out), *FAST)
    assert code == 0, err
    plan = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    routes = plan["routes"]
    assert {r["unit"] for r in routes} == set(COLLIDING)
    gpx = sorted((out / "gpx").glob("*.gpx"))
    assert len(gpx) == len(routes)
    # each GPX names its own route
    named = sorted(f.read_text(encoding="utf-8").split("<name>", 1)[1].split("</name>", 1)[0] for f in gpx)
    assert named == sorted(f"{r['unit']} {r['day']} {r['shift']}" for r in routes)
    pages = sorted(p.name for p in (out / "briefings").glob("*.html") if p.name not in ("index.html", "all.html"))
    assert len(pages) == len(routes)
    # the index links every page once, and the pages are the routes' briefings, one each
    idx = (out / "briefings" / "index.html").read_text(encoding="utf-8")
    hrefs = [h for h in re.findall(r'href="([^"]+\.html)"', idx) if h not in ("all.html", "../map.html", "../scorecard.html")]
    assert sorted(hrefs) == pages
    titles = sorted(html.unescape(re.search(r"<title>(.*?)</title>", (out / "briefings" / p).read_text(
        encoding="utf-8")).group(1)) for p in pages)
    assert titles == sorted(f"Patrol briefing {r['unit']} {r['day'][8:10]}-{r['day'][5:7]}-{r['day'][:4]} {r['shift']}"
                            for r in routes)
    # plain ids keep their plain file names
    assert any(p.startswith("R2_1_2026-") and p.count("-") == 2 for p in pages), pages


def test_long_non_latin_unit_id_fits_a_file_name(tmp_path, capsys) -> None:
    """100 letters of a non-Latin script are 300 bytes of UTF-8: more than a file name may hold."""
    uid = "\u0915" * 100  # Devanagari KA
    sc = world(tmp_path / "w", unit=uid)
    out = tmp_path / "out"
    code, _o, err = run(capsys, "plan", str(sc), "--out", str(out), *FAST)
    assert code == 0, err
    plan = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    assert len(list((out / "gpx").glob("*.gpx"))) == len(plan["routes"]) > 0
    assert all(len(p.name.encode("utf-8")) <= 255 for p in out.rglob("*"))


def test_output_folder_inside_an_output_folder_vouches_for_itself(tmp_path) -> None:
    """A week folder replanned in place may get new file names; the weeks folder stays replaceable."""
    from routeplan._io import atomic_output_dir, write_marker

    out = tmp_path / "weeks"
    with atomic_output_dir(out, kind="weeks") as stage:  # as routeplan.report.write_weeks
        (stage / "week-1").mkdir()
        (stage / "week-1" / "a.gpx").write_text("a", encoding="utf-8")
        write_marker(stage / "week-1", "plan")
    with atomic_output_dir(out / "week-1", kind="plan") as stage:  # as `routeplan replan weeks/week-1`
        (stage / "b.gpx").write_text("b", encoding="utf-8")
    with atomic_output_dir(out, kind="weeks") as stage:
        (stage / "new.txt").write_text("new", encoding="utf-8")
    assert sorted(p.name for p in out.iterdir()) == [".routeplan", "new.txt"]
    # a file added by hand inside the inner folder still stops the replacement
    with atomic_output_dir(out, kind="weeks") as stage:
        (stage / "week-1").mkdir()
        write_marker(stage / "week-1", "plan")
    (out / "week-1" / "mine.txt").write_text("mine", encoding="utf-8")
    from routeplan.errors import InputError

    with pytest.raises(InputError, match="mine.txt"):
        with atomic_output_dir(out, kind="weeks") as stage:
            pass
    assert (out / "week-1" / "mine.txt").read_text(encoding="utf-8") == "mine" and leftovers(tmp_path) == []
