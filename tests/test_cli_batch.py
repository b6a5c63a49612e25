"""Progress of routeplan batch on the terminal: one line per kecamatan across the batch, failures named."""

from __future__ import annotations

from routeplan.cli.batch import _BatchProgress


def test_progress_names_each_kecamatan_with_its_count_and_outcome(capsys):
    prog = _BatchProgress(quiet=False)
    prog(1, 3, {"name": "kunir", "status": "ok", "served_visits": 40, "required_visits": 41, "seconds": 12.3})
    prog(2, 3, {"name": "tempeh", "status": "ok", "skipped": True})
    prog(3, 3, {"name": "rusak", "status": "failed", "error": "rusak/vital_objects.geojson: unknown category 'x'"})
    prog.close()
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 3
    assert lines[0].endswith("1/3 kunir: 40/41 required visits served in 12 s")
    assert lines[1].endswith("2/3 tempeh: unchanged, kept")
    assert lines[2].endswith("3/3 rusak: FAILED: rusak/vital_objects.geojson: unknown category 'x'")


def test_quiet_progress_prints_nothing(capsys):
    prog = _BatchProgress(quiet=True)
    prog(1, 1, {"name": "kunir", "status": "failed", "error": "x"})
    assert capsys.readouterr().err == ""
