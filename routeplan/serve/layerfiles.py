"""Layer files a planner uploads into the map editor: GeoJSON, CSV (lat/lon columns) or XLSX, as GeoJSON.

Every file goes through the library's layer reader (:func:`routeplan.load.layers.read_features`: its size,
feature-count, coordinate and text checks; CSV lat/lon columns found by the same names); an XLSX workbook is read
with openpyxl as values only (``data_only``: a formula is never evaluated, its cached value is taken, none when the
file has none) and handed to that reader as CSV. Messages are one line and name the uploaded file, not a server path.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from pathlib import Path
from typing import Any

import openpyxl

import routeplan.settings as settings
from routeplan.errors import InputError
from routeplan.errors import one_line as _one_line
from routeplan.load.layers import read_features


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return str(value)


def xlsx_to_csv(data: bytes, shown: str) -> str:
    """The first sheet of a workbook as CSV text (values only, no formula evaluated)."""
    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise InputError(f"{shown}: not a readable XLSX workbook ({_one_line(exc)})") from None
    try:
        if not wb.worksheets:
            raise InputError(f"{shown}: the workbook has no sheet")
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        limit = int(settings.max_layer_features) + 1
        for i, row in enumerate(wb.worksheets[0].iter_rows(values_only=True)):
            if i > limit:
                raise InputError(f"{shown}: more than {limit - 1} rows, above the limit per layer "
                                 "(routeplan.settings.max_layer_features)")
            if any(v is not None for v in row):
                writer.writerow([_cell(v) for v in row])
        return out.getvalue()
    finally:
        wb.close()


def features_from_upload(data: bytes, filename: str, what: str, work: Path) -> dict[str, Any]:
    """A FeatureCollection from an uploaded GeoJSON, CSV or XLSX file (its type sniffed from the content).

    ``work`` is a folder for the trial file the library reads (removed afterwards).
    """
    shown = Path(filename or "upload").name or "upload"
    if data.startswith(b"PK\x03\x04"):
        suffix, body = ".csv", xlsx_to_csv(data, shown).encode("utf-8")
    elif data.lstrip().startswith(b"{"):
        suffix, body = ".geojson", data
    elif b"\0" in data[:4096]:
        raise InputError(f"{shown}: not a GeoJSON, CSV or XLSX file")
    else:
        suffix, body = ".csv", data
    trial = work / f".layer-import{suffix}"
    trial.write_bytes(body)
    try:
        features = read_features(trial, what)
    except InputError as exc:
        raise InputError(str(exc).replace(str(trial), shown)) from None
    finally:
        trial.unlink(missing_ok=True)
    return {"type": "FeatureCollection", "features": features}
