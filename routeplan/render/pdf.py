"""Briefings as PDF (what gets sent over WhatsApp): one file per shift and one per unit-week, made offline.

Rendered by ``fpdf2`` (pure Python) with the DejaVu Sans font that matplotlib ships (Latin, Greek, Cyrillic
coverage), so ``pip install`` alone is enough and no browser is needed. A route starts on a new A4 page:
title, facts, the route sketch (the same layout as the HTML page, :mod:`routeplan.render.sketch`), then the
stops with date and time, place, what to do, coordinates and a QR code that opens navigation; the table
continues on further pages (header repeated) for long routes. Plan text is written as text, never
interpreted (no markup), and wrapped inside its column.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import io
from pathlib import Path
from typing import Any

import pypdf
from fpdf import FPDF

from routeplan.i18n import t
from routeplan.render.navlinks import qr_matrix
from routeplan.render.sketch import ROAD_STYLE, Sketch

PAGE_W, PAGE_H, MARGIN = 210.0, 297.0, 10.0
#: Stop table columns (mm): number, time, place, what to do, coordinates, QR code.
COLS = (8.0, 25.0, 60.0, 55.0, 24.0, 18.0)
QR_MM = 15.0
LINE = 4.0


def _font_dir() -> Path:
    spec = importlib.util.find_spec("matplotlib")
    assert spec is not None and spec.origin is not None
    return Path(spec.origin).parent / "mpl-data" / "fonts" / "ttf"


def _grey(pdf: FPDF, hexcol: str, what: str = "draw") -> None:
    r, g, b = (int(hexcol[i:i + 2], 16) for i in (1, 3, 5))
    (pdf.set_draw_color if what == "draw" else pdf.set_fill_color)(r, g, b)


class _Doc(FPDF):
    """An A4 document with DejaVu Sans and a footer naming the route and the page."""

    def __init__(self) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        fonts = _font_dir()
        self.add_font("DejaVu", "", str(fonts / "DejaVuSans.ttf"))
        self.add_font("DejaVu", "B", str(fonts / "DejaVuSans-Bold.ttf"))
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(False)
        self.footer_text = ""
        self.set_creator("routeplan")

    def footer(self) -> None:
        self.set_y(-8)
        self.set_font("DejaVu", "", 7)
        self.cell(0, 4, f"{self.footer_text} · {self.page_no()}/{{nb}}", align="R")


def _wrap(pdf: FPDF, text: str, w: float) -> list[str]:
    """``text`` broken into lines no wider than ``w`` mm in the current font: at spaces, and inside a word
    too long for one line (so nothing runs past its column)."""
    out: list[str] = []
    for para in text.split("\n"):
        line = ""
        for word in para.split(" "):
            cand = f"{line} {word}" if line else word
            if pdf.get_string_width(cand) <= w:
                line = cand
                continue
            if line:
                out.append(line)
            line = ""
            while pdf.get_string_width(word) > w:  # a word wider than the column: cut it
                k = len(word) - 1
                while k > 1 and pdf.get_string_width(word[:k]) > w:
                    k -= 1
                out.append(word[:k])
                word = word[k:]
            line = word
        out.append(line)
    return out


def _text_lines(pdf: FPDF, w: float, text: str) -> int:
    return len(_wrap(pdf, text, w)) if text else 0


def _draw_sketch(pdf: FPDF, sk: Sketch, x0: float, y0: float, width_mm: float, lang: str) -> float:
    """Draw a laid-out sketch at (x0, y0) scaled to ``width_mm``; returns its height in mm."""
    k = width_mm / sk.width

    def P(p: tuple[float, float]) -> tuple[float, float]:
        return (x0 + p[0] * k, y0 + p[1] * k)

    h = sk.height * k
    with pdf.rect_clip(x0, y0, width_mm, h):
        _draw_lines(pdf, sk, P, k)
    pdf.set_draw_color(0, 0, 0)
    pdf.set_line_width(0.3)
    pdf.rect(x0, y0, width_mm, h)
    pdf.set_font("DejaVu", "B", 13 * k * 72 / 25.4)
    pdf.set_fill_color(255, 255, 255)
    for lb in sk.labels:
        pdf.line(*P((lb.ax, lb.ay)), *P((lb.x, lb.y)))
        bx, by = P((lb.x - lb.w / 2, lb.y - lb.h / 2))
        pdf.rect(bx, by, lb.w * k, lb.h * k, style="DF", round_corners=True, corner_radius=2)
        cx, cy = P((lb.x, lb.y))
        pdf.text(cx - pdf.get_string_width(lb.text) / 2, cy + 1.4, lb.text)
    pdf.set_line_width(0.8)
    pdf.line(x0 + 3, y0 + h - 3, x0 + 3 + sk.scale_px * k, y0 + h - 3)
    pdf.set_font("DejaVu", "", 8)
    pdf.text(x0 + 3, y0 + h - 5, sk.scale_text)
    pdf.text(x0 + width_mm - 5, y0 + 5, t("north", lang) + "↑")
    pdf.set_line_width(0.2)
    return h


def _draw_lines(pdf: FPDF, sk: Sketch, P: Any, k: float) -> None:
    """Roads, route, arrows, road names, depot and stops of a sketch (inside its clipping box)."""
    style = None
    for cls, pp in sk.roads:  # sorted by class: the pen is set once for each class
        if ROAD_STYLE.get(cls, ROAD_STYLE["minor"]) != style:
            style = ROAD_STYLE.get(cls, ROAD_STYLE["minor"])
            _grey(pdf, style[1])
            pdf.set_line_width(style[0] * k)
        pdf.polyline([P(p) for p in pp])
    if len(sk.route) >= 2:
        pdf.set_draw_color(17, 17, 17)
        pdf.set_line_width(3 * k)
        pdf.polyline([P(p) for p in sk.route])
    pdf.set_fill_color(17, 17, 17)
    for ax, ay, ang in sk.arrows:
        with pdf.rotation(-ang, *P((ax, ay))):
            cx, cy = P((ax, ay))
            pdf.polygon([(cx - 5 * k, cy - 4 * k), (cx + 4 * k, cy), (cx - 5 * k, cy + 4 * k)], style="F")
    pdf.set_font("DejaVu", "", 11 * k * 72 / 25.4)
    pdf.set_text_color(50, 50, 50)
    for name, x, y, ang in sk.road_labels:
        cx, cy = P((x, y))
        with pdf.rotation(-ang, cx, cy):
            pdf.text(cx - pdf.get_string_width(name) / 2, cy + 1, name)
    pdf.set_text_color(0, 0, 0)
    pdf.set_line_width(0.3)
    if sk.depot:
        cx, cy = P(sk.depot)
        pdf.rect(cx - 8 * k, cy - 8 * k, 16 * k, 16 * k, style="F")
    for x, y, hot in sk.stops:
        cx, cy = P((x, y))
        pdf.set_fill_color(85, 85, 85) if hot else pdf.set_fill_color(255, 255, 255)
        pdf.ellipse(cx - 4.5 * k, cy - 4.5 * k, 9 * k, 9 * k, style="DF")


def _qr(pdf: FPDF, text: str, x: float, y: float, size: float) -> None:
    m = qr_matrix(text)
    n = len(m) + 4
    cell = size / n
    pdf.set_fill_color(0, 0, 0)
    for j, row in enumerate(m):
        i = 0
        while i < len(row):  # runs of dark modules as one rectangle
            if row[i]:
                start = i
                while i < len(row) and row[i]:
                    i += 1
                pdf.rect(x + (start + 2) * cell, y + (j + 2) * cell, (i - start) * cell, cell, style="F")
            else:
                i += 1


def _header_row(pdf: FPDF, T: dict[str, str]) -> None:
    pdf.set_font("DejaVu", "B", 8)
    pdf.set_fill_color(221, 221, 221)
    x = MARGIN
    for w, key in zip(COLS, ("no", "planned_time", "place", "what_to_do", "coordinates", "qr")):
        pdf.set_xy(x, pdf.get_y())
        pdf.cell(w, 5, T[key], border=1, fill=True)
        x += w
    pdf.ln(5)


def _row(pdf: FPDF, cells: list[str], qr: str | None, T: dict[str, str], bold_first: bool = True) -> None:
    """One table row, on a new page (with the header again) when it does not fit."""
    # each cell broken into lines once, in the font and width it is drawn in, so the row is as tall as its
    # tallest cell really is (a bold cell measured in the regular font ran past the row's bottom)
    styles = ["B" if (i in (0, 1) and bold_first) else "" for i in range(len(cells))]
    wrapped = []
    for w, c, style in zip(COLS, cells, styles):
        pdf.set_font("DejaVu", style, 8)
        wrapped.append(_wrap(pdf, c, w - 1.4) if c else [])
    h = max(max(map(len, wrapped)) * LINE + 1.5, QR_MM + 1 if qr else 0)
    if pdf.get_y() + h > PAGE_H - 12:
        pdf.add_page()
        _header_row(pdf, T)
    y = pdf.get_y()
    x = MARGIN
    for w, lines, style in zip(COLS, wrapped, styles):
        pdf.rect(x, y, w, h)
        pdf.set_font("DejaVu", style, 8)
        for j, line in enumerate(lines):
            pdf.text(x + 0.7, y + 3.4 + j * LINE, line)
        x += w
    if qr:
        _qr(pdf, qr, x - COLS[-1] + (COLS[-1] - QR_MM) / 2, y + 0.5, QR_MM)
    pdf.set_xy(MARGIN, y + h)


# long: the page of one route, top to bottom, in one place
def _route_pages(pdf: _Doc, b: dict[str, Any], scenario: str, lang: str) -> tuple[int, int]:
    """Write one route from a new page; its first and last page numbers (1-based)."""
    T = {k: t(k, lang) for k in ("no", "planned_time", "place", "what_to_do", "coordinates", "qr")}
    pdf.add_page()  # ends the page before, with its own footer
    first = pdf.page_no()
    pdf.footer_text = f"{b['unit']} · {b['weekday']} {b['date']} · {t('shift', lang)} {b['shift']}"
    pdf.set_font("DejaVu", "B", 12)
    pdf.multi_cell(0, 6, f"{t('briefing', lang)} · {b['unit']} · {b['weekday']} {b['date']} · {t('shift', lang)} {b['shift']}",
                   new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 8)
    pdf.multi_cell(0, 4, scenario, new_x="LMARGIN", new_y="NEXT")
    for op in b.get("operations") or []:
        pdf.set_font("DejaVu", "B", 9)
        pdf.multi_cell(0, 4.5, f"{t('operation_day', lang)}: {op}", new_x="LMARGIN", new_y="NEXT")
    if b.get("approval"):  # the commander's approval (or "not approved yet"), as the web workspace stamps it
        pdf.set_font("DejaVu", "B", 9)
        pdf.multi_cell(0, 5, str(b["approval"]), border=1, new_x="LMARGIN", new_y="NEXT")
    facts = [
        (t("unit", lang), f"{b['unit']} ({b['unit_kind']})"), (t("crew", lang), b["crew"] or t("unknown", lang)),
        (t("date", lang), f"{b['weekday']} {b['date']}"), (t("route_time", lang), b["span"]),
        (t("depot", lang), b["depot_name"]), (t("stops_count", lang), str(len(b["stops"]))),
        (t("total_distance", lang), f"{b['km']} km"),
        (t("total_time", lang), f"{b['duration']} ({t('drive_time', lang).lower()} {b['drive']})"),
        (t("shift_length", lang), b["shift_length"]),
    ]
    y = pdf.get_y() + 1
    for i, (k, v) in enumerate(facts):
        x = MARGIN + (i % 2) * 95
        if i % 2 == 0 and i:
            y = pdf.get_y()
        pdf.set_xy(x, y)
        pdf.set_font("DejaVu", "", 8)
        pdf.cell(28, 4.5, k)
        pdf.set_font("DejaVu", "B", 8)
        pdf.multi_cell(95 - 29, 4.5, v, align="L")
        if i % 2 == 0:
            left_end = pdf.get_y()
        else:
            pdf.set_y(max(pdf.get_y(), left_end))
    pdf.ln(1)
    if b.get("sketch") is not None:
        sk: Sketch = b["sketch"]
        width = min(PAGE_W - 2 * MARGIN, 95 * sk.width / sk.height)
        h = _draw_sketch(pdf, sk, MARGIN + (PAGE_W - 2 * MARGIN - width) / 2, pdf.get_y(), width, lang)
        pdf.set_y(pdf.get_y() + h + 0.5)
        pdf.set_font("DejaVu", "", 7)
        pdf.cell(0, 3.5, f"{t('route_map', lang)} · ■ {t('start_end_depot', lang)} · ○ {t('vital_object', lang)} · "
                         f"● {t('hotspot', lang)} · ▶ {t('direction', lang)}")
        pdf.set_xy(MARGIN, pdf.get_y() + 4.5)
    _header_row(pdf, T)
    _row(pdf, ["", b["start_when"], f"{t('depart_depot', lang)}: {b['depot_name']}", "", "", ""], None, T)
    for s in b["rows"]:
        if s["row"] in ("break", "reserve"):
            label = t("break_at" if s["row"] == "break" else "standby_at", lang)
            _row(pdf, ["", s["when"], f"{label}: {s['name']}", "", "", ""], None, T)
            continue
        place = s["name"] + (f" · {s['desa']}" if s["desa"] else "") + f"\n{s['category']} · {s['dwell']} {t('minutes', lang)}"
        _row(pdf, [str(s["n"]), s["when"], place, s["todo"], s["coords"].replace(", ", ",\n"), ""], s["geo"], T)
    if not b["stops"]:
        _row(pdf, ["", "", t("no_stops", lang), "", "", ""], None, T)
    _row(pdf, ["", b["end_when"], f"{t('return_depot', lang)}: {b['depot_name']}", "", "", ""], None, T)
    pdf.set_font("DejaVu", "", 7.5)
    guide = t("general_guidance", lang) + "\n" + t("qr_hint", lang)
    if pdf.get_y() + (_text_lines(pdf, PAGE_W - 2 * MARGIN, guide) + 1) * LINE > PAGE_H - 12:
        pdf.add_page()
    pdf.ln(1)
    pdf.multi_cell(0, LINE, guide, border=1, new_x="LMARGIN", new_y="NEXT")
    return first, pdf.page_no()


def route_pdf(sheets: list[dict[str, Any]], scenario: str, lang: str = "id", title: str = "") -> tuple[bytes, list[tuple[int, int]]]:
    """A PDF of briefing sheets (:func:`routeplan.render.briefing.briefing_sheets`), each from a new page, and the
    first and last page (1-based) of each sheet."""
    pdf = _Doc()
    pdf.set_title(title or scenario)
    # the same plan gives the same bytes: the creation date is the first route's day, not the clock
    first = sheets[0]["start_dt"] if sheets else dt.datetime(2000, 1, 1)
    pdf.set_creation_date(first.replace(tzinfo=first.tzinfo or dt.UTC))
    pages = [_route_pages(pdf, b, scenario, lang) for b in sheets]
    if not sheets:
        pdf.add_page()
    return bytes(pdf.output()), pages


def split_pdf(data: bytes, pages: list[tuple[int, int]], titles: list[str]) -> list[bytes]:
    """Cut a PDF into one file per page range (1-based, inclusive), titled (a week into its shifts, without
    rendering them again)."""
    reader = pypdf.PdfReader(io.BytesIO(data))
    out = []
    for (a, b), title in zip(pages, titles):
        writer = pypdf.PdfWriter()
        for i in range(a - 1, b):
            writer.add_page(reader.pages[i])
        meta = {k: v for k, v in (reader.metadata or {}).items() if k in ("/Producer", "/Creator", "/CreationDate")}
        writer.add_metadata(meta | {"/Title": title})
        buf = io.BytesIO()
        writer.write(buf)
        out.append(buf.getvalue())
    return out
