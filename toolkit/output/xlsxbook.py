"""A workbook copied part by part, with sheets added and removed and parts replaced.

The parts that are read come through ``toolkit.xlsx.package`` (inflated under the safety
limits); the copy is written as a new zip where every part this module was not asked to
change is streamed across as it inflates. Sheets are added first or last; the workbook's
sheet-local defined names (print titles, print areas, filters) follow their sheets to
their new positions, and names local to a removed sheet go with it.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from toolkit.output.xlsxparts import (
    CT_CUSTOM,
    CT_WORKSHEET,
    REL_CUSTOM,
    REL_WORKSHEET,
    PartError,
    Rels,
    attrs,
    content_types,
    custom_property,
    element,
    esc,
    insert_before_end,
    rel_attr,
    relative,
    set_attr,
    start_tag,
    unescape,
)
from toolkit.xlsx.container import rels_name, resolve_target
from toolkit.xlsx.package import Package

CONTENT_TYPES = "[Content_Types].xml"
Piece = bytes | memoryview


@dataclass
class Sheet:
    name: str
    part: str  # "" when its relationship is missing
    tag: bytes  # the <sheet .../> element as written in workbook.xml
    new: bool = False
    sid: int = 0  # the sheetId given to a new sheet


class Book:
    """An open package being turned into an edited copy (see ``write``)."""

    def __init__(self, pkg: Package) -> None:
        self.pkg = pkg
        self.wb_part = pkg.workbook_part
        self.wb_xml = pkg.read(self.wb_part)
        self.wb_rels = Rels.parse(self.read(rels_name(self.wb_part)))
        self.ct_xml = pkg.read(CONTENT_TYPES) if pkg.has(CONTENT_TYPES) else b""
        if not self.ct_xml:
            raise PartError("工作簿缺少 [Content_Types].xml")
        self.replaced: dict[str, Iterable[Piece]] = {}
        self.removed: set[str] = set()
        self.new_types: dict[str, str] = {}
        self.defaults: dict[str, str] = {}
        self.local_names: list[str] = []  # <definedName> elements for the sheet added first
        self.sheets = self._sheets()
        self.original = list(self.sheets)
        self.first_added = False

    def read(self, part: str) -> bytes | None:
        """A small part whole, or None when the package has no such part."""
        return self.pkg.read(part) if self.pkg.has(part) else None

    def _sheets(self) -> list[Sheet]:
        block = element("sheets").search(self.wb_xml)
        if block is None:
            raise PartError("工作簿缺少 sheets 元素")
        out = []
        for m in element("sheet").finditer(block.group(0)):
            a = attrs(m.group(2))
            rid = next((v for k, v in a.items() if k == "id" or k.endswith(":id")), "")
            target = self.wb_rels.target(rid)
            part = resolve_target(self.wb_part, target) if target else ""
            out.append(Sheet(unescape(a.get("name", "")), part, m.group(0)))
        return out

    # -- parts ----------------------------------------------------------------------------
    def read_big(self, part: str) -> bytes:
        """A worksheet whole, counted against the package's limits as it inflates."""
        return b"".join(self.pkg.chunks(part))

    def replace(self, part: str, data: Iterable[Piece] | bytes, content_type: str = "") -> None:
        self.replaced[part] = [data] if isinstance(data, bytes | memoryview) else data
        if content_type and not self.pkg.has(part):
            self.new_types[part] = content_type

    def default_type(self, extension: str, content_type: str) -> None:
        self.defaults[extension] = content_type

    def free_name(self, pattern: str) -> str:
        """``pattern`` (with ``{}``) numbered so no part has that name yet."""
        n = 1
        while self.pkg.has(pattern.format(n)) or pattern.format(n) in self.replaced:
            n += 1
        return pattern.format(n)

    def sheet(self, name: str) -> Sheet | None:
        return next((s for s in self.sheets if s.name == name), None)

    def sheet_rels(self, part: str) -> Rels:
        key = rels_name(part)
        got = self.replaced.get(key)
        if got is not None:
            return Rels.parse(b"".join(bytes(p) for p in got))
        return Rels.parse(self.read(key))

    # -- sheets ---------------------------------------------------------------------------
    def remove_sheet(self, name: str) -> None:
        sheet = self.sheet(name)
        if sheet is None:
            return
        self.sheets.remove(sheet)
        if sheet.part:
            self.removed |= {sheet.part, rels_name(sheet.part)}

    def add_sheet(self, name: str, data: bytes, first: bool = False, hidden: bool = False) -> int:
        """A new worksheet; returns its position."""
        part = self.free_name("xl/worksheets/sheet{}.xml")
        self.replace(part, data, CT_WORKSHEET)
        rid = self.wb_rels.add(REL_WORKSHEET, relative(self.wb_part, part))
        ids = [int(x) for x in re.findall(rb'\ssheetId\s*=\s*["\'](\d+)["\']', self.wb_xml)]
        sid = max([0, *ids, *(s.sid for s in self.sheets)]) + 1
        p = start_tag("sheet").search(self.wb_xml)
        prefix = p.group(1).decode() if p else ""
        state = ' state="hidden"' if hidden else ""
        rel = rel_attr(self.wb_xml, rid)
        tag = f'<{prefix}sheet name="{esc(name)}" sheetId="{sid}"{state} {rel}/>'.encode()
        sheet = Sheet(name, part, tag, new=True, sid=sid)
        if first:
            self.sheets.insert(0, sheet)
            self.first_added = True
            return 0
        self.sheets.append(sheet)
        return len(self.sheets) - 1

    def local_name(self, name: str, value: str, hidden: bool = False) -> None:
        """A defined name local to the sheet added first."""
        extra = ' hidden="1"' if hidden else ""
        self.local_names.append(
            f'<definedName name="{esc(name)}" localSheetId="0"{extra}>{esc(value, False)}'
            "</definedName>"
        )

    def _workbook(self, before: list[Sheet]) -> bytes:
        """workbook.xml for the new sheet list: <sheets>, local names moved, active tab."""
        old_index = {id(s): i for i, s in enumerate(before)}
        new_of_old = {old_index[id(s)]: i for i, s in enumerate(self.sheets) if id(s) in old_index}
        data = element("sheets").sub(lambda m: self._sheets_xml(m), self.wb_xml, count=1)

        def move(m: re.Match[bytes]) -> bytes:
            local = attrs(m.group(2)).get("localSheetId")
            if local is None or not local.strip().isdigit():
                return m.group(0)
            new = new_of_old.get(int(local))
            if new is None:
                return b""
            head_end = m.group(0).find(b">") + 1
            head = set_attr(m.group(0)[:head_end], "localSheetId", str(new))
            return head + m.group(0)[head_end:]

        data = element("definedName").sub(move, data)
        if self.local_names:
            p = (start_tag("sheets").search(data).group(1) or b"").decode()  # type: ignore[union-attr]
            names = "".join(self.local_names)
            if p:
                names = re.sub(r"<(/?)definedName", rf"<\1{p}definedName", names)
            if start_tag("definedNames").search(data) is None:
                end = _after(data, ("sheets", "functionGroups", "externalReferences"))
                wrapped = f"<{p}definedNames>{names}</{p}definedNames>".encode()
                data = data[:end] + wrapped + data[end:]
            else:
                data = insert_before_end(data, "definedNames", names.encode("utf-8"))
        if self.first_added:
            data = start_tag("workbookView").sub(
                lambda m: set_attr(set_attr(m.group(0), "activeTab", "0"), "firstSheet", "0"),
                data,
            )
        return data

    def _sheets_xml(self, m: re.Match[bytes]) -> bytes:
        p = m.group(1)
        head = m.group(0)[: m.group(0).find(b">") + 1]
        if head.endswith(b"/>"):
            head = head[:-2] + b">"
        return head + b"".join(s.tag for s in self.sheets) + b"</" + p + b"sheets>"

    def custom_property(self, name: str, value: str) -> None:
        root_rels = Rels.parse(self.read("_rels/.rels"))
        found = root_rels.find(REL_CUSTOM)
        part = resolve_target("", found[1]) if found else "docProps/custom.xml"
        if found is None:
            root_rels.add(REL_CUSTOM, part)
            self.replace("_rels/.rels", root_rels.to_bytes())
        self.replace(part, custom_property(self.read(part), name, value), CT_CUSTOM)

    # -- the copy -------------------------------------------------------------------------
    def write(self, target: Path) -> None:
        """Write the copy to ``target`` (a temporary path; the caller renames it)."""
        self.replace(self.wb_part, self._workbook(self.original))
        self.replace(rels_name(self.wb_part), self._wb_rels_bytes())
        self.replace(
            CONTENT_TYPES,
            content_types(self.ct_xml, self.new_types, sorted(self.removed), self.defaults),
        )
        done: set[str] = set()
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as out:
            for info in self.pkg.zf.infolist():
                name = info.filename
                if name in self.removed or name in done:
                    continue
                done.add(name)
                if name.endswith("/"):
                    continue
                pieces = self.replaced.get(name)
                self._member(out, name, info.date_time, pieces)
            for name, pieces in self.replaced.items():
                if name not in done and name not in self.removed:
                    self._member(out, name, None, pieces)

    def _wb_rels_bytes(self) -> bytes:
        kept = {id(s) for s in self.sheets}
        for s in self.original:
            if id(s) not in kept and s.part:
                for rid, _, target, _ in list(self.wb_rels.items):
                    if target and resolve_target(self.wb_part, target) == s.part:
                        self.wb_rels.drop(rid)
        return self.wb_rels.to_bytes()

    def _member(
        self,
        out: zipfile.ZipFile,
        name: str,
        date_time: tuple[int, ...] | None,
        pieces: Iterable[Piece] | None,
    ) -> None:
        info = zipfile.ZipInfo(name, date_time=date_time or (2026, 1, 1, 0, 0, 0))  # type: ignore[arg-type]
        info.compress_type = zipfile.ZIP_DEFLATED
        big = self.pkg.infos[name].file_size > (1 << 30) if self.pkg.has(name) else False
        with out.open(info, "w", force_zip64=big) as w:
            for chunk in pieces if pieces is not None else self.pkg.chunks(name):
                w.write(chunk)


def _after(data: bytes, tags: tuple[str, ...]) -> int:
    """The end of the last of ``tags`` present in workbook.xml."""
    end = 0
    for tag in tags:
        for m in element(tag).finditer(data):
            end = max(end, m.end())
    return end
