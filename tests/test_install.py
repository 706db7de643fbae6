"""The toolkit works from a non-editable install, run from another directory."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def installed_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build a wheel of the repo and install it (not editable) into a private directory."""
    work = tmp_path_factory.mktemp("install")
    wheels = work / "wheels"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(wheels),
            str(REPO),
        ],
        check=True,
        capture_output=True,
        cwd=work,
    )
    (wheel,) = wheels.glob("budget_toolkit-*.whl")
    site = work / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "-q",
            "--target",
            str(site),
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    return site


def run_installed(site: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(site)}
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )


@pytest.mark.slow
def test_non_editable_install_finds_package_data(installed_site: Path, tmp_path: Path) -> None:
    code = (
        "import toolkit, toolkit.catalog as c;"
        "cat = toolkit.load_catalog();"
        "print(toolkit.__file__);"
        "print(len(cat), len(cat.leaves), c.load_schema()['$schema'])"
    )
    proc = run_installed(installed_site, tmp_path, "-c", code)
    assert proc.returncode == 0, proc.stderr
    where, counts = proc.stdout.strip().splitlines()
    assert Path(where).is_relative_to(installed_site), where
    assert counts == "88 72 https://json-schema.org/draft/2020-12/schema"


@pytest.mark.slow
def test_non_editable_cli(installed_site: Path, tmp_path: Path) -> None:
    proc = run_installed(installed_site, tmp_path, "-m", "toolkit", "catalog", "check")
    assert proc.returncode == 0, proc.stderr
    assert "3/13/72" in proc.stdout
    assert (installed_site / "bin" / "budget-toolkit").exists()
