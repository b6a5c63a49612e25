"""Dosage floor, opt in: hotspots the re-planning left far below their share get dearer, and routes are re-planned.

The dosage rule (issue #12, DOMAIN.md "Patrol science") spreads presence over the week in proportion to risk ×
hour-of-day intensity (:func:`routeplan.report.scorecard.dosage_ratios` measures a plan against it). A slot's prize
follows the rule, but patrol *time* is what the search spends: a remote hotspot's stop costs its drive as well as its
dwell, so the plan leaves remote hotspots at a tenth of their share and stacks those near the post. PyVRP cannot
value a stop by how many stops its hotspot already has in the week, so with ``[plan] dosage_floor`` (the
scenario's :attr:`~routeplan.model.scenario.Scenario.dosage_floor`) it is done in one more round: after the
re-planning of every route (:mod:`routeplan.optimize.recompose`, where presence moves between hotspots), a hotspot
below the floor has the prizes of its slots raised by how far below it is (at most ``settings.dosage_boost_max``
times) and the routes are re-planned once more; the raised prizes stay for the coverage step after it.

A hotspot is measured against the hotspots active in the same hours, not the whole week: those compete for the
same crews, and presence cannot move from the night shift's hotspots to the day's. Measured against the whole week
(and raised up to 4×), the day hotspots a floor raised took the place of other day hotspots, which then fell below
it (session 18). The floor is off by default: it trades risk-weighted presence for spread (BENCHMARKS.md, session 18).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import routeplan.settings as settings
from routeplan.model.layers import Hotspot
from routeplan.optimize.areas import hour_intensity
from routeplan.optimize.candidates import Candidate
from routeplan.optimize.routing import RoutingModel, RoutingResult

log = logging.getLogger(__name__)


def dosage_weight(h: Hotspot) -> float:
    """A hotspot's weight by the dosage rule: its risk times the sum over the 24 hours of its intensity."""
    return h.risk * sum(hour_intensity(h, hour) for hour in range(24))


def rule_ratios(hotspots: Sequence[Hotspot], minutes: dict[str, float]) -> dict[str, float | None]:
    """Each hotspot's share of ``minutes`` over its share of :func:`dosage_weight` (1.0 = in proportion).

    Returns
    -------
    dict
        Ratio per hotspot id; None when no minutes were planned or the hotspot has no weight.
    """
    weight = {h.id: dosage_weight(h) for h in hotspots}
    total_w, total_m = sum(weight.values()), sum(minutes.get(h, 0.0) for h in weight)
    if total_w <= 0 or total_m <= 0:
        return dict.fromkeys(weight)
    return {h: (minutes.get(h, 0.0) / total_m) / (w / total_w) if w > 0 else None for h, w in weight.items()}


def hotspot_ratios(result: RoutingResult, candidates: Sequence[Candidate]) -> dict[str, float]:
    """:func:`rule_ratios` of the hotspot-stop minutes of ``result``.

    Only hotspots with slots in the model count (a hotspot without a slot cannot be helped); a hotspot with slots
    and no stop is at 0.
    """
    spots = {c.ref.id: c.ref for c in candidates if c.kind == "hotspot" and isinstance(c.ref, Hotspot)}
    minutes = dict.fromkeys(spots, 0.0)
    for rr in result.routes:
        for si, start, end in rr.visits:
            c = candidates[si]
            if c.kind == "hotspot" and isinstance(c.ref, Hotspot):
                minutes[c.ref.id] += (end - start) / 60
    return {h: r for h, r in rule_ratios(list(spots.values()), minutes).items() if r is not None}


def raise_low_hotspots(model: RoutingModel, candidates: Sequence[Candidate], result: RoutingResult,
                       floor: float) -> dict[str, float]:
    """Raise the slot prizes of the hotspots below the dosage floor, in place.

    Parameters
    ----------
    model, candidates
        The weekly model and what each of its stops stands for.
    result
        The week's routes, which the ratios are measured on.
    floor
        A hotspot whose ratio, over the mean ratio of the hotspots active in any of its hours, is below this gets
        its slot prizes raised by ``floor / ratio``, at most ``settings.dosage_boost_max`` times. 0: nothing.

    Returns
    -------
    dict
        The factor each hotspot's slot prizes were raised by (empty when none is below the floor).
    """
    most = settings.dosage_boost_max
    if floor <= 0:
        return {}
    ratios = _within_hours(hotspot_ratios(result, candidates), candidates)
    low = {h: min(most, floor / max(r, floor / most)) for h, r in ratios.items() if r < floor}
    if low:
        log.info("dosage: %d hotspots below %.0f%% of their share: %s", len(low), 100 * floor,
                 ", ".join(f"{h} {ratios[h]:.2f}" for h in sorted(low)))
    for i, c in enumerate(candidates):
        if c.kind == "hotspot" and isinstance(c.ref, Hotspot) and c.ref.id in low:
            model.stops[i].prize = round(model.stops[i].prize * low[c.ref.id])
    return low


def _within_hours(ratios: dict[str, float], candidates: Sequence[Candidate]) -> dict[str, float]:
    """Each hotspot's ratio over the mean ratio of the hotspots active in any of its hours (itself included).

    Hotspots active in the same hours compete for the same crews' time; presence cannot move from a night hotspot
    to a day one, so a hotspot is compared with those it competes with."""
    spots = {c.ref.id: c.ref for c in candidates if c.kind == "hotspot" and isinstance(c.ref, Hotspot)}
    hours = {h: {k for k in range(24) if hour_intensity(spots[h], k) > 0} for h in ratios}
    weight = {h: dosage_weight(spots[h]) for h in ratios}
    out = {}
    for h, r in ratios.items():
        near = [g for g in ratios if hours[g] & hours[h]]
        band = sum(ratios[g] * weight[g] for g in near) / sum(weight[g] for g in near)
        out[h] = r / band if band > 0 else 1.0
    return out
