"""Checks shared by the input readers: text without control characters, and an output path we can write.

Text from inputs (names, ids, desa, crews, types) ends up in GPX (XML), CSV, HTML and GeoPackage files.
C0/C1 control characters, DEL, lone surrogates and the non-characters U+FFFE/U+FFFF make XML invalid,
cut text at a NUL in C libraries, or break CSV rows and printed pages, so every text an input gives is
refused with a one-line :class:`~routeplan.errors.InputError` naming the file, the row and the field.
Tab and line breaks are refused too: no field of routeplan is multi-line.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Any

from routeplan.errors import InputError

#: C0 controls (with tab, CR and LF), DEL, C1 controls, lone surrogates, and U+FFFE/U+FFFF.
BAD_CHARS = "[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]"
_BAD_CHAR = re.compile(BAD_CHARS)


def bad_char(text: str) -> str | None:
    """A short description of the first character of ``text`` that no output may hold, or None."""
    m = _BAD_CHAR.search(text)
    if m is None:
        return None
    c = m.group()
    kind = "an invalid character" if ord(c) >= 0xD800 else "a control character"
    return f"{kind} (U+{ord(c):04X}) at position {m.start() + 1}"


def check_text(value: Any, where: str) -> None:
    """Raise InputError when ``value`` is a text with a control character; ``where`` names file and field."""
    if isinstance(value, str):
        found = bad_char(value)
        if found:
            raise InputError(f"{where} has {found}; remove it (line breaks, tabs and control codes "
                             "are not allowed in names, ids and other text)")


def check_tree(value: Any, where: str, path: str = "") -> None:
    """:func:`check_text` on every text (and key) in nested dicts and lists; the message names its path."""
    if isinstance(value, str):
        check_text(value, f"{where} {path or 'text'}")
    elif isinstance(value, dict):
        for k, v in value.items():
            sub = f"{path}.{k}" if path else str(k)
            check_text(k, f"{where} key {sub!r}")
            check_tree(v, where, sub)
    elif isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            check_tree(v, where, f"{path}[{i}]")


def check_output_path(out: str | Path, what: str = "--out") -> Path:
    """Refuse (InputError) an output path that cannot be written, before any work is done.

    The nearest existing folder on the way to ``out`` must be a folder (not a file) and must let us
    create entries: a throw-away folder is made and removed there, which also catches read-only
    file systems and folders that root may not write either (``/proc``, ``/sys``).
    """
    out = Path(out)
    probe = out.parent
    while not probe.exists() and not probe.is_symlink() and probe != probe.parent:
        probe = probe.parent
    if probe.exists() and not probe.is_dir():
        raise InputError(f"{what} {out}: {probe} is a file, not a folder; choose another output path")
    try:
        tmp = tempfile.mkdtemp(dir=probe, prefix=".routeplan-write-check-")
        os.rmdir(tmp)
    except OSError as exc:
        raise InputError(f"{what} {out}: cannot write in {probe} ({exc.strerror or type(exc).__name__}); "
                         "choose a folder you can write to") from None
    return out
