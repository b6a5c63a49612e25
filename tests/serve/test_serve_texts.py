"""Texts of the web workspace: a job's stage is stored in English and shown in the user's language."""

import pytest
from conftest import SAMPLE

import routeplan
from routeplan.serve.texts import STAGES, stage_text


@pytest.fixture(scope="module")
def library_stages():
    """Every progress label the library gives while planning the sample (a small, repeatable search)."""
    seen: list[str] = []
    routeplan.plan(SAMPLE / "scenario.toml", seed=1, time_limit=60, max_iterations=50, progress=seen.append)
    return seen


def test_every_stage_of_a_plan_reads_in_indonesian(library_stages):
    assert {"reading inputs", "weekly model", "building routes"} <= set(library_stages)
    for stage in library_stages:
        shown = stage_text(stage, "id")
        assert shown and shown != stage, stage
        assert stage_text(stage, "en") == stage


@pytest.mark.parametrize(("stage", "shown"), [
    ("optimizing (3906 stops, 65 shifts)", "mengoptimasi (3906 titik, 65 sif)"),
    ("re-optimizing for minimum gaps (3 too close)", "mengoptimasi ulang jarak minimum (3 kunjungan terlalu dekat)"),
    ("week 2/4", "minggu 2/4"),
    ("matching the tracks to the roads", STAGES["matching the tracks to the roads"]),
    ("something new <b>{{7*7}}</b>", "something new <b>{{7*7}}</b>"),  # unknown: as stored (the template escapes)
    (None, ""),
])
def test_stage_text(stage, shown):
    assert stage_text(stage, "id") == shown
