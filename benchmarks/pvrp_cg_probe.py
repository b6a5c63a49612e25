"""Why column generation does not close the PVRP gap: a probe of the set-partitioning LP (issue #12, session 10).

For each instance: run ``--pvrp-method pool-end`` (the ``travel`` LNS, every route into the pool) up to the point
where its set-partitioning (SP) step would run, then

1. column generation as :class:`optimizer_quality.PvrpCgSolver` does (interior-point duals, prize-collecting
   PyVRP pricing per day) for ``--cg`` budget seconds: the LP value after each pricing round;
2. the LP with every customer's combination fixed to the incumbent's: if it is as low as the free LP, the LP
   bound comes from fractional routing, not from the combinations, and its duals cannot rank combinations;
3. the integer SP over the enriched pool (warm start: the incumbent) for ``--sp`` seconds;
4. "relax and fix": the LP dive (:func:`optimizer_quality.pvrp_lp_dive`) fixes the combinations one by one,
   then one warm-started joint re-solve of those combinations (``--sp`` seconds), as the LNS would check them.

Prints one JSON line per instance (gaps in % of the best-known cost). Budget clock: process CPU seconds.

    python benchmarks/pvrp_cg_probe.py p10 p28 --lns 48 --cg 12 --sp 5
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import optimizer_quality as oq  # noqa: E402


class _Stop(BaseException):  # not Exception: the LNS reports (and survives) those
    pass


class _Capture(oq.PvrpPoolEndSolver):
    """The pool-end LNS, stopped where its SP step would run; ``state`` = (incumbent, pool routes)."""

    state: tuple | None = None

    def _sp_step(self, cur):
        self.state = (cur, dict(self.pool.routes))
        raise _Stop


def _fixed_combo_lp(inst, columns, combo) -> float | None:
    import highspy

    lp, ycols, _, _ = oq._sp_lp(inst, columns, integer=False)
    nx_ = len(columns)
    for k, (i, c) in enumerate(ycols):
        if i in combo:
            v = float(combo[i] == c)
            lp.col_lower_[nx_ + k] = lp.col_upper_[nx_ + k] = v
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", 1)
    h.passModel(lp)
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    return float(h.getInfo().objective_function_value)


def probe(name: str, lns: float, cg: float, sp: float, seed: int = 0) -> dict:
    inst = oq.read_pvrp(oq.DEFAULT_DATA / "pvrp_cordeau" / "instances" / name)
    bks = oq.pvrp_best_known(oq.DEFAULT_DATA)[name]

    def g(v):
        return None if v is None else round(100 * (v / bks - 1), 3)

    cap = _Capture(inst, seed=seed)
    cap.search = oq.PVRP_SEARCH["fast-penalty"]
    # the LNS's own schedule puts the SP step at (polish + round + sp) shares before the end: 60 s -> 48.6 s
    try:
        cap.solve(lns / (1 - cap.polish_share - cap.round_share - cap.sp_share) + 1.0)
    except _Stop:
        pass
    assert cap.state is not None, "the LNS ended before its SP step"
    cur, routes = cap.state
    s = oq.PvrpCgSolver(inst, seed=seed)
    s.search = cap.search
    s.pool.routes = dict(routes)
    s._time_limit = 60.0
    s.column_generation(cur, oq.now() + cg)
    columns = [(d, o, length) for length, o, ds in s.pool.routes.values() for d in ds]
    row = {"instance": name, "incumbent_gap": g(cur[0]), "pool_before": len(routes), "pool_after": len(s.pool.routes),
           "cg_rounds": s.cg_stats["iterations"], "lp_gaps": [g(v) for v in s.cg_stats["lp"]],
           "lp_incumbent_combos_gap": g(_fixed_combo_lp(inst, columns, cur[2]))}
    out = oq.pvrp_set_partition(inst, columns, sp, warm=cur[1])
    if out is not None:
        ok, cost, _ = oq.verify_pvrp(inst, oq.pvrp_routes_from_cover(s.real, out[0], out[1]))
        row["sp_gap"] = g(cost) if ok else None
    dive = oq.pvrp_lp_dive(inst, columns, oq.now() + sp)
    if dive is not None:
        days, combo = s._copy(cur[1]), dict(cur[2])
        changed = 0
        for i in s.choice_needed:
            if dive[1].get(i, combo[i]) != combo[i]:
                s._apply(days, combo, i, dive[1][i])
                changed += 1
        res, _ = s.solve_round(combo, days, sp, seed=seed, no_improvement=s.no_improvement)
        ok, cost, _ = oq.verify_pvrp(inst, res)
        row |= {"dive_changed_combos": changed, "of": len(s.choice_needed), "dive_resolve_gap": g(cost) if ok else None}
    return row


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("instances", nargs="+")
    ap.add_argument("--lns", type=float, default=48.0, help="CPU seconds of the pool-end LNS before the probe")
    ap.add_argument("--cg", type=float, default=12.0, help="CPU seconds of column generation")
    ap.add_argument("--sp", type=float, default=5.0, help="seconds of the integer SP, and of the dive's re-solve")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=None, help="append the JSON lines here too")
    args = ap.parse_args(argv)
    for name in args.instances:
        row = probe(name, args.lns, args.cg, args.sp, args.seed)
        print(json.dumps(row), flush=True)
        if args.out is not None:
            with args.out.open("a") as fh:
                fh.write(json.dumps(row) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
