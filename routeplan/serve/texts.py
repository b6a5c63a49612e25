"""Texts of the web workspace in Bahasa Indonesia (default) and English."""

from __future__ import annotations

import re

TEXTS: dict[str, tuple[str, str]] = {
    "app": ("Ruang kerja rencana patroli", "Patrol planning workspace"),
    "login": ("Masuk", "Log in"),
    "logout": ("Keluar", "Log out"),
    "today_route": ("Rute hari ini", "Today's route"),  # issue #16: the officer's phone page
    "plan_vs_actual": ("Rencana dan pelaksanaan", "Plan against actual"),
    "open_actual": ("Buka hasil rencana dan pelaksanaan", "Open plan against actual"),
    "posters": ("Poster QR objek vital", "QR posters of the vital objects"),
    "user": ("Nama pengguna", "User name"),
    "password": ("Kata sandi", "Password"),
    "bad_login": ("Nama atau kata sandi salah.", "Wrong name or password."),
    "throttled": ("Terlalu banyak percobaan gagal; coba lagi nanti.", "Too many failed attempts; try again later."),
    "scenarios": ("Skenario", "Scenarios"),
    "new_sample": ("Skenario baru dari contoh", "New scenario from the sample"),
    "upload": ("Unggah folder skenario (zip)", "Upload a scenario folder (zip)"),
    "send": ("Kirim", "Send"),
    "save": ("Simpan", "Save"),
    "version": ("Versi", "Version"),
    "edit_scenario": ("Ubah file skenario", "Edit the scenario file"),
    "scenario_form": ("Ubah skenario (formulir)", "Edit the scenario (form)"),
    "advanced_toml": ("Lanjutan: file TOML (komentar tetap)", "Advanced: the TOML file (keeps comments)"),
    "form_hint": ("Daftar dipisah koma; tabel sebagai kunci = nilai; ...; tanggal libur sebagai awal..akhir. "
                  "Baris kosong terakhir menambah baris baru. Komentar di file tetap tersimpan.",
                  "Lists comma-separated; tables as key = value; ...; unavailable dates as start..end. "
                  "The last empty row adds a row. The file's comments are kept."),
    "t_general": ("Umum", "General"),
    "t_area": ("Wilayah", "Area"), "t_plan": ("Rencana", "Plan"), "t_layers": ("Lapisan", "Layers"),
    "t_depots": ("Markas", "Depots"), "t_shifts": ("Sif", "Shifts"), "t_units": ("Unit patroli", "Patrol units"),
    "t_pins": ("Kunjungan tetap", "Pinned visits"),
    "t_operations": ("Operasi (aturan kunjungan)", "Operations (visit rules)"),
    "saved": ("Tersimpan.", "Saved."),
    "start_plan": ("Buat rencana", "Make a plan"),
    "seed": ("Benih acak (seed)", "Seed"),
    "time_limit": ("Batas waktu (detik)", "Time limit (seconds)"),
    "iterations": ("Iterasi", "Iterations"),
    "jobs": ("Proses", "Jobs"),
    "plans": ("Rencana", "Plans"),
    "history": ("Riwayat rencana", "Plan history"),
    "progress": ("Kemajuan", "Progress"),
    "cancel": ("Batalkan", "Cancel"),
    "state_queued": ("menunggu", "queued"),
    "state_running": ("berjalan", "running"),
    "state_done": ("selesai", "done"),
    "state_failed": ("gagal", "failed"),
    "state_cancelled": ("dibatalkan", "cancelled"),
    "open_plan": ("Buka rencana", "Open the plan"),
    "map": ("Peta", "Map"),
    "briefings": ("Lembar arahan", "Briefings"),
    "downloads": ("Unduhan", "Downloads"),
    "zip": ("Semua file (ZIP)", "All files (ZIP)"),
    "approve": ("Setujui rencana", "Approve the plan"),
    "approved": ("Disetujui", "Approved"),
    "not_approved": ("Belum disetujui", "Not approved yet"),
    "served": ("Kunjungan wajib terlayani", "Required visits served"),
    "by": ("oleh", "by"),
    "created": ("Dibuat", "Created"),
    "my_briefings": ("Lembar arahan unit saya", "My unit's briefings"),
    "language": ("Bahasa", "Language"),
    "back": ("Kembali", "Back"),
    "compare": ("Bandingkan", "Compare"),
    "compare_with": ("Bandingkan dengan rencana", "Compare with plan"),
    "moved": ("Kunjungan yang berubah", "Visits that changed"),
    "unchanged": ("tidak berubah", "unchanged"),
    "only_in": ("Hanya di rencana", "Only in plan"),
    "f_served_required_visits": ("Kunjungan wajib terlayani", "Required visits served"),
    "f_required_visits": ("Kunjungan wajib", "Required visits"),
    "f_hotspot_stops": ("Singgah di titik rawan", "Hotspot stops"),
    "f_distance_km": ("Jarak tempuh (km)", "Distance (km)"),
    "f_unserved": ("Tidak terlayani", "Not served"),
    "import_layer": ("Impor lapisan (GeoJSON, CSV lat/lon, XLSX)", "Import the layer (GeoJSON, CSV lat/lon, XLSX)"),
    "layer_vital_objects": ("Objek vital", "Vital objects"),
    "layer_hotspots": ("Titik rawan", "Hotspots"),
    "layer_desa": ("Desa", "Desa"),
    "import_geojson": ("Impor lapisan objek vital (GeoJSON)", "Import the vital-object layer (GeoJSON)"),
    "export_geojson": ("Ekspor lapisan (GeoJSON)", "Export the layer (GeoJSON)"),
    "hotspot_analysis": ("Analisis titik rawan", "Hotspot analysis"),
    "upload_incidents": ("Unggah data kejadian (CSV atau GeoJSON)", "Upload incidents (CSV or GeoJSON)"),
    "adopt": ("Jadikan lapisan titik rawan skenario", "Adopt as the scenario's hotspot layer"),
    "adopted": ("Dipakai", "Adopted"),
    "edits": ("Riwayat perubahan skenario", "Scenario edit history"),
    "audit": ("Log audit", "Audit log"),
    "edit_objects": ("Ubah objek vital di peta", "Edit vital objects on the map"),
    "add_object": ("Tambah objek (klik di peta)", "Add an object (click on the map)"),
    "delete": ("Hapus", "Delete"),
    "name": ("Nama", "Name"),
    "category": ("Kategori", "Category"),
    "priority": ("Prioritas", "Priority"),
    "visits_per_week": ("Kunjungan per minggu", "Visits per week"),
    "drag_hint": ("Geser penanda untuk memindahkan objek; klik untuk mengubah datanya.",
                  "Drag a marker to move the object; click it to edit its data."),
}


def text(key: str, lang: str = "id") -> str:
    """The text of ``key`` in ``lang`` (``id`` or ``en``)."""
    pair = TEXTS[key]
    return pair[1] if lang == "en" else pair[0]


#: The library's progress labels (``plan_scenario(progress=...)``, the jobs' own steps), stored with a job in English
#: and shown in the user's language.
STAGES: dict[str, str] = {
    "starting": "memulai",
    "done": "selesai",
    "reading inputs": "membaca masukan",
    "road graph": "graf jalan",
    "layers": "lapisan data",
    "travel-time matrix": "matriks waktu tempuh",
    "weekly model": "model mingguan",
    "filling short patrols": "mengisi patroli yang masih kurang",
    "re-planning routes alone and in pairs": "menyusun ulang rute satu per satu dan berpasangan",
    "covering hotspots without a stop": "menambah singgah di titik rawan yang belum disinggahi",
    "building routes": "menyusun rute",
    "writing outputs": "menulis hasil",
    "reading the plan and its roads": "membaca rencana dan jalannya",
    "reading the tracks": "membaca jejak GPS",
    "finding the stays in the tracks": "mencari tempat berhenti dalam jejak GPS",
    "classifying the visits": "menilai kunjungan",
    "matching the tracks to the roads": "mencocokkan jejak GPS dengan jalan",
    "presence at the hotspots": "kehadiran di titik rawan",
}
_STAGE_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"optimizing \((\d+) stops, (\d+) shifts\)"), "mengoptimasi ({0} titik, {1} sif)"),
    (re.compile(r"re-optimizing for minimum gaps \((\d+) too close\)"),
     "mengoptimasi ulang jarak minimum ({0} kunjungan terlalu dekat)"),
    (re.compile(r"week (\d+)/(\d+)"), "minggu {0}/{1}"),
)


def stage_text(stage: str | None, lang: str = "id") -> str:
    """A job's stage in ``lang``: the stored English label, or its Indonesian text (as stored when unknown)."""
    if not stage or lang == "en":
        return stage or ""
    if stage in STAGES:
        return STAGES[stage]
    for pattern, out in _STAGE_PATTERNS:
        m = pattern.fullmatch(stage)
        if m:
            return out.format(*m.groups())
    return stage
