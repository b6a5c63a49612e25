"""Printable QR posters per vital object: scanning the code at the object gives a check-in for it.

Each poster carries the object's name, id and category and a QR code of ``url`` with ``{id}`` replaced by the
object id (URL-encoded): the check-in address of the web workspace, or by default the text
``routeplan-checkin:{id}``, which a scanner app stores with the time and the phone's position so that its
export is a check-in CSV for ``routeplan actual``. One page per object, for printing (A5 portrait).
"""

from __future__ import annotations

import html
from pathlib import Path
from urllib.parse import quote

import segno

import routeplan.settings as settings
from routeplan._io import atomic_output_dir, write_text_atomic
from routeplan.errors import InputError
from routeplan.i18n import category_label, t
from routeplan.load.layers import read_vital_objects
from routeplan.load.scenario import load_scenario
from routeplan.model.layers import VitalObject
from routeplan.model.planfile import read_plan

DEFAULT_URL = settings.checkin_poster_url
#: The check-in address of an object on a ``routeplan serve`` server, after its base URL.
CHECKIN_PATH = "/checkin/{id}"


def checkin_url(base_url: str) -> str:
    """The QR text template of the check-in page of a ``routeplan serve`` server at ``base_url``.

    Raises
    ------
    InputError
        ``base_url`` is not an ``http://`` or ``https://`` address.
    """
    base = base_url.strip().rstrip("/")
    if not base.startswith(("http://", "https://")) or any(c in base for c in '{}<>"\\ \t\r\n'):
        raise InputError(f"--base-url {base_url[:60]!r}: give the server's address, e.g. https://polsek.example")
    return base + CHECKIN_PATH


def payload(url: str, object_id: str) -> str:
    """The text of an object's QR code: ``url`` with ``{id}`` replaced by the URL-encoded id."""
    if "{id}" not in url:
        raise InputError(f"--url {url[:60]!r} has no {{id}} where the object id goes")
    return url.replace("{id}", quote(object_id, safe=""))


def posters_html(objects: list[VitalObject], url: str = DEFAULT_URL, lang: str = "id", title: str = "") -> str:
    """A printable page with one poster per object (text escaped; the QR codes are inline SVG)."""
    E = html.escape
    pages = []
    for o in objects:
        svg = segno.make(payload(url, o.id), error="m").svg_inline(border=2, omitsize=True)
        pages.append(
            f'<section class="poster"><h1>{E(t("poster_title", lang))}</h1>'
            f'<h2>{E(o.name)}</h2><p class="meta">{E(category_label(o.category, lang))}'
            + (f" · {E(o.desa)}" if o.desa else "") + f" · <code>{E(o.id)}</code></p>"
            f'<div class="qr">{svg}</div><p class="how">{E(t("poster_how", lang))}</p>'
            f'<p class="call">{E(t("poster_call", lang))}</p></section>')
    return ("<!DOCTYPE html>\n<html lang=\"" + E(lang) + "\"><head><meta charset=\"utf-8\">"
            f"<title>{E(t('poster_title', lang))} — {E(title)}</title><style>"
            "@page{size:A5 portrait;margin:10mm}body{font-family:sans-serif;margin:0}"
            ".poster{page-break-after:always;break-after:page;text-align:center;padding:8mm}"
            ".poster h1{font-size:20pt;margin:0 0 4mm}.poster h2{font-size:16pt;margin:0}"
            ".meta{color:#444}.qr svg{display:block;margin:4mm auto;width:90mm;height:90mm}.how{font-size:11pt}.call{font-weight:bold}"
            "</style></head><body>" + "".join(pages) + "</body></html>\n")


def write_posters(plan_dir: str | Path, out: str | Path, url: str = DEFAULT_URL, lang: str | None = None) -> int:
    """Write ``posters.html`` for the vital objects of a plan's scenario into ``out``; returns the poster count."""
    plan = read_plan(plan_dir, paths_required=False)
    if not plan.scenario_file:
        raise InputError(f"{plan_dir}/plan.json: damaged or from an older version (no scenario_file); plan again")
    scenario = load_scenario(plan.scenario_file)
    if scenario.vital_objects is None:
        raise InputError(f"{plan.scenario_file}: [layers] names no vital_objects; there is nothing to post")
    objects = sorted(read_vital_objects(scenario.vital_objects, scenario.default_dwell_minutes), key=lambda o: o.id)
    page = posters_html(objects, url, lang or plan.language or scenario.language, scenario.name)
    with atomic_output_dir(Path(out), kind="posters", inputs=[Path(plan_dir), scenario.vital_objects]) as stage:
        write_text_atomic(stage / "posters.html", page)
    return len(objects)
