"""Scenario folders and plan folders on disk under the data folder: zip uploads, checksums, safe file paths."""

from __future__ import annotations

import hashlib
import io
import shutil
import stat
import tempfile
import zipfile
from pathlib import Path, PurePosixPath

from routeplan.errors import InputError
from routeplan.load.scenario import load_scenario
from routeplan.model.scenario import Scenario
from routeplan.render.write import scenario_inputs
from routeplan.serve.settings import ServeConfig


class TooLarge(InputError):
    """An upload above the configured size (HTTP 413)."""


def folder_checksum(folder: Path) -> str:
    """SHA-256 over the relative names and contents of every file of a folder, in name order."""
    h = hashlib.sha256()
    for p in sorted(q for q in folder.rglob("*") if q.is_file()):
        h.update(p.relative_to(folder).as_posix().encode("utf-8") + b"\0")
        h.update(hashlib.sha256(p.read_bytes()).digest())
    return h.hexdigest()


def _member_name(info: zipfile.ZipInfo) -> PurePosixPath | None:
    """The member's relative path, or an InputError for absolute paths, ``..`` parts and symbolic links."""
    name = info.filename.replace("\\", "/")
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or (path.parts and ":" in path.parts[0]):
        raise InputError(f"the zip holds {name!r}, a path outside its folder; zip the scenario folder itself")
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        raise InputError(f"the zip holds a symbolic link ({name!r}); zip real files only")
    if info.is_dir() or path.name.startswith("__MACOSX") or "__MACOSX" in path.parts:
        return None
    return path


def _scenario_root(names: list[PurePosixPath]) -> PurePosixPath:
    tomls = [n for n in names if n.name == "scenario.toml"] or [n for n in names if n.suffix == ".toml"]
    if len(tomls) != 1:
        raise InputError("the zip must hold exactly one scenario.toml (the scenario folder, zipped)")
    return tomls[0]


def unpack_zip(data: bytes, cfg: ServeConfig, into: Path) -> Path:
    """Check and unpack a zipped scenario folder into ``into``; returns the scenario file's path.

    Refused: not a zip (by content, not by name), more than ``max_zip_files`` files, more than
    ``max_unzipped_bytes`` unpacked, absolute or ``..`` paths, symbolic links.
    """
    if len(data) > cfg.max_upload_bytes:
        raise TooLarge(f"the upload is {len(data)} bytes, above the {cfg.max_upload_bytes}-byte limit")
    if not data.startswith(b"PK\x03\x04"):
        raise InputError("the upload is not a zip file; zip the scenario folder")
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise InputError(f"the upload is not a readable zip file ({exc})") from None
    with zf:
        infos = zf.infolist()
        if len(infos) > cfg.max_zip_files:
            raise InputError(f"the zip holds {len(infos)} entries, above the limit of {cfg.max_zip_files}")
        if sum(i.file_size for i in infos) > cfg.max_unzipped_bytes:
            raise TooLarge(f"the zip unpacks to more than {cfg.max_unzipped_bytes} bytes")
        members = [(i, n) for i in infos if (n := _member_name(i)) is not None]
        root = _scenario_root([n for _, n in members]).parent
        for info, name in members:
            try:
                rel = name.relative_to(root)
            except ValueError:
                continue  # outside the scenario's folder inside the zip
            target = into.joinpath(*rel.parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            with zf.open(info) as src, open(target, "wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
    return into / "scenario.toml" if (into / "scenario.toml").exists() else next(into.glob("*.toml"))


def validate_folder(scenario_file: Path) -> Scenario:
    """The library's validation of the scenario, plus: every file it reads lies inside its folder."""
    sc = load_scenario(scenario_file)
    folder = scenario_file.parent.resolve()
    for p in scenario_inputs(sc):
        if not Path(p).resolve().is_relative_to(folder):
            raise InputError(f"{scenario_file.name}: {Path(p).name} lies outside the scenario folder; "
                             "keep every file of the scenario in its folder")
    return sc


def staging_dir(cfg: ServeConfig) -> Path:
    cfg.scenarios_dir.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=".upload-", dir=cfg.scenarios_dir))


def safe_file(folder: Path, rel: str) -> Path | None:
    """``folder/rel`` when it is a regular file inside ``folder`` (no ``..``, no symbolic link out), else None."""
    if not rel or "\\" in rel or "\0" in rel:
        return None
    parts = PurePosixPath(rel).parts
    if PurePosixPath(rel).is_absolute() or ".." in parts or any(p.startswith(".") for p in parts):
        return None
    base = folder.resolve()
    target = folder.joinpath(*parts)
    try:
        resolved = target.resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    if not resolved.is_relative_to(base) or not resolved.is_file() or target.is_symlink():
        return None
    return resolved
