"""An .xlsx package opened once, its parts read on demand and inflated once, under the
safety limits: the workbook's sheets and defined names, the custom document properties,
the shared strings, the number formats and any worksheet.

Nothing here knows the budget form; ``toolkit.read`` does. Parts no reader needs (images,
themes, printer settings) are never inflated, so a bomb hidden in one costs nothing; the
parts that are read count against ``Limits.max_uncompressed_bytes``, the compression
ratio and the per-file time, as they stream.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import IO, Any

from toolkit.xlsx import smallxml
from toolkit.xlsx.container import (
    NS_DOCREL,
    SMALL_PART,
    Inflater,
    guarded,
    open_container,
    rels_name,
    resolve_target,
    sniff,
)
from toolkit.xlsx.limits import DEFAULT_LIMITS, Deadline, FileProblem, LimitExceeded, Limits
from toolkit.xlsx.sheet import parse_sheet
from toolkit.xlsx.strings import StringsError, parse_shared_strings
from toolkit.xlsx.styles import Styles, parse_styles
from toolkit.xlsx.worksheet import CellLimit, PlanFor, SheetError, Worksheet

STAMP_PROPERTY_PREFIX = "budget_toolkit."


@dataclass(frozen=True)
class SheetInfo:
    name: str
    part: str  # the worksheet's part, e.g. xl/worksheets/sheet2.xml ("" when missing)
    state: str = "visible"  # visible | hidden | veryHidden


@dataclass
class WorkbookInfo:
    sheets: list[SheetInfo] = field(default_factory=list)
    names: dict[tuple[str, int | None], str] = field(default_factory=dict)  # (name, sheet) -> ref
    date1904: bool = False

    def sheet(self, name: str) -> SheetInfo | None:
        return next((s for s in self.sheets if s.name == name), None)


def _elements(data: bytes) -> tuple[smallxml.Element, ...]:
    try:
        return smallxml.elements(data)
    except Exception as exc:
        raise FileProblem(
            "unreadable", f"工作簿部件 XML 格式错误（{type(exc).__name__}）"
        ) from None


class Package:
    """One open workbook. Use as a context manager; every method may raise
    ``FileProblem`` (``LimitExceeded`` included) when the file cannot be read."""

    def __init__(
        self, path: str | Path, limits: Limits | None = None, deadline: Any = None
    ) -> None:
        self.path = Path(path)
        self.limits = limits or DEFAULT_LIMITS
        self.deadline = deadline or Deadline(self.limits)
        with guarded():
            self.size = sniff(self.path, self.limits)
            self.fp: IO[bytes] = self.path.open("rb")
            try:
                self.zf = open_container(self.fp, self.size, self.limits)
            except BaseException:
                self.fp.close()
                raise
        self.infos = {i.filename: i for i in self.zf.infolist()}
        self.inflater = Inflater(self.fp, self.size, self.limits, self.deadline, "读取")
        self._rels_of: dict[str, dict[str, tuple[str, str]]] = {}

    def __enter__(self) -> Package:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.fp.close()

    # -- parts ------------------------------------------------------------------------------
    def has(self, part: str) -> bool:
        return part in self.infos

    def chunks(self, part: str) -> Iterator[bytes]:
        """A part's bytes as they inflate, counted against the limits."""
        return self.inflater.chunks(self.infos[part])

    def read(self, part: str, cap: int = SMALL_PART) -> bytes:
        """A small part whole (``cap`` bytes at most)."""
        info = self.infos[part]
        if info.file_size > cap:
            raise LimitExceeded("max_uncompressed_bytes", f"部件 {part} 过大", self.limits)
        return b"".join(self.chunks(part))

    def _rels(self, part: str) -> dict[str, tuple[str, str]]:
        """Relationship id -> (type, target part) for ``part`` (read once per package)."""
        if part not in self._rels_of:
            self._rels_of[part] = self._read_rels(part)
        return self._rels_of[part]

    def _read_rels(self, part: str) -> dict[str, tuple[str, str]]:
        name = rels_name(part)
        if name not in self.infos:
            return {}
        out = {}
        for el in _elements(self.read(name)):
            if el.depth == 1 and smallxml.local(el.tag) == "Relationship":
                target = el.get("Target", "")
                external = el.get("TargetMode") == "External"
                resolved = target if external else resolve_target(part, target)
                out[el.get("Id", "")] = (el.get("Type", ""), resolved)
        return out

    # -- the workbook -----------------------------------------------------------------------
    @cached_property
    def workbook_part(self) -> str:
        for kind, target in self._rels("").values():
            if kind.endswith("/officeDocument"):
                return target
        return "xl/workbook.xml"

    @cached_property
    def workbook(self) -> WorkbookInfo:
        part = self.workbook_part
        if part not in self.infos:
            raise FileProblem("unreadable", "工作簿缺少必要部件 xl/workbook.xml")
        rels = self._rels(part)
        info = WorkbookInfo()
        for el in _elements(self.read(part)):
            tag = smallxml.local(el.tag)
            if tag == "sheet":
                rid = el.get(f"{{{NS_DOCREL}}}id") or el.get("id") or ""
                target = rels.get(rid, ("", ""))[1]
                name = el.get("name", "")
                info.sheets.append(
                    SheetInfo(
                        name, target if target in self.infos else "", el.get("state", "visible")
                    )
                )
            elif tag == "workbookPr":
                info.date1904 = str(el.get("date1904", "")).lower() in ("1", "true")
            elif tag == "definedName":
                local = el.get("localSheetId")
                key = (el.get("name", ""), int(local) if local and local.isdigit() else None)
                info.names[key] = (el.text or "").strip()
        return info

    def custom_properties(self, prefix: str = STAMP_PROPERTY_PREFIX) -> dict[str, str]:
        """Custom document properties whose names start with ``prefix`` (prefix removed)."""
        part = "docProps/custom.xml"
        if part not in self.infos:
            return {}
        values: dict[str, list[str]] = {}
        current: list[str] | None = None  # the text of the property's value elements
        for el in _elements(self.read(part)):
            if el.depth == 1:
                name = el.get("name") or ""
                current = None
                if name.startswith(prefix):  # a name given twice: the last one counts
                    current = values[name[len(prefix) :]] = []
            elif el.depth == 2 and current is not None:
                current.append(el.text or "")
        return {name: "".join(texts).strip() for name, texts in values.items()}

    def _workbook_rel(self, suffix: str) -> str | None:
        for kind, target in self._rels(self.workbook_part).values():
            if kind.endswith(suffix) and target in self.infos:
                return target
        return None

    @cached_property
    def shared_strings(self) -> list[str]:
        part = self._workbook_rel("/sharedStrings")
        if part is None:
            return []
        try:
            return parse_shared_strings(b"".join(self.chunks(part)))
        except StringsError as exc:
            raise FileProblem("unreadable", str(exc)) from None

    @cached_property
    def styles(self) -> Styles:
        part = self._workbook_rel("/styles")
        if part is None:
            return Styles()
        try:
            return parse_styles(self.read(part))
        except FileProblem:
            raise
        except Exception as exc:
            raise FileProblem("unreadable", f"样式部件无法读取（{type(exc).__name__}）") from None

    def sheet(
        self, info: SheetInfo, plan_for: PlanFor | None = None, data: bytes | None = None
    ) -> Worksheet:
        """Parse one worksheet (inflated once, or given as ``data`` already inflated; a
        second time only for an odd shape)."""
        if not info.part:
            raise FileProblem("unreadable", f"工作表“{info.name}”缺少其 XML 部件")
        limits = self.limits
        source = (lambda: iter((data,))) if data is not None else (lambda: self.chunks(info.part))
        try:
            ws = parse_sheet(
                source,
                self.shared_strings,
                plan_for,
                max_cells=limits.max_cells,
            )
        except SheetError as exc:
            raise FileProblem("unreadable", f"工作表“{info.name}”：{exc.detail}") from None
        except CellLimit as exc:
            found = f"工作表“{info.name}”有超过 {exc.cells:,} 个单元格"
            raise LimitExceeded("max_cells", found, limits, info.name) from None
        if ws.max_row > limits.max_rows:
            found = f"工作表“{info.name}”有 {ws.max_row:,} 行"
            raise LimitExceeded("max_rows", found, limits, info.name)
        merged = sum((r2 - r1 + 1) * (c2 - c1 + 1) for r1, c1, r2, c2 in ws.merged)
        if merged > limits.max_merged_cells:
            found = f"工作表“{info.name}”的合并单元格共 {merged:,} 个单元格"
            raise LimitExceeded("max_merged_cells", found, limits, info.name)
        return ws


def open_package(path: str | Path, limits: Limits | None = None, deadline: Any = None) -> Package:
    return Package(path, limits, deadline)
