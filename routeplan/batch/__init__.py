"""Batch planning of a whole Polres or Polda on Dask distributed: one task per kecamatan.

``routeplan batch REGION.toml --out DIR`` and :func:`run_batch` read the region file (:mod:`.region`),
plan every kecamatan through the library API on a Dask cluster (:mod:`.task`, :mod:`.run`) and write the
regional summary, scorecard and overview map (:mod:`.outputs`).
"""

from routeplan.batch.region import Kecamatan, Region, read_region
from routeplan.batch.run import BatchResult, dask_client, run_batch
from routeplan.batch.task import BatchOptions, plan_kecamatan

__all__ = ["Kecamatan", "Region", "read_region", "BatchResult", "dask_client", "run_batch", "BatchOptions",
           "plan_kecamatan"]
