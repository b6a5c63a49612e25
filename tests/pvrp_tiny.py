"""The tiny PVRP instance of test_pvrp_pool.py and test_pvrp_cg.py, small enough to enumerate every route."""

from __future__ import annotations

import math
from types import ModuleType
from typing import Any

import numpy as np


def tiny_instance(oq: ModuleType, m: int = 1, capacity: int = 100) -> Any:
    """Five customers on a circle, three days; customers 1-2 need two of the days, 3-5 one (demand 30 each)."""
    ang = np.linspace(0.0, 2 * math.pi, 5, endpoint=False)
    xy = np.vstack([[0.0, 0.0], np.c_[10 * np.cos(ang), 10 * np.sin(ang)]])
    combos = [[()], [(0, 1), (1, 2), (0, 2)], [(0, 1), (0, 2)], [(0,), (1,), (2,)], [(1,), (2,)], [(0,), (2,)]]
    freq = np.array([0] + [len(c[0]) for c in combos[1:]])
    return oq.PvrpInstance("tiny", m, 3, [0.0, 0.0, 0.0], [capacity] * 3, xy, np.zeros(6),
                           np.array([0, 30, 30, 30, 30, 30]), freq, combos)


def route_length(xy: np.ndarray, order: tuple[int, ...] | list[int]) -> float:
    """Length of the route depot → ``order`` → depot on the points ``xy`` (straight lines)."""
    path = [0, *order, 0]
    return sum(math.dist(xy[a], xy[b]) for a, b in zip(path, path[1:]))
