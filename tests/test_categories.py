"""Vital-object and incident categories: defaults in one table, labels in the i18n catalogue, README in step.

The visit defaults live in ``routeplan.load.layers.CATEGORIES``; every label (vital-object categories and the
incident categories of ``routeplan hotspots``) lives in ``routeplan.i18n.CATALOGUE``. The README's category
table is checked against both, so the documentation cannot disagree with the code again.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from routeplan.i18n import CATALOGUE, LANGUAGES, category_label, incident_label, t
from routeplan.load.layers import CATEGORIES
from routeplan.load.scenario import WEEKDAYS

ROOT = Path(__file__).resolve().parents[1]


def _readme_table() -> dict[str, list[str]]:
    """Rows of the README's vital-object category table: category -> the other cells."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index("| category | label")
    rows = {}
    for line in text[start:].splitlines()[2:]:
        if not line.startswith("|"):
            break
        cells = [c.strip() for c in line.strip("|").split("|")]
        rows[cells[0].strip("`")] = cells[1:]
    return rows


def _days(days: tuple[str, ...]) -> str:
    if days == WEEKDAYS:
        return "every day"
    assert days == WEEKDAYS[: len(days)], days
    return f"{days[0]}–{days[-1]}"


def test_readme_table_matches_the_code() -> None:
    rows = _readme_table()
    assert list(rows) == list(CATEGORIES)
    for cat, d in CATEGORIES.items():
        expected = [category_label(cat, "id"), category_label(cat, "en"), str(d.priority), str(d.visits_per_week),
                    str(d.dwell_minutes), ", ".join(d.windows) or "any time", _days(d.days),
                    f"{d.min_gap_hours:g}"]
        assert rows[cat] == expected, cat


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_category_has_its_label_in_the_catalogue(lang: str) -> None:
    for cat in CATEGORIES:
        assert f"cat_{cat}" in CATALOGUE, cat
        assert category_label(cat, lang) == t(f"cat_{cat}", lang) != ""
    assert category_label("hotspot", lang) == t("hotspot", lang)
    assert category_label("no-such-category", lang) == "no-such-category"


def test_labels_as_before() -> None:
    assert category_label("atm", "id") == "ATM / BRILink" and category_label("atm", "en") == "ATM / cash agent"
    assert category_label("pasar", "en") == "Market"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_incident_labels_come_from_the_catalogue(lang: str) -> None:
    from routeplan.hotspots.incidents import CATEGORIES as INCIDENTS
    from routeplan.hotspots.incidents import CATEGORY_LABELS

    for cat in INCIDENTS:
        assert CATEGORY_LABELS[lang][cat] == incident_label(cat, lang) == t(f"inc_{cat}", lang)
    assert incident_label("curas", "en") == "curas (robbery)"


def test_no_label_text_outside_the_catalogue() -> None:
    """Label strings are written once: in routeplan/i18n.py."""
    needles = [CATALOGUE[f"cat_{c}"]["en"] for c in CATEGORIES if CATALOGUE[f"cat_{c}"]["en"] != CATALOGUE[f"cat_{c}"]["id"]]
    needles += ["curas (pencurian dengan kekerasan)", "curanmor (motor vehicle theft)"]
    for path in sorted((ROOT / "routeplan").rglob("*.py")):
        # layers.py: CategoryDefaults still has label_id/label_en (no longer read) until the model/ split lands
        if path.name == "i18n.py" or path.name == "layers.py":
            continue
        text = path.read_text(encoding="utf-8")
        for needle in needles:
            assert not re.search(re.escape(f'"{needle}"'), text), (path, needle)
