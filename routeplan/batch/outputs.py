"""The regional files of a batch: ``summary.csv``, ``summary.xlsx``, ``scorecard.json``, ``index.html``, ``batch.json``.

Every file is written atomically. Text from the inputs (kecamatan and scenario names, error lines) is data:
spreadsheet cells that look like formulas are neutralised, HTML text is escaped by :mod:`routeplan._html`,
and the overview map reads its figures from a JSON block and builds its popups with ``textContent``.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from routeplan._html import escape
from routeplan._io import write_bytes_atomic, write_json_atomic, write_text_atomic
from routeplan.batch.region import Region
from routeplan.batch.task import BatchOptions
from routeplan.i18n import t
from routeplan.render.export import neutralise
from routeplan.render.offline import leaflet_css, leaflet_js

#: Columns of ``summary.csv`` and ``summary.xlsx``, one row per kecamatan in the region file's order.
SUMMARY_COLUMNS = (
    "kecamatan", "scenario_name", "status", "error", "required_visits", "served_visits", "served_pct", "unserved",
    "unserved_shifts_full", "hotspots", "hotspot_risk_covered_pct", "readiness_mean_pct", "units", "km_total",
    "seconds", "skipped", "plan_folder",
)


def summary_rows(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One summary row per kecamatan result (missing figures are empty)."""
    rows = []
    for r in results:
        row = {c: r.get(c) for c in SUMMARY_COLUMNS}
        row.update(kecamatan=r["name"], skipped=bool(r.get("skipped")),
                   plan_folder=f"{r['name']}/" if r["status"] == "ok" else "")
        rows.append(row)
    return rows


def summary_csv(rows: list[dict[str, Any]]) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=SUMMARY_COLUMNS, lineterminator="\n")
    w.writeheader()
    for row in rows:
        w.writerow({k: "" if v is None else neutralise(v) for k, v in row.items()})
    return buf.getvalue()


def summary_xlsx(rows: list[dict[str, Any]]) -> bytes:
    from openpyxl import Workbook  # lazy: only the batch summary needs it

    wb = Workbook()
    ws = wb.active
    ws.title = "summary"
    ws.append(list(SUMMARY_COLUMNS))
    for row in rows:
        ws.append([row[c] for c in SUMMARY_COLUMNS])
    for cells in ws.iter_rows(min_row=2):
        for cell in cells:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # text stays text: openpyxl would store "=..." as a formula
    ws.freeze_panes = "B2"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def regional_scorecard(region: Region, results: list[dict[str, Any]], options: BatchOptions) -> dict[str, Any]:
    """Totals over the kecamatan planned: visits served, hotspot risk, readiness, distance; failures by name."""
    ok = [r for r in results if r["status"] == "ok"]
    req = sum(r["required_visits"] for r in ok)
    served = sum(r["served_visits"] for r in ok)
    risk = [(r["hotspot_risk_covered_pct"], r["hotspots"]) for r in ok if r.get("hotspot_risk_covered_pct") is not None]
    ready = [r["readiness_mean_pct"] for r in ok if r.get("readiness_mean_pct") is not None]
    return {
        "region": region.name, "region_file": str(region.path), "options": options.as_dict(),
        "kecamatan": len(results), "planned": len(ok), "failed": [{"kecamatan": r["name"], "error": r["error"]}
                                                                for r in results if r["status"] != "ok"],
        "required_visits": req, "served_visits": served,
        "served_pct": round(100.0 * served / req, 1) if req else None,
        "unserved_shifts_full": sum(r["unserved_shifts_full"] for r in ok),
        # weighted by the number of hotspots of each kecamatan
        "hotspot_risk_covered_pct": (round(sum(p * n for p, n in risk) / sum(n for _, n in risk), 1)
                                     if risk and sum(n for _, n in risk) else None),
        "readiness_mean_pct": round(sum(ready) / len(ready), 1) if ready else None,
        "units": sum(r["units"] for r in ok), "km_total": round(sum(r["km_total"] for r in ok), 1),
    }


#: Columns left out of the table on a phone's narrow screen.
_WIDE = ("batch_units", "batch_km")


def _json_in_script(data: Any) -> str:
    """JSON for a ``<script type="application/json">`` block: no ``<``, ``>`` or ``&`` that could end it."""
    return (json.dumps(data, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e")
            .replace("&", "\\u0026").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def _pct(v: Any) -> str:
    return "–" if v is None else f"{v:.1f} %"


_PAGE_CSS = """
body{margin:0;font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;color:#222}
header{padding:8px 12px;background:#1f3b63;color:#fff}h1{font-size:17px;margin:0}
#map{height:55vh;min-height:260px;background:#f4f1ea}
main{padding:8px 12px}table{border-collapse:collapse;width:100%;font-size:13px}
th,td{border-bottom:1px solid #ddd;padding:4px 6px;text-align:left;vertical-align:top}
td.n,th.n{text-align:right;white-space:nowrap}.failed td{color:#a40000}.legend span{display:inline-block;width:12px;height:12px;margin:0 3px 0 8px}
.scroll{overflow-x:auto}
@media (max-width:640px){.wide{display:none}table{font-size:12px}th,td{padding:3px}td.n{white-space:normal}}
"""

_PAGE_JS = """
(function(){
var d=JSON.parse(document.getElementById('rp-data').textContent);
var map=L.map('map',{zoomSnap:0.25});
function colour(p){return p===null?'#999':p>=95?'#1a9641':p>=85?'#a6d96a':p>=70?'#fdae61':'#d7191c';}
var all=L.featureGroup().addTo(map),shown=[];
var pick=document.getElementById('rp-colour');
function paint(){shown.forEach(function(x){x[1].setStyle({fillColor:colour(x[0][pick.value])});});}
pick.addEventListener('change',paint);
d.kecamatan.forEach(function(k){
  if(!k.outline)return;
  var lyr=L.geoJSON(k.outline,{style:{color:'#333',weight:1,fillOpacity:0.6}});shown.push([k,lyr]);
  var box=document.createElement('div');
  var h=document.createElement('b');h.textContent=k.label;box.appendChild(h);
  k.lines.forEach(function(l){var p=document.createElement('div');p.textContent=l;box.appendChild(p);});
  [['map.html',d.t_map],['briefings/index.html',d.t_briefings]].forEach(function(x){
    var a=document.createElement('a');a.href=encodeURIComponent(k.name)+'/'+x[0];a.textContent=x[1];
    box.appendChild(a);box.appendChild(document.createTextNode(' '));});
  lyr.bindPopup(box);lyr.bindTooltip(k.label,{sticky:true});lyr.addTo(all);
});
paint();
if(all.getLayers().length){map.fitBounds(all.getBounds(),{padding:[8,8]});}else{map.setView([0,0],2);}
})();
"""


def index_html(region: Region, results: list[dict[str, Any]], card: dict[str, Any], lang: str = "id") -> str:
    """The regional overview: an offline Leaflet map of kecamatan coloured by visits served, and a table."""
    def tag(tag_name: str, text: str) -> str:
        return f"<{tag_name}>{escape(text)}</{tag_name}>"

    data = {"t_map": t("batch_map", lang), "t_briefings": t("batch_briefings", lang), "kecamatan": [
        {"name": r["name"], "label": r.get("scenario_name") or r["name"], "outline": r.get("outline"),
         "served_pct": r.get("served_pct"), "readiness_mean_pct": r.get("readiness_mean_pct"),
         "lines": [f"{t('batch_served', lang)}: {r['served_visits']}/{r['required_visits']} ({_pct(r['served_pct'])})",
                   f"{t('batch_risk', lang)}: {_pct(r.get('hotspot_risk_covered_pct'))}",
                   f"{t('batch_readiness', lang)}: {_pct(r.get('readiness_mean_pct'))}"]}
        for r in results if r["status"] == "ok"]}
    heads = ["batch_kecamatan", "batch_served", "batch_risk", "batch_readiness", "batch_units", "batch_km"]
    rows = []
    for r in results:
        name = escape(r.get("scenario_name") or r["name"])
        if r["status"] != "ok":
            rows.append(f'<tr class="failed"><td>{name}</td><td colspan="5">{escape(t("batch_failed", lang))}: '
                        f'{escape(r.get("error", ""))}</td></tr>')
            continue
        folder = escape(r["name"])
        rows.append(
            f'<tr><td>{name}<br><a href="{folder}/map.html">{escape(t("batch_map", lang))}</a> · '
            f'<a href="{folder}/briefings/index.html">{escape(t("batch_briefings", lang))}</a></td>'
            f'<td class="n">{r["served_visits"]}/{r["required_visits"]} ({_pct(r["served_pct"])})</td>'
            f'<td class="n">{_pct(r.get("hotspot_risk_covered_pct"))}</td>'
            f'<td class="n">{_pct(r.get("readiness_mean_pct"))}</td><td class="n wide">{r["units"]}</td>'
            f'<td class="n wide">{r["km_total"]:.1f}</td></tr>')
    rows.append(f'<tr><th>{escape(t("batch_total", lang))}</th><th class="n">{card["served_visits"]}/'
                f'{card["required_visits"]} ({_pct(card["served_pct"])})</th><th class="n">'
                f'{_pct(card["hotspot_risk_covered_pct"])}</th><th class="n">{_pct(card["readiness_mean_pct"])}</th>'
                f'<th class="n wide">{card["units"]}</th><th class="n wide">{card["km_total"]:.1f}</th></tr>')
    legend = "".join(f'<span style="background:{c}"></span>{escape(x)}' for c, x in
                     (("#1a9641", "≥ 95 %"), ("#a6d96a", "85–95 %"), ("#fdae61", "70–85 %"), ("#d7191c", "< 70 %")))
    body_js = _PAGE_JS.replace("</", "<\\/")
    return (
        f'<!DOCTYPE html>\n<html lang="{escape(lang)}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"{tag('title', region.name + ' – ' + t('batch_title', lang))}"
        f"<style>{leaflet_css()}{_PAGE_CSS}</style></head><body>"
        f"<header>{tag('h1', region.name)}<div>{escape(t('batch_title', lang))}</div></header>"
        f'<div id="map"><noscript>{escape(t("batch_no_map", lang))}</noscript></div><main>'
        f'<p class="legend"><label>{escape(t("batch_legend", lang))} <select id="rp-colour">'
        f'<option value="served_pct">{escape(t("batch_served", lang))}</option>'
        f'<option value="readiness_mean_pct">{escape(t("batch_readiness", lang))}</option></select></label>'
        f"{legend}</p>"
        "<div class=scroll><table><thead><tr>" + "".join(f'<th{" class=wide" if h in _WIDE else ""}>{escape(t(h, lang))}</th>'
                                        for h in heads) + "</tr></thead><tbody>"
        + "".join(rows) + "</tbody></table></div></main>"
        f'<script type="application/json" id="rp-data">{_json_in_script(data)}</script>'
        "<script>" + leaflet_js().replace("</script", "<\\/script") + "</script>"
        f"<script>{body_js}</script></body></html>\n")


def write_regional_outputs(region: Region, out: Path, results: list[dict[str, Any]], options: BatchOptions,
                           lang: str | None = None) -> list[str]:
    """Write the regional files into ``out``; the names written."""
    rows = summary_rows(results)
    card = regional_scorecard(region, results, options)
    write_text_atomic(out / "summary.csv", summary_csv(rows))
    write_bytes_atomic(out / "summary.xlsx", summary_xlsx(rows))
    write_json_atomic(out / "scorecard.json", card)
    write_text_atomic(out / "index.html", index_html(region, results, card, lang or options.lang or "id"))
    write_json_atomic(out / "batch.json", {"region": str(region.path), "options": options.as_dict(),
                                           "kecamatan": results})
    return ["summary.csv", "summary.xlsx", "scorecard.json", "index.html", "batch.json"]
