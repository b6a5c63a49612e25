"""PDF briefings (fpdf2, offline): a file per shift and per unit-week, pages, text read back, nothing cut."""

from __future__ import annotations

import io

import pytest
from fieldplans import PAYLOADS, night_plan, roads

from routeplan.render.briefing import render_pdfs

pypdf = pytest.importorskip("pypdf", reason="pypdf not installed (pip install -e .[test])")
A4 = (595.28, 841.89)


@pytest.fixture(scope="module")
def pdfs():
    return render_pdfs(night_plan(40), "id", roads())


def _runs(reader):
    """Every text run of every page with its position (user space)."""
    out = []
    for i, page in enumerate(reader.pages):
        def visit(text, cm, tm, _font, size, i=i):
            if text.strip():
                x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
                y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
                out.append((i, text, x, y, size))
        page.extract_text(visitor_text=visit)
    return out


def test_one_file_per_shift_and_per_unit_week(pdfs):
    assert sorted(pdfs) == sorted(["R4-1_2026-11-30_malam.pdf", "R4-1_2026-12-01_pagi.pdf", "R2-1_2026-11-30_pagi.pdf",
                                   "R4-1_week.pdf", "R2-1_week.pdf"])
    pages = {name: len(pypdf.PdfReader(io.BytesIO(data)).pages) for name, data in pdfs.items()}
    assert pages["R4-1_2026-11-30_malam.pdf"] >= 2  # 40 stops continue on further pages
    assert pages["R2-1_2026-11-30_pagi.pdf"] == 1 and pages["R4-1_2026-12-01_pagi.pdf"] == 1
    assert pages["R4-1_week.pdf"] == pages["R4-1_2026-11-30_malam.pdf"] + pages["R4-1_2026-12-01_pagi.pdf"]
    for data in pdfs.values():
        for p in pypdf.PdfReader(io.BytesIO(data)).pages:
            assert abs(float(p.mediabox.width) - A4[0]) < 1 and abs(float(p.mediabox.height) - A4[1]) < 1


def test_text_extractable_with_dates_and_literal_names(pdfs):
    text = "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdfs["R4-1_2026-11-30_malam.pdf"])).pages)
    flat = " ".join(text.split())
    assert "R4-1" in flat and "Senin 30-11-2026" in flat
    assert "30-11 22:10" in flat  # before midnight: Monday's date
    assert "01-12 01:" in flat  # after midnight: Tuesday's date next to the time
    assert "Polsek <b>Kunir</b>" in flat and "Aiptu <i>X</i>" in flat
    for name in PAYLOADS:
        assert name in flat, name
    assert "Objek 40 Desa Kunir Lor" in flat  # the last stop is there
    assert "-8.22" in flat and "113.2" in flat  # coordinates per stop


def test_nothing_outside_the_page(pdfs):
    for name, data in pdfs.items():
        runs = _runs(pypdf.PdfReader(io.BytesIO(data)))
        assert runs, name
        for page, text, x, y, size in runs:
            # inside the page, and the run ends before the right edge (DejaVu glyphs are at most ~0.7 em wide
            # on average for these texts)
            assert 0 <= x and 0 <= y <= A4[1], (name, page, text, x, y)
            assert x + 0.6 * size * len(text) <= A4[0] + 2, (name, page, text, x)


def test_long_words_wrap_inside_their_column():
    plan = night_plan(3)
    plan.routes[2].stops[0].name = "X" * 300
    data = render_pdfs(plan, "en")["R2-1_2026-11-30_pagi.pdf"]
    runs = _runs(pypdf.PdfReader(io.BytesIO(data)))
    xs = [r for r in runs if set(r[1].strip()) == {"X"}]
    assert sum(len(r[1].strip()) for r in xs) == 300 and len(xs) > 3
    for _page, text, x, _y, size in xs:
        assert x + 0.6 * size * len(text) < A4[0]


def test_same_plan_same_bytes(pdfs):
    again = render_pdfs(night_plan(40), "id", roads())
    assert again == pdfs


def test_names_beyond_the_font_do_not_break_the_pdf():
    plan = night_plan(3)
    plan.routes[2].stops[0].name = "Masjid 清真寺 🚓 Ωmega e\u0301 Żabka"
    data = render_pdfs(plan, "id")["R2-1_2026-11-30_pagi.pdf"]
    text = pypdf.PdfReader(io.BytesIO(data)).pages[0].extract_text()
    assert "Masjid" in text and "Ωmega" in text and "Żabka" in text


def test_operation_and_reserve_printed_as_text():
    """The day's operation (user text) heads the page, the reserve at the depot is a row of the timeline."""
    import datetime as dt

    from routeplan.model.plan import DayOperation

    plan = night_plan(3)
    name = PAYLOADS[0] + " " + PAYLOADS[1]
    plan.operations = [DayOperation(dt.date(2026, 12, 1), name, ("tps",))]
    r = plan.routes[1]  # R4-1 pagi on 01-12: 08:00, stops from 08:10
    r.reserve = [(r.stops[-1].departure, r.stops[-1].departure + dt.timedelta(minutes=45))]
    pdfs = render_pdfs(plan, "en", roads())
    text = " ".join(" ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdfs["R4-1_2026-12-01_pagi.pdf"])).pages).split())
    assert f"Operation: {name}" in text
    a, b = r.reserve[0]
    assert f"01-12 {a:%H:%M}–{b:%H:%M}" in text and "Standby at the station: Polsek <b>Kunir</b>" in text
    assert "Shift length" in text and "Patrol time" in text
    other = " ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdfs["R2-1_2026-11-30_pagi.pdf"])).pages)
    assert "Operation:" not in other and "Standby" not in other


def test_a_row_is_as_tall_as_its_bold_cells():
    """The number and time columns are bold: the row's height is measured in the font each cell is drawn in."""
    from routeplan.render.pdf import COLS, LINE, _Doc, _row, _wrap

    class Recording(_Doc):
        def __init__(self):
            super().__init__()
            self.rects, self.texts = [], []

        def rect(self, x, y, w, h, *a, **k):
            self.rects.append((x, y, w, h))
            return super().rect(x, y, w, h, *a, **k)

        def text(self, x, y, txt="", *a, **k):
            self.texts.append((x, y, txt))
            return super().text(x, y, txt, *a, **k)

    pdf = Recording()
    pdf.add_page()

    def lines(style, s):
        pdf.set_font("DejaVu", style, 8)
        return len(_wrap(pdf, s, COLS[1] - 1.4))

    # a time cell that takes more lines in bold than in the regular font
    cell = next(s for n in range(1, 40) for s in ["Mm " * n] if lines("B", s) > lines("", s))
    T = {k: k for k in ("no", "planned_time", "place", "what_to_do", "coordinates", "qr")}
    _row(pdf, ["1", cell, "Pasar", "", "", ""], None, T)
    top, h = pdf.rects[0][1], pdf.rects[0][3]
    assert h >= lines("B", cell) * LINE
    assert pdf.texts and all(y <= top + h for _x, y, _t in pdf.texts)
