"""One family of atomic file writers (``routeplan._io``): a file is replaced whole or not at all."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from routeplan._io import atomic_file, write_bytes_atomic, write_text_atomic

ROOT = Path(__file__).resolve().parents[1]


def test_write_bytes_and_text(tmp_path: Path) -> None:
    write_bytes_atomic(tmp_path / "a" / "b.bin", b"\x00\x01")
    assert (tmp_path / "a" / "b.bin").read_bytes() == b"\x00\x01"
    write_text_atomic(tmp_path / "t.txt", "ä\r\nb\n")
    assert (tmp_path / "t.txt").read_bytes() == "ä\r\nb\n".encode()  # no newline translation
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "t.txt"]


def test_failed_write_keeps_previous_file_and_leaves_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "plot.png"
    target.write_bytes(b"previous")
    with pytest.raises(RuntimeError):
        with atomic_file(target, suffix=".png") as tmp:
            assert tmp.parent == tmp_path and tmp.suffix == ".png"
            tmp.write_bytes(b"half")
            raise RuntimeError("writer failed")
    assert target.read_bytes() == b"previous"
    assert [p.name for p in tmp_path.iterdir()] == ["plot.png"]
    with atomic_file(target, suffix=".png") as tmp:
        tmp.write_bytes(b"new")
    assert target.read_bytes() == b"new"
    assert [p.name for p in tmp_path.iterdir()] == ["plot.png"]


def test_failed_text_write_keeps_previous_file(tmp_path: Path) -> None:
    target = tmp_path / "x.txt"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(UnicodeEncodeError):
        write_text_atomic(target, "lone surrogate \udc80")
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["x.txt"]


def test_no_other_atomic_writer() -> None:
    """Temporary file + rename is written once, in routeplan/_io.py; other modules call it."""
    found = []
    for path in sorted((ROOT / "routeplan").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name):
                name = f"{node.func.value.id}.{node.func.attr}"
                if name in ("tempfile.mkstemp", "tempfile.NamedTemporaryFile", "os.replace", "os.rename"):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno} {name}")
    assert all(f.startswith("routeplan/_io.py:") for f in found), found


def test_sample_files_are_written_atomically(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The sample generator writes through the atomic writer: a failure leaves earlier files whole."""
    import routeplan.sample as sample

    calls = []
    real = sample.write_text_atomic

    def spy(path: Path, text: str) -> None:
        calls.append(Path(path).name)
        real(path, text)

    monkeypatch.setattr(sample, "write_text_atomic", spy)
    sample.generate_sample(tmp_path)
    assert set(calls) == set(sample.SAMPLE_FILES)


def test_outputs_get_the_mode_of_any_new_file(tmp_path):
    """mkstemp/mkdtemp make 0600/0700; routeplan's outputs follow the umask like any other new file or folder."""
    import os

    from routeplan._io import atomic_output_dir, write_text_atomic

    old = os.umask(0o022)
    try:
        write_text_atomic(tmp_path / "a.txt", "x")
        with atomic_output_dir(tmp_path / "out") as stage:
            (stage / "b.txt").write_text("y")
    finally:
        os.umask(old)
    assert (tmp_path / "a.txt").stat().st_mode & 0o777 == 0o644
    assert (tmp_path / "out").stat().st_mode & 0o777 == 0o755
