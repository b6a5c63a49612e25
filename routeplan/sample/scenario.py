"""The synthetic sample's scenario file, and the three shifts that tests and benchmarks share."""

from __future__ import annotations

from routeplan.sample.frame import Pt, to_lonlat

#: The three shifts of the sample (pagi, siang, malam; the night shift crosses midnight) as scenario TOML.
#: The sample's scenario and the scenarios that tests and benchmarks build on other networks share it.
THREE_SHIFTS_TOML = """[[shifts]]
name = "pagi"
start = "06:00"
end = "14:00"

[[shifts]]
name = "siang"
start = "14:00"
end = "22:00"

[[shifts]]
name = "malam"
start = "22:00"
end = "06:00"
"""


# long: the scenario file as one f-string, kept whole so that it reads as the file it writes
def scenario_toml(polsek: Pt, pos: Pt, pos_desa: str, seed: int) -> str:
    """The sample's ``scenario.toml``: its Polsek and post at ``polsek`` and ``pos`` (local metres)."""
    plon, plat = to_lonlat(*polsek)
    qlon, qlat = to_lonlat(*pos)
    pos_id = "pos-" + pos_desa.lower().replace(" ", "-")
    return f'''# SYNTHETIC sample scenario written by routeplan.sample (seed {seed}); regenerate with
#   python -m routeplan.sample data/sample
# Every road, place, risk and crew below is invented, shaped like Kecamatan Kunir (Kabupaten Lumajang,
# Jawa Timur) so the tool runs offline. Not real data; do not use it to plan real patrols.
# Paths are relative to this file.

name = "Kunir (sampel sintetis)"

# [area]: where the roads come from. Here a local OSM XML file (synthetic); a real scenario may use
# place = "...", bbox = [west, south, east, north] or boundary = "file.geojson" instead (exactly one).
[area]
name = "Kecamatan Kunir (sintetis)"
osm_file = "roads.osm"

# [plan]: the planning week. start_date is a Monday; times are local (WIB, UTC+7).
# Dwell = minutes spent at a stop (objects without their own dwell_minutes; hotspot stops ~10-16 min).
[plan]
start_date = "2026-11-30"
days = 7
language = "id"
utc_offset = "+07:00"
default_dwell_minutes = 10
hotspot_dwell_minutes = 15

# [layers]: vital objects (points), crime hotspots (polygons or points) and desa boundaries (polygons).
[layers]
vital_objects = "vital_objects.geojson"
hotspots = "hotspots.geojson"
desa = "desa.geojson"

# [[depots]]: where patrols start and end: the Polsek in the market town and a post in a southern desa.
[[depots]]
id = "polsek-kunir"
name = "Polsek Kunir"
lat = {plat:.7f}
lon = {plon:.7f}

[[depots]]
id = "{pos_id}"
name = "Pos Pantau {pos_desa}"
lat = {qlat:.7f}
lon = {qlon:.7f}

# [[shifts]]: named working periods; an end before the start crosses midnight.
{THREE_SHIFTS_TOML}
# [[units]]: patrol crews. kind = "car" (R4) or "motorcycle" (R2); depot = a depot id; shifts = shift names
# the unit works each day; days omitted = every day, days = ["mon", "wed"] restricts. Crews are fictional.
[[units]]
id = "R4-1"
kind = "car"
depot = "polsek-kunir"
crew = "Aiptu Slamet Riyadi / Bripka Agus Santoso"
shifts = ["pagi", "siang"]

[[units]]
id = "R4-2"
kind = "car"
depot = "polsek-kunir"
crew = "Aipda Hendro Wibowo / Brigpol Dwi Prasetyo"
shifts = ["siang", "malam"]
days = ["mon", "tue", "wed", "thu", "fri", "sat"]  # off on Sunday

[[units]]
id = "R2-1"
kind = "motorcycle"
depot = "polsek-kunir"
crew = "Bripka Eko Susanto / Briptu Rizky Ramadhan"
shifts = ["pagi"]

[[units]]
id = "R2-2"
kind = "motorcycle"
depot = "polsek-kunir"
crew = "Brigpol Yudi Hartono / Bripda Fajar Nugroho"
shifts = ["siang", "malam"]
days = ["mon", "tue", "wed", "thu", "fri", "sun"]  # off on Saturday

[[units]]
id = "R2-3"
kind = "motorcycle"
depot = "{pos_id}"
crew = "Aipda Sugeng Haryadi / Briptu Andik Firmansyah"
shifts = ["pagi", "siang"]

[[units]]
id = "R2-4"
kind = "motorcycle"
depot = "{pos_id}"
crew = "Bripka Wahyu Setiawan / Bripda Imam Syafii"
shifts = ["malam"]
days = ["mon", "tue", "thu", "fri", "sat", "sun"]  # off on Wednesday
'''
