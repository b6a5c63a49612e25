"""The patrol-time keys of a scenario: how much of each shift a unit patrols, and which unit-shifts are standby.

``[plan]`` ``patrol_share`` (default :data:`routeplan.settings.default_patrol_share`) and ``patrol_tolerance``
(and ``dosage_floor``, how the patrol time is shared between hotspots: :mod:`routeplan.optimize.dosage`);
``[[shifts]]`` ``patrol_share`` or ``patrol_minutes``; ``[[units]]`` ``patrol_share`` or ``patrol_minutes`` (a number
for every shift, or a table by shift name) and ``standby`` (true, or a list of shift names).
:meth:`routeplan.model.scenario.Scenario.patrol_target` applies them.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import routeplan.settings as settings
from routeplan.errors import InputError


def _share(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise InputError(f"{where}: must be a share of the shift from 0 to 1 (e.g. 0.6), got {str(value)[:40]!r}")
    return float(value)


def _minutes(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1440:
        raise InputError(f"{where}: must be minutes from 0 to 1440, got {str(value)[:40]!r}")
    return float(value)


def plan_patrol(plan_t: dict[str, Any], f: str) -> tuple[float, float, float]:
    """``[plan]`` ``patrol_share``, ``patrol_tolerance`` and ``dosage_floor`` (all 0..1)."""
    share = _share(plan_t.get("patrol_share", settings.default_patrol_share), f"{f} [plan].patrol_share")
    tol = plan_t.get("patrol_tolerance", settings.patrol_tolerance)
    if isinstance(tol, bool) or not isinstance(tol, (int, float)) or not 0 <= tol < 1:
        raise InputError(f"{f} [plan].patrol_tolerance: must be a share from 0 to below 1 (e.g. 0.15), "
                         f"got {str(tol)[:40]!r}")
    floor = plan_t.get("dosage_floor", settings.dosage_floor)
    if isinstance(floor, bool) or not isinstance(floor, (int, float)) or not 0 <= floor <= 1:
        raise InputError(f"{f} [plan].dosage_floor: must be a share of a hotspot's dosage from 0 (off) to 1 "
                         f"(e.g. 0.5), got {str(floor)[:40]!r}")
    return share, float(tol), float(floor)


def shift_patrol(s: dict[str, Any], where: str) -> tuple[float | None, int | None]:
    """A ``[[shifts]]`` row's ``patrol_share`` or ``patrol_minutes`` (not both)."""
    if "patrol_share" in s and "patrol_minutes" in s:
        raise InputError(f"{where}: give patrol_share or patrol_minutes, not both")
    share = _share(s["patrol_share"], where + ".patrol_share") if "patrol_share" in s else None
    minutes = int(_minutes(s["patrol_minutes"], where + ".patrol_minutes")) if "patrol_minutes" in s else None
    return share, minutes


def unit_patrol(u: dict[str, Any], where: str, shifts: Collection[str]) -> tuple[tuple[tuple[str, str, float], ...],
                                                                                 tuple[str, ...]]:
    """A ``[[units]]`` row's patrol rules ((shift or "*", "share"/"minutes", value), ...) and standby shifts."""
    rules: dict[str, tuple[str, float]] = {}
    for key, how, check in (("patrol_share", "share", _share), ("patrol_minutes", "minutes", _minutes)):
        if key not in u:
            continue
        value = u[key]
        table = value if isinstance(value, dict) else {"*": value}
        for name, v in table.items():
            w = f"{where}.{key}" + ("" if name == "*" and not isinstance(value, dict) else f".{str(name)[:40]}")
            if isinstance(value, dict) and name not in shifts:
                raise InputError(f"{w}: {str(name)[:40]!r} is not a shift of [[shifts]]")
            if name in rules:
                raise InputError(f"{w}: give patrol_share or patrol_minutes for a shift, not both")
            rules[str(name)] = (how, check(v, w))
    standby = u.get("standby", False)
    if isinstance(standby, bool):
        names: tuple[str, ...] = ("*",) if standby else ()
    elif isinstance(standby, list) and all(isinstance(x, str) for x in standby):
        for x in standby:
            if x not in shifts:
                raise InputError(f"{where}.standby: {x[:40]!r} is not a shift of [[shifts]]")
        names = tuple(dict.fromkeys(standby))
    else:
        raise InputError(f"{where}.standby: must be true, false or a list of shift names, got {str(standby)[:40]!r}")
    return tuple((name, how, v) for name, (how, v) in rules.items()), names
