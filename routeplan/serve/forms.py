"""The scenario editor as forms: the scenario file's tables as fields, saved through the library's validator.

A form is turned into the same mapping ``tomllib`` gives (:func:`scenario_from_form`), written as TOML over the
file it came from (:func:`to_toml`: its comments, order and layout stay where the values did not change) and
validated by :func:`routeplan.load_scenario` (through :func:`routeplan.serve.service.save_scenario_text`, with its
version check); there is no second validator here. The library's one-line message names the table, row and key at
fault (``units[2].days``, ``[plan].start_date``); :func:`field_of` maps it to the form field it names, so the
page shows the message beside that field. Tables the form does not show (``speeds``, an operation's
``risk_classes``) are kept as they are in the file.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from collections.abc import Mapping
from typing import Any

import tomlkit
from tomlkit.items import AoT, Table

from routeplan.load.scenario import SCENARIO_KEYS

#: The single tables of the form and their fields, in the order shown.
TABLES: dict[str, tuple[str, ...]] = {
    "area": ("name", "place", "osm_file", "bbox", "boundary"),
    "plan": SCENARIO_KEYS["plan"],
    "layers": SCENARIO_KEYS["layers"],
}
#: The row tables of the form (one row per entry, plus an empty row to add one) and their fields.
ROWS: dict[str, tuple[str, ...]] = {
    "depots": SCENARIO_KEYS["depots"],
    "shifts": SCENARIO_KEYS["shifts"],
    "units": SCENARIO_KEYS["units"],
    "pins": SCENARIO_KEYS["pins"],
    "operations": ("name", "start", "end", "layers", "visits_per_day", "dwell_minutes", "windows"),
}
#: Fields kept as text whatever they hold (names, ids, dates, times, paths).
_TEXT = {"name", "id", "crew", "depot", "object", "unit", "start", "end", "place", "osm_file", "boundary",
         "vital_objects", "hotspots", "desa", "date", "time", "start_date", "language", "utc_offset",
         "break_window"}
#: Fields holding a list, typed as comma-separated items.
_LISTS = {"units.shifts", "units.days", "operations.layers", "area.bbox"}
#: Fields holding a table ``key = value; key = value`` (a list value as ``a | b``).
_DICTS = {"operations.visits_per_day", "operations.dwell_minutes", "operations.windows"}
_FIELD_RE = re.compile(r"^(\w+)\.(\d+)\.(\w+)$")


def _scalar(text: str, key: str) -> Any:
    """A number where the text is one (the library reports a wrong type beside the field), else the text."""
    if key in _TEXT:
        return text
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return {"true": True, "false": False}.get(text.lower(), text)


def _parse(table: str, key: str, text: str) -> Any:
    """The value of one form field, or None when it is empty (the key is left out)."""
    text = text.strip()
    if not text:
        return None
    name = f"{table}.{key}"
    if name in _LISTS:
        return [_scalar(x.strip(), "" if table == "area" else "id") for x in text.split(",") if x.strip()]
    if name in _DICTS:
        out: dict[str, Any] = {}
        for item in (x for x in text.split(";") if x.strip()):
            k, _, v = item.partition("=")
            parts = [p.strip() for p in v.split("|")]
            out[k.strip()] = parts if key == "windows" or len(parts) > 1 else _scalar(parts[0], key)
        return out
    if name == "units.unavailable":
        pairs = [x.strip().split("..") for x in text.split(",") if x.strip()]
        return [[p[0].strip(), p[-1].strip()] for p in pairs]
    if name == "units.standby" and text.lower() not in ("true", "false"):
        return [x.strip() for x in text.split(",") if x.strip()]
    if name in ("units.patrol_share", "units.patrol_minutes") and "=" in text:
        return {k.strip(): _scalar(v.strip(), key) for k, _, v in (x.partition("=") for x in text.split(";"))}
    return _scalar(text, key)


def show(value: Any) -> str:
    """A file value as the text of its form field (the inverse of the parsing above)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "; ".join(f"{k} = {show(v) if not isinstance(v, list) else ' | '.join(map(show, v))}"
                         for k, v in value.items())
    if isinstance(value, list):
        if value and all(isinstance(v, list) for v in value):
            return ", ".join("..".join(map(show, v)) for v in value)
        return ", ".join(show(v) for v in value)
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


def scenario_from_form(form: Mapping[str, str], current: dict[str, Any]) -> dict[str, Any]:
    """The scenario mapping of a posted form, over ``current`` (the file's mapping) for what the form lacks.

    Rows whose fields are all empty, or whose ``.delete`` box is ticked, are left out.
    """
    raw: dict[str, Any] = {k: v for k, v in current.items() if k not in ("name", *TABLES, *ROWS)}
    name = form.get("name", "").strip()
    if name:
        raw["name"] = name
    for table, keys in TABLES.items():
        values = {k: _parse(table, k, form.get(f"{table}.{k}", "")) for k in keys}
        kept = {k: v for k, v in values.items() if v is not None}
        if kept:
            raw[table] = kept
    for table, keys in ROWS.items():
        found = current.get(table)
        old: list[Any] = found if isinstance(found, list) else []
        idx = sorted({int(m.group(2)) for f in form if (m := _FIELD_RE.match(f)) and m.group(1) == table})
        rows = []
        for i in idx:
            values = {k: _parse(table, k, form.get(f"{table}.{i}.{k}", "")) for k in keys}
            row = {k: v for k, v in values.items() if v is not None}
            if not row or form.get(f"{table}.{i}.delete"):
                continue
            if table == "operations" and i < len(old) and isinstance(old[i], dict) and "risk_classes" in old[i]:
                row["risk_classes"] = old[i]["risk_classes"]
            rows.append(row)
        if rows:
            raw[table] = rows
    return raw


def to_toml(raw: dict[str, Any], old: str = "") -> str:
    """The scenario mapping as TOML text, written over ``old`` (the file's text) when that is readable TOML.

    A planner's comments in the file are part of it: the values the form changed are replaced in the old
    document, the keys and rows it removed are dropped, and every comment, blank line and key order of the rest
    is kept (``tomlkit``, a maintained style-preserving TOML library). Rows of a table list are matched by place.
    Without a readable old text the mapping is written afresh with a header line.
    """
    try:
        doc = tomlkit.parse(old) if old.strip() else None
    except (tomlkit.exceptions.TOMLKitError, ValueError, RecursionError):
        doc = None
    if doc is None:
        head = "# Written by the scenario form of routeplan serve. Paths are relative to this file.\n"
        return head + tomlkit.dumps(raw)
    _merge(doc, raw)
    return tomlkit.dumps(doc)


def _merge(box: Any, new: dict[str, Any]) -> None:
    """Make the tomlkit container ``box`` hold ``new``, touching only what differs."""
    for key in [k for k in box if k not in new]:
        del box[key]
    for key, value in new.items():
        if key not in box:
            box[key] = value
            continue
        have = box[key]
        if isinstance(have, Table) and isinstance(value, dict):
            _merge(have, value)
        elif isinstance(have, AoT) and isinstance(value, list) and all(isinstance(v, dict) for v in value):
            for i, row in enumerate(value):
                if i < len(have):
                    _merge(have[i], row)
                else:
                    have.append(row)
            while len(have) > len(value):
                del have[len(have) - 1]
        elif _plain(have) != value:
            box[key] = value


def _plain(item: Any) -> Any:
    """A tomlkit item as the plain value ``tomllib`` gives."""
    return item.unwrap() if hasattr(item, "unwrap") else item


def read_raw(text: str) -> dict[str, Any]:
    """The file's mapping (for the form), or an empty one when the file is not readable TOML."""
    try:
        return tomllib.loads(text)
    except (tomllib.TOMLDecodeError, ValueError, RecursionError):
        return {}


def _strip_quoted(text: str) -> str:
    return re.sub(r"'[^']*'|\"[^\"]*\"", "''", text)


def field_of(message: str) -> str:
    """The form field a library message names (``units.2.days``, ``plan.start_date``, ``units.2``), or ``""``."""
    m = re.search(r"\b(depots|shifts|units|pins|operations)\[(\d+)\](?:\.(\w+))?", message)
    if m:
        table, row, key = m.group(1), m.group(2), m.group(3)
        rest = _strip_quoted(message[m.end():])
        if key is None:
            named = re.search(r"field\s+(\w+)|unknown key\s+(\w+)", _unquote(message[m.end():]))
            key = next((g for g in (named.groups() if named else ()) if g), None)
        if key is None:
            key = _only_key(ROWS[table], rest)
        return f"{table}.{row}.{key}" if key and key in ROWS.get(table, ()) else f"{table}.{row}"
    m = re.search(r"\[(area|plan|layers)\](?:\.(\w+))?", message)
    if m:
        key = m.group(2) or _only_key(TABLES[m.group(1)], _strip_quoted(message[m.end():]))
        return f"{m.group(1)}.{key}" if key in TABLES[m.group(1)] else m.group(1)
    m = re.search(r"\[\[(depots|shifts|units)\]\]", message)
    return m.group(1) if m else ""


def _only_key(keys: tuple[str, ...], text: str) -> str | None:
    """The one key of ``keys`` that ``text`` names as a word; None for none or several (a row-wide fault)."""
    named = [k for k in keys if re.search(rf"\b{k}\b", text)]
    return named[0] if len(named) == 1 else None


def _unquote(text: str) -> str:
    return text.replace("'", " ").replace('"', " ")
