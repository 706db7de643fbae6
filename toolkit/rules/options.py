"""How strict ``check`` is: every option has the default a finance office expects."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from toolkit import form
from toolkit.issues import Severity
from toolkit.rules.values import MAX_EXACT_FEN
from toolkit.text import squash

DEFAULT_MAX_AMOUNT_YUAN = Decimal(1_000_000_000)  # 10 亿元 a line: beyond it, a unit mix-up
DEFAULT_MAX_TEXT = 2000  # characters in one text cell before it is flagged as over-long


@dataclass(frozen=True)
class CheckOptions:
    units: tuple[str, ...] = form.ZHENGZHOU_UNITS
    stamp_mismatch: Severity = Severity.ERROR
    max_amount: Decimal = DEFAULT_MAX_AMOUNT_YUAN  # 元 per line
    max_text: int = DEFAULT_MAX_TEXT
    limits: Any = None  # toolkit.xlsx.limits.Limits, or None for its defaults
    jobs: int | None = 1  # worker processes; None: auto_jobs(number of files)
    year: int | None = None  # the budget year to total; None: the batch must hold one
    prefer: tuple[str, ...] = ()  # files that count when a unit sent several (resolved paths)

    @classmethod
    def make(
        cls,
        *,
        units: Iterable[str] | str | Path | None = None,
        stamp_mismatch: str | Severity = Severity.ERROR,
        max_amount: Any = DEFAULT_MAX_AMOUNT_YUAN,
        max_text: int = DEFAULT_MAX_TEXT,
        limits: Any = None,
        jobs: int | None = 1,
        year: int | None = None,
        prefer: Iterable[str | Path] = (),
    ) -> CheckOptions:
        """Options from friendly values: a unit list or unit file, "warning", 5e8 ..."""
        if units is None or isinstance(units, str | Path):
            unit_list = form.load_units(units)
        else:
            unit_list = tuple(squash(u) for u in units)
        cap = Decimal(str(max_amount))
        if not cap.is_finite() or cap <= 0 or cap * 100 > MAX_EXACT_FEN:
            raise ValueError(f"金额上限应为正数且不超过 {MAX_EXACT_FEN // 100:,} 元：{max_amount}")
        if jobs is not None and jobs < 1:
            raise ValueError(f"jobs 应为正整数：{jobs}")
        if year is not None and not 1900 <= int(year) <= 9999:
            raise ValueError(f"预算年度无效：{year}")
        return cls(
            units=tuple(squash(u) for u in unit_list),
            stamp_mismatch=Severity(stamp_mismatch),
            max_amount=cap,
            max_text=max_text,
            limits=limits,
            jobs=jobs,
            year=int(year) if year is not None else None,
            prefer=tuple(str(Path(p).resolve()) for p in prefer),
        )
