"""The migrations ship in the wheel, and a data folder is created from a non-editable install."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_wheel_carries_the_migrations_and_they_run(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(wheels), str(REPO)],
        check=True, capture_output=True, cwd=tmp_path,
    )  # fmt: skip
    (wheel,) = wheels.glob("budget_toolkit-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = REPO / "toolkit" / "store" / "migrations"
    for path in [*shipped.glob("*.py"), *shipped.glob("versions/*.py"), shipped / "script.py.mako"]:
        assert path.relative_to(REPO).as_posix() in names, path
    site = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(site),
         str(wheel)],
        check=True, capture_output=True,
    )  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(site)}
    argv = [sys.executable, "-m", "toolkit", "round", "create", "--data", "数据", "--year", "2027",
            "--format", "json"]  # fmt: skip
    proc = subprocess.run(argv, cwd=tmp_path, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["year"] == 2027
    where = subprocess.run(
        [sys.executable, "-c", "import toolkit.store.db as d; print(d.MIGRATIONS)"],
        cwd=tmp_path, env=env, capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    assert Path(where).is_relative_to(site)
