"""Getis-Ord Gi* on incident counts per cell, as a second opinion next to the KDE."""

from __future__ import annotations

import warnings

import numpy as np

from routeplan.hotspots.density import Grid


def gistar_intensity(counts: np.ndarray, grid: Grid) -> tuple[np.ndarray, np.ndarray]:
    """Getis-Ord Gi* on the inside cells (queen contiguity, binary).

    Parameters
    ----------
    counts : numpy.ndarray
        Incidents per inside cell of ``grid``.
    grid : Grid

    Returns
    -------
    tuple of numpy.ndarray
        The local sums (never negative) and the z-scores, per cell.
    """
    # esda and libpysal take over a second to import and only Gi* needs them: imported when used
    import esda  # lazy: heavy optional step (esda and libpysal take ~2 s to import)
    from libpysal.weights import W  # lazy: as esda

    iy, ix = grid.index
    lookup = {(int(j), int(i)): k for k, (j, i) in enumerate(zip(iy, ix))}
    neighbors: dict[int, list[int]] = {}
    for k, (j, i) in enumerate(zip(iy, ix)):
        nb = []
        for dj in (-1, 0, 1):
            for di in (-1, 0, 1):
                if dj == 0 and di == 0:
                    continue
                other = lookup.get((int(j) + dj, int(i) + di))
                if other is not None:
                    nb.append(other)
        neighbors[k] = nb
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        w = W(neighbors, silence_warnings=True)
        g = esda.G_Local(counts.astype(float), w, transform="B", star=True, permutations=0)
    z = np.nan_to_num(np.asarray(g.Zs, dtype=float))
    local_sum = np.asarray(g.Gs, dtype=float) * counts.sum()
    return np.maximum(local_sum, 0.0), z


