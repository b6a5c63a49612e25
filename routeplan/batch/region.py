"""The region file of ``routeplan batch``: which kecamatan scenarios make up a Polres or Polda.

``REGION.toml`` lists the kecamatan scenario files (form 1)::

    name = "Polres Lumajang"
    scenarios = ["kunir/scenario.toml", "tempeh/scenario.toml"]

Paths are relative to the region file; each kecamatan's output folder is named after its scenario's folder.
The regional form (one road file, kecamatan boundaries, regional layers and a template with the units of every
Polsek) is split into one scenario per kecamatan by :mod:`routeplan.batch.regional`.
"""

from __future__ import annotations

import difflib
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from routeplan import settings
from routeplan._io import read_text, safe_filename
from routeplan.batch.regional import split_region
from routeplan.errors import InputError, one_line

#: Keys that belong to the regional form (:mod:`routeplan.batch.regional`), not to a list of scenarios.
REGIONAL_FORM_KEYS = ("osm_file", "roads", "kecamatan", "boundaries", "layers", "vital_objects", "hotspots",
                      "desa", "units", "polsek", "depots", "shifts", "plan", "area")
KNOWN_KEYS = ("name", "scenarios")
#: Files ``routeplan batch`` writes at the top of its output folder; no kecamatan folder may take these names.
BATCH_FILES = ("index.html", "summary.csv", "summary.xlsx", "scorecard.json", "batch.json")


@dataclass(frozen=True)
class Kecamatan:
    """One kecamatan of a region: its output folder name and its scenario file."""

    name: str
    scenario: Path
    error: str = ""  # the regional form could not make this kecamatan's scenario (one line)
    outline: dict[str, Any] | None = None  # its boundary (GeoJSON geometry) when the region file gives one


@dataclass(frozen=True)
class Region:
    """A region file: its path, name and kecamatan in the file's order."""

    path: Path
    name: str
    kecamatan: tuple[Kecamatan, ...]


def read_region(path: str | Path) -> Region:
    """Read and check a region file; one-line :class:`InputError` for anything wrong with it.

    A scenario file listed in it is not read here: a missing or bad scenario fails only its kecamatan.
    """
    path = Path(path)
    text = read_text(path, "region")
    try:
        raw = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, ValueError, RecursionError) as exc:
        raise InputError(f"{path}: not valid TOML ({one_line(exc)})") from None
    if "scenarios" not in raw and any(k in raw for k in ("osm_file", "kecamatan", "template")):
        return _regional(path, raw)
    regional = [k for k in raw if k in REGIONAL_FORM_KEYS]
    if regional:
        raise InputError(f"{path}: {regional[0]!r} belongs to the regional form (osm_file, kecamatan, template), "
                         "which cannot be mixed with scenarios = [...]")
    for key in raw:
        if key not in KNOWN_KEYS:
            close = difflib.get_close_matches(str(key)[:60], KNOWN_KEYS, n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"use one of {', '.join(KNOWN_KEYS)}"
            raise InputError(f"{path}: unknown key {str(key)[:60]!r}; {hint}")
    name = raw.get("name", path.stem)
    if not isinstance(name, str) or any(ord(c) < 32 for c in name):
        raise InputError(f"{path}: 'name' must be one line of text")
    items = raw.get("scenarios")
    if not isinstance(items, list) or not items:
        raise InputError(f"{path}: no scenarios; write scenarios = [\"kunir/scenario.toml\", ...]")
    if len(items) > settings.max_region_scenarios:
        raise InputError(f"{path}: {len(items)} scenarios, above the limit of {settings.max_region_scenarios}")
    return Region(path, name.strip() or path.stem, _kecamatan(path, items))


def _regional(path: Path, raw: dict[str, object]) -> Region:
    name = raw.get("name", path.stem)
    if not isinstance(name, str) or any(ord(c) < 32 for c in name):
        raise InputError(f"{path}: 'name' must be one line of text")
    made = split_region(path, dict(raw))
    for folder, *_ in made:
        if folder in BATCH_FILES:
            raise InputError(f"{path}: the kecamatan folder name {folder!r} is taken by a batch output; rename it")
    kec = tuple(Kecamatan(folder, scenario or path, error, outline) for folder, scenario, error, outline in made)
    return Region(path, name.strip() or path.stem, kec)


def _kecamatan(path: Path, items: list[object]) -> tuple[Kecamatan, ...]:
    base = path.parent
    seen: dict[str, str] = {}
    out = []
    for i, item in enumerate(items):
        where = f"{path} scenarios[{i}]"
        if not isinstance(item, str) or not item.strip() or any(ord(c) < 32 for c in item):
            raise InputError(f"{where}: must be the path of a scenario file, got {item!r}")
        p = Path(item).expanduser()
        p = p if p.is_absolute() else base / p
        folder = p.parent.resolve().name
        name = safe_filename(folder)
        if name.casefold() in seen:
            raise InputError(f"{where}: {item!r} and {seen[name.casefold()]!r} both give the folder {name!r}; "
                             "give each kecamatan's scenario a folder of its own")
        if name in BATCH_FILES:
            raise InputError(f"{where}: the folder name {name!r} is taken by a batch output; rename the folder")
        seen[name.casefold()] = item
        out.append(Kecamatan(name, p))
    return tuple(out)
