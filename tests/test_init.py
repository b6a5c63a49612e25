"""``routeplan init DIR``: a commented starter scenario in a new folder; never over a folder with files."""

from __future__ import annotations

from pathlib import Path

from test_bad_input import run
from test_outputs import refused, tree

from routeplan.load.scenario import load_scenario
from routeplan.sample import SAMPLE_FILES

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"


def test_init_writes_a_starter_scenario_that_loads(tmp_path, capsys) -> None:
    folder = tmp_path / "kunir"
    code, stdout, err = run(capsys, "init", str(folder))
    assert code == 0, err
    assert sorted(p.name for p in folder.iterdir()) == sorted(SAMPLE_FILES)
    text = (folder / "scenario.toml").read_text(encoding="utf-8")
    assert text.startswith("# Starter scenario written by `routeplan init`")
    assert text.count("\n# ") >= 10  # commented: what each table means
    for name in SAMPLE_FILES:  # the sample's layers, and its scenario below the starter's header
        if name != "scenario.toml":
            assert (folder / name).read_bytes() == (SAMPLE / name).read_bytes()
    assert text.endswith((SAMPLE / "scenario.toml").read_text(encoding="utf-8"))
    sc = load_scenario(folder / "scenario.toml")
    assert sc.vital_objects == folder / "vital_objects.geojson" and sc.units
    assert str(folder / "scenario.toml") in stdout and "routeplan plan" in stdout
    assert [p.name for p in tmp_path.iterdir()] == ["kunir"]  # no staging folder left


def test_init_into_an_empty_folder(tmp_path, capsys) -> None:
    (tmp_path / "empty").mkdir()
    code, _o, err = run(capsys, "init", str(tmp_path / "empty"))
    assert code == 0, err
    assert (tmp_path / "empty" / "scenario.toml").is_file()


def test_init_refuses_a_folder_with_files_or_a_file(tmp_path, capsys) -> None:
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep\n", encoding="utf-8")
    (tmp_path / "afile").write_text("keep\n", encoding="utf-8")
    before = tree(tmp_path)
    refused(capsys, "init", str(tmp_path / "mine"), fragments=(str(tmp_path / "mine"), "not empty"))
    refused(capsys, "init", str(tmp_path / "afile"), fragments=("not a folder",))
    refused(capsys, "init", str(tmp_path / "bad\nname"), fragments=("control character",))
    assert tree(tmp_path) == before


def test_init_twice_refuses_the_second(tmp_path, capsys) -> None:
    folder = tmp_path / "s"
    assert run(capsys, "init", str(folder))[0] == 0
    before = tree(folder)
    refused(capsys, "init", str(folder), fragments=("not empty",))
    assert tree(folder) == before
