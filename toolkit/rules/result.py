"""What checking a batch of workbooks produces: per-file results and row tables.

``toolkit.check`` fills a ``CheckResult``; ``toolkit.totals.rollup`` and the reports read it.
Amounts are integer fen from the moment they are read; nothing here holds a float.
"""

from __future__ import annotations

import pickle
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from itertools import chain
from typing import TYPE_CHECKING, Any, overload

from toolkit.issues import Issue

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from toolkit.catalog import Catalog

# Columns of CheckResult.all_rows (and so of .rows and .rejected), in order.
ROW_COLUMNS = (
    "file",  # path as given / found
    "sheet",
    "row",  # 1-based Excel row
    "unit",  # 填报单位 of the file
    "year",  # budget year (stamp, else title), or None
    "seq",  # 序号 as entered
    "project",  # 项目名称
    "code",  # normalised leaf code, or None when it could not be resolved
    "level1",  # level-1 code derived from the catalogue (never from the sheet's cached values)
    "level2",  # level-2 code
    "content",  # 购买内容
    "provider",  # 承接主体
    "provider_type",  # 承接主体类型
    "method",  # 购买方式
    "funding",  # 资金来源
    "amount_fen",  # integer fen (pandas Int64: <NA> when it is not a whole number of fen)
    "target",  # 绩效目标
    "note",  # 备注
    "amount_cell",  # A1 of the amount cell
    "amount_read",  # the amount as read, in 元 (Decimal, any precision; None: not a number)
    "hidden",  # bool: the row is hidden or filtered out (counted, but not on the print)
    "accepted",  # bool: no error on this row and its file counts
    "reasons",  # ";"-joined rule ids that rejected the row ("" when accepted)
)
FILE_STATUSES = ("ok", "errors", "unreadable")
# Columns a batch's totals and the check's outputs do not read once the workers have
# summed the rows (``Rows.memo``): the free text that only the detail tables and the
# DataFrame show, and the amounts as read (Decimals: slow to unpickle), which only those
# tables and a file's sums made again here ask for (see Rows.__reduce__).
DEFERRED = frozenset(
    ("seq", "project", "content", "provider", "provider_type", "method", "funding", "target",
     "note", "amount_read")
)  # fmt: skip


class Rows(Sequence[tuple[Any, ...]]):
    """One file's line items as ``ROW_COLUMNS`` columns (a 200,000-row table holds no
    tuple per row): a list per column, one value for a column the same on every row
    (``fixed``: the file, its unit ...), and the amount cells' A1 made from the rows
    when asked (``amount_letter``). Reads as a sequence of ``ROW_COLUMNS`` tuples."""

    __slots__ = ("_fixed", "_letter", "_lists", "_packed", "memo", "n")

    def __init__(
        self,
        columns: dict[str, list[Any]] | None = None,
        *,
        fixed: dict[str, Any] | None = None,
        amount_letter: str | None = None,
    ) -> None:
        given, self._fixed, self._letter = columns or {}, dict(fixed or {}), amount_letter
        self._lists = {  # lists are taken as they are (the caller hands them over)
            c: v if type(v) is list else list(v)
            for c in ROW_COLUMNS
            if c not in self._fixed and not (c == "amount_cell" and amount_letter)
            for v in [given.get(c, ())]
        }
        self._packed: bytes | None = None
        # What later stages worked out from these rows (their sums), kept with them: a
        # worker process can fill it before the rows travel; ``reject`` empties it.
        self.memo: dict[str, Any] = {}
        self.n = len(self._lists["row"])
        if any(len(v) != self.n for v in self._lists.values()):
            raise ValueError("row columns of different lengths")

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled with the ``DEFERRED`` columns as one inner pickle, unpacked when one of
        them is first asked for: a batch's rows come back from the worker processes, and
        the totals and the check's outputs do not read those columns."""
        lists = dict(self._lists)
        deferred = {c: lists.pop(c) for c in DEFERRED if c in lists}
        packed = self._packed
        if deferred:
            packed = pickle.dumps((packed, deferred), protocol=pickle.HIGHEST_PROTOCOL)
        state = (lists, self._fixed, self._letter, packed, self.memo, self.n)
        return (_unpickle_rows, state)

    def _unpack(self) -> None:
        while self._packed is not None:
            self._packed, deferred = pickle.loads(self._packed)
            self._lists.update(deferred)

    def column(self, name: str) -> list[Any]:
        """One column as a list (the caller's to keep: a fixed or made column is new)."""
        if self._packed is not None and name in DEFERRED:
            self._unpack()
        if name in self._lists:
            return self._lists[name]
        if name in self._fixed:
            return [self._fixed[name]] * self.n
        return [f"{self._letter}{r}" for r in self._lists["row"]]

    def fixed(self, name: str) -> tuple[Any, ...]:
        """``(value,)`` when ``name`` holds one value on every row, else ``()``."""
        return (self._fixed[name],) if name in self._fixed else ()

    def _value(self, name: str, k: int) -> Any:
        if self._packed is not None and name in DEFERRED:
            self._unpack()
        if name in self._lists:
            return self._lists[name][k]
        if name in self._fixed:
            return self._fixed[name]
        return f"{self._letter}{self._lists['row'][k]}"

    def __len__(self) -> int:
        return self.n

    @overload
    def __getitem__(self, k: int) -> tuple[Any, ...]: ...
    @overload
    def __getitem__(self, k: slice) -> list[tuple[Any, ...]]: ...
    def __getitem__(self, k: int | slice) -> Any:
        if isinstance(k, slice):
            return list(self)[k]
        if not -self.n <= k < self.n:
            raise IndexError(k)
        return tuple(self._value(c, k % self.n) for c in ROW_COLUMNS)

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        return zip(*(self.column(c) for c in ROW_COLUMNS), strict=True)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Rows({self.n} rows)"

    def reject(self, rule: str) -> None:
        """Every row rejected by a file-level ``rule`` (named first among its reasons)."""
        reasons = self.column("reasons")
        for k, why in enumerate(reasons):
            ids = [x for x in why.split(";") if x]
            reasons[k] = ";".join(ids if rule in ids else [rule, *ids])
        self._lists["reasons"] = reasons
        self._fixed.pop("reasons", None)
        self._lists["accepted"] = [False] * self.n
        self._fixed.pop("accepted", None)
        self.memo.clear()


def _unpickle_rows(
    lists: dict[str, list[Any]],
    fixed: dict[str, Any],
    letter: str | None,
    packed: bytes | None,
    memo: dict[str, Any],
    n: int,
) -> Rows:
    rows = Rows.__new__(Rows)
    rows._lists, rows._fixed, rows._letter, rows._packed = lists, fixed, letter, packed
    rows.memo, rows.n = memo, n
    return rows


@dataclass
class FileResult:
    """One workbook's outcome. ``counts`` is False when a newer file for its unit replaced it."""

    path: str
    status: str = "ok"  # one of FILE_STATUSES
    unit: str | None = None
    year: int | None = None
    template_version: str | None = None
    catalog_id: str | None = None
    catalog_version: str | None = None
    catalog_sha256: str | None = None
    generated_at: str | None = None
    round_id: str | None = None  # the stamp's reporting round, when the template had one
    signature: dict[str, str] = field(default_factory=dict)  # 填报人, 联系电话 ... as typed
    content_hash: str = ""  # what the form says (toolkit.read.submission.content_hash)
    mtime_ns: int = 0  # the file's modification time, as evidence between resubmissions
    amount_unit: str = "元"
    rows_read: int = 0
    amount_read_fen: int = 0
    counts: bool = True
    issues: list[Issue] = field(default_factory=list)

    @property
    def errors(self) -> int:
        return sum(1 for i in self.issues if i.is_error)

    @property
    def warnings(self) -> int:
        return len(self.issues) - self.errors


_TYPED = {"row": "int64", "year": "Int64", "amount_fen": "Int64", "hidden": bool, "accepted": bool}


def rows_frame(parts: Sequence[Rows]) -> pd.DataFrame:
    """The files' rows, in order -> DataFrame (amount_fen Int64, row int64, year Int64,
    flags bool, amount_read object), built a column at a time, typed as it is made."""
    import pandas as pd

    if not sum(len(p) for p in parts):  # the dtypes the records of no rows give, then typed
        frame = pd.DataFrame.from_records([], columns=list(ROW_COLUMNS))
        return frame.astype({**_TYPED, "amount_read": object})
    data: dict[str, Any] = {}
    for c in ROW_COLUMNS:
        values = list(chain.from_iterable(p.column(c) for p in parts))
        if c in _TYPED:
            data[c] = pd.array(values, dtype=_TYPED[c])
        elif c == "amount_read":
            data[c] = pd.Series(values, dtype=object)
        else:
            data[c] = values
    return pd.DataFrame(data, columns=list(ROW_COLUMNS))


@dataclass
class CheckResult:
    """The outcome of ``toolkit.check``: files, every row read, and every issue.

    ``parts`` holds each file's rows (``parts[i]`` belongs to ``files[i]``); the
    DataFrame ``all_rows`` is made from them when first asked for, so a caller that only
    wants the per-file results and amounts (``check --format json``) never builds it."""

    catalog: Catalog
    files: list[FileResult]
    parts: list[Rows]
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if len(self.parts) != len(self.files):
            raise ValueError("one Rows per file")

    @cached_property
    def all_rows(self) -> pd.DataFrame:
        """ROW_COLUMNS, one row per line item read, accepted or not."""
        return rows_frame(self.parts)

    @property
    def rows(self) -> pd.DataFrame:
        """Accepted line items (amount in integer fen, code, level-1 and level-2 codes)."""
        return self.all_rows[self.all_rows["accepted"]].reset_index(drop=True)

    @property
    def rejected(self) -> pd.DataFrame:
        """Rows left out of the totals, with their amounts and the rule ids why."""
        return self.all_rows[~self.all_rows["accepted"]].reset_index(drop=True)

    @property
    def issues(self) -> pd.DataFrame:
        """One row per issue: file, rule, severity, sheet, cell, row, column, value, message."""
        import pandas as pd

        records = [i.to_dict() for f in self.files for i in f.issues]
        columns = ["file", "rule", "severity", "sheet", "cell", "row", "column", "value", "message"]
        return pd.DataFrame.from_records(records, columns=columns)

    @property
    def errors(self) -> int:
        return sum(f.errors for f in self.files)

    @property
    def warnings(self) -> int:
        return sum(f.warnings for f in self.files)

    @property
    def status(self) -> dict[str, str]:
        """Per-file status: path -> "ok" | "errors" | "unreadable"."""
        return {f.path: f.status for f in self.files}
