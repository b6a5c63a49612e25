"""Incident type matching (routeplan.hotspots.types): exact names, keywords and synonyms, user overrides."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from routeplan.errors import InputError
from routeplan.hotspots import read_incidents
from routeplan.hotspots.types import normalise_type, type_matcher

#: Real-world type strings (Chicago, Philadelphia, Los Angeles, Seattle, UK police, Indonesian police reports).
TABLE = [
    ("VEHICLE THEFT - AUTO", "curanmor"),
    ("MOTOR VEHICLE THEFT", "curanmor"),
    ("Motor Vehicle Theft", "curanmor"),
    ("VEHICLE - STOLEN", "curanmor"),
    ("Theft of Vehicle", "curanmor"),
    ("curanmor R2", "curanmor"),
    ("Curanmor", "curanmor"),
    ("Pencurian Kendaraan Bermotor (R2)", "curanmor"),
    ("pencurian sepeda motor", "curanmor"),
    ("Ranmor", "curanmor"),
    ("BURGLARY-AUTO", "curat"),
    ("BURGLARY FROM VEHICLE", "curat"),
    ("Theft from Vehicle", "curat"),
    ("THEFT FROM MOTOR VEHICLE - PETTY ($950 & UNDER)", "curat"),
    ("CAR PROWL", "curat"),
    ("BURGLARY-FORCIBLE ENTRY", "curat"),
    ("Burglary Non-Residential", "curat"),
    ("Pencurian dengan Pemberatan", "curat"),
    ("curat", "curat"),
    ("pembobolan rumah", "curat"),
    ("Thefts", "curat"),
    ("THEFT PLAIN - PETTY ($950 & UNDER)", "curat"),
    ("Other theft", "curat"),
    ("ROBBERY", "curas"),
    ("Robbery Firearm", "curas"),
    ("ROBBERY - STRONG ARM", "curas"),
    ("Pencurian dengan Kekerasan", "curas"),
    ("begal", "curas"),
    ("Pembegalan sepeda motor", "curas"),
    ("jambret", "curas"),
    ("Penjambretan", "curas"),
    ("CURAS", "curas"),
    ("pencurian ternak", "curhewan"),
    ("Maling sapi", "curhewan"),
    ("LIVESTOCK THEFT", "curhewan"),
    ("IDENTITY THEFT", "lainnya"),
    ("Recovered Stolen Motor Vehicle", "lainnya"),
    ("Receive Stolen Property", "lainnya"),
    ("BATTERY", "lainnya"),
    ("Other Assaults", "lainnya"),
    ("penganiayaan", "lainnya"),
    ("", "lainnya"),
]


@pytest.mark.parametrize(("raw", "category"), TABLE)
def test_real_world_type_strings(raw, category):
    assert type_matcher().match(raw)[0] == category


def test_case_and_punctuation_do_not_matter():
    m = type_matcher()
    for raw in ("vehicle theft auto", "Vehicle_Theft/Auto", "  VEHICLE   THEFT--AUTO  ", "vehicle.theft.auto"):
        assert m.match(raw) == ("curanmor", True)
    assert normalise_type("BURGLARY-AUTO") == "BURGLARY AUTO"


def test_keywords_match_whole_words_only():
    m = type_matcher()
    # "THEFT" inside another word and "CURI" inside "KECURIGAAN" are no keywords
    assert m.match("THEFTWATCH PATROL") == ("lainnya", False)
    assert m.match("laporan kecurigaan") == ("lainnya", False)
    # a matched lainnya (identity theft) is not unmatched
    assert m.match("identity theft") == ("lainnya", True)


def test_type_map_wins_over_keywords_and_keyword_file_over_defaults(tmp_path):
    tm = tmp_path / "map.json"
    tm.write_text(json.dumps({"Vehicle theft - auto": "curat", "begal": "curanmor"}), encoding="utf-8")
    kw = tmp_path / "kw.toml"
    kw.write_text('[[rules]]\ncategory = "curhewan"\nphrases = ["maling ayam"]\n'
                  '[[rules]]\ncategory = "lainnya"\nphrases = ["theft"]\n'
                  '[[rules]]\ncategory = "curanmor"\nphrases = ["begal"]\n', encoding="utf-8")
    m = type_matcher(tm, kw)
    assert m.match("VEHICLE THEFT-AUTO") == ("curat", True)  # the type map wins over everything
    assert m.match("Begal") == ("curanmor", True)
    assert m.match("maling ayam kampung") == ("curhewan", True)  # a new synonym
    assert m.match("THEFT") == ("lainnya", True)  # the keyword file comes before the default names
    assert m.match("ROBBERY") == ("curas", True)  # defaults still apply


@pytest.mark.parametrize(("text", "pattern"), [
    ('[[rules]]\ncategory = "pencurian"\nphrases = ["x"]\n', "kw.toml.*pencurian.*curas"),
    ('[[rules]]\ncategory = "curat"\n', r"kw.toml: rules\[0\] needs phrases"),
    ('[[rules]]\ncategory = "curat"\nphrases = ["--"]\n', "no phrase with a letter"),
    ("rules = 3\n", r"kw.toml: expected \[\[rules\]\]"),
    ("[[rules]\n", "kw.toml: not valid TOML"),
])
def test_bad_keyword_files_are_one_line_errors(tmp_path, text, pattern):
    kw = tmp_path / "kw.toml"
    kw.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=pattern):
        type_matcher(None, kw)


def test_read_incidents_marks_unmatched_types(tmp_path):
    f = tmp_path / "inc.csv"
    rows = ["latitude,longitude,type"] + [
        "-8.2,113.2,VEHICLE THEFT - AUTO", "-8.2,113.2,BURGLARY-AUTO", "-8.2,113.2,BURGLARY-FORCIBLE ENTRY",
        "-8.2,113.2,BATTERY", "-8.2,113.2,", "-8.2,113.2,{{7*7}} <script>x</script>",
    ]
    f.write_text("\n".join(rows) + "\n", encoding="utf-8")
    inc = read_incidents(f)
    assert list(inc["type"]) == ["curanmor", "curat", "curat", "lainnya", "lainnya", "lainnya"]
    # an empty type is no type, not an unmatched one
    assert list(inc["type_matched"]) == [True, True, True, False, True, False]


def test_categorise_matches_each_distinct_text_once():
    m = type_matcher()
    cats, unmatched = m.categorise(pd.Series(["THEFT", "THEFT", "battery", ""]))
    assert list(cats) == ["curat", "curat", "lainnya", "lainnya"]
    assert list(unmatched) == [False, False, True, False]
