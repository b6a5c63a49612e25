"""One catalogue of user-facing text in Bahasa Indonesia (default) and English."""

from __future__ import annotations

LANGUAGES = ("id", "en")

CATALOGUE: dict[str, dict[str, str]] = {
    "plan_title": {"id": "Rencana patroli mingguan", "en": "Weekly patrol plan"},
    "routes": {"id": "Rute", "en": "Routes"},
    "day": {"id": "Hari", "en": "Day"},
    "shift": {"id": "Sif", "en": "Shift"},
    "unit": {"id": "Unit", "en": "Unit"},
    "crew": {"id": "Personel", "en": "Crew"},
    "depot": {"id": "Markas", "en": "Depot"},
    "depots": {"id": "Markas (Polsek / Pos)", "en": "Depots (police station / post)"},
    "hotspots": {"id": "Titik rawan", "en": "Hotspots"},
    "hotspot": {"id": "Titik rawan", "en": "Hotspot"},
    "vital_objects": {"id": "Objek vital", "en": "Vital objects"},
    "vital_object": {"id": "Objek vital", "en": "Vital object"},
    "name": {"id": "Nama", "en": "Name"},
    "category": {"id": "Kategori", "en": "Category"},
    "time": {"id": "Waktu", "en": "Time"},
    "arrival": {"id": "Tiba", "en": "Arrival"},
    "departure": {"id": "Berangkat", "en": "Departure"},
    "dwell": {"id": "Lama singgah", "en": "Dwell"},
    "minutes": {"id": "menit", "en": "min"},
    "window": {"id": "Jendela waktu", "en": "Time window"},
    "risk": {"id": "Risiko", "en": "Risk"},
    "active_hours": {"id": "Jam rawan", "en": "Active hours"},
    "any_time": {"id": "kapan saja", "en": "any time"},
    "legend": {"id": "Keterangan", "en": "Legend"},
    "distance": {"id": "Jarak", "en": "Distance"},
    "drive_time": {"id": "Waktu tempuh", "en": "Driving time"},
    "stops": {"id": "Titik singgah", "en": "Stops"},
    "unserved": {"id": "Kunjungan wajib tidak terlayani", "en": "Required visits not served"},
    "car": {"id": "Mobil (R4)", "en": "Car"},
    "motorcycle": {"id": "Sepeda motor (R2)", "en": "Motorcycle"},
    "attribution": {"id": "Data jalan © kontributor OpenStreetMap", "en": "Road data © OpenStreetMap contributors"},
    "scorecard": {"id": "Kartu skor", "en": "Scorecard"},
    "weekday_0": {"id": "Senin", "en": "Monday"},
    "weekday_1": {"id": "Selasa", "en": "Tuesday"},
    "weekday_2": {"id": "Rabu", "en": "Wednesday"},
    "weekday_3": {"id": "Kamis", "en": "Thursday"},
    "weekday_4": {"id": "Jumat", "en": "Friday"},
    "weekday_5": {"id": "Sabtu", "en": "Saturday"},
    "weekday_6": {"id": "Minggu", "en": "Sunday"},
    "reason_unreachable": {"id": "tidak terjangkau jalan", "en": "unreachable by road"},
    "reason_time_window": {"id": "jendela waktu di luar sif", "en": "time window outside every shift"},
    "reason_shifts_full": {"id": "sif penuh", "en": "shifts are full"},
    "reason_far_from_road": {"id": "terlalu jauh dari jalan", "en": "too far from a road"},
    "reason_outside_area": {"id": "di luar wilayah", "en": "outside the area"},
    "reason_no_allowed_day": {"id": "tidak ada hari yang diizinkan", "en": "no allowed day in the plan"},
}


def t(key: str, lang: str = "id") -> str:
    """Text for ``key`` in ``lang`` (``id`` or ``en``); unknown keys raise ``KeyError`` so gaps show in tests."""
    entry = CATALOGUE[key]
    return entry.get(lang) or entry["id"]


def weekday(date, lang: str = "id") -> str:
    """Weekday name of a date."""
    return t(f"weekday_{date.weekday()}", lang)


def category_label(category: str, lang: str = "id") -> str:
    """Human label of a vital-object category."""
    from .layers import CATEGORIES

    if category == "hotspot":
        return t("hotspot", lang)
    d = CATEGORIES.get(category)
    if d is None:
        return category
    return d.label_id if lang == "id" else d.label_en
