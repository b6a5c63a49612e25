"""Nominatim and Overpass through osmnx: bounded retries, one-line errors, no cache poisoning.

osmnx 2.1 retries HTTP 429/504 by itself, forever, sleeping 55 s each time, and builds a graph from an
Overpass answer that carries a "remark" (a server-side timeout with partial data). We therefore hand
osmnx a requests response hook (``settings.requests_kwargs``) that inspects every answer before osmnx
sees it: an error status, a body that is not JSON or an Overpass remark raises here, so osmnx neither
sleeps nor caches it, and :func:`download` retries the whole download a bounded number of times.
Answers that pass are cached by osmnx (``cache_folder/http``), so a retry re-requests only what failed.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import networkx as nx
import requests

from routeplan import settings
from routeplan.errors import InputError, NetworkError, one_line

log = logging.getLogger(__name__)

class _TransientError(Exception):
    """A failure worth retrying: 429, 5xx, a broken connection or a truncated / garbage / remark answer."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def _retry_after(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:  # an HTTP date: fall back on our own back-off
        return None


def _check_response(response: Any, *args: Any, **kwargs: Any) -> Any:
    """requests response hook: raise on answers osmnx must neither use nor cache."""
    parts = urlsplit(response.url)
    where = f"{parts.hostname}{parts.path}"
    status = response.status_code
    if status == 429 or status >= 500:
        raise _TransientError(f"{where} answered HTTP {status} {response.reason}",
                              _retry_after(response.headers.get("Retry-After")))
    if status >= 400:
        raise NetworkError(f"{where} answered HTTP {status} {response.reason}")
    if parts.path.rstrip("/").endswith("/status"):
        return response  # plain-text status pages
    body = response.content  # raises on a truncated body (Content-Length not reached)
    try:
        data = json.loads(body)
    except ValueError:
        raise _TransientError(
            f"{where} answered with {len(body)} bytes that are not valid JSON (truncated or an error page)"
        ) from None
    if isinstance(data, dict) and "remark" in data:
        raise _TransientError(f"{where} answered with an incomplete result: {str(data['remark'])[:200]}")
    if not isinstance(data, (dict, list)):
        raise _TransientError(f"{where} answered with JSON that is neither an object nor a list")
    return response


class _OsmnxSession:
    """Point osmnx at our services, cache and response hook; restore its settings on exit."""

    _NAMES = ("nominatim_url", "overpass_url", "requests_timeout", "cache_folder", "use_cache",
              "cache_only_mode", "log_console", "overpass_rate_limit", "doh_url_template", "requests_kwargs")

    def __enter__(self) -> _OsmnxSession:
        import osmnx as ox  # lazy: osmnx takes ~3 s to import; only a download needs it

        self._saved = {n: getattr(ox.settings, n) for n in self._NAMES}
        configure_osmnx()
        hooks = dict(ox.settings.requests_kwargs.get("hooks") or {})
        prev = hooks.get("response") or []
        hooks["response"] = [*(prev if isinstance(prev, list) else [prev]), _check_response]
        ox.settings.requests_kwargs = {**ox.settings.requests_kwargs, "hooks": hooks}
        return self

    def __exit__(self, *exc: Any) -> None:
        import osmnx as ox  # lazy: osmnx takes ~3 s to import; only a download needs it

        for n, v in self._saved.items():
            setattr(ox.settings, n, v)


def configure_osmnx() -> None:
    """Set ``osmnx.settings`` from ``routeplan.settings`` (service URLs, timeout, HTTP cache folder)."""
    import osmnx as ox  # lazy: osmnx takes ~3 s to import; only a download needs it

    ox.settings.nominatim_url = settings.nominatim_url
    ox.settings.overpass_url = settings.overpass_url
    ox.settings.requests_timeout = settings.requests_timeout
    ox.settings.cache_folder = str(Path(settings.cache_folder) / "http")
    ox.settings.use_cache = True
    ox.settings.cache_only_mode = False
    ox.settings.log_console = False
    # the loopback test server and small public instances have no /status endpoint worth polling
    ox.settings.overpass_rate_limit = False
    # never ask Google's DNS-over-HTTPS service to resolve a host name: request hosts by name
    ox.settings.doh_url_template = None


def _purge_broken_http_cache() -> int:
    """Delete osmnx HTTP-cache files that are not valid JSON (osmnx writes them non-atomically)."""
    folder = Path(settings.cache_folder) / "http"
    removed = 0
    for f in folder.glob("*.json") if folder.is_dir() else []:
        try:
            json.loads(f.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            log.warning("removing broken HTTP cache file %s", f)
            f.unlink(missing_ok=True)
            removed += 1
    return removed


def _name_not_resolved(exc: BaseException) -> bool:
    """Whether a connection failed because the host name could not be resolved (DNS, offline)."""
    seen = set()
    e: BaseException | None = exc
    while e is not None and id(e) not in seen:
        seen.add(id(e))
        if "NameResolutionError" in type(e).__name__ or "Name or service not known" in str(e) \
                or "Temporary failure in name resolution" in str(e) or "NameResolutionError" in str(e):
            return True
        e = e.__cause__ or e.__context__ or (e.args[0] if e.args and isinstance(e.args[0], BaseException) else None)
    return False


def download(fetch: Callable[[], nx.MultiDiGraph], what: str) -> nx.MultiDiGraph:
    """Run an osmnx download with bounded retries; turn every failure into a one-line error.

    Transient failures (HTTP 429/5xx, broken connections, truncated or non-JSON answers, Overpass
    remarks) are retried ``settings.http_retries`` times with exponential back-off starting at
    ``settings.http_backoff_s`` (a server's ``Retry-After`` is honoured up to the largest back-off step),
    so the total wait is bounded. A timeout is not retried.

    Raises
    ------
    InputError
        Nominatim does not know the place or has no polygon for it.
    NetworkError
        The services could not be reached or kept answering with errors or garbage.
    """
    from osmnx._errors import InsufficientResponseError  # lazy: imports osmnx (~3 s), needed only online

    retries, backoff = max(0, int(settings.http_retries)), max(0.0, float(settings.http_backoff_s))
    purged = False
    attempt = 0
    while True:
        try:
            with _OsmnxSession():
                return fetch()
        except (InputError, NetworkError):
            raise
        except requests.Timeout:
            raise NetworkError(
                f"could not download roads for {what}: no answer from the OSM service within "
                f"{settings.requests_timeout:g} s (routeplan.settings.requests_timeout)"
            ) from None
        except (_TransientError, requests.ConnectionError, requests.exceptions.ChunkedEncodingError,
                requests.exceptions.ContentDecodingError) as exc:
            if _name_not_resolved(exc):
                # no DNS: this machine is offline; waiting and retrying will not help
                host = getattr(getattr(exc, "request", None), "url", "") or ""
                host = host.split("/")[2] if host.count("/") >= 2 else "the OSM service"
                raise NetworkError(
                    f"could not download roads for {what}: cannot resolve {host} (no internet?); "
                    "connect once to fill the cache, or give [area] osm_file"
                ) from None
            if attempt >= retries:
                raise NetworkError(
                    f"could not download roads for {what}: {one_line(exc)} "
                    f"(gave up after {attempt + 1} attempt(s); try again later)"
                ) from None
            delay = backoff * 2 ** attempt
            retry_after = getattr(exc, "retry_after", None)
            if retry_after is not None:
                delay = min(max(delay, retry_after), backoff * 2 ** retries)
            attempt += 1
            log.warning("%s; retry %d of %d in %.1f s", one_line(exc), attempt, retries, delay)
            time.sleep(delay)
        except InsufficientResponseError as exc:
            if "0 results" in str(exc):
                raise InputError(f"place {what}: Nominatim does not know this place; check the spelling "
                                 "or give [area] osm_file / boundary / bbox instead") from None
            if "No data elements" in str(exc):
                raise InputError(f"{what}: no drivable roads (highway=primary/residential/track/...) "
                                 "in this area") from None
            raise NetworkError(f"could not download roads for {what}: {one_line(exc)}") from None
        except json.JSONDecodeError as exc:  # a broken osmnx HTTP-cache file (an interrupted earlier run)
            if purged or not _purge_broken_http_cache():
                raise NetworkError(f"could not download roads for {what}: {one_line(exc)}") from None
            purged = True
        except ValueError as exc:
            if "Found no graph nodes" in str(exc):
                raise InputError(f"{what}: no drivable roads (highway=primary/residential/track/...) "
                                 "in this area") from None
            raise NetworkError(f"could not download roads for {what}: {one_line(exc)}") from None
        except TypeError as exc:
            if "Polygon" in str(exc):  # osmnx: Nominatim found the place but only as a point or line
                raise InputError(f"place {what}: Nominatim has no boundary polygon for it; use [area] "
                                 "boundary / bbox instead") from None
            raise NetworkError(f"could not download roads for {what}: {one_line(exc)}") from None
        except Exception as exc:
            raise NetworkError(f"could not download roads for {what}: {one_line(exc)}") from None
