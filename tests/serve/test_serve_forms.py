"""The scenario editor as forms: the library's validator, its messages beside the field, the version check."""

from __future__ import annotations

import tomllib
from html.parser import HTMLParser
from pathlib import Path

import pytest

from routeplan.errors import InputError
from routeplan.load.scenario import load_scenario, scenario_from_dict
from routeplan.serve import forms

from .conftest import SAMPLE, Server, csrf_of, zip_folder


class _Inputs(HTMLParser):
    """The name → value of every input of the scenario form."""

    def __init__(self) -> None:
        super().__init__()
        self.inside = False
        self.values: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("id") == "scenario-form"
        elif tag == "input" and self.inside and a.get("name") and a.get("type") != "checkbox":
            self.values[str(a["name"])] = a.get("value") or ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False


def _form(page: str) -> dict[str, str]:
    p = _Inputs()
    p.feed(page)
    return p.values


def _sample_form() -> dict[str, str]:
    """The form fields as the page fills them from the sample's file (without a server)."""
    raw = tomllib.loads((SAMPLE / "scenario.toml").read_text(encoding="utf-8"))
    out = {"name": forms.show(raw["name"])}
    for table, keys in forms.TABLES.items():
        out |= {f"{table}.{k}": forms.show(raw.get(table, {}).get(k)) for k in keys}
    for table, keys in forms.ROWS.items():
        for i, row in enumerate([*raw.get(table, []), {}]):
            out |= {f"{table}.{i}.{k}": forms.show(row.get(k)) for k in keys}
    return out


def test_form_round_trip_keeps_the_scenario() -> None:
    raw = tomllib.loads((SAMPLE / "scenario.toml").read_text(encoding="utf-8"))
    again = forms.scenario_from_form(_sample_form(), raw)
    assert again == raw
    assert tomllib.loads(forms.to_toml(again)) == raw


def test_a_form_save_keeps_the_files_comments_and_changes_only_what_changed() -> None:
    text = (SAMPLE / "scenario.toml").read_text(encoding="utf-8")
    raw = tomllib.loads(text)
    form = _sample_form() | {"plan.days": "3", "units.0.id": 'R4 "satu" \\ {{7*7}}', "units.5.delete": "1",
                             "units.6.id": "R2-9", "units.6.kind": "motorcycle", "units.6.depot": "pos-sukorejo",
                             "units.6.shifts": "pagi", "plan.patrol_share": ""}
    new = forms.scenario_from_form(form, raw)
    out = forms.to_toml(new, text)
    assert tomllib.loads(out) == new
    assert new["plan"]["days"] == 3 and new["units"][0]["id"] == 'R4 "satu" \\ {{7*7}}' and len(new["units"]) == 6
    comments = [line for line in text.splitlines() if line.lstrip().startswith("#")]
    kept = [line for line in out.splitlines() if line.lstrip().startswith("#")]
    assert comments and kept == comments  # every comment line, in its order
    changed = [line for line in out.splitlines() if line not in text.splitlines()]
    assert changed == ["days = 3", 'id = "R4 \\"satu\\" \\\\ {{7*7}}"', 'id = "R2-9"'], changed
    for text_value in ("bell \x07 del \x7f", 'quotes """ \' end', "line\nbreak\ttab", "<script>{% raw %}"):
        named = new | {"name": text_value}  # control characters, quotes and markup stay text in the file
        assert tomllib.loads(forms.to_toml(named, text))["name"] == text_value
        assert tomllib.loads(forms.to_toml(named))["name"] == text_value
    # without the old text (or with one that is not TOML) the mapping is written afresh
    assert tomllib.loads(forms.to_toml(new, "not = [toml")) == new
    assert forms.to_toml(new).startswith("# Written by the scenario form")


def test_form_fields_parse_lists_tables_and_dates() -> None:
    raw = tomllib.loads((SAMPLE / "scenario.toml").read_text(encoding="utf-8"))
    f = _sample_form() | {"units.0.days": "mon, tue", "units.0.unavailable": "2026-12-04..2026-12-05, 2026-12-01",
                          "units.0.standby": "malam", "units.1.delete": "1",
                          "operations.0.name": "Op", "operations.0.start": "2026-12-01",
                          "operations.0.end": "2026-12-02", "operations.0.visits_per_day": "pasar = 2; bank = 1",
                          "operations.0.windows": "pasar = 06:00-10:00 | 15:00-18:00"}
    new = forms.scenario_from_form(f, raw)
    u = new["units"][0]
    assert u["days"] == ["mon", "tue"] and u["standby"] == ["malam"]
    assert u["unavailable"] == [["2026-12-04", "2026-12-05"], ["2026-12-01", "2026-12-01"]]
    assert [x["id"] for x in new["units"]] == ["R4-1", "R2-1", "R2-2", "R2-3", "R2-4"]
    op = new["operations"][0]
    assert op["visits_per_day"] == {"pasar": 2, "bank": 1} and op["windows"] == {"pasar": ["06:00-10:00", "15:00-18:00"]}
    scenario_from_dict(new, SAMPLE / "scenario.toml")  # the library accepts what the form made


@pytest.mark.parametrize("change, field", [
    ({"units.2.kind": "boat"}, "units.2.kind"),
    ({"units.1.depot": "nowhere"}, "units.1.depot"),
    ({"units.3.days": "someday"}, "units.3.days"),
    ({"units.0.shifts": "pagi, sore"}, "units.0.shifts"),
    ({"shifts.1.start": "25:00"}, "shifts.1.start"),
    ({"shifts.0.end": ""}, "shifts.0.end"),
    ({"depots.1.lat": "95"}, "depots.1"),
    ({"plan.start_date": "30-11-2026"}, "plan.start_date"),
    ({"plan.days": "0"}, "plan.days"),
    ({"plan.language": "fr"}, "plan.language"),
    ({"area.place": "Kunir"}, "area"),
])
def test_library_message_maps_to_its_field(change: dict[str, str], field: str) -> None:
    raw = tomllib.loads((SAMPLE / "scenario.toml").read_text(encoding="utf-8"))
    new = forms.scenario_from_form(_sample_form() | change, raw)
    with pytest.raises(InputError) as exc:
        scenario_from_dict(new, SAMPLE / "scenario.toml")
    assert forms.field_of(str(exc.value)) == field, str(exc.value)


def _scenario(server: Server) -> int:
    r = server.api("POST", "/api/scenarios", "plan", files={"file": ("sample.zip", zip_folder(SAMPLE))})
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def test_form_saves_through_the_library_and_shows_errors_beside_the_field(server: Server, tmp_path: Path) -> None:
    sid = _scenario(server)
    s = server.login("plan")
    url = f"{server.url}/scenarios/{sid}"
    page = s.get(url, timeout=30).text
    form = _form(page)
    assert form["units.2.kind"] == "motorcycle" and form["plan.start_date"] == "2026-11-30"
    assert form["units.6.id"] == ""  # the empty row that adds a unit

    bad = s.post(url + "/form", data=form | {"units.2.kind": "<script>boat</script>{{7*7}}"}, timeout=30)
    assert bad.status_code == 400
    assert 'id="err-units.2.kind"' in bad.text, [x for x in bad.text.splitlines() if "field-error" in x]
    err = bad.text.split('id="err-units.2.kind"', 1)[1].split("</span>", 1)[0]
    assert "kind" in err and "&lt;script&gt;" in err and "<script>boat" not in bad.text
    assert _form(bad.text)["units.2.kind"] == "<script>boat</script>{{7*7}}"  # what was typed stays in the field

    added = form | {"units.6.id": "R2-9", "units.6.kind": "motorcycle", "units.6.depot": "pos-sukorejo",
                    "units.6.shifts": "pagi", "units.6.days": "sat, sun", "plan.days": "3",
                    "name": "Kunir {% raw %}edit"}
    ok = s.post(url + "/form", data=added, timeout=30)
    assert ok.status_code == 200 and 'id="form-saved"' in ok.text
    assert _form(ok.text)["version"] == str(int(form["version"]) + 1)
    folder = server.data / "scenarios" / str(sid)
    sc = load_scenario(folder / "scenario.toml")
    assert sc.days == 3 and sc.units[-1].id == "R2-9" and sc.name == "Kunir {% raw %}edit"
    assert (folder / "vital_objects.geojson").is_file()
    assert "# off on Wednesday" in (folder / "scenario.toml").read_text(encoding="utf-8")  # the file's comments stay

    stale = s.post(url + "/form", data=form | {"plan.days": "5"}, timeout=30)  # the form of version 1
    assert stale.status_code == 409 and "version" in stale.text
    assert load_scenario(folder / "scenario.toml").days == 3
    no_csrf = s.post(url + "/form", data={k: v for k, v in added.items() if k != "csrf"}, timeout=30)
    assert no_csrf.status_code == 403
    analyst = server.login("ana")
    page = analyst.get(url, timeout=30).text
    assert 'id="scenario-form"' not in page
    assert analyst.post(url + "/form", data=form | {"csrf": csrf_of(page)}, timeout=30).status_code == 403
