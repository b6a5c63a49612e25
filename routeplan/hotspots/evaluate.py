"""Does it predict? Hit rate and PAI of KDE hotspots on a time split against a naive baseline, and their plot."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from routeplan._io import atomic_file
from routeplan.errors import InputError
from routeplan.hotspots.density import local_crs
from routeplan.hotspots.estimate import estimate_hotspots
from routeplan.hotspots.quality import stray_dates
from routeplan.hotspots.result import HotspotResult
from routeplan.i18n import t as _t

log = logging.getLogger(__name__)

#: Share of the training time span used by the naive "last period" baseline.
BASELINE_LAST_SHARE: float = 0.25


def _hits_at(scores: np.ndarray, test_counts: np.ndarray, k: int) -> float:
    """Expected test crimes in the top ``k`` cells, splitting ties fairly (random tie-break expectation)."""
    order = np.argsort(-scores, kind="stable")
    s_sorted = scores[order]
    thr = s_sorted[k - 1]
    above = scores > thr
    tied = scores == thr
    need = k - int(above.sum())
    hits = float(test_counts[above].sum())
    if need > 0 and tied.any():
        hits += test_counts[tied].sum() * need / tied.sum()
    return hits


def evaluate(
    incidents: gpd.GeoDataFrame,
    train_until: str | pd.Timestamp,
    *,
    cell_m: float = 200,
    bandwidth: str | float = "auto",
    shares: Sequence[float] = (0.01, 0.05, 0.10),
    area: Any = None,
    baseline_last_share: float = BASELINE_LAST_SHARE,
    plot_path: str | Path | None = None,
) -> dict[str, Any]:
    """Hit rate and PAI of KDE hotspots on a time split, against a naive "last period" baseline.

    Incidents before ``train_until`` fit the model, those from it on are the test set, those with a stray date
    (:func:`routeplan.hotspots.quality.stray_dates`) are in neither.
    For an area share ``s`` the top ``round(s * n_cells)`` cells are the prediction; the hit rate is the
    share of test incidents inside them (test incidents outside the area count as misses) and
    PAI = hit rate / area share. The baseline ranks cells by their incident count in the last
    ``baseline_last_share`` of the training time span. Ties (many cells with equal baseline counts)
    are split fairly: the expected hits of a random tie-break are counted.

    Parameters
    ----------
    incidents : geopandas.GeoDataFrame
        Output of :func:`read_incidents`; needs times.
    train_until : str or pandas.Timestamp
        First instant of the test period.
    cell_m : float
        Grid cell size in metres.
    bandwidth : "auto" or float
        KDE bandwidth (metres), or ``"auto"`` for likelihood cross-validation on the training incidents.
    shares : sequence of float
        Area shares to report.
    area : optional
        Study area, as in :func:`estimate_hotspots`. Default: hull of all incidents (train and test).
    baseline_last_share : float
        Share of the training span used by the baseline (default 0.25).
    plot_path : str or Path, optional
        Also write the PAI / hit-rate curve PNG there (see :func:`plot_evaluation`).

    Returns
    -------
    dict
        ``train_until``, ``n_train``, ``n_test``, ``n_stray_dates``, ``baseline_period``, ``bandwidth_m``, ``cell_m``,
        ``results`` (list of ``{"share", "area_share", "kde": {"hit_rate", "pai"}, "baseline": {...}}``) and ``curve``.

    Raises
    ------
    InputError
        No times, an unparsable ``train_until`` or an empty training or test period.
    """
    cut, inc, train, test, n_stray = _time_split(incidents, train_until)
    area = _default_area(inc, cell_m) if area is None else area
    fit = estimate_hotspots(train, cell_m=cell_m, bandwidth=bandwidth, area=area, floor_share=0.0)
    to_cells = _cell_finder(fit)
    n_cells = len(fit.cells)
    test_cells = to_cells(test)
    test_counts = np.bincount(test_cells[test_cells >= 0], minlength=n_cells).astype(float)
    baseline, baseline_text = _baseline(train, to_cells, n_cells, baseline_last_share)
    scores = {"kde": fit.cells["intensity"].to_numpy(), "baseline": baseline}
    results = [_row(float(s), scores, test_counts, len(test)) for s in shares]
    grid_shares = sorted(set(np.round(np.concatenate([np.linspace(0.005, 0.3, 60), np.asarray(shares, float)]), 5)))
    curve = [_row(float(s), scores, test_counts, len(test)) for s in grid_shares]
    ev = {
        "train_until": str(cut),
        "n_train": int(len(train)),
        "n_test": int(len(test)),
        "n_test_outside_area": int((test_cells < 0).sum()), "n_stray_dates": n_stray,
        "cell_m": fit.cell_m,
        "cells": n_cells,
        "bandwidth_m": round(fit.bandwidth_m, 1) if fit.bandwidth_m else None,
        "bandwidth_selection": fit.bandwidth_selection.get("how"),
        "baseline": baseline_text,
        "results": results,
        "curve": _curve_columns(curve),
    }
    _log_results(results)
    if plot_path is not None:
        plot_evaluation(ev, plot_path)
    return ev


def _default_area(inc: gpd.GeoDataFrame, cell_m: float) -> gpd.GeoSeries:
    """The convex hull of all incidents buffered by one cell, in their local projected CRS."""
    utm = local_crs(inc)
    pts = inc.to_crs(utm)
    return gpd.GeoSeries([pts.geometry.union_all().convex_hull.buffer(float(cell_m))], crs=utm)


def _log_results(results: list[dict[str, Any]]) -> None:
    for r in results:
        log.info(
            "area %.0f%%: KDE hit rate %.3f PAI %.2f | baseline hit rate %.3f PAI %.2f",
            100 * r["share"], r["kde"]["hit_rate"], r["kde"]["pai"], r["baseline"]["hit_rate"], r["baseline"]["pai"],
        )


def _baseline(train: gpd.GeoDataFrame, to_cells: Callable[[gpd.GeoDataFrame], np.ndarray], n_cells: int,
              last_share: float) -> tuple[np.ndarray, str]:
    """The naive baseline: incident counts per cell in the last ``last_share`` of the training span; its text."""
    t0, t1 = train["time"].min(), train["time"].max()
    base_start = t1 - (t1 - t0) * last_share
    recent = train[train["time"] >= base_start]
    rc = to_cells(recent)
    text = (f"incident counts per cell in the last {last_share:.0%} of the training span "
            f"({base_start} .. {t1}, {len(recent)} incidents); ties split by expected value")
    return np.bincount(rc[rc >= 0], minlength=n_cells).astype(float), text


def _curve_columns(curve: list[dict[str, Any]]) -> dict[str, list[float]]:
    """The curve's rows as columns: area share, and hit rate and PAI of both methods."""
    return {
        "area_share": [c["area_share"] for c in curve],
        "kde_hit_rate": [c["kde"]["hit_rate"] for c in curve],
        "kde_pai": [c["kde"]["pai"] for c in curve],
        "baseline_hit_rate": [c["baseline"]["hit_rate"] for c in curve],
        "baseline_pai": [c["baseline"]["pai"] for c in curve],
    }


def _time_split(incidents: gpd.GeoDataFrame, train_until: str | pd.Timestamp
                ) -> tuple[pd.Timestamp, gpd.GeoDataFrame, gpd.GeoDataFrame, gpd.GeoDataFrame, int]:
    """The cut (naive time), all incidents in EPSG:4326, those before the cut and those from it on, and
    how many were left out of both for a stray date (:func:`routeplan.hotspots.quality.stray_dates`)."""
    try:
        cut = pd.Timestamp(train_until)
    except (ValueError, TypeError):
        raise InputError(f"train-until {train_until!r} is not a date (e.g. 2016-10-01)") from None
    if cut is pd.NaT or pd.isna(cut):
        raise InputError(f"train-until {train_until!r} is not a date (e.g. 2016-10-01)")
    inc = incidents.to_crs("EPSG:4326").reset_index(drop=True)
    t = inc["time"]
    if t.notna().sum() == 0:
        raise InputError("incidents have no times; evaluation by time split needs a time column")
    if cut.tzinfo is not None:
        cut = cut.tz_convert(None)
    ok = t.notna() & ~stray_dates(t)[0]
    train = inc[ok & (t < cut)]
    test = inc[ok & (t >= cut)]
    if len(train) < 3 or len(test) == 0:
        raise InputError(
            f"train-until {cut.date()} leaves {len(train)} training and {len(test)} test incidents; "
            f"times run {t.min()} .. {t.max()}"
        )
    return cut, inc, train, test, int((t.notna() & ~ok).sum())


def _cell_finder(fit: HotspotResult) -> Callable[[gpd.GeoDataFrame], np.ndarray]:
    """Maps incidents to the cells of ``fit`` (index into ``fit.cells``, -1 outside the area)."""
    cells_p = fit.cells.to_crs(fit.crs)
    x0 = cells_p.total_bounds[0]
    y0 = cells_p.total_bounds[1]
    # map test and baseline incidents to cells with the same grid
    cx = cells_p.geometry.bounds
    ix = np.round((cx["minx"].to_numpy() - x0) / fit.cell_m).astype(int)
    iy = np.round((cx["miny"].to_numpy() - y0) / fit.cell_m).astype(int)
    lookup = {(int(a), int(b)): k for k, (a, b) in enumerate(zip(iy, ix))}

    def to_cells(g: gpd.GeoDataFrame) -> np.ndarray:
        gp = g.to_crs(fit.crs)
        jx = np.floor((gp.geometry.x.to_numpy() - x0) / fit.cell_m).astype(int)
        jy = np.floor((gp.geometry.y.to_numpy() - y0) / fit.cell_m).astype(int)
        return np.array([lookup.get((int(a), int(b)), -1) for a, b in zip(jy, jx)], dtype=int)

    return to_cells


def _row(share: float, scores: Mapping[str, np.ndarray], test_counts: np.ndarray, n_test: int) -> dict[str, Any]:
    """Hit rate and PAI of each method's top ``share`` of the cells."""
    n_cells = len(test_counts)
    k = min(n_cells, max(1, int(round(share * n_cells))))
    a = k / n_cells
    out: dict[str, Any] = {"share": share, "area_share": round(a, 5), "cells": k}
    for name, sc in scores.items():
        hr = _hits_at(sc, test_counts, k) / n_test
        out[name] = {"hit_rate": round(hr, 4), "pai": round(hr / a, 3)}
    return out


def plot_evaluation(evaluation: Mapping[str, Any], path: str | Path, lang: str = "id") -> Path:
    """Draw hit rate and PAI against area share for KDE and the baseline, as a PNG (written atomically).

    Parameters
    ----------
    evaluation : mapping
        Output of :func:`evaluate`.
    path : str or Path
        PNG file to write.
    lang : {"id", "en"}
        Language of the axis labels, legend and title.

    Returns
    -------
    Path
    """
    fig = evaluation_figure(evaluation, lang)
    path = Path(path)
    with atomic_file(path, suffix=".png") as tmp:
        fig.savefig(tmp, format="png")
    return path


def evaluation_figure(evaluation: Mapping[str, Any], lang: str = "id") -> Figure:
    """The figure of :func:`plot_evaluation`: hit rate and PAI against area share, texts in ``lang``.

    Parameters
    ----------
    evaluation : mapping
        Output of :func:`evaluate`.
    lang : {"id", "en"}

    Returns
    -------
    matplotlib.figure.Figure
    """
    c = evaluation["curve"]
    a = np.asarray(c["area_share"]) * 100
    fig = Figure(figsize=(9, 3.8), dpi=110)
    ax1, ax2 = fig.subplots(1, 2)
    ax1.plot(a, c["kde_hit_rate"], label=f"KDE (h = {evaluation.get('bandwidth_m')} m)", color="#c0392b")
    ax1.plot(a, c["baseline_hit_rate"], label=_t("hs_chart_naive", lang), color="#7f8c8d", ls="--")
    ax1.set_xlabel(_t("hs_chart_area", lang))
    ax1.set_ylabel(_t("hs_chart_hit", lang))
    ax1.set_ylim(0, 1)
    ax1.legend(loc="lower right", fontsize=8)
    ax2.plot(a, c["kde_pai"], color="#c0392b")
    ax2.plot(a, c["baseline_pai"], color="#7f8c8d", ls="--")
    ax2.axhline(1.0, color="k", lw=0.6)
    ax2.set_xlabel(_t("hs_chart_area", lang))
    ax2.set_ylabel("PAI")
    for s in (r["share"] * 100 for r in evaluation["results"]):
        ax1.axvline(s, color="#ddd", lw=0.6, zorder=0)
        ax2.axvline(s, color="#ddd", lw=0.6, zorder=0)
    fig.suptitle(
        _t("hs_chart_title", lang).format(date=str(evaluation["train_until"])[:10], n_test=evaluation["n_test"],
                                          n_train=evaluation["n_train"]),
        fontsize=10,
    )
    fig.tight_layout()
    return fig


