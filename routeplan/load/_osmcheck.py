"""A bounded pre-scan of OSM XML files, before osmnx loads them whole.

osmnx parses an OSM XML file into memory in one go (``graph_from_xml``), so a small crafted file can
cost minutes and gigabytes: a 28 kB ``.osm.bz2`` holding one way with a million node references, a
few hundred kB that decompress to gigabytes, or one attribute of gigabytes. :func:`check_osm_xml`
streams the file once (decompressing ``.bz2``/``.gz`` in chunks) through expat and stops at the first
limit of :mod:`routeplan.settings` it exceeds, with a one-line :class:`~routeplan.errors.InputError`.
Memory stays bounded by the chunk size plus ``max_osm_token_bytes``.
"""

from __future__ import annotations

import bz2
import gzip
import io
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn
from xml.parsers import expat

from routeplan import settings
from routeplan._io import format_bytes
from routeplan.errors import InputError, one_line

#: Bytes decompressed and parsed per step; an unfinished token is measured after each step, so expat
#: never holds more than ``max_osm_token_bytes`` plus this much of it.
_CHUNK = 1 << 16


class _Stop(Exception):
    """Raised inside the expat handlers to stop parsing at the first exceeded limit."""


def _opener(path: Path) -> Callable[[Path], io.BufferedIOBase]:
    # the same rule as osmnx (_osm_xml._open_file) uses to pick the decompressor
    suffix = path.suffix.lower()
    if suffix == ".bz2":
        return lambda p: bz2.open(p, "rb")
    if suffix == ".gz":
        return lambda p: gzip.open(p, "rb")
    return lambda p: open(p, "rb")


def check_osm_xml(path: Path) -> dict[str, int]:
    """Stream an OSM XML file once and refuse it when it exceeds a limit in :mod:`routeplan.settings`.

    Limits: ``max_osm_decompressed_bytes`` (XML bytes after decompression), ``max_osm_token_bytes``
    (one tag, text run or comment), ``max_osm_nodes``, ``max_osm_ways``, ``max_way_nodes`` (node
    references of one way) and ``max_osm_elements`` (every XML element). A DOCTYPE is refused: OSM
    files have none, and it is the only way to declare entities.

    Parameters
    ----------
    path
        A ``.osm``/``.xml`` file, optionally ``.bz2`` or ``.gz`` compressed.

    Returns
    -------
    dict
        ``bytes``, ``nodes``, ``ways`` and ``elements`` counted.

    Raises
    ------
    InputError
        A limit is exceeded, or the file is not well-formed XML or not a valid compressed stream.
    """
    scan = _Scan(compressed=path.suffix.lower() in (".bz2", ".gz"))
    parser = expat.ParserCreate()
    parser.StartElementHandler = scan.start
    parser.EndElementHandler = scan.end
    parser.StartDoctypeDeclHandler = scan.doctype
    try:
        with _opener(path)(path) as fh:
            scan.feed(parser, fh)
    except _Stop:
        raise InputError(f"{path}: {scan.problem}") from None
    except expat.ExpatError as exc:
        raise InputError(f"{path}: cannot read OSM roads (not well-formed XML: {exc})") from None
    except (OSError, EOFError, zlib.error) as exc:  # a broken .bz2/.gz stream, or an unreadable file
        raise InputError(f"{path}: cannot read OSM roads ({one_line(exc)})") from None
    return scan.counts


class _Scan:
    """The expat handlers of :func:`check_osm_xml`: count what the stream holds, stop at the first limit."""

    def __init__(self, compressed: bool) -> None:
        self.compressed = compressed
        self.max_bytes = int(settings.max_osm_decompressed_bytes)
        self.max_token = int(settings.max_osm_token_bytes)
        self.max_nodes, self.max_ways = int(settings.max_osm_nodes), int(settings.max_osm_ways)
        self.max_refs, self.max_elements = int(settings.max_way_nodes), int(settings.max_osm_elements)
        self.counts = {"bytes": 0, "nodes": 0, "ways": 0, "elements": 0}
        self.way: dict[str, Any] = {"id": None, "refs": 0}
        self.problem = ""

    def stop(self, message: str) -> NoReturn:
        self.problem = message
        raise _Stop

    def start(self, name: str, attrs: dict[str, str]) -> None:
        counts, way = self.counts, self.way
        counts["elements"] += 1
        if counts["elements"] > self.max_elements:
            self.stop(f"more than {self.max_elements} elements (nodes, ways, node references, tags, members), "
                      "above the limit (routeplan.settings.max_osm_elements); cut the extract to the area you plan")
        if name == "nd":
            if way["id"] is not None:
                way["refs"] += 1
                if way["refs"] > self.max_refs:
                    self.stop(f"way {way['id']} has more than {self.max_refs} node references, above the limit "
                              "per way (routeplan.settings.max_way_nodes; OSM itself allows 2000); not a real OSM "
                              "extract")
        elif name == "node":
            counts["nodes"] += 1
            if counts["nodes"] > self.max_nodes:
                self.stop(f"more than {self.max_nodes} nodes, above the limit (routeplan.settings.max_osm_nodes); "
                          "cut the extract to the area you plan")
        elif name == "way":
            counts["ways"] += 1
            if counts["ways"] > self.max_ways:
                self.stop(f"more than {self.max_ways} ways, above the limit (routeplan.settings.max_osm_ways); "
                          "cut the extract to the area you plan")
            way["id"], way["refs"] = str(attrs.get("id", "?"))[:40], 0

    def end(self, name: str) -> None:
        if name == "way":
            self.way["id"] = None

    def doctype(self, *_args: Any) -> None:
        self.stop("OSM XML with a DOCTYPE (entity declarations) is refused; export the extract again")

    def feed(self, parser: expat.XMLParserType, fh: io.BufferedIOBase) -> None:
        """Parse ``fh`` chunk by chunk, checking the decompressed size and the unfinished token after each."""
        while True:
            # read at most one chunk past the cap: decompression never runs ahead of the count
            block = fh.read(_CHUNK)
            if not block:
                break
            self.counts["bytes"] += len(block)
            if self.counts["bytes"] > self.max_bytes:
                what = "decompresses to" if self.compressed else "holds"
                self.stop(f"{what} more than {format_bytes(self.max_bytes)} of XML, above the limit "
                          "(routeplan.settings.max_osm_decompressed_bytes); cut the extract to the area you plan")
            parser.Parse(block, False)
            # bytes expat holds for a token it has not finished (a tag, attribute, text or comment)
            pending = self.counts["bytes"] - parser.CurrentByteIndex
            if pending > self.max_token:
                self.stop(f"an XML token longer than {format_bytes(self.max_token)} near byte "
                          f"{parser.CurrentByteIndex}, above the limit (routeplan.settings.max_osm_token_bytes); "
                          "not a real OSM extract")
        parser.Parse(b"", True)
