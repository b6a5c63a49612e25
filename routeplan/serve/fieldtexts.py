"""Texts of the officer's phone page and of plan against actual in the web workspace (issue #16)."""

from __future__ import annotations

from collections.abc import Callable

from routeplan.serve.texts import text

FIELD_TEXTS: dict[str, tuple[str, str]] = {
    "no_route_today": ("Tidak ada rute untuk unit Anda pada hari ini.", "Your unit has no route on this day."),
    "visited": ("Sudah dikunjungi", "Visited"),
    "checked_in": ("Tercatat", "Recorded"),
    "checkin_saved": ("Kunjungan tercatat (waktu server). ✓ tampil pada rute yang jamnya mencakup waktu itu.",
                      "Visit recorded (server time). ✓ shows on the route whose hours include that time."),
    "navigate": ("Navigasi", "Navigate"),
    "upload_track": ("Unggah jejak GPS (GPX)", "Upload a GPS track (GPX)"),
    "send": ("Kirim", "Send"),
    "track_saved": ("Jejak tersimpan", "Track saved"),
    "checkin_object": ("Catat kunjungan", "Record the visit"),
    "compute_actual": ("Hitung rencana dan pelaksanaan", "Compare plan and actual"),
    "checkins": ("Check-in", "Check-ins"),
    "tracks": ("Jejak GPS", "GPS tracks"),
    "nothing_yet": ("Belum ada check-in atau jejak untuk rencana ini.", "No check-ins or tracks for this plan yet."),
}


def field_text(lang: str) -> Callable[[str], str]:
    """``T`` for the templates: the texts above, then the workspace's."""
    def T(key: str) -> str:
        pair = FIELD_TEXTS.get(key)
        if pair is None:
            return text(key, lang)
        return pair[1] if lang == "en" else pair[0]
    return T
