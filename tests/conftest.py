"""Shared fixtures: the built-in catalogue and a real LibreOffice to open and re-save files."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from toolkit.catalog import Catalog, load_catalog

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture(scope="session")
def soffice() -> str:
    """Path to LibreOffice's soffice; skips (saying why) only where it is not installed, and
    fails instead under ``BUDGET_TOOLKIT_REQUIRE_SOFFICE=1`` (``make test``, CI)."""
    path = shutil.which("soffice") or shutil.which("libreoffice")
    if not path:
        if os.environ.get("BUDGET_TOOLKIT_REQUIRE_SOFFICE") == "1":
            pytest.fail("LibreOffice (soffice) is required here but not installed")
        pytest.skip("LibreOffice (soffice) is not installed on this machine")
    return path


def libreoffice_convert(
    soffice: str, src: Path, outdir: Path, fmt: str = "xlsx", timeout: int = 180
) -> Path:
    """Open ``src`` in headless LibreOffice, recalculate and save it as ``fmt`` in ``outdir``.

    Each call gets its own user profile so parallel or repeated runs never share a lock.
    """
    outdir.mkdir(parents=True, exist_ok=True)
    profile = outdir / ".lo-profile"
    env = {**os.environ, "HOME": str(outdir)}
    cmd = [
        soffice,
        f"-env:UserInstallation=file://{profile}",
        "--headless",
        "--norestore",
        "--convert-to",
        fmt,
        "--outdir",
        str(outdir),
        str(src),
    ]
    subprocess.run(cmd, check=True, capture_output=True, timeout=timeout, env=env)
    out = outdir / (src.stem + "." + fmt.split(":")[0])
    if not out.exists():
        raise AssertionError(f"LibreOffice did not write {out}")
    return out


@pytest.fixture
def lo_convert(soffice: str):  # type: ignore[no-untyped-def]
    def convert(src: Path, outdir: Path, fmt: str = "xlsx") -> Path:
        return libreoffice_convert(soffice, src, outdir, fmt)

    return convert
