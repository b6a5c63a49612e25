"""``routeplan posters``: printable QR posters per vital object for check-ins."""

from __future__ import annotations

import re

import pytest
import segno
from actualdata import plan_folder

from routeplan.actual.posters import payload, posters_html
from routeplan.cli import main
from routeplan.errors import InputError
from routeplan.model.layers import VitalObject


@pytest.fixture(scope="module")
def plan_dir(tmp_path_factory):
    return plan_folder(tmp_path_factory.mktemp("posters"))


def test_one_poster_per_vital_object_with_its_check_in_code(plan_dir, tmp_path, capsys):
    out = tmp_path / "posters"
    assert main(["posters", str(plan_dir), "--out", str(out), "--url", "https://polsek.example/c/{id}?s=1"]) == 0
    assert "50 posters" in capsys.readouterr().out
    page = (out / "posters.html").read_text()
    ids = re.findall(r"<code>([^<]+)</code>", page)
    assert len(ids) == 50 and ids == sorted(ids)
    for i in (ids[0], ids[-1]):
        svg = segno.make(f"https://polsek.example/c/{i}?s=1", error="m").svg_inline(border=2, omitsize=True)
        assert svg in page
    assert page.count('class="poster"') == 50 and "110" in page


def test_ids_are_url_encoded_and_text_is_escaped():
    assert payload("https://x.example/c/{id}", "A/B&C 1") == "https://x.example/c/A%2FB%26C%201"
    evil = VitalObject(id="<b>X</b>", name="<script>alert(1)</script> {{7*7}}", category="pasar", lon=113.2,
                       lat=-8.2, priority=1, visits_per_week=1, dwell_minutes=10, windows=(), days=())
    page = posters_html([evil])
    assert "<script>alert" not in page and "&lt;script&gt;" in page and "<b>X</b>" not in page
    assert "49" not in page.split("<body>")[1].split("<svg")[0]


def test_a_url_without_id_is_refused(plan_dir, tmp_path, capsys):
    with pytest.raises(InputError):
        payload("https://x.example/", "A")
    assert main(["posters", str(plan_dir), "--out", str(tmp_path / "p"), "--url", "https://x.example/"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "{id}" in err
    assert not (tmp_path / "p").exists()


def test_base_url_makes_each_code_open_the_objects_check_in_on_the_server(plan_dir, tmp_path, capsys):
    out = tmp_path / "posters"
    assert main(["posters", str(plan_dir), "--out", str(out), "--base-url", "https://polsek.example/rp/"]) == 0
    page = (out / "posters.html").read_text()
    first = re.findall(r"<code>([^<]+)</code>", page)[0]
    svg = segno.make(f"https://polsek.example/rp/checkin/{first}", error="m").svg_inline(border=2, omitsize=True)
    assert svg in page
    capsys.readouterr()
    for bad in ("polsek.example", "javascript:alert(1)", "https://x.example/{id}"):
        assert main(["posters", str(plan_dir), "--out", str(tmp_path / "bad"), "--base-url", bad]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "--base-url" in err
    assert not (tmp_path / "bad").exists()
