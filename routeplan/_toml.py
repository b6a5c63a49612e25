"""A small TOML writer for the files routeplan makes (scenario templates and per-kecamatan scenarios)."""

from __future__ import annotations

import datetime as dt
import json
import math
from typing import Any


def toml_value(v: Any) -> str:
    """``v`` (text, number, boolean, date, time, list or table) as a TOML value; text quoted as JSON strings."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int) or (isinstance(v, float) and math.isfinite(v)):
        return repr(v)
    if isinstance(v, (dt.date, dt.time)):
        return v.isoformat()
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{json.dumps(str(k), ensure_ascii=False)} = {toml_value(x)}" for k, x in v.items()) + "}"
    raise ValueError(f"{v!r} has no TOML form")


def toml_table(name: str, table: dict[str, Any], array: bool = False) -> str:
    """``[name]`` (or ``[[name]]``) with one ``key = value`` line per entry, and a blank line."""
    head = f"[[{name}]]" if array else f"[{name}]"
    return head + "\n" + "".join(f"{json.dumps(str(k), ensure_ascii=False)} = {toml_value(v)}\n"
                                 for k, v in table.items()) + "\n"
