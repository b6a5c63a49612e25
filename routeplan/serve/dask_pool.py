"""Plan jobs on a Dask distributed cluster (the engine of ``routeplan batch``), when ``serve --scheduler`` names one.

:class:`DaskPool` has the two calls the job runner makes of its process pool (``submit``, ``shutdown``). A job
reports progress, sees a cancel request and records its end through the database as in the pool, so those work
the same; a job still queued on the cluster is dropped by its future's ``cancel``. Limits: the workers must reach
the database (PostgreSQL, or SQLite on a shared disk) and see the data folder at the same path; a worker killed
mid-job ends its job as failed through the future's error; a server restart marks in-flight jobs failed as with
the pool, but a task already running on the cluster runs to its next progress report (where it sees the cancel
request the shutdown set) rather than being killed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from routeplan import settings
from routeplan.errors import InputError


class DaskPool:
    """Submit jobs to the Dask scheduler at ``address`` (a ``distributed.Client``, opened at the first job)."""

    def __init__(self, address: str) -> None:
        import distributed  # lazy: dask is loaded only when a scheduler is configured

        try:
            self.client = distributed.Client(address, timeout=settings.batch_connect_timeout_s)
        except OSError as exc:
            raise InputError(f"--scheduler {address}: cannot connect ({' '.join(str(exc).split())[:160]})") from None

    def submit(self, fn: Callable[..., None], *args: Any) -> Any:
        """A future of ``fn(*args)`` on the cluster (never merged with another job's: ``pure=False``)."""
        return self.client.submit(fn, *args, pure=False)

    def shutdown(self, wait: bool = True, cancel_futures: bool = True) -> None:
        """Close the client (the cluster and its workers stay; they are not the server's)."""
        self.client.close()
