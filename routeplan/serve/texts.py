"""Texts of the web workspace in Bahasa Indonesia (default) and English."""

from __future__ import annotations

TEXTS: dict[str, tuple[str, str]] = {
    "app": ("Ruang kerja rencana patroli", "Patrol planning workspace"),
    "login": ("Masuk", "Log in"),
    "logout": ("Keluar", "Log out"),
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
