"""Output safety: atomic writes, and text from submissions made inert for reports.

Every file the toolkit writes goes to a temporary file beside its target and is renamed
into place, so a crash or a full disk never leaves a half-written report behind.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path


@contextlib.contextmanager
def atomic_write(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it over ``path`` on success."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    # the temporary name must fit the file system's 255 bytes even when the target's does
    short = target.name.encode("utf-8")[:120].decode("utf-8", "ignore")
    fd, name = tempfile.mkstemp(prefix=f".{short}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


# OWASP CSV injection: cells starting with these may be read as formulas by spreadsheets.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")


def csv_safe(value: object) -> object:
    """Make a text cell inert for CSV (OWASP): prefix a formula trigger with a quote.

    Numbers pass through unchanged, so a negative amount stays a number.
    """
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def refuse_inputs(inputs: Iterable[str | Path], outputs: dict[str, str | Path | None]) -> None:
    """Outputs never overwrite inputs, nor land among them (where the next run would read
    them as submissions). ``outputs`` maps each option (``-o``, ``--csv`` ...) to its path.

    Raises ``ValueError`` (message in Chinese, naming the option) for an output that is an
    input file, lies inside an input folder, or is a folder holding an input.
    """
    given = [Path(p).resolve() for p in inputs]
    files = {p for p in given if not p.is_dir()}
    folders = [p for p in given if p.is_dir()]
    for option, path in outputs.items():
        if path is None or str(path) == "-":
            continue
        out = Path(path).resolve()
        if out in files:
            raise ValueError(f"{option} {path} 是被检查的输入文件，输出不能覆盖输入")
        for folder in folders:
            if out == folder or folder in out.parents:
                raise ValueError(
                    f"{option} {path} 位于被检查的文件夹 {folder} 之内："
                    "下次检查时会被当作报送文件读入"
                )
        for f in files:
            if out in f.parents:
                raise ValueError(
                    f"{option} {path} 是输入文件 {f.name} 所在的文件夹，输出会混入报送文件"
                )
