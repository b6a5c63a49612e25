"""Synthetic plans for the briefing tests: night shifts past midnight, long routes, payload names."""

from __future__ import annotations

import datetime as dt

from routeplan.model.plan import Plan, Route, Visit
from routeplan.model.scenario import Depot

PAYLOADS = ["<script>alert(1)</script>", "{{7*7}}", "{% raw %}x", "Warung Łódź & Söhne \"quote\""]
DEPOT = Depot("polsek", "Polsek <b>Kunir</b>", 113.2100, -8.2200)


def _route(unit: str, day: dt.date, shift: str, start: dt.datetime, n: int, seed: int) -> Route:
    stops = []
    t = start + dt.timedelta(minutes=10)
    for i in range(n):
        # stops on a loose spiral, some pairs on the same spot (their labels must be shared, not stacked)
        k = i // 2 if i % 7 == 3 else i
        lon = DEPOT.lon + 0.002 * (k % 6) - 0.004 + 0.0007 * seed
        lat = DEPOT.lat + 0.0018 * (k // 6) - 0.004
        name = PAYLOADS[i % len(PAYLOADS)] if i < len(PAYLOADS) else f"Objek {i + 1} Desa Kunir Lor"
        stops.append(Visit(id=f"o{i}", kind="hotspot" if i % 5 == 4 else "vital_object", name=name,
                           category="hotspot" if i % 5 == 4 else "pasar", arrival=t, departure=t + dt.timedelta(minutes=10),
                           lon=lon, lat=lat, dwell_minutes=10, window="any", desa="Kunir Lor"))
        t += dt.timedelta(minutes=14)
    path = [(DEPOT.lon, DEPOT.lat)] + [(s.lon, s.lat) for s in stops] + [(DEPOT.lon, DEPOT.lat)]
    return Route(unit=unit, unit_kind="car", crew="Aiptu <i>X</i>", day=day, shift=shift, depot="polsek",
                 depot_name=DEPOT.name, start=start, end=t + dt.timedelta(minutes=5), stops=stops,
                 distance_m=12345.0, drive_s=3600.0, path=path)


def night_plan(n: int = 30) -> Plan:
    """Two units; R4-1 has a night shift from 22:00 on Monday 30-11-2026 with ``n`` stops, past midnight."""
    d0 = dt.date(2026, 11, 30)
    routes = [
        _route("R4-1", d0, "malam", dt.datetime(2026, 11, 30, 22, 0), n, 0),
        _route("R4-1", d0 + dt.timedelta(days=1), "pagi", dt.datetime(2026, 12, 1, 8, 0), 5, 1),
        _route("R2-1", d0, "pagi", dt.datetime(2026, 11, 30, 8, 0), 3, 2),
    ]
    return Plan(scenario="Kunir {{7*7}}", start_date=d0, days=7, seed=1, routes=routes, unserved=[],
                required_visits=n + 8, served_required=n + 8, language="id", depots=[DEPOT])


def roads() -> list[tuple[str, str, list[tuple[float, float]]]]:
    """A main road across the area and a few minor streets."""
    x, y = DEPOT.lon, DEPOT.lat
    return [("Jalan Raya Kunir", "main", [(x - 0.02, y - 0.001), (x + 0.02, y - 0.001)]),
            ("Jalan Desa", "tertiary", [(x - 0.001, y - 0.02), (x - 0.001, y + 0.02)]),
            ("", "minor", [(x - 0.01, y - 0.002), (x + 0.01, y - 0.002)]),
            ("Far Road", "main", [(x + 1.0, y + 1.0), (x + 1.1, y + 1.0)])]
