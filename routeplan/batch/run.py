"""Run a batch on Dask distributed: one task per kecamatan, ``--resume`` by checksums, regional outputs.

The tasks run on a :class:`distributed.LocalCluster` (one single-threaded worker process per core, on
127.0.0.1) or on an existing cluster (``scheduler="tcp://host:8786"``), whose workers must see the same
files at the same paths (a shared disk). Each task writes its kecamatan's plan folder atomically through
:func:`routeplan.write_plan`; the regional files are written by the calling process at the end.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from routeplan import settings
from routeplan._io import prepare_output_dir, read_marker, write_marker
from routeplan.batch.outputs import write_regional_outputs
from routeplan.batch.region import BATCH_FILES, Kecamatan, Region, read_region
from routeplan.batch.task import BatchOptions, input_checksum, plan_is_current, plan_kecamatan
from routeplan.errors import InputError

log = logging.getLogger(__name__)

#: Called after each kecamatan with (done, total, its result).
BatchProgress = Callable[[int, int, dict[str, Any]], None]


@dataclass
class BatchResult:
    """What a batch did: one result per kecamatan in the region file's order (see :func:`plan_kecamatan`)."""

    region: Region
    out: Path
    results: list[dict[str, Any]]
    seconds: float
    workers: int = 0
    planned: list[str] = field(default_factory=list)

    @property
    def failed(self) -> list[dict[str, Any]]:
        return [r for r in self.results if r["status"] != "ok"]

    @property
    def skipped(self) -> list[str]:
        return [r["name"] for r in self.results if r.get("skipped")]


def _previous(out: Path) -> dict[str, dict[str, Any]]:
    """The results of the last batch into ``out`` (its ``batch.json``), by kecamatan name."""
    try:
        data = json.loads((out / "batch.json").read_text(encoding="utf-8"))
        return {str(r["name"]): r for r in data["kecamatan"] if isinstance(r, dict) and "name" in r}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


@contextlib.contextmanager
def dask_client(scheduler: str | None = None, workers: int | None = None) -> Iterator[Any]:
    """A ``distributed.Client``: on the cluster at ``scheduler``, else on a new loopback ``LocalCluster``
    of ``workers`` single-threaded processes (default: one per core); closed when the block ends."""
    import distributed  # lazy: slow to import (about a second), and only the batch needs it
    if scheduler:
        try:
            client = distributed.Client(scheduler, timeout=settings.batch_connect_timeout_s)
        except (OSError, TimeoutError, ValueError) as exc:
            raise InputError(f"--scheduler {scheduler}: cannot connect ({' '.join(str(exc).split())[:160]})") from None
        with client:
            yield client
        return
    n = workers or os.cpu_count() or 1
    with distributed.LocalCluster(n_workers=n, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address="127.0.0.1:0", silence_logs=logging.ERROR) as cluster, \
            distributed.Client(cluster) as client:
        yield client


def _input_bytes(scenario: Path) -> int:
    try:
        return sum(p.stat().st_size for p in scenario.parent.iterdir() if p.is_file())
    except OSError:
        return 0


def _run_tasks(client: Any, todo: list[tuple[Kecamatan, str]], out: Path,
               options: BatchOptions) -> Iterator[dict[str, Any]]:
    """Submit one task per kecamatan (largest inputs first) and yield their results as they finish."""
    from distributed import as_completed  # lazy: see dask_client

    ranked = sorted(todo, key=lambda kc: -_input_bytes(kc[0].scenario))  # the last task to finish is a small one
    futures = {}
    for rank, (kec, checksum) in enumerate(ranked):
        fut = client.submit(plan_kecamatan, kec.name, str(kec.scenario.resolve()), str(out / kec.name), options,
                            checksum, key=f"plan-{kec.name}-{checksum[:12]}", pure=False,
                            priority=len(ranked) - rank, retries=0)
        futures[fut] = kec
    for fut in as_completed(list(futures)):
        kec = futures[fut]
        try:
            yield fut.result()
        except Exception as exc:  # the worker died (memory, killed): this kecamatan fails, the others go on
            yield {"name": kec.name, "scenario": str(kec.scenario), "status": "failed", "outline": None,
                   "error": f"worker failed: {type(exc).__name__}: {' '.join(str(exc).split())[:200]}"}


# long: the batch's one flow (checks, resume, tasks, outputs) reads best in one piece
def run_batch(
    region: Region | str | Path,
    out: str | Path,
    *,
    options: BatchOptions | None = None,
    scheduler: str | None = None,
    workers: int | None = None,
    resume: bool = False,
    progress: BatchProgress | None = None,
) -> BatchResult:
    """Plan every kecamatan of a region on Dask and write the regional outputs.

    Parameters
    ----------
    region
        A :class:`Region` or the path of a region file (:func:`read_region`).
    out
        Output folder: ``<kecamatan>/`` plan folders, ``summary.csv``, ``summary.xlsx``, ``scorecard.json``,
        ``index.html`` and ``batch.json`` (what ``resume`` reads). Missing, empty or written by routeplan.
    options
        Seed, time limit, iterations and language of every kecamatan's plan.
    scheduler, workers
        An existing Dask scheduler's address, or the number of worker processes of a local cluster.
    resume
        Skip a kecamatan whose inputs and options are unchanged since its last successful plan into ``out``.
    progress
        Called after each kecamatan.

    Returns
    -------
    BatchResult
        A kecamatan that fails is listed with its one-line error; the others are planned.
    """
    t0 = time.perf_counter()
    region = region if isinstance(region, Region) else read_region(region)
    options = options or BatchOptions()
    out = prepare_output_dir(out, [region.path, *(k.scenario for k in region.kecamatan)])
    old_marker = read_marker(out)
    if old_marker is not None and old_marker.get("kind") != "batch":
        raise InputError(f"{out}: holds a routeplan {old_marker.get('kind')} folder, not a batch; choose another --out")
    previous = _previous(out) if resume else {}
    results: dict[str, dict[str, Any]] = {}
    todo = []
    for kec in region.kecamatan:
        if kec.error:
            results[kec.name] = {"name": kec.name, "scenario": "", "status": "failed", "error": kec.error,
                                 "outline": None}
            continue
        try:
            checksum = input_checksum(kec.scenario, options)
        except InputError as exc:
            results[kec.name] = {"name": kec.name, "scenario": str(kec.scenario), "status": "failed",
                                 "error": " ".join(str(exc).split()), "outline": None}
            continue
        prev = previous.get(kec.name)
        if prev and prev.get("status") == "ok" and prev.get("checksum") == checksum and plan_is_current(out / kec.name):
            results[kec.name] = {**prev, "skipped": True}
            continue
        todo.append((kec, checksum))
    done, total = 0, len(region.kecamatan)
    for r in results.values():  # failed before planning, or kept by --resume
        done += 1
        if progress:
            progress(done, total, r)
    n_workers = 0
    # connect first: a cluster that cannot be reached leaves no output folder behind
    with dask_client(scheduler, workers) if todo else contextlib.nullcontext() as client:
        out.mkdir(parents=True, exist_ok=True)
        # the folder is routeplan's from now on (its kecamatan folders carry markers of their own)
        write_marker(out, "batch", files=[f for f in (old_marker or {}).get("files", []) if (out / f).exists()])
        if client is not None:
            n_workers = len(client.scheduler_info().get("workers", {}))
            for res in _run_tasks(client, todo, out, options):
                results[res["name"]] = res
                done += 1
                if progress:
                    progress(done, total, res)
    for k in region.kecamatan:  # the region file's boundary, where it gives one, outlines the kecamatan
        if k.outline is not None and results[k.name]["status"] == "ok":
            results[k.name]["outline"] = k.outline
    ordered = [results[k.name] for k in region.kecamatan]
    written = write_regional_outputs(region, out, ordered, options)
    write_marker(out, "batch", files=sorted(set(written) | {f for f in BATCH_FILES if (out / f).exists()}))
    return BatchResult(region, out, ordered, time.perf_counter() - t0, n_workers, [k.name for k, _ in todo])
