"""One catalogue of user-facing text in Bahasa Indonesia (default) and English."""

from __future__ import annotations

LANGUAGES = ("id", "en")

CATALOGUE: dict[str, dict[str, str]] = {
    "hs_heat": {"id": "Kepadatan kejadian (heatmap)", "en": "Incident density (heatmap)"},
    "hs_cells": {"id": "Sel risiko (peringkat)", "en": "Risk cells (ranked)"},
    "hs_incidents": {"id": "Kejadian", "en": "Incidents"},
    "hs_rank": {"id": "Peringkat", "en": "Rank"},
    "hs_types": {"id": "Jenis", "en": "Types"},
    "hs_legend": {"id": "Risiko sel (termasuk lantai {floor:.0%} merata)", "en": "Cell risk (incl. a {floor:.0%} uniform floor)"},
    "break_at": {"id": "Istirahat (ishoma) di", "en": "Break at"},
    "sc_required_served": {"id": "Kunjungan wajib terlayani", "en": "Required visits served"},
    "sc_hotspot_risk": {"id": "Risiko titik rawan tertutup", "en": "Hotspot risk covered"},
    "sc_hotspot_minutes": {"id": "Menit di titik rawan / target", "en": "Hotspot minutes / target"},
    "sc_km_total": {"id": "Jarak tempuh total", "en": "Total distance"},
    "sc_workload": {"id": "Beban kerja per unit", "en": "Workload per unit"},
    "sc_repeat_share": {"id": "Kunjungan di jam yang sama dengan minggu lalu", "en": "Visits at last week's hour"},
    "sc_hour_entropy": {"id": "Sebaran jam kunjungan (entropi)", "en": "Spread of visit hours (entropy)"},
    "sc_readiness": {"id": "Desa terjangkau unit dinas dalam {minutes} menit",
                     "en": "Desa within {minutes} min of a unit on duty"},
    "sc_readiness_points": {"id": "Objek vital dan titik rawan terjangkau unit dinas dalam {minutes} menit (tanpa peta desa)",
                            "en": "Vital objects and hotspots within {minutes} min of a unit on duty (no desa layer)"},
    "sc_readiness_value": {"id": "rata-rata {mean} %, jam terburuk {worst} % ({at})",
                           "en": "mean {mean} %, worst hour {worst} % ({at})"},
    "sc_drive_h": {"id": "jam jalan", "en": "drive h"},
    "sc_idle": {"id": "menganggur", "en": "idle"},
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
    "not_served": {"id": "Tidak terlayani", "en": "Not served"},
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
    "reason_disconnected_road": {"id": "jalan tidak tersambung ke jaringan", "en": "road not connected to the network"},
    "reason_no_allowed_day": {"id": "tidak ada hari yang diizinkan", "en": "no allowed day in the plan"},
    # --- maps (offline)
    "road_base": {"id": "Jaringan jalan (luring)", "en": "Road network (offline)"},
    "osm_tiles": {"id": "Peta OpenStreetMap (perlu internet)", "en": "OpenStreetMap tiles (needs internet)"},
    "tiles_hint": {"id": "Peta latar digambar dari data jalan; aktifkan peta OpenStreetMap bila ada internet.",
                   "en": "The base map is drawn from the road data; switch on OpenStreetMap tiles when online."},
    "main_road": {"id": "Jalan utama", "en": "Main road"},
    # --- briefings
    "briefing": {"id": "Arahan patroli", "en": "Patrol briefing"},
    "briefings": {"id": "Arahan patroli", "en": "Patrol briefings"},
    "briefing_index": {"id": "Daftar arahan patroli", "en": "Patrol briefings"},
    "print_all": {"id": "Cetak semua (satu sif per halaman)", "en": "Print all (one shift per page)"},
    "print": {"id": "Cetak", "en": "Print"},
    "back_to_index": {"id": "Kembali ke daftar", "en": "Back to the list"},
    "unit_kind": {"id": "Jenis kendaraan", "en": "Vehicle"},
    "date": {"id": "Tanggal", "en": "Date"},
    "shift_time": {"id": "Jam sif", "en": "Shift hours"},
    "route_time": {"id": "Jam patroli", "en": "Patrol hours"},
    "no": {"id": "No", "en": "No"},
    "planned_time": {"id": "Jam rencana", "en": "Planned time"},
    "place": {"id": "Tempat", "en": "Place"},
    "what_to_do": {"id": "Tindakan", "en": "What to do"},
    "total_distance": {"id": "Jarak total", "en": "Total distance"},
    "total_time": {"id": "Lama patroli", "en": "Total time"},
    "stops_count": {"id": "Jumlah titik", "en": "Stops"},
    "route_map": {"id": "Peta rute", "en": "Route map"},
    "start_end_depot": {"id": "Berangkat dan kembali ke markas", "en": "Start and end at the depot"},
    "depart_depot": {"id": "Berangkat dari markas", "en": "Leave the depot"},
    "return_depot": {"id": "Kembali ke markas", "en": "Back at the depot"},
    "no_stops": {"id": "Patroli wilayah tanpa titik singgah wajib.", "en": "Area patrol without planned stops."},
    "notes": {"id": "Catatan / kejadian", "en": "Notes / incidents"},
    "signature": {"id": "Paraf Ka Unit", "en": "Unit leader's initials"},
    "general_guidance": {"id": "Bawa HT dan buku mutasi. Laporkan posisi ke piket Polsek di setiap titik. Nomor darurat: 110.",
                         "en": "Carry the radio and the log book. Report your position to the station duty officer at each stop. Emergency number: 110."},
    "generated": {"id": "Dibuat oleh routeplan", "en": "Generated by routeplan"},
    "hours_short": {"id": "j", "en": "h"},
    "week_of": {"id": "Minggu mulai", "en": "Week starting"},
    "routes_count": {"id": "Jumlah rute", "en": "Routes"},
    "open_map": {"id": "Buka peta rencana", "en": "Open the plan map"},
    "unknown": {"id": "-", "en": "-"},
    "same_as": {"id": "Seperti no. {n}", "en": "As at no. {n}"},
    "north": {"id": "U", "en": "N"},
    # --- vital-object category labels (the visit defaults are in routeplan.model.layers.CATEGORIES)
    "cat_pasar": {"id": "Pasar", "en": "Market"},
    "cat_bank": {"id": "Bank", "en": "Bank"},
    "cat_atm": {"id": "ATM / BRILink", "en": "ATM / cash agent"},
    "cat_spbu": {"id": "SPBU", "en": "Fuel station"},
    "cat_kantor_desa": {"id": "Kantor desa", "en": "Village office"},
    "cat_kantor_kecamatan": {"id": "Kantor kecamatan", "en": "District office"},
    "cat_sekolah": {"id": "Sekolah", "en": "School"},
    "cat_tempat_ibadah": {"id": "Tempat ibadah", "en": "Place of worship"},
    "cat_tps": {"id": "TPS", "en": "Polling station"},
    "cat_minimarket": {"id": "Minimarket", "en": "Minimarket"},
    "cat_gudang": {"id": "Gudang", "en": "Warehouse"},
    "cat_pabrik": {"id": "Pabrik", "en": "Factory"},
    "cat_kantor_polisi": {"id": "Kantor polisi", "en": "Police office"},
    "cat_lainnya": {"id": "Lainnya", "en": "Other"},
    # --- incident category labels (routeplan hotspots)
    "inc_curas": {"id": "curas (pencurian dengan kekerasan)", "en": "curas (robbery)"},
    "inc_curat": {"id": "curat (pencurian dengan pemberatan)", "en": "curat (burglary / theft)"},
    "inc_curanmor": {"id": "curanmor (pencurian kendaraan bermotor)", "en": "curanmor (motor vehicle theft)"},
    "inc_curhewan": {"id": "curhewan (pencurian hewan)", "en": "curhewan (livestock theft)"},
    "inc_lainnya": {"id": "lainnya", "en": "other"},
    # --- guidance per category (what to do at a stop)
    "todo_pasar": {"id": "Waspadai copet dan motor tidak dikunci; ingatkan pedagang dan pengunjung soal layanan 110.",
                   "en": "Watch for pickpockets and unlocked motorcycles; remind traders and visitors of the 110 call centre."},
    "todo_bank": {"id": "Periksa situasi depan bank dan parkir; sapa satpam, catat kendaraan/orang mencurigakan.",
                  "en": "Check the bank front and parking; greet the guard, note suspicious vehicles or people."},
    "todo_atm": {"id": "Cek mesin ATM/BRILink dari skimming dan orang berkerumun; ingatkan agen soal 110.",
                 "en": "Check the ATM/cash agent for skimmers and loiterers; remind the agent of 110."},
    "todo_spbu": {"id": "Pantau antrean dan area gelap; sapa petugas SPBU, ingatkan jangan simpan uang tunai besar.",
                  "en": "Watch queues and dark corners; greet the attendants, remind them not to keep large cash."},
    "todo_kantor_desa": {"id": "Temui perangkat desa/Bhabinkamtibmas; tanyakan kejadian dan keluhan warga terbaru.",
                         "en": "Meet village staff or the community officer; ask about recent incidents and complaints."},
    "todo_kantor_kecamatan": {"id": "Koordinasi dengan petugas kecamatan; cek keamanan kantor dan kendaraan dinas.",
                              "en": "Coordinate with district staff; check office and vehicle security."},
    "todo_sekolah": {"id": "Atur lalu lintas jam masuk/pulang; waspadai orang asing dan kenakalan remaja.",
                     "en": "Manage traffic at school times; watch for strangers and youth trouble."},
    "todo_tempat_ibadah": {"id": "Pantau parkir saat ibadah; ingatkan pengurus agar motor dikunci ganda.",
                           "en": "Watch the parking during prayers; remind caretakers to double-lock motorcycles."},
    "todo_tps": {"id": "Jaga ketertiban TPS dan kotak suara; netral, catat setiap gangguan.",
                 "en": "Keep order at the polling station and ballot boxes; stay neutral, log any disturbance."},
    "todo_minimarket": {"id": "Sapa kasir, cek CCTV dan area parkir; ingatkan setor uang tunai secara berkala.",
                        "en": "Greet the cashier, check CCTV and parking; remind them to bank cash regularly."},
    "todo_gudang": {"id": "Periksa pintu, gembok dan penjaga; catat kendaraan yang berhenti lama.",
                    "en": "Check doors, locks and the watchman; note vehicles parked for long."},
    "todo_pabrik": {"id": "Sapa satpam pabrik, cek pagar dan parkir karyawan saat pergantian sif.",
                    "en": "Greet the factory guards, check fences and staff parking at shift change."},
    "todo_kantor_polisi": {"id": "Laporan posisi dan serah terima informasi dengan piket.",
                           "en": "Report position and exchange information with the duty officer."},
    "todo_lainnya": {"id": "Sambang dan pantau situasi; catat hal yang perlu ditindaklanjuti.",
                     "en": "Visit and observe; note anything that needs follow-up."},
    "todo_hotspot": {"id": "Berhenti 10–15 menit, turun dari kendaraan, ngobrol dengan warga; pantau motor parkir dan orang berkumpul.",
                     "en": "Stop 10–15 minutes, get out of the vehicle, talk with residents; watch parked motorcycles and gatherings."},
    # routeplan batch: the regional overview (index.html)
    "batch_title": {"id": "Ringkasan rencana patroli wilayah", "en": "Regional patrol plan overview"},
    "batch_kecamatan": {"id": "Kecamatan", "en": "Kecamatan"},
    "batch_served": {"id": "Kunjungan wajib terlayani", "en": "Required visits served"},
    "batch_risk": {"id": "Risiko titik rawan tertutup", "en": "Hotspot risk covered"},
    "batch_readiness": {"id": "Kesiapan 110 (rata-rata)", "en": "110 readiness (mean)"},
    "batch_units": {"id": "Unit", "en": "Units"},
    "batch_km": {"id": "Jarak (km)", "en": "Distance (km)"},
    "batch_map": {"id": "peta", "en": "map"},
    "batch_briefings": {"id": "surat perintah", "en": "briefings"},
    "batch_failed": {"id": "Gagal direncanakan", "en": "Not planned"},
    "batch_total": {"id": "Total wilayah", "en": "Region total"},
    "batch_legend": {"id": "Warna menurut", "en": "Colour by"},
    "batch_no_map": {"id": "Peta membutuhkan JavaScript; tabel di bawah berisi semua angka.",
                     "en": "The map needs JavaScript; the table below has every figure."},
}


def t(key: str, lang: str = "id") -> str:
    """Text for ``key`` in ``lang`` (``id`` or ``en``); unknown keys raise ``KeyError`` so gaps show in tests."""
    entry = CATALOGUE[key]
    return entry.get(lang) or entry["id"]


def weekday(date, lang: str = "id") -> str:
    """Weekday name of a date."""
    return t(f"weekday_{date.weekday()}", lang)


def category_label(category: str, lang: str = "id") -> str:
    """Human label of a vital-object category (or ``hotspot``); an unknown category is shown as it is."""
    if category == "hotspot":
        return t("hotspot", lang)
    key = f"cat_{category}"
    return t(key, lang) if key in CATALOGUE else category


def incident_label(category: str, lang: str = "id") -> str:
    """Human label of an incident category of ``routeplan hotspots`` (``curas`` ...); unknown ones as they are."""
    key = f"inc_{category}"
    return t(key, lang) if key in CATALOGUE else category


def guidance(category: str, lang: str = "id") -> str:
    """Short guidance for a stop of ``category`` (what the crew does there)."""
    key = f"todo_{category}"
    return t(key if key in CATALOGUE else "todo_lainnya", lang)
