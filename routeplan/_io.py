"""Atomic file and folder writes: a failed run never leaves a half-written output.

Output folders are replaced only when routeplan wrote them: every folder it writes holds a marker file
(:data:`MARKER`) that names the files it wrote, and :func:`check_output_dir` refuses any other non-empty
folder, a symbolic link, the working folder (or one above it) and a folder that holds an input of the run.
Staging and set-aside folders carry the host and process id of their writer in their names, so a later
run can remove those whose process died (:func:`clean_stale_outputs`).
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import re
import shutil
import socket
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path
from typing import Any

from routeplan import settings
from routeplan.errors import InputError

log = logging.getLogger(__name__)

#: The marker file routeplan writes into every output folder: JSON with ``tool``, ``version``, ``kind``
#: and ``files`` (every path it wrote there, relative, ``/``-separated).
MARKER = ".routeplan"
#: A marker larger than this is not one routeplan wrote.
_MAX_MARKER_BYTES = 50_000_000

@contextmanager
def atomic_file(path: Path, suffix: str = ".tmp") -> Iterator[Path]:
    """Yield a temporary file beside ``path``; when the block ends without error it replaces ``path``.

    Parameters
    ----------
    path
        The file to write (its folder is created if missing).
    suffix
        Suffix of the temporary file, for writers that choose a format by it (``.png``).

    On any exception (also Ctrl+C) the temporary file is removed and a previous ``path`` stays as it was.
    This is the project's one temporary-file-and-rename writer; :func:`write_bytes_atomic` and
    :func:`write_text_atomic` are built on it.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=suffix)
    os.close(fd)
    os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; outputs get the mode any new file would get
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file and an atomic rename."""
    with atomic_file(path) as tmp:
        tmp.write_bytes(data)


def write_text_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` as UTF-8 (line ends as given) through a temporary file and an atomic rename."""
    write_bytes_atomic(path, text.encode("utf-8"))


def write_json_atomic(path: Path, data: Any) -> None:
    """Write JSON deterministically (sorted keys are not used: field order is part of the format)."""
    write_text_atomic(path, json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def _host_tag() -> str:
    """Eight hex digits naming this machine in staging-folder names (for folders on shared disks)."""
    return hashlib.sha256(socket.gethostname().encode("utf-8", "surrogatepass")).hexdigest()[:8]


def _alive(pid: int) -> bool:
    """Whether process ``pid`` of this machine may still run (unknown counts as alive)."""
    if pid == os.getpid():
        return True
    if os.name == "nt":  # os.kill would end the process there; never clean up on Windows
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # PermissionError: another user's live process
        return True
    return True


_STAGING_TAIL = re.compile(r"([0-9a-f]{8})-(\d+)-[a-z0-9_]+")
_OLD_TAIL = re.compile(r"([0-9a-f]{8})-(\d+)")


def clean_stale_outputs(out: str | Path) -> None:
    """Remove the staging and set-aside folders of ``out`` left by routeplan processes that died.

    A run that was killed (``kill -9``, power loss) can leave ``.NAME.staging-HOST-PID-XXXX`` (a
    half-written output) and, in the instant of the swap, ``.NAME.old-HOST-PID`` (the previous output,
    set aside) next to ``out``. Folders of this machine whose process no longer runs are removed; a
    set-aside folder is moved back to ``out`` when ``out`` is missing. Folders of live processes, of other
    machines and of older routeplan versions are left alone.
    """
    target = output_target(out)
    parent, name, host = target.parent, target.name, _host_tag()
    try:
        entries = list(parent.iterdir())
    except OSError:
        return
    stale_old: list[Path] = []
    for entry in entries:
        for prefix, tail in ((f".{name}.staging-", _STAGING_TAIL), (f".{name}.old-", _OLD_TAIL)):
            if not entry.name.startswith(prefix):
                continue
            m = tail.fullmatch(entry.name[len(prefix):])
            if not m or m.group(1) != host or _alive(int(m.group(2))):
                continue
            if entry.is_symlink() or not entry.is_dir():
                continue
            if tail is _OLD_TAIL:
                stale_old.append(entry)
            else:
                log.info("removing %s, left by process %s that ended while writing", entry, m.group(2))
                shutil.rmtree(entry, ignore_errors=True)

    def changed(p: Path) -> float:
        try:
            return p.stat().st_ctime
        except OSError:
            return 0.0

    stale_old.sort(key=changed, reverse=True)  # the newest set-aside folder is the one to put back
    for entry in stale_old:
        try:
            if not os.path.lexists(target):
                os.replace(entry, target)  # the previous output, set aside when its writer died: put it back
                log.info("restored %s from %s", target, entry)
                continue
        except OSError:
            pass
        shutil.rmtree(entry, ignore_errors=True)


def output_target(out: str | Path) -> Path:
    """``out`` as an absolute path whose folder is resolved; the last part is kept, so a link stays visible."""
    p = Path(os.path.abspath(os.fspath(out)))
    if p.name == "":
        raise InputError(f"{out}: is the root folder; give --out a folder of its own, such as out/plan")
    return p.parent.resolve() / p.name


def _within(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _refuse_inputs(out: str | Path, target: Path, inputs: Iterable[str | Path | None]) -> None:
    real = target.resolve()
    for inp in inputs:
        if inp is None:
            continue
        given = Path(os.path.abspath(os.fspath(inp)))
        for path in {given, given.resolve()}:
            if _within(path, target) or _within(path, real):
                raise InputError(
                    f"{out}: holds {inp}, an input of this run, and would be replaced; choose another --out")


def _listing(folder: Path) -> list[str]:
    """Every file, folder and link under ``folder`` (links not followed), relative and ``/``-separated,
    without the folder's own marker."""
    found = []
    for dirpath, dirnames, filenames in os.walk(folder):
        rel = Path(dirpath).relative_to(folder)
        for n in dirnames + filenames:
            found.append((rel / n).as_posix())
    return sorted(f for f in found if f != MARKER)


def read_marker(folder: str | Path) -> dict[str, Any] | None:
    """The marker of an output folder routeplan wrote, or ``None`` if it has none (or a broken one)."""
    m = Path(folder) / MARKER
    try:
        if m.is_symlink() or not m.is_file() or m.stat().st_size > _MAX_MARKER_BYTES:
            return None
        data = json.loads(m.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("tool") != "routeplan" or not isinstance(data.get("files"), list):
        return None
    return data


@functools.cache
def _routeplan_version() -> str:
    """``routeplan.__version__``, read the same way: this module cannot import the package's ``__init__``,
    which imports the API, which imports this module."""
    try:
        return metadata.version("routeplan")
    except metadata.PackageNotFoundError:  # a source tree without install
        return "0.0.0"


def write_marker(folder: str | Path, kind: str, files: Iterable[str] | None = None) -> None:
    """Mark ``folder`` as written by routeplan, naming ``files`` (default: everything in it now)."""
    folder = Path(folder)
    names = sorted(set(files)) if files is not None else _listing(folder)
    write_json_atomic(folder / MARKER, {"tool": "routeplan", "version": _routeplan_version(), "kind": kind, "files": names})


def _check_replaceable(out: str | Path, target: Path) -> None:
    """Refuse to replace ``target`` unless it is empty or holds only what routeplan wrote there."""
    marker = read_marker(target)
    if marker is None:
        try:
            empty = next(os.scandir(target), None) is None
        except OSError as exc:
            raise InputError(f"{out}: cannot read this folder ({exc.strerror}); choose another --out") from None
        if empty:
            return
        if (target / "plan.json").is_file():
            raise InputError(
                f"{out}: looks like a plan folder of an older routeplan (no {MARKER} marker); delete it by hand "
                "if you no longer need it, or choose another --out")
        raise InputError(
            f"{out}: folder is not empty and was not written by routeplan (no {MARKER} marker); "
            "choose a new or empty folder for --out")
    extra = _foreign(target, marker)
    if extra is not None:
        raise InputError(
            f"{out}: holds {extra!r}, which routeplan did not write; move it away or choose another --out")


def _foreign(folder: Path, marker: dict[str, Any]) -> str | None:
    """The first path under ``folder`` that its marker does not name, or ``None``.

    A sub-folder with a marker of its own (a week of ``--weeks``, briefings redone by ``routeplan brief``)
    is checked against that marker instead, since it may have been rewritten since.
    """
    ours = {str(f) for f in marker["files"]}
    for dirpath, dirnames, filenames in os.walk(folder):
        here = Path(dirpath)
        rel = here.relative_to(folder)
        keep = []
        for d in sorted(dirnames):
            name = (rel / d).as_posix()
            inner = None if (here / d).is_symlink() else read_marker(here / d)
            if inner is not None:
                bad = _foreign(here / d, inner)
                if bad is not None:
                    return f"{name}/{bad}"
            elif name not in ours:
                return name
            else:
                keep.append(d)
        dirnames[:] = keep
        for f in sorted(filenames):
            name = (rel / f).as_posix()
            if name not in ours and name != MARKER:
                return name
    return None


def _check_place(out: str | Path, target: Path) -> None:
    """The nearest existing folder above ``target`` must be a folder this user can write in."""
    above = target.parent
    while not above.exists() and above != above.parent:
        above = above.parent
    if not above.is_dir():
        raise InputError(f"{out}: cannot be created, {above} is a file; choose another --out")
    if not os.access(above, os.W_OK | os.X_OK):
        raise InputError(f"{out}: no permission to write in {above}; choose another --out")


def check_output_dir(out: str | Path, inputs: Iterable[str | Path | None] = ()) -> Path:
    """Check that routeplan may replace the output folder ``out`` as a whole; return its full path.

    ``out`` may be missing, empty, or a folder routeplan wrote (its marker names every file in it).
    Refused with an :class:`InputError`: a symbolic link, a file, the working folder or a folder above
    it, a folder that is or holds one of ``inputs``, and any other non-empty folder (for example one
    holding a file the user added, or a plan folder of a version without the marker).
    """
    target = output_target(out)
    if target.is_symlink():
        raise InputError(f"{out}: is a symbolic link; give a real folder (not a link) as --out")
    if target.exists() and not target.is_dir():
        raise InputError(f"{out}: exists and is not a folder; choose another --out")
    if _within(Path.cwd().resolve(), target):
        raise InputError(f"{out}: is the working folder or holds it; give --out a folder of its own, such as out/plan")
    _refuse_inputs(out, target, inputs)
    _check_place(out, target)
    if target.is_dir():
        _check_replaceable(out, target)
    return target


def prepare_output_dir(out: str | Path, inputs: Iterable[str | Path | None] = ()) -> Path:
    """Clean up after dead runs (:func:`clean_stale_outputs`), then :func:`check_output_dir`."""
    clean_stale_outputs(out)
    return check_output_dir(out, inputs)


def check_output_file(out: str | Path, inputs: Iterable[str | Path | None] = (), force: bool = False) -> Path:
    """Check that routeplan may write the single output file ``out``; return its full path.

    An existing file is replaced only with ``force`` (it may hold the user's edits); a link, a folder and
    an input of the run are never replaced.
    """
    target = output_target(out)
    if target.is_symlink():
        raise InputError(f"{out}: is a symbolic link; give a real file name as --out")
    if target.is_dir():
        raise InputError(f"{out}: is a folder; give a file name, such as {Path(out) / 'vital_objects.geojson'}")
    for inp in inputs:
        if inp is not None and target.exists() and target.resolve() == Path(inp).resolve():
            raise InputError(f"{out}: is an input of this run; choose another --out")
    if target.exists() and not force:
        raise InputError(f"{out}: file exists and may hold your edits; give --force to replace it, or another --out")
    _check_place(out, target)
    return target


def _umask() -> int:
    """The process umask (read once: setting it back at once is the only way to read it)."""
    if not _UMASK:
        mask = os.umask(0o22)
        os.umask(mask)
        _UMASK.append(mask)
    return _UMASK[0]


_UMASK: list[int] = []


@contextmanager
def atomic_output_dir(out: Path, kind: str = "output", inputs: Iterable[str | Path | None] = ()) -> Iterator[Path]:
    """Yield a staging folder next to ``out``; on success it replaces ``out`` as a whole.

    ``out`` is checked first (:func:`prepare_output_dir`): only a missing or empty folder, or one that
    routeplan wrote, is replaced; the new folder gets a marker of ``kind`` naming its files. On any
    exception (also Ctrl+C) the staging folder is removed and a previous ``out`` stays untouched.
    """
    target = prepare_output_dir(out, inputs)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        stage = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.staging-{_host_tag()}-{os.getpid()}-"))
        stage.chmod(0o777 & ~_umask())  # mkdtemp makes 0700; a plan folder is as readable as any new folder
    except OSError as exc:
        raise InputError(f"{out}: cannot create the folder here ({exc.strerror}); choose another --out") from None
    try:
        yield stage
        write_marker(stage, kind)
        if target.is_dir():
            _check_replaceable(out, target)  # again: the folder may have changed while the outputs were made
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    old = None
    try:
        if target.exists():
            old = target.parent / f".{target.name}.old-{_host_tag()}-{os.getpid()}"
            if old.exists():
                shutil.rmtree(old)
            os.replace(target, old)
        os.replace(stage, target)
    except BaseException:
        if old is not None and old.exists() and not os.path.lexists(target):
            os.replace(old, target)  # put the previous folder back
        shutil.rmtree(stage, ignore_errors=True)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def safe_filename(name: str) -> str:
    """Turn an id into a file name that cannot escape its folder (``../../x`` -> ``x``)."""
    keep = "".join(c if (c.isalnum() or c in "-_.") else "_" for c in str(name))
    keep = keep.strip("._") or "x"
    return keep[:80]


#: Longest file-name stem in UTF-8 bytes: file systems allow 255 bytes per name, and room is left for the
#: extension and the affixes of temporary files.
MAX_STEM_BYTES = 150


def _cut(text: str, max_bytes: int) -> str:
    return text.encode("utf-8")[:max_bytes].decode("utf-8", errors="ignore")


def file_stem(*parts: Any) -> str:
    """A file-name stem from ids: ``part_part_...``, each part through :func:`safe_filename`.

    When cleaning changed any part (``R2/1`` -> ``R2_1``, an emoji -> ``x``) or the stem would be too
    long, eight hex digits of a hash of the raw parts are appended (``R2_1-3f2a9c0d``), so ids that
    differ only in replaced characters get different names while plain ids keep their plain name.
    """
    raw = [str(p) for p in parts]
    clean = [safe_filename(p) for p in raw]
    stem = "_".join(clean)
    if clean != raw or len(stem.encode("utf-8")) > MAX_STEM_BYTES:
        digest = hashlib.sha256("\x00".join(raw).encode("utf-8", "surrogatepass")).hexdigest()[:8]
        stem = f"{_cut(stem, MAX_STEM_BYTES - 9)}-{digest}"
    return stem


def unique_file_stems(keys: Iterable[Sequence[Any]]) -> list[str]:
    """:func:`file_stem` of every key, made unique (also ignoring case): a repeat gets ``-2``, ``-3``, ..."""
    stems: list[str] = []
    seen: set[str] = set()
    for key in keys:
        stem = base = file_stem(*key)
        n = 1
        while stem.casefold() in seen:
            n += 1
            stem = f"{base}-{n}"
        seen.add(stem.casefold())
        stems.append(stem)
    return stems


def format_bytes(n: float) -> str:
    """A byte count in binary units, as the docs state limits: ``200 MiB``, ``1 GiB``, ``1.5 GiB``."""
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= size:
            return f"{n / size:.1f}".removesuffix(".0") + f" {unit}"
    return f"{int(n)} bytes"


def check_input_file(path: Path, what: str, max_bytes: int | None = None) -> Path:
    """Check that an input file exists, is not empty and is not too large to read."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: {what} file not found")
    if path.is_dir():
        raise InputError(f"{path}: {what} is a folder, expected a file")
    size = path.stat().st_size
    if size == 0:
        raise InputError(f"{path}: {what} file is empty")
    limit = settings.max_input_bytes if max_bytes is None else max_bytes
    if size > limit:
        shown = format_bytes(size)
        if shown == format_bytes(limit):  # just above the limit: "200 MiB, above the 200 MiB limit" says nothing
            shown = f"{size} bytes"
        raise InputError(
            f"{path}: {what} file is {shown}, above the {format_bytes(limit)} limit; "
            "cut it to the area you plan"
        )
    return path


def read_text(path: Path, what: str) -> str:
    """Read a UTF-8 text input, with a clear error for other encodings."""
    path = check_input_file(path, what)
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{path}: {what} is not UTF-8 text (byte {exc.start}); save it as UTF-8"
        ) from None


@contextmanager
def atomic_new_dir(folder: str | Path) -> Iterator[Path]:
    """Yield a staging folder beside ``folder``; on success it becomes ``folder``, which must be missing or empty.

    For folders the user owns afterwards (``routeplan init``): no marker is written, so no later run
    replaces them. A folder with anything in it, a file or a link is refused with an :class:`InputError`
    before anything is written; on any exception the staging folder is removed.
    """
    target = Path(os.path.abspath(folder))
    if target.is_symlink():
        raise InputError(f"{folder}: is a symbolic link; give a new folder")
    if target.exists() and not target.is_dir():
        raise InputError(f"{folder}: exists and is not a folder; give a new folder")
    if target.is_dir() and any(target.iterdir()):
        raise InputError(f"{folder}: folder is not empty; give a new or empty folder (nothing was changed)")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        stage = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.staging-{_host_tag()}-{os.getpid()}-"))
        stage.chmod(0o777 & ~_umask())  # mkdtemp makes 0700; a plan folder is as readable as any new folder
    except OSError as exc:
        raise InputError(f"{folder}: cannot create the folder here ({exc.strerror})") from None
    try:
        yield stage
        os.replace(stage, target)  # an empty folder is replaced whole; one filled meanwhile is not (OSError)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
