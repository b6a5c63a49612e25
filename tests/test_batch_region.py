"""The region file of routeplan batch: form 1 read, everything else refused with one line (exit status 2)."""

from __future__ import annotations

from pathlib import Path

import pytest

from routeplan.batch.region import read_region
from routeplan.cli import main
from routeplan.errors import InputError


def _region(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "region.toml"
    p.write_text(text, encoding="utf-8")
    return p


def test_scenarios_are_read_in_order_and_named_after_their_folder(tmp_path):
    r = read_region(_region(tmp_path, 'name = "Polres Uji"\nscenarios = ["kunir/scenario.toml", "b/tempeh/s.toml"]\n'))
    assert r.name == "Polres Uji"
    assert [(k.name, k.scenario) for k in r.kecamatan] == [
        ("kunir", tmp_path / "kunir" / "scenario.toml"), ("tempeh", tmp_path / "b" / "tempeh" / "s.toml")]


@pytest.mark.parametrize(("text", "message"), [
    ('scenarios = ["a/s.toml"]\nosm_file = "jatim.osm.pbf"\n', "'osm_file' belongs to the regional form"),
    ('osm_file = "jatim.osm.pbf"\nkecamatan = "kec.geojson"\ntemplate = "t.toml"\n', "jatim.osm.pbf: OSM file not found"),
    ('scenarios = ["a/s.toml"]\nscenario = 1\n', "unknown key 'scenario'; did you mean 'scenarios'?"),
    ("scenarios = []\n", "no scenarios"),
    ("scenarios = [1]\n", "scenarios[0]: must be the path of a scenario file"),
    ('scenarios = ["a/s.toml", "a/t.toml"]\n', "both give the folder 'a'"),
    ('scenarios = ["summary.csv/s.toml"]\n', "taken by a batch output"),
    ("scenarios = [\n", "not valid TOML"),
    ('name = "a\\u0007b"\nscenarios = ["a/s.toml"]\n', "'name' must be one line"),
])
def test_bad_region_files_are_one_line_errors(tmp_path, text, message):
    with pytest.raises(InputError, match="^.*" + message.replace("(", r"\(").replace("[", r"\[").replace("?", r"\?")):
        read_region(_region(tmp_path, text))


def test_cli_refuses_a_regional_form_without_its_files_with_exit_status_2(tmp_path, capsys):
    region = _region(tmp_path, 'osm_file = "jatim.osm.pbf"\n')
    assert main(["batch", str(region), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "'kecamatan' must be a file path" in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_cli_refuses_a_missing_region_file(tmp_path, capsys):
    assert main(["batch", str(tmp_path / "nope.toml"), "--out", str(tmp_path / "out")]) == 2
    assert "region file not found" in capsys.readouterr().err


def test_out_must_not_be_a_foreign_folder(tmp_path, capsys):
    region = _region(tmp_path, 'scenarios = ["a/s.toml"]\n')
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep me", encoding="utf-8")
    assert main(["batch", str(region), "--out", str(tmp_path / "mine")]) == 2
    assert "not written by routeplan" in capsys.readouterr().err
    assert (tmp_path / "mine" / "notes.txt").read_text(encoding="utf-8") == "keep me"


def test_out_must_not_be_a_plan_folder(tmp_path, capsys):
    from routeplan._io import write_marker

    region = _region(tmp_path, 'scenarios = ["a/s.toml"]\n')
    (tmp_path / "plan").mkdir()
    write_marker(tmp_path / "plan", "plan")
    assert main(["batch", str(region), "--out", str(tmp_path / "plan")]) == 2
    assert "holds a routeplan plan folder, not a batch" in capsys.readouterr().err


def test_an_unreachable_scheduler_is_one_line(tmp_path, capsys, monkeypatch):
    import socket

    from routeplan import settings

    pytest.importorskip("distributed")
    monkeypatch.setattr(settings, "batch_connect_timeout_s", 2.0)
    with socket.socket() as s:  # a loopback port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    from routeplan.sample.regency import generate_regency

    region = _region(tmp_path, 'scenarios = ["b/scenario.toml"]\n')  # a good kecamatan: it needs the scheduler
    generate_regency(tmp_path / "gen", 1, objects=(3, 3), units=(1, 1), side_m=1500.0)
    (tmp_path / "gen" / "tempursari").rename(tmp_path / "b")
    rc = main(["batch", str(region), "--out", str(tmp_path / "out"), "--scheduler", f"tcp://127.0.0.1:{port}",
               "--quiet"])
    err = capsys.readouterr().err.strip()
    assert rc == 2 and err.startswith(f"routeplan: error: --scheduler tcp://127.0.0.1:{port}: cannot connect")
    assert len(err.splitlines()) == 1
    assert not (tmp_path / "out").exists()  # nothing written when the cluster cannot be reached
