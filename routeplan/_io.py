"""Atomic file and folder writes: a failed run never leaves a half-written output."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from routeplan.errors import InputError
from routeplan import settings
def write_text_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and an atomic rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json_atomic(path: Path, data: Any) -> None:
    """Write JSON deterministically (sorted keys are not used: field order is part of the format)."""
    write_text_atomic(path, json.dumps(data, ensure_ascii=False, indent=2) + "\n")


@contextmanager
def atomic_output_dir(out: Path) -> Iterator[Path]:
    """Yield a staging folder next to ``out``; on success it replaces ``out`` as a whole.

    On any exception the staging folder is removed and a previous ``out`` stays untouched.
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise InputError(f"{out}: exists and is not a folder; choose another --out")
    out.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.staging-"))
    try:
        yield stage
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    old = None
    if out.exists():
        old = out.parent / f".{out.name}.old-{os.getpid()}"
        os.replace(out, old)
    os.replace(stage, out)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def safe_filename(name: str) -> str:
    """Turn an id into a file name that cannot escape its folder (``../../x`` -> ``x``)."""
    keep = "".join(c if (c.isalnum() or c in "-_.") else "_" for c in str(name))
    keep = keep.strip("._") or "x"
    return keep[:80]


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
        raise InputError(
            f"{path}: {what} file is {size / 1e6:.0f} MB, above the {limit / 1e6:.0f} MB limit; "
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
