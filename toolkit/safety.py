"""Output safety: atomic writes, and text from submissions made inert for reports.

Every file the toolkit writes goes to a temporary file beside its target and is renamed
into place, so a crash or a full disk never leaves a half-written report behind.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
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
