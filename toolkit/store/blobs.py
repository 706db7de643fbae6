"""Originals, content-addressed: ``originals/ab/<sha256>`` under the data folder.

A file is named only by the SHA-256 of its bytes (never by the name it was sent under),
written to a temporary file in the same file system, flushed to disk, made read-only and
renamed into place, so it is either there whole or not at all. An existing original is
never rewritten unless its bytes no longer match its name.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from toolkit.store.errors import IntegrityProblem

CHUNK = 1 << 20
STALE_TMP_SECONDS = 24 * 3600


def sha256_file(path: Path) -> tuple[str, int]:
    """(hex SHA-256, size in bytes) of a file, read in chunks."""
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def copy_hashed(src: Path, dst: Path) -> tuple[str, int]:
    """Copy ``src`` to the new file ``dst`` and hash the very bytes copied."""
    digest = hashlib.sha256()
    size = 0
    with open(src, "rb") as fin, open(dst, "xb") as fout:
        while chunk := fin.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
            fout.write(chunk)
    return digest.hexdigest(), size


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class BlobStore:
    """The ``originals/`` and ``tmp/`` folders of a data folder."""

    def __init__(self, data_dir: Path) -> None:
        self.root = data_dir / "originals"
        self.tmp = data_dir / "tmp"

    def path(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise ValueError(f"not a SHA-256: {sha256!r}")
        return self.root / sha256[:2] / sha256

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    @contextlib.contextmanager
    def scratch(self) -> Iterator[Path]:
        """A private temporary folder in the data folder (same file system as originals)."""
        self.tmp.mkdir(parents=True, exist_ok=True)
        folder = Path(tempfile.mkdtemp(prefix="in-", dir=self.tmp))
        try:
            yield folder
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def adopt(self, staged: Path, sha256: str) -> Path:
        """Move a fully written file (whose hash is ``sha256``) into place as the original.

        The caller must not use ``staged`` afterwards. If the original exists and is
        intact, ``staged`` is dropped instead.
        """
        target = self.path(sha256)
        if target.is_file() and sha256_file(target)[0] == sha256:
            staged.unlink(missing_ok=True)
            return target
        with open(staged, "rb") as f:
            os.fsync(f.fileno())
        os.chmod(staged, 0o444)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staged, target)
        _fsync_dir(target.parent)
        return target

    def verified(self, sha256: str) -> Path:
        """The original's path after checking its bytes still hash to its name."""
        target = self.path(sha256)
        if not target.is_file():
            raise IntegrityProblem("original-missing", f"原件缺失：{target}")
        found, _ = sha256_file(target)
        if found != sha256:
            raise IntegrityProblem("original-corrupt", f"原件已损坏（SHA-256 不符）：{target}")
        return target

    def clean_stale(self, older_than: float = STALE_TMP_SECONDS) -> int:
        """Remove scratch folders left by killed processes; returns how many."""
        if not self.tmp.is_dir():
            return 0
        cutoff = time.time() - older_than
        removed = 0
        for entry in self.tmp.iterdir():
            with contextlib.suppress(OSError):
                if entry.stat().st_mtime < cutoff:
                    shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
                    removed += 1
        return removed
