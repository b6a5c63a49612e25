"""The sample's example operation: SYNTHETIC polling stations (TPS) of a Pilkades and the scenario that plans it.

``tps_pilkades.geojson`` holds two polling stations per desa near its centre, each with a ``risk_class``
(``sangat_rawan``, ``rawan``, ``aman``) as the police's TPS mapping assigns them. ``scenario_operasi.toml`` is
the sample's scenario with one ``[[operations]]`` table (Pengamanan Pilkades, Thursday to Saturday of the
sample week: polling stations twice a day 06:00-14:00, markets once a day) and one unit seconded to the
operation for a day (``unavailable``). Everything here is invented.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from routeplan.sample.frame import DESA_CENTRES, clamp, desa_of, lonlat7
from routeplan.sample.network import Net

#: risk classes in turn: one in five polling stations "very prone", two "prone", two "safe"
_CLASS_CYCLE = ("sangat_rawan", "rawan", "aman", "rawan", "aman")

OPERATION_TOML = '''
# Seconded to the Pilkades operation's command post for voting day: no patrol that day.
unavailable = [["2026-12-04", "2026-12-04"]]

# [[operations]]: a named operation changes visit rules on its days only (start and end inclusive).
# layers = objects that exist only during the operation (here the Pilkades polling stations, with a
# risk_class each: sangat_rawan / rawan / aman, whose visits and dwell follow risk_classes below or defaults).
[[operations]]
name = "Pengamanan Pilkades"
start = "2026-12-03"
end = "2026-12-05"
layers = ["tps_pilkades.geojson"]
visits_per_day = { tps = 2, pasar = 1 }
dwell_minutes = { tps = 20 }
windows = { tps = ["06:00-14:00"] }
risk_classes = { sangat_rawan = { visits_per_day = 3, dwell_minutes = 30 }, rawan = { visits_per_day = 2, dwell_minutes = 20 }, aman = { visits_per_day = 1, dwell_minutes = 15 } }
'''


def tps_features(net: Net, seed: int) -> list[dict[str, Any]]:
    """Two SYNTHETIC Pilkades polling stations per desa, 20-140 m off a road near the desa centre."""
    rng = np.random.default_rng(seed + 1000)  # its own stream: the other sample files stay as they were
    nodes = np.array(net.xy)
    feats = []
    k = 0
    for desa, centre in sorted(DESA_CENTRES.items()):
        cands = [p for p in net.xy if math.dist(p, centre) < 500]
        placed: list[tuple[float, float]] = []
        for j in range(2):
            for _ in range(300):
                base = cands[int(rng.integers(len(cands)))]
                dist, ang = float(rng.uniform(25.0, 100.0)), float(rng.uniform(0.0, 2 * math.pi))
                p = clamp((base[0] + dist * math.cos(ang), base[1] + dist * math.sin(ang)), 50.0)
                nearest = float(np.min(np.hypot(nodes[:, 0] - p[0], nodes[:, 1] - p[1])))
                if 20.0 <= nearest <= 140.0 and desa_of(p) == desa and all(math.dist(p, q) > 60 for q in placed):
                    break
            else:
                raise RuntimeError(f"could not place a polling station in {desa}")
            placed.append(p)
            k += 1
            props = {"id": f"TPS-P{k:02d}", "name": f"TPS {j + 1:02d} Pilkades {desa}", "category": "tps",
                     "desa": desa, "risk_class": _CLASS_CYCLE[(k - 1) % len(_CLASS_CYCLE)]}
            feats.append({"type": "Feature", "properties": props,
                          "geometry": {"type": "Point", "coordinates": lonlat7(p)}})
    return feats


def operation_scenario_toml(base_toml: str) -> str:
    """The sample scenario with the example operation: renamed, its last unit seconded for a day, one operation."""
    text = base_toml.replace('name = "Kunir (sampel sintetis)"',
                             'name = "Kunir, Pengamanan Pilkades (sampel sintetis)"', 1)
    if not text.rstrip().endswith('# off on Wednesday'):
        raise RuntimeError("the sample scenario no longer ends with its last unit; update operation_scenario_toml")
    return text.rstrip("\n") + "\n" + OPERATION_TOML
