"""The safety limits a file is read under, and the ``FileProblem`` that refuses a file.

Every stage that touches a returned workbook's bytes (``container``, ``preflight``, the
package reader) raises a ``FileProblem`` when the file cannot be read at all; the rules
stage turns it into the file's one issue (file-unreadable, file-encrypted, file-format or
limit-exceeded). ``Deadline`` bounds the time spent on one file.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, fields, replace
from typing import Any

MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """Safety limits for one file; defaults let a real 200,000-row submission through.

    A 200,000-row x 13-column submission is about 40-60 MB of sheet XML and a few MB
    compressed, so the defaults leave wide headroom while keeping memory and time bounded.
    """

    max_file_bytes: int = 100 * MB  # the file on disk (compressed)
    max_uncompressed_bytes: int = 512 * MB  # all members, declared and actually inflated
    max_compression_ratio: float = 200.0  # per member, once it inflates past RATIO_FLOOR
    max_rows: int = 500_000  # <row> elements in any worksheet
    max_cells: int = 10_000_000  # cells in a worksheet, and the area they span
    max_seconds: float = 120.0  # wall time per file
    max_text_length: int = 32_767  # Excel's own cell maximum; longer text is an issue
    max_zip_members: int = 10_000  # a real workbook has a few dozen parts
    # merged ranges: openpyxl (the annotated copy) makes an object per merged cell, about
    # 25 s and 330 MB per million; a real form merges a title row and a few notes
    max_merged_cells: int = 100_000

    def __post_init__(self) -> None:
        for f in fields(self):
            if not getattr(self, f.name) > 0:
                raise ValueError(f"限值 {f.name} 必须为正数：{getattr(self, f.name)!r}")

    @classmethod
    def from_options(
        cls,
        *,
        max_file_mb: float | None = None,
        max_uncompressed_mb: float | None = None,
        max_compression_ratio: float | None = None,
        max_rows: int | None = None,
        max_cells: int | None = None,
        timeout: float | None = None,
        max_text_length: int | None = None,
        base: Limits | None = None,
    ) -> Limits:
        """Limits from CLI-style options (MB, seconds); ``None`` keeps the default."""
        changes: dict[str, Any] = {}
        if max_file_mb is not None:
            changes["max_file_bytes"] = int(max_file_mb * MB)
        if max_uncompressed_mb is not None:
            changes["max_uncompressed_bytes"] = int(max_uncompressed_mb * MB)
        if max_compression_ratio is not None:
            changes["max_compression_ratio"] = float(max_compression_ratio)
        if max_rows is not None:
            changes["max_rows"] = int(max_rows)
        if max_cells is not None:
            changes["max_cells"] = int(max_cells)
        if timeout is not None:
            changes["max_seconds"] = float(timeout)
        if max_text_length is not None:
            changes["max_text_length"] = int(max_text_length)
        return replace(base or cls(), **changes)

    def show(self, name: str) -> str:
        """A limit's value as a person reads it, e.g. ``512 MB`` or ``500,000 行``."""
        value = getattr(self, name)
        if name.endswith("_bytes"):
            return show_size(value)
        unit = {
            "max_compression_ratio": " 倍",
            "max_rows": " 行",
            "max_cells": " 个单元格",
            "max_seconds": " 秒",
            "max_text_length": " 个字符",
            "max_zip_members": " 个成员",
            "max_merged_cells": " 个单元格",
        }[name]
        return f"{value:,g}{unit}" if isinstance(value, float) else f"{value:,}{unit}"


DEFAULT_LIMITS = Limits()


class FileProblem(Exception):
    """Why a file cannot be read at all. ``kind`` is ``unreadable``, ``encrypted``,
    ``format`` (not an .xlsx workbook) or ``limit`` (a safety limit, named by ``limit``);
    ``detail`` says it in Chinese for the clerk."""

    def __init__(self, kind: str, detail: str = "", *, limit: str = "", sheet: str = "") -> None:
        super().__init__(detail or kind)
        self.kind = kind
        self.detail = detail
        self.limit = limit
        self.sheet = sheet


class LimitExceeded(FileProblem):
    """A safety limit was hit; the detail names it and its value."""

    def __init__(self, limit: str, found: str, limits: Limits, sheet: str = "") -> None:
        super().__init__("limit", _limit_detail(limit, found, limits), limit=limit, sheet=sheet)
        self.found = found
        self.limits = limits


class Deadline:
    """A cheap per-file wall-time guard: call ``check()`` between units of work."""

    def __init__(self, limits: Limits = DEFAULT_LIMITS) -> None:
        self.limits = limits
        self.started = time.monotonic()
        self.end = self.started + limits.max_seconds

    def expired(self) -> bool:
        return time.monotonic() > self.end

    def remaining(self) -> float:
        return max(0.0, self.end - time.monotonic())

    def check(self, doing: str = "处理") -> None:
        if time.monotonic() > self.end:
            spent = time.monotonic() - self.started
            raise LimitExceeded("max_seconds", f"{doing}用时 {spent:.1f} 秒", self.limits)


def _limit_detail(limit: str, found: str, limits: Limits) -> str:
    return f"{found}，超过上限 {limits.show(limit)}（{limit}）"


def show_size(n: float) -> str:
    if n >= 1024 * MB:
        return f"{n / (1024 * MB):,.1f} GB"
    if n >= MB:
        return f"{n / MB:,.0f} MB" if n % MB == 0 else f"{n / MB:,.1f} MB"
    return f"{n:,.0f} 字节"


def unreadable(detail: str) -> FileProblem:
    """The file is damaged or cannot be read (the detail says how, in Chinese)."""
    return FileProblem("unreadable", detail)


def wrong_format(detail: str) -> FileProblem:
    """The file is not an .xlsx workbook (the detail names what it is)."""
    return FileProblem("format", detail)
